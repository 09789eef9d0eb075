//! Store tests: opening, schema versions and migrations, reopening.

use super::*;

#[test]
fn store_is_shareable() {
    fn check<X: Send + Sync + Clone + std::fmt::Debug>() {}
    check::<Store>();
}

#[test]
fn fresh_store_is_empty_and_versioned() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    assert_eq!(
        store.meta.get(SCHEMA_KEY).unwrap().unwrap().as_ref(),
        SCHEMA_VERSION.to_be_bytes()
    );
    assert!(store.followed_shows().unwrap().is_empty());
    assert!(store.channel_follows(ChannelId(1)).unwrap().is_empty());
    assert_eq!(store.guild_follow_count(GuildId(1)).unwrap(), 0);
    assert!(store.pending_channels().unwrap().is_empty());
    assert_eq!(store.outbox_len().unwrap(), 0);
    assert_eq!(store.in_flight(ChannelId(1)).unwrap(), None);
    assert_eq!(
        store.show_state(&slug("fargo")).unwrap(),
        ShowState::default()
    );
    assert!(store.export().unwrap().is_empty());
    assert_eq!(store.export_json().unwrap(), "[]");
    assert_eq!(format!("{store:?}"), "Store { .. }");
}

#[test]
fn refuses_a_newer_schema_and_migrates_an_unversioned_store() {
    let dir = TempDir::new().unwrap();
    {
        let store = open(&dir);
        follow(&store, 1, 10, "fargo", "all");
        store.meta.insert(SCHEMA_KEY, &99u32.to_be_bytes()).unwrap();
        store.flush().unwrap();
    }
    let err = Store::open(&dir.path().join("db"), 4).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::SchemaTooNew {
                found: 99,
                supported: SCHEMA_VERSION
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("run a newer trakt-herald"),
        "{err}"
    );

    // Remove the version (and the index, which such a store predates): a
    // non-empty store without one is migrated, data kept, index built.
    {
        let db = sled::open(dir.path().join("db")).unwrap();
        db.open_tree("meta").unwrap().remove(SCHEMA_KEY).unwrap();
        db.open_tree("followers").unwrap().clear().unwrap();
        db.flush().unwrap();
    }
    let store = open(&dir);
    assert_eq!(
        store.meta.get(SCHEMA_KEY).unwrap().unwrap().as_ref(),
        SCHEMA_VERSION.to_be_bytes()
    );
    assert_eq!(store.channel_follows(ChannelId(10)).unwrap().len(), 1);
    let shows = store.followed_shows().unwrap();
    assert_eq!(shows.len(), 1);
    assert_eq!(shows[0].channels, vec![(ChannelId(10), actions("all"))]);

    store.meta.insert(SCHEMA_KEY, &b"x"[..]).unwrap();
    store.flush().unwrap();
    drop(store);
    let err = Store::open(&dir.path().join("db"), 4).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
}

/// Write the subscriptions of a version-1 store by hand, as that build did:
/// `subs` and its two key indexes, `shows`, version 1, no `followers` tree.
fn write_v1_store(path: &std::path::Path, subs: &[Subscription], states: &[(ShowRef, ShowState)]) {
    let db = sled::open(path).unwrap();
    let tree = |name: &str| db.open_tree(name).unwrap();
    for sub in subs {
        tree("subs")
            .insert(keys::sub(&sub.show, sub.channel), encode(sub).unwrap())
            .unwrap();
        tree("subs_by_channel")
            .insert(keys::by_channel(sub.channel, &sub.show), &[][..])
            .unwrap();
        tree("subs_by_guild")
            .insert(keys::by_guild(sub.guild, sub.channel, &sub.show), &[][..])
            .unwrap();
    }
    for (show, state) in states {
        tree("shows")
            .insert(keys::show(show), encode(state).unwrap())
            .unwrap();
    }
    tree("meta")
        .insert(SCHEMA_KEY, &1u32.to_be_bytes())
        .unwrap();
    db.flush().unwrap();
}

