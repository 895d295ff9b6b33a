//! `habitd report` drawn for a terminal: the weekly table, a chart of the
//! nights with cramps in unicode bars, the nights after met and unmet days,
//! and the advice. Also the few words and numbers the HTML page shares
//! with it (percentages, minutes, night counts).
//!
//! Drawing only; every figure is [`crate::report`]'s.

use super::style::Paint;
use crate::quote::escape;
use crate::report::{Nights, Report, Week};

/// Cells of the widest bar (a share of 1).
const BAR_CELLS: usize = 20;

/// Eighths of a cell, from none to seven.
const EIGHTHS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

/// What the report says about a week or range with no night recorded.
pub(super) const NO_NIGHTS: &str = "no nights recorded";

/// The heading over the comparison of nights, and the line under it that
/// keeps it from reading as a cause.
pub(super) const LINK_HEADING: &str =
    "Nights after days each daily goal was met, and after days it was not";
pub(super) const LINK_CAVEAT: &str =
    "These are counts side by side: they do not show that a habit prevents or causes cramps.";

/// The heading over the advice.
pub(super) const ADVICE_HEADING: &str = "Consider talking to a doctor";

/// What to do when the diary is empty.
pub(super) const EMPTY_DIARY: &str = "No nights recorded in these weeks: record a cramp with `habitd cramp`, a quiet night with `habitd cramp --none`.";

/// `0.8` as `80%`.
pub(super) fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "–".to_string(), |s| format!("{:.0}%", s * 100.0))
}

/// `8.5` as `8.5`, `8.0` as `8`.
pub(super) fn minutes(mean: Option<f64>) -> String {
    mean.map_or_else(
        || "–".to_string(),
        |m| {
            let text = format!("{m:.1}");
            text.strip_suffix(".0").map_or(text.clone(), str::to_string)
        },
    )
}

/// `2 of 7`, or `–` without nights.
pub(super) fn of_nights(week: &Week) -> String {
    if week.nights == 0 {
        "–".to_string()
    } else {
        format!("{} of {}", week.cramp_nights, week.nights)
    }
}

/// `cramps on 2 of 20 nights (10%)`, or that none were recorded.
pub(super) fn nights_text(nights: &Nights) -> String {
    if nights.nights == 0 {
        NO_NIGHTS.to_string()
    } else {
        format!(
            "cramps on {} of {} nights ({})",
            nights.cramp_nights,
            nights.nights,
            percent(nights.rate)
        )
    }
}

/// A bar `BAR_CELLS` wide at a share of 1, in eighths of a cell.
fn bar(share: f64) -> String {
    let eighths = (share.clamp(0.0, 1.0) * (BAR_CELLS * 8) as f64).round() as usize;
    let mut bar = "█".repeat(eighths / 8);
    bar.push_str(EIGHTHS[eighths % 8]);
    bar
}

