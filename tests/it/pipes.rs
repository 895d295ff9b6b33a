//! Standard output whose reader went away (`habitd next | head -n 1`):
//! every command stops quietly — exit 0, no panic, nothing on stderr — and
//! a recording command whose event was written reports success, so a
//! script retrying on failure does not record it twice.

use std::io::{BufRead, BufReader};
use std::os::fd::OwnedFd;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::faults::{count, log_events};
use crate::support::process::{Waiter, read_all};
use crate::support::{Daemon, DbusSession, TestHome};

/// How long one command may take.
const WAIT: Duration = Duration::from_secs(30);

/// `habitd args…` in `home`, with nothing from the test's own environment
/// that changes what it prints: no `NO_COLOR`, no `RUST_LOG`, no session
/// bus. Callers choose stdout and add variables.
pub(crate) fn command(home: &TestHome, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_habitd"));
    cmd.args(args)
        .current_dir(home.home_dir())
        .env("HOME", home.home_dir())
        .env("XDG_CONFIG_HOME", home.config_home())
        .env("XDG_DATA_HOME", home.data_home())
        .env("XDG_STATE_HOME", home.state_home())
        .env("XDG_CACHE_HOME", home.cache_home())
        .env("XDG_RUNTIME_DIR", home.runtime_dir())
        .env_remove("NO_COLOR")
        .env_remove("RUST_LOG")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .stdin(Stdio::null());
    cmd
}

/// Runs `cmd` (its stdout and stderr piped) to completion within [`WAIT`].
pub(crate) fn output_of(mut cmd: Command) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawning habitd");
    let stdout = read_all(child.stdout.take().expect("stdout is piped"));
    let stderr = read_all(child.stderr.take().expect("stderr is piped"));
    let mut waiter = Waiter::new(child);
    let Some(status) = waiter.wait(WAIT) else {
        waiter.kill(WAIT);
        panic!("habitd did not exit within {WAIT:?}");
    };
    Output {
        status,
        stdout: stdout.join().expect("reading stdout"),
        stderr: stderr.join().expect("reading stderr"),
    }
}

const CONFIG: &str = r#"[settings]
timezone = "UTC"
[habits.water]
title = "Water"
every = "1m"
goal = { count = 8, unit = "glasses" }
[habits.walk]
title = "Walk"
at = "17:30"
goal = { minutes = 20 }
"#;

/// Runs `habitd args…` (on `bus`, if given) with stdout a pipe whose read
/// end was closed before habitd started: its first write fails with EPIPE.
fn with_stdout_closed(home: &TestHome, bus: Option<&str>, args: &[&str]) -> Output {
    let (reader, writer): (OwnedFd, OwnedFd) = rustix::pipe::pipe().expect("a pipe");
    drop(reader);
    let mut cmd = command(home, args);
    if let Some(address) = bus {
        cmd.env("DBUS_SESSION_BUS_ADDRESS", address);
    }
    cmd.stdout(Stdio::from(writer)).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawning habitd");
    let stderr = read_all(child.stderr.take().expect("stderr is piped"));
    let mut waiter = Waiter::new(child);
    let status = waiter.wait(WAIT).expect("habitd exits");
    Output {
        status,
        stdout: Vec::new(),
        stderr: stderr.join().expect("reading stderr"),
    }
}

#[track_caller]
fn assert_quiet_success(out: &Output, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "habitd {what} with stdout closed: {:?}\n{stderr}",
        out.status
    );
    assert_eq!(stderr, "", "habitd {what} with stdout closed says nothing");
}

#[test]
fn reports_stop_quietly_when_stdout_is_closed() {
    let home = TestHome::new();
    home.write_config(CONFIG);
    let history = home.habitd(None, &["done", "water", "--at", "2026-01-01 09:00"]);
    assert!(history.status.success());
    for args in [
        &["next", "-n", "1000"][..],
        &["next", "-n", "1000", "--json"],
        &["log"],
        &["log", "--csv"],
        &["log", "--json"],
        &["check"],
        &["status"],
        &["status", "--json"],
        &["streaks"],
        &["streaks", "--json"],
    ] {
        let out = with_stdout_closed(&home, None, args);
        assert_quiet_success(&out, &args.join(" "));
    }
}

#[test]
fn next_piped_into_head_stops_quietly() {
    let home = TestHome::new();
    home.write_config(CONFIG);
    let mut cmd = command(&home, &["next", "-n", "100000"]);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawning habitd");
    let stderr = read_all(child.stderr.take().expect("stderr is piped"));
    // Like `head -n 1`: read one line, then go away while habitd still has
    // megabytes to write.
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
    let mut first = String::new();
    stdout
        .read_line(&mut first)
        .expect("reading the first line");
    // Time, offset, then the id and title (padded to the check-in's id).
    let words: Vec<&str> = first.split_whitespace().collect();
    assert_eq!(words[words.len() - 2..], ["water", "Water"], "{first:?}");
    drop(stdout);
    let status = Waiter::new(child).wait(WAIT).expect("habitd exits");
    let out = Output {
        status,
        stdout: Vec::new(),
        stderr: stderr.join().expect("reading stderr"),
    };
    assert_quiet_success(&out, "next -n 100000 | head -n 1");
}

#[test]
fn a_recording_command_whose_output_is_closed_records_once_and_succeeds() {
    let home = TestHome::new();
    home.write_config(CONFIG);
    let out = with_stdout_closed(&home, None, &["done", "water"]);
    assert_quiet_success(&out, "done water");
    let out = with_stdout_closed(&home, None, &["skip", "walk", "--date", "2026-12-24"]);
    assert_quiet_success(&out, "skip walk");
    let out = with_stdout_closed(&home, None, &["pause", "1h"]);
    assert_quiet_success(&out, "pause 1h");
    let events = log_events(&home);
    assert_eq!(count(&events, "done"), 1, "{events:?}");
    assert_eq!(count(&events, "skipped"), 1, "{events:?}");
    assert_eq!(count(&events, "paused"), 1, "{events:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_answered_by_the_daemon_succeeds_with_stdout_closed() {
    let bus = DbusSession::start();
    let home = TestHome::new();
    home.write_config(CONFIG);
    // No notification server is needed: the daemon records the answer to
    // `done` whether or not it could show anything.
    let mut daemon = Daemon::spawn(bus.address(), &home, &["run"]);
    daemon
        .wait_for_log("habitd is ready", WAIT)
        .unwrap_or_else(|e| panic!("habitd starts: {e}"));
    let out = with_stdout_closed(&home, Some(bus.address()), &["done", "water"]);
    assert_quiet_success(&out, "done water (through the daemon)");
    // The daemon wrote it (the status it reports counts it) ...
    let status = output_of({
        let mut cmd = command(&home, &["status", "--json"]);
        cmd.env("DBUS_SESSION_BUS_ADDRESS", bus.address());
        cmd
    });
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).expect("JSON");
    assert_eq!(status["daemon"], true);
    let water = status["habits"]
        .as_array()
        .and_then(|habits| habits.iter().find(|h| h["habit"] == "water"))
        .expect("water in the status");
    assert_eq!(water["done"], 1, "{status}");
    // ... once.
    daemon.terminate(WAIT).expect("habitd stops");
    assert_eq!(count(&log_events(&home), "done"), 1);
}
