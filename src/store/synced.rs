//! The store's side of sync (see [`crate::sync`]): this history's device
//! id, its own shared events with global ids for the folder, and other
//! devices' events recorded once each, in one transaction, with each
//! `undone`'s target found by global id.

use std::collections::{HashMap, HashSet};

use rusqlite::{OptionalExtension, params};

use super::{RawEvent, Store, StoreError, sqlite_error};
use crate::event::Kind;
use crate::sync::{DeviceId, GlobalId, Peer, Shared, line};

/// The events `e` after id ?1 that this device tells the others: its own
/// and those under its former ids (`$also` can widen that, e.g. with a
/// parameter), of a kind other than ?2, ?3, ?4 (those kept on the machine).
/// One text for reading them and for counting them.
macro_rules! shared_after {
    ($also:literal) => {
        concat!(
            "
    WHERE e.id > ?1
      AND (",
            $also,
            "e.origin IS NULL OR e.origin IN (SELECT id FROM device_former))
      AND e.kind NOT IN (?2, ?3, ?4)"
        )
    };
}

/// This device's shared events after id ?1 — its own, and those recorded
/// under its former ids — (with ?5, every device's), each with its target's
/// origin and id there (a target of this device's own has neither: its
/// global id is ours and its local id).
const SHARED_SINCE: &str = concat!(
    "
    SELECT e.id, e.at_ms, e.date, e.habit, e.kind, e.amount, e.until_ms, e.target, e.source,
           e.data, e.origin, t.origin, COALESCE(t.origin_id, t.id), e.origin_id
    FROM events AS e LEFT JOIN events AS t ON t.id = e.target",
    shared_after!("?5 OR "),
    "
    ORDER BY e.id
    LIMIT ?6"
);

/// How many of this device's shared events (as [`SHARED_SINCE`] has them)
/// come after id ?1.
const SHARED_COUNT: &str = concat!(
    "
    SELECT COUNT(*) FROM events AS e",
    shared_after!("")
);

/// Inserts ?1…?9 as an event from device ?10, its id there ?11.
const INSERT_FROM: &str = "
    INSERT INTO events (at_ms, date, habit, kind, amount, until_ms, target, source, data,
                        origin, origin_id)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

/// Refreshes, once each, the months of `done` events that the events after
/// id ?1 (those a merge recorded) changed: their own, and their targets'.
/// The insert trigger does this for one event at a time, and leaves it to
/// the merge while `merging` has its row (see the schema's step 4).
const REFRESH_MERGED: &str = "
    INSERT INTO month_totals_stale
        SELECT DISTINCT habit, month FROM (
            SELECT habit, substr(date, 1, 7) AS month FROM events
                WHERE id > ?1 AND kind = 'done'
            UNION ALL
            SELECT t.habit, substr(t.date, 1, 7) FROM events AS u
                JOIN events AS t ON t.id = u.target
                WHERE u.id > ?1 AND u.kind = 'undone' AND t.kind = 'done'
        )";

/// Per other device: its events here, and the newest one's instant.
const DEVICES: &str = "
    WITH seen (id) AS (
        SELECT id FROM devices
        UNION SELECT DISTINCT origin FROM events WHERE origin IS NOT NULL
    )
    SELECT seen.id, d.name, d.has_mine,
           (SELECT COUNT(*) FROM events WHERE origin = seen.id),
           (SELECT MAX(at_ms) FROM events WHERE origin = seen.id)
    FROM seen LEFT JOIN devices AS d ON d.id = seen.id
    ORDER BY seen.id";

/// What this history knows of another device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceSummary {
    /// Its id.
    pub id: DeviceId,
    /// The name it gives itself, if it said.
    pub name: Option<String>,
    /// Its events recorded here.
    pub events: i64,
    /// When the newest of them happened (by its clock).
    pub newest_ms: Option<i64>,
    /// The newest of this device's ids it says it has read.
    pub has_mine: Option<i64>,
}

impl Store {
    /// This history's device id (made with the schema).
    pub fn device_id(&self) -> Result<DeviceId, StoreError> {
        let id: String = self
            .conn
            .query_row("SELECT id FROM device", [], |row| row.get(0))
            .map_err(|e| sqlite_error(&self.path, e))?;
        // The schema's CHECK holds it to the form; only a damaged file fails.
        id.parse().map_err(|problem| self.bad_event(0, problem))
    }

