//! Measurement 4: memory and start-up at scale. A store with 100 000
//! subscriptions over 20 000 shows is generated through `Store::import`; then
//! the real release binary (`trakt-herald run`) is started against it, with
//! `discord.api_base` and `trakt.base_url` pointing at the fakes on loopback
//! (the fake Discord serves the gateway too, so the bot connects and registers
//! its commands as it would in production). Measured for the default v2
//! poller (follows by Trakt id, the fake v2 knowing every show) and the v1
//! poller (v1-era follows by slug or TVDB id): time from spawn to the "ready
//! to poll" log line, time to the commands being registered, and the
//! process's peak RSS (`VmHWM` in /proc) once idle and after a full poll
//! cycle. With `HERALD_BENCH_BASE_BOT` naming another build of the bot (the
//! base commit's release binary), every launch is repeated with it on the
//! same subscriptions (imported by the base binary itself, so that its store
//! has the schema it reads), and its figures are the rows' baselines: before
//! and after in one run.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;
use trakt_herald::store::Store;

use super::report::{human, thousands, Report, Row, Verdict};
use super::startup_proc::{base_bot, command, copy_dir, dir_size, wait_line, Build, Running};
pub use super::startup_proc::{memory_kib, mib};
use super::startup_world::{build_store, config_text, Api, Trakt};
use crate::fakes::fake_discord;

const SECTION: &str = "4";
const SHOWS: usize = 20_000;
const SUBSCRIPTIONS: usize = 100_000;
const CHANNELS: usize = 20_000;
/// Launches for the start-up median (the last also runs a full cycle).
const LAUNCHES: usize = 3;
/// How long the bot idles after start-up before its RSS is read.
const IDLE: Duration = Duration::from_secs(3);
/// Issue 15: idle ≤ 48 MiB, after a full poll cycle ≤ 64 MiB.
const IDLE_TARGET_KIB: u64 = 48 * 1024;
const CYCLE_TARGET_KIB: u64 = 64 * 1024;
const STARTUP_TARGET: Duration = Duration::from_secs(1);
const WAIT: Duration = Duration::from_secs(60);
/// A v2 cycle of 20 000 shows is some 40 000 requests.
const CYCLE_WAIT: Duration = Duration::from_secs(900);

/// What one launch measured.
struct Launch {
    ready: Duration,
    registered: Duration,
    /// (VmHWM, VmRSS) in KiB, once idle.
    idle_kib: (u64, u64),
    /// VmHWM, VmRSS after one full poll cycle, how long it took and the
    /// requests the fake Trakt saw, when the launch waited for one.
    after_cycle: Option<(u64, u64, Duration, usize)>,
    /// SIGTERM → exit; `None` when it had to be killed.
    stopped: Option<Duration>,
}

/// Every launch of one build against one API's stores.
struct Measured {
    empty: Launch,
    tenth: Launch,
    launches: Vec<Launch>,
}

