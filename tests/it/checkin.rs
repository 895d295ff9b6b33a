//! The morning check-in and the weekly look back through the real daemon on
//! a private bus: the check-in comes at its time, its No and Yes record last
//! night in the diary, a night recorded beforehand from the command line
//! means no question, and one recorded while it is on screen closes it; the
//! look back's Report button writes the report and opens it with
//! `xdg-open`, or logs where it is without one.

use std::path::Path;
use std::time::Duration;

use crate::support::{Daemon, DbusSession, NotificationServer, TestHome, utc_clock_in};

/// How long any expected event may take before the test fails.
const WAIT: Duration = Duration::from_secs(15);

/// A config in UTC with `checkin` as the check-in's section, a habit at
/// `habit` (`HH:MM:SS`), and `more` after them.
fn config(checkin: &str, habit: &str, more: &str) -> String {
    format!(
        r#"[settings]
timezone = "UTC"

[checkin]
{checkin}

[habits.stretch]
title = "Stretch"
at = "{habit}"
{more}"#
    )
}

/// A time of day an hour away: a habit there stays out of the way.
fn out_of_the_way() -> String {
    utc_clock_in(3600).0
}

/// Last night, as the check-in names it: yesterday's date in UTC.
fn last_night() -> String {
    jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date()
        .yesterday()
        .expect("yesterday exists")
        .to_string()
}

