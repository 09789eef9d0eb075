//! The benchmark's own code: the workload generator, the timing loops and the
//! figures table, and one module per measurement of issue 7 (and the
//! schedule simulation of issue 16, the import at scale of issue 15).

pub mod delivery;
pub mod digest;
pub mod gen;
pub mod import;
pub mod latency;
pub mod processing;
pub mod report;
pub mod requests;
pub mod requests_v2;
pub mod schedule;
pub mod startup;
pub mod startup_proc;
pub mod startup_world;

/// The machine the figures come from: CPU model, cores, memory.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let mem_gib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1_048_576.0);
    format!("{cpu}, {cores} cores, {mem_gib:.1} GiB RAM")
}
