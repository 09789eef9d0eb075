//! The real `trakt-herald` binary as a child process (`run --config FILE`),
//! its output appended to a log file, with SIGKILL and SIGTERM: the crash
//! tests of the v1 pipeline and of the v2 poller share it.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use tokio::time::Instant;
use trakt_herald::store::Store;

use super::fake_discord::FakeDiscord;
use super::fake_trakt_v2::FakeTraktV2;
use super::herald::{config_text, Options};
use crate::v2_polling::v2_options;

/// The real binary, its output appended to `log`.
pub struct Process {
    child: Child,
    log: PathBuf,
}

impl Process {
    pub fn spawn(config: &Path, log: &Path) -> Process {
        let out = OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .expect("open the log file");
        let err = out.try_clone().expect("clone the log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_trakt-herald"));
        command
            .args(["run", "--config"])
            .arg(config)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        for var in [
            "DISCORD_TOKEN",
            "TRAKT_API_KEY",
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "http_proxy",
            "https_proxy",
            "all_proxy",
        ] {
            command.env_remove(var);
        }
        let child = command.spawn().expect("start the trakt-herald binary");
        Process {
            child,
            log: log.to_owned(),
        }
    }

    /// SIGKILL, and reap it.
    pub fn kill_9(&mut self) {
        self.child.kill().expect("SIGKILL the bot");
        self.child.wait().expect("reap the bot");
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// SIGTERM; the exit status, or `None` when it is still running after `within`.
    pub async fn terminate(&mut self, within: Duration) -> Option<ExitStatus> {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill -TERM");
        assert!(status.success(), "kill -TERM failed");
        let deadline = Instant::now() + within;
        loop {
            if let Some(exit) = self.child.try_wait().expect("poll the bot") {
                return Some(exit);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Wait up to 30 s for `cond`; fails with the bot's log when it never holds.
    pub async fn wait_for(&self, what: &str, mut cond: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !cond() {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}:\n{}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let start = text.len().saturating_sub(4000);
        let start = (start..text.len())
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(text.len());
        text[start..].to_owned()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if self.is_running() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A directory for one real-binary run on Trakt API v2: the store, the config
/// (the fakes' addresses, a 1 s poll) and the log file.
pub struct V2Run {
    /// Removed when the run is dropped.
    _dir: tempfile::TempDir,
    pub store: PathBuf,
    pub config: PathBuf,
    pub log: PathBuf,
}

impl V2Run {
    /// Writes the config; the store is for the caller to fill before `spawn`.
    pub fn new(discord: &FakeDiscord, v2: &FakeTraktV2) -> V2Run {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = dir.path().join("store");
        let text = config_text(
            &discord.api_base(),
            &v2.base_url(),
            &store,
            &Options {
                poll_interval: "1s",
                ..v2_options()
            },
        );
        let config = dir.path().join("herald.toml");
        std::fs::write(&config, text).expect("config");
        let log = dir.path().join("herald.log");
        V2Run {
            _dir: dir,
            store,
            config,
            log,
        }
    }

    /// Opens the store (at the schema the binary expects), fills it, closes it.
    pub fn prepare(&self, fill: impl FnOnce(&Store)) {
        let store = Store::open(&self.store, 4).expect("store");
        fill(&store);
        store.flush().expect("flush");
    }

    pub fn spawn(&self) -> Process {
        Process::spawn(&self.config, &self.log)
    }
}
