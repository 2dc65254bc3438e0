#!/usr/bin/env bash
# bench/instructions.sh (`bun run bench:instructions [memory|aws]`) - the
# server's work per request counted in instructions by valgrind's callgrind.
# CPU time on a shared 2-core machine swings by a factor of two from one hour
# to the next (docs/performance.md); an instruction count of the same code
# moves by about 1%. So this is the figure to compare two versions of a
# change with; the CPU-time targets stay with `bench` and `bench:aws`.
#
# The server runs under callgrind with its counting switched on only while
# one client sends BENCH_REQUESTS (200) requests one after another on one
# connection (bench/sequential.ts): liveness checks, dashboards, then purchases. Counted are
# the user-space instructions of every server thread in that window; the
# purchase window stays open until the outbox worker has delivered the
# purchases' events (one `outbox_event_sent` log line each), so their
# deliveries are counted too. The server logs as deployed (one line per
# request). Kernel work (system calls, TCP, the scheduler: about
# half of the CPU in AWS mode) and the speed of each instruction are not.
# Two biases: a rep-prefixed string instruction counts once per byte or word
# it moves (libmicrohttpd zeroes its 32 KiB connection buffer after each
# request with memset: a third of a memory-mode dashboard's count, well
# under a microsecond on the CPU), and under valgrind OpenSSL's SHA-256 runs
# without the CPU's SHA extensions (the SigV4 hashes count several times
# what they cost natively).
# Printed per request: instructions, calls to malloc/calloc/realloc, and the
# functions with the largest own share. `aws` runs against a moto of its own
# (the store's speed does not enter the count). Writes
# bench/results/instructions-MODE.json. BENCH_KEEP=1 keeps the two profiles
# (for callgrind_annotate or kcachegrind).
set -euo pipefail
cd "$(dirname "$0")/.."
MODE="${1:-memory}"
case "$MODE" in memory | aws) ;; *) echo "usage: bench/instructions.sh [memory|aws]" >&2 && exit 2 ;; esac
command -v valgrind >/dev/null || { echo "bench:instructions needs valgrind (apt install valgrind)" >&2 && exit 1; }
scripts/ensure-deps.sh >/dev/null
make -s build/financial-api
N="${BENCH_REQUESTS:-200}"
work="$PWD/.run/bench-insn-$$"
mkdir -p "$work" bench/results
spid=""
stops=()
cleanup() {
  [ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
  for s in "${stops[@]}"; do eval "$s" >/dev/null 2>&1 || true; done
  if [ -n "${BENCH_KEEP:-}" ]; then echo "profiles kept: $work/liveness.out, $work/dashboard.out, $work/purchase.out"; else rm -rf "$work"; fi
}
trap cleanup EXIT

env_mode=(FIN_LOG=1)
if [ "$MODE" = aws ]; then
  export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
  export FIN_AWS_EMULATOR=moto AWS_EMULATOR_RUN="$work/moto" AWS_EMULATOR_PORT
  AWS_EMULATOR_PORT=$(scripts/low-port.sh)
  export AWS_ENDPOINT_URL="http://127.0.0.1:$AWS_EMULATOR_PORT"
  stops+=("scripts/aws-emulator.sh stop")
  scripts/aws-emulator.sh start >/dev/null
  env_mode+=(INFRA_MODE=aws FIN_DEV_AUTH=true FIN_AWS_TIMEOUT_MS=60000)
fi

# the server under callgrind, counting nothing until told
env "${env_mode[@]}" valgrind -q --tool=callgrind --instr-atstart=no --compress-strings=no \
  --callgrind-out-file="$work/cg.out" build/financial-api serve --port 0 \
  --port-file "$work/port" --bind 127.0.0.1 2>"$work/server.log" &
spid=$!
until [ -s "$work/port" ]; do
  kill -0 "$spid" 2>/dev/null || { tail -20 "$work/server.log" >&2 && exit 1; }
  sleep 0.1 # polling the server's start (valgrind takes seconds)
done
BASE="http://127.0.0.1:$(cat "$work/port")"
bun bench/sequential.ts "$BASE" setup "$work/user.json"

sent() { grep -c '"event":"outbox_event_sent"' "$work/server.log" || true; }
# the set-up's events delivered before any window opens: no delivery in
# two and a half of the worker's one-second intervals
before=-1
while [ "$before" != "$(sent)" ]; do
  before=$(sent)
  sleep 2.5
done

# count LOAD: one window of N requests into $work/LOAD.out; prints
# "instructions mallocs"
count() {
  callgrind_control -z "$spid" >/dev/null 2>&1
  callgrind_control -i on "$spid" >/dev/null 2>&1
  local from
  from=$(sent)
  bun bench/sequential.ts "$BASE" "$1" "$N" "$work/user.json"
  if [ "$1" = purchase ]; then # one event each, delivered within a minute
    for _ in $(seq 600); do [ "$(sent)" -ge $((from + N)) ] && break; sleep 0.1; done
    [ "$(sent)" -ge $((from + N)) ] || { echo "events not delivered: $(($(sent) - from)) of $N" >&2 && exit 1; }
  fi
  callgrind_control -i off "$spid" >/dev/null 2>&1
  rm -f "$work"/cg.out.*
  callgrind_control -d "$spid" >/dev/null 2>&1
  local f
  f=$(ls "$work"/cg.out.* | head -1)
  mv "$f" "$work/$1.out"
  f="$work/$1.out"
  local ir
  ir=$(sed -n 's/^totals: \([0-9]*\).*/\1/p' "$f" | head -1)
  # calls=N lines follow the cfn= line that names the function called
  awk '/^cfn=/{fn=$0; sub(/^cfn=(\([0-9]+\) )?/, "", fn)} /^calls=/{split($0, c, /[= ]/); if (fn == "malloc" || fn == "calloc" || fn == "realloc") m += c[2]} END{print m + 0}' "$f" |
    { read -r m; echo "$ir $m"; }
}
top() { # FILE: the 8 functions with the largest own share
  callgrind_annotate "$1" 2>/dev/null | sed -n '/file:function/,$p' | sed -n '3,10p' |
    sed -E 's/^ *([0-9,]+) \( *([0-9.]+%)\) +(.*) \[(.*)\]$/    \2  \3  (\4)/; s/\(\/[^)]*\/([^/)]*)\)$/(\1)/'
}

read -r LIVE_IR LIVE_M < <(count liveness)
read -r DASH_IR DASH_M < <(count dashboard)
read -r BUY_IR BUY_M < <(count purchase)
per() { awk -v a="$1" -v n="$N" 'BEGIN{printf "%.0f", a / n}'; }
perf1() { awk -v a="$1" -v n="$N" 'BEGIN{printf "%.1f", a / n}'; }
echo
echo "instructions per request, $MODE mode (callgrind; $N requests each, one connection)"
printf '  liveness:  %9s instructions, %6s malloc calls\n' "$(per "$LIVE_IR")" "$(perf1 "$LIVE_M")"
printf '  dashboard: %9s instructions, %6s malloc calls\n' "$(per "$DASH_IR")" "$(perf1 "$DASH_M")"
printf '  purchase:  %9s instructions, %6s malloc calls (its event'"'"'s delivery included)\n' \
  "$(per "$BUY_IR")" "$(perf1 "$BUY_M")"
echo "  largest own shares, liveness:"
top "$work/liveness.out"
echo "  largest own shares, dashboard:"
top "$work/dashboard.out"
echo "  largest own shares, purchase:"
top "$work/purchase.out"
cat >"bench/results/instructions-$MODE.json" <<JSON
{"mode":"$MODE","requests":$N,
 "liveness":{"instructions":$(per "$LIVE_IR"),"mallocs":$(perf1 "$LIVE_M")},
 "dashboard":{"instructions":$(per "$DASH_IR"),"mallocs":$(perf1 "$DASH_M")},
 "purchase":{"instructions":$(per "$BUY_IR"),"mallocs":$(perf1 "$BUY_M")}}
JSON
echo "figures: bench/results/instructions-$MODE.json"
