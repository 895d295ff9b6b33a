//! The daemon's shell: turns the outside world into [`Input`]s for the
//! [`Core`], and the core's [`Effect`]s into I/O.
//!
//! Like mini-redis's expiry task, it is one loop: wait for the next thing to
//! happen — the wall-clock timer, a D-Bus request, a button or a delivery
//! result, the history thread's answer, a save of the config, a change of
//! the system time zone, another process writing the history, another
//! device's events arriving in the sync folder ([`folder_watch`]), the
//! screen being locked or unlocked ([`presence`]), a signal, the shutdown
//! future — hand it to the core with the time it happened, and carry out
//! what the core says. There is no periodic tick, so an idle
//! daemon does not wake. The clock is read in one place, the store is never
//! called from the loop (see [`recorder`]), and every call to the
//! notification server has a time limit.
//!
//! The Report button's child processes run on a thread of their own (see
//! [`report`]).
//!
//! Faults it rides out: no notification server or a hung one (recorded as
//! undelivered), a locked, failing or deleted history (see [`recorder`]), a
//! config saved broken, emptied or moved away (the last good one is kept).
//! Losing the session bus ends it with an error, for the service manager to
//! restart it. With [`Display::Terminal`] reminders are lines on stdout
//! instead (see [`terminal`]), and the bus, when there is one, only carries
//! the control interface. A second daemon for the same history or the same bus refuses
//! to start (see [`instance`]).

pub mod folder_watch;
pub mod instance;
pub mod presence;
pub mod recorder;
pub mod report;
pub mod sd_notify;
pub mod terminal;
pub mod timer;
pub mod watch;

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use jiff::Timestamp;
use log::{debug, info, warn};
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::{mpsc, oneshot};

use crate::config::{self, Origin};
use crate::control::{self, Control, Envelope, Reply};
use crate::core::{Core, Effect, Input, Reread, Show};
use crate::notify::{self, ServerEvent};
use crate::store::Store;
use folder_watch::FolderWatch;
use instance::Instance;
use recorder::{Job, Recorder};
use sd_notify::ServiceManager;
use terminal::Terminal;
use timer::{Wake, WallTimer};
use watch::FileWatch;

/// How long the notification server may take to answer before the
/// reminder counts as undelivered.
const NOTIFY_TIMEOUT: Duration = Duration::from_secs(5);

/// How long shutdown waits for the server to close habitd's notifications.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// How long shutdown waits for the history thread to write what waits,
/// before spooling it.
const STOP_WRITE_WAIT: Duration = Duration::from_secs(3);

/// Makes the process's allocations share one malloc arena, as
/// `MALLOC_ARENA_MAX=1` would; call it before any thread starts. glibc gives
/// each thread that allocates an arena of its own, and the history thread's
/// then fragments apart from the loop's: over a simulated week of 100 habits
/// (examples/day_in_a_minute) private dirty memory kept creeping up by about
/// 10 kB a day with two arenas and stayed flat with one, which also starts
/// 340 kB smaller. The two threads seldom allocate at once, so sharing costs
/// nothing measurable.
pub fn one_malloc_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tunable of glibc's allocator, and its
    // answer (0 when refused) leaves the allocator as it was.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// Where reminders are shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Display {
    /// Desktop notifications on the session bus, which must be there.
    Desktop,
    /// Lines on stdout; the session bus, if there is one, carries the
    /// control interface.
    Terminal,
}

/// There is no session bus to connect to: said once, with what to do.
#[derive(Debug, thiserror::Error)]
#[error(
    "no desktop session bus to show notifications on ({why}); run habitd inside your desktop session, as the user service (systemctl --user start habitd), or as `habitd run --terminal` to show reminders on this terminal"
)]
pub struct NoSessionBus {
    why: String,
}

impl NoSessionBus {
    fn new(error: &zbus::Error) -> NoSessionBus {
        let why = match std::env::var_os("DBUS_SESSION_BUS_ADDRESS") {
            // Where zbus, like libdbus, looks then.
            None => {
                let runtime = crate::dirs::runtime_dir().unwrap_or_else(|| {
                    PathBuf::from(format!("/run/user/{}", rustix::process::getuid().as_raw()))
                });
                format!(
                    "DBUS_SESSION_BUS_ADDRESS is not set, and no bus listens at {}",
                    runtime.join("bus").display()
                )
            }
            Some(_) => error.to_string(),
        };
        NoSessionBus { why }
    }
}

