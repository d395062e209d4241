"""Issue 13 item 7: holdfast-expire's batched sweep.

The sweep frees the expired reservations of a chunk of products in one
short transaction (src/svc/expire.c, svc_expire_bulk): their stock rows
locked in SKU order, then their places, then their reservations; one
`release` row each with the location's after-values. Holds' reservations
still lapse one by one with their holds (the unit to the next in line),
and unpaid orders past their TTL still expire first, with their lines.

Here: one run frees many expired reservations of every type (cart lines at
three places, an order's, a hold's, a cart line whose unit is owed to a
waiting hold) with small chunks (--batch 5: several transactions per
product), and the stock, the ledger (per place, row by row) and reconcile
are right, the live ones untouched; a client committing reservations
while the sweep expires them gets each either committed or expired, never
both, over many rounds; and a sweep killed (SIGKILL) between chunks leaves
every reservation either whole or ended, reconcile clean, and the next run
finishes the work.
"""

import collections
import re
import threading
import time
import uuid

import hf
from hf import lend, shop

L = lend.Lending("b4")
EXPIRE_RE = re.compile(r"expire: released (\d+), skipped (\d+)")


def _biz():
    return L.biz()


def _admin():
    return hf.inv_admin()


def _location(tag, priority):
    """A new place after main in allocation order (priority 2000 and up:
    other modules' allocation is not changed by it)."""
    code = "b4-%s-%s" % (tag, uuid.uuid4().hex[:8])
    r = hf.call("POST", "/api/v1/locations", {"code": code, "name": "B4 "
        + tag, "priority": priority}, token=_admin())
    hf.expect_success(r, 201)
    return code


def _restock(sku, qty, location=None):
    body = {"quantity": qty}
    if location is not None:
        body["location"] = location
    hf.expect_success(hf.call("POST", "/api/v1/stock/%s/restock"
        % hf.sku_path(sku), body, token=_admin()))


def _reserve(lines, ref=None, ttl=900):
    """POST /reservations, lines [(sku, qty, location or None)]; the
    reservations made, one per line."""
    items = []
    for sku, qty, loc in lines:
        item = {"sku": sku, "quantity": qty}
        if loc is not None:
            item["location"] = loc
        items.append(item)
    body = {"type": "cart", "items": items, "ttl_seconds": ttl}
    if ref is not None:
        body["reference_id"] = ref
    r = hf.call("POST", "/api/v1/reservations", body, token=_biz())
    got = hf.expect_success(r, 201)["reservations"]
    hf.expect_eq(len(got), len(lines), "reservations made", r)
    return got


def _age(ids, delta="- INTERVAL 1 SECOND"):
    """Root SQL: move the expiry of reservations ids (still active) to
    NOW(3) <delta>, as if their TTL had run out (the API's TTL is whole
    seconds)."""
    for i in range(0, len(ids), 500):
        part = ids[i:i + 500]
        hf.db_rows("UPDATE reservations SET expires_at = NOW(3) %s "
            "WHERE status = 'active' AND id IN (%s)" % (delta,
            ",".join(str(int(x)) for x in part)))


def _run_expire(*args):
    p = hf.run_program("holdfast-expire", *args, timeout=300)
    hf.expect_eq(p.returncode, 0, "holdfast-expire %s exit status (stdout "
        "%r, stderr %r)" % (" ".join(args), p.stdout[-300:],
        p.stderr[-500:]))
    m = EXPIRE_RE.search(p.stdout)
    hf.check(m, "holdfast-expire printed %r" % p.stdout[-300:])
    return int(m.group(1)), p.stdout


def _statuses(ids):
    """{id: (status, location_id, quantity)} by root SQL."""
    got = {}
    for i in range(0, len(ids), 1000):
        part = ids[i:i + 1000]
        for rid, status, loc, qty in hf.db_rows("SELECT id, status, "
                "location_id, quantity FROM reservations WHERE id IN (%s)"
                % ",".join(str(int(x)) for x in part)):
            got[int(rid)] = (status, int(loc), int(qty))
    return got


def _endings(ids):
    """{reservation id: [(type, reason, reference_type, reserved_delta,
    on_hand_delta, location_id)]} of the rows that end them."""
    got = collections.defaultdict(list)
    for i in range(0, len(ids), 1000):
        part = ids[i:i + 1000]
        for rid, typ, reason, rtype, rd, od, loc in hf.db_rows(
                "SELECT reservation_id, type, reason, reference_type, "
                "reserved_delta, on_hand_delta, location_id FROM ledger "
                "WHERE type IN ('deduct', 'release') AND reservation_id "
                "IN (%s) ORDER BY id" % ",".join(str(int(x))
                for x in part)):
            got[int(rid)].append((typ, reason, rtype, int(rd), int(od),
                int(loc)))
    return got


