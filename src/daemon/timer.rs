//! A wall-clock timer: sleeps until an absolute CLOCK_REALTIME instant.
//!
//! tokio's timers run on CLOCK_MONOTONIC, which stops while the machine is
//! suspended, so a reminder due during suspend would come late by the length
//! of the suspend. A timerfd armed with TFD_TIMER_ABSTIME on CLOCK_REALTIME
//! expires at the wall-clock instant, however long the machine slept, and
//! TFD_TIMER_CANCEL_ON_SET wakes it when the clock is set, so the daemon can
//! re-plan. Between those events the process does not wake.

use std::io;
use std::os::fd::OwnedFd;

use jiff::Timestamp;
use rustix::io::Errno;
use rustix::time::{
    Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags, Timespec, timerfd_create,
    timerfd_settime,
};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

/// Why the timer woke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wake {
    /// The instant it was armed for has come.
    Due,
    /// The wall clock was set (by hand, NTP stepping it, a zone file update
    /// does not count); whatever was planned must be planned again.
    ClockChanged,
}

/// See the module doc.
pub struct WallTimer {
    fd: AsyncFd<OwnedFd>,
}

impl WallTimer {
    /// A disarmed timer; must be called inside a tokio runtime.
    pub fn new() -> io::Result<WallTimer> {
        let fd = timerfd_create(
            TimerfdClockId::Realtime,
            TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC,
        )?;
        // SAFETY: the OwnedFd moves into the AsyncFd and is never handed
        // out, so it stays open and the same descriptor for its lifetime.
        let fd = unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }?;
        Ok(WallTimer { fd })
    }

    /// Arms the timer for `at`, replacing any earlier arming. An instant in
    /// the past expires at once.
    pub fn arm(&mut self, at: Timestamp) -> io::Result<()> {
        // An all-zero it_value would disarm the timer, so instants at or
        // before the epoch (never real targets) become one nanosecond past it.
        let value = if at.as_second() > 0 {
            Timespec {
                tv_sec: at.as_second(),
                tv_nsec: i64::from(at.subsec_nanosecond()),
            }
        } else {
            Timespec {
                tv_sec: 0,
                tv_nsec: 1,
            }
        };
        let spec = Itimerspec {
            it_interval: Timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: value,
        };
        timerfd_settime(
            self.fd.get_ref(),
            TimerfdTimerFlags::ABSTIME | TimerfdTimerFlags::CANCEL_ON_SET,
            &spec,
        )?;
        Ok(())
    }

    /// Waits until the armed instant or a clock change.
    pub async fn wait(&mut self) -> io::Result<Wake> {
        loop {
            let mut guard = self.fd.readable().await?;
            let mut expirations = [0u8; 8];
            match guard.try_io(|fd| {
                rustix::io::read(fd.get_ref(), &mut expirations).map_err(io::Error::from)
            }) {
                Ok(Ok(_)) => return Ok(Wake::Due),
                Ok(Err(e)) if e.raw_os_error() == Some(Errno::CANCELED.raw_os_error()) => {
                    return Ok(Wake::ClockChanged);
                }
                Ok(Err(e)) => return Err(e),
                // Readiness was stale; try_io cleared it, so wait again.
                Err(_would_block) => continue,
            }
        }
    }
}
