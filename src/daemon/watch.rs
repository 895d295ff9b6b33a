//! Watching the config file with inotify, so a save reloads it without a
//! SIGHUP — and without polling: the process wakes only when something in
//! the config's directory changes.
//!
//! The directory is watched rather than the file, because editors save by
//! writing a new file and renaming it over the old one, which a watch on the
//! old file would not see.

use std::io;
use std::mem::MaybeUninit;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rustix::fs::inotify::{self, CreateFlags, WatchFlags};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

/// A watch on one file's directory — or, while that directory does not
/// exist yet, on its nearest existing ancestor, so that a config created
/// after the daemon started (`mkdir -p ~/.config/habitd`, then a copy of the
/// example) is still picked up.
pub struct ConfigWatch {
    fd: AsyncFd<OwnedFd>,
    file: PathBuf,
    /// The directory watched now, and its watch descriptor.
    watching: (PathBuf, i32),
}

impl ConfigWatch {
    /// Watches for `path` being written, replaced or created. Must be called
    /// inside a tokio runtime.
    pub fn new(path: &Path) -> io::Result<ConfigWatch> {
        if path.file_name().is_none() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a file path",
            ));
        }
        let file = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir()?.join(path)
        };
        let fd = inotify::init(CreateFlags::NONBLOCK | CreateFlags::CLOEXEC)?;
        let watching = watch_nearest(&fd, &file)?;
        // SAFETY: the OwnedFd moves into the AsyncFd and is never handed
        // out, so it stays open and the same descriptor for its lifetime.
        let fd = unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }?;
        Ok(ConfigWatch { fd, file, watching })
    }

    /// Waits until the file has been saved (written and closed, moved into
    /// place, or created with its directory). Several events from one save
    /// come back as one.
    pub async fn saved(&mut self) -> io::Result<()> {
        loop {
            let mut guard = self.fd.readable().await?;
            let mut buf = [MaybeUninit::<u8>::uninit(); 4096];
            let mut ours = false;
            let mut reader = inotify::Reader::new(guard.get_inner(), &mut buf);
            let in_its_directory = self.file.parent() == Some(self.watching.0.as_path());
            let file_name = self
                .file
                .file_name()
                .map(|n| n.as_bytes().to_vec())
                .unwrap_or_default();
            let mut ancestor_changed = false;
            loop {
                match reader.next() {
                    Ok(event) => {
                        let name = event.file_name().map(|n| n.to_bytes().to_vec());
                        if in_its_directory {
                            ours |= name.as_deref() == Some(file_name.as_slice());
                        } else {
                            ancestor_changed = true;
                        }
                    }
                    Err(rustix::io::Errno::WOULDBLOCK) => break,
                    Err(e) => return Err(e.into()),
                }
            }
            guard.clear_ready();
            if ancestor_changed {
                // A directory on the way appeared: watch deeper. The file may
                // already be there if it was written before the new watch.
                let _ = inotify::remove_watch(self.fd.get_ref(), self.watching.1);
                self.watching = watch_nearest(self.fd.get_ref(), &self.file)?;
                ours = self.file.exists();
            }
            if ours {
                return Ok(());
            }
        }
    }
}

/// Watches the file's directory if it exists (for the file being saved),
/// else its nearest existing ancestor (for directories appearing).
fn watch_nearest(fd: &OwnedFd, file: &Path) -> io::Result<(PathBuf, i32)> {
    let mut dir = file.parent().unwrap_or(Path::new("/"));
    let flags = if dir.is_dir() {
        WatchFlags::CLOSE_WRITE | WatchFlags::MOVED_TO
    } else {
        while !dir.is_dir() {
            dir = dir.parent().unwrap_or(Path::new("/"));
        }
        WatchFlags::CREATE | WatchFlags::MOVED_TO
    };
    let wd = inotify::add_watch(fd, dir, flags)?;
    Ok((dir.to_path_buf(), wd))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_rename_over_the_file_is_a_save_and_other_files_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "a").unwrap();
        let mut watch = ConfigWatch::new(&path).unwrap();

        std::fs::write(dir.path().join("other.toml"), "b").unwrap();
        let other = tokio::time::timeout(Duration::from_millis(200), watch.saved()).await;
        assert!(other.is_err(), "another file's save must not count");

        let temp = dir.path().join(".config.toml.swp");
        std::fs::write(&temp, "c").unwrap();
        std::fs::rename(&temp, &path).unwrap();
        tokio::time::timeout(Duration::from_secs(5), watch.saved())
            .await
            .expect("the rename is seen")
            .unwrap();

        std::fs::write(&path, "d").unwrap();
        tokio::time::timeout(Duration::from_secs(5), watch.saved())
            .await
            .expect("the write is seen")
            .unwrap();
    }

    #[tokio::test]
    async fn a_config_created_with_its_directories_later_is_seen() {
        let home = tempfile::tempdir().unwrap();
        let path = home
            .path()
            .join("config")
            .join("habitd")
            .join("config.toml");
        let mut watch = ConfigWatch::new(&path).unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "a").unwrap();
        // The directories' creation and the write may take one or two
        // wake-ups; the file being there ends it.
        tokio::time::timeout(Duration::from_secs(5), async {
            while watch.saved().await.is_ok() && !path.exists() {}
        })
        .await
        .expect("the new config is seen");
        std::fs::write(&path, "b").unwrap();
        tokio::time::timeout(Duration::from_secs(5), watch.saved())
            .await
            .expect("later saves are seen")
            .unwrap();
    }
}
