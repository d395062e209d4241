#!/usr/bin/env bash
# bench-recs.sh: the issue-14 (item 4) benchmark. The two recommendation
# reads through nginx and the FastCGI pool of the running dev stack, on a
# loan history of BENCH_RECS_LOANS (100,000) loans, against the floors of
# floors.sh measured in the same run (style rule 14): nginx answering a
# constant, and nginx in front of a minimal pre-forked libfcgi answer.
#
#   root     GET /api/v1: the service's request path with no SQL
#   related  GET /api/v1/products/{id}/related?limit=10 as a guest, a
#            random product of the seeded ones per request
#   mine     GET /api/v1/me/recommendations?limit=10, each request signed
#            in as a random one of BENCH_RECS_TOKENS (500) seeded readers
#            (access tokens signed here with the stack's jwt_secret)
#
# Neither answer is cached: both are one statement over the co-borrow
# tables that the trigger of 018_recommendations.sql keeps (see
# docs/internals.md, "Issue 14: recommendations"). Below the table, the
# same answers computed the naive way (a self-join of loans, what the
# tables replace), timed by MariaDB itself (ANALYZE), for a typical title
# and for the bestseller, and the cost of the trigger while seeding. The
# table also gives the CPU per request of the workers and of MariaDB
# (/proc), steadier than req/s on a shared machine.
#
# The seed, written as MariaDB's root by INSERT ... SELECT from the
# Sequence engine (resumable: a second run adds only what is missing):
#   products  BRC-00001..BRC-<BENCH_RECS_PRODUCTS> (2,000), no stock, in 20
#             categories "Bench recs <n>"
#   readers   bench-recs-<n>@example.test, active users, LOANS/5 of them
#   loans     5 per reader, all returned: 4 of the 10 titles of the
#             reader's cluster (reader mod PRODUCTS/10) and one more: the
#             bestseller BRC-00001 for every fourth reader, else a title
#             spread over the whole range. The loans go in through the
#             trigger, as POST /loans's do.
# No stock moves (loans made by SQL, already returned): reconcile stays
# clean. Fails (exit 1) when an answer was not 2xx.
#
# Knobs: BENCH_DURATION=10 BENCH_THREADS=2 BENCH_CONNS=16
#   BENCH_RECS_LOANS=100000 BENCH_RECS_PRODUCTS=2000 BENCH_RECS_TOKENS=500
#   BENCH_RECS_CHUNK=10000 BENCH_NGINX_PORT=18182 DEV_VAR=<repo>/var
#   BENCH_URL=http://127.0.0.1:$DEV_HTTP_PORT
set -euo pipefail
umask 022

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/floors.sh"
REPO=$(cd "$HERE/../.." && pwd)
DEV_VAR=${DEV_VAR:-$REPO/var}
export DEV_VAR
DUR=${BENCH_DURATION:-10}
THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_CONNS:-16}
NLOANS=${BENCH_RECS_LOANS:-100000}
NPROD=${BENCH_RECS_PRODUCTS:-2000}
NTOK=${BENCH_RECS_TOKENS:-500}
CHUNK=${BENCH_RECS_CHUNK:-10000}
NGINX_PORT=${BENCH_NGINX_PORT:-18182}
URL=${BENCH_URL:-http://127.0.0.1:${DEV_HTTP_PORT:-18080}}
MY_CNF=$DEV_VAR/mariadb/my.cnf

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
my() { mariadb --defaults-file="$MY_CNF" -uroot -N -B holdfast "$@"; }

for n in DUR THREADS CONNS NLOANS NPROD NTOK CHUNK NGINX_PORT; do
	case ${!n} in '' | *[!0-9]* | 0) die "$n must be a whole number >= 1" ;; esac
done
[ $((NPROD % 10)) = 0 ] && [ "$NPROD" -ge 20 ] && [ "$NPROD" -le 99999 ] ||
	die "BENCH_RECS_PRODUCTS must be a multiple of 10 from 20 to 99990"
NREADERS=$(((NLOANS + 4) / 5))
for tool in wrk gcc pkg-config curl mariadb nginx python3; do
	command -v "$tool" >/dev/null || die "missing $tool (./dev up installs it)"
done

if ! "$REPO/dev" status >/dev/null 2>&1; then
	log "the dev stack is not (all) up: ./dev up"
	"$REPO/dev" up >&2
