//! Watching one file path with inotify — the config, so a save reloads it
//! without a SIGHUP, and the system time zone link — without polling: while
//! nothing happens to the file, the process is not woken and no timer runs.
//!
//! What a path names changes in more ways than its content being written:
//! editors save by writing a new file and renaming it over the old one,
//! dotfile managers make it a symlink whose target is edited elsewhere,
//! `timedatectl` renames a new symlink over `/etc/localtime`, and whole
//! directories get moved away or removed and made again. So the watch follows
//! the path rather than one inode, and asks the kernel only for events that
//! can matter, so that files written next to the config wake nothing:
//!
//! - While the file exists, its own inode is watched (closed after a write,
//!   attributes, deleted, moved away), and its directory only for something
//!   renamed into it and for the directory itself going away — not for the
//!   other files in it.
//! - While it does not exist, its directory is watched for entries appearing;
//!   while that directory does not exist either, its nearest existing
//!   ancestor is, for the next directory on the way.
//! - A symlink is watched like a file, and so is what it points to, link
//!   after link, so an edit of the target and a replaced link are both seen.
//!
//! After anything that may have moved the ground under the watches (a rename
//! onto the name, a watched file or directory deleted or moved, the kernel
//! dropping a watch), they are worked out again from the path. Events still
//! queued for watches dropped that way are ignored: removing a watch queues
//! one more event for it, and treating that as news is how a watch ends up
//! re-watching itself forever.
//!
//! One save is often several events (truncate then write, write then chmod,
//! a rename then the old file's deletion), and reloading a half-written file
//! helps nobody, so a change is reported once its events have been quiet for
//! a settle time. A timer runs only during such a burst.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rustix::fs::inotify::{self, CreateFlags, ReadFlags, WatchFlags};
use rustix::io::Errno;
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::time::Instant;

/// How long the events of a burst must be quiet before it is reported: long
/// enough to join the steps of an editor's save, short enough not to be
/// noticed.
pub const DEFAULT_SETTLE: Duration = Duration::from_millis(150);

/// The inode of an existing file, or of a symlink itself. No IN_MODIFY: it
/// comes for every write(2) of a save, IN_CLOSE_WRITE once when it is done.
const FILE: WatchFlags = WatchFlags::CLOSE_WRITE
    .union(WatchFlags::ATTRIB)
    .union(WatchFlags::DELETE_SELF)
    .union(WatchFlags::MOVE_SELF)
    .union(WatchFlags::DONT_FOLLOW);
/// The directory of an existing file: a rename onto its name (an editor's
/// save, a replaced symlink) or the directory going away. Nothing about the
/// other files in it, which is what keeps them from waking the process.
const HOLDER: WatchFlags = WatchFlags::MOVED_TO
    .union(WatchFlags::DELETE_SELF)
    .union(WatchFlags::MOVE_SELF);
/// The nearest existing directory on the way to a missing file.
const AWAITING: WatchFlags = HOLDER.union(WatchFlags::CREATE);

/// Symlinks followed from the path at most, so that a loop of links ends.
const MAX_LINKS: usize = 8;
/// Times the watches are worked out again in one go while the file system
/// keeps changing under them; the events of later changes bring us back.
const MAX_ROUNDS: usize = 4;

/// Watches one file path for changes of what it names.
pub struct FileWatch {
    fd: AsyncFd<OwnedFd>,
    path: PathBuf,
    settle: Duration,
    /// What each watch descriptor is for. One directory can have several
    /// roles, e.g. holding both a symlink and its target.
    watches: HashMap<i32, Vec<Role>>,
    /// When the burst of events being settled is reported, if there is one.
    /// Kept here rather than in `changed` so that a `changed` dropped by a
    /// `select!` loses nothing.
    due: Option<Instant>,
    wakeups: u64,
}

