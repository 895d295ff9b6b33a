//! The command line without a daemon: `check` and `next`, their output,
//! errors and exit codes; user text escaped on the terminal and cut short
//! in messages; arguments refused as nonsense.

use crate::support::TestHome;

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn check_without_a_config_uses_the_built_in_default() {
    let home = TestHome::new();
    let out = home.habitd(None, &["check"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("config: <built-in config>\n"), "{text}");
    for id in ["water", "stretch", "walk", "bedtime-stretch"] {
        assert!(
            text.contains(&format!("\n{id} ")),
            "{id} missing from:\n{text}"
        );
    }
    assert!(text.contains("at 17:30 on weekdays; goal 20 min"), "{text}");
}

#[test]
fn check_names_the_sync_folder_and_this_machines_name() {
    let home = TestHome::new();
    home.write_config(
        "[sync]\nfolder = \"/srv/sync/habitd\"\nname = \"laptop\"\n[habits.water]\ntitle = \"Water\"\nat = \"12:00\"\n",
    );
    let out = home.habitd(None, &["check"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("\ncatch_up: 15m\nsync: /srv/sync/habitd as laptop\n"),
        "{text}"
    );
}

#[test]
fn the_built_in_default_is_config_example_toml() {
    let home = TestHome::new();
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml");
    let from_file = home.habitd(
        None,
        &[
            "next",
            "--config",
            example,
            "--from",
            "2026-01-01T00:00:00Z",
            "-n",
            "50",
            "--json",
        ],
    );
    let built_in = home.habitd(
        None,
        &[
            "next",
            "--from",
            "2026-01-01T00:00:00Z",
            "-n",
            "50",
            "--json",
        ],
    );
    assert!(from_file.status.success() && built_in.status.success());
    assert_eq!(stdout(&from_file), stdout(&built_in));
}

#[test]
fn config_errors_are_all_reported_with_locations_and_exit_2() {
    let home = TestHome::new();
    let path = home.write_config(
        r#"[settings]
timezone = "Mars/Olympus"

[habits.water]
title = "Water"
every = "1 hour"
colour = "blue"
"#,
    );
    let out = home.habitd(None, &["check"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    let path = path.display();
    assert!(
        err.contains(&format!(
            "{path}:2:12: settings.timezone: unknown time zone \"Mars/Olympus\""
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{path}:6:9: habits.water.every: invalid duration \"1 hour\""
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{path}:7:1: habits.water.colour: unknown key \"colour\""
        )),
        "{err}"
    );
    assert!(err.ends_with("habitd: 3 error(s) in the config\n"), "{err}");
    // `run` refuses the same config the same way, before touching anything.
    let run = home.habitd(None, &["run"]);
    assert_eq!(run.status.code(), Some(2));
}

#[test]
fn usage_errors_exit_2_with_an_example() {
    let home = TestHome::new();
    let out = home.habitd(None, &["next", "watr"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "habitd: no habit \"watr\"; did you mean \"water\"?\n"
    );
    let out = home.habitd(None, &["next", "--from", "tomorrow"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("expected HH:MM (today), a date-time like"),
        "{}",
        stderr(&out)
    );
    let out = home.habitd(None, &["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    let out = home.habitd(None, &["check", "--config", "/nonexistent/habitd.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot read config /nonexistent/habitd.toml"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn next_json_follows_the_dst_rules() {
    let home = TestHome::new();
    home.write_config(
        r#"[settings]
timezone = "America/New_York"
[checkin]
enabled = false
[habits.late]
title = "Late"
at = "02:30"
[habits.early]
title = "Early"
cron = "30 1 * * *"
"#,
    );
    let out = home.habitd(
        None,
        &[
            "next",
            "--from",
            "2026-03-07T12:00:00-05:00",
            "-n",
            "4",
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let entries: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let pairs: Vec<(String, String)> = entries
        .as_array()
        .expect("an array")
        .iter()
        .map(|e| {
            (
                e["habit"].as_str().unwrap().to_string(),
                e["at"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        ("early", "2026-03-08T01:30:00-05:00"),
        ("late", "2026-03-08T03:00:00-04:00"), // 02:30 is in the gap
        ("early", "2026-03-09T01:30:00-04:00"),
        ("late", "2026-03-09T02:30:00-04:00"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(h, a)| (h.to_string(), a.to_string()))
        .collect();
    assert_eq!(pairs, expected);

    // The fold: 01:30 happens twice on 2026-11-01 and fires once, the first time.
    let out = home.habitd(
        None,
        &[
            "next",
            "early",
            "--from",
            "2026-11-01T00:00",
            "-n",
            "2",
            "--json",
        ],
    );
    let entries: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(entries[0]["at"], "2026-11-01T01:30:00-04:00");
    assert_eq!(entries[1]["at"], "2026-11-02T01:30:00-05:00");
}

#[test]
fn terminal_output_escapes_control_characters_in_user_text() {
    let home = TestHome::new();
    home.write_config(
        r#"[settings]
timezone = "UTC"
[checkin]
enabled = false
[habits.tea]
title = "Tea\u001b[2J\nhabitd: fake line"
at = "12:00"
goal = { count = 2, unit = "cups\u001b[31m" }
"#,
    );
    let out = home.habitd(None, &["next", "--from", "2026-01-01T00:00", "-n", "1"]);
    assert_eq!(
        stdout(&out),
        "Thu 2026-01-01 12:00:00 +00:00  tea  Tea\\u{1b}[2J\\nhabitd: fake line\n"
    );
    let out = home.habitd(None, &["check"]);
    assert!(
        stdout(&out).contains("\ntea  at 12:00 every day; goal 2 cups\\u{1b}[31m; next "),
        "{}",
        stdout(&out)
    );
    let out = home.habitd(None, &["done", "tea"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("tea: 1/2 cups\\u{1b}[31m on "),
        "{}",
        stdout(&out)
    );

    // Keys in config errors: each error stays on its one line.
    home.write_config(
        "[habits.\"bad\\u001b[31m\\nid\"]\ntitle = \"T\"\nat = \"12:00\"\n\"colour\\u0007\" = 1\n",
    );
    let out = home.habitd(None, &["check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(!err.contains(['\u{1b}', '\u{7}']), "{err:?}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert!(
        lines[0].contains(":1:9: habits.\"bad\\u{1b}[31m\\nid\": habit id "),
        "{err}"
    );
    assert!(lines[1].contains("colour\\u{7}"), "{err}");
    assert_eq!(lines[2], "habitd: 2 error(s) in the config");
}

#[test]
fn error_messages_cut_long_input() {
    let home = TestHome::new();
    home.write_config(
        "[settings]\ntimezone = \"UTC\"\n[habits.water]\ntitle = \"Water\"\nat = \"12:00\"\n",
    );
    let long = "x".repeat(100_000);
    let shown = format!("\"{}…\" (100000 bytes)", "x".repeat(60));
    for (args, message) in [
        (
            vec!["next", &long],
            format!("no habit {shown}; habits are: water"),
        ),
        (
            vec!["done", &long],
            format!("no habit {shown}; habits are: water"),
        ),
        (
            vec!["done", "water", &long],
            format!("invalid amount {shown} for water: expected a whole number of times"),
        ),
        (
            vec!["next", "--from", &long],
            format!("invalid time {shown}: expected HH:MM"),
        ),
        (
            vec!["log", "--since", &long],
            format!("invalid date {shown}: expected YYYY-MM-DD"),
        ),
        (
            vec!["skip", "water", "--date", &long],
            format!("invalid date {shown}: "),
        ),
        (
            vec!["snooze", "water", &long],
            format!("invalid duration {shown}: "),
        ),
        (vec!["pause", &long], format!("invalid pause {shown}: ")),
    ] {
        let out = home.habitd(None, &args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{}: {err}", args[0]);
        assert!(
            err.starts_with(&format!("habitd: {message}")),
            "{} ...: {err}",
            args[0]
        );
        assert!(err.len() < 400, "{} ...: {} bytes", args[0], err.len());
    }
}

#[test]
fn streaks_refuse_zero_weeks_with_an_example() {
    let home = TestHome::new();
    for args in [
        &["streaks", "--weeks", "0"][..],
        &["streaks", "--weeks", "0", "--json"],
    ] {
        let out = home.habitd(None, args);
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(
            stderr(&out),
            "habitd: invalid --weeks 0: the heatmap shows at least 1 week, e.g. `habitd streaks --weeks 8`\n"
        );
        assert_eq!(stdout(&out), "");
    }
}

#[test]
fn messages_mind_singulars_and_empty_units() {
    let home = TestHome::new();
    home.write_config(
        "[settings]\ntimezone = \"UTC\"\n[habits.tea]\ntitle = \"Tea\"\nat = \"12:00\"\ngoal = { count = 3, unit = \"\" }\nper_week = 1\n",
    );
    let out = home.habitd(None, &["check"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("\ntea  at 12:00 every day; goal 3, 1 day a week; next "),
        "{text}"
    );
    assert!(text.ends_with("\nok: 1 habit\n"), "{text}");
    let out = home.habitd(None, &["done", "tea", "3", "--at", "00:00"]);
    assert!(stdout(&out).starts_with("tea: 3/3 on "), "{}", stdout(&out));
    let out = home.habitd(None, &["streaks", "tea"]);
    assert!(
        stdout(&out).starts_with("tea  streak 1 week (longest 1)  "),
        "{}",
        stdout(&out)
    );
}