fi
"$REPO/dev" status >/dev/null 2>&1 || die "./dev status still fails"
mapfile -t APP_PIDS < <("$REPO/dev" pids workers)
NWORKERS=${#APP_PIDS[@]}
[ "$NWORKERS" -ge 1 ] || die "no FastCGI workers"

T=$(mktemp -d /tmp/holdfast-bench-recs.XXXXXX)
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

log "building fcgifloor in $T"
# shellcheck disable=SC2046
gcc -O2 -Wall -Wextra -o "$T/fcgifloor" "$HERE/fcgifloor.c" \
	$(pkg-config --cflags --libs fcgi)

# ---------------------------------------------------------------- seed

my <<SQL
INSERT IGNORE INTO categories (name, slug)
SELECT CONCAT('Bench recs ', seq), CONCAT('bench-recs-', seq)
  FROM seq_1_to_20;
INSERT INTO products (sku, name, category_id, price)
SELECT CONCAT('BRC-', LPAD(seq, 5, '0')), CONCAT('Bench recs title ', seq),
       (SELECT id FROM categories WHERE slug = CONCAT('bench-recs-',
           seq MOD 20 + 1)), 1.00
  FROM seq_1_to_$NPROD
 WHERE NOT EXISTS (SELECT 1 FROM products p
                    WHERE p.sku = CONCAT('BRC-', LPAD(seq, 5, '0')));
INSERT INTO stock (product_id, on_hand, reserved)
SELECT p.id, 0, 0 FROM products p
 WHERE p.sku LIKE 'BRC-%'
   AND NOT EXISTS (SELECT 1 FROM stock s WHERE s.product_id = p.id);
INSERT IGNORE INTO location_stock (product_id, location_id, on_hand, reserved)
SELECT p.id, lo.id, 0, 0 FROM products p
  JOIN locations lo ON lo.code = 'main'
 WHERE p.sku LIKE 'BRC-%';
INSERT INTO users (email, password_hash, role, status, display_name,
    verified_at)
SELECT CONCAT('bench-recs-', seq, '@example.test'), 'bench-recs-no-login',
       'user', 'active', CONCAT('Bench reader ', seq), NOW(3)
  FROM seq_0_to_$((NREADERS - 1))
 WHERE NOT EXISTS (SELECT 1 FROM users u
                    WHERE u.email = CONCAT('bench-recs-', seq,
                        '@example.test'));
SQL

HAVE=$(my -e "SELECT COUNT(*) FROM loans l JOIN products p
	ON p.id = l.product_id WHERE p.sku LIKE 'BRC-%'")
T0=$(now)
SEEDED=0
log "loans: $HAVE bench loans, filling to $NLOANS"
while [ "$HAVE" -lt "$NLOANS" ]; do
	n=$((NLOANS - HAVE < CHUNK ? NLOANS - HAVE : CHUNK))
	# loan i: reader i div 5, its (i mod 5)th title
	my <<-SQL
	START TRANSACTION;
	INSERT INTO loans (user_id, product_id, sku, status, due_at,
	    returned_at, created_at)
	SELECT u.id, p.id, p.sku, 'returned',
	       s.t + INTERVAL 14 DAY, s.t + INTERVAL 7 DAY, s.t
	  FROM (SELECT $HAVE + seq AS i,
	               NOW(3) - INTERVAL ($NLOANS - $HAVE - seq) MINUTE AS t,
	               IF(($HAVE + seq) MOD 5 < 4,
	                  (($HAVE + seq) DIV 5) MOD $((NPROD / 10)) * 10 +
	                  ((($HAVE + seq) DIV 5) DIV $((NPROD / 10)) +
	                   (($HAVE + seq) MOD 5) * 3) MOD 10,
	                  IF((($HAVE + seq) DIV 5) MOD 4 = 0, 0,
	                     (($HAVE + seq) DIV 5) * 7919 MOD $NPROD)) AS idx
	          FROM seq_0_to_$((n - 1))) s
	  JOIN users u ON u.email = CONCAT('bench-recs-', s.i DIV 5,
	       '@example.test')
	  JOIN products p ON p.sku = CONCAT('BRC-', LPAD(s.idx + 1, 5, '0'))
	 ORDER BY s.i;
	COMMIT;
	SQL
	HAVE=$((HAVE + n))
	SEEDED=$((SEEDED + n))
	log "loans: $HAVE ($(since "$T0") s)"
done
SEED_S=$(since "$T0")
my -e "ANALYZE TABLE loans, reader_products, product_pairs, product_readers" >/dev/null

# the ids asked for, and the readers' tokens
my -e "SELECT id FROM products WHERE sku LIKE 'BRC-%'" >"$T/ids"
my -e "SELECT id FROM users WHERE email LIKE 'bench-recs-%'
	ORDER BY RAND() LIMIT $NTOK" >"$T/uids"
python3 - "$DEV_VAR/holdfast.conf" "$DEV_VAR/secrets/jwt_secret" \
	"$T/uids" >"$T/tokens" <<'PY'
import base64, hashlib, hmac, json, sys, time

conf = {}
for line in open(sys.argv[1]):
    if "=" in line and not line.lstrip().startswith("#"):
        k, v = line.split("=", 1)
        conf[k.strip()] = v.strip()
key = conf.get("jwt_secret") or open(sys.argv[2]).read().strip()
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
now = int(time.time())
for uid in open(sys.argv[3]).read().split():
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"},
        separators=(",", ":")).encode())
    body = b64(json.dumps({"iss": conf.get("jwt_issuer", "holdfast"),
        "aud": conf.get("jwt_audience", "holdfast-api"), "sub": uid,
        "role": "user", "iat": now, "exp": now + 3600},
        separators=(",", ":")).encode())
    sig = hmac.new(key.encode(), ("%s.%s" % (head, body)).encode(),
        hashlib.sha256).digest()
    print("%s.%s.%s" % (head, body, b64(sig)))
