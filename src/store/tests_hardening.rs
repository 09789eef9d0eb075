//! Tests of the hardening items: re-activation from Trakt's clock, the
//! quarantine of undecodable outbox entries, index races, and fsyncs.

use std::cell::Cell;

thread_local! {
    static FSYNCS: Cell<usize> = const { Cell::new(0) };
}

/// Called by every store fsync (test builds only).
pub(super) fn count_fsync() {
    FSYNCS.with(|n| n.set(n.get() + 1));
}

/// Store fsyncs made by this thread so far.
fn fsyncs() -> usize {
    FSYNCS.with(Cell::get)
}

use tempfile::TempDir;

use super::tests::{activity, open, slug};
use super::*;
use crate::ids::{ChannelId, GuildId, OutboxId, UserId};
use crate::trakt::{ActionSet, ShowRef, TraktTime};

fn follow_at(store: &Store, channel: u64, show: &str, start: Option<i64>) -> FollowOutcome {
    store
        .follow(NewFollow {
            slug: None,
            guild: GuildId(1),
            channel: ChannelId(channel),
            show: slug(show),
            title: show.to_owned(),
            actions: ActionSet::all(),
            created_by: UserId(9),
            now: 1,
            start_watermark: start.map(TraktTime),
            max_per_guild: 50,
        })
        .unwrap()
}

/// Commit one activity (id, Trakt time) of `show` for `channels`; returns how many entries were queued.
fn commit_one(store: &Store, show: &str, id: u64, ts: i64, channels: &[u64]) -> usize {
    store
        .commit_poll(PollCommit {
            feeds: Vec::new(),
            marks: Vec::new(),
            watermarks: vec![],
            items: vec![PollItem {
                show: slug(show),
                activity: activity(id, ts, "seen", show),
                channels: channels.iter().map(|c| ChannelId(*c)).collect(),
            }],
            now: 10,
            ..Default::default()
        })
        .unwrap()
        .queued
}

fn set_watermark(store: &Store, show: &str, t: i64) {
    store
        .commit_poll(PollCommit {
            feeds: Vec::new(),
            marks: Vec::new(),
            watermarks: vec![(slug(show), TraktTime(t))],
            items: vec![],
            now: 10,
            ..Default::default()
        })
        .unwrap();
}

fn watermark(store: &Store, show: &str) -> Option<i64> {
    store
        .show_state(&slug(show))
        .unwrap()
        .watermark
        .map(|t| t.0)
}

fn sub_of(store: &Store, channel: u64, show: &str) -> Subscription {
    store
        .channel_follows(ChannelId(channel))
        .unwrap()
        .into_iter()
        .find(|s| s.show == slug(show))
        .unwrap()
}

/// A raw tree by its on-disk name (works whatever the store's internals).
fn raw_tree(store: &Store, name: &str) -> sled::Tree {
    store.db.open_tree(name).unwrap()
}

#[test]
fn a_refollow_after_disable_starts_from_trakts_clock_now() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    follow_at(&store, 10, "fargo", Some(100));
    set_watermark(&store, "fargo", 150);
    store.disable_channel(ChannelId(10), "403", 20).unwrap();
    // Weeks later, Trakt's clock reads 1 000 when someone follows again.
    let out = follow_at(&store, 10, "fargo", Some(1_000));
    assert!(matches!(out, FollowOutcome::Updated { .. }));
    let sub = sub_of(&store, 10, "fargo");
    assert_eq!(sub.state, SubState::Active);
    assert_eq!(sub.since, Some(TraktTime(1_000)));
    assert_eq!(
        watermark(&store, "fargo"),
        Some(1_000),
        "the stale watermark moves up"
    );
    // The next poll's overlap brings back what happened while disabled: not posted.
    assert_eq!(commit_one(&store, "fargo", 1, 500, &[10]), 0);
    assert_eq!(commit_one(&store, "fargo", 2, 1_000, &[10]), 1);
    assert_eq!(store.outbox_len().unwrap(), 1);
}

#[test]
fn a_follow_reactivates_the_channels_other_subscriptions_from_now() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    follow_at(&store, 10, "fargo", Some(100));
    follow_at(&store, 10, "lost", Some(100));
    store.disable_channel(ChannelId(10), "403", 20).unwrap();
    follow_at(&store, 10, "fringe", Some(2_000));
    let lost = sub_of(&store, 10, "lost");
    assert_eq!(lost.state, SubState::Active);
    assert_eq!(lost.since, Some(TraktTime(2_000)));
    assert_eq!(watermark(&store, "lost"), Some(2_000));
    assert_eq!(watermark(&store, "fargo"), Some(2_000));
    assert_eq!(commit_one(&store, "lost", 1, 1_500, &[10]), 0);
    assert_eq!(commit_one(&store, "lost", 2, 2_001, &[10]), 1);
}

