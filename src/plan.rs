//! What should happen next: which reminders are due now, which were missed,
//! and when the daemon must wake again.
//!
//! Pure: the configuration, the state folded from history, and the instants
//! are arguments. The daemon keeps a cursor per habit (everything up to it
//! has been handled) and asks this module what falls between the cursor and
//! now. That one rule covers a timer that fires on time, a laptop that slept
//! through reminders (catch-up), and a clock set forward (no burst) or back
//! (no repeats, since cursors never go back).
//!
//! On top of the schedule, the history decides: a skipped day, a day whose
//! goal is met, or a pause drops reminders; a snooze moves one; and a `pace`
//! habit's next reminder depends on how much was done today.

use std::collections::{HashMap, HashSet};

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

use crate::config::{Config, Goal, Habit};
use crate::event::{Event, Kind};
use crate::schedule::{Schedule, resolve};

/// A pause of all reminders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pause {
    /// When it began.
    pub from: Timestamp,
    /// When it ends; `None` until `resume`.
    pub until: Option<Timestamp>,
}

/// What the history says, as far as planning needs it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct State {
    /// Net `done` amounts per habit and local date (recent dates only).
    pub totals: HashMap<(String, Date), i64>,
    /// Rest days per habit.
    pub skipped: HashSet<(String, Date)>,
    /// Each habit's latest snooze: its reminder comes back at this instant.
    pub snoozed: HashMap<String, Timestamp>,
    /// The current pause, if any.
    pub pause: Option<Pause>,
    /// Each habit's latest reminder (shown or missed).
    pub last_reminded: HashMap<String, Timestamp>,
}

impl State {
    /// Folds recent events (and the latest pause change, which may be older)
    /// into planning state. Events must come in id order.
    pub fn fold<'a>(
        events: impl IntoIterator<Item = &'a Event>,
        pause_change: Option<&Event>,
    ) -> State {
        let mut state = State::default();
        let mut done: HashMap<i64, (String, Date, i64)> = HashMap::new();
        for event in events {
            let Some(habit) = event.habit.clone() else {
                continue;
            };
            match event.kind {
                Kind::Done => {
                    let amount = event.amount.unwrap_or(0);
                    *state.totals.entry((habit.clone(), event.date)).or_default() += amount;
                    done.insert(event.id, (habit, event.date, amount));
                }
                Kind::Undone => {
                    if let Some((habit, date, amount)) =
                        event.target.and_then(|id| done.remove(&id))
                    {
                        *state.totals.entry((habit, date)).or_default() -= amount;
                    }
                }
                Kind::Skipped => {
                    state.skipped.insert((habit, event.date));
                }
                Kind::Snoozed => {
                    if let Some(until) = event.until {
                        state.snoozed.insert(habit, until);
                    }
                }
                Kind::Reminded | Kind::Missed | Kind::Undelivered => {
                    let last = state.last_reminded.entry(habit).or_insert(event.at);
                    *last = (*last).max(event.at);
                }
                Kind::Paused | Kind::Resumed => {}
            }
        }
        state.pause = pause_change
            .filter(|e| e.kind == Kind::Paused)
            .map(|e| Pause {
                from: e.at,
                until: e.until,
            });
        state
    }

    /// How much of `habit` was done on `date`.
    pub fn total(&self, habit: &str, date: Date) -> i64 {
        self.totals
            .get(&(habit.to_string(), date))
            .copied()
            .unwrap_or(0)
    }

    /// Whether `habit`'s goal is met on `date`.
    pub fn met(&self, habit: &Habit, date: Date) -> bool {
        self.total(&habit.id, date) >= i64::from(habit.goal.amount())
    }

    /// Whether `date` is a rest day for `habit`.
    pub fn is_skipped(&self, habit: &str, date: Date) -> bool {
        self.skipped.contains(&(habit.to_string(), date))
    }

    /// Whether reminders are held at `at`.
    pub fn paused_at(&self, at: Timestamp) -> bool {
        self.pause
            .is_some_and(|p| p.from <= at && p.until.is_none_or(|until| at < until))
    }
}

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

