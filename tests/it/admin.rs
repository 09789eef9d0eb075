//! Server admin commands end to end (issue 13, part): `/pause` and `/resume`
//! (a paused follow is neither polled nor posted; a resume posts only what
//! happens from then on), `/help` (lists every registered command), and
//! `/alerts` (a channel the bot has to disable is announced once in the
//! alerts channel).

use serde_json::Value;
use trakt_herald::ids::ChannelId;
use trakt_herald::store::SubState;
use trakt_herald::trakt::TraktTime;

use crate::support::activities::{episode_activity, TestShow};
use crate::support::fake_discord::{
    CommandInvocation, Fault, Member, Route, Times, CHANNEL_ID, OTHER_CHANNEL_ID,
};
use crate::support::herald::{eventually, Herald, WAIT};

const TWD: &str = "the-walking-dead";
const LOST: &str = "lost";

fn seen(slug: &'static str, id: u64, user: &str, ts: i64) -> Value {
    let show = TestShow {
        slug,
        title: slug,
        tvdb_id: None,
    };
    episode_activity(id, "seen", user, ts, &show, 1, "Pilot")
}

fn authors(messages: &[Value]) -> Vec<String> {
    messages
        .iter()
        .flat_map(|m| m["embeds"].as_array().cloned().unwrap_or_default())
        .map(|e| e["author"]["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Run `/name option:value` in the main channel and return the reply text.
async fn command(bot: &Herald, name: &str, option: Option<(&str, &str)>) -> String {
    let mut invocation = CommandInvocation::new(name);
    if let Some((key, value)) = option {
        invocation = invocation.option(key, value);
    }
    let r = bot.discord.interact(invocation).await;
    let replies = bot.discord.wait_reply(&r, WAIT).await;
    replies
        .iter()
        .filter_map(|r| r.content.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

fn state(bot: &Herald, show: &str) -> Option<SubState> {
    let follows = bot
        .store
        .channel_follows(ChannelId(CHANNEL_ID))
        .expect("follows");
    follows
        .into_iter()
        .find(|s| s.show.to_string() == show)
        .map(|s| s.state)
}

/// Wait for `n` more polls (requests to the fake Trakt) than now.
async fn polls(bot: &Herald, n: usize) {
    let seen = bot.trakt.request_count();
    eventually("more polls", WAIT, || bot.trakt.request_count() >= seen + n).await;
}

#[tokio::test]
async fn a_paused_follow_is_not_polled_and_a_resume_posts_only_what_follows() {
    let mut bot = Herald::start().await;
    command(&bot, "follow", Some(("show", TWD))).await;
    command(&bot, "follow", Some(("show", LOST))).await;
    eventually("the paused show polled once", WAIT, || {
        !bot.trakt.requests_naming(TWD).is_empty()
    })
    .await;

    let text = command(&bot, "pause", Some(("follow", TWD))).await;
    assert!(text.contains("Paused") && text.contains(TWD), "{text}");
    assert!(matches!(state(&bot, TWD), Some(SubState::Paused { .. })));
    // A poll already under way may still name it; from the next one on, none does.
    polls(&bot, 1).await;
    let named = bot.trakt.requests_naming(TWD).len();
    let paused_at = bot.trakt.now();
    bot.trakt.advance(600);
    bot.trakt.publish_all([
        seen(TWD, 1, "during-pause", paused_at + 10),
        seen(LOST, 2, "lost-fan", paused_at + 20),
    ]);
    bot.discord
        .wait_for(
            |s| {
                let a = authors(&s.channel_messages(CHANNEL_ID));
                a.iter().any(|n| n == "lost-fan").then_some(())
            },
            WAIT,
        )
        .await;
    polls(&bot, 3).await;
    assert_eq!(
        bot.trakt.requests_naming(TWD).len(),
        named,
        "no request names the paused show: {:?}",
        bot.trakt.requests()
    );

    // More activity during the pause, some of it within one poll overlap of the resume.
    let now = bot.trakt.now();
    bot.trakt.publish_all([
        seen(TWD, 3, "missed-late", now - 30),
        seen(TWD, 4, "missed-last", now - 1),
    ]);
    let text = command(&bot, "resume", Some(("follow", TWD))).await;
    assert!(text.contains("Resumed"), "{text}");
    assert!(!text.contains("Trakt is not answering"), "{text}");
    let follows = bot
        .store
        .channel_follows(ChannelId(CHANNEL_ID))
        .expect("follows");
    let resumed = follows
        .iter()
        .find(|s| s.show.to_string() == TWD)
        .expect("twd");
    assert_eq!(resumed.state, SubState::Active);
    assert_eq!(resumed.since, Some(TraktTime(now)), "from Trakt's clock");

    bot.trakt.advance(2);
    bot.trakt.publish(seen(TWD, 5, "after", now + 1));
    bot.discord
        .wait_for(
            |s| {
                let a = authors(&s.channel_messages(CHANNEL_ID));
                a.iter().any(|n| n == "after").then_some(())
            },
            WAIT,
        )
        .await;
    polls(&bot, 3).await;
    eventually("the outbox drained", WAIT, || {
        bot.store.outbox_len().expect("outbox") == 0
    })
    .await;
    bot.stop().await;
    assert_eq!(
        authors(&bot.discord.channel_messages(CHANNEL_ID)),
        ["lost-fan", "after"],
        "nothing of the paused show from the pause"
    );
}

#[tokio::test]
async fn pause_and_resume_need_manage_channels_and_a_followed_show() {
    let mut bot = Herald::start().await;
    let r = bot
        .discord
        .interact(
            CommandInvocation::new("pause")
                .option("follow", TWD)
                .by(Member::plain()),
        )
        .await;
    let replies = bot.discord.wait_reply(&r, WAIT).await;
    assert!(replies[0].ephemeral);
    assert!(
        replies[0]
            .content
            .as_deref()
            .is_some_and(|c| c.contains("Manage Channels")),
        "{replies:?}"
    );
    let text = command(&bot, "resume", Some(("follow", TWD))).await;
    assert!(text.contains("does not follow"), "{text}");
    bot.stop().await;
}

#[tokio::test]
async fn help_lists_every_registered_command_privately() {
    let mut bot = Herald::start().await;
    let registered = bot.discord.wait_registered_commands(WAIT).await;
    let names: Vec<String> = registered
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|c| c["name"].as_str().map(str::to_owned))
        .collect();
    assert!(names.len() >= 8, "{names:?}");
    let r = bot
        .discord
        .interact(CommandInvocation::new("help").by(Member::plain()))
        .await;
    let replies = bot.discord.wait_reply(&r, WAIT).await;
    assert!(replies[0].ephemeral, "{replies:?}");
    let text = replies[0].content.clone().unwrap_or_default();
    for name in &names {
        assert!(
            text.contains(&format!("`/{name}")),
            "/{name} missing: {text}"
        );
    }
    assert!(text.contains("https://"), "a link to the project: {text}");
    bot.stop().await;
}

#[tokio::test]
async fn a_refused_channel_is_announced_once_in_the_alerts_channel() {
    let mut bot = Herald::start().await;
    command(&bot, "follow", Some(("show", TWD))).await;
    command(&bot, "follow", Some(("show", LOST))).await;
    // A follow elsewhere keeps the polls going once the channel is disabled.
    let r = bot
        .discord
        .interact(
            CommandInvocation::new("follow")
                .option("show", "fargo")
                .in_channel(THIRD_CHANNEL_ID),
        )
        .await;
    bot.discord.wait_reply(&r, WAIT).await;
    // A plain member may not choose the alerts channel.
    let r = bot
        .discord
        .interact(
            CommandInvocation::new("alerts")
                .in_channel(OTHER_CHANNEL_ID)
                .by(Member::plain()),
        )
        .await;
    let replies = bot.discord.wait_reply(&r, WAIT).await;
    assert!(
        replies[0]
            .content
            .as_deref()
            .is_some_and(|c| c.contains("Manage Server")),
        "{replies:?}"
    );
    let mut admin = Member::moderator();
    admin.permissions |= MANAGE_GUILD;
    let r = bot
        .discord
        .interact(
            CommandInvocation::new("alerts")
                .in_channel(OTHER_CHANNEL_ID)
                .by(admin),
        )
        .await;
    let replies = bot.discord.wait_reply(&r, WAIT).await;
    let text = replies[0].content.clone().unwrap_or_default();
    assert!(text.contains(&format!("<#{OTHER_CHANNEL_ID}>")), "{text}");

    // The bot loses its permissions in the followed channel: several posts
    // for both follows are refused, each retry and each follow alike.
    bot.discord.inject(
        Route::channel_messages(CHANNEL_ID),
        Fault::Forbidden { code: 50013 },
        Times::Forever,
    );
    let t = bot.trakt.now();
    bot.trakt.advance(5);
    bot.trakt.publish_all([
        seen(TWD, 1, "a", t + 1),
        seen(LOST, 2, "b", t + 2),
        seen(TWD, 3, "c", t + 3),
    ]);
    eventually("the channel disabled", WAIT, || {
        matches!(state(&bot, TWD), Some(SubState::Disabled { .. }))
            && matches!(state(&bot, LOST), Some(SubState::Disabled { .. }))
    })
    .await;
    let alerts = bot
        .discord
        .wait_channel_messages(OTHER_CHANNEL_ID, 1, WAIT)
        .await;
    // More activity, more polls: nothing more to say.
    bot.trakt.advance(5);
    bot.trakt.publish(seen(TWD, 4, "d", t + 8));
    polls(&bot, 3).await;
    bot.stop().await;
    let alerts = {
        let later = bot.discord.channel_messages(OTHER_CHANNEL_ID);
        assert_eq!(later.len(), alerts.len(), "{later:#?}");
        later
    };
    assert_eq!(alerts.len(), 1, "exactly one alert: {alerts:#?}");
    let alert = alerts[0].to_string();
    assert!(
        alert.contains(&format!("<#{CHANNEL_ID}>")),
        "which channel: {alert}"
    );
    assert!(alert.contains("permission"), "why: {alert}");
    assert!(alert.contains("/follow"), "what to do: {alert}");
    assert!(alert.contains("2 follows"), "{alert}");
    let posted = bot
        .discord
        .requests_to(&Route::channel_messages(OTHER_CHANNEL_ID));
    assert_eq!(posted.len(), 1, "one request");
    assert_eq!(
        posted[0].body["allowed_mentions"],
        serde_json::json!({"parse": []})
    );
}

/// A third text channel (the fake accepts messages to any channel id).
const THIRD_CHANNEL_ID: u64 = OTHER_CHANNEL_ID + 100;

/// Discord's Manage Server permission bit.
const MANAGE_GUILD: u64 = 1 << 5;
