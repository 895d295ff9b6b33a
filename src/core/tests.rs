//! The running daemon's rules, driven with made-up instants: no bus, no
//! store, no clock, no waiting.

use super::*;
use crate::config::parse_str;
use crate::event::Event;
use crate::store::StoreError;

const CONFIG: &str = r#"
[settings]
timezone = "UTC"
catch_up = "15m"
[habits.water]
title = "Water"
every = "1h"
between = "09:00-21:00"
goal = { count = 8, unit = "glasses" }
[habits.stretch]
title = "Stretch"
at = "12:30"
"#;

fn config(text: &str) -> Config {
    parse_str(text, Origin::Builtin).unwrap()
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// A core over `text` that has read `events` as its history at `now`.
fn started(text: &str, events: &[Event], now: &str) -> (Core, Vec<Effect>) {
    let mut core = Core::new(config(text));
    assert_eq!(core.step(Input::Start, ts(now)), [Effect::Load]);
    let state = State::fold(events, None);
    let effects = core.step(Input::Loaded(Ok(state)), ts(now));
    (core, effects)
}

fn reminded(habit: &str, at: &str) -> Event {
    let at = ts(at);
    Event {
        id: 1,
        event: NewEvent::new(
            at,
            at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date(),
            Some(habit),
            Kind::Reminded,
            Source::Daemon,
        ),
        origin: None,
    }
}

fn shows(effects: &[Effect]) -> Vec<&Show> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Show(show) => Some(show),
            _ => None,
        })
        .collect()
}

fn records(effects: &[Effect]) -> Vec<&NewEvent> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Record(events) => Some(events),
            _ => None,
        })
        .flatten()
        .collect()
}

fn armed(effects: &[Effect]) -> Option<Timestamp> {
    effects.iter().rev().find_map(|e| match e {
        Effect::Arm(at) => Some(*at),
        _ => None,
    })
}

/// Answers every show in `effects` as delivered (ids from 100 on) and
/// returns the effects of the answers.
fn deliver(core: &mut Core, effects: &[Effect], now: Timestamp) -> Vec<Effect> {
    let mut out = Vec::new();
    for (n, show) in shows(effects).into_iter().enumerate() {
        let id = 100 + u32::try_from(n).unwrap();
        out.extend(core.step(
            Input::Delivered {
                ticket: show.ticket,
                outcome: Ok(id),
            },
            now,
        ));
    }
    out
}

#[test]
fn nothing_is_planned_before_the_history_is_read() {
    let mut core = Core::new(config(CONFIG));
    assert_eq!(
        core.step(Input::Start, ts("2026-11-26T10:30:00Z")),
        [Effect::Load]
    );
    assert!(
        core.step(Input::Timer, ts("2026-11-26T11:00:00Z"))
            .is_empty()
    );
}

#[test]
fn a_reminder_on_time_is_shown_and_recorded_once_the_server_answers() {
    let (mut core, effects) = started(CONFIG, &[], "2026-11-26T10:30:00Z");
    assert_eq!(armed(&effects), Some(ts("2026-11-26T11:00:00Z")));
    assert!(effects.contains(&Effect::Ready));
    let fired = core.step(Input::Timer, ts("2026-11-26T11:00:00.003Z"));
    let shown = shows(&fired);
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].habit, "water");
    assert_eq!(
        shown[0].content,
        Content::Reminder(Some(Progress {
            done: 0,
            goal: 8,
            unit: "glasses".into()
        }))
    );
    assert!(
        records(&fired).is_empty(),
        "recorded only when its fate is known"
    );
    assert_eq!(armed(&fired), Some(ts("2026-11-26T12:00:00Z")));
    // Its next reminder moved on: status bars following `Changed` hear it.
    assert!(fired.contains(&Effect::Changed));
    let idle = core.step(Input::ClockSet, ts("2026-11-26T11:00:01Z"));
    assert!(!idle.contains(&Effect::Changed), "nothing moved: {idle:?}");
    let answered = deliver(&mut core, &fired, ts("2026-11-26T11:00:00.010Z"));
    let recorded = records(&answered);
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].kind, Kind::Reminded);
    assert_eq!(recorded[0].at, ts("2026-11-26T11:00:00Z"));
    // The next one replaces it on screen.
    let next = core.step(Input::Timer, ts("2026-11-26T12:00:00.001Z"));
    assert_eq!(shows(&next)[0].replaces, Some(100));
}

#[test]
fn a_timer_firing_late_by_microseconds_is_on_time_even_with_no_catch_up() {
    let text = CONFIG.replace("catch_up = \"15m\"", "catch_up = \"0s\"");
    let (mut core, _) = started(&text, &[], "2026-11-26T10:30:00Z");
    let fired = core.step(Input::Timer, ts("2026-11-26T11:00:00.000050Z"));
    assert_eq!(shows(&fired).len(), 1);
    assert!(records(&fired).is_empty());
}

#[test]
fn after_a_suspend_one_is_shown_and_every_older_one_is_recorded_missed() {
    let (mut core, _) = started(CONFIG, &[], "2026-11-26T09:30:00Z");
    // The machine slept from 09:30 to 13:10; the timer fires on resume.
    let woke = core.step(Input::Timer, ts("2026-11-26T13:10:00Z"));
    let shown = shows(&woke);
    assert_eq!(
        shown.iter().map(|s| s.habit.as_str()).collect::<Vec<_>>(),
        ["water"]
    );
    let missed = records(&woke);
    let water: Vec<_> = missed
        .iter()
        .filter(|e| e.habit.as_deref() == Some("water"))
        .collect();
    assert_eq!(water.len(), 1);
    assert_eq!(water[0].kind, Kind::Missed);
    assert_eq!(water[0].amount, Some(3), "10:00, 11:00 and 12:00");
    let stretch: Vec<_> = missed
        .iter()
        .filter(|e| e.habit.as_deref() == Some("stretch"))
        .collect();
    assert_eq!(stretch[0].amount, Some(1), "12:30 is 40 minutes late");
    // Resuming again a second later repeats nothing.
    assert!(shows(&core.step(Input::Timer, ts("2026-11-26T13:10:01Z"))).is_empty());
}

#[test]
fn a_clock_set_forward_shows_one_per_habit_not_a_burst() {
    let (mut core, _) = started(CONFIG, &[], "2026-11-26T09:30:00Z");
    let jumped = core.step(Input::ClockSet, ts("2026-11-27T09:05:00Z"));
    assert_eq!(shows(&jumped).len(), 1);
    assert_eq!(shows(&jumped)[0].habit, "water");
}

#[test]
fn a_clock_set_back_resumes_reminders_at_their_true_times() {
    // The clock ran ahead: habitd showed water at "16:00" and looked as far
    // as 16:05. Then NTP set it back to 10:30.
    let (mut core, _) = started(
        CONFIG,
        &[reminded("water", "2026-11-26T16:00:00Z")],
        "2026-11-26T16:05:00Z",
    );
    let back = core.step(Input::ClockSet, ts("2026-11-26T10:30:00Z"));
    assert!(shows(&back).is_empty(), "nothing seen is shown again");
    assert_eq!(armed(&back), Some(ts("2026-11-26T11:00:00Z")));
    let fired = core.step(Input::Timer, ts("2026-11-26T11:00:00.001Z"));
    assert_eq!(shows(&fired)[0].habit, "water");
}