/// Hands the heap pages that start-up used and freed back to the kernel.
/// Parsing the command line (clap builds every subcommand's definition),
/// reading the config and the history leave a megabyte of freed memory
/// behind that malloc keeps, dirty, for a process that then sleeps for
/// hours; trimming once, when ready, takes the idle daemon's private dirty
/// memory from 1.4 to about 0.5 MiB (scripts/idle-wakeups.sh).
fn release_free_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory to the kernel; it has no
    // effect on memory in use.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Runs the daemon until `shutdown` completes: owns the data directory's
/// lock and the bus name, serves the control interface, shows reminders on
/// `display` and records them in the history at `store_path`. A save of the config file,
/// SIGHUP or a change of the system time zone reads the config again
/// (`explicit_config`, or the default location). Tells systemd how it is
/// doing when started by it.
pub async fn run(
    config: config::Config,
    explicit_config: Option<PathBuf>,
    store_path: PathBuf,
    display: Display,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let _instance = Instance::claim(&store_path)?;
    let service = ServiceManager::from_env();
    let result = serve(
        config,
        explicit_config,
        store_path,
        display,
        &service,
        shutdown,
    )
    .await;
    service.notify("STOPPING=1");
    result
}

/// Connects to the session bus, serves the control interface and owns the
/// bus name — never taking it from another owner, never queueing for it.
async fn connect(requests: mpsc::Sender<Envelope>) -> anyhow::Result<zbus::Connection> {
    let bus = zbus::connection::Builder::session()
        .serve_at(control::OBJECT_PATH, Control::new(requests))
        .build()
        .await
        .map_err(|e| NoSessionBus::new(&e))?;
    let flags = zbus::fdo::RequestNameFlags::DO_NOT_QUEUE;
    let owned = match bus.request_name_with_flags(control::BUS_NAME, flags).await {
        Ok(reply) => matches!(
            reply,
            zbus::fdo::RequestNameReply::PrimaryOwner | zbus::fdo::RequestNameReply::AlreadyOwner
        ),
        Err(zbus::Error::NameTaken) => false,
        Err(e) => return Err(e).context("cannot own the bus name"),
    };
    if owned {
        return Ok(bus);
    }
    let dbus = zbus::fdo::DBusProxy::new(&bus).await?;
    let pid = match dbus
        .get_connection_unix_process_id(control::BUS_NAME.try_into()?)
        .await
    {
        Ok(pid) => pid.to_string(),
        Err(_) => "unknown".to_string(),
    };
    anyhow::bail!("habitd is already running as PID {pid} on this session bus")
}

