//! The v2 wire model (reference §7): lenient serde types for the objects the
//! bot reads. Only the fields the reference marks "always" are required (a
//! show's `title` and `ids.trakt`/`ids.slug`, an episode's numbers, a
//! comment's `id`/`created_at`/`comment`, …); everything else is optional,
//! `null`, `""` or a wrongly typed value become `None`, and unknown keys are
//! ignored. Timestamps are RFC 3339 with optional fractions, held as
//! [`Timestamp`] (a `chrono::DateTime<Utc>`), compared as instants.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::trakt::lenient::{opt_string, opt_u64};

/// A Trakt timestamp (UTC). `chrono` because serenity already depends on it
/// (no new dependency tree) and its RFC 3339 and RFC 2822 (HTTP `Date`)
/// parsers cover both forms Trakt sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub DateTime<Utc>);

impl Timestamp {
    /// RFC 3339, fraction optional (`2014-09-01T09:10:11.000Z`, `…11Z`).
    pub fn parse(s: &str) -> Option<Timestamp> {
        DateTime::parse_from_rfc3339(s.trim())
            .ok()
            .map(|t| Timestamp(t.with_timezone(&Utc)))
    }

    /// An HTTP date (`Sun, 15 Nov 2026 01:54:01 GMT`), as in `Date` and
    /// `Retry-After`.
    pub fn parse_http(s: &str) -> Option<Timestamp> {
        DateTime::parse_from_rfc2822(s.trim())
            .ok()
            .map(|t| Timestamp(t.with_timezone(&Utc)))
    }

    /// Seconds since the Unix epoch.
    pub fn unix(&self) -> i64 {
        self.0.timestamp()
    }

    /// This instant moved back by `secs` seconds (a watermark's overlap).
    pub fn minus_secs(&self, secs: i64) -> Timestamp {
        Timestamp(self.0 - chrono::Duration::seconds(secs))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}",
            self.0.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        )
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Timestamp::parse(&s).ok_or_else(|| serde::de::Error::custom("not an RFC 3339 timestamp"))
    }
}

/// An optional timestamp: absent, `null` or unparsable is `None`.
pub(super) fn opt_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Timestamp::parse(&s),
        _ => None,
    })
}

/// A boolean; anything but `true` is `false`.
fn loose_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(matches!(Value::deserialize(d)?, Value::Bool(true)))
}

/// An optional integer that fits `u32` (`year`, counters).
fn opt_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    Ok(opt_u64(d)?.and_then(|n| u32::try_from(n).ok()))
}

macro_rules! trakt_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

trakt_id!(
    /// A show's Trakt id (`1393`): the key the bot stores.
    ShowId
);
trakt_id!(
    /// A comment id (one global id space).
    CommentId
);
trakt_id!(
    /// A list's Trakt id.
    ListId
);
trakt_id!(
    /// A list item's id (unique within Trakt's list items).
    ListItemId
);

/// A user's slug (`ids.slug`): the key for URLs and dedupe, not `username`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize)]
#[serde(transparent)]
pub struct UserSlug(pub String);

impl fmt::Display for UserSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `ids` of a show (§7.1): `trakt` and `slug` always.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ShowIds {
    pub trakt: ShowId,
    pub slug: String,
    #[serde(default, deserialize_with = "opt_u64")]
    pub tvdb: Option<u64>,
    #[serde(default, deserialize_with = "opt_string")]
    pub imdb: Option<String>,
    #[serde(default, deserialize_with = "opt_u64")]
    pub tmdb: Option<u64>,
}

/// A show (§7.1), minimal or `extended=full`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Show {
    pub title: String,
    #[serde(default, deserialize_with = "opt_u32")]
    pub year: Option<u32>,
    pub ids: ShowIds,
    #[serde(default, deserialize_with = "opt_string")]
    pub overview: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub network: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "opt_time")]
    pub updated_at: Option<Timestamp>,
}

/// `ids` of a season or episode: all optional except the episode's `trakt`
/// (seasons in list items may lack it, §7.2).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct MediaIds {
    #[serde(default, deserialize_with = "opt_u64")]
    pub trakt: Option<u64>,
    #[serde(default, deserialize_with = "opt_u64")]
    pub tvdb: Option<u64>,
    #[serde(default, deserialize_with = "opt_string")]
    pub imdb: Option<String>,
    #[serde(default, deserialize_with = "opt_u64")]
    pub tmdb: Option<u64>,
    #[serde(default, deserialize_with = "opt_string")]
    pub slug: Option<String>,
}

/// A season (§7.2); 0 = specials.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Season {
    pub number: u32,
    #[serde(default)]
    pub ids: MediaIds,
}

/// An episode (§7.2): `season` and `number` always.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Episode {
    pub season: u32,
    pub number: u32,
    #[serde(default, deserialize_with = "opt_string")]
    pub title: Option<String>,
    #[serde(default)]
    pub ids: MediaIds,
}

/// A movie (§7.3): only recognised, to be skipped for show follows.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Movie {
    #[serde(default, deserialize_with = "opt_string")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "opt_u32")]
    pub year: Option<u32>,
    #[serde(default)]
    pub ids: MediaIds,
}

/// `ids` of a user: `slug` is the key; `trakt` is often absent (§7.4, §13.6).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct UserIds {
    pub slug: UserSlug,
    #[serde(default, deserialize_with = "opt_u64")]
    pub trakt: Option<u64>,
}

