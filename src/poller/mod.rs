//! The poll loop: every `interval`, plan the due shows into batches
//! (`plan`), fetch each batch, turn the answer into one store commit (`route`,
//! `gaps`), and handle failures (`failure`, with the split memory of `split`).
//! Deciding is pure and lives in those modules; this one does the I/O. Every
//! store call runs on tokio's blocking pool (`Store::blocking`), never on an
//! async worker.
//!
//! The poller's memory (split cells, open gaps, holes logged) is in memory
//! only; what must survive a restart is expressed through the watermark it
//! commits (see `gaps`).

pub mod due;
mod failure;
pub mod gaps;
pub mod intervals;
pub mod plan;
pub mod route;
pub mod split;
pub mod v2;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

pub use self::plan::{plan, plan_with, Batch, Origin};
pub use self::route::route;
use crate::backoff::Backoff;
use crate::clock::unix_now;
use crate::metrics::Metrics;
use crate::store::{CommitStats, ShowFollowers, Store};
use crate::trakt::client::FetchOptions;
use crate::trakt::{Fetched, ShowRef, TraktClient, TraktError};

/// Longest a failing show waits between attempts.
pub const MAX_SHOW_BACKOFF: Duration = Duration::from_secs(3600);
/// How long dedupe keys are kept. It must exceed the longest gap between two
/// polls of a show (backoff included) plus the overlap, by a wide margin.
pub const DEDUPE_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);

/// Backoff for a show after `failures` consecutive failures: interval × 2ⁿ, capped.
pub fn show_backoff(interval: Duration, failures: u32) -> Duration {
    Backoff::new(interval.saturating_mul(2), MAX_SHOW_BACKOFF).delay(failures)
}

/// What the poller remembers between cycles (in memory only).
#[derive(Debug, Default)]
pub struct Memory {
    pub splits: split::Splits,
    pub gaps: gaps::Gaps,
    /// When the current cycle started (unix secs): the polls' time in the
    /// schedule records.
    pub cycle_start: i64,
    /// Each show's planned interval, for `/status`.
    pub intervals: intervals::Intervals,
}

/// The polling loop.
#[derive(Clone)]
pub struct Poller {
    pub store: Store,
    pub trakt: TraktClient,
    pub interval: Duration,
    pub overlap: Duration,
    pub batch_size: usize,
    /// Poked after a commit queued deliveries.
    pub wake_delivery: Arc<Notify>,
    /// Cycles, activities, failures (see [`crate::metrics`]).
    pub metrics: Metrics,
    /// Split cells and open gaps; `Default::default()` to start afresh.
    pub memory: Arc<Mutex<Memory>>,
    /// The adaptive schedule (`None`: every show every cycle).
    pub schedule: Option<due::Scheduling>,
}

/// Why a cycle ended early.
pub enum Halt {
    /// The API key was refused: polling stops until the bot is restarted.
    BadKey,
    Cancelled,
}

/// New activities, duplicates, deliveries queued and requests sent by some polls.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Totals(usize, usize, usize, u64);

impl std::ops::Add for Totals {
    type Output = Totals;
    fn add(self, o: Totals) -> Totals {
        Totals(self.0 + o.0, self.1 + o.1, self.2 + o.2, self.3 + o.3)
    }
}

