//! Sharding in the fake Discord: what `GET /gateway/bot` recommends, the live
//! session of each shard, and dispatching an interaction on a chosen shard.

use std::time::Duration;

use tokio::sync::mpsc;

use super::{CommandInvocation, FakeDiscord, GatewayCommand, InteractionRef, State};

impl State {
    /// An identified (or resumed) connection of `shard` is live on `tx`.
    pub(super) fn shard_opened(&mut self, shard: u64, tx: &mpsc::UnboundedSender<GatewayCommand>) {
        self.shard_sessions.insert(shard, tx.clone());
        *self.open_shards.entry(shard).or_default() += 1;
    }

    /// The connection of `shard` on `tx` ended.
    pub(super) fn shard_closed(&mut self, shard: u64, tx: &mpsc::UnboundedSender<GatewayCommand>) {
        if self
            .shard_sessions
            .get(&shard)
            .is_some_and(|c| c.same_channel(tx))
        {
            self.shard_sessions.remove(&shard);
        }
        if let Some(open) = self.open_shards.get_mut(&shard) {
            *open = open.saturating_sub(1);
            if *open == 0 {
                self.open_shards.remove(&shard);
            }
        }
    }
}

impl FakeDiscord {
    /// Makes `GET /gateway/bot` recommend `shards` shards (default 1).
    pub fn set_recommended_shards(&self, shards: u64) {
        self.shared
            .update(|state| state.recommended_shards = Some(shards));
    }

    /// Identified gateway connections still open, by shard id.
    pub fn open_shards(&self) -> Vec<u64> {
        self.shared.lock().open_shards.keys().copied().collect()
    }

    /// Dispatches an application command on the live session of `shard`,
    /// waiting up to 10 s for that shard to be identified.
    pub async fn interact_on_shard(
        &self,
        shard: u64,
        invocation: CommandInvocation,
    ) -> InteractionRef {
        self.dispatch_interaction(invocation, 2, None, Some(shard))
            .await
    }

    /// Waits until `n` IDENTIFYs arrived and returns their `shard` fields.
    pub async fn wait_identified_shards(&self, n: usize, timeout: Duration) -> Vec<[u64; 2]> {
        self.wait_for(
            |state| {
                (state.identifies.len() >= n)
                    .then(|| state.identifies.iter().map(|i| i.shard).collect())
            },
            timeout,
        )
        .await
    }
}
