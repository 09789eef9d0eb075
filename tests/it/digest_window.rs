//! `/follow … digest_window:` end to end (issue 14), through the v1 fake
//! Trakt and the fake Discord: a follow with a window holds its burst until
//! the oldest activity has waited that long, so check-ins polled in a later
//! cycle fold into the same digest, while another follow in the same channel
//! is posted at once; a bad value is refused privately and stores nothing.

use std::time::Duration;

use serde_json::Value;
use trakt_herald::ids::ChannelId;

use crate::support::activities::{episode_activity, TestShow};
use crate::support::fake_discord::{CommandInvocation, CHANNEL_ID};
use crate::support::herald::{Herald, Options, WAIT};

const TWD: TestShow<'static> = TestShow {
    slug: "the-walking-dead",
    title: "The Walking Dead",
    tvdb_id: None,
};
const FARGO: TestShow<'static> = TestShow {
    slug: "fargo",
    title: "Fargo",
    tvdb_id: None,
};

async fn follow(bot: &Herald, show: &str, window: Option<&str>) -> String {
    follow_for(bot, show, "checkin", window).await
}

async fn follow_for(bot: &Herald, show: &str, actions: &str, window: Option<&str>) -> String {
    let mut command = CommandInvocation::new("follow")
        .in_channel(CHANNEL_ID)
        .option("show", show)
        .option("actions", actions);
    if let Some(w) = window {
        command = command.option("digest_window", w);
    }
    let r = bot.discord.interact(command).await;
    let replies = bot.discord.wait_reply(&r, WAIT).await;
    assert!(!replies[0].ephemeral, "/follow is confirmed: {replies:?}");
    replies[0].content.clone().unwrap_or_default()
}

fn checkins(show: &TestShow<'_>, from: u64, n: u64, ts: i64) -> Vec<Value> {
    (from..from + n)
        .map(|i| episode_activity(i, "checkin", &format!("fan{i}"), ts, show, 6, "Live Bait"))
        .collect()
}

fn embeds(message: &Value) -> Vec<Value> {
    message["embeds"].as_array().cloned().unwrap_or_default()
}

fn about(message: &Value, title: &str) -> bool {
    embeds(message)
        .iter()
        .any(|e| e.to_string().contains(title))
}

/// How many activities the channel's messages about `title` hold.
fn held(messages: &[Value], title: &str) -> usize {
    messages
        .iter()
        .filter(|m| about(m, title))
        .flat_map(embeds)
        .map(|e| {
            let footer = e["footer"]["text"].as_str().unwrap_or_default().to_owned();
            match footer.split_once(" · digest of ") {
                Some((_, n)) => n.parse().unwrap_or(0),
                None => 1,
            }
        })
        .sum()
}

