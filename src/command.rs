//! What the user asks for — done, undo, snooze, skip, pause, resume, and
//! the cramp diary's entries — and the events each becomes.
//!
//! Pure: the same request from the command line, a notification button or a
//! D-Bus client turns into the same events here, so every path records
//! exactly the same history, and is refused with the same message. Callers
//! supply `now` and what the history says that a command depends on
//! ([`Context`]: the completion or diary entry undo would take back, whether
//! reminders are paused, what the diary holds for the night a diary entry
//! is for).
//!
//! The accepted ranges live here too: a completion or a cramp up to a year
//! back, a rest day up to a year either way, a pause up to 366 days ahead, a
//! night without cramps from a year back up to last night. Times in
//! messages are local, in the configured zone, in a notation the user can
//! type back.
//!
//! The diary's rules for a night: a night recorded without cramps is not
//! recorded so twice; a cramp recorded for it takes the quiet night back in
//! the same write (the cramp is the later, truer word), and says so; a night
//! with cramps is not recorded as quiet until they are taken back.

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Span, Timestamp};

use crate::config::{Config, Goal, Habit};
use crate::diary::{self, Activity, Choice, DiaryEntry, Episode, Leg, Muscle, Night, Record};
use crate::event::{Event, Kind, NewEvent, Source};
use crate::plan::State;
use crate::quote::{Quoted, counted};
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
    /// `habitd undo [HABIT | cramp]` (empty: the latest completion or
    /// diary entry; [`DIARY`]: the latest diary entry).
    Undo {
        /// Habit id, [`DIARY`], or empty.
        habit: String,
    },
    /// `habitd snooze HABIT|all [DURATION]`.
    Snooze {
        /// Habit id, or `all` (never empty: snoozing every habit is asked
        /// for by name).
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
    /// `habitd cramp [--at TIME] [--leg …] [--muscle …] [--minutes N]
    /// [--when …] [--swelling] [--note TEXT]` (empty strings: unknown, or
    /// now for the time).
    Cramp {
        /// When it came, or empty for now.
        at: String,
        /// `left`, `right`, `both`, or empty.
        leg: String,
        /// `calf`, `hamstring`, `quadriceps`, `foot`, or empty.
        muscle: String,
        /// Whole minutes (or a duration like `5m`), or empty.
        minutes: String,
        /// `sleep`, `walking`, `exercise`, `rest`, or empty.
        when: String,
        /// Whether the leg was swollen.
        swelling: bool,
        /// Free text, or empty.
        note: String,
    },
    /// `habitd cramp --none [--date DATE]` (empty: last night).
    NoCramps {
        /// The night, named by its evening's date, or empty.
        date: String,
    },
}

/// The word that names the cramp diary where a habit could stand:
/// `habitd undo cramp`. No habit may have it as its id.
pub const DIARY: &str = "cramp";

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
    /// Take back the latest completion of `habit`, or with `None` the
    /// latest completion or diary entry, whichever was recorded last.
    Undo {
        /// The habit, or any.
        habit: Option<String>,
    },
    /// Take back the latest diary entry (a cramp or a night without).
    UndoDiary,
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
    /// Record a cramp at `at` (default: now) for the night it belongs to.
    Cramp {
        /// When it came.
        at: Option<Timestamp>,
        /// What is known of it.
        episode: Episode,
    },
    /// Record `night` (default: last night) as a night without cramps.
    NoCramps {
        /// The night, named by its evening's date.
        night: Option<Date>,
    },
}

impl Command {
    /// The night whose diary entries this command depends on (see
    /// [`Context::night`]): a diary entry's.
    pub fn night(&self, config: &Config, now: Timestamp) -> Option<Date> {
        let tz = &config.timezone;
        match self {
            Command::Cramp { at, .. } => Some(diary::night_of(at.unwrap_or(now), tz)),
            Command::NoCramps { night } => Some(night.unwrap_or(diary::last_night(now, tz))),
            _ => None,
        }
    }
}

/// A button on a notification: a habit's reminder has Done, Snooze and
/// Skip; the morning check-in No and Yes; the weekly look back Report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Record a completion (one unit, or the whole goal for minutes).
    Done,
    /// Postpone by the habit's snooze length.
    Snooze,
    /// Make the day a rest day.
    Skip,
    /// No cramps last night.
    No,
    /// Cramps last night.
    Yes,
    /// Open the report.
    Report,
}

impl Action {
    const ALL: [Action; 6] = [
        Action::Done,
        Action::Snooze,
        Action::Skip,
        Action::No,
        Action::Yes,
        Action::Report,
    ];

    /// The action key sent to the notification server. Plain words, the same
    /// on every notification, so a notification server's rules can name
    /// them (dunst: `action_name = done`).
    pub fn key(self) -> &'static str {
        match self {
            Action::Done => "done",
            Action::Snooze => "snooze",
            Action::Skip => "skip",
            Action::No => "no",
            Action::Yes => "yes",
            Action::Report => "report",
        }
    }

    /// The action with this key.
    pub fn from_key(key: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.key() == key)
    }

    /// What pressing this button on `habit`'s reminder for `day` records,
    /// pressed at `now`: Done counts for the day the reminder was for (at
    /// its last second when pressed after it), Skip rests that day, Snooze
    /// postpones from now. `None` for the buttons a habit's reminder does
    /// not have.
    pub fn command(
        self,
        habit: &str,
        day: Date,
        config: &Config,
        now: Timestamp,
    ) -> Option<Command> {
        let habit = habit.to_string();
        Some(match self {
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
            Action::No | Action::Yes | Action::Report => return None,
        })
    }
}

/// The request an answer to the morning check-in about `night` stands for,
/// given at `now`: No is `habitd cramp --none --date NIGHT`; Yes is
/// `habitd cramp` with nothing known but the night, timed when it was
/// answered, or at the night's last minute when answered after the night
/// ended (see [`diary::NIGHT_ENDS`]), so it counts for the night asked
/// about.
pub fn checkin_answer(config: &Config, night: Date, cramps: bool, now: Timestamp) -> Request {
    if !cramps {
        return Request::NoCramps {
            date: night.to_string(),
        };
    }
    let last_minute = night
        .tomorrow()
        .ok()
        .and_then(|morning| resolve(&config.timezone, morning.to_datetime(diary::NIGHT_ENDS)))
        .and_then(|end| end.checked_sub(SignedDuration::from_mins(1)).ok());
    let at = last_minute.map_or(now, |last| now.min(last));
    Request::Cramp {
        at: at.to_string(),
        leg: String::new(),
        muscle: String::new(),
        minutes: String::new(),
        when: String::new(),
        swelling: false,
        note: String::new(),
    }
}

