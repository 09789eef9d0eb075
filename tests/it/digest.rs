//! Digests end to end (issue 14), through the v1 fake Trakt and the fake
//! Discord: a premiere-night burst of 500 check-ins to one episode and 20
//! shouts reaches the channel as at most 6 messages, every check-in user named
//! or counted exactly once across them and every shout its own embed; with
//! `/follow … digest:false` the same burst is today's packing, one embed per
//! activity.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::activities::{episode_activity, TestShow};
use crate::support::fake_discord::{CommandInvocation, CHANNEL_ID};
use crate::support::herald::{Herald, Options, WAIT};

const TWD: &str = "the-walking-dead";
const CHECKINS: usize = 500;
const SHOUTS: usize = 20;

/// 500 check-ins to S04E06 by 500 people over three minutes, with 20 shouts among them.
fn burst(t: i64) -> Vec<Value> {
    let show = TestShow {
        slug: TWD,
        title: "The Walking Dead",
        tvdb_id: None,
    };
    let mut out = Vec::new();
    for i in 0..CHECKINS {
        let ts = t + 1 + (i as i64 * 180) / CHECKINS as i64;
        let user = format!("fan{i:03}");
        out.push(episode_activity(
            1_000 + i as u64,
            "checkin",
            &user,
            ts,
            &show,
            6,
            "Live Bait",
        ));
        if i % (CHECKINS / SHOUTS) == 0 {
            let user = format!("shouter{:02}", out.len());
            out.push(episode_activity(
                5_000 + i as u64,
                "shout",
                &user,
                ts,
                &show,
                6,
                "Live Bait",
            ));
        }
    }
    out
}

fn embeds(messages: &[Value]) -> Vec<Value> {
    messages
        .iter()
        .flat_map(|m| m["embeds"].as_array().cloned().unwrap_or_default())
        .collect()
}

fn footer(e: &Value) -> &str {
    e["footer"]["text"].as_str().unwrap_or_default()
}

/// Who a digest names and how many it counts in "…and N more".
fn named_and_counted(e: &Value) -> (Vec<String>, usize) {
    let line = e["description"]
        .as_str()
        .unwrap_or_default()
        .lines()
        .next()
        .unwrap_or_default();
    let (names, more) = match line.split_once(" …and ") {
        Some((names, rest)) => {
            let n = rest.trim_end_matches(" more").parse().expect("a count");
            (names, n)
        }
        None => (line, 0),
    };
    (names.split(", ").map(str::to_owned).collect(), more)
}

async fn follow(bot: &Herald, digest: Option<bool>) {
    let mut command = CommandInvocation::new("follow")
        .in_channel(CHANNEL_ID)
        .option("show", TWD)
        .option("actions", "checkin,shout");
    if let Some(on) = digest {
        command = command.option("digest", on);
    }
    let r = bot.discord.interact(command).await;
    let replies = bot.discord.wait_reply(&r, WAIT).await;
    assert!(!replies[0].ephemeral, "/follow is confirmed: {replies:?}");
}

/// Publish the burst and wait until all of it is in the channel.
async fn deliver_burst(bot: &Herald, digest: Option<bool>) -> Vec<Value> {
    follow(bot, digest).await;
    let t = bot.trakt.now();
    bot.trakt.advance(240);
    bot.trakt.publish_all(burst(t));
    bot.discord
        .wait_for(
            |s| {
                let messages = s.channel_messages(CHANNEL_ID);
                let held: usize = embeds(&messages)
                    .iter()
                    .map(|e| match footer(e).split_once(" · digest of ") {
                        Some((_, n)) => n.parse().unwrap_or(0),
                        None => 1,
                    })
                    .sum();
                (held >= CHECKINS + SHOUTS).then_some(messages)
            },
            WAIT * 3,
        )
        .await
}

#[tokio::test]
async fn a_premiere_burst_is_at_most_six_messages_naming_everyone_once() {
    let mut bot = Herald::start_with(Options {
        batch_size: 100,
        channel_message_interval: "1s",
        ..Options::default()
    })
    .await;
    let messages = deliver_burst(&bot, None).await;
    bot.stop().await;
    assert!(messages.len() <= 6, "{} messages", messages.len());
    let all = embeds(&messages);
    let shouts: Vec<&Value> = all.iter().filter(|e| footer(e) == "💬 Shout").collect();
    assert_eq!(shouts.len(), SHOUTS, "every shout is its own embed");
    let mut named = BTreeSet::new();
    let mut counted = 0;
    for e in all.iter().filter(|e| footer(e) != "💬 Shout") {
        if footer(e).contains(" · digest of ") {
            let (names, more) = named_and_counted(e);
            for n in names {
                assert!(named.insert(n.clone()), "{n} named twice");
            }
            counted += more;
        } else {
            let n = e["author"]["name"].as_str().unwrap_or_default().to_owned();
            assert!(named.insert(n.clone()), "{n} named twice");
        }
    }
    assert_eq!(named.len() + counted, CHECKINS, "every check-in once");
    assert!(named.iter().all(|n| n.starts_with("fan")), "{named:?}");
    assert!(
        bot.discord.violations().is_empty(),
        "{:?}",
        bot.discord.violations()
    );
}

#[tokio::test]
async fn digest_off_is_one_embed_per_activity_packed_ten_a_message() {
    let mut bot = Herald::start_with(Options {
        batch_size: 100,
        max_messages_per_second: 50.0,
        ..Options::default()
    })
    .await;
    let messages = deliver_burst(&bot, Some(false)).await;
    bot.stop().await;
    let all = embeds(&messages);
    assert_eq!(all.len(), CHECKINS + SHOUTS);
    assert!(all.iter().all(|e| !footer(e).contains("digest")));
    let counts: Vec<usize> = messages
        .iter()
        .map(|m| m["embeds"].as_array().map_or(0, Vec::len))
        .collect();
    assert_eq!(counts.len(), (CHECKINS + SHOUTS) / 10, "{counts:?}");
    assert!(counts.iter().all(|n| *n == 10), "{counts:?}");
}
