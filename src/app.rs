//! The running bot: opens the store, starts the poller and the delivery worker
//! (each spawned once, each watching one cancellation token), connects to
//! Discord, and on SIGINT/SIGTERM stops everything in order and flushes sled.
//! Also the offline CLI actions (`export`, `import`).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::deliver::{Deliverer, DeliveryStats};
use crate::discord::bot;
use crate::discord::commands::Data;
use crate::discord::rest::DiscordRest;
use crate::poller::{PollStats, Poller};
use crate::ratelimit::RateLimiter;
use crate::store::Store;
use crate::trakt::TraktClient;

/// How long shutdown waits for the loops to finish what they are doing. A
/// message still unanswered then is abandoned safely: it stays recorded as in
/// flight and is resent with the same nonce on the next start.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Run the bot until SIGINT/SIGTERM or a fatal error.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let cancel = CancellationToken::new();
    let signals = cancel.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down");
        signals.cancel();
    });
    run_until(config, cancel).await
}

/// Run the bot until `cancel` fires (or the Discord client fails), then stop
/// the loops, let in-flight messages finish, and flush the store.
pub async fn run_until(config: Config, cancel: CancellationToken) -> anyhow::Result<()> {
    let store = Store::open(&config.storage.path, config.storage.cache_mb)
        .with_context(|| format!("cannot open the store at {}", config.storage.path.display()))?;
    run_with_store(config, store, cancel).await
}

/// As [`run_until`], with a store the caller opened (tests keep a handle to it).
pub async fn run_with_store(
    config: Config,
    store: Store,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    let trakt = TraktClient::new(&config.trakt).context("cannot build the Trakt client")?;
    let rest = DiscordRest::new(
        &config.discord.api_base,
        config.discord_token(),
        crate::http::DISCORD_REST_TIMEOUT,
    )
    .context("cannot build the Discord client")?;

    let wake = Arc::new(Notify::new());
    let deliverer = Deliverer {
        store: store.clone(),
        rest,
        pacer: Arc::new(RateLimiter::new(
            config.discord.max_messages_per_second,
            config.discord.max_messages_per_second.ceil() as u32,
        )),
        channel_interval: config.discord.channel_message_interval,
        wake: wake.clone(),
        stats: Arc::new(DeliveryStats::default()),
        shutdown: crate::shutdown::Shutdown::new(cancel.clone()),
    };
    let poller = Poller {
        store: store.clone(),
        trakt: trakt.clone(),
        interval: config.poll.interval,
        overlap: config.poll.overlap,
        batch_size: config.trakt.batch_size,
        wake_delivery: wake.clone(),
        stats: Arc::new(PollStats::default()),
    };
    let delivery_task = tokio::spawn(deliverer.run(cancel.clone()));
    let poll_task = tokio::spawn(poller.run(cancel.clone()));
    tracing::info!(
        store = %config.storage.path.display(),
        pending = store.outbox_len().unwrap_or(0),
        "ready to poll"
    );

    let data = Data {
        store: store.clone(),
        trakt,
        limits: config.limits,
        defer_after: Duration::from_millis(2000),
    };
    let outcome = bot::run(&config, data, cancel.clone()).await;
    cancel.cancel();
    for (name, task) in [("delivery", delivery_task), ("poller", poll_task)] {
        match tokio::time::timeout(SHUTDOWN_GRACE, task).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(task = name, error = %e, "task ended abnormally"),
            Err(_) => tracing::warn!(task = name, "task did not stop in time"),
        }
    }
    store.flush().context("cannot flush the store")?;
    tracing::info!("stopped");
    outcome.map_err(anyhow::Error::from)
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; only Ctrl-C stops the bot");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// `trakt-herald export`: every subscription as JSON.
pub fn export(config: &Config) -> anyhow::Result<String> {
    let store = Store::open(&config.storage.path, config.storage.cache_mb)?;
    Ok(store.export_json()?)
}

/// `trakt-herald import FILE`: merge subscriptions; all or nothing.
pub fn import(config: &Config, file: &Path) -> anyhow::Result<usize> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let subs =
        Store::parse_import(&text).with_context(|| format!("{} is not valid", file.display()))?;
    let store = Store::open(&config.storage.path, config.storage.cache_mb)?;
    let n = store.import(subs)?;
    store.flush()?;
    Ok(n)
}
