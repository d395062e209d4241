"""Concurrency (issue 4): many clients reserving the same units at once
never sell more than there is, and the ledger still adds up.

Each client is a thread with its own keep-alive connection to nginx; the
clients share as many business API keys as the stack's general rate limit
asks for (one on ./dev stacks)."""

import collections
import threading
import time

import hf


def _keys(clients, requests):
    """A business API key for each client: as few fresh keys as keep every
    key under half the stack's general rate limit for this many requests
    (one on ./dev stacks, whose limit is high), shared round robin."""
    per_key = max(1, hf.conf_int("rate_general_max", 600) // 2)
    n = min(clients, max(1, -(-requests // per_key)))
    keys = [hf.new_api_key("business") for _ in range(n)]
    return [keys[i % n] for i in range(clients)]


class _Tally:
    """Thread-safe outcome counts, with the first few odd answers kept."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = collections.Counter()
        self.odd = []
        self.errors = []

    def add(self, resp, ok):
        key = (resp.status, resp.json.get("error")
            if isinstance(resp.json, dict) else None)
        with self.lock:
            self.counts[key] += 1
            if not ok and len(self.odd) < 3:
                self.odd.append(resp)

    def crash(self, e):
        with self.lock:
            self.errors.append(e)

    def describe(self):
        return ", ".join("%d %s: %d" % (s, e or "-", n)
            for (s, e), n in sorted(self.counts.items(),
            key=lambda kv: (kv[0][0], kv[0][1] or "")))

    def check_no_crash_no_5xx(self, what):
        hf.check(not self.errors, "%s: a client failed: %s" % (what,
            self.errors[0] if self.errors else ""))
        for r in self.odd:
            hf.expect_not_5xx(r)
        hf.check(not any(s >= 500 for s, _ in self.counts), "%s: server "
            "errors (%s)" % (what, self.describe()))

    def check_clean(self, what):
        self.check_no_crash_no_5xx(what)
        if self.odd:
            hf.fail("%s: unexpected answers (%s); first:" % (what,
                self.describe()), self.odd[0])


def _run(clients, work):
    threads = [threading.Thread(target=work, args=(i,))
        for i in range(clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    hf.check(not any(t.is_alive() for t in threads), "clients still "
        "running after 120 s")
    return time.monotonic() - t0


def _is_short(resp):
    return resp.status == 400 and isinstance(resp.json, dict) and \
        resp.json.get("error") == "INV_002"


def _expect_reconciled(sku):
    data = hf.reconcile_api(sku)
    hf.check(data["ok"], "GET /stock/%s/reconcile: %r" % (sku,
        data["mismatches"]))
    p = hf.run_program("holdfast-admin", "reconcile", "--sku", sku)
    hf.expect_eq(p.returncode, 0, "holdfast-admin reconcile --sku %s exit "
        "status (%r)" % (sku, (p.stdout + p.stderr)[-400:]))


def test_5000_one_unit_reservations_from_64_clients_take_exactly_100():
    hf.build_binary("holdfast-admin")
    sku = hf.new_product(100)["sku"]
    total, clients = 5000, 64
    keys = _keys(clients, total)
    body = {"type": "cart", "items": [{"sku": sku, "quantity": 1}]}
    tally = _Tally()
    created = []
    next_ = [0]

    def work(i):
        client = hf.KeepAliveClient(keys[i])
        try:
            while True:
                with tally.lock:
                    if next_[0] >= total:
                        return
                    next_[0] += 1
                r = client.request("POST", "/api/v1/reservations", body)
                ok = r.status == 201 or _is_short(r)
                tally.add(r, ok)
                if r.status == 201:
                    with tally.lock:
                        created.append(r)
        except Exception as e:
            tally.crash(e)
        finally:
            client.close()

    elapsed = _run(clients, work)
    tally.check_clean("%d reservations of 1 unit from %d clients"
        % (total, clients))
    hf.expect_eq(sum(tally.counts.values()), total, "answers counted")
    hf.expect_eq(len(created), 100, "201 answers for 100 units (all "
        "answers: %s; %.1fs)" % (tally.describe(), elapsed))

    ids = set()
    for r in created:
        (res,) = hf.expect_success(r, 201)["reservations"]
        hf.expect_eq((res["sku"], res["quantity"], res["status"]),
            (sku, 1, "active"), "a 201's reservation", r)
        ids.add(res["id"])
    hf.expect_eq(len(ids), 100, "distinct reservation ids in the 201s")

    s = hf.stock_of(sku)
    hf.expect_eq((s["on_hand"], s["reserved"], s["available"]),
        (100, 100, 0), "(on_hand, reserved, available)")
    listed = hf.list_all("/api/v1/reservations?sku=%s" % hf.sku_path(sku),
        hf.inv_admin())
    hf.expect_eq(sorted(x["id"] for x in listed), sorted(ids),
        "reservations listed for the SKU vs the 201s")
    hf.expect_eq(len(hf.ledger_of(sku=sku, type="reserve")), 100,
        "reserve ledger rows")
    _expect_reconciled(sku)


def test_crossing_and_repeated_sku_batches_never_oversell():
    hf.build_binary("holdfast-admin")
    a = hf.new_product(60)["sku"]
    b = hf.new_product(60)["sku"]
    clients, rounds = 32, 40
    keys = _keys(clients, clients * rounds * 2)
    patterns = [
        [(a, 1), (b, 1)],
        [(b, 1), (a, 1)],
        [(a, 1), (a, 1)],          # one SKU named twice: summed to 2
        [(b, 2), (a, 1), (b, 1)],  # b named twice around a
        [(b, 1), (b, 1)],
    ]
    tally = _Tally()
    kept = collections.Counter()       # units still reserved, per SKU
    committed = collections.Counter()  # units committed (deducted)

    def work(i):
        client = hf.KeepAliveClient(keys[i])
        try:
            for j in range(rounds):
                items = patterns[(i + j) % len(patterns)]
                r = client.request("POST", "/api/v1/reservations",
                    {"type": "cart", "items": [{"sku": s, "quantity": q}
                    for s, q in items]})
                tally.add(r, r.status == 201 or _is_short(r))
                if r.status != 201:
                    continue
                units = collections.Counter()
                for s, q in items:
                    units[s] += q
                ref = r.json["data"]["reference_id"]
                action = ("release", "commit", None)[j % 3]
                if action:
                    r2 = client.request("POST", "/api/v1/reservations/%s"
                        % action, {"reference_id": ref})
                    tally.add(r2, r2.status == 200)
                    if r2.status != 200:
                        action = "failed"
                with tally.lock:
                    if action == "commit":
                        committed.update(units)
                    elif action is None or action == "failed":
                        kept.update(units)
        except Exception as e:
            tally.crash(e)
        finally:
            client.close()

    elapsed = _run(clients, work)
    what = "%d clients x %d crossing batches" % (clients, rounds)
    tally.check_no_crash_no_5xx(what)
    hf.check(tally.counts[(201, None)] > 0, "no batch was reserved at all "
        "(%s)" % tally.describe())

    for sku in (a, b):
        s = hf.stock_of(sku)
        hf.check(0 <= s["reserved"] <= s["on_hand"], "oversold %s: "
            "on_hand %d, reserved %d" % (sku, s["on_hand"], s["reserved"]))
        hf.expect_eq((s["on_hand"], s["reserved"]),
            (60 - committed[sku], kept[sku]), "(on_hand, reserved) of %s vs "
            "what the clients were told (answers: %s; %.1fs)" % (sku,
            tally.describe(), elapsed))
        active = hf.list_all("/api/v1/reservations?sku=%s&status=active"
            % hf.sku_path(sku), hf.inv_admin())
        hf.expect_eq(sum(x["quantity"] for x in active), kept[sku],
            "units of active reservations of %s" % sku)
        _expect_reconciled(sku)
    # last, so that the invariants above are known to hold when it fails:
    # rows are locked in SKU order, so no batch may lose to a deadlock
    # (409 INV_004) or anything else but a shortage
    tally.check_clean(what)
