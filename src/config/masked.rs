//! The effective configuration printed by `check`, secrets masked. Written by
//! hand rather than serialised, so that unset keys appear as comments saying
//! what leaving them unset means.

use std::time::Duration;

use secrecy::SecretString;

use super::Config;

impl Config {
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
