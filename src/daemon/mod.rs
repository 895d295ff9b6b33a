//! The daemon: one loop that sleeps until the next reminder is due, shows it,
//! and plans again.
//!
//! Like mini-redis's expiry task: compute the next deadline, then wait on
//! "the deadline came" vs "something changed" vs "shutdown". Everything it
//! reacts to is an event — the wall-clock timer, a D-Bus request, a button on
//! a notification, a delivery result, a save of the config file, SIGHUP, the
//! shutdown future — and there is no periodic tick, so an idle daemon does
//! not wake. What to show is decided by [`crate::plan`] from the config and
//! the history; this module carries the decisions out and records them.
//!
//! Faults it rides out: no notification server (reminders are recorded as
//! undelivered, the next ones tried again), a locked or failing history
//! (events wait in memory and are written when it works again, on a backoff
//! timer that exists only while something waits). Losing the session bus
//! ends it with an error, for the service manager to restart it.

pub mod sd_notify;
pub mod timer;
pub mod watch;

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};

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
use crate::store::{Store, StoreError};
use crate::timespec::HumanDuration;
use sd_notify::ServiceManager;
use timer::{Wake, WallTimer};
use watch::ConfigWatch;

/// How far ahead the timer is armed when nothing is scheduled at all, so a
/// clock change still wakes it.
const IDLE_HORIZON: SignedDuration = SignedDuration::from_hours(24 * 365);

/// How long the daemon's writes wait for another process's lock; longer
/// locks are waited out by queueing, so reminders are never held up.
const STORE_LOCK_WAIT: std::time::Duration = std::time::Duration::from_millis(500);

/// The first wait before writing queued events again; it doubles up to the
/// longest.
const RETRY_FIRST: SignedDuration = SignedDuration::from_secs(1);
const RETRY_MAX: SignedDuration = SignedDuration::from_mins(5);

/// How long shutdown waits for notifications still being sent.
const SHUTDOWN_SEND_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// How many presses on notifications of unknown id are kept.
const EARLY_PRESSES: usize = 8;

/// What the tasks around the loop report back to it.
enum Report {
    /// The notification for `habit` is on screen with this id.
    Shown { habit: String, id: u32 },
    /// It could not be shown.
    Failed { habit: String, error: String },
    /// The server reported on one of our notifications.
    Server(ServerEvent),
    /// The session bus connection is gone.
    BusClosed,
}

/// The daemon's state between wake-ups.
struct Daemon {
    config: Config,
    /// Where to look for the config on reload.
    explicit_config: Option<PathBuf>,
    /// The history; `None` while it cannot be opened (it is tried again at
    /// every wake-up, and reminders go on from the state in memory).
    store: Option<Store>,
    store_path: PathBuf,
    /// Daemon events not yet written (the store was locked or failing).
    pending: Vec<NewEvent>,
    /// When to try writing `pending` again, and the wait used.
    retry: Option<(Timestamp, SignedDuration)>,
    /// The last problem with the history that was logged, so a failing store
    /// is reported once, not at every retry.
    store_problem: Option<String>,
    /// Planning state, refreshed from the store at every wake-up.
    state: State,
    /// Every reminder due at or before this instant has been handled; `None`
    /// until the first wake-up, which looks back to each habit's last
    /// reminder in the history.
    cursor: Option<Timestamp>,
    /// Each habit's notification on screen, which its next one replaces.
    on_screen: HashMap<String, u32>,
    /// Presses on notifications whose id is not known yet: the server's
    /// answer to Notify and a quick press travel to different tasks, so the
    /// press can come first.
    early_presses: Vec<(u32, Action)>,
    /// The connection notifications go out on and button presses come back on.
    bus: zbus::Connection,
    /// Whether the "no notification server" warning has been logged since
    /// the last successful delivery.
    warned_unreachable: bool,
    reports: mpsc::UnboundedSender<Report>,
    /// Notifications on their way to the server; shutdown waits for them.
    in_flight: tokio::task::JoinSet<()>,
    /// Whether the plan or progress changed since the last `Changed` signal.
    changed: bool,
}

