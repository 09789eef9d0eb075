//! The running bot: opens the store, starts the poller and the delivery worker
//! (each spawned once, each watching one cancellation token), connects to
//! Discord, serves the metrics when `metrics.listen` is set, and on
//! SIGINT/SIGTERM (or a fatal error such as a refused token) stops everything
//! in order, within a bounded grace, and flushes sled.
//! Also the offline CLI actions (`export`, `import`).

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::deliver::Deliverer;
use crate::discord::bot;
use crate::discord::commands::{Data, StatusSources};
use crate::discord::rest::DiscordRest;
use crate::poller::due::Scheduling;
use crate::poller::v2::V2Poller;
use crate::poller::Poller;
use crate::ratelimit::RateLimiter;
use crate::shutdown::Shutdown;
use crate::store::Store;
use crate::trakt::Source;

/// How long shutdown waits for the loops once the Discord client is stopped
/// (they were cancelled at the same moment, so this is rarely used). A message
/// still unanswered then is abandoned safely: it stays recorded as in flight
/// and is resent with the same nonce on the next start. With
/// [`bot::STOP_GRACE`] this keeps a stop under 5 s in every state.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(2500);

/// Run the bot until SIGINT/SIGTERM or a fatal error.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let cancel = CancellationToken::new();
    listen_for_signals(cancel.clone())?;
    run_until(config, cancel).await
}

/// Run the bot until `cancel` fires (or the Discord client fails), then stop
/// the loops, let in-flight messages finish, and flush the store.
pub async fn run_until(config: Config, cancel: CancellationToken) -> anyhow::Result<()> {
    // `Store::open` waits (sleeping) for a closing handle's lock: not on a worker.
    let path = config.storage.path.clone();
    let cache_mb = config.storage.cache_mb;
    let open = tokio::task::spawn_blocking(move || Store::open(&path, cache_mb));
    let store = tokio::select! {
        opened = open => opened.context("the store could not be opened")?,
        () = cancel.cancelled() => {
            tracing::info!("stopped before the store was open");
            return Ok(());
        }
    }
    .with_context(|| format!("cannot open the store at {}", config.storage.path.display()))?;
    run_with_store(config, store, cancel).await
}

