#!/usr/bin/env bash
# End-to-end test of sync through real Syncthing: two Syncthing instances on
# 127.0.0.1, each with a home and ports of its own, introduced to each other
# over their REST API by their generated device ids, share one folder; two
# habitd daemons (A and B), each with its own history and session bus, sync
# through it. A `done` on A must be counted in B's `status --json` within
# 60 s; the script prints how long the file took to reach B's folder and how
# long until B counted it. B's `sync status` must name A, and A's must show
# B up to date, which takes B's word back through Syncthing.
#
#   scripts/e2e-sync.sh
#
# Needs (Debian/Ubuntu): apt-get install syncthing dbus-daemon iproute2
# python3. Builds with `cargo build --release`, or tests HABITD_BIN if that is
# set. Runs without DISPLAY, stdin or a session bus of its own, and stops all
# it started on exit.
#
# No traffic leaves 127.0.0.1, not even at Syncthing's first start: each home
# is generated with `syncthing generate`, and its config.xml is edited before
# the first `serve` (GUI, REST and the one listen address on 127.0.0.1;
# discovery, relays, NAT, usage and crash reports and upgrades off). Where it
# may (as root, or with user namespaces), the script also runs in a network
# namespace of its own that has only a loopback interface, so a setting
# missed would fail rather than reach the internet; and at the end it checks
# that every socket either Syncthing holds is on 127.0.0.1.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

say() { printf 'e2e-sync: %s\n' "$*"; }
fail() { say "FAIL: $*" >&2; exit 1; }

# Any unexpected failure names the command and line that failed.
trap 'say "FAIL: line $LINENO${FUNCNAME:+ (in ${FUNCNAME[0]}, from line ${BASH_LINENO[0]})}: \`$BASH_COMMAND\` failed" >&2' ERR

for tool in syncthing dbus-daemon ip ss unshare python3; do
  command -v "$tool" >/dev/null || fail "$tool not found; apt-get install syncthing dbus-daemon iproute2 python3"
done

if [ -n "${HABITD_BIN:-}" ]; then
  bin=$HABITD_BIN
else
  cargo build --release --quiet
  bin=${CARGO_TARGET_DIR:-$repo/target}/release/habitd
fi
[ -x "$bin" ] || fail "no habitd binary at $bin"

# Once, from outside: the same script again in a network namespace with only
# loopback; as root, or else as root of a user namespace of its own where the
# kernel allows one. The namespace is recognised by its id, not by a flag
# anyone could set.
here_net=$(readlink /proc/self/ns/net)
if [ -z "${E2E_SYNC_OUTER_NET:-}" ]; then
  for how in "--net" "--net --map-root-user"; do
    read -ra netns <<<"unshare $how"
    if "${netns[@]}" true 2>/dev/null; then
      E2E_SYNC_OUTER_NET=$here_net HABITD_BIN=$bin exec "${netns[@]}" -- "$0" "$@"
    fi
  done
fi
if [ -n "${E2E_SYNC_OUTER_NET:-}" ] && [ "$here_net" != "$E2E_SYNC_OUTER_NET" ]; then
  ip link set lo up
  say "in a network namespace of its own: loopback only"
else
  say "warning: no network namespace of its own (unshare --net needs root or user namespaces); Syncthing's config alone keeps it on 127.0.0.1" >&2
fi

# Syncthing dials through a proxy named in the environment, and Python's
# urllib would send the REST calls to one: neither may leave this machine.
unset http_proxy https_proxy all_proxy no_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY NO_PROXY
export STNODEFAULTFOLDER=1 STNOUPGRADE=1 STNORESTART=1

work=$(mktemp -d "${TMPDIR:-/tmp}/habitd-e2e-sync.XXXXXX")
export HOME=$work/home
mkdir -p "$HOME"
e2e_logs=(syncthing-a syncthing-b habitd-a habitd-b)
# shellcheck source=scripts/e2e-lib.sh
source "$repo/scripts/e2e-lib.sh"

