#!/usr/bin/env bash
# Runs every libFuzzer target for a bounded time (FUZZ_SECONDS, default 20)
# starting from its committed seed corpus, after replaying every committed
# regression input (crashes found earlier). Fails on any crash or leak.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh
make -s -j"$(nproc)" fuzz
secs="${FUZZ_SECONDS:-20}"
targets=(build/fuzz/bin/fuzz_*)
[ -e "${targets[0]}" ] || { echo "fuzz: no targets built"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for bin in "${targets[@]}"; do
  name=$(basename "$bin")
  reg="tests/fuzz/regressions/$name"
  if [ -d "$reg" ] && [ -n "$(ls -A "$reg")" ]; then
    echo "fuzz: $name: replaying $(ls "$reg" | wc -l) regression inputs"
    "$bin" -runs=0 "$reg"/* >"$work/$name.reg.log" 2>&1 || { tail -40 "$work/$name.reg.log"; exit 1; }
  fi
  mkdir -p "$work/$name"
  [ -d "tests/fuzz/corpus/$name" ] && cp -r "tests/fuzz/corpus/$name/." "$work/$name/"
  echo "fuzz: $name for ${secs}s"
  if ! FIN_LOG=0 "$bin" -max_total_time="$secs" -timeout=5 -rss_limit_mb=2048 \
      -artifact_prefix="$work/$name-" "$work/$name" >"$work/$name.log" 2>&1; then
    tail -40 "$work/$name.log"
    echo "fuzz: $name FAILED; crash input saved as:"; ls "$work"/"$name"-* 2>/dev/null
    mkdir -p "tests/fuzz/regressions/$name"
    cp "$work"/"$name"-* "tests/fuzz/regressions/$name/" 2>/dev/null || true
    exit 1
  fi
  grep -E '^(#[0-9]+ +DONE|Done )' "$work/$name.log" | tail -1 || true
done
echo "fuzz: all targets ran without crashes"