impl Measured {
    fn median_ready(&self) -> Duration {
        median(self.launches.iter().map(|l| l.ready).collect())
    }
    fn median_registered(&self) -> Duration {
        median(self.launches.iter().map(|l| l.registered).collect())
    }
    /// The launch that runs a full cycle at a high request rate is not idle.
    fn idle(&self) -> (u64, u64) {
        let idle = self.launches.iter().filter(|l| l.after_cycle.is_none());
        let hwm = idle.clone().map(|l| l.idle_kib.0).max().unwrap_or(0);
        (hwm, idle.map(|l| l.idle_kib.1).max().unwrap_or(0))
    }
    fn cycle(&self) -> Option<(u64, u64, Duration, usize)> {
        self.launches.iter().find_map(|l| l.after_cycle)
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

pub fn run(report: &mut Report, rt: &tokio::runtime::Runtime) -> anyhow::Result<()> {
    println!("\n## 4. memory and start-up at scale (release binary)");
    // `HERALD_BENCH_API=v2` (or `v1`) measures one poller only.
    let only = std::env::var("HERALD_BENCH_API").unwrap_or_default();
    for api in [Api::V2, Api::V1] {
        if only.is_empty() || only == api.name() {
            run_api(report, rt, api)?;
        }
    }
    Ok(())
}

fn run_api(report: &mut Report, rt: &tokio::runtime::Runtime, api: Api) -> anyhow::Result<()> {
    println!("\n### {} poller", api.name());
    let dir = tempfile::tempdir()?;
    let generated = dir.path().join("generated");
    let took = build_store(&generated.join("full"), api, SHOWS, SUBSCRIPTIONS, CHANNELS)?;
    build_store(
        &generated.join("tenth"),
        api,
        SHOWS / 10,
        SUBSCRIPTIONS / 10,
        CHANNELS / 10,
    )?;
    // Each build starts from the stores its own `import` wrote.
    let stores = |build: Build, bot: &str| -> anyhow::Result<std::path::PathBuf> {
        let to = dir.path().join(format!("{build:?}"));
        for name in ["tenth", "full"] {
            import_with(bot, &generated.join(name), &to.join(name))?;
        }
        Ok(to)
    };
    let this_stores = stores(Build::This, env!("CARGO_BIN_EXE_trakt-herald"))?;
    let full = this_stores.join("full");
    let scale = format!(
        "{} subscriptions, {} shows",
        thousands(SUBSCRIPTIONS as u64),
        thousands(SHOWS as u64)
    );
    report.info(
        SECTION,
        format!(
            "{}: generate the store: {scale} (Store::import; each build then imports its export)",
            api.name()
        ),
        human(took),
    );
    report.info(
        SECTION,
        format!("{}:   store size on disk", api.name()),
        format!("{:.1} MiB", dir_size(&full) as f64 / 1_048_576.0),
    );
    let this = rt.block_on(measure(dir.path(), &this_stores, api, Build::This))?;
    let base = match base_bot() {
        Some(bot) => {
            let base_stores = stores(Build::Base, &bot)?;
            let base = rt.block_on(measure(dir.path(), &base_stores, api, Build::Base))?;
            // This build's first start on the base build's store: a schema
            // migration, when the base's is older, runs in it.
            let upgraded = dir.path().join("upgraded");
            copy_dir(&base_stores.join("full"), &upgraded)?;
            println!("  This build on the base build's store:");
            let first = rt.block_on(launch(dir.path(), &upgraded, api, Build::This, None))?;
            report.info(
                SECTION,
                format!("{}:   this build's first start on the base build's store (migrating it): peak RSS (VmHWM)", api.name()),
                mib(first.idle_kib.0),
            );
            Some(base)
        }
        None => None,
    };
    add_rows(report, api, &this, base.as_ref());
    Ok(())
}

/// The subscriptions of the store `from`, exported, then imported into `to`
/// by the binary `bot` (`trakt-herald import`): the base build gets the same
/// subscriptions in a store of its own schema, which may be older than this
/// build's.
fn import_with(bot: &str, from: &Path, to: &Path) -> anyhow::Result<()> {
    let file = to.with_extension("json");
    let store = Store::open(from, 16)?;
    std::fs::create_dir_all(to)?;
    std::fs::write(&file, store.export_json()?)?;
    drop(store);
    let config = to.with_extension("toml");
    std::fs::write(&config, format!("[storage]\npath = \"{}\"\n", to.display()))?;
    let status = std::process::Command::new(bot)
        .arg("import")
        .arg(&file)
        .arg("--config")
        .arg(&config)
        .env_remove("DISCORD_TOKEN")
        .env_remove("TRAKT_API_KEY")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
    anyhow::ensure!(status.success(), "the base build's import failed: {status}");
    Ok(())
}

/// Every launch of `build`, each store a fresh copy of the one under
/// `stores` (`tenth`, `full`).
async fn measure(dir: &Path, stores: &Path, api: Api, build: Build) -> anyhow::Result<Measured> {
    println!("  {build:?} build:");
    let work = tempfile::tempdir_in(dir)?;
    let empty = launch(work.path(), &work.path().join("empty"), api, build, None).await?;
    let tenth_store = work.path().join("tenth");
    copy_dir(&stores.join("tenth"), &tenth_store)?;
    let tenth = launch(work.path(), &tenth_store, api, build, None).await?;
    let full_store = work.path().join("full");
    copy_dir(&stores.join("full"), &full_store)?;
    let mut launches = Vec::new();
    for i in 0..LAUNCHES {
        let cycle = (i + 1 == LAUNCHES).then_some(SHOWS);
        launches.push(launch(work.path(), &full_store, api, build, cycle).await?);
    }
    Ok(Measured {
        empty,
        tenth,
        launches,
    })
}

/// "X" or "X (base Y)".
fn with_base(this: String, base: Option<String>) -> String {
    match base {
        Some(b) => format!("{this} (base {b})"),
        None => this,
    }
}

/// The baseline column: the base build's figure when there is one, else
/// this build's empty store; and the ratio to it.
fn baseline(value: f64, base: Option<(f64, String)>, empty: (f64, String)) -> (String, String) {
    let (against, label) = match base {
        Some((b, text)) => (b, format!("base build: {text}")),
        None => (empty.0, format!("empty store: {}", empty.1)),
    };
    (label, format!("{:.2}×", value / against))
}

fn add_rows(report: &mut Report, api: Api, this: &Measured, base: Option<&Measured>) {
    let name = api.name();
    let ready = this.median_ready();
    let (baseline_text, ratio) = baseline(
        ready.as_secs_f64(),
        base.map(|b| (b.median_ready().as_secs_f64(), human(b.median_ready()))),
        (this.empty.ready.as_secs_f64(), human(this.empty.ready)),
    );
    report.add(Row {
        section: SECTION,
        what: format!("{name}: start-up: spawn → \"ready to poll\" (median of {LAUNCHES})"),
        value: human(ready),
        baseline: baseline_text,
        ratio,
        target: "≤ 1 s".to_owned(),
        verdict: Verdict::of(ready <= STARTUP_TARGET),
    });
    report.info(
        SECTION,
        format!("{name}:   spawn → commands registered on the fake gateway (median)"),
        with_base(
            human(this.median_registered()),
            base.map(|b| human(b.median_registered())),
        ),
    );
    let (hwm, rss) = this.idle();
    let (baseline_text, ratio) = baseline(
        hwm as f64,
        base.map(|b| (b.idle().0 as f64, mib(b.idle().0))),
        (this.empty.idle_kib.0 as f64, mib(this.empty.idle_kib.0)),
    );
    report.add(Row {
        section: SECTION,
        what: format!(
            "{name}: peak RSS (VmHWM), idle {}s after start-up (max of {})",
            IDLE.as_secs(),
            LAUNCHES - 1
        ),
        value: format!("{} (VmRSS {})", mib(hwm), mib(rss)),
        baseline: baseline_text,
        ratio,
        target: "≤ 48 MiB".to_owned(),
        verdict: Verdict::of(hwm <= IDLE_TARGET_KIB),
    });
    report.info(
        SECTION,
        format!("{name}:   peak RSS idle, empty store"),
        with_base(
            mib(this.empty.idle_kib.0),
            base.map(|b| mib(b.empty.idle_kib.0)),
        ),
    );
    report.info(
        SECTION,
        format!(
            "{name}:   peak RSS idle with {} subscriptions over {} shows",
            thousands((SUBSCRIPTIONS / 10) as u64),
            thousands((SHOWS / 10) as u64)
        ),
        with_base(
            mib(this.tenth.idle_kib.0),
            base.map(|b| mib(b.tenth.idle_kib.0)),
        ),
    );
    report.info(
        SECTION,
        format!("{name}:   shutdown: SIGTERM → exit, each launch"),
        stops(this),
    );
    cycle_rows(report, name, this, base);
}

fn stops(m: &Measured) -> String {
    m.launches
        .iter()
        .map(|l| l.stopped.map_or_else(|| "killed".to_owned(), human))
        .collect::<Vec<_>>()
        .join(", ")
}

fn cycle_rows(report: &mut Report, name: &str, this: &Measured, base: Option<&Measured>) {
    let Some((hwm, rss, took, requests)) = this.cycle() else {
        return;
    };
    let base_cycle = base.and_then(Measured::cycle);
    let (baseline_text, ratio) = baseline(
        hwm as f64,
        base_cycle.map(|c| (c.0 as f64, mib(c.0))),
        (this.empty.idle_kib.0 as f64, mib(this.empty.idle_kib.0)),
    );
    report.add(Row {
        section: SECTION,
        what: format!(
            "{name}: peak RSS (VmHWM) after one full poll cycle of {} shows",
            thousands(SHOWS as u64)
        ),
        value: format!("{} (VmRSS {})", mib(hwm), mib(rss)),
        baseline: baseline_text,
        ratio,
        target: "≤ 64 MiB".to_owned(),
        verdict: Verdict::of(hwm <= CYCLE_TARGET_KIB),
    });
    report.info(
        SECTION,
        format!(
            "{name}:   that cycle: {} requests at max_requests_per_second = {}",
            thousands(requests as u64),
            cycle_rps(name)
        ),
        with_base(human(took), base_cycle.map(|c| human(c.2))),
    );
}

/// The request rate of the launch that runs a full cycle.
fn cycle_rps(api: &str) -> f64 {
    if api == "v2" {
        2_000.0
    } else {
        1_000.0
    }
}

/// One launch of `build` against `store`; with `cycle: Some(shows)` it runs
/// a full poll cycle at a high request rate and waits for it.
async fn launch(
    dir: &Path,
    store: &Path,
    api: Api,
    build: Build,
    cycle: Option<usize>,
) -> anyhow::Result<Launch> {
    let discord = fake_discord::start().await;
    let trakt = Trakt::start(api, cycle.unwrap_or(SHOWS)).await;
    let rps = cycle.map(|_| cycle_rps(api.name()));
    let rps = rps.or((api == Api::V1).then_some(2.0));
    let config = dir.join("bench.toml");
    std::fs::write(&config, config_text(&discord, &trakt, api, store, rps))?;

    let (lines_tx, mut lines) = mpsc::unbounded_channel::<(Instant, String)>();
    let spawned = Instant::now();
    let mut child = command(build)?
        .arg("run")
        .arg("--config")
        .arg(&config)
        .env_remove("DISCORD_TOKEN")
        .env_remove("TRAKT_API_KEY")
        .env("RUST_LOG", "info,serenity=warn,sled=warn")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let stderr = child
        .stderr
        .take()
        .ok_or_else(|| anyhow::anyhow!("no stderr pipe"))?;
    let pid = child.id();
    let mut running = Running(child);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if lines_tx.send((Instant::now(), line)).is_err() {
                break;
            }
        }
    });

    let ready_at = wait_line(&mut lines, "ready to poll", WAIT).await?;
    let ready = ready_at - spawned;
    discord
        .try_wait_for(|s| s.last_registered.clone(), WAIT)
        .await
        .ok_or_else(|| anyhow::anyhow!("the bot did not register its commands"))?;
    let registered = spawned.elapsed();
    tokio::time::sleep_until(ready_at + IDLE).await;
    let idle_kib = memory_kib(pid)?;
    let after_cycle = match cycle {
        Some(_) => {
            let done = wait_line(&mut lines, "poll cycle done", CYCLE_WAIT).await?;
            tokio::time::sleep(Duration::from_secs(1)).await;
            let (hwm, rss) = memory_kib(pid)?;
            Some((hwm, rss, done - ready_at, trakt.request_count()))
        }
        None => None,
    };
    let stopped = running.stop().await;
    println!(
        "    launch: ready {} · registered {} · idle VmHWM {} VmRSS {}{} · SIGTERM → exit {}",
        human(ready),
        human(registered),
        mib(idle_kib.0),
        mib(idle_kib.1),
        after_cycle.map_or_else(String::new, |(h, r, t, n)| format!(
            " · after a cycle ({n} requests, {}) VmHWM {} VmRSS {}",
            human(t),
            mib(h),
            mib(r)
        )),
        stopped.map_or_else(|| "killed".to_owned(), human)
    );
    Ok(Launch {
        ready,
        registered,
        idle_kib,
        after_cycle,
        stopped,
    })
}
