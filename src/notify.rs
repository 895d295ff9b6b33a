//! Desktop notifications over the freedesktop protocol on the session bus.
//!
//! Owns how a reminder looks on screen (app name, summary, escaped body,
//! urgency, timeout, hints, buttons; built with notify-rust's `Notification`)
//! and the wire exchange with the notification server. It holds no business
//! rules: the daemon decides what to show and when.
//!
//! Delivery goes over the daemon's own long-lived connection rather than
//! notify-rust's `show_async`, which opens a connection per notification:
//! servers send a notification's button presses only to the connection that
//! showed it, and a per-notification connection can only start listening
//! after the notification is up, so a quick press could be lost. Here the
//! subscription exists before the first notification is sent.

use std::collections::HashMap;

use futures_lite::StreamExt;
use notify_rust::{Hint, Notification, Timeout};
use zbus::{MatchRule, MessageStream};

use jiff::civil::Date;

use crate::command::{self, Action};
use crate::config::{Expiry, Habit, Urgency};
use crate::core::Content;
use crate::quote::counted;
use crate::review::Week;

/// The application name notifications are sent under.
pub const APP_NAME: &str = "habitd";

/// Escapes text for the notification server's markup: the small subset of
/// HTML that servers parse in the body. The summary is plain text by the
/// specification, and servers show it as is (dunst 1.9 was checked on
/// screen), so it is not escaped: `Tea & biscuits` stays readable.
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

fn base(habit: &Habit, summary: &str, body: &str) -> Notification {
    let mut n = Notification::new();
    n.appname(APP_NAME)
        .summary(summary)
        .body(&escape_markup(body))
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
    n
}

fn with_buttons(n: &mut Notification, habit: &Habit) {
    let snooze = format!("Snooze {}", crate::timespec::HumanDuration(habit.snooze));
    n.action(Action::Done.key(), "Done")
        .action(Action::Snooze.key(), &snooze)
        .action(Action::Skip.key(), "Skip today");
}

/// A night as the check-in names it: `Thu 2026-11-26`.
fn night_name(night: Date) -> String {
    night.strftime("%a %Y-%m-%d").to_string()
}

/// The look back's lines: one per habit, then the nights.
fn week_lines(week: &Week) -> String {
    let mut lines: Vec<String> = week
        .habits
        .iter()
        .map(|h| match h.days.counted {
            0 => format!("{}: no day to count", h.habit),
            counted => format!(
                "{}: goal met {} of {}",
                h.habit,
                h.days.met,
                counted_days(counted)
            ),
        })
        .collect();
    let nights = week.nights;
    let recorded = nights.cramps + nights.quiet;
    lines.push(if recorded == 0 {
        "Cramps: no night recorded this week".to_string()
    } else {
        let mut line = format!(
            "Cramps: {} of {} recorded",
            nights.cramps,
            counted(recorded.into(), "night", "nights")
        );
        if nights.unrecorded > 0 {
            line.push_str(&format!(", {} not recorded", nights.unrecorded));
        }
        line
    });
    lines.join("\n")
}

fn counted_days(n: u32) -> String {
    counted(n.into(), "day", "days")
}

