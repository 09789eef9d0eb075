//! The slash commands end to end (issue 5): the real bot, serenity and poise
//! against the fake Discord and the fake Trakt. Each test checks what the user
//! sees (content, privacy, deferral) and what the store holds afterwards, and
//! that every reply goes out with mentions disabled and within Discord's limits.

use std::time::Duration;

use serde_json::{json, Value};
use trakt_herald::discord::commands::{APOLOGY, OUTDATED};
use trakt_herald::format;
use trakt_herald::ids::{ChannelId, GuildId};
use trakt_herald::store::SubState;
use trakt_herald::trakt::{ActionSet, Activity, ShowRef, TraktTime};

use crate::support::activities::{episode_activity, TestShow};
use crate::support::fake_discord::{
    CommandInvocation, InteractionRef, Member, Reply, ReplyKind, Route, CHANNEL_ID, GUILD_ID,
    OTHER_CHANNEL_ID,
};
use crate::support::fake_trakt::FailKind;
use crate::support::herald::{Herald, Options, WAIT};

const TWD: &str = "the-walking-dead";
const TWD_TITLE: &str = "The Walking Dead";
const TWD_TVDB: u64 = 153_021;

/// What the client retries before giving up (`RetryPolicy::default`).
const TRAKT_ATTEMPTS: usize = 4;

/// An activity about a show, in Trakt's v1 shape.
fn activity(id: u64, action: &str, user: &str, ts: i64, slug: &str, title: &str) -> Value {
    let tvdb = if slug == TWD {
        TWD_TVDB.to_string()
    } else {
        (900_000 + id).to_string()
    };
    let show = TestShow {
        slug,
        title,
        tvdb_id: Some(tvdb),
    };
    episode_activity(id, action, user, ts, &show, id, &format!("Episode {id}"))
}

fn twd() -> ShowRef {
    ShowRef::parse(TWD).expect("a valid slug")
}

fn show(slug: &str) -> ShowRef {
    ShowRef::parse(slug).expect("a valid slug")
}

fn follow(show: &str) -> CommandInvocation {
    CommandInvocation::new("follow").option("show", show)
}

/// Options with a poller that stays quiet after its first (empty) tick, so
/// that every Trakt request a test sees comes from a command.
fn quiet() -> Options {
    Options {
        poll_interval: "1h",
        ..Options::default()
    }
}

/// Dispatch and wait until the bot sent more than a defer.
async fn ask(bot: &Herald, invocation: CommandInvocation) -> (InteractionRef, Vec<Reply>) {
    let r = bot.discord.interact(invocation).await;
    let replies = bot.discord.wait_reply(&r, WAIT).await;
    (r, replies)
}

/// Wait until the replies to `r` satisfy `done`.
async fn replies_until(
    bot: &Herald,
    r: &InteractionRef,
    done: impl Fn(&[Reply]) -> bool,
) -> Vec<Reply> {
    bot.discord
        .wait_for(
            |state| {
                let replies = state.replies(r);
                done(&replies).then_some(replies)
            },
            WAIT,
        )
        .await
}

/// Everything a reply shows: content, embed titles and descriptions.
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

/// The single visible answer of a command that failed: private, and naming
/// `needle`. Returns its text.
async fn refused(bot: &Herald, invocation: CommandInvocation, needle: &str) -> String {
    let what = format!("/{} {:?}", invocation.name, invocation.options);
    let (_, replies) = ask(bot, invocation).await;
    let shown: Vec<&Reply> = replies
        .iter()
        .filter(|r| r.kind != ReplyKind::Defer)
        .collect();
    assert_eq!(shown.len(), 1, "{what}: one answer: {replies:#?}");
    let reply = shown[0];
    assert!(reply.ephemeral, "{what}: the error is private: {reply:#?}");
    let text = text_of(reply);
    assert!(
        text.to_lowercase().contains(&needle.to_lowercase()),
        "{what}: the error names the problem ({needle}): {text}"
    );
    assert_no_internals(&text);
    text
}

/// Nothing of our internals in a user-visible text.
fn assert_no_internals(text: &str) {
    for leak in [
        "internal error",
        "store:",
        "trakt:",
        "discord:",
        "HTTP ",
        "API key",
        "sled",
        "127.0.0.1",
        "testkey",
    ] {
        assert!(
            !text.contains(leak),
            "internal detail `{leak}` shown: {text}"
        );
    }
}

