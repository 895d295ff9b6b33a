//! The status report: per habit today's progress against the goal, the next
//! reminder, and any snooze, skip or pause; last night's entry in the
//! cramp diary, and the advice the diary calls for ([`crate::report`]).
//!
//! Built by one pure function from config, state and now, so the daemon
//! (over D-Bus) and the command line (when no daemon runs) report the same.
//! Data only: `habitd status` renders it for a terminal. Also the one rule
//! of whether a habit is behind today ([`Standing`]), and the one-line
//! summaries for status bars ([`bar_line`], [`waybar`]), pure functions of
//! the report.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::config::{Config, Goal, Habit};
use crate::diary::{self, Episode, Night};
use crate::plan::{Plan, State, pace_due, pace_window};
use crate::quote::escape;
use crate::report::{self, Advice};
use crate::schedule::Schedule;
use crate::timespec::rfc3339;

/// The whole report; this is also the JSON of `habitd status --json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Status {
    /// Whether the daemon is running (it answered).
    pub daemon: bool,
    /// When the report was made (RFC 3339 in the configured zone).
    pub now: String,
    /// The configured zone.
    pub timezone: String,
    /// When reminders are held: `{"from", "until"}` (`until` null: until resumed).
    pub paused: Option<PauseStatus>,
    /// One entry per habit, sorted by id.
    pub habits: Vec<HabitStatus>,
    /// What the cramp diary says about last night. Always there; `None`
    /// only when read from a daemon of a habitd before the diary, still
    /// running until it is restarted.
    #[serde(default)]
    pub last_night: Option<NightStatus>,
    /// Reasons to consider talking to a doctor, as in `habitd report`
    /// (empty from a daemon of a habitd before the report).
    #[serde(default)]
    pub advice: Vec<Advice>,
}

/// A night in the report, as the cramp diary has it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NightStatus {
    /// The night, named by its evening's date (`YYYY-MM-DD`).
    pub night: String,
    /// Whether it was recorded, and how.
    pub entry: NightEntry,
    /// For `cramps`: each, in the order they came.
    pub cramps: Vec<CrampStatus>,
}

/// How a night was recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NightEntry {
    /// Not at all (yet).
    Missing,
    /// As a night without cramps.
    NoCramps,
    /// With one or more cramps.
    Cramps,
}

/// A cramp in the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrampStatus {
    /// When it came (RFC 3339 in the configured zone).
    pub at: String,
    /// What is known of it (the JSON the diary stores).
    pub details: Episode,
}

/// A pause in the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PauseStatus {
    /// When it began.
    pub from: String,
    /// When it ends, or null until resumed.
    pub until: Option<String>,
}

/// One habit in the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HabitStatus {
    /// Its id.
    pub habit: String,
    /// Its title.
    pub title: String,
    /// Done today: a count or minutes.
    pub done: i64,
    /// The day's goal.
    pub goal: u32,
    /// What is counted: the goal's unit, or `min`.
    pub unit: String,
    /// Whether today's goal is met.
    pub met: bool,
    /// Whether today is a rest day.
    pub skipped: bool,
    /// The end of an active snooze.
    pub snoozed_until: Option<String>,
    /// The next reminder, as the daemon will show it.
    pub next: Option<String>,
    /// Shown for it in status bars: its `emoji`, else its title's first
    /// letter.
    #[serde(default)]
    pub icon: String,
    /// Where it stands today (see [`Standing`]).
    #[serde(default)]
    pub standing: Standing,
    /// While on track: when it falls behind if nothing more is done.
    #[serde(default)]
    pub behind_at: Option<String>,
}

/// Where a habit stands today: the one rule behind the class of a status
/// bar.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Today's goal is met.
    Met,
    /// Nothing is asked today: a rest day, or no reminder falls today.
    Rest,
    /// Behind: for `pace`, fewer done than an even pace across the window
    /// calls for by now (the k-th of the goal is due once k/goal of the
    /// window has passed); otherwise, today's first reminder has come and
    /// the goal is not met.
    Behind,
    /// Not met yet, and not behind.
    #[default]
    OnTrack,
}

