//! The store's public data types (what callers pass in and get back) and its
//! one error type. Values persisted in sled are these types as JSON.

use serde::{Deserialize, Serialize};

use crate::activity::Activity;
use crate::ids::{ChannelId, GuildId, OutboxId, RoleId, UserId};
use crate::schedule::Record;
use crate::trakt::{Action, ActionSet, ActivityKey, ShowRef, TraktTime};

/// Everything that can go wrong at the store boundary.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// sled itself failed (I/O, a lock held by another process, ...).
    #[error("storage error: {0}")]
    Db(#[from] sled::Error),
    /// A stored key or value could not be read back.
    #[error("corrupt {what} in the store: {reason}")]
    Corrupt { what: String, reason: String },
    /// The database was written by a newer build.
    #[error(
        "the store has schema version {found}, but this build of trakt-herald supports at most \
         version {supported}: run a newer trakt-herald, or point storage.path at another directory"
    )]
    SchemaTooNew { found: u32, supported: u32 },
    /// The runtime is shutting down: blocking store work was not run.
    #[error("the bot is shutting down")]
    ShuttingDown,
    /// A new follow would exceed the per-guild limit; nothing was written.
    #[error("this server already follows {limit} shows, the most allowed; unfollow one first")]
    LimitReached { limit: usize },
    /// Import text that cannot be imported; nothing was written.
    #[error("import failed at line {line}: {reason}")]
    Import { line: usize, reason: String },
    /// A subscription handed to [`Store::import`](super::Store::import) is invalid;
    /// `index` counts from 1. Nothing was written.
    #[error("subscription #{index} cannot be imported: {reason}")]
    InvalidSubscription { index: usize, reason: String },
}

impl From<sled::transaction::TransactionError<StoreError>> for StoreError {
    fn from(e: sled::transaction::TransactionError<StoreError>) -> Self {
        match e {
            sled::transaction::TransactionError::Abort(e) => e,
            sled::transaction::TransactionError::Storage(e) => StoreError::Db(e),
        }
    }
}

/// One channel following one show. Keyed by (channel, show).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subscription {
    pub guild: GuildId,
    pub channel: ChannelId,
    pub show: ShowRef,
    /// The show's title when it was followed (Trakt's, else the slug).
    pub title: String,
    /// The show's Trakt slug, for a show stored by Trakt id (v2 follows):
    /// what `/follows` shows and `/unfollow` accepts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    pub actions: ActionSet,
    pub created_by: UserId,
    /// Unix seconds.
    pub created_at: i64,
    pub state: SubState,
    /// Trakt's clock when the channel started following: older activity (the
    /// poll overlap reaches back before it) is never posted to this channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<TraktTime>,
    /// How this follow's messages are sent: role ping, quiet, publish.
    #[serde(default, skip_serializing_if = "Delivery::is_default")]
    pub delivery: Delivery,
    /// Bursts of this follow are folded into digests (`/follow … digest:`);
    /// absent (older stores, exports) means on.
    #[serde(default = "digest_default", skip_serializing_if = "is_digest_default")]
    pub digest: bool,
    /// How long the oldest pending activity of this follow waits, to fold
    /// more into its digest (`/follow … digest_window:2m`); `None`: no wait.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "humantime_serde"
    )]
    pub digest_window: Option<std::time::Duration>,
}

/// A follow's message settings (`/follow ping:@role ping_on:… quiet:… publish:…`).
/// The default pings nobody, notifies as usual and does not crosspost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Delivery {
    /// The role a message carrying one of `ping_on` mentions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ping: Option<RoleId>,
    /// The actions that ping; `None`: all of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ping_on: Option<ActionSet>,
    /// Messages without a ping carry the suppress-notifications flag.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub quiet: bool,
    /// Crosspost each message (announcement channels).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub publish: bool,
}

impl Delivery {
    pub fn is_default(&self) -> bool {
        *self == Delivery::default()
    }

