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

use std::collections::binary_heap::PeekMut;
use std::collections::{BinaryHeap, HashMap, HashSet};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::config::{CHECKIN, Config, Habit};
use crate::diary::{DiaryEntry, Night};
use crate::event::{Event, Kind};
use crate::schedule::{Schedule, resolve};
use crate::timespec::Window;

/// A snooze of one habit's reminders: those falling in `(from, until)` are
/// replaced by one at `until`. Instants it does not cover are not touched,
/// so planning from a date before the snooze (or after it) is unaffected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Snooze {
    /// When it was asked for.
    pub from: Timestamp,
    /// When the reminder comes back.
    pub until: Timestamp,
}

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
    /// Each habit's latest snooze.
    pub snoozed: HashMap<String, Snooze>,
    /// The current pause, if any.
    pub pause: Option<Pause>,
    /// Which reminders are behind us.
    pub reminded: Cursor,
    /// The cramp diary's entries of the nights the advice looks at (8
    /// weeks), last night's among them (for status and the morning
    /// check-in; planning does not read them).
    pub diary: Vec<DiaryEntry>,
}

/// Which reminders have been handled: each habit's latest reminder (shown,
/// missed or undelivered), and the instant up to which the daemon has looked
/// at every habit. A reminder at or before a habit's cursor is never shown
/// again; one after it is due once the clock passes it.
///
/// The one rule that needs care is time going backwards: a clock that ran
/// ahead (a dual-boot machine keeping local time in the hardware clock, a
/// wrong manual setting) leaves cursors in the future, which would silence
/// every reminder until the clock catches up. Like systemd's
/// `timer_time_change()`, [`Cursor::rewind`] pulls every cursor back to the
/// corrected now, so reminders resume at their true times and nothing at or
/// before now — everything the user may have seen — comes again.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    /// Every habit has been looked at up to here (`None` before the daemon's
    /// first look, when each habit starts from its own last reminder).
    through: Option<Timestamp>,
    /// Each habit's latest reminder.
    last: HashMap<String, Timestamp>,
}

impl Cursor {
    /// `habit`'s latest reminder.
    pub fn last(&self, habit: &str) -> Option<Timestamp> {
        self.last.get(habit).copied()
    }

    /// Whether no reminder is known at all.
    pub fn is_empty(&self) -> bool {
        self.through.is_none() && self.last.is_empty()
    }

    /// Notes a reminder of `habit` at `at`; an older one changes nothing.
    pub fn note(&mut self, habit: &str, at: Timestamp) {
        match self.last.get_mut(habit) {
            Some(last) => *last = (*last).max(at),
            None => {
                self.last.insert(habit.to_string(), at);
            }
        }
    }

    /// Notes that every habit has been looked at up to `at`.
    pub fn looked_through(&mut self, at: Timestamp) {
        self.through = Some(self.through.map_or(at, |t| t.max(at)));
    }

    /// Where `habit`'s next reminder is searched from, if anywhere is known.
    pub fn start(&self, habit: &str) -> Option<Timestamp> {
        self.through.max(self.last(habit))
    }

    /// Pulls every cursor past `now` back to `now` (see the type's doc);
    /// returns whether any moved.
    pub fn rewind(&mut self, now: Timestamp) -> bool {
        let mut moved = false;
        for at in self.through.iter_mut().chain(self.last.values_mut()) {
            if *at > now {
                *at = now;
                moved = true;
            }
        }
        moved
    }

    /// Takes in what `other` knows (the later of each).
    pub fn merge(&mut self, other: &Cursor) {
        if let Some(through) = other.through {
            self.looked_through(through);
        }
        for (habit, &at) in &other.last {
            self.note(habit, at);
        }
    }

    /// Forgets habits no longer configured.
    pub fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.last.retain(|habit, _| keep(habit));
    }
}

