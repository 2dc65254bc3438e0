#!/usr/bin/env bash
# Contract suite over HTTP. With BASE_URL set it talks to that server (any
# mode); otherwise tests/contract/setup.ts starts build/financial-api itself.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh
make -s -j"$(nproc)" build/financial-api
export FIN_BIN="${FIN_BIN:-build/financial-api}"
exec scripts/bun-test.sh tests/contract "$@"
