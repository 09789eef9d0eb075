//! `/status` end to end (issue 13, part): 60 follows (shows and users, three
//! channels) page through all of them with the buttons; someone else
//! pressing them gets a private "not yours" and turns nothing; a 403 on
//! delivery shows there; the Trakt budget and the Discord latency are on
//! every page. One page's JSON (embed and buttons) is an insta snapshot.

use serde_json::Value;
use trakt_herald::ids::{ChannelId, GuildId, UserId};
use trakt_herald::store::{NewFollow, NewUserFollow, Profile, SubState};
use trakt_herald::trakt::v2::UserSlug;
use trakt_herald::trakt::{ActionSet, ShowRef, TraktTime};

use crate::support::activities::{episode_activity, TestShow};
use crate::support::fake_discord::{
    CommandInvocation, Fault, Member, ReplyKind, Route, Times, CHANNEL_ID, GUILD_ID,
    OTHER_CHANNEL_ID,
};
use crate::support::herald::{eventually, Herald, T0, WAIT};

const THIRD_CHANNEL_ID: u64 = OTHER_CHANNEL_ID + 200;

/// 50 shows over three channels and 10 users: 60 follows, written straight
/// into the store (the server limit is for `/follow`).
fn seed_sixty(bot: &Herald) -> Vec<String> {
    let channels = [CHANNEL_ID, OTHER_CHANNEL_ID, THIRD_CHANNEL_ID];
    let mut names = Vec::new();
    for i in 0..50u64 {
        let slug = format!("show-{i:02}");
        bot.store
            .follow(NewFollow {
                guild: GuildId(GUILD_ID),
                channel: ChannelId(channels[(i % 3) as usize]),
                show: ShowRef::parse(&slug).expect("slug"),
                title: format!("Seeded Show {i:02}"),
                slug: None,
                actions: ActionSet::all(),
                created_by: UserId(1),
                now: 1,
                start_watermark: Some(TraktTime(T0)),
                max_per_guild: 1000,
            })
            .expect("follow");
        names.push(format!("Seeded Show {i:02}"));
    }
    for i in 0..10u64 {
        let user = format!("seeded-user-{i}");
        bot.store
            .follow_user(NewUserFollow {
                guild: GuildId(GUILD_ID),
                channel: ChannelId(channels[(i % 3) as usize]),
                user: UserSlug(user.clone()),
                profile: Profile {
                    username: user.clone(),
                    name: None,
                    avatar: None,
                },
                actions: ActionSet::all(),
                show: None,
                created_by: UserId(1),
                now: 1,
                start_watermark: Some(TraktTime(T0)),
                max_per_guild: 1000,
            })
            .expect("follow user");
        names.push(user);
    }
    names
}

/// The embed of a reply's message (a message or an update).
fn embed(body: &Value) -> Value {
    body["embeds"][0].clone()
}

fn button<'a>(body: &'a Value, which: &str) -> &'a Value {
    body["components"][0]["components"]
        .as_array()
        .expect("buttons")
        .iter()
        .find(|b| b["custom_id"].as_str().is_some_and(|c| c.ends_with(which)))
        .expect("the button")
}

async fn status(bot: &Herald, member: Member) -> (Value, Value) {
    let r = bot
        .discord
        .interact(CommandInvocation::new("status").by(member))
        .await;
    let replies = bot.discord.wait_reply(&r, WAIT).await;
    let first = replies
        .iter()
        .find(|r| r.kind == ReplyKind::Message)
        .expect("a message");
    assert!(first.ephemeral, "private: {replies:?}");
    let message = bot.discord.reply_message(&r).expect("the reply's message");
    (first.body.clone(), message)
}

