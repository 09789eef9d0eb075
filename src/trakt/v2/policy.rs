//! The v2 client's request `Budget` (at most N requests over any window,
//! reference §6). Its retries (backoff for 5xx/520–522, the longer wait after
//! 502/503/504, the 429 holds) follow `crate::trakt::retry::RetryPolicy`, the
//! one policy both clients share (preset `RetryPolicy::v2()`), re-exported
//! here.

use std::time::Duration;

use super::error::V2Error;
use crate::ratelimit::RateLimiter;
pub use crate::trakt::retry::RetryPolicy;

/// The request budget: at most `requests` over ANY window of length `per`.
/// A token bucket of `burst` tokens refilled at `(requests − burst) / per`
/// guarantees it: a window can spend the full bucket plus one window's refill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    pub requests: u32,
    pub per: Duration,
    pub burst: u32,
}

impl Default for Budget {
    /// 400 GET per 5 minutes: Trakt's 500 (staff, §6) with 20 % headroom.
    fn default() -> Self {
        Budget {
            requests: 400,
            per: Duration::from_secs(300),
            burst: 10,
        }
    }
}

/// The share of `trakt.max_requests_per_second` a v2 budget uses.
pub const SPACING_MARGIN: f64 = 0.95;

impl Budget {
    /// The budget of `trakt.max_requests_per_second = rate`: requests evenly
    /// spaced (a burst of 1) at 95 % of `rate` over Trakt's 5-minute window.
    /// The 5 % keeps a one-second window from holding `rate` + 1 requests when
    /// the network delays one request more than the next; at the v2 default
    /// (400 per 5 minutes) that is 380.
    pub fn from_rate(rate: f64) -> Budget {
        let per = Duration::from_secs(300);
        let requests = (rate * SPACING_MARGIN * per.as_secs_f64()).floor();
        Budget {
            requests: if requests.is_finite() {
                requests.clamp(2.0, f64::from(u32::MAX)) as u32
            } else {
                2
            },
            per,
            burst: 1,
        }
    }

    /// The burst actually used: at least 1, below `requests`.
    fn effective_burst(&self) -> u32 {
        self.burst.clamp(1, self.requests.saturating_sub(1).max(1))
    }

    pub(super) fn validate(&self) -> Result<(), V2Error> {
        if self.requests < 2 || self.per.is_zero() {
            return Err(V2Error::Config {
                reason: "the Trakt request budget needs at least 2 requests over a non-zero period"
                    .to_owned(),
            });
        }
        Ok(())
    }

    /// The limiter enforcing this budget.
    pub fn limiter(&self) -> RateLimiter {
        let burst = self.effective_burst();
        let refill = f64::from(self.requests - burst) / self.per.as_secs_f64();
        RateLimiter::new(refill, burst)
    }
}
#[cfg(test)]
mod budget_tests {
    use super::*;

    #[test]
    fn a_configured_rate_becomes_an_evenly_spaced_budget_below_it() {
        let v2_default = Budget::from_rate(400.0 / 300.0);
        assert_eq!(v2_default.requests, 380);
        assert_eq!(v2_default.per, Duration::from_secs(300));
        assert_eq!(v2_default.burst, 1);
        let five = Budget::from_rate(5.0);
        assert_eq!(five.requests, 1425);
        assert!(five.validate().is_ok());
        assert_eq!(Budget::from_rate(0.0).requests, 2, "never below 2");
        assert_eq!(Budget::from_rate(f64::NAN).requests, 2);
    }
}