#[test]
fn a_reactivation_never_moves_a_watermark_another_channel_relies_on() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    follow_at(&store, 10, "fargo", Some(100));
    follow_at(&store, 11, "fargo", Some(100));
    set_watermark(&store, "fargo", 300);
    store.disable_channel(ChannelId(10), "404", 20).unwrap();
    follow_at(&store, 10, "fargo", Some(1_000));
    assert_eq!(
        watermark(&store, "fargo"),
        Some(300),
        "11 still needs 300 onwards"
    );
    assert_eq!(sub_of(&store, 10, "fargo").since, Some(TraktTime(1_000)));
    // Channel 11 gets the activity at 500, the re-followed 10 does not.
    assert_eq!(commit_one(&store, "fargo", 1, 500, &[10, 11]), 1);
    assert_eq!(store.pending_channels().unwrap(), [ChannelId(11)]);

    // Alone again, a re-follow with an earlier clock never moves it back.
    store.unfollow(ChannelId(11), &slug("fargo")).unwrap();
    set_watermark(&store, "fargo", 1_200);
    store.disable_channel(ChannelId(10), "404", 30).unwrap();
    follow_at(&store, 10, "fargo", Some(1_100));
    assert_eq!(watermark(&store, "fargo"), Some(1_200));
}

#[test]
fn resume_starts_a_paused_subscription_from_now() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    follow_at(&store, 10, "fargo", Some(100));
    set_watermark(&store, "fargo", 150);
    let mut sub = sub_of(&store, 10, "fargo");
    sub.state = SubState::Paused { since: 5 };
    store.import(vec![sub]).unwrap();
    assert!(
        store.followed_shows().unwrap().is_empty(),
        "paused: not polled"
    );

    let resumed = store
        .resume(ChannelId(10), &slug("fargo"), TraktTime(900))
        .unwrap()
        .unwrap();
    assert_eq!(resumed.state, SubState::Active);
    assert_eq!(resumed.since, Some(TraktTime(900)));
    assert_eq!(sub_of(&store, 10, "fargo"), resumed);
    assert_eq!(watermark(&store, "fargo"), Some(900));
    assert_eq!(store.followed_shows().unwrap().len(), 1, "polled again");
    assert_eq!(commit_one(&store, "fargo", 1, 400, &[10]), 0);
    // Resuming an active one changes nothing; an unknown one is None.
    let again = store
        .resume(ChannelId(10), &slug("fargo"), TraktTime(5_000))
        .unwrap();
    assert_eq!(again, Some(resumed));
    assert_eq!(watermark(&store, "fargo"), Some(900));
    assert_eq!(
        store
            .resume(ChannelId(10), &slug("lost"), TraktTime(5_000))
            .unwrap(),
        None
    );
}

#[test]
fn a_reactivation_without_trakts_clock_restarts_a_stale_show() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    follow_at(&store, 10, "fargo", Some(100));
    set_watermark(&store, "fargo", 150);
    store.disable_channel(ChannelId(10), "403", 20).unwrap();
    follow_at(&store, 10, "fargo", None);
    // The poller starts a show without a watermark afresh: no backlog.
    assert_eq!(watermark(&store, "fargo"), None);
    assert_eq!(sub_of(&store, 10, "fargo").state, SubState::Active);
}

/// Follow `fargo` in channel 10, queue activities 1..=3, and return their ids.
fn three_pending(store: &Store) -> Vec<OutboxId> {
    follow_at(store, 10, "fargo", None);
    for id in 1..=3 {
        commit_one(store, "fargo", id, 100, &[10]);
    }
    store
        .pending(ChannelId(10), 10)
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect()
}

#[test]
fn an_undecodable_outbox_entry_is_quarantined_and_the_channel_goes_on() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    let ids = three_pending(&store);
    store
        .set_in_flight(
            ChannelId(10),
            &InFlight {
                ids: ids[..2].to_vec(),
                nonce: "n".into(),
            },
        )
        .unwrap();
    let key = keys::outbox(ChannelId(10), ids[1]);
    raw_tree(&store, "outbox")
        .insert(key, &b"\x01{garbage"[..])
        .unwrap();

    let pending = store.pending(ChannelId(10), 10).unwrap();
    let got: Vec<OutboxId> = pending.iter().map(|e| e.id).collect();
    assert_eq!(got, [ids[0], ids[2]], "the good entries, in order");
    let quarantine = raw_tree(&store, "quarantine");
    assert_eq!(quarantine.len(), 1);
    assert_eq!(
        quarantine.get(key).unwrap().unwrap().as_ref(),
        b"\x01{garbage"
    );
    assert_eq!(store.quarantined_len().unwrap(), 1);
    assert_eq!(
        store.in_flight(ChannelId(10)).unwrap().unwrap().ids,
        [ids[0]],
        "the marker no longer names it"
    );
    assert_eq!(store.outbox_len().unwrap(), 2);
    // A limit counts good entries only.
    assert_eq!(store.pending(ChannelId(10), 1).unwrap().len(), 1);

    // `entries` (the resend path) does the same.
    raw_tree(&store, "outbox")
        .insert(keys::outbox(ChannelId(10), ids[0]), &b"\x09{}"[..])
        .unwrap();
    let found = store.entries(ChannelId(10), &ids).unwrap();
    assert_eq!(found.iter().map(|e| e.id).collect::<Vec<_>>(), [ids[2]]);
    assert_eq!(store.quarantined_len().unwrap(), 2);
    assert_eq!(store.in_flight(ChannelId(10)).unwrap(), None);
}

