//! The daemon's decisions, as a value.
//!
//! [`Core::step`] takes one [`Input`] — the timer went off, the clock was
//! set, a request came over D-Bus, a button was pressed, a notification was
//! shown or not, the store answered, the config was read again — and the
//! instant it happened, and returns the [`Effect`]s to carry out: arm the
//! timer, show a notification, record events, reply, signal. It never reads
//! the clock and never touches the bus, the store or the timer, so every rule
//! of the running daemon is tested here with plain values and made-up
//! instants. The shell (`daemon/`) only turns the world into inputs and
//! effects into I/O.
//!
//! What it owns: the config in force, the planning state in memory (updated
//! from the events the daemon itself records; the store is read again only
//! when another process wrote it), which reminders are behind us (the
//! [`Cursor`](crate::plan::Cursor)), the notifications on screen, and which
//! answers are still awaited.
//!
//! Each due reminder ends in exactly one record: `missed` when it is decided
//! not to show it, and `reminded` or `undelivered` once the notification
//! server has answered (or failed to in time).
//!
//! While the user is away (the session locked or idle, [`Input::Presence`])
//! a due reminder goes by its habit's `when_away`: `show` as ever, `drop`
//! recorded `missed`, `hold` kept in memory — a later one of the same habit
//! replaces it (the older recorded `missed`) — and on return shown once if
//! the plan says it is still open ([`Plan::still_open`]), else recorded
//! `missed`. The check-in and the weekly look back are held.
//!
//! Besides the habits' reminders it shows two of its own, planned by the
//! same rules under reserved ids ([`CHECKIN`], [`REVIEW`]): the morning
//! check-in, whose No and Yes record last night in the cramp diary through
//! the same requests as the command line, and which is not asked (recorded
//! `skipped`) once that night is recorded, and closed when it gets recorded
//! elsewhere (as is any reminder on screen whose goal is met, or whose day
//! is made a rest day, by a command, another writer of the history or
//! another device through sync); and the weekly look back, whose figures the history thread
//! works out ([`Effect::Week`]) and whose Report button opens the report
//! ([`Effect::OpenReport`]).

use std::collections::HashMap;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use log::{debug, info, warn};

use crate::command::{self, Action, Command, Request};
use crate::config::{CHECKIN, Config, Goal, LoadError, Origin, REVIEW, WhenAway};
use crate::control::{Refusal, Reply};
use crate::event::{Kind, NewEvent, Source};
use crate::history::{Applied, ApplyError};
use crate::plan::{Decision, Plan, State};
use crate::quote::counted;
use crate::review::Week;
use crate::status::{self, Progress};
use crate::timespec::HumanDuration;

/// How long after the instant it was armed for the timer may fire and still
/// count as on time: the kernel wakes us a little late, and a busy machine
/// later still.
const TIMER_GRACE: SignedDuration = SignedDuration::from_secs(2);

/// How far ahead the timer is armed when nothing is scheduled at all, so a
/// clock change still wakes it.
const IDLE_HORIZON: SignedDuration = SignedDuration::from_hours(24 * 365);

/// Names one notification being sent, or one command at the store, so its
/// answer finds what it was for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ticket(u64);

/// Something that happened, for the core to act on.
#[derive(Debug)]
pub enum Input {
    /// The daemon started: the history is to be read before anything else.
    Start,
    /// The timer went off.
    Timer,
    /// The wall clock was set (by hand, or NTP stepping it).
    ClockSet,
    /// A request over D-Bus; the answer goes back as [`Effect::Reply`] with
    /// the same `reply_to`.
    Request {
        /// The shell's name for the waiting caller.
        reply_to: u64,
        /// What is asked.
        request: Request,
    },
    /// A button was pressed on notification `id`.
    Pressed {
        /// The server's id of the notification.
        id: u32,
        /// Which button.
        action: Action,
    },
    /// The server answered a [`Effect::Show`]: the notification's id, or
    /// why it is not on screen.
    Delivered {
        /// The show it answers.
        ticket: Ticket,
        /// The id, or the failure.
        outcome: Result<u32, String>,
    },
    /// Notification `id` went away (expired, dismissed, closed).
    Closed {
        /// The server's id of the notification.
        id: u32,
    },
    /// The store carried out an [`Effect::Apply`].
    Applied {
        /// The command it answers.
        ticket: Ticket,
        /// The confirmation and the state after it, or why not.
        outcome: Result<Applied, ApplyError>,
    },
    /// The store was read for an [`Effect::Load`].
    Loaded(Result<State, String>),
    /// Another process wrote the history.
    HistoryChanged,
    /// The daemon is stopping.
    Stop,
    /// The history thread worked out the week for an [`Effect::Week`].
    Week {
        /// The look back it is for.
        ticket: Ticket,
        /// The week, or why the history could not say.
        outcome: Result<Week, String>,
    },
    /// The user went away (the session was locked, or went idle) or came
    /// back.
    Presence {
        /// Whether the user is away now.
        away: bool,
    },
    /// The config was read again for an [`Effect::ReadConfig`].
    ConfigRead {
        /// The request to answer, if a D-Bus client asked for the reload.
        reply_to: Option<u64>,
        /// What was found.
        outcome: Reread,
    },
}

