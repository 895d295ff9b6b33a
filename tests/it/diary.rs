//! The cramp diary through the real binary: `habitd cramp` and `cramp
//! --none`, the night an episode belongs to, a quiet night contradicted by
//! a cramp, `undo` and `undo cramp`, `log` in its three forms and `status`;
//! the same words and exit codes with and without a running daemon, and on
//! the bus; and the bad inputs, refused with what was expected and nothing
//! recorded.

use std::process::Output;
use std::time::Duration;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

use crate::commands::call;
use crate::faults::{count, log_events};
use crate::support::{Daemon, DbusSession, TestHome};

const WAIT: Duration = Duration::from_secs(15);

/// Berlin, so an instant shown in UTC would be an hour off and stand out.
const CONFIG: &str = r#"[settings]
timezone = "Europe/Berlin"
[habits.water]
title = "Water"
at = "03:00"
goal = { count = 8, unit = "glasses" }
"#;

fn berlin() -> TimeZone {
    TimeZone::get("Europe/Berlin").unwrap()
}

fn today() -> Date {
    berlin().to_datetime(Timestamp::now()).date()
}

fn days_ago(days: i64) -> Date {
    today().checked_sub(Span::new().days(days)).unwrap()
}

/// A night as habitd names it in messages: `Wed 2026-11-25`.
fn named(night: Date) -> String {
    night.strftime("%a %Y-%m-%d").to_string()
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

/// The message of a refusal with exit code 2 that printed nothing.
fn refused(out: &Output) -> String {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    stderr
}

fn started(bus: &str, home: &TestHome) -> Daemon {
    let mut daemon = Daemon::spawn(bus, home, &["run"]);
    daemon
        .wait_for_log("habitd is ready", WAIT)
        .unwrap_or_else(|e| panic!("habitd starts: {e}"));
    daemon
}

/// Everything the diary's commands print for one history, run through
/// `bus` (a running daemon) or directly: each command's output and exit
/// code, in order. The nights are days back, so what is printed does not
/// depend on the time of day the test runs at.
fn a_diary_kept(home: &TestHome, bus: Option<&str>) -> Vec<String> {
    let (first, second) = (days_ago(4), days_ago(3));
    let run = |args: &[&str]| {
        let out = home.habitd(bus, args);
        format!(
            "{:?}\n{}{}",
            out.status.code(),
            text(&out.stdout),
            text(&out.stderr)
        )
    };
    let early = format!("{first} 23:30");
    let next_morning = format!("{} 03:00", second.tomorrow().unwrap());
    vec![
        run(&[
            "cramp",
            "--at",
            &early,
            "--leg",
            "left",
            "--muscle",
            "calf",
            "--minutes",
            "5",
            "--when",
            "sleep",
            "--swelling",
            "--note",
            "woke me\nup\u{1b}[2J",
        ]),
        run(&["cramp", "--none", "--date", &second.to_string()]),
        run(&["cramp", "--none", "--date", &second.to_string()]),
        // At 03:00 the next day: the same night, which had been quiet.
        run(&["cramp", "--at", &next_morning, "--muscle", "foot"]),
        run(&["cramp", "--none", "--date", &second.to_string()]),
        run(&["undo", "cramp"]),
        run(&["undo"]),
        run(&["undo", "cramp"]),
    ]
}

/// What [`a_diary_kept`] must print.
fn expected_diary() -> Vec<String> {
    let (first, second) = (days_ago(4), days_ago(3));
    let morning = second.tomorrow().unwrap();
    vec![
        format!(
            "Some(0)\ncramp at {first} 23:30 recorded for the night of {}: left calf, 5 min, during sleep, swelling, note \"woke me\\nup\\u{{1b}}[2J\"\n",
            named(first)
        ),
        format!(
            "Some(0)\nthe night of {} recorded without cramps\n",
            named(second)
        ),
        format!(
            "Some(2)\nhabitd: the night of {} is already recorded as without cramps (at ",
            named(second)
        ),
        format!(
            "Some(0)\ncramp at {morning} 03:00 recorded for the night of {}: foot\nthe night of {} was recorded without cramps; the cramp replaces that\n",
            named(second),
            named(second)
        ),
        format!(
            "Some(2)\nhabitd: the night of {} has 1 cramp recorded; to record it as without cramps, take it back first with `habitd undo cramp`\n",
            named(second)
        ),
        format!(
            "Some(0)\ntook back the cramp at {morning} 03:00 for the night of {}\n",
            named(second)
        ),
        format!(
            "Some(0)\ntook back the cramp at {first} 23:30 for the night of {}\n",
            named(first)
        ),
        "Some(2)\nhabitd: nothing to undo in the cramp diary\n".to_string(),
    ]
}

fn check_diary(printed: &[String]) {
    let expected = expected_diary();
    assert_eq!(printed.len(), expected.len());
    for (printed, expected) in printed.iter().zip(&expected) {
        // The refusal of a second quiet night names the time of the first,
        // which is now.
        assert!(
            printed.starts_with(expected.as_str()),
            "printed:\n{printed}\nexpected:\n{expected}"
        );
    }
}

#[test]
fn the_diary_is_kept_alike_with_and_without_the_daemon() {
    let home = TestHome::new();
    home.write_config(CONFIG);
    let alone = a_diary_kept(&home, None);
    check_diary(&alone);

    let bus = DbusSession::start();
    let other = TestHome::new();
    other.write_config(CONFIG);
    let mut daemon = started(bus.address(), &other);
    let through = a_diary_kept(&other, Some(bus.address()));
    check_diary(&through);
    assert_eq!(alone, through);
    daemon.terminate(WAIT).expect("habitd stops");

    // Both histories hold the same events, the daemon's marked as D-Bus.
    let kinds = |home: &TestHome| -> Vec<(String, String)> {
        log_events(home)
            .iter()
            .filter(|e| e["kind"] != "reminded" && e["kind"] != "missed")
            .map(|e| {
                (
                    e["kind"].as_str().unwrap().to_string(),
                    e["date"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(kinds(&home), kinds(&other));
    let sources: Vec<String> = log_events(&other)
        .iter()
        .filter(|e| e["kind"] == "cramp")
        .map(|e| e["source"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(sources, ["dbus", "dbus"]);
}

#[test]
fn log_shows_the_details_escaped_on_the_terminal_and_as_recorded_in_csv_and_json() {
    let home = TestHome::new();
    home.write_config(CONFIG);
    let night = days_ago(2);
    let at = format!("{night} 22:15");
    succeeded(&home.habitd(
        None,
        &[
            "cramp",
            "--at",
            &at,
            "--leg",
            "both",
            "--minutes",
            "12",
            "--when",
            "walking",
            "--note",
            "a, \"b\"\n\u{1b}[31m",
        ],
    ));
    succeeded(&home.habitd(
        None,
        &["cramp", "--none", "--date", &days_ago(3).to_string()],
    ));
    let at_rfc = jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M", &at)
        .unwrap()
        .to_zoned_datetime(berlin())
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string();

    let log = succeeded(&home.habitd(None, &["log"]));
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert_eq!(
        lines[0],
        format!(
            "{at_rfc}    cramp, night of {night}: both, 12 min, while walking; note: a, \"b\"\\n\\u{{1b}}[31m  (cli)"
        )
    );
    assert!(
        lines[1].ends_with(&format!("  no_cramps, night of {}  (cli)", days_ago(3))),
        "{}",
        lines[1]
    );

    let csv = succeeded(&home.habitd(None, &["log", "--csv"]));
    let mut rows = csv.split_inclusive('\n');
    assert_eq!(
        rows.next(),
        Some("id,at,date,habit,kind,amount,until,target,source,data,device\n")
    );
    assert_eq!(
        rows.next(),
        Some(
            format!(
                "1,{at_rfc},{night},,cramp,,,,cli,\"{{\"\"leg\"\":\"\"both\"\",\"\"minutes\"\":12,\"\"when\"\":\"\"walking\"\",\"\"note\"\":\"\"a, \\\"\"b\\\"\"\\n\\u001b[31m\"\"}}\",\n"
            )
            .as_str()
        )
    );
    assert!(rows.next().unwrap().ends_with(",no_cramps,,,,cli,,\n"));

    let events = log_events(&home);
    assert_eq!(
        events[0]["data"],
        serde_json::json!({
            "leg": "both", "minutes": 12, "when": "walking", "note": "a, \"b\"\n\u{1b}[31m"
        })
    );
    assert_eq!(events[1]["data"], serde_json::Value::Null);
    assert_eq!(events[1]["habit"], "");
}

/// The bad inputs of the issue, each with the start of its message.
fn bad_inputs() -> Vec<(Vec<String>, String)> {
    let tomorrow = today().tomorrow().unwrap();
    let owned = |args: &[&str]| args.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    vec![
        (
            owned(&["cramp", "--minutes", "0"]),
            "habitd: invalid minutes \"0\": expected whole minutes from 1 to 120, e.g. `habitd cramp --minutes 9`\n".into(),
        ),
        (
            owned(&["cramp", "--minutes", "100000"]),
            "habitd: invalid minutes \"100000\": expected whole minutes from 1 to 120".into(),
        ),
        (
            owned(&["cramp", "--leg", "up"]),
            "habitd: invalid leg \"up\": expected left, right or both, e.g. `habitd cramp --leg left`\n".into(),
        ),
        (
            owned(&["cramp", "--when", "night"]),
            "habitd: invalid when \"night\": expected sleep, walking, exercise or rest".into(),
        ),
        (
            vec!["cramp".into(), "--note".into(), "x".repeat(100_000)],
            "habitd: a note of 100000 bytes is too long: expected at most 1000 bytes\n".into(),
        ),
        (
            owned(&["cramp", "--at", &format!("{tomorrow} 03:00")]),
            format!("habitd: cannot record a cramp at {tomorrow} 03:00: that is in the future; expected a time from "),
        ),
        (
            owned(&["cramp", "--at", "soon"]),
            "habitd: invalid time \"soon\": expected HH:MM (today)".into(),
        ),
        (
            owned(&["cramp", "--none", "--date", &today().to_string()]),
            format!("habitd: cannot record the night of {} as without cramps: expected a night from ", today()),
        ),
        (
            owned(&["cramp", "--none", "--leg", "left"]),
            "error: the argument '--none' cannot be used with '--leg <LEG>'".into(),
        ),
        (
            owned(&["cramp", "--date", "yesterday"]),
            "error: the following required arguments were not provided:\n  --none".into(),
        ),
    ]
}

#[test]
fn bad_diary_inputs_are_refused_alike_with_and_without_the_daemon_and_record_nothing() {
    let home = TestHome::new();
    home.write_config(CONFIG);
    let mut alone = Vec::new();
    for (args, expected) in bad_inputs() {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let message = refused(&home.habitd(None, &args));
        assert!(
            message.starts_with(&expected),
            "{:?}: {message}",
            &args[..args.len().min(3)]
        );
        alone.push(message);
    }
    let bus = DbusSession::start();
    let mut daemon = started(bus.address(), &home);
    for ((args, _), alone) in bad_inputs().into_iter().zip(alone) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_eq!(refused(&home.habitd(Some(bus.address()), &args)), alone);
    }
    daemon.terminate(WAIT).expect("habitd stops");
    let events = log_events(&home);
    assert_eq!(count(&events, "cramp") + count(&events, "no_cramps"), 0);
}

fn rejection(reply: zbus::Result<String>) -> String {
    match reply {
        Err(zbus::Error::MethodError(name, text, _)) => {
            assert_eq!(name.as_str(), "org.habitd.Error.Rejected");
            text.unwrap_or_default()
        }
        other => panic!("rejected, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bus_records_the_diary_as_the_command_line_does() {
    let bus = DbusSession::start();
    let home = TestHome::new();
    home.write_config(CONFIG);
    let mut daemon = started(bus.address(), &home);
    let client = zbus::connection::Builder::address(bus.address())
        .build()
        .await
        .unwrap();
    let night = days_ago(2);
    let at = format!("{night} 23:00");
    let reply = call(
        &client,
        "Cramp",
        &(at.as_str(), "right", "hamstring", "9", "rest", false, ""),
    )
    .await
    .unwrap();
    assert_eq!(
        reply,
        format!(
            "cramp at {at} recorded for the night of {}: right hamstring, 9 min, at rest",
            named(night)
        )
    );
    let quiet = call(&client, "NoCramps", &("",)).await.unwrap();
    assert_eq!(
        quiet,
        format!(
            "the night of {} recorded without cramps",
            named(days_ago(1))
        )
    );
    assert!(rejection(call(&client, "NoCramps", &("",)).await).starts_with("the night of "));
    assert_eq!(
        rejection(call(&client, "Cramp", &("", "up", "", "", "", false, "")).await),
        "invalid leg \"up\": expected left, right or both, e.g. `habitd cramp --leg left`"
    );
    let long = "x".repeat(100_000);
    assert_eq!(
        rejection(
            call(
                &client,
                "Cramp",
                &("", "", "", "", "", false, long.as_str())
            )
            .await
        ),
        "an argument of 100000 bytes is too long (at most 1024)"
    );
    let undo = call(&client, "Undo", &("cramp",)).await.unwrap();
    assert_eq!(
        undo,
        format!(
            "took back \"no cramps\" for the night of {}",
            named(days_ago(1))
        )
    );
    daemon.terminate(WAIT).expect("habitd stops");
    let events = log_events(&home);
    assert_eq!(
        (
            count(&events, "cramp"),
            count(&events, "no_cramps"),
            count(&events, "undone")
        ),
        (1, 1, 1)
    );
}

fn status_json(home: &TestHome, bus: Option<&str>) -> serde_json::Value {
    serde_json::from_str(&succeeded(&home.habitd(bus, &["status", "--json"]))).unwrap()
}

#[test]
fn status_shows_last_night_or_that_it_is_missing() {
    let home = TestHome::new();
    home.write_config(CONFIG);
    let last_night = days_ago(1);
    let status = status_json(&home, None);
    assert_eq!(
        status["last_night"],
        serde_json::json!({"night": last_night.to_string(), "entry": "missing", "cramps": []})
    );
    let text = succeeded(&home.habitd(None, &["status"]));
    assert!(
        text.ends_with(&format!(
            "last night ({}): not recorded yet (`habitd cramp --none` if there were no cramps, `habitd cramp --at TIME` for one)\n",
            named(last_night)
        )),
        "{text}"
    );
    succeeded(&home.habitd(None, &["cramp", "--none"]));
    assert_eq!(status_json(&home, None)["last_night"]["entry"], "no_cramps");
    let text = succeeded(&home.habitd(None, &["status"]));
    assert!(
        text.ends_with(&format!("last night ({}): no cramps\n", named(last_night))),
        "{text}"
    );
}

#[test]
fn the_daemons_status_follows_the_diary_whoever_writes_it() {
    let bus = DbusSession::start();
    let home = TestHome::new();
    home.write_config(CONFIG);
    let mut daemon = started(bus.address(), &home);
    let last_night = days_ago(1);
    let status = status_json(&home, Some(bus.address()));
    assert_eq!(status["daemon"], true);
    assert_eq!(status["last_night"]["entry"], "missing");

    // Through the daemon: its answer is already in its state.
    let at = format!("{last_night} 23:00");
    succeeded(&home.habitd(
        Some(bus.address()),
        &[
            "cramp",
            "--at",
            &at,
            "--leg",
            "right",
            "--note",
            "line\nbreak",
        ],
    ));
    let status = status_json(&home, Some(bus.address()));
    assert_eq!(status["last_night"]["entry"], "cramps");
    assert_eq!(
        status["last_night"]["cramps"][0]["details"],
        serde_json::json!({"leg": "right", "note": "line\nbreak"})
    );
    let text = succeeded(&home.habitd(Some(bus.address()), &["status"]));
    assert!(
        text.ends_with(&format!(
            "last night ({}): 1 cramp\n  23:00  right — line\\nbreak\n",
            named(last_night)
        )),
        "{text}"
    );

    // Written by another process, beside the daemon: it reads it again.
    succeeded(&home.habitd(None, &["undo", "cramp"]));
    daemon
        .wait_for_log("another process wrote the history", WAIT)
        .expect("the daemon hears of it");
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let status = status_json(&home, Some(bus.address()));
        if status["last_night"]["entry"] == "missing" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never read again: {status}"
        );
    }
    daemon.terminate(WAIT).expect("habitd stops");
}

#[test]
fn log_cramp_shows_the_diary_alone_with_what_was_taken_back() {
    let home = TestHome::new();
    home.write_config(CONFIG);
    let night = days_ago(2);
    succeeded(&home.habitd(None, &["cramp", "--none", "--date", &night.to_string()]));
    succeeded(&home.habitd(None, &["done", "water", "2"]));
    succeeded(&home.habitd(None, &["undo", "cramp"]));
    succeeded(&home.habitd(None, &["undo", "water"]));
    let log = succeeded(&home.habitd(None, &["log", "cramp"]));
    let tails: Vec<&str> = log
        .lines()
        .map(|line| line.split_once("  ").expect("a time, then the rest").1)
        .collect();
    assert_eq!(
        tails,
        [
            format!("  no_cramps, night of {night}  (cli)"),
            format!("  undone, night of {night}  (cli)"),
        ]
    );
    let csv = succeeded(&home.habitd(
        None,
        &["log", "cramp", "--csv", "--since", &today().to_string()],
    ));
    assert_eq!(
        csv,
        "id,at,date,habit,kind,amount,until,target,source,data,device\n"
    );
    let all = succeeded(&home.habitd(None, &["log", "--csv"]));
    assert_eq!(all.lines().count(), 5, "{all}");
}

/// The interface of a habitd from before the diary: `Done` only.
struct BeforeTheDiary;

#[zbus::interface(name = "org.habitd.Habitd1")]
impl BeforeTheDiary {
    async fn done(&self, habit: String, _amount: String, _at: String) -> String {
        format!("{habit}: done")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_from_before_the_diary_is_named_as_the_one_to_restart() {
    let bus = DbusSession::start();
    let home = TestHome::new();
    home.write_config(CONFIG);
    let _older = zbus::connection::Builder::address(bus.address())
        .name("org.habitd.Habitd")
        .serve_at("/org/habitd/Habitd", BeforeTheDiary)
        .build()
        .await
        .unwrap();
    let out = home.habitd(Some(bus.address()), &["cramp", "--none"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "habitd: the running habitd is older than this command and does not know it; restart it (`systemctl --user restart habitd`) and try again\n"
    );
    assert_eq!(
        succeeded(&home.habitd(Some(bus.address()), &["done", "water"])),
        "water: done\n"
    );
    let events = log_events(&home);
    assert_eq!(count(&events, "no_cramps"), 0);
}

#[test]
fn a_night_is_recorded_quiet_once_however_many_ask_at_once() {
    // Without a daemon each command checks the history and records on its
    // own; the check and the record are one transaction, so of eight at
    // once exactly one records the night and seven are refused.
    let home = TestHome::new();
    home.write_config(CONFIG);
    succeeded(&home.habitd(None, &["log"]));
    let night = days_ago(2).to_string();
    let outs: Vec<Output> = std::thread::scope(|scope| {
        let runs: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| home.habitd(None, &["cramp", "--none", "--date", &night])))
            .collect();
        runs.into_iter().map(|run| run.join().unwrap()).collect()
    });
    let recorded = outs.iter().filter(|out| out.status.success()).count();
    assert_eq!(recorded, 1);
    for out in outs.iter().filter(|out| !out.status.success()) {
        assert!(refused(out).contains("is already recorded as without cramps"));
    }
    assert_eq!(count(&log_events(&home), "no_cramps"), 1);
}
