//! What the user asks for — done, undo, snooze, skip, pause, resume — and the
//! events each becomes.
//!
//! Pure: the same request from the command line, a notification button or a
//! D-Bus client turns into the same events here, so every path records
//! exactly the same history. Callers supply `now` and, for undo, the event to
//! take back.

use jiff::civil::{Date, DateTime};
use jiff::{SignedDuration, Timestamp};

use crate::config::{Config, Goal, Habit};
use crate::event::{Event, Kind, NewEvent, Source};
use crate::plan::State;
use crate::quote::Quoted;
use crate::schedule::resolve;
use crate::status::Progress;
use crate::suggest::closest;
use crate::timespec::{parse_clock_time, parse_duration};

/// A request to the daemon, in the command line's notations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// `habitd done HABIT [AMOUNT] [--at TIME]` (empty strings: defaults).
    Done {
        /// Habit id.
        habit: String,
        /// Amount, or empty.
        amount: String,
        /// Time, or empty for now.
        at: String,
    },
    /// `habitd undo [HABIT]` (empty: any habit).
    Undo {
        /// Habit id, or empty.
        habit: String,
    },
    /// `habitd snooze HABIT|all [DURATION]`.
    Snooze {
        /// Habit id, or `all`.
        habit: String,
        /// Duration, or empty for each habit's default.
        duration: String,
    },
    /// `habitd skip HABIT [--date DATE]`.
    Skip {
        /// Habit id.
        habit: String,
        /// Date, or empty for today.
        date: String,
    },
    /// `habitd pause [DURATION | --until TIME]` (empty: until resumed).
    Pause {
        /// A duration (`30m`) or a time (`18:00`), or empty.
        until: String,
    },
    /// `habitd resume`.
    Resume,
    /// The status report, as JSON.
    Status,
    /// Read the config again.
    Reload,
}

/// A request that changes history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Record a completion of `habit`: `amount` (default: 1, or the whole
    /// goal for minute goals) at `at` (default: now).
    Done {
        /// The habit.
        habit: String,
        /// A count, or minutes.
        amount: Option<i64>,
        /// When it was done.
        at: Option<Timestamp>,
    },
    /// Take back the latest completion (of `habit`, if given).
    Undo {
        /// The habit, or any.
        habit: Option<String>,
    },
    /// Postpone reminders of `habit` (all habits if `None`) by `duration`
    /// (default: each habit's `snooze`).
    Snooze {
        /// The habit, or all.
        habit: Option<String>,
        /// How long.
        duration: Option<SignedDuration>,
    },
    /// Make `date` (default: today) a rest day for `habit`.
    Skip {
        /// The habit.
        habit: String,
        /// The day.
        date: Option<Date>,
    },
    /// Hold all reminders until `until`, or until resumed.
    Pause {
        /// When the pause ends.
        until: Option<Timestamp>,
    },
    /// End a pause.
    Resume,
}

/// A button on a reminder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Record a completion (one unit, or the whole goal for minutes).
    Done,
    /// Postpone by the habit's snooze length.
    Snooze,
    /// Make the day a rest day.
    Skip,
}

impl Action {
    /// The action key sent to the notification server. Plain words, the same
    /// on every reminder, so a notification server's rules can name them
    /// (dunst: `action_name = done`).
    pub fn key(self) -> &'static str {
        match self {
            Action::Done => "done",
            Action::Snooze => "snooze",
            Action::Skip => "skip",
        }
    }

    /// The action with this key.
    pub fn from_key(key: &str) -> Option<Action> {
        [Action::Done, Action::Snooze, Action::Skip]
            .into_iter()
            .find(|a| a.key() == key)
    }

    /// What pressing this button on `habit`'s reminder for `day` records,
    /// pressed at `now`: Done counts for the day the reminder was for (at
    /// its last second when pressed after it), Skip rests that day, Snooze
    /// postpones from now.
    pub fn command(self, habit: &str, day: Date, config: &Config, now: Timestamp) -> Command {
        let habit = habit.to_string();
        match self {
            Action::Done => {
                let today = config.timezone.to_datetime(now).date();
                let at = (day < today)
                    .then(|| {
                        resolve(
                            &config.timezone,
                            day.to_datetime(jiff::civil::time(23, 59, 59, 0)),
                        )
                    })
                    .flatten();
                Command::Done {
                    habit,
                    amount: None,
                    at,
                }
            }
            Action::Snooze => Command::Snooze {
                habit: Some(habit),
                duration: None,
            },
            Action::Skip => Command::Skip {
                habit,
                date: Some(day),
            },
        }
    }
}

/// A request that cannot be carried out as asked; the message says what was
/// expected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Rejected(pub String);

