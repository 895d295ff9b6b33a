//! The history on disk: one SQLite database of append-only events at
//! `$XDG_DATA_HOME/habitd/habitd.db`. This module owns the file (created
//! `0600` in a `0700` directory), the schema and its migrations, the
//! connection settings that let the daemon and several CLI processes write at
//! once, and the translation of SQLite failures into [`StoreError`]s that
//! name the file.
//!
//! It holds two rules, the ones that say what was done and what the cramp
//! diary says: a `done`, and a diary entry (`cramp`, `no_cramps`), counts
//! unless an `undone` names it. The schema states each once (the views
//! `live_dones` and `live_diary`), and triggers keep each habit's per-day
//! totals from the first in a table of their own, in the transaction that
//! records the events, so that reading them costs a row a month however
//! long the history. Beyond
//! that it stores and returns [`Event`]s and answers a few aggregate
//! questions in SQL, but what a total, a skip or a pause means is decided
//! by the plan and the CLI. Normal use never updates or deletes a row; a
//! correction is a new event. (The one exception: a history copied to
//! another machine takes a new device id there, once; see
//! [`Store::settle_device`].)
//!
//! Durability: every write is one `BEGIN IMMEDIATE` transaction, so a write is
//! either wholly there or not at all. The database runs in WAL mode with
//! `synchronous = NORMAL`: a commit has been written (not fsynced) to the WAL
//! before `append` returns, so a killed process (even `kill -9`) loses nothing
//! that was reported as recorded. A power loss or kernel crash can lose the
//! last few commits since the WAL was last synced, but never leaves a
//! half-written one: WAL frames are checksummed and recovery drops an
//! incomplete tail.

use std::collections::HashMap;
use std::fs::{DirBuilder, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{Connection, ErrorCode, OpenFlags, Row, TransactionBehavior, params};

use crate::diary::{DiaryEntry, Episode};
use crate::event::{Event, Kind, NewEvent, Source};
use crate::ownership;

mod imported;
mod synced;
pub use synced::{DeviceNames, DeviceSummary};

/// How long a write waits for another process's write to finish before
/// giving up with [`StoreError::Locked`].
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The indexes on `events`, as step 1 made them and step 3 makes them
/// again after rebuilding the table: one text, so the two cannot drift.
macro_rules! events_indexes {
    () => {
        r#"-- One habit's history by date: events(Some(habit), since), daily_totals,
-- skipped_dates, first_date.
CREATE INDEX events_habit_date ON events (habit, date);
-- One habit's events of one kind by date, covering the amount, so
-- daily_totals and skipped_dates read only the index, even over decades.
CREATE INDEX events_habit_kind_date ON events (habit, kind, date, amount);
-- Everything since a date: events(None, since), skips_and_snoozes_from,
-- totals_since.
CREATE INDEX events_date ON events (date);
-- Events of a kind (per habit): last_reminded, last_undoable,
-- last_pause_change.
CREATE INDEX events_kind_habit_at ON events (kind, habit, at_ms);
-- Whether a `done` was taken back.
CREATE INDEX events_target ON events (target) WHERE target IS NOT NULL;
"#
    };
}

/// The months an inserted event makes stale: those of the `done` events
/// among itself and its target. One text, for the insert trigger of steps
/// 2 and 3 and the one step 4 makes again.
macro_rules! month_totals_stale_on_insert {
    () => {
        r#"    INSERT INTO month_totals_stale
        SELECT NEW.habit, substr(NEW.date, 1, 7) WHERE NEW.kind = 'done'
        UNION ALL SELECT habit, substr(date, 1, 7) FROM events
            WHERE id = NEW.target AND kind = 'done';
"#
    };
}

/// The triggers that keep `month_totals`, as step 2 made them and step 3
/// makes them again (dropping `events` drops them): one text.
macro_rules! month_totals_triggers {
    () => {
        concat!(
            r#"CREATE TRIGGER month_totals_refresh INSTEAD OF INSERT ON month_totals_stale
BEGIN
    DELETE FROM month_totals WHERE habit = NEW.habit AND month = NEW.month;
    INSERT INTO month_totals (habit, month, days)
        SELECT habit, NEW.month, group_concat(substr(date, 9) || ':' || total, ',')
        FROM (
            SELECT habit, date, COALESCE(SUM(amount), 0) AS total FROM live_dones
            WHERE habit = NEW.habit AND date BETWEEN NEW.month || '-00' AND NEW.month || '-99'
            GROUP BY habit, date ORDER BY date
        )
        GROUP BY habit;
END;

-- An event changes the months of the `done` events among itself and its
-- target; refreshing a month that did not change costs a little and is
-- harmless.
CREATE TRIGGER month_totals_on_insert AFTER INSERT ON events
WHEN NEW.kind IN ('done', 'undone')
BEGIN
"#,
            month_totals_stale_on_insert!(),
            r#"END;
CREATE TRIGGER month_totals_on_delete AFTER DELETE ON events
WHEN OLD.kind IN ('done', 'undone')
BEGIN
    INSERT INTO month_totals_stale
        SELECT OLD.habit, substr(OLD.date, 1, 7) WHERE OLD.kind = 'done'
        UNION ALL SELECT habit, substr(date, 1, 7) FROM events
            WHERE id = OLD.target AND kind = 'done';
END;
CREATE TRIGGER month_totals_on_update AFTER UPDATE ON events
WHEN OLD.kind IN ('done', 'undone') OR NEW.kind IN ('done', 'undone')
BEGIN
    INSERT INTO month_totals_stale
        SELECT OLD.habit, substr(OLD.date, 1, 7) WHERE OLD.kind = 'done'
        UNION ALL SELECT habit, substr(date, 1, 7) FROM events
            WHERE id = OLD.target AND kind = 'done'
        UNION ALL SELECT NEW.habit, substr(NEW.date, 1, 7) WHERE NEW.kind = 'done'
        UNION ALL SELECT habit, substr(date, 1, 7) FROM events
            WHERE id = NEW.target AND kind = 'done';
END;
"#
        )
    };
}

/// The schema, one step per version: `MIGRATIONS[n]` takes a database from
/// `user_version` `n` to `n + 1`. Append only: never edit a step that has
/// shipped, since databases out there were built by it.
///
/// The `CHECK`s on `kind` and `source` mean a new kind needs a migration (the
/// usual SQLite table rebuild), which bumps `user_version`, so an older
/// habitd refuses the newer database instead of misreading it. The `date`
/// check keeps dates as fixed-width `YYYY-MM-DD`, so text order is date order.
/// `AUTOINCREMENT` makes ids strictly increasing and never reused, even if a
/// row is removed by hand, so an `undone` event can never end up naming a
/// different event than the one it took back.
///
/// Step 2 puts the rule of what was done in the schema, once: the view
/// `live_dones`, which `last_undoable` reads and the triggers that keep
/// `month_totals` use. A later step that rebuilds `events` must create those
/// triggers again (dropping a table drops its triggers).
///
/// Step 3 is such a rebuild, for the cramp diary's kinds; it adds the
/// diary's rule beside the first, the view `live_diary`.
///
/// Step 4 is for sync: the device id, and the global ids of events read
/// from other devices.
const MIGRATIONS: &[&str] = &[
    concat!(
        r#"
CREATE TABLE events (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms    INTEGER NOT NULL,
    date     TEXT NOT NULL
             CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    habit    TEXT,
    kind     TEXT NOT NULL
             CHECK (kind IN ('reminded', 'missed', 'done', 'undone',
                             'skipped', 'snoozed', 'paused', 'resumed',
                             'undelivered')),
    amount   INTEGER,
    until_ms INTEGER,
    target   INTEGER,
    source   TEXT NOT NULL CHECK (source IN ('cli', 'notification', 'daemon', 'dbus')),
    -- JSON for future event kinds (a cramp diary, say); unused so far.
    data     TEXT CHECK (data IS NULL OR json_valid(data))
) STRICT;
"#,
        events_indexes!(),
    ),
    concat!(
        r#"
-- The one rule of what was done: a `done` counts unless an `undone` names
-- it, whatever habit or date that `undone` carries.
CREATE VIEW live_dones AS
    SELECT id, at_ms, date, habit, kind, amount, until_ms, target, source
    FROM events AS d
    WHERE kind = 'done'
      AND NOT EXISTS (SELECT 1 FROM events AS u WHERE u.kind = 'undone' AND u.target = d.id);

-- Per habit and month, what live_dones add up to on each day that has any:
-- `days` lists those days as `DD:total`, comma-separated, e.g.
-- "01:8,02:6,04:0" (a `done` without an amount adds 0; a day whose every
-- `done` was taken back is left out). In date order as SQLite writes them,
-- but not by promise: group_concat's own ORDER BY needs SQLite 3.44, and
-- with it the sqlite3 of Debian 12 (3.40) could not open the file at all. A row a month, not a day: a century
-- of one habit is then 1,200 rows to read, not 36,500, and reading rows is
-- what `streaks` spends its time on. Kept by the triggers below in the
-- transaction that changes `events`.
CREATE TABLE month_totals (
    habit TEXT NOT NULL,
    month TEXT NOT NULL,  -- YYYY-MM
    days  TEXT NOT NULL,
    PRIMARY KEY (habit, month)
) STRICT, WITHOUT ROWID;
-- Every habit's months from a month on: totals_since.
CREATE INDEX month_totals_month ON month_totals (month);

-- The one place month_totals is computed: a (habit, month) inserted into
-- this view gets its row computed afresh from live_dones. Recomputing a
-- month rather than adding a delta costs that month's events, and makes
-- any change to `events` come out right, a hand edit with sqlite3 included.
CREATE VIEW month_totals_stale (habit, month) AS SELECT NULL, NULL WHERE 0;
"#,
        month_totals_triggers!(),
        r#"
-- The history so far, through the same refresh.
INSERT INTO month_totals_stale
    SELECT DISTINCT habit, substr(date, 1, 7) FROM events WHERE kind = 'done';
"#,
    ),
    concat!(
        r#"
-- The diary's kinds (`cramp`, `no_cramps`) and the `import` source join the
-- CHECKs. SQLite cannot alter a CHECK, so `events` is rebuilt as its manual
-- says (lang_altertable.html#otheralter): a new table, the rows copied with
-- their ids, the old table dropped, the new one renamed. What depends on
-- `events` goes with it and is made again below, word for word as steps 1
-- and 2 made it but for `live_dones`, which gains `data` (a test compares
-- them): its indexes and its triggers go
-- with the table; `live_dones`, and the trigger that reads it, are dropped
-- first, since the rename checks every view and trigger against the
-- schema and would find them naming a table that is gone. month_totals
-- stays as it is: the rows it adds up are the same rows.
CREATE TABLE events_new (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms    INTEGER NOT NULL,
    date     TEXT NOT NULL
             CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    habit    TEXT,
    kind     TEXT NOT NULL
             CHECK (kind IN ('reminded', 'missed', 'done', 'undone',
                             'skipped', 'snoozed', 'paused', 'resumed',
                             'undelivered', 'cramp', 'no_cramps')),
    amount   INTEGER,
    until_ms INTEGER,
    target   INTEGER,
    source   TEXT NOT NULL
             CHECK (source IN ('cli', 'notification', 'daemon', 'dbus', 'import')),
    -- Details as JSON: a cramp's (see diary.rs).
    data     TEXT CHECK (data IS NULL OR json_valid(data))
) STRICT;
INSERT INTO events_new (id, at_ms, date, habit, kind, amount, until_ms, target, source, data)
    SELECT id, at_ms, date, habit, kind, amount, until_ms, target, source, data FROM events;
-- AUTOINCREMENT's high-water mark is carried over, not recomputed from the
-- rows copied: ids of rows removed by hand are never given out again.
DELETE FROM sqlite_sequence WHERE name = 'events_new';
UPDATE sqlite_sequence SET name = 'events_new' WHERE name = 'events';
DROP TRIGGER month_totals_refresh;
DROP VIEW live_dones;
-- Dropped with the table anyway; dropped first so that no trigger can see
-- the rows go.
DROP TRIGGER month_totals_on_insert;
DROP TRIGGER month_totals_on_delete;
DROP TRIGGER month_totals_on_update;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;

"#,
        events_indexes!(),
        r#"
-- The one rule of what was done: a `done` counts unless an `undone` names
-- it, whatever habit or date that `undone` carries. (Now with `data`, so
-- that it has every column of `events`.)
CREATE VIEW live_dones AS
    SELECT id, at_ms, date, habit, kind, amount, until_ms, target, source, data
    FROM events AS d
    WHERE kind = 'done'
      AND NOT EXISTS (SELECT 1 FROM events AS u WHERE u.kind = 'undone' AND u.target = d.id);

"#,
        month_totals_triggers!(),
        r#"
-- The one rule of what the diary says: an entry counts unless an `undone`
-- names it (as with live_dones).
CREATE VIEW live_diary AS
    SELECT id, at_ms, date, habit, kind, amount, until_ms, target, source, data
    FROM events AS e
    WHERE kind IN ('cramp', 'no_cramps')
      AND NOT EXISTS (SELECT 1 FROM events AS u WHERE u.kind = 'undone' AND u.target = e.id);
-- Diary entries by night (their date), and nothing else: a few rows a
-- night, so reading a night or a few weeks never walks years of reminders.
CREATE INDEX events_diary ON events (kind, date) WHERE kind IN ('cramp', 'no_cramps');
"#,
    ),
    concat!(
        r#"
-- Sync (see sync.rs). This history's device id, made here, so that every
-- history has one from the moment it exists and an old one gets one as it
-- is brought up to date: 64 random bits as 16 hex digits. `machine` is the
-- machine it was made on (its /etc/machine-id, taken at the first open):
-- a history copied to another machine takes a new id there (see
-- Store::settle_device), so two machines never write as one.
CREATE TABLE device (
    one     INTEGER PRIMARY KEY CHECK (one = 1),
    id      TEXT NOT NULL CHECK (length(id) = 16 AND id NOT GLOB '*[^0-9a-f]*'),
    machine TEXT
) STRICT;
INSERT INTO device (one, id) VALUES (1, lower(hex(randomblob(8))));
-- The ids this history had before it was copied or moved: the events
-- recorded under them are this history's to tell the other devices too,
-- under those ids.
CREATE TABLE device_former (id TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;

-- An event recorded on another device carries that device's id and its id
-- there (its global id); this device's own events have neither, and their
-- global id is (device.id, id). Columns added, not a rebuild: every row
-- and id stays as it was, so an `undone` recorded before still names its
-- target, and `events` keeps its indexes, views and triggers.
ALTER TABLE events ADD COLUMN origin TEXT
    CHECK (origin IS NULL OR (length(origin) = 16 AND origin NOT GLOB '*[^0-9a-f]*'));
ALTER TABLE events ADD COLUMN origin_id INTEGER
    CHECK ((origin IS NULL) = (origin_id IS NULL));
-- An event is recorded once, however often its file is read.
CREATE UNIQUE INDEX events_origin ON events (origin, origin_id) WHERE origin IS NOT NULL;

-- The other devices seen: the name each gives itself, and the newest of
-- this device's events it says it has read.
CREATE TABLE devices (
    id       TEXT PRIMARY KEY,
    name     TEXT,
    has_mine INTEGER
) STRICT, WITHOUT ROWID;

-- Another device's `undone` whose target has not arrived yet (its device's
-- file is still on the way): kept as the line it came as, and recorded
-- once the target is.
CREATE TABLE sync_waiting (
    origin    TEXT NOT NULL,
    origin_id INTEGER NOT NULL,
    line      TEXT NOT NULL,
    PRIMARY KEY (origin, origin_id)
) STRICT, WITHOUT ROWID;

-- A merge of another device's events refreshes each month it touched once,
-- not once an event (which made the first sync of decades take minutes):
-- while the one row of `merging` is there — only ever inside the merge's
-- own transaction, so no other writer sees it — the insert trigger leaves
-- the refresh to the merge (see store/synced.rs).
CREATE TABLE merging (one INTEGER PRIMARY KEY CHECK (one = 1)) STRICT;
DROP TRIGGER month_totals_on_insert;
CREATE TRIGGER month_totals_on_insert AFTER INSERT ON events
WHEN NEW.kind IN ('done', 'undone') AND NOT EXISTS (SELECT 1 FROM merging)
BEGIN
"#,
        month_totals_stale_on_insert!(),
        r#"END;
"#,
    ),
];

/// The schema version this habitd writes and understands.
const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Why the history could not be read or written. Each message names the
/// file and says in plain words what is wrong and, where it can, what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The directory or the database file could not be created.
    #[error("cannot create {}", path.display())]
    Create {
        /// The directory or file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A file stands where the history's directory (or one above it) should
    /// be.
    #[error(
        "{} is a file, not a directory; habitd keeps its history at {}, so move the file aside (e.g. `mv {} {}.old`)",
        file.display(), path.display(), file.display(), file.display()
    )]
    NotADirectory {
        /// The database file.
        path: PathBuf,
        /// The file in the way.
        file: PathBuf,
    },
    /// The database is another user's, or anyone may write it or replace it.
    #[error("{reason}")]
    Untrusted {
        /// The database file.
        path: PathBuf,
        /// Why it is not trusted.
        reason: String,
    },
    /// The database was written by a newer habitd.
    #[error(
        "{}: database schema version {found} is newer than this habitd supports ({supported}); upgrade habitd",
        path.display()
    )]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest version this build understands.
        supported: i64,
    },
    /// The database holds tables but no schema version: habitd did not make
    /// it (or its version was reset by hand), so migrating it would fail or
    /// mix two schemas.
    #[error(
        "{}: the database has tables ({}) but no habitd schema version (user_version is 0): it was not created by habitd, or its version was reset; move it aside (e.g. `mv {} {}.old`) to start a new history",
        path.display(), tables.join(", "), path.display(), path.display()
    )]
    Foreign {
        /// The database file.
        path: PathBuf,
        /// The tables found.
        tables: Vec<String>,
    },
    /// Another process held the write lock for longer than the busy timeout.
    #[error("{}: the database is locked by another process; try again", path.display())]
    Locked {
        /// The database file.
        path: PathBuf,
    },
    /// SQLite found the file damaged, or it is not a database at all.
    #[error(
        "{}: the database is corrupt or not an SQLite file ({detail}); restore it from a backup or move it aside to start a new history",
        path.display()
    )]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// SQLite's own words.
        detail: String,
    },
    /// A row holds something habitd never writes (an unknown kind, an
    /// impossible date): the database was edited by hand or by other tools.
    #[error(
        "{}: event {id} cannot be read ({problem}); it was changed outside habitd, correct that row with sqlite3",
        path.display()
    )]
    BadEvent {
        /// The database file.
        path: PathBuf,
        /// The row's id.
        id: i64,
        /// What is wrong with it.
        problem: String,
    },
    /// The database cannot be opened or found: it is a directory, may not
    /// be read, lies in a directory that may not be entered, or in a
    /// read-only directory without the `-shm` file SQLite must create.
    #[error("{}: cannot open the database: {reason}", path.display())]
    CannotOpen {
        /// The database file.
        path: PathBuf,
        /// What is in the way, in words.
        reason: String,
    },
    /// The database, its directory or its file system cannot be written.
    #[error("{}: the database is read-only: {reason}", path.display())]
    ReadOnly {
        /// The database file.
        path: PathBuf,
        /// What is read-only, in words.
        reason: String,
    },
    /// The disk (or the database's size limit) is full.
    #[error("{}: the disk is full; free some space and try again", path.display())]
    Full {
        /// The database file.
        path: PathBuf,
    },
    /// The operating system failed a read, write, sync or lock for SQLite,
    /// and the disk is not (nearly) full.
    #[error("{}: {what}; check the disk (SQLite I/O error {code})", path.display())]
    Io {
        /// The database file.
        path: PathBuf,
        /// What failed, in words.
        what: &'static str,
        /// SQLite's extended result code.
        code: i32,
    },
    /// Any other SQLite failure.
    #[error("{}: database error", path.display())]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
}