/// How to give the details of an episode recorded from the check-in for
/// `night`: take it back and record it again, e.g. `habitd undo cramp &&
/// habitd cramp --at "2026-11-27 03:00" --leg left --minutes 5`.
pub fn episode_details_hint(night: Date) -> String {
    let morning = night.tomorrow().unwrap_or(night);
    format!(
        "habitd undo {DIARY} && habitd cramp --at \"{morning} 03:00\" --leg left --muscle calf --minutes 5"
    )
}

/// A request that cannot be carried out as asked; the message says what was
/// expected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Rejected(pub String);

/// The longest snooze; longer postponements are what `skip` and `pause` are for.
pub const MAX_SNOOZE: SignedDuration = SignedDuration::from_hours(24);

/// The longest pause: a long holiday, not a typo'd year.
pub const MAX_PAUSE: SignedDuration = SignedDuration::from_hours(366 * 24);

/// How far back `done --at` and `skip --date` reach, and how far ahead
/// `skip --date` does: enough to catch up on a forgotten entry or to plan a
/// holiday, while a mistyped year (`1026`, `9999`) is refused.
fn one_year() -> Span {
    Span::new().years(1)
}

/// The first day a completion may count for, seen from `today`.
fn earliest_day(today: Date) -> Date {
    today.checked_sub(one_year()).unwrap_or(today)
}

/// The last day that may be made a rest day, seen from `today`.
fn latest_rest_day(today: Date) -> Date {
    today.checked_add(one_year()).unwrap_or(today)
}

/// `at` as the user could type it back: `HH:MM` today, else
/// `YYYY-MM-DD HH:MM`, in the configured zone. For refusals, which echo a
/// time the user gave.
fn typed(tz: &TimeZone, at: Timestamp, now: Timestamp) -> String {
    let local = tz.to_datetime(at);
    if local.date() == tz.to_datetime(now).date() {
        local.strftime("%H:%M").to_string()
    } else {
        local.strftime("%Y-%m-%d %H:%M").to_string()
    }
}

/// `at` for a confirmation: `HH:MM` today, `tomorrow HH:MM`, else with
/// weekday and date (`Sat 2026-11-28 21:46`), in the configured zone. A
/// time without a day would read as today.
fn when(tz: &TimeZone, at: Timestamp, now: Timestamp) -> String {
    let local = tz.to_datetime(at);
    let today = tz.to_datetime(now).date();
    if local.date() == today {
        local.strftime("%H:%M").to_string()
    } else if today.tomorrow().is_ok_and(|t| t == local.date()) {
        local.strftime("tomorrow %H:%M").to_string()
    } else {
        local.strftime("%a %Y-%m-%d %H:%M").to_string()
    }
}

/// The refusal of a record of `what` (a habit, `a cramp`) at `shown` (a
/// time as typed or as [`typed`] writes it), with the accepted range.
fn done_out_of_range(what: &str, shown: &str, why: &str, today: Date) -> Rejected {
    Rejected(format!(
        "cannot record {what} at {shown}: {why}expected a time from {} up to now",
        earliest_day(today)
    ))
}

/// Why `at` cannot be recorded, seen from `now`: it is in the future, or
/// more than a year back. `None` when it can.
fn out_of_reach(tz: &TimeZone, at: Timestamp, now: Timestamp) -> Option<&'static str> {
    let today = tz.to_datetime(now).date();
    if at > now {
        Some("that is in the future; ")
    } else if tz.to_datetime(at).date() < earliest_day(today) {
        Some("that is more than a year ago; ")
    } else {
        None
    }
}

/// Parses a time the user gave for recording `what`: a date-time habitd
/// cannot represent is out of range, not misspelt.
fn parse_record_time(
    config: &Config,
    what: &str,
    text: &str,
    now: Timestamp,
) -> Result<Timestamp, Rejected> {
    parse_time(config, text, now).map_err(|invalid| {
        if is_date_time(text) {
            let today = config.timezone.to_datetime(now).date();
            done_out_of_range(what, text, "", today)
        } else {
            invalid
        }
    })
}

/// When a cramp came, as [`parse_time`] reads it, except that `HH:MM` is
/// the latest such time: yesterday's when it has not come yet today. The
/// diary is mostly written in the morning, and then `--at 23:30` means
/// last night.
fn parse_cramp_time(config: &Config, text: &str, now: Timestamp) -> Result<Timestamp, Rejected> {
    let at = parse_record_time(config, "a cramp", text, now)?;
    let tz = &config.timezone;
    if at > now
        && let Ok(clock) = parse_clock_time(text)
        && let Some(yesterday) = tz
            .to_datetime(now)
            .date()
            .yesterday()
            .ok()
            .and_then(|day| resolve(tz, day.to_datetime(clock)))
    {
        return Ok(yesterday);
    }
    Ok(at)
}

/// A night as messages name it: `Thu 2026-11-26`.
fn night_name(night: Date) -> String {
    night.strftime("%a %Y-%m-%d").to_string()
}

/// One of a few words for the diary's option `option`, or `None` if empty.
fn parse_choice<T: Choice>(option: &str, text: &str) -> Result<Option<T>, Rejected> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    T::parse(text).map(Some).ok_or_else(|| {
        Rejected(format!(
            "invalid {option} {}: expected {}, e.g. `habitd cramp --{option} {}`",
            Quoted(text),
            T::listed(),
            T::ALL[0].as_str()
        ))
    })
}

/// An episode's length: whole minutes (`9`) or a duration (`9m`), from 1
/// to [`diary::MAX_MINUTES`].
fn parse_minutes(text: &str) -> Result<u32, Rejected> {
    let minutes = match text.parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => parse_duration(text).ok().map(|d| d.as_secs() / 60),
    };
    minutes
        .filter(|n| (1..=i64::from(diary::MAX_MINUTES)).contains(n))
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| {
            Rejected(format!(
                "invalid minutes {}: expected whole minutes from 1 to {}, e.g. `habitd cramp --minutes 9`",
                Quoted(text),
                diary::MAX_MINUTES
            ))
        })
}

