use std::collections::BTreeSet;
use std::path::Path;

use proptest::prelude::*;

use super::*;
use crate::event::{Kind, Source};

fn settings(folder: &Path, name: &str) -> SyncSettings {
    SyncSettings {
        folder: folder.to_path_buf(),
        name: Some(name.to_string()),
    }
}

fn now() -> Timestamp {
    "2026-11-27T10:00:00Z".parse().unwrap()
}

fn store_in(dir: &Path) -> Store {
    Store::open(&dir.join("habitd.db")).unwrap()
}

fn done(habit: &str, day: &str, amount: i64) -> NewEvent {
    NewEvent {
        amount: Some(amount),
        ..NewEvent::new(
            now(),
            day.parse().unwrap(),
            Some(habit),
            Kind::Done,
            Source::Cli,
        )
    }
}

/// A history as every device names it: each event by its global id, with
/// its target's global id. Local ids, which differ between devices, are
/// left out.
type Canonical = BTreeSet<String>;

/// Each habit's day totals as the rule says, worked out in Rust from the
/// events themselves: a `done` counts unless an `undone` names it. What
/// the store keeps (and a merge refreshes) must agree.
fn rule_totals(store: &Store, habit: &str) -> Vec<(jiff::civil::Date, i64)> {
    let events = store.history_by_global_id().unwrap();
    let taken_back: BTreeSet<&GlobalId> = events.iter().filter_map(|e| e.target.as_ref()).collect();
    let mut totals = std::collections::BTreeMap::new();
    for e in &events {
        if e.event.kind == Kind::Done
            && e.event.habit.as_deref() == Some(habit)
            && !taken_back.contains(&e.id)
        {
            *totals.entry(e.event.date).or_insert(0) += e.event.amount.unwrap_or(0);
        }
    }
    totals.into_iter().collect()
}

fn canonical(store: &Store) -> Canonical {
    store
        .history_by_global_id()
        .unwrap()
        .iter()
        .map(line::encode)
        .collect()
}

/// Two devices, each with its own history, sharing one folder.
struct Pair {
    _dir: tempfile::TempDir,
    folder: PathBuf,
    a: (Store, Syncer),
    b: (Store, Syncer),
}

impl Pair {
    fn new() -> Pair {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("Sync");
        std::fs::create_dir(&folder).unwrap();
        for side in ["a", "b"] {
            std::fs::create_dir(dir.path().join(side)).unwrap();
        }
        Pair {
            a: (store_in(&dir.path().join("a")), Syncer::new()),
            b: (store_in(&dir.path().join("b")), Syncer::new()),
            folder,
            _dir: dir,
        }
    }

    fn sync_a(&mut self) -> Synced {
        let settings = settings(&self.folder, "a");
        self.a.1.sync(&mut self.a.0, &settings, now()).unwrap()
    }

    fn sync_b(&mut self) -> Synced {
        let settings = settings(&self.folder, "b");
        self.b.1.sync(&mut self.b.0, &settings, now()).unwrap()
    }
}

#[test]
fn a_done_on_one_device_counts_on_the_other_and_its_undo_comes_back() {
    let mut pair = Pair::new();
    pair.a.0.append(&done("water", "2026-11-27", 2)).unwrap();
    assert_eq!(pair.sync_a().exported, 1);
    assert_eq!(pair.sync_b().imported, 1);
    let day = "2026-11-27".parse().unwrap();
    assert_eq!(pair.b.0.daily_totals("water").unwrap(), [(day, 2)]);

    // B takes it back, naming it by its local id there.
    let there = pair.b.0.events(None, None).unwrap().pop().unwrap();
    assert_eq!(
        there.origin.as_deref(),
        Some(pair.a.0.device_id().unwrap().as_str())
    );
    pair.b
        .0
        .append(&NewEvent {
            target: Some(there.id),
            ..NewEvent::new(now(), day, Some("water"), Kind::Undone, Source::Cli)
        })
        .unwrap();
    assert_eq!(pair.sync_b().exported, 1);
    assert_eq!(pair.sync_a().imported, 1);
    assert!(pair.a.0.daily_totals("water").unwrap().is_empty());
    assert_eq!(canonical(&pair.a.0), canonical(&pair.b.0));

    // Nothing more either way, however often.
    for _ in 0..2 {
        assert_eq!(pair.sync_a(), Synced::default());
        assert_eq!(pair.sync_b(), Synced::default());
    }
}

