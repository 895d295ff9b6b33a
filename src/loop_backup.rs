//! Loop Habit Tracker's backup database: the `.db` file that Loop's
//! "Export full backup" writes and its "Import data" reads. This module owns
//! the format — which tables, columns and database versions Loop reads and
//! writes, how it stamps a day and stores an amount — and reads and writes
//! such files. It also reads the other file Loop's "Import data" takes
//! that holds days of habits: HabitBull's CSV export. It knows nothing of habitd's habits or history: what a Loop
//! habit becomes here is [`crate::exchange`]'s business.
//!
//! The spec is Loop's own code (github.com/iSoron/uhabits, `uhabits-core`,
//! files under `src/jvmMain/`), read at these commits:
//! - `io/LoopDBImporter.kt` (a9fddf99): a file is Loop's when it is SQLite,
//!   holds tables named `Habits` and `Repetitions`, and its `user_version` is
//!   not above Loop's `DATABASE_VERSION`; Loop then runs its migrations from
//!   the file's version up to its own and reads every habit (by `uuid`: one
//!   it has already is updated, not copied) and its repetitions.
//! - `models/sqlite/records/HabitRecord.kt` (e8a4a974) and `EntryRecord.kt`
//!   (b870dd85): the columns read, and which must not be NULL.
//! - `Constants.kt`: `DATABASE_VERSION` is 25 in Loop 2 (c7917dc1) and 26 on
//!   its development branch (27fcb052), whose `migrations/26.sql` (0de7c7f8)
//!   adds habit groups and leaves the repetitions as they are; version 25
//!   (`migrations/25.sql`, ecb8ce10) added `Repetitions.notes`, 24 the
//!   habits' `uuid`.
//! - `models/Timestamp.kt` (326a2eb1): a day is the UTC midnight that starts
//!   it, in milliseconds since 1970, never negative.
//! - `models/Entry.kt` (c2731c03): a yes/no habit's day is 2 (done, "YES_MANUAL"), 3 (skipped), 1 (not due, computed), 0 (not done) or -1 (unknown).
//! - `models/Habit.kt` (e9c464ad): a numerical habit's day holds its amount
//!   times 1000 (`value / 1000.0 >= targetValue`).
//! - `io/HabitBullCSVImporter.kt` (2828dfcc): a HabitBull file starts
//!   `HabitName,HabitDescription,HabitCategory`; each row after it is a
//!   habit's name, description, category, date (`YYYY-MM-DD`) and value, and
//!   a value of 1 is a yes/no habit done that day; any other value, nothing.

use std::fs::OpenOptions;
use std::io::{self, Read};
use std::ops::RangeInclusive;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use jiff::tz::Offset;
use rusqlite::{Connection, OpenFlags, Row, params};

/// The database version written: Loop 2's, so Loop 2 reads the file as it
/// is and later versions migrate it as they would their own backups.
pub const VERSION_WRITTEN: i64 = 25;

/// The database versions read: from 22 (whose migration left the
/// repetitions one per habit and day, each with a value) to 26 (Loop's
/// development branch). Before 24 a habit has no `uuid`.
pub const VERSIONS_READ: RangeInclusive<i64> = 22..=26;

/// How to get a backup out of Loop, for messages.
pub const HOW_TO_EXPORT: &str =
    "a Loop Habit Tracker backup is the .db file Loop writes with Settings → Export full backup";

/// The tables written, in the column types of Loop's migrations. Only the
/// columns Loop's importer reads (`HabitRecord`, `EntryRecord`); what Loop's
/// own databases keep besides (`skip_days`, the old `Events` table) it never
/// reads from a backup.
const SCHEMA: &str = r#"
CREATE TABLE Habits (
    id integer primary key autoincrement,
    archived integer,
    color integer,
    description text,
    freq_den integer,
    freq_num integer,
    highlight integer,
    name text,
    position integer,
    reminder_hour integer,
    reminder_min integer,
    reminder_days integer not null default 127,
    type integer not null default 0,
    target_type integer not null default 0,
    target_value real not null default 0,
    unit text not null default '',
    question text,
    uuid text
);
CREATE TABLE Repetitions (
    id integer primary key autoincrement,
    habit integer not null references habits(id),
    timestamp integer not null,
    value integer not null,
    notes text
);
CREATE UNIQUE INDEX idx_repetitions_habit_timestamp ON Repetitions (habit, timestamp);
"#;

/// A backup's habits and their days.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Backup {
    /// In Loop's order (its `position`).
    pub habits: Vec<LoopHabit>,
}

