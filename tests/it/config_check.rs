//! `habitd check` on configs that are refused: a file with thousands of
//! errors.

use crate::support::TestHome;

// Regression: every error was printed, and each was located by reading the
// file from its start (20,000 errors took 15 s).
#[test]
fn thousands_of_errors_print_the_first_50_and_a_count() {
    let home = TestHome::new();
    let text: String = (0..2000)
        .map(|i| format!("[habits.h{i}]\ntitle = \"H\"\nat = \"25:00\"\n"))
        .collect();
    let path = home.write_config(&text);
    let out = home.habitd(None, &["check"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 52, "{err}");
    assert!(
        lines[0].starts_with(&format!(
            "{}:3:6: habits.h0.at: invalid time \"25:00\"",
            path.display()
        )),
        "{err}"
    );
    assert!(
        lines[49].starts_with(&format!("{}:150:6: habits.h49.at: ", path.display())),
        "{err}"
    );
    assert_eq!(lines[50], "and 1950 more");
    assert_eq!(lines[51], "habitd: 2000 error(s) in the config");
}
