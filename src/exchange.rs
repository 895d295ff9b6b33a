//! Carrying history between habitd and Loop Habit Tracker: which Loop habit
//! is which habit here, what an import records, and what an export holds.
//! Pure: a backup, the config and day totals in; events or a backup out.
//! The file format is [`crate::loop_backup`]'s, the history the store's.
//!
//! The rules, decided here once:
//! - A Loop habit goes to the habit a `--map` names; else to the habit whose
//!   Loop identity it carries (an export from here gave it one, and Loop
//!   keeps it across renames); else to the habit whose id, or else whose
//!   title, is its name, ignoring case. One with no days needs no habit.
//! - A yes/no day done becomes a `done` of the habit's whole goal, so the
//!   day counts as met here as it did in Loop; a skipped day becomes a
//!   `skipped` (a rest day, which holds a streak as Loop's skip does). A
//!   numerical day becomes a `done` of its amount, to the nearest whole.
//! - An imported event says where it came from in its data,
//!   `{"loop": "<Loop habit's uuid>/<date>"}` (its name before Loop had
//!   uuids); the store records an event only if no event of that day says
//!   the same ([`ORIGIN_KEY`]), so importing a file twice adds nothing.
//! - An export holds every habit of the config as a numerical Loop habit
//!   whose target is the daily goal: a yes/no habit would keep only whether
//!   a day was met, and the amounts would not come back.

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;

use crate::command::{Rejected, find_habit};
use crate::config::{Config, Goal, Habit};
use crate::event::{Kind, NewEvent, Source};
use crate::loop_backup::{LoopHabit, Mark, Measure};
use crate::quote::Quoted;
use crate::suggest::closest;

/// Where in an imported event's data its origin is: a JSON path for
/// [`crate::store::Store::append_unrecorded`].
pub const ORIGIN_KEY: &str = "$.loop";

/// One `--map "Loop name=habit-id"`: the Loop habit's name, and the habit
/// it goes to, or `None` (`=-`) to leave it out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// The Loop habit's name.
    pub loop_name: String,
    /// The habit's id, or `None` to leave the Loop habit out.
    pub habit: Option<String>,
}

impl Mapping {
    /// Parses `Loop name=habit-id` or `Loop name=-`. The name may hold `=`
    /// itself; an id cannot, so the last `=` divides them.
    pub fn parse(text: &str) -> Result<Mapping, Rejected> {
        let parsed = text
            .rsplit_once('=')
            .map(|(name, habit)| (name.trim(), habit.trim()))
            .filter(|(name, habit)| !name.is_empty() && !habit.is_empty());
        let Some((name, habit)) = parsed else {
            return Err(Rejected(format!(
                "invalid --map {}: expected \"Loop name=habit-id\", e.g. --map \"Drink water=water\", or \"Loop name=-\" to leave a Loop habit out",
                Quoted(text)
            )));
        };
        Ok(Mapping {
            loop_name: name.to_string(),
            habit: (habit != "-").then(|| habit.to_string()),
        })
    }
}

