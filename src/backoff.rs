//! The one exponential backoff of the crate: `base × 2ⁿ⁻¹` after `n`
//! consecutive failures, capped, with optional "equal jitter".
//!
//! Written here rather than taken from a crate (`backon`, `backoff`): those
//! model a retry loop that owns the state, while every caller here (a show's
//! next poll, a channel's next send, a Trakt request's next attempt) keeps the
//! failure count itself (in the store, or across loop iterations) and only
//! needs the pure function from that count to a wait, deterministic in tests.

use std::time::Duration;

/// An exponential schedule: the first failure waits `base`, each further one
/// doubles it, never past `cap`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
}

impl Backoff {
    pub const fn new(base: Duration, cap: Duration) -> Self {
        Backoff { base, cap }
    }

    /// The wait after `failures` consecutive failures (zero for none).
    pub fn delay(&self, failures: u32) -> Duration {
        if failures == 0 {
            return Duration::ZERO;
        }
        let doublings = (failures - 1).min(30);
        self.base.saturating_mul(1u32 << doublings).min(self.cap)
    }

    /// [`delay`](Self::delay) with "equal jitter": `jitter` in `[0, 1]` picks
    /// a point in the upper half of the wait (out-of-range values are clamped,
    /// NaN counts as 0).
    pub fn jittered(&self, failures: u32, jitter: f64) -> Duration {
        let full = self.delay(failures);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        full / 2 + full.mul_f64(jitter / 2.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_base_and_caps() {
        let b = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
        assert_eq!(b.delay(0), Duration::ZERO);
        assert_eq!(b.delay(1), Duration::from_secs(1));
        assert_eq!(b.delay(3), Duration::from_secs(4));
        assert_eq!(b.delay(7), Duration::from_secs(60));
        assert_eq!(b.delay(u32::MAX), Duration::from_secs(60));
    }

    #[test]
    fn jitter_stays_in_the_upper_half() {
        let b = Backoff::new(Duration::from_secs(2), Duration::from_secs(60));
        assert_eq!(b.jittered(1, 0.0), Duration::from_secs(1));
        assert_eq!(b.jittered(1, 1.0), Duration::from_secs(2));
        assert_eq!(b.jittered(1, f64::NAN), Duration::from_secs(1));
        assert_eq!(b.jittered(1, 7.0), Duration::from_secs(2));
    }
}
