"""GET /metrics (issue 5): the Prometheus text format, counters summed
over every worker of the pool, refused to a client that is neither on
this host nor an admin, and gauges read from the database.

The counter tests compare a scrape before and after requests of their
own, on a route and status (a GET of an SKU that does not exist: 404)
that another client could hit too: on a stack that others use, a round
that saw more than its own requests is run again (at most 3 times); it
must match exactly once. Tests that stop a server or kill a worker need
$HOLDFAST_DEV and skip without it."""

import concurrent.futures
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid

import hf

STOCK_ROUTE = "/api/v1/stock/{sku}"
ROUNDS = 3

NAME_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


# ---------------------------------------------------------------- parsing

def _parse_value(text, line):
    if text in ("+Inf", "Inf"):
        return math.inf
    if text == "-Inf":
        return -math.inf
    if text == "NaN":
        return math.nan
    try:
        return float(text)
    except ValueError:
        hf.fail("metrics line %r: value %r is not a number" % (line, text))


def _parse_labels(s, i, line):
    """Labels after '{' at s[i:]: ({name: value}, index after '}')."""
    labels = {}
    while True:
        if s[i:i + 1] == "}":
            return labels, i + 1
        m = LABEL_RE.match(s, i)
        hf.check(m is not None, "metrics line %r: bad label name at %d"
            % (line, i))
        name = m.group(0)
        i = m.end()
        hf.check(s[i:i + 2] == '="', "metrics line %r: expected =\" after "
            "label %s" % (line, name))
        i += 2
        value = []
        while True:
            hf.check(i < len(s), "metrics line %r: unterminated label value"
                % line)
            c = s[i]
            if c == "\\":
                nxt = s[i + 1:i + 2]
                hf.check(nxt in ("\\", '"', "n"), "metrics line %r: bad "
                    "escape \\%s" % (line, nxt))
                value.append("\n" if nxt == "n" else nxt)
                i += 2
                continue
            if c == '"':
                i += 1
                break
            value.append(c)
            i += 1
        hf.check(name not in labels, "metrics line %r: label %s twice"
            % (line, name))
        labels[name] = "".join(value)
        if s[i:i + 1] == ",":
            i += 1


def _family_of(name, types):
    if name in types:
        return name
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[:-len(suffix)]
        if name.endswith(suffix) and types.get(base) in ("histogram",
                "summary"):
            return base
    return None


def parse_metrics(text):
    """The text format 0.0.4: {(name, ((label, value), ...)): value} and
    {family: type}. Fails on any line that is not a comment, HELP, TYPE or
    `name{labels} value`, on a sample whose family has no TYPE before it,
    on a TYPE after its samples, and on a series given twice."""
    hf.check(text.endswith("\n"), "metrics text does not end with a newline")
    samples, types, seen_family = {}, {}, set()
    for line in text.split("\n")[:-1]:
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 2 and parts[1] == "TYPE":
                hf.check(len(parts) == 4 and NAME_RE.fullmatch(parts[2]) and
                    parts[3] in TYPES, "bad TYPE line %r" % line)
                hf.check(parts[2] not in types, "TYPE %s given twice"
                    % parts[2])
                hf.check(parts[2] not in seen_family, "TYPE %s after its "
                    "samples" % parts[2])
                types[parts[2]] = parts[3]
            elif len(parts) >= 2 and parts[1] == "HELP":
                hf.check(len(parts) >= 3 and NAME_RE.fullmatch(parts[2]),
                    "bad HELP line %r" % line)
            continue
        hf.check(line.strip() != "", "empty line in the metrics text")
        m = NAME_RE.match(line)
        hf.check(m is not None, "metrics line %r does not start with a "
            "metric name" % line)
        name, i, labels = m.group(0), m.end(), {}
        if line[i:i + 1] == "{":
            labels, i = _parse_labels(line, i + 1, line)
        hf.check(line[i:i + 1] == " ", "metrics line %r: no space before "
            "the value" % line)
        rest = line[i + 1:].split()
        hf.check(len(rest) in (1, 2), "metrics line %r: expected a value "
            "and an optional timestamp" % line)
        value = _parse_value(rest[0], line)
        family = _family_of(name, types)
        hf.check(family is not None, "metric %s has no # TYPE line before "
            "it" % name)
        seen_family.add(family)
        key = (name, tuple(sorted(labels.items())))
        hf.check(key not in samples, "series %r given twice" % (key,))
        samples[key] = value
    return samples, types


def series(samples, name, **labels):
    """The value of one series, or None."""
    return samples.get((name, tuple(sorted(labels.items()))))


