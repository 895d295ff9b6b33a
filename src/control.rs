//! The daemon's control interface on the session bus, and the command line's
//! client for it.
//!
//! The interface only translates: each D-Bus method becomes a [`Request`]
//! sent to the daemon loop, which answers on a oneshot channel. zbus types
//! stay in this module. Arguments are strings in the same notations as the
//! command line, so `busctl --user call` is as convenient as `habitd`.
//!
//! Refusals travel as typed errors ([`ControlError`]: `org.habitd.Error.Rejected`
//! for a request that is wrong, `org.habitd.Error.Failed` for one that could
//! not be carried out), so the command line gives the same message and exit
//! code whether the daemon or it itself refused.

use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

pub use crate::command::Request;
use zbus::fdo;
use zbus::message::Header;
use zbus::object_server::SignalEmitter;

/// The daemon's well-known bus name.
pub const BUS_NAME: &str = "org.habitd.Habitd";
/// The object the interface lives at.
pub const OBJECT_PATH: &str = "/org/habitd/Habitd";

/// The daemon's answer: a line for the user (or JSON for `Status`), or why
/// the request was refused (`Err`, a message in the CLI's words).
pub type Reply = Result<String, Refusal>;

/// Why a request was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The request itself is wrong (unknown habit, bad amount): exit code 2.
    Invalid(String),
    /// The daemon could not carry it out (the store failed): exit code 1.
    Failed(String),
}

/// How the interface refuses a call, as D-Bus errors named
/// `org.habitd.Error.Rejected` and `org.habitd.Error.Failed`; the text is the
/// message the command line prints.
#[derive(Debug, zbus::DBusError)]
#[zbus(prefix = "org.habitd.Error")]
pub enum ControlError {
    /// The request is wrong (unknown habit, bad amount, out of range): the
    /// command line exits with code 2.
    Rejected(String),
    /// The daemon could not carry it out (the store failed, it is stopping):
    /// the command line exits with code 1.
    Failed(String),
}

impl From<Refusal> for ControlError {
    fn from(refusal: Refusal) -> ControlError {
        match refusal {
            Refusal::Invalid(message) => ControlError::Rejected(message),
            Refusal::Failed(message) => ControlError::Failed(message),
        }
    }
}

/// A request with the channel its reply goes back on.
pub struct Envelope {
    /// What is asked.
    pub request: Request,
    /// Where the answer goes.
    pub reply: oneshot::Sender<Reply>,
}

/// The object served on the bus.
pub struct Control {
    requests: mpsc::Sender<Envelope>,
}

impl Control {
    /// An interface that forwards every call to `requests`.
    pub fn new(requests: mpsc::Sender<Envelope>) -> Control {
        Control { requests }
    }

    async fn ask(&self, request: Request) -> Result<String, ControlError> {
        check_sizes(&request)?;
        let shutting_down = || ControlError::Failed("habitd is shutting down".to_string());
        let (reply, answer) = oneshot::channel();
        self.requests
            .send(Envelope { request, reply })
            .await
            .map_err(|_| shutting_down())?;
        match answer.await {
            Ok(reply) => reply.map_err(ControlError::from),
            Err(_) => Err(shutting_down()),
        }
    }
}

/// The longest argument accepted, in bytes: far more than any habit id,
/// amount, time or duration, and little enough that a huge argument is
/// refused at once instead of being searched for "did you mean" matches.
pub const MAX_ARGUMENT: usize = 1024;

/// Refuses a request with an argument over [`MAX_ARGUMENT`], without
/// echoing it.
fn check_sizes(request: &Request) -> Result<(), ControlError> {
    let longest = match request {
        Request::Done { habit, amount, at } => {
            [habit, amount, at].map(|a| a.len()).into_iter().max()
        }
        Request::Undo { habit } => Some(habit.len()),
        Request::Snooze { habit, duration } => Some(habit.len().max(duration.len())),
        Request::Skip { habit, date } => Some(habit.len().max(date.len())),
        Request::Pause { until } => Some(until.len()),
        Request::Cramp {
            at,
            leg,
            muscle,
            minutes,
            when,
            swelling: _,
            note,
        } => [at, leg, muscle, minutes, when, note]
            .map(|a| a.len())
            .into_iter()
            .max(),
        Request::NoCramps { date } => Some(date.len()),
        Request::Resume | Request::Status | Request::Reload => None,
    };
    match longest {
        Some(len) if len > MAX_ARGUMENT => Err(ControlError::Rejected(format!(
            "an argument of {len} bytes is too long (at most {MAX_ARGUMENT})"
        ))),
        _ => Ok(()),
    }
}

#[zbus::interface(name = "org.habitd.Habitd1")]
impl Control {
    /// Records a completion: habit id, amount ("" = default), time ("" = now).
    async fn done(
        &self,
        habit: String,
        amount: String,
        at: String,
    ) -> Result<String, ControlError> {
        self.ask(Request::Done { habit, amount, at }).await
    }

