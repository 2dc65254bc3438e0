#!/usr/bin/env bash
# The whole test suite: unit tests (cmocka, ASan+UBSan), the repository
# conformance suite on the memory adapters, the HTTP contract suite against a
# memory-mode server, the security suite (tests/security: dedicated
# memory-mode servers with hostile input), bounded fuzzing of the request path, the AWS mode
# suites against moto/DynamoDB Local (scripts/test-aws.sh), the Firebase
# mode suites against the Firebase emulators (scripts/test-emulator.sh), the
# scale-out suite (two instances per remote mode behind nginx:
# scripts/test-scale.sh), and the fault suite: its own checks, then faults injected between the server
# and DynamoDB Local / the Firestore emulator (scripts/test-faults.sh).
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh || exit 1

. scripts/steps.sh

step deps make -s deps-check
step build make -s -j"$(nproc)" build/financial-api
step unit make -s -j"$(nproc)" test-unit
step conformance make -s -j"$(nproc)" conformance
step contract scripts/contract.sh
step security scripts/bun-test.sh tests/security
step fuzz scripts/fuzz.sh
step aws scripts/test-aws.sh
step firebase scripts/test-emulator.sh
step scale scripts/test-scale.sh
step faults-self scripts/bun-test.sh tests/faults
step faults scripts/test-faults.sh

echo
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
