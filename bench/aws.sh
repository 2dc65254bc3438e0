#!/usr/bin/env bash
# bench/aws.sh (`bun run bench:aws`) - AWS mode on DynamoDB Local (tables)
# and moto (SQS, SSM, Cognito), with an EventBridge stand-in
# (bench/fake_eventbridge.ts), all this run's own, on free ports, stopped at
# the end. Prints, against their targets:
#   1. DynamoDB round trips per purchase and per dashboard (<= 2, <= 3);
#   2. the server's CPU time per request (user + system, from /proc) under
#      wrk -t2 -c8, once DynamoDB Local is warm: dashboard and purchase
#      (<= 250 us each; a purchase's share counts until the outbox worker
#      has delivered its events: none left pending);
#   3. dashboard throughput at 2 and at 64 connections (64 >= 3x 2);
#   4. the same through build/delay-proxy (bench/delay_proxy.c), which
#      holds every DynamoDB request for 5 ms, as a remote DynamoDB would
#      (>= 1500/s at 64).
# The servers allow any number of connections per address
# (FIN_HTTP_MAX_CONNECTIONS_PER_IP=0): wrk opens them all from 127.0.0.1.
# Writes bench/results/aws.json.
#   BENCH_SECONDS (default 10), BENCH_USERS_N (default 64), BENCH_DELAY_MS (5),
#   BENCH_PERF=DIR: `perf record -g` of the server during the dashboard and
#   purchase loads, into DIR/dashboard.data and DIR/purchase.data (the CPU
#   figures of such a run include perf's own cost); BENCH_PERF_G: its
#   call-graph option (default -g; "--call-graph dwarf" through libraries
#   built without frame pointers)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh >/dev/null
make -s build/financial-api build/delay-proxy
SECS="${BENCH_SECONDS:-10}"
NUSERS="${BENCH_USERS_N:-64}"
DELAY="${BENCH_DELAY_MS:-5}"
work="$PWD/.run/bench-aws-$$"
mkdir -p "$work"
export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export FIN_AWS_EMULATOR=moto AWS_EMULATOR_RUN="$work/moto" AWS_EMULATOR_PORT
pids=()
stops=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  for s in "${stops[@]}"; do eval "$s" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

AWS_EMULATOR_PORT=$(scripts/low-port.sh)
export AWS_ENDPOINT_URL="http://127.0.0.1:$AWS_EMULATOR_PORT"
stops+=("scripts/aws-emulator.sh stop")
scripts/aws-emulator.sh start >/dev/null
DDB=$(scripts/low-port.sh)
stops+=("scripts/dynamodb-local.sh stop")
scripts/dynamodb-local.sh start "$DDB" >/dev/null
DIRECT="http://127.0.0.1:$DDB"
AWS_ENDPOINT_URL_DYNAMODB="$DIRECT" build/financial-api provision localstack/manifest.json \
  --tables-only >/dev/null

# EventBridge: a fast stand-in (bench/fake_eventbridge.ts says why not moto)
bun bench/fake_eventbridge.ts "$work/eb.port" >"$work/eb.out" 2>&1 &
pids+=($!)
until [ -s "$work/eb.port" ]; do sleep 0.05; done # polling its start
export AWS_ENDPOINT_URL_EVENTBRIDGE="http://127.0.0.1:$(cat "$work/eb.port")"

# the delaying proxy in front of the same DynamoDB Local
PPORT=$(scripts/low-port.sh)
build/delay-proxy "$PPORT" "$DDB" "$DELAY" >"$work/proxy.out" 2>&1 &
pids+=($!)
until grep -q ready "$work/proxy.out" 2>/dev/null; do sleep 0.05; done # polling its start
DELAYED="http://127.0.0.1:$PPORT"

# serve ENDPOINT LOG: a server on DynamoDB at ENDPOINT; sets SPID and BASE
serve() {
  rm -f "$work/port"
  AWS_ENDPOINT_URL_DYNAMODB="$1" INFRA_MODE=aws FIN_DEV_AUTH=true FIN_AWS_TIMEOUT_MS=20000 \
    FIN_HTTP_MAX_CONNECTIONS_PER_IP=0 \
    build/financial-api serve --port 0 --port-file "$work/port" --bind 127.0.0.1 2>>"$2" &
  SPID=$!
  pids+=($SPID)
  until [ -s "$work/port" ] && curl -s -o /dev/null "http://127.0.0.1:$(cat "$work/port")/health/liveness"; do
    kill -0 "$SPID" 2>/dev/null || { tail -20 "$2" >&2; exit 1; }
    sleep 0.05 # polling the server's start
  done
  BASE="http://127.0.0.1:$(cat "$work/port")"
}
stop_server() {
  kill "$SPID"
  wait "$SPID" 2>/dev/null || true
}

serve "$DIRECT" "$work/server.log"
export BENCH_DIR="$PWD/bench" BENCH_USERS="$work/users.lua"
bun bench/setup.ts "$BASE" "$NUSERS" "$BENCH_USERS"