    /// Takes back the latest completion of a habit ("" = of any habit).
    async fn undo(&self, habit: String) -> Result<String, ControlError> {
        self.ask(Request::Undo { habit }).await
    }

    /// Postpones a habit's reminder ("all" = every habit) by a duration ("" = its default).
    async fn snooze(&self, habit: String, duration: String) -> Result<String, ControlError> {
        self.ask(Request::Snooze { habit, duration }).await
    }

    /// Makes a date ("" = today) a rest day for a habit.
    async fn skip(&self, habit: String, date: String) -> Result<String, ControlError> {
        self.ask(Request::Skip { habit, date }).await
    }

    /// Holds all reminders for a duration or until a time ("" = until Resume).
    async fn pause(&self, until: String) -> Result<String, ControlError> {
        self.ask(Request::Pause { until }).await
    }

    /// Records a leg cramp in the diary: time ("" = now), leg, muscle,
    /// minutes, when ("" = unknown), whether the leg was swollen, a note.
    #[allow(clippy::too_many_arguments)]
    async fn cramp(
        &self,
        at: String,
        leg: String,
        muscle: String,
        minutes: String,
        when: String,
        swelling: bool,
        note: String,
    ) -> Result<String, ControlError> {
        self.ask(Request::Cramp {
            at,
            leg,
            muscle,
            minutes,
            when,
            swelling,
            note,
        })
        .await
    }

    /// Records a night ("" = last night) as without cramps.
    async fn no_cramps(&self, date: String) -> Result<String, ControlError> {
        self.ask(Request::NoCramps { date }).await
    }

    // The methods without arguments take the header, unused: zbus checks the
    // body of a call against the arguments only when a method takes any,
    // and so refuses a stray argument with InvalidArgs, as it refuses wrong
    // arguments to the other methods.

    /// Ends a pause.
    async fn resume(&self, #[zbus(header)] _header: Header<'_>) -> Result<String, ControlError> {
        self.ask(Request::Resume).await
    }

    /// Today's progress, the next reminders and any snooze, skip or pause, as JSON.
    async fn status(&self, #[zbus(header)] _header: Header<'_>) -> Result<String, ControlError> {
        self.ask(Request::Status).await
    }

    /// Reads the config file again (like SIGHUP).
    async fn reload(&self, #[zbus(header)] _header: Header<'_>) -> Result<String, ControlError> {
        self.ask(Request::Reload).await
    }

    /// Sent whenever the plan or today's progress changes.
    #[zbus(signal)]
    async fn changed(emitter: &SignalEmitter<'_>) -> zbus::Result<()>;
}

/// Emits the `Changed` signal from `connection`'s object.
pub async fn emit_changed(connection: &zbus::Connection) -> zbus::Result<()> {
    let emitter = SignalEmitter::new(connection, OBJECT_PATH)?;
    Control::changed(&emitter).await
}

/// How long the command line waits for the daemon before giving up.
const CALL_TIMEOUT: Duration = Duration::from_secs(25);

/// What became of a request sent from the command line.
#[derive(Debug)]
pub enum Sent {
    /// No daemon is running (or no session bus): the caller acts itself.
    NoDaemon,
    /// The daemon answered.
    Answered(Reply),
}

/// Sends `request` to a running daemon on the session bus, if there is one.
pub async fn send(request: &Request) -> Result<Sent, zbus::Error> {
    let Ok(connection) = zbus::Connection::session().await else {
        return Ok(Sent::NoDaemon);
    };
    send_on(&connection, request).await
}

/// Sends `request` to a running daemon on `connection`'s bus, if there is one.
async fn send_on(connection: &zbus::Connection, request: &Request) -> Result<Sent, zbus::Error> {
    let connection = connection.clone();
    let dbus = fdo::DBusProxy::new(&connection).await?;
    if !dbus.name_has_owner(BUS_NAME.try_into()?).await? {
        return Ok(Sent::NoDaemon);
    }
    let (method, body): (&str, Vec<&str>) = match request {
        Request::Cramp {
            at,
            leg,
            muscle,
            minutes,
            when,
            swelling,
            note,
        } => {
            // The one method with a boolean among its strings.
            let body = (at, leg, muscle, minutes, when, *swelling, note);
            let call = call_daemon(&connection, "Cramp", &body);
            return answer(tokio::time::timeout(CALL_TIMEOUT, call).await);
        }
        Request::NoCramps { date } => ("NoCramps", vec![date]),
        Request::Done { habit, amount, at } => ("Done", vec![habit, amount, at]),
        Request::Undo { habit } => ("Undo", vec![habit]),
        Request::Snooze { habit, duration } => ("Snooze", vec![habit, duration]),
        Request::Skip { habit, date } => ("Skip", vec![habit, date]),
        Request::Pause { until } => ("Pause", vec![until]),
        Request::Resume => ("Resume", vec![]),
        Request::Status => ("Status", vec![]),
        Request::Reload => ("Reload", vec![]),
    };
    let call = async {
        match body.as_slice() {
            [] => call_daemon(&connection, method, &()).await,
            [a] => call_daemon(&connection, method, &(a,)).await,
            [a, b] => call_daemon(&connection, method, &(a, b)).await,
            [a, b, c, ..] => call_daemon(&connection, method, &(a, b, c)).await,
        }
    };
    answer(tokio::time::timeout(CALL_TIMEOUT, call).await)
}

/// The command line following the daemon: its `Changed` signal, and its
/// name coming and going on the session bus. The bus daemon routes only
/// those signals here, so nothing wakes the follower in between.
pub struct Follow {
    connection: zbus::Connection,
    changed: zbus::MessageStream,
    owners: fdo::NameOwnerChangedStream,
}

impl Follow {
    /// Subscribes on the session bus; `None` when there is no session bus.
    pub async fn subscribe() -> zbus::Result<Option<Follow>> {
        let Ok(connection) = zbus::Connection::session().await else {
            return Ok(None);
        };
        let rule = zbus::MatchRule::builder()
            .msg_type(zbus::message::Type::Signal)
            .sender(BUS_NAME)
            .path(OBJECT_PATH)
            .interface(INTERFACE)
            .member("Changed")
            .build()?;
        let changed = zbus::MessageStream::for_match_rule(rule, &connection, None).await?;
        let dbus = fdo::DBusProxy::new(&connection).await?;
        let owners = dbus
            .receive_name_owner_changed_with_args(&[(0, BUS_NAME)])
            .await?;
        Ok(Some(Follow {
            connection,
            changed,
            owners,
        }))
    }

