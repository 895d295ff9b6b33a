//! `habitd log`: the history as recorded, for reading or export.

use std::path::Path;

use clap::Args;
use jiff::Timestamp;
use serde::Serialize;

use super::out::Out;
use super::{Exit, UsageError};
use crate::command::{find_habit, parse_date};
use crate::event::Event;
use crate::quote::escape;
use crate::timespec::rfc3339;

/// Arguments of `habitd log`.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Only this habit's events (also of a habit no longer in the config).
    pub habit: Option<String>,
    /// Only events counting for this day or later (YYYY-MM-DD, today, yesterday).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Print JSON: an array of events.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV with a header row.
    #[arg(long)]
    pub csv: bool,
}

#[derive(Serialize)]
struct Row<'a> {
    id: i64,
    at: String,
    date: String,
    habit: &'a str,
    kind: &'a str,
    amount: Option<i64>,
    until: Option<String>,
    target: Option<i64>,
    source: &'a str,
}

impl<'a> Row<'a> {
    fn new(event: &'a Event, tz: &jiff::tz::TimeZone) -> Row<'a> {
        let show = |at: Timestamp| rfc3339(at, tz);
        Row {
            id: event.id,
            at: show(event.at),
            date: event.date.to_string(),
            habit: event.habit.as_deref().unwrap_or(""),
            kind: event.kind.as_str(),
            amount: event.amount,
            until: event.until.map(show),
            target: event.target,
            source: event.source.as_str(),
        }
    }
}

/// Quotes a CSV field when it needs it (RFC 4180).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

pub(super) fn log(explicit: Option<&Path>, args: &LogArgs) -> anyhow::Result<Exit> {
    let config = super::load_config(explicit)?;
    let now = Timestamp::now();
    let since = args
        .since
        .as_deref()
        .map(|d| parse_date(&config, d, now))
        .transpose()
        .map_err(|r| UsageError(r.0))?;
    let store = super::open_store()?;
    let events = match args.habit.as_deref() {
        Some(habit) if config.habit(habit).is_none() => {
            // A habit removed from the config keeps its history, readable
            // under its old id; a name with no history at all is a typo.
            let mut events = store.events(Some(habit), None)?;
            if events.is_empty() {
                find_habit(&config, habit).map_err(|r| UsageError(r.0))?;
            }
            eprintln!("habitd: {habit} is not in the config; showing its history");
            events.retain(|e| since.is_none_or(|since| e.date >= since));
            events
        }
        habit => store.events(habit, since)?,
    };
    let rows: Vec<Row<'_>> = events
        .iter()
        .map(|e| Row::new(e, &config.timezone))
        .collect();
    let mut out = Out::stdout();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
    } else if args.csv {
        // CSV is for export, so user text goes out as recorded, quoted
        // where RFC 4180 needs it; only text meant for a terminal is escaped.
        writeln!(out, "id,at,date,habit,kind,amount,until,target,source")?;
        for r in &rows {
            let opt = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
            writeln!(
                out,
                "{},{},{},{},{},{},{},{},{}",
                r.id,
                r.at,
                r.date,
                csv_field(r.habit),
                r.kind,
                opt(r.amount),
                r.until.as_deref().unwrap_or(""),
                opt(r.target),
                r.source
            )?;
        }
    } else if rows.is_empty() {
        writeln!(out, "no history yet")?;
    } else {
        let habits: Vec<_> = rows.iter().map(|r| escape(r.habit)).collect();
        let width = habits.iter().map(|h| h.chars().count()).max().unwrap_or(0);
        for (r, habit) in rows.iter().zip(&habits) {
            let amount = r.amount.map(|a| format!(" {a}")).unwrap_or_default();
            let until = r
                .until
                .as_deref()
                .map(|u| format!(" until {u}"))
                .unwrap_or_default();
            writeln!(
                out,
                "{}  {:width$}  {}{amount}{until}  ({})",
                r.at, habit, r.kind, r.source
            )?;
        }
    }
    out.finish()?;
    Ok(Exit::Success)
}
