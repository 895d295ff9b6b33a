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
