//! Child-process plumbing shared by [`super::Daemon`] and [`super::TestHome`]: waiting with a
//! timeout, signalling, and reading output line by line.

use std::{
    io::{BufRead, BufReader, Read},
    process::{Child, Command, ExitStatus, Stdio},
    sync::{Arc, Mutex, mpsc},
    thread::JoinHandle,
    time::Duration,
};

/// A child process reaped by a thread of its own, so that waiting for it can time out.
pub struct Waiter {
    pid: u32,
    exited: mpsc::Receiver<ExitStatus>,
    status: Option<ExitStatus>,
}

impl Waiter {
    /// Hand `child` over to a thread that waits for it.
    pub fn new(mut child: Child) -> Waiter {
        let pid = child.id();
        let (tx, exited) = mpsc::channel();
        std::thread::spawn(move || {
            // `wait` fails only if the child was already reaped, which nothing else does.
            if let Ok(status) = child.wait() {
                let _ = tx.send(status);
            }
        });
        Waiter {
            pid,
            exited,
            status: None,
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The exit status, if the process has exited, without waiting.
    pub fn try_status(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.exited.try_recv().ok();
        }
        self.status
    }

    /// Wait up to `timeout` for the process to exit.
    pub fn wait(&mut self, timeout: Duration) -> Option<ExitStatus> {
        if self.status.is_none() {
            self.status = self.exited.recv_timeout(timeout).ok();
        }
        self.status
    }

    /// Send `signal` (a name such as `TERM` or `KILL`) unless the process has already exited.
    ///
    /// The process is reaped only by this waiter's thread, so until its status has arrived the
    /// pid still names it (at worst a zombie), never a reused pid.
    pub fn signal(&mut self, signal: &str) {
        if self.try_status().is_some() {
            return;
        }
        let outcome = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        // `kill` fails when the process exited in the meantime; anything else is a broken setup.
        if let Err(e) = outcome {
            panic!("running `kill -{signal} {}`: {e}", self.pid);
        }
    }

    /// Kill the process with SIGKILL (if still running) and wait up to `timeout` for it to go.
    pub fn kill(&mut self, timeout: Duration) -> Option<ExitStatus> {
        self.signal("KILL");
        self.wait(timeout)
    }
}

/// Output lines of a child process, collected by reader threads.
///
/// Every line goes both to a channel, consumed by [`Lines::next_matching`], and to a log kept
/// whole for diagnostics.
pub struct Lines {
    rx: mpsc::Receiver<String>,
    log: Arc<Mutex<Vec<String>>>,
    // Disconnects once every reader thread has reached end of file.
    done: mpsc::Receiver<()>,
}

impl Lines {
    /// Start reading `streams` (e.g. a child's stdout and stderr) line by line.
    pub fn read<R: Read + Send + 'static>(streams: Vec<R>) -> Lines {
        let (tx, rx) = mpsc::channel();
        let (done_tx, done) = mpsc::channel::<()>();
        let log = Arc::new(Mutex::new(Vec::new()));
        for stream in streams {
            let tx = tx.clone();
            let done_tx = done_tx.clone();
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                let _done_tx = done_tx;
                for line in BufReader::new(stream).lines() {
                    // Non-UTF-8 output ends the read; the daemon's logs are text.
                    let Ok(line) = line else { break };
                    log.lock().expect("log lock poisoned").push(line.clone());
                    let _ = tx.send(line);
                }
            });
        }
        Lines { rx, log, done }
    }

    /// Consume lines until one contains `needle`, for at most `timeout`.
    ///
    /// Returns the line, or why there was none: the timeout passed, or every stream reached end of
    /// file (the process exited) first.
    pub fn next_matching(&mut self, needle: &str, timeout: Duration) -> Result<String, LinesEnded> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return Ok(line),
                Ok(_) => {}
                Err(mpsc::RecvTimeoutError::Timeout) => return Err(LinesEnded::Timeout),
                Err(mpsc::RecvTimeoutError::Disconnected) => return Err(LinesEnded::Closed),
            }
        }
    }

    /// Wait up to `timeout` for the reader threads to reach end of file, so that [`Lines::log`]
    /// holds everything the process wrote. Returns whether they did.
    pub fn wait_closed(&self, timeout: Duration) -> bool {
        matches!(
            self.done.recv_timeout(timeout),
            Err(mpsc::RecvTimeoutError::Disconnected)
        )
    }

    /// Every line read so far, joined with newlines.
    pub fn log(&self) -> String {
        self.log.lock().expect("log lock poisoned").join("\n")
    }
}

/// Why [`Lines::next_matching`] found no line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinesEnded {
    /// The timeout passed.
    Timeout,
    /// Every stream reached end of file.
    Closed,
}

/// Read the whole of `stream` on a thread.
pub fn read_all<R: Read + Send + 'static>(mut stream: R) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stream.read_to_end(&mut buf);
        buf
    })
}

/// Panic with an explanation if blocking the current thread could stall a test's own
/// [`super::NotificationServer`]: that is, on a current-thread Tokio runtime.
pub fn assert_may_block(what: &str) {
    if let Ok(handle) = tokio::runtime::Handle::try_current()
        && handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread
    {
        panic!(
            "{what} blocks the calling thread, which would stall a NotificationServer on this \
             current-thread Tokio runtime (and habitd waiting on it); run the test with \
             #[tokio::test(flavor = \"multi_thread\", worker_threads = 2)]"
        );
    }
}
