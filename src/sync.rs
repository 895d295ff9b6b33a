//! One history on every machine, through a folder that a sync tool
//! (Syncthing, or any tool that makes files appear whole) keeps the same on
//! all of them. No server of ours, and no conflicts by construction:
//!
//! - Each history has a device id ([`DeviceId`], made once by the store's
//!   schema and kept in the history), and each event a global id: its
//!   device and its number there ([`GlobalId`]).
//! - Each device writes only its own subfolder, `FOLDER/DEVICE-ID/`: its
//!   shared events ([`line::shared`]) appended one a line to `YYYY-MM.jsonl`
//!   (the month it wrote them, UTC), and `device.json` (its name and how far
//!   it has read the others). No file has two writers, so a sync tool never
//!   sees a conflict, and the merged history is the union of all events: a
//!   grow-only set, which any order, repetition or partial delivery of the
//!   files converges to.
//! - Each device reads the others' subfolders into its own store
//!   ([`Store::merge`]): idempotent, since an event already there by its
//!   global id is left out.
//!
//! This module owns the folder: what is read (whole lines only: a torn or
//! half-synced last line waits for its end; a bad line is reported once
//! with file:line and skipped), what is written (appended under a lock,
//! synced, a torn tail of our own cut off first), and which files are read
//! again (only those that changed since). What the events mean is the
//! store's and the plan's business.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use jiff::Timestamp;
use log::{debug, warn};
use rustix::fs::{FlockOperation, flock};
use serde_json::{Value, json};

use crate::config::SyncSettings;
use crate::event::NewEvent;
use crate::store::{Store, StoreError};

pub mod line;

/// A history's id among the devices that share a folder: 16 lowercase hex
/// digits (64 random bits), the name of its subfolder.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeviceId(String);

impl DeviceId {
    /// The id as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for DeviceId {
    type Err = String;

    fn from_str(text: &str) -> Result<DeviceId, String> {
        if text.len() == 16 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(DeviceId(text.to_string()))
        } else {
            Err(format!(
                "invalid device id {text:?}: expected 16 lowercase hex digits"
            ))
        }
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An event's id on every device: the device that recorded it and its id
/// there, written `DEVICE:SEQ`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GlobalId {
    /// The device that recorded it.
    pub device: DeviceId,
    /// Its id in that device's history (from 1).
    pub seq: i64,
}

impl FromStr for GlobalId {
    type Err = String;

    fn from_str(text: &str) -> Result<GlobalId, String> {
        let invalid = || {
            format!(
                "invalid global id {text:?}: expected DEVICE:NUMBER, e.g. \"3f9a1c2b7d4e8a10:17\""
            )
        };
        let (device, seq) = text.split_once(':').ok_or_else(invalid)?;
        let seq: i64 = seq.parse().ok().filter(|&n| n > 0).ok_or_else(invalid)?;
        Ok(GlobalId {
            device: device.parse().map_err(|_| invalid())?,
            seq,
        })
    }
}

impl fmt::Display for GlobalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.device, self.seq)
    }
}

/// An event as it travels between devices: the store's own `target` (a
/// local id) gives way to the target's global id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shared {
    /// Its global id.
    pub id: GlobalId,
    /// The event; its `target` is `None` here.
    pub event: NewEvent,
    /// For an `undone`, the global id of the event taken back.
    pub target: Option<GlobalId>,
}

/// What another device says of itself in its `device.json`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Peer {
    /// Its name (`[sync] name`, or its host name).
    pub name: Option<String>,
    /// The newest of this device's events it has read (its number), if
    /// any: how far behind it is.
    pub has_mine: Option<i64>,
}

/// What one sync did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Synced {
    /// Other devices' events added to the store.
    pub imported: usize,
    /// Other devices' `undone` events still waiting for their target to
    /// arrive.
    pub waiting: usize,
    /// This device's events written to the folder.
    pub exported: usize,
}

/// Why the folder could not be used; the local history goes on regardless.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The folder is missing, not a directory, or cannot be read or written.
    #[error("the sync folder {}: {problem}; habitd goes on with this machine's history alone", folder.display())]
    Folder {
        /// The folder.
        folder: PathBuf,
        /// What is wrong, in words.
        problem: String,
    },
    /// The history could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A file as it was when last read: read it again only if this changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified_ns: i128,
    inode: u64,
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            len: meta.len(),
            modified_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
            inode: meta.ino(),
        }
    }
}

