//! Streaks, success rates, the habit-strength score and the calendar
//! heatmap's cells, all computed from per-day totals. Data only: `cli`
//! draws the heatmap.
//!
//! Pure: today is an argument, nothing is read or written, and no input
//! makes it panic (every step of date arithmetic is checked, so histories
//! touching the ends of jiff's range are fine).
//!
//! # Rules
//! - Days are local calendar days. A day is *met* when its total reaches the
//!   goal. A met day counts as met even if it was also marked skipped: the
//!   user did the habit after all.
//! - A skipped day neither breaks nor extends a streak, nor counts in rates,
//!   nor moves the score.
//! - Today, not yet met, is in progress: it does not break anything and is
//!   left out of rates and score. Today met counts like any met day.
//! - Days before the habit's first day count for nothing.
//! - With `per_week = N` the streak counts consecutive ISO weeks (Monday to
//!   Sunday) with at least N met days. A week only asks for the days it can
//!   offer: requirement = min(N, days of the week on or after the first day,
//!   up to today, not skipped). A week asking for nothing is neutral, and so
//!   is the current week until it reaches its requirement. The current
//!   week's requirement also counts its days after today that are not
//!   skipped: it counts once the week is earned, and then stays counted,
//!   instead of counting on Monday after one met day and dropping out again
//!   on Tuesday morning.
//!
//! Every computation walks the days from the first day to today once,
//! merging the sorted totals and skips, so the cost is linear in the number
//! of days.

use std::collections::{BTreeMap, BTreeSet};

use jiff::SignedDuration;
use jiff::civil::Date;

/// What the streak is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target {
    /// The amount (a count or minutes) a day's total must reach to be met.
    /// At least 1; 0 is treated as 1 so that an empty day is never met.
    pub goal: u32,
    /// `Some(n)`: the habit asks for `n` met days per ISO week and streaks
    /// count weeks; `n` is clamped into 1..=7. `None`: a daily habit.
    pub per_week: Option<u8>,
}

/// One habit's history as the streak rules need it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    /// The total amount done per local day; a day absent from the map has 0.
    pub totals: BTreeMap<Date, u32>,
    /// Days the user excused.
    pub skipped: BTreeSet<Date>,
    /// The day of the habit's first event; nothing before it counts.
    /// `None` means no history: no day counts at all.
    pub first_day: Option<Date>,
}

/// Whether streaks are counted in days or in weeks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreakUnit {
    /// A daily habit: consecutive met days.
    Days,
    /// A `per_week` habit: consecutive ISO weeks that reached their count.
    Weeks,
}

/// How one calendar day stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayStatus {
    /// Before the habit's first day (or the habit has no history).
    BeforeStart,
    /// After today.
    Future,
    /// The total reached the goal.
    Met,
    /// Excused by the user (and not met).
    Skipped,
    /// Today, not met yet; the total may be partial.
    InProgress,
    /// A past day with some amount, short of the goal.
    Partial,
    /// A past day with nothing done.
    Missed,
}

impl DayStatus {
    /// Whether the day counts in a rate, and if so whether its goal was
    /// met: `Some(true)` met, `Some(false)` partial or missed, `None` for a
    /// day that counts for nothing (skipped, today while open, before the
    /// start, after today). The one rule behind the rates here and the
    /// shares and comparisons of the cramp report.
    pub fn counted(self) -> Option<bool> {
        match self {
            DayStatus::Met => Some(true),
            DayStatus::Partial | DayStatus::Missed => Some(false),
            DayStatus::BeforeStart
            | DayStatus::Future
            | DayStatus::Skipped
            | DayStatus::InProgress => None,
        }
    }
}

/// The numbers shown for one habit.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// The unit of `current` and `longest`.
    pub unit: StreakUnit,
    /// The streak running now, in `unit`s.
    pub current: u32,
    /// The longest streak ever, in `unit`s; never less than `current`.
    pub longest: u32,
    /// Share of counted days met over the last 7 days (today counted only
    /// if met); `None` when no day in the window counts.
    pub rate_7: Option<f64>,
    /// The same over the last 30 days.
    pub rate_30: Option<f64>,
    /// Habit strength as in Loop Habit Tracker, in `0.0..=1.0`.
    pub score: f64,
}

/// The widest heatmap drawn: ten years.
const MAX_HEATMAP_WEEKS: u32 = 520;

/// A Monday, so that `day_number(d).div_euclid(7)` numbers ISO weeks and
/// `rem_euclid(7)` gives the weekday from Monday = 0.
const EPOCH: Date = Date::constant(1970, 1, 5);

const SECONDS_PER_DAY: i64 = 86_400;

/// The target with out-of-range values brought into range.
#[derive(Clone, Copy)]
struct Rules {
    goal: u32,
    per_week: Option<u32>,
}

impl Rules {
    fn new(target: Target) -> Self {
        Rules {
            goal: target.goal.max(1),
            per_week: target.per_week.map(|n| u32::from(n.clamp(1, 7))),
        }
    }
}

