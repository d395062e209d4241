#!/usr/bin/env bash
# bench-catalog.sh: the issue-5 benchmark. Catalogue and stock reads
# through nginx and the FastCGI pool of the running dev stack, against
# floors measured in the same run (style rule 14): nginx answering a
# constant, and nginx in front of a minimal pre-forked libfcgi answer
# (fcgifloor.c, as many processes as the pool has workers), both through a
# private nginx on 127.0.0.1:BENCH_NGINX_PORT that the script starts and
# stops.
#
#   root     GET /api/v1 (name, version, uptime): the service's request
#            path (FastCGI, the rate limit's Redis call, the JSON envelope,
#            the access line) with no cache read and no SQL
#   hot      GET /api/v1/products/{id}, a random one of BENCH_HOT (100)
#            products, all cached before the run
#   cold     GET /api/v1/products/{id}, a fresh product per request: the
#            wrk threads walk BENCH_CAT_PRODUCTS (60,000) products in turn,
#            and every one of them has its version key (hf:ver:p:<id>)
#            bumped just before the run, so no entry written earlier can
#            answer; each request reads MariaDB and fills the cache
#   search   GET /api/v1/products?q={word}, one of 10 words each in a
#            tenth of the seeded names (6,000 matches, a page of 20),
#            cached before the run
#   search-w the same while the list pages' version (hf:ver:l) is bumped
#            every 2 ms, as a shop's stock moves bump it: mostly misses,
#            i.e. the FULLTEXT query, its COUNT(*) and the page per request
#   search-s the same while stock moves (issue 13): the stock versions
#            (hf:ver:s:<SKU>) of the SKUs on those pages are bumped, one
#            every 2 ms (500 moves a second), as a stock move bumps its
#            SKU's; since issue 13 a move no longer bumps hf:ver:l, so the
#            page entries stay and each read fetches only the moved SKUs'
#            availability again
#   search-u one uncached search page at a time (not wrk): BENCH_COLD_ROUNDS
#            (30) GETs of a word's page, hf:ver:l bumped before each, so
#            every one is the FULLTEXT statement; the table gives the
#            median and the worst time of the worker (access line) and of
#            curl
#   stock    GET /api/v1/stock/{sku}, a random one of the BENCH_HOT SKUs,
#            cached before the run
#
# Each runs wrk (BENCH_THREADS x BENCH_CONNS for BENCH_DURATION s, Lua
# script bench-catalog.lua) as a guest (no token: a shop page's request).
# The table gives req/s, p50 and p99 and the ratios to both floors, and
# "fills/req": SETs of cache entries per request (Redis commandstats), i.e.
# the share of requests that missed the cache. Below it, where the time
# goes: the workers' own time per request (access lines of holdfast.log),
# MariaDB statements, Redis round trips and commands per request, and CPU
# per request (microseconds, /proc/PID/stat) of nginx, the answering
# processes (workers or fcgifloor), mariadbd, Redis and the rest (wrk,
# other load).
# With both cores busy, req/s is about 2 s of CPU / CPU per request.
#
# Set-up, all idempotent: the stack is started if down (never stopped);
# BCAT-000001..BCAT-<N> are created by SQL as MariaDB's root when missing
# (product, stock, one restock ledger row and one audit row each, as POST
# /products with initial_quantity writes them, so reconcile stays clean),
# with stock "ok", no category, names "Bench catalog <word> <n>".
# The dev stack is shared: requests carry ?bench=<tag> so their access
# lines can be told from other traffic, which is counted and reported as
# "foreign"; the counters and CPU figures are machine-wide.
#
# Fails (exit 1) when a request was not 2xx or a socket error happened.
#
# Knobs: BENCH_DURATION=10 BENCH_THREADS=2 BENCH_CONNS=32
#   BENCH_CAT_PRODUCTS=60000 BENCH_HOT=100 BENCH_NGINX_PORT=18182
#   BENCH_URL=http://127.0.0.1:$DEV_HTTP_PORT
#   BENCH_SCENARIOS="root hot cold search search-w search-s search-u stock"
#   BENCH_COLD_ROUNDS=30 DEV_VAR=<repo>/var
set -euo pipefail
umask 022

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/floors.sh"
REPO=$(cd "$HERE/../.." && pwd)
DEV_VAR=${DEV_VAR:-$REPO/var}
export DEV_VAR
DUR=${BENCH_DURATION:-10}
THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_CONNS:-32}
NPROD=${BENCH_CAT_PRODUCTS:-60000}
NHOT=${BENCH_HOT:-100}
NGINX_PORT=${BENCH_NGINX_PORT:-18182}
URL=${BENCH_URL:-http://127.0.0.1:${DEV_HTTP_PORT:-18080}}
SCENARIOS=${BENCH_SCENARIOS:-root hot cold search search-w search-s search-u stock}
COLD_ROUNDS=${BENCH_COLD_ROUNDS:-30}
PREFIX=BCAT-
WORDS=harbor,lantern,meadow,copper,willow,ember,quartz,saffron,tundra,violet
STOCK_FULL=1000

MY_CNF=$DEV_VAR/mariadb/my.cnf
RD_SOCK=$DEV_VAR/redis/redis.sock
LOG=$DEV_VAR/log/holdfast.log
TAG=c$(date +%s)

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
now() { date +%s.%N; }
my() { mariadb --defaults-file="$MY_CNF" -uroot -N -B holdfast "$@"; }
rcli() { redis-cli -s "$RD_SOCK" "$@"; }

for n in DUR THREADS CONNS NPROD NHOT NGINX_PORT; do
	case ${!n} in '' | *[!0-9]* | 0) die "$n must be a whole number >= 1" ;; esac