async fn serve(
    config: config::Config,
    explicit_config: Option<PathBuf>,
    store_path: PathBuf,
    display: Display,
    service: &ServiceManager,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let mut timer = WallTimer::new().context("cannot create the wall-clock timer")?;
    let mut signals = Signals::new()?;
    let (requests, mut incoming) = mpsc::channel::<Envelope>(16);
    let (inputs, mut answered) = mpsc::unbounded_channel();
    let (screen, bus, mut lost) = match display {
        Display::Desktop => {
            let bus = connect(requests).await?;
            let lost = forward_server_events(&bus, inputs.clone()).await?;
            (Screen::Desktop(bus.clone()), Some(bus), Some(lost))
        }
        Display::Terminal => {
            let bus = match connect(requests).await {
                Ok(bus) => {
                    info!(
                        "showing reminders on this terminal; `habitd done HABIT` and the other commands reach this habitd over the session bus"
                    );
                    Some(bus)
                }
                Err(e) if e.is::<NoSessionBus>() => {
                    info!(
                        "showing reminders on this terminal; no session bus, so `habitd done HABIT` and the other commands write the history, which this habitd watches"
                    );
                    None
                }
                Err(e) => return Err(e),
            };
            // Without notifications the bus only carries requests, and
            // commands fall back to the history when it goes: losing it
            // ends nothing.
            (Screen::Terminal(Terminal::stdout()), bus, None)
        }
    };
    let forward_to = inputs.clone();
    tokio::spawn(presence::follow(bus.clone(), move |away| {
        // The loop only goes away at shutdown, when this no longer matters.
        let _ = forward_to.send(Input::Presence { away });
    }));
    let recorder = Recorder::start(store_path.clone(), inputs.clone())
        .context("cannot start the history thread")?;
    let mut config_watch = watch_config(explicit_config.as_deref());
    let mut zone_watch = zone_file().and_then(|path| watch_file(&path));
    let mut history_watch = watch_history(&store_path);
    let mut sync_watch = None;
    rewatch_sync_folder(&mut sync_watch, config.sync.as_ref(), &store_path);
    info!(
        "habitd {} started: {} from {}, zone {}, history {}",
        env!("CARGO_PKG_VERSION"),
        crate::quote::counted(config.habits.len() as u64, "habit", "habits"),
        config.origin,
        config.timezone_name(),
        store_path.display()
    );
    let mut core = Core::new(config);
    let mut shell = Shell {
        screen,
        bus,
        recorder,
        service,
        explicit_config,
        inputs,
        replies: HashMap::new(),
        next_reply: 0,
        sends: tokio::task::JoinSet::new(),
        status: String::new(),
    };
    shell.perform(core.step(Input::Start, Timestamp::now()), &core, &mut timer)?;
    tokio::pin!(shutdown);
    let outcome = loop {
        let input = tokio::select! {
            wake = timer.wait() => match wake.context("wall-clock timer failed")? {
                Wake::Due => Input::Timer,
                Wake::ClockChanged => Input::ClockSet,
            },
            Some(input) = answered.recv() => input,
            Some(envelope) = incoming.recv() => {
                shell.next_reply += 1;
                shell.replies.insert(shell.next_reply, envelope.reply);
                Input::Request { reply_to: shell.next_reply, request: envelope.request }
            }
            _ = signals.hangup.recv() => {
                info!("SIGHUP: reading the config again");
                shell.read_config(None)
            }
            _ = signals.user1.recv() => {
                info!("ignoring SIGUSR1 (SIGHUP reloads the config, SIGTERM stops habitd)");
                continue;
            }
            _ = signals.user2.recv() => {
                info!("ignoring SIGUSR2 (SIGHUP reloads the config, SIGTERM stops habitd)");
                continue;
            }
            changed = changed(&mut config_watch) => {
                if stopped_watching(changed, &mut config_watch, "the config file") {
                    continue;
                }
                info!("the config file was saved; reading it again");
                shell.read_config(None)
            }
            changed = changed(&mut zone_watch) => {
                if stopped_watching(changed, &mut zone_watch, "the system time zone") {
                    continue;
                }
                info!("the system time zone changed; planning again");
                shell.read_config(None)
            }
            changed = changed(&mut history_watch) => {
                if stopped_watching(changed, &mut history_watch, "the history's change marker") {
                    continue;
                }
                info!("another process wrote the history; reading it again");
                Input::HistoryChanged
            }
            changed = folder_changed(&mut sync_watch) => {
                if let Err(e) = changed {
                    warn!("stopped watching the sync folder: {e}");
                    sync_watch = None;
                    continue;
                }
                info!("another device's events arrived in the sync folder; reading them");
                Input::HistoryChanged
            }
            // Finished sends are reaped as they end; each already answered.
            Some(_) = shell.sends.join_next(), if !shell.sends.is_empty() => continue,
            () = lost_bus(&mut lost) => break Err(anyhow::anyhow!(
                "lost the connection to the session bus; exiting so the service manager can restart habitd"
            )),
            () = &mut shutdown => break Ok(()),
        };
        shell.perform(core.step(input, Timestamp::now()), &core, &mut timer)?;
        if rewatch_sync_folder(&mut sync_watch, core.config().sync.as_ref(), &store_path) {
            // A folder named by a config just reloaded: what is there already.
            let read = core.step(Input::HistoryChanged, Timestamp::now());
            shell.perform(read, &core, &mut timer)?;
        }
    };
    // A reminder being sent ends as shown or undelivered: every send has its
    // time limit, so this wait is bounded.
    while core.is_sending() {
        match tokio::time::timeout(NOTIFY_TIMEOUT * 2, answered.recv()).await {
            Ok(Some(input @ Input::Delivered { .. })) => {
                shell.perform(core.step(input, Timestamp::now()), &core, &mut timer)?;
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => break,
        }
    }
    shell.perform(core.step(Input::Stop, Timestamp::now()), &core, &mut timer)?;
    let closed = async { while shell.sends.join_next().await.is_some() {} };
    if tokio::time::timeout(CLOSE_WAIT, closed).await.is_err() {
        debug!("the notification server did not close our notifications in time");
    }
    shell.recorder.stop(STOP_WRITE_WAIT);
    info!("habitd stopping");
    outcome
}

/// The signals the daemon handles besides SIGTERM and SIGINT (which end it,
/// through the shutdown future). SIGUSR1 and SIGUSR2 would otherwise kill it
/// silently.
struct Signals {
    hangup: Signal,
    user1: Signal,
    user2: Signal,
}

impl Signals {
    fn new() -> anyhow::Result<Signals> {
        let listen = |kind: SignalKind, name: &str| {
            signal(kind).with_context(|| format!("cannot listen for {name}"))
        };
        Ok(Signals {
            hangup: listen(SignalKind::hangup(), "SIGHUP")?,
            user1: listen(SignalKind::user_defined1(), "SIGUSR1")?,
            user2: listen(SignalKind::user_defined2(), "SIGUSR2")?,
        })
    }
}

/// Subscribes to the notification server's signals on `bus` and forwards
/// them to the loop as inputs; the receiver hears when the bus is lost.
async fn forward_server_events(
    bus: &zbus::Connection,
    inputs: mpsc::UnboundedSender<Input>,
) -> anyhow::Result<oneshot::Receiver<()>> {
    let (bus_lost, lost) = oneshot::channel::<()>();
    let server_events = notify::subscribe(bus)
        .await
        .context("cannot subscribe to the notification server's signals")?;
    tokio::spawn(async move {
        notify::forward(server_events, |event| {
            // The loop only goes away at shutdown, when events no longer matter.
            let _ = inputs.send(match event {
                ServerEvent::Pressed { id, action } => Input::Pressed { id, action },
                ServerEvent::Closed { id } => Input::Closed { id },
            });
        })
        .await;
        let _ = bus_lost.send(());
    });
    Ok(lost)
}

/// Completes when the session bus notifications go over is lost; never on
/// a terminal.
async fn lost_bus(lost: &mut Option<oneshot::Receiver<()>>) {
    match lost {
        Some(lost) => {
            // A dropped sender means the forwarding task ended too.
            let _ = lost.await;
        }
        None => std::future::pending().await,
    }
}

/// Where the shell shows reminders.
enum Screen {
    /// On the notification server, over this connection.
    Desktop(zbus::Connection),
    /// As lines on stdout.
    Terminal(Terminal),
}

/// The I/O ends the core's effects are carried out on.
struct Shell<'s> {
    screen: Screen,
    /// The session bus, for the `Changed` signal; none on a terminal
    /// without one.
    bus: Option<zbus::Connection>,
    recorder: Recorder,
    service: &'s ServiceManager,
    explicit_config: Option<PathBuf>,
    /// Where answers from the history thread and from sends come back.
    inputs: mpsc::UnboundedSender<Input>,
    /// D-Bus callers waiting for an answer.
    replies: HashMap<u64, oneshot::Sender<Reply>>,
    next_reply: u64,
    /// Notifications on their way to the server.
    sends: tokio::task::JoinSet<()>,
    /// The last status told to the service manager.
    status: String,
}

