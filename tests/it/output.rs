//! Whole outputs of the human-readable commands — `check`, `next`,
//! `status`, `streaks`, `log` as text and CSV, and colour by `--color` and
//! `NO_COLOR` — compared in full, with their exit codes, on fixed configs
//! (explicit time zones) and fixed histories written straight into the
//! store.
//!
//! What depends on today (status, streaks) gets a history laid out around
//! today's date in the config's zone, and its expected text is built from
//! that same date; a run that straddles midnight there is run again (see
//! [`on_one_day`]).

use std::io::Read;
use std::process::{Output, Stdio};
use std::time::Duration;

use habitd::event::{Kind, NewEvent, Source};
use habitd::store::Store;
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use crate::pipes::{command, output_of};
use crate::support::TestHome;
use crate::support::process::Waiter;

/// How long one command may take.
const WAIT: Duration = Duration::from_secs(30);

/// Asserts `out` exited 0 with nothing on stderr, and returns its stdout.
#[track_caller]
pub(crate) fn success(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{stderr}");
    assert_eq!(stderr, "", "a successful command is silent on stderr");
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

/// The history store of `home`, opened (and created) as habitd does.
pub(crate) fn store(home: &TestHome) -> Store {
    Store::open(&home.data_home().join("habitd").join("habitd.db")).expect("opening the store")
}

/// An event at `at` (RFC 3339) counting for `date`.
fn event(at: &str, date: &str, habit: Option<&str>, kind: Kind, source: Source) -> NewEvent {
    NewEvent::new(
        at.parse().expect("an RFC 3339 instant"),
        date.parse().expect("a date"),
        habit,
        kind,
        source,
    )
}

fn today_in(tz: &TimeZone) -> Date {
    tz.to_datetime(Timestamp::now()).date()
}

/// Runs `attempt` with today's date in `tz` and returns what it returns,
/// once a run began and ended on the same day there: a run straddling
/// midnight is run again, on the new day.
pub(crate) fn on_one_day<T>(tz: &TimeZone, mut attempt: impl FnMut(Date) -> T) -> T {
    for _ in 0..3 {
        let today = today_in(tz);
        let result = attempt(today);
        if today_in(tz) == today {
            return result;
        }
    }
    panic!("the date kept changing during the test");
}

/// The first instant of `date` in `tz`.
pub(crate) fn start_of(date: Date, tz: &TimeZone) -> Timestamp {
    date.to_zoned_datetime(tz.clone())
        .expect("a day in range")
        .timestamp()
}

pub(crate) fn weekday_name(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Monday => "mon",
        Weekday::Tuesday => "tue",
        Weekday::Wednesday => "wed",
        Weekday::Thursday => "thu",
        Weekday::Friday => "fri",
        Weekday::Saturday => "sat",
        Weekday::Sunday => "sun",
    }
}

// ---------------------------------------------------------------- next

const SCHEDULES: &str = r#"[settings]
timezone = "Europe/Berlin"
catch_up = "5m"

[habits.walk]
title = "Go for a walk"
at = "17:30"
days = "weekdays"
goal = { minutes = 20 }
per_week = 1

[habits.stretch]
title = "Stretch — calves 🦵"
cron = "30 12 * * 1-5"

[habits.nap]
title = "Nap"
every = "2h"
between = "12:00-16:00"
days = ["sat", "sun"]
goal = { count = 2, unit = "" }

[habits.read]
title = "Read"
at = ["20:00", "08:00"]
per_week = 3

[habits.water]
title = "Drink a glass of water"
every = "1h"
between = "09:00-21:00"
goal = { count = 8, unit = "glasses" }
"#;

