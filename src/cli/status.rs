//! `habitd status`: the daemon's view when it runs, else the same report
//! computed here from the config and the store; and the report drawn for a
//! terminal.

use std::path::Path;

use clap::Args;
use jiff::Timestamp;

use super::Exit;
use super::out::Out;
use super::style::Paint;
use crate::command::Request;
use crate::control::{self, Follow, Refusal, Sent};
use crate::daemon::timer::WallTimer;
use crate::daemon::watch::FileWatch;
use crate::quote::counted;
use crate::quote::escape;
use crate::status::{self, NightEntry, NightStatus, Progress, Status, short_time};
use anyhow::Context;

/// Arguments of `habitd status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print JSON (the same object the D-Bus `Status` method returns).
    #[arg(long, conflicts_with = "bar")]
    pub json: bool,

    /// Print one line for a status bar: `waybar` (its JSON), `i3blocks`
    /// (full text, short text, colour) or `plain` (polybar and others).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub bar: Option<Bar>,

    /// With --bar: keep running, and print a new line whenever the plan or
    /// today's progress changes, and at midnight.
    #[arg(long, requires = "bar")]
    pub follow: bool,
}

/// The status bars `--bar` writes for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Bar {
    /// A JSON object a line, for a `custom` module with `"return-type": "json"`.
    Waybar,
    /// full_text, short_text and colour lines; with --follow, one JSON
    /// object a line (`format=json`).
    I3blocks,
    /// The summary line alone (polybar, yambar, tmux).
    Plain,
}

pub(super) fn status(
    explicit: Option<&Path>,
    args: &StatusArgs,
    paint: &Paint,
) -> anyhow::Result<Exit> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    if let (Some(bar), true) = (args.bar, args.follow) {
        return runtime.block_on(follow(explicit, bar));
    }
    let report = report(explicit, runtime.block_on(control::send(&Request::Status)))?;
    let mut out = Out::stdout();
    match args.bar {
        Some(bar) => out.write_str(&bar_text(bar, &report, false))?,
        None if args.json => writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?,
        None => out.write_str(&render(&report, paint))?,
    }
    out.finish()?;
    Ok(Exit::Success)
}

/// The daemon's report, or without a daemon the same computed here.
fn report(explicit: Option<&Path>, sent: Result<Sent, zbus::Error>) -> anyhow::Result<Status> {
    Ok(match sent {
        Ok(Sent::Answered(Ok(json))) => serde_json::from_str(&json)?,
        Ok(Sent::Answered(Err(Refusal::Invalid(m) | Refusal::Failed(m)))) => anyhow::bail!("{m}"),
        Ok(Sent::NoDaemon) | Err(_) => {
            let config = super::load_config(explicit)?;
            let now = Timestamp::now();
            let state = super::load_state(&config, now)?;
            status::build(&config, &state, now, false)
        }
    })
}

/// What `--bar` prints for `status`, newline included. i3blocks reads a
/// block's three lines once per run, and one JSON object a line from a
/// block that keeps running (`interval=persist`, `format=json`).
fn bar_text(bar: Bar, report: &Status, following: bool) -> String {
    match bar {
        Bar::Waybar => format!("{}\n", status::waybar(report)),
        Bar::Plain => format!("{}\n", status::bar_line(report)),
        Bar::I3blocks => {
            let [full, short, color] = status::i3blocks(report);
            if following {
                let mut json = serde_json::json!({"full_text": full, "short_text": short});
                if !color.is_empty() {
                    json["color"] = color.into();
                }
                format!("{json}\n")
            } else {
                format!("{full}\n{short}\n{color}\n")
            }
        }
    }
}

