//! Which followed shows a cycle polls, pure: each show's interval from the
//! allocation of `crate::schedule` (√rate, clamped between `poll.interval`
//! and `poll.max_interval`) over the request budget left for shows, and
//! whether it is due now. Shared by the v1 and v2 pollers; v1 then batches
//! the due shows (`plan`), v2 reads each due show's own sources.
//!
//! A cycle runs every `poll.interval`, so a show is due when its due time
//! falls within half a cycle of now (the nearest cycle), and the allocation
//! plans the slowest interval one cycle under `poll.max_interval`: no show
//! waits longer than that. A show never polled (a new follow) is due at once.

use std::time::Duration;

use crate::schedule::{allocate, Budget, Limits, Policy, Record};

/// Share of the request budget the schedule plans for: the rest is headroom
/// for the commands (lookups, autocomplete) and for polls falling due together.
pub const HEADROOM: f64 = 0.9;

/// The adaptive schedule's configuration in a poller (`None` there: every
/// show is polled every cycle, as tests and benchmarks driving cycles by
/// hand want).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scheduling {
    /// `poll.max_interval`.
    pub max_interval: Duration,
    /// `trakt.max_requests_per_second`: the budget shared out.
    pub requests_per_second: f64,
}

/// What the allocation needs besides the records.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// `poll.interval`: the cycle, and the fastest a show is polled.
    pub fastest: Duration,
    /// `poll.max_interval`.
    pub slowest: Duration,
    /// Show polls per second the budget pays for (after what goes first).
    pub polls_per_second: f64,
}

/// This cycle's decision for every show, in the order of the records.
#[derive(Clone, Debug, PartialEq)]
pub struct DuePlan {
    pub due: Vec<bool>,
    pub intervals: Vec<Duration>,
    /// Set when even every show at `poll.max_interval` is over the budget:
    /// the limiter then stretches the cycles by about this factor.
    pub overload: Option<f64>,
}

impl DuePlan {
    /// The shortest, median and longest interval (`None` without shows).
    pub fn spread(&self) -> Option<(Duration, Duration, Duration)> {
        let mut sorted = self.intervals.clone();
        sorted.sort_unstable();
        let (first, last) = (sorted.first()?, sorted.last()?);
        Some((*first, sorted[sorted.len() / 2], *last))
    }

    pub fn due_count(&self) -> usize {
        self.due.iter().filter(|d| **d).count()
    }
}

/// The limits the allocation plans within (see the module header).
pub fn limits(s: &Settings) -> Limits {
    let fastest = s.fastest.max(Duration::from_secs(1));
    Limits {
        min_interval: fastest,
        max_interval: s.slowest.saturating_sub(fastest).max(fastest),
    }
}

/// Each show's interval and whether it is due at `now` (unix secs).
pub fn plan_due(records: &[Record], now: i64, s: Settings) -> DuePlan {
    let rates: Vec<f64> = records.iter().map(|r| r.alloc_rate(s.fastest)).collect();
    let budget = Budget {
        per_second: s.polls_per_second,
        reserved: 0.0,
    };
    let alloc = allocate(&rates, budget, limits(&s), Policy::default());
    let tolerance = i64::try_from(s.fastest.as_secs() / 2).unwrap_or(0);
    let due = records
        .iter()
        .zip(&alloc.intervals)
        .map(|(r, i)| r.due_at(*i, now) <= now.saturating_add(tolerance))
        .collect();
    DuePlan {
        due,
        overload: alloc.overload.map(|o| o.factor),
        intervals: alloc.intervals,
    }
}

/// Show polls per second a budget of `requests_per_second` pays for, after
/// `reserved` requests per second and at `cost` requests per show poll
/// (v1: a request polls a whole batch, so its cost is 1 / batch size).
pub fn polls_per_second(requests_per_second: f64, reserved: f64, cost: f64) -> f64 {
    let left = (requests_per_second * HEADROOM - reserved).max(0.0);
    let polls = left / cost.max(1e-3);
    if polls.is_finite() {
        polls
    } else {
        0.0
    }
}

