//! Unit tests of the store, each on its own temporary database.

use super::schema::SCHEMA_KEY;
use super::*;
use crate::ids::UserId;
use crate::ids::{ChannelId, GuildId, OutboxId};
use crate::trakt::{ActionSet, Activity, TraktTime};
use crate::trakt::{ActivityKey, ShowRef};
use tempfile::TempDir;

pub(super) fn open(dir: &TempDir) -> Store {
    Store::open(&dir.path().join("db"), 4).unwrap()
}

pub(super) fn slug(s: &str) -> ShowRef {
    ShowRef::parse(s).unwrap()
}

pub(super) fn actions(s: &str) -> ActionSet {
    ActionSet::parse(s).unwrap()
}

/// An episode activity of `show` with a Trakt id (so its key is `episode:{id}`).
pub(super) fn activity(id: u64, ts: i64, action: &str, show: &str) -> Activity {
    serde_json::from_str(&format!(
        r#"{{"id":{id},"timestamp":{ts},"type":"episode","action":"{action}",
            "user":{{"username":"u"}},
            "show":{{"title":"T","url":"https://trakt.tv/show/{show}"}},
            "episode":{{"season":1,"number":{id}}}}}"#
    ))
    .unwrap()
}

fn new_follow(guild: u64, channel: u64, show: &str, acts: &str) -> NewFollow {
    NewFollow {
        guild: GuildId(guild),
        channel: ChannelId(channel),
        show: slug(show),
        title: format!("Title of {show}"),
        actions: actions(acts),
        created_by: UserId(9),
        now: 1_000,
        start_watermark: None,
        max_per_guild: 50,
    }
}

fn follow(store: &Store, guild: u64, channel: u64, show: &str, acts: &str) -> FollowOutcome {
    store
        .follow(new_follow(guild, channel, show, acts))
        .unwrap()
}

fn item(show: &str, a: Activity, channels: &[u64]) -> PollItem {
    PollItem {
        show: slug(show),
        activity: a,
        channels: channels.iter().map(|c| ChannelId(*c)).collect(),
    }
}

fn commit(
    store: &Store,
    items: Vec<PollItem>,
    watermarks: &[(&str, i64)],
    now: i64,
) -> CommitStats {
    store
        .commit_poll(PollCommit {
            watermarks: watermarks
                .iter()
                .map(|(s, t)| (slug(s), TraktTime(*t)))
                .collect(),
            items,
            now,
        })
        .unwrap()
}

fn pending_ids(store: &Store, channel: u64) -> Vec<u64> {
    store
        .pending(ChannelId(channel), usize::MAX)
        .unwrap()
        .iter()
        .map(|e| e.activity.id.unwrap())
        .collect()
}

#[test]
fn store_is_shareable() {
    fn check<X: Send + Sync + Clone + std::fmt::Debug>() {}
    check::<Store>();
}

#[test]
fn fresh_store_is_empty_and_versioned() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    assert_eq!(
        store.meta.get(SCHEMA_KEY).unwrap().unwrap().as_ref(),
        SCHEMA_VERSION.to_be_bytes()
    );
    assert!(store.followed_shows().unwrap().is_empty());
    assert!(store.channel_follows(ChannelId(1)).unwrap().is_empty());
    assert_eq!(store.guild_follow_count(GuildId(1)).unwrap(), 0);
    assert!(store.pending_channels().unwrap().is_empty());
    assert_eq!(store.outbox_len().unwrap(), 0);
    assert_eq!(store.in_flight(ChannelId(1)).unwrap(), None);
    assert_eq!(
        store.show_state(&slug("fargo")).unwrap(),
        ShowState::default()
    );
    assert!(store.export().unwrap().is_empty());
    assert_eq!(store.export_json().unwrap(), "[]");
    assert_eq!(format!("{store:?}"), "Store { .. }");
}

#[test]
fn follow_creates_then_updates_and_reactivates() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    assert_eq!(
        follow(&store, 1, 10, "fargo", "seen,shout"),
        FollowOutcome::Created
    );
    let mut again = new_follow(1, 10, "fargo", "rating");
    again.title = "Fargo (2014)".into();
    again.now = 5_000;
    assert_eq!(
        store.follow(again).unwrap(),
        FollowOutcome::Updated {
            previous: actions("seen,shout")
        }
    );
    let subs = store.channel_follows(ChannelId(10)).unwrap();
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].actions, actions("rating"));
    assert_eq!(subs[0].title, "Fargo (2014)");
    assert_eq!(subs[0].created_at, 1_000, "creation time is kept");
    assert_eq!(subs[0].state, SubState::Active);
    assert_eq!(store.guild_follow_count(GuildId(1)).unwrap(), 1);

    // A blank title falls back to the show.
    let mut blank = new_follow(1, 11, "fargo", "all");
    blank.title = " ".into();
    store.follow(blank).unwrap();
    assert_eq!(
        store.channel_follows(ChannelId(11)).unwrap()[0].title,
        "fargo"
    );

    // A disabled subscription becomes active again when it is followed again.
    store.disable_channel(ChannelId(10), "403", 7).unwrap();
    let out = follow(&store, 1, 10, "fargo", "all");
    assert!(matches!(out, FollowOutcome::Updated { .. }));
    assert_eq!(
        store.channel_follows(ChannelId(10)).unwrap()[0].state,
        SubState::Active
    );
}

