#!/usr/bin/env bash
# bench-lists.sh: the issue-13 (item 5) benchmark. Every history list and
# each of its filters, uncached (no list here is in Redis), at its first
# page and deep (?after= a few rows from the end of what matches), on a
# generated history of BENCH_LISTS_LEDGER (10,000,000) ledger rows and
# BENCH_LISTS_RES (2,000,000) reservations, through nginx and the FastCGI
# pool; each time against the goal of 50 ms. Also ?page= at the deepest
# it may go (page * per_page = 1,000 rows) and past it (400 REQ_013).
#
# The history is written straight into the database as MariaDB's root with
# INSERT ... SELECT from MariaDB's Sequence engine (seq_0_to_<chunk-1>),
# not through the API, in transactions of BENCH_LISTS_CHUNK rows, and is
# resumable (a second run adds only what is missing):
#   products  BL-00001..BL-<BENCH_LISTS_PRODUCTS> (10,000) with stock rows
#   ledger    row k: product (k div 4) mod P, the 4 steps restock +1,
#             reserve +1, release -1, deduct -1 (so every product's sums
#             stay 0), reference_id BLR-<k div 4> (manual), location main
#             or bench-lists-east (every third quad), created_at rising
#             with k over BENCH_LISTS_DAYS (30) days up to now
#   reservations  row k: product k mod P, reference_id BLV-<k div 2>,
#             committed / released / expired in turn (ended), owned by the
#             bench's business key every fourth row, else one of 50 other
#             owners
# The reservations do not carry the ledger rows that ended them, so
# reconcile of the BL- products reports them: run it on a stack of its
# own, which is what it does by default (DEV_VAR=<repo>/var-bench-lists,
# the dev ports + BENCH_LISTS_PORT_OFFSET, brought up to date with ./dev up
# first). The rows stay for later runs (a few GB).
#
# Each case: one cold request (its time printed as "cold"), then
# BENCH_LISTS_REPS (5) more, whose median is compared with the goal; a
# case whose median is 50 ms or more is marked SLOW. Every answer must be
# 200 (the deep ?page= one 400 REQ_013). Exit 1 when one is not; the times
# are reported, never asserted.
#
# Knobs: BENCH_LISTS_LEDGER=10000000 BENCH_LISTS_RES=2000000
#   BENCH_LISTS_PRODUCTS=10000 BENCH_LISTS_CHUNK=500000 BENCH_LISTS_DAYS=30
#   BENCH_LISTS_REPS=5 BENCH_LISTS_FILL_ONLY=1 (fill, then stop)
#   BENCH_LISTS_PORT_OFFSET=300 (the dev ports + 300: http 18380)
#   DEV_VAR=<repo>/var-bench-lists
set -euo pipefail
umask 022

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
NLEDGER=${BENCH_LISTS_LEDGER:-10000000}
NRES=${BENCH_LISTS_RES:-2000000}
NPROD=${BENCH_LISTS_PRODUCTS:-10000}
CHUNK=${BENCH_LISTS_CHUNK:-500000}
DAYS=${BENCH_LISTS_DAYS:-30}
REPS=${BENCH_LISTS_REPS:-5}
OFF=${BENCH_LISTS_PORT_OFFSET:-300}
export DEV_VAR=${DEV_VAR:-$REPO/var-bench-lists}
export DEV_HTTP_PORT=$((18080 + OFF)) DEV_APACHE_PORT=$((18081 + OFF)) \
	DEV_DB_PORT=$((13306 + OFF)) DEV_REDIS_PORT=$((16379 + OFF)) \
	DEV_SMTP_PORT=$((10025 + OFF))
URL=http://127.0.0.1:$DEV_HTTP_PORT
MY_CNF=$DEV_VAR/mariadb/my.cnf
GOAL_MS=50

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
my() { mariadb --defaults-file="$MY_CNF" -uroot -N -B holdfast "$@"; }

for n in NLEDGER NRES NPROD CHUNK DAYS REPS OFF; do
	case ${!n} in '' | *[!0-9]* | 0) die "$n must be a whole number >= 1" ;; esac
done
[ "$NPROD" -le 99999 ] || die "BENCH_LISTS_PRODUCTS must be at most 99999"
for tool in curl python3 mariadb; do
	command -v "$tool" >/dev/null || die "missing $tool"
done

