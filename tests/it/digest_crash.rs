//! Digests and exactly once with the REAL binary (issue 14): a burst of 200
//! check-ins to one episode and 40 shouts, on the v1 fake Trakt, is delivered
//! while the bot is killed with SIGKILL three times: once while Discord has
//! created the first message (a digest) but not answered, then twice right
//! after a message landed. After the restarts every check-in is named or
//! counted ("…and N more") exactly once across the delivered messages, every
//! shout is posted once, and the message unanswered at the first kill was
//! resent identically with the same nonce (the bot may not read the channel's
//! history, so it relies on the nonce; Discord kept one message).

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::Value;
use trakt_herald::ids::{ChannelId, GuildId, UserId};
use trakt_herald::store::{NewFollow, Store};
use trakt_herald::trakt::{ActionSet, ShowRef, TraktTime};

use crate::support::activities::{episode_activity, TestShow};
use crate::support::fake_discord::{self, Fault, Route, CHANNEL_ID, GUILD_ID};
use crate::support::fake_trakt::FakeTrakt;
use crate::support::herald::{config_text, eventually, Options, TRAKT_KEY};
use crate::support::process::Process;

const CHECKINS: usize = 200;
const SHOUTS: usize = 40;
const TWD: TestShow<'static> = TestShow {
    slug: "the-walking-dead",
    title: "The Walking Dead",
    tvdb_id: None,
};

fn follow(store: &Store, now: i64) {
    store
        .follow(NewFollow {
            guild: GuildId(GUILD_ID),
            channel: ChannelId(CHANNEL_ID),
            show: ShowRef::parse(TWD.slug).expect("slug"),
            title: TWD.title.to_owned(),
            slug: None,
            actions: ActionSet::parse("checkin,shout").expect("actions"),
            created_by: UserId(7),
            now: 1,
            start_watermark: Some(TraktTime(now)),
            max_per_guild: 50,
        })
        .expect("follow");
}

