//! `habitd status --bar`: each format's whole output on a history made with
//! the real CLI, Waybar's JSON parsed; and `--follow` through the real
//! binary on a private bus, reacting to a `done` through the daemon or
//! without one, to the daemon starting and stopping, and to its reader
//! going away.

use std::io::{BufRead, BufReader};
use std::process::{Output, Stdio};
use std::time::Duration;

use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::output::{on_one_day, success, weekday_name};
use crate::pipes::command;
use crate::support::process::{Waiter, read_all};
use crate::support::{Daemon, DbusSession, TestHome};

/// How long a command, or a line from a follower, may take.
const WAIT: Duration = Duration::from_secs(30);

/// Water met today; a stretch and a walk asked only tomorrow, so nothing is
/// behind whatever the time of day.
fn config(tomorrow: Date) -> String {
    let day = weekday_name(tomorrow.weekday());
    format!(
        r#"[settings]
timezone = "UTC"
[habits.water]
title = "Drink water"
emoji = "💧"
pace = "09:00-21:00"
goal = {{ count = 8, unit = "glasses" }}
[habits.stretch]
title = "Stretch"
emoji = "🧘"
at = "12:30"
days = ["{day}"]
[habits.walk]
title = "Walk & <b>talk</b>"
emoji = "🚶"
at = "17:30"
days = ["{day}"]
goal = {{ minutes = 20 }}
"#
    )
}

fn habitd(home: &TestHome, args: &[&str]) -> Output {
    home.habitd(None, args)
}

#[test]
fn each_bar_format_on_a_history() {
    let home = TestHome::new();
    let (tomorrow, plain, i3blocks, waybar) = on_one_day(&TimeZone::UTC, |today| {
        let tomorrow = today.tomorrow().unwrap();
        home.write_config(&config(tomorrow));
        let _ = std::fs::remove_dir_all(home.data_home().join("habitd"));
        success(&habitd(&home, &["done", "water", "8"]));
        success(&habitd(&home, &["done", "walk", "5m"]));
        (
            tomorrow,
            success(&habitd(&home, &["status", "--bar", "plain"])),
            success(&habitd(&home, &["status", "--bar", "i3blocks"])),
            success(&habitd(&home, &["status", "--bar", "waybar"])),
        )
    });
    assert_eq!(plain, "🧘 0/1  🚶 5/20  💧 ✓\n");
    assert_eq!(i3blocks, "🧘 0/1  🚶 5/20  💧 ✓\n1/1 ✓\n#33d17a\n");
    assert_eq!(waybar.lines().count(), 1, "{waybar}");
    let json: serde_json::Value = serde_json::from_str(&waybar).expect("Waybar's JSON");
    let day = tomorrow.strftime("%a");
    assert_eq!(
        json,
        serde_json::json!({
            "text": "🧘 0/1  🚶 5/20  💧 ✓",
            "tooltip": format!(
                "habitd is not running: no reminders are shown\n\
                 🧘 Stretch: 0/1 times, next {day} 12:30\n\
                 🚶 Walk &amp; &lt;b&gt;talk&lt;/b&gt;: 5/20 min, next {day} 17:30\n\
                 💧 Drink water: 8/8 glasses ✓, next {day} 09:00"
            ),
            "class": "done",
            "percentage": 100,
        })
    );
}

