//! The history's vocabulary: what happened to which habit, when, and who
//! said so. Plain data, shared by the store (which keeps it), the plan (which
//! folds it into state) and the CLI (which prints it).
//!
//! History is append-only: corrections are new events (`undone` names the
//! event it reverses), so nothing the user recorded is ever rewritten.

use jiff::Timestamp;
use jiff::civil::Date;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A reminder was shown.
    Reminded,
    /// A reminder was due but too late to show (after suspend or boot).
    Missed,
    /// A reminder was due but no notification server took it.
    Undelivered,
    /// The habit was done: `amount` is a count or minutes.
    Done,
    /// A `done` event or a diary entry (`cramp`, `no_cramps`; its id in
    /// `target`) was taken back.
    Undone,
    /// A rest day: no reminders on `date`, and the streak neither breaks nor grows.
    Skipped,
    /// The habit's reminder is postponed until `until`.
    Snoozed,
    /// All reminders are held until `until` (or until resumed, if none).
    Paused,
    /// A pause was ended early.
    Resumed,
    /// A leg cramp: `at` is when it came, `date` the night it belongs to
    /// (see [`crate::diary::night_of`]), `data` its details as JSON
    /// ([`crate::diary::Episode`]). Not about a habit.
    Cramp,
    /// A night without cramps: `date` is the night, `at` when it was said.
    NoCramps,
}

impl Kind {
    /// Every kind, in a stable order.
    pub const ALL: [Kind; 11] = [
        Kind::Reminded,
        Kind::Missed,
        Kind::Undelivered,
        Kind::Done,
        Kind::Undone,
        Kind::Skipped,
        Kind::Snoozed,
        Kind::Paused,
        Kind::Resumed,
        Kind::Cramp,
        Kind::NoCramps,
    ];

    /// The name stored in the database and printed by `habitd log`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Reminded => "reminded",
            Kind::Missed => "missed",
            Kind::Undelivered => "undelivered",
            Kind::Done => "done",
            Kind::Undone => "undone",
            Kind::Skipped => "skipped",
            Kind::Snoozed => "snoozed",
            Kind::Paused => "paused",
            Kind::Resumed => "resumed",
            Kind::Cramp => "cramp",
            Kind::NoCramps => "no_cramps",
        }
    }

    /// The kind with this stored name.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Whether this kind is a cramp diary entry, which `undo` can take back
    /// like a `done`.
    pub fn is_diary(self) -> bool {
        matches!(self, Kind::Cramp | Kind::NoCramps)
    }
}

/// Who recorded an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// The `habitd` command line.
    Cli,
    /// A button on a notification.
    Notification,
    /// The daemon itself (reminders, misses).
    Daemon,
    /// A D-Bus client calling the daemon's control interface.
    Dbus,
    /// Another app's file, read by `habitd import` (Loop Habit Tracker).
    Import,
}

impl Source {
    /// Every source, in a stable order.
    pub const ALL: [Source; 5] = [
        Source::Cli,
        Source::Notification,
        Source::Daemon,
        Source::Dbus,
        Source::Import,
    ];

    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Cli => "cli",
            Source::Notification => "notification",
            Source::Daemon => "daemon",
            Source::Dbus => "dbus",
            Source::Import => "import",
        }
    }

    /// The source with this stored name.
    pub fn parse(name: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// An event to be recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEvent {
    /// When it happened (for `done --at`, the time given).
    pub at: Timestamp,
    /// The local calendar day it counts for, in the configured zone.
    pub date: Date,
    /// The habit, or `None` for events about all habits (pause, resume).
    pub habit: Option<String>,
    /// What happened.
    pub kind: Kind,
    /// For `done`: the count or minutes.
    pub amount: Option<i64>,
    /// For `snoozed` and `paused`: when it ends.
    pub until: Option<Timestamp>,
    /// For `undone`: the id of the event taken back.
    pub target: Option<i64>,
    /// Who recorded it.
    pub source: Source,
    /// Details as JSON text (the `data` column), for kinds that have more
    /// to say than the columns hold: a `cramp`'s
    /// [`Episode`](crate::diary::Episode).
    pub data: Option<String>,
}

impl NewEvent {
    /// A `kind` event about `habit` (or all habits) at `at`, counting for
    /// `date`, with no amount, end, target or data; set those with struct
    /// update.
    pub fn new(
        at: Timestamp,
        date: Date,
        habit: Option<&str>,
        kind: Kind,
        source: Source,
    ) -> NewEvent {
        NewEvent {
            at,
            date,
            habit: habit.map(str::to_string),
            kind,
            amount: None,
            until: None,
            target: None,
            source,
            data: None,
        }
    }
}

/// A recorded event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Its id in the store: increasing in the order events were recorded.
    pub id: i64,
    /// Everything else.
    pub event: NewEvent,
    /// The device it was recorded on, when that is another device (see
    /// [`crate::sync`]); `None` for this device's own.
    pub origin: Option<String>,
}

impl std::ops::Deref for Event {
    type Target = NewEvent;

    fn deref(&self) -> &NewEvent {
        &self.event
    }
}