def _places(sku):
    """{code: (on_hand, reserved)} of GET /stock/{sku}, places with
    anything; the product's sums checked against them."""
    s = hf.stock_of(sku, _biz())
    got = {p["location"]: (p["on_hand"], p["reserved"])
        for p in s["locations"]}
    hf.expect_eq((sum(v[0] for v in got.values()), sum(v[1]
        for v in got.values())), (s["on_hand"], s["reserved"]),
        "%s: the product's on_hand and reserved vs its places" % sku)
    return {k: v for k, v in got.items() if v != (0, 0)}


def _ledger_clean(sku):
    """Per place, each ledger row's after-values are the running sums of
    the deltas before it (oldest first), the last ones are the place's
    values now; and reconcile is clean. The rows are read by root SQL
    (the ledger's list is the API's, tested elsewhere, and slow on a
    stack with a long history)."""
    rows = hf.db_rows("SELECT l.id, lo.code, l.on_hand_delta, "
        "l.reserved_delta, l.on_hand_after, l.reserved_after FROM ledger l "
        "JOIN locations lo ON lo.id = l.location_id WHERE l.product_id = "
        "(SELECT id FROM products WHERE sku = %s) ORDER BY l.id"
        % hf.sql_str(sku))
    sums = collections.defaultdict(lambda: [0, 0])
    for rid, loc, od, rd, oa, ra in rows:
        s = sums[loc]
        s[0] += int(od)
        s[1] += int(rd)
        hf.expect_eq((int(oa), int(ra)), tuple(s), "%s: ledger row %s's "
            "after-values at %s vs the running sums" % (sku, rid, loc))
    hf.expect_eq(_places(sku), {k: tuple(v) for k, v in sums.items()
        if tuple(v) != (0, 0)}, "%s: places vs the ledger" % sku)
    data = hf.reconcile_api(sku, _biz())
    hf.check(data["ok"], "reconcile of %s: %r" % (sku, data["mismatches"]))


def _location_ids():
    """{code: id} of every location (root SQL: the API names places by
    code only)."""
    return {code: int(i) for code, i in hf.db_rows("SELECT code, id FROM "
        "locations")}


def _hold(user, sku):
    r = hf.call("POST", "/api/v1/holds", {"sku": sku}, token=user["token"])
    return hf.expect_success(r, 201)


def _get_hold(user, hid):
    return hf.expect_success(hf.call("GET", "/api/v1/holds/%s" % hid,
        token=user["token"]))


def _lapse(hold_id):
    hf.db_rows("UPDATE holds h JOIN reservations r ON r.id = "
        "h.reservation_id SET h.pickup_until = NOW(3) - INTERVAL 1 SECOND, "
        "r.expires_at = NOW(3) - INTERVAL 1 SECOND WHERE h.id = %d "
        "AND h.status = 'ready'" % int(hold_id))


# ---------------------------------------------------------------- tests

