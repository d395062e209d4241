#!/usr/bin/env bash
# bench-stock-at.sh: the issue-17 (item 5) benchmark. Stock at a past
# moment on a ledger of BENCH_AT_ROWS (10,000,000) rows, through nginx and
# the FastCGI pool of the running dev stack, against floors measured in the
# same run (style rule 14):
#
#   one   GET /api/v1/stock/{sku}?at=T: a random SKU of BENCH_AT_PRODUCTS
#         (10,000), each at three locations, at a random moment T of the
#         fill's span (3 points)
#   page  GET /api/v1/stock?at=T&per_page=100&page=P: a random page of the
#         bench's SKUs (100 products x 3 locations = 300 points)
#   id    GET /api/v1/stock/{sku}?ledger_id=N: a random row id of the fill
#
# Each runs wrk (BENCH_THREADS x BENCH_CONNS for BENCH_DURATION s, Lua
# script bench-stock-at.lua) with a business API key, then atfloor
# (tests/load/atfloor.c): the same statements with the same parameters
# from a plain C loop, as many connections as the pool has workers. The
# ratio is HTTP req/s over the floor's req/s. For context, nginx answering
# a constant and a minimal pre-forked libfcgi answer are measured too
# (floors.sh). Before the runs it prints the plan of one dive (EXPLAIN)
# and the handler reads of one statement of DB_AT_DIVES dives (one
# read_key each, no read_prev or read_next: every point is one index
# dive whatever the ledger's size), and checks BENCH_AT_CHECKS answers of
# each scenario against a replay in SQL (the sums of the deltas of the
# SKU's rows up to the moment, per location).
#
# The fill (idempotent, resumable): locations bench-at-east and
# bench-at-west, products BAT-00001..BAT-<BENCH_AT_PRODUCTS> with their
# stock and location_stock rows (main and the two), then ledger rows
# written straight into the dev database as MariaDB's root with INSERT ...
# SELECT from MariaDB's Sequence engine (seq_<a>_to_<b>), not through the
# API: round r gives every (product, location) one row, a restock of 3
# when r is even, a deduct of 1 when odd, with the after-values that
# follow, so that reconcile stays clean; rounds of BENCH_AT_CHUNK_ROWS rows
# per transaction, each ending with the location_stock and stock rows that
# match. Rounds until at least BENCH_AT_ROWS bench rows (10,020,000 for
# 10,000 SKUs: 334 rows per product and location). created_at rises with
# the id across the whole ledger, as the service writes it (the fill's
# rows follow the newest row already there, spread up to now, at most
# BENCH_AT_DAYS back), so ?ledger_id= of any product stays exact. During
# the fill the session skips foreign key, unique and CHECK checks (the
# rows are valid by construction; reconcile checks the result) and
# innodb_buffer_pool_size is raised to BENCH_AT_FILL_POOL (then put back).
# On this 2-core machine the fill takes about half an hour, once; the
# rows stay for later runs (they take a few GB under DEV_VAR).
#
# Fails (exit 1) when a request was not 2xx, a floor request failed, a
# check found an answer that is not the replay, or reconcile of the
# checked SKUs is not clean.
#
# Knobs: BENCH_AT_ROWS=10000000 BENCH_AT_PRODUCTS=10000
#   BENCH_AT_CHUNK_ROWS=480000 BENCH_AT_DAYS=30 BENCH_AT_FILL_POOL=2G
#   BENCH_AT_CHECKS=10 BENCH_DURATION=10 BENCH_THREADS=2 BENCH_CONNS=16
#   BENCH_NGINX_PORT=18184 BENCH_URL=http://127.0.0.1:$DEV_HTTP_PORT
#   BENCH_SCENARIOS="one page id" BENCH_API_KEY=hfk_... DEV_VAR=<repo>/var
#   BENCH_AT_FILL_ONLY=1 (fill, then stop)
set -euo pipefail
umask 022

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/floors.sh"
REPO=$(cd "$HERE/../.." && pwd)
DEV_VAR=${DEV_VAR:-$REPO/var}
export DEV_VAR
ROWS=${BENCH_AT_ROWS:-10000000}
NPROD=${BENCH_AT_PRODUCTS:-10000}
CHUNK=${BENCH_AT_CHUNK_ROWS:-480000}
DAYS=${BENCH_AT_DAYS:-30}
FILL_POOL=${BENCH_AT_FILL_POOL:-2G}
CHECKS=${BENCH_AT_CHECKS:-10}
DUR=${BENCH_DURATION:-10}
THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_CONNS:-16}
NGINX_PORT=${BENCH_NGINX_PORT:-18184}
URL=${BENCH_URL:-http://127.0.0.1:${DEV_HTTP_PORT:-18080}}
SCENARIOS=${BENCH_SCENARIOS:-one page id}
PREFIX=BAT-
LOCS="'main', 'bench-at-east', 'bench-at-west'"

MY_CNF=$DEV_VAR/mariadb/my.cnf
MY_SOCK=$DEV_VAR/mariadb/run/mysqld.sock
ADMIN_BIN=$REPO/build/holdfast-admin
STATE=$HERE/.state	# the reusable API key (gitignored), as bench-inventory.sh
TAG=a$(date +%s)

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
my() { mariadb --defaults-file="$MY_CNF" -uroot -N -B holdfast "$@"; }

for n in ROWS NPROD CHUNK DAYS CHECKS DUR THREADS CONNS NGINX_PORT; do
	case ${!n} in '' | *[!0-9]* | 0) die "$n must be a whole number >= 1" ;; esac
