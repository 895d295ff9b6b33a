//! The history, on a thread of its own.
//!
//! SQLite calls block: a write can wait for another process's lock, opening
//! can wait for a migration, a slow disk stalls everything. So the daemon's
//! loop never calls the store; it hands jobs to this thread and gets the
//! answers back as [`Input`]s. A locked or slow store can then delay
//! nothing but its own answers — never a reminder, a button or a reply.
//!
//! Owns: opening the store (and opening it afresh when the file was deleted
//! or replaced underneath), the events waiting to be written while it fails
//! (retried with a growing wait; the thread sleeps in between and does not
//! wake at all while nothing waits), writing all events that arrived
//! together in one transaction, and at shutdown the spool: events still not
//! written after a bounded wait go to a file beside the history, read back
//! and written at the next start, so nothing queued is lost.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use log::{debug, error, info, warn};
use tokio::sync::mpsc::UnboundedSender;

use crate::command::Command;
use crate::config::Config;
use crate::core::{Input, Ticket};
use crate::event::{Kind, NewEvent, Source};
use crate::history::{self, ApplyError};
use crate::store::{Store, StoreError};
use crate::sync::{SyncError, Synced, Syncer};

/// How long one write waits for another process's lock before the events
/// are queued and retried.
const LOCK_WAIT: Duration = Duration::from_millis(500);
/// The first wait before writing queued events again; it doubles up to the
/// longest.
const RETRY_FIRST: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(300);
/// The cap on SQLite's page cache for the daemon's connection, in KiB. The
/// default 2 MiB would fill as the history grows and stay resident all day
/// (examples/day_in_a_minute.rs shows it); the daemon reads little (recent
/// totals, each habit's last reminder) and the kernel caches the file anyway.
const CACHE_KIB: u32 = 128;

/// Work for the thread.
pub enum Job {
    /// Append these daemon events.
    Record(Vec<NewEvent>),
    /// Carry out a command; answered with [`Input::Applied`].
    Apply {
        /// Passed back in the answer.
        ticket: Ticket,
        /// What to record.
        command: Command,
        /// Who asked.
        source: Source,
        /// The config in force.
        config: Box<Config>,
        /// When it was asked.
        now: Timestamp,
    },
    /// Read the planning state; answered with [`Input::Loaded`].
    Load {
        /// The config in force.
        config: Box<Config>,
        /// The instant the state is for.
        now: Timestamp,
    },
    /// Work out the week just ending; answered with [`Input::Week`].
    Week {
        /// Passed back in the answer.
        ticket: Ticket,
        /// The config in force.
        config: Box<Config>,
        /// The instant the week ends.
        now: Timestamp,
    },
    /// Write what waits (trying until `deadline`), spool the rest, and end.
    Stop {
        /// When to give up and spool.
        deadline: Instant,
    },
}

/// The handle the loop keeps: see the module doc.
pub struct Recorder {
    jobs: mpsc::Sender<Job>,
    thread: std::thread::JoinHandle<()>,
}

impl Recorder {
    /// Starts the thread for the history at `path`; answers go to `answers`.
    pub fn start(path: PathBuf, answers: UnboundedSender<Input>) -> std::io::Result<Recorder> {
        let (jobs, incoming) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("habitd-history".to_string())
            .spawn(move || Keeper::new(path).run(&incoming, &answers))?;
        Ok(Recorder { jobs, thread })
    }

    /// Hands `job` to the thread.
    pub fn send(&self, job: Job) {
        // The thread ends only after Stop, which consumes the Recorder.
        let _ = self.jobs.send(job);
    }

    /// Writes what waits, for at most `wait`, spools the rest, and ends the
    /// thread.
    pub fn stop(self, wait: Duration) {
        self.send(Job::Stop {
            deadline: Instant::now() + wait,
        });
        if self.thread.join().is_err() {
            error!("the history thread panicked");
        }
    }
}