done
[ "$NPROD" -le 999999 ] || die "BENCH_CAT_PRODUCTS must be at most 999999"
[ "$NHOT" -lt "$NPROD" ] || die "BENCH_HOT must be less than BENCH_CAT_PRODUCTS"
for tool in wrk gcc pkg-config curl mariadb redis-cli nginx; do
	command -v "$tool" >/dev/null || die "missing $tool (./dev up installs it)"
done

# ---------------------------------------------------------------- the stack

if ! "$REPO/dev" status >/dev/null 2>&1; then
	log "the dev stack is not (all) up: ./dev up"
	"$REPO/dev" up >&2
fi
"$REPO/dev" status >/dev/null 2>&1 || die "./dev status still fails"
limit=$(awk -F' *= *' '$1 == "rate_general_max" { print $2 }' "$DEV_VAR/holdfast.conf")
[ "${limit:-600}" -ge 1000000 ] ||
	die "rate_general_max is ${limit:-600} a window in $DEV_VAR/holdfast.conf:" \
		"most requests would get 429 (./dev renders 10000000 for dev stacks)"

# the processes whose CPU time is counted (read again before each
# scenario: someone's ./dev up may restart the pool or reload nginx)
refresh_pids() {
	local master
	mapfile -t APP_PIDS < <("$REPO/dev" pids workers)
	master=$(cat "$DEV_VAR/nginx/run/nginx.pid")
	read -r -a NGINX_PIDS <<<"$master $(ps -o pid= --ppid "$master" | tr '\n' ' ')"
	MARIADB_PID=$(cat "$DEV_VAR/mariadb/run/mysqld.pid")
	REDIS_PID=$(cat "$DEV_VAR/redis/redis.pid")
}
refresh_pids
NWORKERS=${#APP_PIDS[@]}
[ "$NWORKERS" -ge 1 ] || die "no FastCGI workers"

# ---------------------------------------------------------------- clean-up

T=$(mktemp -d /tmp/holdfast-bench-catalog.XXXXXX)
chmod 755 "$T"		# nginx's workers (www-data) reach the FastCGI socket
PRIV_NGINX=
FCGI_FLOOR=
BUMPER=
cleanup() {
	local rc=$?
	set +e
	[ -n "$BUMPER" ] && kill "$BUMPER" 2>/dev/null && wait "$BUMPER" 2>/dev/null
	if [ -n "$PRIV_NGINX" ]; then
		kill -QUIT "$PRIV_NGINX" 2>/dev/null
		wait "$PRIV_NGINX" 2>/dev/null
	fi
	if [ -n "$FCGI_FLOOR" ]; then
		kill -TERM "$FCGI_FLOOR" 2>/dev/null
		wait "$FCGI_FLOOR" 2>/dev/null
	fi
	rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "building fcgifloor in $T"
# shellcheck disable=SC2046
gcc -O2 -Wall -Wextra -o "$T/fcgifloor" "$HERE/fcgifloor.c" \
	$(pkg-config --cflags --libs fcgi)

# ---------------------------------------------------------------- seed

# As bench-inventory.sh seeds its SKUs: product and stock rows, then one
# restock ledger row and one audit row per SKU whose stock is short, from
# the stock rows locked in the same transaction.
seed() {
	local t0 out
	t0=$(now)
	out=$(my <<-SQL
	SET SESSION time_zone = '+00:00';
	SET SESSION max_heap_table_size = 268435456;
	START TRANSACTION;
	INSERT INTO products (sku, name, price)
	SELECT CONCAT('$PREFIX', LPAD(seq, 6, '0')),
	       CONCAT('Bench catalog ', ELT(1 + seq % 10, $(sed "s/[a-z][a-z]*/'&'/g" <<<"$WORDS")), ' ', seq),
	       1 + seq % 100 + 0.99
	  FROM seq_1_to_$NPROD
	 WHERE NOT EXISTS (SELECT 1 FROM products p
	                    WHERE p.sku = CONCAT('$PREFIX', LPAD(seq, 6, '0')));
	INSERT INTO stock (product_id, on_hand, reserved)
	SELECT p.id, 0, 0 FROM products p
	 WHERE p.sku LIKE '${PREFIX}%'
	   AND NOT EXISTS (SELECT 1 FROM stock s WHERE s.product_id = p.id);
	-- a product an older seed made without its place: its units at
	-- the default location, as the migration to locations put them
	INSERT INTO location_stock (product_id, location_id, on_hand, reserved)
	SELECT s.product_id, 1, s.on_hand, s.reserved
	  FROM stock s JOIN products p ON p.id = s.product_id
	 WHERE p.sku LIKE '${PREFIX}%'
	   AND NOT EXISTS (SELECT 1 FROM location_stock ls
	                    WHERE ls.product_id = s.product_id);
	CREATE TEMPORARY TABLE bench_low ENGINE=MEMORY AS
	SELECT s.product_id, p.sku, s.on_hand, s.reserved,
	       $STOCK_FULL - (s.on_hand - s.reserved) AS delta
	  FROM stock s JOIN products p ON p.id = s.product_id
	 WHERE p.sku LIKE '${PREFIX}%'
	   AND s.on_hand - s.reserved < $STOCK_FULL
	   FOR UPDATE;
	INSERT INTO ledger (product_id, sku, type, on_hand_delta, reserved_delta,
	    on_hand_after, reserved_after, reference_type, reason, actor)
	SELECT product_id, sku, 'restock', delta, 0, on_hand + delta, reserved,
	       'manual', IF(on_hand = 0, 'initial stock', 'bench top-up'),
	       'bench:seed'
	  FROM bench_low;
	UPDATE stock s JOIN bench_low b ON b.product_id = s.product_id
	   SET s.on_hand = s.on_hand + b.delta, s.version = s.version + 1;
	-- every bench unit is at the default location (id 1, main: the
	-- ledger rows' location_id default), which the place row follows
	INSERT INTO location_stock (product_id, location_id, on_hand, reserved)
	SELECT product_id, 1, on_hand + delta, reserved FROM bench_low
	    ON DUPLICATE KEY UPDATE on_hand = VALUES(on_hand),
	    reserved = VALUES(reserved);
	INSERT INTO audit_log (actor, actor_role, action, entity, entity_id,
	    new_value, request_id)
	SELECT 'bench:seed', 'admin', 'product.create', 'product', b.product_id,
	       JSON_OBJECT('sku', b.sku, 'name', p.name,
	                   'initial_quantity', b.delta),
	       'bench-seed'
	  FROM bench_low b JOIN products p ON p.id = b.product_id
	 WHERE b.on_hand = 0;
	SELECT COUNT(*), COALESCE(SUM(on_hand = 0), 0) FROM bench_low;
	COMMIT;
	SQL
	)
	read -r low new <<<"$out"
	log "seed: $NPROD ${PREFIX} products present; $new created, $((low - new))" \
		"topped up, in $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }')"
}
seed
my -e "SELECT p.id, p.sku FROM products p WHERE p.sku LIKE '${PREFIX}%'
	AND p.status <> 'retired' ORDER BY p.id" >"$T/all"
[ "$(wc -l <"$T/all")" -gt "$NHOT" ] || die "fewer than $NHOT ${PREFIX} products"
head -n "$NHOT" "$T/all" | cut -f1 >"$T/hot-ids"
head -n "$NHOT" "$T/all" | cut -f2 >"$T/hot-skus"
tail -n +"$((NHOT + 1))" "$T/all" | cut -f1 >"$T/cold-ids"
NCOLD=$(wc -l <"$T/cold-ids")

# warm: every hot product, SKU and search page read once (twice: the
# second read is a hit, checked below)
warm() {
	local i w
	for i in 1 2; do
		while read -r id; do echo "$URL/api/v1/products/$id"; done <"$T/hot-ids"
		while read -r s; do echo "$URL/api/v1/stock/$s"; done <"$T/hot-skus"
		for w in ${WORDS//,/ }; do echo "$URL/api/v1/products?q=$w"; done
	done | awk '{ printf "url = \"%s\"\noutput = \"/dev/null\"\n", $0 }' >"$T/warm.curl"
	curl -s -K "$T/warm.curl" -w '%{http_code}\n' | sort | uniq -c |
		awk '$2 != 200 { bad = 1 } END { exit bad }' ||
		die "warming the cache: a read was not 200"
}

# invalidate_cold: bumps the version key of every cold product (one
# pipelined INCR each), so no entry cached earlier answers them
invalidate_cold() {
	awk '{ k = "hf:ver:p:" $1; printf "*2\r\n$4\r\nINCR\r\n$%d\r\n%s\r\n", length(k), k }' \
		"$T/cold-ids" | rcli --pipe >"$T/pipe.out" 2>&1 ||
		die "redis-cli --pipe: $(tail -n 2 "$T/pipe.out")"
}

# ---------------------------------------------------------------- measuring

# ticks PID...: CPU clock ticks (user + system) of the live processes
ticks() {
	local p s=0 v
	for p in "$@"; do
		v=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null) || continue
		s=$((s + v))
	done
	echo "$s"
}

# snapshot: one line of counters for delta(); the nginx and app process
# sets are NGINX_PIDS and APP_PIDS (the dev stack's, or the floors')
snapshot() {
	local busy db rd
	busy=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat)
	db=$(my -e "SHOW GLOBAL STATUS WHERE Variable_name = 'Questions'" | awk '{ print $2 }')
	rd=$(rcli INFO all | tr -d '\r' | awk -F'[:,=]' '
		$1 == "total_commands_processed" { c = $2 }
		$1 == "cmdstat_set" { s = $3 }
		$1 == "cmdstat_eval" || $1 == "cmdstat_evalsha" { e += $3 }
		END { print c + 0, s + 0, e + 0 }')
	echo "$(now) $busy $(ticks "${NGINX_PIDS[@]}") $(ticks "${APP_PIDS[@]}")" \
		"$(ticks "$MARIADB_PID") $(ticks "$REDIS_PID") $db $rd $(stat -c %s "$LOG")"
}

# delta BEFORE AFTER COUNT: per request, CPU microseconds (busy nginx app
# mariadb redis other), MariaDB statements, Redis commands (those run by
# scripts included), cache fills (SETs), script calls (EVAL/EVALSHA: with
# the SETs, the round trips); then the log offset before
delta() {
	local hz
	hz=$(getconf CLK_TCK)
	awk -v hz="$hz" -v n="$3" -v a="$1" -v b="$2" 'BEGIN {
		split(a, x, " "); split(b, y, " ")
		n = n > 0 ? n : 1
		for (i = 2; i <= 6; i++) c[i] = (y[i] - x[i]) / hz * 1e6 / n
		other = c[2] - c[3] - c[4] - c[5] - c[6]
		printf "%.0f %.0f %.0f %.0f %.0f %.0f %.2f %.2f %.2f %.2f %d\n",
		    c[2], c[3], c[4], c[5], c[6], other < 0 ? 0 : other,
		    (y[7] - x[7]) / n, (y[8] - x[8]) / n, (y[9] - x[9]) / n,
		    (y[10] - x[10]) / n, x[11]
	}'
}

# worker_times OFFSET: "count p50_us p99_us statuses foreign" of this
# run's access lines written to holdfast.log since OFFSET
worker_times() {
	tail -c +"$(($1 + 1))" "$LOG" |
		awk -v t="bench=$TAG" -v f="$T/foreign" '$2 == "access" {
			if (index($6, t) > 0) { sub(/us$/, "", $8); print $7, $8 }
			else n++ } END { print n + 0 >f }' >"$T/access"
	local n p50 p99 st
	n=$(wc -l <"$T/access")
	if [ "$n" -eq 0 ]; then
		echo "0 - - - $(cat "$T/foreign")"
		return
	fi
	p50=$(cut -d' ' -f2 "$T/access" | sort -n | awk -v n="$n" 'NR == int(n * 0.50) + 1')
	p99=$(cut -d' ' -f2 "$T/access" | sort -n | awk -v n="$n" 'NR == int(n * 0.99) + 1')
	st=$(cut -d' ' -f1 "$T/access" | sort | uniq -c | awk '{ printf "%s%s:%s", s, $2, $1; s = "," }')
	echo "$n $p50 $p99 $st $(cat "$T/foreign")"
}

# run_wrk NAME MODE URL [LIST]: prints "req/s p50_ms p99_ms non2xx
# sockerr requests wraps"
run_wrk() {
	local out
	out=$(BENCH_MODE=$2 BENCH_TAG=$TAG BENCH_LIST=${4:-} BENCH_WORDS=$WORDS \
		BENCH_THREADS=$THREADS wrk -t"$THREADS" -c"$CONNS" -d"${DUR}s" \
		--timeout 10s -s "$HERE/bench-catalog.lua" "$3" 2>&1) ||
		die "wrk failed for $1: $out"
	echo "$out" >"$T/wrk-$1.out"
	grep '^WRKRESULT ' <<<"$out" | awk '{
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "%.0f %.2f %.2f %d %d %d %d\n", v["requests"] / (v["duration_us"] / 1e6),
		    v["p50_us"] / 1000, v["p99_us"] / 1000, v["non2xx"],
		    v["connect"] + v["read"] + v["write"] + v["timeout"], v["requests"],
		    v["wraps"] }'
}