/// Runs the daemon until `shutdown` completes: owns the bus name, serves the
/// control interface, shows reminders and records them in the history at
/// `store_path`. A save of the config file or SIGHUP reloads the config
/// (`explicit_config`, or the default location). Tells systemd how it is
/// doing when started by it.
pub async fn run(
    config: Config,
    explicit_config: Option<PathBuf>,
    store_path: PathBuf,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let service = ServiceManager::from_env();
    let result = serve(config, explicit_config, store_path, &service, shutdown).await;
    service.notify("STOPPING=1");
    result
}

async fn serve(
    config: Config,
    explicit_config: Option<PathBuf>,
    store_path: PathBuf,
    service: &ServiceManager,
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
    tokio::spawn(async move {
        notify::forward(server_events, |event| {
            // The loop only goes away at shutdown, when reports no longer matter.
            let _ = forward_to.send(Report::Server(event));
        })
        .await;
        let _ = forward_to.send(Report::BusClosed);
    });
    let mut watch = watch_config(explicit_config.as_deref());
    info!(
        "habitd {} started: {} habits from {}, zone {}, history {}",
        env!("CARGO_PKG_VERSION"),
        config.habits.len(),
        config.origin,
        config.timezone_name(),
        store_path.display()
    );
    let mut daemon = Daemon {
        // Reminders due before the start (the machine was off, or the service
        // restarted) are caught up like those missed in suspend; ones already
        // shown are known from the history.
        cursor: None,
        config,
        explicit_config,
        store: None,
        store_path,
        pending: Vec::new(),
        retry: None,
        store_problem: None,
        state: State::default(),
        on_screen: HashMap::new(),
        early_presses: Vec::new(),
        bus: bus.clone(),
        warned_unreachable: false,
        reports,
        in_flight: tokio::task::JoinSet::new(),
        changed: true,
    };
    let mut ready = false;
    let mut last_status = String::new();
    tokio::pin!(shutdown);
    let outcome = loop {
        let now = Timestamp::now();
        daemon.refresh(now);
        daemon.flush(now);
        let next = daemon.handle_due(now);
        let mut wake_at = next.as_ref().map_or_else(
            || now.checked_add(IDLE_HORIZON).unwrap_or(Timestamp::MAX),
            |o| o.at,
        );
        if let Some((retry_at, _)) = daemon.retry {
            wake_at = wake_at.min(retry_at);
        }
        let status = match &next {
            Some(o) => format!(
                "next: {} at {}",
                o.habit,
                daemon
                    .config
                    .timezone
                    .to_datetime(o.at)
                    .strftime("%a %H:%M:%S")
            ),
            None => "no reminder scheduled".to_string(),
        };
        if status != last_status {
            debug!("{status}");
            service.notify(&format!("STATUS={status}"));
            last_status = status;
        }
        if !ready {
            // The bus name is owned and the first plan made.
            service.notify("READY=1");
            ready = true;
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
            Some(report) = reported.recv() => {
                if let Report::BusClosed = report {
                    break Err(anyhow::anyhow!(
                        "lost the connection to the session bus; exiting so the service manager can restart habitd"
                    ));
                }
                daemon.on_report(report);
            }
            Some(envelope) = incoming.recv() => {
                let reply = daemon.on_request(&envelope.request, service);
                // The caller may have given up waiting; nothing to do then.
                let _ = envelope.reply.send(reply);
            }
            _ = hangups.recv() => {
                daemon.reload(service);
            }
            saved = config_saved(&mut watch) => {
                if let Err(e) = saved {
                    warn!("stopped watching the config file: {e}; SIGHUP still reloads it");
                    watch = None;
                } else {
                    info!("the config file was saved; reloading");
                    daemon.reload(service);
                }
            }
            // Finished sends are reaped as they end; each already reported.
            Some(_) = daemon.in_flight.join_next(), if !daemon.in_flight.is_empty() => {}
            () = &mut shutdown => break Ok(()),
        }
    };
    // A reminder recorded as shown should reach the screen: give sends
    // under way a moment to finish.
    let sending = async { while daemon.in_flight.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_SEND_WAIT, sending)
        .await
        .is_err()
    {
        warn!("stopping with a notification still on its way to the server");
    }
    // Whatever is still queued gets one last chance to be written.
    daemon.retry = None;
    daemon.flush(Timestamp::now());
    if !daemon.pending.is_empty() {
        error!(
            "{} event(s) could not be written to {}",
            daemon.pending.len(),
            daemon.store_path.display()
        );
    }
    info!("habitd stopping");
    outcome
}

