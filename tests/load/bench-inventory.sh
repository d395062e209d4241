#!/usr/bin/env bash
# bench-inventory.sh: the issue-4 benchmark. Reservations through nginx and
# the FastCGI pool of the running dev stack, against floors measured in the
# same run (style rule 14):
#
#   1. uniform  reserve one unit of a random SKU out of BENCH_SKUS (10,000)
#   2. hot      reserve one unit of one SKU (BENCH-HOT)
#   3. batch    reserve one unit of each of BENCH_LINES (10) random SKUs
#
# Each scenario runs wrk (BENCH_THREADS x BENCH_CONNS for BENCH_DURATION s,
# Lua script bench.lua) against POST /api/v1/reservations, then txnfloor:
# the least correct work of the same reservation, the service's one-trip
# path (CALL hf_reserve, sql/012_procedures.sql: the statements the
# service's procedure runs) from a plain C loop with one connection per
# thread, as many threads as the pool has workers (the database
# concurrency the service has). The ratio is HTTP req/s over the
# floor's transactions/s. For context, nginx answering a constant and a
# minimal pre-forked libfcgi answer are measured too, through a private
# nginx on 127.0.0.1:BENCH_NGINX_PORT that the script starts and stops.
#
# Per scenario it also records where the time goes: the workers' own time
# per request (the access lines of holdfast.log), MariaDB statements and
# Redis commands per request (server counters), and CPU time of nginx, the
# workers, mariadbd and Redis (/proc/PID/stat) against the whole machine.
#
# Set-up, all idempotent: the stack is started if down (never stopped);
# BENCH-00001..BENCH-10000 and BENCH-HOT are created by SQL as MariaDB's
# root when missing (product, stock, one restock ledger row and one audit
# row each, as POST /products writes them) and topped up by a restock row
# when short. Reservations are made with ttl_seconds = BENCH_TTL (a day)
# and left active, so none expires under someone's holdfast-expire run on
# the same stack during the session. The requests carry a business API
# key: BENCH_API_KEY if set, else the one this script made on an earlier
# run (tests/load/.state/, not in git), else a new one from POST
# /api/v1/api-keys as the admin of var/secrets/admin.json (one login; the
# admin's logins are limited to 10 per 15 minutes). The general rate limit
# must allow the run: ./dev renders rate_general_max = 10000000 for dev
# stacks (the default, 600 a minute, would answer most requests 429). The
# reservations carry ?bench=<tag>, which the service ignores, so their
# access lines can be told from other traffic on the shared stack (counted
# and reported as "foreign").
#
# Fails (exit 1) when a request was not 2xx, a floor transaction failed or
# "holdfast-admin reconcile" finds a mismatch at the end.
#
# Knobs: BENCH_DURATION=10 BENCH_THREADS=2 BENCH_CONNS=32
#   BENCH_FLOOR_CONNS=<workers> BENCH_SKUS=10000 BENCH_LINES=10
#   BENCH_NGINX_PORT=18180 BENCH_URL=http://127.0.0.1:$DEV_HTTP_PORT
#   BENCH_SCENARIOS="uniform hot batch" BENCH_RECONCILE=1 BENCH_TTL=86400
#   BENCH_API_KEY=hfk_... BENCH_WAIT_STACK=30 DEV_VAR=<repo>/var
#   BENCH_NGINX_FLOORS=1 (0: skip the nginx constant and minimal FastCGI)
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
NSKUS=${BENCH_SKUS:-10000}
LINES=${BENCH_LINES:-10}
NGINX_PORT=${BENCH_NGINX_PORT:-18180}
URL=${BENCH_URL:-http://127.0.0.1:${DEV_HTTP_PORT:-18080}}
SCENARIOS=${BENCH_SCENARIOS:-uniform hot batch}
TTL=${BENCH_TTL:-86400}	# a day: nothing expires under holdfast-expire runs
PREFIX=BENCH-
HOT=BENCH-HOT
STOCK_FULL=1000000000	# units per SKU after a seed or top-up
STOCK_LOW=1000000	# top up below this many available

MY_CNF=$DEV_VAR/mariadb/my.cnf
MY_SOCK=$DEV_VAR/mariadb/run/mysqld.sock
RD_SOCK=$DEV_VAR/redis/redis.sock
LOG=$DEV_VAR/log/holdfast.log
ADMIN_BIN=$REPO/build/holdfast-admin
STATE=$HERE/.state	# the reusable API key (gitignored)
TAG=b$(date +%s)
RES_PATH="/api/v1/reservations?bench=$TAG"

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
now() { date +%s.%N; }
my() { mariadb --defaults-file="$MY_CNF" -uroot -N -B holdfast "$@"; }

for n in DUR THREADS CONNS NSKUS LINES NGINX_PORT TTL; do
	case ${!n} in '' | *[!0-9]* | 0) die "$n must be a whole number >= 1" ;; esac
