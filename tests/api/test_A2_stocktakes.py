"""Stocktakes (issue 17, item 4): counting one location.

A stocktake starts at a mark (the largest ledger id then); the count is
compared with the stock at that mark, from the ledger's after-values at
the location, and the difference is added to the stock as it is at the
post, one `adjust` row per line that differs (reason `stocktake <id>`),
so moves made between the start and the post stay.  A stocktake may
freeze its location: every change there but a release and its own post
is refused with LOC_002 until it is posted or cancelled.

Every test makes its own locations (last in allocation order, so nothing
else lands there) and products, and checks the stock per location, the
ledger rows and reconcile afterwards.
"""

import collections
import json
import threading
import time
import uuid

import hf

API = "/api/v1"


# ---------------------------------------------------------------- helpers

def _admin():
    return hf.inv_admin()


def _biz():
    return hf.inv_business("a2")


def _location(tag="l"):
    code = "a2-%s-%s" % (tag, uuid.uuid4().hex[:8])
    r = hf.call("POST", API + "/locations", {"code": code, "name": "A2 "
        + tag, "kind": "store", "priority": 800000}, token=_admin())
    hf.expect_success(r, 201)
    return code


def _product_at(loc, qty, tag="A2"):
    """A fresh product with qty units restocked at loc; its SKU."""
    sku = hf.new_product(0, sku=hf.unique_sku(tag))["sku"]
    if qty:
        r = hf.call("POST", API + "/stock/%s/restock" % sku, {"quantity":
            qty, "location": loc}, token=_admin())
        hf.expect_success(r)
    return sku


def _at(sku, loc):
    """(on_hand, reserved) of sku at loc (0, 0 when it has no row)."""
    for p in hf.stock_of(sku).get("locations") or []:
        if p["location"].lower() == loc.lower():
            return p["on_hand"], p["reserved"]
    return 0, 0


def _start(loc, freeze=False, token=None, status=201, **kw):
    body = {"location": loc}
    if freeze:
        body["freeze"] = True
    body.update(kw)
    r = hf.call("POST", API + "/stocktakes", body, token=token or _admin())
    if status != 201:
        return r
    return hf.expect_success(r, 201)


def _counts(sid, lines, token=None, headers=None):
    return hf.call("PUT", API + "/stocktakes/%d/counts" % sid,
        {"lines": [{"sku": s, "counted": n} for s, n in lines]},
        token=token or _admin(), headers=headers)


def _act(sid, action, token=None, headers=None):
    return hf.call("POST", API + "/stocktakes/%d/%s" % (sid, action),
        token=token or _admin(), headers=headers)


def _get(sid):
    return hf.expect_success(hf.call("GET", API + "/stocktakes/%d" % sid,
        token=_admin()))


def _reconciled(*skus):
    for sku in skus:
        d = hf.reconcile_api(sku)
        hf.check(d["ok"], "reconcile of %s: %r" % (sku, d["mismatches"]))


def _rows_at(sku, loc):
    """The ledger rows of sku at loc, oldest first."""
    rows = [x for x in hf.ledger_of(sku=sku)
        if x["location"].lower() == loc.lower()]
    return sorted(rows, key=lambda x: x["id"])


def _stocktake_rows(sku, sid):
    return [x for x in hf.ledger_of(sku=sku)
        if x["reference_type"] == "stocktake" and
        x["reference_id"] == str(sid)]


def _reserve_at(sku, loc, qty, token=None):
    return hf.call("POST", API + "/reservations", {"type": "cart",
        "ttl_seconds": 3600, "items": [{"sku": sku, "quantity": qty,
        "location": loc}]}, token=token or _biz())


# ---------------------------------------------------------------- the count

