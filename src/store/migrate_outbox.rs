//! Migration 3, "outbox entries carry the activity model": every outbox entry
//! written in the v1 wire shape (schema 2 and before: `activity` was
//! `trakt::model::Activity`) is rewritten as [`OutboxEntry`] with the bot's own
//! `activity::Activity`, mapped by `trakt::v1_map`.
//!
//! - Telling the shapes apart: an entry is read as the new shape first (it
//!   needs `time`, `key` and `subject`, which no v1 item has), and only when
//!   that fails as the v1 shape. An entry already in the new shape is left
//!   alone, so the migration is idempotent: a crash mid-way leaves some
//!   entries rewritten and the version at 2, and the next open finishes it.
//! - Bounded batches: at most [`BATCH`] entries are read and rewritten per
//!   transaction, under the writer lock, so a large outbox never becomes one
//!   huge transaction.
//! - An entry that is neither shape goes to the `quarantine` tree, its id out
//!   of its channel's in-flight marker, as [`Store::pending`] does.
//! - The stored dedupe `key` of an entry is kept as written (it equals the
//!   mapped model's key: `v1_map` keeps v1's key).
//! - In-flight markers name ids only and stay valid. A resend after the
//!   migration renders the SAME embeds as before (the nonce and the read-back
//!   rely on it): rendering a v1 item is, and always was, rendering its
//!   mapping (`format::render` of `activity::Activity::from`), so the embeds
//!   are byte-identical; the v1 snapshot tests (`tests/it/format_snapshots.rs`)
//!   and `store::tests::migration` (against the embeds the schema-2 build
//!   rendered, `tests/fixtures/store-v2/`) prove it.

use serde::Deserialize;

use super::outbox::unmark;
use super::{decode, encode, keys, OutboxEntry, Store, StoreError, TreeId};
use crate::ids::{ChannelId, OutboxId};
use crate::trakt::{model as v1, ActivityKey, ShowRef};

/// Entries read and rewritten per transaction.
pub(super) const BATCH: usize = 256;

/// An outbox entry as schema 2 wrote it.
#[derive(Deserialize)]
struct V1Entry {
    id: OutboxId,
    channel: ChannelId,
    show: ShowRef,
    key: ActivityKey,
    activity: v1::Activity,
    queued_at: i64,
}

impl From<V1Entry> for OutboxEntry {
    fn from(e: V1Entry) -> Self {
        OutboxEntry {
            id: e.id,
            channel: e.channel,
            show: e.show,
            user: None,
            key: e.key,
            activity: (&e.activity).into(),
            queued_at: e.queued_at,
        }
    }
}

/// What a stored outbox value is.
pub(super) enum Shape {
    /// Already the current shape: left alone.
    Current,
    /// The v1 wire shape, as the entry it becomes.
    V1(Box<OutboxEntry>),
    /// Neither: for the quarantine.
    Undecodable(StoreError),
}

/// Read `raw` as the current shape first, then as the v1 shape. Pure.
pub(super) fn shape_of(raw: &[u8]) -> Shape {
    if decode::<OutboxEntry>("outbox entry", raw).is_ok() {
        return Shape::Current;
    }
    match decode::<V1Entry>("outbox entry (v1 shape)", raw) {
        Ok(old) => Shape::V1(Box::new(old.into())),
        Err(e) => Shape::Undecodable(e),
    }
}

/// What one run of the migration did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Migrated {
    pub rewritten: usize,
    pub quarantined: usize,
    pub batches: usize,
}

impl Store {
    /// Migration to version 3 (see the module header).
    pub(super) fn migrate_outbox_to_model(&self) -> Result<(), StoreError> {
        let done = self.migrate_outbox_in_batches(BATCH)?;
        tracing::info!(
            rewritten = done.rewritten,
            quarantined = done.quarantined,
            batches = done.batches,
            "outbox entries now carry the activity model"
        );
        Ok(())
    }

    /// The migration with `batch` entries per transaction.
    pub(super) fn migrate_outbox_in_batches(&self, batch: usize) -> Result<Migrated, StoreError> {
        let batch = batch.max(1);
        let mut done = Migrated::default();
        let mut from: Vec<u8> = Vec::new();
        loop {
            let _w = self.lock();
            let chunk = self
                .tree(TreeId::Outbox)
                .range(from.as_slice()..)
                .take(batch)
                .collect::<Result<Vec<_>, _>>()?;
            let Some((last, _)) = chunk.last() else {
                return Ok(done);
            };
            from = last.to_vec();
            from.push(0); // the smallest key after `last`
            let mut rewrite = Vec::new();
            let mut quarantine = Vec::new();
            for (key, raw) in &chunk {
                match shape_of(raw) {
                    Shape::Current => {}
                    Shape::V1(entry) => rewrite.push((key.to_vec(), encode(&*entry)?)),
                    Shape::Undecodable(why) => {
                        let (channel, id) =
                            keys::split_outbox(key).map_err(|e| super::corrupt("outbox key", e))?;
                        tracing::warn!(%channel, key = %keys::hex(key), reason = %why,
                            "undecodable outbox entry moved to the quarantine");
                        quarantine.push((key.to_vec(), raw.to_vec(), channel, id));
                    }
                }
            }
            self.transact(|tx| {
                for (key, value) in &rewrite {
                    tx.tree(TreeId::Outbox)
                        .insert(key.as_slice(), value.as_slice())?;
                }
                for (key, raw, channel, id) in &quarantine {
                    tx.tree(TreeId::Outbox).remove(key.as_slice())?;
                    tx.tree(TreeId::Quarantine)
                        .insert(key.as_slice(), raw.as_slice())?;
                    unmark(tx, *channel, *id)?;
                }
                Ok(())
            })?;
            done.rewritten += rewrite.len();
            done.quarantined += quarantine.len();
            done.batches += 1;
        }
    }
}
