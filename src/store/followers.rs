//! The `followers` index: one record per actively followed show, keyed by
//! the show, holding every channel that actively follows it and the actions
//! it wants, packed as 10 bytes per channel (channel `u64` BE, the actions'
//! bits `u16` BE) in channel order. What the poller reads each cycle
//! ([`Store::followed_shows`]) and what "does anyone follow this show" asks.
//!
//! Why one record per show and not one entry per subscription (schema 4):
//! sled keeps a tree's pages in memory once read, a leaf holding at most 16
//! entries, and its cache bound does not evict them at this scale (its
//! access queues need 64 accesses per shard first). At 100 000 subscriptions
//! over 20 000 shows a scan of one entry per subscription kept 12.8 MiB
//! resident, one record per show 4.3 MiB (docs/performance.md, "Memory at
//! 100 000 subscriptions"). Schema 5 rebuilds the index in this form.
//!
//! Writes go through [`Plan::follower`]: the record is read, edited and
//! written inside the plan's transaction, so several edits of one show in
//! one plan (an import chunk) compose.

use std::collections::BTreeMap;

use super::{corrupt, keys, sub_at, Plan, ShowFollowers, Store, StoreError, TreeId};
use crate::ids::ChannelId;
use crate::trakt::{ActionSet, ShowRef};

/// Bytes per channel in a record.
const ENTRY: usize = 10;

/// Old entries packed per batch by the version-5 migration (whole shows).
const PACK_BATCH: usize = 2_000;

/// One show's active followers, in channel order, each once.
pub(super) type Record = Vec<(ChannelId, ActionSet)>;

/// Decode a record (pure).
pub(super) fn decode(bytes: &[u8]) -> Result<Record, StoreError> {
    if bytes.is_empty() || bytes.len() % ENTRY != 0 {
        return Err(corrupt(
            "followers record",
            format!("{} bytes, not a non-zero multiple of {ENTRY}", bytes.len()),
        ));
    }
    let mut out = Vec::with_capacity(bytes.len() / ENTRY);
    for chunk in bytes.chunks_exact(ENTRY) {
        let (channel, bits) = chunk.split_at(8);
        let channel = u64::from_be_bytes(channel.try_into().map_err(|_| short())?);
        let bits = u16::from_be_bytes(bits.try_into().map_err(|_| short())?);
        let actions = ActionSet::from_bits(bits).ok_or_else(|| {
            corrupt(
                "followers record",
                format!("bits {bits:#06x} name no action"),
            )
        })?;
        match out.last() {
            Some(&(last, _)) if last >= ChannelId(channel) => {
                return Err(corrupt("followers record", "channels out of order"))
            }
            _ => out.push((ChannelId(channel), actions)),
        }
    }
    Ok(out)
}

fn short() -> StoreError {
    corrupt("followers record", "truncated entry")
}

/// Encode a record (pure); `None` for an empty one (the key is removed).
pub(super) fn encode(record: &[(ChannelId, ActionSet)]) -> Option<Vec<u8>> {
    if record.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(record.len() * ENTRY);
    for (channel, actions) in record {
        out.extend_from_slice(&channel.0.to_be_bytes());
        out.extend_from_slice(&actions.bits().to_be_bytes());
    }
    Some(out)
}

/// Set (`Some`) or remove (`None`) one channel in a record (pure).
pub(super) fn edit(record: &mut Record, channel: ChannelId, actions: Option<ActionSet>) {
    match (record.binary_search_by_key(&channel, |(c, _)| *c), actions) {
        (Ok(i), Some(a)) => record[i].1 = a,
        (Ok(i), None) => {
            record.remove(i);
        }
        (Err(i), Some(a)) => record.insert(i, (channel, a)),
        (Err(_), None) => {}
    }
}

/// The follower edits of one plan, by show key, in the order given.
pub(super) type Edits = BTreeMap<Vec<u8>, Vec<(ChannelId, Option<ActionSet>)>>;