/// A process's side of the folder, kept from one sync to the next so that
/// files that did not change are not read again and a bad line is reported
/// once.
#[derive(Default)]
pub struct Syncer {
    read: HashMap<PathBuf, Stamp>,
    reported: HashSet<(PathBuf, usize, String)>,
}

/// The name of a device's own file of what it says of itself.
const DEVICE_FILE: &str = "device.json";
/// The extension of segment files.
const SEGMENT_EXTENSION: &str = "jsonl";

impl Syncer {
    /// A syncer that has read nothing yet.
    pub fn new() -> Syncer {
        Syncer::default()
    }

    /// Reads what changed in the other devices' subfolders into `store`,
    /// then appends this device's shared events not in the folder yet, and
    /// says in `device.json` how far it has read the others. `now` names
    /// the month file written to.
    pub fn sync(
        &mut self,
        store: &mut Store,
        settings: &SyncSettings,
        now: Timestamp,
    ) -> Result<Synced, SyncError> {
        let folder = &settings.folder;
        let folder_problem = |problem: String| SyncError::Folder {
            folder: folder.clone(),
            problem,
        };
        match std::fs::metadata(folder) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => return Err(folder_problem("not a directory".to_string())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(folder_problem(
                    "does not exist: make it, or share it with Syncthing first".to_string(),
                ));
            }
            Err(e) => return Err(folder_problem(e.to_string())),
        }
        let own = store.device_id()?;
        let mut synced = self
            .import(store, folder, &own)
            .map_err(|e| folder_problem(format!("cannot be read: {e}")))??;
        synced.exported = export(store, settings, &own, now)
            .map_err(|e| folder_problem(format!("cannot be written: {e}")))??;
        Ok(synced)
    }

    /// Reads every other device's changed files, each merged in batches of
    /// their own (see [`Syncer::merge_segment`]). The outer error is the
    /// folder's, the inner the store's.
    fn import(
        &mut self,
        store: &mut Store,
        folder: &Path,
        own: &DeviceId,
    ) -> io::Result<Result<Synced, StoreError>> {
        let mut synced = Synced::default();
        for entry in std::fs::read_dir(folder)? {
            let entry = entry?;
            let Some(device) = entry
                .file_name()
                .to_str()
                .and_then(|name| name.parse::<DeviceId>().ok())
            else {
                continue; // .stfolder, .stversions, a user's own files
            };
            if &device == own || !entry.file_type()?.is_dir() {
                continue;
            }
            let dir = entry.path();
            for file in std::fs::read_dir(&dir)? {
                let file = file?;
                let path = file.path();
                let Ok(meta) = std::fs::metadata(&path) else {
                    continue; // gone since listed: the sync tool replaced it
                };
                let stamp = Stamp::of(&meta);
                if !meta.is_file() || self.read.get(&path) == Some(&stamp) {
                    continue;
                }
                let name = file.file_name();
                let name = name.to_string_lossy();
                let merged = if is_segment(&name) {
                    match self.merge_segment(store, &path)? {
                        Some(merged) => merged,
                        None => continue,
                    }
                } else if name == DEVICE_FILE {
                    let peer = read_peer(&path, own);
                    store.merge(&[], &[(device.clone(), peer)])
                } else {
                    continue;
                };
                match merged {
                    Ok((imported, waiting)) => {
                        synced.imported += imported;
                        synced.waiting = waiting;
                        // Only once merged: a failed merge reads it again.
                        self.read.insert(path, stamp);
                    }
                    Err(e) => return Ok(Err(e)),
                }
            }
        }
        Ok(Ok(synced))
    }

    /// Merges the events of a segment's whole lines, a batch at a time, so
    /// that a file of any size is read in bounded memory; reports each bad
    /// line once. A last line without its newline is still being written
    /// or synced, and is read when it is whole. Returns the events recorded
    /// and those waiting; `None` for a file gone since it was listed.
    fn merge_segment(
        &mut self,
        store: &mut Store,
        path: &Path,
    ) -> io::Result<Option<Result<(usize, usize), StoreError>>> {
        const BATCH: usize = 4096;
        let file = match File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut reader = io::BufReader::new(file);
        let mut line = Vec::new();
        let mut batch = Vec::new();
        let (mut recorded, mut waiting) = (0, 0);
        let mut merge = |batch: &mut Vec<Shared>| -> Result<(), StoreError> {
            let (added, left) = store.merge(batch, &[])?;
            recorded += added;
            waiting = left;
            batch.clear();
            Ok(())
        };
        for number in 1.. {
            line.clear();
            let limit = line::MAX_LINE as u64 + 1;
            let read = (&mut reader).take(limit).read_until(b'\n', &mut line)?;
            if read == 0 {
                break;
            }
            let decoded = if line.last() == Some(&b'\n') {
                line.pop();
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                std::str::from_utf8(&line)
                    .map_err(|_| "not UTF-8 text".to_string())
                    .and_then(line::decode)
            } else if read as u64 == limit {
                // Too long to be an event: skipped to its end.
                reader.skip_until(b'\n')?;
                Err(format!(
                    "a line of more than {} bytes is too long",
                    line::MAX_LINE
                ))
            } else {
                break; // the last line, not whole yet
            };
            match decoded {
                Ok(event) => batch.push(event),
                Err(problem) => self.report(path, number, problem),
            }
            if batch.len() == BATCH
                && let Err(e) = merge(&mut batch)
            {
                return Ok(Some(Err(e)));
            }
        }
        Ok(Some(merge(&mut batch).map(|()| (recorded, waiting))))
    }

    /// Warns of a bad line, once.
    fn report(&mut self, path: &Path, number: usize, problem: String) {
        let key = (path.to_path_buf(), number, problem);
        if !self.reported.contains(&key) {
            warn!("{}:{number}: {}; skipping that line", path.display(), key.2);
            self.reported.insert(key);
        }
    }
}