/// What reading the config again found.
#[derive(Debug)]
pub enum Reread {
    /// A valid config (perhaps the built-in one, if the file is gone).
    Loaded(Config),
    /// The file is empty: a save in progress (an editor truncates, then
    /// writes), not a config without habits.
    Empty,
    /// The file could not be read, or is not valid.
    Failed(LoadError),
}

/// What the shell must do.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Arm the wall-clock timer for this instant (replacing any arming).
    Arm(Timestamp),
    /// Show a notification; answer with [`Input::Delivered`].
    Show(Show),
    /// Close notification `id`.
    Close(u32),
    /// Append these events to the history, in order.
    Record(Vec<NewEvent>),
    /// Carry out `command` in the store; answer with [`Input::Applied`].
    Apply {
        /// Names the answer.
        ticket: Ticket,
        /// What to record.
        command: Command,
        /// Who asked.
        source: Source,
    },
    /// Read the planning state from the store; answer with [`Input::Loaded`].
    Load,
    /// Work out the week just ending from the store, for the weekly look
    /// back; answer with [`Input::Week`].
    Week {
        /// Names the answer.
        ticket: Ticket,
    },
    /// Write the HTML report and open it (Report on the weekly look back).
    OpenReport,
    /// Read the config again; answer with [`Input::ConfigRead`].
    ReadConfig {
        /// Passed back in the answer.
        reply_to: Option<u64>,
    },
    /// Answer a D-Bus request.
    Reply {
        /// The caller, as named in [`Input::Request`].
        to: u64,
        /// The answer.
        reply: Reply,
    },
    /// Emit the `Changed` signal: the plan or today's progress changed.
    Changed,
    /// Tell the service manager how things stand (`STATUS=`).
    Status(String),
    /// Tell the service manager the daemon is ready (once, after the first
    /// plan).
    Ready,
}

/// A notification to show.
#[derive(Clone, Debug, PartialEq)]
pub struct Show {
    /// Names the answer.
    pub ticket: Ticket,
    /// The habit (or built-in reminder) it is about.
    pub habit: String,
    /// The day it is for.
    pub day: Date,
    /// A reminder, or the progress after a press of Done.
    pub content: Content,
    /// The habit's notification on screen, which it replaces.
    pub replaces: Option<u32>,
}

/// What a notification says.
#[derive(Clone, Debug, PartialEq)]
pub enum Content {
    /// A reminder, with today's progress for count goals of more than one.
    Reminder(Option<Progress>),
    /// The progress after a press of Done.
    Progress(Progress),
    /// The morning check-in: were there cramps in this night?
    CheckIn {
        /// The night asked about, named by its evening's date.
        night: Date,
    },
    /// After Yes on the check-in: the episode is recorded with its details
    /// unknown, and how to give them.
    Episode {
        /// The night it was recorded for.
        night: Date,
    },
    /// The weekly look back, or why the history could not say.
    Review(Result<Week, String>),
}

/// A habit's notification on screen.
#[derive(Clone, Copy, Debug)]
struct OnScreen {
    /// The server's id for it.
    id: u32,
    /// The day its reminder is for.
    day: Date,
    /// Whether it is a reminder, asking for something; closed once that is
    /// done. A count habit's progress after Done is not.
    asks: bool,
}

/// A notification on its way to the server.
#[derive(Clone, Copy, Debug)]
enum Sending {
    /// A reminder due at this instant, recorded when the server answers.
    Reminder(Timestamp),
    /// A progress update, recorded by the command that caused it.
    Progress,
    /// A note with no buttons (the check-in's answer): neither recorded nor
    /// kept track of, so it is never replaced or closed as a question.
    Note,
}

