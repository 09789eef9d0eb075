//! The adaptive poll schedule on Trakt API v1 (issue 16): with one show per
//! request (`trakt.batch_size = 1`) and a tight budget, a busy show is asked
//! for more often than a quiet one whose quiet week is in the store.

use std::time::Duration;

use trakt_herald::clock::unix_now;
use trakt_herald::ids::{ChannelId, GuildId, UserId};
use trakt_herald::store::{NewFollow, PollCommit};
use trakt_herald::trakt::{ActionSet, ShowRef, TraktTime};

use crate::support::activities::{episode_activity, TestShow};
use crate::support::fake_discord::{CHANNEL_ID, GUILD_ID};
use crate::support::herald::{Herald, Options, T0};

fn follow(bot: &Herald, slug: &str) {
    bot.store
        .follow(NewFollow {
            slug: None,
            guild: GuildId(GUILD_ID),
            channel: ChannelId(CHANNEL_ID),
            show: ShowRef::parse(slug).expect("slug"),
            title: slug.to_owned(),
            actions: ActionSet::parse("all").expect("actions"),
            created_by: UserId(7),
            now: unix_now(),
            start_watermark: Some(TraktTime(T0)),
            max_per_guild: 50,
        })
        .expect("follow");
}

#[tokio::test]
async fn v1_polls_a_busy_show_more_often_than_a_quiet_one_within_the_budget() {
    let mut bot = Herald::start_with(Options {
        trakt_rate: 1.4,
        batch_size: 1,
        max_interval: "6s",
        ..Options::default()
    })
    .await;
    bot.stop().await;
    follow(&bot, "busy-show");
    follow(&bot, "quiet-show");
    let end = unix_now() - 10;
    for at in [end - 7 * 24 * 3600, end] {
        bot.store
            .commit_poll(PollCommit {
                polled: vec![(ShowRef::parse("quiet-show").expect("slug"), at)],
                now: at,
                ..Default::default()
            })
            .expect("seed");
    }
    bot.restart().await;
    let trakt = bot.trakt.clone();
    let busy = tokio::spawn(async move {
        let show = TestShow {
            slug: "busy-show",
            title: "Busy",
            tvdb_id: None,
        };
        for id in 1u64.. {
            let a = episode_activity(id, "seen", "u", trakt.now(), &show, id, "E");
            trakt.publish(a);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    tokio::time::sleep(Duration::from_secs(4)).await;
    let count = |slug: &str| bot.trakt.requests_naming(slug).len();
    let (b0, q0) = (count("busy-show"), count("quiet-show"));
    tokio::time::sleep(Duration::from_secs(16)).await;
    let (b, q) = (count("busy-show") - b0, count("quiet-show") - q0);
    busy.abort();
    eprintln!("v1: busy {b}, quiet {q} requests in 16 s");
    assert!(b >= 2 * q.max(1), "busy {b} vs quiet {q}");
    // At most every 6 s (poll.max_interval): at least 2 in 16 s.
    assert!(q >= 2, "quiet {q}");
}