# 1. round trips: the server logs backend_calls per request
calls() { # method path-prefix -> average over the logged requests
  grep -a '"event":"request"' "$work/server.log" | grep -a "\"method\":\"$1\"" | grep -a "\"path\":\"$2" |
    sed -n 's/.*"backend_calls":\([0-9]*\).*/\1/p' | awk '{s+=$1; n++} END {printf "%.2f %d\n", (n? s/n : 0), n}'
}
: >"$work/server.log"
auth=$(sed -n '2s/.*auth="\([^"]*\)".*/\1/p' "$BENCH_USERS")
card=$(sed -n '2s/.*card="\([^"]*\)".*/\1/p' "$BENCH_USERS")
for i in $(seq 1 20); do
  curl -s -o /dev/null -XPOST "$BASE/v1/cards/$card/transactions/purchases" -H "Authorization: $auth" \
    -H "Idempotency-Key: rt-$$-$i" -H 'Content-Type: application/json' -d '{"amount":0.01}'
  curl -s -o /dev/null "$BASE/v1/dashboard" -H "Authorization: $auth"
done
read -r BUY_RT BUY_N < <(calls POST /v1/cards/)
read -r DASH_RT DASH_N < <(calls GET /v1/dashboard)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$SPID/stat"; }
# DynamoDB Local's own CPU, and the machine's idle time (all cores), so the
# concurrency figures say who held the cores
STORE_PID=$(pgrep -f "DynamoDBLocal.*-port $DDB" | head -1 || true)
store_ticks() { if [ -n "$STORE_PID" ]; then awk '{print $14 + $15}' "/proc/$STORE_PID/stat"; else echo 0; fi; }
idle_ticks() { awk '/^cpu /{print $5 + $6}' /proc/stat; }
HZ=$(getconf CLK_TCK)
# events still pending in DynamoDB Local's outbox (one page of the index
# counts: enough to tell zero from not zero)
pending() {
  curl -s --aws-sigv4 "aws:amz:$AWS_REGION:dynamodb" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
    -H 'X-Amz-Target: DynamoDB_20120810.Query' -H 'Content-Type: application/x-amz-json-1.0' \
    -d '{"TableName":"acme-outbox","IndexName":"PendingEvents","KeyConditionExpression":"#s = :s",
         "ExpressionAttributeNames":{"#s":"status"},"ExpressionAttributeValues":{":s":{"S":"pending"}},
         "Select":"COUNT"}' "$DIRECT/" | sed -n 's/.*"Count":\([0-9]*\).*/\1/p'
}
# settle: waits until the outbox worker has delivered every event the
# requests wrote (none pending), at most 120 s
settle() {
  local i n
  for i in $(seq 1 600); do
    n=$(pending)
    [ "$n" = 0 ] && return 0
    sleep 0.2 # polling the outbox
  done
  echo "  the outbox still had ${n:-?} events pending after 120 s" >&2
}

# wrk_run NAME CONNS SCRIPT [settle] -> "rps p99_ms cpu_us_per_request errors";
# with `settle`, CPU counts until the server is idle again
wrk_run() {
  local t0 t1 s0 s1 i0 i1 out="$work/$1.out" perf_pid=""
  if [ -n "${BENCH_PERF:-}" ] && { [ "$1" = dashboard ] || [ "$1" = purchase ]; }; then
    perf record -q -F 999 ${BENCH_PERF_G:--g} -p "$SPID" -o "$BENCH_PERF/$1.data" -- sleep "$SECS" 2>/dev/null &
    perf_pid=$!
  fi
  t0=$(cpu_ticks)
  s0=$(store_ticks)
  i0=$(idle_ticks)
  wrk -t2 -c"$2" -d"${SECS}s" --latency -s "bench/$3" "$BASE/" >"$out"
  [ -n "$perf_pid" ] && wait "$perf_pid"
  [ -n "${4:-}" ] && settle
  t1=$(cpu_ticks)
  s1=$(store_ticks)
  i1=$(idle_ticks)
  local f
  f=$(sed -n 's/.*BENCH //p' "$out")
  awk -v a="$s0" -v b="$s1" -v i="$i0" -v j="$i1" -v hz="$HZ" -v f="$f" -v n="$(nproc)" -v secs="$SECS" 'BEGIN {
    k = split(f, kv, " "); for (x = 1; x <= k; x++) { split(kv[x], p, "="); v[p[1]] = p[2] }
    printf "  %s store_cpu_us=%.0f machine_idle=%.0f%%\n", "'"$1"'", (v["requests"] ? (b - a) / hz * 1e6 / v["requests"] : 0),
      100 * (j - i) / hz / (n * secs) }' >&2
  echo "  $1 (-c$2): $f" >&2
  awk -v a="$t0" -v b="$t1" -v hz="$HZ" -v f="$f" 'BEGIN {
    n = split(f, kv, " "); for (i = 1; i <= n; i++) { split(kv[i], p, "="); v[p[1]] = p[2] }
    printf "%.1f %.2f %.0f %d\n", v["rps"], v["p99_ms"], (v["requests"] ? (b - a) / hz * 1e6 / v["requests"] : 0), v["errors"] }'
}

