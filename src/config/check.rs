//! The walk from TOML text to a validated [`Config`]: every key is looked at
//! with its location, and every problem is collected rather than stopping at
//! the first.

use jiff::SignedDuration;
use jiff::civil::{Time, date};
use jiff::tz::TimeZone;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{
    CHECKIN, Config, ConfigError, ConfigErrors, Expiry, Goal, Habit, Origin, REVIEW, SyncSettings,
    Urgency, WhenAway,
};
use crate::calendar::{WEEKDAYS, abbreviation, parse_weekday};
use crate::command::MAX_SNOOZE;
use crate::cron::CronExpr;
use crate::schedule::{Days, Schedule};
use crate::suggest::closest;
use crate::timespec::{
    ClockTime, HumanDuration, Window, parse_clock_time, parse_duration, parse_window,
};

const TOP_KEYS: &[&str] = &["settings", "habits", "checkin", "review", "sync"];
const SYNC_KEYS: &[&str] = &["folder", "name"];
const SETTINGS_KEYS: &[&str] = &["timezone", "catch_up"];
const HABIT_KEYS: &[&str] = &[
    "title",
    "body",
    "emoji",
    "urgency",
    "timeout",
    "at",
    "every",
    "between",
    "cron",
    "pace",
    "min_gap",
    "days",
    "goal",
    "per_week",
    "snooze",
    "when_away",
];
const GOAL_KEYS: &[&str] = &["count", "unit", "minutes"];

/// A reminder habitd shows of its own accord: its section, its keys and
/// what it is when the section leaves them out.
struct Builtin {
    id: &'static str,
    keys: &'static [&'static str],
    /// On when the config has no section for it.
    on_without_section: bool,
    at: Time,
    days: Days,
    title: &'static str,
    body: Option<&'static str>,
    /// What the reserved id stands for, in the refusal of a habit by that id.
    what: &'static str,
}

/// `[checkin]`: every morning, unless `enabled = false`.
const CHECKIN_SECTION: Builtin = Builtin {
    id: CHECKIN,
    keys: &["at", "enabled"],
    on_without_section: true,
    at: Time::constant(8, 30, 0, 0),
    days: Days::DAILY,
    title: "Any leg cramps last night?",
    body: Some(
        "No: a quiet night. Yes: an episode, details unknown; add them later with `habitd cramp`.",
    ),
    what: "the morning check-in",
};

/// `[review]`: optional, so on only once the section is written (then
/// `enabled = false` turns it off without deleting it).
const REVIEW_SECTION: Builtin = Builtin {
    id: REVIEW,
    keys: &["at", "days", "enabled"],
    on_without_section: false,
    at: Time::constant(19, 0, 0, 0),
    days: Days::SUNDAY,
    title: "Your week",
    body: None,
    what: "the weekly look back",
};

const DEFAULT_CATCH_UP: SignedDuration = SignedDuration::from_mins(15);
const DEFAULT_SNOOZE: SignedDuration = SignedDuration::from_mins(10);
const DEFAULT_MIN_GAP: SignedDuration = SignedDuration::from_mins(30);

type Table<'i> = DeTable<'i>;
type Value<'i> = Spanned<DeValue<'i>>;

/// Collects errors at byte offsets in one source text; lines and columns
/// are worked out once, in [`Reporter::finish`].
struct Reporter<'t> {
    text: &'t str,
    origin: String,
    found: Vec<Found>,
}

/// One error before it has a line and column.
struct Found {
    offset: usize,
    key: String,
    message: String,
}

impl Reporter<'_> {
    fn error(&mut self, offset: usize, key: &str, message: impl Into<String>) {
        self.found.push(Found {
            offset,
            key: key.to_string(),
            message: message.into(),
        });
    }

    /// How many errors have been found so far.
    fn count(&self) -> usize {
        self.found.len()
    }

    /// The errors in file order (those at one place in the order found),
    /// located in one pass over the text: locating each error on its own
    /// from the start of the file made many errors cost quadratic time.
    fn finish(self) -> ConfigErrors {
        let mut found = self.found;
        found.sort_by_key(|f| f.offset);
        let positions = positions(self.text, found.iter().map(|f| f.offset));
        let origin = self.origin;
        ConfigErrors(
            found
                .into_iter()
                .zip(positions)
                .map(|(f, (line, column))| ConfigError {
                    origin: origin.clone(),
                    line,
                    column,
                    key: f.key,
                    message: f.message,
                })
                .collect(),
        )
    }

    /// "expected {expected}, found {type}", and for a TOML date or time
    /// (`at = 12:00`, unquoted) the quoted form to write instead.
    fn type_error(&self, value: &Value<'_>, expected: &str) -> String {
        let found = value.get_ref();
        if let DeValue::Datetime(_) = found {
            let written = self.text.get(value.span()).unwrap_or_default();
            return format!(
                "expected {expected}, found a TOML date-time: quote it, e.g. \"{written}\""
            );
        }
        format!("expected {expected}, found {}", found.type_str())
    }

    /// Reports keys of `table` that are not in `known`, with a suggestion.
    fn unknown_keys(&mut self, table: &Table<'_>, prefix: &str, known: &[&str]) {
        for key in table.keys() {
            let name: &str = key.get_ref();
            if known.contains(&name) {
                continue;
            }
            let mut message = format!("unknown key {name:?}");
            if let Some(suggestion) = closest(name, known.iter().copied()) {
                message.push_str(&format!("; did you mean {suggestion:?}?"));
            } else {
                message.push_str(&format!("; expected one of: {}", known.join(", ")));
            }
            self.error(key.span().start, &join_key(prefix, name), message);
        }
    }

    /// The string at `key`, or an error naming the type found.
    fn string<'v>(&mut self, value: &'v Value<'_>, key: &str) -> Option<&'v str> {
        match value.get_ref() {
            DeValue::String(s) => Some(s),
            _ => {
                let message = self.type_error(value, "a string");
                self.error(value.span().start, key, message);
                None
            }
        }
    }

    fn integer(
        &mut self,
        value: &Value<'_>,
        key: &str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Option<i64> {
        let parsed = match value.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok(),
            _ => None,
        };
        match parsed {
            Some(n) if range.contains(&n) => Some(n),
            _ => {
                let (lo, hi) = (range.start(), range.end());
                self.error(
                    value.span().start,
                    key,
                    format!("expected a whole number from {lo} to {hi}"),
                );
                None
            }
        }
    }

    /// A string parsed by `parse`, whose error message becomes the report.
    fn parsed<T>(
        &mut self,
        value: &Value<'_>,
        key: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let text = self.string(value, key)?;
        match parse(text) {
            Ok(parsed) => Some(parsed),
            Err(message) => {
                self.error(value.span().start, key, message);
                None
            }
        }
    }

    fn table<'v, 'i>(&mut self, value: &'v Value<'i>, key: &str) -> Option<&'v Table<'i>> {
        match value.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                let found = other.type_str();
                self.error(
                    value.span().start,
                    key,
                    format!("expected a table, found {found}"),
                );
                None
            }
        }
    }
}

