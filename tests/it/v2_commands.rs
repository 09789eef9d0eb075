//! The slash commands on Trakt API v2 (issue 11), end to end: the real bot
//! in-process against the fake Discord and the fake Trakt v2. Each test checks
//! what the user sees, what the store holds, and which requests reached Trakt.

use std::time::Duration;

use serde_json::Value;
use trakt_herald::discord::commands::APOLOGY;
use trakt_herald::format;
use trakt_herald::ids::{ChannelId, GuildId};
use trakt_herald::store::SubState;
use trakt_herald::trakt::v2::{map, Comment, ListItem, Show, TraktList};
use trakt_herald::trakt::{ActionSet, ShowRef, TraktTime};

use crate::support::fake_discord::{
    CommandInvocation, InteractionRef, Member, Reply, ReplyKind, CHANNEL_ID, GUILD_ID,
    OTHER_CHANNEL_ID,
};
use crate::support::fake_trakt_v2::{fixture_json, Scripted};
use crate::support::herald::{eventually, Herald, Options, WAIT};

const TWD: &str = "the-walking-dead";
const TWD_TITLE: &str = "The Walking Dead";
const TWD_ID: u64 = 1393;
/// The fake v2's clock at start (`2026-11-15T02:00:00Z`).
const FAKE_NOW: i64 = 1_794_708_000;
/// What the bot answers once Trakt refused its key.
const KEY_REFUSED: &str =
    "Trakt refused the bot's API key; the bot's operator must fix trakt.api_key";

/// The bot on v2, with a poller that stays quiet after its first tick.
fn v2() -> Options {
    Options {
        api: "v2",
        poll_interval: "1h",
        ..Options::default()
    }
}

fn follow(show: &str) -> CommandInvocation {
    CommandInvocation::new("follow").option("show", show)
}

/// Let the fake know Fear the Walking Dead too (from the search fixture).
fn add_fear(bot: &Herald) {
    let fear = fixture_json("search-text-show.json")[1]["show"].clone();
    assert_eq!(fear["ids"]["slug"], "fear-the-walking-dead");
    bot.v2.edit(|w| w.shows.push(fear));
}

fn channel() -> ChannelId {
    ChannelId(CHANNEL_ID)
}

/// Requests the commands made (the site-wide feed is the poller's).
fn command_requests(bot: &Herald) -> Vec<String> {
    bot.v2
        .paths()
        .into_iter()
        .filter(|p| !p.starts_with("/comments/recent"))
        .collect()
}

async fn ask(bot: &Herald, invocation: CommandInvocation) -> Vec<Reply> {
    let r = bot.discord.interact(invocation).await;
    shown(bot, &r).await
}

/// The replies to `r` that are more than a defer, once there is one.
async fn shown(bot: &Herald, r: &InteractionRef) -> Vec<Reply> {
    bot.discord
        .wait_reply(r, WAIT)
        .await
        .into_iter()
        .filter(|x| x.kind != ReplyKind::Defer)
        .collect()
}

fn text_of(reply: &Reply) -> String {
    let mut out = reply.content.clone().unwrap_or_default();
    for e in &reply.embeds {
        for key in ["title", "description"] {
            if let Some(s) = e[key].as_str() {
                out.push('\n');
                out.push_str(s);
            }
        }
    }
    out
}

/// The one public answer of a command that worked; its text.
async fn confirmed(bot: &Herald, invocation: CommandInvocation) -> String {
    let what = format!("/{} {:?}", invocation.name, invocation.options);
    let replies = ask(bot, invocation).await;
    let public: Vec<&Reply> = replies.iter().filter(|r| !r.ephemeral).collect();
    assert_eq!(public.len(), 1, "{what}: one public answer: {replies:#?}");
    text_of(public[0])
}

/// The one private answer of a refused command, naming `needle`; its text.
async fn refused(bot: &Herald, invocation: CommandInvocation, needle: &str) -> String {
    let what = format!("/{} {:?}", invocation.name, invocation.options);
    let replies = ask(bot, invocation).await;
    assert_eq!(replies.len(), 1, "{what}: one answer: {replies:#?}");
    assert!(replies[0].ephemeral, "{what}: private: {replies:#?}");
    let text = text_of(&replies[0]);
    assert!(
        text.to_lowercase().contains(&needle.to_lowercase()),
        "{what}: names the problem ({needle}): {text}"
    );
    assert!(!text.contains(APOLOGY), "{what}: {text}");
    text
}

