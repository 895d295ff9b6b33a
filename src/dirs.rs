//! The XDG base directories habitd reads and writes.

use std::path::PathBuf;

fn xdg(var: &str, fallback_under_home: &str) -> Option<PathBuf> {
    match std::env::var_os(var) {
        // The spec says relative paths are invalid and must be ignored.
        Some(dir) if PathBuf::from(&dir).is_absolute() => Some(PathBuf::from(dir)),
        _ => std::env::var_os("HOME")
            .filter(|home| !home.is_empty())
            .map(|home| PathBuf::from(home).join(fallback_under_home)),
    }
}

/// `$XDG_CONFIG_HOME`, default `~/.config`.
pub fn config_home() -> Option<PathBuf> {
    xdg("XDG_CONFIG_HOME", ".config")
}

/// `$XDG_DATA_HOME`, default `~/.local/share`.
pub fn data_home() -> Option<PathBuf> {
    xdg("XDG_DATA_HOME", ".local/share")
}

/// `$XDG_CACHE_HOME`, default `~/.cache`.
pub fn cache_home() -> Option<PathBuf> {
    xdg("XDG_CACHE_HOME", ".cache")
}

/// `$XDG_RUNTIME_DIR`, if set to an absolute path: it has no default.
pub fn runtime_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
}
