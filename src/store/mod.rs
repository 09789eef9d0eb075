//! The store: every sled call in the crate. Subscriptions, per-show polling
//! state (watermark, failures), dedupe keys, the outbox and in-flight markers,
//! the schema version, and export/import.
//!
//! # Layout
//!
//! One sled tree per kind, typed big-endian keys (see `keys`), values are a
//! version byte followed by JSON:
//!
//! | tree | key | value |
//! | --- | --- | --- |
//! | `meta` | `schema_version` | `u32` BE (raw, so every build can read it) |
//! | `subs` | show + channel | [`Subscription`] |
//! | `subs_by_channel` | channel + show | empty (index) |
//! | `subs_by_guild` | guild + channel + show | empty (index) |
//! | `followers` | show + channel | the actions' bits, `u16` BE (index of the ACTIVE subscriptions) |
//! | `shows` | show | [`ShowState`] |
//! | `dedupe` | show + activity key | recorded-at (unix secs) |
//! | `dedupe_by_time` | recorded-at + `dedupe` key | empty (index, for pruning) |
//! | `outbox` | channel + id | [`OutboxEntry`] |
//! | `in_flight` | channel | [`InFlight`] |
//!
//! # Consistency
//!
//! Every change is one sled transaction over all trees, so a crash leaves the
//! store either before or after it. sled transactions cannot scan, so writers
//! first read what they need (scans included) and then commit; a process-wide
//! writer lock (a `std::sync::Mutex`, held only during synchronous sled calls,
//! never across an `.await`) keeps those reads valid until the commit. Reads
//! take no lock.
//!
//! The `followers` index is what the poller reads every cycle
//! ([`Store::followed_shows`]): two bytes per active subscription instead of a
//! whole JSON [`Subscription`], so an idle bot with many subscriptions does not
//! keep the `subs` pages resident. It is written in the same plan as every
//! subscription write (`plan_put_sub`, `unfollow`) and rebuilt from `subs` when
//! a version-1 store is opened.
//!
//! Invariants kept by every method: an outbox entry exists only while its
//! channel has an active subscription to its show; a show's watermark only moves
//! forward while the show is followed; the per-show state and dedupe keys exist
//! only while some channel follows the show; an in-flight marker names only
//! entries that are still pending.

mod import;
mod keys;
mod types;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::de::DeserializeOwned;
use serde::Serialize;
use sled::transaction::{
    ConflictableTransactionError, ConflictableTransactionResult, TransactionalTree,
};
use sled::Transactional;

pub use import::MAX_TITLE_CHARS;
pub use types::{
    CommitStats, DisableStats, FollowOutcome, InFlight, NewFollow, OutboxEntry, PollCommit,
    PollItem, ShowFollowers, ShowState, StoreError, SubState, Subscription,
};

use crate::ids::{ChannelId, GuildId, OutboxId};
use crate::trakt::{ActionSet, ActivityKey, ShowRef};

/// The schema version this build writes and reads.
/// Version 2 added the `followers` index.
pub const SCHEMA_VERSION: u32 = 2;

const SCHEMA_KEY: &[u8] = b"schema_version";
/// First byte of every stored value.
const VALUE_V1: u8 = 1;

/// The bot's persistent state. Cheap to clone; clones share one database.
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    t: Trees,
    writer: Arc<Mutex<()>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // sled's own Debug would print every entry.
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

#[derive(Clone)]
struct Trees {
    meta: sled::Tree,
    subs: sled::Tree,
    by_channel: sled::Tree,
    by_guild: sled::Tree,
    followers: sled::Tree,
    shows: sled::Tree,
    dedupe: sled::Tree,
    dedupe_time: sled::Tree,
    outbox: sled::Tree,
    in_flight: sled::Tree,
}

/// The data trees (all but `meta`), as named in a [`Plan`].
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
}

/// The transactional views of the data trees.
struct Tx<'a> {
    subs: &'a TransactionalTree,
    by_channel: &'a TransactionalTree,
    by_guild: &'a TransactionalTree,
    followers: &'a TransactionalTree,
    shows: &'a TransactionalTree,
    dedupe: &'a TransactionalTree,
    dedupe_time: &'a TransactionalTree,
    outbox: &'a TransactionalTree,
    in_flight: &'a TransactionalTree,
}

