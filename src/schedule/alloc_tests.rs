//! Unit tests of the allocation: the √ rule, the clamps, the tail guard,
//! overload and the budget.

use super::*;

const MIN: Duration = Duration::from_secs(60);
const MAX: Duration = Duration::from_secs(3600);

fn limits() -> Limits {
    Limits {
        min_interval: MIN,
        max_interval: MAX,
    }
}

fn budget(per_second: f64) -> Budget {
    Budget {
        per_second,
        reserved: 0.0,
    }
}

const PURE: Policy = Policy { tail_share: 1.0 };

fn secs(a: &Allocation) -> Vec<u64> {
    a.intervals.iter().map(Duration::as_secs).collect()
}

#[test]
fn sqrt_rule_between_the_clamps() {
    // Rates 1, 4, 16 per hour: frequencies in ratio 1 : 2 : 4; a budget of
    // 7 polls per 1400 s gives intervals 1400, 700, 350.
    let a = allocate(&[1.0, 4.0, 16.0], budget(7.0 / 1400.0), limits(), PURE);
    assert_eq!(secs(&a), [1400, 700, 350]);
    assert!(a.overload.is_none());
    assert!(a.requests_per_second() <= 7.0 / 1400.0 + 1e-12);
}

#[test]
fn quiet_shows_get_max_interval_and_still_cost() {
    // Two silent shows cost 2/3600; the busy one gets the rest, clamped at MIN.
    let a = allocate(&[0.0, 0.0, 50.0], budget(0.01), limits(), PURE);
    assert_eq!(secs(&a), [3600, 3600, 106]);
    let spent = a.requests_per_second();
    assert!(spent <= 0.01 + 1e-12, "{spent}");
    assert!(spent > 0.0099, "budget left unspent: {spent}");
}

#[test]
fn shows_at_min_interval_release_budget_to_the_others() {
    // Without the clamp the busiest would take 10/11 of a huge budget;
    // clamped at MIN, the rest goes to the others, who also reach MIN.
    let a = allocate(
        &[100.0, 1.0, 1.0],
        budget(3.0 / 60.0 + 1e-9),
        limits(),
        PURE,
    );
    assert_eq!(secs(&a), [60, 60, 60]);
    // A budget a bit short of that: the busy show stays at MIN, the two
    // quiet ones share what is left equally.
    let b = allocate(
        &[400.0, 1.0, 1.0],
        budget(1.0 / 60.0 + 2.0 / 600.0),
        limits(),
        PURE,
    );
    assert_eq!(secs(&b), [60, 600, 600]);
}

#[test]
fn abundant_budget_polls_every_active_show_at_min() {
    let a = allocate(&[0.0, 0.5, 30.0], budget(100.0), limits(), PURE);
    assert_eq!(secs(&a), [3600, 60, 60]);
    assert!(a.overload.is_none());
}

#[test]
fn overload_when_even_max_interval_is_too_much() {
    // 10 shows at one poll an hour need 10/3600 per second; the budget is half.
    let a = allocate(&[5.0; 10], budget(5.0 / 3600.0), limits(), PURE);
    assert!(a.intervals.iter().all(|&i| i == MAX));
    let factor = a.overload.map(|o| o.factor).unwrap_or(0.0);
    assert!((factor - 2.0).abs() < 1e-9, "{factor}");
    let none = allocate(&[1.0], budget(0.0), limits(), PURE);
    assert_eq!(none.overload.map(|o| o.factor), Some(f64::INFINITY));
}

#[test]
fn reserved_budget_is_spent_first() {
    // v2: the global comment feed takes 1 request a minute first.
    let b = Budget {
        per_second: 2.0 / 60.0,
        reserved: 1.0 / 60.0,
    };
    let a = allocate(&[1.0, 1.0], b, limits(), PURE);
    assert_eq!(secs(&a), [120, 120]);
}

#[test]
fn tail_guard_keeps_the_middle_at_the_fair_interval() {
    // 100 shows, budget for a fair interval of 1000 s. Rates: one very busy
    // show, 98 middling, one nearly silent.
    let mut rates = vec![1.0; 100];
    rates[0] = 10_000.0;
    rates[99] = 0.001;
    let b = budget(100.0 / 1000.0);
    let pure = allocate(&rates, b, limits(), PURE);
    let guarded = allocate(&rates, b, limits(), Policy { tail_share: 0.001 });
    // The pure √ rule sends the middle far past the fair interval ...
    assert!(
        pure.intervals[1].as_secs() > 1000,
        "{:?}",
        pure.intervals[1]
    );
    // ... the guard keeps it there, and only the silent show goes slower.
    assert!(guarded.intervals[1..99].iter().all(|i| i.as_secs() <= 1000));
    assert_eq!(guarded.intervals[99], MAX);
    assert!(guarded.intervals[0] < guarded.intervals[1]);
    assert!(guarded.requests_per_second() <= 0.1 + 1e-12);
}

#[test]
fn tail_guard_counts_equal_rates_together() {
    // Shares: 0.1 each for the two quiet shows. A tail share of 0.15 would
    // fit one of them but not both: neither is in the tail.
    let a = allocate(
        &[1.0, 1.0, 8.0],
        budget(3.0 / 1000.0),
        limits(),
        Policy { tail_share: 0.15 },
    );
    assert_eq!(a.intervals[0], a.intervals[1]);
    assert!(a.intervals[0].as_secs() <= 1000, "{:?}", a.intervals);
}

#[test]
fn interval_for_matches_the_allocation() {
    let rates = [0.0, 0.3, 2.0, 9.0, 400.0];
    let a = allocate(&rates, budget(0.004), limits(), Policy::default());
    for (r, i) in rates.iter().zip(&a.intervals) {
        assert_eq!(a.interval_for(*r), *i, "rate {r}");
    }
    // A show re-estimated busier than any gets a shorter interval.
    assert!(a.interval_for(2_000.0) <= a.intervals[4]);
}

#[test]
fn garbage_rates_count_as_quiet() {
    let a = allocate(
        &[f64::NAN, -3.0, f64::INFINITY],
        budget(1.0),
        limits(),
        PURE,
    );
    assert_eq!(secs(&a), [3600, 3600, 3600]);
}

#[test]
fn inverted_limits_are_ordered() {
    let l = Limits {
        min_interval: MAX,
        max_interval: MIN,
    };
    let a = allocate(&[1.0], budget(1.0), l, PURE);
    assert_eq!(a.intervals, [MAX]);
}