def test_one_run_frees_expired_reservations_of_every_type():
    hf.build_binary("holdfast-expire")
    b, c = _location("b", 2000), _location("c", 2001)
    loc_ids = _location_ids()
    skus = [hf.new_product(0)["sku"] for _ in range(3)]
    for sku in skus:
        _restock(sku, 50)
        _restock(sku, 40, b)
        _restock(sku, 30, c)
    start = {sku: _places(sku) for sku in skus}

    # cart lines: four rounds at each place, one line per SKU; the first
    # three rounds expire, the fourth stays live
    expired, live = [], []
    for rnd in range(4):
        for loc in (None, b, c):
            got = _reserve([(sku, 1 + (rnd + i) % 3, loc)
                for i, sku in enumerate(skus)])
            (live if rnd == 3 else expired).extend(got)
    # an unpaid order past its TTL, and one whose lines alone ran out
    o1 = shop.order([(skus[0], 2), (skus[1], 1)])
    o2 = shop.order([(skus[2], 3)])
    shop.age(o1)
    o2_res = [int(x[0]) for x in hf.db_rows("SELECT id FROM reservations "
        "WHERE reference_id = %s" % hf.sql_str(o2["reference_id"]))]
    _age(o2_res)
    # a cart line whose unit is owed to the waiting holds once it expires
    h_sku = hf.new_product(1)["sku"]
    (h_cart,) = _reserve([(h_sku, 1, None)])
    u1, u2 = L.new_user(), L.new_user()
    w1, w2 = _hold(u1, h_sku), _hold(u2, h_sku)
    # a ready hold left uncollected: its unit goes to the next in line
    r_sku = hf.new_product(1)["sku"]
    u3, u4, u5 = L.new_user(), L.new_user(), L.new_user()
    loan = lend.borrow_one(u3, r_sku)
    w3, w4 = _hold(u4, r_sku), _hold(u5, r_sku)
    hf.expect_success(hf.call("POST", "/api/v1/loans/%s/return"
        % loan["id"], token=u3["token"]))
    hf.expect_eq(_get_hold(u4, w3["id"])["status"], "ready", "the first "
        "in line after the return")
    ready_res = _get_hold(u4, w3["id"])["reservation_id"]
    _lapse(w3["id"])
    _age([x["id"] for x in expired] + [h_cart["id"]])

    released, out = _run_expire("--batch", "5")
    ours = [x["id"] for x in expired] + o2_res + [h_cart["id"]]
    hf.check(released >= len(ours), "released %d, but %d of this test's "
        "reservations were due: %r" % (released, len(ours), out))

    # every expired cart line (and o2's, and the hold's cart line): one
    # release of its units at its place, reason expired
    st = _statuses(ours + [x["id"] for x in live])
    ends = _endings(ours + [x["id"] for x in live])
    wrong = []
    for x in expired + [h_cart]:
        loc = loc_ids[x["location"]]
        if st[x["id"]][0] != "expired" or ends[x["id"]] != [("release",
                "expired", "reservation", -x["quantity"], 0, loc)]:
            wrong.append((x["id"], st[x["id"]], ends[x["id"]]))
    for rid in o2_res:
        if st[rid][0] != "expired" or len(ends[rid]) != 1 or \
                ends[rid][0][:3] != ("release", "expired", "reservation"):
            wrong.append((rid, st[rid], ends[rid]))
    for x in live:
        if st[x["id"]][0] != "active" or ends[x["id"]]:
            wrong.append((x["id"], st[x["id"]], ends[x["id"]]))
    hf.check(not wrong, "after one run, reservations not as they should "
        "be (id, status, ending rows):\n  %s" % "\n  ".join(map(repr,
        wrong[:10])))

    # the places hold what the live lines hold, nothing more
    held = collections.defaultdict(lambda: collections.Counter())
    for x in live:
        held[x["sku"]][x["location"]] += x["quantity"]
    for sku in skus:
        want = {k: (v[0], held[sku][k]) for k, v in start[sku].items()}
        hf.expect_eq(_places(sku), want, "%s: places after the sweep" % sku)
        _ledger_clean(sku)

    # the orders: o1 expired with its lines (rows naming it); o2 still
    # unpaid, its line expired: paying it is refused, and expires it
    hf.expect_eq(shop.get_order(o1["id"])["status"], "expired", "order o1")
    rows = [x for x in shop.order_ledger(o1["id"]) if x["type"] in
        ("release", "deduct")]
    hf.expect_eq(sorted((x["sku"], x["type"], x["reserved_delta"])
        for x in rows), sorted([(skus[0], "release", -2), (skus[1],
        "release", -1)]), "rows naming order o1")
    hf.expect_error(shop.act(o2["id"], "pay"), 409, "ORD_003")
    hf.expect_eq(shop.get_order(o2["id"])["status"], "expired", "order o2")

    # the hold queue: the expired cart line's unit went to the first
    # waiting hold; the lapsed ready hold's to the next in line
    hf.expect_eq(_get_hold(u1, w1["id"])["status"], "ready", "first "
        "waiting hold on the freed unit")
    hf.expect_eq(_get_hold(u2, w2["id"])["status"], "waiting", "second")
    hf.expect_eq(_get_hold(u4, w3["id"])["status"], "expired", "the "
        "uncollected hold")
    hf.expect_eq(_statuses([ready_res])[ready_res][0], "expired",
        "its reservation")
    hf.expect_eq(_get_hold(u5, w4["id"])["status"], "ready", "the next "
        "in line after the lapse")
    for sku in (h_sku, r_sku):
        _ledger_clean(sku)
        s = hf.stock_of(sku, _biz())
        hf.expect_eq((s["on_hand"], s["reserved"]), (1, 1), "%s: the "
            "unit held for the hold" % sku)