/// A user profile (§7.4), as embedded in comments, lists and `watching`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct User {
    #[serde(default, deserialize_with = "opt_string")]
    pub username: Option<String>,
    #[serde(default, deserialize_with = "loose_bool")]
    pub private: bool,
    #[serde(default, deserialize_with = "loose_bool")]
    pub deleted: bool,
    #[serde(default, deserialize_with = "opt_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "loose_bool")]
    pub vip: bool,
    pub ids: UserIds,
}

/// A comment (§7.7). `parent_id` 0 is top level.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Comment {
    pub id: CommentId,
    #[serde(default, deserialize_with = "opt_u64")]
    pub parent_id: Option<u64>,
    pub created_at: Timestamp,
    #[serde(default, deserialize_with = "opt_time")]
    pub updated_at: Option<Timestamp>,
    pub comment: String,
    #[serde(default, deserialize_with = "loose_bool")]
    pub spoiler: bool,
    #[serde(default, deserialize_with = "loose_bool")]
    pub review: bool,
    #[serde(default, deserialize_with = "opt_u32")]
    pub replies: Option<u32>,
    #[serde(default, deserialize_with = "opt_u32")]
    pub likes: Option<u32>,
    #[serde(default, deserialize_with = "opt_string")]
    pub language: Option<String>,
    #[serde(default, deserialize_with = "opt_u32")]
    pub user_rating: Option<u32>,
    #[serde(default, deserialize_with = "crate::trakt::lenient::opt_object")]
    pub user: Option<User>,
}

impl Comment {
    /// A reply rather than a top-level comment.
    pub fn is_reply(&self) -> bool {
        self.parent_id.is_some_and(|p| p != 0)
    }
}

/// `ids` of a list.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ListIds {
    pub trakt: ListId,
    #[serde(default, deserialize_with = "opt_string")]
    pub slug: Option<String>,
}

/// A list (§7.5).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct TraktList {
    pub name: String,
    #[serde(default, deserialize_with = "opt_string")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub privacy: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub r#type: Option<String>,
    #[serde(default, deserialize_with = "opt_time")]
    pub created_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "opt_time")]
    pub updated_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "opt_u32")]
    pub item_count: Option<u32>,
    pub ids: ListIds,
    #[serde(default, deserialize_with = "crate::trakt::lenient::opt_object")]
    pub user: Option<User>,
}

/// A list item (§7.6): the media keys that match `type`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ListItem {
    pub id: ListItemId,
    #[serde(default, deserialize_with = "opt_u32")]
    pub rank: Option<u32>,
    pub listed_at: Timestamp,
    #[serde(default, deserialize_with = "opt_string")]
    pub notes: Option<String>,
    pub r#type: String,
    #[serde(default, deserialize_with = "crate::trakt::lenient::opt_object")]
    pub show: Option<Show>,
    #[serde(default, deserialize_with = "crate::trakt::lenient::opt_object")]
    pub season: Option<Season>,
    #[serde(default, deserialize_with = "crate::trakt::lenient::opt_object")]
    pub episode: Option<Episode>,
    #[serde(default, deserialize_with = "crate::trakt::lenient::opt_object")]
    pub movie: Option<Movie>,
}

/// One search answer (§8.2, §8.3). `score` is a float, an integer or null.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct SearchResult {
    pub r#type: String,
    #[serde(default)]
    pub score: Option<f64>,
    #[serde(default, deserialize_with = "crate::trakt::lenient::opt_object")]
    pub show: Option<Show>,
    #[serde(default, deserialize_with = "crate::trakt::lenient::opt_object")]
    pub movie: Option<Movie>,
}

/// The wrapper form of a recent-comments item (§8.5, blueprint):
/// `{type, comment, <media>}`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct CommentWrapper {
    pub r#type: String,
    pub comment: Comment,
    #[serde(default, deserialize_with = "crate::trakt::lenient::opt_object")]
    pub show: Option<Show>,
    #[serde(default, deserialize_with = "crate::trakt::lenient::opt_object")]
    pub season: Option<Season>,
    #[serde(default, deserialize_with = "crate::trakt::lenient::opt_object")]
    pub episode: Option<Episode>,
    /// A followed user's comment on a movie (`type: movie`, §8.16).
    #[serde(default, deserialize_with = "crate::trakt::lenient::opt_object")]
    pub movie: Option<Movie>,
    /// A followed user's comment on a list (`type: list`, §8.16).
    #[serde(default, deserialize_with = "crate::trakt::lenient::opt_object")]
    pub list: Option<TraktList>,
}

/// A recent-comments item in either shape (§8.5).
#[derive(Clone, Debug, PartialEq)]
pub enum RecentComment {
    /// `{type, comment: {…}, show, episode|season}`: attributable to a show.
    Wrapped(Box<CommentWrapper>),
    /// A bare comment (the contract's shape): no media, no show.
    Bare(Box<Comment>),
}

impl RecentComment {
    pub fn comment(&self) -> &Comment {
        match self {
            RecentComment::Wrapped(w) => &w.comment,
            RecentComment::Bare(c) => c,
        }
    }

    /// The show it belongs to, when the item says.
    pub fn show_id(&self) -> Option<ShowId> {
        match self {
            RecentComment::Wrapped(w) => w.show.as_ref().map(|s| s.ids.trakt),
            RecentComment::Bare(_) => None,
        }
    }
}

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;
