//! The cramp diary's vocabulary and its rules: what an episode's details
//! are ([`Episode`]) and their JSON form in the `data` column, which night
//! an instant belongs to ([`night_of`], [`last_night`]), and the entries
//! ([`DiaryEntry`]) and nights ([`Night`]) that status, the report and the
//! morning check-in read.
//!
//! Pure: no clock, no store. The store keeps diary entries as events
//! (`cramp`, `no_cramps`) and returns those not taken back by an `undone`;
//! [`crate::command`] turns what the user typed into them.

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::event::{Event, Kind};

/// The time of day at which one night's diary ends and the next one's
/// begins. A night is named by the date of its evening, so an episode at
/// 03:00 on the 27th belongs to the night of the 26th. Noon, because no
/// night's sleep runs past it, while the morning after — waking with a
/// cramp at 07:00, a calf still tender at 10:00, the check-in at 08:30 —
/// belongs to the night before; an episode in the afternoon (on a walk, at
/// exercise) belongs to the evening ahead, the night that follows the
/// same day's habits.
pub const NIGHT_ENDS: Time = Time::constant(12, 0, 0, 0);

/// The night an episode at `at` belongs to, in zone `tz`: see [`NIGHT_ENDS`].
pub fn night_of(at: Timestamp, tz: &TimeZone) -> Date {
    let local = tz.to_datetime(at);
    if local.time() < NIGHT_ENDS {
        // Only the first day jiff can represent has no yesterday.
        local.date().yesterday().unwrap_or(local.date())
    } else {
        local.date()
    }
}

/// "Last night" at `now`: the night that began yesterday evening, the one
/// the morning check-in asks about and `habitd status` shows, all day
/// long. (Before noon it is [`night_of`]`(now)`; after noon the night
/// ahead is tonight, not last night.)
pub fn last_night(now: Timestamp, tz: &TimeZone) -> Date {
    let today = tz.to_datetime(now).date();
    today.yesterday().unwrap_or(today)
}

/// The longest episode habitd records, in minutes. Episodes average about 9
/// minutes; the limit catches a slip of the keyboard (`--minutes 100000`).
pub const MAX_MINUTES: u32 = 120;

/// The longest note, in bytes of UTF-8: a few sentences. Text past it is a
/// paste gone wrong, and would fill the log and the report.
pub const MAX_NOTE: usize = 1000;

/// A choice among a few fixed words, stored and typed the same way.
pub trait Choice: Copy + Eq + 'static {
    /// Every choice, in the order they are listed in messages.
    const ALL: &'static [Self];

    /// Its word, as typed, stored in JSON and shown.
    fn as_str(self) -> &'static str;

    /// The choice with this word.
    fn parse(word: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == word)
    }

    /// Every word, for a message: `left, right or both`.
    fn listed() -> String {
        let words: Vec<&str> = Self::ALL.iter().map(|c| c.as_str()).collect();
        match words.split_last() {
            Some((last, [])) => last.to_string(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        }
    }
}

/// Which leg.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Leg {
    /// The left leg.
    Left,
    /// The right leg.
    Right,
    /// Both legs.
    Both,
}

impl Choice for Leg {
    const ALL: &'static [Leg] = &[Leg::Left, Leg::Right, Leg::Both];

    fn as_str(self) -> &'static str {
        match self {
            Leg::Left => "left",
            Leg::Right => "right",
            Leg::Both => "both",
        }
    }
}

/// Which muscle cramped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Muscle {
    /// The calf (the most common).
    Calf,
    /// The back of the thigh.
    Hamstring,
    /// The front of the thigh.
    Quadriceps,
    /// The foot.
    Foot,
}

impl Choice for Muscle {
    const ALL: &'static [Muscle] = &[
        Muscle::Calf,
        Muscle::Hamstring,
        Muscle::Quadriceps,
        Muscle::Foot,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Muscle::Calf => "calf",
            Muscle::Hamstring => "hamstring",
            Muscle::Quadriceps => "quadriceps",
            Muscle::Foot => "foot",
        }
    }
}

/// What the user was doing when it came. Walking matters most: cramps that
/// come while walking and ease with rest are a reason to see a doctor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activity {
    /// Asleep, or lying in bed.
    Sleep,
    /// Walking.
    Walking,
    /// Exercise or sport.
    Exercise,
    /// Resting, awake (sitting, lying).
    Rest,
}

