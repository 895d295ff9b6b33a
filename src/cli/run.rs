//! `habitd run`: the daemon's process setup — one runtime thread, the
//! shutdown signals — before handing over to [`crate::daemon::run`].

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use tokio::signal::unix::{SignalKind, signal};

use super::Exit;
use crate::daemon::Display;

/// Arguments of `habitd run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Show reminders on this terminal (one line each, with the time and a
    /// bell) instead of as desktop notifications: for SSH, containers,
    /// tmux. Answer them with `habitd done` and the other commands.
    #[arg(long)]
    pub terminal: bool,
}

pub(super) fn run(explicit: Option<PathBuf>, args: &RunArgs) -> anyhow::Result<Exit> {
    let display = if args.terminal {
        Display::Terminal
    } else {
        Display::Desktop
    };
    crate::daemon::one_malloc_arena();
    let config = super::load_config(explicit.as_deref())?;
    // The daemon opens the history itself and keeps reminding (and retrying)
    // while it cannot: a broken store must not crash-loop the service.
    let store_path = super::store_path()?;
    // One thread is plenty for a daemon that sleeps between reminders, and
    // it keeps the idle process to a single sleeping thread.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let mut terminate = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
        let mut interrupt = signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?;
        let shutdown = async move {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = interrupt.recv() => {}
            }
        };
        crate::daemon::run(config, explicit, store_path, display, shutdown).await
    })?;
    Ok(Exit::Success)
}
