//! The calendar heatmap of `habitd streaks` drawn as text: weeks as
//! columns, days as rows Mon..Sun, a header of month abbreviations and a
//! legend, plain or in 256-colour ANSI.
//!
//! Drawing only; which cell a day gets is [`crate::streak::heatmap`]'s rule.

use super::style::Paint;
use crate::calendar::{MONTHS, WEEKDAYS, abbreviation};
use crate::streak::{Cell, Heatmap};

const LEGEND: &str = "# met  + partial  - skipped  . missed  o today, open";

// Every colored cell starts with a full reset (`0;`) because dim would
// otherwise leak from a skipped or missed cell into the next met one.
const ANSI_MET: &str = "\x1b[0;38;5;34m";
const ANSI_PARTIAL: &str = "\x1b[0;38;5;178m";
const ANSI_SKIPPED: &str = "\x1b[0;2;38;5;244m";
const ANSI_MISSED: &str = "\x1b[0;2m";
const ANSI_OPEN: &str = "\x1b[0;1m";
const ANSI_RESET: &str = "\x1b[0m";

fn plain(cell: Cell) -> char {
    match cell {
        Cell::Blank => ' ',
        Cell::Met => '#',
        Cell::Partial => '+',
        Cell::Skipped => '-',
        Cell::Missed => '.',
        Cell::Open => 'o',
    }
}

fn colored(cell: Cell) -> String {
    match cell {
        Cell::Blank => " ".to_owned(),
        Cell::Met => format!("{ANSI_MET}■"),
        Cell::Partial => format!("{ANSI_PARTIAL}■"),
        Cell::Skipped => format!("{ANSI_SKIPPED}·"),
        Cell::Missed => format!("{ANSI_MISSED}·"),
        Cell::Open => format!("{ANSI_OPEN}□"),
    }
}

