//! `habitd streaks`: per habit the current and longest streak, success rates,
//! habit strength, and a calendar heatmap.

use std::path::Path;

use clap::Args;
use jiff::Timestamp;
use serde::Serialize;

use super::out::Out;
use super::style::Paint;
use super::{Exit, UsageError, counted};
use crate::command::find_habit;
use crate::config::Habit;
use crate::quote::escape;
use crate::streak::{self, StreakUnit, Target};

/// Arguments of `habitd streaks`.
#[derive(Debug, Args)]
pub struct StreaksArgs {
    /// Only this habit.
    #[arg(add = clap_complete::ArgValueCandidates::new(super::complete::habit_ids))]
    pub habit: Option<String>,
    /// How many weeks the heatmap shows (at least 1).
    #[arg(long, default_value_t = 12, value_name = "N")]
    pub weeks: u32,
    /// Print JSON: an array of {habit, current, longest, unit, rate_7, rate_30, score}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Entry<'a> {
    habit: &'a str,
    current: u32,
    longest: u32,
    unit: &'static str,
    rate_7: Option<f64>,
    rate_30: Option<f64>,
    score: f64,
}

pub(super) fn streaks(
    explicit: Option<&Path>,
    args: &StreaksArgs,
    paint: &Paint,
) -> anyhow::Result<Exit> {
    if args.weeks == 0 {
        return Err(UsageError(
            "invalid --weeks 0: the heatmap shows at least 1 week, e.g. `habitd streaks --weeks 8`"
                .to_string(),
        )
        .into());
    }
    let config = super::load_config(explicit)?;
    let habits: Vec<&Habit> = match &args.habit {
        Some(id) => vec![find_habit(&config, id).map_err(|r| UsageError(r.0))?],
        None => config.habits.iter().collect(),
    };
    let today = config.timezone.to_datetime(Timestamp::now()).date();
    let store = super::open_store()?;
    let mut entries = Vec::new();
    let mut text = String::new();
    for habit in habits {
        let history = crate::history::streak_history(&store, &habit.id)?;
        let target = Target {
            goal: habit.goal.amount(),
            per_week: habit.per_week,
        };
        let summary = streak::summarize(&history, target, today);
        let (unit, one) = match summary.unit {
            StreakUnit::Days => ("days", "day"),
            StreakUnit::Weeks => ("weeks", "week"),
        };
        if !args.json {
            let rate =
                |r: Option<f64>| r.map_or("–".to_string(), |r| format!("{:.0}%", r * 100.0));
            text.push_str(&format!(
                "{}  streak {} (longest {})  7d {}  30d {}  strength {:.0}%\n",
                paint.bold(&escape(&habit.id)),
                counted(summary.current.into(), one, unit),
                summary.longest,
                rate(summary.rate_7),
                rate(summary.rate_30),
                summary.score * 100.0
            ));
            let map = streak::heatmap(&history, target, today, args.weeks);
            text.push_str(&super::heatmap::render(&map, paint));
            text.push('\n');
        }
        entries.push(Entry {
            habit: &habit.id,
            current: summary.current,
            longest: summary.longest,
            unit,
            rate_7: summary.rate_7,
            rate_30: summary.rate_30,
            score: summary.score,
        });
    }
    let mut out = Out::stdout();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&entries)?)?;
    } else {
        out.write_str(&text)?;
    }
    out.finish()?;
    Ok(Exit::Success)
}
