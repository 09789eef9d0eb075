//! The v2 endpoint functions against the fake: show id resolution (slug,
//! address, IMDb, TVDB → Trakt id 1393) and its refusals, the recent-comments
//! feed in both shapes, `watching` snapshots and their diff, lists and list
//! items, and the cached autocomplete search.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::json;

use trakt_herald::trakt::v2::feed::{comments_for_show, snapshot_slugs};
use trakt_herald::trakt::v2::{
    watching_arrivals, ListId, ListSort, RecentComment, RecentType, ResolveError, ResolvedShow,
    ShowId, ShowInput, ShowSearch, Timestamp, WalkLimits,
};

use crate::support::fake_trakt_v2::{fixture_json, FakeTraktV2};
use crate::trakt_v2_client::client;

fn twd() -> ResolvedShow {
    ResolvedShow {
        id: ShowId(1393),
        slug: "the-walking-dead".into(),
        title: "The Walking Dead".into(),
        year: Some(2010),
    }
}

#[tokio::test]
async fn slug_address_imdb_and_tvdb_all_resolve_to_trakt_1393() {
    let fake = FakeTraktV2::start().await;
    let c = client(&fake);
    for typed in [
        "the-walking-dead",
        "https://trakt.tv/shows/the-walking-dead/seasons/2",
        "https://trakt.tv/shows/the-walking-dead/seasons/2/episodes/3",
        "tt1520211",
        "153021",
        "https://trakt.tv/shows/1393",
    ] {
        let input = ShowInput::parse(typed).expect(typed);
        assert_eq!(c.resolve_show(&input).await.expect(typed), twd(), "{typed}");
    }
    let paths = fake.paths();
    assert_eq!(paths[3], "/shows/tt1520211");
    assert_eq!(
        paths[4], "/search/tvdb/153021",
        "TVDB goes through the id search"
    );
    let q = &fake.log()[4].query;
    assert_eq!(q.get("type").map(String::as_str), Some("show"));
    assert!(q.contains_key("limit") && q.contains_key("page"));
}

#[tokio::test]
async fn movies_people_and_unknown_shows_say_what_was_found() {
    let fake = FakeTraktV2::start().await;
    let c = client(&fake);
    let movie = ShowInput::parse("https://trakt.tv/movies/tron-legacy-2010").expect_err("movie");
    assert!(movie.to_string().contains("movie"), "{movie}");
    let person = ShowInput::parse("https://trakt.tv/people/norman-reedus").expect_err("person");
    assert!(person.to_string().contains("person"), "{person}");
    assert!(fake.log().is_empty(), "refused before any request");
    let unknown = c
        .resolve_show(&ShowInput::parse("no-such-show").expect("slug"))
        .await
        .expect_err("unknown");
    assert_eq!(unknown, ResolveError::Unknown("no-such-show".into()));
    let tvdb = c
        .resolve_show(&ShowInput::Tvdb(999))
        .await
        .expect_err("unknown TVDB id");
    assert_eq!(tvdb.to_string(), "Trakt knows no show `TVDB id 999`");
}

#[tokio::test]
async fn the_recent_feed_is_read_in_both_shapes_and_filtered_by_show() {
    let fake = FakeTraktV2::start().await;
    let c = client(&fake);
    let walk = c
        .recent_comments(RecentType::Episodes, None, WalkLimits::default())
        .await
        .expect("wrapper feed");
    assert_eq!(walk.items.len(), 7);
    assert!(walk.reached && walk.skipped == 0);
    let ids: Vec<u64> = comments_for_show(&walk.items, ShowId(1393))
        .iter()
        .map(|w| w.comment.id.0)
        .collect();
    assert_eq!(ids, [8104445, 8104410, 8104380]);
    assert_eq!(fake.log()[0].query["include_replies"], "false");
    assert_eq!(fake.paths()[0], "/comments/recent/all/episodes");

    fake.set_bare_recent(true);
    let bare = c
        .recent_comments(RecentType::Episodes, None, WalkLimits::default())
        .await
        .expect("bare feed");
    assert_eq!(bare.items.len(), 7, "the contract's shape is survived");
    assert!(bare
        .items
        .iter()
        .all(|i| matches!(i, RecentComment::Bare(_))));
    assert!(comments_for_show(&bare.items, ShowId(1393)).is_empty());

    // Back to a watermark: only what is newer, across pages.
    fake.set_bare_recent(false);
    let bound = Timestamp::parse("2026-11-15T01:40:00Z");
    let since = c
        .recent_comments(
            RecentType::Episodes,
            bound,
            WalkLimits {
                limit: 2,
                max_pages: 10,
            },
        )
        .await
        .expect("walk");
    assert!(since.reached);
    assert!(since
        .items
        .iter()
        .all(|i| Some(i.comment().created_at) > bound));
    assert!(!since.items.is_empty() && since.items.len() < 7);

    // The seasons feed: a season comment on the show, programmed in.
    fake.edit(|world| {
        let mut item = fixture_json("comments-recent-episodes.json")[2].clone();
        item["type"] = json!("season");
        item["season"] = json!({ "number": 11, "ids": { "trakt": 9001 } });
        if let Some(o) = item.as_object_mut() {
            o.remove("episode");
        }
        world.recent.insert("seasons".into(), vec![item]);
    });
    let seasons = c
        .recent_comments(RecentType::Seasons, None, WalkLimits::default())
        .await
        .expect("seasons feed");
    let on_show = comments_for_show(&seasons.items, ShowId(1393));
    assert_eq!(on_show.len(), 1);
    assert_eq!(on_show[0].season.as_ref().map(|s| s.number), Some(11));
    assert_eq!(
        fake.paths().last().map(String::as_str),
        Some("/comments/recent/all/seasons")
    );
}