/// The thread's state.
struct Keeper {
    path: PathBuf,
    store: Option<Store>,
    /// Events not written yet, oldest first.
    waiting: Vec<NewEvent>,
    /// The wait before the next retry, while events wait.
    retry: Duration,
    /// The last problem logged, so a failing store is reported once.
    problem: Option<String>,
    /// The sync folder's reader and writer, when `[sync]` is set.
    syncer: Syncer,
    /// The last problem with the sync folder logged, so it is reported once.
    sync_problem: Option<String>,
}

impl Keeper {
    fn new(path: PathBuf) -> Keeper {
        let waiting = spool::take(&path);
        if !waiting.is_empty() {
            info!(
                "{} event(s) spooled at the last shutdown are written now",
                waiting.len()
            );
        }
        Keeper {
            path,
            store: None,
            waiting,
            retry: RETRY_FIRST,
            problem: None,
            syncer: Syncer::new(),
            sync_problem: None,
        }
    }

    fn run(mut self, incoming: &mpsc::Receiver<Job>, answers: &UnboundedSender<Input>) {
        if !self.waiting.is_empty() {
            self.flush();
        }
        let mut batch = VecDeque::new();
        loop {
            let first = if self.waiting.is_empty() {
                incoming.recv().map_err(|_| RecvTimeoutError::Disconnected)
            } else {
                incoming.recv_timeout(self.retry)
            };
            match first {
                Ok(job) => batch.push_back(job),
                Err(RecvTimeoutError::Timeout) => {
                    self.flush();
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => return self.stop(Instant::now()),
            }
            // Everything that came together is written together.
            batch.extend(incoming.try_iter());
            for job in &mut batch {
                if let Job::Record(events) = job {
                    self.waiting.append(events);
                }
            }
            self.flush();
            for job in batch.drain(..) {
                match job {
                    Job::Record(_) => {}
                    Job::Apply {
                        ticket,
                        command,
                        source,
                        config,
                        now,
                    } => {
                        let outcome = self.apply(&config, &command, source, now);
                        let _ = answers.send(Input::Applied { ticket, outcome });
                    }
                    Job::Load { config, now } => {
                        // Other devices' events first, so the plan counts them.
                        self.sync(&config, now);
                        let loaded = self
                            .store()
                            .and_then(|store| history::load_state(store, &config, now));
                        let loaded = loaded.map_err(|e| {
                            self.trouble("read the history", &e);
                            e.to_string()
                        });
                        let _ = answers.send(Input::Loaded(loaded));
                    }
                    Job::Week {
                        ticket,
                        config,
                        now,
                    } => {
                        let week = self
                            .store()
                            .and_then(|store| history::week(store, &config, now));
                        let outcome = week.map_err(|e| {
                            self.trouble("read the week", &e);
                            e.to_string()
                        });
                        let _ = answers.send(Input::Week { ticket, outcome });
                    }
                    Job::Stop { deadline } => return self.stop(deadline),
                }
            }
        }
    }

    fn apply(
        &mut self,
        config: &Config,
        command: &Command,
        source: Source,
        now: Timestamp,
    ) -> Result<history::Applied, ApplyError> {
        let store = self.store()?;
        let applied = history::apply(store, config, command, source, now);
        match &applied {
            Err(ApplyError::Store(e)) => self.trouble("record a command", e),
            // Out to the other devices at once.
            Ok(_) => self.sync(config, now),
            Err(_) => {}
        }
        applied
    }

    /// Reads the other devices' events from the sync folder and writes this
    /// device's new ones there, if `[sync]` is set. A folder that cannot be
    /// used is reported once, until it works again; the local history goes
    /// on either way.
    fn sync(&mut self, config: &Config, now: Timestamp) {
        let Some(settings) = &config.sync else {
            return;
        };
        let mut syncer = std::mem::take(&mut self.syncer);
        let synced = self
            .store()
            .ok()
            .map(|store| syncer.sync(store, settings, now));
        self.syncer = syncer;
        // A store that cannot be opened is reported by the caller's own use.
        let Some(synced) = synced else {
            return;
        };
        match synced {
            Ok(synced) => {
                if self.sync_problem.take().is_some() {
                    info!("the sync folder {} works again", settings.folder.display());
                }
                if synced != Synced::default() {
                    info!(
                        "sync: {} event(s) from other devices, {} written for them{}",
                        synced.imported,
                        synced.exported,
                        match synced.waiting {
                            0 => String::new(),
                            n => format!(", {n} undo(s) waiting for their targets to arrive"),
                        }
                    );
                }
            }
            Err(SyncError::Store(e)) => self.trouble("sync the history", &e),
            Err(e) => {
                let problem = e.to_string();
                if self.sync_problem.as_deref() != Some(problem.as_str()) {
                    warn!("{problem}");
                    self.sync_problem = Some(problem);
                }
            }
        }
    }

    /// The store, opened (again) if need be.
    fn store(&mut self) -> Result<&mut Store, StoreError> {
        if let Some(store) = self.store.take_if(|store| !store.is_at_its_path()) {
            warn!(
                "the history {} was deleted or replaced while habitd ran; recording into a new file from now on",
                self.path.display()
            );
            // Closing it first removes its -wal and -shm, which must not be
            // taken for the new file's.
            drop(store);
        }
        let store = match self.store.take() {
            Some(store) => store,
            None => {
                let store = Store::open(&self.path)?;
                store.set_busy_timeout(LOCK_WAIT)?;
                store.set_cache_size(CACHE_KIB)?;
                store
            }
        };
        Ok(self.store.insert(store))
    }

    /// Writes the waiting events in one transaction; on failure they keep
    /// waiting, and the retry waits longer.
    fn flush(&mut self) {
        if self.waiting.is_empty() {
            return;
        }
        let waiting = std::mem::take(&mut self.waiting);
        let written = self
            .store()
            .and_then(|store| store.append_all(&waiting).map(drop));
        self.waiting = waiting;
        match written {
            Ok(()) => {
                if self.problem.take().is_some() {
                    info!(
                        "the history works again; wrote {} waiting event(s)",
                        self.waiting.len()
                    );
                }
                debug!("recorded {} event(s)", self.waiting.len());
                self.waiting.clear();
                self.retry = RETRY_FIRST;
            }
            Err(e) => {
                self.trouble("write the history", &e);
                self.retry = (self.retry * 2).min(RETRY_MAX);
            }
        }
    }

    /// Logs a problem with the history once, until it goes away.
    fn trouble(&mut self, what: &str, error: &StoreError) {
        let problem = error.to_string();
        if self.problem.as_deref() != Some(problem.as_str()) {
            let waiting = match self.waiting.len() {
                0 => String::new(),
                n => format!(", and {n} event(s) wait to be written"),
            };
            error!("cannot {what}: {problem}; reminders go on{waiting}");
            self.problem = Some(problem);
        }
        if !matches!(error, StoreError::Locked { .. }) {
            // Open it afresh next time: the file may be replaced or repaired.
            self.store = None;
        }
    }

    /// Tries to write what waits until `deadline`, then spools the rest.
    fn stop(mut self, deadline: Instant) {
        self.retry = RETRY_FIRST;
        loop {
            self.flush();
            let left = deadline.saturating_duration_since(Instant::now());
            if self.waiting.is_empty() || left.is_zero() {
                break;
            }
            std::thread::sleep(self.retry.min(left));
        }
        if self.waiting.is_empty() {
            return;
        }
        match spool::put(&self.path, &self.waiting) {
            Ok(file) => warn!(
                "the history is still unavailable; {} event(s) kept in {} are written at the next start",
                self.waiting.len(),
                file.display()
            ),
            Err(e) => error!(
                "{} event(s) could not be written to {} nor spooled: {e}",
                self.waiting.len(),
                self.path.display()
            ),
        }
    }
}

/// Events kept across a shutdown while the history could not be written:
/// one JSON object a line, in a file beside the history, replaced whole
/// (written to a temporary file, synced, renamed), so it is never half
/// written.
mod spool {
    use super::*;
    use serde_json::{Value, json};

