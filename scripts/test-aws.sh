#!/usr/bin/env bash
# AWS mode tests (`bun run test:aws`, also part of scripts/test.sh):
#   1. the repository conformance suite on the DynamoDB adapter against the
#      emulator on :4566 (moto, or LocalStack when it runs), tables of its own
#   2. the same suite against DynamoDB Local (AWS's engine, fetched from npm)
#   3. the provisioned account equals localstack/manifest.json
#   4. the HTTP contract suite against a server in AWS mode
#   5. AWS-specific tests (tests/aws: SigV4 against the emulator, Cognito
#      tokens, events in SQS, SSM overrides, emulator outage)
# Starts the emulator when nothing answers on :4566 and stops what it started.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh || exit 1
export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://127.0.0.1:4566}"
export AWS_REGION="${AWS_REGION:-us-east-1}" AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
export FIN_LOG="${FIN_LOG:-0}"

STEP_PREFIX=aws/
. scripts/steps.sh

make -s -j"$(nproc)" build/financial-api build/san/conformance || exit 1

started=""
if [ "$(scripts/aws-emulator.sh status)" = "aws-emulator: none on $AWS_ENDPOINT_URL" ]; then
  scripts/aws-emulator.sh start || exit 1
  started=yes
else
  scripts/aws-emulator.sh start || exit 1 # provisions again (idempotent)
fi
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

conformance() { # $1 = table prefix; extra environment from the caller
  build/financial-api provision localstack/manifest.json --tables-only --prefix "$1" >/dev/null &&
    FIN_TABLE_PREFIX="$1" FIN_DEV_AUTH=true ASAN_OPTIONS=detect_leaks=1 \
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
step aws-specific env FIN_SERVER_MODE=aws FIN_AWS_TIMEOUT_MS=20000 scripts/bun-test.sh tests/aws

echo
echo "aws suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