#[test]
fn a_restart_with_a_history_from_a_clock_that_ran_ahead_is_rewound_too() {
    let (_, effects) = started(
        CONFIG,
        &[reminded("water", "2026-11-26T16:00:00Z")],
        "2026-11-26T10:30:00Z",
    );
    assert!(shows(&effects).is_empty());
    assert_eq!(armed(&effects), Some(ts("2026-11-26T11:00:00Z")));
}

#[test]
fn a_restart_does_not_repeat_what_was_reminded() {
    let (_, effects) = started(
        CONFIG,
        &[reminded("water", "2026-11-26T11:00:00Z")],
        "2026-11-26T11:05:00Z",
    );
    assert!(shows(&effects).is_empty());
    assert!(records(&effects).is_empty());
    assert_eq!(armed(&effects), Some(ts("2026-11-26T12:00:00Z")));
}

#[test]
fn an_undelivered_reminder_is_recorded_as_undelivered_only() {
    let (mut core, _) = started(CONFIG, &[], "2026-11-26T10:30:00Z");
    let fired = core.step(Input::Timer, ts("2026-11-26T11:00:00Z"));
    let ticket = shows(&fired)[0].ticket;
    let failed = core.step(
        Input::Delivered {
            ticket,
            outcome: Err("the notification server did not answer within 5s".into()),
        },
        ts("2026-11-26T11:00:05Z"),
    );
    let recorded = records(&failed);
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].kind, Kind::Undelivered);
    assert_eq!(recorded[0].at, ts("2026-11-26T11:00:00Z"));
    // A second answer to the same ticket changes nothing.
    assert!(
        core.step(
            Input::Delivered {
                ticket,
                outcome: Ok(1)
            },
            ts("2026-11-26T11:00:06Z")
        )
        .is_empty()
    );
    assert!(!core.is_sending());
}

#[test]
fn a_press_that_beats_the_notify_reply_is_kept_until_the_id_is_known() {
    let (mut core, _) = started(CONFIG, &[], "2026-11-26T10:30:00Z");
    let fired = core.step(Input::Timer, ts("2026-11-26T11:00:00Z"));
    let ticket = shows(&fired)[0].ticket;
    let early = Input::Pressed {
        id: 77,
        action: Action::Done,
    };
    assert!(core.step(early, ts("2026-11-26T11:00:00.001Z")).is_empty());
    let answered = core.step(
        Input::Delivered {
            ticket,
            outcome: Ok(77),
        },
        ts("2026-11-26T11:00:00.002Z"),
    );
    assert_eq!(records(&answered).len(), 1);
    assert!(answered.iter().any(|e| matches!(
        e,
        Effect::Apply {
            command: Command::Done { habit, amount: None, at: None },
            source: Source::Notification,
            ..
        } if habit == "water"
    )));
}

#[test]
fn skip_on_yesterday_s_reminder_pressed_after_midnight_rests_yesterday() {
    let (mut core, _) = started(CONFIG, &[], "2026-11-26T12:00:00Z");
    let fired = core.step(Input::Timer, ts("2026-11-26T12:30:00Z"));
    deliver(&mut core, &fired, ts("2026-11-26T12:30:00Z"));
    let pressed = press(&mut core, 100, Action::Skip, ts("2026-11-27T00:10:00Z"));
    assert!(matches!(
        pressed.as_slice(),
        [Effect::Apply { command: Command::Skip { habit, date: Some(date) }, .. }]
            if habit == "stretch" && date.to_string() == "2026-11-26"
    ));
}

#[test]
fn a_press_on_a_notification_this_daemon_did_not_show_records_nothing() {
    let (mut core, _) = started(CONFIG, &[], "2026-11-26T10:30:00Z");
    let fired = core.step(Input::Timer, ts("2026-11-26T11:00:00Z"));
    deliver(&mut core, &fired, ts("2026-11-26T11:00:00Z"));
    let now = ts("2026-11-26T11:01:00Z");
    let unknown = Input::Pressed {
        id: 999,
        action: Action::Done,
    };
    assert!(core.step(unknown, now).is_empty());
    let ours = press(&mut core, 100, Action::Snooze, now);
    assert!(matches!(
        ours.as_slice(),
        [Effect::Apply { command: Command::Snooze { habit: Some(h), duration: None }, .. }] if h == "water"
    ));
    assert_eq!(core.on_screen().collect::<Vec<_>>(), [100]);
}

/// The state after one glass of water today.
fn one_glass(now: &str) -> State {
    let mut state = State::default();
    state.totals.insert(
        (
            "water".into(),
            ts(now).to_zoned_datetime(jiff::tz::TimeZone::UTC).date(),
        ),
        1,
    );
    state
}

/// Presses `action` on notification `id` at `now`: what the core does.
fn press(core: &mut Core, id: u32, action: Action, now: Timestamp) -> Vec<Effect> {
    core.step(Input::Pressed { id, action }, now)
}

/// Presses Done on notification 100 at `now`, and has the store answer
/// with `message` and `state`: what the core does then.
fn done_pressed(core: &mut Core, now: Timestamp, message: &str, state: State) -> Vec<Effect> {
    let pressed = press(core, 100, Action::Done, now);
    let [Effect::Apply { ticket, .. }] = pressed.as_slice() else {
        panic!("{pressed:?}");
    };
    core.step(
        Input::Applied {
            ticket: *ticket,
            outcome: Ok(Applied {
                message: message.into(),
                state,
            }),
        },
        now,
    )
}

#[test]
fn done_from_the_notification_shows_progress_and_replans() {
    let (mut core, _) = started(CONFIG, &[], "2026-11-26T10:30:00Z");
    let fired = core.step(Input::Timer, ts("2026-11-26T11:00:00Z"));
    deliver(&mut core, &fired, ts("2026-11-26T11:00:00Z"));
    let now = ts("2026-11-26T11:00:30Z");
    let applied = done_pressed(
        &mut core,
        now,
        "water: 1/8 glasses on 2026-11-26",
        one_glass("2026-11-26T11:00:30Z"),
    );
    let progress = shows(&applied);
    assert_eq!(progress.len(), 1);
    assert_eq!(progress[0].replaces, Some(100));
    assert!(matches!(&progress[0].content, Content::Progress(p) if p.done == 1));
    assert!(applied.contains(&Effect::Changed));
    assert!(armed(&applied).is_some());
    // The progress notification is not a reminder: its answer records nothing.
    assert!(records(&deliver(&mut core, &applied, now)).is_empty());
}