FAIL=0
declare -A R	# results by "scenario.field"

# measure NAME MODE URL [LIST]: one wrk run with its counters
measure() {
	local s0 s1 res n
	s0=$(snapshot)
	res=$(run_wrk "$1" "$2" "$3" "${4:-}")
	s1=$(snapshot)
	read -r R[$1.rps] R[$1.p50] R[$1.p99] R[$1.non2xx] R[$1.sockerr] n R[$1.wraps] <<<"$res"
	R[$1.n]=$n
	res=$(delta "$s0" "$s1" "$n")
	read -r R[$1.cpu] R[$1.cpu_nginx] R[$1.cpu_app] R[$1.cpu_db] R[$1.cpu_redis] \
		R[$1.cpu_other] R[$1.q] R[$1.redis] R[$1.fills] R[$1.evals] off <<<"$res"
	res=$(worker_times "$off")
	read -r R[$1.wn] R[$1.w50] R[$1.w99] R[$1.wst] R[$1.foreign] <<<"$res"
	if [ "${R[$1.non2xx]}" != 0 ] || [ "${R[$1.sockerr]}" != 0 ]; then
		log "$1: ${R[$1.non2xx]} non-2xx answers, ${R[$1.sockerr]} socket errors" \
			"(worker statuses: ${R[$1.wst]})"
		FAIL=1
	fi
}

