//! Recording history from the command line with no daemon running: done,
//! undo, skip, snooze, pause and resume as `status`, `log` and `streaks` see
//! them, in a real SQLite store under a temporary XDG_DATA_HOME.

use std::os::unix::fs::PermissionsExt;

use serde_json::Value;

use crate::support::{TestHome, sh_quote};

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

fn json(home: &TestHome, args: &[&str]) -> Value {
    serde_json::from_str(&run(home, args)).expect("valid JSON")
}

fn habit<'a>(status: &'a Value, id: &str) -> &'a Value {
    status["habits"]
        .as_array()
        .expect("habits")
        .iter()
        .find(|h| h["habit"] == id)
        .unwrap_or_else(|| panic!("no {id} in {status}"))
}

const CONFIG: &str = r#"[settings]
timezone = "UTC"
[habits.water]
title = "Water"
every = "1h"
between = "00:00-23:59"
goal = { count = 8, unit = "glasses" }
[habits.walk]
title = "Walk"
at = "23:59"
goal = { minutes = 20 }
"#;

#[test]
fn done_and_undo_move_today_s_progress() {
    let home = TestHome::new();
    home.write_config(CONFIG);
    assert!(run(&home, &["done", "water", "2"]).starts_with("water: 2/8 glasses on "));
    run(&home, &["done", "water"]);
    run(&home, &["done", "walk", "25m"]);
    let status = json(&home, &["status", "--json"]);
    assert_eq!(status["daemon"], false);
    assert_eq!(habit(&status, "water")["done"], 3);
    assert_eq!(habit(&status, "walk")["done"], 25);
    assert_eq!(habit(&status, "walk")["met"], true);

    assert!(run(&home, &["undo", "water"]).contains("took back 1; now 2/8"));
    assert!(run(&home, &["undo"]).contains("walk: took back 25"));
    let status = json(&home, &["status", "--json"]);
    assert_eq!(habit(&status, "water")["done"], 2);
    assert_eq!(habit(&status, "walk")["done"], 0);

    // History is append-only: the corrections are events too.
    let log = json(&home, &["log", "--json"]);
    let kinds: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["done", "done", "done", "undone", "undone"]);
    let undo_all = home.habitd(None, &["undo", "walk"]);
    assert_eq!(undo_all.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&undo_all.stderr),
        "habitd: nothing to undo for walk\n"
    );
}

#[test]
fn a_met_goal_or_a_skip_ends_the_day_s_reminders() {
    let home = TestHome::new();
    home.write_config(CONFIG);
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date();
    run(&home, &["done", "water", "8"]);
    run(&home, &["skip", "walk"]);
    let status = json(&home, &["status", "--json"]);
    let next_water = habit(&status, "water")["next"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        next_water.starts_with(&today.tomorrow().unwrap().to_string()),
        "{next_water}"
    );
    assert_eq!(habit(&status, "walk")["skipped"], true);
    let next_walk = habit(&status, "walk")["next"].as_str().unwrap().to_string();
    assert!(
        next_walk.starts_with(&today.tomorrow().unwrap().to_string()),
        "{next_walk}"
    );
}

