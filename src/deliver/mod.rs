//! Delivery: drains the outbox to Discord, one task per channel with pending
//! entries, oldest first, up to 10 embeds per message, bursts folded into
//! digests (`format::digest`) for the follows that want them. This module is the
//! supervisor (which channels have a task, restarting a failed one) and the
//! state every channel task shares (last send per channel, the bot's user id).
//!
//! - [`decide`]: the pure decision on a send's result.
//! - [`readback`]: the pure content match of a batch against the channel's history.
//! - `channel`: the per-channel task that carries it out.
//! - [`profile`]: the pure per-entry ping / quiet / publish decision and where a batch ends.
//! - `digest`: which entries the channel's next message holds (bursts folded).
//! - `window`: which entries wait for their follow's digest window (pure).
//! - `alert`: the one alert in the server's alerts channel when a channel is disabled.
//! - `notice`: the queued alerts (a show failing for over an hour, gone, working again;
//!   a user follow disabled by its profile), posted once each (`user_notice` for the latter).
//!
//! Exactly once, as a channel sees it: before a send, the batch (entry ids and a
//! nonce derived from them) is recorded as the channel's in-flight message; the
//! entries are deleted only after Discord accepted it. A batch whose last
//! attempt's outcome is unknown (found in flight at start, or after a timeout
//! or 5xx) is first looked for among the channel's recent messages and, when
//! there, acknowledged without a resend; otherwise (or when the bot may not
//! read the history) it is resent with the same nonce and `enforce_nonce`,
//! which Discord honours for a few minutes.
//!
//! 429 waits `retry_after` (that channel only, or every channel when Discord
//! says the limit is global); 5xx and network errors back off and retry;
//! 403/404 disable the channel's subscriptions and drop its entries; any other
//! refusal drops the message (it would never succeed) and is counted; 401
//! stops the bot (`Fatal::DiscordTokenRefused`).

mod alert;
mod channel;
pub mod decide;
mod digest;
mod notice;
pub mod profile;
pub mod readback;
mod supervisor;
mod user_notice;
mod window;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{watch, Notify, OnceCell};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

pub use decide::backoff;

use crate::discord::rest::{DiscordRest, SendError};
use crate::format;
use crate::ids::{ChannelId, OutboxId, UserId};
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;
use crate::shutdown::Shutdown;
use crate::store::Store;

/// Entries read per channel at a time: one full message.
const BATCH: usize = format::limits::EMBEDS_PER_MESSAGE;

/// What the worker needs.
#[derive(Clone)]
pub struct Deliverer {
    pub store: Store,
    pub rest: DiscordRest,
    /// The global message budget (all channels).
    pub pacer: Arc<RateLimiter>,
    /// Minimum time between two messages to one channel.
    pub channel_interval: Duration,
    /// Poked when the poller queued something.
    pub wake: Arc<Notify>,
    /// Messages delivered, retried, refused; 429s (see [`crate::metrics`]).
    pub metrics: Metrics,
    /// Stops the bot when Discord refuses the token.
    pub shutdown: Shutdown,
}

/// The nonce for a batch: unique because outbox ids are never reused.
pub fn nonce_for(ids: &[OutboxId]) -> String {
    let first = ids.first().map_or(0, |id| id.get());
    format!("th{first:x}.{:x}", ids.len())
}

/// What every channel task shares; outlives the tasks.
pub(crate) struct Shared {
    deliverer: Deliverer,
    /// When each channel was last sent to: kept here, not in the task, so a
    /// channel that drains and fills again still keeps its spacing.
    last_sends: Mutex<HashMap<ChannelId, Instant>>,
    /// The bot's user id, asked once when a history check first needs it.
    bot: OnceCell<UserId>,
    /// Bumped each time the poller says it queued something: wakes channel
    /// tasks holding entries for a digest window.
    queued: watch::Sender<u64>,
}

impl Shared {
    fn new(deliverer: Deliverer) -> Self {
        Shared {
            deliverer,
            last_sends: Mutex::default(),
            bot: OnceCell::new(),
            queued: watch::Sender::new(0),
        }
    }

    fn last_send(&self, channel: ChannelId) -> Option<Instant> {
        let map = self
            .last_sends
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        map.get(&channel).copied()
    }

    fn record_send(&self, channel: ChannelId, at: Instant) {
        let mut map = self
            .last_sends
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Entries older than the spacing say nothing: keep the map small.
        let interval = self.deliverer.channel_interval;
        map.retain(|_, t| t.elapsed() < interval);
        map.insert(channel, at);
    }

    async fn bot_user(&self) -> Result<UserId, SendError> {
        self.bot
            .get_or_try_init(|| self.deliverer.rest.current_user())
            .await
            .copied()
    }
}

impl Deliverer {
    /// Run until cancelled. Channels are served concurrently; a channel that is
    /// rate limited, failing or whose task panicked does not hold up the others.
    pub async fn run(self, cancel: CancellationToken) {
        let shared = Arc::new(Shared::new(self));
        let notices = tokio::spawn(notice::run(shared.clone(), cancel.clone()));
        let mut tasks = supervisor::Supervisor::new();
        let mut store_failures = 0u32;
        loop {
            let store = &shared.deliverer.store;
            match store.blocking(|s| s.pending_channels()).await {
                Ok(channels) => {
                    store_failures = 0;
                    for channel in channels {
                        tasks.start(channel, Instant::now(), || {
                            channel::ChannelTask::new(shared.clone(), channel, cancel.clone()).run()
                        });
                    }
                }
                Err(e) => {
                    store_failures += 1;
                    tracing::error!(error = %e, "delivery: cannot read the outbox");
                }
            }
            let idle = backoff(store_failures).max(Duration::from_secs(1));
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = shared.deliverer.wake.notified() => {
                    shared.queued.send_modify(|n| *n = n.wrapping_add(1));
                }
                _ = tokio::time::sleep(idle) => {}
                Some(done) = tasks.join_next() => {
                    if tasks.finished(done, Instant::now()).is_some() {
                        shared.deliverer.metrics.delivery_task_restarted();
                    }
                }
            }
        }
        // Let every channel finish the message it has in flight.
        tasks.drain().await;
        if let Err(e) = notices.await {
            tracing::error!(error = %e, "delivery: the alerts task failed");
        }
        tracing::info!("delivery stopped");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonce_is_short_and_distinct() {
        let a = nonce_for(&[OutboxId(u64::MAX), OutboxId(1)]);
        assert!(a.len() <= 25, "{a}");
        assert_ne!(nonce_for(&[OutboxId(1)]), nonce_for(&[OutboxId(2)]));
        assert_ne!(
            nonce_for(&[OutboxId(1)]),
            nonce_for(&[OutboxId(1), OutboxId(2)])
        );
    }

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(backoff(1), Duration::from_secs(1));
        assert_eq!(backoff(3), Duration::from_secs(4));
        assert_eq!(backoff(50), decide::MAX_BACKOFF);
    }
}
