//! # trakt-herald
//!
//! A Discord bot that posts what happens on Trakt around a TV show into the
//! channels that follow it.
//!
//! # Layout
//!
//! - [`config`]: the typed configuration, file plus environment, validated.
//! - [`clock`], [`backoff`], [`ratelimit`]: wall-clock seconds, the one
//!   exponential backoff, and the token bucket shared by Trakt and Discord.
//! - [`ids`]: typed Discord identifiers.
//! - [`activity`]: the bot's own activity model (what is routed, stored and
//!   rendered), independent of any Trakt wire format.
//! - [`trakt`]: the Trakt clients (API v2, the default, and v1), their inputs
//!   and wire types, and their mapping into [`activity`].
//! - [`store`]: everything remembered, in one sled database (every sled call).
//! - [`format`]: pure rendering of activities into Discord embeds, and packing.
//! - [`poller`]: which shows and followed users are due, batching, routing,
//!   per-show backoff, and the show alerts (failing, gone) it queues.
//! - [`schedule`]: the adaptive schedule: activity rates, budget allocation, next polls.
//! - [`deliver`]: drains the outbox to Discord, exactly once per channel (digests,
//!   pings, threads and forum posts), and posts the queued alerts.
//! - [`http`]: the one reqwest client set-up (timeouts, no proxy for loopback).
//! - [`discord`]: the serenity/poise client, slash commands (one file each),
//!   permissions, the REST sender (messages, forum posts).
//! - [`shutdown`]: the cancellation token and the fatal reason to stop.
//! - [`app`]: the running bot (start-up, shutdown) and offline CLI actions.
//! - [`telemetry`]: logging set-up.
//! - [`metrics`]: every metric's name, the `/metrics` and `/healthz` server.
//!
//! `main.rs` only parses the command line and calls into this library.

pub mod activity;
pub mod app;
pub mod backoff;
pub mod clock;
pub mod config;
pub mod deliver;
pub mod discord;
pub mod format;
pub mod http;
pub mod ids;
pub mod metrics;
pub mod poller;
pub mod ratelimit;
pub mod schedule;
pub mod shutdown;
pub mod store;
pub mod telemetry;
pub mod trakt;