/// Days since [`EPOCH`]; exact, since civil days are always 24 hours.
fn day_number(date: Date) -> i64 {
    date.duration_since(EPOCH)
        .as_secs()
        .div_euclid(SECONDS_PER_DAY)
}

/// The inverse of [`day_number`]; `None` outside jiff's range.
fn date_of(number: i64) -> Option<Date> {
    let seconds = number.checked_mul(SECONDS_PER_DAY)?;
    EPOCH.checked_add(SignedDuration::from_secs(seconds)).ok()
}

fn classify(total: u32, skipped: bool, goal: u32, is_today: bool) -> DayStatus {
    if total >= goal {
        DayStatus::Met
    } else if skipped {
        DayStatus::Skipped
    } else if is_today {
        DayStatus::InProgress
    } else if total > 0 {
        DayStatus::Partial
    } else {
        DayStatus::Missed
    }
}

/// Visits every day of `from..=to` in order with its day number, status and
/// total. Callers pass `from >= first_day` and `to <= today`, so only the
/// statuses of counted days occur.
fn walk(
    history: &History,
    goal: u32,
    (from, to): (Date, Date),
    today: Date,
    mut visit: impl FnMut(i64, DayStatus, u32),
) {
    if from > to {
        return;
    }
    // Merging the two sorted ranges instead of looking every day up keeps
    // long histories linear.
    let mut totals = history
        .totals
        .range(from..=to)
        .map(|(date, total)| (day_number(*date), *total))
        .peekable();
    let mut skipped = history
        .skipped
        .range(from..=to)
        .map(|date| day_number(*date))
        .peekable();
    let today = day_number(today);
    for day in day_number(from)..=day_number(to) {
        let total = totals
            .next_if(|&(date, _)| date == day)
            .map_or(0, |(_, total)| total);
        let is_skipped = skipped.next_if(|&date| date == day).is_some();
        visit(day, classify(total, is_skipped, goal, day == today), total);
    }
}

/// How `date` stands for this habit, seen from `today`.
pub fn day_status(history: &History, target: Target, date: Date, today: Date) -> DayStatus {
    if date > today {
        return DayStatus::Future;
    }
    match history.first_day {
        Some(first) if date >= first => {}
        _ => return DayStatus::BeforeStart,
    }
    let total = history.totals.get(&date).copied().unwrap_or(0);
    classify(
        total,
        history.skipped.contains(&date),
        Rules::new(target).goal,
        date == today,
    )
}

#[derive(Default)]
struct Run {
    current: u32,
    longest: u32,
}

impl Run {
    fn extend(&mut self) {
        self.current = self.current.saturating_add(1);
        self.longest = self.longest.max(self.current);
    }

    fn stop(&mut self) {
        self.current = 0;
    }
}

/// One ISO week's tally for a `per_week` habit.
struct Week {
    number: i64,
    met: u32,
    /// Days the week can ask for: counted and not skipped.
    open: u32,
}

impl Week {
    fn settle(&self, per_week: u32, run: &mut Run, in_progress: bool) {
        let need = per_week.min(self.open);
        if need == 0 {
            return;
        }
        if self.met >= need {
            run.extend();
        } else if !in_progress {
            run.stop();
        }
    }
}

/// What `summarize` accumulates in its one walk over the days.
struct Tally {
    rules: Rules,
    /// The share of yesterday's score kept each day.
    keep: f64,
    score: f64,
    run: Run,
    week: Option<Week>,
}

impl Tally {
    fn new(rules: Rules) -> Self {
        // Loop Habit Tracker's decay: a habit due `f` times a day loses half
        // its strength after 13 / sqrt(f) days of not being done.
        let frequency = rules.per_week.map_or(1.0, |n| f64::from(n) / 7.0);
        Tally {
            rules,
            keep: 0.5f64.powf(frequency.sqrt() / 13.0),
            score: 0.0,
            run: Run::default(),
            week: None,
        }
    }

    fn day(&mut self, day: i64, status: DayStatus, total: u32) {
        let value = match (status, self.rules.per_week) {
            (DayStatus::Skipped | DayStatus::InProgress, _) => None,
            (DayStatus::Met, _) => Some(1.0),
            // Loop scores non-daily habits as done or not and lets the
            // frequency carry the weekly target.
            (_, Some(_)) => Some(0.0),
            (_, None) => Some((f64::from(total) / f64::from(self.rules.goal)).min(1.0)),
        };
        if let Some(value) = value {
            self.score = self.score * self.keep + value * (1.0 - self.keep);
        }

        let Some(per_week) = self.rules.per_week else {
            match status {
                DayStatus::Met => self.run.extend(),
                DayStatus::Partial | DayStatus::Missed => self.run.stop(),
                _ => {}
            }
            return;
        };
        let number = day.div_euclid(7);
        let week = match &mut self.week {
            Some(week) if week.number == number => week,
            slot => {
                // A later week has begun, so this one can no longer change.
                if let Some(done) = slot.take() {
                    done.settle(per_week, &mut self.run, false);
                }
                slot.insert(Week {
                    number,
                    met: 0,
                    open: 0,
                })
            }
        };
        if status == DayStatus::Met {
            week.met += 1;
        }
        if status != DayStatus::Skipped {
            week.open += 1;
        }
    }

