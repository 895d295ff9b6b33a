//! A day of a busy daemon in a few seconds, to see whether its memory stays
//! flat: the daemon's own core ([`Core`]) and history thread ([`Recorder`],
//! a real SQLite store in a temporary directory) run 100 habits through two
//! simulated days, with a made-up clock instead of a timer, and the
//! process's memory is read from `/proc/self/smaps_rollup` at every
//! simulated hour.
//!
//!     cargo run --release --example day_in_a_minute [HABITS] [HOURS]
//!
//! What the shell around the core would do is done here at once: every
//! reminder is delivered (and every third one has its Done pressed, which
//! goes through the history thread like a press on the desktop), every
//! record is written, and once an hour the history is read again as after
//! a CLI command. Notification servers and D-Bus are left out: this checks
//! the core, the plan and the store, whose state grows with time.
//!
//! Prints one line per hour (events written, RSS, private dirty, anonymous,
//! all in kB). The first day warms up (the first reminders, presses and
//! writes allocate what is then reused); the verdict is on the last 24
//! hours: private dirty may grow by at most 64 kB, or it exits 1. Run
//! `sync` after building: a binary still dirty in the page cache counts as
//! private dirty (the same amount at every hour, so the growth is right).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use anyhow::Context;
use jiff::{SignedDuration, Timestamp};
use tokio::sync::mpsc;

use habitd::command::Action;
use habitd::config::{Origin, parse_str};
use habitd::core::{Core, Effect, Input};
use habitd::daemon::recorder::{Job, Recorder};

/// How far private dirty may grow over the last 24 hours.
const ALLOWED_GROWTH_KB: u64 = 64;
/// The hours of a day.
const DAY: usize = 24;
/// How long the history thread may take to write what waits at the end.
const STOP_WAIT: Duration = Duration::from_secs(30);

fn main() -> anyhow::Result<()> {
    // As `habitd run` does before its threads start.
    habitd::daemon::one_malloc_arena();
    let mut args = std::env::args().skip(1);
    let habits: usize = args
        .next()
        .map_or(Ok(100), |a| a.parse())
        .context("HABITS: expected a number of habits, e.g. 100")?;
    let hours: i64 = args
        .next()
        .map_or(Ok(48), |a| a.parse())
        .context("HOURS: expected a number of hours to simulate, e.g. 48")?;
    let config = parse_str(&config_text(habits), Origin::Builtin)?;
    let dir = tempfile::tempdir()?;
    let (answers, mut answered) = mpsc::unbounded_channel();
    let recorder = Recorder::start(dir.path().join("habitd.db"), answers)?;
    let mut day = Day {
        core: Core::new(config.clone()),
        recorder,
        answered: &mut answered,
        config,
        armed: None,
        next_id: 0,
        shown: 0,
        written: 0,
    };

    let start: Timestamp = "2026-11-26T00:00:00Z".parse()?;
    let clock = Instant::now();
    day.feed(Input::Start, start)?;
    // Private dirty at the end of each hour.
    let mut dirty = Vec::new();
    println!("hour  events   RSS kB  private dirty kB  anonymous kB");
    for hour in 1..=hours {
        let end = start + SignedDuration::from_hours(hour);
        while let Some(at) = day.armed.filter(|&at| at < end) {
            day.armed = None;
            day.feed(Input::Timer, at)?;
        }
        // As after a `habitd done` from the command line: the history is
        // read again (and, being queued behind them, all writes are done).
        day.feed(Input::HistoryChanged, end)?;
        let memory = Memory::now()?;
        println!(
            "{hour:>4} {:>7} {:>8} {:>17} {:>13}",
            day.written, memory.rss, memory.private_dirty, memory.anonymous
        );
        dirty.push(memory.private_dirty);
    }
    day.recorder.stop(STOP_WAIT);
    println!(
        "{habits} habits, {hours} h simulated in {:.1} s: {} reminders shown, {} events written",
        clock.elapsed().as_secs_f64(),
        day.shown,
        day.written,
    );
    // From the end of the hour a day before the last to the end.
    let (Some(&last), Some(&before)) = (
        dirty.last(),
        dirty.len().checked_sub(DAY + 1).and_then(|i| dirty.get(i)),
    ) else {
        println!("day_in_a_minute: simulate more than {DAY} hours for a verdict");
        return Ok(());
    };
    println!(
        "private dirty: {} kB after hour 1, {before} kB a day before the end, {last} kB at the end \
         ({:+} kB over the last {DAY} hours)",
        dirty[0],
        i128::from(last) - i128::from(before)
    );
    if last.saturating_sub(before) > ALLOWED_GROWTH_KB {
        println!(
            "day_in_a_minute: FAIL: private dirty grew by more than {ALLOWED_GROWTH_KB} kB in a day"
        );
        std::process::exit(1);
    }
    println!("day_in_a_minute: PASS");
    Ok(())
}

