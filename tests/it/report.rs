//! `habitd report`: its figures on a seeded history whose answers are
//! worked out by hand below, the advice appearing exactly when its
//! condition holds, usage errors, and the HTML page rendered in headless
//! Chromium (which must be installed: `.ci/run` installs Debian's
//! `chromium`).
//!
//! The history is laid out around today's date in the config's zone; a run
//! that straddles midnight there is run again ([`on_one_day`]).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use habitd::diary::{Activity, Episode};
use habitd::event::{Kind, NewEvent, Source};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, ToSpan};
use serde_json::Value;

use crate::output::{on_one_day, start_of, store, success};
use crate::support::TestHome;
use crate::support::process::{Waiter, read_all};

const CONFIG: &str = r#"[settings]
timezone = "Europe/Berlin"
[habits.water]
title = "Water"
at = "12:00"
goal = { count = 2, unit = "glasses" }
[habits.bedtime-stretch]
title = "Bedtime <stretches> & more"
at = "22:30"
[habits.walk]
title = "Walk"
at = "17:30"
goal = { minutes = 20 }
per_week = 3
"#;

fn berlin() -> TimeZone {
    TimeZone::get("Europe/Berlin").expect("a zone")
}

/// `date` moved by `days`.
fn day(date: Date, days: i64) -> Date {
    date.checked_add(days.days()).expect("a date in range")
}

/// The Monday of last week, seen from `today`.
fn last_monday(today: Date) -> Date {
    day(
        today,
        -i64::from(today.weekday().to_monday_zero_offset()) - 7,
    )
}

/// What to seed besides last week's habits and nights.
#[derive(Clone, Copy)]
struct Seed {
    /// 14 quiet nights 6 to 8 weeks back, so that the last 4 weeks (2 of 14
    /// nights with cramps) are a rise on the 4 before (0 of 14).
    earlier_nights: bool,
    /// One of last week's cramps came while walking, another with swelling.
    warnings: bool,
}

/// The history, in Berlin. L is last week's Monday.
///
/// - water (goal 2, from L): met L..L+3, 1 glass on L+4, none L+5, L+6:
///   4 of 7 days;
/// - bedtime-stretch (goal 1, from L+1): done L+1, L+2, L+4, skipped L+5:
///   3 of 5 days (L is before its first day, L+5 is a rest day);
/// - walk (3 days a week, weekly, so not compared with the nights): done
///   L and L+2: 2 of 7 days;
/// - nights L..L+6 recorded: cramps on L (6 and 10 minutes) and L+3 (no
///   length given): 2 of 7 nights, 3 episodes, 8 minutes on average; the
///   week before last, 7 quiet nights.
///
/// So, over the two weeks shown, nights after water's met days: L (cramp),
/// L+1, L+2, L+3 (cramp): 2 of 4; after unmet days: L+4..L+6, 0 of 3.
/// After bedtime-stretch's met days: L+1, L+2, L+4, 0 of 3; after unmet:
/// L+3 (cramp), L+6: 1 of 2.
fn seed(home: &TestHome, today: Date, seed: Seed) {
    let tz = berlin();
    let l = last_monday(today);
    let at = |date: Date, hour: i64| start_of(date, &tz) + SignedDuration::from_hours(hour);
    let done = |habit: &str, offset: i64, amount: i64| NewEvent {
        amount: Some(amount),
        ..NewEvent::new(
            at(day(l, offset), 12),
            day(l, offset),
            Some(habit),
            Kind::Done,
            Source::Cli,
        )
    };
    let mut events = vec![
        done("water", 0, 2),
        done("water", 1, 2),
        done("water", 2, 1),
        done("water", 2, 1),
        done("water", 3, 3),
        done("water", 4, 1),
        done("bedtime-stretch", 1, 1),
        done("bedtime-stretch", 2, 1),
        done("bedtime-stretch", 4, 1),
        NewEvent::new(
            at(day(l, 5), 9),
            day(l, 5),
            Some("bedtime-stretch"),
            Kind::Skipped,
            Source::Cli,
        ),
        done("walk", 0, 20),
        done("walk", 2, 25),
    ];
    let quiet = |night: Date| {
        NewEvent::new(
            at(day(night, 1), 8),
            night,
            None,
            Kind::NoCramps,
            Source::Cli,
        )
    };
    let cramp = |offset: i64, hour: i64, episode: Episode| NewEvent {
        data: Some(episode.to_json()),
        ..NewEvent::new(
            at(day(l, offset), hour),
            day(l, offset),
            None,
            Kind::Cramp,
            Source::Cli,
        )
    };
    events.push(cramp(
        0,
        23,
        Episode {
            minutes: Some(6),
            when: seed.warnings.then_some(Activity::Walking),
            ..Episode::default()
        },
    ));
    events.push(cramp(
        0,
        22,
        Episode {
            minutes: Some(10),
            note: Some("<script>document.title = 'not escaped'</script> woke me".to_string()),
            ..Episode::default()
        },
    ));
    events.push(cramp(
        3,
        23,
        Episode {
            swelling: seed.warnings,
            ..Episode::default()
        },
    ));
    for offset in [1, 2, 4, 5, 6] {
        events.push(quiet(day(l, offset)));
    }
    for offset in -7..0 {
        events.push(quiet(day(l, offset)));
    }
    if seed.earlier_nights {
        for back in 42..=55 {
            events.push(quiet(day(today, -back)));
        }
    }
    store(home)
        .append_all(&events)
        .expect("writing the history");
}

