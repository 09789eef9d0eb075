//! The binary's allocator: jemalloc, with the options `.cargo/config.toml`
//! bakes in at build time (docs/performance.md, "Memory at 100 000
//! subscriptions"). jemalloc prints its options at exit when asked to through
//! its run-time variable; glibc's malloc ignores the variable.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_trakt-herald");

#[test]
fn the_binary_runs_jemalloc_with_the_baked_in_options() {
    let out = Command::new(BIN)
        .arg("--version")
        .env("_RJEM_MALLOC_CONF", "stats_print:true")
        .output()
        .expect("run the binary");
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    for line in [
        "config.malloc_conf: \"narenas:1,tcache:false,dirty_decay_ms:0,muzzy_decay_ms:0,background_thread:false\"",
        "opt.narenas: 1\n",
        "opt.tcache: false\n",
        "opt.dirty_decay_ms: 0 ",
        "opt.muzzy_decay_ms: 0 ",
    ] {
        assert!(
            stderr.contains(line),
            "no {line:?} in jemalloc's statistics:\n{stderr}"
        );
    }
}
