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

/// A store with history (follows, a disabled channel, pending entries and
/// watermarks), and an import file that adds, replaces, re-activates and
/// disables subscriptions across many shows.
fn chunk_case(dir: &TempDir) -> (Store, Vec<Subscription>) {
    let store = open(dir);
    let shows: Vec<String> = (0..12).map(|i| format!("show-{i}")).collect();
    for (i, show) in shows.iter().enumerate() {
        follow(&store, 1, 10 + (i as u64 % 3), show, "all");
    }
    let items = shows
        .iter()
        .enumerate()
        .map(|(i, s)| item(s, activity(i as u64 + 1, 100, "seen", s), &[10, 11, 12]))
        .collect();
    commit(&store, items, &[], 1);
    store
        .disable_channel(ChannelId(12), "unknown channel (10003)", 5)
        .unwrap();
    let mut file = Vec::new();
    for (i, show) in shows.iter().enumerate() {
        for channel in 10..14u64 {
            let state = if (i + channel as usize) % 5 == 0 {
                SubState::Disabled {
                    reason: "imported".into(),
                    since: 7,
                }
            } else {
                SubState::Active
            };
            let acts = if channel % 2 == 0 {
                "seen,shout"
            } else {
                "all"
            };
            file.push(sub_of(channel, show, acts, state));
        }
    }
    file.reverse(); // the file's order must not matter
    (store, file)
}

#[test]
fn a_chunked_import_equals_a_one_shot_import() {
    let (one_dir, many_dir) = (TempDir::new().unwrap(), TempDir::new().unwrap());
    let (one, file) = chunk_case(&one_dir);
    let (many, _) = chunk_case(&many_dir);
    assert_eq!(snapshot(&one), snapshot(&many), "same starting state");
    let n_one = one
        .import_in_chunks(file.clone(), usize::MAX, None)
        .unwrap();
    let n_many = many.import_in_chunks(file, 3, None).unwrap();
    assert_eq!(n_one, n_many);
    assert!(n_one > 30, "{n_one}");
    assert_eq!(snapshot(&one), snapshot(&many));
}

#[test]
fn an_import_cut_short_by_a_crash_finishes_on_rerun_without_doubling() {
    let (one_dir, cut_dir) = (TempDir::new().unwrap(), TempDir::new().unwrap());
    let (one, file) = chunk_case(&one_dir);
    let (cut, _) = chunk_case(&cut_dir);
    let n_one = one.import(file.clone()).unwrap();
    // Two chunks land, then the process dies; the rerun imports everything.
    let first = cut.import_in_chunks(file.clone(), 5, Some(2)).unwrap();
    assert!(first > 0 && snapshot(&cut) != snapshot(&one));
    let rest = cut.import_in_chunks(file.clone(), 5, None).unwrap();
    assert_eq!(first + rest, n_one);
    assert_eq!(snapshot(&cut), snapshot(&one));
    // And once more: nothing changes.
    assert_eq!(cut.import(file).unwrap(), 0);
    assert_eq!(snapshot(&cut), snapshot(&one));
}

#[test]
fn an_invalid_file_writes_nothing_even_in_chunks() {
    let dir = TempDir::new().unwrap();
    let (store, mut file) = chunk_case(&dir);
    let before = snapshot(&store);
    let mut bad = file[0].clone();
    bad.title = String::new();
    file.push(bad); // last, after many valid chunks
    assert!(matches!(
        store.import_in_chunks(file, 2, None),
        Err(StoreError::InvalidSubscription { .. })
    ));
    assert_eq!(snapshot(&store), before);
}