def test_post_adds_count_minus_start_to_the_stock_now():
    """Counted against the stock at the start; moves after the start are
    kept; a matching line writes nothing; an uncounted product and the
    other locations are left alone."""
    loc = _location("basic")
    a = _product_at(loc, 10)
    b = _product_at(loc, 5)
    c = _product_at(loc, 4)
    hf.expect_success(hf.call("POST", API + "/stock/%s/restock" % b,
        {"quantity": 3, "location": "main"}, token=_admin()))
    st = _start(loc.upper(), note="aisle 1 to 3")
    sid = st["id"]
    hf.expect_eq((st["location"], st["status"], st["freeze"],
        st["line_count"], st["lines"], st["note"]), (loc, "open", False, 0,
        [], "aisle 1 to 3"), "a new stocktake")
    hf.check(isinstance(st["start_ledger_id"], int) and
        st["start_ledger_id"] >= max(x["id"] for x in _rows_at(c, loc)),
        "start_ledger_id %r is not the ledger's mark" % st["start_ledger_id"])
    # after the start: 2 of a leave, 1 of b arrives
    hf.expect_success(hf.call("POST", API + "/stock/%s/deduct" % a,
        {"quantity": 2, "location": loc}, token=_biz()))
    hf.expect_success(hf.call("POST", API + "/stock/%s/restock" % b,
        {"quantity": 1, "location": loc}, token=_biz()))

    d = hf.expect_success(_counts(sid, [(a.lower(), 9), (b, 5)]))
    lines = {x["sku"]: x for x in d["lines"]}
    hf.expect_eq(sorted(lines), sorted([a, b]), "lines (SKUs as stored)")
    hf.expect_eq((lines[a]["counted"], lines[a]["expected"],
        lines[a]["variance"], lines[a]["ledger_id"]), (9, 10, -1, None),
        "line a before the post (expected: the stock at the start)")
    hf.expect_eq((lines[b]["expected"], lines[b]["variance"]), (5, 0),
        "line b before the post")
    hf.expect_eq(_get(sid)["lines"], d["lines"], "GET shows the review")

    d = hf.expect_success(_act(sid, "post"))
    hf.expect_eq(d["status"], "posted", "status after the post")
    hf.check(d["posted_at"] and d["closed_by"], "posted_at and closed_by "
        "are set: %r" % d)
    lines = {x["sku"]: x for x in d["lines"]}
    hf.expect_eq(_at(a, loc), (7, 0), "a at the location: 9 counted, 2 "
        "deducted after the start")
    hf.expect_eq(_at(b, loc), (6, 0), "b at the location: 5 counted, 1 "
        "restocked after the start")
    hf.expect_eq(_at(b, "main"), (3, 0), "b at main: not counted here")
    hf.expect_eq(_at(c, loc), (4, 0), "c: not counted, left alone")
    rows = _stocktake_rows(a, sid)
    hf.expect_eq(len(rows), 1, "stocktake rows of a")
    row = rows[0]
    hf.expect_eq((row["type"], row["on_hand_delta"], row["reserved_delta"],
        row["on_hand_after"], row["reason"], row["location"]),
        ("adjust", -1, 0, 7, "stocktake %d" % sid, loc), "a's adjust row")
    hf.expect_eq(lines[a]["ledger_id"], row["id"], "line a names its row")
    hf.expect_eq((lines[b]["variance"], lines[b]["ledger_id"]), (0, None),
        "a matching line writes no row")
    hf.expect_eq(_stocktake_rows(b, sid) + _stocktake_rows(c, sid), [],
        "rows for b and c")
    r = hf.call("GET", API + "/ledger/%d" % row["id"], token=_biz())
    hf.expect_eq(hf.expect_success(r)["reference_type"], "stocktake",
        "GET /ledger/{id} of the row")
    _reconciled(a, b, c)

    listed = hf.expect_success(hf.call("GET", API + "/stocktakes?location="
        "%s&status=posted" % loc.upper(), token=_admin()))
    hf.expect_eq([x["id"] for x in listed["items"]], [sid],
        "GET /stocktakes?location&status")
    hf.check("lines" not in listed["items"][0], "a listed stocktake "
        "carries no lines")
    hf.expect_eq(listed["items"][0]["line_count"], 2, "its line_count")


