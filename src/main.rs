//! The `trakt-herald` command line: parses arguments and hands over to the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use trakt_herald::config::{Config, ProcessEnv};

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { config } => match Config::load(&config, &ProcessEnv) {
            Ok(config) => {
                print!("{}", config.masked_toml());
                eprintln!("configuration OK");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Command::Run { config } => {
            trakt_herald::telemetry::init();
            match Config::load(&config, &ProcessEnv) {
                Ok(_config) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}