#[test]
fn follow_respects_the_guild_limit_and_writes_nothing_over_it() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    let limited = |channel, show: &str| {
        let mut f = new_follow(1, channel, show, "all");
        f.max_per_guild = 2;
        f.start_watermark = Some(TraktTime(500));
        store.follow(f)
    };
    limited(10, "fargo").unwrap();
    limited(11, "fargo").unwrap();
    let err = limited(10, "lost").unwrap_err();
    assert!(
        matches!(err, StoreError::LimitReached { limit: 2 }),
        "{err}"
    );
    assert!(err.to_string().contains("already follows 2 shows"));
    assert_eq!(store.guild_follow_count(GuildId(1)).unwrap(), 2);
    assert_eq!(store.channel_follows(ChannelId(10)).unwrap().len(), 1);
    assert_eq!(
        store.show_state(&slug("lost")).unwrap(),
        ShowState::default()
    );
    // Updating an existing one at the limit is fine; another guild has its own count.
    assert!(matches!(
        limited(10, "fargo").unwrap(),
        FollowOutcome::Updated { .. }
    ));
    follow(&store, 2, 20, "lost", "all");
    assert_eq!(store.guild_follow_count(GuildId(2)).unwrap(), 1);
}

#[test]
fn watermark_starts_once_and_only_moves_forward() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    let mut f = new_follow(1, 10, "fargo", "all");
    f.start_watermark = Some(TraktTime(100));
    store.follow(f).unwrap();
    let mut f = new_follow(1, 11, "fargo", "all");
    f.start_watermark = Some(TraktTime(300));
    store.follow(f).unwrap();
    let state = || store.show_state(&slug("fargo")).unwrap().watermark;
    assert_eq!(
        state(),
        Some(TraktTime(100)),
        "a second follow does not move it"
    );
    commit(&store, vec![], &[("fargo", 150)], 1);
    assert_eq!(state(), Some(TraktTime(150)));
    commit(&store, vec![], &[("fargo", 120)], 2);
    assert_eq!(state(), Some(TraktTime(150)), "never back");
}

#[test]
fn followed_shows_lists_active_subscriptions_only() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    follow(&store, 1, 10, "fargo", "seen");
    follow(&store, 1, 11, "fargo", "shout,rating");
    follow(&store, 1, 12, "fargo", "checkin");
    follow(&store, 1, 12, "lost", "all");
    follow(&store, 2, 30, "153021", "review");
    store.disable_channel(ChannelId(12), "404", 9).unwrap();
    store.record_show_failure(&slug("fargo"), 77).unwrap();

    let shows = store.followed_shows().unwrap();
    let names: Vec<String> = shows.iter().map(|s| s.show.to_string()).collect();
    assert_eq!(
        names,
        ["153021", "fargo"],
        "lost has no active subscription"
    );
    let fargo = &shows[1];
    assert_eq!(
        fargo.title, "fargo",
        "the show ref, not the subscription title"
    );
    assert_eq!(fargo.wanted, actions("seen,shout,rating"));
    assert_eq!(
        fargo.channels,
        vec![
            (ChannelId(10), actions("seen")),
            (ChannelId(11), actions("shout,rating"))
        ]
    );
    assert_eq!(fargo.state.failures, 1);
    assert_eq!(fargo.state.next_attempt, Some(77));
    assert_eq!(shows[0].channels, vec![(ChannelId(30), actions("review"))]);
}

#[test]
fn show_failures_count_up_and_a_commit_clears_them() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    follow(&store, 1, 10, "fargo", "all");
    assert_eq!(store.record_show_failure(&slug("fargo"), 10).unwrap(), 1);
    assert_eq!(store.record_show_failure(&slug("fargo"), 20).unwrap(), 2);
    assert_eq!(
        store.show_state(&slug("fargo")).unwrap(),
        ShowState {
            watermark: None,
            failures: 2,
            next_attempt: Some(20)
        }
    );
    commit(&store, vec![], &[("fargo", 5)], 30);
    assert_eq!(
        store.show_state(&slug("fargo")).unwrap(),
        ShowState {
            watermark: Some(TraktTime(5)),
            failures: 0,
            next_attempt: None
        }
    );
    // Nothing is kept for a show nobody follows.
    assert_eq!(store.record_show_failure(&slug("lost"), 10).unwrap(), 1);
    assert_eq!(
        store.show_state(&slug("lost")).unwrap(),
        ShowState::default()
    );
}