/// One Loop habit.
#[derive(Clone, Debug, PartialEq)]
pub struct LoopHabit {
    /// Its name, as Loop shows it.
    pub name: String,
    /// The question Loop asks ("Did you drink water today?"); may be empty.
    pub question: String,
    /// Loop's identity of the habit, 32 hex digits; `None` in backups older
    /// than version 24.
    pub uuid: Option<String>,
    /// Whether it is archived in Loop.
    pub archived: bool,
    /// What a day holds.
    pub measure: Measure,
    /// Its days with something recorded, by date.
    pub days: Vec<(Date, Mark)>,
}

/// What a Loop habit's days hold.
#[derive(Clone, Debug, PartialEq)]
pub enum Measure {
    /// Done or not ("Did you …?").
    YesNo,
    /// An amount, with a daily target of at least `target` `unit`.
    Numerical {
        /// The amount a day should reach.
        target: f64,
        /// What is counted (`glasses`, `minutes`).
        unit: String,
    },
}

/// What one day of a Loop habit says. Days a yes/no habit was not done, or
/// that Loop computed rather than the user entered, are not read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// A yes/no habit was done.
    Done,
    /// A yes/no habit's day was skipped: it neither breaks nor grows a streak.
    Skipped,
    /// A numerical habit's amount, in thousandths, as Loop stores it.
    Thousandths(i64),
}

/// The stored values of a yes/no day ([`Mark::Done`], [`Mark::Skipped`]).
const YES_MANUAL: i64 = 2;
const SKIP: i64 = 3;
/// `Habits.type`.
const TYPE_YES_NO: i64 = 0;
const TYPE_NUMERICAL: i64 = 1;
/// `Habits.target_type` of "at least".
const AT_LEAST: i64 = 0;
const DAY_MS: i64 = 86_400_000;

/// Why a backup could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum LoopError {
    /// The file could not be read, or the one written could not be put in
    /// place: a failure of the system, not of the file's content.
    #[error("{}: {what}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        what: String,
        /// Why.
        source: io::Error,
    },
    /// The file is not a Loop backup habitd can read: empty, not SQLite,
    /// another program's database, a version outside [`VERSIONS_READ`], or
    /// rows Loop never writes. The user gave the wrong file.
    #[error("{}: {problem}", path.display())]
    NotABackup {
        /// The file.
        path: PathBuf,
        /// What is wrong, and what was expected.
        problem: String,
    },
    /// The file to write exists, and replacing it was not asked for.
    #[error("{} exists; add --force to replace it", path.display())]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// A day cannot be put in Loop's format (before 1970, or an amount
    /// too large for Loop's 32-bit values).
    #[error("{habit:?} on {date}: {problem}")]
    Unwritable {
        /// The habit's name.
        habit: String,
        /// The day.
        date: Date,
        /// Why.
        problem: String,
    },
    /// SQLite failed while writing the new file.
    #[error("{}: cannot write the backup", path.display())]
    Sqlite {
        /// The file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
}

/// The day Loop's `timestamp` (UTC midnight in milliseconds) stands for.
/// Loop drops a remainder of a day, as here; a negative one it refuses.
pub fn date_of_stamp(ms: i64) -> Option<Date> {
    if ms < 0 {
        return None;
    }
    let day = Timestamp::from_millisecond(ms - ms % DAY_MS).ok()?;
    Some(Offset::UTC.to_datetime(day).date())
}

/// Loop's `timestamp` of `date`: its UTC midnight in milliseconds, `None`
/// before 1970.
pub fn stamp_of_date(date: Date) -> Option<i64> {
    let ms = Offset::UTC
        .to_timestamp(date.to_datetime(Time::midnight()))
        .ok()?
        .as_millisecond();
    (ms >= 0).then_some(ms)
}

/// Reads the backup (or HabitBull CSV file) at `path`. Nothing is
/// written, not even beside it: a database is opened as immutable, the way
/// a backup copied from a phone is.
pub fn read(path: &Path) -> Result<Backup, LoopError> {
    let habits = match format_of(path)? {
        Format::Database => read_database(path),
        Format::HabitBull(text) => read_habitbull(&text),
    };
    habits
        .map(|habits| Backup { habits })
        .map_err(|problem| LoopError::NotABackup {
            path: path.to_path_buf(),
            problem,
        })
}

/// The habits in the database at `path`, or what is wrong with it.
fn read_database(path: &Path) -> Result<Vec<LoopHabit>, String> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(crate::store::immutable_uri(path), flags)
        .map_err(|e| format!("cannot be opened as SQLite ({e})"))?;
    let unreadable = |e: rusqlite::Error| format!("cannot be read ({e})");
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_schema
             WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .and_then(|mut s| s.query_map([], |row| row.get(0))?.collect())
        .map_err(unreadable)?;
    let has = |name: &str| tables.iter().any(|t| t.eq_ignore_ascii_case(name));
    if !(has("Habits") && has("Repetitions")) {
        let what = if has("events") && has("month_totals") {
            "a habitd history".to_string()
        } else if tables.is_empty() {
            "an SQLite database with no tables".to_string()
        } else {
            format!("an SQLite database with tables {}", list(&tables))
        };
        return Err(format!(
            "not a Loop backup: it is {what}, without Loop's tables Habits and Repetitions; {HOW_TO_EXPORT}"
        ));
    }
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(unreadable)?;
    if !VERSIONS_READ.contains(&version) {
        let (first, last) = (VERSIONS_READ.start(), VERSIONS_READ.end());
        let advice = if version > *last {
            "a newer Loop than habitd knows wrote it"
        } else {
            "open it in a current Loop and export a new backup"
        };
        return Err(format!(
            "Loop database version {version} is not supported (habitd reads versions {first} to {last}); {advice}"
        ));
    }
    read_habits(&conn, version)
}

