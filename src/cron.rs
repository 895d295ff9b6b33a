//! Cron expressions evaluated on civil (zone-less, wall-clock) date-times.
//!
//! This module owns the cron syntax: parsing the 5-field form (`minute hour
//! day-of-month month day-of-week`), the 6-field form with leading seconds and
//! the `@daily`-style macros, matching a [`jiff::civil::DateTime`] against an
//! expression, and finding the next matching civil time.
//!
//! It must not know about time zones, DST, clocks or I/O: the caller decides
//! what "now" is and maps civil times to instants (including gaps and folds).
//! Nothing reachable from the expression text or a date may panic, and every
//! search is bounded, so a schedule that can never fire yields `None` quickly.

use std::fmt;

use jiff::civil::{Date, DateTime, Time};

use crate::calendar::{MONTHS, WEEKDAYS, abbreviation, is_name};

/// Days scanned before giving up: the Gregorian calendar repeats every 400
/// years (146,097 days), so any date-and-weekday combination that exists at
/// all — Feb 29 on a Sunday, say, which can be 28 or more years apart — comes
/// within one cycle, and a `None` from any start date means the expression
/// can never fire. Months that cannot match are skipped whole, so even a
/// never-firing search stays cheap.
const SEARCH_DAYS: u32 = 146_097 + 1;

/// One cron field's syntax: its bounds, names and what `?` means there.
struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    /// Upper end for `*` and `N/S`. Only day-of-week differs from `max`:
    /// 7 is an alias for Sunday, so an open-ended `1/2` should stop at
    /// Saturday rather than wrap around to Sunday again.
    open_max: u32,
    /// Full names in value order starting at `min`; read back by
    /// [`is_name`], so the first three letters are accepted as well.
    names: &'static [&'static str],
    allows_question: bool,
}

const SECOND: Field = Field {
    name: "second",
    min: 0,
    max: 59,
    open_max: 59,
    names: &[],
    allows_question: false,
};

const MINUTE: Field = Field {
    name: "minute",
    min: 0,
    max: 59,
    open_max: 59,
    names: &[],
    allows_question: false,
};

const HOUR: Field = Field {
    name: "hour",
    min: 0,
    max: 23,
    open_max: 23,
    names: &[],
    allows_question: false,
};

const DAY_OF_MONTH: Field = Field {
    name: "day-of-month",
    min: 1,
    max: 31,
    open_max: 31,
    names: &[],
    allows_question: true,
};

const MONTH: Field = Field {
    name: "month",
    min: 1,
    max: 12,
    open_max: 12,
    names: &MONTHS,
    allows_question: false,
};

const DAY_OF_WEEK: Field = Field {
    name: "day-of-week",
    min: 0,
    max: 7,
    open_max: 6,
    // Cron counts from Sunday = 0.
    names: &[
        WEEKDAYS[6],
        WEEKDAYS[0],
        WEEKDAYS[1],
        WEEKDAYS[2],
        WEEKDAYS[3],
        WEEKDAYS[4],
        WEEKDAYS[5],
    ],
    allows_question: true,
};

impl Field {
    fn full_mask(&self) -> u64 {
        range_mask(self.min, self.open_max, 1)
    }

    fn name_of(&self, value: u32) -> Option<&'static str> {
        (self.min..)
            .zip(self.names)
            .find(|&(v, _)| v == value)
            .map(|(_, name)| *name)
    }

    fn abbreviation_of(&self, value: u32) -> Option<String> {
        self.name_of(value)
            .map(|name| abbreviation(name).to_ascii_lowercase())
    }

    fn value_of_name(&self, token: &str) -> Option<u32> {
        (self.min..)
            .zip(self.names)
            .find(|(_, name)| is_name(token, name))
            .map(|(v, _)| v)
    }

    fn parse_value(&self, token: &str) -> Result<u32, String> {
        if !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit()) {
            match token.parse::<u32>() {
                Ok(n) if (self.min..=self.max).contains(&n) => Ok(n),
                _ => Err(format!(
                    "{} {} is out of range {}-{}",
                    self.name, token, self.min, self.max
                )),
            }
        } else if !self.names.is_empty() && token.starts_with(|c: char| c.is_ascii_alphabetic()) {
            self.value_of_name(token)
                .ok_or_else(|| format!("unknown {} name {:?}", self.name, token))
        } else {
            Err(format!("invalid {} value {:?}", self.name, token))
        }
    }

    fn parse_step(&self, token: &str) -> Result<u32, String> {
        if token.is_empty() {
            return Err(format!("{}: missing step after \"/\"", self.name));
        }
        if !token.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("{}: invalid step {:?}", self.name, token));
        }
        match token.parse::<u32>() {
            Ok(0) => Err(format!("{}: step must be at least 1", self.name)),
            Ok(step) if step <= self.max => Ok(step),
            _ => Err(format!(
                "{}: step {} is out of range 1-{}",
                self.name, token, self.max
            )),
        }
    }

    /// Parses one comma-separated field into a bitset; `offset` is where the
    /// field starts in the caller's text.
    fn parse(&self, offset: usize, text: &str) -> Result<u64, CronError> {
        let mut mask = 0;
        let mut item_offset = offset;
        for item in text.split(',') {
            mask |= self.parse_item(item).map_err(|message| CronError {
                offset: item_offset,
                message,
            })?;
            // The separator is the one-byte ','.
            item_offset = item_offset.saturating_add(item.len()).saturating_add(1);
        }
        Ok(mask)
    }

    fn parse_item(&self, item: &str) -> Result<u64, String> {
        if item.is_empty() {
            return Err(format!("{}: empty item in list", self.name));
        }
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => (range, Some(self.parse_step(step)?)),
            None => (item, None),
        };
        let (start, end) = if range == "*" || range == "?" {
            if range == "?" && !self.allows_question {
                return Err(format!(
                    "{}: ? is only allowed in day-of-month and day-of-week",
                    self.name
                ));
            }
            (self.min, self.open_max)
        } else if range.is_empty() {
            return Err(format!("{}: missing value before \"/\"", self.name));
        } else if let Some((first, last)) = range.split_once('-') {
            if first.is_empty() || last.is_empty() {
                return Err(format!("{}: incomplete range {:?}", self.name, range));
            }
            let start = self.parse_value(first)?;
            let mut end = self.parse_value(last)?;
            // Sunday is both 0 and 7, so `fri-sun` reads naturally as 5-7.
            if self.max == 7 && end == 0 && start > 0 {
                end = 7;
            }
            if start > end {
                return Err(self.reversed(first, last));
            }
            (start, end)
        } else {
            let value = self.parse_value(range)?;
            let end = if step.is_some() {
                self.open_max.max(value)
            } else {
                value
            };
            (value, end)
        };
        Ok(range_mask(start, end, step.unwrap_or(1)))
    }

    fn reversed(&self, first: &str, last: &str) -> String {
        let named = |token: &str| token.starts_with(|c: char| c.is_ascii_alphabetic());
        let (max, min) = match (
            self.abbreviation_of(self.open_max),
            self.abbreviation_of(self.min),
        ) {
            (Some(max), Some(min)) if named(first) && named(last) => (max, min),
            _ => (self.open_max.to_string(), self.min.to_string()),
        };
        format!(
            "{} range {first}-{last} is reversed; write {first}-{max},{min}-{last} for a range that wraps",
            self.name
        )
    }
}

