//! Measurement 6: the adaptive poll schedule (issue 16) against one interval
//! for all, on a simulated week (a virtual clock: nothing sleeps).
//!
//! The trace: 2 000 followed shows whose activity rates follow a Zipf law,
//! Poisson activity over 7 days. Both schedules run the same trace through the
//! same limiter (at most 450 requests in any 5 minutes, Trakt v2's budget; one
//! request per show poll, as v2's per-show feeds) and poll the most overdue
//! show first: (a) round robin, every show at one interval; (b) the adaptive
//! schedule of `trakt_herald::schedule`, which starts knowing nothing, learns
//! each show's rate from what its polls find, re-allocates every 5 minutes and
//! applies the burst rule in between. Round robin's interval is set so that it
//! makes as many requests as the adaptive run did. Delay = fetch time − the
//! moment the activity became visible.

use std::collections::{BinaryHeap, VecDeque};
use std::time::Duration;

use trakt_herald::schedule::{
    after_poll, allocate, due_at, Allocation, Budget, BurstRule, Limits, Policy, ShowPlan,
};

use super::gen::SEED;
use super::report::{thousands, Report, Row, Verdict};

const SECTION: &str = "6";
const SHOWS: usize = 2_000;
const DAY: f64 = 86_400.0;
const DAYS: f64 = 7.0;
/// Activity across all shows, per day.
const EVENTS_PER_DAY: f64 = 20_000.0;
/// The Zipf exponent of the headline trace (and the one for sensitivity).
const ZIPF: f64 = 1.2;
const ZIPF_FLATTER: f64 = 1.0;
/// Trakt v2: 450 requests per 5 minutes.
const WINDOW_REQUESTS: usize = 450;
const WINDOW_SECS: f64 = 300.0;
/// `poll.interval` (the fastest) and `poll.max_interval` (the slowest).
const MIN_INTERVAL: Duration = Duration::from_secs(60);
const MAX_INTERVAL: Duration = Duration::from_secs(3_600);
const HALF_LIFE: Duration = Duration::from_secs(12 * 3_600);
const REALLOCATE_SECS: i64 = 300;
/// The prior the allocation's rates carry (`RateEstimate::per_hour_with_prior`):
/// half an activity, so that a show seen quiet for a few hours is not yet
/// taken for one that may wait `max_interval`.
const PRIOR: f64 = 0.5;
/// The schedule plans its slowest interval this much under `max_interval`:
/// two budget windows of slack for a poll queued behind the limiter (at
/// start-up every show is due at once), so that none waits past it.
const PLAN_MARGIN: Duration = Duration::from_secs(600);
/// The adaptive schedule plans for this share of the budget: the rest is
/// headroom for polls that fall due together (round robin's are evenly spread).
const HEADROOM: f64 = 0.97;
/// After the week, both keep polling this long so that every activity is fetched.
const DRAIN_SECS: f64 = 7_200.0;

/// One trace: each show's true rate (per second) and its activity times.
struct Trace {
    zipf: f64,
    events: Vec<Vec<f64>>,
}

impl Trace {
    fn generate(zipf: f64) -> Trace {
        let mut rng = fastrand::Rng::with_seed(SEED ^ 0x5c4e_d01e);
        let norm: f64 = (1..=SHOWS).map(|k| (k as f64).powf(-zipf)).sum();
        let week = DAYS * DAY;
        let events = (1..=SHOWS)
            .map(|k| {
                let rate = EVENTS_PER_DAY / DAY * (k as f64).powf(-zipf) / norm;
                let mut times = Vec::new();
                let mut t = exp(&mut rng, rate);
                while t < week {
                    times.push(t);
                    t += exp(&mut rng, rate);
                }
                times
            })
            .collect();
        Trace { zipf, events }
    }

    fn total(&self) -> usize {
        self.events.iter().map(Vec::len).sum()
    }

    fn end(&self) -> f64 {
        DAYS * DAY + DRAIN_SECS
    }
}

/// An exponential variate of the given rate (inter-arrival of a Poisson process).
fn exp(rng: &mut fastrand::Rng, rate: f64) -> f64 {
    -(1.0 - rng.f64()).ln() / rate
}

