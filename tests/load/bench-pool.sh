#!/usr/bin/env bash
# bench-pool.sh: the pool size chosen by measurement (issue 13, item 6).
# For each worker count in BENCH_POOL_SIZES (2 4 8 16 32), restarts the
# dev stack's pool with that many workers (./dev up with DEV_WORKERS) and
# runs tests/load/bench-inventory.sh's uniform and hot reserve scenarios
# (wrk through nginx, and the one-trip floor with as many connections as
# workers); then prints the curve: HTTP req/s, p99 and the ratio to the
# floor per worker count. More concurrent transactions make larger group
# commits, and more workers cost memory and context switches; the README's
# default (DEV_WORKERS, the packaged spawn-fcgi unit) comes from this
# curve. At the end the pool goes back to BENCH_POOL_AFTER workers (4).
#
# Knobs: BENCH_POOL_SIZES="2 4 8 16 32" BENCH_DURATION=10 BENCH_CONNS=32
#   BENCH_POOL_AFTER=4; the bench-inventory.sh knobs pass through.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SIZES=${BENCH_POOL_SIZES:-2 4 8 16 32}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
log() { printf '[pool-bench %s] %s\n' "$(date +%T)" "$*" >&2; }

for w in $SIZES; do
	log "pool of $w workers"
	DEV_WORKERS=$w "$REPO/dev" up >"$OUT/up-$w.log" 2>&1 ||
		{ tail -n 20 "$OUT/up-$w.log" >&2; exit 1; }
	BENCH_SCENARIOS="uniform hot" BENCH_NGINX_FLOORS=0 BENCH_RECONCILE=0 \
		bash "$HERE/bench-inventory.sh" >"$OUT/bench-$w.log" 2>&1 ||
		{ tail -n 30 "$OUT/bench-$w.log" >&2; exit 1; }
done
DEV_WORKERS=${BENCH_POOL_AFTER:-4} "$REPO/dev" up >"$OUT/up-after.log" 2>&1

echo
echo "Holdfast pool-size curve, $(date -u +%FT%TZ), $(nproc) cores," \
	"wrk -c${BENCH_CONNS:-32} -d${BENCH_DURATION:-10}s per point"
printf '%-8s | %10s %9s %6s | %10s %9s %6s\n' workers "uniform r/s" "p99 ms" ratio \
	"hot r/s" "p99 ms" ratio
for w in $SIZES; do
	u=$(grep -m1 '^1 uniform (' "$OUT/bench-$w.log" | tr -s ' ')
	h=$(grep -m1 '^2 hot (' "$OUT/bench-$w.log" | tr -s ' ')
	# "1 uniform (1 of N) rps p50 p99 | frps f50 f99 | ratio >=goal"
	printf '%-8s | %10s %9s %6s | %10s %9s %6s\n' "$w" \
		"$(awk -F'|' '{ split($1, a, " "); print a[length(a) - 2] }' <<<"$u")" \
		"$(awk -F'|' '{ split($1, a, " "); print a[length(a)] }' <<<"$u")" \
		"$(awk -F'|' '{ split($3, a, " "); print a[1] }' <<<"$u")" \
		"$(awk -F'|' '{ split($1, a, " "); print a[length(a) - 2] }' <<<"$h")" \
		"$(awk -F'|' '{ split($1, a, " "); print a[length(a)] }' <<<"$h")" \
		"$(awk -F'|' '{ split($3, a, " "); print a[1] }' <<<"$h")"
done
