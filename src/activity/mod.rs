//! The bot's own activity model, independent of any Trakt wire format: what
//! the poller routes, the outbox keeps and `format::render` turns into an
//! embed. The v1 client maps its wire type into it (`trakt::v1_map`); the v2
//! client does the same with its own.
//!
//! One [`Activity`] is: the [`Action`], Trakt's time of the event
//! ([`TraktTime`]), the dedupe identity ([`ActivityKey`], computed by the
//! source), the [`User`] who did it, the [`Subject`] it is about, and what the
//! action carries: a [`Comment`] (shout, review), a [`List`] (created, item
//! added) with the [`ListItem`] added, a [`Rating`]. Each fact is stored once:
//! whether a comment is a review is the action; the owner of a list is the
//! activity's user (Trakt reports lists and their items by their owner); the
//! item added to a list is the subject.
//!
//! # Serialization (what the outbox stores)
//!
//! JSON objects with these stable field names: `action` (snake case, as the
//! v1 API names it), `time` (seconds), `key`, `user`, `subject` (an object
//! tagged by `kind`: `show`, `season`, `episode`, `episodes`, `movie`, `list`,
//! `missing`), and the optional `comment`, `list`, `list_item`, `rating`
//! (`{"score": 1..=10}`, `"love"` or `"hate"`). Absent options are left out;
//! unknown fields are ignored when reading (no `deny_unknown_fields`), so a
//! newer writer's extra field does not make an older reader drop the entry.
//! Renaming or removing a field needs a store migration.

mod key;
mod subject;
pub mod web;

use serde::{Deserialize, Serialize};

pub use key::{ActivityKey, TraktTime};
pub(crate) use subject::slug_of as subject_slug_of;
pub use subject::{Episode, Expected, Movie, Season, Show, Subject};

use crate::trakt::{Action, ShowRef};

/// One thing that happened on Trakt, ready to route and render.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    pub action: Action,
    /// Trakt's time of the event.
    pub time: TraktTime,
    /// The dedupe identity, as the source computed it.
    pub key: ActivityKey,
    pub user: User,
    pub subject: Subject,
    /// The shout or review (`action` says which).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<Comment>,
    /// The list created or added to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<List>,
    /// The entry of `list` that was added (the item itself is the subject).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_item: Option<ListItem>,
    /// The rating given (`action` = rating).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<Rating>,
}

impl Activity {
    /// Trakt's time of the event.
    pub fn time(&self) -> TraktTime {
        self.time
    }

    /// The dedupe identity.
    pub fn key(&self) -> &ActivityKey {
        &self.key
    }

    /// The show this activity is about, if it names one (directly, or as the
    /// show of the season, episode or list item).
    pub fn subject_show(&self) -> Option<&Show> {
        self.subject.show()
    }

    /// Whether this activity concerns `show`.
    pub fn is_about(&self, show: &ShowRef) -> bool {
        self.subject_show().is_some_and(|s| s.is(show))
    }
}

/// The person who did something.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct User {
    /// The account name (not necessarily URL-safe on v2).
    pub username: String,
    /// The name they go by, when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// Their Trakt profile page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile_url: Option<String>,
    /// The account was deleted: shown as "Deleted user", never linked.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
}

/// A shout or a review.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Comment {
    /// Trakt's comment id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// The raw text: may hold markdown, `[spoiler]…[/spoiler]` and `:shortcode:`
    /// emoji; escaping is the renderer's job.
    pub text: String,
    /// The whole comment is a spoiler.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub spoiler: bool,
    /// The commenter's own rating of the item, when Trakt gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_rating: Option<Score>,
    /// The comment's own page, when the source names one (v2:
    /// `https://trakt.tv/comments/{id}`; v1 hands out none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A user's list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct List {
    /// Trakt's numeric list id (v2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// The list's page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `public`, `friends`, `private`, `link`, as the source says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privacy: Option<String>,
}

/// One entry of a list (the item itself is the activity's subject).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListItem {
    /// Trakt's list-item id (v2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// The owner's notes on the entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// A rating on Trakt's 1–10 scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct Score(u8);

impl Score {
    /// `n` as a score, if it is within 1–10.
    pub fn new(n: u64) -> Option<Score> {
        u8::try_from(n)
            .ok()
            .filter(|n| (1..=10).contains(n))
            .map(Score)
    }

    /// The number, 1–10.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u64> for Score {
    type Error = String;
    fn try_from(n: u64) -> Result<Self, Self::Error> {
        Score::new(n).ok_or_else(|| format!("a score is 1 to 10, not {n}"))
    }
}

impl From<Score> for u64 {
    fn from(s: Score) -> u64 {
        u64::from(s.0)
    }
}

/// A rating: a score, or v1's simple love/hate scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Score(Score),
    Love,
    Hate,
}

#[cfg(test)]
mod tests;
