#!/usr/bin/env bash
# Runs the API. Usage: scripts/dev.sh [memory|aws|firebase] (default memory).
# aws: against the emulator of `bun run emulator:start:aws` on :4566 unless
# AWS_ENDPOINT_URL says otherwise (scripts/lib/aws-env.sh: with LocalStack,
# Cognito is the moto beside it); Cognito tokens when the emulator has the
# pool, and the loopback-only dev tokens of memory mode.
# firebase: against the emulators of `bun run emulator:start` (Firestore
# :8080, Auth :9099) unless FIRESTORE_EMULATOR_HOST etc. say otherwise; Auth
# emulator tokens, and the loopback-only dev tokens of memory mode.
# Both remote modes turn the dev tokens on (FIN_DEV_AUTH) because the earlier
# web frontend signs in with nothing else; FIN_DEV_AUTH=false turns them off.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh
make -s -j"$(nproc)" build/financial-api
mode="${1:-memory}"
case "$mode" in
  memory) ;;
  aws)
    . scripts/lib/aws-env.sh
    export FIN_DEV_AUTH="${FIN_DEV_AUTH:-auto}"
    if ! curl -s -m 2 -o /dev/null "$AWS_ENDPOINT_URL/"; then
      echo "dev: nothing answers at $AWS_ENDPOINT_URL; start it with: bun run emulator:start:aws" >&2
      exit 1
    fi
    echo "dev: AWS endpoint $AWS_ENDPOINT_URL (region $AWS_REGION)"
    [ -z "${AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER:-}" ] ||
      echo "dev: Cognito endpoint $AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"
    echo "dev: tokens: Bearer \$(bun run --silent token:aws) (Cognito), or the dev tokens of memory mode"
    ;;
  firebase)
    export GCLOUD_PROJECT="${GCLOUD_PROJECT:-demo-acme}"
    export FIRESTORE_EMULATOR_HOST="${FIRESTORE_EMULATOR_HOST:-127.0.0.1:8080}"
    export FIREBASE_AUTH_EMULATOR_HOST="${FIREBASE_AUTH_EMULATOR_HOST:-127.0.0.1:9099}"
    export FIN_DEV_AUTH="${FIN_DEV_AUTH:-true}"
    for h in "$FIRESTORE_EMULATOR_HOST" "$FIREBASE_AUTH_EMULATOR_HOST"; do
      if ! curl -s -m 2 -o /dev/null "http://$h/"; then
        echo "dev: nothing answers at $h; start the emulators with: bun run emulator:start" >&2
        exit 1
      fi
    done
    echo "dev: Firestore $FIRESTORE_EMULATOR_HOST, Auth $FIREBASE_AUTH_EMULATOR_HOST (project $GCLOUD_PROJECT)"
    echo "dev: tokens: Bearer \$(bun run --silent token:emulator <ecosystemId> [user|admin]) (Auth emulator), or the dev tokens of memory mode"
    ;;
  *) echo "dev: unknown mode '$mode' (memory, aws, firebase)" >&2; exit 2 ;;
esac
echo "dev: starting financial-api in $mode mode on port ${PORT:-3000} (lua/$mode.lua)"
exec build/financial-api serve --wiring "lua/$mode.lua"
