//! Telling systemd how the service is doing (`sd_notify`): READY once the
//! bus name is owned and the plan made, STATUS with the next reminder,
//! RELOADING/READY around a reload, STOPPING on the way out.
//!
//! A datagram to `$NOTIFY_SOCKET`; without that variable (not started by
//! systemd) every call does nothing. No watchdog pings: they would wake an
//! idle daemon.

use std::os::unix::net::{SocketAddr, UnixDatagram};

use log::debug;

/// The service manager's notification socket, if there is one.
pub struct ServiceManager {
    socket: Option<(UnixDatagram, SocketAddr)>,
}

impl ServiceManager {
    /// Connects to `$NOTIFY_SOCKET` if set.
    pub fn from_env() -> ServiceManager {
        let socket = std::env::var_os("NOTIFY_SOCKET").and_then(|path| {
            let path = path.to_string_lossy().into_owned();
            let address = match path.strip_prefix('@') {
                Some(abstract_name) => {
                    use std::os::linux::net::SocketAddrExt;
                    SocketAddr::from_abstract_name(abstract_name.as_bytes()).ok()?
                }
                None => SocketAddr::from_pathname(&path).ok()?,
            };
            Some((UnixDatagram::unbound().ok()?, address))
        });
        ServiceManager { socket }
    }

    /// Sends `state` (newline-separated `KEY=value` lines). Failures are only
    /// logged: systemd going away must not take the reminders with it.
    pub fn notify(&self, state: &str) {
        if let Some((socket, address)) = &self.socket
            && let Err(e) = socket.send_to_addr(state.as_bytes(), address)
        {
            debug!("cannot notify systemd: {e}");
        }
    }

    /// Announces a reload; systemd wants the monotonic time with it.
    pub fn reloading(&self) {
        let now = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
        let usec = now
            .tv_sec
            .saturating_mul(1_000_000)
            .saturating_add(now.tv_nsec / 1_000);
        self.notify(&format!("RELOADING=1\nMONOTONIC_USEC={usec}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datagrams_reach_the_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let listener = UnixDatagram::bind(&path).unwrap();
        let manager = ServiceManager {
            socket: Some((
                UnixDatagram::unbound().unwrap(),
                SocketAddr::from_pathname(&path).unwrap(),
            )),
        };
        manager.notify("READY=1\nSTATUS=next: water at 15:00");
        let mut buf = [0u8; 128];
        let n = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1\nSTATUS=next: water at 15:00");
        manager.reloading();
        let n = listener.recv(&mut buf).unwrap();
        assert!(
            std::str::from_utf8(&buf[..n])
                .unwrap()
                .starts_with("RELOADING=1\nMONOTONIC_USEC=")
        );
    }

    #[test]
    fn without_a_socket_nothing_happens() {
        ServiceManager { socket: None }.notify("READY=1");
    }
}