/// Bits `start, start + step, ...` up to `end`; bits past 63 are dropped,
/// which field bounds never reach.
fn range_mask(start: u32, end: u32, step: u32) -> u64 {
    let mut mask = 0;
    let mut value = Some(start);
    while let Some(v) = value.filter(|&v| v <= end) {
        mask |= 1u64.checked_shl(v).unwrap_or(0);
        value = v.checked_add(step);
    }
    mask
}

/// Whether bit `index` is set; jiff's civil fields are never negative.
fn has_bit(mask: u64, index: i8) -> bool {
    mask.checked_shr(u32::from(index.unsigned_abs()))
        .is_some_and(|rest| rest & 1 == 1)
}

/// The lowest set bit at or above `from`.
fn next_bit(mask: u64, from: u32) -> Option<u32> {
    let rest = mask.checked_shr(from)?;
    if rest == 0 {
        None
    } else {
        from.checked_add(rest.trailing_zeros())
    }
}

fn bits(mask: u64) -> Vec<u32> {
    (0..64).filter(|&i| next_bit(mask, i) == Some(i)).collect()
}

/// Whitespace-separated fields with their byte offsets in `text`.
fn split_fields(text: &str) -> Vec<(usize, &str)> {
    let mut fields = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                fields.extend(text.get(s..i).map(|f| (s, f)));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        fields.extend(text.get(s..).map(|f| (s, f)));
    }
    fields
}

/// A parsed cron expression (5 fields, or 6 with leading seconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CronExpr {
    seconds: u64,
    minutes: u64,
    hours: u32,
    /// Bits 1-31.
    days_of_month: u32,
    /// Bits 1-12.
    months: u16,
    /// Bits 0-6 with Sunday as 0; a written 7 is folded into bit 0.
    days_of_week: u8,
    /// The field text began with `*` or `?`, which selects Vixie's AND rule.
    dom_star: bool,
    dow_star: bool,
    has_seconds: bool,
    text: String,
}

/// Why a cron expression was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CronError {
    /// Byte offset into the expression text where the offending field/item starts (for file:line:column reporting).
    pub offset: usize,
    /// Lowercase message, no trailing full stop, e.g. `minute 60 is out of range 0-59`.
    pub message: String,
}

impl fmt::Display for CronError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CronError {}

const MACROS: &[(&str, &str)] = &[
    ("@yearly", "0 0 1 1 *"),
    ("@annually", "0 0 1 1 *"),
    ("@monthly", "0 0 1 * *"),
    ("@weekly", "0 0 * * 0"),
    ("@daily", "0 0 * * *"),
    ("@midnight", "0 0 * * *"),
    ("@hourly", "0 * * * *"),
];

