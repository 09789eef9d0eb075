//! Property test: random sequences of follow / unfollow / commit / in-flight /
//! ack / disable / import / prune / reopen (also as a version-1 store, which
//! rebuilds the followers index) keep the store's invariants.

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;
use tempfile::TempDir;

use super::schema::SCHEMA_KEY;
use super::tests::{activity, open, slug};
use super::*;
use crate::ids::UserId;
use crate::ids::{ChannelId, GuildId, OutboxId};
use crate::trakt::{ActionSet, TraktTime};
use crate::trakt::{ActivityKey, ShowRef};

const CHANNELS: [(u64, u64); 3] = [(1, 10), (1, 11), (2, 20)]; // (guild, channel)
const SHOWS: [&str; 3] = ["a", "b", "c"];
const ACTIONS: [&str; 3] = ["seen", "shout", "rating"];
const LIMIT: usize = 2;

#[derive(Clone, Debug)]
enum Op {
    Follow {
        ch: usize,
        show: usize,
        actions: u8,
        start: Option<i64>,
    },
    Unfollow {
        ch: usize,
        show: usize,
    },
    Commit {
        /// (show, activity id, action, channel mask)
        items: Vec<(usize, u64, usize, u8)>,
        watermarks: Vec<(usize, i64)>,
    },
    SetInFlight {
        ch: usize,
        n: usize,
    },
    Ack {
        ch: usize,
        n: usize,
    },
    Disable {
        ch: usize,
    },
    Prune {
        age: i64,
    },
    /// Re-import an existing subscription with other actions and a state
    /// (0 active, 1 paused, 2 disabled).
    Import {
        ch: usize,
        show: usize,
        actions: u8,
        state: u8,
    },
    Reopen,
    /// Drop the followers index and mark the store version 1, then reopen.
    ReopenAsV1,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..3usize, 0..3usize, 1..8u8, proptest::option::of(0..200i64))
            .prop_map(|(ch, show, actions, start)| Op::Follow { ch, show, actions, start }),
        2 => (0..3usize, 0..3usize).prop_map(|(ch, show)| Op::Unfollow { ch, show }),
        5 => (
            proptest::collection::vec((0..3usize, 0..6u64, 0..3usize, 1..8u8), 0..6),
            proptest::collection::vec((0..3usize, 0..400i64), 0..3),
        )
            .prop_map(|(items, watermarks)| Op::Commit { items, watermarks }),
        2 => (0..3usize, 1..4usize).prop_map(|(ch, n)| Op::SetInFlight { ch, n }),
        2 => (0..3usize, 1..4usize).prop_map(|(ch, n)| Op::Ack { ch, n }),
        1 => (0..3usize).prop_map(|ch| Op::Disable { ch }),
        1 => (0..40i64).prop_map(|age| Op::Prune { age }),
        2 => (0..3usize, 0..3usize, 1..8u8, 0..3u8)
            .prop_map(|(ch, show, actions, state)| Op::Import { ch, show, actions, state }),
        1 => Just(Op::Reopen),
        1 => Just(Op::ReopenAsV1),
    ]
}

fn action_set(bits: u8) -> ActionSet {
    ACTIONS
        .iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, a)| a.parse().unwrap())
        .collect()
}

struct World {
    dir: TempDir,
    /// `None` only while reopening.
    slot: Option<Store>,
    now: i64,
    /// (show, key) → recorded at, as the store should have it.
    recorded: HashMap<(ShowRef, ActivityKey), i64>,
    /// Highest watermark seen per show while it stayed followed.
    watermarks: HashMap<ShowRef, TraktTime>,
}

impl World {
    fn store(&self) -> Store {
        self.slot.clone().unwrap()
    }

    fn all_entries(&self) -> Vec<OutboxEntry> {
        let mut out = Vec::new();
        for channel in self.store().pending_channels().unwrap() {
            out.extend(self.store().pending(channel, usize::MAX).unwrap());
        }
        out
    }

    fn followed(&self, show: &ShowRef) -> bool {
        self.store()
            .export()
            .unwrap()
            .iter()
            .any(|s| &s.show == show)
    }

