"""Redis faults (issue 5): Redis is a cache only.  With it stopped the
catalogue and stock answer the same data from MariaDB with no 5xx; with
it paused (SIGSTOP) no request waits longer than redis_timeout_ms plus
100 ms; when it returns the workers use it again by themselves.

These drive the stack through $HOLDFAST_DEV and signals to the Redis pid
(skipped without a stack controller), always restore Redis, and wait until
the stack is healthy again.  Run them only against a stack that is yours
or that can take a few seconds without Redis."""

import importlib.util
import json
import os
import sys
import threading
import time

import hf

HERE = os.path.dirname(os.path.abspath(__file__))


def _admin():
    return hf.inv_admin()


def _bound_s():
    """The longest a request may take with Redis unreachable."""
    return (hf.conf_int("redis_timeout_ms", 200) + 100) / 1000.0


def _module(name):
    """A sibling test module (run.py has loaded it already when it ran
    the whole directory)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name,
        os.path.join(HERE, name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


class _Fixture:
    """A book with a category, and the reads whose answers must not
    depend on Redis."""

    def __init__(self):
        self.word = hf.unique_word("rf")
        self.cat = "Faults %s" % hf.unique_word("c").upper()
        self.p = hf.new_product(7, name="Fault %s" % self.word,
            category=self.cat, price="4.20", token=_admin(),
            attributes={"author": "Ann Author", "isbn": "978-0-00-000000-2"})
        self.pid, self.sku = self.p["id"], self.p["sku"]
        self.paths = ["/api/v1/products/%s" % self.pid,
            "/api/v1/stock/%s" % hf.sku_path(self.sku),
            "/api/v1/products?q=%s" % self.word,
            "/api/v1/products?category=%s&sort=price" % self.cat.replace(
                " ", "%20")]

    def read_all(self, what, bound=None, slow=None):
        """{path: data} of every read, each checked for no 5xx (and, with
        bound, for its latency: slow collects the ones over it)."""
        out = {}
        for path in self.paths + ["/api/v1/categories"]:
            r = hf.call("GET", path, token=_admin())
            hf.expect_not_5xx(r)
            data = hf.expect_success(r)
            if bound is not None and r.elapsed > bound:
                slow.append("%s %s: %.0f ms" % (what, path,
                    r.elapsed * 1000))
            if path.endswith("/categories"):
                data = [c for c in data["items"] if c["name"] == self.cat]
            out[path] = data
        return out

    def restock(self, qty=1, timeout=15):
        r = hf.call("POST", "/api/v1/stock/%s/restock" % hf.sku_path(
            self.sku), {"quantity": qty}, token=_admin(), timeout=timeout)
        hf.expect_not_5xx(r)
        return hf.expect_success(r)["stock"]["on_hand"], r


def _same(got, want, what):
    for path, data in want.items():
        if got.get(path) != data:
            hf.fail("%s: GET %s answered other data than with Redis up:\n"
                "  with Redis: %s\n  now:        %s" % (what, path,
                json.dumps(data, sort_keys=True)[:700],
                json.dumps(got.get(path), sort_keys=True)[:700]))


def _expect_on_hand(fx, want, what, reads=12):
    """Several reads (so several workers) of the stock and the product
    all answer on_hand want."""
    for n in range(reads):
        r = hf.call("GET", "/api/v1/stock/%s" % hf.sku_path(fx.sku),
            token=_admin())
        got = hf.expect_success(r).get("on_hand")
        if got != want:
            hf.fail("%s: read %d of GET /stock answered on_hand %r, not "
                "%r" % (what, n + 1, got, want), r)
        r = hf.call("GET", "/api/v1/products/%s" % fx.pid, token=_admin())
        got = (hf.expect_success(r).get("stock") or {}).get("on_hand")
        if got != want:
            hf.fail("%s: read %d of GET /products/%s answered "
                "stock.on_hand %r, not %r" % (what, n + 1, fx.pid, got,
                want), r)


def _cache_serves_again(fx, timeout=15, streak=12):
    """Waits until the workers answer GET /products/{id} from Redis again:
    an entry planted under the current key (the layout of
    docs/internals.md) is what `streak` reads in a row answer.  Then
    removes it.  Returns the seconds it took."""
    t0 = time.monotonic()
    marker = "cache-probe %s" % hf.unique_word("m")
    with hf.RedisClient() as rc:
        seen = [0]

        def served():
            key = hf.cache_entry_key("p", fx.pid, rc)
            if rc.cmd("GET", key) is None or \
                    json.loads(rc.cmd("GET", key)).get("name") != marker:
                r = hf.call("GET", "/api/v1/products/%s" % fx.pid,
                    token=_admin())
                real = hf.expect_success(r)
                rc.cmd("SET", key, json.dumps(dict(real, name=marker)),
                    "EX", 60)
            r = hf.call("GET", "/api/v1/products/%s" % fx.pid,
                token=_admin())
            hf.expect_not_5xx(r)
            if hf.expect_success(r).get("name") == marker:
                seen[0] += 1
            else:
                seen[0] = 0
            return seen[0] >= streak
        try:
            hf.wait_until(served, timeout, interval=0.02,
                what="%d reads in a row answered from Redis after it "
                "returned" % streak)
        finally:
            rc.cmd("DEL", hf.cache_entry_key("p", fx.pid, rc))
    return time.monotonic() - t0


def _hits_now():
    """(source, value): holdfast_cache_hits_total summed over workers from
    GET /metrics when the stack has it, else Redis' keyspace_hits."""
    v = hf.metric_sum("holdfast_cache_hits_total")
    if v is not None:
        return "holdfast_cache_hits_total", v
    return "redis keyspace_hits (no holdfast_cache_hits_total on /metrics)", \
        float(hf.redis_info("stats").get("keyspace_hits", 0))


