//! The real `habitd` binary, run inside a temporary home.

use std::{
    path::{Path, PathBuf},
    process::{Command, ExitStatus, Output, Stdio},
    time::Duration,
};

use super::process::{Lines, LinesEnded, Waiter, assert_may_block, read_all};

/// The `habitd` binary Cargo built for these tests.
pub(super) const HABITD: &str = env!("CARGO_BIN_EXE_habitd");

/// How long a one-shot [`TestHome::habitd`] command may run before it is killed.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// How long reaping a killed process may take.
const CLEANUP_TIMEOUT: Duration = Duration::from_secs(10);

/// How long reading the rest of a process's output after it exited may take. Only a child of
/// `habitd` that outlives it and holds its stdout or stderr makes this wait the whole time.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(3);

/// A temporary home for `habitd`: `HOME` and every XDG base directory live inside one temporary
/// directory, removed when this value is dropped.
///
/// Layout: `home/` (`HOME`), `config/` (`XDG_CONFIG_HOME`), `data/` (`XDG_DATA_HOME`), `state/`
/// (`XDG_STATE_HOME`), `cache/` (`XDG_CACHE_HOME`) and `runtime/` (`XDG_RUNTIME_DIR`, mode 0700),
/// all created up front. `config/habitd/` is not created until [`TestHome::write_config`].
pub struct TestHome {
    dir: tempfile::TempDir,
}

impl TestHome {
    /// Create the temporary home and its directories.
    pub fn new() -> TestHome {
        let dir = tempfile::Builder::new()
            .prefix("habitd-home-")
            .tempdir()
            .expect("creating a temporary home directory");
        let home = TestHome { dir };
        for d in [
            home.home_dir(),
            home.config_home(),
            home.data_home(),
            home.state_home(),
            home.cache_home(),
            home.runtime_dir(),
        ] {
            std::fs::create_dir_all(&d).expect("creating a directory of the temporary home");
        }
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(home.runtime_dir(), std::fs::Permissions::from_mode(0o700))
            .expect("making XDG_RUNTIME_DIR private (0700)");
        home
    }

    /// The temporary directory holding everything else.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `HOME`.
    pub fn home_dir(&self) -> PathBuf {
        self.path().join("home")
    }

    /// `XDG_CONFIG_HOME`.
    pub fn config_home(&self) -> PathBuf {
        self.path().join("config")
    }

    /// `habitd`'s configuration directory, `$XDG_CONFIG_HOME/habitd`.
    pub fn config_dir(&self) -> PathBuf {
        self.config_home().join("habitd")
    }

    /// `XDG_DATA_HOME`.
    pub fn data_home(&self) -> PathBuf {
        self.path().join("data")
    }

    /// `XDG_STATE_HOME`.
    pub fn state_home(&self) -> PathBuf {
        self.path().join("state")
    }

    /// `XDG_CACHE_HOME`.
    pub fn cache_home(&self) -> PathBuf {
        self.path().join("cache")
    }

    /// `XDG_RUNTIME_DIR` (mode 0700).
    pub fn runtime_dir(&self) -> PathBuf {
        self.path().join("runtime")
    }

    /// Write `toml` to `$XDG_CONFIG_HOME/habitd/config.toml` (creating the directory) and return
    /// that path.
    pub fn write_config(&self, toml: &str) -> PathBuf {
        let dir = self.config_dir();
        std::fs::create_dir_all(&dir).expect("creating the habitd config directory");
        let path = dir.join("config.toml");
        std::fs::write(&path, toml).expect("writing config.toml");
        path
    }

    /// Run `habitd args…` once, to completion, with this home's environment, and return its
    /// output. With `bus` it talks to that bus; without, `DBUS_SESSION_BUS_ADDRESS` is unset (so
    /// a D-Bus client falls back to `$XDG_RUNTIME_DIR/bus`, which doesn't exist: never the host's
    /// bus).
    ///
    /// # Panics
    ///
    /// If the binary can't be run, or runs for more than 30 s (it is then killed, and the panic
    /// message holds what it printed); and on a current-thread Tokio runtime (see the module docs).
    pub fn habitd(&self, bus: Option<&str>, args: &[&str]) -> Output {
        assert_may_block("TestHome::habitd");
        self.run_to_end(self.command(bus, args), args)
    }