/// Who is waiting for a command at the store.
#[derive(Debug)]
enum Asker {
    /// A D-Bus caller.
    Bus(u64),
    /// A button on the habit's notification `id`, for `day`.
    Button {
        habit: String,
        action: Action,
        id: u32,
        day: Date,
    },
}

/// See the module doc.
pub struct Core {
    config: Config,
    state: State,
    /// Whether the history has been read once (planning waits for it, so a
    /// start-up never repeats what was shown before it).
    loaded: bool,
    /// Why the history could not be read the last time it was tried, until
    /// a read succeeds: a status report from what is in memory would then
    /// deny what was recorded, so it is refused.
    unreadable: Option<String>,
    /// The instant the timer is armed for.
    armed: Option<Timestamp>,
    next_ticket: u64,
    sending: HashMap<Ticket, (String, Date, Sending)>,
    asked: HashMap<Ticket, Asker>,
    /// Each habit's notification on screen.
    on_screen: HashMap<String, OnScreen>,
    /// Weekly look backs waiting for their figures: when each was due, and
    /// its day.
    weeks: HashMap<Ticket, (Timestamp, Date)>,
    /// Presses on notifications whose id is not known yet, and when: the
    /// server's answer to Notify and a quick press travel separately, so
    /// the press can come first.
    early_presses: Vec<(u32, Action, Timestamp)>,
    /// Whether a failed delivery was warned about since the last success.
    warned_undelivered: bool,
    /// The last `STATUS=` sent.
    status: String,
    ready: bool,
    /// `Status` callers waiting for the first read of the history: a
    /// report before it would show nothing done today.
    status_waiting: Vec<u64>,
    /// Whether the user is away.
    away: bool,
    /// Reminders held while the user is away: each habit's latest, by when
    /// it was due. The cursor is past them; their record waits for the
    /// return.
    held: HashMap<String, Timestamp>,
}

impl Core {
    /// A core running `config`; feed it [`Input::Start`] first.
    pub fn new(config: Config) -> Core {
        Core {
            config,
            state: State::default(),
            loaded: false,
            unreadable: None,
            armed: None,
            next_ticket: 0,
            sending: HashMap::new(),
            asked: HashMap::new(),
            on_screen: HashMap::new(),
            weeks: HashMap::new(),
            early_presses: Vec::new(),
            warned_undelivered: false,
            status: String::new(),
            ready: false,
            status_waiting: Vec::new(),
            away: false,
            held: HashMap::new(),
        }
    }

    /// The config in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The planning state in memory.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// Whether notifications are still on their way to the server.
    pub fn is_sending(&self) -> bool {
        !self.sending.is_empty()
    }

