//! Measurement 4: memory and start-up at scale. A store with 100 000
//! subscriptions over 20 000 shows is generated through `Store::import`; then
//! the real release binary (`trakt-herald run`) is started against it, with
//! `discord.api_base` and `trakt.base_url` pointing at the fakes on loopback
//! (the fake Discord serves the gateway too, so the bot connects and registers
//! its commands as it would in production). Measured: time from spawn to the
//! "ready to poll" log line, time to the commands being registered, and the
//! process's peak RSS (`VmHWM` in /proc) once idle.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;
use trakt_herald::store::Store;

use super::gen::Gen;
use super::report::{human, thousands, Report, Row, Verdict};
use crate::fakes::fake_discord::{self, FakeDiscord};
use crate::fakes::fake_trakt::FakeTrakt;

const SECTION: &str = "4";
const SHOWS: usize = 20_000;
const SUBSCRIPTIONS: usize = 100_000;
const CHANNELS: usize = 20_000;
const KEY: &str = "benchkey0123456789";
/// Launches for the start-up median.
const LAUNCHES: usize = 3;
/// How long the bot idles after start-up before its RSS is read.
const IDLE: Duration = Duration::from_secs(3);
/// Issue 15: idle ≤ 48 MiB, after a full poll cycle ≤ 64 MiB.
const IDLE_TARGET_KIB: u64 = 48 * 1024;
const CYCLE_TARGET_KIB: u64 = 64 * 1024;
const STARTUP_TARGET: Duration = Duration::from_secs(1);
const WAIT: Duration = Duration::from_secs(60);

/// What one launch measured.
struct Launch {
    ready: Duration,
    registered: Duration,
    /// (VmHWM, VmRSS) in KiB, once idle.
    idle_kib: (u64, u64),
    /// VmHWM after one full poll cycle, when the launch waited for one.
    after_cycle_kib: Option<(u64, u64, Duration)>,
    /// SIGTERM → exit; `None` when it had to be killed.
    stopped: Option<Duration>,
}

pub fn run(report: &mut Report, rt: &tokio::runtime::Runtime) -> anyhow::Result<()> {
    println!("\n## 4. memory and start-up at scale (release binary)");
    let dir = tempfile::tempdir()?;
    let store_path = dir.path().join("store");
    let took = build_store(&store_path, SHOWS, SUBSCRIPTIONS, CHANNELS)?;
    report.info(
        SECTION,
        format!(
            "generate the store: {} subscriptions, {} shows (Store::import)",
            thousands(SUBSCRIPTIONS as u64),
            thousands(SHOWS as u64)
        ),
        human(took),
    );
    report.info(
        SECTION,
        "  store size on disk",
        format!("{:.1} MiB", dir_size(&store_path) as f64 / 1_048_576.0),
    );

    // The baseline: the same binary and configuration with an empty store.
    let empty_dir = tempfile::tempdir()?;
    let empty = rt.block_on(launch(
        empty_dir.path(),
        &empty_dir.path().join("store"),
        false,
    ))?;

    // A tenth of the scale, to show how memory grows with the store.
    let tenth_dir = tempfile::tempdir()?;
    let tenth_path = tenth_dir.path().join("store");
    build_store(&tenth_path, SHOWS / 10, SUBSCRIPTIONS / 10, CHANNELS / 10)?;
    let tenth = rt.block_on(launch(tenth_dir.path(), &tenth_path, false))?;

    let mut launches = Vec::new();
    for i in 0..LAUNCHES {
        // The last launch also runs a full poll cycle at a high request rate.
        let full_cycle = i + 1 == LAUNCHES;
        launches.push(rt.block_on(launch(dir.path(), &store_path, full_cycle))?);
    }
    let mut ready: Vec<Duration> = launches.iter().map(|l| l.ready).collect();
    ready.sort_unstable();
    let median_ready = ready[ready.len() / 2];
    let mut registered: Vec<Duration> = launches.iter().map(|l| l.registered).collect();
    registered.sort_unstable();
    report.add(Row {
        section: SECTION,
        what: format!("start-up: spawn → \"ready to poll\" (median of {LAUNCHES})"),
        value: human(median_ready),
        baseline: format!("empty store: {}", human(empty.ready)),
        ratio: format!(
            "{:.1}×",
            median_ready.as_secs_f64() / empty.ready.as_secs_f64()
        ),
        target: "≤ 1 s".to_owned(),
        verdict: Verdict::of(median_ready <= STARTUP_TARGET),
    });
    report.info(
        SECTION,
        "  spawn → connected to the fake gateway, commands registered (median)",
        human(registered[registered.len() / 2]),
    );
    // The launch that runs a full cycle at 1000 requests/s is not idle.
    let idle = launches.iter().filter(|l| l.after_cycle_kib.is_none());
    let peak_idle = idle.clone().map(|l| l.idle_kib.0).max().unwrap_or(0);
    let rss_idle = idle.map(|l| l.idle_kib.1).max().unwrap_or(0);
    report.add(Row {
        section: SECTION,
        what: format!(
            "peak RSS (VmHWM), idle {}s after start-up (max of {})",
            IDLE.as_secs(),
            LAUNCHES - 1
        ),
        value: format!("{} (VmRSS {})", mib(peak_idle), mib(rss_idle)),
        baseline: format!("empty store: {}", mib(empty.idle_kib.0)),
        ratio: format!("{:.1}×", peak_idle as f64 / empty.idle_kib.0 as f64),
        target: "≤ 48 MiB".to_owned(),
        verdict: Verdict::of(peak_idle <= IDLE_TARGET_KIB),
    });
    report.info(
        SECTION,
        format!(
            "  peak RSS idle with {} subscriptions over {} shows (VmHWM)",
            thousands((SUBSCRIPTIONS / 10) as u64),
            thousands((SHOWS / 10) as u64)
        ),
        mib(tenth.idle_kib.0),
    );
    let stops: Vec<Option<Duration>> = launches.iter().map(|l| l.stopped).collect();
    report.info(
        SECTION,
        "  shutdown: SIGTERM → exit, each launch",
        stops
            .iter()
            .map(|s| s.map_or_else(|| "killed".to_owned(), human))
            .collect::<Vec<_>>()
            .join(", "),
    );
    if let Some((hwm, rss, took)) = launches.iter().find_map(|l| l.after_cycle_kib) {
        report.add(Row {
            section: SECTION,
            what: format!(
                "peak RSS (VmHWM) after one full poll cycle of {} shows",
                thousands(SHOWS as u64)
            ),
            value: format!("{} (VmRSS {})", mib(hwm), mib(rss)),
            baseline: format!("empty store: {}", mib(empty.idle_kib.0)),
            ratio: format!("{:.1}×", hwm as f64 / empty.idle_kib.0 as f64),
            target: "≤ 64 MiB".to_owned(),
            verdict: Verdict::of(hwm <= CYCLE_TARGET_KIB),
        });
        report.info(
            SECTION,
            "  that cycle: 1 000 requests at max_requests_per_second = 1000",
            human(took),
        );
    }
    Ok(())
}

