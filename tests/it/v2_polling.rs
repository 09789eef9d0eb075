//! The v2 poller end to end (issue 11): the real bot in-process against the
//! fake Trakt v2 and the fake Discord. Follows are stored as `/follow` stores
//! them on v2 (by Trakt id, from Trakt's clock); new comments, lists, list
//! items and watchers appear on the fake, its clock moves on, and what the
//! channels receive is checked: exactly the wanted items, once, oldest first,
//! through restarts.

use serde_json::{json, Value};
use trakt_herald::activity::TraktTime;
use trakt_herald::ids::{ChannelId, GuildId, UserId};
use trakt_herald::store::NewFollow;
use trakt_herald::trakt::{ActionSet, ShowRef};

use crate::support::fake_discord::{CHANNEL_ID, GUILD_ID, OTHER_CHANNEL_ID};
use crate::support::fake_trakt_v2::FakeTraktV2;
use crate::support::herald::{eventually, Herald, Options, WAIT};

/// The fake's clock at start: 2026-11-15T02:00:00Z.
pub const START: i64 = 1_794_708_000;
pub const TWD: u64 = 1393;

pub fn v2_options() -> Options {
    Options {
        api: "v2",
        ..Options::default()
    }
}

/// `2026-11-15T02:MM:SSZ` for `START + secs`.
pub fn at(secs: i64) -> String {
    chrono::DateTime::from_timestamp(START + secs, 0)
        .expect("a time")
        .format("%Y-%m-%dT%H:%M:%S.000Z")
        .to_string()
}

/// Follow The Walking Dead in `channel` for `actions`, from Trakt time `since`.
pub fn follow_twd(bot: &Herald, channel: u64, actions: &str, since: i64) {
    bot.store
        .follow(NewFollow {
            guild: GuildId(GUILD_ID),
            channel: ChannelId(channel),
            show: ShowRef::Trakt(TWD),
            title: "The Walking Dead".to_owned(),
            slug: Some("the-walking-dead".to_owned()),
            actions: ActionSet::parse(actions).expect("actions"),
            created_by: UserId(7),
            now: 1,
            start_watermark: Some(TraktTime(since)),
            max_per_guild: 50,
        })
        .expect("follow");
    // One embed per activity: digests off (tests/it/digest.rs tests them).
    bot.store
        .set_digest(ChannelId(channel), &ShowRef::Trakt(TWD), false)
        .expect("digest off");
}

pub fn user(slug: &str) -> Value {
    json!({"username": slug, "private": false, "deleted": false, "name": null,
           "vip": false, "vip_ep": false, "ids": {"slug": slug}})
}

pub fn comment(id: u64, secs: i64, text: &str, review: bool, spoiler: bool) -> Value {
    json!({"id": id, "parent_id": 0, "created_at": at(secs), "updated_at": at(secs),
           "comment": text, "spoiler": spoiler, "review": review, "replies": 0,
           "likes": 0, "language": "en", "user_rating": null, "user": user("kaiton")})
}

pub fn twd() -> Value {
    json!({"title": "The Walking Dead", "year": 2010, "ids": {"trakt": TWD,
           "slug": "the-walking-dead", "tvdb": 153021, "imdb": "tt1520211", "tmdb": 1402}})
}

fn got() -> Value {
    json!({"title": "Game of Thrones", "year": 2011, "ids": {"trakt": 1390,
           "slug": "game-of-thrones", "tvdb": 121361, "imdb": "tt0944947", "tmdb": 1399}})
}

/// A recent-episodes feed item (wrapper shape) on `show`.
pub fn episode_item(c: Value, show: Value) -> Value {
    json!({"type": "episode", "comment": c, "show": show,
           "episode": {"season": 2, "number": 3, "title": "Save the Last One",
                       "ids": {"trakt": 73480, "tvdb": 1, "imdb": null, "tmdb": 2}}})
}

pub fn show_item(c: Value, show: Value) -> Value {
    json!({"type": "show", "comment": c, "show": show})
}

/// Every embed posted to `channel`, in order.
pub fn embeds(bot: &Herald, channel: u64) -> Vec<Value> {
    bot.discord
        .channel_messages(channel)
        .iter()
        .flat_map(|m| m["embeds"].as_array().cloned().unwrap_or_default())
        .collect()
}

