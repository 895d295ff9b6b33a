//! Weekday and month names in English: the one place they are written, and
//! the one rule for reading them back (the whole name or its first three
//! letters, in any case).
//!
//! Config days, cron fields, schedule descriptions and the heatmap's labels
//! all derive from these lists. Pure data and lookups; no formatting beyond
//! the names themselves.

use jiff::civil::Weekday;

/// Weekday names, Monday first as in ISO weeks and jiff.
pub const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Month names, January first.
pub const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The name of `day`, `Monday` to `Sunday`.
pub fn weekday_name(day: Weekday) -> &'static str {
    // The offset is 0..=6, so the index is always in bounds.
    WEEKDAYS[usize::from(day.to_monday_zero_offset().unsigned_abs())]
}

/// A name's three-letter abbreviation: `Mon`, `Jan`.
pub fn abbreviation(name: &str) -> &str {
    name.get(..3).unwrap_or(name)
}

/// Whether `token` is `name` or its abbreviation, ignoring ASCII case.
pub fn is_name(token: &str, name: &str) -> bool {
    name.eq_ignore_ascii_case(token) || abbreviation(name).eq_ignore_ascii_case(token)
}

/// The weekday `token` names (`mon`, `Monday`, `SUN`), if any.
pub fn parse_weekday(token: &str) -> Option<Weekday> {
    (0i8..)
        .zip(WEEKDAYS)
        .find(|&(_, name)| is_name(token, name))
        .map(|(offset, _)| Weekday::Monday.wrapping_add(offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekday_names_follow_jiff_order() {
        for (offset, name) in (0i8..).zip(WEEKDAYS) {
            let day = Weekday::from_monday_zero_offset(offset).unwrap();
            assert_eq!(weekday_name(day), name);
            assert_eq!(parse_weekday(name), Some(day));
        }
        assert_eq!(abbreviation(MONTHS[8]), "Sep");
        assert_eq!(abbreviation(MONTHS[4]), "May");
    }

    #[test]
    fn weekdays_parse_whole_or_abbreviated_in_any_case() {
        for token in ["mon", "MON", "Monday", "mOnDaY"] {
            assert_eq!(parse_weekday(token), Some(Weekday::Monday), "{token}");
        }
        assert_eq!(parse_weekday("sun"), Some(Weekday::Sunday));
        for token in ["", "m", "mo", "mond", "monday ", "funday"] {
            assert_eq!(parse_weekday(token), None, "{token:?}");
        }
    }
}
