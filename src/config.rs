//! Configuration: the typed `Config`, read from a TOML file with secrets taken
//! from the environment when set, validated before anything starts. Errors name
//! the offending key (`poll.interval`, `discord.token`, …). Secrets are held as
//! `SecretString` and only ever printed masked.

use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

mod metrics;
mod shards;
pub use metrics::{BoundAddr, MetricsConfig};
pub use shards::{Shards, MAX_SHARDS};

/// Environment variable that overrides `discord.token`.
pub const ENV_DISCORD_TOKEN: &str = "DISCORD_TOKEN";
/// Environment variable that overrides `trakt.api_key`.
pub const ENV_TRAKT_API_KEY: &str = "TRAKT_API_KEY";
/// Discord's real API base.
pub const DEFAULT_DISCORD_API_BASE: &str = "https://discord.com";
/// The most `trakt.max_retries` allows.
pub const MAX_TRAKT_RETRIES: u32 = 10;

/// The whole configuration.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub discord: DiscordConfig,
    #[serde(default)]
    pub trakt: TraktConfig,
    #[serde(default)]
    pub poll: PollConfig,
    #[serde(default)]
    pub storage: StorageConfig,
    #[serde(default)]
    pub limits: LimitsConfig,
    #[serde(default)]
    pub metrics: MetricsConfig,
}

/// `[discord]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiscordConfig {
    /// The bot token (`DISCORD_TOKEN` overrides).
    pub token: Option<SecretString>,
    /// Base URL for every REST call; tests point it at a fake Discord.
    pub api_base: String,
    /// Register commands in this guild only (fast to update) instead of globally.
    pub guild_id: Option<u64>,
    /// Messages per second the bot allows itself across all channels.
    pub max_messages_per_second: f64,
    /// Minimum time between two messages to the same channel.
    #[serde(with = "humantime_serde")]
    pub channel_message_interval: Duration,
    /// Gateway shards: Discord's recommendation (`auto`) or a fixed count.
    pub shards: Shards,
}

impl Default for DiscordConfig {
    fn default() -> Self {
        DiscordConfig {
            token: None,
            api_base: DEFAULT_DISCORD_API_BASE.to_owned(),
            guild_id: None,
            max_messages_per_second: 40.0,
            channel_message_interval: Duration::from_millis(1000),
            shards: Shards::Auto,
        }
    }
}

/// Which Trakt API the bot reads (`trakt.api`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TraktApi {
    /// Trakt API v1 (`activity/shows`), retired by Trakt; kept for
    /// compatible servers and old deployments.
    V1,
    /// Trakt API v2 (`https://api.trakt.tv`), the default.
    #[default]
    V2,
}

impl TraktApi {
    /// `"v1"` or `"v2"`, as written in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            TraktApi::V1 => "v1",
            TraktApi::V2 => "v2",
        }
    }

    /// The API's own address, `trakt.base_url`'s default.
    pub fn default_base_url(self) -> &'static str {
        match self {
            TraktApi::V1 => "http://api.trakt.tv",
            TraktApi::V2 => "https://api.trakt.tv",
        }
    }

    /// `trakt.max_requests_per_second`'s default: v1's 2 per second; on v2,
    /// 400 per 5 minutes, safely under the 500 GET per 5 minutes Trakt grants
    /// a client id.
    pub fn default_rate(self) -> f64 {
        match self {
            TraktApi::V1 => 2.0,
            TraktApi::V2 => 400.0 / 300.0,
        }
    }
}