/// The notification for `habit` (or a built-in reminder): a reminder (with
/// the body and today's progress for count goals) and the Done / Snooze /
/// Skip today buttons, or — once a unit is logged from it — the progress
/// (`💧 3/8 glasses today`), with the buttons again until the goal is met;
/// the check-in's question with No and Yes, and the note that follows Yes;
/// the weekly look back with Report.
pub fn notification(habit: &Habit, content: &Content) -> Notification {
    match content {
        Content::CheckIn { night } => {
            let mut body = format!("The night of {}.", night_name(*night));
            if let Some(more) = &habit.body {
                body = format!("{body}\n{more}");
            }
            let mut n = base(habit, &habit.title, &body);
            n.action(Action::No.key(), "No")
                .action(Action::Yes.key(), "Yes");
            n
        }
        Content::Episode { night } => {
            let summary = format!("Cramps noted for the night of {}", night_name(*night));
            let body = format!(
                "Details unknown. To give them: {}",
                command::episode_details_hint(*night)
            );
            let mut n = base(habit, &summary, &body);
            // A note, not a question: it may go when the server likes.
            n.timeout(Timeout::Default);
            n
        }
        Content::Review(Ok(week)) => {
            let mut n = base(habit, &habit.title, &week_lines(week));
            n.action(Action::Report.key(), "Report");
            n
        }
        Content::Review(Err(why)) => base(
            habit,
            &habit.title,
            &format!("The history cannot be read, so the week is unknown: {why}"),
        ),
        Content::Reminder(progress) => {
            let progress = progress.as_ref().map(|p| format!("{p} today"));
            let body = match (habit.body.as_deref(), progress) {
                (Some(body), Some(progress)) => format!("{body}\n{progress}"),
                (Some(body), None) => body.to_string(),
                (None, Some(progress)) => progress,
                (None, None) => String::new(),
            };
            let mut n = base(habit, &habit.title, &body);
            with_buttons(&mut n, habit);
            n
        }
        Content::Progress(progress) => {
            let summary = match &habit.emoji {
                Some(emoji) => format!("{emoji} {progress} today"),
                None => format!("{}: {progress} today", habit.title),
            };
            let met = progress.met();
            let body = if met { "Goal met for today." } else { "" };
            let mut n = base(habit, &summary, body);
            if !met {
                with_buttons(&mut n, habit);
            }
            n
        }
    }
}

const SERVER: &str = "org.freedesktop.Notifications";
const SERVER_PATH: &str = "/org/freedesktop/Notifications";

/// Shows `notification` on the notification server, replacing notification
/// `replaces` if given; returns its id.
pub async fn show(
    connection: &zbus::Connection,
    notification: &Notification,
    replaces: Option<u32>,
) -> zbus::Result<u32> {
    let hints: HashMap<&str, zbus::Variant<'_>> = notification
        .hints
        .iter()
        .map(<(&str, zbus::Variant<'_>)>::from)
        .collect();
    let reply = connection
        .call_method(
            Some(SERVER),
            SERVER_PATH,
            Some(SERVER),
            "Notify",
            &(
                &notification.appname,
                replaces.unwrap_or(0),
                &notification.icon,
                &notification.summary,
                &notification.body,
                &notification.actions,
                hints,
                i32::from(notification.timeout),
            ),
        )
        .await?;
    reply.body().deserialize::<u32>()
}

/// Asks the server to close notification `id`.
pub async fn close(connection: &zbus::Connection, id: u32) -> zbus::Result<()> {
    connection
        .call_method(
            Some(SERVER),
            SERVER_PATH,
            Some(SERVER),
            "CloseNotification",
            &(id,),
        )
        .await?;
    Ok(())
}

/// What the notification server tells us about our notifications.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerEvent {
    /// A button was pressed.
    Pressed {
        /// The notification.
        id: u32,
        /// Which button.
        action: Action,
    },
    /// The notification went away (expired, dismissed or closed).
    Closed {
        /// The notification.
        id: u32,
    },
}

/// Subscribes to the server's signals on `connection`; call before showing
/// anything, so no press can come before the subscription.
pub async fn subscribe(connection: &zbus::Connection) -> zbus::Result<MessageStream> {
    let rule = MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .interface(SERVER)
        .path(SERVER_PATH)
        .build()?;
    MessageStream::for_match_rule(rule, connection, None).await
}

/// Passes each of the server's events from `stream` to `sink` until the
/// connection closes.
pub async fn forward(mut stream: MessageStream, sink: impl Fn(ServerEvent)) {
    while let Some(message) = stream.next().await {
        let Ok(message) = message else { continue };
        let header = message.header();
        let event =
            match header.member().map(|m| m.as_str()) {
                Some("ActionInvoked") => message
                    .body()
                    .deserialize::<(u32, String)>()
                    .ok()
                    .and_then(|(id, key)| {
                        Action::from_key(&key).map(|action| ServerEvent::Pressed { id, action })
                    }),
                Some("NotificationClosed") => message
                    .body()
                    .deserialize::<(u32, u32)>()
                    .ok()
                    .map(|(id, _reason)| ServerEvent::Closed { id }),
                _ => None,
            };
        if let Some(event) = event {
            sink(event);
        }
    }
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
