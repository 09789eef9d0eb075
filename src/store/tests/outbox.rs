//! Store tests: in-flight markers, acks, disabling a channel.

use super::*;

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
