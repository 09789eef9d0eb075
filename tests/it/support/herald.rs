//! Runs the real bot in-process against the fakes: a fake Discord (REST and
//! gateway) and a fake Trakt (v1 by default; `Options::api = "v2"` points the
//! bot at the fake Trakt v2 instead), with a temporary sled store the test can read.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tempfile::TempDir;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use trakt_herald::config::{BoundAddr, Config, Env};
use trakt_herald::store::Store;

use super::fake_discord::{self, FakeDiscord};
use super::fake_trakt::FakeTrakt;
use super::fake_trakt_v2::{self, FakeTraktV2};

/// The Trakt API key the fake accepts.
pub const TRAKT_KEY: &str = "testkey0123456789";
/// The fake Trakt clock at start.
pub const T0: i64 = 1_384_800_000;
/// How long tests wait for something that should happen promptly.
pub const WAIT: Duration = Duration::from_secs(20);

/// An environment with no overrides: the test config carries the secrets.
pub struct NoEnv;

impl Env for NoEnv {
    fn var(&self, _name: &str) -> Option<String> {
        None
    }
}

/// Knobs a test may turn; the defaults poll every second.
#[derive(Clone, Debug)]
pub struct Options {
    /// `trakt.api`: `"v1"` (the default here) or `"v2"`.
    pub api: &'static str,
    /// `trakt.max_requests_per_second`.
    pub trakt_rate: f64,
    pub poll_interval: &'static str,
    /// `poll.max_interval`.
    pub max_interval: &'static str,
    pub overlap: &'static str,
    pub batch_size: usize,
    pub max_follows_per_guild: usize,
    pub channel_message_interval: &'static str,
    /// `discord.max_messages_per_second`.
    pub max_messages_per_second: f64,
    pub trakt_timeout: &'static str,
    /// `trakt.max_retries`.
    pub trakt_max_retries: u32,
    /// `trakt.retry_delay`.
    pub trakt_retry_delay: &'static str,
    /// `metrics.listen` (unset by default); `"127.0.0.1:0"` lets the system
    /// pick the port, which [`Herald::metrics_addr`] then tells.
    pub metrics_listen: Option<&'static str>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            api: "v1",
            trakt_rate: 50.0,
            poll_interval: "1s",
            max_interval: "1h",
            overlap: "60s",
            batch_size: 20,
            max_follows_per_guild: 50,
            channel_message_interval: "10ms",
            max_messages_per_second: 40.0,
            trakt_timeout: "2s",
            trakt_max_retries: 3,
            trakt_retry_delay: "500ms",
            metrics_listen: None,
        }
    }
}

/// The configuration text pointing the bot at the fakes.
pub fn config_text(discord: &str, trakt: &str, store: &Path, o: &Options) -> String {
    let metrics = o.metrics_listen.map_or(String::new(), |at| {
        format!("\n[metrics]\nlisten = \"{at}\"\n")
    });
    let text = format!(
        r#"
[discord]
token = "{token}"
api_base = "{discord}"
guild_id = {guild}
channel_message_interval = "{cmi}"
max_messages_per_second = {mmps:?}

[trakt]
api = "{api}"
api_key = "{key}"
base_url = "{trakt}"
timeout = "{timeout}"
batch_size = {batch}
max_requests_per_second = {rate:?}
max_retries = {retries}
retry_delay = "{retry_delay}"

[poll]
interval = "{interval}"
overlap = "{overlap}"
max_interval = "{max_interval}"

[storage]
path = "{store}"
cache_mb = 4

[limits]
max_follows_per_guild = {limit}
"#,
        token = fake_discord::TOKEN,
        guild = fake_discord::GUILD_ID,
        cmi = o.channel_message_interval,
        mmps = o.max_messages_per_second,
        api = o.api,
        rate = o.trakt_rate,
        key = if o.api == "v2" {
            fake_trakt_v2::CLIENT_ID
        } else {
            TRAKT_KEY
        },
        timeout = o.trakt_timeout,
        retries = o.trakt_max_retries,
        retry_delay = o.trakt_retry_delay,
        batch = o.batch_size,
        interval = o.poll_interval,
        max_interval = o.max_interval,
        overlap = o.overlap,
        store = store.display(),
        limit = o.max_follows_per_guild,
    );
    text + &metrics
}

