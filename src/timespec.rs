//! Parsers for the small time notations users type in the config and on the
//! command line: durations (`90s`, `15m`, `1h30m`), clock times (`21:30`) and
//! daily windows (`09:00-21:00`).
//!
//! Pure functions over strings; every error says what was expected with an
//! example, so callers can put it behind a file location or a CLI flag.

use jiff::SignedDuration;
use jiff::civil::Time;

use crate::quote::Quoted;

/// A clock-time window within a day, end inclusive. `end < start` means the
/// window runs past midnight into the next day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// First instant of the window.
    pub start: Time,
    /// Last instant of the window (inclusive).
    pub end: Time,
}

impl Window {
    /// The whole day, 00:00:00 to 23:59:59.
    pub const WHOLE_DAY: Window = Window {
        start: Time::MIN,
        end: Time::constant(23, 59, 59, 0),
    };

    /// Whether the window runs past midnight.
    pub fn wraps(&self) -> bool {
        self.end < self.start
    }

    /// The day whose window holds the wall-clock time `at`: a window past
    /// midnight belongs to the day it opens, so 00:30 in 22:00-01:00 is the
    /// day before's.
    pub fn day_of(&self, at: jiff::civil::DateTime) -> jiff::civil::Date {
        let date = at.date();
        if self.wraps() && at.time() <= self.end {
            date.yesterday().unwrap_or(date)
        } else {
            date
        }
    }
}

impl std::fmt::Display for Window {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", ClockTime(self.start), ClockTime(self.end))
    }
}

/// Formats a time as `HH:MM`, or `HH:MM:SS` when it has seconds.
pub struct ClockTime(pub Time);

impl std::fmt::Display for ClockTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = self.0;
        if t.second() == 0 {
            write!(f, "{:02}:{:02}", t.hour(), t.minute())
        } else {
            write!(f, "{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
        }
    }
}

/// Formats a duration the way users write it: `1h30m`, `45s`, `2d`.
pub struct HumanDuration(pub SignedDuration);

impl std::fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut secs = self.0.as_secs();
        if secs == 0 {
            return f.write_str("0s");
        }
        if secs < 0 {
            f.write_str("-")?;
            secs = -secs;
        }
        for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
            if secs >= size {
                write!(f, "{}{unit}", secs / size)?;
                secs %= size;
            }
        }
        Ok(())
    }
}

/// An instant as RFC 3339 with the offset `tz` has then, to the second:
/// `2026-11-26T15:00:00+01:00`.
pub fn rfc3339(at: jiff::Timestamp, tz: &jiff::tz::TimeZone) -> String {
    at.to_zoned_datetime(tz.clone())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// Parses a duration made of whole-number parts with units `d`, `h`, `m`,
/// `s` in decreasing order, such as `30s`, `15m`, `1h30m` or `2d`.
pub fn parse_duration(text: &str) -> Result<SignedDuration, String> {
    let expected = || {
        format!(
            "invalid duration {}: expected a number with a unit (s, m, h, d), e.g. \"30s\", \"15m\" or \"1h30m\"",
            Quoted(text)
        )
    };
    let text_trimmed = text.trim();
    if text_trimmed.is_empty() {
        return Err(expected());
    }
    let mut total: i64 = 0;
    let mut last_unit_size = i64::MAX;
    let mut rest = text_trimmed;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(expected());
        }
        let (number, tail) = rest.split_at(digits);
        let unit_len = tail.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
        let (unit, tail) = tail.split_at(unit_len);
        let size = match unit {
            "d" => 86_400,
            "h" => 3_600,
            "m" | "min" => 60,
            "s" => 1,
            _ => return Err(expected()),
        };
        if size >= last_unit_size {
            return Err(format!(
                "invalid duration {}: units must go from largest to smallest, each once, e.g. \"1h30m\"",
                Quoted(text)
            ));
        }
        last_unit_size = size;
        let value: i64 = number.parse().map_err(|_| expected())?;
        total = value
            .checked_mul(size)
            .and_then(|part| total.checked_add(part))
            .filter(|&t| t <= MAX_DURATION_SECS)
            .ok_or_else(|| format!("invalid duration {}: longer than a year", Quoted(text)))?;
        rest = tail;
    }
    Ok(SignedDuration::from_secs(total))
}

