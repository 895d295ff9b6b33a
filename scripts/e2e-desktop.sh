#!/usr/bin/env bash
# End-to-end test on a real, if virtual, desktop: habitd shows a reminder
# through dunst on an Xvfb screen, dunst itself presses the reminder's Done
# button, and habitd records it. Also takes docs/notification.png, the
# screenshot the README shows.
#
#   scripts/e2e-desktop.sh
#
# Needs (Debian/Ubuntu): apt-get install dbus-daemon dunst xvfb x11-utils
# imagemagick systemd python3 fonts-dejavu-core. Builds with
# `cargo build --release`, or tests HABITD_BIN if that is set. Runs as any
# user, without DISPLAY, stdin or a session bus of its own; starts all it
# needs on a free display and a private bus, and stops it all on exit.
#
# What dunst 1.9 can and cannot do, which shapes the steps below:
# - `dunstctl history` lists only notifications that were closed, never one
#   still on screen or one replaced by a newer one, and it has no actions
#   field. So the reminder's buttons are read from the Notify call on the bus
#   (busctl monitor), and the reminder is closed before reading the history.
# - A closed notification's buttons are dead, so a second reminder, brought
#   by `habitd snooze water 2s`, is the one whose Done is pressed.
# - `dunstctl action 0` invokes the first notification's default action,
#   which the rule below (`action_name = done`) makes Done, with no menu.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
screenshot=$repo/docs/notification.png

title="Drink a glass of water"
body="Electrolytes matter too: potassium, calcium & magnesium."

say() { printf 'e2e-desktop: %s\n' "$*"; }
fail() { say "FAIL: $*" >&2; exit 1; }

# Any unexpected failure names the command and line that failed.
trap 'say "FAIL: line $LINENO${FUNCNAME:+ (in ${FUNCNAME[0]}, from line ${BASH_LINENO[0]})}: \`$BASH_COMMAND\` failed" >&2' ERR

for tool in Xvfb xdpyinfo xwininfo dbus-daemon dbus-send busctl dunst dunstctl import identify python3; do
  command -v "$tool" >/dev/null ||
    fail "$tool not found; apt-get install dbus-daemon dunst xvfb x11-utils imagemagick systemd python3 fonts-dejavu-core"
done

if [ -n "${HABITD_BIN:-}" ]; then
  bin=$HABITD_BIN
else
  cargo build --release --quiet
  bin=$repo/target/release/habitd
fi
[ -x "$bin" ] || fail "no habitd binary at $bin"

work=$(mktemp -d "${TMPDIR:-/tmp}/habitd-e2e.XXXXXX")
e2e_logs=(habitd dunst xvfb)
# shellcheck source=scripts/e2e-lib.sh
source "$repo/scripts/e2e-lib.sh"

# The checks on JSON, in one small Python program: `check NAME ARGS...`
# prints what it verified, or exits non-zero saying what is wrong.
cat >"$work/check.py" <<'PY'
import json, sys

def escaped(text):  # what habitd sends: its text escaped for server markup
    for a, b in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&apos;")):
        text = text.replace(a, b)
    return text

def starts(what, got, first):  # a reminder's body: the habit's body, then progress lines
    if got != first and not got.startswith(first + "\n"):
        sys.exit(f"{what}: got {got!r}, want {first!r} and maybe more lines")

def expect(what, got, want):
    if got != want:
        sys.exit(f"{what}: got {got!r}, want {want!r}")

def bus(path):  # busctl monitor --json=short: one message a line
    with open(path) as f:
        return [json.loads(line) for line in f if line.startswith("{")]

def notify_calls(path):
    return [m for m in bus(path) if m["type"] == "method_call" and m.get("member") == "Notify"]

def reminder_sent(path, title, body):
    """habitd's first Notify: app, summary, escaped body, buttons, hints."""
    calls = notify_calls(path)
    if not calls:
        sys.exit("no Notify call seen on the bus")
    app, _replaces, _icon, summary, text, actions, hints, _timeout = calls[0]["payload"]["data"]
    expect("Notify app name", app, "habitd")
    # dunst takes the summary as plain text (it would show "&amp;" as is),
    # so it must arrive as written; this title has nothing to escape.
    expect("Notify summary", summary, title)
    starts("Notify body", text, escaped(body))
    expect("Notify actions", actions,
           ["done", "Done", "snooze", "Snooze 10m", "skip", "Skip today"])
    expect("Notify hint category", hints.get("category", {}).get("data"), "reminder")
    expect("Notify hint desktop-entry", hints.get("desktop-entry", {}).get("data"), "habitd")
    print(f"reminder sent: {summary!r} with buttons Done / Snooze 10m / Skip today")