/// Why a watch is there, which says what its events mean.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Role {
    /// The inode of the file, or of a symlink on the way to it.
    Inode,
    /// The directory holding the existing entry `name`.
    Holder { name: Option<OsString> },
    /// The nearest existing directory on the way to the missing `file`;
    /// `next` is its entry that leads there.
    Awaiting {
        next: Option<OsString>,
        file: PathBuf,
    },
}

/// A watch the current state of the file system calls for.
#[derive(Debug, PartialEq, Eq)]
struct Want {
    path: PathBuf,
    flags: WatchFlags,
    role: Role,
}

/// One event, copied out of the read buffer.
pub(super) struct Event {
    pub(super) wd: i32,
    pub(super) mask: ReadFlags,
    pub(super) name: Option<OsString>,
}

impl FileWatch {
    /// Watches `path` with the [`DEFAULT_SETTLE`] time. Must be called
    /// inside a tokio runtime.
    pub fn new(path: &Path) -> io::Result<FileWatch> {
        FileWatch::with_settle(path, DEFAULT_SETTLE)
    }

    /// Watches `path`; `settle` is how long a burst of events must be quiet
    /// before it is reported. Must be called inside a tokio runtime.
    pub fn with_settle(path: &Path, settle: Duration) -> io::Result<FileWatch> {
        if path.file_name().is_none() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a file path",
            ));
        }
        let path = std::path::absolute(path)?;
        let fd = inotify::init(CreateFlags::NONBLOCK | CreateFlags::CLOEXEC)?;
        // SAFETY: the OwnedFd moves into the AsyncFd and is never handed
        // out, so it stays open and the same descriptor for its lifetime.
        let fd = unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }?;
        let mut watch = FileWatch {
            fd,
            path,
            settle,
            watches: HashMap::new(),
            due: None,
            wakeups: 0,
        };
        watch.rewatch()?;
        Ok(watch)
    }

    /// Waits until what the path names may have changed: written, replaced,
    /// created, deleted, its directory replaced, its symlink's target edited.
    /// A burst of events comes back once, after it settled. Unrelated files
    /// never end the wait. Cancel-safe.
    pub async fn changed(&mut self) -> io::Result<()> {
        loop {
            let events = match self.due {
                None => read_events(&self.fd).await?,
                Some(due) => tokio::select! {
                    events = read_events(&self.fd) => events?,
                    () = tokio::time::sleep_until(due) => {
                        self.due = None;
                        return Ok(());
                    }
                },
            };
            self.wakeups += 1;
            if self.handle(&events)? {
                self.due = Some(Instant::now() + self.settle);
            }
        }
    }

    /// The path watched, made absolute.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many times the process was woken to read events, relevant or not;
    /// for tests and measurements.
    pub fn wakeups(&self) -> u64 {
        self.wakeups
    }

    /// Works out what `events` mean, re-making the watches if needed; true
    /// if what the path names may have changed.
    fn handle(&mut self, events: &[Event]) -> io::Result<bool> {
        let mut changed = false;
        let mut rewatch = false;
        // Missing files whose watch saw something: a change if they now exist.
        let mut awaited = Vec::new();
        for event in events {
            if event.mask.contains(ReadFlags::QUEUE_OVERFLOW) {
                // Events were lost, so anything may have happened.
                changed = true;
                rewatch = true;
                continue;
            }
            // Unknown descriptors are watches we removed, whose last events
            // (IN_IGNORED at least) are still arriving; none of it is news.
            // Descriptors are allocated cyclically, so one is not reused soon.
            let Some(roles) = self.watches.get(&event.wd) else {
                continue;
            };
            let gone = event.mask.intersects(
                ReadFlags::DELETE_SELF
                    | ReadFlags::MOVE_SELF
                    | ReadFlags::IGNORED
                    | ReadFlags::UNMOUNT,
            );
            for role in roles {
                match role {
                    Role::Inode => {
                        changed = true;
                        rewatch |= gone;
                    }
                    Role::Holder { name } => {
                        if gone || names(name, event) {
                            changed = true;
                            rewatch = true;
                        }
                    }
                    Role::Awaiting { next, file } => {
                        if gone || names(next, event) {
                            rewatch = true;
                            awaited.push(file.clone());
                        }
                    }
                }
            }
        }
        if rewatch {
            self.rewatch()?;
        }
        Ok(changed || awaited.iter().any(|file| file.symlink_metadata().is_ok()))
    }

    /// Makes the watches fit what exists along the path now — again, while
    /// that changed as they were made: a directory made just before the
    /// watch on its parent was in place would otherwise go unseen.
    fn rewatch(&mut self) -> io::Result<()> {
        let mut wants = plan(&self.path);
        for _ in 0..MAX_ROUNDS {
            self.apply(&wants)?;
            let now = plan(&self.path);
            if now == wants {
                break;
            }
            wants = now;
        }
        Ok(())
    }

    /// Adds the watches `wants` calls for and removes the others.
    fn apply(&mut self, wants: &[Want]) -> io::Result<()> {
        let fd = self.fd.get_ref();
        let add = |path: &Path, flags| match inotify::add_watch(fd, path, flags) {
            Ok(wd) => Ok(Some(wd)),
            // Gone since the plan was made; the next plan knows.
            Err(Errno::NOENT | Errno::NOTDIR) => Ok(None),
            Err(e) => Err(io::Error::from(e)),
        };
        let mut watches: HashMap<i32, (WatchFlags, Vec<Role>)> = HashMap::new();
        for want in wants {
            let Some(wd) = add(&want.path, want.flags)? else {
                continue;
            };
            let (flags, roles) = watches.entry(wd).or_default();
            // Adding replaced the mask of an inode already watched for
            // another role (a symlink beside its target): it needs both.
            if !roles.is_empty() && *flags | want.flags != want.flags {
                add(&want.path, *flags | want.flags)?;
            }
            *flags |= want.flags;
            roles.push(want.role.clone());
        }
        for &wd in self.watches.keys() {
            if !watches.contains_key(&wd) {
                // May fail as the kernel dropped it already; either way its
                // remaining events find no role and are ignored.
                let _ = inotify::remove_watch(fd, wd);
            }
        }
        self.watches = watches
            .into_iter()
            .map(|(wd, (_, roles))| (wd, roles))
            .collect();
        Ok(())
    }
}