def test_a_commit_racing_the_sweep_is_committed_or_expired_never_both():
    hf.build_binary("holdfast-expire")
    skus = [hf.new_product(500)["sku"] for _ in range(2)]
    outcomes = collections.Counter()
    all_ids, answers = [], {}
    for rnd in range(12):
        res = []
        for _ in range(3):
            res.extend(_reserve([(sku, 1, None) for sku in skus]))
        ids = [x["id"] for x in res]
        all_ids.extend(ids)
        # expiring 0.3 s from now, by the database's clock; commits go
        # from 0.1 s to 0.5 s, the sweep starts at 0.25 s
        _age(ids, "+ INTERVAL 0.3 SECOND")
        t0 = time.time()
        got = {}

        def commit(rid, at):
            delay = t0 + at - time.time()
            if delay > 0:
                time.sleep(delay)
            r = hf.call("POST", "/api/v1/reservations/%d/commit" % rid,
                token=_biz())
            got[rid] = (r.status, (r.json or {}).get("error"))

        threads = [threading.Thread(target=commit, args=(rid, 0.1 + 0.4 *
            i / max(1, len(ids) - 1))) for i, rid in enumerate(ids)]
        for t in threads:
            t.start()
        delay = t0 + 0.25 - time.time()
        if delay > 0:
            time.sleep(delay)
        proc = hf.start_program("holdfast-expire", "--batch", "2")
        for t in threads:
            t.join(30)
        out, err = proc.communicate(timeout=120)
        hf.expect_eq(proc.returncode, 0, "holdfast-expire (round %d): %r"
            % (rnd, (out + err)[-400:]))
        answers.update(got)
    time.sleep(0.4)
    _run_expire()          # whatever a refused commit left: expired now
    st = _statuses(all_ids)
    ends = _endings(all_ids)
    wrong = []
    committed = 0
    for rid in all_ids:
        status, error = answers.get(rid, (None, None))
        e = [x[0] for x in ends[rid]]
        if status == 200:
            ok = st[rid][0] == "committed" and e == ["deduct"]
            outcomes["committed"] += 1
            committed += 1
        else:
            ok = status in (400, 409) and error in ("INV_003",
                "INV_007") and st[rid][0] == "expired" and e == ["release"]
            outcomes["expired"] += 1
        if not ok:
            wrong.append((rid, status, error, st[rid][0], ends[rid]))
    hf.check(not wrong, "a reservation both committed and expired, or "
        "neither (id, commit answer, error, status, ending rows):\n  %s"
        % "\n  ".join(map(repr, wrong[:10])))
    hf.check(outcomes["committed"] and outcomes["expired"], "the race was "
        "not run: every commit went one way (%r)" % dict(outcomes))
    for sku in skus:
        s = hf.stock_of(sku, _biz())
        hf.expect_eq(s["reserved"], 0, "%s: reserved at the end" % sku)
        _ledger_clean(sku)
    hf.expect_eq(sum(500 - hf.stock_of(sku, _biz())["on_hand"]
        for sku in skus), committed, "units deducted vs commits answered "
        "200")


def test_a_sweep_killed_between_chunks_leaves_all_whole_and_the_next_run_finishes():
    hf.build_binary("holdfast-expire")
    skus = [hf.new_product(1000)["sku"] for _ in range(10)]
    ids = []
    for _ in range(40):
        ids.extend(x["id"] for x in _reserve([(sku, 1, None)
            for sku in skus]))
    _age(ids)
    n = len(ids)
    # --batch 1: one reservation a transaction, so the kill lands between
    # two of them (or in one, which the server then rolls back)
    proc = hf.start_program("holdfast-expire", "--batch", "1")
    sample = ",".join(str(x) for x in ids)
    done = 0
    deadline = time.time() + 60
    try:
        while time.time() < deadline:
            done = int(hf.db_rows("SELECT COUNT(*) FROM reservations WHERE "
                "status = 'expired' AND id IN (%s)" % sample)[0][0])
            if done >= 10 or proc.poll() is not None:
                break
            time.sleep(0.02)
    finally:
        proc.kill()
        proc.communicate()
    st = _statuses(ids)
    ends = _endings(ids)
    done = sum(1 for rid in ids if st[rid][0] == "expired")
    hf.check(0 < done < n, "the kill did not land mid-way: %d of %d "
        "expired" % (done, n))
    wrong = [(rid, st[rid], ends[rid]) for rid in ids
        if not ((st[rid][0] == "active" and not ends[rid]) or
            (st[rid][0] == "expired" and [x[:2] for x in ends[rid]] ==
            [("release", "expired")]))]
    hf.check(not wrong, "after the kill (%d of %d expired), reservations "
        "half done:\n  %s" % (done, n, "\n  ".join(map(repr, wrong[:10]))))
    for sku in skus:
        _ledger_clean(sku)
    left = [rid for rid in ids if st[rid][0] == "active"]
    released, _ = _run_expire()
    hf.check(released >= len(left), "the next run released %d, %d were "
        "left" % (released, len(left)))
    st = _statuses(ids)
    ends = _endings(ids)
    wrong = [(rid, st[rid], ends[rid]) for rid in ids
        if st[rid][0] != "expired" or len(ends[rid]) != 1]
    hf.check(not wrong, "after the next run:\n  %s" % "\n  ".join(
        map(repr, wrong[:10])))
    for sku in skus:
        s = hf.stock_of(sku, _biz())
        hf.expect_eq((s["on_hand"], s["reserved"]), (1000, 0), "%s after "
            "the next run" % sku)
        _ledger_clean(sku)