/// A store of `subscriptions` over `shows` (1–20 channels each), through
/// `Store::import` in chunks; answers how long it took.
fn build_store(
    path: &Path,
    shows: usize,
    subscriptions: usize,
    channels: usize,
) -> anyhow::Result<Duration> {
    let started = std::time::Instant::now();
    let mut g = Gen::with_seed(super::gen::SEED + 4);
    let shows = g.shows(shows);
    let subs = g.subscriptions(&shows, subscriptions, channels);
    let store = Store::open(path, 16)?;
    for chunk in subs.chunks(5_000) {
        store.import(chunk.to_vec())?;
    }
    store.flush()?;
    anyhow::ensure!(store.export()?.len() == subscriptions, "import incomplete");
    Ok(started.elapsed())
}

pub fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn dir_size(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// `(VmHWM, VmRSS)` of `pid` in KiB.
pub fn memory_kib(pid: u32) -> anyhow::Result<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| -> anyhow::Result<u64> {
        let line = status
            .lines()
            .find(|l| l.starts_with(name))
            .ok_or_else(|| anyhow::anyhow!("no {name} in /proc/{pid}/status"))?;
        Ok(line
            .split_whitespace()
            .nth(1)
            .ok_or_else(|| anyhow::anyhow!("bad {name} line"))?
            .parse()?)
    };
    Ok((field("VmHWM:")?, field("VmRSS:")?))
}

fn config_text(discord: &FakeDiscord, trakt: &FakeTrakt, store: &Path, rps: f64) -> String {
    // Defaults everywhere (poll every 60 s, 2 Trakt requests/s, 16 MiB sled
    // cache), but for the endpoints, the secrets and the guild.
    format!(
        r#"[discord]
token = "{token}"
api_base = "{api}"
guild_id = {guild}

[trakt]
api = "v1"
api_key = "{KEY}"
base_url = "{trakt}"
max_requests_per_second = {rps:?}

[storage]
path = "{store}"
{cache}
"#,
        cache = std::env::var("HERALD_BENCH_CACHE_MB")
            .map(|mb| format!("cache_mb = {mb}"))
            .unwrap_or_default(),
        token = fake_discord::TOKEN,
        api = discord.api_base(),
        guild = fake_discord::GUILD_ID,
        trakt = trakt.base_url(),
        store = store.display(),
    )
}