/// Durations longer than this are surely typos; keeping them bounded also
/// keeps all later timestamp arithmetic far from overflow.
const MAX_DURATION_SECS: i64 = 366 * 86_400;

/// Parses a clock time `HH:MM` or `HH:MM:SS` (24-hour).
pub fn parse_clock_time(text: &str) -> Result<Time, String> {
    let expected = || {
        format!(
            "invalid time {}: expected a 24-hour time HH:MM, e.g. \"07:30\" or \"21:00\"",
            Quoted(text)
        )
    };
    let parts: Vec<&str> = text.trim().split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return Err(expected());
    }
    let mut fields = [0i8; 3];
    for (field, part) in fields.iter_mut().zip(&parts) {
        if part.is_empty() || part.len() > 2 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(expected());
        }
        *field = part.parse().map_err(|_| expected())?;
    }
    let [hour, minute, second] = fields;
    Time::new(hour, minute, second, 0).map_err(|_| {
        format!(
            "invalid time {}: hours go from 00 to 23 and minutes from 00 to 59, e.g. \"23:30\"",
            Quoted(text)
        )
    })
}

/// Parses a daily window `HH:MM-HH:MM` (end inclusive).
pub fn parse_window(text: &str) -> Result<Window, String> {
    let Some((start, end)) = text.split_once('-') else {
        return Err(format!(
            "invalid window {}: expected two times joined by '-', e.g. \"09:00-21:00\"",
            Quoted(text)
        ));
    };
    let window = Window {
        start: parse_clock_time(start)?,
        end: parse_clock_time(end)?,
    };
    if window.start == window.end {
        return Err(format!(
            "invalid window {}: start and end are the same; for a single time use `at`",
            Quoted(text)
        ));
    }
    Ok(window)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_in_all_units() {
        assert_eq!(parse_duration("30s").unwrap().as_secs(), 30);
        assert_eq!(parse_duration("15m").unwrap().as_secs(), 900);
        assert_eq!(parse_duration("1h30m").unwrap().as_secs(), 5400);
        assert_eq!(parse_duration("2d").unwrap().as_secs(), 172_800);
        assert_eq!(parse_duration("1h0m5s").unwrap().as_secs(), 3605);
        assert_eq!(parse_duration("0s").unwrap().as_secs(), 0);
    }

    #[test]
    fn bad_durations_say_what_was_expected() {
        for bad in ["", "15", "m", "1.5h", "-5m", "5 m", "1x", "30m1h", "1m1m"] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.contains("e.g."), "{bad:?}: {err}");
        }
        assert!(parse_duration("99999999999999999999d").is_err());
        assert!(parse_duration("400d").unwrap_err().contains("year"));
    }

    #[test]
    fn human_durations_round_trip() {
        for text in ["30s", "15m", "1h30m", "2d", "1d1h1m1s"] {
            let d = parse_duration(text).unwrap();
            assert_eq!(HumanDuration(d).to_string(), text);
        }
    }

    #[test]
    fn clock_times() {
        assert_eq!(
            parse_clock_time("07:30").unwrap(),
            Time::constant(7, 30, 0, 0)
        );
        assert_eq!(
            parse_clock_time("7:05:09").unwrap(),
            Time::constant(7, 5, 9, 0)
        );
        for bad in [
            "24:00", "12:60", "12", "12:3a", "", "1:2:3:4", "123:00", "+1:00",
        ] {
            assert!(parse_clock_time(bad).is_err(), "{bad:?}");
        }
        assert_eq!(ClockTime(Time::constant(9, 5, 0, 0)).to_string(), "09:05");
        assert_eq!(
            ClockTime(Time::constant(9, 5, 7, 0)).to_string(),
            "09:05:07"
        );
    }

    #[test]
    fn windows() {
        let w = parse_window("09:00-21:00").unwrap();
        assert!(!w.wraps());
        assert_eq!(w.to_string(), "09:00-21:00");
        assert!(parse_window("22:00-02:00").unwrap().wraps());
        assert!(parse_window("09:00").is_err());
        assert!(parse_window("09:00-09:00").is_err());
        assert!(parse_window("09:00-25:00").is_err());
    }
}