/// As [`run_until`], with a store the caller opened (tests keep a handle to it).
/// A fatal reason (see [`crate::shutdown::Fatal`]) comes back as the error, after a clean stop.
pub async fn run_with_store(
    config: Config,
    store: Store,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    let shutdown = Shutdown::new(cancel);
    let cancel = shutdown.token().clone();
    let source = Source::from_config(&config.trakt).context("cannot build the Trakt client")?;
    let rest = DiscordRest::new(
        &config.discord.api_base,
        config.discord_token(),
        crate::http::DISCORD_REST_TIMEOUT,
    )
    .context("cannot build the Discord client")?;
    let telemetry = crate::metrics::start(&config, &store, &source, &cancel).await?;

    let wake = Arc::new(Notify::new());
    let deliverer = Deliverer {
        store: store.clone(),
        rest: rest.clone(),
        pacer: Arc::new(RateLimiter::new(
            config.discord.max_messages_per_second,
            config.discord.max_messages_per_second.ceil() as u32,
        )),
        channel_interval: config.discord.channel_message_interval,
        wake: wake.clone(),
        metrics: telemetry.metrics.clone(),
        shutdown: shutdown.clone(),
    };
    let delivery_task = tokio::spawn(deliverer.run(cancel.clone()));
    let scheduling = Scheduling {
        max_interval: config.poll.max_interval,
        requests_per_second: config.trakt.max_requests_per_second(),
    };
    let intervals = crate::poller::intervals::Intervals::default();
    let poll_task = match &source {
        Source::V1(trakt) => {
            let poller = Poller {
                store: store.clone(),
                trakt: trakt.clone(),
                interval: config.poll.interval,
                overlap: config.poll.overlap,
                batch_size: config.trakt.batch_size,
                wake_delivery: wake.clone(),
                metrics: telemetry.metrics.clone(),
                memory: Arc::new(Mutex::new(crate::poller::Memory {
                    intervals: intervals.clone(),
                    ..Default::default()
                })),
                schedule: Some(scheduling),
            };
            tokio::spawn(poller.run(cancel.clone()))
        }
        Source::V2(v2) => {
            let poller = V2Poller {
                store: store.clone(),
                client: v2.client.clone(),
                interval: config.poll.interval,
                overlap: config.poll.overlap,
                limits: Default::default(),
                comments: Default::default(),
                wake_delivery: wake.clone(),
                metrics: telemetry.metrics.clone(),
                memory: Arc::new(Mutex::new(crate::poller::v2::Memory::publishing(
                    intervals.clone(),
                ))),
                schedule: Some(scheduling),
            };
            tokio::spawn(poller.run(cancel.clone()))
        }
    };
    tracing::info!(
        api = %source.api(),
        store = %config.storage.path.display(),
        pending = store.outbox_len().unwrap_or(0),
        "ready to poll"
    );

    let data = Data {
        store: store.clone(),
        source,
        limits: config.limits,
        defer_after: Duration::from_millis(2000),
        rest,
        status: StatusSources {
            intervals,
            poll_interval: config.poll.interval,
            requests_per_second: config.trakt.max_requests_per_second(),
        },
    };
    let outcome = bot::run(&config, data, &shutdown, &telemetry.gateway).await;
    cancel.cancel();
    let deadline = tokio::time::Instant::now() + SHUTDOWN_GRACE;
    for (name, task) in [
        ("delivery", delivery_task),
        ("poller", poll_task),
        ("metrics", telemetry.task),
    ] {
        match tokio::time::timeout_at(deadline, task).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(task = name, error = %e, "task ended abnormally"),
            Err(_) => tracing::warn!(task = name, "task did not stop in time"),
        }
    }
    store
        .blocking(|s| s.flush())
        .await
        .context("cannot flush the store")?;
    tracing::info!("stopped");
    if let Some(fatal) = shutdown.fatal() {
        return Err(fatal.into());
    }
    outcome.map_err(anyhow::Error::from)
}

/// SIGTERM or SIGINT (Ctrl-C) cancels `cancel`. The handlers are installed
/// before this returns, so a signal sent right after start is not lost.
#[cfg(unix)]
fn listen_for_signals(cancel: CancellationToken) -> anyhow::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?;
    tokio::spawn(async move {
        let name = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        };
        tracing::info!(signal = name, "shutting down");
        cancel.cancel();
    });
    Ok(())
}

/// Ctrl-C cancels `cancel`.
#[cfg(not(unix))]
fn listen_for_signals(cancel: CancellationToken) -> anyhow::Result<()> {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            tracing::info!("shutting down");
            cancel.cancel();
        }
    });
    Ok(())
}

/// `trakt-herald export`: every subscription as JSON.
pub fn export(config: &Config) -> anyhow::Result<String> {
    let store = Store::open(&config.storage.path, config.storage.cache_mb)?;
    Ok(store.export_json()?)
}

/// `trakt-herald import FILE`: merge subscriptions; all or nothing when the
/// file is invalid, resumable after a crash. Writes transactions of `chunk`
/// subscriptions ([`IMPORT_CHUNK`](crate::store::IMPORT_CHUNK) unless a
/// benchmark asks otherwise); `progress` hears after each durable chunk.
pub fn import(
    config: &Config,
    file: &Path,
    chunk: usize,
    progress: impl FnMut(crate::store::ImportProgress),
) -> anyhow::Result<usize> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let parsed = Store::parse_import_file(&text)
        .with_context(|| format!("{} is not valid", file.display()))?;
    drop(text);
    let store = Store::open(&config.storage.path, config.storage.cache_mb)?;
    let n = store.import_file(parsed, chunk, progress)?;
    store.flush()?;
    drop(store);
    // sled writes its snapshot only while opening: open once more so that
    // the bot's first start reads the snapshot instead of replaying the
    // whole import's log (docs/performance.md, "Memory at 100 000
    // subscriptions").
    drop(Store::open(&config.storage.path, config.storage.cache_mb)?);
    Ok(n)
}