/// `--follow`: a line now, and another whenever it would read differently:
/// on the daemon's `Changed` signal, when the daemon starts or stops, when
/// another process writes the history (a `habitd done` without a daemon),
/// when a habit falls behind, and at midnight. Never polls. Without a
/// daemon the line comes from the history. Ends quietly when standard
/// output closes.
async fn follow(explicit: Option<&Path>, bar: Bar) -> anyhow::Result<Exit> {
    let Some(mut daemon) = Follow::subscribe().await? else {
        let report = report(explicit, Ok(Sent::NoDaemon))?;
        let mut out = Out::stdout();
        out.write_str(&bar_text(bar, &report, true))?;
        out.finish()?;
        anyhow::bail!(
            "cannot follow changes: there is no session bus; run it inside the desktop session, where the bar runs"
        );
    };
    let mut timer = WallTimer::new().context("cannot create the wall-clock timer")?;
    // The marker every writer but the daemon touches (the daemon's own
    // writes come with its `Changed`).
    let mut history = crate::store::Store::default_path()
        .and_then(|path| FileWatch::new(&crate::store::Store::change_marker(&path)).ok());
    let closed = stdout_closed();
    tokio::pin!(closed);
    let mut last = String::new();
    loop {
        let report = report(explicit, daemon.status().await)?;
        let line = bar_text(bar, &report, true);
        if line != last {
            let mut out = Out::stdout();
            out.write_str(&line)?;
            out.finish()?;
            last = line;
        }
        if let Some(at) = wake_at(&report) {
            timer.arm(at).context("cannot arm the wall-clock timer")?;
        }
        tokio::select! {
            alive = daemon.changed() => if !alive {
                anyhow::bail!("lost the connection to the session bus");
            },
            woke = timer.wait() => {
                woke.context("wall-clock timer failed")?;
            }
            written = async {
                match &mut history {
                    Some(watch) => watch.changed().await,
                    None => std::future::pending().await,
                }
            } => if written.is_err() {
                // Without the watch, the daemon's signal still comes.
                history = None;
            },
            () = &mut closed => return Ok(Exit::Success),
        }
    }
}

/// When the line may change with no event: the first habit falling behind,
/// or the next midnight in the report's zone, a new day's progress.
fn wake_at(report: &Status) -> Option<Timestamp> {
    let zone =
        jiff::tz::TimeZone::get(&report.timezone).unwrap_or_else(|_| jiff::tz::TimeZone::system());
    let now = report.now.parse::<Timestamp>().ok()?;
    let behind = report
        .habits
        .iter()
        .filter_map(|h| h.behind_at.as_deref()?.parse::<Timestamp>().ok());
    behind.chain(status::next_midnight(&zone, now)).min()
}

/// Completes when the reader of standard output has gone away (a bar
/// restarted): the kernel reports an error on a pipe's writing end then,
/// so this wakes for nothing else. Never completes where stdout cannot be
/// watched (a file).
async fn stdout_closed() {
    use std::os::fd::AsFd;
    use tokio::io::Interest;
    use tokio::io::unix::AsyncFd;
    let watched = std::io::stdout()
        .as_fd()
        .try_clone_to_owned()
        // SAFETY: the duplicate moves into the AsyncFd and is never handed
        // out, so it stays open and the same descriptor while registered.
        .and_then(|fd| {
            unsafe { AsyncFd::register_with_interest(fd, Interest::ERROR) }
                .map_err(|e| e.into_parts().1)
        });
    match watched {
        Ok(fd) => {
            if fd.ready(Interest::ERROR).await.is_err() {
                std::future::pending::<()>().await;
            }
        }
        Err(_) => std::future::pending().await,
    }
}