# Milliseconds since $1, an $EPOCHREALTIME (with a point, whatever the
# locale, so that awk reads it).
export LC_NUMERIC=C
ms_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }'; }

# Syncthing's config and REST API, and the checks on JSON, in one small
# Python program: `helper NAME ARGS...` prints what it found, or exits
# non-zero saying what is missing.
cat >"$work/helper.py" <<'PY'
import json, secrets, socket, sys, urllib.request
import xml.etree.ElementTree as ET

def free_ports(n):
    """n distinct ports on 127.0.0.1 that were free a moment ago."""
    socks = [socket.socket() for _ in range(int(n))]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    print(" ".join(str(s.getsockname()[1]) for s in socks))
    for s in socks:
        s.close()

def api_key():
    print(secrets.token_urlsafe(24))

# Every option that would make Syncthing reach past this machine, and the
# URLs it would reach, pointed at a closed port here in case one is missed.
OFFLINE = {
    "globalAnnounceEnabled": "false", "localAnnounceEnabled": "false",
    "relaysEnabled": "false", "natEnabled": "false", "stunKeepaliveStartS": "0",
    "urAccepted": "-1", "crashReportingEnabled": "false", "autoUpgradeIntervalH": "0",
    "startBrowser": "false", "globalAnnounceServer": "127.0.0.1:9",
    "urURL": "http://127.0.0.1:9/", "releasesURL": "http://127.0.0.1:9/",
    "crashReportingURL": "http://127.0.0.1:9/",
}

def lock_down(path, gui_port, listen_port, key):
    """Edits a generated config.xml before Syncthing first reads it."""
    tree = ET.parse(path)
    root = tree.getroot()
    gui = root.find("gui")
    gui.set("tls", "false")
    gui.find("address").text = f"127.0.0.1:{gui_port}"
    gui.find("apikey").text = key
    options = root.find("options")
    for old in options.findall("listenAddress"):
        options.remove(old)
    ET.SubElement(options, "listenAddress").text = f"tcp://127.0.0.1:{listen_port}"
    for name, value in OFFLINE.items():
        element = options.find(name)
        if element is None:
            sys.exit(f"{path}: no <{name}> in <options>: is this Syncthing's config?")
        element.text = value
    for folder in root.findall("folder"):
        root.remove(folder)
    tree.write(path)

# No proxy, whatever the environment says: the API is on 127.0.0.1.
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

def rest(port, key, path, body=None):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers={"X-API-Key": key},
        data=None if body is None else json.dumps(body).encode(),
        method="GET" if body is None else "POST")
    with opener.open(request, timeout=5) as response:
        text = response.read()
    return json.loads(text) if text.strip() else None

def ping(port, key):
    got = rest(port, key, "/rest/system/ping")
    if got != {"ping": "pong"}:
        sys.exit(f"ping: got {got!r}")

def add_device(port, key, device, name, address):
    rest(port, key, "/rest/config/devices",
         {"deviceID": device, "name": name, "addresses": [address]})

def add_folder(port, key, folder, path, *devices):
    # The watcher sends a change within a second; the rescan is an hour
    # away, so nothing here can pass by rescanning.
    rest(port, key, "/rest/config/folders",
         {"id": folder, "label": folder, "path": path, "type": "sendreceive",
          "devices": [{"deviceID": d} for d in devices],
          "fsWatcherEnabled": True, "fsWatcherDelayS": 1, "rescanIntervalS": 3600})

def connected(port, key, device):
    got = rest(port, key, "/rest/system/connections")["connections"].get(device)
    if not got or not got.get("connected"):
        sys.exit(f"{device}: not connected: {got!r}")
    if not got["address"].startswith("127.0.0.1:"):
        sys.exit(f"{device}: connected from {got['address']}, want 127.0.0.1")
    print(got["address"])

