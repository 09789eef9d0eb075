//! The store: every sled call in the crate. Subscriptions, per-show polling
//! state (watermark, failures), dedupe keys, the outbox and in-flight markers,
//! the schema version, and export/import.
//!
//! This file holds the shared machinery (the trees, the writer lock, plans
//! and transactions, value encoding); each concern has its own `impl Store`
//! block: `schema` (opening, migrations; `migrate_outbox` is migration 3),
//! `subs` (follow, pause, resume, unfollow, listings), `alerts` (each
//! server's alerts channel), `poll` (the poller's reads and
//! commits, dedupe keys), `outbox` (delivery, in-flight markers, quarantine,
//! disabling a channel), `import` (export/import; reading a file in
//! `import_parse`, user follows in `import_users`), `users` and
//! `user_pause` (user follows), `notices` (disabled user follows to tell),
//! `followers` (the per-show index the poller reads), `state_codec` (how a
//! show's state is stored) and `stats` (read-only figures for the metrics).
//!
//! # Layout
//!
//! One sled tree per kind ([`TreeId`]), typed big-endian keys (see `keys`),
//! values are a version byte followed by JSON (but the packed `followers`
//! records and the binary show states):
//!
//! | tree | key | value |
//! | --- | --- | --- |
//! | `meta` | `schema_version` | `u32` BE (raw, so every build can read it) |
//! | `subs` | show + channel | [`Subscription`] |
//! | `subs_by_channel` | channel + show | empty (index) |
//! | `subs_by_guild` | guild + channel + show | empty (index) |
//! | `followers` | show | its ACTIVE subscriptions' channels and actions, 10 bytes each (`followers`; schema 5, one entry per subscription before) |
//! | `shows` | show | [`ShowState`], binary since schema 5 (`state_codec`; JSON in older stores, still read; its `schedule` record added without a migration: a serde default) |
//! | `dedupe` | show + activity key | recorded-at (unix secs) |
//! | `dedupe_by_time` | recorded-at + `dedupe` key | empty (index, for pruning) |
//! | `outbox` | channel + id | [`OutboxEntry`], its `activity` the bot's model (`crate::activity`; schema 2 kept the v1 wire item, migration 3 rewrites it, `migrate_outbox`) |
//! | `in_flight` | channel | [`InFlight`] |
//! | `quarantine` | the `outbox` key | the raw bytes of an outbox entry that did not decode |
//! | `feeds` | a v2 site-wide feed's name ([`Feed::name`]) | its watermark, a [`TraktTime`](crate::trakt::TraktTime); under `rate/` + the name, its schedule [`Record`](crate::schedule::Record) (`schedule`; no migration) |
//! | `user_subs` | user + channel | [`UserSub`] (`users`; new trees, no migration) |
//! | `user_state` | user | [`UserState`] |
//! | `forum_posts` | channel | a forum or media channel's marker, a [`ForumChannel`] (`forum`; a new tree, no migration) |
//! | `forum_posts` | channel + show | the post the show's activity goes to there, a [`ForumPost`] |
//! | `alerts` | guild | the guild's alerts channel, a [`ChannelId`](crate::ids::ChannelId) (`alerts`; a new tree, no migration) |
//! | `channel_delivery` | channel | [`ChannelRecord`]: the last delivery and the last delivery error (`status`; a new tree, no migration) |
//! | `notices` | id (`u64` BE, generated) | [`Notice`]: an alert about a show waiting to be posted (`notices`; a new tree, no migration) |
//!
//! # Consistency
//!
//! Every change is one sled transaction over all data trees, so a crash
//! leaves the store either before or after it. sled transactions cannot scan,
//! so writers first read what they need (scans included) and then commit; a
//! process-wide writer lock (a `std::sync::Mutex`, held only during
//! synchronous sled calls, never across an `.await`, and never during an
//! fsync) keeps those reads valid until the commit. Reads take no lock; a
//! reader joining an index with the data it points to treats a missing target
//! as a concurrent removal, not as corruption.
//!
//! The `followers` index is what the poller reads every cycle
//! ([`Store::followed_shows`]): one packed record per show, ten bytes per
//! active subscription, instead of a whole JSON [`Subscription`], so an idle
//! bot with many subscriptions does not keep the `subs` pages resident. It is
//! written in the same plan as every subscription write (`plan_put_sub`,
//! `unfollow`) and rebuilt from `subs` when a store older than version 5 is
//! opened.
//!
//! Invariants kept by every method: an outbox entry exists only while its
//! channel has an active subscription to its show; a show's watermark only
//! moves forward while some channel actively follows the show (a show nobody
//! actively follows is not polled, so its watermark is stale: the next
//! activation moves it to the activation's Trakt time); the per-show state and
//! dedupe keys exist only while some channel follows the show; an in-flight
//! marker names only entries that are still pending.