    /// This device's shared events ([`line::shared`]) recorded after id
    /// `after`, at most `limit` of them, in order, with global ids: those
    /// recorded here, and those recorded under an id it had before it was
    /// copied to another machine (each under that id, and still numbered by
    /// its id here). An `undone` whose target is gone (removed by hand) is
    /// left out: no other device could place it. Also returns the last id
    /// looked at, from which to go on.
    pub fn shared_since(&self, after: i64, limit: usize) -> Result<(Vec<Shared>, i64), StoreError> {
        self.shared_events(after, false, limit)
    }

    /// How many of this device's shared events ([`Store::shared_since`])
    /// come after id `after`.
    pub fn shared_count_after(&self, after: i64) -> Result<usize, StoreError> {
        let kept = kept_kinds();
        self.conn
            .prepare_cached(SHARED_COUNT)
            .and_then(|mut count| {
                count.query_row(params![after, kept[0], kept[1], kept[2]], |row| {
                    row.get::<_, i64>(0)
                })
            })
            .map(|n| usize::try_from(n).unwrap_or(0))
            .map_err(|e| sqlite_error(&self.path, e))
    }

    /// Every shared event here, each by its global id: the history as all
    /// devices name it, for comparing two devices' histories.
    #[cfg(test)]
    pub(crate) fn history_by_global_id(&self) -> Result<Vec<Shared>, StoreError> {
        Ok(self.shared_events(0, true, usize::MAX)?.0)
    }

    fn shared_events(
        &self,
        after: i64,
        every_device: bool,
        limit: usize,
    ) -> Result<(Vec<Shared>, i64), StoreError> {
        let own = self.device_id()?;
        let kept = kept_kinds();
        let fail = |e| sqlite_error(&self.path, e);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut statement = self.conn.prepare_cached(SHARED_SINCE).map_err(fail)?;
        let mut rows = statement
            .query(params![
                after,
                kept[0],
                kept[1],
                kept[2],
                every_device,
                limit
            ])
            .map_err(fail)?;
        let mut shared = Vec::new();
        let mut looked_at = after;
        while let Some(row) = rows.next().map_err(fail)? {
            let raw = RawEvent::from_row(row).map_err(fail)?;
            looked_at = raw.id;
            let mut event = raw
                .decode()
                .map_err(|problem| self.bad_event(raw.id, problem))?
                .event;
            let target_origin: Option<String> = row.get(11).map_err(fail)?;
            let target_id: Option<i64> = row.get(12).map_err(fail)?;
            let target = match (event.target.take(), target_id) {
                (None, _) => None,
                (Some(_), None) => continue,
                (Some(_), Some(seq)) => Some(GlobalId {
                    device: match target_origin {
                        Some(origin) => origin
                            .parse()
                            .map_err(|problem| self.bad_event(raw.id, problem))?,
                        None => own.clone(),
                    },
                    seq,
                }),
            };
            let id = match (raw.origin, row.get::<_, Option<i64>>(13).map_err(fail)?) {
                (Some(origin), Some(seq)) => GlobalId {
                    device: origin
                        .parse()
                        .map_err(|problem| self.bad_event(raw.id, problem))?,
                    seq,
                },
                _ => GlobalId {
                    device: own.clone(),
                    seq: raw.id,
                },
            };
            shared.push(Shared { id, event, target });
        }
        Ok((shared, looked_at))
    }

