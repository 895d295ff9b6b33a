//! `habitd check` and `habitd run` on configs that are refused: a `TZ` that
//! names no zone, and a file with thousands of errors.

use std::time::Duration;

use crate::support::{Daemon, DbusSession, TestHome};

const WATER: &str = "[habits.water]\ntitle = \"Water\"\nat = \"12:00\"\n";

// Regression: with `TZ=Garbage/Zone` and no `timezone` setting, the zone
// silently became UTC and `check` called it "the system zone".
#[test]
fn a_tz_that_names_no_zone_is_a_config_error_naming_it() {
    let bus = DbusSession::start();
    let home = TestHome::new();
    let path = home.write_config(WATER);
    let expected = format!(
        "{}:1:1: settings.timezone: the environment variable TZ=\"Garbage/Zone\" is not a time zone",
        path.display()
    );
    for args in [&["check"][..], &["run"]] {
        let mut habitd =
            Daemon::spawn_with_env(bus.address(), &home, args, &[("TZ", "Garbage/Zone")]);
        let status = habitd.wait_exit(Duration::from_secs(30));
        assert_eq!(
            status.and_then(|s| s.code()),
            Some(2),
            "{args:?}:\n{}",
            habitd.log()
        );
        assert!(
            habitd.log().contains(&expected),
            "{args:?}:\n{}",
            habitd.log()
        );
    }

    // A zone in the config is used without looking at TZ.
    home.write_config(&format!("[settings]\ntimezone = \"Asia/Tokyo\"\n{WATER}"));
    let mut check =
        Daemon::spawn_with_env(bus.address(), &home, &["check"], &[("TZ", "Garbage/Zone")]);
    let status = check.wait_exit(Duration::from_secs(30));
    assert!(status.is_some_and(|s| s.success()), "{}", check.log());
    assert!(
        check.log().contains("timezone: Asia/Tokyo"),
        "{}",
        check.log()
    );
}

// Regression: every error was printed, and each was located by reading the
// file from its start (20,000 errors took 15 s).
#[test]
fn thousands_of_errors_print_the_first_50_and_a_count() {
    let home = TestHome::new();
    let text: String = (0..2000)
        .map(|i| format!("[habits.h{i}]\ntitle = \"H\"\nat = \"25:00\"\n"))
        .collect();
    let path = home.write_config(&text);
    let out = home.habitd(None, &["check"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 52, "{err}");
    assert!(
        lines[0].starts_with(&format!(
            "{}:3:6: habits.h0.at: invalid time \"25:00\"",
            path.display()
        )),
        "{err}"
    );
    assert!(
        lines[49].starts_with(&format!("{}:150:6: habits.h49.at: ", path.display())),
        "{err}"
    );
    assert_eq!(lines[50], "and 1950 more");
    assert_eq!(lines[51], "habitd: 2000 error(s) in the config");
}