fn home_with(today: Date, seeded: Seed) -> TestHome {
    let home = TestHome::new();
    home.write_config(CONFIG);
    seed(&home, today, seeded);
    home
}

const ALL: Seed = Seed {
    earlier_nights: true,
    warnings: true,
};

/// The advice kinds in `report`'s JSON.
fn advice_kinds(json: &Value) -> Vec<&str> {
    json["advice"]
        .as_array()
        .expect("an advice array")
        .iter()
        .map(|a| a["kind"].as_str().expect("a kind"))
        .collect()
}

fn parse(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn report_figures_on_a_seeded_history() {
    let (today, json, text) = on_one_day(&berlin(), |today| {
        let home = home_with(today, ALL);
        let json = success(&home.habitd(None, &["report", "--weeks", "2", "--json"]));
        let text = success(&home.habitd(None, &["report", "--weeks", "2"]));
        (today, json, text)
    });
    let l = last_monday(today);
    let json = parse(&json);
    assert_eq!(json["today"], today.to_string());
    assert_eq!(json["from"], l.to_string());
    let week = &json["weeks"][0];
    assert_eq!(week["start"], l.to_string());
    assert_eq!(
        (&week["nights"], &week["cramp_nights"], &week["episodes"]),
        (&Value::from(7), &Value::from(2), &Value::from(3))
    );
    assert_eq!(week["mean_minutes"], 8.0);
    let shares: Vec<(&str, u64, u64)> = week["habits"]
        .as_array()
        .expect("habits")
        .iter()
        .map(|h| {
            (
                h["habit"].as_str().unwrap(),
                h["met"].as_u64().unwrap(),
                h["days"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shares,
        [("bedtime-stretch", 3, 5), ("walk", 2, 7), ("water", 4, 7)]
    );
    // This week: no night recorded.
    assert_eq!(json["weeks"][1]["nights"], 0);
    assert_eq!(json["weeks"][1]["mean_minutes"], Value::Null);
    let links: Vec<(&str, [u64; 4])> = json["links"]
        .as_array()
        .expect("links")
        .iter()
        .map(|link| {
            let n = |side: &str, key: &str| link[side][key].as_u64().unwrap();
            (
                link["habit"].as_str().unwrap(),
                [
                    n("met", "cramp_nights"),
                    n("met", "nights"),
                    n("not_met", "cramp_nights"),
                    n("not_met", "nights"),
                ],
            )
        })
        .collect();
    assert_eq!(
        links,
        [("bedtime-stretch", [0, 3, 1, 2]), ("water", [2, 4, 0, 3])]
    );
    assert_eq!(
        advice_kinds(&json),
        ["more_frequent", "while_walking", "with_swelling"]
    );
    assert_eq!(json["episodes"].as_array().map(Vec::len), Some(3));
    // Night by night, each in the order they came: 22:00, 23:00, then L+3.
    assert_eq!(json["episodes"][1]["when"], "walking");
    assert_eq!(json["episodes"][0]["minutes"], 10);
    assert_eq!(json["episodes"][2]["swelling"], true);

    // The same figures as text.
    let row = |start: Date| -> Vec<&str> {
        text.lines()
            .find(|line| line.starts_with(&start.to_string()))
            .unwrap_or_else(|| panic!("no row for {start}:\n{text}"))
            .split_whitespace()
            .collect()
    };
    assert_eq!(
        row(l),
        [
            &*l.to_string(),
            "2",
            "of",
            "7",
            "3",
            "8",
            "60%",
            "29%",
            "57%"
        ]
    );
    assert!(
        text.contains(
            "bedtime-stretch  met: cramps on 0 of 3 nights (0%)   not met: cramps on 1 of 2 nights (50%)\n\
             water            met: cramps on 2 of 4 nights (50%)  not met: cramps on 0 of 3 nights (0%)\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("Cramps came on 2 of 14 nights recorded in the last 4 weeks, against 0 of 14 in the 4 weeks before."),
        "{text}"
    );
    assert_eq!(
        text.matches("consider talking to a doctor.").count(),
        3,
        "{text}"
    );
}

#[test]
fn advice_appears_exactly_when_its_condition_holds() {
    for (seeded, expected) in [
        (
            Seed {
                earlier_nights: false,
                warnings: false,
            },
            &[][..],
        ),
        (
            Seed {
                earlier_nights: true,
                warnings: false,
            },
            &["more_frequent"][..],
        ),
        (
            Seed {
                earlier_nights: false,
                warnings: true,
            },
            &["while_walking", "with_swelling"][..],
        ),
    ] {
        let (json, text) = on_one_day(&berlin(), |today| {
            let home = home_with(today, seeded);
            (
                success(&home.habitd(None, &["report", "--json"])),
                success(&home.habitd(None, &["report"])),
            )
        });
        assert_eq!(advice_kinds(&parse(&json)), expected);
        assert_eq!(
            text.contains("Consider talking to a doctor"),
            !expected.is_empty(),
            "{text}"
        );
    }
}

#[test]
fn report_without_a_history_says_how_to_start_and_creates_nothing() {
    let home = TestHome::new();
    home.write_config(CONFIG);
    let text = success(&home.habitd(None, &["report", "--weeks", "1"]));
    assert!(
        text.contains("No nights recorded in these weeks: record a cramp with `habitd cramp`"),
        "{text}"
    );
    assert!(!home.data_home().join("habitd").exists());
}

#[test]
fn report_refuses_bad_arguments() {
    let home = TestHome::new();
    home.write_config(CONFIG);
    for (args, message) in [
        (
            &["report", "--weeks", "0"][..],
            "habitd: invalid --weeks 0: expected 1 to 520 (ten years), e.g. `habitd report --weeks 8`\n",
        ),
        (
            &["report", "--weeks", "521"][..],
            "habitd: invalid --weeks 521: expected 1 to 520 (ten years), e.g. `habitd report --weeks 8`\n",
        ),
        (
            &["report", "--html", ".."][..],
            "habitd: invalid --html \"..\": expected a file name, e.g. `habitd report --html cramps.html`\n",
        ),
    ] {
        let out = home.habitd(None, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), message);
    }
    let out = home.habitd(None, &["report", "--json", "--html", "x.html"]);
    assert_eq!(out.status.code(), Some(2));
    // A page that cannot be written: the reason, code 1, nothing left.
    let missing = home.path().join("no-such-dir").join("report.html");
    let out = home.habitd(None, &["report", "--html", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(&format!(
            "habitd: cannot write the report to {}: ",
            missing.display()
        )),
        "{stderr}"
    );
}

/// Headless Chromium, or a failure saying how to install it: a test that
/// skipped itself would pass without looking at the page.
fn chromium() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "this test renders the HTML report in headless Chromium, which is not installed: \
         install it (Debian: `apt-get install --no-install-recommends chromium`; .ci/run does)"
    );
}

/// Runs headless Chromium on `page` with `args`, within two minutes, and
/// returns its stdout.
fn run_chromium(page: &Path, profile: &Path, args: &[&str]) -> String {
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .env("HOME", profile)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting chromium");
    let stdout = read_all(child.stdout.take().expect("piped"));
    let stderr = read_all(child.stderr.take().expect("piped"));
    let mut waiter = Waiter::new(child);
    let wait = Duration::from_secs(120);
    let Some(status) = waiter.wait(wait) else {
        waiter.kill(wait);
        panic!("chromium did not finish within {wait:?}");
    };
    let stdout = String::from_utf8_lossy(&stdout.join().expect("stdout")).into_owned();
    let stderr = String::from_utf8_lossy(&stderr.join().expect("stderr")).into_owned();
    assert!(status.success(), "chromium failed ({status}):\n{stderr}");
    stdout
}

#[test]
fn report_html_renders_in_headless_chromium() {
    // Before any work: without Chromium, fail at once saying so.
    chromium();
    let (today, page, written) = on_one_day(&berlin(), |today| {
        let home = home_with(today, ALL);
        let page = home.path().join("report.html");
        let out = home.habitd(
            None,
            &["report", "--weeks", "2", "--html", page.to_str().unwrap()],
        );
        let written = success(&out);
        (today, (home, page), written)
    });
    let (home, page) = page;
    assert_eq!(written, format!("report written to {}\n", page.display()));
    let l = last_monday(today);
    let profile = home.path().join("chromium");
    let dom = run_chromium(&page, &profile, &["--dump-dom"]);
    // The note's script stayed text: had it run, the title would differ.
    assert!(
        dom.contains(&format!("<title>Leg cramp report, {l} to {today}</title>")),
        "{dom}"
    );
    assert!(!dom.contains("not escaped</title>"));
    assert!(dom.contains("&lt;script&gt;document.title"), "{dom}");
    assert!(
        dom.contains("Bedtime &lt;stretches&gt; &amp; more"),
        "{dom}"
    );
    assert!(
        dom.contains(&format!(
            "<tr><td>{l}</td><td>2 of 7</td><td>3</td><td>8</td><td>60%</td><td>29%</td><td>57%</td></tr>"
        )),
        "{dom}"
    );
    assert!(
        dom.contains("1 cramp was recorded while walking in the last 4 weeks."),
        "{dom}"
    );
    assert!(dom.contains("consider talking to a doctor."), "{dom}");
    // The nights chart and one per habit, parsed as SVG inside the page.
    assert_eq!(dom.matches("<svg ").count(), 4, "{dom}");
    assert!(dom.contains("<rect class=\"bar-cramps\""), "{dom}");

    // And it draws: a screenshot of the page is a PNG of some size.
    let shot = home.path().join("report.png");
    run_chromium(
        &page,
        &profile,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1000,1400",
        ],
    );
    let png = std::fs::read(&shot).expect("chromium wrote the screenshot");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert!(png.len() > 20_000, "{} bytes", png.len());
}

#[test]
fn status_shows_the_advice_that_applies() {
    for (seeded, expected) in [
        (
            ALL,
            &["more_frequent", "while_walking", "with_swelling"][..],
        ),
        (
            Seed {
                earlier_nights: false,
                warnings: false,
            },
            &[][..],
        ),
    ] {
        let (json, text, report) = on_one_day(&berlin(), |today| {
            let home = home_with(today, seeded);
            (
                success(&home.habitd(None, &["status", "--json"])),
                success(&home.habitd(None, &["status"])),
                success(&home.habitd(None, &["report", "--json"])),
            )
        });
        let json = parse(&json);
        assert_eq!(advice_kinds(&json), expected);
        // The same words as the report's.
        assert_eq!(json["advice"], parse(&report)["advice"]);
        for advice in json["advice"].as_array().expect("advice") {
            let line = format!("! {}\n", advice["text"].as_str().expect("text"));
            assert!(text.contains(&line), "{line} in\n{text}");
        }
        assert_eq!(
            text.contains("consider talking to a doctor"),
            !expected.is_empty(),
            "{text}"
        );
    }
}

#[test]
fn ten_years_of_history_make_a_report_and_a_page() {
    let home = TestHome::new();
    home.write_config(CONFIG);
    let tz = berlin();
    let today = tz.to_datetime(jiff::Timestamp::now()).date();
    let first = day(today, -3650);
    let mut events = Vec::new();
    for n in 0..3650 {
        let night = day(first, n);
        let at = start_of(night, &tz) + SignedDuration::from_hours(22);
        events.push(NewEvent {
            amount: Some(2),
            ..NewEvent::new(at, night, Some("water"), Kind::Done, Source::Cli)
        });
        events.push(if n % 3 == 0 {
            NewEvent {
                data: Some(
                    Episode {
                        minutes: Some(5),
                        note: Some("ü".repeat(400)),
                        ..Episode::default()
                    }
                    .to_json(),
                ),
                ..NewEvent::new(at, night, None, Kind::Cramp, Source::Cli)
            }
        } else {
            NewEvent::new(at, night, None, Kind::NoCramps, Source::Cli)
        });
    }
    store(&home)
        .append_all(&events)
        .expect("writing the history");
    let json = parse(&success(
        &home.habitd(None, &["report", "--weeks", "520", "--json"]),
    ));
    let weeks = json["weeks"].as_array().expect("weeks");
    assert_eq!(weeks.len(), 520);
    // A full week in the middle: 7 nights, every third with a cramp.
    let cramps = weeks[260]["cramp_nights"].as_u64().unwrap();
    assert_eq!(weeks[260]["nights"], 7);
    assert!((2..=3).contains(&cramps), "{cramps}");
    let page = home.path().join("ten-years.html");
    success(&home.habitd(
        None,
        &["report", "--weeks", "520", "--html", page.to_str().unwrap()],
    ));
    let html = std::fs::read_to_string(&page).expect("the page");
    // A row per week, per daily habit compared, and per episode.
    assert_eq!(
        html.matches("<tr><td>").count(),
        520 + count(&json["links"]) + count(&json["episodes"])
    );
    assert_eq!(count(&json["links"]), 2);
    assert!(html.ends_with("</html>\n"));
}

/// The length of a JSON array.
fn count(array: &Value) -> usize {
    array.as_array().map_or(0, Vec::len)
}
