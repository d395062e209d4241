#!/usr/bin/env bash
# memcheck.sh: one holdfast-fcgi worker behind a private nginx, a mixed
# request load (health, root, 404, 405, bad JSON, failed login, stock
# reads; then the flows of issue 10: a batch that spells one SKU two ways,
# another key's read, commit and release of a reservation (404), the
# owner's commit and release, a commit of an order's reservation (409
# INV_010), an order cancelled, a loan and its return, a hold and its
# cancel, a reconcile). Needs the ./dev stack up (its MariaDB, Redis,
# config); the fixtures of the flows (keys, a reader, two products) are
# made through the stack's own nginx ($HOLDFAST_URL, else the listen
# address of $DEV_VAR/nginx/site.conf), not counted in REQUESTS.
#
#   tests/load/memcheck.sh [REQUESTS]        valgrind: leak summary at exit
#   tests/load/memcheck.sh --rss [REQUESTS]  no valgrind: the worker's RSS
#                                            after every tenth of the load
#   DEV_VAR=... to use another stack
#   MEMCHECK_MIX=basic for the first mix only (no fixtures, no flows)
#
# Every request of a flow has an expected status; any other answer (or a
# 5xx) fails the run, as a definite leak does.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
DEV_VAR=${DEV_VAR:-$REPO/var}
RSS=0
if [ "${1:-}" = --rss ]; then
	RSS=1
	shift
fi
N=${1:-10000}
PORT=${MEMCHECK_PORT:-18099}
W=$(mktemp -d /tmp/hf-memcheck.XXXXXX)
chmod 777 "$W"	# the worker (www-data) writes valgrind.log here
trap 'cleanup' EXIT

cleanup() {
	[ -s "$W/nginx.pid" ] && kill "$(cat "$W/nginx.pid")" 2>/dev/null || true
	[ -s "$W/fcgi.pid" ] && kill "$(cat "$W/fcgi.pid")" 2>/dev/null || true
	sleep 1
	rm -rf "$W"
}

command -v valgrind >/dev/null || { echo "valgrind missing" >&2; exit 1; }
VG=(valgrind --leak-check=full --show-leak-kinds=definite,indirect
	--errors-for-leak-kinds=definite --log-file="$W/valgrind.log")
[ $RSS = 1 ] && VG=()
[ -f "$DEV_VAR/holdfast.conf" ] || { echo "no stack in $DEV_VAR: ./dev up" >&2; exit 1; }

# the worker: valgrind around one holdfast-fcgi, as www-data like the pool
spawn-fcgi -s "$W/fcgi.sock" -M 0660 -u www-data -g www-data -U www-data \
	-G www-data -P "$W/fcgi.pid" -- /usr/bin/env HOLDFAST_CONF="$DEV_VAR/holdfast.conf" \
	HOLDFAST_RATE_GENERAL_MAX=10000000 "${VG[@]}" \
	"$REPO/build/holdfast-fcgi" >/dev/null

mkdir -p "$W/tmp"
cat >"$W/nginx.conf" <<NGX
worker_processes 1;
user www-data www-data;
pid $W/nginx.pid;
error_log $W/error.log warn;
events { worker_connections 256; }
http {
	access_log off;
	client_body_temp_path $W/tmp/body;
	fastcgi_temp_path $W/tmp/fcgi;
	proxy_temp_path $W/tmp/proxy;
	uwsgi_temp_path $W/tmp/uwsgi;
	scgi_temp_path $W/tmp/scgi;
	server {
		listen 127.0.0.1:$PORT;
		location / {
			include /etc/nginx/fastcgi_params;
			fastcgi_pass unix:$W/fcgi.sock;
		}
	}
}
NGX
nginx -p "$W" -c "$W/nginx.conf" -e "$W/error.log"
sleep 3	# valgrind start-up

# exactly N requests of a mix, four keep-alive clients
SETUP_URL=${HOLDFAST_URL:-}
if [ -z "$SETUP_URL" ] && [ -f "$DEV_VAR/nginx/site.conf" ]; then
	SETUP_URL=$(sed -n 's/^[[:space:]]*listen \(127\.0\.0\.1:[0-9]*\);.*/http:\/\/\1/p' \
		"$DEV_VAR/nginx/site.conf" | head -n 1)