/// The report as text for a terminal.
fn render(status: &Status, paint: &Paint) -> String {
    let mut out = String::new();
    let daemon = if status.daemon {
        paint.green("running")
    } else {
        paint.yellow("not running (reminders are not being shown)")
    };
    out.push_str(&format!("daemon: {daemon}\n"));
    if let Some(pause) = &status.paused {
        let until = pause
            .until
            .as_deref()
            .map_or("resumed".to_string(), short_time);
        out.push_str(&format!(
            "{}\n",
            paint.yellow(&format!("paused until {}", escape(&until)))
        ));
    }
    let width = status
        .habits
        .iter()
        .map(|h| h.habit.len())
        .max()
        .unwrap_or(0);
    for h in &status.habits {
        let progress = escape(
            &Progress {
                done: h.done,
                goal: h.goal,
                unit: h.unit.clone(),
            }
            .to_string(),
        )
        .into_owned();
        let progress = if h.met {
            paint.green(&format!("{progress} ✓"))
        } else {
            progress
        };
        let mut notes = Vec::new();
        if h.skipped {
            notes.push("skipped today".to_string());
        }
        if let Some(until) = &h.snoozed_until {
            notes.push(format!("snoozed until {}", short_time(until)));
        }
        match &h.next {
            Some(next) => notes.push(format!("next {}", short_time(next))),
            None => notes.push("no reminder planned".to_string()),
        }
        out.push_str(&format!(
            "{:width$}  {progress}  {}\n",
            escape(&h.habit),
            paint.dim(&escape(&notes.join(", ")))
        ));
    }
    if let Some(night) = &status.last_night {
        out.push_str(&render_night(night, paint));
    }
    for advice in &status.advice {
        out.push_str(&format!("{} {}\n", paint.yellow("!"), escape(&advice.text)));
    }
    out
}

/// Last night's diary entry: a line, and one more per cramp.
fn render_night(night: &NightStatus, paint: &Paint) -> String {
    let name = night.night.parse::<jiff::civil::Date>().map_or_else(
        |_| night.night.clone(),
        |d| d.strftime("%a %Y-%m-%d").to_string(),
    );
    let said = match night.entry {
        NightEntry::Missing => paint.yellow(
            "not recorded yet (`habitd cramp --none` if there were no cramps, `habitd cramp --at TIME` for one)",
        ),
        NightEntry::NoCramps => paint.green("no cramps"),
        NightEntry::Cramps => counted(night.cramps.len() as u64, "cramp", "cramps"),
    };
    let mut out = format!(
        "last night ({}): {said}
",
        escape(&name)
    );
    for cramp in &night.cramps {
        let mut details = cramp.details.summary();
        if details.is_empty() {
            details = "no details".to_string();
        }
        if let Some(note) = &cramp.details.note {
            details.push_str(" — ");
            details.push_str(note);
        }
        out.push_str(&format!(
            "  {}  {}\n",
            escape(&clock_time(&cramp.at)),
            paint.dim(&escape(&details))
        ));
    }
    out
}