/// The episode a [`Request::Cramp`]'s details describe.
fn parse_episode(
    leg: &str,
    muscle: &str,
    minutes: &str,
    when: &str,
    swelling: bool,
    note: &str,
) -> Result<Episode, Rejected> {
    if note.len() > diary::MAX_NOTE {
        return Err(Rejected(format!(
            "a note of {} bytes is too long: expected at most {} bytes",
            note.len(),
            diary::MAX_NOTE
        )));
    }
    Ok(Episode {
        leg: parse_choice::<Leg>("leg", leg)?,
        muscle: parse_choice::<Muscle>("muscle", muscle)?,
        minutes: Some(minutes)
            .filter(|m| !m.trim().is_empty())
            .map(parse_minutes)
            .transpose()?,
        when: parse_choice::<Activity>("when", when)?,
        swelling,
        note: Some(note)
            .filter(|n| !n.trim().is_empty())
            .map(str::to_string),
    })
}

/// The refusal of a pause until `shown`, with the accepted range.
fn pause_out_of_range(config: &Config, shown: &str, why: &str, now: Timestamp) -> Rejected {
    let latest = now.checked_add(MAX_PAUSE).unwrap_or(Timestamp::MAX);
    Rejected(format!(
        "cannot pause until {shown}: {why}expected a time from now up to {} (366 days), or a duration up to 366d",
        typed(&config.timezone, latest, now)
    ))
}

/// Whether `text` is a date-time in one of [`parse_time`]'s notations, even
/// if it names no instant habitd can represent (`9999-12-31 23:00`).
fn is_date_time(text: &str) -> bool {
    text.parse::<Timestamp>().is_ok() || text.replacen(' ', "T", 1).parse::<DateTime>().is_ok()
}

/// The habit a request names, which it must: an empty id is refused, not
/// taken for "every habit".
fn named_habit<'c>(config: &'c Config, id: &str, or_all: bool) -> Result<&'c Habit, Rejected> {
    if id.trim().is_empty() {
        let ids: Vec<&str> = config.habits.iter().map(|h| h.id.as_str()).collect();
        let all = if or_all { ", or all" } else { "" };
        return Err(Rejected(format!(
            "missing habit: expected one of {}{all}",
            ids.join(", ")
        )));
    }
    find_habit(config, id)
}

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

/// What the history says that a command depends on; the caller looks it
/// up in the store.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// The completion `undo` would take back.
    pub last_done: Option<Event>,
    /// The name of the other device that completion was recorded on, if it
    /// was (see [`crate::store::DeviceNames`]).
    pub last_done_on: Option<String>,
    /// The diary entry `undo` would take back.
    pub last_entry: Option<DiaryEntry>,
    /// Whether reminders are paused now.
    pub paused: bool,
    /// The diary's entries (not taken back) for the night of
    /// [`Command::night`].
    pub night: Vec<DiaryEntry>,
}

/// The `undone` that takes back diary entry `entry`.
fn undo_entry(entry: &DiaryEntry, now: Timestamp, source: Source) -> NewEvent {
    NewEvent {
        target: Some(entry.id),
        ..NewEvent::new(
            undo_instant(entry.at, now),
            entry.night,
            None,
            Kind::Undone,
            source,
        )
    }
}

/// When an `undone` of an event that happened at `target_at` happens: now,
/// or just after its target if that is later. The target may come from
/// another device whose clock runs ahead (see [`crate::sync`]); an undo is
/// never shown before what it takes back.
fn undo_instant(target_at: Timestamp, now: Timestamp) -> Timestamp {
    let just_after = target_at
        .checked_add(SignedDuration::from_millis(1))
        .unwrap_or(target_at);
    now.max(just_after)
}

