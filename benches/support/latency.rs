//! Measurement 5: end-to-end latency on loopback. The real bot runs in-process
//! (`app::run_with_store`, through the integration tests' `Herald` harness)
//! against the fake Trakt and the fake Discord, following one show in one
//! channel. 100 activities are published at random moments over about ten poll
//! intervals; each one's latency runs from the fake Trakt's clock reaching its
//! timestamp (the moment it becomes visible to the poller) to the fake Discord
//! receiving the message that carries its embed.

use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;
use trakt_herald::ids::{ChannelId, GuildId, UserId};
use trakt_herald::store::NewFollow;
use trakt_herald::trakt::{ActionSet, ShowRef, TraktTime};

use super::gen::{self, Gen, SynthShow};
use super::report::{human, Report, Row, Verdict};
use crate::fakes::fake_discord::{self, Route};
use crate::fakes::herald::{Herald, Options, T0};

const SECTION: &str = "5";
const ACTIVITIES: usize = 100;
/// `poll.interval` for this run (the default is 60 s; the target scales with it).
const POLL_INTERVAL: Duration = Duration::from_secs(2);
/// The same, as the configuration spells it.
const POLL_INTERVAL_TEXT: &str = "2s";
const KINDS: [(&str, &str); 6] = [
    ("seen", "episode"),
    ("checkin", "episode"),
    ("scrobble", "episode"),
    ("shout", "episode"),
    ("rating", "show"),
    ("watchlist", "show"),
];

fn marker(i: usize) -> String {
    format!("Bench {i:03}")
}

pub fn run(report: &mut Report, rt: &tokio::runtime::Runtime) -> anyhow::Result<()> {
    println!(
        "\n## 5. end-to-end latency, fake Trakt → bot → fake Discord (poll.interval = {}s)",
        POLL_INTERVAL.as_secs()
    );
    let mut latencies = rt.block_on(measure())?;
    latencies.sort_unstable();
    let at = |q: f64| {
        latencies[((q * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len()) - 1]
    };
    let (p50, p99, max) = (at(0.50), at(0.99), at(1.0));
    let target = POLL_INTERVAL + Duration::from_secs(1);
    report.info(
        SECTION,
        format!("p50 over {ACTIVITIES} activities"),
        human(p50),
    );
    report.add(Row {
        section: SECTION,
        what: format!("p99 over {ACTIVITIES} activities"),
        value: human(p99),
        baseline: format!("poll interval {}", human(POLL_INTERVAL)),
        ratio: String::new(),
        target: format!("≤ {} (interval + 1 s)", human(target)),
        verdict: Verdict::of(p99 <= target),
    });
    report.info(SECTION, "  max", human(max));
    Ok(())
}

async fn measure() -> anyhow::Result<Vec<Duration>> {
    let options = Options {
        poll_interval: POLL_INTERVAL_TEXT,
        // The default spacing between two messages to one channel.
        channel_message_interval: "1s",
        ..Options::default()
    };
    let mut bot = Herald::start_with(options).await;
    let show = SynthShow {
        show: ShowRef::parse("the-walking-dead")?,
        title: "The Walking Dead".to_owned(),
        slug: "the-walking-dead".to_owned(),
        tvdb_id: 153_021,
    };
    bot.store.follow(NewFollow {
        slug: None,
        guild: GuildId(fake_discord::GUILD_ID),
        channel: ChannelId(fake_discord::CHANNEL_ID),
        show: show.show.clone(),
        title: show.title.clone(),
        actions: ActionSet::all(),
        created_by: UserId(fake_discord::MODERATOR_USER_ID),
        now: 0,
        start_watermark: Some(TraktTime(bot.trakt.now())),
        max_per_guild: 50,
    })?;

    let mut g = Gen::with_seed(gen::SEED + 5);
    let mut rng = fastrand::Rng::with_seed(gen::SEED + 5);
    // About ten poll intervals in all.
    let mean_gap = POLL_INTERVAL * 10 / ACTIVITIES as u32;
    let start = Instant::now();
    let mut published = Vec::with_capacity(ACTIVITIES);
    for i in 0..ACTIVITIES {
        tokio::time::sleep(mean_gap.mul_f64(rng.f64() * 2.0)).await;
        let now = T0 + start.elapsed().as_secs() as i64;
        bot.trakt.set_now(now);
        let (action, kind) = KINDS[rng.usize(..KINDS.len())];
        let mut item = g.activity_of(1 + i as u64, now, &show, action, kind);
        item["user"]["full_name"] = json!(marker(i));
        bot.trakt.publish(item);
        published.push(Instant::now());
    }
    // Let the clock keep running while the last ones are delivered.
    let route = Route::channel_messages(fake_discord::CHANNEL_ID);
    let count = |s: &fake_discord::State| -> usize {
        s.channel_messages(fake_discord::CHANNEL_ID)
            .iter()
            .map(|m| m["embeds"].as_array().map_or(0, Vec::len))
            .sum()
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        bot.trakt.set_now(T0 + start.elapsed().as_secs() as i64);
        if bot
            .discord
            .try_wait_for(
                |s| (count(s) >= ACTIVITIES).then_some(()),
                Duration::from_millis(200),
            )
            .await
            .is_some()
        {
            break;
        }
    }
    let requests = bot.discord.requests_to(&route);
    bot.stop().await;

    let mut received: Vec<Option<Instant>> = vec![None; ACTIVITIES];
    for r in requests
        .iter()
        .filter(|r| r.status.is_some_and(|s| (200..300).contains(&s)))
    {
        for embed in r.body["embeds"].as_array().into_iter().flatten() {
            let title = embed["title"].as_str().unwrap_or_default();
            if let Some(i) = (0..ACTIVITIES).find(|&i| title.contains(&marker(i))) {
                received[i].get_or_insert(r.received_at);
            }
        }
    }
    let missing = received.iter().filter(|r| r.is_none()).count();
    anyhow::ensure!(
        missing == 0,
        "{missing} activities never reached the fake Discord"
    );
    println!(
        "  {} messages carried the {ACTIVITIES} activities",
        requests
            .iter()
            .filter(|r| r.status.is_some_and(|s| (200..300).contains(&s)))
            .count()
    );
    Ok(received
        .into_iter()
        .zip(published)
        .map(|(got, sent)| got.map_or(Duration::MAX, |g| g.saturating_duration_since(sent)))
        .collect())
}
