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

impl Budget {
    /// The budget of `trakt.max_requests_per_second = rate`: `rate` × 300
    /// requests over Trakt's 5-minute window, with a burst of 1, so that the
    /// requests are evenly spaced and no window of any length sees more than
    /// `rate` per second (plus the one request at its start).
    pub fn from_rate(rate: f64) -> Budget {
        let per = Duration::from_secs(300);
        let requests = (rate * per.as_secs_f64()).floor();
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