/// The longest snooze; longer postponements are what `skip` and `pause` are for.
pub const MAX_SNOOZE: SignedDuration = SignedDuration::from_hours(24);

/// The habit with id `id`, or an error suggesting the closest one.
pub fn find_habit<'c>(config: &'c Config, id: &str) -> Result<&'c Habit, Rejected> {
    config.habit(id).ok_or_else(|| {
        let ids = config.habits.iter().map(|h| h.id.as_str());
        let hint = match closest(id, ids.clone()) {
            Some(suggestion) => format!("; did you mean {suggestion:?}?"),
            None => format!("; habits are: {}", ids.collect::<Vec<_>>().join(", ")),
        };
        Rejected(format!("no habit {}{hint}", Quoted(id)))
    })
}

/// Parses a `done` amount for `habit`: a whole count for count goals
/// (`2`), a duration or a number of minutes for minute goals (`25m`, `25`).
pub fn parse_amount(habit: &Habit, text: &str) -> Result<i64, Rejected> {
    match habit.goal {
        Goal::Count { ref unit, .. } => text
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=10_000).contains(n))
            .ok_or_else(|| {
                Rejected(format!(
                    "invalid amount {} for {}: expected a whole number of {unit}, e.g. `habitd done {} 2`",
                    Quoted(text), habit.id, habit.id
                ))
            }),
        Goal::Minutes(_) => {
            let minutes = match text.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => parse_duration(text).ok().map(|d| d.as_secs() / 60),
            };
            minutes.filter(|n| (1..=1440).contains(n)).ok_or_else(|| {
                Rejected(format!(
                    "invalid amount {} for {}: expected minutes, e.g. `habitd done {} 25m`",
                    Quoted(text), habit.id, habit.id
                ))
            })
        }
    }
}

/// Parses a point in time: `HH:MM` (today), a local date-time
/// (`2026-11-25T18:00` or `2026-11-25 18:00`) or RFC 3339.
pub fn parse_time(config: &Config, text: &str, now: Timestamp) -> Result<Timestamp, Rejected> {
    let tz = &config.timezone;
    let parsed = if let Ok(instant) = text.parse::<Timestamp>() {
        Some(instant)
    } else if let Ok(civil) = text.replacen(' ', "T", 1).parse::<DateTime>() {
        resolve(tz, civil)
    } else if let Ok(time) = parse_clock_time(text) {
        resolve(tz, tz.to_datetime(now).date().to_datetime(time))
    } else {
        None
    };
    parsed.ok_or_else(|| {
        Rejected(format!(
            "invalid time {}: expected HH:MM (today), a date-time like \"2026-11-25 18:00\", or RFC 3339 like \"2026-11-25T18:00:00+01:00\"",
            Quoted(text)
        ))
    })
}

/// Parses a calendar date `YYYY-MM-DD`, or `today`/`tomorrow`/`yesterday`.
pub fn parse_date(config: &Config, text: &str, now: Timestamp) -> Result<Date, Rejected> {
    let today = config.timezone.to_datetime(now).date();
    let parsed = match text {
        "today" => Some(today),
        "tomorrow" => today.tomorrow().ok(),
        "yesterday" => today.yesterday().ok(),
        other => other.parse::<Date>().ok(),
    };
    parsed.ok_or_else(|| {
        Rejected(format!(
            "invalid date {}: expected YYYY-MM-DD like \"2026-12-24\", or today, tomorrow, yesterday",
            Quoted(text)
        ))
    })
}