/// The checks every test ends with: every message the bot sent for an
/// interaction disables mentions, Discord accepted every body in time, and
/// the bot stops cleanly.
async fn finish(mut bot: Herald) {
    let callbacks = bot
        .discord
        .requests_to(&Route::new("POST", "/interactions/*/*/callback"));
    for c in &callbacks {
        if c.body["type"] == json!(4) {
            assert_eq!(
                c.body["data"]["allowed_mentions"]["parse"],
                json!([]),
                "a reply that may ping: {}",
                c.body
            );
        }
    }
    for f in bot
        .discord
        .requests_to(&Route::new("POST", "/webhooks/*/*"))
    {
        assert_eq!(
            f.body["allowed_mentions"]["parse"],
            json!([]),
            "a followup that may ping: {}",
            f.body
        );
    }
    let violations = bot.discord.violations();
    assert!(violations.is_empty(), "{violations:#?}");
    bot.stop().await;
}

fn channel() -> ChannelId {
    ChannelId(CHANNEL_ID)
}

fn guild() -> GuildId {
    GuildId(GUILD_ID)
}

fn trakt_asked_about(bot: &Herald, slug: &str) -> bool {
    bot.trakt
        .requests()
        .iter()
        .any(|p| p.split('/').any(|seg| seg.split(',').any(|s| s == slug)))
}

// ---- /follow -------------------------------------------------------------

#[tokio::test]
async fn follow_by_a_moderator_confirms_publicly_and_stores() {
    let bot = Herald::start_with(quiet()).await;
    let now = bot.trakt.now();
    bot.trakt
        .publish(activity(1, "seen", "alice", now - 600, TWD, TWD_TITLE));

    let (_, replies) = ask(&bot, follow(TWD).option("actions", "seen,shout")).await;
    assert_eq!(replies.len(), 1, "{replies:#?}");
    assert_eq!(replies[0].kind, ReplyKind::Message);
    assert!(!replies[0].ephemeral, "the confirmation is public");
    let text = text_of(&replies[0]);
    assert!(text.contains(TWD_TITLE), "names the show's title: {text}");
    assert!(
        text.contains("seen") && text.contains("shout"),
        "names both actions: {text}"
    );
    assert!(text.contains("This channel now follows"), "{text}");

    let subs = bot.store.channel_follows(channel()).expect("follows");
    assert_eq!(subs.len(), 1, "{subs:?}");
    let sub = &subs[0];
    assert_eq!(sub.show, twd());
    assert_eq!(sub.title, TWD_TITLE);
    assert_eq!(sub.guild, guild());
    assert_eq!(
        sub.actions,
        ActionSet::parse("seen,shout").expect("actions")
    );
    assert_eq!(sub.state, SubState::Active);
    let state = bot.store.show_state(&twd()).expect("show state");
    assert_eq!(
        state.watermark,
        Some(TraktTime(now)),
        "the watermark starts at Trakt's clock, so old activity is not posted"
    );

    // Following again changes the actions, and says so.
    let (_, replies) = ask(&bot, follow(TWD).option("actions", "checkin")).await;
    let text = text_of(&replies[0]);
    assert!(!replies[0].ephemeral);
    assert!(
        text.contains("Updated") && text.contains("checkin") && text.contains("was: seen, shout"),
        "{text}"
    );
    let subs = bot.store.channel_follows(channel()).expect("follows");
    assert_eq!(subs.len(), 1, "still one follow: {subs:?}");
    assert_eq!(
        subs[0].actions,
        ActionSet::parse("checkin").expect("actions")
    );
    assert_eq!(
        bot.store.show_state(&twd()).expect("state").watermark,
        Some(TraktTime(now)),
        "a re-follow does not move the watermark"
    );

    // Without actions: all of them.
    let (_, replies) = ask(&bot, follow(TWD)).await;
    assert!(
        text_of(&replies[0]).contains("all activity"),
        "{replies:#?}"
    );
    let subs = bot.store.channel_follows(channel()).expect("follows");
    assert!(subs[0].actions.is_all());
    finish(bot).await;
}