def scrape(base=None, token=None):
    r = hf.call("GET", "/metrics", token=token, base=base)
    hf.expect_status(r, 200)
    ct = r.headers.get("Content-Type") or ""
    hf.check(ct.split(";")[0].strip() == "text/plain" and
        "version=0.0.4" in ct.replace(" ", ""),
        "Content-Type %r is not text/plain; version=0.0.4" % ct, r)
    samples, types = parse_metrics(r.text)
    return samples, types


def stock_404s(samples):
    return series(samples, "holdfast_http_requests_total",
        route=STOCK_ROUTE, method="GET", status="404") or 0


# ---------------------------------------------------------------- helpers

def _log_pids(rids):
    """pid -> how many of these request ids its access lines name (empty
    when the worker log cannot be read)."""
    path = os.path.join(hf.dev_var(), "log", "holdfast.log")
    want, pids = set(rids), {}
    try:
        with open(path, errors="replace") as f:
            for line in f:
                if " access pid=" not in line:
                    continue
                m = re.search(r" access pid=(\d+) rid=(\S+) ", line)
                if m and m.group(2) in want:
                    pid = int(m.group(1))
                    pids[pid] = pids.get(pid, 0) + 1
    except OSError:
        return {}
    return pids


def _send_404s(k, sku, threads=8):
    """k guest GETs of an SKU that does not exist, from several threads so
    that several workers take them; returns their request ids."""
    rids = ["t80.%s.%d" % (uuid.uuid4().hex[:12], i) for i in range(k)]

    def one(rid):
        r = hf.get("/api/v1/stock/%s" % sku, headers={"X-Request-Id": rid})
        hf.expect_error(r, 404, "INV_001")
        return rid
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, rids))
    return rids


# ---------------------------------------------------------------- tests

def test_metrics_parse_as_prometheus_text_with_every_family():
    hf.get("/api/v1")
    samples, types = scrape()
    want = {
        "holdfast_http_requests_total": "counter",
        "holdfast_http_request_duration_seconds": "histogram",
        "holdfast_db_errors_total": "counter",
        "holdfast_db_deadlock_retries_total": "counter",
        "holdfast_cache_hits_total": "counter",
        "holdfast_cache_misses_total": "counter",
        "holdfast_cache_errors_total": "counter",
        "holdfast_db_statements_total": "counter",
        "holdfast_db_writes_total": "counter",
        "holdfast_reservations_active": "gauge",
        "holdfast_reservations_expired_unreleased": "gauge",
        "holdfast_stock_skus": "gauge",
        "holdfast_up": "gauge",
        "holdfast_workers": "gauge",
    }
    for name, kind in want.items():
        hf.expect_eq(types.get(name), kind, "# TYPE of %s" % name)
    hf.check((series(samples, "holdfast_http_requests_total",
        route="/api/v1", method="GET", status="200") or 0) >= 1,
        "GET /api/v1 answered 200 but is not counted")
    hf.expect_eq(series(samples, "holdfast_up", dependency="database"), 1,
        "holdfast_up{dependency=\"database\"}")
    for level in ("warning", "critical", "out"):
        v = series(samples, "holdfast_stock_skus", level=level)
        hf.check(v is not None and v >= 0 and v == int(v),
            "holdfast_stock_skus{level=%r} is %r" % (level, v))
    # the histogram: cumulative buckets ending in +Inf = _count
    buckets = sorted((float(dict(k[1])["le"]), v) for k, v in
        samples.items() if k[0] ==
        "holdfast_http_request_duration_seconds_bucket")
    hf.check(len(buckets) >= 2 and buckets[-1][0] == math.inf,
        "duration histogram has no +Inf bucket: %r" % buckets)
    counts = [v for _, v in buckets]
    hf.expect_eq(counts, sorted(counts), "duration buckets cumulative")
    hf.expect_eq(buckets[-1][1], series(samples,
        "holdfast_http_request_duration_seconds_count"),
        "+Inf bucket = _count")
    hf.check(series(samples, "holdfast_http_request_duration_seconds_sum")
        is not None, "no holdfast_http_request_duration_seconds_sum")


def test_request_counter_rises_by_exactly_the_requests_sent_across_workers():
    k = 40
    sku = "T80-NONE-%s" % uuid.uuid4().hex[:10]
    deltas = []
    for _ in range(ROUNDS):
        before = stock_404s(scrape()[0])
        rids = _send_404s(k, sku)
        after = stock_404s(scrape()[0])
        deltas.append(after - before)
        hf.check(after - before >= k, "the counter of GET %s 404 rose by "
            "%d after %d such requests: some were not counted"
            % (STOCK_ROUTE, after - before, k))
        if after - before == k:
            break
    else:
        hf.fail("the counter never rose by exactly %d in %d rounds: %r "
            "(other clients on this stack, or requests counted twice)"
            % (k, ROUNDS, deltas))
    pids = _log_pids(rids)
    if pids:
        hf.expect_eq(sum(pids.values()), k, "access lines of the requests")
        hf.check(len(pids) >= 2, "all %d requests were served by one "
            "worker (%r): the sum over workers is not shown" % (k, pids))
    if os.environ.get("HOLDFAST_DEV"):
        workers = hf.worker_pids()
        samples = scrape()[0]
        hf.expect_eq(series(samples, "holdfast_workers"), len(workers),
            "holdfast_workers (./dev pids workers: %r)" % workers)


