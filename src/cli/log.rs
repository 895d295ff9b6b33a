//! `habitd log`: the history as recorded, for reading or export, the cramp
//! diary's entries with their details.

use std::borrow::Cow;
use std::path::Path;

use clap::Args;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

use super::out::Out;
use super::{Exit, UsageError};
use crate::command::{DIARY, find_habit, parse_date};
use crate::diary::Episode;
use crate::event::{Event, Kind};
use crate::quote::escape;
use crate::store::DeviceNames;
use crate::timespec::{push_date, push_rfc3339, rfc3339};

/// Arguments of `habitd log`.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Only this habit's events (also of a habit no longer in the config),
    /// or with `cramp` the cramp diary's.
    #[arg(add = clap_complete::ArgValueCandidates::new(super::complete::habit_ids))]
    pub habit: Option<String>,
    /// Only events counting for this day or later (YYYY-MM-DD, today, yesterday).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Print JSON: an array of events.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV with a header row.
    #[arg(long)]
    pub csv: bool,
}

#[derive(Serialize)]
struct Row<'a> {
    id: i64,
    at: String,
    date: Date,
    habit: &'a str,
    kind: &'a str,
    amount: Option<i64>,
    until: Option<String>,
    target: Option<i64>,
    source: &'a str,
    /// The details, as the JSON they are stored as (not as a string).
    data: Option<serde_json::Value>,
    /// The device it was recorded on, when another one (see `habitd sync`).
    device: Option<&'a str>,
}

impl<'a> Row<'a> {
    fn new(event: &'a Event, tz: &jiff::tz::TimeZone, devices: &'a DeviceNames) -> Row<'a> {
        let show = |at: Timestamp| rfc3339(at, tz);
        Row {
            id: event.id,
            at: show(event.at),
            date: event.date,
            habit: event.habit.as_deref().unwrap_or(""),
            kind: event.kind.as_str(),
            amount: event.amount,
            until: event.until.map(show),
            target: event.target,
            source: event.source.as_str(),
            // The store checks that it is JSON; should a hand edit have got
            // past that, the text is shown as it is.
            data: event
                .data
                .as_deref()
                .map(|data| serde_json::from_str(data).unwrap_or_else(|_| data.to_string().into())),
            device: devices.of(event.origin.as_deref()),
        }
    }
}

