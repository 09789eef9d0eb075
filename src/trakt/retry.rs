//! `RetryPolicy`: how both Trakt clients (v1 `client::TraktClient`, v2
//! `v2::V2Client`) retry a failed request inside one call — attempts, the
//! doubling backoff with jitter, the longer wait when Trakt says it is
//! overloaded, and (v2 only) the hold after a 429. One type with a preset per
//! API (`v1()`, `v2()`), tuned by `trakt.max_retries` and `trakt.retry_delay`
//! (`with_config`). Which statuses count as "overloaded" is each client's
//! classification (v1: 503; v2: 502/503/504), not the policy's.

use std::time::Duration;

use crate::backoff::Backoff;
use crate::config::TraktConfig;

/// How failures are retried inside one call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per call, the first included (0 counts as 1).
    pub max_attempts: u32,
    /// The wait after the first failure (5xx, 520–522, connection error),
    /// before jitter; doubles with each further failure.
    pub base_delay: Duration,
    /// The longest exponential wait.
    pub max_delay: Duration,
    /// The shortest wait after an "overloaded" answer (v1 reference: retry a
    /// 503 after about 10 s; v2 reference §5: "try again in 30s").
    pub overloaded_delay: Duration,
    /// v2: a 429 whose wait is at most this is waited out and retried inside
    /// the call; a longer one returns `RateLimited` (the hold stays either
    /// way). The v1 client does not read it.
    pub max_inline_wait: Duration,
    /// v2: the hold after a 429 without a usable `Retry-After`, doubled for
    /// each further consecutive 429 (§6: 60 s, then exponential, at most 16×).
    /// The v1 client does not read it.
    pub missing_retry_after: Duration,
}

impl RetryPolicy {
    /// The v1 client's preset: 4 attempts, 500 ms doubling to at most 10 s,
    /// at least 10 s after a 503.
    pub const fn v1() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
            overloaded_delay: Duration::from_secs(10),
            max_inline_wait: Duration::from_secs(60),
            missing_retry_after: Duration::from_secs(60),
        }
    }

    /// The v2 client's preset: 4 attempts, 1 s doubling to at most 60 s, at
    /// least 30 s after 502/503/504; 429 holds of up to 60 s are waited out
    /// inside the call, a 429 without `Retry-After` holds 60 s, then more.
    pub const fn v2() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            overloaded_delay: Duration::from_secs(30),
            max_inline_wait: Duration::from_secs(60),
            missing_retry_after: Duration::from_secs(60),
        }
    }

    /// This preset with `trakt.max_retries` (retries after the first attempt)
    /// and `trakt.retry_delay` (the first wait) from the configuration.
    pub fn with_config(self, config: &TraktConfig) -> Self {
        RetryPolicy {
            max_attempts: config.max_retries.saturating_add(1),
            base_delay: config.retry_delay,
            ..self
        }
    }

    /// The wait after failed attempt `attempt` (1-based). `jitter` in
    /// `[0, 1]` picks a point in the upper half of the exponential delay
    /// ("equal jitter"); when `overloaded` the wait is at least
    /// `overloaded_delay`.
    pub fn delay(&self, attempt: u32, overloaded: bool, jitter: f64) -> Duration {
        let wait = Backoff::new(self.base_delay, self.max_delay).jittered(attempt, jitter);
        if overloaded {
            wait.max(self.overloaded_delay)
        } else {
            wait
        }
    }

    /// The hold after the `consecutive`-th 429 in a row (1-based): Trakt's
    /// `Retry-After` when it sent one, else `missing_retry_after` doubling.
    pub fn rate_limit_hold(&self, retry_after: Option<Duration>, consecutive: u32) -> Duration {
        retry_after.unwrap_or_else(|| {
            Backoff::new(self.missing_retry_after, self.missing_retry_after * 16)
                .delay(consecutive.max(1))
        })
    }
}

