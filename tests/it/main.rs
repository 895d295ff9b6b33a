//! habitd's black-box tests: the real binary, temporary XDG directories, a
//! private `dbus-daemon` and a notification server speaking the real
//! freedesktop protocol. One test binary; each module says what it covers.

mod cli;
mod config_check;
mod daemon;
mod faults;
mod fuzz;
mod harness;
mod history;
mod lifecycle;
mod support;
