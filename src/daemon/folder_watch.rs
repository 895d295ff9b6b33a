//! Watching the sync folder with inotify for other devices' files, without
//! polling and without waking for anything else: while no other device's
//! file changes, the process sleeps.
//!
//! Watched: the folder itself, for device subfolders appearing (a new
//! device, or the first sync) and for the folder going away; and each other
//! device's subfolder, for a file closed after writing (a tool, or another
//! habitd on this machine, writing in place) or renamed into place (how
//! Syncthing delivers). This device's own subfolder is not watched: its
//! writes are ours. A missing folder is waited for with a [`FileWatch`] on
//! its path, which wakes only when something on the way to it appears.
//! A burst of events (a sync delivering several files) is reported once,
//! after it settled.

use std::collections::HashMap;
use std::io;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rustix::fs::inotify::{self, CreateFlags, ReadFlags, WatchFlags};
use rustix::io::Errno;
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::time::Instant;

use super::watch::{self, DEFAULT_SETTLE, FileWatch};
use crate::sync::{self, DeviceId};

/// The folder: device subfolders made or moved in; the folder itself gone.
const ROOT: WatchFlags = WatchFlags::CREATE
    .union(WatchFlags::MOVED_TO)
    .union(WatchFlags::DELETE_SELF)
    .union(WatchFlags::MOVE_SELF)
    .union(WatchFlags::ONLYDIR);
/// Another device's subfolder: a file written in place, or renamed in.
const DEVICE: WatchFlags = WatchFlags::CLOSE_WRITE
    .union(WatchFlags::MOVED_TO)
    .union(WatchFlags::ONLYDIR);

/// Watches the sync folder for other devices' files.
pub struct FolderWatch {
    fd: AsyncFd<OwnedFd>,
    root: PathBuf,
    own: Option<DeviceId>,
    settle: Duration,
    /// The folder's watch, while it exists.
    root_wd: Option<i32>,
    /// Other devices' subfolders, by watch.
    devices: HashMap<i32, PathBuf>,
    /// While the folder is missing: the watch for it to appear.
    appear: Option<FileWatch>,
    /// When the burst being settled is reported, if there is one; kept here
    /// so that a `changed` dropped by a `select!` loses nothing.
    due: Option<Instant>,
}

