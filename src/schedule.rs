//! When a habit's reminders fall: the three schedule kinds and the rules that
//! turn local wall-clock times into instants.
//!
//! This is the only place that knows about DST. The rules, for every kind:
//! - a local time that exists once fires at that instant;
//! - in a fold (clocks set back) it fires once, at the earlier instant;
//! - in a gap (clocks set forward) it fires once, at the first instant after
//!   the gap, and several times named inside one gap collapse into one.
//!
//! Pure: the zone and the instant to search from are arguments; no clock.

use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Timestamp};

use crate::calendar::weekday_name;
use crate::cron::CronExpr;
use crate::timespec::{ClockTime, HumanDuration, Window};

/// The days of the week a schedule runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Days(u8);

impl Days {
    /// Every day.
    pub const DAILY: Days = Days(0b111_1111);
    /// Monday to Friday.
    pub const WEEKDAYS: Days = Days(0b001_1111);
    /// Saturday and Sunday.
    pub const WEEKENDS: Days = Days(0b110_0000);
    /// Sunday alone.
    pub const SUNDAY: Days = Days(0b100_0000);

    /// No day at all; a schedule needs at least one.
    pub fn none() -> Days {
        Days(0)
    }

    /// These days plus `day`.
    pub fn with(self, day: Weekday) -> Days {
        Days(self.0 | Self::bit(day))
    }

    /// Whether `day` is one of these days.
    pub fn contains(self, day: Weekday) -> bool {
        self.0 & Self::bit(day) != 0
    }

    /// Whether no day is selected.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    fn bit(day: Weekday) -> u8 {
        1 << (day.to_monday_zero_offset())
    }
}

impl std::fmt::Display for Days {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Days::DAILY => f.write_str("every day"),
            Days::WEEKDAYS => f.write_str("on weekdays"),
            Days::WEEKENDS => f.write_str("on weekends"),
            days => {
                let names: Vec<&str> = (0..7)
                    .map(|i| Weekday::Monday.wrapping_add(i))
                    .filter(|&d| days.contains(d))
                    .map(weekday_name)
                    .collect();
                write!(f, "on {}", names.join(", "))
            }
        }
    }
}

/// When a habit is reminded, in local wall-clock terms.
#[derive(Clone, Debug, PartialEq)]
pub enum Schedule {
    /// Fixed times of day, sorted and without repeats.
    At {
        /// The times, ascending.
        times: Vec<Time>,
        /// The days they apply to.
        days: Days,
    },
    /// A grid of times from the window's start, `interval` apart, up to and
    /// including its end.
    Every {
        /// Distance between reminders; at least one second.
        interval: SignedDuration,
        /// The part of the day the grid covers.
        window: Window,
        /// The days the window opens on.
        days: Days,
    },
    /// A cron expression on local wall-clock time.
    Cron(CronExpr),
    /// For count goals: remind when the day's total falls behind an even pace
    /// to the goal across the window, never closer than `min_gap`. When a
    /// reminder falls depends on the history, so [`crate::plan`] computes it;
    /// on its own this schedule names only the window's opening each day.
    Pace {
        /// The part of the day the goal is spread over.
        window: Window,
        /// The shortest time between two reminders.
        min_gap: SignedDuration,
    },
}

impl Schedule {
    /// The first local time at or after `from` that this schedule names, or
    /// `None` if there is none in the searchable future.
    pub fn next_civil_at_or_after(&self, from: DateTime) -> Option<DateTime> {
        match self {
            Schedule::Cron(cron) => cron.next_at_or_after(from),
            Schedule::At { times, days } => first_on_days(from, *days, |date| {
                times.iter().map(move |&t| date.to_datetime(t))
            }),
            Schedule::Every {
                interval,
                window,
                days,
            } => first_on_days(from, *days, |date| grid(date, *interval, *window, from)),
            Schedule::Pace { window, .. } => first_on_days(from, Days::DAILY, |date| {
                std::iter::once(date.to_datetime(window.start))
            }),
        }
    }