# ---------------------------------------------------------------- floors

floors() {
	floors_start || return 0
	read -r -a NGINX_PIDS <<<"$PRIV_NGINX $(ps -o pid= --ppid "$PRIV_NGINX" | tr '\n' ' ')"
	read -r -a APP_PIDS <<<"$FCGI_FLOOR $(ps -o pid= --ppid "$FCGI_FLOOR" | tr '\n' ' ')"
	log "floor: const (nginx return 200 '{}')"
	measure const get "http://127.0.0.1:$NGINX_PORT/const"
	log "floor: fcgi (nginx -> $NWORKERS minimal libfcgi processes)"
	measure fcgi get "http://127.0.0.1:$NGINX_PORT/fcgi"
	floors_stop
}
floors

# ---------------------------------------------------------------- scenarios

warm
for sc in $SCENARIOS; do
	refresh_pids
	case $sc in
	root)
		log "root: GET /api/v1"
		measure root root "$URL" ;;
	hot)
		log "hot: GET /api/v1/products/{id}, $NHOT cached products"
		measure hot hot "$URL" "$T/hot-ids" ;;
	cold)
		log "cold: GET /api/v1/products/{id}, $NCOLD products, versions bumped"
		invalidate_cold
		measure cold cold "$URL" "$T/cold-ids" ;;
	search)
		log "search: GET /api/v1/products?q={word}, list pages cached"
		warm
		measure search search "$URL" ;;
	search-w)
		log "search-w: the same, hf:ver:l bumped every 2 ms"
		# redis-cli itself (not the rcli function) so that $! is its pid
		redis-cli -s "$RD_SOCK" -r -1 -i 0.002 INCR hf:ver:l >/dev/null 2>&1 &
		BUMPER=$!
		measure search-w search "$URL"
		kill "$BUMPER" 2>/dev/null; wait "$BUMPER" 2>/dev/null || true
		BUMPER= ;;
	search-s)
		log "search-s: the same, a page SKU's stock version bumped every 2 ms"
		warm
		for w in ${WORDS//,/ }; do
			curl -s "$URL/api/v1/products?q=$w"
			echo
		done | python3 -c 'import json, sys
for line in sys.stdin:
    for it in json.loads(line)["data"]["items"]:
        print("hf:ver:s:" + it["sku"].upper())' >"$T/page-skus"
		[ -s "$T/page-skus" ] || die "search-s: no SKUs on the search pages"
		# one INCR a call, a key picked by the clock
		# shellcheck disable=SC2046
		redis-cli -s "$RD_SOCK" -r -1 -i 0.002 EVAL "local t = redis.call('TIME') \
			return redis.call('INCR', KEYS[tonumber(t[2]) % #KEYS + 1])" \
			"$(wc -l <"$T/page-skus")" $(cat "$T/page-skus") >/dev/null 2>&1 &
		BUMPER=$!
		measure search-s search "$URL"
		kill "$BUMPER" 2>/dev/null; wait "$BUMPER" 2>/dev/null || true
		BUMPER= ;;
	search-u)
		log "search-u: $COLD_ROUNDS uncached search pages, one at a time"
		off=$(stat -c %s "$LOG")
		: >"$T/curl-times"
		for i in $(seq 1 "$COLD_ROUNDS"); do
			w=$(cut -d, -f$(( (i - 1) % 10 + 1 )) <<<"$WORDS")
			rcli INCR hf:ver:l >/dev/null
			curl -s -o /dev/null -w '%{http_code} %{time_total}\n' \
				"$URL/api/v1/products?q=$w&bench=$TAG" >>"$T/curl-times"
		done
		awk '$1 != 200 { bad++ } END { exit bad > 0 }' "$T/curl-times" ||
			{ log "search-u: a read was not 200"; FAIL=1; }
		res=$(worker_times "$off")
		read -r R[search-u.wn] R[search-u.w50] R[search-u.w99] R[search-u.wst] \
			R[search-u.foreign] <<<"$res"
		read -r R[search-u.c50] R[search-u.cmax] < <(cut -d' ' -f2 "$T/curl-times" |
			sort -n | awk '{ v[NR] = $1 } END { printf "%.2f %.2f\n",
			v[int(NR / 2) + 1] * 1000, v[NR] * 1000 }')
		R[search-u.wmax]=$(tail -c +"$((off + 1))" "$LOG" | awk -v t="bench=$TAG" \
			'$2 == "access" && index($6, t) > 0 { sub(/us$/, "", $8); print $8 }' |
			sort -n | tail -n 1) ;;
	stock)
		log "stock: GET /api/v1/stock/{sku}, $NHOT cached SKUs"
		warm
		measure stock stock "$URL" "$T/hot-skus" ;;
	*) die "unknown scenario $sc" ;;
	esac
