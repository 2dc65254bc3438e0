#!/usr/bin/env bash
# Installs a Java runtime (default-jre-headless) when none is on PATH: the
# Firestore emulator and DynamoDB Local are Java programs. Idempotent.
set -euo pipefail
command -v java >/dev/null && exit 0
echo "ensure-java: installing a Java runtime (default-jre-headless)"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
{ $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq default-jre-headless >/dev/null; } ||
  { echo "ensure-java: java is needed (apt install default-jre-headless)" >&2; exit 1; }
