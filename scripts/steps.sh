# steps.sh - sourced by the test scripts: `step NAME CMD...` runs CMD, prints
# "=== <STEP_PREFIX>NAME: ok|FAILED" and counts it in $passed / $failed.
passed=0
failed=0
step() {
  local name="${STEP_PREFIX:-}$1"
  shift
  echo "=== $name: $*"
  if "$@"; then
    passed=$((passed + 1))
    echo "=== $name: ok"
  else
    failed=$((failed + 1))
    echo "=== $name: FAILED"
  fi
}
