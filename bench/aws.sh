#!/usr/bin/env bash
# bench/aws.sh - AWS mode against the emulator on :4566 (started here when
# nothing answers, stopped after): DynamoDB round trips per purchase and per
# dashboard (targets <= 2 and <= 3), and the server's CPU time per request
# (user + system, from /proc) under wrk -t2 -c8. Writes bench/results/aws.json.
#   BENCH_SECONDS (default 10), BENCH_USERS_N (default 8)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh >/dev/null
make -s build/financial-api
SECS="${BENCH_SECONDS:-10}"
NUSERS="${BENCH_USERS_N:-8}"
export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://127.0.0.1:4566}"
export AWS_REGION="${AWS_REGION:-us-east-1}" AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
work=$(mktemp -d)
started=""
SPID=""
cleanup() {
  [ -n "$SPID" ] && kill "$SPID" 2>/dev/null || true
  [ -n "$started" ] && scripts/aws-emulator.sh stop >/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
if [ "$(scripts/aws-emulator.sh status)" = "aws-emulator: none on $AWS_ENDPOINT_URL" ]; then
  scripts/aws-emulator.sh start >/dev/null
  started=yes
fi
prefix="bench$$-"
build/financial-api provision localstack/manifest.json --tables-only --prefix "$prefix" >/dev/null

free_port() { bun -e 'const s=Bun.listen({hostname:"127.0.0.1",port:0,socket:{data(){}}});console.log(s.port);s.stop(true)'; }
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
INFRA_MODE=aws FIN_DEV_AUTH=true FIN_TABLE_PREFIX="$prefix" FIN_AWS_TIMEOUT_MS=20000 \
  build/financial-api serve --port "$PORT" --bind 127.0.0.1 2>>"$work/server.log" &
SPID=$!
until curl -s -o /dev/null "$BASE/health/liveness"; do sleep 0.05; done
export BENCH_DIR="$PWD/bench" BENCH_USERS="$work/users.lua"
bun bench/setup.ts "$BASE" "$NUSERS" "$BENCH_USERS"

# round trips: the server logs backend_calls per request
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

# CPU per request under load
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SPID/stat"; }
HZ=$(getconf CLK_TCK)
run() { # name script -> rps cpu_us_per_request
  local t0 t1
  t0=$(cpu_ticks)
  wrk -t2 -c8 -d"${SECS}s" --latency -s "bench/$2" "$BASE/" >"$work/$1.out"
  t1=$(cpu_ticks)
  local req rps
  req=$(sed -n 's/.*BENCH .*requests=\([0-9]*\).*/\1/p' "$work/$1.out")
  rps=$(sed -n 's/.*BENCH rps=\([0-9.]*\).*/\1/p' "$work/$1.out")
  awk -v a="$t0" -v b="$t1" -v hz="$HZ" -v n="$req" -v r="$rps" \
    'BEGIN {printf "%.1f %.0f\n", r, (n ? (b - a) / hz * 1e6 / n : 0)}'
}
read -r DASH_RPS DASH_CPU < <(run dashboard dashboard.lua)
read -r BUY_RPS BUY_CPU < <(run purchase purchase.lua)

verdict() { awk -v a="$1" -v t="$2" 'BEGIN{print (a<=t)?"PASS":"MISS"}'; }
echo
echo "AWS mode against $AWS_ENDPOINT_URL ($(scripts/aws-emulator.sh status | sed 's/aws-emulator: //'))"
printf 'DynamoDB round trips per purchase:  %s over %s requests (target <= 2 %s)\n' "$BUY_RT" "$BUY_N" "$(verdict "$BUY_RT" 2)"
printf 'DynamoDB round trips per dashboard: %s over %s requests (target <= 3 %s)\n' "$DASH_RT" "$DASH_N" "$(verdict "$DASH_RT" 3)"
printf 'server CPU per request: dashboard %s us (%s req/s), purchase %s us (%s req/s), wrk -t2 -c8 %ss\n' \
  "$DASH_CPU" "$DASH_RPS" "$BUY_CPU" "$BUY_RPS" "$SECS"
echo "(req/s here is the emulator's pace, not the server's: moto serves about 400 calls/s)"
mkdir -p bench/results
printf '{"purchase_round_trips":%s,"dashboard_round_trips":%s,"dashboard_cpu_us":%s,"purchase_cpu_us":%s,"dashboard_rps":%s,"purchase_rps":%s}\n' \
  "$BUY_RT" "$DASH_RT" "$DASH_CPU" "$BUY_CPU" "$DASH_RPS" "$BUY_RPS" >bench/results/aws.json
echo "figures: bench/results/aws.json"
