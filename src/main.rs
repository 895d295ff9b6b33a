//! The `habitd` binary: parse the command line, set up logging, dispatch,
//! and turn the outcome into an exit code. Errors are printed once, with
//! their whole cause chain.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use habitd::cli::{self, Cli};
use habitd::config::LoadError;
use habitd::quote::escape;

fn main() -> ExitCode {
    cli::complete::answer_if_asked();
    let cli = Cli::parse();
    init_logging(cli.verbose, cli.quiet);
    match cli::dispatch(cli) {
        Ok(exit) => exit.into(),
        Err(error) => {
            // A closed or broken stderr leaves nothing else to tell.
            let _ = report(&mut std::io::stderr().lock(), &error);
            cli::exit_for(&error).into()
        }
    }
}

/// Writes `error` for the user: config errors as
/// [`cli::write_config_errors`] does, anything else on one line with its
/// causes. Control characters (from keys, paths or arguments) are escaped,
/// so none can move the cursor.
fn report(out: &mut impl Write, error: &anyhow::Error) -> std::io::Result<()> {
    if let Some(LoadError::Invalid(errors)) = error.downcast_ref::<LoadError>() {
        cli::write_config_errors(out, errors)
    } else {
        writeln!(out, "habitd: {}", escape(&chain(error)))
    }
}

fn chain(error: &anyhow::Error) -> String {
    error
        .chain()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}

/// Logs go to stderr. Under systemd (JOURNAL_STREAM set) each line carries a
/// `<N>` syslog priority for journald and no timestamp, which journald adds.
fn init_logging(verbose: u8, quiet: u8) {
    let level = match (verbose, quiet) {
        (0, 0) => log::LevelFilter::Info,
        (1, _) => log::LevelFilter::Debug,
        (v, _) if v >= 2 => log::LevelFilter::Trace,
        (_, 1) => log::LevelFilter::Warn,
        _ => log::LevelFilter::Error,
    };
    let journal = std::env::var_os("JOURNAL_STREAM").is_some();
    let mut builder = env_logger::Builder::new();
    builder
        .filter_module("habitd", level)
        .filter_level(log::LevelFilter::Warn);
    if let Ok(spec) = std::env::var("RUST_LOG") {
        builder.parse_filters(&spec);
    }
    builder.format(move |out, record| {
        if journal {
            let priority = match record.level() {
                log::Level::Error => 3,
                log::Level::Warn => 4,
                log::Level::Info => 6,
                log::Level::Debug | log::Level::Trace => 7,
            };
            writeln!(out, "<{priority}>{}", record.args())
        } else {
            let now = jiff::ZonedDateTime::now();
            writeln!(
                out,
                "{} {:5} {}",
                now.strftime("%H:%M:%S%.3f"),
                record.level(),
                record.args()
            )
        }
    });
    builder.init();
}
