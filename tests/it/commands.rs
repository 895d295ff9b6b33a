//! The recording commands' refusals and confirmations, with and without a
//! running daemon: the same message and exit code either way, typed errors
//! on the bus, accepted ranges, pauses that roll over to tomorrow, and the
//! history of habits removed from the config.

use std::process::Output;
use std::time::Duration;

use crate::faults::{count, log_events};
use crate::support::{Daemon, DbusSession, TestHome, clock_half_a_day_away};

const WAIT: Duration = Duration::from_secs(15);

/// Berlin, so a time shown in UTC would be an hour off and stand out; the
/// reminders at a time never due while a test runs.
fn config() -> String {
    let at = clock_half_a_day_away();
    format!(
        r#"[settings]
timezone = "Europe/Berlin"
[habits.water]
title = "Water"
at = "{at}"
goal = {{ count = 8, unit = "glasses" }}
[habits.sip]
title = "Sip"
at = "{at}"
"#
    )
}

/// The kinds of events a user's command records (the daemon's own
/// reminders left out).
const RECORDED: [&str; 6] = ["done", "undone", "snoozed", "skipped", "paused", "resumed"];

fn recorded(home: &TestHome) -> usize {
    let events = log_events(home);
    RECORDED.iter().map(|kind| count(&events, kind)).sum()
}

