//! The cramp report as data: per week the nights with cramps, the mean
//! length of an episode and each habit's share of days met; the cramp rate
//! on nights after days a daily goal was met against days it was not; and
//! the advice to see a doctor, with the one wording of each. `cli` draws it
//! as text, JSON or an HTML page; `habitd status` shows the advice.
//!
//! Pure: today is an argument, nothing is read or written, and no input
//! makes it panic (date arithmetic is checked).
//!
//! # Rules
//! - A night is named by its evening's date, and what the diary says about
//!   it is [`Night::of`]'s answer: missing, quiet, or with cramps. Nights
//!   after today count for nothing.
//! - Whether a habit's goal was met on a day is [`streak::day_status`]'s
//!   answer, counted as the streak rates count it ([`streak::DayStatus::counted`]):
//!   skipped days, today while open and days before the habit's first day
//!   are left out.
//! - Weeks are ISO weeks, Monday to Sunday; the last one holds today.
//! - The comparison of nights after met and unmet days is made for habits
//!   with a daily goal (no `per_week`), over the weeks shown. It states
//!   counts side by side and claims no cause.
//! - Advice looks at the last 4 weeks (the 28 nights up to today) and the 4
//!   before, whatever the weeks shown, so the report and `status` agree:
//!   - *more frequent*: at least [`MIN_NIGHTS`] nights recorded in each
//!     window (half its nights: a share of fewer would turn on one or two
//!     nights), and the share of nights with cramps at least
//!     [`RISE_POINTS`] percentage points higher in the last 4 weeks;
//!   - *while walking*: an episode recorded while walking in the last 4
//!     weeks;
//!   - *with swelling*: an episode with swelling in the last 4 weeks.

use std::collections::BTreeMap;

use jiff::Span;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::diary::{Activity, DiaryEntry, Episode, Night};
use crate::quote::counted;
use crate::streak::{self, History, Target};
use crate::timespec::rfc3339;

/// Weeks shown when the user does not say.
pub const DEFAULT_WEEKS: u32 = 12;

/// The most weeks a report shows: ten years.
pub const MAX_WEEKS: u32 = 520;

/// Nights each advice window (4 weeks) must have recorded before a change
/// in how often cramps come is advice.
pub const MIN_NIGHTS: u32 = 14;

/// How many percentage points the share of nights with cramps must rise
/// from the earlier 4 weeks to the last 4 before it is advice.
pub const RISE_POINTS: u32 = 10;

/// The nights in one advice window.
const WINDOW_NIGHTS: i64 = 28;

/// One habit, with what the report needs to ask whether its goal was met.
#[derive(Clone, Copy, Debug)]
pub struct HabitInput<'a> {
    /// Its id.
    pub id: &'a str,
    /// Its title.
    pub title: &'a str,
    /// Its goal.
    pub target: Target,
    /// Its history.
    pub history: &'a History,
}

/// The whole report; also the JSON of `habitd report --json`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// The day the report was made for.
    pub today: Date,
    /// The Monday of the first week shown.
    pub from: Date,
    /// The habits, in the config's order.
    pub habits: Vec<HabitName>,
    /// The weeks, oldest first; the last one holds today.
    pub weeks: Vec<Week>,
    /// For each habit with a daily goal: nights after days it was met
    /// against nights after days it was not.
    pub links: Vec<Link>,
    /// Advice that applies, in a fixed order.
    pub advice: Vec<Advice>,
    /// The episodes in the weeks shown, oldest night first.
    pub episodes: Vec<NightEpisode>,
}

/// A habit's id and title.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HabitName {
    /// Its id.
    pub habit: String,
    /// Its title.
    pub title: String,
}

/// One ISO week of the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Week {
    /// Its Monday.
    pub start: Date,
    /// Nights recorded in the diary.
    pub nights: u32,
    /// Of those, nights with at least one episode.
    pub cramp_nights: u32,
    /// Episodes recorded.
    pub episodes: u32,
    /// The mean length of the episodes whose length was recorded.
    pub mean_minutes: Option<f64>,
    /// Each habit's days met, in the order of [`Report::habits`].
    pub habits: Vec<Share>,
}

/// How many of a habit's counted days met the goal.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Share {
    /// The habit's id.
    pub habit: String,
    /// Days the goal was met.
    pub met: u32,
    /// Days that count (see the module's rules).
    pub days: u32,
    /// `met / days`; `None` when no day counts.
    pub share: Option<f64>,
}

