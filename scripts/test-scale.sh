#!/usr/bin/env bash
# The scale-out suite (`bun run test:scale`, also part of scripts/test.sh):
# per remote mode, two instances of the server on one store behind nginx,
# which alternates requests between them (docs/deploy.md):
#   aws:      DynamoDB Local for the tables, moto for SQS, EventBridge, SSM
#             and Cognito (the per-service endpoint variables)
#   firebase: one Firestore emulator and one Auth emulator
# Through the balancer: a burst of writes whose outbox events are each
# delivered by exactly one of the two (tests/scale/burst.test.ts reads the
# two servers' logs), the whole HTTP contract suite, then over the whole
# run no event delivered twice and both instances busy (once.test.ts); last,
# two more instances on tables of their own and one fake WPP-Connect server:
# each admin notification sent once (whatsapp.test.ts). Emulators, servers
# and nginx are this run's own, on free ports, and stopped at the end.
# SCALE_MODES ("aws firebase").
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh || exit 1
make -s -j"$(nproc)" build/financial-api || exit 1
STEP_PREFIX=scale/
. scripts/steps.sh
export FIN_LOG="${FIN_LOG:-0}" FIN_BIN=build/financial-api
work="$PWD/.run/scale-$$"
mkdir -p "$work"
pids=()
stops=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  for s in "${stops[@]}"; do eval "$s" >/dev/null 2>&1; done
}
trap cleanup EXIT

# Two servers in mode $1 (environment from the caller) and nginx in front of
# them; sets BASE_URL and SCALE_LOGS ("log1:log2").
balanced() {
  local mode=$1 dir="$work/$1" i ports=()
  mkdir -p "$dir/nginx"
  for i in 1 2; do
    rm -f "$dir/server$i.port"
    INFRA_MODE=$mode FIN_LOG=1 build/financial-api serve --port 0 --port-file "$dir/server$i.port" \
      --bind 127.0.0.1 >/dev/null 2>"$dir/server$i.log" &
    pids+=($!)
  done
  for i in 1 2; do
    local deadline=$((SECONDS + 60))
    until [ -s "$dir/server$i.port" ] &&
      curl -sf -o /dev/null "http://127.0.0.1:$(cat "$dir/server$i.port")/health/liveness"; do
      if [ $SECONDS -ge $deadline ]; then
        echo "scale: server $i ($mode) did not start; its log:" >&2
        tail -20 "$dir/server$i.log" >&2
        return 1
      fi
      sleep 0.1 # polling a server's start with a deadline
    done
    ports+=("$(cat "$dir/server$i.port")")
  done
  local lb user=""
  lb=$(scripts/low-port.sh) || return 1
  [ "$(id -u)" -eq 0 ] && user="user root;"
  # every request body stays in memory (no temp files), nothing is retried
  # on the other instance (a POST must not run twice), URIs pass unchanged
  cat >"$dir/nginx/nginx.conf" <<CONF
$user
worker_processes 1;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir/nginx; proxy_temp_path $dir/nginx;
  fastcgi_temp_path $dir/nginx; uwsgi_temp_path $dir/nginx; scgi_temp_path $dir/nginx;
  client_max_body_size 0;
  client_body_buffer_size 4m;
  large_client_header_buffers 8 64k;
  upstream api {
    server 127.0.0.1:${ports[0]};
    server 127.0.0.1:${ports[1]};
    keepalive 32;
  }
  server {
    listen 127.0.0.1:$lb;
    location / {
      proxy_pass http://api;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      proxy_buffering off;
      proxy_request_buffering on;
      proxy_next_upstream off;
      proxy_read_timeout 120s;
    }
  }
}
CONF
  nginx -c "$dir/nginx/nginx.conf" -g 'daemon off;' &
  pids+=($!)
  local deadline=$((SECONDS + 20))
  until curl -sf -o /dev/null "http://127.0.0.1:$lb/health/liveness"; do
    [ $SECONDS -ge $deadline ] && { cat "$dir/nginx/error.log" >&2; return 1; }
    sleep 0.1 # polling nginx's start with a deadline
  done
  export BASE_URL="http://127.0.0.1:$lb" SCALE_LOGS="$dir/server1.log:$dir/server2.log"
  echo "scale: $mode servers on ${ports[0]} and ${ports[1]}, nginx on $lb"
}

scale_aws() (
  export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
  export FIN_AWS_EMULATOR=moto AWS_EMULATOR_RUN="$work/moto" AWS_EMULATOR_PORT
  AWS_EMULATOR_PORT=$(scripts/low-port.sh) || exit 1
  export AWS_ENDPOINT_URL="http://127.0.0.1:$AWS_EMULATOR_PORT"
  stops+=("AWS_EMULATOR_RUN='$work/moto' AWS_EMULATOR_PORT=$AWS_EMULATOR_PORT scripts/aws-emulator.sh stop")
  trap cleanup EXIT
  scripts/aws-emulator.sh start || exit 1
  local ddb
  ddb=$(scripts/low-port.sh) || exit 1
  stops+=("scripts/dynamodb-local.sh stop")
  scripts/dynamodb-local.sh start "$ddb" || exit 1
  export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$ddb"
  build/financial-api provision localstack/manifest.json --tables-only >/dev/null || exit 1
  export FIN_DEV_AUTH=true FIN_AWS_TIMEOUT_MS=20000 FIN_SERVER_MODE=aws
  balanced aws || exit 1
  step aws-burst scripts/bun-test.sh tests/scale/burst.test.ts --timeout 120000
  step aws-contract scripts/contract.sh --timeout 60000
  step aws-once scripts/bun-test.sh tests/scale/once.test.ts
  step aws-whatsapp scripts/bun-test.sh tests/scale/whatsapp.test.ts --timeout 120000
  [ "$failed" -eq 0 ]
)

scale_firebase() (
  export GCLOUD_PROJECT=demo-acme FIREBASE_EMULATOR_RUN="$work/firebase"
  export FIRESTORE_PORT FIREBASE_AUTH_PORT
  FIRESTORE_PORT=$(scripts/low-port.sh) && FIREBASE_AUTH_PORT=$(scripts/low-port.sh) || exit 1
  export FIRESTORE_EMULATOR_HOST="127.0.0.1:$FIRESTORE_PORT"
  export FIREBASE_AUTH_EMULATOR_HOST="127.0.0.1:$FIREBASE_AUTH_PORT"
  stops+=("FIREBASE_EMULATOR_RUN='$work/firebase' FIRESTORE_PORT=$FIRESTORE_PORT FIREBASE_AUTH_PORT=$FIREBASE_AUTH_PORT scripts/firebase-emulator.sh stop")
  trap cleanup EXIT
  scripts/firebase-emulator.sh start || exit 1
  export FIRESTORE_DATABASE=scale FIN_FIRESTORE_TIMEOUT_MS=20000 FIN_SERVER_MODE=firebase
  export FIN_TOKEN_MODE=firebase-emulator
  balanced firebase || exit 1
  step firebase-burst scripts/bun-test.sh tests/scale/burst.test.ts --timeout 120000
  step firebase-contract scripts/contract.sh --timeout 30000
  step firebase-once scripts/bun-test.sh tests/scale/once.test.ts
  step firebase-whatsapp scripts/bun-test.sh tests/scale/whatsapp.test.ts --timeout 120000
  [ "$failed" -eq 0 ]
)

for mode in ${SCALE_MODES:-aws firebase}; do
  step "$mode" "scale_$mode"
done
echo
echo "scale suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