#[test]
fn reminders_shown_stay_on_their_machine() {
    let mut pair = Pair::new();
    pair.a
        .0
        .append(&NewEvent::new(
            now(),
            "2026-11-27".parse().unwrap(),
            Some("water"),
            Kind::Reminded,
            Source::Daemon,
        ))
        .unwrap();
    assert_eq!(pair.sync_a().exported, 0);
    assert_eq!(pair.sync_b().imported, 0);
}

#[test]
fn device_json_names_each_device_and_says_how_far_it_has_read() {
    let mut pair = Pair::new();
    pair.a.0.append(&done("water", "2026-11-27", 1)).unwrap();
    pair.sync_a();
    pair.sync_b();
    pair.sync_a();
    let devices = pair.a.0.devices().unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].id, pair.b.0.device_id().unwrap());
    assert_eq!(devices[0].name.as_deref(), Some("b"));
    assert_eq!(devices[0].has_mine, Some(1), "b has read a's first event");
    let names = pair.b.0.device_names().unwrap();
    let a = pair.a.0.device_id().unwrap().to_string();
    assert_eq!(names.of(Some(&a)), Some("a"));
    assert_eq!(names.of(None), None, "b's own");
}

#[test]
fn a_torn_tail_of_our_own_is_cut_off_and_written_again() {
    let mut pair = Pair::new();
    pair.a.0.append(&done("water", "2026-11-27", 1)).unwrap();
    pair.sync_a();
    // The second event's line was cut short when its writer was killed.
    pair.a.0.append(&done("water", "2026-11-27", 3)).unwrap();
    let own = pair.folder.join(pair.a.0.device_id().unwrap().as_str());
    let segment = own.join("2026-11.jsonl");
    let second = line::encode(&pair.a.0.shared_since(1, 1).unwrap().0[0]);
    let mut file = OpenOptions::new().append(true).open(&segment).unwrap();
    file.write_all(&second.as_bytes()[..20]).unwrap();
    drop(file);
    // B reads only the whole line meanwhile.
    assert_eq!(pair.sync_b().imported, 1);

    assert_eq!(pair.sync_a().exported, 1, "the torn event is written again");
    let text = std::fs::read_to_string(&segment).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.ends_with(&format!("{second}\n")));
    assert_eq!(pair.sync_b().imported, 1);
    let day = "2026-11-27".parse().unwrap();
    assert_eq!(pair.b.0.daily_totals("water").unwrap(), [(day, 4)]);
}

#[test]
fn a_bad_line_is_skipped_and_reported_once_and_the_rest_is_read() {
    let mut pair = Pair::new();
    pair.a.0.append(&done("water", "2026-11-27", 1)).unwrap();
    pair.a.0.append(&done("water", "2026-11-27", 2)).unwrap();
    pair.sync_a();
    let own = pair.folder.join(pair.a.0.device_id().unwrap().as_str());
    let segment = own.join("2026-11.jsonl");
    let text = std::fs::read_to_string(&segment).unwrap();
    let (first, second) = text.split_once('\n').unwrap();
    std::fs::write(&segment, format!("{first}\nnot an event\n{second}")).unwrap();

    assert_eq!(pair.sync_b().imported, 2);
    assert_eq!(pair.b.1.reported.len(), 1);
    let (path, line, problem) = pair.b.1.reported.iter().next().unwrap();
    assert_eq!((path, *line), (&segment, 2));
    assert!(problem.contains("not a JSON event"), "{problem}");
    // Touched again: read again, not reported again.
    std::fs::write(&segment, format!("{first}\nnot an event\n{second}\n")).unwrap();
    pair.sync_b();
    assert_eq!(pair.b.1.reported.len(), 1);
}

