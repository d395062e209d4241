"""The per-worker cache of product and stock entries (issue 13, item 3;
docs/internals.md "Issue 13: per-worker cache").

A worker keeps copies of the entries it read or wrote and serves one only
when its read's one Redis trip (the script that also counts the rate
limit) answers that the copy's key (epoch and version) is still current;
copies of entries changed by anyone else are dropped on Redis'
invalidation messages (CLIENT TRACKING BCAST, redirected to a second
connection per worker); losing either connection drops every copy.

These tests drive it through nginx and the stack's workers, and through
scratch workers of this build (the FastCGI client of test_A6) started with
other bounds: never stale across workers, a killed invalidation connection
and a Redis restart never leave a copy served, a local hit reads no entry
from Redis, and the bounds hold.
"""
import json
import os
import shutil
import socket
import struct
import sys
import tempfile
import time

import hf


def _admin():
    return hf.inv_admin()


def _guest(path):
    return hf.call("GET", path)


def _local_on():
    if hf.conf_int("local_cache_entries", 1024) <= 0:
        hf.skip("local_cache_entries = 0 in this stack's configuration")


def _m(name, text=None):
    v = hf.metric_sum(name, text)
    if v is None:
        hf.fail("GET /metrics has no %s" % name)
    return v


def _warm(paths, reads=16):
    for _ in range(reads):
        for p in paths:
            hf.expect_success(_guest(p))


def _tracking_conns():
    """Redis client ids of the workers' invalidation connections: the
    stack's Redis clients subscribed to one channel (nothing else of the
    stack subscribes), whose ids the workers' tracking redirects to."""
    out = []
    with hf.RedisClient() as rc:
        redirects = set()
        for line in (rc.cmd("CLIENT", "LIST", "TYPE", "normal") or
                "").split("\n"):
            f = dict(x.split("=", 1) for x in line.split() if "=" in x)
            if "t" in f.get("flags", "") and f.get("redir", "-1") != "-1":
                redirects.add(f["redir"])
        for line in (rc.cmd("CLIENT", "LIST", "TYPE", "pubsub") or
                "").split("\n"):
            f = dict(x.split("=", 1) for x in line.split() if "=" in x)
            if f.get("sub") == "1" and f.get("id") in redirects:
                out.append(int(f["id"]))
    return out


# ---------------------------------------------------------------- never stale

def test_write_through_one_request_every_read_through_many_sees_it():
    """300 rounds: a write (restock, or a price change every third
    round) answers, then 8 reads of the product and of its stock, from
    any worker: each sees the write. The workers' copies are used
    meanwhile (local hits rise), so the rounds test them."""
    _local_on()
    p = hf.new_product(5, token=_admin())
    pid, sku = p["id"], p["sku"]
    ppath, spath = "/api/v1/products/%s" % pid, "/api/v1/stock/%s" % \
        hf.sku_path(sku)
    _warm([ppath, spath], 4)
    hits0 = _m("holdfast_local_cache_hits_total")
    on_hand, price = 5, 100
    hf.expect_success(hf.call("PATCH", ppath, {"price": "100.00"},
        token=_admin()))
    for rnd in range(300):
        if rnd % 3 == 2:
            price += 1
            r = hf.call("PATCH", ppath, {"price": "%d.00" % price},
                token=_admin())
            hf.expect_success(r)
        else:
            r = hf.call("POST", "/api/v1/stock/%s/restock" %
                hf.sku_path(sku), {"quantity": 1}, token=_admin())
            on_hand = hf.expect_success(r)["stock"]["on_hand"]
        for n in range(8):
            d = hf.expect_success(_guest(ppath))
            s = hf.expect_success(_guest(spath))
            if float(d["price"]) != price or \
                    (d.get("stock") or {}).get("on_hand") != on_hand or \
                    s.get("on_hand") != on_hand:
                hf.fail("round %d, read %d: after the write answered "
                    "(price %d, on_hand %d) a read gave price %r, on_hand "
                    "%r / stock on_hand %r" % (rnd + 1, n + 1, price,
                    on_hand, d["price"], (d.get("stock") or {}).get(
                    "on_hand"), s.get("on_hand")))
    hits = _m("holdfast_local_cache_hits_total") - hits0
    # each worker misses once an entry a round (a new version), at most
    # 8 of the 16 reads; the rest are local hits
    hf.check(hits >= 300 * 4, "only %d of the %d reads were served from a "
        "worker's copy (the local cache is not in use)" % (hits, 300 * 16))
    r = hf.call("GET", "/api/v1/stock/%s/reconcile" % hf.sku_path(sku),
        token=_admin())
    hf.check(hf.expect_success(r).get("ok") is True, "reconcile not clean")