def idle(port, key, folder):
    got = rest(port, key, f"/rest/db/status?folder={folder}")
    if got.get("state") != "idle" or got.get("needFiles") or got.get("errors"):
        sys.exit(f"folder {folder}: state {got.get('state')!r}, "
                 f"{got.get('needFiles')} files needed, {got.get('errors')} errors")

def only_loopback(ss_output, *pids):
    """Every TCP or UDP socket of these processes is on 127.0.0.1 (ss -Htuanp)."""
    ours = [line.split() for line in ss_output.splitlines()
            if any(f"pid={pid}," in line for pid in pids)]
    if not ours:
        sys.exit("ss shows no socket of Syncthing at all")
    for fields in ours:
        local, peer = fields[4], fields[5]
        if not local.startswith("127.0.0.1:") or peer.rsplit(":", 1)[0] not in ("127.0.0.1", "0.0.0.0", "*"):
            sys.exit(f"a socket off 127.0.0.1: {' '.join(fields)}")
    print(f"{len(ours)} sockets, all on 127.0.0.1")

def done_in_status(path, want):
    with open(path) as f:
        habits = {h["habit"]: h for h in json.load(f)["habits"]}
    if habits["water"]["done"] != int(want):
        sys.exit(f"water done {habits['water']['done']}, want {want}")

def device(path, id):
    with open(path) as f:
        devices = json.load(f)["devices"]
    found = [d for d in devices if d["id"] == id]
    if not found:
        sys.exit(f"sync status names no device {id}; it names {[d['id'] for d in devices]}")
    return found[0]

def seen(path, id, name, events):
    d = device(path, id)
    if (d["name"], d["events"]) != (name, int(events)):
        sys.exit(f"device {id}: name {d['name']!r} and {d['events']} event(s), want {name!r} and {events}")

def caught_up(path, id):
    d = device(path, id)
    if d["has_of_this_device"] is None or d["behind"] != 0:
        sys.exit(f"device {id}: has {d['has_of_this_device']} of this device's events, {d['behind']} behind")

check, *args = sys.argv[1:]
{"free-ports": free_ports, "api-key": api_key, "lock-down": lock_down, "ping": ping,
 "add-device": add_device, "add-folder": add_folder, "connected": connected, "idle": idle,
 "only-loopback": only_loopback, "done-in-status": done_in_status, "seen": seen,
 "caught-up": caught_up}[check](*args)
PY
# The interpreter itself, not a shim that might look for itself under $HOME.
python=$(python3 -c 'import sys; print(sys.executable)')
helper() { "$python" "$work/helper.py" "$@"; }

# 1. Two Syncthing homes, generated and locked down before their first start.
folder_id=habitd
declare -A gui key id folder
syncthing_pids=()
read -r gui_a gui_b listen_a listen_b < <(helper free-ports 4)
gui=([a]=$gui_a [b]=$gui_b)
declare -A listen=([a]=$listen_a [b]=$listen_b)
for dev in a b; do
  home=$work/syncthing-$dev
  syncthing generate --home="$home" --no-default-folder --skip-port-probing >"$work/syncthing-$dev.log" 2>&1
  key[$dev]=$(helper api-key)
  helper lock-down "$home/config.xml" "${gui[$dev]}" "${listen[$dev]}" "${key[$dev]}"
  id[$dev]=$(syncthing serve --home="$home" --device-id)
  folder[$dev]=$work/sync-$dev
  mkdir -p "${folder[$dev]}"
done
st() { local dev=$1 call=$2; shift 2; helper "$call" "${gui[$dev]}" "${key[$dev]}" "$@"; }

# STMONITORED: one process, not a monitor and a child it restarts, so the
# pid started is the one stopped.
for dev in a b; do
  STMONITORED=yes syncthing serve --home="$work/syncthing-$dev" --no-browser --no-restart --no-upgrade \
    >>"$work/syncthing-$dev.log" 2>&1 &
  started "syncthing $dev"
  syncthing_pids+=("$!")