    fn apply(&mut self, op: &Op) {
        let store = self.store();
        match op {
            Op::Follow {
                ch,
                show,
                actions,
                start,
            } => {
                let (guild, channel) = CHANNELS[*ch];
                let result = store.follow(NewFollow {
                    slug: None,
                    guild: GuildId(guild),
                    channel: ChannelId(channel),
                    show: slug(SHOWS[*show]),
                    title: SHOWS[*show].to_owned(),
                    actions: action_set(*actions),
                    created_by: UserId(1),
                    now: self.now,
                    start_watermark: start.map(TraktTime),
                    max_per_guild: LIMIT,
                });
                match result {
                    Ok(_) | Err(StoreError::LimitReached { .. }) => {}
                    Err(e) => panic!("follow: {e}"),
                }
            }
            Op::Unfollow { ch, show } => {
                let show = slug(SHOWS[*show]);
                store.unfollow(ChannelId(CHANNELS[*ch].1), &show).unwrap();
                if !self.followed(&show) {
                    self.recorded.retain(|(s, _), _| *s != show);
                }
            }
            Op::Commit { items, watermarks } => {
                self.now += 10;
                let items: Vec<PollItem> = items
                    .iter()
                    .map(|(show, id, action, mask)| PollItem {
                        show: slug(SHOWS[*show]),
                        activity: activity(*id, *id as i64, ACTIONS[*action], SHOWS[*show]),
                        channels: CHANNELS
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| mask & (1 << i) != 0)
                            .map(|(_, (_, c))| ChannelId(*c))
                            .collect(),
                    })
                    .collect();
                let before: HashSet<OutboxId> = self.all_entries().iter().map(|e| e.id).collect();
                let recorded_before = self.recorded.clone();
                let mut expected_dupes = 0;
                let mut expected_new = 0;
                for item in &items {
                    if !self.followed(&item.show) {
                        continue;
                    }
                    let k = (item.show.clone(), item.activity.key().clone());
                    if self.recorded.contains_key(&k) {
                        expected_dupes += 1;
                    } else {
                        expected_new += 1;
                        self.recorded.insert(k, self.now);
                    }
                }
                let stats = store
                    .commit_poll(PollCommit {
                        feeds: Vec::new(),
                        marks: Vec::new(),
                        watermarks: watermarks
                            .iter()
                            .map(|(s, t)| (slug(SHOWS[*s]), TraktTime(*t)))
                            .collect(),
                        items,
                        now: self.now,
                        ..Default::default()
                    })
                    .unwrap();
                assert_eq!(stats.duplicates, expected_dupes);
                assert_eq!(stats.new_activities, expected_new);
                let added: Vec<OutboxEntry> = self
                    .all_entries()
                    .into_iter()
                    .filter(|e| !before.contains(&e.id))
                    .collect();
                assert_eq!(added.len(), stats.queued);
                let mut seen = HashSet::new();
                for e in &added {
                    assert!(
                        !recorded_before.contains_key(&(e.show.clone(), e.key.clone())),
                        "a second entry for a recorded key: {e:?}"
                    );
                    assert!(
                        seen.insert((e.channel, e.show.clone(), e.key.clone())),
                        "two entries for one key in one channel: {e:?}"
                    );
                    assert!(before.iter().all(|old| *old < e.id), "ids grow");
                }
            }
            Op::SetInFlight { ch, n } => {
                let channel = ChannelId(CHANNELS[*ch].1);
                let ids: Vec<OutboxId> = store
                    .pending(channel, *n)
                    .unwrap()
                    .iter()
                    .map(|e| e.id)
                    .collect();
                if !ids.is_empty() {
                    let nonce = format!("{}", ids[0].0);
                    store
                        .set_in_flight(channel, &InFlight { ids, nonce })
                        .unwrap();
                }
            }
            Op::Ack { ch, n } => {
                let channel = ChannelId(CHANNELS[*ch].1);
                let ids = match store.in_flight(channel).unwrap() {
                    Some(marker) => marker.ids,
                    None => store
                        .pending(channel, *n)
                        .unwrap()
                        .iter()
                        .map(|e| e.id)
                        .collect(),
                };
                let len = store.outbox_len().unwrap();
                store.ack(channel, &ids).unwrap();
                assert_eq!(store.outbox_len().unwrap(), len - ids.len());
                assert_eq!(store.in_flight(channel).unwrap(), None);
            }
            Op::Disable { ch } => {
                let channel = ChannelId(CHANNELS[*ch].1);
                store.disable_channel(channel, "403", self.now).unwrap();
                assert!(store.pending(channel, 1).unwrap().is_empty());
            }
            Op::Prune { age } => {
                let cutoff = self.now - age;
                let expected = self.recorded.values().filter(|at| **at < cutoff).count();
                assert_eq!(store.prune_dedupe(cutoff).unwrap(), expected);
                self.recorded.retain(|_, at| *at >= cutoff);
            }
            Op::Import {
                ch,
                show,
                actions,
                state,
            } => {
                let channel = ChannelId(CHANNELS[*ch].1);
                let show = slug(SHOWS[*show]);
                let Some(old) = store
                    .channel_follows(channel)
                    .unwrap()
                    .into_iter()
                    .find(|s| s.show == show)
                else {
                    return;
                };
                let state = match state {
                    0 => SubState::Active,
                    1 => SubState::Paused { since: self.now },
                    _ => SubState::Disabled {
                        reason: "404".into(),
                        since: self.now,
                    },
                };
                let sub = Subscription {
                    actions: action_set(*actions),
                    state,
                    ..old
                };
                store.import(vec![sub.clone()]).unwrap();
                if !sub.state.is_active() {
                    assert!(store
                        .pending(channel, usize::MAX)
                        .unwrap()
                        .iter()
                        .all(|e| e.show != show));
                }
            }
            Op::Reopen => {
                drop(store);
                self.slot = None;
                self.slot = Some(open(&self.dir));
            }
            Op::ReopenAsV1 => {
                store.tree(TreeId::Followers).clear().unwrap();
                store.meta.insert(SCHEMA_KEY, &1u32.to_be_bytes()).unwrap();
                store.flush().unwrap();
                drop(store);
                self.slot = None;
                self.slot = Some(open(&self.dir));
            }
        }
    }

    fn check_invariants(&mut self) {
        let store = &self.store();
        let subs = store.export().unwrap();
        let active: HashSet<(ChannelId, ShowRef)> = subs
            .iter()
            .filter(|s| s.state.is_active())
            .map(|s| (s.channel, s.show.clone()))
            .collect();
        // No outbox entry without an active subscription of that channel to that show.
        let entries = self.all_entries();
        for e in &entries {
            assert!(
                active.contains(&(e.channel, e.show.clone())),
                "orphan outbox entry {e:?}"
            );
        }
        assert_eq!(store.outbox_len().unwrap(), entries.len());
        // In-flight markers name only pending entries of their channel.
        for (_, channel) in CHANNELS {
            if let Some(marker) = store.in_flight(ChannelId(channel)).unwrap() {
                assert!(!marker.ids.is_empty());
                let found = store.entries(ChannelId(channel), &marker.ids).unwrap();
                assert_eq!(found.len(), marker.ids.len(), "marker names gone entries");
            }
        }
        // Per-guild limit.
        for guild in [1, 2] {
            assert!(store.guild_follow_count(GuildId(guild)).unwrap() <= LIMIT);
        }
        for name in SHOWS {
            let show = slug(name);
            let followed = subs.iter().any(|s| s.show == show);
            let state = store.show_state(&show).unwrap();
            let actively = active.iter().any(|(_, s)| *s == show);
            if followed && !actively {
                // Not polled: the next activation may restart it from its own
                // Trakt time (or afresh, without one).
                self.watermarks.remove(&show);
            } else if followed {
                // Watermarks only move forward while the show is polled.
                if let Some(old) = self.watermarks.get(&show) {
                    assert!(state.watermark >= Some(*old), "{show} went back");
                }
                if let Some(w) = state.watermark {
                    self.watermarks.insert(show.clone(), w);
                }
            } else {
                assert_eq!(state, ShowState::default(), "state left for {show}");
                self.watermarks.remove(&show);
            }
            // Dedupe keys exactly as the model says.
            for id in 0..6 {
                let key = activity(id, 0, "seen", name).key().clone();
                assert_eq!(
                    store.is_recorded(&show, &key).unwrap(),
                    self.recorded.contains_key(&(show.clone(), key)),
                    "dedupe {show} {id}"
                );
            }
        }
        // Indexes agree with the subscriptions.
        for (guild, channel) in CHANNELS {
            let mine: Vec<&Subscription> = subs.iter().filter(|s| s.channel.0 == channel).collect();
            let listed = store.channel_follows(ChannelId(channel)).unwrap();
            assert_eq!(listed.len(), mine.len());
            assert!(mine.iter().all(|s| s.guild.0 == guild));
        }
        // The followers index is exactly the active subscriptions' actions.
        let index: Vec<(Vec<u8>, Vec<u8>)> = store
            .tree(TreeId::Followers)
            .iter()
            .map(|item| {
                let (k, v) = item.unwrap();
                (k.to_vec(), v.to_vec())
            })
            .collect();
        let mut by_show: std::collections::BTreeMap<Vec<u8>, Vec<(ChannelId, ActionSet)>> =
            Default::default();
        for s in subs.iter().filter(|s| s.state.is_active()) {
            by_show
                .entry(keys::show(&s.show))
                .or_default()
                .push((s.channel, s.actions));
        }
        let implied: Vec<(Vec<u8>, Vec<u8>)> = by_show
            .into_iter()
            .map(|(show, mut record)| {
                record.sort_by_key(|(c, _)| *c);
                let bytes = super::followers::encode(&record).unwrap();
                (show, bytes)
            })
            .collect();
        assert_eq!(index, implied, "followers index differs from subs");
        let followed = store.followed_shows().unwrap();
        let listed: usize = followed.iter().map(|f| f.channels.len()).sum();
        assert_eq!(listed, active.len());
        for f in &followed {
            assert!(!f.channels.is_empty());
            let wanted = f
                .channels
                .iter()
                .fold(ActionSet::none(), |acc, (_, a)| acc.union(*a));
            assert_eq!(wanted, f.wanted);
            assert!(f
                .channels
                .iter()
                .all(|(c, _)| active.contains(&(*c, f.show.clone()))));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn random_operations_keep_the_invariants(ops in proptest::collection::vec(op(), 1..30)) {
        let dir = TempDir::new().unwrap();
        let store = open(&dir);
        let mut world = World {
            dir,
            slot: Some(store),
            now: 1_000,
            recorded: HashMap::new(),
            watermarks: HashMap::new(),
        };
        for op in &ops {
            world.apply(op);
            world.check_invariants();
        }
    }
}
