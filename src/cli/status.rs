//! `habitd status`: the daemon's view when it runs, else the same report
//! computed here from the config and the store.

use std::path::Path;

use clap::Args;
use jiff::Timestamp;

use super::Exit;
use super::style::Paint;
use crate::command::Request;
use crate::control::{self, Refusal, Sent};
use crate::status::{self, Status};

/// Arguments of `habitd status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print JSON (the same object the D-Bus `Status` method returns).
    #[arg(long)]
    pub json: bool,
}

pub(super) fn status(
    explicit: Option<&Path>,
    args: &StatusArgs,
    paint: &Paint,
) -> anyhow::Result<Exit> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report: Status = match runtime.block_on(control::send(&Request::Status)) {
        Ok(Sent::Answered(Ok(json))) => serde_json::from_str(&json)?,
        Ok(Sent::Answered(Err(Refusal::Invalid(m) | Refusal::Failed(m)))) => {
            anyhow::bail!("habitd: {m}")
        }
        Ok(Sent::NoDaemon) | Err(_) => {
            let config = super::load_config(explicit)?;
            let now = Timestamp::now();
            let state = super::load_state(&config, now)?;
            status::build(&config, &state, now, false)
        }
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", status::render(&report, paint));
    }
    Ok(Exit::Success)
}