#[tokio::test]
async fn follow_by_tvdb_id_names_the_show_and_a_refollow_keeps_the_title() {
    let bot = Herald::start_with(quiet()).await;
    let now = bot.trakt.now();
    bot.trakt
        .publish(activity(1, "seen", "alice", now - 600, TWD, TWD_TITLE));

    let (_, replies) = ask(&bot, follow(&TWD_TVDB.to_string())).await;
    let text = text_of(&replies[0]);
    assert!(text.contains(TWD_TITLE), "{text}");
    let subs = bot.store.channel_follows(channel()).expect("follows");
    assert_eq!(subs[0].show, ShowRef::Tvdb(TWD_TVDB));
    assert_eq!(subs[0].title, TWD_TITLE);

    // Trakt's answer names the show no more (nothing happened lately): a
    // re-follow keeps the title it had.
    bot.trakt.fail_next(1, FailKind::Slow(Duration::ZERO));
    let (_, replies) = ask(
        &bot,
        follow(&TWD_TVDB.to_string()).option("actions", "rating"),
    )
    .await;
    let text = text_of(&replies[0]);
    assert!(
        text.contains(TWD_TITLE) && text.contains("rating"),
        "{text}"
    );
    let subs = bot.store.channel_follows(channel()).expect("follows");
    assert_eq!(subs[0].title, TWD_TITLE, "the title is not lost");
    finish(bot).await;
}

#[tokio::test]
async fn a_follow_does_not_post_old_activity() {
    let bot = Herald::start().await;
    let now = bot.trakt.now();
    // From before the follow (older than the poll overlap): never posted.
    bot.trakt
        .publish(activity(1, "seen", "old-alice", now - 600, TWD, TWD_TITLE));
    ask(&bot, follow(TWD)).await;

    let t = bot.trakt.now() + 1;
    bot.trakt.advance(5);
    bot.trakt
        .publish(activity(2, "seen", "new-bob", t, TWD, TWD_TITLE));
    let messages = bot.discord.wait_channel_messages(CHANNEL_ID, 1, WAIT).await;
    let all = serde_json::to_string(&messages).expect("json");
    assert!(all.contains("new-bob"), "{all}");
    assert!(!all.contains("old-alice"), "old activity flooded in: {all}");
    finish(bot).await;
}

#[tokio::test]
async fn follow_refused_for_members_and_in_dms() {
    let bot = Herald::start_with(quiet()).await;
    refused(&bot, follow(TWD).by(Member::plain()), "Manage Channels").await;
    refused(&bot, follow(TWD).in_dm_channel(), "server").await;
    refused(
        &bot,
        CommandInvocation::new("unfollow")
            .option("show", TWD)
            .by(Member::plain()),
        "Manage Channels",
    )
    .await;

    assert!(bot
        .store
        .channel_follows(channel())
        .expect("follows")
        .is_empty());
    assert!(bot
        .store
        .channel_follows(ChannelId(crate::support::fake_discord::DM_CHANNEL_ID))
        .expect("follows")
        .is_empty());
    assert_eq!(bot.store.guild_follow_count(guild()).expect("count"), 0);
    assert_eq!(bot.trakt.request_count(), 0, "{:?}", bot.trakt.requests());
    finish(bot).await;
}

#[tokio::test]
async fn follow_refuses_bad_input_without_asking_trakt() {
    let bot = Herald::start_with(quiet()).await;
    let long = "a".repeat(300);
    let cases: [(&str, Option<&str>, &str); 8] = [
        ("../x", None, "`.`"),
        ("a/b", None, "`/`"),
        ("a,b", None, "`,`"),
        ("x%2Fy", None, "`%`"),
        ("", None, "the show is empty"),
        (&long, None, "300 characters"),
        ("The Walking Dead", None, "space"),
        (TWD, Some("seen,bogus"), "`bogus` is not an action"),
    ];
    for (show, actions, needle) in cases {
        let mut invocation = follow(show);
        if let Some(a) = actions {
            invocation = invocation.option("actions", a);
        }
        refused(&bot, invocation, needle).await;
    }
    // /activity validates the same way.
    refused(
        &bot,
        CommandInvocation::new("activity").option("show", "a/b"),
        "`/`",
    )
    .await;
    assert!(bot
        .store
        .channel_follows(channel())
        .expect("follows")
        .is_empty());
    assert_eq!(bot.store.guild_follow_count(guild()).expect("count"), 0);
    assert_eq!(
        bot.trakt.request_count(),
        0,
        "bad input never reaches Trakt: {:?}",
        bot.trakt.requests()
    );
    finish(bot).await;
}

