//! Sharing the request budget out between shows: each show's poll interval
//! from its activity rate.
//!
//! The rule is √rate (for Poisson activity, polling show *i* at a frequency
//! proportional to √λᵢ minimises the mean delay for a fixed number of
//! requests), water-filled between the clamps: a show is never polled faster
//! than `min_interval` nor slower than `max_interval`; the budget a show
//! clamped at `min_interval` does not use goes to the others, and a show at
//! `max_interval` still costs `1 / max_interval`. Shows with rate 0 get
//! `max_interval`.
//!
//! The tail guard ([`Policy::tail_share`]) keeps the √ rule from starving
//! the middle: only the quietest shows, together carrying at most that share
//! of the estimated activity, may be polled slower than the *fair interval*
//! (what one interval for all would be: shows / budget). Every other show is
//! polled at least that often, so all but that share of activities wait no
//! longer than under round robin (the p99 stays put) while the busiest shows
//! still get the rest of the budget.

use std::time::Duration;

/// Requests per second the shows may use.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Budget {
    /// The whole budget, requests per second (v2: 450 per 5 min is 1.5).
    pub per_second: f64,
    /// Spent first on other feeds (v2: the global comment feed), per second.
    pub reserved: f64,
}

impl Budget {
    /// What is left for the per-show feeds (never negative).
    pub fn available(&self) -> f64 {
        let left = self.per_second - self.reserved;
        if left.is_finite() {
            left.max(0.0)
        } else {
            0.0
        }
    }
}

/// The fastest and the slowest poll interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `poll.interval`: no show is polled more often.
    pub min_interval: Duration,
    /// `poll.max_interval`: no show waits longer.
    pub max_interval: Duration,
}

/// Tuning of the allocation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Policy {
    /// Share of the estimated activity (0–1) whose shows may be polled more
    /// slowly than the fair interval. 1 is the pure √ rule.
    pub tail_share: f64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy { tail_share: 0.005 }
    }
}

/// Even every show at `max_interval` costs more than the budget.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Overload {
    /// Requests per second at `max_interval` for all / the budget (> 1): the
    /// caller stretches its cycles by this factor, every show keeping its turn.
    pub factor: f64,
}

/// The water level: what turns a rate into an interval, for every show of
/// the allocation and for a show re-estimated since (the burst rule).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Level {
    /// Polls per second per √(activity per hour); infinite when the budget
    /// is not binding.
    scale: f64,
    /// Shows with a rate at or below this are the tail (`None`: no tail).
    tail_max_rate: Option<f64>,
    /// Slowest frequency (polls per second) of a show outside the tail.
    fair_freq: f64,
    min_freq: f64,
    max_freq: f64,
}

impl Level {
    fn floor_freq(&self, rate: f64) -> f64 {
        match self.tail_max_rate {
            Some(t) if rate <= t => self.min_freq,
            _ => self.fair_freq,
        }
    }

    /// Polls per second for a show of `rate` activities per hour.
    fn freq(&self, rate: f64) -> f64 {
        let floor = self.floor_freq(rate);
        if rate <= 0.0 {
            return floor;
        }
        let want = self.scale * rate.sqrt();
        if want.is_nan() {
            return floor;
        }
        want.clamp(floor, self.max_freq)
    }
}

/// Each show's interval, in the order of the rates given.
#[derive(Clone, Debug, PartialEq)]
pub struct Allocation {
    pub intervals: Vec<Duration>,
    /// Set when the budget cannot pay for every show at `max_interval`.
    pub overload: Option<Overload>,
    limits: Limits,
    level: Level,
}

impl Allocation {
    /// The interval a show of `rate` activities per hour gets at this
    /// allocation's level (what [`allocate`] gave a show of that rate).
    pub fn interval_for(&self, rate: f64) -> Duration {
        to_interval(self.level.freq(sane(rate)), self.limits)
    }