fi
DEV_VAR=$DEV_VAR MEMCHECK_MIX=${MEMCHECK_MIX:-full} SETUP_URL=$SETUP_URL \
python3 - "$PORT" "$N" "$RSS" "$(cat "$W/fcgi.pid")" "$REPO/tests/api" <<'PY'
import http.client, json, os, sys, threading, uuid
port, n, rss, pid = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4]
basic = [("GET", "/api/v1/health", None, {}),
         ("GET", "/api/v1", None, {}),
         ("GET", "/api/v1/nope", None, {}),
         ("POST", "/api/v1/health", "{}", {"Content-Type": "application/json"}),
         ("POST", "/api/v1/auth/login", "{bad json", {"Content-Type": "application/json"}),
         ("POST", "/api/v1/auth/login", '{"email":"nobody@example.test","password":"wrong password"}',
          {"Content-Type": "application/json"}),
         ("GET", "/api/v1/stock?per_page=5", None, {}),
         ("GET", "/api/v1/stock/NO-SUCH-SKU", None, {}),
         ("GET", "/api/v1/me", None, {"Authorization": "Bearer x.y.z"})]

def one(req):
    """A flow of one request of the first mix (any status but a 5xx)."""
    yield req + (None,)

flows = [lambda k, req=req: one(req) for req in basic]
if os.environ.get("MEMCHECK_MIX") != "basic":
    # fixtures through the stack's own nginx (not the worker under test)
    sys.path.insert(0, sys.argv[5])
    import hf
    setup = os.environ.get("SETUP_URL") or sys.exit("memcheck: no stack URL "
        "for the fixtures ($HOLDFAST_URL or $DEV_VAR/nginx/site.conf); "
        "MEMCHECK_MIX=basic runs without them")
    hf.configure(setup, "", "")
    admin, biz, biz2 = hf.inv_admin(), hf.new_api_key(), hf.new_api_key()
    tag = uuid.uuid4().hex[:8]
    sku = "Mc-Ab-" + tag                   # letters in both cases
    hf.new_product(1000, sku=sku, price="2.50")
    gone = "Mc-Zero-" + tag                # no unit: a hold waits
    hf.new_product(0, sku=gone, price="1.00")
    readers = []
    for _ in range(4):
        email, pw = hf.unique_email("mc"), hf.new_password()
        hf.expect_success(hf.call("POST", "/api/v1/users", {"email": email,
            "password": pw, "role": "user", "display_name": "Reader"},
            token=admin), 201)
        readers.append(hf.login_ok(email, pw)["access"])

    def rq(method, path, body, token, want):
        hdr = {"Authorization": "Bearer " + token}
        if body is not None:
            hdr["Content-Type"] = "application/json"
            body = json.dumps(body)
        return (method, path, body, hdr, want)

    def spellings(k):
        """one SKU spelled two ways in one batch, then another key's
        read, commit and release (404), then the owner's release"""
        ref = "mc-%s-%d" % (uuid.uuid4().hex[:10], k)
        r = yield rq("POST", "/api/v1/reservations", {"type": "cart",
            "ttl_seconds": 60, "reference_id": ref, "items": [
            {"sku": sku, "quantity": 1}, {"sku": sku.lower(), "quantity": 1}]},
            biz, 201)
        lines = r["data"]["reservations"]
        if len(lines) != 1 or lines[0]["quantity"] != 2:
            raise AssertionError("two spellings made %r" % lines)
        rid = lines[0]["id"]
        yield rq("GET", "/api/v1/reservations/%d" % rid, None, biz2, 404)
        yield rq("POST", "/api/v1/reservations/%d/commit" % rid, None, biz2, 404)
        yield rq("POST", "/api/v1/reservations/%d/release" % rid, None, biz2, 404)
        yield rq("POST", "/api/v1/reservations/commit", {"reference_id": ref},
            biz2, 404)
        yield rq("POST", "/api/v1/reservations/%d/release" % rid, None, biz, 200)

    def commit(k):
        """the owner commits by reference; a restock puts the unit back"""
        ref = "mc-%s-%d" % (uuid.uuid4().hex[:10], k)
        yield rq("POST", "/api/v1/reservations", {"type": "cart",
            "reference_id": ref, "items": [{"sku": sku.upper(),
            "quantity": 1}]}, biz, 201)
        yield rq("POST", "/api/v1/reservations/commit", {"reference_id": ref},
            biz, 200)
        yield rq("POST", "/api/v1/stock/%s/restock" % sku, {"quantity": 1,
            "reason": "memcheck"}, biz, 200)

    def order(k):
        """an order's reservation: the generic routes refuse it (409
        INV_010), the order's cancel ends it"""
        r = yield rq("POST", "/api/v1/orders", {"items": [{"sku": sku,
            "quantity": 1}]}, biz, 201)
        o = r["data"]
        r = yield rq("GET", "/api/v1/reservations?reference_id=%s"
            % o["reference_id"], None, admin, 200)
        rid = r["data"]["items"][0]["id"]
        yield rq("POST", "/api/v1/reservations/%d/commit" % rid, None, admin,
            (409, "INV_010"))
        yield rq("POST", "/api/v1/reservations/release", {"reference_id":
            o["reference_id"]}, admin, (409, "INV_010"))
        yield rq("POST", "/api/v1/orders/%d/cancel" % o["id"], None, admin, 200)

    def loan(k):
        r = yield rq("POST", "/api/v1/loans", {"items": [{"sku": sku}]},
            readers[k], 201)
        yield rq("POST", "/api/v1/loans/%s/return" % r["data"]["loans"][0]["id"],
            None, readers[k], 200)

    def hold(k):
        r = yield rq("POST", "/api/v1/holds", {"sku": gone}, readers[k], 201)
        yield rq("DELETE", "/api/v1/holds/%s" % r["data"]["id"], None,
            readers[k], 200)

    def reconcile(k):
        yield rq("GET", "/api/v1/stock/%s/reconcile" % sku.lower(), None, biz,
            200)

    flows += [spellings, commit, order, loan, hold, reconcile]

