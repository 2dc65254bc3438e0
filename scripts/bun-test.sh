#!/usr/bin/env bash
# bun test with a log directory of this run's own: the servers the tests
# start (tests/contract/support/server.ts) write their logs there, and when
# the run fails the tail of each is printed after bun's report. The logs are
# kept in .run/test-logs/<run>/ either way.
#
#   scripts/bun-test.sh <bun test arguments...>
set -uo pipefail
cd "$(dirname "$0")/.."
run="$(date +%Y%m%d-%H%M%S)-$$"
export FIN_TEST_LOG_DIR="${FIN_TEST_LOG_DIR:-.run/test-logs/$run}"
mkdir -p "$FIN_TEST_LOG_DIR"
bun test "$@"
rc=$?
if [ "$rc" -ne 0 ]; then
  echo
  echo "bun-test: failed (exit $rc); server logs in $FIN_TEST_LOG_DIR, tails follow"
  for f in "$FIN_TEST_LOG_DIR"/*.log; do
    [ -f "$f" ] || continue
    echo "----- $f (last 30 lines)"
    tail -n 30 "$f"
  done
fi
exit "$rc"
