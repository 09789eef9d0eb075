//! A followed user's collection, comments, lists and whole watchlist (shows,
//! movies, episodes) end to end (issue 12): the real bot in-process against
//! the fake Trakt v2 and the fake Discord. For each source: the first polls
//! post nothing of the fixtures' backlog; a new item is posted once although
//! later polls re-read it inside the overlap; only the sources the follows'
//! actions need are read (counted in the fake's log); and a follow narrowed
//! to one show gets only that show (and never reads movies).

use serde_json::{json, Value};

use crate::support::fake_discord::{CommandInvocation, Reply, ReplyKind, CHANNEL_ID};
use crate::support::herald::{eventually, Herald, WAIT};
use crate::v2_polling::{at, cycles, embeds, hits, twd, v2_options};

const COLLECTION: &str = "/users/moonfield/collection/shows";
const COLLECTION_MOVIES: &str = "/users/moonfield/collection/movies";
const STATS: &str = "/users/moonfield/stats";
const COMMENTS: &str = "/users/moonfield/comments/all/all";
const LISTS: &str = "/users/moonfield/lists";
const WATCHLIST: &str = "/users/moonfield/watchlist/shows/added";
const WATCHLIST_MOVIES: &str = "/users/moonfield/watchlist/movies/added";
const WATCHLIST_EPISODES: &str = "/users/moonfield/watchlist/episodes/added";

async fn follow(bot: &Herald, actions: &str, show: Option<&str>) {
    let mut invocation = CommandInvocation::new("follow-user")
        .option("user", "moonfield")
        .option("actions", actions)
        .in_channel(CHANNEL_ID);
    if let Some(show) = show {
        invocation = invocation.option("show", show);
    }
    let r = bot.discord.interact(invocation).await;
    let replies: Vec<Reply> = bot
        .discord
        .wait_reply(&r, WAIT)
        .await
        .into_iter()
        .filter(|x| x.kind != ReplyKind::Defer)
        .collect();
    assert_eq!(replies.len(), 1, "{replies:#?}");
    assert!(!replies[0].ephemeral, "followed: {replies:#?}");
}

fn got() -> Value {
    json!({"title": "Game of Thrones", "year": 2011, "ids": {"trakt": 1390,
           "slug": "game-of-thrones", "tvdb": 121361, "imdb": "tt0944947", "tmdb": 1399}})
}

fn movie() -> Value {
    json!({"title": "The Night Harbor", "year": 2025, "ids": {"trakt": 990001,
           "slug": "the-night-harbor-2025", "imdb": null, "tmdb": 990002}})
}

fn episode(number: u64) -> Value {
    json!({"season": 11, "number": number, "title": format!("Episode {number}"),
           "ids": {"trakt": 5_320_000 + number, "tvdb": null, "imdb": null, "tmdb": null}})
}

fn moonfield() -> Value {
    json!({"username": "moonfield", "private": false, "deleted": false,
           "name": "Mira Okafor", "ids": {"slug": "moonfield"}})
}

fn comment(id: u64, secs: i64, review: bool, spoiler: bool) -> Value {
    json!({"id": id, "parent_id": 0, "created_at": at(secs), "updated_at": at(secs),
           "comment": format!("Comment number {id} about what I just watched tonight."),
           "spoiler": spoiler, "review": review, "replies": 0, "likes": 0,
           "language": "en", "user_rating": null, "user": moonfield()})
}