impl Plan {
    /// Stage `channel` actively following `show` wanting `actions` (`Some`),
    /// or not (`None`: unfollowed, paused, disabled).
    pub(super) fn follower(
        &mut self,
        show: &ShowRef,
        channel: ChannelId,
        actions: Option<ActionSet>,
    ) {
        self.followers
            .entry(keys::show(show))
            .or_default()
            .push((channel, actions));
    }
}

impl Store {
    /// The active followers of `show` (empty when none).
    pub(super) fn followers_of(&self, show: &ShowRef) -> Result<Record, StoreError> {
        match self.tree(TreeId::Followers).get(keys::show(show))? {
            Some(bytes) => decode(&bytes),
            None => Ok(Vec::new()),
        }
    }

    /// Whether some channel actively follows `show`.
    pub(super) fn has_active_follower(&self, show: &ShowRef) -> Result<bool, StoreError> {
        Ok(self
            .tree(TreeId::Followers)
            .contains_key(keys::show(show))?)
    }

    /// Every show with at least one active subscription, in show-key order, with
    /// the channels that want it, the union of their actions, and its state.
    /// Reads only the `followers` records and the `shows` states, never the
    /// subscriptions themselves.
    pub fn followed_shows(&self) -> Result<Vec<ShowFollowers>, StoreError> {
        // Two passes: the records first (small), then the answer allocated
        // once at its length: growing a vector of 20 000 answers (248 bytes
        // each) by doubling would hold the old and the new buffer at once.
        let mut records: Vec<(ShowRef, Record)> = Vec::new();
        for item in self.tree(TreeId::Followers).iter() {
            let (key, value) = item?;
            let (show, rest) = keys::split_show(&key).map_err(|e| corrupt("followers key", e))?;
            if !rest.is_empty() {
                return Err(corrupt("followers key", "bytes after the show"));
            }
            records.push((show, decode(&value)?));
        }
        let mut out = Vec::with_capacity(records.len());
        for (show, channels) in records {
            let wanted = channels
                .iter()
                .fold(ActionSet::none(), |acc, (_, a)| acc.union(*a));
            out.push(ShowFollowers {
                state: self.show_state(&show)?,
                show,
                wanted,
                channels,
            });
        }
        Ok(out)
    }

    /// Migration to version 5: the entries of versions 2 to 4 (show +
    /// channel → the actions' bits, one per active subscription) packed into
    /// one record per show. Reads only the old index, never the JSON
    /// subscriptions (a rebuild from them peaked at 148 MiB at 100 000
    /// subscriptions). Written in atomic batches of whole shows (one batch of
    /// 100 000 removals peaked at 359 MiB): a crash between two leaves some
    /// shows packed and the others not, and the rerun merges a record
    /// already there with the old entries after it, so it finishes the job.
    pub(super) fn pack_followers(&self) -> Result<(), StoreError> {
        let _w = self.lock();
        let tree = self.tree(TreeId::Followers);
        let mut batch = sled::Batch::default();
        let (mut shows, mut packed, mut in_batch) = (0usize, 0usize, 0usize);
        let mut current: Option<(Vec<u8>, Record)> = None;
        let mut flush = |batch: &mut sled::Batch, done: Option<(Vec<u8>, Record)>| {
            if let Some((show, record)) = done {
                if let Some(bytes) = encode(&record) {
                    batch.insert(show, bytes);
                    shows += 1;
                }
            }
        };
        for item in tree.iter() {
            let (key, value) = item?;
            let (_, rest) = keys::split_show(&key).map_err(|e| corrupt("followers key", e))?;
            let show_key = key[..key.len() - rest.len()].to_vec();
            if current.as_ref().is_none_or(|(show, _)| *show != show_key) {
                let done = current.replace((show_key, Vec::new()));
                flush(&mut batch, done);
                if in_batch >= PACK_BATCH {
                    tree.apply_batch(std::mem::take(&mut batch))?;
                    in_batch = 0;
                }
            }
            let Some((_, record)) = current.as_mut() else {
                continue;
            };
            if rest.is_empty() {
                for (channel, actions) in decode(&value)? {
                    edit(record, channel, Some(actions));
                }
                continue;
            }
            let channel: [u8; 8] = rest
                .try_into()
                .map_err(|_| corrupt("followers key", "not a show and a channel"))?;
            let bits: [u8; 2] = value
                .as_ref()
                .try_into()
                .map_err(|_| corrupt("followers value", format!("{} bytes, not 2", value.len())))?;
            let bits = u16::from_be_bytes(bits);
            let actions = ActionSet::from_bits(bits).ok_or_else(|| {
                corrupt(
                    "followers value",
                    format!("bits {bits:#06x} name no action"),
                )
            })?;
            edit(
                record,
                ChannelId(u64::from_be_bytes(channel)),
                Some(actions),
            );
            batch.remove(key);
            packed += 1;
            in_batch += 1;
        }
        flush(&mut batch, current.take());
        tree.apply_batch(batch)?;
        tracing::info!(shows, packed, "followers index packed per show");
        Ok(())
    }