/// The check-ins, every fifth followed by a shout, over three minutes.
fn burst(t: i64) -> Vec<Value> {
    let mut out = Vec::new();
    for i in 0..CHECKINS {
        let ts = t + 1 + (i as i64 * 180) / CHECKINS as i64;
        let fan = format!("fan{i:03}");
        out.push(episode_activity(
            1_000 + i as u64,
            "checkin",
            &fan,
            ts,
            &TWD,
            6,
            "Live Bait",
        ));
        if i % (CHECKINS / SHOUTS) == 0 {
            let who = format!("shouter{:02}", i / (CHECKINS / SHOUTS));
            out.push(episode_activity(
                5_000 + i as u64,
                "shout",
                &who,
                ts,
                &TWD,
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

/// How many activities the embeds stand for.
fn held(embeds: &[Value]) -> usize {
    embeds
        .iter()
        .map(|e| match footer(e).split_once(" · digest of ") {
            Some((_, n)) => n.parse().unwrap_or(0),
            None => 1,
        })
        .sum()
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
        Some((names, rest)) => (
            names,
            rest.trim_end_matches(" more").parse().expect("a count"),
        ),
        None => (line, 0),
    };
    (names.split(", ").map(str::to_owned).collect(), more)
}

async fn wait(bot: &Process, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}:\n{}",
            bot.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Every check-in named or counted once, every shout once, nothing else.
fn assert_each_once(all: &[Value]) {
    let shouts: BTreeSet<String> = all
        .iter()
        .filter(|e| footer(e) == "💬 Shout")
        .map(|e| e["author"]["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    let shout_embeds = all.iter().filter(|e| footer(e) == "💬 Shout").count();
    assert_eq!((shouts.len(), shout_embeds), (SHOUTS, SHOUTS), "{shouts:?}");
    let mut named = BTreeSet::new();
    let mut counted = 0;
    for e in all.iter().filter(|e| footer(e) != "💬 Shout") {
        let (names, more) = if footer(e).contains(" · digest of ") {
            named_and_counted(e)
        } else {
            (
                vec![e["author"]["name"].as_str().unwrap_or_default().to_owned()],
                0,
            )
        };
        for n in names {
            assert!(n.contains("fan"), "{n}");
            assert!(named.insert(n.clone()), "{n} named twice");
        }
        counted += more;
    }
    assert_eq!(named.len() + counted, CHECKINS, "every check-in once");
}

#[tokio::test]
async fn kill_9_during_a_burst_counts_every_activity_once() {
    let discord = fake_discord::start().await;
    let trakt = FakeTrakt::start(TRAKT_KEY).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let store_path = dir.path().join("store");
    {
        let store = Store::open(&store_path, 4).expect("store");
        follow(&store, trakt.now());
        store.flush().expect("flush");
    }
    let options = Options {
        batch_size: 100,
        channel_message_interval: "400ms",
        ..Options::default()
    };
    let config = config_text(
        &discord.api_base(),
        &trakt.base_url(),
        &store_path,
        &options,
    );
    let config_path = dir.path().join("herald.toml");
    std::fs::write(&config_path, config).expect("config");
    let log_path = dir.path().join("herald.log");

    // The first message is created, then never answered; history is refused.
    let post = Route::new("POST", &format!("/channels/{CHANNEL_ID}/messages"));
    discord.inject(post.clone(), Fault::AcceptThenStall, 1);
    discord.refuse_history(CHANNEL_ID);
    let mut bot = Process::spawn(&config_path, &log_path);
    let t = trakt.now();
    trakt.advance(240);
    trakt.publish_all(burst(t));

    wait(&bot, "the first message created", || {
        !discord.channel_messages(CHANNEL_ID).is_empty()
    })
    .await;
    bot.kill_9();
    bot = Process::spawn(&config_path, &log_path);
    // Twice more: right after the next message lands.
    let mut kills = vec![1];
    for _ in 0..2 {
        let have = discord.channel_messages(CHANNEL_ID).len();
        wait(&bot, "one more message", || {
            discord.channel_messages(CHANNEL_ID).len() > have
        })
        .await;
        assert!(bot.is_running(), "the bot died:\n{}", bot.log_tail());
        bot.kill_9();
        let so_far = held(&embeds(&discord.channel_messages(CHANNEL_ID)));
        assert!(so_far < CHECKINS + SHOUTS, "killed during the burst");
        kills.push(discord.channel_messages(CHANNEL_ID).len());
        bot = Process::spawn(&config_path, &log_path);
    }
    eventually("everything delivered", Duration::from_secs(30), || {
        held(&embeds(&discord.channel_messages(CHANNEL_ID))) >= CHECKINS + SHOUTS
    })
    .await;
    // A few more seconds of polling add nothing.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let messages = discord.channel_messages(CHANNEL_ID);
    bot.kill_9();
    let all = embeds(&messages);
    assert_eq!(held(&all), CHECKINS + SHOUTS, "{}", bot.log_tail());
    assert_each_once(&all);
    assert!(messages.len() <= 6, "{} messages", messages.len());
    assert!(
        messages.len() > kills.len(),
        "{kills:?} of {}",
        messages.len()
    );

    // The message unanswered at the first kill: sent twice, identically, with
    // the same nonce; Discord kept one.
    let posts: Vec<Value> = discord
        .requests_to(&post)
        .into_iter()
        .map(|r| r.body)
        .collect();
    let first = posts.first().expect("a post");
    assert!(
        footer(&first["embeds"][0]).contains(" · digest of "),
        "{first:#}"
    );
    let again: Vec<&Value> = posts
        .iter()
        .skip(1)
        .filter(|b| b["nonce"] == first["nonce"])
        .collect();
    assert_eq!(again.len(), 1, "resent once with its nonce");
    assert_eq!(again[0], first, "the same message");
    let kept = messages
        .iter()
        .filter(|m| m["nonce"] == first["nonce"])
        .count();
    assert_eq!(kept, 1);
    assert!(
        discord.violations().is_empty(),
        "{:?}",
        discord.violations()
    );
}