impl Default for RetryPolicy {
    /// The preset of the default API (`trakt.api = "v2"`): [`RetryPolicy::v2`].
    fn default() -> Self {
        match crate::config::TraktApi::default() {
            crate::config::TraktApi::V1 => RetryPolicy::v1(),
            crate::config::TraktApi::V2 => RetryPolicy::v2(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn backoff_doubles_is_capped_and_jittered() {
        let p = RetryPolicy {
            max_attempts: 6,
            base_delay: ms(100),
            max_delay: ms(1000),
            overloaded_delay: ms(3000),
            ..RetryPolicy::v1()
        };
        assert_eq!(p.delay(1, false, 0.0), ms(50));
        assert_eq!(p.delay(1, false, 1.0), ms(100));
        assert_eq!(p.delay(2, false, 1.0), ms(200));
        assert_eq!(p.delay(3, false, 0.5), ms(300));
        assert_eq!(p.delay(5, false, 1.0), ms(1000), "capped");
        assert_eq!(p.delay(40, false, 1.0), ms(1000), "no overflow");
        assert_eq!(p.delay(1, true, 0.0), ms(3000), "overloaded waits longer");
        assert_eq!(p.delay(1, false, f64::NAN), ms(50));
        for attempt in 1..10 {
            for j in [0.0, 0.3, 0.99] {
                let d = p.delay(attempt, false, j);
                assert!(d <= p.max_delay && d >= ms(50), "{attempt} {j} {d:?}");
            }
        }
    }

    #[test]
    fn rate_limit_holds_follow_retry_after_or_back_off_from_60s() {
        let p = RetryPolicy::v2();
        assert_eq!(
            p.rate_limit_hold(Some(Duration::from_secs(3)), 5),
            Duration::from_secs(3)
        );
        assert_eq!(p.rate_limit_hold(None, 0), Duration::from_secs(60));
        assert_eq!(p.rate_limit_hold(None, 1), Duration::from_secs(60));
        assert_eq!(p.rate_limit_hold(None, 2), Duration::from_secs(120));
        assert_eq!(p.rate_limit_hold(None, 30), Duration::from_secs(960));
        assert!(p.delay(1, true, 0.0) >= Duration::from_secs(30));
        assert!(p.delay(1, false, 0.0) < Duration::from_secs(30));
    }

    #[test]
    fn each_api_keeps_its_own_caps() {
        let (v1, v2) = (RetryPolicy::v1(), RetryPolicy::v2());
        // v1: 10 s cap and 10 s after a 503, as before the unification.
        assert_eq!(v1.delay(30, false, 1.0), Duration::from_secs(10));
        assert_eq!(v1.delay(1, true, 0.0), Duration::from_secs(10));
        // v2: 60 s cap and 30 s after 502/503/504.
        assert_eq!(v2.delay(30, false, 1.0), Duration::from_secs(60));
        assert_eq!(v2.delay(1, true, 0.0), Duration::from_secs(30));
        assert_eq!(RetryPolicy::default(), v2, "v2 is the default API");
    }

    #[test]
    fn the_configuration_sets_attempts_and_first_wait_and_keeps_the_rest() {
        let config = TraktConfig {
            max_retries: 5,
            retry_delay: Duration::from_secs(2),
            ..TraktConfig::default()
        };
        for preset in [RetryPolicy::v1(), RetryPolicy::v2()] {
            let tuned = preset.clone().with_config(&config);
            assert_eq!(tuned.max_attempts, 6);
            assert_eq!(tuned.base_delay, Duration::from_secs(2));
            assert_eq!(tuned.max_delay, preset.max_delay);
            assert_eq!(tuned.overloaded_delay, preset.overloaded_delay);
            assert_eq!(tuned.max_inline_wait, preset.max_inline_wait);
            assert_eq!(tuned.missing_retry_after, preset.missing_retry_after);
        }
        let zero = TraktConfig {
            max_retries: 0,
            ..TraktConfig::default()
        };
        assert_eq!(RetryPolicy::v2().with_config(&zero).max_attempts, 1);
    }
}