done

# ---------------------------------------------------------------- report

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
label() {
	case $1 in
	const) echo "nginx return 200 '{}'" ;;
	fcgi) echo "minimal FastCGI x$NWORKERS" ;;
	root) echo "GET /api/v1 (no cache/SQL)" ;;
	hot) echo "product detail, cached" ;;
	cold) echo "product detail, uncached" ;;
	search) echo "search page, cached" ;;
	search-w) echo "search page, list bumped" ;;
	search-s) echo "search page, stock moving" ;;
	search-u) echo "search page, uncached" ;;
	stock) echo "stock read, cached" ;;
	esac
}

ROWS=$(tr ' ' '\n' <<<"$SCENARIOS" | grep -vx search-u | tr '\n' ' ')
[ -n "${R[const.rps]:-}" ] && ROWS="const fcgi $ROWS"
echo
echo "Holdfast issue-5 benchmark, $(date -u +%FT%TZ), $(nproc) cores, $NWORKERS workers," \
	"load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk -t$THREADS -c$CONNS -d${DUR}s, guest GETs via $URL; floors through a private nginx"
echo
printf '%-26s %8s %7s %7s | %7s %7s | %9s\n' scenario "req/s" "p50 ms" "p99 ms" \
	"/const" "/fcgi" "fills/req"