done
[ "$NSKUS" -le 99999 ] || die "BENCH_SKUS must be at most 99999"
[ "$TTL" -le 86400 ] || die "BENCH_TTL must be at most 86400"
[ "$LINES" -le 100 ] && [ "$LINES" -le "$NSKUS" ] ||
	die "BENCH_LINES must be at most 100 and BENCH_SKUS"
for tool in wrk gcc pkg-config curl python3 mariadb redis-cli nginx; do
	command -v "$tool" >/dev/null || die "missing $tool (./dev up installs it)"
done

# ---------------------------------------------------------------- the stack

# a server that is down may be someone's fault test on the shared stack:
# give it BENCH_WAIT_STACK seconds to come back before ./dev up
if ! "$REPO/dev" status >/dev/null 2>&1; then
	log "the dev stack is not (all) up; waiting up to ${BENCH_WAIT_STACK:-30}s:" \
		"$("$REPO/dev" status 2>&1 | awk '$2 != "up" { printf "%s ", $1 }')"
	for _ in $(seq $(((${BENCH_WAIT_STACK:-30} + 1) / 2))); do
		sleep 2
		"$REPO/dev" status >/dev/null 2>&1 && break
	done
fi
if ! "$REPO/dev" status >/dev/null 2>&1; then
	log "the dev stack is still not (all) up: ./dev up"
	"$REPO/dev" up >&2
fi
"$REPO/dev" status >/dev/null 2>&1 || die "./dev status still fails"
limit=$(awk -F' *= *' '$1 == "rate_general_max" { print $2 }' "$DEV_VAR/holdfast.conf")
[ "${limit:-600}" -ge 1000000 ] ||
	die "rate_general_max is ${limit:-600} a window in $DEV_VAR/holdfast.conf:" \
		"most requests would get 429 (./dev renders 10000000 for dev stacks;" \
		"./dev up re-renders the file and restarts the pool)"