#[tokio::test]
async fn follow_refuses_an_unknown_show() {
    let bot = Herald::start_with(quiet()).await;
    bot.trakt.set_unknown_show("no-such-show");
    let text = refused(&bot, follow("no-such-show"), "no show").await;
    assert!(text.contains("`no-such-show`"), "{text}");
    assert!(bot
        .store
        .channel_follows(channel())
        .expect("follows")
        .is_empty());
    assert_eq!(
        bot.store
            .show_state(&show("no-such-show"))
            .expect("state")
            .watermark,
        None
    );
    assert!(trakt_asked_about(&bot, "no-such-show"));
    finish(bot).await;
}

#[tokio::test]
async fn follow_enforces_the_per_guild_limit() {
    let bot = Herald::start_with(Options {
        max_follows_per_guild: 2,
        ..quiet()
    })
    .await;
    ask(&bot, follow("show-a")).await;
    ask(&bot, follow("show-b").in_channel(OTHER_CHANNEL_ID)).await;
    assert_eq!(bot.store.guild_follow_count(guild()).expect("count"), 2);

    let text = refused(&bot, follow("show-c"), "2 follows").await;
    assert!(text.contains("/unfollow"), "says what to do: {text}");
    assert!(
        !trakt_asked_about(&bot, "show-c"),
        "the limit is checked before Trakt: {:?}",
        bot.trakt.requests()
    );
    let shows: Vec<ShowRef> = bot
        .store
        .channel_follows(channel())
        .expect("follows")
        .into_iter()
        .map(|s| s.show)
        .collect();
    assert_eq!(shows, [show("show-a")]);
    assert_eq!(bot.store.guild_follow_count(guild()).expect("count"), 2);

    // Changing an existing follow is allowed at the limit.
    let (_, replies) = ask(&bot, follow("show-a").option("actions", "shout")).await;
    assert!(text_of(&replies[0]).contains("Updated"), "{replies:#?}");
    finish(bot).await;
}

#[tokio::test]
async fn follow_when_trakt_is_down_says_try_again_later() {
    let bot = Herald::start_with(quiet()).await;
    bot.trakt
        .fail_next(TRAKT_ATTEMPTS, FailKind::ServerErrorHtml);
    refused(&bot, follow(TWD), "try again later").await;
    assert_eq!(
        bot.trakt.request_count(),
        TRAKT_ATTEMPTS,
        "retried, then gave up"
    );
    assert!(bot
        .store
        .channel_follows(channel())
        .expect("follows")
        .is_empty());
    assert_eq!(bot.store.show_state(&twd()).expect("state").watermark, None);
    finish(bot).await;
}

#[tokio::test]
async fn internal_errors_are_an_apology_only() {
    let bot = Herald::start_with(quiet()).await;
    // A refused API key is our problem, not the user's.
    bot.trakt.fail_next(1, FailKind::Unauthorized);
    let text = refused(&bot, follow(TWD), APOLOGY).await;
    assert!(!text.to_lowercase().contains("key"), "{text}");
    assert!(bot
        .store
        .channel_follows(channel())
        .expect("follows")
        .is_empty());

    bot.trakt.fail_next(1, FailKind::Unauthorized);
    refused(
        &bot,
        CommandInvocation::new("activity").option("show", TWD),
        APOLOGY,
    )
    .await;
    finish(bot).await;
}

#[tokio::test]
async fn an_outdated_command_still_gets_an_answer() {
    let bot = Herald::start_with(quiet()).await;
    // Options that no longer match the definition (a stale registration).
    refused(
        &bot,
        CommandInvocation::new("follow").option("show", 153_021),
        OUTDATED,
    )
    .await;
    refused(&bot, CommandInvocation::new("follow"), OUTDATED).await;
    // A command this build does not have.
    refused(&bot, CommandInvocation::new("subscribe"), OUTDATED).await;
    assert_eq!(bot.store.guild_follow_count(guild()).expect("count"), 0);
    assert_eq!(bot.trakt.request_count(), 0);
    finish(bot).await;
}

