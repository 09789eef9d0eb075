//! Delivery: drains the outbox to Discord, one task per channel with pending
//! entries, oldest first, up to 10 embeds per message.
//!
//! Exactly once, as a channel sees it: before a send, the batch (entry ids and a
//! nonce derived from them) is recorded as the channel's in-flight message; the
//! entries are deleted only after Discord accepted it. After a crash the same
//! batch is sent again with the same nonce and `enforce_nonce`, so Discord
//! answers with the message it already created instead of posting twice.
//!
//! 429 waits `retry_after` (that channel only, or every channel when Discord
//! says the limit is global); 5xx and network errors back off
//! and retry; 403/404 disable the channel's subscriptions and drop its entries;
//! any other refusal drops the message (it would never succeed) and is counted.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::backoff::Backoff;
use crate::clock::unix_now;
use crate::discord::rest::{DiscordRest, SendError};
use crate::format;
use crate::ids::{ChannelId, OutboxId};
use crate::ratelimit::RateLimiter;
use crate::store::{InFlight, OutboxEntry, Store, StoreError};

/// Entries read per channel at a time: one full message.
const BATCH: usize = format::limits::EMBEDS_PER_MESSAGE;
/// Longest pause after repeated transient failures.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Counters, for logs and benchmarks.
#[derive(Default, Debug)]
pub struct DeliveryStats {
    pub messages: AtomicU64,
    pub entries: AtomicU64,
    pub refused: AtomicU64,
    pub rate_limited: AtomicU64,
    pub transient_failures: AtomicU64,
    pub channels_disabled: AtomicU64,
}

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
    pub stats: Arc<DeliveryStats>,
}

/// The nonce for a batch: unique because outbox ids are never reused.
pub fn nonce_for(ids: &[OutboxId]) -> String {
    let first = ids.first().map_or(0, |id| id.get());
    format!("th{first:x}.{:x}", ids.len())
}

enum Step {
    /// Something was sent or dropped; look for more.
    Continue,
    /// The channel has nothing left.
    Drained,
    /// The channel must not be tried again (disabled, or the token is bad).
    Stop,
}

impl Deliverer {
    /// Run until cancelled. Channels are served concurrently; a channel that is
    /// rate limited or failing does not hold up the others.
    pub async fn run(self, cancel: CancellationToken) {
        let mut running: HashSet<ChannelId> = HashSet::new();
        let mut tasks: JoinSet<ChannelId> = JoinSet::new();
        let mut store_failures = 0u32;
        loop {
            match self.store.pending_channels() {
                Ok(channels) => {
                    store_failures = 0;
                    for channel in channels {
                        if running.insert(channel) {
                            let me = self.clone();
                            let cancel = cancel.clone();
                            tasks.spawn(async move {
                                me.drain_channel(channel, cancel).await;
                                channel
                            });
                        }
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
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(idle) => {}
                Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                    match done {
                        Ok(channel) => { running.remove(&channel); }
                        Err(e) => {
                            tracing::error!(error = %e, "delivery task failed");
                            running.clear();
                            tasks.abort_all();
                        }
                    }
                }
            }
        }
        // Let every channel finish the message it has in flight.
        while tasks.join_next().await.is_some() {}
        tracing::info!("delivery stopped");
    }

    async fn drain_channel(&self, channel: ChannelId, cancel: CancellationToken) {
        let mut failures = 0u32;
        let mut last_send: Option<Instant> = None;
        while !cancel.is_cancelled() {
            match self
                .step(channel, &mut failures, &mut last_send, &cancel)
                .await
            {
                Ok(Step::Continue) => {}
                Ok(Step::Drained) | Ok(Step::Stop) => return,
                Err(e) => {
                    failures += 1;
                    tracing::error!(%channel, error = %e, "delivery: store error");
                    if sleep_or_cancel(backoff(failures), &cancel).await {
                        return;
                    }
                }
            }
        }
    }

    /// Send (or resend) the channel's next message.
    async fn step(
        &self,
        channel: ChannelId,
        failures: &mut u32,
        last_send: &mut Option<Instant>,
        cancel: &CancellationToken,
    ) -> Result<Step, StoreError> {
        let Some(batch) = self.next_batch(channel)? else {
            return Ok(Step::Drained);
        };
        let Some(message) = batch.message else {
            // Nothing renderable: drop the batch rather than loop on it.
            self.store.ack(channel, &batch.ids)?;
            return Ok(Step::Continue);
        };
        // Normally the whole batch fits one message; if not, send its head now.
        let sent_ids: Vec<OutboxId> = batch
            .ids
            .iter()
            .take(message.embeds.len())
            .copied()
            .collect();
        let nonce = batch.nonce;
        let body = message.to_request(Some(nonce));

        if let Some(at) = *last_send {
            let ready = at + self.channel_interval;
            if ready > Instant::now() && sleep_until_or_cancel(ready, cancel).await {
                return Ok(Step::Stop);
            }
        }
        tokio::select! {
            _ = cancel.cancelled() => return Ok(Step::Stop),
            _ = self.pacer.acquire() => {}
        }
        *last_send = Some(Instant::now());
        match self.rest.create_message(channel, &body).await {
            Ok(()) => {
                *failures = 0;
                self.store.ack(channel, &sent_ids)?;
                self.stats.messages.fetch_add(1, Ordering::Relaxed);
                self.stats
                    .entries
                    .fetch_add(sent_ids.len() as u64, Ordering::Relaxed);
                tracing::debug!(%channel, embeds = sent_ids.len(), "delivered");
                Ok(Step::Continue)
            }
            Err(SendError::RateLimited {
                retry_after,
                global,
            }) => {
                self.stats.rate_limited.fetch_add(1, Ordering::Relaxed);
                if global {
                    // Every channel would get the same answer: hold them all.
                    self.pacer.hold(retry_after);
                }
                tracing::warn!(%channel, status = 429, ?retry_after, global, "delivery: rate limited; waiting before retrying");
                if sleep_or_cancel(retry_after, cancel).await {
                    return Ok(Step::Stop);
                }
                Ok(Step::Continue)
            }
            Err(SendError::Transient { reason }) => {
                *failures += 1;
                self.stats
                    .transient_failures
                    .fetch_add(1, Ordering::Relaxed);
                let wait = backoff(*failures);
                tracing::warn!(%channel, %reason, ?wait, "delivery failed; will retry");
                if sleep_or_cancel(wait, cancel).await {
                    return Ok(Step::Stop);
                }
                Ok(Step::Continue)
            }
            Err(e @ (SendError::Forbidden { .. } | SendError::NotFound { .. })) => {
                let (status, reason) = match &e {
                    SendError::NotFound { .. } => (404, "the channel no longer exists".to_owned()),
                    _ => (403, "the bot lacks permission to post there (View Channel, Send Messages, Embed Links)".to_owned()),
                };
                let stats = self.store.disable_channel(channel, &reason, unix_now())?;
                self.stats.channels_disabled.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    %channel, status, error = %e, subscriptions = stats.subscriptions,
                    dropped = stats.dropped_entries,
                    "delivery refused; the channel's follows are disabled until someone follows again there"
                );
                Ok(Step::Stop)
            }
            Err(e @ SendError::Refused { .. }) => {
                self.stats.refused.fetch_add(1, Ordering::Relaxed);
                tracing::error!(%channel, error = %e, dropped = sent_ids.len(), "Discord refused a message; dropping it");
                self.store.ack(channel, &sent_ids)?;
                Ok(Step::Continue)
            }
            Err(SendError::Unauthorized) => {
                tracing::error!("Discord refused the bot token; delivery paused");
                if sleep_or_cancel(MAX_BACKOFF, cancel).await {
                    return Ok(Step::Stop);
                }
                Ok(Step::Continue)
            }
        }
    }

