#!/usr/bin/env bash
# bench-csv.sh: CSV in and out at size (issue 17, item 6): a 100,000-row
# import (dry run, real run, the same file again) and a 1,000,000-row
# ledger export with the serving worker's RSS sampled as it streams.
# Needs the ./dev up stack (start it first; export the DEV_*_PORT
# variables it was started with). Takes several minutes; not part of
# ./dev test, which runs a 10,000-row import (tests/api/test_A4_csv.py).
#
#   tests/load/bench-csv.sh [--rows N] [--ledger N] [--skip-import]
#                           [--skip-export] [--keep]
#
# Details: tests/load/bench_csv.py; figures: README "CSV".
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
export DEV_VAR=${DEV_VAR:-$REPO/var}
export HOLDFAST_DEV=${HOLDFAST_DEV:-$REPO/dev}
export HOLDFAST_CONF=${HOLDFAST_CONF:-$DEV_VAR/holdfast.conf}
export HOLDFAST_URL=${HOLDFAST_URL:-http://127.0.0.1:${DEV_HTTP_PORT:-18080}}
[ -f "$DEV_VAR/holdfast.conf" ] || { echo "no stack in $DEV_VAR: ./dev up" >&2; exit 1; }
exec python3 "$REPO/tests/load/bench_csv.py" "$@"