fn join_key(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// The 1-based line and character column of each byte offset in
/// `offsets`, which must be ascending, in one pass over `text`. An offset
/// inside a character counts as the character's end; one past the end of
/// the text, as the end.
fn positions(text: &str, offsets: impl IntoIterator<Item = usize>) -> Vec<(usize, usize)> {
    let mut chars = text.char_indices().peekable();
    let (mut line, mut column) = (1, 1);
    let mut located = Vec::new();
    for offset in offsets {
        while let Some(&(i, c)) = chars.peek() {
            if i >= offset {
                break;
            }
            if c == '\n' {
                line += 1;
                column = 1;
            } else {
                column += 1;
            }
            chars.next();
        }
        located.push((line, column));
    }
    located
}

fn get<'v, 'i>(table: &'v Table<'i>, key: &str) -> Option<&'v Value<'i>> {
    table
        .iter()
        .find(|(k, _)| k.get_ref() == key)
        .map(|(_, v)| v)
}

/// Parses and validates `text`; see the module doc. `system_zone` is asked
/// for the zone only when the config names none.
pub(super) fn check(
    text: &str,
    origin: Origin,
    system_zone: impl FnOnce() -> Result<TimeZone, String>,
) -> Result<Config, ConfigErrors> {
    let mut report = Reporter {
        text,
        origin: origin.to_string(),
        found: Vec::new(),
    };
    let (document, syntax_errors) = DeTable::parse_recoverable(text);
    if !syntax_errors.is_empty() {
        report_syntax_errors(&mut report, &syntax_errors);
        return Err(report.finish());
    }
    let root = document.get_ref();
    report.unknown_keys(root, "", TOP_KEYS);

    let mut timezone = None;
    let mut timezone_set = false;
    let mut catch_up = DEFAULT_CATCH_UP;
    let settings_value = get(root, "settings");
    if let Some(value) = settings_value
        && let Some(settings) = report.table(value, "settings")
    {
        report.unknown_keys(settings, "settings", SETTINGS_KEYS);
        if let Some(value) = get(settings, "timezone") {
            timezone_set = true;
            timezone = report.parsed(value, "settings.timezone", |name| {
                TimeZone::get(name).map_err(|_| {
                    format!("unknown time zone {name:?}: expected an IANA name such as \"Europe/Berlin\" or \"America/New_York\"")
                })
            });
        }
        if let Some(value) = get(settings, "catch_up") {
            catch_up = report
                .parsed(value, "settings.catch_up", parse_duration)
                .unwrap_or(catch_up);
        }
    }
    if !timezone_set {
        // The system's zone stands in for the setting, so a broken one is
        // reported as the setting's problem, where it can also be fixed.
        match system_zone() {
            Ok(zone) => timezone = Some(zone),
            Err(message) => {
                let at = settings_value.map_or(0, |v| v.span().start);
                report.error(at, "settings.timezone", message);
            }
        }
    }

    let mut habits = Vec::new();
    let no_habits =
        "no habits: add one, e.g. [habits.stretch] with title = \"Stretch\" and at = \"12:30\"";
    match get(root, "habits") {
        None => report.error(0, "", no_habits),
        Some(value) => {
            if let Some(table) = report.table(value, "habits") {
                if table.is_empty() {
                    report.error(value.span().start, "", no_habits);
                }
                for (id, value) in table {
                    if let Some(habit) = check_habit(&mut report, id, value) {
                        habits.push(habit);
                    }
                }
            }
        }
    }
    let builtins: Vec<Habit> = [CHECKIN_SECTION, REVIEW_SECTION]
        .iter()
        .filter_map(|builtin| check_builtin(&mut report, root, builtin))
        .collect();
    let sync = get(root, "sync").and_then(|value| check_sync(&mut report, value));
    if report.count() > 0 {
        return Err(report.finish());
    }
    habits.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Config {
        sync,
        origin,
        // Set whenever there was no error: from the setting or the system.
        timezone: timezone.unwrap_or(TimeZone::UTC),
        catch_up,
        habits,
        builtins,
    })
}

/// Reports the TOML parser's errors, in file order. The first says that
/// the rest of the file waits for it, since nothing else is checked until
/// the file parses. A table defined twice is reported once, as a duplicate
/// table: the parser also calls every key the second definition repeats a
/// duplicate, which are one mistake, not several.
fn report_syntax_errors(report: &mut Reporter<'_>, errors: &[toml::de::Error]) {
    let text = report.text;
    let mut errors: Vec<(usize, usize, String)> = errors
        .iter()
        .map(|e| {
            let span = e.span().unwrap_or(0..0);
            let message = e.message().trim_end().to_lowercase_first();
            (span.start, span.end, message)
        })
        .collect();
    errors.sort_by_key(|&(start, ..)| start);
    let mut lines = Lines::new(text);
    let mut in_duplicate_table = false;
    let mut first = true;
    for (start, end, mut message) in errors {
        if lines.advance_to(start) {
            in_duplicate_table = false;
        }
        if message.starts_with("duplicate key") {
            if let Some(header) = lines.header() {
                in_duplicate_table = true;
                message = format!(
                    "duplicate table {header}: it is defined above already; merge the two, or rename one"
                );
            } else if in_duplicate_table {
                continue;
            } else if let Some(culprit) = text
                .get(start..end)
                .filter(|s| !s.is_empty() && s.len() <= 40)
            {
                // The parser says "duplicate key" without saying which.
                message = format!("{message} {culprit:?}");
            }
        }
        if first {
            message.push_str("; fix this first: the rest of the file is checked once it parses");
            first = false;
        }
        report.error(start, "", message);
    }
}

/// A cursor that moves forward through a text's lines, noticing table
/// headers (`[habits.water]`) on the way. It only moves forward and looks
/// at each line once, so the text is read once however many errors it has.
struct Lines<'t> {
    text: &'t str,
    at: usize,
    /// The current line's table header, if it is one.
    header: Option<&'t str>,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Self {
        Lines {
            text,
            at: 0,
            header: header_at(text, 0),
        }
    }

    /// Moves to byte `offset` (never backwards); whether a line on the
    /// way, or the one arrived at, is a table header.
    fn advance_to(&mut self, offset: usize) -> bool {
        let offset = offset.min(self.text.len());
        let mut crossed = false;
        let passed = self
            .text
            .as_bytes()
            .get(self.at..offset)
            .unwrap_or_default();
        for (i, &byte) in passed.iter().enumerate() {
            if byte == b'\n' {
                self.header = header_at(self.text, self.at + i + 1);
                crossed |= self.header.is_some();
            }
        }
        self.at = self.at.max(offset);
        crossed
    }

    /// The current line's table header, e.g. `[habits.water]`.
    fn header(&self) -> Option<&'t str> {
        self.header
    }
}

/// The table header (`[habits.water]`, without a trailing comment) on the
/// line starting at byte `start`, if that line is one of a sensible length.
fn header_at(text: &str, start: usize) -> Option<&str> {
    let line = text.get(start..)?.split('\n').next()?.trim();
    let header = line.get(..=line.rfind(']')?)?;
    (header.starts_with('[') && header.len() <= 60).then_some(header)
}

trait LowercaseFirst {
    fn to_lowercase_first(&self) -> String;
}

impl LowercaseFirst for str {
    /// Our messages start in lowercase; the TOML parser's start capitalised.
    fn to_lowercase_first(&self) -> String {
        let mut chars = self.chars();
        chars
            .next()
            .map(|c| c.to_lowercase().chain(chars).collect())
            .unwrap_or_default()
    }
}

/// A valid id made from an invalid one by lowercasing it and turning
/// runs of other ASCII characters into one '-' (`My_Habit` → `my-habit`).
/// Other characters (an accent, an emoji) have no obvious ASCII spelling,
/// so then there is none, rather than a suggestion that is itself invalid.
fn id_hint(id: &str) -> Option<String> {
    if !id.is_ascii() {
        return None;
    }
    let mut hint = String::new();
    for c in id.chars() {
        if c.is_ascii_alphanumeric() {
            hint.push(c.to_ascii_lowercase());
        } else if !hint.is_empty() && !hint.ends_with('-') {
            hint.push('-');
        }
    }
    let hint = hint.trim_end_matches('-');
    valid_id(hint).then(|| hint.to_string())
}

