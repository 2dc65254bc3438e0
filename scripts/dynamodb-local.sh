#!/usr/bin/env bash
# DynamoDB Local (AWS's own engine, the one LocalStack runs for DynamoDB) for
# the second conformance run. Its jar ships inside the npm package
# amplify-dynamodb-simulator; it is fetched into .cache/ at test time and never
# committed (DynamoDB Local License Agreement).
#
#   scripts/dynamodb-local.sh start PORT | stop
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=2.9.30
CACHE=.cache/dynamodb-local
RUN=.run
mkdir -p "$CACHE" "$RUN"
say() { echo "dynamodb-local: $*"; }
die() { echo "dynamodb-local: $*" >&2; exit 1; }

fetch() {
  [ -f "$CACHE/package/emulator/DynamoDBLocal.jar" ] && return
  say "fetching amplify-dynamodb-simulator@$VERSION from the npm registry (~57 MB, once)"
  (cd "$CACHE" && npm pack --silent "amplify-dynamodb-simulator@$VERSION" >/dev/null &&
    tar xzf "amplify-dynamodb-simulator-$VERSION.tgz" && rm -f "amplify-dynamodb-simulator-$VERSION.tgz") ||
    die "npm pack amplify-dynamodb-simulator@$VERSION failed"
}

start() {
  local port="$1"
  scripts/ensure-java.sh || die "java is needed (apt install default-jre-headless)"
  fetch
  local dir="$PWD/$CACHE/package/emulator"
  # from .run: it writes a metadata file into its working directory
  (
    cd "$RUN" || exit 1
    setsid java -Djava.library.path="$dir/DynamoDBLocal_lib" -jar "$dir/DynamoDBLocal.jar" \
      -inMemory -port "$port" >dynamodb-local.log 2>&1 </dev/null &
    echo $! >dynamodb-local.pid
  )
  local deadline=$((SECONDS + 30))
  # it answers 400 to a bare GET once it is up
  until curl -s -m 1 -o /dev/null "http://127.0.0.1:$port/"; do
    [ $SECONDS -lt $deadline ] || die "DynamoDB Local did not start within 30 s (see $RUN/dynamodb-local.log)"
    kill -0 "$(cat "$RUN/dynamodb-local.pid")" 2>/dev/null || die "DynamoDB Local exited (see $RUN/dynamodb-local.log)"
    sleep 0.2
  done
  say "ready on http://127.0.0.1:$port (pid $(cat "$RUN/dynamodb-local.pid"))"
}

stop() {
  [ -f "$RUN/dynamodb-local.pid" ] || return 0
  local pid; pid="$(cat "$RUN/dynamodb-local.pid")"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  rm -f "$RUN/dynamodb-local.pid"
  say "stopped"
}

case "${1:-}" in
  start) start "${2:?port}" ;;
  stop) stop ;;
  *) die "usage: scripts/dynamodb-local.sh start PORT | stop" ;;
esac