def _expect_hits_rise(fx, what):
    hf.expect_success(hf.call("GET", "/api/v1/products/%s" % fx.pid,
        token=_admin()))             # cached again after the probe
    src, before = _hits_now()
    for _ in range(20):
        r = hf.call("GET", "/api/v1/products/%s" % fx.pid, token=_admin())
        hf.expect_success(r)
    src2, after = _hits_now()
    hf.expect_eq(src2, src, "hit counter source")
    hf.check(after >= before + 20, "%s: %s rose by %d over 20 reads of a "
        "cached product, not by at least 20 (the reads were answered from "
        "Redis: an entry planted under their key was served)"
        % (what, src, after - before))


# ---------------------------------------------------------------- stopped

def test_redis_stopped_reads_answer_the_same_data_from_mariadb_no_5xx():
    fx = _Fixture()
    hf.dev_script()
    hf.wait_healthy(timeout=30)
    want = fx.read_all("with Redis")
    want2 = fx.read_all("with Redis, again (cached)")
    _same(want2, want, "two reads with Redis up")
    bound = _bound_s()
    with hf.service_stopped("redis"):
        hf.wait_until(lambda: hf.get("/api/v1/health").json["data"].get(
            "redis") == "down", 5, interval=0.1, what="health to say redis "
            "down")
        slow = []
        for i in range(6):      # every worker, more than once
            _same(fx.read_all("Redis stopped", bound, slow), want,
                "Redis stopped, round %d" % (i + 1))
        hf.check(not slow, "with Redis stopped, requests took longer than "
            "redis_timeout_ms + 100 ms:\n  %s" % "\n  ".join(slow))

        # writes still answer, and their reads see them
        on_hand, r = fx.restock(3)
        hf.expect_eq(on_hand, 10, "on_hand answered by a restock with "
            "Redis stopped", r)
        _expect_on_hand(fx, 10, "Redis stopped, after a restock")
        r = hf.call("PATCH", "/api/v1/products/%s" % fx.pid,
            {"price": "5.00"}, token=_admin())
        hf.expect_eq(hf.expect_success(r).get("price"), "5.00", "price "
            "answered by a PATCH with Redis stopped", r)
        r = hf.call("GET", "/api/v1/products/%s" % fx.pid, token=_admin())
        hf.expect_eq(hf.expect_success(r).get("price"), "5.00", "price "
            "read back with Redis stopped", r)
    # Redis is back (with its entries from before: it keeps an AOF); what
    # was written meanwhile must win over them on every worker
    _expect_on_hand(fx, 10, "Redis back after a restock made while it was "
        "stopped")
    for _ in range(8):
        r = hf.call("GET", "/api/v1/products/%s" % fx.pid, token=_admin())
        hf.expect_eq(hf.expect_success(r).get("price"), "5.00", "price "
            "after Redis came back (PATCHed while it was stopped)", r)