#[test]
fn a_long_file_is_read_in_batches_and_a_line_too_long_is_skipped() {
    let mut pair = Pair::new();
    // A day each for 5,000 days: more than one batch.
    let first: jiff::civil::Date = "2013-01-01".parse().unwrap();
    let days: Vec<jiff::civil::Date> = first
        .series(jiff::Span::new().days(1))
        .take(5_000)
        .collect();
    let events: Vec<NewEvent> = days
        .iter()
        .map(|day| done("water", &day.to_string(), 1))
        .collect();
    pair.a.0.append_all(&events).unwrap();
    assert_eq!(pair.sync_a().exported, 5_000);
    let segment = pair
        .folder
        .join(pair.a.0.device_id().unwrap().as_str())
        .join("2026-11.jsonl");
    let text = std::fs::read_to_string(&segment).unwrap();
    let long = format!("{{\"note\":\"{}\"}}", "x".repeat(line::MAX_LINE * 2));
    std::fs::write(&segment, format!("{long}\n{text}")).unwrap();

    assert_eq!(pair.sync_b().imported, 5_000);
    let reported: Vec<_> = pair.b.1.reported.iter().collect();
    assert_eq!(reported.len(), 1);
    assert_eq!(reported[0].1, 1);
    assert!(reported[0].2.contains("too long"), "{}", reported[0].2);
    let totals = pair.b.0.daily_totals("water").unwrap();
    assert_eq!(totals.len(), 5_000);
    assert_eq!(totals[4_999], (days[4_999], 1));
}

#[test]
fn a_missing_folder_is_one_clear_error_and_the_history_is_untouched() {
    let mut pair = Pair::new();
    pair.a.0.append(&done("water", "2026-11-27", 1)).unwrap();
    let missing = pair.folder.join("nowhere");
    let error = pair
        .a
        .1
        .sync(&mut pair.a.0, &settings(&missing, "a"), now())
        .unwrap_err();
    let message = error.to_string();
    assert!(message.contains("does not exist"), "{message}");
    assert!(message.contains("nowhere"), "{message}");
    assert_eq!(pair.a.0.daily_totals("water").unwrap().len(), 1);
}

#[test]
fn a_deleted_device_folder_loses_nothing_and_ours_is_written_again() {
    let mut pair = Pair::new();
    pair.a.0.append(&done("water", "2026-11-27", 1)).unwrap();
    pair.sync_a();
    pair.sync_b();
    let a_dir = pair.folder.join(pair.a.0.device_id().unwrap().as_str());
    std::fs::remove_dir_all(&a_dir).unwrap();
    assert_eq!(pair.sync_b(), Synced::default());
    assert_eq!(pair.b.0.daily_totals("water").unwrap().len(), 1);
    assert_eq!(pair.sync_a().exported, 1, "a writes its events again");
}

#[test]
fn a_lost_history_comes_back_from_the_folder() {
    let mut pair = Pair::new();
    pair.a.0.append(&done("water", "2026-11-27", 3)).unwrap();
    pair.sync_a();
    // A's disk is replaced: a new, empty history, syncing the same folder.
    let disk = tempfile::tempdir().unwrap();
    let mut fresh = store_in(disk.path());
    assert_ne!(fresh.device_id().unwrap(), pair.a.0.device_id().unwrap());
    let synced = Syncer::new()
        .sync(&mut fresh, &settings(&pair.folder, "a"), now())
        .unwrap();
    assert_eq!(
        synced.imported, 1,
        "the old history's event, as another device's"
    );
    let day = "2026-11-27".parse().unwrap();
    assert_eq!(fresh.daily_totals("water").unwrap(), [(day, 3)]);
}

#[test]
fn a_history_copied_to_another_machine_becomes_a_device_of_its_own() {
    let mut pair = Pair::new();
    pair.a.0.append(&done("water", "2026-11-27", 1)).unwrap();
    pair.a.0.append(&done("water", "2026-11-27", 2)).unwrap();
    pair.sync_a();
    pair.sync_b();
    let a_id = pair.a.0.device_id().unwrap();

    // A's history copied to machine C (a new laptop set up from a backup).
    let disk = tempfile::tempdir().unwrap();
    let copy = disk.path().join("habitd.db");
    for suffix in ["", "-wal"] {
        let from = format!("{}{suffix}", pair.a.0.path().display());
        std::fs::copy(from, format!("{}{suffix}", copy.display())).unwrap();
    }
    let mut c = Store::open(&copy).unwrap();
    c.settle_device(Some("machine-c")).unwrap();
    let c_id = c.device_id().unwrap();
    assert_ne!(c_id, a_id, "C writes as a device of its own");
    c.settle_device(Some("machine-c")).unwrap();
    assert_eq!(c.device_id().unwrap(), c_id, "once");
    // Its copies of A's events keep A's global ids; C tells them too.
    let day = "2026-11-27".parse().unwrap();
    assert_eq!(c.daily_totals("water").unwrap(), [(day, 3)]);
    c.append(&done("water", "2026-11-27", 4)).unwrap();
    let mut c_syncer = Syncer::new();
    let synced = c_syncer
        .sync(&mut c, &settings(&pair.folder, "c"), now())
        .unwrap();
    assert_eq!((synced.imported, synced.exported), (0, 3));

    // Each event counts once everywhere: A's two, C's one.
    pair.sync_a();
    pair.sync_b();
    for store in [&pair.a.0, &pair.b.0, &c] {
        assert_eq!(store.daily_totals("water").unwrap(), [(day, 7)]);
    }
    assert_eq!(canonical(&pair.a.0), canonical(&pair.b.0));
    assert_eq!(canonical(&c), canonical(&pair.b.0));
}

