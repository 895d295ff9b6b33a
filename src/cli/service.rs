//! `habitd service install|uninstall`: the user unit of
//! `systemd/habitd.service`, starting the habitd that runs this command,
//! written to (or removed from) `$XDG_CONFIG_HOME/systemd/user/`, and
//! enabled (or disabled) with `systemctl --user`. What systemctl says goes
//! to the terminal as it is; when it is missing or fails, the message says
//! what was done and what is left to do by hand.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;
use clap::{Args, Subcommand};

use super::{Exit, UsageError};
use crate::quote::escape;

/// The unit the repository ships, for `cargo install` (`~/.cargo/bin`).
const SHIPPED_UNIT: &str = include_str!("../../systemd/habitd.service");

/// The unit's name.
const UNIT: &str = "habitd.service";

/// Arguments of `habitd service`.
#[derive(Debug, Args)]
pub struct ServiceArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: Action,
}

/// What `habitd service` does.
#[derive(Debug, Subcommand)]
pub enum Action {
    /// Write the user unit (starting this habitd) and enable it now.
    Install {
        /// Replace a habitd.service that was changed by hand.
        #[arg(long)]
        force: bool,
    },
    /// Disable and stop the user unit, and remove it.
    Uninstall,
    /// Print the unit `install` writes (packages use `--exec /usr/bin/habitd`).
    Unit {
        /// The habitd the unit starts (default: this one).
        #[arg(long, value_name = "PATH")]
        exec: Option<PathBuf>,
    },
}

pub(super) fn service(args: &ServiceArgs) -> anyhow::Result<Exit> {
    let dir = crate::dirs::config_home()
        .map(|c| c.join("systemd").join("user"))
        .ok_or_else(|| {
            anyhow::anyhow!("cannot find the config directory: set HOME or XDG_CONFIG_HOME")
        })?;
    let path = dir.join(UNIT);
    match &args.action {
        Action::Install { force } => install(&dir, &path, *force),
        Action::Uninstall => uninstall(&path),
        Action::Unit { exec } => {
            let exe = match exec {
                Some(path) if path.is_absolute() => path.clone(),
                Some(path) => {
                    return Err(UsageError(format!(
                        "--exec wants an absolute path, such as /usr/bin/habitd, not {}",
                        escape(&path.display().to_string())
                    ))
                    .into());
                }
                None => own_path()?,
            };
            let mut out = super::out::Out::stdout();
            out.write_str(&unit_for(&exe)?)?;
            out.finish()?;
            Ok(Exit::Success)
        }
    }
}

