//! Faults injected into a running daemon, as a laptop meets them over
//! months: the notification server dies and comes back, the session bus
//! goes away, the history is locked, corrupt, or the processes writing it
//! are killed; plus the systemd protocol, journald logging, reloading on
//! save, and refusing files others could have written.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixDatagram;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::{
    Daemon, DbusSession, HistoryLock, NotificationServer, TestHome, clock_half_a_day_away, signal,
    utc_clock_in,
};

const WAIT: Duration = Duration::from_secs(15);

/// A config of one water habit with an unreachable goal, reminded by
/// `schedule`; the morning check-in is off, so a run at 08:30 UTC sees the
/// habit's notifications alone.
pub(crate) fn config(schedule: &str) -> String {
    format!(
        "[settings]\ntimezone = \"UTC\"\n[checkin]\nenabled = false\n[habits.water]\ntitle = \"Water\"\ngoal = {{ count = 10000, unit = \"glasses\" }}\n{schedule}\n"
    )
}

/// The events of the history as `habitd log --json` prints them.
pub(crate) fn log_events(home: &TestHome) -> Vec<serde_json::Value> {
    let out = home.habitd(None, &["log", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).expect("log JSON");
    log.as_array().expect("an array").clone()
}

/// How many of `events` are of `kind`.
pub(crate) fn count(events: &[serde_json::Value], kind: &str) -> usize {
    events.iter().filter(|e| e["kind"] == kind).count()
}

/// A daemon reminding every second, its first reminder already shown.
async fn ticking_daemon() -> (DbusSession, NotificationServer, TestHome, Daemon) {
    let bus = DbusSession::start();
    let mut server = NotificationServer::start(bus.address()).await;
    let home = TestHome::new();
    home.write_config(&config("every = \"1s\""));
    let daemon = Daemon::spawn(bus.address(), &home, &["run"]);
    server
        .next(WAIT)
        .await
        .unwrap_or_else(|| panic!("reminders flow:\n{}", daemon.log()));
    (bus, server, home, daemon)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_notification_server_loses_one_reminder_and_none_is_shown_twice() {
    let bus = DbusSession::start();
    let mut server = NotificationServer::start(bus.address()).await;
    let home = TestHome::new();
    let times = [utc_clock_in(2), utc_clock_in(5), utc_clock_in(8)];
    home.write_config(&config(&format!(
        "at = [\"{}\", \"{}\", \"{}\"]",
        times[0].0, times[1].0, times[2].0
    )));
    let mut daemon = Daemon::spawn(bus.address(), &home, &["-v", "run"]);

    let first = server
        .next(WAIT)
        .await
        .unwrap_or_else(|| panic!("first reminder:\n{}", daemon.log()));
    // Stopped only once its answer reached habitd: a reminder is recorded as
    // shown when the server says it is.
    daemon
        .wait_for_log(&format!("notification {} shown", first.id), WAIT)
        .expect("the first is shown");
    server.stop().await;
    daemon
        .wait_for_log("cannot show the reminder for water", WAIT)
        .expect("the second finds no server");
    let mut revived = NotificationServer::start(bus.address()).await;
    let third = revived
        .next(WAIT)
        .await
        .unwrap_or_else(|| panic!("third reminder:\n{}", daemon.log()));
    // The third reminder, at its time: not the lost second one shown late
    // when the server came back.
    let arrived = std::time::SystemTime::now();
    assert_eq!(third.summary, "Water");
    assert!(
        arrived >= times[2].1,
        "a reminder came {:?} before the third was due:\n{}",
        times[2].1.duration_since(arrived).unwrap_or_default(),
        daemon.log()
    );
    daemon.terminate(WAIT).expect("habitd stops");
    assert!(
        revived.next(Duration::from_millis(300)).await.is_none(),
        "a reminder was shown twice"
    );

    let events = log_events(&home);
    let context = format!("{events:#?}\n{}", daemon.log());
    // Each of the three ends as exactly one record: two shown, one not.
    assert_eq!(count(&events, "reminded"), 2, "{context}");
    assert_eq!(count(&events, "undelivered"), 1, "{context}");
    assert_eq!(events.len(), 3, "{context}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_the_session_bus_exits_with_one_clear_line_and_keeps_history() {
    let bus = DbusSession::start();
    let home = TestHome::new();
    home.write_config(&config(&format!("at = \"{}\"", clock_half_a_day_away())));
    let mut daemon = Daemon::spawn(bus.address(), &home, &["run"]);
    daemon.wait_for_log("started", WAIT).expect("habitd starts");
    let done = home.habitd(Some(bus.address()), &["done", "water", "3"]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );

    signal(bus.pid(), "KILL");
    let status = daemon
        .wait_exit(WAIT)
        .unwrap_or_else(|| panic!("habitd kept running:\n{}", daemon.log()));
    assert_eq!(status.code(), Some(1), "{}", daemon.log());
    assert_eq!(
        daemon
            .log()
            .matches("lost the connection to the session bus")
            .count(),
        1,
        "{}",
        daemon.log()
    );
    let events = log_events(&home);
    assert_eq!(count(&events, "done"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_history_delays_writes_not_reminders_and_loses_nothing() {
    let (_bus, mut server, home, mut daemon) = ticking_daemon().await;
    let db = home.data_home().join("habitd").join("habitd.db");

    // Another process holds the write lock while reminders come.
    let locker = HistoryLock::hold(&db);

    let mut during = 0;
    while server.next(Duration::from_secs(3)).await.is_some() {
        during += 1;
        if during == 5 {
            break;
        }
    }
    assert_eq!(
        during,
        5,
        "reminders stopped while the history was locked:\n{}",
        daemon.log()
    );
    daemon
        .wait_for_log("database is locked", WAIT)
        .expect("the lock is reported");
    locker.release();
    daemon
        .wait_for_log("the history works again", Duration::from_secs(30))
        .expect("the queue is written");

    daemon.terminate(WAIT).expect("habitd stops");
    let mut shown = 1 + during;
    while server.next(Duration::from_millis(300)).await.is_some() {
        shown += 1;
    }
    let events = log_events(&home);
    assert_eq!(
        count(&events, "reminded"),
        shown,
        "every reminder shown is recorded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_history_does_not_stop_reminders() {
    let bus = DbusSession::start();
    let mut server = NotificationServer::start(bus.address()).await;
    let home = TestHome::new();
    let db_dir = home.data_home().join("habitd");
    std::fs::create_dir_all(&db_dir).unwrap();
    std::fs::set_permissions(&db_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let db = db_dir.join("habitd.db");
    std::fs::write(&db, vec![0x5a; 8192]).unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o600)).unwrap();
    home.write_config(&config(&format!("at = \"{}\"", utc_clock_in(2).0)));
    let mut daemon = Daemon::spawn(bus.address(), &home, &["run"]);

    server
        .next(WAIT)
        .await
        .unwrap_or_else(|| panic!("the reminder still comes:\n{}", daemon.log()));
    let line = daemon
        .wait_for_log("corrupt", WAIT)
        .expect("the corruption is reported");
    assert!(line.contains(&db.display().to_string()), "{line}");
    assert!(
        daemon.try_exit_status().is_none(),
        "habitd exited:\n{}",
        daemon.log()
    );
    let done = home.habitd(None, &["done", "water"]);
    assert_eq!(done.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&done.stderr).contains(&db.display().to_string()));
    // The daemon's status report would say nothing was done today: it
    // refuses and says why instead.
    let client = zbus::connection::Builder::address(bus.address())
        .build()
        .await
        .unwrap();
    let reply = client
        .call_method(
            Some("org.habitd.Habitd"),
            "/org/habitd/Habitd",
            Some("org.habitd.Habitd1"),
            "Status",
            &(),
        )
        .await;
    let refusal = reply.map(|_| "a report").unwrap_err().to_string();
    assert!(
        refusal.contains(&format!(
            "the daemon cannot read the history, so today's progress is unknown: {}: the database is corrupt",
            db.display()
        )),
        "{refusal}"
    );
    let status = home.habitd(Some(bus.address()), &["status"]);
    let err = String::from_utf8_lossy(&status.stderr);
    assert_eq!(status.status.code(), Some(1), "{err}");
    assert!(err.contains(&db.display().to_string()), "{err}");
    assert!(status.stdout.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_write_leaves_an_intact_history_with_every_reported_event() {
    // The daemon records a reminder every second until it is killed mid-run.
    let (_bus, _server, home, mut daemon) = ticking_daemon().await;
    let mut reported: i64 = 0;
    // Writers are started in waves and every other one is killed at once,
    // at whatever point it has reached: starting, opening, or writing.
    for wave in 0..10 {
        if wave == 5 {
            signal(daemon.pid(), "KILL");
            daemon.wait_exit(WAIT).expect("the daemon is gone");
        }
        let children: Vec<_> = (0..6)
            .map(|_| {
                let mut cmd = Command::new(env!("CARGO_BIN_EXE_habitd"));
                cmd.args(["done", "water"])
                    .env("HOME", home.home_dir())
                    .env("XDG_CONFIG_HOME", home.config_home())
                    .env("XDG_DATA_HOME", home.data_home())
                    .env_remove("DBUS_SESSION_BUS_ADDRESS")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null());
                cmd.spawn().expect("habitd runs")
            })
            .collect();
        for (i, mut child) in children.into_iter().enumerate() {
            if (i + wave) % 2 == 0 {
                let _ = child.kill();
                let _ = child.wait();
            } else if child.wait().expect("waits").success() {
                reported += 1;
            }
        }
    }
    let db = home.data_home().join("habitd").join("habitd.db");
    let conn = rusqlite::Connection::open(&db).expect("opens");
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .expect("checks");
    assert_eq!(check, "ok");
    let done: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM events WHERE kind = 'done'",
            [],
            |row| row.get(0),
        )
        .expect("counts");
    assert!(
        done >= reported,
        "{done} stored, {reported} reported as written"
    );
    assert!(reported >= 25, "only {reported} writers finished");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn systemd_hears_ready_status_reloading_and_stopping() {
    let bus = DbusSession::start();
    let home = TestHome::new();
    home.write_config(&config(&format!("at = \"{}\"", clock_half_a_day_away())));
    let socket_path = home.runtime_dir().join("notify");
    let socket = UnixDatagram::bind(&socket_path).expect("binds");
    socket.set_read_timeout(Some(WAIT)).unwrap();
    let mut daemon = Daemon::spawn_with_env(
        bus.address(),
        &home,
        &["run"],
        &[("NOTIFY_SOCKET", socket_path.to_str().unwrap())],
    );
    let receive = || {
        let mut buf = [0u8; 512];
        let n = socket.recv(&mut buf).expect("a notification from habitd");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    };
    let first = receive();
    assert!(first.starts_with("STATUS=next: water at "), "{first}");
    assert_eq!(receive(), "READY=1");
    signal(daemon.pid(), "HUP");
    assert!(receive().starts_with("RELOADING=1\nMONOTONIC_USEC="));
    assert_eq!(receive(), "READY=1");
    daemon.terminate(WAIT).expect("stops");
    assert_eq!(receive(), "STOPPING=1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_journald_lines_carry_priorities_and_no_timestamps() {
    let bus = DbusSession::start();
    let home = TestHome::new();
    home.write_config(&config(&format!("at = \"{}\"", clock_half_a_day_away())));
    let mut daemon = Daemon::spawn_with_env(
        bus.address(),
        &home,
        &["run"],
        &[("JOURNAL_STREAM", "8:12345")],
    );
    let line = daemon.wait_for_log("started", WAIT).expect("starts");
    assert!(line.starts_with("<6>habitd "), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saving_the_config_reloads_it_and_a_broken_save_is_refused() {
    let bus = DbusSession::start();
    let mut server = NotificationServer::start(bus.address()).await;
    let home = TestHome::new();
    let path = home.write_config(&config(&format!("at = \"{}\"", clock_half_a_day_away())));
    let mut daemon = Daemon::spawn(bus.address(), &home, &["run"]);
    daemon.wait_for_log("started", WAIT).expect("starts");

    // A broken save, written the way editors do: a new file renamed over.
    let temp = path.with_extension("tmp");
    std::fs::write(&temp, "[habits.water]\nat = \"25:00\"\n").unwrap();
    std::fs::rename(&temp, &path).unwrap();
    daemon
        .wait_for_log("keeping the previous config", WAIT)
        .expect("a broken save is refused");

    std::fs::write(
        &temp,
        config(&format!("at = \"{}\"", utc_clock_in(2).0)).replace("Water", "Saved water"),
    )
    .unwrap();
    std::fs::rename(&temp, &path).unwrap();
    daemon
        .wait_for_log("reloaded 1 habit ", WAIT)
        .expect("the save is picked up");
    let got = server
        .next(WAIT)
        .await
        .unwrap_or_else(|| panic!("the new schedule runs:\n{}", daemon.log()));
    assert_eq!(got.summary, "Saved water");
}

/// `chmod MODE PATH`.
fn chmod(path: &std::path::Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_world_writable_directory_of_the_config_or_history_is_refused() {
    let home = TestHome::new();
    let path = home.write_config(&config(&format!("at = \"{}\"", clock_half_a_day_away())));
    let dir = home.config_dir();
    chmod(&dir, 0o777);
    let out = home.habitd(None, &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "habitd: {0}, the directory of {1}, is writable by every user, so another user could replace it; fix it with `chmod o-w {0}`\n",
            dir.display(),
            path.display()
        )
    );
    // With the sticky bit, as on /tmp, nobody may rename another's file
    // away: a config there is safe.
    chmod(&dir, 0o1777);
    let out = home.habitd(None, &["check"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    chmod(&dir, 0o700);

    // The history's directory may not be sticky either: others could
    // create habitd.db-wal before habitd does.
    assert!(home.habitd(None, &["done", "water"]).status.success());
    let data = home.data_home().join("habitd");
    for mode in [0o777, 0o1777] {
        chmod(&data, mode);
        let out = home.habitd(None, &["done", "water"]);
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with(&format!(
                "habitd: {}, the directory of {}, is writable by every user, so another user could ",
                data.display(),
                data.join("habitd.db").display()
            )),
            "{err}"
        );
        assert!(
            err.ends_with(&format!("fix it with `chmod o-w {}`\n", data.display())),
            "{err}"
        );
    }
    chmod(&data, 0o700);

    // A directory above that anyone may write: the whole directory could be
    // swapped for another.
    chmod(&home.config_home(), 0o777);
    let out = home.habitd(None, &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with(&format!(
            "habitd: {} is writable by every user, so another user could move {} away",
            home.config_home().display(),
            dir.display()
        )),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_device_as_config_is_named_not_chmodded() {
    // It advised `chmod o-w /dev/null`. As root /dev/null is "ours" and
    // everyone's to write; otherwise it is root's: both are refused.
    let home = TestHome::new();
    let out = home.habitd(None, &["--config", "/dev/null", "check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("habitd: /dev/null"), "{err}");
    assert!(err.contains("character device"), "{err}");
    assert!(!err.contains("chmod"), "{err}");
}

#[test]
fn a_world_writable_config_or_history_is_refused() {
    let home = TestHome::new();
    let path = home.write_config(&config(&format!("at = \"{}\"", clock_half_a_day_away())));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
    let out = home.habitd(None, &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is writable by every user"));

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(home.habitd(None, &["done", "water"]).status.success());
    let db = home.data_home().join("habitd").join("habitd.db");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o666)).unwrap();
    let out = home.habitd(None, &["done", "water"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is writable by every user"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_created_after_the_daemon_started_is_picked_up() {
    let bus = DbusSession::start();
    let mut server = NotificationServer::start(bus.address()).await;
    let home = TestHome::new();
    // No config yet, not even its directory: the built-in schedule runs.
    let mut daemon = Daemon::spawn(bus.address(), &home, &["run"]);
    daemon
        .wait_for_log("from <built-in config>", WAIT)
        .expect("starts on the built-in schedule");

    let text = config(&format!("at = \"{}\"", utc_clock_in(2).0)).replace("Water", "My own water");
    home.write_config(&text);
    daemon
        .wait_for_log("reloaded 1 habit ", WAIT)
        .expect("the new file is picked up");
    // The built-in schedule may have reminded of something meanwhile.
    loop {
        let got = server
            .next(WAIT)
            .await
            .unwrap_or_else(|| panic!("its schedule runs:\n{}", daemon.log()));
        if got.summary == "My own water" {
            break;
        }
    }
}
