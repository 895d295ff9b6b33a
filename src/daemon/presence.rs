//! Whether the user is at the computer: follows the session's lock and
//! idleness and reports each change as away or back. Holds no rules: what
//! becomes of a reminder while away is the core's.
//!
//! Two sources, each followed through its signals, never polled, and each
//! subscribed to before it is first asked, so a change between the two is
//! not lost:
//! - logind on the system bus: the session's `LockedHint` and `IdleHint`
//!   properties (set by GNOME, KDE and lockers that talk to logind), through
//!   `PropertiesChanged`. The session is logind's `auto` one: the caller's,
//!   or for a user service the user's graphical session.
//! - `org.freedesktop.ScreenSaver` on the session bus (KDE, GNOME's
//!   compatibility name, xfce4-screensaver and others): `GetActive`, then
//!   `ActiveChanged(bool)`. Its subscription stays when nothing answers, so a
//!   screen saver started later is still heard.
//!
//! The user is away while either says so. Wayland's `ext-idle-notify-v1`
//! (sway, Hyprland) is not followed yet: it needs a Wayland connection of
//! the daemon's own.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_lite::StreamExt;
use log::{debug, info};
use zbus::{MatchRule, MessageStream, OwnedObjectPath, OwnedVariant};

/// The screen saver's bus name, interface and object path.
const SCREEN_SAVER: &str = "org.freedesktop.ScreenSaver";
const SCREEN_SAVER_PATH: &str = "/org/freedesktop/ScreenSaver";

/// logind's bus name, manager object and interfaces.
const LOGIND: &str = "org.freedesktop.login1";
const LOGIND_PATH: &str = "/org/freedesktop/login1";
const LOGIND_MANAGER: &str = "org.freedesktop.login1.Manager";
const LOGIND_SESSION: &str = "org.freedesktop.login1.Session";
const PROPERTIES: &str = "org.freedesktop.DBus.Properties";

/// Follows both sources (the screen saver only with a `session` bus),
/// passing `sink` whether the user is away at start (when a source says)
/// and at each change, until both connections close.
pub async fn follow(session: Option<zbus::Connection>, sink: impl Fn(bool) + Sync) {
    let logind = Logind::connect().await;
    let screen_saver = match &session {
        Some(session) => ScreenSaver::connect(session).await,
        None => Err("no session bus".to_string()),
    };
    // Atomics and a mutex only because the task may move between threads:
    // the two followers below run in turn on one task.
    let (locked, idle, active) = (
        AtomicBool::new(false),
        AtomicBool::new(false),
        AtomicBool::new(false),
    );
    let reported = Mutex::new(None);
    let report = || {
        let away = [&locked, &idle, &active]
            .iter()
            .any(|hint| hint.load(Ordering::Relaxed));
        let mut reported = reported.lock().unwrap_or_else(|e| e.into_inner());
        if reported.replace(away) != Some(away) {
            sink(away);
        }
    };
    let mut heard = false;
    match &logind {
        Ok(logind) => {
            info!(
                "following the session's lock and idleness through logind ({})",
                logind.path.as_str()
            );
            heard = true;
        }
        Err(why) => debug!("not following logind: {why}"),
    }
    if let Some(initially) = screen_saver.as_ref().ok().and_then(|s| s.initially) {
        info!("following the screen lock through {SCREEN_SAVER}");
        heard = true;
        active.store(initially, Ordering::Relaxed);
    }
    if !heard {
        info!(
            "neither logind's session nor {SCREEN_SAVER} answers; no source says when the screen is locked or you are away, so reminders are shown as if you were always there"
        );
    }
    if let Ok(logind) = &logind {
        if let Some(value) = logind.get("LockedHint").await {
            locked.store(value, Ordering::Relaxed);
        }
        if let Some(value) = logind.get("IdleHint").await {
            idle.store(value, Ordering::Relaxed);
        }
    }
    if heard {
        report();
    }
    let follow_logind = async {
        let Ok(mut logind) = logind else { return };
        while let Some(message) = logind.changes.next().await {
            let Ok(message) = message else { continue };
            let body = message
                .body()
                .deserialize::<(String, HashMap<String, OwnedVariant>, Vec<String>)>();
            let Ok((interface, changed, invalidated)) = body else {
                debug!("ignoring a malformed PropertiesChanged from logind");
                continue;
            };
            if interface != LOGIND_SESSION {
                continue;
            }
            let mut moved = false;
            for (name, hint) in [("LockedHint", &locked), ("IdleHint", &idle)] {
                let value = match changed.get(name) {
                    Some(value) => bool::try_from(value).ok(),
                    None if invalidated.iter().any(|n| n == name) => logind.get(name).await,
                    None => None,
                };
                if let Some(value) = value {
                    moved |= hint.swap(value, Ordering::Relaxed) != value;
                }
            }
            if !moved {
                continue;
            }
            info!(
                "logind: the session is {}, {}",
                if locked.load(Ordering::Relaxed) {
                    "locked"
                } else {
                    "unlocked"
                },
                if idle.load(Ordering::Relaxed) {
                    "idle"
                } else {
                    "active"
                }
            );
            report();
        }
    };
    let follow_screen_saver = async {
        let Ok(mut screen_saver) = screen_saver else {
            return;
        };
        while let Some(message) = screen_saver.changes.next().await {
            match message.and_then(|m| m.body().deserialize::<bool>()) {
                Ok(value) => {
                    active.store(value, Ordering::Relaxed);
                    report();
                }
                Err(e) => debug!("ignoring a malformed ActiveChanged: {e}"),
            }
        }
    };
    futures_lite::future::zip(follow_logind, follow_screen_saver).await;
}