/// Whether `event` is about the entry `name` (any entry if that is unknown).
fn names(name: &Option<OsString>, event: &Event) -> bool {
    match (name, &event.name) {
        (None, _) => true,
        (Some(name), Some(entry)) => name == entry,
        (Some(_), None) => false,
    }
}

/// The watches `path` calls for, given what exists now: each existing link
/// on the way and the file at the end with their directories, or the nearest
/// existing directory on the way to the first missing one.
fn plan(path: &Path) -> Vec<Want> {
    let mut wants = Vec::new();
    let mut file = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        let Some(dir) = file.parent() else {
            break;
        };
        let Ok(meta) = file.symlink_metadata() else {
            wants.extend(awaiting(&file));
            break;
        };
        let name = file.file_name().map(OsStr::to_os_string);
        wants.push(Want {
            path: dir.to_path_buf(),
            flags: HOLDER,
            role: Role::Holder { name },
        });
        wants.push(Want {
            path: file.clone(),
            flags: FILE,
            role: Role::Inode,
        });
        if !meta.is_symlink() {
            break;
        }
        match std::fs::read_link(&file) {
            // Relative targets are relative to the link's directory.
            Ok(target) => file = dir.join(target),
            Err(_) => break,
        }
    }
    wants
}

/// The watch for the missing `file` appearing: on its nearest existing
/// ancestor, for the entry that leads to it.
fn awaiting(file: &Path) -> Option<Want> {
    let mut next = file;
    while let Some(dir) = next.parent() {
        if dir.is_dir() {
            return Some(Want {
                path: dir.to_path_buf(),
                flags: AWAITING,
                role: Role::Awaiting {
                    next: next.file_name().map(OsStr::to_os_string),
                    file: file.to_path_buf(),
                },
            });
        }
        next = dir;
    }
    None
}

