use super::*;
use crate::activity::TraktTime;
use crate::trakt::v2::users::UserProfile;

fn fixture<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let path = format!(
        "{}/tests/fixtures/trakt-v2/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("parses")
}

fn by() -> activity::User {
    let p: UserProfile = fixture("user-profile.json");
    activity::User {
        username: p.user.username.clone().unwrap_or_default(),
        display_name: p.user.name.clone(),
        avatar: p.avatar().map(str::to_owned),
        profile_url: web::profile("moonfield"),
        deleted: false,
    }
}

#[test]
fn history_actions_map_to_scrobble_checkin_and_seen_with_unique_keys() {
    let items: Vec<HistoryItem> = fixture("user-history.json");
    let acts: Vec<Activity> = items.iter().filter_map(|h| history(h, &by())).collect();
    assert_eq!(acts.len(), items.len());
    let actions: Vec<Action> = acts.iter().map(|a| a.action).collect();
    assert_eq!(
        actions,
        [
            Action::Scrobble,
            Action::Checkin,
            Action::Seen,
            Action::Scrobble,
            Action::Seen
        ]
    );
    assert_eq!(acts[0].key, ActivityKey::history(11248830019));
    assert_eq!(acts[0].time, time(items[0].watched_at));
    let Subject::Movie { movie } = &acts[2].subject else {
        panic!("a movie is a movie: {:?}", acts[2].subject);
    };
    assert_eq!(movie.title.as_deref(), Some("TRON: Legacy"));
    assert_eq!(
        movie.url.as_deref(),
        Some("https://trakt.tv/movies/tron-legacy-2010")
    );
    assert!(acts[0].is_about(&crate::trakt::ShowRef::Trakt(1393)));
    assert_eq!(acts[0].user.avatar, by().avatar);
    let unknown = HistoryItem {
        action: "teleport".into(),
        ..items[0].clone()
    };
    assert!(history(&unknown, &by()).is_none());
}

#[test]
fn ratings_carry_the_score_and_a_key_of_user_item_and_time() {
    let items: Vec<RatedItem> = fixture("user-ratings.json");
    let acts: Vec<Activity> = items
        .iter()
        .filter_map(|r| rating(r, "moonfield", &by()))
        .collect();
    assert_eq!(acts.len(), 4);
    assert_eq!(acts[0].rating, Score::new(9).map(Rating::Score));
    assert_eq!(
        acts[0].key,
        ActivityKey::rating("moonfield", "episode", 5310023, time(items[0].rated_at))
    );
    assert!(matches!(acts[2].subject, Subject::Movie { .. }));
    assert!(matches!(acts[3].subject, Subject::Season { .. }));
    // A changed rating (new rated_at) is a new key.
    let changed = RatedItem {
        rated_at: items[1].rated_at,
        ..items[0].clone()
    };
    assert_ne!(
        rating(&changed, "moonfield", &by()).map(|a| a.key),
        Some(acts[0].key.clone())
    );
}

#[test]
fn watchlist_and_watching_map() {
    let items: Vec<ListItem> = fixture("user-watchlist.json");
    let acts: Vec<Activity> = items
        .iter()
        .filter_map(|i| watchlist(i, "moonfield", &by()))
        .collect();
    assert_eq!(acts.len(), 3);
    assert_eq!(acts[0].key, ActivityKey::watchlist("moonfield", 808113307));
    assert_eq!(acts[0].action, Action::Watchlist);
    assert_eq!(
        acts[1].list_item.as_ref().and_then(|l| l.notes.as_deref()),
        Some("After the BB rewatch")
    );
    let now: Watching = fixture("user-watching.json");
    let a = watching(&now, "moonfield", &by()).expect("an episode");
    assert_eq!(a.action, Action::Watching);
    assert_eq!(
        a.key,
        ActivityKey::user_watching("moonfield", "episode", 5310024, time(now.started_at))
    );
    assert!(a.time > TraktTime(0));
}