    /// The notifications on screen, by id.
    pub fn on_screen(&self) -> impl Iterator<Item = u32> + '_ {
        self.on_screen.values().map(|shown| shown.id)
    }

    /// Acts on `input`, which happened at `now`.
    pub fn step(&mut self, input: Input, now: Timestamp) -> Vec<Effect> {
        let mut out = Vec::new();
        match input {
            Input::Start | Input::HistoryChanged => out.push(Effect::Load),
            Input::Loaded(loaded) => self.on_loaded(loaded, now, &mut out),
            Input::Timer => {
                let on_time = self
                    .armed
                    .filter(|&armed| armed <= now && now.duration_since(armed) <= TIMER_GRACE);
                self.plan(now, on_time, &mut out);
            }
            Input::ClockSet => {
                info!("the system clock was set; planning again");
                self.plan(now, None, &mut out);
            }
            Input::Request { reply_to, request } => {
                self.on_request(reply_to, request, now, &mut out);
            }
            Input::Pressed { id, action } => self.on_press(id, action, now, &mut out),
            Input::Delivered { ticket, outcome } => self.on_delivered(ticket, outcome, &mut out),
            Input::Closed { id } => {
                self.on_screen.retain(|_, shown| shown.id != id);
            }
            Input::Applied { ticket, outcome } => self.on_applied(ticket, outcome, now, &mut out),
            Input::Week { ticket, outcome } => {
                if let Some((due, day)) = self.weeks.remove(&ticket) {
                    let content = Content::Review(outcome);
                    self.show(REVIEW, day, content, Sending::Reminder(due), &mut out);
                }
            }
            Input::ConfigRead { reply_to, outcome } => {
                self.on_config(reply_to, outcome, now, &mut out);
            }
            Input::Presence { away } => self.on_presence(away, now, &mut out),
            Input::Stop => {
                // Their buttons would be dead once this process is gone:
                // servers send presses to the connection that showed the
                // notification.
                out.extend(
                    self.on_screen
                        .drain()
                        .map(|(_, shown)| Effect::Close(shown.id)),
                );
                let held = std::mem::take(&mut self.held);
                self.record_missed(held, "habitd is stopping", &mut out);
            }
        }
        out
    }

    fn ticket(&mut self) -> Ticket {
        self.next_ticket += 1;
        Ticket(self.next_ticket)
    }

    fn on_loaded(&mut self, loaded: Result<State, String>, now: Timestamp, out: &mut Vec<Effect>) {
        self.unreadable = loaded.as_ref().err().cloned();
        match loaded {
            Ok(mut state) => {
                // What was decided since the read was asked for is not in it
                // yet (or waits to be written).
                state.merge_own(&self.state);
                self.take_state(state, out);
                self.close_settled(out);
            }
            // The shell logged it; reminders go on from what is in memory.
            Err(_) if self.loaded => return,
            Err(_) => {}
        }
        self.loaded = true;
        for reply_to in std::mem::take(&mut self.status_waiting) {
            self.reply_status(reply_to, now, out);
        }
        self.plan(now, None, out);
    }

    fn take_state(&mut self, state: State, out: &mut Vec<Effect>) {
        if state != self.state {
            self.state = state;
            out.push(Effect::Changed);
        }
    }

    /// Shows what is due at `now`, records what is not shown, and arms the
    /// timer for the next reminder.
    fn plan(&mut self, now: Timestamp, on_time: Option<Timestamp>, out: &mut Vec<Effect>) {
        if !self.loaded {
            return;
        }
        if self.state.reminded.rewind(now) {
            info!(
                "the clock is behind reminders already handled (it was set back); reminders resume at their times from now"
            );
            // They fall due again at their times, and are decided then.
            self.held.retain(|_, due| *due <= now);
        }
        self.skip_answered_checkins(now, out);
        let decisions = Plan::new(&self.config, &self.state).due(now, on_time);
        let mut missed = Vec::new();
        // A reminder handled moves its habit's next one: the plan changed.
        let moved = !decisions.is_empty();
        for decision in decisions {
            match decision {
                Decision::Show(occurrence) => {
                    self.fall_due(&occurrence.habit, occurrence.at, now, out)
                }
                Decision::Missed {
                    habit,
                    first,
                    last,
                    count,
                } => {
                    info!(
                        "not showing {count} reminder(s) of {habit} from {} to {}: more than {} late, or followed by a later one",
                        first.to_zoned_datetime(self.config.timezone.clone()),
                        last.to_zoned_datetime(self.config.timezone.clone()),
                        HumanDuration(self.config.catch_up)
                    );
                    self.state.reminded.note(&habit, last);
                    missed.push(NewEvent {
                        amount: Some(i64::try_from(count).unwrap_or(i64::MAX)),
                        ..self.event(&habit, Kind::Missed, last)
                    });
                }
            }
        }
        if !missed.is_empty() {
            out.push(Effect::Record(missed));
        }
        if moved {
            out.push(Effect::Changed);
        }
        self.state.reminded.looked_through(now);
        let today = self.config.timezone.to_datetime(now).date();
        self.state.forget_before(today.yesterday().unwrap_or(today));
        let next = Plan::new(&self.config, &self.state).next_wake(now);
        let wake_at = next.as_ref().map_or_else(
            || now.checked_add(IDLE_HORIZON).unwrap_or(Timestamp::MAX),
            |o| o.at,
        );
        self.armed = Some(wake_at);
        out.push(Effect::Arm(wake_at));
        let status = match &next {
            Some(o) => format!(
                "next: {} at {}",
                o.habit,
                self.config
                    .timezone
                    .to_datetime(o.at)
                    .strftime("%a %H:%M:%S")
            ),
            None => "no reminder scheduled".to_string(),
        };
        if status != self.status {
            debug!("{status}");
            self.status = status.clone();
            out.push(Effect::Status(status));
        }
        if !self.ready {
            self.ready = true;
            out.push(Effect::Ready);
        }
    }

    /// Shows the reminder of `habit` due at `due`, unless the user is away
    /// and its habit says otherwise.
    fn fall_due(&mut self, habit: &str, due: Timestamp, now: Timestamp, out: &mut Vec<Effect>) {
        let when_away = self
            .config
            .reminder(habit)
            .map_or(WhenAway::Show, |h| h.when_away);
        if !self.away || when_away == WhenAway::Show {
            return self.remind(habit, due, now, out);
        }
        self.state.reminded.note(habit, due);
        let gone = match when_away {
            WhenAway::Drop => Some(due),
            _ => {
                info!("holding the reminder of {habit} due {due} until the user is back");
                self.held.insert(habit.to_string(), due)
            }
        };
        let why = if when_away == WhenAway::Drop {
            "the user is away (when_away = \"drop\")"
        } else {
            "the user is away, and a later one is held"
        };
        self.record_missed(gone.map(|due| (habit.to_string(), due)), why, out);
    }

    /// The user went away or came back. On return, what is due now is
    /// decided first (and held, so a reminder due this instant replaces an
    /// older one), then each held reminder is shown if still open.
    fn on_presence(&mut self, away: bool, now: Timestamp, out: &mut Vec<Effect>) {
        if away == self.away {
            return;
        }
        if away {
            info!("the user is away: holding reminders");
            self.away = true;
            return;
        }
        self.plan(now, None, out);
        self.away = false;
        let held = std::mem::take(&mut self.held);
        info!(
            "the user is back: {} held",
            counted(held.len() as u64, "reminder", "reminders")
        );
        let plan = Plan::new(&self.config, &self.state);
        let (open, closed): (Vec<_>, Vec<_>) = held.into_iter().partition(|(habit, due)| {
            self.config
                .reminder(habit)
                .is_some_and(|h| plan.still_open(h, *due, now))
        });
        self.record_missed(closed, "its window closed while the user was away", out);
        for (habit, due) in open {
            self.remind(&habit, due, now, out);
        }
    }

    /// Records `missed` for each reminder in `reminders` (habit, due), one
    /// each.
    fn record_missed(
        &self,
        reminders: impl IntoIterator<Item = (String, Timestamp)>,
        why: &str,
        out: &mut Vec<Effect>,
    ) {
        let missed: Vec<_> = reminders
            .into_iter()
            .map(|(habit, due)| {
                info!("not showing the reminder of {habit} due {due}: {why}");
                NewEvent {
                    amount: Some(1),
                    ..self.event(&habit, Kind::Missed, due)
                }
            })
            .collect();
        if !missed.is_empty() {
            out.push(Effect::Record(missed));
            out.push(Effect::Changed);
        }
    }

    /// Records `skipped` for each check-in ahead of the cursor whose night
    /// is recorded already: the plan passes over such a day like a habit's
    /// met day, and the record says why it was not asked. Only nights in the
    /// planning state count (a few weeks), and no night after last night
    /// can be recorded, so the walk is short.
    fn skip_answered_checkins(&mut self, now: Timestamp, out: &mut Vec<Effect>) {
        let Some(checkin) = self.config.reminder(CHECKIN) else {
            return;
        };
        let tz = &self.config.timezone;
        let mut after = self.state.reminded.start(CHECKIN).unwrap_or_else(|| {
            now.checked_sub(self.config.catch_up)
                .unwrap_or(Timestamp::MIN)
        });
        let mut skipped = Vec::new();
        while let Some(at) = checkin.schedule.next_after(tz, after) {
            let day = tz.to_datetime(at).date();
            if !self.state.settled(checkin, day) {
                break;
            }
            if !self.state.is_skipped(CHECKIN, day) {
                info!(
                    "not asking about the night of {}: it is recorded already",
                    day.yesterday().unwrap_or(day)
                );
                self.state.skipped.insert((CHECKIN.to_string(), day));
                skipped.push(NewEvent {
                    date: day,
                    ..self.event(CHECKIN, Kind::Skipped, now)
                });
            }
            after = at;
        }
        if !skipped.is_empty() {
            out.push(Effect::Record(skipped));
            out.push(Effect::Changed);
        }
    }

    /// Closes the reminders on screen that ask for nothing any more: their
    /// habit's goal for the day met, the day made a rest day, or the
    /// check-in's night recorded — by the command line, a D-Bus client,
    /// another writer of the history, or another device through sync.
    fn close_settled(&mut self, out: &mut Vec<Effect>) {
        let settled: Vec<String> = self
            .on_screen
            .iter()
            .filter(|(habit, shown)| {
                shown.asks
                    && self.config.reminder(habit).is_some_and(|reminder| {
                        self.state.settled(reminder, shown.day)
                            || self.state.is_skipped(habit, shown.day)
                    })
            })
            .map(|(habit, _)| habit.clone())
            .collect();
        for habit in settled {
            if let Some(shown) = self.on_screen.remove(&habit) {
                debug!("closing the reminder of {habit}: nothing is left to ask");
                out.push(Effect::Close(shown.id));
            }
        }
    }

    /// A daemon event about `habit` at `at`, dated in the configured zone.
    fn event(&self, habit: &str, kind: Kind, at: Timestamp) -> NewEvent {
        let date = self.config.timezone.to_datetime(at).date();
        NewEvent::new(at, date, Some(habit), kind, Source::Daemon)
    }

    fn remind(&mut self, habit_id: &str, due: Timestamp, now: Timestamp, out: &mut Vec<Effect>) {
        let Some(habit) = self.config.reminder(habit_id) else {
            return;
        };
        info!(
            "reminding {} (due {due}, {}ms late)",
            habit.id,
            now.duration_since(due).as_millis().max(0)
        );
        let mut day = self.config.timezone.to_datetime(now).date();
        let content = match habit_id {
            // The morning it was due asks about the night before, however
            // late it is shown.
            CHECKIN => {
                day = self.config.timezone.to_datetime(due).date();
                Content::CheckIn {
                    night: day.yesterday().unwrap_or(day),
                }
            }
            // Shown once the history thread has the week's figures.
            REVIEW => {
                self.state.reminded.note(habit_id, due);
                let ticket = self.ticket();
                self.weeks.insert(ticket, (due, day));
                out.push(Effect::Week { ticket });
                return;
            }
            // Count goals of more than one say how far the day is; a walk
            // is done in one go.
            _ => Content::Reminder(
                matches!(habit.goal, Goal::Count { count, .. } if count > 1)
                    .then(|| Progress::of(habit, &self.state, day)),
            ),
        };
        self.state.reminded.note(habit_id, due);
        self.show(habit_id, day, content, Sending::Reminder(due), out);
    }

    fn show(
        &mut self,
        habit: &str,
        day: Date,
        content: Content,
        sending: Sending,
        out: &mut Vec<Effect>,
    ) {
        let ticket = self.ticket();
        self.sending
            .insert(ticket, (habit.to_string(), day, sending));
        out.push(Effect::Show(Show {
            ticket,
            habit: habit.to_string(),
            day,
            content,
            replaces: self.on_screen.get(habit).map(|shown| shown.id),
        }));
    }

    fn on_delivered(
        &mut self,
        ticket: Ticket,
        outcome: Result<u32, String>,
        out: &mut Vec<Effect>,
    ) {
        let Some((habit, day, sending)) = self.sending.remove(&ticket) else {
            return;
        };
        let kind = match outcome {
            Ok(id) => {
                debug!("notification {id} shown for {habit}");
                self.warned_undelivered = false;
                if !matches!(sending, Sending::Note) {
                    let asks = matches!(sending, Sending::Reminder(_));
                    self.on_screen
                        .insert(habit.clone(), OnScreen { id, day, asks });
                }
                Kind::Reminded
            }
            Err(error) => {
                if self.warned_undelivered {
                    debug!("cannot show the reminder for {habit}: {error}");
                } else {
                    warn!(
                        "cannot show the reminder for {habit}: {error}; will try again at the next reminder"
                    );
                    self.warned_undelivered = true;
                }
                self.on_screen.remove(&habit);
                Kind::Undelivered
            }
        };
        if let Sending::Reminder(due) = sending {
            out.push(Effect::Record(vec![self.event(&habit, kind, due)]));
        }
        for (id, action, at) in std::mem::take(&mut self.early_presses) {
            self.on_press(id, action, at, out);
        }
    }

    fn on_press(&mut self, id: u32, action: Action, now: Timestamp, out: &mut Vec<Effect>) {
        let found = self
            .on_screen
            .iter()
            .find(|(_, shown)| shown.id == id)
            .map(|(habit, shown)| (habit.clone(), shown.day));
        let Some((habit, day)) = found else {
            if self.sending.is_empty() {
                // Servers that send presses to everyone also send those on
                // other programs' notifications, so this is not a warning.
                info!(
                    "a button was pressed on notification {id}, which this habitd did not show (one from before a restart?); nothing recorded"
                );
            } else {
                // Most likely ours, its id still on the way.
                self.early_presses.push((id, action, now));
            }
            return;
        };
        let command = match (habit.as_str(), action) {
            (CHECKIN, Action::No | Action::Yes) => {
                let night = day.yesterday().unwrap_or(day);
                let request =
                    command::checkin_answer(&self.config, night, action == Action::Yes, now);
                match command::from_request(&self.config, &request, now) {
                    Ok(Some(command)) => command,
                    Ok(None) => return,
                    Err(rejected) => {
                        warn!("cannot record the check-in's answer: {rejected}");
                        return;
                    }
                }
            }
            (REVIEW, Action::Report) => {
                info!("writing the report, to open it");
                out.push(Effect::OpenReport);
                return;
            }
            (id, _) => match action
                .command(id, day, &self.config, now)
                .filter(|_| self.config.habit(id).is_some())
            {
                Some(command) => command,
                None => {
                    info!(
                        "the {} button was pressed on {habit}'s notification, which has none; nothing recorded",
                        action.key()
                    );
                    return;
                }
            },
        };
        let ticket = self.ticket();
        self.asked.insert(
            ticket,
            Asker::Button {
                habit,
                action,
                id,
                day,
            },
        );
        out.push(Effect::Apply {
            ticket,
            command,
            source: Source::Notification,
        });
    }

    fn reply_status(&self, reply_to: u64, now: Timestamp, out: &mut Vec<Effect>) {
        let reply = match &self.unreadable {
            Some(why) => Err(Refusal::Failed(format!(
                "the daemon cannot read the history, so today's progress is unknown: {why}"
            ))),
            None => {
                let report = status::build(&self.config, &self.state, now, true);
                serde_json::to_string(&report).map_err(|e| Refusal::Failed(e.to_string()))
            }
        };
        out.push(Effect::Reply {
            to: reply_to,
            reply,
        });
    }

    fn on_request(
        &mut self,
        reply_to: u64,
        request: Request,
        now: Timestamp,
        out: &mut Vec<Effect>,
    ) {
        let refused = |message: String| Effect::Reply {
            to: reply_to,
            reply: Err(Refusal::Invalid(message)),
        };
        match request {
            Request::Status if !self.loaded => self.status_waiting.push(reply_to),
            Request::Status => self.reply_status(reply_to, now, out),
            Request::Reload => out.push(Effect::ReadConfig {
                reply_to: Some(reply_to),
            }),
            request => match command::from_request(&self.config, &request, now) {
                Ok(Some(command)) => {
                    let ticket = self.ticket();
                    self.asked.insert(ticket, Asker::Bus(reply_to));
                    out.push(Effect::Apply {
                        ticket,
                        command,
                        source: Source::Dbus,
                    });
                }
                Ok(None) => out.push(refused("nothing to do".to_string())),
                Err(rejected) => out.push(refused(rejected.0)),
            },
        }
    }

    fn on_applied(
        &mut self,
        ticket: Ticket,
        outcome: Result<Applied, ApplyError>,
        now: Timestamp,
        out: &mut Vec<Effect>,
    ) {
        let Some(asker) = self.asked.remove(&ticket) else {
            return;
        };
        let message = match outcome {
            Ok(Applied { message, mut state }) => {
                // Read back after the write: the history works again.
                self.unreadable = None;
                state.merge_own(&self.state);
                self.take_state(state, out);
                out.push(Effect::Changed);
                Ok(message)
            }
            Err(e) => Err(e),
        };
        match asker {
            Asker::Bus(to) => {
                if let Ok(message) = &message {
                    info!("{message}");
                    self.close_settled(out);
                }
                let reply = message.map_err(|e| match e {
                    ApplyError::Rejected(r) => Refusal::Invalid(r.0),
                    ApplyError::Store(s) => Refusal::Failed(s.to_string()),
                });
                out.push(Effect::Reply { to, reply });
            }
            Asker::Button {
                habit,
                action,
                id,
                day,
            } => match message {
                Ok(message) => {
                    info!("from the notification: {message}");
                    match action {
                        Action::Done => self.show_progress(&habit, id, now, out),
                        Action::Yes => self.show_episode(id, day, out),
                        _ => {}
                    }
                }
                Err(e) => {
                    warn!("cannot record {action:?} from the notification of {habit}: {e}");
                    // The press took the question off the screen, and it is
                    // not asked again today: ask again, or the answer is lost.
                    if habit == CHECKIN && matches!(e, ApplyError::Store(_)) {
                        let night = day.yesterday().unwrap_or(day);
                        let again = Content::CheckIn { night };
                        self.show(CHECKIN, day, again, Sending::Progress, out);
                    }
                }
            },
        }
        self.plan(now, None, out);
    }

    /// Replaces notification `pressed` (on screen, or just closed by the
    /// press: the server answers before the store does) with a count habit's
    /// progress today.
    fn show_progress(
        &mut self,
        habit_id: &str,
        pressed: u32,
        now: Timestamp,
        out: &mut Vec<Effect>,
    ) {
        let Some(habit) = self.config.habit(habit_id) else {
            return;
        };
        let day = self.config.timezone.to_datetime(now).date();
        if matches!(habit.goal, Goal::Count { .. }) {
            let progress = Progress::of(habit, &self.state, day);
            self.on_screen.insert(
                habit_id.to_string(),
                OnScreen {
                    id: pressed,
                    day,
                    asks: false,
                },
            );
            self.show(
                habit_id,
                day,
                Content::Progress(progress),
                Sending::Progress,
                out,
            );
        }
    }

    /// Replaces the check-in `pressed` (on screen, or just closed by the
    /// press) with a note that the episode is recorded, and how to give its
    /// details.
    fn show_episode(&mut self, pressed: u32, day: Date, out: &mut Vec<Effect>) {
        self.on_screen.remove(CHECKIN);
        let night = day.yesterday().unwrap_or(day);
        info!(
            "a cramp is recorded for the night of {night}, details unknown; add them with `{}`",
            command::episode_details_hint(night)
        );
        let ticket = self.ticket();
        self.sending
            .insert(ticket, (CHECKIN.to_string(), day, Sending::Note));
        out.push(Effect::Show(Show {
            ticket,
            habit: CHECKIN.to_string(),
            day,
            content: Content::Episode { night },
            replaces: Some(pressed),
        }));
    }

    fn on_config(
        &mut self,
        reply_to: Option<u64>,
        outcome: Reread,
        now: Timestamp,
        out: &mut Vec<Effect>,
    ) {
        let reply = match outcome {
            Reread::Loaded(config)
                if config.origin == Origin::Builtin && self.config.origin != Origin::Builtin =>
            {
                warn!(
                    "the config file {} is gone; keeping its last good version (restart habitd to use the built-in schedule)",
                    self.config.origin
                );
                Err(Refusal::Invalid(format!(
                    "the config file {} is gone; keeping its last good version",
                    self.config.origin
                )))
            }
            Reread::Loaded(config) => {
                info!(
                    "reloaded {} from {}, zone {}",
                    counted(config.habits.len() as u64, "habit", "habits"),
                    config.origin,
                    config.timezone_name()
                );
                // Notifications of removed habits stay on screen but are no
                // longer replaced.
                self.on_screen
                    .retain(|habit, _| config.reminder(habit).is_some());
                self.state
                    .reminded
                    .retain(|habit| config.reminder(habit).is_some());
                let (kept, gone) = std::mem::take(&mut self.held)
                    .into_iter()
                    .partition(|(habit, _)| config.reminder(habit).is_some());
                self.held = kept;
                self.record_missed(gone, "its habit was removed", out);
                let message = format!(
                    "reloaded {} from {}",
                    counted(config.habits.len() as u64, "habit", "habits"),
                    config.origin
                );
                self.config = config;
                out.push(Effect::Changed);
                self.plan(now, None, out);
                Ok(message)
            }
            Reread::Empty => {
                debug!("the config file is empty, a save in progress; waiting for the rest");
                Err(Refusal::Invalid(
                    "the config file is empty; keeping the previous config".to_string(),
                ))
            }
            Reread::Failed(e) => {
                warn!("keeping the previous config; the new one has errors:");
                for line in e.to_string().lines() {
                    warn!("{line}");
                }
                Err(Refusal::Invalid(
                    "the config has errors (see the log, or run `habitd check`); keeping the previous one"
                        .to_string(),
                ))
            }
        };
        if let Some(to) = reply_to {
            out.push(Effect::Reply { to, reply });
        }
    }
}

#[cfg(test)]
mod tests;
