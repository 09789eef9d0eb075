//! Measurement 2b (issue 11): Trakt API v2 requests per poll cycle for 2 000
//! followed shows wanting shouts and reviews only, at a given site-wide
//! comment rate: the global-feed plan (the recent-comments feeds, filtered
//! by Trakt id) against one comments request per show. The real `V2Poller`
//! runs against the fake Trakt v2 on loopback with a real store, and the
//! requests the fake received are counted; the two plans see the same
//! generated comments. A last row shows the per-cycle choice after an outage
//! with few shows, where reading per show is the cheaper plan.

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use serde_json::{json, Value};
use tokio::sync::Notify;
use trakt_herald::ids::{ChannelId, GuildId, UserId};
use trakt_herald::metrics::Metrics;
use trakt_herald::poller::v2::plan::ShowComments;
use trakt_herald::poller::v2::{CommentsMode, V2Poller};
use trakt_herald::store::{NewFollow, Store};
use trakt_herald::trakt::v2::{Budget, RetryPolicy, V2Client, V2Config};
use trakt_herald::trakt::{ActionSet, ShowRef, TraktTime};

use super::report::{Report, Row, Verdict};
use crate::fakes::fake_trakt_v2::{fixture_json, FakeTraktV2, CLIENT_ID};

const SECTION: &str = "2b";
/// 2026-11-15T02:00:00Z, the fake's clock at start.
const T0: i64 = 1_794_708_000;
const INTERVAL: i64 = 60;
/// Shows the site-wide comments are about (followed or not).
const SITE_SHOWS: u64 = 20_000;

/// One scenario: followed shows, comments per second site-wide, and how
/// long since the last read.
struct Scenario {
    shows: u64,
    rate: f64,
    elapsed: i64,
}

fn iso(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%S.000Z").to_string())
        .unwrap_or_default()
}

fn show(id: u64) -> Value {
    json!({"title": format!("Show {id}"), "year": 2020,
           "ids": {"trakt": id, "slug": format!("show-{id}"), "tvdb": null, "imdb": null, "tmdb": null}})
}

/// `n` comments between `from` and `to`, on shows spread over the site:
/// 70 % on episodes, 10 % on seasons, 20 % on shows.
fn comments(n: usize, from: i64, to: i64, first_id: u64) -> Vec<(&'static str, Value)> {
    (0..n)
        .map(|i| {
            let t = from + 1 + (i as i64 * (to - from - 1)) / n.max(1) as i64;
            let on = show(1 + (i as u64 * 7919) % SITE_SHOWS);
            let c = json!({"id": first_id + i as u64, "parent_id": 0, "created_at": iso(t),
                "updated_at": iso(t), "comment": "bench", "spoiler": false, "review": i % 9 == 0,
                "replies": 0, "likes": 0, "language": "en", "user_rating": null,
                "user": {"username": "u", "private": false, "deleted": false, "name": null,
                         "vip": false, "vip_ep": false, "ids": {"slug": "u"}}});
            match i % 10 {
                0..=6 => (
                    "episodes",
                    json!({"type": "episode", "comment": c, "show": on,
                    "episode": {"season": 1, "number": 1, "title": null, "ids": {"trakt": 1}}}),
                ),
                7 => (
                    "seasons",
                    json!({"type": "season", "comment": c, "show": on,
                    "season": {"number": 1, "ids": {"trakt": 2}}}),
                ),
                _ => ("shows", json!({"type": "show", "comment": c, "show": on})),
            }
        })
        .collect()
}

