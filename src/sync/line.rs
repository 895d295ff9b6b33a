//! One shared event as a line of a segment file, and back: the format other
//! devices read, so what it accepts is the contract between versions of
//! habitd on different machines. Pure: text in, values out.
//!
//! A line is one JSON object:
//!
//! ```text
//! {"id":"3f9a1c2b7d4e8a10:17","at_ms":1795000000000,"date":"2026-11-27","habit":"water","kind":"done","amount":1,"source":"cli"}
//! ```
//!
//! `id` is the event's global id (its device and its number there);
//! `target`, on an `undone`, is the global id of the event it takes back;
//! `until_ms` and `data` are there when the event has them. Keys a later
//! version adds are ignored; a line this version cannot take whole (garbage,
//! a torn write, a hand edit, a kind it does not share) is refused with the
//! reason, and the reader skips it.

use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

use super::{GlobalId, Shared};
use crate::diary::Episode;
use crate::event::{Kind, NewEvent, Source};

/// The longest line read: an event is a few hundred bytes, a cramp with a
/// long note a few KB. Anything longer is not an event habitd wrote.
pub const MAX_LINE: usize = 64 * 1024;

/// A line as written: fields in this order, those without a value left out.
#[derive(Serialize)]
struct Written<'e> {
    id: String,
    at_ms: i64,
    date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    habit: Option<&'e str>,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    amount: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    until_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<String>,
    source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'e str>,
}

/// `event` as a line, without its newline.
pub fn encode(event: &Shared) -> String {
    let e = &event.event;
    let written = Written {
        id: event.id.to_string(),
        at_ms: e.at.as_millisecond(),
        date: e.date.to_string(),
        habit: e.habit.as_deref(),
        kind: e.kind.as_str(),
        amount: e.amount,
        until_ms: e.until.map(Timestamp::as_millisecond),
        target: event.target.as_ref().map(ToString::to_string),
        source: e.source.as_str(),
        data: e.data.as_deref(),
    };
    // Strings and integers only: nothing here can fail to serialise.
    serde_json::to_string(&written).expect("a line always serialises")
}

/// The event on `line` (without its newline), or what is wrong with it.
pub fn decode(line: &str) -> Result<Shared, String> {
    if line.len() > MAX_LINE {
        return Err(format!("a line of {} bytes is too long", line.len()));
    }
    let value: Value = serde_json::from_str(line).map_err(|e| format!("not a JSON event ({e})"))?;
    let Value::Object(fields) = value else {
        return Err("not a JSON object".to_string());
    };
    let text = |key: &str| -> Result<Option<&str>, String> {
        match fields.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(format!("{key:?} is not a string")),
        }
    };
    let integer = |key: &str| -> Result<Option<i64>, String> {
        match fields.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| format!("{key:?} is not an integer")),
        }
    };
    let required = |key: &str, value: Option<&str>| -> Result<String, String> {
        value
            .map(str::to_string)
            .ok_or_else(|| format!("no {key:?}"))
    };
    let instant = |ms: i64| {
        Timestamp::from_millisecond(ms).map_err(|_| format!("instant {ms} ms is out of range"))
    };
    let id: GlobalId = required("id", text("id")?)?.parse()?;
    let kind_name = required("kind", text("kind")?)?;
    let kind = Kind::parse(&kind_name).ok_or_else(|| format!("unknown kind {kind_name:?}"))?;
    if !shared(kind) {
        return Err(format!(
            "{kind_name:?} events are not shared between devices"
        ));
    }
    let date = required("date", text("date")?)?;
    let source = required("source", text("source")?)?;
    let target = text("target")?.map(str::parse::<GlobalId>).transpose()?;
    if (kind == Kind::Undone) != target.is_some() {
        return Err(match kind {
            Kind::Undone => "an \"undone\" without a \"target\"".to_string(),
            _ => format!("a {kind_name:?} with a \"target\""),
        });
    }
    let data = text("data")?.map(str::to_string);
    if let Some(data) = &data
        && serde_json::from_str::<Value>(data).is_err()
    {
        return Err("\"data\" is not JSON text".to_string());
    }
    if kind == Kind::Cramp {
        Episode::from_json(data.as_deref())?;
    }
    let event = NewEvent {
        at: instant(integer("at_ms")?.ok_or("no \"at_ms\"")?)?,
        date: date
            .parse()
            .ok()
            .filter(|_| is_plain_date(&date))
            .ok_or_else(|| format!("invalid date {date:?}: expected YYYY-MM-DD"))?,
        habit: text("habit")?.map(str::to_string),
        kind,
        amount: integer("amount")?,
        until: integer("until_ms")?.map(instant).transpose()?,
        target: None,
        source: Source::parse(&source).ok_or_else(|| format!("unknown source {source:?}"))?,
        data,
    };
    Ok(Shared { id, event, target })
}