#[test]
fn commit_poll_dedupes_and_queues_for_active_wanting_channels() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    follow(&store, 1, 10, "fargo", "seen,shout");
    follow(&store, 1, 11, "fargo", "rating");
    follow(&store, 1, 12, "fargo", "all");
    store.disable_channel(ChannelId(12), "403", 1).unwrap();

    let stats = commit(
        &store,
        vec![
            item(
                "fargo",
                activity(1, 100, "seen", "fargo"),
                &[10, 10, 11, 12, 99],
            ),
            item("fargo", activity(2, 101, "rating", "fargo"), &[11]),
            item("fargo", activity(3, 102, "shout", "fargo"), &[10]),
            // The same activity twice in one poll: the second is a duplicate.
            item("fargo", activity(3, 102, "shout", "fargo"), &[10]),
        ],
        &[("fargo", 200)],
        1_000,
    );
    assert_eq!(
        stats,
        CommitStats {
            new_activities: 3,
            duplicates: 1,
            queued: 3
        }
    );
    // 10: once despite being listed twice; 11 does not want `seen`; 12 is
    // disabled; 99 follows nothing.
    assert_eq!(pending_ids(&store, 10), [1, 3]);
    assert_eq!(pending_ids(&store, 11), [2]);
    assert!(pending_ids(&store, 12).is_empty());
    assert_eq!(
        store.pending_channels().unwrap(),
        [ChannelId(10), ChannelId(11)]
    );
    assert_eq!(store.outbox_len().unwrap(), 3);
    let entries = store.pending(ChannelId(10), 1).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].key, ActivityKey("episode:1".into()));
    assert_eq!(entries[0].show, slug("fargo"));
    assert_eq!(entries[0].queued_at, 1_000);
    assert_eq!(entries[0].activity, activity(1, 100, "seen", "fargo"));
    assert!(store
        .is_recorded(&slug("fargo"), &ActivityKey("episode:2".into()))
        .unwrap());
    assert!(!store
        .is_recorded(&slug("lost"), &ActivityKey("episode:2".into()))
        .unwrap());

    // Overlapping poll: all three again plus one new → only the new one.
    let stats = commit(
        &store,
        vec![
            item("fargo", activity(1, 100, "seen", "fargo"), &[10]),
            item("fargo", activity(2, 101, "rating", "fargo"), &[11]),
            item("fargo", activity(3, 102, "shout", "fargo"), &[10]),
            item("fargo", activity(4, 103, "seen", "fargo"), &[10]),
        ],
        &[("fargo", 250)],
        1_001,
    );
    assert_eq!(
        stats,
        CommitStats {
            new_activities: 1,
            duplicates: 3,
            queued: 1
        }
    );
    assert_eq!(pending_ids(&store, 10), [1, 3, 4]);
    let ids: Vec<OutboxId> = store
        .pending(ChannelId(10), 10)
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
}

#[test]
fn a_channel_gets_nothing_older_than_its_follow() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    // Channel 1 followed long ago; channel 2 follows now, at Trakt time 500.
    follow(&store, 1, 1, "fargo", "all");
    store
        .follow(NewFollow {
            start_watermark: Some(TraktTime(500)),
            ..new_follow(1, 2, "fargo", "all")
        })
        .unwrap();
    let stats = commit(
        &store,
        vec![
            item("fargo", activity(1, 450, "seen", "fargo"), &[1, 2]),
            item("fargo", activity(2, 500, "seen", "fargo"), &[1, 2]),
        ],
        &[("fargo", 560)],
        2_000,
    );
    assert_eq!(stats.queued, 3);
    assert_eq!(pending_ids(&store, 1).len(), 2);
    let late = store.pending(ChannelId(2), 10).unwrap();
    assert_eq!(late.len(), 1, "only what happened at or after the follow");
    assert_eq!(late[0].activity.timestamp, 500);
    // Changing the actions later keeps the original start.
    follow(&store, 1, 2, "fargo", "seen");
    let sub = &store.channel_follows(ChannelId(2)).unwrap()[0];
    assert_eq!(sub.since, Some(TraktTime(500)));
}

#[test]
fn commit_poll_ignores_shows_nobody_follows() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    follow(&store, 1, 10, "fargo", "all");
    let stats = commit(
        &store,
        vec![item("lost", activity(1, 100, "seen", "lost"), &[10])],
        &[("lost", 200)],
        1,
    );
    assert_eq!(stats, CommitStats::default());
    assert!(!store
        .is_recorded(&slug("lost"), &ActivityKey("episode:1".into()))
        .unwrap());
    assert_eq!(
        store.show_state(&slug("lost")).unwrap(),
        ShowState::default()
    );
}

/// Everything a commit can touch, to compare before and after a failed one.
fn snapshot(store: &Store) -> Vec<Vec<(Vec<u8>, Vec<u8>)>> {
    store
        .trees
        .iter()
        .map(|t| {
            t.iter()
                .map(|kv| {
                    let (k, v) = kv.unwrap();
                    (k.to_vec(), v.to_vec())
                })
                .collect()
        })
        .collect()
}