# the processes whose CPU time is counted (read again before each scenario:
# ./dev up by someone else may restart the pool or reload nginx)
refresh_pids() {
	local master
	mapfile -t WORKER_PIDS < <("$REPO/dev" pids workers 2>/dev/null)
	master=$(cat "$DEV_VAR/nginx/run/nginx.pid" 2>/dev/null) || master=
	NGINX_PIDS=()
	[ -z "$master" ] ||
		read -r -a NGINX_PIDS <<<"$master $(ps -o pid= --ppid "$master" | tr '\n' ' ')"
	MARIADB_PID=$(cat "$DEV_VAR/mariadb/run/mysqld.pid" 2>/dev/null) || MARIADB_PID=
	REDIS_PID=$(cat "$DEV_VAR/redis/redis.pid" 2>/dev/null) || REDIS_PID=
}
refresh_pids
NWORKERS=${#WORKER_PIDS[@]}
[ "$NWORKERS" -ge 1 ] || die "no FastCGI workers"
FLOOR_CONNS=${BENCH_FLOOR_CONNS:-$NWORKERS}

# ---------------------------------------------------------------- clean-up

T=$(mktemp -d /tmp/holdfast-bench.XXXXXX)
chmod 755 "$T"		# nginx's workers (www-data) reach the FastCGI socket
PRIV_NGINX=
FCGI_FLOOR=
cleanup() {
	local rc=$?
	set +e
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

# ---------------------------------------------------------------- build

log "building txnfloor and fcgifloor in $T"
# shellcheck disable=SC2046
gcc -O2 -Wall -Wextra -I"$REPO/include" -o "$T/txnfloor" "$HERE/txnfloor.c" \
	$(pkg-config --cflags --libs libmariadb) -pthread
# shellcheck disable=SC2046
gcc -O2 -Wall -Wextra -o "$T/fcgifloor" "$HERE/fcgifloor.c" \
	$(pkg-config --cflags --libs fcgi)

# ---------------------------------------------------------------- seed

# Products, stock, one restock ledger row and one audit row per SKU, as
# POST /products with initial_quantity writes them; an SKU that runs low
# gets another restock row. The ledger rows come first, from the stock
# rows locked in the same transaction, so reconcile stays clean.
seed() {
	local t0 out
	t0=$(now)
	out=$(my <<-SQL
	SET SESSION time_zone = '+00:00';
	START TRANSACTION;
	INSERT INTO products (sku, name, price)
	SELECT CONCAT('$PREFIX', LPAD(seq, 5, '0')), CONCAT('Bench item ', seq), 1.00
	  FROM seq_1_to_$NSKUS
	 WHERE NOT EXISTS (SELECT 1 FROM products p
	                    WHERE p.sku = CONCAT('$PREFIX', LPAD(seq, 5, '0')));
	INSERT INTO products (sku, name, price)
	SELECT '$HOT', 'Bench hot item', 1.00 FROM DUAL
	 WHERE NOT EXISTS (SELECT 1 FROM products WHERE sku = '$HOT');
	INSERT INTO stock (product_id, on_hand, reserved)
	SELECT p.id, 0, 0 FROM products p
	 WHERE p.sku REGEXP '^$PREFIX([0-9]{5}|HOT)\$'
	   AND NOT EXISTS (SELECT 1 FROM stock s WHERE s.product_id = p.id);
	-- a product an older seed made without its place: its units at
	-- the default location, as the migration to locations put them
	INSERT INTO location_stock (product_id, location_id, on_hand, reserved)
	SELECT s.product_id, 1, s.on_hand, s.reserved
	  FROM stock s JOIN products p ON p.id = s.product_id
	 WHERE p.sku REGEXP '^$PREFIX([0-9]{5}|HOT)\$'
	   AND NOT EXISTS (SELECT 1 FROM location_stock ls
	                    WHERE ls.product_id = s.product_id);
	CREATE TEMPORARY TABLE bench_low ENGINE=MEMORY AS
	SELECT s.product_id, p.sku, s.on_hand, s.reserved,
	       $STOCK_FULL - (s.on_hand - s.reserved) AS delta
	  FROM stock s JOIN products p ON p.id = s.product_id
	 WHERE p.sku REGEXP '^$PREFIX([0-9]{5}|HOT)\$'
	   AND s.on_hand - s.reserved < $STOCK_LOW
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
	log "seed: $((NSKUS + 1)) SKUs present; $new created, $((low - new)) topped up" \
		"to $STOCK_FULL available, in $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }')"
}
seed

# ---------------------------------------------------------------- API key

json_get() {	# json_get EXPR: python expression on the JSON document j (stdin)
	python3 -c 'import json, sys; j = json.load(sys.stdin); print('"$1"')'
}

# key_id KEY: the id of a live business or admin key, or nothing
key_id() {
	[[ $1 =~ ^hfk_[0-9A-Za-z]{64}$ ]] || return 0
	my -e "SELECT id FROM api_keys WHERE key_hash = SHA2('$1', 256)
		AND revoked_at IS NULL AND role IN ('business', 'admin')"
}

# new_key: logs in as the admin and makes a business key (BENCH_TOKEN)
new_key() {
	local admin=$DEV_VAR/secrets/admin.json code resp token
	[ -r "$admin" ] || die "missing $admin"
	code=$(python3 -c 'import json, sys; a = json.load(open(sys.argv[1]));
print(json.dumps({"email": a["email"], "password": a["password"]}))' "$admin" |
		curl -s -D "$T/login.hdr" -o "$T/login.json" -w '%{http_code}' -X POST \
			-H 'Content-Type: application/json' --data-binary @- \
			"$URL/api/v1/auth/login")
	if [ "$code" = 429 ]; then
		die "admin login is rate-limited for another" \
			"$(tr -d '\r' <"$T/login.hdr" | awk -F': ' 'tolower($1) == "retry-after" { print $2 }') s" \
			"(rate_login_max per e-mail, rate_login_ip_max per address): wait," \
			"or run with BENCH_API_KEY=<a business key>"
	fi
	[ "$code" = 200 ] || die "admin login answered $code: $(cat "$T/login.json")"
	token=$(json_get 'j["data"]["access_token"]' <"$T/login.json")
	resp=$(curl -s -X POST -H 'Content-Type: application/json' \
		-H "Authorization: Bearer $token" \
		--data '{"name":"bench-inventory (tests/load)","role":"business"}' \
		"$URL/api/v1/api-keys")
	BENCH_TOKEN=$(json_get 'j["data"]["key"]' <<<"$resp" 2>/dev/null) ||
		die "POST /api/v1/api-keys failed: $resp"
	mkdir -p "$STATE"
	(umask 077 && echo "$BENCH_TOKEN" >"$STATE/api-key")
	log "made business API key \"bench-inventory (tests/load)\", kept in $STATE/api-key"
}

BENCH_TOKEN=${BENCH_API_KEY:-}
if [ -z "$BENCH_TOKEN" ] && [ -r "$STATE/api-key" ]; then
	BENCH_TOKEN=$(cat "$STATE/api-key")
fi
KEY_ID=$(key_id "$BENCH_TOKEN")
if [ -z "$KEY_ID" ]; then
	[ -z "${BENCH_API_KEY:-}" ] || die "BENCH_API_KEY is not a live business key"
	new_key
	KEY_ID=$(key_id "$BENCH_TOKEN")
	[ -n "$KEY_ID" ] || die "the new API key is not in api_keys"
fi
export BENCH_TOKEN
log "API key $KEY_ID; requests tagged ?bench=$TAG"

status=$(curl -s -o "$T/probe.json" -w '%{http_code}' -X POST \
	-H 'Content-Type: application/json' -H "Authorization: Bearer $BENCH_TOKEN" \
	--data "{\"type\":\"cart\",\"ttl_seconds\":$TTL,\"items\":[{\"sku\":\"$HOT\",\"quantity\":1}]}" \
	"$URL$RES_PATH")
[ "$status" = 201 ] || die "probe reservation answered $status: $(cat "$T/probe.json")"

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

# snapshot VAR: sets VAR to one line of counters for delta(); runs in the
# script's shell (not in $(...)) so that `times` sees the finished wrk
snapshot() {
	local busy db rd tools
	refresh_pids
	# CPU seconds of this script's finished children (wrk, txnfloor, the
	# small tools): `times` must run in this shell, not in $(...)
	times >"$T/times"
	tools=$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, t, /[ms]/);
		s += t[1] * 60 + t[2] } print s + 0 }' "$T/times")
	busy=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat)
	db=$(my 2>/dev/null -e "SHOW GLOBAL STATUS WHERE Variable_name IN
		('Questions', 'Innodb_row_lock_time', 'Innodb_data_fsyncs')" |
		awk '{ v[$1] = $2 } END { print v["Questions"] + 0,
		    v["Innodb_row_lock_time"] + 0, v["Innodb_data_fsyncs"] + 0 }')
	rd=$(redis-cli -s "$RD_SOCK" INFO stats 2>/dev/null | tr -d '\r' |
		awk -F: '$1 == "total_commands_processed" { v = $2 } END { print v + 0 }')
	printf -v "$1" '%s' "$(now) $busy $(ticks "${NGINX_PIDS[@]}") $(ticks "${WORKER_PIDS[@]}")\
 $(ticks "$MARIADB_PID") $(ticks "$REDIS_PID") $tools $db $rd $(stat -c %s "$LOG")\
 $(IFS=,; echo "${NGINX_PIDS[*]}/${WORKER_PIDS[*]}/$MARIADB_PID/$REDIS_PID")"
}

