#!/usr/bin/env bash
# Runs a Lua script against the local AWS emulator (the environment of
# scripts/lib/aws-env.sh unless already set):
#   scripts/aws-run.sh lua/examples/ssm_override.lua [args]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/aws-env.sh
export FIN_DEV_AUTH="${FIN_DEV_AUTH:-auto}"
make -s -j"$(nproc)" build/financial-api
exec build/financial-api run "$@"