def test_a_local_hit_reads_no_entry_from_redis():
    """Once every worker holds a copy, a guest read is one EVALSHA (the
    rate count and the version check) whose script reads the epoch and
    the version (2 GETs) and not the entry: Redis' commandstats show 2
    GETs a read, not 3, and /metrics counts the local hits."""
    _local_on()
    p = hf.new_product(3, token=_admin())
    path = "/api/v1/products/%s" % p["id"]
    _warm([path])
    n = 40
    m0 = hf.metrics_text()
    c0 = hf.redis_info("commandstats")
    for _ in range(n):
        hf.expect_success(_guest(path))
    c1 = hf.redis_info("commandstats")
    m1 = hf.metrics_text()

    def calls(info, cmd):
        v = info.get("cmdstat_" + cmd, "calls=0")
        return int(v.split("calls=", 1)[1].split(",", 1)[0])
    hits = _m("holdfast_local_cache_hits_total", m1) - \
        _m("holdfast_local_cache_hits_total", m0)
    gets = calls(c1, "get") - calls(c0, "get")
    evals = calls(c1, "evalsha") - calls(c0, "evalsha")
    hf.check(hits >= n - 2, "%d of %d reads of a product every worker had "
        "read were local hits" % (hits, n))
    hf.check(evals <= n + 2, "%d reads made %d EVALSHA (one each)" % (n,
        evals))
    # 2 GETs (epoch, version) a read, and the entry only on a local miss
    want = 2 * n + (n - hits)
    hf.check(gets <= want + 2, "%d reads (%d local hits) made %d GETs in "
        "Redis, not %d: a local hit still reads the entry" % (n, hits,
        gets, want))


# ---------------------------------------------------------------- lost messages

def _planted_is_served(pid, what, reads=12):
    """Plants an entry under the product's current key: each read must
    answer it (a worker serving its older copy would not)."""
    path = "/api/v1/products/%s" % pid
    with hf.RedisClient() as rc:
        key = hf.cache_entry_key("p", str(pid), rc)
        real = hf.expect_success(_guest(path))
        marker = "planted %s" % hf.unique_word("m")
        rc.cmd("SET", key, json.dumps(dict(real, name=marker)), "EX", 60)
        try:
            for i in range(reads):
                r = _guest(path)
                hf.expect_eq(hf.expect_success(r).get("name"), marker,
                    "%s: read %d after an entry was planted under the "
                    "current key %s" % (what, i + 1, key), r)
        finally:
            rc.cmd("DEL", key)
    for i in range(reads):      # and the planted one goes with its key
        r = _guest(path)
        hf.check(hf.expect_success(r).get("name") != marker, "%s: read "
            "%d after the planted entry was deleted still answered it"
            % (what, i + 1))


def test_an_entry_changed_in_redis_drops_every_workers_copy():
    _local_on()
    p = hf.new_product(2, token=_admin())
    _warm(["/api/v1/products/%s" % p["id"]])
    d0 = _m("holdfast_local_cache_dropped_total")
    _planted_is_served(p["id"], "copies held by every worker")
    hf.check(_m("holdfast_local_cache_dropped_total") > d0, "no copy was "
        "dropped by an invalidation message")