impl std::fmt::Display for TraktApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `[trakt]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TraktConfig {
    /// Which API: `"v2"` (default) or `"v1"`.
    pub api: TraktApi,
    /// v2: the client id, sent in the `trakt-api-key` header; v1: the API
    /// key, in the URL path (`TRAKT_API_KEY` overrides).
    pub api_key: Option<SecretString>,
    /// Default: the chosen API's address ([`TraktConfig::base_url`]).
    #[serde(rename = "base_url")]
    pub base_url_override: Option<String>,
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
    /// v1 only: shows per request (comma list).
    pub batch_size: usize,
    /// Requests to Trakt per second, every request counted (polls, commands,
    /// autocomplete). Default per API ([`TraktConfig::max_requests_per_second`]).
    #[serde(rename = "max_requests_per_second")]
    pub rate_override: Option<f64>,
    /// Retries of one failed request (5xx, timeout, unreadable body) before the
    /// poll of its shows counts as failed (and they back off until a later poll).
    pub max_retries: u32,
    /// The wait before the first retry; it doubles with each further retry (up
    /// to 10 s). After a 503 "over capacity" the wait is at least 10 s.
    #[serde(with = "humantime_serde")]
    pub retry_delay: Duration,
}

impl Default for TraktConfig {
    fn default() -> Self {
        TraktConfig {
            api: TraktApi::default(),
            api_key: None,
            base_url_override: None,
            timeout: Duration::from_secs(10),
            batch_size: 20,
            rate_override: None,
            max_retries: 3,
            retry_delay: Duration::from_millis(500),
        }
    }
}

impl TraktConfig {
    /// `trakt.base_url`, or the chosen API's address.
    pub fn base_url(&self) -> &str {
        self.base_url_override
            .as_deref()
            .unwrap_or(self.api.default_base_url())
    }

    /// `trakt.max_requests_per_second`, or the chosen API's default.
    pub fn max_requests_per_second(&self) -> f64 {
        self.rate_override.unwrap_or(self.api.default_rate())
    }
}

/// `[poll]`
#[derive(Debug, Deserialize, Serialize, Clone, Copy)]
#[serde(deny_unknown_fields, default)]
pub struct PollConfig {
    #[serde(with = "humantime_serde")]
    pub interval: Duration,
    /// How far behind the watermark each poll starts, to catch late-indexed items.
    #[serde(with = "humantime_serde")]
    pub overlap: Duration,
    /// The longest a followed show waits between two polls (the adaptive
    /// schedule polls quiet shows less often, never less often than this).
    #[serde(with = "humantime_serde")]
    pub max_interval: Duration,
}

impl Default for PollConfig {
    fn default() -> Self {
        PollConfig {
            interval: Duration::from_secs(60),
            overlap: Duration::from_secs(60),
            max_interval: Duration::from_secs(3600),
        }
    }
}

/// `[storage]`
#[derive(Debug, Deserialize, Serialize, Clone)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    pub path: PathBuf,
    /// sled's page cache, in MiB.
    pub cache_mb: u64,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            path: PathBuf::from("data/trakt-herald.sled"),
            cache_mb: 16,
        }
    }
}

/// `[limits]`
#[derive(Debug, Deserialize, Serialize, Clone, Copy)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    pub max_follows_per_guild: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_follows_per_guild: 50,
        }
    }
}

/// A configuration problem, naming the key when there is one.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config key `{key}`: {message}")]
    Key { key: String, message: String },
    #[error("config file {path}: {message}")]
    Syntax { path: PathBuf, message: String },
}

impl ConfigError {
    fn key(key: &str, message: impl Into<String>) -> Self {
        ConfigError::Key {
            key: key.to_owned(),
            message: message.into(),
        }
    }
}

/// Whether validation insists on the secrets.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Secrets {
    Required,
    Optional,
}

/// Where the environment overrides come from (a trait so tests need not touch
/// the process environment).
pub trait Env {
    fn var(&self, name: &str) -> Option<String>;
}

/// The real process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl Config {
    /// Read, apply environment overrides, and validate (secrets required).
    pub fn load(path: &Path, env: &dyn Env) -> Result<Config, ConfigError> {
        Config::load_with(path, env, Secrets::Required)
    }

    /// Read and validate for offline work (`export`, `import`): secrets optional.
    pub fn load_offline(path: &Path, env: &dyn Env) -> Result<Config, ConfigError> {
        Config::load_with(path, env, Secrets::Optional)
    }

    fn load_with(path: &Path, env: &dyn Env, secrets: Secrets) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Config::parse_with(&text, path, env, secrets)
    }

    /// Parse TOML text, apply environment overrides, and validate.
    pub fn from_toml(text: &str, path: &Path, env: &dyn Env) -> Result<Config, ConfigError> {
        Config::parse_with(text, path, env, Secrets::Required)
    }

    fn parse_with(
        text: &str,
        path: &Path,
        env: &dyn Env,
        secrets: Secrets,
    ) -> Result<Config, ConfigError> {
        let mut config: Config = toml::from_str(text).map_err(|e| {
            let message = e.message().to_owned();
            match e.span().and_then(|span| key_at(text, span.start)) {
                Some(key) => ConfigError::Key { key, message },
                None => ConfigError::Syntax {
                    path: path.to_owned(),
                    message,
                },
            }
        })?;
        if let Some(token) = env.var(ENV_DISCORD_TOKEN).filter(|t| !t.trim().is_empty()) {
            config.discord.token = Some(SecretString::from(token));
        }
        if let Some(key) = env.var(ENV_TRAKT_API_KEY).filter(|t| !t.trim().is_empty()) {
            config.trakt.api_key = Some(SecretString::from(key));
        }
        config.validate(secrets)?;
        Ok(config)
    }

    fn validate(&self, secrets: Secrets) -> Result<(), ConfigError> {
        let secret_set = |s: &Option<SecretString>| {
            s.as_ref()
                .is_some_and(|s| !s.expose_secret().trim().is_empty())
        };
        let required = secrets == Secrets::Required;
        if required && !secret_set(&self.discord.token) {
            return Err(ConfigError::key(
                "discord.token",
                format!("missing: set it in the file or in the {ENV_DISCORD_TOKEN} environment variable"),
            ));
        }
        if required && !secret_set(&self.trakt.api_key) {
            return Err(ConfigError::key(
                "trakt.api_key",
                format!("missing: set it in the file or in the {ENV_TRAKT_API_KEY} environment variable"),
            ));
        }
        if let Some(key) = &self.trakt.api_key {
            let k = key.expose_secret();
            if !k
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(ConfigError::key(
                    "trakt.api_key",
                    "may contain only letters, digits, `-` and `_`",
                ));
            }
        }
        check_base_url("discord.api_base", &self.discord.api_base)?;
        check_base_url("trakt.base_url", self.trakt.base_url())?;
        if self.discord.guild_id == Some(0) {
            return Err(ConfigError::key(
                "discord.guild_id",
                "must be a guild id, not 0",
            ));
        }
        if !(self.discord.max_messages_per_second > 0.0
            && self.discord.max_messages_per_second <= 50.0)
        {
            return Err(ConfigError::key(
                "discord.max_messages_per_second",
                "must be above 0 and at most 50 (Discord's global limit)",
            ));
        }
        if !(1..=100).contains(&self.trakt.batch_size) {
            return Err(ConfigError::key(
                "trakt.batch_size",
                "must be between 1 and 100",
            ));
        }
        if !(self.trakt.max_requests_per_second() > 0.0
            && self.trakt.max_requests_per_second().is_finite())
        {
            return Err(ConfigError::key(
                "trakt.max_requests_per_second",
                "must be a number above 0",
            ));
        }
        if self.trakt.timeout.is_zero() {
            return Err(ConfigError::key("trakt.timeout", "must be above 0"));
        }
        if self.trakt.max_retries > MAX_TRAKT_RETRIES {
            return Err(ConfigError::key(
                "trakt.max_retries",
                format!("must be at most {MAX_TRAKT_RETRIES}"),
            ));
        }
        if self.trakt.retry_delay > Duration::from_secs(60) {
            return Err(ConfigError::key("trakt.retry_delay", "must be at most 60s"));
        }
        if self.poll.interval < Duration::from_secs(1) {
            return Err(ConfigError::key("poll.interval", "must be at least 1s"));
        }
        if self.poll.max_interval < self.poll.interval {
            return Err(ConfigError::key(
                "poll.max_interval",
                "must be at least poll.interval",
            ));
        }
        if self.storage.path.as_os_str().is_empty() {
            return Err(ConfigError::key("storage.path", "must not be empty"));
        }
        if self.storage.cache_mb == 0 {
            return Err(ConfigError::key("storage.cache_mb", "must be at least 1"));
        }
        if self.limits.max_follows_per_guild == 0 {
            return Err(ConfigError::key(
                "limits.max_follows_per_guild",
                "must be at least 1",
            ));
        }
        Ok(())
    }

    /// The Discord token (validated to be present).
    pub fn discord_token(&self) -> &str {
        self.discord
            .token
            .as_ref()
            .map(|s| s.expose_secret())
            .unwrap_or_default()
    }

    /// The Trakt API key (validated to be present).
    pub fn trakt_api_key(&self) -> &str {
        self.trakt
            .api_key
            .as_ref()
            .map(|s| s.expose_secret())
            .unwrap_or_default()
    }

    /// The effective configuration as TOML, secrets masked.
    pub fn masked_toml(&self) -> String {
        let mask = |s: &Option<SecretString>| match s {
            Some(_) => "\"********\"".to_owned(),
            None => "\"\"".to_owned(),
        };
        let dur = |d: Duration| format!("\"{}\"", humantime::format_duration(d));
        let mut out = String::new();
        out.push_str("[discord]\n");
        out.push_str(&format!("token = {}\n", mask(&self.discord.token)));
        out.push_str(&format!("api_base = {:?}\n", self.discord.api_base));
        match self.discord.guild_id {
            Some(id) => out.push_str(&format!("guild_id = {id}\n")),
            None => out.push_str("# guild_id = (unset: commands are registered globally)\n"),
        }
        out.push_str(&format!(
            "max_messages_per_second = {:?}\n",
            self.discord.max_messages_per_second
        ));
        out.push_str(&format!(
            "channel_message_interval = {}\n",
            dur(self.discord.channel_message_interval)
        ));
        out.push_str(&format!("shards = {}\n", self.discord.shards));
        out.push_str("\n[trakt]\n");
        out.push_str(&format!("api = {:?}\n", self.trakt.api.as_str()));
        out.push_str(&format!("api_key = {}\n", mask(&self.trakt.api_key)));
        out.push_str(&format!("base_url = {:?}\n", self.trakt.base_url()));
        out.push_str(&format!("timeout = {}\n", dur(self.trakt.timeout)));
        out.push_str(&format!("batch_size = {}\n", self.trakt.batch_size));
        out.push_str(&format!(
            "max_requests_per_second = {:?}\n",
            self.trakt.max_requests_per_second()
        ));
        out.push_str(&format!("max_retries = {}\n", self.trakt.max_retries));
        out.push_str(&format!("retry_delay = {}\n", dur(self.trakt.retry_delay)));
        out.push_str("\n[poll]\n");
        out.push_str(&format!("interval = {}\n", dur(self.poll.interval)));
        out.push_str(&format!("overlap = {}\n", dur(self.poll.overlap)));
        out.push_str(&format!("max_interval = {}\n", dur(self.poll.max_interval)));
        out.push_str("\n[storage]\n");
        out.push_str(&format!(
            "path = {:?}\n",
            self.storage.path.display().to_string()
        ));
        out.push_str(&format!("cache_mb = {}\n", self.storage.cache_mb));
        out.push_str("\n[limits]\n");
        out.push_str(&format!(
            "max_follows_per_guild = {}\n",
            self.limits.max_follows_per_guild
        ));
        out.push_str("\n[metrics]\n");
        match self.metrics.listen {
            Some(addr) => out.push_str(&format!("listen = \"{addr}\"\n")),
            None => out.push_str("# listen = (unset: no metrics endpoint)\n"),
        }
        out
    }
}

fn check_base_url(key: &str, value: &str) -> Result<(), ConfigError> {
    let url =
        url::Url::parse(value).map_err(|e| ConfigError::key(key, format!("not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ConfigError::key(key, "must start with http:// or https://"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::key(key, "must not carry a query or fragment"));
    }
    Ok(())
}

/// The dotted key (`section.key`) whose line holds byte offset `at`, if any.
fn key_at(text: &str, at: usize) -> Option<String> {
    let before = text.get(..at)?;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("").trim();
    let section = before[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('[') && l.ends_with(']'))
        .map(|l| l.trim_matches(['[', ']']).trim().to_owned());
    if line.starts_with('[') {
        return Some(line.trim_matches(['[', ']']).trim().to_owned());
    }
    let key = line.split('=').next()?.trim();
    if key.is_empty() || key.starts_with('#') {
        return section;
    }
    Some(match section {
        Some(s) => format!("{s}.{key}"),
        None => key.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct FakeEnv(HashMap<&'static str, &'static str>);
    impl Env for FakeEnv {
        fn var(&self, name: &str) -> Option<String> {
            self.0.get(name).map(|s| (*s).to_owned())
        }
    }

    fn secrets() -> FakeEnv {
        FakeEnv(HashMap::from([
            (ENV_DISCORD_TOKEN, "tok-SECRET"),
            (ENV_TRAKT_API_KEY, "key123SECRET"),
        ]))
    }

    fn parse(text: &str, env: &FakeEnv) -> Result<Config, ConfigError> {
        Config::from_toml(text, Path::new("test.toml"), env)
    }

    #[test]
    fn the_api_picks_the_address_and_rate_defaults_and_keys_override_them() {
        let v2 = parse("", &secrets()).expect("empty file");
        assert_eq!(v2.trakt.api, TraktApi::V2);
        assert_eq!(v2.trakt.base_url(), "https://api.trakt.tv");
        assert!(v2.trakt.max_requests_per_second() * 300.0 <= 400.0 + 1e-9);
        let v1 = parse("[trakt]\napi = \"v1\"\n", &secrets()).expect("v1");
        assert_eq!(v1.trakt.api, TraktApi::V1);
        assert_eq!(v1.trakt.base_url(), "http://api.trakt.tv");
        assert_eq!(v1.trakt.max_requests_per_second(), 2.0);
        let set = parse(
            "[trakt]\napi = \"v2\"\nbase_url = \"http://127.0.0.1:9\"\nmax_requests_per_second = 5.0\n",
            &secrets(),
        )
        .expect("explicit");
        assert_eq!(set.trakt.base_url(), "http://127.0.0.1:9");
        assert_eq!(set.trakt.max_requests_per_second(), 5.0);
        let shown = set.masked_toml();
        assert!(shown.contains("api = \"v2\""), "{shown}");
        let err = parse("[trakt]\napi = \"v3\"\n", &secrets()).expect_err("v3");
        assert!(err.to_string().contains("trakt.api"), "{err}");
    }

    #[test]
    fn committed_sample_parses_with_env_secrets() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/default.toml");
        let config = Config::load(&path, &secrets()).expect("sample parses");
        assert_eq!(config.discord.api_base, DEFAULT_DISCORD_API_BASE);
        assert_eq!(config.trakt.api, TraktApi::V2);
        assert_eq!(config.trakt.base_url(), "https://api.trakt.tv");
        assert!((config.trakt.max_requests_per_second() - 400.0 / 300.0).abs() < 1e-9);
        assert_eq!(config.trakt.timeout, Duration::from_secs(10));
        assert_eq!(config.trakt.batch_size, 20);
        assert_eq!(config.trakt.max_retries, 3);
        assert_eq!(config.trakt.retry_delay, Duration::from_millis(500));
        assert_eq!(config.poll.interval, Duration::from_secs(60));
        assert_eq!(config.poll.overlap, Duration::from_secs(60));
        assert_eq!(config.poll.max_interval, Duration::from_secs(3600));
        assert_eq!(config.storage.path, PathBuf::from("data/trakt-herald.sled"));
        assert_eq!(config.limits.max_follows_per_guild, 50);
        assert_eq!(config.discord_token(), "tok-SECRET");
        assert_eq!(config.trakt_api_key(), "key123SECRET");
    }

    #[test]
    fn committed_sample_without_secrets_names_the_key() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/default.toml");
        let err = Config::load(&path, &FakeEnv(HashMap::new())).expect_err("no token");
        assert!(err.to_string().contains("discord.token"), "{err}");
        let env = FakeEnv(HashMap::from([(ENV_DISCORD_TOKEN, "t")]));
        let err = Config::load(&path, &env).expect_err("no key");
        assert!(err.to_string().contains("trakt.api_key"), "{err}");
    }

    #[test]
    fn unknown_keys_and_bad_durations_name_the_key() {
        let err = parse("[poll]\ninterval = \"sixty\"\n", &secrets()).expect_err("dur");
        assert!(err.to_string().contains("poll.interval"), "{err}");
        let err = parse("[trakt]\nbatchsize = 3\n", &secrets()).expect_err("unknown");
        let text = err.to_string();
        assert!(
            text.contains("trakt.batchsize") && text.contains("unknown field"),
            "{text}"
        );
        let err = parse("[nope]\n", &secrets()).expect_err("section");
        assert!(err.to_string().contains("nope"), "{err}");
        let err = parse("[trakt]\nbatch_size = 0\n", &secrets()).expect_err("range");
        assert!(err.to_string().contains("trakt.batch_size"), "{err}");
        let err = parse("[trakt]\nmax_retries = 11\n", &secrets()).expect_err("retries");
        assert!(err.to_string().contains("trakt.max_retries"), "{err}");
        let err = parse("[trakt]\nretry_delay = \"2m\"\n", &secrets()).expect_err("delay");
        assert!(err.to_string().contains("trakt.retry_delay"), "{err}");
        let config = parse(
            "[trakt]\nmax_retries = 0\nretry_delay = \"50ms\"\n",
            &secrets(),
        )
        .expect("no retries");
        assert_eq!(config.trakt.max_retries, 0);
        assert_eq!(config.trakt.retry_delay, Duration::from_millis(50));
        let err = parse("[discord]\napi_base = \"ftp://x\"\n", &secrets()).expect_err("url");
        assert!(err.to_string().contains("discord.api_base"), "{err}");
    }

    #[test]
    fn poll_max_interval_defaults_to_an_hour_and_is_at_least_the_interval() {
        let config = parse("", &secrets()).expect("defaults");
        assert_eq!(config.poll.max_interval, Duration::from_secs(3600));
        assert!(config.masked_toml().contains("max_interval = \"1h\"\n"));
        let set = parse(
            "[poll]\ninterval = \"10s\"\nmax_interval = \"10s\"\n",
            &secrets(),
        )
        .expect("equal is fine");
        assert_eq!(set.poll.max_interval, Duration::from_secs(10));
        let err = parse(
            "[poll]\ninterval = \"2m\"\nmax_interval = \"1m\"\n",
            &secrets(),
        )
        .expect_err("below the interval");
        let text = err.to_string();
        assert!(
            text.contains("poll.max_interval") && text.contains("poll.interval"),
            "{text}"
        );
        let err = parse("[poll]\nmax_interval = \"soon\"\n", &secrets()).expect_err("dur");
        assert!(err.to_string().contains("poll.max_interval"), "{err}");
    }

    #[test]
    fn discord_shards_is_auto_or_a_count_and_bad_values_name_the_key() {
        assert_eq!(
            parse("", &secrets()).expect("default").discord.shards,
            Shards::Auto
        );
        let fixed = parse("[discord]\nshards = 2\n", &secrets()).expect("fixed");
        assert_eq!(fixed.discord.shards, Shards::Fixed(2));
        assert!(fixed.masked_toml().contains("shards = 2\n"));
        for bad in ["0", "\"many\"", "-3"] {
            let err =
                parse(&format!("[discord]\nshards = {bad}\n"), &secrets()).expect_err("bad shards");
            assert!(err.to_string().contains("discord.shards"), "{bad}: {err}");
        }
    }

    #[test]
    fn metrics_listen_is_an_address_or_unset_and_bad_values_name_the_key() {
        let unset = parse("", &secrets()).expect("default");
        assert_eq!(unset.metrics.listen, None);
        assert!(unset.masked_toml().contains("# listen = (unset"));
        let set = parse("[metrics]\nlisten = \"127.0.0.1:9184\"\n", &secrets()).expect("set");
        assert_eq!(set.metrics.listen, Some(([127, 0, 0, 1], 9184).into()));
        assert!(set.masked_toml().contains("listen = \"127.0.0.1:9184\"\n"));
        let v6 = parse("[metrics]\nlisten = \"[::]:9184\"\n", &secrets()).expect("v6");
        assert_eq!(v6.metrics.listen.map(|a| a.port()), Some(9184));
        for bad in ["\"9184\"", "\"localhost\"", "\"1.2.3.4:99999\"", "9184"] {
            let err = parse(&format!("[metrics]\nlisten = {bad}\n"), &secrets()).expect_err(bad);
            assert!(err.to_string().contains("metrics.listen"), "{bad}: {err}");
        }
        let docker = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/docker.toml");
        let docker = Config::load(&docker, &secrets()).expect("docker config parses");
        assert_eq!(docker.metrics.listen, Some(([0, 0, 0, 0], 9184).into()));
    }

    #[test]
    fn masked_output_hides_secrets() {
        let config = parse("", &secrets()).expect("defaults");
        let shown = format!("{}\n{:?}", config.masked_toml(), config);
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(shown.contains("********"));
        // The masked output is itself a valid configuration.
        let reparsed = parse(
            &config.masked_toml().replace("\"********\"", "\"x\""),
            &secrets(),
        );
        assert!(reparsed.is_ok(), "{reparsed:?}");
    }
}
