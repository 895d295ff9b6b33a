//! Sync between machines through a shared folder, as two machines on one:
//! two homes (two histories, two device ids), two private buses, two
//! notification servers and two daemons, whose configs name one folder. A
//! `done` on one counts on the other (and `habitd log` there names the
//! machine) and closes its reminder for that habit; an `undo` on one takes
//! back the other's event; a snooze, a skip and a pause hold on both; a
//! daemon killed in the middle of an append leaves a torn line that the
//! other never reads as an event and that the killed one cuts off and
//! writes again; `[sync]` added to a running daemon's config reads the
//! folder at once. Bad input: a garbage line in another device's segment
//! (reported once with file:line, the rest read), a missing folder (one
//! warning, habitd goes on, and picks the folder up when it appears), a
//! folder that cannot be written (one warning from a command run without a
//! daemon), a device's folder deleted by the user (nothing lost).
//! `habitd sync status` and `--json`, and without `[sync]`.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

use crate::faults::{count, log_events};
use crate::support::{
    Daemon, DbusSession, NotificationServer, TestHome, clock_half_a_day_away, signal, utc_clock_in,
};

/// How long any expected event may take before the test fails.
const WAIT: Duration = Duration::from_secs(15);

/// One machine: its own home (so its own history and device id), its own
/// private bus and notification server, and a config whose `[sync]` names
/// the shared folder.
struct Machine {
    home: TestHome,
    bus: DbusSession,
    server: NotificationServer,
}

impl Machine {
    /// A machine called `name` sharing `folder`, configured by [`config`].
    async fn new(folder: &Path, name: &str, glasses: u32, at: &str) -> Machine {
        let bus = DbusSession::start();
        let server = NotificationServer::start(bus.address()).await;
        let home = TestHome::new();
        home.write_config(&config(folder, name, glasses, at));
        Machine { home, bus, server }
    }

    /// A machine whose water reminder never falls due during a test.
    async fn quiet(folder: &Path, name: &str) -> Machine {
        Machine::new(folder, name, 8, &format!("\"{}\"", clock_half_a_day_away())).await
    }

    /// Starts `habitd run`, waiting until it has read the folder and planned.
    fn run(&self) -> Daemon {
        let mut daemon = Daemon::spawn(self.bus.address(), &self.home, &["run"]);
        daemon
            .wait_for_log("habitd is ready", WAIT)
            .expect("habitd starts");
        daemon
    }

    /// `habitd args…` on this machine's bus (so through its daemon, when
    /// one runs), which must succeed.
    fn ok(&self, args: &[&str]) -> Output {
        let out = self.home.habitd(Some(self.bus.address()), args);
        assert!(
            out.status.success(),
            "habitd {args:?}: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// The JSON `habitd args…` prints.
    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_slice(&self.ok(args).stdout).expect("JSON output")
    }

    /// `habitd status --json`, asked until `wanted` holds. Needed once a
    /// log line said an import happened: the daemon logs it just before it
    /// reloads its plan, and answers `status` from the plan it has, so for
    /// that moment the answer may still be the old one.
    fn status_until(&self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let status = self.json(&["status", "--json"]);
            if wanted(&status) {
                return status;
            }
            assert!(Instant::now() < deadline, "{what}: {status:#}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The water habit in `habitd status --json`, asked until `wanted`
    /// holds (see [`Machine::status_until`]).
    fn water_until(&self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        water(&self.status_until(what, |status| wanted(&water(status))))
    }

    /// This machine's device id, as `habitd sync status --json` says.
    fn device_id(&self) -> String {
        self.json(&["sync", "status", "--json"])["device"]
            .as_str()
            .expect("a device id")
            .to_string()
    }
}

/// The config of a machine called `name` sharing `folder`, with a water
/// habit of `glasses` a day reminded at `at` (a TOML value).
fn config(folder: &Path, name: &str, glasses: u32, at: &str) -> String {
    format!(
        r#"[settings]
timezone = "UTC"

[checkin]
enabled = false

[habits.water]
title = "Water"
goal = {{ count = {glasses}, unit = "glasses" }}
at = {at}

[sync]
folder = "{}"
name = "{name}"
"#,
        folder.display()
    )
}

/// The water habit in a `status --json` report.
fn water(status: &Value) -> Value {
    status["habits"]
        .as_array()
        .expect("habits")
        .iter()
        .find(|h| h["habit"] == "water")
        .expect("water in the status")
        .clone()
}

/// The water habit as the daemon reports it right after a command it ran.
fn water_now(machine: &Machine) -> Value {
    water(&machine.json(&["status", "--json"]))
}

/// A shared folder for the machines of one test.
fn shared_folder() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::Builder::new()
        .prefix("habitd-sync-")
        .tempdir()
        .expect("creating the shared folder");
    let folder = dir.path().join("Sync");
    std::fs::create_dir(&folder).expect("creating the shared folder");
    (dir, folder)
}

/// The one segment file in the subfolder of device `id`.
fn segment(folder: &Path, id: &str) -> PathBuf {
    let segments: Vec<PathBuf> = std::fs::read_dir(folder.join(id))
        .expect("the device's subfolder")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "jsonl"))
        .collect();
    assert_eq!(segments.len(), 1, "{segments:?}");
    segments[0].clone()
}