/// Logs each show's interval (debug) and returns the spread for the cycle line.
pub fn log_intervals<'a>(
    plan: &DuePlan,
    names: impl Iterator<Item = &'a crate::trakt::ShowRef>,
) -> Option<(u64, u64, u64)> {
    if tracing::enabled!(tracing::Level::DEBUG) {
        for ((show, interval), due) in names.zip(&plan.intervals).zip(&plan.due) {
            tracing::debug!(%show, interval_secs = interval.as_secs(), due, "poll: schedule");
        }
    }
    if let Some(factor) = plan.overload {
        tracing::warn!(
            factor,
            "poll: the request budget cannot poll every show even at poll.max_interval; cycles stretch"
        );
    }
    plan.spread()
        .map(|(a, b, c)| (a.as_secs(), b.as_secs(), c.as_secs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);
    const HOUR: Duration = Duration::from_secs(3600);

    fn settings(polls_per_second: f64) -> Settings {
        Settings {
            fastest: MIN,
            slowest: HOUR,
            polls_per_second,
        }
    }

    /// A show polled every minute since `t0`, finding `per_poll` each time, last at `now`.
    fn observed(per_poll: u64, polls: i64, now: i64) -> Record {
        (0..=polls).fold(Record::default(), |r, k| {
            r.polled(if k == 0 { 0 } else { per_poll }, now - (polls - k) * 60)
        })
    }

    #[test]
    fn unknown_shows_are_polled_every_cycle_when_the_budget_allows() {
        let records = vec![Record::default().polled(0, 0); 10];
        let plan = plan_due(&records, 60, settings(1.0));
        assert!(plan.intervals.iter().all(|i| *i == MIN), "{plan:?}");
        assert_eq!(plan.due_count(), 10);
        assert_eq!(plan.spread(), Some((MIN, MIN, MIN)));
    }

    #[test]
    fn new_follows_are_due_at_once_and_others_at_their_interval() {
        let fresh = Record::default();
        let just = Record::default().polled(0, 100);
        let plan = plan_due(&[fresh, just], 100, settings(1.0));
        assert_eq!(plan.due, vec![true, false]);
        // Half a cycle early counts as due (the nearest cycle).
        let plan = plan_due(&[just], 100 + 30, settings(1.0));
        assert_eq!(plan.due, vec![true]);
        let plan = plan_due(&[just], 100 + 29, settings(1.0));
        assert_eq!(plan.due, vec![false]);
    }

    #[test]
    fn a_tight_budget_goes_to_the_busy_show_and_the_quiet_one_still_comes() {
        let now = 100_000;
        let busy = observed(5, 120, now);
        let quiet = observed(0, 120, now);
        // Two shows, one poll per 90 s between them.
        let plan = plan_due(&[busy, quiet], now, settings(1.0 / 90.0));
        let (b, q) = (plan.intervals[0], plan.intervals[1]);
        assert!(b < q, "{plan:?}");
        assert!(b >= MIN && q <= HOUR - MIN, "{plan:?}");
        let spent: f64 = plan.intervals.iter().map(|i| 1.0 / i.as_secs_f64()).sum();
        assert!(spent <= 1.0 / 90.0 + 1e-12, "{spent}");
    }

    #[test]
    fn a_burst_speeds_a_quiet_show_up_at_the_next_cycle() {
        let now = 100_000;
        let quiet = observed(0, 600, now);
        let other = observed(1, 600, now);
        let s = settings(1.0 / 120.0);
        let before = plan_due(&[quiet, other], now, s).intervals[0];
        let burst = quiet.polled(8, now + 60);
        let after = plan_due(&[burst, other], now + 60, s).intervals[0];
        assert!(after < before, "{after:?} vs {before:?}");
    }

    #[test]
    fn the_slowest_is_one_cycle_under_max_interval_and_overload_is_reported() {
        let s = Settings {
            fastest: Duration::from_secs(1),
            slowest: Duration::from_secs(4),
            polls_per_second: 0.01,
        };
        assert_eq!(limits(&s).max_interval, Duration::from_secs(3));
        let records = vec![observed(0, 5, 1_000); 3];
        let plan = plan_due(&records, 1_000, s);
        assert!(plan.intervals.iter().all(|i| *i == Duration::from_secs(3)));
        assert!(plan.overload.is_some_and(|f| f > 1.0), "{plan:?}");
        let same = Settings {
            slowest: Duration::from_secs(1),
            ..s
        };
        assert_eq!(limits(&same).max_interval, Duration::from_secs(1));
    }

    #[test]
    fn polls_per_second_takes_the_reserve_and_the_cost() {
        assert!((polls_per_second(2.0, 0.3, 0.5) - 3.0).abs() < 1e-9);
        assert_eq!(polls_per_second(1.0, 5.0, 1.0), 0.0);
        assert!((polls_per_second(1.0, 0.0, 0.0) - 900.0).abs() < 1e-6);
        assert_eq!(polls_per_second(f64::NAN, 0.0, 1.0), 0.0);
    }
}