#[test]
fn requests_over_the_bus_are_refused_or_applied_and_answered() {
    let (mut core, _) = started(CONFIG, &[], "2026-11-26T10:30:00Z");
    let now = ts("2026-11-26T10:31:00Z");
    let typo = core.step(
        Input::Request {
            reply_to: 1,
            request: Request::Done {
                habit: "watr".into(),
                amount: String::new(),
                at: String::new(),
            },
        },
        now,
    );
    assert!(matches!(
        typo.as_slice(),
        [Effect::Reply { to: 1, reply: Err(Refusal::Invalid(m)) }] if m.contains("did you mean \"water\"")
    ));
    let done = core.step(
        Input::Request {
            reply_to: 2,
            request: Request::Done {
                habit: "water".into(),
                amount: String::new(),
                at: String::new(),
            },
        },
        now,
    );
    let [
        Effect::Apply {
            ticket,
            source: Source::Dbus,
            ..
        },
    ] = done.as_slice()
    else {
        panic!("{done:?}");
    };
    let ticket = *ticket;
    let locked = core.step(
        Input::Applied {
            ticket,
            outcome: Err(ApplyError::Store(StoreError::Locked {
                path: "habitd.db".into(),
            })),
        },
        now,
    );
    assert!(locked.iter().any(|e| matches!(
        e,
        Effect::Reply {
            to: 2,
            reply: Err(Refusal::Failed(_))
        }
    )));
    let status = core.step(
        Input::Request {
            reply_to: 3,
            request: Request::Status,
        },
        now,
    );
    let [
        Effect::Reply {
            to: 3,
            reply: Ok(json),
        },
    ] = status.as_slice()
    else {
        panic!("{status:?}");
    };
    let report: status::Status = serde_json::from_str(json).unwrap();
    assert_eq!(report.habits.len(), 2);
}

#[test]
fn another_writer_s_events_are_read_and_planned_on() {
    let (mut core, _) = started(CONFIG, &[], "2026-11-26T10:30:00Z");
    let now = ts("2026-11-26T10:40:00Z");
    assert_eq!(core.step(Input::HistoryChanged, now), [Effect::Load]);
    let mut state = State::default();
    state
        .skipped
        .insert(("water".into(), "2026-11-26".parse().unwrap()));
    let loaded = core.step(Input::Loaded(Ok(state)), now);
    assert!(loaded.contains(&Effect::Changed));
    assert_eq!(
        armed(&loaded),
        Some(ts("2026-11-26T12:30:00Z")),
        "water rests today"
    );
}

#[test]
fn a_reminder_whose_goal_is_met_or_day_skipped_elsewhere_is_closed() {
    let met = |state: &mut State| {
        state
            .totals
            .insert(("stretch".into(), day("2026-11-26")), 1);
    };
    let skipped = |state: &mut State| {
        state.skipped.insert(("stretch".into(), day("2026-11-26")));
    };
    for settle in [met, skipped] {
        let (mut core, _) = started(CONFIG, &[], "2026-11-26T12:20:00Z");
        let now = ts("2026-11-26T12:30:00Z");
        let fired = core.step(Input::Timer, now);
        assert_eq!(shows(&fired).len(), 1, "stretch: {fired:?}");
        deliver(&mut core, &fired, now);
        // Another device, through sync, or a command writing the history.
        core.step(Input::HistoryChanged, now);
        let unsettled = core.step(Input::Loaded(Ok(State::default())), now);
        assert!(!unsettled.contains(&Effect::Close(100)), "{unsettled:?}");
        core.step(Input::HistoryChanged, now);
        let mut state = State::default();
        settle(&mut state);
        let loaded = core.step(Input::Loaded(Ok(state)), now);
        assert!(loaded.contains(&Effect::Close(100)), "{loaded:?}");
        assert!(records(&loaded).is_empty(), "{loaded:?}");
    }
}

#[test]
fn a_count_habit_s_progress_after_done_is_not_closed_when_its_goal_is_met() {
    let (mut core, _) = started(CONFIG, &[], "2026-11-26T10:30:00Z");
    let now = ts("2026-11-26T11:00:00Z");
    let fired = core.step(Input::Timer, now);
    deliver(&mut core, &fired, now);
    let mut eight = State::default();
    eight.totals.insert(("water".into(), day("2026-11-26")), 8);
    let applied = done_pressed(
        &mut core,
        now,
        "water: 8/8 glasses on 2026-11-26",
        eight.clone(),
    );
    deliver(&mut core, &applied, now);
    core.step(Input::HistoryChanged, now);
    let loaded = core.step(Input::Loaded(Ok(eight)), now);
    assert!(
        !loaded.iter().any(|e| matches!(e, Effect::Close(_))),
        "the progress says the goal is met; it stays: {loaded:?}"
    );
}

// Regression: a status bar asking as the daemon started showed nothing
// done today until the history was read.
#[test]
fn status_asked_before_the_history_is_read_waits_for_it() {
    let mut core = Core::new(config(CONFIG));
    let now = ts("2026-11-26T10:30:00Z");
    core.step(Input::Start, now);
    let asked = Input::Request {
        reply_to: 7,
        request: Request::Status,
    };
    assert_eq!(core.step(asked, now), []);
    let loaded = core.step(Input::Loaded(Ok(one_glass("2026-11-26T10:00:00Z"))), now);
    let reply = loaded.iter().find_map(|e| match e {
        Effect::Reply { to: 7, reply } => Some(reply.clone()),
        _ => None,
    });
    let json: serde_json::Value = serde_json::from_str(&reply.unwrap().unwrap()).unwrap();
    assert_eq!(json["habits"][1]["habit"], "water");
    assert_eq!(json["habits"][1]["done"], 1);
}

#[test]
fn a_history_that_cannot_be_read_at_start_still_lets_reminders_come() {
    let mut core = Core::new(config(CONFIG));
    core.step(Input::Start, ts("2026-11-26T10:30:00Z"));
    let effects = core.step(
        Input::Loaded(Err("locked".into())),
        ts("2026-11-26T10:30:00Z"),
    );
    assert_eq!(armed(&effects), Some(ts("2026-11-26T11:00:00Z")));
}

fn reread(core: &mut Core, outcome: Reread) -> Vec<Effect> {
    core.step(
        Input::ConfigRead {
            reply_to: Some(9),
            outcome,
        },
        ts("2026-11-26T10:31:00Z"),
    )
}

fn refused(effects: &[Effect]) -> bool {
    matches!(
        effects,
        [Effect::Reply {
            to: 9,
            reply: Err(Refusal::Invalid(_))
        }]
    )
}

#[test]
fn a_reload_keeps_the_last_good_config_unless_the_new_one_is_good() {
    let mut core = Core::new(parse_str(CONFIG, Origin::File("/c.toml".into())).unwrap());
    core.step(Input::Start, ts("2026-11-26T10:30:00Z"));
    core.step(
        Input::Loaded(Ok(State::default())),
        ts("2026-11-26T10:30:00Z"),
    );

    let broken = parse_str("[habits.x]\n", Origin::File("/c.toml".into())).unwrap_err();
    assert!(refused(&reread(&mut core, Reread::Failed(broken))));
    assert!(refused(&reread(&mut core, Reread::Empty)));
    // The file moved away: locate() falls back to the built-in config.
    let builtin = parse_str(crate::config::DEFAULT_CONFIG, Origin::Builtin).unwrap();
    assert!(refused(&reread(&mut core, Reread::Loaded(builtin))));
    assert_eq!(core.config().habits.len(), 2);

    let one = CONFIG.split("[habits.stretch]").next().unwrap();
    let good = parse_str(one, Origin::File("/c.toml".into())).unwrap();
    let effects = reread(&mut core, Reread::Loaded(good));
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Reply {
            to: 9,
            reply: Ok(_)
        }
    )));
    assert!(effects.contains(&Effect::Changed));
    assert_eq!(core.config().habits.len(), 1);
}

