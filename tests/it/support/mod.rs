//! Test support: the project's own fakes, each listening on `127.0.0.1:0`.

pub mod activities;
pub mod fake_discord;
pub mod fake_trakt;
pub mod fake_trakt_v2;
pub mod fake_trakt_v2_routes;
pub mod herald;
pub mod process;
