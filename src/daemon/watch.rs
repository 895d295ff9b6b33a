//! Watching the config file with inotify, so a save reloads it without a
//! SIGHUP — and without polling: the process wakes only when something in
//! the config's directory changes.
//!
//! The directory is watched rather than the file, because editors save by
//! writing a new file and renaming it over the old one, which a watch on the
//! old file would not see.

use std::ffi::OsString;
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use rustix::fs::inotify::{self, CreateFlags, WatchFlags};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

/// A watch on one file's directory.
pub struct ConfigWatch {
    fd: AsyncFd<OwnedFd>,
    file_name: OsString,
}

impl ConfigWatch {
    /// Watches `path`'s directory for `path` being written or replaced.
    /// Must be called inside a tokio runtime.
    pub fn new(path: &Path) -> io::Result<ConfigWatch> {
        let (Some(dir), Some(file_name)) = (path.parent(), path.file_name()) else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a file path",
            ));
        };
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let fd = inotify::init(CreateFlags::NONBLOCK | CreateFlags::CLOEXEC)?;
        inotify::add_watch(&fd, dir, WatchFlags::CLOSE_WRITE | WatchFlags::MOVED_TO)?;
        // SAFETY: the OwnedFd moves into the AsyncFd and is never handed
        // out, so it stays open and the same descriptor for its lifetime.
        let fd = unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }?;
        Ok(ConfigWatch {
            fd,
            file_name: file_name.to_os_string(),
        })
    }

    /// Waits until the file has been saved (written and closed, or moved
    /// into place). Several events from one save come back as one.
    pub async fn saved(&mut self) -> io::Result<()> {
        loop {
            let mut guard = self.fd.readable().await?;
            let mut buf = [MaybeUninit::<u8>::uninit(); 4096];
            let mut ours = false;
            let mut reader = inotify::Reader::new(guard.get_inner(), &mut buf);
            loop {
                match reader.next() {
                    Ok(event) => {
                        ours |= event
                            .file_name()
                            .is_some_and(|name| name.to_bytes() == self.file_name.as_bytes());
                    }
                    Err(rustix::io::Errno::WOULDBLOCK) => break,
                    Err(e) => return Err(e.into()),
                }
            }
            guard.clear_ready();
            if ours {
                return Ok(());
            }
        }
    }
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
}
