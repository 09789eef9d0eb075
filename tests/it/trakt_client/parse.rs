//! Every v1 activity fixture parses into the model, with its content checked.

use super::*;

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
