#!/usr/bin/env bash
# Firebase mode suites against the Firebase emulators (started here when
# nothing answers, and stopped at the end; scripts/firebase-emulator.sh):
#   1. the repository conformance suite on the Firestore adapter
#   2. the HTTP contract suite against a server in Firebase mode, with ID
#      tokens from the Auth emulator
#   3. tests/firebase: emulator tokens only in emulator mode, expired tokens,
#      Firestore stopped mid-run (503, readiness) and its recovery, and the
#      lua/examples scripts that target Firestore
set -uo pipefail
cd "$(dirname "$0")/.."
export GCLOUD_PROJECT="${GCLOUD_PROJECT:-demo-acme}"
caller_hosts="${FIRESTORE_EMULATOR_HOST:-}${FIREBASE_AUTH_EMULATOR_HOST:-}${FIRESTORE_PORT:-}${FIREBASE_AUTH_PORT:-}"
export FIRESTORE_EMULATOR_HOST="${FIRESTORE_EMULATOR_HOST:-127.0.0.1:${FIRESTORE_PORT:-8080}}"
export FIREBASE_AUTH_EMULATOR_HOST="${FIREBASE_AUTH_EMULATOR_HOST:-127.0.0.1:${FIREBASE_AUTH_PORT:-9099}}"
export FIN_LOG="${FIN_LOG:-0}"
scripts/ensure-deps.sh || exit 1

STEP_PREFIX=firebase/
. scripts/steps.sh

make -s -j"$(nproc)" build/financial-api build/san/conformance || exit 1

# Emulators already on the default ports are used as they are. Otherwise
# this run starts its own, on free low ports unless the caller named ports,
# with their state in .run/firebase-<pid>: runs that overlap never share,
# or stop, each other's emulators.
started=""
status="$(scripts/firebase-emulator.sh status)"
if [[ "$status" == *down* && -z "$caller_hosts" ]]; then
  export FIREBASE_EMULATOR_RUN=".run/firebase-$$"
  for try in 1 2 3; do # another listener may take a port first: pick again
    FIRESTORE_PORT="$(scripts/low-port.sh)" && FIREBASE_AUTH_PORT="$(scripts/low-port.sh)" || exit 1
    export FIRESTORE_PORT FIREBASE_AUTH_PORT
    export FIRESTORE_EMULATOR_HOST="127.0.0.1:$FIRESTORE_PORT"
    export FIREBASE_AUTH_EMULATOR_HOST="127.0.0.1:$FIREBASE_AUTH_PORT"
    scripts/firebase-emulator.sh start && started=yes && break
    scripts/firebase-emulator.sh stop >/dev/null 2>&1
  done
  [ -n "$started" ] || exit 1
elif [[ "$status" == *down* ]]; then
  scripts/firebase-emulator.sh start || exit 1
  started=yes
fi
cleanup() { [ -n "$started" ] && scripts/firebase-emulator.sh stop; }
trap cleanup EXIT

# Each suite gets a database of its own, so none sees another's documents.
# Generous client timeouts: these suites test what the API answers, not how
# fast a loaded emulator is (the outage tests in tests/firebase set short ones).
export FIN_FIRESTORE_TIMEOUT_MS="${FIN_FIRESTORE_TIMEOUT_MS:-20000}"
step conformance env FIRESTORE_DATABASE=conformance ASAN_OPTIONS=detect_leaks=1 \
  build/san/conformance lua/firebase.lua
step contract env FIN_SERVER_MODE=firebase FIN_TOKEN_MODE=firebase-emulator \
  FIRESTORE_DATABASE=contract scripts/contract.sh --timeout 30000
step firebase-specific env FIN_SERVER_MODE=firebase scripts/bun-test.sh tests/firebase --timeout 60000

echo
echo "firebase suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
