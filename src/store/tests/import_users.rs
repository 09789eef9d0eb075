//! Store tests: user follows in export files and their import.

use super::users::{commit, moon, new_user_follow, pending_keys, user_activity};
use super::*;
use crate::trakt::v2::UserSlug;
use crate::trakt::Action;

/// A store with two shows and three user follows (one paused).
fn source(dir: &TempDir) -> Store {
    let store = open(dir);
    follow(&store, 1, 10, "fargo", "seen,shout");
    follow(&store, 2, 20, "lost", "all");
    store
        .follow_user(new_user_follow(1, 10, "seen,rating", 100))
        .unwrap();
    store
        .follow_user(new_user_follow(1, 11, "checkin", 100))
        .unwrap();
    let mut kai = new_user_follow(2, 20, "watchlist", 100);
    kai.user = UserSlug("kaiton".into());
    kai.profile.username = "KaitoN".into();
    store.follow_user(kai).unwrap();
    store.pause_user(ChannelId(11), &moon(), 5).unwrap();
    store
}

#[test]
fn user_follows_round_trip_through_an_export_and_an_import_is_idempotent() {
    let dir = TempDir::new().unwrap();
    let from = source(&dir);
    let json = from.export_json().unwrap();
    assert!(json.contains("\"user\": \"kaiton\""), "{json}");
    let file = Store::parse_import_file(&json).unwrap();
    assert_eq!((file.subs.len(), file.users.len()), (2, 3));
    assert_eq!(file.users, from.export_user_follows().unwrap());

    let dir = TempDir::new().unwrap();
    let to = open(&dir);
    assert_eq!(
        to.import_file(file.clone(), IMPORT_CHUNK, |_| {}).unwrap(),
        5
    );
    assert_eq!(to.export_json().unwrap(), json);
    assert_eq!(to.guild_follow_count(GuildId(1)).unwrap(), 3);
    let polled: Vec<String> = to
        .followed_users()
        .unwrap()
        .iter()
        .map(|f| format!("{} {}", f.user, f.subs.len()))
        .collect();
    assert_eq!(
        polled,
        ["kaiton 1", "moonfield 1"],
        "the paused one is not polled"
    );
    assert_eq!(to.import_file(file, IMPORT_CHUNK, |_| {}).unwrap(), 0);
    assert_eq!(to.export_json().unwrap(), json);
}

#[test]
fn an_old_export_without_users_still_imports() {
    let dir = TempDir::new().unwrap();
    let from = open(&dir);
    follow(&from, 1, 10, "fargo", "seen,shout");
    let old = serde_json::to_string_pretty(&from.export().unwrap()).unwrap();
    let file = Store::parse_import_file(&old).unwrap();
    assert!(file.users.is_empty());
    let dir = TempDir::new().unwrap();
    let to = open(&dir);
    assert_eq!(to.import_file(file, 10, |_| {}).unwrap(), 1);
    assert_eq!(to.export().unwrap(), from.export().unwrap());
}

