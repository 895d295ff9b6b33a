//! A test notification server speaking the freedesktop Desktop Notifications protocol.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
    time::{Duration, SystemTime},
};

use tokio::sync::mpsc;
use zbus::{
    Connection, OwnedVariant, Variant, interface,
    message::Header,
    names::BusName,
    object_server::{InterfaceRef, SignalEmitter},
};

/// The well-known bus name of a notification server.
const NAME: &str = "org.freedesktop.Notifications";
/// The object path a notification server serves at.
const PATH: &str = "/org/freedesktop/Notifications";

/// `NotificationClosed` reason: the notification expired.
pub const REASON_EXPIRED: u32 = 1;
/// `NotificationClosed` reason: the user dismissed the notification.
pub const REASON_DISMISSED: u32 = 2;
/// `NotificationClosed` reason: closed by a call to `CloseNotification`.
pub const REASON_CLOSED: u32 = 3;

/// One `Notify` call received by a [`NotificationServer`].
#[derive(Debug, Clone)]
pub struct Received {
    /// The id the server returned.
    pub id: u32,
    /// `app_name` as sent.
    pub app_name: String,
    /// `replaces_id` as sent (0: a new notification).
    pub replaces_id: u32,
    /// `app_icon` as sent.
    pub app_icon: String,
    /// `summary` as sent.
    pub summary: String,
    /// `body` as sent.
    pub body: String,
    /// `actions` as sent: action keys and labels, alternating.
    pub actions: Vec<String>,
    /// The `urgency` hint, if present as a byte (0 low, 1 normal, 2 critical).
    pub urgency: Option<u8>,
    /// The `desktop-entry` hint, if present as a string.
    pub desktop_entry: Option<String>,
    /// Every hint, its value in GVariant text form (e.g. `byte 0x02`, `"habitd"`, `true`).
    pub hints: BTreeMap<String, String>,
    /// `expire_timeout` as sent, in milliseconds (-1: the server's default, 0: never).
    pub expire_timeout: i32,
    /// The unique bus name (`:1.N`) of the caller.
    pub sender: String,
    /// When the server received the call.
    pub at: SystemTime,
}

impl Received {
    /// The action keys (every other entry of `actions`, starting with the first).
    pub fn action_keys(&self) -> Vec<&str> {
        self.actions.iter().step_by(2).map(String::as_str).collect()
    }
}

/// What the server knows of a notification it returned an id for.
struct Known {
    /// The unique name that sent it (last), which signals about it are addressed to.
    sender: String,
    /// Whether it is still showing (not closed, dismissed or acted on).
    open: bool,
}

/// State shared between the served interface and the [`NotificationServer`] handle.
struct State {
    next_id: u32,
    known: HashMap<u32, Known>,
}

/// The served `org.freedesktop.Notifications` object.
struct NotificationsIface {
    state: Arc<Mutex<State>>,
    received: mpsc::UnboundedSender<Received>,
    closes: mpsc::UnboundedSender<(u32, String)>,
    /// Whether `Notify` never answers, like a hung server.
    hung: bool,
}

// Calls are handled in the order they arrive (`spawn = false`), so ids are given out in that
// order; no method makes D-Bus calls, so this can't deadlock.
#[interface(name = "org.freedesktop.Notifications", spawn = false)]
impl NotificationsIface {
    #[allow(clippy::too_many_arguments)] // The signature is the protocol's.
    async fn notify(
        &self,
        #[zbus(header)] header: Header<'_>,
        app_name: String,
        replaces_id: u32,
        app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        hints: HashMap<String, OwnedVariant>,
        expire_timeout: i32,
    ) -> u32 {
        let sender = header.sender().map(|s| s.to_string()).unwrap_or_default();
        let id = {
            let mut state = self.state.lock().expect("notification state lock poisoned");
            let id = if replaces_id != 0 {
                replaces_id
            } else {
                state.next_id
            };
            state.next_id = state.next_id.max(id.saturating_add(1));
            state.known.insert(
                id,
                Known {
                    sender: sender.clone(),
                    open: true,
                },
            );
            id
        };
        let urgency = hints.get("urgency").and_then(|v| match unwrap_variant(v) {
            Variant::U8(u) => Some(*u),
            _ => None,
        });
        let desktop_entry = hints
            .get("desktop-entry")
            .and_then(|v| match unwrap_variant(v) {
                Variant::Str(s) => Some(s.to_string()),
                _ => None,
            });
        let hints = hints
            .iter()
            .map(|(k, v)| (k.clone(), unwrap_variant(v).to_string()))
            .collect();
        // The receiver is gone only once the server is stopped.
        let _ = self.received.send(Received {
            id,
            app_name,
            replaces_id,
            app_icon,
            summary,
            body,
            actions,
            urgency,
            desktop_entry,
            hints,
            expire_timeout,
            sender,
            at: SystemTime::now(),
        });
        if self.hung {
            // Calls are handled in order, so every later call waits too.
            std::future::pending::<()>().await;
        }
        id
    }