/// At most `WINDOW_REQUESTS` in any `WINDOW_SECS`.
#[derive(Default)]
struct Limiter {
    sent: VecDeque<f64>,
    busiest: usize,
}

impl Limiter {
    /// The earliest moment from `t` at which a request may go.
    fn ready(&mut self, t: f64) -> f64 {
        while self.sent.front().is_some_and(|&s| s <= t - WINDOW_SECS) {
            self.sent.pop_front();
        }
        match self.sent.front() {
            Some(&oldest) if self.sent.len() >= WINDOW_REQUESTS => t.max(oldest + WINDOW_SECS),
            _ => t,
        }
    }

    fn send(&mut self, t: f64) {
        while self.sent.front().is_some_and(|&s| s <= t - WINDOW_SECS) {
            self.sent.pop_front();
        }
        self.sent.push_back(t);
        self.busiest = self.busiest.max(self.sent.len());
    }
}

/// What a run measured.
struct Outcome {
    delays: Vec<f64>,
    requests: u64,
    busiest_window: usize,
}

/// The delays of the activities of `show` visible by `t`, fetched at `t`.
struct Fetcher<'a> {
    trace: &'a Trace,
    next: Vec<usize>,
    delays: Vec<f64>,
}

impl<'a> Fetcher<'a> {
    fn new(trace: &'a Trace) -> Self {
        Fetcher {
            trace,
            next: vec![0; SHOWS],
            delays: Vec::with_capacity(trace.total()),
        }
    }

    /// Fetch at `t`: answers how many new activities the poll found.
    fn poll(&mut self, show: usize, t: f64) -> u64 {
        let times = &self.trace.events[show];
        let start = self.next[show];
        let mut i = start;
        while i < times.len() && times[i] <= t {
            self.delays.push(t - times[i]);
            i += 1;
        }
        self.next[show] = i;
        (i - start) as u64
    }
}

/// A due poll in the min-heap (`BinaryHeap` is a max-heap: ordering reversed).
#[derive(PartialEq)]
struct Due {
    at: f64,
    show: usize,
    version: u64,
}

impl Eq for Due {}

impl Ord for Due {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other
            .at
            .total_cmp(&self.at)
            .then(other.show.cmp(&self.show))
    }
}

impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// (a) Every show every `interval` seconds, phases spread evenly.
fn round_robin(trace: &Trace, interval: f64) -> Outcome {
    let mut heap: BinaryHeap<Due> = (0..SHOWS)
        .map(|show| Due {
            at: show as f64 * interval / SHOWS as f64,
            show,
            version: 0,
        })
        .collect();
    let (mut limiter, mut fetcher) = (Limiter::default(), Fetcher::new(trace));
    let (mut clock, mut requests) = (0.0_f64, 0_u64);
    while let Some(due) = heap.pop() {
        let t = limiter.ready(due.at.max(clock));
        if t > trace.end() {
            break;
        }
        clock = t;
        limiter.send(t);
        requests += 1;
        fetcher.poll(due.show, t);
        heap.push(Due {
            at: due.at + interval,
            ..due
        });
    }
    Outcome {
        delays: fetcher.delays,
        requests,
        busiest_window: limiter.busiest,
    }
}

/// (b) The adaptive schedule's state during a run.
struct Adaptive<'a> {
    plans: Vec<ShowPlan>,
    versions: Vec<u64>,
    heap: BinaryHeap<Due>,
    alloc: Allocation,
    policy: Policy,
    fetcher: Fetcher<'a>,
}

impl<'a> Adaptive<'a> {
    fn new(trace: &'a Trace, policy: Policy) -> Self {
        let plans = vec![ShowPlan::default(); SHOWS];
        // Every show is a new follow: due at once.
        let heap = (0..SHOWS)
            .map(|show| Due {
                at: due_at(&plans[show], 0) as f64,
                show,
                version: 0,
            })
            .collect();
        Adaptive {
            alloc: allocate(&[0.0; SHOWS], budget(), limits(), policy),
            plans,
            versions: vec![0; SHOWS],
            heap,
            policy,
            fetcher: Fetcher::new(trace),
        }
    }

