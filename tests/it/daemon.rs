//! `habitd run` on a private session bus against a notification server that
//! speaks the real protocol: reminders arrive on time with the right content,
//! a habit's reminder replaces its previous one, a missing server is survived,
//! SIGHUP reloads (keeping the old config when the new one is broken) and
//! SIGTERM stops cleanly.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::support::{
    Daemon, DbusSession, NotificationServer, Received, TestHome, cron_due_in, signal, utc_clock_in,
};

/// How long any expected event may take before the test fails.
const WAIT: Duration = Duration::from_secs(15);

/// Asserts `received` came at `due` or less than a second after it.
fn assert_on_time(received: &Received, due: SystemTime) {
    let late = received
        .at
        .duration_since(due)
        .unwrap_or_else(|early| panic!("notification came {:?} early", early.duration()));
    assert!(
        late < Duration::from_secs(1),
        "notification came {late:?} late"
    );
}

/// One habit reminded by `schedule`; the morning check-in is off, so a run
/// at 08:30 UTC sees the habit's notifications alone.
fn habit_config(schedule: &str) -> String {
    format!(
        r#"[settings]
timezone = "UTC"

[checkin]
enabled = false

[habits.sip]
title = "Sip & <stretch>"
body = "Calf & hamstring: pull the foot toward your head"
urgency = "critical"
timeout = "30s"
{schedule}
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cron_reminder_arrives_on_time_with_its_content() {
    let bus = DbusSession::start();
    let mut server = NotificationServer::start(bus.address()).await;
    let home = TestHome::new();
    let (cron, due) = cron_due_in(2, &jiff::tz::TimeZone::UTC);
    home.write_config(&habit_config(&format!("cron = \"{cron}\"")));
    let mut daemon = Daemon::spawn(bus.address(), &home, &["run"]);

    let got = server
        .next(WAIT)
        .await
        .unwrap_or_else(|| panic!("no notification; log:\n{}", daemon.log()));
    assert_on_time(&got, due);
    assert_eq!(got.app_name, "habitd");
    assert_eq!(got.summary, "Sip & <stretch>");
    assert_eq!(
        got.body,
        "Calf &amp; hamstring: pull the foot toward your head"
    );
    assert_eq!(got.urgency, Some(2));
    assert_eq!(got.desktop_entry.as_deref(), Some("habitd"));
    assert_eq!(got.expire_timeout, 30_000);
    assert_eq!(got.replaces_id, 0);
    daemon
        .wait_for_log("reminding sip", WAIT)
        .expect("the reminder is logged");
    let status = daemon.terminate(WAIT).expect("habitd stops on SIGTERM");
    assert_eq!(status.code(), Some(0), "{}", daemon.log());
    assert!(daemon.log().contains("habitd stopping"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_reminder_replaces_the_first() {
    let bus = DbusSession::start();
    let mut server = NotificationServer::start(bus.address()).await;
    let home = TestHome::new();
    let (first, first_due) = utc_clock_in(2);
    let (second, second_due) = utc_clock_in(4);
    home.write_config(&habit_config(&format!("at = [\"{first}\", \"{second}\"]")));
    let daemon = Daemon::spawn(bus.address(), &home, &["run"]);

    let one = server
        .next(WAIT)
        .await
        .unwrap_or_else(|| panic!("no first notification:\n{}", daemon.log()));
    assert_on_time(&one, first_due);
    assert_eq!(one.replaces_id, 0);
    let two = server
        .next(WAIT)
        .await
        .unwrap_or_else(|| panic!("no second notification:\n{}", daemon.log()));
    assert_on_time(&two, second_due);
    assert_eq!(
        two.replaces_id, one.id,
        "the second reminder replaces the first"
    );
    assert_eq!(two.id, one.id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_notification_server_is_survived_and_delivery_resumes() {
    let bus = DbusSession::start();
    let home = TestHome::new();
    let (first, _) = utc_clock_in(2);
    let (second, second_due) = utc_clock_in(6);
    home.write_config(&habit_config(&format!("at = [\"{first}\", \"{second}\"]")));
    let mut daemon = Daemon::spawn(bus.address(), &home, &["run"]);

    daemon
        .wait_for_log("cannot show the reminder for sip", WAIT)
        .expect("a warning when no server answers");
    assert!(
        daemon.try_exit_status().is_none(),
        "habitd exited:\n{}",
        daemon.log()
    );

    let mut server = NotificationServer::start(bus.address()).await;
    let got = server
        .next(WAIT)
        .await
        .unwrap_or_else(|| panic!("no notification once a server is up:\n{}", daemon.log()));
    assert_on_time(&got, second_due);
    assert_eq!(
        daemon.log().matches("cannot show the reminder").count(),
        1,
        "{}",
        daemon.log()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_with_a_broken_config_keeps_the_old_one() {
    let bus = DbusSession::start();
    let mut server = NotificationServer::start(bus.address()).await;
    let home = TestHome::new();
    let (time, due) = utc_clock_in(4);
    let path = home.write_config(&habit_config(&format!("at = \"{time}\"")));
    let mut daemon = Daemon::spawn(bus.address(), &home, &["run"]);
    daemon.wait_for_log("started", WAIT).expect("habitd starts");

    home.write_config("[habits.sip]\ntitle = \"Sip\"\nat = \"25:00\"\n");
    signal(daemon.pid(), "HUP");
    daemon
        .wait_for_log("keeping the previous config", WAIT)
        .expect("the reload is refused");
    let location = daemon
        .wait_for_log("habits.sip.at", WAIT)
        .expect("the error is logged");
    assert!(
        location.contains(&format!("{}:3:6", path.display())),
        "{location}"
    );

    let got = server
        .next(WAIT)
        .await
        .unwrap_or_else(|| panic!("the old schedule still runs:\n{}", daemon.log()));
    assert_on_time(&got, due);
    assert_eq!(got.summary, "Sip & <stretch>");
}

/// A water habit reminded by `schedule`, the check-in off as above.
fn water_config(schedule: &str) -> String {
    format!(
        r#"[settings]
timezone = "UTC"

[checkin]
enabled = false

[habits.water]
title = "Drink a glass of water"
emoji = "💧"
goal = {{ count = 8, unit = "glasses" }}
{schedule}
"#
    )
}

fn status_json(home: &TestHome, bus: &str) -> serde_json::Value {
    let out = home.habitd(Some(bus), &["status", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("status JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn done_on_the_notification_is_recorded_and_shows_progress() {
    let bus = DbusSession::start();
    let mut server = NotificationServer::start(bus.address()).await;
    let home = TestHome::new();
    let (time, _) = utc_clock_in(2);
    home.write_config(&water_config(&format!("at = \"{time}\"")));
    let mut daemon = Daemon::spawn(bus.address(), &home, &["run"]);

    let reminder = server
        .next(WAIT)
        .await
        .unwrap_or_else(|| panic!("no reminder:\n{}", daemon.log()));
    assert_eq!(reminder.action_keys(), ["done", "snooze", "skip"]);
    assert_eq!(
        reminder.actions,
        ["done", "Done", "snooze", "Snooze 10m", "skip", "Skip today"]
    );
    assert!(
        reminder.body.ends_with("0/8 glasses today"),
        "{}",
        reminder.body
    );
    server.invoke_action(reminder.id, "done").await;

    let progress = server
        .next(WAIT)
        .await
        .unwrap_or_else(|| panic!("no progress notification:\n{}", daemon.log()));
    assert_eq!(progress.summary, "💧 1/8 glasses today");
    assert_eq!(progress.replaces_id, reminder.id);
    daemon
        .wait_for_log("from the notification", WAIT)
        .expect("the press is logged");

    let status = status_json(&home, bus.address());
    assert_eq!(status["daemon"], true);
    assert_eq!(status["habits"][0]["done"], 1);
    let log = home.habitd(None, &["log", "--json"]);
    let log: serde_json::Value = serde_json::from_slice(&log.stdout).expect("log JSON");
    let done: Vec<&serde_json::Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "done")
        .collect();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0]["source"], "notification");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snooze_moves_the_pending_reminder() {
    let bus = DbusSession::start();
    let mut server = NotificationServer::start(bus.address()).await;
    let home = TestHome::new();
    let (time, old_due) = utc_clock_in(3);
    home.write_config(&water_config(&format!("at = \"{time}\"")));
    let mut daemon = Daemon::spawn(bus.address(), &home, &["run"]);
    daemon.wait_for_log("started", WAIT).expect("habitd starts");

    let out = home.habitd(Some(bus.address()), &["snooze", "water", "5s"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let snoozed_at = SystemTime::now();
    let status = status_json(&home, bus.address());
    let until: jiff::Timestamp = status["habits"][0]["snoozed_until"]
        .as_str()
        .expect("snoozed")
        .parse()
        .expect("RFC 3339");
    let until =
        UNIX_EPOCH + Duration::from_secs(u64::try_from(until.as_second()).expect("after 1970"));

    let got = server
        .next(WAIT)
        .await
        .unwrap_or_else(|| panic!("no reminder after the snooze:\n{}", daemon.log()));
    assert!(got.at > old_due, "the reminder came at its old time");
    assert!(
        got.at >= snoozed_at + Duration::from_secs(4),
        "the reminder came before the snooze ended"
    );
    let late = got
        .at
        .duration_since(until)
        .expect("not before the snooze's end");
    assert!(late < Duration::from_secs(1), "{late:?} late");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_and_four_writers_lose_no_event() {
    let bus = DbusSession::start();
    let mut server = NotificationServer::start(bus.address()).await;
    let home = std::sync::Arc::new(TestHome::new());
    // A reminder every second keeps the daemon writing too.
    home.write_config(&water_config("every = \"1s\"").replace("count = 8", "count = 10000"));
    let mut daemon = Daemon::spawn(bus.address(), &home, &["run"]);
    daemon.wait_for_log("started", WAIT).expect("habitd starts");
    server.next(WAIT).await.expect("reminders are flowing");

    const PER_WRITER: usize = 200;
    let writers: Vec<_> = (0..4)
        .map(|writer| {
            let home = home.clone();
            // Two writers go through the daemon, two write the store directly.
            let bus = (writer % 2 == 0).then(|| bus.address().to_string());
            std::thread::spawn(move || {
                for _ in 0..PER_WRITER {
                    let out = home.habitd(bus.as_deref(), &["done", "water"]);
                    assert!(
                        out.status.success(),
                        "{}",
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().expect("a writer failed");
    }
    let status = status_json(&home, bus.address());
    assert_eq!(status["habits"][0]["done"], 4 * PER_WRITER);
    let out = home.habitd(None, &["log", "water", "--json"]);
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).expect("log JSON");
    let events = log.as_array().unwrap();
    let done = events.iter().filter(|e| e["kind"] == "done").count();
    let reminded = events.iter().filter(|e| e["kind"] == "reminded").count();
    assert_eq!(done, 4 * PER_WRITER);
    assert!(
        reminded >= 2,
        "the daemon kept recording reminders ({reminded})"
    );
    assert!(!daemon.log().contains("cannot record"), "{}", daemon.log());
}
