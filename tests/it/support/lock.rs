//! Another process holding the history's write lock: a real SQLite client
//! (python3's sqlite3) in an exclusive transaction, until released.

use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// The lock, held from [`HistoryLock::hold`] until [`HistoryLock::release`]
/// (or the value is dropped, which kills the holder).
pub struct HistoryLock {
    child: Child,
}

impl HistoryLock {
    /// Takes the write lock of the database at `db`; returns once it is held.
    ///
    /// # Panics
    ///
    /// If python3 cannot run or does not report the lock.
    pub fn hold(db: &Path) -> HistoryLock {
        let mut child = Command::new("python3")
            .args([
                "-c",
                "import sqlite3,sys; c=sqlite3.connect(sys.argv[1], isolation_level=None); \
                 c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); sys.stdin.read(); \
                 c.execute('COMMIT')",
            ])
            .arg(db)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("piped"))
            .read_line(&mut line)
            .expect("the locker reports");
        assert_eq!(line.trim(), "locked");
        HistoryLock { child }
    }

    /// Commits and ends the holder.
    pub fn release(mut self) {
        drop(self.child.stdin.take());
        assert!(self.child.wait().expect("the locker ends").success());
    }
}

impl Drop for HistoryLock {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
