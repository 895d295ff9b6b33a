//! The Report button: writes the HTML report and opens it, away from the
//! daemon's loop.
//!
//! The report is rendered by a child process, `habitd report --html PATH`
//! (the same binary, the same config), so rendering years of history never
//! grows the resident daemon's memory; then `xdg-open PATH` shows it, or,
//! without an opener, the log says where it is. Both run on a short-lived
//! thread of their own that waits for (and so reaps) each child: the loop
//! never waits for either.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use log::{info, warn};

/// Where the report is written: `$XDG_RUNTIME_DIR/habitd/report.html`
/// (private to the user, and gone at logout), else the cache directory.
pub fn path() -> Option<PathBuf> {
    crate::dirs::runtime_dir()
        .or_else(crate::dirs::cache_home)
        .map(|dir| dir.join("habitd").join("report.html"))
}

/// Writes the report and opens it, in the background; `config` is the
/// daemon's `--config`, if it was given one.
pub fn open(config: Option<PathBuf>) {
    let spawned = std::thread::Builder::new()
        .name("habitd-report".to_string())
        .spawn(move || match write_and_open(config.as_deref()) {
            Ok(message) => info!("{message}"),
            Err(message) => warn!("cannot open the report: {message}"),
        });
    if let Err(e) = spawned {
        warn!("cannot open the report: cannot start a thread: {e}");
    }
}

fn write_and_open(config: Option<&Path>) -> Result<String, String> {
    let path =
        path().ok_or("neither XDG_RUNTIME_DIR nor HOME is set, so there is nowhere to write it")?;
    if let Some(dir) = path.parent() {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let exe = std::env::current_exe().map_err(|e| format!("cannot find habitd's binary: {e}"))?;
    let mut render = Command::new(&exe);
    if let Some(config) = config {
        render.arg("--config").arg(config);
    }
    let rendered = render
        .arg("report")
        .arg("--html")
        .arg(&path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    if !rendered.status.success() {
        let said = String::from_utf8_lossy(&rendered.stderr);
        return Err(format!(
            "`habitd report --html {}` failed ({}): {}",
            path.display(),
            rendered.status,
            said.trim()
        ));
    }
    match Command::new("xdg-open")
        .arg(&path)
        .stdin(Stdio::null())
        .status()
    {
        Ok(status) if status.success() => Ok(format!("opened the report {}", path.display())),
        Ok(status) => Err(format!(
            "the report is at {}, but xdg-open failed ({status})",
            path.display()
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(format!(
            "the report is at {} (no xdg-open to open it)",
            path.display()
        )),
        Err(e) => Err(format!(
            "the report is at {}, but xdg-open cannot run: {e}",
            path.display()
        )),
    }
}
