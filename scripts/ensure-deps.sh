#!/usr/bin/env bash
# Installs what the build and the tests need, only when missing (idempotent,
# about a second when everything is there). Debian 12, as root or with sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PKGS=(build-essential pkg-config clang libclang-rt-14-dev liblua5.4-dev lua5.4
  libmicrohttpd-dev libcurl4-openssl-dev libjansson-dev libcmocka-dev libssl-dev
  uuid-dev zlib1g-dev libicu-dev libmimalloc-dev wrk nginx-light curl ca-certificates)

missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  echo "ensure-deps: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v bun >/dev/null; then
  echo "ensure-deps: installing bun from the npm registry"
  $SUDO npm install -g --silent bun@1.4.5 >/dev/null 2>&1 || $SUDO npm install -g bun@1.4.5
fi

# JavaScript test dependencies (ajv, yaml) for the contract suite.
if [ ! -d node_modules/ajv ] || [ ! -d node_modules/yaml ]; then
  echo "ensure-deps: bun install"
  bun install --silent >/dev/null 2>&1 || bun install
fi