def test_redis_stopped_the_catalog_and_consistency_suites_pass_no_5xx():
    """The same black-box suite with Redis stopped: every catalogue test
    of test_76, and 1,000 write-then-read rounds of test_77 from 16
    clients (their checks fail on any 5xx or stale read).  Other users
    of a shared stack go without Redis meanwhile (about 20 s)."""
    catalog = _module("test_76_catalog")
    cache = _module("test_77_cache")
    tests = [(n, f) for n, f in vars(catalog).items()
        if n.startswith("test_") and callable(f)]
    hf.check(tests, "no tests found in test_76_catalog")
    with hf.service_stopped("redis"):
        hf.wait_until(lambda: hf.get("/api/v1/health").json["data"].get(
            "redis") == "down", 5, interval=0.1, what="health to say redis "
            "down")
        for name, fn in tests:
            try:
                fn()
            except hf.TestFailure as e:
                hf.fail("with Redis stopped, %s failed: %s" % (name, e))
        saved = cache.ROUNDS
        cache.ROUNDS = 1000
        try:
            cache.test_10000_write_then_read_rounds_from_16_clients_never_read_older()
        except hf.TestFailure as e:
            hf.fail("with Redis stopped, the write-then-read rounds "
                "failed: %s" % e)
        finally:
            cache.ROUNDS = saved


# ---------------------------------------------------------------- paused

def _worker_times(rids):
    """rid -> the worker's own time in ms, from the access lines of
    $DEV_VAR/log/holdfast.log ('... access pid=N rid=R METHOD PATH STATUS
    NNNus')."""
    out = {}
    try:
        with open(os.path.join(hf.dev_var(), "log", "holdfast.log"),
                errors="replace") as f:
            f.seek(max(0, os.path.getsize(f.name) - 8 * 1024 * 1024))
            for line in f:
                if " access " not in line:
                    continue
                for rid in rids:
                    if "rid=%s " % rid in line:
                        us = line.rsplit(" ", 1)[-1].strip()
                        if us.endswith("us") and us[:-2].isdigit():
                            out[rid] = int(us[:-2]) / 1000.0
    except OSError:
        pass
    return out


def _paused_phase(fx, want, bound, seconds):
    """SIGSTOP Redis for `seconds` while one client restocks and another
    reads everything.  Returns (slow, errors, last on_hand): slow lists
    every request over bound as (what, client ms, request id)."""
    slow, errors = [], []
    on_hand = [hf.expect_success(hf.call("GET", fx.paths[1],
        token=_admin()))["on_hand"]]
    lock = threading.Lock()

    def timed(what, r):
        if r.elapsed > bound:
            with lock:
                slow.append((what, r.elapsed * 1000,
                    r.headers.get("X-Request-Id")))

    with hf.redis_paused():
        t_end = time.monotonic() + seconds
        # one client writes, one reads: fewer clients than workers, so a
        # request of ours never queues behind another's Redis timeout

        def reader():
            try:
                while time.monotonic() < t_end:
                    with lock:      # the last restock answered so far
                        floor = on_hand[0]
                    for path in fx.paths + ["/api/v1/categories",
                            "/api/v1/health"]:
                        r = hf.call("GET", path, token=_admin())
                        hf.expect_not_5xx(r)
                        data = hf.expect_success(r)
                        timed("GET %s" % path, r)
                        if path == fx.paths[1] and \
                                data.get("on_hand", -1) < floor:
                            errors.append("GET stock answered on_hand %r "
                                "after a restock to %d had answered"
                                % (data.get("on_hand"), floor))
                        if path == fx.paths[0]:
                            # the rest of the product does not move
                            a = dict(data, stock=0, available=0,
                                stock_status=0)
                            b = dict(want[path], stock=0, available=0,
                                stock_status=0)
                            if a != b:
                                errors.append("GET product answered %r, "
                                    "not %r" % (data, want[path]))
                    time.sleep(0.1)     # a reader, not a load test
            except Exception as e:
                errors.append("reader: %s: %s" % (type(e).__name__, e))

        t = threading.Thread(target=reader)
        t.start()
        try:
            while time.monotonic() < t_end:
                v, r = fx.restock(1)
                timed("POST restock", r)
                with lock:
                    on_hand[0] = v
                time.sleep(0.05)
        finally:
            t.join(30)
    return slow, errors, on_hand[0]