#[test]
fn a_version_1_store_gets_its_followers_index_built() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("db");
    let watermark = ShowState {
        watermark: Some(TraktTime(40)),
        ..ShowState::default()
    };
    write_v1_store(
        &path,
        &[
            sub_of(10, "fargo", "seen", SubState::Active),
            sub_of(11, "fargo", "shout,rating", SubState::Active),
            sub_of(12, "fargo", "all", SubState::Paused { since: 3 }),
            sub_of(
                12,
                "lost",
                "all",
                SubState::Disabled {
                    reason: "404".into(),
                    since: 3,
                },
            ),
            sub_of(10, "153021", "review", SubState::Active),
        ],
        &[(slug("fargo"), watermark.clone())],
    );

    let store = Store::open(&path, 4).unwrap();
    assert_eq!(
        store.meta.get(SCHEMA_KEY).unwrap().unwrap().as_ref(),
        SCHEMA_VERSION.to_be_bytes()
    );
    assert_eq!(
        store.tree(TreeId::Followers).len(),
        2,
        "one record per show with an active subscription"
    );
    let shows = store.followed_shows().unwrap();
    let names: Vec<String> = shows.iter().map(|s| s.show.to_string()).collect();
    assert_eq!(names, ["153021", "fargo"]);
    assert_eq!(shows[0].channels, vec![(ChannelId(10), actions("review"))]);
    assert_eq!(shows[1].wanted, actions("seen,shout,rating"));
    assert_eq!(
        shows[1].channels,
        vec![
            (ChannelId(10), actions("seen")),
            (ChannelId(11), actions("shout,rating"))
        ]
    );
    assert_eq!(shows[1].state, watermark);

    // The index is maintained from here on, and survives a reopen unchanged.
    follow(&store, 1, 12, "lost", "seen");
    drop(store);
    let store = Store::open(&path, 4).unwrap();
    let shows = store.followed_shows().unwrap();
    let names: Vec<String> = shows.iter().map(|s| s.show.to_string()).collect();
    assert_eq!(names, ["153021", "fargo", "lost"]);
    assert_eq!(shows[1].channels.len(), 2, "the paused one stays paused");
    assert_eq!(shows[2].channels, vec![(ChannelId(12), actions("seen"))]);
}

#[test]
fn reopening_keeps_everything_and_ids_stay_monotonic() {
    let dir = TempDir::new().unwrap();
    let first_ids;
    {
        let store = open(&dir);
        let mut f = new_follow(1, 10, "fargo", "all");
        f.start_watermark = Some(TraktTime(50));
        store.follow(f).unwrap();
        follow(&store, 1, 11, "lost", "seen");
        store.record_show_failure(&slug("lost"), 99).unwrap();
        commit(
            &store,
            vec![
                item("fargo", activity(1, 100, "seen", "fargo"), &[10]),
                item("fargo", activity(2, 101, "seen", "fargo"), &[10]),
            ],
            &[("fargo", 300)],
            1_000,
        );
        first_ids = store.pending(ChannelId(10), 10).unwrap();
        store
            .set_in_flight(
                ChannelId(10),
                &InFlight {
                    ids: vec![first_ids[0].id],
                    nonce: "n1".into(),
                },
            )
            .unwrap();
        store.flush().unwrap();
    }
    let store = open(&dir);
    assert_eq!(store.channel_follows(ChannelId(10)).unwrap().len(), 1);
    assert_eq!(
        store.channel_follows(ChannelId(11)).unwrap()[0].actions,
        actions("seen")
    );
    assert_eq!(
        store.show_state(&slug("fargo")).unwrap().watermark,
        Some(TraktTime(300))
    );
    assert_eq!(store.show_state(&slug("lost")).unwrap().failures, 1);
    assert!(store
        .is_recorded(&slug("fargo"), &ActivityKey("episode:1".into()))
        .unwrap());
    assert_eq!(store.pending(ChannelId(10), 10).unwrap(), first_ids);
    assert_eq!(
        store.in_flight(ChannelId(10)).unwrap(),
        Some(InFlight {
            ids: vec![first_ids[0].id],
            nonce: "n1".into()
        })
    );
    // New entries after the restart sort after the old ones.
    commit(
        &store,
        vec![item("fargo", activity(3, 102, "seen", "fargo"), &[10])],
        &[],
        2_000,
    );
    let entries = store.pending(ChannelId(10), 10).unwrap();
    assert_eq!(entries.len(), 3);
    assert!(entries[2].id > entries[1].id);
    assert_eq!(pending_ids(&store, 10), [1, 2, 3]);
}

