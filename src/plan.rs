//! What should happen next: which reminders are due now, which were missed,
//! and when the daemon must wake again.
//!
//! Pure: the configuration and the instants are arguments. The daemon keeps
//! a cursor (everything up to it has been handled) and asks this module what
//! falls between the cursor and now. That one rule covers a timer that fires
//! on time, a laptop that slept through reminders (catch-up), and a clock set
//! forward (no burst) or back (no repeats, since the cursor never goes back).

use jiff::{SignedDuration, Timestamp};

use crate::config::Config;

/// One reminder at one instant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occurrence {
    /// The habit's id.
    pub habit: String,
    /// When it falls.
    pub at: Timestamp,
}

/// What the daemon should do about one habit after time has passed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Show this reminder (the latest one due within the catch-up window).
    Show(Occurrence),
    /// Reminders from `first` on were due too long ago and are skipped.
    Missed {
        /// The habit's id.
        habit: String,
        /// The earliest one skipped.
        first: Timestamp,
        /// How many were skipped (counted up to a bound).
        count: usize,
    },
}

/// An upper bound on how many occurrences one decision looks at, so a
/// one-second schedule after a month asleep stays cheap.
const SCAN_LIMIT: usize = 100_000;

/// The reminders due in `(cursor, now]`: per habit at most one to show (the
/// latest within `config.catch_up` of `now`) and a note of older ones missed.
pub fn due(config: &Config, cursor: Timestamp, now: Timestamp) -> Vec<Decision> {
    let mut decisions = Vec::new();
    if now <= cursor {
        return decisions;
    }
    let recent_from = now.checked_sub(config.catch_up).unwrap_or(Timestamp::MIN);
    for habit in &config.habits {
        let mut missed: Option<(Timestamp, usize)> = None;
        let mut latest_recent = None;
        let mut at = cursor;
        for _ in 0..SCAN_LIMIT {
            match habit.schedule.next_after(&config.timezone, at) {
                Some(next) if next <= now => at = next,
                _ => break,
            }
            if at < recent_from {
                missed.get_or_insert((at, 0)).1 += 1;
            } else {
                latest_recent = Some(at);
            }
        }
        if let Some((first, count)) = missed {
            decisions.push(Decision::Missed {
                habit: habit.id.clone(),
                first,
                count,
            });
        }
        if let Some(at) = latest_recent {
            decisions.push(Decision::Show(Occurrence {
                habit: habit.id.clone(),
                at,
            }));
        }
    }
    decisions
}

/// The first instant after `after` at which any habit is due.
pub fn next_wake(config: &Config, after: Timestamp) -> Option<Occurrence> {
    upcoming(config, &[], after, 1).into_iter().next()
}

/// The next `count` reminders after `after`, in time order, ties by habit id;
/// only of the habits in `only` when it is not empty.
pub fn upcoming(
    config: &Config,
    only: &[String],
    after: Timestamp,
    count: usize,
) -> Vec<Occurrence> {
    let mut all = Vec::new();
    for habit in config
        .habits
        .iter()
        .filter(|h| only.is_empty() || only.contains(&h.id))
    {
        let mut at = after;
        // Each habit contributes at most `count`: the first `count` overall
        // are among them.
        for _ in 0..count {
            let Some(next) = habit.schedule.next_after(&config.timezone, at) else {
                break;
            };
            all.push(Occurrence {
                habit: habit.id.clone(),
                at: next,
            });
            at = next;
        }
    }
    all.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.habit.cmp(&b.habit)));
    all.truncate(count);
    all
}

