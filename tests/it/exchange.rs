//! `habitd export --loop` and `habitd import --loop` through the real
//! binary: a history carried to a Loop Habit Tracker backup and back into a
//! fresh history keeps its day totals; Loop's own files (made here with the
//! tables Loop 2 has) are matched to habits or wait for a `--map`; importing
//! twice adds nothing; files that are not Loop backups are refused with
//! nothing written; and a running daemon sees what was imported.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use habitd::store::Store;
use jiff::civil::Date;
use rusqlite::Connection;
use serde_json::Value;

use crate::support::{Daemon, DbusSession, NotificationServer, TestHome};

/// Every habit kind: a count, minutes, a default goal of once a day; in a
/// zone far from UTC, so a day that slipped through an instant would show.
const CONFIG: &str = r#"[settings]
timezone = "Pacific/Auckland"
[habits.water]
title = "Drink water"
every = "1h"
between = "09:00-21:00"
goal = { count = 8, unit = "glasses" }
[habits.walk]
title = "Walk"
at = "17:30"
goal = { minutes = 20 }
[habits.bedtime-stretch]
title = "Bedtime stretches"
at = "22:30"
"#;

fn run(home: &TestHome, args: &[&str]) -> String {
    let out = home.habitd(None, args);
    assert!(
        out.status.success(),
        "habitd {args:?} failed ({:?}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn history(home: &TestHome) -> PathBuf {
    home.data_home().join("habitd").join("habitd.db")
}

/// Each habit's day totals, as the store keeps them.
fn totals(home: &TestHome) -> Vec<(String, Vec<(Date, i64)>)> {
    let store = Store::open(&history(home)).expect("the history opens");
    ["bedtime-stretch", "walk", "water"]
        .iter()
        .map(|id| (id.to_string(), store.daily_totals(id).unwrap()))
        .collect()
}

fn log(home: &TestHome) -> Vec<Value> {
    let log: Value = serde_json::from_str(&run(home, &["log", "--json"])).expect("log JSON");
    log.as_array().unwrap().clone()
}

/// Today in the config's zone, and `n` days before it.
fn days_ago(n: i64) -> Date {
    let tz = jiff::tz::TimeZone::get("Pacific/Auckland").unwrap();
    let today = jiff::Timestamp::now().to_zoned_datetime(tz).date();
    today.checked_sub(jiff::Span::new().days(n)).unwrap()
}

#[test]
fn export_then_import_keeps_every_day_total() {
    let from = TestHome::new();
    from.write_config(CONFIG);
    for (habit, amount, days) in [
        ("water", "3", 2),
        ("water", "5", 2),
        ("water", "8", 40),
        ("walk", "25m", 40),
        ("walk", "90", 300),
        ("bedtime-stretch", "1", 300),
    ] {
        let at = format!("{} 12:00", days_ago(days));
        run(&from, &["done", habit, amount, "--at", &at]);
    }
    run(&from, &["done", "water", "2"]);
    // Taken back: not a total any more, so not exported.
    run(&from, &["undo", "water"]);
    let before = totals(&from);
    assert_eq!(before.iter().map(|(_, days)| days.len()).sum::<usize>(), 5);

    let file = from.path().join("Loop Habits Backup.db");
    let file_arg = file.to_str().unwrap();
    let said = run(&from, &["export", "--loop", file_arg]);
    assert_eq!(
        said,
        format!("wrote 3 habits with 5 days to {file_arg}; in Loop: Settings → Import data\n")
    );
    // A second export does not overwrite the first unless told to.
    let again = from.habitd(None, &["export", "--loop", file_arg]);
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&again.stderr),
        format!("habitd: {file_arg} exists; add --force to replace it\n")
    );
    run(&from, &["export", "--loop", file_arg, "--force"]);
    assert_opens_in_the_system_sqlite(&file);

    let to = TestHome::new();
    to.write_config(CONFIG);
    let said = run(&to, &["import", "--loop", file_arg]);
    assert_eq!(
        said,
        format!(
            "\"Bedtime stretches\" → bedtime-stretch: 1 day, 1 new\n\
             \"Walk\" → walk: 2 days, 2 new\n\
             \"Drink water\" → water: 2 days, 2 new\n\
             imported 5 days from {file_arg}\n"
        )
    );
    assert_eq!(totals(&to), before);
    let events = log(&to);
    assert!(
        events
            .iter()
            .all(|e| e["source"] == "import" && e["kind"] == "done"),
        "{events:#?}"
    );

    // Twice: nothing more.
    let said = run(&to, &["import", "--loop", file_arg]);
    assert!(
        said.ends_with(&format!(
            "imported 0 days from {file_arg}; 5 imported before\n"
        )),
        "{said}"
    );
    assert_eq!(totals(&to), before);
    assert_eq!(log(&to).len(), events.len());
}

