#!/usr/bin/env bash
# bench-sweep.sh: issue 13 item 7. holdfast-expire frees BENCH_EXPIRED
# (100,000) expired reservations while a uniform reserve load runs, and
# the load does not notice: the goal is a sweep of at most 5 s and a load
# p99 during the sweep of at most 2x its p99 without it, both measured in
# this run (the "floor" here is the same load without the sweep).
#
#   1. set-up (SQL as MariaDB's root, one transaction): BENCH_EXPIRED cart
#      reservations spread evenly over BENCH-00001..BENCH_SKUS (10 each of
#      10,000), at the location main, expired a minute ago, with what a
#      reservation writes beside it: one `reserve` ledger row each (the
#      location's after-values, rising per product), location_stock and
#      stock reserved raised by the same units. The SKUs are seeded first
#      as bench-inventory.sh seeds them (same SQL, idempotent). Then
#      reconcile must be clean (bench_reconcile below).
#   2. baseline: wrk, the uniform reserve of bench-inventory.sh (bench.lua,
#      BENCH_THREADS x BENCH_CONNS, ttl a day), for BENCH_WINDOW s.
#   3. sweep: the same wrk for BENCH_WINDOW s; BENCH_LEAD s into it,
#      build/holdfast-expire runs once, timed.
#   4. reconcile again; every set-up reservation is `expired` with one
#      ending row, a `release` (reason `expired`) of its units.
#
# The p99s: wrk's over the whole window (client's view, nginx queueing
# included), and the workers' own (access lines of holdfast.log) over
# exactly the sweep's interval against the same span of the baseline,
# which is the sharper figure when the sweep is shorter than the window.
# The verdict is on both: sweep <= 5 s, and both p99 ratios <= 2.
#
# Knobs: BENCH_EXPIRED=100000 BENCH_SKUS=10000 BENCH_WINDOW=8 BENCH_LEAD=1
#   BENCH_THREADS=2 BENCH_CONNS=32 BENCH_SWEEP_BATCH=500 (--batch)
#   BENCH_RECONCILE_SAMPLE=3 BENCH_RECONCILE_ALL=0 BENCH_SETUP_ONLY=0
#   BENCH_API_KEY=hfk_... BENCH_URL=http://127.0.0.1:$DEV_HTTP_PORT
#   DEV_VAR=<repo>/var
# Exit: 0 goal met, 1 failure (non-2xx, reconcile, a reservation left),
# 3 ran clean but missed the goal.
set -euo pipefail
umask 022

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
DEV_VAR=${DEV_VAR:-$REPO/var}
export DEV_VAR
NEXP=${BENCH_EXPIRED:-100000}
NSKUS=${BENCH_SKUS:-10000}
WINDOW=${BENCH_WINDOW:-8}
LEAD=${BENCH_LEAD:-1}
THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_CONNS:-32}
BATCH=${BENCH_SWEEP_BATCH:-500}
URL=${BENCH_URL:-http://127.0.0.1:${DEV_HTTP_PORT:-18080}}
TTL=86400
PREFIX=BENCH-
HOT=BENCH-HOT
STOCK_FULL=1000000000
STOCK_LOW=1000000
GOAL_S=5
GOAL_RATIO=2

MY_CNF=$DEV_VAR/mariadb/my.cnf
LOG=$DEV_VAR/log/holdfast.log
ADMIN_BIN=$REPO/build/holdfast-admin
EXPIRE_BIN=$REPO/build/holdfast-expire
STATE=$HERE/.state
TAG=s$(date +%s)
RES_PATH="/api/v1/reservations?bench=$TAG"

log() { printf '[bench-sweep %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
now() { date +%s.%N; }
my() { mariadb --defaults-file="$MY_CNF" -uroot -N -B holdfast "$@"; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

for n in NEXP NSKUS WINDOW LEAD THREADS CONNS BATCH; do
	case ${!n} in '' | *[!0-9]* | 0) die "$n must be a whole number >= 1" ;; esac
done
[ "$NSKUS" -le 99999 ] || die "BENCH_SKUS must be at most 99999"
[ "$LEAD" -lt "$WINDOW" ] || die "BENCH_LEAD must be below BENCH_WINDOW"
for tool in wrk curl python3 mariadb; do
	command -v "$tool" >/dev/null || die "missing $tool (./dev up installs it)"
done
"$REPO/dev" status >/dev/null 2>&1 || die "the dev stack is not up (./dev up)"
[ -x "$EXPIRE_BIN" ] && [ -x "$ADMIN_BIN" ] || die "no build/ programs (./dev build)"
limit=$(awk -F' *= *' '$1 == "rate_general_max" { print $2 }' "$DEV_VAR/holdfast.conf")
[ "${limit:-600}" -ge 1000000 ] ||
	die "rate_general_max is ${limit:-600} in $DEV_VAR/holdfast.conf (./dev up renders 10000000)"
export HOLDFAST_CONF=$DEV_VAR/holdfast.conf

T=$(mktemp -d /tmp/holdfast-bench-sweep.XXXXXX)
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- seed

# the SKUs, as bench-inventory.sh seeds them (the same SQL: idempotent)
log "seed: $NSKUS SKUs"
my <<-SQL
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
-- the units are main's (bench-inventory.sh's seed writes no place: a
-- product it made has its place made here, with all its units)
UPDATE location_stock ls JOIN bench_low b ON b.product_id = ls.product_id
   SET ls.on_hand = ls.on_hand + b.delta WHERE ls.location_id = 1;
INSERT INTO location_stock (product_id, location_id, on_hand, reserved)
SELECT s.product_id, 1, s.on_hand, s.reserved
  FROM stock s JOIN products p ON p.id = s.product_id
 WHERE p.sku REGEXP '^$PREFIX([0-9]{5}|HOT)\$'
   AND NOT EXISTS (SELECT 1 FROM location_stock ls
                    WHERE ls.product_id = s.product_id);
INSERT INTO audit_log (actor, actor_role, action, entity, entity_id,
    new_value, request_id)
SELECT 'bench:seed', 'admin', 'product.create', 'product', b.product_id,
       JSON_OBJECT('sku', b.sku, 'name', p.name,
                   'initial_quantity', b.delta),
       'bench-seed'
  FROM bench_low b JOIN products p ON p.id = b.product_id
 WHERE b.on_hand = 0;
COMMIT;
SQL

# BENCH_EXPIRED reservations expired a minute ago, with their ledger rows
# and the units they hold, under the stock rows' locks (SKU order)
log "set-up: $NEXP expired reservations over $NSKUS SKUs (reference sweep-$TAG-N)"
t0=$(now)
my >/dev/null <<-SQL
SET SESSION time_zone = '+00:00';
START TRANSACTION;
CREATE TEMPORARY TABLE sweep_p (k INT NOT NULL PRIMARY KEY,
    product_id BIGINT UNSIGNED NOT NULL, sku VARCHAR(64) NOT NULL) ENGINE=MEMORY;
INSERT INTO sweep_p
SELECT CAST(SUBSTRING(p.sku, 7) AS UNSIGNED), p.id, p.sku FROM products p
 WHERE p.sku REGEXP '^$PREFIX[0-9]{5}\$'
   AND CAST(SUBSTRING(p.sku, 7) AS UNSIGNED) BETWEEN 1 AND $NSKUS;
SELECT COUNT(*) FROM sweep_p x JOIN stock s ON s.product_id = x.product_id
 ORDER BY x.sku FOR UPDATE;
SELECT COUNT(*) FROM sweep_p x JOIN location_stock ls
    ON ls.product_id = x.product_id AND ls.location_id = 1 FOR UPDATE;
INSERT INTO reservations (product_id, location_id, type, origin,
    reference_id, quantity, expires_at, created_by)
SELECT x.product_id, 1, 'cart', 'api', CONCAT('sweep-$TAG-', q.seq), 1,
       NOW(3) - INTERVAL 1 MINUTE, 'bench:sweep'
  FROM seq_1_to_$NEXP q
  JOIN sweep_p x ON x.k = (q.seq - 1) % $NSKUS + 1;
INSERT INTO ledger (product_id, sku, location_id, type, on_hand_delta,
    reserved_delta, on_hand_after, reserved_after, reference_type,
    reference_id, reason, actor, request_id, reservation_id)
SELECT r.product_id, p.sku, 1, 'reserve', 0, r.quantity, ls.on_hand,
       ls.reserved + SUM(r.quantity) OVER (PARTITION BY r.product_id
                                           ORDER BY r.id),
       'reservation', r.id, NULL, 'bench:sweep', 'bench-sweep', r.id
  FROM reservations r
  JOIN products p ON p.id = r.product_id
  JOIN location_stock ls ON ls.product_id = r.product_id AND ls.location_id = 1
 WHERE r.reference_id LIKE 'sweep-$TAG-%'
 ORDER BY r.id;
CREATE TEMPORARY TABLE sweep_q ENGINE=MEMORY AS
SELECT product_id, SUM(quantity) AS q FROM reservations
 WHERE reference_id LIKE 'sweep-$TAG-%' GROUP BY product_id;
UPDATE location_stock ls JOIN sweep_q q ON q.product_id = ls.product_id
   SET ls.reserved = ls.reserved + q.q WHERE ls.location_id = 1;
UPDATE stock s JOIN sweep_q q ON q.product_id = s.product_id
   SET s.reserved = s.reserved + q.q, s.version = s.version + 1;
COMMIT;
SQL
made=$(my -e "SELECT COUNT(*) FROM reservations WHERE reference_id LIKE 'sweep-$TAG-%' AND status = 'active'")
[ "$made" = "$NEXP" ] || die "set-up made $made reservations, not $NEXP"
log "set-up: $made reservations in $(secs "$t0" "$(now)")s"

# reconcile's sums (src/svc/reconcile.c) over every bench SKU at once, in
# SQL (holdfast-admin reconcile takes minutes over 10,000 SKUs with the
# bench's history): the product's row, its places and its active
# reservations against the ledger; and holdfast-admin reconcile itself on
# a sample (BENCH_RECONCILE_SAMPLE SKUs; BENCH_RECONCILE_ALL=1: every SKU
# of the stack, after the sweep). Prints the mismatches found.
bench_reconcile() {
	local bad sample sku
	bad=$(my -e "
	SELECT COUNT(*) FROM stock s JOIN products p ON p.id = s.product_id
	  LEFT JOIN (SELECT product_id, SUM(on_hand_delta) AS o,
	                    SUM(reserved_delta) AS r
	               FROM ledger GROUP BY product_id) g
	    ON g.product_id = s.product_id
	  LEFT JOIN (SELECT product_id, SUM(quantity) AS q FROM reservations
	              WHERE status = 'active' GROUP BY product_id) a
	    ON a.product_id = s.product_id
	  LEFT JOIN (SELECT product_id, SUM(on_hand) AS o, SUM(reserved) AS r
	               FROM location_stock GROUP BY product_id) l
	    ON l.product_id = s.product_id
	 WHERE p.sku REGEXP '^$PREFIX[0-9]{5}\$'
	   AND (s.on_hand <> COALESCE(g.o, 0) OR s.reserved <> COALESCE(g.r, 0)
	     OR s.reserved <> COALESCE(a.q, 0)
	     OR s.on_hand <> COALESCE(l.o, 0) OR s.reserved <> COALESCE(l.r, 0));
	SELECT COUNT(*) FROM location_stock ls JOIN products p ON p.id = ls.product_id
	  LEFT JOIN (SELECT product_id, location_id, SUM(on_hand_delta) AS o,
	                    SUM(reserved_delta) AS r
	               FROM ledger GROUP BY product_id, location_id) g
	    ON g.product_id = ls.product_id AND g.location_id = ls.location_id
	  LEFT JOIN (SELECT product_id, location_id, SUM(quantity) AS q
	               FROM reservations WHERE status = 'active'
	              GROUP BY product_id, location_id) a
	    ON a.product_id = ls.product_id AND a.location_id = ls.location_id
	 WHERE p.sku REGEXP '^$PREFIX[0-9]{5}\$'
	   AND (ls.on_hand <> COALESCE(g.o, 0) OR ls.reserved <> COALESCE(g.r, 0)
	     OR ls.reserved <> COALESCE(a.q, 0));" | paste -sd+ | bc)
	sample=$(my -e "SELECT sku FROM products WHERE sku REGEXP '^$PREFIX[0-9]{5}\$'
		ORDER BY RAND() LIMIT ${BENCH_RECONCILE_SAMPLE:-3}")
	for sku in $sample; do
		"$ADMIN_BIN" reconcile --sku "$sku" >>"$T/reconcile" 2>&1 || bad=$((bad + 1))
	done
	echo "$bad"
}
t0=$(now)
bad0=$(bench_reconcile)
[ "$bad0" = 0 ] || die "reconcile before the sweep: $bad0 mismatch(es) $(tail -3 "$T/reconcile" 2>/dev/null)"
due=$(my -e "SELECT COUNT(*) FROM reservations WHERE status = 'active' AND expires_at <= NOW(3)")
log "reconcile: clean ($(secs "$t0" "$(now)")s); $due reservations are past expires_at in all"
if [ "${BENCH_SETUP_ONLY:-0}" = 1 ]; then
	log "BENCH_SETUP_ONLY=1: stopping after the set-up"
	exit 0
fi

# ---------------------------------------------------------------- API key

BENCH_TOKEN=${BENCH_API_KEY:-}
if [ -z "$BENCH_TOKEN" ] && [ -r "$STATE/api-key" ]; then
	BENCH_TOKEN=$(cat "$STATE/api-key")
fi
if ! [[ $BENCH_TOKEN =~ ^hfk_[0-9A-Za-z]{64}$ ]] || [ -z "$(my -e "SELECT id FROM api_keys
	WHERE key_hash = SHA2('$BENCH_TOKEN', 256) AND revoked_at IS NULL
	AND role IN ('business', 'admin')")" ]; then
	admin=$DEV_VAR/secrets/admin.json
	token=$(python3 -c 'import json, sys; a = json.load(open(sys.argv[1]));
print(json.dumps({"email": a["email"], "password": a["password"]}))' "$admin" |
		curl -s -X POST -H 'Content-Type: application/json' --data-binary @- \
			"$URL/api/v1/auth/login" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["access_token"])') ||
		die "admin login failed"
	BENCH_TOKEN=$(curl -s -X POST -H 'Content-Type: application/json' \
		-H "Authorization: Bearer $token" \
		--data '{"name":"bench-inventory (tests/load)","role":"business"}' \
		"$URL/api/v1/api-keys" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["key"])') ||
		die "POST /api/v1/api-keys failed"
	mkdir -p "$STATE"
	(umask 077 && echo "$BENCH_TOKEN" >"$STATE/api-key")
	log "made a business API key, kept in $STATE/api-key"
fi
export BENCH_TOKEN

# ---------------------------------------------------------------- measuring

# run_wrk NAME: the uniform reserve for WINDOW s; "req/s p50_ms p99_ms
# non2xx sockerr requests"
run_wrk() {
	local out
	out=$(BENCH_MODE=uniform BENCH_SKUS=$NSKUS BENCH_PREFIX=$PREFIX \
		BENCH_HOT=$HOT BENCH_LINES=1 BENCH_TTL=$TTL BENCH_PATH=$RES_PATH \
		wrk -t"$THREADS" -c"$CONNS" -d"${WINDOW}s" --timeout 10s \
		-s "$HERE/bench.lua" "$URL$RES_PATH" 2>&1) ||
		{ echo "$out" >&2; return 1; }
	echo "$out" >"$T/wrk-$1.out"
	grep '^WRKRESULT ' <<<"$out" | awk '{
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "%.0f %.2f %.2f %d %d %d\n", v["requests"] / (v["duration_us"] / 1e6),
		    v["p50_us"] / 1000, v["p99_us"] / 1000, v["non2xx"],
		    v["connect"] + v["read"] + v["write"] + v["timeout"], v["requests"] }'
}

# worker_p99 OFFSET FROM TO: "count p99_ms" of this run's reservation
# access lines logged since OFFSET with a time stamp in [FROM, TO] (epoch
# seconds)
worker_p99() {
	tail -c +"$(($1 + 1))" "$LOG" | python3 -c '
import sys, calendar, time
path, a, b = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
v = []
for line in sys.stdin:
    f = line.split()
    if len(f) < 8 or f[1] != "access" or f[4] != "POST" or f[5] != path:
        continue
    t = calendar.timegm(time.strptime(f[0][:19], "%Y-%m-%dT%H:%M:%S")) + \
        float(f[0][19:-1] or 0)
    if a <= t <= b:
        v.append(int(f[7].rstrip("us")))
v.sort()
print(len(v), "%.2f" % (v[int(len(v) * 0.99)] / 1000.0 if v else 0))
' "$RES_PATH" "$2" "$3"
}

log "baseline: uniform reserve, wrk -t$THREADS -c$CONNS -d${WINDOW}s, no sweep"
off0=$(stat -c %s "$LOG")
b0=$(now)
read -r base_rps base_p50 base_p99 base_non2xx base_err _ <<<"$(run_wrk base)" ||
	die "wrk failed (baseline)"

log "sweep: the same load; holdfast-expire --batch $BATCH after ${LEAD}s"
off1=$(stat -c %s "$LOG")
run_wrk sweep >"$T/sweep.res" &
WRK=$!
sleep "$LEAD"
s0=$(now)
"$EXPIRE_BIN" --batch "$BATCH" >"$T/expire.out" 2>"$T/expire.err" || {
	cat "$T/expire.err" >&2
	die "holdfast-expire failed"
}
s1=$(now)
wait "$WRK" || die "wrk failed (sweep)"
w1=$(now)
OUTLASTED=$(awk -v a="$s1" -v b="$w1" 'BEGIN { print (a > b - 0.2 ? 1 : 0) }')
read -r sw_rps sw_p50 sw_p99 sw_non2xx sw_err _ <"$T/sweep.res"
sweep_s=$(secs "$s0" "$s1")
released=$(awk '/^expire:/ { print $3 }' "$T/expire.out" | tr -d ,)
# the workers' p99 in the sweep's interval, and in the same span of the
# baseline window (same offset from its start)
read -r w_sw_n w_sw_p99 <<<"$(worker_p99 "$off1" "$s0" "$s1")"
bs=$(awk -v b="$b0" -v l="$LEAD" 'BEGIN { printf "%.3f", b + l }')
be=$(awk -v b="$bs" -v d="$sweep_s" 'BEGIN { printf "%.3f", b + d }')
read -r w_b_n w_b_p99 <<<"$(worker_p99 "$off0" "$bs" "$be")"

left=$(my -e "SELECT COUNT(*) FROM reservations WHERE reference_id LIKE 'sweep-$TAG-%' AND status = 'active'")
bad=$(my -e "SELECT COUNT(*) FROM reservations r WHERE r.reference_id LIKE 'sweep-$TAG-%'
	AND (r.status <> 'expired' OR (SELECT COUNT(*) FROM ledger l
	WHERE l.reservation_id = r.id AND l.type IN ('deduct', 'release')) <> 1
	OR NOT EXISTS (SELECT 1 FROM ledger l WHERE l.reservation_id = r.id
	AND l.type = 'release' AND l.reason = 'expired' AND l.reserved_delta = -r.quantity))")
t0=$(now)
FAIL=0
bad1=$(bench_reconcile)
if [ "$bad1" = 0 ]; then
	rec="clean ($(secs "$t0" "$(now)")s: bench SKUs by SQL, ${BENCH_RECONCILE_SAMPLE:-3} by holdfast-admin)"
else
	rec="$bad1 MISMATCH(ES): $(tail -3 "$T/reconcile" | tr '\n' ' ')"
	FAIL=1
fi
if [ "${BENCH_RECONCILE_ALL:-0}" = 1 ]; then
	t0=$(now)
	if "$ADMIN_BIN" reconcile >"$T/reconcile-all" 2>&1; then
		rec="$rec; holdfast-admin reconcile (all SKUs): clean ($(secs "$t0" "$(now)")s)"
	else
		rec="$rec; holdfast-admin reconcile (all SKUs): MISMATCH $(head -3 "$T/reconcile-all" | tr '\n' ' ')"
		FAIL=1
	fi
fi
[ "$base_non2xx$base_err$sw_non2xx$sw_err" = 0000 ] || FAIL=1
[ "$left" = 0 ] && [ "$bad" = 0 ] || FAIL=1

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
r_wrk=$(ratio "$sw_p99" "$base_p99")
r_wk=$(ratio "$w_sw_p99" "$w_b_p99")
rate=$(awk -v n="${released:-0}" -v s="$sweep_s" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
cat <<EOF

bench-sweep: $NEXP expired reservations over $NSKUS SKUs; uniform reserve
load wrk -t$THREADS -c$CONNS, ${WINDOW}s windows; holdfast-expire --batch $BATCH
$(sed 's/^/  holdfast-expire: /' "$T/expire.out")

| figure | without sweep | with sweep | ratio | goal |
|---|---|---|---|---|
| sweep time (s) | - | $sweep_s | $rate reservations/s | <= $GOAL_S |
| load req/s (wrk) | $base_rps | $sw_rps | $(ratio "$sw_rps" "$base_rps") | |
| load p50 ms (wrk) | $base_p50 | $sw_p50 | $(ratio "$sw_p50" "$base_p50") | |
| load p99 ms (wrk, window) | $base_p99 | $sw_p99 | $r_wrk | <= $GOAL_RATIO |
| worker p99 ms (sweep's interval) | $w_b_p99 ($w_b_n req) | $w_sw_p99 ($w_sw_n req) | $r_wk | <= $GOAL_RATIO |

errors: non-2xx $base_non2xx/$sw_non2xx, socket $base_err/$sw_err; set-up
reservations left active $left, wrongly ended $bad; reconcile: $rec
EOF
[ "$OUTLASTED" = 0 ] || echo "warning: the sweep outlasted the load's window" \
	"(its end ran without load): raise BENCH_WINDOW above ${sweep_s}s + $LEAD"
echo "machine: load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
if [ "$FAIL" != 0 ]; then
	echo "verdict: FAILED (errors above)"
	exit 1
fi
if awk -v s="$sweep_s" -v a="$r_wrk" -v b="$r_wk" -v g="$GOAL_S" -v r="$GOAL_RATIO" \
	'BEGIN { exit !(s <= g && a <= r && b <= r) }'; then
	echo "verdict: goal met (sweep <= ${GOAL_S}s, p99 ratios <= $GOAL_RATIO)"
else
	echo "verdict: goal MISSED"
	exit 3
fi