impl State {
    /// Folds recent rest days, snoozes and reminders (and the latest pause
    /// change, which may be older) into planning state. Events must come in
    /// id order. Completions are not folded here: the day totals come from
    /// the store, which owns the rule that a `done` counts unless an
    /// `undone` names it.
    pub fn fold<'a>(
        events: impl IntoIterator<Item = &'a Event>,
        pause_change: Option<&Event>,
    ) -> State {
        let mut state = State::default();
        for event in events {
            let Some(habit) = event.habit.clone() else {
                continue;
            };
            match event.kind {
                Kind::Skipped => {
                    state.skipped.insert((habit, event.date));
                }
                Kind::Snoozed => {
                    if let Some(until) = event.until {
                        let from = event.at;
                        state.snoozed.insert(habit, Snooze { from, until });
                    }
                }
                Kind::Reminded | Kind::Missed | Kind::Undelivered => {
                    state.reminded.note(&habit, event.at);
                }
                Kind::Done
                | Kind::Undone
                | Kind::Paused
                | Kind::Resumed
                | Kind::Cramp
                | Kind::NoCramps => {}
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

    /// Takes in what the daemon decided itself, which a read of the store
    /// may not hold yet (asked for before it was written, or waiting to be
    /// written): the later reminder cursors, and the check-in's `skipped`
    /// days, which are then never recorded twice.
    pub fn merge_own(&mut self, mine: &State) {
        self.reminded.merge(&mine.reminded);
        self.skipped.extend(
            mine.skipped
                .iter()
                .filter(|(reminder, _)| reminder == CHECKIN)
                .cloned(),
        );
    }

    /// Forgets totals and rest days before `date`, and diary nights before
    /// those the advice on `date` looks at: planning looks no further back,
    /// and a daemon running for months keeps a flat memory.
    pub fn forget_before(&mut self, date: Date) {
        self.totals.retain(|(_, day), _| *day >= date);
        self.skipped.retain(|(_, day)| *day >= date);
        let advice_from = crate::report::advice_first_night(date);
        self.diary.retain(|entry| entry.night >= advice_from);
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

    /// Whether `reminder` has nothing left to ask on `date`: a habit's goal
    /// is met, or the check-in's night (the one before `date`) is recorded.
    pub fn settled(&self, reminder: &Habit, date: Date) -> bool {
        if reminder.id == CHECKIN {
            date.yesterday()
                .is_ok_and(|night| Night::of(&self.diary, night).is_recorded())
        } else {
            self.met(reminder, date)
        }
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
    /// Reminders from `first` on were due but are not shown: older than
    /// `catch_up`, or followed by a later one that is shown instead.
    Missed {
        /// The habit's id.
        habit: String,
        /// The earliest one not shown.
        first: Timestamp,
        /// The latest one not shown.
        last: Timestamp,
        /// How many were skipped (counted up to a bound).
        count: usize,
    },
}

/// A run of reminders not shown.
#[derive(Clone, Copy, Debug)]
struct Missed {
    first: Timestamp,
    last: Timestamp,
    count: usize,
}

impl Missed {
    /// `run` with one more reminder at `at`, later than those in it.
    fn add(run: Option<Missed>, at: Timestamp) -> Missed {
        match run {
            Some(run) => Missed {
                last: at,
                count: run.count + 1,
                ..run
            },
            None => Missed {
                first: at,
                last: at,
                count: 1,
            },
        }
    }
}

/// What planning ahead assumes beyond the history: the reminders planned so
/// far were shown, and (for pace) answered with one unit each.
#[derive(Clone, Copy, Debug, Default)]
struct Assume {
    /// Units assumed done on `day`, the day being planned.
    done: i64,
    /// The day `done` is for (for pace: the day the window opens).
    day: Option<Date>,
    /// The last reminder planned before the one being asked for.
    previous: Option<Timestamp>,
}

/// An upper bound on how many candidates one question looks at, so a
/// one-second schedule after a month asleep stays cheap.
const SCAN_LIMIT: usize = 100_000;

#[cfg(test)]
thread_local! {
    /// How many reminders this thread has planned, so a test can pin what a
    /// question costs without timing it.
    static PLANNED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// The plan for a configuration given its history.
#[derive(Clone, Copy)]
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
        #[cfg(test)]
        PLANNED.with(|n| n.set(n.get() + 1));
        let tz = &self.config.timezone;
        let snooze = self.state.snoozed.get(&habit.id).copied();
        let mut cursor = after;
        for _ in 0..SCAN_LIMIT {
            let raw = self.raw_next(habit, cursor, assume);
            let at = match snooze {
                // The snoozed reminder comes back at its end, in place of
                // those it covers.
                Some(s) if cursor < s.until => match raw {
                    Some(raw) if raw <= s.from => raw,
                    _ => s.until,
                },
                _ => raw?,
            };
            let date = tz.to_datetime(at).date();
            if self.state.is_skipped(&habit.id, date) || self.state.settled(habit, date) {
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
                    let (start, end) = pace_window(tz, *window, date)?;
                    let assumed = if assume.day == Some(date) {
                        assume.done
                    } else {
                        0
                    };
                    let done = self.state.total(&habit.id, date) + assumed;
                    let goal = i64::from(habit.goal.amount());
                    if done < goal && after < end {
                        // The next is reminded of when the last done falls due.
                        let behind_at = pace_due(start, end, done.max(0), habit.goal.amount())?;
                        // The gap is kept within a window: a late reminder
                        // the day before does not shift this day's pace.
                        let gap_after = self
                            .state
                            .reminded
                            .last(&habit.id)
                            .max(assume.previous)
                            .filter(|&last| last >= start)
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
    /// at most one to show (the latest within `catch_up` of `now`) and one
    /// note of every other one missed, so each due reminder is accounted for
    /// exactly once. A habit never reminded, before the daemon's first look,
    /// looks back as far as `catch_up`.
    ///
    /// `on_time_from` is the instant the daemon's timer was armed for when
    /// it is the timer that woke it: a reminder fired by its own timer is on
    /// time, however short `catch_up` (the timer fires a little after the
    /// instant, and `catch_up = "0s"` must not skip it).
    pub fn due(&self, now: Timestamp, on_time_from: Option<Timestamp>) -> Vec<Decision> {
        let mut decisions = Vec::new();
        let recent_from = now
            .checked_sub(self.config.catch_up)
            .unwrap_or(Timestamp::MIN)
            .min(on_time_from.unwrap_or(Timestamp::MAX));
        for habit in self.config.reminders() {
            let start = self.state.reminded.start(&habit.id).unwrap_or(recent_from);
            // Older than catch-up: only counted, and the count is bounded, so
            // a one-second schedule after a month away stays cheap.
            let old = self.count_between(habit, start, recent_from.min(now));
            // Within catch-up: the latest one is shown, the others counted.
            let mut at = start.max(
                recent_from
                    .checked_sub(SignedDuration::from_nanos(1))
                    .unwrap_or(recent_from),
            );
            let mut recent: Option<Missed> = None;
            let mut latest = None;
            for _ in 0..SCAN_LIMIT {
                let assume = Assume {
                    previous: latest,
                    ..Assume::default()
                };
                match self.next_for(habit, at, assume) {
                    Some(next) if next <= now => {
                        if let Some(passed) = latest {
                            recent = Some(Missed::add(recent, passed));
                        }
                        at = next;
                        latest = Some(next);
                    }
                    _ => break,
                }
            }
            let missed = match (old, recent) {
                (Some(old), Some(recent)) => Some(Missed {
                    first: old.first,
                    last: recent.last,
                    count: old.count + recent.count,
                }),
                (one, other) => one.or(other),
            };
            if let Some(Missed { first, last, count }) = missed {
                decisions.push(Decision::Missed {
                    habit: habit.id.clone(),
                    first,
                    last,
                    count,
                });
            }
            if let Some(at) = latest {
                decisions.push(Decision::Show(Occurrence {
                    habit: habit.id.clone(),
                    at,
                }));
            }
        }
        decisions
    }

    /// `habit`'s reminders in `(after, before)`, if any (counted up to a
    /// bound).
    fn count_between(&self, habit: &Habit, after: Timestamp, before: Timestamp) -> Option<Missed> {
        let mut found: Option<Missed> = None;
        let mut at = after;
        for _ in 0..SCAN_LIMIT {
            let assume = Assume {
                previous: found.map(|_| at),
                ..Assume::default()
            };
            match self.next_for(habit, at, assume) {
                Some(next) if next < before => {
                    at = next;
                    found = Some(Missed::add(found, next));
                }
                _ => break,
            }
        }
        found
    }

    fn habit_cursor(&self, habit: &Habit, after: Timestamp) -> Timestamp {
        self.state
            .reminded
            .last(&habit.id)
            .map_or(after, |last| last.max(after))
    }

    /// The first reminder of any habit after `after` (or after the habit's
    /// last reminder, if later).
    pub fn next_wake(&self, after: Timestamp) -> Option<Occurrence> {
        self.config
            .reminders()
            .filter_map(|h| {
                Some((
                    self.next_for(h, self.habit_cursor(h, after), Assume::default())?,
                    h,
                ))
            })
            // Ids are cloned once, for the winner, not once per habit.
            .min_by(|(a, ha), (b, hb)| a.cmp(b).then_with(|| ha.id.cmp(&hb.id)))
            .map(|(at, h)| Occurrence {
                habit: h.id.clone(),
                at,
            })
    }

    /// Whether `habit`'s reminder due at `due`, held while the user was
    /// away, is still worth showing at `now`: until the habit's next
    /// reminder would replace it, and no later than the end of its day; not
    /// once that day is met, skipped or `now` paused. A pace reminder is
    /// never shown late: its next one is planned from what is done by then,
    /// so the pace replaces it.
    pub fn still_open(&self, habit: &Habit, due: Timestamp, now: Timestamp) -> bool {
        if matches!(habit.schedule, Schedule::Pace { .. }) || due > now {
            return false;
        }
        let day = self.config.timezone.to_datetime(due).date();
        let closes = start_of_next_day(self.config, day)
            .into_iter()
            .chain(self.next_for(habit, due, Assume::default()))
            .min();
        closes.is_some_and(|closes| now < closes)
            && !self.state.is_skipped(&habit.id, day)
            && !self.state.settled(habit, day)
            && !self.state.paused_at(now)
    }

    /// `habit`'s next reminder after `after`: the first that
    /// [`Plan::upcoming`] lists for it.
    pub fn next_of(&self, habit: &Habit, after: Timestamp) -> Option<Timestamp> {
        self.next_for(habit, after, Assume::default())
    }

    /// The next `count` reminders after `after`, in time order, ties by
    /// habit id; only of the habits in `only` when it is not empty. Pace
    /// reminders after the first are listed as if each were answered with
    /// one unit.
    pub fn upcoming(&self, only: &[String], after: Timestamp, count: usize) -> Vec<Occurrence> {
        self.reminders(only, after)
            .take(count)
            .map(|(habit, at)| Occurrence {
                habit: habit.id.clone(),
                at,
            })
            .collect()
    }

    /// The reminders [`Plan::upcoming`] lists, with their habits, each
    /// planned only when asked for.
    pub fn reminders(&self, only: &[String], after: Timestamp) -> Reminders<'a> {
        let plan = *self;
        let heap = self
            .config
            .reminders()
            .filter(|h| only.is_empty() || only.contains(&h.id))
            .filter_map(|habit| {
                let assume = Assume::default();
                let at = plan.next_for(habit, after, assume)?;
                Some(Pending { at, habit, assume })
            })
            .collect();
        Reminders {
            plan,
            heap,
            listed: false,
        }
    }

    /// What planning ahead assumes after `habit`'s reminder at `at` is
    /// listed: it was shown and, for pace, answered with one unit on the day
    /// its window opened. Other schedules do not read `Assume`.
    fn assume_shown(&self, habit: &Habit, at: Timestamp, mut assume: Assume) -> Assume {
        if let Schedule::Pace { window, .. } = &habit.schedule {
            let day = window.day_of(self.config.timezone.to_datetime(at));
            if assume.day != Some(day) {
                assume.day = Some(day);
                assume.done = 0;
            }
            assume.done += 1;
            assume.previous = Some(at);
        }
        assume
    }
}

/// When a pace window opens and closes on `date` (the day it opens).
pub fn pace_window(tz: &TimeZone, window: Window, date: Date) -> Option<(Timestamp, Timestamp)> {
    let start = resolve(tz, date.to_datetime(window.start))?;
    let end_date = if window.wraps() {
        date.tomorrow().ok()?
    } else {
        date
    };
    Some((start, resolve(tz, end_date.to_datetime(window.end))?))
}

/// When the `k`-th of `goal` falls due at an even pace across `start` to
/// `end`: once k/goal of the window has passed. The one pace rule: the
/// daemon reminds of the next one when the last done falls due, and a
/// habit is behind once the next one has.
pub fn pace_due(start: Timestamp, end: Timestamp, k: i64, goal: u32) -> Option<Timestamp> {
    let k = i32::try_from(k.min(i64::from(goal))).ok()?;
    let goal = i32::try_from(goal).ok()?.max(1);
    let span = end.duration_since(start);
    start
        .checked_add(span.checked_mul(k)?.checked_div(goal)?)
        .ok()
}

/// The reminders after an instant, in time order: see [`Plan::reminders`].
///
/// A merge of the habits' own sequences: a heap holds each habit's next
/// reminder, and listing the earliest puts that habit's following one in its
/// place, so `n` reminders of `h` habits cost `n + h` planned, not `n × h`.
pub struct Reminders<'a> {
    plan: Plan<'a>,
    heap: BinaryHeap<Pending<'a>>,
    /// The heap's top was listed: the next call replaces it with its
    /// habit's following reminder (not before, so the last one listed costs
    /// nothing more).
    listed: bool,
}

impl<'a> Iterator for Reminders<'a> {
    type Item = (&'a Habit, Timestamp);

    fn next(&mut self) -> Option<Self::Item> {
        if std::mem::take(&mut self.listed) {
            let mut top = self.heap.peek_mut()?;
            let assume = self.plan.assume_shown(top.habit, top.at, top.assume);
            match self.plan.next_for(top.habit, top.at, assume) {
                // Dropping the changed top sifts it down to its place.
                Some(at) => {
                    top.at = at;
                    top.assume = assume;
                }
                None => {
                    PeekMut::pop(top);
                }
            }
        }
        let top = self.heap.peek()?;
        self.listed = true;
        Some((top.habit, top.at))
    }
}

/// One habit's place in [`Reminders`]' merge: its next reminder and
/// what planning it assumed. Ordered so that the heap's top (its greatest)
/// is the earliest reminder, ties going to the smaller habit id.
struct Pending<'c> {
    at: Timestamp,
    habit: &'c Habit,
    assume: Assume,
}

impl Pending<'_> {
    fn key(&self) -> (Timestamp, &str) {
        (self.at, &self.habit.id)
    }
}

impl Ord for Pending<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other.key().cmp(&self.key())
    }
}

impl PartialOrd for Pending<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Pending<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Pending<'_> {}

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

    fn day(s: &str) -> Date {
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
            origin: None,
        }
    }

    /// `state` with every habit looked at up to `through`.
    fn looked(state: &State, through: &str) -> State {
        let mut state = state.clone();
        state.reminded.looked_through(ts(through));
        state
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
        let mut state = state;
        state.reminded.looked_through(ts("2026-11-26T12:00:00Z"));
        let plan = Plan::new(&c, &state);
        let d = plan.due(ts("2026-11-26T12:30:00.001Z"), None);
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
        let d = Plan::new(&c, &looked(&state, "2026-11-26T10:05:00Z"))
            .due(ts("2026-11-26T13:10:00Z"), None);
        assert_eq!(
            d,
            [
                Decision::Missed {
                    habit: "stretch".into(),
                    first: ts("2026-11-26T12:30:00Z"),
                    last: ts("2026-11-26T12:30:00Z"),
                    count: 1
                },
                Decision::Missed {
                    habit: "walk".into(),
                    first: ts("2026-11-26T12:30:00Z"),
                    last: ts("2026-11-26T12:30:00Z"),
                    count: 1
                },
                Decision::Missed {
                    habit: "water".into(),
                    first: ts("2026-11-26T11:00:00Z"),
                    last: ts("2026-11-26T12:00:00Z"),
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
        let d = Plan::new(&c, &state).due(ts("2026-11-26T13:10:00Z"), None);
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
                    last: ts("2026-11-26T12:00:00Z"),
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
            Plan::new(&c, &looked(&state, "2026-11-26T13:00:00Z"))
                .due(ts("2026-11-26T11:00:00Z"), None)
                .is_empty()
        );
    }

    #[test]
    fn a_clock_set_back_is_rewound_and_reminders_resume_at_their_true_times() {
        let c = config();
        // The clock ran ahead to 16:05 and water was reminded at 16:00; NTP
        // then set it back to 10:30.
        let mut state = State::fold(
            &[event(
                1,
                "2026-11-26T16:00:00Z",
                Some("water"),
                Kind::Reminded,
            )],
            None,
        );
        state.reminded.looked_through(ts("2026-11-26T16:05:00Z"));
        assert!(state.reminded.rewind(ts("2026-11-26T10:30:00Z")));
        assert!(!state.reminded.rewind(ts("2026-11-26T10:30:00Z")));
        let plan = Plan::new(&c, &state);
        // Nothing at or before the corrected now comes again...
        assert!(plan.due(ts("2026-11-26T10:30:00Z"), None).is_empty());
        // ...and 11:00 comes at 11:00, not at 16:00's successor.
        assert_eq!(
            plan.next_wake(ts("2026-11-26T10:30:00Z")),
            Some(occ("water", "2026-11-26T11:00:00Z"))
        );
    }

    #[test]
    fn every_reminder_in_the_catch_up_window_is_shown_or_counted_missed() {
        let mut c = config();
        c.catch_up = SignedDuration::from_hours(3);
        // Asleep from 09:30 to 12:10: 10:00 and 11:00 are missed, 12:00 shown.
        let state = looked(&State::default(), "2026-11-26T09:30:00Z");
        let d = Plan::new(&c, &state).due(ts("2026-11-26T12:10:00Z"), None);
        let water: Vec<_> = d
            .into_iter()
            .filter(|d| match d {
                Decision::Show(o) => o.habit == "water",
                Decision::Missed { habit, .. } => habit == "water",
            })
            .collect();
        assert_eq!(
            water,
            [
                Decision::Missed {
                    habit: "water".into(),
                    first: ts("2026-11-26T10:00:00Z"),
                    last: ts("2026-11-26T11:00:00Z"),
                    count: 2
                },
                Decision::Show(occ("water", "2026-11-26T12:00:00Z")),
            ]
        );
    }

    #[test]
    fn a_reminder_fired_by_its_own_timer_is_on_time_even_with_no_catch_up() {
        let mut c = config();
        c.catch_up = SignedDuration::ZERO;
        let state = looked(&State::default(), "2026-11-26T12:45:00Z");
        let plan = Plan::new(&c, &state);
        let fired = ts("2026-11-26T13:00:00.000050Z");
        assert_eq!(
            plan.due(fired, Some(ts("2026-11-26T13:00:00Z"))),
            [Decision::Show(occ("water", "2026-11-26T13:00:00Z"))]
        );
        // Woken by something else (a resume from suspend), it is late.
        assert_eq!(
            plan.due(fired, None),
            [Decision::Missed {
                habit: "water".into(),
                first: ts("2026-11-26T13:00:00Z"),
                last: ts("2026-11-26T13:00:00Z"),
                count: 1
            }]
        );
    }

    #[test]
    fn a_clock_set_forward_does_not_burst() {
        let c = config();
        let state = State::default();
        let d = Plan::new(&c, &looked(&state, "2026-11-26T09:30:00Z"))
            .due(ts("2026-11-27T09:05:00Z"), None);
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
        let d = Plan::new(&c, &looked(&state, "2026-11-26T12:20:00Z"))
            .due(ts("2026-11-26T12:31:00Z"), None);
        assert_eq!(d, [Decision::Show(occ("walk", "2026-11-26T12:30:00Z"))]);
    }

    #[test]
    fn a_met_goal_or_a_skip_ends_the_day_s_reminders() {
        let c = config();
        let events = [event(
            2,
            "2026-11-26T10:00:00Z",
            Some("stretch"),
            Kind::Skipped,
        )];
        let mut state = State::fold(&events, None);
        state.totals.insert(("water".into(), day("2026-11-26")), 8);
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
[checkin]
enabled = false
[habits.water]
title = "Water"
pace = "09:00-21:00"
min_gap = "30m"
goal = { count = 8, unit = "glasses" }
"#;
        parse_str(text, Origin::Builtin).unwrap()
    }

    #[test]
    fn a_snooze_touches_only_the_instants_it_covers() {
        let c = config();
        let events = [with(
            event(1, "2026-11-26T12:30:05Z", Some("stretch"), Kind::Snoozed),
            |e| e.until = Some(ts("2026-11-26T12:40:05Z")),
        )];
        let state = State::fold(&events, None);
        let plan = Plan::new(&c, &state);
        // Planned from weeks before, or after it: the schedule as is.
        assert_eq!(
            plan.upcoming(&["stretch".into()], ts("2026-11-01T00:00:00Z"), 1),
            [occ("stretch", "2026-11-01T12:30:00Z")]
        );
        assert_eq!(
            plan.upcoming(&["stretch".into()], ts("2026-12-01T00:00:00Z"), 1),
            [occ("stretch", "2026-12-01T12:30:00Z")]
        );
        // From the day before, the day's reminder is the snoozed one.
        assert_eq!(
            plan.upcoming(&["stretch".into()], ts("2026-11-25T13:00:00Z"), 2),
            [
                occ("stretch", "2026-11-26T12:30:00Z"),
                occ("stretch", "2026-11-26T12:40:05Z")
            ]
        );
    }

    #[test]
    fn pace_goes_on_day_after_day_in_a_listing() {
        let c = pace_config();
        let state = State::default();
        let listed = Plan::new(&c, &state).upcoming(&[], ts("2026-12-01T00:00:00Z"), 20);
        assert_eq!(listed.len(), 20, "{listed:?}");
        let days: HashSet<Date> = listed
            .iter()
            .map(|o| o.at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date())
            .collect();
        assert_eq!(days.len(), 3, "8 a day over three days: {listed:?}");
        assert_eq!(listed[8], occ("water", "2026-12-02T09:00:00Z"));
    }

    #[test]
    fn a_late_reminder_the_day_before_does_not_shift_the_pace() {
        let mut c = pace_config();
        if let Schedule::Pace { min_gap, .. } = &mut c.habits[0].schedule {
            *min_gap = SignedDuration::from_hours(13);
        }
        let mut state = State::default();
        state.reminded.note("water", ts("2026-11-25T20:59:00Z"));
        assert_eq!(
            Plan::new(&c, &state).next_wake(ts("2026-11-26T00:00:00Z")),
            Some(occ("water", "2026-11-26T09:00:00Z"))
        );
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
        let mut state = State::default();
        state.totals.insert(("water".into(), day("2026-11-26")), 3);
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

    /// How many reminders `f` plans.
    fn planned<T>(f: impl FnOnce() -> T) -> (T, usize) {
        let before = PLANNED.with(|n| n.get());
        let result = f();
        (result, PLANNED.with(|n| n.get()) - before)
    }

    #[test]
    fn listing_the_next_100_of_1000_habits_plans_1100_reminders_not_100000() {
        let mut text =
            String::from("[settings]\ntimezone = \"Europe/Berlin\"\n[checkin]\nenabled = false\n");
        for i in 0..1000 {
            let schedule = match i % 4 {
                0 => "every = \"1h\"".to_string(),
                1 => format!("at = \"{:02}:{:02}\"", i % 24, i % 60),
                2 => format!("cron = \"{} {} * * 1-5\"", i % 60, 8 + i % 10),
                _ => "pace = \"09:00-21:00\"\ngoal = { count = 8 }".to_string(),
            };
            text += &format!("[habits.h{i:04}]\ntitle = \"H{i}\"\n{schedule}\n");
        }
        let c = parse_str(&text, Origin::Builtin).unwrap();
        let state = State::default();
        let plan = Plan::new(&c, &state);
        let after = ts("2026-11-26T08:00:00Z");
        let (listed, cost) = planned(|| plan.upcoming(&[], after, 100));
        assert_eq!(listed.len(), 100);
        // Each habit's first, then one more for each listed but the last.
        assert_eq!(cost, 1000 + 99);
        let (listed, cost) = planned(|| plan.upcoming(&["h0007".into()], after, 100));
        assert_eq!(listed.len(), 100);
        assert_eq!(cost, 100);
    }

    /// `Plan::upcoming` as it was before the merge: every habit's first
    /// `count` reminders, all sorted, the first `count` kept. The reference
    /// the merge must agree with.
    fn upcoming_by_sorting(
        plan: &Plan<'_>,
        only: &[String],
        after: Timestamp,
        count: usize,
    ) -> Vec<Occurrence> {
        let mut all = Vec::new();
        for habit in plan
            .config
            .reminders()
            .filter(|h| only.is_empty() || only.contains(&h.id))
        {
            let mut at = after;
            let mut assume = Assume::default();
            let mut day = None;
            for _ in 0..count {
                let Some(next) = plan.next_for(habit, at, assume) else {
                    break;
                };
                let local = plan.config.timezone.to_datetime(next);
                let date = match &habit.schedule {
                    Schedule::Pace { window, .. } => window.day_of(local),
                    _ => local.date(),
                };
                if day != Some(date) {
                    day = Some(date);
                    assume.done = 0;
                    assume.day = day;
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

    /// A habit's schedule in TOML, drawn from four numbers: `every`, `at`,
    /// `cron` or `pace` (with a window that may pass midnight), on various
    /// days.
    fn arb_schedule((kind, a, b, c): (u8, u32, u32, u32)) -> String {
        let days = ["daily", "weekdays", "weekends", r#"["mon", "thu", "sun"]"#][b as usize % 4];
        let days = if days.starts_with('[') {
            format!("days = {days}")
        } else {
            format!("days = \"{days}\"")
        };
        match kind % 4 {
            0 => format!(
                "every = \"{}\"\nbetween = \"{:02}:{:02}-{:02}:00\"\n{days}",
                ["15m", "30m", "1h", "90m", "2h"][a as usize % 5],
                6 + b % 4,
                (c % 4) * 15,
                18 + a % 6
            ),
            1 => format!(
                "at = [\"{:02}:{:02}\", \"{:02}:30\"]\n{days}",
                a % 12,
                b % 60,
                12 + c % 12
            ),
            2 => format!(
                "cron = \"{} {},{} * * {}\"",
                a % 60,
                b % 12,
                12 + c % 12,
                ["*", "1-5", "0,6"][a as usize % 3]
            ),
            _ => {
                let (window, minutes) = [
                    ("09:00-21:00", 720),
                    ("22:00-02:30", 270),
                    ("00:00-23:59", 1439),
                    ("06:15-08:45", 150),
                ][b as usize % 4];
                let gap = [5, 30, 120][c as usize % 3];
                // As many as fit the window `min_gap` apart, or config refuses.
                let goal = (1 + a % 9).min(minutes / gap);
                format!("pace = \"{window}\"\nmin_gap = \"{gap}m\"\ngoal = {{ count = {goal} }}")
            }
        }
    }

    /// Planning state over habits `h0`..: day totals and rest days around
    /// `after`, a snooze, a pause and earlier reminders, all drawn from
    /// offsets.
    #[allow(clippy::type_complexity)]
    fn arb_state(
        c: &Config,
        after: Timestamp,
        (totals, skipped, snooze, pause, reminded): (
            Vec<(usize, i16, i64)>,
            Vec<(usize, i16)>,
            Option<(usize, i64, i64)>,
            Option<(i64, Option<i64>)>,
            Vec<(usize, i64)>,
        ),
    ) -> State {
        let id = |i: usize| format!("h{}", i % c.habits.len());
        let today = c.timezone.to_datetime(after).date();
        let secs = |offset: i64| {
            after
                .checked_add(SignedDuration::from_secs(offset))
                .unwrap()
        };
        let mut state = State::default();
        for (habit, days, total) in totals {
            let date = today.checked_add(jiff::Span::new().days(days)).unwrap();
            state.totals.insert((id(habit), date), total);
        }
        for (habit, days) in skipped {
            let date = today.checked_add(jiff::Span::new().days(days)).unwrap();
            state.skipped.insert((id(habit), date));
        }
        if let Some((habit, from, length)) = snooze {
            let snooze = Snooze {
                from: secs(from),
                until: secs(from + length),
            };
            state.snoozed.insert(id(habit), snooze);
        }
        state.pause = pause.map(|(from, length)| Pause {
            from: secs(from),
            until: length.map(|length| secs(from + length)),
        });
        for (habit, offset) in reminded {
            state.reminded.note(&id(habit), secs(offset));
        }
        state
    }

    proptest::proptest! {
        #[test]
        fn the_merge_lists_what_sorting_every_habit_s_reminders_did(
            schedules in proptest::collection::vec(
                (0u8..4, 0u32..1000, 0u32..1000, 0u32..1000), 1..8),
            zone in 0usize..3,
            // Four weeks of March 2026: both the US and the EU change clocks.
            after in 0i64..28 * 86_400,
            count in 0usize..40,
            only in proptest::collection::vec(0usize..9, 0..3),
            history in (
                proptest::collection::vec((0usize..8, -1i16..3, -2i64..10), 0..6),
                proptest::collection::vec((0usize..8, -1i16..3), 0..3),
                proptest::option::of((0usize..8, -7200i64..7200, 1i64..20_000)),
                proptest::option::of((-86_400i64..86_400, proptest::option::of(1i64..86_400))),
                proptest::collection::vec((0usize..8, -86_400i64..3600), 0..4),
            ),
        ) {
            let mut text = format!(
                "[settings]\ntimezone = \"{}\"\n",
                ["UTC", "Europe/Berlin", "America/New_York"][zone]
            );
            for (i, &schedule) in schedules.iter().enumerate() {
                text += &format!("[habits.h{i}]\ntitle = \"H{i}\"\n{}\n", arb_schedule(schedule));
            }
            let c = parse_str(&text, Origin::Builtin)
                .unwrap_or_else(|e| panic!("{e}\n{text}"));
            let after = ts("2026-03-01T00:00:00Z")
                .checked_add(SignedDuration::from_secs(after))
                .unwrap();
            // Sometimes an id that is not configured, which selects nothing.
            let only: Vec<String> = only.iter().map(|i| format!("h{i}")).collect();
            let state = arb_state(&c, after, history);
            let plan = Plan::new(&c, &state);
            proptest::prop_assert_eq!(
                plan.upcoming(&only, after, count),
                upcoming_by_sorting(&plan, &only, after, count),
                "{}", text
            );
            // `check` and `status` ask for one habit's next alone.
            for habit in &c.habits {
                proptest::prop_assert_eq!(
                    plan.next_of(habit, after),
                    upcoming_by_sorting(&plan, std::slice::from_ref(&habit.id), after, 1)
                        .first()
                        .map(|o| o.at),
                    "{}", text
                );
            }
        }
    }
}
