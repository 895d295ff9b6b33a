//! `habitd run` where there is no desktop session bus: one clear error
//! naming what is missing and the ways to run it; and `habitd run
//! --terminal`, which shows reminders as lines on stdout, records them as
//! usual, and is answered with the command line — over the session bus when
//! there is one, through the history when not.

use std::io::Read;
use std::process::Stdio;
use std::time::Duration;

use crate::faults::{count, log_events};
use crate::support::process::Waiter;
use crate::support::{Daemon, DbusSession, TestHome, utc_clock_in};

/// How long any expected event may take before the test fails.
const WAIT: Duration = Duration::from_secs(15);

/// A config with one habit, `sip`, reminded at `at` (UTC).
fn config(at: &str) -> String {
    format!(
        r#"[settings]
timezone = "UTC"

[habits.sip]
title = "Sip"
body = "A glass of water"
at = "{at}"
"#
    )
}

/// The text of the events of `kind` for `habit`, with their sources.
fn sources(events: &[serde_json::Value], kind: &str) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["kind"] == kind && e["habit"] == "sip")
        .map(|e| e["source"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn run_without_a_session_bus_says_what_is_missing_and_how_to_run_it() {
    let home = TestHome::new();
    home.write_config(&config("12:00"));
    let out = home.habitd(None, &["run"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("habitd: "))
        .collect();
    let [error] = errors[..] else {
        panic!("one error line expected:\n{stderr}");
    };
    let socket = home.runtime_dir().join("bus");
    for needle in [
        "no desktop session bus",
        "DBUS_SESSION_BUS_ADDRESS is not set",
        &format!("no bus listens at {}", socket.display()),
        "inside your desktop session",
        "systemctl --user start habitd",
        "habitd run --terminal",
    ] {
        assert!(error.contains(needle), "{needle:?} missing from: {error}");
    }
    assert!(
        !error.contains("os error"),
        "the cause is said in words, once: {error}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn without_a_session_bus_a_due_reminder_shows_on_stdout_is_recorded_and_is_answered() {
    let home = TestHome::new();
    let (at, _) = utc_clock_in(2);
    home.write_config(&config(&at));
    let mut daemon = Daemon::spawn_without_bus(&home, &["run", "--terminal", "-v"]);
    daemon
        .wait_for_log("no session bus, so `habitd done HABIT`", WAIT)
        .expect("says how it will be answered");
    let line = daemon
        .wait_for_log("(habitd done sip)", WAIT)
        .expect("the reminder on stdout");
    let clock = &at[..5];
    assert_eq!(
        line,
        format!("{clock} Sip — A glass of water  (habitd done sip)"),
        "one line, with the time, and no bell into a pipe"
    );
    daemon
        .wait_for_log("recorded 1 event(s)", WAIT)
        .expect("the reminder is written");
    assert_eq!(sources(&log_events(&home), "reminded"), ["daemon"]);

    let done = home.habitd(None, &["done", "sip"]);
    assert!(done.status.success(), "{done:?}");
    daemon
        .wait_for_log("another process wrote the history", WAIT)
        .expect("the daemon sees the command's write");
    let events = log_events(&home);
    assert_eq!(sources(&events, "done"), ["cli"]);
    assert_eq!(count(&events, "undelivered"), 0);
    let status = daemon.terminate(WAIT).expect("stops on SIGTERM");
    assert_eq!(status.code(), Some(0), "{}", daemon.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_session_bus_the_terminal_daemon_answers_the_commands_itself() {
    let bus = DbusSession::start();
    let home = TestHome::new();
    let (at, _) = utc_clock_in(2);
    home.write_config(&config(&at));
    // No notification server on this bus: the terminal needs none.
    let mut daemon = Daemon::spawn(bus.address(), &home, &["run", "--terminal", "-v"]);
    daemon
        .wait_for_log("reach this habitd over the session bus", WAIT)
        .expect("says how it will be answered");
    daemon
        .wait_for_log("(habitd done sip)", WAIT)
        .expect("the reminder on stdout");
    daemon
        .wait_for_log("recorded 1 event(s)", WAIT)
        .expect("the reminder is written");

    let done = home.habitd(Some(bus.address()), &["done", "sip"]);
    assert!(done.status.success(), "{done:?}");
    daemon
        .wait_for_log("sip: 1/1", WAIT)
        .expect("the daemon carried out the command");
    let events = log_events(&home);
    assert_eq!(sources(&events, "reminded"), ["daemon"]);
    assert_eq!(sources(&events, "done"), ["dbus"]);

    let second = Daemon::spawn(bus.address(), &home, &["run", "--terminal", "-v"]).wait_exit(WAIT);
    assert_eq!(second.and_then(|s| s.code()), Some(1), "one daemon only");
}

#[test]
fn on_a_terminal_each_reminder_rings_the_bell() {
    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
    let home = TestHome::new();
    let (at, _) = utc_clock_in(2);
    home.write_config(&config(&at));
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("opening a pty");
    grantpt(&master).expect("grantpt");
    unlockpt(&master).expect("unlockpt");
    let name = ptsname(&master, Vec::new()).expect("ptsname");
    let terminal = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(name.to_str().expect("a UTF-8 pty name"))
        .expect("opening the pty's terminal end");
    let mut cmd = crate::pipes::command(&home, &["run", "--terminal", "-v"]);
    cmd.stdout(Stdio::from(terminal)).stderr(Stdio::null());
    let child = cmd.spawn().expect("spawning habitd");
    drop(cmd);
    let mut waiter = Waiter::new(child);
    let (lines, shown) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut master = std::fs::File::from(master);
        let mut buf = [0; 4096];
        while let Ok(n) = master.read(&mut buf) {
            if n == 0 || lines.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + WAIT;
    while !seen.ends_with(b"\n") {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match shown.recv_timeout(left) {
            Ok(bytes) => seen.extend(bytes),
            Err(_) => break,
        }
    }
    waiter.signal("TERM");
    assert_eq!(
        waiter.wait(WAIT).and_then(|s| s.code()),
        Some(0),
        "stops on SIGTERM"
    );
    let seen = String::from_utf8_lossy(&seen);
    assert_eq!(
        seen,
        format!(
            "{} Sip — A glass of water  (habitd done sip)\x07\r\n",
            &at[..5]
        )
    );
}
