//! Desktop notifications over the freedesktop protocol (via notify-rust on
//! the session bus).
//!
//! Owns how a reminder looks on screen: app name, summary, escaped body,
//! urgency, timeout, hints, and replacing a habit's previous notification.
//! It holds no business rules: the daemon decides what to show and when.

use notify_rust::{Hint, Notification, NotificationHandle, Timeout};

use crate::config::{Expiry, Habit, Urgency};

/// The application name notifications are sent under.
pub const APP_NAME: &str = "habitd";

/// Escapes text for the notification server's markup (a small subset of
/// HTML that most servers parse in the body, and dunst and mako also in the
/// summary).
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// The notification for a reminder of `habit`, replacing notification
/// `replaces` (the habit's previous one) when given.
pub fn reminder(habit: &Habit, replaces: Option<u32>) -> Notification {
    let mut n = Notification::new();
    n.appname(APP_NAME)
        .summary(&escape_markup(&habit.title))
        .body(&escape_markup(habit.body.as_deref().unwrap_or("")))
        .hint(Hint::DesktopEntry(APP_NAME.to_string()))
        .hint(Hint::Category("reminder".to_string()))
        .urgency(match habit.urgency {
            Urgency::Low => notify_rust::Urgency::Low,
            Urgency::Normal => notify_rust::Urgency::Normal,
            Urgency::Critical => notify_rust::Urgency::Critical,
        })
        .timeout(match habit.timeout {
            Expiry::ServerDefault => Timeout::Default,
            Expiry::Never => Timeout::Never,
            Expiry::After(ms) => Timeout::Milliseconds(ms),
        });
    if let Some(id) = replaces {
        n.id(id);
    }
    n
}

/// Shows `notification` on the session bus's notification server.
///
/// The returned handle keeps its bus connection open, which some servers
/// need to deliver actions; keep it until the notification is replaced.
pub async fn show(
    notification: Notification,
) -> Result<NotificationHandle, notify_rust::error::Error> {
    notification.show_async().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            escape_markup("a < b & \"c\" > 'd'"),
            "a &lt; b &amp; &quot;c&quot; &gt; &apos;d&apos;"
        );
        assert_eq!(escape_markup("plain"), "plain");
    }
}
