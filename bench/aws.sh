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
#      (>= 1500/s at 64);
#   5. the machine's own ceiling for dashboards: its cores over the CPU a
#      dashboard takes in the server and in DynamoDB Local together. When
#      it is below a target, that target cannot be met on this machine.
# FIN_AWS_WIRE=1 in the environment measures the opt-in client of our own
# (docs/aws.md); the header line says which client ran.
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
. bench/remote.sh

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
  serve_with "$2" AWS_ENDPOINT_URL_DYNAMODB="$1" INFRA_MODE=aws FIN_DEV_AUTH=true FIN_AWS_TIMEOUT_MS=20000
}

serve "$DIRECT" "$work/server.log"
export BENCH_DIR="$PWD/bench" BENCH_USERS="$work/users.lua"
bun bench/setup.ts "$BASE" "$NUSERS" "$BENCH_USERS"

# 1. round trips: the server logs backend_calls per request
round_trips "$work/server.log"

# DynamoDB Local's own CPU (bench/remote.sh counts it per request)
STORE_PID=$(pgrep -f "DynamoDBLocal.*-port $DDB" | head -1 || true)
# events still pending in DynamoDB Local's outbox (one page of the index
# counts: enough to tell zero from not zero)
pending() {
  curl -s --aws-sigv4 "aws:amz:$AWS_REGION:dynamodb" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
    -H 'X-Amz-Target: DynamoDB_20120810.Query' -H 'Content-Type: application/x-amz-json-1.0' \
    -d '{"TableName":"acme-outbox","IndexName":"PendingEvents","KeyConditionExpression":"#s = :s",
         "ExpressionAttributeNames":{"#s":"status"},"ExpressionAttributeValues":{":s":{"S":"pending"}},
         "Select":"COUNT"}' "$DIRECT/" | sed -n 's/.*"Count":\([0-9]*\).*/\1/p'
}
# 2. CPU per dashboard, once DynamoDB Local's JIT is warm
warm_up
read -r DASH_RPS _ DASH_CPU DASH_ERR DASH_STORE < <(wrk_run dashboard 8 dashboard.lua)
# 3. concurrency, store on loopback
read -r C2_RPS C2_P99 _ C2_ERR _ < <(wrk_run c2 2 dashboard.lua)
read -r C64_RPS C64_P99 _ C64_ERR _ < <(wrk_run c64 64 dashboard.lua)
# 4. CPU per purchase, the outbox's deliveries of their events included
read -r BUY_RPS _ BUY_CPU BUY_ERR _ < <(wrk_run purchase 8 purchase.lua settle)
stop_server

# 5. concurrency, every store call DELAY ms away
serve "$DELAYED" "$work/server-delayed.log"
read -r D2_RPS D2_P99 _ D2_ERR _ < <(wrk_run d2 2 dashboard.lua)
read -r D64_RPS D64_P99 D64_CPU D64_ERR _ < <(wrk_run d64 64 dashboard.lua)
stop_server

le() { awk -v a="$1" -v t="$2" 'BEGIN{print (a<=t)?"PASS":"MISS"}'; }
ge() { awk -v a="$1" -v t="$2" 'BEGIN{print (a>=t)?"PASS":"MISS"}'; }
RATIO=$(awk -v a="$C64_RPS" -v b="$C2_RPS" 'BEGIN{printf "%.2f", (b > 0 ? a / b : 0)}')
# what this machine could serve at best: its cores divided by the CPU a
# dashboard takes in the server and in DynamoDB Local together (wrk and the
# delay proxy need some too, so the real ceiling is lower)
CEIL=$(awk -v n="$(nproc)" -v a="$DASH_CPU" -v b="$DASH_STORE" 'BEGIN{printf "%.0f", (a + b > 0 ? n * 1e6 / (a + b) : 0)}')
CEIL_RATIO=$(awk -v a="$CEIL" -v b="$C2_RPS" 'BEGIN{printf "%.2f", (b > 0 ? a / b : 0)}')
echo
CLIENT=libcurl
[ "${FIN_AWS_WIRE:-}" = 1 ] && CLIENT="aws_wire (FIN_AWS_WIRE=1)"
echo "AWS mode: DynamoDB Local $DIRECT (delayed ${DELAY} ms: $DELAYED), moto $AWS_ENDPOINT_URL; wrk -t2 ${SECS}s; client $CLIENT"
printf 'DynamoDB round trips per purchase:  %s over %s requests (target <= 2 %s)\n' "$BUY_RT" "$BUY_N" "$(le "$BUY_RT" 2)"
printf 'DynamoDB round trips per dashboard: %s over %s requests (target <= 3 %s)\n' "$DASH_RT" "$DASH_N" "$(le "$DASH_RT" 3)"
printf 'server CPU per dashboard: %s us at %s req/s, -c8 (target <= 250 %s)\n' "$DASH_CPU" "$DASH_RPS" "$(le "$DASH_CPU" 250)"
printf 'server CPU per purchase:  %s us at %s req/s, -c8, its events delivered (target <= 250 %s)\n' "$BUY_CPU" "$BUY_RPS" "$(le "$BUY_CPU" 250)"
printf 'dashboards/s, store on loopback: -c2 %s (p99 %s ms), -c64 %s (p99 %s ms): x%s (target >= 3 %s)\n' \
  "$C2_RPS" "$C2_P99" "$C64_RPS" "$C64_P99" "$RATIO" "$(ge "$RATIO" 3)"
printf 'dashboards/s, store %s ms away:  -c2 %s (p99 %s ms), -c64 %s (p99 %s ms, %s us CPU each) (target >= 1500 %s)\n' \
  "$DELAY" "$D2_RPS" "$D2_P99" "$D64_RPS" "$D64_P99" "$D64_CPU" "$(ge "$D64_RPS" 1500)"
printf 'ceiling of this machine: %s dashboards/s (%s cores / (server %s + DynamoDB Local %s us CPU per dashboard, -c8)), x%s over -c2 at most\n' \
  "$CEIL" "$(nproc)" "$DASH_CPU" "$DASH_STORE" "$CEIL_RATIO"
ERRS=$((DASH_ERR + BUY_ERR + C2_ERR + C64_ERR + D2_ERR + D64_ERR))
echo "non-2xx or socket errors over all runs: $ERRS"
mkdir -p bench/results
printf '{"client":"%s","purchase_round_trips":%s,"dashboard_round_trips":%s,"dashboard_cpu_us":%s,"purchase_cpu_us":%s,"dashboard_rps_c8":%s,"purchase_rps_c8":%s,"dashboard_rps_c2":%s,"dashboard_rps_c64":%s,"c64_over_c2":%s,"delay_ms":%s,"delayed_dashboard_rps_c2":%s,"delayed_dashboard_rps_c64":%s,"dashboard_store_cpu_us":%s,"machine_ceiling_rps":%s,"errors":%s}\n' \
  "$CLIENT" "$BUY_RT" "$DASH_RT" "$DASH_CPU" "$BUY_CPU" "$DASH_RPS" "$BUY_RPS" "$C2_RPS" "$C64_RPS" "$RATIO" \
  "$DELAY" "$D2_RPS" "$D64_RPS" "$DASH_STORE" "$CEIL" "$ERRS" >bench/results/aws.json
echo "figures: bench/results/aws.json"