/// `id` as it is written in a dotted key: bare if it can be, else quoted.
fn toml_key(id: &str) -> String {
    let bare = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        id.to_string()
    } else {
        format!("{id:?}")
    }
}

fn valid_id(id: &str) -> bool {
    id.chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn check_habit(
    report: &mut Reporter<'_>,
    id: &Spanned<std::borrow::Cow<'_, str>>,
    value: &Value<'_>,
) -> Option<Habit> {
    let id_text: &str = id.get_ref();
    let prefix = format!("habits.{}", toml_key(id_text));
    let errors_before = report.count();
    if !valid_id(id_text) {
        let example = id_hint(id_text).unwrap_or_else(|| "water".to_string());
        report.error(
            id.span().start,
            &prefix,
            format!(
                "habit id {id_text:?} must be lowercase letters (a-z), digits and '-', starting with a letter or digit, e.g. {example:?}"
            ),
        );
    } else if id_text == crate::command::DIARY {
        // `habitd undo cramp` names the cramp diary.
        report.error(
            id.span().start,
            &prefix,
            format!(
                "habit id {id_text:?} is reserved for the cramp diary (`habitd undo {id_text}`); choose another, e.g. \"{id_text}-stretch\""
            ),
        );
    }
    if let Some(builtin) = [CHECKIN_SECTION, REVIEW_SECTION]
        .iter()
        .find(|b| b.id == id_text)
    {
        report.error(
            id.span().start,
            &prefix,
            format!(
                "habit id {id_text:?} is reserved for {}, which the history records under it (set it up in [{id_text}]); name the habit otherwise, e.g. \"my-{id_text}\"",
                builtin.what
            ),
        );
    }
    let table = report.table(value, &prefix)?;
    report.unknown_keys(table, &prefix, HABIT_KEYS);
    let key = |name: &str| format!("{prefix}.{name}");

    let title = match get(table, "title") {
        Some(v) => report.string(v, &key("title")).map(str::to_string),
        None => {
            report.error(id.span().start, &prefix, "missing key \"title\": every habit needs the notification's title, e.g. title = \"Drink a glass of water\"");
            None
        }
    };
    let body = get(table, "body").and_then(|v| report.string(v, &key("body")).map(str::to_string));
    let emoji = get(table, "emoji").and_then(|v| report.parsed(v, &key("emoji"), parse_emoji));
    let urgency = get(table, "urgency").map_or(Some(Urgency::Normal), |v| {
        report.parsed(v, &key("urgency"), |s| match s {
            "low" => Ok(Urgency::Low),
            "normal" => Ok(Urgency::Normal),
            "critical" => Ok(Urgency::Critical),
            other => Err(format!(
                "invalid urgency {other:?}: expected \"low\", \"normal\" or \"critical\""
            )),
        })
    });
    let when_away = get(table, "when_away").map_or(Some(WhenAway::Hold), |v| {
        report.parsed(v, &key("when_away"), |s| match s {
            "hold" => Ok(WhenAway::Hold),
            "drop" => Ok(WhenAway::Drop),
            "show" => Ok(WhenAway::Show),
            other => Err(format!(
                "invalid when_away {other:?}: expected \"hold\", \"drop\" or \"show\", e.g. when_away = \"drop\""
            )),
        })
    });
    let timeout = get(table, "timeout").map_or(Some(Expiry::ServerDefault), |v| {
        report.parsed(v, &key("timeout"), |s| {
            if s == "never" {
                return Ok(Expiry::Never);
            }
            let d = parse_duration(s).map_err(|e| format!("{e}, or \"never\""))?;
            let ms = u32::try_from(d.as_millis()).ok().filter(|&ms| ms > 0);
            ms.map(Expiry::After)
                .ok_or_else(|| format!("invalid timeout {s:?}: expected a positive duration such as \"30s\", or \"never\""))
        })
    });
    let schedule = check_schedule(report, id, table, &prefix);
    let goal_value = get(table, "goal");
    let goal = goal_value.map_or(
        Some(Goal::Count {
            count: 1,
            unit: "times".to_string(),
        }),
        |v| check_goal(report, v, &key("goal")),
    );
    let per_week = get(table, "per_week")
        .and_then(|v| report.integer(v, &key("per_week"), 1..=7))
        .and_then(|n| u8::try_from(n).ok());
    let snooze = get(table, "snooze").map_or(Some(DEFAULT_SNOOZE), |v| {
        report.parsed(v, &key("snooze"), |s| {
            let d = parse_duration(s)?;
            if !d.is_positive() {
                return Err(format!(
                    "invalid snooze {s:?}: expected a positive duration such as \"10m\""
                ));
            }
            // The same cap as a snooze asked for at run time, so the
            // notification's Snooze button never offers what it refuses.
            if d > MAX_SNOOZE {
                return Err(format!(
                    "invalid snooze {s:?}: at most {}, e.g. \"10m\"; for longer, use `habitd skip` or `habitd pause`",
                    HumanDuration(MAX_SNOOZE)
                ));
            }
            Ok(d)
        })
    });
    match (&schedule, &goal) {
        (Some(Schedule::Pace { .. }), Some(Goal::Minutes(_))) => {
            let at = goal_value.map_or(id.span().start, |v| v.span().start);
            report.error(
                at,
                &key("goal"),
                "`pace` spreads a count over the day: give the habit a count goal, e.g. goal = { count = 8, unit = \"glasses\" }",
            );
        }
        (Some(Schedule::Pace { window, min_gap }), Some(Goal::Count { count, unit })) => {
            check_pace_fits(report, table, &prefix, *window, *min_gap, *count, unit);
        }
        _ => {}
    }
    if report.count() > errors_before {
        return None;
    }
    Some(Habit {
        id: id_text.to_string(),
        title: title?,
        body,
        emoji,
        urgency: urgency?,
        timeout: timeout?,
        schedule: schedule?,
        goal: goal?,
        per_week,
        snooze: snooze?,
        when_away: when_away?,
    })
}

/// The built-in reminder `builtin` as its section sets it up, or `None`
/// when it is off (or the section has errors, which are reported).
/// `[sync]`: `folder` (required; absolute or from `~/`), `name` (optional).
fn check_sync(report: &mut Reporter<'_>, value: &Value<'_>) -> Option<SyncSettings> {
    let table = report.table(value, "sync")?;
    report.unknown_keys(table, "sync", SYNC_KEYS);
    let errors_before = report.count();
    let folder = match get(table, "folder") {
        None => {
            report.error(
                value.span().start,
                "sync.folder",
                "no folder: set the folder your sync tool shares, e.g. folder = \"~/Sync/habitd\"",
            );
            None
        }
        Some(v) => report.parsed(v, "sync.folder", sync_folder),
    };
    let name = get(table, "name").and_then(|v| {
        report.parsed(v, "sync.name", |name| {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
                Err("expected a name of 1 to 64 characters without control characters, e.g. \"laptop\"".to_string())
            } else {
                Ok(name.to_string())
            }
        })
    });
    if report.count() > errors_before {
        return None;
    }
    Some(SyncSettings {
        folder: folder?,
        name,
    })
}

/// The sync folder as written: absolute, or `~/…` under the home
/// directory.
fn sync_folder(text: &str) -> Result<std::path::PathBuf, String> {
    let example = "e.g. \"~/Sync/habitd\" or \"/home/me/Sync/habitd\"";
    if let Some(rest) = text.strip_prefix("~/") {
        let home = std::env::var_os("HOME")
            .filter(|home| !home.is_empty())
            .ok_or_else(|| {
                format!("cannot expand ~: HOME is not set; write the whole path, {example}")
            })?;
        return Ok(std::path::Path::new(&home).join(rest));
    }
    let path = std::path::Path::new(text);
    if path.is_absolute() {
        Ok(path.to_path_buf())
    } else {
        Err(format!(
            "expected an absolute path or one starting with ~/, {example}"
        ))
    }
}

