//! The command line: clap definitions (a field's `///` doc is its help text),
//! dispatch to one file per subcommand, and the mapping of failures to exit
//! codes.

mod check;
pub mod complete;
mod edit;
mod exchange;
mod heatmap;
mod init;
mod log;
mod next;
mod out;
mod record;
mod report;
mod report_html;
mod report_text;
mod run;
mod service;
mod status;
mod streaks;
pub mod style;
mod sync;

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

    /// When to colour output: auto (a terminal, and NO_COLOR unset), always, never.
    #[arg(long, global = true, value_enum, default_value_t, value_name = "WHEN")]
    pub color: style::ColorChoice,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon: show each habit's reminders on schedule.
    Run(run::RunArgs),
    /// Validate the config and print each habit's schedule in words.
    Check,
    /// Write the commented example config to ~/.config/habitd/config.toml.
    Init(init::InitArgs),
    /// Edit the config in $VISUAL or $EDITOR; it is checked before it is saved.
    Edit,
    /// Print the completion script for a shell: `source <(habitd completions bash)`.
    Completions(complete::CompletionsArgs),
    /// Print the man page (roff): `habitd man | man -l -`.
    Man(complete::ManArgs),
    /// Install or remove the systemd user service: `habitd service install`.
    Service(service::ServiceArgs),
    /// Show the next reminders, as the daemon would show them.
    Next(next::NextArgs),
    /// Record a completion: `habitd done water 2`, `habitd done walk 25m`.
    Done(record::DoneArgs),
    /// Take back what was recorded last: a completion (of HABIT) or a cramp
    /// diary entry (`habitd undo cramp`: of the diary).
    Undo(record::UndoArgs),
    /// Postpone a habit's reminder (or all): `habitd snooze water 20m`.
    Snooze(record::SnoozeArgs),
    /// Make a day a rest day for a habit: no reminders, the streak holds.
    Skip(record::SkipArgs),
    /// Record a leg cramp in the diary (`habitd cramp --leg left --minutes
    /// 5`), or a night without (`habitd cramp --none`).
    Cramp(record::CrampArgs),
    /// Hold all reminders: `habitd pause 1h`, `habitd pause --until 18:00`.
    Pause(record::PauseArgs),
    /// End a pause.
    Resume,
    /// Today's progress, the next reminders, any snooze, skip or pause, and
    /// last night's cramp diary entry.
    Status(status::StatusArgs),
    /// One history on every machine through a synced folder: `habitd sync
    /// status` shows this device and the others seen.
    Sync(sync::SyncArgs),
    /// Streaks, success rates, habit strength and a calendar heatmap.
    Streaks(streaks::StreaksArgs),
    /// The history, for reading or export.
    Log(log::LogArgs),
    /// The cramp report: nights with cramps per week, each habit's days
    /// met, and when to consider talking to a doctor.
    Report(report::ReportArgs),
    /// Write the history as a Loop Habit Tracker backup:
    /// `habitd export --loop habits.db`.
    Export(exchange::ExportArgs),
    /// Read a Loop Habit Tracker backup into the history:
    /// `habitd import --loop "Loop Habits Backup.db"`.
    Import(exchange::ImportArgs),
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

/// Runs the parsed command line. A reader that closed standard output early
/// (`habitd log | head`) is a success: it saw what it wanted.
pub fn dispatch(cli: Cli) -> anyhow::Result<Exit> {
    let config = cli.config.as_deref();
    let paint = style::Paint::new(cli.color);
    let outcome = match cli.command {
        Command::Run(args) => run::run(cli.config, &args),
        Command::Check => check::check(config),
        Command::Init(args) => init::init(config, &args),
        Command::Edit => edit::edit(config),
        Command::Completions(args) => complete::completions(&args),
        Command::Man(args) => complete::man(&args),
        Command::Service(args) => service::service(&args),
        Command::Next(args) => next::next(config, &args),
        Command::Done(args) => record::send(config, args.request()),
        Command::Undo(args) => record::send(config, args.request()),
        Command::Snooze(args) => record::send(config, args.request()),
        Command::Skip(args) => record::send(config, args.request()),
        Command::Pause(args) => record::send(config, args.request()),
        Command::Cramp(args) => record::send(config, args.request()),
        Command::Resume => record::send(config, crate::command::Request::Resume),
        Command::Status(args) => status::status(config, &args, &paint),
        Command::Sync(args) => sync::sync(config, &args),
        Command::Streaks(args) => streaks::streaks(config, &args, &paint),
        Command::Log(args) => log::log(config, &args),
        Command::Report(args) => report::report(config, &args, &paint),
        Command::Export(args) => exchange::export(config, &args),
        Command::Import(args) => exchange::import(config, &args),
    };
    match outcome {
        Err(error) if error.is::<out::StdoutClosed>() => Ok(Exit::Success),
        outcome => outcome,
    }
}

/// Writes config errors bare, one per line, so editors and terminals can
/// jump to each file:line:column, then how many there are. Control
/// characters (from keys or paths) are escaped, so each stays one line.
pub fn write_config_errors(
    out: &mut impl std::io::Write,
    errors: &config::ConfigErrors,
) -> std::io::Result<()> {
    let (shown, more) = errors.shown();
    for each in shown {
        writeln!(out, "{}", crate::quote::escape(&each.to_string()))?;
    }
    if let Some(line) = config::ConfigErrors::more_line(more) {
        writeln!(out, "{line}")?;
    }
    writeln!(out, "habitd: {} error(s) in the config", errors.0.len())
}

/// Loads the config the user asked for, or the default one.
fn load_config(explicit: Option<&std::path::Path>) -> Result<Config, LoadError> {
    config::load(&config::locate(explicit))
}

/// Where the history lives: `$XDG_DATA_HOME/habitd/habitd.db`.
fn store_path() -> anyhow::Result<std::path::PathBuf> {
    crate::store::Store::default_path()
        .ok_or_else(|| anyhow::anyhow!("cannot find the data directory: set HOME or XDG_DATA_HOME"))
}

/// Opens the history at its default place, creating it if need be. A
/// history that exists but cannot be written (a read-only directory or
/// mount, a full disk) is opened read-only, so reading commands still work;
/// a recording command then fails at its write, with the reason.
fn open_store() -> anyhow::Result<crate::store::Store> {
    Ok(crate::store::Store::open_or_read_only(&store_path()?)?)
}

/// The planning state from the store, or an empty one when there is no
/// history yet (without creating a store just to read it). A history that
/// is there but cannot be read is an error, never an empty state: a report
/// of zeros would deny what was recorded.
fn load_state(config: &Config, now: jiff::Timestamp) -> anyhow::Result<crate::plan::State> {
    let Some(path) = crate::store::Store::default_path() else {
        return Ok(crate::plan::State::default());
    };
    if !crate::store::Store::exists(&path)? {
        return Ok(crate::plan::State::default());
    }
    let store = crate::store::Store::open_or_read_only(&path)?;
    Ok(crate::history::load_state(&store, config, now)?)
}

use crate::quote::counted;
