//! `habitd init`: writes the commented example config (the built-in
//! schedule) where habitd looks for it, and says what to do next.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use super::{Exit, UsageError};
use crate::config::{self, Origin};
use crate::quote::escape;

/// Arguments of `habitd init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Replace a config that is already there.
    #[arg(long)]
    pub force: bool,
}

/// The config file `init` and `edit` write: `--config PATH`, else the
/// XDG place.
pub(super) fn config_path(explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    match explicit {
        Some(path) => Ok(path.to_path_buf()),
        None => config::default_path().ok_or_else(|| {
            anyhow::anyhow!("cannot find the config directory: set HOME or XDG_CONFIG_HOME")
        }),
    }
}

/// Makes the directory `path` goes in (0700, as the XDG spec asks).
pub(super) fn make_parent(path: &Path) -> anyhow::Result<()> {
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => {
            crate::atomic::make_dir(dir).with_context(|| format!("cannot create {}", dir.display()))
        }
        None => Ok(()),
    }
}

pub(super) fn init(explicit: Option<&Path>, args: &InitArgs) -> anyhow::Result<Exit> {
    let path = config_path(explicit)?;
    // A dangling symlink is "there" too: writing would go through it.
    if !args.force && std::fs::symlink_metadata(&path).is_ok() {
        return Err(UsageError(format!(
            "{} already exists; change it with `habitd edit`, or replace it with the example with `habitd init --force`",
            escape(&path.display().to_string())
        ))
        .into());
    }
    make_parent(&path)?;
    crate::atomic::write(&path, config::DEFAULT_CONFIG.as_bytes(), 0o600)
        .with_context(|| format!("cannot write {}", path.display()))?;
    let shown = escape(&path.display().to_string()).into_owned();
    // The daemon looks in the default place only; elsewhere it needs telling.
    let flag = match (explicit, config::locate(None)) {
        (None, _) => String::new(),
        (Some(_), Origin::File(default)) if default == path => String::new(),
        (Some(_), _) => format!(" --config {shown}"),
    };
    let next = [
        (
            format!("habitd{flag} edit"),
            "change habits, times and goals",
        ),
        (
            format!("habitd{flag} check"),
            "each habit's schedule in words",
        ),
        (
            format!("habitd{flag} run --terminal"),
            "try the reminders on this terminal",
        ),
        (
            "habitd service install".to_string(),
            "run habitd with your desktop session",
        ),
    ];
    let mut out = std::io::stdout().lock();
    let written = print_next(&mut out, &shown, &next);
    // The config is written: a closed stdout loses only the advice.
    let _ = written.and_then(|()| out.flush());
    Ok(Exit::Success)
}

fn print_next(out: &mut impl Write, path: &str, next: &[(String, &str)]) -> std::io::Result<()> {
    writeln!(out, "wrote the example config to {path}\n\nnext:")?;
    let width = next
        .iter()
        .map(|(command, _)| command.len())
        .max()
        .unwrap_or(0);
    for (command, what) in next {
        writeln!(out, "  {command:width$}   {what}")?;
    }
    writeln!(out, "A running habitd picks up the new config by itself.")?;
    out.flush()
}