    /// Requests per second the intervals spend.
    pub fn requests_per_second(&self) -> f64 {
        self.intervals.iter().map(|i| 1.0 / i.as_secs_f64()).sum()
    }
}

/// Each show's poll interval for `rates` (activities per hour), spending at
/// most the available budget when that is feasible.
pub fn allocate(rates: &[f64], budget: Budget, limits: Limits, policy: Policy) -> Allocation {
    let limits = ordered(limits);
    let rates: Vec<f64> = rates.iter().map(|&r| sane(r)).collect();
    let available = budget.available();
    let min_freq = 1.0 / limits.max_interval.as_secs_f64();
    let max_freq = 1.0 / limits.min_interval.as_secs_f64();
    let n = rates.len() as f64;
    let fair_freq = (available / n.max(1.0)).clamp(min_freq, max_freq);
    let mut level = Level {
        scale: 0.0,
        tail_max_rate: tail_max_rate(&rates, policy.tail_share),
        fair_freq,
        min_freq,
        max_freq,
    };
    let cost = |level: &Level| rates.iter().map(|&r| level.freq(r)).sum::<f64>();
    let floor_cost = cost(&level);
    let overload = if n * min_freq > available * (1.0 + 1e-12) {
        level.fair_freq = min_freq;
        level.tail_max_rate = None;
        Some(Overload {
            factor: if available > 0.0 {
                n * min_freq / available
            } else {
                f64::INFINITY
            },
        })
    } else {
        level.scale = water_level(&level, floor_cost, available, cost);
        None
    };
    let intervals = rates
        .iter()
        .map(|&r| to_interval(level.freq(r), limits))
        .collect();
    Allocation {
        intervals,
        overload,
        limits,
        level,
    }
}

/// The largest scale whose cost stays within `available` (bisection: the
/// cost is non-decreasing in the scale).
fn water_level(
    level: &Level,
    floor_cost: f64,
    available: f64,
    cost: impl Fn(&Level) -> f64,
) -> f64 {
    if floor_cost > available {
        return 0.0;
    }
    let at = |scale: f64| cost(&Level { scale, ..*level });
    if at(f64::INFINITY) <= available {
        return f64::INFINITY;
    }
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    while at(hi) <= available {
        lo = hi;
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = lo + (hi - lo) / 2.0;
        if mid <= lo || mid >= hi {
            break;
        }
        if at(mid) <= available {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The largest rate such that the shows at or below it carry at most
/// `share` of the total (equal rates are all in or all out).
fn tail_max_rate(rates: &[f64], share: f64) -> Option<f64> {
    let total: f64 = rates.iter().sum();
    let allowed = share.clamp(0.0, 1.0) * total;
    let mut sorted = rates.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut cum = 0.0;
    let mut out = None;
    let mut i = 0;
    while i < sorted.len() {
        let r = sorted[i];
        let mut j = i;
        while j < sorted.len() && sorted[j] == r {
            cum += r;
            j += 1;
        }
        if cum > allowed * (1.0 + 1e-12) {
            break;
        }
        out = Some(r);
        i = j;
    }
    out
}

/// A frequency as a whole number of seconds, rounded up (never over budget),
/// within the limits.
fn to_interval(freq: f64, limits: Limits) -> Duration {
    // Rounding up never overspends; the 1 µs keeps float noise (1400.0000001)
    // from costing a whole second.
    let secs = (1.0 / freq - 1e-6).ceil();
    let d = Duration::try_from_secs_f64(secs).unwrap_or(limits.max_interval);
    d.clamp(limits.min_interval, limits.max_interval)
}

fn sane(rate: f64) -> f64 {
    if rate.is_finite() && rate > 0.0 {
        rate
    } else {
        0.0
    }
}

fn ordered(l: Limits) -> Limits {
    let min = l.min_interval.max(Duration::from_secs(1));
    Limits {
        min_interval: min,
        max_interval: l.max_interval.max(min),
    }
}

#[cfg(test)]
#[path = "alloc_tests.rs"]
mod tests;