fn install(dir: &Path, path: &Path, force: bool) -> anyhow::Result<Exit> {
    let exe = own_path()?;
    let unit = unit_for(&exe)?;
    let shown = escape(&path.display().to_string()).into_owned();
    match std::fs::read_to_string(path) {
        Ok(old) if old == unit => say(&format!("{shown} is up to date")),
        Ok(_) if !force => {
            return Err(UsageError(format!(
                "{shown} exists and differs from the unit for {}; keep your changes in `systemctl --user edit habitd` (a drop-in) and replace it with `habitd service install --force`",
                escape(&exe.display().to_string())
            ))
            .into());
        }
        _ => {
            crate::atomic::make_dir(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            crate::atomic::write(path, unit.as_bytes(), 0o644)
                .with_context(|| format!("cannot write {}", path.display()))?;
            say(&format!("wrote {shown}"));
        }
    }
    let steps = [
        vec!["--user", "daemon-reload"],
        vec!["--user", "enable", "--now", UNIT],
    ];
    for step in &steps {
        if let Err(why) = systemctl(step) {
            anyhow::bail!(
                "{why}; the unit is written ({shown}): once a user manager runs (log in to a desktop session), run `systemctl --user daemon-reload && systemctl --user enable --now habitd`, or run `habitd run` in your session"
            );
        }
    }
    say(
        "habitd is enabled and started: `systemctl --user status habitd`, `journalctl --user -u habitd`",
    );
    Ok(Exit::Success)
}

fn uninstall(path: &Path) -> anyhow::Result<Exit> {
    let shown = escape(&path.display().to_string()).into_owned();
    if std::fs::symlink_metadata(path).is_err() {
        say(&format!("{shown} is not there; nothing to remove"));
        return Ok(Exit::Success);
    }
    // Stopped and disabled before its file goes, while systemd knows it.
    let disabled = systemctl(&["--user", "disable", "--now", UNIT]);
    std::fs::remove_file(path).with_context(|| format!("cannot remove {}", path.display()))?;
    say(&format!("removed {shown}"));
    let reloaded = systemctl(&["--user", "daemon-reload"]);
    if let Err(why) = disabled.and(reloaded) {
        anyhow::bail!(
            "{why}; the unit file is removed, and a habitd it started stops at the next logout (or stop it now with `systemctl --user stop habitd`)"
        );
    }
    Ok(Exit::Success)
}

fn own_path() -> anyhow::Result<PathBuf> {
    std::env::current_exe().context("cannot find this habitd's own path")
}

/// The shipped unit, starting `exe` instead of `~/.cargo/bin/habitd`.
pub(super) fn unit_for(exe: &Path) -> anyhow::Result<String> {
    let exec = exec_path(exe)?;
    let mut replaced = false;
    let unit: Vec<String> = SHIPPED_UNIT
        .lines()
        .map(|line| match line.strip_prefix("ExecStart=") {
            Some(command) => {
                replaced = true;
                let args = command.split_once(' ').map_or("", |(_, args)| args);
                format!("ExecStart={exec} {args}")
            }
            None => line.to_string(),
        })
        .collect();
    // The unit is part of this build: a test pins that it has the line.
    anyhow::ensure!(replaced, "the built-in unit has no ExecStart= line");
    Ok(unit.join("\n") + "\n")
}

/// `path` as one word of a unit's command line: `%` and `$` doubled so
/// systemd expands nothing in it, and quoted when it holds spaces.
fn exec_path(path: &Path) -> anyhow::Result<String> {
    let text = path.to_str().ok_or_else(|| {
        anyhow::anyhow!(
            "this habitd's path {} is not UTF-8, which a unit file cannot hold",
            escape(&path.to_string_lossy())
        )
    })?;
    if text.chars().any(char::is_control) {
        anyhow::bail!(
            "this habitd's path {} holds control characters, which a unit file cannot hold",
            escape(text)
        );
    }
    let word = text.replace('%', "%%").replace('$', "$$");
    if word.contains(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '\\') {
        Ok(format!(
            "\"{}\"",
            word.replace('\\', "\\\\").replace('"', "\\\"")
        ))
    } else {
        Ok(word)
    }
}

/// Runs `systemctl args…`, its output going to the user as it is.
fn systemctl(args: &[&str]) -> Result<(), String> {
    let shown = format!("systemctl {}", args.join(" "));
    match Command::new("systemctl").args(args).status() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("`{shown}` failed ({status})")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(format!(
            "systemctl is not installed (this system does not run systemd), so `{shown}` could not run"
        )),
        Err(e) => Err(format!("cannot run `{shown}`: {e}")),
    }
}

/// Writes a line for the user; a closed stdout loses only the line.
fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unit_starts_the_given_binary_and_is_otherwise_the_shipped_one() {
        let unit = unit_for(Path::new("/usr/bin/habitd")).unwrap();
        assert!(unit.contains("\nExecStart=/usr/bin/habitd run\n"), "{unit}");
        let shipped: Vec<&str> = SHIPPED_UNIT.lines().collect();
        let ours: Vec<&str> = unit.lines().collect();
        assert_eq!(shipped.len(), ours.len());
        let differing = shipped.iter().zip(&ours).filter(|(a, b)| a != b).count();
        assert_eq!(differing, 1, "only ExecStart= changes");
    }

    #[test]
    fn a_path_is_one_word_with_nothing_for_systemd_to_expand() {
        let word = |p: &str| exec_path(Path::new(p)).unwrap();
        assert_eq!(
            word("/home/me/.cargo/bin/habitd"),
            "/home/me/.cargo/bin/habitd"
        );
        assert_eq!(word("/opt/100%/$HOME/habitd"), "/opt/100%%/$$HOME/habitd");
        assert_eq!(word("/my apps/ha\"b"), "\"/my apps/ha\\\"b\"");
        assert!(exec_path(Path::new("/a\nb")).is_err());
    }
}
