//! The gateway as the metrics see it: the Discord client hands its shard
//! manager over once ([`Gateway::attach`]); each scrape or health check reads
//! every shard runner's connection stage and heartbeat latency from it.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use poise::serenity_prelude as serenity;

/// A slot for the shard manager, shared by the Discord client and the
/// metrics server. Cheap to clone.
#[derive(Clone, Default)]
pub struct Gateway {
    manager: Arc<Mutex<Option<Arc<serenity::ShardManager>>>>,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway").finish_non_exhaustive()
    }
}

/// One shard runner as last reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShardStatus {
    pub id: u32,
    pub connected: bool,
    pub latency: Option<Duration>,
}

/// Every shard runner the manager has.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GatewayStatus {
    pub shards: Vec<ShardStatus>,
}

impl GatewayStatus {
    /// Shards connected.
    pub fn connected(&self) -> usize {
        self.shards.iter().filter(|s| s.connected).count()
    }

    /// Connected: at least one shard runs and every running shard is connected
    /// (a shard being restarted leaves the runners until it starts again).
    pub fn is_up(&self) -> bool {
        !self.shards.is_empty() && self.shards.iter().all(|s| s.connected)
    }
}

impl Gateway {
    /// The Discord client's shard manager, once it is built.
    pub fn attach(&self, manager: Arc<serenity::ShardManager>) {
        *self.manager.lock().unwrap_or_else(PoisonError::into_inner) = Some(manager);
    }

    /// Every shard's stage and latency now (no shard before [`Gateway::attach`]).
    pub async fn status(&self) -> GatewayStatus {
        let manager = self
            .manager
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let Some(manager) = manager else {
            return GatewayStatus::default();
        };
        let runners = manager.runners.lock().await;
        let mut shards: Vec<ShardStatus> = runners
            .iter()
            .map(|(id, info)| ShardStatus {
                id: id.0,
                connected: info.stage == serenity::ConnectionStage::Connected,
                latency: info.latency,
            })
            .collect();
        shards.sort_by_key(|s| s.id);
        GatewayStatus { shards }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard(id: u32, connected: bool) -> ShardStatus {
        ShardStatus {
            id,
            connected,
            latency: None,
        }
    }

    #[test]
    fn up_only_when_every_running_shard_is_connected() {
        assert!(!GatewayStatus::default().is_up(), "no shard yet");
        let both = GatewayStatus {
            shards: vec![shard(0, true), shard(1, true)],
        };
        assert!(both.is_up());
        assert_eq!(both.connected(), 2);
        let one_down = GatewayStatus {
            shards: vec![shard(0, true), shard(1, false)],
        };
        assert!(!one_down.is_up());
        assert_eq!(one_down.connected(), 1);
    }

    #[tokio::test]
    async fn nothing_attached_reports_no_shard() {
        assert_eq!(Gateway::default().status().await, GatewayStatus::default());
    }
}