# delta BEFORE AFTER COUNT: CPU in % of one core (busy, nginx, workers,
# mariadbd, redis, this script's tools, the rest = foreign; then CPU ms per
# COUNT of all but foreign), then per COUNT:
# statements, ms waited for row locks, fsyncs and Redis commands; then the
# log offset
# before. The CPU fields are "?" when a server's processes changed between
# the two snapshots (someone restarted the pool or reloaded nginx).
delta() {
	local hz
	hz=$(getconf CLK_TCK)
	awk -v hz="$hz" -v n="$3" -v a="$1" -v b="$2" 'BEGIN {
		split(a, x, " "); split(b, y, " ")
		el = y[1] - x[1]; n = n > 0 ? n : 1
		for (i = 2; i <= 6; i++) c[i] = (y[i] - x[i]) / hz / el * 100
		tools = (y[7] - x[7]) / el * 100
		foreign = c[2] - c[3] - c[4] - c[5] - c[6] - tools
		foreign = foreign < 0 ? 0 : foreign
		if (x[13] == y[13])
			cpu = sprintf("%.0f %.0f %.0f %.0f %.0f %.0f %.0f %.2f", c[2],
			    c[3], c[4], c[5], c[6], tools, foreign,
			    (c[2] - foreign) / 100 * el / n * 1000)
		else
			cpu = "? ? ? ? ? ? ? ?"
		printf "%s %.1f %.2f %.2f %.1f %d\n", cpu,
		    (y[8] - x[8]) / n, (y[9] - x[9]) / n, (y[10] - x[10]) / n,
		    (y[11] - x[11]) / n, x[12]
	}'
}

