//! The daemon: one loop that sleeps until the next reminder is due, shows it,
//! and plans again.
//!
//! Like mini-redis's expiry task: compute the next deadline, then wait on
//! "the deadline came" vs "something changed" vs "shutdown". Everything it
//! reacts to is an event (the wall-clock timer, a delivery result, SIGHUP,
//! the shutdown future); there is no periodic tick, so an idle daemon does
//! not wake. What to show is decided by [`crate::plan`]; this module only
//! carries the decisions out.

pub mod timer;

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;

use anyhow::Context;
use jiff::{SignedDuration, Timestamp};
use log::{debug, error, info, warn};
use notify_rust::NotificationHandle;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::config::{self, Config};
use crate::plan::{self, Decision, Occurrence};
use crate::timespec::HumanDuration;
use timer::{Wake, WallTimer};

/// How far ahead the timer is armed when nothing is scheduled at all, so a
/// clock change still wakes it.
const IDLE_HORIZON: SignedDuration = SignedDuration::from_hours(24 * 365);

/// The result of showing one reminder, reported back to the loop.
struct Delivery {
    habit: String,
    result: Result<NotificationHandle, notify_rust::error::Error>,
}

/// The daemon's state between wake-ups.
struct Daemon {
    config: Config,
    /// Where to look for the config on reload.
    explicit_config: Option<PathBuf>,
    /// Every reminder due at or before this instant has been handled.
    cursor: Timestamp,
    /// Each habit's notification on screen, replaced by its next reminder.
    shown: HashMap<String, NotificationHandle>,
    /// Whether the "no notification server" warning has been logged since
    /// the last successful delivery.
    warned_unreachable: bool,
    deliveries: mpsc::UnboundedSender<Delivery>,
}

/// Runs the daemon until `shutdown` completes. SIGHUP reloads the config
/// (`explicit_config`, or the default location).
pub async fn run(
    config: Config,
    explicit_config: Option<PathBuf>,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let mut timer = WallTimer::new().context("cannot create the wall-clock timer")?;
    let mut hangups = signal(SignalKind::hangup()).context("cannot listen for SIGHUP")?;
    let (deliveries, mut delivered) = mpsc::unbounded_channel();
    let now = Timestamp::now();
    info!(
        "habitd {} started: {} habits from {}, zone {}",
        env!("CARGO_PKG_VERSION"),
        config.habits.len(),
        config.origin,
        config.timezone_name()
    );
    let mut daemon = Daemon {
        // Reminders due shortly before the start (the machine just booted, or
        // the service restarted) are caught up like those missed in suspend.
        cursor: now.checked_sub(config.catch_up).unwrap_or(now),
        config,
        explicit_config,
        shown: HashMap::new(),
        warned_unreachable: false,
        deliveries,
    };
    tokio::pin!(shutdown);
    loop {
        let next = daemon.handle_due(Timestamp::now());
        let wake_at = next.as_ref().map_or_else(
            || {
                Timestamp::now()
                    .checked_add(IDLE_HORIZON)
                    .unwrap_or(Timestamp::MAX)
            },
            |o| o.at,
        );
        match &next {
            Some(o) => debug!(
                "next reminder: {} at {}",
                o.habit,
                o.at.to_zoned_datetime(daemon.config.timezone.clone())
            ),
            None => debug!("no reminder scheduled"),
        }
        timer
            .arm(wake_at)
            .context("cannot arm the wall-clock timer")?;
        tokio::select! {
            wake = timer.wait() => {
                if wake.context("wall-clock timer failed")? == Wake::ClockChanged {
                    info!("the system clock changed; planning again");
                }
            }
            Some(delivery) = delivered.recv() => daemon.record_delivery(delivery),
            _ = hangups.recv() => daemon.reload(),
            () = &mut shutdown => break,
        }
    }
    info!("habitd stopping");
    Ok(())
}

impl Daemon {
    /// Shows what is due at `now`, logs what was missed, advances the cursor
    /// and returns the next reminder.
    fn handle_due(&mut self, now: Timestamp) -> Option<Occurrence> {
        for decision in plan::due(&self.config, self.cursor, now) {
            match decision {
                Decision::Show(occurrence) => self.show(occurrence, now),
                Decision::Missed {
                    habit,
                    first,
                    count,
                } => info!(
                    "skipped {count} reminder(s) of {habit} from {}: more than {} late",
                    first.to_zoned_datetime(self.config.timezone.clone()),
                    HumanDuration(self.config.catch_up)
                ),
            }
        }
        self.cursor = self.cursor.max(now);
        plan::next_wake(&self.config, self.cursor)
    }

    fn show(&mut self, occurrence: Occurrence, now: Timestamp) {
        let Some(habit) = self.config.habit(&occurrence.habit) else {
            return;
        };
        let late = plan::lateness(&occurrence, now);
        info!(
            "reminding {} (due {}, {}ms late)",
            habit.id,
            occurrence.at,
            late.as_millis()
        );
        let replaces = self.shown.get(&habit.id).map(NotificationHandle::id);
        let notification = crate::notify::reminder(habit, replaces);
        let deliveries = self.deliveries.clone();
        let habit = habit.id.clone();
        // Sending waits for the bus, or for a server being activated; the loop
        // must not, so the result comes back as an event.
        tokio::spawn(async move {
            let result = crate::notify::show(notification).await;
            // The loop only goes away at shutdown, when results no longer matter.
            let _ = deliveries.send(Delivery { habit, result });
        });
    }

    fn record_delivery(&mut self, delivery: Delivery) {
        match delivery.result {
            Ok(handle) => {
                debug!("notification {} shown for {}", handle.id(), delivery.habit);
                self.warned_unreachable = false;
                self.shown.insert(delivery.habit, handle);
            }
            Err(e) if !self.warned_unreachable => {
                warn!(
                    "cannot show the reminder for {}: {e}; will try again at the next reminder",
                    delivery.habit
                );
                self.warned_unreachable = true;
            }
            Err(e) => debug!("cannot show the reminder for {}: {e}", delivery.habit),
        }
    }

    fn reload(&mut self) {
        let origin = config::locate(self.explicit_config.as_deref());
        match config::load(&origin) {
            Ok(config) => {
                info!(
                    "reloaded {} habits from {}",
                    config.habits.len(),
                    config.origin
                );
                // Notifications of removed habits stay on screen but are no
                // longer replaced.
                self.shown.retain(|id, _| config.habit(id).is_some());
                self.config = config;
            }
            Err(e) => {
                error!("keeping the previous config; the new one has errors:");
                for line in e.to_string().lines() {
                    error!("{line}");
                }
            }
        }
    }
}
