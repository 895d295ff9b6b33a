//! First-run comfort: `habitd init` writes the example config privately and
//! never over one without `--force`; `habitd edit` saves only a valid edit,
//! whole, shows the errors of one that is not and re-opens it when someone
//! at the terminal says so (never looping without a terminal), and a
//! running daemon reloads the saved file once.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use crate::pipes::{command, output_of};
use crate::support::{Daemon, DbusSession, TestHome, signal};

/// How long any expected event may take before the test fails.
const WAIT: Duration = Duration::from_secs(15);

const EXAMPLE: &str = include_str!("../../config.example.toml");

const ONE_HABIT: &str = r#"[settings]
timezone = "UTC"

[habits.sip]
title = "Sip"
at = "12:00"
"#;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// An editor script in `home`: it counts its runs in `runs`, then runs
/// `body` with the file as `$1`.
fn editor(home: &TestHome, name: &str, body: &str) -> PathBuf {
    let path = home.path().join(name);
    let runs = home.path().join(format!("{name}.runs"));
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\necho run >> '{}'\nn=$(wc -l < '{}')\n{body}\n",
            runs.display(),
            runs.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn runs(home: &TestHome, name: &str) -> usize {
    std::fs::read_to_string(home.path().join(format!("{name}.runs")))
        .map(|r| r.lines().count())
        .unwrap_or(0)
}

fn edit(home: &TestHome, env: &[(&str, &Path)]) -> Output {
    let mut cmd = command(home, &["edit"]);
    cmd.env_remove("VISUAL").env_remove("EDITOR");
    for (key, value) in env {
        cmd.env(key, value);
    }
    output_of(cmd)
}

#[test]
fn init_writes_the_example_privately_and_only_over_a_config_with_force() {
    let home = TestHome::new();
    let out = output_of(command(&home, &["init"]));
    assert!(out.status.success(), "{out:?}");
    let path = home.config_dir().join("config.toml");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), EXAMPLE);
    assert_eq!(mode(&home.config_dir()), 0o700);
    assert_eq!(mode(&path), 0o600);
    let said = text(&out.stdout);
    assert!(said.contains(&path.display().to_string()), "{said}");
    for next in [
        "habitd edit",
        "habitd check",
        "habitd run --terminal",
        "habitd service install",
    ] {
        assert!(said.contains(next), "{next:?} missing from:\n{said}");
    }
    assert_eq!(names(&home.config_dir()), ["config.toml"]);

    std::fs::write(&path, ONE_HABIT).unwrap();
    let again = output_of(command(&home, &["init"]));
    assert_eq!(again.status.code(), Some(2));
    let err = text(&again.stderr);
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), ONE_HABIT);

    let forced = output_of(command(&home, &["init", "--force"]));
    assert!(forced.status.success(), "{forced:?}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), EXAMPLE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_edit_is_saved_whole_and_the_running_daemon_reloads_it_once() {
    let bus = DbusSession::start();
    let home = TestHome::new();
    let path = home.write_config(ONE_HABIT);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let mut daemon = Daemon::spawn(bus.address(), &home, &["run", "--terminal"]);
    daemon
        .wait_for_log("habitd is ready", WAIT)
        .expect("the daemon starts");
    let append = editor(
        &home,
        "append",
        r#"printf '\n[habits.tea]\ntitle = "Tea"\nat = "16:00"\n' >> "$1""#,
    );
    let never = editor(&home, "never", "exit 1");
    // VISUAL comes before EDITOR.
    let out = edit(&home, &[("VISUAL", &append), ("EDITOR", &never)]);
    assert!(out.status.success(), "{out:?}");
    assert!(text(&out.stdout).contains("saved"), "{out:?}");
    assert_eq!((runs(&home, "append"), runs(&home, "never")), (1, 0));
    let saved = std::fs::read_to_string(&path).unwrap();
    assert!(saved.starts_with(ONE_HABIT) && saved.contains("[habits.tea]"));
    assert_eq!(mode(&path), 0o640, "the file keeps its mode");
    assert_eq!(names(&home.config_dir()), ["config.toml"]);

    daemon
        .wait_for_log("the config file was saved", WAIT)
        .expect("the daemon sees the save");
    daemon
        .wait_for_log("reloaded 2 habits", WAIT)
        .expect("the daemon reloads it");
    // A reload asked for by `edit` would come before it returned, so one
    // more reload (SIGHUP's) then makes two in all, not three.
    signal(daemon.pid(), "HUP");
    daemon
        .wait_for_log("SIGHUP: reading the config again", WAIT)
        .expect("SIGHUP is heard");
    daemon
        .wait_for_log("reloaded 2 habits", WAIT)
        .expect("SIGHUP reloads");
    daemon.terminate(WAIT).expect("stops on SIGTERM");
    assert_eq!(daemon.log().matches("reloaded 2 habits").count(), 2);
}

#[test]
fn an_edit_with_errors_and_no_terminal_fails_once_and_changes_nothing() {
    let home = TestHome::new();
    let path = home.write_config(ONE_HABIT);
    let broken = editor(
        &home,
        "broken",
        r#"printf '[habits.x]\ntitle = 3\n' >> "$1""#,
    );
    let out = edit(&home, &[("EDITOR", &broken)]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = text(&out.stderr);
    let at = format!("{}:8:9: habits.x.title: expected a string", path.display());
    assert!(err.contains(&at), "{at:?} missing from:\n{err}");
    assert!(err.contains("not saved"), "{err}");
    assert_eq!(runs(&home, "broken"), 1, "no loop without a terminal");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), ONE_HABIT);
    assert_eq!(names(&home.config_dir()), ["config.toml"]);
}

#[test]
fn an_edit_with_errors_on_a_terminal_is_reopened_when_asked() {
    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
    let home = TestHome::new();
    let path = home.write_config(ONE_HABIT);
    // First run: a broken habit; second: it is fixed.
    let fixer = editor(
        &home,
        "fixer",
        r#"if [ "$n" = 1 ]; then printf '[habits.x]\ntitle = 3\n' >> "$1"; else sed -i 's/^title = 3$/title = "X"\nat = "09:00"/' "$1"; fi"#,
    );
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("opening a pty");
    grantpt(&master).expect("grantpt");
    unlockpt(&master).expect("unlockpt");
    let name = ptsname(&master, Vec::new()).expect("ptsname");
    let terminal = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(name.to_str().expect("a UTF-8 pty name"))
        .expect("opening the pty's terminal end");
    // Typed ahead: the terminal keeps it until habitd asks.
    let mut keyboard = std::fs::File::from(master);
    keyboard.write_all(b"y\n").unwrap();
    let mut cmd = command(&home, &["edit"]);
    cmd.env("EDITOR", &fixer).stdin(Stdio::from(terminal));
    let out = output_of(cmd);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(runs(&home, "fixer"), 2);
    let err = text(&out.stderr);
    assert!(err.contains("habits.x.title: expected a string"), "{err}");
    assert!(err.contains("edit again? [Y/n]"), "{err}");
    let saved = std::fs::read_to_string(&path).unwrap();
    assert!(saved.contains("title = \"X\""), "{saved}");
    assert_eq!(names(&home.config_dir()), ["config.toml"]);
}