def test_a_killed_workers_counts_stay_in_the_total():
    hf.dev_script()
    hf.wait_healthy(timeout=30)
    sku = "T80-KILL-%s" % uuid.uuid4().hex[:10]
    rids = _send_404s(24, sku)
    pids = _log_pids(rids)
    if not pids:
        hf.skip("cannot read the worker log to find who served what")
    workers = hf.worker_pids()
    victim = max((p for p in pids if p in workers), key=lambda p: pids[p],
        default=None)
    hf.check(victim is not None and hf.is_worker(victim),
        "no live worker among those that served the requests: %r" % pids)
    before = scrape()[0]
    os.kill(victim, signal.SIGKILL)

    def replaced():
        alive = [p for p in hf.worker_pids() if hf.is_worker(p)]
        return victim not in alive and len(alive) == len(workers)
    hf.wait_until(replaced, 10, interval=0.1,
        what="worker %d to be replaced" % victim)
    after = scrape()[0]
    hf.check(stock_404s(after) >= stock_404s(before),
        "the 404 counter went from %d to %d when worker %d (which served "
        "%d of those requests) was killed" % (stock_404s(before),
        stock_404s(after), victim, pids[victim]))
    hf.check(series(after, "holdfast_worker_starts_total") >=
        series(before, "holdfast_worker_starts_total") + 1,
        "holdfast_worker_starts_total did not count the new worker")
    hf.expect_eq(series(after, "holdfast_workers"), len(workers),
        "holdfast_workers after the replacement")
    # the new worker counts on from the dead one's numbers
    again = _send_404s(8, sku)
    hf.check(len(again) == 8, "sent 8")
    hf.check(stock_404s(scrape()[0]) >= stock_404s(after) + 8,
        "requests after the replacement are not all counted")