/// What planning ahead assumes beyond the history: the reminders planned so
/// far were shown, and (for pace) answered with one unit each.
#[derive(Clone, Copy, Debug, Default)]
struct Assume {
    /// Units assumed done on the day being planned.
    done: i64,
    /// The last reminder planned before the one being asked for.
    previous: Option<Timestamp>,
}

/// An upper bound on how many candidates one question looks at, so a
/// one-second schedule after a month asleep stays cheap.
const SCAN_LIMIT: usize = 100_000;

/// The plan for a configuration given its history.
pub struct Plan<'a> {
    config: &'a Config,
    state: &'a State,
}

impl<'a> Plan<'a> {
    /// A plan over `config` and `state`.
    pub fn new(config: &'a Config, state: &'a State) -> Plan<'a> {
        Plan { config, state }
    }

    /// `habit`'s first reminder after `after`, as the daemon would show it,
    /// with `assume` added to the history (for planning several ahead).
    fn next_for(&self, habit: &Habit, after: Timestamp, assume: Assume) -> Option<Timestamp> {
        let tz = &self.config.timezone;
        let snoozed = self
            .state
            .snoozed
            .get(&habit.id)
            .copied()
            .filter(|&until| until > after);
        let mut cursor = after;
        for _ in 0..SCAN_LIMIT {
            // A snooze replaces every reminder before its end with one at it.
            let at = match snoozed {
                Some(until) if cursor < until => until,
                _ => self.raw_next(habit, cursor, assume)?,
            };
            let date = tz.to_datetime(at).date();
            if self.state.is_skipped(&habit.id, date) || self.state.met(habit, date) {
                // Nothing more that day: jump to its end rather than walk a
                // one-second grid through it.
                cursor = start_of_next_day(self.config, date)?
                    .checked_sub(SignedDuration::from_nanos(1))
                    .ok()?
                    .max(at);
                continue;
            }
            if self.state.paused_at(at) {
                let until = self.state.pause.and_then(|p| p.until)?;
                cursor = until
                    .checked_sub(SignedDuration::from_nanos(1))
                    .ok()?
                    .max(at);
                continue;
            }
            return Some(at);
        }
        None
    }

    /// The schedule's next instant, before history rules apply.
    fn raw_next(&self, habit: &Habit, after: Timestamp, assume: Assume) -> Option<Timestamp> {
        match &habit.schedule {
            Schedule::Pace { window, min_gap } => {
                let tz = &self.config.timezone;
                let mut date = tz.to_datetime(after).date().yesterday().ok()?;
                // Yesterday's window may still be open (past midnight), else
                // today's, else tomorrow's.
                for _ in 0..3 {
                    let start = resolve(tz, date.to_datetime(window.start))?;
                    let end_date = if window.wraps() {
                        date.tomorrow().ok()?
                    } else {
                        date
                    };
                    let end = resolve(tz, end_date.to_datetime(window.end))?;
                    let done = self.state.total(&habit.id, date) + assume.done;
                    let goal = i64::from(habit.goal.amount());
                    if done < goal && after < end {
                        // Even pace: by `start + k/goal` of the window, k should be done.
                        let span = end.duration_since(start);
                        let behind_at = start
                            .checked_add(
                                span.checked_mul(i32::try_from(done.max(0)).ok()?)?
                                    .checked_div(i32::try_from(goal).ok()?)?,
                            )
                            .ok()?;
                        let gap_after = self
                            .state
                            .last_reminded
                            .get(&habit.id)
                            .copied()
                            .max(assume.previous)
                            .and_then(|last| last.checked_add(*min_gap).ok());
                        let mut at = behind_at.max(gap_after.unwrap_or(Timestamp::MIN));
                        if at <= after {
                            at = after
                                .checked_add(SignedDuration::from_nanos(1))
                                .ok()?
                                .max(start);
                            // Round up to a whole second, like every other schedule.
                            at = Timestamp::from_second(
                                at.as_second() + i64::from(at.subsec_nanosecond() > 0),
                            )
                            .ok()?;
                        }
                        if at <= end {
                            return Some(at);
                        }
                    }
                    date = date.tomorrow().ok()?;
                }
                None
            }
            schedule => schedule.next_after(&self.config.timezone, after),
        }
    }

    /// The reminders due after each habit's cursor up to `now`: per habit
    /// at most one to show (the latest within `catch_up` of `now`) and a note
    /// of older ones missed. A habit's cursor is the later of `cursor` and its
    /// last reminder; with no `cursor` (the daemon just started) it is the
    /// habit's last reminder, so what was missed while the machine was off is
    /// counted, or `now - catch_up` for a habit never reminded.
    pub fn due(&self, cursor: Option<Timestamp>, now: Timestamp) -> Vec<Decision> {
        let mut decisions = Vec::new();
        let recent_from = now
            .checked_sub(self.config.catch_up)
            .unwrap_or(Timestamp::MIN);
        for habit in &self.config.habits {
            let last = self.state.last_reminded.get(&habit.id).copied();
            let start = match (cursor, last) {
                (Some(cursor), Some(last)) => cursor.max(last),
                (Some(cursor), None) => cursor,
                (None, Some(last)) => last,
                (None, None) => recent_from,
            };
            // Older than catch-up: only counted, and the count is bounded, so
            // a one-second schedule after a month away stays cheap.
            let missed = self.count_between(habit, start, recent_from.min(now));
            if let Some((first, count)) = missed {
                decisions.push(Decision::Missed {
                    habit: habit.id.clone(),
                    first,
                    count,
                });
            }
            // Within catch-up: the latest one is shown.
            let mut at = start.max(
                recent_from
                    .checked_sub(SignedDuration::from_nanos(1))
                    .unwrap_or(recent_from),
            );
            let mut latest_recent = None;
            for _ in 0..SCAN_LIMIT {
                let assume = Assume {
                    done: 0,
                    previous: latest_recent,
                };
                match self.next_for(habit, at, assume) {
                    Some(next) if next <= now => {
                        at = next;
                        latest_recent = Some(next);
                    }
                    _ => break,
                }
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

    /// The first of `habit`'s reminders in `(after, before)` and how many
    /// there are (up to a bound), if any.
    fn count_between(
        &self,
        habit: &Habit,
        after: Timestamp,
        before: Timestamp,
    ) -> Option<(Timestamp, usize)> {
        let mut found: Option<(Timestamp, usize)> = None;
        let mut at = after;
        for _ in 0..SCAN_LIMIT {
            let assume = Assume {
                done: 0,
                previous: found.map(|_| at),
            };
            match self.next_for(habit, at, assume) {
                Some(next) if next < before => {
                    at = next;
                    found.get_or_insert((next, 0)).1 += 1;
                }
                _ => break,
            }
        }
        found
    }

    fn habit_cursor(&self, habit: &Habit, cursor: Timestamp) -> Timestamp {
        self.state
            .last_reminded
            .get(&habit.id)
            .map_or(cursor, |&last| last.max(cursor))
    }

    /// The first reminder of any habit after `after` (or after the habit's
    /// last reminder, if later).
    pub fn next_wake(&self, after: Timestamp) -> Option<Occurrence> {
        self.config
            .habits
            .iter()
            .filter_map(|h| {
                self.next_for(h, self.habit_cursor(h, after), Assume::default())
                    .map(|at| Occurrence {
                        habit: h.id.clone(),
                        at,
                    })
            })
            .min_by(|a, b| a.at.cmp(&b.at).then_with(|| a.habit.cmp(&b.habit)))
    }

    /// The next `count` reminders after `after`, in time order, ties by
    /// habit id; only of the habits in `only` when it is not empty. Pace
    /// reminders after the first are listed as if each were answered with
    /// one unit.
    pub fn upcoming(&self, only: &[String], after: Timestamp, count: usize) -> Vec<Occurrence> {
        let mut all = Vec::new();
        for habit in self
            .config
            .habits
            .iter()
            .filter(|h| only.is_empty() || only.contains(&h.id))
        {
            let mut at = after;
            let mut assume = Assume::default();
            let mut day = None;
            // Each habit contributes at most `count`: the first `count`
            // overall are among them.
            for _ in 0..count {
                let Some(next) = self.next_for(habit, at, assume) else {
                    break;
                };
                let date = self.config.timezone.to_datetime(next).date();
                if day != Some(date) {
                    day = Some(date);
                    assume.done = 0;
                }
                assume.previous = Some(next);
                all.push(Occurrence {
                    habit: habit.id.clone(),
                    at: next,
                });
                if matches!(habit.schedule, Schedule::Pace { .. }) {
                    assume.done += 1;
                }
                at = next;
            }
        }
        all.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.habit.cmp(&b.habit)));
        all.truncate(count);
        all
    }
}