/// Nights and how many of them had cramps.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Nights {
    /// Nights recorded.
    pub nights: u32,
    /// Of those, nights with cramps.
    pub cramp_nights: u32,
    /// `cramp_nights / nights`; `None` when no night was recorded.
    pub rate: Option<f64>,
}

impl Nights {
    fn new(nights: u32, cramp_nights: u32) -> Nights {
        Nights {
            nights,
            cramp_nights,
            rate: (nights > 0).then(|| f64::from(cramp_nights) / f64::from(nights)),
        }
    }
}

/// The nights after a habit's met days against those after its unmet days.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Link {
    /// The habit's id.
    pub habit: String,
    /// Nights after days the goal was met.
    pub met: Nights,
    /// Nights after days it was not (partly done or missed).
    pub not_met: Nights,
}

/// Which advice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdviceKind {
    /// Cramps come on more nights than in the 4 weeks before.
    MoreFrequent,
    /// Cramps were recorded while walking.
    WhileWalking,
    /// Cramps were recorded with swelling.
    WithSwelling,
}

/// A reason to consider talking to a doctor, with the figures behind it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advice {
    /// Which one.
    pub kind: AdviceKind,
    /// What to tell the user: the figures, then the suggestion.
    pub text: String,
}

/// A recorded episode with its night and time, for the list of episodes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NightEpisode {
    /// The night it belongs to.
    pub night: Date,
    /// When it came (RFC 3339 in the configured zone).
    pub at: String,
    /// What is known of it; in JSON, only the details recorded.
    #[serde(flatten)]
    pub episode: Episode,
}

/// The diary, night by night: what [`Night::of`] says of each night
/// recorded up to today.
struct Diary<'e> {
    nights: BTreeMap<Date, Night<'e>>,
}