    /// The in-flight batch if there is one, else the next one (recorded as in flight).
    fn next_batch(&self, channel: ChannelId) -> Result<Option<Batch>, StoreError> {
        if let Some(flight) = self.store.in_flight(channel)? {
            let entries = self.store.entries(channel, &flight.ids)?;
            if !entries.is_empty() {
                return Ok(Some(Batch {
                    ids: entries.iter().map(|e| e.id).collect(),
                    message: first_message(&entries),
                    nonce: flight.nonce,
                }));
            }
            // Everything in it was dropped meanwhile (unfollow): forget it.
            self.store.ack(channel, &[])?;
        }
        let entries = self.store.pending(channel, BATCH)?;
        if entries.is_empty() {
            return Ok(None);
        }
        // Only what fits one message goes in flight, so a resend is identical.
        let message = first_message(&entries);
        let fits = message.as_ref().map_or(1, |m| m.embeds.len());
        let ids: Vec<OutboxId> = entries.iter().take(fits).map(|e| e.id).collect();
        let flight = InFlight {
            nonce: nonce_for(&ids),
            ids,
        };
        self.store.set_in_flight(channel, &flight)?;
        Ok(Some(Batch {
            ids: flight.ids,
            message,
            nonce: flight.nonce,
        }))
    }
}

/// The next message of a channel: its entries (oldest first), the first
/// message they pack into, and its nonce.
struct Batch {
    ids: Vec<OutboxId>,
    message: Option<format::Message>,
    nonce: String,
}

/// Render entries and pack them; the first message holds the oldest ones.
fn first_message(entries: &[OutboxEntry]) -> Option<format::Message> {
    let embeds = entries
        .iter()
        .map(|e| format::render_v1(&e.activity))
        .collect();
    format::pack(embeds).into_iter().next()
}

/// Exponential backoff: 1 s, 2 s, 4 s … capped at a minute.
pub fn backoff(failures: u32) -> Duration {
    Backoff::new(Duration::from_secs(1), MAX_BACKOFF).delay(failures)
}

/// Sleep; `true` when cancelled first.
async fn sleep_or_cancel(d: Duration, cancel: &CancellationToken) -> bool {
    tokio::select! {
        _ = cancel.cancelled() => true,
        _ = tokio::time::sleep(d) => false,
    }
}

async fn sleep_until_or_cancel(at: Instant, cancel: &CancellationToken) -> bool {
    tokio::select! {
        _ = cancel.cancelled() => true,
        _ = tokio::time::sleep_until(at) => false,
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
        assert_eq!(backoff(50), MAX_BACKOFF);
    }
}