fn titles(bot: &Herald) -> Vec<String> {
    embeds(bot, CHANNEL_ID)
        .iter()
        .map(|e| e["title"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn footers(bot: &Herald) -> Vec<String> {
    embeds(bot, CHANNEL_ID)
        .iter()
        .map(|e| e["footer"]["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Wait for `n` embeds, then let `more` cycles (reading `path`) re-read
/// everything inside the overlap; the channel still has exactly `n`.
async fn posted_once(bot: &Herald, n: usize, path: &str) {
    eventually("posted", WAIT, || embeds(bot, CHANNEL_ID).len() >= n).await;
    cycles(bot, path, 3).await;
    assert_eq!(embeds(bot, CHANNEL_ID).len(), n, "{:#?}", titles(bot));
}

#[tokio::test]
async fn collected_episodes_and_movies_are_posted_once_and_the_backlog_never() {
    let bot = Herald::start_with(v2_options()).await;
    follow(&bot, "collection", None).await;
    cycles(&bot, STATS, 3).await;
    assert!(embeds(&bot, CHANNEL_ID).is_empty(), "{:#?}", titles(&bot));
    // Read once (no counts known yet), then only the stats while they stay.
    assert_eq!(
        (hits(&bot.v2, COLLECTION), hits(&bot.v2, COLLECTION_MOVIES)),
        (1, 1)
    );
    bot.v2.edit(|w| {
        let shows = w.collection_shows.entry("moonfield".into()).or_default();
        let twd = &mut shows[0];
        twd["last_collected_at"] = json!(at(20));
        let eps = twd["seasons"][0]["episodes"]
            .as_array_mut()
            .expect("episodes");
        eps.push(json!({"number": 25, "collected_at": at(20)}));
        w.collection_movies
            .entry("moonfield".into())
            .or_default()
            .push(json!({"collected_at": at(25), "updated_at": at(25), "movie": movie()}));
    });
    bot.v2.set_now(&at(40));
    posted_once(&bot, 2, STATS).await;
    assert_eq!(footers(&bot), ["📀 Collection", "📀 Collection"]);
    // Each half read once more, when its count moved.
    assert_eq!(
        (hits(&bot.v2, COLLECTION), hits(&bot.v2, COLLECTION_MOVIES)),
        (2, 2)
    );
    let t = titles(&bot);
    assert!(
        t[0].contains("The Walking Dead") && t[0].contains("S11E25"),
        "{t:?}"
    );
    assert!(
        t[1].contains("The Night Harbor") && t[1].contains("collection"),
        "{t:?}"
    );
    let movie_embed = &embeds(&bot, CHANNEL_ID)[1];
    assert!(
        movie_embed["url"]
            .as_str()
            .is_some_and(|u| u.contains("/movies/the-night-harbor-2025")),
        "{movie_embed}"
    );
}

#[tokio::test]
async fn the_users_shouts_and_reviews_are_posted_once_with_spoilers_hidden() {
    let bot = Herald::start_with(v2_options()).await;
    follow(&bot, "shout,review", None).await;
    cycles(&bot, COMMENTS, 2).await;
    assert!(embeds(&bot, CHANNEL_ID).is_empty(), "{:#?}", titles(&bot));
    bot.v2.edit(|w| {
        let c = w.user_comments.entry("moonfield".into()).or_default();
        c.push(
            json!({"type": "episode", "comment": comment(9_000_001, 20, true, true),
                      "episode": episode(25), "show": twd()}),
        );
        c.push(
            json!({"type": "movie", "comment": comment(9_000_002, 22, false, false),
                      "movie": movie()}),
        );
        let mut reply = comment(9_000_003, 23, false, false);
        reply["parent_id"] = json!(9_000_001);
        c.push(json!({"type": "show", "comment": reply, "show": twd()}));
    });
    bot.v2.set_now(&at(40));
    posted_once(&bot, 2, COMMENTS).await;
    assert_eq!(footers(&bot), ["📝 Review", "💬 Shout"]);
    let e = embeds(&bot, CHANNEL_ID);
    let review = e[0]["description"].as_str().unwrap_or_default();
    assert!(review.starts_with("||"), "a spoiler is hidden: {review}");
    assert!(
        titles(&bot)[1].contains("The Night Harbor"),
        "{:?}",
        titles(&bot)
    );
    let last = bot
        .v2
        .log()
        .into_iter()
        .rev()
        .find(|l| l.path == COMMENTS)
        .expect("a comments read");
    assert_eq!(
        last.query.get("include_replies").map(String::as_str),
        Some("false")
    );
}

fn new_list(id: u64, created: i64, updated: i64) -> Value {
    json!({"name": "Cosy winter shows", "description": "", "privacy": "public",
           "type": "personal", "created_at": at(created), "updated_at": at(updated),
           "item_count": 1, "ids": {"trakt": id, "slug": "cosy-winter-shows"},
           "user": moonfield()})
}

fn list_item(id: u64, secs: i64, show: Value, number: u64) -> Value {
    json!({"rank": 1, "id": id, "listed_at": at(secs), "notes": null, "type": "episode",
           "episode": episode(number), "show": show})
}

#[tokio::test]
async fn new_lists_and_items_added_are_posted_once_reading_only_changed_lists() {
    let bot = Herald::start_with(v2_options()).await;
    follow(&bot, "created,item_added", None).await;
    cycles(&bot, LISTS, 2).await;
    assert!(embeds(&bot, CHANNEL_ID).is_empty(), "{:#?}", titles(&bot));
    assert_eq!(hits(&bot.v2, "/users/moonfield/lists/31882114/items"), 0);
    bot.v2.edit(|w| {
        let lists = w.user_lists.entry("moonfield".into()).or_default();
        lists[0]["updated_at"] = json!(at(25));
        lists.push(new_list(40_000_001, 20, 30));
        w.user_list_items
            .entry(("moonfield".into(), 31882114))
            .or_default()
            .push(list_item(50_000_001, 25, twd(), 25));
        w.user_list_items.insert(
            ("moonfield".into(), 40_000_001),
            vec![list_item(50_000_002, 30, got(), 3)],
        );
    });
    bot.v2.set_now(&at(40));
    posted_once(&bot, 3, LISTS).await;
    assert_eq!(
        footers(&bot),
        ["📋 New list", "➕ Added to a list", "➕ Added to a list"]
    );
    let t = titles(&bot);
    assert!(t[0].contains("Cosy winter shows"), "{t:?}");
    assert!(
        t[1].contains("Zombie marathon 2026") && t[1].contains("S11E25"),
        "{t:?}"
    );
    assert!(t[2].contains("Game of Thrones"), "{t:?}");
    // The unchanged older list is never opened.
    assert_eq!(hits(&bot.v2, "/users/moonfield/lists/24410877/items"), 0);
}

#[tokio::test]
async fn watchlisted_movies_and_episodes_are_posted_once_a_movie_as_a_movie() {
    let bot = Herald::start_with(v2_options()).await;
    follow(&bot, "watchlist", None).await;
    cycles(&bot, WATCHLIST_MOVIES, 2).await;
    assert!(embeds(&bot, CHANNEL_ID).is_empty(), "{:#?}", titles(&bot));
    bot.v2.edit(|w| {
        let l = w.watchlist.entry("moonfield".into()).or_default();
        l.push(
            json!({"rank": 9, "id": 808_200_001, "listed_at": at(20), "notes": null,
                      "type": "movie", "movie": movie()}),
        );
        l.push(
            json!({"rank": 10, "id": 808_200_002, "listed_at": at(22), "notes": null,
                      "type": "episode", "episode": episode(25), "show": twd()}),
        );
    });
    bot.v2.set_now(&at(40));
    posted_once(&bot, 2, WATCHLIST_MOVIES).await;
    assert_eq!(footers(&bot), ["🔖 Watchlist", "🔖 Watchlist"]);
    let t = titles(&bot);
    assert!(t[0].contains("The Night Harbor (2025)"), "{t:?}");
    assert!(!t[0].contains("Walking Dead"), "{t:?}");
    assert!(
        t[1].contains("The Walking Dead") && t[1].contains("S11E25"),
        "{t:?}"
    );
    assert!(hits(&bot.v2, WATCHLIST) >= 3 && hits(&bot.v2, WATCHLIST_EPISODES) >= 3);
}

#[tokio::test]
async fn a_follow_narrowed_to_one_show_gets_only_that_show_and_never_reads_movies() {
    let bot = Herald::start_with(v2_options()).await;
    follow(
        &bot,
        "collection,watchlist,shout,item_added",
        Some("the-walking-dead"),
    )
    .await;
    cycles(&bot, LISTS, 1).await;
    bot.v2.edit(|w| {
        let shows = w.collection_shows.entry("moonfield".into()).or_default();
        shows[1]["last_collected_at"] = json!(at(20));
        let bb = shows[1]["seasons"][0]["episodes"]
            .as_array_mut()
            .expect("e");
        bb.push(json!({"number": 17, "collected_at": at(20)}));
        shows[0]["last_collected_at"] = json!(at(21));
        let twd_eps = shows[0]["seasons"][0]["episodes"]
            .as_array_mut()
            .expect("e");
        twd_eps.push(json!({"number": 25, "collected_at": at(21)}));
        let l = w.watchlist.entry("moonfield".into()).or_default();
        l.push(
            json!({"rank": 9, "id": 808_200_011, "listed_at": at(22), "notes": null,
                      "type": "episode", "episode": episode(3), "show": got()}),
        );
        let c = w.user_comments.entry("moonfield".into()).or_default();
        c.push(
            json!({"type": "show", "comment": comment(9_000_011, 23, false, false),
                      "show": got()}),
        );
        c.push(
            json!({"type": "movie", "comment": comment(9_000_012, 24, false, false),
                      "movie": movie()}),
        );
        c.push(
            json!({"type": "show", "comment": comment(9_000_013, 25, false, false),
                      "show": twd()}),
        );
        let lists = w.user_lists.entry("moonfield".into()).or_default();
        lists[0]["updated_at"] = json!(at(27));
        let items = w
            .user_list_items
            .entry(("moonfield".into(), 31882114))
            .or_default();
        items.push(list_item(50_000_011, 26, got(), 4));
        items.push(list_item(50_000_012, 27, twd(), 26));
    });
    bot.v2.set_now(&at(40));
    posted_once(&bot, 3, LISTS).await;
    assert_eq!(
        footers(&bot),
        ["📀 Collection", "💬 Shout", "➕ Added to a list"]
    );
    assert!(
        titles(&bot).iter().all(|t| t.contains("The Walking Dead")),
        "{:?}",
        titles(&bot)
    );
    assert_eq!(hits(&bot.v2, COLLECTION_MOVIES), 0);
    assert_eq!(hits(&bot.v2, WATCHLIST_MOVIES), 0);
}

/// The user paths of the last whole cycle (between the last two reads of
/// `marker`), sorted.
fn last_cycle(bot: &Herald, marker: &str) -> Vec<String> {
    let paths: Vec<String> = bot
        .v2
        .paths()
        .into_iter()
        .filter(|p| p.starts_with("/users/"))
        .collect();
    let marks: Vec<usize> = paths
        .iter()
        .enumerate()
        .filter(|(_, p)| p.as_str() == marker)
        .map(|(i, _)| i)
        .collect();
    let n = marks.len();
    assert!(n >= 2, "{paths:?}");
    let mut cycle = paths[marks[n - 2]..marks[n - 1]].to_vec();
    cycle.sort_unstable();
    cycle
}

#[tokio::test]
async fn only_the_sources_the_actions_need_are_read_and_all_of_them_for_all() {
    let bot = Herald::start_with(v2_options()).await;
    follow(&bot, "rating", None).await;
    cycles(&bot, "/users/moonfield/ratings/all", 3).await;
    for path in [
        STATS,
        COLLECTION,
        COLLECTION_MOVIES,
        COMMENTS,
        LISTS,
        WATCHLIST_MOVIES,
    ] {
        assert_eq!(hits(&bot.v2, path), 0, "{path}");
    }
    // `created` reads the lists but never a list's items, even of a changed list.
    follow(&bot, "created", None).await;
    cycles(&bot, LISTS, 1).await;
    bot.v2.edit(|w| {
        let lists = w.user_lists.entry("moonfield".into()).or_default();
        lists[0]["updated_at"] = json!(at(20));
    });
    bot.v2.set_now(&at(40));
    cycles(&bot, LISTS, 2).await;
    assert_eq!(hits(&bot.v2, "/users/moonfield/lists/31882114/items"), 0);
    assert_eq!(hits(&bot.v2, COMMENTS), 0);
    follow(&bot, "all", None).await;
    cycles(&bot, STATS, 3).await;
    // The collection itself is not read while its counts stay the same.
    let mut all = [
        STATS,
        COMMENTS,
        "/users/moonfield/history",
        LISTS,
        "/users/moonfield/ratings/all",
        WATCHLIST_EPISODES,
        WATCHLIST_MOVIES,
        WATCHLIST,
        "/users/moonfield/watching",
    ];
    all.sort_unstable();
    assert_eq!(last_cycle(&bot, STATS), all);
}