/// Rows of cells as columns two spaces apart, each as wide as its widest
/// cell; the first row in bold if `header`.
fn table(rows: &[Vec<String>], header: bool, paint: &Paint) -> String {
    let columns = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c + 1 == columns {
                line.push_str(cell);
            } else {
                let pad = widths[c] - cell.chars().count();
                line.push_str(cell);
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        let line = line.trim_end();
        if header && i == 0 {
            out.push_str(&paint.bold(line));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// The report as text.
pub(super) fn render(report: &Report, paint: &Paint) -> String {
    let mut out = format!(
        "{}\n\n",
        paint.bold(&format!(
            "Cramp report: {} from {} to {}",
            crate::quote::counted(report.weeks.len() as u64, "week", "weeks"),
            report.from.strftime("%a %Y-%m-%d"),
            report.today.strftime("%a %Y-%m-%d")
        ))
    );

    let mut rows = vec![
        ["week of", "cramp nights", "episodes", "mean min"]
            .map(str::to_string)
            .to_vec(),
    ];
    rows[0].extend(report.habits.iter().map(|h| escape(&h.habit).into_owned()));
    for week in &report.weeks {
        let mut row = vec![
            week.start.to_string(),
            of_nights(week),
            week.episodes.to_string(),
            minutes(week.mean_minutes),
        ];
        row.extend(week.habits.iter().map(|h| percent(h.share)));
        rows.push(row);
    }
    out.push_str(&table(&rows, true, paint));
    out.push('\n');

    out.push_str(&paint.bold("Nights with cramps, of nights recorded"));
    out.push('\n');
    if report.weeks.iter().all(|w| w.nights == 0) {
        out.push_str(EMPTY_DIARY);
        out.push('\n');
    } else {
        for week in &report.weeks {
            let (bar, figure) = match week.nights {
                0 => (String::new(), paint.dim(NO_NIGHTS)),
                n => (
                    bar(f64::from(week.cramp_nights) / f64::from(n)),
                    of_nights(week),
                ),
            };
            let pad = BAR_CELLS + 1 - bar.chars().count();
            out.push_str(&format!(
                "{}  {}{}{figure}\n",
                week.start,
                paint.yellow(&bar),
                " ".repeat(pad)
            ));
        }
    }

    if !report.links.is_empty() {
        out.push('\n');
        out.push_str(&paint.bold(LINK_HEADING));
        out.push('\n');
        let rows: Vec<Vec<String>> = report
            .links
            .iter()
            .map(|link| {
                vec![
                    escape(&link.habit).into_owned(),
                    format!("met: {}", nights_text(&link.met)),
                    format!("not met: {}", nights_text(&link.not_met)),
                ]
            })
            .collect();
        out.push_str(&table(&rows, false, paint));
        out.push_str(&paint.dim(LINK_CAVEAT));
        out.push('\n');
    }

    if !report.advice.is_empty() {
        out.push('\n');
        out.push_str(&paint.bold(ADVICE_HEADING));
        out.push('\n');
        for advice in &report.advice {
            out.push_str(&format!("{} {}\n", paint.yellow("!"), advice.text));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diary::{Activity, DiaryEntry, Episode, Record};
    use crate::report::{self, HabitInput};
    use crate::streak::{History, Target};

    fn d(text: &str) -> jiff::civil::Date {
        text.parse().unwrap()
    }

    fn entry(night: &str, record: Record) -> DiaryEntry {
        DiaryEntry {
            id: 1,
            at: format!("{night}T22:40:00Z").parse().unwrap(),
            night: d(night),
            record,
        }
    }

    fn cramp(night: &str, minutes: u32, when: Option<Activity>) -> DiaryEntry {
        entry(
            night,
            Record::Cramp(Episode {
                minutes: Some(minutes),
                when,
                ..Episode::default()
            }),
        )
    }

    fn quiet(night: &str) -> DiaryEntry {
        entry(night, Record::NoCramps)
    }

    /// Two weeks to Wednesday 2026-11-18: water met on the first three
    /// days of the first week, missed on the rest; three nights recorded.
    fn sample() -> Report {
        let water = History {
            totals: [("2026-11-09", 8), ("2026-11-10", 8), ("2026-11-11", 9)]
                .map(|(day, total)| (d(day), total))
                .into(),
            skipped: Default::default(),
            first_day: Some(d("2026-11-09")),
        };
        let habits = [HabitInput {
            id: "water",
            title: "Water",
            target: Target {
                goal: 8,
                per_week: None,
            },
            history: &water,
        }];
        let entries = [
            cramp("2026-11-09", 6, None),
            quiet("2026-11-10"),
            cramp("2026-11-12", 9, Some(Activity::Walking)),
            cramp("2026-11-12", 10, None),
        ];
        report::build(
            &entries,
            &habits,
            2,
            d("2026-11-18"),
            &jiff::tz::TimeZone::UTC,
        )
    }

    #[test]
    fn renders_plain() {
        let text = render(&sample(), &Paint { on: false });
        let expected = "\
Cramp report: 2 weeks from Mon 2026-11-09 to Wed 2026-11-18

week of     cramp nights  episodes  mean min  water
2026-11-09  2 of 3        3         8.3       43%
2026-11-16  –             0         –         0%

Nights with cramps, of nights recorded
2026-11-09  █████████████▍       2 of 3
2026-11-16                       no nights recorded

Nights after days each daily goal was met, and after days it was not
water  met: cramps on 1 of 2 nights (50%)  not met: cramps on 1 of 1 nights (100%)
These are counts side by side: they do not show that a habit prevents or causes cramps.

Consider talking to a doctor
! 1 cramp was recorded while walking in the last 4 weeks. Cramps that come on while walking, even short distances, and ease with rest can have a cause in the blood vessels that a doctor can check: consider talking to a doctor.
";
        assert_eq!(text, expected);
    }

    #[test]
    fn renders_colour_only_when_on() {
        let plain = render(&sample(), &Paint { on: false });
        let coloured = render(&sample(), &Paint { on: true });
        assert!(!plain.contains('\x1b'));
        assert!(
            coloured.contains("\x1b[33m█████████████▍\x1b[0m"),
            "{coloured}"
        );
        assert!(coloured.contains("\x1b[1mCramp report"), "{coloured}");
    }

    #[test]
    fn an_empty_diary_says_how_to_fill_it() {
        let report = report::build(&[], &[], 1, d("2026-11-18"), &jiff::tz::TimeZone::UTC);
        let text = render(&report, &Paint { on: false });
        assert!(text.contains(EMPTY_DIARY), "{text}");
        assert!(!text.contains(ADVICE_HEADING), "{text}");
    }

    #[test]
    fn bars_are_drawn_in_eighths() {
        assert_eq!(bar(0.0), "");
        assert_eq!(bar(1.0), "█".repeat(BAR_CELLS));
        assert_eq!(bar(0.5 / 20.0), "▌");
        assert_eq!(bar(2.0), "█".repeat(BAR_CELLS));
    }
}
