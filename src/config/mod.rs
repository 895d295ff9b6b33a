//! The user's configuration: where it is found, and the validated form the
//! rest of habitd uses.
//!
//! Loading is split from parsing (`load` reads a file, `parse_str` parses
//! text) so tests parse strings. Parsing happens in two stages: `check` walks
//! the TOML document, keeping every key's location, and reports every error
//! it finds — not just the first — each as `file:line:column: key: message`.

mod check;

use std::fmt;
use std::path::{Path, PathBuf};

use jiff::SignedDuration;
use jiff::tz::TimeZone;

use crate::schedule::Schedule;

/// The default schedule, used when no config file exists. It is the text of
/// `config.example.toml`, so the documented example is the built-in default.
pub const DEFAULT_CONFIG: &str = include_str!("../../config.example.toml");

/// A validated configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where it came from.
    pub origin: Origin,
    /// The zone whose wall-clock times the schedules name.
    pub timezone: TimeZone,
    /// How late a reminder missed during suspend or boot may still be shown.
    pub catch_up: SignedDuration,
    /// The habits, sorted by id.
    pub habits: Vec<Habit>,
    /// The reminders habitd shows of its own accord, not about a habit: the
    /// morning check-in and the weekly look back, when enabled (see
    /// [`CHECKIN`], [`REVIEW`]). Each is a [`Habit`] with a reserved id, so
    /// that the plan schedules, catches up and accounts for them exactly as
    /// it does a habit's reminders, and the history records their fate
    /// (`reminded`, `missed`, `undelivered`, `skipped`) under that id.
    pub builtins: Vec<Habit>,
    /// `[sync]`: the folder shared with the user's other machines, if set.
    pub sync: Option<SyncSettings>,
}

/// `[sync]`: one history on every machine, through a folder a sync tool
/// keeps the same on all of them (see [`crate::sync`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncSettings {
    /// The folder, absolute (`~/` expanded).
    pub folder: PathBuf,
    /// The name this device goes by on the others, if set.
    pub name: Option<String>,
}

impl SyncSettings {
    /// The name this device goes by: as set, else the host name.
    pub fn device_name(&self) -> String {
        self.name.clone().unwrap_or_else(host_name)
    }
}

/// This machine's host name, or "this machine" if it has none.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty() && name != "(none)")
        .unwrap_or_else(|| "this machine".to_string())
}

/// The id the morning check-in ("Any leg cramps last night?") is planned
/// and recorded under; no habit may take it.
pub const CHECKIN: &str = "checkin";

/// The id the weekly look back is planned and recorded under; no habit may
/// take it.
pub const REVIEW: &str = "review";

impl Config {
    /// The habit with this id.
    pub fn habit(&self, id: &str) -> Option<&Habit> {
        self.habits.iter().find(|h| h.id == id)
    }

    /// Every reminder the daemon plans: the habits', then the built-in ones.
    pub fn reminders(&self) -> impl Iterator<Item = &Habit> {
        self.habits.iter().chain(&self.builtins)
    }

    /// The habit or built-in reminder with this id.
    pub fn reminder(&self, id: &str) -> Option<&Habit> {
        self.reminders().find(|h| h.id == id)
    }

    /// The zone's IANA name, or a description when it has none.
    pub fn timezone_name(&self) -> &str {
        self.timezone.iana_name().unwrap_or("the system zone")
    }
}

/// Where a configuration came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A file on disk.
    File(PathBuf),
    /// The built-in default.
    Builtin,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File(path) => write!(f, "{}", path.display()),
            Origin::Builtin => f.write_str("<built-in config>"),
        }
    }
}

/// One habit and how it is reminded.
#[derive(Clone, Debug)]
pub struct Habit {
    /// Lowercase letters, digits and `-`; used on the command line.
    pub id: String,
    /// The notification's summary line.
    pub title: String,
    /// The notification's body.
    pub body: Option<String>,
    /// Shown before progress lines, e.g. `💧 3/8 glasses today`.
    pub emoji: Option<String>,
    /// The notification's urgency.
    pub urgency: Urgency,
    /// How long the notification stays up.
    pub timeout: Expiry,
    /// When reminders fall.
    pub schedule: Schedule,
    /// What counts as done for a day.
    pub goal: Goal,
    /// Days a week the goal should be met, when the habit is weekly.
    pub per_week: Option<u8>,
    /// How long a snooze postpones a reminder by default.
    pub snooze: SignedDuration,
    /// What becomes of a reminder that falls due while the user is away.
    pub when_away: WhenAway,
}

/// What becomes of a reminder that falls due while the session is locked
/// or the user idle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WhenAway {
    /// Kept, and shown on return if its window is still open (the default).
    Hold,
    /// Recorded as missed, not shown.
    Drop,
    /// Shown anyway.
    Show,
}