/// Requests of the second cycle (the first sets the watermarks) under `mode`.
async fn second_cycle(s: &Scenario, mode: CommentsMode) -> anyhow::Result<(u64, ShowComments)> {
    let fake = FakeTraktV2::start().await;
    fake.set_now(&iso(T0));
    let base = fixture_json("show-summary-full.json");
    fake.edit(|w| {
        w.recent.values_mut().for_each(Vec::clear);
        for id in 1..=s.shows {
            let mut sh = base.clone();
            sh["ids"] = json!({"trakt": id, "slug": format!("show-{id}")});
            w.shows.push(sh);
            w.show_comments.insert(id, Vec::new());
        }
    });
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("store"), 16)?;
    for id in 1..=s.shows {
        store.follow(NewFollow {
            guild: GuildId(1 + id % 50),
            channel: ChannelId(10_000 + id),
            show: ShowRef::Trakt(id),
            title: format!("Show {id}"),
            slug: Some(format!("show-{id}")),
            actions: ActionSet::parse("shout,review")?,
            created_by: UserId(1),
            now: T0,
            start_watermark: Some(TraktTime(T0 - 1)),
            max_per_guild: 1_000,
        })?;
    }
    let client = V2Client::new(V2Config {
        base_url: fake.base_url(),
        budget: Budget {
            requests: 1_000_000,
            per: Duration::from_secs(1),
            burst: 1_000,
        },
        retry: RetryPolicy::v2(),
        ..V2Config::new(SecretString::from(CLIENT_ID.to_owned()))
    })?;
    let poller = V2Poller {
        store,
        client,
        interval: Duration::from_secs(INTERVAL as u64),
        overlap: Duration::from_secs(60),
        limits: Default::default(),
        comments: mode,
        wake_delivery: Arc::new(Notify::new()),
        metrics: Metrics::new(),
        memory: Default::default(),
        schedule: None,
    };
    // Two cycles of traffic before the measured one, so the feeds' rates are known.
    let mut now = T0;
    for (round, span) in [INTERVAL, INTERVAL, s.elapsed].into_iter().enumerate() {
        let n = (s.rate * span as f64).round() as usize;
        let first_id = 50_000_000 + round as u64 * 10_000_000;
        let new = comments(n, now, now + span, first_id);
        now += span;
        fake.edit(|w| {
            for (kind, c) in new {
                w.recent.entry(kind.to_owned()).or_default().push(c);
            }
        });
        fake.set_now(&iso(now));
        let before = fake.log().len();
        poller
            .poll_once()
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if round == 2 {
            let chose = if fake
                .paths()
                .iter()
                .skip(before)
                .any(|p| p == "/comments/recent/all/shows")
            {
                ShowComments::Feed
            } else {
                ShowComments::PerShow
            };
            return Ok(((fake.log().len() - before) as u64, chose));
        }
    }
    anyhow::bail!("three cycles ran")
}

pub fn run(report: &mut Report, rt: &tokio::runtime::Runtime) -> anyhow::Result<()> {
    println!("\n## 2b. Trakt API v2 requests per poll cycle (shouts and reviews)");
    let scenarios = [
        (
            Scenario {
                shows: 2_000,
                rate: 0.5,
                elapsed: INTERVAL,
            },
            "2 000 shows, 0.5 comments/s site-wide, 60 s cycle",
        ),
        (
            Scenario {
                shows: 2_000,
                rate: 5.0,
                elapsed: INTERVAL,
            },
            "2 000 shows, 5 comments/s site-wide, 60 s cycle",
        ),
        (
            Scenario {
                shows: 2_000,
                rate: 5.0,
                elapsed: 3600,
            },
            "2 000 shows, 5 comments/s, after a 1 h outage",
        ),
    ];
    for (s, label) in &scenarios {
        let (feed, _) = rt.block_on(second_cycle(s, CommentsMode::Always(ShowComments::Feed)))?;
        let (per_show, _) =
            rt.block_on(second_cycle(s, CommentsMode::Always(ShowComments::PerShow)))?;
        let fewer = per_show as f64 / feed.max(1) as f64;
        report.add(Row {
            section: SECTION,
            what: format!("global-feed plan: {label}"),
            value: format!("{feed} requests"),
            baseline: format!("{per_show} (one comments request per show)"),
            ratio: format!("{fewer:.0}× fewer"),
            target: "fewer than per show".to_owned(),
            verdict: Verdict::of(feed < per_show),
        });
    }
    // Few shows after a long outage: the per-cycle choice reads per show.
    let s = Scenario {
        shows: 10,
        rate: 5.0,
        elapsed: 3600,
    };
    let (auto, chose) = rt.block_on(second_cycle(&s, CommentsMode::Auto))?;
    let (feed, _) = rt.block_on(second_cycle(&s, CommentsMode::Always(ShowComments::Feed)))?;
    report.add(Row {
        section: SECTION,
        what: format!("per-cycle choice: 10 shows, 5 comments/s, after a 1 h outage → {chose:?}"),
        value: format!("{auto} requests"),
        baseline: format!("{feed} (global feed, page cap 10 per feed)"),
        ratio: format!("{:.2}×", auto as f64 / feed.max(1) as f64),
        target: "≤ the feed plan".to_owned(),
        verdict: Verdict::of(auto <= feed),
    });
    Ok(())
}
