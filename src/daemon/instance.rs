//! One daemon per history: a lock on the data directory.
//!
//! Two daemons would show every reminder twice, whether they share a
//! session bus or only the history (a second login, a second bus). The bus
//! name alone cannot prevent the second case, so the daemon first takes an
//! exclusive `flock` on a lock file beside the history and writes its PID
//! there; the kernel releases the lock when the process ends, however it
//! ends, so a stale file never blocks a start.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use rustix::fs::{FlockOperation, flock};

/// Why this daemon may not run.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// Another daemon holds the lock.
    #[error("habitd is already running as PID {pid} (it holds {})", lock.display())]
    Running {
        /// Its PID, as it wrote it.
        pid: String,
        /// The lock file.
        lock: PathBuf,
    },
    /// The lock file cannot be made or locked.
    #[error("cannot lock {}: {source}", lock.display())]
    Io {
        /// The lock file.
        lock: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The lock, held as long as this value lives.
pub struct Instance {
    _file: File,
}

impl Instance {
    /// Takes the lock for the history at `history`, or says who holds it.
    /// Changes nothing when refused.
    pub fn claim(history: &Path) -> Result<Instance, Refused> {
        let lock = history.with_extension("lock");
        let io = |source| Refused::Io {
            lock: lock.clone(),
            source,
        };
        if let Some(dir) = lock.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(io)?;
        }
        // Not truncated on open: the holder's PID stays readable to the
        // refused.
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&lock)
            .map_err(io)?;
        if let Err(e) = flock(&file, FlockOperation::NonBlockingLockExclusive) {
            if e == rustix::io::Errno::WOULDBLOCK {
                let mut pid = String::new();
                let _ = file.read_to_string(&mut pid);
                let pid = match pid.trim() {
                    "" => "unknown".to_string(),
                    pid => pid.to_string(),
                };
                return Err(Refused::Running { pid, lock });
            }
            return Err(io(e.into()));
        }
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        writeln!(file, "{}", std::process::id()).map_err(io)?;
        Ok(Instance { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_claim_is_refused_with_the_holder_s_pid_until_the_first_ends() {
        let dir = tempfile::tempdir().unwrap();
        let history = dir.path().join("data").join("habitd.db");
        let first = Instance::claim(&history).unwrap();
        match Instance::claim(&history) {
            Err(Refused::Running { pid, .. }) => {
                assert_eq!(pid, std::process::id().to_string());
            }
            other => panic!("expected a refusal, got {:?}", other.map(|_| ())),
        }
        drop(first);
        Instance::claim(&history).expect("free again once the holder is gone");
    }
}
