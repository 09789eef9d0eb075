//! The Trakt client against the fake Trakt: every fixture parses into the
//! model (with its content checked), URL shapes, paging back, dedupe, every
//! error path, and that the API key never leaks into errors or logs.

use std::collections::HashSet;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use trakt_herald::trakt::model::Love;
use trakt_herald::trakt::{
    client::{FetchOptions, Pages},
    Action, ActionSet, Activity, Fetched, ItemType, RetryPolicy, ShowRef, TraktClient, TraktError,
    TraktTime,
};

use crate::support::fake_trakt::{fixture, FailKind, FakeTrakt, SHOW_NOT_FOUND_BODY};

const KEY: &str = "k3yS3cr3t0123456789abcdefXYZ";

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        overloaded_delay: Duration::from_millis(10),
        ..RetryPolicy::v1()
    }
}

fn client_with(base_url: &str, key: &str, timeout: Duration) -> TraktClient {
    TraktClient::with_options(base_url, key, timeout, 1000.0, fast_retry()).expect("client")
}

fn client(fake: &FakeTrakt) -> TraktClient {
    client_with(&fake.base_url(), KEY, Duration::from_secs(5))
}

fn show(s: &str) -> ShowRef {
    ShowRef::parse(s).expect("valid show")
}

fn twd() -> ShowRef {
    show("the-walking-dead")
}

fn path(rest: &str) -> String {
    format!("/activity/shows.json/{KEY}/{rest}")
}

/// Serve one fixture and fetch it for the-walking-dead.
async fn fetch_fixture(name: &str) -> Fetched {
    let fake = FakeTrakt::start(KEY).await;
    fake.push_response(200, fixture(name), None);
    let fetched = client(&fake)
        .fetch(&[twd()], ActionSet::all(), None)
        .await
        .expect(name);
    assert_eq!(fetched.skipped, 0, "{name}: every item parses");
    fetched
}

fn by_id(activities: &[Activity], id: u64) -> &Activity {
    activities
        .iter()
        .find(|a| a.id == Some(id))
        .unwrap_or_else(|| panic!("activity {id} is there"))
}

const ACTIVITY_FIXTURES: [&str; 17] = [
    "watching.json",
    "scrobble.json",
    "checkin.json",
    "seen.json",
    "collection.json",
    "rating.json",
    "watchlist.json",
    "shout.json",
    "review.json",
    "created.json",
    "item_added.json",
    "batch-two-shows.json",
    "empty.json",
    "overlap-poll-1.json",
    "overlap-poll-2.json",
    "full-100.json",
    "full-100-page2.json",
];

#[tokio::test]
async fn every_activity_fixture_parses_completely() {
    for name in ACTIVITY_FIXTURES {
        let raw: serde_json::Value = serde_json::from_str(&fixture(name)).expect("json");
        let raw_items = raw["activity"].as_array().expect("activity array");
        let start = raw["timestamps"]["start"].as_i64().expect("start");
        let current = raw["timestamps"]["current"].as_i64().expect("current");
        let fetched = fetch_fixture(name).await;
        assert_eq!(fetched.current, TraktTime(current), "{name}");
        assert_eq!(fetched.activities.len(), raw_items.len(), "{name}");
        // A full page is followed by a page back (answered empty here).
        let pages = if raw_items.len() == 100 { 2 } else { 1 };
        assert_eq!(fetched.requests, pages, "{name}");
        let keys: HashSet<_> = fetched.activities.iter().map(Activity::key).collect();
        assert_eq!(keys.len(), raw_items.len(), "{name}: keys are distinct");
        for a in &fetched.activities {
            assert!(a.key().0.starts_with(&format!("{}:", a.kind)), "{name}");
            assert!((start..=current).contains(&a.timestamp), "{name}");
            assert!(a.action.allows(a.kind), "{name}");
            assert!(!a.user.username.is_empty(), "{name}");
        }
        let times: Vec<_> = fetched.activities.iter().map(|a| a.timestamp).collect();
        let mut sorted = times.clone();
        sorted.sort();
        assert_eq!(times, sorted, "{name}: oldest first");
    }
}

#[tokio::test]
async fn watching_episode_and_movie() {
    let f = fetch_fixture("watching.json").await;
    let ep = by_id(&f.activities, 7_801_452);
    assert_eq!((ep.kind, ep.action), (ItemType::Episode, Action::Watching));
    assert_eq!(ep.timestamp, 1_384_741_560);
    let s = ep.show.as_ref().expect("show");
    assert_eq!(s.title.as_deref(), Some("The Walking Dead"));
    assert_eq!(s.year, Some(2010));
    assert_eq!(s.slug(), Some("the-walking-dead"));
    assert_eq!(s.tvdb_id, Some(153_021), "a string id is read as a number");
    assert_eq!(s.imdb_id.as_deref(), Some("tt1520211"));
    let images = s.images.as_ref().expect("images");
    assert_eq!(
        images.poster.as_deref(),
        Some("http://slurm.trakt.us/images/posters/124.47.jpg")
    );
    let e = ep.episode.as_ref().expect("episode");
    assert_eq!((e.season, e.number), (Some(4), Some(6)));
    assert_eq!(e.title.as_deref(), Some("Live Bait"));
    assert_eq!(ep.user.username, "couchpilot");
    assert_eq!(ep.user.full_name.as_deref(), Some("Dana Whitfield"));
    assert_eq!(
        ep.user.url.as_deref(),
        Some("http://trakt.tv/user/couchpilot")
    );
    assert!(!ep.user.protected);
    assert!(ep.is_about(&twd()));
    assert!(ep.is_about(&ShowRef::Tvdb(153_021)));

    let mv = by_id(&f.activities, 3_120_771);
    assert_eq!((mv.kind, mv.action), (ItemType::Movie, Action::Watching));
    let m = mv.movie.as_ref().expect("movie");
    assert_eq!(m.title.as_deref(), Some("Batman Begins"));
    assert_eq!(m.year, Some(2005));
    assert_eq!(m.imdb_id.as_deref(), Some("tt0372784"));
    assert_eq!(m.tmdb_id, Some(272), "tmdb_id as a string");
    assert!(mv.show.is_none() && mv.episode.is_none());
    assert!(!mv.is_about(&twd()));
    assert_eq!(mv.user.full_name.as_deref(), Some("Sam K."));
}