PY
TOK1=$(head -n 1 "$T/tokens")
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK1" \
	"$URL/api/v1/me/recommendations")
[ "$code" = 200 ] || die "a seeded reader's token is refused ($code)"

# ---------------------------------------------------------------- runs

declare -A R
FAIL=0
# CPU ticks (utime + stime) of the pids given
ticks() {
	local p t=0
	for p in "$@"; do
		[ -r "/proc/$p/stat" ] || continue
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat")))
	done
	echo "$t"
}
MARIADB_PID=$(cat "$DEV_VAR/mariadb/run/mysqld.pid")
HZ=$(getconf CLK_TCK)
# measure NAME MODE URL: req/s p50 p99 of one wrk run, and the CPU per
# request (microseconds) of MariaDB and of the answering processes
measure() {
	local out m0 a0 m1 a1
	m0=$(ticks "$MARIADB_PID")
	a0=$(ticks "${APP_PIDS[@]}")
	out=$(BENCH_MODE=$2 BENCH_LIST=$T/ids BENCH_TOKENS=$T/tokens \
		wrk -t"$THREADS" -c"$CONNS" -d"${DUR}s" --timeout 10s \
		-s "$HERE/bench-recs.lua" "$3" 2>&1) || die "wrk failed for $1: $out"
	read -r R[$1.rps] R[$1.p50] R[$1.p99] R[$1.bad] < <(grep '^WRKRESULT ' \
		<<<"$out" | awk '{
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "%.0f %.2f %.2f %d\n", v["requests"] / (v["duration_us"] / 1e6),
		    v["p50_us"] / 1000, v["p99_us"] / 1000,
		    v["non2xx"] + v["connect"] + v["read"] + v["write"] + v["timeout"] }')
	m1=$(ticks "$MARIADB_PID")
	a1=$(ticks "${APP_PIDS[@]}")
	R[$1.n]=$(grep -Po '^WRKRESULT requests=\K[0-9]+' <<<"$out")
	R[$1.cdb]=$(awk -v d=$((m1 - m0)) -v n="${R[$1.n]}" -v hz="$HZ" \
		'BEGIN { printf "%.0f", (n > 0 ? d * 1e6 / hz / n : 0) }')
	R[$1.capp]=$(awk -v d=$((a1 - a0)) -v n="${R[$1.n]}" -v hz="$HZ" \
		'BEGIN { printf "%.0f", (n > 0 ? d * 1e6 / hz / n : 0) }')
	if [ "${R[$1.bad]}" != 0 ]; then
		log "$1: ${R[$1.bad]} answers not 2xx or socket errors"
		FAIL=1
	fi
}

