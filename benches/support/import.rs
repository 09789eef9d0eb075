//! Measurement 7: `trakt-herald import` at scale (issue 15). A generated
//! export of 100 000 subscriptions over 20 000 shows (2 000 channels) is
//! imported by the real release binary into an empty store: wall time and
//! peak RSS (`VmHWM`, sampled from /proc every 2 ms until the process exits;
//! it only grows, so the last sample is the peak but for the final 2 ms).
//! The baseline is the same binary writing one transaction (`--chunk` set
//! past the file's size, the import before issue 15), on a file of
//! `HERALD_BENCH_IMPORT_BASELINE` subscriptions (default 20 000: one
//! transaction of 100 000 took 4 min 22 s and 1.7 GB), next to the chunked
//! import of that same file. Then the 100 000 file again (nothing changes)
//! and the file with its last element broken (refused, nothing written).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::gen::Gen;
use super::report::{human, thousands, Report, Row, Verdict};
use super::startup::{memory_kib, mib};

const SECTION: &str = "7";
const SHOWS: usize = 20_000;
const SUBSCRIPTIONS: usize = 100_000;
const CHANNELS: usize = 2_000;
const TIME_TARGET: Duration = Duration::from_secs(30);
const RSS_TARGET_KIB: u64 = 300 * 1000 * 1000 / 1024;

/// One run of the binary: wall time, peak RSS (KiB), whether it succeeded.
struct Run {
    took: Duration,
    peak_kib: u64,
    ok: bool,
}

pub fn run(report: &mut Report) -> anyhow::Result<()> {
    println!("\n## 7. import at scale (release binary)");
    let dir = tempfile::tempdir()?;
    let big = write_file(dir.path(), "big.json", SHOWS, SUBSCRIPTIONS)?;
    let small_n = std::env::var("HERALD_BENCH_IMPORT_BASELINE")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(20_000);
    let small = write_file(dir.path(), "small.json", small_n / 5, small_n)?;

    let one_tx = import(dir.path(), "one-tx", &small, Some(usize::MAX))?;
    let chunked_small = import(dir.path(), "chunked-small", &small, None)?;
    report.add(Row {
        section: SECTION,
        what: format!(
            "import {} subscriptions, chunks of 2 000: wall time",
            thousands(small_n as u64)
        ),
        value: human(chunked_small.took),
        baseline: format!("one transaction: {}", human(one_tx.took)),
        ratio: format!(
            "{:.1}× faster",
            one_tx.took.as_secs_f64() / chunked_small.took.as_secs_f64()
        ),
        target: String::new(),
        verdict: Verdict::Info,
    });
    report.add(Row {
        section: SECTION,
        what: "  that import: peak RSS (VmHWM)".to_owned(),
        value: mib(chunked_small.peak_kib),
        baseline: format!("one transaction: {}", mib(one_tx.peak_kib)),
        ratio: format!(
            "{:.1}× less",
            one_tx.peak_kib as f64 / chunked_small.peak_kib as f64
        ),
        target: String::new(),
        verdict: Verdict::Info,
    });

    let chunked = import(dir.path(), "chunked", &big, None)?;
    report.add(Row {
        section: SECTION,
        what: format!(
            "import {} subscriptions over {} shows into an empty store: wall time",
            thousands(SUBSCRIPTIONS as u64),
            thousands(SHOWS as u64)
        ),
        value: human(chunked.took),
        baseline: "4 min 22 s before (one transaction)".to_owned(),
        ratio: String::new(),
        target: "< 30 s".to_owned(),
        verdict: Verdict::of(chunked.ok && chunked.took < TIME_TARGET),
    });
    report.add(Row {
        section: SECTION,
        what: "  that import: peak RSS (VmHWM)".to_owned(),
        value: mib(chunked.peak_kib),
        baseline: "1.7 GB before".to_owned(),
        ratio: String::new(),
        target: "< 300 MB".to_owned(),
        verdict: Verdict::of(chunked.ok && chunked.peak_kib < RSS_TARGET_KIB),
    });
    let again = import(dir.path(), "chunked", &big, None)?;
    report.info(
        SECTION,
        "  the same file again (nothing changes): wall time / peak RSS",
        format!("{} / {}", human(again.took), mib(again.peak_kib)),
    );
    let broken = break_last_element(dir.path(), &big)?;
    let refused = import(dir.path(), "refused", &broken, None)?;
    anyhow::ensure!(!refused.ok, "the broken file was accepted");
    report.info(
        SECTION,
        "  the file with its last element broken (refused): wall time / peak RSS",
        format!("{} / {}", human(refused.took), mib(refused.peak_kib)),
    );
    Ok(())
}

/// A generated export of `subscriptions` over `shows`, pretty-printed as
/// `export` writes it.
fn write_file(
    dir: &Path,
    name: &str,
    shows: usize,
    subscriptions: usize,
) -> anyhow::Result<PathBuf> {
    let mut g = Gen::with_seed(super::gen::SEED + 7);
    let shows = g.shows(shows);
    let subs = g.subscriptions(&shows, subscriptions, CHANNELS);
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(&subs)?)?;
    Ok(path)
}

/// `file` with the last element's actions replaced by an unknown one.
fn break_last_element(dir: &Path, file: &Path) -> anyhow::Result<PathBuf> {
    let text = std::fs::read_to_string(file)?;
    let at = text
        .rfind("\"actions\"")
        .ok_or_else(|| anyhow::anyhow!("no actions"))?;
    let end = at
        + text[at..]
            .find('\n')
            .ok_or_else(|| anyhow::anyhow!("no newline"))?;
    let path = dir.join("broken.json");
    std::fs::write(
        &path,
        format!("{}\"actions\": \"bogus\",{}", &text[..at], &text[end..]),
    )?;
    Ok(path)
}

/// `trakt-herald import FILE` into the store `dir/<store>`; `chunk` passes
/// `--chunk`.
fn import(dir: &Path, store: &str, file: &Path, chunk: Option<usize>) -> anyhow::Result<Run> {
    let config = dir.join(format!("{store}.toml"));
    std::fs::write(
        &config,
        format!(
            "[storage]\npath = \"{}\"\n",
            dir.join(store).join("store").display()
        ),
    )?;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_trakt-herald"));
    cmd.arg("import")
        .arg(file)
        .arg("--config")
        .arg(&config)
        .env_remove("DISCORD_TOKEN")
        .env_remove("TRAKT_API_KEY")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(n) = chunk {
        cmd.arg("--chunk").arg(n.to_string());
    }
    let started = Instant::now();
    let mut child = cmd.spawn()?;
    let pid = child.id();
    let mut peak_kib = 0;
    let status = loop {
        if let Ok((hwm, _)) = memory_kib(pid) {
            peak_kib = peak_kib.max(hwm);
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let run = Run {
        took: started.elapsed(),
        peak_kib,
        ok: status.success(),
    };
    println!(
        "  import {} into {store}{}: {} · peak RSS {} · {}",
        file.display(),
        chunk.map_or_else(String::new, |n| format!(" (--chunk {n})")),
        human(run.took),
        mib(run.peak_kib),
        if run.ok { "ok" } else { "refused" }
    );
    Ok(run)
}