async fn choices(bot: &Herald, command: &str, typed: &str) -> Vec<(String, String)> {
    let invocation = CommandInvocation::new(command).option("show", typed.to_owned());
    let r = bot.discord.autocomplete(invocation, "show").await;
    let replies = bot.discord.wait_reply(&r, WAIT).await;
    let reply = replies
        .iter()
        .find(|r| r.kind == ReplyKind::Autocomplete)
        .expect("an autocomplete answer");
    reply
        .choices
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or_default().to_owned(),
                c["value"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Every check a test ends with: Discord accepted every body in time, and
/// the bot stops cleanly.
async fn finish(mut bot: Herald) {
    let violations = bot.discord.violations();
    assert!(violations.is_empty(), "{violations:#?}");
    bot.stop().await;
}

// ---- /follow ---------------------------------------------------------------

#[tokio::test]
async fn slug_address_imdb_tvdb_and_trakt_id_give_one_follow_of_one_show() {
    let bot = Herald::start_with(v2()).await;
    let text = confirmed(&bot, follow(TWD)).await;
    assert!(
        text.contains("This channel now follows") && text.contains(TWD_TITLE) && text.contains(TWD),
        "{text}"
    );
    let subs = bot.store.channel_follows(channel()).expect("follows");
    assert_eq!(subs.len(), 1, "{subs:?}");
    let sub = &subs[0];
    assert_eq!(sub.show, ShowRef::Trakt(TWD_ID));
    assert_eq!(sub.slug.as_deref(), Some(TWD));
    assert_eq!(sub.title, TWD_TITLE);
    assert_eq!(sub.actions, ActionSet::v2_show());
    assert_eq!(sub.state, SubState::Active);
    assert_eq!(
        sub.since,
        Some(TraktTime(FAKE_NOW)),
        "the follow starts at Trakt's clock (the lookup's Date)"
    );

    for typed in [
        "https://trakt.tv/shows/the-walking-dead/seasons/2",
        "tt1520211",
        "153021",
        "trakt:1393",
    ] {
        let text = confirmed(&bot, follow(typed).option("actions", "shout")).await;
        assert!(
            text.contains("Updated") && text.contains(TWD_TITLE),
            "{typed}: {text}"
        );
        let subs = bot.store.channel_follows(channel()).expect("follows");
        assert_eq!(subs.len(), 1, "{typed}: still one follow: {subs:?}");
        assert_eq!(subs[0].show, ShowRef::Trakt(TWD_ID), "{typed}");
    }
    assert_eq!(
        bot.store
            .guild_follow_count(GuildId(GUILD_ID))
            .expect("count"),
        1
    );
    let paths = command_requests(&bot);
    assert!(
        paths.contains(&"/search/tvdb/153021".to_owned()),
        "{paths:?}"
    );
    assert!(paths.contains(&"/shows/tt1520211".to_owned()), "{paths:?}");
    finish(bot).await;
}

#[tokio::test]
async fn bad_inputs_get_v1_answers_with_nothing_stored_and_no_request() {
    let bot = Herald::start_with(v2()).await;
    let long = "a".repeat(300);
    let cases: [(&str, Option<&str>, &str); 9] = [
        ("../x", None, "`.`"),
        ("a/b", None, "`/`"),
        ("a,b", None, "`,`"),
        ("x%2Fy", None, "`%`"),
        ("", None, "the show is empty"),
        (&long, None, "300 characters"),
        ("The Walking Dead", None, "space"),
        (TWD, Some("seen,bogus"), "`bogus` is not an action"),
        ("https://example.com/shows/x", None, "not on trakt.tv"),
    ];
    for (show, actions, needle) in cases {
        let mut invocation = follow(show);
        if let Some(a) = actions {
            invocation = invocation.option("actions", a);
        }
        refused(&bot, invocation, needle).await;
    }
    refused(
        &bot,
        CommandInvocation::new("activity").option("show", "a/b"),
        "`/`",
    )
    .await;
    // What is not a show says what it is, without asking Trakt.
    refused(
        &bot,
        follow("https://trakt.tv/movies/tron-legacy-2010"),
        "movie",
    )
    .await;
    refused(
        &bot,
        follow("https://trakt.tv/people/norman-reedus"),
        "person",
    )
    .await;
    assert!(bot
        .store
        .channel_follows(channel())
        .expect("follows")
        .is_empty());
    assert_eq!(
        command_requests(&bot),
        Vec::<String>::new(),
        "bad input never reaches Trakt"
    );
    finish(bot).await;
}

#[tokio::test]
async fn unknown_shows_and_outages_get_private_answers() {
    let bot = Herald::start_with(Options {
        trakt_retry_delay: "10ms",
        ..v2()
    })
    .await;
    let text = refused(&bot, follow("no-such-show"), "no show").await;
    assert!(text.contains("`no-such-show`"), "{text}");
    refused(&bot, follow("999999"), "no show").await;
    refused(&bot, follow("https://trakt.tv/shows/424242"), "no show").await;
    bot.v2.script(vec![Scripted::Status(500); 4]);
    refused(&bot, follow(TWD), "try again later").await;
    assert!(bot
        .store
        .channel_follows(channel())
        .expect("follows")
        .is_empty());
    assert!(bot.store.followed_shows().expect("shows").is_empty());
    // Trakt's limiter asks for more than the client waits inline: try later.
    bot.v2.script([Scripted::Api429 {
        retry_after: Some("300".to_owned()),
    }]);
    refused(&bot, follow(TWD), "try again later").await;
    assert!(bot.store.followed_shows().expect("shows").is_empty());
    let paths = command_requests(&bot);
    assert!(
        paths.contains(&"/shows/no-such-show".to_owned()),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"/search/tvdb/999999".to_owned()),
        "{paths:?}"
    );
    finish(bot).await;
}

#[tokio::test]
async fn actions_are_cut_to_what_v2_offers_per_show() {
    let bot = Herald::start_with(v2()).await;
    // Only actions v2 does not make public per show: refused, nothing asked.
    let text = refused(
        &bot,
        follow(TWD).option("actions", "seen,rating"),
        "does not make seen, rating public per show",
    )
    .await;
    assert!(
        text.contains("watching, shout, review, created, item_added"),
        "lists what v2 offers: {text}"
    );
    assert!(bot
        .store
        .channel_follows(channel())
        .expect("follows")
        .is_empty());
    assert!(command_requests(&bot).is_empty(), "{:?}", bot.v2.paths());

    // A mix: what is available is followed, the rest named.
    let text = confirmed(&bot, follow(TWD).option("actions", "seen,shout,rating")).await;
    assert!(text.contains("for shout."), "{text}");
    assert!(
        text.contains("Left out: seen, rating") && text.contains("does not make public per show"),
        "{text}"
    );
    let subs = bot.store.channel_follows(channel()).expect("follows");
    assert_eq!(subs[0].actions, ActionSet::parse("shout").expect("shout"));

    // `all`: everything v2 offers, named.
    let text = confirmed(&bot, follow(TWD).option("actions", "all")).await;
    assert!(
        text.contains("Updated")
            && text.contains("everything Trakt API v2 makes public about a show: watching, shout, review, created, item_added")
            && text.contains("(was: shout)"),
        "{text}"
    );
    let subs = bot.store.channel_follows(channel()).expect("follows");
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].actions, ActionSet::v2_show());
    finish(bot).await;
}