/// A small deterministic generator, so the walk below is the same on every
/// run and still covers many shapes of sleep.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

#[test]
fn every_reminder_that_falls_due_ends_as_exactly_one_record() {
    let text = r#"
[settings]
timezone = "Europe/Berlin"
catch_up = "20m"
[habits.often]
title = "Often"
every = "7m"
[habits.hourly]
title = "Hourly"
cron = "15 * * * *"
when_away = "drop"
[habits.daily]
title = "Daily"
at = ["08:00", "22:30"]
when_away = "show"
"#;
    let start = ts("2026-03-28T12:00:00Z");
    let end = ts("2026-03-30T12:00:00Z");
    for seed in 1..=20 {
        let mut rng = Lcg(seed);
        let (mut core, mut effects) = started(text, &[], "2026-03-28T12:00:00Z");
        let mut now = start;
        let mut shown = 0i64;
        let mut missed = 0i64;
        let mut away = false;
        let mut stopped = false;
        loop {
            for event in records(&effects) {
                match event.kind {
                    Kind::Missed => missed += event.amount.unwrap(),
                    Kind::Reminded => shown += 1,
                    other => panic!("unexpected {other:?}"),
                }
            }
            let answered = deliver(&mut core, &effects, now);
            if !answered.is_empty() {
                effects = answered;
                continue;
            }
            if stopped {
                break;
            }
            let at = armed(&effects).unwrap_or(now);
            // Mostly on time; sometimes a suspend, a clock jump, the user
            // going away or coming back, or another input first.
            let input = match rng.below(10) {
                2 | 3 => {
                    away = !away;
                    Input::Presence { away }
                }
                0 => {
                    now = at
                        .checked_add(SignedDuration::from_mins(rng.below(300) as i64))
                        .unwrap();
                    Input::Timer
                }
                1 => {
                    now = now
                        .checked_add(SignedDuration::from_secs(rng.below(4000) as i64))
                        .unwrap()
                        .min(at);
                    Input::ClockSet
                }
                _ => {
                    now = at
                        .checked_add(SignedDuration::from_millis(rng.below(3) as i64))
                        .unwrap();
                    Input::Timer
                }
            };
            if now > end {
                // What is held is recorded then.
                stopped = true;
                effects = core.step(Input::Stop, now);
                continue;
            }
            effects = core.step(input, now);
        }
        let config = config(text);
        let due: i64 = config
            .reminders()
            .map(|h| {
                let mut count = 0;
                // A fresh start looks back as far as catch_up, inclusive.
                let mut at = start
                    .checked_sub(SignedDuration::from_mins(20) + SignedDuration::from_nanos(1))
                    .unwrap();
                while let Some(next) = h.schedule.next_after(&config.timezone, at) {
                    if next > core.state().reminded.start(&h.id).unwrap() {
                        break;
                    }
                    count += 1;
                    at = next;
                }
                count
            })
            .sum();
        assert_eq!(
            shown + missed,
            due,
            "seed {seed}: {shown} shown + {missed} missed"
        );
    }
}

/// Sends `request` over the bus and answers its Apply with `state`, as the
/// store would after recording it.
fn through_the_daemon(
    core: &mut Core,
    request: Request,
    state: State,
    now: Timestamp,
) -> Vec<Effect> {
    let asked = core.step(
        Input::Request {
            reply_to: 7,
            request,
        },
        now,
    );
    let [Effect::Apply { ticket, .. }] = asked.as_slice() else {
        panic!("{asked:?}");
    };
    let applied = core.step(
        Input::Applied {
            ticket: *ticket,
            outcome: Ok(Applied {
                message: "recorded".into(),
                state,
            }),
        },
        now,
    );
    assert!(applied.iter().any(|e| matches!(
        e,
        Effect::Reply {
            to: 7,
            reply: Ok(_)
        }
    )));
    assert!(applied.contains(&Effect::Changed));
    applied
}

#[test]
fn snooze_pause_and_resume_through_the_daemon_move_the_timer() {
    let (mut core, _) = started(CONFIG, &[], "2026-11-26T10:30:00Z");
    let now = ts("2026-11-26T10:31:00Z");
    let mut snoozed = State::default();
    snoozed.snoozed.insert(
        "water".into(),
        crate::plan::Snooze {
            from: now,
            until: ts("2026-11-26T10:41:00Z"),
        },
    );
    let effects = through_the_daemon(
        &mut core,
        Request::Snooze {
            habit: "water".into(),
            duration: "10m".into(),
        },
        snoozed.clone(),
        now,
    );
    assert_eq!(armed(&effects), Some(ts("2026-11-26T10:41:00Z")));

    let mut paused = snoozed;
    paused.pause = Some(crate::plan::Pause {
        from: now,
        until: Some(ts("2026-11-26T14:00:00Z")),
    });
    let effects = through_the_daemon(
        &mut core,
        Request::Pause {
            until: "14:00".into(),
        },
        paused,
        now,
    );
    assert_eq!(
        armed(&effects),
        Some(ts("2026-11-26T14:00:00Z")),
        "held until the pause ends"
    );

    let effects = through_the_daemon(&mut core, Request::Resume, State::default(), now);
    assert_eq!(armed(&effects), Some(ts("2026-11-26T11:00:00Z")));
}

#[test]
fn stopping_closes_the_notifications_on_screen() {
    let (mut core, _) = started(CONFIG, &[], "2026-11-26T10:30:00Z");
    let fired = core.step(Input::Timer, ts("2026-11-26T11:00:00Z"));
    deliver(&mut core, &fired, ts("2026-11-26T11:00:00Z"));
    let now = ts("2026-11-26T11:10:00Z");
    assert_eq!(core.step(Input::Stop, now), [Effect::Close(100)]);
    assert!(core.step(Input::Stop, now).is_empty(), "closed once");
}

const CHECKIN_CONFIG: &str = r#"
[settings]
timezone = "UTC"
catch_up = "15m"
[checkin]
at = "08:30"
[habits.stretch]
title = "Stretch"
at = "12:30"
"#;

fn day(s: &str) -> Date {
    s.parse().unwrap()
}

/// A planning state in which these nights are recorded in the diary as
/// quiet.
fn nights(recorded: &[&str]) -> State {
    let diary = recorded
        .iter()
        .zip(1..)
        .map(|(night, id)| crate::diary::DiaryEntry {
            id,
            at: ts("2026-11-27T07:00:00Z"),
            night: day(night),
            record: crate::diary::Record::NoCramps,
        })
        .collect();
    State {
        diary,
        ..State::default()
    }
}

/// A core over [`CHECKIN_CONFIG`] started at `now` with `state` read.
fn started_with(state: State, now: &str) -> (Core, Vec<Effect>) {
    let mut core = Core::new(config(CHECKIN_CONFIG));
    core.step(Input::Start, ts(now));
    let effects = core.step(Input::Loaded(Ok(state)), ts(now));
    (core, effects)
}

/// The check-in shown at 08:30 on 2026-11-27 and delivered as id 100.
fn checkin_on_screen() -> Core {
    let (mut core, effects) = started_with(State::default(), "2026-11-27T08:00:00Z");
    assert_eq!(armed(&effects), Some(ts("2026-11-27T08:30:00Z")));
    let fired = core.step(Input::Timer, ts("2026-11-27T08:30:00.002Z"));
    deliver(&mut core, &fired, ts("2026-11-27T08:30:00.010Z"));
    core
}

