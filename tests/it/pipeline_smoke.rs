//! The whole path once: /follow, Trakt publishes, the channel gets the embeds.

use serde_json::json;

use crate::support::activities::{episode_activity, TestShow};
use crate::support::fake_discord::{CommandInvocation, Route, CHANNEL_ID};
use crate::support::herald::{eventually, Herald, WAIT};

fn twd_activity(id: u64, action: &str, user: &str, ts: i64) -> serde_json::Value {
    let show = TestShow {
        slug: "the-walking-dead",
        title: "The Walking Dead",
        tvdb_id: Some("153021".to_owned()),
    };
    episode_activity(id, action, user, ts, &show, 6, "Live Bait")
}

#[tokio::test]
async fn followed_activity_reaches_the_channel() {
    let mut bot = Herald::start().await;
    let r = bot
        .discord
        .interact(
            CommandInvocation::new("follow")
                .option("show", "the-walking-dead")
                .option("actions", "seen,shout"),
        )
        .await;
    let replies = bot.discord.wait_reply(&r, WAIT).await;
    assert!(!replies[0].ephemeral, "{replies:?}");

    let t = bot.trakt.now() + 5;
    bot.trakt.advance(10);
    bot.trakt.publish(twd_activity(1, "seen", "alice", t));
    bot.trakt.publish(twd_activity(2, "checkin", "bob", t + 1));
    bot.trakt.publish(twd_activity(3, "shout", "carol", t + 2));

    let messages = bot.discord.wait_channel_messages(CHANNEL_ID, 1, WAIT).await;
    let embeds = messages[0]["embeds"].as_array().expect("embeds").clone();
    assert_eq!(embeds.len(), 2, "{messages:?}");
    assert!(embeds[0]["title"]
        .as_str()
        .unwrap_or_default()
        .contains("alice"));
    assert!(embeds[1]["title"]
        .as_str()
        .unwrap_or_default()
        .contains("carol"));
    let sent = bot
        .discord
        .requests_to(&Route::channel_messages(CHANNEL_ID));
    assert_eq!(sent[0].body["allowed_mentions"], json!({"parse": []}));
    assert_eq!(sent[0].body["enforce_nonce"], json!(true));
    assert_eq!(sent.len(), 1, "one message for both activities");

    // A clean restart re-polls the overlap window; nothing is posted again.
    bot.restart().await;
    let polls = bot.trakt.request_count();
    bot.trakt.advance(5);
    eventually("two more polls", WAIT, || {
        bot.trakt.request_count() >= polls + 2
    })
    .await;
    bot.stop().await;
    assert_eq!(bot.discord.channel_messages(CHANNEL_ID).len(), 1);
    assert_eq!(bot.store.outbox_len().expect("outbox"), 0);
}