impl FolderWatch {
    /// Watches `root`, leaving out the subfolder of `own` (this device).
    /// Must be called inside a tokio runtime.
    pub fn new(root: &Path, own: Option<DeviceId>) -> io::Result<FolderWatch> {
        let fd = inotify::init(CreateFlags::NONBLOCK | CreateFlags::CLOEXEC)?;
        // SAFETY: the OwnedFd moves into the AsyncFd and is never handed
        // out, so it stays open and the same descriptor for its lifetime.
        let fd = unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }?;
        let mut watch = FolderWatch {
            fd,
            root: std::path::absolute(root)?,
            own,
            settle: DEFAULT_SETTLE,
            root_wd: None,
            devices: HashMap::new(),
            appear: None,
            due: None,
        };
        watch.start()?;
        Ok(watch)
    }

    /// The folder watched.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Waits until another device's files may have changed, or the folder
    /// appeared. Cancel-safe.
    pub async fn changed(&mut self) -> io::Result<()> {
        loop {
            if self.root_wd.is_none() {
                match &mut self.appear {
                    Some(appear) => appear.changed().await?,
                    None => std::future::pending().await,
                }
                if self.start()? {
                    return Ok(());
                }
                continue;
            }
            let events = match self.due {
                None => watch::read_events(&self.fd).await?,
                Some(due) => tokio::select! {
                    events = watch::read_events(&self.fd) => events?,
                    () = tokio::time::sleep_until(due) => {
                        self.due = None;
                        return Ok(());
                    }
                },
            };
            if self.handle(&events)? {
                self.due = Some(Instant::now() + self.settle);
            }
        }
    }

    /// Watches the folder and its device subfolders if it exists, else
    /// waits for it; returns whether it exists.
    fn start(&mut self) -> io::Result<bool> {
        for wd in self
            .root_wd
            .take()
            .into_iter()
            .chain(self.devices.keys().copied())
        {
            // Gone already if its directory went.
            let _ = inotify::remove_watch(self.fd.get_ref(), wd);
        }
        self.devices.clear();
        let root_wd = match inotify::add_watch(self.fd.get_ref(), &self.root, ROOT) {
            Ok(wd) => wd,
            Err(Errno::NOENT | Errno::NOTDIR) => {
                self.appear = Some(FileWatch::new(&self.root)?);
                return Ok(false);
            }
            Err(e) => return Err(e.into()),
        };
        self.appear = None;
        self.root_wd = Some(root_wd);
        for entry in std::fs::read_dir(&self.root)? {
            let entry = entry?;
            self.watch_device(&entry.file_name().to_string_lossy())?;
        }
        Ok(true)
    }

    /// Watches the entry `name` of the folder if it is another device's
    /// subfolder; returns whether it is.
    fn watch_device(&mut self, name: &str) -> io::Result<bool> {
        let Ok(device) = name.parse::<DeviceId>() else {
            return Ok(false);
        };
        if self.own.as_ref() == Some(&device) {
            return Ok(false);
        }
        let path = self.root.join(name);
        match inotify::add_watch(self.fd.get_ref(), &path, DEVICE) {
            Ok(wd) => {
                self.devices.insert(wd, path);
                Ok(true)
            }
            // Not a directory, or gone again: nothing to read there.
            Err(Errno::NOENT | Errno::NOTDIR) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Works out what `events` mean; true if another device's files may
    /// have changed.
    fn handle(&mut self, events: &[watch::Event]) -> io::Result<bool> {
        let mut changed = false;
        for event in events {
            let name = event
                .name
                .as_ref()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if event.mask.contains(ReadFlags::QUEUE_OVERFLOW) {
                // Events were lost: anything may have happened.
                return self.start();
            }
            if Some(event.wd) == self.root_wd {
                if event
                    .mask
                    .intersects(ReadFlags::DELETE_SELF | ReadFlags::MOVE_SELF)
                {
                    // Whatever came with it concerned the folder that went.
                    self.start()?;
                    return Ok(false);
                }
                changed |= self.watch_device(&name)?;
            } else if event.mask.contains(ReadFlags::IGNORED) {
                self.devices.remove(&event.wd);
            } else if self.devices.contains_key(&event.wd) && sync::is_read(&name) {
                changed = true;
            }
        }
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daemon::watch::testing::{self, seen, unseen};
    use std::fs;

    const A: &str = "00000000000000aa";
    const OWN: &str = "00000000000000ff";

    fn watch(root: &Path) -> FolderWatch {
        let mut watch = FolderWatch::new(root, Some(OWN.parse().unwrap())).unwrap();
        watch.settle = Duration::from_millis(50);
        watch
    }

    impl testing::Watch for FolderWatch {
        async fn change(&mut self) -> io::Result<()> {
            self.changed().await
        }
    }

    #[tokio::test]
    async fn other_devices_files_are_seen_and_ours_and_temporary_files_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("Sync");
        fs::create_dir_all(root.join(OWN)).unwrap();
        let mut watch = watch(&root);

        fs::create_dir(root.join(A)).unwrap();
        seen(&mut watch, "a new device's folder").await;
        fs::write(root.join(A).join("2026-11.jsonl"), "{}\n").unwrap();
        seen(&mut watch, "a segment written in place").await;
        fs::write(root.join(A).join(".syncthing.2026-11.jsonl.tmp"), "{}\n").unwrap();
        unseen(&mut watch, "a sync tool's temporary file").await;
        fs::rename(
            root.join(A).join(".syncthing.2026-11.jsonl.tmp"),
            root.join(A).join("2026-11.jsonl"),
        )
        .unwrap();
        seen(&mut watch, "a segment renamed into place").await;
        fs::write(root.join(OWN).join("2026-11.jsonl"), "{}\n").unwrap();
        fs::write(root.join("notes.txt"), "mine").unwrap();
        fs::create_dir(root.join(".stversions")).unwrap();
        unseen(&mut watch, "our own file, or what is not a device's").await;
    }

    #[tokio::test]
    async fn a_folder_made_later_or_made_again_is_watched() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("Sync");
        let mut watch = watch(&root);
        unseen(&mut watch, "nothing").await;
        fs::create_dir_all(root.join(A)).unwrap();
        seen(&mut watch, "the folder appearing").await;
        fs::write(root.join(A).join("2026-11.jsonl"), "{}\n").unwrap();
        seen(&mut watch, "a segment in the folder made later").await;

        fs::remove_dir_all(&root).unwrap();
        unseen(&mut watch, "the folder deleted").await;
        fs::create_dir_all(root.join(A)).unwrap();
        seen(&mut watch, "the folder made again").await;
        fs::write(root.join(A).join("2026-12.jsonl"), "{}\n").unwrap();
        seen(&mut watch, "a segment in the folder made again").await;
    }
}
