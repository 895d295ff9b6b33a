//! Away and locked: a reminder that falls due while the screen is locked is
//! held, and shown once when it is unlocked, with the lock told by a screen
//! saver speaking the real `org.freedesktop.ScreenSaver` interface on the
//! private bus, or by a logind-shaped service on a second private bus given
//! as the system bus; without any source, habitd says once that it takes the
//! user to be present.

use std::time::Duration;

use crate::support::{
    Daemon, DbusSession, Logind, NotificationServer, ScreenSaver, TestHome, cron_due_in,
};

/// How long any expected event may take before the test fails.
const WAIT: Duration = Duration::from_secs(15);

fn config(cron: &str) -> String {
    format!(
        r#"[settings]
timezone = "UTC"

[checkin]
enabled = false

[habits.stretch]
title = "Stretch"
cron = "{cron}"
"#
    )
}

/// The kinds of `habit`'s events in the history, in order.
fn kinds(home: &TestHome, habit: &str) -> Vec<String> {
    let out = home.habitd(None, &["log", habit, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).expect("log JSON");
    log.as_array()
        .expect("an array")
        .iter()
        .map(|e| e["kind"].as_str().expect("a kind").to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reminder_due_while_locked_is_held_and_shown_once_on_unlock() {
    let bus = DbusSession::start();
    let mut server = NotificationServer::start(bus.address()).await;
    let screen = ScreenSaver::start(bus.address(), true).await;
    let home = TestHome::new();
    let (cron, _) = cron_due_in(2, &jiff::tz::TimeZone::UTC);
    home.write_config(&config(&cron));
    let mut daemon = Daemon::spawn(bus.address(), &home, &["run"]);
    daemon
        .wait_for_log("following the screen lock", WAIT)
        .expect("the screen saver is found");
    daemon
        .wait_for_log("the user is away", WAIT)
        .expect("the lock at start is heard");
    daemon
        .wait_for_log("holding the reminder of stretch", WAIT)
        .expect("the reminder falls due and is held");
    assert!(server.is_drained(), "nothing shown while locked");

    screen.set_active(false).await;
    let got = server
        .next(WAIT)
        .await
        .unwrap_or_else(|| panic!("no notification on unlock; log:\n{}", daemon.log()));
    assert_eq!(got.summary, "Stretch");

    // Locked and unlocked again: nothing is held any more.
    screen.set_active(true).await;
    daemon.wait_for_log("the user is away", WAIT).unwrap();
    screen.set_active(false).await;
    daemon
        .wait_for_log("the user is back: 0 reminders held", WAIT)
        .expect("the unlock is heard");
    assert!(server.is_drained(), "shown once");
    let status = daemon.terminate(WAIT).expect("habitd stops on SIGTERM");
    assert_eq!(status.code(), Some(0), "{}", daemon.log());
    assert_eq!(kinds(&home, "stretch"), ["reminded"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_source_the_user_is_taken_to_be_present_and_told_once() {
    let bus = DbusSession::start();
    let mut server = NotificationServer::start(bus.address()).await;
    let home = TestHome::new();
    let (cron, _) = cron_due_in(2, &jiff::tz::TimeZone::UTC);
    home.write_config(&config(&cron));
    let mut daemon = Daemon::spawn(bus.address(), &home, &["run"]);
    server
        .next(WAIT)
        .await
        .unwrap_or_else(|| panic!("no notification; log:\n{}", daemon.log()));
    let status = daemon.terminate(WAIT).expect("habitd stops on SIGTERM");
    assert_eq!(status.code(), Some(0), "{}", daemon.log());
    let log = daemon.log();
    assert_eq!(
        log.matches("reminders are shown as if you were always there")
            .count(),
        1,
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logind_s_locked_and_idle_hints_hold_a_reminder_until_both_are_clear() {
    let bus = DbusSession::start();
    let system = DbusSession::start();
    let mut server = NotificationServer::start(bus.address()).await;
    let logind = Logind::start(system.address()).await;
    let home = TestHome::new();
    let (cron, _) = cron_due_in(3, &jiff::tz::TimeZone::UTC);
    home.write_config(&config(&cron));
    let mut daemon = Daemon::spawn_with_env(
        bus.address(),
        &home,
        &["run"],
        &[("DBUS_SYSTEM_BUS_ADDRESS", system.address())],
    );
    daemon
        .wait_for_log("through logind (/org/freedesktop/login1/session/_31)", WAIT)
        .expect("the session is found");
    logind.set_locked(true).await;
    daemon
        .wait_for_log("the user is away", WAIT)
        .expect("LockedHint is heard");
    logind.set_idle(true).await;
    daemon
        .wait_for_log("holding the reminder of stretch", WAIT)
        .expect("the reminder falls due and is held");
    logind.set_locked(false).await;
    daemon
        .wait_for_log("logind: the session is unlocked, idle", WAIT)
        .expect("the unlock is heard");
    assert!(server.is_drained(), "still idle: still away");
    let active_again = std::time::SystemTime::now();
    logind.set_idle(false).await;
    let got = server
        .next(WAIT)
        .await
        .unwrap_or_else(|| panic!("no notification on return; log:\n{}", daemon.log()));
    assert_eq!(got.summary, "Stretch");
    assert!(got.at >= active_again, "shown only once no longer idle");
    let log = daemon.log();
    assert_eq!(log.matches("the user is back:").count(), 1, "{log}");
    assert!(
        !log.contains("reminders are shown as if you were always there"),
        "{log}"
    );
    assert!(server.is_drained(), "shown once");
    let status = daemon.terminate(WAIT).expect("habitd stops on SIGTERM");
    assert_eq!(status.code(), Some(0), "{}", daemon.log());
    assert_eq!(kinds(&home, "stretch"), ["reminded"]);
}