impl CronExpr {
    /// Parses a 5- or 6-field expression or an `@macro`; error offsets are byte
    /// offsets into `text` as given, leading whitespace included.
    pub fn parse(text: &str) -> Result<CronExpr, CronError> {
        let trimmed = text.trim();
        let lead = text.len().saturating_sub(text.trim_start().len());
        if trimmed.starts_with('@') {
            let expansion = MACROS
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(trimmed))
                .map(|(_, expansion)| *expansion)
                .ok_or_else(|| CronError {
                    offset: lead,
                    message: if trimmed.eq_ignore_ascii_case("@reboot") {
                        "@reboot is not supported; schedules must name a time".to_string()
                    } else {
                        format!(
                            "unknown macro {trimmed:?}; expected @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly"
                        )
                    },
                })?;
            let mut expr = Self::from_fields(expansion)?;
            expr.text = trimmed.to_string();
            return Ok(expr);
        }
        Self::from_fields(text)
    }

    fn from_fields(text: &str) -> Result<CronExpr, CronError> {
        let fields = split_fields(text);
        let (seconds, rest) = match fields.as_slice() {
            [second, rest @ ..] if rest.len() == 5 => (Some(*second), rest),
            rest => (None, rest),
        };
        let [minute, hour, dom, month, dow] = rest else {
            return Err(CronError {
                offset: 0,
                message: format!(
                    "expected 5 fields (minute hour day-of-month month day-of-week) or 6 with leading seconds, found {}",
                    fields.len()
                ),
            });
        };
        // Six fields are most often five plus a year, which cron has not.
        let six_fields = |mut e: CronError| {
            if seconds.is_some() {
                e.message.push_str(
                    "; 6 fields are read as second minute hour day-of-month month day-of-week (there is no year field)",
                );
            }
            e
        };
        Self::parse_fields(text, seconds, [*minute, *hour, *dom, *month, *dow]).map_err(six_fields)
    }

    fn parse_fields(
        text: &str,
        seconds: Option<(usize, &str)>,
        [minute, hour, dom, month, dow]: [(usize, &str); 5],
    ) -> Result<CronExpr, CronError> {
        let star_led = |field: &str| field.starts_with(['*', '?']);
        Ok(CronExpr {
            seconds: match seconds {
                Some((offset, field)) => SECOND.parse(offset, field)?,
                // The 5-field form fires at second 0.
                None => 1,
            },
            minutes: MINUTE.parse(minute.0, minute.1)?,
            // The casts keep exactly the bits each field's bounds allow.
            hours: HOUR.parse(hour.0, hour.1)? as u32,
            days_of_month: DAY_OF_MONTH.parse(dom.0, dom.1)? as u32,
            months: MONTH.parse(month.0, month.1)? as u16,
            days_of_week: {
                let mask = DAY_OF_WEEK.parse(dow.0, dow.1)?;
                ((mask | mask >> 7) & 0x7f) as u8
            },
            dom_star: star_led(dom.1),
            dow_star: star_led(dow.1),
            has_seconds: seconds.is_some(),
            text: text.trim().to_string(),
        })
    }

    /// Whether `dt` is a firing time: second, minute, hour and the day rule
    /// all match (the 5-field form fires at second 0). The sub-second part
    /// of `dt` is ignored.
    pub fn matches(&self, dt: DateTime) -> bool {
        has_bit(self.seconds, dt.second())
            && has_bit(self.minutes, dt.minute())
            && has_bit(u64::from(self.hours), dt.hour())
            && self.fires_on(dt.date())
    }

    /// The first firing time at or after `from`, or `None` if there is none
    /// within one 400-year calendar cycle (the expression can never fire) or
    /// before jiff's maximum date. A `from` with a sub-second part starts the search
    /// at the next whole second.
    pub fn next_at_or_after(&self, from: DateTime) -> Option<DateTime> {
        let mut date = from.date();
        // 86_400 is a valid start meaning "nothing left on this day".
        let mut start = u32::from(from.hour().unsigned_abs()) * 3600
            + u32::from(from.minute().unsigned_abs()) * 60
            + u32::from(from.second().unsigned_abs())
            + u32::from(from.subsec_nanosecond() != 0);
        let last = date
            .checked_add(jiff::Span::new().days(i64::from(SEARCH_DAYS)))
            .ok();
        while last.is_none_or(|last| date < last) {
            if !has_bit(u64::from(self.months), date.month()) {
                date = date.last_of_month().tomorrow().ok()?;
                start = 0;
                continue;
            }
            if self.fires_on(date)
                && let Some(time) = self.first_time_from(start)
            {
                return Some(date.to_datetime(time));
            }
            date = date.tomorrow().ok()?;
            start = 0;
        }
        None
    }

    /// The earliest matching time of day at or after `start` seconds past
    /// midnight, found through the bitsets rather than second by second.
    fn first_time_from(&self, start: u32) -> Option<Time> {
        let (h0, m0, s0) = (start / 3600, start / 60 % 60, start % 60);
        let mut hour = next_bit(u64::from(self.hours), h0);
        while let Some(h) = hour {
            let mut minute = next_bit(self.minutes, if h == h0 { m0 } else { 0 });
            while let Some(m) = minute {
                let from = if h == h0 && m == m0 { s0 } else { 0 };
                if let Some(s) = next_bit(self.seconds, from) {
                    let part = |v: u32| i8::try_from(v).ok();
                    return Time::new(part(h)?, part(m)?, part(s)?, 0).ok();
                }
                minute = next_bit(self.minutes, m.checked_add(1)?);
            }
            hour = next_bit(u64::from(self.hours), h.checked_add(1)?);
        }
        None
    }

    /// Whether the expression was written with 6 fields (leading seconds).
    pub fn has_seconds(&self) -> bool {
        self.has_seconds
    }

    /// Whether the day rule alone selects `date`: the month must match, and
    /// day-of-month and day-of-week are combined by Vixie's rule (either may
    /// match when both are restricted, otherwise both must match).
    pub fn fires_on(&self, date: Date) -> bool {
        let dom = has_bit(u64::from(self.days_of_month), date.day());
        let dow = has_bit(
            u64::from(self.days_of_week),
            date.weekday().to_sunday_zero_offset(),
        );
        let day = if self.dom_star || self.dow_star {
            dom && dow
        } else {
            dom || dow
        };
        has_bit(u64::from(self.months), date.month()) && day
    }

    /// A short English description, e.g. `at minute 0 past hours 9-17,
    /// Monday-Friday`.
    pub fn describe(&self) -> String {
        let time = self.describe_time();
        match self.describe_days() {
            Some(days) => format!("{time}, {days}"),
            None => time,
        }
    }

    fn describe_time(&self) -> String {
        let seconds = bits(self.seconds);
        let minutes = bits(self.minutes);
        let hours = bits(u64::from(self.hours));
        if let [second] = seconds.as_slice() {
            if minutes.len().saturating_mul(hours.len()) <= 4 {
                let times: Vec<String> = hours
                    .iter()
                    .flat_map(|h| minutes.iter().map(move |m| (h, m)))
                    .map(|(h, m)| {
                        if self.has_seconds {
                            format!("{h:02}:{m:02}:{second:02}")
                        } else {
                            format!("{h:02}:{m:02}")
                        }
                    })
                    .collect();
                return format!("at {}", join_english(times));
            }
        }
        let minutes_full = self.minutes == MINUTE.full_mask();
        let minute_cadence = cadence(self.minutes, &MINUTE);
        // A cadence such as "every 15 minutes" already implies every hour.
        let needs_hour = minute_cadence.is_none();
        let minute_phrase = minute_cadence
            .unwrap_or_else(|| format!("at {}", counted(&minutes, "minute", "minutes")));
        let mut text = if !self.has_seconds {
            minute_phrase
        } else {
            let second_phrase = cadence(self.seconds, &SECOND)
                .unwrap_or_else(|| format!("at {}", counted(&seconds, "second", "seconds")));
            if minutes_full && second_phrase.starts_with("every") {
                second_phrase
            } else if minutes_full {
                format!("{second_phrase} of every minute")
            } else {
                format!(
                    "{second_phrase} of {}",
                    counted(&minutes, "minute", "minutes")
                )
            }
        };
        if u64::from(self.hours) != HOUR.full_mask() {
            let joiner = if needs_hour { "past" } else { "during" };
            text = format!("{text} {joiner} {}", counted(&hours, "hour", "hours"));
        } else if needs_hour {
            text.push_str(" past every hour");
        }
        text
    }

    fn describe_days(&self) -> Option<String> {
        let dom_full = u64::from(self.days_of_month) == DAY_OF_MONTH.full_mask();
        let dow_full = u64::from(self.days_of_week) == DAY_OF_WEEK.full_mask();
        let or_rule = !self.dom_star && !self.dow_star;
        // Under the OR rule a side that allows every day lets every day through.
        let every_day = or_rule && (dom_full || dow_full);
        let months = (u64::from(self.months) != MONTH.full_mask())
            .then(|| named(bits(u64::from(self.months)), &MONTH));
        let mut month_said = false;
        let dom = (!dom_full && !every_day).then(|| {
            let days = counted(&bits(u64::from(self.days_of_month)), "day", "days");
            match &months {
                // Under OR the month also limits the weekdays, so it gets its own clause.
                Some(m) if !or_rule => {
                    month_said = true;
                    format!("on {days} of {m}")
                }
                _ => format!("on {days} of the month"),
            }
        });
        let dow = (!dow_full && !every_day).then(|| weekdays(u64::from(self.days_of_week)));
        let mut text = match (dom, dow) {
            (Some(d), Some(w)) if or_rule => format!("{d} or on {w}"),
            (Some(d), Some(w)) => format!("{d} when it is {w}"),
            (Some(d), None) => d,
            (None, Some(w)) => w,
            (None, None) => String::new(),
        };
        if let Some(m) = months.filter(|_| !month_said) {
            if !text.is_empty() {
                text.push_str(", ");
            }
            text.push_str("in ");
            text.push_str(&m);
        }
        (!text.is_empty()).then_some(text)
    }

    /// The expression as written, trimmed.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// `every N units` when the set is a `*/N` that divides the field evenly,