counts, bad = {}, []
lock = threading.Lock()
def vmrss():
    for line in open("/proc/%s/status" % pid):
        if line.startswith("VmRSS:"):
            return line.split()[1] + " kB"
def client(k, todo, state):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    while todo > 0:
        if state.get("gen") is None:
            state["gen"] = flows[state["next"] % len(flows)](k)
            state["next"] += 1
            state["reply"] = None
        try:
            m, path, body, hdr, want = state["gen"].send(state["reply"])
        except StopIteration:
            state["gen"] = None
            continue
        except (AssertionError, KeyError, IndexError, TypeError) as e:
            with lock:
                bad.append("flow %s: %r" % (flows[(state["next"] - 1) %
                    len(flows)].__name__, e))
            state["gen"] = None
            continue
        c.request(m, path, body=body, headers=hdr)
        r = c.getresponse(); raw = r.read(); todo -= 1
        try:
            state["reply"] = json.loads(raw)
        except ValueError:
            state["reply"] = None
        with lock:
            counts[r.status] = counts.get(r.status, 0) + 1
        if want is None:
            continue
        code = (state["reply"] or {}).get("error") if isinstance(state["reply"], dict) else None
        ok = r.status == want if isinstance(want, int) else \
            (r.status, code) == want
        if not ok:
            with lock:
                bad.append("%s %s: want %s, got %d %s" % (m, path, want,
                    r.status, raw[:160]))
            state["gen"] = None    # the rest of the flow needs this answer
states = [{"gen": None, "next": k} for k in range(4)]
step = n // 10 if rss else n
for lo in range(0, n, step):
    hi = min(n, lo + step)
    ts = [threading.Thread(target=client, args=(k, len(range(lo + k, hi, 4)),
        states[k])) for k in range(4)]
    [t.start() for t in ts]; [t.join() for t in ts]
    if rss:
        print("memcheck: after %7d requests worker RSS %s" % (hi, vmrss()), flush=True)
print("memcheck: %d requests, by status: %s" % (sum(counts.values()), dict(sorted(counts.items()))))
if bad:
    print("memcheck: %d unexpected answers, e.g.:\n  %s" % (len(bad),
        "\n  ".join(bad[:5])))
if any(s >= 500 and s != 503 for s in counts) or 502 in counts:
    sys.exit("memcheck: server errors")
if bad:
    sys.exit("memcheck: unexpected answers")
PY
kill "$(cat "$W/nginx.pid")"
kill -TERM "$(cat "$W/fcgi.pid")"
[ $RSS = 1 ] && exit 0
for _ in $(seq 1 100); do
	grep -q "ERROR SUMMARY" "$W/valgrind.log" 2>/dev/null && break
	sleep 0.2
done
sed -n '/HEAP SUMMARY/,$p' "$W/valgrind.log" | sed 's/^==[0-9]*== //'
grep -q "definitely lost: 0 bytes" "$W/valgrind.log" ||
	! grep -q "definitely lost" "$W/valgrind.log"