/// Where `habit` stands at `now`, and while on track when it falls behind
/// if nothing more is done.
pub fn standing(
    config: &Config,
    habit: &Habit,
    state: &State,
    now: Timestamp,
) -> (Standing, Option<Timestamp>) {
    let tz = &config.timezone;
    let today = tz.to_datetime(now).date();
    if state.met(habit, today) {
        return (Standing::Met, None);
    }
    if state.is_skipped(&habit.id, today) {
        return (Standing::Rest, None);
    }
    let due = match &habit.schedule {
        Schedule::Pace { window, .. } => {
            let done = state.total(&habit.id, today).max(0);
            pace_window(tz, *window, today)
                .and_then(|(start, end)| pace_due(start, end, done + 1, habit.goal.amount()))
        }
        schedule => start_of(tz, today).and_then(|midnight| {
            let before = midnight.checked_sub(SignedDuration::from_nanos(1)).ok()?;
            schedule
                .next_after(tz, before)
                .filter(|at| tz.to_datetime(*at).date() == today)
        }),
    };
    match due {
        None => (Standing::Rest, None),
        Some(at) if at <= now => (Standing::Behind, None),
        Some(at) => (Standing::OnTrack, Some(at)),
    }
}

/// The first instant of `date` in `tz`.
fn start_of(tz: &jiff::tz::TimeZone, date: jiff::civil::Date) -> Option<Timestamp> {
    date.to_zoned_datetime(tz.clone())
        .ok()
        .map(|z| z.timestamp())
}

/// The next local midnight after `now` in `tz`: when a new day resets
/// progress.
pub fn next_midnight(tz: &jiff::tz::TimeZone, now: Timestamp) -> Option<Timestamp> {
    start_of(tz, tz.to_datetime(now).date().tomorrow().ok()?)
}

/// What a habit shows in a status bar: its emoji, else the first letter of
/// its title, upper-cased.
pub fn icon(habit: &Habit) -> String {
    match &habit.emoji {
        Some(emoji) => emoji.clone(),
        None => habit
            .title
            .chars()
            .next()
            .map(|c| c.to_uppercase().collect())
            .unwrap_or_else(|| habit.id.clone()),
    }
}

/// The unit progress is counted in: the goal's unit, or `min`.
pub fn unit(habit: &Habit) -> &str {
    match &habit.goal {
        Goal::Count { unit, .. } => unit,
        Goal::Minutes(_) => "min",
    }
}

/// How far a habit is on one day: the one place progress is counted and
/// worded (`3/8 glasses`, `20/20 min`, `3/8` for a count without a unit).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Done so far.
    pub done: i64,
    /// The day's goal.
    pub goal: u32,
    /// What is counted.
    pub unit: String,
}

impl Progress {
    /// `habit`'s progress on `date`.
    pub fn of(habit: &Habit, state: &State, date: jiff::civil::Date) -> Progress {
        Progress {
            done: state.total(&habit.id, date),
            goal: habit.goal.amount(),
            unit: unit(habit).to_string(),
        }
    }

    /// Whether the goal is met.
    pub fn met(&self) -> bool {
        self.done >= i64::from(self.goal)
    }
}

impl std::fmt::Display for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.done, self.goal)?;
        if !self.unit.is_empty() {
            write!(f, " {}", self.unit)?;
        }
        Ok(())
    }
}

/// Builds the report.
pub fn build(config: &Config, state: &State, now: Timestamp, daemon: bool) -> Status {
    let tz = &config.timezone;
    let show = |at: Timestamp| rfc3339(at, tz);
    let today = tz.to_datetime(now).date();
    let plan = Plan::new(config, state);
    let habits = config
        .habits
        .iter()
        .map(|habit| {
            let (standing, behind_at) = standing(config, habit, state, now);
            HabitStatus {
                habit: habit.id.clone(),
                title: habit.title.clone(),
                done: state.total(&habit.id, today),
                goal: habit.goal.amount(),
                unit: unit(habit).to_string(),
                met: state.met(habit, today),
                skipped: state.is_skipped(&habit.id, today),
                snoozed_until: state
                    .snoozed
                    .get(&habit.id)
                    .filter(|s| s.until > now)
                    .map(|s| show(s.until)),
                next: plan.next_of(habit, now).map(show),
                icon: icon(habit),
                standing,
                behind_at: behind_at.map(show),
            }
        })
        .collect();
    Status {
        daemon,
        now: show(now),
        timezone: config.timezone_name().to_string(),
        paused: state
            .pause
            .filter(|p| p.until.is_none_or(|until| until > now))
            .map(|p| PauseStatus {
                from: show(p.from),
                until: p.until.map(show),
            }),
        habits,
        last_night: Some(night_status(state, diary::last_night(now, tz), tz)),
        advice: report::advice(&state.diary, today),
    }
}

