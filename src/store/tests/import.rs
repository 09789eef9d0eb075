//! Store tests: export and import.

use super::*;

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