fn started(bus: &str, home: &TestHome) -> Daemon {
    let mut daemon = Daemon::spawn(bus, home, &["run"]);
    daemon
        .wait_for_log("habitd is ready", WAIT)
        .unwrap_or_else(|e| panic!("habitd starts: {e}"));
    daemon
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn succeeded(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed ({:?}): {}",
        out.status,
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// The refusals of the issue, each with its expected message (in the
/// configured zone's local time, with the accepted range where one applies).
fn refusals() -> Vec<(Vec<&'static str>, &'static str)> {
    vec![
        (
            vec!["undo", "watr"],
            "habitd: no habit \"watr\"; did you mean \"water\"?\n",
        ),
        (
            vec!["snooze", "water", "0s"],
            "habitd: invalid snooze length: expected a duration up to 24h, e.g. \"10m\"; for longer, use `habitd skip` or `habitd pause`\n",
        ),
        (
            vec!["pause", "--until", "2020-01-01T07:00:00Z"],
            "habitd: cannot pause until 2020-01-01 08:00: that is not in the future; expected a time from now up to ",
        ),
        (
            vec!["pause", "--until", "9999-12-31 00:00"],
            "habitd: cannot pause until 9999-12-31 00:00: expected a time from now up to ",
        ),
        (
            vec!["done", "water", "--at", "1900-01-01 10:00"],
            "habitd: cannot record water at 1900-01-01 10:00: that is more than a year ago; expected a time from ",
        ),
        (
            vec!["skip", "water", "--date", "9999-12-31"],
            "habitd: cannot make 9999-12-31 a rest day for water: expected a date from ",
        ),
        (
            vec!["resume"],
            "habitd: not paused: reminders are not held, so there is nothing to resume\n",
        ),
        (
            vec!["snooze", "", "10m"],
            "habitd: missing habit: expected one of sip, water, or all\n",
        ),
    ]
}

fn assert_refused(out: &Output, expected: &str, how: &str) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{how}: {stderr}");
    assert!(stderr.starts_with(expected), "{how}: {stderr}");
    assert!(out.stdout.is_empty(), "{how}: {}", text(&out.stdout));
}

#[test]
fn refusals_are_the_same_with_and_without_the_daemon_and_record_nothing() {
    let bus = DbusSession::start();
    let home = TestHome::new();
    home.write_config(&config());
    let mut without = Vec::new();
    for (args, expected) in refusals() {
        let out = home.habitd(None, &args);
        assert_refused(&out, expected, &format!("{args:?} without the daemon"));
        without.push(text(&out.stderr));
    }
    let mut daemon = started(bus.address(), &home);
    for ((args, expected), alone) in refusals().into_iter().zip(without) {
        let out = home.habitd(Some(bus.address()), &args);
        let how = format!("{args:?} through the daemon");
        assert_refused(&out, expected, &how);
        assert_eq!(text(&out.stderr), alone, "{how}");
    }
    assert_eq!(recorded(&home), 0, "{:#?}", log_events(&home));
    daemon.terminate(WAIT).expect("habitd stops");
}

/// Calls `method` on the daemon with `body`.
pub(crate) async fn call<B>(
    client: &zbus::Connection,
    method: &str,
    body: &B,
) -> zbus::Result<String>
where
    B: serde::Serialize + zbus::DynamicType,
{
    let reply = client
        .call_method(
            Some("org.habitd.Habitd"),
            "/org/habitd/Habitd",
            Some("org.habitd.Habitd1"),
            method,
            body,
        )
        .await?;
    reply.body().deserialize()
}

/// The name and text of a refused call.
fn refused(reply: zbus::Result<String>) -> (String, String) {
    match reply {
        Err(zbus::Error::MethodError(name, text, _)) => {
            (name.as_str().to_string(), text.unwrap_or_default())
        }
        Err(zbus::Error::FDO(e)) => {
            use zbus::DBusError;
            (e.name().to_string(), e.description().unwrap_or("").into())
        }
        other => panic!("refused, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bus_api_is_as_strict_as_the_command_line_with_typed_errors() {
    let bus = DbusSession::start();
    let home = TestHome::new();
    home.write_config(&config());
    let mut daemon = started(bus.address(), &home);
    let client = zbus::connection::Builder::address(bus.address())
        .build()
        .await
        .unwrap();
    let rejected = "org.habitd.Error.Rejected";
    let missing = "missing habit: expected one of sip, water";

    // An empty habit is no habit, for Snooze as for Done and Skip.
    let (name, message) = refused(call(&client, "Snooze", &("", "")).await);
    assert_eq!(name, rejected);
    assert_eq!(message, format!("{missing}, or all"));
    for (method, body) in [("Done", ("", "", "")), ("Skip", ("", "", ""))] {
        let reply = match method {
            "Done" => call(&client, method, &body).await,
            _ => call(&client, method, &(body.0, body.1)).await,
        };
        assert_eq!(refused(reply), (rejected.to_string(), missing.to_string()));
    }
    let (name, message) = refused(call(&client, "Undo", &("watr",)).await);
    assert_eq!(
        (name.as_str(), message.as_str()),
        (rejected, "no habit \"watr\"; did you mean \"water\"?")
    );
    let (name, message) = refused(call(&client, "Resume", &()).await);
    assert_eq!(name, rejected);
    assert!(message.starts_with("not paused"), "{message}");

    // A stray argument is refused like any call of the wrong shape.
    for method in ["Resume", "Status", "Reload"] {
        let (name, message) = refused(call(&client, method, &("water",)).await);
        assert_eq!(
            name, "org.freedesktop.DBus.Error.InvalidArgs",
            "{method}: {message}"
        );
    }
    let (name, _) = refused(call(&client, "Done", &("water", "", "", "")).await);
    assert_eq!(name, "org.freedesktop.DBus.Error.InvalidArgs");

    // `all` snoozes every habit, when asked for by name.
    let all = call(&client, "Snooze", &("all", "10m")).await.unwrap();
    assert_eq!(all.lines().count(), 2, "{all}");
    assert_eq!(recorded(&home), 2, "only the snoozes of all");
    daemon.terminate(WAIT).expect("habitd stops");
}

fn berlin() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get("Europe/Berlin").unwrap()
}

/// A date `days` before today in Berlin, at noon, as `--at` takes it.
fn days_ago_at_noon(days: i64) -> (String, String) {
    let today = berlin().to_datetime(jiff::Timestamp::now()).date();
    let day = today.checked_sub(jiff::Span::new().days(days)).unwrap();
    (day.to_string(), format!("{day} 12:00"))
}

fn done_days_back_confirms_that_day(bus: Option<&str>) {
    let home = TestHome::new();
    home.write_config(&config());
    for days in [3, 40] {
        let (day, at) = days_ago_at_noon(days);
        let first = succeeded(&home.habitd(bus, &["done", "water", "--at", &at]));
        assert_eq!(first, format!("water: 1/8 glasses on {day}\n"));
        let second = succeeded(&home.habitd(bus, &["done", "water", "2", "--at", &at]));
        assert_eq!(second, format!("water: 3/8 glasses on {day}\n"));
        let undo = succeeded(&home.habitd(bus, &["undo", "water"]));
        assert_eq!(
            undo,
            format!("water: took back 2; now 1/8 glasses on {day}\n")
        );
    }
}

#[test]
fn done_at_three_or_more_days_back_confirms_that_day_s_total() {
    done_days_back_confirms_that_day(None);
}

#[test]
fn done_at_three_or_more_days_back_confirms_that_day_s_total_through_the_daemon() {
    let bus = DbusSession::start();
    let home = TestHome::new();
    home.write_config(&config());
    let mut daemon = started(bus.address(), &home);
    done_days_back_confirms_that_day(Some(bus.address()));
    daemon.terminate(WAIT).expect("habitd stops");
}

#[test]
fn pause_until_a_time_passed_today_lasts_until_that_time_tomorrow() {
    let home = TestHome::new();
    home.write_config(&config());
    // 00:00 has always passed today.
    let out = succeeded(&home.habitd(None, &["pause", "--until", "00:00"]));
    assert_eq!(out, "paused until tomorrow 00:00\n");
    let status: serde_json::Value =
        serde_json::from_str(&succeeded(&home.habitd(None, &["status", "--json"]))).unwrap();
    let until: jiff::Timestamp = status["paused"]["until"]
        .as_str()
        .expect("paused until a time")
        .parse()
        .unwrap();
    let local = berlin().to_datetime(until);
    assert_eq!(local.time(), jiff::civil::time(0, 0, 0, 0), "{status}");
    let ahead = until.duration_since(jiff::Timestamp::now());
    assert!(
        ahead.is_positive() && ahead <= jiff::SignedDuration::from_hours(25),
        "{status}"
    );

    assert_eq!(succeeded(&home.habitd(None, &["resume"])), "resumed\n");
    let again = home.habitd(None, &["resume"]);
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(count(&log_events(&home), "resumed"), 1);
}

#[test]
fn a_habit_removed_from_the_config_keeps_a_readable_history_and_undo_names_it() {
    let home = TestHome::new();
    home.write_config(&config());
    succeeded(&home.habitd(None, &["done", "sip"]));
    succeeded(&home.habitd(None, &["done", "sip"]));
    let config = config();
    let without_sip = &config[..config.find("[habits.sip]").expect("the config has sip")];
    home.write_config(without_sip);

    let log = home.habitd(None, &["log", "sip", "--json"]);
    let events: serde_json::Value = serde_json::from_str(&succeeded(&log)).unwrap();
    let events = events.as_array().unwrap();
    assert_eq!(count(events, "done"), 2);
    assert_eq!(
        text(&log.stderr),
        "habitd: sip is not in the config; showing its history\n"
    );
    let day = events[1]["date"].as_str().unwrap();

    let undo = succeeded(&home.habitd(None, &["undo"]));
    assert_eq!(
        undo,
        format!("sip: took back 1 on {day} (sip is not in the config)\n")
    );
    let undo = succeeded(&home.habitd(None, &["undo", "sip"]));
    assert_eq!(
        undo,
        format!("sip: took back 1 on {day} (sip is not in the config)\n")
    );
    let none_left = home.habitd(None, &["undo", "sip"]);
    assert_eq!(none_left.status.code(), Some(2));
    assert_eq!(
        text(&none_left.stderr),
        "habitd: no habit \"sip\"; habits are: water\n"
    );
    // A name neither configured nor recorded is still a typo.
    let typo = home.habitd(None, &["log", "watr"]);
    assert_eq!(typo.status.code(), Some(2));
    assert_eq!(
        text(&typo.stderr),
        "habitd: no habit \"watr\"; did you mean \"water\"?\n"
    );
}