/// The events `command` becomes, given what the history says (`context`).
pub fn events(
    config: &Config,
    command: &Command,
    context: &Context,
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
            let date = tz.to_datetime(at).date();
            if let Some(why) = out_of_reach(tz, at, now) {
                return Err(done_out_of_range(
                    &habit.id,
                    &typed(tz, at, now),
                    why,
                    today,
                ));
            }
            let amount = match (amount, &habit.goal) {
                (Some(n), _) => *n,
                (None, Goal::Count { .. }) => 1,
                (None, Goal::Minutes(goal)) => i64::from(*goal),
            };
            Ok(vec![NewEvent {
                at,
                date,
                amount: Some(amount),
                ..event(Some(&habit.id), Kind::Done)
            }])
        }
        Command::Undo { habit } => {
            // Without a habit, the latest of a completion and a diary
            // entry: what was recorded last is taken back first.
            if habit.is_none()
                && let Some(entry) = &context.last_entry
                && context
                    .last_done
                    .as_ref()
                    .is_none_or(|done| done.id < entry.id)
            {
                return Ok(vec![undo_entry(entry, now, source)]);
            }
            // A habit no longer in the config may still be named: its
            // completions stay in the history, and can be taken back.
            let target = match (&context.last_done, habit) {
                (Some(target), _) => target,
                (None, Some(id)) => {
                    find_habit(config, id)?;
                    return Err(Rejected(format!("nothing to undo for {id}")));
                }
                (None, None) => return Err(Rejected("nothing to undo".to_string())),
            };
            Ok(vec![NewEvent {
                at: undo_instant(target.at, now),
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
                        return Err(Rejected(format!("invalid snooze length: expected a duration up to {}h, e.g. \"10m\"; for longer, use `habitd skip` or `habitd pause`", MAX_SNOOZE.as_hours())));
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
            let date = date.unwrap_or(today);
            let (earliest, latest) = (earliest_day(today), latest_rest_day(today));
            if !(earliest..=latest).contains(&date) {
                return Err(Rejected(format!(
                    "cannot make {date} a rest day for {}: expected a date from {earliest} to {latest}",
                    habit.id
                )));
            }
            Ok(vec![NewEvent {
                date,
                ..event(Some(&habit.id), Kind::Skipped)
            }])
        }
        Command::Pause { until } => {
            if let Some(until) = *until {
                let shown = || typed(tz, until, now);
                if until <= now {
                    return Err(pause_out_of_range(
                        config,
                        &shown(),
                        "that is not in the future; ",
                        now,
                    ));
                }
                if now
                    .checked_add(MAX_PAUSE)
                    .is_ok_and(|latest| until > latest)
                {
                    return Err(pause_out_of_range(config, &shown(), "", now));
                }
            }
            Ok(vec![NewEvent {
                until: *until,
                ..event(None, Kind::Paused)
            }])
        }
        Command::Resume => {
            if !context.paused {
                return Err(Rejected(
                    "not paused: reminders are not held, so there is nothing to resume".to_string(),
                ));
            }
            Ok(vec![event(None, Kind::Resumed)])
        }
        Command::UndoDiary => match &context.last_entry {
            Some(entry) => Ok(vec![undo_entry(entry, now, source)]),
            None => Err(Rejected("nothing to undo in the cramp diary".to_string())),
        },
        Command::Cramp { at, episode } => {
            let at = at.unwrap_or(now);
            if let Some(why) = out_of_reach(tz, at, now) {
                return Err(done_out_of_range(
                    "a cramp",
                    &typed(tz, at, now),
                    why,
                    today,
                ));
            }
            let night = diary::night_of(at, tz);
            let cramp = NewEvent {
                at,
                date: night,
                data: Some(episode.to_json()),
                ..event(None, Kind::Cramp)
            };
            // A quiet night that now had a cramp is taken back with it.
            let quiet = context
                .night
                .iter()
                .filter(|e| e.night == night && e.record == Record::NoCramps)
                .map(|e| undo_entry(e, now, source));
            Ok(std::iter::once(cramp).chain(quiet).collect())
        }
        Command::NoCramps { night } => {
            let last = diary::last_night(now, tz);
            let night = night.unwrap_or(last);
            let earliest = earliest_day(today);
            if !(earliest..=last).contains(&night) {
                return Err(Rejected(format!(
                    "cannot record the night of {night} as without cramps: expected a night from {earliest} up to last night, {last}"
                )));
            }
            match Night::of(&context.night, night) {
                Night::Quiet(entry) => Err(Rejected(format!(
                    "the night of {} is already recorded as without cramps (at {}); nothing recorded",
                    night_name(night),
                    typed(tz, entry.at, now)
                ))),
                Night::Cramps(cramps) => Err(Rejected(format!(
                    "the night of {} has {} recorded; to record it as without cramps, take {} back first with `habitd undo cramp`",
                    night_name(night),
                    counted(cramps.len() as u64, "cramp", "cramps"),
                    if cramps.len() == 1 { "it" } else { "them" }
                ))),
                Night::Missing => Ok(vec![NewEvent {
                    date: night,
                    ..event(None, Kind::NoCramps)
                }]),
            }
        }
    }
}

/// The instant a pause given as `text` ends: a duration from now, or a time
/// (`HH:MM` is the next such time, tomorrow once it has passed today).
fn pause_end(config: &Config, text: &str, now: Timestamp) -> Result<Timestamp, Rejected> {
    if let Ok(length) = parse_duration(text) {
        if !length.is_positive() {
            return Err(Rejected(format!(
                "invalid pause {}: expected a duration from 1s up to 366d, e.g. \"30m\"",
                Quoted(text)
            )));
        }
        return now.checked_add(length).map_err(|e| Rejected(e.to_string()));
    }
    if let Ok(at) = parse_time(config, text, now) {
        let tz = &config.timezone;
        return match parse_clock_time(text) {
            Ok(clock) if at <= now => {
                let tomorrow = tz.to_datetime(now).date().tomorrow();
                tomorrow
                    .ok()
                    .and_then(|day| resolve(tz, day.to_datetime(clock)))
                    .ok_or_else(|| pause_out_of_range(config, text, "", now))
            }
            _ => Ok(at),
        };
    }
    if is_date_time(text) {
        return Err(pause_out_of_range(config, text, "", now));
    }
    Err(Rejected(format!(
        "invalid pause {}: expected a duration up to 366d like \"30m\", or a time like \"18:00\" or \"2026-11-27 08:00\"",
        Quoted(text)
    )))
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
            let found = named_habit(config, habit, false)?;
            let at = optional(at)
                .map(|t| parse_record_time(config, &found.id, t, now))
                .transpose()?;
            Command::Done {
                habit: found.id.clone(),
                amount: optional(amount)
                    .map(|a| parse_amount(found, a))
                    .transpose()?,
                at,
            }
        }
        Request::Undo { habit } if habit == DIARY => Command::UndoDiary,
        // Checked against the history, not here: a habit no longer in the
        // config may still have completions to take back.
        Request::Undo { habit } => Command::Undo {
            habit: optional(habit).map(str::to_string),
        },
        Request::Snooze { habit, duration } => Command::Snooze {
            habit: match habit.as_str() {
                "all" => None,
                id => Some(named_habit(config, id, true)?.id.clone()),
            },
            duration: optional(duration)
                .map(|d| {
                    parse_duration(d).map_err(|e| {
                        Rejected(format!("{e}; for example `habitd snooze water 20m`"))
                    })
                })
                .transpose()?,
        },
        Request::Skip { habit, date } => Command::Skip {
            habit: named_habit(config, habit, false)?.id.clone(),
            date: optional(date)
                .map(|d| parse_date(config, d, now))
                .transpose()?,
        },
        Request::Pause { until } => Command::Pause {
            until: optional(until)
                .map(|text| pause_end(config, text, now))
                .transpose()?,
        },
        Request::Resume => Command::Resume,
        Request::Cramp {
            at,
            leg,
            muscle,
            minutes,
            when,
            swelling,
            note,
        } => Command::Cramp {
            at: optional(at)
                .map(|t| parse_cramp_time(config, t, now))
                .transpose()?,
            episode: parse_episode(leg, muscle, minutes, when, *swelling, note)?,
        },
        Request::NoCramps { date } => Command::NoCramps {
            night: optional(date)
                .map(|d| parse_date(config, d, now))
                .transpose()?,
        },
        Request::Status | Request::Reload => return Ok(None),
    };
    Ok(Some(command))
}