/// The UTC day today, as events are dated in these configs.
fn today() -> String {
    jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date()
        .to_string()
}

/// A segment line, as device `device` writes it: its glass of water
/// number `seq`, now.
fn glass(device: &str, seq: u32) -> String {
    format!(
        r#"{{"id":"{device}:{seq}","at_ms":{},"date":"{}","habit":"water","kind":"done","amount":1,"source":"cli"}}"#,
        jiff::Timestamp::now().as_millisecond(),
        today()
    )
}

/// How many times `needle` is in `daemon`'s output so far.
fn logged(daemon: &Daemon, needle: &str) -> usize {
    daemon.log().matches(needle).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_done_on_one_machine_counts_on_the_other_and_an_undo_there_takes_it_back() {
    let (_dir, folder) = shared_folder();
    let laptop = Machine::quiet(&folder, "laptop").await;
    let desktop = Machine::quiet(&folder, "desktop").await;
    let mut on_laptop = laptop.run();
    let mut on_desktop = desktop.run();

    laptop.ok(&["done", "water", "2"]);
    on_desktop
        .wait_for_log("sync: 1 event(s) from other devices", WAIT)
        .expect("the desktop reads the laptop's glasses");
    let water = desktop.water_until("the laptop's glasses count", |w| w["done"] != 0);
    assert_eq!(water["done"], 2);
    let from_laptop = log_events(&desktop.home);
    assert_eq!(from_laptop.len(), 1, "{from_laptop:?}");
    assert_eq!(from_laptop[0]["device"], "laptop");
    let text = String::from_utf8(desktop.ok(&["log", "water"]).stdout).expect("UTF-8");
    assert!(text.contains("done 2  (dbus on laptop)"), "{text}");

    // The desktop's undo takes back the laptop's event, by its global id.
    desktop.ok(&["undo", "water"]);
    assert_eq!(water_now(&desktop)["done"], 0);
    on_laptop
        .wait_for_log("sync: 1 event(s) from other devices", WAIT)
        .expect("the laptop reads the desktop's undo");
    let water = laptop.water_until("the undo counts", |w| w["done"] != 2);
    assert_eq!(water["done"], 0);
    let undone: Vec<Value> = log_events(&laptop.home)
        .into_iter()
        .filter(|e| e["kind"] == "undone")
        .collect();
    assert_eq!(undone.len(), 1, "{undone:?}");
    let done = log_events(&laptop.home)
        .into_iter()
        .find(|e| e["kind"] == "done")
        .expect("the laptop's own glass");
    assert_eq!(undone[0]["target"], done["id"], "the laptop's own glass");
    assert!(!on_laptop.log().contains("WARN"), "{}", on_laptop.log());
    assert!(!on_desktop.log().contains("WARN"), "{}", on_desktop.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snooze_a_skip_and_a_pause_on_one_machine_hold_on_the_other() {
    let (_dir, folder) = shared_folder();
    let laptop = Machine::quiet(&folder, "laptop").await;
    let desktop = Machine::quiet(&folder, "desktop").await;
    let mut on_laptop = laptop.run();
    let mut on_desktop = desktop.run();
    for command in [
        &["snooze", "water", "1h"][..],
        &["skip", "water"],
        &["pause", "2h"],
    ] {
        laptop.ok(command);
        on_desktop
            .wait_for_log("sync: 1 event(s) from other devices", WAIT)
            .unwrap_or_else(|e| panic!("the desktop reads {command:?}: {e}"));
    }
    let on_the_laptop = laptop.json(&["status", "--json"]);
    let status = desktop.status_until("the laptop's pause holds", |s| !s["paused"].is_null());
    assert_eq!(status["paused"], on_the_laptop["paused"]);
    let (here, there) = (water(&status), water(&on_the_laptop));
    assert_eq!(here["skipped"], true, "{here:#}");
    assert!(here["snoozed_until"].is_string(), "{here:#}");
    assert_eq!(here["snoozed_until"], there["snoozed_until"]);

    desktop.ok(&["resume"]);
    on_laptop
        .wait_for_log("sync: 1 event(s) from other devices", WAIT)
        .expect("the laptop reads the desktop's resume");
    laptop.status_until("the desktop's resume holds", |s| s["paused"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_goal_met_on_one_machine_closes_the_others_reminder_and_stops_its_next() {
    let (_dir, folder) = shared_folder();
    let laptop = Machine::quiet(&folder, "laptop").await;
    // One glass a day, reminded twice: the second is due only if the first
    // reminder's glass was not drunk anywhere.
    let (first, _) = utc_clock_in(2);
    let (second, second_due) = utc_clock_in(6);
    let mut desktop = Machine::new(
        &folder,
        "desktop",
        1,
        &format!("[\"{first}\", \"{second}\"]"),
    )
    .await;
    let _on_laptop = laptop.run();
    let on_desktop = desktop.run();

    let reminder = desktop
        .server
        .next(WAIT)
        .await
        .unwrap_or_else(|| panic!("the desktop reminds:\n{}", on_desktop.log()));
    assert_eq!(reminder.summary, "Water");
    laptop.ok(&["done", "water"]);
    let closed = desktop
        .server
        .next_close(WAIT)
        .await
        .unwrap_or_else(|| panic!("the desktop closes its reminder:\n{}", on_desktop.log()));
    assert_eq!(closed, reminder.id);

    // Closed once the plan counted the glass: asking now is not early.
    let water = water_now(&desktop);
    assert_eq!(water["done"], 1);
    assert_eq!(water["met"], true);
    let next = water["next"].as_str().expect("a next reminder");
    assert!(!next.starts_with(&today()), "next reminder {next} is today");
    let past_second = second_due + Duration::from_secs(1);
    let left = past_second
        .duration_since(SystemTime::now())
        .unwrap_or_default();
    if let Some(shown) = desktop.server.next(left).await {
        panic!(
            "the desktop reminded again: {shown:?}\n{}",
            on_desktop.log()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_torn_append_of_a_killed_daemon_is_never_read_and_is_written_again() {
    let (_dir, folder) = shared_folder();
    let laptop = Machine::quiet(&folder, "laptop").await;
    let desktop = Machine::quiet(&folder, "desktop").await;
    let mut on_laptop = laptop.run();
    laptop.ok(&["done", "water"]);
    laptop.ok(&["done", "water", "3"]);
    let laptop_id = laptop.device_id();

    // Killed in the middle of writing its second event: the history has it,
    // the segment half of its line and no newline.
    signal(on_laptop.pid(), "KILL");
    on_laptop.wait_exit(WAIT).expect("the laptop's habitd dies");
    let path = segment(&folder, &laptop_id);
    let text = std::fs::read_to_string(&path).expect("the laptop's segment");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[1].contains(&format!("\"{laptop_id}:2\"")), "{text}");
    let torn = text.len() - lines[1].len() / 2 - 1;
    std::fs::File::options()
        .write(true)
        .open(&path)
        .and_then(|file| file.set_len(torn as u64))
        .expect("tearing the last line");

    let mut on_desktop = desktop.run();
    assert!(
        on_desktop
            .log()
            .contains("sync: 1 event(s) from other devices"),
        "the desktop reads the whole line at start:\n{}",
        on_desktop.log()
    );
    assert_eq!(water_now(&desktop)["done"], 1, "the torn event is not read");
    assert_eq!(count(&log_events(&desktop.home), "done"), 1);
    assert!(
        !on_desktop.log().contains("skipping that line"),
        "a torn last line waits for its end; it is no bad line:\n{}",
        on_desktop.log()
    );

    let mut on_laptop = laptop.run();
    assert!(
        on_laptop.log().contains("cutting off a torn last line"),
        "{}",
        on_laptop.log()
    );
    on_desktop
        .wait_for_log("sync: 1 event(s) from other devices", WAIT)
        .expect("the desktop reads the event written again");
    let water = desktop.water_until("the event written again counts", |w| w["done"] != 1);
    assert_eq!(water["done"], 4, "counted once");
    assert_eq!(count(&log_events(&desktop.home), "done"), 2);
    let text = std::fs::read_to_string(&path).expect("the laptop's segment");
    let ids: Vec<String> = text
        .lines()
        .map(|line| {
            let event: Value = serde_json::from_str(line).expect("whole lines only");
            event["id"].as_str().expect("an id").to_string()
        })
        .collect();
    assert_eq!(ids, [format!("{laptop_id}:1"), format!("{laptop_id}:2")]);
    assert!(text.ends_with('\n'));
    on_laptop.terminate(WAIT).expect("habitd stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_garbage_line_is_reported_once_with_its_place_and_the_rest_is_read() {
    let (_dir, folder) = shared_folder();
    let other = "00000000000000aa";
    std::fs::create_dir(folder.join(other)).expect("another device's subfolder");
    let path = folder.join(other).join("2026-11.jsonl");
    let glass = |seq: u32| glass(other, seq);
    std::fs::write(
        &path,
        format!("{}\nthis is not an event\n{}\n", glass(1), glass(2)),
    )
    .expect("writing the segment");
    let desktop = Machine::quiet(&folder, "desktop").await;
    let mut on_desktop = desktop.run();
    assert!(
        on_desktop.log().contains(&format!(
            "{}:2: not a JSON event (expected ident at line 1 column 2); skipping that line",
            path.display()
        )),
        "{}",
        on_desktop.log()
    );
    assert!(
        on_desktop
            .log()
            .contains("sync: 2 event(s) from other devices"),
        "{}",
        on_desktop.log()
    );
    assert_eq!(water_now(&desktop)["done"], 2);

    // The file grows (read again whole): its bad line is not reported again.
    use std::io::Write;
    std::fs::File::options()
        .append(true)
        .open(&path)
        .and_then(|mut file| writeln!(file, "{}", glass(3)))
        .expect("appending to the segment");
    on_desktop
        .wait_for_log("sync: 1 event(s) from other devices", WAIT)
        .expect("the new line is read");
    assert_eq!(logged(&on_desktop, "skipping that line"), 1);
    let water = desktop.water_until("the third glass counts", |w| w["done"] != 2);
    assert_eq!(water["done"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_folder_is_one_warning_and_habitd_goes_on_until_it_appears() {
    let (_dir, folder) = shared_folder();
    let missing = folder.join("not-made-yet");
    let (time, _) = utc_clock_in(2);
    let mut desktop = Machine::new(&missing, "desktop", 8, &format!("\"{time}\"")).await;
    let mut on_desktop = desktop.run();
    let warning = format!(
        "the sync folder {}: does not exist: make it, or share it with Syncthing first; habitd goes on with this machine's history alone",
        missing.display()
    );
    assert!(on_desktop.log().contains(&warning), "{}", on_desktop.log());

    let reminder = desktop
        .server
        .next(WAIT)
        .await
        .unwrap_or_else(|| panic!("reminders go on:\n{}", on_desktop.log()));
    assert_eq!(reminder.summary, "Water");
    desktop.ok(&["done", "water"]);
    assert_eq!(water_now(&desktop)["done"], 1);
    assert_eq!(logged(&on_desktop, "does not exist"), 1, "warned once");

    std::fs::create_dir(&missing).expect("making the folder");
    on_desktop
        .wait_for_log("works again", WAIT)
        .expect("the folder is used once it appears");
    let id = desktop.device_id();
    let text = std::fs::read_to_string(segment(&missing, &id)).expect("the desktop's segment");
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains(&format!("\"{id}:")), "{text}");
}

#[test]
fn a_command_without_a_daemon_warns_once_of_a_folder_it_cannot_use_and_records() {
    let (dir, folder) = shared_folder();
    let home = TestHome::new();
    let quiet = format!("\"{}\"", clock_half_a_day_away());
    let missing = folder.join("not-made-yet");
    home.write_config(&config(&missing, "laptop", 8, &quiet));
    // It reads the folder before it records (an undo may be of another
    // device's event) and writes to it after; a folder that failed the
    // first is not warned about twice.
    let out = home.habitd(None, &["done", "water"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stderr.matches("WARN").count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "the sync folder {}: does not exist: make it, or share it with Syncthing first; habitd goes on with this machine's history alone",
            missing.display()
        )),
        "{stderr}"
    );

    // Readable but not writable, by its owner nor by anyone but root (and
    // the command runs as nobody when the tests run as root).
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .expect("setting a mode")
    };
    mode(dir.path(), 0o755);
    mode(&folder, 0o555);
    home.write_config(&config(&folder, "laptop", 8, &quiet));
    let out = home.habitd_unprivileged(&["done", "water"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stderr.matches("WARN").count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "the sync folder {}: cannot be written: Permission denied",
            folder.display()
        )),
        "{stderr}"
    );
    let log = home.habitd_unprivileged(&["log", "--json"]);
    let log: Value = serde_json::from_slice(&log.stdout).expect("log JSON");
    assert_eq!(count(log.as_array().expect("events"), "done"), 2, "{log:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_folder_deleted_by_the_user_loses_nothing_and_comes_back() {
    let (_dir, folder) = shared_folder();
    let laptop = Machine::quiet(&folder, "laptop").await;
    let desktop = Machine::quiet(&folder, "desktop").await;
    let _on_laptop = laptop.run();
    let mut on_desktop = desktop.run();
    laptop.ok(&["done", "water"]);
    on_desktop
        .wait_for_log("sync: 1 event(s) from other devices", WAIT)
        .expect("the desktop reads the laptop's glass");

    std::fs::remove_dir_all(folder.join(laptop.device_id())).expect("deleting the laptop's folder");
    desktop.ok(&["done", "water"]);
    assert_eq!(water_now(&desktop)["done"], 2, "the laptop's glass stays");

    // The laptop writes its folder anew, all of it; the desktop counts each
    // event once.
    laptop.ok(&["done", "water"]);
    on_desktop
        .wait_for_log("sync: 1 event(s) from other devices", WAIT)
        .expect("the desktop reads the laptop's new glass");
    let water = desktop.water_until("the new glass counts", |w| w["done"] != 2);
    assert_eq!(water["done"], 3);
    let laptop_id = laptop.device_id();
    let text = std::fs::read_to_string(segment(&folder, &laptop_id)).expect("the segment");
    assert_eq!(
        text.lines().count(),
        2,
        "both of the laptop's glasses:\n{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_turned_on_in_a_saved_config_reads_the_folder_at_once() {
    let (_dir, folder) = shared_folder();
    let other = "00000000000000aa";
    std::fs::create_dir(folder.join(other)).expect("another device's subfolder");
    std::fs::write(
        folder.join(other).join("2026-11.jsonl"),
        glass(other, 1) + "\n",
    )
    .expect("writing its segment");
    let desktop = Machine::quiet(&folder, "desktop").await;
    let with_sync =
        std::fs::read_to_string(desktop.home.config_dir().join("config.toml")).expect("the config");
    let (without_sync, _) = with_sync.split_once("[sync]").expect("a [sync] section");
    desktop.home.write_config(without_sync);
    let mut on_desktop = desktop.run();
    assert_eq!(water_now(&desktop)["done"], 0);

    desktop.home.write_config(&with_sync);
    on_desktop
        .wait_for_log("sync: 1 event(s) from other devices", WAIT)
        .expect("the folder is read once the config names it");
    let water = desktop.water_until("the other device's glass counts", |w| w["done"] != 0);
    assert_eq!(water["done"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_status_shows_this_device_the_others_and_how_far_behind_they_are() {
    let (_dir, folder) = shared_folder();
    let laptop = Machine::quiet(&folder, "laptop").await;
    let desktop = Machine::quiet(&folder, "desktop").await;
    let mut on_laptop = laptop.run();
    let _on_desktop = desktop.run();
    let (laptop_id, desktop_id) = (laptop.device_id(), desktop.device_id());
    assert_ne!(laptop_id, desktop_id);

    laptop.ok(&["done", "water"]);
    desktop.ok(&["done", "water"]);
    on_laptop
        .wait_for_log("sync: 1 event(s) from other devices", WAIT)
        .expect("the laptop reads the desktop's glass");
    // The laptop is off while the desktop records two more.
    on_laptop.terminate(WAIT).expect("habitd stops");
    desktop.ok(&["done", "water"]);
    desktop.ok(&["done", "water"]);

    let status = desktop.json(&["sync", "status", "--json"]);
    assert_eq!(status["device"], desktop_id.as_str());
    assert_eq!(status["name"], "desktop");
    assert_eq!(status["shared_events"], 3);
    assert_eq!(status["problem"], Value::Null);
    let devices = status["devices"].as_array().expect("devices");
    assert_eq!(devices.len(), 1, "{status:#}");
    assert_eq!(devices[0]["id"], laptop_id.as_str());
    assert_eq!(devices[0]["name"], "laptop");
    assert_eq!(devices[0]["events"], 1);
    assert_eq!(devices[0]["has_of_this_device"], 1);
    assert_eq!(devices[0]["behind"], 2);
    assert!(devices[0]["newest"].as_str().is_some(), "{status:#}");
    let text = String::from_utf8(desktop.ok(&["sync", "status"]).stdout).expect("UTF-8");
    assert!(
        text.starts_with(&format!("this device  {desktop_id}  desktop\n")),
        "{text}"
    );
    assert!(
        text.contains(&format!("{laptop_id}  laptop: 1 event(s), newest ")),
        "{text}"
    );
    assert!(text.contains("2 of this device's events behind"), "{text}");

    // Back on, the laptop catches up.
    let mut on_laptop = laptop.run();
    assert!(
        on_laptop
            .log()
            .contains("sync: 2 event(s) from other devices"),
        "{}",
        on_laptop.log()
    );
    let status = desktop.json(&["sync", "status", "--json"]);
    assert_eq!(status["devices"][0]["behind"], 0, "{status:#}");
    let text = String::from_utf8(desktop.ok(&["sync", "status"]).stdout).expect("UTF-8");
    assert!(text.contains("up to date with this device"), "{text}");
    on_laptop.terminate(WAIT).expect("habitd stops");
}

#[test]
fn sync_status_without_a_sync_section_says_how_to_set_one() {
    let home = TestHome::new();
    let config = home.write_config("[habits.water]\ntitle = \"Water\"\nat = \"09:00\"\n");
    let out = home.habitd(None, &["sync", "status"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        format!(
            "habitd: sync is off: {} has no [sync] section; add one naming the folder your sync tool shares, e.g. a line [sync] then folder = \"~/Sync/habitd\" (README: \"One history on every machine\")\n",
            config.display()
        )
    );
    assert!(out.stdout.is_empty());
}