/// Waits until the inotify descriptor is readable and reads all it has.
pub(super) async fn read_events(fd: &AsyncFd<OwnedFd>) -> io::Result<Vec<Event>> {
    loop {
        let mut guard = fd.readable().await?;
        // Room for several of the largest events (a 255-byte name each).
        let mut buf = [MaybeUninit::<u8>::uninit(); 4096];
        let mut reader = inotify::Reader::new(guard.get_inner(), &mut buf);
        let mut events = Vec::new();
        loop {
            match reader.next() {
                Ok(event) => events.push(Event {
                    wd: event.wd(),
                    mask: event.events(),
                    name: event
                        .file_name()
                        .map(|name| OsStr::from_bytes(name.to_bytes()).to_os_string()),
                }),
                Err(Errno::WOULDBLOCK) => break,
                Err(Errno::INTR) => {}
                Err(e) => return Err(e.into()),
            }
        }
        guard.clear_ready();
        if !events.is_empty() {
            return Ok(events);
        }
    }
}

/// What the watches' tests share: waiting for a change, or for none.
#[cfg(test)]
pub(super) mod testing {
    use std::io;
    use std::time::Duration;

    /// A watch whose changes a test waits for.
    pub trait Watch {
        /// The watch's own `changed`.
        async fn change(&mut self) -> io::Result<()>;
    }

    /// Waits for a change to be reported.
    pub async fn seen(watch: &mut impl Watch, what: &str) {
        tokio::time::timeout(Duration::from_secs(5), watch.change())
            .await
            .unwrap_or_else(|_| panic!("{what} is reported"))
            .unwrap();
    }

    /// Checks that no change is reported for a while (several settle times).
    pub async fn unseen(watch: &mut impl Watch, what: &str) {
        let reported = tokio::time::timeout(Duration::from_millis(300), watch.change()).await;
        assert!(reported.is_err(), "{what} must not be reported");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::{PermissionsExt, symlink};

    /// Short, so the tests are quick; the two-step save uses the default.
    const SETTLE: Duration = Duration::from_millis(50);

    fn watch(path: &Path) -> FileWatch {
        FileWatch::with_settle(path, SETTLE).unwrap()
    }

    use testing::{seen, unseen};

    impl testing::Watch for FileWatch {
        async fn change(&mut self) -> io::Result<()> {
            self.changed().await
        }
    }

    #[tokio::test]
    async fn a_rename_over_the_file_is_one_change() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        fs::write(&path, "a").unwrap();
        let mut watch = watch(&path);

        let temp = dir.path().join(".config.toml.swp");
        fs::write(&temp, "b").unwrap();
        fs::rename(&temp, &path).unwrap();
        seen(&mut watch, "the rename").await;
        unseen(&mut watch, "a second change for the rename").await;

        // The new inode is watched now, not the replaced one.
        fs::write(&path, "c").unwrap();
        seen(&mut watch, "a write of the new file").await;
    }

    #[tokio::test]
    async fn a_write_in_place_is_a_change() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        fs::write(&path, "a").unwrap();
        let mut watch = watch(&path);
        unseen(&mut watch, "nothing").await;

