//! Metrics and health: this module OWNS every metric name. The rest of the
//! code records through the small typed methods of [`Metrics`] (one handle
//! per running bot, cheap to clone, no global state: tests run many bots in
//! one process); the names, labels and help texts live in `families`. Gauges
//! that describe state (outbox, follows, gateway, Trakt budget) are read at
//! scrape time from their sources (`probe`), not pushed.
//!
//! | method / source | metric |
//! | --- | --- |
//! | [`Metrics::poll_cycle`] → [`CycleTimer::done`] | `herald_poll_cycles_total`, `herald_poll_cycle_seconds` (histogram); the start and end feed `/healthz` |
//! | [`Metrics::activities`] | `herald_activities_total{result="new"\|"duplicate"}` |
//! | [`Metrics::poll_failed`] | `herald_poll_failures_total` (a batch whose fetch failed) |
//! | [`Metrics::poll_hole`] | `herald_poll_holes_total` (a second with over 100 items: some lost for good) |
//! | [`Metrics::trakt_request`], [`Metrics::trakt_hook`], [`Metrics::trakt_v2_hook`] | `herald_trakt_requests_total{endpoint,status}` (every HTTP attempt; `status` is the code or `"error"`) |
//! | [`Metrics::message_delivered`] | `herald_messages_delivered_total`, `herald_embeds_delivered_total` |
//! | [`Metrics::message_retried`] | `herald_messages_retried_total` (5xx, network, timeout: sent again later) |
//! | [`Metrics::message_refused`] | `herald_messages_refused_total` (Discord refused it: dropped) |
//! | [`Metrics::discord_429`] | `herald_discord_429_total{scope="channel"\|"global"}` |
//! | [`Metrics::channel_disabled`] | `herald_channels_disabled_total` (403/404) |
//! | [`Metrics::delivery_task_restarted`] | `herald_delivery_task_restarts_total` |
//! | store, at scrape | `herald_outbox_entries`, `herald_outbox_oldest_seconds`, `herald_follows{state="active"\|"paused"\|"disabled"}` |
//! | [`Gateway`], at scrape | `herald_gateway_shards`, `herald_gateway_shards_connected`, `herald_gateway_latency_seconds{shard}` |
//! | the Trakt client's rate limit, at scrape | `herald_trakt_budget_tokens` (requests it lets through now; below 0: callers waiting) |
//!
//! - `health`: the pure `/healthz` decision.
//! - `gateway`: the shard manager's view (connected shards, latency).
//! - `probe`: the scrape-time gauges and the health inputs.
//! - `server`: `metrics.listen`, `/metrics` and `/healthz`.

mod families;
mod gateway;
mod health;
mod probe;
mod server;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use tokio::time::Instant;

use self::families::Families;
pub use self::gateway::{Gateway, GatewayStatus, ShardStatus};
pub use self::health::{health, Unhealthy};
pub use self::probe::Probes;
pub use self::server::{check_health, probe_address, start, MetricsError, Running, V1_ENDPOINT};
use crate::clock::unix_now;
use crate::trakt::client::RequestHook;

/// What became of one HTTP attempt to Trakt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusLabel {
    /// Trakt answered with this status.
    Http(u16),
    /// No answer (connection failed, timed out).
    Error,
}

impl StatusLabel {
    /// The label value: the status code, or `"error"`.
    pub fn as_label(self) -> String {
        match self {
            StatusLabel::Http(code) => code.to_string(),
            StatusLabel::Error => "error".to_owned(),
        }
    }
}

impl From<Option<u16>> for StatusLabel {
    fn from(status: Option<u16>) -> Self {
        status.map_or(StatusLabel::Error, StatusLabel::Http)
    }
}

/// Which budget a Discord 429 held back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateScope {
    /// One channel's (or route's) limit.
    Channel,
    /// The bot's global limit: every channel waits.
    Global,
}

/// The running bot's metrics. Cheap to clone; clones share the values.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    families: Families,
    /// Unix seconds when the last poll cycle started / finished (0: never).
    poll_started: AtomicI64,
    poll_finished: AtomicI64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

/// A poll cycle being timed: [`CycleTimer::done`] counts it. A cycle that
/// ends early (cancelled, key refused) is dropped without being counted.
#[must_use = "call done() when the cycle finished"]
pub struct CycleTimer {
    metrics: Metrics,
    started: Instant,
}

