//! Cron expressions for moments a few seconds away.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A 6-field cron expression `S M H * * *` matching the wall-clock second `secs` seconds from now
/// in `tz`, and that instant.
///
/// "Now" is first rounded up to the next whole second, so the instant is at least `secs` seconds
/// away and falls on a whole second. The expression matches that wall-clock time every day; in a
/// zone with DST it may also match a second time on the day the clocks go back, so tests use UTC.
///
/// # Panics
///
/// If the system clock is before 1970 or absurdly far in the future.
pub fn cron_due_in(secs: u64, tz: &jiff::tz::TimeZone) -> (String, SystemTime) {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the system clock is after 1970");
    let whole = since_epoch.as_secs() + u64::from(since_epoch.subsec_nanos() > 0);
    let due = whole
        .checked_add(secs)
        .expect("the due second fits in a u64");
    let timestamp =
        jiff::Timestamp::from_second(i64::try_from(due).expect("the due second fits in an i64"))
            .expect("the due second is within jiff's range");
    let local = timestamp.to_zoned_datetime(tz.clone());
    let expr = format!(
        "{} {} {} * * *",
        local.second(),
        local.minute(),
        local.hour()
    );
    (expr, UNIX_EPOCH + Duration::from_secs(due))
}

/// The wall-clock second `secs` from now (rounded up to a whole second) as
/// `HH:MM:SS` in UTC, for `at = "…"` in a config with `timezone = "UTC"`,
/// and that instant.
pub fn utc_clock_in(secs: u64) -> (String, SystemTime) {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the system clock is after 1970");
    let due = since_epoch.as_secs() + u64::from(since_epoch.subsec_nanos() > 0) + secs;
    let of_day = due % 86_400;
    let text = format!(
        "{:02}:{:02}:{:02}",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    );
    (text, UNIX_EPOCH + Duration::from_secs(due))
}

/// A clock time (`HH:MM`) half a day from now in UTC: a daily reminder at
/// it neither falls due during a test nor lies in the catch-up window behind
/// it, whenever the test runs (a fixed "03:00" made tests fail from 03:00 to
/// 03:15 every day, its reminder caught up at start).
pub fn clock_half_a_day_away() -> String {
    utc_clock_in(12 * 3600).0[..5].to_string()
}

/// Sends signal `name` (`HUP`, `KILL`, …) to process `pid`.
pub fn signal(pid: u32, name: &str) {
    let status = std::process::Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{name} {pid} failed");
}
