//! A private `dbus-daemon` session bus for one test.

use std::{
    io::{BufRead, BufReader, Read},
    path::Path,
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::Duration,
};

/// How long `dbus-daemon` gets to print its address before [`DbusSession::start`] gives up.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A private session bus: a real `dbus-daemon` listening on a socket in its own temporary
/// directory, killed when this value is dropped.
///
/// The bus runs with a configuration written for it: it allows everything, like a session bus,
/// but has no service directories, so no name can be bus-activated and a name nobody owns is
/// reported as `org.freedesktop.DBus.Error.ServiceUnknown` right away.
pub struct DbusSession {
    child: Child,
    address: String,
    // Holds the socket and the configuration; it must outlive the bus, so it is dropped after
    // `child` has been killed (see `Drop`).
    _dir: tempfile::TempDir,
}

impl DbusSession {
    /// Start a private bus and wait (up to 10 s) until it prints the address it listens on.
    ///
    /// # Panics
    ///
    /// If `dbus-daemon` can't be started, exits, or doesn't print its address in time; the message
    /// includes what it wrote to its standard error.
    pub fn start() -> DbusSession {
        let dir = tempfile::Builder::new()
            .prefix("habitd-bus-")
            .tempdir()
            .expect("creating a temporary directory for the test bus");
        let config = dir.path().join("bus.conf");
        std::fs::write(&config, bus_config(&dir.path().join("bus")))
            .expect("writing the test bus configuration");

        let mut child = Command::new("dbus-daemon")
            .arg("--nofork")
            .arg("--nopidfile")
            .arg("--nosyslog")
            .arg(format!("--config-file={}", config.display()))
            .arg("--print-address=1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawning dbus-daemon (is /usr/bin/dbus-daemon installed?)");

        // Read the address on a thread so that the wait can time out. The thread keeps reading
        // (and discarding) until the bus exits, so the bus never writes to a closed pipe.
        let stdout = child.stdout.take().expect("dbus-daemon stdout is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let first = reader.read_line(&mut line).map(|_| line);
            let _ = tx.send(first);
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });

        let address = match rx.recv_timeout(START_TIMEOUT) {
            Ok(Ok(line)) if !line.trim().is_empty() => line.trim().to_owned(),
            outcome => {
                let what = match outcome {
                    Ok(Ok(_)) => "closed its standard output without printing an address".into(),
                    Ok(Err(e)) => format!("could not be read from: {e}"),
                    Err(_) => format!("printed no address within {START_TIMEOUT:?}"),
                };
                let _ = child.kill();
                let status = child.wait();
                let mut stderr = String::new();
                if let Some(mut pipe) = child.stderr.take() {
                    let _ = pipe.read_to_string(&mut stderr);
                }
                panic!("dbus-daemon {what} (exit: {status:?}); its stderr:\n{stderr}");
            }
        };

        DbusSession {
            child,
            address,
            _dir: dir,
        }
    }

    /// The D-Bus address of the bus, as `dbus-daemon` printed it (`unix:path=…,guid=…`); suitable
    /// for `DBUS_SESSION_BUS_ADDRESS` and for `zbus::connection::Builder::address`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The process id of the `dbus-daemon`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for DbusSession {
    fn drop(&mut self) {
        // The bus has no state worth a graceful shutdown; SIGKILL and reap it.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The configuration of a test bus listening on `socket`: a session bus that allows everything
/// and activates nothing.
fn bus_config(socket: &Path) -> String {
    let socket = socket
        .to_str()
        .expect("the temporary directory path is UTF-8");
    assert!(
        !socket.contains(['&', '<', '>', '"', ',', ';', '=', '%']),
        "the test bus socket path {socket:?} would need escaping"
    );
    format!(
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#
    )
}