#[tokio::test]
async fn watching_snapshots_are_stamped_and_diffed() {
    let fake = FakeTraktV2::start().await;
    let c = client(&fake);
    fake.set_now("2026-11-15T01:55:00Z");
    let first = c.show_watching(ShowId(1393)).await.expect("snapshot 1");
    assert_eq!(first.meta.date, Timestamp::parse("2026-11-15T01:55:00Z"));
    let second_body = fixture_json("show-watching-2.json");
    fake.set_watchers(1393, second_body.as_array().cloned().unwrap_or_default());
    fake.set_now("2026-11-15T02:00:00Z");
    let second = c.show_watching(ShowId(1393)).await.expect("snapshot 2");
    assert_eq!(second.meta.date, Timestamp::parse("2026-11-15T02:00:00Z"));
    let new: Vec<String> = watching_arrivals(&snapshot_slugs(&first.items), &second.items)
        .iter()
        .map(|u| u.ids.slug.0.clone())
        .collect();
    assert_eq!(new, ["moonfield"]);
    fake.set_watchers(1393, Vec::new());
    let empty = c.show_watching(ShowId(1393)).await.expect("nobody");
    assert!(empty.items.is_empty());
    assert!(watching_arrivals(&HashSet::new(), &empty.items).is_empty());
}

#[tokio::test]
async fn lists_holding_the_show_and_their_items() {
    let fake = FakeTraktV2::start().await;
    let c = client(&fake);
    let bound = Timestamp::parse("2026-11-14T00:00:00Z");
    let added = c
        .show_lists(ShowId(1393), ListSort::Added, bound, WalkLimits::default())
        .await
        .expect("lists");
    assert!(added.reached);
    assert_eq!(added.items[0].ids.trakt, ListId(31882114));
    assert!(added.items.iter().all(|l| l.created_at > bound));
    assert_eq!(fake.paths()[0], "/shows/1393/lists/personal/added");
    let updated = c
        .show_lists(ShowId(1393), ListSort::Updated, None, WalkLimits::default())
        .await
        .expect("by update");
    assert_eq!(updated.items.len(), 3);
    assert_eq!(fake.paths()[1], "/shows/1393/lists/personal/updated");
    let items = c
        .list_items(
            ListId(31882114),
            WalkLimits {
                limit: 3,
                max_pages: 5,
            },
        )
        .await
        .expect("items");
    assert_eq!(items.items.len(), 4, "all pages of the list");
    assert_eq!(items.pages, 2);
    assert!(items.reached);
    assert_eq!(fake.paths()[2], "/lists/31882114/items/show,season,episode");
}

#[tokio::test]
async fn autocomplete_escapes_keeps_server_order_and_caches() {
    let fake = FakeTraktV2::start().await;
    let search = ShowSearch::new(client(&fake), Duration::from_secs(60), 100, 10);
    let shows = search.search("walking dead").await.expect("search");
    let expected: Vec<String> = fixture_json("search-text-show.json")
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| {
            r["show"]["title"]
                .as_str()
                .is_some_and(|t| t.to_lowercase().contains("walking dead"))
        })
        .filter_map(|r| r["show"]["ids"]["slug"].as_str().map(str::to_owned))
        .collect();
    let slugs: Vec<String> = shows.iter().map(|s| s.ids.slug.clone()).collect();
    assert_eq!(slugs, expected, "server order");
    assert!(!slugs.is_empty());
    let again = search.search("  Walking   DEAD ").await.expect("cached");
    assert_eq!(again.len(), shows.len());
    assert_eq!(fake.log().len(), 1, "the second lookup came from the cache");
    search
        .search("fear: the (walking) dead")
        .await
        .expect("escaped");
    assert_eq!(fake.log()[1].query["query"], r"fear\: the \(walking\) dead");
    assert!(search.search("   ").await.expect("empty").is_empty());
    assert_eq!(fake.log().len(), 2, "an empty query sends nothing");
}