/// This machine's id (systemd's `/etc/machine-id`, or D-Bus's copy), which
/// tells a history copied to another machine from the original; `None`
/// where there is none.
pub fn machine_id() -> Option<String> {
    ["/etc/machine-id", "/var/lib/dbus/machine-id"]
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .map(|text| text.trim().to_string())
        .find(|id| !id.is_empty())
}

/// Whether a file of this name in another device's subfolder is read: a
/// segment or its `device.json`. The folder watch asks, so that a sync
/// tool's temporary files wake nothing.
pub fn is_read(name: &str) -> bool {
    is_segment(name) || name == DEVICE_FILE
}

/// Whether `name` is a segment: `*.jsonl`, Syncthing's conflict copies
/// (`2026-11.sync-conflict-….jsonl`) included, since events are immutable
/// and their union is right; not a sync tool's temporary file.
fn is_segment(name: &str) -> bool {
    name.ends_with(&format!(".{SEGMENT_EXTENSION}"))
        && !name.starts_with('.')
        && !name.starts_with('~')
}

/// What a device's `device.json` says; nothing for a file that is missing
/// or not what habitd writes (it is rewritten whole, so never half).
fn read_peer(path: &Path, own: &DeviceId) -> Peer {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Peer::default();
    };
    let Ok(value) = serde_json::from_str::<Value>(&text) else {
        warn!("{}: not JSON; its device is shown unnamed", path.display());
        return Peer::default();
    };
    Peer {
        name: value["name"]
            .as_str()
            .map(|name| name.chars().filter(|c| !c.is_control()).take(64).collect()),
        has_mine: value["has"][own.as_str()].as_i64(),
    }
}

