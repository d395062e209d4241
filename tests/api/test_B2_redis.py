"""Redis round trips (issue 13, item 3).

A guest's cached product or stock read is ONE Redis round trip: the
general rate limit is counted in the same script as the versioned read
(src/svc/cacheaside.c, src/cache/versions.c), and it still refuses at the
exact limit.  Every version a write touches is bumped in one script call.
Scripts are loaded once per connection and called with EVALSHA; a SCRIPT
FLUSH (NOSCRIPT) is survived without falling back to MariaDB, and so is a
Redis stopped and started again mid-way.  Writes stay visible to the next
read on every worker, through the guest path too.

These watch the stack's Redis (MONITOR, SCRIPT FLUSH, stop/start through
$HOLDFAST_DEV): run them against a stack that is yours."""

import json
import threading
import time

import hf

RATE_PREFIX = "hf:rl:g:ip:"


def _admin():
    return hf.inv_admin()


def _guest(path):
    return hf.call("GET", path)


class _Monitor:
    """MONITOR on the stack's Redis in a thread: lines() gives the
    top-level commands seen (those run inside a script, "[0 lua]", are
    left out) as lists of their arguments."""

    def __init__(self):
        self.rc = hf.RedisClient(timeout=0.5)
        self.rc.cmd("MONITOR")
        self.raw = []
        self.stop = False
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        while not self.stop:
            try:
                line = self.rc._line()
            except OSError:
                continue
            self.raw.append(line.decode("utf-8", "replace"))

    def lines(self, settle=0.4):
        time.sleep(settle)
        self.stop = True
        self.t.join(5)
        self.rc.close()
        out = []
        for line in self.raw:
            if "[0 lua]" in line or "]" not in line:
                continue
            args = line.split("] ", 1)[1]
            out.append([a.strip('"') for a in args.split('" "')])
        return out


def _mentions(cmd, text):
    return any(text in a for a in cmd)


def _cached(pid, sku, reads=12):
    """Reads the product and its stock until both are cached (a second
    guest read of each on every worker)."""
    for _ in range(reads):
        hf.expect_success(_guest("/api/v1/products/%s" % pid))
        hf.expect_success(_guest("/api/v1/stock/%s" % hf.sku_path(sku)))


def _rate_key():
    """The guests' general rate-limit key of this client (it exists after
    a guest request)."""
    hf.expect_success(_guest("/api/v1"))
    with hf.RedisClient() as rc:
        keys = [k for k in (rc.cmd("KEYS", RATE_PREFIX + "*") or [])]
        for k in keys:
            if k.endswith(":127.0.0.1") or k.endswith(":::1"):
                return k
    hf.check(len(keys) == 1, "cannot tell this client's guest rate key "
        "among %r" % keys)
    return keys[0]