#[tokio::test]
async fn sixty_follows_page_through_all_and_only_the_asker_turns_the_pages() {
    let mut bot = Herald::start().await;
    let names = seed_sixty(&bot);
    let (body, message) = status(&bot, Member::moderator()).await;
    let mut pages = vec![embed(&body)];
    assert_eq!(button(&body, "prev")["disabled"], true, "{body}");
    let next_id = button(&body, "next")["custom_id"]
        .as_str()
        .expect("id")
        .to_owned();

    // Someone else presses ▶: a private "not yours", nothing turns.
    let r = bot
        .discord
        .press_button(&message, &next_id, Member::plain())
        .await;
    let replies = bot.discord.wait_reply(&r, WAIT).await;
    assert_eq!(replies[0].kind, ReplyKind::Message, "{replies:?}");
    assert!(replies[0].ephemeral);
    let text = replies[0].content.clone().unwrap_or_default();
    assert!(text.contains("belong to whoever asked"), "{text}");
    assert!(replies[0].embeds.is_empty(), "no page shown to them");

    // The asker pages through to the end.
    loop {
        let r = bot
            .discord
            .press_button(&message, &next_id, Member::moderator())
            .await;
        let replies = bot.discord.wait_reply(&r, WAIT).await;
        assert_eq!(replies[0].kind, ReplyKind::OtherCallback(7), "{replies:?}");
        let body = replies[0].body.clone();
        pages.push(embed(&body));
        if button(&body, "next")["disabled"] == true {
            break;
        }
        assert!(pages.len() < 20, "the last page disables ▶");
    }
    assert_eq!(pages.len(), 6, "60 follows, 10 a page");
    let all: String = pages
        .iter()
        .map(|p| p["description"].as_str().unwrap_or_default().to_owned())
        .collect();
    for name in &names {
        assert_eq!(
            all.matches(&format!("**{name}**")).count(),
            1,
            "{name} once in all pages"
        );
    }
    for (i, page) in pages.iter().enumerate() {
        let footer = page["footer"]["text"].as_str().unwrap_or_default();
        assert!(
            footer.starts_with(&format!("Page {} of 6", i + 1)),
            "{footer}"
        );
        let bot_field = page["fields"][0]["value"].as_str().unwrap_or_default();
        assert!(
            bot_field.contains("Trakt budget: 15000 requests per 5 minutes"),
            "{bot_field}"
        );
        assert!(bot_field.contains("Discord latency"), "{bot_field}");
    }
    assert!(
        bot.discord.violations().is_empty(),
        "{:?}",
        bot.discord.violations()
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_refused_delivery_and_the_poll_state_show_in_status() {
    let mut bot = Herald::start().await;
    let show = TestShow {
        slug: "the-walking-dead",
        title: "The Walking Dead",
        tvdb_id: None,
    };
    let r = bot
        .discord
        .interact(CommandInvocation::new("follow").option("show", show.slug))
        .await;
    bot.discord.wait_reply(&r, WAIT).await;
    bot.discord.inject(
        Route::channel_messages(CHANNEL_ID),
        Fault::Forbidden { code: 50013 },
        Times::Forever,
    );
    let t = bot.trakt.now();
    bot.trakt.advance(5);
    bot.trakt.publish(episode_activity(
        1,
        "seen",
        "walter",
        t + 1,
        &show,
        1,
        "Pilot",
    ));
    eventually("the follow disabled", WAIT, || {
        bot.store
            .channel_follows(ChannelId(CHANNEL_ID))
            .expect("follows")
            .iter()
            .all(|s| matches!(s.state, SubState::Disabled { .. }))
    })
    .await;
    let (body, _) = status(&bot, Member::moderator()).await;
    let text = embed(&body)["description"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(text.contains(&format!("__<#{CHANNEL_ID}>__")), "{text}");
    assert!(text.contains("(`the-walking-dead`)"), "{text}");
    assert!(text.contains("⛔ disabled"), "{text}");
    assert!(text.contains("lacks permission"), "the reason: {text}");
    assert!(text.contains("polled <t:"), "the last poll: {text}");
    assert!(text.contains("0 pending"), "its posts were dropped: {text}");
    assert!(
        body["components"].as_array().is_none_or(|c| c.is_empty()),
        "one page: no buttons"
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_plain_member_may_not_ask_for_status() {
    let mut bot = Herald::start().await;
    let r = bot
        .discord
        .interact(CommandInvocation::new("status").by(Member::plain()))
        .await;
    let replies = bot.discord.wait_reply(&r, WAIT).await;
    let text = replies[0].content.clone().unwrap_or_default();
    assert!(text.contains("Manage Channels"), "{text}");
    assert!(replies[0].embeds.is_empty());
    bot.stop().await;
}

/// Times, counts and ids that change from run to run, made stable.
fn stable(value: &Value) -> Value {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find("<t:") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 3..];
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        out.push_str("<t:TIME");
        rest = &after[digits..];
    }
    out.push_str(rest);
    // Whether the poller got to a show before /status is a race.
    let out = out.replace("not polled yet", "polled <t:TIME:R>");
    let mut v: Value = serde_json::from_str(&out).expect("json");
    if let Some(buttons) = v["components"][0]["components"].as_array_mut() {
        for b in buttons {
            let id = b["custom_id"].as_str().unwrap_or_default();
            let tail = id.rsplit(':').next().unwrap_or_default().to_owned();
            b["custom_id"] = Value::String(format!("INTERACTION:status:{tail}"));
        }
    }
    if let Some(field) = v["embeds"][0]["fields"][0]["value"].as_str() {
        let stable: Vec<String> = field
            .lines()
            .map(|l| {
                if l.starts_with("Trakt budget") {
                    l.split(';').next().unwrap_or(l).to_owned() + "; N available now"
                } else if l.starts_with("Discord latency") {
                    "Discord latency: LATENCY".to_owned()
                } else {
                    l.to_owned()
                }
            })
            .collect();
        v["embeds"][0]["fields"][0]["value"] = Value::String(stable.join("\n"));
    }
    v
}

#[tokio::test]
async fn one_status_page_as_sent() {
    let mut bot = Herald::start().await;
    seed_sixty(&bot);
    let (body, _) = status(&bot, Member::moderator()).await;
    let data = stable(&body);
    insta::assert_json_snapshot!("status-page-1", data);
    bot.stop().await;
}