impl StoreError {
    /// Whether the history may still be readable: the failure was about
    /// writing (a read-only file, directory or file system, a full disk, an
    /// I/O error), not about the file itself.
    fn concerns_writing(&self) -> bool {
        matches!(
            self,
            StoreError::ReadOnly { .. }
                | StoreError::CannotOpen { .. }
                | StoreError::Full { .. }
                | StoreError::Io { .. }
        )
    }
}

/// A `SELECT` of the columns [`RawEvent::from_row`] reads from `events`
/// (or, given `from = "…"` first, from that view), then `$rest`. The views
/// were made before events had an origin, and have none: it is looked up
/// by id, a row read more per event.
macro_rules! select_events {
    (from = $from:literal, $($rest:expr),+) => {
        concat!(
            "SELECT id, at_ms, date, habit, kind, amount, until_ms, target, source, data, ",
            "(SELECT origin FROM events AS o WHERE o.id = v.id) FROM ",
            $from,
            " AS v ",
            $($rest),+
        )
    };
    ($($rest:expr),+) => {
        concat!(
            "SELECT id, at_ms, date, habit, kind, amount, until_ms, target, source, data, origin FROM events ",
            $($rest),+
        )
    };
}

// One SQL text per question (and per combination of optional filters, since
// `?1 IS NULL OR habit = ?1` would keep SQLite from using an index). Kinds
// are bound as parameters from `Kind::as_str`, so the Rust names rule; the
// schema's view and triggers, which cannot take parameters, spell `done` and
// `undone` as its CHECK does, and a test holds them to `Kind::as_str`.

const INSERT: &str = "
    INSERT INTO events (at_ms, date, habit, kind, amount, until_ms, target, source, data)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
    RETURNING id";

/// An event's values for [`INSERT`]'s `?1` to `?9`, in its columns' order:
/// the one place that says how an event is stored (the importer's insert
/// takes the same nine first).
fn insert_values(e: &NewEvent) -> Vec<rusqlite::types::Value> {
    use rusqlite::types::Value;
    let text = |t: &str| Value::Text(t.to_string());
    vec![
        Value::Integer(e.at.as_millisecond()),
        Value::Text(e.date.to_string()),
        e.habit.as_deref().map_or(Value::Null, text),
        text(e.kind.as_str()),
        e.amount.map_or(Value::Null, Value::Integer),
        e.until
            .map_or(Value::Null, |until| Value::Integer(until.as_millisecond())),
        e.target.map_or(Value::Null, Value::Integer),
        text(e.source.as_str()),
        e.data.as_deref().map_or(Value::Null, text),
    ]
}

const EVENTS: &str = select_events!("ORDER BY id");
const EVENTS_OF_HABIT: &str = select_events!("WHERE habit = ?1 ORDER BY id");
/// Without statistics SQLite guesses that `date >= ?1` keeps a large part of
/// the table and prefers reading it all in id order to sorting; but the
/// daemon asks for the last day or two of fifty years. `INDEXED BY` pins the
/// plan (and fails loudly should the index ever be dropped).
const EVENTS_SINCE: &str = select_events!("INDEXED BY events_date WHERE date >= ?1 ORDER BY id");
const EVENTS_OF_HABIT_SINCE: &str = select_events!("WHERE habit = ?1 AND date >= ?2 ORDER BY id");

/// Whether habit ?1 has any event.
const HAS_HISTORY: &str = "SELECT 1 FROM events WHERE habit = ?1 LIMIT 1";

/// The habits with an event dated ?1 or later (`''` sorts before every
/// date). A loose index scan, as in [`LAST_OF_KIND_PER_HABIT`]: a few seeks
/// per habit, not a pass over the history.
const HABITS_SINCE: &str = "
    WITH RECURSIVE habits(habit) AS (
        SELECT MIN(habit) FROM events
        UNION ALL
        SELECT (SELECT MIN(habit) FROM events WHERE habit > habits.habit)
        FROM habits WHERE habits.habit IS NOT NULL
    )
    SELECT habit FROM habits
    WHERE habit IS NOT NULL
      AND EXISTS (SELECT 1 FROM events WHERE habit = habits.habit AND date >= ?1)";

/// `skipped` and `snoozed` (?2, ?3) events dated ?1 or later.
const SKIPS_AND_SNOOZES_SINCE: &str =
    select_events!("INDEXED BY events_date WHERE date >= ?1 AND kind IN (?2, ?3) ORDER BY id");

/// Per habit, the months from ?1 (`YYYY-MM`) on: what was done on each day
/// (see `month_totals` in [`MIGRATIONS`]).
const TOTALS_SINCE: &str = "
    SELECT habit, month, days FROM month_totals INDEXED BY month_totals_month
    WHERE month >= ?1";

/// Habit ?1's months, ascending: a range of the table's primary key.
const DAILY_TOTALS: &str = "
    SELECT habit, month, days FROM month_totals WHERE habit = ?1 ORDER BY month";

/// Habit ?1's counted `done` events in month ?2, for naming the one whose
/// date cannot be read.
const DONES_OF_MONTH: &str = "
    SELECT id, date FROM live_dones
    WHERE habit = ?1 AND date BETWEEN ?2 || '-00' AND ?2 || '-99' ORDER BY id";

/// Dates with a `skipped` (?2) event of habit ?1.
const SKIPPED_DATES: &str = "
    SELECT date, MIN(id) FROM events WHERE habit = ?1 AND kind = ?2
    GROUP BY date ORDER BY date";

/// The earliest event of habit ?1 that is not ?2, ?3 or ?4 (`reminded`,
/// `missed`, `undelivered`): walks the habit's events in date order, stops at the first
/// match.
const FIRST_DATE: &str = "
    SELECT date, id FROM events WHERE habit = ?1 AND kind NOT IN (?2, ?3, ?4)
    ORDER BY date, id LIMIT 1";

/// The latest `done` not taken back, of any habit. The index gives `done`
/// events by habit, so SQLite sorts them by id: a few thousand a year, a
/// cost paid once per `undo`.
const LAST_UNDOABLE: &str = select_events!(from = "live_dones", "ORDER BY id DESC LIMIT 1");

/// The same, of habit ?1.
const LAST_UNDOABLE_OF_HABIT: &str = select_events!(
    from = "live_dones",
    "WHERE habit = ?1 ORDER BY id DESC LIMIT 1"
);

/// For kind ?1, each habit's latest `at_ms` and that row's id. A loose index
/// scan: the CTE hops from one habit to the next in `events_kind_habit_at`,
/// so the cost is a few index seeks per habit, not a pass over years of
/// reminders.
const LAST_OF_KIND_PER_HABIT: &str = "
    WITH RECURSIVE habits(habit) AS (
        SELECT MIN(habit) FROM events WHERE kind = ?1
        UNION ALL
        SELECT (SELECT MIN(habit) FROM events WHERE kind = ?1 AND habit > habits.habit)
        FROM habits WHERE habits.habit IS NOT NULL
    )
    SELECT habit,
        (SELECT at_ms FROM events WHERE kind = ?1 AND habit = habits.habit
         ORDER BY at_ms DESC, id DESC LIMIT 1),
        (SELECT id FROM events WHERE kind = ?1 AND habit = habits.habit
         ORDER BY at_ms DESC, id DESC LIMIT 1)
    FROM habits WHERE habit IS NOT NULL";

/// The diary entries (see `live_diary` in [`MIGRATIONS`]) of the nights
/// from ?1 on, night by night, each night's in the order they happened.
const DIARY_SINCE: &str = select_events!(
    from = "live_diary",
    "WHERE date >= ?1 ORDER BY date, at_ms, id"
);

/// The diary entries of night ?1, in the order they happened.
const DIARY_OF_NIGHT: &str =
    select_events!(from = "live_diary", "WHERE date = ?1 ORDER BY at_ms, id");

/// The diary's events — `cramp`, `no_cramps` (?1, ?2), and the `undone`s
/// (?3) without a habit, which took diary entries back (a completion's
/// names its habit) — dated ?4 or later (`''` sorts before every date), in
/// id order.
const DIARY_EVENTS: &str =
    select_events!("WHERE kind IN (?1, ?2, ?3) AND habit IS NULL AND date >= ?4 ORDER BY id");

/// The latest diary entry recorded that was not taken back. SQLite sorts the
/// diary's entries by id (a few a night): a cost paid once per `undo`.
const LAST_DIARY_ENTRY: &str = select_events!(from = "live_diary", "ORDER BY id DESC LIMIT 1");

/// The latest `paused` (?1) or `resumed` (?2) event.
const LAST_PAUSE_CHANGE: &str = select_events!("WHERE kind IN (?1, ?2) ORDER BY id DESC LIMIT 1");

/// The history database, open for reading and appending.
///
/// Each process (and each thread, in tests) opens its own; SQLite's locks
/// keep concurrent writers from interleaving.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// The (device, inode) of the file opened.
    identity: Option<(u64, u64)>,
    /// Why the history could not be opened for writing, when it was opened
    /// read-only instead ([`Store::open_or_read_only`]): the first write
    /// fails with it.
    cannot_write: Option<StoreError>,
}

fn identity_of(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// Runs `step`, retrying while SQLite answers SQLITE_BUSY, for as long as
/// the busy timeout. SQLite returns BUSY at once, without its busy handler,
/// where waiting could deadlock — as when several processes open a new
/// database together and each switches it to WAL — so such a step is
/// retried here.
fn retry_busy<T>(mut step: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let deadline = Instant::now() + BUSY_TIMEOUT;
    loop {
        match step() {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == ErrorCode::DatabaseBusy && Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(2));
            }
            other => return other,
        }
    }
}

impl Store {
    /// `$XDG_DATA_HOME/habitd/habitd.db`, falling back to
    /// `~/.local/share`; `None` if neither variable says where home is.
    pub fn default_path() -> Option<PathBuf> {
        crate::dirs::data_home().map(|dir| dir.join("habitd").join("habitd.db"))
    }