    /// Settles the current week; call once the walk has reached today.
    fn finish(&mut self, history: &History, today: Date) {
        if let (Some(per_week), Some(mut current)) = (self.rules.per_week, self.week.take()) {
            current.open += open_days_after(history, today);
            current.settle(per_week, &mut self.run, true);
        }
    }
}

/// Streaks, rates and score for one habit as of `today`.
pub fn summarize(history: &History, target: Target, today: Date) -> Summary {
    let rules = Rules::new(target);
    let mut tally = Tally::new(rules);
    if let Some(first) = history.first_day {
        walk(
            history,
            rules.goal,
            (first, today),
            today,
            |day, status, total| {
                tally.day(day, status, total);
            },
        );
    }
    tally.finish(history, today);
    Summary {
        unit: match rules.per_week {
            None => StreakUnit::Days,
            Some(_) => StreakUnit::Weeks,
        },
        current: tally.run.current,
        longest: tally.run.longest,
        rate_7: rate(history, rules.goal, today, 7),
        rate_30: rate(history, rules.goal, today, 30),
        score: tally.score.clamp(0.0, 1.0),
    }
}

/// Days of today's week after today that are not skipped: the current week
/// is held to what the whole week asks (see the module docs).
fn open_days_after(history: &History, today: Date) -> u32 {
    let today = day_number(today);
    let mut open = 0;
    for day in today + 1..=today - today.rem_euclid(7) + 6 {
        if date_of(day).is_some_and(|date| !history.skipped.contains(&date)) {
            open += 1;
        }
    }
    open
}

/// Share of counted days met over the `days` days ending today.
fn rate(history: &History, goal: u32, today: Date, days: i64) -> Option<f64> {
    let Tallied { met, counted } = tally(history, goal, today, days);
    (counted > 0).then(|| f64::from(met) / f64::from(counted))
}

/// Days met out of days counted in a window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tallied {
    /// Days whose goal was met.
    pub met: u32,
    /// Days that count: met, partial or missed (not skipped, not before the
    /// first day, and today only once met).
    pub counted: u32,
}

/// The days met and counted over the `days` days ending today, by the
/// rules of the rates.
pub fn met_days(history: &History, target: Target, today: Date, days: i64) -> Tallied {
    tally(history, Rules::new(target).goal, today, days)
}

fn tally(history: &History, goal: u32, today: Date, days: i64) -> Tallied {
    let mut tallied = Tallied::default();
    let Some(first) = history.first_day else {
        return tallied;
    };
    // A window reaching before jiff's range reaches before `first` too.
    let window = date_of(day_number(today) - (days - 1)).unwrap_or(Date::MIN);
    walk(
        history,
        goal,
        (first.max(window), today),
        today,
        |_, status, _| {
            if let Some(was_met) = status.counted() {
                tallied.met += u32::from(was_met);
                tallied.counted += 1;
            }
        },
    );
    tallied
}

/// What one heatmap cell shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell {
    /// A future day, a day before the start, or one outside jiff's range.
    Blank,
    /// The goal was met.
    Met,
    /// A past day with some amount short of the goal.
    Partial,
    /// Excused and not met.
    Skipped,
    /// A past day with nothing done.
    Missed,
    /// Today, goal not met yet: still open, so, like the streak rules, it
    /// is drawn as neither partial nor missed, whatever is done so far.
    Open,
}

impl Cell {
    fn of(history: &History, target: Target, date: Date, today: Date) -> Cell {
        match day_status(history, target, date, today) {
            DayStatus::BeforeStart | DayStatus::Future => Cell::Blank,
            DayStatus::Met => Cell::Met,
            DayStatus::Skipped => Cell::Skipped,
            DayStatus::Partial => Cell::Partial,
            DayStatus::Missed => Cell::Missed,
            DayStatus::InProgress => Cell::Open,
        }
    }
}

/// One ISO week of the heatmap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// The days Monday to Sunday.
    pub days: [Cell; 7],
    /// The month (1-12) whose first day falls in this week, if one does.
    pub month_start: Option<i8>,
}

/// The calendar heatmap as data, for `cli` to draw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heatmap {
    /// The weeks, oldest first; the last one holds today.
    pub columns: Vec<Column>,
}

