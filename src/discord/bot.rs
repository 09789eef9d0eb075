//! The serenity client: REST pointed at `discord.api_base`, non-privileged
//! intents, `discord.shards` gateway shards (Discord's recommendation or a
//! fixed count), the poise framework with our commands (registered with one
//! bulk overwrite on the first READY of any shard, in a guild or globally), a
//! token check before connecting, and a bounded shutdown of every shard when
//! the cancellation token fires (or a refused token, which is fatal).

use std::time::Duration;

use poise::serenity_prelude as serenity;

use super::commands::{self, CommandError, Data};
use crate::backoff::Backoff;
use crate::config::{Config, Shards, DEFAULT_DISCORD_API_BASE};
use crate::metrics::Gateway;
use crate::shutdown::{Fatal, Shutdown};

/// Why the Discord client stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum BotError {
    #[error("cannot start the Discord client: {0}")]
    Start(String),
    #[error("the Discord connection failed: {0}")]
    Gateway(String),
}

/// serenity's `Http`: with a custom base, the built-in ratelimiter must be off
/// (it ignores the proxy and would call discord.com directly).
pub fn build_http(config: &Config) -> Result<serenity::Http, BotError> {
    let base = config.discord.api_base.trim_end_matches('/');
    let client = crate::http::builder(base, crate::http::DISCORD_REST_TIMEOUT)
        .build()
        .map_err(|e| BotError::Start(e.without_url().to_string()))?;
    let builder = serenity::HttpBuilder::new(config.discord_token()).client(client);
    Ok(if base == DEFAULT_DISCORD_API_BASE {
        builder.build()
    } else {
        builder.proxy(base).ratelimiter_disabled(true).build()
    })
}

/// How long the Discord client may take to close its shards once told to stop.
/// Past it the client is abandoned: serenity's shard queuer, when it is still
/// connecting or waiting to retry, never reports back.
pub const STOP_GRACE: Duration = Duration::from_millis(1500);
/// The start-up check's retries while Discord's REST API cannot be reached.
const CHECK_BACKOFF: Backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));

/// Whether Discord refused the bot token: close 4004 on the gateway, or 401
/// from the REST API. No retry can fix that.
pub fn is_token_refused(error: &serenity::Error) -> bool {
    match error {
        serenity::Error::Gateway(serenity::GatewayError::InvalidAuthentication) => true,
        serenity::Error::Http(e) => e.status_code().is_some_and(|s| s.as_u16() == 401),
        _ => false,
    }
}

/// Connect, register the commands, and serve interactions until the shutdown
/// token fires. A refused token is recorded as [`Fatal::DiscordTokenRefused`]
/// on `shutdown` (and cancels it) instead of being retried. Returns at most
/// [`STOP_GRACE`] after cancellation, whatever state the connection is in.
/// The shard manager is attached to `gateway` (for `/healthz` and the metrics).
pub async fn run(
    config: &Config,
    data: Data,
    shutdown: &Shutdown,
    gateway: &Gateway,
) -> Result<(), BotError> {
    let cancel = shutdown.token();
    let http = build_http(config)?;
    if !check_token(&http, shutdown).await {
        return Ok(());
    }
    let intents = serenity::GatewayIntents::GUILDS;
    let builder = serenity::ClientBuilder::new_with_http(http, intents)
        .framework(framework(config.discord.guild_id, data));
    let mut client = tokio::select! {
        built = builder => built.map_err(|e| BotError::Start(e.to_string()))?,
        () = cancel.cancelled() => return Ok(()),
    };
    let shards = client.shard_manager.clone();
    gateway.attach(shards.clone());
    let start = start(&mut client, config.discord.shards);
    tokio::pin!(start);
    let ended = tokio::select! {
        ended = &mut start => ended,
        () = cancel.cancelled() => {
            let stop = async {
                close_shards(&shards).await;
                // Returns once the shard manager reports the shutdown.
                let _ = (&mut start).await;
            };
            if tokio::time::timeout(STOP_GRACE, stop).await.is_err() {
                tracing::warn!("the Discord connection did not close in time; leaving it");
            }
            return Ok(());
        }
    };
    match ended {
        Err(e) if is_token_refused(&e) => {
            shutdown.fail(Fatal::DiscordTokenRefused);
            Ok(())
        }
        other => other.map_err(|e| BotError::Gateway(e.to_string())),
    }
}

