//! The daemon: one loop that sleeps until the next reminder is due, shows it,
//! and plans again.
//!
//! Like mini-redis's expiry task: compute the next deadline, then wait on
//! "the deadline came" vs "something changed" vs "shutdown". Everything it
//! reacts to is an event — the wall-clock timer, a D-Bus request, a button on
//! a notification, a delivery result, SIGHUP, the shutdown future — and there
//! is no periodic tick, so an idle daemon does not wake. What to show is
//! decided by [`crate::plan`] from the config and the history; this module
//! carries the decisions out and records them.

pub mod timer;

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;

use anyhow::Context;
use jiff::{SignedDuration, Timestamp};
use log::{debug, error, info, warn};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::command::{self, Command, Request};
use crate::config::{self, Config, Goal};
use crate::control::{self, Control, Envelope, Refusal, Reply};
use crate::event::{Kind, NewEvent, Source};
use crate::history::{self, ApplyError};
use crate::notify::{self, Action, ServerEvent};
use crate::plan::{self, Decision, Occurrence, Plan, State};
use crate::status;
use crate::store::Store;
use crate::timespec::HumanDuration;
use timer::{Wake, WallTimer};

/// How far ahead the timer is armed when nothing is scheduled at all, so a
/// clock change still wakes it.
const IDLE_HORIZON: SignedDuration = SignedDuration::from_hours(24 * 365);

/// What the tasks that show notifications report back to the loop.
enum Report {
    /// The notification for `habit` is on screen with this id.
    Shown { habit: String, id: u32 },
    /// It could not be shown.
    Failed { habit: String, error: String },
    /// The server reported on one of our notifications.
    Server(ServerEvent),
}

/// The daemon's state between wake-ups.
struct Daemon {
    config: Config,
    /// Where to look for the config on reload.
    explicit_config: Option<PathBuf>,
    store: Store,
    /// Planning state, refreshed from the store at every wake-up.
    state: State,
    /// Every reminder due at or before this instant has been handled.
    cursor: Timestamp,
    /// Each habit's notification on screen, which its next one replaces.
    on_screen: HashMap<String, u32>,
    /// The connection notifications go out on and button presses come back on.
    bus: zbus::Connection,
    /// Whether the "no notification server" warning has been logged since
    /// the last successful delivery.
    warned_unreachable: bool,
    reports: mpsc::UnboundedSender<Report>,
    /// Whether the plan or progress changed since the last `Changed` signal.
    changed: bool,
}