    /// Opens the database at `path`, creating its directory (`0700`) and the
    /// file (`0600`) if they are missing, and brings the schema up to date.
    /// Existing directories and files keep their permissions. SQLite creates
    /// the `-wal` and `-shm` files with the database file's permissions.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        create_file(path)?;
        let fail = |error| sqlite_error(path, error);
        // No SQLITE_OPEN_CREATE: the file exists by now, and if it vanished
        // in between, SQLite must not recreate it with its default 0644.
        // No SQLITE_OPEN_URI: a path is a path, even one starting "file:".
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(fail)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(fail)?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            identity: identity_of(path),
            cannot_write: None,
        };
        // Refuse a newer database before touching it, journal mode included.
        let up_to_date = next_step(path, store.user_version()?)?.is_none();
        // Persistent in the file; a no-op once set. See the module docs on
        // why NORMAL is enough in WAL mode.
        let mode: String = retry_busy(|| {
            store
                .conn
                .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        })
        .map_err(fail)?;
        log_if_not_wal(path, &mode);
        store
            .conn
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(fail)?;
        // Take the write lock only if there is something to migrate: opening
        // an up-to-date database then never waits for a writer, and works
        // on a file this process may only read.
        if !up_to_date {
            store.migrate()?;
        }
        store.settle_device(crate::sync::machine_id().as_deref())?;
        Ok(store)
    }

    /// Opens the database at `path` as [`Store::open`] does; but when the
    /// history exists and cannot be written (a read-only file, directory or
    /// mount, a full disk), opens it read-only instead, so it can still be
    /// read. The first write then fails with the error that kept it from
    /// being opened for writing. For commands that run once and end: the
    /// daemon keeps its store open and uses [`Store::open`].
    pub fn open_or_read_only(path: &Path) -> Result<Store, StoreError> {
        let error = match Store::open(path) {
            Ok(store) => return Ok(store),
            Err(error) if error.concerns_writing() && path.is_file() => error,
            Err(error) => return Err(error),
        };
        match Store::open_read_only(path) {
            Ok(mut store) => {
                log::debug!("{error}; reading it read-only");
                store.cannot_write = Some(error);
                Ok(store)
            }
            // Why it cannot be written says best why it cannot be read.
            Err(read_only) => {
                log::debug!("{read_only}");
                Err(error)
            }
        }
    }

    /// Opens an existing, up-to-date database read-only: nothing is created,
    /// migrated or changed.
    ///
    /// In WAL mode even a reader needs the `-shm` file beside the database,
    /// which SQLite creates if it is missing; in a directory it may not
    /// write (or on a full disk) it cannot. If then there is no `-wal` file
    /// either, the database file holds the whole history, and it is opened
    /// as `immutable`: read without the `-shm` and without locks. That is
    /// safe because whoever writes to the history keeps a `-wal` beside it
    /// (and needs the `-shm` SQLite could not create), and a command reads
    /// for a moment only. Otherwise there are changes in the `-wal` that
    /// only the `-shm` can tell apart, and the open fails.
    fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        let fail = |error| sqlite_error(path, error);
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        // SQLite opens lazily: the -shm is only needed at the first read.
        let plain = Connection::open_with_flags(path, flags).and_then(|conn| {
            conn.busy_timeout(BUSY_TIMEOUT)?;
            conn.pragma_query_value(None, "user_version", |row| row.get::<_, i64>(0))?;
            Ok(conn)
        });
        let conn = match plain {
            Ok(conn) => conn,
            Err(error) if lacks_shm(&error) && !has_wal(path) => {
                let uri = immutable_uri(path);
                let conn = Connection::open_with_flags(&uri, flags | OpenFlags::SQLITE_OPEN_URI)
                    .map_err(fail)?;
                log::debug!(
                    "{}: read without a -shm file (immutable), none can be created",
                    path.display()
                );
                conn
            }
            Err(error) => return Err(fail(error)),
        };
        let store = Store {
            conn,
            path: path.to_path_buf(),
            identity: identity_of(path),
            cannot_write: None,
        };
        match next_step(path, store.user_version()?)? {
            None => Ok(store),
            Some(_) => Err(StoreError::ReadOnly {
                path: path.to_path_buf(),
                reason: "its schema is older than this habitd's and cannot be updated".to_string(),
            }),
        }
    }

    /// Whether there is a history at `path`: `Ok(false)` if there is none
    /// yet, an error if that cannot be known — a file stands where a
    /// directory should, or a directory on the way may not be entered — so
    /// a reader never takes an unreachable history for an empty one.
    pub fn exists(path: &Path) -> Result<bool, StoreError> {
        match std::fs::metadata(path) {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(path_error(path, e)),
        }
    }

    /// How long a write waits for another process's lock before failing
    /// with [`StoreError::Locked`] (5 s unless changed). The daemon waits
    /// less and queues instead, so a held lock never delays a reminder.
    pub fn set_busy_timeout(&self, timeout: Duration) -> Result<(), StoreError> {
        self.conn
            .busy_timeout(timeout)
            .map_err(|e| sqlite_error(&self.path, e))
    }

    /// Caps SQLite's page cache for this connection at `kib` KiB (the default
    /// is 2 MiB). For a connection kept open all day: its cache would grow
    /// with the history up to the cap and stay resident.
    pub fn set_cache_size(&self, kib: u32) -> Result<(), StoreError> {
        self.conn
            .pragma_update(None, "cache_size", -i64::from(kib))
            .map_err(|e| sqlite_error(&self.path, e))
    }

    /// The page cache's cap in KiB (`PRAGMA cache_size` given in pages is
    /// converted at the page size).
    #[cfg(test)]
    pub(crate) fn cache_size_kib(&self) -> i64 {
        let size: i64 = self
            .conn
            .pragma_query_value(None, "cache_size", |row| row.get(0))
            .unwrap();
        let page: i64 = self
            .conn
            .pragma_query_value(None, "page_size", |row| row.get(0))
            .unwrap();
        if size < 0 { -size } else { size * page / 1024 }
    }

    /// The file a writer other than the daemon touches after writing, so a
    /// running daemon (watching only that file) reads the history again —
    /// its own writes never wake it.
    pub fn change_marker(path: &Path) -> PathBuf {
        path.with_extension("changed")
    }

    /// Tells a running daemon the history changed (see
    /// [`Store::change_marker`]). Best effort: the events are recorded
    /// either way, and a daemon reads them at its next start at the latest.
    pub fn announce_change(&self) {
        if let Err(e) = std::fs::write(Store::change_marker(&self.path), b"") {
            log::debug!("cannot touch the history's change marker: {e}");
        }
    }

    /// Whether the file this store has open is still the one at its path:
    /// not deleted, moved away or replaced since it was opened.
    pub fn is_at_its_path(&self) -> bool {
        self.identity.is_some() && identity_of(&self.path) == self.identity
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records `event` and returns its id.
    pub fn append(&mut self, event: &NewEvent) -> Result<i64, StoreError> {
        let ids = self.append_all(std::slice::from_ref(event))?;
        // append_all returns one id per event, and it was given one.
        Ok(ids[0])
    }

    /// Records `events` in one transaction (all or none) and returns their
    /// ids, in order.
    pub fn append_all(&mut self, events: &[NewEvent]) -> Result<Vec<i64>, StoreError> {
        self.write(|tx| {
            let mut insert = tx.prepare_cached(INSERT)?;
            events
                .iter()
                .map(|e| {
                    insert.query_row(rusqlite::params_from_iter(insert_values(e)), |row| {
                        row.get(0)
                    })
                })
                .collect()
        })
    }

    /// Events in id order: of `habit` only if given (habit-less events such
    /// as pauses are then left out), and dated `since` or later if given.
    pub fn events(
        &self,
        habit: Option<&str>,
        since: Option<Date>,
    ) -> Result<Vec<Event>, StoreError> {
        let mut events = Vec::new();
        self.each_event(habit, since, |event| {
            events.push(event);
            Ok::<_, StoreError>(())
        })?;
        Ok(events)
    }

    /// Hands the events [`Store::events`] would return to `visit` one at a
    /// time, as SQLite reads them, so that exporting decades of history
    /// takes no more memory than one event. Stops at the first error,
    /// `visit`'s included.
    pub fn each_event<E: From<StoreError>>(
        &self,
        habit: Option<&str>,
        since: Option<Date>,
        visit: impl FnMut(Event) -> Result<(), E>,
    ) -> Result<(), E> {
        let since = since.map(|date| date.to_string());
        match (habit, since) {
            (None, None) => self.stream_events(EVENTS, [], visit),
            (Some(habit), None) => self.stream_events(EVENTS_OF_HABIT, [habit], visit),
            (None, Some(since)) => self.stream_events(EVENTS_SINCE, [since], visit),
            (Some(habit), Some(since)) => {
                self.stream_events(EVENTS_OF_HABIT_SINCE, params![habit, since], visit)
            }
        }
    }

    /// Hands the cramp diary's events dated `since` or later (all if
    /// `None`) to `visit` one at a time, in id order, as
    /// [`Store::each_event`] does: its entries, and the `undone`s that
    /// took entries back, whether or not they were taken back.
    pub fn each_diary_event<E: From<StoreError>>(
        &self,
        since: Option<Date>,
        visit: impl FnMut(Event) -> Result<(), E>,
    ) -> Result<(), E> {
        let since = since.map(|date| date.to_string()).unwrap_or_default();
        let kinds = [Kind::Cramp, Kind::NoCramps, Kind::Undone].map(Kind::as_str);
        self.stream_events(
            DIARY_EVENTS,
            params![kinds[0], kinds[1], kinds[2], since],
            visit,
        )
    }

    /// Whether `habit` has any event at all.
    pub fn has_history(&self, habit: &str) -> Result<bool, StoreError> {
        Ok(!self.query(HAS_HISTORY, [habit], |_| Ok(()))?.is_empty())
    }

    /// The habits, ascending, with an event dated `since` or later (with
    /// any event if `None`): the habits [`Store::events`]`(None, since)`
    /// would name, without reading those events.
    pub fn habits_since(&self, since: Option<Date>) -> Result<Vec<String>, StoreError> {
        let since = since.map(|date| date.to_string()).unwrap_or_default();
        self.query(HABITS_SINCE, [since], |row| row.get(0))
    }

    /// Rest days and snoozes dated `date` or later, in id order: with
    /// [`Store::totals_since`] and [`Store::last_reminded`], what planning
    /// needs, without loading every completion of the day.
    pub fn skips_and_snoozes_from(&self, date: Date) -> Result<Vec<Event>, StoreError> {
        let kinds = (Kind::Skipped.as_str(), Kind::Snoozed.as_str());
        self.query_events(
            SKIPS_AND_SNOOZES_SINCE,
            params![date.to_string(), kinds.0, kinds.1],
        )
    }

    /// Per habit and local date from `date` on, the sum of `done` amounts,
    /// leaving out those taken back by an `undone`. Dates with nothing left
    /// are missing, not zero.
    pub fn totals_since(&self, date: Date) -> Result<Vec<(String, Date, i64)>, StoreError> {
        let month = format!("{:04}-{:02}", date.year(), date.month());
        let mut totals = Vec::new();
        self.each_month(TOTALS_SINCE, &month, |habit, day, total| {
            if day >= date {
                totals.push((habit.to_string(), day, total));
            }
        })?;
        Ok(totals)
    }

    /// Per local date, ascending, the sum of `habit`'s `done` amounts,
    /// leaving out those taken back by an `undone`. Dates with nothing left
    /// are missing, not zero.
    pub fn daily_totals(&self, habit: &str) -> Result<Vec<(Date, i64)>, StoreError> {
        let mut totals = Vec::new();
        self.each_month(DAILY_TOTALS, habit, |_, day, total| {
            totals.push((day, total));
        })?;
        Ok(totals)
    }

    /// Runs `sql`, which selects `month_totals` rows (`habit, month,
    /// days`) by `param`, and hands each day of them to `each`, with its
    /// habit and total.
    fn each_month(
        &self,
        sql: &str,
        param: &str,
        mut each: impl FnMut(&str, Date, i64),
    ) -> Result<(), StoreError> {
        let fail = |e| sqlite_error(&self.path, e);
        let mut statement = self.conn.prepare_cached(sql).map_err(fail)?;
        let mut rows = statement.query([param]).map_err(fail)?;
        let mut days = Vec::with_capacity(31);
        while let Some(row) = rows.next().map_err(fail)? {
            // Read in place: a century of months is unpacked here, and
            // copying each row out first was a good part of the cost.
            let text = |column| -> Result<&str, StoreError> {
                let value = row.get_ref(column).map_err(fail)?;
                value.as_str().map_err(|e| fail(e.into()))
            };
            let (habit, month) = (text(0)?, text(1)?);
            if unpack_month(month, text(2)?, &mut days).is_none() {
                return Err(self.unreadable_month(habit, month));
            }
            for &(day, total) in &days {
                each(habit, day, total);
            }
        }
        Ok(())
    }

    /// Why `habit`'s totals of `month` cannot be read: they are made from
    /// events, so the event with the unreadable date is named.
    fn unreadable_month(&self, habit: &str, month: &str) -> StoreError {
        let dones = self.query(DONES_OF_MONTH, [habit, month], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        });
        let dones = match dones {
            Ok(dones) => dones,
            Err(error) => return error,
        };
        match dones
            .into_iter()
            .find(|(_, date)| date.parse::<Date>().is_err())
        {
            Some((id, date)) => self.bad_event(id, format!("invalid date {date:?}")),
            None => StoreError::Corrupt {
                path: self.path.clone(),
                detail: format!("the totals of {habit:?} for {month:?} cannot be read"),
            },
        }
    }

    /// The dates, ascending and distinct, on which `habit` was skipped.
    pub fn skipped_dates(&self, habit: &str) -> Result<Vec<Date>, StoreError> {
        let rows = self.query(
            SKIPPED_DATES,
            params![habit, Kind::Skipped.as_str()],
            |row| Ok((row.get::<_, String>(0)?, row.get(1)?)),
        )?;
        rows.into_iter()
            .map(|(date, id)| self.parse_date(&date, id))
            .collect()
    }

    /// The earliest date of `habit`'s events other than `reminded`,
    /// `missed` and `undelivered`: the day the user started tracking it.
    pub fn first_date(&self, habit: &str) -> Result<Option<Date>, StoreError> {
        let not = (
            Kind::Reminded.as_str(),
            Kind::Missed.as_str(),
            Kind::Undelivered.as_str(),
        );
        let rows = self.query(FIRST_DATE, params![habit, not.0, not.1, not.2], |row| {
            Ok((row.get::<_, String>(0)?, row.get(1)?))
        })?;
        rows.first()
            .map(|(date, id)| self.parse_date(date, *id))
            .transpose()
    }

    /// The most recently recorded `done` of `habit` (of any habit if `None`)
    /// that has not been taken back.
    pub fn last_undoable(&self, habit: Option<&str>) -> Result<Option<Event>, StoreError> {
        let events = match habit {
            None => self.query_events(LAST_UNDOABLE, [])?,
            Some(habit) => self.query_events(LAST_UNDOABLE_OF_HABIT, [habit])?,
        };
        Ok(events.into_iter().next())
    }

    /// For each habit, the latest instant of its `reminded`, `missed` and
    /// `undelivered` events: the daemon's per-habit cursor across restarts.
    pub fn last_reminded(&self) -> Result<HashMap<String, Timestamp>, StoreError> {
        let mut last: HashMap<String, Timestamp> = HashMap::new();
        for kind in [Kind::Reminded, Kind::Missed, Kind::Undelivered] {
            let rows = self.query(LAST_OF_KIND_PER_HABIT, [kind.as_str()], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?, row.get(2)?))
            })?;
            for (habit, at_ms, id) in rows {
                let at = Timestamp::from_millisecond(at_ms).map_err(|_| {
                    self.bad_event(id, format!("instant {at_ms} ms is out of range"))
                })?;
                let entry = last.entry(habit).or_insert(at);
                *entry = (*entry).max(at);
            }
        }
        Ok(last)
    }

    /// The diary entries of the nights from `night` on, not taken back:
    /// night by night, each night's in the order they happened.
    pub fn diary_from(&self, night: Date) -> Result<Vec<DiaryEntry>, StoreError> {
        let events = self.query_events(DIARY_SINCE, [night.to_string()])?;
        events.iter().filter_map(|e| self.diary_entry(e)).collect()
    }

    /// The diary entries of `night`, not taken back, in the order they
    /// happened.
    pub fn diary_of(&self, night: Date) -> Result<Vec<DiaryEntry>, StoreError> {
        let events = self.query_events(DIARY_OF_NIGHT, [night.to_string()])?;
        events.iter().filter_map(|e| self.diary_entry(e)).collect()
    }

    /// The most recently recorded diary entry not taken back, for `undo`.
    pub fn last_diary_entry(&self) -> Result<Option<DiaryEntry>, StoreError> {
        let events = self.query_events(LAST_DIARY_ENTRY, [])?;
        events
            .iter()
            .filter_map(|e| self.diary_entry(e))
            .next()
            .transpose()
    }

    /// `event` as a diary entry; `None` for other kinds, which the diary's
    /// queries never return.
    fn diary_entry(&self, event: &Event) -> Option<Result<DiaryEntry, StoreError>> {
        DiaryEntry::from_event(event)
            .map_err(|problem| self.bad_event(event.id, problem))
            .transpose()
    }

    /// The latest `paused` or `resumed` event, if any.
    pub fn last_pause_change(&self) -> Result<Option<Event>, StoreError> {
        let kinds = (Kind::Paused.as_str(), Kind::Resumed.as_str());
        let events = self.query_events(LAST_PAUSE_CHANGE, params![kinds.0, kinds.1])?;
        Ok(events.into_iter().next())
    }

    fn user_version(&self) -> Result<i64, StoreError> {
        self.conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(|e| sqlite_error(&self.path, e))
    }

    /// Applies the missing migrations, each in its own write transaction
    /// together with its `user_version` bump. The version is read again
    /// under the write lock, so processes opening a new database at once
    /// apply each step exactly once.
    fn migrate(&mut self) -> Result<(), StoreError> {
        let path = &self.path;
        loop {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| sqlite_error(path, e))?;
            let version: i64 = tx
                .pragma_query_value(None, "user_version", |row| row.get(0))
                .map_err(|e| sqlite_error(path, e))?;
            // Dropping `tx` on return rolls back what was only a read.
            let Some(step) = next_step(path, version)? else {
                return Ok(());
            };
            if version == 0 {
                // The first step creates the tables: a file that already
                // has some is not a new habitd history.
                let mut tables: Vec<String> = tx
                    .prepare(
                        "SELECT name FROM sqlite_schema
                         WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'
                         ORDER BY name",
                    )
                    .and_then(|mut names| names.query_map([], |row| row.get(0))?.collect())
                    .map_err(|e| sqlite_error(path, e))?;
                if !tables.is_empty() {
                    if tables.len() > 5 {
                        tables.truncate(5);
                        tables.push("…".to_string());
                    }
                    return Err(StoreError::Foreign {
                        path: path.clone(),
                        tables,
                    });
                }
            }
            tx.execute_batch(step)
                .and_then(|()| tx.pragma_update(None, "user_version", version + 1))
                .and_then(|()| tx.commit())
                .map_err(|e| sqlite_error(path, e))?;
        }
    }

    /// Runs `f` with the write lock held throughout (`BEGIN IMMEDIATE`,
    /// waiting up to the busy timeout), so that what it reads cannot change
    /// before what it appends is committed: a command's check of the
    /// history and its record are one transaction, and two processes cannot
    /// both pass the same check (two quiet nights, two undos of one
    /// completion). Nothing is kept unless `f` succeeds. On a history
    /// opened read-only `f` runs without the lock, and its first append says
    /// why it cannot write.
    pub fn atomically<T, E: From<StoreError>>(
        &mut self,
        f: impl FnOnce(&mut Store) -> Result<T, E>,
    ) -> Result<T, E> {
        if self.cannot_write.is_some() {
            return f(self);
        }
        self.conn
            .execute_batch("BEGIN IMMEDIATE")
            .map_err(|e| sqlite_error(&self.path, e))?;
        let outcome = f(self).and_then(|value| {
            self.conn
                .execute_batch("COMMIT")
                .map_err(|e| sqlite_error(&self.path, e).into())
                .map(|()| value)
        });
        // After an error SQLite may have rolled back already (a full disk).
        if outcome.is_err() && !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        outcome
    }

    /// Runs `f` in a `BEGIN IMMEDIATE` transaction: the write lock is taken
    /// up front (waiting up to the busy timeout), so a writer never fails
    /// halfway for want of upgrading a read lock. Nothing is kept unless
    /// everything succeeds. Within [`Store::atomically`], whose transaction
    /// holds the lock already, a savepoint.
    fn write<T>(
        &mut self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        if let Some(error) = self.cannot_write.take() {
            return Err(error);
        }
        if !self.conn.is_autocommit() {
            let savepoint = self
                .conn
                .savepoint()
                .map_err(|e| sqlite_error(&self.path, e))?;
            let value = f(&savepoint).map_err(|e| sqlite_error(&self.path, e))?;
            savepoint
                .commit()
                .map_err(|e| sqlite_error(&self.path, e))?;
            return Ok(value);
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| sqlite_error(&self.path, e))?;
        let value = f(&tx).map_err(|e| sqlite_error(&self.path, e))?;
        tx.commit().map_err(|e| sqlite_error(&self.path, e))?;
        Ok(value)
    }

    fn query<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        let run = || -> rusqlite::Result<Vec<T>> {
            let mut statement = self.conn.prepare_cached(sql)?;
            statement.query_map(params, map)?.collect()
        };
        run().map_err(|e| sqlite_error(&self.path, e))
    }

    fn query_events(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<Event>, StoreError> {
        let mut events = Vec::new();
        self.stream_events(sql, params, |event| {
            events.push(event);
            Ok::<_, StoreError>(())
        })?;
        Ok(events)
    }

    fn stream_events<E: From<StoreError>>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        mut visit: impl FnMut(Event) -> Result<(), E>,
    ) -> Result<(), E> {
        let fail = |e| sqlite_error(&self.path, e);
        let mut statement = self.conn.prepare_cached(sql).map_err(fail)?;
        let mut rows = statement.query(params).map_err(fail)?;
        while let Some(row) = rows.next().map_err(fail)? {
            let raw = RawEvent::from_row(row).map_err(fail)?;
            visit(
                raw.decode()
                    .map_err(|problem| self.bad_event(raw.id, problem))?,
            )?;
        }
        Ok(())
    }

    fn parse_date(&self, text: &str, id: i64) -> Result<Date, StoreError> {
        text.parse()
            .map_err(|_| self.bad_event(id, format!("invalid date {text:?}")))
    }

    fn bad_event(&self, id: i64, problem: String) -> StoreError {
        StoreError::BadEvent {
            path: self.path.clone(),
            id,
            problem,
        }
    }
}