/// The exported file, read by the system's SQLite (Python's), as a tool
/// other than habitd sees it: the tables and columns Loop's importer reads
/// (LoopDBImporter.kt a9fddf99, HabitRecord.kt e8a4a974, EntryRecord.kt
/// b870dd85 in iSoron/uhabits), at Loop 2's database version.
fn assert_opens_in_the_system_sqlite(file: &Path) {
    let script = "import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute('PRAGMA user_version').fetchone()[0])
for t in ('Habits', 'Repetitions'):
    print(t, ' '.join(sorted(r[1] for r in c.execute('PRAGMA table_info(' + t + ')'))))
print(c.execute(\"SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name)\").fetchone()[0])
print(c.execute('SELECT count(*), sum(value) FROM Repetitions').fetchone())";
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(file)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "25\n\
         Habits archived color description freq_den freq_num highlight id name position question reminder_days reminder_hour reminder_min target_type target_value type unit uuid\n\
         Repetitions habit id notes timestamp value\n\
         Habits Repetitions\n\
         (5, 132000)\n"
    );
}

/// A backup as Loop 2 writes one (database version 25: the columns its
/// migrations left, `skip_days` and the unused `Events` table included),
/// holding `sql`'s rows.
fn loop_file(dir: &Path, version: i64, sql: &str) -> PathBuf {
    let path = dir.join("Loop Habits Backup 2024-05-04.db");
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE Habits (id integer primary key autoincrement, archived integer,
            color integer, description text, freq_den integer, freq_num integer,
            skip_days integer, skip_days_list integer, highlight integer, name text,
            position integer, reminder_hour integer, reminder_min integer,
            reminder_days integer not null default 127, type integer not null default 0,
            target_type integer not null default 0, target_value real not null default 0,
            unit text not null default '', question text, uuid text);
         CREATE TABLE Repetitions (id integer primary key autoincrement,
            habit integer not null references habits(id), timestamp integer not null,
            value integer not null, notes text);
         CREATE UNIQUE INDEX idx_repetitions_habit_timestamp ON Repetitions (habit, timestamp);
         CREATE TABLE Events (id integer primary key autoincrement, timestamp integer,
            message text, server_id integer);",
    )
    .unwrap();
    conn.execute_batch(sql).unwrap();
    conn.pragma_update(None, "user_version", version).unwrap();
    path
}

/// Loop's timestamp of `date`: its UTC midnight in milliseconds.
fn stamp(date: Date) -> i64 {
    jiff::tz::Offset::UTC
        .to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
        .unwrap()
        .as_millisecond()
}

