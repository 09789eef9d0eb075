//! Pausing and resuming a subscription, and each server's alerts channel.

use super::*;

fn state_of(store: &Store, channel: u64, show: &str) -> SubState {
    store
        .channel_follows(ChannelId(channel))
        .unwrap()
        .into_iter()
        .find(|s| s.show == slug(show))
        .unwrap()
        .state
}

fn polled(store: &Store) -> Vec<(String, Vec<ChannelId>)> {
    store
        .followed_shows()
        .unwrap()
        .into_iter()
        .map(|f| {
            let channels = f.channels.iter().map(|(c, _)| *c).collect();
            (f.show.to_string(), channels)
        })
        .collect()
}

#[test]
fn a_pause_stops_polling_for_it_and_drops_its_pending_posts() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    follow(&store, 1, 10, "fargo", "all");
    follow(&store, 1, 10, "lost", "all");
    follow(&store, 1, 11, "lost", "all");
    commit(
        &store,
        vec![
            item("fargo", activity(1, 100, "seen", "fargo"), &[10]),
            item("lost", activity(2, 101, "seen", "lost"), &[10, 11]),
        ],
        &[("fargo", 200), ("lost", 200)],
        1_000,
    );
    assert_eq!(pending_ids(&store, 10), [1, 2]);

    let paused = store
        .pause(ChannelId(10), &slug("fargo"), 2_000)
        .unwrap()
        .unwrap();
    assert_eq!(paused.state, SubState::Paused { since: 2_000 });
    assert_eq!(state_of(&store, 10, "fargo"), paused.state);
    assert_eq!(pending_ids(&store, 10), [2], "its pending post is dropped");
    assert_eq!(
        polled(&store),
        [("lost".to_owned(), vec![ChannelId(10), ChannelId(11)])],
        "fargo is no longer polled"
    );

    // A show another channel still follows is polled, for that channel only.
    store.pause(ChannelId(10), &slug("lost"), 2_001).unwrap();
    assert_eq!(polled(&store), [("lost".to_owned(), vec![ChannelId(11)])]);
    assert!(pending_ids(&store, 10).is_empty());
    assert_eq!(
        pending_ids(&store, 11),
        [2],
        "the other channel keeps its post"
    );

    // Pausing again changes nothing; an unknown follow is None.
    let again = store.pause(ChannelId(10), &slug("fargo"), 9_999).unwrap();
    assert_eq!(again, Some(paused));
    assert_eq!(store.pause(ChannelId(10), &slug("nope"), 1).unwrap(), None);
}

#[test]
fn a_follow_elsewhere_in_the_channel_leaves_a_paused_one_paused() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    follow(&store, 1, 10, "fargo", "all");
    store.disable_channel(ChannelId(10), "403", 5).unwrap();
    store.pause(ChannelId(10), &slug("fargo"), 6).unwrap();
    assert_eq!(state_of(&store, 10, "fargo"), SubState::Paused { since: 6 });
    follow(&store, 1, 10, "lost", "all");
    assert_eq!(state_of(&store, 10, "fargo"), SubState::Paused { since: 6 });
}

#[test]
fn a_resume_without_trakts_clock_restarts_a_show_nobody_else_follows() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    follow(&store, 1, 10, "fargo", "all");
    commit(&store, Vec::new(), &[("fargo", 300)], 1_000);
    store.pause(ChannelId(10), &slug("fargo"), 2_000).unwrap();
    let resumed = store
        .resume_from(ChannelId(10), &slug("fargo"), None)
        .unwrap()
        .unwrap();
    assert_eq!(resumed.state, SubState::Active);
    assert_eq!(
        store.show_state(&slug("fargo")).unwrap().watermark,
        None,
        "the first poll after the resume posts nothing"
    );
    assert_eq!(polled(&store).len(), 1);
}

#[test]
fn alerts_channels_are_per_guild_and_found_from_a_channel() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    follow(&store, 1, 10, "fargo", "all");
    follow(&store, 2, 20, "fargo", "all");
    assert_eq!(store.alerts_channel(GuildId(1)).unwrap(), None);
    assert_eq!(store.alerts_channel_for(ChannelId(10)).unwrap(), None);

    store
        .set_alerts_channel(GuildId(1), Some(ChannelId(99)))
        .unwrap();
    assert_eq!(
        store.alerts_channel(GuildId(1)).unwrap(),
        Some(ChannelId(99))
    );
    assert_eq!(
        store.alerts_channel_for(ChannelId(10)).unwrap(),
        Some((GuildId(1), ChannelId(99)))
    );
    assert_eq!(store.alerts_channel_for(ChannelId(20)).unwrap(), None);
    assert_eq!(
        store.alerts_channel_for(ChannelId(30)).unwrap(),
        None,
        "a channel without follows"
    );

    store.set_alerts_channel(GuildId(1), None).unwrap();
    assert_eq!(store.alerts_channel(GuildId(1)).unwrap(), None);
}