fn check_builtin(report: &mut Reporter<'_>, root: &Table<'_>, builtin: &Builtin) -> Option<Habit> {
    let prefix = builtin.id;
    let key = |name: &str| format!("{prefix}.{name}");
    let errors_before = report.count();
    let (mut on, mut times, mut days) = (builtin.on_without_section, None, None);
    if let Some(value) = get(root, prefix) {
        let table = report.table(value, prefix)?;
        report.unknown_keys(table, prefix, builtin.keys);
        on = match get(table, "enabled") {
            None => true,
            Some(v) => match v.get_ref() {
                DeValue::Boolean(b) => *b,
                _ => {
                    let message = report.type_error(v, "true or false");
                    report.error(v.span().start, &key("enabled"), message);
                    false
                }
            },
        };
        times = get(table, "at").map(|v| check_times(report, v, &key("at")));
        days = get(table, "days")
            .filter(|_| builtin.keys.contains(&"days"))
            .map(|v| check_days(report, v, &key("days")));
    }
    if !on || report.count() > errors_before {
        return None;
    }
    Some(Habit {
        id: builtin.id.to_string(),
        title: builtin.title.to_string(),
        body: builtin.body.map(str::to_string),
        emoji: None,
        urgency: Urgency::Normal,
        // A question waits for its answer: it is closed once answered.
        timeout: Expiry::Never,
        schedule: Schedule::At {
            times: times.unwrap_or_else(|| Some(vec![builtin.at]))?,
            days: days.unwrap_or(Some(builtin.days))?,
        },
        goal: Goal::Count {
            count: 1,
            unit: "times".to_string(),
        },
        per_week: None,
        snooze: DEFAULT_SNOOZE,
        // A question still worth asking on return.
        when_away: WhenAway::Hold,
    })
}

/// Reports a pace window too short for the goal: `count` reminders at
/// least `min_gap` apart need `(count - 1) × min_gap` from the first to the
/// last, and pace reminds for each one not yet logged.
fn check_pace_fits(
    report: &mut Reporter<'_>,
    table: &Table<'_>,
    prefix: &str,
    window: Window,
    min_gap: SignedDuration,
    count: u32,
    unit: &str,
) {
    let Some(needed) = i32::try_from(count.saturating_sub(1))
        .ok()
        .and_then(|gaps| min_gap.checked_mul(gaps))
    else {
        return;
    };
    if needed <= window_length(window) {
        return;
    }
    // At `min_gap` if it was set (the likelier slip), else at `pace`.
    let (name, value) = match get(table, "min_gap") {
        Some(v) => ("min_gap", v),
        None => match get(table, "pace") {
            Some(v) => ("pace", v),
            None => return,
        },
    };
    report.error(
        value.span().start,
        &join_key(prefix, name),
        format!(
            "the pace window {window} is {} long, but {count} {unit} at least {} apart need {}: widen the window, lower the goal or shorten `min_gap`",
            HumanDuration(window_length(window)),
            HumanDuration(min_gap),
            HumanDuration(needed),
        ),
    );
}

/// How long a window is open, from its start to its end; a window past
/// midnight ends the next day.
fn window_length(window: Window) -> SignedDuration {
    let length = window.end.duration_since(window.start);
    if window.wraps() {
        length + SignedDuration::from_hours(24)
    } else {
        length
    }
}

fn check_goal(report: &mut Reporter<'_>, value: &Value<'_>, key: &str) -> Option<Goal> {
    let table = report.table(value, key)?;
    report.unknown_keys(table, key, GOAL_KEYS);
    let field = |name: &str| format!("{key}.{name}");
    match (get(table, "count"), get(table, "minutes")) {
        (Some(count), None) => {
            let count = report.integer(count, &field("count"), 1..=10_000)?;
            let unit = match get(table, "unit") {
                Some(v) => report.string(v, &field("unit"))?.to_string(),
                None => "times".to_string(),
            };
            Some(Goal::Count {
                count: u32::try_from(count).ok()?,
                unit,
            })
        }
        (None, Some(minutes)) => {
            if let Some(unit) = get(table, "unit") {
                report.error(
                    unit.span().start,
                    &field("unit"),
                    "a minutes goal has no unit; remove `unit`",
                );
            }
            let minutes = report.integer(minutes, &field("minutes"), 1..=1440)?;
            Some(Goal::Minutes(u32::try_from(minutes).ok()?))
        }
        _ => {
            report.error(
                value.span().start,
                key,
                "expected exactly one of `count` or `minutes`, e.g. goal = { count = 8, unit = \"glasses\" } or goal = { minutes = 20 }",
            );
            None
        }
    }
}

