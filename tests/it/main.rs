//! habitd's black-box tests: the real binary, temporary XDG directories, a
//! private `dbus-daemon` and a notification server speaking the real
//! freedesktop protocol. One test binary; each module says what it covers.

mod away;
mod bars;
mod checkin;
mod cli;
mod commands;
mod completions;
mod config_check;
mod daemon;
mod diary;
mod exchange;
mod faults;
mod first_run;
mod fuzz;
mod harness;
mod history;
mod lifecycle;
mod output;
mod pipes;
mod report;
mod service;
mod support;
mod sync;
mod terminal;