impl Shell<'_> {
    fn perform(
        &mut self,
        effects: Vec<Effect>,
        core: &Core,
        timer: &mut WallTimer,
    ) -> anyhow::Result<()> {
        let mut changed = false;
        for effect in effects {
            match effect {
                Effect::Arm(at) => timer.arm(at).context("cannot arm the wall-clock timer")?,
                Effect::Show(show) => self.show(show, core),
                Effect::Close(id) => {
                    // A line on a terminal stays where it is.
                    let Screen::Desktop(bus) = &self.screen else {
                        continue;
                    };
                    let bus = bus.clone();
                    self.sends.spawn(async move {
                        if let Err(e) = notify::close(&bus, id).await {
                            debug!("cannot close notification {id}: {e}");
                        }
                    });
                }
                Effect::Record(events) => self.recorder.send(Job::Record(events)),
                Effect::Apply {
                    ticket,
                    command,
                    source,
                } => self.recorder.send(Job::Apply {
                    ticket,
                    command,
                    source,
                    config: Box::new(core.config().clone()),
                    now: Timestamp::now(),
                }),
                Effect::Load => self.recorder.send(Job::Load {
                    config: Box::new(core.config().clone()),
                    now: Timestamp::now(),
                }),
                Effect::Week { ticket } => self.recorder.send(Job::Week {
                    ticket,
                    config: Box::new(core.config().clone()),
                    now: Timestamp::now(),
                }),
                Effect::OpenReport => report::open(self.explicit_config.clone()),
                Effect::ReadConfig { reply_to } => {
                    let input = self.read_config(reply_to);
                    let _ = self.inputs.send(input);
                }
                Effect::Reply { to, reply } => {
                    if let Some(caller) = self.replies.remove(&to) {
                        // The caller may have given up waiting; nothing to do then.
                        let _ = caller.send(reply);
                    }
                }
                Effect::Changed => changed = true,
                Effect::Status(status) => {
                    self.service.notify(&format!("STATUS={status}"));
                    self.status = status;
                }
                Effect::Ready => {
                    info!("habitd is ready; {}", self.status);
                    self.service.notify("READY=1");
                    release_free_heap();
                }
            }
        }
        if let (true, Some(bus)) = (changed, &self.bus) {
            let bus = bus.clone();
            // Sent from a task: a bus slow to take it must not hold the loop.
            self.sends.spawn(async move {
                if let Err(e) = control::emit_changed(&bus).await {
                    debug!("cannot emit Changed: {e}");
                }
            });
        }
        Ok(())
    }

    /// Shows a reminder without blocking the loop; its fate comes back as
    /// [`Input::Delivered`], within [`NOTIFY_TIMEOUT`].
    fn show(&mut self, show: Show, core: &Core) {
        let Some(habit) = core.config().reminder(&show.habit) else {
            return;
        };
        let (delivery, late): (futures_lite::future::Boxed<Result<u32, String>>, _) =
            match &mut self.screen {
                Screen::Desktop(bus) => {
                    let notification = notify::notification(habit, &show.content);
                    let bus = bus.clone();
                    let sent = async move {
                        notify::show(&bus, &notification, show.replaces)
                            .await
                            .map_err(|e| e.to_string())
                    };
                    (Box::pin(sent), "the notification server did not answer")
                }
                Screen::Terminal(terminal) => {
                    let clock = Timestamp::now()
                        .to_zoned_datetime(core.config().timezone.clone())
                        .strftime("%H:%M")
                        .to_string();
                    let line = notify::terminal_line(habit, &show.content, &clock);
                    let (id, bell) = (terminal.next_id(), terminal.bell());
                    let written = async move {
                        match tokio::task::spawn_blocking(move || terminal::write(&line, bell))
                            .await
                        {
                            Ok(Ok(())) => Ok(id),
                            Ok(Err(e)) => Err(format!("cannot write to the terminal: {e}")),
                            Err(e) => Err(format!("cannot write to the terminal: {e}")),
                        }
                    };
                    (Box::pin(written), "the terminal did not take the line")
                }
            };
        let inputs = self.inputs.clone();
        self.sends.spawn(async move {
            let outcome = match tokio::time::timeout(NOTIFY_TIMEOUT, delivery).await {
                Ok(outcome) => outcome,
                Err(_) => Err(format!("{late} within {}s", NOTIFY_TIMEOUT.as_secs())),
            };
            let _ = inputs.send(Input::Delivered {
                ticket: show.ticket,
                outcome,
            });
        });
    }

    /// Reads the config again, as systemd is told; the system time zone is
    /// looked up afresh, not taken from jiff's cache.
    fn read_config(&self, reply_to: Option<u64>) -> Input {
        self.service.reloading();
        jiff::tz::reset_system_time_zone_cache();
        let origin = config::locate(self.explicit_config.as_deref());
        let empty = matches!(&origin, Origin::File(path)
            if std::fs::metadata(path).is_ok_and(|m| m.len() == 0));
        let outcome = if empty {
            Reread::Empty
        } else {
            match config::load(&origin) {
                Ok(config) => Reread::Loaded(config),
                Err(e) => Reread::Failed(e),
            }
        };
        self.service.notify("READY=1");
        Input::ConfigRead { reply_to, outcome }
    }
}

