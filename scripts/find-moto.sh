#!/usr/bin/env bash
# Prints a Python interpreter that can import moto (the AWS emulator), or
# exits 1. moto 5.2.1 is preinstalled on our machines under pyenv, which a
# non-login shell (CI) may not have on PATH, so the usual places are tried
# after PATH; a project-local venv (.venv/moto, made by aws-emulator.sh when
# a package index is reachable) comes last.
set -uo pipefail
cd "$(dirname "$0")/.."
for py in python3 "${PYENV_ROOT:-$HOME/.pyenv}"/shims/python3 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/*/bin/python3 \
  /usr/local/bin/python3 /usr/bin/python3 .venv/moto/bin/python; do
  if [ -x "$py" ] || command -v "$py" >/dev/null 2>&1; then
    if "$py" -c 'import moto.server' >/dev/null 2>&1; then
      echo "$py"
      exit 0
    fi
  fi
done
exit 1
