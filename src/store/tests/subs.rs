//! Store tests: follow, unfollow, the subscription indexes.

use super::*;

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
