//! Trakt: validated inputs (`ShowRef`, `ActionSet`); `retry`, the retry
//! policy both clients share; the API v1 side (the
//! activity wire types of `model` and their mapping into `crate::activity`
//! by `v1_map`, URL building, the HTTP client for `activity/shows`); `v2`,
//! the Trakt API v2 client, its endpoints and its mapping (`v2::map`); and
//! `source`, which of the two the running bot reads.

/// `FromStr` and serde for a type whose text form is its `Display` and whose
/// parser is `Type::parse`: validation runs wherever the value is read back.
macro_rules! text_form {
    ($ty:ident, $err:ident) => {
        impl std::str::FromStr for $ty {
            type Err = $err;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = <String as serde::Deserialize>::deserialize(deserializer)?;
                $ty::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}
use text_form;

pub mod action;
pub mod client;
pub mod error;
mod lenient;
pub mod model;
pub mod retry;
pub mod show_ref;
pub mod source;
pub mod url;
pub mod v1_map;
pub mod v2;

pub use action::{Action, ActionSet, ActionSetError, ItemType};
pub use client::{parse_activity_page, Fetched, ParsedPage, ShowInfo, TraktClient};
pub use error::TraktError;
pub use model::{Activity, ActivityKey, TraktTime};
pub use retry::RetryPolicy;
pub use show_ref::{ShowRef, ShowRefError};
pub use source::{Source, SourceError, V2Source};