/// What a file to read holds.
enum Format {
    /// An SQLite database.
    Database,
    /// A HabitBull CSV file: its text.
    HabitBull(String),
}

/// The header HabitBull's CSV files start with, as Loop recognises them.
const HABITBULL_HEADER: &[u8] = b"HabitName,HabitDescription,HabitCategory";

/// The format of the file at `path`; refuses, with what it is instead, a
/// file that is neither.
fn format_of(path: &Path) -> Result<Format, LoopError> {
    let io_error = |source| LoopError::Io {
        path: path.to_path_buf(),
        what: "cannot read the backup".to_string(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io_error)?;
    let mut head = Vec::with_capacity(HABITBULL_HEADER.len());
    (&mut file)
        .take(HABITBULL_HEADER.len() as u64)
        .read_to_end(&mut head)
        .map_err(io_error)?;
    let what = if head.is_empty() {
        "the file is empty"
    } else if head.starts_with(b"SQLite format 3\0") {
        return Ok(Format::Database);
    } else if head == HABITBULL_HEADER {
        let mut text = Vec::new();
        file.read_to_end(&mut text).map_err(io_error)?;
        head.extend(text);
        return match String::from_utf8(head) {
            Ok(text) => Ok(Format::HabitBull(text)),
            Err(_) => Err(LoopError::NotABackup {
                path: path.to_path_buf(),
                problem: "a HabitBull CSV file, but not UTF-8 text".to_string(),
            }),
        };
    } else if head.starts_with(b"PK\x03\x04") {
        "it is a zip archive (Loop's CSV export?), not a backup database"
    } else {
        "it is not an SQLite database"
    };
    Err(LoopError::NotABackup {
        path: path.to_path_buf(),
        problem: format!("not a Loop backup: {what}; {HOW_TO_EXPORT}"),
    })
}

/// The habits of a HabitBull CSV file, in the order they first appear, as
/// Loop reads them: yes/no habits, done on the days whose value is 1.
fn read_habitbull(text: &str) -> Result<Vec<LoopHabit>, String> {
    let mut habits: Vec<LoopHabit> = Vec::new();
    for (index, record) in csv_records(text).into_iter().enumerate() {
        let row = index + 1;
        // Loop skips every row named like the header, not only the first.
        if record.first().is_some_and(|name| name == "HabitName")
            || record.iter().all(String::is_empty)
        {
            continue;
        }
        let [name, _, _, date, value, ..] = record.as_slice() else {
            return Err(format!(
                "row {row}: expected HabitName,HabitDescription,HabitCategory,CalendarDate,Value, e.g. \"Water,,Health,2024-05-01,1\""
            ));
        };
        let parsed = date
            .splitn(3, '-')
            .map(|part| part.trim().parse::<i16>().ok())
            .collect::<Option<Vec<i16>>>();
        let date = match parsed.as_deref() {
            Some(&[year, month, day]) => i8::try_from(month)
                .ok()
                .zip(i8::try_from(day).ok())
                .and_then(|(month, day)| Date::new(year, month, day).ok()),
            _ => None,
        }
        .ok_or_else(|| format!("row {row}: invalid date {date:?}, expected YYYY-MM-DD"))?;
        let value: i64 = value
            .trim()
            .parse()
            .map_err(|_| format!("row {row}: invalid value {value:?}, expected a whole number"))?;
        let index = match habits.iter().position(|h| &h.name == name) {
            Some(index) => index,
            None => {
                habits.push(LoopHabit {
                    name: name.clone(),
                    question: String::new(),
                    uuid: None,
                    archived: false,
                    measure: Measure::YesNo,
                    days: Vec::new(),
                });
                habits.len() - 1
            }
        };
        if value == 1 {
            habits[index].days.push((date, Mark::Done));
        }
    }
    Ok(habits)
}

/// The records of CSV `text`, each a list of fields (RFC 4180: a quoted
/// field may hold commas, line breaks and doubled quotes).
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, '\r') => {}
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

/// Names, comma-separated, the first few of `names`.
fn list(names: &[String]) -> String {
    let mut shown = names.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > 5 {
        shown.push_str(", …");
    }
    shown
}