/// Appends this device's shared events that its subfolder lacks; returns
/// how many. The outer error is the folder's, the inner the store's.
fn export(
    store: &Store,
    settings: &SyncSettings,
    own: &DeviceId,
    now: Timestamp,
) -> io::Result<Result<usize, StoreError>> {
    let dir = settings.folder.join(own.as_str());
    crate::atomic::make_dir(&dir)?;
    // One writer at a time (the daemon and a command writing the history
    // without it): the lock lives beside the history, not in the folder,
    // where the sync tool would carry it to other machines.
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(store.path().with_extension("sync-lock"))?;
    flock(&lock, FlockOperation::LockExclusive)?;
    // A batch at a time: the first sync of a long history holds a few
    // thousand events in memory, not decades of them.
    const BATCH: usize = 4096;
    let path = dir.join(format!("{}.{SEGMENT_EXTENSION}", now.strftime("%Y-%m")));
    let mut looked_at = last_written(&dir)?;
    let mut written = 0;
    loop {
        let (events, last) = match store.shared_since(looked_at, BATCH) {
            Ok(batch) => batch,
            Err(e) => return Ok(Err(e)),
        };
        if last == looked_at {
            break;
        }
        looked_at = last;
        if !events.is_empty() {
            append(&path, &events)?;
            written += events.len();
        }
    }
    if written > 0 {
        debug!("wrote {written} event(s) to {}", path.display());
    }
    match store.has_of_others() {
        Ok(has) => say_who_we_are(&dir, settings, &has)?,
        Err(e) => return Ok(Err(e)),
    }
    Ok(Ok(written))
}

/// The number of the newest of our events in our subfolder, 0 if none.
/// Lines are appended in number order, one file at a time, so the newest
/// is the last whole line of one of the files; only their tails are read,
/// a few KB each unless that last line is a long one.
fn last_written(dir: &Path) -> io::Result<i64> {
    let mut newest = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !is_segment(&name) || name.contains(".sync-conflict-") {
            continue;
        }
        let mut file = File::open(entry.path())?;
        let len = file.metadata()?.len();
        for tail in [4096, 4 * line::MAX_LINE as u64] {
            if let Some(seq) = last_whole_line(&mut file, len, tail)? {
                newest = newest.max(seq);
                break;
            }
            if tail >= len {
                break;
            }
        }
    }
    Ok(newest)
}

/// The number of the event on the last whole line in the last `tail`
/// bytes of `file` (`len` long), if one decodes.
fn last_whole_line(file: &mut File, len: u64, tail: u64) -> io::Result<Option<i64>> {
    file.seek(SeekFrom::Start(len.saturating_sub(tail)))?;
    let mut bytes = Vec::new();
    file.take(tail).read_to_end(&mut bytes)?;
    let whole = bytes
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(&bytes[..0], |end| &bytes[..end]);
    Ok(whole
        .rsplit(|&b| b == b'\n')
        .filter_map(|line| std::str::from_utf8(line).ok())
        .find_map(|line| line::decode(line).ok())
        .map(|event| event.id.seq))
}

/// Appends `events` to the segment at `path` in one write, then syncs it.
/// A torn tail (a write cut short when its writer was killed) is cut off
/// first: those events are not in the file, and are written again now.
fn append(path: &Path, events: &[Shared]) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    let len = file.metadata()?.len();
    if len > 0 {
        let mut last = [0u8];
        file.seek(SeekFrom::Start(len - 1))?;
        file.read_exact(&mut last)?;
        if last[0] != b'\n' {
            let mut bytes = Vec::new();
            file.seek(SeekFrom::Start(0))?;
            file.read_to_end(&mut bytes)?;
            let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            warn!(
                "{}: cutting off a torn last line ({} bytes) left by a write that did not finish",
                path.display(),
                bytes.len() - keep
            );
            file.set_len(keep as u64)?;
        }
    }
    let mut text = String::new();
    for event in events {
        text.push_str(&line::encode(event));
        text.push('\n');
    }
    file.write_all(text.as_bytes())?;
    file.sync_data()
}

/// Rewrites our `device.json` (whole: temporary file, rename) when what it
/// says changed: our name, and the newest event we have of each device.
fn say_who_we_are(dir: &Path, settings: &SyncSettings, has: &[(DeviceId, i64)]) -> io::Result<()> {
    let has: serde_json::Map<String, Value> = has
        .iter()
        .map(|(device, seq)| (device.to_string(), json!(seq)))
        .collect();
    let text = format!(
        "{}\n",
        json!({ "name": settings.device_name(), "has": has })
    );
    let path = dir.join(DEVICE_FILE);
    if std::fs::read_to_string(&path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    crate::atomic::write(&path, text.as_bytes(), 0o600)
}

#[cfg(test)]
mod tests;