# up, or brought up to date (a worker built since is restarted)
log "the bench stack: $DEV_VAR, $URL (./dev up)"
"$REPO/dev" up >/dev/null 2>&1 || "$REPO/dev" up >&2
"$REPO/dev" status >/dev/null 2>&1 || die "./dev status fails"

# ---------------------------------------------------------------- the fill

my <<SQL
INSERT IGNORE INTO locations (code, name, kind, priority)
VALUES ('bench-lists-east', 'Bench lists east', 'store', 910);
INSERT INTO products (sku, name, price)
SELECT CONCAT('BL-', LPAD(seq, 5, '0')), CONCAT('Bench list item ', seq), 1.00
  FROM seq_1_to_$NPROD
 WHERE NOT EXISTS (SELECT 1 FROM products p
                    WHERE p.sku = CONCAT('BL-', LPAD(seq, 5, '0')));
INSERT INTO stock (product_id, on_hand, reserved)
SELECT p.id, 0, 0 FROM products p
 WHERE p.sku LIKE 'BL-%'
   AND NOT EXISTS (SELECT 1 FROM stock s WHERE s.product_id = p.id);
INSERT IGNORE INTO location_stock (product_id, location_id, on_hand, reserved)
SELECT p.id, lo.id, 0, 0 FROM products p
  JOIN locations lo ON lo.code IN ('main', 'bench-lists-east')
 WHERE p.sku LIKE 'BL-%';
SQL
P0=$(my -e "SELECT MIN(id) FROM products WHERE sku LIKE 'BL-%'")
MAIN=$(my -e "SELECT id FROM locations WHERE code = 'main'")
EAST=$(my -e "SELECT id FROM locations WHERE code = 'bench-lists-east'")

