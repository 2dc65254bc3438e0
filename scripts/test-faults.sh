#!/usr/bin/env bash
# The fault suite (`bun run test:faults`; docs/faults.md): a fault-injecting
# proxy between the server and its database, a seeded randomized money
# workload whose clients retry with the same Idempotency-Key, and the
# invariants checked afterwards, in AWS mode (DynamoDB Local) and Firebase
# mode (the Firestore emulator). Starts both emulators on free ports below
# the ephemeral range and stops them at the end.
#
#   FAULT_SEEDS=7,8,9 FAULT_RATE=0.15 FAULT_MODES="aws firebase" scripts/test-faults.sh
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh || exit 1
scripts/ensure-java.sh || exit 1
make -s -j"$(nproc)" build/financial-api || exit 1
modes="${FAULT_MODES:-aws firebase}"
export FAULT_MODES="$modes"
JAR=/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar
mkdir -p .run

ddb_port="" fs_pid=""
cleanup() {
  [ -n "$ddb_port" ] && scripts/dynamodb-local.sh stop
  if [ -n "$fs_pid" ]; then
    kill -TERM -- "-$fs_pid" 2>/dev/null || kill -TERM "$fs_pid" 2>/dev/null
    wait "$fs_pid" 2>/dev/null
  fi
}
trap cleanup EXIT

if [[ " $modes " == *" aws "* ]]; then
  for _ in 1 2 3; do # another listener may take the port first: pick again
    ddb_port="$(scripts/low-port.sh)"
    scripts/dynamodb-local.sh start "$ddb_port" && break
    ddb_port=""
  done
  [ -n "$ddb_port" ] || { echo "test-faults: DynamoDB Local did not start" >&2; exit 1; }
  export FAULT_DDB_ENDPOINT="http://127.0.0.1:$ddb_port"
fi

if [[ " $modes " == *" firebase "* ]]; then
  [ -f "$JAR" ] || { echo "test-faults: no Firestore emulator at $JAR (scripts/firebase-emulator.sh installs it)" >&2; exit 1; }
  for _ in 1 2 3; do
    fs_port="$(scripts/low-port.sh)"
    setsid java -Duser.language=en -cp "$JAR" com.google.cloud.datastore.emulator.firestore.CloudFirestore \
      start --host=127.0.0.1 --port="$fs_port" >.run/faults-firestore.log 2>&1 </dev/null &
    fs_pid=$!
    for _ in $(seq 1 300); do
      curl -s -m 1 -o /dev/null "http://127.0.0.1:$fs_port/" && break
      kill -0 "$fs_pid" 2>/dev/null || break
      sleep 0.2
    done
    curl -s -m 1 -o /dev/null "http://127.0.0.1:$fs_port/" && break
    kill -TERM -- "-$fs_pid" 2>/dev/null; fs_pid=""
  done
  [ -n "$fs_pid" ] || { echo "test-faults: the Firestore emulator did not start (.run/faults-firestore.log)" >&2; exit 1; }
  export FAULT_FIRESTORE_HOST="127.0.0.1:$fs_port"
  echo "test-faults: Firestore emulator on $FAULT_FIRESTORE_HOST (pid $fs_pid)"
fi

export FIN_BIN="${FIN_BIN:-build/financial-api}" FIN_LOG="${FIN_LOG:-1}"
bun tests/faults/run.ts