#[tokio::test]
async fn scrobble_reads_the_duplicate_episode_key_and_watched() {
    let f = fetch_fixture("scrobble.json").await;
    let ep = by_id(&f.activities, 7_801_507);
    assert_eq!((ep.kind, ep.action), (ItemType::Episode, Action::Scrobble));
    let e = ep.episode.as_ref().expect("episode");
    assert_eq!((e.season, e.number), (Some(1), Some(2)));
    assert_eq!(e.title.as_deref(), Some("Guts"));
    assert_eq!(ep.watched, Some(1_384_746_780));
    assert_eq!(ep.user.username, "marathon_mara");
    assert_eq!(ep.user.full_name, None, "an empty full name is absent");
    assert_eq!(
        ep.user.avatar.as_deref(),
        Some("http://slurm.trakt.us/images/avatar-large.jpg")
    );
    let mv = by_id(&f.activities, 3_120_802);
    let m = mv.movie.as_ref().expect("movie");
    assert_eq!(m.title.as_deref(), Some("Inception"));
    assert_eq!(m.tmdb_id, Some(27_205));
    assert_eq!(mv.watched, Some(1_384_744_200));
}

#[tokio::test]
async fn checkin_with_numeric_tmdb_id() {
    let f = fetch_fixture("checkin.json").await;
    let ep = by_id(&f.activities, 7_801_633);
    assert_eq!((ep.kind, ep.action), (ItemType::Episode, Action::Checkin));
    let e = ep.episode.as_ref().expect("episode");
    assert_eq!((e.season, e.number), (Some(3), Some(1)));
    assert_eq!(e.title.as_deref(), Some("Seed"));
    assert_eq!(ep.user.username, "binge_becky");
    let mv = by_id(&f.activities, 3_120_840);
    assert_eq!((mv.kind, mv.action), (ItemType::Movie, Action::Checkin));
    let m = mv.movie.as_ref().expect("movie");
    assert_eq!(m.title.as_deref(), Some("Dinner for Schmucks"));
    assert_eq!(m.tmdb_id, Some(38_778), "tmdb_id as a number");
    assert_eq!(mv.user.full_name, None);
}

#[tokio::test]
async fn seen_and_collection_carry_episode_lists() {
    let seen = fetch_fixture("seen.json").await;
    let one = by_id(&seen.activities, 7_801_700);
    assert_eq!((one.kind, one.action), (ItemType::Episode, Action::Seen));
    assert!(one.episode.is_none());
    assert_eq!(one.episodes.len(), 1);
    assert_eq!(
        (one.episodes[0].season, one.episodes[0].number),
        (Some(1), Some(1))
    );
    assert_eq!(one.episodes[0].title.as_deref(), Some("Days Gone Bye"));
    let three = by_id(&seen.activities, 7_801_688);
    assert_eq!(
        three
            .episodes
            .iter()
            .map(|e| (e.season, e.number))
            .collect::<Vec<_>>(),
        vec![(Some(2), Some(1)), (Some(2), Some(2)), (Some(2), Some(3))]
    );
    assert_eq!(
        three.episodes[2].title.as_deref(),
        Some("Save the Last One")
    );
    let mv = by_id(&seen.activities, 3_120_871);
    assert_eq!((mv.kind, mv.action), (ItemType::Movie, Action::Seen));
    assert_eq!(
        mv.movie.as_ref().and_then(|m| m.title.as_deref()),
        Some("Batman Begins")
    );

    let coll = fetch_fixture("collection.json").await;
    let six = by_id(&coll.activities, 7_801_802);
    assert_eq!(six.action, Action::Collection);
    assert_eq!(six.episodes.len(), 6);
    assert_eq!(
        six.episodes.iter().map(|e| e.number).collect::<Vec<_>>(),
        (1..=6).map(Some).collect::<Vec<_>>()
    );
    assert!(six.episodes.iter().all(|e| e.season == Some(1)));
    assert_eq!(six.episodes[5].title.as_deref(), Some("TS-19"));
    let single = by_id(&coll.activities, 7_801_790);
    assert_eq!(single.episodes.len(), 1);
    assert_eq!(
        single.episodes[0].title.as_deref(),
        Some("30 Days Without an Accident")
    );
    let mv = by_id(&coll.activities, 3_120_905);
    assert_eq!((mv.kind, mv.action), (ItemType::Movie, Action::Collection));
    assert_eq!(
        mv.movie.as_ref().and_then(|m| m.title.as_deref()),
        Some("Inception")
    );
}