    /// Run `cmd` (built by [`TestHome::command`] or [`TestHome::wrapped_command`]) to
    /// completion, as [`TestHome::habitd`] does; `args` name it in messages.
    pub(super) fn run_to_end(&self, mut cmd: Command, args: &[&str]) -> Output {
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("spawning {HABITD} {args:?}: {e}"));
        let stdout = read_all(child.stdout.take().expect("stdout is piped"));
        let stderr = read_all(child.stderr.take().expect("stderr is piped"));
        let mut waiter = Waiter::new(child);

        let status = waiter.wait(COMMAND_TIMEOUT);
        let status = match status {
            Some(status) => status,
            None => {
                let killed = describe(waiter.kill(CLEANUP_TIMEOUT));
                let out = String::from_utf8_lossy(&stdout.join().unwrap_or_default()).into_owned();
                let err = String::from_utf8_lossy(&stderr.join().unwrap_or_default()).into_owned();
                panic!(
                    "habitd {args:?} did not exit within {COMMAND_TIMEOUT:?} (killed, {killed})\n\
                     --- stdout ---\n{out}\n--- stderr ---\n{err}"
                );
            }
        };
        Output {
            status,
            stdout: stdout.join().expect("the stdout reader thread panicked"),
            stderr: stderr.join().expect("the stderr reader thread panicked"),
        }
    }

    /// A command running the `habitd` binary with `args` and this home's environment.
    fn command(&self, bus: Option<&str>, args: &[&str]) -> Command {
        self.wrapped_command(&[], Path::new(HABITD), bus, args)
    }

    /// A command running `wrapper… binary args…` with this home's environment: `wrapper`
    /// (`setpriv …`, `unshare …`) runs `binary` (a `habitd`) in turn; empty, `binary` runs
    /// itself.
    pub(super) fn wrapped_command(
        &self,
        wrapper: &[std::ffi::OsString],
        binary: &Path,
        bus: Option<&str>,
        args: &[&str],
    ) -> Command {
        let mut cmd = match wrapper.split_first() {
            Some((program, rest)) => {
                let mut cmd = Command::new(program);
                cmd.args(rest).arg(binary);
                cmd
            }
            None => Command::new(binary),
        };
        cmd.args(args)
            .current_dir(self.home_dir())
            .env("HOME", self.home_dir())
            .env("XDG_CONFIG_HOME", self.config_home())
            .env("XDG_DATA_HOME", self.data_home())
            .env("XDG_STATE_HOME", self.state_home())
            .env("XDG_CACHE_HOME", self.cache_home())
            .env("XDG_RUNTIME_DIR", self.runtime_dir())
            // Never the host's system bus (logind); a test gives its own.
            .env(
                "DBUS_SYSTEM_BUS_ADDRESS",
                format!("unix:path={}/no-system-bus", self.runtime_dir().display()),
            )
            .env("RUST_LOG", "debug")
            .env("RUST_BACKTRACE", "1")
            .env("NO_COLOR", "1");
        match bus {
            Some(address) => cmd.env("DBUS_SESSION_BUS_ADDRESS", address),
            None => cmd.env_remove("DBUS_SESSION_BUS_ADDRESS"),
        };
        cmd
    }
}

impl Default for TestHome {
    fn default() -> Self {
        TestHome::new()
    }
}

/// A running `habitd` process (normally `habitd run …`), its stdout and stderr read line by line.
///
/// Dropping it kills the process if it is still running; if the test is panicking, the drop also
/// prints the process's whole output, so a failing test shows what the daemon said.
pub struct Daemon {
    waiter: Waiter,
    lines: Lines,
    args: Vec<String>,
}

impl Daemon {
    /// Start `habitd args…` on the bus at `bus_address`, with `home`'s environment (see
    /// [`TestHome`]) plus `RUST_LOG=debug` and `NO_COLOR=1`; `TZ` is passed through as is.
    ///
    /// # Panics
    ///
    /// If the binary can't be started.
    pub fn spawn(bus_address: &str, home: &TestHome, args: &[&str]) -> Daemon {
        Daemon::spawn_with_env(bus_address, home, args, &[])
    }

