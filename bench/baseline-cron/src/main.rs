//! The baseline daemon for `bench/run`: habitd's four default habits
//! (config.example.toml) as tokio-cron-scheduler 0.15 jobs, on a
//! current-thread tokio runtime like habitd's. It only runs idle to be
//! measured (wake-ups, RSS, PSS, threads), so a reminder is a line on
//! stderr, not a notification.
//!
//!     baseline-cron [TIMEZONE]      # an IANA name, default UTC
//!
//! It prints `baseline-cron is ready` once its jobs are scheduled, and
//! runs until it is killed.

use std::process::ExitCode;

use chrono_tz::Tz;
use tokio_cron_scheduler::{Job, JobScheduler};

/// The default habits, as cron expressions with seconds. tokio-cron-scheduler
/// has no pace: water is reminded hourly across its window instead.
const HABITS: [(&str, &str); 4] = [
    ("water", "0 0 9-21 * * *"),
    ("stretch", "0 30 12 * * *"),
    ("walk", "0 30 17 * * Mon-Fri"),
    ("bedtime-stretch", "0 30 22 * * *"),
];

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let zone = std::env::args().nth(1).unwrap_or_else(|| "UTC".into());
    let Ok(tz) = zone.parse::<Tz>() else {
        eprintln!(
            "baseline-cron: unknown time zone {zone:?}; expected an IANA name, e.g. \"Europe/Berlin\""
        );
        return ExitCode::from(2);
    };
    match run(tz).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("baseline-cron: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(tz: Tz) -> Result<(), Box<dyn std::error::Error>> {
    let scheduler = JobScheduler::new().await?;
    for (habit, cron) in HABITS {
        let job = Job::new_async_tz(cron, tz, move |_, _| {
            Box::pin(async move { eprintln!("baseline-cron: reminding {habit}") })
        })?;
        scheduler.add(job).await?;
    }
    scheduler.start().await?;
    eprintln!("baseline-cron is ready");
    std::future::pending::<()>().await;
    Ok(())
}