fn check_schedule(
    report: &mut Reporter<'_>,
    id: &Spanned<std::borrow::Cow<'_, str>>,
    table: &Table<'_>,
    prefix: &str,
) -> Option<Schedule> {
    let key = |name: &str| format!("{prefix}.{name}");
    let kinds: Vec<(&str, &Value<'_>)> = ["at", "every", "cron", "pace"]
        .into_iter()
        .filter_map(|k| get(table, k).map(|v| (k, v)))
        .collect();
    let between = get(table, "between");
    let days_value = get(table, "days");
    let (kind, value) = match kinds.as_slice() {
        [single] => *single,
        [] => {
            report.error(
                id.span().start,
                prefix,
                "no schedule: add one of `at = \"12:30\"`, `every = \"1h\"` (with `between = \"09:00-21:00\"`), `cron = \"30 12 * * *\"` or `pace = \"09:00-21:00\"`",
            );
            return None;
        }
        [_, (second, value), ..] => {
            let names: Vec<&str> = kinds.iter().map(|(k, _)| *k).collect();
            report.error(
                value.span().start,
                &key(second),
                format!(
                    "a habit has exactly one schedule, found {}; keep one",
                    names.join(" and ")
                ),
            );
            return None;
        }
    };
    if kind != "every"
        && let Some(between) = between
    {
        report.error(
            between.span().start,
            &key("between"),
            "`between` only goes with `every`; remove it or use `every`",
        );
    }
    if kind != "pace"
        && let Some(min_gap) = get(table, "min_gap")
    {
        report.error(
            min_gap.span().start,
            &key("min_gap"),
            "`min_gap` only goes with `pace`; remove it or use `pace`",
        );
    }
    let days = match days_value {
        Some(v) if kind == "cron" => {
            report.error(
                v.span().start,
                &key("days"),
                "a cron expression has its own day fields; remove `days`",
            );
            None
        }
        Some(v) if kind == "pace" => {
            report.error(
                v.span().start,
                &key("days"),
                "`pace` spreads the goal over the window every day; remove `days`, and use `habitd skip` for a rest day",
            );
            None
        }
        Some(v) => check_days(report, v, &key("days")),
        None => Some(Days::DAILY),
    };
    match kind {
        "at" => {
            let times = check_times(report, value, &key("at"))?;
            Some(Schedule::At { times, days: days? })
        }
        "every" => {
            let interval = report.parsed(value, &key("every"), |s| {
                let d = parse_duration(s)?;
                if d < SignedDuration::from_secs(1) {
                    return Err(format!(
                        "invalid interval {s:?}: expected at least one second, e.g. \"1h\""
                    ));
                }
                Ok(d)
            });
            let window = between.map_or(Some(Window::WHOLE_DAY), |v| {
                report.parsed(v, &key("between"), parse_window)
            });
            if let (Some(interval), Some(window)) = (interval, window)
                && interval > window_length(window)
            {
                let (span, fix) = if between.is_some() {
                    (format!("the window {window}"), ", or widen the window")
                } else {
                    ("a day".to_string(), "")
                };
                report.error(
                    value.span().start,
                    &key("every"),
                    format!(
                        "every {} does not fit in {span}: the grid starts again each day at {}, so only that time would fire; use `at = \"{}\"` (with `days` for some days only){fix}",
                        HumanDuration(interval),
                        ClockTime(window.start),
                        ClockTime(window.start),
                    ),
                );
                return None;
            }
            Some(Schedule::Every {
                interval: interval?,
                window: window?,
                days: days?,
            })
        }
        "pace" => {
            let window = report.parsed(value, &key("pace"), parse_window);
            let min_gap = get(table, "min_gap").map_or(Some(DEFAULT_MIN_GAP), |v| {
                report.parsed(v, &key("min_gap"), |s| {
                    let d = parse_duration(s)?;
                    if d < SignedDuration::from_mins(1) {
                        return Err(format!(
                            "invalid min_gap {s:?}: expected at least one minute, e.g. \"30m\""
                        ));
                    }
                    Ok(d)
                })
            });
            Some(Schedule::Pace {
                window: window?,
                min_gap: min_gap?,
            })
        }
        _ => {
            let text = report.string(value, &key("cron"))?;
            match CronExpr::parse(text) {
                Ok(cron) => {
                    if cron
                        .next_at_or_after(date(2000, 1, 1).at(0, 0, 0, 0))
                        .is_none()
                    {
                        report.error(
                            value.span().start,
                            &key("cron"),
                            format!(
                                "cron {text:?} can never fire (no such date, like 30 February)"
                            ),
                        );
                        return None;
                    }
                    Some(Schedule::Cron(cron))
                }
                Err(e) => {
                    let at = offset_in_source(report.text, value.span(), text, e.offset);
                    report.error(
                        at,
                        &key("cron"),
                        format!("invalid cron {text:?}: {}", e.message),
                    );
                    None
                }
            }
        }
    }
}

/// Where byte `offset` of string value `decoded` is in the source, for a
/// value whose TOML string starts at `span`: exact when the source spells
/// the string as it is (any quote style, no escapes), else the value's start.
fn offset_in_source(
    source: &str,
    span: std::ops::Range<usize>,
    decoded: &str,
    offset: usize,
) -> usize {
    let raw = source.get(span.clone()).unwrap_or("");
    let quote = ["\"\"\"", "'''", "\"", "'"]
        .into_iter()
        .find(|q| raw.starts_with(q))
        .unwrap_or("");
    let mut start = span.start + quote.len();
    // A newline right after a multi-line string's opening quotes is not part of it.
    if quote.len() == 3 {
        let rest = source.get(start..).unwrap_or("");
        start += if rest.starts_with("\r\n") {
            2
        } else {
            usize::from(rest.starts_with('\n'))
        };
    }
    let spelled_as_is = source
        .get(start..)
        .is_some_and(|rest| rest.starts_with(decoded));
    if spelled_as_is && decoded.is_char_boundary(offset) {
        start + offset
    } else {
        span.start
    }
}

fn check_times(report: &mut Reporter<'_>, value: &Value<'_>, key: &str) -> Option<Vec<Time>> {
    let mut times = match value.get_ref() {
        DeValue::String(_) => vec![report.parsed(value, key, parse_clock_time)?],
        DeValue::Array(items) if !items.is_empty() => {
            let parsed: Vec<Option<Time>> = items
                .iter()
                .map(|item| report.parsed(item, key, parse_clock_time))
                .collect();
            parsed.into_iter().collect::<Option<Vec<_>>>()?
        }
        DeValue::Datetime(_) => {
            let message = report.type_error(value, "a time");
            report.error(value.span().start, key, message);
            return None;
        }
        _ => {
            report.error(value.span().start, key, "expected a time or a list of times, e.g. at = \"12:30\" or at = [\"08:00\", \"20:00\"]");
            return None;
        }
    };
    times.sort();
    times.dedup();
    Some(times)
}

fn check_days(report: &mut Reporter<'_>, value: &Value<'_>, key: &str) -> Option<Days> {
    const EXPECTED: &str = "expected \"daily\", \"weekdays\", \"weekends\" or a list of days like [\"mon\", \"wed\", \"fri\"]";
    match value.get_ref() {
        DeValue::String(s) => match s.as_ref() {
            "daily" => Some(Days::DAILY),
            "weekdays" => Some(Days::WEEKDAYS),
            "weekends" => Some(Days::WEEKENDS),
            other => {
                report.error(
                    value.span().start,
                    key,
                    format!("invalid days {other:?}: {EXPECTED}"),
                );
                None
            }
        },
        DeValue::Array(items) => {
            let mut days = Days::none();
            let mut ok = true;
            for item in items {
                match report.string(item, key).map(parse_weekday) {
                    Some(Some(day)) => days = days.with(day),
                    Some(None) => {
                        let name = report.string(item, key).unwrap_or_default().to_string();
                        let names: Vec<String> = WEEKDAYS
                            .iter()
                            .map(|day| abbreviation(day).to_ascii_lowercase())
                            .collect();
                        report.error(
                            item.span().start,
                            key,
                            format!("invalid day {name:?}: expected one of {}", names.join(", ")),
                        );
                        ok = false;
                    }
                    None => ok = false,
                }
            }
            if ok && days.is_empty() {
                report.error(
                    value.span().start,
                    key,
                    format!("no days listed: {EXPECTED}"),
                );
                return None;
            }
            ok.then_some(days)
        }
        _ => {
            report.error(value.span().start, key, EXPECTED);
            None
        }
    }
}

/// The longest `emoji`, in characters: room for a flag or a family emoji
/// (several code points each) or a short label, not a sentence in a bar.
const MAX_EMOJI_CHARS: usize = 16;

/// An emoji shown with progress and in status bars: one line, short.
fn parse_emoji(text: &str) -> Result<String, String> {
    const EXAMPLE: &str = "e.g. emoji = \"💧\"";
    if text.trim().is_empty() {
        Err(format!(
            "an empty emoji: give one, {EXAMPLE}, or remove the key to show the title's first letter"
        ))
    } else if text.chars().any(char::is_control) {
        Err(format!(
            "the emoji holds a control character, which would break a status bar's line: expected a symbol, {EXAMPLE}"
        ))
    } else if text.chars().count() > MAX_EMOJI_CHARS {
        Err(format!(
            "the emoji is {} characters long: expected a symbol or a label of at most {MAX_EMOJI_CHARS}, {EXAMPLE}",
            text.chars().count()
        ))
    } else {
        Ok(text.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DEFAULT_CONFIG, LoadError, parse_str};

    fn errors(text: &str) -> Vec<String> {
        match parse_str(text, Origin::File("c.toml".into())) {
            Ok(_) => panic!("expected errors for:\n{text}"),
            Err(LoadError::Invalid(errors)) => errors.0.iter().map(ToString::to_string).collect(),
            Err(other) => panic!("{other}"),
        }
    }

    fn config(text: &str) -> Config {
        match parse_str(text, Origin::Builtin) {
            Ok(config) => config,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn the_default_config_is_valid() {
        let config = config(DEFAULT_CONFIG);
        let ids: Vec<&str> = config.habits.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, ["bedtime-stretch", "stretch", "walk", "water"]);
        let builtins: Vec<&str> = config.builtins.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(builtins, [CHECKIN], "the look back is opt-in");
    }

    const ONE_HABIT: &str = "[habits.a]\ntitle = \"A\"\nat = \"12:00\"\n";

    #[test]
    fn sync_is_off_unless_its_folder_is_set() {
        assert_eq!(config(ONE_HABIT).sync, None);
        let home = std::env::var_os("HOME").unwrap();
        let sync = config(&format!(
            "{ONE_HABIT}[sync]\nfolder = \"~/Sync/habitd\"\nname = \" laptop \"\n"
        ))
        .sync
        .unwrap();
        assert_eq!(sync.folder, std::path::Path::new(&home).join("Sync/habitd"));
        assert_eq!(sync.device_name(), "laptop");
        let unnamed = config(&format!("{ONE_HABIT}[sync]\nfolder = \"/srv/sync\"\n"))
            .sync
            .unwrap();
        assert_eq!(unnamed.name, None);
        assert!(!unnamed.device_name().is_empty(), "the host name stands in");
    }

    #[test]
    fn sync_errors_name_the_key_and_show_an_example() {
        assert_eq!(
            errors(&format!(
                "{ONE_HABIT}[sync]\nfodler = \"~/Sync\"\nname = \"\"\n"
            )),
            [
                "c.toml:4:1: sync.folder: no folder: set the folder your sync tool shares, e.g. folder = \"~/Sync/habitd\"",
                "c.toml:5:1: sync.fodler: unknown key \"fodler\"; did you mean \"folder\"?",
                "c.toml:6:8: sync.name: expected a name of 1 to 64 characters without control characters, e.g. \"laptop\"",
            ]
        );
        assert_eq!(
            errors(&format!("{ONE_HABIT}[sync]\nfolder = \"Sync/habitd\"\n")),
            [
                "c.toml:5:10: sync.folder: expected an absolute path or one starting with ~/, e.g. \"~/Sync/habitd\" or \"/home/me/Sync/habitd\""
            ]
        );
        assert_eq!(
            errors(&format!("sync = \"~/Sync\"\n{ONE_HABIT}")),
            ["c.toml:1:8: sync: expected a table, found string"]
        );
    }

    fn builtins(sections: &str) -> Vec<(String, String)> {
        config(&format!("{ONE_HABIT}{sections}"))
            .builtins
            .iter()
            .map(|h| (h.id.clone(), h.schedule.describe()))
            .collect()
    }

    #[test]
    fn the_check_in_is_on_by_default_and_the_look_back_once_its_section_is_there() {
        let pair = |id: &str, schedule: &str| (id.to_string(), schedule.to_string());
        assert_eq!(builtins(""), [pair(CHECKIN, "at 08:30 every day")]);
        assert_eq!(
            builtins("[checkin]\nat = \"07:15\"\n[review]\n"),
            [
                pair(CHECKIN, "at 07:15 every day"),
                pair(REVIEW, "at 19:00 on Sunday")
            ]
        );
        assert_eq!(
            builtins("[checkin]\nenabled = false\n[review]\nat = \"18:00\"\ndays = [\"fri\"]\n"),
            [pair(REVIEW, "at 18:00 on Friday")]
        );
        assert_eq!(
            builtins("[review]\nenabled = false\n"),
            [pair(CHECKIN, "at 08:30 every day")]
        );
        let checkin = &config(ONE_HABIT).builtins[0];
        assert_eq!(checkin.title, "Any leg cramps last night?");
        assert_eq!(checkin.timeout, Expiry::Never);
    }

    #[test]
    fn the_built_in_sections_are_checked_like_the_rest() {
        assert_eq!(
            errors(&format!(
                "{ONE_HABIT}[checkin]\nat = \"8:30am\"\nenable = false\ndays = \"weekdays\"\n[review]\nenabled = \"no\"\ndays = [\"funday\"]\n"
            )),
            [
                "c.toml:5:6: checkin.at: invalid time \"8:30am\": expected a 24-hour time HH:MM, e.g. \"07:30\" or \"21:00\"",
                "c.toml:6:1: checkin.enable: unknown key \"enable\"; did you mean \"enabled\"?",
                "c.toml:7:1: checkin.days: unknown key \"days\"; expected one of: at, enabled",
                "c.toml:9:11: review.enabled: expected true or false, found string",
                "c.toml:10:9: review.days: invalid day \"funday\": expected one of mon, tue, wed, thu, fri, sat, sun",
            ]
        );
    }

    #[test]
    fn the_built_in_reminders_ids_are_no_habit_s() {
        let text = "[habits.checkin]\ntitle = \"C\"\nat = \"12:00\"\n[habits.review]\ntitle = \"R\"\nat = \"12:00\"\n";
        assert_eq!(
            errors(text),
            [
                "c.toml:1:9: habits.checkin: habit id \"checkin\" is reserved for the morning check-in, which the history records under it (set it up in [checkin]); name the habit otherwise, e.g. \"my-checkin\"",
                "c.toml:4:9: habits.review: habit id \"review\" is reserved for the weekly look back, which the history records under it (set it up in [review]); name the habit otherwise, e.g. \"my-review\"",
            ]
        );
    }

    #[test]
    fn the_diarys_word_is_no_habit_id() {
        let found = errors("[habits.cramp]\ntitle = \"Stretch the calves\"\nat = \"22:00\"\n");
        assert_eq!(
            found,
            [
                "c.toml:1:9: habits.cramp: habit id \"cramp\" is reserved for the cramp diary (`habitd undo cramp`); choose another, e.g. \"cramp-stretch\""
            ]
        );
        config("[habits.cramp-stretch]\ntitle = \"Stretch\"\nat = \"22:00\"\n");
    }

    #[test]
    fn every_error_is_reported_with_its_location_and_key() {
        let text = r#"
[settings]
timezone = "Europe/Berln"
catchup = "15m"

[habits.water]
title = "Water"
every = "1 hour"
between = "09:00-25:00"

[habits.walk]
titel = "Walk"
at = "17:30"
cron = "0 9 * * *"

[habits.stretch]
title = "Stretch"
cron = "0 25 * * *"
"#;
        assert_eq!(
            errors(text),
            [
                "c.toml:3:12: settings.timezone: unknown time zone \"Europe/Berln\": expected an IANA name such as \"Europe/Berlin\" or \"America/New_York\"",
                "c.toml:4:1: settings.catchup: unknown key \"catchup\"; did you mean \"catch_up\"?",
                "c.toml:8:9: habits.water.every: invalid duration \"1 hour\": expected a number with a unit (s, m, h, d), e.g. \"30s\", \"15m\" or \"1h30m\"",
                "c.toml:9:11: habits.water.between: invalid time \"25:00\": hours go from 00 to 23 and minutes from 00 to 59, e.g. \"23:30\"",
                "c.toml:11:9: habits.walk: missing key \"title\": every habit needs the notification's title, e.g. title = \"Drink a glass of water\"",
                "c.toml:12:1: habits.walk.titel: unknown key \"titel\"; did you mean \"title\"?",
                "c.toml:14:8: habits.walk.cron: a habit has exactly one schedule, found at and cron; keep one",
                "c.toml:18:11: habits.stretch.cron: invalid cron \"0 25 * * *\": hour 25 is out of range 0-23",
            ]
        );
    }

    #[test]
    fn schedules_need_exactly_one_kind() {
        let e = errors("[habits.a]\ntitle = \"A\"\n");
        assert_eq!(e.len(), 1);
        assert!(
            e[0].starts_with("c.toml:1:9: habits.a: no schedule"),
            "{e:?}"
        );
    }

    #[test]
    fn cron_that_never_fires_is_an_error() {
        let e = errors("[habits.a]\ntitle = \"A\"\ncron = \"0 0 30 2 *\"\n");
        assert_eq!(
            e,
            [
                "c.toml:3:8: habits.a.cron: cron \"0 0 30 2 *\" can never fire (no such date, like 30 February)"
            ]
        );
    }

    #[test]
    fn syntax_errors_and_duplicate_habits_have_locations() {
        let e = errors("title = \n");
        assert!(e[0].starts_with("c.toml:1:"), "{e:?}");
        // A key given twice in one table is named.
        let e = errors("[habits.a]\ntitle = \"A\"\ntitle = \"B\"\nat = \"12:00\"\n");
        assert!(
            e[0].starts_with("c.toml:3:1: duplicate key \"title\""),
            "{e:?}"
        );
    }

    // Regression: a habit defined twice gave three errors, one for the table
    // and one for each key its second definition repeated.
    #[test]
    fn a_duplicate_habit_is_one_error() {
        let text = "[habits.water]\ntitle = \"W\"\nat = \"12:00\"\n\n[habits.water]  # again\ntitle = \"X\"\nat = \"13:00\"\n\n[habits.walk]\ntitle = \"A\"\ntitle = \"B\"\n";
        assert_eq!(
            errors(text),
            [
                "c.toml:5:9: duplicate table [habits.water]: it is defined above already; merge the two, or rename one; fix this first: the rest of the file is checked once it parses",
                // A real duplicate after the next header is still reported.
                "c.toml:11:1: duplicate key \"title\"",
            ]
        );
    }

    // Regression: a TOML syntax error hid every other error without saying so.
    #[test]
    fn a_syntax_error_says_to_fix_it_first() {
        let e = errors("x = \n[habits.water]\ntitle = \"W\"\nat = \"25:00\"\n");
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with("c.toml:1:5: ")
                && e[0]
                    .ends_with("; fix this first: the rest of the file is checked once it parses"),
            "{e:?}"
        );
    }

    // Regression: `at = 12:00` is a TOML time, and the error said only
    // "expected a time or a list of times".
    #[test]
    fn unquoted_times_are_to_be_quoted() {
        let e = errors("[habits.a]\ntitle = \"A\"\nat = 12:00\n");
        assert_eq!(
            e,
            [
                "c.toml:3:6: habits.a.at: expected a time, found a TOML date-time: quote it, e.g. \"12:00\""
            ]
        );
        let e = errors("[habits.a]\ntitle = \"A\"\nat = [\"08:00\", 20:00:30]\n");
        assert_eq!(
            e,
            [
                "c.toml:3:16: habits.a.at: expected a string, found a TOML date-time: quote it, e.g. \"20:00:30\""
            ]
        );
    }

    // Regression: the suggested id for an invalid one could be invalid
    // itself: "-lead" → "-lead", "" → "", "café" → "caf-".
    #[test]
    fn suggested_ids_are_valid() {
        let text = "[habits.\"-lead\"]\ntitle = \"A\"\nat = \"12:00\"\n\
                    [habits.\"\"]\ntitle = \"A\"\nat = \"12:00\"\n\
                    [habits.\"café\"]\ntitle = \"A\"\nat = \"12:00\"\n\
                    [habits.My__Habit_]\ntitle = \"A\"\nat = \"12:00\"\n";
        let e = errors(text);
        let examples: Vec<&str> = e
            .iter()
            .map(|e| e.rsplit("e.g. ").next().unwrap_or_default())
            .collect();
        assert_eq!(
            examples,
            ["\"lead\"", "\"water\"", "\"water\"", "\"my-habit\""],
            "{e:#?}"
        );
        for example in examples {
            assert!(valid_id(example.trim_matches('"')), "{example}");
        }
        // Keys that are not bare TOML keys are shown quoted.
        assert!(e[1].starts_with("c.toml:4:9: habits.\"\": "), "{e:?}");
        assert!(e[2].starts_with("c.toml:7:9: habits.\"café\": "), "{e:?}");
        assert_eq!(id_hint("Water"), Some("water".to_string()));
        assert_eq!(id_hint("--"), None);
    }

    // Regression: `snooze = "25h"` passed `check`, but run-time snoozes
    // stop at 24h, so the notification's Snooze button failed.
    #[test]
    fn snooze_is_capped_like_a_snooze_at_run_time() {
        let habit = |snooze: &str| {
            format!("[habits.a]\ntitle = \"A\"\nat = \"12:00\"\nsnooze = \"{snooze}\"\n")
        };
        assert_eq!(
            errors(&habit("25h")),
            [
                "c.toml:4:10: habits.a.snooze: invalid snooze \"25h\": at most 1d, e.g. \"10m\"; for longer, use `habitd skip` or `habitd pause`"
            ]
        );
        let longest = HumanDuration(MAX_SNOOZE).to_string();
        assert_eq!(config(&habit(&longest)).habits[0].snooze, MAX_SNOOZE);
    }

    // Regression: `days` on a pace habit was accepted and ignored.
    #[test]
    fn days_on_a_pace_habit_is_refused() {
        let e = errors(
            "[habits.a]\ntitle = \"A\"\npace = \"09:00-21:00\"\ngoal = { count = 8 }\ndays = \"weekdays\"\n",
        );
        assert_eq!(
            e,
            [
                "c.toml:5:8: habits.a.days: `pace` spreads the goal over the window every day; remove `days`, and use `habitd skip` for a rest day"
            ]
        );
    }

    fn habit(lines: &str) -> String {
        format!("[habits.a]\ntitle = \"A\"\n{lines}\n")
    }

    #[test]
    fn an_emoji_is_one_short_line() {
        assert_eq!(
            errors(&habit("at = \"12:30\"\nemoji = \"💧\\n\"")),
            [
                "c.toml:4:9: habits.a.emoji: the emoji holds a control character, which would break a status bar's line: expected a symbol, e.g. emoji = \"💧\""
            ]
        );
        assert_eq!(
            errors(&habit("at = \"12:30\"\nemoji = \" \"")),
            [
                "c.toml:4:9: habits.a.emoji: an empty emoji: give one, e.g. emoji = \"💧\", or remove the key to show the title's first letter"
            ]
        );
        assert_eq!(
            errors(&habit(&format!(
                "at = \"12:30\"\nemoji = \"{}\"",
                "x".repeat(17)
            ))),
            [
                "c.toml:4:9: habits.a.emoji: the emoji is 17 characters long: expected a symbol or a label of at most 16, e.g. emoji = \"💧\""
            ]
        );
        // A family emoji is seven code points; a flag two.
        let config = config(&habit(
            "at = \"12:30\"\nemoji = \"👨\u{200d}👩\u{200d}👧\u{200d}👦\"",
        ));
        assert_eq!(
            config.habits[0].emoji.as_deref(),
            Some("👨\u{200d}👩\u{200d}👧\u{200d}👦")
        );
    }

    // Regression: `every = "100d"` was accepted; the grid starts again each
    // day, so only the window's start ever fired.
    #[test]
    fn every_longer_than_its_window_is_refused() {
        assert_eq!(
            errors(&habit("every = \"100d\"")),
            [
                "c.toml:3:9: habits.a.every: every 100d does not fit in a day: the grid starts again each day at 00:00, so only that time would fire; use `at = \"00:00\"` (with `days` for some days only)"
            ]
        );
        assert_eq!(
            errors(&habit("every = \"3h\"\nbetween = \"09:00-11:00\"")),
            [
                "c.toml:3:9: habits.a.every: every 3h does not fit in the window 09:00-11:00: the grid starts again each day at 09:00, so only that time would fire; use `at = \"09:00\"` (with `days` for some days only), or widen the window"
            ]
        );
        // What just fits is fine: the grid's end is included.
        config(&habit("every = \"2h\"\nbetween = \"09:00-11:00\""));
        config(&habit("every = \"23h59m59s\""));
        config(&habit("every = \"4h\"\nbetween = \"22:00-02:00\""));
    }

    // Regression: `min_gap` with `at` was accepted and ignored.
    #[test]
    fn min_gap_without_pace_is_refused() {
        assert_eq!(
            errors(&habit("at = \"12:00\"\nmin_gap = \"1h\"")),
            [
                "c.toml:4:11: habits.a.min_gap: `min_gap` only goes with `pace`; remove it or use `pace`"
            ]
        );
    }

    // Regression: a pace window too short for the goal's reminders
    // `min_gap` apart was accepted.
    #[test]
    fn a_pace_window_too_short_for_the_goal_is_refused() {
        assert_eq!(
            errors(&habit(
                "pace = \"09:00-10:00\"\ngoal = { count = 8, unit = \"glasses\" }"
            )),
            [
                "c.toml:3:8: habits.a.pace: the pace window 09:00-10:00 is 1h long, but 8 glasses at least 30m apart need 3h30m: widen the window, lower the goal or shorten `min_gap`"
            ]
        );
        assert_eq!(
            errors(&habit(
                "pace = \"22:00-01:00\"\nmin_gap = \"2h\"\ngoal = { count = 3 }"
            )),
            [
                "c.toml:4:11: habits.a.min_gap: the pace window 22:00-01:00 is 3h long, but 3 times at least 2h apart need 4h: widen the window, lower the goal or shorten `min_gap`"
            ]
        );
        // What just fits is fine: 3 reminders 90m apart span 3h.
        config(&habit(
            "pace = \"22:00-01:00\"\nmin_gap = \"1h30m\"\ngoal = { count = 3 }",
        ));
        config(&habit("pace = \"09:00-09:01\"\ngoal = { count = 1 }"));
    }

    // Regression: a config without habits said "ok: 0 habits".
    #[test]
    fn a_config_without_habits_is_an_error() {
        let no_habits =
            "no habits: add one, e.g. [habits.stretch] with title = \"Stretch\" and at = \"12:30\"";
        assert_eq!(errors(""), [format!("c.toml:1:1: {no_habits}")]);
        assert_eq!(
            errors("[settings]\ncatch_up = \"1m\"\n"),
            [format!("c.toml:1:1: {no_habits}")]
        );
        assert_eq!(
            errors("# my habits\n[habits]\n"),
            [format!("c.toml:2:1: {no_habits}")]
        );
    }

    fn with_system_zone(
        text: &str,
        zone: Result<TimeZone, String>,
    ) -> Result<Config, ConfigErrors> {
        check(text, Origin::File("c.toml".into()), || zone)
    }

    // Regression: with `TZ=Garbage/Zone` the zone silently became UTC and
    // was shown as "the system zone".
    #[test]
    fn a_broken_system_zone_is_an_error_unless_the_config_names_one() {
        let habit = "[habits.a]\ntitle = \"A\"\nat = \"12:00\"\n";
        let broken = || Err("TZ is broken".to_string());
        let e = with_system_zone(habit, broken()).unwrap_err().to_string();
        assert_eq!(e, "c.toml:1:1: settings.timezone: TZ is broken");
        let text = format!("# zone\n[settings]\ncatch_up = \"1m\"\n{habit}");
        let e = with_system_zone(&text, broken()).unwrap_err().to_string();
        assert!(e.starts_with("c.toml:2:1: settings.timezone: "), "{e}");
        // A zone in the config is used without asking the system.
        let text = format!("[settings]\ntimezone = \"Asia/Tokyo\"\n{habit}");
        let c = with_system_zone(&text, broken()).unwrap();
        assert_eq!(c.timezone_name(), "Asia/Tokyo");
        let utc = with_system_zone(habit, Ok(TimeZone::UTC)).unwrap();
        assert_eq!(utc.timezone_name(), "UTC");
    }

    // Regression: every error was located by reading the text from its
    // start, so 20,000 errors took 15 s; now they are located in one pass,
    // and at most the first 50 are printed.
    #[test]
    fn many_errors_are_located_and_the_print_is_cut_short() {
        let text: String = (0..1000)
            .map(|i| format!("[habits.h{i}]\ntitle = \"H\"\nat = \"25:00\"\n"))
            .collect();
        let errors = check(&text, Origin::File("c.toml".into()), || Ok(TimeZone::UTC)).unwrap_err();
        assert_eq!(errors.0.len(), 1000);
        for (i, e) in errors.0.iter().enumerate() {
            assert_eq!((e.line, e.column), (3 * i + 3, 6));
        }
        let shown = errors.to_string();
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(lines.len(), 51);
        assert!(
            lines[49].starts_with("c.toml:150:6: habits.h49.at: "),
            "{shown}"
        );
        assert_eq!(lines[50], "and 950 more");
    }

    #[test]
    fn bad_ids_days_goals_and_types() {
        let text = r#"
[habits.Water]
title = "W"
at = ["08:00", 9]
days = ["mon", "funday"]
goal = { count = 0 }
urgency = "loud"
when_away = "later"
timeout = "forever"
per_week = 8

[habits.x]
title = 3
cron = "0 9 * * *"
days = "weekdays"
goal = { minutes = 20, count = 2 }
"#;
        let e = errors(text);
        let keys: Vec<&str> = e.iter().map(|e| e.split(": ").nth(1).unwrap()).collect();
        assert_eq!(
            keys,
            [
                "habits.Water",
                "habits.Water.at",
                "habits.Water.days",
                "habits.Water.goal.count",
                "habits.Water.urgency",
                "habits.Water.when_away",
                "habits.Water.timeout",
                "habits.Water.per_week",
                "habits.x.title",
                "habits.x.days",
                "habits.x.goal",
            ],
            "{e:#?}"
        );
    }

    #[test]
    fn defaults_and_values() {
        let c = config(
            r#"
[settings]
timezone = "America/New_York"
catch_up = "1h"
[habits.walk]
title = "Walk"
body = "20 minutes"
at = ["17:30", "08:00", "17:30"]
days = ["sat", "sun"]
goal = { minutes = 20 }
urgency = "critical"
timeout = "never"
per_week = 5
snooze = "5m"
when_away = "drop"
[habits.water]
title = "Water"
at = "09:00"
"#,
        );
        assert_eq!(c.timezone_name(), "America/New_York");
        assert_eq!(c.catch_up, SignedDuration::from_hours(1));
        let walk = c.habit("walk").unwrap();
        assert_eq!(walk.schedule.describe(), "at 08:00, 17:30 on weekends");
        assert_eq!(walk.goal, Goal::Minutes(20));
        assert_eq!(walk.urgency, Urgency::Critical);
        assert_eq!(walk.timeout, Expiry::Never);
        assert_eq!(walk.per_week, Some(5));
        assert_eq!(walk.snooze, SignedDuration::from_mins(5));
        assert_eq!(walk.when_away, WhenAway::Drop);
        assert_eq!(c.habit("water").unwrap().when_away, WhenAway::Hold);
    }

    #[test]
    fn positions_count_lines_and_characters_in_one_pass() {
        assert_eq!(
            positions("ab\ncd", [0, 0, 4, 5]),
            [(1, 1), (1, 1), (2, 2), (2, 3)]
        );
        assert_eq!(positions("é\nx", [3]), [(2, 1)]);
        // Inside a character: that character's end.
        assert_eq!(positions("éx", [1]), [(1, 2)]);
        assert_eq!(positions("x", [99]), [(1, 2)]);
    }
}