# worker_times OFFSET: "count p50_us p99_us statuses foreign" of this run's
# reservation access lines written to holdfast.log since OFFSET; foreign:
# access lines of other traffic in the same span
worker_times() {
	tail -c +"$(($1 + 1))" "$LOG" |
		awk -v p="$RES_PATH" -v f="$T/foreign" '$2 == "access" {
			if ($5 == "POST" && $6 == p) { sub(/us$/, "", $8); print $7, $8 }
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

# run_wrk NAME MODE URL: wrk, prints "req/s p50_ms p99_ms non2xx sockerr
# requests"
run_wrk() {
	local out
	out=$(BENCH_MODE=$2 BENCH_SKUS=$NSKUS BENCH_PREFIX=$PREFIX BENCH_HOT=$HOT \
		BENCH_LINES=$LINES BENCH_TTL=$TTL wrk -t"$THREADS" -c"$CONNS" -d"${DUR}s" \
		--timeout 10s -s "$HERE/bench.lua" "$3" 2>&1) ||
		die "wrk failed for $1: $out"
	echo "$out" >"$T/wrk-$1.out"
	grep '^WRKRESULT ' <<<"$out" | awk '{
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "%.0f %.2f %.2f %d %d %d\n", v["requests"] / (v["duration_us"] / 1e6),
		    v["p50_us"] / 1000, v["p99_us"] / 1000, v["non2xx"],
		    v["connect"] + v["read"] + v["write"] + v["timeout"], v["requests"] }'
}

FAIL=0
declare -A R	# results by "scenario.field"
s0='' s1=''	# snapshots (set by snapshot)

# ---------------------------------------------------------------- floors

nginx_floor() {
	floors_start || return 0
	local name path
	for name in const fcgi; do
		path=$name
		log "floor: $name (nginx $( [ $name = const ] && echo "return 200 '{}'" ||
			echo "-> $NWORKERS minimal libfcgi processes"))"
		res=$(run_wrk "$name" get "http://127.0.0.1:$NGINX_PORT/$path")
		read -r R[$name.rps] R[$name.p50] R[$name.p99] R[$name.non2xx] \
			R[$name.sockerr] _ <<<"$res"
		if [ "${R[$name.non2xx]}" != 0 ] || [ "${R[$name.sockerr]}" != 0 ]; then
			log "floor $name: ${R[$name.non2xx]} non-2xx, ${R[$name.sockerr]} socket errors"
			FAIL=1
		fi
	done
	floors_stop
}
[ "${BENCH_NGINX_FLOORS:-1}" = 0 ] || nginx_floor

# ---------------------------------------------------------------- scenarios

# the floor runs the CALL compiled from src/db/sql_procs.c: is it what the
# running workers run (or was the tree changed since their build)?
SQL_SAME=yes
if ! "$T/txnfloor" -V "/proc/${WORKER_PIDS[0]}/exe" >"$T/verify" 2>&1; then
	SQL_SAME=no
	log "warning: the running workers' executable lacks statement text(s)" \
		"of src/db/sql_procs.c (rebuilt since? ./dev up):"
	cut -c1-160 "$T/verify" >&2
