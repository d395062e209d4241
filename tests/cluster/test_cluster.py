"""The scale-out cluster (issue 16), black-box through the front nginx of
`./dev cluster up`, run by `./dev cluster test` inside the cluster's client
namespace (tests/api/run.py --dir tests/cluster): requests spread over
both app hosts (their own access logs say which served what), a cover
uploaded through one host served through the other, an app host killed
under a reserve load and a primary killed under a reserve load, then the
documented failover, each losing no acknowledged reservation, and
reconcile clean after each.

$HOLDFAST_CLUSTER_DEV is the ./dev that runs the cluster (kill, start,
failover); $DEV_VAR its view directory (holdfast.conf of app1, the
primary's my.cnf, the cluster's secrets), so hf's helpers work as on the
single-host stack."""

import concurrent.futures
import os
import subprocess
import threading
import time
import uuid

import hf

LB = "http://10.77.0.10"
HOST_URL = {"app1": "http://10.77.0.10:8001", "app2": "http://10.77.0.10:8002"}


def _cl():
    return os.path.join(os.environ["DEV_VAR"], "..")


def _dev(*args, timeout=300):
    dev = os.environ.get("HOLDFAST_CLUSTER_DEV")
    if not dev:
        hf.skip("HOLDFAST_CLUSTER_DEV is not set")
    env = dict(os.environ, DEV_VAR=os.environ["HOLDFAST_CLUSTER_VAR"])
    p = subprocess.run([dev, "cluster"] + list(args), capture_output=True,
        text=True, timeout=timeout, env=env)
    if p.returncode != 0:
        raise hf.TestFailure("./dev cluster %s: %s%s" % (" ".join(args),
            p.stdout[-800:], p.stderr[-800:]))
    return p.stdout + p.stderr


def _app_log(h):
    with open(os.path.join(_cl(), h, "log", "holdfast.log"), "rb") as f:
        return f.read().decode("utf-8", "replace")