#[test]
fn next_lists_reminders_across_a_dst_change() {
    let home = TestHome::new();
    home.write_config(SCHEDULES);
    // Berlin springs forward on 2026-03-29 at 02:00.
    let out = home.habitd(
        None,
        &[
            "next",
            "read",
            "nap",
            "stretch",
            "--from",
            "2026-03-28T19:00",
            "-n",
            "8",
        ],
    );
    assert_eq!(
        success(&out),
        "\
Sat 2026-03-28 20:00:00 +01:00  read     Read
Sun 2026-03-29 08:00:00 +02:00  read     Read
Sun 2026-03-29 12:00:00 +02:00  nap      Nap
Sun 2026-03-29 14:00:00 +02:00  nap      Nap
Sun 2026-03-29 16:00:00 +02:00  nap      Nap
Sun 2026-03-29 20:00:00 +02:00  read     Read
Mon 2026-03-30 08:00:00 +02:00  read     Read
Mon 2026-03-30 12:30:00 +02:00  stretch  Stretch — calves 🦵
"
    );

    let out = home.habitd(
        None,
        &[
            "next",
            "walk",
            "--from",
            "2026-03-27T17:30:00+01:00",
            "-n",
            "2",
        ],
    );
    assert_eq!(
        success(&out),
        "\
Mon 2026-03-30 17:30:00 +02:00  walk  Go for a walk
Tue 2026-03-31 17:30:00 +02:00  walk  Go for a walk
"
    );

    let out = home.habitd(None, &["next", "-n", "0"]);
    assert_eq!(success(&out), "no reminders scheduled\n");

    // After --from, not at it; two at one instant go in id order.
    let out = home.habitd(
        None,
        &["next", "-n", "1", "--json", "--from", "2026-03-28T19:00"],
    );
    assert_eq!(
        success(&out),
        r#"[
  {
    "habit": "read",
    "at": "2026-03-28T20:00:00+01:00",
    "title": "Read"
  }
]
"#
    );
}

// --------------------------------------------------------------- check

/// What `check` prints as a habit's next reminder, from `next HABIT -n 1 --json`.
fn next_as_check_shows(home: &TestHome, habit: &str, tz: &TimeZone) -> String {
    let out = home.habitd(None, &["next", habit, "-n", "1", "--json"]);
    let entries: serde_json::Value = serde_json::from_str(&success(&out)).expect("JSON");
    let at: Timestamp = entries[0]["at"]
        .as_str()
        .expect("an instant")
        .parse()
        .expect("RFC 3339");
    at.to_zoned_datetime(tz.clone())
        .strftime("%a %Y-%m-%d %H:%M:%S %:z")
        .to_string()
}

#[test]
fn check_describes_every_schedule_and_goal() {
    let home = TestHome::new();
    let path = home.write_config(SCHEDULES);
    let tz = TimeZone::get("Europe/Berlin").expect("a zone");
    // The check-in, on by default, is listed after the habits.
    let ids = ["nap", "read", "stretch", "walk", "water", "checkin"];
    // The next reminders move with the clock: take them from `next` just
    // before and just after, and compare once they agree.
    for _ in 0..5 {
        let before: Vec<String> = ids
            .iter()
            .map(|id| next_as_check_shows(&home, id, &tz))
            .collect();
        let out = home.habitd(None, &["check"]);
        let after: Vec<String> = ids
            .iter()
            .map(|id| next_as_check_shows(&home, id, &tz))
            .collect();
        if before != after {
            continue;
        }
        let [nap, read, stretch, walk, water, checkin] = &before[..] else {
            unreachable!()
        };
        assert_eq!(
            success(&out),
            format!(
                "\
config: {path}
timezone: Europe/Berlin
catch_up: 5m
nap      every 2h from 12:00 to 16:00 on weekends; goal 2; next {nap}
read     at 08:00, 20:00 every day; goal 1 time, 3 days a week; next {read}
stretch  cron `30 12 * * 1-5`: at 12:30, Monday-Friday; goal 1 time; next {stretch}
walk     at 17:30 on weekdays; goal 20 min, 1 day a week; next {walk}
water    every 1h from 09:00 to 21:00 every day; goal 8 glasses; next {water}
checkin: at 08:30 every day; next {checkin}
ok: 5 habits
",
                path = path.display()
            )
        );
        return;
    }
    panic!("the next reminders kept moving while checking");
}

// ----------------------------------------------------------------- log

const LOG_CONFIG: &str = r#"[settings]
timezone = "Europe/Berlin"
[habits.water]
title = "Water"
at = "09:00"
goal = { count = 8, unit = "glasses" }
[habits.walk]
title = "Walk"
at = "17:30"
goal = { minutes = 20 }
"#;

