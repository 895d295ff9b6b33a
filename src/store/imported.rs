//! Recording imported events once. An import says in each event's data
//! where it came from (an "origin", at a JSON path the importer names); an
//! event whose origin an event of the same day already has is left out, so
//! importing the same file twice adds nothing. Checked in the transaction
//! that records, so two imports at once cannot both add an event either.

use rusqlite::OptionalExtension;

use super::{Store, StoreError};
use crate::event::NewEvent;

/// Inserts ?1…?9 as an event unless an event dated ?2 has, at JSON path
/// ?10 of its data, what ?9 has there. The day's events are found by
/// `events_date`; a day holds a few hundred at most. Without an origin
/// (`json_extract` is NULL) nothing compares equal, and the event is added.
const INSERT_UNRECORDED: &str = "
    INSERT INTO events (at_ms, date, habit, kind, amount, until_ms, target, source, data)
    SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9
    WHERE NOT EXISTS (
        SELECT 1 FROM events
        WHERE date = ?2 AND json_extract(data, ?10) = json_extract(?9, ?10))
    RETURNING id";

impl Store {
    /// Records those of `events` whose origin — the value at the JSON path
    /// `key` (such as `$.loop`) in their data — no recorded event of the
    /// same date has, earlier ones of `events` included. One transaction:
    /// all or none. Returns, in order, each event's id, or `None` for one
    /// left out.
    pub fn append_unrecorded(
        &mut self,
        events: &[NewEvent],
        key: &str,
    ) -> Result<Vec<Option<i64>>, StoreError> {
        self.write(|tx| {
            let mut insert = tx.prepare_cached(INSERT_UNRECORDED)?;
            events
                .iter()
                .map(|e| {
                    let mut values = super::insert_values(e);
                    values.push(rusqlite::types::Value::Text(key.to_string()));
                    insert
                        .query_row(rusqlite::params_from_iter(values), |row| row.get(0))
                        .optional()
                })
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use rusqlite::params;

    use super::*;
    use crate::event::{Kind, Source};

    fn imported(habit: &str, day: &str, amount: i64, origin: &str) -> NewEvent {
        let day: jiff::civil::Date = day.parse().unwrap();
        NewEvent {
            amount: Some(amount),
            data: Some(serde_json::json!({ "loop": origin }).to_string()),
            ..NewEvent::new(
                jiff::Timestamp::UNIX_EPOCH,
                day,
                Some(habit),
                Kind::Done,
                Source::Import,
            )
        }
    }

    #[test]
    fn an_origin_already_recorded_that_day_is_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("habitd.db")).unwrap();
        let first = [
            imported("water", "2024-05-01", 8, "u1/2024-05-01"),
            imported("water", "2024-05-02", 3, "u1/2024-05-02"),
            // The same origin twice in one import: once.
            imported("water", "2024-05-02", 3, "u1/2024-05-02"),
        ];
        let ids = store.append_unrecorded(&first, "$.loop").unwrap();
        assert!(matches!(ids[..], [Some(_), Some(_), None]), "{ids:?}");
        let again = [
            imported("water", "2024-05-02", 3, "u1/2024-05-02"),
            // Another origin, or the same origin on another day: new.
            imported("water", "2024-05-02", 5, "u2/2024-05-02"),
            imported("walk", "2024-05-03", 20, "u1/2024-05-02"),
        ];
        let ids = store.append_unrecorded(&again, "$.loop").unwrap();
        assert!(matches!(ids[..], [None, Some(_), Some(_)]), "{ids:?}");
        // An event without an origin is always recorded.
        let plain = NewEvent {
            data: None,
            ..imported("water", "2024-05-02", 1, "")
        };
        let ids = store
            .append_unrecorded(&[plain.clone(), plain], "$.loop")
            .unwrap();
        assert!(matches!(ids[..], [Some(_), Some(_)]), "{ids:?}");
        assert_eq!(
            store.daily_totals("water").unwrap(),
            [(date(2024, 5, 1), 8), (date(2024, 5, 2), 10)]
        );
    }

    #[test]
    fn the_check_reads_one_day_through_an_index() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("habitd.db")).unwrap();
        let plan: Vec<String> = store
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {INSERT_UNRECORDED}"))
            .unwrap()
            .query_map(
                params![
                    0,
                    "2024-05-01",
                    "a",
                    "done",
                    1,
                    None::<i64>,
                    None::<i64>,
                    "import",
                    "{}",
                    "$.loop"
                ],
                |row| row.get(3),
            )
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(
            plan.iter()
                .any(|step| step.contains("USING INDEX events_date")),
            "{plan:#?}"
        );
        // The row inserted is a constant one; no table is read whole.
        assert!(
            !plan.iter().any(|step| step.starts_with("SCAN events")),
            "{plan:#?}"
        );
    }
}
