//! Configuration: the typed `Config`, read from a TOML file with secrets taken
//! from the environment when set, validated before anything starts. Errors name
//! the offending key (`poll.interval`, `discord.token`, …). Secrets are held as
//! `SecretString` and only ever printed masked. Submodules: `validate` (the
//! rules), `masked` (what `check` prints), `shards` and `metrics` (their keys).

use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

mod masked;
mod metrics;
mod shards;
mod validate;
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
mod tests;
