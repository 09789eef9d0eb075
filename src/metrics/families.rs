//! Every metric's name, help text, unit and labels, registered once under the
//! `herald` prefix. Counters get `_total` and units their suffix from the
//! exposition (`prometheus-client`), so the names here carry neither.

use std::sync::atomic::AtomicU64;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

/// A label set with fixed values.
pub type Fixed = [(&'static str, &'static str); 1];
/// `endpoint` and `status` of a Trakt request.
pub type TraktLabels = [(&'static str, String); 2];
/// A label set with one computed value.
pub type Computed = [(&'static str, String); 1];
/// A gauge of seconds or tokens.
pub type FloatGauge = Gauge<f64, AtomicU64>;

/// Poll cycle durations: 50 ms to about 7 minutes.
const CYCLE_BUCKETS: [f64; 12] = [
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 400.0,
];

pub struct Families {
    registry: Registry,
    pub poll_cycles: Counter,
    pub poll_cycle_seconds: Histogram,
    pub poll_failures: Counter,
    pub poll_holes: Counter,
    pub activities: Family<Fixed, Counter>,
    pub trakt_requests: Family<TraktLabels, Counter>,
    pub trakt_budget_tokens: FloatGauge,
    pub messages_delivered: Counter,
    pub embeds_delivered: Counter,
    pub messages_retried: Counter,
    pub messages_refused: Counter,
    pub discord_429: Family<Fixed, Counter>,
    pub channels_disabled: Counter,
    pub delivery_task_restarts: Counter,
    pub outbox_entries: Gauge,
    pub outbox_oldest_seconds: Gauge,
    pub follows: Family<Fixed, Gauge>,
    pub gateway_shards: Gauge,
    pub gateway_shards_connected: Gauge,
    pub gateway_latency_seconds: Family<Computed, FloatGauge>,
}

impl Families {
    pub fn new() -> Self {
        let mut r = Registry::with_prefix("herald");
        let f = Families {
            poll_cycles: Counter::default(),
            poll_cycle_seconds: Histogram::new(CYCLE_BUCKETS.into_iter()),
            poll_failures: Counter::default(),
            poll_holes: Counter::default(),
            activities: Family::default(),
            trakt_requests: Family::default(),
            trakt_budget_tokens: FloatGauge::default(),
            messages_delivered: Counter::default(),
            embeds_delivered: Counter::default(),
            messages_retried: Counter::default(),
            messages_refused: Counter::default(),
            discord_429: Family::default(),
            channels_disabled: Counter::default(),
            delivery_task_restarts: Counter::default(),
            outbox_entries: Gauge::default(),
            outbox_oldest_seconds: Gauge::default(),
            follows: Family::default(),
            gateway_shards: Gauge::default(),
            gateway_shards_connected: Gauge::default(),
            gateway_latency_seconds: Family::default(),
            registry: Registry::default(),
        };
        // Every label value exists from the start, at 0.
        for result in ["new", "duplicate"] {
            let _ = f.activities.get_or_create(&[("result", result)]);
        }
        for scope in ["channel", "global"] {
            let _ = f.discord_429.get_or_create(&[("scope", scope)]);
        }
        for state in ["active", "paused", "disabled"] {
            let _ = f.follows.get_or_create(&[("state", state)]);
        }
        f.register(&mut r);
        f.register_delivery(&mut r);
        Families { registry: r, ..f }
    }

    /// Polling and Trakt.
    fn register(&self, r: &mut Registry) {
        r.register(
            "poll_cycles",
            "Poll cycles finished",
            self.poll_cycles.clone(),
        );
        r.register_with_unit(
            "poll_cycle",
            "How long a poll cycle took",
            Unit::Seconds,
            self.poll_cycle_seconds.clone(),
        );
        r.register(
            "poll_failures",
            "Poll batches whose fetch failed",
            self.poll_failures.clone(),
        );
        r.register(
            "poll_holes",
            "Seconds with over 100 activities on one show: some cannot be fetched",
            self.poll_holes.clone(),
        );
        r.register(
            "activities",
            "Activities fetched, by whether they were new or already seen",
            self.activities.clone(),
        );
        r.register(
            "trakt_requests",
            "HTTP attempts to Trakt, by endpoint and status (\"error\": no answer)",
            self.trakt_requests.clone(),
        );
        r.register(
            "trakt_budget_tokens",
            "Requests the Trakt rate limit lets through now (below 0: callers waiting)",
            self.trakt_budget_tokens.clone(),
        );
    }

    /// Delivery, and the state read at scrape time.
    fn register_delivery(&self, r: &mut Registry) {
        r.register(
            "messages_delivered",
            "Messages Discord accepted",
            self.messages_delivered.clone(),
        );
        r.register(
            "embeds_delivered",
            "Activities (embeds) in delivered messages",
            self.embeds_delivered.clone(),
        );
        r.register(
            "messages_retried",
            "Sends that failed transiently (5xx, network, timeout) and are retried",
            self.messages_retried.clone(),
        );
        r.register(
            "messages_refused",
            "Messages Discord refused for good (dropped)",
            self.messages_refused.clone(),
        );
        r.register(
            "discord_429",
            "Discord 429 answers, by scope",
            self.discord_429.clone(),
        );
        r.register(
            "channels_disabled",
            "Channels whose follows were disabled (Discord answered 403/404)",
            self.channels_disabled.clone(),
        );
        r.register(
            "delivery_task_restarts",
            "Channel delivery tasks that failed and were restarted",
            self.delivery_task_restarts.clone(),
        );
        r.register(
            "outbox_entries",
            "Deliveries pending",
            self.outbox_entries.clone(),
        );
        r.register_with_unit(
            "outbox_oldest",
            "Age of the oldest pending delivery (0: none pending)",
            Unit::Seconds,
            self.outbox_oldest_seconds.clone(),
        );
        r.register(
            "follows",
            "Follows (channel, show) by state",
            self.follows.clone(),
        );
        r.register(
            "gateway_shards",
            "Gateway shards running",
            self.gateway_shards.clone(),
        );
        r.register(
            "gateway_shards_connected",
            "Gateway shards connected",
            self.gateway_shards_connected.clone(),
        );
        r.register_with_unit(
            "gateway_latency",
            "Gateway heartbeat latency, by shard",
            Unit::Seconds,
            self.gateway_latency_seconds.clone(),
        );
    }

    /// The Prometheus (OpenMetrics) text of every metric.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