    /// Re-allocate from the rates learnt so far; every due time moves.
    fn reallocate(&mut self, now: i64) {
        let rates: Vec<f64> = self
            .plans
            .iter()
            .map(|p| p.rate.per_hour_with_prior(PRIOR))
            .collect();
        self.alloc = allocate(&rates, budget(), limits(), self.policy);
        for show in 0..SHOWS {
            self.plans[show].interval = Some(self.alloc.intervals[show]);
            self.schedule(show, now);
        }
    }

    fn schedule(&mut self, show: usize, now: i64) {
        self.versions[show] += 1;
        self.heap.push(Due {
            at: due_at(&self.plans[show], now).max(now) as f64,
            show,
            version: self.versions[show],
        });
    }

    fn poll(&mut self, show: usize, t: f64) {
        let found = self.fetcher.poll(show, t);
        let now = t.ceil() as i64;
        self.plans[show] = after_poll(
            self.plans[show],
            found,
            now,
            HALF_LIFE,
            BurstRule::default(),
            &self.alloc,
        );
        if self.plans[show].interval.is_none() {
            self.plans[show].interval = Some(self.alloc.interval_for(0.0));
        }
        self.schedule(show, now);
    }
}

fn run_adaptive(trace: &Trace, policy: Policy) -> Outcome {
    let mut sim = Adaptive::new(trace, policy);
    let mut limiter = Limiter::default();
    let (mut clock, mut requests, mut next_alloc) = (0.0_f64, 0_u64, REALLOCATE_SECS);
    while let Some(due) = sim.heap.pop() {
        if due.version != sim.versions[due.show] {
            continue;
        }
        // Whole seconds, as the store keeps times.
        let t = limiter.ready(due.at.max(clock)).ceil();
        if t > trace.end() {
            break;
        }
        if t >= next_alloc as f64 {
            sim.heap.push(due);
            sim.reallocate(clock.ceil() as i64);
            next_alloc += REALLOCATE_SECS;
            continue;
        }
        clock = t;
        limiter.send(t);
        requests += 1;
        sim.poll(due.show, t);
    }
    Outcome {
        delays: sim.fetcher.delays,
        requests,
        busiest_window: limiter.busiest,
    }
}

fn budget() -> Budget {
    Budget {
        per_second: HEADROOM * WINDOW_REQUESTS as f64 / WINDOW_SECS,
        reserved: 0.0,
    }
}

fn limits() -> Limits {
    Limits {
        min_interval: MIN_INTERVAL,
        max_interval: MAX_INTERVAL - PLAN_MARGIN,
    }
}

/// Mean, p50, p99, max of the delays, in seconds.
struct Stats {
    mean: f64,
    p50: f64,
    p99: f64,
    max: f64,
}

impl Stats {
    fn of(delays: &[f64]) -> Stats {
        let mut d = delays.to_vec();
        d.sort_by(f64::total_cmp);
        let at = |q: f64| d.get(((d.len() as f64 * q) as usize).min(d.len().saturating_sub(1)));
        Stats {
            mean: d.iter().sum::<f64>() / d.len().max(1) as f64,
            p50: at(0.50).copied().unwrap_or(0.0),
            p99: at(0.99).copied().unwrap_or(0.0),
            max: d.last().copied().unwrap_or(0.0),
        }
    }
}

/// One trace through both schedules (round robin at the adaptive run's request count).
struct Comparison {
    adaptive: Outcome,
    round_robin: Outcome,
    interval: f64,
}

fn compare(trace: &Trace, policy: Policy) -> Comparison {
    let adaptive = run_adaptive(trace, policy);
    let interval = SHOWS as f64 * trace.end() / adaptive.requests.max(1) as f64;
    let round_robin = round_robin(trace, interval);
    Comparison {
        adaptive,
        round_robin,
        interval,
    }
}