/// Watches the config file the daemon would load, if its directory exists.
fn watch_config(explicit: Option<&Path>) -> Option<ConfigWatch> {
    let path = match config::locate(explicit) {
        config::Origin::File(path) => path,
        config::Origin::Builtin => config::default_path()?,
    };
    match ConfigWatch::new(&path) {
        Ok(watch) => Some(watch),
        Err(e) => {
            debug!("not watching {} for changes: {e}", path.display());
            None
        }
    }
}

/// Waits for a save of the config, or forever without a watch.
async fn config_saved(watch: &mut Option<ConfigWatch>) -> std::io::Result<()> {
    match watch {
        Some(watch) => watch.saved().await,
        None => std::future::pending().await,
    }
}

/// The history in `slot`, opening the one at `path` if none is open yet.
fn open_store<'s>(slot: &'s mut Option<Store>, path: &Path) -> Result<&'s mut Store, StoreError> {
    let store = match slot.take() {
        Some(store) => store,
        None => {
            let store = Store::open(path)?;
            store.set_busy_timeout(STORE_LOCK_WAIT)?;
            store
        }
    };
    Ok(slot.insert(store))
}

impl Daemon {
    /// Logs a problem with the history once, until it goes away.
    fn store_trouble(&mut self, what: &str, error: &StoreError) {
        let problem = error.to_string();
        if self.store_problem.as_deref() != Some(problem.as_str()) {
            error!("cannot {what}: {problem}; reminders go on, and events wait to be written");
            self.store_problem = Some(problem);
        }
        if !matches!(error, StoreError::Locked { .. }) {
            // Open it afresh next time: the file may be replaced or repaired.
            self.store = None;
        }
    }

    /// Reads the planning state from the store; on failure keeps the last.
    fn refresh(&mut self, now: Timestamp) {
        let loaded = open_store(&mut self.store, &self.store_path)
            .and_then(|store| history::load_state(store, &self.config, now));
        match loaded {
            Ok(mut state) => {
                // Queued reminders count as handled too.
                for event in &self.pending {
                    if let Some(habit) = &event.habit {
                        let last = state.last_reminded.entry(habit.clone()).or_insert(event.at);
                        *last = (*last).max(event.at);
                    }
                }
                if state != self.state {
                    self.changed = true;
                }
                self.state = state;
            }
            Err(e) => self.store_trouble("read the history", &e),
        }
    }

