//! The thin layer between the store and the pure core: load the planning
//! state for now, and carry out a command by recording its events. Used by
//! the daemon and, when no daemon runs, by the command line, so both record
//! exactly the same history.

use jiff::Timestamp;

use crate::command::{self, Command, Rejected};
use crate::config::Config;
use crate::event::Source;
use crate::plan::State;
use crate::store::{Store, StoreError};

/// How many days back the planning state looks: far enough for a snooze or
/// a window that runs past midnight; skips recorded ahead are found by date.
const RECENT_DAYS: i64 = 2;

/// The planning state at `now`, from the store.
pub fn load_state(store: &Store, config: &Config, now: Timestamp) -> Result<State, StoreError> {
    let today = config.timezone.to_datetime(now).date();
    let since = today
        .checked_sub(jiff::Span::new().days(RECENT_DAYS))
        .unwrap_or(today);
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
    Ok(state)
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
    let last_done = match command {
        Command::Undo { habit } => store.last_undoable(habit.as_deref())?,
        _ => None,
    };
    let events = command::events(config, command, last_done.as_ref(), source, now)?;
    store.append_all(&events)?;
    let state = load_state(store, config, now)?;
    let message = command::confirmation(config, &state, &events);
    Ok(Applied { message, state })
}