/// Quotes a CSV field when it needs it (RFC 4180).
fn csv_field(text: &str) -> Cow<'_, str> {
    if text.contains([',', '"', '\n', '\r']) {
        Cow::Owned(format!("\"{}\"", text.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(text)
    }
}

pub(super) fn log(explicit: Option<&Path>, args: &LogArgs) -> anyhow::Result<Exit> {
    let config = super::load_config(explicit)?;
    let now = Timestamp::now();
    let since = args
        .since
        .as_deref()
        .map(|d| parse_date(&config, d, now))
        .transpose()
        .map_err(|r| UsageError(r.0))?;
    let store = super::open_store()?;
    let diary = args.habit.as_deref() == Some(DIARY);
    let habit = args.habit.as_deref().filter(|_| !diary);
    if let Some(habit) = habit
        && config.reminder(habit).is_none()
    {
        // A habit removed from the config keeps its history, readable
        // under its old id; a name with no history at all is a typo.
        if !store.has_history(habit)? {
            find_habit(&config, habit).map_err(|r| UsageError(r.0))?;
        }
        eprintln!("habitd: {habit} is not in the config; showing its history");
    }
    // Rows go out as SQLite reads them, so a century of history takes the
    // memory of one event, and a reader that goes away (`| head`) stops
    // the reading too.
    let each_event = |visit: &mut dyn FnMut(Event) -> anyhow::Result<()>| {
        if diary {
            store.each_diary_event(since, visit)
        } else {
            store.each_event(habit, since, visit)
        }
    };
    let tz = &config.timezone;
    let devices = store.device_names()?;
    let mut out = Out::stdout();
    if args.json {
        let mut array = JsonArray::default();
        each_event(&mut |event| out.write_str(&array.item(&Row::new(&event, tz, &devices))?))?;
        out.write_str(array.end())?;
    } else if args.csv {
        // CSV is for export, so user text goes out as recorded, quoted
        // where RFC 4180 needs it; only text meant for a terminal is escaped.
        writeln!(
            out,
            "id,at,date,habit,kind,amount,until,target,source,data,device"
        )?;
        // Each line is put together in one buffer, by hand: a century's
        // export is 740,000 of them, and `writeln!` with nine arguments, and
        // then `write!` for each number, were a fifth of its time.
        let mut line = String::new();
        each_event(&mut |event| {
            line.clear();
            push_number(&mut line, event.id);
            line.push(',');
            push_rfc3339(&mut line, event.at, tz);
            line.push(',');
            push_date(&mut line, event.date);
            line.push(',');
            line.push_str(&csv_field(event.habit.as_deref().unwrap_or("")));
            line.push(',');
            line.push_str(event.kind.as_str());
            line.push(',');
            if let Some(amount) = event.amount {
                push_number(&mut line, amount);
            }
            line.push(',');
            if let Some(until) = event.until {
                push_rfc3339(&mut line, until, tz);
            }
            line.push(',');
            if let Some(target) = event.target {
                push_number(&mut line, target);
            }
            line.push(',');
            line.push_str(event.source.as_str());
            line.push(',');
            if let Some(data) = &event.data {
                line.push_str(&csv_field(data));
            }
            line.push(',');
            if let Some(device) = devices.of(event.origin.as_deref()) {
                line.push_str(&csv_field(device));
            }
            line.push('\n');
            out.write_str(&line)
        })?;
    } else {
        // The habit column is as wide as the widest habit shown, which the
        // store tells without reading the events.
        let width = |habit: &str| escape(habit).chars().count();
        let width = match habit {
            Some(habit) => width(habit),
            None if diary => 0,
            None => store
                .habits_since(since)?
                .iter()
                .map(|h| width(h))
                .max()
                .unwrap_or(0),
        };
        let mut shown = false;
        each_event(&mut |event| {
            shown = true;
            let r = Row::new(&event, tz, &devices);
            let device = r
                .device
                .map(|device| format!(" on {}", escape(device)))
                .unwrap_or_default();
            let amount = r.amount.map(|a| format!(" {a}")).unwrap_or_default();
            let until = r
                .until
                .as_deref()
                .map(|u| format!(" until {u}"))
                .unwrap_or_default();
            let diary = diary_text(&event);
            writeln!(
                out,
                "{}  {:width$}  {}{amount}{until}{diary}  ({}{device})",
                r.at,
                escape(r.habit),
                r.kind,
                r.source
            )
        })?;
        if !shown {
            writeln!(out, "no history yet")?;
        }
    }
    out.finish()?;
    Ok(Exit::Success)
}

/// What a diary event adds to its line: the night, and a cramp's details
/// with its note, escaped for the terminal (`, night of 2026-11-25: left
/// calf, 5 min; note: woke me\nup`).
fn diary_text(event: &Event) -> String {
    let night = format!(", night of {}", event.date);
    match event.kind {
        // Without a habit, it took back a diary entry.
        Kind::NoCramps | Kind::Undone if event.habit.is_none() => night,
        Kind::Cramp => {
            // The store hands over only cramps whose details it could read.
            let episode = Episode::from_json(event.data.as_deref()).unwrap_or_default();
            let mut text = night;
            let summary = episode.summary();
            if !summary.is_empty() {
                text.push_str(": ");
                text.push_str(&summary);
            }
            if let Some(note) = &episode.note {
                text.push_str("; note: ");
                text.push_str(&escape(note));
            }
            text
        }
        _ => String::new(),
    }
}

/// Appends `n` in decimal, as `Display` writes it, without a formatter.
fn push_number(line: &mut String, n: i64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = n.unsigned_abs();
    loop {
        start -= 1;
        // A digit: below 10, so the cast keeps it whole.
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if n < 0 {
        line.push('-');
    }
    line.push_str(std::str::from_utf8(&digits[start..]).expect("only digits are written"));
}

/// A JSON array written an element at a time, byte for byte as
/// `serde_json::to_string_pretty` writes the whole array.
#[derive(Default)]
struct JsonArray {
    started: bool,
}

impl JsonArray {
    /// The text that adds `value` to the array.
    fn item(&mut self, value: &impl Serialize) -> serde_json::Result<String> {
        let text = serde_json::to_string_pretty(value)?;
        let mut item = String::with_capacity(text.len() + 64);
        item.push_str(if self.started { ",\n" } else { "[\n" });
        self.started = true;
        // One level deeper; a newline within a string is written `\n`, so
        // every line break is the formatter's.
        for (i, line) in text.lines().enumerate() {
            if i > 0 {
                item.push('\n');
            }
            item.push_str("  ");
            item.push_str(line);
        }
        Ok(item)
    }

    /// The text that closes the array, and the line.
    fn end(&self) -> &'static str {
        if self.started { "\n]\n" } else { "[]\n" }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_display_writes_them() {
        for n in [
            i64::MIN,
            -1_000,
            -9,
            -1,
            0,
            1,
            9,
            10,
            99,
            100,
            12_345,
            i64::MAX,
        ] {
            let mut line = String::from("x");
            push_number(&mut line, n);
            assert_eq!(line, format!("x{n}"));
        }
    }

    #[test]
    fn a_json_array_streamed_is_the_array_pretty_printed() {
        #[derive(Serialize)]
        struct Item {
            text: &'static str,
            n: Option<i64>,
        }
        let items = [
            Item {
                text: "a",
                n: Some(1),
            },
            Item {
                text: "line\nbreak \"quoted\" \u{2028}",
                n: None,
            },
            Item {
                text: "",
                n: Some(-3),
            },
        ];
        for count in 0..=items.len() {
            let mut array = JsonArray::default();
            let mut streamed = String::new();
            for item in &items[..count] {
                streamed.push_str(&array.item(item).unwrap());
            }
            streamed.push_str(array.end());
            let whole = serde_json::to_string_pretty(&items[..count]).unwrap();
            assert_eq!(streamed, format!("{whole}\n"), "{count} items");
        }
    }
}
