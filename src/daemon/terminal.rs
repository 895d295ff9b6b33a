//! Reminders on the terminal (`habitd run --terminal`): the other way to
//! carry out the core's `Show`, for a machine without a desktop session —
//! over SSH, in a container, in tmux. Each reminder is one line on stdout;
//! the words are [`crate::notify::terminal_line`]'s, the same as on the
//! desktop. A line cannot be taken back or pressed, so closing is nothing
//! and answers come from the command line.

use std::io::{IsTerminal, Write};

/// Standard output, as a place to show reminders.
pub struct Terminal {
    /// Whether a bell goes with each line: only for a person at a terminal,
    /// never into a file or a pipe.
    bell: bool,
    /// The last line's number, which stands for a notification's id.
    shown: u32,
}

impl Terminal {
    /// Standard output; rings the bell when it is a terminal.
    pub fn stdout() -> Terminal {
        Terminal {
            bell: std::io::stdout().is_terminal(),
            shown: 0,
        }
    }

    /// The id the next line goes by (never 0, which the notification
    /// protocol reserves for "none").
    pub fn next_id(&mut self) -> u32 {
        self.shown = self.shown.checked_add(1).unwrap_or(1);
        self.shown
    }

    /// Whether lines ring the bell.
    pub fn bell(&self) -> bool {
        self.bell
    }
}

/// Writes `line` to stdout in one write, with the bell if asked, and
/// flushes it. Blocks while the terminal does not take it (a paused tmux
/// pane, Ctrl-S), so the daemon calls it off its loop, with a time limit.
pub fn write(line: &str, bell: bool) -> std::io::Result<()> {
    let text = format!("{line}{}\n", if bell { "\x07" } else { "" });
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}
