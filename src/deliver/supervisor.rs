//! Which channels have a running task, and what happens when one ends: a
//! normal end frees the channel; a panic is logged with its channel and the
//! channel is restarted only after a backoff (growing while it keeps failing);
//! a cancelled task is no failure. One failing task never touches the others.

use std::collections::{HashMap, HashSet};
use std::future::Future;

use tokio::task::{Id, JoinError, JoinSet};
use tokio::time::Instant;

use super::decide::backoff;
use crate::ids::ChannelId;

/// The channel tasks.
#[derive(Default)]
pub(super) struct Supervisor {
    tasks: JoinSet<()>,
    by_task: HashMap<Id, ChannelId>,
    running: HashSet<ChannelId>,
    /// Channels whose task failed: consecutive failures, and when the next
    /// task may start.
    failed: HashMap<ChannelId, (u32, Instant)>,
}

impl Supervisor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Start `make()` for `channel` unless it runs already or is waiting out a
    /// failure backoff at `now`; `true` when started.
    pub fn start<F, Fut>(&mut self, channel: ChannelId, now: Instant, make: F) -> bool
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        if self.running.contains(&channel) {
            return false;
        }
        if self.failed.get(&channel).is_some_and(|(_, at)| *at > now) {
            return false;
        }
        let handle = self.tasks.spawn(make());
        self.by_task.insert(handle.id(), channel);
        self.running.insert(channel);
        true
    }

    /// Is a task running for `channel`?
    #[cfg(test)]
    pub fn is_running(&self, channel: ChannelId) -> bool {
        self.running.contains(&channel)
    }

    /// The next task to end (pending for ever while none runs).
    pub async fn join_next(&mut self) -> Option<Result<(Id, ()), JoinError>> {
        if self.tasks.is_empty() {
            return std::future::pending().await;
        }
        self.tasks.join_next_with_id().await
    }

    /// Book-keeping for an ended task; the channel when its task failed.
    pub fn finished(
        &mut self,
        done: Result<(Id, ()), JoinError>,
        now: Instant,
    ) -> Option<ChannelId> {
        let id = match &done {
            Ok((id, ())) => *id,
            Err(e) => e.id(),
        };
        let channel = self.by_task.remove(&id)?;
        self.running.remove(&channel);
        match done {
            Ok(_) => {
                self.failed.remove(&channel);
                None
            }
            Err(e) if e.is_cancelled() => None,
            Err(e) => {
                let failures = self.failed.get(&channel).map_or(0, |(n, _)| *n) + 1;
                let wait = backoff(failures);
                self.failed.insert(channel, (failures, now + wait));
                tracing::error!(%channel, error = %e, failures, ?wait, "delivery task for a channel failed; restarting it after a pause");
                Some(channel)
            }
        }
    }

    /// Wait for every task to end.
    pub async fn drain(&mut self) {
        while let Some(done) = self.tasks.join_next_with_id().await {
            let _ = self.finished(done, Instant::now());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const A: ChannelId = ChannelId(1);
    const B: ChannelId = ChannelId(2);

    #[tokio::test(start_paused = true)]
    async fn a_panicking_task_is_restarted_after_a_backoff_and_others_keep_running() {
        let mut sup = Supervisor::new();
        let (b_done_tx, b_done_rx) = tokio::sync::oneshot::channel::<()>();
        assert!(sup.start(A, Instant::now(), || async { panic!("boom in A") }));
        assert!(sup.start(B, Instant::now(), || async {
            let _ = b_done_rx.await;
        }));
        assert!(
            !sup.start(B, Instant::now(), || async {}),
            "one task per channel"
        );

        let done = sup.join_next().await.expect("a task ended");
        let t = Instant::now();
        assert_eq!(
            sup.finished(done, t),
            Some(A),
            "A's failure is reported as A's"
        );
        assert!(sup.is_running(B), "B is untouched");
        assert!(!sup.is_running(A));

        // Not before the backoff; then it starts again.
        assert!(!sup.start(A, t + Duration::from_millis(999), || async {}));
        assert!(sup.start(A, t + backoff(1), || async {}));
        let done = sup.join_next().await.expect("A's second task ended");
        assert_eq!(sup.finished(done, Instant::now()), None, "a normal end");
        assert!(sup.is_running(B));

        let _ = b_done_tx.send(());
        let done = sup.join_next().await.expect("B ended");
        assert_eq!(sup.finished(done, Instant::now()), None);
        assert!(!sup.is_running(B));
    }

    #[tokio::test(start_paused = true)]
    async fn repeated_failures_wait_longer_and_cancellation_is_no_failure() {
        let mut sup = Supervisor::new();
        let t = Instant::now();
        for failures in 1..=3 {
            let now = Instant::now();
            assert!(sup.start(A, now + Duration::from_secs(3600), || async {
                panic!("again")
            }));
            let done = sup.join_next().await.expect("ended");
            assert_eq!(sup.finished(done, t), Some(A));
            assert_eq!(sup.failed[&A], (failures, t + backoff(failures)));
        }
        // An aborted task (as at shutdown) is not counted as a failure.
        assert!(sup.start(B, t, std::future::pending::<()>));
        sup.tasks.abort_all();
        let done = sup.join_next().await.expect("ended");
        assert_eq!(sup.finished(done, t), None);
        assert!(!sup.failed.contains_key(&B));
        assert!(!sup.is_running(B));
    }
}