/// One line per event telling the user what was recorded, with the state
/// after it. `state` must hold the totals of the events' own dates, however
/// old; `context` is what the events were made from (it names the diary
/// entries an `undone` takes back).
pub fn confirmation(
    config: &Config,
    state: &State,
    context: &Context,
    events: &[NewEvent],
    now: Timestamp,
) -> String {
    let tz = &config.timezone;
    let taken_back = |target: Option<i64>| {
        context
            .last_entry
            .iter()
            .chain(&context.night)
            .find(|entry| Some(entry.id) == target)
    };
    let lines: Vec<String> = events
        .iter()
        .map(|e| {
            let id = e.habit.as_deref().unwrap_or("");
            let habit = config.habit(id);
            let progress = |h: &Habit| format!("{} on {}", Progress::of(h, state, e.date), e.date);
            let until = || e.until.map(|at| when(tz, at, now)).unwrap_or_default();
            let logged_on = match &context.last_done_on {
                Some(device) if e.target == context.last_done.as_ref().map(|d| d.id) => {
                    format!(" logged on {}", crate::quote::escape(device))
                }
                _ => String::new(),
            };
            if e.kind == Kind::Undone
                && let Some(entry) = taken_back(e.target)
            {
                let night = night_name(entry.night);
                return match (&entry.record, events.len()) {
                    (Record::NoCramps, 1) => {
                        format!("took back \"no cramps\" for the night of {night}")
                    }
                    // Taken back along with a cramp recorded for it.
                    (Record::NoCramps, _) => format!(
                        "the night of {night} was recorded without cramps; the cramp replaces that"
                    ),
                    (Record::Cramp(_), _) => format!(
                        "took back the cramp at {} for the night of {night}",
                        typed(tz, entry.at, now)
                    ),
                };
            }
            match (e.kind, habit) {
                (Kind::Cramp, _) => {
                    let episode = Episode::from_json(e.data.as_deref()).unwrap_or_default();
                    let mut line = format!(
                        "cramp at {} recorded for the night of {}",
                        typed(tz, e.at, now),
                        night_name(e.date)
                    );
                    let summary = episode.summary();
                    if !summary.is_empty() {
                        line.push_str(": ");
                        line.push_str(&summary);
                    }
                    if let Some(note) = &episode.note {
                        line.push_str(&format!(", note {}", Quoted(note)));
                    }
                    line
                }
                (Kind::NoCramps, _) => format!(
                    "the night of {} recorded without cramps",
                    night_name(e.date)
                ),
                (Kind::Done, Some(h)) => {
                    let met = if state.met(h, e.date) {
                        " — goal met"
                    } else {
                        ""
                    };
                    format!("{}: {}{met}", h.id, progress(h))
                }
                (Kind::Undone, Some(h)) => format!(
                    "{}: took back {}{logged_on}; now {}",
                    h.id,
                    e.amount.unwrap_or(0),
                    progress(h)
                ),
                (Kind::Undone, None) => format!(
                    "{id}: took back {}{logged_on} on {} ({id} is not in the config)",
                    e.amount.unwrap_or(0),
                    e.date
                ),
                (Kind::Snoozed, _) => format!("{id}: snoozed until {}", until()),
                (Kind::Skipped, _) => format!("{id}: {} is a rest day", e.date),
                (Kind::Paused, _) => match e.until {
                    Some(_) => format!("paused until {}", until()),
                    None => "paused until `habitd resume`".to_string(),
                },
                (Kind::Resumed, _) => "resumed".to_string(),
                (kind, _) => format!("{id}: recorded {}", kind.as_str()),
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
        let e = events(&c, &cmd, &Context::default(), Source::Cli, now()).unwrap();
        assert_eq!(e[0].amount, Some(20));
        // 23:30 UTC is 00:30 the next day in Berlin.
        assert_eq!(e[0].date.to_string(), "2026-11-26");
        let future = Command::Done {
            habit: "walk".into(),
            amount: None,
            at: Some("2026-11-27T00:00:00Z".parse().unwrap()),
        };
        assert!(events(&c, &future, &Context::default(), Source::Cli, now()).is_err());
    }

    #[test]
    fn unknown_habits_get_a_suggestion() {
        let c = config();
        let cmd = Command::Skip {
            habit: "watr".into(),
            date: None,
        };
        assert_eq!(
            events(&c, &cmd, &Context::default(), Source::Cli, now())
                .unwrap_err()
                .0,
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
        let e = events(&c, &cmd, &Context::default(), Source::Cli, now()).unwrap();
        assert_eq!(e.len(), 4);
        assert!(
            e.iter()
                .all(|e| e.until == Some("2026-11-26T14:20:00Z".parse().unwrap()))
        );
        let too_long = Command::Snooze {
            habit: None,
            duration: Some(SignedDuration::from_hours(25)),
        };
        assert!(events(&c, &too_long, &Context::default(), Source::Cli, now()).is_err());
    }

    #[test]
    fn undo_needs_something_to_undo() {
        let c = config();
        let cmd = Command::Undo { habit: None };
        assert_eq!(
            events(&c, &cmd, &Context::default(), Source::Cli, now())
                .unwrap_err()
                .0,
            "nothing to undo"
        );
    }

    fn request(c: &Config, request: Request, now: Timestamp) -> Result<Command, Rejected> {
        from_request(c, &request, now).map(|command| command.expect("a command"))
    }

    /// The confirmation of `command` with nothing recorded before it.
    fn confirm(c: &Config, command: &Command, context: &Context, now: Timestamp) -> String {
        let events = events(c, command, context, Source::Cli, now).unwrap();
        confirmation(c, &State::default(), context, &events, now)
    }

    fn pause(c: &Config, until: &str, now: Timestamp) -> Result<String, Rejected> {
        let command = request(
            c,
            Request::Pause {
                until: until.into(),
            },
            now,
        )?;
        events(c, &command, &Context::default(), Source::Cli, now)
            .map(|events| confirmation(c, &State::default(), &Context::default(), &events, now))
    }

    #[test]
    fn done_at_is_refused_outside_a_year_back_up_to_now_with_the_range_in_local_time() {
        let c = config();
        let done = |at: &str| {
            request(
                &c,
                Request::Done {
                    habit: "walk".into(),
                    amount: String::new(),
                    at: at.into(),
                },
                now(),
            )
            .and_then(|command| events(&c, &command, &Context::default(), Source::Cli, now()))
        };
        // now() is 15:00 in Berlin.
        assert_eq!(
            done("16:00").unwrap_err().0,
            "cannot record walk at 16:00: that is in the future; expected a time from 2025-11-26 up to now"
        );
        assert_eq!(
            done("1900-01-01 10:00").unwrap_err().0,
            "cannot record walk at 1900-01-01 10:00: that is more than a year ago; expected a time from 2025-11-26 up to now"
        );
        assert!(
            done("0001-01-01T10:00:00Z")
                .unwrap_err()
                .0
                .contains("more than a year ago")
        );
        // Beyond what can be represented in the zone: the range, not a
        // hint at the notation the user already used.
        assert_eq!(
            done("9999-12-31 23:00").unwrap_err().0,
            "cannot record walk at 9999-12-31 23:00: expected a time from 2025-11-26 up to now"
        );
        assert!(done("2025-11-26 00:00").is_ok());
        assert!(done("2025-11-25 23:59").is_err());
    }

    #[test]
    fn skip_dates_reach_a_year_either_way() {
        let c = config();
        let skip = |date: &str| {
            request(
                &c,
                Request::Skip {
                    habit: "walk".into(),
                    date: date.into(),
                },
                now(),
            )
            .and_then(|command| events(&c, &command, &Context::default(), Source::Cli, now()))
        };
        assert!(skip("2025-11-26").is_ok());
        assert!(skip("2027-11-26").is_ok());
        for date in [
            "0001-01-01",
            "1900-01-01",
            "2025-11-25",
            "2027-11-27",
            "9999-12-31",
        ] {
            assert_eq!(
                skip(date).unwrap_err().0,
                format!(
                    "cannot make {date} a rest day for walk: expected a date from 2025-11-26 to 2027-11-26"
                )
            );
        }
    }

    #[test]
    fn pause_until_a_passed_clock_time_rolls_over_to_tomorrow() {
        let c = config();
        // 15:00 in Berlin: 08:00 has passed, 18:00 has not.
        assert_eq!(
            pause(&c, "08:00", now()).unwrap(),
            "paused until tomorrow 08:00"
        );
        assert_eq!(pause(&c, "18:00", now()).unwrap(), "paused until 18:00");
        assert_eq!(
            pause(&c, "15:00", now()).unwrap(),
            "paused until tomorrow 15:00"
        );
    }

    #[test]
    fn pause_refusals_give_the_range_in_local_time() {
        let c = config();
        let latest = "up to 2027-11-27 15:00 (366 days), or a duration up to 366d";
        assert_eq!(
            pause(&c, "2026-11-26 08:00", now()).unwrap_err().0,
            format!(
                "cannot pause until 08:00: that is not in the future; expected a time from now {latest}"
            )
        );
        assert_eq!(
            pause(&c, "2026-11-25T07:00:00Z", now()).unwrap_err().0,
            format!(
                "cannot pause until 2026-11-25 08:00: that is not in the future; expected a time from now {latest}"
            )
        );
        assert_eq!(
            pause(&c, "2030-01-01 00:00", now()).unwrap_err().0,
            format!("cannot pause until 2030-01-01 00:00: expected a time from now {latest}")
        );
        assert_eq!(
            pause(&c, "9999-12-31 00:00", now()).unwrap_err().0,
            format!("cannot pause until 9999-12-31 00:00: expected a time from now {latest}")
        );
        assert!(
            pause(&c, "0s", now())
                .unwrap_err()
                .0
                .contains("from 1s up to 366d")
        );
        assert!(
            pause(&c, "367d", now())
                .unwrap_err()
                .0
                .contains("up to 366d")
        );
        assert!(
            pause(&c, "soon", now())
                .unwrap_err()
                .0
                .contains("\"18:00\"")
        );
    }

    #[test]
    fn confirmations_show_the_day_whenever_it_is_not_today() {
        let c = config();
        let snooze = |duration: &str| {
            let command = request(
                &c,
                Request::Snooze {
                    habit: "water".into(),
                    duration: duration.into(),
                },
                now(),
            )
            .unwrap();
            confirm(&c, &command, &Context::default(), now())
        };
        assert_eq!(snooze("20m"), "water: snoozed until 15:20");
        assert_eq!(snooze("24h"), "water: snoozed until tomorrow 15:00");
        // A Thursday, 366 days on.
        assert_eq!(
            pause(&c, "366d", now()).unwrap(),
            "paused until Sat 2027-11-27 15:00"
        );
        assert_eq!(
            pause(&c, "", now()).unwrap(),
            "paused until `habitd resume`"
        );
    }

    #[test]
    fn an_empty_habit_is_refused_everywhere_and_all_is_asked_for_by_name() {
        let c = config();
        let requests = [
            Request::Done {
                habit: String::new(),
                amount: String::new(),
                at: String::new(),
            },
            Request::Snooze {
                habit: String::new(),
                duration: String::new(),
            },
            Request::Snooze {
                habit: " ".into(),
                duration: "10m".into(),
            },
            Request::Skip {
                habit: String::new(),
                date: String::new(),
            },
        ];
        for r in requests {
            let refused = request(&c, r.clone(), now()).unwrap_err().0;
            assert!(
                refused.starts_with(
                    "missing habit: expected one of bedtime-stretch, stretch, walk, water"
                ),
                "{r:?}: {refused}"
            );
        }
        let all = Request::Snooze {
            habit: "all".into(),
            duration: String::new(),
        };
        assert_eq!(
            request(&c, all, now()),
            Ok(Command::Snooze {
                habit: None,
                duration: None
            })
        );
    }

    #[test]
    fn resume_is_refused_when_nothing_is_paused() {
        let c = config();
        let resume = |paused| {
            let context = Context {
                paused,
                ..Context::default()
            };
            events(&c, &Command::Resume, &context, Source::Cli, now())
        };
        assert_eq!(
            resume(false).unwrap_err().0,
            "not paused: reminders are not held, so there is nothing to resume"
        );
        assert_eq!(resume(true).unwrap()[0].kind, Kind::Resumed);
    }

    fn done_event(id: i64, habit: &str, date: &str, amount: i64) -> Event {
        Event {
            id,
            event: NewEvent {
                amount: Some(amount),
                ..NewEvent::new(
                    now(),
                    date.parse().unwrap(),
                    Some(habit),
                    Kind::Done,
                    Source::Cli,
                )
            },
            origin: None,
        }
    }

    #[test]
    fn an_undo_is_never_before_its_target_whatever_the_clocks() {
        let c = config();
        let undo = Command::Undo { habit: None };
        // Recorded on a device whose clock is five minutes ahead of ours.
        let mut ahead = done_event(7, "water", "2026-11-26", 1);
        ahead.event.at = now() + SignedDuration::from_mins(5);
        ahead.origin = Some("00000000000000aa".to_string());
        let context = Context {
            last_done: Some(ahead.clone()),
            ..Context::default()
        };
        let undone = events(&c, &undo, &context, Source::Cli, now()).unwrap();
        assert_eq!(undone[0].target, Some(7));
        assert!(
            undone[0].at > ahead.at,
            "{} after {}",
            undone[0].at,
            ahead.at
        );
        // With clocks that agree, it happens now.
        let behind = Context {
            last_done: Some(done_event(7, "water", "2026-11-26", 1)),
            ..Context::default()
        };
        let later = now() + SignedDuration::from_secs(30);
        assert_eq!(
            events(&c, &undo, &behind, Source::Cli, later).unwrap()[0].at,
            later
        );
    }

    #[test]
    fn undo_says_which_device_a_completion_it_took_back_was_logged_on() {
        let c = config();
        let from_desktop = Context {
            last_done: Some(done_event(7, "water", "2026-11-26", 2)),
            last_done_on: Some("desktop".into()),
            ..Context::default()
        };
        let undo = Command::Undo {
            habit: Some("water".into()),
        };
        assert_eq!(
            confirm(&c, &undo, &from_desktop, now()),
            "water: took back 2 logged on desktop; now 0/8 glasses on 2026-11-26"
        );
    }

    #[test]
    fn undo_says_what_it_took_back_even_of_a_removed_habit() {
        let c = config();
        let removed = Context {
            last_done: Some(done_event(7, "sip", "2026-11-20", 2)),
            ..Context::default()
        };
        let any = Command::Undo { habit: None };
        assert_eq!(
            confirm(&c, &any, &removed, now()),
            "sip: took back 2 on 2026-11-20 (sip is not in the config)"
        );
        let named = Command::Undo {
            habit: Some("sip".into()),
        };
        assert_eq!(
            confirm(&c, &named, &removed, now()),
            "sip: took back 2 on 2026-11-20 (sip is not in the config)"
        );
        // A name that is neither configured nor in the history is a typo.
        let typo = Command::Undo {
            habit: Some("watr".into()),
        };
        assert_eq!(
            events(&c, &typo, &Context::default(), Source::Cli, now())
                .unwrap_err()
                .0,
            "no habit \"watr\"; did you mean \"water\"?"
        );
        let configured = Context {
            last_done: Some(done_event(8, "water", "2026-11-26", 2)),
            ..Context::default()
        };
        assert_eq!(
            confirm(&c, &any, &configured, now()),
            "water: took back 2; now 0/8 glasses on 2026-11-26"
        );
    }

    /// A cramp request with every detail empty but those given.
    fn cramp_request(details: &[(&str, &str)]) -> Request {
        let get = |key: &str| {
            details
                .iter()
                .find(|(k, _)| *k == key)
                .map_or(String::new(), |(_, v)| v.to_string())
        };
        Request::Cramp {
            at: get("at"),
            leg: get("leg"),
            muscle: get("muscle"),
            minutes: get("minutes"),
            when: get("when"),
            swelling: !get("swelling").is_empty(),
            note: get("note"),
        }
    }

    fn entry(id: i64, night: &str, record: Record) -> DiaryEntry {
        DiaryEntry {
            id,
            at: "2026-11-26T07:31:00Z".parse().unwrap(),
            night: night.parse().unwrap(),
            record,
        }
    }

    #[test]
    fn a_cramp_belongs_to_the_night_of_its_evening_with_its_details_as_json() {
        let c = config();
        // now() is 15:00 on Thu 2026-11-26 in Berlin.
        let command = request(
            &c,
            cramp_request(&[
                ("at", "03:10"),
                ("leg", "left"),
                ("muscle", "calf"),
                ("minutes", "5"),
                ("when", "sleep"),
                ("swelling", "yes"),
                ("note", "woke me\nup"),
            ]),
            now(),
        )
        .unwrap();
        let e = events(&c, &command, &Context::default(), Source::Cli, now()).unwrap();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].kind, Kind::Cramp);
        assert_eq!(e[0].habit, None);
        assert_eq!(e[0].at.to_string(), "2026-11-26T02:10:00Z");
        assert_eq!(e[0].date.to_string(), "2026-11-25");
        assert_eq!(
            e[0].data.as_deref(),
            Some(
                r#"{"leg":"left","muscle":"calf","minutes":5,"when":"sleep","swelling":true,"note":"woke me\nup"}"#
            )
        );
        assert_eq!(
            confirm(&c, &command, &Context::default(), now()),
            "cramp at 03:10 recorded for the night of Wed 2026-11-25: left calf, 5 min, during sleep, swelling, note \"woke me\\nup\""
        );
        // Nothing given: now, tonight, nothing known (no default length).
        let bare = request(&c, cramp_request(&[]), now()).unwrap();
        let e = events(&c, &bare, &Context::default(), Source::Dbus, now()).unwrap();
        assert_eq!(
            (e[0].at, e[0].date.to_string()),
            (now(), "2026-11-26".into())
        );
        assert_eq!(e[0].data.as_deref(), Some("{}"));
        assert_eq!(e[0].source, Source::Dbus);
        assert_eq!(
            confirm(&c, &bare, &Context::default(), now()),
            "cramp at 15:00 recorded for the night of Thu 2026-11-26"
        );
        assert_eq!(bare.night(&c, now()), Some("2026-11-26".parse().unwrap()));
    }

    #[test]
    fn cramp_details_are_refused_with_what_was_expected() {
        let c = config();
        let refused = |details: &[(&str, &str)]| {
            request(&c, cramp_request(details), now())
                .and_then(|command| events(&c, &command, &Context::default(), Source::Cli, now()))
                .unwrap_err()
                .0
        };
        assert_eq!(
            refused(&[("leg", "up")]),
            "invalid leg \"up\": expected left, right or both, e.g. `habitd cramp --leg left`"
        );
        assert_eq!(
            refused(&[("muscle", "Calf")]),
            "invalid muscle \"Calf\": expected calf, hamstring, quadriceps or foot, e.g. `habitd cramp --muscle calf`"
        );
        assert!(refused(&[("when", "night")]).contains("sleep, walking, exercise or rest"));
        for minutes in ["0", "100000", "-3", "121", "2.5", "soon", "0m"] {
            assert_eq!(
                refused(&[("minutes", minutes)]),
                format!(
                    "invalid minutes {minutes:?}: expected whole minutes from 1 to 120, e.g. `habitd cramp --minutes 9`"
                )
            );
        }
        assert_eq!(
            refused(&[("note", &"x".repeat(100_000))]),
            "a note of 100000 bytes is too long: expected at most 1000 bytes"
        );
        assert_eq!(
            refused(&[("at", "2026-11-26 16:00")]),
            "cannot record a cramp at 16:00: that is in the future; expected a time from 2025-11-26 up to now"
        );
        assert_eq!(
            refused(&[("at", "9999-12-31 23:00")]),
            "cannot record a cramp at 9999-12-31 23:00: expected a time from 2025-11-26 up to now"
        );
        assert!(refused(&[("at", "1900-01-01 10:00")]).contains("more than a year ago"));
        // The edges that are accepted.
        for details in [
            [("minutes", "1")],
            [("minutes", "120")],
            [("minutes", "2h")],
            [("note", &"é".repeat(500))],
            [("at", "2025-11-26 00:00")],
        ] {
            let command = request(&c, cramp_request(&details), now()).unwrap();
            assert!(events(&c, &command, &Context::default(), Source::Cli, now()).is_ok());
        }
    }

    #[test]
    fn a_cramp_takes_back_the_quiet_night_it_contradicts() {
        let c = config();
        let command = request(&c, cramp_request(&[("at", "02:00")]), now()).unwrap();
        let context = Context {
            night: vec![entry(41, "2026-11-25", Record::NoCramps)],
            ..Context::default()
        };
        let e = events(&c, &command, &context, Source::Cli, now()).unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!((e[1].kind, e[1].target), (Kind::Undone, Some(41)));
        assert_eq!(e[1].date.to_string(), "2026-11-25");
        assert_eq!(
            confirm(&c, &command, &context, now()),
            "cramp at 02:00 recorded for the night of Wed 2026-11-25\n\
             the night of Wed 2026-11-25 was recorded without cramps; the cramp replaces that"
        );
        // Another cramp of the same night takes nothing back.
        let context = Context {
            night: vec![entry(42, "2026-11-25", Record::Cramp(Episode::default()))],
            ..Context::default()
        };
        assert_eq!(
            events(&c, &command, &context, Source::Cli, now())
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn a_night_is_recorded_without_cramps_once_and_only_once_it_has_passed() {
        let c = config();
        let none = |date: &str, context: &Context| {
            request(&c, Request::NoCramps { date: date.into() }, now())
                .and_then(|command| events(&c, &command, context, Source::Cli, now()))
        };
        let e = none("", &Context::default()).unwrap();
        assert_eq!(e[0].kind, Kind::NoCramps);
        assert_eq!(
            (e[0].date.to_string(), e[0].at),
            ("2026-11-25".into(), now())
        );
        assert_eq!(
            confirmation(&c, &State::default(), &Context::default(), &e, now()),
            "the night of Wed 2026-11-25 recorded without cramps"
        );
        assert!(none("2025-11-26", &Context::default()).is_ok());
        for date in [
            "today",
            "tomorrow",
            "2026-11-26",
            "2025-11-25",
            "1900-01-01",
        ] {
            assert_eq!(
                none(date, &Context::default()).unwrap_err().0,
                format!(
                    "cannot record the night of {} as without cramps: expected a night from 2025-11-26 up to last night, 2026-11-25",
                    parse_date(&c, date, now()).unwrap()
                )
            );
        }
        let quiet = Context {
            night: vec![entry(7, "2026-11-25", Record::NoCramps)],
            ..Context::default()
        };
        assert_eq!(
            none("yesterday", &quiet).unwrap_err().0,
            "the night of Wed 2026-11-25 is already recorded as without cramps (at 08:31); nothing recorded"
        );
        let cramps = Context {
            night: vec![
                entry(8, "2026-11-25", Record::Cramp(Episode::default())),
                entry(9, "2026-11-25", Record::Cramp(Episode::default())),
            ],
            ..Context::default()
        };
        assert_eq!(
            none("", &cramps).unwrap_err().0,
            "the night of Wed 2026-11-25 has 2 cramps recorded; to record it as without cramps, take them back first with `habitd undo cramp`"
        );
        assert!(
            request(
                &c,
                Request::NoCramps {
                    date: "soon".into()
                },
                now()
            )
            .unwrap_err()
            .0
            .starts_with("invalid date \"soon\"")
        );
    }

    #[test]
    fn undo_takes_back_whatever_was_recorded_last_and_undo_cramp_the_diary() {
        let c = config();
        let cramp = entry(9, "2026-11-25", Record::Cramp(Episode::default()));
        let both = |done_id| Context {
            last_done: Some(done_event(done_id, "water", "2026-11-26", 1)),
            last_entry: Some(cramp.clone()),
            ..Context::default()
        };
        let any = request(
            &c,
            Request::Undo {
                habit: String::new(),
            },
            now(),
        )
        .unwrap();
        let e = events(&c, &any, &both(8), Source::Cli, now()).unwrap();
        assert_eq!((e[0].target, e[0].habit.clone()), (Some(9), None));
        assert_eq!(e[0].date.to_string(), "2026-11-25");
        assert_eq!(
            confirm(&c, &any, &both(8), now()),
            "took back the cramp at 08:31 for the night of Wed 2026-11-25"
        );
        let e = events(&c, &any, &both(10), Source::Cli, now()).unwrap();
        assert_eq!(e[0].target, Some(10));
        // A habit named: its completions only.
        let water = request(
            &c,
            Request::Undo {
                habit: "water".into(),
            },
            now(),
        )
        .unwrap();
        assert_eq!(
            events(&c, &water, &both(8), Source::Cli, now()).unwrap()[0].target,
            Some(8)
        );
        // `cramp`: the diary only.
        let diary = request(
            &c,
            Request::Undo {
                habit: DIARY.into(),
            },
            now(),
        )
        .unwrap();
        assert_eq!(diary, Command::UndoDiary);
        assert_eq!(
            events(&c, &diary, &both(10), Source::Cli, now()).unwrap()[0].target,
            Some(9)
        );
        let quiet = Context {
            last_entry: Some(entry(3, "2026-11-24", Record::NoCramps)),
            ..Context::default()
        };
        assert_eq!(
            confirm(&c, &diary, &quiet, now()),
            "took back \"no cramps\" for the night of Tue 2026-11-24"
        );
        assert_eq!(
            events(&c, &diary, &Context::default(), Source::Cli, now())
                .unwrap_err()
                .0,
            "nothing to undo in the cramp diary"
        );
    }

    #[test]
    fn a_cramp_at_a_time_not_come_yet_today_came_yesterday() {
        let c = config();
        // now() is 15:00 in Berlin: 16:00 has not come yet, 14:00 has.
        let at = |text: &str| {
            let command = request(&c, cramp_request(&[("at", text)]), now()).unwrap();
            let e = events(&c, &command, &Context::default(), Source::Cli, now()).unwrap();
            (e[0].at.to_string(), e[0].date.to_string())
        };
        assert_eq!(
            at("16:00"),
            ("2026-11-25T15:00:00Z".into(), "2026-11-25".into())
        );
        assert_eq!(
            at("14:00"),
            ("2026-11-26T13:00:00Z".into(), "2026-11-26".into())
        );
        assert_eq!(
            at("03:00"),
            ("2026-11-26T02:00:00Z".into(), "2026-11-25".into())
        );
        // A date-time says which day.
        assert!(
            request(&c, cramp_request(&[("at", "2026-11-26 16:00")]), now())
                .and_then(|command| events(&c, &command, &Context::default(), Source::Cli, now()))
                .is_err()
        );
    }
}
