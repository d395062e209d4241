#!/usr/bin/env bash
# bench-cluster.sh: one app host against two on the uniform reserve
# (issue 16), through the front nginx of the cluster that `./dev cluster
# up` runs (started if it is down). Runs tests/load/bench_cluster.py in the
# cluster's client namespace. Knobs: BENCH_DURATION=10 BENCH_THREADS=2
# BENCH_CONNS=32 BENCH_SKUS=200 DEV_VAR=<repo>/var
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
DEV_VAR=${DEV_VAR:-$REPO/var}
"$REPO/dev" cluster status >/dev/null 2>&1 || "$REPO/dev" cluster up >&2
exec ip netns exec hfc-client env DEV_VAR="$DEV_VAR/cluster/view" \
	python3 "$HERE/bench_cluster.py"