def history(path, title, body):
    """dunst's history holds the closed reminder as dunst received it."""
    with open(path) as f:
        entries = [{k: v["data"] for k, v in n.items()} for n in json.load(f)["data"][0]]
    ours = [n for n in entries if n.get("appname") == "habitd"]
    if len(ours) != 1:
        sys.exit(f"want 1 habitd notification in dunst's history, got {len(ours)}: {entries}")
    n = ours[0]
    expect("history summary", n["summary"], title)
    # dunst keeps the body as received, in markup: escaped, and shown as written.
    starts("history body", n["body"], escaped(body))
    for word in ("potassium", "calcium", "magnesium"):
        if word not in n["body"]:
            sys.exit(f"history body lacks {word!r}: {n['body']!r}")
    expect("history category", n["category"], "reminder")
    expect("history default action (the dunst rule)", n["default_action_name"], "done")
    print(f"dunst history: appname habitd, summary {n['summary']!r}, body {n['body']!r}")

def done_in_status(path, want):
    with open(path) as f:
        habits = {h["habit"]: h for h in json.load(f)["habits"]}
    return habits["water"]["done"] == int(want)

def pressed(path, dunst):
    """dunst (and no one else) sent ActionInvoked(id, "done"), and habitd
    answered by replacing that notification with the day's progress."""
    messages = bus(path)
    invoked = [m for m in messages if m.get("member") == "ActionInvoked"]
    if len(invoked) != 1:
        sys.exit(f"want 1 ActionInvoked signal, got {len(invoked)}")
    expect("ActionInvoked sender", invoked[0]["sender"], dunst)
    nid, key = invoked[0]["payload"]["data"]
    expect("ActionInvoked action", key, "done")
    after = [m["payload"]["data"] for m in notify_calls(path) if m["payload"]["data"][1] == nid]
    if not after:
        sys.exit(f"habitd did not replace notification {nid} after Done")
    expect("progress summary", after[-1][3], "💧 1/8 glasses today")
    print(f"dunst pressed Done on notification {nid}; habitd replaced it with {after[-1][3]!r}")

def logged(path):
    with open(path) as f:
        rows = [r for r in json.load(f) if r["kind"] == "done"]
    expect("done events (amount, source)", [(r["amount"], r["source"]) for r in rows],
           [(1, "notification")])
    print("history: water done 1 (notification)")

check, *args = sys.argv[1:]
result = {"reminder-sent": reminder_sent, "history": history, "done-in-status": done_in_status,
          "pressed": pressed, "logged": logged}[check](*args)
sys.exit(0 if result is None or result else 1)
PY
# The interpreter itself, not a shim that might look for itself under $HOME.
python=$(python3 -c 'import sys; print(sys.executable)')
check() { "$python" "$work/check.py" "$@"; }

# 1. A virtual screen on a free display.
display=
for n in $(seq 90 120); do
  if [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ]; then continue; fi
  Xvfb ":$n" -screen 0 1024x768x24 -nolisten tcp -br -noreset >"$work/xvfb.log" 2>&1 &
  started Xvfb
  xvfb=$!
  for _ in $(seq 50); do
    exited "$xvfb" && break # another server took :$n first
    if xdpyinfo -display ":$n" >/dev/null 2>&1 && ! exited "$xvfb"; then
      display=:$n
      break 2
    fi
    sleep 0.1
  done
  stop "$xvfb" || true
  pids=()
done
[ -n "$display" ] || fail "no free X display in :90..:120, or Xvfb would not start: $(cat "$work/xvfb.log")"
say "Xvfb on $display"

# From here on everything sees only the temporary home, config and bus.
mkdir -p "$work/home" "$work/config/habitd" "$work/data" "$work/state"
export HOME=$work/home XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data XDG_STATE_HOME=$work/state
unset DISPLAY XAUTHORITY

# 2. A private session bus.
dbus-daemon --session --nofork --nopidfile --print-address=3 3>"$work/bus" 2>"$work/dbus.log" &
started dbus-daemon
wait_for "the session bus address" 50 grep -qs . "$work/bus"
DBUS_SESSION_BUS_ADDRESS=$(head -n1 "$work/bus")
export DBUS_SESSION_BUS_ADDRESS

# 3. dunst, with a config of its own so no user's dunstrc matters.
cat >"$work/dunstrc" <<'INI'
[global]
    width = 560
    origin = top-right
    offset = 20x20
    notification_limit = 5
    font = DejaVu Sans 12
    markup = full
    format = "<b>%s</b>\n%b"
    alignment = left
    show_indicators = yes
    show_age_threshold = -1
    padding = 12
    horizontal_padding = 14
    frame_width = 2
    history_length = 50
    # Never open a menu or a browser: nobody is there to choose.
    dmenu = /bin/false
    browser = /bin/false

[urgency_low]
    background = "#2e3440"
    foreground = "#eceff4"
    frame_color = "#88c0d0"
    timeout = 0

[urgency_normal]
    background = "#2e3440"
    foreground = "#eceff4"
    frame_color = "#88c0d0"
    timeout = 0