done
[ "$NPROD" -le 99999 ] || die "BENCH_AT_PRODUCTS must be at most 99999"
for tool in wrk gcc pkg-config curl python3 mariadb nginx; do
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
mapfile -t WORKER_PIDS < <("$REPO/dev" pids workers 2>/dev/null)
NWORKERS=${#WORKER_PIDS[@]}
[ "$NWORKERS" -ge 1 ] || die "no FastCGI workers"

T=$(mktemp -d /tmp/holdfast-bench-at.XXXXXX)
chmod 755 "$T"		# nginx's workers (www-data) reach the FastCGI socket
PRIV_NGINX=
FCGI_FLOOR=
POOL_WAS=
cleanup() {
	local rc=$?
	set +e
	[ -z "$POOL_WAS" ] ||
		my -e "SET GLOBAL innodb_buffer_pool_size = $POOL_WAS" 2>/dev/null
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

log "building atfloor and fcgifloor in $T"
# shellcheck disable=SC2046
gcc -O2 -Wall -Wextra -I"$REPO/include" -o "$T/atfloor" "$HERE/atfloor.c" \
	$(pkg-config --cflags --libs libmariadb) -pthread
# shellcheck disable=SC2046
gcc -O2 -Wall -Wextra -o "$T/fcgifloor" "$HERE/fcgifloor.c" \
	$(pkg-config --cflags --libs fcgi)

# ---------------------------------------------------------------- the fill

seed() {
	my <<-SQL
	INSERT IGNORE INTO locations (code, name, kind, priority) VALUES
	  ('bench-at-east', 'Bench at east', 'store', 900),
	  ('bench-at-west', 'Bench at west', 'branch', 901);
	INSERT INTO products (sku, name, price)
	SELECT CONCAT('$PREFIX', LPAD(seq, 5, '0')), CONCAT('Bench at item ', seq), 1.00
	  FROM seq_1_to_$NPROD
	 WHERE NOT EXISTS (SELECT 1 FROM products p
	                    WHERE p.sku = CONCAT('$PREFIX', LPAD(seq, 5, '0')));
	INSERT INTO stock (product_id, on_hand, reserved)
	SELECT p.id, 0, 0 FROM products p
	 WHERE p.sku REGEXP '^${PREFIX}[0-9]{5}\$'
	   AND NOT EXISTS (SELECT 1 FROM stock s WHERE s.product_id = p.id);
	INSERT IGNORE INTO location_stock (product_id, location_id, on_hand, reserved)
	SELECT p.id, lo.id, 0, 0 FROM products p JOIN locations lo ON lo.code IN ($LOCS)
	 WHERE p.sku REGEXP '^${PREFIX}[0-9]{5}\$';
	SQL
}

# the location ids in allocation order, and the rounds already written: a
# place's on_hand after R rounds is R (R even) or R + 2 (R odd)
seed
LIDS=$(my -e "SELECT GROUP_CONCAT(id ORDER BY priority, id) FROM locations
	WHERE code IN ($LOCS)")
read -r lo hi n <<<"$(my -e "SELECT MIN(ls.on_hand), MAX(ls.on_hand), COUNT(*)
	FROM location_stock ls JOIN products p ON p.id = ls.product_id
	JOIN locations lo ON lo.id = ls.location_id
	WHERE p.sku REGEXP '^${PREFIX}[0-9]{5}\$' AND lo.code IN ($LOCS)")"
[ "$n" = $((NPROD * 3)) ] || die "expected $((NPROD * 3)) bench places, found $n"
[ "$lo" = "$hi" ] || die "bench places disagree (on_hand $lo..$hi): an" \
	"interrupted fill outside a transaction? drop the BAT- rows or DEV_VAR"
DONE=$((lo % 2 == 0 ? lo : lo - 2))
PER_ROUND=$((NPROD * 3))
ROUNDS=$(((ROWS + PER_ROUND - 1) / PER_ROUND))
STEP_ROUNDS=$(((CHUNK + PER_ROUND - 1) / PER_ROUND))

fill() {
	local t0 r e k0 k1
	t0=$(now)
	if [ "$FILL_POOL" != 0 ]; then
		POOL_WAS=$(my -e "SELECT @@innodb_buffer_pool_size")
		my -e "SET GLOBAL innodb_buffer_pool_size = $(numfmt --from=iec "$FILL_POOL")"
	fi
	r=$DONE
	while [ "$r" -lt "$ROUNDS" ]; do
		e=$((r + STEP_ROUNDS))
		[ "$e" -le "$ROUNDS" ] || e=$ROUNDS
		k0=$((r * PER_ROUND))
		k1=$((e * PER_ROUND - 1))
		# the rows of rounds r..e-1 (k = round * 3P + location * P + p),
		# after the newest row there is, spread up to now
		my <<-SQL
		SET SESSION time_zone = '+00:00', foreign_key_checks = 0,
		    unique_checks = 0, check_constraint_checks = 0;
		CREATE TEMPORARY TABLE bat_p (n INT UNSIGNED PRIMARY KEY,
		    id BIGINT UNSIGNED NOT NULL, sku VARCHAR(64) NOT NULL) ENGINE=MEMORY
		  AS SELECT CAST(SUBSTRING(sku, $((${#PREFIX} + 1))) AS UNSIGNED) - 1 AS n,
		            id, sku FROM products WHERE sku REGEXP '^${PREFIX}[0-9]{5}\$';
		SET @start = (SELECT GREATEST(COALESCE(MAX(created_at),
		    '1970-01-01'), NOW(3) - INTERVAL $DAYS DAY)
		    + INTERVAL 1000 MICROSECOND FROM ledger);
		SET @step = GREATEST(1, FLOOR(TIMESTAMPDIFF(MICROSECOND, @start,
		    NOW(3) - INTERVAL 2 SECOND) / $((ROUNDS * PER_ROUND - k0))));
		START TRANSACTION;
		INSERT INTO ledger (product_id, sku, location_id, type, on_hand_delta,
		    reserved_delta, on_hand_after, reserved_after, reference_type,
		    reason, actor, created_at)
		SELECT STRAIGHT_JOIN b.id, b.sku,
		       ELT(1 + (s.seq DIV $NPROD) MOD 3, $LIDS),
		       IF((s.seq DIV $PER_ROUND) MOD 2 = 0, 'restock', 'deduct'),
		       IF((s.seq DIV $PER_ROUND) MOD 2 = 0, 3, -1), 0,
		       (s.seq DIV $PER_ROUND) + IF((s.seq DIV $PER_ROUND) MOD 2 = 0, 3, 1),
		       0, 'manual', 'bench-stock-at', 'bench:at',
		       @start + INTERVAL ((s.seq - $k0) * @step) MICROSECOND
		  FROM seq_${k0}_to_${k1} s JOIN bat_p b ON b.n = s.seq MOD $NPROD
		 ORDER BY s.seq;
		UPDATE location_stock ls JOIN bat_p b ON b.id = ls.product_id
		  JOIN locations lo ON lo.id = ls.location_id AND lo.code IN ($LOCS)
		   SET ls.on_hand = $((e % 2 == 0 ? e : e + 2));
		UPDATE stock s JOIN bat_p b ON b.id = s.product_id
		   SET s.on_hand = $((3 * (e % 2 == 0 ? e : e + 2))),
		       s.version = s.version + 1;
		COMMIT;
		SQL
		log "fill: rounds $e of $ROUNDS ($((e * PER_ROUND)) rows), $(since "$t0")"
		r=$e
	done
	if [ -n "$POOL_WAS" ]; then
		my -e "SET GLOBAL innodb_buffer_pool_size = $POOL_WAS"
		POOL_WAS=
	fi
	[ "$DONE" = "$ROUNDS" ] || my -e "ANALYZE TABLE ledger, location_stock" >/dev/null
}
if [ "$DONE" -lt "$ROUNDS" ]; then
	log "fill: $((DONE * PER_ROUND)) bench rows there, writing $(((ROUNDS - DONE) * PER_ROUND))" \
		"more ($NPROD SKUs x 3 locations x $ROUNDS rounds)"
	fill
fi
[ "${BENCH_AT_FILL_ONLY:-0}" = 0 ] || { log "fill only: done"; exit 0; }

# what the requests draw from: the fill's span, its ids, the bench's pages
read -r T0 T1 ID0 ID1 <<<"$(my -e "SELECT
	ROUND(UNIX_TIMESTAMP(MIN(created_at)) * 1000),
	ROUND(UNIX_TIMESTAMP(MAX(created_at)) * 1000), MIN(id), MAX(id)
	FROM ledger WHERE actor = 'bench:at' AND product_id IN (
	(SELECT id FROM products WHERE sku = '${PREFIX}00001'),
	(SELECT id FROM products WHERE sku = '$PREFIX$(printf %05d "$NPROD")'))")"
read -r TOTAL BEFORE <<<"$(my -e "SELECT COUNT(*),
	SUM(p.sku < '${PREFIX}00001') FROM stock s JOIN products p ON p.id = s.product_id")"
PAGE0=$((BEFORE / 100 + 1))
PAGE1=$(((BEFORE + NPROD) / 100))
LEDGER_ROWS=$(my -e "SELECT TABLE_ROWS FROM information_schema.TABLES
	WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'ledger'")
LEDGER_MAX=$(my -e "SELECT MAX(id) FROM ledger")
log "span $(date -u -d @$((T0 / 1000)) +%FT%TZ) .. $(date -u -d @$((T1 / 1000)) +%FT%TZ)," \
	"bench ids $ID0..$ID1, pages $PAGE0..$PAGE1 of $TOTAL products"

# ---------------------------------------------------------------- API key

json_get() { python3 -c 'import json, sys; j = json.load(sys.stdin); print('"$1"')'; }
key_id() {
	[[ $1 =~ ^hfk_[0-9A-Za-z]{64}$ ]] || return 0
	my -e "SELECT id FROM api_keys WHERE key_hash = SHA2('$1', 256)
		AND revoked_at IS NULL AND role IN ('business', 'admin')"
}
new_key() {
	local admin=$DEV_VAR/secrets/admin.json token resp
	[ -r "$admin" ] || die "missing $admin"
	resp=$(python3 -c 'import json, sys; a = json.load(open(sys.argv[1]));
print(json.dumps({"email": a["email"], "password": a["password"]}))' "$admin" |
		curl -s -X POST -H 'Content-Type: application/json' --data-binary @- \
			"$URL/api/v1/auth/login")
	token=$(json_get 'j["data"]["access_token"]' <<<"$resp" 2>/dev/null) ||
		die "admin login failed (rate-limited? set BENCH_API_KEY): $resp"
	resp=$(curl -s -X POST -H 'Content-Type: application/json' \
		-H "Authorization: Bearer $token" \
		--data '{"name":"bench (tests/load)","role":"business"}' \
		"$URL/api/v1/api-keys")
	BENCH_TOKEN=$(json_get 'j["data"]["key"]' <<<"$resp" 2>/dev/null) ||
		die "POST /api/v1/api-keys failed: $resp"
	mkdir -p "$STATE"
	(umask 077 && echo "$BENCH_TOKEN" >"$STATE/api-key")
}
BENCH_TOKEN=${BENCH_API_KEY:-}
[ -n "$BENCH_TOKEN" ] || [ ! -r "$STATE/api-key" ] || BENCH_TOKEN=$(cat "$STATE/api-key")
if [ -z "$(key_id "$BENCH_TOKEN")" ]; then
	[ -z "${BENCH_API_KEY:-}" ] || die "BENCH_API_KEY is not a live business key"
	new_key
fi
export BENCH_TOKEN

# ---------------------------------------------------------------- one dive

# the plan of one point, and the handler reads of one statement of dives
# at a moment halfway through the span (random bench places)
DIVE_SQL=$("$T/atfloor" -S 0)
MID=$(my -e "SELECT FROM_UNIXTIME($(((T0 + T1) / 2000)))")
my -e "SELECT id FROM products WHERE sku REGEXP '^${PREFIX}[0-9]{5}\$'
	ORDER BY RAND() LIMIT 24" >"$T/dive-ids"
python3 - "$DIVE_SQL" "$MID" "$LIDS" "$T/dive-ids" >"$T/dive.sql" <<'EOF'
import random, sys
sql, mid, lids, ids = sys.argv[1:]
lids = lids.split(",")
ids = open(ids).read().split()
for k in range(sql.count("?") // 4):
    for v in (ids[k % len(ids)], random.choice(lids), "'%s'" % mid,
            "9223372036854775807"):
        sql = sql.replace("?", v, 1)
print(sql + ";")
EOF
one=$(sed -e 's/^(//' -e 's/) UNION ALL .*$//' "$T/dive.sql")
EXPLAIN_ONE=$(my -e "EXPLAIN $one" | awk -F'\t' '$3 == "x" {
	printf "table=%s type=%s key=%s key_len=%s rows=%s (%s)", $3, $4, $6, $7, $9, $10 }')
READS=$( (echo "FLUSH STATUS;"; cat "$T/dive.sql"; echo "SHOW SESSION STATUS LIKE 'Handler_read%';") |
	my | awk '$1 ~ /^Handler_read/ { sub(/Handler_read_/, "", $1); printf "%s=%s ", $1, $2 }')

# ---------------------------------------------------------------- checks

# BENCH_AT_CHECKS answers of each scenario against the replay in SQL
check_answers() {
	python3 - "$URL" "$BENCH_TOKEN" "$MY_CNF" "$PREFIX" "$NPROD" "$T0" "$T1" \
		"$ID0" "$ID1" "$CHECKS" <<-'EOF'
	import json, random, subprocess, sys, time, urllib.request
	url, token, cnf, prefix, nprod, t0, t1, id0, id1, n = sys.argv[1:]
	def sql(q):
	    out = subprocess.run(["mariadb", "--defaults-file=" + cnf, "-uroot",
	        "-N", "-B", "holdfast", "-e", q], capture_output=True, text=True,
	        check=True).stdout
	    return [l.split("\t") for l in out.split("\n") if l]
	def get(path):
	    req = urllib.request.Request(url + path,
	        headers={"Authorization": "Bearer " + token})
	    return json.load(urllib.request.urlopen(req, timeout=30))["data"]
	def replay(sku, cond):
	    return {r[0]: (int(r[1]), int(r[2])) for r in sql(
	        "SELECT lo.code, SUM(g.on_hand_delta), SUM(g.reserved_delta) "
	        "FROM ledger g JOIN locations lo ON lo.id = g.location_id "
	        "WHERE g.product_id = (SELECT id FROM products WHERE sku = '%s') "
	        "AND %s GROUP BY lo.code" % (sku, cond))}
	def places(item):
	    return {p["location"]: (p["on_hand"], p["reserved"])
	        for p in item["locations"]}
	bad = 0
	for _ in range(int(n)):
	    sku = "%s%05d" % (prefix, random.randint(1, int(nprod)))
	    ms = random.randint(int(t0), int(t1))
	    at = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + \
	        ".%03dZ" % (ms % 1000)
	    dbat = at[:10] + " " + at[11:23]
	    want = replay(sku, "g.created_at <= '%s'" % dbat)
	    got = places(get("/api/v1/stock/%s?at=%s" % (sku, at)))
	    page = get("/api/v1/stock?at=%s&per_page=100&page=%d" % (at,
	        1 + int(sql("SELECT COUNT(*) FROM products p JOIN stock s ON "
	        "s.product_id = p.id WHERE p.sku < '%s'" % sku)[0][0]) // 100))
	    listed = [places(i) for i in page["items"] if i["sku"] == sku]
	    nid = random.randint(int(id0), int(id1))
	    want_id = replay(sku, "g.id <= %d" % nid)
	    got_id = places(get("/api/v1/stock/%s?ledger_id=%d" % (sku, nid)))
	    for what, w, g in (("at", want, got), ("list", want, listed[0] if
	            listed else None), ("ledger_id", want_id, got_id)):
	        if w != g:
	            bad += 1
	            print("MISMATCH %s %s %s: want %r got %r" % (what, sku, at, w, g))
	print("checks: %d SKUs x (one, page, id): %s" % (int(n), "all equal the replay"
	    if bad == 0 else "%d mismatches" % bad))
	sys.exit(1 if bad else 0)
	EOF
}
FAIL=0
CHECK_LINE=$(check_answers) || FAIL=1

# ---------------------------------------------------------------- measuring

run_wrk() {	# NAME MODE URL: "req/s p50_ms p99_ms non2xx sockerr requests"
	local out
	out=$(BENCH_MODE=$2 BENCH_TAG=$TAG BENCH_PREFIX=$PREFIX BENCH_PRODUCTS=$NPROD \
		BENCH_T0=$T0 BENCH_T1=$T1 BENCH_PAGE0=$PAGE0 BENCH_PAGE1=$PAGE1 \
		BENCH_ID0=$ID0 BENCH_ID1=$ID1 wrk -t"$THREADS" -c"$CONNS" -d"${DUR}s" \
		--timeout 10s -s "$HERE/bench-stock-at.lua" "$3" 2>&1) ||
		die "wrk failed for $1: $out"
	grep '^WRKRESULT ' <<<"$out" | awk '{
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "%.0f %.2f %.2f %d %d %d\n", v["requests"] / (v["duration_us"] / 1e6),
		    v["p50_us"] / 1000, v["p99_us"] / 1000, v["non2xx"],
		    v["connect"] + v["read"] + v["write"] + v["timeout"], v["requests"] }'
}

declare -A R
if floors_start; then
	for name in const fcgi; do
		log "floor: $name"
		read -r R[$name.rps] R[$name.p50] R[$name.p99] R[$name.non2xx] _ _ \
			<<<"$(run_wrk "$name" get "http://127.0.0.1:$NGINX_PORT/$name")"
	done
	floors_stop
fi

SQL_SAME=yes
"$T/atfloor" -V "/proc/${WORKER_PIDS[0]}/exe" >"$T/verify" 2>&1 || {
	SQL_SAME=no
	log "warning: the running workers lack statement text(s) of sql_stock_at.c (./dev up?)"
}
DB_PASS=$(cat "$DEV_VAR/secrets/db_app_password")
for sc in $SCENARIOS; do
	case $sc in one | page | id) ;; *) die "unknown scenario $sc" ;; esac
	log "scenario $sc: HTTP, wrk -t$THREADS -c$CONNS -d${DUR}s"
	read -r R[$sc.rps] R[$sc.p50] R[$sc.p99] R[$sc.non2xx] R[$sc.sockerr] _ \
		<<<"$(run_wrk "$sc" "$sc" "$URL/api/v1/")"
	if [ "${R[$sc.non2xx]}" != 0 ] || [ "${R[$sc.sockerr]}" != 0 ]; then
		log "scenario $sc: ${R[$sc.non2xx]} non-2xx, ${R[$sc.sockerr]} socket errors"
		FAIL=1
	fi
	log "scenario $sc: floor, atfloor -c$NWORKERS -d$DUR"
	out=$(DB_SOCKET=$MY_SOCK DB_USER=holdfast DB_PASS=$DB_PASS DB_NAME=holdfast \
		"$T/atfloor" -m "$sc" -c "$NWORKERS" -d "$DUR" -n "$NPROD" -p "$PREFIX" \
		-a "$T0" -b "$T1" -f "$PAGE0" -l "$PAGE1" -i "$ID0" -j "$ID1" 2>&1) || {
		log "atfloor $sc failed: $out"
		FAIL=1
	}
	line=$(grep '^atfloor ' <<<"$out") || die "atfloor printed no result: $out"
	for kv in $line; do
		case $kv in
		rps=*) R[$sc.frps]=${kv#*=} ;;
		p50_ms=*) R[$sc.f50]=${kv#*=} ;;
		p99_ms=*) R[$sc.f99]=${kv#*=} ;;
		stmts_per_req=*) R[$sc.stmts]=${kv#*=} ;;
		points_per_req=*) R[$sc.points]=${kv#*=} ;;
		esac
	done
done

# ---------------------------------------------------------------- report

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
label() {
	case $1 in
	one) echo "1 one SKU ?at=" ;;
	page) echo "2 page of 100 ?at=" ;;
	id) echo "3 one SKU ?ledger_id=" ;;
	esac
}
echo
echo "Holdfast stock-at benchmark (issue 17 item 5), $(date -u +%FT%TZ), $(nproc) cores," \
	"$NWORKERS workers, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "ledger: about $LEDGER_ROWS rows (last id $LEDGER_MAX); the bench's $NPROD SKUs x 3" \
	"locations x $ROUNDS rows = $((ROUNDS * PER_ROUND)) of them, over" \
	"$(((T1 - T0) / 3600000)) hours"
echo "wrk -t$THREADS -c$CONNS -d${DUR}s via $URL; floor = atfloor, same SQL and" \
	"parameters, $NWORKERS connections (SQL texts found in the running worker: $SQL_SAME)"
echo
printf '%-24s %9s %8s %8s | %9s %8s %8s | %5s | %7s %7s\n' scenario "HTTP r/s" "p50 ms" \
	"p99 ms" "floor r/s" "p50 ms" "p99 ms" ratio "SQL/req" "dives/r"
for sc in $SCENARIOS; do
	printf '%-24s %9s %8s %8s | %9s %8s %8s | %5s | %7s %7s\n' "$(label "$sc")" \
		"${R[$sc.rps]}" "${R[$sc.p50]}" "${R[$sc.p99]}" "${R[$sc.frps]}" "${R[$sc.f50]}" \
		"${R[$sc.f99]}" "$(ratio "${R[$sc.rps]}" "${R[$sc.frps]}")" "${R[$sc.stmts]}" \
		"${R[$sc.points]}"
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
echo "one dive (EXPLAIN): $EXPLAIN_ONE"
echo "one statement of $(grep -o 'UNION ALL' "$T/dive.sql" | wc -l | awk '{ print $1 + 1 }') dives, handler reads: $READS"
echo "$CHECK_LINE"

# ---------------------------------------------------------------- reconcile

bad=0
for k in 1 $((NPROD / 2)) "$NPROD"; do
	HOLDFAST_CONF=$DEV_VAR/holdfast.conf "$ADMIN_BIN" reconcile \
		--sku "$PREFIX$(printf %05d "$k")" >>"$T/reconcile" 2>&1 || bad=1
done
if [ "$bad" = 0 ]; then
	echo "reconcile of ${PREFIX}00001, the middle and the last SKU: clean"
else
	echo "reconcile: MISMATCH"; head -n 20 "$T/reconcile"; FAIL=1
fi
[ "$FAIL" = 0 ] || { log "FAILED (see above)"; exit 1; }