/// since only then does the cadence hold across the wrap.
fn cadence(mask: u64, field: &Field) -> Option<String> {
    if mask == field.full_mask() {
        return Some(format!("every {}", field.name));
    }
    let values = bits(mask);
    let (&first, &second) = (values.first()?, values.get(1)?);
    let step = second.checked_sub(first)?;
    let span = field.max.checked_sub(field.min)?.checked_add(1)?;
    let regular = values
        .windows(2)
        .all(|pair| matches!(pair, [a, b] if b.checked_sub(*a) == Some(step)));
    let covers = values.last()?.checked_add(step)? > field.max;
    (first == field.min && regular && covers && span % step == 0)
        .then(|| format!("every {step} {}s", field.name))
}

/// Consecutive values collapsed into inclusive runs.
fn runs(values: impl IntoIterator<Item = u32>) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for v in values {
        match out.last_mut() {
            Some((_, end)) if end.checked_add(1) == Some(v) => *end = v,
            _ => out.push((v, v)),
        }
    }
    out
}

fn counted(values: &[u32], singular: &str, plural: &str) -> String {
    let list: Vec<String> = runs(values.iter().copied())
        .into_iter()
        .map(|(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect();
    let unit = if values.len() == 1 { singular } else { plural };
    format!("{unit} {}", list.join(","))
}

/// Names joined in English, runs of three or more as `First-Last`.
fn named_runs(runs: Vec<(u32, u32)>, name: impl Fn(u32) -> String) -> String {
    let mut parts = Vec::new();
    for (a, b) in runs {
        if b.checked_sub(a).is_some_and(|len| len >= 2) {
            parts.push(format!("{}-{}", name(a), name(b)));
        } else {
            parts.extend((a..=b).map(&name));
        }
    }
    join_english(parts)
}

fn named(values: Vec<u32>, field: &Field) -> String {
    named_runs(runs(values), |v| {
        field.name_of(v).unwrap_or_default().to_string()
    })
}

/// Weekdays listed Monday first, so the weekend reads `Saturday and Sunday`.
fn weekdays(mask: u64) -> String {
    // Monday-first index i is Sunday-zero value (i + 1) % 7.
    let monday_first = (0..7u32).filter(|i| next_bit(mask, (i + 1) % 7) == Some((i + 1) % 7));
    named_runs(runs(monday_first), |i| {
        DAY_OF_WEEK
            .name_of((i + 1) % 7)
            .unwrap_or_default()
            .to_string()
    })
}

fn join_english(mut items: Vec<String>) -> String {
    match items.pop() {
        None => String::new(),
        Some(last) if items.is_empty() => last,
        Some(last) => format!("{} and {last}", items.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, datetime};

    fn expr(text: &str) -> CronExpr {
        match CronExpr::parse(text) {
            Ok(e) => e,
            Err(e) => panic!("{text:?} failed to parse: {e} at {}", e.offset),
        }
    }

    fn err(text: &str) -> CronError {
        match CronExpr::parse(text) {
            Ok(e) => panic!("{text:?} parsed unexpectedly: {e:?}"),
            Err(e) => e,
        }
    }

    fn mask(values: &[u32]) -> u64 {
        values.iter().fold(0, |m, &v| m | 1 << v)
    }

    fn next(text: &str, from: DateTime) -> Option<DateTime> {
        expr(text).next_at_or_after(from)
    }

    #[test]
    fn field_counts() {
        let e = err("* * * *");
        assert_eq!(e.offset, 0);
        assert_eq!(
            e.message,
            "expected 5 fields (minute hour day-of-month month day-of-week) or 6 with leading seconds, found 4"
        );
        assert!(err("* * * * * * *").message.ends_with("found 7"));
        assert!(err("").message.ends_with("found 0"));
        assert!(err("   ").message.ends_with("found 0"));
        assert!(!expr("* * * * *").has_seconds());
        assert!(expr("* * * * * *").has_seconds());
        assert_eq!(expr("0 * * * *").seconds, 1);
    }

    #[test]
    fn as_str_is_trimmed_and_whitespace_is_flexible() {
        let e = expr("  0\t9  * *\n1-5 ");
        assert_eq!(e.as_str(), "0\t9  * *\n1-5");
        assert_eq!(e.minutes, 1);
        assert_eq!(e.hours, 1 << 9);
        assert_eq!(expr(" @daily ").as_str(), "@daily");
    }

    #[test]
    fn single_values_and_stars() {
        let e = expr("5 4 3 2 1");
        assert_eq!(
            (
                e.minutes,
                e.hours,
                e.days_of_month,
                e.months,
                e.days_of_week
            ),
            (1 << 5, 1 << 4, 1 << 3, 1 << 2, 1 << 1)
        );
        let e = expr("* * * * *");
        assert_eq!(e.minutes, mask(&(0..60).collect::<Vec<_>>()));
        assert_eq!(u64::from(e.hours), mask(&(0..24).collect::<Vec<_>>()));
        assert_eq!(
            u64::from(e.days_of_month),
            mask(&(1..32).collect::<Vec<_>>())
        );
        assert_eq!(u64::from(e.months), mask(&(1..13).collect::<Vec<_>>()));
        assert_eq!(e.days_of_week, 0x7f);
        assert!(e.dom_star && e.dow_star);
        assert_eq!(expr("07 09 * * *").minutes, 1 << 7);
    }

    #[test]
    fn ranges_steps_and_lists() {
        assert_eq!(expr("10-13 * * * *").minutes, mask(&[10, 11, 12, 13]));
        assert_eq!(expr("*/15 * * * *").minutes, mask(&[0, 15, 30, 45]));
        assert_eq!(expr("10-30/10 * * * *").minutes, mask(&[10, 20, 30]));
        assert_eq!(expr("10-31/10 * * * *").minutes, mask(&[10, 20, 30]));
        assert_eq!(expr("50/4 * * * *").minutes, mask(&[50, 54, 58]));
        assert_eq!(
            expr("1,5,7-9,*/30 * * * *").minutes,
            mask(&[0, 1, 5, 7, 8, 9, 30])
        );
        assert_eq!(u64::from(expr("0 */6 * * *").hours), mask(&[0, 6, 12, 18]));
        assert_eq!(
            u64::from(expr("0 0 */10 * *").days_of_month),
            mask(&[1, 11, 21, 31])
        );
        assert_eq!(u64::from(expr("0 0 1 */3 *").months), mask(&[1, 4, 7, 10]));
        assert_eq!(
            u64::from(expr("0 0 * * 1/2").days_of_week),
            mask(&[1, 3, 5])
        );
        assert_eq!(
            u64::from(expr("0 0 * * */2").days_of_week),
            mask(&[0, 2, 4, 6])
        );
        assert_eq!(expr("5-5 * * * *").minutes, 1 << 5);
        assert_eq!(expr("*/59 * * * *").minutes, mask(&[0, 59]));
        assert_eq!(
            expr("*/10 * * * * *").seconds,
            mask(&[0, 10, 20, 30, 40, 50])
        );
    }

    #[test]
    fn names_are_case_insensitive_and_work_in_ranges() {
        assert_eq!(
            u64::from(expr("0 0 * jan,JUN,Dec *").months),
            mask(&[1, 6, 12])
        );
        assert_eq!(u64::from(expr("0 0 * mar-may *").months), mask(&[3, 4, 5]));
        assert_eq!(u64::from(expr("0 0 * feb-4 *").months), mask(&[2, 3, 4]));
        assert_eq!(
            u64::from(expr("0 0 * * mon-fri").days_of_week),
            mask(&[1, 2, 3, 4, 5])
        );
        assert_eq!(
            u64::from(expr("0 0 * * SAT,sun").days_of_week),
            mask(&[0, 6])
        );
        assert_eq!(u64::from(expr("0 0 * * Tuesday").days_of_week), mask(&[2]));
        assert_eq!(u64::from(expr("0 0 * september *").months), mask(&[9]));
        assert_eq!(u64::from(expr("0 0 * jan-dec/6 *").months), mask(&[1, 7]));
    }

    #[test]
    fn seven_is_sunday() {
        assert_eq!(expr("0 0 * * 7").days_of_week, 1);
        assert_eq!(expr("0 0 * * 0-7").days_of_week, 0x7f);
        assert_eq!(
            u64::from(expr("0 0 * * 5-7").days_of_week),
            mask(&[0, 5, 6])
        );
        assert_eq!(
            u64::from(expr("0 0 * * fri-sun").days_of_week),
            mask(&[0, 5, 6])
        );
        assert_eq!(expr("0 0 * * 7/3").days_of_week, 1);
        // 2024-06-09 is a Sunday.
        assert!(expr("0 0 * * 7").matches(datetime(2024, 6, 9, 0, 0, 0, 0)));
        assert!(!expr("0 0 * * 7").matches(datetime(2024, 6, 10, 0, 0, 0, 0)));
    }

    #[test]
    fn question_mark_is_a_star_in_day_fields() {
        let e = expr("0 0 ? * mon");
        assert!(e.dom_star);
        assert_eq!(e.days_of_month, expr("0 0 * * mon").days_of_month);
        assert!(expr("0 0 1 * ?").dow_star);
        let e = err("? * * * *");
        assert_eq!(e.offset, 0);
        assert_eq!(
            e.message,
            "minute: ? is only allowed in day-of-month and day-of-week"
        );
    }

    #[test]
    fn macros() {
        for (text, same_as) in [
            ("@yearly", "0 0 1 1 *"),
            ("@annually", "0 0 1 1 *"),
            ("@monthly", "0 0 1 * *"),
            ("@weekly", "0 0 * * 0"),
            ("@daily", "0 0 * * *"),
            ("@midnight", "0 0 * * *"),
            ("@hourly", "0 * * * *"),
            ("@Daily", "0 0 * * *"),
        ] {
            let mut e = expr(text);
            assert_eq!(e.as_str(), text);
            assert!(!e.has_seconds());
            e.text = same_as.to_string();
            assert_eq!(e, expr(same_as), "{text}");
        }
        let e = err("  @reboot");
        assert_eq!(e.offset, 2);
        assert!(
            e.message.contains("@reboot is not supported"),
            "{}",
            e.message
        );
        let e = err("@fortnightly");
        assert_eq!(e.offset, 0);
        assert!(
            e.message.starts_with("unknown macro \"@fortnightly\""),
            "{}",
            e.message
        );
        assert!(err("@daily 5").message.starts_with("unknown macro"));
    }

    #[test]
    fn out_of_range_values_name_the_field_and_point_at_the_item() {
        let cases = [
            ("0 25 * * *", 2, "hour 25 is out of range 0-23"),
            ("60 * * * *", 0, "minute 60 is out of range 0-59"),
            ("0 24 * * *", 2, "hour 24 is out of range 0-23"),
            ("0 0 0 * *", 4, "day-of-month 0 is out of range 1-31"),
            ("0 0 32 * *", 4, "day-of-month 32 is out of range 1-31"),
            ("0 0 * 13 *", 6, "month 13 is out of range 1-12"),
            ("0 0 * 0 *", 6, "month 0 is out of range 1-12"),
            ("0 0 * * 8", 8, "day-of-week 8 is out of range 0-7"),
            (
                "60 0 0 * * *",
                0,
                "second 60 is out of range 0-59; 6 fields are read as second minute hour day-of-month month day-of-week (there is no year field)",
            ),
            ("1,2,99 * * * *", 4, "minute 99 is out of range 0-59"),
            ("0 1-30 * * *", 2, "hour 30 is out of range 0-23"),
            (
                "0 99999999999999999999 * * *",
                2,
                "hour 99999999999999999999 is out of range 0-23",
            ),
        ];
        for (text, offset, message) in cases {
            assert_eq!(
                err(text),
                CronError {
                    offset,
                    message: message.to_string()
                },
                "{text}"
            );
        }
    }

    // Regression: `0 9 * * * 2026` (five fields and a year) said only that
    // day-of-week 2026 is out of range, not that six fields mean seconds.
    #[test]
    fn six_field_errors_say_the_first_field_is_seconds() {
        let e = err("0 9 * * * 2026");
        assert_eq!(e.offset, 10);
        assert_eq!(
            e.message,
            "day-of-week 2026 is out of range 0-7; 6 fields are read as second minute hour day-of-month month day-of-week (there is no year field)"
        );
        // Five fields need no such hint.
        assert_eq!(
            err("0 9 * * 2026").message,
            "day-of-week 2026 is out of range 0-7"
        );
    }

    #[test]
    fn malformed_items() {
        let cases = [
            ("0 0 * jun3 *", 6, "unknown month name \"jun3\""),
            ("0 0 * * fry", 8, "unknown day-of-week name \"fry\""),
            ("abc * * * *", 0, "invalid minute value \"abc\""),
            ("1x * * * *", 0, "invalid minute value \"1x\""),
            ("+5 * * * *", 0, "invalid minute value \"+5\""),
            ("0 0 * 1.5 *", 6, "invalid month value \"1.5\""),
            ("*/0 * * * *", 0, "minute: step must be at least 1"),
            ("0 0 * * */0", 8, "day-of-week: step must be at least 1"),
            ("*/60 * * * *", 0, "minute: step 60 is out of range 1-59"),
            ("*/x * * * *", 0, "minute: invalid step \"x\""),
            ("*/1/2 * * * *", 0, "minute: invalid step \"1/2\""),
            ("*/ * * * *", 0, "minute: missing step after \"/\""),
            ("/5 * * * *", 0, "minute: missing value before \"/\""),
            ("1,,2 * * * *", 2, "minute: empty item in list"),
            ("1, * * * *", 2, "minute: empty item in list"),
            (",1 * * * *", 0, "minute: empty item in list"),
            ("5- * * * *", 0, "minute: incomplete range \"5-\""),
            ("-5 * * * *", 0, "minute: incomplete range \"-5\""),
            ("1-2-3 * * * *", 0, "invalid minute value \"2-3\""),
            ("*-5 * * * *", 0, "invalid minute value \"*\""),
            ("0 0 * * mon,", 12, "day-of-week: empty item in list"),
            ("0 0 * mär *", 6, "unknown month name \"mär\""),
        ];
        for (text, offset, message) in cases {
            assert_eq!(
                err(text),
                CronError {
                    offset,
                    message: message.to_string()
                },
                "{text}"
            );
        }
    }

    #[test]
    fn reversed_ranges_suggest_the_wrapping_form() {
        let e = err("5-2 * * * *");
        assert_eq!(e.offset, 0);
        assert_eq!(
            e.message,
            "minute range 5-2 is reversed; write 5-59,0-2 for a range that wraps"
        );
        assert_eq!(
            err("0 22-2 * * *").message,
            "hour range 22-2 is reversed; write 22-23,0-2 for a range that wraps"
        );
        let e = err("0 0 * nov-feb *");
        assert_eq!(e.offset, 6);
        assert_eq!(
            e.message,
            "month range nov-feb is reversed; write nov-dec,jan-feb for a range that wraps"
        );
        assert_eq!(
            err("0 0 * * 1,fri-tue").message,
            "day-of-week range fri-tue is reversed; write fri-sat,sun-tue for a range that wraps"
        );
        assert_eq!(err("0 0 * * 1,fri-tue").offset, 10);
        assert_eq!(
            err("0 0 * * 5-2").message,
            "day-of-week range 5-2 is reversed; write 5-6,0-2 for a range that wraps"
        );
    }

    #[test]
    fn offsets_account_for_leading_whitespace_and_unicode_spaces() {
        assert_eq!(err("  0 25 * * *").offset, 4);
        // U+3000 is three bytes of whitespace.
        assert_eq!(err("0\u{3000}25 * * *").offset, 4);
        assert_eq!(err("0 0 1,2,40 * *").offset, 8);
    }

    #[test]
    fn error_display_is_the_message() {
        let e = err("0 25 * * *");
        assert_eq!(e.to_string(), e.message);
        let boxed: Box<dyn std::error::Error> = Box::new(e);
        assert!(boxed.to_string().contains("hour"));
    }

    #[test]
    fn vixie_day_rule() {
        // June 2024: the 7th, 14th, 21st and 28th are Fridays.
        let or = expr("0 0 13 * fri");
        let dom_only = expr("0 0 13 * *");
        let dow_only = expr("0 0 * * fri");
        let and = expr("0 0 */2 * fri");
        for day in 1..=30 {
            let d = date(2024, 6, day);
            let friday = [7, 14, 21, 28].contains(&day);
            assert_eq!(or.fires_on(d), day == 13 || friday, "or {d}");
            assert_eq!(dom_only.fires_on(d), day == 13, "dom {d}");
            assert_eq!(dow_only.fires_on(d), friday, "dow {d}");
            assert_eq!(and.fires_on(d), friday && day % 2 == 1, "and {d}");
        }
        // `?` leads the field, so the AND rule applies as with `*`.
        assert!(!expr("0 0 ? * fri").fires_on(date(2024, 6, 13)));
        // Both restricted without a leading star: either may match.
        let first_week_or_monday = expr("0 0 1-7 * mon");
        assert!(first_week_or_monday.fires_on(date(2024, 6, 3)));
        assert!(first_week_or_monday.fires_on(date(2024, 6, 5)));
        assert!(first_week_or_monday.fires_on(date(2024, 6, 24)));
        assert!(!first_week_or_monday.fires_on(date(2024, 6, 25)));
        // The month always has to match.
        assert!(!expr("0 0 13 jul fri").fires_on(date(2024, 6, 13)));
        assert!(expr("0 0 13 jul fri").fires_on(date(2024, 7, 5)));
    }

    #[test]
    fn matches_checks_every_field() {
        let e = expr("30 9 * * mon-fri");
        assert!(e.matches(datetime(2024, 6, 3, 9, 30, 0, 0)));
        assert!(e.matches(datetime(2024, 6, 3, 9, 30, 0, 999_999_999)));
        assert!(!e.matches(datetime(2024, 6, 3, 9, 30, 1, 0)));
        assert!(!e.matches(datetime(2024, 6, 3, 9, 31, 0, 0)));
        assert!(!e.matches(datetime(2024, 6, 3, 10, 30, 0, 0)));
        assert!(!e.matches(datetime(2024, 6, 2, 9, 30, 0, 0)));
        let s = expr("15 30 9 * * *");
        assert!(s.matches(datetime(2024, 6, 2, 9, 30, 15, 0)));
        assert!(!s.matches(datetime(2024, 6, 2, 9, 30, 0, 0)));
    }

    #[test]
    fn next_is_inclusive_at_an_exact_match() {
        let at = datetime(2024, 6, 3, 9, 30, 0, 0);
        assert_eq!(next("30 9 * * *", at), Some(at));
        assert_eq!(next("* * * * *", at), Some(at));
    }

    #[test]
    fn next_rolls_over_boundaries() {
        // Minute.
        assert_eq!(
            next("*/15 * * * *", datetime(2024, 6, 3, 9, 31, 0, 0)),
            Some(datetime(2024, 6, 3, 9, 45, 0, 0))
        );
        // Hour.
        assert_eq!(
            next("10 * * * *", datetime(2024, 6, 3, 9, 11, 0, 0)),
            Some(datetime(2024, 6, 3, 10, 10, 0, 0))
        );
        // Day.
        assert_eq!(
            next("30 8 * * *", datetime(2024, 6, 3, 8, 30, 1, 0)),
            Some(datetime(2024, 6, 4, 8, 30, 0, 0))
        );
        // Month.
        assert_eq!(
            next("0 0 1 * *", datetime(2024, 1, 31, 12, 0, 0, 0)),
            Some(datetime(2024, 2, 1, 0, 0, 0, 0))
        );
        assert_eq!(
            next("0 12 31 * *", datetime(2024, 4, 1, 0, 0, 0, 0)),
            Some(datetime(2024, 5, 31, 12, 0, 0, 0))
        );
        // Year.
        assert_eq!(
            next("59 23 31 12 *", datetime(2024, 12, 31, 23, 59, 1, 0)),
            Some(datetime(2025, 12, 31, 23, 59, 0, 0))
        );
        assert_eq!(
            next("0 0 * * *", datetime(2024, 12, 31, 23, 59, 59, 0)),
            Some(datetime(2025, 1, 1, 0, 0, 0, 0))
        );
        // Later hour on the same day, earliest minute in it.
        assert_eq!(
            next("5,50 9,17 * * *", datetime(2024, 6, 3, 9, 51, 0, 0)),
            Some(datetime(2024, 6, 3, 17, 5, 0, 0))
        );
        // Weekday skipping over a weekend.
        assert_eq!(
            next("0 9 * * mon-fri", datetime(2024, 6, 7, 9, 0, 1, 0)),
            Some(datetime(2024, 6, 10, 9, 0, 0, 0))
        );
    }

    #[test]
    fn subsecond_start_rounds_up() {
        assert_eq!(
            next("* * * * * *", datetime(2024, 6, 3, 9, 30, 0, 1)),
            Some(datetime(2024, 6, 3, 9, 30, 1, 0))
        );
        assert_eq!(
            next("30 9 * * *", datetime(2024, 6, 3, 9, 30, 0, 1)),
            Some(datetime(2024, 6, 4, 9, 30, 0, 0))
        );
        assert_eq!(
            next("0 0 * * *", datetime(2024, 6, 3, 23, 59, 59, 500_000_000)),
            Some(datetime(2024, 6, 4, 0, 0, 0, 0))
        );
    }

    #[test]
    fn leap_day_across_2100() {
        let e = expr("0 0 29 2 *");
        assert_eq!(
            e.next_at_or_after(datetime(2096, 2, 29, 0, 0, 1, 0)),
            Some(datetime(2104, 2, 29, 0, 0, 0, 0))
        );
        assert_eq!(
            e.next_at_or_after(datetime(2024, 3, 1, 0, 0, 0, 0)),
            Some(datetime(2028, 2, 29, 0, 0, 0, 0))
        );
        assert_eq!(
            next("59 23 29 feb *", datetime(2096, 2, 29, 23, 59, 1, 0)),
            Some(datetime(2104, 2, 29, 23, 59, 0, 0))
        );
    }

    #[test]
    fn never_firing_expressions_return_none() {
        let from = datetime(2024, 1, 1, 0, 0, 0, 0);
        for text in ["0 0 30 2 *", "0 0 31 4 *", "0 0 31 feb,apr,jun,sep,nov *"] {
            assert_eq!(next(text, from), None, "{text}");
        }
        // A weekday rescues an impossible date under the OR rule.
        assert_eq!(
            next("0 0 30 2 mon", from),
            Some(datetime(2024, 2, 5, 0, 0, 0, 0))
        );
    }

    #[test]
    fn six_field_seconds() {
        assert_eq!(
            next("*/20 * * * * *", datetime(2024, 6, 3, 9, 30, 41, 0)),
            Some(datetime(2024, 6, 3, 9, 31, 0, 0))
        );
        assert_eq!(
            next("15,45 30 9 * * *", datetime(2024, 6, 3, 9, 30, 16, 0)),
            Some(datetime(2024, 6, 3, 9, 30, 45, 0))
        );
        assert_eq!(
            next("15 30 9 * * *", datetime(2024, 6, 3, 9, 30, 16, 0)),
            Some(datetime(2024, 6, 4, 9, 30, 15, 0))
        );
        assert_eq!(
            next("59 59 23 31 12 *", datetime(2024, 12, 31, 23, 59, 59, 0)),
            Some(datetime(2024, 12, 31, 23, 59, 59, 0))
        );
    }

    #[test]
    fn end_of_time_returns_none_instead_of_overflowing() {
        let last = datetime(9999, 12, 31, 23, 59, 59, 0);
        assert_eq!(next("* * * * * *", last), Some(last));
        assert_eq!(
            next("* * * * * *", datetime(9999, 12, 31, 23, 59, 59, 1)),
            None
        );
        assert_eq!(next("0 0 * * *", datetime(9999, 12, 31, 0, 0, 1, 0)), None);
        assert_eq!(next("0 0 1 1 *", datetime(9999, 6, 1, 0, 0, 0, 0)), None);
        assert_eq!(next("0 0 29 2 *", datetime(9999, 1, 1, 0, 0, 0, 0)), None);
        assert_eq!(
            next("0 0 * * *", datetime(-9999, 1, 1, 0, 0, 0, 0)),
            Some(datetime(-9999, 1, 1, 0, 0, 0, 0))
        );
    }

    /// Naive reference: step through whole minutes (or seconds) and ask `matches`.
    fn naive(e: &CronExpr, from: DateTime, limit: DateTime) -> Option<DateTime> {
        let step = if e.has_seconds() {
            jiff::Span::new().seconds(1)
        } else {
            jiff::Span::new().minutes(1)
        };
        let mut t = from;
        while t <= limit {
            if e.matches(t) {
                return Some(t);
            }
            t = t.checked_add(step).expect("in range");
        }
        None
    }

    #[test]
    fn agrees_with_a_naive_scan() {
        let minute_exprs = [
            "*/7 * * * *",
            "0 9-17 * * mon-fri",
            "30 2 13 * fri",
            "15,45 */3 */2 * *",
            "0 0 * * sun",
            "5 4 1-7 * 1",
            "59 23 31 * *",
            "0 12 * jan,mar,may,dec *",
            "*/20 8 ? * 7",
            "1-5,58 22-23 28-31 * *",
            "@hourly",
        ];
        let starts = [
            datetime(2024, 2, 27, 22, 13, 0, 0),
            datetime(2023, 12, 30, 23, 59, 0, 0),
            datetime(2024, 5, 31, 0, 0, 0, 0),
            datetime(2025, 3, 9, 1, 30, 0, 0),
            datetime(2100, 2, 27, 7, 59, 0, 0),
        ];
        let window = jiff::Span::new().days(4);
        for text in minute_exprs {
            let e = expr(text);
            for from in starts {
                let limit = from.checked_add(window).expect("in range");
                let got = e.next_at_or_after(from);
                match naive(&e, from, limit) {
                    Some(want) => assert_eq!(got, Some(want), "{text} from {from}"),
                    None => assert!(got.is_none_or(|g| g > limit), "{text} from {from}"),
                }
            }
        }
        let second_exprs = ["*/13 */7 * * * *", "59 59 * * * *", "10-12 0 0,1 * * *"];
        let window = jiff::Span::new().hours(3);
        for text in second_exprs {
            let e = expr(text);
            for from in starts {
                let limit = from.checked_add(window).expect("in range");
                let got = e.next_at_or_after(from);
                match naive(&e, from, limit) {
                    Some(want) => assert_eq!(got, Some(want), "{text} from {from}"),
                    None => assert!(got.is_none_or(|g| g > limit), "{text} from {from}"),
                }
            }
        }
    }

    #[test]
    fn describe_reads_naturally() {
        let cases = [
            (
                "0 9-17 * * 1-5",
                "at minute 0 past hours 9-17, Monday-Friday",
            ),
            ("* * * * *", "every minute"),
            ("*/15 * * * *", "every 15 minutes"),
            ("*/15 9-17 * * *", "every 15 minutes during hours 9-17"),
            ("0 * * * *", "at minute 0 past every hour"),
            ("0,30 * * * *", "every 30 minutes"),
            ("5,35 * * * *", "at minutes 5,35 past every hour"),
            ("30 9 * * *", "at 09:30"),
            ("0 9,18 * * *", "at 09:00 and 18:00"),
            (
                "0 8,12,18 * * sat,sun",
                "at 08:00, 12:00 and 18:00, Saturday and Sunday",
            ),
            (
                "0 9 * * mon,wed,fri",
                "at 09:00, Monday, Wednesday and Friday",
            ),
            ("@daily", "at 00:00"),
            ("@weekly", "at 00:00, Sunday"),
            ("@yearly", "at 00:00, on day 1 of January"),
            ("@monthly", "at 00:00, on day 1 of the month"),
            (
                "0 0 13 * fri",
                "at 00:00, on day 13 of the month or on Friday",
            ),
            (
                "0 0 13 mar fri",
                "at 00:00, on day 13 of the month or on Friday, in March",
            ),
            (
                "0 0 */2 * fri",
                "at 00:00, on days 1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31 of the month when it is Friday",
            ),
            ("0 0 1,15 * *", "at 00:00, on days 1,15 of the month"),
            ("0 0 * jun-aug *", "at 00:00, in June-August"),
            ("0 0 13 * 0-7", "at 00:00"),
            ("* * * * * *", "every second"),
            ("*/10 * * * * *", "every 10 seconds"),
            ("30 * * * * *", "at second 30 of every minute"),
            ("0 0 9 * * *", "at 09:00:00"),
            ("*/5 0 9 * * *", "every 5 seconds of minute 0 past hour 9"),
            (
                "30 0,10 * * * *",
                "at second 30 of minutes 0,10 past every hour",
            ),
            ("30 * 9 * * *", "at second 30 of every minute during hour 9"),
            ("* 0 9 * * *", "every second of minute 0 past hour 9"),
        ];
        for (text, want) in cases {
            assert_eq!(expr(text).describe(), want, "{text}");
        }
    }
}
