//! Measurement 3: Discord requests per delivered activity, for bursts of 1,
//! 10, 35 and 500 activities to one channel, against one message per
//! activity. Counted from `format::pack(render(..))`, and from the real
//! `Deliverer` draining a real store's outbox into the fake Discord (POSTs
//! received, embeds in them, bodies the fake refused).

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use trakt_herald::deliver::Deliverer;
use trakt_herald::discord::rest::DiscordRest;
use trakt_herald::format;
use trakt_herald::ids::{ChannelId, GuildId, UserId};
use trakt_herald::ratelimit::RateLimiter;
use trakt_herald::shutdown::Shutdown;
use trakt_herald::store::{NewFollow, PollCommit, PollItem, Store};
use trakt_herald::trakt::{ActionSet, Activity, TraktTime};

use super::gen::{self, Gen, SynthShow};
use super::report::{Report, Row, Verdict};
use crate::fakes::fake_discord::{self, FakeDiscord, Route};

const SECTION: &str = "3";
const BURSTS: [usize; 4] = [1, 10, 35, 500];

/// Which activities a burst is made of.
#[derive(Clone, Copy)]
enum Mix {
    /// Every kind the API sends, long shouts and reviews included.
    Typical,
    /// Only reviews (long embeds: a 600-character excerpt each), where the
    /// 6000 characters a message may hold bind before the 10 embeds do.
    Reviews,
}

impl Mix {
    fn label(self) -> &'static str {
        match self {
            Mix::Typical => "typical mix",
            Mix::Reviews => "reviews only",
        }
    }
}

fn burst(g: &mut Gen, show: &SynthShow, n: usize, mix: Mix) -> anyhow::Result<Vec<Activity>> {
    (0..n)
        .map(|k| {
            let id = 1 + k as u64;
            let ts = gen::T0 + k as i64;
            let json = match mix {
                Mix::Typical => g.activity(id, ts, show),
                Mix::Reviews => g.activity_of(id, ts, show, "review", "episode"),
            };
            Ok(serde_json::from_value(json)?)
        })
        .collect()
}

pub fn run(report: &mut Report, rt: &tokio::runtime::Runtime) -> anyhow::Result<()> {
    println!("\n## 3. Discord requests per delivered activity (one channel)");
    rt.block_on(async {
        let discord = fake_discord::start().await;
        for mix in [Mix::Typical, Mix::Reviews] {
            let mut g = Gen::with_seed(gen::SEED + 3);
            let show = g.show(1);
            for n in BURSTS {
                let activities = burst(&mut g, &show, n, mix)?;
                let packed = format::pack(
                    activities
                        .iter()
                        .map(|a| format::render(&a.into()))
                        .collect(),
                )
                .len();
                let (posts, embeds, refused) = deliver(&discord, &show, activities).await?;
                anyhow::ensure!(embeds == n, "{embeds} of {n} embeds arrived");
                let floor = n.div_ceil(format::limits::EMBEDS_PER_MESSAGE);
                report.add(Row {
                    section: SECTION,
                    what: format!(
                        "burst of {n}, {}: messages (pack) / POSTs to fake Discord",
                        mix.label()
                    ),
                    value: format!(
                        "{packed} / {posts} ({:.3}/activity)",
                        posts as f64 / n as f64
                    ),
                    baseline: format!("{n} (1.0/activity)"),
                    ratio: format!("{:.1}× fewer", n as f64 / posts.max(1) as f64),
                    target: match mix {
                        Mix::Typical => format!("{floor} = ceil(n/10)"),
                        Mix::Reviews => format!("(floor {floor}; 6000 chars/message bind)"),
                    },
                    verdict: match mix {
                        Mix::Typical => Verdict::of(posts == floor && refused == 0),
                        Mix::Reviews if refused == 0 && posts == packed => Verdict::Info,
                        Mix::Reviews => Verdict::Missed,
                    },
                });
            }
        }
        Ok(())
    })
}

/// Queue `activities` for the fake's channel in a fresh store, run the real
/// deliverer until the outbox is empty, and answer (POSTs, embeds, refused).
async fn deliver(
    discord: &FakeDiscord,
    show: &SynthShow,
    activities: Vec<Activity>,
) -> anyhow::Result<(usize, usize, usize)> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("store"), 4)?;
    let channel = ChannelId(fake_discord::CHANNEL_ID);
    store.follow(NewFollow {
        slug: None,
        guild: GuildId(fake_discord::GUILD_ID),
        channel,
        show: show.show.clone(),
        title: show.title.clone(),
        actions: ActionSet::all(),
        created_by: UserId(fake_discord::MODERATOR_USER_ID),
        now: 0,
        start_watermark: Some(TraktTime(gen::T0)),
        max_per_guild: 50,
    })?;
    // This section measures packing, one embed per activity (digests: section 7).
    store.set_digest(channel, &show.show, false)?;
    let n = activities.len();
    let stats = store.commit_poll(PollCommit {
        feeds: Vec::new(),
        marks: Vec::new(),
        watermarks: Vec::new(),
        items: activities
            .into_iter()
            .map(|activity| PollItem {
                show: show.show.clone(),
                activity: activity.into(),
                channels: vec![channel],
            })
            .collect(),
        now: 0,
        ..Default::default()
    })?;
    anyhow::ensure!(stats.queued == n, "{} of {n} queued", stats.queued);

    let route = Route::channel_messages(fake_discord::CHANNEL_ID);
    let before = discord.requests_to(&route).len();
    let violations_before = discord.violations().len();
    let cancel = CancellationToken::new();
    let deliverer = Deliverer {
        store: store.clone(),
        rest: DiscordRest::new(
            &discord.api_base(),
            fake_discord::TOKEN,
            Duration::from_secs(15),
        )?,
        pacer: Arc::new(RateLimiter::new(40.0, 40)),
        // The count does not depend on the spacing; keep the run short.
        channel_interval: Duration::from_millis(1),
        wake: Arc::new(Notify::new()),
        metrics: Default::default(),
        shutdown: Shutdown::new(cancel.clone()),
    };
    let task = tokio::spawn(deliverer.run(cancel.clone()));
    let deadline = Instant::now() + Duration::from_secs(120);
    while store.outbox_len()? > 0 || store.in_flight(channel)?.is_some() {
        anyhow::ensure!(Instant::now() < deadline, "delivery did not finish");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    cancel.cancel();
    task.await?;
    let sent = discord.requests_to(&route);
    let new = &sent[before..];
    let embeds = new
        .iter()
        .filter(|r| r.status.is_some_and(|s| (200..300).contains(&s)))
        .map(|r| r.body["embeds"].as_array().map_or(0, Vec::len))
        .sum();
    let refused = discord.violations().len() - violations_before;
    Ok((new.len(), embeds, refused))
}
