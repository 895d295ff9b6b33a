//! Refusing files another user could have planted or changed: a config or
//! history that is not ours, that anyone may write, or that sits where
//! another user could replace it, is not trusted.
//!
//! What is checked, and why:
//!
//! - **The file**: it must be ours, and not writable by every user.
//! - **Its directory** (the real one, symlinks resolved, and also the one
//!   holding the symlink if the name is one): ours or root's, and not
//!   writable by every user — whoever may write a directory may rename a
//!   file of ours away and put their own under its name. The sticky bit (as
//!   on `/tmp`) stops that: there others may not rename or remove what is
//!   not theirs, and a file they create under the name is theirs, which the
//!   first rule refuses. So a config in `/tmp` is accepted. The history is
//!   not: habitd and SQLite create files of fixed names beside it
//!   (`habitd.db-wal`, `-shm`, `.lock`, `.spool`), and in a directory others
//!   may write, sticky or not, they could create those first — a `-wal` of
//!   theirs would be read as part of the history. See [`Beside`].
//! - **The directories above**: none may be writable by every user without
//!   the sticky bit, or another user could move the whole directory away and
//!   put their own in its place. Their owners are not checked: the owner of
//!   `/home` is root, who can do anything anyway, and in containers and
//!   sandboxes directories outside the user's own often show the "nobody"
//!   uid of an unmapped owner, which would refuse every file.
//!
//! Group-writable files and directories are accepted, like world-readable
//! ones: most systems give each user a group of their own.
//!
//! Advice is given only where it is the user's to follow: `chmod o-w` is
//! suggested for a file or directory they own; for anything else the
//! message says what is wrong and where to keep the file instead.

use std::fs::Metadata;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

/// What habitd does in the directory of the file it checks: that decides
/// whether a world-writable directory with the sticky bit will do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Beside {
    /// Nothing: only the file is read (the config).
    Nothing,
    /// Files of fixed names are created and read there (the history's
    /// `-wal`, `-shm`, lock, spool and change marker).
    FixedNames,
}

/// The owner and mode (type bits included) of a file or directory: all
/// that the rules look at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Seen {
    uid: u32,
    mode: u32,
}

impl From<&Metadata> for Seen {
    fn from(meta: &Metadata) -> Seen {
        Seen {
            uid: meta.uid(),
            mode: meta.mode(),
        }
    }
}

const S_IFMT: u32 = 0o170_000;
const S_IFREG: u32 = 0o100_000;
const S_IFDIR: u32 = 0o040_000;
const STICKY: u32 = 0o1000;
const OTHERS_WRITE: u32 = 0o002;

impl Seen {
    fn is(&self, kind: u32) -> bool {
        self.mode & S_IFMT == kind
    }

    fn world_writable(&self) -> bool {
        self.mode & OTHERS_WRITE != 0
    }

    fn sticky(&self) -> bool {
        self.mode & STICKY != 0
    }
}

/// Why the file at `path`, which habitd only reads (the config), is not
/// trusted, or `None` if it is. A file that does not exist (or cannot be
/// looked at) is not judged here: reading it then fails with its own error.
pub fn untrusted(path: &Path) -> Option<String> {
    untrusted_file(path, Beside::Nothing)
}

/// Why the file at `path` is not trusted, for a file habitd uses as
/// `beside` says; `None` if it is trusted or does not exist.
pub fn untrusted_file(path: &Path, beside: Beside) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    let me = rustix::process::geteuid().as_raw();
    if let Some(problem) = judge_file(path, &Seen::from(&meta), me, &type_name(&meta)) {
        return Some(problem);
    }
    // The directory holding the name, and, for a symlink (dotfiles, GNU
    // stow), the one holding the file it points to.
    let mut dirs = Vec::new();
    if let Some(dir) = real_parent(path) {
        dirs.push(dir);
    }
    if let Some(dir) = std::fs::canonicalize(path)
        .ok()
        .and_then(|real| real.parent().map(Path::to_path_buf))
        .filter(|dir| !dirs.contains(dir))
    {
        dirs.push(dir);
    }
    dirs.iter()
        .find_map(|dir| untrusted_directory_of(dir, path, beside, me))
}