#[test]
fn a_history_notes_its_machine_once_and_keeps_its_id_there() {
    let pair = Pair::new();
    let mut a = pair.a.0;
    // Opened, it noted this machine.
    let id = a.device_id().unwrap();
    for machine in [None, machine_id().as_deref()] {
        a.settle_device(machine).unwrap();
        assert_eq!(a.device_id().unwrap(), id);
    }
    a.settle_device(Some("elsewhere")).unwrap();
    let there = a.device_id().unwrap();
    assert_ne!(there, id);
    a.settle_device(Some("elsewhere")).unwrap();
    assert_eq!(a.device_id().unwrap(), there);
}

#[test]
fn an_undo_waits_for_its_target_and_is_recorded_with_it() {
    let mut pair = Pair::new();
    let a_id = pair.a.0.device_id().unwrap();
    let target = GlobalId {
        device: a_id.clone(),
        seq: 1,
    };
    let day = "2026-11-27".parse().unwrap();
    let undo = Shared {
        id: GlobalId {
            device: "00000000000000cc".parse().unwrap(),
            seq: 1,
        },
        event: NewEvent {
            amount: Some(1),
            ..NewEvent::new(now(), day, Some("water"), Kind::Undone, Source::Cli)
        },
        target: Some(target),
    };
    assert_eq!(
        pair.b.0.merge(std::slice::from_ref(&undo), &[]).unwrap(),
        (0, 1)
    );
    pair.a.0.append(&done("water", "2026-11-27", 1)).unwrap();
    pair.sync_a();
    let synced = pair.sync_b();
    assert_eq!((synced.imported, synced.waiting), (2, 0));
    assert!(pair.b.0.daily_totals("water").unwrap().is_empty());
}

/// One device's events, made up: completions, rest days, snoozes, cramp
/// diary entries, and undos of any event made before (its own or another
/// device's, as it would have read it by then).
fn histories() -> impl Strategy<Value = Vec<Vec<Shared>>> {
    let devices = ["00000000000000a1", "00000000000000b2", "00000000000000c3"];
    prop::collection::vec((0usize..3, 0u8..5, 0usize..1000, 1i64..5), 1..40).prop_map(
        move |steps| {
            let mut per_device: Vec<Vec<Shared>> = vec![Vec::new(); 3];
            let mut made: Vec<GlobalId> = Vec::new();
            let mut undone: BTreeSet<GlobalId> = BTreeSet::new();
            for (device, what, pick, amount) in steps {
                let day: jiff::civil::Date = format!("2026-11-{:02}", 20 + amount).parse().unwrap();
                let habit = ["water", "walk"][pick % 2];
                let id = GlobalId {
                    device: devices[device].parse().unwrap(),
                    seq: i64::try_from(per_device[device].len()).unwrap() + 1,
                };
                let (kind, target) = match what {
                    0 | 1 => (Kind::Done, None),
                    2 => (Kind::Skipped, None),
                    3 => (Kind::NoCramps, None),
                    _ => {
                        let open: Vec<&GlobalId> =
                            made.iter().filter(|m| !undone.contains(*m)).collect();
                        if open.is_empty() {
                            (Kind::Snoozed, None)
                        } else {
                            let target = open[pick % open.len()].clone();
                            undone.insert(target.clone());
                            (Kind::Undone, Some(target))
                        }
                    }
                };
                let mut event = NewEvent::new(now(), day, Some(habit), kind, Source::Cli);
                match kind {
                    Kind::Done => event.amount = Some(amount),
                    Kind::Snoozed => event.until = Some(now()),
                    Kind::NoCramps => event.habit = None,
                    _ => {}
                }
                if matches!(kind, Kind::Done | Kind::NoCramps) {
                    made.push(id.clone());
                }
                per_device[device].push(Shared { id, event, target });
            }
            per_device
        },
    )
}