mod alerts;
mod followers;
mod forum;
mod import;
mod import_parse;
mod import_users;
mod keys;
mod migrate_outbox;
mod notices;
mod outbox;
mod poll;
mod schedule;
mod schema;
mod state_codec;
mod stats;
mod status;
mod status_types;
mod subs;
mod types;
mod user_notices;
mod user_pause;
mod user_types;
mod users;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_hardening;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::de::DeserializeOwned;
use serde::Serialize;
use sled::transaction::{
    ConflictableTransactionError, ConflictableTransactionResult, TransactionalTree,
};
use sled::Transactional;

pub use forum::{ForumChannel, ForumPost};
pub use import::{ImportFile, ImportProgress, IMPORT_CHUNK, MAX_TITLE_CHARS};
pub use import_users::ExportedUserFollow;
pub use notices::Queued;
pub use schema::SCHEMA_VERSION;
pub use stats::FollowCounts;
pub use status_types::{
    ChannelRecord, ChannelStatus, FollowStatus, Followed, GuildStatus, Notice, NoticeKind,
    PollError,
};
pub use types::{
    CommitStats, Delivery, DisableStats, Feed, FollowOutcome, InFlight, NewFollow, OutboxEntry,
    PollCommit, PollItem, ShowFollowers, ShowState, StoreError, SubState, Subscription, V2Marks,
};
pub use user_notices::UserNotice;
pub use user_types::{
    CollectedCounts, NewUserFollow, Profile, ShowFilter, UserCommit, UserFollowers, UserItem,
    UserMarks, UserState, UserSub,
};

/// First byte of every stored value.
const VALUE_V1: u8 = 1;

/// The data trees (all but `meta`). Adding a tree is one line here (and one
/// in [`TreeId::ALL`]); every transaction spans all of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TreeId {
    Subs,
    ByChannel,
    ByGuild,
    Followers,
    Shows,
    Dedupe,
    DedupeTime,
    Outbox,
    InFlight,
    Quarantine,
    Feeds,
    Alerts,
    UserSubs,
    UserState,
    ForumPosts,
    ChannelDelivery,
    Notices,
}

impl TreeId {
    /// Every data tree, in index order (`ALL[t as usize] == t`).
    const ALL: [TreeId; 17] = [
        TreeId::Subs,
        TreeId::ByChannel,
        TreeId::ByGuild,
        TreeId::Followers,
        TreeId::Shows,
        TreeId::Dedupe,
        TreeId::DedupeTime,
        TreeId::Outbox,
        TreeId::InFlight,
        TreeId::Quarantine,
        TreeId::Feeds,
        TreeId::Alerts,
        TreeId::UserSubs,
        TreeId::UserState,
        TreeId::ForumPosts,
        TreeId::ChannelDelivery,
        TreeId::Notices,
    ];

    /// The sled tree name (stable: it is the on-disk layout).
    fn name(self) -> &'static str {
        match self {
            TreeId::Subs => "subs",
            TreeId::ByChannel => "subs_by_channel",
            TreeId::ByGuild => "subs_by_guild",
            TreeId::Followers => "followers",
            TreeId::Shows => "shows",
            TreeId::Dedupe => "dedupe",
            TreeId::DedupeTime => "dedupe_by_time",
            TreeId::Outbox => "outbox",
            TreeId::InFlight => "in_flight",
            TreeId::Quarantine => "quarantine",
            TreeId::Feeds => "feeds",
            TreeId::Alerts => "alerts",
            TreeId::UserSubs => "user_subs",
            TreeId::UserState => "user_state",
            TreeId::ForumPosts => "forum_posts",
            TreeId::ChannelDelivery => "channel_delivery",
            TreeId::Notices => "notices",
        }
    }
}

const TREES: usize = TreeId::ALL.len();

/// The bot's persistent state. Cheap to clone; clones share one database.
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    meta: sled::Tree,
    /// Indexed by [`TreeId`].
    trees: Arc<[sled::Tree; TREES]>,
    writer: Arc<Mutex<()>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // sled's own Debug would print every entry.
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

/// The transactional views of the data trees, indexed by [`TreeId`].
struct Tx<'a>(&'a [TransactionalTree]);

impl Tx<'_> {
    fn tree(&self, t: TreeId) -> &TransactionalTree {
        &self.0[t as usize]
    }
}

type TxResult<A> = ConflictableTransactionResult<A, StoreError>;

fn abort(e: StoreError) -> ConflictableTransactionError<StoreError> {
    ConflictableTransactionError::Abort(e)
}

/// Writes computed outside a transaction, applied inside one.
#[derive(Default)]
struct Plan {
    ops: Vec<(TreeId, Vec<u8>, Option<Vec<u8>>)>,
    /// Edits of `followers` records, applied inside the transaction after
    /// `ops` ([`Plan::follower`]).
    followers: followers::Edits,
}

