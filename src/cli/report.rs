//! `habitd report`: the cramp report from the diary and the habits'
//! histories, as text, JSON, or an HTML page written atomically.

use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;
use jiff::Timestamp;

use super::out::Out;
use super::style::Paint;
use super::{Exit, UsageError};
use crate::config::Config;
use crate::report::{self, HabitInput, MAX_WEEKS, Report};
use crate::store::Store;
use crate::streak::{History, Target};

/// Arguments of `habitd report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// How many weeks to show, the current one last (1 to 520).
    #[arg(long, default_value_t = report::DEFAULT_WEEKS, value_name = "N")]
    pub weeks: u32,
    /// Print JSON (the shape is in the README).
    #[arg(long, conflicts_with = "html")]
    pub json: bool,
    /// Write the report as one self-contained HTML page to FILE (replaced
    /// whole, never half written), e.g. for a doctor's visit.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

pub(super) fn report(
    explicit: Option<&Path>,
    args: &ReportArgs,
    paint: &Paint,
) -> anyhow::Result<Exit> {
    if !(1..=MAX_WEEKS).contains(&args.weeks) {
        return Err(UsageError(format!(
            "invalid --weeks {}: expected 1 to {MAX_WEEKS} (ten years), e.g. `habitd report --weeks 8`",
            args.weeks
        ))
        .into());
    }
    if let Some(path) = &args.html
        && path.file_name().is_none()
    {
        return Err(UsageError(format!(
            "invalid --html {}: expected a file name, e.g. `habitd report --html cramps.html`",
            crate::quote::Quoted(&path.display().to_string())
        ))
        .into());
    }
    let config = super::load_config(explicit)?;
    let today = config.timezone.to_datetime(Timestamp::now()).date();
    let report = build(&config, args.weeks, today)?;
    if let Some(path) = &args.html {
        let page = super::report_html::render(&report, config.timezone_name());
        write_atomically(path, page.as_bytes())
            .with_context(|| format!("cannot write the report to {}", path.display()))?;
        super::out::confirm(&format!("report written to {}", path.display()));
        return Ok(Exit::Success);
    }
    let mut out = Out::stdout();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        out.write_str(&super::report_text::render(&report, paint))?;
    }
    out.finish()?;
    Ok(Exit::Success)
}

/// The report from the store, or from an empty history when there is none
/// yet (without creating a store just to read it).
fn build(config: &Config, weeks: u32, today: jiff::civil::Date) -> anyhow::Result<Report> {
    let store = match Store::default_path() {
        Some(path) if Store::exists(&path)? => Some(Store::open_or_read_only(&path)?),
        _ => None,
    };
    let histories: Vec<History> = match &store {
        Some(store) => config
            .habits
            .iter()
            .map(|habit| crate::history::streak_history(store, &habit.id))
            .collect::<Result<_, _>>()?,
        None => vec![History::default(); config.habits.len()],
    };
    let habits: Vec<HabitInput<'_>> = config
        .habits
        .iter()
        .zip(&histories)
        .map(|(habit, history)| HabitInput {
            id: &habit.id,
            title: &habit.title,
            target: Target {
                goal: habit.goal.amount(),
                per_week: habit.per_week,
            },
            history,
        })
        .collect();
    let entries = match &store {
        Some(store) => store.diary_from(report::first_night(weeks, today))?,
        None => Vec::new(),
    };
    Ok(report::build(
        &entries,
        &habits,
        weeks,
        today,
        &config.timezone,
    ))
}

/// Writes `contents` to `path` through a temporary file beside it, synced
/// and renamed over it, so a reader (or a crash) sees the old file or the
/// new one, never part of one. The page holds health notes: it is made
/// readable by its owner only.
fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(format!(".{}.tmp", std::process::id()));
    let temp = dir.join(name);
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writing_replaces_the_file_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.html");
        std::fs::write(&path, "old").unwrap();
        write_atomically(&path, b"new page").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new page");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["report.html"]);
        // Over a directory: the rename fails, and the temporary file goes.
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(sub.join("x"), "").unwrap();
        assert!(write_atomically(&sub, b"page").is_err());
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        assert_eq!(names, ["report.html", "sub"]);
    }
}
