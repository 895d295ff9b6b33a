//! Files replaced whole: written beside their place under a temporary
//! name, synced, then renamed over it, so a reader (the daemon watching its
//! config, a crash, a full disk) sees the old file or the new one, never
//! half of one. The one owner of that rule; it decides nothing about what
//! is written.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Makes `dir` and its missing parents, private (0700) as the XDG spec asks
/// of directories a program makes.
pub fn make_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Where a write to `path` lands: the file a symlink points to (a config
/// kept in dotfiles or GNU stow stays a symlink), else `path` itself.
pub fn target(path: &Path) -> PathBuf {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

/// A temporary name beside `path`, hidden and unique to this process.
pub fn temporary_beside(path: &Path, suffix: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}{suffix}", std::process::id()))
}

/// Replaces the file at [`target`]`(path)` with `contents`, made with `mode`
/// (less the umask). The directory must exist.
pub fn write(path: &Path, contents: &[u8], mode: u32) -> std::io::Result<()> {
    let path = target(path);
    let temp = temporary_beside(&path, ".tmp");
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&temp)?;
        file.write_all(contents)?;
        file.sync_all()
    })();
    install(&temp, &path, written)
}

/// Renames the finished `temp` over `path` if `written` is fine, and
/// removes `temp` if anything failed.
pub fn install(temp: &Path, path: &Path, written: std::io::Result<()>) -> std::io::Result<()> {
    let renamed = written.and_then(|()| std::fs::rename(temp, path));
    if renamed.is_err() {
        let _ = std::fs::remove_file(temp);
    }
    renamed?;
    // The rename itself reaches the disk with its directory.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_file_is_replaced_whole_and_a_symlink_stays_one() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.toml");
        let link = dir.path().join("config.toml");
        std::fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write(&link, b"new", 0o600).unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        let mode = std::fs::metadata(&real).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "private: {mode:o}");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 2, "no temporary file left");
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing-dir").join("config.toml");
        assert!(write(&path, b"new", 0o600).is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