#[test]
fn a_failing_commit_leaves_no_partial_state() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    follow(&store, 1, 10, "fargo", "all");
    follow(&store, 1, 11, "lost", "all");
    // Channel 11's subscription is unreadable: the commit aborts on the second
    // item, after the first was staged.
    store
        .tree(TreeId::Subs)
        .insert(
            keys::sub(&slug("lost"), ChannelId(11)),
            &b"\x01{not json"[..],
        )
        .unwrap();
    let before = snapshot(&store);
    let err = store
        .commit_poll(PollCommit {
            watermarks: vec![(slug("fargo"), TraktTime(500))],
            items: vec![
                item("fargo", activity(1, 100, "seen", "fargo"), &[10]),
                item("lost", activity(2, 100, "seen", "lost"), &[11]),
            ],
            now: 1,
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    assert_eq!(snapshot(&store), before);

    // An abort at the very end (an unreadable show state while writing the
    // watermarks) also leaves everything as it was.
    store
        .tree(TreeId::Shows)
        .insert(keys::show(&slug("fargo")), &b"\x07{}"[..])
        .unwrap();
    let before = snapshot(&store);
    let err = store
        .commit_poll(PollCommit {
            watermarks: vec![(slug("fargo"), TraktTime(500))],
            items: vec![item("fargo", activity(1, 100, "seen", "fargo"), &[10])],
            now: 1,
        })
        .unwrap_err();
    assert!(err.to_string().contains("unknown value version 7"), "{err}");
    assert_eq!(snapshot(&store), before);
    assert_eq!(store.outbox_len().unwrap(), 0);
    assert!(!store
        .is_recorded(&slug("fargo"), &ActivityKey("episode:1".into()))
        .unwrap());
}

#[test]
fn pruned_dedupe_keys_no_longer_block() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    follow(&store, 1, 10, "fargo", "all");
    commit(
        &store,
        vec![item("fargo", activity(1, 1, "seen", "fargo"), &[10])],
        &[],
        100,
    );
    commit(
        &store,
        vec![item("fargo", activity(2, 2, "seen", "fargo"), &[10])],
        &[],
        200,
    );
    assert_eq!(store.prune_dedupe(100).unwrap(), 0, "strictly older only");
    assert_eq!(store.prune_dedupe(150).unwrap(), 1);
    assert!(!store
        .is_recorded(&slug("fargo"), &ActivityKey("episode:1".into()))
        .unwrap());
    assert!(store
        .is_recorded(&slug("fargo"), &ActivityKey("episode:2".into()))
        .unwrap());
    assert_eq!(store.tree(TreeId::DedupeTime).len(), 1);
    let stats = commit(
        &store,
        vec![
            item("fargo", activity(1, 1, "seen", "fargo"), &[10]),
            item("fargo", activity(2, 2, "seen", "fargo"), &[10]),
        ],
        &[],
        300,
    );
    assert_eq!((stats.new_activities, stats.duplicates), (1, 1));
    assert_eq!(store.prune_dedupe(i64::MAX).unwrap(), 2);
    assert!(store.tree(TreeId::Dedupe).is_empty());
}

#[test]
fn refuses_a_newer_schema_and_migrates_an_unversioned_store() {
    let dir = TempDir::new().unwrap();
    {
        let store = open(&dir);
        follow(&store, 1, 10, "fargo", "all");
        store.meta.insert(SCHEMA_KEY, &99u32.to_be_bytes()).unwrap();
        store.flush().unwrap();
    }
    let err = Store::open(&dir.path().join("db"), 4).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::SchemaTooNew {
                found: 99,
                supported: SCHEMA_VERSION
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("run a newer trakt-herald"),
        "{err}"
    );

    // Remove the version (and the index, which such a store predates): a
    // non-empty store without one is migrated, data kept, index built.
    {
        let db = sled::open(dir.path().join("db")).unwrap();
        db.open_tree("meta").unwrap().remove(SCHEMA_KEY).unwrap();
        db.open_tree("followers").unwrap().clear().unwrap();
        db.flush().unwrap();
    }
    let store = open(&dir);
    assert_eq!(
        store.meta.get(SCHEMA_KEY).unwrap().unwrap().as_ref(),
        SCHEMA_VERSION.to_be_bytes()
    );
    assert_eq!(store.channel_follows(ChannelId(10)).unwrap().len(), 1);
    let shows = store.followed_shows().unwrap();
    assert_eq!(shows.len(), 1);
    assert_eq!(shows[0].channels, vec![(ChannelId(10), actions("all"))]);

    store.meta.insert(SCHEMA_KEY, &b"x"[..]).unwrap();
    store.flush().unwrap();
    drop(store);
    let err = Store::open(&dir.path().join("db"), 4).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
}

/// Write the subscriptions of a version-1 store by hand, as that build did:
/// `subs` and its two key indexes, `shows`, version 1, no `followers` tree.
fn write_v1_store(path: &std::path::Path, subs: &[Subscription], states: &[(ShowRef, ShowState)]) {
    let db = sled::open(path).unwrap();
    let tree = |name: &str| db.open_tree(name).unwrap();
    for sub in subs {
        tree("subs")
            .insert(keys::sub(&sub.show, sub.channel), encode(sub).unwrap())
            .unwrap();
        tree("subs_by_channel")
            .insert(keys::by_channel(sub.channel, &sub.show), &[][..])
            .unwrap();
        tree("subs_by_guild")
            .insert(keys::by_guild(sub.guild, sub.channel, &sub.show), &[][..])
            .unwrap();
    }
    for (show, state) in states {
        tree("shows")
            .insert(keys::show(show), encode(state).unwrap())
            .unwrap();
    }
    tree("meta")
        .insert(SCHEMA_KEY, &1u32.to_be_bytes())
        .unwrap();
    db.flush().unwrap();
}

fn sub_of(channel: u64, show: &str, acts: &str, state: SubState) -> Subscription {
    Subscription {
        guild: GuildId(1),
        channel: ChannelId(channel),
        show: slug(show),
        title: format!("Title of {show}"),
        actions: actions(acts),
        created_by: UserId(9),
        created_at: 5,
        state,
        since: None,
    }
}