    fn file(history: &Path) -> PathBuf {
        history.with_extension("spool")
    }

    /// Adds `events` to the spool; returns its path.
    pub(super) fn put(history: &Path, events: &[NewEvent]) -> std::io::Result<PathBuf> {
        let path = file(history);
        let mut all = read(&path);
        all.extend_from_slice(events);
        let mut text = String::new();
        for e in &all {
            let line = json!({
                "at_ms": e.at.as_millisecond(),
                "date": e.date.to_string(),
                "habit": e.habit,
                "kind": e.kind.as_str(),
                "amount": e.amount,
                "until_ms": e.until.map(|u| u.as_millisecond()),
                "target": e.target,
                "source": e.source.as_str(),
                "data": e.data,
            });
            text.push_str(&line.to_string());
            text.push('\n');
        }
        // Private like the history it stands in for.
        crate::atomic::write(&path, text.as_bytes(), 0o600)?;
        Ok(path)
    }

    /// The spooled events, removing the spool: they wait in memory now, and
    /// are spooled again if they cannot be written before the next stop.
    pub(super) fn take(history: &Path) -> Vec<NewEvent> {
        let path = file(history);
        let events = read(&path);
        if !events.is_empty()
            && let Err(e) = std::fs::remove_file(&path)
        {
            warn!("cannot remove the spool {}: {e}", path.display());
        }
        events
    }