#[test]
fn loop_habits_are_matched_by_name_or_wait_for_a_map() {
    let home = TestHome::new();
    home.write_config(CONFIG);
    let (d1, d2) = (days_ago(3), days_ago(2));
    let file = loop_file(
        home.path(),
        25,
        &format!(
            "INSERT INTO Habits (id, name, description, question, position, type,
                 target_type, target_value, unit, uuid, archived, color, freq_num, freq_den)
             VALUES
                 (1, 'Drink Water', '', 'Did you drink?', 0, 0, 0, 0, '', 'aa', 0, 3, 1, 1),
                 (2, 'Walking', '', '', 1, 1, 0, 3.5, 'km', 'bb', 0, 4, 1, 1),
                 (3, 'Meditate', '', '', 2, 0, 0, 0, '', 'cc', 1, 5, 3, 7),
                 (4, 'Read', '', '', 3, 0, 0, 0, '', 'dd', 0, 6, 1, 1);
             INSERT INTO Repetitions (habit, timestamp, value) VALUES
                 (1, {s1}, 2), (1, {s2}, 3), (1, {s0}, 0),
                 (2, {s1}, 2400), (2, {s2}, 2600),
                 (3, {s1}, 2);",
            s0 = stamp(days_ago(4)),
            s1 = stamp(d1),
            s2 = stamp(d2),
        ),
    );
    let file_arg = file.to_str().unwrap();

    let out = home.habitd(None, &["import", "--loop", file_arg]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "habitd: no habit has the id or title of these Loop habits; map each to a habit, or leave it out with \"=-\":\n  \
         --map Walking=walk\n  \
         --map Meditate=-\n\
         habitd: the habits are: bedtime-stretch, walk, water\n\
         habitd: nothing imported: 2 Loop habits with no habit\n"
    );
    assert!(!history(&home).exists(), "the history was created");

    let typo = home.habitd(None, &["import", "--loop", file_arg, "--map", "Meditat=-"]);
    assert_eq!(typo.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&typo.stderr),
        "habitd: --map \"Meditat\": the backup has no habit of that name; did you mean \"Meditate\"?\n"
    );

    // Everything left out: nothing recorded, and no history made for it.
    let said = run(
        &home,
        &[
            "import",
            "--loop",
            file_arg,
            "--map",
            "Walking=-",
            "--map",
            "Meditate=-",
            "--map",
            "Drink Water=-",
        ],
    );
    assert!(
        said.ends_with(&format!("imported 0 days from {file_arg}\n")),
        "{said}"
    );
    assert!(!history(&home).exists(), "the history was created");

    let said = run(
        &home,
        &[
            "import",
            "--loop",
            file_arg,
            "--map",
            "Walking=walk",
            "--map",
            "meditate=-",
        ],
    );
    assert_eq!(
        said,
        format!(
            "\"Drink Water\" → water: 2 days, 2 new\n\
             \"Walking\" → walk: 2 days, 2 new\n\
             \"Meditate\": left out\n\
             \"Read\": no days to import\n\
             imported 4 days from {file_arg}\n"
        )
    );
    let totals = totals(&home);
    // A yes/no day done is the whole goal; a skipped day a rest day; a
    // numerical day its amount, rounded.
    assert_eq!(totals[2], ("water".to_string(), vec![(d1, 8)]));
    assert_eq!(totals[1], ("walk".to_string(), vec![(d1, 2), (d2, 3)]));
    let skips: Vec<Value> = log(&home)
        .into_iter()
        .filter(|e| e["kind"] == "skipped")
        .collect();
    assert_eq!(skips.len(), 1, "{skips:#?}");
    assert_eq!(skips[0]["habit"], "water");
    assert_eq!(skips[0]["date"], d2.to_string());
    assert_eq!(skips[0]["source"], "import");
    // Where it came from: the Loop habit's uuid and the day.
    assert_eq!(
        skips[0]["data"],
        serde_json::json!({ "loop": format!("aa/{d2}") })
    );
}