def _uncached_ms(fx):
    """What each request of a paused phase costs with Redis up when the
    cache does not have it (versions bumped first): the best of 3, in ms."""
    out = {}
    with hf.RedisClient() as rc:
        for path in fx.paths + ["/api/v1/categories", "/api/v1/health"]:
            best = None
            for _ in range(3):
                rc.cmd("INCR", hf.cache_version_key("l", None))
                rc.cmd("INCR", hf.cache_version_key("p", fx.pid))
                rc.cmd("INCR", hf.cache_version_key("s", fx.sku))
                r = hf.call("GET", path, token=_admin())
                hf.expect_success(r)
                best = r.elapsed if best is None else min(best, r.elapsed)
            out["GET %s" % path] = best * 1000
    _, r = fx.restock(1)
    out["POST restock"] = r.elapsed * 1000
    return out


def test_redis_paused_no_request_waits_longer_than_the_timeout_plus_100ms():
    """Paused for twice the back-off and a second, so the workers meet
    both a stuck connection and reconnects to a stuck server.  The stack
    is shared and the machine small: a phase with a request over the
    bound is run again, up to three phases, and each over-bound request
    is shown with the worker's own time from holdfast.log (a worker time
    well under the client's is time spent queued, not waiting for
    Redis).  A product that can wait for Redis twice in one request fails
    every phase."""
    fx = _Fixture()
    want = fx.read_all("with Redis")
    bound = _bound_s()
    seconds = hf.conf_int("redis_backoff_ms", 2000) / 1000.0 * 2 + 1
    report = []
    base = _uncached_ms(fx)
    for phase in range(3):
        slow, errors, on_hand = _paused_phase(fx, want, bound, seconds)
        hf.check(not errors, "while Redis was paused:\n  %s"
            % "\n  ".join(errors[:5]))
        _expect_on_hand(fx, on_hand, "Redis resumed after restocks made "
            "while it was paused")
        if not slow:
            return
        wt = _worker_times([rid for _, _, rid in slow])
        report.append("phase %d: %s" % (phase + 1, "; ".join(
            "%s %.0f ms (worker %s ms; the same uncached with Redis up: "
            "%.0f ms)" % (what, ms, "%.0f" % wt[rid] if rid in wt else "?",
            base.get(what, 0)) for what, ms, rid in slow[:4])))
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    hf.fail("in each of 3 phases with Redis paused, a request took longer "
        "than redis_timeout_ms + 100 ms = %.0f ms (load average %s):\n  %s"
        % (bound * 1000, " ".join(load), "\n  ".join(report)))


# ---------------------------------------------------------------- return

def test_after_redis_returns_the_workers_use_it_again_and_hits_rise():
    fx = _Fixture()
    took = _cache_serves_again(fx)
    _expect_hits_rise(fx, "before any fault")

    with hf.redis_paused():
        for _ in range(8):
            fx.read_all("Redis paused")
    took = _cache_serves_again(fx)
    _expect_hits_rise(fx, "after SIGCONT (%.1fs to serve from Redis "
        "again)" % took)

    with hf.service_stopped("redis"):
        for _ in range(8):
            fx.read_all("Redis stopped")
    took = _cache_serves_again(fx)
    _expect_hits_rise(fx, "after a restart (%.1fs to serve from Redis "
        "again)" % took)


# ---------------------------------------------------------------- lost bump

