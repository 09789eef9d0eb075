//! The real binary's life cycle: SIGTERM/SIGINT end it with exit 0 within 5 s
//! whatever state its Discord connection is in (Discord unreachable, gateway
//! refusing or silent, reconnecting, running), a refused bot token ends it at
//! once with exit 2 and one line naming the problem (never the token), and
//! logs written to a file or pipe carry no ANSI colour codes.

use std::fs::OpenOptions;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use tempfile::TempDir;
use tokio::time::Instant;

use crate::support::fake_discord::{self, FakeDiscord, GatewayMode, State};
use crate::support::fake_trakt::FakeTrakt;
use crate::support::herald::{config_text, eventually, Options, TRAKT_KEY, WAIT};

/// What the issue allows between the signal and the exit.
const EXIT_WITHIN: Duration = Duration::from_secs(5);
/// A token the fake refuses; it must never be printed.
const WRONG_TOKEN: &str = "wrong-SECRET-token-0123456789";
/// The line a refused token ends with.
const REFUSED: &str = "Discord refused the bot token";

/// The real binary, its stdout and stderr appended to one log file.
struct Bot {
    child: Child,
    log: PathBuf,
    _dir: TempDir,
}

impl Bot {
    /// Starts `trakt-herald run` with the configuration `config` (a full TOML text).
    fn start(config: &str, rust_log: Option<&str>) -> Bot {
        let dir = tempfile::tempdir().expect("temp dir");
        let config_path = dir.path().join("herald.toml");
        std::fs::write(&config_path, config).expect("write the config");
        let log = dir.path().join("herald.log");
        let out = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .expect("open the log file");
        let err = out.try_clone().expect("clone the log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_trakt-herald"));
        command
            .args(["run", "--config"])
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        for var in [
            "DISCORD_TOKEN",
            "TRAKT_API_KEY",
            "RUST_LOG",
            "NO_COLOR",
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "http_proxy",
            "https_proxy",
            "all_proxy",
        ] {
            command.env_remove(var);
        }
        if let Some(filter) = rust_log {
            command.env("RUST_LOG", filter);
        }
        let child = command.spawn().expect("start the trakt-herald binary");
        Bot {
            child,
            log,
            _dir: dir,
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    async fn wait_log(&self, needle: &str) {
        eventually(&format!("the log says {needle:?}"), WAIT, || {
            self.log_text().contains(needle)
        })
        .await;
    }

    /// Sends `signal` (`TERM`, `INT`) and waits for the exit.
    async fn signal_and_wait(&mut self, signal: &str) -> Option<ExitStatus> {
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -{signal} failed");
        self.wait_exit(EXIT_WITHIN).await
    }

    /// The exit status, or `None` when still running after `within`.
    async fn wait_exit(&mut self, within: Duration) -> Option<ExitStatus> {
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

    /// Signals the bot and checks a clean, prompt stop with the store flushed.
    async fn assert_stops_cleanly(&mut self, signal: &str, when: &str) {
        let sent = Instant::now();
        let exit = self.signal_and_wait(signal).await;
        eprintln!("{when}: SIG{signal} to exit took {:?}", sent.elapsed());
        let log = self.log_text();
        let exit =
            exit.unwrap_or_else(|| panic!("{when}: still running 5 s after SIG{signal}:\n{log}"));
        assert_eq!(exit.code(), Some(0), "{when}: exit {exit:?}:\n{log}");
        assert!(
            log.contains("stopped"),
            "{when}: no flush/stop line:\n{log}"
        );
        assert!(
            !log.contains(fake_discord::TOKEN),
            "{when}: the token is in the log"
        );
        assert_plain(&log);
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Logs to a file are plain text.
fn assert_plain(log: &str) {
    assert!(!log.contains("\x1b["), "ANSI escapes in a log file:\n{log}");
}

/// A loopback address where nothing listens.
fn closed_port() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    drop(listener);
    format!("http://{addr}")
}

/// The configuration pointing the bot at `discord` and `trakt`, its store in
/// `dir`, and, if given, another bot token.
fn config_in(dir: &Path, discord: &str, trakt: &FakeTrakt, token: Option<&str>) -> String {
    let text = config_text(
        discord,
        &trakt.base_url(),
        &dir.join("store"),
        &Options::default(),
    );
    match token {
        Some(t) => text.replace(
            &format!("token = \"{}\"", fake_discord::TOKEN),
            &format!("token = \"{t}\""),
        ),
        None => text,
    }
}

struct Setup {
    discord: FakeDiscord,
    trakt: FakeTrakt,
    store_dir: TempDir,
}

async fn setup() -> Setup {
    Setup {
        discord: fake_discord::start().await,
        trakt: FakeTrakt::start(TRAKT_KEY).await,
        store_dir: tempfile::tempdir().expect("temp dir"),
    }
}

impl Setup {
    fn bot(&self, api_base: &str, token: Option<&str>, rust_log: Option<&str>) -> Bot {
        Bot::start(
            &config_in(self.store_dir.path(), api_base, &self.trakt, token),
            rust_log,
        )
    }

    async fn wait_connections(&self, at_least: u64) {
        self.discord
            .wait_for(
                |s: &State| (s.gateway_connections >= at_least).then_some(()),
                WAIT,
            )
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_bot_while_discord_is_unreachable() {
    let s = setup().await;
    let mut bot = s.bot(&closed_port(), None, Some("info"));
    bot.wait_log("ready to poll").await;
    // Let it fail to reach Discord and settle into its retries.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    bot.assert_stops_cleanly("TERM", "Discord unreachable")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_bot_while_the_gateway_refuses_the_websocket() {
    let s = setup().await;
    s.discord.set_gateway_mode(GatewayMode::Refuse);
    let mut bot = s.bot(&s.discord.api_base(), None, None);
    // Refused once, so the shard queuer is in its retry loop.
    s.wait_connections(1).await;
    bot.assert_stops_cleanly("TERM", "gateway refusing").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_stops_the_bot_while_the_websocket_handshake_hangs() {
    let s = setup().await;
    s.discord.set_gateway_mode(GatewayMode::Stall);
    let mut bot = s.bot(&s.discord.api_base(), None, None);
    s.wait_connections(1).await;
    bot.assert_stops_cleanly("INT", "handshake unanswered")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_bot_while_waiting_for_hello() {
    let s = setup().await;
    s.discord.set_gateway_mode(GatewayMode::NoHello);
    let mut bot = s.bot(&s.discord.api_base(), None, None);
    s.wait_connections(1).await;
    bot.assert_stops_cleanly("TERM", "connecting, no HELLO")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_bot_while_it_reconnects() {
    let s = setup().await;
    // Debug logs too must not show the token.
    let mut bot = s.bot(&s.discord.api_base(), None, Some("debug"));
    s.discord.wait_registered_commands(WAIT).await;
    let before = s
        .discord
        .wait_for(|st| Some(st.gateway_connections), WAIT)
        .await;
    // The network goes: the session is cut and every reconnect is refused.
    s.discord.set_gateway_mode(GatewayMode::Refuse);
    s.discord.cut_gateway().await;
    s.wait_connections(before + 1).await;
    bot.assert_stops_cleanly("TERM", "reconnecting").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_and_sigint_stop_the_running_bot() {
    for signal in ["TERM", "INT"] {
        let s = setup().await;
        let mut bot = s.bot(&s.discord.api_base(), None, None);
        s.discord.wait_registered_commands(WAIT).await;
        bot.assert_stops_cleanly(signal, "running").await;
    }
}

/// The bot ends by itself, with exit 2 and one line about the token.
async fn assert_refused(bot: &mut Bot) -> String {
    let exit = bot.wait_exit(Duration::from_secs(15)).await;
    let log = bot.log_text();
    let exit = exit.unwrap_or_else(|| panic!("still running with a refused token:\n{log}"));
    assert_eq!(exit.code(), Some(2), "exit {exit:?}:\n{log}");
    let lines: Vec<&str> = log.lines().filter(|l| l.contains(REFUSED)).collect();
    assert_eq!(lines.len(), 1, "one line about the token:\n{log}");
    assert!(lines[0].contains("DISCORD_TOKEN"), "{log}");
    assert!(!log.contains(WRONG_TOKEN), "the token was printed:\n{log}");
    assert!(
        !log.contains(fake_discord::TOKEN),
        "the token was printed:\n{log}"
    );
    assert_plain(&log);
    log
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_refused_by_rest_ends_the_bot_with_exit_2() {
    let s = setup().await;
    let mut bot = s.bot(&s.discord.api_base(), Some(WRONG_TOKEN), None);
    assert_refused(&mut bot).await;
    let state = s
        .discord
        .wait_for(|st| Some(st.identifies.len()), WAIT)
        .await;
    assert_eq!(state, 0, "it went on to the gateway with a refused token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_refused_by_the_gateway_ends_the_bot_with_exit_2() {
    let s = setup().await;
    s.discord.set_gateway_mode(GatewayMode::RejectToken);
    let mut bot = s.bot(&s.discord.api_base(), None, Some("info"));
    assert_refused(&mut bot).await;
    let identifies = s
        .discord
        .wait_for(|st| Some(st.identifies.len()), WAIT)
        .await;
    assert_eq!(identifies, 1, "retried after close 4004");
}

/// `Store::open` waits, sleeping, while another handle holds the lock: that
/// wait must not stop the runtime (here one thread) from doing anything else.
#[tokio::test(flavor = "current_thread")]
async fn waiting_for_the_store_lock_does_not_block_the_runtime() {
    use tokio_util::sync::CancellationToken;
    use trakt_herald::config::Config;

    let dir = tempfile::tempdir().expect("temp dir");
    let store_path = dir.path().join("store");
    let held = trakt_herald::store::Store::open(&store_path, 4).expect("open the store");
    let unreachable = closed_port();
    let text = config_text(&unreachable, &unreachable, &store_path, &Options::default());
    let config = Config::from_toml(
        &text,
        Path::new("test.toml"),
        &crate::support::herald::NoEnv,
    )
    .expect("test config");
    let cancel = CancellationToken::new();
    let run = tokio::spawn(trakt_herald::app::run_until(config, cancel.clone()));

    // While the bot waits for the lock, a timer on the same thread keeps ticking.
    let began = std::time::Instant::now();
    let mut ticks = 0;
    while began.elapsed() < Duration::from_millis(400) {
        tokio::time::sleep(Duration::from_millis(10)).await;
        ticks += 1;
    }
    assert!(
        ticks >= 10,
        "the runtime was blocked: {ticks} ticks in 400 ms"
    );
    assert!(!run.is_finished(), "gave up waiting for the lock too early");

    // Stopped while waiting: a clean return, and the lock is free again.
    cancel.cancel();
    let outcome = tokio::time::timeout(WAIT, run)
        .await
        .expect("stops while waiting for the store")
        .expect("no panic");
    assert!(outcome.is_ok(), "{outcome:?}");
    drop(held);
}