class PrivateNginx:
    """An nginx of this test's own, on a free 127.0.0.1 port, passing every
    request to the stack's FastCGI socket with REMOTE_ADDR set to
    192.0.2.1 (TEST-NET-1): what the workers see of a client on another
    host. Started and stopped by the test; its files live in a temporary
    directory."""

    def __init__(self):
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        sock = os.path.join(hf.dev_var(), "run", "holdfast.sock")
        if not os.access(nginx, os.X_OK):
            hf.skip("no nginx binary")
        if not os.path.exists(sock):
            hf.skip("no FastCGI socket at %s" % sock)
        if os.geteuid() != 0:
            hf.skip("not root: a private nginx could not reach %s" % sock)
        self.dir = tempfile.mkdtemp(prefix="hf-t80-nginx.")
        os.chmod(self.dir, 0o755)
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write("""daemon off;
master_process on;
worker_processes 1;
user www-data www-data;
pid %(d)s/nginx.pid;
error_log %(d)s/error.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path %(d)s/body;
	fastcgi_temp_path %(d)s/fastcgi;
	proxy_temp_path %(d)s/proxy;
	uwsgi_temp_path %(d)s/uwsgi;
	scgi_temp_path %(d)s/scgi;
	server {
		listen 127.0.0.1:%(port)d;
		location / {
			fastcgi_param REQUEST_METHOD $request_method;
			fastcgi_param REQUEST_URI $request_uri;
			fastcgi_param QUERY_STRING $query_string;
			fastcgi_param CONTENT_TYPE $content_type;
			fastcgi_param CONTENT_LENGTH $content_length;
			fastcgi_param SCRIPT_NAME $fastcgi_script_name;
			fastcgi_param DOCUMENT_URI $document_uri;
			fastcgi_param SERVER_PROTOCOL $server_protocol;
			fastcgi_param REMOTE_ADDR 192.0.2.1;
			fastcgi_param REMOTE_PORT 40000;
			fastcgi_pass unix:%(sock)s;
		}
	}
}
""" % {"d": self.dir, "port": self.port, "sock": sock})
        self.proc = subprocess.Popen([nginx, "-e", os.path.join(self.dir,
            "error.log"), "-p", self.dir, "-c", conf],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.url = "http://127.0.0.1:%d" % self.port

        def listening():
            if self.proc.poll() is not None:
                raise hf.TestFailure("private nginx exited %d: %s" % (
                    self.proc.returncode, self.proc.stderr.read()[-800:]))
            with socket.create_connection(("127.0.0.1", self.port), 1):
                return True
        try:
            hf.wait_until(listening, 10, interval=0.1,
                what="the private nginx on port %d" % self.port)
        except BaseException:
            self.stop()
            raise

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def test_refused_to_a_remote_client_without_an_admin_token():
    with PrivateNginx() as front:
        # the private front works: the same client reaches the API
        hf.expect_success(hf.get("/api/v1", base=front.url))
        r = hf.get("/metrics", base=front.url)
        hf.expect_error(r, 403, "AUTH_005")
        hf.check("holdfast_" not in r.text, "a refusal carries metrics", r)
        r = hf.call("GET", "/metrics", token=hf.inv_business("t80"),
            base=front.url)
        hf.expect_error(r, 403, "AUTH_005")
        r = hf.call("GET", "/metrics", token="not-a-token", base=front.url)
        hf.expect_error(r, 401, "AUTH_002")
        # an admin may scrape from anywhere the web server lets through
        samples, _ = scrape(base=front.url, token=hf.inv_admin())
        hf.check(series(samples, "holdfast_up", dependency="database") == 1,
            "an admin's scrape through the remote front has no "
            "holdfast_up{dependency=\"database\"} 1")


def test_apache_passes_it_from_this_host():
    samples, _ = scrape(base=hf.apache_url())
    hf.check(series(samples, "holdfast_up", dependency="database") == 1,
        "the scrape through Apache has no holdfast_up database 1")


def _gauges():
    s = scrape()[0]
    return (series(s, "holdfast_reservations_active"),
        series(s, "holdfast_reservations_expired_unreleased"),
        series(s, "holdfast_stock_skus", level="warning"),
        series(s, "holdfast_stock_skus", level="critical"),
        series(s, "holdfast_stock_skus", level="out"))


def _diff(a, b):
    return tuple(int(y - x) for x, y in zip(a, b))


def _release(rid, biz):
    r = hf.call("POST", "/api/v1/reservations/%d/release" % rid, token=biz)
    hf.expect_success(r)


def test_gauges_follow_stock_levels_and_reservations():
    """(active, expired unreleased, warning, critical, out) move by exactly
    what this test does: three new SKUs, one per low level; a reservation
    that takes the warning SKU to critical; one that expires; releasing
    both."""
    biz = hf.inv_business("t80")
    seen = []
    for _ in range(ROUNDS):
        g0 = _gauges()
        hf.check(None not in g0, "gauges missing from the scrape: %r"
            % (g0,))
        hf.new_product(0)                               # out
        warn = hf.new_product(5, warning_threshold=10,
            critical_threshold=2)["sku"]                 # warning
        crit = hf.new_product(2, warning_threshold=10,
            critical_threshold=2)["sku"]                 # critical
        g1 = _gauges()
        r = hf.reserve([(warn, 3)], token=biz)          # 5 -> 2: critical
        held = hf.expect_success(r, 201)["reservations"][0]["id"]
        r = hf.reserve([(crit, 1)], token=biz, ttl=1)   # expires in 1 s
        short = hf.expect_success(r, 201)["reservations"][0]["id"]
        time.sleep(1.5)
        g2 = _gauges()
        _release(held, biz)
        _release(short, biz)
        g3 = _gauges()
        steps = (_diff(g0, g1), _diff(g1, g2), _diff(g2, g3))
        want = ((0, 0, 1, 1, 1), (2, 1, -1, 1, 0), (-2, -1, 1, -1, 0))
        if steps == want:
            return
        seen.append(steps)
    hf.fail("gauges (active, expired, warning, critical, out) moved by "
        "%r, expected %r each round" % (seen, want))


def test_database_down_still_answers_with_counters_and_up_0():
    hf.dev_script()
    before = scrape()[0]
    with hf.service_stopped("mariadb"):
        r = hf.get("/metrics", timeout=15)
        hf.expect_status(r, 200)
        samples, _ = parse_metrics(r.text)
        hf.expect_eq(series(samples, "holdfast_up", dependency="database"),
            0, "holdfast_up{dependency=\"database\"} with MariaDB stopped")
        hf.check(stock_404s(samples) >= stock_404s(before),
            "the request counters are gone with the database")
        hf.check(series(samples, "holdfast_reservations_active") is None,
            "a gauge read from the database is shown while it is down", r)
        hf.check(series(samples, "holdfast_db_errors_total") >
            series(before, "holdfast_db_errors_total"),
            "holdfast_db_errors_total did not count the failed database")
    samples = scrape()[0]
    hf.expect_eq(series(samples, "holdfast_up", dependency="database"), 1,
        "holdfast_up database after MariaDB came back")