def test_write_on_a_worker_that_lost_its_redis_connection_leaves_no_stale_read():
    """A worker whose Redis connection was closed under it (a Redis
    restart it has not noticed yet, Redis' idle `timeout`, a reset) and
    that takes a write cannot bump the versions; the other workers, still
    connected, must not go on serving the entry from before the write.
    The Redis connections of all workers but one (matched to worker pids
    through their socket pairs) are closed with CLIENT KILL, then a
    restock, then reads, in up to 10 rounds (which worker takes the write
    is the kernel's choice; a round shows the fault when it is not the
    one left connected)."""
    hf.dev_script()
    stale = []
    with hf.RedisClient() as rc:
        for attempt in range(10):
            hf.wait_healthy(timeout=30)
            fx = _Fixture()
            for _ in range(8):          # cached by the workers
                hf.expect_success(hf.call("GET", fx.paths[1],
                    token=_admin()))
            conns = hf.redis_worker_clients()
            pids = sorted(set(pid for _, pid in conns))
            if len(pids) < 2:
                hf.skip("fewer than two workers connected to Redis")
            victims = pids[1:]          # all but one worker
            for cid, pid in conns:
                if pid in victims:
                    try:
                        rc.cmd("CLIENT", "KILL", "ID", cid)
                    except hf.TestFailure:
                        pass            # gone already
            on_hand, r = fx.restock(1)
            for n in range(12):
                r = hf.call("GET", fx.paths[1], token=_admin())
                got = hf.expect_success(r).get("on_hand")
                if got != on_hand:
                    stale.append("round %d: read %d answered on_hand %r "
                        "after the restock answered %d" % (attempt + 1,
                        n + 1, got, on_hand))
            if stale:
                break
    lasted = ""
    if stale:
        # how long the old value stays readable
        t0, fresh = time.monotonic(), 0
        while fresh < 8 and time.monotonic() - t0 < 40:
            got = hf.expect_success(hf.call("GET", fx.paths[1],
                token=_admin())).get("on_hand")
            fresh = fresh + 1 if got == on_hand else 0
            time.sleep(0.05)
        lasted = " (still served %.1f s after the first stale read%s)" % (
            time.monotonic() - t0, "" if fresh >= 8 else ", and on")
    hf.wait_healthy(timeout=30)
    hf.check(not stale, "a write taken by a worker whose Redis connection "
        "had been closed left the old entry readable on the other "
        "workers%s:\n  %s" % (lasted, "\n  ".join(stale[:6])))


def test_a_write_during_a_redis_pause_is_not_hidden_after_redis_resumes():
    """A write taken while Redis is paused cannot bump the versions (its
    worker backs off after the timeout); once Redis resumes, the workers
    that sat idle through the pause, still connected, must not answer the
    entry cached before the write.  One write during the pause, then
    reads; three rounds, each starting from a healthy stack."""
    stale, lasted = [], []
    for attempt in range(3):
        hf.wait_healthy(timeout=30)     # no worker still backing off
        fx = _Fixture()
        for _ in range(8):              # cached by the workers
            hf.expect_success(hf.call("GET", fx.paths[1], token=_admin()))
        with hf.redis_paused():
            on_hand, r = fx.restock(1)
        t0 = time.monotonic()
        for n in range(12):
            r = hf.call("GET", fx.paths[1], token=_admin())
            got = hf.expect_success(r).get("on_hand")
            if got != on_hand:
                stale.append("round %d: read %d, %.0f ms after SIGCONT, "
                    "answered on_hand %r after the restock answered %d"
                    % (attempt + 1, n + 1, (time.monotonic() - t0) * 1000,
                    got, on_hand))
        if stale and not lasted:
            # how long the old value stays readable
            fresh = 0
            while fresh < 8 and time.monotonic() - t0 < 40:
                got = hf.expect_success(hf.call("GET", fx.paths[1],
                    token=_admin())).get("on_hand")
                fresh = fresh + 1 if got == on_hand else 0
                time.sleep(0.05)
            lasted.append(time.monotonic() - t0)
    hf.wait_healthy(timeout=30)
    hf.check(not stale, "%d read(s) after Redis resumed answered the value "
        "from before a write made while it was paused (fresh on every "
        "worker %.1f s after SIGCONT):\n  %s" % (len(stale),
        lasted[0] if lasted else 0, "\n  ".join(stale[:8])))
