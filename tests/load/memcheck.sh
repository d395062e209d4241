#!/usr/bin/env bash
# memcheck.sh: one holdfast-fcgi worker behind a private nginx, a mixed
# request load (health, root, 404, 405, bad JSON, failed login, stock
# reads). Needs the ./dev stack up (its MariaDB, Redis, config).
#
#   tests/load/memcheck.sh [REQUESTS]        valgrind: leak summary at exit
#   tests/load/memcheck.sh --rss [REQUESTS]  no valgrind: the worker's RSS
#                                            after every tenth of the load
#   DEV_VAR=... to use another stack
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
python3 - "$PORT" "$N" "$RSS" "$(cat "$W/fcgi.pid")" <<'PY'
import http.client, sys, threading
port, n, rss, pid = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4]
mix = [("GET", "/api/v1/health", None, {}),
       ("GET", "/api/v1", None, {}),
       ("GET", "/api/v1/nope", None, {}),
       ("POST", "/api/v1/health", "{}", {"Content-Type": "application/json"}),
       ("POST", "/api/v1/auth/login", "{bad json", {"Content-Type": "application/json"}),
       ("POST", "/api/v1/auth/login", '{"email":"nobody@example.test","password":"wrong password"}',
        {"Content-Type": "application/json"}),
       ("GET", "/api/v1/stock?per_page=5", None, {}),
       ("GET", "/api/v1/stock/NO-SUCH-SKU", None, {}),
       ("GET", "/api/v1/me", None, {"Authorization": "Bearer x.y.z"})]
counts = {}
lock = threading.Lock()
def vmrss():
    for line in open("/proc/%s/status" % pid):
        if line.startswith("VmRSS:"):
            return line.split()[1] + " kB"
def client(k, lo, hi):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for i in range(lo + k, hi, 4):
        m, path, body, hdr = mix[i % len(mix)]
        c.request(m, path, body=body, headers=hdr)
        r = c.getresponse(); r.read()
        with lock:
            counts[r.status] = counts.get(r.status, 0) + 1
step = n // 10 if rss else n
for lo in range(0, n, step):
    ts = [threading.Thread(target=client, args=(k, lo, min(n, lo + step))) for k in range(4)]
    [t.start() for t in ts]; [t.join() for t in ts]
    if rss:
        print("memcheck: after %7d requests worker RSS %s" % (min(n, lo + step), vmrss()), flush=True)
print("memcheck: %d requests, by status: %s" % (sum(counts.values()), dict(sorted(counts.items()))))
if any(s >= 500 and s != 503 for s in counts) or 502 in counts:
    sys.exit("memcheck: server errors")
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
