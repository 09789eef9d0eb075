//! The real binary on Trakt API v2 (issue 11), killed with SIGKILL while
//! comments flow: every shout and review on the followed show (the show and
//! its episodes) reaches each channel that wants it exactly once, oldest
//! first, across the restarts; then a refused client id stops polling with
//! one clear log line, and SIGTERM still ends the bot with exit 0.

use std::time::Duration;

use trakt_herald::ids::{ChannelId, GuildId, UserId};
use trakt_herald::store::{NewFollow, Store};
use trakt_herald::trakt::{ActionSet, ShowRef, TraktTime};

use crate::support::fake_discord::{self, CHANNEL_ID, GUILD_ID, OTHER_CHANNEL_ID};
use crate::support::fake_trakt_v2::{FakeTraktV2, Scripted};
use crate::support::herald::eventually;
use crate::support::process::V2Run;
use crate::v2_polling::{at, comment, episode_item, show_item, twd, START, TWD};

const ROUNDS: usize = 4;
const PER_ROUND: usize = 6;

fn follow(store: &Store, channel: u64, actions: &str) {
    store
        .follow(NewFollow {
            guild: GuildId(GUILD_ID),
            channel: ChannelId(channel),
            show: ShowRef::Trakt(TWD),
            title: "The Walking Dead".to_owned(),
            slug: Some("the-walking-dead".to_owned()),
            actions: ActionSet::parse(actions).expect("actions"),
            created_by: UserId(7),
            now: 1,
            start_watermark: Some(TraktTime(START)),
            max_per_guild: 50,
        })
        .expect("follow");
}

/// Comment `i`: even ones are episode shouts, odd ones show reviews.
fn publish(v2: &FakeTraktV2, i: usize) {
    let secs = 10 + i as i64 * 2;
    let text = format!("comment number {i:03}");
    let id = 9_500_000 + i as u64;
    v2.edit(|w| {
        if i % 2 == 0 {
            let c = comment(id, secs, &text, false, false);
            w.recent
                .entry("episodes".into())
                .or_default()
                .push(episode_item(c, twd()));
        } else {
            let c = comment(id, secs, &text, true, false);
            w.recent
                .entry("shows".into())
                .or_default()
                .push(show_item(c, twd()));
        }
    });
    v2.set_now(&at(secs + 1));
}

fn texts(discord: &fake_discord::FakeDiscord, channel: u64) -> Vec<String> {
    discord
        .channel_messages(channel)
        .iter()
        .flat_map(|m| m["embeds"].as_array().cloned().unwrap_or_default())
        .map(|e| e["description"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn kill_9_while_comments_flow_loses_and_repeats_nothing() {
    let discord = fake_discord::start().await;
    let v2 = FakeTraktV2::start().await;
    let run = V2Run::new(&discord, &v2);
    run.prepare(|store| {
        follow(store, CHANNEL_ID, "shout,review");
        follow(store, OTHER_CHANNEL_ID, "review");
    });

    let mut bot = run.spawn();
    let mut published = 0;
    for round in 0..ROUNDS {
        for _ in 0..PER_ROUND {
            publish(&v2, published);
            published += 1;
        }
        // Kill as soon as this round's first post lands (the rest in flight).
        let want = round * PER_ROUND + 1;
        bot.wait_for("a post of this round", || {
            texts(&discord, CHANNEL_ID).len() >= want
        })
        .await;
        assert!(bot.is_running(), "the bot died:\n{}", bot.log_tail());
        bot.kill_9();
        bot = run.spawn();
    }
    let expected: Vec<String> = (0..published)
        .map(|i| format!("comment number {i:03}"))
        .collect();
    let reviews: Vec<String> = expected.iter().skip(1).step_by(2).cloned().collect();
    eventually("everything delivered", Duration::from_secs(60), || {
        texts(&discord, CHANNEL_ID).len() >= expected.len()
            && texts(&discord, OTHER_CHANNEL_ID).len() >= reviews.len()
    })
    .await;
    // A few more polls add nothing.
    let polls = v2.log().len();
    eventually("more polls", Duration::from_secs(30), || {
        v2.log().len() >= polls + 6
    })
    .await;
    assert_eq!(texts(&discord, CHANNEL_ID), expected, "{}", bot.log_tail());
    assert_eq!(texts(&discord, OTHER_CHANNEL_ID), reviews);

    // The client id is refused: one clear line, no more polling.
    v2.script([Scripted::Status(403)]);
    eventually("the refusal is logged", Duration::from_secs(30), || {
        bot.log_tail().contains("Trakt refused the bot")
    })
    .await;
    let after = v2.log().len();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(v2.log().len(), after, "polling stopped");
    let tail = bot.log_tail();
    assert_eq!(tail.matches("Trakt refused the bot").count(), 1, "{tail}");
    assert!(!tail.contains(crate::support::fake_trakt_v2::CLIENT_ID));
    let exit = bot.terminate(Duration::from_secs(5)).await;
    assert_eq!(exit.and_then(|e| e.code()), Some(0), "{}", bot.log_tail());
}