/// A status bar's summary of the day as a whole: `behind` when any habit
/// is, `done` when every habit is met or has nothing asked today, else
/// `on-track`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// Some habit is behind.
    Behind,
    /// Nothing behind, something still to do.
    OnTrack,
    /// Nothing left to do today.
    Done,
}

impl Class {
    /// The class of the day `status` describes.
    pub fn of(status: &Status) -> Class {
        let standings = || status.habits.iter().map(|h| h.standing);
        if standings().any(|s| s == Standing::Behind) {
            Class::Behind
        } else if standings().all(|s| matches!(s, Standing::Met | Standing::Rest)) {
            Class::Done
        } else {
            Class::OnTrack
        }
    }

    /// Its name, as Waybar's `class`.
    pub fn name(self) -> &'static str {
        match self {
            Class::Behind => "behind",
            Class::OnTrack => "on-track",
            Class::Done => "done",
        }
    }
}

/// The one-line summary for status bars: each habit's icon and progress,
/// `✓` once met: `💧 5/8  🚶 0/20  🧘 ✓`. Control characters are escaped,
/// so the line stays one line.
pub fn bar_line(status: &Status) -> String {
    status
        .habits
        .iter()
        .map(|h| {
            let icon = escape(&h.icon);
            if h.met {
                format!("{icon} ✓")
            } else {
                format!("{icon} {}/{}", h.done, h.goal)
            }
        })
        .collect::<Vec<_>>()
        .join("  ")
}

/// How far the day is, 0 to 100: the mean share of each goal met, over
/// the habits asked for today (100 when none is).
pub fn percentage(status: &Status) -> u8 {
    let shares: Vec<f64> = status
        .habits
        .iter()
        .filter(|h| h.standing != Standing::Rest || h.met)
        .map(|h| {
            if h.met || h.goal == 0 {
                1.0
            } else {
                (h.done.max(0) as f64 / f64::from(h.goal)).min(1.0)
            }
        })
        .collect();
    if shares.is_empty() {
        return 100;
    }
    // In 0..=100 by construction: each share is in 0..=1.
    (shares.iter().sum::<f64>() / shares.len() as f64 * 100.0).floor() as u8
}

