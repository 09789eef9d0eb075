//! The show alerts end to end (issue 13, part), on Trakt API v1: a followed
//! show failing for more than an hour is announced once in the alerts
//! channel (not once per failed poll), and once more when it works again; a
//! followed show Trakt no longer knows is announced once in the channel
//! following it when the server has no alerts channel.

use serde_json::Value;
use trakt_herald::clock::unix_now;
use trakt_herald::ids::{ChannelId, GuildId};
use trakt_herald::trakt::ShowRef;

use crate::support::fake_discord::{
    CommandInvocation, Route, CHANNEL_ID, GUILD_ID, OTHER_CHANNEL_ID,
};
use crate::support::herald::{eventually, Herald, Options, WAIT};

const TWD: &str = "the-walking-dead";

fn quick() -> Options {
    Options {
        trakt_max_retries: 0,
        ..Options::default()
    }
}

async fn follow(bot: &Herald, slug: &str) {
    let r = bot
        .discord
        .interact(CommandInvocation::new("follow").option("show", slug))
        .await;
    let replies = bot.discord.wait_reply(&r, WAIT).await;
    assert!(
        replies
            .iter()
            .any(|r| r.content.as_deref().is_some_and(|c| c.contains("follows"))),
        "{replies:?}"
    );
}

fn failures(bot: &Herald, slug: &str) -> u32 {
    let show = ShowRef::parse(slug).expect("slug");
    bot.store.show_state(&show).expect("state").failures
}

fn text(message: &Value) -> String {
    message["embeds"][0]["description"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_show_failing_for_over_an_hour_is_alerted_once_and_once_when_it_recovers() {
    let mut bot = Herald::start_with(quick()).await;
    bot.store
        .set_alerts_channel(GuildId(GUILD_ID), Some(ChannelId(OTHER_CHANNEL_ID)))
        .expect("alerts channel");
    follow(&bot, TWD).await;
    bot.trakt.fail_show(TWD, 502);
    // The failure run began two hours ago (the bot was failing meanwhile);
    // it is due again now.
    let now = unix_now();
    let show = ShowRef::parse(TWD).expect("slug");
    bot.store
        .record_show_failure_because(&show, now - 1, "Trakt is unavailable", now - 7200, false)
        .expect("seed the run");
    let alerts = bot
        .discord
        .wait_channel_messages(OTHER_CHANNEL_ID, 1, WAIT)
        .await;
    let alert = text(&alerts[0]);
    assert!(alert.contains("since <t:"), "{alert}");
    assert!(alert.contains(&format!("<#{CHANNEL_ID}>")), "{alert}");
    assert!(alert.contains(&format!("(`{TWD}`)")), "{alert}");
    assert!(alert.contains("502"), "the last error: {alert}");
    assert_eq!(
        alerts[0]["embeds"][0]["title"], "⚠️ A followed show keeps failing",
        "{alerts:?}"
    );
    // It keeps failing: no second alert.
    let seen = failures(&bot, TWD);
    eventually("another failed poll", WAIT, || failures(&bot, TWD) > seen).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(bot.discord.channel_messages(OTHER_CHANNEL_ID).len(), 1);
    assert!(
        bot.discord.channel_messages(CHANNEL_ID).is_empty(),
        "the alerts channel takes it, not the followed channel"
    );

    bot.trakt.heal_show(TWD);
    let alerts = bot
        .discord
        .wait_channel_messages(OTHER_CHANNEL_ID, 2, WAIT)
        .await;
    assert_eq!(
        alerts[1]["embeds"][0]["title"],
        "✅ A followed show works again"
    );
    assert!(text(&alerts[1]).contains(&format!("(`{TWD}`)")));
    assert!(bot.store.show_state(&show).expect("state").error.is_none());
    let polled = bot.trakt.request_count();
    eventually("more polls", WAIT, || {
        bot.trakt.request_count() > polled + 2
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    bot.stop().await;
    assert_eq!(
        bot.discord.channel_messages(OTHER_CHANNEL_ID).len(),
        2,
        "one alert per event"
    );
    assert!(bot.store.pending_notices().expect("notices").is_empty());
}

#[tokio::test]
async fn a_show_gone_from_trakt_is_alerted_once_in_its_channel_without_an_alerts_channel() {
    let mut bot = Herald::start_with(quick()).await;
    follow(&bot, "lost").await;
    bot.trakt.set_unknown_show("lost");
    let messages = bot.discord.wait_channel_messages(CHANNEL_ID, 1, WAIT).await;
    assert_eq!(
        messages[0]["embeds"][0]["title"],
        "⚠️ A followed show is gone from Trakt"
    );
    let alert = text(&messages[0]);
    assert!(
        alert.contains("(`lost`)") && alert.contains("/unfollow"),
        "{alert}"
    );
    let sent = bot
        .discord
        .requests_to(&Route::channel_messages(CHANNEL_ID));
    assert_eq!(
        sent[0].body["allowed_mentions"],
        serde_json::json!({"parse": []})
    );
    let seen = failures(&bot, "lost");
    eventually("another failed poll", WAIT, || {
        failures(&bot, "lost") > seen
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    bot.stop().await;
    assert_eq!(bot.discord.channel_messages(CHANNEL_ID).len(), 1, "once");
}

#[tokio::test]
async fn on_v2_a_followed_show_answering_404_is_alerted_once_as_gone() {
    let mut bot = Herald::start_with(Options {
        api: "v2",
        ..quick()
    })
    .await;
    follow(&bot, TWD).await;
    let show = bot
        .store
        .channel_follows(ChannelId(CHANNEL_ID))
        .expect("follows")[0]
        .show
        .clone();
    bot.v2
        .edit(|w| w.shows.retain(|s| s["ids"]["slug"].as_str() != Some(TWD)));
    let messages = bot.discord.wait_channel_messages(CHANNEL_ID, 1, WAIT).await;
    assert_eq!(
        messages[0]["embeds"][0]["title"], "⚠️ A followed show is gone from Trakt",
        "{messages:?}"
    );
    assert!(text(&messages[0]).contains(&format!("(`{TWD}`)")));
    let failed = || bot.store.show_state(&show).expect("state").failures;
    let seen = failed();
    eventually("another failed poll", WAIT, || failed() > seen).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    bot.stop().await;
    assert_eq!(bot.discord.channel_messages(CHANNEL_ID).len(), 1, "once");
    let error = bot.store.show_state(&show).expect("state").error;
    assert!(
        error.is_some_and(|e| e.alerted && e.message.contains("404")),
        "the run is recorded"
    );
}
