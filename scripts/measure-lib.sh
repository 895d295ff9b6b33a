# Shared by the measurement scripts (soak.sh, many-habits.sh); sourced, not
# run. Owns their work directory (kept when a run fails, for its logs), the
# background processes they start (ended on exit), and bounded waiting for a
# condition.
#
#   source "$(dirname "$0")/measure-lib.sh"
#   start_work NAME        # sets $work and $pids; add started PIDs to pids
#   ...                    # set keep=0 once the verdict is a pass
#
# A script may define on_cleanup, run first at exit.

start_work() {
    script_name=$1
    work=$(mktemp -d -t "habitd-$1.XXXXXX")
    pids=()
    # A failure before the verdict keeps the logs.
    keep=1
    trap cleanup EXIT
    trap 'exit 130' INT TERM
}

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
    local p
    if declare -F on_cleanup >/dev/null; then on_cleanup; fi
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    if [ "$keep" = 1 ]; then echo "$script_name: logs kept in $work" >&2; else rm -rf "$work"; fi
}

# Waits up to $1 seconds for the command in the remaining arguments to succeed.
wait_for() {
    local limit=$1 i
    shift
    for ((i = 0; i < limit * 20; i++)); do
        "$@" && return 0
        sleep 0.05
    done
    return 1
}

# Whether bus name $1 has an owner on the session bus.
has_owner() {
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner "string:$1" 2>/dev/null | grep -q 'boolean true'
}