/// The user's logind session on the system bus.
struct Logind {
    bus: zbus::Connection,
    path: OwnedObjectPath,
    changes: MessageStream,
}

impl Logind {
    /// Finds the session (`DBUS_SYSTEM_BUS_ADDRESS`, else the system bus)
    /// and subscribes to its changes; says why not.
    async fn connect() -> Result<Logind, String> {
        let bus = zbus::connection::Builder::system()
            .build()
            .await
            .map_err(|e| format!("cannot connect to the system bus: {e}"))?;
        let reply = bus
            .call_method(
                Some(LOGIND),
                LOGIND_PATH,
                Some(LOGIND_MANAGER),
                "GetSession",
                &("auto",),
            )
            .await
            .map_err(|e| format!("no logind session: {e}"))?;
        let path: OwnedObjectPath = reply
            .body()
            .deserialize()
            .map_err(|e| format!("logind's GetSession answered oddly: {e}"))?;
        let rule = MatchRule::builder()
            .msg_type(zbus::message::Type::Signal)
            .path(path.clone())
            .interface(PROPERTIES)
            .member("PropertiesChanged")
            .build()
            .map_err(|e| e.to_string())?;
        let changes = MessageStream::for_match_rule(rule, &bus, None)
            .await
            .map_err(|e| format!("cannot subscribe to logind's session: {e}"))?;
        Ok(Logind { bus, path, changes })
    }

    /// The session's boolean property `name`, if it can be read.
    async fn get(&self, name: &str) -> Option<bool> {
        let reply = self
            .bus
            .call_method(
                Some(LOGIND),
                &self.path,
                Some(PROPERTIES),
                "Get",
                &(LOGIND_SESSION, name),
            )
            .await;
        match reply.and_then(|r| r.body().deserialize::<OwnedVariant>()) {
            Ok(value) => bool::try_from(value).ok(),
            Err(e) => {
                debug!("cannot read logind's {name}: {e}");
                None
            }
        }
    }
}

/// The screen saver on the session bus.
struct ScreenSaver {
    /// Its answer to `GetActive`, if it answered.
    initially: Option<bool>,
    changes: MessageStream,
}

impl ScreenSaver {
    /// Subscribes to `ActiveChanged`, then asks `GetActive`.
    async fn connect(session: &zbus::Connection) -> Result<ScreenSaver, String> {
        let rule = MatchRule::builder()
            .msg_type(zbus::message::Type::Signal)
            .interface(SCREEN_SAVER)
            .member("ActiveChanged")
            .build()
            .map_err(|e| e.to_string())?;
        let changes = MessageStream::for_match_rule(rule, session, None)
            .await
            .map_err(|e| format!("cannot subscribe to the screen saver: {e}"))?;
        let asked = session
            .call_method(
                Some(SCREEN_SAVER),
                SCREEN_SAVER_PATH,
                Some(SCREEN_SAVER),
                "GetActive",
                &(),
            )
            .await;
        let initially = match asked.and_then(|reply| reply.body().deserialize::<bool>()) {
            Ok(active) => Some(active),
            Err(e) => {
                debug!("no {SCREEN_SAVER} on the session bus: {e}");
                None
            }
        };
        Ok(ScreenSaver { initially, changes })
    }
}
