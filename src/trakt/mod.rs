//! The Trakt API v1 side: validated inputs (`ShowRef`, `ActionSet`), the typed
//! activity model, URL building, and the HTTP client for `activity/shows`.

pub mod action;
mod lenient;
pub mod model;
pub mod show_ref;

pub use action::{Action, ActionSet, ActionSetError, ItemType};
pub use model::{Activity, ActivityKey, TraktTime};
pub use show_ref::{ShowRef, ShowRefError};