#[test]
fn a_bad_user_follow_names_its_line_and_nothing_is_written() {
    let dir = TempDir::new().unwrap();
    let json = source(&dir).export_json().unwrap();
    let line_of = |needle: &str| {
        json.lines()
            .position(|l| l.contains(needle))
            .map(|i| i + 1)
            .unwrap()
    };
    let cases = [
        (
            json.replacen("\"user\": \"kaiton\"", "\"user\": \"Kai Ton\"", 1),
            "slug",
        ),
        (
            json.replacen(
                "\"user\": \"kaiton\"",
                "\"user\": \"kaiton\", \"colour\": 1",
                1,
            ),
            "unknown field `colour`",
        ),
        (json.replacen("\"watchlist\"", "\"dance\"", 1), "dance"),
        (
            json.replacen("\"channel\": 11", "\"channel\": 10", 1),
            "twice",
        ),
    ];
    for (text, needle) in cases {
        match Store::parse_import_file(&text) {
            Err(StoreError::Import { line, reason }) => {
                assert!(reason.contains(needle), "{needle}: {reason}");
                assert!(line > 1, "{needle}: line {line}");
            }
            other => panic!("{needle}: {other:?}"),
        }
    }
    let text = json.replacen("\"user\": \"kaiton\"", "\"user\": \"Kai Ton\"", 1);
    let StoreError::Import { line, .. } = Store::parse_import_file(&text).unwrap_err() else {
        panic!("an import error");
    };
    assert_eq!(
        line,
        line_of("\"user\": \"kaiton\"") - 1,
        "the element's line"
    );
    // A file built in code is validated too, before anything is written.
    let mut file = Store::parse_import_file(&json).unwrap();
    file.users[0].user = UserSlug("a b".into());
    let dir = TempDir::new().unwrap();
    let to = open(&dir);
    assert!(matches!(
        to.import_file(file.clone(), 1, |_| {}),
        Err(StoreError::InvalidSubscription { .. })
    ));
    file.users[0].user = moon();
    let kai = file
        .users
        .iter_mut()
        .find(|u| u.user.0 == "kaiton")
        .unwrap();
    kai.guild = GuildId(1); // channel 20 is in guild 2 (the show `lost`)
    match to.import_file(file, 1, |_| {}) {
        Err(StoreError::InvalidSubscription { reason, .. }) => {
            assert!(reason.contains("guild"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert!(to.export().unwrap().is_empty());
    assert!(to.export_user_follows().unwrap().is_empty());
    // The show-only parser refuses user follows rather than dropping them.
    assert!(Store::parse_import(&json).is_err());
}

#[test]
fn a_chunked_import_cut_short_and_rerun_equals_a_one_shot_import() {
    let dir = TempDir::new().unwrap();
    let file = Store::parse_import_file(&source(&dir).export_json().unwrap()).unwrap();
    let one_dir = TempDir::new().unwrap();
    let one = open(&one_dir);
    let n = one.import_file(file.clone(), usize::MAX, |_| {}).unwrap();
    let cut_dir = TempDir::new().unwrap();
    let cut = open(&cut_dir);
    // Chunks of one: fargo, lost, kaiton, moonfield (two follows, one chunk).
    let mut chunks = Vec::new();
    cut.import_file(file.clone(), 1, |p| chunks.push((p.chunk, p.done)))
        .unwrap();
    assert_eq!(chunks, [(1, 1), (2, 2), (3, 3), (4, 5)]);
    let crash_dir = TempDir::new().unwrap();
    let crash = open(&crash_dir);
    let first = crash
        .import_file_in_chunks(file.clone(), 1, Some(3))
        .unwrap();
    assert_eq!(crash.export_user_follows().unwrap().len(), 1, "kaiton only");
    let rest = crash.import_file(file, 1, |_| {}).unwrap();
    assert_eq!(first + rest, n);
    for store in [&cut, &crash] {
        assert_eq!(store.export_json().unwrap(), one.export_json().unwrap());
        assert_eq!(
            store.user_state(&moon()).unwrap(),
            one.user_state(&moon()).unwrap()
        );
    }
}

#[test]
fn an_import_restarting_a_user_clears_stale_marks_and_a_paused_one_drops_its_posts() {
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
    assert_eq!(pending_keys(&store, 10), ["history:1"]);
    let active = Store::parse_import_file(&store.export_json().unwrap()).unwrap();
    // Imported as paused: its pending post goes.
    let mut paused = active.clone();
    paused.users[0].state = SubState::Paused { since: 9 };
    assert_eq!(store.import_file(paused, 10, |_| {}).unwrap(), 1);
    assert!(pending_keys(&store, 10).is_empty());
    assert!(store.followed_users().unwrap().is_empty());
    assert!(store.user_state(&moon()).unwrap().marks.history.is_some());
    // Made active again by a file: the user was not polled, so its marks
    // are stale and cleared (the first poll posts nothing).
    assert_eq!(store.import_file(active, 10, |_| {}).unwrap(), 1);
    assert_eq!(store.user_state(&moon()).unwrap(), UserState::default());
    assert_eq!(store.followed_users().unwrap().len(), 1);
}
