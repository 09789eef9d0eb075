//! trakt-herald's benchmarks: what the bot costs as the work grows, each
//! figure next to a baseline measured in the same run (issue 7).
//!
//! ```text
//! cargo bench --bench herald                 # everything (a few minutes)
//! cargo bench --bench herald -- processing   # only sections whose name matches
//! ```
//!
//! Sections: `processing` (CPU per activity), `requests` (Trakt requests per
//! poll cycle), `delivery` (Discord requests per delivered activity),
//! `digest` (messages and embeds per activity, digests on against off),
//! `startup` (memory and start-up of the release binary at scale), `latency`
//! (end to end on loopback fakes), `schedule` (the adaptive poll schedule
//! against round robin on a simulated week), `import` (`trakt-herald import`
//! of 100 000 subscriptions against the one-transaction import). The table at the end is Markdown, as
//! published in `docs/performance.md`.
//!
//! The fakes are the integration tests' own (`tests/it/support`), compiled in
//! here as they are.

mod support;

#[path = "../tests/it/support"]
#[expect(
    dead_code,
    reason = "the integration tests' fakes, shared as they are; the benchmarks use part of them"
)]
mod fakes {
    pub mod fake_discord;
    pub mod fake_trakt;
    pub mod fake_trakt_v2;
    pub mod fake_trakt_v2_routes;
    pub mod herald;
}

use std::process::ExitCode;

use support::report::Report;

const SECTIONS: [&str; 8] = [
    "processing",
    "requests",
    "delivery",
    "digest",
    "startup",
    "latency",
    "schedule",
    "import",
];

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; anything else not starting with `-` filters.
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let selected: Vec<&str> = SECTIONS
        .into_iter()
        .filter(|s| filters.is_empty() || filters.iter().any(|f| s.contains(f.as_str())))
        .collect();
    if selected.is_empty() {
        eprintln!("no section matches {filters:?}; sections: {SECTIONS:?}");
        return ExitCode::FAILURE;
    }
    match run(&selected) {
        Ok(report) => {
            println!("\n## figures\n\n{}", report.markdown());
            if report.missed() > 0 {
                println!("{} figure(s) missed their target.", report.missed());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("benchmark failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(selected: &[&str]) -> anyhow::Result<Report> {
    println!("# trakt-herald benchmarks");
    println!("machine: {}", support::machine());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut report = Report::default();
    for section in selected {
        match *section {
            "processing" => support::processing::run(&mut report)?,
            "requests" => {
                support::requests::run(&mut report, &rt)?;
                support::requests_v2::run(&mut report, &rt)?;
            }
            "delivery" => support::delivery::run(&mut report, &rt)?,
            "digest" => support::digest::run(&mut report)?,
            "startup" => support::startup::run(&mut report, &rt)?,
            "latency" => support::latency::run(&mut report, &rt)?,
            "schedule" => support::schedule::run(&mut report)?,
            "import" => support::import::run(&mut report)?,
            other => anyhow::bail!("unknown section {other}"),
        }
    }
    Ok(report)
}
