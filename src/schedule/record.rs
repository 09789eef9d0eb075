//! What the store keeps per show (and per site-wide feed) for the adaptive
//! schedule: the decayed activity rate, when the scheduled sources were last
//! polled, and the new activities counted since then by other commits (a v2
//! show's comments arrive through the site-wide feeds, between its own
//! polls). Pure: the store calls these inside its commit transaction.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::next::{is_burst, BurstRule};
use super::rate::RateEstimate;

/// Old activity weighs half after this long.
pub const HALF_LIFE: Duration = Duration::from_secs(12 * 3600);
/// The activities the allocation adds to what a show showed
/// ([`RateEstimate::per_hour_with_prior`]): a show seen quiet for a short
/// while is not yet taken for one that may wait `poll.max_interval`.
pub const PRIOR: f64 = 0.5;

const SECS_PER_HOUR: f64 = 3600.0;

/// The schedule's record of one show or feed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Record {
    pub rate: RateEstimate,
    /// Unix seconds of the last completed poll; `None`: never polled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_poll: Option<i64>,
    /// New activities committed since `last_poll`, not yet in `rate`.
    #[serde(skip_serializing_if = "is_zero")]
    pub pending: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Record {
    pub fn is_empty(&self) -> bool {
        *self == Record::default()
    }

    /// `found` new activities committed outside a poll of the show's own
    /// sources: counted at its next poll.
    #[must_use]
    pub fn count(self, found: u64) -> Record {
        Record {
            pending: self.pending.saturating_add(found),
            ..self
        }
    }

    /// A completed poll at `now` that committed `found` new activities: the
    /// window since the last poll closes with what it found (pending ones
    /// included). The first poll only starts the clock (what it finds is
    /// history). A burst ([`BurstRule::default`]) restarts the estimate from
    /// this window, so the next allocation polls the show faster at once. A
    /// clock that went back keeps the window open.
    #[must_use]
    pub fn polled(self, found: u64, now: i64) -> Record {
        let Some(last) = self.last_poll else {
            return Record {
                last_poll: Some(now),
                pending: 0,
                ..self
            };
        };
        let found = self.pending.saturating_add(found);
        let Some(window) = u64::try_from(now.saturating_sub(last))
            .ok()
            .filter(|w| *w > 0)
            .map(Duration::from_secs)
        else {
            return Record {
                pending: found,
                ..self
            };
        };
        let rate = if is_burst(BurstRule::default(), &self.rate, found, window) {
            RateEstimate::restart(found, window)
        } else {
            self.rate.observe(found, window, HALF_LIFE)
        };
        Record {
            rate,
            last_poll: Some(now),
            pending: 0,
        }
    }

    /// The rate (activities per hour) the allocation is given. A show with no
    /// observed window yet counts as having shown [`PRIOR`] in one `fastest`
    /// interval: until data says otherwise it is polled as fast as the budget
    /// lets every show be.
    pub fn alloc_rate(&self, fastest: Duration) -> f64 {
        if self.rate.exposure().is_zero() {
            PRIOR * SECS_PER_HOUR / fastest.as_secs_f64().max(1.0)
        } else {
            self.rate.per_hour_with_prior(PRIOR)
        }
    }

    /// When the show is due: at once when never polled, else `interval`
    /// after the last poll.
    pub fn due_at(&self, interval: Duration, now: i64) -> i64 {
        self.last_poll.map_or(now, |last| {
            last.saturating_add(i64::try_from(interval.as_secs()).unwrap_or(i64::MAX))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);

    #[test]
    fn the_first_poll_only_starts_the_clock() {
        let r = Record::default().count(5).polled(7, 1_000);
        assert_eq!(r.last_poll, Some(1_000));
        assert_eq!(r.pending, 0);
        assert!(r.rate.exposure().is_zero());
    }

    #[test]
    fn pending_counts_join_the_next_window() {
        let r = Record::default()
            .polled(0, 0)
            .count(2)
            .polled(1, 3_600)
            .count(0);
        assert!((r.rate.per_hour() - 3.0).abs() < 1e-9, "{:?}", r);
        assert_eq!((r.last_poll, r.pending), (Some(3_600), 0));
    }

    #[test]
    fn a_burst_restarts_the_estimate_from_its_window() {
        // A week of quiet, then 10 activities in one minute.
        let mut r = Record::default().polled(0, 0);
        for k in 1..=168 {
            r = r.polled(0, k * 3_600);
        }
        let quiet = r.rate.per_hour();
        let burst = r.polled(10, 168 * 3_600 + 60);
        assert!(quiet < 0.01, "{quiet}");
        assert!((burst.rate.per_hour() - 600.0).abs() < 1e-6, "{:?}", burst);
        // Without the burst rule it would have barely moved.
        let slow = r.rate.observe(10, Duration::from_secs(60), HALF_LIFE);
        assert!(slow.per_hour() < 1.0, "{}", slow.per_hour());
    }

    #[test]
    fn a_clock_going_back_keeps_the_window_open() {
        let r = Record::default().polled(0, 100).polled(4, 50);
        assert_eq!((r.last_poll, r.pending), (Some(100), 4));
        assert!(r.rate.exposure().is_zero());
    }

    #[test]
    fn unknown_shows_get_a_high_prior_and_quiet_ones_fall() {
        let unknown = Record::default().polled(0, 0);
        assert!((unknown.alloc_rate(MIN) - 30.0).abs() < 1e-9);
        let day_quiet = (1..=24).fold(unknown, |r, h| r.polled(0, h * 3_600));
        assert!(
            day_quiet.alloc_rate(MIN) < 0.1,
            "{}",
            day_quiet.alloc_rate(MIN)
        );
        assert!(day_quiet.alloc_rate(MIN) > 0.0);
    }

    #[test]
    fn due_at_once_when_never_polled() {
        assert_eq!(Record::default().due_at(MIN, 42), 42);
        let r = Record::default().polled(0, 100);
        assert_eq!(r.due_at(MIN, 42), 160);
    }

    #[test]
    fn serde_skips_the_empty_parts() {
        let json = serde_json::to_string(&Record::default().polled(0, 9)).expect("json");
        assert!(!json.contains("pending"), "{json}");
        let back: Record = serde_json::from_str("{}").expect("empty");
        assert!(back.is_empty());
    }
}