/// Watches the config file the daemon would load (also while the built-in
/// one is used, so a config created later is picked up).
fn watch_config(explicit: Option<&Path>) -> Option<FileWatch> {
    let path = match config::locate(explicit) {
        Origin::File(path) => path,
        Origin::Builtin => {
            let path = config::default_path()?;
            make_config_dir(&path);
            path
        }
    };
    watch_file(&path)
}

/// Makes the directory a config file will be created in. A missing file is
/// awaited in its nearest existing directory, and every other program's file
/// created in `~/.config` would wake the daemon; in `habitd/` only habitd's
/// own files are. Private, as the XDG spec asks of directories it makes.
fn make_config_dir(config: &Path) {
    let Some(dir) = config.parent() else { return };
    if let Err(e) = crate::atomic::make_dir(dir) {
        debug!("cannot create {}: {e}", dir.display());
    }
}

/// Watches the marker other writers of the history touch (see
/// [`Store::change_marker`]); made first, so the watch is on the file itself
/// and the daemon's own writes beside it never wake it.
fn watch_history(store_path: &Path) -> Option<FileWatch> {
    let marker = Store::change_marker(store_path);
    if !marker.exists() {
        use std::os::unix::fs::OpenOptionsExt;
        // Private like the history beside it.
        let made = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&marker);
        if let Err(e) = made {
            debug!("cannot create {}: {e}", marker.display());
        }
    }
    watch_file(&marker)
}

