//! The commands that change history — done, undo, snooze, skip, pause,
//! resume, and the cramp diary's `cramp`. Each becomes a [`Request`]: sent to the running daemon over
//! D-Bus (which records it and re-plans at once), or, when no daemon runs,
//! recorded in the store directly, for the daemon to honour when it starts.

use std::path::Path;

use clap::Args;
use jiff::Timestamp;

use super::{Exit, UsageError};
use crate::command::{self, Request};
use crate::control::{self, Refusal, Sent};
use crate::event::Source;
use crate::history::{self, ApplyError};
use crate::sync::Syncer;

/// Arguments of `habitd done`.
#[derive(Debug, Args)]
pub struct DoneArgs {
    #[arg(add = clap_complete::ArgValueCandidates::new(super::complete::habit_ids))]
    /// The habit's id.
    pub habit: String,
    /// How much: a count for count goals (default 1), a duration or minutes
    /// for minute goals (default the whole goal), e.g. `2` or `25m`.
    pub amount: Option<String>,
    /// When it was done, from a year back up to now: HH:MM (today),
    /// "2026-11-25 18:00", or RFC 3339.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
}

impl DoneArgs {
    pub(super) fn request(self) -> Request {
        Request::Done {
            habit: self.habit,
            amount: self.amount.unwrap_or_default(),
            at: self.at.unwrap_or_default(),
        }
    }
}

/// Arguments of `habitd undo`.
#[derive(Debug, Args)]
pub struct UndoArgs {
    /// Only take back a completion of this habit (also one no longer in the
    /// config), or with `cramp` the latest cramp diary entry. Without it,
    /// whatever was recorded last of the two.
    #[arg(add = clap_complete::ArgValueCandidates::new(super::complete::habit_ids))]
    pub habit: Option<String>,
}

impl UndoArgs {
    pub(super) fn request(self) -> Request {
        Request::Undo {
            habit: self.habit.unwrap_or_default(),
        }
    }
}

/// Arguments of `habitd snooze`.
#[derive(Debug, Args)]
pub struct SnoozeArgs {
    #[arg(add = clap_complete::ArgValueCandidates::new(super::complete::habit_ids_or_all))]
    /// The habit's id, or `all`.
    pub habit: String,
    /// How long, e.g. `20m` (default: the habit's `snooze`, normally 10m).
    pub duration: Option<String>,
}

impl SnoozeArgs {
    pub(super) fn request(self) -> Request {
        Request::Snooze {
            habit: self.habit,
            duration: self.duration.unwrap_or_default(),
        }
    }
}

/// Arguments of `habitd skip`.
#[derive(Debug, Args)]
pub struct SkipArgs {
    #[arg(add = clap_complete::ArgValueCandidates::new(super::complete::habit_ids))]
    /// The habit's id.
    pub habit: String,
    /// The day, from a year back to a year ahead: YYYY-MM-DD, today
    /// (default), tomorrow or yesterday.
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,
}

impl SkipArgs {
    pub(super) fn request(self) -> Request {
        Request::Skip {
            habit: self.habit,
            date: self.date.unwrap_or_default(),
        }
    }
}

/// Arguments of `habitd pause`.
#[derive(Debug, Args)]
pub struct PauseArgs {
    /// How long, up to 366d, e.g. `30m` or `2h` (default: until `habitd resume`).
    #[arg(conflicts_with = "until")]
    pub duration: Option<String>,
    /// Until this time, up to 366 days ahead: HH:MM (the next one: tomorrow
    /// once it has passed today), "2026-11-27 08:00", or RFC 3339.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
}

impl PauseArgs {
    pub(super) fn request(self) -> Request {
        Request::Pause {
            until: self.duration.or(self.until).unwrap_or_default(),
        }
    }
}

/// Arguments of `habitd cramp`.
#[derive(Debug, Args)]
pub struct CrampArgs {
    /// Record a night without cramps (last night, or --date) instead of a
    /// cramp.
    #[arg(long, conflicts_with_all = ["at", "leg", "muscle", "minutes", "when", "swelling", "note"])]
    pub none: bool,
    /// With --none: the night, named by the date of its evening, from a year
    /// back up to last night: YYYY-MM-DD or yesterday (default).
    #[arg(long, value_name = "DATE", requires = "none")]
    pub date: Option<String>,
    /// When it came, from a year back up to now (default: now): HH:MM (the
    /// latest: yesterday's if it has not come yet today), "2026-11-25
    /// 03:10", or RFC 3339. It is recorded for the night it belongs to:
    /// until noon, the night before.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Which leg: left, right or both.
    #[arg(long, value_name = "LEG")]
    pub leg: Option<String>,
    /// Which muscle: calf, hamstring, quadriceps or foot.
    #[arg(long, value_name = "MUSCLE")]
    pub muscle: Option<String>,
    /// How long it lasted, in minutes (1 to 120).
    #[arg(long, value_name = "N")]
    pub minutes: Option<String>,
    /// What you were doing: sleep, walking, exercise or rest.
    #[arg(long, value_name = "WHEN")]
    pub when: Option<String>,
    /// The leg was swollen.
    #[arg(long)]
    pub swelling: bool,
    /// A note, up to 1000 bytes.
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    pub note: Option<String>,
}

impl CrampArgs {
    pub(super) fn request(self) -> Request {
        if self.none {
            return Request::NoCramps {
                date: self.date.unwrap_or_default(),
            };
        }
        Request::Cramp {
            at: self.at.unwrap_or_default(),
            leg: self.leg.unwrap_or_default(),
            muscle: self.muscle.unwrap_or_default(),
            minutes: self.minutes.unwrap_or_default(),
            when: self.when.unwrap_or_default(),
            swelling: self.swelling,
            note: self.note.unwrap_or_default(),
        }
    }
}

/// Carries out `request`: through the daemon when it runs, else directly.
pub(super) fn send(explicit: Option<&Path>, request: Request) -> anyhow::Result<Exit> {
    let config = super::load_config(explicit)?;
    let now = Timestamp::now();
    // Check the request here first, so a typo gets the same answer whether or
    // not the daemon runs, and without a round trip.
    let command = command::from_request(&config, &request, now).map_err(|r| UsageError(r.0))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    match runtime.block_on(control::send(&request)) {
        Ok(Sent::Answered(Ok(message))) => {
            super::out::confirm(&message);
            return Ok(Exit::Success);
        }
        Ok(Sent::Answered(Err(Refusal::Invalid(message)))) => {
            return Err(UsageError(message).into());
        }
        Ok(Sent::Answered(Err(Refusal::Failed(message)))) => anyhow::bail!("{message}"),
        Ok(Sent::NoDaemon) => {}
        Err(e) => anyhow::bail!("cannot reach the running habitd: {e}"),
    }
    let Some(command) = command else {
        return Ok(Exit::Success);
    };
    let mut store = super::open_store()?;
    // Other devices' events first: an undo may be of one of theirs.
    let mut syncer = Syncer::new();
    let synced = super::sync::exchange(&config, &mut store, &mut syncer, now);
    match history::apply(&mut store, &config, &command, Source::Cli, now) {
        Ok(applied) => {
            // A folder that failed a moment ago is tried again by the next
            // sync, which writes what this one could not.
            if synced {
                super::sync::exchange(&config, &mut store, &mut syncer, now);
            }
            // A daemon not reachable on this bus may still use this history.
            store.announce_change();
            super::out::confirm(&applied.message);
            Ok(Exit::Success)
        }
        Err(ApplyError::Rejected(r)) => Err(UsageError(r.0).into()),
        Err(ApplyError::Store(e)) => Err(e.into()),
    }
}
