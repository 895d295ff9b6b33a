//! Self-test of the integration-test harness in `support`: a private bus and the test
//! notification server, exercised by a plain zbus client as a real application would.

use std::{collections::HashMap, time::Duration};

use crate::support::{DbusSession, NotificationServer};
use futures_lite::StreamExt;
use zbus::Variant;

/// How long any single expected event may take.
const WAIT: Duration = Duration::from_secs(10);

/// The client side of the freedesktop notifications protocol, as an application sees it.
#[zbus::proxy(
    interface = "org.freedesktop.Notifications",
    default_service = "org.freedesktop.Notifications",
    default_path = "/org/freedesktop/Notifications"
)]
trait Notifications {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: &str,
        replaces_id: u32,
        app_icon: &str,
        summary: &str,
        body: &str,
        actions: &[&str],
        hints: HashMap<&str, Variant<'_>>,
        expire_timeout: i32,
    ) -> zbus::Result<u32>;

    fn get_capabilities(&self) -> zbus::Result<Vec<String>>;

    fn get_server_information(&self) -> zbus::Result<(String, String, String, String)>;

    #[zbus(signal)]
    fn action_invoked(&self, id: u32, action_key: String) -> zbus::Result<()>;

    #[zbus(signal)]
    fn notification_closed(&self, id: u32, reason: u32) -> zbus::Result<()>;
}