pub fn text_of(e: &Value) -> String {
    e["description"].as_str().unwrap_or_default().to_owned()
}

/// How many requests to `path` the fake has seen.
pub fn hits(v2: &FakeTraktV2, path: &str) -> usize {
    v2.paths().iter().filter(|p| p.as_str() == path).count()
}

/// Wait until the bot has read `path` `more` more times (whole cycles passed).
pub async fn cycles(bot: &Herald, path: &str, more: usize) {
    let base = hits(&bot.v2, path);
    eventually("poll cycles", WAIT, || hits(&bot.v2, path) >= base + more).await;
}

#[tokio::test]
async fn shouts_and_reviews_reach_exactly_the_channels_that_want_them_once() {
    let mut bot = Herald::start_with(v2_options()).await;
    follow_twd(&bot, CHANNEL_ID, "shout", START);
    follow_twd(&bot, OTHER_CHANNEL_ID, "review", START);
    cycles(&bot, "/comments/recent/all/episodes", 1).await;

    bot.v2.edit(|w| {
        let episodes = w.recent.entry("episodes".into()).or_default();
        episodes.push(episode_item(
            comment(9_000_001, 10, "Shane did WHAT", false, true),
            twd(),
        ));
        episodes.push(episode_item(
            comment(9_000_003, 11, "Winter is here", false, false),
            got(),
        ));
        episodes.push(episode_item(
            comment(
                9_000_004,
                14,
                "so [spoiler]Sophia is in the barn[/spoiler]",
                false,
                false,
            ),
            twd(),
        ));
        w.recent.entry("shows".into()).or_default().push(show_item(
            comment(
                9_000_002,
                12,
                &"A long review of the whole show. ".repeat(8),
                true,
                false,
            ),
            twd(),
        ));
    });
    bot.v2.set_now(&at(30));
    let shouts = bot.discord.wait_channel_messages(CHANNEL_ID, 1, WAIT).await;
    let reviews = bot
        .discord
        .wait_channel_messages(OTHER_CHANNEL_ID, 1, WAIT)
        .await;
    assert!(!shouts.is_empty() && !reviews.is_empty());
    eventually("both shouts", WAIT, || embeds(&bot, CHANNEL_ID).len() >= 2).await;

    let shouts = embeds(&bot, CHANNEL_ID);
    assert_eq!(shouts.len(), 2, "{shouts:#?}");
    // Oldest first; both spoilers hidden (the flag and the inline tag).
    assert!(
        text_of(&shouts[0]).contains("||"),
        "{}",
        text_of(&shouts[0])
    );
    assert!(!text_of(&shouts[0]).replace("||", "").is_empty());
    assert!(
        text_of(&shouts[1]).contains("||Sophia is in the barn||"),
        "{}",
        text_of(&shouts[1])
    );
    let reviews = embeds(&bot, OTHER_CHANNEL_ID);
    assert_eq!(reviews.len(), 1, "{reviews:#?}");
    assert!(text_of(&reviews[0]).contains("A long review"));
    let all = format!("{shouts:?}{reviews:?}");
    assert!(
        !all.contains("Winter is here"),
        "another show's comment went nowhere"
    );

    // A restart, later polls, and an edit of a posted comment: nothing again.
    bot.restart().await;
    bot.v2.edit(|w| {
        let episodes = w.recent.get_mut("episodes").expect("feed");
        for item in episodes.iter_mut() {
            if item["comment"]["id"] == 9_000_001 {
                item["comment"]["comment"] = json!("Shane did WHAT (edited)");
                item["comment"]["updated_at"] = json!(at(40));
            }
        }
    });
    bot.v2.set_now(&at(45));
    cycles(&bot, "/comments/recent/all/episodes", 3).await;
    assert_eq!(embeds(&bot, CHANNEL_ID).len(), 2, "nothing reposted");
    assert_eq!(embeds(&bot, OTHER_CHANNEL_ID).len(), 1);
}