/// Why the directory `dir`, where habitd keeps (or is about to create) the
/// file `file` and uses it as `beside` says, is not trusted; `None` if it is
/// trusted or does not exist.
pub fn untrusted_directory(dir: &Path, file: &Path, beside: Beside) -> Option<String> {
    let dir = std::fs::canonicalize(dir).ok()?;
    let me = rustix::process::geteuid().as_raw();
    untrusted_directory_of(&dir, file, beside, me)
}

/// `dir` must be canonical, so its ancestors are the real ones.
fn untrusted_directory_of(dir: &Path, file: &Path, beside: Beside, me: u32) -> Option<String> {
    let meta = std::fs::metadata(dir).ok()?;
    if let Some(problem) = judge_directory(dir, &Seen::from(&meta), file, beside, me) {
        return Some(problem);
    }
    dir.ancestors().skip(1).find_map(|above| {
        let meta = std::fs::metadata(above).ok()?;
        judge_ancestor(above, &Seen::from(&meta), dir, me)
    })
}

/// The directory that holds the name `path`, symlinks in it resolved.
fn real_parent(path: &Path) -> Option<PathBuf> {
    let parent = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::canonicalize(parent).ok()
}

fn type_name(meta: &Metadata) -> String {
    let kind = meta.file_type();
    let name = if kind.is_file() {
        "regular file"
    } else if kind.is_dir() {
        "directory"
    } else if kind.is_char_device() {
        "character device"
    } else if kind.is_block_device() {
        "block device"
    } else if kind.is_fifo() {
        "pipe"
    } else if kind.is_socket() {
        "socket"
    } else {
        "special file"
    };
    name.to_string()
}

/// The rules for the file itself. `kind` names its type for messages.
fn judge_file(path: &Path, file: &Seen, me: u32, kind: &str) -> Option<String> {
    let shown = path.display();
    // A pipe from `--config <(…)` is fine; a device or another odd file is
    // named as what it is, so nobody is told to chmod /dev/null.
    let what = if file.is(S_IFREG) {
        String::new()
    } else {
        format!(" (a {kind})")
    };
    if file.uid != me {
        return Some(format!(
            "{shown}{what} belongs to another user (uid {}); habitd only uses its own user's files",
            file.uid
        ));
    }
    if file.world_writable() {
        return Some(if file.is(S_IFREG) {
            format!("{shown} is writable by every user; fix it with `chmod o-w {shown}`")
        } else {
            format!(
                "{shown} is a {kind} that every user may write, not a regular file; keep it in a file of your own"
            )
        });
    }
    None
}

/// The rules for the directory holding `file`.
fn judge_directory(
    dir: &Path,
    seen: &Seen,
    file: &Path,
    beside: Beside,
    me: u32,
) -> Option<String> {
    let (shown, name) = (dir.display(), file.display());
    if seen.uid != me && seen.uid != 0 {
        return Some(format!(
            "{shown}, the directory of {name}, belongs to another user (uid {}), who could replace it; keep it in a directory of your own",
            seen.uid
        ));
    }
    if !seen.world_writable() || (seen.sticky() && beside == Beside::Nothing) {
        return None;
    }
    let risk = match beside {
        Beside::Nothing => "another user could replace it".to_string(),
        Beside::FixedNames if seen.sticky() => format!(
            "another user could create the files habitd keeps beside it (such as {name}-wal) before habitd does"
        ),
        Beside::FixedNames => format!(
            "another user could replace it, or create the files habitd keeps beside it (such as {name}-wal)"
        ),
    };
    let fix = if seen.uid == me && seen.is(S_IFDIR) {
        format!("fix it with `chmod o-w {shown}`")
    } else {
        "keep it in a directory of your own".to_string()
    };
    Some(format!(
        "{shown}, the directory of {name}, is writable by every user, so {risk}; {fix}"
    ))
}