/// What becomes of one Loop habit.
#[derive(Clone, Copy, Debug)]
pub enum Fate<'c> {
    /// Its days go to this habit.
    Habit(&'c Habit),
    /// `--map "…=-"` left it out.
    LeftOut,
    /// It has no days: there is nothing to import.
    Empty,
    /// No habit here matches it; the import waits for a `--map`. The habit
    /// whose id or title is closest to its name, if any is close.
    Unmatched(Option<&'c Habit>),
}

/// Decides what becomes of each of `loop_habits`, in their order. Fails on
/// a mapping that names no Loop habit or no habit of the config: a typo
/// there must not quietly leave a habit out.
pub fn fates<'c>(
    loop_habits: &[LoopHabit],
    config: &'c Config,
    mappings: &[Mapping],
) -> Result<Vec<Fate<'c>>, Rejected> {
    let same = |a: &str, b: &str| a.to_lowercase() == b.to_lowercase();
    for mapping in mappings {
        if !loop_habits
            .iter()
            .any(|h| same(&h.name, &mapping.loop_name))
        {
            let names = loop_habits.iter().map(|h| h.name.as_str());
            let hint = match closest(&mapping.loop_name, names.clone()) {
                Some(name) => format!("did you mean {}?", Quoted(name)),
                None => format!(
                    "its habits are: {}",
                    names
                        .map(|n| Quoted(n).to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            return Err(Rejected(format!(
                "--map {}: the backup has no habit of that name; {hint}",
                Quoted(&mapping.loop_name)
            )));
        }
        if let Some(id) = &mapping.habit {
            find_habit(config, id).map_err(|r| Rejected(format!("--map: {}", r.0)))?;
        }
    }
    let fate = |loop_habit: &LoopHabit| -> Fate<'c> {
        // The last of several mappings for one name wins, as with flags.
        if let Some(mapping) = mappings
            .iter()
            .rev()
            .find(|m| same(&m.loop_name, &loop_habit.name))
        {
            return match &mapping.habit {
                // Checked above to be in the config.
                Some(id) => config.habit(id).map_or(Fate::LeftOut, Fate::Habit),
                None => Fate::LeftOut,
            };
        }
        if loop_habit.days.is_empty() {
            return Fate::Empty;
        }
        let by = |matches: &dyn Fn(&Habit) -> bool| {
            let mut found = config.habits.iter().filter(|h| matches(h));
            // Only one: a title two habits share says nothing.
            match (found.next(), found.next()) {
                (Some(habit), None) => Some(habit),
                _ => None,
            }
        };
        let name = loop_habit.name.trim();
        let carries = |h: &Habit| loop_habit.uuid.as_deref() == Some(identity(&h.id).as_str());
        by(&carries)
            .or_else(|| by(&|h| same(&h.id, name)))
            .or_else(|| by(&|h| same(&h.title, name)))
            .map_or_else(|| Fate::Unmatched(closest_habit(config, name)), Fate::Habit)
    };
    Ok(loop_habits.iter().map(fate).collect())
}

/// The habit to suggest for a Loop habit called `name`: the one whose id
/// or title is a plausible typo of it, else the only one whose id or title
/// is part of it or it of them ("Walking" for `walk`).
fn closest_habit<'c>(config: &'c Config, name: &str) -> Option<&'c Habit> {
    let name = name.to_lowercase();
    let names: Vec<[String; 2]> = config
        .habits
        .iter()
        .map(|h| [h.id.to_lowercase(), h.title.to_lowercase()])
        .collect();
    let typo = closest(&name, names.iter().flatten().map(String::as_str));
    let index = match typo {
        Some(found) => names.iter().position(|n| n.iter().any(|n| n == found)),
        None => {
            let overlaps = |n: &String| name.contains(n.as_str()) || n.contains(name.as_str());
            let mut found = (0..names.len()).filter(|&i| names[i].iter().any(overlaps));
            match (found.next(), found.next()) {
                (Some(index), None) => Some(index),
                _ => None,
            }
        }
    };
    config.habits.get(index?)
}

/// The events importing `loop_habit`'s days into `habit` records, each
/// dated its day at noon in `tz` (any time of the day would do; noon is one
/// every day has).
pub fn events(loop_habit: &LoopHabit, habit: &Habit, tz: &TimeZone) -> Vec<NewEvent> {
    let origin = loop_habit.uuid.as_deref().unwrap_or(&loop_habit.name);
    loop_habit
        .days
        .iter()
        .filter_map(|&(date, mark)| {
            // `None` only at the ends of representable time, where Loop's
            // days (from 1970, in 64-bit milliseconds) never fall.
            let at = noon(tz, date)?;
            let (kind, amount) = match mark {
                Mark::Done => (Kind::Done, Some(i64::from(habit.goal.amount()))),
                Mark::Skipped => (Kind::Skipped, None),
                Mark::Thousandths(value) => (Kind::Done, Some(whole(value))),
            };
            let data = serde_json::json!({ "loop": format!("{origin}/{date}") }).to_string();
            Some(NewEvent {
                amount,
                data: Some(data),
                ..NewEvent::new(at, date, Some(habit.id.as_str()), kind, Source::Import)
            })
        })
        .collect()
}

fn noon(tz: &TimeZone, date: Date) -> Option<Timestamp> {
    crate::schedule::resolve(tz, date.to_datetime(Time::constant(12, 0, 0, 0)))
}

/// Thousandths to the nearest whole, halves up (Loop's amounts are not
/// negative).
fn whole(thousandths: i64) -> i64 {
    thousandths.saturating_add(500).div_euclid(1000)
}

