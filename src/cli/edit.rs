//! `habitd edit`: the config in `$VISUAL` or `$EDITOR` (else `vi`), like
//! `crontab -e`. The editor works on a copy; the copy is checked when the
//! editor exits, and on errors they are shown and the copy re-opened (when
//! someone is at the terminal to say so); only a valid config replaces the
//! file, whole. A running daemon watches the file and reloads it by itself,
//! so `edit` does not ask it to as well: that would reload twice.

use std::io::{BufRead, IsTerminal, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::{Exit, UsageError};
use crate::config::{self, LoadError, Origin};
use crate::quote::{counted, escape};

pub(super) fn edit(explicit: Option<&Path>) -> anyhow::Result<Exit> {
    let path = super::init::config_path(explicit)?;
    let target = crate::atomic::target(&path);
    let original = match std::fs::read_to_string(&target) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).context(format!("cannot read {}", path.display())),
    };
    super::init::make_parent(&target)?;
    let draft = Draft::new(
        &target,
        original.as_deref().unwrap_or(config::DEFAULT_CONFIG),
    )?;
    let shown = escape(&path.display().to_string()).into_owned();
    loop {
        run_editor(draft.path(), &shown)?;
        let text = std::fs::read_to_string(draft.path())
            .with_context(|| format!("cannot read the edited copy {}", draft.path().display()))?;
        if original.as_deref() == Some(text.as_str()) {
            say(&format!("no changes; {shown} is as it was"));
            return Ok(Exit::Success);
        }
        match config::parse_str(&text, Origin::File(path.clone())) {
            Ok(config) => {
                draft.install(&target)?;
                say(&format!(
                    "saved {shown}: {}; a running habitd reloads it by itself",
                    counted(config.habits.len() as u64, "habit", "habits")
                ));
                return Ok(Exit::Success);
            }
            Err(LoadError::Invalid(errors)) => {
                let mut err = std::io::stderr().lock();
                let _ = super::write_config_errors(&mut err, &errors);
                let count = errors.0.len();
                if !ask_again()? {
                    return Err(UsageError(format!(
                        "not saved: the edit has {}; {shown} is unchanged",
                        counted(count as u64, "error", "errors")
                    ))
                    .into());
                }
            }
            Err(other) => return Err(other.into()),
        }
    }
}

/// Writes a line for the user; a closed stdout loses only the line.
fn say(line: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

/// Asks on the terminal whether to edit again; never without a terminal
/// on stdin, where nobody could answer and the loop would not end.
fn ask_again() -> anyhow::Result<bool> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Ok(false);
    }
    eprint!("edit again? [Y/n] ");
    let mut answer = String::new();
    if stdin.lock().read_line(&mut answer)? == 0 {
        return Ok(false);
    }
    Ok(!matches!(answer.trim(), "n" | "N" | "no" | "No"))
}

/// The editor the user chose: `$VISUAL`, `$EDITOR`, else `vi`.
fn editor() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(std::env::var_os)
        .map(|e| e.to_string_lossy().into_owned())
        .find(|e| !e.trim().is_empty())
        .unwrap_or_else(|| "vi".to_string())
}

/// Runs the editor on `file` and waits for it. The editor is run by the
/// shell, as git does, so `EDITOR="code --wait"` works.
fn run_editor(file: &Path, shown: &str) -> anyhow::Result<()> {
    let editor = editor();
    let status = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(format!("{editor} \"$@\""))
        .arg(&editor)
        .arg(file)
        .status()
        .with_context(|| format!("cannot run the editor {}", escape(&editor)))?;
    if !status.success() {
        anyhow::bail!(
            "the editor {} failed ({status}); {shown} is unchanged",
            escape(&editor)
        );
    }
    Ok(())
}

/// The copy being edited, beside the config (so saving it is a rename);
/// removed unless it was installed.
struct Draft {
    path: PathBuf,
    installed: bool,
}

impl Draft {
    fn new(target: &Path, text: &str) -> anyhow::Result<Draft> {
        let path = crate::atomic::temporary_beside(target, ".toml");
        crate::atomic::write(&path, text.as_bytes(), 0o600)
            .with_context(|| format!("cannot write the copy to edit, {}", path.display()))?;
        // The copy keeps the file's mode, so saving it changes only the text.
        if let Ok(meta) = std::fs::metadata(target) {
            let mode = meta.permissions().mode() & 0o777;
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode));
        }
        Ok(Draft {
            path,
            installed: false,
        })
    }

    fn path(&self) -> &Path {
        &self.path
    }

    /// Replaces `target` with the copy, synced first.
    fn install(mut self, target: &Path) -> anyhow::Result<()> {
        let synced = std::fs::File::open(&self.path).and_then(|f| f.sync_all());
        crate::atomic::install(&self.path, target, synced)
            .with_context(|| format!("cannot save {}", target.display()))?;
        self.installed = true;
        Ok(())
    }
}

impl Drop for Draft {
    fn drop(&mut self) {
        if !self.installed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