# 2. CPU per dashboard, once DynamoDB Local's JIT is warm: its speed moves
# the server's CPU per request (a slower answer is more wake-ups), and a
# real DynamoDB does not warm up. Warm-up runs go on while they still gain
# more than 3% (at least 4, at most 12).
warm_prev=0
for i in $(seq 1 12); do
  read -r warm_rps _ < <(SECS=3 wrk_run "warm$i" 8 dashboard.lua)
  [ "$i" -ge 4 ] && awk -v a="$warm_rps" -v b="$warm_prev" 'BEGIN{exit !(a < b * 1.03)}' && break
  warm_prev=$warm_rps
done
settle # the set-up's events
read -r DASH_RPS _ DASH_CPU DASH_ERR < <(wrk_run dashboard 8 dashboard.lua)
# 3. concurrency, store on loopback
read -r C2_RPS C2_P99 _ C2_ERR < <(wrk_run c2 2 dashboard.lua)
read -r C64_RPS C64_P99 _ C64_ERR < <(wrk_run c64 64 dashboard.lua)
# 4. CPU per purchase, the outbox's deliveries of their events included
read -r BUY_RPS _ BUY_CPU BUY_ERR < <(wrk_run purchase 8 purchase.lua settle)
stop_server

# 5. concurrency, every store call DELAY ms away
serve "$DELAYED" "$work/server-delayed.log"
read -r D2_RPS D2_P99 _ D2_ERR < <(wrk_run d2 2 dashboard.lua)
read -r D64_RPS D64_P99 D64_CPU D64_ERR < <(wrk_run d64 64 dashboard.lua)
stop_server

le() { awk -v a="$1" -v t="$2" 'BEGIN{print (a<=t)?"PASS":"MISS"}'; }
ge() { awk -v a="$1" -v t="$2" 'BEGIN{print (a>=t)?"PASS":"MISS"}'; }
RATIO=$(awk -v a="$C64_RPS" -v b="$C2_RPS" 'BEGIN{printf "%.2f", (b > 0 ? a / b : 0)}')
echo
echo "AWS mode: DynamoDB Local $DIRECT (delayed ${DELAY} ms: $DELAYED), moto $AWS_ENDPOINT_URL; wrk -t2 ${SECS}s"
printf 'DynamoDB round trips per purchase:  %s over %s requests (target <= 2 %s)\n' "$BUY_RT" "$BUY_N" "$(le "$BUY_RT" 2)"
printf 'DynamoDB round trips per dashboard: %s over %s requests (target <= 3 %s)\n' "$DASH_RT" "$DASH_N" "$(le "$DASH_RT" 3)"
printf 'server CPU per dashboard: %s us at %s req/s, -c8 (target <= 250 %s)\n' "$DASH_CPU" "$DASH_RPS" "$(le "$DASH_CPU" 250)"
printf 'server CPU per purchase:  %s us at %s req/s, -c8, its events delivered (target <= 250 %s)\n' "$BUY_CPU" "$BUY_RPS" "$(le "$BUY_CPU" 250)"
printf 'dashboards/s, store on loopback: -c2 %s (p99 %s ms), -c64 %s (p99 %s ms): x%s (target >= 3 %s)\n' \
  "$C2_RPS" "$C2_P99" "$C64_RPS" "$C64_P99" "$RATIO" "$(ge "$RATIO" 3)"
printf 'dashboards/s, store %s ms away:  -c2 %s (p99 %s ms), -c64 %s (p99 %s ms, %s us CPU each) (target >= 1500 %s)\n' \
  "$DELAY" "$D2_RPS" "$D2_P99" "$D64_RPS" "$D64_P99" "$D64_CPU" "$(ge "$D64_RPS" 1500)"
ERRS=$((DASH_ERR + BUY_ERR + C2_ERR + C64_ERR + D2_ERR + D64_ERR))
echo "non-2xx or socket errors over all runs: $ERRS"
mkdir -p bench/results
printf '{"purchase_round_trips":%s,"dashboard_round_trips":%s,"dashboard_cpu_us":%s,"purchase_cpu_us":%s,"dashboard_rps_c8":%s,"purchase_rps_c8":%s,"dashboard_rps_c2":%s,"dashboard_rps_c64":%s,"c64_over_c2":%s,"delay_ms":%s,"delayed_dashboard_rps_c2":%s,"delayed_dashboard_rps_c64":%s,"errors":%s}\n' \
  "$BUY_RT" "$DASH_RT" "$DASH_CPU" "$BUY_CPU" "$DASH_RPS" "$BUY_RPS" "$C2_RPS" "$C64_RPS" "$RATIO" \
  "$DELAY" "$D2_RPS" "$D64_RPS" "$ERRS" >bench/results/aws.json
echo "figures: bench/results/aws.json"
