#!/usr/bin/env bash
# bench/firebase.sh (`bun run bench:firebase`) - Firebase mode on the
# Firestore emulator (scripts/firebase-emulator.sh), this run's own, on a
# free port, in a database of its own, stopped at the end. Prints figures
# (no targets are set for this mode; bench/aws.sh has them for AWS mode):
#   1. Firestore round trips per purchase and per dashboard;
#   2. the server's CPU time per request (user + system, from /proc) under
#      wrk -t2 -c8, once the emulator is warm: dashboard and purchase (a
#      purchase's share counts until the outbox worker has delivered its
#      events: none left pending), beside the emulator's CPU per request and
#      the machine's idle share;
#   3. dashboard throughput at 2 and at 64 connections.
# bench/setup.ts mints dev tokens ("mock."): the server takes them with
# FIN_DEV_AUTH=true, which it allows only when Firestore and the Auth
# emulator are both on loopback (docs/firebase.md). FIREBASE_AUTH_EMULATOR_HOST
# names a free port, but the Auth emulator is not started: the server
# verifies tokens itself and asks it nothing but readiness, and its Node
# process would take a share of the two cores.
# The server allows any number of connections per address
# (FIN_HTTP_MAX_CONNECTIONS_PER_IP=0): wrk opens them all from 127.0.0.1.
# Writes bench/results/firebase.json.
#   BENCH_SECONDS (default 10), BENCH_USERS_N (default 64),
#   BENCH_PERF=DIR: `perf record -g` of the server during the dashboard and
#   purchase loads, into DIR/dashboard.data and DIR/purchase.data (the CPU
#   figures of such a run include perf's own cost); BENCH_PERF_G: its
#   call-graph option (default -g; "--call-graph dwarf" through libraries
#   built without frame pointers)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh >/dev/null
make -s build/financial-api
SECS="${BENCH_SECONDS:-10}"
NUSERS="${BENCH_USERS_N:-64}"
DB=bench
work="$PWD/.run/bench-firebase-$$"
mkdir -p "$work"
export GCLOUD_PROJECT=demo-acme FIREBASE_EMULATOR_RUN="$work/firebase" FIN_FIRESTORE_ONLY=1
export FIRESTORE_PORT FIREBASE_AUTH_PORT FIRESTORE_EMULATOR_HOST FIREBASE_AUTH_EMULATOR_HOST
. bench/remote.sh

# the emulator cannot listen on port 0: another listener may take the port
# low-port.sh picked first, then pick again (as scripts/test-emulator.sh)
stops+=("scripts/firebase-emulator.sh stop")
started=""
for _ in 1 2 3; do
  FIRESTORE_PORT=$(scripts/low-port.sh)
  FIREBASE_AUTH_PORT=$(scripts/low-port.sh)
  FIRESTORE_EMULATOR_HOST="127.0.0.1:$FIRESTORE_PORT"
  FIREBASE_AUTH_EMULATOR_HOST="127.0.0.1:$FIREBASE_AUTH_PORT"
  scripts/firebase-emulator.sh start >/dev/null && started=yes && break
  scripts/firebase-emulator.sh stop >/dev/null 2>&1 || true
done
[ -n "$started" ] || { echo "bench/firebase.sh: the Firestore emulator did not start" >&2; exit 1; }
FS="http://$FIRESTORE_EMULATOR_HOST"

# serve LOG: a server in Firebase mode on the emulator; sets SPID and BASE
serve() {
  serve_with "$1" INFRA_MODE=firebase FIN_DEV_AUTH=true FIRESTORE_DATABASE="$DB" \
    FIN_FIRESTORE_TIMEOUT_MS=20000
}

serve "$work/server.log"
export BENCH_DIR="$PWD/bench" BENCH_USERS="$work/users.lua"
bun bench/setup.ts "$BASE" "$NUSERS" "$BENCH_USERS"

# 1. round trips: the server logs backend_calls per request
round_trips "$work/server.log"

