//! habitd: a quiet reminder and habit daemon for the Linux desktop.
//!
//! # Layout
//! - Pure core, no clock, bus or disk: [`timespec`] (the small time
//!   notations), [`calendar`] (weekday and month names), [`cron`] (cron
//!   expressions on wall-clock time), [`schedule`] (when a habit falls, DST
//!   rules), [`config`] (validation with locations), [`plan`] (what is due,
//!   what was missed, next wake-up), [`command`] (what a request records),
//!   [`diary`] (the cramp diary: an episode's details, which night an
//!   instant belongs to), [`status`], [`streak`], [`report`] and
//!   [`review`] (reports as data), [`exchange`] (what history goes to and
//!   comes from Loop Habit Tracker), and [`core`] (the running daemon's
//!   decisions: inputs in, effects out).
//! - Thin shell: [`daemon`] (the one loop that turns the world into the
//!   core's inputs and its effects into I/O; the wall-clock timer, signals,
//!   file watches, the history thread, the instance lock, reminders on a
//!   terminal, whether the user is away), [`store`] (SQLite),
//!   [`loop_backup`] (Loop Habit Tracker's backup files), [`sync`] (the
//!   folder shared with the user's other machines), [`notify`]
//!   (desktop notifications), [`control`] (D-Bus), [`cli`] (subcommands and
//!   all rendering), [`atomic`] (files replaced whole).
#![warn(missing_docs)]

pub mod atomic;
pub mod calendar;
pub mod cli;
pub mod command;
pub mod config;
pub mod control;
pub mod core;
pub mod cron;
pub mod daemon;
pub mod diary;
pub mod dirs;
pub mod event;
pub mod exchange;
pub mod history;
pub mod loop_backup;
pub mod notify;
pub mod ownership;
pub mod plan;
pub mod quote;
pub mod report;
pub mod review;
pub mod schedule;
pub mod status;
pub mod store;
pub mod streak;
pub mod suggest;
pub mod sync;
pub mod timespec;