[urgency_critical]
    background = "#3b2e33"
    foreground = "#eceff4"
    frame_color = "#bf616a"
    timeout = 0

# `dunstctl action` (and a middle click) presses Done on habitd's reminders.
[habitd-done]
    appname = habitd
    action_name = done
INI
DISPLAY=$display dunst -config "$work/dunstrc" >"$work/dunst.log" 2>&1 &
started dunst
name_has_owner() {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner "string:$1" 2>/dev/null | grep -q 'boolean true'
}
wait_for "dunst on the bus" 50 name_has_owner org.freedesktop.Notifications
dunst_name=$(dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
  org.freedesktop.DBus.GetNameOwner string:org.freedesktop.Notifications | tr -d ' ')
say "$(dunst --version 2>&1 | head -n1)"

# Every message of the notification protocol, as JSON, from before habitd
# starts; a probe signal shows when the monitor is listening.
busctl --address="$DBUS_SESSION_BUS_ADDRESS" monitor --json=short \
  --match "interface='org.freedesktop.Notifications'" >"$work/bus.json" 2>"$work/busctl.log" &
started "busctl monitor"
probe() {
  dbus-send --session --type=signal /org/freedesktop/Notifications org.freedesktop.Notifications.E2eProbe
  grep -q E2eProbe "$work/bus.json"
}
wait_for "busctl monitor" 50 probe

# 4. habitd, with one reminder due in about 3 s.
due=$(date -u -d '+3 seconds' +%H:%M:%S)
cat >"$XDG_CONFIG_HOME/habitd/config.toml" <<TOML
[settings]
timezone = "UTC"

[habits.water]
title = "$title"
emoji = "💧"
body = "$body"
at = "$due"
goal = { count = 8, unit = "glasses" }
TOML
"$bin" -v run 2>"$work/habitd.log" &
started habitd
habitd=$!
say "habitd run, reminder due at $due UTC"

# 5. The reminder on screen.
displayed() { [ "$(dunstctl count displayed)" -ge "$1" ]; }
wait_for "the reminder on screen" 150 displayed 1
check reminder-sent "$work/bus.json" "$title" "$body"

# 6. The screenshot: just dunst's window, else the screen's top-right corner.
# Stripped of dates, so an unchanged picture is an unchanged file.
shoot() {
  local window png=(-strip -define png:exclude-chunks=date,time)
  window=$(xwininfo -display "$display" -root -tree | awk '/"Dunst"/ { print $1; exit }')
  if [ -n "$window" ] && import -display "$display" -window "$window" "${png[@]}" "$1" 2>>"$work/import.log"; then
    return 0
  fi
  import -display "$display" -window root -crop 600x220+424+0 +repage "${png[@]}" "$1" 2>>"$work/import.log"
}
# dunst counts a notification displayed as it maps its window; give it a
# moment to paint (a blank picture has one or two colours).
painted() { shoot "$1" && [ "$(identify -format %k "$1" 2>/dev/null || echo 0)" -gt 2 ]; }
shot=$work/notification.png
for _ in $(seq 20); do painted "$shot" && break; sleep 0.1; done
[ -s "$shot" ] || fail "no screenshot: $(cat "$work/import.log" 2>/dev/null)"
painted "$shot" || say "warning: the screenshot looks blank" >&2
# Replaced in one step, so a concurrent run never sees half a file.
mkdir -p "$(dirname "$screenshot")"
cp "$shot" "$screenshot.$$"
mv -f "$screenshot.$$" "$screenshot"
say "screenshot: ${screenshot#"$repo"/} ($(wc -c <"$screenshot") bytes)"

# Closed, the reminder goes to dunst's history, as dunst received it.
dunstctl close
in_history() { dunstctl history >"$work/history.json" && grep -q '"habitd"' "$work/history.json"; }
wait_for "the reminder in dunst's history" 50 in_history
check history "$work/history.json" "$title" "$body"

# 7. A second reminder, and dunst presses its Done button.
"$bin" snooze water 2s
wait_for "the snoozed reminder on screen" 100 displayed 1
dunstctl action 0
water_done() { "$bin" status --json >"$work/status.json" && check done-in-status "$work/status.json" 1; }
wait_for "water done 1 in habitd status" 50 water_done
say "habitd status: water done 1"
wait_for "habitd's progress notification" 50 check pressed "$work/bus.json" "$dunst_name"
"$bin" log water --json >"$work/log.json"
check logged "$work/log.json"

# 8. habitd stops cleanly on SIGTERM.
others=()
for pid in "${pids[@]}"; do [ "$pid" = "$habitd" ] || others+=("$pid"); done
pids=("${others[@]}")
rc=0
stop "$habitd" || rc=$?
[ "$rc" -ne 137 ] || fail "habitd did not exit within 5 s of SIGTERM"
[ "$rc" -eq 0 ] || fail "habitd exited with $rc on SIGTERM, want 0"
say "habitd exited 0 on SIGTERM"
