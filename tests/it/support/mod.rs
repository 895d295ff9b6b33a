//! Shared integration-test harness for `habitd`.
//!
//! This module owns the real parts the integration tests run against, with no mocks:
//!
//! - [`DbusSession`]: a private `dbus-daemon` session bus in a temporary directory, with its own
//!   configuration (no service directories, so nothing on the host can be bus-activated into it).
//! - [`NotificationServer`]: a notification server speaking the real freedesktop
//!   `org.freedesktop.Notifications` protocol on that bus, recording every `Notify` call.
//! - [`Daemon`] and [`TestHome`]: the real `habitd` binary, run with every XDG directory and `HOME`
//!   inside a temporary directory, its output collected line by line.
//! - [`ScreenSaver`]: a screen saver speaking the real `org.freedesktop.ScreenSaver` interface
//!   on that bus, locked and unlocked by the test.
//! - [`Logind`]: logind's manager and one session with `LockedHint` and `IdleHint`, on a second
//!   private bus standing in for the system bus (`DBUS_SYSTEM_BUS_ADDRESS`).
//! - [`cron_due_in`]: a cron expression for a wall-clock second a little in the future.
//! - [`user`]: running `habitd` where file modes and mounts bind, as `nobody` when the tests run
//!   as root, or in a private mount namespace.
//! - [`process`]: the child-process plumbing under [`Daemon`] (waiting with timeouts, signals,
//!   output read line by line), public so the harness can test it without `habitd`.
//!
//! Everything waits on events with timeouts, never on fixed sleeps.
//!
//! # Runtimes
//!
//! [`NotificationServer`] runs on the Tokio runtime of the test that starts it. The blocking
//! helpers of [`Daemon`] and [`TestHome`] wait on the `habitd` process, which may itself be waiting
//! on that notification server; so an async test that uses them must run on the multi-threaded
//! runtime: `#[tokio::test(flavor = "multi_thread", worker_threads = 2)]`. Those helpers panic
//! with a message saying so when called on a current-thread runtime.

// Each integration test binary compiles this module separately and uses only part of it, so
// items (and re-exports) that one binary leaves unused are expected, not dead.
#![allow(dead_code, unused_imports)]

mod bus;
mod cron;
mod daemon;
mod lock;
mod logind;
mod notifications;
pub mod process;
mod screensaver;
mod user;

pub use bus::DbusSession;
pub use cron::{clock_half_a_day_away, cron_due_in, signal, utc_clock_in};
pub use daemon::{Daemon, TestHome};
pub use lock::HistoryLock;
pub use logind::Logind;
pub use notifications::{
    NotificationServer, REASON_CLOSED, REASON_DISMISSED, REASON_EXPIRED, Received,
};
pub use screensaver::ScreenSaver;
pub use user::{NOBODY, is_root, sh_quote};