#[tokio::test]
async fn ratings_simple_and_advanced() {
    let f = fetch_fixture("rating.json").await;
    let love = by_id(&f.activities, 7_801_911);
    assert_eq!(
        (love.kind, love.action),
        (ItemType::Episode, Action::Rating)
    );
    assert_eq!(love.rating, Some(Love::Love));
    assert_eq!(love.rating_advanced, Some(10));
    assert!(!love.use_rating_advanced);
    assert_eq!(
        love.episode.as_ref().and_then(|e| e.title.as_deref()),
        Some("Internment")
    );
    let hate = by_id(&f.activities, 3_120_950);
    assert_eq!(
        (hate.kind, hate.rating),
        (ItemType::Movie, Some(Love::Hate))
    );
    assert_eq!(hate.rating_advanced, Some(1));
    assert!(!hate.use_rating_advanced);
    let nine = by_id(&f.activities, 612_004);
    assert_eq!((nine.kind, nine.action), (ItemType::Show, Action::Rating));
    assert_eq!(nine.rating_advanced, Some(9));
    assert!(nine.use_rating_advanced);
    assert!(nine.episode.is_none());
    assert!(nine.is_about(&twd()));
    let three = by_id(&f.activities, 7_801_899);
    assert_eq!(three.rating, Some(Love::Hate));
    assert_eq!(three.rating_advanced, Some(3));
    assert!(three.use_rating_advanced);
    assert_eq!(
        three.episode.as_ref().map(|e| (e.season, e.number)),
        Some((Some(1), Some(4)))
    );
}

#[tokio::test]
async fn watchlist_of_each_type() {
    let f = fetch_fixture("watchlist.json").await;
    let ep = by_id(&f.activities, 7_802_010);
    assert_eq!((ep.kind, ep.action), (ItemType::Episode, Action::Watchlist));
    assert!(ep.show.is_some() && ep.episode.is_some());
    let mv = by_id(&f.activities, 3_121_001);
    assert_eq!(mv.kind, ItemType::Movie);
    assert_eq!(
        mv.movie.as_ref().and_then(|m| m.title.as_deref()),
        Some("Inception")
    );
    let sh = by_id(&f.activities, 612_051);
    assert_eq!((sh.kind, sh.action), (ItemType::Show, Action::Watchlist));
    assert!(sh.episode.is_none() && sh.movie.is_none());
    assert_eq!(
        sh.show.as_ref().and_then(|s| s.title.as_deref()),
        Some("The Walking Dead")
    );
}

#[tokio::test]
async fn shouts_with_spoiler_flags() {
    let f = fetch_fixture("shout.json").await;
    let ep = by_id(&f.activities, 7_802_104);
    assert_eq!((ep.kind, ep.action), (ItemType::Episode, Action::Shout));
    let shout = ep.shout.as_ref().expect("shout");
    assert_eq!(shout.id, Some(240_117));
    assert_eq!(
        shout.text.as_deref(),
        Some("That cold open was the best five minutes of the season so far.")
    );
    assert!(!shout.spoiler);
    let mv = by_id(&f.activities, 3_121_044);
    assert_eq!(mv.kind, ItemType::Movie);
    let shout = mv.shout.as_ref().expect("shout");
    assert!(!shout.spoiler);
    assert!(shout
        .text
        .as_deref()
        .is_some_and(|t| t.starts_with("Still the best origin story")));
    let sh = by_id(&f.activities, 612_090);
    assert_eq!(sh.kind, ItemType::Show);
    let shout = sh.shout.as_ref().expect("shout");
    assert_eq!(shout.id, Some(240_096));
    assert!(shout.spoiler, "the show shout is a spoiler");
    assert!(shout
        .text
        .as_deref()
        .is_some_and(|t| t.contains("drive a stick shift")));
    assert!(sh.review.is_none());
}

#[tokio::test]
async fn reviews_long_text_spoilers_and_newlines() {
    let f = fetch_fixture("review.json").await;
    let ep = by_id(&f.activities, 7_802_201);
    assert_eq!((ep.kind, ep.action), (ItemType::Episode, Action::Review));
    let review = ep.review.as_ref().expect("review");
    assert_eq!(review.id, Some(118_450));
    assert!(!review.spoiler);
    let words = review
        .text
        .as_deref()
        .map_or(0, |t| t.split_whitespace().count());
    assert!(words >= 200, "about 200 words, got {words}");
    let mv = by_id(&f.activities, 3_121_090);
    assert_eq!(mv.kind, ItemType::Movie);
    let review = mv.review.as_ref().expect("review");
    assert!(review.spoiler);
    assert!(review.text.as_deref().is_some_and(|t| t.contains('\n')));
    let sh = by_id(&f.activities, 612_133);
    assert_eq!(sh.kind, ItemType::Show);
    let review = sh.review.as_ref().expect("review");
    assert_eq!(review.id, Some(118_433));
    assert!(!review.spoiler);
    assert!(review
        .text
        .as_deref()
        .is_some_and(|t| t.starts_with("Four seasons in")));
    assert!(sh.shout.is_none());
}