    /// Build the `followers` index from `subs` (migration to version 2).
    pub(super) fn rebuild_followers(&self) -> Result<(), StoreError> {
        let _w = self.lock();
        let followers = self.tree(TreeId::Followers);
        followers.clear()?;
        let mut batch = sled::Batch::default();
        let (mut shows, mut active) = (0usize, 0usize);
        let mut current: Option<(ShowRef, Record)> = None;
        let mut flush = |batch: &mut sled::Batch, done: Option<(ShowRef, Record)>| {
            if let Some((show, record)) = done {
                if let Some(bytes) = encode(&record) {
                    batch.insert(keys::show(&show), bytes);
                    shows += 1;
                }
            }
        };
        for item in self.tree(TreeId::Subs).iter() {
            let (_, value) = item?;
            let sub = sub_at(&value)?;
            if !sub.state.is_active() {
                continue;
            }
            active += 1;
            match &mut current {
                Some((show, record)) if *show == sub.show => {
                    edit(record, sub.channel, Some(sub.actions));
                }
                _ => {
                    let done = current.replace((sub.show, vec![(sub.channel, sub.actions)]));
                    flush(&mut batch, done);
                }
            }
        }
        flush(&mut batch, current.take());
        followers.apply_batch(batch)?;
        tracing::info!(shows, active, "followers index built");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trakt::Action;

    fn set(a: &[Action]) -> ActionSet {
        let mut s = ActionSet::none();
        for x in a {
            s.insert(*x);
        }
        s
    }

    #[test]
    fn a_record_round_trips_in_channel_order() {
        let mut r = Record::new();
        edit(&mut r, ChannelId(30), Some(set(&[Action::Seen])));
        edit(
            &mut r,
            ChannelId(10),
            Some(set(&[Action::Shout, Action::Rating])),
        );
        edit(&mut r, ChannelId(20), Some(ActionSet::all()));
        edit(&mut r, ChannelId(20), Some(set(&[Action::Review])));
        edit(&mut r, ChannelId(40), None);
        let bytes = encode(&r).expect("not empty");
        assert_eq!(bytes.len(), 30);
        let back = decode(&bytes).expect("decodes");
        assert_eq!(
            back,
            vec![
                (ChannelId(10), set(&[Action::Shout, Action::Rating])),
                (ChannelId(20), set(&[Action::Review])),
                (ChannelId(30), set(&[Action::Seen])),
            ]
        );
        edit(&mut r, ChannelId(10), None);
        edit(&mut r, ChannelId(20), None);
        edit(&mut r, ChannelId(30), None);
        assert_eq!(encode(&r), None, "an empty record is removed");
    }

    #[test]
    fn a_damaged_record_is_corrupt_not_misread() {
        let good = encode(&[(ChannelId(1), ActionSet::all())]).expect("not empty");
        assert!(decode(&good).is_ok());
        for bad in [
            Vec::new(),
            good[..9].to_vec(),
            [good.clone(), vec![0]].concat(),
            // Bits that name no action.
            [&good[..8], &[0u8, 0][..]].concat(),
            // The same channel twice.
            [good.clone(), good.clone()].concat(),
        ] {
            let err = decode(&bad).expect_err("refused");
            assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
        }
    }
}
