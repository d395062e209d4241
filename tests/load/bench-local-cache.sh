#!/usr/bin/env bash
# bench-local-cache.sh: the per-worker cache (issue 13, item 3) on and off,
# in interleaved pairs of bench-catalog.sh runs against the running dev
# stack. Each run measures its own floors (nginx's constant, the minimal
# pre-forked FastCGI answer: floors.sh, fcgifloor.c) and, per request, the
# CPU of nginx, of the answering processes (the workers, or fcgifloor for
# the floor), MariaDB, Redis and the rest (/proc/PID/stat), and the Redis
# round trips and commands (commandstats). Between runs the pool is
# restarted with local_cache_entries = 0 ("off") or as configured ("on"),
# by a line appended to (then removed from) $DEV_VAR/holdfast.conf.
#
# Prints each run's tables, then one summary: for the cached product and
# stock reads, req/s and its ratio to the minimal FastCGI answer of the
# same run, the workers' CPU per request and its ratio to fcgifloor's,
# nginx's and Redis' CPU per request, Redis commands per request, and the
# local hits per request (/metrics deltas).
#
# Knobs: BENCH_LC_ROUNDS=2 (pairs), BENCH_SCENARIOS="hot stock",
#   BENCH_CAT_PRODUCTS=2000, BENCH_DURATION=10, and bench-catalog.sh's.
set -euo pipefail
umask 022

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
DEV_VAR=${DEV_VAR:-$REPO/var}
export DEV_VAR
ROUNDS=${BENCH_LC_ROUNDS:-2}
export BENCH_SCENARIOS=${BENCH_SCENARIOS:-hot stock}
export BENCH_CAT_PRODUCTS=${BENCH_CAT_PRODUCTS:-2000}
URL=${BENCH_URL:-http://127.0.0.1:${DEV_HTTP_PORT:-18080}}
CONF=$DEV_VAR/holdfast.conf
MARK="## bench-local-cache.sh: off"

log() { printf '[bench-lc %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

case $ROUNDS in '' | *[!0-9]* | 0) die "BENCH_LC_ROUNDS must be >= 1" ;; esac
[ -f "$CONF" ] || die "no $CONF: ./dev up first"

mode() {
	sed -i "/^$MARK\$/,+1d" "$CONF"
	if [ "$1" = off ]; then
		printf '%s\nlocal_cache_entries = 0\n' "$MARK" >>"$CONF"
	fi
	"$REPO/dev" svc restart pool >/dev/null 2>&1 ||
		die "./dev svc restart pool failed"
}
restore() {
	local rc=$?
	set +e
	if grep -qx "$MARK" "$CONF" 2>/dev/null; then
		sed -i "/^$MARK\$/,+1d" "$CONF"
		"$REPO/dev" svc restart pool >/dev/null 2>&1
	fi
	exit "$rc"
}
trap restore EXIT
trap 'exit 130' INT TERM

metric() {
	curl -s "$URL/metrics" | awk -v n="$1" '$1 == n { s += $2 } END { print s + 0 }'
}

OUT=$(mktemp -d /tmp/holdfast-bench-lc.XXXXXX)
SUM=$OUT/summary
: >"$SUM"
for ((r = 1; r <= ROUNDS; r++)); do
	for m in on off; do
		log "round $r, local cache $m"
		mode "$m"
		h0=$(metric holdfast_local_cache_hits_total)
		"$HERE/bench-catalog.sh" >"$OUT/$r-$m" 2>"$OUT/$r-$m.log" ||
			{ cat "$OUT/$r-$m.log" >&2; die "bench-catalog.sh failed"; }
		h1=$(metric holdfast_local_cache_hits_total)
		echo "== round $r, local cache $m"
		cat "$OUT/$r-$m"
		# the label is the first 26 columns of both tables
		awk -v r="$r" -v m="$m" -v hits="$((h1 - h0))" '
		function f(line, i,   a) { split(substr(line, 27), a, /[ |]+/); return a[i] }
		/^(minimal FastCGI|product detail, cached|stock read, cached)/ &&
		    index(substr($0, 1, 26), ":") == 0 {
			l = substr($0, 1, 26); sub(/ +$/, "", l)
			if (index(l, "minimal FastCGI") == 1) fl = l
			if (!(l in rps)) { rps[l] = f($0, 2); rf[l] = f($0, 6) }
			else { app[l] = f($0, 9); ngx[l] = f($0, 8); rd[l] = f($0, 11);
				cmd[l] = f($0, 6) }
		}
		END {
			for (l in rps) if (l != fl && (l in app))
				printf "%-6s %-4s %-24s %8s %6s %7s %6.2f %6s %6s %6s\n",
				    r, m, l, rps[l], rf[l], app[l],
				    (app[fl] > 0 ? app[l] / app[fl] : 0), ngx[l], rd[l],
				    cmd[l]
			l = fl
			if (l in rps)
				printf "%-6s %-4s %-24s %8s %6s %7s %6s %6s %6s %6s  (local hits in the run: %d)\n",
				    r, m, "minimal FastCGI floor", rps[l], "1.00", app[l],
				    "1.00", ngx[l], "-", "-", hits
		}' "$OUT/$r-$m" >>"$SUM"
	done
done
echo
echo "Summary ($(nproc) cores, load average now $(cut -d' ' -f1-3 /proc/loadavg);"
echo "CPU in microseconds per request; app/fcgi: the workers' CPU per request over"
echo "fcgifloor's in the same run; cmd/r: Redis commands, those in scripts too)"
printf '%-6s %-4s %-24s %8s %6s %7s %6s %6s %6s %6s\n' round mode read "req/s" "/fcgi" \
	"app us" "/fcgi" "nginx" "redis" "cmd/r"
cat "$SUM"
rm -rf "$OUT"
