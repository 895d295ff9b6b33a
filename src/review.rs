//! The weekly look back as data: for each habit, the days of the week just
//! ending whose goal was met, and the last seven nights of the cramp diary.
//! The notification words it (`notify`).
//!
//! Pure: the histories, the nights and today are arguments. Whether a day's
//! goal was met is decided by [`streak`]'s rule, the one the streaks and
//! rates use, never again here.

use jiff::civil::Date;

use crate::config::Habit;
use crate::diary::{DiaryEntry, Night};
use crate::streak::{self, History, Tallied, Target};

/// How many days, and nights, a look back covers.
pub const DAYS: i64 = 7;

/// The week just ending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Week {
    /// One entry per habit, in the config's order (sorted by id).
    pub habits: Vec<HabitWeek>,
    /// The last [`DAYS`] nights, up to last night.
    pub nights: Nights,
}

/// One habit's week.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HabitWeek {
    /// Its id.
    pub habit: String,
    /// Days met out of days counted, by the rules of the rates (a rest day
    /// and today, unless met, do not count).
    pub days: Tallied,
}

/// The week's nights in the cramp diary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Nights {
    /// Nights with at least one episode.
    pub cramps: u32,
    /// Nights recorded as quiet.
    pub quiet: u32,
    /// Nights not recorded either way.
    pub unrecorded: u32,
}

/// The week up to `today`: each habit's days (seven, today included) and,
/// from the diary's `entries`, the seven nights up to last night.
pub fn build(habits: &[(&Habit, History)], entries: &[DiaryEntry], today: Date) -> Week {
    let habits = habits
        .iter()
        .map(|(habit, history)| {
            let target = Target {
                goal: habit.goal.amount(),
                per_week: habit.per_week,
            };
            HabitWeek {
                habit: habit.id.clone(),
                days: streak::met_days(history, target, today, DAYS),
            }
        })
        .collect();
    let mut tally = Nights::default();
    let mut night = today;
    for _ in 0..DAYS {
        let Ok(earlier) = night.yesterday() else {
            break;
        };
        night = earlier;
        match Night::of(entries, night) {
            Night::Cramps(_) => tally.cramps += 1,
            Night::Quiet(_) => tally.quiet += 1,
            Night::Missing => tally.unrecorded += 1,
        }
    }
    Week {
        habits,
        nights: tally,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Origin, parse_str};
    use crate::diary::{Episode, Record};

    fn day(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn a_week_counts_met_days_and_nights_up_to_last_night() {
        let config = parse_str(
            "[settings]\ntimezone = \"UTC\"\n[habits.water]\ntitle = \"W\"\nat = \"12:00\"\ngoal = { count = 2 }\n",
            Origin::Builtin,
        )
        .unwrap();
        let today = day("2026-11-29");
        // Met Mon and Wed, one glass on Thu, a rest day on Fri, nothing on
        // Tue and Sat, today (Sun) not met yet: 2 of 5 counted days.
        let history = History {
            totals: [
                (day("2026-11-23"), 2),
                (day("2026-11-25"), 3),
                (day("2026-11-26"), 1),
                (day("2026-11-29"), 1),
            ]
            .into(),
            skipped: [day("2026-11-27")].into(),
            first_day: Some(day("2026-11-01")),
        };
        // Saturday's night is last night; the Sunday a week ago is the
        // first; the night of today is not over.
        let entry = |id, night: &str, record| DiaryEntry {
            id,
            at: "2026-11-29T08:00:00Z".parse().unwrap(),
            night: day(night),
            record,
        };
        let cramp = || Record::Cramp(Episode::default());
        let entries = [
            entry(1, "2026-11-21", cramp()),
            // A cramp and a quiet entry: the cramp counts.
            entry(2, "2026-11-22", cramp()),
            entry(3, "2026-11-22", Record::NoCramps),
            entry(4, "2026-11-24", Record::NoCramps),
            entry(5, "2026-11-28", Record::NoCramps),
            entry(6, "2026-11-29", cramp()),
        ];
        let week = build(&[(&config.habits[0], history)], &entries, today);
        assert_eq!(
            week.habits,
            [HabitWeek {
                habit: "water".into(),
                days: Tallied { met: 2, counted: 5 }
            }]
        );
        assert_eq!(
            week.nights,
            Nights {
                cramps: 1,
                quiet: 2,
                unrecorded: 4
            }
        );
    }
}
