//! Validation of a parsed `Config`: every rule names the key it checks.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::{
    Config, ConfigError, Secrets, ENV_DISCORD_TOKEN, ENV_TRAKT_API_KEY, MAX_TRAKT_RETRIES,
};

impl Config {
    pub(super) fn validate(&self, secrets: Secrets) -> Result<(), ConfigError> {
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
        self.validate_discord()?;
        self.validate_trakt()?;
        self.validate_local()
    }

    /// The `[discord]` section.
    fn validate_discord(&self) -> Result<(), ConfigError> {
        check_base_url("discord.api_base", &self.discord.api_base)?;
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
        Ok(())
    }

    /// The `[trakt]` section (the key's presence is checked with the secrets).
    fn validate_trakt(&self) -> Result<(), ConfigError> {
        check_base_url("trakt.base_url", self.trakt.base_url())?;
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
        Ok(())
    }

    /// The `[poll]`, `[storage]` and `[limits]` sections.
    fn validate_local(&self) -> Result<(), ConfigError> {
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
