//! Timing loops and the figures table: every measurement becomes one row with
//! its value, the baseline measured in the same run, the ratio, the target and
//! whether it was met. The table prints as Markdown, ready for
//! `docs/performance.md`.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Timed closures run in interleaved rounds (one run of each per round), so
/// that a change in machine load between measurements (other processes share
/// the cores) biases every figure alike, and ratios between them stay fair.
#[derive(Default)]
pub struct Interleaved<'a> {
    jobs: Vec<Box<dyn FnMut() -> Duration + 'a>>,
}

impl<'a> Interleaved<'a> {
    /// Add a job; answers its index in [`Interleaved::medians`].
    pub fn add<R>(&mut self, mut f: impl FnMut() -> R + 'a) -> usize {
        self.add_with_setup(|| (), move |()| f())
    }

    /// Add a job with a fresh input from `setup` (not timed) for every run.
    pub fn add_with_setup<I, R>(
        &mut self,
        mut setup: impl FnMut() -> I + 'a,
        mut f: impl FnMut(I) -> R + 'a,
    ) -> usize {
        self.jobs.push(Box::new(move || {
            let input = setup();
            let start = Instant::now();
            black_box(f(black_box(input)));
            start.elapsed()
        }));
        self.jobs.len() - 1
    }

    /// One warm-up round, then `rounds` timed ones: each job's median.
    pub fn medians(mut self, rounds: usize) -> Vec<Duration> {
        for job in &mut self.jobs {
            job();
        }
        let mut times: Vec<Vec<Duration>> = vec![Vec::with_capacity(rounds); self.jobs.len()];
        for _ in 0..rounds.max(1) {
            for (job, t) in self.jobs.iter_mut().zip(&mut times) {
                t.push(job());
            }
        }
        times
            .into_iter()
            .map(|mut t| {
                t.sort_unstable();
                t[t.len() / 2]
            })
            .collect()
    }
}

/// Nanoseconds per item.
pub fn per_item_ns(total: Duration, items: usize) -> f64 {
    total.as_nanos() as f64 / items.max(1) as f64
}

/// Whether a row met its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Met,
    Missed,
    /// A figure without a target (a baseline or a breakdown).
    Info,
}

impl Verdict {
    /// `Met` when `ok`, else `Missed`.
    pub fn of(ok: bool) -> Self {
        if ok {
            Verdict::Met
        } else {
            Verdict::Missed
        }
    }

    fn label(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Missed => "**missed**",
            Verdict::Info => "",
        }
    }
}

/// One line of the table.
#[derive(Clone, Debug)]
pub struct Row {
    pub section: &'static str,
    pub what: String,
    pub value: String,
    pub baseline: String,
    pub ratio: String,
    pub target: String,
    pub verdict: Verdict,
}

/// Every row of the run, in order.
#[derive(Default)]
pub struct Report {
    rows: Vec<Row>,
}

impl Report {
    /// Record a row and print it at once (long sections show progress).
    pub fn add(&mut self, row: Row) {
        println!(
            "  {:<58} {:>16}  {:<22} {:>8}  {} {}",
            row.what,
            row.value,
            row.baseline,
            row.ratio,
            row.target,
            row.verdict.label()
        );
        self.rows.push(row);
    }

    /// A figure with no baseline or target.
    pub fn info(
        &mut self,
        section: &'static str,
        what: impl Into<String>,
        value: impl Into<String>,
    ) {
        self.add(Row {
            section,
            what: what.into(),
            value: value.into(),
            baseline: String::new(),
            ratio: String::new(),
            target: String::new(),
            verdict: Verdict::Info,
        });
    }

    /// How many rows missed their target.
    pub fn missed(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.verdict == Verdict::Missed)
            .count()
    }

    /// The whole table as Markdown.
    pub fn markdown(&self) -> String {
        let mut out = String::from(
            "| # | measurement | value | baseline (same run) | ratio | target | |\n\
             |---|---|---:|---|---:|---|---|\n",
        );
        for r in &self.rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                r.section,
                r.what,
                r.value,
                r.baseline,
                r.ratio,
                r.target,
                r.verdict.label()
            );
        }
        out
    }
}

/// `1 234 567` style grouping for large counts.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// A duration in the unit that reads best.
pub fn human(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1_000.0 {
        format!("{us:.1} µs")
    } else if us < 1_000_000.0 {
        format!("{:.1} ms", us / 1e3)
    } else {
        format!("{:.2} s", us / 1e6)
    }
}
