//! Measurement 4's process handling: the bot's command (optionally wrapped
//! in a profiler, or another build of it), its process group, SIGTERM with a
//! deadline, its stderr lines, and its memory in /proc.

use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Child, Command};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

pub fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

pub fn dir_size(path: &Path) -> u64 {
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

/// Copy the directory `from` (a closed sled store) to `to`.
pub fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.metadata()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
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

/// The bot's process, in a process group of its own (so that a profiler
/// wrapping it stops with it). Stopped with SIGTERM, as a service manager
/// would; killed after [`STOP_WAIT`]. Dropping it stops it too.
pub struct Running(pub Child);

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
    pub async fn stop(&mut self) -> Option<Duration> {
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

/// Which build of the bot a launch runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Build {
    /// This checkout's release binary.
    This,
    /// `HERALD_BENCH_BASE_BOT`: another build (say the base commit's), to
    /// measure before and after in one run.
    Base,
}

/// The base build's binary, when `HERALD_BENCH_BASE_BOT` names one.
pub fn base_bot() -> Option<String> {
    std::env::var("HERALD_BENCH_BASE_BOT")
        .ok()
        .filter(|p| !p.is_empty())
}

/// The bot's command. `HERALD_BENCH_WRAP` (say `heaptrack -o /tmp/herald`)
/// runs it under a profiler instead; the figures are then the profiler's.
pub fn command(build: Build) -> anyhow::Result<Command> {
    let bot = match build {
        Build::This => env!("CARGO_BIN_EXE_trakt-herald").to_owned(),
        Build::Base => base_bot().ok_or_else(|| anyhow::anyhow!("no HERALD_BENCH_BASE_BOT"))?,
    };
    let wrap = std::env::var("HERALD_BENCH_WRAP").unwrap_or_default();
    let mut words = wrap.split_whitespace();
    let mut c = match words.next() {
        Some(program) => {
            let mut c = Command::new(program);
            c.args(words).arg(bot);
            c
        }
        None => Command::new(bot),
    };
    c.process_group(0);
    Ok(c)
}

/// The time of the first stderr line containing `needle`, within `wait`.
pub async fn wait_line(
    lines: &mut mpsc::UnboundedReceiver<(Instant, String)>,
    needle: &str,
    wait: Duration,
) -> anyhow::Result<Instant> {
    let deadline = Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, lines.recv()).await {
            Ok(Some((at, line))) if line.contains(needle) => return Ok(at),
            Ok(Some(_)) => {}
            Ok(None) => anyhow::bail!("the bot exited before logging \"{needle}\""),
            Err(_) => anyhow::bail!("no \"{needle}\" line within {wait:?}"),
        }
    }
}
