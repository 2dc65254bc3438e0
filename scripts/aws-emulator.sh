#!/usr/bin/env bash
# The AWS emulator on 127.0.0.1:4566: LocalStack (docker-compose.aws.yml,
# with moto beside it for Cognito on :4567) when a Docker engine answers,
# otherwise moto 5.2.1 as its stand-in, run by scripts/moto_server.py (which
# serialises DynamoDB requests: docs/aws.md). Resources come from
# localstack/manifest.json (LocalStack's init hook, or `financial-api
# provision` for moto).
#
#   scripts/aws-emulator.sh start | stop | reset | status | logs [-f]
#
# Environment: AWS_EMULATOR_PORT (4566), FIN_AWS_EMULATOR=moto|localstack to
# force one, AWS_EMULATOR_RUN (.run): where a moto started here keeps its
# state (moto.pid, moto.log).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${AWS_EMULATOR_PORT:-4566}"
URL="http://127.0.0.1:$PORT"
RUN="${AWS_EMULATOR_RUN:-.run}"
mkdir -p "$RUN"
export AWS_ENDPOINT_URL="$URL" AWS_REGION="${AWS_REGION:-us-east-1}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"

EMU_NAME=aws-emulator
. scripts/lib/emulator.sh

use_docker() {
  [ "${FIN_AWS_EMULATOR:-}" = moto ] && return 1
  [ "${FIN_AWS_EMULATOR:-}" = localstack ] && return 0
  command -v docker >/dev/null 2>&1 && timeout 5 docker info >/dev/null 2>&1
}

# What answers on the port: moto, localstack, other, or none.
probe() {
  if curl -sf -m 2 "$URL/moto-api/" >/dev/null 2>&1; then echo moto
  elif curl -sf -m 2 "$URL/_localstack/health" >/dev/null 2>&1; then echo localstack
  elif curl -s -m 2 -o /dev/null "$URL/" 2>/dev/null; then echo other
  else echo none; fi
}

# A Python that runs moto (scripts/find-moto.sh), installing moto[server]
# 5.2.1 into .venv/moto when none is found and a package index answers.
moto_python() {
  local py
  if py="$(scripts/find-moto.sh)"; then echo "$py"; return; fi
  local venv=.venv/moto
  say "moto not found; installing moto[server]==5.2.1 into $venv" >&2
  python3 -m venv "$venv" >&2 || die "python3 -m venv failed (apt install python3-venv)"
  "$venv/bin/pip" install -q 'moto[server]==5.2.1' >&2 ||
    die "pip install moto[server]==5.2.1 failed (no package index reachable?)"
  echo "$venv/bin/python"
}

moto_up() { curl -sf -m 1 "$URL/moto-api/" >/dev/null 2>&1; }
localstack_ready() { curl -sf -m 2 "$URL/_localstack/init/ready" 2>/dev/null | grep -q '"completed": *true'; }
compose() { docker compose -f docker-compose.aws.yml "$@"; }

# Once LocalStack ran its init hook: succeeds when the hook wrote its marker
# (every resource exists), else dies with the error the hook left. LocalStack
# calls a hook that failed "completed" all the same.
hook_outcome() {
  local state=/tmp/financial-api why
  compose exec -T localstack test -f "$state/ready" && return 0
  why="$(compose exec -T localstack cat "$state/error" 2>/dev/null)" ||
    why="it left neither $state/ready nor $state/error"
  die "LocalStack's init hook failed: $why (bun run emulator:logs:aws)"
}

provision() {
  make -s -j"$(nproc)" build/financial-api
  build/financial-api provision localstack/manifest.json || die "provisioning failed"
}

start() {
  case "$(probe)" in
    moto) say "moto already answers on $URL; provisioning"; provision; return ;;
    localstack)
      # started by docker-compose.aws.yml: its init hook must have succeeded
      if use_docker && [ -n "$(compose ps -q localstack 2>/dev/null)" ]; then hook_outcome; fi
      say "LocalStack already answers on $URL"
      return ;;
    other) die "port $PORT is taken by something that is neither moto nor LocalStack" ;;
  esac
  if use_docker; then
    say "starting LocalStack and moto for Cognito (docker compose -f docker-compose.aws.yml up -d)"
    compose up -d
    emu_wait 120 - "LocalStack did not finish its init hook within 120 s (bun run emulator:logs:aws)" "" \
      localstack_ready
    hook_outcome
    say "LocalStack ready on $URL, Cognito on http://127.0.0.1:4567"
    return
  fi
  local py
  py="$(moto_python)"
  say "no Docker engine: starting moto on $URL ($py scripts/moto_server.py)"
  # scripts/moto_server.py: moto's server with DynamoDB requests serialised
  # (see docs/aws.md), in a process group of its own so that stop can end it.
  emu_spawn "$RUN/moto.pid" "$RUN/moto.log" "$py" scripts/moto_server.py -H 127.0.0.1 -p "$PORT"
  emu_wait 30 - "moto_server did not answer within 30 s (see $RUN/moto.log)" "" moto_up
  say "moto ready on $URL (pid $(cat "$RUN/moto.pid")); provisioning"
  provision
}

stop() {
  if [ -f "$RUN/moto.pid" ]; then
    local pid; pid="$(cat "$RUN/moto.pid")"
    if kill -0 "$pid" 2>/dev/null; then
      emu_kill "$pid"
      say "stopped moto (pid $pid)"
    fi
    rm -f "$RUN/moto.pid"
  elif use_docker && [ "$(probe)" = localstack ]; then
    compose down
    say "stopped LocalStack"
  else
    say "nothing started here is running"
  fi
}

reset() {
  case "$(probe)" in
    moto)
      say "resetting moto (POST /moto-api/reset) and provisioning again"
      curl -sf -X POST "$URL/moto-api/reset" >/dev/null || die "moto reset failed"
      provision ;;
    localstack)
      say "recreating LocalStack (no persistence: it starts empty and re-provisions)"
      compose down && start ;;
    *) die "no emulator answers on $URL (bun run emulator:start:aws)" ;;
  esac
}

# What the emulator started here said: moto's log file, or LocalStack's and
# its Cognito moto's container logs. -f follows.
logs() {
  if [ -f "$RUN/moto.pid" ]; then
    [ "${1:-}" = -f ] && exec tail -n +1 -f "$RUN/moto.log"
    exec cat "$RUN/moto.log"
  elif use_docker; then
    exec docker compose -f docker-compose.aws.yml logs "$@"
  fi
  die "no emulator was started here ($RUN/moto.pid is absent and no Docker engine answers)"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  reset) reset ;;
  status) say "$(probe) on $URL" ;;
  logs) shift; logs "$@" ;;
  *) die "usage: scripts/aws-emulator.sh start|stop|reset|status|logs [-f]" ;;
esac
