# shellcheck shell=bash
# scripts/lib/aws-env.sh - the environment of the scripts that talk to the
# local AWS emulator (dev.sh aws, aws-run.sh: dev:aws, token:aws,
# provision:aws, events:aws): the standard AWS variables with the
# emulator's defaults, unless already set.
#
# Cognito: LocalStack Community has no cognito-idp, so docker-compose.aws.yml
# runs moto beside it for Cognito alone, on 127.0.0.1:COGNITO_EMULATOR_PORT
# (4567). When LocalStack answers at AWS_ENDPOINT_URL and that moto answers
# too, AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER points there. A moto on
# :4566 (no Docker) serves Cognito itself; LocalStack Pro does as well (set
# AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER to its URL: docs/aws.md).
#
# Sourced from the repository root.
export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://127.0.0.1:4566}"
export AWS_REGION="${AWS_REGION:-us-east-1}" AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
if [ -z "${AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER:-}" ] &&
  curl -sf -m 2 -o /dev/null "$AWS_ENDPOINT_URL/_localstack/health" 2>/dev/null &&
  curl -sf -m 2 -o /dev/null "http://127.0.0.1:${COGNITO_EMULATOR_PORT:-4567}/moto-api/" 2>/dev/null; then
  export AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER="http://127.0.0.1:${COGNITO_EMULATOR_PORT:-4567}"
fi