impl Poller {
    /// Poll every `interval` until cancelled. Never returns on an error: a
    /// failing cycle is logged and the next one tries again.
    pub async fn run(self, cancel: CancellationToken) {
        let mut ticker = tokio::time::interval(self.interval);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = ticker.tick() => {}
            }
            match self.cycle(&cancel).await {
                Ok(()) => {}
                Err(Halt::Cancelled) => break,
                Err(Halt::BadKey) => {
                    tracing::error!(
                        "Trakt refused the API key (401): polling has stopped. Fix trakt.api_key / TRAKT_API_KEY and restart the bot."
                    );
                    cancel.cancelled().await;
                    break;
                }
            }
        }
        tracing::info!("poller stopped");
    }

    fn memory(&self) -> MutexGuard<'_, Memory> {
        // The memory is only an optimisation of the schedule; a panic while
        // it was held leaves it usable.
        self.memory.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One cycle over every due show.
    pub async fn cycle(&self, cancel: &CancellationToken) -> Result<(), Halt> {
        let timer = self.metrics.poll_cycle();
        let now = unix_now();
        let followed = match self.store.blocking(|s| s.followed_shows()).await {
            Ok(f) => f,
            Err(e) => {
                tracing::error!(error = %e, "poll: cannot read subscriptions");
                return Ok(());
            }
        };
        let (due, spread) = self.due(&followed, now);
        let by_show: HashMap<&ShowRef, &ShowFollowers> =
            followed.iter().map(|f| (&f.show, f)).collect();
        let plan = {
            let mut memory = self.memory();
            memory.splits.retain(|s| by_show.contains_key(s));
            memory.gaps.retain(|s| by_show.contains_key(s));
            memory.cycle_start = now;
            let m = &*memory;
            plan_with(&due, now, self.batch_size, self.overlap, &m.splits, &m.gaps)
        };
        let mut totals = Totals::default();
        let mut polled = 0;
        for batch in plan {
            if cancel.is_cancelled() {
                return Err(Halt::Cancelled);
            }
            let members: Vec<&ShowFollowers> = batch
                .shows
                .iter()
                .filter_map(|s| by_show.get(s).copied())
                .collect();
            polled += members.len();
            totals = totals + self.poll_batch(&batch, &members, cancel).await?;
        }
        let cutoff = now - DEDUPE_RETENTION.as_secs() as i64;
        if let Err(e) = self.store.blocking(move |s| s.prune_dedupe(cutoff)).await {
            tracing::warn!(error = %e, "poll: dedupe pruning failed");
        }
        timer.done();
        let Totals(new, dup, queued, requests) = totals;
        tracing::info!(
            shows = followed.len(),
            polled,
            requests,
            new_activities = new,
            duplicates = dup,
            deliveries_queued = queued,
            interval_min_secs = spread.map(|s| s.0),
            interval_median_secs = spread.map(|s| s.1),
            interval_max_secs = spread.map(|s| s.2),
            "poll cycle done"
        );
        Ok(())
    }

    /// The shows due this cycle (all of them without a schedule) and the
    /// spread of their intervals (min, median, max seconds).
    fn due<'f>(
        &self,
        followed: &'f [ShowFollowers],
        now: i64,
    ) -> (Vec<&'f ShowFollowers>, Option<(u64, u64, u64)>) {
        let Some(sched) = self.schedule else {
            return (followed.iter().collect(), None);
        };
        let records: Vec<_> = followed.iter().map(|f| f.state.schedule).collect();
        let settings = due::Settings {
            fastest: self.interval,
            slowest: sched.max_interval,
            // One request polls a whole batch.
            polls_per_second: due::polls_per_second(
                sched.requests_per_second,
                0.0,
                1.0 / self.batch_size.max(1) as f64,
            ),
        };
        let plan = due::plan_due(&records, now, settings);
        let spread = due::log_intervals(&plan, followed.iter().map(|f| &f.show));
        self.memory()
            .intervals
            .publish(followed.iter().map(|f| &f.show), &plan.intervals);
        let due = followed
            .iter()
            .zip(&plan.due)
            .filter(|(_, d)| **d)
            .map(|(f, _)| f)
            .collect();
        (due, spread)
    }

    /// Fetch one batch and commit it; on a failure, see `failure`.
    async fn poll_batch(
        &self,
        batch: &Batch,
        members: &[&ShowFollowers],
        cancel: &CancellationToken,
    ) -> Result<Totals, Halt> {
        match self.try_batch(batch, members, cancel).await? {
            Ok(totals) => Ok(totals),
            Err(e) => Box::pin(self.on_failure(batch, members, e, cancel)).await,
        }
    }

    /// Fetch one batch and commit it. `Err(Halt)` for what stops the cycle;
    /// `Ok(Err(e))` for a failed fetch, left to the caller.
    async fn try_batch(
        &self,
        batch: &Batch,
        members: &[&ShowFollowers],
        cancel: &CancellationToken,
    ) -> Result<Result<Totals, TraktError>, Halt> {
        let opts = FetchOptions {
            start: batch.start,
            end: batch.end,
            pages: batch.pages,
        };
        let fetched = tokio::select! {
            _ = cancel.cancelled() => return Err(Halt::Cancelled),
            r = self.trakt.fetch_with(&batch.shows, batch.actions, opts) => r,
        };
        match fetched {
            Ok(fetched) => {
                let totals = self.commit(batch, members, &fetched).await;
                Ok(Ok(totals + Totals(0, 0, 0, u64::from(fetched.requests))))
            }
            Err(TraktError::Unauthorized { .. }) => Err(Halt::BadKey),
            Err(e) => {
                self.metrics.poll_failed();
                Ok(Err(e))
            }
        }
    }

    /// Route a successful fetch, settle watermarks and gaps, and commit.
    async fn commit(&self, batch: &Batch, members: &[&ShowFollowers], fetched: &Fetched) -> Totals {
        let mut commit = route(members, fetched, self.overlap, unix_now());
        let (watermarks, events) = {
            let mut memory = self.memory();
            commit.polled = members
                .iter()
                .map(|f| (f.show.clone(), memory.cycle_start))
                .collect();
            memory.splits.succeeded(&batch.shows);
            for f in members {
                for hole in memory.gaps.new_holes(&f.show, fetched) {
                    self.metrics.poll_hole();
                    tracing::warn!(show = %f.show, second = hole.0, "poll: over 100 activities in one second; Trakt cannot page through them, some may be missing for good");
                }
            }
            memory.gaps.settle(batch.origin, members, fetched)
        };
        commit.watermarks = watermarks;
        log_gap_events(&events);
        match self.store.blocking(move |s| s.commit_poll(commit)).await {
            Ok(stats) => self.count(stats),
            Err(e) => {
                tracing::error!(error = %e, "poll: commit failed; the batch will be fetched again");
                Totals::default()
            }
        }
    }

    fn count(&self, stats: CommitStats) -> Totals {
        self.metrics
            .activities(stats.new_activities, stats.duplicates);
        if stats.queued > 0 {
            self.wake_delivery.notify_one();
        }
        Totals(stats.new_activities, stats.duplicates, stats.queued, 0)
    }
}