fn applied_command(effects: &[Effect]) -> Option<(&Command, Source, Ticket)> {
    effects.iter().find_map(|e| match e {
        Effect::Apply {
            ticket,
            command,
            source,
        } => Some((command, *source, *ticket)),
        _ => None,
    })
}

#[test]
fn the_check_in_asks_about_last_night_and_is_recorded_like_a_reminder() {
    let (mut core, _) = started_with(State::default(), "2026-11-27T08:00:00Z");
    let fired = core.step(Input::Timer, ts("2026-11-27T08:30:00.002Z"));
    let shown = shows(&fired);
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].habit, CHECKIN);
    assert_eq!(
        shown[0].content,
        Content::CheckIn {
            night: day("2026-11-26")
        }
    );
    let answered = deliver(&mut core, &fired, ts("2026-11-27T08:30:00.010Z"));
    let recorded = records(&answered);
    assert_eq!(recorded.len(), 1);
    assert_eq!(
        (recorded[0].habit.as_deref(), recorded[0].kind),
        (Some(CHECKIN), Kind::Reminded)
    );
    assert_eq!(recorded[0].at, ts("2026-11-27T08:30:00Z"));
}

#[test]
fn a_night_recorded_before_the_check_in_skips_it_once_and_says_so() {
    let (mut core, effects) = started_with(nights(&["2026-11-26"]), "2026-11-27T07:00:00Z");
    let skipped = records(&effects);
    assert_eq!(skipped.len(), 1, "{effects:?}");
    assert_eq!(
        (
            skipped[0].habit.as_deref(),
            skipped[0].kind,
            skipped[0].date
        ),
        (Some(CHECKIN), Kind::Skipped, day("2026-11-27"))
    );
    assert_eq!(
        armed(&effects),
        Some(ts("2026-11-27T12:30:00Z")),
        "not woken for the check-in"
    );
    // A read of the store from before the skip was written, or after it:
    // the skip is not recorded again, and nothing is shown.
    for state in [nights(&["2026-11-26"]), {
        let mut written = nights(&["2026-11-26"]);
        written
            .skipped
            .insert((CHECKIN.to_string(), day("2026-11-27")));
        written
    }] {
        core.step(Input::HistoryChanged, ts("2026-11-27T07:10:00Z"));
        let again = core.step(Input::Loaded(Ok(state)), ts("2026-11-27T07:10:00Z"));
        assert!(records(&again).is_empty(), "{again:?}");
    }
    let later = core.step(Input::Timer, ts("2026-11-27T08:30:00Z"));
    assert!(shows(&later).is_empty());
    // The next morning asks again.
    assert_eq!(armed(&later), Some(ts("2026-11-27T12:30:00Z")));
    let evening = core.step(Input::Timer, ts("2026-11-27T12:30:00Z"));
    assert_eq!(armed(&evening), Some(ts("2026-11-28T08:30:00Z")));
}

#[test]
fn a_night_recorded_elsewhere_closes_the_check_in_on_screen() {
    let mut core = checkin_on_screen();
    let now = ts("2026-11-27T08:40:00Z");
    assert_eq!(core.step(Input::HistoryChanged, now), [Effect::Load]);
    let loaded = core.step(Input::Loaded(Ok(nights(&["2026-11-26"]))), now);
    assert!(loaded.contains(&Effect::Close(100)), "{loaded:?}");
    assert!(records(&loaded).is_empty(), "it was shown: nothing more");
    // An entry for another night leaves it be.
    let mut core = checkin_on_screen();
    core.step(Input::HistoryChanged, now);
    let loaded = core.step(Input::Loaded(Ok(nights(&["2026-11-25"]))), now);
    assert!(!loaded.contains(&Effect::Close(100)), "{loaded:?}");
}

#[test]
fn a_night_recorded_over_the_bus_closes_the_check_in_on_screen() {
    let mut core = checkin_on_screen();
    let now = ts("2026-11-27T08:40:00Z");
    let request = command::checkin_answer(core.config(), day("2026-11-26"), false, now);
    let effects = through_the_daemon(&mut core, request, nights(&["2026-11-26"]), now);
    assert!(effects.contains(&Effect::Close(100)), "{effects:?}");
}

/// What answering the check-in on the night of 2026-11-26 records, as the
/// diary's own request makes it.
fn checkin_answer_command(core: &Core, cramps: bool, now: Timestamp) -> Command {
    let request = command::checkin_answer(core.config(), day("2026-11-26"), cramps, now);
    command::from_request(core.config(), &request, now)
        .unwrap()
        .unwrap()
}

#[test]
fn no_on_the_check_in_records_a_quiet_night_through_the_diary_s_request() {
    let mut core = checkin_on_screen();
    let now = ts("2026-11-27T08:31:00Z");
    let pressed = press(&mut core, 100, Action::No, now);
    let expected = checkin_answer_command(&core, false, now);
    let (command, source, _) = applied_command(&pressed).expect("recorded");
    assert_eq!((command, source), (&expected, Source::Notification));
}

#[test]
fn yes_on_the_check_in_records_an_episode_and_says_how_to_add_details() {
    let mut core = checkin_on_screen();
    // Pressed after midnight: still about the night the question named.
    let now = ts("2026-11-28T00:10:00Z");
    let pressed = press(&mut core, 100, Action::Yes, now);
    let expected = checkin_answer_command(&core, true, now);
    let (command, _, ticket) = applied_command(&pressed).expect("recorded");
    assert_eq!(command, &expected);
    let applied = core.step(
        Input::Applied {
            ticket,
            outcome: Ok(Applied {
                message: "recorded".into(),
                state: nights(&["2026-11-26"]),
            }),
        },
        now,
    );
    let note = shows(&applied);
    assert_eq!(note.len(), 1, "{applied:?}");
    assert_eq!(
        note[0].content,
        Content::Episode {
            night: day("2026-11-26")
        }
    );
    assert_eq!(note[0].replaces, Some(100));
    // The note is neither recorded nor closed as an open question.
    assert!(records(&deliver(&mut core, &applied, now)).is_empty());
    core.step(Input::HistoryChanged, now);
    let loaded = core.step(Input::Loaded(Ok(nights(&["2026-11-26"]))), now);
    assert!(!loaded.iter().any(|e| matches!(e, Effect::Close(_))));
}

#[test]
fn an_answer_the_store_could_not_take_asks_the_question_again() {
    let mut core = checkin_on_screen();
    let now = ts("2026-11-27T08:31:00Z");
    let pressed = press(&mut core, 100, Action::No, now);
    let (_, _, ticket) = applied_command(&pressed).expect("recorded");
    core.step(Input::Closed { id: 100 }, now);
    let failed = core.step(
        Input::Applied {
            ticket,
            outcome: Err(ApplyError::Store(StoreError::Locked {
                path: "habitd.db".into(),
            })),
        },
        now,
    );
    let again = shows(&failed);
    assert_eq!(again.len(), 1, "{failed:?}");
    assert_eq!(
        again[0].content,
        Content::CheckIn {
            night: day("2026-11-26")
        }
    );
    // Asked again, not due again: its answer records nothing.
    assert!(records(&deliver(&mut core, &failed, now)).is_empty());
    // A refusal is not asked again: the same answer would be refused.
    let pressed = press(&mut core, 100, Action::No, now);
    let (_, _, ticket) = applied_command(&pressed).expect("recorded");
    let refused = core.step(
        Input::Applied {
            ticket,
            outcome: Err(ApplyError::Rejected(command::Rejected("no".into()))),
        },
        now,
    );
    assert!(shows(&refused).is_empty(), "{refused:?}");
}