    /// Makes sure this history is the device its id says, on `machine`
    /// (this machine's id; `None` where it has none, and nothing is
    /// checked). A history opened first on this machine notes it. One
    /// made on another machine — a copy, or moved with its files — takes a
    /// new device id here: the events recorded so far keep their global ids
    /// (their origin becomes the old id, their number stays their id), so
    /// that the machine it came from, writing under the old id, and this
    /// one never write as one device, and no event is counted twice. The
    /// only rows habitd ever changes, once, in one transaction.
    pub fn settle_device(&mut self, machine: Option<&str>) -> Result<(), StoreError> {
        let Some(here) = machine else {
            return Ok(());
        };
        let noted = |conn: &rusqlite::Connection| -> rusqlite::Result<Option<String>> {
            conn.query_row("SELECT machine FROM device", [], |row| row.get(0))
        };
        let noted_here = noted(&self.conn).map_err(|e| sqlite_error(&self.path, e))?;
        if noted_here.as_deref() == Some(here) || self.cannot_write.is_some() {
            return Ok(());
        }
        let path = self.path.clone();
        let rekeyed = self.write(|tx| {
            // Again under the write lock: another process may have been first.
            match noted(tx)? {
                Some(machine) if machine == here => Ok(None),
                None => {
                    tx.execute("UPDATE device SET machine = ?1", [here])?;
                    Ok(None)
                }
                Some(_) => {
                    let old: String =
                        tx.query_row("SELECT id FROM device", [], |row| row.get(0))?;
                    tx.execute(
                        "INSERT OR IGNORE INTO device_former (id) VALUES (?1)",
                        [&old],
                    )?;
                    tx.execute(
                        "UPDATE events SET origin = ?1, origin_id = id WHERE origin IS NULL",
                        [&old],
                    )?;
                    tx.execute(
                        "UPDATE device SET id = lower(hex(randomblob(8))), machine = ?1",
                        [here],
                    )?;
                    let new: String =
                        tx.query_row("SELECT id FROM device", [], |row| row.get(0))?;
                    Ok(Some((old, new)))
                }
            }
        })?;
        if let Some((old, new)) = rekeyed {
            log::info!(
                "{}: this history was made on another machine (a copy, or moved here); it is device {new} here, and its events so far stay device {old}'s",
                path.display()
            );
        }
        Ok(())
    }

    /// Records those of `events` not recorded yet, and what `peers` say of
    /// themselves, in one transaction. An `undone` whose target is not here
    /// yet waits (in the history) and is recorded with it, by this merge or
    /// a later one. This device's own events are here already and are left
    /// out. Returns the events recorded and those still waiting.
    pub fn merge(
        &mut self,
        events: &[Shared],
        peers: &[(DeviceId, Peer)],
    ) -> Result<(usize, usize), StoreError> {
        let own = self.device_id()?;
        self.write(|tx| {
            let mut recorded = 0;
            // Every event recorded by this merge has a greater id.
            let before: i64 =
                tx.query_row("SELECT COALESCE(MAX(id), 0) FROM events", [], |row| {
                    row.get(0)
                })?;
            tx.execute("INSERT INTO merging (one) VALUES (1)", [])?;
            for (device, peer) in peers {
                tx.prepare_cached(
                    "INSERT INTO devices (id, name, has_mine) VALUES (?1, ?2, ?3)
                     ON CONFLICT (id) DO UPDATE SET name = ?2, has_mine = ?3",
                )?
                .execute(params![device.as_str(), peer.name, peer.has_mine])?;
            }
            // Targets first: an `undone` never names another `undone`.
            let (undos, others): (Vec<&Shared>, Vec<&Shared>) =
                events.iter().partition(|e| e.target.is_some());
            for event in others {
                recorded += usize::from(record(tx, &own, event, None)?);
            }
            let mut waiting: Vec<Shared> = Vec::new();
            {
                let mut stmt = tx.prepare_cached("SELECT line FROM sync_waiting")?;
                let lines = stmt.query_map([], |row| row.get::<_, String>(0))?;
                for text in lines {
                    // Written by this code from a line that decoded.
                    if let Ok(event) = line::decode(&text?) {
                        waiting.push(event);
                    }
                }
            }
            for event in undos.into_iter().chain(&waiting) {
                let Some(target) = find(tx, &own, event.target.as_ref())? else {
                    tx.prepare_cached(
                        "INSERT OR IGNORE INTO sync_waiting (origin, origin_id, line)
                         VALUES (?1, ?2, ?3)",
                    )?
                    .execute(params![
                        event.id.device.as_str(),
                        event.id.seq,
                        line::encode(event)
                    ])?;
                    continue;
                };
                recorded += usize::from(record(tx, &own, event, Some(target))?);
                tx.prepare_cached("DELETE FROM sync_waiting WHERE origin = ?1 AND origin_id = ?2")?
                    .execute(params![event.id.device.as_str(), event.id.seq])?;
            }
            tx.execute("DELETE FROM merging", [])?;
            tx.execute(REFRESH_MERGED, [before])?;
            let still: i64 =
                tx.query_row("SELECT COUNT(*) FROM sync_waiting", [], |row| row.get(0))?;
            Ok((recorded, usize::try_from(still).unwrap_or(0)))
        })
    }