#[tokio::test]
async fn new_lists_list_additions_and_watchers_arrive_once() {
    let mut bot = Herald::start_with(v2_options()).await;
    // Watchers of show-watching-1: kaiton, ellie-r, grimesfan-88 (all public).
    follow_twd(&bot, CHANNEL_ID, "created,item_added,watching", START);
    bot.discord.wait_channel_messages(CHANNEL_ID, 1, WAIT).await;
    eventually("three watchers", WAIT, || {
        embeds(&bot, CHANNEL_ID).len() >= 3
    })
    .await;
    cycles(&bot, "/shows/1393/watching", 2).await;
    assert_eq!(embeds(&bot, CHANNEL_ID).len(), 3, "each watcher once");

    // A new list holding the show, and an item added to an existing list.
    bot.v2.edit(|w| {
        let lists = w.lists.entry(TWD).or_default();
        let mut fresh = lists[0].clone();
        fresh["name"] = json!("Fresh zombies");
        fresh["ids"] = json!({"trakt": 40_000_001, "slug": "fresh-zombies"});
        fresh["created_at"] = json!(at(20));
        fresh["updated_at"] = json!(at(21));
        lists[1]["updated_at"] = json!(at(25));
        let old_list = lists[1]["ids"]["trakt"].as_u64().expect("id");
        lists.push(fresh);
        let mut entry = json!({"rank": 1, "id": 1_300_000_001u64, "listed_at": at(21),
                               "notes": null, "type": "show", "show": twd()});
        w.list_items.insert(40_000_001, vec![entry.clone()]);
        entry["id"] = json!(1_300_000_002u64);
        entry["listed_at"] = json!(at(25));
        let other = json!({"rank": 2, "id": 1_300_000_003u64, "listed_at": at(25),
                           "notes": null, "type": "show", "show": got()});
        w.list_items.insert(old_list, vec![entry, other]);
    });
    // moonfield arrives; kaiton leaves; quietviewer is private.
    bot.v2.set_watchers(
        TWD,
        crate::support::fake_trakt_v2::fixture_json("show-watching-2.json")
            .as_array()
            .cloned()
            .expect("array"),
    );
    bot.v2.set_now(&at(40));
    eventually("created, 2 items, moonfield", WAIT, || {
        embeds(&bot, CHANNEL_ID).len() >= 7
    })
    .await;
    bot.restart().await;
    cycles(&bot, "/shows/1393/watching", 3).await;
    let all = embeds(&bot, CHANNEL_ID);
    assert_eq!(all.len(), 7, "{all:#?}");
    let dump = format!("{:?}", &all[3..]);
    assert!(dump.contains("Fresh zombies"));
    assert!(
        dump.contains("moonfield") || dump.contains("Mira"),
        "{dump}"
    );
    assert!(!dump.contains("quietviewer"));
    assert!(
        !dump.contains("Game of Thrones"),
        "an item about another show"
    );
}

#[tokio::test]
async fn a_follow_stored_by_v1_slug_is_resolved_once_and_polled_on_v2() {
    let bot = Herald::start_with(v2_options()).await;
    // As a v1-era store holds it: by slug, no Trakt id, no slug field.
    bot.store
        .follow(NewFollow {
            guild: GuildId(GUILD_ID),
            channel: ChannelId(CHANNEL_ID),
            show: ShowRef::Slug("the-walking-dead".to_owned()),
            title: "The Walking Dead".to_owned(),
            slug: None,
            actions: ActionSet::parse("shout,watching").expect("actions"),
            created_by: UserId(7),
            now: 1,
            start_watermark: Some(TraktTime(START)),
            max_per_guild: 50,
        })
        .expect("follow");
    cycles(&bot, "/shows/1393/watching", 1).await;
    bot.v2.edit(|w| {
        w.recent
            .entry("episodes".into())
            .or_default()
            .push(episode_item(
                comment(9_300_001, 10, "old follow, new API", false, false),
                twd(),
            ));
    });
    bot.v2.set_now(&at(20));
    eventually("the comment", WAIT, || {
        embeds(&bot, CHANNEL_ID)
            .iter()
            .any(|e| text_of(e).contains("old follow, new API"))
    })
    .await;
    cycles(&bot, "/shows/1393/watching", 2).await;
    assert_eq!(
        hits(&bot.v2, "/shows/the-walking-dead"),
        1,
        "resolved once: {:?}",
        bot.v2.paths()
    );
}