/// The Loop habit an export makes of `habit` with its day `totals`.
pub fn loop_habit(habit: &Habit, totals: &[(Date, i64)]) -> LoopHabit {
    let unit = match &habit.goal {
        Goal::Count { unit, .. } => unit.clone(),
        Goal::Minutes(_) => "minutes".to_string(),
    };
    LoopHabit {
        name: habit.title.clone(),
        question: habit.body.clone().unwrap_or_default(),
        uuid: Some(identity(&habit.id)),
        archived: false,
        measure: Measure::Numerical {
            target: f64::from(habit.goal.amount()),
            unit,
        },
        days: totals
            .iter()
            .map(|&(date, total)| (date, Mark::Thousandths(total.saturating_mul(1000))))
            .collect(),
    }
}

/// The Loop identity (`uuid`, 32 hex digits like Loop's own) of habit
/// `id`: the same at every export, so Loop's importer, which finds a habit
/// by it, updates the habit an earlier export made instead of adding a
/// copy; and an import here finds the habit again, even renamed in Loop.
/// FNV-1a, twice: not secret, only stable and unlikely to meet another.
pub fn identity(id: &str) -> String {
    let fnv = |seed: &str| {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in seed.bytes().chain(id.bytes()) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        hash
    };
    format!("{:016x}{:016x}", fnv("habitd:"), fnv("habitd id:"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const CONFIG: &str = r#"
[settings]
timezone = "Europe/Berlin"
[habits.water]
title = "Drink water"
body = "A glass of water"
every = "1h"
between = "09:00-21:00"
goal = { count = 8, unit = "glasses" }
[habits.walk]
title = "Walk"
at = "18:00"
goal = { minutes = 20 }
[habits.stretch]
title = "Stretches"
at = "22:00"
[habits.stretch-legs]
title = "Stretches"
at = "22:30"
"#;

    fn config() -> Config {
        crate::config::parse_str(CONFIG, crate::config::Origin::Builtin).unwrap()
    }

    fn yes_no(name: &str, days: &[(Date, Mark)]) -> LoopHabit {
        LoopHabit {
            name: name.to_string(),
            question: String::new(),
            uuid: None,
            archived: false,
            measure: Measure::YesNo,
            days: days.to_vec(),
        }
    }

    fn map(text: &str) -> Mapping {
        Mapping::parse(text).unwrap()
    }

    fn ids(fates: &[Fate<'_>]) -> Vec<String> {
        fates
            .iter()
            .map(|fate| match fate {
                Fate::Habit(habit) => habit.id.clone(),
                Fate::LeftOut => "left out".to_string(),
                Fate::Empty => "empty".to_string(),
                Fate::Unmatched(guess) => format!("unmatched, {:?}", guess.map(|h| &h.id)),
            })
            .collect()
    }

    #[test]
    fn mappings_parse_at_the_last_equals_sign() {
        assert_eq!(
            map("Drink water=water"),
            Mapping {
                loop_name: "Drink water".to_string(),
                habit: Some("water".to_string())
            }
        );
        assert_eq!(map("2+2=4 = -").habit, None);
        assert_eq!(map("2+2=4 = -").loop_name, "2+2=4");
        for bad in ["water", "=water", "Water=", " = "] {
            let error = Mapping::parse(bad).unwrap_err().0;
            assert!(error.contains("--map \"Drink water=water\""), "{error}");
        }
    }

    #[test]
    fn habits_match_by_map_identity_id_then_title() {
        let config = config();
        let day = [(date(2024, 5, 1), Mark::Done)];
        let mut renamed = yes_no("Wasser", &day);
        renamed.uuid = Some(identity("walk"));
        // What an export from here says outweighs what a name says.
        let mut walk_named_water = yes_no("Water", &day);
        walk_named_water.uuid = Some(identity("walk"));
        let loop_habits = [
            yes_no("WATER", &day),
            yes_no("drink water", &day),
            renamed,
            yes_no("Floss", &day),
            yes_no("Stretches", &day),
            yes_no("Meditate", &[]),
            yes_no("Walkk", &day),
            yes_no("Run", &day),
            walk_named_water,
        ];
        let fates = fates(&loop_habits, &config, &[map("floss=-"), map("Run=walk")]).unwrap();
        assert_eq!(
            ids(&fates),
            [
                "water",
                "water",
                "walk",
                "left out",
                // Two habits are titled "Stretches": neither is taken.
                "unmatched, Some(\"stretch\")",
                "empty",
                "unmatched, Some(\"walk\")",
                "walk",
                "walk",
            ]
        );
    }

    #[test]
    fn a_mapping_that_names_nothing_is_refused() {
        let config = config();
        let loop_habits = [yes_no("Water", &[])];
        let error = fates(&loop_habits, &config, &[map("Watr=water")]).unwrap_err();
        assert_eq!(
            error.0,
            "--map \"Watr\": the backup has no habit of that name; did you mean \"Water\"?"
        );
        let error = fates(&loop_habits, &config, &[map("Water=watr")]).unwrap_err();
        assert_eq!(error.0, "--map: no habit \"watr\"; did you mean \"water\"?");
    }

    #[test]
    fn days_become_events_that_say_where_they_came_from() {
        let config = config();
        let mut walk = LoopHabit {
            measure: Measure::Numerical {
                target: 3.0,
                unit: "km".to_string(),
            },
            ..yes_no(
                "Walk",
                &[
                    (date(2024, 3, 31), Mark::Thousandths(2499)),
                    (date(2024, 4, 1), Mark::Thousandths(2500)),
                ],
            )
        };
        walk.uuid = Some("0123456789abcdef0123456789abcdef".to_string());
        let loop_habits = [
            yes_no(
                "Water",
                &[
                    (date(2024, 3, 30), Mark::Done),
                    (date(2024, 3, 31), Mark::Skipped),
                ],
            ),
            walk,
            yes_no("Floss", &[(date(2024, 3, 30), Mark::Done)]),
        ];
        let fates = fates(&loop_habits, &config, &[map("Floss=-")]).unwrap();
        assert_eq!(ids(&fates), ["water", "walk", "left out"]);
        let events: Vec<NewEvent> = loop_habits
            .iter()
            .zip(&fates)
            .filter_map(|(loop_habit, fate)| match fate {
                Fate::Habit(habit) => Some(events(loop_habit, habit, &config.timezone)),
                _ => None,
            })
            .flatten()
            .collect();
        let shown: Vec<String> = events
            .iter()
            .map(|e| {
                format!(
                    "{} {} {} {} {:?} {}",
                    e.at,
                    e.date,
                    e.habit.as_deref().unwrap(),
                    e.kind.as_str(),
                    e.amount,
                    e.data.as_deref().unwrap()
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                // Noon in Berlin: UTC+1, and UTC+2 from 31 March.
                r#"2024-03-30T11:00:00Z 2024-03-30 water done Some(8) {"loop":"Water/2024-03-30"}"#,
                r#"2024-03-31T10:00:00Z 2024-03-31 water skipped None {"loop":"Water/2024-03-31"}"#,
                r#"2024-03-31T10:00:00Z 2024-03-31 walk done Some(2) {"loop":"0123456789abcdef0123456789abcdef/2024-03-31"}"#,
                r#"2024-04-01T10:00:00Z 2024-04-01 walk done Some(3) {"loop":"0123456789abcdef0123456789abcdef/2024-04-01"}"#,
            ]
        );
        assert!(events.iter().all(|e| e.source == Source::Import));
    }

    #[test]
    fn an_export_keeps_amounts_goals_and_identity() {
        let config = config();
        let water = config.habit("water").unwrap();
        let exported = loop_habit(water, &[(date(2024, 5, 1), 3), (date(2024, 5, 2), 0)]);
        assert_eq!(
            exported,
            LoopHabit {
                name: "Drink water".to_string(),
                question: "A glass of water".to_string(),
                uuid: Some(identity("water")),
                archived: false,
                measure: Measure::Numerical {
                    target: 8.0,
                    unit: "glasses".to_string()
                },
                days: vec![
                    (date(2024, 5, 1), Mark::Thousandths(3000)),
                    (date(2024, 5, 2), Mark::Thousandths(0)),
                ],
            }
        );
        let walk = loop_habit(config.habit("walk").unwrap(), &[]);
        assert_eq!(
            walk.measure,
            Measure::Numerical {
                target: 20.0,
                unit: "minutes".to_string()
            }
        );
        // And back: the same habit, the same amounts.
        let fates = fates(std::slice::from_ref(&exported), &config, &[]).unwrap();
        assert_eq!(ids(&fates), ["water"]);
        let amounts: Vec<_> = events(&exported, water, &config.timezone)
            .iter()
            .map(|e| (e.date, e.amount))
            .collect();
        assert_eq!(
            amounts,
            [(date(2024, 5, 1), Some(3)), (date(2024, 5, 2), Some(0))]
        );
    }

    #[test]
    fn identities_look_like_loop_s_and_differ() {
        let water = identity("water");
        assert_eq!(water.len(), 32);
        assert!(
            water
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_eq!(water, identity("water"));
        assert_ne!(water, identity("walk"));
        assert_ne!(identity("ab"), identity("ba"));
    }
}
