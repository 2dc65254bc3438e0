#!/usr/bin/env bash
# Firebase mode suites against the Firebase emulators (started here when
# nothing answers, and stopped at the end; scripts/firebase-emulator.sh):
#   1. the repository conformance suite on the Firestore adapter
#   2. the HTTP contract suite against a server in Firebase mode, with ID
#      tokens from the Auth emulator
#   3. tests/firebase: emulator tokens only in emulator mode, expired tokens,
#      Firestore stopped mid-run (503, readiness) and its recovery
set -uo pipefail
cd "$(dirname "$0")/.."
export GCLOUD_PROJECT="${GCLOUD_PROJECT:-demo-acme}"
export FIRESTORE_EMULATOR_HOST="${FIRESTORE_EMULATOR_HOST:-127.0.0.1:${FIRESTORE_PORT:-8080}}"
export FIREBASE_AUTH_EMULATOR_HOST="${FIREBASE_AUTH_EMULATOR_HOST:-127.0.0.1:${FIREBASE_AUTH_PORT:-9099}}"
export FIN_LOG="${FIN_LOG:-0}"
scripts/ensure-deps.sh || exit 1

STEP_PREFIX=firebase/
. scripts/steps.sh

make -s -j"$(nproc)" build/financial-api build/san/conformance || exit 1

started=""
status="$(scripts/firebase-emulator.sh status)"
if [[ "$status" == *down* ]]; then
  scripts/firebase-emulator.sh start || exit 1
  started=yes
fi
cleanup() { [ -n "$started" ] && scripts/firebase-emulator.sh stop; }
trap cleanup EXIT

# Each suite gets a database of its own, so none sees another's documents.
step conformance env FIRESTORE_DATABASE=conformance ASAN_OPTIONS=detect_leaks=1 \
  build/san/conformance lua/firebase.lua
step contract env FIN_SERVER_MODE=firebase FIN_TOKEN_MODE=firebase-emulator \
  FIRESTORE_DATABASE=contract scripts/contract.sh --timeout 30000
step firebase-specific env FIN_SERVER_MODE=firebase scripts/bun-test.sh tests/firebase --timeout 60000

echo
echo "firebase suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