impl Tx<'_> {
    fn tree(&self, t: TreeId) -> &TransactionalTree {
        match t {
            TreeId::Subs => self.subs,
            TreeId::ByChannel => self.by_channel,
            TreeId::ByGuild => self.by_guild,
            TreeId::Followers => self.followers,
            TreeId::Shows => self.shows,
            TreeId::Dedupe => self.dedupe,
            TreeId::DedupeTime => self.dedupe_time,
            TreeId::Outbox => self.outbox,
            TreeId::InFlight => self.in_flight,
        }
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
        self.ops.is_empty()
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

/// A poll item with what the transaction needs computed up front.
struct Prepared<'a> {
    item: &'a PollItem,
    /// Sorted, each once.
    channels: Vec<ChannelId>,
    dedupe_key: Vec<u8>,
    key: ActivityKey,
}

/// Open sled, waiting briefly while a previous handle in this process (whose
/// background flusher still holds the directory lock) finishes closing.
fn open_db(path: &Path, cache_mb: u64) -> Result<sled::Db, StoreError> {
    let config = sled::Config::new()
        .path(path)
        .cache_capacity(cache_mb.saturating_mul(1024 * 1024));
    let mut attempts = 0;
    loop {
        match config.open() {
            Ok(db) => return Ok(db),
            Err(sled::Error::Io(e)) if e.kind() == std::io::ErrorKind::Other && attempts < 40 => {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn sub_at(bytes: &[u8]) -> Result<Subscription, StoreError> {
    decode("subscription", bytes)
}

/// The `followers` value of an active subscription wanting `actions`.
fn follower_value(actions: ActionSet) -> [u8; 2] {
    actions.bits().to_be_bytes()
}

fn follower_actions(bytes: &[u8]) -> Result<ActionSet, StoreError> {
    let raw: [u8; 2] = bytes
        .try_into()
        .map_err(|_| corrupt("followers value", format!("{} bytes, not 2", bytes.len())))?;
    let bits = u16::from_be_bytes(raw);
    ActionSet::from_bits(bits).ok_or_else(|| {
        corrupt(
            "followers value",
            format!("bits {bits:#06x} name no action"),
        )
    })
}

/// A `followers` key split into its show-key prefix and its channel.
fn split_follower_key(key: &[u8]) -> Result<(&[u8], ChannelId), StoreError> {
    let (prefix, channel) = key
        .split_last_chunk::<8>()
        .ok_or_else(|| corrupt("followers key", "shorter than 8 bytes"))?;
    Ok((prefix, ChannelId(u64::from_be_bytes(*channel))))
}

impl Store {
    /// Open (or create) the database at `path` with a page cache of `cache_mb` MiB,
    /// and check its schema version: a fresh database gets [`SCHEMA_VERSION`]; a
    /// newer one is refused with [`StoreError::SchemaTooNew`]; a non-empty one
    /// without a version (written before versioning) is migrated by recording it.
    pub fn open(path: &Path, cache_mb: u64) -> Result<Store, StoreError> {
        let db = open_db(path, cache_mb)?;
        let t = Trees {
            meta: db.open_tree("meta")?,
            subs: db.open_tree("subs")?,
            by_channel: db.open_tree("subs_by_channel")?,
            by_guild: db.open_tree("subs_by_guild")?,
            followers: db.open_tree("followers")?,
            shows: db.open_tree("shows")?,
            dedupe: db.open_tree("dedupe")?,
            dedupe_time: db.open_tree("dedupe_by_time")?,
            outbox: db.open_tree("outbox")?,
            in_flight: db.open_tree("in_flight")?,
        };
        let store = Store {
            db,
            t,
            writer: Arc::new(Mutex::new(())),
        };
        store.check_schema()?;
        Ok(store)
    }

    fn check_schema(&self) -> Result<(), StoreError> {
        match self.t.meta.get(SCHEMA_KEY)? {
            Some(bytes) => {
                let raw: [u8; 4] = bytes.as_ref().try_into().map_err(|_| {
                    corrupt("schema version", format!("{} bytes, not 4", bytes.len()))
                })?;
                let found = u32::from_be_bytes(raw);
                if found > SCHEMA_VERSION {
                    return Err(StoreError::SchemaTooNew {
                        found,
                        supported: SCHEMA_VERSION,
                    });
                }
                if found < SCHEMA_VERSION {
                    // Versions before 1 never existed; 1 → 2 adds the index.
                    self.rebuild_followers()?;
                    self.write_schema_version()?;
                    tracing::info!(from = found, to = SCHEMA_VERSION, "store schema migrated");
                }
                Ok(())
            }
            None => {
                let empty = self.data_trees().iter().all(|t| t.is_empty());
                if !empty {
                    self.rebuild_followers()?;
                }
                self.write_schema_version()?;
                if empty {
                    tracing::debug!(version = SCHEMA_VERSION, "new store");
                } else {
                    tracing::info!(
                        to = SCHEMA_VERSION,
                        "store without a schema version migrated (version recorded)"
                    );
                }
                Ok(())
            }
        }
    }

    fn write_schema_version(&self) -> Result<(), StoreError> {
        self.t
            .meta
            .insert(SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes())?;
        self.db.flush()?;
        Ok(())
    }

    /// Build the `followers` index from `subs` (migration from version 1).
    /// Idempotent: run before the new version is recorded, so a crash in
    /// between runs it again on the next open.
    fn rebuild_followers(&self) -> Result<(), StoreError> {
        let _w = self.lock();
        self.t.followers.clear()?;
        let mut batch = sled::Batch::default();
        let mut n = 0usize;
        for item in self.t.subs.iter() {
            let (key, value) = item?;
            let sub = sub_at(&value)?;
            if sub.state.is_active() {
                batch.insert(key, &follower_value(sub.actions)[..]);
                n += 1;
            }
        }
        self.t.followers.apply_batch(batch)?;
        tracing::info!(active = n, "followers index built");
        Ok(())
    }

    fn data_trees(&self) -> [&sled::Tree; 9] {
        let t = &self.t;
        [
            &t.subs,
            &t.by_channel,
            &t.by_guild,
            &t.followers,
            &t.shows,
            &t.dedupe,
            &t.dedupe_time,
            &t.outbox,
            &t.in_flight,
        ]
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
        self.db.flush()?;
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, ()> {
        // The guarded data is the database, which transactions keep consistent;
        // a panic elsewhere while holding the lock leaves nothing half-written.
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Run `f` as one transaction over every data tree.
    fn transact<A>(&self, f: impl Fn(&Tx<'_>) -> TxResult<A>) -> Result<A, StoreError> {
        let t = &self.t;
        let trees = (
            &t.subs,
            &t.by_channel,
            &t.by_guild,
            &t.followers,
            &t.shows,
            &t.dedupe,
            &t.dedupe_time,
            &t.outbox,
            &t.in_flight,
        );
        Ok(trees.transaction(
            |(
                subs,
                by_channel,
                by_guild,
                followers,
                shows,
                dedupe,
                dedupe_time,
                outbox,
                in_flight,
            )| {
                f(&Tx {
                    subs,
                    by_channel,
                    by_guild,
                    followers,
                    shows,
                    dedupe,
                    dedupe_time,
                    outbox,
                    in_flight,
                })
            },
        )?)
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
            Ok(())
        })
    }

    // ---- subscriptions ------------------------------------------------------

    fn get_sub(
        &self,
        show: &ShowRef,
        channel: ChannelId,
    ) -> Result<Option<Subscription>, StoreError> {
        self.t
            .subs
            .get(keys::sub(show, channel))?
            .map(|v| sub_at(&v))
            .transpose()
    }

    /// Stage writing `sub` (and its index entries), replacing `old` if given.
    /// Every subscription write goes through here (or `unfollow`), so the
    /// `followers` index always holds exactly the active subscriptions.
    fn plan_put_sub(
        plan: &mut Plan,
        sub: &Subscription,
        old: Option<&Subscription>,
    ) -> Result<(), StoreError> {
        if let Some(old) = old {
            if old.guild != sub.guild {
                plan.del(
                    TreeId::ByGuild,
                    keys::by_guild(old.guild, old.channel, &old.show),
                );
            }
        }
        plan.put(TreeId::Subs, keys::sub(&sub.show, sub.channel), sub)?;
        plan.put_empty(TreeId::ByChannel, keys::by_channel(sub.channel, &sub.show));
        plan.put_empty(
            TreeId::ByGuild,
            keys::by_guild(sub.guild, sub.channel, &sub.show),
        );
        let key = keys::sub(&sub.show, sub.channel);
        if sub.state.is_active() {
            plan.put_raw(TreeId::Followers, key, follower_value(sub.actions).to_vec());
        } else {
            plan.del(TreeId::Followers, key);
        }
        Ok(())
    }

    /// Follow `f.show` in `f.channel`.
    ///
    /// - An existing (channel, show) subscription gets the new actions and title
    ///   and becomes active again: [`FollowOutcome::Updated`].
    /// - A new one is refused with [`StoreError::LimitReached`] (nothing written)
    ///   when the guild already has `max_per_guild` subscriptions (any state).
    /// - Following in a channel re-activates every subscription of that channel
    ///   that the bot disabled (Discord refused the channel with 403/404): a person
    ///   acting there is the signal that the channel works again. Paused ones stay paused.
    /// - The show's watermark becomes `start_watermark` only if it has none; an
    ///   existing watermark is never moved back.
    /// - A blank title is replaced by the show's slug or id, a long one cut to
    ///   [`MAX_TITLE_CHARS`], so that every export imports again.
    pub fn follow(&self, mut f: NewFollow) -> Result<FollowOutcome, StoreError> {
        f.title = import::clean_title(&f.title, &f.show);
        let _w = self.lock();
        let existing = self.get_sub(&f.show, f.channel)?;
        if existing.is_none() {
            let count = self.guild_follow_count(f.guild)?;
            if count >= f.max_per_guild {
                return Err(StoreError::LimitReached {
                    limit: f.max_per_guild,
                });
            }
        }
        let mut plan = Plan::default();
        for mut other in self.channel_follows(f.channel)? {
            if other.show != f.show && matches!(other.state, SubState::Disabled { .. }) {
                other.state = SubState::Active;
                Self::plan_put_sub(&mut plan, &other, None)?;
            }
        }
        let outcome = match &existing {
            Some(old) => {
                let sub = Subscription {
                    guild: f.guild,
                    title: f.title.clone(),
                    actions: f.actions,
                    state: SubState::Active,
                    ..old.clone()
                };
                Self::plan_put_sub(&mut plan, &sub, Some(old))?;
                FollowOutcome::Updated {
                    previous: old.actions,
                }
            }
            None => {
                let sub = Subscription {
                    guild: f.guild,
                    channel: f.channel,
                    show: f.show.clone(),
                    title: f.title.clone(),
                    actions: f.actions,
                    created_by: f.created_by,
                    created_at: f.now,
                    state: SubState::Active,
                    since: f.start_watermark,
                };
                Self::plan_put_sub(&mut plan, &sub, None)?;
                FollowOutcome::Created
            }
        };
        if let Some(start) = f.start_watermark {
            let mut state = self.show_state(&f.show)?;
            if state.watermark.is_none() {
                state.watermark = Some(start);
                plan.put(TreeId::Shows, keys::show(&f.show), &state)?;
            }
        }
        self.apply(&plan)?;
        Ok(outcome)
    }

    /// Stop following `show` in `channel`; returns the removed subscription, or
    /// `None` (nothing changed) when there was none. The channel's pending
    /// outbox entries for the show go too (and leave its in-flight marker). When
    /// no channel follows the show any more, its watermark, failure state and
    /// dedupe keys are removed as well. One transaction.
    pub fn unfollow(
        &self,
        channel: ChannelId,
        show: &ShowRef,
    ) -> Result<Option<Subscription>, StoreError> {
        let _w = self.lock();
        let Some(sub) = self.get_sub(show, channel)? else {
            return Ok(None);
        };
        let mut plan = Plan::default();
        plan.del(TreeId::Subs, keys::sub(show, channel));
        plan.del(TreeId::ByChannel, keys::by_channel(channel, show));
        plan.del(TreeId::ByGuild, keys::by_guild(sub.guild, channel, show));
        plan.del(TreeId::Followers, keys::sub(show, channel));
        self.plan_drop_entries(&mut plan, channel, |s| s == show)?;
        let own_key = keys::sub(show, channel);
        let mut others = false;
        for key in self.t.subs.scan_prefix(keys::show(show)).keys() {
            if key?.as_ref() != own_key.as_slice() {
                others = true;
                break;
            }
        }
        if !others {
            plan.del(TreeId::Shows, keys::show(show));
            for item in self.t.dedupe.scan_prefix(keys::show(show)) {
                let (key, value) = item?;
                let at: i64 = decode("dedupe key", &value)?;
                plan.del(TreeId::DedupeTime, keys::dedupe_by_time(at, &key));
                plan.del(TreeId::Dedupe, key.to_vec());
            }
        }
        self.apply(&plan)?;
        Ok(Some(sub))
    }

    /// Stage dropping `channel`'s pending entries whose show `drop` selects,
    /// and their ids from its in-flight marker (the marker goes when it names no
    /// pending entry any more; a kept marker keeps its nonce, so a resend after a
    /// crash is still recognised by Discord). Returns how many entries.
    fn plan_drop_entries(
        &self,
        plan: &mut Plan,
        channel: ChannelId,
        drop: impl Fn(&ShowRef) -> bool,
    ) -> Result<usize, StoreError> {
        let mut dropped = HashSet::new();
        for item in self.t.outbox.scan_prefix(keys::id_prefix(channel.0)) {
            let (key, value) = item?;
            let entry: OutboxEntry = decode("outbox entry", &value)?;
            if drop(&entry.show) {
                plan.del(TreeId::Outbox, key.to_vec());
                dropped.insert(entry.id);
            }
        }
        if let Some(mut marker) = self.in_flight(channel)? {
            let before = marker.ids.len();
            marker.ids.retain(|id| !dropped.contains(id));
            if marker.ids.is_empty() {
                plan.del(TreeId::InFlight, keys::id_prefix(channel.0).to_vec());
            } else if marker.ids.len() != before {
                plan.put(
                    TreeId::InFlight,
                    keys::id_prefix(channel.0).to_vec(),
                    &marker,
                )?;
            }
        }
        Ok(dropped.len())
    }

    /// Every subscription of `channel` (any state), in show-key order.
    pub fn channel_follows(&self, channel: ChannelId) -> Result<Vec<Subscription>, StoreError> {
        let mut out = Vec::new();
        for key in self
            .t
            .by_channel
            .scan_prefix(keys::id_prefix(channel.0))
            .keys()
        {
            let key = key?;
            let (_, rest) = keys::split_id(&key).map_err(|e| corrupt("channel index key", e))?;
            let (show, _) = keys::split_show(rest).map_err(|e| corrupt("channel index key", e))?;
            match self.get_sub(&show, channel)? {
                Some(sub) => out.push(sub),
                None => {
                    return Err(corrupt(
                        "channel index",
                        format!("channel {channel} lists `{show}` without a subscription"),
                    ))
                }
            }
        }
        Ok(out)
    }

    /// How many (channel, show) subscriptions the guild has, in any state.
    pub fn guild_follow_count(&self, guild: GuildId) -> Result<usize, StoreError> {
        let mut n = 0;
        for key in self.t.by_guild.scan_prefix(keys::id_prefix(guild.0)).keys() {
            key?;
            n += 1;
        }
        Ok(n)
    }

    /// Every show with at least one active subscription, in show-key order, with
    /// the channels that want it, the union of their actions, and its state.
    /// Reads only the compact `followers` index and the `shows` states, never
    /// the subscriptions themselves; `title` is the show's slug or TVDB id.
    pub fn followed_shows(&self) -> Result<Vec<ShowFollowers>, StoreError> {
        let mut out: Vec<ShowFollowers> = Vec::new();
        // The show-key prefix of the last entry in `out`.
        let mut last_prefix: Vec<u8> = Vec::new();
        for item in self.t.followers.iter() {
            let (key, value) = item?;
            let (prefix, channel) = split_follower_key(&key)?;
            let actions = follower_actions(&value)?;
            match out.last_mut() {
                Some(last) if last_prefix.as_slice() == prefix => {
                    last.wanted = last.wanted.union(actions);
                    last.channels.push((channel, actions));
                }
                _ => {
                    let (show, rest) =
                        keys::split_show(prefix).map_err(|e| corrupt("followers key", e))?;
                    if !rest.is_empty() {
                        return Err(corrupt("followers key", "bytes between show and channel"));
                    }
                    last_prefix.clear();
                    last_prefix.extend_from_slice(prefix);
                    out.push(ShowFollowers {
                        title: show.to_string(),
                        show,
                        wanted: actions,
                        channels: vec![(channel, actions)],
                        state: ShowState::default(),
                    });
                }
            }
        }
        for followers in &mut out {
            followers.state = self.show_state(&followers.show)?;
        }
        Ok(out)
    }

    /// The show's polling state (default when it has none).
    pub fn show_state(&self, show: &ShowRef) -> Result<ShowState, StoreError> {
        Ok(match self.t.shows.get(keys::show(show))? {
            Some(v) => decode("show state", &v)?,
            None => ShowState::default(),
        })
    }

    fn is_followed(&self, show: &ShowRef) -> Result<bool, StoreError> {
        Ok(self
            .t
            .subs
            .scan_prefix(keys::show(show))
            .keys()
            .next()
            .transpose()?
            .is_some())
    }

    /// Record a failed poll of `show`, not to be retried before `next_attempt`
    /// (unix secs). Returns the number of consecutive failures. Nothing is stored
    /// for a show nobody follows.
    pub fn record_show_failure(
        &self,
        show: &ShowRef,
        next_attempt: i64,
    ) -> Result<u32, StoreError> {
        let _w = self.lock();
        let mut state = self.show_state(show)?;
        state.failures = state.failures.saturating_add(1);
        state.next_attempt = Some(next_attempt);
        if self.is_followed(show)? {
            self.t.shows.insert(keys::show(show), encode(&state)?)?;
        }
        Ok(state.failures)
    }

    // ---- poll results -------------------------------------------------------

    /// Commit one poll in ONE transaction. For each item in order: a recorded
    /// dedupe key (show, `activity.key()`) makes it a duplicate (skipped);
    /// otherwise the key is recorded at `now` and one outbox entry is appended per
    /// listed channel (each once) that still has an ACTIVE subscription to the
    /// show wanting the activity's action (checked inside the transaction). Ids
    /// are monotonic across restarts and assigned in item order. Each watermark
    /// becomes max(old, new) and the show's failure state is cleared.
    ///
    /// Items and watermarks for a show no channel follows any more (unfollowed
    /// while the poll was in flight) are ignored, so nothing is left behind for it.
    pub fn commit_poll(&self, c: PollCommit) -> Result<CommitStats, StoreError> {
        let _w = self.lock();
        let mut followed = HashSet::new();
        for show in c
            .items
            .iter()
            .map(|i| &i.show)
            .chain(c.watermarks.iter().map(|w| &w.0))
        {
            if !followed.contains(show) && self.is_followed(show)? {
                followed.insert(show.clone());
            }
        }
        let items: Vec<Prepared<'_>> = c
            .items
            .iter()
            .filter(|i| followed.contains(&i.show))
            .map(|i| {
                let mut channels = i.channels.clone();
                channels.sort_unstable();
                channels.dedup();
                let key = i.activity.key();
                Prepared {
                    item: i,
                    channels,
                    dedupe_key: keys::dedupe(&i.show, &key),
                    key,
                }
            })
            .collect();
        let recorded_at = encode(&c.now)?;
        self.transact(|tx| {
            let mut stats = CommitStats::default();
            for Prepared {
                item,
                channels,
                dedupe_key,
                key,
            } in &items
            {
                let (show, activity) = (&item.show, &item.activity);
                if tx.dedupe.get(dedupe_key.as_slice())?.is_some() {
                    stats.duplicates += 1;
                    continue;
                }
                stats.new_activities += 1;
                tx.dedupe
                    .insert(dedupe_key.as_slice(), recorded_at.as_slice())?;
                tx.dedupe_time
                    .insert(keys::dedupe_by_time(c.now, dedupe_key), &[][..])?;
                for channel in channels {
                    let Some(value) = tx.subs.get(keys::sub(show, *channel))? else {
                        continue;
                    };
                    let sub = sub_at(&value).map_err(abort)?;
                    if !sub.state.is_active()
                        || !sub.actions.contains(activity.action)
                        || sub.since.is_some_and(|since| activity.time() < since)
                    {
                        continue;
                    }
                    let id = OutboxId(tx.outbox.generate_id()?);
                    let entry = OutboxEntry {
                        id,
                        channel: *channel,
                        show: show.clone(),
                        key: key.clone(),
                        activity: activity.clone(),
                        queued_at: c.now,
                    };
                    tx.outbox.insert(
                        &keys::outbox(*channel, id)[..],
                        encode(&entry).map_err(abort)?,
                    )?;
                    stats.queued += 1;
                }
            }
            for (show, time) in &c.watermarks {
                if !followed.contains(show) {
                    continue;
                }
                let key = keys::show(show);
                let mut state: ShowState = match tx.shows.get(key.as_slice())? {
                    Some(v) => decode("show state", &v).map_err(abort)?,
                    None => ShowState::default(),
                };
                state.watermark = Some(state.watermark.map_or(*time, |old| old.max(*time)));
                state.failures = 0;
                state.next_attempt = None;
                tx.shows.insert(key, encode(&state).map_err(abort)?)?;
            }
            Ok(stats)
        })
    }

    /// Whether the dedupe key of an activity of `show` is recorded.
    pub fn is_recorded(&self, show: &ShowRef, key: &ActivityKey) -> Result<bool, StoreError> {
        Ok(self.t.dedupe.contains_key(keys::dedupe(show, key))?)
    }

    /// Forget dedupe keys recorded before `older_than` (unix secs); returns how many.
    pub fn prune_dedupe(&self, older_than: i64) -> Result<usize, StoreError> {
        let _w = self.lock();
        let mut plan = Plan::default();
        let mut n = 0;
        for key in self.t.dedupe_time.range(..keys::time(older_than)).keys() {
            let key = key?;
            let dedupe_key =
                keys::dedupe_key_of_time_key(&key).map_err(|e| corrupt("dedupe time key", e))?;
            plan.del(TreeId::Dedupe, dedupe_key.to_vec());
            plan.del(TreeId::DedupeTime, key.to_vec());
            n += 1;
        }
        self.apply(&plan)?;
        Ok(n)
    }

    // ---- outbox -------------------------------------------------------------

    /// The channels with pending outbox entries, in channel-id order.
    pub fn pending_channels(&self) -> Result<Vec<ChannelId>, StoreError> {
        let mut out = Vec::new();
        let mut from = [0u8; 8];
        while let Some(item) = self.t.outbox.range(from..).keys().next() {
            let key = item?;
            let (channel, _) = keys::split_id(&key).map_err(|e| corrupt("outbox key", e))?;
            out.push(ChannelId(channel));
            match channel.checked_add(1) {
                Some(next) => from = next.to_be_bytes(),
                None => break,
            }
        }
        Ok(out)
    }

    /// Up to `limit` pending entries of `channel`, oldest first.
    pub fn pending(
        &self,
        channel: ChannelId,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        self.t
            .outbox
            .scan_prefix(keys::id_prefix(channel.0))
            .values()
            .take(limit)
            .map(|v| decode("outbox entry", &v?))
            .collect()
    }

    /// The pending entries of `channel` among `ids` (those still there), in id order.
    /// For resending an in-flight batch after a restart.
    pub fn entries(
        &self,
        channel: ChannelId,
        ids: &[OutboxId],
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(v) = self.t.outbox.get(keys::outbox(channel, id))? {
                out.push(decode("outbox entry", &v)?);
            }
        }
        Ok(out)
    }

    /// How many entries are pending, across all channels.
    pub fn outbox_len(&self) -> Result<usize, StoreError> {
        Ok(self.t.outbox.len())
    }

    /// Record the batch about to be sent to `channel`, durably (flushed), so a
    /// restart resends exactly that batch with the same nonce.
    pub fn set_in_flight(&self, channel: ChannelId, f: &InFlight) -> Result<(), StoreError> {
        let _w = self.lock();
        self.t
            .in_flight
            .insert(keys::id_prefix(channel.0), encode(f)?)?;
        self.db.flush()?;
        Ok(())
    }

    /// The batch recorded as in flight to `channel`, if any.
    pub fn in_flight(&self, channel: ChannelId) -> Result<Option<InFlight>, StoreError> {
        self.t
            .in_flight
            .get(keys::id_prefix(channel.0))?
            .map(|v| decode("in-flight marker", &v))
            .transpose()
    }

    /// Discord accepted the batch: remove exactly those entries and the channel's
    /// in-flight marker, in one transaction, flushed.
    pub fn ack(&self, channel: ChannelId, ids: &[OutboxId]) -> Result<(), StoreError> {
        let _w = self.lock();
        let mut plan = Plan::default();
        for id in ids {
            plan.del(TreeId::Outbox, keys::outbox(channel, *id).to_vec());
        }
        plan.del(TreeId::InFlight, keys::id_prefix(channel.0).to_vec());
        self.apply(&plan)?;
        self.db.flush()?;
        Ok(())
    }

    /// Discord refused `channel` for good (403/404): its active subscriptions
    /// become `Disabled { reason, since: now }`, its pending entries and in-flight
    /// marker are dropped. One transaction.
    pub fn disable_channel(
        &self,
        channel: ChannelId,
        reason: &str,
        now: i64,
    ) -> Result<DisableStats, StoreError> {
        let _w = self.lock();
        let mut plan = Plan::default();
        let mut stats = DisableStats::default();
        for mut sub in self.channel_follows(channel)? {
            if sub.state.is_active() {
                sub.state = SubState::Disabled {
                    reason: reason.to_owned(),
                    since: now,
                };
                Self::plan_put_sub(&mut plan, &sub, None)?;
                stats.subscriptions += 1;
            }
        }
        stats.dropped_entries = self.plan_drop_entries(&mut plan, channel, |_| true)?;
        plan.del(TreeId::InFlight, keys::id_prefix(channel.0).to_vec());
        self.apply(&plan)?;
        // Durable at once: a restart must not try a refused channel again.
        self.db.flush()?;
        Ok(stats)
    }

    // ---- export / import ----------------------------------------------------

    /// Every subscription, ordered by guild, channel, show.
    pub fn export(&self) -> Result<Vec<Subscription>, StoreError> {
        let mut out = self
            .t
            .subs
            .iter()
            .values()
            .map(|v| sub_at(&v?))
            .collect::<Result<Vec<_>, _>>()?;
        out.sort_by(|a, b| (a.guild, a.channel, &a.show).cmp(&(b.guild, b.channel, &b.show)));
        Ok(out)
    }

    /// [`export`](Self::export) as a pretty JSON array (the import format).
    pub fn export_json(&self) -> Result<String, StoreError> {
        let subs = self.export()?;
        serde_json::to_string_pretty(&subs).map_err(|e| corrupt("export", e))
    }

    /// Parse an export. Malformed JSON, unknown fields, an invalid show or action
    /// list, an empty title, a zero id, a (channel, show) given twice or a channel
    /// in two guilds → [`StoreError::Import`] naming the line.
    pub fn parse_import(text: &str) -> Result<Vec<Subscription>, StoreError> {
        import::parse(text)
    }

    /// Merge `subs` into the store in one transaction: a (channel, show) not in the
    /// store is added as given; one already there is replaced by the given one
    /// (the file wins). Idempotent. Returns how many subscriptions were added or
    /// changed (0 when importing the same file again). Nothing is written when any
    /// subscription is invalid ([`StoreError::InvalidSubscription`]). Watermarks are
    /// not set: the poller starts imported shows as it starts any show without one.
    /// A subscription imported as not active drops its channel's pending entries
    /// for the show, like an unfollow.
    pub fn import(&self, subs: Vec<Subscription>) -> Result<usize, StoreError> {
        import::check_all(&subs).map_err(|(index, reason)| StoreError::InvalidSubscription {
            index: index + 1,
            reason,
        })?;
        let _w = self.lock();
        let mut plan = Plan::default();
        let mut changed = 0;
        let mut inactive: BTreeMap<ChannelId, HashSet<&ShowRef>> = BTreeMap::new();
        for sub in &subs {
            let old = self.get_sub(&sub.show, sub.channel)?;
            if old.as_ref() == Some(sub) {
                continue;
            }
            changed += 1;
            Self::plan_put_sub(&mut plan, sub, old.as_ref())?;
            if !sub.state.is_active() {
                inactive.entry(sub.channel).or_default().insert(&sub.show);
            }
        }
        for (channel, shows) in inactive {
            self.plan_drop_entries(&mut plan, channel, |s| shows.contains(s))?;
        }
        self.apply(&plan)?;
        Ok(changed)
    }
}
