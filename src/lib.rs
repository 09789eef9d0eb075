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
//! - [`format`]: pure rendering of activities into Discord embeds, and message packing.
//! - [`telemetry`]: logging set-up.
//!
//! `main.rs` only parses the command line and calls into this library.

pub mod config;
pub mod format;
pub mod ids;
pub mod telemetry;
pub mod trakt;
