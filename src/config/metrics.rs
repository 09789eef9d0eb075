//! `[metrics]`: where `/metrics` and `/healthz` listen (`metrics.listen`, an
//! IP address and port; unset: nothing listens), and the slot through which
//! the running bot tells where it actually listens (port 0 lets the system
//! choose, as tests do).

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use serde::Deserialize;

/// `[metrics]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// `metrics.listen`, e.g. `"0.0.0.0:9184"`. A value that is not an IP
    /// address with a port is a configuration error naming the key.
    pub listen: Option<SocketAddr>,
    /// Filled once the server is bound; not read from the file.
    #[serde(skip)]
    pub bound: BoundAddr,
}

/// Where the metrics server listens once bound. Clones share it: keep one
/// before handing the configuration to the bot.
#[derive(Clone, Debug, Default)]
pub struct BoundAddr(Arc<OnceLock<SocketAddr>>);

impl BoundAddr {
    /// Record the bound address (the first one recorded stays).
    pub fn set(&self, addr: SocketAddr) {
        let _ = self.0.set(addr);
    }

    /// The bound address, once the server listens.
    pub fn get(&self) -> Option<SocketAddr> {
        self.0.get().copied()
    }
}