# the emulator's own CPU (its JVM: the pid scripts/firebase-emulator.sh
# started; bench/remote.sh counts it per request)
STORE_PID=$(cat "$FIREBASE_EMULATOR_RUN/firestore.pid" 2>/dev/null || true)
[ -r "/proc/${STORE_PID:-x}/stat" ] || STORE_PID=$(pgrep -f "CloudFirestore.*--port=$FIRESTORE_PORT" | head -1 || true)
# events still pending in the outbox: a runQuery for one of them (enough to
# tell zero from not zero); the emulator takes "Bearer owner" as an admin.
# Prints 0, 1, or nothing when the emulator did not answer with results
pending() {
  curl -s -H 'Authorization: Bearer owner' -H 'Content-Type: application/json' \
    -d '{"structuredQuery":{"from":[{"collectionId":"outbox"}],"where":{"fieldFilter":{
         "field":{"fieldPath":"status"},"op":"EQUAL","value":{"stringValue":"pending"}}},"limit":1}}' \
    "$FS/v1/projects/$GCLOUD_PROJECT/databases/$DB/documents:runQuery" |
    awk '/"readTime"/ {r = 1} /"document"/ {d = 1} END {if (d) print 1; else if (r) print 0}'
}
# 2. CPU per dashboard, once the emulator's JIT is warm
warm_up
read -r DASH_RPS _ DASH_CPU DASH_ERR DASH_STORE < <(wrk_run dashboard 8 dashboard.lua)
# 3. concurrency
read -r C2_RPS C2_P99 _ C2_ERR _ < <(wrk_run c2 2 dashboard.lua)
read -r C64_RPS C64_P99 _ C64_ERR _ < <(wrk_run c64 64 dashboard.lua)
# 4. CPU per purchase, the outbox's deliveries of their events included
read -r BUY_RPS _ BUY_CPU BUY_ERR BUY_STORE < <(wrk_run purchase 8 purchase.lua settle)
stop_server

RATIO=$(awk -v a="$C64_RPS" -v b="$C2_RPS" 'BEGIN{printf "%.2f", (b > 0 ? a / b : 0)}')
echo
echo "Firebase mode: Firestore emulator $FS (database $DB); wrk -t2 ${SECS}s; figures only, no targets"
printf 'Firestore round trips per purchase:  %s over %s requests\n' "$BUY_RT" "$BUY_N"
printf 'Firestore round trips per dashboard: %s over %s requests\n' "$DASH_RT" "$DASH_N"
printf 'server CPU per dashboard: %s us at %s req/s, -c8; emulator %s us (AWS-mode target <= 250)\n' \
  "$DASH_CPU" "$DASH_RPS" "$DASH_STORE"
printf 'server CPU per purchase:  %s us at %s req/s, -c8, its events delivered; emulator %s us (AWS-mode target <= 250)\n' \
  "$BUY_CPU" "$BUY_RPS" "$BUY_STORE"
printf 'dashboards/s: -c2 %s (p99 %s ms), -c64 %s (p99 %s ms): x%s\n' \
  "$C2_RPS" "$C2_P99" "$C64_RPS" "$C64_P99" "$RATIO"
ERRS=$((DASH_ERR + BUY_ERR + C2_ERR + C64_ERR))
echo "non-2xx or socket errors over all runs: $ERRS"
mkdir -p bench/results
printf '{"purchase_round_trips":%s,"dashboard_round_trips":%s,"dashboard_cpu_us":%s,"purchase_cpu_us":%s,"dashboard_emulator_cpu_us":%s,"purchase_emulator_cpu_us":%s,"dashboard_rps_c8":%s,"purchase_rps_c8":%s,"dashboard_rps_c2":%s,"dashboard_rps_c64":%s,"c64_over_c2":%s,"errors":%s}\n' \
  "$BUY_RT" "$DASH_RT" "$DASH_CPU" "$BUY_CPU" "$DASH_STORE" "$BUY_STORE" "$DASH_RPS" "$BUY_RPS" \
  "$C2_RPS" "$C64_RPS" "$RATIO" "$ERRS" >bench/results/firebase.json
echo "figures: bench/results/firebase.json"
