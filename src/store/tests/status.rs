//! `/status`'s reads and the show notices: the guild view (pending posts per
//! follow, last poll, failure run), the channel record, and the notice queue
//! (once per failure run, a recovery only after an alerted run).

use super::*;

#[test]
fn the_guild_view_counts_pending_posts_per_follow_and_keeps_the_channel_record() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    follow(&store, 1, 10, "lost", "all");
    follow(&store, 1, 10, "fargo", "all");
    follow(&store, 1, 20, "lost", "all");
    follow(&store, 2, 30, "lost", "all");
    let items = vec![
        item("lost", activity(1, 5, "seen", "lost"), &[10, 20]),
        item("lost", activity(2, 6, "seen", "lost"), &[10]),
        item("fargo", activity(3, 7, "seen", "fargo"), &[10]),
    ];
    commit(&store, items, &[("lost", 8), ("fargo", 8)], 100);
    let status = store.guild_status(GuildId(1)).unwrap();
    let channels: Vec<u64> = status.channels.iter().map(|c| c.channel.0).collect();
    assert_eq!(channels, [10, 20], "guild 2's channel is not shown");
    let pending: Vec<(String, usize)> = status.channels[0]
        .follows
        .iter()
        .map(|f| match &f.followed {
            Followed::Show { show, .. } => (show.to_string(), f.pending),
            Followed::User { user, .. } => (user.0.clone(), f.pending),
        })
        .collect();
    assert_eq!(pending, [("fargo".to_owned(), 1), ("lost".to_owned(), 2)]);
    assert_eq!(status.channels[1].follows[0].pending, 1);

    let ids: Vec<OutboxId> = store
        .pending(ChannelId(10), 2)
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    store
        .record_delivery_error(ChannelId(10), "Discord 502", 150)
        .unwrap();
    let record = store.channel_record(ChannelId(10)).unwrap();
    assert_eq!(record.error.as_ref().map(|e| e.at), Some(150));
    assert_eq!(record.last_delivered, None);
    store.ack_delivered(ChannelId(10), &ids, 160).unwrap();
    let record = store.channel_record(ChannelId(10)).unwrap();
    assert_eq!(record.last_delivered, Some(160));
    assert_eq!(record.error, None, "a delivery clears the last error");
    assert_eq!(pending_ids(&store, 10).len(), 1);
}

#[test]
fn a_failure_run_queues_one_notice_and_its_end_one_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    follow(&store, 1, 10, "lost", "all");
    let lost = slug("lost");
    store
        .record_show_failure_because(&lost, 0, "down", 1_000, false)
        .unwrap();
    assert!(
        store.pending_notices().unwrap().is_empty(),
        "not yet an hour"
    );
    store
        .record_show_failure_because(&lost, 0, "down again", 4_600, false)
        .unwrap();
    store
        .record_show_failure_because(&lost, 0, "down still", 9_000, false)
        .unwrap();
    let notices = store.pending_notices().unwrap();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(
        show_kind(&notices[0].1),
        NoticeKind::Failing {
            since: 1_000,
            error: "down again".into()
        }
    );
    let state = store.show_state(&lost).unwrap();
    let run = state.error.expect("the run");
    assert_eq!((run.since, run.at, run.alerted), (1_000, 9_000, true));
    store.drop_notice(notices[0].0).unwrap();

    commit(&store, vec![], &[("lost", 9)], 9_500);
    let notices = store.pending_notices().unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!(
        show_kind(&notices[0].1),
        NoticeKind::Recovered { since: 1_000 }
    );
    assert_eq!(store.show_state(&lost).unwrap().error, None);
    store.drop_notice(notices[0].0).unwrap();

    // A short run that was never alerted ends without a notice.
    store
        .record_show_failure_because(&lost, 0, "blip", 10_000, false)
        .unwrap();
    commit(&store, vec![], &[("lost", 10)], 10_100);
    assert!(store.pending_notices().unwrap().is_empty());

    // Nothing is kept for a show nobody follows.
    let gone = slug("fargo");
    store
        .record_show_failure_because(&gone, 0, "404", 1, true)
        .unwrap();
    assert!(store.pending_notices().unwrap().is_empty());
    assert_eq!(store.show_state(&gone).unwrap(), ShowState::default());
}

/// The kind of a queued show notice (anything else fails the test).
fn show_kind(queued: &crate::store::Queued) -> NoticeKind {
    match queued {
        crate::store::Queued::Show(n) => n.kind.clone(),
        other => panic!("not a show notice: {other:?}"),
    }
}