/// The heatmap as lines: a header line (a month's abbreviation stands over
/// the week holding its first day; the line is empty when no month starts
/// in view), seven rows and a legend, each ending in `\n`. Cells are one
/// character wide and separated by a space. Plain cells: `#` met, `+`
/// partial, `-` skipped, `.` missed, `o` today while its goal is open,
/// space for blank. With colour, cells
/// use 256-color ANSI codes and every row and the legend end with a reset;
/// visible widths match the plain output. No columns give an empty string.
pub(super) fn render(map: &Heatmap, paint: &Paint) -> String {
    if map.columns.is_empty() {
        return String::new();
    }
    let labels = WEEKDAYS.map(abbreviation);
    let prefix = labels[0].len() + 1;
    // Three-letter labels on two-character columns: the last one may reach
    // two characters past the rows.
    let mut header = vec![b' '; prefix + 2 * map.columns.len() + 1];
    for (column, week) in map.columns.iter().enumerate() {
        let label = week
            .month_start
            .and_then(|month| usize::try_from(month).ok()?.checked_sub(1))
            .and_then(|index| MONTHS.get(index).copied())
            .map(abbreviation);
        if let Some(label) = label {
            let at = prefix + 2 * column;
            header[at..at + label.len()].copy_from_slice(label.as_bytes());
        }
    }
    let header = String::from_utf8(header).unwrap_or_default();

    let mut out = String::new();
    out.push_str(header.trim_end());
    out.push('\n');
    for (row, label) in labels.iter().enumerate() {
        out.push_str(label);
        for week in &map.columns {
            out.push(' ');
            if paint.on {
                out.push_str(&colored(week.days[row]));
            } else {
                out.push(plain(week.days[row]));
            }
        }
        if paint.on {
            out.push_str(ANSI_RESET);
        }
        out.push('\n');
    }
    if paint.on {
        out.push_str(&format!(
            "{} met  {} partial  {} skipped  {} missed  {} today, open{ANSI_RESET}\n",
            colored(Cell::Met) + ANSI_RESET,
            colored(Cell::Partial) + ANSI_RESET,
            colored(Cell::Skipped) + ANSI_RESET,
            colored(Cell::Missed) + ANSI_RESET,
            colored(Cell::Open) + ANSI_RESET,
        ));
    } else {
        out.push_str(LEGEND);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::streak::tests::{DAILY, arb_case, d, history, sample};
    use crate::streak::{self, History, Target};
    use jiff::civil::Date;
    use proptest::prelude::*;

    fn draw(h: &History, target: Target, today: Date, weeks: u32, on: bool) -> String {
        render(&streak::heatmap(h, target, today, weeks), &Paint { on })
    }

    #[test]
    fn heatmap_plain() {
        let (h, target, today) = sample();
        let expected = "    Mar\n\
                        Mon   #\n\
                        Tue # +\n\
                        Wed + o\n\
                        Thu .  \n\
                        Fri -  \n\
                        Sat #  \n\
                        Sun .  \n\
                        # met  + partial  - skipped  . missed  o today, open\n";
        assert_eq!(draw(&h, target, today, 2, false), expected);
        // Today in progress with nothing is open too, not missed.
        let mut h = h;
        h.totals.remove(&today);
        assert!(draw(&h, target, today, 2, false).contains("Wed + o\n"));
        assert_eq!(draw(&h, target, today, 0, false), "");
        assert_eq!(draw(&h, target, today, 0, true), "");
    }

    #[test]
    fn heatmap_header_marks_month_starts() {
        let h = history("2024-01-01", &[], &[]);
        let map = draw(&h, DAILY, d("2024-03-06"), 10, false);
        let header = map.lines().next().unwrap();
        // Columns start Mon 2024-01-01; Feb 1 falls in column 4, Mar 1 in 8.
        assert_eq!(
            header,
            format!("    Jan{}Feb{}Mar", " ".repeat(5), " ".repeat(5))
        );
    }

    fn strip_ansi(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn heatmap_colored() {
        let (h, target, today) = sample();
        let plain = draw(&h, target, today, 2, false);
        let colored = draw(&h, target, today, 2, true);
        assert!(colored.contains("\x1b["));
        assert_eq!(colored.lines().count(), plain.lines().count());
        for (c, p) in colored.lines().zip(plain.lines()).take(8) {
            assert!(c == p || c.ends_with(ANSI_RESET));
            assert_eq!(strip_ansi(c).chars().count(), p.chars().count());
        }
        assert!(colored.lines().nth(2).unwrap().contains('■'));
        // Today, open, is neither a partial ■ nor a missed ·.
        assert!(
            colored
                .lines()
                .nth(3)
                .unwrap()
                .ends_with(&format!("{ANSI_OPEN}□{ANSI_RESET}"))
        );
        assert_eq!(
            strip_ansi(colored.lines().last().unwrap()),
            "■ met  ■ partial  · skipped  · missed  □ today, open"
        );
    }

    #[test]
    fn heatmap_clamps_width() {
        let (h, target, today) = sample();
        let map = draw(&h, target, today, u32::MAX, false);
        let row = map.lines().nth(1).unwrap();
        assert_eq!(row.len(), 3 + 2 * 520);
    }

    #[test]
    fn extreme_dates_draw_every_line() {
        for today in [Date::MIN, Date::MAX] {
            let h = History {
                totals: [(today, 1)].into_iter().collect(),
                skipped: [today].into_iter().collect(),
                first_day: Some(today),
            };
            assert_eq!(draw(&h, DAILY, today, 3, false).lines().count(), 9);
            assert_eq!(draw(&h, DAILY, today, 3, true).lines().count(), 9);
        }
    }

    proptest! {
        #[test]
        fn heatmap_rows_stay_aligned(
            (h, target, today) in arb_case(),
            weeks in 0u32..14,
        ) {
            let plain = draw(&h, target, today, weeks, false);
            let colored = draw(&h, target, today, weeks, true);
            let lines = if weeks == 0 { 0 } else { 9 };
            prop_assert_eq!(plain.lines().count(), lines);
            prop_assert_eq!(colored.lines().count(), lines);
            let width = 3 + 2 * weeks as usize;
            for (p, c) in plain.lines().zip(colored.lines()).skip(1).take(7) {
                prop_assert_eq!(p.chars().count(), width);
                prop_assert_eq!(strip_ansi(c).chars().count(), width);
            }
        }
    }
}