#[tokio::test]
async fn a_window_folds_two_poll_cycles_and_does_not_hold_up_other_follows() {
    let mut bot = Herald::start_with(Options {
        batch_size: 100,
        ..Options::default()
    })
    .await;
    let said = follow(&bot, TWD.slug, Some("6s")).await;
    assert!(said.contains("waits 6s"), "{said}");
    follow(&bot, FARGO.slug, None).await;
    let t = bot.trakt.now();
    bot.trakt.advance(10);
    let mut first = checkins(&TWD, 1_000, 5, t + 1);
    first.extend(checkins(&FARGO, 2_000, 1, t + 1));
    bot.trakt.publish_all(first);
    // Fargo has no window: it is posted while The Walking Dead waits.
    let messages = bot
        .discord
        .wait_for(
            |s| {
                let m = s.channel_messages(CHANNEL_ID);
                m.iter().any(|m| about(m, "Fargo")).then_some(m)
            },
            WAIT,
        )
        .await;
    assert!(
        !messages.iter().any(|m| about(m, "The Walking Dead")),
        "the windowed follow waits: {messages:#?}"
    );
    // A later poll cycle, within the window: the channel task, asleep on the
    // window, is woken by what is queued and posts Fargo's at once.
    bot.trakt.advance(10);
    let mut second = checkins(&TWD, 1_005, 5, t + 12);
    second.extend(checkins(&FARGO, 2_001, 1, t + 12));
    bot.trakt.publish_all(second);
    let messages = bot
        .discord
        .wait_for(
            |s| {
                let m = s.channel_messages(CHANNEL_ID);
                (held(&m, "Fargo") >= 2).then_some(m)
            },
            WAIT,
        )
        .await;
    assert!(
        !messages.iter().any(|m| about(m, "The Walking Dead")),
        "still waiting: {messages:#?}"
    );
    let messages = bot
        .discord
        .wait_for(
            |s| {
                let m = s.channel_messages(CHANNEL_ID);
                (held(&m, "The Walking Dead") >= 10).then_some(m)
            },
            WAIT * 2,
        )
        .await;
    bot.stop().await;
    let twd: Vec<&Value> = messages
        .iter()
        .filter(|m| about(m, "The Walking Dead"))
        .collect();
    assert_eq!(twd.len(), 1, "one message: {twd:#?}");
    let e = embeds(twd[0]);
    assert_eq!(e.len(), 1, "one digest embed: {e:#?}");
    assert!(
        e[0]["footer"]["text"]
            .as_str()
            .is_some_and(|f| f.ends_with(" · digest of 10")),
        "{e:#?}"
    );
    assert_eq!(held(&messages, "Fargo"), 2);
}

#[tokio::test]
async fn a_bad_window_is_refused_privately_and_nothing_is_stored() {
    let mut bot = Herald::start().await;
    for bad in ["1h", "soon"] {
        let command = CommandInvocation::new("follow")
            .in_channel(CHANNEL_ID)
            .option("show", TWD.slug)
            .option("digest_window", bad);
        let r = bot.discord.interact(command).await;
        let replies = bot.discord.wait_reply(&r, WAIT).await;
        assert!(replies[0].ephemeral, "{replies:?}");
        let text = replies[0].content.clone().unwrap_or_default();
        assert!(text.contains("`digest_window`"), "{text}");
    }
    let follows = bot
        .store
        .channel_follows(ChannelId(CHANNEL_ID))
        .expect("follows");
    assert!(follows.is_empty(), "{follows:?}");
    // A good one is stored; `off` clears it on a re-follow.
    follow(&bot, TWD.slug, Some("90s")).await;
    let window = |bot: &Herald| {
        bot.store
            .channel_follows(ChannelId(CHANNEL_ID))
            .expect("follows")
            .first()
            .and_then(|f| f.digest_window)
    };
    assert_eq!(window(&bot), Some(Duration::from_secs(90)));
    follow(&bot, TWD.slug, None).await;
    assert_eq!(window(&bot), Some(Duration::from_secs(90)), "kept");
    follow(&bot, TWD.slug, Some("off")).await;
    assert_eq!(window(&bot), None);
    bot.stop().await;
}

#[tokio::test]
async fn on_trakt_api_v2_the_window_is_stored_and_a_bad_one_refused() {
    let mut bot = Herald::start_with(Options {
        api: "v2",
        poll_interval: "1h",
        ..Options::default()
    })
    .await;
    let command = CommandInvocation::new("follow")
        .in_channel(CHANNEL_ID)
        .option("show", TWD.slug)
        .option("digest_window", "16m");
    let r = bot.discord.interact(command).await;
    let replies = bot.discord.wait_reply(&r, WAIT).await;
    assert!(replies[0].ephemeral, "{replies:?}");
    let follows = bot
        .store
        .channel_follows(ChannelId(CHANNEL_ID))
        .expect("follows");
    assert!(follows.is_empty(), "{follows:?}");
    let said = follow_for(&bot, TWD.slug, "shout", Some("2m")).await;
    assert!(said.contains("waits 2m"), "{said}");
    let follows = bot
        .store
        .channel_follows(ChannelId(CHANNEL_ID))
        .expect("follows");
    assert_eq!(follows.len(), 1);
    assert_eq!(follows[0].digest_window, Some(Duration::from_secs(120)));
    bot.stop().await;
}