/// Closes every running shard, then shuts the shard manager down. Each
/// runner is told directly: `shutdown_all` goes through serenity's shard
/// queuer, which sleeps up to 5 s between two shard starts and would leave the
/// shards already connected open meanwhile.
async fn close_shards(manager: &serenity::ShardManager) {
    for (id, runner) in manager.runners.lock().await.iter() {
        runner
            .runner_tx
            .send_to_shard(serenity::ShardRunnerMessage::Shutdown(*id, 1000));
    }
    manager.shutdown_all().await;
}

/// Connects `shards` shards: `auto` asks `GET /gateway/bot` for Discord's
/// recommendation, a fixed count does not ask.
async fn start(client: &mut serenity::Client, shards: Shards) -> Result<(), serenity::Error> {
    match shards {
        Shards::Auto => client.start_autosharded().await,
        Shards::Fixed(n) => client.start_shards(n).await,
    }
}

/// Ask Discord who we are before connecting, so that a refused token stops
/// the bot at once (serenity would fall back to the real gateway and retry).
/// Retries, with backoff, while Discord cannot be reached. `false`: stop.
async fn check_token(http: &serenity::Http, shutdown: &Shutdown) -> bool {
    let cancel = shutdown.token();
    let mut failures = 0u32;
    loop {
        let answer = tokio::select! {
            answer = http.get_current_application_info() => answer,
            () = cancel.cancelled() => return false,
        };
        let error = match answer {
            Ok(_) => return true,
            Err(e) if is_token_refused(&e) => {
                shutdown.fail(Fatal::DiscordTokenRefused);
                return false;
            }
            Err(e) => e,
        };
        failures = failures.saturating_add(1);
        let wait = CHECK_BACKOFF.delay(failures);
        tracing::warn!(%error, retry_in = ?wait, "cannot reach Discord; retrying");
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = cancel.cancelled() => return false,
        }
    }
}

/// poise with our commands, registered on READY (in `guild`, or globally).
fn framework(guild: Option<u64>, data: Data) -> poise::Framework<Data, CommandError> {
    let guild = guild.map(serenity::GuildId::new);
    let options = poise::FrameworkOptions {
        commands: commands::all(),
        on_error: |error| Box::pin(commands::on_error(error)),
        allowed_mentions: Some(serenity::CreateAllowedMentions::new()),
        initialize_owners: false,
        ..Default::default()
    };
    poise::Framework::<Data, CommandError>::builder()
        .options(options)
        .setup(move |ctx, ready, framework| {
            Box::pin(async move {
                let commands = &framework.options().commands;
                let registered = match guild {
                    Some(g) => poise::builtins::register_in_guild(ctx, commands, g).await,
                    None => poise::builtins::register_globally(ctx, commands).await,
                };
                match registered {
                    Ok(()) => tracing::info!(
                        user = %ready.user.name,
                        commands = commands.len(),
                        scope = if guild.is_some() { "guild" } else { "global" },
                        "connected to Discord; commands registered"
                    ),
                    Err(e) => tracing::error!(error = %e, "command registration failed"),
                }
                Ok(data)
            })
        })
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_authentication_failure_counts_as_a_refused_token() {
        let refused = serenity::Error::Gateway(serenity::GatewayError::InvalidAuthentication);
        assert!(is_token_refused(&refused));
        for other in [
            serenity::Error::Gateway(serenity::GatewayError::InvalidHandshake),
            serenity::Error::Gateway(serenity::GatewayError::DisallowedGatewayIntents),
            serenity::Error::Other("timeout"),
        ] {
            assert!(!is_token_refused(&other), "{other:?}");
        }
    }
}
