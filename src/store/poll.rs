//! What the poller reads and writes: per-show polling state (the followed
//! shows come from the `followers` index, `followers`), committing a poll (outbox
//! entries, dedupe keys and watermarks in one transaction), and pruning the
//! dedupe keys.

use std::collections::{HashMap, HashSet};

use super::state_codec;
use super::V2Marks;
use super::{
    abort, corrupt, decode, encode, keys, sub_at, Plan, Store, StoreError, TreeId, Tx, TxResult,
};
use super::{CommitStats, Feed, OutboxEntry, PollCommit, PollItem, ShowState};
use crate::ids::{ChannelId, OutboxId};
use crate::trakt::{ActivityKey, ShowRef, TraktTime};

/// A poll item with what the transaction needs computed up front.
struct Prepared<'a> {
    item: &'a PollItem,
    /// Sorted, each once.
    channels: Vec<ChannelId>,
    dedupe_key: Vec<u8>,
    key: ActivityKey,
}

impl Store {
    /// The show's polling state (default when it has none).
    pub fn show_state(&self, show: &ShowRef) -> Result<ShowState, StoreError> {
        Ok(match self.tree(TreeId::Shows).get(keys::show(show))? {
            Some(v) => state_codec::decode_state(&v)?,
            None => ShowState::default(),
        })
    }