def test_counts_replace_the_sheet_and_an_empty_sheet_posts_nothing():
    loc = _location("sheet")
    a = _product_at(loc, 3)
    b = _product_at(loc, 3)
    sid = _start(loc)["id"]
    hf.expect_success(_counts(sid, [(a, 1), (b, 2)]))
    d = hf.expect_success(_counts(sid, [(b, 4)]))
    hf.expect_eq([(x["sku"], x["counted"]) for x in d["lines"]], [(b, 4)],
        "the second sheet replaced the first")
    d = hf.expect_success(_counts(sid, []))
    hf.expect_eq((d["lines"], d["line_count"]), ([], 0), "an empty sheet")
    d = hf.expect_success(_act(sid, "post"))
    hf.expect_eq(d["status"], "posted", "an empty stocktake posts")
    hf.expect_eq((_at(a, loc), _at(b, loc)), ((3, 0), (3, 0)),
        "nothing counted, nothing moved")
    hf.expect_eq(_stocktake_rows(a, sid) + _stocktake_rows(b, sid), [],
        "no adjust rows")


def test_product_never_at_the_location_counts_from_zero():
    loc = _location("new")
    other = _location("other")
    a = _product_at(other, 2)
    sid = _start(loc)["id"]
    d = hf.expect_success(_counts(sid, [(a, 3)]))
    hf.expect_eq((d["lines"][0]["expected"], d["lines"][0]["variance"]),
        (0, 3), "expected for a product never at the location")
    hf.expect_success(_act(sid, "post"))
    hf.expect_eq((_at(a, loc), _at(a, other)), ((3, 0), (2, 0)),
        "found units land at the counted location only")
    _reconciled(a)


# ---------------------------------------------------------------- concurrency

def test_post_while_reservations_and_deducts_run_loses_no_move():
    """Clients reserve, commit, release, deduct and restock at the
    location before, during and after the post; afterwards every product
    there holds exactly counted + the moves after the start."""
    loc = _location("busy")
    skus = [_product_at(loc, 500) for _ in range(4)]
    counted = {skus[0]: 495, skus[1]: 503, skus[2]: 500, skus[3]: 480}
    st = _start(loc)
    sid, mark = st["id"], st["start_ledger_id"]
    keys = [hf.new_api_key("business") for _ in range(2)]
    stop = threading.Event()
    tally = collections.Counter()
    odd, errors = [], []
    lock = threading.Lock()

    def work(i):
        client = hf.KeepAliveClient(keys[i % len(keys)])
        n = 0
        try:
            while not stop.is_set():
                sku = skus[(i + n) % len(skus)]
                kind = (i + n) % 4
                n += 1
                if kind == 0:
                    r = client.request("POST", API + "/stock/%s/deduct"
                        % sku, {"quantity": 1, "location": loc})
                elif kind == 1:
                    r = client.request("POST", API + "/stock/%s/restock"
                        % sku, {"quantity": 2, "location": loc})
                else:
                    r = client.request("POST", API + "/reservations",
                        {"type": "cart", "ttl_seconds": 3600, "items":
                        [{"sku": sku, "quantity": 1, "location": loc}]})
                    if r.status == 201:
                        rid = r.json["data"]["reservations"][0]["id"]
                        # commit half, leave some active, release the rest
                        act = ("commit", None, "release")[n % 3]
                        if act:
                            r2 = client.request("POST", API +
                                "/reservations/%d/%s" % (rid, act))
                            with lock:
                                tally[(act, r2.status)] += 1
                                if r2.status != 200 and len(odd) < 3:
                                    odd.append(r2)
                with lock:
                    tally[(kind, r.status)] += 1
                    if r.status not in (200, 201) and len(odd) < 3:
                        odd.append(r)
        except Exception as e:
            with lock:
                errors.append(e)
        finally:
            client.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    try:
        time.sleep(1.0)
        hf.expect_success(_counts(sid, list(counted.items())))
        time.sleep(0.5)
        posted = hf.expect_success(_act(sid, "post"))
        time.sleep(1.0)
    finally:
        stop.set()
        for t in threads:
            t.join(60)
    hf.check(not errors, "a client failed: %s" % (errors[:1],))
    hf.check(not odd, "unexpected answers (%s); first:\n%s" % (dict(tally),
        odd[0].describe() if odd else ""))
    moves = sum(v for k, v in tally.items())
    hf.check(moves > 40, "too few moves ran alongside (%d)" % moves)

    lines = {x["sku"]: x for x in posted["lines"]}
    before = after = 0
    for sku in skus:
        rows = _rows_at(sku, loc)
        mine = [x for x in rows if x["reference_type"] == "stocktake" and
            x["reference_id"] == str(sid)]
        at_mark = [x for x in rows if x["id"] <= mark]
        expected = at_mark[-1]["on_hand_after"] if at_mark else 0
        later = [x for x in rows if x["id"] > mark and x not in mine]
        before += len([x for x in later if not mine or x["id"] <
            mine[0]["id"]])
        after += len([x for x in later if mine and x["id"] > mine[0]["id"]])
        variance = counted[sku] - expected
        hf.expect_eq((lines[sku]["expected"], lines[sku]["variance"]),
            (expected, variance), "%s: expected and variance against the "
            "ledger at the mark" % sku)
        hf.expect_eq([x["on_hand_delta"] for x in mine],
            [variance] if variance else [], "%s: the post's adjust rows"
            % sku)
        on_hand, _ = _at(sku, loc)
        hf.expect_eq(on_hand, counted[sku] + sum(x["on_hand_delta"]
            for x in later), "%s: on_hand at the location = counted + the "
            "moves after the start (%d of them)" % (sku, len(later)))
        hf.expect_eq(on_hand, rows[-1]["on_hand_after"], "%s: the last "
            "ledger row's after-value" % sku)
    hf.check(before > 0 and after > 0, "moves ran between the start and the "
        "post (%d) and after the post (%d)" % (before, after))
    print("stocktake under load: %d moves at the location; ledger rows there: %d between the "
        "start and the post, %d after it; answers %s" % (moves, before,
        after, dict(tally)))
    _reconciled(*skus)