#[test]
fn a_version_1_store_gets_its_followers_index_built() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("db");
    let watermark = ShowState {
        watermark: Some(TraktTime(40)),
        ..ShowState::default()
    };
    write_v1_store(
        &path,
        &[
            sub_of(10, "fargo", "seen", SubState::Active),
            sub_of(11, "fargo", "shout,rating", SubState::Active),
            sub_of(12, "fargo", "all", SubState::Paused { since: 3 }),
            sub_of(
                12,
                "lost",
                "all",
                SubState::Disabled {
                    reason: "404".into(),
                    since: 3,
                },
            ),
            sub_of(10, "153021", "review", SubState::Active),
        ],
        &[(slug("fargo"), watermark.clone())],
    );

    let store = Store::open(&path, 4).unwrap();
    assert_eq!(
        store.meta.get(SCHEMA_KEY).unwrap().unwrap().as_ref(),
        2u32.to_be_bytes()
    );
    assert_eq!(
        store.tree(TreeId::Followers).len(),
        3,
        "active subscriptions only"
    );
    let shows = store.followed_shows().unwrap();
    let names: Vec<String> = shows.iter().map(|s| s.show.to_string()).collect();
    assert_eq!(names, ["153021", "fargo"]);
    assert_eq!(shows[0].channels, vec![(ChannelId(10), actions("review"))]);
    assert_eq!(shows[1].wanted, actions("seen,shout,rating"));
    assert_eq!(
        shows[1].channels,
        vec![
            (ChannelId(10), actions("seen")),
            (ChannelId(11), actions("shout,rating"))
        ]
    );
    assert_eq!(shows[1].state, watermark);

    // The index is maintained from here on, and survives a reopen unchanged.
    follow(&store, 1, 12, "lost", "seen");
    drop(store);
    let store = Store::open(&path, 4).unwrap();
    let shows = store.followed_shows().unwrap();
    let names: Vec<String> = shows.iter().map(|s| s.show.to_string()).collect();
    assert_eq!(names, ["153021", "fargo", "lost"]);
    assert_eq!(shows[1].channels.len(), 2, "the paused one stays paused");
    assert_eq!(shows[2].channels, vec![(ChannelId(12), actions("seen"))]);
}

#[test]
fn followed_shows_reads_the_index_not_the_subscriptions() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    follow(&store, 1, 10, "fargo", "seen");
    // A corrupt subscription value is not read by followed_shows...
    store
        .tree(TreeId::Subs)
        .insert(keys::sub(&slug("fargo"), ChannelId(10)), &b"\x01{"[..])
        .unwrap();
    let shows = store.followed_shows().unwrap();
    assert_eq!(shows[0].channels, vec![(ChannelId(10), actions("seen"))]);
    // ...but a corrupt index value is reported.
    store
        .tree(TreeId::Followers)
        .insert(keys::sub(&slug("fargo"), ChannelId(10)), &[0u8, 0][..])
        .unwrap();
    let err = store.followed_shows().unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    store
        .tree(TreeId::Followers)
        .insert(keys::sub(&slug("fargo"), ChannelId(10)), &[1u8][..])
        .unwrap();
    assert!(store.followed_shows().is_err());
}

#[test]
fn every_subscription_write_updates_the_index() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    let channels_of = |store: &Store| -> Vec<(String, u64, ActionSet)> {
        store
            .followed_shows()
            .unwrap()
            .into_iter()
            .flat_map(|f| {
                let show = f.show.to_string();
                f.channels
                    .into_iter()
                    .map(move |(c, a)| (show.clone(), c.0, a))
            })
            .collect()
    };
    follow(&store, 1, 10, "fargo", "seen");
    follow(&store, 1, 11, "fargo", "shout");
    assert_eq!(
        channels_of(&store),
        [
            ("fargo".into(), 10, actions("seen")),
            ("fargo".into(), 11, actions("shout"))
        ]
    );
    // Updating the actions.
    follow(&store, 1, 10, "fargo", "rating");
    assert_eq!(
        channels_of(&store)[0],
        ("fargo".into(), 10, actions("rating"))
    );
    // Disabling the channel, then re-activating it by following another show.
    store.disable_channel(ChannelId(10), "403", 7).unwrap();
    assert_eq!(
        channels_of(&store),
        [("fargo".into(), 11, actions("shout"))]
    );
    follow(&store, 1, 10, "lost", "all");
    assert_eq!(
        channels_of(&store),
        [
            ("fargo".into(), 10, actions("rating")),
            ("fargo".into(), 11, actions("shout")),
            ("lost".into(), 10, actions("all"))
        ]
    );
    // Import: pausing one, changing another's actions.
    let mut subs = store.export().unwrap();
    for sub in &mut subs {
        if sub.channel == ChannelId(11) {
            sub.state = SubState::Paused { since: 8 };
        } else if sub.show == slug("lost") {
            sub.actions = actions("seen");
        }
    }
    store.import(subs).unwrap();
    assert_eq!(
        channels_of(&store),
        [
            ("fargo".into(), 10, actions("rating")),
            ("lost".into(), 10, actions("seen"))
        ]
    );
    // Unfollow.
    store.unfollow(ChannelId(10), &slug("fargo")).unwrap();
    store.unfollow(ChannelId(11), &slug("fargo")).unwrap();
    assert_eq!(channels_of(&store), [("lost".into(), 10, actions("seen"))]);
    assert_eq!(store.tree(TreeId::Followers).len(), 1);
}