    /// The role a message with an activity of `action` pings, if any.
    pub fn ping_for(&self, action: Action) -> Option<RoleId> {
        self.ping
            .filter(|_| self.ping_on.is_none_or(|on| on.contains(action)))
    }
}

fn digest_default() -> bool {
    true
}

fn is_digest_default(on: &bool) -> bool {
    *on
}

/// Whether a subscription is delivered to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SubState {
    Active,
    /// Paused by a person; not polled, not delivered, left alone by the bot.
    Paused {
        since: i64,
    },
    /// Disabled by the bot (Discord answered 403/404 for the channel), with why
    /// and since when (unix seconds). Following again in the channel re-activates
    /// it, from Trakt's clock at that moment.
    Disabled {
        reason: String,
        since: i64,
    },
}

impl SubState {
    pub fn is_active(&self) -> bool {
        matches!(self, SubState::Active)
    }
}

/// A `/follow`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewFollow {
    pub guild: GuildId,
    pub channel: ChannelId,
    pub show: ShowRef,
    pub title: String,
    /// The slug of a show followed by Trakt id (see [`Subscription::slug`]).
    pub slug: Option<String>,
    pub actions: ActionSet,
    pub created_by: UserId,
    /// Unix seconds.
    pub now: i64,
    /// Trakt's clock (`timestamps.current`) read just before the follow:
    /// where this channel's activity starts (its `since`) and where polling
    /// starts for a show no other channel actively follows. `/follow` always
    /// passes it. `None` is for callers without Trakt's clock (tools, tests):
    /// see [`Store::follow`](super::Store::follow) for what it does then.
    pub start_watermark: Option<TraktTime>,
    /// `limits.max_follows_per_guild`.
    pub max_per_guild: usize,
}

/// What [`Store::follow`](super::Store::follow) did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FollowOutcome {
    Created,
    Updated { previous: ActionSet },
}

/// Per-show polling state.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ShowState {
    /// v1: activity up to here has been committed (the server's `current`).
    /// v2: Trakt's clock when the show was (re-)followed with nobody else
    /// following it; each v2 source starts from the later of this and its own mark.
    pub watermark: Option<TraktTime>,
    /// Consecutive failed polls.
    pub failures: u32,
    /// Unix seconds before which the show is not polled again.
    pub next_attempt: Option<i64>,
    /// What the v2 sources of this show have seen (absent on v1).
    #[serde(default, skip_serializing_if = "V2Marks::is_empty")]
    pub v2: V2Marks,
    /// The adaptive schedule's record: activity rate and last poll (absent
    /// until the first poll; updated by each commit).
    #[serde(default, skip_serializing_if = "Record::is_empty")]
    pub schedule: Record,
    /// The current run of failed polls (`/status`, the show alerts); cleared
    /// with `failures` by a successful poll.
    /// Boxed: rare, and a state is held for every followed show each cycle
    /// (40 bytes fewer apiece).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Box<super::PollError>>,
}

/// The v2 sources' own marks for one show (Trakt times of items seen), and
/// the last `watching` snapshot.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct V2Marks {
    /// The newest show-level comment read (`created_at`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comments: Option<TraktTime>,
    /// The newest list change read (`updated_at` of the show's lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lists: Option<TraktTime>,
    /// The last `watching` snapshot: each public watcher's slug and the
    /// snapshot time their current viewing was first seen. `None`: no
    /// snapshot taken yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watchers: Option<std::collections::BTreeMap<String, TraktTime>>,
}

impl V2Marks {
    pub fn is_empty(&self) -> bool {
        *self == V2Marks::default()
    }

    /// `self` moved on by `newer`: marks to the later time, the snapshot
    /// replaced when `newer` has one.
    pub fn merge(&mut self, newer: &V2Marks) {
        fn later(a: Option<TraktTime>, b: Option<TraktTime>) -> Option<TraktTime> {
            match (a, b) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            }
        }
        self.comments = later(self.comments, newer.comments);
        self.lists = later(self.lists, newer.lists);
        if let Some(w) = &newer.watchers {
            self.watchers = Some(w.clone());
        }
    }
}

