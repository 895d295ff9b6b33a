//! `habitd export --loop` and `habitd import --loop`: the history to and
//! from Loop Habit Tracker, by [`crate::exchange`]'s rules in
//! [`crate::loop_backup`]'s format.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{Exit, UsageError};
use crate::exchange::{self, Fate, Mapping};
use crate::loop_backup::{self, Backup, LoopError, LoopHabit};
use crate::quote::{Quoted, counted, escape};
use crate::store::Store;

/// Arguments of `habitd export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write a Loop Habit Tracker backup to FILE, for Loop's Settings →
    /// Import data: every habit of the config with its daily totals.
    #[arg(long = "loop", value_name = "FILE")]
    pub loop_file: PathBuf,
    /// Replace FILE if it exists.
    #[arg(long)]
    pub force: bool,
}

/// Arguments of `habitd import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Read a Loop Habit Tracker backup (the .db file of Loop's Settings →
    /// Export full backup), or a HabitBull CSV file, into the history.
    #[arg(long = "loop", value_name = "FILE")]
    pub loop_file: PathBuf,
    /// Put a Loop habit's days into a habit, when its name is not the
    /// habit's id or title: "Loop name=habit-id"; "Loop name=-" leaves it
    /// out. Repeat for several habits.
    #[arg(long = "map", value_name = "NAME=ID")]
    pub map: Vec<String>,
}

/// A failure of the backup file as the user should see it: the wrong file
/// given, or a file in the way, is a usage error; the rest failed at run
/// time.
fn from_loop_error(error: LoopError) -> anyhow::Error {
    match error {
        LoopError::NotABackup { .. } | LoopError::Exists { .. } => {
            UsageError(error.to_string()).into()
        }
        other => other.into(),
    }
}

pub(super) fn export(explicit: Option<&Path>, args: &ExportArgs) -> anyhow::Result<Exit> {
    let config = super::load_config(explicit)?;
    let history = super::store_path()?;
    if is_same_file(&args.loop_file, &history) {
        return Err(UsageError(format!(
            "{} is habitd's history; export to another file",
            args.loop_file.display()
        ))
        .into());
    }
    let store = if Store::exists(&history)? {
        Some(Store::open_or_read_only(&history)?)
    } else {
        None
    };
    let mut habits = Vec::with_capacity(config.habits.len());
    for habit in &config.habits {
        let totals = match &store {
            Some(store) => store.daily_totals(&habit.id)?,
            None => Vec::new(),
        };
        habits.push(exchange::loop_habit(habit, &totals));
    }
    // A habit gone from the config has a history but no goal any more: a
    // Loop habit without a target would say nothing about its days.
    let gone: Vec<String> = match &store {
        Some(store) => store
            .habits_since(None)?
            .into_iter()
            .filter(|id| config.habit(id).is_none())
            .collect(),
        None => Vec::new(),
    };
    let days: usize = habits.iter().map(|h| h.days.len()).sum();
    let backup = Backup { habits };
    loop_backup::write(&args.loop_file, &backup, args.force).map_err(from_loop_error)?;
    for id in gone {
        eprintln!(
            "habitd: not exported: {} is not in the config, so its goal is unknown",
            escape(&id)
        );
    }
    super::out::confirm(&format!(
        "wrote {} with {} to {}; in Loop: Settings → Import data",
        counted(backup.habits.len() as u64, "habit", "habits"),
        counted(days as u64, "day", "days"),
        args.loop_file.display()
    ));
    Ok(Exit::Success)
}

/// Whether `a` and `b` are the same existing file.
fn is_same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
        _ => false,
    }
}