#[tokio::test]
async fn the_follow_limit_is_checked_before_trakt() {
    let bot = Herald::start_with(Options {
        max_follows_per_guild: 1,
        ..v2()
    })
    .await;
    confirmed(&bot, follow(TWD)).await;
    let before = command_requests(&bot).len();
    let text = refused(
        &bot,
        follow("fear-the-walking-dead").in_channel(OTHER_CHANNEL_ID),
        "1 follows",
    )
    .await;
    assert!(text.contains("/unfollow"), "{text}");
    assert_eq!(
        command_requests(&bot).len(),
        before,
        "no lookup at the limit"
    );
    // Changing the existing follow is allowed at the limit.
    let text = confirmed(&bot, follow(TWD).option("actions", "review")).await;
    assert!(text.contains("Updated"), "{text}");
    finish(bot).await;
}

// ---- autocomplete ------------------------------------------------------------

#[tokio::test]
async fn follow_autocompletes_from_trakts_search() {
    let bot = Herald::start_with(v2()).await;
    let got = choices(&bot, "follow", "walking").await;
    assert!(got.len() >= 3, "{got:?}");
    assert_eq!(
        got[0],
        ("The Walking Dead (2010)".to_owned(), TWD.to_owned())
    );
    assert_eq!(
        got[1],
        (
            "Fear the Walking Dead (2015)".to_owned(),
            "fear-the-walking-dead".to_owned()
        )
    );
    let searches = |bot: &Herald| {
        bot.v2
            .log()
            .iter()
            .filter(|l| l.path == "/search/show")
            .count()
    };
    assert_eq!(searches(&bot), 1);
    // The same text again: from the cache.
    assert_eq!(choices(&bot, "follow", "Walking ").await, got);
    assert_eq!(searches(&bot), 1, "cached");
    // What already names a show offers itself and asks nothing.
    let before = bot.v2.log().len();
    for typed in [
        "https://trakt.tv/shows/the-walking-dead",
        "tt1520211",
        "153021",
    ] {
        assert_eq!(
            choices(&bot, "follow", typed).await,
            [(typed.to_owned(), typed.to_owned())]
        );
    }
    assert_eq!(bot.v2.log().len(), before);
    // A chosen value follows the show.
    add_fear(&bot);
    let text = confirmed(&bot, follow(&got[1].1)).await;
    assert!(text.contains("Fear the Walking Dead"), "{text}");
    finish(bot).await;
}