/// `habits` habits of four kinds, a quarter each: every 20 minutes in the
/// day with a count goal, a paced count goal, a few fixed times with a
/// minutes goal, and a cron expression every 10 minutes.
fn config_text(habits: usize) -> String {
    let mut text = String::from("[settings]\ntimezone = \"UTC\"\ncatch_up = \"15m\"\n");
    for i in 0..habits {
        text.push_str(&format!("\n[habits.h{i:03}]\ntitle = \"Habit {i}\"\n"));
        text.push_str(match i % 4 {
            0 => "every = \"20m\"\nbetween = \"07:00-23:00\"\ngoal = { count = 12, unit = \"glasses\" }\n",
            1 => "pace = \"08:00-22:00\"\nmin_gap = \"30m\"\ngoal = { count = 10 }\n",
            2 => "at = [\"08:15\", \"12:45\", \"17:30\", \"21:10\"]\ngoal = { minutes = 20 }\n",
            _ => "cron = \"0 */10 * * * *\"\n",
        });
    }
    text
}

/// The simulated shell: the core, the history thread and what is pending.
struct Day<'a> {
    core: Core,
    recorder: Recorder,
    answered: &'a mut mpsc::UnboundedReceiver<Input>,
    config: habitd::config::Config,
    /// The instant the core's timer is armed for.
    armed: Option<Timestamp>,
    next_id: u32,
    shown: u64,
    written: u64,
}

impl Day<'_> {
    /// Steps the core with `input` at `now`, and with every answer its
    /// effects call for, until nothing is left to answer.
    fn feed(&mut self, input: Input, now: Timestamp) -> anyhow::Result<()> {
        let mut inputs = VecDeque::from([input]);
        while let Some(input) = inputs.pop_front() {
            for effect in self.core.step(input, now) {
                match effect {
                    Effect::Arm(at) => self.armed = Some(at),
                    Effect::Show(show) => {
                        self.next_id += 1;
                        self.shown += 1;
                        let id = self.next_id;
                        inputs.push_back(Input::Delivered {
                            ticket: show.ticket,
                            outcome: Ok(id),
                        });
                        if self.shown % 3 == 0 {
                            inputs.push_back(Input::Pressed {
                                id,
                                action: Action::Done,
                            });
                        }
                    }
                    Effect::Record(events) => {
                        self.written += events.len() as u64;
                        self.recorder.send(Job::Record(events));
                    }
                    Effect::Apply {
                        ticket,
                        command,
                        source,
                    } => {
                        self.written += 1;
                        self.recorder.send(Job::Apply {
                            ticket,
                            command,
                            source,
                            config: Box::new(self.config.clone()),
                            now,
                        });
                        inputs.push_back(self.answer()?);
                    }
                    Effect::Load => {
                        self.recorder.send(Job::Load {
                            config: Box::new(self.config.clone()),
                            now,
                        });
                        inputs.push_back(self.answer()?);
                    }
                    Effect::Week { ticket } => {
                        self.recorder.send(Job::Week {
                            ticket,
                            config: Box::new(self.config.clone()),
                            now,
                        });
                        inputs.push_back(self.answer()?);
                    }
                    Effect::ReadConfig { .. } => anyhow::bail!("the config was not changed"),
                    Effect::OpenReport
                    | Effect::Close(_)
                    | Effect::Reply { .. }
                    | Effect::Changed
                    | Effect::Status(_)
                    | Effect::Ready => {}
                }
            }
        }
        Ok(())
    }

    /// The history thread's next answer.
    fn answer(&mut self) -> anyhow::Result<Input> {
        // The thread holds the only sender: if it ends, this returns None.
        self.answered
            .blocking_recv()
            .ok_or_else(|| anyhow::anyhow!("the history thread ended"))
    }
}

/// The process's memory, in kB.
struct Memory {
    rss: u64,
    private_dirty: u64,
    anonymous: u64,
}

impl Memory {
    fn now() -> anyhow::Result<Memory> {
        let text = std::fs::read_to_string("/proc/self/smaps_rollup")?;
        let field = |name: &str| -> anyhow::Result<u64> {
            text.lines()
                .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
                .ok_or_else(|| anyhow::anyhow!("no {name} in /proc/self/smaps_rollup"))
        };
        Ok(Memory {
            rss: field("Rss")?,
            private_dirty: field("Private_Dirty")?,
            anonymous: field("Anonymous")?,
        })
    }
}
