#!/usr/bin/env bash
# The Firebase emulators on loopback, without Docker (docs/firebase.md):
#   Firestore: the preinstalled Cloud SDK jar, started with java directly
#              (fastest, and no orphaned child when it is stopped);
#   Auth:      firebase-tools (pinned) with --only auth, installed from npm
#              into .cache/ on first use (it refuses to start Firestore on
#              Java 17, so it runs Auth only).
#
#   scripts/firebase-emulator.sh start | stop | reset | status
#
# Environment: FIRESTORE_PORT (8080), FIREBASE_AUTH_PORT (9099),
# GCLOUD_PROJECT (demo-acme), FIREBASE_EMULATOR_RUN (.run): where emulators
# started here keep their state (firestore.pid, firebase-auth.pid, logs).
set -euo pipefail
cd "$(dirname "$0")/.."
FS_PORT="${FIRESTORE_PORT:-8080}"
AUTH_PORT="${FIREBASE_AUTH_PORT:-9099}"
PROJECT="${GCLOUD_PROJECT:-demo-acme}"
FT_VERSION=15.34.2
JAR=/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar
RUN="${FIREBASE_EMULATOR_RUN:-.run}"
mkdir -p "$RUN" .cache
EMU_NAME=firebase-emulator
. scripts/lib/emulator.sh
up() { curl -s -m 1 -o /dev/null -w '%{http_code}' "$1" 2>/dev/null | grep -qv '^000$'; }

wait_up() { # url seconds pidfile
  emu_wait "$2" "$3" "$1 did not answer within $2 s (see $RUN/*.log)" \
    "the emulator behind $1 exited (see $RUN/*.log)" up "$1"
}

start_firestore() {
  if up "http://127.0.0.1:$FS_PORT/"; then say "Firestore already answers on :$FS_PORT"; return; fi
  if [ ! -f "$JAR" ]; then # where Google's apt source is configured, install the component
    say "the Firestore emulator jar is missing ($JAR): trying apt (google-cloud-cli-firestore-emulator)"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    { $sudo apt-get install -y -qq google-cloud-cli-firestore-emulator >/dev/null 2>&1 && [ -f "$JAR" ]; } ||
      die "no Firestore emulator: install google-cloud-cli-firestore-emulator (Google Cloud CLI apt source)"
  fi
  scripts/ensure-java.sh || die "java is needed (apt install default-jre-headless)"
  emu_spawn "$RUN/firestore.pid" "$RUN/firestore.log" \
    java -Duser.language=en -cp "$JAR" com.google.cloud.datastore.emulator.firestore.CloudFirestore \
    start --host=127.0.0.1 --port="$FS_PORT"
  wait_up "http://127.0.0.1:$FS_PORT/" 60 "$RUN/firestore.pid"
  say "Firestore on 127.0.0.1:$FS_PORT (pid $(cat "$RUN/firestore.pid"))"
}

start_auth() {
  if up "http://127.0.0.1:$AUTH_PORT/"; then say "Auth already answers on :$AUTH_PORT"; return; fi
  local ft=.cache/firebase-tools
  if [ ! -f "$ft/node_modules/firebase-tools/lib/bin/firebase.js" ]; then
    say "installing firebase-tools@$FT_VERSION from npm into $ft (once; about 300 MB)"
    npm install --silent --no-audit --no-fund --prefix "$ft" "firebase-tools@$FT_VERSION" >/dev/null ||
      die "npm install firebase-tools@$FT_VERSION failed"
  fi
  cat >"$RUN/firebase.json" <<JSON
{"emulators":{"auth":{"host":"127.0.0.1","port":$AUTH_PORT},"ui":{"enabled":false},"singleProjectMode":true}}
JSON
  local cli="$PWD/$ft/node_modules/firebase-tools/lib/bin/firebase.js"
  (
    cd "$RUN" || exit 1
    emu_spawn firebase-auth.pid firebase-auth.log \
      node "$cli" emulators:start --only auth --project "$PROJECT" --config firebase.json
  )
  wait_up "http://127.0.0.1:$AUTH_PORT/" 120 "$RUN/firebase-auth.pid"
  say "Auth on 127.0.0.1:$AUTH_PORT (pid $(cat "$RUN/firebase-auth.pid"))"
}

reset() {
  curl -sf -X DELETE "http://127.0.0.1:$FS_PORT/emulator/v1/projects/$PROJECT/databases/(default)/documents" >/dev/null ||
    die "Firestore reset failed (is it running? an open transaction holds locks for about 60 s)"
  say "Firestore emptied"
  if up "http://127.0.0.1:$AUTH_PORT/"; then
    curl -sf -X DELETE "http://127.0.0.1:$AUTH_PORT/emulator/v1/projects/$PROJECT/accounts" >/dev/null ||
      die "Auth reset failed"
    say "Auth accounts deleted"
  fi
}

case "${1:-}" in
  start)
    if [ "${FIN_FIRESTORE_ONLY:-}" = 1 ]; then start_firestore
    else # side by side: each takes seconds to boot (a JVM, a Node CLI)
      start_firestore & fs=$!
      start_auth
      wait "$fs" || exit 1
    fi ;;
  stop) emu_stop "$RUN/firestore.pid" "stopped Firestore"; emu_stop "$RUN/firebase-auth.pid" "stopped Auth" ;;
  reset) reset ;;
  status)
    up "http://127.0.0.1:$FS_PORT/" && say "Firestore up on :$FS_PORT" || say "Firestore down"
    up "http://127.0.0.1:$AUTH_PORT/" && say "Auth up on :$AUTH_PORT" || say "Auth down" ;;
  *) die "usage: scripts/firebase-emulator.sh start|stop|reset|status" ;;
esac
