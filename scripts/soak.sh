#!/usr/bin/env bash
# Soak test: runs `habitd run` for MINUTES (default 10) with a habit due every
# second, against a private session bus and a counting notification server
# (examples/notification_counter.rs), while a writer loop records `done` over
# D-Bus and reads `status --json`. Then checks:
#
#   - every due second from the first reminder to the last was reminded and
#     notified exactly once (no duplicates, no gaps), and how late;
#   - each successful `habitd done` is one `done` event; no CLI call failed;
#   - the daemon's RSS stays flat (end within +2 MiB of start);
#   - the daemon logged no ERROR or WARN and exits 0 on SIGTERM.
#
#   scripts/soak.sh [MINUTES]
#
# Needs: dbus-daemon, dbus-send, python3. Builds the release binary and the
# example. Prints `soak: 1 passed, 0 failed` (exit 0) or `soak: 0 passed,
# 1 failed` (exit 1); on failure the work directory with all logs is kept.
set -euo pipefail
minutes=${1:-10}
[[ $minutes =~ ^[1-9][0-9]*$ ]] || { echo "usage: scripts/soak.sh [MINUTES]" >&2; exit 2; }
cd "$(dirname "$0")/.."
root=$PWD

cargo build --release --example notification_counter --bin habitd
bin=$root/target/release/habitd
counter=$root/target/release/examples/notification_counter

# shellcheck source=scripts/measure-lib.sh
source "$root/scripts/measure-lib.sh"
start_work soak
on_cleanup() { touch "$work/stop"; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
sample_rss() { echo "$(date +%s) $(rss_kb "$hpid")" >>"$work/rss"; }

# The private bus.
dbus-daemon --session --nofork --nopidfile --print-address=3 3>"$work/bus" 2>"$work/bus.log" & pids+=($!)
wait_for 10 test -s "$work/bus" || { echo "soak: dbus-daemon gave no address" >&2; exit 1; }
DBUS_SESSION_BUS_ADDRESS=$(head -n1 "$work/bus")
export DBUS_SESSION_BUS_ADDRESS

# The notification server.
"$counter" "$work/notify" 2>"$work/counter.log" & cpid=$!
pids+=($cpid)
wait_for 10 has_owner org.freedesktop.Notifications ||
    { cat "$work/counter.log" >&2; echo "soak: the notification counter did not start" >&2; exit 1; }

# The daemon, with its own XDG directories.
export XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data XDG_STATE_HOME=$work/state
unset JOURNAL_STREAM RUST_LOG
export NO_COLOR=1
mkdir -p "$XDG_CONFIG_HOME/habitd"
cat >"$XDG_CONFIG_HOME/habitd/config.toml" <<'TOML'
[settings]
timezone = "UTC"
catch_up = "15m"

[habits.tick]
title = "Tick"
every = "1s"
goal = { count = 10000, unit = "ticks" }
TOML
"$bin" run 2>"$work/daemon.log" & hpid=$!
pids+=($hpid)
wait_for 10 has_owner org.habitd.Habitd ||
    { cat "$work/daemon.log" >&2; echo "soak: habitd did not take its bus name" >&2; exit 1; }
wait_for 10 test -s "$work/notify" ||
    { cat "$work/daemon.log" >&2; echo "soak: no reminder arrived" >&2; exit 1; }
sample_rss

# The CLI writer: one line per call in $work/calls (`done ok`, `status fail`,
# ...), stderr of the calls in $work/writer.err. It finishes its iteration
# when $work/stop appears, so no call is cut off half way.
(
    while [ ! -e "$work/stop" ]; do
        if "$bin" done tick >/dev/null 2>>"$work/writer.err"; then r=ok; else r=fail; fi
        echo "done $r" >>"$work/calls"
        if "$bin" status --json >"$work/status.json" 2>>"$work/writer.err" &&
            grep -Eq '"daemon": ?true' "$work/status.json"; then r=ok; else r=fail; fi
        echo "status $r" >>"$work/calls"
        sleep 0.2
    done
) & wpid=$!
pids+=($wpid)

echo "soak: running ${minutes}m (habitd pid $hpid, work dir $work)"
start=$(date +%s)
alive=1
for ((m = 1; m <= minutes; m++)); do
    while (($(date +%s) < start + m * 60)); do
        kill -0 "$hpid" 2>/dev/null || { alive=0; break 2; }
        sleep 1
    done
    sample_rss
    echo "soak: ${m}m  RSS $(rss_kb "$hpid") kB  calls $(wc -l <"$work/calls")  notifications $(wc -l <"$work/notify")"
done

touch "$work/stop"
wait_for 30 bash -c "! kill -0 $wpid 2>/dev/null" || echo "soak: the writer did not stop" >&2
wait "$wpid" 2>/dev/null || true

# Stop the daemon half way between two reminders: the soak is about the
# steady state, not about a reminder racing the shutdown.
exit_code=dead
if [ "$alive" = 1 ] && kill -0 "$hpid" 2>/dev/null; then
    sample_rss
    sleep "$(date +%N | awk '{f = $1 / 1e9; d = 1.5 - f; if (d >= 1) d -= 1; print d}')"
    kill -TERM "$hpid"
    if wait_for 10 bash -c "! kill -0 $hpid 2>/dev/null"; then
        exit_code=0
        wait "$hpid" || exit_code=$?
    else
        exit_code=hung
    fi
fi
kill -TERM "$cpid" 2>/dev/null || true
wait "$cpid" 2>/dev/null || true

"$bin" log tick --json >"$work/events.json" 2>>"$work/writer.err" || echo "[]" >"$work/events.json"

verdict=0
python3 - "$work" "$exit_code" <<'PY' || verdict=1
import json, re, statistics, sys
from datetime import datetime, timezone

work, exit_code = sys.argv[1], sys.argv[2]
failures = []

def check(ok, what):
    print(f"  [{'ok' if ok else 'FAIL'}] {what}")
    if not ok:
        failures.append(what)

def ms(text):
    return int(round(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000))

def iso(t):
    return datetime.fromtimestamp(t / 1000, timezone.utc).isoformat().replace("+00:00", "Z")

def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(p / 100 * len(s) + 0.5)) - 1))]

