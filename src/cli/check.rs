//! `habitd check`: validate the config and describe each habit's schedule.

use std::io::Write;
use std::path::Path;

use jiff::Timestamp;

use super::out::Out;
use super::{Exit, counted};
use crate::config::Goal;
use crate::plan::Plan;
use crate::quote::escape;
use crate::timespec::HumanDuration;

pub(super) fn check(explicit: Option<&Path>) -> anyhow::Result<Exit> {
    let config = super::load_config(explicit)?;
    let now = Timestamp::now();
    // Checking the config must not depend on the history: with it broken,
    // the schedules are still described, only without today's progress.
    let state = super::load_state(&config, now).unwrap_or_else(|e| {
        let _ = writeln!(
            std::io::stderr(),
            "habitd: warning: {}; next reminders are shown without today's history",
            escape(&format!("{e:#}"))
        );
        crate::plan::State::default()
    });
    let plan = Plan::new(&config, &state);
    let mut out = Out::stdout();
    writeln!(out, "config: {}", escape(&config.origin.to_string()))?;
    writeln!(out, "timezone: {}", escape(config.timezone_name()))?;
    writeln!(out, "catch_up: {}", HumanDuration(config.catch_up))?;
    if let Some(sync) = &config.sync {
        writeln!(
            out,
            "sync: {} as {}",
            sync.folder.display(),
            escape(&sync.device_name())
        )?;
    }
    let width = config.habits.iter().map(|h| h.id.len()).max().unwrap_or(0);
    let next = |habit| {
        plan.next_of(habit, now)
            .map(|at| {
                at.to_zoned_datetime(config.timezone.clone())
                    .strftime("%a %Y-%m-%d %H:%M:%S %:z")
                    .to_string()
            })
            .unwrap_or_else(|| "never".to_string())
    };
    for habit in &config.habits {
        let per_week = habit
            .per_week
            .map(|n| format!(", {} a week", counted(n.into(), "day", "days")))
            .unwrap_or_default();
        let line = format!(
            "{:width$}  {}; goal {}{per_week}; next {}",
            habit.id,
            habit.schedule.describe(),
            goal(&habit.goal),
            next(habit)
        );
        writeln!(out, "{}", escape(&line))?;
    }
    for builtin in &config.builtins {
        writeln!(
            out,
            "{}: {}; next {}",
            builtin.id,
            builtin.schedule.describe(),
            next(builtin)
        )?;
    }
    writeln!(
        out,
        "ok: {}",
        counted(config.habits.len() as u64, "habit", "habits")
    )?;
    out.finish()?;
    Ok(Exit::Success)
}

/// The unit a count goal gets when the config names none (see
/// `config::check`); unlike a unit the user wrote, ours we can put in the
/// singular.
const DEFAULT_UNIT: &str = "times";

/// A day's goal in words: `8 glasses`, `20 min`, `3` (a count without a
/// unit), `1 time`.
fn goal(goal: &Goal) -> String {
    match goal {
        Goal::Count { count, unit } if unit.is_empty() => count.to_string(),
        Goal::Count { count, unit } if unit == DEFAULT_UNIT => {
            counted((*count).into(), "time", DEFAULT_UNIT)
        }
        Goal::Count { count, unit } => format!("{count} {unit}"),
        Goal::Minutes(minutes) => format!("{minutes} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goals_in_words() {
        let count = |count, unit: &str| Goal::Count {
            count,
            unit: unit.to_string(),
        };
        assert_eq!(goal(&count(8, "glasses")), "8 glasses");
        assert_eq!(goal(&count(3, "")), "3");
        assert_eq!(goal(&count(1, "times")), "1 time");
        assert_eq!(goal(&count(2, "times")), "2 times");
        assert_eq!(goal(&Goal::Minutes(20)), "20 min");
    }
}