#[tokio::test]
async fn created_lists() {
    let f = fetch_fixture("created.json").await;
    let public = by_id(&f.activities, 90_412);
    assert_eq!(
        (public.kind, public.action),
        (ItemType::List, Action::Created)
    );
    let list = public.list.as_ref().expect("list");
    assert_eq!(
        list.name.as_deref(),
        Some("Zombie Apocalypse Survival Guide")
    );
    assert_eq!(
        list.slug.as_deref(),
        Some("zombie-apocalypse-survival-guide")
    );
    assert_eq!(
        list.url.as_deref(),
        Some("http://trakt.tv/user/couchpilot/list/zombie-apocalypse-survival-guide")
    );
    assert_eq!(list.privacy.as_deref(), Some("public"));
    assert_eq!(
        list.description.as_deref(),
        Some("Shows and movies to study before the dead rise.")
    );
    assert!(public.list_item.is_none());
    let friends = by_id(&f.activities, 90_407);
    let list = friends.list.as_ref().expect("list");
    assert_eq!(list.privacy.as_deref(), Some("friends"));
    assert_eq!(list.description, None, "an empty description is absent");
    assert_eq!(friends.user.username, "remote_rex");
}

#[tokio::test]
async fn item_added_of_each_list_item_type() {
    let f = fetch_fixture("item_added.json").await;
    let show_item = by_id(&f.activities, 90_431);
    assert_eq!(
        (show_item.kind, show_item.action),
        (ItemType::List, Action::ItemAdded)
    );
    assert_eq!(
        show_item.list.as_ref().and_then(|l| l.slug.as_deref()),
        Some("zombie-apocalypse-survival-guide")
    );
    let li = show_item.list_item.as_ref().expect("list_item");
    assert_eq!(li.kind.as_deref(), Some("show"));
    assert_eq!(
        li.show.as_ref().and_then(|s| s.title.as_deref()),
        Some("The Walking Dead")
    );
    assert!(li.episode.is_none() && li.movie.is_none());
    assert!(show_item.is_about(&twd()), "via the list item's show");

    let ep_item = by_id(&f.activities, 90_430);
    let li = ep_item.list_item.as_ref().expect("list_item");
    assert_eq!(li.kind.as_deref(), Some("episode"));
    let e = li.episode.as_ref().expect("episode");
    assert_eq!((e.season, e.number), (Some(1), Some(6)));
    assert_eq!(e.title.as_deref(), Some("TS-19"));
    assert!(ep_item.is_about(&twd()));

    let movie_item = by_id(&f.activities, 90_425);
    let li = movie_item.list_item.as_ref().expect("list_item");
    assert_eq!(li.kind.as_deref(), Some("movie"));
    assert_eq!(
        li.movie.as_ref().and_then(|m| m.title.as_deref()),
        Some("Batman Begins")
    );
    assert!(li.show.is_none());
    assert!(!movie_item.is_about(&twd()));
    assert_eq!(
        movie_item.list.as_ref().and_then(|l| l.name.as_deref()),
        Some("Rewatch in 2014")
    );
}

#[tokio::test]
async fn batch_of_two_shows_and_empty() {
    let f = fetch_fixture("batch-two-shows.json").await;
    assert_eq!(f.activities.len(), 8);
    let bb = show("breaking-bad");
    let about_bb = f.activities.iter().filter(|a| a.is_about(&bb)).count();
    let about_twd = f.activities.iter().filter(|a| a.is_about(&twd())).count();
    assert_eq!((about_bb, about_twd), (5, 3));
    assert_eq!(
        f.activities
            .iter()
            .filter(|a| a.is_about(&ShowRef::Tvdb(81_189)))
            .count(),
        5,
        "the TVDB id names the same show"
    );
    let felina = by_id(&f.activities, 7_802_390);
    assert_eq!(
        felina.episode.as_ref().map(|e| (e.season, e.number)),
        Some((Some(5), Some(16)))
    );
    let coll = by_id(&f.activities, 7_802_330);
    assert_eq!(coll.episodes.len(), 3);

    let empty = fetch_fixture("empty.json").await;
    assert!(empty.activities.is_empty());
    assert_eq!(empty.current, TraktTime(1_384_790_700));
}

#[tokio::test]
async fn url_shapes_for_one_show_a_batch_actions_and_start() {
    let fake = FakeTrakt::start(KEY).await;
    for _ in 0..5 {
        fake.push_response(200, fixture("empty.json"), None);
    }
    let c = client(&fake);
    c.fetch(&[twd()], ActionSet::all(), None)
        .await
        .expect("one");
    c.fetch(
        &[twd(), show("breaking-bad"), show("81189"), twd()],
        ActionSet::all(),
        Some(TraktTime(1_384_783_200)),
    )
    .await
    .expect("batch");
    let seen_shout = ActionSet::parse("shout,seen").expect("actions");
    c.fetch(&[twd()], seen_shout, None).await.expect("actions");
    c.fetch(
        &[twd()],
        ActionSet::parse("seen").expect("seen"),
        Some(TraktTime(1_384_750_800)),
    )
    .await
    .expect("start");
    let info = c.lookup_show(&show("fargo")).await.expect("lookup");
    assert_eq!(info.title, None, "empty activity: a show with nothing new");
    assert_eq!(info.current, TraktTime(1_384_790_700));
    assert_eq!(
        fake.requests(),
        vec![
            path("the-walking-dead"),
            path("breaking-bad,the-walking-dead,81189/all/1384783200"),
            path("the-walking-dead/seen,shout"),
            path("the-walking-dead/seen/1384750800"),
            path("fargo"),
        ]
    );
    assert_eq!(fake.request_count(), 5);
}

