//! The adaptive poll schedule in the running bot (issue 16), on v2 against
//! the fakes: within one tight request budget a busy show's own sources are
//! read more often than a quiet show's, the quiet one still at least every
//! `poll.max_interval`; a new follow (and a show resumed with nobody else
//! following it) is read at the next cycle, not after the interval the
//! others wait. Shows follow `watching` only: one request per show poll, no
//! site-wide feeds. Requests are counted per show in the fake's log.

use std::time::{Duration, Instant};

use trakt_herald::activity::TraktTime;
use trakt_herald::ids::{ChannelId, GuildId, UserId};
use trakt_herald::store::{NewFollow, PollCommit};
use trakt_herald::trakt::{ActionSet, ShowRef};

use crate::support::fake_discord::{CHANNEL_ID, GUILD_ID};
use crate::support::herald::{eventually, Herald, Options, WAIT};
use crate::v2_polling::{user, START, TWD};

/// Follow `show` for `watching`, making it known to the fake first.
fn follow(bot: &Herald, show: u64) {
    if show != TWD {
        bot.v2.edit(|w| {
            w.shows.push(
                serde_json::json!({"title": format!("Show {show}"), "year": 2020,
                "ids": {"trakt": show, "slug": format!("show-{show}")}}),
            );
        });
    }
    bot.store
        .follow(NewFollow {
            guild: GuildId(GUILD_ID),
            channel: ChannelId(CHANNEL_ID),
            show: ShowRef::Trakt(show),
            title: format!("Show {show}"),
            slug: None,
            actions: ActionSet::parse("watching").expect("actions"),
            created_by: UserId(7),
            now: 1,
            start_watermark: Some(TraktTime(START)),
            max_per_guild: 50,
        })
        .expect("follow");
}

fn watching(show: u64) -> String {
    format!("/shows/{show}/watching")
}

/// When the fake received each request for `path`.
fn times(bot: &Herald, path: &str) -> Vec<Instant> {
    bot.v2
        .log()
        .into_iter()
        .filter(|l| l.path == path)
        .map(|l| l.at)
        .collect()
}

fn count_between(ts: &[Instant], from: Instant, to: Instant) -> usize {
    ts.iter().filter(|t| **t >= from && **t < to).count()
}

fn largest_gap(ts: &[Instant]) -> Duration {
    ts.windows(2)
        .map(|w| w[1].duration_since(w[0]))
        .max()
        .unwrap_or_default()
}

/// Keeps a new public user watching `show`, a fresh one every 200 ms.
fn keep_busy(bot: &Herald, show: u64) -> tokio::task::JoinHandle<()> {
    let v2 = bot.v2.clone();
    tokio::spawn(async move {
        for n in 0u64.. {
            v2.set_watchers(show, vec![user(&format!("viewer-{n}"))]);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
}

/// Give `show` a stored record of a week polled without any activity,
/// ending `ago` seconds before now (what a restart finds in the store).
fn seed_quiet_week(bot: &Herald, show: u64, ago: i64) {
    let end = trakt_herald::clock::unix_now() - ago;
    for at in [end - 7 * 24 * 3600, end] {
        bot.store
            .commit_poll(PollCommit {
                polled: vec![(ShowRef::Trakt(show), at)],
                now: at,
                ..Default::default()
            })
            .expect("seed");
    }
}

async fn bot_with(trakt_rate: f64, max_interval: &'static str) -> Herald {
    let mut bot = Herald::start_with(Options {
        api: "v2",
        trakt_rate,
        poll_interval: "1s",
        max_interval,
        ..Options::default()
    })
    .await;
    // Follows and records are set up with the bot stopped, then it restarts
    // on the same store, as after an upgrade or a crash.
    bot.stop().await;
    bot
}

#[tokio::test]
async fn a_busy_show_is_polled_more_often_than_a_quiet_one_within_the_budget() {
    const QUIET: u64 = 2_000;
    // 1.4 requests/s: the schedule plans 1.26 show polls a second.
    let mut bot = bot_with(1.4, "6s").await;
    follow(&bot, TWD);
    follow(&bot, QUIET);
    seed_quiet_week(&bot, QUIET, 10);
    bot.restart().await;
    let busy = keep_busy(&bot, TWD);
    // The busy show starts unknown (the prior: polled as fast as the budget
    // lets) and is learnt as busy; the quiet one's week is in the store.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let from = Instant::now();
    tokio::time::sleep(Duration::from_secs(16)).await;
    let to = Instant::now();
    busy.abort();
    let b = count_between(&times(&bot, &watching(TWD)), from, to);
    let q = count_between(&times(&bot, &watching(QUIET)), from, to);
    // Never slower than poll.max_interval (6 s; 2 s of slack for a loaded machine).
    let gap = largest_gap(&times(&bot, &watching(QUIET)));
    let spent = (b + q) as f64 / 16.0;
    eprintln!("busy {b}, quiet {q} polls in 16 s; quiet gap {gap:?}; {spent} requests/s");
    assert!(b >= 2 * q.max(1), "busy {b} polls vs quiet {q} in 16 s");
    assert!(q >= 2, "the quiet show is still polled: {q}");
    assert!(gap <= Duration::from_secs(8), "quiet show waited {gap:?}");
    assert!(spent <= 1.4 + 0.1, "{spent} requests/s over a 1.4/s budget");
}

#[tokio::test]
async fn a_new_follow_and_a_resumed_show_are_polled_at_once() {
    const QUIET: u64 = 2_000;
    const NEW: u64 = 2_001;
    // 1 request/s (0.9 show polls planned): the busy show takes nearly all
    // of it; the quiet one, with its quiet week, waits up to max_interval (20 s).
    let mut bot = bot_with(1.0, "20s").await;
    follow(&bot, TWD);
    follow(&bot, QUIET);
    seed_quiet_week(&bot, QUIET, 60);
    bot.restart().await;
    let busy = keep_busy(&bot, TWD);
    let quiet = watching(QUIET);
    eventually("a first poll of the quiet show", WAIT, || {
        !times(&bot, &quiet).is_empty()
    })
    .await;
    let first = times(&bot, &quiet)[0];
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(
        times(&bot, &quiet).len(),
        1,
        "the quiet show is on a long interval"
    );
    // Paused and resumed (nobody else follows it), and a new show followed.
    let store = &bot.store;
    let channel = ChannelId(CHANNEL_ID);
    store
        .pause(channel, &ShowRef::Trakt(QUIET), 1)
        .expect("pause");
    store
        .resume(channel, &ShowRef::Trakt(QUIET), TraktTime(START))
        .expect("resume");
    follow(&bot, NEW);
    let asked = Instant::now();
    eventually("the new follow and the resumed show polled", WAIT, || {
        !times(&bot, &watching(NEW)).is_empty() && times(&bot, &quiet).len() >= 2
    })
    .await;
    busy.abort();
    let new_after = times(&bot, &watching(NEW))[0].duration_since(asked);
    let resumed_after = times(&bot, &quiet)[1].duration_since(asked);
    let since_first = times(&bot, &quiet)[1].duration_since(first);
    eprintln!("new follow after {new_after:?}, resumed after {resumed_after:?} ({since_first:?} after its last poll)");
    // At the next cycle (a cycle is 1 s, plus the budget's spacing), not
    // at the end of the quiet show's interval (up to 20 s).
    assert!(
        new_after < Duration::from_secs(6),
        "new follow after {new_after:?}"
    );
    assert!(
        since_first < Duration::from_secs(14),
        "resumed after {resumed_after:?}, {since_first:?} after its last poll"
    );
}