done
for dev in a b; do
  wait_for "Syncthing $dev's REST API on 127.0.0.1:${gui[$dev]}" 300 st "$dev" ping
done
say "$(syncthing --version | cut -d' ' -f1-2): A ${id[a]:0:7} on :${listen[a]}, B ${id[b]:0:7} on :${listen[b]}"

# 2. Introduced to each other at their explicit addresses, never `dynamic`
# (which would ask discovery), and sharing one folder: same id, two paths.
st a add-device "${id[b]}" b "tcp://127.0.0.1:${listen[b]}"
st b add-device "${id[a]}" a "tcp://127.0.0.1:${listen[a]}"
for dev in a b; do st "$dev" add-folder "$folder_id" "${folder[$dev]}" "${id[a]}" "${id[b]}"; done
t0=$EPOCHREALTIME
wait_for "Syncthing A connected to B" 600 st a connected "${id[b]}" >/dev/null
wait_for "Syncthing B connected to A" 600 st b connected "${id[a]}" >/dev/null
for dev in a b; do wait_for "folder $folder_id idle on Syncthing $dev" 300 st "$dev" idle "$folder_id"; done
say "connected and idle after $(ms_since "$t0") ms"

# 3. Syncthing alone: a file written on A (whole, by rename) appears on B,
# and its removal too.
probe=e2e-probe-$$
printf 'written on A at %s\n' "$EPOCHREALTIME" >"${folder[a]}/.$probe.tmp"
t0=$EPOCHREALTIME
mv "${folder[a]}/.$probe.tmp" "${folder[a]}/$probe"
wait_for "the probe file on B" 300 cmp -s "${folder[a]}/$probe" "${folder[b]}/$probe"
say "Syncthing alone: a file written on A is on B after $(ms_since "$t0") ms"
rm "${folder[a]}/$probe"
wait_for "the probe file gone from B" 300 test ! -e "${folder[b]}/$probe"
for dev in a b; do wait_for "folder $folder_id idle on Syncthing $dev" 300 st "$dev" idle "$folder_id"; done

# 4. Two habitd daemons, each with its own history, private session bus and
# the folder of its own Syncthing. The water reminder is 12 hours away, so
# nothing but the `done` below writes an event.
at=$(date -u -d '+12 hours' +%H:%M)
for dev in a b; do
  d=$work/habitd-$dev
  mkdir -p "$d/home" "$d/config/habitd" "$d/data" "$d/state" "$d/runtime"
  chmod 700 "$d/runtime"
  cat >"$d/config/habitd/config.toml" <<TOML
[settings]
timezone = "UTC"

[checkin]
enabled = false

[sync]
folder = "${folder[$dev]}"
name = "$dev"

[habits.water]
title = "Drink a glass of water"
at = "$at"
goal = { count = 8, unit = "glasses" }
TOML
  dbus-daemon --session --nofork --nopidfile --print-address=3 3>"$d/bus" 2>"$d/dbus.log" &
  started "dbus-daemon $dev"
done
declare -A bus
for dev in a b; do
  wait_for "session bus $dev's address" 50 grep -qs . "$work/habitd-$dev/bus"
  bus[$dev]=$(head -n1 "$work/habitd-$dev/bus")
done

# Runs "$@" as device $1's user: its XDG directories and its bus, never the
# host's system bus.
on() {
  local dev=$1 d=$work/habitd-$1
  shift
  HOME=$d/home XDG_CONFIG_HOME=$d/config XDG_DATA_HOME=$d/data XDG_STATE_HOME=$d/state \
    XDG_RUNTIME_DIR=$d/runtime DBUS_SESSION_BUS_ADDRESS=${bus[$dev]} \
    DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent "$@"
}
for dev in a b; do
  on "$dev" exec "$bin" -v run --terminal >"$work/habitd-$dev.out" 2>"$work/habitd-$dev.log" &
  started "habitd $dev"