impl Plan {
    fn put<V: Serialize>(
        &mut self,
        t: TreeId,
        key: impl Into<Vec<u8>>,
        value: &V,
    ) -> Result<(), StoreError> {
        self.ops.push((t, key.into(), Some(encode(value)?)));
        Ok(())
    }
    fn put_raw(&mut self, t: TreeId, key: impl Into<Vec<u8>>, value: Vec<u8>) {
        self.ops.push((t, key.into(), Some(value)));
    }
    fn put_empty(&mut self, t: TreeId, key: impl Into<Vec<u8>>) {
        self.ops.push((t, key.into(), Some(Vec::new())));
    }
    fn del(&mut self, t: TreeId, key: impl Into<Vec<u8>>) {
        self.ops.push((t, key.into(), None));
    }
    fn is_empty(&self) -> bool {
        self.ops.is_empty() && self.followers.is_empty()
    }
}

fn encode<V: Serialize>(value: &V) -> Result<Vec<u8>, StoreError> {
    let mut out = vec![VALUE_V1];
    serde_json::to_writer(&mut out, value).map_err(|e| corrupt("value to write", e))?;
    Ok(out)
}

fn decode<V: DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<V, StoreError> {
    match bytes.split_first() {
        Some((&VALUE_V1, json)) => serde_json::from_slice(json).map_err(|e| corrupt(what, e)),
        Some((version, _)) => Err(corrupt(
            what,
            format!("unknown value version {version} (written by a newer build?)"),
        )),
        None => Err(corrupt(what, "empty value")),
    }
}

fn corrupt(what: &str, reason: impl ToString) -> StoreError {
    StoreError::Corrupt {
        what: what.to_owned(),
        reason: reason.to_string(),
    }
}

fn sub_at(bytes: &[u8]) -> Result<Subscription, StoreError> {
    decode("subscription", bytes)
}

/// The writer lock, held: marks the thread so that [`Store::durable`] can
/// refuse (in debug builds) to fsync under it.
struct WriterGuard<'a> {
    _inner: MutexGuard<'a, ()>,
}

thread_local! {
    static HOLDS_WRITER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl Drop for WriterGuard<'_> {
    fn drop(&mut self) {
        HOLDS_WRITER.with(|h| h.set(false));
    }
}

impl Store {
    fn tree(&self, t: TreeId) -> &sled::Tree {
        &self.trees[t as usize]
    }

    /// Run blocking store work on tokio's blocking pool, off the async
    /// workers: sled is synchronous and fsyncs, and a worker stuck in an fsync
    /// delays the gateway heartbeat and every interaction. A panic inside `f`
    /// is resumed in the caller; a runtime shutting down gives
    /// [`StoreError::ShuttingDown`].
    pub async fn blocking<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
    {
        let store = self.clone();
        match tokio::task::spawn_blocking(move || f(&store)).await {
            Ok(result) => result,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => Err(StoreError::ShuttingDown),
        }
    }

    /// Write everything to disk.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.durable()
    }

    /// fsync everything written so far. Never called under the writer lock:
    /// an fsync takes milliseconds, and every other writer would wait for it.
    fn durable(&self) -> Result<(), StoreError> {
        debug_assert!(
            !HOLDS_WRITER.with(std::cell::Cell::get),
            "fsync under the store's writer lock"
        );
        #[cfg(test)]
        tests_hardening::count_fsync();
        self.db.flush()?;
        Ok(())
    }

    fn lock(&self) -> WriterGuard<'_> {
        // The guarded data is the database, which transactions keep consistent;
        // a panic elsewhere while holding the lock leaves nothing half-written.
        let inner = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        HOLDS_WRITER.with(|h| h.set(true));
        WriterGuard { _inner: inner }
    }

    /// Run `f` as one transaction over every data tree.
    fn transact<A>(&self, f: impl Fn(&Tx<'_>) -> TxResult<A>) -> Result<A, StoreError> {
        Ok(self.trees[..].transaction(|views| f(&Tx(views)))?)
    }

    fn apply(&self, plan: &Plan) -> Result<(), StoreError> {
        if plan.is_empty() {
            return Ok(());
        }
        self.transact(|tx| {
            for (t, key, value) in &plan.ops {
                let tree = tx.tree(*t);
                match value {
                    Some(v) => {
                        tree.insert(key.as_slice(), v.as_slice())?;
                    }
                    None => {
                        tree.remove(key.as_slice())?;
                    }
                }
            }
            let tree = tx.tree(TreeId::Followers);
            for (show, edits) in &plan.followers {
                let mut record = match tree.get(show.as_slice())? {
                    Some(bytes) => followers::decode(&bytes).map_err(abort)?,
                    None => Vec::new(),
                };
                for (channel, actions) in edits {
                    followers::edit(&mut record, *channel, *actions);
                }
                match followers::encode(&record) {
                    Some(bytes) => tree.insert(show.as_slice(), bytes)?,
                    None => tree.remove(show.as_slice())?,
                };
            }
            Ok(())
        })
    }
}