log = open(f"{work}/daemon.log").read().splitlines()
logged_due = [ms(m.group(1)) for line in log
              if (m := re.search(r"reminding tick \(due (\S+), (\d+)ms late\)", line))]
events = json.load(open(f"{work}/events.json"))
reminded = sorted(ms(e["at"]) for e in events if e["kind"] == "reminded")
done_events = [e for e in events if e["kind"] == "done"]
missed = [e for e in events if e["kind"] == "missed"]
notes = []
for line in open(f"{work}/notify"):
    t, replaces, nid, summary = line.rstrip("\n").split(" ", 3)
    notes.append((int(t), int(replaces), int(nid), summary))
calls = open(f"{work}/calls").read().split("\n")
count = lambda what: sum(1 for c in calls if c == what)
rss = [tuple(map(int, l.split())) for l in open(f"{work}/rss")]

print("reminders")
span = (reminded[-1] - reminded[0]) // 1000 + 1 if reminded else 0
print(f"  first due {iso(reminded[0])}, last due {iso(reminded[-1])}, {span} seconds"
      if reminded else "  none")
print(f"  reminded events {len(reminded)}, daemon log lines {len(logged_due)}, "
      f"Notify calls {len(notes)}, missed events {len(missed)}")
check(len(reminded) > 0, "at least one reminder")
check(all(t % 1000 == 0 for t in reminded), "every due instant is a whole second")
dups = sorted({t for t in reminded if reminded.count(t) > 1})
check(not dups, f"no due second reminded twice ({len(dups)} duplicated)")
gaps = [(a, b) for a, b in zip(reminded, reminded[1:]) if b - a > 1000]
missing = sum((b - a) // 1000 - 1 for a, b in gaps)
check(not gaps, f"no gaps between first and last ({missing} seconds missing in {len(gaps)} gaps)")
for a, b in gaps[:5]:
    print(f"      gap after {iso(a)}: next {(b - a) // 1000}s later")
check(sorted(logged_due) == reminded, "daemon log and history agree on the due seconds")
check(not missed, "no reminder recorded as missed")
check(len(notes) == len(reminded), "one Notify per reminded event")
late = [n[0] - due for n, due in zip(notes, reminded)]
check(all(l >= 0 for l in late), "no Notify arrived before its due second")
check(all(n[3] == "Tick" for n in notes), "every Notify carries the habit's title")
fresh = sum(1 for n in notes if n[1] == 0)
chain = all(b[1] == a[2] for a, b in zip(notes, notes[1:]))
check(fresh == 1 and chain, f"each reminder replaces the previous notification ({fresh} new)")
if late:
    steady = late[1:] or late
    print(f"  lateness (receive - due), start-up catch-up excluded: "
          f"p50 {pct(steady, 50)} ms, p99 {pct(steady, 99)} ms, max {max(steady)} ms "
          f"(mean {statistics.mean(steady):.1f} ms); start-up reminder {late[0]} ms")

print("CLI writer")
ok_done, fail_done = count("done ok"), count("done fail")
ok_status, fail_status = count("status ok"), count("status fail")
by_source = {}
for e in done_events:
    by_source[e["source"]] = by_source.get(e["source"], 0) + 1
print(f"  done: {ok_done} ok, {fail_done} failed; status: {ok_status} ok, {fail_status} failed")
print(f"  done events in the history: {len(done_events)} {by_source}, "
      f"total amount {sum(e['amount'] or 0 for e in done_events)}")
check(ok_done == len(done_events), "successful `done` calls equal `done` events")
check(by_source.get("dbus", 0) == len(done_events), "every `done` went through the daemon (source dbus)")
check(fail_done == 0 and fail_status == 0, "no CLI call failed")

print("memory")
values = [kb for _, kb in rss]
print(f"  RSS start {values[0]} kB, end {values[-1]} kB, max {max(values)} kB, "
      f"growth {values[-1] - values[0]:+d} kB; samples {' '.join(map(str, values))}")
check(values[-1] - values[0] <= 2048, "RSS flat (end within +2 MiB of start)")

print("daemon")
bad = [l for l in log if re.search(r"ERROR|WARN", l)]
for l in bad[:10]:
    print(f"      {l}")
check(not bad, f"no ERROR or WARN in the daemon log ({len(bad)} lines)")
check(exit_code == "0", f"habitd exits 0 on SIGTERM (got {exit_code})")
sys.exit(1 if failures else 0)
PY

if [ "$verdict" = 0 ]; then
    keep=0
    echo "soak: 1 passed, 0 failed"
else
    echo "soak: 0 passed, 1 failed"
fi
exit "$verdict"
