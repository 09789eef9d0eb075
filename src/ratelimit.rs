//! `RateLimiter`: a token bucket. The Trakt client's request budget
//! (`trakt.max_requests_per_second`), and the delivery worker's global Discord
//! budget, which a global 429 holds back. The arithmetic (`Bucket`) is pure;
//! the async wrapper sleeps on `tokio::time`, so tests can pause the clock.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// The token bucket's state. Each call to [`Bucket::reserve`] takes one token
/// and answers how long the caller must wait before using it. Tokens may go
/// negative: that queues callers in arrival order, each behind the previous.
#[derive(Debug, Clone)]
struct Bucket {
    /// Tokens per second; `None` means unlimited.
    rate: Option<f64>,
    capacity: f64,
    tokens: f64,
    last: Instant,
    /// No token is usable before this (see [`RateLimiter::hold`]).
    held_until: Option<Instant>,
}

impl Bucket {
    fn new(per_second: f64, burst: u32, now: Instant) -> Self {
        let rate = (per_second.is_finite() && per_second > 0.0).then_some(per_second);
        let capacity = f64::from(burst.max(1));
        Bucket {
            rate,
            capacity,
            tokens: capacity,
            last: now,
            held_until: None,
        }
    }

    /// Make every token taken before `until` wait for it.
    fn hold(&mut self, until: Instant) {
        self.held_until = Some(self.held_until.map_or(until, |t| t.max(until)));
    }

    /// Tokens usable at `now` without taking any (negative: callers queued);
    /// `capacity` when unlimited.
    fn available(&self, now: Instant) -> f64 {
        match self.rate {
            None => self.capacity,
            Some(rate) => {
                let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
                (self.tokens + elapsed * rate).min(self.capacity)
            }
        }
    }

    /// Take a token at `now`; the wait before it may be used.
    fn reserve(&mut self, now: Instant) -> Duration {
        let held = self
            .held_until
            .map_or(Duration::ZERO, |t| t.saturating_duration_since(now));
        self.take(now).max(held)
    }

    fn take(&mut self, now: Instant) -> Duration {
        let Some(rate) = self.rate else {
            return Duration::ZERO;
        };
        if now > self.last {
            let elapsed = now.duration_since(self.last).as_secs_f64();
            self.tokens = (self.tokens + elapsed * rate).min(self.capacity);
            self.last = now;
        }
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / rate)
        }
    }
}

/// An async token bucket. Share it (e.g. in an `Arc`) between all users of
/// one budget. A caller cancelled while waiting still spends its token.
#[derive(Debug)]
pub struct RateLimiter {
    bucket: Mutex<Bucket>,
}

impl RateLimiter {
    /// `per_second` tokens a second, up to `burst` (at least 1) at once. A rate
    /// that is not a positive number means "no limit".
    pub fn new(per_second: f64, burst: u32) -> Self {
        RateLimiter {
            bucket: Mutex::new(Bucket::new(per_second, burst, Instant::now())),
        }
    }

    /// Hold every caller back for at least `d` from now, whatever the bucket
    /// holds (e.g. Discord answered a global 429 with `retry_after` = `d`).
    pub fn hold(&self, d: Duration) {
        let now = Instant::now();
        self.bucket
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .hold(now + d);
    }

    /// Tokens available now (for metrics): the burst when idle, below 0
    /// while callers queue for the next ones.
    pub fn available(&self) -> f64 {
        self.bucket
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .available(Instant::now())
    }

