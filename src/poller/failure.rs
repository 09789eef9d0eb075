//! What a failed batch leads to. A 4xx naming the batch (not found, rejected)
//! is searched at once by halving, down to the show, which backs off. A
//! transient failure (5xx, timeout, after the client's retries) backs every
//! member off; the second one in a row splits the batch (`split`), and the
//! halves are polled at once: a failing half whose sibling succeeded is split
//! again, down to the one failing show, which backs off alone while the rest
//! flow. When both halves fail, Trakt is likely down for everyone: the search
//! stops there (no flood of requests) and every member backs off.

use tokio_util::sync::CancellationToken;

use super::plan::{narrow, Batch};
use super::{show_backoff, Halt, Poller, Totals};
use crate::clock::unix_now;
use crate::store::ShowFollowers;
use crate::trakt::TraktError;

impl Poller {
    /// Handle the failure `e` of `batch` (already counted).
    pub(super) async fn on_failure(
        &self,
        batch: &Batch,
        members: &[&ShowFollowers],
        e: TraktError,
        cancel: &CancellationToken,
    ) -> Result<Totals, Halt> {
        let show_specific = matches!(e, TraktError::NotFound { .. } | TraktError::Rejected { .. });
        if show_specific && batch.shows.len() > 1 {
            tracing::info!(error = %e, shows = batch.shows.len(), "poll: batch refused; splitting it to find the show");
            let mid = batch.shows.len() / 2;
            let mut totals = Totals::default();
            for half in [&batch.shows[..mid], &batch.shows[mid..]] {
                let sub = narrow(batch, half.to_vec(), members, self.overlap);
                let sub_members = members_of(&sub, members);
                totals = totals + self.poll_batch(&sub, &sub_members, cancel).await?;
            }
            return Ok(totals);
        }
        let split_now = !show_specific && self.memory().splits.failed(&batch.shows);
        if split_now {
            tracing::warn!(error = %e, shows = batch.shows.len(), "poll: batch failed twice in a row; splitting it so one failing show cannot hold up the others");
            return self.split_search(batch, members, cancel).await;
        }
        self.back_off(members, &e).await;
        Ok(Totals::default())
    }

    /// Split `batch` (remembered) and poll both halves now.
    async fn split_search(
        &self,
        batch: &Batch,
        members: &[&ShowFollowers],
        cancel: &CancellationToken,
    ) -> Result<Totals, Halt> {
        let (left, right) = self.memory().splits.split(&batch.shows);
        let left = narrow(batch, left, members, self.overlap);
        let right = narrow(batch, right, members, self.overlap);
        let l = self
            .try_batch(&left, &members_of(&left, members), cancel)
            .await?;
        let r = self
            .try_batch(&right, &members_of(&right, members), cancel)
            .await?;
        Ok(match (l, r) {
            (Ok(a), Ok(b)) => a + b,
            (Err(e), Ok(b)) => b + self.after_sibling_ok(&left, members, e, cancel).await?,
            (Ok(a), Err(e)) => a + self.after_sibling_ok(&right, members, e, cancel).await?,
            (Err(e1), Err(e2)) => {
                tracing::warn!(
                    shows = batch.shows.len(),
                    "poll: both halves failed too; Trakt looks down, backing off"
                );
                self.back_off(&members_of(&left, members), &e1).await;
                self.back_off(&members_of(&right, members), &e2).await;
                Totals::default()
            }
        })
    }

    /// A half failed while its sibling succeeded: the trouble is in this half.
    async fn after_sibling_ok(
        &self,
        half: &Batch,
        members: &[&ShowFollowers],
        e: TraktError,
        cancel: &CancellationToken,
    ) -> Result<Totals, Halt> {
        let half_members = members_of(half, members);
        let transient = !matches!(e, TraktError::NotFound { .. } | TraktError::Rejected { .. });
        if transient && half.shows.len() > 1 {
            return Box::pin(self.split_search(half, &half_members, cancel)).await;
        }
        Box::pin(self.on_failure(half, &half_members, e, cancel)).await
    }

    /// Record a failure of each member; each waits out its own backoff.
    pub(super) async fn back_off(&self, members: &[&ShowFollowers], e: &TraktError) {
        for m in members {
            let failures = m.state.failures + 1;
            let wait = show_backoff(self.interval, failures);
            let now = unix_now();
            let next = now + wait.as_secs() as i64;
            let show = m.show.clone();
            // A batch of one show that Trakt does not know: the show is gone.
            let gone = matches!(e, TraktError::NotFound { .. });
            let message = e.to_string();
            if let Err(se) = self
                .store
                .blocking(move |s| s.record_show_failure_because(&show, next, &message, now, gone))
                .await
            {
                tracing::error!(error = %se, "poll: cannot record a failure");
            }
            tracing::warn!(show = %m.show, error = %e, failures, retry_in = ?wait, "poll: show failed; backing off");
        }
    }
}

/// The members of `batch` among `members`.
fn members_of<'a>(batch: &Batch, members: &[&'a ShowFollowers]) -> Vec<&'a ShowFollowers> {
    members
        .iter()
        .copied()
        .filter(|m| batch.shows.contains(&m.show))
        .collect()
}
