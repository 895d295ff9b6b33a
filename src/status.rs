//! The status report: per habit today's progress against the goal, the next
//! reminder, and any snooze, skip or pause; last night's entry in the
//! cramp diary, and the advice the diary calls for ([`crate::report`]).
//!
//! Built by one pure function from config, state and now, so the daemon
//! (over D-Bus) and the command line (when no daemon runs) report the same.
//! Data only: `habitd status` renders it for a terminal.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::config::{Config, Goal, Habit};
use crate::diary::{self, Episode, Night};
use crate::plan::{Plan, State};
use crate::report::{self, Advice};
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
        .map(|habit| HabitStatus {
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