    async fn close_notification(
        &self,
        #[zbus(header)] header: Header<'_>,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
        id: u32,
    ) -> zbus::fdo::Result<()> {
        let caller = header.sender().map(|s| s.to_string()).unwrap_or_default();
        let _ = self.closes.send((id, caller));
        let target = {
            let mut state = self.state.lock().expect("notification state lock poisoned");
            match state.known.get_mut(&id) {
                Some(known) if known.open => {
                    known.open = false;
                    Some(known.sender.clone())
                }
                _ => None,
            }
        };
        if let Some(target) = target {
            unicast(&emitter, &target)?
                .notification_closed(id, REASON_CLOSED)
                .await?;
        }
        Ok(())
    }

    fn get_capabilities(&self) -> Vec<String> {
        ["actions", "body", "body-markup", "persistence"]
            .map(String::from)
            .to_vec()
    }

    #[zbus(out_args("name", "vendor", "version", "spec_version"))]
    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "habitd-test-notifications".into(),
            "habitd".into(),
            env!("CARGO_PKG_VERSION").into(),
            "1.2".into(),
        )
    }

    #[zbus(signal)]
    async fn action_invoked(
        emitter: &SignalEmitter<'_>,
        id: u32,
        action_key: &str,
    ) -> zbus::Result<()>;

    #[zbus(signal)]
    async fn notification_closed(
        emitter: &SignalEmitter<'_>,
        id: u32,
        reason: u32,
    ) -> zbus::Result<()>;
}

/// A variant's content, looking through any variant nested in it.
fn unwrap_variant<'a>(v: &'a Variant<'a>) -> &'a Variant<'a> {
    match v {
        Variant::Variant(inner) => unwrap_variant(inner),
        other => other,
    }
}

/// `emitter`, addressed to the unique name `target` only.
fn unicast<'a>(emitter: &SignalEmitter<'a>, target: &'a str) -> zbus::Result<SignalEmitter<'a>> {
    Ok(emitter.clone().set_destination(BusName::try_from(target)?))
}

/// A notification server on a test bus: serves `org.freedesktop.Notifications` at
/// `/org/freedesktop/Notifications` and owns that name, as a desktop's notification daemon does.
///
/// `Notify` returns `replaces_id` when it is non-zero, else a new id (1, 2, …), and records the
/// call as a [`Received`] for [`NotificationServer::next`]. `CloseNotification` records the call
/// for [`NotificationServer::next_close`] and emits `NotificationClosed(id, 3)`. Like dunst, the
/// server addresses its signals to the unique name that sent the notification (unicast), not to
/// everyone.
///
/// It runs on the Tokio runtime of the test that starts it; see the module docs about
/// multi-threaded runtimes.
pub struct NotificationServer {
    conn: Connection,
    state: Arc<Mutex<State>>,
    received: mpsc::UnboundedReceiver<Received>,
    closes: mpsc::UnboundedReceiver<(u32, String)>,
}

impl NotificationServer {
    /// Connect to the bus at `address`, serve the interface, and own the name.
    ///
    /// # Panics
    ///
    /// If the connection fails or the name is already owned on that bus.
    pub async fn start(address: &str) -> NotificationServer {
        NotificationServer::start_with(address, false).await
    }

    /// Like [`NotificationServer::start`], but a hung server: it records the first `Notify`
    /// call and never answers it (nor any call after it).
    pub async fn start_hung(address: &str) -> NotificationServer {
        NotificationServer::start_with(address, true).await
    }