def test_two_starts_at_once_open_one():
    loc = _location("race")
    results = []
    lock = threading.Lock()

    def go():
        r = hf.call("POST", API + "/stocktakes", {"location": loc},
            token=_admin())
        with lock:
            results.append(r)

    threads = [threading.Thread(target=go) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    ok = [r for r in results if r.status == 201]
    hf.expect_eq(len(ok), 1, "201 answers of 8 starts at once (%s)"
        % sorted(r.status for r in results))
    sid = ok[0].json["data"]["id"]
    for r in results:
        if r.status != 201:
            b = hf.expect_error(r, 409, "STK_002")
            hf.expect_eq(b["details"]["stocktake_id"], sid,
                "STK_002 names the open stocktake", r)
    listed = hf.expect_success(hf.call("GET", API + "/stocktakes?location="
        + loc, token=_admin()))
    hf.expect_eq(listed["total"], 1, "stocktakes at the location")


def test_two_posts_at_once_post_once():
    loc = _location("post2")
    a = _product_at(loc, 10)
    sid = _start(loc)["id"]
    hf.expect_success(_counts(sid, [(a, 7)]))
    results = []
    lock = threading.Lock()

    def go():
        r = _act(sid, "post")
        with lock:
            results.append(r)

    threads = [threading.Thread(target=go) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    hf.expect_eq(sorted(r.status for r in results), [200, 409, 409, 409],
        "statuses of 4 posts at once")
    for r in results:
        if r.status == 409:
            hf.expect_error(r, 409, "STK_001")
    hf.expect_eq(len(_stocktake_rows(a, sid)), 1, "adjust rows")
    hf.expect_eq(_at(a, loc), (7, 0), "a after one post")
    _reconciled(a)


# ---------------------------------------------------------------- states

def test_second_open_stocktake_and_ended_states():
    loc = _location("state")
    a = _product_at(loc, 4)
    sid = _start(loc)["id"]
    for spelling in (loc, loc.upper(), loc.capitalize()):
        r = _start(spelling, status=409)
        b = hf.expect_error(r, 409, "STK_002")
        hf.expect_eq((b["details"]["location"], b["details"]["stocktake_id"]),
            (loc, sid), "STK_002 details", r)
    hf.expect_success(_counts(sid, [(a, 4)]))
    hf.expect_success(_act(sid, "post"))
    for what, r in (("post again", _act(sid, "post")),
            ("cancel a posted one", _act(sid, "cancel")),
            ("counts after the post", _counts(sid, [(a, 1)]))):
        b = hf.expect_error(r, 409, "STK_001")
        hf.expect_eq((b["details"]["stocktake_id"], b["details"]["status"]),
            (sid, "posted"), what, r)
    hf.expect_eq(_get(sid)["lines"][0]["counted"], 4, "the posted sheet "
        "is unchanged")
    # a new one can start once it ended; a cancelled one is ended too
    sid2 = _start(loc)["id"]
    d = hf.expect_success(_act(sid2, "cancel"))
    hf.expect_eq((d["status"], d["posted_at"] is None,
        d["cancelled_at"] is not None), ("cancelled", True, True),
        "a cancelled stocktake")
    hf.expect_error(_act(sid2, "post"), 409, "STK_001")
    hf.expect_eq(_at(a, loc), (4, 0), "nothing moved")
    _start(loc)
    for bad in ("999999999999", "0", "abc", "-1"):
        r = hf.call("POST", API + "/stocktakes/%s/post" % bad,
            token=_admin())
        hf.expect_error(r, 404, "REQ_011")
    hf.expect_error(hf.call("GET", API + "/stocktakes/999999999999",
        token=_admin()), 404, "REQ_011")


def test_start_refusals():
    hf.expect_error(_start("a2-nowhere-%s" % uuid.uuid4().hex[:6],
        status=404), 404, "LOC_001")
    loc = _location("inactive")
    hf.expect_success(hf.call("PATCH", API + "/locations/" + loc,
        {"is_active": False}, token=_admin()))
    hf.expect_error(_start(loc, status=409), 409, "LOC_004")
    loc = _location("caps")
    for body in ({"location": loc, "note": "n" * 1001},
            {"location": loc + " "}, {"location": "x" * 33},
            {"location": loc, "freeze": "yes"}, {"location": loc,
            "start_ledger_id": 1}, {}):
        r = hf.call("POST", API + "/stocktakes", body, token=_admin())
        hf.check(r.status in (400, 422), "POST /stocktakes %r: %d" %
            (body, r.status), r)
    hf.expect_success(hf.call("POST", API + "/stocktakes", {"location": loc,
        "note": "n" * 1000}, token=_admin()), 201)


def test_post_refused_when_the_count_leaves_less_than_reserved():
    loc = _location("resv")
    a = _product_at(loc, 5)
    b = _product_at(loc, 5)
    r = _reserve_at(a, loc, 4)
    rid = hf.expect_success(r, 201)["reservations"][0]["id"]
    sid = _start(loc)["id"]
    hf.expect_success(_counts(sid, [(a, 2), (b, 1)]))
    r = _act(sid, "post")
    body = hf.expect_error(r, 409, "STK_003")
    hf.expect_eq(body["details"]["lines"], [{"sku": a, "requested": 3,
        "available": 1}], "STK_003 names the line: 3 to take off, 1 free",
        r)
    hf.expect_eq((body["details"]["location"],
        body["details"]["stocktake_id"]), (loc, sid), "STK_003 details", r)
    hf.expect_eq((_at(a, loc), _at(b, loc)), ((5, 4), (5, 0)),
        "nothing moved, b included (all or none)")
    hf.expect_eq(_get(sid)["status"], "open", "still open")
    hf.expect_success(hf.call("POST", API + "/reservations/%d/release" %
        rid, token=_biz()))
    hf.expect_success(_act(sid, "post"))
    hf.expect_eq((_at(a, loc), _at(b, loc)), ((2, 0), (1, 0)),
        "posted once the reservation was released")
    _reconciled(a, b)


# ---------------------------------------------------------------- freeze

def test_frozen_location_refuses_moves_and_allows_releases():
    loc = _location("frz")
    a = _product_at(loc, 10)
    only_here = _product_at(loc, 3)
    hf.expect_success(hf.call("POST", API + "/stock/%s/restock" % a,
        {"quantity": 5, "location": "main"}, token=_admin()))
    r1 = hf.expect_success(_reserve_at(a, loc, 2), 201)["reservations"][0]
    r2 = hf.expect_success(_reserve_at(a, loc, 1), 201)["reservations"][0]
    st = _start(loc, freeze=True)
    sid = st["id"]
    hf.expect_eq(st["freeze"], True, "freeze")
    d = hf.expect_success(hf.call("GET", API + "/locations/" + loc,
        token=_admin()))
    hf.expect_eq(d["frozen_by"], sid, "the location's frozen_by")
    n_rows = len(_rows_at(a, loc))

    def frozen(r, what):
        b = hf.expect_error(r, 409, "LOC_002")
        hf.expect_eq((b["details"]["location"],
            b["details"]["stocktake_id"]), (loc, sid),
            "%s: LOC_002 names the location and the stocktake" % what, r)

    adm, biz = _admin(), _biz()
    frozen(hf.call("POST", API + "/stock/%s/restock" % a, {"quantity": 1,
        "location": loc}, token=biz), "restock")
    frozen(hf.call("POST", API + "/stock/%s/deduct" % a, {"quantity": 1,
        "location": loc.upper()}, token=biz), "deduct")
    frozen(hf.call("POST", API + "/stock/%s/adjust" % a, {"delta": 1,
        "reason": "t", "location": loc}, token=adm), "adjust")
    frozen(_reserve_at(a, loc, 1), "reserve naming it")
    frozen(hf.call("POST", API + "/orders", {"items": [{"sku": a,
        "quantity": 1, "location": loc}]}, token=biz), "order naming it")
    frozen(hf.call("POST", API + "/reservations/%d/commit" % r2["id"],
        token=biz), "commit of a reservation held there")
    # allocation passes it by: a is taken at main, only_here is short
    r = hf.call("POST", API + "/reservations", {"type": "cart",
        "items": [{"sku": a, "quantity": 1}]}, token=biz)
    v = hf.expect_success(r, 201)["reservations"][0]
    hf.expect_eq(v["location"], "main", "allocation skips the frozen place")
    hf.expect_success(hf.call("POST", API + "/reservations/%d/release"
        % v["id"], token=biz))
    r = hf.call("POST", API + "/reservations", {"type": "cart",
        "items": [{"sku": only_here, "quantity": 1}]}, token=biz)
    b = hf.expect_error(r, 400, "INV_002")
    hf.expect_eq(b["details"]["lines"][0].get("locations"), [],
        "a frozen place offers nothing", r)
    # a release is let through
    hf.expect_success(hf.call("POST", API + "/reservations/%d/release"
        % r1["id"], token=biz))
    rows = _rows_at(a, loc)
    hf.expect_eq([x["type"] for x in rows[n_rows:]], ["release"],
        "the only row written at the frozen location")
    hf.expect_eq(_at(a, loc), (10, 1), "a at the location")

    # cancelling thaws it
    hf.expect_success(_act(sid, "cancel"))
    d = hf.expect_success(hf.call("GET", API + "/locations/" + loc,
        token=_admin()))
    hf.expect_eq(d["frozen_by"], None, "frozen_by after the cancel")
    hf.expect_success(hf.call("POST", API + "/stock/%s/restock" % a,
        {"quantity": 1, "location": loc}, token=biz))
    # posting thaws it too, and the post itself passes the freeze
    sid = _start(loc, freeze=True)["id"]
    hf.expect_success(_counts(sid, [(a, 12), (only_here, 3)]))
    frozen(hf.call("POST", API + "/stock/%s/deduct" % only_here,
        {"quantity": 1, "location": loc}, token=biz), "deduct, again")
    d = hf.expect_success(_act(sid, "post"))
    hf.expect_eq([(x["sku"], x["variance"]) for x in d["lines"]
        if x["sku"] == a], [(a, 1)], "a's variance (11 there at the start)")
    hf.expect_eq(_at(a, loc), (12, 1), "a after the post")
    d = hf.expect_success(hf.call("GET", API + "/locations/" + loc,
        token=_admin()))
    hf.expect_eq(d["frozen_by"], None, "frozen_by after the post")
    hf.expect_success(hf.call("POST", API + "/reservations/%d/commit"
        % r2["id"], token=biz))
    hf.expect_eq(_at(a, loc), (11, 0), "the commit once thawed")
    _reconciled(a, only_here)


# ---------------------------------------------------------------- bad sheets

def test_count_sheet_refusals_change_nothing():
    loc = _location("bad")
    a = _product_at(loc, 2)
    b = _product_at(loc, 2)
    sid = _start(loc)["id"]
    good = hf.expect_success(_counts(sid, [(a, 1)]))["lines"]

    def unchanged(what):
        hf.expect_eq(_get(sid)["lines"], good, "%s: the sheet" % what)

    ghost = hf.unique_sku("A2GHOST")
    ghost2 = hf.unique_sku("A2GHOST")
    r = _counts(sid, [(b, 1), (ghost, 1), (ghost2, 2)])
    body = hf.expect_error(r, 404, "INV_001")
    hf.expect_eq(sorted(x["sku"] for x in body["details"]["lines"]),
        sorted([ghost, ghost2]), "INV_001 names every unknown SKU", r)
    unchanged("unknown SKUs")
    for twice in ((a, a.lower()), (a, a.upper()), (b, b)):
        r = _counts(sid, [(twice[0], 1), (b if twice[0] != b else a, 1),
            (twice[1], 2)])
        hf.expect_field_error(r, 422, "REQ_010", "lines[2].sku")
        unchanged("the same SKU twice as %r" % (twice,))
    for n, code in ((-1, "INV_005"), (1000000001, "INV_005"),
            ("3", "INV_005"), (1.5, "INV_005"), (None, "REQ_010")):
        r = hf.call("PUT", API + "/stocktakes/%d/counts" % sid, {"lines":
            [{"sku": b, "counted": n}]}, token=_admin())
        hf.expect_error(r, 422, code)
        unchanged("counted %r" % (n,))
    for sku in (a + " ", " " + a, a + "\u00a0", "\uff21" + a[1:],
            a + "\u200b", a[:-1] + "%", ""):
        r = _counts(sid, [(sku, 1)])
        hf.expect_error(r, 422, "REQ_010")
        unchanged("SKU %r" % sku)
    for raw in (b'{"lines":[{"sku":"' + a.encode() + b'\xff","counted":1}]}',
            b'{"lines":[{"sku":"\xc0\xaf","counted":1}]}',
            b'{"lines":[{"sku":"' + a.encode() + b'","counted":1,'
            b'"note":"\xed\xa0\x80"}]}'):
        r = hf.request("PUT", API + "/stocktakes/%d/counts" % sid, body=raw,
            headers=hf.auth_header(_admin()),
            content_type="application/json")
        hf.check(r.status in (400, 422), "non-UTF-8 bytes: %d" % r.status,
            r)
        hf.expect_error_shape(r)
        unchanged("non-UTF-8 bytes")
    for body in ({"lines": [{"sku": b, "counted": 1, "expected": 1}]},
            {"lines": [{"sku": b}]}, {"lines": [{"counted": 1}]},
            {"lines": "x"}, {}, {"lines": [], "status": "posted"}):
        r = hf.call("PUT", API + "/stocktakes/%d/counts" % sid, body,
            token=_admin())
        hf.check(r.status in (400, 422), "%r: %d" % (body, r.status), r)
        unchanged("body %r" % (body,))
    r = _counts(sid, [(a, 1)] * 10001)
    hf.expect_field_error(r, 422, "REQ_010", "lines")
    unchanged("10001 lines")
    # at the caps: a count of 1,000,000,000 is taken
    d = hf.expect_success(_counts(sid, [(b, 1000000000)]))
    hf.expect_eq(d["lines"][0]["variance"], 1000000000 - 2, "variance")
    hf.expect_success(_act(sid, "cancel"))
    hf.expect_eq((_at(a, loc), _at(b, loc)), ((2, 0), (2, 0)), "stock")


def test_idempotency_keys_on_the_writes():
    loc = _location("idem")
    a = _product_at(loc, 6)
    key = "a2-%s" % uuid.uuid4().hex
    r1 = hf.call("POST", API + "/stocktakes", {"location": loc},
        token=_admin(), headers={"Idempotency-Key": key})
    d1 = hf.expect_success(r1, 201)
    r2 = hf.call("POST", API + "/stocktakes", {"location": loc},
        token=_admin(), headers={"Idempotency-Key": key})
    hf.expect_eq((r2.status, r2.body, r2.headers.get("Idempotent-Replay")),
        (201, r1.body, "true"), "a replayed start", r2)
    sid = d1["id"]
    k2 = key + "-c"
    hf.expect_success(_counts(sid, [(a, 5)], headers={"Idempotency-Key": k2}))
    r = _counts(sid, [(a, 4)], headers={"Idempotency-Key": k2})
    hf.expect_error(r, 422, "REQ_007")
    k3 = key + "-p"
    p1 = _act(sid, "post", headers={"Idempotency-Key": k3})
    hf.expect_success(p1)
    p2 = _act(sid, "post", headers={"Idempotency-Key": k3})
    hf.expect_eq((p2.status, p2.body), (200, p1.body), "a replayed post", p2)
    hf.expect_error(_act(sid, "post"), 409, "STK_001")
    hf.expect_eq(len(_stocktake_rows(a, sid)), 1, "one adjust row")
    hf.expect_eq(_at(a, loc), (5, 0), "a")


# ---------------------------------------------------------------- roles

def test_other_roles_are_refused():
    loc = _location("roles")
    a = _product_at(loc, 3)
    sid = _start(loc)["id"]
    hf.expect_success(_counts(sid, [(a, 1)]))
    user = hf.verified_user()
    for who, token, status in (("guest", None, 401),
            ("business key", _biz(), 403), ("user", user["access"], 403)):
        for method, path, body in (
                ("POST", "/stocktakes", {"location": loc}),
                ("GET", "/stocktakes", None),
                ("GET", "/stocktakes/%d" % sid, None),
                ("PUT", "/stocktakes/%d/counts" % sid, {"lines": []}),
                ("POST", "/stocktakes/%d/post" % sid, None),
                ("POST", "/stocktakes/%d/cancel" % sid, None)):
            r = hf.call(method, API + path, body, token=token)
            hf.expect_error_shape(r)
            hf.expect_eq(r.status, status, "%s %s as %s" % (method, path,
                who), r)
    d = _get(sid)
    hf.expect_eq((d["status"], [x["counted"] for x in d["lines"]]),
        ("open", [1]), "the stocktake after the refusals")
    hf.expect_eq(_at(a, loc), (3, 0), "stock")
    hf.expect_success(_act(sid, "cancel"))


def test_stocktake_answers_are_json_objects():
    """The shapes the console reads: every member present."""
    loc = _location("shape")
    sid = _start(loc)["id"]
    d = _get(sid)
    for k in ("id", "location", "status", "freeze", "start_ledger_id",
            "line_count", "note", "created_by", "closed_by", "started_at",
            "posted_at", "cancelled_at", "lines"):
        hf.check(k in d, "GET /stocktakes/{id} has no %r: %s" % (k,
            json.dumps(d)[:300]))
    hf.check("location_id" not in d, "location_id is not shown")
    hf.expect_success(_act(sid, "cancel"))
