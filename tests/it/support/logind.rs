//! A test logind: the parts of `org.freedesktop.login1` habitd reads, on a
//! test bus standing in for the system bus. The manager answers
//! `GetSession("auto")` with one session's path, and that session has the
//! real `LockedHint` and `IdleHint` properties, whose changes are announced
//! with `PropertiesChanged` as logind does.

use zbus::{
    Connection, OwnedObjectPath, interface,
    object_server::{InterfaceRef, SignalEmitter},
};

const NAME: &str = "org.freedesktop.login1";
const MANAGER_PATH: &str = "/org/freedesktop/login1";
/// Session "1", its id escaped as logind escapes it.
const SESSION_PATH: &str = "/org/freedesktop/login1/session/_31";

struct ManagerIface;

#[interface(name = "org.freedesktop.login1.Manager")]
impl ManagerIface {
    /// The session with id `id`; only "auto" (the caller's, or the user's
    /// graphical session) is known here.
    async fn get_session(&self, id: &str) -> zbus::fdo::Result<OwnedObjectPath> {
        if id == "auto" {
            Ok(OwnedObjectPath::try_from(SESSION_PATH).expect("a valid object path"))
        } else {
            Err(zbus::fdo::Error::Failed(format!("no session {id:?}")))
        }
    }
}

struct SessionIface {
    locked: bool,
    idle: bool,
}

#[interface(name = "org.freedesktop.login1.Session")]
impl SessionIface {
    #[zbus(property)]
    async fn locked_hint(&self) -> bool {
        self.locked
    }

    #[zbus(property)]
    async fn idle_hint(&self) -> bool {
        self.idle
    }
}

/// A logind on a test bus, owning its well-known name; gone when dropped.
pub struct Logind {
    conn: Connection,
}

impl Logind {
    /// Serves logind on the bus at `address`, its session unlocked and not
    /// idle.
    pub async fn start(address: &str) -> Logind {
        let session = SessionIface {
            locked: false,
            idle: false,
        };
        let conn = zbus::connection::Builder::address(address)
            .serve_at(MANAGER_PATH, ManagerIface)
            .serve_at(SESSION_PATH, session)
            .name(NAME)
            .build()
            .await
            .unwrap_or_else(|e| panic!("starting the test logind on {address}: {e}"));
        Logind { conn }
    }

    async fn session(&self) -> InterfaceRef<SessionIface> {
        self.conn
            .object_server()
            .interface(SESSION_PATH)
            .await
            .expect("the session is served")
    }

    /// Sets the session's `LockedHint`, announcing the change.
    pub async fn set_locked(&self, locked: bool) {
        let session = self.session().await;
        let mut iface = session.get_mut().await;
        iface.locked = locked;
        let emitter: &SignalEmitter<'_> = session.signal_emitter();
        iface
            .locked_hint_changed(emitter)
            .await
            .expect("emitting PropertiesChanged");
    }

    /// Sets the session's `IdleHint`, announcing the change.
    pub async fn set_idle(&self, idle: bool) {
        let session = self.session().await;
        let mut iface = session.get_mut().await;
        iface.idle = idle;
        iface
            .idle_hint_changed(session.signal_emitter())
            .await
            .expect("emitting PropertiesChanged");
    }
}