#[tokio::test]
async fn a_slow_search_answers_within_discords_three_seconds() {
    let bot = Herald::start_with(Options {
        trakt_timeout: "10s",
        ..v2()
    })
    .await;
    bot.v2.edit(|w| w.delay = Some(Duration::from_millis(2600)));
    let got = choices(&bot, "follow", "dead").await;
    assert!(
        got.is_empty(),
        "no choices rather than a late answer: {got:?}"
    );
    bot.v2.edit(|w| w.delay = None);
    // The search went on into the cache: the next keystroke is answered from it.
    eventually("the slow search is answered", WAIT, || {
        bot.v2.paths().iter().any(|p| p == "/search/show")
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got = choices(&bot, "follow", "dead").await;
    assert!(
        got.iter()
            .any(|(name, _)| name == "The Walking Dead (2010)"),
        "{got:?}"
    );
    let searches = bot
        .v2
        .paths()
        .iter()
        .filter(|p| *p == "/search/show")
        .count();
    assert_eq!(searches, 1, "the second answer came from the cache");
    // `finish` checks that no callback came after Discord's 3 s.
    finish(bot).await;
}

// ---- /unfollow and /follows --------------------------------------------------

#[tokio::test]
async fn follows_and_unfollow_name_v2_follows_by_title_and_slug() {
    let bot = Herald::start_with(v2()).await;
    add_fear(&bot);
    confirmed(&bot, follow(TWD).option("actions", "shout,review")).await;
    confirmed(&bot, follow("fear-the-walking-dead")).await;

    let replies = ask(&bot, CommandInvocation::new("follows").by(Member::plain())).await;
    assert!(replies[0].ephemeral);
    let text = text_of(&replies[0]);
    assert!(
        text.contains(&format!("**{TWD_TITLE}** (`{TWD}`)")) && text.contains("shout, review"),
        "{text}"
    );
    assert!(text.contains("(`fear-the-walking-dead`)"), "{text}");
    assert!(!text.contains("trakt:"), "no stored form shown: {text}");

    // Autocomplete from the channel's follows, values are slugs.
    let got = choices(&bot, "unfollow", "fear").await;
    assert_eq!(
        got,
        [(
            "Fear the Walking Dead (fear-the-walking-dead)".to_owned(),
            "fear-the-walking-dead".to_owned()
        )]
    );

    let before = bot.v2.log().len();
    let text = confirmed(
        &bot,
        CommandInvocation::new("unfollow")
            .option("show", "https://trakt.tv/shows/the-walking-dead/seasons/2"),
    )
    .await;
    assert!(
        text.contains("no longer follows")
            && text.contains(TWD_TITLE)
            && text.contains(&format!("`{TWD}`")),
        "{text}"
    );
    let text = confirmed(
        &bot,
        CommandInvocation::new("unfollow").option("show", "fear-the-walking-dead"),
    )
    .await;
    assert!(text.contains("Fear the Walking Dead"), "{text}");
    assert!(bot
        .store
        .channel_follows(channel())
        .expect("follows")
        .is_empty());
    refused(
        &bot,
        CommandInvocation::new("unfollow").option("show", TWD),
        "does not follow",
    )
    .await;
    assert_eq!(bot.v2.log().len(), before, "/unfollow asks Trakt nothing");

    // By title and by stored form too.
    confirmed(&bot, follow(TWD)).await;
    confirmed(
        &bot,
        CommandInvocation::new("unfollow").option("show", "the walking dead"),
    )
    .await;
    confirmed(&bot, follow(TWD)).await;
    confirmed(
        &bot,
        CommandInvocation::new("unfollow").option("show", "trakt:1393"),
    )
    .await;
    assert!(bot
        .store
        .channel_follows(channel())
        .expect("follows")
        .is_empty());
    finish(bot).await;
}

// ---- /activity -------------------------------------------------------------

fn fixture<T: serde::de::DeserializeOwned>(name: &str) -> T {
    serde_json::from_value(fixture_json(name)).expect("the fixture parses")
}

fn embed_json(a: &trakt_herald::activity::Activity) -> Value {
    let mut e = serde_json::to_value(format::render(a)).expect("json");
    if let Some(map) = e.as_object_mut() {
        map.remove("type");
    }
    e
}

fn without_type(embed: &Value) -> Value {
    let mut e = embed.clone();
    if let Some(map) = e.as_object_mut() {
        map.remove("type");
    }
    e
}

/// What the fake holds for The Walking Dead newer than `bound`, as the
/// notifications would render it, newest first.
fn expected(bound: i64, wanted: ActionSet) -> Vec<(i64, Value)> {
    let show: Show = fixture("show-summary-full.json");
    let comments: Vec<Comment> = fixture("show-comments-newest.json");
    let lists: Vec<TraktList> = fixture("show-lists-personal-added.json");
    let items: Vec<ListItem> = fixture("list-items.json");
    let mut all = Vec::new();
    for c in &comments {
        all.push(map::show_comment(c, &show));
    }
    for l in &lists {
        all.extend(map::list_created(l));
    }
    let zombie = lists
        .iter()
        .find(|l| l.ids.trakt.0 == 31_882_114)
        .expect("the list");
    for i in &items {
        all.extend(map::list_item_added(zombie, i));
    }
    let this = ShowRef::Trakt(TWD_ID);
    let mut kept: Vec<(i64, Value)> = all
        .iter()
        .filter(|a| a.time.0 > bound && wanted.contains(a.action))
        .filter(|a| a.subject_show().is_none_or(|s| s.is(&this)))
        .map(|a| (a.time.0, embed_json(a)))
        .collect();
    kept.sort_by_key(|(t, _)| std::cmp::Reverse(*t));
    kept
}

#[tokio::test]
async fn activity_on_v2_shows_comments_and_lists_newest_first() {
    let bot = Herald::start_with(v2()).await;
    // Default window: a day back from Trakt's clock.
    let replies = ask(
        &bot,
        CommandInvocation::new("activity")
            .option("show", TWD)
            .by(Member::plain()),
    )
    .await;
    let reply = &replies[0];
    assert!(!reply.ephemeral, "{reply:#?}");
    let want = expected(FAKE_NOW - 86_400, ActionSet::all());
    assert_eq!(want.len(), 11, "the fixtures' day: {want:?}");
    let content = reply.content.clone().unwrap_or_default();
    assert!(
        content.contains(TWD_TITLE) && content.contains("10 of 11"),
        "{content}"
    );
    assert_eq!(reply.embeds.len(), 10);
    for (got, (_, want)) in reply.embeds.iter().zip(&want) {
        assert_eq!(without_type(got), *want);
    }

    // The last hour by address, then reviews only.
    let replies = ask(
        &bot,
        CommandInvocation::new("activity")
            .option("show", "https://trakt.tv/shows/the-walking-dead")
            .option("since", "1h"),
    )
    .await;
    let want = expected(FAKE_NOW - 3600, ActionSet::all());
    assert_eq!(want.len(), 4);
    let content = replies[0].content.clone().unwrap_or_default();
    assert!(content.contains("4 of 4."), "{content}");
    let got: Vec<Value> = replies[0].embeds.iter().map(without_type).collect();
    let want: Vec<Value> = want.into_iter().map(|(_, e)| e).collect();
    assert_eq!(got, want);

    let review = ActionSet::parse("review").expect("review");
    let replies = ask(
        &bot,
        CommandInvocation::new("activity")
            .option("show", "tt1520211")
            .option("actions", "review")
            .option("since", "1h"),
    )
    .await;
    let want = expected(FAKE_NOW - 3600, review);
    assert_eq!(want.len(), 1);
    assert_eq!(replies[0].embeds.len(), 1, "{replies:#?}");
    assert_eq!(without_type(&replies[0].embeds[0]), want[0].1);

    // Nothing in the window; only unavailable actions are refused.
    bot.v2.set_now("2026-12-15T02:00:00Z");
    let text = confirmed(
        &bot,
        CommandInvocation::new("activity")
            .option("show", TWD)
            .option("since", "2h"),
    )
    .await;
    assert!(
        text.contains(&format!("No activity in the last 2h for **{TWD_TITLE}**")),
        "{text}"
    );
    refused(
        &bot,
        CommandInvocation::new("activity")
            .option("show", TWD)
            .option("actions", "seen"),
        "does not make seen public per show",
    )
    .await;
    // A lookup only: nothing followed, nothing queued.
    assert!(bot.store.followed_shows().expect("shows").is_empty());
    assert_eq!(bot.store.outbox_len().expect("outbox"), 0);
    finish(bot).await;
}

// ---- a refused key, v1 ------------------------------------------------------

#[tokio::test]
async fn a_refused_key_is_answered_privately_and_no_request_follows() {
    let bot = Herald::start_with(v2()).await;
    bot.v2
        .edit(|w| w.client_id = "another-client-id".to_owned());
    refused(&bot, follow(TWD), KEY_REFUSED).await;
    assert!(bot
        .store
        .channel_follows(channel())
        .expect("follows")
        .is_empty());
    let after_first = bot.v2.log().len();
    assert_eq!(command_requests(&bot).len(), 1, "{:?}", bot.v2.paths());

    refused(&bot, follow("tt1520211"), KEY_REFUSED).await;
    refused(
        &bot,
        CommandInvocation::new("activity").option("show", TWD),
        KEY_REFUSED,
    )
    .await;
    assert!(choices(&bot, "follow", "walking").await.is_empty());
    assert_eq!(
        bot.v2.log().len(),
        after_first,
        "no request after the refusal"
    );
    assert!(bot
        .store
        .channel_follows(channel())
        .expect("follows")
        .is_empty());
    // What needs no Trakt still works.
    let replies = ask(&bot, CommandInvocation::new("follows")).await;
    assert!(
        text_of(&replies[0]).contains("follows no show"),
        "{replies:#?}"
    );
    finish(bot).await;
}

#[tokio::test]
async fn v1_refuses_trakt_ids() {
    let bot = Herald::start_with(Options {
        poll_interval: "1h",
        ..Options::default()
    })
    .await;
    refused(&bot, follow("trakt:1393"), "cannot look up Trakt ids").await;
    refused(
        &bot,
        CommandInvocation::new("activity").option("show", "trakt:1393"),
        "cannot look up Trakt ids",
    )
    .await;
    assert!(bot
        .store
        .channel_follows(channel())
        .expect("follows")
        .is_empty());
    assert_eq!(bot.trakt.request_count(), 0, "{:?}", bot.trakt.requests());
    finish(bot).await;
}

#[tokio::test]
async fn pause_and_resume_find_a_v2_follow_by_slug_title_or_address() {
    let bot = Herald::start_with(v2()).await;
    confirmed(&bot, follow(TWD)).await;
    let state = |bot: &Herald| {
        bot.store.channel_follows(channel()).expect("follows")[0]
            .state
            .clone()
    };
    let text = confirmed(&bot, CommandInvocation::new("pause").option("follow", TWD)).await;
    assert!(text.contains(TWD_TITLE) && text.contains(TWD), "{text}");
    assert!(matches!(state(&bot), SubState::Paused { .. }));
    let text = confirmed(
        &bot,
        CommandInvocation::new("resume").option(
            "follow",
            "https://trakt.tv/shows/the-walking-dead/seasons/2",
        ),
    )
    .await;
    assert!(text.contains("Resumed"), "{text}");
    assert_eq!(state(&bot), SubState::Active);
    confirmed(
        &bot,
        CommandInvocation::new("pause").option("follow", "the walking dead"),
    )
    .await;
    assert!(matches!(state(&bot), SubState::Paused { .. }));
    refused(
        &bot,
        CommandInvocation::new("resume").option("follow", "lost"),
        "does not follow `lost`",
    )
    .await;
    finish(bot).await;
}
