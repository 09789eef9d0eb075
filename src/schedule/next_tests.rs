//! Unit tests of the next-poll rules: due times, new follows, bursts, batching.

use super::*;
use crate::schedule::alloc::{allocate, Budget, Limits, Policy};

const HOUR: Duration = Duration::from_secs(3600);

fn alloc(rates: &[f64]) -> Allocation {
    allocate(
        rates,
        Budget {
            per_second: rates.len() as f64 / 1200.0,
            reserved: 0.0,
        },
        Limits {
            min_interval: Duration::from_secs(60),
            max_interval: HOUR,
        },
        Policy::default(),
    )
}

fn polled(rate: RateEstimate, interval: u64, last: i64) -> ShowPlan {
    ShowPlan {
        rate,
        interval: Some(Duration::from_secs(interval)),
        last_poll: Some(last),
    }
}

#[test]
fn new_follow_is_due_at_once() {
    assert_eq!(due_at(&ShowPlan::default(), 1_000), 1_000);
    let no_interval = ShowPlan {
        last_poll: Some(10),
        ..ShowPlan::default()
    };
    assert_eq!(due_at(&no_interval, 1_000), 1_000);
}

#[test]
fn due_is_last_poll_plus_interval() {
    let p = polled(RateEstimate::default(), 900, 10_000);
    assert_eq!(due_at(&p, 10_001), 10_900);
}

#[test]
fn first_poll_only_starts_the_clock() {
    let a = alloc(&[1.0; 4]);
    let after = after_poll(ShowPlan::default(), 40, 500, HOUR, BurstRule::default(), &a);
    assert_eq!(after.last_poll, Some(500));
    assert_eq!(after.rate.per_hour(), 0.0);
}

#[test]
fn ordinary_poll_updates_rate_and_keeps_interval() {
    let a = alloc(&[1.0; 4]);
    let rate = RateEstimate::restart(2, HOUR);
    let after = after_poll(
        polled(rate, 1200, 0),
        2,
        3600,
        HOUR,
        BurstRule::default(),
        &a,
    );
    assert_eq!(after.interval, Some(Duration::from_secs(1200)));
    assert_eq!(after.last_poll, Some(3600));
    assert!((after.rate.per_hour() - 2.0).abs() < 1e-9);
}

#[test]
fn burst_is_found_relative_to_the_estimate() {
    let rule = BurstRule::default();
    let quiet = RateEstimate::restart(1, Duration::from_secs(36_000)); // 0.1/h
    assert!(is_burst(rule, &quiet, 3, HOUR));
    assert!(!is_burst(rule, &quiet, 2, HOUR), "below min_found");
    let busy = RateEstimate::restart(100, HOUR);
    assert!(!is_burst(rule, &busy, 90, HOUR), "as busy as usual");
}

#[test]
fn burst_shrinks_the_interval_at_once() {
    // The quiet show (in the tail, at the slowest interval) suddenly finds
    // 30 activities in 20 minutes.
    let rates = [0.01, 0.0, 0.0, 5.0, 5.0];
    let a = alloc(&rates);
    let quiet = RateEstimate::restart(1, Duration::from_secs(36_000));
    let before = polled(quiet, a.intervals[0].as_secs(), 0);
    let after = after_poll(before, 30, 1200, HOUR, BurstRule::default(), &a);
    let new = after.interval.unwrap_or(HOUR);
    assert!(new < a.intervals[0], "{new:?} !< {:?}", a.intervals[0]);
    assert_eq!(a.intervals[0], HOUR);
    assert!(new <= a.intervals[3], "now busier than the 5/h shows");
    assert!((after.rate.per_hour() - 90.0).abs() < 1e-9);
    // Without the burst rule (a huge factor) the interval waits for the next
    // allocation.
    let lazy = BurstRule {
        min_found: 3,
        factor: f64::INFINITY,
    };
    let kept = after_poll(before, 30, 1200, HOUR, lazy, &a);
    assert_eq!(kept.interval, before.interval);
}

#[test]
fn batches_group_shows_due_within_tolerance() {
    let due = [("a", 100), ("b", 130), ("c", 95), ("d", 500), ("e", 140)];
    let tol = Duration::from_secs(60);
    // At 100: a, c due; b, e within 60 s ride along; d waits.
    assert_eq!(
        batch_due(&due, 100, tol, 20),
        vec![vec!["c", "a", "b", "e"]]
    );
    assert_eq!(
        batch_due(&due, 100, tol, 2),
        vec![vec!["c", "a"]],
        "a batch of shows none of which is due waits"
    );
    assert!(batch_due(&due, 50, tol, 20).is_empty(), "nothing due yet");
}