/// The history's diary entries, `habitd log --json` filtered by kind.
fn diary(home: &TestHome) -> Vec<serde_json::Value> {
    let out = home.habitd(None, &["log", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).expect("log JSON");
    log.as_array()
        .expect("an array")
        .iter()
        .filter(|e| e["kind"] == "cramp" || e["kind"] == "no_cramps")
        .cloned()
        .collect()
}

/// Shows the check-in, presses `answer` on it, and returns what the diary
/// then holds.
async fn answer_the_check_in(answer: &str) -> (Vec<serde_json::Value>, Daemon, TestHome) {
    let bus = DbusSession::start();
    let mut server = NotificationServer::start(bus.address()).await;
    let home = TestHome::new();
    let (time, due) = utc_clock_in(2);
    home.write_config(&config(&format!("at = \"{time}\""), &out_of_the_way(), ""));
    let mut daemon = Daemon::spawn(bus.address(), &home, &["run"]);

    let asked = server
        .next(WAIT)
        .await
        .unwrap_or_else(|| panic!("no check-in:\n{}", daemon.log()));
    let late = asked.at.duration_since(due).expect("not early");
    assert!(late < Duration::from_secs(1), "{late:?} late");
    assert_eq!(asked.summary, "Any leg cramps last night?");
    assert!(asked.body.starts_with("The night of "), "{}", asked.body);
    assert_eq!(asked.action_keys(), ["no", "yes"]);
    assert_eq!(asked.expire_timeout, 0, "a question stays until answered");
    daemon
        .wait_for_log("reminding checkin", WAIT)
        .expect("the check-in is logged");
    server.invoke_action(asked.id, answer).await;
    daemon
        .wait_for_log("from the notification", WAIT)
        .unwrap_or_else(|e| panic!("the answer is recorded: {e}"));
    if answer == "yes" {
        let note = server
            .next(WAIT)
            .await
            .unwrap_or_else(|| panic!("no note after Yes:\n{}", daemon.log()));
        assert_eq!(note.replaces_id, asked.id);
        assert!(note.summary.starts_with("Cramps noted for the night of"));
        assert!(note.body.contains("habitd cramp"), "{}", note.body);
        assert!(note.actions.is_empty());
    }
    (diary(&home), daemon, home)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_on_the_check_in_records_a_quiet_last_night() {
    let (entries, daemon, _home) = answer_the_check_in("no").await;
    assert_eq!(entries.len(), 1, "{entries:?}\n{}", daemon.log());
    assert_eq!(entries[0]["kind"], "no_cramps");
    assert_eq!(entries[0]["date"], last_night().as_str());
    assert_eq!(entries[0]["source"], "notification");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yes_on_the_check_in_records_a_cramp_last_night() {
    let (entries, daemon, _home) = answer_the_check_in("yes").await;
    assert_eq!(entries.len(), 1, "{entries:?}\n{}", daemon.log());
    assert_eq!(entries[0]["kind"], "cramp");
    assert_eq!(entries[0]["date"], last_night().as_str());
    assert_eq!(entries[0]["source"], "notification");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_night_recorded_before_the_check_in_means_no_question() {
    let bus = DbusSession::start();
    let mut server = NotificationServer::start(bus.address()).await;
    let home = TestHome::new();
    let (checkin, _) = utc_clock_in(4);
    // A habit a second later tells that the check-in's time has passed.
    let (habit, _) = utc_clock_in(5);
    home.write_config(&config(&format!("at = \"{checkin}\""), &habit, ""));
    let mut daemon = Daemon::spawn(bus.address(), &home, &["run"]);
    daemon.wait_for_log("started", WAIT).expect("habitd starts");

    let out = home.habitd(Some(bus.address()), &["cramp", "--none"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    daemon
        .wait_for_log(
            &format!("not asking about the night of {}", last_night()),
            WAIT,
        )
        .unwrap_or_else(|e| panic!("the skip is logged: {e}"));
    let next = server
        .next(WAIT)
        .await
        .unwrap_or_else(|| panic!("no reminder:\n{}", daemon.log()));
    assert_eq!(next.summary, "Stretch", "the check-in was not asked");
    let out = home.habitd(None, &["log", "checkin", "--json"]);
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).expect("log JSON");
    let kinds: Vec<&str> = log
        .as_array()
        .expect("an array")
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(kinds, ["skipped"], "one record of the check-in's fate");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_night_recorded_from_the_command_line_closes_the_question_on_screen() {
    let bus = DbusSession::start();
    let mut server = NotificationServer::start(bus.address()).await;
    let home = TestHome::new();
    let (time, _) = utc_clock_in(2);
    home.write_config(&config(&format!("at = \"{time}\""), &out_of_the_way(), ""));
    let daemon = Daemon::spawn(bus.address(), &home, &["run"]);
    let asked = server
        .next(WAIT)
        .await
        .unwrap_or_else(|| panic!("no check-in:\n{}", daemon.log()));
    let out = home.habitd(Some(bus.address()), &["cramp", "--none"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let closed = server
        .next_close(WAIT)
        .await
        .unwrap_or_else(|| panic!("the question stays on screen:\n{}", daemon.log()));
    assert_eq!(closed, asked.id);
    let entries = diary(&home);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["source"], "dbus");
}

/// Runs the look back now, presses Report with `path` as `PATH`, and
/// returns the daemon once `log` is in its log.
async fn press_report(path: &str, log: &str) -> (Daemon, TestHome) {
    let bus = DbusSession::start();
    let mut server = NotificationServer::start(bus.address()).await;
    let home = TestHome::new();
    let (time, _) = utc_clock_in(2);
    home.write_config(&config(
        "enabled = false",
        &out_of_the_way(),
        &format!("\n[review]\nat = \"{time}\"\ndays = \"daily\"\n"),
    ));
    let mut daemon = Daemon::spawn_with_env(bus.address(), &home, &["run"], &[("PATH", path)]);
    let week = server
        .next(WAIT)
        .await
        .unwrap_or_else(|| panic!("no look back:\n{}", daemon.log()));
    assert_eq!(week.summary, "Your week");
    assert!(
        week.body.contains("stretch: ") && week.body.contains("Cramps: "),
        "{}",
        week.body
    );
    assert_eq!(week.action_keys(), ["report"]);
    server.invoke_action(week.id, "report").await;
    daemon
        .wait_for_log(log, WAIT)
        .unwrap_or_else(|e| panic!("{log:?} is logged: {e}"));
    (daemon, home)
}

fn report_path(home: &TestHome) -> std::path::PathBuf {
    home.runtime_dir().join("habitd").join("report.html")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_on_the_look_back_writes_the_report_and_opens_it() {
    let bin = tempfile::tempdir().expect("a directory for the fake opener");
    let opened = bin.path().join("opened");
    let opener = bin.path().join("xdg-open");
    std::fs::write(
        &opener,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\n",
            opened.display()
        ),
    )
    .expect("writing the fake opener");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755))
        .expect("making it executable");
    let path = format!("{}:/usr/bin:/bin", bin.path().display());
    let (_daemon, home) = press_report(&path, "opened the report").await;
    let report = report_path(&home);
    assert_eq!(
        std::fs::read_to_string(&opened).expect("the opener ran"),
        format!("{}\n", report.display())
    );
    assert_report(&report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_without_an_opener_logs_where_the_report_is() {
    let empty = tempfile::tempdir().expect("a PATH without xdg-open");
    let path = empty.path().display().to_string();
    let (daemon, home) = press_report(&path, "no xdg-open to open it").await;
    let report = report_path(&home);
    assert!(
        daemon
            .log()
            .contains(&format!("the report is at {}", report.display())),
        "{}",
        daemon.log()
    );
    assert_report(&report);
}

fn assert_report(path: &Path) {
    let html = std::fs::read_to_string(path).expect("the report is written");
    assert!(html.contains("<html"), "{html}");
}
