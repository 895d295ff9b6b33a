//! Running `habitd` where file modes and mounts bind, whoever runs the tests.
//!
//! CI runs as root, whose `CAP_DAC_OVERRIDE` ignores file modes: a test of a read-only file
//! run as root would test nothing. So:
//!
//! - [`TestHome::habitd_unprivileged`] runs `habitd` as `nobody` (util-linux `setpriv`, which
//!   drops every capability with the uid) when the tests run as root, and as the current user
//!   otherwise. Either way a mode of 0500 means what it says.
//! - [`TestHome::habitd_in_mount_namespace`] runs `habitd` commands in a private mount namespace
//!   (`unshare -m`; `unshare -rm`, with a user namespace, when not root) after a setup script, so
//!   a test can mount a read-only bind or a tiny full `tmpfs` without touching the host's mounts.

use std::{
    ffi::OsString,
    os::unix::process::ExitStatusExt,
    path::{Path, PathBuf},
    process::{ExitStatus, Output},
    sync::OnceLock,
};

use super::daemon::{HABITD, TestHome};

/// The user commands run as when the tests run as root.
pub const NOBODY: u32 = 65534;

/// Whether the tests run as root.
pub fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// `setpriv` arguments that run a program as nobody, with no groups and no capabilities.
fn as_nobody() -> Vec<OsString> {
    [
        "setpriv",
        &format!("--reuid={NOBODY}"),
        &format!("--regid={NOBODY}"),
        "--clear-groups",
        "--",
    ]
    .iter()
    .map(OsString::from)
    .collect()
}

/// Whether nobody may run the `habitd` Cargo built (every directory on the way must let
/// others through: not so under a private `/root`).
fn nobody_reaches_habitd() -> bool {
    static REACHES: OnceLock<bool> = OnceLock::new();
    *REACHES.get_or_init(|| {
        std::process::Command::new("setpriv")
            .args(&as_nobody()[1..])
            .args(["test", "-x", HABITD])
            .status()
            .expect("running setpriv (util-linux)")
            .success()
    })
}

/// Gives `path` and everything under it to `uid`.
fn chown_all(path: &Path, uid: u32) {
    std::os::unix::fs::lchown(path, Some(uid), Some(uid))
        .unwrap_or_else(|e| panic!("chown {}: {e}", path.display()));
    if path.is_dir() && !path.is_symlink() {
        for entry in std::fs::read_dir(path).expect("listing a directory of the home") {
            chown_all(&entry.expect("a directory entry").path(), uid);
        }
    }
}

/// `text` quoted for `sh`.
pub fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

impl TestHome {
    /// Run `habitd args…` (without a bus) as a user whom file modes bind: `nobody` when the
    /// tests run as root, after the whole home is given to nobody (it stays theirs; root can
    /// still read and remove it); the current user otherwise.
    pub fn habitd_unprivileged(&self, args: &[&str]) -> Output {
        super::process::assert_may_block("TestHome::habitd_unprivileged");
        if !is_root() {
            return self.habitd(None, args);
        }
        chown_all(self.path(), NOBODY);
        let binary = if nobody_reaches_habitd() {
            PathBuf::from(HABITD)
        } else {
            let copy = self.path().join("habitd");
            if !copy.exists() {
                std::fs::copy(HABITD, &copy).expect("copying habitd where nobody may run it");
                chown_all(&copy, NOBODY);
            }
            copy
        };
        // Another test thread may fork while the copy is still open for
        // writing; its child holds that descriptor until it execs, and an
        // exec of the copy meanwhile fails with ETXTBSY. That passes.
        for _ in 0..50 {
            let out = self.run_to_end(
                self.wrapped_command(&as_nobody(), &binary, None, args),
                args,
            );
            if !String::from_utf8_lossy(&out.stderr).contains("Text file busy") {
                return out;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        panic!("{} stayed busy (ETXTBSY) for a second", binary.display());
    }

    /// Run `sh` `setup` (e.g. a `mount`) in a private mount namespace, then each of `commands`
    /// (`habitd` arguments, without a bus) in it, one after another; their outputs, in order.
    /// The mounts go away with the namespace. `setup` must succeed.
    pub fn habitd_in_mount_namespace(&self, setup: &str, commands: &[&[&str]]) -> Vec<Output> {
        super::process::assert_may_block("TestHome::habitd_in_mount_namespace");
        let outputs = tempfile::Builder::new()
            .prefix("habitd-outputs-")
            .tempdir()
            .expect("creating a directory for the outputs");
        let dir = outputs.path().display().to_string();
        let mut script = format!("set -e\n{setup}\nset +e\n");
        for (i, args) in commands.iter().enumerate() {
            let args: Vec<String> = args.iter().map(|a| sh_quote(a)).collect();
            script.push_str(&format!(
                "\"$0\" {} >{dir}/{i}.out 2>{dir}/{i}.err; echo $? >{dir}/{i}.rc\n",
                args.join(" ")
            ));
        }
        let unshare = if is_root() { "-m" } else { "-rm" };
        let wrapper: Vec<OsString> = ["unshare", unshare, "--", "sh", "-c", &script]
            .iter()
            .map(OsString::from)
            .collect();
        // The binary comes after the wrapper, as the script's $0.
        let ran = self.run_to_end(
            self.wrapped_command(&wrapper, Path::new(HABITD), None, &[]),
            &["(in a mount namespace)"],
        );
        assert!(
            ran.status.success(),
            "the mount namespace setup failed ({}):\n{setup}\n{}",
            ran.status,
            String::from_utf8_lossy(&ran.stderr)
        );
        (0..commands.len())
            .map(|i| {
                let read = |ext: &str| {
                    std::fs::read(outputs.path().join(format!("{i}.{ext}")))
                        .unwrap_or_else(|e| panic!("reading the output of {:?}: {e}", commands[i]))
                };
                let code: i32 = String::from_utf8_lossy(&read("rc"))
                    .trim()
                    .parse()
                    .expect("an exit code");
                Output {
                    status: ExitStatus::from_raw(code << 8),
                    stdout: read("out"),
                    stderr: read("err"),
                }
            })
            .collect()
    }
}
