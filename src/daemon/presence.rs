//! Whether the user is at the computer: follows the session's screen lock
//! and idleness and reports each change as away or back. Holds no rules:
//! what becomes of a reminder while away is the core's.
//!
//! The source is `org.freedesktop.ScreenSaver` on the session bus (KDE,
//! GNOME's compatibility name, xfce4-screensaver, xscreensaver's bridge and
//! others): `GetActive` once at start, then its `ActiveChanged(bool)`
//! signal, never polling. The subscription comes before the question, so a
//! change between the two is not lost; and it stays when nothing answers,
//! so a screen saver started later is still heard. Wayland's
//! `ext-idle-notify-v1` (sway, Hyprland) is not followed yet: it needs a
//! Wayland connection of the daemon's own.

use futures_lite::StreamExt;
use log::{debug, info};
use zbus::{MatchRule, MessageStream};

/// The screen saver's bus name, interface and object path.
const SCREEN_SAVER: &str = "org.freedesktop.ScreenSaver";
const SCREEN_SAVER_PATH: &str = "/org/freedesktop/ScreenSaver";

/// Follows the screen saver on `session`, passing `sink` whether the user
/// is away now and at each change, until the connection closes.
pub async fn follow(session: zbus::Connection, sink: impl Fn(bool)) {
    let rule = MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .interface(SCREEN_SAVER)
        .member("ActiveChanged")
        .build();
    let subscribed = match rule {
        Ok(rule) => MessageStream::for_match_rule(rule, &session, None).await,
        Err(e) => Err(e),
    };
    let mut changes = match subscribed {
        Ok(stream) => stream,
        Err(e) => return assume_present(&format!("cannot subscribe to the screen saver: {e}")),
    };
    let asked = session
        .call_method(
            Some(SCREEN_SAVER),
            SCREEN_SAVER_PATH,
            Some(SCREEN_SAVER),
            "GetActive",
            &(),
        )
        .await;
    match asked.and_then(|reply| reply.body().deserialize::<bool>()) {
        Ok(active) => {
            info!("following the screen lock through {SCREEN_SAVER}");
            sink(active);
        }
        Err(e) => assume_present(&format!("no {SCREEN_SAVER} on the session bus ({e})")),
    }
    while let Some(message) = changes.next().await {
        match message.and_then(|m| m.body().deserialize::<bool>()) {
            Ok(active) => sink(active),
            Err(e) => debug!("ignoring a malformed ActiveChanged: {e}"),
        }
    }
}

/// Says, once, that the user is taken to be present.
fn assume_present(why: &str) {
    info!(
        "{why}; no source says when the screen is locked or you are away, so reminders are shown as if you were always there"
    );
}