/// The days of a `month_totals` row — `month` is `YYYY-MM`, `days`
/// `DD:total,…` — in date order, into `into` (emptied first); `None` if the
/// row cannot be read (a date that does not exist included).
fn unpack_month(month: &str, days: &str, into: &mut Vec<(Date, i64)>) -> Option<()> {
    into.clear();
    let (year, month) = month.split_once('-')?;
    let (year, month) = (year.parse().ok()?, month.parse().ok()?);
    // Taken apart byte by byte: a century of one habit is 36,500 days, and
    // searching for the `:` in each took more time than the rest of
    // `streaks` together.
    for day in days.as_bytes().split(|&byte| byte == b',') {
        let [tens @ b'0'..=b'3', ones @ b'0'..=b'9', b':', total @ ..] = day else {
            return None;
        };
        // Two digits, 39 at most: the cast keeps them whole.
        let day = ((tens - b'0') * 10 + (ones - b'0')) as i8;
        let total = std::str::from_utf8(total).ok()?.parse().ok()?;
        into.push((Date::new(year, month, day).ok()?, total));
    }
    // SQLite promises no order within group_concat (its ORDER BY needs 3.44
    // and more); the days come in order all the same, so this costs a look.
    into.sort_unstable_by_key(|&(date, _)| date);
    Some(())
}

/// A row as SQLite returns it, before the checks that can fail. Its text
/// is borrowed from SQLite's row: a century of history is read through
/// here, and copying out each column first was a good part of the cost.
struct RawEvent<'r> {
    id: i64,
    at_ms: i64,
    date: &'r str,
    habit: Option<&'r str>,
    kind: &'r str,
    amount: Option<i64>,
    until_ms: Option<i64>,
    target: Option<i64>,
    source: &'r str,
    data: Option<&'r str>,
    origin: Option<&'r str>,
}

impl<'r> RawEvent<'r> {
    /// Reads the columns of `select_events!`. The table is `STRICT`, so the types
    /// match unless the file itself is damaged.
    fn from_row(row: &'r Row<'_>) -> rusqlite::Result<RawEvent<'r>> {
        let text = |column| -> rusqlite::Result<&'r str> { Ok(row.get_ref(column)?.as_str()?) };
        Ok(RawEvent {
            id: row.get(0)?,
            at_ms: row.get(1)?,
            date: text(2)?,
            habit: row.get_ref(3)?.as_str_or_null()?,
            kind: text(4)?,
            amount: row.get(5)?,
            until_ms: row.get(6)?,
            target: row.get(7)?,
            source: text(8)?,
            data: row.get_ref(9)?.as_str_or_null()?,
            origin: row.get_ref(10)?.as_str_or_null()?,
        })
    }

    /// The event, or what is wrong with the row. Never panics: anything a
    /// hand-edited database can hold ends up here as an error. A cramp's
    /// details are checked here too, so that every reader (`log` as much as
    /// the diary) refuses the same rows.
    fn decode(&self) -> Result<Event, String> {
        let instant = |ms: i64| {
            Timestamp::from_millisecond(ms).map_err(|_| format!("instant {ms} ms is out of range"))
        };
        let event = NewEvent {
            at: instant(self.at_ms)?,
            date: self
                .date
                .parse()
                .map_err(|_| format!("invalid date {:?}", self.date))?,
            habit: self.habit.map(str::to_string),
            kind: Kind::parse(self.kind).ok_or_else(|| format!("unknown kind {:?}", self.kind))?,
            amount: self.amount,
            until: self.until_ms.map(instant).transpose()?,
            target: self.target,
            source: Source::parse(self.source)
                .ok_or_else(|| format!("unknown source {:?}", self.source))?,
            data: self.data.map(str::to_string),
        };
        if event.kind == Kind::Cramp {
            Episode::from_json(self.data)?;
        }
        Ok(Event {
            id: self.id,
            event,
            origin: self.origin.map(str::to_string),
        })
    }
}

/// The migration that takes a database at schema version `found` one step
/// further, `None` if it is up to date, or why this habitd cannot use it.
fn next_step(path: &Path, found: i64) -> Result<Option<&'static str>, StoreError> {
    match usize::try_from(found) {
        Ok(n) if n == MIGRATIONS.len() => Ok(None),
        Ok(n) => MIGRATIONS
            .get(n)
            .map(|step| Some(*step))
            .ok_or_else(|| StoreError::TooNew {
                path: path.to_path_buf(),
                found,
                supported: SCHEMA_VERSION,
            }),
        Err(_) => Err(StoreError::Corrupt {
            path: path.to_path_buf(),
            detail: format!("negative schema version {found}"),
        }),
    }
}

/// Creates `path`'s directory (`0700`, parents included) and the empty file
/// (`0600`) if missing, so the history is never readable by others, not even
/// for a moment. SQLite takes an empty file as a new database. The directory
/// and an existing file must be trusted (see [`crate::ownership`]).
fn create_file(path: &Path) -> Result<(), StoreError> {
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|source| match not_a_directory(dir) {
                Some(file) => StoreError::NotADirectory {
                    path: path.to_path_buf(),
                    file,
                },
                None => StoreError::Create {
                    path: dir.to_path_buf(),
                    source,
                },
            })?;
        let beside = ownership::Beside::FixedNames;
        if let Some(reason) = ownership::untrusted_directory(dir, path, beside) {
            return Err(StoreError::Untrusted {
                path: path.to_path_buf(),
                reason,
            });
        }
    }
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            match ownership::untrusted_file(path, ownership::Beside::FixedNames) {
                Some(reason) => Err(StoreError::Untrusted {
                    path: path.to_path_buf(),
                    reason,
                }),
                None => Ok(()),
            }
        }
        // Not even the way to it is open: say where it is blocked.
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied && unsearchable(path).is_some() => {
            Err(path_error(path, e))
        }
        Err(source) => Err(StoreError::Create {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// The deepest existing one of `dir` and the directories above it, if it
/// is not a directory: the file in the way of the history's directory.
fn not_a_directory(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find_map(|p| std::fs::metadata(p).ok().map(|meta| (p, meta)))
        .filter(|(_, meta)| !meta.is_dir())
        .map(|(p, _)| p.to_path_buf())
}

/// Why the history at `path` cannot be looked at, from the error `error`
/// met doing so.
fn path_error(path: &Path, error: io::Error) -> StoreError {
    if let Some(file) = path.parent().and_then(not_a_directory) {
        return StoreError::NotADirectory {
            path: path.to_path_buf(),
            file,
        };
    }
    let reason = match error.kind() {
        io::ErrorKind::PermissionDenied => match unsearchable(path) {
            Some(dir) => format!(
                "you may not enter {} (mode {:04o})",
                dir.display(),
                mode_of(&dir).unwrap_or(0)
            ),
            None => "permission denied".to_string(),
        },
        _ => error.to_string(),
    };
    StoreError::CannotOpen {
        path: path.to_path_buf(),
        reason,
    }
}

/// The highest directory above `path` this process may not enter.
fn unsearchable(path: &Path) -> Option<PathBuf> {
    let mut ancestors: Vec<&Path> = path.ancestors().skip(1).collect();
    ancestors.reverse();
    ancestors
        .into_iter()
        .filter(|dir| !dir.as_os_str().is_empty())
        .find(|dir| rustix::fs::access(*dir, rustix::fs::Access::EXEC_OK).is_err())
        .map(Path::to_path_buf)
}

fn mode_of(path: &Path) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| m.mode() & 0o7777)
}

/// The directory holding `path` (`.` for a bare file name).
fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// `path` with `suffix` appended to its file name: `habitd.db-wal`.
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Whether a `-wal` with content lies beside the database: then the
/// database file alone is not the whole history.
fn has_wal(path: &Path) -> bool {
    std::fs::metadata(beside(path, "-wal")).is_ok_and(|meta| meta.len() > 0)
}

/// Whether SQLite failed for want of a `-shm` file it could not create.
fn lacks_shm(error: &rusqlite::Error) -> bool {
    use rusqlite::ffi;
    match error {
        rusqlite::Error::SqliteFailure(e, _) => {
            e.code == ErrorCode::CannotOpen
                || matches!(
                    e.extended_code,
                    ffi::SQLITE_IOERR_SHMOPEN
                        | ffi::SQLITE_IOERR_SHMSIZE
                        | ffi::SQLITE_IOERR_SHMMAP
                        | ffi::SQLITE_READONLY_CANTINIT
                        | ffi::SQLITE_READONLY_DIRECTORY
                )
        }
        _ => false,
    }
}

/// A `file:` URI opening `path` read-only and immutable. Every byte but
/// the unreserved ones and `/` is percent-encoded, so no part of the path
/// can be taken for a query parameter.
pub(crate) fn immutable_uri(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut uri = String::from("file:");
    for &byte in path.as_os_str().as_bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri.push_str("?mode=ro&immutable=1");
    uri
}

/// WAL cannot be enabled on some file systems (no shared memory); SQLite
/// then keeps its rollback journal, which is as safe, only slower with
/// concurrent readers. Worth a log line, not a failure.
fn log_if_not_wal(path: &Path, mode: &str) {
    if !mode.eq_ignore_ascii_case("wal") {
        log::warn!("{}: journal mode is {mode}, not wal", path.display());
    }
}

/// Sorts SQLite's failure into what the user can do about it. Where
/// SQLite's words are vague ("unable to open database file", "disk I/O
/// error"), the file system is asked what is in the way.
fn sqlite_error(path: &Path, error: rusqlite::Error) -> StoreError {
    let path_buf = path.to_path_buf();
    match error.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            StoreError::Locked { path: path_buf }
        }
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => StoreError::Corrupt {
            path: path_buf,
            detail: error.to_string(),
        },
        Some(ErrorCode::ReadOnly | ErrorCode::PermissionDenied) => StoreError::ReadOnly {
            path: path_buf,
            reason: why_read_only(path),
        },
        Some(ErrorCode::DiskFull) => StoreError::Full { path: path_buf },
        Some(ErrorCode::CannotOpen) => why_cannot_open(path),
        Some(ErrorCode::SystemIoFailure) if disk_is_full(path) => {
            StoreError::Full { path: path_buf }
        }
        Some(ErrorCode::SystemIoFailure) => {
            let code = match &error {
                rusqlite::Error::SqliteFailure(e, _) => e.extended_code,
                _ => rusqlite::ffi::SQLITE_IOERR,
            };
            StoreError::Io {
                path: path_buf,
                what: io_failure(code),
                code,
            }
        }
        _ => StoreError::Sqlite {
            path: path_buf,
            source: error,
        },
    }
}

/// What SQLite's I/O error `code` (an extended result code) means, in
/// words. SQLite reports a full disk as SQLITE_FULL only for writes to the
/// database and its WAL; growing the `-shm` file on a full disk gives
/// SQLITE_IOERR_SHMSIZE (4874), and a write refused for a quota gives
/// SQLITE_IOERR_WRITE. A (nearly) full disk is recognised before this is
/// asked; these words are for the rest.
fn io_failure(code: i32) -> &'static str {
    use rusqlite::ffi;
    match code {
        ffi::SQLITE_IOERR_READ | ffi::SQLITE_IOERR_SHORT_READ => "reading the database failed",
        ffi::SQLITE_IOERR_WRITE => {
            "writing the database failed, usually because a disk quota is used up or the disk is full"
        }
        ffi::SQLITE_IOERR_FSYNC | ffi::SQLITE_IOERR_DIR_FSYNC => {
            "flushing the database to the disk failed"
        }
        ffi::SQLITE_IOERR_TRUNCATE => "truncating the database failed",
        ffi::SQLITE_IOERR_SHMOPEN => "creating the database's shared-memory file (-shm) failed",
        ffi::SQLITE_IOERR_SHMSIZE => {
            "growing the database's shared-memory file (-shm) failed, usually because the disk is full"
        }
        ffi::SQLITE_IOERR_SHMMAP => "mapping the database's shared-memory file (-shm) failed",
        ffi::SQLITE_IOERR_LOCK
        | ffi::SQLITE_IOERR_RDLOCK
        | ffi::SQLITE_IOERR_UNLOCK
        | ffi::SQLITE_IOERR_SHMLOCK
        | ffi::SQLITE_IOERR_CHECKRESERVEDLOCK => {
            "locking the database failed (file locks may not work on this file system)"
        }
        ffi::SQLITE_IOERR_DELETE => "removing a journal file beside the database failed",
        ffi::SQLITE_IOERR_NOMEM => "the system ran out of memory",
        _ => "reading or writing the database failed",
    }
}

/// Whether the file system holding `path` has (almost) no room left for
/// this process: less than a megabyte, counting the blocks reserved for
/// root only for root.
fn disk_is_full(path: &Path) -> bool {
    const NEARLY_FULL: u64 = 1 << 20;
    let Ok(fs) = rustix::fs::statvfs(directory_of(path)) else {
        return false;
    };
    let blocks = if rustix::process::geteuid().is_root() {
        fs.f_bfree
    } else {
        fs.f_bavail
    };
    blocks.saturating_mul(fs.f_frsize) < NEARLY_FULL
}

/// Why the directory `dir` cannot be written, in words, with the fix if it
/// is the user's to make; `None` if it can be.
fn directory_read_only(dir: &Path) -> Option<String> {
    use rustix::fs::{Access, StatVfsMountFlags, access, statvfs};
    if statvfs(dir).is_ok_and(|fs| fs.f_flag.contains(StatVfsMountFlags::RDONLY)) {
        return Some(format!(
            "{} is on a file system mounted read-only",
            dir.display()
        ));
    }
    access(dir, Access::WRITE_OK).err()?;
    let mine = std::fs::metadata(dir).is_ok_and(|meta| {
        use std::os::unix::fs::MetadataExt;
        meta.uid() == rustix::process::geteuid().as_raw()
    });
    let fix = if mine {
        format!("; fix it with `chmod u+w {}`", dir.display())
    } else {
        String::new()
    };
    Some(format!(
        "{} is read-only for you (mode {:04o}){fix}",
        dir.display(),
        mode_of(dir).unwrap_or(0)
    ))
}

