//! # trakt-herald
//!
//! A Discord bot that posts what happens on Trakt around a TV show into the
//! channels that follow it.
//!
//! # Layout
//!
//! - [`config`]: the typed configuration, file plus environment, validated.
//! - [`ids`]: typed Discord identifiers.
//! - [`trakt`]: the Trakt API v1 client and the activity model.
//! - [`store`]: every sled call: subscriptions, watermarks, dedupe keys, the outbox, export/import.
//! - [`telemetry`]: logging set-up.
//!
//! `main.rs` only parses the command line and calls into this library.

pub mod config;
pub mod ids;
pub mod store;
pub mod telemetry;
pub mod trakt;
