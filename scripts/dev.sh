#!/usr/bin/env bash
# Runs the API. Usage: scripts/dev.sh [memory|aws|firebase] (default memory).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh
make -s -j"$(nproc)" build/financial-api
mode="${1:-memory}"
echo "dev: starting financial-api in $mode mode on port ${PORT:-3000} (lua/$mode.lua)"
exec build/financial-api serve --wiring "lua/$mode.lua"
