//! A minimal freedesktop notification server for soak tests: owns
//! `org.freedesktop.Notifications` on the bus in `DBUS_SESSION_BUS_ADDRESS`
//! and appends one line per `Notify` call to the file given as its argument:
//!
//!     <unix_ms> <replaces_id> <id> <summary>
//!
//! Each line is flushed at once, so the file is complete up to the last call
//! even if the process is killed. It shows nothing and emits no signals;
//! SIGTERM or SIGINT releases the name and exits with status 0.
//!
//!     cargo run --release --example notification_counter -- notify.log

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use tokio::signal::unix::{SignalKind, signal};
use zbus::{OwnedVariant, interface};

const NAME: &str = "org.freedesktop.Notifications";
const PATH: &str = "/org/freedesktop/Notifications";

/// The served object: the id counter and the output file.
struct Counter {
    next_id: u32,
    out: File,
}

// `spawn = false`: calls are handled in arrival order, so ids and lines are
// in that order too.
#[interface(name = "org.freedesktop.Notifications", spawn = false)]
impl Counter {
    #[allow(clippy::too_many_arguments)] // The signature is the protocol's.
    fn notify(
        &mut self,
        _app_name: String,
        replaces_id: u32,
        _app_icon: String,
        summary: String,
        _body: String,
        _actions: Vec<String>,
        _hints: HashMap<String, OwnedVariant>,
        _expire_timeout: i32,
    ) -> zbus::fdo::Result<u32> {
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let id = if replaces_id != 0 {
            replaces_id
        } else {
            self.next_id
        };
        self.next_id = self.next_id.max(id.saturating_add(1));
        // One line per call; newlines in the summary would split it.
        let summary = summary.replace(['\n', '\r'], " ");
        writeln!(self.out, "{ms} {replaces_id} {id} {summary}")
            .and_then(|()| self.out.flush())
            .map_err(|e| zbus::fdo::Error::Failed(format!("writing the count: {e}")))?;
        Ok(id)
    }

    fn close_notification(&self, _id: u32) {}

    fn get_capabilities(&self) -> Vec<String> {
        ["actions", "body", "body-markup"]
            .map(String::from)
            .to_vec()
    }

    #[zbus(out_args("name", "vendor", "version", "spec_version"))]
    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "notification_counter".into(),
            "habitd".into(),
            env!("CARGO_PKG_VERSION").into(),
            "1.2".into(),
        )
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let path = std::env::args_os()
        .nth(1)
        .context("usage: notification_counter OUTPUT")?;
    let out = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.to_string_lossy()))?;
    let address =
        std::env::var("DBUS_SESSION_BUS_ADDRESS").context("DBUS_SESSION_BUS_ADDRESS is not set")?;
    // Install the handlers before owning the name, so a SIGTERM sent as soon
    // as the name appears is not lost.
    let mut term = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    let counter = Counter { next_id: 1, out };
    let conn = zbus::connection::Builder::address(address.as_str())
        .serve_at(PATH, counter)
        .name(NAME)
        .build()
        .await
        .with_context(|| format!("cannot own {NAME} on {address}"))?;
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    // The bus may already be gone at shutdown; exiting is all that is left.
    let _ = conn.release_name(NAME).await;
    let _ = conn.close().await;
    Ok(())
}
