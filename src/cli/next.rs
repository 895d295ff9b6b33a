//! `habitd next`: the next reminders, like `systemd-analyze calendar`.

use std::path::Path;

use clap::Args;
use jiff::Timestamp;
use jiff::civil::DateTime;
use serde::Serialize;

use super::{Exit, UsageError};
use crate::config::Config;
use crate::plan;
use crate::schedule::resolve;
use crate::suggest::closest;

/// Arguments of `habitd next`.
#[derive(Debug, Args)]
pub struct NextArgs {
    /// Only these habits (by id).
    pub habits: Vec<String>,
    /// Start after this instant instead of now: RFC 3339
    /// (2026-03-08T01:00:00-05:00) or a local date-time in the config's zone
    /// (2026-03-08T01:00).
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// How many reminders to list.
    #[arg(long, short = 'n', default_value_t = 10, value_name = "N")]
    pub count: usize,
    /// Print JSON: an array of {"habit", "at", "title"}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Entry<'a> {
    habit: &'a str,
    at: String,
    title: &'a str,
}

pub(super) fn next(explicit: Option<&Path>, args: &NextArgs) -> anyhow::Result<Exit> {
    let config = super::load_config(explicit)?;
    for id in &args.habits {
        check_habit_id(&config, id)?;
    }
    let from = match &args.from {
        Some(text) => parse_instant(&config, text)?,
        None => Timestamp::now(),
    };
    let occurrences = plan::upcoming(&config, &args.habits, from, args.count);
    let entries: Vec<Entry<'_>> = occurrences
        .iter()
        .map(|o| Entry {
            habit: &o.habit,
            at: o
                .at
                .display_with_offset(config.timezone.to_offset(o.at))
                .to_string(),
            title: config.habit(&o.habit).map_or("", |h| h.title.as_str()),
        })
        .collect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&entries)?);
        return Ok(Exit::Success);
    }
    let width = entries.iter().map(|e| e.habit.len()).max().unwrap_or(0);
    for (entry, occurrence) in entries.iter().zip(&occurrences) {
        let local = occurrence.at.to_zoned_datetime(config.timezone.clone());
        println!(
            "{}  {:width$}  {}",
            local.strftime("%a %Y-%m-%d %H:%M:%S %:z"),
            entry.habit,
            entry.title
        );
    }
    if entries.is_empty() {
        println!("no reminders scheduled");
    }
    Ok(Exit::Success)
}

/// Fails with a suggestion when `id` is not a habit of `config`.
pub(super) fn check_habit_id(config: &Config, id: &str) -> Result<(), UsageError> {
    if config.habit(id).is_some() {
        return Ok(());
    }
    let ids = config.habits.iter().map(|h| h.id.as_str());
    let hint = match closest(id, ids.clone()) {
        Some(suggestion) => format!("; did you mean {suggestion:?}?"),
        None => format!("; habits are: {}", ids.collect::<Vec<_>>().join(", ")),
    };
    Err(UsageError(format!("no habit {id:?}{hint}")))
}

fn parse_instant(config: &Config, text: &str) -> Result<Timestamp, UsageError> {
    if let Ok(instant) = text.parse::<Timestamp>() {
        return Ok(instant);
    }
    text.parse::<DateTime>()
        .ok()
        .and_then(|civil| resolve(&config.timezone, civil))
        .ok_or_else(|| {
            UsageError(format!(
                "invalid --from {text:?}: expected RFC 3339 like \"2026-03-08T01:00:00-05:00\" or a local date-time like \"2026-03-08T01:00\""
            ))
        })
}