def _primary_sql(sql):
    """Rows of sql as root on the cluster's current primary."""
    with open(os.path.join(_cl(), "primary")) as f:
        h = f.read().strip()
    p = subprocess.run(["mariadb", "--defaults-file=" + os.path.join(_cl(),
        h, "my.cnf"), "-uroot", "holdfast", "-N", "-B", "-e", sql],
        capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise hf.TestFailure("mariadb on %s: %s" % (h, p.stderr))
    return [l.split("\t") for l in p.stdout.split("\n") if l]


def _reconciled(skus):
    for sku in skus:
        r = hf.call("GET", "/api/v1/stock/%s/reconcile" % sku,
            token=hf.inv_admin())
        d = hf.expect_success(r)
        hf.check(d["ok"], "reconcile %s: %r" % (sku, d))


# ---------------------------------------------------------------- spread

def test_requests_spread_over_both_app_hosts():
    rids = ["cl%s" % uuid.uuid4().hex[:20] for _ in range(40)]
    for rid in rids:
        hf.expect_status(hf.call("GET", "/api/v1/products?per_page=1",
            headers={"X-Request-Id": rid}), 200)
    logs = {h: _app_log(h) for h in ("app1", "app2")}
    where = {h: [r for r in rids if ("rid=%s " % r) in logs[h]]
        for h in logs}
    both = set(where["app1"]) & set(where["app2"])
    hf.check(not both, "requests served twice: %r" % sorted(both)[:3])
    hf.expect_eq(len(where["app1"]) + len(where["app2"]), len(rids),
        "every request in one app host's access log")
    hf.check(len(where["app1"]) >= 10 and len(where["app2"]) >= 10,
        "spread: app1 %d, app2 %d of %d" % (len(where["app1"]),
        len(where["app2"]), len(rids)))


def test_each_host_port_reaches_its_host_only():
    for h, base in HOST_URL.items():
        rid = "cl%s" % uuid.uuid4().hex[:20]
        r = hf.request("GET", "/api/v1", base=base,
            headers={"X-Request-Id": rid})
        hf.expect_status(r, 200)
        other = "app2" if h == "app1" else "app1"
        hf.check(("rid=%s " % rid) in _app_log(h) and ("rid=%s " % rid)
            not in _app_log(other), "%s: request %s not served by %s"
            % (base, rid, h))


# ---------------------------------------------------------------- covers

def test_a_cover_uploaded_through_one_host_is_served_through_the_other():
    p = hf.new_product(1, token=hf.inv_admin())
    img = hf.jpeg_bytes(("holdfast cluster %s" % uuid.uuid4().hex).encode())
    r = hf.request("PUT", "/api/v1/products/%d/cover" % p["id"], img,
        base=HOST_URL["app1"], headers=dict(hf.auth_header(hf.inv_admin()),
        **{"Content-Type": "image/jpeg"}), timeout=30)
    url = hf.expect_success(r)["cover_url"]
    for base in (HOST_URL["app2"], LB):
        for _ in range(3):
            g = hf.request("GET", url, base=base)
            hf.expect_status(g, 200)
            hf.check(g.body == img, "%s%s: %d bytes, not the %d uploaded"
                % (base, url, len(g.body), len(img)))


# ---------------------------------------------------------------- replica

def _host_metric(h, name):
    """The value of metric line name on app host h's /metrics (through
    the front's port for that host; nginx lets the client namespace
    through, the worker wants loopback or an admin: the admin key)."""
    r = hf.request("GET", "/metrics", base=HOST_URL[h],
        headers=hf.auth_header(hf.inv_admin()))
    hf.expect_status(r, 200)
    for line in r.text.split("\n"):
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    raise hf.TestFailure("%s: no %s in /metrics" % (h, name))


def test_a_write_then_a_read_never_reads_older_with_replica_reads_on():
    """Replica reads on (cluster-holdfast.conf): a rename through one app
    host, then the product and the search through the other, 20 rounds:
    every read shows the write; the replica answered reads meanwhile and
    its lag is on /metrics."""
    admin = hf.inv_admin()
    p = hf.new_product(5, token=admin)
    before = sum(_host_metric(h, "holdfast_db_replica_reads_total")
        for h in HOST_URL)
    for i in range(20):
        w, rd = ("app1", "app2") if i % 2 == 0 else ("app2", "app1")
        name = "Cluster RYW %d %s" % (i, uuid.uuid4().hex[:8])
        r = hf.request("PATCH", "/api/v1/products/%d" % p["id"],
            {"name": name}, base=HOST_URL[w],
            headers=hf.auth_header(admin))
        hf.expect_success(r)
        g = hf.request("GET", "/api/v1/products/%d" % p["id"],
            base=HOST_URL[rd])
        hf.expect_eq(hf.expect_success(g)["name"], name, "round %d: "
            "written through %s, read through %s" % (i, w, rd), g)
        s = hf.request("GET", "/api/v1/stock/%s" % p["sku"],
            base=HOST_URL[rd], headers=hf.auth_header(admin))
        hf.expect_success(s)
    after = sum(_host_metric(h, "holdfast_db_replica_reads_total")
        for h in HOST_URL)
    hf.check(after > before, "no read was answered by the replica "
        "(holdfast_db_replica_reads_total %s -> %s)" % (before, after))
    lag = _host_metric("app1", "holdfast_db_replica_lag_seconds")
    hf.check(lag >= 0, "replica lag on /metrics: %s" % lag)


# ---------------------------------------------------------------- load

class ReserveLoad:
    """clients threads reserving one unit each of random SKUs, every
    request with an Idempotency-Key that a retry repeats until a 2xx (a
    client that was not answered, or answered 502/503, tries again, as a
    client is told to). acked: key -> reservation id of its 2xx."""

    def __init__(self, skus, clients=8):
        self.skus = skus
        self.clients = clients
        self.acked = {}
        self.errors = []
        self.retries = 0
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.token = hf.inv_admin()

    def one(self, n):
        key = "cl-%s" % uuid.uuid4().hex
        sku = self.skus[n % len(self.skus)]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                r = hf.call("POST", "/api/v1/reservations", {"type": "cart",
                    "ttl_seconds": 3600, "items": [{"sku": sku,
                    "quantity": 1}]}, token=self.token,
                    headers={"Idempotency-Key": key}, timeout=20)
            except Exception:
                r = None
            if r is not None and r.status in (200, 201):
                with self.lock:
                    self.acked[key] = (r.json["data"]["reservations"][0]
                        ["id"], sku)
                return
            if r is not None and r.status not in (502, 503, 504, 409):
                with self.lock:
                    self.errors.append((r.status, r.text[:200]))
                return
            with self.lock:
                self.retries += 1
            time.sleep(0.2)
        with self.lock:
            self.errors.append(("deadline", key))

    def worker(self, w):
        n = w
        while not self.stop.is_set():
            self.one(n)
            n += self.clients

    def __enter__(self):
        self.ex = concurrent.futures.ThreadPoolExecutor(self.clients)
        self.futs = [self.ex.submit(self.worker, w)
            for w in range(self.clients)]
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for f in self.futs:
            f.result(timeout=300)
        self.ex.shutdown()

    def check(self, what):
        print("# %s: %d reservations acknowledged, %d retries (503, 502, "
            "no answer)" % (what, len(self.acked), self.retries), flush=True)
        hf.check(not self.errors, "refused or lost requests: %r"
            % self.errors[:5])
        ids = sorted(v[0] for v in self.acked.values())
        hf.check(len(ids) == len(set(ids)), "two keys, one reservation")
        rows = _primary_sql("SELECT id FROM reservations WHERE id IN (%s) "
            "AND status = 'active'" % ",".join(str(i) for i in ids))
        hf.expect_eq(len(rows), len(ids), "every acknowledged reservation "
            "active on the primary")
        _reconciled(self.skus)


def _skus(n=20):
    return [hf.new_product(100000, token=hf.inv_admin())["sku"]
        for _ in range(n)]


def test_killing_an_app_host_under_load_loses_no_acknowledged_write():
    skus = _skus()
    with ReserveLoad(skus) as load:
        time.sleep(3)
        _dev("kill", "app1")
        time.sleep(5)
        _dev("start", "app1")
        time.sleep(3)
    hf.check(len(load.acked) >= 50, "only %d reservations acknowledged"
        % len(load.acked))
    load.check("app host killed")


def test_failover_under_load_loses_no_acknowledged_write():
    skus = _skus()
    with ReserveLoad(skus) as load:
        time.sleep(3)
        before = len(load.acked)
        out = _dev("failover")
        time.sleep(4)
    hf.check(before > 0 and len(load.acked) > before, "acknowledged "
        "before %d, in all %d" % (before, len(load.acked)))
    hf.check("is the primary" in out, out[-300:])
    load.check("primary killed, failover")