    /// Writes queued events, unless waiting to retry; on failure waits longer.
    fn flush(&mut self, now: Timestamp) {
        if self.pending.is_empty() || self.retry.is_some_and(|(at, _)| now < at) {
            return;
        }
        let pending = std::mem::take(&mut self.pending);
        let written = open_store(&mut self.store, &self.store_path)
            .and_then(|store| store.append_all(&pending));
        match written {
            Ok(_) => {
                if self.retry.take().is_some() || self.store_problem.take().is_some() {
                    info!(
                        "the history works again; wrote {} waiting event(s)",
                        pending.len()
                    );
                }
            }
            Err(e) => {
                self.pending = pending;
                self.store_trouble("write the history", &e);
                let wait = self
                    .retry
                    .map_or(RETRY_FIRST, |(_, wait)| (wait * 2).min(RETRY_MAX));
                self.retry = Some((now.checked_add(wait).unwrap_or(now), wait));
            }
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
                    let count = i64::try_from(count).unwrap_or(i64::MAX);
                    self.record(&habit, Kind::Missed, first, Some(count));
                }
            }
        }
        let cursor = self.cursor.map_or(now, |cursor| cursor.max(now));
        self.cursor = Some(cursor);
        Plan::new(&self.config, &self.state).next_wake(cursor)
    }

    /// Records a daemon event about `habit` (queued while the store fails),
    /// and in the in-memory state, so the plan moves on regardless.
    fn record(&mut self, habit: &str, kind: Kind, at: Timestamp, amount: Option<i64>) {
        let date = self.config.timezone.to_datetime(at).date();
        self.pending.push(NewEvent {
            amount,
            ..NewEvent::new(at, date, Some(habit), kind, Source::Daemon)
        });
        self.flush(Timestamp::now());
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
        self.in_flight.spawn(async move {
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
                self.on_screen.insert(habit.clone(), id);
                let (pressed, others) = std::mem::take(&mut self.early_presses)
                    .into_iter()
                    .partition(|&(pressed, _)| pressed == id);
                self.early_presses = others;
                for (_, action) in pressed {
                    self.on_button(habit.clone(), action);
                }
            }
            Report::Failed { habit, error } => {
                if self.warned_unreachable {
                    debug!("cannot show the reminder for {habit}: {error}");
                } else {
                    warn!(
                        "cannot show the reminder for {habit}: {error}; will try again at the next reminder"
                    );
                    self.warned_unreachable = true;
                }
                // It was due and is handled: recorded as not delivered, not
                // shown late when a server comes back.
                self.record(&habit, Kind::Undelivered, Timestamp::now(), None);
                self.on_screen.remove(&habit);
            }
            Report::Server(ServerEvent::Pressed { id, action }) => match self.habit_on_screen(id) {
                Some(habit) => self.on_button(habit, action),
                None => {
                    // Most likely ours, its id still on the way; presses on
                    // other programs' notifications just age out.
                    if self.early_presses.len() == EARLY_PRESSES {
                        self.early_presses.remove(0);
                    }
                    self.early_presses.push((id, action));
                }
            },
            Report::Server(ServerEvent::Closed { id }) => {
                if let Some(habit) = self.habit_on_screen(id) {
                    debug!("notification {id} of {habit} closed");
                    self.on_screen.remove(&habit);
                }
            }
            Report::BusClosed => {}
        }
    }

    /// The habit whose notification has this id.
    fn habit_on_screen(&self, id: u32) -> Option<String> {
        self.on_screen
            .iter()
            .find(|&(_, &shown)| shown == id)
            .map(|(habit, _)| habit.clone())
    }

    /// Carries out `command` and records it, as the command line would.
    fn apply(
        &mut self,
        command: &Command,
        source: Source,
        now: Timestamp,
    ) -> Result<String, ApplyError> {
        let applied = match open_store(&mut self.store, &self.store_path) {
            Ok(store) => history::apply(store, &self.config, command, source, now),
            Err(e) => Err(ApplyError::Store(e)),
        };
        if let Err(ApplyError::Store(e)) = &applied {
            self.store_trouble("record a command", e);
        } else if applied.is_ok() {
            self.changed = true;
        }
        applied
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
        match self.apply(&command, Source::Notification, now) {
            Ok(message) => info!("from the notification: {message}"),
            Err(e) => {
                error!("cannot record {action:?} from the notification of {habit}: {e}");
                return;
            }
        }
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

    fn on_request(&mut self, request: &Request, service: &ServiceManager) -> Reply {
        let now = Timestamp::now();
        match request {
            Request::Status => {
                self.refresh(now);
                let report = status::build(&self.config, &self.state, now, true);
                return serde_json::to_string(&report).map_err(|e| Refusal::Failed(e.to_string()));
            }
            Request::Reload => {
                return if self.reload(service) {
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
        let reply = self
            .apply(&command, Source::Dbus, now)
            .map_err(|e| match e {
                ApplyError::Rejected(r) => Refusal::Invalid(r.0),
                ApplyError::Store(s) => Refusal::Failed(s.to_string()),
            });
        if let Ok(message) = &reply {
            info!("{message}");
        }
        reply
    }

    /// Reads the config again; on errors keeps the old one and says so.
    fn reload(&mut self, service: &ServiceManager) -> bool {
        service.reloading();
        let origin = config::locate(self.explicit_config.as_deref());
        let loaded = config::load(&origin);
        service.notify("READY=1");
        match loaded {
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