if floors_start; then
	WORKERS=("${APP_PIDS[@]}")
	read -r -a APP_PIDS <<<"$FCGI_FLOOR $(ps -o pid= --ppid "$FCGI_FLOOR" | tr '\n' ' ')"
	log "floor: const (nginx return 200 '{}')"
	measure const get "http://127.0.0.1:$NGINX_PORT/const"
	log "floor: fcgi (nginx -> $NWORKERS minimal libfcgi processes)"
	measure fcgi get "http://127.0.0.1:$NGINX_PORT/fcgi"
	floors_stop
	APP_PIDS=("${WORKERS[@]}")
fi
for s in root related mine; do
	log "scenario: $s"
	measure "$s" "$s" "$URL"
done

# the naive way, timed by MariaDB (ANALYZE: r_total_time_ms)
analyze() {
	my -e "ANALYZE FORMAT=JSON $1" | python3 -c '
import json, sys
d = json.loads(sys.stdin.read().replace("\\n", "\n"))
print("%.2f" % d["query_block"].get("r_total_time_ms", 0))'
}
naive_related() {
	echo "SELECT l2.product_id, COUNT(DISTINCT l2.user_id) AS n
	FROM loans l1 JOIN loans l2 ON l2.user_id = l1.user_id
	AND l2.product_id <> l1.product_id WHERE l1.product_id = $1
	GROUP BY l2.product_id ORDER BY n DESC, l2.product_id LIMIT 10"
}
kept_related() {
	echo "SELECT b, readers FROM product_pairs WHERE a = $1
	ORDER BY readers DESC, b LIMIT 10"
}
BEST=$(my -e "SELECT id FROM products WHERE sku = 'BRC-00001'")
TYPICAL=$(my -e "SELECT id FROM products WHERE sku = 'BRC-00012'")
RB=$(my -e "SELECT readers FROM product_readers WHERE product_id = $BEST")
RT=$(my -e "SELECT readers FROM product_readers WHERE product_id = $TYPICAL")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
NL=$(my -e "SELECT COUNT(*) FROM loans")
NP=$(my -e "SELECT COUNT(*) FROM product_pairs")
echo
echo "Holdfast issue-14 recommendations benchmark, $(date -u +%FT%TZ), $(nproc) cores," \
	"$NWORKERS workers; $NL loans ($NLOANS bench), $NP product pairs"
echo "wrk -t$THREADS -c$CONNS -d${DUR}s via $URL; floors through a private nginx"
printf '%-34s %9s %9s %9s %9s %9s %9s %9s\n' scenario req/s p50_ms p99_ms \
	"/const" "/fcgi" "app_us" "db_us"
for s in const fcgi root related mine; do
	[ -n "${R[$s.rps]:-}" ] || continue
	case $s in
	const) name="floor: nginx constant" ;;
	fcgi) name="floor: minimal FastCGI x$NWORKERS" ;;
	root) name="GET /api/v1 (no SQL)" ;;
	related) name="GET /products/{id}/related" ;;
	mine) name="GET /me/recommendations" ;;
	esac
	printf '%-34s %9s %9s %9s %9s %9s %9s %9s\n' "$name" "${R[$s.rps]}" \
		"${R[$s.p50]}" "${R[$s.p99]}" \
		"$(ratio "${R[$s.rps]}" "${R[const.rps]:-0}")" \
		"$(ratio "${R[$s.rps]}" "${R[fcgi.rps]:-0}")" "${R[$s.capp]}" \
		"${R[$s.cdb]}"
done
echo "app_us, db_us: CPU per request (microseconds) of the answering processes"
echo "(holdfast-fcgi, or fcgifloor for the floors) and of this stack's mariadbd"
echo "(its other clients, holdfast-notify's polls, count too)"
echo
echo "related, MariaDB's own time (ANALYZE, ms): kept pairs vs. a self-join of loans"
printf '  %-34s %10s %10s\n' title kept naive
printf '  %-34s %10s %10s\n' "typical (BRC-00012, $RT readers)" \
	"$(analyze "$(kept_related "$TYPICAL")")" "$(analyze "$(naive_related "$TYPICAL")")"
printf '  %-34s %10s %10s\n' "bestseller (BRC-00001, $RB readers)" \
	"$(analyze "$(kept_related "$BEST")")" "$(analyze "$(naive_related "$BEST")")"
if [ "$SEEDED" -gt 0 ]; then
	echo "seeding: $SEEDED loans through the trigger in ${SEED_S} s" \
		"($(awk -v n="$SEEDED" -v s="$SEED_S" 'BEGIN { printf "%.0f", n / s }') loans/s)"
fi
exit "$FAIL"