def test_a_cached_read_is_one_redis_round_trip_with_the_rate_count():
    p = hf.new_product(5, token=_admin())
    pid, sku = p["id"], p["sku"]
    _cached(pid, sku)
    key = _admin()
    hf.expect_success(hf.call("GET", "/api/v1/products/%s" % pid,
        token=key))
    mon = _Monitor()
    n = 10
    try:
        for i in range(n):      # guests and an API key, half each
            tok = key if i % 2 else None
            hf.expect_success(hf.call("GET", "/api/v1/products/%s" % pid,
                token=tok))
            hf.expect_success(hf.call("GET", "/api/v1/stock/%s"
                % hf.sku_path(sku), token=tok))
    finally:
        cmds = mon.lines()
    for what, ver in (("product", "hf:ver:p:%s" % pid),
            ("stock", "hf:ver:s:%s" % sku.upper())):
        entry = ver.replace("hf:ver:", "hf:c:") + ":"
        mine = [c for c in cmds if ver in c or _mentions(c, entry)]
        hf.check(len(mine) == n, "%d guest %s reads made %d top-level Redis "
            "commands about them, not %d (one each): %r" % (n, what,
            len(mine), n, mine[:6]))
        for c in mine:
            hf.expect_eq(c[0].upper(), "EVALSHA", "the %s read's one Redis "
                "command" % what)
            hf.check(_mentions(c, "hf:rl:g:"), "the %s read's script call "
                "does not count the rate limit: %r" % (what, c))
        keyed = [c for c in mine if _mentions(c, "hf:rl:g:kh:")]
        hf.check(len(keyed) == n // 2 and all("hf:keygen" in c for c in
            keyed), "the API key's %s reads: %d script calls with its "
            "count and the key generation, not %d: %r" % (what, len(keyed),
            n // 2, keyed[:2]))
    alone = [c for c in cmds if _mentions(c, "hf:rl:") and
        not _mentions(c, "hf:ver:")]
    # (a stray request of someone else's may count a hit meanwhile: 2 of
    # them are let go; counted on their own, these reads would make 20)
    hf.check(len(alone) <= 2, "the rate limit was counted in %d round "
        "trips of its own: %r" % (len(alone), alone[:4]))
    hf.check(not [c for c in cmds if c[0].upper() == "EVAL"], "a script "
        "was sent as text (EVAL), not called by its SHA1")


def test_a_cached_read_is_rate_limited_at_the_exact_limit():
    p = hf.new_product(3, token=_admin())
    pid, sku = p["id"], p["sku"]
    other = hf.new_product(1, token=_admin())
    _cached(pid, sku)
    mx = hf.conf_int("rate_general_max", 600)
    key = _rate_key()
    with hf.RedisClient() as rc:
        try:
            rc.cmd("SET", key, mx - 4, "PX", 30000)
            paths = ["/api/v1/products/%s" % pid,
                "/api/v1/stock/%s" % hf.sku_path(sku),
                "/api/v1/products/%s" % pid]
            for path in paths:             # hits mx-3 .. mx-1
                hf.expect_success(_guest(path))
            # a malformed id answers 400 and is counted all the same
            r = _guest("/api/v1/products/not-a-number")
            hf.expect_status(r, 400, 404, 422)
            hf.expect_eq(int(rc.cmd("GET", key)), mx, "the guest count "
                "after a refused id (counted too)")
            # over the limit: the cached reads, an uncached one, a stock
            # read at a location (not through the cache) are all refused
            before = rc.cmd("KEYS", "hf:c:p:%s:*" % other["id"]) or []
            for path in paths + ["/api/v1/products/%s" % other["id"],
                    "/api/v1/stock/%s?location=MAIN" % hf.sku_path(sku)]:
                r = _guest(path)
                hf.expect_error(r, 429, "REQ_006")
                ra = r.headers.get("Retry-After")
                hf.check(ra is not None and ra.isdigit() and
                    1 <= int(ra) <= 30, "Retry-After %r on a refused read "
                    "(1 to 30 s left in the window)" % ra, r)
            after = rc.cmd("KEYS", "hf:c:p:%s:*" % other["id"]) or []
            hf.expect_eq(sorted(after), sorted(before), "cache entries of "
                "an uncached product after its refused read (a refused "
                "read does no work)")
            hf.expect_eq(int(rc.cmd("GET", key)), mx + 5, "the guest count "
                "after 5 refused reads")
            # a signed-in client is counted on its own key
            hf.expect_success(hf.call("GET", "/api/v1/products/%s" % pid,
                token=_admin()))
        finally:
            rc.cmd("DEL", key)
    hf.expect_success(_guest("/api/v1/products/%s" % pid))


def test_script_flush_noscript_is_survived_without_falling_back():
    p = hf.new_product(2, token=_admin())
    pid, sku = p["id"], p["sku"]
    _cached(pid, sku)
    with hf.RedisClient() as rc:
        epoch = rc.cmd("GET", "hf:epoch")
        rc.cmd("SCRIPT", "FLUSH")
        # an entry planted under the current key: answered from Redis
        # only, so a read that fell back to MariaDB would not show it
        key = hf.cache_entry_key("p", str(pid), rc)
        real = hf.expect_success(_guest("/api/v1/products/%s" % pid))
        rc.cmd("SCRIPT", "FLUSH")
        rc.cmd("SET", key, json.dumps(dict(real, name="planted")), "EX", 60)
        for i in range(12):     # every worker, each after its NOSCRIPT
            r = _guest("/api/v1/products/%s" % pid)
            hf.expect_eq(hf.expect_success(r).get("name"), "planted",
                "guest read %d after SCRIPT FLUSH (from Redis)" % (i + 1), r)
        rc.cmd("DEL", key)
        # a write after a flush: its bump reloads, reads see it
        rc.cmd("SCRIPT", "FLUSH")
        r = hf.call("POST", "/api/v1/stock/%s/restock" % hf.sku_path(sku),
            {"quantity": 5}, token=_admin())
        hf.expect_eq(hf.expect_success(r)["stock"]["on_hand"], 7,
            "on_hand after a restock", r)
        for i in range(12):
            r = _guest("/api/v1/stock/%s" % hf.sku_path(sku))
            hf.expect_eq(hf.expect_success(r).get("on_hand"), 7,
                "stock read %d after a restock made after SCRIPT FLUSH"
                % (i + 1), r)
            r = _guest("/api/v1/products/%s" % pid)
            hf.expect_eq(hf.expect_success(r)["stock"]["on_hand"], 7,
                "product read %d after the restock" % (i + 1), r)
        hf.expect_eq(rc.cmd("GET", "hf:epoch"), epoch, "the cache epoch "
            "(bumped only when a worker lost Redis: NOSCRIPT is no loss)")


def test_a_write_bumps_every_version_it_touches_in_one_script_call():
    p = hf.new_product(1, token=_admin())
    pid, sku = p["id"], p["sku"]
    _cached(pid, sku)
    mon = _Monitor()
    try:
        r = hf.call("POST", "/api/v1/stock/%s/restock" % hf.sku_path(sku),
            {"quantity": 2}, token=_admin())
        hf.expect_success(r)
    finally:
        cmds = mon.lines()
    vp, vs = "hf:ver:p:%s" % pid, "hf:ver:s:%s" % sku.upper()
    bumps = [c for c in cmds if vp in c or vs in c]
    hf.check(len(bumps) == 1, "a restock touched its product's versions "
        "in %d top-level Redis commands, not one: %r" % (len(bumps), bumps))
    c = bumps[0]
    hf.expect_eq(c[0].upper(), "EVALSHA", "the bump's command")
    for k in (vp, vs):
        hf.check(k in c, "the bump script call lacks %s: %r" % (k, c))
    # units moved: list pages keep their entries (test_B3_search)
    hf.check("hf:ver:l" not in c, "a restock bumped the list pages' "
        "version: %r" % (c,))

    # a reservation of three SKUs: all six versions in one
    ps = [hf.new_product(5, token=_admin()) for _ in range(3)]
    mon = _Monitor()
    try:
        r = hf.reserve([(x["sku"], 1) for x in ps])
        hf.expect_success(r, 201)
    finally:
        cmds = mon.lines()
    keys = ["hf:ver:p:%s" % x["id"] for x in ps] + \
        ["hf:ver:s:%s" % x["sku"].upper() for x in ps]
    bumps = [c for c in cmds if any(k in c for k in keys)]
    hf.check(len(bumps) == 1, "a reservation of 3 SKUs bumped their "
        "versions in %d top-level Redis commands, not one: %r"
        % (len(bumps), bumps))
    for k in keys:
        hf.check(k in bumps[0], "the bump script call lacks %s: %r"
            % (k, bumps[0]))
    for x in ps:                # and the reads see it
        r = _guest("/api/v1/stock/%s" % hf.sku_path(x["sku"]))
        hf.expect_eq(hf.expect_success(r).get("reserved"), 1, "reserved "
            "of %s after the reservation" % x["sku"], r)


def test_guest_write_then_read_rounds_never_read_older_on_any_worker():
    """8 clients, each owns a product: restock it (admin), then read its
    stock and product as a guest (keep-alive, so the reads spread over
    the workers) and another client's, never older than the last
    completed write."""
    clients, rounds = 8, 60
    prods = [hf.new_product(0, token=_admin()) for _ in range(clients)]
    done = [0] * clients
    lock = threading.Lock()
    bad, errors = [], []

    def work(i):
        pid, sku = prods[i]["id"], prods[i]["sku"]
        g = hf.KeepAliveClient(None)
        try:
            for k in range(rounds):
                r = hf.call("POST", "/api/v1/stock/%s/restock"
                    % hf.sku_path(sku), {"quantity": 1}, token=_admin())
                if r.status != 200:
                    errors.append("restock %s: %s" % (sku, r.status))
                    return
                q = r.json["data"]["stock"]["on_hand"]
                with lock:
                    done[i] = max(done[i], q)
                r = g.request("GET", "/api/v1/stock/%s" % hf.sku_path(sku))
                if r.status != 200 or r.json["data"]["on_hand"] < q:
                    bad.append("%s: stock %s after write %d" % (sku,
                        r.status if r.status != 200 else
                        r.json["data"]["on_hand"], q))
                r = g.request("GET", "/api/v1/products/%s" % pid)
                if r.status != 200 or \
                        r.json["data"]["stock"]["on_hand"] < q:
                    bad.append("%s: product %s after write %d" % (sku,
                        r.status, q))
                j = (i + k + 1) % clients
                with lock:
                    floor = done[j]
                r = g.request("GET", "/api/v1/stock/%s"
                    % hf.sku_path(prods[j]["sku"]))
                if r.status != 200 or r.json["data"]["on_hand"] < floor:
                    bad.append("%s: stock of another %s, floor %d" % (
                        prods[j]["sku"], r.status, floor))
        except Exception as e:          # reported below
            errors.append("%s: %r" % (sku, e))
        finally:
            g.close()

    ts = [threading.Thread(target=work, args=(i,)) for i in
        range(clients)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(300)
    hf.check(not errors, "errors: %s" % errors[:5])
    hf.check(not bad, "%d stale or failed guest reads, e.g. %s"
        % (len(bad), bad[:5]))
    for i in range(clients):
        hf.expect_eq(done[i], rounds, "on_hand of %s" % prods[i]["sku"])


def test_redis_stopped_and_restarted_mid_way_guest_reads_stay_right():
    p = hf.new_product(4, token=_admin())
    pid, sku = p["id"], p["sku"]
    _cached(pid, sku)
    key = _rate_key()
    with hf.service_stopped("redis"):
        hf.wait_until(lambda: hf.get("/api/v1/health").json["data"].get(
            "redis") == "down", 5, interval=0.1, what="health to say redis "
            "down")
        for i in range(8):      # from MariaDB, no limit enforced, no 5xx
            r = _guest("/api/v1/products/%s" % pid)
            hf.expect_eq(hf.expect_success(r)["stock"]["on_hand"], 4,
                "product read %d with Redis stopped" % (i + 1), r)
        r = hf.call("POST", "/api/v1/stock/%s/restock" % hf.sku_path(sku),
            {"quantity": 6}, token=_admin())
        hf.expect_eq(hf.expect_success(r)["stock"]["on_hand"], 10,
            "on_hand of a restock with Redis stopped", r)
        for i in range(8):
            r = _guest("/api/v1/stock/%s" % hf.sku_path(sku))
            hf.expect_eq(hf.expect_success(r).get("on_hand"), 10,
                "stock read %d with Redis stopped" % (i + 1), r)
    # back (with the entries it had: the write while it was away must win
    # on every worker), the scripts loaded again, the limit counted again
    for i in range(12):
        r = _guest("/api/v1/products/%s" % pid)
        hf.expect_eq(hf.expect_success(r)["stock"]["on_hand"], 10,
            "product read %d after Redis came back" % (i + 1), r)
        r = _guest("/api/v1/stock/%s" % hf.sku_path(sku))
        hf.expect_eq(hf.expect_success(r).get("on_hand"), 10,
            "stock read %d after Redis came back" % (i + 1), r)

    def counted():
        with hf.RedisClient() as rc:
            a = int(rc.cmd("GET", key) or 0)
            hf.expect_success(_guest("/api/v1/products/%s" % pid))
            return int(rc.cmd("GET", key) or 0) == a + 1
    hf.wait_until(counted, 10, interval=0.1, what="a guest read to be "
        "counted in Redis again")


def test_a_read_ahead_answers_only_its_own_request():
    """The guard's script reads the handler's entry ahead; a request
    never gets another's, whatever X-Request-Id it repeats, and a refused
    bearer's read-ahead is not served to the next request."""
    a = hf.new_product(1, token=_admin())
    b = hf.new_product(2, token=_admin())
    _cached(a["id"], a["sku"], reads=4)
    _cached(b["id"], b["sku"], reads=4)
    rid = "b2same%s" % hf.unique_word("r")
    steps = [("/api/v1/products/%s" % a["id"], "id", a["id"]),
        ("/api/v1/products/%s" % b["id"], "id", b["id"]),
        ("/api/v1/stock/%s" % hf.sku_path(a["sku"]), "sku", a["sku"]),
        ("/api/v1/stock/%s" % hf.sku_path(b["sku"].lower()), "sku",
            b["sku"]),
        ("/api/v1/products/%s" % a["id"], "id", a["id"])]
    for _ in range(3):
        for path, field, want in steps:
            r = hf.call("GET", path, headers={"X-Request-Id": rid})
            hf.expect_eq(hf.expect_success(r).get(field), want,
                "%s of GET %s sent with a repeated X-Request-Id" % (field,
                path), r)
    for _ in range(4):
        r = hf.call("GET", "/api/v1/products/%s" % a["id"],
            token="hfk_" + "0" * 40, headers={"X-Request-Id": rid})
        hf.expect_status(r, 401)
        r = hf.call("GET", "/api/v1/products/%s" % b["id"],
            headers={"X-Request-Id": rid})
        hf.expect_eq(hf.expect_success(r).get("id"), b["id"], "the next "
            "request's product after a refused API key", r)
    # a signed-in user's read, through the same one-trip path
    u = hf.verified_user()
    for _ in range(4):
        r = hf.call("GET", "/api/v1/products/%s" % a["id"],
            token=u["access"])
        hf.expect_eq(hf.expect_success(r).get("id"), a["id"], "a signed-in "
            "user's read", r)
