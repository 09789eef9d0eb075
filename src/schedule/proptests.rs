//! Property tests of the allocation: never over budget when feasible, never
//! slower than `max_interval` nor faster than `min_interval`, monotone in the
//! rate, and the estimator's rate within the range it was fed.

use std::time::Duration;

use proptest::prelude::*;

use super::alloc::{allocate, Budget, Limits, Policy};
use super::rate::RateEstimate;

fn rates() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(
        prop_oneof![
            2 => Just(0.0),
            3 => 0.0..1.0f64,
            3 => 0.0..100.0f64,
            1 => 100.0..100_000.0f64,
        ],
        1..120,
    )
}

fn limits() -> impl Strategy<Value = Limits> {
    (1u64..600, 1u64..20).prop_map(|(min, mult)| Limits {
        min_interval: Duration::from_secs(min),
        max_interval: Duration::from_secs(min * mult),
    })
}

fn policy() -> impl Strategy<Value = Policy> {
    prop_oneof![Just(1.0), Just(0.0), 0.0..0.2f64].prop_map(|tail_share| Policy { tail_share })
}

proptest! {
    #[test]
    fn within_budget_and_limits(
        rates in rates(),
        limits in limits(),
        per_second in 0.0001..50.0f64,
        reserved in 0.0..0.5f64,
        policy in policy(),
    ) {
        let budget = Budget { per_second, reserved: reserved * per_second };
        let a = allocate(&rates, budget, limits, policy);
        prop_assert_eq!(a.intervals.len(), rates.len());
        for i in &a.intervals {
            prop_assert!(*i >= limits.min_interval, "{:?} faster than min", i);
            prop_assert!(*i <= limits.max_interval, "{:?} slower than max", i);
        }
        let all_slowest = rates.len() as f64 / limits.max_interval.as_secs_f64();
        if all_slowest <= budget.available() {
            prop_assert!(a.overload.is_none());
            let spent = a.requests_per_second();
            prop_assert!(spent <= budget.available() * (1.0 + 1e-9) + 1e-12,
                "spent {} of {}", spent, budget.available());
        } else {
            prop_assert!(a.overload.is_some_and(|o| o.factor > 1.0));
            prop_assert!(a.intervals.iter().all(|i| *i == limits.max_interval));
        }
    }

    #[test]
    fn busier_never_waits_longer(
        rates in rates(),
        limits in limits(),
        per_second in 0.0001..50.0f64,
        policy in policy(),
    ) {
        let a = allocate(&rates, Budget { per_second, reserved: 0.0 }, limits, policy);
        for (i, ri) in rates.iter().enumerate() {
            for (j, rj) in rates.iter().enumerate() {
                if ri > rj {
                    prop_assert!(a.intervals[i] <= a.intervals[j],
                        "rate {} got {:?}, rate {} got {:?}", ri, a.intervals[i], rj, a.intervals[j]);
                }
            }
        }
    }

    #[test]
    fn silent_shows_wait_max_interval(
        rates in rates(),
        limits in limits(),
        per_second in 0.0001..50.0f64,
        policy in policy(),
    ) {
        let a = allocate(&rates, Budget { per_second, reserved: 0.0 }, limits, policy);
        for (r, i) in rates.iter().zip(&a.intervals) {
            if *r == 0.0 {
                prop_assert_eq!(*i, limits.max_interval);
            }
        }
    }

    #[test]
    fn estimate_stays_within_what_it_saw(
        polls in prop::collection::vec((0u64..50, 1u64..20_000), 1..40),
        half_life in 0u64..100_000,
    ) {
        let mut r = RateEstimate::default();
        let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
        for (found, secs) in polls {
            r = r.observe(found, Duration::from_secs(secs), Duration::from_secs(half_life));
            let window_rate = found as f64 * 3600.0 / secs as f64;
            lo = lo.min(window_rate);
            hi = hi.max(window_rate);
            let rate = r.per_hour();
            prop_assert!(rate >= lo * (1.0 - 1e-9) && rate <= hi * (1.0 + 1e-9),
                "{} outside [{}, {}]", rate, lo, hi);
        }
    }
}