/// One of each kind of event over Berlin's spring-forward night.
fn fixed_history(home: &TestHome) {
    let mut store = store(home);
    let water = Some("water");
    let events = [
        event(
            "2026-03-28T09:00:00+01:00",
            "2026-03-28",
            water,
            Kind::Reminded,
            Source::Daemon,
        ),
        NewEvent {
            amount: Some(2),
            ..event(
                "2026-03-28T09:05:12+01:00",
                "2026-03-28",
                water,
                Kind::Done,
                Source::Notification,
            )
        },
        NewEvent {
            amount: Some(2),
            target: Some(2),
            ..event(
                "2026-03-28T09:30:00+01:00",
                "2026-03-28",
                water,
                Kind::Undone,
                Source::Cli,
            )
        },
        NewEvent {
            until: Some("2026-03-28T09:20:00Z".parse().unwrap()),
            ..event(
                "2026-03-28T10:00:00+01:00",
                "2026-03-28",
                water,
                Kind::Snoozed,
                Source::Cli,
            )
        },
        event(
            "2026-03-28T17:00:00+01:00",
            "2026-03-29",
            Some("walk"),
            Kind::Skipped,
            Source::Dbus,
        ),
        NewEvent {
            until: Some("2026-03-29T06:00:00Z".parse().unwrap()),
            ..event(
                "2026-03-28T22:00:00+01:00",
                "2026-03-28",
                None,
                Kind::Paused,
                Source::Cli,
            )
        },
        event(
            "2026-03-29T07:00:00+02:00",
            "2026-03-29",
            None,
            Kind::Resumed,
            Source::Cli,
        ),
        NewEvent {
            amount: Some(3),
            ..event(
                "2026-03-29T12:00:00+02:00",
                "2026-03-29",
                water,
                Kind::Missed,
                Source::Daemon,
            )
        },
    ];
    store.append_all(&events).expect("writing the history");
}

#[test]
fn log_prints_the_history_as_text_and_csv() {
    let home = TestHome::new();
    home.write_config(LOG_CONFIG);
    assert_eq!(success(&home.habitd(None, &["log"])), "no history yet\n");
    assert_eq!(
        success(&home.habitd(None, &["log", "--csv"])),
        "id,at,date,habit,kind,amount,until,target,source,data,device\n"
    );

    fixed_history(&home);
    assert_eq!(
        success(&home.habitd(None, &["log"])),
        "\
2026-03-28T09:00:00+01:00  water  reminded  (daemon)
2026-03-28T09:05:12+01:00  water  done 2  (notification)
2026-03-28T09:30:00+01:00  water  undone 2  (cli)
2026-03-28T10:00:00+01:00  water  snoozed until 2026-03-28T10:20:00+01:00  (cli)
2026-03-28T17:00:00+01:00  walk   skipped  (dbus)
2026-03-28T22:00:00+01:00         paused until 2026-03-29T08:00:00+02:00  (cli)
2026-03-29T07:00:00+02:00         resumed  (cli)
2026-03-29T12:00:00+02:00  water  missed 3  (daemon)
"
    );
    assert_eq!(
        success(&home.habitd(None, &["log", "--csv"])),
        "\
id,at,date,habit,kind,amount,until,target,source,data,device
1,2026-03-28T09:00:00+01:00,2026-03-28,water,reminded,,,,daemon,,
2,2026-03-28T09:05:12+01:00,2026-03-28,water,done,2,,,notification,,
3,2026-03-28T09:30:00+01:00,2026-03-28,water,undone,2,,2,cli,,
4,2026-03-28T10:00:00+01:00,2026-03-28,water,snoozed,,2026-03-28T10:20:00+01:00,,cli,,
5,2026-03-28T17:00:00+01:00,2026-03-29,walk,skipped,,,,dbus,,
6,2026-03-28T22:00:00+01:00,2026-03-28,,paused,,2026-03-29T08:00:00+02:00,,cli,,
7,2026-03-29T07:00:00+02:00,2026-03-29,,resumed,,,,cli,,
8,2026-03-29T12:00:00+02:00,2026-03-29,water,missed,3,,,daemon,,
"
    );
    // `--since` goes by the day an event counts for.
    assert_eq!(
        success(&home.habitd(None, &["log", "--since", "2026-03-29"])),
        "\
2026-03-28T17:00:00+01:00  walk   skipped  (dbus)
2026-03-29T07:00:00+02:00         resumed  (cli)
2026-03-29T12:00:00+02:00  water  missed 3  (daemon)
"
    );
    assert_eq!(
        success(&home.habitd(None, &["log", "walk", "--csv"])),
        "\
id,at,date,habit,kind,amount,until,target,source,data,device
5,2026-03-28T17:00:00+01:00,2026-03-29,walk,skipped,,,,dbus,,
"
    );
}