/// The events `command` becomes. `last_done` is the completion `undo` would
/// take back (the caller looks it up in the store).
pub fn events(
    config: &Config,
    command: &Command,
    last_done: Option<&Event>,
    source: Source,
    now: Timestamp,
) -> Result<Vec<NewEvent>, Rejected> {
    let tz = &config.timezone;
    let today = tz.to_datetime(now).date();
    let event = |habit: Option<&str>, kind: Kind| NewEvent::new(now, today, habit, kind, source);
    match command {
        Command::Done { habit, amount, at } => {
            let habit = find_habit(config, habit)?;
            let at = at.unwrap_or(now);
            if at > now {
                return Err(Rejected(format!(
                    "cannot record {} in the future ({at}); use a time up to now",
                    habit.id
                )));
            }
            let amount = match (amount, &habit.goal) {
                (Some(n), _) => *n,
                (None, Goal::Count { .. }) => 1,
                (None, Goal::Minutes(goal)) => i64::from(*goal),
            };
            Ok(vec![NewEvent {
                at,
                date: tz.to_datetime(at).date(),
                amount: Some(amount),
                ..event(Some(&habit.id), Kind::Done)
            }])
        }
        Command::Undo { habit } => {
            if let Some(id) = habit {
                find_habit(config, id)?;
            }
            let target = last_done.ok_or_else(|| match habit {
                Some(id) => Rejected(format!("nothing to undo for {id}")),
                None => Rejected("nothing to undo".to_string()),
            })?;
            Ok(vec![NewEvent {
                date: target.date,
                target: Some(target.id),
                amount: target.amount,
                ..event(target.habit.as_deref(), Kind::Undone)
            }])
        }
        Command::Snooze { habit, duration } => {
            let habits: Vec<&Habit> = match habit {
                Some(id) => vec![find_habit(config, id)?],
                None => config.habits.iter().collect(),
            };
            habits
                .into_iter()
                .map(|habit| {
                    let length = duration.unwrap_or(habit.snooze);
                    if !length.is_positive() || length > MAX_SNOOZE {
                        return Err(Rejected("invalid snooze length: expected a duration up to 24h, e.g. \"10m\"; for longer, use `habitd skip` or `habitd pause`".to_string()));
                    }
                    let until = now.checked_add(length).map_err(|e| Rejected(e.to_string()))?;
                    Ok(NewEvent {
                        until: Some(until),
                        ..event(Some(&habit.id), Kind::Snoozed)
                    })
                })
                .collect()
        }
        Command::Skip { habit, date } => {
            let habit = find_habit(config, habit)?;
            Ok(vec![NewEvent {
                date: date.unwrap_or(today),
                ..event(Some(&habit.id), Kind::Skipped)
            }])
        }
        Command::Pause { until } => {
            if let Some(until) = until
                && *until <= now
            {
                return Err(Rejected(format!(
                    "cannot pause until {until}: that is not in the future"
                )));
            }
            Ok(vec![NewEvent {
                until: *until,
                ..event(None, Kind::Paused)
            }])
        }
        Command::Resume => Ok(vec![event(None, Kind::Resumed)]),
    }
}

/// The command a request in the command line's notations stands for;
/// `None` for requests that change nothing (status, reload).
pub fn from_request(
    config: &Config,
    request: &Request,
    now: Timestamp,
) -> Result<Option<Command>, Rejected> {
    fn optional(text: &str) -> Option<&str> {
        Some(text).filter(|t| !t.trim().is_empty())
    }
    let command = match request {
        Request::Done { habit, amount, at } => {
            let found = find_habit(config, habit)?;
            Command::Done {
                habit: habit.clone(),
                amount: optional(amount).map(|a| parse_amount(found, a)).transpose()?,
                at: optional(at).map(|t| parse_time(config, t, now)).transpose()?,
            }
        }
        Request::Undo { habit } => Command::Undo {
            habit: optional(habit).map(str::to_string),
        },
        Request::Snooze { habit, duration } => Command::Snooze {
            habit: optional(habit).filter(|h| *h != "all").map(str::to_string),
            duration: optional(duration)
                .map(|d| {
                    parse_duration(d).map_err(|e| Rejected(format!("{e}; for example `habitd snooze water 20m`")))
                })
                .transpose()?,
        },
        Request::Skip { habit, date } => Command::Skip {
            habit: habit.clone(),
            date: optional(date).map(|d| parse_date(config, d, now)).transpose()?,
        },
        Request::Pause { until } => Command::Pause {
            until: optional(until)
                .map(|text| match parse_duration(text) {
                    Ok(length) => now.checked_add(length).map_err(|e| Rejected(e.to_string())),
                    Err(_) => parse_time(config, text, now).map_err(|_| {
                        Rejected(format!(
                            "invalid pause {}: expected a duration like \"30m\" or a time like \"18:00\" or \"2026-11-27 08:00\"",
                            Quoted(text)
                        ))
                    }),
                })
                .transpose()?,
        },
        Request::Resume => Command::Resume,
        Request::Status | Request::Reload => return Ok(None),
    };
    Ok(Some(command))
}

