//! The command line: clap definitions (a field's `///` doc is its help text),
//! dispatch to one file per subcommand, and the mapping of failures to exit
//! codes.

mod check;
mod next;
mod run;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::{self, Config, LoadError};

/// A quiet reminder and habit daemon: water, stretches and a daily walk
/// against night-time leg cramps.
#[derive(Debug, Parser)]
#[command(name = "habitd", version, propagate_version = true)]
pub struct Cli {
    /// Read the config from this file instead of
    /// $XDG_CONFIG_HOME/habitd/config.toml (or the built-in default).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Log more (-v debug, -vv trace). RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Log less (-q warnings only, -qq errors only).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub quiet: u8,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon: show each habit's reminders on schedule.
    Run,
    /// Validate the config and print each habit's schedule in words.
    Check,
    /// Show the next reminders, as the daemon would show them.
    Next(next::NextArgs),
}

/// How a command ended, as the process exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// 0: done.
    Success,
    /// 1: something failed at run time.
    Failure,
    /// 2: the command line or the config is wrong.
    Usage,
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(match exit {
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::Usage => 2,
        })
    }
}

/// A mistake in what the user typed; exits with [`Exit::Usage`].
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The exit code for an error that ended a command.
pub fn exit_for(error: &anyhow::Error) -> Exit {
    if error.is::<UsageError>() || error.is::<LoadError>() {
        Exit::Usage
    } else {
        Exit::Failure
    }
}

/// Runs the parsed command line.
pub fn dispatch(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Run => run::run(cli.config),
        Command::Check => check::check(cli.config.as_deref()),
        Command::Next(args) => next::next(cli.config.as_deref(), &args),
    }
}

/// Loads the config the user asked for, or the default one.
fn load_config(explicit: Option<&std::path::Path>) -> Result<Config, LoadError> {
    config::load(&config::locate(explicit))
}