#[test]
fn check_ins_slept_through_are_missed_once_and_never_repeated() {
    let (mut core, _) = started_with(State::default(), "2026-11-25T20:00:00Z");
    // Asleep over two mornings, waking at 08:40 on the second: that one is
    // 10 minutes late and shown, the first recorded missed.
    let woke = core.step(Input::Timer, ts("2026-11-27T08:40:00Z"));
    let shown = shows(&woke);
    assert_eq!(shown.len(), 1);
    assert_eq!(
        shown[0].content,
        Content::CheckIn {
            night: day("2026-11-26")
        }
    );
    let missed: Vec<_> = records(&woke)
        .into_iter()
        .filter(|e| e.habit.as_deref() == Some(CHECKIN))
        .collect();
    assert_eq!(missed.len(), 1);
    assert_eq!((missed[0].kind, missed[0].amount), (Kind::Missed, Some(1)));
    deliver(&mut core, &woke, ts("2026-11-27T08:40:00Z"));
    // The clock is set back a little: nothing already asked comes again.
    let back = core.step(Input::ClockSet, ts("2026-11-27T08:35:00Z"));
    assert!(shows(&back).is_empty());
    assert_eq!(armed(&back), Some(ts("2026-11-27T12:30:00Z")));
}

#[test]
fn a_disabled_check_in_is_never_planned() {
    let text = CHECKIN_CONFIG.replace("at = \"08:30\"", "enabled = false");
    let (mut core, effects) = started(&text, &[], "2026-11-27T08:00:00Z");
    assert_eq!(armed(&effects), Some(ts("2026-11-27T12:30:00Z")));
    assert!(shows(&core.step(Input::Timer, ts("2026-11-27T08:30:00Z"))).is_empty());
}

#[test]
fn the_look_back_is_shown_with_the_week_and_its_report_button_opens_the_report() {
    let text = format!("{CHECKIN_CONFIG}[review]\n");
    // Sunday 2026-11-29, before 19:00.
    let (mut core, effects) = started(&text, &[], "2026-11-29T18:00:00Z");
    assert_eq!(armed(&effects), Some(ts("2026-11-29T19:00:00Z")));
    let fired = core.step(Input::Timer, ts("2026-11-29T19:00:00.001Z"));
    let [Effect::Week { ticket }, ..] = fired.as_slice() else {
        panic!("{fired:?}");
    };
    assert!(
        shows(&fired).is_empty(),
        "shown once the week is worked out"
    );
    let week = Week {
        habits: Vec::new(),
        nights: crate::review::Nights::default(),
    };
    let answered = core.step(
        Input::Week {
            ticket: *ticket,
            outcome: Ok(week.clone()),
        },
        ts("2026-11-29T19:00:00.050Z"),
    );
    let shown = shows(&answered);
    assert_eq!(shown.len(), 1);
    assert_eq!(
        (shown[0].habit.as_str(), &shown[0].content),
        (REVIEW, &Content::Review(Ok(week)))
    );
    let delivered = deliver(&mut core, &answered, ts("2026-11-29T19:00:00.060Z"));
    assert_eq!(records(&delivered)[0].kind, Kind::Reminded);
    assert_eq!(records(&delivered)[0].at, ts("2026-11-29T19:00:00Z"));
    let pressed = press(&mut core, 100, Action::Report, ts("2026-11-29T19:01:00Z"));
    assert_eq!(pressed, [Effect::OpenReport]);
    // A button the look back does not have records nothing.
    let stray = press(&mut core, 100, Action::Done, ts("2026-11-29T19:01:00Z"));
    assert!(stray.is_empty(), "{stray:?}");
}