/// Send the self-test's notification with `replaces_id`.
async fn notify(proxy: &NotificationsProxy<'_>, replaces_id: u32) -> zbus::Result<u32> {
    let hints = HashMap::from([
        ("urgency", Variant::from(2u8)),
        ("desktop-entry", Variant::from("habitd")),
    ]);
    proxy
        .notify(
            "t",
            replaces_id,
            "",
            "hello",
            "world",
            &["done", "Done"],
            hints,
            5000,
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notification_server_speaks_the_protocol() {
    let bus = DbusSession::start();
    let mut server = NotificationServer::start(bus.address()).await;

    let client = zbus::connection::Builder::address(bus.address())
        .build()
        .await
        .expect("connecting a client to the test bus");
    let client_name = client
        .unique_name()
        .expect("a bus connection has a unique name")
        .to_string();
    let proxy = NotificationsProxy::new(&client)
        .await
        .expect("creating the notifications proxy");

    assert_eq!(
        proxy.get_capabilities().await.expect("GetCapabilities"),
        ["actions", "body", "body-markup", "persistence"]
    );
    let (name, _vendor, _version, spec) = proxy
        .get_server_information()
        .await
        .expect("GetServerInformation");
    assert_eq!(name, "habitd-test-notifications");
    assert_eq!(spec, "1.2");

    // A new notification gets id 1, and every field arrives as sent.
    let id = notify(&proxy, 0).await.expect("the first Notify");
    assert_eq!(id, 1);
    let got = server.next(WAIT).await.expect("the server records Notify");
    assert_eq!(got.id, 1);
    assert_eq!(got.app_name, "t");
    assert_eq!(got.replaces_id, 0);
    assert_eq!(got.summary, "hello");
    assert_eq!(got.body, "world");
    assert_eq!(got.actions, ["done", "Done"]);
    assert_eq!(got.action_keys(), ["done"]);
    assert_eq!(got.urgency, Some(2));
    assert_eq!(got.desktop_entry.as_deref(), Some("habitd"));
    assert_eq!(got.expire_timeout, 5000);
    assert_eq!(got.sender, client_name);
    assert!(got.hints.contains_key("urgency"), "hints: {:?}", got.hints);

    // Replacing keeps the id.
    let id = notify(&proxy, 1).await.expect("the replacing Notify");
    assert_eq!(id, 1);
    let got = server.next(WAIT).await.expect("the server records Notify");
    assert_eq!((got.id, got.replaces_id), (1, 1));

    // Invoking an action reaches the sender (unicast), followed by the close.
    let mut invoked = proxy
        .receive_action_invoked()
        .await
        .expect("subscribing to ActionInvoked");
    let mut closed = proxy
        .receive_notification_closed()
        .await
        .expect("subscribing to NotificationClosed");
    server.invoke_action(1, "done").await;
    let signal = tokio::time::timeout(WAIT, invoked.next())
        .await
        .expect("ActionInvoked arrives in time")
        .expect("the ActionInvoked stream goes on");
    assert_eq!(
        signal
            .message()
            .header()
            .destination()
            .map(|d| d.to_string()),
        Some(client_name.clone()),
        "ActionInvoked is addressed to the notification's sender"
    );
    let args = signal.args().expect("ActionInvoked arguments");
    assert_eq!((args.id, args.action_key.as_str()), (1, "done"));
    let signal = tokio::time::timeout(WAIT, closed.next())
        .await
        .expect("NotificationClosed arrives in time")
        .expect("the NotificationClosed stream goes on");
    let args = signal.args().expect("NotificationClosed arguments");
    assert_eq!(
        (args.id, args.reason),
        (1, crate::support::REASON_DISMISSED)
    );

    // Once stopped, nobody serves notifications on the bus any more.
    server.stop().await;
    let err = notify(&proxy, 0)
        .await
        .expect_err("Notify fails once the server has stopped");
    assert!(
        matches!(
            &err,
            zbus::Error::FDO(e)
                if matches!(
                    **e,
                    zbus::fdo::Error::ServiceUnknown(_) | zbus::fdo::Error::NameHasNoOwner(_)
                )
        ),
        "expected ServiceUnknown or NameHasNoOwner, got {err:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_notification_is_recorded_and_signalled() {
    let bus = DbusSession::start();
    let mut server = NotificationServer::start(bus.address()).await;
    let client = zbus::connection::Builder::address(bus.address())
        .build()
        .await
        .expect("connecting a client to the test bus");
    let proxy = NotificationsProxy::new(&client)
        .await
        .expect("creating the notifications proxy");

    let first = notify(&proxy, 0).await.expect("Notify");
    let second = notify(&proxy, 0).await.expect("Notify");
    assert_eq!((first, second), (1, 2), "ids increase from 1");
    assert_eq!(server.next(WAIT).await.map(|r| r.id), Some(1));
    assert_eq!(server.next(WAIT).await.map(|r| r.id), Some(2));

    let mut closed = proxy
        .receive_notification_closed()
        .await
        .expect("subscribing to NotificationClosed");
    proxy
        .inner()
        .call_method("CloseNotification", &(2u32,))
        .await
        .expect("CloseNotification");
    assert_eq!(server.next_close(WAIT).await, Some(2));
    let signal = tokio::time::timeout(WAIT, closed.next())
        .await
        .expect("NotificationClosed arrives in time")
        .expect("the NotificationClosed stream goes on");
    let args = signal.args().expect("NotificationClosed arguments");
    assert_eq!((args.id, args.reason), (2, crate::support::REASON_CLOSED));

    // Nothing else was sent: a short wait sees no further Notify.
    assert!(server.next(Duration::from_millis(200)).await.is_none());
}

#[test]
fn cron_due_in_names_a_whole_second_ahead() {
    use std::time::{SystemTime, UNIX_EPOCH};

    let before = SystemTime::now();
    let (expr, due) = crate::support::cron_due_in(5, &jiff::tz::TimeZone::UTC);
    let ahead = due.duration_since(before).expect("due is in the future");
    assert!(
        ahead >= Duration::from_secs(5) && ahead <= Duration::from_secs(7),
        "due {ahead:?} from now"
    );
    let secs = due
        .duration_since(UNIX_EPOCH)
        .expect("due is after 1970")
        .as_secs();
    assert_eq!(
        due.duration_since(UNIX_EPOCH)
            .expect("due is after 1970")
            .subsec_nanos(),
        0
    );
    let expected = format!(
        "{} {} {} * * *",
        secs % 60,
        secs / 60 % 60,
        secs / 3600 % 24
    );
    assert_eq!(expr, expected);
}

#[test]
fn test_home_lays_out_xdg_dirs() {
    let home = crate::support::TestHome::new();
    let config = home.write_config("timezone = \"UTC\"\n");
    assert_eq!(config, home.config_dir().join("config.toml"));
    assert!(config.starts_with(home.config_home()));
    assert_eq!(
        std::fs::read_to_string(&config).expect("reading config.toml back"),
        "timezone = \"UTC\"\n"
    );
    for dir in [
        home.home_dir(),
        home.data_home(),
        home.state_home(),
        home.runtime_dir(),
    ] {
        assert!(dir.is_dir(), "{} exists", dir.display());
    }
}

/// A shell that writes to both output streams and exits 3 on SIGTERM (ending its `sleep` too, so
/// its output closes), standing in for a daemon.
fn sh_daemon() -> std::process::Child {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(
            "trap 'echo got-term >&2; kill $!; exit 3' TERM; \
             echo out-line; echo err-line >&2; echo ready >&2; \
             while :; do sleep 100 & wait $!; done",
        )
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawning sh")
}

#[test]
fn process_plumbing_follows_lines_and_terminates() {
    use crate::support::process::{Lines, LinesEnded, Waiter};

    let mut child = sh_daemon();
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let mut lines = Lines::read(vec![
        Box::new(stderr) as Box<dyn std::io::Read + Send>,
        Box::new(stdout),
    ]);
    let mut waiter = Waiter::new(child);

    assert_eq!(lines.next_matching("ready", WAIT), Ok("ready".to_owned()));
    assert_eq!(
        lines.next_matching("never printed", Duration::from_millis(100)),
        Err(LinesEnded::Timeout)
    );
    assert_eq!(waiter.try_status(), None, "still running");

    waiter.signal("TERM");
    let status = waiter.wait(WAIT).expect("sh exits on SIGTERM");
    assert_eq!(status.code(), Some(3));
    assert!(lines.wait_closed(WAIT), "output closes once sh exited");
    assert_eq!(lines.next_matching("got-term", WAIT), Ok("got-term".into()));
    assert_eq!(lines.next_matching("x", WAIT), Err(LinesEnded::Closed));
    let log = lines.log();
    for line in ["out-line", "err-line", "ready", "got-term"] {
        assert!(log.lines().any(|l| l == line), "{line:?} in log {log:?}");
    }
}

#[test]
fn process_plumbing_kills_what_ignores_sigterm() {
    use crate::support::process::{Lines, Waiter};
    use std::os::unix::process::ExitStatusExt;

    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg("trap '' TERM; echo ready >&2; exec sleep 1000")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawning sh");
    let mut lines = Lines::read(vec![child.stderr.take().expect("stderr is piped")]);
    let mut waiter = Waiter::new(child);
    // Only once the trap is set does SIGTERM get ignored.
    assert_eq!(lines.next_matching("ready", WAIT), Ok("ready".to_owned()));
    waiter.signal("TERM");
    assert_eq!(
        waiter.wait(Duration::from_millis(300)),
        None,
        "SIGTERM ignored"
    );
    let status = waiter.kill(WAIT).expect("SIGKILL ends it");
    assert_eq!(status.signal(), Some(9));
}
