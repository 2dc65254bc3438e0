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
EMU_NAME=dynamodb-local
. scripts/lib/emulator.sh

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
    emu_spawn dynamodb-local.pid dynamodb-local.log \
      java -Djava.library.path="$dir/DynamoDBLocal_lib" -jar "$dir/DynamoDBLocal.jar" -inMemory -port "$port"
  )
  # it answers 400 to a bare GET once it is up
  emu_wait 30 "$RUN/dynamodb-local.pid" \
    "DynamoDB Local did not start within 30 s (see $RUN/dynamodb-local.log)" \
    "DynamoDB Local exited (see $RUN/dynamodb-local.log)" \
    curl -s -m 1 -o /dev/null "http://127.0.0.1:$port/"
  say "ready on http://127.0.0.1:$port (pid $(cat "$RUN/dynamodb-local.pid"))"
}

case "${1:-}" in
  start) start "${2:?port}" ;;
  stop) emu_stop "$RUN/dynamodb-local.pid" stopped ;;
  *) die "usage: scripts/dynamodb-local.sh start PORT | stop" ;;
esac
