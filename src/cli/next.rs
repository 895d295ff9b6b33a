//! `habitd next`: the next reminders, like `systemd-analyze calendar`.

use std::path::Path;

use clap::Args;
use jiff::Timestamp;
use serde::Serialize;

use super::out::Out;
use super::{Exit, UsageError};
use crate::command::{find_habit, parse_time};
use crate::plan::Plan;
use crate::quote::escape;
use crate::timespec::rfc3339;

/// Arguments of `habitd next`.
#[derive(Debug, Args)]
pub struct NextArgs {
    /// Only these habits (by id; `checkin` and `review` name the built-in
    /// reminders).
    #[arg(add = clap_complete::ArgValueCandidates::new(super::complete::habit_ids))]
    pub habits: Vec<String>,
    /// Start after this instant instead of now: RFC 3339
    /// (2026-03-08T01:00:00-05:00), a local date-time in the config's zone
    /// (2026-03-08T01:00), or HH:MM today.
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
    // The check-in and the look back may be named too.
    for id in args
        .habits
        .iter()
        .filter(|id| config.reminder(id).is_none())
    {
        find_habit(&config, id).map_err(|r| UsageError(r.0))?;
    }
    let from = match &args.from {
        Some(text) => parse_time(&config, text, Timestamp::now()).map_err(|r| UsageError(r.0))?,
        None => Timestamp::now(),
    };
    let state = super::load_state(&config, Timestamp::now())?;
    let listed: Vec<_> = Plan::new(&config, &state)
        .reminders(&args.habits, from)
        .take(args.count)
        .collect();
    let entries: Vec<Entry<'_>> = listed
        .iter()
        .map(|&(habit, at)| Entry {
            habit: &habit.id,
            at: rfc3339(at, &config.timezone),
            title: &habit.title,
        })
        .collect();
    let mut out = Out::stdout();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&entries)?)?;
        out.finish()?;
        return Ok(Exit::Success);
    }
    let width = entries.iter().map(|e| e.habit.len()).max().unwrap_or(0);
    for (entry, &(_, at)) in entries.iter().zip(&listed) {
        let local = at.to_zoned_datetime(config.timezone.clone());
        writeln!(
            out,
            "{}  {:width$}  {}",
            local.strftime("%a %Y-%m-%d %H:%M:%S %:z"),
            escape(entry.habit),
            escape(entry.title)
        )?;
    }
    if entries.is_empty() {
        writeln!(out, "no reminders scheduled")?;
    }
    out.finish()?;
    Ok(Exit::Success)
}