#[tokio::test]
async fn slow_trakt_defers_the_reply_within_three_seconds() {
    let bot = Herald::start_with(Options {
        trakt_timeout: "10s",
        ..quiet()
    })
    .await;
    let now = bot.trakt.now();
    bot.trakt
        .fail_next(1, FailKind::Slow(Duration::from_millis(2600)));
    let r = bot
        .discord
        .interact(follow(TWD).option("actions", "seen,shout"))
        .await;
    let replies = replies_until(&bot, &r, |rs| {
        rs.iter()
            .any(|x| x.kind == ReplyKind::Followup && !x.ephemeral)
    })
    .await;
    assert_eq!(replies[0].kind, ReplyKind::Defer, "{replies:#?}");
    assert!(replies[0].ephemeral, "deferred privately: {replies:#?}");
    let public: Vec<&Reply> = replies.iter().filter(|x| !x.ephemeral).collect();
    assert_eq!(public.len(), 1, "{replies:#?}");
    let text = text_of(public[0]);
    assert!(
        text.contains(TWD) && text.contains("seen") && text.contains("shout"),
        "{text}"
    );
    let subs = bot.store.channel_follows(channel()).expect("follows");
    assert_eq!(subs.len(), 1);
    assert_eq!(
        bot.store.show_state(&twd()).expect("state").watermark,
        Some(TraktTime(now))
    );
    // `finish` asserts no callback came after Discord's 3 s.
    finish(bot).await;
}

// ---- /unfollow -------------------------------------------------------------

#[tokio::test]
async fn unfollow_removes_and_refuses_unknown() {
    let bot = Herald::start_with(quiet()).await;
    ask(&bot, follow(TWD)).await;
    ask(&bot, follow("other-show")).await;
    ask(&bot, follow(TWD).in_channel(OTHER_CHANNEL_ID)).await;

    let (_, replies) = ask(&bot, CommandInvocation::new("unfollow").option("show", TWD)).await;
    let text = text_of(&replies[0]);
    assert!(text.contains("no longer follows"), "{text}");
    let shows: Vec<ShowRef> = bot
        .store
        .channel_follows(channel())
        .expect("follows")
        .into_iter()
        .map(|s| s.show)
        .collect();
    assert_eq!(shows, [show("other-show")]);
    assert_eq!(
        bot.store
            .channel_follows(ChannelId(OTHER_CHANNEL_ID))
            .expect("follows")
            .len(),
        1,
        "the other channel keeps its follow"
    );

    refused(
        &bot,
        CommandInvocation::new("unfollow").option("show", TWD),
        "does not follow",
    )
    .await;
    refused(
        &bot,
        CommandInvocation::new("unfollow").option("show", "The Walking Dead"),
        "space",
    )
    .await;
    assert_eq!(bot.store.guild_follow_count(guild()).expect("count"), 2);
    finish(bot).await;
}

#[tokio::test]
async fn unfollow_autocompletes_this_channels_follows() {
    let bot = Herald::start_with(quiet()).await;
    for i in 1..=30 {
        let (_, replies) = ask(&bot, follow(&format!("show-{i:02}"))).await;
        assert!(!replies[0].ephemeral, "{replies:#?}");
    }
    ask(&bot, follow("elsewhere").in_channel(OTHER_CHANNEL_ID)).await;
    assert_eq!(
        bot.store.channel_follows(channel()).expect("follows").len(),
        30
    );

    let complete =
        |typed: &str| CommandInvocation::new("unfollow").option("show", typed.to_owned());
    let values = |replies: &[Reply]| -> Vec<String> {
        let reply = replies
            .iter()
            .find(|r| r.kind == ReplyKind::Autocomplete)
            .expect("an autocomplete answer");
        reply
            .choices
            .iter()
            .map(|c| c["value"].as_str().expect("a string value").to_owned())
            .collect()
    };

    let r = bot.discord.autocomplete(complete(""), "show").await;
    let all = values(&bot.discord.wait_reply(&r, WAIT).await);
    assert_eq!(all.len(), 25, "at most 25 choices: {all:?}");
    assert!(all.iter().all(|v| v.starts_with("show-")), "{all:?}");

    let r = bot.discord.autocomplete(complete("show-1"), "show").await;
    let some = values(&bot.discord.wait_reply(&r, WAIT).await);
    let expected: Vec<String> = (10..=19).map(|i| format!("show-{i}")).collect();
    assert_eq!(some, expected);

    let r = bot.discord.autocomplete(complete("else"), "show").await;
    let none = values(&bot.discord.wait_reply(&r, WAIT).await);
    assert!(none.is_empty(), "another channel's follows: {none:?}");

    // A chosen value works.
    let (_, replies) = ask(&bot, complete(&some[0])).await;
    assert!(
        text_of(&replies[0]).contains("no longer follows"),
        "{replies:#?}"
    );
    assert_eq!(
        bot.store.channel_follows(channel()).expect("follows").len(),
        29
    );
    finish(bot).await;
}

