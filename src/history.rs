//! The thin layer between the store and the pure core: load the planning
//! state for now, a habit's history for the streak rules, and carry out a
//! command by recording its events. Used by
//! the daemon and, when no daemon runs, by the command line, so both record
//! exactly the same history.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use jiff::civil::Date;

use crate::command::{self, Command, Context, Rejected};
use crate::config::Config;
use crate::event::{NewEvent, Source};
use crate::plan::State;
use crate::review::{self, Week};
use crate::store::{Store, StoreError};
use crate::streak::History;

/// How many days back the planning state looks: far enough for a snooze or
/// a window that runs past midnight; skips recorded ahead are found by date.
const RECENT_DAYS: i64 = 2;

/// The first day the planning state at `now` looks at.
fn recent_since(config: &Config, now: Timestamp) -> Date {
    let today = config.timezone.to_datetime(now).date();
    today
        .checked_sub(jiff::Span::new().days(RECENT_DAYS))
        .unwrap_or(today)
}

/// The planning state at `now`, from the store.
pub fn load_state(store: &Store, config: &Config, now: Timestamp) -> Result<State, StoreError> {
    let since = recent_since(config, now);
    // Aggregates and the few events that are not completions or reminders:
    // a busy day's thousands of events are summed by SQLite, not loaded.
    let events = store.skips_and_snoozes_from(since)?;
    let pause = store.last_pause_change()?;
    let mut state = State::fold(&events, pause.as_ref());
    for (habit, date, total) in store.totals_since(since)? {
        state.totals.insert((habit, date), total);
    }
    for (habit, at) in store.last_reminded()? {
        state.reminded.note(&habit, at);
    }
    // Last night's entry, and the 8 weeks the advice in status looks at.
    let today = config.timezone.to_datetime(now).date();
    state.diary = store.diary_from(crate::report::advice_first_night(today))?;
    Ok(state)
}

/// `habit`'s whole history as the streak rules need it.
pub fn streak_history(store: &Store, habit: &str) -> Result<History, StoreError> {
    let totals: BTreeMap<_, _> = store
        .daily_totals(habit)?
        .into_iter()
        .map(|(date, total)| (date, u32::try_from(total.max(0)).unwrap_or(u32::MAX)))
        .collect();
    let skipped: BTreeSet<_> = store.skipped_dates(habit)?.into_iter().collect();
    Ok(History {
        totals,
        skipped,
        first_day: store.first_date(habit)?,
    })
}

/// Why a command was not carried out.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The command is wrong for this config or history.
    #[error(transparent)]
    Rejected(#[from] Rejected),
    /// The store failed; nothing was recorded.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a command recorded.
#[derive(Debug)]
pub struct Applied {
    /// The confirmation line for the user.
    pub message: String,
    /// The planning state after it.
    pub state: State,
}

/// Records `command`'s events; returns the confirmation line and the state
/// after it.
pub fn apply(
    store: &mut Store,
    config: &Config,
    command: &Command,
    source: Source,
    now: Timestamp,
) -> Result<Applied, ApplyError> {
    // The check and the record are one transaction: two commands at once
    // (no daemon, two terminals) cannot both find the night unrecorded, or
    // both take back the same completion.
    let (context, events) = store.atomically(|store| {
        let context = context(store, config, command, now)?;
        let events = command::events(config, command, &context, source, now)?;
        store.append_all(&events)?;
        Ok::<_, ApplyError>((context, events))
    })?;
    let state = load_state(store, config, now)?;
    let shown = with_totals_of(store, &state, &events, recent_since(config, now))?;
    let message = command::confirmation(config, &shown, &context, &events, now);
    Ok(Applied { message, state })
}

/// What the history says that `command` depends on.
fn context(
    store: &Store,
    config: &Config,
    command: &Command,
    now: Timestamp,
) -> Result<Context, StoreError> {
    Ok(match command {
        Command::Undo { habit } => {
            let last_done = store.last_undoable(habit.as_deref())?;
            let last_done_on = match last_done.as_ref().and_then(|d| d.origin.as_deref()) {
                Some(origin) => store.device_names()?.of(Some(origin)).map(str::to_string),
                None => None,
            };
            Context {
                last_done,
                last_done_on,
                last_entry: match habit {
                    None => store.last_diary_entry()?,
                    Some(_) => None,
                },
                ..Context::default()
            }
        }
        Command::UndoDiary => Context {
            last_entry: store.last_diary_entry()?,
            ..Context::default()
        },
        Command::Resume => Context {
            paused: State::fold(&[], store.last_pause_change()?.as_ref()).paused_at(now),
            ..Context::default()
        },
        _ => match command.night(config, now) {
            Some(night) => Context {
                night: store.diary_of(night)?,
                ..Context::default()
            },
            None => Context::default(),
        },
    })
}

/// `state` (which looks back to `since`) with the day totals of `events`'
/// older dates added (a `done --at` or an undo weeks ago), for the
/// confirmation; the state kept for planning stays recent.
fn with_totals_of<'s>(
    store: &Store,
    state: &'s State,
    events: &[NewEvent],
    since: Date,
) -> Result<Cow<'s, State>, StoreError> {
    let oldest = events.iter().map(|e| e.date).min();
    let Some(oldest) = oldest.filter(|&oldest| oldest < since) else {
        return Ok(Cow::Borrowed(state));
    };
    let mut state = state.clone();
    for (habit, date, total) in store.totals_since(oldest)? {
        state.totals.entry((habit, date)).or_insert(total);
    }
    Ok(Cow::Owned(state))
}

/// The weekly look back at `now`, from the store.
pub fn week(store: &Store, config: &Config, now: Timestamp) -> Result<Week, StoreError> {
    let today = config.timezone.to_datetime(now).date();
    let habits = config
        .habits
        .iter()
        .map(|habit| Ok((habit, streak_history(store, &habit.id)?)))
        .collect::<Result<Vec<_>, StoreError>>()?;
    let since = today
        .checked_sub(jiff::Span::new().days(review::DAYS))
        .unwrap_or(today);
    let entries = store.diary_from(since)?;
    Ok(review::build(&habits, &entries, today))
}
