//! `habitd sync status`, and the sync a command does itself when it writes
//! the history with no daemon running.

use std::path::Path;

use clap::{Args, Subcommand};
use jiff::Timestamp;
use log::warn;
use serde_json::json;

use super::Exit;
use super::out::Out;
use crate::config::{Config, SyncSettings};
use crate::store::Store;
use crate::sync::{SyncError, Syncer};
use crate::timespec::HumanDuration;

/// Arguments of `habitd sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: SyncCommand,
}

/// The `sync` subcommands.
#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// Read the sync folder now, then show this device's id and name, the
    /// other devices seen, the newest event from each, and how far behind
    /// each one is.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

pub(super) fn sync(explicit: Option<&Path>, args: &SyncArgs) -> anyhow::Result<Exit> {
    let SyncCommand::Status { json } = args.command;
    let config = super::load_config(explicit)?;
    let Some(settings) = &config.sync else {
        // One line: errors are printed on one, control characters escaped.
        return Err(super::UsageError(format!(
            "sync is off: {} has no [sync] section; add one naming the folder your sync tool shares, e.g. a line [sync] then folder = \"~/Sync/habitd\" (README: \"One history on every machine\")",
            config.origin
        ))
        .into());
    };
    let mut store = super::open_store()?;
    let now = Timestamp::now();
    let problem = match Syncer::new().sync(&mut store, settings, now) {
        Ok(_) => None,
        Err(SyncError::Store(e)) => return Err(e.into()),
        Err(e) => Some(e.to_string()),
    };
    let own = store.device_id()?;
    // Ids also number reminders shown and events from other devices, so a
    // device is behind by the shared events of ours after the newest it
    // read, not by the gap between their ids.
    let shared = store.shared_count_after(0)?;
    let devices = store.devices()?;
    let behind: Vec<Option<usize>> = devices
        .iter()
        .map(|d| {
            d.has_mine
                .map(|has| store.shared_count_after(has))
                .transpose()
        })
        .collect::<Result<_, _>>()?;
    let mut out = Out::stdout();
    if json {
        let devices: Vec<_> = devices
            .iter()
            .zip(&behind)
            .map(|(d, behind)| {
                json!({
                    "id": d.id.as_str(),
                    "name": d.name,
                    "events": d.events,
                    "newest": d.newest_ms.and_then(|ms| Timestamp::from_millisecond(ms).ok()).map(|t| t.to_string()),
                    "has_of_this_device": d.has_mine,
                    "behind": behind,
                })
            })
            .collect();
        let report = json!({
            "device": own.as_str(),
            "name": settings.device_name(),
            "folder": settings.folder,
            "problem": problem,
            "shared_events": shared,
            "devices": devices,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
        return out.finish().map(|()| Exit::Success);
    }
    writeln!(out, "this device  {own}  {}", settings.device_name())?;
    writeln!(out, "folder       {}", settings.folder.display())?;
    if let Some(problem) = &problem {
        writeln!(out, "problem      {problem}")?;
    }
    if devices.is_empty() {
        writeln!(
            out,
            "no other device seen yet: set up habitd with the same [sync] folder on another machine"
        )?;
    }
    for (device, behind) in devices.iter().zip(&behind) {
        let name = device.name.as_deref().unwrap_or("(unnamed)");
        let newest = match device
            .newest_ms
            .and_then(|ms| Timestamp::from_millisecond(ms).ok())
        {
            Some(at) => format!(
                "newest {} ({} ago)",
                at.to_zoned_datetime(config.timezone.clone())
                    .strftime("%Y-%m-%d %H:%M"),
                // To the minute: seconds are noise here.
                HumanDuration(jiff::SignedDuration::from_mins(
                    now.duration_since(at).as_mins().max(0)
                ))
            ),
            None => "no events yet".to_string(),
        };
        let behind = match behind {
            None if shared > 0 => "has read none of this device's".to_string(),
            None | Some(0) => "up to date with this device".to_string(),
            Some(n) => format!("{n} of this device's events behind"),
        };
        writeln!(
            out,
            "{}  {name}: {} event(s), {newest}; {behind}",
            device.id, device.events
        )?;
    }
    out.finish().map(|()| Exit::Success)
}

/// Reads the other devices' events into `store` and writes this device's
/// new ones, when `[sync]` is set; a problem is a warning, and the command
/// goes on with the local history. Returns whether the sync worked (or
/// there is none), so a command does not try again and warn twice.
pub(super) fn exchange(
    config: &Config,
    store: &mut Store,
    syncer: &mut Syncer,
    now: Timestamp,
) -> bool {
    let Some(settings): Option<&SyncSettings> = config.sync.as_ref() else {
        return true;
    };
    match syncer.sync(store, settings, now) {
        Ok(_) => true,
        Err(e) => {
            warn!("{e}");
            false
        }
    }
}