    async fn start_with(address: &str, hung: bool) -> NotificationServer {
        let state = Arc::new(Mutex::new(State {
            next_id: 1,
            known: HashMap::new(),
        }));
        let (received_tx, received) = mpsc::unbounded_channel();
        let (closes_tx, closes) = mpsc::unbounded_channel();
        let iface = NotificationsIface {
            state: Arc::clone(&state),
            received: received_tx,
            closes: closes_tx,
            hung,
        };
        let conn = zbus::connection::Builder::address(address)
            .serve_at(PATH, iface)
            .name(NAME)
            .build()
            .await
            .unwrap_or_else(|e| panic!("starting the test notification server on {address}: {e}"));
        NotificationServer {
            conn,
            state,
            received,
            closes,
        }
    }

    /// The next `Notify` call received (in order of arrival), waiting up to `timeout`; `None` if
    /// none arrived in time.
    pub async fn next(&mut self, timeout: Duration) -> Option<Received> {
        tokio::time::timeout(timeout, self.received.recv())
            .await
            .ok()
            .flatten()
    }

    /// The id passed to the next `CloseNotification` call received, waiting up to `timeout`;
    /// `None` if none arrived in time.
    pub async fn next_close(&mut self, timeout: Duration) -> Option<u32> {
        tokio::time::timeout(timeout, self.closes.recv())
            .await
            .ok()
            .flatten()
            .map(|(id, _caller)| id)
    }

    /// Whether no `Notify` call has been received and not yet taken by [`Self::next`]. Says
    /// nothing about calls still on their way; to assert that nothing arrives, wait with
    /// [`Self::next`] instead.
    pub fn is_drained(&self) -> bool {
        self.received.is_empty()
    }

    /// The unique bus name of the server's connection.
    pub fn unique_name(&self) -> String {
        self.conn
            .unique_name()
            .map(|n| n.to_string())
            .expect("a bus connection has a unique name")
    }

    /// Act as the user clicking action `action_key` of notification `id`: emit
    /// `ActionInvoked(id, action_key)` and then `NotificationClosed(id, 2)`, both addressed to
    /// the unique name that sent the notification (unicast, as dunst does).
    ///
    /// # Panics
    ///
    /// If the server never returned `id`, or the signals can't be sent.
    pub async fn invoke_action(&self, id: u32, action_key: &str) {
        let target = self.take_open(id);
        let emitter = self.emitter().await;
        let emitter = unicast(&emitter, &target).expect("the sender is a valid bus name");
        emitter
            .action_invoked(id, action_key)
            .await
            .expect("emitting ActionInvoked");
        emitter
            .notification_closed(id, REASON_DISMISSED)
            .await
            .expect("emitting NotificationClosed");
    }

    /// Act as the notification going away without an action: emit `NotificationClosed(id,
    /// reason)` (see the `REASON_*` constants), addressed to the unique name that sent it.
    ///
    /// # Panics
    ///
    /// If the server never returned `id`, or the signal can't be sent.
    pub async fn close(&self, id: u32, reason: u32) {
        let target = self.take_open(id);
        let emitter = self.emitter().await;
        unicast(&emitter, &target)
            .expect("the sender is a valid bus name")
            .notification_closed(id, reason)
            .await
            .expect("emitting NotificationClosed");
    }

    /// Release the name and close the connection, so the bus has no notification server any
    /// more. The name is released (the bus has confirmed it) before this returns.
    ///
    /// # Panics
    ///
    /// If the bus refuses to release the name.
    pub async fn stop(self) {
        let released = self
            .conn
            .release_name(NAME)
            .await
            .expect("releasing org.freedesktop.Notifications");
        assert!(
            released,
            "the test notification server did not own its name"
        );
        // Closing can only fail if the socket is already gone, which is what we want anyway.
        let _ = self.conn.close().await;
    }

    /// Mark notification `id` closed and return the unique name that sent it.
    fn take_open(&self, id: u32) -> String {
        let mut state = self.state.lock().expect("notification state lock poisoned");
        let known = state
            .known
            .get_mut(&id)
            .unwrap_or_else(|| panic!("the test notification server never returned id {id}"));
        known.open = false;
        known.sender.clone()
    }

    /// The signal emitter of the served object.
    async fn emitter(&self) -> SignalEmitter<'static> {
        let iface: InterfaceRef<NotificationsIface> = self
            .conn
            .object_server()
            .interface(PATH)
            .await
            .expect("the notification interface is served");
        iface.signal_emitter().clone()
    }
}
