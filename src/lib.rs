//! habitd: a quiet reminder and habit daemon for the Linux desktop.
//!
//! # Layout
//! - Pure core, no clock, bus or disk: [`timespec`] (the small time
//!   notations), [`cron`] (cron expressions on wall-clock time),
//!   [`schedule`] (when a habit falls, DST rules), [`config`] (validation
//!   with locations), [`plan`] (what is due, what was missed, next wake-up).
//! - Thin shell: [`daemon`] (the one loop, wall-clock timer, signals),
//!   [`notify`] (desktop notifications), [`cli`] (subcommands and output).
#![warn(missing_docs)]

pub mod cli;
pub mod command;
pub mod config;
pub mod control;
pub mod core;
pub mod cron;
pub mod daemon;
pub mod dirs;
pub mod event;
pub mod history;
pub mod notify;
pub mod ownership;
pub mod plan;
pub mod schedule;
pub mod status;
pub mod store;
pub mod streak;
pub mod suggest;
pub mod timespec;
