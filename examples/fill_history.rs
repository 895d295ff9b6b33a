//! Fills a habitd store with years of plausible history for the default
//! habits, for measuring `habitd status` and `habitd streaks` on a big store:
//!
//!     cargo run --release --example fill_history -- PATH/habitd.db 10
//!
//! Each day: 8 water reminders and 6-8 glasses, a stretch, a weekday walk of
//! 15-35 minutes, a bedtime stretch; now and then a skipped day.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use habitd::event::{Kind, NewEvent, Source};
use habitd::schedule::resolve;
use habitd::store::Store;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: fill_history PATH YEARS"))?;
    let years: i64 = args.next().unwrap_or_else(|| "10".into()).parse()?;
    let mut store = Store::open(std::path::Path::new(&path))?;
    let tz = TimeZone::UTC;
    let today = Timestamp::now().to_zoned_datetime(tz.clone()).date();
    let mut date = today.checked_sub(jiff::Span::new().days(years * 365))?;
    // A small deterministic generator, so runs are comparable.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let mut total = 0usize;
    // A month per transaction: a transaction a day made 100 years take
    // most of a minute.
    let mut events = Vec::new();
    while date < today {
        let at = |date: Date, h: i8, m: i8| -> Timestamp {
            resolve(&tz, date.to_datetime(Time::constant(h, m, 0, 0)))
                .unwrap_or(Timestamp::UNIX_EPOCH)
        };
        let mut push = |habit: &str, kind: Kind, when: Timestamp, amount: Option<i64>| {
            events.push(NewEvent {
                amount,
                ..NewEvent::new(when, date, Some(habit), kind, Source::Daemon)
            });
        };
        for hour in [9, 10, 12, 13, 15, 16, 18, 19] {
            push("water", Kind::Reminded, at(date, hour, 0), None);
        }
        for glass in 0..(6 + next(3)) {
            push(
                "water",
                Kind::Done,
                at(date, 9, 10) + SignedDuration::from_mins(i64::try_from(glass * 80).unwrap_or(0)),
                Some(1),
            );
        }
        push("stretch", Kind::Reminded, at(date, 12, 30), None);
        if next(10) < 8 {
            push("stretch", Kind::Done, at(date, 12, 35), Some(1));
        }
        if date.weekday().to_monday_zero_offset() < 5 {
            push("walk", Kind::Reminded, at(date, 17, 30), None);
            if next(20) == 0 {
                push("walk", Kind::Skipped, at(date, 17, 31), None);
            } else {
                push(
                    "walk",
                    Kind::Done,
                    at(date, 18, 0),
                    Some(15 + i64::try_from(next(21)).unwrap_or(0)),
                );
            }
        }
        push("bedtime-stretch", Kind::Reminded, at(date, 22, 30), None);
        push("bedtime-stretch", Kind::Done, at(date, 22, 40), Some(1));
        date = date.tomorrow()?;
        if date.day() == 1 || date >= today {
            total += events.len();
            store.append_all(&events)?;
            events.clear();
        }
    }
    println!("{total} events over {years} years in {path}");
    Ok(())
}