/// The bot's process, in a process group of its own (so that a profiler
/// wrapping it stops with it). Stopped with SIGTERM, as a service manager
/// would; killed after [`STOP_WAIT`]. Dropping it stops it too.
struct Running(Child);

/// How long a SIGTERM may take before the process group is killed.
const STOP_WAIT: Duration = Duration::from_secs(15);

impl Running {
    fn signal(&self, signal: &str) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args([signal, "--", &group]).status();
    }

    fn exited(&mut self) -> bool {
        matches!(self.0.try_wait(), Ok(Some(_)))
    }

    /// SIGTERM, then wait: how long the bot took to exit, or `None` when it
    /// had to be killed.
    async fn stop(&mut self) -> Option<Duration> {
        let sent = Instant::now();
        self.signal("-TERM");
        while sent.elapsed() < STOP_WAIT {
            if self.exited() {
                return Some(sent.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        self.signal("-KILL");
        let _ = self.0.wait();
        None
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.exited() {
            return;
        }
        self.signal("-TERM");
        let deadline = std::time::Instant::now() + STOP_WAIT;
        while std::time::Instant::now() < deadline {
            if self.exited() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.signal("-KILL");
        let _ = self.0.wait();
    }
}

async fn launch(dir: &Path, store: &Path, full_cycle: bool) -> anyhow::Result<Launch> {
    let discord = fake_discord::start().await;
    let trakt = FakeTrakt::start(KEY).await;
    let rps = if full_cycle { 1_000.0 } else { 2.0 };
    let config = dir.join("bench.toml");
    std::fs::write(&config, config_text(&discord, &trakt, store, rps))?;

    let (lines_tx, mut lines) = mpsc::unbounded_channel::<(Instant, String)>();
    let spawned = Instant::now();
    let mut child = command()
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
        .process_group(0)
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

    let ready_at = wait_line(&mut lines, "ready to poll").await?;
    let ready = ready_at - spawned;
    discord
        .try_wait_for(|s| s.last_registered.clone(), WAIT)
        .await
        .ok_or_else(|| anyhow::anyhow!("the bot did not register its commands"))?;
    let registered = spawned.elapsed();
    tokio::time::sleep_until(ready_at + IDLE).await;
    let idle_kib = memory_kib(pid)?;
    let after_cycle_kib = if full_cycle {
        let done = wait_line(&mut lines, "poll cycle done").await?;
        let took = done - ready_at;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let (hwm, rss) = memory_kib(pid)?;
        println!(
            "  (fake Trakt received {} requests in that launch)",
            trakt.request_count()
        );
        Some((hwm, rss, took))
    } else {
        None
    };
    let stopped = running.stop().await;
    println!(
        "  launch: ready {} · registered {} · idle VmHWM {} VmRSS {} · SIGTERM → exit {}",
        human(ready),
        human(registered),
        mib(idle_kib.0),
        mib(idle_kib.1),
        stopped.map_or_else(|| "killed".to_owned(), human)
    );
    Ok(Launch {
        ready,
        registered,
        idle_kib,
        after_cycle_kib,
        stopped,
    })
}

/// The bot's command. `HERALD_BENCH_WRAP` (say `heaptrack -o /tmp/herald`)
/// runs it under a profiler instead; the figures are then the profiler's.
fn command() -> Command {
    let bot = env!("CARGO_BIN_EXE_trakt-herald");
    let wrap = std::env::var("HERALD_BENCH_WRAP").unwrap_or_default();
    let mut words = wrap.split_whitespace();
    match words.next() {
        Some(program) => {
            let mut c = Command::new(program);
            c.args(words).arg(bot);
            c
        }
        None => Command::new(bot),
    }
}

/// The time of the first stderr line containing `needle`.
async fn wait_line(
    lines: &mut mpsc::UnboundedReceiver<(Instant, String)>,
    needle: &str,
) -> anyhow::Result<Instant> {
    let deadline = Instant::now() + WAIT;
    loop {
        match tokio::time::timeout_at(deadline, lines.recv()).await {
            Ok(Some((at, line))) if line.contains(needle) => return Ok(at),
            Ok(Some(_)) => {}
            Ok(None) => anyhow::bail!("the bot exited before logging \"{needle}\""),
            Err(_) => anyhow::bail!("no \"{needle}\" line within {WAIT:?}"),
        }
    }
}
