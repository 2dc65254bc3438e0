#!/usr/bin/env bash
# Runs a Lua script against the local AWS emulator (defaults below unless
# already set): scripts/aws-run.sh lua/examples/ssm_override.lua [args]
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://127.0.0.1:4566}"
export AWS_REGION="${AWS_REGION:-us-east-1}" AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}" FIN_DEV_AUTH="${FIN_DEV_AUTH:-auto}"
make -s -j"$(nproc)" build/financial-api
exec build/financial-api run "$@"
