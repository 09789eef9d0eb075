//! The metrics server: binds `metrics.listen` at start-up (a port in use
//! stops the start with an error naming the key), serves `/metrics`
//! (refreshing the scrape-time gauges first) and `/healthz` (200 `ok`, or 503
//! with the reason), until the cancellation token fires. Also the client side
//! of `trakt-herald health`, which the container's HEALTHCHECK runs.

use std::future::IntoFuture;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{Gateway, Metrics, Probes};
use crate::config::Config;
use crate::store::Store;
use crate::trakt::Source;

/// The `endpoint` label of the v1 client's requests (its only route).
pub const V1_ENDPOINT: &str = "activity/shows";
/// The exposition's content type (OpenMetrics text, which Prometheus reads).
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// How long `trakt-herald health` waits for an answer.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the metrics server could not start, or a health check failed.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    #[error("config key `metrics.listen`: cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("config key `metrics.listen` is not set: there is no health endpoint to ask")]
    NotListening,
    #[error("the health check could not reach {addr}: {reason}")]
    Unreachable { addr: SocketAddr, reason: String },
    #[error("unhealthy: {0}")]
    Unhealthy(String),
}

/// The metrics of a starting bot, and the server when `metrics.listen` is set.
pub struct Running {
    pub metrics: Metrics,
    /// For the Discord client to attach its shard manager to.
    pub gateway: Gateway,
    /// The server (an already finished task when nothing listens).
    pub task: JoinHandle<()>,
}

/// Create the bot's metrics, count the Trakt client's requests, and when
/// `metrics.listen` is set bind it (recording the bound address in
/// `config.metrics.bound`) and serve until `cancel` fires.
pub async fn start(
    config: &Config,
    store: &Store,
    source: &Source,
    cancel: &CancellationToken,
) -> Result<Running, MetricsError> {
    let metrics = Metrics::new();
    match source {
        Source::V1(client) => client.on_request(metrics.trakt_hook(V1_ENDPOINT)),
        Source::V2(v2) => v2.client.on_request(metrics.trakt_v2_hook()),
    }
    let gateway = Gateway::default();
    let probes = Probes::new(store.clone(), gateway.clone(), source, config.poll.interval);
    let Some(addr) = config.metrics.listen else {
        return Ok(Running {
            metrics,
            gateway,
            task: tokio::spawn(async {}),
        });
    };
    let bind_error = |source| MetricsError::Bind { addr, source };
    let listener = TcpListener::bind(addr).await.map_err(bind_error)?;
    let bound = listener.local_addr().map_err(bind_error)?;
    config.metrics.bound.set(bound);
    tracing::info!(address = %bound, "metrics: serving /metrics and /healthz");
    let state = Arc::new(Served {
        metrics: metrics.clone(),
        probes,
    });
    let task = tokio::spawn(serve(listener, state, cancel.clone()));
    Ok(Running {
        metrics,
        gateway,
        task,
    })
}

struct Served {
    metrics: Metrics,
    probes: Probes,
}

async fn serve(listener: TcpListener, state: Arc<Served>, cancel: CancellationToken) {
    let app = Router::new()
        .route("/metrics", get(metrics_page))
        .route("/healthz", get(healthz))
        .with_state(state);
    tokio::select! {
        served = axum::serve(listener, app).into_future() => {
            if let Err(e) = served {
                tracing::error!(error = %e, "metrics: the server stopped");
            }
        }
        () = cancel.cancelled() => {}
    }
    tracing::info!("metrics server stopped");
}

async fn metrics_page(State(state): State<Arc<Served>>) -> Response {
    state.probes.refresh(&state.metrics).await;
    (
        [(header::CONTENT_TYPE, CONTENT_TYPE)],
        state.metrics.encode(),
    )
        .into_response()
}

async fn healthz(State(state): State<Arc<Served>>) -> Response {
    match state.probes.health(&state.metrics).await {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(reason) => (StatusCode::SERVICE_UNAVAILABLE, format!("{reason}\n")).into_response(),
    }
}

/// Where a health check on this machine reaches a server bound to `listen`:
/// a wildcard address (`0.0.0.0`, `::`) is asked on loopback.
pub fn probe_address(listen: SocketAddr) -> SocketAddr {
    let ip = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, listen.port())
}

/// `trakt-herald health`: ask the running bot's `/healthz`. `Ok` with its
/// answer on 200; an error with the reason otherwise.
pub async fn check_health(config: &Config) -> Result<String, MetricsError> {
    let listen = config.metrics.listen.ok_or(MetricsError::NotListening)?;
    let addr = probe_address(listen);
    let base = format!("http://{addr}");
    let unreachable = |e: reqwest::Error| MetricsError::Unreachable {
        addr,
        reason: e.without_url().to_string(),
    };
    let client = crate::http::builder(&base, HEALTH_TIMEOUT)
        .build()
        .map_err(unreachable)?;
    let response = client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .map_err(unreachable)?;
    let status = response.status();
    let text = response.text().await.map_err(unreachable)?;
    let text = text.trim().to_owned();
    if status.is_success() {
        Ok(text)
    } else {
        Err(MetricsError::Unhealthy(format!(
            "{} {text}",
            status.as_u16()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_are_probed_on_loopback() {
        let at = |s: &str| s.parse::<SocketAddr>().unwrap();
        assert_eq!(probe_address(at("0.0.0.0:9184")), at("127.0.0.1:9184"));
        assert_eq!(probe_address(at("[::]:9184")), at("[::1]:9184"));
        assert_eq!(probe_address(at("10.1.2.3:80")), at("10.1.2.3:80"));
    }
}