        fs::write(&path, "b").unwrap();
        seen(&mut watch, "the write").await;
        assert_eq!(watch.path(), path);
    }

    #[tokio::test]
    async fn unrelated_files_next_to_the_config_wake_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        fs::write(&path, "a").unwrap();
        let mut watch = watch(&path);

        let other = dir.path().join("other.toml");
        fs::write(&other, "b").unwrap();
        fs::write(&other, "c").unwrap();
        fs::set_permissions(&other, fs::Permissions::from_mode(0o600)).unwrap();
        fs::create_dir(dir.path().join("sub")).unwrap();
        fs::write(dir.path().join("sub").join("x"), "d").unwrap();
        fs::remove_file(&other).unwrap();
        fs::remove_dir_all(dir.path().join("sub")).unwrap();
        unseen(&mut watch, "other files").await;
        assert_eq!(watch.wakeups(), 0, "other files must not wake the process");

        // A rename onto another name is the one thing that costs a wake-up.
        let temp = dir.path().join("temp");
        fs::write(&temp, "e").unwrap();
        fs::rename(&temp, &other).unwrap();
        unseen(&mut watch, "another file renamed into place").await;
        assert_eq!(watch.wakeups(), 1);

        fs::write(&path, "f").unwrap();
        seen(&mut watch, "the config's own save").await;
    }

    #[tokio::test]
    async fn a_config_created_with_its_directories_later_is_seen() {
        let home = tempfile::tempdir().unwrap();
        let config = home.path().join("config");
        let path = config.join("habitd").join("config.toml");
        let mut watch = watch(&path);

        fs::create_dir(&config).unwrap();
        unseen(&mut watch, "a directory on the way").await;
        fs::create_dir(config.join("habitd")).unwrap();
        unseen(&mut watch, "the config's directory").await;
        fs::write(&path, "a").unwrap();
        seen(&mut watch, "the new config").await;

        fs::write(&path, "b").unwrap();
        seen(&mut watch, "a later save").await;
    }

    #[tokio::test]
    async fn a_config_created_at_once_with_its_directories_is_seen() {
        let home = tempfile::tempdir().unwrap();
        let path = home.path().join("config/habitd/config.toml");
        let mut watch = watch(&path);

        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, "a").unwrap();
        seen(&mut watch, "the new config").await;
        fs::write(&path, "b").unwrap();
        seen(&mut watch, "a later save").await;
    }

    #[tokio::test]
    async fn an_unrelated_file_in_a_watched_ancestor_does_not_loop() {
        let home = tempfile::tempdir().unwrap();
        let path = home.path().join("config/habitd/config.toml");
        let mut watch = watch(&path);

        let other = home.path().join("other");
        fs::write(&other, "a").unwrap();
        unseen(&mut watch, "an unrelated file in the ancestor").await;
        assert_eq!(watch.wakeups(), 1, "one wake-up for one new entry");

        // Writing it again creates nothing, and the ancestor waits only for
        // entries appearing.
        fs::write(&other, "b").unwrap();
        unseen(&mut watch, "an unrelated write in the ancestor").await;
        assert_eq!(watch.wakeups(), 1);
    }

    #[tokio::test]
    async fn a_symlinked_configs_target_edited_is_seen() {
        let home = tempfile::tempdir().unwrap();
        let dotfiles = home.path().join("dotfiles");
        let config = home.path().join("config");
        fs::create_dir(&dotfiles).unwrap();
        fs::create_dir(&config).unwrap();
        let target = dotfiles.join("habitd.toml");
        fs::write(&target, "a").unwrap();
        let path = config.join("config.toml");
        symlink("../dotfiles/habitd.toml", &path).unwrap();
        let mut watch = watch(&path);

        fs::write(&target, "b").unwrap();
        seen(&mut watch, "the target written in place").await;

        let temp = dotfiles.join(".habitd.toml.swp");
        fs::write(&temp, "c").unwrap();
        fs::rename(&temp, &target).unwrap();
        seen(&mut watch, "the target renamed over").await;

        fs::write(&target, "d").unwrap();
        seen(&mut watch, "the new target written in place").await;

        let wakeups = watch.wakeups();
        fs::write(dotfiles.join("other"), "e").unwrap();
        unseen(&mut watch, "another file beside the target").await;
        assert_eq!(watch.wakeups(), wakeups);
    }

    #[tokio::test]
    async fn a_symlink_replaced_by_a_rename_is_seen_and_followed() {
        let root = tempfile::tempdir().unwrap();
        let zones = root.path().join("zoneinfo");
        let etc = root.path().join("etc");
        fs::create_dir(&zones).unwrap();
        fs::create_dir(&etc).unwrap();
        fs::write(zones.join("Berlin"), "a").unwrap();
        fs::write(zones.join("Tokyo"), "b").unwrap();
        let path = etc.join("localtime");
        symlink(zones.join("Berlin"), &path).unwrap();
        let mut watch = watch(&path);

        // What `timedatectl set-timezone` does.
        let temp = etc.join(".localtime.new");
        symlink(zones.join("Tokyo"), &temp).unwrap();
        fs::rename(&temp, &path).unwrap();
        seen(&mut watch, "the link replaced").await;

        fs::write(zones.join("Berlin"), "c").unwrap();
        unseen(&mut watch, "the old target written").await;
        fs::write(zones.join("Tokyo"), "d").unwrap();
        seen(&mut watch, "the new target written").await;
    }

    #[tokio::test]
    async fn a_replaced_directory_is_watched_again() {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("habitd");
        fs::create_dir(&dir).unwrap();
        let path = dir.join("config.toml");
        fs::write(&path, "a").unwrap();
        let mut watch = watch(&path);

        let old = home.path().join("habitd.old");
        fs::rename(&dir, &old).unwrap();
        fs::create_dir(&dir).unwrap();
        fs::write(&path, "b").unwrap();
        seen(&mut watch, "the directory replaced").await;
        unseen(&mut watch, "a second change for the replacement").await;

        fs::write(old.join("config.toml"), "c").unwrap();
        unseen(&mut watch, "a write in the old directory").await;
        fs::write(&path, "d").unwrap();
        seen(&mut watch, "a later save").await;
    }

    #[tokio::test]
    async fn a_removed_and_remade_directory_is_watched_again() {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("habitd");
        fs::create_dir(&dir).unwrap();
        let path = dir.join("config.toml");
        fs::write(&path, "a").unwrap();
        let mut watch = watch(&path);

        fs::remove_dir_all(&dir).unwrap();
        seen(&mut watch, "the file removed with its directory").await;
        fs::create_dir(&dir).unwrap();
        unseen(&mut watch, "the empty directory").await;
        fs::write(&path, "b").unwrap();
        seen(&mut watch, "the new file").await;
        fs::write(&path, "c").unwrap();
        seen(&mut watch, "a later save").await;
    }

    #[tokio::test]
    async fn a_save_in_steps_is_one_change() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        fs::write(&path, "a").unwrap();
        let mut watch = FileWatch::new(&path).unwrap();

        let file = path.clone();
        let editor = std::thread::spawn(move || -> io::Result<()> {
            fs::File::create(&file)?;
            std::thread::sleep(Duration::from_millis(10));
            fs::write(&file, "b")?;
            std::thread::sleep(Duration::from_millis(10));
            fs::set_permissions(&file, fs::Permissions::from_mode(0o600))
        });
        seen(&mut watch, "the save").await;
        editor.join().unwrap().unwrap();
        unseen(&mut watch, "a second change for one save").await;
        assert!(watch.wakeups() >= 2, "the steps came apart");
    }

    #[tokio::test]
    async fn a_deleted_and_recreated_file_is_seen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("localtime");
        fs::write(&path, "a").unwrap();
        let mut watch = watch(&path);

        fs::remove_file(&path).unwrap();
        seen(&mut watch, "the deletion").await;
        fs::write(&path, "b").unwrap();
        seen(&mut watch, "the file created again").await;
    }

    #[tokio::test]
    async fn only_a_file_path_can_be_watched() {
        let error = FileWatch::new(Path::new("/")).err().unwrap();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    }
}
