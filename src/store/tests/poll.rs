//! Store tests: followed shows, commits, dedupe keys.

use super::*;

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
            v2: Default::default(),
            schedule: Default::default(),
            watermark: None,
            failures: 2,
            next_attempt: Some(20),
            error: None,
        }
    );
    commit(&store, vec![], &[("fargo", 5)], 30);
    assert_eq!(
        store.show_state(&slug("fargo")).unwrap(),
        ShowState {
            v2: Default::default(),
            schedule: Default::default(),
            watermark: Some(TraktTime(5)),
            failures: 0,
            next_attempt: None,
            error: None,
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
    assert_eq!(late[0].activity.time, TraktTime(500));
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
            feeds: Vec::new(),
            marks: Vec::new(),
            watermarks: vec![(slug("fargo"), TraktTime(500))],
            items: vec![
                item("fargo", activity(1, 100, "seen", "fargo"), &[10]),
                item("lost", activity(2, 100, "seen", "lost"), &[11]),
            ],
            now: 1,
            ..Default::default()
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
            feeds: Vec::new(),
            marks: Vec::new(),
            watermarks: vec![(slug("fargo"), TraktTime(500))],
            items: vec![item("fargo", activity(1, 100, "seen", "fargo"), &[10])],
            now: 1,
            ..Default::default()
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
    // ...but a corrupt index record is reported: bits naming no action, a
    // truncated record, and a key that is not a show's.
    let record = [&10u64.to_be_bytes()[..], &[0u8, 0][..]].concat();
    store
        .tree(TreeId::Followers)
        .insert(keys::show(&slug("fargo")), record)
        .unwrap();
    let err = store.followed_shows().unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    store
        .tree(TreeId::Followers)
        .insert(keys::show(&slug("fargo")), &[1u8][..])
        .unwrap();
    assert!(store.followed_shows().is_err());
    store
        .tree(TreeId::Followers)
        .remove(keys::show(&slug("fargo")))
        .unwrap();
    let one = [
        &10u64.to_be_bytes()[..],
        &actions("seen").bits().to_be_bytes()[..],
    ]
    .concat();
    store
        .tree(TreeId::Followers)
        .insert(keys::sub(&slug("fargo"), ChannelId(10)), one)
        .unwrap();
    let err = store.followed_shows().unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
}

#[test]
fn v2_marks_merge_and_feed_marks_advance_in_the_commit() {
    use crate::store::{Feed, V2Marks};
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    let show = ShowRef::Trakt(1393);
    let mut f = new_follow(1, 10, "fargo", "shout");
    f.show = show.clone();
    store.follow(f).unwrap();
    assert_eq!(store.feed_mark(Feed::RecentEpisodes).unwrap(), None);
    let marks = V2Marks {
        comments: Some(TraktTime(100)),
        lists: Some(TraktTime(50)),
        watchers: Some([("kaiton".to_owned(), TraktTime(90))].into()),
    };
    let commit = |marks: V2Marks, feed: i64| PollCommit {
        watermarks: Vec::new(),
        marks: vec![(show.clone(), marks)],
        feeds: vec![(Feed::RecentEpisodes, TraktTime(feed))],
        items: Vec::new(),
        now: 1,
        ..Default::default()
    };
    store.commit_poll(commit(marks.clone(), 200)).unwrap();
    // Older marks never move a mark back; a new snapshot replaces the old.
    let older = V2Marks {
        comments: Some(TraktTime(10)),
        lists: None,
        watchers: Some(Default::default()),
    };
    store.commit_poll(commit(older, 150)).unwrap();
    let state = store.show_state(&show).unwrap();
    assert_eq!(state.v2.comments, Some(TraktTime(100)));
    assert_eq!(state.v2.lists, Some(TraktTime(50)));
    assert_eq!(state.v2.watchers, Some(Default::default()));
    assert_eq!(
        store.feed_mark(Feed::RecentEpisodes).unwrap(),
        Some(TraktTime(200))
    );
    assert_eq!(store.feed_mark(Feed::RecentShows).unwrap(), None);
    // The follow by Trakt id is listed for the poller under that id.
    let followed = store.followed_shows().unwrap();
    assert_eq!(followed[0].show, show);
    assert_eq!(followed[0].state.v2, state.v2);
}

/// A v2 poll that read some sources (their marks committed) before another
/// failed is no success: the failure count keeps growing, so the backoff
/// does; a completed poll (`polled`) clears it.
#[test]
fn marks_of_a_failed_v2_poll_keep_the_failure_count() {
    use crate::store::V2Marks;
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    let show = ShowRef::Trakt(1393);
    let mut f = new_follow(1, 10, "fargo", "all");
    f.show = show.clone();
    store.follow(f).unwrap();
    let partial = |n: i64| PollCommit {
        marks: vec![(
            show.clone(),
            V2Marks {
                lists: Some(TraktTime(n)),
                ..V2Marks::default()
            },
        )],
        now: n,
        ..Default::default()
    };
    for (n, want) in [(1, 1), (2, 2), (3, 3)] {
        store.commit_poll(partial(n)).unwrap();
        assert_eq!(store.record_show_failure(&show, 100 + n).unwrap(), want);
    }
    let state = store.show_state(&show).unwrap();
    assert_eq!((state.failures, state.next_attempt), (3, Some(103)));
    assert_eq!(state.v2.lists, Some(TraktTime(3)), "the marks still move");
    let mut done = partial(4);
    done.polled = vec![(show.clone(), 4)];
    store.commit_poll(done).unwrap();
    let state = store.show_state(&show).unwrap();
    assert_eq!((state.failures, state.next_attempt), (0, None));
}