// ---- /follows --------------------------------------------------------------

#[tokio::test]
async fn follows_lists_actions_and_state() {
    let bot = Herald::start_with(quiet()).await;
    let now = bot.trakt.now();
    bot.trakt
        .publish(activity(1, "seen", "alice", now - 60, TWD, TWD_TITLE));
    ask(&bot, follow(TWD).option("actions", "seen,shout")).await;
    ask(&bot, follow("other-show")).await;
    ask(&bot, follow("elsewhere").in_channel(OTHER_CHANNEL_ID)).await;

    // Anyone may list.
    let (_, replies) = ask(&bot, CommandInvocation::new("follows").by(Member::plain())).await;
    assert!(replies[0].ephemeral, "{replies:#?}");
    let text = text_of(&replies[0]);
    assert!(text.contains("(2)"), "{text}");
    assert!(
        text.contains(TWD_TITLE) && text.contains("seen, shout") && text.contains("active"),
        "{text}"
    );
    assert!(
        text.contains("other-show") && text.contains("all activity"),
        "{text}"
    );
    assert!(!text.contains("elsewhere"), "only this channel: {text}");

    let since = 1_700_000_000;
    let stats = bot
        .store
        .disable_channel(
            channel(),
            "Discord refused the channel (Missing Access)",
            since,
        )
        .expect("disable");
    assert_eq!(stats.subscriptions, 2);
    let (_, replies) = ask(&bot, CommandInvocation::new("follows")).await;
    let text = text_of(&replies[0]);
    assert!(replies[0].ephemeral);
    assert!(
        text.contains("disabled")
            && text.contains("Missing Access")
            && text.contains(&format!("<t:{since}:R>")),
        "says why and since when: {text}"
    );
    assert!(!text.contains("— active"), "{text}");

    let (_, replies) = ask(
        &bot,
        CommandInvocation::new("follows").in_channel(OTHER_CHANNEL_ID),
    )
    .await;
    assert!(text_of(&replies[0]).contains("elsewhere"), "{replies:#?}");
    finish(bot).await;
}

// ---- /activity -------------------------------------------------------------

/// The embeds a notification of `activity` carries, as JSON.
fn notification_embed(activity: &Value) -> Value {
    let parsed: Activity = serde_json::from_value(activity.clone()).expect("an activity");
    serde_json::to_value(format::render(&trakt_herald::activity::Activity::from(
        &parsed,
    )))
    .expect("json")
}

/// Discord's echo and serenity's builder may add `type: rich`; compare the rest.
fn without_type(embed: &Value) -> Value {
    let mut e = embed.clone();
    if let Some(map) = e.as_object_mut() {
        map.remove("type");
    }
    e
}

