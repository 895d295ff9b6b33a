//! What happens to a running daemon over its life besides reminders: a
//! second instance started, a notification server that hangs, a huge D-Bus
//! argument, stray signals, the config moved away or reached through a
//! symlink, the history deleted underneath, the system time zone changed,
//! and a shutdown while another process holds the history's lock.

use std::time::Duration;

use crate::faults::{config, count, log_events};
use crate::support::{
    Daemon, DbusSession, HistoryLock, NotificationServer, TestHome, signal, utc_clock_in,
};

const WAIT: Duration = Duration::from_secs(15);

/// Starts `habitd run` and waits until it has read its history and planned.
fn started(bus: &str, home: &TestHome, env: &[(&str, &str)]) -> Daemon {
    let mut daemon = Daemon::spawn_with_env(bus, home, &["run"], env);
    daemon
        .wait_for_log("habitd is ready", WAIT)
        .unwrap_or_else(|e| panic!("habitd starts: {e}"));
    daemon
}

fn refused_as_second(second: &mut Daemon, first: &Daemon) {
    let status = second.wait_exit(WAIT).expect("the second one exits");
    assert_eq!(status.code(), Some(1), "{}", second.log());
    let line = format!("habitd is already running as PID {}", first.pid());
    second
        .wait_for_log(&line, WAIT)
        .unwrap_or_else(|e| panic!("one clear line: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_daemon_refuses_to_start_whether_it_shares_the_bus_or_the_history() {
    let bus = DbusSession::start();
    let other_bus = DbusSession::start();
    let home = TestHome::new();
    home.write_config(&config("every = \"1h\""));
    let mut first = started(bus.address(), &home, &[]);
    let lock = home.data_home().join("habitd").join("habitd.lock");

    // Same bus, same history.
    let mut second = Daemon::spawn(bus.address(), &home, &["run"]);
    refused_as_second(&mut second, &first);
    // Another bus (another login), the same history.
    let mut third = Daemon::spawn(other_bus.address(), &home, &["run"]);
    refused_as_second(&mut third, &first);
    // The same bus, another history: the bus name is not taken over.
    let elsewhere = TestHome::new();
    elsewhere.write_config(&config("every = \"1h\""));
    let mut fourth = Daemon::spawn(bus.address(), &elsewhere, &["run"]);
    refused_as_second(&mut fourth, &first);

    assert_eq!(
        std::fs::read_to_string(&lock).unwrap().trim(),
        first.pid().to_string(),
        "the refused left the lock as it was"
    );
    // The first still answers on the bus.
    let status = home.habitd(Some(bus.address()), &["status", "--json"]);
    assert!(status.status.success());
    assert!(
        first.try_exit_status().is_none(),
        "the first keeps running:\n{}",
        first.log()
    );
    first.terminate(WAIT).expect("habitd stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_notification_server_costs_each_reminder_a_timeout_not_the_next_one() {
    let bus = DbusSession::start();
    let mut server = NotificationServer::start_hung(bus.address()).await;
    let home = TestHome::new();
    let (first, _) = utc_clock_in(2);
    let (second, _) = utc_clock_in(4);
    home.write_config(&config(&format!("at = [\"{first}\", \"{second}\"]")));
    let mut daemon = Daemon::spawn(bus.address(), &home, &["run"]);

    server
        .next(WAIT)
        .await
        .unwrap_or_else(|| panic!("the first Notify reaches the server:\n{}", daemon.log()));
    // The second is sent on time although the first never got an answer.
    let line = daemon
        .wait_for_log(&format!("{second}Z, "), WAIT)
        .expect("the second reminder");
    let late_ms: u64 = line
        .split(", ")
        .nth(1)
        .and_then(|s| s.strip_suffix("ms late)"))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no lateness in {line:?}"));
    assert!(late_ms < 1500, "held up by the hung server: {line}");
    daemon
        .wait_for_log("did not answer within 5s; will try again", WAIT)
        .expect("one warning");
    daemon.terminate(WAIT).expect("habitd stops");
    let events = log_events(&home);
    assert_eq!(count(&events, "undelivered"), 2, "{events:#?}");
    assert_eq!(count(&events, "reminded"), 0, "{events:#?}");
    let log = daemon.log();
    assert_eq!(
        log.matches("will try again").count(),
        1,
        "warned once:\n{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_daemon_closes_its_notifications_so_no_button_is_left_dead() {
    let bus = DbusSession::start();
    let mut server = NotificationServer::start(bus.address()).await;
    let home = TestHome::new();
    home.write_config(&config(&format!("at = \"{}\"", utc_clock_in(2).0)));
    let mut daemon = Daemon::spawn(bus.address(), &home, &["-v", "run"]);
    let shown = server
        .next(WAIT)
        .await
        .unwrap_or_else(|| panic!("the reminder:\n{}", daemon.log()));
    daemon
        .wait_for_log(&format!("notification {} shown", shown.id), WAIT)
        .expect("habitd knows its id");
    signal(daemon.pid(), "TERM");
    assert_eq!(server.next_close(WAIT).await, Some(shown.id));
    assert_eq!(daemon.wait_exit(WAIT).and_then(|s| s.code()), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_argument_is_refused_at_once_without_being_echoed() {
    let bus = DbusSession::start();
    let home = TestHome::new();
    home.write_config(&config("every = \"1h\""));
    let mut daemon = started(bus.address(), &home, &[]);
    let client = zbus::connection::Builder::address(bus.address())
        .build()
        .await
        .unwrap();
    let huge = "w".repeat(4 << 20);
    let started_at = std::time::Instant::now();
    let reply = client
        .call_method(
            Some("org.habitd.Habitd"),
            "/org/habitd/Habitd",
            Some("org.habitd.Habitd1"),
            "Done",
            &(huge.as_str(), "", ""),
        )
        .await;
    let text = match reply {
        Err(zbus::Error::MethodError(name, Some(text), _))
            if name.as_str() == "org.habitd.Error.Rejected" =>
        {
            text
        }
        other => panic!("refused as org.habitd.Error.Rejected, got {other:?}"),
    };
    assert!(text.contains("too long"), "{text}");
    assert!(text.len() < 200, "echoed: {} bytes", text.len());
    assert!(
        started_at.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started_at.elapsed()
    );
    // Still serving.
    let out = home.habitd(Some(bus.address()), &["done", "water"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    daemon.terminate(WAIT).expect("habitd stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigusr1_and_sigusr2_are_logged_and_ignored() {
    let bus = DbusSession::start();
    let home = TestHome::new();
    home.write_config(&config("every = \"1h\""));
    let mut daemon = started(bus.address(), &home, &[]);
    for name in ["USR1", "USR2"] {
        signal(daemon.pid(), name);
        daemon
            .wait_for_log(&format!("ignoring SIG{name}"), WAIT)
            .unwrap_or_else(|e| panic!("SIG{name} is logged: {e}"));
    }
    let out = home.habitd(Some(bus.address()), &["status", "--json"]);
    assert!(out.status.success(), "still serving:\n{}", daemon.log());
    assert_eq!(daemon.terminate(WAIT).and_then(|s| s.code()), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_moved_away_keeps_its_last_good_version() {
    let bus = DbusSession::start();
    let home = TestHome::new();
    let path = home.write_config(&config("every = \"1h\""));
    let mut daemon = started(bus.address(), &home, &[]);
    std::fs::rename(&path, home.path().join("config.toml.moved")).unwrap();
    daemon
        .wait_for_log("is gone; keeping its last good version", WAIT)
        .expect("the loss is logged");
    let out = home.habitd(Some(bus.address()), &["status", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).expect("status JSON");
    let habits: Vec<&str> = status["habits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["habit"].as_str().unwrap())
        .collect();
    assert_eq!(habits, ["water"], "not the built-in schedule");
    daemon.terminate(WAIT).expect("habitd stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_saved_after_a_start_without_one_is_loaded() {
    use std::os::unix::fs::PermissionsExt;
    let bus = DbusSession::start();
    let home = TestHome::new();
    let mut daemon = started(bus.address(), &home, &[]);
    // The daemon waits in its own directory, not in ~/.config, where every
    // other program's files would wake it.
    let dir = std::fs::metadata(home.config_dir()).expect("habitd/ is made at start");
    assert_eq!(dir.permissions().mode() & 0o777, 0o700);
    let temp = home.config_dir().join(".config.toml.swp");
    std::fs::write(&temp, config("every = \"1h\"")).unwrap();
    std::fs::rename(&temp, home.config_dir().join("config.toml")).unwrap();
    daemon
        .wait_for_log("reloaded 1 habit ", WAIT)
        .expect("the new config is loaded");
    daemon.terminate(WAIT).expect("habitd stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_symlinked_config_is_reloaded_when_its_target_is_saved() {
    let bus = DbusSession::start();
    let home = TestHome::new();
    let dotfiles = home.path().join("dotfiles");
    std::fs::create_dir_all(&dotfiles).unwrap();
    let target = dotfiles.join("habitd.toml");
    std::fs::write(&target, config("every = \"1h\"")).unwrap();
    std::fs::create_dir_all(home.config_dir()).unwrap();
    std::os::unix::fs::symlink(&target, home.config_dir().join("config.toml")).unwrap();
    let mut daemon = started(bus.address(), &home, &[]);
    // An editor's save in the dotfiles directory: a new file renamed over.
    let temp = dotfiles.join(".habitd.toml.swp");
    std::fs::write(&temp, config("every = \"2h\"").replace("Water", "Tea")).unwrap();
    std::fs::rename(&temp, &target).unwrap();
    daemon
        .wait_for_log("reloaded 1 habit ", WAIT)
        .expect("the save through the link is seen");
    let out = home.habitd(Some(bus.address()), &["status", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["habits"][0]["title"], "Tea");
    daemon.terminate(WAIT).expect("habitd stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_history_deleted_under_the_daemon_is_noticed_and_what_follows_is_kept() {
    let bus = DbusSession::start();
    let home = TestHome::new();
    home.write_config(&config("every = \"1h\""));
    let mut daemon = started(bus.address(), &home, &[]);
    let db = home.data_home().join("habitd").join("habitd.db");
    let out = home.habitd(Some(bus.address()), &["done", "water", "1"]);
    assert!(out.status.success());
    std::fs::remove_file(&db).unwrap();
    let out = home.habitd(Some(bus.address()), &["done", "water", "2"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    daemon
        .wait_for_log("was deleted or replaced while habitd ran", WAIT)
        .expect("a warning");
    daemon.terminate(WAIT).expect("habitd stops");
    let events = log_events(&home);
    let amounts: Vec<i64> = events
        .iter()
        .filter(|e| e["kind"] == "done")
        .map(|e| e["amount"].as_i64().unwrap())
        .collect();
    assert_eq!(amounts, [2], "what was acknowledged after the deletion");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_by_a_command_that_cannot_reach_the_daemon_is_planned_on() {
    let bus = DbusSession::start();
    let home = TestHome::new();
    home.write_config(&config("every = \"1h\""));
    let mut daemon = started(bus.address(), &home, &[]);
    // No bus: the command writes the history itself and touches the marker.
    let out = home.habitd(None, &["done", "water", "3"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    daemon
        .wait_for_log("another process wrote the history", WAIT)
        .expect("the daemon hears of it");
    // The read happens on the history thread; its answer follows shortly.
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let out = home.habitd(Some(bus.address()), &["status", "--json"]);
        let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        if status["habits"][0]["done"] == 3 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never planned on: {status}"
        );
    }
    daemon.terminate(WAIT).expect("habitd stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_system_time_zone_changing_is_followed_at_once() {
    let zoneinfo = std::path::Path::new("/usr/share/zoneinfo");
    assert!(
        zoneinfo.join("Asia/Tokyo").exists(),
        "tzdata is needed (apt-get install tzdata)"
    );
    let bus = DbusSession::start();
    let home = TestHome::new();
    // No timezone setting: the system zone, which TZ names as a file here,
    // a link that is replaced the way timedatectl replaces /etc/localtime.
    home.write_config("[habits.water]\ntitle = \"Water\"\nevery = \"1h\"\n");
    let localtime = home.path().join("localtime");
    std::os::unix::fs::symlink(zoneinfo.join("UTC"), &localtime).unwrap();
    let tz = localtime.to_str().unwrap().to_string();
    let mut daemon = started(bus.address(), &home, &[("TZ", &tz)]);
    let zone = |home: &TestHome| {
        let out = home.habitd(Some(bus.address()), &["status", "--json"]);
        let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        status["timezone"].as_str().unwrap().to_string()
    };
    assert_eq!(zone(&home), "UTC");
    let temp = home.path().join(".localtime.new");
    std::os::unix::fs::symlink(zoneinfo.join("Asia/Tokyo"), &temp).unwrap();
    std::fs::rename(&temp, &localtime).unwrap();
    daemon
        .wait_for_log("zone Asia/Tokyo", WAIT)
        .expect("the new zone is taken");
    assert_eq!(zone(&home), "Asia/Tokyo");
    daemon.terminate(WAIT).expect("habitd stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shutdown_with_the_history_locked_spools_reminders_for_the_next_start() {
    let bus = DbusSession::start();
    let mut server = NotificationServer::start(bus.address()).await;
    let home = TestHome::new();
    home.write_config(&config("every = \"1s\""));
    let mut daemon = Daemon::spawn(bus.address(), &home, &["run"]);
    server
        .next(WAIT)
        .await
        .unwrap_or_else(|| panic!("reminders flow:\n{}", daemon.log()));
    let db = home.data_home().join("habitd").join("habitd.db");
    let locker = HistoryLock::hold(&db);
    for _ in 0..2 {
        server
            .next(WAIT)
            .await
            .expect("reminders go on while locked");
    }
    daemon
        .wait_for_log("database is locked", WAIT)
        .expect("the lock is reported");
    signal(daemon.pid(), "TERM");
    daemon
        .wait_for_log("are written at the next start", WAIT)
        .expect("the waiting events are spooled");
    assert_eq!(daemon.wait_exit(WAIT).and_then(|s| s.code()), Some(0));
    let mut shown = 3;
    while server.next(Duration::from_millis(300)).await.is_some() {
        shown += 1;
    }
    locker.release();

    // The next start writes them, before anything else.
    home.write_config(&config("every = \"1h\""));
    let mut again = Daemon::spawn(bus.address(), &home, &["run"]);
    again
        .wait_for_log("spooled at the last shutdown are written now", WAIT)
        .expect("the spool is read back");
    again.terminate(WAIT).expect("habitd stops");
    let events = log_events(&home);
    assert_eq!(
        count(&events, "reminded"),
        shown,
        "every reminder shown is recorded once:\n{events:#?}"
    );
}