/// `2026-11-26T03:10:00+01:00` as `03:10`, or the text as is.
fn clock_time(rfc3339: &str) -> String {
    rfc3339
        .get(11..16)
        .filter(|_| {
            rfc3339
                .get(..19)
                .is_some_and(|c| c.parse::<jiff::civil::DateTime>().is_ok())
        })
        .map_or_else(|| rfc3339.to_string(), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diary::{Episode, Muscle};
    use crate::report::{Advice, AdviceKind};
    use crate::status::{CrampStatus, HabitStatus, PauseStatus};

    fn habit(id: &str, done: i64, goal: u32, unit: &str) -> HabitStatus {
        HabitStatus {
            habit: id.to_string(),
            title: id.to_string(),
            done,
            goal,
            unit: unit.to_string(),
            met: done >= i64::from(goal),
            skipped: false,
            snoozed_until: None,
            next: None,
            icon: String::new(),
            standing: crate::status::Standing::OnTrack,
            behind_at: None,
        }
    }

    fn report() -> Status {
        Status {
            daemon: false,
            now: "2026-11-26T15:10:00+01:00".to_string(),
            timezone: "Europe/Berlin".to_string(),
            paused: Some(PauseStatus {
                from: "2026-11-26T15:00:00+01:00".to_string(),
                until: Some("2026-11-26T18:00:00+01:00".to_string()),
            }),
            habits: vec![
                HabitStatus {
                    snoozed_until: Some("2026-11-26T15:20:00+01:00".to_string()),
                    next: Some("2026-11-26T15:30:00+01:00".to_string()),
                    ..habit("water", 3, 8, "glasses")
                },
                HabitStatus {
                    skipped: true,
                    ..habit("walk", 20, 20, "min")
                },
            ],
            last_night: Some(NightStatus {
                night: "2026-11-25".to_string(),
                entry: NightEntry::Cramps,
                cramps: vec![
                    CrampStatus {
                        at: "2026-11-26T03:10:00+01:00".to_string(),
                        details: Episode {
                            muscle: Some(Muscle::Calf),
                            minutes: Some(5),
                            note: Some("woke me\n\u{1b}[2J".to_string()),
                            ..Episode::default()
                        },
                    },
                    CrampStatus {
                        at: "2026-11-26T05:00:00+01:00".to_string(),
                        details: Episode::default(),
                    },
                ],
            }),
            advice: vec![Advice {
                kind: AdviceKind::WithSwelling,
                text: "1 cramp with swelling\u{1b}[2J: consider talking to a doctor.".to_string(),
            }],
        }
    }

    #[test]
    fn last_night_reads_as_a_line() {
        let paint = Paint { on: false };
        let night = |entry| NightStatus {
            night: "2026-11-25".to_string(),
            entry,
            cramps: vec![],
        };
        assert_eq!(
            render_night(&night(NightEntry::Missing), &paint),
            "last night (Wed 2026-11-25): not recorded yet (`habitd cramp --none` if there were no cramps, `habitd cramp --at TIME` for one)\n"
        );
        assert_eq!(
            render_night(&night(NightEntry::NoCramps), &paint),
            "last night (Wed 2026-11-25): no cramps\n"
        );
    }

    #[test]
    fn renders_plain() {
        assert_eq!(
            render(&report(), &Paint { on: false }),
            "daemon: not running (reminders are not being shown)\n\
             paused until Thu 18:00\n\
             water  3/8 glasses  snoozed until Thu 15:20, next Thu 15:30\n\
             walk   20/20 min ✓  skipped today, no reminder planned\n\
             last night (Wed 2026-11-25): 2 cramps\n\
             \x20 03:10  calf, 5 min — woke me\\n\\u{1b}[2J\n\
             \x20 05:00  no details\n\
             ! 1 cramp with swelling\\u{1b}[2J: consider talking to a doctor.\n"
        );
        let running = Status {
            daemon: true,
            paused: Some(PauseStatus {
                from: "x".to_string(),
                until: None,
            }),
            habits: vec![],
            ..report()
        };
        let older = Status {
            last_night: None,
            advice: vec![],
            paused: None,
            ..running.clone()
        };
        assert_eq!(render(&older, &Paint { on: false }), "daemon: running\n");
        assert_eq!(
            render(&running, &Paint { on: false }),
            "daemon: running\npaused until resumed\nlast night (Wed 2026-11-25): 2 cramps\n  03:10  calf, 5 min — woke me\\n\\u{1b}[2J\n  05:00  no details\n\
             ! 1 cramp with swelling\\u{1b}[2J: consider talking to a doctor.\n"
        );
    }

    #[test]
    fn renders_colored() {
        assert_eq!(
            render(&report(), &Paint { on: true }),
            "daemon: \x1b[33mnot running (reminders are not being shown)\x1b[0m\n\
             \x1b[33mpaused until Thu 18:00\x1b[0m\n\
             water  3/8 glasses  \x1b[2msnoozed until Thu 15:20, next Thu 15:30\x1b[0m\n\
             walk   \x1b[32m20/20 min ✓\x1b[0m  \x1b[2mskipped today, no reminder planned\x1b[0m\n\
             last night (Wed 2026-11-25): 2 cramps\n\
             \x20 03:10  \x1b[2mcalf, 5 min — woke me\\n\\u{1b}[2J\x1b[0m\n\
             \x20 05:00  \x1b[2mno details\x1b[0m\n\
             \x1b[33m!\x1b[0m 1 cramp with swelling\\u{1b}[2J: consider talking to a doctor.\n"
        );
    }

    #[test]
    fn short_time_keeps_what_it_cannot_read() {
        assert_eq!(short_time("2026-11-26T15:00:00+01:00"), "Thu 15:00");
        assert_eq!(short_time("soon"), "soon");
    }
}