/// How late `occurrence` is at `now` (zero if not yet due).
pub fn lateness(occurrence: &Occurrence, now: Timestamp) -> SignedDuration {
    now.duration_since(occurrence.at).max(SignedDuration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Origin, parse_str};

    fn config() -> Config {
        let text = r#"
[settings]
timezone = "UTC"
catch_up = "15m"
[habits.water]
title = "Water"
every = "1h"
between = "09:00-21:00"
[habits.stretch]
title = "Stretch"
at = "12:30"
[habits.walk]
title = "Walk"
at = "12:30"
"#;
        parse_str(text, Origin::Builtin).unwrap()
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn occ(habit: &str, at: &str) -> Occurrence {
        Occurrence {
            habit: habit.into(),
            at: ts(at),
        }
    }

    #[test]
    fn upcoming_orders_by_time_then_id() {
        let c = config();
        let next = upcoming(&c, &[], ts("2026-11-26T11:30:00Z"), 4);
        assert_eq!(
            next,
            [
                occ("water", "2026-11-26T12:00:00Z"),
                occ("stretch", "2026-11-26T12:30:00Z"),
                occ("walk", "2026-11-26T12:30:00Z"),
                occ("water", "2026-11-26T13:00:00Z"),
            ]
        );
        let only = upcoming(&c, &["walk".into()], ts("2026-11-26T11:30:00Z"), 2);
        assert_eq!(
            only,
            [
                occ("walk", "2026-11-26T12:30:00Z"),
                occ("walk", "2026-11-27T12:30:00Z")
            ]
        );
    }

    #[test]
    fn on_time_wake_shows_what_is_due() {
        let c = config();
        let d = due(
            &c,
            ts("2026-11-26T12:00:00Z"),
            ts("2026-11-26T12:30:00.001Z"),
        );
        assert_eq!(
            d,
            [
                Decision::Show(occ("stretch", "2026-11-26T12:30:00Z")),
                Decision::Show(occ("walk", "2026-11-26T12:30:00Z")),
            ]
        );
        assert_eq!(
            next_wake(&c, ts("2026-11-26T12:30:00.001Z")),
            Some(occ("water", "2026-11-26T13:00:00Z"))
        );
    }

    #[test]
    fn waking_late_shows_one_per_habit_within_catch_up_and_skips_older() {
        let c = config();
        // Asleep from 10:05 to 13:10: water's 11:00 and 12:00 are too old, 13:00 is
        // 10 minutes late; the 12:30 habits are 40 minutes late.
        let d = due(&c, ts("2026-11-26T10:05:00Z"), ts("2026-11-26T13:10:00Z"));
        assert_eq!(
            d,
            [
                Decision::Missed {
                    habit: "stretch".into(),
                    first: ts("2026-11-26T12:30:00Z"),
                    count: 1
                },
                Decision::Missed {
                    habit: "walk".into(),
                    first: ts("2026-11-26T12:30:00Z"),
                    count: 1
                },
                Decision::Missed {
                    habit: "water".into(),
                    first: ts("2026-11-26T11:00:00Z"),
                    count: 2
                },
                Decision::Show(occ("water", "2026-11-26T13:00:00Z")),
            ]
        );
    }

    #[test]
    fn a_clock_set_back_repeats_nothing() {
        let c = config();
        assert!(due(&c, ts("2026-11-26T13:00:00Z"), ts("2026-11-26T11:00:00Z")).is_empty());
    }

    #[test]
    fn a_clock_set_forward_does_not_burst() {
        let c = config();
        let d = due(&c, ts("2026-11-26T09:30:00Z"), ts("2026-11-27T09:05:00Z"));
        let shown: Vec<_> = d
            .iter()
            .filter(|d| matches!(d, Decision::Show(_)))
            .collect();
        assert_eq!(
            shown,
            [&Decision::Show(occ("water", "2026-11-27T09:00:00Z"))]
        );
    }

    #[test]
    fn lateness_is_never_negative() {
        let o = occ("water", "2026-11-26T13:00:00Z");
        assert_eq!(
            lateness(&o, ts("2026-11-26T12:00:00Z")),
            SignedDuration::ZERO
        );
        assert_eq!(
            lateness(&o, ts("2026-11-26T13:00:02Z")),
            SignedDuration::from_secs(2)
        );
    }
}
