//! `habitd check`: validate the config and describe each habit's schedule.

use std::io::Write;
use std::path::Path;

use jiff::Timestamp;

use super::Exit;
use super::out::Out;
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
    let width = config.habits.iter().map(|h| h.id.len()).max().unwrap_or(0);
    for habit in &config.habits {
        let goal = match &habit.goal {
            Goal::Count { count, unit } => format!("{count} {unit}"),
            Goal::Minutes(minutes) => format!("{minutes} min"),
        };
        let per_week = habit
            .per_week
            .map(|n| format!(", {n} days a week"))
            .unwrap_or_default();
        let next = plan
            .upcoming(std::slice::from_ref(&habit.id), now, 1)
            .first()
            .map(|o| {
                o.at.to_zoned_datetime(config.timezone.clone())
                    .strftime("%a %Y-%m-%d %H:%M:%S %:z")
                    .to_string()
            })
            .unwrap_or_else(|| "never".to_string());
        let line = format!(
            "{:width$}  {}; goal {goal}{per_week}; next {next}",
            habit.id,
            habit.schedule.describe()
        );
        writeln!(out, "{}", escape(&line))?;
    }
    writeln!(out, "ok: {} habits", config.habits.len())?;
    out.finish()?;
    Ok(Exit::Success)
}