impl Choice for Activity {
    const ALL: &'static [Activity] = &[
        Activity::Sleep,
        Activity::Walking,
        Activity::Exercise,
        Activity::Rest,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Activity::Sleep => "sleep",
            Activity::Walking => "walking",
            Activity::Exercise => "exercise",
            Activity::Rest => "rest",
        }
    }
}

impl Activity {
    /// As it reads after a cramp: `during sleep`, `while walking`.
    pub fn phrase(self) -> &'static str {
        match self {
            Activity::Sleep => "during sleep",
            Activity::Walking => "while walking",
            Activity::Exercise => "during exercise",
            Activity::Rest => "at rest",
        }
    }
}

/// An episode's details, each optional: what the user did not say stays
/// unknown (no default duration: the source's "about 9 minutes" is an
/// average, not a measurement). Stored as JSON in the event's `data`, with
/// only the details given: `{"leg":"left","muscle":"calf","minutes":5}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Episode {
    /// Which leg.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leg: Option<Leg>,
    /// Which muscle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub muscle: Option<Muscle>,
    /// How long it lasted, 1 to [`MAX_MINUTES`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes: Option<u32>,
    /// What the user was doing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Activity>,
    /// Whether the leg was swollen (with skin changes or bulging veins, a
    /// reason to see a doctor). `false` means not noted.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub swelling: bool,
    /// Free text, up to [`MAX_NOTE`] bytes, kept as typed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Episode {
    /// The JSON text for the event's `data`.
    pub fn to_json(&self) -> String {
        // Plain fields, enums of unit variants and a string: nothing here
        // can fail to serialise.
        serde_json::to_string(self).expect("an episode always serialises")
    }

    /// The episode in `data`, or what is wrong with it (for a row edited by
    /// hand): not JSON, an unknown key or word, a duration or note out of
    /// range. `None` (no details recorded) is an episode with none known.
    pub fn from_json(data: Option<&str>) -> Result<Episode, String> {
        let Some(data) = data else {
            return Ok(Episode::default());
        };
        // serde would also take an array for the struct, by position.
        if !data.trim_start().starts_with('{') {
            return Err("invalid cramp details: expected a JSON object".to_string());
        }
        let episode: Episode =
            serde_json::from_str(data).map_err(|e| format!("invalid cramp details: {e}"))?;
        if let Some(minutes) = episode.minutes
            && !(1..=MAX_MINUTES).contains(&minutes)
        {
            return Err(format!(
                "invalid cramp details: {minutes} minutes is out of range 1-{MAX_MINUTES}"
            ));
        }
        if let Some(note) = &episode.note
            && note.len() > MAX_NOTE
        {
            return Err(format!(
                "invalid cramp details: a note of {} bytes is longer than {MAX_NOTE}",
                note.len()
            ));
        }
        Ok(episode)
    }

    /// The details in words, the note left out (callers show it escaped,
    /// or quoted): `left calf, 5 min, during sleep, swelling`; empty when
    /// nothing is known.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        let place = [
            self.leg.map(Choice::as_str),
            self.muscle.map(Choice::as_str),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        if !place.is_empty() {
            parts.push(place);
        }
        if let Some(minutes) = self.minutes {
            parts.push(format!("{minutes} min"));
        }
        if let Some(when) = self.when {
            parts.push(when.phrase().to_string());
        }
        if self.swelling {
            parts.push("swelling".to_string());
        }
        parts.join(", ")
    }
}

/// What a diary entry says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    /// A cramp, with what is known of it.
    Cramp(Episode),
    /// The night passed without cramps.
    NoCramps,
}

/// One entry of the diary, as recorded and not taken back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiaryEntry {
    /// The event's id (what `undo` names).
    pub id: i64,
    /// For a cramp, when it came; for a quiet night, when that was said.
    pub at: Timestamp,
    /// The night it is about.
    pub night: Date,
    /// What it says.
    pub record: Record,
}

impl DiaryEntry {
    /// The entry `event` is, `None` for events of other kinds, or what is
    /// wrong with its details. Never panics.
    pub fn from_event(event: &Event) -> Result<Option<DiaryEntry>, String> {
        let record = match event.kind {
            Kind::Cramp => Record::Cramp(Episode::from_json(event.data.as_deref())?),
            Kind::NoCramps => Record::NoCramps,
            _ => return Ok(None),
        };
        Ok(Some(DiaryEntry {
            id: event.id,
            at: event.at,
            night: event.date,
            record,
        }))
    }