/// A tooltip: each habit with its progress and next reminder, one a line;
/// first a line saying so when the daemon is not running.
pub fn tooltip(status: &Status) -> String {
    let mut lines = Vec::new();
    if !status.daemon {
        lines.push("habitd is not running: no reminders are shown".to_string());
    }
    if let Some(pause) = &status.paused {
        lines.push(format!(
            "paused until {}",
            pause
                .until
                .as_deref()
                .map_or("resumed".to_string(), short_time)
        ));
    }
    for h in &status.habits {
        let progress = Progress {
            done: h.done,
            goal: h.goal,
            unit: h.unit.clone(),
        };
        let next = match (&h.next, h.skipped) {
            (_, true) => "skipped today".to_string(),
            (Some(next), false) => format!("next {}", short_time(next)),
            (None, false) => "no reminder planned".to_string(),
        };
        let done = if h.met { " ✓" } else { "" };
        lines.push(format!("{} {}: {progress}{done}, {next}", h.icon, h.title));
    }
    lines
        .iter()
        .map(|line| escape(line).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// One line of Waybar's JSON for a `custom` module with `return-type":
/// "json"`: `text`, `tooltip`, `class` and `percentage`. Waybar reads text
/// and tooltip as Pango markup, so `&`, `<` and `>` are escaped.
pub fn waybar(status: &Status) -> String {
    let json = serde_json::json!({
        "text": markup(&bar_line(status)),
        "tooltip": markup(&tooltip(status)),
        "class": Class::of(status).name(),
        "percentage": percentage(status),
    });
    json.to_string()
}

/// The three lines i3blocks reads from a block's command: full text, short
/// text (habits met of those asked today), and colour (empty: the bar's
/// own).
pub fn i3blocks(status: &Status) -> [String; 3] {
    let asked = status
        .habits
        .iter()
        .filter(|h| h.standing != Standing::Rest || h.met);
    let (met, all) = asked.fold((0, 0), |(met, all), h| (met + u32::from(h.met), all + 1));
    let color = match Class::of(status) {
        Class::Behind => "#e5a50a",
        Class::Done => "#33d17a",
        Class::OnTrack => "",
    };
    [
        bar_line(status),
        format!("{met}/{all} ✓"),
        color.to_string(),
    ]
}

/// Text as Pango markup shows it literally.
fn markup(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `2026-11-26T15:00:00+01:00` as `Thu 15:00` (its own wall-clock time),
/// or the text as is.
pub fn short_time(rfc3339: &str) -> String {
    rfc3339
        .get(..19)
        .and_then(|civil| civil.parse::<jiff::civil::DateTime>().ok())
        .map_or_else(
            || rfc3339.to_string(),
            |dt| dt.strftime("%a %H:%M").to_string(),
        )
}

/// What the diary in `state` says about `night`.
fn night_status(state: &State, night: jiff::civil::Date, tz: &jiff::tz::TimeZone) -> NightStatus {
    let (entry, cramps) = match Night::of(&state.diary, night) {
        Night::Missing => (NightEntry::Missing, Vec::new()),
        Night::Quiet(_) => (NightEntry::NoCramps, Vec::new()),
        Night::Cramps(cramps) => (
            NightEntry::Cramps,
            cramps
                .into_iter()
                .map(|e| CrampStatus {
                    at: rfc3339(e.at, tz),
                    details: e.episode().cloned().unwrap_or_default(),
                })
                .collect(),
        ),
    };
    NightStatus {
        night: night.to_string(),
        entry,
        cramps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DEFAULT_CONFIG, Origin, parse_str};
    use crate::diary::{DiaryEntry, Leg, Record};

    #[test]
    fn last_night_is_missing_quiet_or_its_cramps() {
        let text = DEFAULT_CONFIG.replace(
            "# timezone = \"Europe/Berlin\"",
            "timezone = \"Europe/Berlin\"",
        );
        let config = parse_str(&text, Origin::Builtin).unwrap();
        // 20:00 on Fri 2026-11-27 in Berlin: last night is Thursday's.
        let now: Timestamp = "2026-11-27T19:00:00Z".parse().unwrap();
        let entry = |id, night: &str, at: &str, record| DiaryEntry {
            id,
            at: at.parse().unwrap(),
            night: night.parse().unwrap(),
            record,
        };
        let left = Episode {
            leg: Some(Leg::Left),
            ..Episode::default()
        };
        let mut state = State {
            diary: vec![
                entry(1, "2026-11-25", "2026-11-26T07:00:00Z", Record::NoCramps),
                entry(
                    3,
                    "2026-11-26",
                    "2026-11-27T04:00:00Z",
                    Record::Cramp(Episode::default()),
                ),
                entry(
                    2,
                    "2026-11-26",
                    "2026-11-27T02:10:00Z",
                    Record::Cramp(left.clone()),
                ),
                // Tonight's: not last night's.
                entry(
                    4,
                    "2026-11-27",
                    "2026-11-27T14:00:00Z",
                    Record::Cramp(left.clone()),
                ),
            ],
            ..State::default()
        };
        let json = serde_json::to_value(build(&config, &state, now, false)).unwrap();
        assert_eq!(
            json["last_night"],
            serde_json::json!({
                "night": "2026-11-26",
                "entry": "cramps",
                "cramps": [
                    {"at": "2026-11-27T03:10:00+01:00", "details": {"leg": "left"}},
                    {"at": "2026-11-27T05:00:00+01:00", "details": {}},
                ]
            })
        );
        let day_before: Timestamp = "2026-11-26T19:00:00Z".parse().unwrap();
        let quiet = build(&config, &state, day_before, false)
            .last_night
            .unwrap();
        assert_eq!(
            (quiet.night.as_str(), quiet.entry),
            ("2026-11-25", NightEntry::NoCramps)
        );
        state.diary.clear();
        let missing = build(&config, &state, now, false).last_night.unwrap();
        assert_eq!(
            missing,
            NightStatus {
                night: "2026-11-26".to_string(),
                entry: NightEntry::Missing,
                cramps: vec![]
            }
        );
        // A report from a daemon that predates the diary still reads.
        let mut older = serde_json::to_value(build(&config, &state, now, true)).unwrap();
        older.as_object_mut().unwrap().remove("last_night");
        let read: Status = serde_json::from_value(older).unwrap();
        assert_eq!(read.last_night, None);
    }

    #[test]
    fn advice_comes_from_the_diary_and_survives_the_daemon_s_forgetting() {
        let config = parse_str(DEFAULT_CONFIG, Origin::Builtin).unwrap();
        let now: Timestamp = "2026-11-27T12:00:00Z".parse().unwrap();
        let today = config.timezone.to_datetime(now).date();
        let walking = |night: jiff::civil::Date| DiaryEntry {
            id: 1,
            at: now,
            night,
            record: Record::Cramp(Episode {
                when: Some(crate::diary::Activity::Walking),
                ..Episode::default()
            }),
        };
        // Three weeks ago: in the advice's last 4 weeks, long before the
        // days planning keeps.
        let three_weeks_ago = today.checked_sub(jiff::ToSpan::days(21)).unwrap();
        let mut state = State {
            diary: vec![walking(three_weeks_ago)],
            ..State::default()
        };
        state.forget_before(today.yesterday().unwrap());
        let kinds: Vec<_> = build(&config, &state, now, true)
            .advice
            .iter()
            .map(|a| a.kind)
            .collect();
        assert_eq!(kinds, [crate::report::AdviceKind::WhileWalking]);
        state.diary.clear();
        assert_eq!(build(&config, &state, now, true).advice, []);
    }

    const BAR_CONFIG: &str = r#"
[settings]
timezone = "UTC"
[habits.water]
title = "Water"
emoji = "💧"
pace = "09:00-21:00"
goal = { count = 8, unit = "glasses" }
[habits.stretch]
title = "stretch"
at = "12:30"
[habits.walk]
title = "Walk"
emoji = "🚶"
at = "17:30"
days = "weekdays"
goal = { minutes = 20 }
"#;

    /// The report on `BAR_CONFIG` at `now`, with `done` per habit today.
    fn bar_report(now: &str, done: &[(&str, i64)]) -> Status {
        let config = parse_str(BAR_CONFIG, Origin::Builtin).unwrap();
        let now: Timestamp = now.parse().unwrap();
        let today = config.timezone.to_datetime(now).date();
        let state = State {
            totals: done
                .iter()
                .map(|(habit, n)| ((habit.to_string(), today), *n))
                .collect(),
            ..State::default()
        };
        build(&config, &state, now, true)
    }

    fn standings(status: &Status) -> Vec<(&str, Standing, Option<&str>)> {
        status
            .habits
            .iter()
            .map(|h| (h.habit.as_str(), h.standing, h.behind_at.as_deref()))
            .collect()
    }

    #[test]
    fn behind_is_an_even_pace_for_pace_and_the_first_reminder_for_others() {
        // Fri 2026-11-27. Water: 8 over 12 hours, the k-th due at 09:00 + k × 1h30.
        let at_1329 = bar_report("2026-11-27T13:29:59Z", &[("water", 2)]);
        assert_eq!(
            standings(&at_1329),
            [
                ("stretch", Standing::Behind, None),
                ("walk", Standing::OnTrack, Some("2026-11-27T17:30:00+00:00")),
                (
                    "water",
                    Standing::OnTrack,
                    Some("2026-11-27T13:30:00+00:00")
                ),
            ]
        );
        assert_eq!(Class::of(&at_1329), Class::Behind);
        let at_1330 = bar_report("2026-11-27T13:30:00Z", &[("water", 2), ("stretch", 1)]);
        assert_eq!(
            standings(&at_1330).iter().map(|s| s.1).collect::<Vec<_>>(),
            [Standing::Met, Standing::OnTrack, Standing::Behind]
        );
        // Before the first reminder, and before the window opens.
        let morning = bar_report("2026-11-27T08:00:00Z", &[]);
        assert_eq!(
            standings(&morning)[0],
            (
                "stretch",
                Standing::OnTrack,
                Some("2026-11-27T12:30:00+00:00")
            )
        );
        assert_eq!(
            standings(&morning)[2].2,
            Some("2026-11-27T10:30:00+00:00"),
            "the first glass is due once 1/8 of the window has passed"
        );
        assert_eq!(Class::of(&morning), Class::OnTrack);
        // Saturday: no walk is asked; all else met is a day done.
        let saturday = bar_report("2026-11-28T22:00:00Z", &[("water", 8), ("stretch", 1)]);
        assert_eq!(
            standings(&saturday).iter().map(|s| s.1).collect::<Vec<_>>(),
            [Standing::Met, Standing::Rest, Standing::Met]
        );
        assert_eq!(Class::of(&saturday), Class::Done);
        assert_eq!(percentage(&saturday), 100);
    }

    #[test]
    fn a_skipped_habit_rests_and_behind_resets_at_midnight() {
        let config = parse_str(BAR_CONFIG, Origin::Builtin).unwrap();
        let now: Timestamp = "2026-11-27T20:00:00Z".parse().unwrap();
        let today = config.timezone.to_datetime(now).date();
        let mut state = State::default();
        state.skipped.insert(("walk".to_string(), today));
        let report = build(&config, &state, now, true);
        assert_eq!(report.habits[1].standing, Standing::Rest);
        assert_eq!(report.habits[2].standing, Standing::Behind);
        assert_eq!(
            next_midnight(&config.timezone, now),
            Some("2026-11-28T00:00:00Z".parse().unwrap())
        );
    }

    #[test]
    fn bar_formats_from_a_report() {
        let report = bar_report("2026-11-27T13:00:00Z", &[("water", 2), ("stretch", 1)]);
        assert_eq!(bar_line(&report), "S ✓  🚶 0/20  💧 2/8");
        // stretch 1, walk 0, water 2/8: (1 + 0 + 0.25) / 3.
        assert_eq!(percentage(&report), 41);
        assert_eq!(
            i3blocks(&report),
            [
                "S ✓  🚶 0/20  💧 2/8".to_string(),
                "1/3 ✓".to_string(),
                String::new()
            ]
        );
        let behind = bar_report("2026-11-27T18:00:00Z", &[("water", 8), ("stretch", 1)]);
        assert_eq!(i3blocks(&behind)[2], "#e5a50a");
        let done = bar_report(
            "2026-11-27T18:00:00Z",
            &[("water", 8), ("stretch", 1), ("walk", 25)],
        );
        assert_eq!(
            i3blocks(&done),
            [
                "S ✓  🚶 ✓  💧 ✓".to_string(),
                "3/3 ✓".to_string(),
                "#33d17a".to_string()
            ]
        );
    }

    #[test]
    fn waybar_json_has_text_tooltip_class_and_percentage_as_markup() {
        let habit =
            |id: &str, icon: &str, title: &str, done, goal, next: Option<&str>| HabitStatus {
                habit: id.to_string(),
                title: title.to_string(),
                done,
                goal,
                unit: "glasses".to_string(),
                met: done >= i64::from(goal),
                skipped: false,
                snoozed_until: None,
                next: next.map(str::to_string),
                icon: icon.to_string(),
                standing: Standing::OnTrack,
                behind_at: None,
            };
        let report = Status {
            daemon: false,
            now: "2026-11-27T13:00:00+01:00".to_string(),
            timezone: "Europe/Berlin".to_string(),
            paused: None,
            habits: vec![
                HabitStatus {
                    standing: Standing::Behind,
                    ..habit(
                        "tea",
                        "<T>",
                        "Tea & honey\u{1b}[2J",
                        1,
                        4,
                        Some("2026-11-27T15:30:00+01:00"),
                    )
                },
                habit("water", "💧", "Water", 8, 8, None),
            ],
            last_night: Some(NightStatus {
                night: "2026-11-26".to_string(),
                entry: NightEntry::Missing,
                cramps: vec![],
            }),
            advice: vec![],
        };
        let json: serde_json::Value = serde_json::from_str(&waybar(&report)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "text": "&lt;T&gt; 1/4  💧 ✓",
                "tooltip": "habitd is not running: no reminders are shown\n\
                    &lt;T&gt; Tea &amp; honey\\u{1b}[2J: 1/4 glasses, next Fri 15:30\n\
                    💧 Water: 8/8 glasses ✓, no reminder planned",
                "class": "behind",
                "percentage": 62,
            })
        );
        assert!(!waybar(&report).contains('\n'), "one line");
    }

    #[test]
    fn progress_has_no_dangling_space_without_a_unit() {
        let progress = |unit: &str| {
            Progress {
                done: 3,
                goal: 8,
                unit: unit.to_string(),
            }
            .to_string()
        };
        assert_eq!(progress("glasses"), "3/8 glasses");
        assert_eq!(progress(""), "3/8");
    }
}