    /// The first instant strictly after `after` at which this schedule fires
    /// in `tz`, following the DST rules of this module.
    pub fn next_after(&self, tz: &TimeZone, after: Timestamp) -> Option<Timestamp> {
        // Mapping local times to instants is monotone (folds take the earlier
        // instant, gaps the transition), so no local time before `after`'s own
        // can map past it, and scanning forward from there finds the first.
        let mut candidate = tz
            .to_datetime(after)
            .with()
            .subsec_nanosecond(0)
            .build()
            .ok()?;
        // A fold can hold an hour of candidates that map before `after`; with
        // one-second grids that is thousands, so the bound is generous.
        for _ in 0..MAX_CANDIDATES {
            let civil = self.next_civil_at_or_after(candidate)?;
            let instant = resolve(tz, civil)?;
            if instant > after {
                return Some(instant);
            }
            candidate = civil.checked_add(SignedDuration::from_secs(1)).ok()?;
        }
        None
    }

    /// The schedule in words, e.g. `at 12:30 every day`.
    pub fn describe(&self) -> String {
        match self {
            Schedule::At { times, days } => {
                let times: Vec<String> = times.iter().map(|&t| ClockTime(t).to_string()).collect();
                format!("at {} {days}", times.join(", "))
            }
            Schedule::Every {
                interval,
                window,
                days,
            } => {
                let span = if *window == Window::WHOLE_DAY {
                    "from 00:00".to_string()
                } else {
                    format!(
                        "from {} to {}",
                        ClockTime(window.start),
                        ClockTime(window.end)
                    )
                };
                format!("every {} {span} {days}", HumanDuration(*interval))
            }
            Schedule::Cron(cron) => format!("cron `{}`: {}", cron.as_str(), cron.describe()),
            Schedule::Pace { window, min_gap } => format!(
                "at an even pace from {} to {}, at least {} apart",
                ClockTime(window.start),
                ClockTime(window.end),
                HumanDuration(*min_gap)
            ),
        }
    }
}

const MAX_CANDIDATES: usize = 100_000;

/// How many days ahead fixed-time schedules look; any non-empty set of days
/// has a member within a week.
const DAYS_AHEAD: i32 = 8;

/// The first time produced by `times_on` for an allowed date, at or after `from`.
fn first_on_days<I>(from: DateTime, days: Days, times_on: impl Fn(Date) -> I) -> Option<DateTime>
where
    I: Iterator<Item = DateTime>,
{
    // Start a day early: a window that wraps past midnight belongs to the day
    // it opened on, so yesterday's grid can still be running.
    let mut date = from.date().yesterday().ok()?;
    for _ in 0..=DAYS_AHEAD {
        if days.contains(date.weekday())
            && let Some(found) = times_on(date).find(|&dt| dt >= from)
        {
            return Some(found);
        }
        date = date.tomorrow().ok()?;
    }
    None
}

/// The `every` grid of one day (start, start + interval, … up to the end),
/// from its first point at or after `from`: computed, not walked to, so a
/// one-second grid costs no more than an hourly one.
fn grid(
    date: Date,
    interval: SignedDuration,
    window: Window,
    from: DateTime,
) -> impl Iterator<Item = DateTime> {
    let step = interval.max(SignedDuration::from_secs(1));
    let first = date.to_datetime(window.start);
    let behind = from.duration_since(first);
    let start = if behind.is_positive() {
        let steps = (behind.as_secs() + step.as_secs() - 1) / step.as_secs();
        step.checked_mul(i32::try_from(steps).unwrap_or(i32::MAX))
            .and_then(|offset| first.checked_add(offset).ok())
            .unwrap_or(first)
    } else {
        first
    };
    let end = if window.wraps() {
        date.tomorrow().map(|d| d.to_datetime(window.end))
    } else {
        Ok(date.to_datetime(window.end))
    };
    std::iter::successors(Some(start), move |&dt| dt.checked_add(step).ok())
        .take_while(move |dt| end.as_ref().is_ok_and(|end| dt <= end))
}