    fn read(path: &Path) -> Vec<NewEvent> {
        let Ok(text) = std::fs::read_to_string(path) else {
            return Vec::new();
        };
        text.lines()
            .filter_map(|line| {
                let event = parse(line);
                if event.is_none() {
                    warn!("ignoring a line of {} that is not an event", path.display());
                }
                event
            })
            .collect()
    }

    fn parse(line: &str) -> Option<NewEvent> {
        let v: Value = serde_json::from_str(line).ok()?;
        let instant = |value: &Value| Timestamp::from_millisecond(value.as_i64()?).ok();
        Some(NewEvent {
            at: instant(&v["at_ms"])?,
            date: v["date"].as_str()?.parse().ok()?,
            habit: v["habit"].as_str().map(str::to_string),
            kind: Kind::parse(v["kind"].as_str()?)?,
            amount: v["amount"].as_i64(),
            until: instant(&v["until_ms"]),
            target: v["target"].as_i64(),
            source: Source::parse(v["source"].as_str()?)?,
            data: v["data"].as_str().map(str::to_string),
        })
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn spooled_events_come_back_whole_and_once() {
            let dir = tempfile::tempdir().unwrap();
            let history = dir.path().join("habitd.db");
            let at: Timestamp = "2026-11-26T10:00:00Z".parse().unwrap();
            let events = vec![
                NewEvent::new(
                    at,
                    at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date(),
                    Some("water"),
                    Kind::Reminded,
                    Source::Daemon,
                ),
                NewEvent {
                    amount: Some(3),
                    until: Some(at),
                    ..NewEvent::new(
                        at,
                        at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date(),
                        None,
                        Kind::Paused,
                        Source::Dbus,
                    )
                },
                NewEvent {
                    data: Some(r#"{"leg":"left","note":"a\nb"}"#.to_string()),
                    ..NewEvent::new(
                        at,
                        at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date(),
                        None,
                        Kind::Cramp,
                        Source::Notification,
                    )
                },
            ];
            put(&history, &events[..1]).unwrap();
            put(&history, &events[1..]).unwrap();
            assert_eq!(take(&history), events);
            assert!(take(&history).is_empty(), "taken once");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2 MiB cache filled as the history grew and stayed resident: the
    /// daemon's private memory rose by ~0.5 MiB a day at 100 habits.
    #[test]
    fn the_daemons_connection_keeps_a_small_page_cache() {
        let dir = tempfile::tempdir().unwrap();
        let mut keeper = Keeper::new(dir.path().join("habitd.db"));
        let store = keeper.store().unwrap();
        assert_eq!(store.cache_size_kib(), i64::from(CACHE_KIB));
    }
}