    /// The episode, for a cramp.
    pub fn episode(&self) -> Option<&Episode> {
        match &self.record {
            Record::Cramp(episode) => Some(episode),
            Record::NoCramps => None,
        }
    }
}

/// What the diary says about one night.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Night<'e> {
    /// Nothing recorded.
    Missing,
    /// Recorded as a night without cramps.
    Quiet(&'e DiaryEntry),
    /// One or more cramps, in the order they came.
    Cramps(Vec<&'e DiaryEntry>),
}

impl<'e> Night<'e> {
    /// What `entries` say about `night`. Cramps win over a quiet night
    /// should both be there (habitd records a cramp in place of a quiet
    /// night, but a hand edit or an import may hold both): an episode
    /// written down is the stronger word.
    pub fn of(entries: &'e [DiaryEntry], night: Date) -> Night<'e> {
        let mut cramps: Vec<&DiaryEntry> = entries
            .iter()
            .filter(|e| e.night == night && e.episode().is_some())
            .collect();
        if !cramps.is_empty() {
            cramps.sort_by_key(|e| (e.at, e.id));
            return Night::Cramps(cramps);
        }
        entries
            .iter()
            .find(|e| e.night == night && e.record == Record::NoCramps)
            .map_or(Night::Missing, Night::Quiet)
    }

    /// Whether the night is recorded either way.
    pub fn is_recorded(&self) -> bool {
        !matches!(self, Night::Missing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{NewEvent, Source};

    fn berlin() -> TimeZone {
        TimeZone::get("Europe/Berlin").unwrap()
    }

    fn at(local: &str) -> Timestamp {
        local
            .replacen(' ', "T", 1)
            .parse::<jiff::civil::DateTime>()
            .unwrap()
            .to_zoned_datetime(berlin())
            .unwrap()
            .timestamp()
    }

    fn date(text: &str) -> Date {
        text.parse().unwrap()
    }

    #[test]
    fn a_night_is_named_by_its_evening_and_ends_at_noon() {
        let tz = berlin();
        for (local, night) in [
            ("2026-11-26 22:00", "2026-11-26"),
            ("2026-11-26 23:59", "2026-11-26"),
            ("2026-11-27 00:00", "2026-11-26"),
            ("2026-11-27 03:00", "2026-11-26"),
            ("2026-11-27 11:59", "2026-11-26"),
            ("2026-11-27 12:00", "2026-11-27"),
            ("2026-11-27 15:00", "2026-11-27"),
            // Across a month, a year and a DST change (Berlin, 2026-03-29).
            ("2026-12-01 02:00", "2026-11-30"),
            ("2027-01-01 04:00", "2026-12-31"),
            ("2026-03-29 03:30", "2026-03-28"),
        ] {
            assert_eq!(night_of(at(local), &tz), date(night), "{local}");
        }
    }

    #[test]
    fn last_night_is_yesterdays_all_day() {
        let tz = berlin();
        for local in ["2026-11-27 00:30", "2026-11-27 08:30", "2026-11-27 20:00"] {
            assert_eq!(last_night(at(local), &tz), date("2026-11-26"), "{local}");
        }
        // In the morning it is the night an episode now belongs to.
        let morning = at("2026-11-27 08:30");
        assert_eq!(last_night(morning, &tz), night_of(morning, &tz));
    }

    #[test]
    fn details_round_trip_through_json_with_only_what_is_known() {
        assert_eq!(Episode::default().to_json(), "{}");
        let full = Episode {
            leg: Some(Leg::Left),
            muscle: Some(Muscle::Quadriceps),
            minutes: Some(9),
            when: Some(Activity::Walking),
            swelling: true,
            note: Some("woke me\n\"twice\"".to_string()),
        };
        assert_eq!(
            full.to_json(),
            r#"{"leg":"left","muscle":"quadriceps","minutes":9,"when":"walking","swelling":true,"note":"woke me\n\"twice\""}"#
        );
        assert_eq!(Episode::from_json(Some(&full.to_json())), Ok(full));
        assert_eq!(Episode::from_json(None), Ok(Episode::default()));
        assert_eq!(Episode::from_json(Some("{}")), Ok(Episode::default()));
    }

    #[test]
    fn the_words_are_the_json_words() {
        fn check<T: Choice + Serialize + std::fmt::Debug>() {
            for &choice in T::ALL {
                assert_eq!(
                    serde_json::to_string(&choice).unwrap(),
                    format!("{:?}", choice.as_str())
                );
                assert_eq!(T::parse(choice.as_str()), Some(choice));
            }
        }
        check::<Leg>();
        check::<Muscle>();
        check::<Activity>();
        assert_eq!(Leg::parse("up"), None);
        assert_eq!(Leg::listed(), "left, right or both");
    }

    #[test]
    fn bad_details_are_errors_not_panics() {
        for bad in [
            "",
            "not json",
            "[]",
            "null",
            "{\"leg\":\"up\"}",
            "{\"leg\":1}",
            "{\"legs\":\"left\"}",
            "{\"minutes\":0}",
            "{\"minutes\":-5}",
            "{\"minutes\":121}",
            "{\"minutes\":1e99}",
            "{\"swelling\":\"yes\"}",
        ] {
            let error = Episode::from_json(Some(bad)).unwrap_err();
            assert!(
                error.starts_with("invalid cramp details: "),
                "{bad}: {error}"
            );
        }
        let long = format!("{{\"note\":\"{}\"}}", "a".repeat(MAX_NOTE + 1));
        assert!(Episode::from_json(Some(&long)).is_err());
        let longest = format!("{{\"note\":\"{}\"}}", "a".repeat(MAX_NOTE));
        assert!(Episode::from_json(Some(&longest)).is_ok());
    }

    #[test]
    fn summaries_say_what_is_known() {
        assert_eq!(Episode::default().summary(), "");
        let some = Episode {
            muscle: Some(Muscle::Calf),
            minutes: Some(5),
            ..Episode::default()
        };
        assert_eq!(some.summary(), "calf, 5 min");
        let all = Episode {
            leg: Some(Leg::Both),
            when: Some(Activity::Sleep),
            swelling: true,
            note: Some("x".into()),
            ..some
        };
        assert_eq!(all.summary(), "both calf, 5 min, during sleep, swelling");
    }

    fn event(id: i64, kind: Kind, night: &str, data: Option<&str>) -> Event {
        Event {
            id,
            event: NewEvent {
                data: data.map(str::to_string),
                ..NewEvent::new(at("2026-11-27 03:00"), date(night), None, kind, Source::Cli)
            },
            origin: None,
        }
    }

    #[test]
    fn entries_come_from_diary_events_only() {
        let cramp = event(4, Kind::Cramp, "2026-11-26", Some(r#"{"minutes":3}"#));
        let entry = DiaryEntry::from_event(&cramp).unwrap().unwrap();
        assert_eq!(entry.night, date("2026-11-26"));
        assert_eq!(entry.episode().unwrap().minutes, Some(3));
        let quiet = event(5, Kind::NoCramps, "2026-11-25", None);
        assert_eq!(
            DiaryEntry::from_event(&quiet).unwrap().unwrap().record,
            Record::NoCramps
        );
        let done = event(6, Kind::Done, "2026-11-26", None);
        assert_eq!(DiaryEntry::from_event(&done), Ok(None));
        let bad = event(7, Kind::Cramp, "2026-11-26", Some("{\"leg\":\"up\"}"));
        assert!(DiaryEntry::from_event(&bad).is_err());
    }

    #[test]
    fn a_night_is_missing_quiet_or_has_cramps() {
        let entries: Vec<DiaryEntry> = [
            event(1, Kind::NoCramps, "2026-11-24", None),
            event(2, Kind::Cramp, "2026-11-25", None),
            event(3, Kind::Cramp, "2026-11-25", Some("{}")),
            event(4, Kind::NoCramps, "2026-11-26", None),
            event(5, Kind::Cramp, "2026-11-26", None),
        ]
        .iter()
        .map(|e| DiaryEntry::from_event(e).unwrap().unwrap())
        .collect();
        assert_eq!(
            Night::of(&entries, date("2026-11-24")),
            Night::Quiet(&entries[0])
        );
        assert_eq!(
            Night::of(&entries, date("2026-11-25")),
            Night::Cramps(vec![&entries[1], &entries[2]])
        );
        assert_eq!(
            Night::of(&entries, date("2026-11-26")),
            Night::Cramps(vec![&entries[4]])
        );
        assert_eq!(Night::of(&entries, date("2026-11-23")), Night::Missing);
        assert!(!Night::Missing.is_recorded());
    }
}