/// The instant a local time fires at in `tz`, by the rules in the module doc.
/// `None` only at the ends of representable time.
pub fn resolve(tz: &TimeZone, civil: DateTime) -> Option<Timestamp> {
    match tz.to_ambiguous_timestamp(civil).offset() {
        AmbiguousOffset::Unambiguous { offset } => offset.to_timestamp(civil).ok(),
        // The offset in force before the fold is the larger one, so it gives
        // the earlier of the two instants.
        AmbiguousOffset::Fold { before, .. } => before.to_timestamp(civil).ok(),
        AmbiguousOffset::Gap { before, after } => {
            // Read with the offset after the gap, the local time is an instant
            // just before the transition; the transition itself is the first
            // instant after the gap.
            let just_before = after.to_timestamp(civil).ok()?;
            let latest = before.to_timestamp(civil).ok()?;
            tz.following(just_before)
                .next()
                .map(|transition| transition.timestamp())
                .filter(|&at| at <= latest)
                .or(Some(latest))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, time};

    fn tz(name: &str) -> TimeZone {
        TimeZone::get(name).unwrap()
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn daily_at(times: &[Time]) -> Schedule {
        Schedule::At {
            times: times.to_vec(),
            days: Days::DAILY,
        }
    }

    /// The instants a schedule fires at in `(from, until]`.
    fn fires(schedule: &Schedule, zone: &str, from: &str, until: &str) -> Vec<String> {
        let zone = tz(zone);
        let until = at(until);
        let mut out = Vec::new();
        let mut cursor = at(from);
        while let Some(next) = schedule.next_after(&zone, cursor) {
            if next > until {
                break;
            }
            out.push(next.to_string());
            cursor = next;
        }
        out
    }

    #[test]
    fn fixed_times_fire_in_order_on_their_days() {
        let s = Schedule::At {
            times: vec![time(9, 0, 0, 0), time(17, 30, 0, 0)],
            days: Days::WEEKDAYS,
        };
        // 2026-11-27 is a Friday.
        assert_eq!(
            fires(&s, "UTC", "2026-11-27T08:00:00Z", "2026-11-30T10:00:00Z"),
            [
                "2026-11-27T09:00:00Z",
                "2026-11-27T17:30:00Z",
                "2026-11-30T09:00:00Z"
            ]
        );
    }

    #[test]
    fn next_after_is_strict() {
        let s = daily_at(&[time(12, 30, 0, 0)]);
        let zone = tz("UTC");
        assert_eq!(
            s.next_after(&zone, at("2026-11-26T12:30:00Z")),
            Some(at("2026-11-27T12:30:00Z"))
        );
        assert_eq!(
            s.next_after(&zone, at("2026-11-26T12:29:59.999Z")),
            Some(at("2026-11-26T12:30:00Z"))
        );
    }

    #[test]
    fn every_grid_includes_the_end() {
        let s = Schedule::Every {
            interval: SignedDuration::from_hours(4),
            window: Window {
                start: time(9, 0, 0, 0),
                end: time(21, 0, 0, 0),
            },
            days: Days::DAILY,
        };
        assert_eq!(
            fires(&s, "UTC", "2026-11-26T00:00:00Z", "2026-11-27T09:00:00Z"),
            [
                "2026-11-26T09:00:00Z",
                "2026-11-26T13:00:00Z",
                "2026-11-26T17:00:00Z",
                "2026-11-26T21:00:00Z",
                "2026-11-27T09:00:00Z"
            ]
        );
    }

    #[test]
    fn every_window_past_midnight_belongs_to_its_first_day() {
        let s = Schedule::Every {
            interval: SignedDuration::from_hours(2),
            window: Window {
                start: time(22, 0, 0, 0),
                end: time(2, 0, 0, 0),
            },
            // 2026-11-27 is a Friday: its window runs into Saturday morning,
            // and Saturday's own window does not open.
            days: Days::none().with(Weekday::Friday),
        };
        assert_eq!(
            fires(&s, "UTC", "2026-11-27T00:00:00Z", "2026-11-29T00:00:00Z"),
            [
                "2026-11-27T22:00:00Z",
                "2026-11-28T00:00:00Z",
                "2026-11-28T02:00:00Z"
            ]
        );
    }

    // DST: America/New_York, 2026-03-08 02:00 -> 03:00 (gap) and
    // 2026-11-01 02:00 -> 01:00 (fold).

    #[test]
    fn new_york_gap_fires_at_the_end_of_the_gap() {
        let s = daily_at(&[time(2, 30, 0, 0)]);
        assert_eq!(
            fires(
                &s,
                "America/New_York",
                "2026-03-07T12:00:00Z",
                "2026-03-09T12:00:00Z"
            ),
            [
                "2026-03-08T07:00:00Z", // 03:00 EDT, the first instant after the gap
                "2026-03-09T06:30:00Z"  // 02:30 EDT
            ]
        );
    }

    #[test]
    fn new_york_fold_fires_once_at_the_earlier_instant() {
        let s = daily_at(&[time(1, 30, 0, 0)]);
        assert_eq!(
            fires(
                &s,
                "America/New_York",
                "2026-10-31T12:00:00Z",
                "2026-11-02T12:00:00Z"
            ),
            [
                "2026-11-01T05:30:00Z", // 01:30 EDT; not again at 01:30 EST
                "2026-11-02T06:30:00Z"
            ]
        );
    }

    #[test]
    fn new_york_every_collapses_gap_times_and_skips_the_repeat() {
        let s = Schedule::Every {
            interval: SignedDuration::from_mins(30),
            window: Window {
                start: time(1, 0, 0, 0),
                end: time(3, 30, 0, 0),
            },
            days: Days::DAILY,
        };
        // Gap day: 01:00 01:30 EST, then 02:00, 02:30 and 03:00 all at 03:00 EDT, then 03:30.
        assert_eq!(
            fires(
                &s,
                "America/New_York",
                "2026-03-08T00:00:00Z",
                "2026-03-08T12:00:00Z"
            ),
            [
                "2026-03-08T06:00:00Z",
                "2026-03-08T06:30:00Z",
                "2026-03-08T07:00:00Z",
                "2026-03-08T07:30:00Z"
            ]
        );
        // Fold day: 01:00 01:30 EDT, then 02:00 03:00 03:30 EST; 01:xx EST not repeated.
        assert_eq!(
            fires(
                &s,
                "America/New_York",
                "2026-11-01T00:00:00Z",
                "2026-11-01T12:00:00Z"
            ),
            [
                "2026-11-01T05:00:00Z",
                "2026-11-01T05:30:00Z",
                "2026-11-01T07:00:00Z",
                "2026-11-01T07:30:00Z",
                "2026-11-01T08:00:00Z",
                "2026-11-01T08:30:00Z"
            ]
        );
    }

    #[test]
    fn new_york_cron_follows_the_same_rules() {
        let s = Schedule::Cron(CronExpr::parse("15,45 1-3 * * *").unwrap());
        assert_eq!(
            fires(
                &s,
                "America/New_York",
                "2026-03-08T05:00:00Z",
                "2026-03-08T08:00:00Z"
            ),
            [
                "2026-03-08T06:15:00Z", // 01:15 EST
                "2026-03-08T06:45:00Z", // 01:45 EST
                "2026-03-08T07:00:00Z", // 02:15 and 02:45 collapse at 03:00 EDT
                "2026-03-08T07:15:00Z", // 03:15 EDT
                "2026-03-08T07:45:00Z"
            ]
        );
        assert_eq!(
            fires(
                &s,
                "America/New_York",
                "2026-11-01T04:00:00Z",
                "2026-11-01T09:00:00Z"
            ),
            [
                "2026-11-01T05:15:00Z", // 01:15 EDT
                "2026-11-01T05:45:00Z", // 01:45 EDT; the EST repeats do not fire
                "2026-11-01T07:15:00Z", // 02:15 EST
                "2026-11-01T07:45:00Z",
                "2026-11-01T08:15:00Z", // 03:15 EST
                "2026-11-01T08:45:00Z"
            ]
        );
    }

    // Europe/Berlin: 2026-03-29 02:00 -> 03:00, 2026-10-25 03:00 -> 02:00.

    #[test]
    fn berlin_all_kinds() {
        let at_gap = daily_at(&[time(2, 15, 0, 0), time(2, 45, 0, 0)]);
        assert_eq!(
            fires(
                &at_gap,
                "Europe/Berlin",
                "2026-03-28T12:00:00Z",
                "2026-03-29T12:00:00Z"
            ),
            ["2026-03-29T01:00:00Z"] // both collapse to 03:00 CEST
        );
        let at_fold = daily_at(&[time(2, 30, 0, 0)]);
        assert_eq!(
            fires(
                &at_fold,
                "Europe/Berlin",
                "2026-10-24T12:00:00Z",
                "2026-10-25T12:00:00Z"
            ),
            ["2026-10-25T00:30:00Z"] // 02:30 CEST only
        );
        let every = Schedule::Every {
            interval: SignedDuration::from_mins(20),
            window: Window {
                start: time(2, 0, 0, 0),
                end: time(3, 0, 0, 0),
            },
            days: Days::DAILY,
        };
        assert_eq!(
            fires(
                &every,
                "Europe/Berlin",
                "2026-03-28T12:00:00Z",
                "2026-03-29T12:00:00Z"
            ),
            ["2026-03-29T01:00:00Z"] // 02:00 02:20 02:40 03:00 are all 03:00 CEST
        );
        assert_eq!(
            fires(
                &every,
                "Europe/Berlin",
                "2026-10-24T12:00:00Z",
                "2026-10-25T12:00:00Z"
            ),
            [
                "2026-10-25T00:00:00Z",
                "2026-10-25T00:20:00Z",
                "2026-10-25T00:40:00Z",
                "2026-10-25T02:00:00Z" // 03:00 CET
            ]
        );
        let cron = Schedule::Cron(CronExpr::parse("30 0 2 * * *").unwrap());
        assert_eq!(
            fires(
                &cron,
                "Europe/Berlin",
                "2026-03-28T12:00:00Z",
                "2026-03-30T12:00:00Z"
            ),
            ["2026-03-29T01:00:00Z", "2026-03-30T00:00:30Z"]
        );
        assert_eq!(
            fires(
                &cron,
                "Europe/Berlin",
                "2026-10-24T12:00:00Z",
                "2026-10-26T12:00:00Z"
            ),
            ["2026-10-25T00:00:30Z", "2026-10-26T01:00:30Z"]
        );
    }

    // Australia/Lord_Howe shifts by half an hour: 2026-04-05 02:00 +11 -> 01:30
    // +10:30 (fold), 2026-10-04 02:00 +10:30 -> 02:30 +11 (gap).

    #[test]
    fn lord_howe_half_hour_shift_all_kinds() {
        let at_s = daily_at(&[time(1, 45, 0, 0), time(2, 15, 0, 0)]);
        assert_eq!(
            fires(
                &at_s,
                "Australia/Lord_Howe",
                "2026-04-04T12:00:00Z",
                "2026-04-05T12:00:00Z"
            ),
            [
                "2026-04-04T14:45:00Z", // 01:45 +11, not again at +10:30
                "2026-04-04T15:45:00Z"  // 02:15 +10:30
            ]
        );
        assert_eq!(
            fires(
                &at_s,
                "Australia/Lord_Howe",
                "2026-10-03T12:00:00Z",
                "2026-10-04T12:00:00Z"
            ),
            [
                "2026-10-03T15:15:00Z", // 01:45 +10:30
                "2026-10-03T15:30:00Z"  // 02:15 is in the gap: 02:30 +11
            ]
        );
        let every = Schedule::Every {
            interval: SignedDuration::from_mins(10),
            window: Window {
                start: time(2, 0, 0, 0),
                end: time(2, 40, 0, 0),
            },
            days: Days::DAILY,
        };
        assert_eq!(
            fires(
                &every,
                "Australia/Lord_Howe",
                "2026-10-03T12:00:00Z",
                "2026-10-04T12:00:00Z"
            ),
            ["2026-10-03T15:30:00Z", "2026-10-03T15:40:00Z"] // 02:00-02:30 collapse; 02:40
        );
        let cron = Schedule::Cron(CronExpr::parse("*/20 1-2 * * *").unwrap());
        assert_eq!(
            fires(
                &cron,
                "Australia/Lord_Howe",
                "2026-04-04T14:00:00Z",
                "2026-04-04T16:30:00Z"
            ),
            [
                "2026-04-04T14:20:00Z", // 01:20 +11
                "2026-04-04T14:40:00Z", // 01:40 +11; the +10:30 01:40 is not repeated
                "2026-04-04T15:30:00Z", // 02:00 +10:30
                "2026-04-04T15:50:00Z",
                "2026-04-04T16:10:00Z"
            ]
        );
    }

    #[test]
    fn resolve_is_monotone_across_transitions() {
        for zone in ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe"] {
            let zone = tz(zone);
            let mut civil = date(2026, 1, 1).at(0, 0, 0, 0);
            let mut last = resolve(&zone, civil).unwrap();
            while civil < date(2027, 1, 1).at(0, 0, 0, 0) {
                civil = civil.checked_add(SignedDuration::from_mins(5)).unwrap();
                let now = resolve(&zone, civil).unwrap();
                assert!(now >= last, "{civil} in {zone:?}");
                last = now;
            }
        }
    }

    #[test]
    fn descriptions_read_as_english() {
        assert_eq!(
            daily_at(&[time(12, 30, 0, 0)]).describe(),
            "at 12:30 every day"
        );
        let s = Schedule::Every {
            interval: SignedDuration::from_hours(1),
            window: Window {
                start: time(9, 0, 0, 0),
                end: time(21, 0, 0, 0),
            },
            days: Days::none().with(Weekday::Monday).with(Weekday::Thursday),
        };
        assert_eq!(
            s.describe(),
            "every 1h from 09:00 to 21:00 on Monday, Thursday"
        );
    }
}
