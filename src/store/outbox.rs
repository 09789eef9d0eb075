//! The outbox: what the delivery worker reads (pending entries, in-flight
//! markers) and writes (markers, acks, disabling a refused channel), and the
//! quarantine of entries that do not decode.
//!
//! # Quarantine
//!
//! An outbox entry that cannot be decoded (written by a newer build, or
//! damaged) would otherwise fail every read of its channel, and the channel
//! would never get another message. Whoever meets one ([`Store::pending`],
//! [`Store::entries`], dropping entries) moves it, raw key and raw bytes, into
//! the `quarantine` tree in one transaction that also takes its id out of the
//! channel's in-flight marker, logs a warning with the channel and the key, and
//! goes on with the next entry. [`Store::quarantined_len`] counts them.
//!
//! # Durability of one delivered message: one fsync
//!
//! [`Store::set_in_flight`] is durable when it returns (an fsync): the marker
//! must be on disk before the message is sent, or a crash after Discord posted
//! it would lose the nonce and post it again. [`Store::ack`] does not fsync.
//! What an ack that is lost in a crash leaves behind is exactly the state
//! after a crash between Discord's answer and the ack (the marker and its
//! entries), which the nonce already makes safe: the batch is resent with the
//! same nonce and Discord returns the first message. The ack becomes durable
//! at the latest with the next fsync — sled's flush writes everything written
//! before it, so the next `set_in_flight` (of any channel) makes the ack durable
//! before the next message is sent — or with sled's background flush (every
//! 500 ms), or the store flush at shutdown. So the ack of a channel is on disk
//! before that channel's next send, and each delivered message costs one fsync,
//! not two. No fsync runs under the writer lock.
//!
//! Should a crash during that fsync keep the new marker but lose the ack
//! before it (sled replays its log in order, so this is not expected), the
//! restart sends the new batch (never sent) and then the old one again, with
//! the same nonce as before (nonces derive from the ids), which Discord drops.

use std::collections::HashSet;

use super::{
    abort, decode, encode, keys, Plan, Store, StoreError, SubState, Subscription, TreeId, Tx,
    TxResult,
};
use super::{DisableStats, InFlight, OutboxEntry};
use crate::ids::{ChannelId, OutboxId};

/// What `plan_drop_entries` staged.
#[derive(Default)]
pub(super) struct Dropped {
    /// Entries dropped.
    pub entries: usize,
    /// Keys of undecodable entries staged for the quarantine.
    quarantined: Vec<Vec<u8>>,
}

impl Dropped {
    /// Log the quarantined keys (once the plan is applied).
    pub fn log(&self, channel: ChannelId) {
        for key in &self.quarantined {
            warn_quarantined(channel, key, "its show could not be read");
        }
    }
}

fn warn_quarantined(channel: ChannelId, key: &[u8], reason: &str) {
    tracing::warn!(
        %channel,
        key = %keys::hex(key),
        reason,
        "undecodable outbox entry moved to the quarantine"
    );
}

/// Inside a transaction: take `id` out of `channel`'s in-flight marker (the
/// marker goes when it names nothing else). A marker that does not decode is
/// left for [`Store::in_flight`] to report.
pub(super) fn unmark(tx: &Tx<'_>, channel: ChannelId, id: OutboxId) -> TxResult<()> {
    let tree = tx.tree(TreeId::InFlight);
    let key = keys::id_prefix(channel.0);
    let Some(value) = tree.get(key)? else {
        return Ok(());
    };
    let Ok(mut marker) = decode::<InFlight>("in-flight marker", &value) else {
        return Ok(());
    };
    let before = marker.ids.len();
    marker.ids.retain(|i| *i != id);
    if marker.ids.is_empty() {
        tree.remove(&key[..])?;
    } else if marker.ids.len() != before {
        tree.insert(&key[..], encode(&marker).map_err(abort)?)?;
    }
    Ok(())
}

