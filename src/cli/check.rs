//! `habitd check`: validate the config and describe each habit's schedule.

use std::path::Path;

use jiff::Timestamp;

use super::Exit;
use crate::config::Goal;
use crate::plan::Plan;
use crate::timespec::HumanDuration;

pub(super) fn check(explicit: Option<&Path>) -> anyhow::Result<Exit> {
    let config = super::load_config(explicit)?;
    let now = Timestamp::now();
    // Checking the config must not depend on the history: with it broken,
    // the schedules are still described, only without today's progress.
    let state = super::load_state(&config, now).unwrap_or_else(|e| {
        eprintln!("habitd: warning: {e:#}; next reminders are shown without today's history");
        crate::plan::State::default()
    });
    let plan = Plan::new(&config, &state);
    println!("config: {}", config.origin);
    println!("timezone: {}", config.timezone_name());
    println!("catch_up: {}", HumanDuration(config.catch_up));
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
        println!(
            "{:width$}  {}; goal {goal}{per_week}; next {next}",
            habit.id,
            habit.schedule.describe()
        );
    }
    println!("ok: {} habits", config.habits.len());
    Ok(Exit::Success)
}