#[tokio::test]
async fn fetch_refuses_an_empty_batch_without_a_request() {
    let fake = FakeTrakt::start(KEY).await;
    let err = client(&fake)
        .fetch(&[], ActionSet::all(), None)
        .await
        .expect_err("no shows");
    assert!(matches!(err, TraktError::NoShows), "{err:?}");
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test]
async fn paging_back_over_a_full_page_yields_137() {
    let fake = FakeTrakt::start(KEY).await;
    fake.push_response(200, fixture("full-100.json"), None);
    fake.push_response(200, fixture("full-100-page2.json"), None);
    let f = client(&fake)
        .fetch(&[twd()], ActionSet::all(), Some(TraktTime(1_384_300_800)))
        .await
        .expect("fetch");
    assert_eq!(f.activities.len(), 137);
    assert_eq!(f.requests, 2);
    assert_eq!(f.skipped, 0);
    assert_eq!(
        f.current,
        TraktTime(1_384_819_200),
        "the first page's clock"
    );
    let keys: HashSet<_> = f.activities.iter().map(Activity::key).collect();
    assert_eq!(keys.len(), 137);
    assert!(f
        .activities
        .windows(2)
        .all(|w| (w[0].timestamp, w[0].id) <= (w[1].timestamp, w[1].id)));
    assert_eq!(
        fake.requests(),
        vec![
            path("the-walking-dead/all/1384300800"),
            path("the-walking-dead/all/1384300800/1384648928"),
        ]
    );
}

#[tokio::test]
async fn overlapping_polls_repeat_exactly_two_items() {
    let fake = FakeTrakt::start(KEY).await;
    fake.push_response(200, fixture("overlap-poll-1.json"), None);
    fake.push_response(200, fixture("overlap-poll-2.json"), None);
    let c = client(&fake);
    let first = c
        .fetch(&[twd()], ActionSet::all(), Some(TraktTime(1_384_794_000)))
        .await
        .expect("poll 1");
    let next_start = first.current.minus_secs(60);
    assert_eq!(next_start, TraktTime(1_384_794_840));
    let second = c
        .fetch(&[twd()], ActionSet::all(), Some(next_start))
        .await
        .expect("poll 2");
    let a: HashSet<_> = first.activities.iter().map(Activity::key).collect();
    let b: HashSet<_> = second.activities.iter().map(Activity::key).collect();
    let repeated: Vec<_> = a.intersection(&b).cloned().collect();
    assert_eq!(repeated.len(), 2, "{repeated:?}");
    assert!(repeated.iter().any(|k| k.0 == "episode:7802501"));
    assert!(repeated.iter().any(|k| k.0 == "show:612210"));
    assert_eq!(a.union(&b).count(), 5);
    assert_eq!(fake.requests()[1], path("the-walking-dead/all/1384794840"));
}

#[tokio::test]
async fn unauthorized_is_fatal_and_not_retried() {
    let fake = FakeTrakt::start(KEY).await;
    fake.fail_next(1, FailKind::Unauthorized);
    let c = client(&fake);
    let err = c
        .fetch(&[twd()], ActionSet::all(), None)
        .await
        .expect_err("401");
    assert!(
        matches!(&err, TraktError::Unauthorized { message } if message == "invalid API key"),
        "{err:?}"
    );
    assert!(err.is_fatal() && !err.is_transient());
    assert_eq!(fake.request_count(), 1, "no retry");

    fake.push_response(401, fixture("error-failed-authentication.json"), None);
    let err = c.lookup_show(&twd()).await.expect_err("401");
    assert!(
        matches!(&err, TraktError::Unauthorized { message } if message == "failed authentication"),
        "{err:?}"
    );
    assert_eq!(fake.request_count(), 2, "no retry");

    // Live mode checks the key itself.
    let wrong = client_with(&fake.base_url(), "not-the-key", Duration::from_secs(5));
    let err = wrong
        .fetch(&[twd()], ActionSet::all(), None)
        .await
        .expect_err("wrong key");
    assert!(matches!(err, TraktError::Unauthorized { .. }), "{err:?}");
    assert_eq!(fake.request_count(), 3);
}

#[tokio::test]
async fn transient_failures_are_retried_then_reported() {
    let slow = FailKind::Slow(Duration::from_secs(3));
    let cases = [
        (FailKind::Overloaded, Some(503), "server is over capacity"),
        (FailKind::ServerErrorHtml, Some(500), "the body is HTML"),
        (FailKind::Garbage, Some(200), "the body is not JSON"),
        (FailKind::Truncated, Some(200), "the body is truncated JSON"),
        (slow, None, "timed out"),
    ];
    for (kind, status, needle) in cases {
        let fake = FakeTrakt::start(KEY).await;
        let timeout = if matches!(kind, FailKind::Slow(_)) {
            Duration::from_millis(300)
        } else {
            Duration::from_secs(5)
        };
        let c = client_with(&fake.base_url(), KEY, timeout);

        // Two failures, then success: the third attempt gets through.
        fake.fail_next(2, kind);
        fake.push_response(200, fixture("overlap-poll-1.json"), None);
        let f = c
            .fetch(&[twd()], ActionSet::all(), None)
            .await
            .unwrap_or_else(|e| panic!("{kind:?} then success: {e}"));
        assert_eq!(f.requests, 3, "{kind:?}");
        assert_eq!(f.activities.len(), 3, "{kind:?}");

        // Three failures exhaust the three attempts.
        fake.fail_next(3, kind);
        let err = c
            .fetch(&[twd()], ActionSet::all(), None)
            .await
            .expect_err("attempts exhausted");
        assert!(err.is_transient() && !err.is_fatal(), "{kind:?}: {err:?}");
        match &err {
            TraktError::Unavailable { status: s, reason } => {
                assert_eq!(*s, status, "{kind:?}");
                assert!(reason.contains(needle), "{kind:?}: {reason}");
            }
            other => panic!("{kind:?}: {other:?}"),
        }
        assert_eq!(fake.request_count(), 6, "{kind:?}");
    }
}