fi
DB_PASS=$(cat "$DEV_VAR/secrets/db_app_password")
for sc in $SCENARIOS; do
	case $sc in uniform | hot | batch) ;; *) die "unknown scenario $sc" ;; esac
	log "scenario $sc: HTTP, wrk -t$THREADS -c$CONNS -d${DUR}s"
	snapshot s0
	res=$(BENCH_PATH=$RES_PATH run_wrk "$sc" "$sc" "$URL$RES_PATH")
	snapshot s1
	read -r R[$sc.rps] R[$sc.p50] R[$sc.p99] R[$sc.non2xx] R[$sc.sockerr] n <<<"$res"
	res=$(delta "$s0" "$s1" "$n")
	read -r R[$sc.cpu] R[$sc.cpu_nginx] R[$sc.cpu_workers] R[$sc.cpu_db] R[$sc.cpu_redis] \
		R[$sc.cpu_tools] R[$sc.cpu_foreign] R[$sc.cpums] R[$sc.q] R[$sc.lockw] R[$sc.fsync] \
		R[$sc.redis] off <<<"$res"
	res=$(worker_times "$off")
	read -r R[$sc.wn] R[$sc.w50] R[$sc.w99] R[$sc.wst] R[$sc.foreign] <<<"$res"
	if [ "${R[$sc.non2xx]}" != 0 ] || [ "${R[$sc.sockerr]}" != 0 ]; then
		log "scenario $sc: ${R[$sc.non2xx]} non-2xx answers, ${R[$sc.sockerr]}" \
			"socket errors (worker statuses: ${R[$sc.wst]})"
		FAIL=1
	fi

	log "scenario $sc: floor, txnfloor -c$FLOOR_CONNS -d$DUR"
	snapshot s0
	out=$(DB_SOCKET=$MY_SOCK DB_USER=holdfast DB_PASS=$DB_PASS DB_NAME=holdfast \
		"$T/txnfloor" -m "$sc" -c "$FLOOR_CONNS" -d "$DUR" -n "$NSKUS" \
		-b "$LINES" -p "$PREFIX" -H "$HOT" -t "$TTL" 2>&1) || {
		log "txnfloor $sc failed: $out"
		FAIL=1
	}
	snapshot s1
	echo "$out" >"$T/floor-$sc.out"
	line=$(grep '^txnfloor ' <<<"$out") || die "txnfloor $sc printed no result: $out"
	for kv in $line; do
		case $kv in
		txns=*) n=${kv#*=} ;;
		tps=*) R[$sc.frps]=${kv#*=} ;;
		p50_ms=*) R[$sc.f50]=${kv#*=} ;;
		p99_ms=*) R[$sc.f99]=${kv#*=} ;;
		errors=*) R[$sc.ferr]=${kv#*=} ;;
		esac
	done
	res=$(delta "$s0" "$s1" "$n")
	read -r R[$sc.fcpu] R[$sc.fcpu_nginx] R[$sc.fcpu_workers] R[$sc.fcpu_db] \
		R[$sc.fcpu_redis] R[$sc.fcpu_tools] R[$sc.fcpu_foreign] R[$sc.fcpums] R[$sc.fq] R[$sc.flockw] \
		R[$sc.ffsync] _ off <<<"$res"
	res=$(worker_times "$off")
	read -r _ _ _ _ R[$sc.fforeign] <<<"$res"
done

# ---------------------------------------------------------------- report

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
label() {
	case $1 in
	uniform) echo "1 uniform (1 of $NSKUS)" ;;
	hot) echo "2 hot (1 SKU)" ;;
	batch) echo "3 batch ($LINES SKUs)" ;;
	esac
}

echo
echo "Holdfast issue-4 benchmark, $(date -u +%FT%TZ), $(nproc) cores, $NWORKERS workers,"
echo "wrk -t$THREADS -c$CONNS -d${DUR}s via $URL; floor = txnfloor, the one-trip CALL," \
	"$FLOOR_CONNS connections (CALL text found in the running worker: $SQL_SAME)"
echo
goal() { case $1 in batch) echo 0.50 ;; *) echo 0.65 ;; esac; }
printf '%-24s %9s %8s %8s | %9s %8s %8s | %5s %6s\n' scenario "HTTP r/s" "p50 ms" "p99 ms" \
	"floor r/s" "p50 ms" "p99 ms" ratio "goal"
for sc in $SCENARIOS; do
	printf '%-24s %9s %8s %8s | %9.0f %8s %8s | %5s %6s\n' "$(label "$sc")" \
		"${R[$sc.rps]}" "${R[$sc.p50]}" "${R[$sc.p99]}" "${R[$sc.frps]}" \
		"${R[$sc.f50]}" "${R[$sc.f99]}" "$(ratio "${R[$sc.rps]}" "${R[$sc.frps]}")" \
		">=$(goal "$sc")"