/// Watches the sync folder `[sync]` names (none without it), anew when
/// the config names another; returns whether it began watching one. Leaves
/// this device's own subfolder out, by the history's device id.
fn rewatch_sync_folder(
    watch: &mut Option<FolderWatch>,
    settings: Option<&crate::config::SyncSettings>,
    store_path: &Path,
) -> bool {
    let folder = settings.map(|s| s.folder.as_path());
    if watch.as_ref().map(FolderWatch::root) == folder {
        return false;
    }
    *watch = folder.and_then(|folder| {
        let own = Store::open(store_path)
            .and_then(|store| store.device_id())
            .ok();
        FolderWatch::new(folder, own)
            .inspect_err(|e| warn!("cannot watch the sync folder {}: {e}", folder.display()))
            .ok()
    });
    watch.is_some()
}

/// Waits for another device's files to change, or forever without a watch.
async fn folder_changed(watch: &mut Option<FolderWatch>) -> std::io::Result<()> {
    match watch {
        Some(watch) => watch.changed().await,
        None => std::future::pending().await,
    }
}

/// The file naming the system time zone, unless `TZ` names a zone outright
/// (then the zone cannot change under a running process).
fn zone_file() -> Option<PathBuf> {
    match std::env::var_os("TZ") {
        None => Some(PathBuf::from("/etc/localtime")),
        Some(tz) => {
            let tz = PathBuf::from(tz);
            let path = tz.strip_prefix(":").unwrap_or(&tz);
            path.is_absolute().then(|| path.to_path_buf())
        }
    }
}

fn watch_file(path: &Path) -> Option<FileWatch> {
    match FileWatch::new(path) {
        Ok(watch) => Some(watch),
        Err(e) => {
            debug!("not watching {} for changes: {e}", path.display());
            None
        }
    }
}

/// Waits for a change, or forever without a watch.
async fn changed(watch: &mut Option<FileWatch>) -> std::io::Result<()> {
    match watch {
        Some(watch) => watch.changed().await,
        None => std::future::pending().await,
    }
}

/// Drops a watch that failed, saying so; returns whether it did.
fn stopped_watching(
    changed: std::io::Result<()>,
    watch: &mut Option<FileWatch>,
    what: &str,
) -> bool {
    match changed {
        Ok(()) => false,
        Err(e) => {
            warn!("stopped watching {what}: {e}");
            *watch = None;
            true
        }
    }
}
