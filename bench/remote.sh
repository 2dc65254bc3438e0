# shellcheck shell=bash disable=SC2034,SC2154 # sets the round-trip figures; `work` is the sourcing script's
# bench/remote.sh - what bench/aws.sh and bench/firebase.sh share, sourced by
# both: their processes and clean-up, a server's start, round trips from the
# request log, CPU and idle ticks from /proc, wrk loads and the outbox settle.
# The sourcing script sets `work` (its directory) before sourcing, and
# defines STORE_PID (the store emulator's pid, may be empty) and pending()
# (prints 0 when no outbox event is pending) before using settle or wrk_run.
pids=()
stops=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  for s in "${stops[@]}"; do eval "$s" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# serve_with LOG VAR=VALUE...: a server with that environment added; sets
# SPID and BASE once it answers
serve_with() {
  local log=$1
  shift
  rm -f "$work/port"
  env "$@" FIN_HTTP_MAX_CONNECTIONS_PER_IP=0 \
    build/financial-api serve --port 0 --port-file "$work/port" --bind 127.0.0.1 2>>"$log" &
  SPID=$!
  pids+=("$SPID")
  until [ -s "$work/port" ] && curl -s -o /dev/null "http://127.0.0.1:$(cat "$work/port")/health/liveness"; do
    kill -0 "$SPID" 2>/dev/null || { tail -20 "$log" >&2; exit 1; }
    sleep 0.05 # polling the server's start
  done
  BASE="http://127.0.0.1:$(cat "$work/port")"
}
stop_server() {
  kill "$SPID"
  wait "$SPID" 2>/dev/null || true
}

# round_trips LOG: 20 purchases and 20 dashboards of the first bench user,
# then the average backend_calls the server logged for each; sets BUY_RT,
# BUY_N, DASH_RT, DASH_N
calls() { # log method path-prefix -> average over the logged requests
  grep -a '"event":"request"' "$1" | grep -a "\"method\":\"$2\"" | grep -a "\"path\":\"$3" |
    sed -n 's/.*"backend_calls":\([0-9]*\).*/\1/p' | awk '{s+=$1; n++} END {printf "%.2f %d\n", (n? s/n : 0), n}'
}
round_trips() {
  : >"$1"
  local auth card i
  auth=$(sed -n '2s/.*auth="\([^"]*\)".*/\1/p' "$BENCH_USERS")
  card=$(sed -n '2s/.*card="\([^"]*\)".*/\1/p' "$BENCH_USERS")
  for i in $(seq 1 20); do
    curl -s -o /dev/null -XPOST "$BASE/v1/cards/$card/transactions/purchases" -H "Authorization: $auth" \
      -H "Idempotency-Key: rt-$$-$i" -H 'Content-Type: application/json' -d '{"amount":0.01}'
    curl -s -o /dev/null "$BASE/v1/dashboard" -H "Authorization: $auth"
  done
  read -r BUY_RT BUY_N < <(calls "$1" POST /v1/cards/)
  read -r DASH_RT DASH_N < <(calls "$1" GET /v1/dashboard)
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$SPID/stat"; }
# the store's own CPU and the machine's idle time (all cores), so the
# concurrency figures say who held the cores
store_ticks() { if [ -n "${STORE_PID:-}" ]; then awk '{print $14 + $15}' "/proc/$STORE_PID/stat"; else echo 0; fi; }
idle_ticks() { awk '/^cpu /{print $5 + $6}' /proc/stat; }
HZ=$(getconf CLK_TCK)

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

# wrk_run NAME CONNS SCRIPT [settle] -> "rps p99_ms cpu_us_per_request errors
# store_cpu_us_per_request"; with `settle`, CPU counts until the requests'
# events are delivered. On stderr: the figures and the machine's idle share.
# BENCH_PERF=DIR records the dashboard and purchase loads (BENCH_PERF_G: the
# call-graph option)
wrk_run() {
  local t0 t1 s0 s1 i0 i1 out="$work/$1.out" perf_pid=""
  if [ -n "${BENCH_PERF:-}" ] && { [ "$1" = dashboard ] || [ "$1" = purchase ]; }; then
    # shellcheck disable=SC2086 # BENCH_PERF_G is words ("--call-graph dwarf")
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
  awk -v a="$t0" -v b="$t1" -v s0="$s0" -v s1="$s1" -v hz="$HZ" -v f="$f" 'BEGIN {
    n = split(f, kv, " "); for (i = 1; i <= n; i++) { split(kv[i], p, "="); v[p[1]] = p[2] }
    r = v["requests"]
    printf "%.1f %.2f %.0f %d %.0f\n", v["rps"], v["p99_ms"], (r ? (b - a) / hz * 1e6 / r : 0), v["errors"],
      (r ? (s1 - s0) / hz * 1e6 / r : 0) }'
}

# warm_up: dashboard loads until the store's JIT is warm (its speed moves the
# server's CPU per request: a slower answer is more wake-ups, and a real
# store does not warm up): while a run still gains more than 3% (at least
# 4, at most 12), then the set-up's events delivered
warm_up() {
  local i warm_rps warm_prev=0
  for i in $(seq 1 12); do
    read -r warm_rps _ < <(SECS=3 wrk_run "warm$i" 8 dashboard.lua)
    [ "$i" -ge 4 ] && awk -v a="$warm_rps" -v b="$warm_prev" 'BEGIN{exit !(a < b * 1.03)}' && break
    warm_prev=$warm_rps
  done
  settle
}