#[test]
fn every_check_in_that_falls_due_ends_as_exactly_one_record_nights_recorded_or_not() {
    let text = r#"
[settings]
timezone = "Europe/Berlin"
catch_up = "20m"
[checkin]
at = "08:30"
[habits.daily]
title = "Daily"
at = "22:30"
"#;
    let config = config(text);
    let tz = config.timezone.clone();
    let start = ts("2026-03-20T12:00:00Z");
    let end = ts("2026-04-03T12:00:00Z");
    let (mut skips, mut misses) = (0, 0);
    for seed in 1..=20 {
        let mut rng = Lcg(seed);
        // The history as the store would hold it: what the core recorded,
        // and the nights another writer recorded. Only the first `written`
        // events can be read: the core's writes sometimes wait (a locked
        // store), so a read can miss what it recorded last.
        let mut history: Vec<Event> = Vec::new();
        let mut written = 0;
        let mut diary: Vec<crate::diary::DiaryEntry> = Vec::new();
        let read = |history: &[Event], diary: &[crate::diary::DiaryEntry]| {
            let mut state = State::fold(history, None);
            state.diary = diary.to_vec();
            state
        };
        let mut core = Core::new(config.clone());
        core.step(Input::Start, start);
        let mut effects = core.step(Input::Loaded(Ok(State::default())), start);
        let mut now = start;
        loop {
            for event in records(&effects) {
                history.push(Event {
                    id: i64::try_from(history.len()).unwrap() + 1,
                    event: event.clone(),
                    origin: None,
                });
            }
            if rng.below(2) == 0 {
                written = history.len();
            }
            let answered = deliver(&mut core, &effects, now);
            if !answered.is_empty() {
                effects = answered;
                continue;
            }
            let at = armed(&effects).unwrap_or(now);
            let input = match rng.below(8) {
                // Last night recorded by another writer, at a random hour.
                0 | 1 => {
                    now = now
                        .checked_add(SignedDuration::from_mins(rng.below(900) as i64))
                        .unwrap()
                        .min(at);
                    let night = tz.to_datetime(now).date().yesterday().unwrap();
                    if diary.iter().all(|e| e.night != night) {
                        diary.push(crate::diary::DiaryEntry {
                            id: 1000 + i64::try_from(diary.len()).unwrap(),
                            at: now,
                            night,
                            record: crate::diary::Record::NoCramps,
                        });
                    }
                    let asked = core.step(Input::HistoryChanged, now);
                    assert_eq!(asked, [Effect::Load]);
                    Input::Loaded(Ok(read(&history[..written], &diary)))
                }
                // Asleep for up to two days.
                2 => {
                    now = at
                        .checked_add(SignedDuration::from_mins(rng.below(3000) as i64))
                        .unwrap();
                    Input::Timer
                }
                _ => {
                    now = at;
                    Input::Timer
                }
            };
            if now > end {
                break;
            }
            effects = core.step(input, now);
        }
        let fates = history
            .iter()
            .filter(|e| e.habit.as_deref() == Some(CHECKIN));
        let (mut shown, mut missed, mut skipped) = (Vec::new(), 0, Vec::new());
        for event in fates {
            match event.kind {
                Kind::Reminded => shown.push(tz.to_datetime(event.at).date()),
                Kind::Missed => missed += event.amount.unwrap(),
                Kind::Skipped => skipped.push(event.date),
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(
            shown.iter().all(|day| !skipped.contains(day)),
            "seed {seed}: a day both shown and skipped"
        );
        let mut unique = skipped.clone();
        unique.dedup();
        assert_eq!(unique, skipped, "seed {seed}: a day skipped twice");
        let checkin = config.reminder(CHECKIN).unwrap();
        let through = core.state().reminded.start(CHECKIN).unwrap();
        let mut due = Vec::new();
        let mut at = start
            .checked_sub(SignedDuration::from_mins(20) + SignedDuration::from_nanos(1))
            .unwrap();
        while let Some(next) = checkin.schedule.next_after(&tz, at) {
            if next > through {
                break;
            }
            due.push(tz.to_datetime(next).date());
            at = next;
        }
        // A skip may be recorded for the morning ahead, before it is due.
        let skipped_due = skipped.iter().filter(|day| due.contains(day)).count();
        assert!(skipped.len() - skipped_due <= 1, "seed {seed}: {skipped:?}");
        assert_eq!(
            shown.len() as i64 + missed + skipped_due as i64,
            due.len() as i64,
            "seed {seed}: {} shown + {missed} missed + {skipped_due} skipped",
            shown.len()
        );
        skips += skipped_due;
        misses += missed;
    }
    // The walks did cover both ways a check-in is not shown.
    assert!(
        skips > 20 && misses > 20,
        "{skips} skipped, {misses} missed"
    );
}

const AWAY_CONFIG: &str = r#"
[settings]
timezone = "UTC"
catch_up = "15m"
[checkin]
at = "08:30"
[habits.water]
title = "Water"
every = "1h"
between = "09:00-21:00"
goal = { count = 8, unit = "glasses" }
[habits.stretch]
title = "Stretch"
at = "12:30"
[habits.posture]
title = "Posture"
at = "12:30"
when_away = "drop"
[habits.pills]
title = "Pills"
at = "12:30"
when_away = "show"
[habits.sip]
title = "Sip"
pace = "09:00-21:00"
min_gap = "30m"
goal = { count = 8, unit = "sips" }
"#;

fn away(core: &mut Core, at: &str) -> Vec<Effect> {
    core.step(Input::Presence { away: true }, ts(at))
}

fn back(core: &mut Core, at: &str) -> Vec<Effect> {
    core.step(Input::Presence { away: false }, ts(at))
}

/// The habits of the shows in `effects`, sorted.
fn shown_habits(effects: &[Effect]) -> Vec<&str> {
    let mut habits: Vec<&str> = shows(effects).iter().map(|s| s.habit.as_str()).collect();
    habits.sort_unstable();
    habits
}

/// The records in `effects` of the 12:30 habits (pace and hourly ones
/// have their own tests) as (habit, kind, due).
fn recorded(effects: &[Effect]) -> Vec<(String, Kind, Timestamp)> {
    let mut all: Vec<_> = records(effects)
        .into_iter()
        .map(|e| (e.habit.clone().unwrap_or_default(), e.kind, e.at))
        .filter(|(habit, ..)| ["stretch", "posture", "pills"].contains(&habit.as_str()))
        .collect();
    all.sort_by(|a, b| (&a.0, a.2).cmp(&(&b.0, b.2)));
    all
}

#[test]
fn away_a_hold_reminder_is_held_and_shown_once_on_return_while_its_window_is_open() {
    let (mut core, _) = started(AWAY_CONFIG, &[], "2026-11-26T12:20:00Z");
    assert!(away(&mut core, "2026-11-26T12:25:00Z").is_empty());
    let fired = core.step(Input::Timer, ts("2026-11-26T12:30:00.002Z"));
    // Pills says show; posture drops; stretch is held, as is the check-in
    // (not due) and water (not due).
    assert_eq!(shown_habits(&fired), ["pills"]);
    assert_eq!(
        recorded(&fired),
        [(
            "posture".to_string(),
            Kind::Missed,
            ts("2026-11-26T12:30:00Z")
        )]
    );
    let mut all = fired.clone();
    all.extend(deliver(&mut core, &fired, ts("2026-11-26T12:30:01Z")));
    // A held 12:30 stretch at 12:55 is still useful.
    let returned = back(&mut core, "2026-11-26T12:55:00Z");
    assert_eq!(shown_habits(&returned), ["stretch"]);
    assert_eq!(
        shows(&returned)[0].content,
        Content::Reminder(None),
        "{returned:?}"
    );
    all.extend(returned.clone());
    all.extend(deliver(&mut core, &returned, ts("2026-11-26T12:55:01Z")));
    // Each 12:30 reminder ends in exactly one record.
    let at = ts("2026-11-26T12:30:00Z");
    assert_eq!(
        recorded(&all),
        [
            ("pills".to_string(), Kind::Reminded, at),
            ("posture".to_string(), Kind::Missed, at),
            ("stretch".to_string(), Kind::Reminded, at),
        ]
    );
    // Away and back again: nothing held, nothing shown twice.
    away(&mut core, "2026-11-26T12:56:00Z");
    let again = back(&mut core, "2026-11-26T12:57:00Z");
    assert!(
        shows(&again).is_empty() && records(&again).is_empty(),
        "{again:?}"
    );
}

#[test]
fn a_held_reminder_whose_day_ended_is_recorded_missed_on_return() {
    let (mut core, _) = started(AWAY_CONFIG, &[], "2026-11-26T12:20:00Z");
    away(&mut core, "2026-11-26T12:25:00Z");
    let fired = core.step(Input::Timer, ts("2026-11-26T12:30:00Z"));
    deliver(&mut core, &fired, ts("2026-11-26T12:30:01Z"));
    let returned = back(&mut core, "2026-11-27T00:10:00Z");
    assert!(
        !shown_habits(&returned).contains(&"stretch"),
        "{returned:?}"
    );
    assert!(recorded(&returned).contains(&(
        "stretch".to_string(),
        Kind::Missed,
        ts("2026-11-26T12:30:00Z")
    )));
}

#[test]
fn a_later_reminder_replaces_the_held_one_and_the_older_is_missed() {
    let (mut core, _) = started(AWAY_CONFIG, &[], "2026-11-26T10:30:00Z");
    away(&mut core, "2026-11-26T10:31:00Z");
    let mut all = Vec::new();
    for hour in ["11", "12", "13", "14"] {
        let fired = core.step(Input::Timer, ts(&format!("2026-11-26T{hour}:00:00Z")));
        assert!(!shown_habits(&fired).contains(&"water"), "{fired:?}");
        all.extend(fired);
    }
    let returned = back(&mut core, "2026-11-26T14:45:00Z");
    assert_eq!(
        shows(&returned)
            .iter()
            .filter(|s| s.habit == "water")
            .count(),
        1,
        "at most one per held habit: {returned:?}"
    );
    all.extend(returned.clone());
    all.extend(deliver(&mut core, &returned, ts("2026-11-26T14:45:01Z")));
    let water: Vec<_> = records(&all)
        .into_iter()
        .filter(|e| e.habit.as_deref() == Some("water"))
        .map(|e| (e.kind, e.at))
        .collect();
    assert_eq!(
        water,
        [
            (Kind::Missed, ts("2026-11-26T11:00:00Z")),
            (Kind::Missed, ts("2026-11-26T12:00:00Z")),
            (Kind::Missed, ts("2026-11-26T13:00:00Z")),
            (Kind::Reminded, ts("2026-11-26T14:00:00Z")),
        ]
    );
}

#[test]
fn a_held_pace_reminder_is_replaced_by_the_pace() {
    let (mut core, _) = started(AWAY_CONFIG, &[], "2026-11-26T09:00:00Z");
    away(&mut core, "2026-11-26T09:01:00Z");
    let first = Plan::new(core.config(), core.state())
        .next_of(
            core.config().habit("sip").unwrap(),
            ts("2026-11-26T09:01:00Z"),
        )
        .unwrap();
    let fired = core.step(Input::Timer, first);
    assert!(!shown_habits(&fired).contains(&"sip"), "{fired:?}");
    let now = first.checked_add(SignedDuration::from_mins(5)).unwrap();
    let returned = core.step(Input::Presence { away: false }, now);
    assert!(!shown_habits(&returned).contains(&"sip"), "{returned:?}");
    let sip: Vec<_> = records(&returned)
        .into_iter()
        .filter(|e| e.habit.as_deref() == Some("sip"))
        .map(|e| (e.kind, e.at, e.amount))
        .collect();
    assert_eq!(sip, [(Kind::Missed, first, Some(1))], "{returned:?}");
    // The pace plans the next one, no sooner than min_gap after the last.
    let next = Plan::new(core.config(), core.state())
        .next_of(core.config().habit("sip").unwrap(), now)
        .unwrap();
    assert_eq!(
        next,
        first.checked_add(SignedDuration::from_mins(30)).unwrap()
    );
}

#[test]
fn a_held_reminder_of_a_day_met_meanwhile_is_not_shown() {
    let (mut core, _) = started(AWAY_CONFIG, &[], "2026-11-26T12:20:00Z");
    away(&mut core, "2026-11-26T12:25:00Z");
    core.step(Input::Timer, ts("2026-11-26T12:30:00Z"));
    let mut state = core.state().clone();
    state
        .totals
        .insert(("stretch".to_string(), day("2026-11-26")), 1);
    core.step(Input::Loaded(Ok(state)), ts("2026-11-26T12:40:00Z"));
    let returned = back(&mut core, "2026-11-26T12:50:00Z");
    assert!(
        !shown_habits(&returned).contains(&"stretch"),
        "{returned:?}"
    );
    assert_eq!(
        recorded(&returned),
        [(
            "stretch".to_string(),
            Kind::Missed,
            ts("2026-11-26T12:30:00Z")
        )]
    );
}

#[test]
fn the_check_in_is_held_and_asks_about_the_night_before_it_was_due() {
    let (mut core, _) = started(AWAY_CONFIG, &[], "2026-11-27T08:00:00Z");
    away(&mut core, "2026-11-27T08:10:00Z");
    let fired = core.step(Input::Timer, ts("2026-11-27T08:30:00Z"));
    assert!(shows(&fired).is_empty(), "{fired:?}");
    let returned = back(&mut core, "2026-11-27T11:00:00Z");
    let missed_checkin = records(&returned)
        .iter()
        .any(|e| e.habit.as_deref() == Some(CHECKIN));
    assert!(!missed_checkin, "{returned:?}");
    let shown: Vec<_> = shows(&returned)
        .into_iter()
        .filter(|s| s.habit == CHECKIN)
        .collect();
    assert_eq!(shown.len(), 1, "{returned:?}");
    assert_eq!(
        shown[0].content,
        Content::CheckIn {
            night: day("2026-11-26")
        }
    );
}

#[test]
fn a_clock_set_back_while_away_lets_the_held_reminder_fall_due_again_not_twice() {
    let (mut core, _) = started(AWAY_CONFIG, &[], "2026-11-26T12:20:00Z");
    away(&mut core, "2026-11-26T12:25:00Z");
    let mut all = core.step(Input::Timer, ts("2026-11-26T12:30:00Z"));
    all.extend(deliver(&mut core, &all.clone(), ts("2026-11-26T12:30:01Z")));
    // Back to 12:00: the 12:30 stretch is ahead again, not held.
    all.extend(core.step(Input::ClockSet, ts("2026-11-26T12:00:00Z")));
    let returned = back(&mut core, "2026-11-26T12:05:00Z");
    assert!(
        !shown_habits(&returned).contains(&"stretch"),
        "{returned:?}"
    );
    all.extend(returned);
    away(&mut core, "2026-11-26T12:10:00Z");
    let fired = core.step(Input::Timer, ts("2026-11-26T12:30:00Z"));
    assert!(!shown_habits(&fired).contains(&"stretch"), "held again");
    all.extend(fired);
    let returned = back(&mut core, "2026-11-26T12:40:00Z");
    assert_eq!(shown_habits(&returned), ["stretch"]);
    all.extend(returned.clone());
    all.extend(deliver(&mut core, &returned, ts("2026-11-26T12:40:01Z")));
    let stretch: Vec<_> = recorded(&all)
        .into_iter()
        .filter(|(habit, ..)| habit == "stretch")
        .collect();
    assert_eq!(
        stretch,
        [(
            "stretch".to_string(),
            Kind::Reminded,
            ts("2026-11-26T12:30:00Z")
        )]
    );
}

#[test]
fn a_clock_set_forward_while_away_holds_the_latest_and_misses_the_rest() {
    let (mut core, _) = started(AWAY_CONFIG, &[], "2026-11-26T12:20:00Z");
    away(&mut core, "2026-11-26T12:25:00Z");
    let jumped = core.step(Input::ClockSet, ts("2026-11-27T12:35:00Z"));
    assert!(!shown_habits(&jumped).contains(&"stretch"), "{jumped:?}");
    let returned = back(&mut core, "2026-11-27T12:50:00Z");
    let stretch: Vec<_> = shows(&returned)
        .into_iter()
        .filter(|s| s.habit == "stretch")
        .collect();
    assert_eq!(stretch.len(), 1, "{returned:?}");
    let mut all = jumped;
    all.extend(returned.clone());
    all.extend(deliver(&mut core, &returned, ts("2026-11-27T12:50:01Z")));
    let stretch: Vec<_> = recorded(&all)
        .into_iter()
        .filter(|(habit, ..)| habit == "stretch")
        .map(|(_, kind, at)| (kind, at))
        .collect();
    assert_eq!(
        stretch,
        [
            (Kind::Missed, ts("2026-11-26T12:30:00Z")),
            (Kind::Reminded, ts("2026-11-27T12:30:00Z")),
        ]
    );
}

#[test]
fn held_reminders_are_recorded_missed_when_the_daemon_stops() {
    let (mut core, _) = started(AWAY_CONFIG, &[], "2026-11-26T12:20:00Z");
    away(&mut core, "2026-11-26T12:25:00Z");
    core.step(Input::Timer, ts("2026-11-26T12:30:00Z"));
    let stopped = core.step(Input::Stop, ts("2026-11-26T12:40:00Z"));
    assert!(recorded(&stopped).contains(&(
        "stretch".to_string(),
        Kind::Missed,
        ts("2026-11-26T12:30:00Z")
    )));
}