#[test]
fn outbox_order_survives_several_restarts() {
    let dir = TempDir::new().unwrap();
    for round in 0..4u64 {
        let store = open(&dir);
        if round == 0 {
            follow(&store, 1, 10, "fargo", "all");
            follow(&store, 1, 11, "fargo", "all");
        }
        commit(
            &store,
            vec![
                item(
                    "fargo",
                    activity(round * 2 + 1, 1, "seen", "fargo"),
                    &[10, 11],
                ),
                item("fargo", activity(round * 2 + 2, 1, "seen", "fargo"), &[11]),
            ],
            &[],
            1,
        );
        // Dropped without an explicit flush: sled flushes on close.
    }
    let store = open(&dir);
    assert_eq!(pending_ids(&store, 10), [1, 3, 5, 7]);
    assert_eq!(pending_ids(&store, 11), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(
        store.pending_channels().unwrap(),
        [ChannelId(10), ChannelId(11)]
    );
}

/// A version-4 store kept one `followers` entry per active subscription
/// (show + channel → the actions' bits); version 5 packs them into one
/// record per show, from the old entries alone (a damaged subscription is
/// never read), and the old entries are gone.
#[test]
fn a_version_4_store_gets_its_followers_packed_per_show() {
    let dir = TempDir::new().unwrap();
    {
        let store = open(&dir);
        follow(&store, 1, 10, "fargo", "seen");
        follow(&store, 1, 11, "fargo", "shout,rating");
        follow(&store, 1, 12, "lost", "all");
        store.pause(ChannelId(12), &slug("lost"), 5).unwrap();
        let followers = store.tree(TreeId::Followers);
        followers.clear().unwrap();
        for (channel, show, acts) in [(10, "fargo", "seen"), (11, "fargo", "shout,rating")] {
            followers
                .insert(
                    keys::sub(&slug(show), ChannelId(channel)),
                    &actions(acts).bits().to_be_bytes()[..],
                )
                .unwrap();
        }
        store
            .tree(TreeId::Subs)
            .insert(keys::sub(&slug("lost"), ChannelId(12)), &b"\x01{"[..])
            .unwrap();
        store.meta.insert(SCHEMA_KEY, &4u32.to_be_bytes()).unwrap();
        store.flush().unwrap();
    }
    let store = open(&dir);
    assert_eq!(
        store.meta.get(SCHEMA_KEY).unwrap().unwrap().as_ref(),
        SCHEMA_VERSION.to_be_bytes()
    );
    let keys: Vec<Vec<u8>> = store
        .tree(TreeId::Followers)
        .iter()
        .keys()
        .map(|k| k.unwrap().to_vec())
        .collect();
    assert_eq!(
        keys,
        vec![keys::show(&slug("fargo"))],
        "the paused show has none"
    );
    let shows = store.followed_shows().unwrap();
    assert_eq!(shows.len(), 1);
    assert_eq!(
        shows[0].channels,
        vec![
            (ChannelId(10), actions("seen")),
            (ChannelId(11), actions("shout,rating"))
        ]
    );
    assert_eq!(shows[0].wanted, actions("seen,shout,rating"));
}

/// A crash between two of the version-5 migration's batches leaves some
/// shows packed and others not (and, were a batch ever cut inside a show, a
/// record with old entries after it): the rerun finishes the job.
#[test]
fn a_version_5_migration_cut_short_finishes_on_the_next_open() {
    let dir = TempDir::new().unwrap();
    {
        let store = open(&dir);
        follow(&store, 1, 10, "fargo", "seen");
        follow(&store, 1, 11, "fargo", "shout");
        follow(&store, 1, 12, "lost", "all");
        let followers = store.tree(TreeId::Followers);
        followers.clear().unwrap();
        // fargo: channel 10 already packed, channel 11 still an old entry.
        let record = super::super::followers::encode(&[(ChannelId(10), actions("seen"))]).unwrap();
        followers
            .insert(keys::show(&slug("fargo")), record)
            .unwrap();
        followers
            .insert(
                keys::sub(&slug("fargo"), ChannelId(11)),
                &actions("shout").bits().to_be_bytes()[..],
            )
            .unwrap();
        // lost: not packed yet.
        followers
            .insert(
                keys::sub(&slug("lost"), ChannelId(12)),
                &actions("all").bits().to_be_bytes()[..],
            )
            .unwrap();
        store.meta.insert(SCHEMA_KEY, &4u32.to_be_bytes()).unwrap();
        store.flush().unwrap();
    }
    let store = open(&dir);
    assert_eq!(
        store.tree(TreeId::Followers).len(),
        2,
        "one record per show"
    );
    let shows: Vec<(String, Vec<(ChannelId, ActionSet)>)> = store
        .followed_shows()
        .unwrap()
        .into_iter()
        .map(|f| (f.show.to_string(), f.channels))
        .collect();
    assert_eq!(
        shows,
        vec![
            (
                "fargo".to_owned(),
                vec![
                    (ChannelId(10), actions("seen")),
                    (ChannelId(11), actions("shout"))
                ]
            ),
            ("lost".to_owned(), vec![(ChannelId(12), actions("all"))]),
        ]
    );
}