def test_killing_the_invalidation_connections_leaves_no_copy_served():
    """CLIENT KILL of every worker's invalidation connection: Redis can no
    longer tell them of changes, so each must drop its copies (it finds
    the connection closed before its next read) and not serve them."""
    _local_on()
    p = hf.new_product(2, token=_admin())
    path = "/api/v1/products/%s" % p["id"]
    _warm([path])
    conns = _tracking_conns()
    if not conns:
        hf.fail("no worker holds an invalidation connection (CLIENT LIST "
            "TYPE pubsub)")
    f0 = _m("holdfast_local_cache_flushes_total")
    with hf.RedisClient() as rc:
        for cid in conns:
            try:
                rc.cmd("CLIENT", "KILL", "ID", str(cid))
            except hf.TestFailure:
                pass
        # changed behind the workers' backs, with no message to send
        key = hf.cache_entry_key("p", str(p["id"]), rc)
        real = hf.expect_success(_guest(path))
        rc.cmd("SET", key, json.dumps(dict(real, name="after the kill")),
            "EX", 60)
        try:
            for i in range(12):
                r = _guest(path)
                hf.expect_eq(hf.expect_success(r).get("name"),
                    "after the kill", "read %d after the invalidation "
                    "connections were killed and the entry changed" %
                    (i + 1), r)
        finally:
            rc.cmd("DEL", key)
    hf.check(_m("holdfast_local_cache_flushes_total") > f0, "no worker "
        "flushed its copies after losing its invalidation connection")
    # they come back (after a second's back-off): copies are used again
    time.sleep(1.2)
    _warm([path])
    h0 = _m("holdfast_local_cache_hits_total")
    _warm([path], 4)
    hf.check(_m("holdfast_local_cache_hits_total") > h0, "no local hit "
        "after the invalidation connections were reopened")
    hf.check(len(_tracking_conns()) >= 1, "no invalidation connection "
        "after the reads")


def test_a_write_while_redis_restarts_is_seen_no_copy_survives():
    """Copies on every worker; Redis stopped; a restock answers (its
    version bump is lost); Redis started again (empty or not): every read
    answers the restock, and a planted entry is what reads serve (no
    copy from before the restart is)."""
    _local_on()
    p = hf.new_product(4, token=_admin())
    pid, sku = p["id"], p["sku"]
    paths = ["/api/v1/products/%s" % pid, "/api/v1/stock/%s" %
        hf.sku_path(sku)]
    _warm(paths)
    f0 = _m("holdfast_local_cache_flushes_total")
    with hf.service_stopped("redis"):
        r = hf.call("POST", "/api/v1/stock/%s/restock" % hf.sku_path(sku),
            {"quantity": 3}, token=_admin())
        hf.expect_eq(hf.expect_success(r)["stock"]["on_hand"], 7,
            "restock with Redis stopped", r)
    for i in range(16):
        d = hf.expect_success(_guest(paths[0]))
        s = hf.expect_success(_guest(paths[1]))
        hf.expect_eq(((d.get("stock") or {}).get("on_hand"),
            s.get("on_hand")), (7, 7), "read %d after Redis came back"
            % (i + 1))
    hf.check(_m("holdfast_local_cache_flushes_total") > f0, "no worker "
        "flushed its copies when Redis went away")
    _warm(paths)
    _planted_is_served(pid, "after a Redis restart")


# ---------------------------------------------------------------- bounds

def _scratch_worker(tmp, **env):
    a6 = sys.modules.get("test_A6_migration")
    if a6 is None or not hasattr(a6, "FcgiWorker"):
        hf.skip("no FastCGI client (test_A6_migration.FcgiWorker)")
    e = {"HOLDFAST_LOG_FILE": os.path.join(tmp, "worker.log"),
        "HOLDFAST_METRICS_FILE": os.path.join(tmp, "metrics"),
        "HOLDFAST_RATE_GENERAL_MAX": "10000000"}
    e.update(env)
    w = a6.FcgiWorker(e, tmp)
    hf.wait_until(lambda: w.call("GET", "/api/v1/health")[0] == 200, 15,
        what="the scratch worker to answer /health")
    return w