    /// Asks the daemon for its status JSON, as [`send`] does, on this
    /// connection.
    pub async fn status(&self) -> Result<Sent, zbus::Error> {
        send_on(&self.connection, &Request::Status).await
    }

    /// Waits until the daemon says something changed, or starts, or stops.
    /// `false` when the bus connection is gone.
    pub async fn changed(&mut self) -> bool {
        use futures_lite::StreamExt;
        tokio::select! {
            signal = self.changed.next() => signal.is_some(),
            owner = self.owners.next() => owner.is_some(),
        }
    }
}

/// What became of a call that was made, or timed out.
fn answer(
    outcome: Result<zbus::Result<zbus::Message>, tokio::time::error::Elapsed>,
) -> Result<Sent, zbus::Error> {
    let reply = match outcome {
        Err(_) => Err(Refusal::Failed(format!(
            "habitd did not answer within {}s, so whether it was recorded is unknown: it may still be carried out once habitd recovers. Check with `habitd log --since today` before trying again",
            CALL_TIMEOUT.as_secs()
        ))),
        Ok(Ok(message)) => Ok(message.body().deserialize::<String>()?),
        Ok(Err(error)) => Err(refusal(error)?),
    };
    Ok(Sent::Answered(reply))
}

/// The refusal a failed call stands for, or the error itself when the call
/// did not reach habitd's interface (the daemon went away, the bus failed).
fn refusal(error: zbus::Error) -> Result<Refusal, zbus::Error> {
    use zbus::DBusError;
    let refusal = match &error {
        zbus::Error::MethodError(name, text, _) => {
            let text = text.clone().unwrap_or_default();
            let is = |e: ControlError| e.name().as_str() == name.as_str();
            if is(ControlError::Rejected(String::new())) {
                Some(Refusal::Invalid(text))
            } else if is(ControlError::Failed(String::new())) {
                Some(Refusal::Failed(text))
            } else {
                None
            }
        }
        // A habitd of the previous version, still running until it is
        // restarted, refuses with the standard InvalidArgs, and does not
        // know the methods added since (the diary's).
        zbus::Error::FDO(e) => match e.as_ref() {
            fdo::Error::InvalidArgs(text) => Some(Refusal::Invalid(text.clone())),
            fdo::Error::UnknownMethod(_) => Some(Refusal::Failed(
                "the running habitd is older than this command and does not know it; restart it (`systemctl --user restart habitd`) and try again"
                    .to_string(),
            )),
            _ => None,
        },
        _ => None,
    };
    refusal.ok_or(error)
}

/// The interface name, for clients.
pub const INTERFACE: &str = "org.habitd.Habitd1";

async fn call_daemon<B>(
    connection: &zbus::Connection,
    method: &str,
    body: &B,
) -> zbus::Result<zbus::Message>
where
    B: serde::Serialize + zbus::DynamicType,
{
    connection
        .call_method(Some(BUS_NAME), OBJECT_PATH, Some(INTERFACE), method, body)
        .await
}
