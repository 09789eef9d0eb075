//! Read-only figures for the metrics endpoint: the store answers, follows by
//! state, and the age of the oldest pending delivery. Nothing here writes.

use serde::Deserialize;

use super::{decode, keys, Store, StoreError, SubState, TreeId};
use crate::ids::ChannelId;

/// Subscriptions by [`SubState`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FollowCounts {
    pub active: u64,
    pub paused: u64,
    pub disabled: u64,
}

/// The one field of a stored [`Subscription`](super::Subscription) counted.
#[derive(Deserialize)]
struct StateOnly {
    state: SubState,
}

/// The one field of a stored [`OutboxEntry`](super::OutboxEntry) read.
#[derive(Deserialize)]
struct QueuedAt {
    queued_at: i64,
}

impl Store {
    /// A read of the schema version: whether the database still answers.
    pub fn check(&self) -> Result<(), StoreError> {
        self.stored_version().map(|_| ())
    }

    /// Every subscription counted by state (a scan of `subs`; each value is
    /// parsed for its state only). One that does not decode is not counted.
    pub fn follow_counts(&self) -> Result<FollowCounts, StoreError> {
        let mut counts = FollowCounts::default();
        for item in self.tree(TreeId::Subs).iter().values() {
            let Ok(sub) = decode::<StateOnly>("subscription", &item?) else {
                continue;
            };
            match sub.state {
                SubState::Active => counts.active += 1,
                SubState::Paused { .. } => counts.paused += 1,
                SubState::Disabled { .. } => counts.disabled += 1,
            }
        }
        Ok(counts)
    }

    /// When the oldest pending outbox entry was queued (unix seconds), `None`
    /// with nothing pending. One read per channel with pending entries: each
    /// channel's first entry is its oldest.
    pub fn oldest_pending_at(&self) -> Result<Option<i64>, StoreError> {
        let mut oldest: Option<i64> = None;
        for ChannelId(channel) in self.pending_channels()? {
            let first = self
                .tree(TreeId::Outbox)
                .scan_prefix(keys::id_prefix(channel))
                .values()
                .next();
            let Some(value) = first.transpose()? else {
                continue;
            };
            if let Ok(entry) = decode::<QueuedAt>("outbox entry", &value) {
                oldest = Some(oldest.map_or(entry.queued_at, |o| o.min(entry.queued_at)));
            }
        }
        Ok(oldest)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{activity, commit, follow, item, open, sub_of};
    use super::*;
    use tempfile::TempDir;

    #[test]
    fn follows_are_counted_by_state() {
        let dir = TempDir::new().unwrap();
        let store = open(&dir);
        assert_eq!(store.follow_counts().unwrap(), FollowCounts::default());
        follow(&store, 1, 10, "fargo", "all");
        follow(&store, 1, 11, "fargo", "all");
        follow(&store, 1, 12, "lost", "all");
        store
            .import(vec![sub_of(
                13,
                "lost",
                "all",
                SubState::Paused { since: 3 },
            )])
            .unwrap();
        store.disable_channel(ChannelId(11), "403", 7).unwrap();
        assert_eq!(
            store.follow_counts().unwrap(),
            FollowCounts {
                active: 2,
                paused: 1,
                disabled: 1
            }
        );
        store.check().unwrap();
    }

    #[test]
    fn oldest_pending_is_the_earliest_queued_across_channels() {
        let dir = TempDir::new().unwrap();
        let store = open(&dir);
        assert_eq!(store.oldest_pending_at().unwrap(), None);
        follow(&store, 1, 10, "fargo", "all");
        follow(&store, 1, 20, "lost", "all");
        commit(
            &store,
            vec![item("lost", activity(1, 1, "seen", "lost"), &[20])],
            &[],
            500,
        );
        commit(
            &store,
            vec![item("fargo", activity(2, 1, "seen", "fargo"), &[10])],
            &[],
            900,
        );
        assert_eq!(store.oldest_pending_at().unwrap(), Some(500));
        let first = store.pending(ChannelId(20), 10).unwrap();
        store.ack(ChannelId(20), &[first[0].id]).unwrap();
        assert_eq!(store.oldest_pending_at().unwrap(), Some(900));
    }
}