# the business key the owner cases read as, and an admin key; kept with
# the stack
KEYS=$DEV_VAR/bench-lists-keys
key_ok() {
	[ -n "$1" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' \
		-H "Authorization: Bearer $1" "$URL/api/v1/me")" = 200 ]
}
new_key() {	# role
	curl -s -X POST -H 'Content-Type: application/json' \
		-H "Authorization: Bearer $ADMIN_TOKEN" \
		--data "{\"name\":\"bench-lists $1\",\"role\":\"$1\"}" \
		"$URL/api/v1/api-keys" | python3 -c \
		'import json, sys; print(json.load(sys.stdin)["data"]["key"])'
}
BIZ= ADMIN=
[ ! -r "$KEYS" ] || read -r BIZ ADMIN <"$KEYS"
if ! key_ok "$BIZ" || ! key_ok "$ADMIN"; then
	ADMIN_TOKEN=$(python3 -c 'import json, sys; a = json.load(open(sys.argv[1]));
print(json.dumps({"email": a["email"], "password": a["password"]}))' \
		"$DEV_VAR/secrets/admin.json" | curl -s -X POST \
		-H 'Content-Type: application/json' --data-binary @- \
		"$URL/api/v1/auth/login" | python3 -c \
		'import json, sys; print(json.load(sys.stdin)["data"]["access_token"])') ||
		die "admin login failed"
	BIZ=$(new_key business)
	ADMIN=$(new_key admin)
	(umask 077 && echo "$BIZ $ADMIN" >"$KEYS")
fi
BIZ_ACTOR=key:$(my -e "SELECT id FROM api_keys WHERE key_hash = SHA2('$BIZ', 256)")

fill_ledger() {
	local have k0 n t0 start span
	have=$(my -e "SELECT COUNT(*) FROM ledger WHERE sku LIKE 'BL-%'")
	[ "$have" -lt "$NLEDGER" ] || return 0
	t0=$(now)
	start=$(my -e "SELECT UNIX_TIMESTAMP(NOW(3) - INTERVAL $DAYS DAY)")
	span=$((DAYS * 86400))
	log "ledger: $have bench rows, filling to $NLEDGER"
	while [ "$have" -lt "$NLEDGER" ]; do
		k0=$have
		n=$((NLEDGER - have < CHUNK ? NLEDGER - have : CHUNK))
		n=$(((n + 3) / 4 * 4))
		my <<-SQL
		SET SESSION foreign_key_checks = 0, unique_checks = 0,
		    check_constraint_checks = 0;
		START TRANSACTION;
		INSERT INTO ledger (product_id, sku, location_id, type,
		    on_hand_delta, reserved_delta, on_hand_after, reserved_after,
		    reference_type, reference_id, reason, actor, created_at)
		SELECT $P0 + p, CONCAT('BL-', LPAD(p + 1, 5, '0')),
		       IF(q MOD 3 = 2, $EAST, $MAIN),
		       ELT(st + 1, 'restock', 'reserve', 'release', 'deduct'),
		       ELT(st + 1, 1, 0, 0, -1), ELT(st + 1, 0, 1, -1, 0),
		       ELT(st + 1, 1, 1, 1, 0), ELT(st + 1, 0, 1, 0, 0),
		       'manual', CONCAT('BLR-', q), 'bench-lists', 'bench',
		       FROM_UNIXTIME($start + k * $span / $NLEDGER)
		  FROM (SELECT $k0 + seq AS k, ($k0 + seq) DIV 4 AS q,
		               (($k0 + seq) DIV 4) MOD $NPROD AS p,
		               ($k0 + seq) MOD 4 AS st
		          FROM seq_0_to_$((n - 1))) s;
		COMMIT;
		SQL
		have=$((have + n))
		log "ledger: $have rows ($(since "$t0"))"
	done
}

fill_reservations() {
	local have k0 n t0 start span
	have=$(my -e "SELECT COUNT(*) FROM reservations
		WHERE reference_id LIKE 'BLV-%'")
	[ "$have" -lt "$NRES" ] || return 0
	t0=$(now)
	start=$(my -e "SELECT UNIX_TIMESTAMP(NOW(3) - INTERVAL $DAYS DAY)")
	span=$((DAYS * 86400))
	log "reservations: $have bench rows, filling to $NRES"
	while [ "$have" -lt "$NRES" ]; do
		k0=$have
		n=$((NRES - have < CHUNK ? NRES - have : CHUNK))
		my <<-SQL
		SET SESSION foreign_key_checks = 0, unique_checks = 0,
		    check_constraint_checks = 0;
		START TRANSACTION;
		INSERT INTO reservations (product_id, location_id, type,
		    reference_id, quantity, status, expires_at, created_by,
		    created_at, ended_at)
		SELECT $P0 + k MOD $NPROD, $MAIN, 'cart', CONCAT('BLV-', k DIV 2),
		       1, ELT(k MOD 3 + 1, 'committed', 'released', 'expired'),
		       t + INTERVAL 15 MINUTE,
		       IF(k MOD 4 = 0, '$BIZ_ACTOR', CONCAT('bench-owner-', k MOD 50)),
		       t, t + INTERVAL 1 MINUTE
		  FROM (SELECT $k0 + seq AS k,
		               FROM_UNIXTIME($start + ($k0 + seq) * $span / $NRES) AS t
		          FROM seq_0_to_$((n - 1))) s;
		COMMIT;
		SQL
		have=$((have + n))
		log "reservations: $have rows ($(since "$t0"))"
	done
}

fill_ledger
fill_reservations
my -e "ANALYZE TABLE ledger, reservations" >/dev/null
[ -z "${BENCH_LISTS_FILL_ONLY:-}" ] || exit 0

# ---------------------------------------------------------------- the runs

NL=$(my -e "SELECT COUNT(*) FROM ledger")
NR=$(my -e "SELECT COUNT(*) FROM reservations")
log "ledger $NL rows, reservations $NR rows"
CASES=$(mktemp /tmp/holdfast-bench-lists.XXXXXX)
SLOW_LOG=$DEV_VAR/mariadb/bench-lists-slow.log
cleanup() {
	local rc=$?
	set +e
	my -e "SET GLOBAL slow_query_log = 0, long_query_time = 10" 2>/dev/null
	rm -f "$CASES"
	exit "$rc"
}
trap cleanup EXIT

# label, token, path[, status]: one case for the runner below
one() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4:-200}" >>"$CASES"; }

# the after that leaves the last per_page (20) rows of what sql matches
deep() {
	my -e "SELECT id FROM ($1) m ORDER BY id LIMIT 1 OFFSET 20"
}

# label, token, list path (with its query), SQL of the ids it matches
both() {
	local label=$1 token=$2 path=$3 sql=$4 sep=? a
	case $path in *\?*) sep=\& ;; esac
	one "$label, first page" "$token" "$path"
	a=$(deep "$sql")
	[ -n "$a" ] || { log "$label: fewer than 21 matches"; return 0; }
	one "$label, deep (after=$a)" "$token" "$path${sep}after=$a"
}

MID=$(((NLEDGER / 4 / 2)))
SKU=BL-$(printf '%05d' $((NPROD / 2)))
PID=$((P0 + NPROD / 2 - 1))
FROM=$(my -e "SELECT DATE_FORMAT(MIN(created_at) + INTERVAL $((DAYS / 2)) DAY, '%Y-%m-%dT%H:%i:%sZ') FROM ledger WHERE sku LIKE 'BL-%'")
TO=$(my -e "SELECT DATE_FORMAT(MIN(created_at) + INTERVAL $((DAYS / 2 + 1)) DAY, '%Y-%m-%dT%H:%i:%sZ') FROM ledger WHERE sku LIKE 'BL-%'")
FROM_DB=${FROM%Z}; FROM_DB=${FROM_DB/T/ }
TO_DB=${TO%Z}; TO_DB=${TO_DB/T/ }

both "ledger" "$ADMIN" "/api/v1/ledger" "SELECT id FROM ledger"
both "ledger sku" "$ADMIN" "/api/v1/ledger?sku=$SKU" \
	"SELECT id FROM ledger WHERE sku = '$SKU'"
both "ledger type=restock" "$ADMIN" "/api/v1/ledger?type=restock" \
	"SELECT id FROM ledger WHERE type = 'restock'"
one "ledger reference_id" "$ADMIN" "/api/v1/ledger?reference_id=BLR-$MID"
both "ledger location=bench-lists-east" "$ADMIN" \
	"/api/v1/ledger?location=bench-lists-east" \
	"SELECT id FROM ledger WHERE location_id = $EAST"
both "ledger from..to (one day)" "$ADMIN" \
	"/api/v1/ledger?from=$FROM&to=$TO" \
	"SELECT id FROM ledger WHERE created_at >= '$FROM_DB' AND created_at < '$TO_DB'"
both "ledger sku + type=deduct" "$ADMIN" \
	"/api/v1/ledger?sku=$SKU&type=deduct" \
	"SELECT id FROM ledger WHERE sku = '$SKU' AND type = 'deduct'"
both "ledger type=reserve + location" "$ADMIN" \
	"/api/v1/ledger?type=reserve&location=bench-lists-east" \
	"SELECT id FROM ledger WHERE type = 'reserve' AND location_id = $EAST"
one "ledger ?page=50&per_page=20 (deepest page)" "$ADMIN" \
	"/api/v1/ledger?page=50&per_page=20"
one "ledger ?page=1000000 (400 REQ_013)" "$ADMIN" \
	"/api/v1/ledger?page=1000000" 400

both "reservations (admin)" "$ADMIN" "/api/v1/reservations" \
	"SELECT id FROM reservations"
both "reservations (owner: business key)" "$BIZ" "/api/v1/reservations" \
	"SELECT id FROM reservations WHERE created_by = '$BIZ_ACTOR'"
both "reservations sku" "$ADMIN" "/api/v1/reservations?sku=$SKU" \
	"SELECT id FROM reservations WHERE product_id = $PID"
both "reservations status=expired" "$ADMIN" \
	"/api/v1/reservations?status=expired" \
	"SELECT id FROM reservations WHERE status = 'expired'"
both "reservations owner + status=released" "$BIZ" \
	"/api/v1/reservations?status=released" \
	"SELECT id FROM reservations WHERE created_by = '$BIZ_ACTOR' AND status = 'released'"
one "reservations reference_id" "$ADMIN" \
	"/api/v1/reservations?reference_id=BLV-$((NRES / 4))"
one "reservations ?page=50&per_page=20 (deepest page)" "$ADMIN" \
	"/api/v1/reservations?page=50&per_page=20"
one "reservations ?page=1000000 (400 REQ_013)" "$ADMIN" \
	"/api/v1/reservations?page=1000000" 400

# the other lists are small here; their first pages, for the record
one "orders, first page" "$ADMIN" "/api/v1/orders"
one "loans, first page" "$ADMIN" "/api/v1/loans"
one "holds, first page" "$ADMIN" "/api/v1/holds"
one "audit, first page" "$ADMIN" "/api/v1/audit"

# Every statement the service runs goes to the slow log (long_query_time
# 0) while the cases run: per case, the database's own time for the
# statements of one request (db/req, the mean; the delivery worker's
# outbox polls left out) and the most rows one of them examined. The floor
# is GET /api/v1/ledger?page=1000000 (400 before any SQL of the list: the
# authentication and the answer) with the same key, measured just before
# each case, so the HTTP figure can be read against what the machine's
# load costs any request at that moment. Under each case: the plan
# (EXPLAIN: table:key(access)) of its slowest statement.
# long_query_time is a session's from its connect: the workers' connections
# are closed so that each opens a new one (between requests) with 0
my -e "SET GLOBAL log_output = 'FILE', slow_query_log_file = '$SLOW_LOG',
	long_query_time = 0, slow_query_log = 1"
for c in $(my -e "SELECT id FROM information_schema.processlist
	WHERE user = 'holdfast'"); do
	my -e "KILL CONNECTION $c" 2>/dev/null || true
done
for i in $(seq 1 24); do
	curl -s -o /dev/null -H "Authorization: Bearer $ADMIN" \
		"$URL/api/v1/ledger?per_page=1" || true
done
python3 - "$URL" "$REPS" "$GOAL_MS" "$SLOW_LOG" "$CASES" "$MY_CNF" <<'PY'
import os, re, statistics, subprocess, sys, time, urllib.error
import urllib.request

url, reps, goal, slow, cases, my_cnf = sys.argv[1], int(sys.argv[2]), \
    float(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
failed = 0


def get(path, token):
    req = urllib.request.Request(url + path, headers={
        "Authorization": "Bearer " + token})
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            r.read()
            code = r.status
    except urllib.error.HTTPError as e:
        e.read()
        code = e.code
    return code, (time.monotonic() - t0) * 1000


def log_entries(start):
    """(query time ms, rows examined, text) of the app's statements
    logged from byte start on."""
    with open(slow, "rb") as f:
        f.seek(start)
        text = f.read().decode("utf-8", "replace")
    out = []
    for e in text.split("# User@Host: ")[1:]:
        if not e.startswith("holdfast["):
            continue
        m = re.search(r"Query_time: ([0-9.]+).*?Rows_examined: (\d+)", e,
            re.S)
        body = [l for l in e.split("\n")[1:] if l and not l.startswith("#")
            and not l.startswith("SET timestamp")
            and not l.startswith("use ")]
        if m:
            out.append((float(m.group(1)) * 1000, int(m.group(2)),
                " ".join(body)))
    return out


def plan(text):
    """The tables and keys EXPLAIN gives for a logged statement."""
    q = text.strip().rstrip(";")
    if not q.upper().startswith("SELECT"):
        return "-"
    p = subprocess.run(["mariadb", "--defaults-file=" + my_cnf, "-uroot",
        "-B", "holdfast", "-e", "EXPLAIN " + q], capture_output=True)
    lines = p.stdout.decode("utf-8", "replace").split("\n")
    if p.returncode != 0 or not lines:
        return "?"
    head = lines[0].split("\t")
    got = []
    for l in lines[1:]:
        if not l:
            continue
        row = dict(zip(head, l.split("\t")))
        if row.get("table", "NULL").startswith("<"):
            continue
        got.append("%s:%s(%s)" % (row.get("table"), row.get("key"),
            row.get("type")))
    return " ".join(got)


print("%-52s %7s %7s %7s %7s %8s %9s  %s" % ("case (ms; rows)", "cold",
    "median", "max", "floor", "db/req", "rows-max", "verdict"))
for line in open(cases):
    label, token, path, want = line.rstrip("\n").split("\t")
    floor = [get("/api/v1/ledger?page=1000000", token)[1]
        for i in range(reps + 1)]
    time.sleep(0.2)
    start, t = os.path.getsize(slow), []
    for i in range(reps + 1):
        code, ms = get(path, token)
        t.append(ms)
        if code != int(want):
            print("  %s: %s answered %d, not %s" % (label, path, code, want))
            failed = 1
    time.sleep(0.2)
    ents = [e for e in log_entries(start) if "outbox" not in e[2]]
    db = sum(e[0] for e in ents) / (reps + 1)
    rows = max([e[1] for e in ents] or [0])
    med = statistics.median(t[1:])
    top = max(ents, key=lambda e: e[0]) if ents else (0, 0, "")
    print("%-52s %7.1f %7.1f %7.1f %7.1f %8.2f %9d  %s" % (label, t[0], med,
        max(t[1:]), statistics.median(floor[1:]), db, rows,
        "ok" if med < goal else "SLOW (HTTP)" if db < goal else "SLOW"))
    print("    slowest statement %.2f ms, %d rows: %s" % (top[0], top[1],
        plan(top[2])))
    sys.stdout.flush()
sys.exit(failed)
PY
