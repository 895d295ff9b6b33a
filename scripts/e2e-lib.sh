# Shared by the end-to-end tests (e2e-desktop.sh, e2e-sync.sh); sourced,
# not run. Owns the processes a test starts (stopped in reverse order at
# exit, however it exits), its verdict line ("1 passed, 0 failed", with the
# tails of its logs when it fails), and bounded waiting for a condition.
#
#   work=$(mktemp -d ...)               # the test's temporary directory
#   e2e_logs=(habitd dunst)             # $work/NAME.log shown on failure
#   source "$repo/scripts/e2e-lib.sh"   # after say and fail are defined
#   some-server & started "some server"
#   wait_for "the server's socket" 50 test -S "$work/socket"
#
# shellcheck shell=bash
# shellcheck disable=SC2154 # work, e2e_logs, say and fail are the test's

pids=() # everything started, in order; stopped in reverse
declare -A names # pid -> what it is, for messages

# Records the background command just started as $1.
started() {
  pids+=("$!")
  names[$!]=$1
}

# True once process $1 (a child of this script) has exited: gone, or a zombie.
exited() {
  local stat
  stat=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 0
  [ "${stat%% *}" = Z ]
}

# Sends SIGTERM to child $1, SIGKILL if it is still there after 5 s; returns
# its exit status.
stop() {
  local _
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 50); do exited "$1" && break; sleep 0.1; done
  exited "$1" || kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null
}

finish() {
  local rc=$? i log
  trap - EXIT ERR
  set +e
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop "${pids[i]}" || true; done
  if [ "$rc" -eq 0 ]; then
    say "1 passed, 0 failed"
  else
    for log in "${e2e_logs[@]}"; do
      if [ -s "$work/$log.log" ]; then
        printf -- '--- %s.log\n' "$log" >&2
        tail -n 30 "$work/$log.log" >&2
      fi
    done
    say "0 passed, 1 failed"
  fi
  rm -rf "$work"
  exit "$rc"
}
trap finish EXIT
trap 'say "FAIL: interrupted" >&2; exit 130' INT
trap 'say "FAIL: terminated" >&2; exit 143' TERM

# Runs "$@" every 0.1 s until it succeeds, at most $2 times, and passes on
# its output when it does; fails naming $1, with the last try's output.
# Each try also checks that everything started is still running.
wait_for() {
  local what=$1 tries=$2 pid last _
  shift 2
  for _ in $(seq "$tries"); do
    if "$@" >"$work/try.out" 2>&1; then
      cat "$work/try.out"
      return 0
    fi
    for pid in "${pids[@]}"; do
      exited "$pid" && fail "${names[$pid]} (pid $pid) exited while waiting for $what"
    done
    sleep 0.1
  done
  last=$(cat "$work/try.out")
  fail "timed out waiting for $what${last:+: $last}"
}
