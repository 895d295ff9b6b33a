//! `habitd completions SHELL` and `habitd man`: shell completions and the
//! man page, generated from the clap definitions, so they never disagree
//! with `--help`.
//!
//! Completions are dynamic (clap_complete's `CompleteEnv`): the script a
//! shell loads only registers `habitd` as its own completer, and each Tab
//! runs `habitd` with `_HABITD_COMPLETE` set, which answers from the
//! definitions and reads habit ids from the config at that moment. So ids
//! are never stale after `habitd edit`, one definition serves bash, zsh and
//! fish, and no generated script is patched by hand.

use anyhow::Context;
use clap::{CommandFactory, ValueEnum};
use clap_complete::engine::CompletionCandidate;
use clap_complete::env::{CompleteEnv, Shells};

use super::{Cli, Exit};
use crate::config;

/// The variable that makes `habitd` answer a completion request; not
/// clap's default `COMPLETE`, which a user's environment may well hold.
const VAR: &str = "_HABITD_COMPLETE";

/// Answers a completion request from a shell and exits, if this is one.
/// Call before anything is written to stdout.
pub fn answer_if_asked() {
    CompleteEnv::with_factory(Cli::command).var(VAR).complete();
}

/// A shell to complete in.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Shell {
    /// bash (4.4 or later)
    Bash,
    /// zsh
    Zsh,
    /// fish
    Fish,
}

/// Arguments of `habitd completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell the script is for.
    pub shell: Shell,
}

/// The habits of the config as it is now, for completing a HABIT; none
/// when it cannot be read (a completion must never print an error).
pub(super) fn habit_ids() -> Vec<CompletionCandidate> {
    config::load(&config::locate(None))
        .map(|config| {
            config
                .habits
                .iter()
                .map(|h| {
                    CompletionCandidate::new(&h.id)
                        .help(Some(crate::quote::escape(&h.title).into_owned().into()))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// [`habit_ids`] and `all`, for `snooze`.
pub(super) fn habit_ids_or_all() -> Vec<CompletionCandidate> {
    let mut ids = habit_ids();
    ids.push(CompletionCandidate::new("all").help(Some("every habit".into())));
    ids
}

pub(super) fn completions(args: &CompletionsArgs) -> anyhow::Result<Exit> {
    let name = match args.shell {
        Shell::Bash => "bash",
        Shell::Zsh => "zsh",
        Shell::Fish => "fish",
    };
    let shells = Shells::builtins();
    let shell = shells
        .completer(name)
        .ok_or_else(|| anyhow::anyhow!("no completions for {name}"))?;
    let mut script = Vec::new();
    // `habitd` is found on PATH when Tab is pressed, wherever it is installed.
    shell.write_registration(VAR, "habitd", "habitd", "habitd", &mut script)?;
    let mut out = super::out::Out::stdout();
    out.write_str(&String::from_utf8_lossy(&script))?;
    out.finish()?;
    Ok(Exit::Success)
}

/// Arguments of `habitd man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// The page of this subcommand (habitd-SUBCOMMAND(1)) instead of
    /// habitd(1), which lists them.
    #[arg(conflicts_with = "dir")]
    pub subcommand: Option<String>,
    /// Write every page (habitd.1, habitd-done.1, …) into this directory
    /// instead, as packages install them.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<std::path::PathBuf>,
}

pub(super) fn man(args: &ManArgs) -> anyhow::Result<Exit> {
    if let Some(dir) = &args.dir {
        clap_mangen::generate_to(Cli::command(), dir)
            .with_context(|| format!("cannot write the man pages to {}", dir.display()))?;
        return Ok(Exit::Success);
    }
    // Built, as clap_mangen::generate_to builds it: subcommands then carry
    // the global options, the name habitd(1) refers to them by
    // (habitd-done) and the command as typed (habitd done).
    let mut top = Cli::command().disable_help_subcommand(true);
    top.build();
    let page = match &args.subcommand {
        None => top,
        Some(name) => {
            let Some(sub) = top.find_subcommand(name) else {
                let names: Vec<&str> = top.get_subcommands().map(|s| s.get_name()).collect();
                return Err(super::UsageError(format!(
                    "no subcommand {}; expected one of: {}",
                    crate::quote::Quoted(name),
                    names.join(", ")
                ))
                .into());
            };
            sub.clone()
        }
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(page).render(&mut roff)?;
    let mut out = super::out::Out::stdout();
    out.write_str(&String::from_utf8_lossy(&roff))?;
    out.finish()?;
    Ok(Exit::Success)
}
