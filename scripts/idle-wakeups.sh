#!/usr/bin/env bash
# Measures how often an idle `habitd run` wakes: the context switches of all
# its threads over a window (default 60 s) after it has shown a reminder to a
# real notification server (dunst under Xvfb), plus its threads and RSS.
# Then it writes 50 files next to the config (new ones and rewrites) and
# measures the wake-ups that cost, and a second idle window after it (a
# watch that loops on unrelated files shows up there). Memory is read from
# /proc/PID/smaps_rollup after the first idle window: RSS, PSS (RSS with
# shared pages divided among their sharers), private dirty (the memory that
# is the daemon's alone: heap, stacks, written data) and private clean.
#
#   scripts/idle-wakeups.sh [SECONDS] [file|builtin]
#
# `file` (default): habitd runs with a config file, and the files are
# written in its directory. `builtin`: no config file and no
# ~/.config/habitd/ (habitd makes the directory and waits in it for a
# config), and the files are written into ~/.config.
#
# Needs: dbus-daemon, dunst, Xvfb (apt-get install dunst xvfb). Uses the
# release binary (cargo build --release), or HABITD_BIN if set.
set -euo pipefail
window=${1:-60}
mode=${2:-file}
cd "$(dirname "$0")/.."
bin=${HABITD_BIN:-${CARGO_TARGET_DIR:-$PWD/target}/release/habitd}
[ -x "$bin" ] || cargo build --release
# A binary just built is still dirty in the page cache, and its pages would
# count as the daemon's private dirty memory.
sync "$bin"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

display=:$((90 + RANDOM % 100))
Xvfb "$display" -screen 0 1024x768x24 >/dev/null 2>&1 & pids+=($!)
dbus-daemon --session --nofork --nopidfile --print-address=3 3>"$work/bus" & pids+=($!)
for _ in $(seq 100); do [ -s "$work/bus" ] && break; sleep 0.05; done
export DBUS_SESSION_BUS_ADDRESS=$(head -n1 "$work/bus")
DISPLAY=$display dunst >/dev/null 2>&1 & pids+=($!)

mkdir -p "$work/home/.config" "$work/data"
case $mode in
  file)
    due=$(date -u -d '+3 seconds' +%H:%M:%S)
    cat >"$work/config.toml" <<TOML
[settings]
timezone = "UTC"
[habits.water]
title = "Drink a glass of water"
at = "$due"
TOML
    touched=$work
    args=(--config "$work/config.toml")
    ready="notification .* shown"
    ;;
  builtin)
    touched=$work/home/.config
    args=()
    ready="habitd is ready"
    ;;
  *) echo "usage: scripts/idle-wakeups.sh [SECONDS] [file|builtin]" >&2; exit 2 ;;
esac
HOME=$work/home XDG_DATA_HOME=$work/data XDG_CONFIG_HOME=$work/home/.config \
  "$bin" -v run "${args[@]}" 2>"$work/log" & pid=$!
pids+=($pid)
for _ in $(seq 200); do grep -q "$ready" "$work/log" && break; sleep 0.05; done
grep -q "$ready" "$work/log" || { cat "$work/log"; echo "habitd did not get ready" >&2; exit 1; }
# Let the start-up settle (the notification server's answers, the first write).
sleep 1

switches() { cat /proc/"$pid"/task/*/status | awk '/ctxt_switches/ {s += $2} END {print s}'; }
before=$(switches)
sleep "$window"
idle=$(($(switches) - before))
threads=$(ls /proc/"$pid"/task | wc -l)
rss=$(awk '/VmRSS/ {print $2, $3}' /proc/"$pid"/status)
memory=$(awk '/^(Rss|Pss|Private_Dirty|Private_Clean):/ {printf "%s%s %s kB", sep, $1, $2; sep = "  "}' \
  /proc/"$pid"/smaps_rollup)

before=$(switches)
for i in $(seq 50); do
  echo "unrelated $i" >"$touched/other-$i.conf"
  echo "again $i" >>"$touched/other-$i.conf"
done
sleep 1
touching=$(($(switches) - before))

before=$(switches)
sleep "$window"
after=$(($(switches) - before))

echo "mode: $mode  threads: $threads  RSS: $rss"
echo "smaps_rollup: $memory"
echo "context switches (all threads), idle:                 $idle in ${window}s"
echo "context switches while writing 50 unrelated files:    $touching"
echo "context switches, idle again after those writes:      $after in ${window}s"