for sc in $ROWS; do
	printf '%-26s %8s %7s %7s | %7s %7s | %9s\n' "$(label "$sc")" "${R[$sc.rps]}" \
		"${R[$sc.p50]}" "${R[$sc.p99]}" "$(ratio "${R[$sc.rps]}" "${R[const.rps]:-0}")" \
		"$(ratio "${R[$sc.rps]}" "${R[fcgi.rps]:-0}")" \
		"$(case $sc in const | fcgi) echo - ;; *) echo "${R[$sc.fills]}" ;; esac)"
done
if [ -n "${R[hot.rps]:-}" ] && [ -n "${R[fcgi.rps]:-}" ]; then
	echo
	echo "aim (issue 5): a cached product read at 0.60 of the minimal FastCGI answer or" \
		"better: $(ratio "${R[hot.rps]}" "${R[fcgi.rps]}")" \
		"($(awk -v a="${R[hot.rps]}" -v b="${R[fcgi.rps]}" 'BEGIN { print (a >= 0.6 * b) ? "met" : "short" }'))"
fi
if [ -n "${R[search-s.rps]:-}" ] && [ -n "${R[fcgi.rps]:-}" ]; then
	echo "aim (issue 13): a search page while stock moves at 0.30 of the minimal" \
		"FastCGI answer or better: $(ratio "${R[search-s.rps]}" "${R[fcgi.rps]}")" \
		"($(awk -v a="${R[search-s.rps]}" -v b="${R[fcgi.rps]}" 'BEGIN { print (a >= 0.3 * b) ? "met" : "short" }'))"
