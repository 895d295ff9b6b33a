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
        ServiceManager::connect(std::env::var_os("NOTIFY_SOCKET").as_deref())
    }

    /// Connects to `notify_socket` (the value of `$NOTIFY_SOCKET`): a path,
    /// or `@name` for an abstract socket. Unset or empty, there is none.
    fn connect(notify_socket: Option<&std::ffi::OsStr>) -> ServiceManager {
        let socket = notify_socket.filter(|s| !s.is_empty()).and_then(|path| {
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
    use std::ffi::OsStr;
    use std::time::Duration;

    /// The next datagram on `listener`, or `None` within a short wait.
    fn receive(listener: &UnixDatagram) -> Option<String> {
        listener
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let mut buf = [0u8; 128];
        let n = listener.recv(&mut buf).ok()?;
        Some(String::from_utf8_lossy(&buf[..n]).into_owned())
    }

    #[test]
    fn datagrams_reach_a_socket_named_by_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let listener = UnixDatagram::bind(&path).unwrap();
        let manager = ServiceManager::connect(Some(path.as_os_str()));
        manager.notify("READY=1\nSTATUS=next: water at 15:00");
        assert_eq!(
            receive(&listener).as_deref(),
            Some("READY=1\nSTATUS=next: water at 15:00")
        );
        manager.reloading();
        let reloading = receive(&listener).unwrap();
        let usec = reloading
            .strip_prefix("RELOADING=1\nMONOTONIC_USEC=")
            .unwrap_or_else(|| panic!("{reloading}"));
        assert!(usec.parse::<u64>().unwrap() > 0, "{reloading}");
    }

    #[test]
    fn an_abstract_socket_is_named_with_an_at_sign() {
        use std::os::linux::net::SocketAddrExt;
        let name = format!("habitd-test-{}", std::process::id());
        let listener =
            UnixDatagram::bind_addr(&SocketAddr::from_abstract_name(name.as_bytes()).unwrap())
                .unwrap();
        let manager = ServiceManager::connect(Some(OsStr::new(&format!("@{name}"))));
        manager.notify("STOPPING=1");
        assert_eq!(receive(&listener).as_deref(), Some("STOPPING=1"));
    }

    #[test]
    fn unset_or_empty_means_no_service_manager() {
        assert!(ServiceManager::connect(None).socket.is_none());
        assert!(
            ServiceManager::connect(Some(OsStr::new("")))
                .socket
                .is_none()
        );
    }

    #[test]
    fn a_socket_that_went_away_is_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let listener = UnixDatagram::bind(&path).unwrap();
        let manager = ServiceManager::connect(Some(path.as_os_str()));
        assert!(manager.socket.is_some());
        drop(listener);
        std::fs::remove_file(&path).unwrap();
        // Logged at debug level only: systemd going away must not take
        // the reminders with it.
        manager.notify("READY=1");
        // And a socket there again is reached again.
        let listener = UnixDatagram::bind(&path).unwrap();
        manager.notify("READY=1");
        assert_eq!(receive(&listener).as_deref(), Some("READY=1"));
    }
}