#[tokio::test]
async fn a_failure_body_with_200_is_an_error() {
    let fake = FakeTrakt::start(KEY).await;
    fake.fail_next(1, FailKind::FailureBody);
    let err = client(&fake)
        .fetch(&[twd()], ActionSet::all(), None)
        .await
        .expect_err("failure body");
    assert!(
        matches!(&err, TraktError::Failure { message } if message == "something went wrong"),
        "{err:?}"
    );
    assert!(!err.is_transient() && !err.is_fatal());
    assert_eq!(fake.request_count(), 1);
}

#[tokio::test]
async fn other_4xx_are_rejected_without_retry() {
    let fake = FakeTrakt::start(KEY).await;
    fake.push_response(400, r#"{"status":"failure","error":"invalid title"}"#, None);
    fake.push_response(403, "", None);
    let c = client(&fake);
    let err = c
        .fetch(&[twd()], ActionSet::all(), None)
        .await
        .expect_err("400");
    assert!(
        matches!(&err, TraktError::Rejected { status: 400, message } if message == "invalid title"),
        "{err:?}"
    );
    let err = c
        .fetch(&[twd()], ActionSet::all(), None)
        .await
        .expect_err("403");
    assert!(
        matches!(&err, TraktError::Rejected { status: 403, message } if message == "Forbidden"),
        "{err:?}"
    );
    assert!(!err.is_transient() && !err.is_fatal());
    assert_eq!(fake.request_count(), 2);
}

#[tokio::test]
async fn an_unknown_show_is_not_found_not_an_outage() {
    let fake = FakeTrakt::start(KEY).await;
    fake.set_unknown_show("no-such-show");
    let c = client(&fake);
    let err = c
        .lookup_show(&show("no-such-show"))
        .await
        .expect_err("unknown");
    assert!(
        matches!(&err, TraktError::NotFound { message } if message == "show not found"),
        "{err:?}"
    );
    assert!(err.is_not_found() && !err.is_transient() && !err.is_fatal());
    let err = c
        .fetch(&[show("no-such-show"), twd()], ActionSet::all(), None)
        .await
        .expect_err("batch with an unknown show");
    assert!(err.is_not_found(), "{err:?}");
    fake.fail_next(1, FailKind::NotFound);
    assert!(c
        .lookup_show(&twd())
        .await
        .expect_err("scripted 404")
        .is_not_found());
    // A 200 carrying the same failure body means the same.
    fake.push_response(200, SHOW_NOT_FOUND_BODY, None);
    assert!(c
        .lookup_show(&twd())
        .await
        .expect_err("200 not found")
        .is_not_found());
    assert_eq!(fake.request_count(), 4, "no retries");
}

#[tokio::test]
async fn a_refused_connection_is_unavailable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let c = client_with(&format!("http://{addr}"), KEY, Duration::from_secs(2));
    let err = c
        .fetch(&[twd()], ActionSet::all(), None)
        .await
        .expect_err("nothing listens");
    match &err {
        TraktError::Unavailable { status, reason } => {
            assert_eq!(*status, None);
            assert!(reason.starts_with("connection failed"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

fn episode_item(id: u64, timestamp: i64, slug: &str, tvdb: u64, action: &str) -> serde_json::Value {
    json!({
        "id": id,
        "timestamp": timestamp,
        "type": "episode",
        "action": action,
        "user": { "username": format!("user{id}") },
        "show": {
            "title": slug.replace('-', " "),
            "url": format!("http://trakt.tv/show/{slug}"),
            "tvdb_id": tvdb.to_string()
        },
        "episode": { "season": 1, "number": id }
    })
}

fn ids(f: &Fetched) -> Vec<u64> {
    f.activities.iter().filter_map(|a| a.id).collect()
}

#[tokio::test]
async fn live_mode_filters_by_show_action_and_window() {
    let fake = FakeTrakt::start(KEY).await;
    fake.set_now(10_000);
    fake.publish(episode_item(1, 9_000, "the-walking-dead", 153_021, "shout"));
    fake.publish(episode_item(
        2,
        9_500,
        "the-walking-dead",
        153_021,
        "checkin",
    ));
    fake.publish(episode_item(3, 9_600, "breaking-bad", 81_189, "shout"));
    fake.publish(episode_item(4, 8_999, "the-walking-dead", 153_021, "shout"));
    fake.publish(json!({
        "id": 5, "timestamp": 9_700, "type": "list", "action": "item_added",
        "user": { "username": "lister" },
        "list": { "name": "L", "slug": "l" },
        "list_item": { "type": "show", "show": {
            "title": "The Walking Dead", "url": "http://trakt.tv/show/the-walking-dead" } }
    }));
    let mut untimed = episode_item(6, 0, "the-walking-dead", 153_021, "shout");
    untimed.as_object_mut().expect("object").remove("timestamp");
    fake.publish(untimed);

    let c = client(&fake);
    let shout = ActionSet::parse("shout").expect("shout");
    let f = c
        .fetch(&[twd()], shout, Some(TraktTime(9_000)))
        .await
        .expect("shouts");
    assert_eq!(ids(&f), vec![1, 6], "start is inclusive; 8999 is out");
    assert_eq!(f.activities[1].timestamp, 10_000, "published at the clock");
    assert_eq!(f.current, TraktTime(10_000));

    let f = c
        .fetch(&[twd()], ActionSet::all(), Some(TraktTime(9_000)))
        .await
        .expect("all");
    assert_eq!(ids(&f), vec![1, 2, 5, 6]);

    let f = c
        .fetch(&[ShowRef::Tvdb(81_189)], ActionSet::all(), None)
        .await
        .expect("by tvdb id");
    assert_eq!(ids(&f), vec![3]);

    fake.advance(30);
    assert_eq!(fake.now(), 10_030);
    let info = c.lookup_show(&twd()).await.expect("lookup");
    assert_eq!(info.title.as_deref(), Some("the walking dead"));
    assert_eq!(info.current, TraktTime(10_030));
    let info = c.lookup_show(&show("fargo")).await.expect("quiet show");
    assert_eq!(info.title, None);
    assert_eq!(
        fake.requests()[0],
        path("the-walking-dead/shout/9000"),
        "recorded as sent"
    );
}

#[tokio::test]
async fn live_mode_pages_back_past_the_cap() {
    let fake = FakeTrakt::start(KEY).await;
    fake.set_now(100_000);
    for i in 0..150u64 {
        let ts = 1_000 + i64::try_from(i).expect("small");
        fake.publish(episode_item(
            i + 1,
            ts,
            "the-walking-dead",
            153_021,
            "checkin",
        ));
    }
    let f = client(&fake)
        .fetch(&[twd()], ActionSet::all(), None)
        .await
        .expect("fetch");
    assert_eq!(f.activities.len(), 150);
    assert_eq!(ids(&f), (1..=150).collect::<Vec<_>>());
    assert_eq!(f.requests, 2);
    assert_eq!(
        fake.requests(),
        vec![
            path("the-walking-dead"),
            path("the-walking-dead/all/0/1050"),
        ]
    );
}

#[tokio::test]
async fn a_second_with_over_100_items_is_a_hole_and_the_walk_goes_on_below_it() {
    let fake = FakeTrakt::start(KEY).await;
    for i in 0..120u64 {
        fake.publish(episode_item(
            i + 1,
            5_000,
            "the-walking-dead",
            153_021,
            "checkin",
        ));
    }
    for i in 0..30u64 {
        let ts = 4_500 + i64::try_from(i).expect("small");
        fake.publish(episode_item(
            1_000 + i,
            ts,
            "the-walking-dead",
            153_021,
            "checkin",
        ));
    }
    let f = client(&fake)
        .fetch(&[twd()], ActionSet::all(), Some(TraktTime(4_000)))
        .await
        .expect("fetch");
    assert_eq!(
        f.activities.len(),
        130,
        "100 of the crowded second (no more can be had), and the 30 before it"
    );
    assert_eq!(f.holes, vec![TraktTime(5_000)]);
    assert!(f.is_complete());
    assert_eq!(f.requests, 3);
    assert_eq!(
        fake.requests()[2],
        path("the-walking-dead/all/4000/4999"),
        "the walk steps below the crowded second"
    );
}

#[tokio::test]
async fn a_full_page_of_unusable_items_does_not_end_the_walk() {
    let fake = FakeTrakt::start(KEY).await;
    for i in 0..100u64 {
        // `seen` does not allow a season: every one is skipped.
        let mut bad = episode_item(
            i + 1,
            6_000 + i64::try_from(i).expect("small"),
            "the-walking-dead",
            153_021,
            "seen",
        );
        bad["type"] = serde_json::json!("season");
        fake.publish(bad);
    }
    for i in 0..5u64 {
        fake.publish(episode_item(
            500 + i,
            5_000,
            "the-walking-dead",
            153_021,
            "checkin",
        ));
    }
    let f = client(&fake)
        .fetch(&[twd()], ActionSet::all(), Some(TraktTime(4_000)))
        .await
        .expect("fetch");
    assert_eq!(f.activities.len(), 5, "the older items are still fetched");
    assert_eq!(f.skipped, 101, "the boundary item comes back once more");
    assert!(f.is_complete() && f.holes.is_empty());
}

#[tokio::test]
async fn page_limits_one_page_and_enough_items() {
    let fake = FakeTrakt::start(KEY).await;
    fake.set_now(100_000);
    for i in 0..450u64 {
        let ts = 1_000 + i64::try_from(i).expect("small");
        fake.publish(episode_item(
            i + 1,
            ts,
            "the-walking-dead",
            153_021,
            "checkin",
        ));
    }
    let c = client(&fake);
    let one = c
        .fetch_with(
            &[twd()],
            ActionSet::all(),
            FetchOptions {
                start: None,
                end: None,
                pages: Pages::One,
            },
        )
        .await
        .expect("one page");
    assert_eq!((one.requests, one.activities.len()), (1, 100));
    assert_eq!(one.current, TraktTime(100_000));
    assert_eq!(one.resume_at, Some(TraktTime(1_350)));
    let ten = c
        .fetch_with(
            &[twd()],
            ActionSet::all(),
            FetchOptions {
                start: Some(TraktTime(500)),
                end: None,
                pages: Pages::Items(10),
            },
        )
        .await
        .expect("ten items");
    assert_eq!(ten.requests, 1, "one page holds the newest ten");
    assert_eq!(ten.activities.last().and_then(|a| a.id), Some(450));
    // Resuming where it stopped covers the rest, ending at the window start.
    let rest = c
        .fetch_with(
            &[twd()],
            ActionSet::all(),
            FetchOptions {
                start: Some(TraktTime(500)),
                end: ten.resume_at,
                pages: Pages::All,
            },
        )
        .await
        .expect("the rest");
    assert!(rest.is_complete());
    assert_eq!(
        rest.activities.len(),
        351,
        "items 1..=351, the boundary one again"
    );
    assert_eq!(fake.request_count(), 6);
}

#[tokio::test]
async fn bad_items_are_skipped_and_counted() {
    let fake = FakeTrakt::start(KEY).await;
    let body = json!({
        "timestamps": { "start": 0, "current": 50 },
        "activity": [
            episode_item(1, 10, "the-walking-dead", 153_021, "checkin"),
            episode_item(2, 11, "the-walking-dead", 153_021, "dance"),
            { "id": 3, "timestamp": 12, "type": "episode", "action": "created",
              "user": { "username": "u" } },
            { "id": 4, "type": "episode", "action": "seen", "user": { "username": "u" } },
            { "id": 5, "timestamp": 13, "type": "episode", "action": "seen", "user": {} },
            { "id": 6, "timestamp": 14, "type": "season", "action": "seen",
              "user": { "username": "u" } }
        ]
    });
    fake.push_response(200, body.to_string(), None);
    let f = client(&fake)
        .fetch(&[twd()], ActionSet::all(), None)
        .await
        .expect("one bad item is not fatal");
    assert_eq!(ids(&f), vec![1]);
    assert_eq!(f.skipped, 5);
}

/// A `Write` into a shared buffer, for capturing log output.
#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_api_key_never_appears_in_errors_or_logs() {
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // While only one dispatcher exists, tracing-core caches a callsite's
    // interest from the default of whichever thread hits it first, so a
    // callsite first hit by another test (no subscriber there) would be cached
    // "never". A second live dispatcher makes it consult every registered one.
    let _second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());

    let fake = FakeTrakt::start(KEY).await;
    let c = client_with(&fake.base_url(), KEY, Duration::from_millis(300));
    let shows = [twd()];
    let fetch = || c.fetch(&shows, ActionSet::all(), None);
    let mut errors = Vec::new();

    fake.fail_next(1, FailKind::Unauthorized);
    errors.push(fetch().await.expect_err("401"));
    for kind in [
        FailKind::Overloaded,
        FailKind::ServerErrorHtml,
        FailKind::Garbage,
        FailKind::Truncated,
        FailKind::Slow(Duration::from_secs(3)),
    ] {
        fake.fail_next(3, kind);
        errors.push(fetch().await.expect_err("transient"));
    }
    fake.fail_next(1, FailKind::FailureBody);
    errors.push(fetch().await.expect_err("failure body"));
    fake.set_unknown_show("no-such-show");
    errors.push(
        c.lookup_show(&show("no-such-show"))
            .await
            .expect_err("not found"),
    );
    // A server that echoes the request path (and so the key) in its texts.
    let echo =
        format!(r#"{{"status":"failure","error":"no route for /activity/shows.json/{KEY}/x"}}"#);
    fake.push_response(400, echo.clone(), None);
    errors.push(fetch().await.expect_err("400 echo"));
    for _ in 0..3 {
        fake.push_response(502, echo.clone(), None);
    }
    errors.push(fetch().await.expect_err("502 echo"));
    fake.push_response(
        200,
        format!(r#"{{"status":"failure","message":"{KEY}"}}"#),
        None,
    );
    errors.push(fetch().await.expect_err("200 echo"));
    // A skipped item is logged too.
    fake.push_response(
        200,
        json!({
            "timestamps": { "start": 0, "current": 5 },
            "activity": [ episode_item(9, 1, "the-walking-dead", 1, "dance") ]
        })
        .to_string(),
        None,
    );
    assert_eq!(fetch().await.expect("skips").skipped, 1);
    // Nothing listening.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let closed = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let refused = client_with(&closed, KEY, Duration::from_secs(2));
    errors.push(
        refused
            .fetch(&[twd()], ActionSet::all(), None)
            .await
            .expect_err("refused"),
    );

    assert_eq!(errors.len(), 12);
    for e in &errors {
        let display = e.to_string();
        let debug = format!("{e:?}");
        assert!(!display.contains(KEY), "{display}");
        assert!(!debug.contains(KEY), "{debug}");
    }
    let echoed = errors[8].to_string();
    assert!(
        echoed.contains("/activity/shows.json/***/x"),
        "server text is kept, masked: {echoed}"
    );
    assert!(!format!("{c:?}").contains(KEY));

    let text = String::from_utf8(logs.0.lock().expect("log buffer").clone()).expect("utf-8");
    assert!(text.contains("GET Trakt activity"), "requests are logged");
    assert!(
        text.contains("/activity/shows.json/***/the-walking-dead"),
        "with the key masked"
    );
    assert!(text.contains("retrying"), "retries are logged");
    assert!(text.contains("skipping activity item"), "skips are logged");
    assert!(!text.contains(KEY), "the key leaked into the log:\n{text}");
}