fi
if [ -n "${R[search-u.w50]:-}" ]; then
	echo "aim (issue 13): an uncached search page of a word matching a tenth of" \
		"$NPROD products in 10 ms or less: worker median ${R[search-u.w50]} us," \
		"worst ${R[search-u.wmax]} us; curl median ${R[search-u.c50]} ms," \
		"worst ${R[search-u.cmax]} ms ($COLD_ROUNDS reads;" \
		"$(awk -v a="${R[search-u.w50]}" 'BEGIN { print (a <= 10000) ? "met" : "short" }'))"
fi
echo
echo "Where the time goes (per request; CPU in microseconds, machine-wide counters):"
printf '%-26s %9s %9s %5s %5s %5s | %6s %6s %6s %6s %6s %6s\n' run "worker50" "worker99" \
	"SQL/r" "RT/r" "cmd/r" busy nginx app mariadb redis other
for sc in $ROWS; do
	printf '%-26s %7sus %7sus %5s %5s %5s | %6s %6s %6s %6s %6s %6s\n' "$(label "$sc")" \
		"$(case $sc in const | fcgi) echo - ;; *) echo "${R[$sc.w50]}" ;; esac)" \
		"$(case $sc in const | fcgi) echo - ;; *) echo "${R[$sc.w99]}" ;; esac)" \
		"${R[$sc.q]}" "$(awk -v a="${R[$sc.evals]}" -v b="${R[$sc.fills]}" 'BEGIN { printf "%.2f", a + b }')" \
		"${R[$sc.redis]}" "${R[$sc.cpu]}" "${R[$sc.cpu_nginx]}" \
		"${R[$sc.cpu_app]}" "${R[$sc.cpu_db]}" "${R[$sc.cpu_redis]}" "${R[$sc.cpu_other]}"
done
echo "(worker50/99: the workers' own time per request, from holdfast.log; SQL/r:"
echo " MariaDB statements (Questions) per request; RT/r: Redis round trips per"
echo " request (EVALs and SETs); cmd/r: Redis commands, those inside scripts too;"
echo " app: the holdfast-fcgi workers, or fcgifloor for the floors; other: wrk and"
echo " anything else running; busy: all CPU time of the machine per request)"
echo
for sc in $ROWS; do
	case $sc in
	const | fcgi)
		echo "$(label "$sc"): ${R[$sc.non2xx]} non-2xx, ${R[$sc.sockerr]} socket errors" ;;
	*)
		echo "$(label "$sc"): ${R[$sc.non2xx]} non-2xx, ${R[$sc.sockerr]} socket errors," \
			"worker statuses ${R[$sc.wst]}; foreign requests ${R[$sc.foreign]};" \
			"list wraps ${R[$sc.wraps]}" ;;
	esac
done
[ "$FAIL" = 0 ] || { log "FAILED (see above)"; exit 1; }
