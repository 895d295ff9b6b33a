//! Terminal colour: on only when stdout is a terminal and `NO_COLOR` is
//! unset or empty, unless `--color always|never` says otherwise.

use std::io::IsTerminal;

/// When to colour output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// When stdout is a terminal and NO_COLOR is unset.
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Paints text when colour is on, passes it through otherwise.
#[derive(Clone, Copy, Debug)]
pub struct Paint {
    /// Whether colour is on.
    pub on: bool,
}

impl Paint {
    /// Decides once, from the choice, the terminal and `NO_COLOR`.
    pub fn new(choice: ColorChoice) -> Paint {
        let on = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        Paint { on }
    }

    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// Success.
    pub fn green(&self, text: &str) -> String {
        self.wrap("32", text)
    }

    /// Attention.
    pub fn yellow(&self, text: &str) -> String {
        self.wrap("33", text)
    }

    /// Secondary detail.
    pub fn dim(&self, text: &str) -> String {
        self.wrap("2", text)
    }

    /// Emphasis.
    pub fn bold(&self, text: &str) -> String {
        self.wrap("1", text)
    }
}