done
for dev in a b; do wait_for "habitd $dev ready" 100 grep -q 'habitd is ready' "$work/habitd-$dev.log"; done

# Each habitd makes one folder, named by its device id, in its own Syncthing
# folder; each folder reaches the other side whole before the test starts.
device_dir() {
  local found
  found=$(find "$1" -mindepth 1 -maxdepth 1 -type d -regextype posix-extended -regex '.*/[0-9a-f]{16}' -printf '%f\n')
  [ -n "$found" ] && echo "$found"
}
declare -A hid
for dev in a b; do
  hid[$dev]=$(wait_for "habitd $dev's device folder in ${folder[$dev]}" 100 device_dir "${folder[$dev]}")
  [ "$(wc -l <<<"${hid[$dev]}")" -eq 1 ] || fail "habitd $dev made more than one device folder: ${hid[$dev]}"
done
[ "${hid[a]}" != "${hid[b]}" ] || fail "habitd A and B have the same device id ${hid[a]}"
wait_for "A's device folder on B" 300 diff -r "${folder[a]}/${hid[a]}" "${folder[b]}/${hid[a]}" >/dev/null
wait_for "B's device folder on A" 300 diff -r "${folder[b]}/${hid[b]}" "${folder[a]}/${hid[b]}" >/dev/null
say "habitd A is ${hid[a]}, B is ${hid[b]}"
water_done() { on "$1" "$bin" status --json >"$work/status-$1.json" && helper done-in-status "$work/status-$1.json" "$2"; }
for dev in a b; do
  water_done "$dev" 0 >"$work/try.out" 2>&1 ||
    fail "habitd $dev counts water before anything was done: $(cat "$work/try.out")"
done

# 5. The test: a glass on A is counted on B. A's folder as it was before
# shows when A has written the event out, so that B's copy is compared with
# the new one, not with the old.
cp -r "${folder[a]}/${hid[a]}" "$work/a-before"
differs() { ! diff -r "$1" "$2" >/dev/null; }
t0=$EPOCHREALTIME
on a "$bin" "done" water >/dev/null
wait_for "water done 1 on A" 50 water_done a 1
wait_for "A's new event in A's folder" 100 differs "$work/a-before" "${folder[a]}/${hid[a]}"
written=$(ms_since "$t0")
wait_for "A's new event in B's folder" 600 diff -r "${folder[a]}/${hid[a]}" "${folder[b]}/${hid[a]}" >/dev/null
synced=$(ms_since "$t0")
wait_for "water done 1 in B's status --json" 600 water_done b 1
counted=$(ms_since "$t0")
say "a done on A: in A's folder after $written ms, in B's after $synced ms, counted in B's status --json after $counted ms (each polled every 0.1 s)"

# And back: B's daemon says in its device.json how far it has read A, and
# that reaches A. (Before any `sync status` on B, which would write it too.)
caught_up() { on a "$bin" sync status --json >"$work/sync-status-a.json" && helper caught-up "$work/sync-status-a.json" "${hid[b]}"; }
wait_for "A's sync status to show B up to date with A" 300 caught_up
say "A's sync status shows B up to date $(ms_since "$t0") ms after the done"
on b "$bin" sync status --json >"$work/sync-status-b.json"
helper seen "$work/sync-status-b.json" "${hid[a]}" a 1
say "habitd sync status on B: $(on b "$bin" sync status | grep -F "${hid[a]}")"

# Syncthing's own files in the folder (.stfolder, its temporary files while
# it writes) and the other device's files are nothing to warn about.
for dev in a b; do
  ! grep -E '^[0-9:.]+ +(WARN|ERROR)' "$work/habitd-$dev.log" ||
    fail "habitd $dev warned while syncing through a healthy folder"
done

# 6. Nothing Syncthing did reached past 127.0.0.1.
ss -Htuanp >"$work/ss.txt"
say "Syncthing's sockets: $(helper only-loopback "$(cat "$work/ss.txt")" "${syncthing_pids[@]}")"