#[test]
fn reopening_keeps_everything_and_ids_stay_monotonic() {
    let dir = TempDir::new().unwrap();
    let first_ids;
    {
        let store = open(&dir);
        let mut f = new_follow(1, 10, "fargo", "all");
        f.start_watermark = Some(TraktTime(50));
        store.follow(f).unwrap();
        follow(&store, 1, 11, "lost", "seen");
        store.record_show_failure(&slug("lost"), 99).unwrap();
        commit(
            &store,
            vec![
                item("fargo", activity(1, 100, "seen", "fargo"), &[10]),
                item("fargo", activity(2, 101, "seen", "fargo"), &[10]),
            ],
            &[("fargo", 300)],
            1_000,
        );
        first_ids = store.pending(ChannelId(10), 10).unwrap();
        store
            .set_in_flight(
                ChannelId(10),
                &InFlight {
                    ids: vec![first_ids[0].id],
                    nonce: "n1".into(),
                },
            )
            .unwrap();
        store.flush().unwrap();
    }
    let store = open(&dir);
    assert_eq!(store.channel_follows(ChannelId(10)).unwrap().len(), 1);
    assert_eq!(
        store.channel_follows(ChannelId(11)).unwrap()[0].actions,
        actions("seen")
    );
    assert_eq!(
        store.show_state(&slug("fargo")).unwrap().watermark,
        Some(TraktTime(300))
    );
    assert_eq!(store.show_state(&slug("lost")).unwrap().failures, 1);
    assert!(store
        .is_recorded(&slug("fargo"), &ActivityKey("episode:1".into()))
        .unwrap());
    assert_eq!(store.pending(ChannelId(10), 10).unwrap(), first_ids);
    assert_eq!(
        store.in_flight(ChannelId(10)).unwrap(),
        Some(InFlight {
            ids: vec![first_ids[0].id],
            nonce: "n1".into()
        })
    );
    // New entries after the restart sort after the old ones.
    commit(
        &store,
        vec![item("fargo", activity(3, 102, "seen", "fargo"), &[10])],
        &[],
        2_000,
    );
    let entries = store.pending(ChannelId(10), 10).unwrap();
    assert_eq!(entries.len(), 3);
    assert!(entries[2].id > entries[1].id);
    assert_eq!(pending_ids(&store, 10), [1, 2, 3]);
}

#[test]
fn outbox_order_survives_several_restarts() {
    let dir = TempDir::new().unwrap();
    for round in 0..4u64 {
        let store = open(&dir);
        if round == 0 {
            follow(&store, 1, 10, "fargo", "all");
            follow(&store, 1, 11, "fargo", "all");
        }
        commit(
            &store,
            vec![
                item(
                    "fargo",
                    activity(round * 2 + 1, 1, "seen", "fargo"),
                    &[10, 11],
                ),
                item("fargo", activity(round * 2 + 2, 1, "seen", "fargo"), &[11]),
            ],
            &[],
            1,
        );
        // Dropped without an explicit flush: sled flushes on close.
    }
    let store = open(&dir);
    assert_eq!(pending_ids(&store, 10), [1, 3, 5, 7]);
    assert_eq!(pending_ids(&store, 11), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(
        store.pending_channels().unwrap(),
        [ChannelId(10), ChannelId(11)]
    );
}

#[test]
fn unfollow_cascades() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    let mut f = new_follow(1, 10, "fargo", "all");
    f.start_watermark = Some(TraktTime(10));
    store.follow(f).unwrap();
    follow(&store, 1, 10, "lost", "all");
    follow(&store, 1, 11, "fargo", "all");
    commit(
        &store,
        vec![
            item("fargo", activity(1, 100, "seen", "fargo"), &[10, 11]),
            item("lost", activity(2, 100, "seen", "lost"), &[10]),
            item("fargo", activity(3, 100, "seen", "fargo"), &[10]),
        ],
        &[("fargo", 200)],
        1,
    );
    store.record_show_failure(&slug("fargo"), 500).unwrap();
    let e = store.pending(ChannelId(10), 10).unwrap();
    // In flight: fargo#1, lost#2. Unfollowing fargo keeps lost#2 with the same nonce.
    store
        .set_in_flight(
            ChannelId(10),
            &InFlight {
                ids: vec![e[0].id, e[1].id],
                nonce: "abc".into(),
            },
        )
        .unwrap();

    assert_eq!(store.unfollow(ChannelId(12), &slug("fargo")).unwrap(), None);
    let removed = store
        .unfollow(ChannelId(10), &slug("fargo"))
        .unwrap()
        .unwrap();
    assert_eq!(removed.show, slug("fargo"));
    assert_eq!(removed.channel, ChannelId(10));
    assert_eq!(pending_ids(&store, 10), [2], "only lost is left in 10");
    assert_eq!(pending_ids(&store, 11), [1], "11 still follows fargo");
    assert_eq!(
        store.in_flight(ChannelId(10)).unwrap(),
        Some(InFlight {
            ids: vec![e[1].id],
            nonce: "abc".into()
        })
    );
    assert_eq!(store.guild_follow_count(GuildId(1)).unwrap(), 2);
    let fargo = store.show_state(&slug("fargo")).unwrap();
    assert_eq!(fargo.watermark, Some(TraktTime(200)), "11 still follows it");
    assert!(store
        .is_recorded(&slug("fargo"), &ActivityKey("episode:1".into()))
        .unwrap());

    // The last follower leaves: watermark, failures and dedupe keys go too.
    store
        .unfollow(ChannelId(11), &slug("fargo"))
        .unwrap()
        .unwrap();
    assert!(pending_ids(&store, 11).is_empty());
    assert_eq!(
        store.show_state(&slug("fargo")).unwrap(),
        ShowState::default()
    );
    assert!(!store
        .is_recorded(&slug("fargo"), &ActivityKey("episode:1".into()))
        .unwrap());
    assert!(!store
        .is_recorded(&slug("fargo"), &ActivityKey("episode:3".into()))
        .unwrap());
    assert!(store
        .is_recorded(&slug("lost"), &ActivityKey("episode:2".into()))
        .unwrap());
    assert_eq!(
        store.tree(TreeId::DedupeTime).len(),
        1,
        "the time index follows"
    );
    assert_eq!(store.guild_follow_count(GuildId(1)).unwrap(), 1);
    let names: Vec<String> = store
        .followed_shows()
        .unwrap()
        .iter()
        .map(|s| s.show.to_string())
        .collect();
    assert_eq!(names, ["lost"]);

    // Unfollowing the show of the last in-flight entry removes the marker.
    store
        .unfollow(ChannelId(10), &slug("lost"))
        .unwrap()
        .unwrap();
    assert_eq!(store.in_flight(ChannelId(10)).unwrap(), None);
    assert_eq!(store.outbox_len().unwrap(), 0);
    assert!(store.tree(TreeId::Dedupe).is_empty() && store.tree(TreeId::Shows).is_empty());
    assert!(store.tree(TreeId::ByChannel).is_empty() && store.tree(TreeId::ByGuild).is_empty());
}

