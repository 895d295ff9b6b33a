//! `habitd service install|uninstall` into a temporary home, with a fake
//! `systemctl` on PATH that records its arguments (or fails, or is not
//! there at all): the unit written starts this very binary, systemctl is
//! asked to reload and enable it, a unit changed by hand is kept without
//! `--force`, and a missing or failing systemctl is reported with what is
//! left to do.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::pipes::{command, output_of};
use crate::support::TestHome;

const SHIPPED: &str = include_str!("../../systemd/habitd.service");

/// A directory in `home` holding a `systemctl` that appends its arguments
/// to `systemctl.log` and exits with `code`.
fn fake_systemctl(home: &TestHome, code: i32) -> PathBuf {
    let dir = home.path().join("bin");
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("systemctl");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nexit {code}\n",
            home.path().join("systemctl.log").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn calls(home: &TestHome) -> Vec<String> {
    std::fs::read_to_string(home.path().join("systemctl.log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

fn service(home: &TestHome, path: &Path, args: &[&str]) -> Output {
    let mut cmd = command(home, &[&["service"], args].concat());
    cmd.env("PATH", path);
    output_of(cmd)
}

fn unit_path(home: &TestHome) -> PathBuf {
    home.config_home().join("systemd/user/habitd.service")
}

#[test]
fn install_writes_the_unit_for_this_binary_and_enables_it() {
    let home = TestHome::new();
    let bin = fake_systemctl(&home, 0);
    let out = service(&home, &bin, &["install"]);
    assert!(out.status.success(), "{out:?}");
    let unit = std::fs::read_to_string(unit_path(&home)).unwrap();
    let exe = std::fs::canonicalize(env!("CARGO_BIN_EXE_habitd")).unwrap();
    let exec = format!("ExecStart={} run", exe.display());
    assert!(unit.lines().any(|l| l == exec), "{exec:?} missing:\n{unit}");
    let expected = SHIPPED.replace("ExecStart=%h/.cargo/bin/habitd run", &exec);
    assert_eq!(unit, expected, "the shipped unit but for ExecStart=");
    assert_eq!(
        calls(&home),
        ["--user daemon-reload", "--user enable --now habitd.service"]
    );
    // CI installs systemd; elsewhere the unit's syntax goes unchecked here.
    match std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(unit_path(&home))
        .output()
    {
        Ok(verified) => assert!(verified.status.success(), "{verified:?}"),
        Err(e) => eprintln!("not verifying the unit: systemd-analyze: {e}"),
    }

    // Again: nothing to write, enabling is harmless.
    let again = service(&home, &bin, &["install"]);
    assert!(again.status.success(), "{again:?}");
    assert!(String::from_utf8_lossy(&again.stdout).contains("up to date"));

    // A unit changed by hand is kept, unless asked.
    std::fs::write(unit_path(&home), format!("{unit}# mine\n")).unwrap();
    let kept = service(&home, &bin, &["install"]);
    assert_eq!(kept.status.code(), Some(2), "{kept:?}");
    assert!(String::from_utf8_lossy(&kept.stderr).contains("--force"));
    assert!(
        std::fs::read_to_string(unit_path(&home))
            .unwrap()
            .ends_with("# mine\n")
    );
    let forced = service(&home, &bin, &["install", "--force"]);
    assert!(forced.status.success(), "{forced:?}");
    assert_eq!(std::fs::read_to_string(unit_path(&home)).unwrap(), unit);

    let before = calls(&home).len();
    let gone = service(&home, &bin, &["uninstall"]);
    assert!(gone.status.success(), "{gone:?}");
    assert!(!unit_path(&home).exists());
    assert_eq!(
        calls(&home)[before..],
        [
            "--user disable --now habitd.service",
            "--user daemon-reload"
        ]
    );
    let nothing = service(&home, &bin, &["uninstall"]);
    assert!(nothing.status.success(), "{nothing:?}");
}

#[test]
fn without_systemctl_the_unit_is_written_and_the_rest_is_said() {
    let home = TestHome::new();
    let empty = home.path().join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    let out = service(&home, &empty, &["install"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("systemctl is not installed"), "{err}");
    assert!(err.contains("the unit is written"), "{err}");
    assert!(unit_path(&home).exists());
}

#[test]
fn a_failing_user_manager_is_reported_with_what_is_left_to_do() {
    let home = TestHome::new();
    let bin = fake_systemctl(&home, 1);
    let out = service(&home, &bin, &["install"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`systemctl --user daemon-reload` failed"),
        "{err}"
    );
    assert!(
        err.contains("systemctl --user enable --now habitd"),
        "{err}"
    );
    assert_eq!(
        calls(&home),
        ["--user daemon-reload"],
        "stops at the first failure"
    );
}

#[test]
fn the_unit_for_a_package_starts_usr_bin_habitd() {
    let home = TestHome::new();
    let out = output_of(command(
        &home,
        &["service", "unit", "--exec", "/usr/bin/habitd"],
    ));
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        SHIPPED.replace(
            "ExecStart=%h/.cargo/bin/habitd run",
            "ExecStart=/usr/bin/habitd run"
        )
    );
    let relative = output_of(command(&home, &["service", "unit", "--exec", "habitd"]));
    assert_eq!(relative.status.code(), Some(2), "{relative:?}");
}
