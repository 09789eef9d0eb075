//! Pausing and resuming user follows, and the notice of a disabled one.

use super::users::{commit, moon, new_user_follow, pending_keys, user_activity};
use super::*;
use crate::trakt::Action;

#[test]
fn a_paused_user_follow_is_not_polled_gets_nothing_and_resumes_from_the_resume() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    store
        .follow_user(new_user_follow(1, 10, "seen", 100))
        .unwrap();
    commit(
        &store,
        vec![(
            user_activity("history:1", Action::Seen, 150, 1393),
            vec![10],
        )],
    );
    let paused = store
        .pause_user(ChannelId(10), &moon(), 7)
        .unwrap()
        .unwrap();
    assert_eq!(paused.state, SubState::Paused { since: 7 });
    assert!(pending_keys(&store, 10).is_empty(), "pending posts dropped");
    assert!(store.followed_users().unwrap().is_empty(), "not polled");
    // Pausing again changes nothing.
    let again = store
        .pause_user(ChannelId(10), &moon(), 9)
        .unwrap()
        .unwrap();
    assert_eq!(again.state, SubState::Paused { since: 7 });
    // Something committed meanwhile (another channel's read) is not queued.
    let stats = commit(
        &store,
        vec![(
            user_activity("history:2", Action::Seen, 600, 1393),
            vec![10],
        )],
    );
    assert_eq!(stats.queued, 0);

    let resumed = store
        .resume_user_from(ChannelId(10), &moon(), Some(TraktTime(900)))
        .unwrap()
        .unwrap();
    assert!(resumed.state.is_active());
    assert_eq!(resumed.since, Some(TraktTime(900)));
    let f = store.followed_users().unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0].state.watermark,
        Some(TraktTime(900)),
        "reads start now"
    );
    // Only what happened after the resume is posted.
    commit(
        &store,
        vec![
            (
                user_activity("history:3", Action::Seen, 800, 1393),
                vec![10],
            ),
            (
                user_activity("history:4", Action::Seen, 950, 1393),
                vec![10],
            ),
        ],
    );
    assert_eq!(pending_keys(&store, 10), ["history:4"]);
    assert!(store
        .pause_user(ChannelId(99), &moon(), 1)
        .unwrap()
        .is_none());
}

#[test]
fn resuming_without_trakts_clock_starts_a_lone_user_afresh() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    store
        .follow_user(new_user_follow(1, 10, "seen", 100))
        .unwrap();
    commit(&store, vec![]);
    store.pause_user(ChannelId(10), &moon(), 7).unwrap();
    store
        .resume_user_from(ChannelId(10), &moon(), None)
        .unwrap();
    let f = store.followed_users().unwrap();
    assert_eq!(f[0].state, UserState::default(), "first poll posts nothing");
}

#[test]
fn resuming_beside_another_active_follow_leaves_the_users_marks() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    store
        .follow_user(new_user_follow(1, 10, "seen", 100))
        .unwrap();
    store
        .follow_user(new_user_follow(1, 20, "seen", 100))
        .unwrap();
    commit(&store, vec![]);
    store.pause_user(ChannelId(10), &moon(), 7).unwrap();
    store
        .resume_user_from(ChannelId(10), &moon(), Some(TraktTime(300)))
        .unwrap();
    let state = store.user_state(&moon()).unwrap();
    assert_eq!(state.watermark, Some(TraktTime(100)), "channel 20 reads on");
    assert_eq!(state.marks.history, Some(TraktTime(500)));
}

#[test]
fn disabling_a_user_records_one_notice_per_follow_once() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    store
        .follow_user(new_user_follow(1, 10, "seen", 100))
        .unwrap();
    store
        .follow_user(new_user_follow(1, 20, "rating", 100))
        .unwrap();
    store.pause_user(ChannelId(20), &moon(), 5).unwrap();
    store.disable_user(&moon(), "private now", 3_000).unwrap();
    let notices = store.pending_notices().unwrap();
    assert_eq!(notices.len(), 1, "only the active follow: {notices:?}");
    let (id, crate::store::Queued::UserDisabled(n)) = &notices[0] else {
        panic!("not a user notice: {notices:?}");
    };
    assert_eq!(
        (n.channel, n.guild, n.name.as_str(), n.reason.as_str()),
        (ChannelId(10), GuildId(1), "Mira Okafor", "private now")
    );
    // A second disable (the next cycle) finds nothing active: no new notice.
    store.disable_user(&moon(), "private now", 3_100).unwrap();
    assert_eq!(store.pending_notices().unwrap().len(), 1);
    // The notices do not disturb the alerts channel settings.
    store
        .set_alerts_channel(GuildId(1), Some(ChannelId(77)))
        .unwrap();
    assert_eq!(
        store.alerts_channel(GuildId(1)).unwrap(),
        Some(ChannelId(77))
    );
    store.drop_notice(*id).unwrap();
    assert!(store.pending_notices().unwrap().is_empty());
    assert_eq!(
        store.alerts_channel(GuildId(1)).unwrap(),
        Some(ChannelId(77))
    );
}