/// Habits and their days, or what is wrong with the rows.
fn read_habits(conn: &Connection, version: i64) -> Result<Vec<LoopHabit>, String> {
    // The uuid column came with version 24.
    let uuid = if version >= 24 { "uuid" } else { "NULL" };
    let sql = format!(
        "SELECT id, name, question, {uuid}, archived, type, target_value, unit
         FROM Habits ORDER BY position, id"
    );
    let sqlite = |e: rusqlite::Error| format!("cannot be read ({e})");
    let mut statement = conn.prepare(&sql).map_err(sqlite)?;
    let mut rows = statement.query([]).map_err(sqlite)?;
    let mut habits = Vec::new();
    let mut ids = Vec::new();
    while let Some(row) = rows.next().map_err(sqlite)? {
        let (id, habit) = habit_row(row).map_err(|e| match e {
            RowError::Sqlite(e) => sqlite(e),
            RowError::Bad(id, problem) => format!("Habits row {id}: {problem}"),
        })?;
        ids.push(id);
        habits.push(habit);
    }
    let mut statement = conn
        .prepare("SELECT id, habit, timestamp, value FROM Repetitions ORDER BY habit, timestamp")
        .map_err(sqlite)?;
    let mut rows = statement.query([]).map_err(sqlite)?;
    while let Some(row) = rows.next().map_err(sqlite)? {
        let values = (|| -> rusqlite::Result<_> {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, Option<i64>>(1)?,
                row.get::<_, Option<i64>>(2)?,
                row.get::<_, Option<i64>>(3)?,
            ))
        })();
        let (id, habit, stamp, value) =
            values.map_err(|e| format!("Repetitions: a row cannot be read ({e})"))?;
        // Loop reads the repetitions of the habits it reads, and no others.
        let Some(index) = habit.and_then(|h| ids.iter().position(|&id| id == h)) else {
            continue;
        };
        let bad = |problem: &str| format!("Repetitions row {id}: {problem}");
        let stamp = stamp.ok_or_else(|| bad("no timestamp"))?;
        let date = date_of_stamp(stamp)
            .ok_or_else(|| bad(&format!("timestamp {stamp} is before 1970")))?;
        let value = value.ok_or_else(|| bad("no value"))?;
        let habit = &mut habits[index];
        let mark = match (&habit.measure, value) {
            (Measure::YesNo, YES_MANUAL) => Mark::Done,
            (Measure::YesNo, SKIP) => Mark::Skipped,
            // Not done, unknown, or filled in by Loop: nothing was done.
            (Measure::YesNo, _) => continue,
            // -1 is "unknown" here too.
            (Measure::Numerical { .. }, value) if value < 0 => continue,
            (Measure::Numerical { .. }, value) => Mark::Thousandths(value),
        };
        habit.days.push((date, mark));
    }
    Ok(habits)
}

enum RowError {
    Sqlite(rusqlite::Error),
    Bad(i64, String),
}

impl From<rusqlite::Error> for RowError {
    fn from(e: rusqlite::Error) -> RowError {
        RowError::Sqlite(e)
    }
}

/// One row of `Habits` as [`read_habits`] selects it.
fn habit_row(row: &Row<'_>) -> Result<(i64, LoopHabit), RowError> {
    let id: i64 = row.get(0)?;
    let bad = |problem: String| RowError::Bad(id, problem);
    let name: Option<String> = row.get(1)?;
    let name = name.ok_or_else(|| bad("no name".to_string()))?;
    let kind: Option<i64> = row.get(5)?;
    let measure = match kind.unwrap_or(TYPE_YES_NO) {
        TYPE_YES_NO => Measure::YesNo,
        TYPE_NUMERICAL => Measure::Numerical {
            target: row.get::<_, Option<f64>>(6)?.unwrap_or(0.0),
            unit: row.get::<_, Option<String>>(7)?.unwrap_or_default(),
        },
        other => return Err(bad(format!("unknown habit type {other}"))),
    };
    let habit = LoopHabit {
        name,
        question: row.get::<_, Option<String>>(2)?.unwrap_or_default(),
        uuid: row.get(3)?,
        archived: row.get::<_, Option<i64>>(4)?.is_some_and(|a| a != 0),
        measure,
        days: Vec::new(),
    };
    Ok((id, habit))
}

