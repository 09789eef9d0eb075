//! When each show is polled next: due times from the last poll and the
//! interval, new follows at once, the burst rule, and v1 batching of shows
//! due at about the same time. Times are Unix seconds, given by the caller.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::alloc::Allocation;
use super::rate::RateEstimate;

/// What the schedule remembers of one show (or one feed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ShowPlan {
    pub rate: RateEstimate,
    /// The current interval; `None` until the first allocation covers the show.
    pub interval: Option<Duration>,
    /// When it was last polled; `None` for a new follow.
    pub last_poll: Option<i64>,
}

/// A poll found a burst: at least `min_found` activities and more than
/// `factor` times what the estimate expected over the window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BurstRule {
    pub min_found: u64,
    pub factor: f64,
}

impl Default for BurstRule {
    fn default() -> Self {
        BurstRule {
            min_found: 3,
            factor: 4.0,
        }
    }
}

/// When a show is due: at once for a new follow (never polled, or no interval
/// yet), else `interval` after its last poll.
pub fn due_at(plan: &ShowPlan, now: i64) -> i64 {
    match (plan.last_poll, plan.interval) {
        (Some(last), Some(interval)) => last.saturating_add(secs(interval)),
        _ => now,
    }
}

/// Whether `found` activities over `window` are a burst for `rate`.
pub fn is_burst(rule: BurstRule, rate: &RateEstimate, found: u64, window: Duration) -> bool {
    found >= rule.min_found && found as f64 > rule.factor * rate.expected(window)
}

/// The plan after a poll at `now` that found `found` new activities.
///
/// The first poll of a new follow only starts the clock (what it finds is
/// history, not activity). After a burst the estimate restarts from the
/// window that found it, and the interval shrinks at once to what the
/// allocation gives that rate, without waiting for the next re-allocation;
/// otherwise the rate is updated and the interval kept until then.
pub fn after_poll(
    plan: ShowPlan,
    found: u64,
    now: i64,
    half_life: Duration,
    rule: BurstRule,
    alloc: &Allocation,
) -> ShowPlan {
    let Some(last) = plan.last_poll else {
        return ShowPlan {
            last_poll: Some(now),
            ..plan
        };
    };
    let window = Duration::from_secs(u64::try_from(now.saturating_sub(last)).unwrap_or(0));
    if is_burst(rule, &plan.rate, found, window) {
        let rate = RateEstimate::restart(found, window);
        let burst_interval = alloc.interval_for(rate.per_hour());
        ShowPlan {
            rate,
            interval: Some(
                plan.interval
                    .map_or(burst_interval, |i| i.min(burst_interval)),
            ),
            last_poll: Some(now),
        }
    } else {
        ShowPlan {
            rate: plan.rate.observe(found, window, half_life),
            interval: plan.interval,
            last_poll: Some(now),
        }
    }
}

/// v1 batching: the shows to poll at `now`, `batch_size` to a request. Shows
/// due by `now + tolerance` ride along, most overdue first, so that shows due
/// at about the same time share a request; a batch none of whose shows is
/// due yet waits.
pub fn batch_due<K: Clone>(
    due: &[(K, i64)],
    now: i64,
    tolerance: Duration,
    batch_size: usize,
) -> Vec<Vec<K>> {
    let horizon = now.saturating_add(secs(tolerance));
    let mut ready: Vec<&(K, i64)> = due.iter().filter(|(_, at)| *at <= horizon).collect();
    ready.sort_by_key(|(_, at)| *at);
    ready
        .chunks(batch_size.max(1))
        .filter(|chunk| chunk.first().is_some_and(|(_, at)| *at <= now))
        .map(|chunk| chunk.iter().map(|(k, _)| k.clone()).collect())
        .collect()
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

#[cfg(test)]
#[path = "next_tests.rs"]
mod tests;