#[test]
fn a_file_that_is_not_a_loop_backup_is_refused_and_nothing_is_written() {
    let home = TestHome::new();
    home.write_config(CONFIG);
    let dir = home.path();
    let empty = dir.join("empty.db");
    std::fs::write(&empty, "").unwrap();
    let text = dir.join("habits.csv");
    std::fs::write(&text, "date,water\n2024-05-01,8\n").unwrap();
    let other = dir.join("other.db");
    Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE notes (body text);")
        .unwrap();
    let newer = loop_file(dir, 27, "");
    let how = "a Loop Habit Tracker backup is the .db file Loop writes with Settings → Export full backup";
    for (file, problem) in [
        (&empty, format!("not a Loop backup: the file is empty; {how}")),
        (&text, format!("not a Loop backup: it is not an SQLite database; {how}")),
        (
            &other,
            format!("not a Loop backup: it is an SQLite database with tables notes, without Loop's tables Habits and Repetitions; {how}"),
        ),
        (
            &newer,
            "Loop database version 27 is not supported (habitd reads versions 22 to 26); a newer Loop than habitd knows wrote it".to_string(),
        ),
    ] {
        let out = home.habitd(None, &["import", "--loop", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{}", file.display());
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("habitd: {}: {problem}\n", file.display())
        );
    }
    // Not there at all: the system's failure, not the file's.
    let missing = dir.join("missing.db");
    let out = home.habitd(None, &["import", "--loop", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "habitd: {}: cannot read the backup: No such file or directory (os error 2)\n",
            missing.display()
        )
    );
    assert!(!history(&home).exists(), "the history was created");
    // A habitd history, for one, is named for what it is.
    run(&home, &["done", "water"]);
    let out = home.habitd(
        None,
        &["import", "--loop", history(&home).to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("it is a habitd history"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(log(&home).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_daemon_sees_what_was_imported() {
    let bus = DbusSession::start();
    let _server = NotificationServer::start(bus.address()).await;
    let home = TestHome::new();
    home.write_config(CONFIG);
    let mut daemon = Daemon::spawn(bus.address(), &home, &["run"]);
    const WAIT: Duration = Duration::from_secs(15);
    daemon.wait_for_log("started", WAIT).expect("habitd starts");
    let today = days_ago(0);
    let file = loop_file(
        home.path(),
        25,
        &format!(
            "INSERT INTO Habits (id, name, description, question, position, type,
                 target_type, target_value, unit, uuid, archived, color, freq_num, freq_den)
             VALUES (1, 'water', '', '', 0, 1, 0, 8, 'glasses', 'aa', 0, 3, 1, 1);
             INSERT INTO Repetitions (habit, timestamp, value) VALUES (1, {}, 5000);",
            stamp(today)
        ),
    );
    run(&home, &["import", "--loop", file.to_str().unwrap()]);
    daemon
        .wait_for_log("another process wrote the history", WAIT)
        .expect("the daemon is told");
    // It reads the history on its own thread: asked until it answers with
    // the import, or the time is up.
    let deadline = Instant::now() + WAIT;
    loop {
        let out = home.habitd(Some(bus.address()), &["status", "--json"]);
        let status: Value = serde_json::from_slice(&out.stdout).expect("status JSON");
        assert_eq!(status["daemon"], true, "{status}");
        let water = status["habits"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["habit"] == "water")
            .cloned()
            .unwrap();
        if water["done"] == 5 {
            break;
        }
        assert!(Instant::now() < deadline, "{water}\n{}", daemon.log());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[test]
fn an_export_needs_no_history_and_never_replaces_it() {
    let home = TestHome::new();
    home.write_config(CONFIG);
    let file = home.path().join("habits.db");
    let file_arg = file.to_str().unwrap();
    let said = run(&home, &["export", "--loop", file_arg]);
    assert_eq!(
        said,
        format!("wrote 3 habits with 0 days to {file_arg}; in Loop: Settings → Import data\n")
    );
    assert!(!history(&home).exists(), "the export created a history");

    run(&home, &["done", "water"]);
    let history = history(&home);
    let out = home.habitd(
        None,
        &["export", "--loop", history.to_str().unwrap(), "--force"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "habitd: {} is habitd's history; export to another file\n",
            history.display()
        )
    );
    assert_eq!(log(&home).len(), 1);
}
