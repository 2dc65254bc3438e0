# shellcheck shell=bash
# scripts/lib/emulator.sh - what the emulator scripts share (aws-emulator.sh,
# firebase-emulator.sh, dynamodb-local.sh): their messages, starting a
# server with a pidfile, waiting for it to answer, and stopping it with
# everything it started.
#
# Sourced from the repository root, after the script has set EMU_NAME (the
# prefix of its messages):
#   EMU_NAME=dynamodb-local
#   . scripts/lib/emulator.sh

# A message on stdout, prefixed with the script's name.
say() { echo "$EMU_NAME: $*"; }
# The same on stderr, then the script ends with status 1.
die() { echo "$EMU_NAME: $*" >&2; exit 1; }

# emu_spawn PIDFILE LOG COMMAND...: starts COMMAND in the background, in a
# session (and so a process group) of its own, so that emu_kill ends it
# together with whatever it starts; output to LOG, no stdin. Its pid (the
# group's id) goes to PIDFILE.
emu_spawn() {
  local pidfile="$1" log="$2"
  shift 2
  setsid "$@" >"$log" 2>&1 </dev/null &
  echo $! >"$pidfile"
}

# emu_wait SECONDS PIDFILE LATE EXITED CHECK...: runs CHECK every 0.2 s
# until it succeeds. Dies with the message LATE when SECONDS pass first, and
# with EXITED as soon as the process in PIDFILE is gone ("-": no process to
# watch, e.g. one Docker runs).
emu_wait() {
  local deadline=$((SECONDS + $1)) pidfile="$2" late="$3" exited="$4"
  shift 4
  until "$@"; do
    [ $SECONDS -lt $deadline ] || die "$late"
    [ "$pidfile" = - ] || kill -0 "$(cat "$pidfile")" 2>/dev/null || die "$exited"
    sleep 0.2
  done
}

# emu_kill PID: ends the process group PID leads (or PID alone when it leads
# none): TERM, up to 5 s to exit, then KILL.
emu_kill() {
  local pid="$1"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
}

# emu_stop PIDFILE MESSAGE: when PIDFILE exists, ends its process
# (emu_kill), removes PIDFILE and says MESSAGE; nothing otherwise.
emu_stop() {
  [ -f "$1" ] || return 0
  local pid
  pid="$(cat "$1")"
  emu_kill "$pid"
  rm -f "$1"
  say "$2"
}