    /// Per other device, the newest of its ids recorded here: what
    /// `device.json` tells the others of how far this device has read.
    pub fn has_of_others(&self) -> Result<Vec<(DeviceId, i64)>, StoreError> {
        let rows: Vec<(String, i64)> = self.query(
            "SELECT origin, MAX(origin_id) FROM events WHERE origin IS NOT NULL
             GROUP BY origin ORDER BY origin",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        Ok(rows
            .into_iter()
            .filter_map(|(origin, seq)| Some((origin.parse().ok()?, seq)))
            .collect())
    }

    /// What this history knows of each other device, by id.
    pub fn devices(&self) -> Result<Vec<DeviceSummary>, StoreError> {
        let rows = self.query(DEVICES, [], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
            ))
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, name, has_mine, events, newest_ms)| {
                Some(DeviceSummary {
                    id: id.parse().ok()?,
                    name,
                    events,
                    newest_ms,
                    has_mine,
                })
            })
            .collect())
    }

    /// How the devices events came from are named (see [`DeviceNames`]).
    pub fn device_names(&self) -> Result<DeviceNames, StoreError> {
        let names: Vec<(String, String)> = self.query(
            "SELECT id, name FROM devices WHERE name IS NOT NULL",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        let former: Vec<String> =
            self.query("SELECT id FROM device_former", [], |row| row.get(0))?;
        Ok(DeviceNames {
            names: names.into_iter().collect(),
            former: former.into_iter().collect(),
        })
    }
}

/// The one rule of how the device an event came from is shown: by the name
/// it gives itself, else its id; and not at all for this history's own
/// events — those recorded here, and those recorded under an id it had
/// before it was copied or moved to this machine (unless that machine
/// names itself, as the machine a copy was made from does).
#[derive(Debug, Default)]
pub struct DeviceNames {
    names: HashMap<String, String>,
    former: HashSet<String>,
}

impl DeviceNames {
    /// What to call the device of an event from `origin` (its
    /// [`Event::origin`](crate::event::Event::origin)); `None` for this
    /// history's own.
    pub fn of<'e>(&'e self, origin: Option<&'e str>) -> Option<&'e str> {
        let origin = origin?;
        match self.names.get(origin) {
            Some(name) => Some(name),
            None if self.former.contains(origin) => None,
            None => Some(origin),
        }
    }
}

/// The kinds that stay on their machine, as the SQL above binds them.
fn kept_kinds() -> Vec<&'static str> {
    Kind::ALL
        .into_iter()
        .filter(|&k| !line::shared(k))
        .map(Kind::as_str)
        .collect()
}

/// The local id of the event with global id `id`, if it is here.
fn find(
    tx: &rusqlite::Connection,
    own: &DeviceId,
    id: Option<&GlobalId>,
) -> rusqlite::Result<Option<i64>> {
    let Some(id) = id else {
        return Ok(None);
    };
    if &id.device == own {
        tx.prepare_cached("SELECT id FROM events WHERE id = ?1 AND origin IS NULL")?
            .query_row([id.seq], |row| row.get(0))
            .optional()
    } else {
        tx.prepare_cached("SELECT id FROM events WHERE origin = ?1 AND origin_id = ?2")?
            .query_row(params![id.device.as_str(), id.seq], |row| row.get(0))
            .optional()
    }
}

/// Records `event` (with its target's local id) unless it is ours or here
/// already; whether it was recorded.
fn record(
    tx: &rusqlite::Connection,
    own: &DeviceId,
    event: &Shared,
    target: Option<i64>,
) -> rusqlite::Result<bool> {
    if &event.id.device == own || find(tx, own, Some(&event.id))?.is_some() {
        return Ok(false);
    }
    let mut values = super::insert_values(&crate::event::NewEvent {
        target,
        ..event.event.clone()
    });
    values.push(rusqlite::types::Value::Text(event.id.device.to_string()));
    values.push(rusqlite::types::Value::Integer(event.id.seq));
    tx.prepare_cached(INSERT_FROM)?
        .execute(rusqlite::params_from_iter(values))?;
    Ok(true)
}