/// Whether events of `kind` go to the other devices: what the user said
/// (done, undone, skip, snooze, pause, resume, the cramp diary) is about
/// the user and counts everywhere; what a machine did with its reminders
/// (shown, missed, undelivered) is about that machine.
pub fn shared(kind: Kind) -> bool {
    !matches!(kind, Kind::Reminded | Kind::Missed | Kind::Undelivered)
}

/// The store keeps dates as fixed-width `YYYY-MM-DD` (text order is date
/// order); jiff also reads other spellings, which would not fit.
fn is_plain_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::DeviceId;

    fn device(hex: &str) -> DeviceId {
        hex.parse().unwrap()
    }

    fn sample(kind: Kind) -> Shared {
        let at: Timestamp = "2026-11-27T10:00:00.123Z".parse().unwrap();
        Shared {
            id: GlobalId {
                device: device("3f9a1c2b7d4e8a10"),
                seq: 17,
            },
            event: NewEvent {
                amount: Some(2),
                ..NewEvent::new(
                    at,
                    "2026-11-27".parse().unwrap(),
                    Some("water"),
                    kind,
                    Source::Cli,
                )
            },
            target: None,
        }
    }

    #[test]
    fn every_field_round_trips() {
        let mut undone = sample(Kind::Undone);
        undone.target = Some(GlobalId {
            device: device("00000000000000ff"),
            seq: 3,
        });
        let mut snoozed = sample(Kind::Snoozed);
        snoozed.event.until = Some("2026-11-27T10:10:00Z".parse().unwrap());
        let mut cramp = sample(Kind::Cramp);
        cramp.event.habit = None;
        cramp.event.amount = None;
        cramp.event.data = Some(r#"{"leg":"left","note":"a \"quoted\"\nnote"}"#.to_string());
        for event in [sample(Kind::Done), undone, snoozed, cramp] {
            let line = encode(&event);
            assert!(!line.contains('\n'), "one line: {line}");
            assert_eq!(decode(&line).unwrap(), event, "{line}");
        }
    }

    #[test]
    fn keys_of_a_later_version_are_ignored() {
        let line = encode(&sample(Kind::Done)).replace('}', r#","mood":"great"}"#);
        assert_eq!(decode(&line).unwrap(), sample(Kind::Done));
    }

    #[test]
    fn lines_that_are_not_whole_events_say_why() {
        let good = encode(&sample(Kind::Done));
        let mut cramp = sample(Kind::Cramp);
        cramp.event.data = Some(r#"{"leg":"tail"}"#.to_string());
        let bad_cramp = encode(&cramp);
        let cases = [
            (&good[..good.len() / 2], "not a JSON event"),
            ("[1,2]", "not a JSON object"),
            (r#"{"kind":"done"}"#, "no \"id\""),
            (
                &good.replace("3f9a1c2b7d4e8a10:17", "laptop:17"),
                "invalid global id",
            ),
            (&good.replace("\"done\"", "\"danced\""), "unknown kind"),
            (
                &good.replace("\"done\"", "\"reminded\""),
                "not shared between devices",
            ),
            (&good.replace("2026-11-27", "2026-11-7"), "invalid date"),
            (&good.replace("\"cli\"", "\"phone\""), "unknown source"),
            (
                &good.replace("\"done\"", "\"undone\""),
                "without a \"target\"",
            ),
            (
                &good.replace("\"amount\":2", "\"amount\":\"two\""),
                "not an integer",
            ),
            (&bad_cramp, "invalid cramp details"),
            (
                &good.replace("\"amount\"", "\"data\":\"{\",\"x\""),
                "not JSON text",
            ),
        ];
        for (line, expected) in cases {
            let error = decode(line).unwrap_err();
            assert!(error.contains(expected), "{line}: {error}");
        }
        let long = format!("{{\"note\":\"{}\"}}", "x".repeat(MAX_LINE));
        assert!(decode(&long).unwrap_err().contains("too long"));
    }

    #[test]
    fn machine_records_stay_on_their_machine() {
        let kept: Vec<Kind> = Kind::ALL.into_iter().filter(|&k| !shared(k)).collect();
        assert_eq!(kept, [Kind::Reminded, Kind::Missed, Kind::Undelivered]);
    }
}
