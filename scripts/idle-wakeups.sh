#!/usr/bin/env bash
# Measures how often an idle `habitd run` wakes: the context switches of all
# its threads over a window (default 60 s) after it has shown a reminder to a
# real notification server (dunst under Xvfb), plus its threads and RSS.
#
#   scripts/idle-wakeups.sh [SECONDS]
#
# Needs: dbus-daemon, dunst, Xvfb (apt-get install dunst xvfb). Uses the
# release binary (cargo build --release).
set -euo pipefail
window=${1:-60}
cd "$(dirname "$0")/.."
bin=target/release/habitd
[ -x "$bin" ] || cargo build --release
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

due=$(date -u -d '+3 seconds' +%H:%M:%S)
cat >"$work/config.toml" <<TOML
[settings]
timezone = "UTC"
[habits.water]
title = "Drink a glass of water"
at = "$due"
TOML
XDG_DATA_HOME=$work XDG_CONFIG_HOME=$work "$bin" -v run --config "$work/config.toml" 2>"$work/log" & pid=$!
pids+=($pid)
for _ in $(seq 200); do grep -q "notification .* shown" "$work/log" && break; sleep 0.05; done
grep -q "notification .* shown" "$work/log" || { cat "$work/log"; echo "no reminder was shown" >&2; exit 1; }

switches() { cat /proc/"$pid"/task/*/status | awk '/ctxt_switches/ {s += $2} END {print s}'; }
before=$(switches)
sleep "$window"
after=$(switches)
threads=$(ls /proc/"$pid"/task | wc -l)
rss=$(awk '/VmRSS/ {print $2, $3}' /proc/"$pid"/status)
echo "idle window: ${window}s  threads: $threads  RSS: $rss"
echo "context switches (all threads): $((after - before)) in ${window}s"