pub fn run(report: &mut Report) -> anyhow::Result<()> {
    println!("\n## 6. adaptive poll schedule (simulated week)");
    let trace = Trace::generate(ZIPF);
    let c = compare(&trace, Policy::default());
    rows(report, &trace, &c, true);
    let pure = run_adaptive(&trace, Policy { tail_share: 1.0 });
    ablation(report, "pure √ rule (no tail guard), same trace", &pure, &c);
    let flatter = Trace::generate(ZIPF_FLATTER);
    let f = compare(&flatter, Policy::default());
    rows(report, &flatter, &f, false);
    anyhow::ensure!(
        c.adaptive.delays.len() == trace.total(),
        "an activity was never fetched"
    );
    Ok(())
}

fn secs(s: f64) -> String {
    format!("{s:.0} s")
}

/// The rows of one comparison; `targets` for the headline trace.
fn rows(report: &mut Report, trace: &Trace, c: &Comparison, targets: bool) {
    let (a, r) = (
        Stats::of(&c.adaptive.delays),
        Stats::of(&c.round_robin.delays),
    );
    report.info(
        SECTION,
        format!(
            "trace: {SHOWS} shows, Zipf s = {}, {} activities/day, Poisson, {DAYS} days",
            trace.zipf,
            thousands(EVENTS_PER_DAY as u64)
        ),
        format!("{} activities", thousands(trace.total() as u64)),
    );
    let rr = format!("round robin, every {:.0} s", c.interval);
    let target = |t: &str| if targets { t.to_owned() } else { String::new() };
    let verdict = |ok: bool| {
        if targets {
            Verdict::of(ok)
        } else {
            Verdict::Info
        }
    };
    let mut row = |what: &str, value: f64, base: f64, t: &str, ok: bool| {
        report.add(Row {
            section: SECTION,
            what: format!("adaptive: {what} delay"),
            value: secs(value),
            baseline: format!("{} ({rr})", secs(base)),
            ratio: format!("{:.2}×", value / base.max(1e-9)),
            target: target(t),
            verdict: if t.is_empty() {
                Verdict::Info
            } else {
                verdict(ok)
            },
        });
    };
    row("mean", a.mean, r.mean, "≤ 0.5×", a.mean <= 0.5 * r.mean);
    row("p50", a.p50, r.p50, "", true);
    row("p99", a.p99, r.p99, "≤ 1.0×", a.p99 <= r.p99);
    let max_target = format!("≤ max_interval {} s", MAX_INTERVAL.as_secs());
    row(
        "max",
        a.max,
        r.max,
        &max_target,
        a.max <= MAX_INTERVAL.as_secs_f64(),
    );
    report.add(Row {
        section: SECTION,
        what: "requests over the run (busiest 5 min)".to_owned(),
        value: format!(
            "{} ({})",
            thousands(c.adaptive.requests),
            c.adaptive.busiest_window
        ),
        baseline: format!(
            "{} ({})",
            thousands(c.round_robin.requests),
            c.round_robin.busiest_window
        ),
        ratio: format!(
            "{:.4}×",
            c.adaptive.requests as f64 / c.round_robin.requests.max(1) as f64
        ),
        target: target(&format!("same; ≤ {WINDOW_REQUESTS} per 5 min")),
        verdict: verdict(
            c.adaptive.requests.abs_diff(c.round_robin.requests) <= SHOWS as u64
                && c.adaptive.busiest_window <= WINDOW_REQUESTS,
        ),
    });
}

/// The adaptive schedule without the tail guard, against the same round robin.
fn ablation(report: &mut Report, what: &str, pure: &Outcome, c: &Comparison) {
    let (p, r) = (Stats::of(&pure.delays), Stats::of(&c.round_robin.delays));
    report.info(
        SECTION,
        what,
        format!(
            "mean {}, p99 {}, max {} ({} requests)",
            secs(p.mean),
            secs(p.p99),
            secs(p.max),
            thousands(pure.requests)
        ),
    );
    report.info(
        SECTION,
        "  its ratios to round robin",
        format!("mean {:.2}×, p99 {:.2}×", p.mean / r.mean, p.p99 / r.p99),
    );
}