/// Notification urgency, as in the freedesktop specification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Urgency {
    /// Shown quietly.
    Low,
    /// The default.
    Normal,
    /// Stays until dismissed on most servers.
    Critical,
}

/// How long a notification stays up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    /// The notification server decides.
    ServerDefault,
    /// Until the user dismisses it.
    Never,
    /// This long, in milliseconds.
    After(u32),
}

/// What counts as done for a day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Goal {
    /// A number of completions, such as 8 glasses.
    Count {
        /// How many.
        count: u32,
        /// What is counted, for display (`glasses`).
        unit: String,
    },
    /// Minutes of activity, such as a 20-minute walk.
    Minutes(u32),
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

/// One problem found in a configuration, with its location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The file (or `<built-in config>`).
    pub origin: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The dotted key the problem is at, e.g. `habits.water.every`; empty for
    /// TOML syntax errors and for problems of the whole file.
    pub key: String,
    /// What is wrong, lowercase.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.origin, self.line, self.column)?;
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        f.write_str(&self.message)
    }
}

/// Every problem found in a configuration, in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl ConfigErrors {
    /// How many errors are shown, one a line; a count stands for the rest.
    /// A pasted or generated file can hold thousands, which would bury the
    /// first (often the cause of the others) in a terminal or the journal.
    pub const SHOWN: usize = 50;

    /// The errors to show, and how many more there are.
    pub fn shown(&self) -> (&[ConfigError], usize) {
        let shown = &self.0[..self.0.len().min(Self::SHOWN)];
        (shown, self.0.len() - shown.len())
    }

    /// The line that stands for the errors not shown, if any.
    pub fn more_line(more: usize) -> Option<String> {
        (more > 0).then(|| format!("and {more} more"))
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (shown, more) = self.shown();
        for (i, error) in shown.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        if let Some(line) = Self::more_line(more) {
            write!(f, "\n{line}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read config {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file was read but is not a valid configuration.
    #[error("{0}")]
    Invalid(ConfigErrors),
    /// The file is another user's, or anyone may write it.
    #[error("{0}")]
    Untrusted(String),
}

/// The config file to use: `explicit` if given, else
/// `$XDG_CONFIG_HOME/habitd/config.toml` if it exists, else the built-in one.
pub fn locate(explicit: Option<&Path>) -> Origin {
    if let Some(path) = explicit {
        return Origin::File(path.to_path_buf());
    }
    match default_path() {
        Some(path) if path.exists() => Origin::File(path),
        _ => Origin::Builtin,
    }
}

/// `$XDG_CONFIG_HOME/habitd/config.toml`, falling back to `~/.config`.
pub fn default_path() -> Option<PathBuf> {
    crate::dirs::config_home().map(|dir| dir.join("habitd").join("config.toml"))
}

/// Reads and validates the configuration at `origin`.
pub fn load(origin: &Origin) -> Result<Config, LoadError> {
    match origin {
        Origin::Builtin => parse_str(DEFAULT_CONFIG, origin.clone()),
        Origin::File(path) => {
            if let Some(reason) = crate::ownership::untrusted(path) {
                return Err(LoadError::Untrusted(reason));
            }
            let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
                path: path.clone(),
                source,
            })?;
            parse_str(&text, origin.clone())
        }
    }
}

/// Parses and validates configuration text. Without a `timezone` setting
/// the system zone is looked up afresh: `TZ`, else `/etc/localtime`.
pub fn parse_str(text: &str, origin: Origin) -> Result<Config, LoadError> {
    check::check(text, origin, system_zone).map_err(LoadError::Invalid)
}

/// The system's zone: `TZ`, else `/etc/localtime`, else UTC when neither is
/// set, as on any Unix. A `TZ` or `/etc/localtime` that names no usable
/// zone is an error naming it: falling back to UTC would move every reminder
/// by hours without a word.
fn system_zone() -> Result<TimeZone, String> {
    const FIX: &str = "or set timezone = \"Europe/Berlin\" under [settings]";
    let error = match TimeZone::try_system() {
        Ok(zone) => return Ok(zone),
        Err(error) => error,
    };
    if let Some(tz) = std::env::var_os("TZ").filter(|tz| !tz.is_empty()) {
        return Err(format!(
            "the environment variable TZ={:?} is not a time zone: expected an IANA name such as TZ=Europe/Berlin, or unset TZ to use /etc/localtime, {FIX}",
            tz.to_string_lossy()
        ));
    }
    if std::fs::symlink_metadata(LOCALTIME).is_ok() {
        return Err(format!(
            "the system zone {LOCALTIME} cannot be read ({error}): point it at a zone, e.g. with `timedatectl set-timezone Europe/Berlin`, {FIX}"
        ));
    }
    Ok(TimeZone::UTC)
}

/// Where the system zone is set when `TZ` is not.
const LOCALTIME: &str = "/etc/localtime";