    /// Whether some channel follows `show` (in any state). Asks the compact
    /// `followers` index (active subscriptions) first and scans the JSON
    /// `subs` only when it has none: a commit used to scan `subs` for every
    /// show with new items, which kept those pages resident (13 MiB of a
    /// cycle's peak at 100 000 subscriptions), and a polled show is nearly
    /// always actively followed.
    pub(super) fn is_followed(&self, show: &ShowRef) -> Result<bool, StoreError> {
        if self.has_active_follower(show)? {
            return Ok(true);
        }
        Ok(self
            .tree(TreeId::Subs)
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
            self.tree(TreeId::Shows)
                .insert(keys::show(show), state_codec::encode(&state)?)?;
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
    /// becomes max(old, new) and the show's failure state is cleared. The
    /// schedule records of the polled and counted shows and of the feeds read
    /// take the new items (see `schedule`).
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
            .chain(c.marks.iter().map(|m| &m.0))
            .chain(c.polled.iter().map(|p| &p.0))
            .chain(&c.counted)
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
                let key = i.activity.key().clone();
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
            let mut new_by_show: HashMap<&ShowRef, u64> = HashMap::new();
            for p in &items {
                let dedupe = tx.tree(TreeId::Dedupe);
                if dedupe.get(p.dedupe_key.as_slice())?.is_some() {
                    stats.duplicates += 1;
                    continue;
                }
                stats.new_activities += 1;
                *new_by_show.entry(&p.item.show).or_default() += 1;
                dedupe.insert(p.dedupe_key.as_slice(), recorded_at.as_slice())?;
                tx.tree(TreeId::DedupeTime)
                    .insert(keys::dedupe_by_time(c.now, &p.dedupe_key), &[][..])?;
                stats.queued += queue_item(tx, p, c.now)?;
            }
            for (show, time) in &c.watermarks {
                if followed.contains(show) {
                    advance_watermark(tx, show, *time)?;
                }
            }
            for (show, marks) in &c.marks {
                if followed.contains(show) {
                    merge_marks(tx, show, marks)?;
                }
            }
            for (show, _) in &c.polled {
                if followed.contains(show) {
                    clear_failures(tx, show)?;
                }
            }
            for (feed, time) in &c.feeds {
                advance_feed(tx, *feed, *time)?;
            }
            super::schedule::settle(tx, &c, &followed, &new_by_show)?;
            super::notices::end_failure_runs(tx, &c, &followed)?;
            Ok(stats)
        })
    }

    /// The watermark of a v2 site-wide feed (`None`: never read).
    pub fn feed_mark(&self, feed: Feed) -> Result<Option<TraktTime>, StoreError> {
        self.tree(TreeId::Feeds)
            .get(feed.name())?
            .map(|v| decode("feed watermark", &v))
            .transpose()
    }

    /// Stage forgetting every dedupe key under `prefix` (a show's or a
    /// user's key), with its time index entry: when the last follow goes.
    pub(super) fn plan_forget_dedupe(
        &self,
        plan: &mut Plan,
        prefix: &[u8],
    ) -> Result<(), StoreError> {
        for item in self.tree(TreeId::Dedupe).scan_prefix(prefix) {
            let (key, value) = item?;
            let at: i64 = decode("dedupe key", &value)?;
            plan.del(TreeId::DedupeTime, keys::dedupe_by_time(at, &key));
            plan.del(TreeId::Dedupe, key.to_vec());
        }
        Ok(())
    }

    /// Whether the dedupe key of an activity of `show` is recorded.
    pub fn is_recorded(&self, show: &ShowRef, key: &ActivityKey) -> Result<bool, StoreError> {
        Ok(self
            .tree(TreeId::Dedupe)
            .contains_key(keys::dedupe(show, key))?)
    }

    /// Forget dedupe keys recorded before `older_than` (unix secs); returns how many.
    pub fn prune_dedupe(&self, older_than: i64) -> Result<usize, StoreError> {
        let _w = self.lock();
        let mut plan = Plan::default();
        let mut n = 0;
        for key in self
            .tree(TreeId::DedupeTime)
            .range(..keys::time(older_than))
            .keys()
        {
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
}

/// Inside a commit: append one outbox entry per listed channel that has an
/// ACTIVE subscription to the show wanting the activity (and following since
/// before it); returns how many.
fn queue_item(tx: &Tx<'_>, p: &Prepared<'_>, now: i64) -> TxResult<usize> {
    let (show, activity) = (&p.item.show, &p.item.activity);
    let mut queued = 0;
    for channel in &p.channels {
        let Some(value) = tx.tree(TreeId::Subs).get(keys::sub(show, *channel))? else {
            continue;
        };
        let sub = sub_at(&value).map_err(abort)?;
        if !sub.state.is_active()
            || !sub.actions.contains(activity.action)
            || sub.since.is_some_and(|since| activity.time() < since)
        {
            continue;
        }
        let outbox = tx.tree(TreeId::Outbox);
        let id = OutboxId(outbox.generate_id()?);
        let entry = OutboxEntry {
            id,
            channel: *channel,
            show: show.clone(),
            user: None,
            key: p.key.clone(),
            activity: activity.clone(),
            queued_at: now,
        };
        outbox.insert(
            &keys::outbox(*channel, id)[..],
            encode(&entry).map_err(abort)?,
        )?;
        queued += 1;
    }
    Ok(queued)
}

/// Inside a commit: the show's v2 marks move on by `marks`. Its failure
/// state is left alone: marks come also from the sources read before
/// another failed, and that poll is no success ([`clear_failures`] is, for
/// the shows whose poll completed), or its backoff would never grow.
fn merge_marks(tx: &Tx<'_>, show: &ShowRef, marks: &V2Marks) -> TxResult<()> {
    update_state(tx, show, |state| state.v2.merge(marks))
}

/// Inside a commit: a show whose scheduled poll completed (v2) is no longer
/// failing.
fn clear_failures(tx: &Tx<'_>, show: &ShowRef) -> TxResult<()> {
    update_state(tx, show, |state| {
        state.failures = 0;
        state.next_attempt = None;
    })
}

/// Inside a commit: read, change and write back the show's state.
fn update_state(tx: &Tx<'_>, show: &ShowRef, f: impl FnOnce(&mut ShowState)) -> TxResult<()> {
    let key = keys::show(show);
    let shows = tx.tree(TreeId::Shows);
    let mut state: ShowState = match shows.get(key.as_slice())? {
        Some(v) => state_codec::decode_state(&v).map_err(abort)?,
        None => ShowState::default(),
    };
    f(&mut state);
    shows.insert(key, state_codec::encode(&state).map_err(abort)?)?;
    Ok(())
}

/// Inside a commit: the feed's watermark becomes max(old, `time`).
fn advance_feed(tx: &Tx<'_>, feed: Feed, time: TraktTime) -> TxResult<()> {
    let feeds = tx.tree(TreeId::Feeds);
    let old: Option<TraktTime> = match feeds.get(feed.name())? {
        Some(v) => Some(decode("feed watermark", &v).map_err(abort)?),
        None => None,
    };
    let new = old.map_or(time, |o| o.max(time));
    feeds.insert(feed.name(), encode(&new).map_err(abort)?)?;
    Ok(())
}

/// Inside a commit: the show's watermark becomes max(old, `time`) and its
/// failure state is cleared.
fn advance_watermark(tx: &Tx<'_>, show: &ShowRef, time: TraktTime) -> TxResult<()> {
    update_state(tx, show, |state| {
        state.watermark = Some(state.watermark.map_or(time, |old| old.max(time)));
        state.failures = 0;
        state.next_attempt = None;
    })
}