/// What keeps the history at `path` from being written, in words.
fn why_read_only(path: &Path) -> String {
    use rustix::fs::{Access, access};
    let dir = directory_of(path);
    let files = format!(
        "{} and {}",
        file_name(&beside(path, "-wal")),
        file_name(&beside(path, "-shm"))
    );
    match directory_read_only(dir) {
        Some(problem) if problem.contains("mounted read-only") => {
            format!("its directory {problem}")
        }
        _ if access(path, Access::WRITE_OK).is_err() => format!(
            "the file's mode is {:04o}; fix it with `chmod u+w {}`",
            mode_of(path).unwrap_or(0),
            path.display()
        ),
        Some(problem) => {
            format!("SQLite must create {files} beside it, but its directory {problem}")
        }
        None => "it was opened read-only; check that you may write to it and to its directory"
            .to_string(),
    }
}

/// Why SQLite could not open the history at `path`.
fn why_cannot_open(path: &Path) -> StoreError {
    use rustix::fs::{Access, access};
    let cannot_open = |reason: String| StoreError::CannotOpen {
        path: path.to_path_buf(),
        reason,
    };
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) => return path_error(path, e),
    };
    if meta.is_dir() {
        return cannot_open(format!(
            "it is a directory, not a database file; move it aside (e.g. `mv {0} {0}.old`)",
            path.display()
        ));
    }
    if access(path, Access::READ_OK).is_err() {
        return cannot_open(format!(
            "the file's mode is {:04o}, so you may not read it; fix it with `chmod u+rw {}`",
            mode_of(path).unwrap_or(0),
            path.display()
        ));
    }
    let shm = beside(path, "-shm");
    if !shm.exists()
        && let Some(problem) = directory_read_only(directory_of(path))
    {
        return cannot_open(format!(
            "SQLite must create {} beside it to open it, but its directory {problem}",
            file_name(&shm)
        ));
    }
    cannot_open("check that it is a file you may read and write".to_string())
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashSet};
    use std::os::unix::fs::PermissionsExt;
    use std::sync::{Arc, Barrier};

    use proptest::prelude::*;

    use super::*;

    fn date(text: &str) -> Date {
        text.parse().unwrap()
    }

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    /// A `kind` event of `habit` at noon UTC on `day`, from the CLI.
    fn event(habit: Option<&str>, kind: Kind, day: &str) -> NewEvent {
        NewEvent::new(
            ts(&format!("{day}T12:00:00Z")),
            date(day),
            habit,
            kind,
            Source::Cli,
        )
    }

    fn done(habit: &str, day: &str, amount: i64) -> NewEvent {
        NewEvent {
            amount: Some(amount),
            ..event(Some(habit), Kind::Done, day)
        }
    }

    fn undone(habit: &str, day: &str, target: i64) -> NewEvent {
        NewEvent {
            target: Some(target),
            ..event(Some(habit), Kind::Undone, day)
        }
    }

    fn reminded(habit: &str, kind: Kind, at: &str) -> NewEvent {
        let at = ts(at);
        NewEvent {
            at,
            date: at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date(),
            source: Source::Daemon,
            ..event(Some(habit), kind, "2000-01-01")
        }
    }

    fn temp_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("habitd.db")).unwrap();
        (dir, store)
    }

    fn raw(path: &Path) -> Connection {
        Connection::open(path).unwrap()
    }

    #[test]
    fn default_path_is_under_data_home() {
        if let Some(path) = Store::default_path() {
            assert!(path.ends_with("habitd/habitd.db"), "{}", path.display());
        }
    }

    #[test]
    fn every_field_round_trips() {
        let (_dir, mut store) = temp_store();
        let sources = Source::ALL.into_iter().cycle();
        let events: Vec<NewEvent> = Kind::ALL
            .into_iter()
            .zip(sources)
            .enumerate()
            .map(|(i, (kind, source))| NewEvent {
                // Millisecond precision is what is kept.
                at: ts("2024-03-10T06:59:59.123Z") + jiff::SignedDuration::from_millis(i as i64),
                date: date("2024-03-09"),
                habit: Some(format!("habit \"{i}\" ü")),
                kind,
                amount: Some(-3 + i as i64),
                until: Some(ts("2024-03-11T00:00:00.999Z")),
                target: Some(i as i64 * 1000),
                source,
                // JSON of any shape is kept; a cramp's must be an episode.
                data: Some(match kind {
                    Kind::Cramp => Episode {
                        minutes: Some(9),
                        note: Some("ü \"x\"\n".to_string()),
                        ..Episode::default()
                    }
                    .to_json(),
                    _ => format!("{{\"n\":[{i},\"ü\"]}}"),
                }),
            })
            .chain([
                event(None, Kind::Paused, "1970-01-01"),
                event(None, Kind::Resumed, "9999-12-30"),
            ])
            .collect();
        let ids = store.append_all(&events).unwrap();
        let stored = store.events(None, None).unwrap();
        let expected: Vec<Event> = ids
            .iter()
            .zip(&events)
            .map(|(&id, event)| Event {
                id,
                event: event.clone(),
                origin: None,
            })
            .collect();
        assert_eq!(stored, expected);
    }

    #[test]
    fn ids_increase_in_recording_order() {
        let (_dir, mut store) = temp_store();
        // Recorded out of date order: ids follow recording, not dates.
        let days = ["2024-05-03", "2024-05-01", "2024-05-02", "2024-05-01"];
        let ids: Vec<i64> = days
            .iter()
            .map(|day| store.append(&done("walk", day, 1)).unwrap())
            .collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
        let stored: Vec<i64> = store
            .events(None, None)
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(stored, ids);
    }

    #[test]
    fn append_all_writes_nothing_if_one_event_fails() {
        let (_dir, mut store) = temp_store();
        // jiff allows negative years; the schema's date CHECK does not.
        let bad = done("walk", "2024-05-01", 1);
        let bad = NewEvent {
            date: Date::new(-1, 5, 1).unwrap(),
            ..bad
        };
        let batch = [
            done("walk", "2024-05-01", 1),
            bad,
            done("walk", "2024-05-02", 1),
        ];
        let error = store.append_all(&batch).unwrap_err();
        match &error {
            StoreError::Sqlite { source, .. } => {
                assert_eq!(
                    source.sqlite_error_code(),
                    Some(ErrorCode::ConstraintViolation)
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(store.events(None, None).unwrap(), []);
        // The connection is usable afterwards: the transaction was rolled back.
        store.append(&batch[0]).unwrap();
        assert_eq!(store.events(None, None).unwrap().len(), 1);
    }

    #[test]
    fn daily_totals_leave_out_undone_events() {
        let (_dir, mut store) = temp_store();
        store.append(&done("walk", "2024-05-02", 5)).unwrap();
        store.append(&done("walk", "2024-05-01", 2)).unwrap();
        let three = store.append(&done("walk", "2024-05-01", 3)).unwrap();
        let gone = store.append(&done("walk", "2024-05-03", 4)).unwrap();
        store.append(&undone("walk", "2024-05-04", three)).unwrap();
        store.append(&undone("walk", "2024-05-04", gone)).unwrap();
        // Undoing twice takes back nothing more.
        store.append(&undone("walk", "2024-05-04", gone)).unwrap();
        store.append(&done("read", "2024-05-01", 30)).unwrap();
        // A `done` without an amount counts 0, as in the plan.
        store
            .append(&event(Some("walk"), Kind::Done, "2024-05-05"))
            .unwrap();
        store
            .append(&event(Some("walk"), Kind::Skipped, "2024-05-06"))
            .unwrap();
        assert_eq!(
            store.daily_totals("walk").unwrap(),
            [
                (date("2024-05-01"), 2),
                (date("2024-05-02"), 5),
                (date("2024-05-05"), 0)
            ]
        );
        assert_eq!(
            store.daily_totals("read").unwrap(),
            [(date("2024-05-01"), 30)]
        );
        assert_eq!(store.daily_totals("swim").unwrap(), []);
    }

    /// Per habit and date, the `done` total as schema version 1 computed it
    /// on every read; kept verbatim as the reference the `month_totals`
    /// table must agree with.
    const V1_TOTALS: &str = "
        SELECT habit, date, COALESCE(SUM(amount), 0) FROM events AS d
        WHERE habit IS NOT NULL AND d.kind = 'done'
          AND NOT EXISTS (SELECT 1 FROM events AS u WHERE u.kind = 'undone' AND u.target = d.id)
        GROUP BY habit, date ORDER BY habit, date";

    type Totals = Vec<(String, String, i64)>;

    fn v1_totals(conn: &Connection) -> Totals {
        let mut statement = conn.prepare(V1_TOTALS).unwrap();
        statement
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    /// What `month_totals` holds, a row a day.
    fn kept_totals(conn: &Connection) -> Totals {
        let mut statement = conn
            .prepare("SELECT habit, month, days FROM month_totals ORDER BY habit, month")
            .unwrap();
        let rows: Vec<(String, String, String)> = statement
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut totals = Vec::new();
        let mut unpacked = Vec::new();
        for (habit, month, days) in rows {
            unpack_month(&month, &days, &mut unpacked).unwrap();
            for (day, total) in &unpacked {
                totals.push((habit.clone(), day.to_string(), *total));
            }
        }
        totals
    }

    /// The rule once more, in Rust and independently of SQL: a `done`
    /// counts unless an `undone` names it.
    fn model_totals(events: &[Event]) -> Totals {
        let taken_back: HashSet<i64> = events
            .iter()
            .filter(|e| e.kind == Kind::Undone)
            .filter_map(|e| e.target)
            .collect();
        let mut totals: BTreeMap<(String, String), i64> = BTreeMap::new();
        for e in events {
            if let (Kind::Done, Some(habit)) = (e.kind, &e.habit)
                && !taken_back.contains(&e.id)
            {
                *totals
                    .entry((habit.clone(), e.date.to_string()))
                    .or_default() += e.amount.unwrap_or(0);
            }
        }
        totals
            .into_iter()
            .map(|((habit, date), total)| (habit, date, total))
            .collect()
    }

    /// A step of a random history: an event recorded, or a hand edit.
    #[derive(Clone, Debug)]
    enum Step {
        Record {
            kind: Kind,
            habit: Option<&'static str>,
            day: u8,
            amount: Option<i64>,
            /// Picks the target among the ids so far and two beyond them.
            target: Option<u16>,
        },
        Delete {
            nth: u16,
        },
        Redate {
            nth: u16,
            day: u8,
        },
        Retarget {
            nth: u16,
            target: u16,
        },
    }

    fn day_of(day: u8) -> String {
        format!("2024-05-0{}", 1 + day % 4)
    }

    fn step_strategy() -> impl Strategy<Value = Step> {
        let habit = prop::sample::select(vec![Some("a"), Some("b"), None]);
        let kind = prop::sample::select(vec![Kind::Done, Kind::Undone, Kind::Skipped]);
        prop_oneof![
            8 => (kind, habit, 0u8..4, prop::option::of(-3i64..10), prop::option::of(any::<u16>()))
                .prop_map(|(kind, habit, day, amount, target)| Step::Record {
                    kind, habit, day, amount, target,
                }),
            1 => any::<u16>().prop_map(|nth| Step::Delete { nth }),
            1 => (any::<u16>(), 0u8..4).prop_map(|(nth, day)| Step::Redate { nth, day }),
            1 => (any::<u16>(), any::<u16>()).prop_map(|(nth, target)| Step::Retarget { nth, target }),
        ]
    }

    /// Carries out `steps` on `conn` by plain SQL, as a hand edit (or, on
    /// the current schema, `append`) would.
    fn take_steps(conn: &Connection, steps: &[Step]) {
        let ids = || -> Vec<i64> {
            let mut statement = conn.prepare("SELECT id FROM events ORDER BY id").unwrap();
            statement
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        let pick = |ids: &[i64], n: u16| ids.get(usize::from(n) % ids.len().max(1)).copied();
        for step in steps {
            let ids = ids();
            let next = conn
                .query_row(
                    "SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence",
                    [],
                    |r| r.get::<_, i64>(0),
                )
                .unwrap_or(0);
            match step {
                Step::Record {
                    kind,
                    habit,
                    day,
                    amount,
                    target,
                } => {
                    let target = target.map(|t| i64::from(t) % (next + 3) + 1);
                    conn.execute(
                        INSERT.replace("RETURNING id", "").as_str(),
                        params![
                            0,
                            day_of(*day),
                            habit,
                            kind.as_str(),
                            amount,
                            None::<i64>,
                            target,
                            "cli",
                            None::<String>
                        ],
                    )
                    .unwrap();
                }
                Step::Delete { nth } => {
                    if let Some(id) = pick(&ids, *nth) {
                        conn.execute("DELETE FROM events WHERE id = ?1", [id])
                            .unwrap();
                    }
                }
                Step::Redate { nth, day } => {
                    if let Some(id) = pick(&ids, *nth) {
                        conn.execute(
                            "UPDATE events SET date = ?2 WHERE id = ?1",
                            params![id, day_of(*day)],
                        )
                        .unwrap();
                    }
                }
                Step::Retarget { nth, target } => {
                    if let Some(id) = pick(&ids, *nth) {
                        let target = i64::from(*target) % (next + 3) + 1;
                        conn.execute(
                            "UPDATE events SET target = ?2 WHERE id = ?1",
                            params![id, target],
                        )
                        .unwrap();
                    }
                }
            }
        }
    }

    /// A database at schema version 1, from before `month_totals`.
    fn v1_database(path: &Path) -> Connection {
        let conn = raw(path);
        // Each step is a commit: without fsyncs, a hundred cases take a second.
        conn.pragma_update(None, "synchronous", "OFF").unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Whatever was recorded — `undone`s of other habits' or dates'
        /// events, twice, of events not yet recorded, of `undone`s — and
        /// whatever was edited by hand, before the migration or after it,
        /// the kept totals are what the rule adds up to.
        #[test]
        fn day_totals_are_what_the_rule_adds_up_to(
            before in prop::collection::vec(step_strategy(), 0..25),
            after in prop::collection::vec(step_strategy(), 0..25),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("habitd.db");
            take_steps(&v1_database(&path), &before);
            let store = Store::open(&path).unwrap();
            prop_assert_eq!(store.user_version().unwrap(), SCHEMA_VERSION);
            take_steps(&store.conn, &after);

            let kept = kept_totals(&store.conn);
            prop_assert_eq!(&kept, &v1_totals(&store.conn));
            let model = model_totals(&store.events(None, None).unwrap());
            prop_assert_eq!(&kept, &model);
            // And what the store hands out.
            for habit in ["a", "b"] {
                let expected: Vec<(Date, i64)> = model
                    .iter()
                    .filter(|t| t.0 == habit)
                    .map(|t| (date(&t.1), t.2))
                    .collect();
                prop_assert_eq!(store.daily_totals(habit).unwrap(), expected);
            }
            let mut since = store.totals_since(date("2024-05-03")).unwrap();
            since.sort();
            let expected: Vec<(String, Date, i64)> = model
                .iter()
                .filter(|t| t.1.as_str() >= "2024-05-03")
                .map(|t| (t.0.clone(), date(&t.1), t.2))
                .collect();
            prop_assert_eq!(since, expected);
        }
    }

    #[test]
    fn month_rows_are_read_or_refused_whole() {
        let mut days = Vec::new();
        let read = |month: &str, text: &str, days: &mut Vec<(Date, i64)>| {
            unpack_month(month, text, days).map(|()| days.clone())
        };
        assert_eq!(
            read("2024-02", "29:-3,01:0,10:9223372036854775807", &mut days),
            Some(vec![
                (date("2024-02-01"), 0),
                (date("2024-02-10"), i64::MAX),
                (date("2024-02-29"), -3),
            ])
        );
        for (month, text) in [
            ("2023-02", "29:1"),
            ("2024-02", "1:1"),
            ("2024-02", "01:"),
            ("2024-02", "01:1,"),
            ("2024-02", "01;1"),
            ("2024-02", "01:1x"),
            ("2024-13", "01:1"),
            ("202402", "01:1"),
            ("2024-02", ""),
        ] {
            assert_eq!(read(month, text, &mut days), None, "{month} {text:?}");
        }
    }

    #[test]
    fn the_migration_adds_up_the_history_so_far() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("habitd.db");
        let conn = v1_database(&path);
        conn.execute_batch(
            "INSERT INTO events (id, at_ms, date, habit, kind, amount, target, source) VALUES
                (1, 0, '2024-05-01', 'walk', 'done', 20, NULL, 'cli'),
                (2, 0, '2024-05-01', 'walk', 'done', 5, NULL, 'cli'),
                (3, 0, '2024-05-02', 'walk', 'done', 30, NULL, 'cli'),
                (4, 0, '2024-05-03', 'walk', 'undone', 5, 2, 'cli'),
                (5, 0, '2024-05-03', 'walk', 'undone', 5, 2, 'cli'),
                (6, 0, '2024-05-03', 'read', 'undone', 30, 3, 'cli'),
                (7, 0, '2024-05-04', 'read', 'done', NULL, NULL, 'cli');",
        )
        .unwrap();
        drop(conn);
        let mut store = Store::open(&path).unwrap();
        assert_eq!(
            store.daily_totals("walk").unwrap(),
            [(date("2024-05-01"), 20)]
        );
        assert_eq!(
            store.daily_totals("read").unwrap(),
            [(date("2024-05-04"), 0)]
        );
        // And kept from then on.
        store.append(&done("walk", "2024-05-01", 1)).unwrap();
        store.append(&undone("walk", "2024-05-01", 1)).unwrap();
        assert_eq!(
            store.daily_totals("walk").unwrap(),
            [(date("2024-05-01"), 1)]
        );
    }

    #[test]
    fn the_schema_spells_kinds_as_the_code_does() {
        // The view and the triggers cannot bind `Kind::as_str`.
        assert_eq!(Kind::Done.as_str(), "done");
        assert_eq!(Kind::Undone.as_str(), "undone");
        assert!(MIGRATIONS[1].contains("kind = 'done'"));
        assert!(MIGRATIONS[1].contains("kind = 'undone'"));
        // The newest CHECKs name every kind and source, and the diary's
        // view and index its two kinds.
        let newest = MIGRATIONS
            .iter()
            .rev()
            .find(|step| step.contains("CHECK (kind IN"))
            .unwrap();
        for kind in Kind::ALL {
            assert!(newest.contains(&format!("'{}'", kind.as_str())), "{kind:?}");
        }
        for source in Source::ALL {
            assert!(
                newest.contains(&format!("'{}'", source.as_str())),
                "{source:?}"
            );
        }
        let diary: Vec<&str> = Kind::ALL
            .into_iter()
            .filter(|k| k.is_diary())
            .map(Kind::as_str)
            .collect();
        assert_eq!(diary, ["cramp", "no_cramps"]);
        assert_eq!(
            newest
                .matches("WHERE kind IN ('cramp', 'no_cramps')")
                .count(),
            2
        );
    }

    #[test]
    fn the_sync_migration_gives_a_device_id_and_keeps_every_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("habitd.db");
        let conn = v2_database(&path);
        conn.execute_batch(MIGRATIONS[2]).unwrap();
        conn.pragma_update(None, "user_version", 3).unwrap();
        conn.execute_batch(
            "INSERT INTO events (id, at_ms, date, habit, kind, amount, target, source) VALUES
                (1, 1000, '2024-05-01', 'water', 'done', 2, NULL, 'cli'),
                (2, 2000, '2024-05-01', 'water', 'reminded', NULL, NULL, 'daemon'),
                (3, 3000, '2024-05-01', 'water', 'undone', 2, 1, 'cli'),
                (4, 4000, '2024-05-02', 'water', 'done', 1, NULL, 'cli');",
        )
        .unwrap();
        let rows = all_rows(&conn);
        drop(conn);

        let store = Store::open(&path).unwrap();
        assert_eq!(all_rows(&raw(&path)), rows, "every event, with its id");
        let device = store.device_id().unwrap();
        assert_eq!(
            Store::open(&path).unwrap().device_id().unwrap(),
            device,
            "made once"
        );
        // Global ids are this device's and the old ids; the old `undone`
        // still names its target, and reminders are not shared.
        let shared: Vec<(String, Option<String>)> = store
            .shared_since(0, 100)
            .unwrap()
            .0
            .iter()
            .map(|e| (e.id.to_string(), e.target.as_ref().map(ToString::to_string)))
            .collect();
        assert_eq!(
            shared,
            [
                (format!("{device}:1"), None),
                (format!("{device}:3"), Some(format!("{device}:1"))),
                (format!("{device}:4"), None),
            ]
        );
        assert_eq!(
            store.daily_totals("water").unwrap(),
            [(date("2024-05-02"), 1)]
        );
        let other = tempfile::tempdir().unwrap();
        let second = Store::open(&other.path().join("habitd.db")).unwrap();
        assert_ne!(
            second.device_id().unwrap(),
            device,
            "each history its own id"
        );
    }

    /// A database at schema step 2, as habitd left it before the diary.
    fn v2_database(path: &Path) -> Connection {
        let conn = v1_database(path);
        conn.execute_batch(MIGRATIONS[1]).unwrap();
        conn.pragma_update(None, "user_version", 2).unwrap();
        conn
    }

    /// Every entry of `sqlite_schema` but SQLite's own: (type, name, table, sql).
    fn schema_entries(conn: &Connection) -> Vec<(String, String, String, Option<String>)> {
        conn.prepare(
            "SELECT type, name, tbl_name, sql FROM sqlite_schema
             WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
    }

    /// `PRAGMA index_list` of `table`, each index with its columns and
    /// whether it is unique and partial.
    fn indexes(conn: &Connection, table: &str) -> Vec<(String, bool, bool, Vec<String>)> {
        let list: Vec<(String, bool, bool)> = conn
            .prepare(&format!("PRAGMA index_list({table})"))
            .unwrap()
            .query_map([], |r| Ok((r.get(1)?, r.get(2)?, r.get(4)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut all: Vec<_> = list
            .into_iter()
            .map(|(name, unique, partial)| {
                let columns = conn
                    .prepare(&format!("PRAGMA index_info({name})"))
                    .unwrap()
                    .query_map([], |r| r.get(2))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                (name, unique, partial, columns)
            })
            .collect();
        all.sort();
        all
    }

    type Row10 = (
        i64,
        i64,
        String,
        Option<String>,
        String,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        String,
        Option<String>,
    );

    fn all_rows(conn: &Connection) -> Vec<Row10> {
        conn.prepare(
            "SELECT id, at_ms, date, habit, kind, amount, until_ms, target, source, data
             FROM events ORDER BY id",
        )
        .unwrap()
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    }

    fn sequence(conn: &Connection) -> i64 {
        conn.query_row(
            "SELECT seq FROM sqlite_sequence WHERE name = 'events'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    }

    #[test]
    fn the_diary_migration_keeps_every_event_total_index_and_trigger() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("habitd.db");
        let conn = v2_database(&path);
        conn.execute_batch(
            "INSERT INTO events (id, at_ms, date, habit, kind, amount, until_ms, target, source, data) VALUES
                (1, 1000, '2024-05-01', 'walk', 'done', 20, NULL, NULL, 'cli', NULL),
                (2, 2000, '2024-05-01', 'walk', 'done', 5, NULL, NULL, 'notification', NULL),
                (3, 3000, '2024-05-02', 'walk', 'done', 30, NULL, NULL, 'dbus', NULL),
                (4, 4000, '2024-05-03', 'walk', 'undone', 5, NULL, 2, 'cli', NULL),
                (5, 5000, '2024-06-04', 'water', 'done', 3, NULL, NULL, 'cli', NULL),
                (6, 6000, '2024-06-04', 'water', 'reminded', NULL, NULL, NULL, 'daemon', NULL),
                (7, 7000, '2024-06-05', NULL, 'paused', NULL, 9000, NULL, 'cli', '{\"kept\":true}'),
                (8, 8000, '2024-06-05', 'water', 'skipped', NULL, NULL, NULL, 'cli', NULL),
                (9, 9000, '2024-06-06', 'water', 'done', 1, NULL, NULL, 'cli', NULL);
             -- The latest event removed by hand: its id must never come back.
             DELETE FROM events WHERE id = 9;",
        )
        .unwrap();
        let rows = all_rows(&conn);
        let totals = kept_totals(&conn);
        let schema = schema_entries(&conn);
        let indexes_before = indexes(&conn, "events");
        assert_eq!(sequence(&conn), 9);
        drop(conn);

        let mut store = Store::open(&path).unwrap();
        assert_eq!(store.user_version().unwrap(), SCHEMA_VERSION);
        let conn = raw(&path);
        assert_eq!(all_rows(&conn), rows, "every event, with its id");
        assert_eq!(kept_totals(&conn), totals, "month_totals as they were");
        assert_eq!(sequence(&conn), 9, "the high-water mark of ids");

        // Every index, trigger and view made again as it was: only the
        // table (its CHECKs) and live_dones (one more column) differ, the
        // insert trigger leaves a merge's months to the merge (step 4), and
        // the diary's view and index are new.
        let after = schema_entries(&conn);
        for entry in &schema {
            let (kind, name, ..) = entry;
            if (kind == "table" && name == "events") || name == "live_dones" {
                assert!(after.iter().any(|a| &a.1 == name), "{name} is gone");
            } else if name == "month_totals_on_insert" {
                let now = after.iter().find(|a| &a.1 == name).expect("still there");
                let sql = now.3.as_deref().unwrap_or_default();
                let was = entry.3.as_deref().unwrap_or_default();
                assert_eq!(
                    sql,
                    was.replace(
                        "WHEN NEW.kind IN ('done', 'undone')",
                        "WHEN NEW.kind IN ('done', 'undone') AND NOT EXISTS (SELECT 1 FROM merging)"
                    ),
                    "only its condition changed"
                );
            } else {
                assert!(after.contains(entry), "{kind} {name} changed or is gone");
            }
        }
        let mut new: Vec<&str> = after
            .iter()
            .filter(|a| !schema.iter().any(|b| b.1 == a.1))
            .map(|a| a.1.as_str())
            .collect();
        new.sort_unstable();
        // Step 3's, and step 4's for sync.
        assert_eq!(
            new,
            [
                "device",
                "device_former",
                "devices",
                "events_diary",
                "events_origin",
                "live_diary",
                "merging",
                "sync_waiting"
            ]
        );
        let indexes_after = indexes(&conn, "events");
        for index in &indexes_before {
            assert!(indexes_after.contains(index), "{index:?}");
        }
        assert_eq!(indexes_after.len(), indexes_before.len() + 2);
        assert!(indexes_after.contains(&(
            "events_diary".to_string(),
            false,
            true,
            vec!["kind".to_string(), "date".to_string()]
        )));
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");

        // The triggers work on the new table, and the new names go in.
        let id = store.append(&done("walk", "2024-05-01", 7)).unwrap();
        assert_eq!(id, 10);
        assert_eq!(
            store.daily_totals("walk").unwrap(),
            [(date("2024-05-01"), 27), (date("2024-05-02"), 30)]
        );
        let cramp = NewEvent {
            data: Some(r#"{"leg":"left"}"#.to_string()),
            ..event(None, Kind::Cramp, "2024-06-06")
        };
        let quiet = NewEvent {
            source: Source::Import,
            ..event(None, Kind::NoCramps, "2024-06-07")
        };
        let ids = store.append_all(&[cramp, quiet]).unwrap();
        let diary = store.diary_from(date("2024-06-01")).unwrap();
        assert_eq!(diary.iter().map(|e| e.id).collect::<Vec<_>>(), ids);
        assert_eq!(kept_totals(&conn).len(), totals.len());
    }

    #[test]
    fn atomically_keeps_all_or_nothing_and_holds_the_lock_throughout() {
        let (dir, mut store) = temp_store();
        let path = dir.path().join("habitd.db");
        let failed: Result<(), StoreError> = store.atomically(|store| {
            store.append(&done("a", "2024-05-01", 1))?;
            Err(StoreError::Locked { path: path.clone() })
        });
        assert!(failed.is_err());
        assert_eq!(store.events(None, None).unwrap(), []);
        assert_eq!(store.daily_totals("a").unwrap(), []);

        let mut other = Store::open(&path).unwrap();
        other.set_busy_timeout(Duration::from_millis(50)).unwrap();
        store
            .atomically(|store| {
                // Read, then another writer comes: it waits, and gives up.
                assert_eq!(store.last_undoable(None)?, None);
                let error = other.append(&done("b", "2024-05-01", 1)).unwrap_err();
                assert!(matches!(error, StoreError::Locked { .. }), "{error:?}");
                store.append_all(&[done("a", "2024-05-01", 2), done("a", "2024-05-02", 3)])?;
                Ok::<_, StoreError>(())
            })
            .unwrap();
        assert_eq!(
            store.daily_totals("a").unwrap(),
            [(date("2024-05-01"), 2), (date("2024-05-02"), 3)]
        );
        // The lock is released: the other writer gets in now.
        other.append(&done("b", "2024-05-01", 1)).unwrap();
        assert_eq!(store.events(None, None).unwrap().len(), 3);
    }

    #[test]
    fn diary_entries_leave_out_those_taken_back() {
        let (_dir, mut store) = temp_store();
        let entry = |kind, night: &str, at: &str| NewEvent {
            at: ts(at),
            ..event(None, kind, night)
        };
        let ids = store
            .append_all(&[
                entry(Kind::NoCramps, "2024-05-01", "2024-05-02T07:00:00Z"),
                entry(Kind::Cramp, "2024-05-02", "2024-05-03T03:00:00Z"),
                // Recorded later, happened earlier the same night.
                entry(Kind::Cramp, "2024-05-02", "2024-05-02T23:00:00Z"),
                entry(Kind::Cramp, "2024-05-03", "2024-05-04T02:00:00Z"),
                done("walk", "2024-05-03", 1),
            ])
            .unwrap();
        let nights = |store: &Store, from: &str| -> Vec<(i64, Date)> {
            store
                .diary_from(date(from))
                .unwrap()
                .iter()
                .map(|e| (e.id, e.night))
                .collect()
        };
        assert_eq!(
            nights(&store, "2024-05-02"),
            [
                (ids[2], date("2024-05-02")),
                (ids[1], date("2024-05-02")),
                (ids[3], date("2024-05-03"))
            ]
        );
        assert_eq!(store.last_diary_entry().unwrap().unwrap().id, ids[3]);
        // An undone of a diary entry, like any other: its habit is none.
        store
            .append(&NewEvent {
                target: Some(ids[3]),
                ..event(None, Kind::Undone, "2024-05-03")
            })
            .unwrap();
        assert_eq!(nights(&store, "2024-05-03"), []);
        assert_eq!(store.last_diary_entry().unwrap().unwrap().id, ids[2]);
        assert_eq!(
            store
                .diary_of(date("2024-05-02"))
                .unwrap()
                .iter()
                .map(|e| e.id)
                .collect::<Vec<_>>(),
            [ids[2], ids[1]]
        );
        assert_eq!(nights(&store, "2024-05-01").len(), 3);
        // The diary's events, the undone among them, but no completion.
        let mut diary = Vec::new();
        store
            .each_diary_event(Some(date("2024-05-02")), |e| {
                diary.push((e.id, e.kind));
                Ok::<_, StoreError>(())
            })
            .unwrap();
        assert_eq!(
            diary,
            [
                (ids[1], Kind::Cramp),
                (ids[2], Kind::Cramp),
                (ids[3], Kind::Cramp),
                (ids[4] + 1, Kind::Undone)
            ]
        );
        // Completions are not the diary's, nor the diary's undo theirs.
        assert_eq!(store.last_undoable(None).unwrap().unwrap().id, ids[4]);
        assert_eq!(
            store.daily_totals("walk").unwrap(),
            [(date("2024-05-03"), 1)]
        );
    }

    #[test]
    fn a_cramp_with_details_habitd_never_writes_is_reported_with_its_id() {
        let (dir, store) = temp_store();
        let conn = raw(&dir.path().join("habitd.db"));
        conn.execute(
            "INSERT INTO events (id, at_ms, date, kind, source, data) VALUES (12, 0, '2024-05-02', 'cramp', 'cli', '{\"leg\":\"up\"}')",
            [],
        )
        .unwrap();
        for error in [
            store.events(None, None).unwrap_err(),
            store.diary_from(date("2024-05-01")).unwrap_err(),
            store.last_diary_entry().unwrap_err(),
        ] {
            assert!(
                matches!(error, StoreError::BadEvent { id: 12, .. }),
                "{error:?}"
            );
            assert!(
                error.to_string().contains(
                    "event 12 cannot be read (invalid cramp details: unknown variant `up`"
                ),
                "{error}"
            );
        }
    }

    /// SQLite's count of virtual-machine steps, and of steps through whole
    /// tables, for recording `event` (its triggers included).
    fn steps_to_record(store: &Store, event: &NewEvent) -> (i32, i32) {
        let mut insert = store.conn.prepare(INSERT).unwrap();
        insert
            .query_row(
                params![
                    event.at.as_millisecond(),
                    event.date.to_string(),
                    event.habit,
                    event.kind.as_str(),
                    event.amount,
                    None::<i64>,
                    event.target,
                    event.source.as_str(),
                    event.data
                ],
                |r| r.get::<_, i64>(0),
            )
            .unwrap();
        (
            insert.get_status(rusqlite::StatementStatus::VmStep),
            insert.get_status(rusqlite::StatementStatus::FullscanStep),
        )
    }

    /// SQLite's count of virtual-machine steps to read all rows of `sql`.
    fn steps_to_read(store: &Store, sql: &str, params: impl rusqlite::Params) -> i32 {
        let mut statement = store.conn.prepare(sql).unwrap();
        let mut rows = statement.query(params).unwrap();
        while rows.next().unwrap().is_some() {}
        drop(rows);
        statement.get_status(rusqlite::StatementStatus::VmStep)
    }

    #[test]
    fn totals_are_read_a_row_a_month_not_an_event_at_a_time() {
        // `streaks` took 142 ms at 100 years of history: every read summed
        // every `done` and looked each up among the `undone`s.
        let (_dir, mut store) = temp_store();
        let mut busy: Vec<NewEvent> = Vec::new();
        for day in ["2024-05-01", "2024-05-02"] {
            busy.extend((0..300).map(|_| done("water", day, 1)));
        }
        let ids = store.append_all(&busy).unwrap();
        let undone: Vec<NewEvent> = ids[..100]
            .iter()
            .map(|&id| undone("water", "2024-05-01", id))
            .collect();
        store.append_all(&undone).unwrap();
        assert_eq!(
            store.daily_totals("water").unwrap(),
            [(date("2024-05-01"), 200), (date("2024-05-02"), 300)]
        );
        let steps = steps_to_read(&store, DAILY_TOTALS, ["water"]);
        assert!(steps < 60, "{steps} steps for a month");
        let steps = steps_to_read(&store, TOTALS_SINCE, ["2024-05"]);
        assert!(steps < 60, "{steps} steps for a month");
    }

    #[test]
    fn keeping_totals_costs_the_same_however_long_the_history() {
        // `years` of history up to the end of 2023, then a `done` and its
        // undoing on New Year's Day.
        let cost = |years: i64| {
            let (_dir, mut store) = temp_store();
            let end = date("2023-12-31");
            let history: Vec<NewEvent> = (0..years * 365)
                .flat_map(|n| {
                    let day = end.checked_sub(jiff::Span::new().days(n)).unwrap();
                    let day = day.to_string();
                    [
                        done("water", &day, 1),
                        done("water", &day, 1),
                        done("walk", &day, 20),
                    ]
                })
                .collect();
            store.append_all(&history).unwrap();
            store.append(&done("water", "2024-01-01", 1)).unwrap();
            let done_cost = steps_to_record(&store, &done("water", "2024-01-01", 1));
            let target = store.last_undoable(Some("water")).unwrap().unwrap().id;
            let undone_cost = steps_to_record(&store, &undone("water", "2024-01-01", target));
            (done_cost, undone_cost)
        };
        let (short, long) = (cost(1), cost(10));
        assert_eq!(short, long);
        assert_eq!(
            (short.0.1, short.1.1),
            (0, 0),
            "no step through a whole table"
        );
    }

    #[test]
    fn skipped_dates_are_distinct_and_ascending() {
        let (_dir, mut store) = temp_store();
        for day in ["2024-05-03", "2024-05-01", "2024-05-03"] {
            store
                .append(&event(Some("walk"), Kind::Skipped, day))
                .unwrap();
        }
        store
            .append(&event(Some("read"), Kind::Skipped, "2024-05-02"))
            .unwrap();
        store.append(&done("walk", "2024-05-02", 1)).unwrap();
        assert_eq!(
            store.skipped_dates("walk").unwrap(),
            [date("2024-05-01"), date("2024-05-03")]
        );
        assert_eq!(store.skipped_dates("swim").unwrap(), []);
    }

    #[test]
    fn first_date_ignores_reminders_and_misses() {
        let (_dir, mut store) = temp_store();
        store
            .append(&reminded("walk", Kind::Reminded, "2024-04-01T08:00:00Z"))
            .unwrap();
        store
            .append(&reminded("walk", Kind::Missed, "2024-04-02T08:00:00Z"))
            .unwrap();
        store.append(&done("walk", "2024-04-20", 1)).unwrap();
        // Backdated after the fact: still the first day.
        store
            .append(&event(Some("walk"), Kind::Snoozed, "2024-04-10"))
            .unwrap();
        store
            .append(&reminded("read", Kind::Reminded, "2024-04-01T08:00:00Z"))
            .unwrap();
        assert_eq!(store.first_date("walk").unwrap(), Some(date("2024-04-10")));
        assert_eq!(store.first_date("read").unwrap(), None);
        assert_eq!(store.first_date("swim").unwrap(), None);
    }

    #[test]
    fn last_undoable_skips_undone_events() {
        let (_dir, mut store) = temp_store();
        assert_eq!(store.last_undoable(None).unwrap(), None);
        let a1 = store.append(&done("a", "2024-05-01", 1)).unwrap();
        let a2 = store.append(&done("a", "2024-05-01", 2)).unwrap();
        let b1 = store.append(&done("b", "2024-04-01", 1)).unwrap();
        store
            .append(&event(Some("b"), Kind::Skipped, "2024-05-02"))
            .unwrap();
        store.append(&undone("b", "2024-05-01", b1)).unwrap();
        let id = |e: Option<Event>| e.map(|e| e.id);
        assert_eq!(id(store.last_undoable(None).unwrap()), Some(a2));
        assert_eq!(id(store.last_undoable(Some("a")).unwrap()), Some(a2));
        assert_eq!(id(store.last_undoable(Some("b")).unwrap()), None);
        store.append(&undone("a", "2024-05-01", a2)).unwrap();
        let last = store.last_undoable(None).unwrap().unwrap();
        assert_eq!(last.id, a1);
        assert_eq!(last.event, done("a", "2024-05-01", 1));
        assert_eq!(id(store.last_undoable(Some("a")).unwrap()), Some(a1));
    }

    #[test]
    fn last_reminded_is_the_latest_instant_per_habit() {
        let (_dir, mut store) = temp_store();
        assert!(store.last_reminded().unwrap().is_empty());
        store
            .append(&reminded("a", Kind::Reminded, "2024-05-01T08:00:00Z"))
            .unwrap();
        store
            .append(&reminded("a", Kind::Missed, "2024-05-01T10:00:00Z"))
            .unwrap();
        // Recorded later, but for an earlier instant: the cursor stays.
        store
            .append(&reminded("a", Kind::Reminded, "2024-05-01T09:00:00Z"))
            .unwrap();
        store
            .append(&reminded("b", Kind::Missed, "2024-04-01T08:00:00Z"))
            .unwrap();
        store
            .append(&reminded("b", Kind::Reminded, "2024-04-02T08:00:00Z"))
            .unwrap();
        store.append(&done("c", "2024-05-01", 1)).unwrap();
        store
            .append(&event(None, Kind::Paused, "2024-05-01"))
            .unwrap();
        let expected = HashMap::from([
            ("a".to_string(), ts("2024-05-01T10:00:00Z")),
            ("b".to_string(), ts("2024-04-02T08:00:00Z")),
        ]);
        assert_eq!(store.last_reminded().unwrap(), expected);
    }

    #[test]
    fn last_pause_change_is_the_latest_pause_or_resume() {
        let (_dir, mut store) = temp_store();
        assert_eq!(store.last_pause_change().unwrap(), None);
        let paused = NewEvent {
            until: Some(ts("2024-05-03T00:00:00Z")),
            ..event(None, Kind::Paused, "2024-05-01")
        };
        let id = store.append(&paused).unwrap();
        store.append(&done("a", "2024-05-02", 1)).unwrap();
        assert_eq!(
            store.last_pause_change().unwrap(),
            Some(Event {
                id,
                event: paused,
                origin: None
            })
        );
        let id = store
            .append(&event(None, Kind::Resumed, "2024-05-01"))
            .unwrap();
        assert_eq!(
            store.last_pause_change().unwrap().map(|e| (e.id, e.kind)),
            Some((id, Kind::Resumed))
        );
    }

    #[test]
    fn events_filter_by_habit_and_date() {
        let (_dir, mut store) = temp_store();
        let ids = store
            .append_all(&[
                done("a", "2024-05-02", 1),
                event(None, Kind::Paused, "2024-05-02"),
                done("b", "2024-05-03", 1),
                done("a", "2024-05-01", 1),
                done("a", "2024-05-03", 1),
            ])
            .unwrap();
        let ids_of = |events: Vec<Event>| events.iter().map(|e| e.id).collect::<Vec<_>>();
        let since = Some(date("2024-05-02"));
        assert_eq!(ids_of(store.events(None, None).unwrap()), ids);
        assert_eq!(
            ids_of(store.events(Some("a"), None).unwrap()),
            [ids[0], ids[3], ids[4]]
        );
        assert_eq!(
            ids_of(store.events(Some("a"), since).unwrap()),
            [ids[0], ids[4]]
        );
        assert_eq!(
            ids_of(store.events(None, since).unwrap()),
            [ids[0], ids[1], ids[2], ids[4]]
        );
        assert_eq!(store.events(Some("c"), None).unwrap(), []);
    }

    #[test]
    fn each_event_hands_over_events_one_at_a_time_and_stops_at_an_error() {
        let (_dir, mut store) = temp_store();
        let ids = store
            .append_all(&[
                done("a", "2024-05-01", 1),
                done("bb", "2024-05-03", 1),
                event(None, Kind::Paused, "2024-05-04"),
                done("a", "2024-05-05", 1),
            ])
            .unwrap();
        #[derive(Debug, PartialEq)]
        enum Stop {
            Enough,
            Store,
        }
        impl From<StoreError> for Stop {
            fn from(_: StoreError) -> Stop {
                Stop::Store
            }
        }
        let mut seen = Vec::new();
        let stopped = store.each_event(None, None, |event| {
            seen.push(event.id);
            if seen.len() == 2 {
                Err(Stop::Enough)
            } else {
                Ok(())
            }
        });
        assert_eq!(stopped, Err(Stop::Enough));
        assert_eq!(seen, ids[..2]);
        // The habits those events name, without reading them.
        assert_eq!(store.habits_since(None).unwrap(), ["a", "bb"]);
        assert_eq!(store.habits_since(Some(date("2024-05-04"))).unwrap(), ["a"]);
        assert_eq!(
            store.habits_since(Some(date("2024-05-06"))).unwrap(),
            [] as [&str; 0]
        );
        assert!(store.has_history("bb").unwrap());
        assert!(!store.has_history("c").unwrap());
    }

    #[test]
    fn planning_queries_see_recent_totals_skips_and_snoozes() {
        let (_dir, mut store) = temp_store();
        store.append(&done("a", "2024-05-01", 9)).unwrap();
        store.append(&done("a", "2024-05-02", 2)).unwrap();
        let taken_back = store.append(&done("a", "2024-05-02", 5)).unwrap();
        store
            .append(&undone("a", "2024-05-02", taken_back))
            .unwrap();
        store.append(&done("b", "2024-05-03", 1)).unwrap();
        let skip = store
            .append(&event(Some("a"), Kind::Skipped, "2024-05-04"))
            .unwrap();
        store
            .append(&event(Some("a"), Kind::Skipped, "2024-04-30"))
            .unwrap();
        let snooze = store
            .append(&event(Some("b"), Kind::Snoozed, "2024-05-02"))
            .unwrap();
        store
            .append(&event(None, Kind::Paused, "2024-05-02"))
            .unwrap();
        let mut totals = store.totals_since(date("2024-05-02")).unwrap();
        totals.sort();
        assert_eq!(
            totals,
            [
                ("a".to_string(), date("2024-05-02"), 2),
                ("b".to_string(), date("2024-05-03"), 1)
            ]
        );
        let ids: Vec<i64> = store
            .skips_and_snoozes_from(date("2024-05-02"))
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(ids, [skip, snooze]);
    }

    #[test]
    fn new_files_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("share/habitd/habitd.db");
        let mut store = Store::open(&path).unwrap();
        store.append(&done("a", "2024-05-01", 1)).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.path().join("share")), 0o700);
        assert_eq!(mode(&dir.path().join("share/habitd")), 0o700);
        assert_eq!(mode(&path), 0o600);
        // SQLite gives its side files the database file's mode.
        for side in ["habitd.db-wal", "habitd.db-shm"] {
            assert_eq!(
                mode(&dir.path().join("share/habitd").join(side)),
                0o600,
                "{side}"
            );
        }
        assert_eq!(store.path(), path);
    }

    #[test]
    fn reopening_keeps_data_and_does_not_migrate_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("habitd.db");
        let id = Store::open(&path)
            .unwrap()
            .append(&done("a", "2024-05-01", 1))
            .unwrap();
        // Migration 1 is a plain CREATE TABLE: running it again would fail.
        let store = Store::open(&path).unwrap();
        assert_eq!(store.user_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(
            store
                .events(None, None)
                .unwrap()
                .iter()
                .map(|e| e.id)
                .collect::<Vec<_>>(),
            [id]
        );
        let mode: String = raw(&path)
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn newer_schema_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("habitd.db");
        raw(&path).pragma_update(None, "user_version", 99).unwrap();
        let error = Store::open(&path).unwrap_err();
        assert!(
            matches!(error, StoreError::TooNew { found: 99, supported: SCHEMA_VERSION, ref path } if path == &dir.path().join("habitd.db")),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!(
                "{}: database schema version 99 is newer than this habitd supports ({SCHEMA_VERSION}); upgrade habitd",
                path.display()
            )
        );
        let mode: String = raw(&path)
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "delete");
    }

    #[test]
    fn negative_schema_version_is_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("habitd.db");
        raw(&path).pragma_update(None, "user_version", -1).unwrap();
        let error = Store::open(&path).unwrap_err();
        assert!(matches!(error, StoreError::Corrupt { .. }), "{error:?}");
    }

    #[test]
    fn directory_in_the_way_cannot_be_opened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("habitd.db");
        std::fs::create_dir(&path).unwrap();
        let error = Store::open(&path).unwrap_err();
        assert!(matches!(error, StoreError::CannotOpen { .. }), "{error:?}");
        assert_eq!(
            error.to_string(),
            format!(
                "{0}: cannot open the database: it is a directory, not a database file; move it aside (e.g. `mv {0} {0}.old`)",
                path.display()
            )
        );
    }

    #[test]
    fn a_file_where_the_directory_should_be_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("habitd");
        std::fs::write(&file, "").unwrap();
        let path = file.join("habitd.db");
        let expected = format!(
            "{0} is a file, not a directory; habitd keeps its history at {1}, so move the file aside (e.g. `mv {0} {0}.old`)",
            file.display(),
            path.display()
        );
        // Writing, and finding out whether there is a history to read.
        let error = Store::open(&path).unwrap_err();
        assert!(
            matches!(error, StoreError::NotADirectory { .. }),
            "{error:?}"
        );
        assert_eq!(error.to_string(), expected);
        assert_eq!(Store::exists(&path).unwrap_err().to_string(), expected);
        // Deeper down, too.
        let deeper = file.join("sub/habitd.db");
        assert!(
            Store::open(&deeper)
                .unwrap_err()
                .to_string()
                .starts_with(&format!("{} is a file, not a directory", file.display()))
        );
        assert!(!Store::exists(&dir.path().join("none/habitd.db")).unwrap());
    }

    #[test]
    fn tables_without_a_schema_version_are_not_migrated_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("habitd.db");
        raw(&path)
            .execute_batch("CREATE TABLE events (x); CREATE TABLE notes (y);")
            .unwrap();
        let error = Store::open(&path).unwrap_err();
        assert!(matches!(error, StoreError::Foreign { .. }), "{error:?}");
        assert_eq!(
            error.to_string(),
            format!(
                "{0}: the database has tables (events, notes) but no habitd schema version (user_version is 0): it was not created by habitd, or its version was reset; move it aside (e.g. `mv {0} {0}.old`) to start a new history",
                path.display()
            )
        );
        // Untouched: still its own two tables, version 0.
        let conn = raw(&path);
        let tables: i64 = conn
            .query_row("SELECT COUNT(*) FROM sqlite_schema", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 2);
    }

    #[test]
    fn a_world_writable_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("habitd/habitd.db");
        Store::open(&path).unwrap();
        let habitd = dir.path().join("habitd");
        // Sticky or not: others could create habitd.db-wal first.
        for mode in [0o777, 0o1777] {
            std::fs::set_permissions(&habitd, std::fs::Permissions::from_mode(mode)).unwrap();
            let error = Store::open(&path).unwrap_err();
            assert!(matches!(error, StoreError::Untrusted { .. }), "{error:?}");
            assert!(
                error
                    .to_string()
                    .contains("is writable by every user, so another user could"),
                "{error}"
            );
        }
        // Before the file exists as well.
        std::fs::remove_file(&path).unwrap();
        let error = Store::open(&path).unwrap_err();
        assert!(matches!(error, StoreError::Untrusted { .. }), "{error:?}");
        assert!(!path.exists(), "nothing was created");
    }

    #[test]
    fn garbage_is_reported_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("habitd.db");
        std::fs::write(&path, "this is not a database\n".repeat(500)).unwrap();
        let error = Store::open(&path).unwrap_err();
        assert!(matches!(error, StoreError::Corrupt { .. }), "{error:?}");
        let message = error.to_string();
        assert!(
            message.starts_with(&format!(
                "{}: the database is corrupt or not an SQLite file (",
                path.display()
            )),
            "{message}"
        );
    }

    #[test]
    fn rows_habitd_never_writes_are_reported_with_their_id() {
        let (dir, mut store) = temp_store();
        store.append(&done("a", "2024-05-01", 1)).unwrap();
        let conn = raw(&dir.path().join("habitd.db"));
        conn.pragma_update(None, "ignore_check_constraints", true)
            .unwrap();
        conn.execute(
            "INSERT INTO events (id, at_ms, date, habit, kind, source) VALUES (7, 0, '2024-05-02', 'a', 'exploded', 'cli')",
            [],
        )
        .unwrap();
        let error = store.events(None, None).unwrap_err();
        assert!(
            matches!(error, StoreError::BadEvent { id: 7, .. }),
            "{error:?}"
        );
        assert!(
            error
                .to_string()
                .contains("event 7 cannot be read (unknown kind \"exploded\")"),
            "{error}"
        );
        // Passes the GLOB check, but there is no 31 February.
        conn.execute(
            "INSERT INTO events (id, at_ms, date, habit, kind, amount, source) VALUES (8, 0, '2024-02-31', 'a', 'done', 1, 'cli')",
            [],
        )
        .unwrap();
        let error = store.daily_totals("a").unwrap_err();
        assert!(
            matches!(error, StoreError::BadEvent { id: 8, .. }),
            "{error:?}"
        );
        conn.execute(
            "INSERT INTO events (id, at_ms, date, habit, kind, source) VALUES (9, 9223372036854775807, '2024-05-01', 'a', 'missed', 'daemon')",
            [],
        )
        .unwrap();
        let error = store.last_reminded().unwrap_err();
        assert!(
            matches!(error, StoreError::BadEvent { id: 9, .. }),
            "{error:?}"
        );
    }

    #[test]
    fn read_only_database_is_reported() {
        let (_dir, mut store) = temp_store();
        // A real SQLITE_READONLY from SQLite, whoever runs the test.
        store.conn.pragma_update(None, "query_only", true).unwrap();
        let error = store.append(&done("a", "2024-05-01", 1)).unwrap_err();
        assert!(matches!(error, StoreError::ReadOnly { .. }), "{error:?}");
        assert!(error.to_string().starts_with(&format!(
            "{}: the database is read-only",
            store.path().display()
        )));
    }

    /// Gives `dir` and everything in it to `uid`.
    fn chown_all(dir: &Path, uid: u32) {
        std::os::unix::fs::chown(dir, Some(uid), Some(uid)).unwrap();
        if dir.is_dir() {
            for entry in std::fs::read_dir(dir).unwrap() {
                chown_all(&entry.unwrap().path(), uid);
            }
        }
    }

    /// Runs `f` on a thread on which file modes bind, and returns what it
    /// returns. As root, whose CAP_DAC_OVERRIDE ignores modes, that thread
    /// alone becomes `nobody` (on Linux credentials are per thread; the
    /// change drops the thread's capabilities), after `dir` is given to
    /// nobody; as anyone else it runs as is.
    fn as_plain_user<T: Send>(dir: &Path, f: impl FnOnce() -> T + Send) -> T {
        use rustix::process::{Gid, Uid};
        use rustix::thread::{set_thread_groups, set_thread_res_gid, set_thread_res_uid};
        const NOBODY: u32 = 65534;
        let root = rustix::process::geteuid().is_root();
        if root {
            chown_all(dir, NOBODY);
        }
        std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    if root {
                        let gid = Gid::from_raw(NOBODY);
                        set_thread_groups(&[]).unwrap();
                        set_thread_res_gid(gid, gid, gid).unwrap();
                        let uid = Uid::from_raw(NOBODY);
                        set_thread_res_uid(uid, uid, uid).unwrap();
                    }
                    // Whoever runs the test, modes now bind.
                    assert!(
                        rustix::fs::access("/etc/shadow", rustix::fs::Access::WRITE_OK).is_err()
                    );
                    f()
                })
                .join()
                .unwrap()
        })
    }

    #[test]
    fn read_only_file_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        as_plain_user(dir.path(), || {
            let path = dir.path().join("habitd.db");
            Store::open(&path)
                .unwrap()
                .append(&done("a", "2024-05-01", 1))
                .unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
            // Still readable: opening an up-to-date store takes no write lock.
            let mut store = Store::open(&path).unwrap();
            assert_eq!(store.events(None, None).unwrap().len(), 1);
            let error = store.append(&done("a", "2024-05-01", 1)).unwrap_err();
            assert!(matches!(error, StoreError::ReadOnly { .. }), "{error:?}");
            assert_eq!(
                error.to_string(),
                format!(
                    "{0}: the database is read-only: the file's mode is 0400; fix it with `chmod u+w {0}`",
                    path.display()
                )
            );
        });
    }

    #[test]
    fn a_read_only_directory_is_read_but_not_written() {
        let dir = tempfile::tempdir().unwrap();
        as_plain_user(dir.path(), || {
            let habitd = dir.path().join("habitd");
            let path = habitd.join("habitd.db");
            let id = Store::open(&path)
                .unwrap()
                .append(&done("a", "2024-05-01", 1))
                .unwrap();
            // Closed: its -wal and -shm are gone, and cannot be made again.
            std::fs::set_permissions(&habitd, std::fs::Permissions::from_mode(0o500)).unwrap();
            let error = Store::open(&path).unwrap_err();
            assert_eq!(
                error.to_string(),
                format!(
                    "{}: the database is read-only: SQLite must create habitd.db-wal and habitd.db-shm beside it, but its directory {1} is read-only for you (mode 0500); fix it with `chmod u+w {1}`",
                    path.display(),
                    habitd.display()
                )
            );
            let mut store = Store::open_or_read_only(&path).unwrap();
            let ids: Vec<i64> = store
                .events(None, None)
                .unwrap()
                .iter()
                .map(|e| e.id)
                .collect();
            assert_eq!(ids, [id]);
            // The first write fails with why it could not be opened for
            // writing; SQLite refuses any later one.
            let first = store.append(&done("a", "2024-05-01", 1)).unwrap_err();
            assert_eq!(first.to_string(), error.to_string());
            let second = store.append(&done("a", "2024-05-01", 1)).unwrap_err();
            assert!(matches!(second, StoreError::ReadOnly { .. }), "{second:?}");

            // With changes in a -wal that only a -shm could index, reading
            // the file alone would lose them: refused.
            std::fs::set_permissions(&habitd, std::fs::Permissions::from_mode(0o700)).unwrap();
            let writer = Store::open(&path).unwrap();
            writer
                .conn
                .pragma_update(None, "wal_autocheckpoint", 0)
                .unwrap();
            let mut writer = writer;
            writer.append(&done("a", "2024-05-02", 1)).unwrap();
            let wal = std::fs::read(beside(&path, "-wal")).unwrap();
            drop(writer);
            std::fs::write(beside(&path, "-wal"), wal).unwrap();
            std::fs::remove_file(beside(&path, "-shm")).ok();
            std::fs::set_permissions(&habitd, std::fs::Permissions::from_mode(0o500)).unwrap();
            let error = Store::open_or_read_only(&path).unwrap_err();
            assert_eq!(
                error.to_string(),
                format!(
                    "{}: cannot open the database: SQLite must create habitd.db-shm beside it to open it, but its directory {1} is read-only for you (mode 0500); fix it with `chmod u+w {1}`",
                    path.display(),
                    habitd.display()
                )
            );
            std::fs::set_permissions(&habitd, std::fs::Permissions::from_mode(0o700)).unwrap();
        });
    }

    #[test]
    fn an_unreachable_history_is_not_taken_for_none() {
        let dir = tempfile::tempdir().unwrap();
        as_plain_user(dir.path(), || {
            let habitd = dir.path().join("habitd");
            let path = habitd.join("habitd.db");
            Store::open(&path).unwrap();
            std::fs::set_permissions(&habitd, std::fs::Permissions::from_mode(0o600)).unwrap();
            let error = Store::exists(&path).unwrap_err();
            assert_eq!(
                error.to_string(),
                format!(
                    "{}: cannot open the database: you may not enter {} (mode 0600)",
                    path.display(),
                    habitd.display()
                )
            );
            std::fs::set_permissions(&habitd, std::fs::Permissions::from_mode(0o700)).unwrap();
            assert!(Store::exists(&path).unwrap());
        });
    }

    #[test]
    fn io_errors_are_told_in_words() {
        // "disk I/O error: Error code 4874" was all a full disk said.
        assert_eq!(rusqlite::ffi::SQLITE_IOERR_SHMSIZE, 4874);
        let (dir, _store) = temp_store();
        let path = dir.path().join("habitd.db");
        let failure = |code| rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None);
        // The temporary directory has room, so it is not the disk.
        let error = sqlite_error(&path, failure(4874));
        assert!(
            matches!(error, StoreError::Io { code: 4874, .. }),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!(
                "{}: growing the database's shared-memory file (-shm) failed, usually because the disk is full; check the disk (SQLite I/O error 4874)",
                path.display()
            )
        );
        let error = sqlite_error(&path, failure(rusqlite::ffi::SQLITE_IOERR_WRITE));
        assert!(
            error.to_string().contains("a disk quota is used up"),
            "{error}"
        );
        let error = sqlite_error(&path, failure(rusqlite::ffi::SQLITE_FULL));
        assert_eq!(
            error.to_string(),
            format!(
                "{}: the disk is full; free some space and try again",
                path.display()
            )
        );
    }

    #[test]
    fn full_database_is_reported() {
        let (_dir, mut store) = temp_store();
        let pages: i64 = store
            .conn
            .pragma_query_value(None, "page_count", |r| r.get(0))
            .unwrap();
        store
            .conn
            .pragma_update(None, "max_page_count", pages)
            .unwrap();
        let batch: Vec<NewEvent> = (0..1000).map(|_| done("a", "2024-05-01", 1)).collect();
        let error = store.append_all(&batch).unwrap_err();
        assert!(matches!(error, StoreError::Full { .. }), "{error:?}");
        assert_eq!(store.events(None, None).unwrap(), []);
    }

    #[test]
    fn the_page_cache_can_be_capped() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("habitd.db")).unwrap();
        assert_eq!(store.cache_size_kib(), 2000, "SQLite's default");
        store.set_cache_size(128).unwrap();
        assert_eq!(store.cache_size_kib(), 128);
    }

    #[test]
    fn writer_gives_up_after_the_busy_timeout() {
        let (dir, mut store) = temp_store();
        let mut other = raw(&dir.path().join("habitd.db"));
        let _lock = other
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .unwrap();
        // The real timeout is 5 s; the mapping is the same.
        store.conn.busy_timeout(Duration::from_millis(50)).unwrap();
        let error = store.append(&done("a", "2024-05-01", 1)).unwrap_err();
        assert!(matches!(error, StoreError::Locked { .. }), "{error:?}");
        assert_eq!(
            error.to_string(),
            format!(
                "{}: the database is locked by another process; try again",
                store.path().display()
            )
        );
    }

    #[test]
    fn concurrent_writers_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("habitd.db");
        let start = Arc::new(Barrier::new(4));
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let (path, start) = (path.clone(), Arc::clone(&start));
                std::thread::spawn(move || {
                    // All four create and migrate the new database at once.
                    start.wait();
                    let mut store = Store::open(&path).unwrap();
                    (0..200)
                        .map(|i| {
                            store
                                .append(&done(&format!("t{t}"), "2024-05-01", i))
                                .unwrap()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut ids: Vec<i64> = threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 800);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.events(None, None).unwrap().len(), 800);
        for t in 0..4 {
            let amounts: Vec<i64> = store
                .events(Some(&format!("t{t}")), None)
                .unwrap()
                .iter()
                .filter_map(|e| e.amount)
                .collect();
            assert_eq!(amounts, (0..200).collect::<Vec<_>>());
        }
    }

    /// In the child this test starts (the environment variable names the
    /// database): appends batches of three until killed, reporting each
    /// batch once committed. Never returns.
    fn be_the_writer_child(path: &Path) -> ! {
        let mut store = Store::open(path).unwrap();
        let batch = [
            done("a", "2024-05-01", 1),
            done("b", "2024-05-01", 2),
            done("c", "2024-05-01", 3),
        ];
        loop {
            let ids = store.append_all(&batch).unwrap();
            println!("committed {ids:?}");
        }
    }

    #[test]
    fn killed_writer_loses_nothing_it_reported() {
        use std::io::BufRead;
        // The test binary runs this test again as the writer to kill.
        if let Some(path) = std::env::var_os("HABITD_STORE_TEST_CHILD") {
            be_the_writer_child(Path::new(&path));
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("habitd.db");
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "store::tests::killed_writer_loses_nothing_it_reported",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("HABITD_STORE_TEST_CHILD", &path)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut reported = Vec::new();
        for line in io::BufReader::new(child.stdout.take().unwrap()).lines() {
            let line = line.unwrap();
            // The first report shares its line with libtest's "test ... ".
            if let Some((_, ids)) = line.split_once("committed ") {
                reported.push(ids.to_string());
                if reported.len() == 300 {
                    break;
                }
            }
        }
        // SIGKILL, mid-write more often than not.
        child.kill().unwrap();
        child.wait().unwrap();
        let events = Store::open(&path).unwrap().events(None, None).unwrap();
        assert_eq!(events.len() % 3, 0, "a batch was half written");
        let stored: Vec<String> = events
            .chunks(3)
            .map(|c| format!("{:?}", [c[0].id, c[1].id, c[2].id]))
            .collect();
        assert_eq!(reported.len(), 300);
        assert!(stored.len() >= 300, "{} batches stored", stored.len());
        assert_eq!(stored[..300], reported[..]);
    }

    /// SQLite's plan for `sql`, one line per step.
    fn plan(store: &Store, sql: &str, params: impl rusqlite::Params) -> Vec<String> {
        let mut statement = store
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap();
        statement
            .query_map(params, |row| row.get(3))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn history_queries_use_indexes() {
        let (_dir, store) = temp_store();
        let queries: [(&str, Vec<String>); 18] = [
            (
                "each_diary_event",
                plan(
                    &store,
                    DIARY_EVENTS,
                    ["cramp", "no_cramps", "undone", "2024-05-01"],
                ),
            ),
            ("diary_from", plan(&store, DIARY_SINCE, ["2024-05-01"])),
            ("diary_of", plan(&store, DIARY_OF_NIGHT, ["2024-05-01"])),
            ("last_diary_entry", plan(&store, LAST_DIARY_ENTRY, [])),
            (
                "events since a date",
                plan(&store, EVENTS_SINCE, ["2024-05-01"]),
            ),
            (
                "skips_and_snoozes_from",
                plan(
                    &store,
                    SKIPS_AND_SNOOZES_SINCE,
                    ["2024-05-01", "skipped", "snoozed"],
                ),
            ),
            ("totals_since", plan(&store, TOTALS_SINCE, ["2024-05"])),
            (
                "an unreadable month",
                plan(&store, DONES_OF_MONTH, ["a", "2024-05"]),
            ),
            (
                "events of a habit",
                plan(&store, EVENTS_OF_HABIT_SINCE, ["a", "2024-05-01"]),
            ),
            ("daily_totals", plan(&store, DAILY_TOTALS, ["a"])),
            (
                "skipped_dates",
                plan(&store, SKIPPED_DATES, ["a", "skipped"]),
            ),
            (
                "first_date",
                plan(
                    &store,
                    FIRST_DATE,
                    ["a", "reminded", "missed", "undelivered"],
                ),
            ),
            ("last_undoable", plan(&store, LAST_UNDOABLE, [])),
            (
                "last_undoable of a habit",
                plan(&store, LAST_UNDOABLE_OF_HABIT, ["a"]),
            ),
            ("has_history", plan(&store, HAS_HISTORY, ["a"])),
            ("habits_since", plan(&store, HABITS_SINCE, ["2024-05-01"])),
            (
                "last_reminded",
                plan(&store, LAST_OF_KIND_PER_HABIT, ["reminded"]),
            ),
            (
                "last_pause_change",
                plan(&store, LAST_PAUSE_CHANGE, ["paused", "resumed"]),
            ),
        ];
        for (name, plan) in &queries {
            eprintln!("{name}: {plan:#?}");
        }
        for (name, plan) in queries {
            // "SCAN habits" walks the CTE's few rows; any other SCAN reads
            // a whole table or index.
            let scans: Vec<&String> = plan
                .iter()
                .filter(|s| s.starts_with("SCAN") && s != &"SCAN habits")
                .collect();
            assert!(scans.is_empty(), "{name}: {plan:#?}");
        }
    }
}