/// How a sync tool might hand over the files: in pieces (a file cut
/// anywhere, mid-line included), again (the same content twice), as a
/// conflict copy, in any order.
#[derive(Clone, Debug)]
enum Delivery {
    /// File `file`, cut after this fraction of its bytes (in 1/8ths).
    Prefix { file: usize, eighths: usize },
    /// File `file` whole, as a Syncthing conflict copy beside it.
    ConflictCopy { file: usize },
    /// An import now.
    Import,
    /// An import by a process that has read nothing yet (a restart).
    FreshImport,
}

fn deliveries() -> impl Strategy<Value = Vec<Delivery>> {
    prop::collection::vec(
        prop_oneof![
            (0usize..3, 0usize..=8).prop_map(|(file, eighths)| Delivery::Prefix { file, eighths }),
            (0usize..3).prop_map(|file| Delivery::ConflictCopy { file }),
            Just(Delivery::Import),
            Just(Delivery::FreshImport),
        ],
        0..20,
    )
}

/// Puts `bytes` at `path` as a sync tool does: whole, by rename.
fn deliver(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    crate::atomic::write(path, bytes, 0o600).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_delivery_of_the_segments_converges_to_the_same_history(
        histories in histories(),
        deliveries in deliveries(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let files: Vec<(PathBuf, Vec<u8>)> = histories
            .iter()
            .map(|events| {
                let device = ["00000000000000a1", "00000000000000b2", "00000000000000c3"]
                    [histories.iter().position(|h| std::ptr::eq(h, events)).unwrap()];
                let text: String = events.iter().map(|e| line::encode(e) + "\n").collect();
                (PathBuf::from(device).join("2026-11.jsonl"), text.into_bytes())
            })
            .collect();

        // All at once, into one history.
        let all_at_once = dir.path().join("once");
        std::fs::create_dir_all(all_at_once.join("Sync")).unwrap();
        for (name, bytes) in &files {
            deliver(&all_at_once.join("Sync").join(name), bytes);
        }
        let mut once = store_in(&all_at_once);
        let at_once = settings(&all_at_once.join("Sync"), "once");
        Syncer::new().sync(&mut once, &at_once, now()).unwrap();
        let expected = canonical(&once);

        // Piece by piece, out of order, repeated, into another.
        let pieces = dir.path().join("pieces");
        std::fs::create_dir_all(pieces.join("Sync")).unwrap();
        let mut store = store_in(&pieces);
        let piecewise = settings(&pieces.join("Sync"), "pieces");
        let mut syncer = Syncer::new();
        for delivery in &deliveries {
            match delivery {
                Delivery::Prefix { file, eighths } => {
                    let (name, bytes) = &files[*file];
                    deliver(&pieces.join("Sync").join(name), &bytes[..bytes.len() * eighths / 8]);
                }
                Delivery::ConflictCopy { file } => {
                    let (name, bytes) = &files[*file];
                    let copy = name.with_file_name("2026-11.sync-conflict-20261127-100000-ABCDEFG.jsonl");
                    deliver(&pieces.join("Sync").join(copy), bytes);
                }
                Delivery::Import => {
                    syncer.sync(&mut store, &piecewise, now()).unwrap();
                }
                Delivery::FreshImport => {
                    syncer = Syncer::new();
                    syncer.sync(&mut store, &piecewise, now()).unwrap();
                }
            }
            // Never more than what was sent: no event from nowhere.
            prop_assert!(canonical(&store).is_subset(&expected));
            for habit in ["water", "walk"] {
                prop_assert_eq!(store.daily_totals(habit).unwrap(), rule_totals(&store, habit));
            }
        }
        // The rest, leaving alone what arrived whole: what was read of it
        // is not read again.
        for (name, bytes) in &files {
            let path = pieces.join("Sync").join(name);
            if std::fs::read(&path).ok().as_ref() != Some(bytes) {
                deliver(&path, bytes);
            }
        }
        syncer.sync(&mut store, &piecewise, now()).unwrap();
        prop_assert_eq!(canonical(&store), expected.clone());
        for habit in ["water", "walk"] {
            prop_assert_eq!(store.daily_totals(habit).unwrap(), once.daily_totals(habit).unwrap());
        }

        // Reading it all again, as a new process would, changes nothing.
        let again = Syncer::new().sync(&mut store, &piecewise, now()).unwrap();
        prop_assert_eq!(again.imported, 0);
        prop_assert_eq!(canonical(&store), expected);
    }
}