done
if [ -n "${R[const.rps]:-}" ]; then
	echo
	printf '%-24s %9s %8s %8s | %s\n' "rule-14 floors" "r/s" "p50 ms" "p99 ms" "ratio to nginx constant"
	printf '%-24s %9s %8s %8s | %s\n' "nginx return 200 '{}'" "${R[const.rps]}" \
		"${R[const.p50]}" "${R[const.p99]}" 1.00
	printf '%-24s %9s %8s %8s | %s\n' "minimal FastCGI x$NWORKERS" "${R[fcgi.rps]}" \
		"${R[fcgi.p50]}" "${R[fcgi.p99]}" "$(ratio "${R[fcgi.rps]}" "${R[const.rps]}")"
fi
echo
echo "Where the time goes (CPU in % of one core; $(nproc) cores = $(($(nproc) * 100))%):"
printf '%-26s %10s %10s %7s %8s %7s %7s | %4s %5s %5s %5s %5s %5s %5s %8s\n' run \
	"worker p50" "worker p99" "SQL/req" "lockms/r" "fsync/r" "redis/r" busy nginx wrkrs \
	mariadb redis tool foreign "cpums/r"
for sc in $SCENARIOS; do
	printf '%-26s %8sus %8sus %7s %8s %7s %7s | %4s %5s %5s %5s %5s %5s %5s %8s\n' \
		"$(label "$sc") HTTP" "${R[$sc.w50]}" "${R[$sc.w99]}" "${R[$sc.q]}" "${R[$sc.lockw]}" \
		"${R[$sc.fsync]}" "${R[$sc.redis]}" "${R[$sc.cpu]}" "${R[$sc.cpu_nginx]}" \
		"${R[$sc.cpu_workers]}" "${R[$sc.cpu_db]}" "${R[$sc.cpu_redis]}" \
		"${R[$sc.cpu_tools]}" "${R[$sc.cpu_foreign]}" "${R[$sc.cpums]}"
	printf '%-26s %10s %10s %7s %8s %7s %7s | %4s %5s %5s %5s %5s %5s %5s %8s\n' \
		"$(label "$sc") floor" - - "${R[$sc.fq]}" "${R[$sc.flockw]}" "${R[$sc.ffsync]}" - \
		"${R[$sc.fcpu]}" "${R[$sc.fcpu_nginx]}" "${R[$sc.fcpu_workers]}" \
		"${R[$sc.fcpu_db]}" "${R[$sc.fcpu_redis]}" "${R[$sc.fcpu_tools]}" \
		"${R[$sc.fcpu_foreign]}" "${R[$sc.fcpums]}"
done
echo "(worker p50/p99: the workers' own time per request, from holdfast.log;"
echo " SQL/req: MariaDB statements (Questions) per request = round trips;"
echo " lockms/r: ms waited for InnoDB row locks per request; fsync/r: InnoDB"
echo " fsyncs per request; redis/r: Redis commands per request;"
echo " counters are server-wide; tool: wrk or txnfloor; foreign: all other CPU"
echo " on the machine; cpums/r: CPU ms per request of all but foreign;"
echo " ?: the pool or nginx was restarted during the run)"
echo
for sc in $SCENARIOS; do
	echo "$(label "$sc"): ${R[$sc.non2xx]} non-2xx, ${R[$sc.sockerr]} socket errors," \
		"worker statuses ${R[$sc.wst]}; floor errors ${R[$sc.ferr]};" \
		"foreign requests during HTTP ${R[$sc.foreign]}, during floor ${R[$sc.fforeign]}"
	[ "${R[$sc.ferr]}" = 0 ] || FAIL=1
done

# ---------------------------------------------------------------- reconcile

if [ "${BENCH_RECONCILE:-1}" = 1 ]; then
	t0=$(now)
	if HOLDFAST_CONF=$DEV_VAR/holdfast.conf "$ADMIN_BIN" reconcile >"$T/reconcile" 2>&1; then
		echo "reconcile: clean ($(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'))"
	else
		echo "reconcile: MISMATCH ($(grep -c . "$T/reconcile") line(s)," \
			"$(grep -c "$PREFIX" "$T/reconcile" || true) naming a $PREFIX SKU):"
		head -n 20 "$T/reconcile"
		FAIL=1
	fi
fi
[ "$FAIL" = 0 ] || { log "FAILED (see above)"; exit 1; }