#[test]
fn snooze_and_pause_move_the_next_reminder() {
    let home = TestHome::new();
    home.write_config(CONFIG);
    assert!(run(&home, &["snooze", "water", "7m"]).starts_with("water: snoozed until "));
    let status = json(&home, &["status", "--json"]);
    let water = habit(&status, "water");
    assert_eq!(water["next"], water["snoozed_until"]);

    assert!(run(&home, &["pause"]).contains("until `habitd resume`"));
    let status = json(&home, &["status", "--json"]);
    assert!(status["paused"].is_object(), "{status}");
    assert_eq!(habit(&status, "water")["next"], Value::Null);
    run(&home, &["resume"]);
    let status = json(&home, &["status", "--json"]);
    assert_eq!(status["paused"], Value::Null);
    assert!(habit(&status, "water")["next"].is_string());

    let bad = home.habitd(None, &["snooze", "water", "soon"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("habitd snooze water 20m"));
}

#[test]
fn the_store_is_private_and_its_place_follows_xdg() {
    let home = TestHome::new();
    home.write_config(CONFIG);
    run(&home, &["done", "water"]);
    let dir = home.data_home().join("habitd");
    let db = dir.join("habitd.db");
    assert_eq!(
        std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    assert_eq!(
        std::fs::metadata(&db).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn a_store_from_a_newer_habitd_is_refused_with_its_path() {
    let home = TestHome::new();
    home.write_config(CONFIG);
    run(&home, &["done", "water"]);
    let db = home.data_home().join("habitd").join("habitd.db");
    let status = std::process::Command::new("python3")
        .args(["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('PRAGMA user_version=999'); c.commit()"])
        .arg(&db)
        .status()
        .expect("python3 runs");
    assert!(status.success());
    let out = home.habitd(None, &["done", "water"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&db.display().to_string()) && err.contains("newer"),
        "{err}"
    );
}

#[test]
fn the_history_stays_open_to_the_system_sqlite3() {
    // Messages say to correct a row with sqlite3. Its totals were once
    // kept with group_concat(… ORDER BY …), which SQLite before 3.44 (Debian
    // 12 has 3.40) cannot parse: "malformed database schema", for every
    // query. Here the system's SQLite writes, and its triggers keep count.
    let home = TestHome::new();
    home.write_config(CONFIG);
    run(&home, &["done", "water", "3"]);
    let db = home.data_home().join("habitd").join("habitd.db");
    let script = "import sqlite3,sys
c = sqlite3.connect(sys.argv[1])
(date,) = c.execute('SELECT date FROM events WHERE id = 1').fetchone()
c.execute(\"INSERT INTO events (at_ms, date, habit, kind, amount, source) VALUES (0, ?, 'water', 'done', 2, 'cli')\", (date,))
c.execute(\"INSERT INTO events (at_ms, date, habit, kind, amount, target, source) VALUES (0, ?, 'water', 'undone', 3, 1, 'cli')\", (date,))
c.commit()
(days,) = c.execute(\"SELECT days FROM month_totals WHERE habit = 'water'\").fetchone()
print(days == date[8:] + ':2', sqlite3.sqlite_version, days)";
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&db)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.starts_with("True "), "{said}");
    let log = run(&home, &["log", "water", "--csv"]);
    assert_eq!(log.lines().count(), 4, "{log}");
}

/// Streaks as the CLI reports them for a history written with `done --at`.
fn streak(home: &TestHome, habit: &str) -> (u64, u64) {
    let entries = json(home, &["streaks", habit, "--json"]);
    let entry = &entries[0];
    (
        entry["current"].as_u64().unwrap(),
        entry["longest"].as_u64().unwrap(),
    )
}

#[test]
fn streaks_count_met_days_hold_over_skips_and_today_in_progress() {
    let home = TestHome::new();
    home.write_config(CONFIG);
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date();
    let day = |back: i64| {
        today
            .checked_sub(jiff::Span::new().days(back))
            .unwrap()
            .to_string()
    };
    // Met 6 and 5 days ago, a gap 4 days ago, met 3 and 2, skipped yesterday,
    // nothing yet today.
    for back in [6, 5, 3, 2] {
        run(
            &home,
            &["done", "walk", "--at", &format!("{} 12:00", day(back))],
        );
    }
    run(&home, &["skip", "walk", "--date", &day(1)]);
    assert_eq!(streak(&home, "walk"), (2, 2));
    run(&home, &["done", "walk", "10m"]);
    assert_eq!(
        streak(&home, "walk"),
        (2, 2),
        "a partial today does not count yet"
    );
    run(&home, &["done", "walk", "10m"]);
    assert_eq!(streak(&home, "walk"), (3, 3), "today met extends it");
    let text = run(&home, &["streaks", "walk", "--weeks", "2"]);
    assert!(text.contains("streak 3 days (longest 3)"), "{text}");
    assert!(
        text.contains("# met  + partial  - skipped  . missed"),
        "{text}"
    );
}

#[test]
fn streak_days_are_local_days_across_dst_and_a_zone_change() {
    let home = TestHome::new();
    home.write_config(&CONFIG.replace("timezone = \"UTC\"", "timezone = \"America/New_York\""));
    // 2026-03-07..09 spans the spring-forward day: 23:30 local on each day.
    for date in ["2026-03-07", "2026-03-08", "2026-03-09"] {
        run(&home, &["done", "walk", "--at", &format!("{date} 23:30")]);
    }
    let log = json(&home, &["log", "walk", "--json"]);
    let dates: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["date"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2026-03-07", "2026-03-08", "2026-03-09"]);
    let (_, longest) = streak(&home, "walk");
    assert_eq!(longest, 3);
    // The days recorded stay the days they were lived, after moving zones.
    home.write_config(&CONFIG.replace("timezone = \"UTC\"", "timezone = \"Asia/Tokyo\""));
    assert_eq!(streak(&home, "walk").1, 3);
}

#[test]
fn weekly_habits_count_weeks_with_enough_met_days() {
    let home = TestHome::new();
    home.write_config(&CONFIG.replace(
        "goal = { minutes = 20 }",
        "goal = { minutes = 20 }\nper_week = 2",
    ));
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date();
    let monday = |weeks_back: i64| {
        let this_monday = today
            .checked_sub(jiff::Span::new().days(i64::from(today.weekday().to_monday_zero_offset())))
            .unwrap();
        this_monday
            .checked_sub(jiff::Span::new().weeks(weeks_back))
            .unwrap()
    };
    // Three weeks ago: one walk (not enough); the two weeks after: two each.
    let walks = [(3, 0), (2, 1), (2, 3), (1, 0), (1, 5)];
    for (weeks_back, day) in walks {
        let date = monday(weeks_back)
            .checked_add(jiff::Span::new().days(day))
            .unwrap();
        run(&home, &["done", "walk", "--at", &format!("{date} 12:00")]);
    }
    let entries = json(&home, &["streaks", "walk", "--json"]);
    assert_eq!(entries[0]["unit"], "weeks");
    // The current week is in progress and does not break the streak.
    assert_eq!(
        (
            entries[0]["current"].as_u64(),
            entries[0]["longest"].as_u64()
        ),
        (Some(2), Some(2))
    );
}

/// [`CONFIG`] in a fixed-offset zone where it is now around noon, so a
/// test's "today" cannot change under it (a run straddling midnight UTC
/// straddles no midnight there).
fn config_at_noon() -> String {
    let hour = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .hour();
    // Etc/GMT-N is N hours east of UTC (the POSIX sign); -12..=11 exist.
    let east = 12 - i32::from(hour);
    let zone = match east {
        0 => "Etc/UTC".to_string(),
        e if e > 0 => format!("Etc/GMT-{e}"),
        e => format!("Etc/GMT+{}", -e),
    };
    CONFIG.replace("timezone = \"UTC\"", &format!("timezone = \"{zone}\""))
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn status_json(out: &std::process::Output) -> Value {
    assert!(out.status.success(), "status failed: {}", stderr(out));
    serde_json::from_slice(&out.stdout).expect("status JSON")
}

#[test]
fn a_read_only_mount_is_read_and_a_write_says_why() {
    let home = TestHome::new();
    home.write_config(&config_at_noon());
    run(&home, &["done", "water", "2"]);
    let data = home.data_home().join("habitd");
    let db = data.join("habitd.db");
    // Closed cleanly: no -wal or -shm is left, and none can be made.
    let bind = sh_quote(&data.display().to_string());
    let outs = home.habitd_in_mount_namespace(
        &format!("mount --bind -o ro {bind} {bind}"),
        &[
            &["status", "--json"],
            &["log", "--json"],
            &["streaks", "water", "--json"],
            &["done", "water"],
        ],
    );
    assert_eq!(habit(&status_json(&outs[0]), "water")["done"], 2);
    assert!(outs[1].status.success(), "{}", stderr(&outs[1]));
    assert!(outs[2].status.success(), "{}", stderr(&outs[2]));
    let done = &outs[3];
    assert_eq!(done.status.code(), Some(1), "{}", stderr(done));
    assert_eq!(
        stderr(done),
        format!(
            "habitd: {}: cannot open the database: SQLite must create habitd.db-shm beside it to open it, but its directory {} is on a file system mounted read-only\n",
            db.display(),
            data.display()
        )
    );
}

#[test]
fn a_read_only_directory_is_read_and_a_write_says_why() {
    // As nobody when the tests run as root: file modes bind.
    let home = TestHome::new();
    home.write_config(&config_at_noon());
    let out = home.habitd_unprivileged(&["done", "water", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let data = home.data_home().join("habitd");
    let db = data.join("habitd.db");
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o500)).unwrap();

    let status = home.habitd_unprivileged(&["status", "--json"]);
    assert_eq!(habit(&status_json(&status), "water")["done"], 2);
    let done = home.habitd_unprivileged(&["done", "water"]);
    assert_eq!(done.status.code(), Some(1), "{}", stderr(&done));
    assert_eq!(
        stderr(&done),
        format!(
            "habitd: {0}: the database is read-only: SQLite must create habitd.db-wal and habitd.db-shm beside it, but its directory {1} is read-only for you (mode 0500); fix it with `chmod u+w {1}`\n",
            db.display(),
            data.display()
        )
    );
    // Nothing was written: the reading is what it was.
    let status = home.habitd_unprivileged(&["status", "--json"]);
    assert_eq!(habit(&status_json(&status), "water")["done"], 2);
}

#[test]
fn a_history_that_cannot_be_reached_is_an_error_not_an_empty_day() {
    let home = TestHome::new();
    home.write_config(&config_at_noon());
    let out = home.habitd_unprivileged(&["done", "water", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let data = home.data_home().join("habitd");
    let db = data.join("habitd.db");

    // A directory that may not be entered: status used to show 0, exit 0.
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o600)).unwrap();
    for args in [&["status"][..], &["next"], &["done", "water"]] {
        let out = home.habitd_unprivileged(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert_eq!(
            err,
            format!(
                "habitd: {}: cannot open the database: you may not enter {} (mode 0600)\n",
                db.display(),
                data.display()
            ),
            "{args:?}"
        );
    }
    // `check` still describes the schedules, with a warning.
    let check = home.habitd_unprivileged(&["check"]);
    assert!(check.status.success(), "{}", stderr(&check));
    assert!(
        stderr(&check).contains("you may not enter"),
        "{}",
        stderr(&check)
    );
}

#[test]
fn a_file_where_the_data_directory_should_be_is_named() {
    let home = TestHome::new();
    home.write_config(&config_at_noon());
    let data = home.data_home().join("habitd");
    std::fs::write(&data, "").unwrap();
    let expected = format!(
        "habitd: {0} is a file, not a directory; habitd keeps its history at {0}/habitd.db, so move the file aside (e.g. `mv {0} {0}.old`)\n",
        data.display()
    );
    for args in [&["done", "water"][..], &["status"], &["log"]] {
        let out = home.habitd(None, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(stderr(&out), expected, "{args:?}");
    }
}

#[test]
fn a_full_disk_is_called_full_and_the_history_still_reads() {
    let home = TestHome::new();
    home.write_config(&config_at_noon());
    run(&home, &["done", "water", "2"]);
    let data_home = home.data_home();
    let db = data_home.join("habitd/habitd.db");
    let saved = home.path().join("saved");
    std::fs::create_dir(&saved).unwrap();
    std::fs::rename(data_home.join("habitd"), saved.join("habitd")).unwrap();
    // A 256 KiB file system holding the history, filled to the last block.
    let (data_home, saved) = (
        sh_quote(&data_home.display().to_string()),
        sh_quote(&saved.display().to_string()),
    );
    let outs = home.habitd_in_mount_namespace(
        &format!(
            "mount -t tmpfs -o size=256k,mode=0700 tmpfs {data_home}\n\
             cp -a {saved}/habitd {data_home}/\n\
             dd if=/dev/zero of={data_home}/fill bs=4k 2>/dev/null || true"
        ),
        &[
            &["done", "water"],
            &["status", "--json"],
            &["log", "--json"],
        ],
    );
    let done = &outs[0];
    assert_eq!(done.status.code(), Some(1), "{}", stderr(done));
    // It said "disk I/O error: Error code 4874".
    assert_eq!(
        stderr(done),
        format!(
            "habitd: {}: the disk is full; free some space and try again\n",
            db.display()
        )
    );
    assert_eq!(habit(&status_json(&outs[1]), "water")["done"], 2);
    assert!(outs[2].status.success(), "{}", stderr(&outs[2]));
}

#[test]
fn a_database_habitd_did_not_make_is_named_not_dumped() {
    let home = TestHome::new();
    home.write_config(&config_at_noon());
    let data = home.data_home().join("habitd");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();
    let db = data.join("habitd.db");
    let status = std::process::Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('CREATE TABLE events (x)'); c.commit()",
        ])
        .arg(&db)
        .status()
        .expect("python3 runs");
    assert!(status.success());
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = home.habitd(None, &["done", "water"]);
    assert_eq!(out.status.code(), Some(1));
    // It used to print migration 1, CREATE TABLE and all.
    assert_eq!(
        stderr(&out),
        format!(
            "habitd: {0}: the database has tables (events) but no habitd schema version (user_version is 0): it was not created by habitd, or its version was reset; move it aside (e.g. `mv {0} {0}.old`) to start a new history\n",
            db.display()
        )
    );
}