#[test]
fn disable_channel_stops_delivery_until_someone_follows_again() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    follow(&store, 1, 10, "fargo", "all");
    follow(&store, 1, 10, "lost", "all");
    follow(&store, 1, 11, "fargo", "all");
    commit(
        &store,
        vec![
            item("fargo", activity(1, 1, "seen", "fargo"), &[10, 11]),
            item("lost", activity(2, 1, "seen", "lost"), &[10]),
        ],
        &[],
        1,
    );
    let e = store.pending(ChannelId(10), 10).unwrap();
    store
        .set_in_flight(
            ChannelId(10),
            &InFlight {
                ids: vec![e[0].id],
                nonce: "x".into(),
            },
        )
        .unwrap();

    let stats = store
        .disable_channel(ChannelId(10), "missing access (50001)", 42)
        .unwrap();
    assert_eq!(
        stats,
        DisableStats {
            subscriptions: 2,
            dropped_entries: 2
        }
    );
    for sub in store.channel_follows(ChannelId(10)).unwrap() {
        assert_eq!(
            sub.state,
            SubState::Disabled {
                reason: "missing access (50001)".into(),
                since: 42
            }
        );
    }
    assert_eq!(store.in_flight(ChannelId(10)).unwrap(), None);
    assert_eq!(pending_ids(&store, 11), [1], "other channels unaffected");
    assert_eq!(store.pending_channels().unwrap(), [ChannelId(11)]);
    // Disabling again changes nothing.
    assert_eq!(
        store.disable_channel(ChannelId(10), "again", 50).unwrap(),
        DisableStats::default()
    );

    // Nothing is queued for it any more.
    let stats = commit(
        &store,
        vec![item("fargo", activity(3, 1, "seen", "fargo"), &[10, 11])],
        &[],
        2,
    );
    assert_eq!(stats.queued, 1);
    assert!(pending_ids(&store, 10).is_empty());
    let lost_followed = store
        .followed_shows()
        .unwrap()
        .iter()
        .any(|s| s.show == slug("lost"));
    assert!(!lost_followed);

    // Following any show in the channel re-activates its disabled subscriptions.
    follow(&store, 1, 10, "fringe", "all");
    assert!(store
        .channel_follows(ChannelId(10))
        .unwrap()
        .iter()
        .all(|s| s.state == SubState::Active));
}

#[test]
fn ack_removes_exactly_the_sent_entries_and_the_marker() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    follow(&store, 1, 10, "fargo", "all");
    follow(&store, 1, 11, "fargo", "all");
    commit(
        &store,
        (1..=4)
            .map(|i| item("fargo", activity(i, 1, "seen", "fargo"), &[10, 11]))
            .collect(),
        &[],
        1,
    );
    let e = store.pending(ChannelId(10), 2).unwrap();
    let ids: Vec<OutboxId> = e.iter().map(|e| e.id).collect();
    let marker = InFlight {
        ids: ids.clone(),
        nonce: "nonce-1".into(),
    };
    store.set_in_flight(ChannelId(10), &marker).unwrap();
    assert_eq!(store.in_flight(ChannelId(10)).unwrap(), Some(marker));
    assert_eq!(
        store
            .entries(ChannelId(10), &[ids[1], ids[0], ids[0]])
            .unwrap(),
        e
    );
    assert!(
        store.entries(ChannelId(11), &ids).unwrap().is_empty(),
        "ids are per channel"
    );

    store.ack(ChannelId(10), &ids).unwrap();
    assert_eq!(store.in_flight(ChannelId(10)).unwrap(), None);
    assert_eq!(pending_ids(&store, 10), [3, 4]);
    assert_eq!(pending_ids(&store, 11), [1, 2, 3, 4]);
    assert_eq!(store.outbox_len().unwrap(), 6);
    assert!(store.entries(ChannelId(10), &ids).unwrap().is_empty());
}