/// A running bot with its fakes.
pub struct Herald {
    pub discord: FakeDiscord,
    pub trakt: FakeTrakt,
    /// The fake Trakt v2 (the bot's source when `options.api` is `"v2"`).
    pub v2: FakeTraktV2,
    pub store: Store,
    pub options: Options,
    /// Where the running bot's metrics server listens, once it does.
    metrics: BoundAddr,
    cancel: CancellationToken,
    task: Option<JoinHandle<anyhow::Result<()>>>,
    store_path: PathBuf,
    _dir: TempDir,
}

impl Herald {
    /// Fakes up, bot running, connected and commands registered.
    pub async fn start() -> Herald {
        Herald::start_with(Options::default()).await
    }

    pub async fn start_with(options: Options) -> Herald {
        let discord = fake_discord::start().await;
        let trakt = FakeTrakt::start(TRAKT_KEY).await;
        trakt.set_now(T0);
        let v2 = FakeTraktV2::start().await;
        let dir = tempfile::tempdir().expect("temp dir");
        let store_path = dir.path().join("store");
        let store = Store::open(&store_path, 4).expect("open store");
        let mut herald = Herald {
            discord,
            trakt,
            v2,
            store,
            options,
            metrics: BoundAddr::default(),
            cancel: CancellationToken::new(),
            task: None,
            store_path,
            _dir: dir,
        };
        herald.launch().await;
        herald
    }

    fn config(&self) -> Config {
        let trakt = if self.options.api == "v2" {
            self.v2.base_url()
        } else {
            self.trakt.base_url()
        };
        let text = config_text(
            &self.discord.api_base(),
            &trakt,
            &self.store_path,
            &self.options,
        );
        Config::from_toml(&text, Path::new("test.toml"), &NoEnv).expect("test config")
    }

    async fn launch(&mut self) {
        let config = self.config();
        self.metrics = config.metrics.bound.clone();
        self.cancel = CancellationToken::new();
        let identifies = self
            .discord
            .wait_for(|s| Some(s.identifies.len()), WAIT)
            .await;
        let task = tokio::spawn(trakt_herald::app::run_with_store(
            config,
            self.store.clone(),
            self.cancel.clone(),
        ));
        self.task = Some(task);
        self.discord
            .wait_for(|s| (s.identifies.len() > identifies).then_some(()), WAIT)
            .await;
        self.discord.wait_registered_commands(WAIT).await;
    }

    /// The metrics server's address (`Options::metrics_listen` must be set).
    pub fn metrics_addr(&self) -> std::net::SocketAddr {
        self.metrics
            .get()
            .expect("the metrics server listens once the bot is connected")
    }

    /// Stop the bot as SIGTERM would, and check it stopped cleanly.
    pub async fn stop(&mut self) {
        self.cancel.cancel();
        if let Some(task) = self.task.take() {
            let outcome = tokio::time::timeout(WAIT, task)
                .await
                .expect("the bot stops within the grace period")
                .expect("the bot task does not panic");
            outcome.expect("the bot stops without error");
        }
    }

    /// Stop and start again on the same store (a clean restart).
    pub async fn restart(&mut self) {
        self.stop().await;
        self.launch().await;
    }
}

impl Drop for Herald {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// Wait until `cond` holds, checking every 20 ms, for conditions no fake can
/// signal (e.g. across two fakes); panics with `what` after `timeout`.
pub async fn eventually(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + timeout;
    while !cond() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {timeout:?} waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