impl CycleTimer {
    /// The cycle finished: count it, observe its duration, mark the poller alive.
    pub fn done(self) {
        let f = &self.metrics.inner.families;
        f.poll_cycles.inc();
        f.poll_cycle_seconds
            .observe(self.started.elapsed().as_secs_f64());
        self.metrics
            .inner
            .poll_finished
            .store(unix_now(), Ordering::Relaxed);
    }
}

impl Metrics {
    /// Fresh metrics, every counter at zero.
    pub fn new() -> Self {
        Metrics {
            inner: Arc::new(Inner {
                families: Families::new(),
                poll_started: AtomicI64::new(0),
                poll_finished: AtomicI64::new(0),
            }),
        }
    }

    fn f(&self) -> &Families {
        &self.inner.families
    }

    /// A poll cycle starts (which `/healthz` counts as the poller running).
    pub fn poll_cycle(&self) -> CycleTimer {
        self.inner.poll_started.store(unix_now(), Ordering::Relaxed);
        CycleTimer {
            metrics: self.clone(),
            started: Instant::now(),
        }
    }

    /// The unix time the poller last started or finished a cycle, if ever.
    pub fn last_poll(&self) -> Option<i64> {
        let started = self.inner.poll_started.load(Ordering::Relaxed);
        let finished = self.inner.poll_finished.load(Ordering::Relaxed);
        Some(started.max(finished)).filter(|t| *t > 0)
    }

    /// A poll commit stored `new` activities and recognised `duplicate` ones.
    pub fn activities(&self, new: usize, duplicate: usize) {
        let f = self.f();
        f.activities
            .get_or_create(&[("result", "new")])
            .inc_by(new as u64);
        f.activities
            .get_or_create(&[("result", "duplicate")])
            .inc_by(duplicate as u64);
    }

    /// A batch's fetch failed (it backs off or is split).
    pub fn poll_failed(&self) {
        self.f().poll_failures.inc();
    }

    /// A second with over 100 activities was seen (some cannot be fetched).
    pub fn poll_hole(&self) {
        self.f().poll_holes.inc();
    }

    /// One HTTP attempt to Trakt's `endpoint` (a fixed route name such as
    /// `"activity/shows"`, never a URL: bounded and key-free).
    pub fn trakt_request(&self, endpoint: &'static str, status: StatusLabel) {
        self.f()
            .trakt_requests
            .get_or_create(&[
                ("endpoint", endpoint.to_owned()),
                ("status", status.as_label()),
            ])
            .inc();
    }

    /// A hook for the v2 client: each attempt counts under its route's name.
    pub fn trakt_v2_hook(&self) -> crate::trakt::v2::client::RequestHook {
        let metrics = self.clone();
        Arc::new(move |route, status| metrics.trakt_request(route, status.into()))
    }

    /// A hook for a Trakt client: each attempt counts as a request to `endpoint`.
    pub fn trakt_hook(&self, endpoint: &'static str) -> RequestHook {
        let metrics = self.clone();
        Arc::new(move |status| metrics.trakt_request(endpoint, status.into()))
    }

    /// Discord accepted a message holding `embeds` activities.
    pub fn message_delivered(&self, embeds: usize) {
        self.f().messages_delivered.inc();
        self.f().embeds_delivered.inc_by(embeds as u64);
    }

    /// A send failed transiently (5xx, network, timeout) and will be retried.
    pub fn message_retried(&self) {
        self.f().messages_retried.inc();
    }

    /// Discord refused a message for good; it was dropped.
    pub fn message_refused(&self) {
        self.f().messages_refused.inc();
    }

    /// Discord answered 429.
    pub fn discord_429(&self, scope: RateScope) {
        let scope = match scope {
            RateScope::Channel => "channel",
            RateScope::Global => "global",
        };
        self.f()
            .discord_429
            .get_or_create(&[("scope", scope)])
            .inc();
    }

    /// A channel's follows were disabled (Discord answered 403/404).
    pub fn channel_disabled(&self) {
        self.f().channels_disabled.inc();
    }

    /// A channel's delivery task failed and was restarted.
    pub fn delivery_task_restarted(&self) {
        self.f().delivery_task_restarts.inc();
    }

    /// The Prometheus text of every metric, as last recorded or refreshed.
    pub fn encode(&self) -> String {
        self.f().encode()
    }
}

#[cfg(test)]
mod tests;
