//! The `trakt-herald` command line: parses arguments and hands over to the library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use trakt_herald::config::{Config, ProcessEnv};

/// jemalloc instead of glibc's malloc: one arena per thread in glibc kept
/// what tokio's workers and blocking pool freed (docs/performance.md,
/// "Memory at 100 000 subscriptions"); the options are baked in at build time
/// (`.cargo/config.toml`).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// How long the exit waits for tasks still running after the bot stopped.
const RUNTIME_STOP_GRACE: Duration = Duration::from_millis(300);

#[derive(Parser)]
#[command(
    name = "trakt-herald",
    version,
    about = "Trakt show activity, posted to Discord channels"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the bot.
    Run {
        #[arg(long, default_value = "config/default.toml")]
        config: PathBuf,
    },
    /// Validate the configuration and print it with secrets masked.
    Check {
        #[arg(long, default_value = "config/default.toml")]
        config: PathBuf,
    },
    /// Ask the running bot's /healthz (at `metrics.listen`): exit 0 when
    /// healthy, 1 otherwise (the container's HEALTHCHECK).
    Health {
        #[arg(long, default_value = "config/default.toml")]
        config: PathBuf,
    },
    /// Print every subscription as JSON.
    Export {
        #[arg(long, default_value = "config/default.toml")]
        config: PathBuf,
    },
    /// Merge subscriptions from a JSON file made by `export` (an invalid file
    /// writes nothing; a rerun after a crash finishes the job).
    Import {
        file: PathBuf,
        #[arg(long, default_value = "config/default.toml")]
        config: PathBuf,
        /// Subscriptions per transaction (the benchmark's one-transaction
        /// baseline passes a huge number).
        #[arg(long, hide = true, default_value_t = trakt_herald::store::IMPORT_CHUNK)]
        chunk: usize,
    },
}

/// Exit 0 on success (a signal included); on an error, one line on stderr and
/// exit 2 (a refused Discord token among them). `health` exits 1 when unhealthy.
fn main() -> ExitCode {
    let command = Cli::parse().command;
    // Docker reads exit 1 as "unhealthy" (and reserves 2).
    let failure = if matches!(command, Command::Health { .. }) {
        1
    } else {
        2
    };
    match run(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(failure)
        }
    }
}

/// `health`: `/healthz`'s answer on stdout when healthy.
fn health(config: &Path) -> anyhow::Result<()> {
    let config = Config::load_offline(config, &ProcessEnv)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let answer = runtime.block_on(trakt_herald::metrics::check_health(&config))?;
    println!("{answer}");
    Ok(())
}

fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Check { config } => {
            let config = Config::load(&config, &ProcessEnv)?;
            print!("{}", config.masked_toml());
            eprintln!("configuration OK");
        }
        Command::Run { config } => {
            let config = Config::load(&config, &ProcessEnv)?;
            trakt_herald::telemetry::init();
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            let outcome = runtime.block_on(trakt_herald::app::run(config));
            // The store is flushed by now. What the Discord client may leave
            // behind (a shard still connecting, a DNS lookup on the blocking
            // pool) must not hold the exit.
            runtime.shutdown_timeout(RUNTIME_STOP_GRACE);
            outcome?;
        }
        Command::Export { config } => {
            let config = Config::load_offline(&config, &ProcessEnv)?;
            println!("{}", trakt_herald::app::export(&config)?);
        }
        Command::Import {
            file,
            config,
            chunk,
        } => {
            let config = Config::load_offline(&config, &ProcessEnv)?;
            let n = trakt_herald::app::import(&config, &file, chunk, |p| {
                eprintln!(
                    "chunk {}/{} written: {}/{} subscriptions",
                    p.chunk, p.chunks, p.done, p.total
                );
            })?;
            eprintln!("imported {n} subscriptions");
        }
        Command::Health { config } => health(&config)?,
    }
    Ok(())
}