#[test]
fn bar_options_are_checked() {
    let home = TestHome::new();
    for (args, says) in [
        (&["status", "--follow"][..], "--bar"),
        (&["status", "--bar", "xmobar"], "waybar, i3blocks, plain"),
        (
            &["status", "--bar", "plain", "--json"],
            "cannot be used with",
        ),
    ] {
        let out = habitd(&home, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

const FOLLOWED: &str = r#"[settings]
timezone = "UTC"
[habits.water]
title = "Drink water"
emoji = "💧"
pace = "09:00-21:00"
goal = { count = 8, unit = "glasses" }
"#;

/// Waits for the follower's next Waybar line that `pick` accepts.
fn next_waybar(
    follower: &mut Daemon,
    what: &str,
    pick: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let line = follower
            .wait_for_log("{\"class\":", left)
            .unwrap_or_else(|e| panic!("waiting for {what}: {e}"));
        let json: serde_json::Value = serde_json::from_str(&line).expect("Waybar's JSON");
        if pick(&json) {
            return json;
        }
    }
}

fn is_running(json: &serde_json::Value) -> bool {
    !json["tooltip"]
        .as_str()
        .is_some_and(|t| t.starts_with("habitd is not running"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_shows_a_done_through_the_daemon() {
    let bus = DbusSession::start();
    let home = TestHome::new();
    home.write_config(FOLLOWED);
    let mut daemon = Daemon::spawn(bus.address(), &home, &["run"]);
    daemon
        .wait_for_log("habitd is ready", WAIT)
        .unwrap_or_else(|e| panic!("habitd starts: {e}"));
    on_one_day(&TimeZone::UTC, |_| {
        let before = success(&home.habitd(Some(bus.address()), &["status", "--json"]));
        let before: serde_json::Value = serde_json::from_str(&before).unwrap();
        let done = before["habits"][0]["done"].as_i64().unwrap();
        let mut follower = Daemon::spawn(
            bus.address(),
            &home,
            &["status", "--bar", "plain", "--follow"],
        );
        follower
            .wait_for_log(&format!("💧 {done}/8"), WAIT)
            .unwrap_or_else(|e| panic!("the first line: {e}"));
        success(&home.habitd(Some(bus.address()), &["done", "water"]));
        follower
            .wait_for_log(&format!("💧 {}/8", done + 1), WAIT)
            .unwrap_or_else(|e| panic!("the line after `done water`: {e}"));
    });
    daemon.terminate(WAIT).expect("habitd stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_without_a_daemon_reads_the_history_then_follows_the_daemon() {
    let bus = DbusSession::start();
    let home = TestHome::new();
    home.write_config(FOLLOWED);
    on_one_day(&TimeZone::UTC, |_| {
        let _ = std::fs::remove_dir_all(home.data_home().join("habitd"));
        success(&home.habitd(None, &["done", "water", "2"]));
        let mut follower = Daemon::spawn(
            bus.address(),
            &home,
            &["status", "--bar", "waybar", "--follow"],
        );
        let first = next_waybar(&mut follower, "the line from the history", |_| true);
        assert_eq!(first["text"], "💧 2/8");
        assert!(!is_running(&first), "{first}");
        // A `done` written by the command line itself is seen too.
        success(&home.habitd(Some(bus.address()), &["done", "water"]));
        next_waybar(&mut follower, "3/8 from the history", |j| {
            j["text"] == "💧 3/8" && !is_running(j)
        });
        // The daemon's name appearing is heard, and its view (the same
        // history) replaces the one computed without it.
        let mut daemon = Daemon::spawn(bus.address(), &home, &["run"]);
        let running = next_waybar(&mut follower, "the running daemon's line", is_running);
        assert_eq!(running["text"], "💧 3/8", "never a flash of nothing done");
        success(&home.habitd(Some(bus.address()), &["done", "water"]));
        next_waybar(&mut follower, "4/8 after `done water`", |j| {
            j["text"] == "💧 4/8"
        });
        // And its going away.
        daemon.terminate(WAIT).expect("habitd stops");
        let stopped = next_waybar(&mut follower, "the line once it stopped", |j| {
            !is_running(j)
        });
        assert_eq!(stopped["text"], "💧 4/8");
    });
}

#[test]
fn follow_ends_quietly_when_its_reader_goes_away() {
    let bus = DbusSession::start();
    let home = TestHome::new();
    home.write_config(FOLLOWED);
    let mut cmd = command(&home, &["status", "--bar", "plain", "--follow"]);
    cmd.env("DBUS_SESSION_BUS_ADDRESS", bus.address())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawning habitd");
    let stderr = read_all(child.stderr.take().expect("stderr is piped"));
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("the first line");
    assert!(first.starts_with("💧 "), "{first:?}");
    // The bar restarts: nothing changes, yet habitd notices and goes.
    drop(stdout);
    let status = Waiter::new(child).wait(WAIT).expect("habitd exits");
    let stderr = String::from_utf8(stderr.join().unwrap()).unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn follow_without_a_session_bus_prints_once_and_says_why_it_stops() {
    let home = TestHome::new();
    home.write_config(FOLLOWED);
    let out = habitd(&home, &["status", "--bar", "plain", "--follow"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stdout.starts_with("💧 ") && stdout.lines().count() == 1,
        "{stdout}"
    );
    assert!(
        stderr.contains("cannot follow changes: there is no session bus"),
        "{stderr}"
    );
}
