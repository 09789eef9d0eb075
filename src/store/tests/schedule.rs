//! The schedule records: each commit's new items (duplicates excluded)
//! update the polled and counted shows and the feeds read; they survive a
//! reopen; a show followed afresh is due at once.

use super::*;
use crate::schedule::Record;

fn polled(store: &Store, items: Vec<PollItem>, polled: &[&str], counted: &[&str], now: i64) {
    store
        .commit_poll(PollCommit {
            items,
            polled: polled.iter().map(|s| (slug(s), now)).collect(),
            counted: counted.iter().map(|s| slug(s)).collect(),
            now,
            ..Default::default()
        })
        .unwrap();
}

fn record(store: &Store, show: &str) -> Record {
    store.show_state(&slug(show)).unwrap().schedule
}

#[test]
fn a_polled_show_learns_its_rate_from_new_items_only_and_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    follow(&store, 1, 10, "fargo", "all");
    polled(&store, vec![], &["fargo"], &[], 1_000);
    assert_eq!(record(&store, "fargo").last_poll, Some(1_000));
    let items = |ids: &[u64]| {
        ids.iter()
            .map(|id| item("fargo", activity(*id, 100, "seen", "fargo"), &[10]))
            .collect::<Vec<_>>()
    };
    polled(&store, items(&[1]), &[], &["fargo"], 1_500);
    // One counted between polls, two new and one duplicate at the poll.
    polled(&store, items(&[1, 2, 3]), &["fargo"], &[], 1_000 + 3_600);
    let r = record(&store, "fargo");
    assert_eq!((r.last_poll, r.pending), (Some(4_600), 0));
    assert!((r.rate.per_hour() - 3.0).abs() < 1e-9, "{r:?}");
    drop(store);
    let store = open(&dir);
    assert_eq!(record(&store, "fargo"), r, "kept across a reopen");
}

#[test]
fn counted_items_wait_for_the_next_poll_and_unfollowed_shows_get_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    follow(&store, 1, 10, "fargo", "all");
    polled(&store, vec![], &["fargo"], &[], 0);
    let one = vec![item("fargo", activity(7, 100, "seen", "fargo"), &[10])];
    polled(&store, one, &[], &["fargo", "lost"], 60);
    let r = record(&store, "fargo");
    assert_eq!((r.last_poll, r.pending), (Some(0), 1));
    assert!(r.rate.exposure().is_zero());
    assert_eq!(
        store.show_state(&slug("lost")).unwrap(),
        ShowState::default()
    );
    polled(&store, vec![], &["lost"], &[], 60);
    assert_eq!(
        store.show_state(&slug("lost")).unwrap(),
        ShowState::default()
    );
}

#[test]
fn feed_records_take_the_counts_of_each_read() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    assert!(store.feed_record(Feed::RecentShows).unwrap().is_empty());
    for (now, n) in [(0, 50), (3_600, 20)] {
        store
            .commit_poll(PollCommit {
                feed_polls: vec![(Feed::RecentShows, n)],
                now,
                ..Default::default()
            })
            .unwrap();
    }
    let r = store.feed_record(Feed::RecentShows).unwrap();
    assert!((r.rate.per_hour() - 20.0).abs() < 1e-9, "{r:?}");
    assert!(store.feed_record(Feed::RecentEpisodes).unwrap().is_empty());
    // The watermark under the feed's own name is untouched.
    assert_eq!(store.feed_mark(Feed::RecentShows).unwrap(), None);
}

#[test]
fn a_show_followed_again_by_nobody_else_is_due_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    follow(&store, 1, 10, "fargo", "all");
    polled(&store, vec![], &["fargo"], &[], 0);
    polled(&store, vec![], &["fargo"], &[], 600);
    // Another channel joining a polled show changes nothing.
    follow(&store, 1, 11, "fargo", "all");
    assert_eq!(record(&store, "fargo").last_poll, Some(600));
    // Both paused, then one resumed: it starts afresh, its rate kept.
    let rate = record(&store, "fargo").rate;
    store.pause(ChannelId(10), &slug("fargo"), 700).unwrap();
    store.pause(ChannelId(11), &slug("fargo"), 700).unwrap();
    store
        .resume(ChannelId(10), &slug("fargo"), TraktTime(800))
        .unwrap();
    let r = record(&store, "fargo");
    assert_eq!((r.last_poll, r.rate), (None, rate));
}
