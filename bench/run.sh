#!/usr/bin/env bash
# bench/run.sh - throughput, latency and memory of the memory-mode server,
# against the machine's ceiling (nginx serving a fixed JSON body), all with
# wrk -t2 -c50. Prints a table and writes bench/results/latest.json.
#   BENCH_SECONDS (default 10) per run; BENCH_USERS_N (default 50) users.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh >/dev/null
make -s build/financial-api
SECS="${BENCH_SECONDS:-10}"
NUSERS="${BENCH_USERS_N:-50}"
WRK=(wrk -t2 -c50 -d"${SECS}s" --latency)
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
export BENCH_DIR="$PWD/bench" BENCH_USERS="$work/users.lua"
echo 'return {}' >"$BENCH_USERS"

free_port() { bun -e 'const s=Bun.listen({hostname:"127.0.0.1",port:0,socket:{data(){}}});console.log(s.port);s.stop(true)'; }
figure() { sed -n 's/.*BENCH \(.*\)/\1/p' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

# 1. the ceiling: nginx on loopback with a fixed JSON body
NPORT=$(free_port)
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx; proxy_temp_path $work/nginx;
  fastcgi_temp_path $work/nginx; uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$NPORT;
    location / { default_type application/json; return 200 '{"status":"ok","timestamp":"2026-11-24T19:51:48.110Z"}'; }
  }
}
CONF
nginx -c "$work/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)
until curl -s -o /dev/null "http://127.0.0.1:$NPORT/"; do :; done
"${WRK[@]}" -s bench/plain.lua "http://127.0.0.1:$NPORT/" >"$work/nginx.out"
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
CEIL=$(figure "$work/nginx.out" rps)

# 2. the server: ready time and idle RSS
PORT=$(free_port)
t0=$(date +%s%N)
FIN_LOG=0 build/financial-api serve --port "$PORT" --bind 127.0.0.1 &
SPID=$!
pids+=($SPID)
until curl -s -o /dev/null "http://127.0.0.1:$PORT/health/liveness"; do :; done
READY_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
IDLE_KB=$(rss_kb $SPID)
BASE="http://127.0.0.1:$PORT"

# 3. users and cards
bun bench/setup.ts "$BASE" "$NUSERS" "$BENCH_USERS"

# 4. the three endpoints
"${WRK[@]}" -s bench/plain.lua "$BASE/health/liveness" >"$work/live.out"
"${WRK[@]}" -s bench/dashboard.lua "$BASE/" >"$work/dash.out"
before_kb=$(rss_kb $SPID)
"${WRK[@]}" -s bench/purchase.lua "$BASE/" >"$work/buy.out"
sleep 1.5 # let the outbox worker drain the batch it is on before measuring RSS
after_kb=$(rss_kb $SPID)
BOUGHT=$(( $(figure "$work/buy.out" requests) - $(figure "$work/buy.out" errors) ))
PER_BUY=$(( BOUGHT > 0 ? (after_kb - before_kb) * 1024 / BOUGHT : 0 ))

row() { # name file target_ratio target_p99
  local rps p50 p99 err ratio
  rps=$(figure "$2" rps); p50=$(figure "$2" p50_ms); p99=$(figure "$2" p99_ms); err=$(figure "$2" errors)
  ratio=$(awk -v a="$rps" -v b="$CEIL" 'BEGIN{printf "%.2f", a/b}')
  local ok_r ok_p
  ok_r=$(awk -v r="$ratio" -v t="$3" 'BEGIN{print (r>=t)?"PASS":"MISS"}')
  ok_p=$(awk -v p="$p99" -v t="$4" 'BEGIN{print (p<=t)?"PASS":"MISS"}')
  printf '%-22s %10.0f %6s (>= %s %s) %8s %8s ms (<= %s %s) %6s\n' "$1" "$rps" "$ratio" "$3" "$ok_r" "$p50" "$p99" "$4" "$ok_p" "$err"
  printf '"%s":{"rps":%s,"ratio":%s,"p50_ms":%s,"p99_ms":%s,"errors":%s},' "$1" "$rps" "$ratio" "$p50" "$p99" "$err" >>"$work/json"
}

echo
echo "wrk -t2 -c50 -d${SECS}s; nginx ceiling: $(printf '%.0f' "$CEIL") req/s"
printf '%-22s %10s %6s %14s %8s %8s %16s %6s\n' endpoint req/s ratio target p50 p99 target errors
: >"$work/json"
row "GET /health/liveness" "$work/live.out" 0.8 2
row "GET /v1/dashboard" "$work/dash.out" 0.5 2
row "POST purchase" "$work/buy.out" 0.3 5
IDLE_MB=$(awk -v k="$IDLE_KB" 'BEGIN{printf "%.1f", k/1024}')
echo
echo "ready to serve:        ${READY_MS} ms  (target <= 50 ms $( [ "$READY_MS" -le 50 ] && echo PASS || echo MISS))"
echo "RSS at idle:           ${IDLE_MB} MB  (target <= 15 MB $(awk -v m="$IDLE_MB" 'BEGIN{print (m<=15)?"PASS":"MISS"}'))"
echo "RSS per purchase:      ${PER_BUY} bytes over ${BOUGHT} purchases  (target <= 1536 $( [ "$PER_BUY" -le 1536 ] && echo PASS || echo MISS))"
mkdir -p bench/results
printf '{"ceiling_rps":%s,%s"ready_ms":%s,"rss_idle_kb":%s,"rss_bytes_per_purchase":%s,"purchases":%s}\n' \
  "$CEIL" "$(cat "$work/json")" "$READY_MS" "$IDLE_KB" "$PER_BUY" "$BOUGHT" >bench/results/latest.json
echo "figures: bench/results/latest.json"
