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
    let mut text = String::with_capacity(25);
    push_rfc3339(&mut text, at, tz);
    text
}

/// Appends [`rfc3339`]`(at, tz)` to `text`: for writing a great many
/// without a `String` each.
pub fn push_rfc3339(text: &mut String, at: jiff::Timestamp, tz: &jiff::tz::TimeZone) {
    // Digit by digit: `habitd log --csv` writes one per event, and with
    // strftime (or `format!`) this was a third of a century's export. Years
    // beyond four digits and offsets with seconds (local mean time before
    // 1900) take the general path.
    let offset = tz.to_offset(at);
    let local = offset.to_datetime(at);
    let seconds = offset.seconds();
    let mut text_of = *b"0000-00-00T00:00:00+00:00";
    if seconds % 60 != 0 || !fill_date(&mut text_of, local.date()) {
        return push_general(text, at, tz);
    }
    let minutes = seconds.unsigned_abs() / 60;
    for (place, n) in [
        (11, local.hour().unsigned_abs().into()),
        (14, local.minute().unsigned_abs().into()),
        (17, local.second().unsigned_abs().into()),
        (20, minutes / 60),
        (23, minutes % 60),
    ] {
        put_two(&mut text_of[place..], n);
    }
    if seconds < 0 {
        text_of[19] = b'-';
    }
    push_ascii(text, &text_of);
}

/// Appends `date` as `YYYY-MM-DD`, as its `Display` does, without going
/// through a formatter: for writing a great many.
pub fn push_date(text: &mut String, date: jiff::civil::Date) {
    let mut text_of = *b"0000-00-00";
    if fill_date(&mut text_of, date) {
        push_ascii(text, &text_of);
    } else {
        text.push_str(&date.to_string());
    }
}

/// Writes `date` over the `0000-00-00` that `into` starts with; `false`
/// (and nothing written) for a year outside 0..=9999.
fn fill_date(into: &mut [u8], date: jiff::civil::Date) -> bool {
    let Ok(year @ 0..=9999) = u16::try_from(date.year()) else {
        return false;
    };
    put_two(into, (year / 100).into());
    put_two(&mut into[2..], (year % 100).into());
    put_two(&mut into[5..], date.month().unsigned_abs().into());
    put_two(&mut into[8..], date.day().unsigned_abs().into());
    true
}

/// Writes the last two digits of `n` over the first two bytes of `into`.
fn put_two(into: &mut [u8], n: u32) {
    // Each below 10, so the casts keep them whole.
    into[0] = b'0' + (n / 10 % 10) as u8;
    into[1] = b'0' + (n % 10) as u8;
}

fn push_ascii(text: &mut String, bytes: &[u8]) {
    text.push_str(std::str::from_utf8(bytes).expect("only digits and separators are written"));
}

fn push_general(text: &mut String, at: jiff::Timestamp, tz: &jiff::tz::TimeZone) {
    use std::fmt::Write;
    let zoned = at.to_zoned_datetime(tz.clone());
    // Writing to a `String` cannot fail.
    let _ = write!(text, "{}", zoned.strftime("%Y-%m-%dT%H:%M:%S%:z"));
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
    fn rfc3339_is_what_strftime_writes() {
        let general = |at: jiff::Timestamp, tz: &jiff::tz::TimeZone| {
            at.to_zoned_datetime(tz.clone())
                .strftime("%Y-%m-%dT%H:%M:%S%:z")
                .to_string()
        };
        let zones = [
            "UTC",
            "Europe/Berlin",
            "America/St_Johns",
            "Asia/Kathmandu",
            "Pacific/Chatham",
            "America/Los_Angeles",
            // Local mean time, +00:19:32, until 1909.
            "Europe/Amsterdam",
        ];
        for zone in zones {
            let tz = jiff::tz::TimeZone::get(zone).unwrap();
            // From before 1900 to after 2100, at odd hours and seconds,
            // across daylight-saving switches.
            let mut at = jiff::Timestamp::from_second(-2_500_000_000).unwrap();
            let end = jiff::Timestamp::from_second(4_200_000_000).unwrap();
            while at < end {
                assert_eq!(rfc3339(at, &tz), general(at, &tz), "{zone} {at}");
                at += jiff::SignedDuration::from_secs(86_400 * 7 + 3_671);
            }
            for at in [jiff::Timestamp::MIN, jiff::Timestamp::MAX] {
                assert_eq!(rfc3339(at, &tz), general(at, &tz), "{zone} {at}");
            }
        }
    }

    #[test]
    fn push_date_is_what_display_writes() {
        let dates = [
            jiff::civil::Date::MIN,
            jiff::civil::date(-1, 12, 31),
            jiff::civil::date(0, 1, 1),
            jiff::civil::date(7, 3, 9),
            jiff::civil::date(999, 10, 10),
            jiff::civil::date(2024, 2, 29),
            jiff::civil::Date::MAX,
        ];
        for date in dates {
            let mut text = String::from("x");
            push_date(&mut text, date);
            assert_eq!(text, format!("x{date}"));
        }
    }

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