#[test]
fn export_import_round_trip_on_a_fresh_store() {
    let source_dir = TempDir::new().unwrap();
    let source = open(&source_dir);
    follow(&source, 2, 20, "fargo", "seen,shout");
    follow(&source, 1, 10, "153021", "all");
    follow(&source, 1, 11, "fargo", "rating");
    source
        .disable_channel(ChannelId(11), "unknown channel (10003)", 5)
        .unwrap();
    let exported = source.export().unwrap();
    assert_eq!(exported.len(), 3);
    assert_eq!(
        exported
            .iter()
            .map(|s| (s.guild.0, s.channel.0))
            .collect::<Vec<_>>(),
        [(1, 10), (1, 11), (2, 20)]
    );
    let json = source.export_json().unwrap();
    assert!(json.contains("\"status\": \"disabled\""), "{json}");

    let dir = TempDir::new().unwrap();
    let target = open(&dir);
    let parsed = Store::parse_import(&json).unwrap();
    assert_eq!(parsed, exported);
    assert_eq!(target.import(parsed.clone()).unwrap(), 3);
    assert_eq!(target.export().unwrap(), exported);
    assert_eq!(target.export_json().unwrap(), json);
    assert_eq!(target.guild_follow_count(GuildId(1)).unwrap(), 2);
    assert_eq!(
        target.channel_follows(ChannelId(11)).unwrap(),
        vec![exported[1].clone()]
    );
    // Idempotent.
    assert_eq!(target.import(parsed).unwrap(), 0);
    assert_eq!(target.export().unwrap(), exported);
}

#[test]
fn import_merges_and_file_wins() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    follow(&store, 1, 10, "fargo", "all");
    follow(&store, 1, 10, "lost", "all");
    commit(
        &store,
        vec![
            item("fargo", activity(1, 1, "seen", "fargo"), &[10]),
            item("lost", activity(2, 1, "seen", "lost"), &[10]),
        ],
        &[],
        1,
    );
    let mut subs = store.export().unwrap();
    subs.retain(|s| s.show == slug("fargo"));
    subs[0].actions = actions("review");
    subs[0].state = SubState::Paused { since: 3 };
    let mut new = subs[0].clone();
    new.channel = ChannelId(12);
    new.state = SubState::Active;
    subs.push(new);
    assert_eq!(store.import(subs).unwrap(), 2);
    let follows = store.channel_follows(ChannelId(10)).unwrap();
    assert_eq!(follows.len(), 2, "lost is kept");
    assert_eq!(follows[0].actions, actions("review"));
    assert_eq!(follows[0].state, SubState::Paused { since: 3 });
    // A subscription imported as not active drops its pending entries.
    assert_eq!(pending_ids(&store, 10), [2]);
    assert_eq!(store.channel_follows(ChannelId(12)).unwrap().len(), 1);
}

#[test]
fn a_bad_import_writes_nothing() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    follow(&store, 1, 10, "fargo", "all");
    let before = snapshot(&store);
    let mut subs = store.export().unwrap();
    let mut good = subs[0].clone();
    good.channel = ChannelId(11);
    let mut bad = subs[0].clone();
    bad.channel = ChannelId(12);
    bad.title = " ".into();
    subs[0].actions = actions("seen");
    subs.extend([good, bad]);
    let err = store.import(subs).unwrap_err();
    assert!(
        matches!(&err, StoreError::InvalidSubscription { index: 3, reason } if reason.contains("title")),
        "{err}"
    );
    assert_eq!(snapshot(&store), before);

    let text = r#"[{"guild":1,"channel":11,"show":"fargo","title":"F","actions":"all",
        "created_by":3,"created_at":1,"state":{"status":"active"}},
        {"guild":1,"channel":12,"show":"The Walking Dead","title":"F","actions":"all",
        "created_by":3,"created_at":1,"state":{"status":"active"}}]"#;
    let err = Store::parse_import(text).unwrap_err();
    assert!(
        matches!(&err, StoreError::Import { line: 3, reason } if reason.contains("space")),
        "{err}"
    );
    assert_eq!(snapshot(&store), before);
}

#[test]
fn unreadable_values_are_reported_as_corrupt() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    follow(&store, 1, 10, "fargo", "all");
    store
        .tree(TreeId::Subs)
        .insert(keys::sub(&slug("fargo"), ChannelId(10)), &b"\x09{}"[..])
        .unwrap();
    let err = store.channel_follows(ChannelId(10)).unwrap_err();
    assert!(err.to_string().contains("corrupt subscription"), "{err}");
    assert!(err.to_string().contains("unknown value version 9"), "{err}");
    // An index entry without its subscription is a concurrent unfollow: skipped.
    store.tree(TreeId::Subs).clear().unwrap();
    assert!(store.channel_follows(ChannelId(10)).unwrap().is_empty());
}
