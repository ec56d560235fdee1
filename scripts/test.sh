#!/usr/bin/env bash
# Runs the test suite in the project venv (make it first with scripts/setup.sh).
# Extra arguments go to pytest; the 20 slowest tests are listed at the end (the suite aims at
# 15 minutes on 2 cores). Exits non-zero on failure and when no test ran at all.
set -uo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" --dist loadfile --durations=20 "$@"
status=$?
if [ "$status" -eq 5 ]; then
    echo "test.sh: pytest collected no tests; failing on purpose" >&2
    exit 1
fi
exit "$status"