fn start_of_next_day(config: &Config, date: Date) -> Option<Timestamp> {
    resolve(
        &config.timezone,
        date.tomorrow().ok()?.to_datetime(jiff::civil::Time::MIN),
    )
}

/// How late `occurrence` is at `now` (zero if not yet due).
pub fn lateness(occurrence: &Occurrence, now: Timestamp) -> SignedDuration {
    now.duration_since(occurrence.at).max(SignedDuration::ZERO)
}

impl Goal {
    /// The day's target amount: a count, or minutes.
    pub fn amount(&self) -> u32 {
        match self {
            Goal::Count { count, .. } => *count,
            Goal::Minutes(minutes) => *minutes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Origin, parse_str};
    use crate::event::{NewEvent, Source};

    fn config() -> Config {
        let text = r#"
[settings]
timezone = "UTC"
catch_up = "15m"
[habits.water]
title = "Water"
every = "1h"
between = "09:00-21:00"
goal = { count = 8, unit = "glasses" }
[habits.stretch]
title = "Stretch"
at = "12:30"
[habits.walk]
title = "Walk"
at = "12:30"
goal = { minutes = 20 }
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

    fn event(id: i64, at: &str, habit: Option<&str>, kind: Kind) -> Event {
        let at = ts(at);
        Event {
            id,
            event: NewEvent::new(
                at,
                at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date(),
                habit,
                kind,
                Source::Cli,
            ),
        }
    }

    fn with(mut e: Event, f: impl FnOnce(&mut NewEvent)) -> Event {
        f(&mut e.event);
        e
    }

    #[test]
    fn upcoming_orders_by_time_then_id() {
        let c = config();
        let state = State::default();
        let plan = Plan::new(&c, &state);
        let next = plan.upcoming(&[], ts("2026-11-26T11:30:00Z"), 4);
        assert_eq!(
            next,
            [
                occ("water", "2026-11-26T12:00:00Z"),
                occ("stretch", "2026-11-26T12:30:00Z"),
                occ("walk", "2026-11-26T12:30:00Z"),
                occ("water", "2026-11-26T13:00:00Z"),
            ]
        );
        let only = plan.upcoming(&["walk".into()], ts("2026-11-26T11:30:00Z"), 2);
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
        let state = State::default();
        let plan = Plan::new(&c, &state);
        let d = plan.due(
            Some(ts("2026-11-26T12:00:00Z")),
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
            plan.next_wake(ts("2026-11-26T12:30:00.001Z")),
            Some(occ("water", "2026-11-26T13:00:00Z"))
        );
    }

    #[test]
    fn waking_late_shows_one_per_habit_within_catch_up_and_skips_older() {
        let c = config();
        let state = State::default();
        // Asleep from 10:05 to 13:10: water's 11:00 and 12:00 are too old, 13:00 is
        // 10 minutes late; the 12:30 habits are 40 minutes late.
        let d =
            Plan::new(&c, &state).due(Some(ts("2026-11-26T10:05:00Z")), ts("2026-11-26T13:10:00Z"));
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
    fn after_boot_old_misses_are_counted_and_a_recent_one_shown() {
        let c = config();
        // Last reminded at 09:00, then off until 13:10: 10:00 to 12:00 are
        // missed, 13:00 is shown.
        let events = [event(
            1,
            "2026-11-26T09:00:00Z",
            Some("water"),
            Kind::Reminded,
        )];
        let state = State::fold(&events, None);
        let d = Plan::new(&c, &state).due(None, ts("2026-11-26T13:10:00Z"));
        let water: Vec<&Decision> = d
            .iter()
            .filter(|d| {
                matches!(d, Decision::Show(o) if o.habit == "water")
                    || matches!(d, Decision::Missed { habit, .. } if habit == "water")
            })
            .collect();
        assert_eq!(
            water,
            [
                &Decision::Missed {
                    habit: "water".into(),
                    first: ts("2026-11-26T10:00:00Z"),
                    count: 3
                },
                &Decision::Show(occ("water", "2026-11-26T13:00:00Z")),
            ]
        );
        // Habits never reminded only look back as far as catch-up: 12:30 is
        // 40 minutes ago, so nothing for them.
        assert!(
            !d.iter()
                .any(|d| matches!(d, Decision::Show(o) if o.habit == "stretch"))
        );
    }

    #[test]
    fn a_clock_set_back_repeats_nothing() {
        let c = config();
        let state = State::default();
        assert!(
            Plan::new(&c, &state)
                .due(Some(ts("2026-11-26T13:00:00Z")), ts("2026-11-26T11:00:00Z"))
                .is_empty()
        );
    }

    #[test]
    fn a_clock_set_forward_does_not_burst() {
        let c = config();
        let state = State::default();
        let d =
            Plan::new(&c, &state).due(Some(ts("2026-11-26T09:30:00Z")), ts("2026-11-27T09:05:00Z"));
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
    fn a_restart_does_not_repeat_what_was_reminded() {
        let c = config();
        let events = [event(
            1,
            "2026-11-26T12:30:00Z",
            Some("stretch"),
            Kind::Reminded,
        )];
        let state = State::fold(&events, None);
        let d =
            Plan::new(&c, &state).due(Some(ts("2026-11-26T12:20:00Z")), ts("2026-11-26T12:31:00Z"));
        assert_eq!(d, [Decision::Show(occ("walk", "2026-11-26T12:30:00Z"))]);
    }

    #[test]
    fn a_met_goal_or_a_skip_ends_the_day_s_reminders() {
        let c = config();
        let events = [
            with(
                event(1, "2026-11-26T10:00:00Z", Some("water"), Kind::Done),
                |e| e.amount = Some(8),
            ),
            event(2, "2026-11-26T10:00:00Z", Some("stretch"), Kind::Skipped),
        ];
        let state = State::fold(&events, None);
        let plan = Plan::new(&c, &state);
        let after = ts("2026-11-26T10:00:00Z");
        assert_eq!(
            plan.upcoming(&["water".into()], after, 1),
            [occ("water", "2026-11-27T09:00:00Z")]
        );
        assert_eq!(
            plan.upcoming(&["stretch".into()], after, 1),
            [occ("stretch", "2026-11-27T12:30:00Z")]
        );
    }

    #[test]
    fn undo_takes_a_completion_back() {
        let c = config();
        let events = [
            with(
                event(1, "2026-11-26T10:00:00Z", Some("water"), Kind::Done),
                |e| e.amount = Some(8),
            ),
            with(
                event(2, "2026-11-26T10:01:00Z", Some("water"), Kind::Undone),
                |e| e.target = Some(1),
            ),
        ];
        let state = State::fold(&events, None);
        assert_eq!(
            state.total(
                "water",
                ts("2026-11-26T10:00:00Z")
                    .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                    .date()
            ),
            0
        );
        let plan = Plan::new(&c, &state);
        assert_eq!(
            plan.next_wake(ts("2026-11-26T10:30:00Z")),
            Some(occ("water", "2026-11-26T11:00:00Z"))
        );
    }

    #[test]
    fn a_snooze_moves_the_reminder() {
        let c = config();
        let events = [with(
            event(1, "2026-11-26T12:30:05Z", Some("stretch"), Kind::Snoozed),
            |e| e.until = Some(ts("2026-11-26T12:40:05Z")),
        )];
        let state = State::fold(&events, None);
        let plan = Plan::new(&c, &state);
        let next = plan.upcoming(&["stretch".into()], ts("2026-11-26T12:30:05Z"), 2);
        assert_eq!(
            next,
            [
                occ("stretch", "2026-11-26T12:40:05Z"),
                occ("stretch", "2026-11-27T12:30:00Z")
            ]
        );
        // A snooze also replaces a reminder that was still ahead.
        let water = [with(
            event(1, "2026-11-26T12:50:00Z", Some("water"), Kind::Snoozed),
            |e| e.until = Some(ts("2026-11-26T13:20:00Z")),
        )];
        let state = State::fold(&water, None);
        let plan = Plan::new(&c, &state);
        assert_eq!(
            plan.upcoming(&["water".into()], ts("2026-11-26T12:50:00Z"), 2),
            [
                occ("water", "2026-11-26T13:20:00Z"),
                occ("water", "2026-11-26T14:00:00Z")
            ]
        );
    }

    #[test]
    fn a_pause_holds_everything_until_it_ends() {
        let c = config();
        let pause = with(event(1, "2026-11-26T10:00:00Z", None, Kind::Paused), |e| {
            e.until = Some(ts("2026-11-26T13:30:00Z"))
        });
        let state = State::fold(&[], Some(&pause));
        let plan = Plan::new(&c, &state);
        assert_eq!(
            plan.next_wake(ts("2026-11-26T10:00:00Z")),
            Some(occ("water", "2026-11-26T14:00:00Z"))
        );
        let open_ended = with(pause.clone(), |e| e.until = None);
        let state = State::fold(&[], Some(&open_ended));
        assert_eq!(
            Plan::new(&c, &state).next_wake(ts("2026-11-26T10:00:00Z")),
            None
        );
        let resumed = event(2, "2026-11-26T11:00:00Z", None, Kind::Resumed);
        let state = State::fold(&[], Some(&resumed));
        assert_eq!(state.pause, None);
    }

    fn pace_config() -> Config {
        let text = r#"
[settings]
timezone = "UTC"
[habits.water]
title = "Water"
pace = "09:00-21:00"
min_gap = "30m"
goal = { count = 8, unit = "glasses" }
"#;
        parse_str(text, Origin::Builtin).unwrap()
    }

    #[test]
    fn pace_keeps_an_even_pace_to_the_goal() {
        let c = pace_config();
        let state = State::default();
        let plan = Plan::new(&c, &state);
        // Nothing done: the first reminder opens the window; keeping pace,
        // one glass every 12h/8 = 1h30m.
        let next: Vec<String> = plan
            .upcoming(&[], ts("2026-11-26T08:00:00Z"), 3)
            .iter()
            .map(|o| o.at.to_string())
            .collect();
        assert_eq!(
            next,
            [
                "2026-11-26T09:00:00Z",
                "2026-11-26T10:30:00Z",
                "2026-11-26T12:00:00Z"
            ]
        );
    }

    #[test]
    fn pace_logging_pushes_back_and_falling_behind_brings_forward() {
        let c = pace_config();
        // Three glasses by 10:00: the next is due when the pace reaches 3/8,
        // at 13:30.
        let ahead = [with(
            event(1, "2026-11-26T10:00:00Z", Some("water"), Kind::Done),
            |e| e.amount = Some(3),
        )];
        let state = State::fold(&ahead, None);
        assert_eq!(
            Plan::new(&c, &state).next_wake(ts("2026-11-26T10:00:00Z")),
            Some(occ("water", "2026-11-26T13:30:00Z"))
        );
        // Nothing by 15:00 after a reminder at 14:50: behind, so the next comes
        // as soon as the minimum gap allows.
        let behind = [event(
            1,
            "2026-11-26T14:50:00Z",
            Some("water"),
            Kind::Reminded,
        )];
        let state = State::fold(&behind, None);
        assert_eq!(
            Plan::new(&c, &state).next_wake(ts("2026-11-26T15:00:00Z")),
            Some(occ("water", "2026-11-26T15:20:00Z"))
        );
    }

    #[test]
    fn pace_behind_lists_reminders_min_gap_apart() {
        let c = pace_config();
        let state = State::default();
        let next: Vec<String> = Plan::new(&c, &state)
            .upcoming(&[], ts("2026-11-26T14:00:00Z"), 3)
            .iter()
            .map(|o| o.at.to_string())
            .collect();
        // 0 of 8 at 14:00 is far behind: now, then every 30 minutes while
        // still behind even after one glass per reminder.
        assert_eq!(
            next,
            [
                "2026-11-26T14:00:01Z",
                "2026-11-26T14:30:01Z",
                "2026-11-26T15:00:01Z"
            ]
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
