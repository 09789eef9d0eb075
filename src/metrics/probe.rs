//! What is read at scrape time rather than recorded as it happens: the
//! outbox, the follows and the store's health (store reads on the blocking
//! pool), the gateway (the shard manager), the Trakt budget (the client's rate
//! limit); and the inputs of the `/healthz` decision.

use std::time::Duration;

use super::gateway::{Gateway, GatewayStatus};
use super::health::{health, Unhealthy};
use super::Metrics;
use crate::clock::unix_now;
use crate::store::{FollowCounts, Store};
use crate::trakt::Source;

/// The sources of the scrape-time gauges and of health.
#[derive(Clone, Debug)]
pub struct Probes {
    pub store: Store,
    pub gateway: Gateway,
    /// The client whose rate limit is `herald_trakt_budget_tokens`.
    pub trakt: Source,
    /// `poll.interval`: the poller is healthy when it ran within two.
    pub poll_interval: Duration,
}

/// The store's figures at one scrape.
struct StoreFigures {
    outbox: usize,
    oldest: Option<i64>,
    follows: FollowCounts,
}

impl Probes {
    /// The probes of a bot reading `source`.
    pub fn new(store: Store, gateway: Gateway, source: &Source, poll_interval: Duration) -> Self {
        Probes {
            store,
            gateway,
            trakt: source.clone(),
            poll_interval,
        }
    }

    /// Bring every scrape-time gauge up to date. A store that cannot be read
    /// leaves its gauges as they were (and is logged).
    pub async fn refresh(&self, metrics: &Metrics) {
        let f = metrics.f();
        match self.store.blocking(store_figures).await {
            Ok(s) => {
                f.outbox_entries.set(s.outbox as i64);
                let age = s
                    .oldest
                    .map_or(0, |at| unix_now().saturating_sub(at).max(0));
                f.outbox_oldest_seconds.set(age);
                let c = s.follows;
                for (state, n) in [
                    ("active", c.active),
                    ("paused", c.paused),
                    ("disabled", c.disabled),
                ] {
                    f.follows.get_or_create(&[("state", state)]).set(n as i64);
                }
            }
            Err(e) => tracing::warn!(error = %e, "metrics: cannot read the store"),
        }
        set_gateway(metrics, &self.gateway.status().await);
        let available = match &self.trakt {
            Source::V1(client) => client.budget_available(),
            Source::V2(v2) => v2.client.budget_available(),
        };
        f.trakt_budget_tokens.set(available);
    }

    /// The `/healthz` answer now.
    pub async fn health(&self, metrics: &Metrics) -> Result<(), Unhealthy> {
        let store_ok = self.store.blocking(|s| s.check()).await.is_ok();
        let gateway_up = self.gateway.status().await.is_up();
        health(
            unix_now(),
            metrics.last_poll(),
            self.poll_interval,
            gateway_up,
            store_ok,
        )
    }
}

fn store_figures(store: &Store) -> Result<StoreFigures, crate::store::StoreError> {
    Ok(StoreFigures {
        outbox: store.outbox_len()?,
        oldest: store.oldest_pending_at()?,
        follows: store.follow_counts()?,
    })
}

fn set_gateway(metrics: &Metrics, status: &GatewayStatus) {
    let f = metrics.f();
    f.gateway_shards.set(status.shards.len() as i64);
    f.gateway_shards_connected.set(status.connected() as i64);
    f.gateway_latency_seconds.clear();
    for shard in &status.shards {
        if let Some(latency) = shard.latency {
            f.gateway_latency_seconds
                .get_or_create(&[("shard", shard.id.to_string())])
                .set(latency.as_secs_f64());
        }
    }
}