#[test]
fn unfollow_and_disable_get_past_an_undecodable_entry() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    let ids = three_pending(&store);
    follow_at(&store, 10, "lost", None);
    raw_tree(&store, "outbox")
        .insert(keys::outbox(ChannelId(10), ids[0]), &b""[..])
        .unwrap();
    store
        .unfollow(ChannelId(10), &slug("lost"))
        .unwrap()
        .unwrap();
    assert_eq!(store.quarantined_len().unwrap(), 1);
    assert_eq!(store.pending(ChannelId(10), 10).unwrap().len(), 2);
    raw_tree(&store, "outbox")
        .insert(keys::outbox(ChannelId(10), ids[1]), &b"\x01["[..])
        .unwrap();
    let stats = store.disable_channel(ChannelId(10), "403", 5).unwrap();
    assert_eq!(stats.dropped_entries, 1);
    assert_eq!(store.quarantined_len().unwrap(), 2);
    assert_eq!(store.outbox_len().unwrap(), 0);
}

#[test]
fn channel_follows_skips_an_index_entry_whose_subscription_is_gone() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    follow_at(&store, 10, "fargo", None);
    follow_at(&store, 10, "lost", None);
    // What a reader sees when an unfollow commits between its index scan and
    // its read of the subscription.
    raw_tree(&store, "subs")
        .remove(keys::sub(&slug("fargo"), ChannelId(10)))
        .unwrap();
    let subs = store.channel_follows(ChannelId(10)).unwrap();
    let shows: Vec<ShowRef> = subs.into_iter().map(|s| s.show).collect();
    assert_eq!(shows, [slug("lost")]);
}

#[test]
fn channel_follows_never_fails_while_others_unfollow() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    follow_at(&store, 10, "lost", None);
    let writer = {
        let store = store.clone();
        std::thread::spawn(move || {
            for _ in 0..300 {
                follow_at(&store, 10, "fargo", None);
                store.unfollow(ChannelId(10), &slug("fargo")).unwrap();
            }
        })
    };
    while !writer.is_finished() {
        let subs = store.channel_follows(ChannelId(10)).unwrap();
        assert!(subs.iter().any(|s| s.show == slug("lost")));
    }
    writer.join().unwrap();
}

#[test]
fn one_fsync_per_delivered_message() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    let ids = three_pending(&store);
    let before = fsyncs();
    let marker = InFlight {
        ids: ids[..1].to_vec(),
        nonce: "n".into(),
    };
    store.set_in_flight(ChannelId(10), &marker).unwrap();
    assert_eq!(
        fsyncs() - before,
        1,
        "the marker is durable before the send"
    );
    store.ack(ChannelId(10), &marker.ids).unwrap();
    assert_eq!(fsyncs() - before, 1, "the ack rides on the next fsync");
    assert_eq!(store.in_flight(ChannelId(10)).unwrap(), None);
    // The next marker's fsync carries the ack to disk: after it, a reopen
    // (standing in for a crash) sees both.
    let next = InFlight {
        ids: ids[1..2].to_vec(),
        nonce: "m".into(),
    };
    store.set_in_flight(ChannelId(10), &next).unwrap();
    assert_eq!(fsyncs() - before, 2);
    drop(store);
    let store = open(&dir);
    assert_eq!(store.in_flight(ChannelId(10)).unwrap(), Some(next));
    assert_eq!(store.pending(ChannelId(10), 10).unwrap().len(), 2);
}

#[test]
fn an_import_that_reactivates_clears_a_stale_watermark() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    follow_at(&store, 10, "fargo", Some(100));
    follow_at(&store, 10, "lost", Some(100));
    follow_at(&store, 11, "lost", Some(100));
    set_watermark(&store, "fargo", 150);
    set_watermark(&store, "lost", 150);
    store.disable_channel(ChannelId(10), "403", 20).unwrap();
    let mut subs = store.export().unwrap();
    subs.retain(|s| s.channel == ChannelId(10));
    for sub in &mut subs {
        sub.state = SubState::Active;
    }
    assert_eq!(store.import(subs).unwrap(), 2);
    assert_eq!(watermark(&store, "fargo"), None, "restarted by the poller");
    assert_eq!(watermark(&store, "lost"), Some(150), "11 kept polling it");
}