/// Writes `backup` to `path` as a file Loop imports, atomically: the file
/// appears whole or not at all. An existing file is replaced only if
/// `replace`. The file is `0600`, as is the history it comes from.
pub fn write(path: &Path, backup: &Backup, replace: bool) -> Result<(), LoopError> {
    let io_error = |what: &str, source| LoopError::Io {
        path: path.to_path_buf(),
        what: what.to_string(),
        source,
    };
    // Asked before the work, for a quick answer; the rename below asks
    // again, so a file that appears meanwhile is not replaced either.
    if !replace && path.symlink_metadata().is_ok() {
        return Err(LoopError::Exists {
            path: path.to_path_buf(),
        });
    }
    let Some(name) = path.file_name() else {
        return Err(io_error(
            "cannot write there",
            io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"),
        ));
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(format!(".{}.tmp", std::process::id()));
    let temp = Temporary(dir.join(temp_name));
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temp.0)
        .map_err(|e| io_error("cannot create a file beside it", e))?;
    fill(&temp.0, backup).map_err(|e| match e {
        Filled::Sqlite(source) => LoopError::Sqlite {
            path: path.to_path_buf(),
            source,
        },
        Filled::Unwritable(e) => e,
    })?;
    std::fs::File::open(&temp.0)
        .and_then(|file| file.sync_all())
        .map_err(|e| io_error("cannot write the backup to disk", e))?;
    put_in_place(&temp.0, path, replace)?;
    temp.keep();
    // The rename is durable once the directory is; a failure here leaves
    // the file in place, so it is not worth failing the export for.
    if let Ok(dir) = std::fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// A file removed when dropped, unless kept: the half-made backup, if
/// writing fails.
struct Temporary(PathBuf);

impl Temporary {
    /// Leaves the file alone: it has been renamed into place.
    fn keep(mut self) {
        self.0 = PathBuf::new();
    }
}

impl Drop for Temporary {
    fn drop(&mut self) {
        if !self.0.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

/// Renames `temp` to `path`; unless `replace`, only if `path` does not
/// exist, checked by the rename itself where the file system can.
fn put_in_place(temp: &Path, path: &Path, replace: bool) -> Result<(), LoopError> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    let failed = |source: io::Error| LoopError::Io {
        path: path.to_path_buf(),
        what: "cannot put the backup in place".to_string(),
        source,
    };
    let exists = || LoopError::Exists {
        path: path.to_path_buf(),
    };
    if replace {
        return std::fs::rename(temp, path).map_err(failed);
    }
    match renameat_with(CWD, temp, CWD, path, RenameFlags::NOREPLACE) {
        Ok(()) => Ok(()),
        Err(rustix::io::Errno::EXIST) => Err(exists()),
        // A file system without RENAME_NOREPLACE (vfat, some network ones).
        Err(rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS) => {
            if path.symlink_metadata().is_ok() {
                return Err(exists());
            }
            std::fs::rename(temp, path).map_err(failed)
        }
        Err(e) => Err(failed(e.into())),
    }
}

enum Filled {
    Sqlite(rusqlite::Error),
    Unwritable(LoopError),
}

impl From<rusqlite::Error> for Filled {
    fn from(e: rusqlite::Error) -> Filled {
        Filled::Sqlite(e)
    }
}

/// Writes the tables and rows into the empty file at `temp`.
fn fill(temp: &Path, backup: &Backup) -> Result<(), Filled> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(temp, flags)?;
    // The file is not in place until it is complete and synced, so a crash
    // needs no journal to recover from: it leaves a temporary file only.
    conn.pragma_update_and_check(None, "journal_mode", "OFF", |row| row.get::<_, String>(0))?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    let tx = conn.transaction()?;
    tx.execute_batch(SCHEMA)?;
    tx.pragma_update(None, "user_version", VERSION_WRITTEN)?;
    {
        let mut habit_insert = tx.prepare(
            "INSERT INTO Habits (archived, color, description, freq_den, freq_num,
                highlight, name, position, reminder_hour, reminder_min, reminder_days,
                type, target_type, target_value, unit, question, uuid)
             VALUES (?1, 8, '', 1, 1, 0, ?2, ?3, NULL, NULL, 0, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        let mut day_insert = tx.prepare(
            "INSERT INTO Repetitions (habit, timestamp, value, notes) VALUES (?1, ?2, ?3, '')",
        )?;
        for (position, habit) in backup.habits.iter().enumerate() {
            let (kind, target, unit) = match &habit.measure {
                Measure::YesNo => (TYPE_YES_NO, 0.0, ""),
                Measure::Numerical { target, unit } => (TYPE_NUMERICAL, *target, unit.as_str()),
            };
            habit_insert.execute(params![
                i64::from(habit.archived),
                habit.name,
                position as i64,
                kind,
                AT_LEAST,
                target,
                unit,
                habit.question,
                habit.uuid,
            ])?;
            let id = tx.last_insert_rowid();
            for &(date, mark) in &habit.days {
                let unwritable = |problem: &str| {
                    Filled::Unwritable(LoopError::Unwritable {
                        habit: habit.name.clone(),
                        date,
                        problem: problem.to_string(),
                    })
                };
                let stamp = stamp_of_date(date)
                    .ok_or_else(|| unwritable("Loop keeps no days before 1970"))?;
                let value = match mark {
                    Mark::Done => YES_MANUAL,
                    Mark::Skipped => SKIP,
                    Mark::Thousandths(value) => {
                        if i32::try_from(value).is_err() {
                            return Err(unwritable(&format!(
                                "{} is more than Loop can store (at most {})",
                                value / 1000,
                                i32::MAX / 1000
                            )));
                        }
                        value
                    }
                };
                day_insert.execute(params![id, stamp, value])?;
            }
        }
    }
    tx.commit()?;
    conn.close().map_err(|(_, e)| e)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    /// A backup of [`water`] alone, written to a new directory (kept as
    /// long as the first value lives).
    fn water_backup() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("loop.db");
        let backup = Backup {
            habits: vec![water()],
        };
        write(&path, &backup, false).unwrap();
        (dir, path)
    }

    fn water() -> LoopHabit {
        LoopHabit {
            name: "Drink water".to_string(),
            question: "Did you drink 8 glasses?".to_string(),
            uuid: Some("0123456789abcdef0123456789abcdef".to_string()),
            archived: false,
            measure: Measure::Numerical {
                target: 8.0,
                unit: "glasses".to_string(),
            },
            days: vec![
                (date(2024, 5, 1), Mark::Thousandths(8000)),
                (date(2024, 5, 3), Mark::Thousandths(2500)),
            ],
        }
    }

    fn stretch() -> LoopHabit {
        LoopHabit {
            name: "Stretch".to_string(),
            question: String::new(),
            uuid: Some("fedcba9876543210fedcba9876543210".to_string()),
            archived: true,
            measure: Measure::YesNo,
            days: vec![
                (date(1970, 1, 1), Mark::Done),
                (date(2024, 5, 2), Mark::Skipped),
            ],
        }
    }

    #[test]
    fn days_are_utc_midnights_in_milliseconds() {
        assert_eq!(stamp_of_date(date(1970, 1, 1)), Some(0));
        assert_eq!(stamp_of_date(date(2024, 5, 1)), Some(1_714_521_600_000));
        assert_eq!(stamp_of_date(date(1969, 12, 31)), None);
        assert_eq!(date_of_stamp(1_714_521_600_000), Some(date(2024, 5, 1)));
        // A remainder is dropped, as Loop's Timestamp does.
        assert_eq!(
            date_of_stamp(1_714_521_600_000 + DAY_MS - 1),
            Some(date(2024, 5, 1))
        );
        assert_eq!(date_of_stamp(-1), None);
    }

    #[test]
    fn a_written_backup_reads_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("loop.db");
        let backup = Backup {
            habits: vec![water(), stretch()],
        };
        write(&path, &backup, false).unwrap();
        assert_eq!(read(&path).unwrap(), backup);
        // Nothing but the file is left beside it.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["loop.db"]);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    /// The names of `table`'s columns in `path`, in order.
    fn columns(conn: &Connection, table: &str) -> Vec<String> {
        conn.prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn the_file_has_what_loop_s_importer_reads() {
        let (_dir, path) = water_backup();
        let conn = Connection::open(&path).unwrap();
        // LoopDBImporter.canHandle (a9fddf99): both tables, by these names.
        let found: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'Habits' OR name = 'Repetitions'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(found, 2);
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .unwrap();
        assert_eq!(
            version, 25,
            "Loop 2's DATABASE_VERSION (Constants.kt, c7917dc1)"
        );
        // The @Column names of HabitRecord.kt (e8a4a974), in its order.
        let mut habit_record = [
            "description",
            "question",
            "name",
            "freq_num",
            "freq_den",
            "color",
            "position",
            "reminder_hour",
            "reminder_min",
            "reminder_days",
            "highlight",
            "archived",
            "type",
            "target_value",
            "target_type",
            "unit",
            "id",
            "uuid",
        ];
        let mut found = columns(&conn, "Habits");
        habit_record.sort_unstable();
        found.sort_unstable();
        assert_eq!(found, habit_record);
        // And of EntryRecord.kt (b870dd85).
        let mut entry_record = ["habit", "timestamp", "value", "id", "notes"];
        let mut found = columns(&conn, "Repetitions");
        entry_record.sort_unstable();
        found.sort_unstable();
        assert_eq!(found, entry_record);
        // HabitRecord.copyTo takes these with `!!`: NULL would crash Loop.
        let nulls: i64 = conn
            .query_row(
                "SELECT count(*) FROM Habits WHERE name IS NULL OR description IS NULL
                 OR question IS NULL OR freq_num IS NULL OR freq_den IS NULL
                 OR color IS NULL OR type IS NULL OR target_type IS NULL
                 OR target_value IS NULL OR unit IS NULL OR position IS NULL",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(nulls, 0);
        // A numerical day is its amount times 1000, on the UTC midnight.
        let days: Vec<(i64, i64)> = conn
            .prepare("SELECT timestamp, value FROM Repetitions ORDER BY timestamp")
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            days,
            [
                (1_714_521_600_000, 8000),
                (1_714_521_600_000 + 2 * DAY_MS, 2500)
            ]
        );
        // Not in WAL mode: one file is the whole backup.
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))
            .unwrap();
        assert_eq!(mode, "delete");
    }

    #[test]
    fn an_existing_file_is_kept_unless_replacing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("loop.db");
        std::fs::write(&path, "keep me").unwrap();
        let backup = Backup {
            habits: vec![water()],
        };
        let error = write(&path, &backup, false).unwrap_err();
        assert!(matches!(error, LoopError::Exists { .. }), "{error:?}");
        assert_eq!(
            error.to_string(),
            format!("{} exists; add --force to replace it", path.display())
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"keep me");
        write(&path, &backup, true).unwrap();
        assert_eq!(read(&path).unwrap(), backup);
    }

    #[test]
    fn a_day_loop_cannot_hold_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("loop.db");
        let mut habit = water();
        habit
            .days
            .push((date(2024, 5, 4), Mark::Thousandths(3_000_000_000)));
        let error = write(
            &path,
            &Backup {
                habits: vec![habit],
            },
            false,
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "\"Drink water\" on 2024-05-04: 3000000 is more than Loop can store (at most 2147483)"
        );
        let mut habit = stretch();
        habit.days.push((date(1969, 12, 31), Mark::Done));
        let error = write(
            &path,
            &Backup {
                habits: vec![habit],
            },
            false,
        )
        .unwrap_err();
        assert!(error.to_string().contains("no days before 1970"), "{error}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    /// A file made the way Loop makes one, at `version`, with `sql` run in it.
    fn loop_file(dir: &Path, version: i64, sql: &str) -> PathBuf {
        let path = dir.join(format!("v{version}.db"));
        let conn = Connection::open(&path).unwrap();
        // Rows of a habit that is gone, as Loop before version 22 left them.
        conn.pragma_update(None, "foreign_keys", false).unwrap();
        conn.execute_batch(sql).unwrap();
        conn.pragma_update(None, "user_version", version).unwrap();
        path
    }

    #[test]
    fn loop_s_own_values_are_read_as_they_mean() {
        let dir = tempfile::tempdir().unwrap();
        // Loop's tables at version 22 (before uuid and notes), with the
        // columns Loop itself still had then.
        let path = loop_file(
            dir.path(),
            22,
            "CREATE TABLE Habits (id integer primary key autoincrement, archived integer,
                color integer, description text, freq_den integer, freq_num integer,
                skip_days integer, skip_days_list integer, highlight integer, name text,
                position integer, reminder_hour integer, reminder_min integer,
                reminder_days integer not null default 127, type integer not null default 0,
                target_type integer not null default 0, target_value real not null default 0,
                unit text not null default '', question text);
             CREATE TABLE Repetitions (id integer primary key autoincrement,
                habit integer not null references habits(id), timestamp integer not null,
                value integer not null);
             CREATE TABLE Events (id integer primary key autoincrement, timestamp integer,
                message text, server_id integer);
             INSERT INTO Habits (id, name, position, type, target_value, unit, archived)
                VALUES (1, 'Walk', 1, 1, 2.5, 'km', 0), (2, 'Floss', 0, 0, 0, '', 1);
             INSERT INTO Repetitions (habit, timestamp, value) VALUES
                (2, 86400000, 2), (2, 172800000, 0), (2, 259200000, 3),
                (2, 345600000, 1), (2, 432000000, -1),
                (1, 86400000, 3200), (1, 172800000, -1), (1, 259200000, 0),
                (9, 86400000, 2);",
        );
        let backup = read(&path).unwrap();
        let floss = LoopHabit {
            name: "Floss".to_string(),
            question: String::new(),
            uuid: None,
            archived: true,
            measure: Measure::YesNo,
            days: vec![
                (date(1970, 1, 2), Mark::Done),
                (date(1970, 1, 4), Mark::Skipped),
            ],
        };
        let walk = LoopHabit {
            name: "Walk".to_string(),
            question: String::new(),
            uuid: None,
            archived: false,
            measure: Measure::Numerical {
                target: 2.5,
                unit: "km".to_string(),
            },
            days: vec![
                (date(1970, 1, 2), Mark::Thousandths(3200)),
                (date(1970, 1, 4), Mark::Thousandths(0)),
            ],
        };
        assert_eq!(backup.habits, [floss, walk]);
    }

    /// What reading `path` says is wrong with it.
    fn problem(path: &Path) -> String {
        match read(path).unwrap_err() {
            LoopError::NotABackup { problem, .. } => problem,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_file_that_is_not_a_backup_says_what_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let how = HOW_TO_EXPORT;
        let empty = dir.path().join("empty.db");
        std::fs::write(&empty, "").unwrap();
        assert_eq!(
            problem(&empty),
            format!("not a Loop backup: the file is empty; {how}")
        );
        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "water,2024-05-01\n").unwrap();
        assert_eq!(
            problem(&text),
            format!("not a Loop backup: it is not an SQLite database; {how}")
        );
        let zip = dir.path().join("Loop Habits CSV.zip");
        std::fs::write(&zip, b"PK\x03\x04\x14\0\0\0").unwrap();
        assert!(problem(&zip).contains("zip archive"), "{}", problem(&zip));

        let other = loop_file(dir.path(), 3, "CREATE TABLE notes (body text);");
        assert_eq!(
            problem(&other),
            format!(
                "not a Loop backup: it is an SQLite database with tables notes, without Loop's tables Habits and Repetitions; {how}"
            )
        );
        let history_path = dir.path().join("habitd.db");
        crate::store::Store::open(&history_path).unwrap();
        assert!(
            problem(&history_path).contains("it is a habitd history"),
            "{}",
            problem(&history_path)
        );

        let tables = "CREATE TABLE Habits (id integer primary key, name text, position integer);
                      CREATE TABLE Repetitions (id integer primary key, habit integer,
                          timestamp integer, value integer);";
        let newer = loop_file(dir.path(), 27, tables);
        assert_eq!(
            problem(&newer),
            "Loop database version 27 is not supported (habitd reads versions 22 to 26); a newer Loop than habitd knows wrote it"
        );
        let older = loop_file(dir.path(), 21, tables);
        assert!(problem(&older).contains("version 21 is not supported"));
        // Tables of the right names, without the columns of their version.
        let bare = loop_file(dir.path(), 25, tables);
        assert!(
            problem(&bare).starts_with("cannot be read ("),
            "{}",
            problem(&bare)
        );
    }

    #[test]
    fn a_habitbull_csv_is_read_as_loop_reads_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("HabitBullData.csv");
        std::fs::write(
            &path,
            "HabitName,HabitDescription,HabitCategory,CalendarDate,Value,CommentText\r\n\
             Water,\"8 glasses, \"\"at least\"\"\",Health,2024-05-01,1,\"a\nnote\"\r\n\
             Floss,,Health,2024-5-2,0,\r\n\
             Water,,Health,2024-05-03,2,\r\n\
             HabitName,HabitDescription,HabitCategory,CalendarDate,Value,CommentText\r\n\
             \r\n\
             Water,,Health,2024-05-04,1,\r\n",
        )
        .unwrap();
        let habit = |name: &str, days: Vec<(Date, Mark)>| LoopHabit {
            name: name.to_string(),
            question: String::new(),
            uuid: None,
            archived: false,
            measure: Measure::YesNo,
            days,
        };
        assert_eq!(
            read(&path).unwrap().habits,
            [
                habit(
                    "Water",
                    vec![
                        (date(2024, 5, 1), Mark::Done),
                        (date(2024, 5, 4), Mark::Done)
                    ]
                ),
                habit("Floss", vec![]),
            ]
        );
        let header = "HabitName,HabitDescription,HabitCategory,CalendarDate,Value\n";
        for (row, expected) in [
            (
                "Water,,Health,2024-02-30,1",
                "row 2: invalid date \"2024-02-30\", expected YYYY-MM-DD",
            ),
            (
                "Water,,Health,01/05/2024,1",
                "row 2: invalid date \"01/05/2024\", expected YYYY-MM-DD",
            ),
            (
                "Water,,Health,2024-05-01,yes",
                "row 2: invalid value \"yes\", expected a whole number",
            ),
            (
                "Water,2024-05-01,1",
                "row 2: expected HabitName,HabitDescription,HabitCategory,CalendarDate,Value, e.g. \"Water,,Health,2024-05-01,1\"",
            ),
        ] {
            std::fs::write(&path, format!("{header}{row}\n")).unwrap();
            assert_eq!(problem(&path), expected);
        }
    }

    #[test]
    fn rows_loop_never_writes_are_named() {
        let (_dir, path) = water_backup();
        let conn = Connection::open(&path).unwrap();
        conn.execute(
            "UPDATE Repetitions SET timestamp = -86400000 WHERE id = 2",
            [],
        )
        .unwrap();
        assert_eq!(
            problem(&path),
            "Repetitions row 2: timestamp -86400000 is before 1970"
        );
        conn.execute("UPDATE Habits SET type = 7", []).unwrap();
        assert_eq!(problem(&path), "Habits row 1: unknown habit type 7");
        conn.execute("UPDATE Habits SET type = 'yes'", []).unwrap();
        assert!(
            problem(&path).starts_with("cannot be read ("),
            "{}",
            problem(&path)
        );
    }
}
