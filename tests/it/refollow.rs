//! Re-following a channel the bot disabled (issue 10, item 1), end to end:
//! what happened on Trakt while the channel was disabled is not posted when
//! `/follow` there again re-activates it; only what happens from then on is.

use serde_json::Value;
use trakt_herald::ids::ChannelId;
use trakt_herald::store::SubState;

use crate::support::activities::{episode_activity, TestShow};
use crate::support::fake_discord::{CommandInvocation, Fault, Route, Times, CHANNEL_ID};
use crate::support::herald::{eventually, Herald, WAIT};

const TWD: &str = "the-walking-dead";

fn twd(id: u64, user: &str, ts: i64) -> Value {
    let show = TestShow {
        slug: TWD,
        title: "The Walking Dead",
        tvdb_id: None,
    };
    episode_activity(id, "seen", user, ts, &show, 1, "Days Gone Bye")
}

fn authors(messages: &[Value]) -> Vec<String> {
    messages
        .iter()
        .flat_map(|m| m["embeds"].as_array().cloned().unwrap_or_default())
        .map(|e| e["author"]["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn follow_twd(bot: &Herald) {
    let r = bot
        .discord
        .interact(CommandInvocation::new("follow").option("show", TWD))
        .await;
    bot.discord.wait_reply(&r, WAIT).await;
}

fn state(bot: &Herald) -> Option<SubState> {
    let follows = bot
        .store
        .channel_follows(ChannelId(CHANNEL_ID))
        .expect("follows");
    follows.first().map(|s| s.state.clone())
}

#[tokio::test]
async fn a_refollow_after_a_disable_posts_only_what_happens_from_then_on() {
    let mut bot = Herald::start().await;
    follow_twd(&bot).await;
    assert_eq!(state(&bot), Some(SubState::Active));
    let followed_at = bot.trakt.now();

    // The bot loses its permissions: the first post is refused, the channel disabled.
    bot.discord.inject(
        Route::channel_messages(CHANNEL_ID),
        Fault::Forbidden { code: 50013 },
        Times::Forever,
    );
    bot.trakt.advance(5);
    bot.trakt.publish(twd(1, "refused", followed_at + 1));
    eventually("the channel disabled", WAIT, || {
        matches!(state(&bot), Some(SubState::Disabled { .. }))
    })
    .await;
    bot.discord.clear_faults();

    // An hour of activity while it is disabled, some of it within one poll
    // overlap of the re-follow.
    bot.trakt.advance(3_600);
    let now = bot.trakt.now();
    bot.trakt.publish_all([
        twd(2, "missed-early", followed_at + 60),
        twd(3, "missed-late", now - 30),
        twd(4, "missed-last", now - 1),
    ]);

    follow_twd(&bot).await;
    assert_eq!(state(&bot), Some(SubState::Active));
    bot.trakt.advance(2);
    bot.trakt.publish(twd(5, "after", now + 1));
    bot.discord
        .wait_for(
            |s| {
                let a = authors(&s.channel_messages(CHANNEL_ID));
                a.iter().any(|n| n == "after").then_some(())
            },
            WAIT,
        )
        .await;
    // A few more polls, so that anything wrongly queued would have been sent.
    let seen = bot.trakt.request_count();
    eventually("three more polls", WAIT, || {
        bot.trakt.request_count() >= seen + 3
    })
    .await;
    eventually("the outbox drained", WAIT, || {
        bot.store.outbox_len().expect("outbox") == 0
    })
    .await;
    bot.stop().await;
    assert_eq!(
        authors(&bot.discord.channel_messages(CHANNEL_ID)),
        ["after"],
        "nothing from while the channel was disabled"
    );
}
