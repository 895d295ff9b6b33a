//! Standard output for the commands' reports, written instead of with
//! `println!`, which panics when the reader has gone away. As in ripgrep
//! and fd, a closed pipe (`habitd next -n 1000 | head -n 1`) ends the
//! command quietly and successfully ([`StdoutClosed`]); any other failure
//! to write (a full disk) is an error like any other.

use std::fmt;
use std::io::{self, BufWriter, StdoutLock, Write};

/// The reader of standard output went away: nothing more can be shown, and
/// nothing went wrong. [`super::dispatch`] turns it into a quiet success.
#[derive(Debug, thiserror::Error)]
#[error("standard output was closed")]
pub struct StdoutClosed;

/// Buffered, locked standard output (or, in tests, any writer). Use it with
/// `write!`/`writeln!` and `?`, and end with [`Out::finish`]: what is still
/// buffered when an `Out` is dropped is flushed with errors ignored.
pub(super) struct Out<W: Write = StdoutLock<'static>> {
    inner: BufWriter<W>,
}

impl Out {
    /// Standard output, locked for the command's lifetime.
    pub(super) fn stdout() -> Out {
        Out::new(io::stdout().lock())
    }
}

impl<W: Write> Out<W> {
    fn new(writer: W) -> Out<W> {
        Out {
            inner: BufWriter::new(writer),
        }
    }

    /// What `write!` and `writeln!` call.
    pub(super) fn write_fmt(&mut self, args: fmt::Arguments<'_>) -> anyhow::Result<()> {
        self.inner.write_fmt(args).map_err(failed)
    }

    /// Writes `text` as it is.
    pub(super) fn write_str(&mut self, text: &str) -> anyhow::Result<()> {
        self.inner.write_all(text.as_bytes()).map_err(failed)
    }

    /// Flushes what is buffered; a failure here is a failure to write.
    pub(super) fn finish(mut self) -> anyhow::Result<()> {
        self.inner.flush().map_err(failed)
    }
}

fn failed(error: io::Error) -> anyhow::Error {
    if error.kind() == io::ErrorKind::BrokenPipe {
        StdoutClosed.into()
    } else {
        anyhow::Error::new(error).context("cannot write to standard output")
    }
}

/// Prints a recording command's confirmation (`water: 3/8 glasses on …`),
/// one line per line of `message`, control characters escaped. The event
/// is already recorded, so this cannot fail the command: a script that
/// retries on failure would record it twice. A closed pipe is ignored;
/// another failure gets a line on stderr.
pub(super) fn confirm(message: &str) {
    if let Err(error) = confirm_to(Out::stdout(), message)
        && !error.is::<StdoutClosed>()
    {
        let _ = writeln!(
            io::stderr(),
            "habitd: recorded, but {}",
            crate::quote::escape(&format!("{error:#}"))
        );
    }
}

fn confirm_to<W: Write>(mut out: Out<W>, message: &str) -> anyhow::Result<()> {
    for line in message.lines() {
        writeln!(out, "{}", crate::quote::escape(line))?;
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that fails every write with `kind`.
    struct Failing(io::ErrorKind);

    impl Write for Failing {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(self.0.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(self.0.into())
        }
    }

    #[test]
    fn a_closed_pipe_is_stdout_closed_and_other_failures_are_errors() {
        // Buffered: the failure shows at the latest when finishing.
        let mut out = Out::new(Failing(io::ErrorKind::BrokenPipe));
        let written = writeln!(out, "one line");
        let error = written.and_then(|()| out.finish()).unwrap_err();
        assert!(error.is::<StdoutClosed>(), "{error:#}");

        let out = Out::new(Failing(io::ErrorKind::StorageFull));
        let error = confirm_to(out, "water: 1/8 glasses").unwrap_err();
        assert!(!error.is::<StdoutClosed>());
        assert!(
            format!("{error:#}").starts_with("cannot write to standard output: "),
            "{error:#}"
        );
    }

    #[test]
    fn confirmations_are_escaped_line_by_line() {
        let mut written = Vec::new();
        confirm_to(Out::new(&mut written), "a: snoozed\nb\u{1b}[2J: snoozed").unwrap();
        assert_eq!(
            String::from_utf8(written).unwrap(),
            "a: snoozed\nb\\u{1b}[2J: snoozed\n"
        );
    }
}
