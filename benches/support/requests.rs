//! Measurement 2: Trakt requests per poll cycle for 2 000 followed shows across
//! 10 000 channel subscriptions, against the naive design of one request per
//! subscription. Counted twice: from the pure planner (`poller::plan`), and by
//! running the real `Poller::cycle` against the fake Trakt on loopback with a
//! real store, counting the requests the fake received.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use trakt_herald::poller::{plan, Poller};
use trakt_herald::store::Store;
use trakt_herald::trakt::{RetryPolicy, TraktClient, TraktTime};

use super::gen::{self, Gen};
use super::report::{human, Report, Row, Verdict};
use crate::fakes::fake_trakt::FakeTrakt;

const SECTION: &str = "2";
const SHOWS: usize = 2_000;
const SUBSCRIPTIONS: usize = 10_000;
/// Distinct channels the subscriptions are spread over.
const CHANNELS: usize = 3_000;
/// `trakt.batch_size`'s default.
const BATCH_SIZE: usize = 20;
const KEY: &str = "benchkey0123456789";

fn row(what: String, requests: usize, target_max: usize) -> Row {
    let naive = SUBSCRIPTIONS as f64;
    let fewer = naive / requests.max(1) as f64;
    Row {
        section: SECTION,
        what,
        value: format!("{requests} requests"),
        baseline: format!("{SUBSCRIPTIONS} (one per subscription)"),
        ratio: format!("{fewer:.0}× fewer"),
        target: format!("≤ {target_max} and ≥ 20× fewer"),
        verdict: Verdict::of(requests <= target_max && fewer >= 20.0),
    }
}

pub fn run(report: &mut Report, rt: &tokio::runtime::Runtime) -> anyhow::Result<()> {
    println!("\n## 2. Trakt requests per poll cycle");
    let mut g = Gen::new();
    let shows = g.shows(SHOWS);
    let subs = g.subscriptions(&shows, SUBSCRIPTIONS, CHANNELS);
    let target = SHOWS.div_ceil(BATCH_SIZE);
    let overlap = Duration::from_secs(60);

    for (label, watermark) in [
        ("shows never polled", None),
        ("shows with a watermark", Some(TraktTime(gen::T0))),
    ] {
        let followers = Gen::followers(&subs, watermark);
        let batches = plan(&followers, 0, BATCH_SIZE, overlap);
        let covered: usize = batches.iter().map(|b| b.shows.len()).sum();
        anyhow::ensure!(covered == SHOWS, "the plan covers {covered} shows");
        report.add(row(
            format!("plan(): {SHOWS} shows, {SUBSCRIPTIONS} subscriptions, {label}"),
            batches.len(),
            target,
        ));
    }

    rt.block_on(real_cycles(report, &subs, target))
}

/// The real poller, twice: the first cycle sets every watermark, the second
/// polls from them. Nothing needs paging (the fake has no activity).
async fn real_cycles(
    report: &mut Report,
    subs: &[trakt_herald::store::Subscription],
    target: usize,
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("store"), 16)?;
    for chunk in subs.chunks(2_000) {
        store.import(chunk.to_vec())?;
    }
    let trakt = FakeTrakt::start(KEY).await;
    let poller = Poller {
        store: store.clone(),
        trakt: TraktClient::with_options(
            &trakt.base_url(),
            KEY,
            Duration::from_secs(10),
            1_000.0,
            RetryPolicy::v1(),
        )?,
        interval: Duration::from_secs(60),
        overlap: Duration::from_secs(60),
        batch_size: BATCH_SIZE,
        wake_delivery: Arc::new(Notify::new()),
        metrics: Default::default(),
        memory: Default::default(),
        schedule: None,
    };
    let cancel = CancellationToken::new();
    for label in [
        "first cycle (sets watermarks)",
        "next cycle (from watermarks)",
    ] {
        let before = trakt.request_count();
        let start = Instant::now();
        if poller.cycle(&cancel).await.is_err() {
            anyhow::bail!("the poll cycle halted");
        }
        let took = start.elapsed();
        let requests = trakt.request_count() - before;
        report.add(row(
            format!("Poller::cycle vs fake Trakt, real store: {label}"),
            requests,
            target,
        ));
        report.info(
            SECTION,
            format!("  wall time of that cycle (loopback, {requests} requests)"),
            human(took),
        );
    }
    Ok(())
}