/// The heatmap of the last `weeks` ISO weeks, the current one last.
/// `weeks` is clamped to 520; 0 gives no columns.
pub fn heatmap(history: &History, target: Target, today: Date, weeks: u32) -> Heatmap {
    let weeks = weeks.min(MAX_HEATMAP_WEEKS);
    let today_number = day_number(today);
    let first_monday = today_number - today_number.rem_euclid(7) - 7 * (i64::from(weeks) - 1);
    let columns = (0..i64::from(weeks))
        .map(|column| {
            // Days outside jiff's range stay `None` and show blank.
            let dates: [Option<Date>; 7] =
                std::array::from_fn(|row| date_of(first_monday + column * 7 + row as i64));
            Column {
                days: dates.map(|date| {
                    date.map_or(Cell::Blank, |date| Cell::of(history, target, date, today))
                }),
                month_start: dates
                    .into_iter()
                    .flatten()
                    .find(|date| date.day() == 1)
                    .map(|date| date.month()),
            }
        })
        .collect();
    Heatmap { columns }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use jiff::ToSpan;
    use proptest::prelude::*;

    pub(crate) fn d(text: &str) -> Date {
        text.parse().unwrap()
    }

    pub(crate) fn history(first: &str, totals: &[(&str, u32)], skipped: &[&str]) -> History {
        History {
            totals: totals.iter().map(|&(day, total)| (d(day), total)).collect(),
            skipped: skipped.iter().map(|&day| d(day)).collect(),
            first_day: Some(d(first)),
        }
    }

    /// Every day of `from..=to` with the same total.
    fn every_day(from: &str, to: &str, total: u32) -> Vec<(Date, u32)> {
        let mut days = Vec::new();
        let mut day = d(from);
        while day <= d(to) {
            days.push((day, total));
            day = day.tomorrow().unwrap();
        }
        days
    }

    pub(crate) const DAILY: Target = Target {
        goal: 1,
        per_week: None,
    };

    const THRICE_WEEKLY: Target = Target {
        goal: 1,
        per_week: Some(3),
    };

    fn keep(target: Target) -> f64 {
        let frequency = target.per_week.map_or(1.0, |n| f64::from(n) / 7.0);
        0.5f64.powf(frequency.sqrt() / 13.0)
    }

    #[test]
    fn classifies_days() {
        let h = history(
            "2024-03-04",
            &[
                ("2024-03-03", 9),
                ("2024-03-04", 3),
                ("2024-03-05", 5),
                ("2024-03-06", 2),
                ("2024-03-08", 4),
                ("2024-03-10", 1),
            ],
            &["2024-03-08", "2024-03-09"],
        );
        let goal3 = Target {
            goal: 3,
            per_week: None,
        };
        let today = d("2024-03-10");
        let status = |day: &str| day_status(&h, goal3, d(day), today);
        assert_eq!(status("2024-03-03"), DayStatus::BeforeStart);
        assert_eq!(status("2024-03-04"), DayStatus::Met);
        assert_eq!(status("2024-03-05"), DayStatus::Met);
        assert_eq!(status("2024-03-06"), DayStatus::Partial);
        assert_eq!(status("2024-03-07"), DayStatus::Missed);
        // Met wins over skipped: the habit was done after all.
        assert_eq!(status("2024-03-08"), DayStatus::Met);
        assert_eq!(status("2024-03-09"), DayStatus::Skipped);
        assert_eq!(status("2024-03-10"), DayStatus::InProgress);
        assert_eq!(status("2024-03-11"), DayStatus::Future);
        assert_eq!(
            day_status(&h, goal3, d("2024-03-05"), d("2024-03-05")),
            DayStatus::Met
        );
        let none = History::default();
        assert_eq!(
            day_status(&none, goal3, today, today),
            DayStatus::BeforeStart
        );
        // A goal of 0 is read as 1, so an empty day is not met.
        let zero = Target {
            goal: 0,
            per_week: None,
        };
        assert_eq!(
            day_status(&h, zero, d("2024-03-07"), today),
            DayStatus::Missed
        );
    }

    #[test]
    fn skipped_day_neither_breaks_nor_extends() {
        let h = history(
            "2024-03-01",
            &[("2024-03-01", 1), ("2024-03-03", 1)],
            &["2024-03-02"],
        );
        let s = summarize(&h, DAILY, d("2024-03-04"));
        assert_eq!((s.unit, s.current, s.longest), (StreakUnit::Days, 2, 2));
        let no_skip = history("2024-03-01", &[("2024-03-01", 1), ("2024-03-03", 1)], &[]);
        let s = summarize(&no_skip, DAILY, d("2024-03-04"));
        assert_eq!((s.current, s.longest), (1, 1));
    }

    #[test]
    fn today_in_progress_keeps_streak_and_today_met_extends_it() {
        let mut h = history(
            "2024-03-01",
            &[("2024-03-01", 2), ("2024-03-02", 2), ("2024-03-03", 1)],
            &[],
        );
        let goal2 = Target {
            goal: 2,
            per_week: None,
        };
        let today = d("2024-03-03");
        assert_eq!(summarize(&h, goal2, today).current, 2);
        h.totals.insert(today, 2);
        assert_eq!(summarize(&h, goal2, today).current, 3);
        // The next day, an unmet yesterday breaks it.
        h.totals.insert(today, 1);
        let s = summarize(&h, goal2, d("2024-03-04"));
        assert_eq!((s.current, s.longest), (0, 2));
    }

    #[test]
    fn gap_breaks_streak() {
        let h = history(
            "2024-03-01",
            &[("2024-03-01", 1), ("2024-03-02", 1), ("2024-03-04", 1)],
            &[],
        );
        let s = summarize(&h, DAILY, d("2024-03-04"));
        assert_eq!((s.current, s.longest), (1, 2));
        let s = summarize(&h, DAILY, d("2024-03-06"));
        assert_eq!((s.current, s.longest), (0, 2));
    }

    #[test]
    fn days_before_first_day_are_ignored() {
        let mut h = history(
            "2024-03-05",
            &[("2024-03-01", 1), ("2024-03-02", 1), ("2024-03-03", 1)],
            &[],
        );
        h.totals.extend(every_day("2024-03-05", "2024-03-07", 1));
        let s = summarize(&h, DAILY, d("2024-03-07"));
        assert_eq!((s.current, s.longest), (3, 3));
        assert_eq!(s.rate_7, Some(1.0));
        assert!((s.score - (1.0 - keep(DAILY).powi(3))).abs() < 1e-12);
        assert_eq!(
            summarize(&h, DAILY, d("2024-03-03")),
            summarize(&History::default(), DAILY, d("2024-03-03"))
        );
        let empty = summarize(&History::default(), DAILY, d("2024-03-07"));
        assert_eq!(
            empty,
            Summary {
                unit: StreakUnit::Days,
                current: 0,
                longest: 0,
                rate_7: None,
                rate_30: None,
                score: 0.0,
            }
        );
    }

    #[test]
    fn longest_over_several_runs() {
        let mut h = history("2024-01-01", &[], &[]);
        h.totals.extend(every_day("2024-01-01", "2024-01-03", 1));
        h.totals.extend(every_day("2024-01-05", "2024-01-09", 1));
        h.totals.extend(every_day("2024-01-11", "2024-01-12", 1));
        let s = summarize(&h, DAILY, d("2024-01-13"));
        assert_eq!((s.current, s.longest), (2, 5));
        let s = summarize(&h, DAILY, d("2024-01-08"));
        assert_eq!((s.current, s.longest), (4, 4));
    }

    // 2024-01-01 is a Monday: weeks start on the 1st, 8th, 15th, 22nd, 29th.
    fn thrice(week_monday: u32) -> Vec<(String, u32)> {
        [0, 2, 4]
            .iter()
            .map(|offset| (format!("2024-01-{:02}", week_monday + offset), 1))
            .collect()
    }

    fn weekly(first: &str, met: &[&str], skipped: &[&str]) -> History {
        let totals: Vec<(&str, u32)> = met.iter().map(|&day| (day, 1)).collect();
        history(first, &totals, skipped)
    }

    fn weekly_from(first: &str, weeks: &[u32], extra: &[&str], skipped: &[&str]) -> History {
        let mut h = weekly(first, extra, skipped);
        for &monday in weeks {
            for (day, total) in thrice(monday) {
                h.totals.insert(d(&day), total);
            }
        }
        h
    }

    #[test]
    fn weekly_streak_counts_consecutive_weeks_with_current_in_progress() {
        let mut h = weekly_from("2024-01-01", &[1, 8, 15], &["2024-01-22"], &[]);
        let s = summarize(&h, THRICE_WEEKLY, d("2024-01-23"));
        assert_eq!((s.unit, s.current, s.longest), (StreakUnit::Weeks, 3, 3));
        // Reaching the count in the current week extends it.
        h.totals.insert(d("2024-01-23"), 1);
        h.totals.insert(d("2024-01-24"), 1);
        let s = summarize(&h, THRICE_WEEKLY, d("2024-01-24"));
        assert_eq!((s.current, s.longest), (4, 4));
        // A current week counts only once earned, not after one met Monday.
        let h = weekly_from("2024-01-01", &[1, 8], &["2024-01-15"], &[]);
        assert_eq!(summarize(&h, THRICE_WEEKLY, d("2024-01-15")).current, 2);
        assert_eq!(summarize(&h, THRICE_WEEKLY, d("2024-01-16")).current, 2);
    }

    #[test]
    fn weekly_skips_lower_the_requirement() {
        let skips = [
            "2024-01-08",
            "2024-01-09",
            "2024-01-10",
            "2024-01-11",
            "2024-01-12",
        ];
        let h = weekly_from(
            "2024-01-01",
            &[1, 15],
            &["2024-01-13", "2024-01-14"],
            &skips,
        );
        let s = summarize(&h, THRICE_WEEKLY, d("2024-01-22"));
        assert_eq!((s.current, s.longest), (3, 3));
        // Two days left to ask for, one met: the week fails.
        let h = weekly_from("2024-01-01", &[1, 15], &["2024-01-13"], &skips);
        let s = summarize(&h, THRICE_WEEKLY, d("2024-01-22"));
        assert_eq!((s.current, s.longest), (1, 1));
        // A fully skipped week is neutral.
        let all: Vec<String> = (8..=14).map(|day| format!("2024-01-{day:02}")).collect();
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        let h = weekly_from("2024-01-01", &[1, 15], &[], &all);
        assert_eq!(summarize(&h, THRICE_WEEKLY, d("2024-01-22")).current, 2);
        // Skipping the rest of the current week lowers what it asks now.
        let h = weekly_from(
            "2024-01-01",
            &[1],
            &["2024-01-08"],
            &[
                "2024-01-09",
                "2024-01-10",
                "2024-01-11",
                "2024-01-12",
                "2024-01-13",
                "2024-01-14",
            ],
        );
        assert_eq!(summarize(&h, THRICE_WEEKLY, d("2024-01-08")).current, 2);
    }

    #[test]
    fn weekly_first_partial_week_asks_only_its_days() {
        // First day on a Saturday: two days to ask for.
        let h = weekly_from("2024-01-06", &[8], &["2024-01-06", "2024-01-07"], &[]);
        let s = summarize(&h, THRICE_WEEKLY, d("2024-01-15"));
        assert_eq!((s.current, s.longest), (2, 2));
        let h = weekly_from("2024-01-06", &[8], &["2024-01-06"], &[]);
        let s = summarize(&h, THRICE_WEEKLY, d("2024-01-15"));
        assert_eq!((s.current, s.longest), (1, 1));
    }

    #[test]
    fn weekly_failed_week_breaks_streak() {
        let h = weekly_from(
            "2024-01-01",
            &[1, 8, 22],
            &["2024-01-15", "2024-01-16"],
            &[],
        );
        let s = summarize(&h, THRICE_WEEKLY, d("2024-01-30"));
        assert_eq!((s.current, s.longest), (1, 2));
        // A past week under its count breaks even when the current one
        // has nothing yet.
        let s = summarize(&h, THRICE_WEEKLY, d("2024-02-05"));
        assert_eq!((s.current, s.longest), (0, 2));
    }

    #[test]
    fn rates_leave_out_skips_unmet_today_and_days_before_start() {
        // Window for 7 days: 03-04..=03-10.
        let h = history(
            "2024-03-05",
            &[
                ("2024-03-04", 1),
                ("2024-03-05", 1),
                ("2024-03-06", 1),
                ("2024-03-08", 1),
            ],
            &["2024-03-07", "2024-03-08"],
        );
        let s = summarize(&h, DAILY, d("2024-03-10"));
        // Counted: 05 met, 06 met, 08 met (met wins over skip), 09 missed.
        assert_eq!(s.rate_7, Some(0.75));
        assert_eq!(s.rate_30, Some(0.75));
        let mut h = h;
        h.totals.insert(d("2024-03-10"), 1);
        let s = summarize(&h, DAILY, d("2024-03-10"));
        assert_eq!(s.rate_7, Some(0.8));
        // Only today, unmet: nothing counted.
        let h = history("2024-03-10", &[], &[]);
        assert_eq!(summarize(&h, DAILY, d("2024-03-10")).rate_7, None);
        // The 7-day window drops older days, the 30-day one keeps them.
        let h = history("2024-03-01", &[("2024-03-01", 1)], &[]);
        let s = summarize(&h, DAILY, d("2024-03-10"));
        assert_eq!(s.rate_7, Some(0.0));
        assert_eq!(s.rate_30, Some(1.0 / 9.0));
    }

    #[test]
    fn score_follows_loop_habit_tracker() {
        let m = keep(DAILY);
        let one = history("2024-03-01", &[("2024-03-01", 1)], &[]);
        let s = summarize(&one, DAILY, d("2024-03-02"));
        assert!((s.score - (1.0 - 0.5f64.powf(1.0 / 13.0))).abs() < 1e-12);
        // Today unmet is left out; today met counts.
        assert_eq!(summarize(&one, DAILY, d("2024-03-01")).score, s.score);
        // A partial day scores its share of the goal.
        let goal2 = Target {
            goal: 2,
            per_week: None,
        };
        let s = summarize(&one, goal2, d("2024-03-02"));
        assert!((s.score - 0.5 * (1.0 - m)).abs() < 1e-12);
        // Weekly: done-or-not, with the slower decay of f = 3/7.
        let s = summarize(&one, THRICE_WEEKLY, d("2024-03-02"));
        assert!((s.score - (1.0 - keep(THRICE_WEEKLY))).abs() < 1e-12);
        assert!(keep(THRICE_WEEKLY) > m);
        assert_eq!(summarize(&one, goal2, d("2024-03-02")).current, 0);
    }

    #[test]
    fn score_of_all_met_rises_and_all_missed_stays_zero() {
        let mut h = history("2024-01-01", &[], &[]);
        h.totals.extend(every_day("2024-01-01", "2024-12-31", 1));
        let mut previous = 0.0;
        for day in every_day("2024-01-02", "2024-04-30", 0) {
            let score = summarize(&h, DAILY, day.0).score;
            assert!(score > previous);
            previous = score;
        }
        assert!(previous > 0.99 && previous <= 1.0);
        let missed = history("2024-01-01", &[("2024-01-02", 0)], &[]);
        assert_eq!(summarize(&missed, DAILY, d("2024-12-31")).score, 0.0);
    }

    #[test]
    fn skipped_days_leave_score_unchanged() {
        let plain = history("2024-03-01", &[("2024-03-01", 1), ("2024-03-02", 1)], &[]);
        let with_skips = history(
            "2024-03-01",
            &[("2024-03-01", 1), ("2024-03-04", 1)],
            &["2024-03-02", "2024-03-03"],
        );
        let a = summarize(&plain, DAILY, d("2024-03-03")).score;
        let b = summarize(&with_skips, DAILY, d("2024-03-05")).score;
        assert_eq!(a, b);
    }

    pub(crate) fn sample() -> (History, Target, Date) {
        let h = history(
            "2024-02-27",
            &[
                ("2024-02-26", 5),
                ("2024-02-27", 2),
                ("2024-02-28", 1),
                ("2024-03-02", 5),
                ("2024-03-04", 2),
                ("2024-03-05", 1),
                ("2024-03-06", 1),
            ],
            &["2024-03-01"],
        );
        let target = Target {
            goal: 2,
            per_week: None,
        };
        (h, target, d("2024-03-06"))
    }

    #[test]
    fn heatmap_cells_and_month_starts() {
        use Cell::*;
        let (h, target, today) = sample();
        let map = heatmap(&h, target, today, 2);
        assert_eq!(
            map.columns,
            [
                Column {
                    days: [Blank, Met, Partial, Missed, Skipped, Met, Missed],
                    // 2024-03-01 is the Friday of the first week.
                    month_start: Some(3),
                },
                Column {
                    // Today (Wednesday) is in progress with 1 of 2.
                    days: [Met, Partial, Open, Blank, Blank, Blank, Blank],
                    month_start: None,
                },
            ]
        );
        // Today in progress with nothing is open too, not missed; met, it is met.
        let mut h = h;
        h.totals.remove(&today);
        assert_eq!(heatmap(&h, target, today, 2).columns[1].days[2], Open);
        h.totals.insert(today, 2);
        assert_eq!(heatmap(&h, target, today, 2).columns[1].days[2], Met);
        assert!(heatmap(&h, target, today, 0).columns.is_empty());
        assert_eq!(heatmap(&h, target, today, u32::MAX).columns.len(), 520);
    }

    #[test]
    fn extreme_dates_do_not_panic() {
        let target = Target {
            goal: 1,
            per_week: Some(1),
        };
        for today in [Date::MIN, Date::MAX] {
            let h = History {
                totals: [(today, 1)].into_iter().collect(),
                skipped: [today].into_iter().collect(),
                first_day: Some(today),
            };
            for target in [target, DAILY] {
                let s = summarize(&h, target, today);
                assert_eq!(s.longest, 1);
                assert_eq!(s.rate_30, Some(1.0));
                assert_eq!(heatmap(&h, target, today, 3).columns.len(), 3);
            }
        }
        let h = History {
            first_day: Some(Date::MAX),
            ..History::default()
        };
        assert_eq!(summarize(&h, DAILY, Date::MIN).longest, 0);
        // The whole range of jiff dates, walked once per summary.
        let h = History {
            totals: [(Date::MIN, 1), (Date::MAX, 1)].into_iter().collect(),
            skipped: BTreeSet::new(),
            first_day: Some(Date::MIN),
        };
        let s = summarize(&h, DAILY, Date::MAX);
        assert_eq!((s.current, s.longest, s.rate_7), (1, 1, Some(1.0 / 7.0)));
    }

    #[test]
    fn fifty_years_is_fast_enough() {
        let mut h = history("1975-01-01", &[], &[]);
        h.totals.extend(every_day("1975-01-01", "2024-12-31", 1));
        let started = std::time::Instant::now();
        let s = summarize(&h, DAILY, d("2024-12-31"));
        assert_eq!(s.current, s.longest);
        assert_eq!(usize::try_from(s.longest).unwrap(), h.totals.len());
        let s = summarize(&h, THRICE_WEEKLY, d("2024-12-31"));
        assert_eq!(s.current, s.longest);
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    /// The rules spelled out the slow way: a day at a time through
    /// `day_status`, weeks keyed by jiff's ISO week dates.
    fn reference(history: &History, target: Target, today: Date) -> Summary {
        let goal = target.goal.max(1);
        let per_week = target.per_week.map(|n| u32::from(n.clamp(1, 7)));
        let m = keep(Target {
            goal,
            per_week: per_week.map(|n| n as u8),
        });
        let mut days = Vec::new();
        if let Some(mut day) = history.first_day {
            while day <= today {
                days.push((day, day_status(history, target, day, today)));
                match day.tomorrow() {
                    Ok(next) => day = next,
                    Err(_) => break,
                }
            }
        }
        let mut score = 0.0;
        for &(day, status) in &days {
            let total = history.totals.get(&day).copied().unwrap_or(0);
            let value = match status {
                DayStatus::Skipped | DayStatus::InProgress => continue,
                DayStatus::Met => 1.0,
                _ if per_week.is_some() => 0.0,
                _ => (f64::from(total) / f64::from(goal)).min(1.0),
            };
            score = score * m + value * (1.0 - m);
        }
        let (mut current, mut longest) = (0, 0);
        match per_week {
            None => {
                for &(_, status) in &days {
                    match status {
                        DayStatus::Met => {
                            current += 1;
                            longest = longest.max(current);
                        }
                        DayStatus::Partial | DayStatus::Missed => current = 0,
                        _ => {}
                    }
                }
            }
            Some(n) => {
                let key = |day: Date| {
                    let week = day.iso_week_date();
                    (week.year(), week.week())
                };
                let mut weeks: BTreeMap<(i16, i8), (u32, u32)> = BTreeMap::new();
                for &(day, status) in &days {
                    let week = weeks.entry(key(day)).or_default();
                    week.0 += u32::from(status == DayStatus::Met);
                    week.1 += u32::from(status != DayStatus::Skipped);
                }
                if let Some(week) = weeks.get_mut(&key(today)) {
                    let mut day = today;
                    while let Ok(next) = day.tomorrow() {
                        if key(next) != key(today) {
                            break;
                        }
                        week.1 += u32::from(!history.skipped.contains(&next));
                        day = next;
                    }
                }
                for (week, (met, open)) in weeks {
                    let need = n.min(open);
                    if need == 0 {
                        continue;
                    }
                    if met >= need {
                        current += 1;
                        longest = longest.max(current);
                    } else if week != key(today) {
                        current = 0;
                    }
                }
            }
        }
        let rate = |n: i32| {
            let (mut met, mut counted) = (0u32, 0u32);
            let mut day = today;
            for _ in 0..n {
                match day_status(history, target, day, today) {
                    DayStatus::Met => {
                        met += 1;
                        counted += 1;
                    }
                    DayStatus::Partial | DayStatus::Missed => counted += 1,
                    _ => {}
                }
                match day.yesterday() {
                    Ok(previous) => day = previous,
                    Err(_) => break,
                }
            }
            (counted > 0).then(|| f64::from(met) / f64::from(counted))
        };
        Summary {
            unit: if per_week.is_some() {
                StreakUnit::Weeks
            } else {
                StreakUnit::Days
            },
            current,
            longest,
            rate_7: rate(7),
            rate_30: rate(30),
            score,
        }
    }

    fn day_at(offset: i64) -> Date {
        d("2024-01-01").checked_add(offset.days()).unwrap()
    }

    pub(crate) fn arb_case() -> impl Strategy<Value = (History, Target, Date)> {
        (
            prop::collection::btree_map(0i64..120, 0u32..15, 0..90),
            prop::collection::btree_set(0i64..120, 0..25),
            prop::option::weighted(0.95, 0i64..120),
            0i64..130,
            0u32..10,
            prop::option::of(1u8..=7),
        )
            .prop_map(|(totals, skipped, first, today, goal, per_week)| {
                let history = History {
                    totals: totals.into_iter().map(|(o, t)| (day_at(o), t)).collect(),
                    skipped: skipped.into_iter().map(day_at).collect(),
                    first_day: first.map(day_at),
                };
                (history, Target { goal, per_week }, day_at(today))
            })
    }

    fn in_unit(rate: Option<f64>) -> bool {
        rate.is_none_or(|r| (0.0..=1.0).contains(&r))
    }

    proptest! {
        #[test]
        fn summary_is_within_bounds((h, target, today) in arb_case()) {
            let s = summarize(&h, target, today);
            prop_assert!(s.current <= s.longest);
            prop_assert!((0.0..=1.0).contains(&s.score));
            prop_assert!(in_unit(s.rate_7) && in_unit(s.rate_30));
            prop_assert_eq!(s.unit == StreakUnit::Weeks, target.per_week.is_some());
        }

        #[test]
        fn summary_matches_day_by_day_reference((h, target, today) in arb_case()) {
            let fast = summarize(&h, target, today);
            let slow = reference(&h, target, today);
            prop_assert_eq!((fast.current, fast.longest), (slow.current, slow.longest));
            prop_assert_eq!((fast.rate_7, fast.rate_30), (slow.rate_7, slow.rate_30));
            prop_assert!((fast.score - slow.score).abs() < 1e-12);
        }

        #[test]
        fn heatmap_has_a_column_per_week_ending_today(
            (h, target, today) in arb_case(),
            weeks in 0u32..14,
        ) {
            let map = heatmap(&h, target, today, weeks);
            prop_assert_eq!(map.columns.len(), weeks as usize);
            if let Some(last) = map.columns.last() {
                let today_row = usize::from(today.weekday().to_monday_zero_offset().unsigned_abs());
                prop_assert!(last.days[today_row + 1..].iter().all(|&c| c == Cell::Blank));
            }
        }

        #[test]
        fn skipping_a_day_never_lowers_streaks(
            (h, target, today) in arb_case(),
            extra in 0i64..130,
        ) {
            let before = summarize(&h, target, today);
            let mut h = h;
            h.skipped.insert(day_at(extra));
            let after = summarize(&h, target, today);
            prop_assert!(after.current >= before.current);
            prop_assert!(after.longest >= before.longest);
        }

        #[test]
        fn meeting_a_day_never_lowers_streaks(
            (h, target, today) in arb_case(),
            extra in 0i64..130,
        ) {
            let before = summarize(&h, target, today);
            let mut h = h;
            h.totals.insert(day_at(extra), target.goal.max(1));
            let after = summarize(&h, target, today);
            prop_assert!(after.current >= before.current);
            prop_assert!(after.longest >= before.longest);
            if day_at(extra) == today {
                prop_assert!(after.score >= before.score);
            }
        }
    }
}