/// Runs the daemon until `shutdown` completes: owns the bus name, serves the
/// control interface, and shows reminders. SIGHUP reloads the config
/// (`explicit_config`, or the default location).
pub async fn run(
    config: Config,
    explicit_config: Option<PathBuf>,
    store: Store,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let mut timer = WallTimer::new().context("cannot create the wall-clock timer")?;
    let mut hangups = signal(SignalKind::hangup()).context("cannot listen for SIGHUP")?;
    let (requests, mut incoming) = mpsc::channel::<Envelope>(16);
    let bus = zbus::connection::Builder::session()
        .name(control::BUS_NAME)
        .serve_at(control::OBJECT_PATH, Control::new(requests))
        .build()
        .await
        .map_err(|e| match e {
            zbus::Error::NameTaken => {
                anyhow::anyhow!("another habitd is already running on this session bus")
            }
            other => anyhow::Error::new(other).context("cannot connect to the session bus"),
        })?;
    let (reports, mut reported) = mpsc::unbounded_channel();
    let server_events = notify::subscribe(&bus)
        .await
        .context("cannot subscribe to the notification server's signals")?;
    let forward_to = reports.clone();
    tokio::spawn(notify::forward(server_events, move |event| {
        // The loop only goes away at shutdown, when reports no longer matter.
        let _ = forward_to.send(Report::Server(event));
    }));
    let now = Timestamp::now();
    info!(
        "habitd {} started: {} habits from {}, zone {}, history {}",
        env!("CARGO_PKG_VERSION"),
        config.habits.len(),
        config.origin,
        config.timezone_name(),
        store.path().display()
    );
    let mut daemon = Daemon {
        // Reminders due shortly before the start (the machine just booted, or
        // the service restarted) are caught up like those missed in suspend;
        // ones already shown are known from the history.
        cursor: now.checked_sub(config.catch_up).unwrap_or(now),
        state: State::default(),
        config,
        explicit_config,
        store,
        on_screen: HashMap::new(),
        bus: bus.clone(),
        warned_unreachable: false,
        reports,
        changed: true,
    };
    tokio::pin!(shutdown);
    loop {
        let now = Timestamp::now();
        daemon.refresh(now);
        let next = daemon.handle_due(now);
        let wake_at = next.as_ref().map_or_else(
            || now.checked_add(IDLE_HORIZON).unwrap_or(Timestamp::MAX),
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
        if std::mem::take(&mut daemon.changed)
            && let Err(e) = control::emit_changed(&bus).await
        {
            debug!("cannot emit Changed: {e}");
        }
        tokio::select! {
            wake = timer.wait() => {
                if wake.context("wall-clock timer failed")? == Wake::ClockChanged {
                    info!("the system clock changed; planning again");
                }
            }
            Some(report) = reported.recv() => daemon.on_report(report),
            Some(envelope) = incoming.recv() => {
                let reply = daemon.on_request(&envelope.request);
                // The caller may have given up waiting; nothing to do then.
                let _ = envelope.reply.send(reply);
            }
            _ = hangups.recv() => {
                daemon.reload();
            }
            () = &mut shutdown => break,
        }
    }
    info!("habitd stopping");
    Ok(())
}

impl Daemon {
    /// Reads the planning state from the store; on failure keeps the last.
    fn refresh(&mut self, now: Timestamp) {
        match history::load_state(&self.store, &self.config, now) {
            Ok(state) => {
                if state != self.state {
                    self.changed = true;
                }
                self.state = state;
            }
            Err(e) => error!("cannot read the history: {e}; planning from what was read before"),
        }
    }

    /// Shows what is due at `now`, records what was missed, advances the
    /// cursor and returns the next reminder.
    fn handle_due(&mut self, now: Timestamp) -> Option<Occurrence> {
        let decisions = Plan::new(&self.config, &self.state).due(self.cursor, now);
        for decision in decisions {
            match decision {
                Decision::Show(occurrence) => self.remind(occurrence, now),
                Decision::Missed {
                    habit,
                    first,
                    count,
                } => {
                    info!(
                        "skipped {count} reminder(s) of {habit} from {}: more than {} late",
                        first.to_zoned_datetime(self.config.timezone.clone()),
                        HumanDuration(self.config.catch_up)
                    );
                    self.record(
                        &habit,
                        Kind::Missed,
                        first,
                        Some(i64::try_from(count).unwrap_or(i64::MAX)),
                    );
                }
            }
        }
        self.cursor = self.cursor.max(now);
        Plan::new(&self.config, &self.state).next_wake(self.cursor)
    }

    /// Appends a daemon event about `habit`, also to the in-memory state so
    /// the plan moves on even if the store is failing.
    fn record(&mut self, habit: &str, kind: Kind, at: Timestamp, amount: Option<i64>) {
        let date = self.config.timezone.to_datetime(at).date();
        let event = NewEvent {
            amount,
            ..NewEvent::new(at, date, Some(habit), kind, Source::Daemon)
        };
        if let Err(e) = self.store.append(&event) {
            error!("cannot record {} of {habit}: {e}", kind.as_str());
        }
        let last = self
            .state
            .last_reminded
            .entry(habit.to_string())
            .or_insert(at);
        *last = (*last).max(at);
        self.changed = true;
    }

    fn remind(&mut self, occurrence: Occurrence, now: Timestamp) {
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
        let today = self.config.timezone.to_datetime(now).date();
        let progress = match &habit.goal {
            Goal::Count { count, unit } if *count > 1 => Some(format!(
                "{}/{count} {unit} today",
                self.state.total(&habit.id, today)
            )),
            _ => None,
        };
        let notification = notify::reminder(habit, progress.as_deref());
        let id = habit.id.clone();
        self.record(&id, Kind::Reminded, occurrence.at, None);
        self.show(id, notification);
    }

    /// Shows `notification` for `habit`, replacing the habit's previous one,
    /// without blocking the loop: sending waits on the bus (or on a server
    /// being activated), so the result comes back as a report.
    fn show(&mut self, habit: String, notification: notify_rust::Notification) {
        let replaces = self.on_screen.get(&habit).copied();
        let reports = self.reports.clone();
        let bus = self.bus.clone();
        tokio::spawn(async move {
            let report = match notify::show(&bus, &notification, replaces).await {
                Ok(id) => Report::Shown { habit, id },
                Err(e) => Report::Failed {
                    habit,
                    error: e.to_string(),
                },
            };
            let _ = reports.send(report);
        });
    }

    fn on_report(&mut self, report: Report) {
        match report {
            Report::Shown { habit, id } => {
                debug!("notification {id} shown for {habit}");
                self.warned_unreachable = false;
                self.on_screen.insert(habit, id);
            }
            Report::Failed { habit, error } if !self.warned_unreachable => {
                warn!(
                    "cannot show the reminder for {habit}: {error}; will try again at the next reminder"
                );
                self.warned_unreachable = true;
            }
            Report::Failed { habit, error } => {
                debug!("cannot show the reminder for {habit}: {error}")
            }
            Report::Server(ServerEvent::Pressed { id, action }) => {
                if let Some(habit) = self.habit_on_screen(id) {
                    self.on_button(habit, action);
                }
            }
            Report::Server(ServerEvent::Closed { id }) => {
                if let Some(habit) = self.habit_on_screen(id) {
                    debug!("notification {id} of {habit} closed");
                    self.on_screen.remove(&habit);
                }
            }
        }
    }

    /// The habit whose notification has this id.
    fn habit_on_screen(&self, id: u32) -> Option<String> {
        self.on_screen
            .iter()
            .find(|&(_, &shown)| shown == id)
            .map(|(habit, _)| habit.clone())
    }

    /// A button on a notification: the same as the command line would do.
    fn on_button(&mut self, habit: String, action: Action) {
        let command = match action {
            Action::Done => Command::Done {
                habit: habit.clone(),
                amount: None,
                at: None,
            },
            Action::Snooze => Command::Snooze {
                habit: Some(habit.clone()),
                duration: None,
            },
            Action::Skip => Command::Skip {
                habit: habit.clone(),
                date: None,
            },
        };
        let now = Timestamp::now();
        match history::apply(
            &mut self.store,
            &self.config,
            &command,
            Source::Notification,
            now,
        ) {
            Ok(message) => info!("from the notification: {message}"),
            Err(e) => {
                error!(
                    "cannot record {:?} from the notification of {habit}: {e}",
                    action
                );
                return;
            }
        }
        self.changed = true;
        self.refresh(now);
        if action == Action::Done {
            self.show_progress(&habit, now);
        }
    }

    /// Replaces a count habit's notification with today's progress.
    fn show_progress(&mut self, habit: &str, now: Timestamp) {
        let Some(habit) = self.config.habit(habit) else {
            return;
        };
        let Goal::Count { count, unit } = &habit.goal else {
            return;
        };
        let today = self.config.timezone.to_datetime(now).date();
        let done = self.state.total(&habit.id, today);
        let text = format!("{done}/{count} {unit} today");
        let notification = notify::progress(habit, &text, self.state.met(habit, today));
        self.show(habit.id.clone(), notification);
    }

    fn on_request(&mut self, request: &Request) -> Reply {
        let now = Timestamp::now();
        match request {
            Request::Status => {
                self.refresh(now);
                let report = status::build(&self.config, &self.state, now, true);
                return serde_json::to_string(&report).map_err(|e| Refusal::Failed(e.to_string()));
            }
            Request::Reload => {
                return if self.reload() {
                    Ok(format!(
                        "reloaded {} habits from {}",
                        self.config.habits.len(),
                        self.config.origin
                    ))
                } else {
                    Err(Refusal::Invalid(
                        "the config has errors (see the log, or run `habitd check`); keeping the previous one"
                            .to_string(),
                    ))
                };
            }
            _ => {}
        }
        let command = match command::from_request(&self.config, request, now) {
            Ok(Some(command)) => command,
            Ok(None) => return Err(Refusal::Invalid("nothing to do".to_string())),
            Err(rejected) => return Err(Refusal::Invalid(rejected.0)),
        };
        let reply = history::apply(&mut self.store, &self.config, &command, Source::Dbus, now)
            .map_err(|e| match e {
                ApplyError::Rejected(r) => Refusal::Invalid(r.0),
                ApplyError::Store(s) => Refusal::Failed(s.to_string()),
            });
        if reply.is_ok() {
            info!("{}", reply.as_deref().unwrap_or_default());
            self.changed = true;
        }
        reply
    }

    /// Reads the config again; on errors keeps the old one and says so.
    fn reload(&mut self) -> bool {
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
                self.on_screen
                    .retain(|habit, _| config.habit(habit).is_some());
                self.config = config;
                self.changed = true;
                true
            }
            Err(e) => {
                error!("keeping the previous config; the new one has errors:");
                for line in e.to_string().lines() {
                    error!("{line}");
                }
                false
            }
        }
    }
}
