#!/usr/bin/env bash
# Load measurement: how `habitd run` copes with HABITS habits (default 1000)
# all due in the same second — second 0 of every minute (cron "0 * * * * *")
# — for MINUTES minutes (default 3). Like scripts/soak.sh it runs against a
# private session bus and the counting notification server
# (examples/notification_counter.rs, one line `<unix_ms> <replaces_id> <id>
# <summary>` per Notify call).
#
# For each measured minute it samples habitd's CPU time (utime+stime from
# /proc/PID/stat), RSS and thread count right before the minute boundary,
# right after the minute's last Notify arrived, and once the daemon has gone
# quiet again (history writes included), and reports:
#
#   - Notify calls received for that minute (must be HABITS, each habit once);
#   - lateness (receive time - second 0) of the first and the last Notify,
#     p50 and p99 over the batch;
#   - CPU ms for the batch (before -> last Notify) and with the tail (before
#     -> quiet); RSS before/after.
#
# At the end it checks the history (`habitd log --json`): `reminded` events
# for the measured minutes must be HABITS x MINUTES, each (habit, minute) once,
# none `missed`/`undelivered`; and reports RSS growth and threads. Also
# checks the daemon stayed up, logged no ERROR/WARN and exits 0 on SIGTERM.
#
#   scripts/many-habits.sh [HABITS] [MINUTES]
#
# Needs: dbus-daemon, dbus-send, python3, getconf. Builds the release binary
# and the example. Prints `many-habits: PASS` (exit 0) or `many-habits: FAIL`
# (exit 1); on failure the work directory with all logs is kept.
set -euo pipefail
usage="usage: scripts/many-habits.sh [HABITS] [MINUTES]"
habits=${1:-1000}
minutes=${2:-3}
[[ $habits =~ ^[1-9][0-9]*$ ]] || { echo "$usage" >&2; exit 2; }
[[ $minutes =~ ^[1-9][0-9]*$ ]] || { echo "$usage" >&2; exit 2; }
(($# <= 2)) || { echo "$usage" >&2; exit 2; }
cd "$(dirname "$0")/.."
root=$PWD

# Apart: built with an example, habitd would get the dev-dependencies'
# features (tokio's multi-threaded runtime), which the shipped binary has not.
cargo build --release --example notification_counter
cargo build --release --bin habitd
target=${CARGO_TARGET_DIR:-$root/target}
bin=$target/release/habitd
counter=$target/release/examples/notification_counter
clk_tck=$(getconf CLK_TCK)
revision=$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)

# How long a minute's batch may take to arrive, and to go quiet after it.
batch_wait=30
quiet_wait=20

# shellcheck source=scripts/measure-lib.sh
source "$root/scripts/measure-lib.sh"
start_work many-habits
# Sets now_ms to the wall clock in Unix milliseconds (no fork).
clock() {
    local us=${EPOCHREALTIME//[!0-9]/}
    now_ms=$((10#$us / 1000))
}
# Sleeps until Unix millisecond $1 (returns at once if it has passed).
sleep_until() {
    local d
    clock
    d=$(($1 - now_ms))
    ((d > 0)) || return 0
    sleep "$(printf '%d.%03d' $((d / 1000)) $((d % 1000)))"
}
alive() { kill -0 "$hpid" 2>/dev/null; }
# habitd's utime+stime in clock ticks (-1 once it is gone).
ticks() {
    local stat rest f
    stat=$(cat "/proc/$hpid/stat" 2>/dev/null) || { echo -1; return; }
    rest=${stat##*) }
    read -r -a f <<<"$rest"
    echo $((f[11] + f[12]))
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$hpid/status" 2>/dev/null || echo -1; }
threads() { find "/proc/$hpid/task" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
lines() { wc -l <"$work/notify"; }
# Appends `label minute unix_ms ticks rss_kb threads notify_lines` to samples.
sample() {
    local t
    t=$(ticks)
    clock
    echo "$1 $2 $now_ms $t $(rss_kb) $(threads) $(lines)" >>"$work/samples"
}
# Waits until habitd's CPU time stays unchanged for 1 s, at most $1 seconds.
settle() {
    local limit=$1 prev cur still=0 i
    prev=$(ticks)
    for ((i = 0; i < limit * 4; i++)); do
        sleep 0.25
        cur=$(ticks)
        if [ "$cur" = "$prev" ]; then
            ((++still >= 4)) && return 0
        else
            still=0
            prev=$cur
        fi
    done
    return 1
}

# The config: HABITS habits due at second 0 of every minute.
config=$work/habits.toml
{
    printf '[settings]\ntimezone = "UTC"\ncatch_up = "30s"\n'
    for ((i = 0; i < habits; i++)); do
        printf '\n[habits.h%04d]\ntitle = "Habit %04d"\ncron = "0 * * * * *"\n' "$i" "$i"
    done
} >"$config"

# The daemon's own directories.
export XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data XDG_STATE_HOME=$work/state
unset JOURNAL_STREAM RUST_LOG
export NO_COLOR=1
home=$work/home
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_STATE_HOME" "$home"
# habitd with HOME in the work dir too (HOME is left alone for the rest).
habitd() { HOME=$home "$bin" "$@"; }

habitd --config "$config" check >"$work/check.out" 2>&1 ||
    { tail -n 20 "$work/check.out" >&2; echo "many-habits: the generated config is refused" >&2; exit 1; }

# The private bus.
dbus-daemon --session --nofork --nopidfile --print-address=3 3>"$work/bus" 2>"$work/bus.log" & pids+=($!)
wait_for 10 test -s "$work/bus" || { echo "many-habits: dbus-daemon gave no address" >&2; exit 1; }
DBUS_SESSION_BUS_ADDRESS=$(head -n1 "$work/bus")
export DBUS_SESSION_BUS_ADDRESS

# The notification server.
: >"$work/notify"
"$counter" "$work/notify" 2>"$work/counter.log" & cpid=$!
pids+=("$cpid")
wait_for 10 has_owner org.freedesktop.Notifications ||
    { cat "$work/counter.log" >&2; echo "many-habits: the notification counter did not start" >&2; exit 1; }

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
clock
started_ms=$now_ms
# Not through the function: $! must be habitd itself, not a subshell.
HOME=$home "$bin" -v run --config "$config" 2>"$work/daemon.log" & hpid=$!
pids+=("$hpid")
# shellcheck disable=SC2317
ready() { grep -q "habitd is ready" "$work/daemon.log" || ! alive; }
if ! wait_for 60 ready || ! alive; then
    tail -n 20 "$work/daemon.log" >&2
    echo "many-habits: habitd did not get ready" >&2
    exit 1
fi
clock
ready_ms=$now_ms
# A start within catch_up after second 0 shows that minute late: let that
# start-up batch finish before measuring.
settle "$quiet_wait" || echo "many-habits: habitd was still busy ${quiet_wait}s after start-up" >&2

# The first measured minute: the first second 0 at least 2 s away.
clock
first=$(((now_ms + 2000) / 60000 * 60000 + 60000))
echo "many-habits: $habits habits x ${minutes}m (habitd pid $hpid, ready in $((ready_ms - started_ms)) ms," \
    "$(lines) start-up notifications, work dir $work)"
: >"$work/samples"
for ((m = 1; m <= minutes; m++)); do
    boundary=$((first + (m - 1) * 60000))
    sleep_until $((boundary - 500))
    alive || break
    sample before "$m"
    want=$(($(lines) + habits))
    sleep_until "$boundary"
    while (($(lines) < want)); do
        clock
        if ((now_ms >= boundary + batch_wait * 1000)) || ! alive; then break; fi
        sleep 0.1
    done
    sample after "$m"
    quiet=1
    settle "$quiet_wait" || quiet=0
    sample settled "$m"
    echo "many-habits: minute $m ($(date -u -d "@$((boundary / 1000))" +%H:%M:%S)):" \
        "$(($(lines) - want + habits))/$habits notifications$([ "$quiet" = 1 ] || echo ", daemon not quiet after ${quiet_wait}s")"
done
end_threads=$(threads)
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

habitd --config "$config" log --json >"$work/events.json" 2>"$work/log.err" || echo "[]" >"$work/events.json"

exit_code=dead
if alive; then
    kill -TERM "$hpid"
    if wait_for 15 bash -c "! kill -0 $hpid 2>/dev/null"; then
        exit_code=0
        wait "$hpid" || exit_code=$?
    else
        exit_code=hung
    fi
fi
kill -TERM "$cpid" 2>/dev/null || true
wait "$cpid" 2>/dev/null || true

verdict=0
python3 - "$work" "$habits" "$minutes" "$first" "$clk_tck" "$exit_code" "$end_threads" \
    "$load_start" "$load_end" "$revision" "$started_ms" "$ready_ms" <<'PY' || verdict=1
import json, re, sys
from collections import Counter
from datetime import datetime, timezone

(work, n, minutes, first, clk_tck, exit_code, end_threads,
 load_start, load_end, revision, started_ms, ready_ms) = sys.argv[1:]
n, minutes, first, clk_tck = int(n), int(minutes), int(first), int(clk_tck)
started_ms, ready_ms = int(started_ms), int(ready_ms)
failures = []

def check(ok, what):
    print(f"  [{'ok' if ok else 'FAIL'}] {what}")
    if not ok:
        failures.append(what)

def ms(text):
    return int(round(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000))

def hms(t):
    return datetime.fromtimestamp(t / 1000, timezone.utc).strftime("%H:%M:%S")

def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, max(0, -(-p * len(s) // 100) - 1))]

titles = {f"Habit {i:04d}" for i in range(n)}
notes = []
for line in open(f"{work}/notify"):
    t, replaces, nid, summary = line.rstrip("\n").split(" ", 3)
    notes.append((int(t), int(replaces), int(nid), summary))
samples = {}
for line in open(f"{work}/samples"):
    label, m, t, tk, rss, thr, cnt = line.split()
    samples[(label, int(m))] = dict(t=int(t), ticks=int(tk), rss=int(rss), threads=int(thr), lines=int(cnt))
log = open(f"{work}/daemon.log").read().splitlines()
logged = Counter()
logged_late = {}
for line in log:
    if m := re.search(r"reminding (\S+) \(due (\S+), (\d+)ms late\)", line):
        due = ms(m.group(2))
        logged[due] += 1
        logged_late[due] = max(logged_late.get(due, 0), int(m.group(3)))
events = json.load(open(f"{work}/events.json"))
end = first + minutes * 60000
in_run = [e for e in events if first <= ms(e["at"]) < end]
reminded = [(e["habit"], ms(e["at"])) for e in in_run if e["kind"] == "reminded"]
bad_kinds = Counter(e["kind"] for e in in_run if e["kind"] in ("missed", "undelivered"))
before_run = sum(1 for e in events if e["kind"] == "reminded" and ms(e["at"]) < first)

print()
print(f"== many-habits summary: {n} habits x {minutes} min (habitd {revision}) ==")
print(f"  start-up: ready {ready_ms - started_ms} ms after exec; "
      f"{sum(1 for x in notes if x[0] < first)} catch-up notifications before the first measured minute")
print(f"  load average: start {load_start}, end {load_end} (2 CPUs; other work on the machine shares them)")
print()
hdr = (f"  {'min':>3} {'due':>8} {'notified':>9} {'first':>7} {'last':>7} {'p50':>7} {'p99':>7} "
       f"{'log max':>7} {'CPU batch':>9} {'CPU+tail':>8} {'RSS before':>10} {'after':>7} {'quiet':>7} {'thr':>3}")
print(hdr)
print("  " + "-" * (len(hdr) - 2))
rows_ok = []
for m in range(1, minutes + 1):
    b = first + (m - 1) * 60000
    before, after, settled = (samples.get((k, m)) for k in ("before", "after", "settled"))
    batch = [x for x in notes if b <= x[0] < b + 60000]
    late = [x[0] - b for x in batch]
    got = Counter(x[3] for x in batch)
    dups = sum(c - 1 for c in got.values() if c > 1)
    missing = len(titles - set(got))
    foreign = len(set(got) - titles)
    if not (before and after and settled):
        print(f"  {m:>3} {hms(b):>8}  not measured (habitd gone?)")
        rows_ok.append((m, False, len(batch), dups, missing, foreign))
        continue
    cpu = lambda a, z: (z["ticks"] - a["ticks"]) * 1000 // clk_tck
    f = lambda v: f"{v:+d}ms" if v is not None else "-"
    print(f"  {m:>3} {hms(b):>8} {len(batch):>4}/{n:<4} "
          f"{f(min(late) if late else None):>7} {f(max(late) if late else None):>7} "
          f"{f(pct(late, 50) if late else None):>7} {f(pct(late, 99) if late else None):>7} "
          f"{f(logged_late.get(b)):>7} {cpu(before, after):>7}ms {cpu(before, settled):>6}ms "
          f"{before['rss']:>7} kB {after['rss']:>7} {settled['rss']:>7} {settled['threads']:>3}")
    rows_ok.append((m, len(batch) == n and not dups and not missing and not foreign, len(batch), dups, missing, foreign))
print("  (lateness = Notify receive time - second 0; 'log max' = the daemon's own largest 'ms late' for that")
print("   minute; CPU batch = utime+stime from 0.5 s before second 0 to the last Notify; CPU+tail = until")
print("   habitd is quiet again, history writes included; RSS in kB before / after the batch / when quiet)")
print()
print("checks")
for m, ok, got, dups, missing, foreign in rows_ok:
    check(ok, f"minute {m}: {got} Notify calls, each of the {n} habits once "
              f"({dups} duplicated, {missing} missing, {foreign} unknown)")
for m in range(1, minutes + 1):
    b = first + (m - 1) * 60000
    check(logged[b] == n, f"minute {m}: the daemon logged {logged[b]} 'reminding' lines (want {n})")
pairs = Counter(reminded)
dup_pairs = sum(c - 1 for c in pairs.values() if c > 1)
off_grid = sum(1 for _, t in reminded if (t - first) % 60000)
check(len(reminded) == n * minutes,
      f"history: {len(reminded)} reminded events in the measured minutes (want {n} x {minutes} = {n * minutes}); "
      f"{before_run} more from start-up")
check(dup_pairs == 0, f"history: each (habit, minute) reminded once ({dup_pairs} duplicates)")
check(off_grid == 0, f"history: every reminded event is at second 0 of a measured minute ({off_grid} not)")
check(not bad_kinds, f"history: no missed/undelivered events in the measured minutes ({dict(bad_kinds)})")
bad = [l for l in log if re.search(r"ERROR|WARN", l)]
for l in bad[:10]:
    print(f"      {l}")
check(not bad, f"no ERROR or WARN in the daemon log ({len(bad)} lines)")
check(exit_code == "0", f"habitd stayed up and exits 0 on SIGTERM (got {exit_code})")
print()
befores = [samples[("before", m)] for m in range(1, minutes + 1) if ("before", m) in samples]
all_samples = list(samples.values())
if befores:
    last = samples.get(("settled", minutes)) or all_samples[-1]
    print(f"memory: RSS {befores[0]['rss']} kB before minute 1 -> {last['rss']} kB after the last minute, "
          f"growth {last['rss'] - befores[0]['rss']:+d} kB; max {max(s['rss'] for s in all_samples)} kB")
    print(f"threads: {befores[0]['threads']} before minute 1, max {max(s['threads'] for s in all_samples)}, "
          f"{end_threads} at the end")
print(f"Notify calls in total: {len(notes)}")
print(f"many-habits: {'PASS' if not failures else 'FAIL'} ({len(failures)} failed checks)")
sys.exit(1 if failures else 0)
PY

if [ "$verdict" = 0 ]; then
    keep=0
fi
exit "$verdict"
