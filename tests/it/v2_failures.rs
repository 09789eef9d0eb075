//! The v2 poller when Trakt misbehaves (issue 11): a 429 with `Retry-After: 3`
//! holds every request for 3 s, then everything is delivered; a refused
//! client id (403) stops polling for good; Trakt down for several polls and
//! back loses and doubles nothing; and with the budget set to N per second no
//! one-second window of the fake's request log holds more than N, however
//! many shows are followed.

use std::time::Duration;

use serde_json::json;

use crate::support::fake_discord::CHANNEL_ID;
use crate::support::fake_trakt_v2::Scripted;
use crate::support::herald::{eventually, Herald, Options, WAIT};
use crate::v2_polling::{
    at, comment, cycles, embeds, episode_item, follow_twd, hits, text_of, twd, v2_options, START,
};
use trakt_herald::ids::{ChannelId, GuildId, UserId};
use trakt_herald::store::NewFollow;
use trakt_herald::trakt::{ActionSet, ShowRef, TraktTime};

const FEED: &str = "/comments/recent/all/episodes";

fn add_episode_comment(bot: &Herald, id: u64, secs: i64, text: &str) {
    bot.v2.edit(|w| {
        w.recent
            .entry("episodes".into())
            .or_default()
            .push(episode_item(comment(id, secs, text, false, false), twd()));
    });
}

#[tokio::test]
async fn a_429_with_retry_after_3_holds_every_request_for_3_s_then_all_is_delivered() {
    let bot = Herald::start_with(v2_options()).await;
    follow_twd(&bot, CHANNEL_ID, "shout,watching", START);
    cycles(&bot, FEED, 1).await;
    add_episode_comment(&bot, 9_100_001, 10, "after the limit");
    bot.v2.set_now(&at(20));
    let before = bot.v2.log().len();
    bot.v2.script([Scripted::Api429 {
        retry_after: Some("3".into()),
    }]);
    let texts = || {
        embeds(&bot, CHANNEL_ID)
            .iter()
            .map(text_of)
            .collect::<Vec<_>>()
    };
    eventually("the comment after the 429", WAIT, || {
        texts().iter().any(|t| t.contains("after the limit"))
    })
    .await;
    let log = bot.v2.log();
    let limited = &log[before];
    let next = log.get(before + 1).expect("a request after the 429");
    let gap = next.at.duration_since(limited.at);
    assert!(
        gap >= Duration::from_millis(2900),
        "the next request came {gap:?} after the 429"
    );
    assert_eq!(
        texts()
            .iter()
            .filter(|t| t.contains("after the limit"))
            .count(),
        1
    );
}

#[tokio::test]
async fn a_refused_client_id_stops_polling() {
    let bot = Herald::start_with(v2_options()).await;
    follow_twd(&bot, CHANNEL_ID, "shout,watching", START);
    cycles(&bot, FEED, 1).await;
    // Trakt's own 403 (with X-Request-Id): the client id is refused.
    bot.v2.script([Scripted::Status(403)]);
    eventually("the refusal", WAIT, || {
        !bot.v2.log().is_empty() && bot.v2.edit_ret(|w| w.script.is_empty())
    })
    .await;
    let after = bot.v2.log().len();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        bot.v2.log().len(),
        after,
        "no request after the refusal: {:?}",
        &bot.v2.paths()[after..]
    );
}

#[tokio::test]
async fn trakt_down_for_several_polls_then_back_loses_and_doubles_nothing() {
    let bot = Herald::start_with(Options {
        trakt_max_retries: 0,
        ..v2_options()
    })
    .await;
    follow_twd(&bot, CHANNEL_ID, "shout", START);
    cycles(&bot, FEED, 1).await;
    add_episode_comment(&bot, 9_200_001, 5, "during the outage 1");
    bot.v2
        .script((0..8).map(|i| Scripted::Status(if i % 2 == 0 { 500 } else { 522 })));
    add_episode_comment(&bot, 9_200_002, 8, "during the outage 2");
    bot.v2.set_now(&at(15));
    eventually("the outage is over", WAIT, || {
        bot.v2.edit_ret(|w| w.script.is_empty())
    })
    .await;
    add_episode_comment(&bot, 9_200_003, 20, "after the outage");
    bot.v2.set_now(&at(25));
    eventually("three comments", WAIT, || {
        embeds(&bot, CHANNEL_ID).len() >= 3
    })
    .await;
    cycles(&bot, FEED, 2).await;
    let texts: Vec<String> = embeds(&bot, CHANNEL_ID).iter().map(text_of).collect();
    assert_eq!(
        texts,
        [
            "during the outage 1",
            "during the outage 2",
            "after the outage"
        ],
        "oldest first, each once"
    );
}

#[tokio::test]
async fn no_second_of_the_request_log_exceeds_the_configured_rate() {
    const RATE: usize = 5;
    let bot = Herald::start_with(Options {
        trakt_rate: RATE as f64,
        ..v2_options()
    })
    .await;
    // 20 shows wanting what costs requests per show (lists, watching).
    bot.v2.edit(|w| {
        let base = w.shows[0].clone();
        for n in 0..20u64 {
            let mut show = base.clone();
            show["ids"] = json!({"trakt": 5000 + n, "slug": format!("show-{n}")});
            w.shows.push(show);
        }
    });
    for n in 0..20u64 {
        bot.store
            .follow(NewFollow {
                guild: GuildId(crate::support::fake_discord::GUILD_ID),
                channel: ChannelId(CHANNEL_ID),
                show: ShowRef::Trakt(5000 + n),
                title: format!("Show {n}"),
                slug: Some(format!("show-{n}")),
                actions: ActionSet::parse("watching,created").expect("actions"),
                created_by: UserId(7),
                now: 1,
                start_watermark: Some(TraktTime(START)),
                max_per_guild: 50,
            })
            .expect("follow");
    }
    eventually("60 requests", Duration::from_secs(40), || {
        hits(&bot.v2, "/shows/5019/watching") >= 1 && bot.v2.log().len() >= 60
    })
    .await;
    // Arrival times carry the loaded machine's scheduling jitter: a request
    // held up for a while lands right next to the one after it. The budget
    // spaces requests 1/(0.95 × RATE) = 210 ms apart, so 5 fit in 840 ms and
    // a sixth needs 1 050 ms; a window of 900 ms leaves 150 ms for jitter and
    // still catches any burst (a budget granting even 2 at once fails it).
    let log = bot.v2.log();
    for (i, first) in log.iter().enumerate() {
        let in_window = log[i..]
            .iter()
            .take_while(|r| r.at.duration_since(first.at) < Duration::from_millis(900))
            .count();
        assert!(
            in_window <= RATE,
            "{in_window} requests within 900 ms from request {i} ({})",
            first.path
        );
    }
}