    /// Wait until a request may be sent.
    pub async fn acquire(&self) {
        let wait = {
            let mut bucket = self
                .bucket
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            bucket.reserve(Instant::now())
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
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
    fn available_counts_tokens_without_taking_them() {
        let t0 = Instant::now();
        let mut b = Bucket::new(2.0, 4, t0);
        assert_eq!(b.available(t0), 4.0);
        for _ in 0..6 {
            b.reserve(t0);
        }
        assert_eq!(b.available(t0), -2.0);
        assert_eq!(b.available(t0 + ms(500)), -1.0);
        assert_eq!(b.available(t0 + ms(60_000)), 4.0);
        assert_eq!(b.available(t0 + ms(500)), -1.0, "reading takes nothing");
        assert_eq!(Bucket::new(0.0, 3, t0).available(t0), 3.0);
    }

    #[test]
    fn burst_then_steady_rate() {
        let t0 = Instant::now();
        let mut b = Bucket::new(2.0, 2, t0);
        assert_eq!(b.reserve(t0), Duration::ZERO);
        assert_eq!(b.reserve(t0), Duration::ZERO);
        assert_eq!(b.reserve(t0), ms(500));
        assert_eq!(b.reserve(t0), ms(1000), "queued behind the previous caller");
        // Two seconds later the debt of two tokens is paid and two more refilled.
        assert_eq!(b.reserve(t0 + ms(2000)), Duration::ZERO);
        assert_eq!(b.reserve(t0 + ms(2000)), Duration::ZERO);
        assert_eq!(b.reserve(t0 + ms(2000)), ms(500));
    }

    #[test]
    fn refill_is_capped_at_burst() {
        let t0 = Instant::now();
        let mut b = Bucket::new(1.0, 3, t0);
        let later = t0 + Duration::from_secs(3600);
        for _ in 0..3 {
            assert_eq!(b.reserve(later), Duration::ZERO);
        }
        assert_eq!(b.reserve(later), ms(1000));
    }

    #[test]
    fn zero_burst_means_one() {
        let t0 = Instant::now();
        let mut b = Bucket::new(4.0, 0, t0);
        assert_eq!(b.reserve(t0), Duration::ZERO);
        assert_eq!(b.reserve(t0), ms(250));
    }

    #[test]
    fn no_positive_rate_means_no_limit() {
        let t0 = Instant::now();
        for rate in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let mut b = Bucket::new(rate, 1, t0);
            for _ in 0..100 {
                assert_eq!(b.reserve(t0), Duration::ZERO);
            }
        }
    }

    #[test]
    fn a_clock_going_backwards_does_not_refill() {
        let t0 = Instant::now() + Duration::from_secs(10);
        let mut b = Bucket::new(1.0, 1, t0);
        assert_eq!(b.reserve(t0), Duration::ZERO);
        assert_eq!(b.reserve(t0 - ms(5000)), ms(1000));
    }

    #[test]
    fn a_hold_delays_every_caller_until_it_ends() {
        let t0 = Instant::now();
        let mut b = Bucket::new(10.0, 10, t0);
        b.hold(t0 + ms(2000));
        assert_eq!(b.reserve(t0), ms(2000));
        assert_eq!(b.reserve(t0 + ms(500)), ms(1500));
        // A shorter hold does not shorten a longer one.
        b.hold(t0 + ms(100));
        assert_eq!(b.reserve(t0 + ms(1000)), ms(1000));
        assert_eq!(b.reserve(t0 + ms(2000)), Duration::ZERO);
        // Even without a rate limit.
        let mut free = Bucket::new(0.0, 1, t0);
        free.hold(t0 + ms(300));
        assert_eq!(free.reserve(t0), ms(300));
        assert_eq!(free.reserve(t0 + ms(300)), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn acquire_waits_on_the_tokio_clock() {
        let limiter = RateLimiter::new(10.0, 2);
        let start = Instant::now();
        for _ in 0..5 {
            limiter.acquire().await;
        }
        // Two from the burst, then three at 100 ms intervals (the timer may
        // round each wait up to the next millisecond).
        let elapsed = start.elapsed();
        assert!(elapsed >= ms(300) && elapsed <= ms(303), "{elapsed:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_are_spaced() {
        let limiter = std::sync::Arc::new(RateLimiter::new(2.0, 1));
        let start = Instant::now();
        let mut handles = Vec::new();
        for _ in 0..4 {
            let l = limiter.clone();
            handles.push(tokio::spawn(async move {
                l.acquire().await;
                start.elapsed()
            }));
        }
        let mut times = Vec::new();
        for h in handles {
            times.push(h.await.expect("task"));
        }
        times.sort();
        assert_eq!(times, vec![ms(0), ms(500), ms(1000), ms(1500)]);
    }
}
