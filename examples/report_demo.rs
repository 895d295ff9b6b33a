//! Fills a habitd store with weeks of made-up history for the default
//! habits and a cramp diary, to show `habitd report` (the README's
//! screenshot is made from it by `scripts/report-screenshot.sh`):
//!
//!     cargo run --example report_demo -- PATH/habitd.db [WEEKS]
//!
//! Nights with cramps are drawn more often after days short of water or
//! without the bedtime stretch, and grow more frequent in the last weeks;
//! two recent episodes come while walking and with swelling, so every kind
//! of advice shows. The figures are invented: they illustrate the report,
//! and say nothing about cramps.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use habitd::diary::{Activity, Episode, Leg, Muscle};
use habitd::event::{Kind, NewEvent, Source};
use habitd::schedule::resolve;
use habitd::store::Store;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: report_demo PATH/habitd.db [WEEKS]"))?;
    let weeks: i64 = args.next().unwrap_or_else(|| "12".into()).parse()?;
    let mut store = Store::open(std::path::Path::new(&path))?;
    let tz = TimeZone::try_system().unwrap_or(TimeZone::UTC);
    let today = Timestamp::now().to_zoned_datetime(tz.clone()).date();
    let first = today.checked_sub(jiff::Span::new().days(weeks * 7))?;
    // A small deterministic generator, so the screenshot is the same each time.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let at = |date: Date, h: i8, m: i8| -> Timestamp {
        resolve(&tz, date.to_datetime(Time::constant(h, m, 0, 0))).unwrap_or(Timestamp::UNIX_EPOCH)
    };
    let mut events = Vec::new();
    let mut date = first;
    while date < today {
        let days_left = (today - date).get_days();
        let mut done = |habit: &str, when: Timestamp, amount: i64| {
            events.push(NewEvent {
                amount: Some(amount),
                ..NewEvent::new(when, date, Some(habit), Kind::Done, Source::Cli)
            });
        };
        let glasses = 5 + next(5) as i64;
        for glass in 0..glasses {
            done(
                "water",
                at(date, 9, 0) + SignedDuration::from_mins(glass * 85),
                1,
            );
        }
        if next(10) < 8 {
            done("stretch", at(date, 12, 35), 1);
        }
        let weekday = date.weekday().to_monday_zero_offset() < 5;
        if weekday && next(10) < 7 {
            done("walk", at(date, 17, 40), 15 + next(20) as i64);
        }
        let stretched = next(10) < 6;
        if stretched {
            done("bedtime-stretch", at(date, 22, 35), 1);
        }
        // The night after this day, recorded most mornings.
        let special = days_left == 9 || days_left == 3;
        if special || next(10) < 9 {
            let recent = days_left <= 28;
            let mut chance = 10 + if glasses < 8 { 15 } else { 0 } + if stretched { 0 } else { 15 };
            if recent {
                chance += 15;
            }
            if special || next(100) < chance {
                let episode = Episode {
                    leg: Some([Leg::Left, Leg::Right, Leg::Both][next(3) as usize]),
                    muscle: Some(
                        [Muscle::Calf, Muscle::Calf, Muscle::Foot, Muscle::Hamstring]
                            [next(4) as usize],
                    ),
                    minutes: Some(3 + next(12) as u32),
                    when: Some(if days_left == 9 {
                        Activity::Walking
                    } else {
                        Activity::Sleep
                    }),
                    swelling: days_left == 3,
                    note: special.then(|| {
                        if days_left == 9 {
                            "on the way to the bakery; stopped, it eased after a minute".to_string()
                        } else {
                            "ankle a little swollen in the morning".to_string()
                        }
                    }),
                };
                let hour = if days_left == 9 { 16 } else { 23 };
                events.push(NewEvent {
                    data: Some(episode.to_json()),
                    ..NewEvent::new(at(date, hour, 10), date, None, Kind::Cramp, Source::Cli)
                });
            } else {
                let morning = date.tomorrow()?;
                events.push(NewEvent::new(
                    at(morning, 8, 30),
                    date,
                    None,
                    Kind::NoCramps,
                    Source::Notification,
                ));
            }
        }
        date = date.tomorrow()?;
    }
    store.append_all(&events)?;
    println!("{} events from {first} to {today}", events.len());
    Ok(())
}