/// One line telling the user what was recorded, with the state after it.
pub fn confirmation(config: &Config, state: &State, events: &[NewEvent]) -> String {
    let tz = &config.timezone;
    let clock = |at: Timestamp| tz.to_datetime(at).strftime("%H:%M").to_string();
    let lines: Vec<String> = events
        .iter()
        .map(|e| {
            let habit = e.habit.as_deref().and_then(|id| config.habit(id));
            let progress = |h: &Habit| format!("{} on {}", Progress::of(h, state, e.date), e.date);
            match (e.kind, habit) {
                (Kind::Done, Some(h)) => {
                    let met = if state.met(h, e.date) {
                        " — goal met"
                    } else {
                        ""
                    };
                    format!("{}: {}{met}", h.id, progress(h))
                }
                (Kind::Undone, Some(h)) => format!(
                    "{}: took back {}; now {}",
                    h.id,
                    e.amount.unwrap_or(0),
                    progress(h)
                ),
                (Kind::Snoozed, Some(h)) => format!(
                    "{}: snoozed until {}",
                    h.id,
                    e.until.map(clock).unwrap_or_default()
                ),
                (Kind::Skipped, Some(h)) => format!("{}: {} is a rest day", h.id, e.date),
                (Kind::Paused, _) => match e.until {
                    Some(until) => format!(
                        "paused until {}",
                        tz.to_datetime(until).strftime("%a %H:%M")
                    ),
                    None => "paused until `habitd resume`".to_string(),
                },
                (Kind::Resumed, _) => "resumed".to_string(),
                (kind, _) => format!("recorded {}", kind.as_str()),
            }
        })
        .collect();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DEFAULT_CONFIG, Origin, parse_str};

    fn config() -> Config {
        let text = DEFAULT_CONFIG.replace(
            "# timezone = \"Europe/Berlin\"",
            "timezone = \"Europe/Berlin\"",
        );
        parse_str(&text, Origin::Builtin).unwrap()
    }

    fn now() -> Timestamp {
        "2026-11-26T14:00:00Z".parse().unwrap()
    }

    #[test]
    fn amounts_follow_the_goal() {
        let c = config();
        assert_eq!(parse_amount(c.habit("water").unwrap(), "2"), Ok(2));
        assert!(
            parse_amount(c.habit("water").unwrap(), "2m")
                .unwrap_err()
                .0
                .contains("habitd done water 2")
        );
        assert_eq!(parse_amount(c.habit("walk").unwrap(), "25m"), Ok(25));
        assert_eq!(parse_amount(c.habit("walk").unwrap(), "1h"), Ok(60));
        assert_eq!(parse_amount(c.habit("walk").unwrap(), "25"), Ok(25));
        assert!(parse_amount(c.habit("walk").unwrap(), "0").is_err());
    }

    #[test]
    fn times_in_three_notations() {
        let c = config();
        assert_eq!(
            parse_time(&c, "09:30", now()).unwrap().to_string(),
            "2026-11-26T08:30:00Z"
        );
        assert_eq!(
            parse_time(&c, "2026-11-25 18:00", now())
                .unwrap()
                .to_string(),
            "2026-11-25T17:00:00Z"
        );
        assert_eq!(
            parse_time(&c, "2026-11-25T18:00:00+00:00", now())
                .unwrap()
                .to_string(),
            "2026-11-25T18:00:00Z"
        );
        assert!(
            parse_time(&c, "soon", now())
                .unwrap_err()
                .0
                .contains("HH:MM")
        );
    }

    #[test]
    fn done_defaults_and_dates() {
        let c = config();
        let cmd = Command::Done {
            habit: "walk".into(),
            amount: None,
            at: Some("2026-11-25T23:30:00Z".parse().unwrap()),
        };
        let e = events(&c, &cmd, None, Source::Cli, now()).unwrap();
        assert_eq!(e[0].amount, Some(20));
        // 23:30 UTC is 00:30 the next day in Berlin.
        assert_eq!(e[0].date.to_string(), "2026-11-26");
        let future = Command::Done {
            habit: "walk".into(),
            amount: None,
            at: Some("2026-11-27T00:00:00Z".parse().unwrap()),
        };
        assert!(events(&c, &future, None, Source::Cli, now()).is_err());
    }

    #[test]
    fn unknown_habits_get_a_suggestion() {
        let c = config();
        let cmd = Command::Skip {
            habit: "watr".into(),
            date: None,
        };
        assert_eq!(
            events(&c, &cmd, None, Source::Cli, now()).unwrap_err().0,
            "no habit \"watr\"; did you mean \"water\"?"
        );
    }

    #[test]
    fn snooze_all_covers_every_habit() {
        let c = config();
        let cmd = Command::Snooze {
            habit: None,
            duration: Some(SignedDuration::from_mins(20)),
        };
        let e = events(&c, &cmd, None, Source::Cli, now()).unwrap();
        assert_eq!(e.len(), 4);
        assert!(
            e.iter()
                .all(|e| e.until == Some("2026-11-26T14:20:00Z".parse().unwrap()))
        );
        let too_long = Command::Snooze {
            habit: None,
            duration: Some(SignedDuration::from_hours(25)),
        };
        assert!(events(&c, &too_long, None, Source::Cli, now()).is_err());
    }

    #[test]
    fn undo_needs_something_to_undo() {
        let c = config();
        let cmd = Command::Undo { habit: None };
        assert_eq!(
            events(&c, &cmd, None, Source::Cli, now()).unwrap_err().0,
            "nothing to undo"
        );
    }
}
