//! A test screen saver speaking `org.freedesktop.ScreenSaver`, the interface
//! KDE, GNOME (as a compatibility name) and xfce4-screensaver offer on the
//! session bus: `GetActive` answers whether the screen is locked, and
//! `ActiveChanged(bool)` is emitted when that changes.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use zbus::{
    Connection, interface,
    object_server::{InterfaceRef, SignalEmitter},
};

const NAME: &str = "org.freedesktop.ScreenSaver";
const PATH: &str = "/org/freedesktop/ScreenSaver";

/// The served object.
struct ScreenSaverIface {
    active: Arc<AtomicBool>,
}

#[interface(name = "org.freedesktop.ScreenSaver")]
impl ScreenSaverIface {
    /// Whether the screen saver (the lock) is active.
    async fn get_active(&self) -> bool {
        self.active.load(Ordering::SeqCst)
    }

    #[zbus(signal)]
    async fn active_changed(emitter: &SignalEmitter<'_>, active: bool) -> zbus::Result<()>;
}

/// A screen saver on a test bus, owning its well-known name; gone when
/// dropped.
pub struct ScreenSaver {
    conn: Connection,
    active: Arc<AtomicBool>,
}

impl ScreenSaver {
    /// Serves a screen saver on the bus at `address`, locked or not.
    pub async fn start(address: &str, active: bool) -> ScreenSaver {
        let active = Arc::new(AtomicBool::new(active));
        let iface = ScreenSaverIface {
            active: Arc::clone(&active),
        };
        let conn = zbus::connection::Builder::address(address)
            .serve_at(PATH, iface)
            .name(NAME)
            .build()
            .await
            .unwrap_or_else(|e| panic!("starting the test screen saver on {address}: {e}"));
        ScreenSaver { conn, active }
    }

    /// Locks (`true`) or unlocks the screen: answers `GetActive` so from now
    /// on, and emits `ActiveChanged`, as a real screen saver does.
    pub async fn set_active(&self, active: bool) {
        self.active.store(active, Ordering::SeqCst);
        let iface: InterfaceRef<ScreenSaverIface> = self
            .conn
            .object_server()
            .interface(PATH)
            .await
            .expect("the screen saver interface is served");
        ScreenSaverIface::active_changed(iface.signal_emitter(), active)
            .await
            .expect("emitting ActiveChanged");
    }
}
