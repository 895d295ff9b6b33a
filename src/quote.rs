//! User text shown back to the user, the one place its two rules live: in a
//! message it is quoted and cut to a readable length ([`Quoted`]); on a
//! terminal its control characters are escaped ([`escape`]), so a title, a
//! key or a typed argument can neither move the cursor, recolour or clear
//! the screen, nor fake a line of output.
//!
//! Also the one rule for counting things in words ([`counted`]).
//!
//! Pure formatting: no I/O, and nothing here decides what is valid.

use std::borrow::Cow;
use std::fmt;

/// `n` followed by the noun in the number it needs: `1 habit`, `4 habits`.
pub fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// How many characters of a quoted text a message shows before cutting it.
pub const QUOTE_CHARS: usize = 60;

/// Displays user text quoted as `{:?}` does (quotes, backslashes and
/// control characters escaped), cut after [`QUOTE_CHARS`] characters with
/// its whole length added: `"aaaa…" (100000 bytes)`. Short text shows
/// exactly as `{:?}` would.
#[derive(Clone, Copy, Debug)]
pub struct Quoted<'a>(pub &'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0;
        match text.char_indices().nth(QUOTE_CHARS) {
            None => write!(f, "{text:?}"),
            Some((cut, _)) => {
                let quoted = format!("{:?}", &text[..cut]);
                // `{:?}` of a str always ends in the closing quote.
                let open = quoted.strip_suffix('"').unwrap_or(&quoted);
                write!(f, "{open}…\" ({} bytes)", text.len())
            }
        }
    }
}

/// Whether `c` must not reach a terminal as it is: C0 and C1 controls
/// (newline and ESC among them), DEL, and the bidirectional controls that
/// reorder what a line seems to say.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every control character escaped as in Rust source (`\n`,
/// `\u{1b}`); everything else, backslashes included, as it is. Borrowed
/// when there is nothing to escape, which is the usual case.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_quoted_like_debug() {
        for text in ["watr", "", "a \"b\" \\ c", "line\nbreak\u{1b}[2J", "é🦀"] {
            assert_eq!(Quoted(text).to_string(), format!("{text:?}"));
        }
        let sixty = "x".repeat(QUOTE_CHARS);
        assert_eq!(Quoted(&sixty).to_string(), format!("{sixty:?}"));
    }

    #[test]
    fn long_text_is_cut_with_its_length() {
        let long = "a".repeat(100_000);
        assert_eq!(
            Quoted(&long).to_string(),
            format!("\"{}…\" (100000 bytes)", "a".repeat(QUOTE_CHARS))
        );
        // Cut on a character boundary, counting characters, not bytes.
        let wide = "é".repeat(100);
        assert_eq!(
            Quoted(&wide).to_string(),
            format!("\"{}…\" (200 bytes)", "é".repeat(QUOTE_CHARS))
        );
        // Escapes in the part shown stay escaped.
        let tricky = format!("\u{1b}[31m{}", "b".repeat(100));
        let shown = Quoted(&tricky).to_string();
        assert!(shown.starts_with("\"\\u{1b}[31mbbb"), "{shown}");
        assert!(!shown.contains('\u{1b}'));
    }

    #[test]
    fn escape_neutralises_controls_only() {
        assert!(matches!(escape("Drink a glass — 💧"), Cow::Borrowed(_)));
        assert_eq!(escape("a\\b"), "a\\b");
        assert_eq!(escape("a\nb\tc\r"), "a\\nb\\tc\\r");
        assert_eq!(escape("\u{1b}[2J\u{7f}\u{9b}"), "\\u{1b}[2J\\u{7f}\\u{9b}");
        assert_eq!(escape("abc\u{202e}fed"), "abc\\u{202e}fed");
    }
}