pub(super) fn import(explicit: Option<&Path>, args: &ImportArgs) -> anyhow::Result<Exit> {
    let config = super::load_config(explicit)?;
    let mappings = args
        .map
        .iter()
        .map(|text| Mapping::parse(text))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|r| UsageError(r.0))?;
    let backup = loop_backup::read(&args.loop_file).map_err(from_loop_error)?;
    let fates = exchange::fates(&backup.habits, &config, &mappings).map_err(|r| UsageError(r.0))?;
    refuse_unmatched(&backup.habits, &fates, &config)?;

    let mut events = Vec::new();
    let mut counts = Vec::with_capacity(fates.len());
    for (loop_habit, fate) in backup.habits.iter().zip(&fates) {
        let before = events.len();
        if let Fate::Habit(habit) = fate {
            events.extend(exchange::events(loop_habit, habit, &config.timezone));
        }
        counts.push(events.len() - before);
    }
    // Nothing to record makes no history either.
    let ids = if events.is_empty() {
        Vec::new()
    } else {
        let mut store = super::open_store()?;
        let ids = store.append_unrecorded(&events, exchange::ORIGIN_KEY)?;
        if ids.iter().any(Option::is_some) {
            // A daemon not reachable on this bus may still use this history.
            store.announce_change();
        }
        ids
    };
    let added = ids.iter().filter(|id| id.is_some()).count();

    let mut lines = Vec::new();
    let mut ids = ids.iter();
    for ((loop_habit, fate), count) in backup.habits.iter().zip(&fates).zip(counts) {
        let name = Quoted(&loop_habit.name);
        lines.push(match fate {
            Fate::Habit(habit) => {
                let new = ids.by_ref().take(count).filter(|id| id.is_some()).count();
                format!(
                    "{name} → {}: {}, {new} new",
                    habit.id,
                    counted(count as u64, "day", "days")
                )
            }
            Fate::LeftOut => format!("{name}: left out"),
            Fate::Empty => format!("{name}: no days to import"),
            // Refused above.
            Fate::Unmatched(_) => continue,
        });
    }
    let there = events.len() - added;
    lines.push(format!(
        "imported {} from {}{}",
        counted(added as u64, "day", "days"),
        args.loop_file.display(),
        if there > 0 {
            format!("; {there} imported before")
        } else {
            String::new()
        }
    ));
    super::out::confirm(&lines.join("\n"));
    Ok(Exit::Success)
}

/// Refuses the import, recording nothing, while a Loop habit goes nowhere:
/// lists each with the `--map` that would take it, so no habit's history
/// is left behind unnoticed.
fn refuse_unmatched(
    loop_habits: &[LoopHabit],
    fates: &[Fate<'_>],
    config: &crate::config::Config,
) -> anyhow::Result<()> {
    let unmatched: Vec<(&LoopHabit, Option<&str>)> = loop_habits
        .iter()
        .zip(fates)
        .filter_map(|(loop_habit, fate)| match fate {
            Fate::Unmatched(guess) => Some((loop_habit, guess.map(|h| h.id.as_str()))),
            _ => None,
        })
        .collect();
    if unmatched.is_empty() {
        return Ok(());
    }
    let mut err = std::io::stderr().lock();
    // Best effort: the error below says what matters.
    let _ = writeln!(
        err,
        "habitd: no habit has the id or title of these Loop habits; map each to a habit, or leave it out with \"=-\":"
    );
    for (loop_habit, guess) in &unmatched {
        let argument = format!("{}={}", loop_habit.name, guess.unwrap_or("-"));
        let _ = writeln!(err, "  --map {}", escape(&shell_quoted(&argument)));
    }
    let ids: Vec<&str> = config.habits.iter().map(|h| h.id.as_str()).collect();
    let _ = writeln!(err, "habitd: the habits are: {}", ids.join(", "));
    Err(UsageError(format!(
        "nothing imported: {} with no habit",
        counted(unmatched.len() as u64, "Loop habit", "Loop habits")
    ))
    .into())
}

/// `text` as one shell word, in single quotes unless it needs none.
fn shell_quoted(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_=.,/:+@".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_arguments_are_quoted_for_the_shell() {
        assert_eq!(shell_quoted("Water=water"), "Water=water");
        assert_eq!(shell_quoted("Drink water=water"), "'Drink water=water'");
        assert_eq!(shell_quoted("Rock 'n' roll=-"), r"'Rock '\''n'\'' roll=-'");
        assert_eq!(shell_quoted("$HOME=-"), "'$HOME=-'");
    }
}