impl<'e> Diary<'e> {
    /// `sorted` must be sorted by night (see [`sorted_by_night`]).
    fn new(sorted: &'e [DiaryEntry], today: Date) -> Diary<'e> {
        let nights = sorted
            .chunk_by(|a, b| a.night == b.night)
            .filter(|group| group[0].night <= today)
            .map(|group| (group[0].night, Night::of(group, group[0].night)))
            .collect();
        Diary { nights }
    }

    /// The nights of `from..=to` recorded, and those with cramps.
    fn tally(&self, from: Date, to: Date) -> Nights {
        let (mut recorded, mut with_cramps) = (0, 0);
        for night in self.nights.range(from..=to).map(|(_, night)| night) {
            recorded += 1;
            with_cramps += u32::from(matches!(night, Night::Cramps(_)));
        }
        Nights::new(recorded, with_cramps)
    }

    /// The cramps of the nights of `from..=to`, night by night.
    fn cramps(&self, from: Date, to: Date) -> impl Iterator<Item = (&'e DiaryEntry, &'e Episode)> {
        self.nights
            .range(from..=to)
            .flat_map(|(_, night)| match night {
                Night::Cramps(cramps) => cramps.as_slice(),
                Night::Missing | Night::Quiet(_) => &[],
            })
            .filter_map(|&entry| Some((entry, entry.episode()?)))
    }
}

/// `entries` sorted by night, for [`Diary::new`].
fn sorted_by_night(entries: &[DiaryEntry]) -> Vec<DiaryEntry> {
    let mut sorted = entries.to_vec();
    sorted.sort_by_key(|e| e.night);
    sorted
}

/// `date` moved by `days`, or `None` outside jiff's range.
fn shift(date: Date, days: i64) -> Option<Date> {
    date.checked_add(Span::new().try_days(days).ok()?).ok()
}

/// The days of `from..=to`.
fn days(from: Date, to: Date) -> impl Iterator<Item = Date> {
    from.series(Span::new().days(1))
        .take_while(move |&day| day <= to)
}

/// The Mondays of the `weeks` ISO weeks up to `today` (clamped to
/// 1..=[`MAX_WEEKS`]), oldest first; weeks before jiff's range are left out.
fn week_starts(weeks: u32, today: Date) -> Vec<Date> {
    let weeks = i64::from(weeks.clamp(1, MAX_WEEKS));
    let monday = shift(today, -i64::from(today.weekday().to_monday_zero_offset())).unwrap_or(today);
    (0..weeks)
        .rev()
        .filter_map(|back| shift(monday, -7 * back))
        .collect()
}

/// The first night the advice on `today` looks at: 8 weeks back.
pub fn advice_first_night(today: Date) -> Date {
    shift(today, 1 - 2 * WINDOW_NIGHTS).unwrap_or(Date::MIN)
}

/// The first night a report of `weeks` weeks up to `today` looks at, its
/// advice included: the diary entries it needs are those from this night on.
pub fn first_night(weeks: u32, today: Date) -> Date {
    let first_week = week_starts(weeks, today).first().copied().unwrap_or(today);
    first_week.min(advice_first_night(today))
}

/// The report of the `weeks` ISO weeks up to `today` (at least 1, at most
/// [`MAX_WEEKS`]); times are shown in `tz`.
pub fn build(
    entries: &[DiaryEntry],
    habits: &[HabitInput<'_>],
    weeks: u32,
    today: Date,
    tz: &TimeZone,
) -> Report {
    let sorted = sorted_by_night(entries);
    let diary = Diary::new(&sorted, today);
    let starts = week_starts(weeks, today);
    let from = starts.first().copied().unwrap_or(today);
    let weeks = starts
        .iter()
        .map(|&start| {
            let end = shift(start, 6).unwrap_or(Date::MAX).min(today);
            week(&diary, habits, start, end, today)
        })
        .collect();
    let links = habits
        .iter()
        .filter(|habit| habit.target.per_week.is_none())
        .map(|habit| link(&diary, habit, from, today))
        .collect();
    let episodes = diary
        .cramps(from, today)
        .map(|(entry, episode)| NightEpisode {
            night: entry.night,
            at: rfc3339(entry.at, tz),
            episode: episode.clone(),
        })
        .collect();
    Report {
        today,
        from,
        habits: habits
            .iter()
            .map(|h| HabitName {
                habit: h.id.to_string(),
                title: h.title.to_string(),
            })
            .collect(),
        weeks,
        links,
        advice: advice_of(&diary, today),
        episodes,
    }
}

fn week(diary: &Diary<'_>, habits: &[HabitInput<'_>], start: Date, end: Date, today: Date) -> Week {
    let counts = diary.tally(start, end);
    let (mut episodes, mut timed, mut total_minutes) = (0u32, 0u32, 0u64);
    for (_, episode) in diary.cramps(start, end) {
        episodes += 1;
        if let Some(minutes) = episode.minutes {
            timed += 1;
            total_minutes += u64::from(minutes);
        }
    }
    Week {
        start,
        nights: counts.nights,
        cramp_nights: counts.cramp_nights,
        episodes,
        mean_minutes: (timed > 0).then(|| total_minutes as f64 / f64::from(timed)),
        habits: habits
            .iter()
            .map(|habit| {
                let (mut met, mut counted) = (0, 0);
                for day in days(start, end) {
                    if let Some(was_met) = met_on(habit, day, today) {
                        met += u32::from(was_met);
                        counted += 1;
                    }
                }
                Share {
                    habit: habit.id.to_string(),
                    met,
                    days: counted,
                    share: (counted > 0).then(|| f64::from(met) / f64::from(counted)),
                }
            })
            .collect(),
    }
}

/// Whether `habit`'s goal was met on `day`, if the day counts.
fn met_on(habit: &HabitInput<'_>, day: Date, today: Date) -> Option<bool> {
    streak::day_status(habit.history, habit.target, day, today).counted()
}

fn link(diary: &Diary<'_>, habit: &HabitInput<'_>, from: Date, today: Date) -> Link {
    let (mut met, mut not_met) = ((0, 0), (0, 0));
    for (&date, night) in diary.nights.range(from..=today) {
        let side = match met_on(habit, date, today) {
            Some(true) => &mut met,
            Some(false) => &mut not_met,
            None => continue,
        };
        side.0 += 1;
        side.1 += u32::from(matches!(night, Night::Cramps(_)));
    }
    Link {
        habit: habit.id.to_string(),
        met: Nights::new(met.0, met.1),
        not_met: Nights::new(not_met.0, not_met.1),
    }
}

/// The advice that applies on `today`, from the diary alone: what `habitd
/// status` shows.
pub fn advice(entries: &[DiaryEntry], today: Date) -> Vec<Advice> {
    let sorted = sorted_by_night(entries);
    advice_of(&Diary::new(&sorted, today), today)
}

fn advice_of(diary: &Diary<'_>, today: Date) -> Vec<Advice> {
    let recent_from = shift(today, 1 - WINDOW_NIGHTS).unwrap_or(Date::MIN);
    let recent = diary.tally(recent_from, today);
    let mut advice = Vec::new();
    if let Some(before_to) = shift(recent_from, -1) {
        let before_from = shift(before_to, 1 - WINDOW_NIGHTS).unwrap_or(Date::MIN);
        let before = diary.tally(before_from, before_to);
        if more_frequent(recent, before) {
            advice.push(Advice {
                kind: AdviceKind::MoreFrequent,
                text: format!(
                    "Cramps came on {} of {} nights recorded in the last 4 weeks, against {} of {} in the 4 weeks before. \
                     Cramps that become more frequent, or that disturb your sleep or your day, are worth a closer look: \
                     consider talking to a doctor.",
                    recent.cramp_nights, recent.nights, before.cramp_nights, before.nights
                ),
            });
        }
    }
    let walking = diary
        .cramps(recent_from, today)
        .filter(|(_, e)| e.when == Some(Activity::Walking))
        .count();
    if walking > 0 {
        advice.push(Advice {
            kind: AdviceKind::WhileWalking,
            text: format!(
                "{} recorded while walking in the last 4 weeks. \
                 Cramps that come on while walking, even short distances, and ease with rest can have a cause \
                 in the blood vessels that a doctor can check: consider talking to a doctor.",
                counted(walking as u64, "cramp was", "cramps were")
            ),
        });
    }
    let swelling = diary
        .cramps(recent_from, today)
        .filter(|(_, e)| e.swelling)
        .count();
    if swelling > 0 {
        advice.push(Advice {
            kind: AdviceKind::WithSwelling,
            text: format!(
                "{} recorded with swelling in the last 4 weeks. \
                 Cramps with swelling, skin changes or bulging veins can have a cause in the veins \
                 that a doctor can check: consider talking to a doctor.",
                counted(swelling as u64, "cramp was", "cramps were")
            ),
        });
    }
    advice
}

/// Whether cramps came on a share of nights at least [`RISE_POINTS`]
/// points higher in `recent` than in `before`, each with at least
/// [`MIN_NIGHTS`] nights recorded. In whole numbers, so that a rise of
/// exactly the threshold counts however the shares round.
fn more_frequent(recent: Nights, before: Nights) -> bool {
    if recent.nights < MIN_NIGHTS || before.nights < MIN_NIGHTS {
        return false;
    }
    let (rc, rn) = (u64::from(recent.cramp_nights), u64::from(recent.nights));
    let (bc, bn) = (u64::from(before.cramp_nights), u64::from(before.nights));
    // rc/rn - bc/bn >= points/100, multiplied out by 100·rn·bn.
    100 * rc * bn >= 100 * bc * rn + u64::from(RISE_POINTS) * rn * bn
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diary::Record;
    use crate::streak::tests::{DAILY, d, history};

    fn entry(night: &str, record: Record) -> DiaryEntry {
        DiaryEntry {
            id: 1,
            at: "2026-11-02T02:00:00Z".parse().unwrap(),
            night: d(night),
            record,
        }
    }

    fn with(night: &str, episode: Episode) -> DiaryEntry {
        entry(night, Record::Cramp(episode))
    }

    fn cramp(night: &str, minutes: Option<u32>) -> DiaryEntry {
        with(
            night,
            Episode {
                minutes,
                ..Episode::default()
            },
        )
    }

    fn quiet(night: &str) -> DiaryEntry {
        entry(night, Record::NoCramps)
    }

    /// `count` consecutive nights from `from`, a cramp on those whose index
    /// is in `cramps`, quiet otherwise.
    fn nights(from: &str, count: i64, cramps: &[i64]) -> Vec<DiaryEntry> {
        (0..count)
            .map(|i| {
                let night = shift(d(from), i).unwrap().to_string();
                if cramps.contains(&i) {
                    cramp(&night, None)
                } else {
                    quiet(&night)
                }
            })
            .collect()
    }

    fn kinds(advice: &[Advice]) -> Vec<AdviceKind> {
        advice.iter().map(|a| a.kind).collect()
    }

    // 2026-11-02 is a Monday; today is Wednesday 2026-11-18, in the third
    // week from it.
    const TODAY: &str = "2026-11-18";

    #[test]
    fn weeks_count_recorded_nights_cramp_nights_and_mean_minutes() {
        let entries = vec![
            // Week of 11-02: three nights, two with cramps (one twice).
            cramp("2026-11-02", Some(6)),
            cramp("2026-11-02", Some(10)),
            quiet("2026-11-03"),
            cramp("2026-11-08", None),
            // Week of 11-09: nothing. Week of 11-16: one quiet night, and
            // a night after today that counts for nothing.
            quiet("2026-11-17"),
            cramp("2026-11-19", Some(30)),
            // Before the weeks shown.
            cramp("2026-11-01", Some(99)),
        ];
        let report = build(&entries, &[], 3, d(TODAY), &TimeZone::UTC);
        assert_eq!(report.from, d("2026-11-02"));
        let rows: Vec<_> = report
            .weeks
            .iter()
            .map(|w| {
                (
                    w.start,
                    w.nights,
                    w.cramp_nights,
                    w.episodes,
                    w.mean_minutes,
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                (d("2026-11-02"), 3, 2, 3, Some(8.0)),
                (d("2026-11-09"), 0, 0, 0, None),
                (d("2026-11-16"), 1, 0, 0, None),
            ]
        );
        let listed: Vec<_> = report.episodes.iter().map(|e| e.night).collect();
        assert_eq!(listed, [d("2026-11-02"), d("2026-11-02"), d("2026-11-08")]);
    }

    #[test]
    fn a_cramp_and_a_quiet_mark_on_one_night_make_one_night_with_cramps() {
        let entries = [quiet("2026-11-16"), cramp("2026-11-16", Some(4))];
        let report = build(&entries, &[], 1, d(TODAY), &TimeZone::UTC);
        let week = &report.weeks[0];
        assert_eq!((week.nights, week.cramp_nights), (1, 1));
    }

    #[test]
    fn shares_are_the_streak_rule_s_met_days_over_counted_days() {
        // Goal 2. Week of 11-09: met on Mon and Tue, partial Wed, missed
        // Thu, skipped Fri, met Sat though skipped, missed Sun: 3 of 6.
        // Week of 11-16: first days Mon met, Tue missed, today (Wed) open
        // and left out: 1 of 2. Week of 11-02: before the first day.
        let h = history(
            "2026-11-09",
            &[
                ("2026-11-09", 2),
                ("2026-11-10", 3),
                ("2026-11-11", 1),
                ("2026-11-14", 2),
                ("2026-11-16", 2),
                ("2026-11-18", 1),
            ],
            &["2026-11-13", "2026-11-14"],
        );
        let target = Target {
            goal: 2,
            per_week: None,
        };
        let habit = HabitInput {
            id: "water",
            title: "Water",
            target,
            history: &h,
        };
        let report = build(&[], &[habit], 3, d(TODAY), &TimeZone::UTC);
        let shares: Vec<_> = report
            .weeks
            .iter()
            .map(|w| (w.habits[0].met, w.habits[0].days, w.habits[0].share))
            .collect();
        assert_eq!(shares, [(0, 0, None), (3, 6, Some(0.5)), (1, 2, Some(0.5))]);
        // Met today counts.
        let mut h = h.clone();
        h.totals.insert(d(TODAY), 2);
        let habit = HabitInput {
            history: &h,
            ..habit
        };
        let report = build(&[], &[habit], 1, d(TODAY), &TimeZone::UTC);
        assert_eq!(report.weeks[0].habits[0].share, Some(2.0 / 3.0));
    }

    #[test]
    fn links_compare_nights_after_met_and_unmet_days_of_daily_habits() {
        // Water met on 11-09..=11-12, missed 11-13, partial 11-14 (goal 2),
        // skipped 11-15. Nights: after met days 11-09 (cramp), 11-10,
        // 11-11 (cramp), 11-12: 2 of 4; after unmet 11-13 (cramp), 11-14:
        // 1 of 2; the skipped day's night 11-15 and a night before the
        // first day (11-08) are left out.
        let h = history(
            "2026-11-09",
            &[
                ("2026-11-09", 2),
                ("2026-11-10", 2),
                ("2026-11-11", 2),
                ("2026-11-12", 2),
                ("2026-11-14", 1),
            ],
            &["2026-11-15"],
        );
        let water = HabitInput {
            id: "water",
            title: "Water",
            target: Target {
                goal: 2,
                per_week: None,
            },
            history: &h,
        };
        let weekly = HabitInput {
            id: "walk",
            title: "Walk",
            target: Target {
                goal: 1,
                per_week: Some(3),
            },
            history: &h,
        };
        let entries = [
            cramp("2026-11-08", None),
            cramp("2026-11-09", None),
            quiet("2026-11-10"),
            cramp("2026-11-11", None),
            quiet("2026-11-12"),
            cramp("2026-11-13", None),
            quiet("2026-11-14"),
            cramp("2026-11-15", None),
        ];
        let report = build(&entries, &[water, weekly], 3, d(TODAY), &TimeZone::UTC);
        assert_eq!(
            report.links,
            [Link {
                habit: "water".to_string(),
                met: Nights::new(4, 2),
                not_met: Nights::new(2, 1),
            }]
        );
        assert_eq!(report.links[0].met.rate, Some(0.5));
        // Nights before the weeks shown are left out.
        let report = build(&entries, &[water], 1, d(TODAY), &TimeZone::UTC);
        assert_eq!(report.links[0].met, Nights::new(0, 0));
        assert_eq!(report.links[0].met.rate, None);
    }

    // Windows for TODAY: the last 4 weeks are 10-22..=11-18, the 4 before
    // 09-24..=10-21.
    const BEFORE: &str = "2026-09-24";
    const RECENT: &str = "2026-10-22";

    #[test]
    fn more_frequent_needs_a_rise_of_ten_points() {
        // Before: 2 of 20 nights (10%). Last 4 weeks: 4 of 20 (20%), a rise
        // of exactly 10 points: advice. 3 of 20 (15%): none.
        let before = nights(BEFORE, 20, &[0, 1]);
        let with = |cramps: &[i64]| {
            let mut entries = before.clone();
            entries.extend(nights(RECENT, 20, cramps));
            kinds(&advice(&entries, d(TODAY)))
        };
        assert_eq!(with(&[0, 5, 10, 15]), [AdviceKind::MoreFrequent]);
        assert_eq!(with(&[0, 5, 10]), []);
        // A fall is not a rise.
        assert_eq!(with(&[]), []);
        let text = &advice(
            &[before.clone(), nights(RECENT, 20, &[0, 5, 10, 15])].concat(),
            d(TODAY),
        )[0]
        .text;
        assert!(
            text.starts_with(
                "Cramps came on 4 of 20 nights recorded in the last 4 weeks, against 2 of 20 in the 4 weeks before."
            ),
            "{text}"
        );
        assert!(text.ends_with("consider talking to a doctor."), "{text}");
    }

    #[test]
    fn more_frequent_needs_enough_nights_in_both_windows() {
        // Every recorded recent night a cramp, none before: advice once
        // both windows hold 14 nights, not with 13 in either.
        let advice_for = |before_nights: i64, recent_nights: i64| {
            let mut entries = nights(BEFORE, before_nights, &[]);
            let all: Vec<i64> = (0..recent_nights).collect();
            entries.extend(nights(RECENT, recent_nights, &all));
            kinds(&advice(&entries, d(TODAY)))
        };
        assert_eq!(advice_for(14, 14), [AdviceKind::MoreFrequent]);
        assert_eq!(advice_for(13, 14), []);
        assert_eq!(advice_for(14, 13), []);
        // The windows' ends: 13 nights in each, then one more on each
        // side of a boundary. Nights just outside both windows change
        // nothing.
        let base = [
            nights("2026-09-25", 13, &[]),
            nights("2026-10-23", 13, &(0..13).collect::<Vec<_>>()),
        ]
        .concat();
        let plus = |extra: &[DiaryEntry]| {
            let entries = [base.clone(), extra.to_vec()].concat();
            kinds(&advice(&entries, d(TODAY)))
        };
        assert_eq!(plus(&[]), []);
        assert_eq!(plus(&[quiet("2026-09-23"), cramp("2026-11-19", None)]), []);
        assert_eq!(
            plus(&[quiet("2026-09-24"), cramp(TODAY, None)]),
            [AdviceKind::MoreFrequent]
        );
        // 10-21 is the earlier window's last night and 10-22 the recent
        // one's first: were both in one window, the other would hold 13.
        assert_eq!(
            plus(&[quiet("2026-10-21"), cramp("2026-10-22", None)]),
            [AdviceKind::MoreFrequent]
        );
    }

    #[test]
    fn walking_and_swelling_advise_within_the_last_four_weeks() {
        let advice_for =
            |night: &str, episode: Episode| kinds(&advice(&[with(night, episode)], d(TODAY)));
        let walking = Episode {
            when: Some(Activity::Walking),
            ..Episode::default()
        };
        let swelling = Episode {
            swelling: true,
            ..Episode::default()
        };
        assert_eq!(
            advice_for(RECENT, walking.clone()),
            [AdviceKind::WhileWalking]
        );
        assert_eq!(
            advice_for(RECENT, swelling.clone()),
            [AdviceKind::WithSwelling]
        );
        // A night before the window, or an episode at rest or without
        // swelling: none.
        assert_eq!(advice_for("2026-10-21", walking.clone()), []);
        assert_eq!(advice_for("2026-10-21", swelling.clone()), []);
        let resting = Episode {
            when: Some(Activity::Rest),
            ..Episode::default()
        };
        assert_eq!(advice_for(RECENT, resting), []);
        assert_eq!(advice_for(RECENT, Episode::default()), []);
        let both = Episode {
            swelling: true,
            ..walking.clone()
        };
        assert_eq!(
            advice_for(TODAY, both),
            [AdviceKind::WhileWalking, AdviceKind::WithSwelling]
        );
        // A quiet night beside a walking cramp does not hide it.
        let entries = [
            with(RECENT, walking.clone()),
            quiet(TODAY),
            with(TODAY, walking),
        ];
        let text = &advice(&entries, d(TODAY))[0].text;
        assert!(
            text.starts_with("2 cramps were recorded while walking in the last 4 weeks."),
            "{text}"
        );
        assert!(text.ends_with("consider talking to a doctor."), "{text}");
    }

    #[test]
    fn report_advice_is_status_advice() {
        let mut entries = [nights(BEFORE, 20, &[]), nights(RECENT, 20, &[1, 2])].concat();
        entries.push(with(
            TODAY,
            Episode {
                swelling: true,
                ..Episode::default()
            },
        ));
        // Weeks shown do not change the advice.
        for weeks in [1, 12] {
            assert_eq!(
                build(&entries, &[], weeks, d(TODAY), &TimeZone::UTC).advice,
                advice(&entries, d(TODAY))
            );
        }
        assert_eq!(
            kinds(&advice(&entries, d(TODAY))),
            [AdviceKind::MoreFrequent, AdviceKind::WithSwelling]
        );
    }

    #[test]
    fn the_first_night_read_covers_the_weeks_and_the_advice() {
        assert_eq!(advice_first_night(d(TODAY)), d(BEFORE));
        assert_eq!(first_night(1, d(TODAY)), d(BEFORE));
        assert_eq!(first_night(12, d(TODAY)), d("2026-08-31"));
        // Nothing before it changes the report.
        let entries = nights("2026-06-01", 171, &[0, 50, 90, 100, 120, 150, 160, 170]);
        let from: Vec<DiaryEntry> = entries
            .iter()
            .filter(|e| e.night >= first_night(12, d(TODAY)))
            .cloned()
            .collect();
        assert_eq!(
            build(&from, &[], 12, d(TODAY), &TimeZone::UTC),
            build(&entries, &[], 12, d(TODAY), &TimeZone::UTC)
        );
    }

    #[test]
    fn weeks_are_clamped_and_the_ends_of_time_do_not_panic() {
        let tz = TimeZone::UTC;
        assert_eq!(build(&[], &[], 0, d(TODAY), &tz).weeks.len(), 1);
        assert_eq!(build(&[], &[], 100_000, d(TODAY), &tz).weeks.len(), 520);
        let h = history("2026-01-01", &[], &[]);
        let habit = HabitInput {
            id: "a",
            title: "A",
            target: DAILY,
            history: &h,
        };
        for today in [Date::MIN, Date::MAX] {
            let entries = [
                DiaryEntry {
                    night: today,
                    ..quiet(TODAY)
                },
                DiaryEntry {
                    night: today,
                    ..cramp(TODAY, Some(1))
                },
            ];
            let report = build(&entries, &[habit], MAX_WEEKS, today, &tz);
            assert!(!report.weeks.is_empty());
            advice(&entries, today);
        }
    }
}