/// A site-wide v2 feed with its own watermark (not tied to one show).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Feed {
    /// `/comments/recent/all/shows`: show-level comments.
    RecentShows,
    /// `/comments/recent/all/seasons`.
    RecentSeasons,
    /// `/comments/recent/all/episodes`.
    RecentEpisodes,
}

impl Feed {
    pub const ALL: [Feed; 3] = [Feed::RecentShows, Feed::RecentSeasons, Feed::RecentEpisodes];

    /// The stable name (the `feeds` tree key).
    pub fn name(self) -> &'static str {
        match self {
            Feed::RecentShows => "recent/shows",
            Feed::RecentSeasons => "recent/seasons",
            Feed::RecentEpisodes => "recent/episodes",
        }
    }
}

/// A show with at least one active subscription, for the poller.
#[derive(Clone, Debug, PartialEq)]
pub struct ShowFollowers {
    pub show: ShowRef,
    /// Union of the actions of the active subscriptions.
    pub wanted: ActionSet,
    /// Active subscriptions only, in channel order.
    pub channels: Vec<(ChannelId, ActionSet)>,
    pub state: ShowState,
}

/// One fetched activity and the channels it should go to. Its dedupe key is
/// `activity.key()`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PollItem {
    pub show: ShowRef,
    pub activity: Activity,
    pub channels: Vec<ChannelId>,
}

/// The result of one poll, committed atomically.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PollCommit {
    pub watermarks: Vec<(ShowRef, TraktTime)>,
    /// v2: per-show marks, merged into the stored ones ([`V2Marks::merge`]).
    pub marks: Vec<(ShowRef, V2Marks)>,
    /// v2: site-wide feed watermarks (each becomes max(old, new)).
    pub feeds: Vec<(Feed, TraktTime)>,
    /// Shows whose new items in this commit count towards their activity
    /// rate at their next poll (v2: show comments read with the feeds).
    pub counted: Vec<ShowRef>,
    /// Shows whose scheduled poll this commit completes: their activity
    /// rate takes this commit's new items (and the counted ones) over the
    /// window since their last poll ([`Record::polled`]), each with when
    /// its poll started (unix secs: the cycle start, what its next due time
    /// counts from).
    pub polled: Vec<(ShowRef, i64)>,
    /// v2: feeds read by this commit and the new comments each showed (all
    /// shows): their activity rate, for the budget they take first.
    pub feed_polls: Vec<(Feed, u64)>,
    /// In the order the outbox should deliver them (oldest first).
    pub items: Vec<PollItem>,
    /// Unix seconds; when the dedupe keys were recorded.
    pub now: i64,
}

/// What [`Store::commit_poll`](super::Store::commit_poll) did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CommitStats {
    /// Items not seen before (dedupe keys recorded).
    pub new_activities: usize,
    /// Items whose dedupe key was already recorded; skipped.
    pub duplicates: usize,
    /// Outbox entries appended.
    pub queued: usize,
}

/// One pending delivery of one activity to one channel. `activity` is the
/// bot's model (`crate::activity`), never a wire format (schema version 3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub id: OutboxId,
    pub channel: ChannelId,
    /// For a user follow's entry: the show the activity is about
    /// (`trakt:0` for a movie); `user` names the follow.
    pub show: ShowRef,
    /// The followed Trakt user this entry was queued for (user follows only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<crate::trakt::v2::UserSlug>,
    pub key: ActivityKey,
    pub activity: Activity,
    /// Unix seconds.
    pub queued_at: i64,
}

/// The batch being sent to a channel, recorded before the send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InFlight {
    pub ids: Vec<OutboxId>,
    pub nonce: String,
}

/// What [`Store::disable_channel`](super::Store::disable_channel) did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DisableStats {
    /// Active subscriptions that became disabled.
    pub subscriptions: usize,
    /// Pending outbox entries dropped.
    pub dropped_entries: usize,
}