#[tokio::test]
async fn activity_shows_recent_activity_newest_first() {
    let bot = Herald::start_with(quiet()).await;
    let now = bot.trakt.now();
    let mut published = Vec::new();
    // Twelve in the last 3 hours, oldest first; one for another show.
    for i in 0..12u64 {
        let ts = now - 3 * 3600 + 60 + 900 * i as i64;
        let action = if i % 2 == 0 { "seen" } else { "shout" };
        let a = activity(i + 1, action, &format!("user{i}"), ts, TWD, TWD_TITLE);
        bot.trakt.publish(a.clone());
        published.push(a);
    }
    bot.trakt.publish(activity(
        50,
        "seen",
        "stranger",
        now - 100,
        "other-show",
        "Other",
    ));
    let outbox = bot.store.outbox_len().expect("outbox");

    // Default window (1 day): ten of twelve, newest first, as notifications.
    let (_, replies) = ask(
        &bot,
        CommandInvocation::new("activity")
            .option("show", TWD)
            .by(Member::plain()),
    )
    .await;
    let reply = &replies[0];
    assert!(!reply.ephemeral, "{reply:#?}");
    assert_eq!(reply.embeds.len(), 10, "{reply:#?}");
    let content = reply.content.clone().unwrap_or_default();
    assert!(
        content.contains("10 of 12") && content.contains(TWD_TITLE),
        "{content}"
    );
    let newest_first: Vec<Value> = published
        .iter()
        .rev()
        .take(10)
        .map(notification_embed)
        .collect();
    for (got, want) in reply.embeds.iter().zip(&newest_first) {
        assert_eq!(without_type(got), without_type(want));
    }
    let first_title = reply.embeds[0]["title"].as_str().unwrap_or_default();
    assert!(
        first_title.contains("user11") && first_title.contains(TWD_TITLE),
        "{first_title}"
    );
    assert!(!serde_json::to_string(&reply.embeds)
        .expect("json")
        .contains("stranger"));

    // since:1h → the four of the last hour; actions narrow it further.
    let (_, replies) = ask(
        &bot,
        CommandInvocation::new("activity")
            .option("show", TWD)
            .option("since", "1h"),
    )
    .await;
    let users: Vec<String> = replies[0]
        .embeds
        .iter()
        .map(|e| e["author"]["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(users.len(), 4, "{users:?}");
    assert!(
        users[0].contains("user11") && users[3].contains("user8"),
        "{users:?}"
    );
    let (_, replies) = ask(
        &bot,
        CommandInvocation::new("activity")
            .option("show", TWD)
            .option("actions", "shout")
            .option("since", "1h"),
    )
    .await;
    assert_eq!(replies[0].embeds.len(), 2, "{replies:#?}");
    assert!(replies[0]
        .embeds
        .iter()
        .all(|e| e["footer"] == notification_embed(&published[1])["footer"]));

    // Nothing stored, nothing queued, no watermark: a lookup only.
    assert_eq!(bot.store.outbox_len().expect("outbox"), outbox);
    assert_eq!(
        bot.store.show_state(&twd()).expect("state"),
        Default::default()
    );
    assert!(bot.store.followed_shows().expect("shows").is_empty());
    finish(bot).await;
}

#[tokio::test]
async fn activity_empty_window_bad_since_and_outage() {
    let bot = Herald::start_with(quiet()).await;
    let now = bot.trakt.now();
    bot.trakt
        .publish(activity(1, "seen", "alice", now - 3 * 3600, TWD, TWD_TITLE));
    // Follow it, so there is a watermark and an outbox to leave alone.
    ask(&bot, follow(TWD)).await;
    let state = bot.store.show_state(&twd()).expect("state");
    assert_eq!(state.watermark, Some(TraktTime(now)));

    bot.trakt.advance(30);
    let (_, replies) = ask(
        &bot,
        CommandInvocation::new("activity")
            .option("show", TWD)
            .option("since", "2h"),
    )
    .await;
    let text = text_of(&replies[0]);
    assert!(
        text.contains(&format!("No activity in the last 2h for **{TWD_TITLE}**")),
        "{text}"
    );
    assert!(replies[0].embeds.is_empty());

    let text = refused(
        &bot,
        CommandInvocation::new("activity")
            .option("show", TWD)
            .option("since", "yesterday"),
        "`yesterday`",
    )
    .await;
    assert!(text.contains("2h") && text.contains("3days"), "{text}");
    refused(
        &bot,
        CommandInvocation::new("activity")
            .option("show", TWD)
            .option("since", "90days"),
        "30 days",
    )
    .await;

    bot.trakt
        .fail_next(TRAKT_ATTEMPTS, FailKind::ServerErrorHtml);
    refused(
        &bot,
        CommandInvocation::new("activity").option("show", TWD),
        "try again later",
    )
    .await;

    bot.trakt.set_unknown_show("no-such-show");
    refused(
        &bot,
        CommandInvocation::new("activity").option("show", "no-such-show"),
        "no show",
    )
    .await;

    assert_eq!(
        bot.store.show_state(&twd()).expect("state"),
        state,
        "/activity never moves a watermark"
    );
    assert_eq!(bot.store.outbox_len().expect("outbox"), 0);
    assert!(bot.discord.channel_messages(CHANNEL_ID).is_empty());
    finish(bot).await;
}
