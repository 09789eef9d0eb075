//! The decayed activity-rate estimate of one show (or one feed): activities
//! per hour, each observation weighted down by half every `half_life`.
//!
//! The estimate keeps two decayed sums, the activities seen and the time they
//! were seen over (the exposure); the rate is their ratio. Polls with windows
//! of any length combine correctly (a long quiet window weighs more than a
//! short one), and a show never observed has rate 0. Serialisable, so the
//! store can keep it across restarts.

use std::time::Duration;

use serde::{Deserialize, Serialize};

const SECS_PER_HOUR: f64 = 3600.0;

/// A decayed estimate of activities per hour.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RateEstimate {
    /// Decayed count of activities seen.
    events: f64,
    /// Decayed seconds of observation.
    exposure_secs: f64,
}

impl RateEstimate {
    /// An estimate seeded from one window (no history): `found` activities over `window`.
    pub fn restart(found: u64, window: Duration) -> Self {
        RateEstimate::default().observe(found, window, Duration::ZERO)
    }

    /// Activities per hour (0 when nothing was ever observed).
    pub fn per_hour(&self) -> f64 {
        if self.exposure_secs > 0.0 && self.events.is_finite() {
            (self.events / self.exposure_secs * SECS_PER_HOUR).max(0.0)
        } else {
            0.0
        }
    }

    /// The rate as if `prior` more activities had been seen over the same
    /// exposure: a show observed quiet for a short while is not taken for
    /// silent (0 when nothing was ever observed). What the allocation should
    /// be given: it decides which shows may wait longest.
    pub fn per_hour_with_prior(&self, prior: f64) -> f64 {
        if self.exposure_secs > 0.0 && self.is_sane() {
            ((self.events + prior.max(0.0)) / self.exposure_secs * SECS_PER_HOUR).max(0.0)
        } else {
            0.0
        }
    }

    /// Activities expected in a window of `window` at the current rate.
    pub fn expected(&self, window: Duration) -> f64 {
        self.per_hour() * window.as_secs_f64() / SECS_PER_HOUR
    }

    /// Seconds of (decayed) observation behind the estimate.
    pub fn exposure(&self) -> Duration {
        Duration::try_from_secs_f64(self.exposure_secs).unwrap_or(Duration::ZERO)
    }

    /// The estimate after a poll that found `found` new activities over the
    /// `window` since the previous poll. What came before weighs
    /// `2^(-window / half_life)` of what it did (a zero half-life keeps only
    /// this window).
    #[must_use]
    pub fn observe(self, found: u64, window: Duration, half_life: Duration) -> Self {
        let w = window.as_secs_f64();
        let keep = if half_life.is_zero() {
            0.0
        } else {
            0.5_f64.powf(w / half_life.as_secs_f64())
        };
        let (events, exposure) = if self.is_sane() {
            (self.events, self.exposure_secs)
        } else {
            (0.0, 0.0)
        };
        RateEstimate {
            events: events * keep + found as f64,
            exposure_secs: exposure * keep + w,
        }
    }

    /// Whether the sums are usable (a persisted value may be anything).
    fn is_sane(&self) -> bool {
        self.events.is_finite()
            && self.exposure_secs.is_finite()
            && self.events >= 0.0
            && self.exposure_secs >= 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn never_observed_is_zero() {
        assert_eq!(RateEstimate::default().per_hour(), 0.0);
        assert_eq!(RateEstimate::default().expected(HOUR), 0.0);
    }

    #[test]
    fn one_window_gives_its_rate() {
        let r = RateEstimate::default().observe(6, Duration::from_secs(1800), HOUR);
        assert!(close(r.per_hour(), 12.0), "{}", r.per_hour());
        assert!(close(r.expected(Duration::from_secs(600)), 2.0));
    }

    #[test]
    fn steady_rate_is_recovered_whatever_the_windows() {
        // 3 per hour, polled at irregular windows, each finding its share.
        let mut r = RateEstimate::default();
        for secs in [60u64, 1200, 3600, 600, 7200, 1200] {
            r = r.observe(3 * secs / 60, Duration::from_secs(secs), HOUR);
        }
        // 3 * secs / 60 activities per window is 180 per hour.
        assert!(close(r.per_hour(), 180.0), "{}", r.per_hour());
    }

    #[test]
    fn old_activity_fades_by_half_each_half_life() {
        let busy = RateEstimate::default().observe(100, HOUR, HOUR);
        // One quiet hour: the old hour weighs half, the new one fully.
        let later = busy.observe(0, HOUR, HOUR);
        assert!(close(later.per_hour(), 50.0 / 1.5), "{}", later.per_hour());
        // Many quiet half-lives later the rate tends to 0.
        let mut r = busy;
        for _ in 0..50 {
            r = r.observe(0, HOUR, HOUR);
        }
        assert!(r.per_hour() < 0.01, "{}", r.per_hour());
    }

    #[test]
    fn zero_half_life_keeps_only_the_last_window() {
        let r = RateEstimate::default()
            .observe(100, HOUR, Duration::ZERO)
            .observe(2, HOUR, Duration::ZERO);
        assert!(close(r.per_hour(), 2.0));
    }

    #[test]
    fn prior_keeps_a_short_quiet_record_from_reading_silent() {
        let quiet = RateEstimate::default().observe(0, HOUR, HOUR);
        assert_eq!(quiet.per_hour(), 0.0);
        assert!(close(quiet.per_hour_with_prior(1.0), 1.0));
        // The longer the quiet record, the lower the cautious rate.
        let longer = quiet.observe(0, 3 * HOUR, HOUR);
        assert!(longer.per_hour_with_prior(1.0) < quiet.per_hour_with_prior(1.0));
        assert_eq!(RateEstimate::default().per_hour_with_prior(1.0), 0.0);
        let busy = RateEstimate::default().observe(10, HOUR, HOUR);
        assert!(close(busy.per_hour_with_prior(0.0), busy.per_hour()));
    }

    #[test]
    fn restart_forgets_history() {
        let r = RateEstimate::restart(10, Duration::from_secs(600));
        assert!(close(r.per_hour(), 60.0));
        assert_eq!(r.exposure(), Duration::from_secs(600));
    }

    #[test]
    fn serde_round_trip_and_garbage_is_reset() {
        let r = RateEstimate::default().observe(7, HOUR, HOUR);
        let json = serde_json::to_string(&r).expect("serialise");
        let back: RateEstimate = serde_json::from_str(&json).expect("parse");
        assert_eq!(back, r);
        let bad: RateEstimate =
            serde_json::from_str(r#"{"events":-5.0,"exposure_secs":10.0}"#).expect("parse");
        assert_eq!(bad.per_hour(), 0.0);
        let fixed = bad.observe(1, HOUR, HOUR);
        assert!(close(fixed.per_hour(), 1.0), "{}", fixed.per_hour());
    }
}