def _scratch_metrics(w):
    """GET /metrics of the scratch worker (its own metrics file)."""
    rid = 60001
    params = {"REQUEST_METHOD": "GET", "REQUEST_URI": "/metrics",
        "DOCUMENT_URI": "/metrics", "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": "0", "GATEWAY_INTERFACE": "CGI/1.1"}
    msg = w._record(1, rid, struct.pack("!HB5x", 1, 0))
    msg += w._record(4, rid, w._pairs(params)) + w._record(4, rid, b"")
    msg += w._record(5, rid, b"")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    out, buf = b"", b""
    try:
        s.connect(w.path)
        s.sendall(msg)
        while True:
            got = s.recv(65536)
            if not got:
                break
            buf += got
    finally:
        s.close()
    while len(buf) >= 8:
        _, type_, _, clen, plen = struct.unpack("!BBHHB", buf[:7])
        if type_ == 6:
            out += buf[8:8 + clen]
        buf = buf[8 + clen + plen:]
    return out.partition(b"\r\n\r\n")[2].decode("utf-8", "replace")


def test_the_copies_stay_within_local_cache_entries_and_bytes():
    """Scratch workers of this build on the stack's Redis and database:
    one holding at most 8 copies reads 30 products (each twice); one with
    4096 bytes; one with the cache off (local_cache_entries = 0)."""
    ids = [hf.new_product(1, token=_admin())["id"] for _ in range(30)]
    tmp = tempfile.mkdtemp(prefix="hf-c6-")
    workers = []
    try:
        for name, env in (("entries", {"HOLDFAST_LOCAL_CACHE_ENTRIES": "8"}),
                ("bytes", {"HOLDFAST_LOCAL_CACHE_BYTES": "4096"}),
                ("off", {"HOLDFAST_LOCAL_CACHE_ENTRIES": "0"})):
            d = os.path.join(tmp, name)
            os.mkdir(d)
            w = _scratch_worker(d, **env)
            workers.append(w)
            for _ in range(2):
                for pid in ids:
                    st, doc = w.call("GET", "/api/v1/products/%s" % pid)
                    hf.expect_eq(st, 200, "scratch worker (%s) GET "
                        "/products/%s" % (name, pid))
            # the last one again: a local hit where the cache is on
            for _ in range(3):
                w.call("GET", "/api/v1/products/%s" % ids[-1])
            text = _scratch_metrics(w)
            entries = _m("holdfast_local_cache_entries", text)
            nbytes = _m("holdfast_local_cache_bytes", text)
            hits = _m("holdfast_local_cache_hits_total", text)
            evicted = _m("holdfast_local_cache_evicted_total", text)
            if name == "entries":
                hf.check(0 < entries <= 8 and evicted >= 22, "at most 8 "
                    "copies: %d held, %d evicted" % (entries, evicted))
                hf.check(hits >= 3, "the copy of the last product read "
                    "was not served (%d local hits)" % hits)
            elif name == "bytes":
                hf.check(0 < nbytes <= 4096 and evicted > 0, "at most 4096 "
                    "bytes of copies: %d held (%d entries), %d evicted" %
                    (nbytes, entries, evicted))
            else:
                hf.check(entries == 0 and hits == 0, "local_cache_entries "
                    "= 0: %d copies, %d local hits" % (entries, hits))
            hf.check(_m("holdfast_cache_hits_total", text) > 0, "the "
                "scratch worker (%s) read nothing from the cache" % name)
    finally:
        for w in workers:
            w.stop()
        shutil.rmtree(tmp, ignore_errors=True)
