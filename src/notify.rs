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

/// The buttons of a habit's reminder.
fn habit_buttons(habit: &Habit) -> Vec<(Action, String)> {
    let snooze = format!("Snooze {}", crate::timespec::HumanDuration(habit.snooze));
    vec![
        (Action::Done, "Done".to_string()),
        (Action::Snooze, snooze),
        (Action::Skip, "Skip today".to_string()),
    ]
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

/// What a notification says, before any markup: the same words on the
/// desktop and on a terminal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    /// The first line.
    pub summary: String,
    /// The rest, perhaps several lines, perhaps empty.
    pub body: String,
    /// The buttons, in order, with their labels.
    pub buttons: Vec<(Action, String)>,
    /// The command that answers it, for a terminal, where there are no
    /// buttons.
    pub answer: Option<String>,
    /// A note, not a question: it may go when the server likes, whatever
    /// the habit's timeout.
    pub note: bool,
}

impl Text {
    fn new(summary: impl Into<String>, body: impl Into<String>) -> Text {
        Text {
            summary: summary.into(),
            body: body.into(),
            buttons: Vec::new(),
            answer: None,
            note: false,
        }
    }

    /// With a habit's Done / Snooze / Skip today, answered by `habitd done`.
    fn answered_as_habit(mut self, habit: &Habit) -> Text {
        self.buttons = habit_buttons(habit);
        self.answer = Some(format!("habitd done {}", habit.id));
        self
    }
}

/// What `habit`'s (or a built-in reminder's) notification says: a reminder
/// (with the body and today's progress for count goals) answered with Done
/// / Snooze / Skip today, or — once a unit is logged from it — the progress
/// (`💧 3/8 glasses today`), answered again until the goal is met; the
/// check-in's question with No and Yes, and the note that follows Yes; the
/// weekly look back with Report.
pub fn text(habit: &Habit, content: &Content) -> Text {
    match content {
        Content::CheckIn { night } => {
            let mut body = format!("The night of {}.", night_name(*night));
            if let Some(more) = &habit.body {
                body = format!("{body}\n{more}");
            }
            Text {
                buttons: vec![
                    (Action::No, "No".to_string()),
                    (Action::Yes, "Yes".to_string()),
                ],
                answer: Some("habitd cramp --none, or habitd cramp".to_string()),
                ..Text::new(&habit.title, body)
            }
        }
        Content::Episode { night } => Text {
            note: true,
            ..Text::new(
                format!("Cramps noted for the night of {}", night_name(*night)),
                format!(
                    "Details unknown. To give them: {}",
                    command::episode_details_hint(*night)
                ),
            )
        },
        Content::Review(Ok(week)) => Text {
            buttons: vec![(Action::Report, "Report".to_string())],
            answer: Some("habitd report".to_string()),
            ..Text::new(&habit.title, week_lines(week))
        },
        Content::Review(Err(why)) => Text::new(
            &habit.title,
            format!("The history cannot be read, so the week is unknown: {why}"),
        ),
        Content::Reminder(progress) => {
            let progress = progress.as_ref().map(|p| format!("{p} today"));
            let body = match (habit.body.as_deref(), progress) {
                (Some(body), Some(progress)) => format!("{body}\n{progress}"),
                (Some(body), None) => body.to_string(),
                (None, Some(progress)) => progress,
                (None, None) => String::new(),
            };
            Text::new(&habit.title, body).answered_as_habit(habit)
        }
        Content::Progress(progress) => {
            let summary = match &habit.emoji {
                Some(emoji) => format!("{emoji} {progress} today"),
                None => format!("{}: {progress} today", habit.title),
            };
            if progress.met() {
                Text::new(summary, "Goal met for today.")
            } else {
                Text::new(summary, "").answered_as_habit(habit)
            }
        }
    }
}

/// The notification for `habit` (see [`text`]), with its buttons.
pub fn notification(habit: &Habit, content: &Content) -> Notification {
    let text = text(habit, content);
    let mut n = base(habit, &text.summary, &text.body);
    for (action, label) in &text.buttons {
        n.action(action.key(), label);
    }
    if text.note {
        n.timeout(Timeout::Default);
    }
    n
}

/// The notification as one line for a terminal (`habitd run --terminal`):
/// `clock`, the summary, the body's lines, and the command that answers it.
/// Control characters from the config are escaped, so the line stays one
/// line and cannot move the cursor.
pub fn terminal_line(habit: &Habit, content: &Content, clock: &str) -> String {
    let text = text(habit, content);
    let mut line = format!("{clock} {}", text.summary);
    for part in text.body.lines().filter(|l| !l.trim().is_empty()) {
        line.push_str(" — ");
        line.push_str(part.trim());
    }
    if let Some(answer) = &text.answer {
        line.push_str(&format!("  ({answer})"));
    }
    crate::quote::escape(&line).into_owned()
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

    fn config() -> crate::config::Config {
        let text = r#"
[settings]
timezone = "UTC"

[habits.water]
title = "Drink a glass"
emoji = "💧"
body = "Line one.\n\nLine\u001b[2J two."
at = "12:00"
goal = { count = 8, unit = "glasses" }
"#;
        crate::config::parse_str(text, crate::config::Origin::Builtin).unwrap()
    }

    fn progress(done: i64) -> crate::status::Progress {
        crate::status::Progress {
            done,
            goal: 8,
            unit: "glasses".to_string(),
        }
    }

    #[test]
    fn a_terminal_line_is_one_line_with_its_time_and_its_answer() {
        let config = config();
        let water = config.habit("water").unwrap();
        let line = terminal_line(water, &Content::Reminder(Some(progress(3))), "15:00");
        assert_eq!(
            line,
            "15:00 Drink a glass — Line one. — Line\\u{1b}[2J two. — 3/8 glasses today  (habitd done water)"
        );
        let met = terminal_line(water, &Content::Progress(progress(8)), "15:01");
        assert_eq!(met, "15:01 💧 8/8 glasses today — Goal met for today.");
        let night = jiff::civil::date(2026, 11, 26);
        let checkin = terminal_line(water, &Content::CheckIn { night }, "08:00");
        assert!(
            checkin.starts_with("08:00 Drink a glass — The night of Thu 2026-11-26. — Line one.")
                && checkin.ends_with("  (habitd cramp --none, or habitd cramp)"),
            "{checkin}"
        );
    }

    #[test]
    fn the_desktop_and_the_terminal_say_the_same_words() {
        let config = config();
        let water = config.habit("water").unwrap();
        let content = Content::Reminder(Some(progress(3)));
        let n = notification(water, &content);
        let text = text(water, &content);
        assert_eq!(n.summary, text.summary);
        assert_eq!(n.body, escape_markup(&text.body));
        assert_eq!(n.actions.len(), 6, "three buttons, key and label each");
    }
}