impl Store {
    /// The channels with pending outbox entries, in channel-id order.
    pub fn pending_channels(&self) -> Result<Vec<ChannelId>, StoreError> {
        let mut out = Vec::new();
        let mut from = [0u8; 8];
        while let Some(item) = self.tree(TreeId::Outbox).range(from..).keys().next() {
            let key = item?;
            let (channel, _) = keys::split_id(&key).map_err(|e| super::corrupt("outbox key", e))?;
            out.push(ChannelId(channel));
            match channel.checked_add(1) {
                Some(next) => from = next.to_be_bytes(),
                None => break,
            }
        }
        Ok(out)
    }

    /// Up to `limit` pending entries of `channel`, oldest first. An entry that
    /// does not decode is moved to the quarantine and skipped.
    pub fn pending(
        &self,
        channel: ChannelId,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut out = Vec::new();
        let scan = self
            .tree(TreeId::Outbox)
            .scan_prefix(keys::id_prefix(channel.0));
        for item in scan {
            if out.len() >= limit {
                break;
            }
            let (key, value) = item?;
            match decode("outbox entry", &value) {
                Ok(entry) => out.push(entry),
                Err(e) => self.quarantine(channel, &key, &value, &e)?,
            }
        }
        Ok(out)
    }

    /// The pending entries of `channel` among `ids` (those still there), in id order.
    /// For resending an in-flight batch after a restart. An entry that does not
    /// decode is moved to the quarantine and skipped.
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
            let key = keys::outbox(channel, id);
            if let Some(value) = self.tree(TreeId::Outbox).get(key)? {
                match decode("outbox entry", &value) {
                    Ok(entry) => out.push(entry),
                    Err(e) => self.quarantine(channel, &key, &value, &e)?,
                }
            }
        }
        Ok(out)
    }

    /// Move the outbox entry at `key` of `channel`, whose bytes `raw` did not
    /// decode, into the quarantine (one transaction, with its id taken out of
    /// the channel's in-flight marker), and log it. Nothing happens when the
    /// entry changed or went meanwhile.
    fn quarantine(
        &self,
        channel: ChannelId,
        key: &[u8],
        raw: &[u8],
        why: &StoreError,
    ) -> Result<(), StoreError> {
        let (_, id) = keys::split_outbox(key).map_err(|e| super::corrupt("outbox key", e))?;
        let moved = {
            let _w = self.lock();
            self.transact(|tx| {
                let outbox = tx.tree(TreeId::Outbox);
                match outbox.get(key)? {
                    Some(now) if now.as_ref() == raw => {}
                    _ => return Ok(false),
                }
                outbox.remove(key)?;
                tx.tree(TreeId::Quarantine).insert(key, raw)?;
                unmark(tx, channel, id)?;
                Ok(true)
            })?
        };
        if moved {
            warn_quarantined(channel, key, &why.to_string());
        }
        Ok(())
    }

    /// How many undecodable outbox entries were moved to the quarantine.
    pub fn quarantined_len(&self) -> Result<usize, StoreError> {
        Ok(self.tree(TreeId::Quarantine).len())
    }

    /// How many entries are pending, across all channels.
    pub fn outbox_len(&self) -> Result<usize, StoreError> {
        Ok(self.tree(TreeId::Outbox).len())
    }

    /// Record the batch about to be sent to `channel`, durably (flushed; this
    /// also makes every earlier ack durable), so a restart resends exactly that
    /// batch with the same nonce.
    pub fn set_in_flight(&self, channel: ChannelId, f: &InFlight) -> Result<(), StoreError> {
        let value = encode(f)?;
        {
            let _w = self.lock();
            self.tree(TreeId::InFlight)
                .insert(keys::id_prefix(channel.0), value)?;
        }
        self.durable()
    }

    /// The batch recorded as in flight to `channel`, if any.
    pub fn in_flight(&self, channel: ChannelId) -> Result<Option<InFlight>, StoreError> {
        self.tree(TreeId::InFlight)
            .get(keys::id_prefix(channel.0))?
            .map(|v| decode("in-flight marker", &v))
            .transpose()
    }

    /// Discord accepted the batch: remove exactly those entries and the channel's
    /// in-flight marker, in one transaction. Not fsynced on its own: the next
    /// [`set_in_flight`](Self::set_in_flight) (or sled's background flush) makes
    /// it durable; see the module header for why that keeps exactly-once.
    pub fn ack(&self, channel: ChannelId, ids: &[OutboxId]) -> Result<(), StoreError> {
        let _w = self.lock();
        let mut plan = Plan::default();
        for id in ids {
            plan.del(TreeId::Outbox, keys::outbox(channel, *id).to_vec());
        }
        plan.del(TreeId::InFlight, keys::id_prefix(channel.0).to_vec());
        self.apply(&plan)
    }

    /// Discord refused `channel` for good (403/404): its active subscriptions
    /// become `Disabled { reason, since: now }`, its pending entries and in-flight
    /// marker are dropped. One transaction, durable when it returns.
    pub fn disable_channel(
        &self,
        channel: ChannelId,
        reason: &str,
        now: i64,
    ) -> Result<DisableStats, StoreError> {
        let (stats, dropped) = {
            let _w = self.lock();
            let mut plan = Plan::default();
            let mut stats = DisableStats::default();
            for sub in self.channel_follows(channel)? {
                if sub.state.is_active() {
                    let sub = Subscription {
                        state: SubState::Disabled {
                            reason: reason.to_owned(),
                            since: now,
                        },
                        ..sub
                    };
                    Self::plan_put_sub(&mut plan, &sub, None)?;
                    stats.subscriptions += 1;
                }
            }
            stats.subscriptions += self.plan_disable_user_subs(&mut plan, channel, reason, now)?;
            let dropped = self.plan_drop_entries(&mut plan, channel, |_| true)?;
            stats.dropped_entries = dropped.entries;
            plan.del(TreeId::InFlight, keys::id_prefix(channel.0).to_vec());
            self.apply(&plan)?;
            (stats, dropped)
        };
        dropped.log(channel);
        // Durable at once: a restart must not try a refused channel again.
        self.durable()?;
        Ok(stats)
    }

    /// Stage dropping `channel`'s pending entries that `drop` selects,
    /// and their ids from its in-flight marker (the marker goes when it names no
    /// pending entry any more; a kept marker keeps its nonce, so a resend after a
    /// crash is still recognised by Discord). An entry that does not decode is
    /// staged for the quarantine instead (its show is unknown). Call
    /// [`Dropped::log`] once the plan is applied.
    pub(super) fn plan_drop_entries(
        &self,
        plan: &mut Plan,
        channel: ChannelId,
        drop: impl Fn(&OutboxEntry) -> bool,
    ) -> Result<Dropped, StoreError> {
        let mut out = Dropped::default();
        let mut gone = HashSet::new();
        let scan = self
            .tree(TreeId::Outbox)
            .scan_prefix(keys::id_prefix(channel.0));
        for item in scan {
            let (key, value) = item?;
            match decode::<OutboxEntry>("outbox entry", &value) {
                Ok(entry) if drop(&entry) => {
                    plan.del(TreeId::Outbox, key.to_vec());
                    gone.insert(entry.id);
                    out.entries += 1;
                }
                Ok(_) => {}
                Err(_) => {
                    let (_, id) =
                        keys::split_outbox(&key).map_err(|e| super::corrupt("outbox key", e))?;
                    plan.del(TreeId::Outbox, key.to_vec());
                    plan.put_raw(TreeId::Quarantine, key.to_vec(), value.to_vec());
                    gone.insert(id);
                    out.quarantined.push(key.to_vec());
                }
            }
        }
        if let Some(mut marker) = self.in_flight(channel)? {
            let before = marker.ids.len();
            marker.ids.retain(|id| !gone.contains(id));
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
        Ok(out)
    }
}