/// The rule for a directory above `dir`.
fn judge_ancestor(above: &Path, seen: &Seen, dir: &Path, me: u32) -> Option<String> {
    if !seen.world_writable() || seen.sticky() {
        return None;
    }
    let shown = above.display();
    let fix = if seen.uid == me {
        format!("fix it with `chmod o-w {shown}`")
    } else {
        format!("keep habitd's files outside {shown}")
    };
    Some(format!(
        "{shown} is writable by every user, so another user could move {} away and put a directory of their own in its place; {fix}",
        dir.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn chmod(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    fn me() -> u32 {
        rustix::process::geteuid().as_raw()
    }

    /// A config file in a private directory of its own, in a temporary
    /// directory: (the temporary directory, the file).
    fn config_in_private_dir() -> (tempfile::TempDir, PathBuf) {
        let top = tempfile::tempdir().unwrap();
        let dir = top.path().join("habitd");
        std::fs::create_dir(&dir).unwrap();
        chmod(&dir, 0o700);
        let path = dir.join("config.toml");
        std::fs::write(&path, "").unwrap();
        chmod(&path, 0o600);
        (top, path)
    }

    #[test]
    fn world_writable_files_are_refused() {
        let (_top, path) = config_in_private_dir();
        assert_eq!(untrusted(&path), None);
        chmod(&path, 0o666);
        assert_eq!(
            untrusted(&path).unwrap(),
            format!(
                "{0} is writable by every user; fix it with `chmod o-w {0}`",
                path.display()
            )
        );
    }

    #[test]
    fn files_of_another_user_are_refused() {
        // Whoever runs this: as root a file is given away, otherwise one
        // of root's is looked at.
        let top = tempfile::tempdir().unwrap();
        let (path, owner) = if me() == 0 {
            let path = top.path().join("config.toml");
            std::fs::write(&path, "").unwrap();
            std::os::unix::fs::chown(&path, Some(65534), Some(65534)).unwrap();
            (path, 65534)
        } else {
            (PathBuf::from("/"), 0)
        };
        let problem = untrusted(&path).unwrap();
        assert!(
            problem.contains(&format!("belongs to another user (uid {owner})")),
            "{problem}"
        );
    }

    #[test]
    fn devices_are_named_not_chmodded() {
        // /dev/null is root's and everyone's to write: as root the second
        // rule speaks, otherwise the first; neither may advise a chmod.
        let problem = untrusted(Path::new("/dev/null")).unwrap();
        assert!(problem.contains("character device"), "{problem}");
        assert!(!problem.contains("chmod"), "{problem}");
    }

    #[test]
    fn a_world_writable_directory_is_refused_and_sticky_saves_only_a_config() {
        let (_top, path) = config_in_private_dir();
        let dir = path.parent().unwrap();
        chmod(dir, 0o777);
        let problem = untrusted(&path).unwrap();
        assert_eq!(
            problem,
            format!(
                "{0}, the directory of {1}, is writable by every user, so another user could replace it; fix it with `chmod o-w {0}`",
                std::fs::canonicalize(dir).unwrap().display(),
                path.display()
            )
        );
        assert!(untrusted_file(&path, Beside::FixedNames).is_some());
        // Like /tmp: nobody may rename another's file away.
        chmod(dir, 0o1777);
        assert_eq!(untrusted(&path), None);
        let problem = untrusted_file(&path, Beside::FixedNames).unwrap();
        assert!(
            problem.contains("could create the files habitd keeps beside it"),
            "{problem}"
        );
        // The same for a file not created yet.
        let new = dir.join("habitd.db");
        assert!(untrusted_directory(dir, &new, Beside::FixedNames).is_some());
        assert_eq!(untrusted_directory(dir, &new, Beside::Nothing), None);
    }

    #[test]
    fn a_world_writable_directory_above_is_refused_unless_sticky() {
        let (top, path) = config_in_private_dir();
        chmod(top.path(), 0o777);
        let problem = untrusted(&path).unwrap();
        let real_top = std::fs::canonicalize(top.path()).unwrap();
        assert!(
            problem.starts_with(&format!(
                "{} is writable by every user, so another user could move ",
                real_top.display()
            )),
            "{problem}"
        );
        assert!(
            problem.ends_with(&format!("fix it with `chmod o-w {}`", real_top.display())),
            "{problem}"
        );
        chmod(top.path(), 0o1777);
        assert_eq!(untrusted(&path), None);
        chmod(top.path(), 0o700);
    }

    #[test]
    fn the_directory_a_symlink_points_into_is_checked_too() {
        let (_top, path) = config_in_private_dir();
        let (_other, link) = config_in_private_dir();
        std::fs::remove_file(&link).unwrap();
        std::os::unix::fs::symlink(&path, &link).unwrap();
        assert_eq!(untrusted(&link), None);
        chmod(path.parent().unwrap(), 0o777);
        let problem = untrusted(&link).unwrap();
        assert!(problem.contains("is writable by every user"), "{problem}");
    }

    #[test]
    fn the_rules_for_owners_and_modes() {
        let me = 1000;
        let file = |uid, mode| Seen {
            uid,
            mode: S_IFREG | mode,
        };
        let dir = |uid, mode| Seen {
            uid,
            mode: S_IFDIR | mode,
        };
        let path = Path::new("/d/config.toml");
        let d = Path::new("/d");
        let judge_file = |seen: Seen| judge_file(path, &seen, me, "regular file");
        assert_eq!(judge_file(file(me, 0o600)), None);
        assert_eq!(judge_file(file(me, 0o664)), None, "group-writable is fine");
        assert!(
            judge_file(file(1001, 0o600))
                .unwrap()
                .contains("(uid 1001)")
        );
        assert!(judge_file(file(me, 0o602)).unwrap().contains("chmod o-w"));

        let config = |seen: Seen| judge_directory(d, &seen, path, Beside::Nothing, me);
        let history = |seen: Seen| judge_directory(d, &seen, path, Beside::FixedNames, me);
        for ok in [dir(me, 0o700), dir(0, 0o755), dir(me, 0o770)] {
            assert_eq!(config(ok), None, "{ok:?}");
            assert_eq!(history(ok), None, "{ok:?}");
        }
        let other = config(dir(1001, 0o700)).unwrap();
        assert!(
            other.starts_with(
                "/d, the directory of /d/config.toml, belongs to another user (uid 1001)"
            ),
            "{other}"
        );
        assert!(history(dir(1001, 0o700)).is_some());
        assert!(
            config(dir(me, 0o777))
                .unwrap()
                .ends_with("fix it with `chmod o-w /d`")
        );
        // Root's: the user cannot chmod it.
        assert!(
            config(dir(0, 0o777))
                .unwrap()
                .ends_with("keep it in a directory of your own")
        );
        assert_eq!(config(dir(0, 0o1777)), None);
        assert!(history(dir(0, 0o1777)).is_some());

        let above = |seen: Seen| judge_ancestor(Path::new("/"), &seen, d, me);
        assert_eq!(
            above(dir(1001, 0o755)),
            None,
            "owners above are not checked"
        );
        assert_eq!(above(dir(0, 0o1777)), None);
        assert!(
            above(dir(0, 0o777))
                .unwrap()
                .ends_with("keep habitd's files outside /")
        );
        assert!(
            above(dir(me, 0o777))
                .unwrap()
                .ends_with("fix it with `chmod o-w /`")
        );
    }
}