/// Each gap event once: opening at warn, the rest quieter.
fn log_gap_events(events: &[gaps::GapEvent]) {
    for event in events {
        match event {
            gaps::GapEvent::Opened { show, from, upper } => tracing::warn!(
                %show, from = from.0, upper = upper.0,
                "poll: too much activity to page through in one cycle; the watermark stays, the rest of the window is fetched next cycles"
            ),
            gaps::GapEvent::Narrowed { show, upper } => {
                tracing::debug!(%show, upper = upper.0, "poll: gap narrowed")
            }
            gaps::GapEvent::Closed { show, head } => {
                tracing::info!(%show, watermark = head.0, "poll: gap filled; the watermark moves on")
            }
        }
    }
}

#[cfg(test)]
mod test_support {
    use crate::ids::ChannelId;
    use crate::store::{ShowFollowers, ShowState};
    use crate::trakt::{ActionSet, Activity, ShowRef, TraktTime};

    pub fn show(s: &str) -> ShowRef {
        ShowRef::parse(s).unwrap()
    }

    pub fn followers(
        slug: &str,
        channels: &[(u64, &str)],
        watermark: Option<i64>,
        next: Option<i64>,
    ) -> ShowFollowers {
        let channels: Vec<(ChannelId, ActionSet)> = channels
            .iter()
            .map(|(c, a)| (ChannelId(*c), ActionSet::parse(a).unwrap()))
            .collect();
        ShowFollowers {
            show: show(slug),
            wanted: channels
                .iter()
                .fold(ActionSet::none(), |acc, (_, a)| acc.union(*a)),
            channels,
            state: ShowState {
                v2: Default::default(),
                schedule: Default::default(),
                watermark: watermark.map(TraktTime),
                failures: 0,
                next_attempt: next,
                error: None,
            },
        }
    }

    pub fn activity(id: u64, ts: i64, action: &str, slug: Option<&str>) -> Activity {
        let show = slug.map_or(String::new(), |s| {
            format!(r#","show":{{"title":"T","url":"http://trakt.tv/show/{s}"}}"#)
        });
        serde_json::from_str(&format!(
            r#"{{"id":{id},"timestamp":{ts},"type":"episode","action":"{action}","user":{{"username":"u"}}{show}}}"#
        ))
        .unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_backoff_doubles_and_caps() {
        let i = Duration::from_secs(60);
        assert_eq!(show_backoff(i, 1), Duration::from_secs(120));
        assert_eq!(show_backoff(i, 3), Duration::from_secs(480));
        assert_eq!(show_backoff(i, 30), MAX_SHOW_BACKOFF);
    }
}
