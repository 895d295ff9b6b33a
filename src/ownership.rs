//! Refusing files another user could have planted or changed: a config or
//! history that is not ours, or that anyone may write, is not trusted.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Why `path` is not trusted, or `None` if it is ours and not world-writable
/// (nor, for a directory, group- or world-writable).
pub fn untrusted(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return Some(format!(
            "{} belongs to another user (uid {}); habitd only uses its own user's files",
            path.display(),
            meta.uid()
        ));
    }
    if meta.mode() & 0o002 != 0 {
        return Some(format!(
            "{} is writable by every user; fix it with `chmod o-w {}`",
            path.display(),
            path.display()
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn world_writable_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(untrusted(&path), None);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(untrusted(&path).unwrap().contains("chmod o-w"));
    }

    #[test]
    fn files_of_another_user_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "").unwrap();
        // Only root can give a file away; elsewhere this case cannot be made.
        if rustix::process::geteuid().is_root() {
            std::os::unix::fs::chown(&path, Some(65534), Some(65534)).unwrap();
            assert!(
                untrusted(&path)
                    .unwrap()
                    .contains("another user (uid 65534)")
            );
        }
    }
}
