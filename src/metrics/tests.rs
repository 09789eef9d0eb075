//! The recording methods move the metrics the module header names, and the
//! exposition parses as Prometheus text.

use super::*;

/// The value of `name` with exactly `labels` in `text`, parsed as Prometheus text.
fn value(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let lines = text.lines().map(|l| Ok(l.to_owned()));
    let scrape = prometheus_parse::Scrape::parse(lines).expect("Prometheus text");
    scrape
        .samples
        .iter()
        .find(|s| {
            s.metric == name
                && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v))
                && s.labels.len() == labels.len()
        })
        .map(|s| match &s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => *v,
            prometheus_parse::Value::Histogram(h) => h.last().map_or(0.0, |c| c.count),
            prometheus_parse::Value::Summary(_) => f64::NAN,
        })
}

#[test]
fn every_metric_is_exposed_at_zero_from_the_start() {
    let text = Metrics::new().encode();
    for (name, labels) in [
        ("herald_poll_cycles_total", &[][..]),
        ("herald_poll_cycle_seconds_count", &[]),
        ("herald_activities_total", &[("result", "new")]),
        ("herald_activities_total", &[("result", "duplicate")]),
        ("herald_messages_delivered_total", &[]),
        ("herald_messages_retried_total", &[]),
        ("herald_messages_refused_total", &[]),
        ("herald_discord_429_total", &[("scope", "global")]),
        ("herald_channels_disabled_total", &[]),
        ("herald_outbox_entries", &[]),
        ("herald_outbox_oldest_seconds", &[]),
        ("herald_follows", &[("state", "active")]),
        ("herald_gateway_shards_connected", &[]),
        ("herald_trakt_budget_tokens", &[]),
    ] {
        assert_eq!(
            value(&text, name, labels),
            Some(0.0),
            "{name} {labels:?}:\n{text}"
        );
    }
}

#[test]
fn recording_moves_the_named_metrics() {
    let m = Metrics::new();
    m.poll_cycle().done();
    m.poll_cycle().done();
    drop(m.poll_cycle()); // ended early: not counted
    m.activities(3, 2);
    m.activities(1, 0);
    m.trakt_request(V1_ENDPOINT, StatusLabel::Http(200));
    m.trakt_request(V1_ENDPOINT, StatusLabel::Http(200));
    (m.trakt_hook(V1_ENDPOINT))(Some(503));
    (m.trakt_hook(V1_ENDPOINT))(None);
    m.message_delivered(4);
    m.message_retried();
    m.message_refused();
    m.discord_429(RateScope::Global);
    m.discord_429(RateScope::Channel);
    m.discord_429(RateScope::Channel);
    m.channel_disabled();
    let text = m.clone().encode();
    let at = |name, labels: &[(&str, &str)]| value(&text, name, labels);
    assert_eq!(at("herald_poll_cycles_total", &[]), Some(2.0), "{text}");
    assert_eq!(at("herald_poll_cycle_seconds_count", &[]), Some(2.0));
    assert_eq!(
        at("herald_activities_total", &[("result", "new")]),
        Some(4.0)
    );
    assert_eq!(
        at("herald_activities_total", &[("result", "duplicate")]),
        Some(2.0)
    );
    let req = |status| [("endpoint", "activity/shows"), ("status", status)];
    assert_eq!(at("herald_trakt_requests_total", &req("200")), Some(2.0));
    assert_eq!(at("herald_trakt_requests_total", &req("503")), Some(1.0));
    assert_eq!(at("herald_trakt_requests_total", &req("error")), Some(1.0));
    assert_eq!(at("herald_messages_delivered_total", &[]), Some(1.0));
    assert_eq!(at("herald_embeds_delivered_total", &[]), Some(4.0));
    assert_eq!(at("herald_messages_retried_total", &[]), Some(1.0));
    assert_eq!(at("herald_messages_refused_total", &[]), Some(1.0));
    assert_eq!(
        at("herald_discord_429_total", &[("scope", "global")]),
        Some(1.0)
    );
    assert_eq!(
        at("herald_discord_429_total", &[("scope", "channel")]),
        Some(2.0)
    );
    assert_eq!(at("herald_channels_disabled_total", &[]), Some(1.0));
}

#[test]
fn the_last_poll_is_the_latest_start_or_finish() {
    let m = Metrics::new();
    assert_eq!(m.last_poll(), None);
    let cycle = m.poll_cycle();
    let started = m.last_poll().expect("a cycle started");
    assert!((unix_now() - started).abs() <= 1);
    cycle.done();
    assert!(m.last_poll() >= Some(started));
}

#[test]
fn status_labels_are_the_code_or_error() {
    assert_eq!(StatusLabel::from(Some(429)).as_label(), "429");
    assert_eq!(StatusLabel::from(None).as_label(), "error");
}
