//! The Trakt API v1 side: validated inputs (`ShowRef`, `ActionSet`), the typed
//! activity model, URL building, and the HTTP client for `activity/shows`.

pub mod action;
pub mod client;
pub mod error;
mod lenient;
pub mod model;
pub mod ratelimit;
pub mod show_ref;
pub mod url;

pub use action::{Action, ActionSet, ActionSetError, ItemType};
pub use client::{parse_activity_page, Fetched, ParsedPage, RetryPolicy, ShowInfo, TraktClient};
pub use error::TraktError;
pub use model::{Activity, ActivityKey, TraktTime};
pub use show_ref::{ShowRef, ShowRefError};