#[test]
fn a_history_moved_from_another_machine_keeps_its_events_as_this_machines_in_the_log() {
    let home = TestHome::new();
    home.write_config(LOG_CONFIG);
    fixed_history(&home);
    let before = success(&home.habitd(None, &["log"]));
    let db = home.data_home().join("habitd").join("habitd.db");
    let id_of = |conn: &rusqlite::Connection| -> String {
        conn.query_row("SELECT id FROM device", [], |row| row.get(0))
            .expect("a device id")
    };
    let conn = rusqlite::Connection::open(&db).expect("opens");
    let first = id_of(&conn);
    // As if the history had been made on another machine.
    conn.execute("UPDATE device SET machine = 'another machine'", [])
        .expect("the machine changed");
    drop(conn);
    let out = home.habitd(None, &["log"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        before,
        "no device named"
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("this history was made on another machine"),
        "{said}"
    );
    let conn = rusqlite::Connection::open(&db).expect("opens");
    assert_ne!(id_of(&conn), first, "a device id of its own here");
    assert!(said.contains(&first), "{said}");
    let moved: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM events WHERE origin = ?1",
            [&first],
            |row| row.get(0),
        )
        .expect("counted");
    assert_eq!(moved, 8, "every event, under the id it was recorded with");
}

#[test]
fn log_writes_rows_as_it_reads_them() {
    // `log` used to read the whole history into memory before writing a
    // row: a century of it took 330 MB. Now rows go out as they are read,
    // so those before an unreadable event are out when the error comes.
    let home = TestHome::new();
    home.write_config(LOG_CONFIG);
    fixed_history(&home);
    let before = success(&home.habitd(None, &["log", "--csv"]));
    let db = home.data_home().join("habitd").join("habitd.db");
    let conn = rusqlite::Connection::open(&db).expect("opens");
    conn.pragma_update(None, "ignore_check_constraints", true)
        .expect("checks off");
    conn.execute(
        "INSERT INTO events (id, at_ms, date, habit, kind, source)
         VALUES (9, 0, '2026-03-30', 'water', 'exploded', 'cli')",
        [],
    )
    .expect("a row habitd never writes");
    let out = home.habitd(None, &["log", "--csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout), before);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "habitd: {}: event 9 cannot be read (unknown kind \"exploded\"); it was changed outside habitd, correct that row with sqlite3\n",
            db.display()
        )
    );
}

#[test]
fn log_escapes_user_text_on_the_terminal_and_keeps_it_in_csv() {
    let home = TestHome::new();
    home.write_config(LOG_CONFIG);
    // A habit from an older config whose id was never checked.
    let odd = "tea, \"green\"\n\u{1b}[2J";
    store(&home)
        .append(&NewEvent {
            amount: Some(1),
            ..event(
                "2026-03-28T09:00:00Z",
                "2026-03-28",
                Some(odd),
                Kind::Done,
                Source::Cli,
            )
        })
        .expect("writing the history");
    store(&home)
        .append(&event(
            "2026-03-28T10:00:00Z",
            "2026-03-28",
            Some("water"),
            Kind::Skipped,
            Source::Cli,
        ))
        .expect("writing the history");
    assert_eq!(
        success(&home.habitd(None, &["log"])),
        "\
2026-03-28T10:00:00+01:00  tea, \"green\"\\n\\u{1b}[2J  done 1  (cli)
2026-03-28T11:00:00+01:00  water                    skipped  (cli)
"
    );
    assert_eq!(
        success(&home.habitd(None, &["log", "--csv"])),
        "\
id,at,date,habit,kind,amount,until,target,source,data,device
1,2026-03-28T10:00:00+01:00,2026-03-28,\"tea, \"\"green\"\"\n\u{1b}[2J\",done,1,,,cli,,
2,2026-03-28T11:00:00+01:00,2026-03-28,water,skipped,,,,cli,,
"
    );
}

// -------------------------------------------------------------- status

/// Four habits on `today` in New York: one partly done, one met, one
/// skipped, one without a unit; and a pause until tomorrow 08:00. Every
/// next reminder falls tomorrow after the pause, whatever the time today.
fn status_home(today: Date) -> TestHome {
    let tz = TimeZone::get("America/New_York").expect("a zone");
    let tomorrow = today.tomorrow().expect("a tomorrow");
    let home = TestHome::new();
    home.write_config(&format!(
        r#"[settings]
timezone = "America/New_York"
[habits.water]
title = "Water"
at = "12:00"
days = ["{only}"]
goal = {{ count = 8, unit = "glasses" }}
[habits.stretch]
title = "Stretch"
at = "12:30"
[habits.walk]
title = "Walk"
at = "17:30"
goal = {{ minutes = 20 }}
[habits.nap]
title = "Nap"
at = "14:00"
days = ["{only}"]
goal = {{ count = 2, unit = "" }}
"#,
        only = weekday_name(tomorrow.weekday())
    ));
    let at = start_of(today, &tz);
    let day = |habit: &str, kind: Kind| NewEvent::new(at, today, Some(habit), kind, Source::Cli);
    store(&home)
        .append_all(&[
            NewEvent {
                amount: Some(3),
                ..day("water", Kind::Done)
            },
            NewEvent {
                amount: Some(1),
                ..day("stretch", Kind::Done)
            },
            day("walk", Kind::Skipped),
            NewEvent {
                until: Some(
                    tomorrow
                        .at(8, 0, 0, 0)
                        .to_zoned_datetime(tz.clone())
                        .expect("a time in range")
                        .timestamp(),
                ),
                ..NewEvent::new(at, today, None, Kind::Paused, Source::Cli)
            },
        ])
        .expect("writing the history");
    home
}

/// What `status` prints for [`status_home`], in colour or not.
fn expected_status(today: Date, colour: bool) -> String {
    let tomorrow = today.tomorrow().expect("a tomorrow");
    let t = tomorrow.strftime("%a");
    let paint = |code: &str, text: &str| {
        if colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    format!(
        "daemon: {}\n{}\n\
         nap      0/2  {}\n\
         stretch  {}  {}\n\
         walk     0/20 min  {}\n\
         water    3/8 glasses  {}\n\
         last night ({}): {}\n",
        paint("33", "not running (reminders are not being shown)"),
        paint("33", &format!("paused until {t} 08:00")),
        paint("2", &format!("next {t} 14:00")),
        paint("32", "1/1 times ✓"),
        paint("2", &format!("next {t} 12:30")),
        paint("2", &format!("skipped today, next {t} 17:30")),
        paint("2", &format!("next {t} 12:00")),
        today
            .yesterday()
            .expect("a yesterday")
            .strftime("%a %Y-%m-%d"),
        paint(
            "33",
            "not recorded yet (`habitd cramp --none` if there were no cramps, `habitd cramp --at TIME` for one)"
        ),
    )
}

#[test]
fn status_shows_today_s_progress_and_what_comes_next() {
    let tz = TimeZone::get("America/New_York").expect("a zone");
    let (out, expected) = on_one_day(&tz, |today| {
        let home = status_home(today);
        (
            home.habitd(None, &["status"]),
            expected_status(today, false),
        )
    });
    assert_eq!(success(&out), expected);
}

/// Runs `habitd args…` with its stdout on a new pseudo-terminal, with
/// `env`, and returns its exit code and what the terminal showed.
fn on_a_terminal(home: &TestHome, args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("opening a pty");
    grantpt(&master).expect("grantpt");
    unlockpt(&master).expect("unlockpt");
    let name = ptsname(&master, Vec::new()).expect("ptsname");
    let terminal = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(name.to_str().expect("a UTF-8 pty name"))
        .expect("opening the pty's terminal end");
    let mut cmd = command(home, args);
    cmd.envs(env.iter().copied())
        .stdout(Stdio::from(terminal))
        .stderr(Stdio::null());
    let child = cmd.spawn().expect("spawning habitd");
    // The parent's copy of the terminal end went into `cmd`; drop it, so
    // reading ends (EIO) once habitd has exited.
    drop(cmd);
    let reader = std::thread::spawn(move || {
        let mut master = std::fs::File::from(master);
        let mut shown = Vec::new();
        let mut buf = [0; 4096];
        while let Ok(n) = master.read(&mut buf) {
            if n == 0 {
                break;
            }
            shown.extend_from_slice(&buf[..n]);
        }
        shown
    });
    let mut waiter = Waiter::new(child);
    let status = waiter.wait(WAIT).expect("habitd exits");
    let shown = reader.join().expect("reading the pty");
    // The terminal turns each "\n" into "\r\n".
    let shown = String::from_utf8(shown)
        .expect("UTF-8")
        .replace("\r\n", "\n");
    (status.code(), shown)
}

#[test]
fn colour_follows_color_and_no_color() {
    let tz = TimeZone::get("America/New_York").expect("a zone");
    let checked = on_one_day(&tz, |today| {
        let home = status_home(today);
        let plain = expected_status(today, false);
        let coloured = expected_status(today, true);
        let piped = |args: &[&str], env: &[(&str, &str)]| {
            let mut cmd = command(&home, args);
            cmd.envs(env.iter().copied());
            output_of(cmd)
        };
        // (what ran, its exit code, what it printed, what it should print)
        let mut runs: Vec<(String, Option<i32>, String, String)> = Vec::new();
        for (args, env, want) in [
            // A pipe is not a terminal: no colour unless asked for.
            (&["status"][..], &[][..], &plain),
            (
                &["status", "--color", "always"],
                &[("NO_COLOR", "1")],
                &coloured,
            ),
            (&["status", "--color", "never"], &[], &plain),
        ] {
            let out = piped(args, env);
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            runs.push((
                format!("{args:?} {env:?} on a pipe"),
                out.status.code(),
                text,
                want.clone(),
            ));
        }
        for (args, env, want) in [
            (&["status"][..], &[][..], &coloured),
            (&["status"], &[("NO_COLOR", "1")], &plain),
            // NO_COLOR set but empty counts as unset.
            (&["status"], &[("NO_COLOR", "")], &coloured),
            (
                &["status", "--color", "always"],
                &[("NO_COLOR", "1")],
                &coloured,
            ),
            (&["status", "--color", "never"], &[], &plain),
        ] {
            let (code, text) = on_a_terminal(&home, args, env);
            runs.push((
                format!("{args:?} {env:?} on a terminal"),
                code,
                text,
                want.clone(),
            ));
        }
        runs
    });
    for (what, code, text, want) in checked {
        assert_eq!(code, Some(0), "{what}");
        assert_eq!(text, want, "{what}");
    }
}

// ------------------------------------------------------------- streaks

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const LEGEND: &str = "# met  + partial  - skipped  . missed  o today, open";

/// The plain heatmap of the `weeks` ISO weeks up to `today`, each day drawn
/// as `cell(date)` (days after today blank): an independent model of the
/// layout `streaks` draws.
fn heatmap(today: Date, weeks: i64, cell: impl Fn(Date) -> char) -> String {
    let monday = today
        .checked_sub(i64::from(today.weekday().to_monday_zero_offset()).days())
        .unwrap();
    let first = monday.checked_sub((7 * (weeks - 1)).days()).unwrap();
    let mut header = vec![' '; 4 + 2 * weeks as usize + 1];
    let mut rows = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].map(String::from);
    for column in 0..weeks {
        for (row, line) in rows.iter_mut().enumerate() {
            let date = first.checked_add((7 * column + row as i64).days()).unwrap();
            if date.day() == 1 {
                let at = 4 + 2 * column as usize;
                let label = MONTHS[date.month() as usize - 1];
                header.splice(at..at + 3, label.chars());
            }
            line.push(' ');
            line.push(if date > today { ' ' } else { cell(date) });
        }
    }
    let header: String = header.into_iter().collect();
    format!("{}\n{}\n{LEGEND}\n", header.trim_end(), rows.join("\n"))
}

/// A walk (20 minutes a day) tracked for two weeks, as (days before today,
/// minutes, skipped, the cell it gets).
const WALKS: [(i64, i64, bool, char); 14] = [
    (13, 20, false, '#'),
    (12, 25, false, '#'),
    (11, 0, false, '.'),
    (10, 20, false, '#'),
    (9, 10, false, '+'),
    (8, 20, false, '#'),
    (7, 0, true, '-'),
    (6, 20, false, '#'),
    (5, 30, false, '#'),
    (4, 20, false, '#'),
    // Skipped, but done after all: met.
    (3, 20, true, '#'),
    (2, 20, false, '#'),
    (1, 20, false, '#'),
    // Today, 5 of 20 so far: open, not partial.
    (0, 5, false, 'o'),
];

fn streaks_home(today: Date) -> TestHome {
    let tz = TimeZone::get("Asia/Tokyo").expect("a zone");
    let home = TestHome::new();
    home.write_config(
        r#"[settings]
timezone = "Asia/Tokyo"
[habits.walk]
title = "Walk"
at = "17:30"
goal = { minutes = 20 }
[habits.stretch]
title = "Stretch"
at = "12:30"
per_week = 1
[habits.read]
title = "Read"
at = "21:00"
"#,
    );
    let mut events = Vec::new();
    for (ago, minutes, skipped, _) in WALKS {
        let date = today.checked_sub(ago.days()).unwrap();
        let at = start_of(date, &tz);
        if minutes > 0 {
            events.push(NewEvent {
                amount: Some(minutes),
                ..NewEvent::new(at, date, Some("walk"), Kind::Done, Source::Cli)
            });
        }
        if skipped {
            events.push(NewEvent::new(
                at,
                date,
                Some("walk"),
                Kind::Skipped,
                Source::Cli,
            ));
        }
    }
    // Stretching began today, and today's goal is met: the week is earned.
    events.push(NewEvent {
        amount: Some(1),
        ..NewEvent::new(
            start_of(today, &tz),
            today,
            Some("stretch"),
            Kind::Done,
            Source::Cli,
        )
    });
    store(&home)
        .append_all(&events)
        .expect("writing the history");
    home
}

fn expected_streaks(today: Date) -> String {
    let weeks = 3;
    let walk_cell = |date: Date| {
        let ago = (today - date).get_days() as i64;
        WALKS.iter().find(|w| w.0 == ago).map_or(' ', |w| w.3)
    };
    let mut text = String::new();
    // No history: nothing counts yet.
    text.push_str("read  streak 0 days (longest 0)  7d –  30d –  strength 0%\n");
    text.push_str(&heatmap(today, weeks, |_| ' '));
    text.push('\n');
    // One day at f = 1/7 a day: strength 1 − 0.5^(√(1/7)/13) = 0.0200.
    text.push_str("stretch  streak 1 week (longest 1)  7d 100%  30d 100%  strength 2%\n");
    let only_today = |date: Date| if date == today { '#' } else { ' ' };
    text.push_str(&heatmap(today, weeks, only_today));
    text.push('\n');
    // Yesterday back to the partial day 9 days ago: 7 met days, the
    // skipped one between neither breaking nor counting. Rates leave out
    // the skipped day 7 days ago and today, open: 6 of 6 and 10 of 12.
    // Strength: score = prev·m + v·(1−m), m = 0.5^(1/13), over the 12
    // counted days' shares 1 1 0 1 ½ 1 1 1 1 1 1 1: 0.4226.
    text.push_str("walk  streak 7 days (longest 7)  7d 100%  30d 83%  strength 42%\n");
    text.push_str(&heatmap(today, weeks, walk_cell));
    text.push('\n');
    text
}

#[test]
fn streaks_show_rates_strength_and_a_heatmap_with_today_open() {
    let tz = TimeZone::get("Asia/Tokyo").expect("a zone");
    let (out, expected) = on_one_day(&tz, |today| {
        let home = streaks_home(today);
        (
            home.habitd(None, &["streaks", "--weeks", "3"]),
            expected_streaks(today),
        )
    });
    assert_eq!(success(&out), expected);
}
