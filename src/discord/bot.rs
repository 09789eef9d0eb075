//! The serenity client: REST pointed at `discord.api_base`, non-privileged
//! intents, the poise framework with our commands (registered with one bulk
//! overwrite on READY, in a guild or globally), and a clean shutdown when the
//! cancellation token fires.

use poise::serenity_prelude as serenity;
use tokio_util::sync::CancellationToken;

use super::commands::{self, CommandError, Data};
use crate::config::{Config, DEFAULT_DISCORD_API_BASE};

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

/// Connect, register the commands, and serve interactions until `cancel` fires.
pub async fn run(config: &Config, data: Data, cancel: CancellationToken) -> Result<(), BotError> {
    let guild = config.discord.guild_id.map(serenity::GuildId::new);
    let options = poise::FrameworkOptions {
        commands: commands::all(),
        on_error: |error| Box::pin(commands::on_error(error)),
        allowed_mentions: Some(serenity::CreateAllowedMentions::new()),
        initialize_owners: false,
        ..Default::default()
    };
    let framework = poise::Framework::<Data, CommandError>::builder()
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
        .build();

    let http = build_http(config)?;
    let intents = serenity::GatewayIntents::GUILDS;
    let mut client = serenity::ClientBuilder::new_with_http(http, intents)
        .framework(framework)
        .await
        .map_err(|e| BotError::Start(e.to_string()))?;

    let shards = client.shard_manager.clone();
    let stopper = cancel.clone();
    tokio::spawn(async move {
        stopper.cancelled().await;
        shards.shutdown_all().await;
    });
    client
        .start()
        .await
        .map_err(|e| BotError::Gateway(e.to_string()))
}