    /// Like [`Daemon::spawn`], with extra environment variables.
    pub fn spawn_with_env(
        bus_address: &str,
        home: &TestHome,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Daemon {
        Daemon::start(Some(bus_address), home, args, env)
    }

    /// Like [`Daemon::spawn`], with no session bus at all: `DBUS_SESSION_BUS_ADDRESS` unset and
    /// no bus socket in the home's `XDG_RUNTIME_DIR`.
    pub fn spawn_without_bus(home: &TestHome, args: &[&str]) -> Daemon {
        Daemon::start(None, home, args, &[])
    }

    fn start(bus: Option<&str>, home: &TestHome, args: &[&str], env: &[(&str, &str)]) -> Daemon {
        let mut command = home.command(bus, args);
        command.envs(env.iter().copied());
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawning {HABITD} {args:?}: {e}"));
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        let lines = Lines::read(vec![
            Box::new(stderr) as Box<dyn std::io::Read + Send>,
            Box::new(stdout),
        ]);
        Daemon {
            waiter: Waiter::new(child),
            lines,
            args: args.iter().map(|a| (*a).to_owned()).collect(),
        }
    }

    /// Wait up to `timeout` for an output line (stderr or stdout) containing `needle`, and return
    /// it.
    ///
    /// Lines are consumed: each call looks only at lines after the one the previous call
    /// returned, so waiting twice for the same needle waits for two occurrences. On failure the
    /// `Err` says why (timeout, or the process exited) and holds the whole output so far.
    ///
    /// # Panics
    ///
    /// On a current-thread Tokio runtime (see the module docs).
    pub fn wait_for_log(&mut self, needle: &str, timeout: Duration) -> Result<String, String> {
        assert_may_block("Daemon::wait_for_log");
        match self.lines.next_matching(needle, timeout) {
            Ok(line) => Ok(line),
            Err(LinesEnded::Timeout) => Err(format!(
                "habitd {:?} logged no line containing {needle:?} within {timeout:?}; \
                 its output so far:\n{}",
                self.args,
                self.lines.log()
            )),
            Err(LinesEnded::Closed) => {
                let status = describe(self.waiter.wait(CLEANUP_TIMEOUT));
                Err(format!(
                    "habitd {:?} closed its output ({status}) without logging a line \
                     containing {needle:?}; its output:\n{}",
                    self.args,
                    self.lines.log()
                ))
            }
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.waiter.pid()
    }

    /// The exit status if the process has exited, without waiting.
    pub fn try_exit_status(&mut self) -> Option<ExitStatus> {
        self.waiter.try_status()
    }

    /// Wait up to `timeout` for the process to exit by itself; its status, or `None` if it is
    /// still running.
    ///
    /// # Panics
    ///
    /// On a current-thread Tokio runtime (see the module docs).
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        assert_may_block("Daemon::wait_exit");
        let status = self.waiter.wait(timeout);
        if status.is_some() {
            self.lines.wait_closed(DRAIN_TIMEOUT);
        }
        status
    }

    /// Send SIGTERM and wait up to `timeout` for the process to exit; its exit status, or `None`
    /// if it didn't exit in time, in which case it is killed with SIGKILL. If the process had
    /// already exited, its status is returned at once.
    ///
    /// Once the process has exited, its remaining output is read before this returns, so
    /// [`Daemon::log`] then holds all of it.
    ///
    /// # Panics
    ///
    /// On a current-thread Tokio runtime (see the module docs).
    pub fn terminate(&mut self, timeout: Duration) -> Option<ExitStatus> {
        assert_may_block("Daemon::terminate");
        self.waiter.signal("TERM");
        let status = self.waiter.wait(timeout);
        if status.is_none() {
            self.waiter.kill(CLEANUP_TIMEOUT);
        }
        self.lines.wait_closed(DRAIN_TIMEOUT);
        status
    }

    /// Everything the process has written so far (stderr and stdout lines, interleaved in the
    /// order they were read), joined with newlines.
    pub fn log(&self) -> String {
        self.lines.log()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if self.waiter.try_status().is_none() {
            self.waiter.kill(CLEANUP_TIMEOUT);
        }
        if std::thread::panicking() {
            self.lines.wait_closed(Duration::from_secs(1));
            eprintln!(
                "--- habitd {:?} output (pid {}, {}) ---\n{}\n--- end of habitd output ---",
                self.args,
                self.pid(),
                describe(self.waiter.try_status()),
                self.lines.log()
            );
        }
    }
}

/// An exit status for a message: `exit status: 0`, `signal: 9 (SIGKILL)`, or `still running`.
fn describe(status: Option<ExitStatus>) -> String {
    status.map_or_else(|| "still running".to_owned(), |s| s.to_string())
}
