"""Transfers (issue 17, item 3) and a library hold's pickup branch (item
2): units move between locations, and every unit is accounted for.

POST /transfers ships at once (one `transfer_out` row per line at `from`,
naming the transfer); receipts add units at `to` (`transfer_in` rows
there), in full or short; close ends a transfer, each unit still in
transit returned to `from` (a `transfer_in` row there) or written off (the
line's written_off and reason, and the audit log: nothing moves, so no
ledger row).  Reconcile's check 6 counts units in transit: the
transfer_out units of a product are its lines' received + returned +
written off + in transit, and each line's rows agree with it.

A hold may name a pickup branch: the copy that fills it travels there by
transfer (the hold is `in_transit`) and turns ready only when received
there.  Loans' lines and returns may name a location.

Locations made here go last in allocation order (priority 900000+), so
nothing else lands there; frozen ones are thawed again.
"""

import threading
import uuid

import hf
from hf import lend

API = "/api/v1"
L = lend.Lending("tA1")
_biz, new_user = L.biz, L.new_user


# ---------------------------------------------------------------- helpers

def _admin():
    return hf.inv_admin()


def _loc(tag, kind="store"):
    code = "a1-%s-%s" % (tag, uuid.uuid4().hex[:8])
    r = hf.call("POST", API + "/locations", {"code": code, "name": "A1 " +
        tag, "kind": kind, "priority": 900000}, token=_admin())
    hf.expect_success(r, 201)
    return code


def _product(where=None):
    """A new product, qty units at each location of where {code: qty}."""
    sku = hf.unique_sku("A1X")
    hf.new_product(0, sku=sku)
    for code, qty in (where or {}).items():
        r = hf.call("POST", API + "/stock/%s/restock" % sku, {"quantity":
            qty, "location": code}, token=_biz())
        hf.expect_success(r)
    return sku


def _places(sku):
    """{location: (on_hand, reserved)} and the product's (on_hand,
    reserved)."""
    s = hf.stock_of(sku, _biz())
    return ({p["location"]: (p["on_hand"], p["reserved"])
        for p in s.get("locations") or []}, (s["on_hand"], s["reserved"]))


def _at(sku, code):
    return _places(sku)[0].get(code, (0, 0))


def _ship(frm, to, lines, token="biz", **kw):
    body = {"from": frm, "to": to, "lines": [{"sku": s, "quantity": q}
        for s, q in lines]}
    body.update(kw)
    return hf.call("POST", API + "/transfers", body, token=_biz() if
        token == "biz" else token)


def _ship_ok(frm, to, lines, **kw):
    t = hf.expect_success(_ship(frm, to, lines, **kw), 201)
    hf.expect_eq(t["status"], "in_transit", "a new transfer's status")
    return t


def _receive(xid, lines, token="biz", headers=None):
    return hf.call("POST", API + "/transfers/%s/receive" % xid,
        {"lines": [{"sku": s, "quantity": q} for s, q in lines]},
        token=_biz() if token == "biz" else token, headers=headers)


def _close(xid, body, token=None):
    return hf.call("POST", API + "/transfers/%s/close" % xid, body,
        token=token or _biz())


def _get(xid, token=None):
    return hf.expect_success(hf.call("GET", API + "/transfers/%s" % xid,
        token=token or _biz()))


def _line(t, sku):
    got = [x for x in t["lines"] if x["sku"].lower() == sku.lower()]
    hf.check(len(got) == 1, "transfer %s has %d lines of %s: %r" % (t["id"],
        len(got), sku, t["lines"]))
    return got[0]


def _xfer_rows(sku, xid):
    """The ledger rows of sku naming transfer xid, oldest first."""
    rows = hf.ledger_of(_biz(), sku=sku, reference_id=str(xid))
    return [r for r in reversed(rows) if r["reference_type"] == "transfer"]


def _reconciled(*skus):
    for sku in skus:
        d = hf.reconcile_api(sku, _biz())
        hf.check(d["ok"], "reconcile of %s: %r" % (sku, d["mismatches"]))


def _freeze(code, stocktake_id=None):
    hf.db_rows("UPDATE locations SET frozen_by = %s WHERE code = %s" % (
        "NULL" if stocktake_id is None else int(stocktake_id),
        hf.sql_str(code)))


# ---------------------------------------------------------------- tests

def test_ship_receive_short_write_off_every_unit_accounted():
    a, b = _loc("wa"), _loc("sb")
    s1, s2 = _product({a: 10}), _product({a: 5})
    t = _ship_ok(a, b, [(s1, 6), (s2, 5)], note="to the shop")
    xid = t["id"]
    hf.expect_eq((t["from"], t["to"], t["note"], t["hold_id"]), (a, b,
        "to the shop", None), "(from, to, note, hold_id)")
    hf.expect_eq((t["quantity"], t["received"], t["in_transit"]), (11, 0,
        11), "(quantity, received, in_transit) shipped")
    hf.expect_eq(_line(t, s1), {"sku": s1, "quantity": 6, "received": 0,
        "written_off": 0, "returned": 0, "in_transit": 6,
        "write_off_reason": None}, "line of %s" % s1)
    # the units left `from` at once: on hand nowhere while in transit
    hf.expect_eq(_places(s1), ({a: (4, 0)}, (4, 0)), "places of %s" % s1)
    hf.expect_eq(_places(s2), ({a: (0, 0)}, (0, 0)), "places of %s" % s2)
    out = _xfer_rows(s1, xid)
    hf.expect_eq([(r["type"], r["location"], r["on_hand_delta"],
        r["on_hand_after"]) for r in out], [("transfer_out", a, -6, 4)],
        "ledger rows of %s naming transfer %s" % (s1, xid))
    _reconciled(s1, s2)

    # received short: 4 of 6, and all of the other line
    r = _receive(xid, [(s1, 4)])
    t = hf.expect_success(r)
    hf.expect_eq((t["status"], _line(t, s1)["received"],
        _line(t, s1)["in_transit"]), ("in_transit", 4, 2),
        "after a short receipt")
    hf.check(t["received_at"], "received_at not set", r)
    t = hf.expect_success(_receive(xid, [(s2, 5)]))
    hf.expect_eq((t["status"], t["in_transit"]), ("in_transit", 2),
        "after the second line")
    hf.expect_eq(_places(s1), ({a: (4, 0), b: (4, 0)}, (8, 0)),
        "places of %s after the receipt" % s1)
    hf.expect_eq(_at(s2, b), (5, 0), "%s at %s" % (s2, b))
    _reconciled(s1, s2)

    # the rest is written off with a reason: no ledger row moves it
    before = len(hf.ledger_of(_biz(), sku=s1))
    r = _close(xid, {"lines": [{"sku": s1, "quantity": 2, "action":
        "write_off", "reason": "dropped off the van"}]})
    t = hf.expect_success(r)
    hf.expect_eq((t["status"], t["written_off"], t["in_transit"]),
        ("closed", 2, 0), "(status, written_off, in_transit) closed", r)
    hf.check(t["closed_at"], "closed_at not set", r)
    hf.expect_eq(_line(t, s1), {"sku": s1, "quantity": 6, "received": 4,
        "written_off": 2, "returned": 0, "in_transit": 0,
        "write_off_reason": "dropped off the van"}, "line of %s" % s1)
    hf.expect_eq(len(hf.ledger_of(_biz(), sku=s1)), before, "ledger rows "
        "of %s after a write-off" % s1)
    hf.expect_eq(_places(s1), ({a: (4, 0), b: (4, 0)}, (8, 0)),
        "places of %s after the write-off" % s1)
    # every unit: 6 shipped = 4 received + 2 written off, rows paired
    rows = _xfer_rows(s1, xid)
    hf.expect_eq([(r["type"], r["location"], r["on_hand_delta"])
        for r in rows], [("transfer_out", a, -6), ("transfer_in", b, 4)],
        "ledger rows of %s naming transfer %s" % (s1, xid))
    hf.check(all(r["reason"] for r in rows), "a transfer row without "
        "reason: %r" % rows)
    outs = hf.ledger_of(_biz(), sku=s1, type="transfer_out")
    hf.expect_eq([r["reference_id"] for r in outs], [str(xid)],
        "GET /ledger?type=transfer_out")
    audit = hf.expect_success(hf.call("GET", API + "/audit?entity=transfer"
        "&entity_id=%s" % xid, token=_admin()))["items"]
    hf.check(any(x.get("action") == "transfer.close" and
        "dropped off the van" in str(x.get("new_value")) for x in audit),
        "no transfer.close audit row naming the reason: %r" % audit)
    _reconciled(s1, s2)

    # an ended transfer takes nothing more
    hf.expect_error(_receive(xid, [(s1, 1)]), 409, "XFER_001")
    hf.expect_error(_close(xid, {"action": "return"}), 409, "XFER_001")
    hf.expect_eq(_get(xid)["status"], "closed", "status after refusals")


def test_return_to_sender_and_the_rest_by_action():
    a, b = _loc("ra"), _loc("rb")
    s1, s2 = _product({a: 7}), _product({a: 3})
    xid = _ship_ok(a, b, [(s1, 5), (s2, 3)])["id"]
    hf.expect_success(_receive(xid, [(s1, 1)]))
    # units left without an action: refused, nothing changes
    r = _close(xid, {"lines": [{"sku": s2, "quantity": 1, "action":
        "return"}]})
    hf.expect_field_error(r, 422, "REQ_010", "action")
    r = _close(xid, {"action": "write_off"})
    hf.expect_field_error(r, 422, "REQ_010", "reason")
    r = _close(xid, {"lines": [{"sku": s1, "quantity": 5, "action":
        "return"}], "action": "return"})
    hf.expect_error(r, 422, "XFER_002")
    hf.expect_eq(_get(xid)["in_transit"], 7, "in transit after refusals")
    # s2: 1 written off by its line, the rest (s1 4, s2 2) returned
    r = _close(xid, {"action": "return", "lines": [{"sku": s2.lower(),
        "quantity": 1, "action": "write_off", "reason": "lost"}]})
    t = hf.expect_success(r)
    hf.expect_eq([(x["sku"], x["received"], x["returned"],
        x["written_off"], x["in_transit"]) for x in sorted(t["lines"],
        key=lambda x: x["sku"])], sorted([(s1, 1, 4, 0, 0),
        (s2, 0, 2, 1, 0)]), "lines after close")
    hf.expect_eq(_places(s1), ({a: (6, 0), b: (1, 0)}, (7, 0)),
        "places of %s" % s1)
    hf.expect_eq(_places(s2), ({a: (2, 0)}, (2, 0)), "places of %s" % s2)
    back = [(r["type"], r["location"], r["on_hand_delta"])
        for r in _xfer_rows(s1, xid)]
    hf.expect_eq(back, [("transfer_out", a, -5), ("transfer_in", b, 1),
        ("transfer_in", a, 4)], "ledger rows of %s" % s1)
    _reconciled(s1, s2)


def test_receive_past_in_transit_and_other_spellings():
    a, b = _loc("pa"), _loc("pb")
    sku, other = _product({a: 5}), _product({a: 1})
    xid = _ship_ok(a, b, [(sku, 3)])["id"]
    before = _places(sku)
    r = _receive(xid, [(sku, 4)])
    body = hf.expect_error(r, 422, "XFER_002")
    hf.expect_eq((body.get("details") or {}).get("lines"), [{"sku": sku,
        "requested": 4, "available": 3}], "details.lines", r)
    # one SKU in two spellings is one line: 2 + 2 is 4, past 3
    r = _receive(xid, [(sku, 2), (sku.lower(), 2)])
    hf.expect_error(r, 422, "XFER_002")
    # a SKU not on the transfer has nothing in transit
    r = _receive(xid, [(other, 1)])
    body = hf.expect_error(r, 422, "XFER_002")
    hf.expect_eq((body.get("details") or {}).get("lines"), [{"sku": other,
        "requested": 1, "available": 0}], "details.lines", r)
    hf.expect_error(_receive(xid, [("A1X-NO-SUCH-" + uuid.uuid4().hex[:6],
        1)]), 404, "INV_001")
    for bad in (" " + sku, sku + "\u0301", "\uff21" + sku[1:]):
        hf.expect_field_error(_receive(xid, [(bad, 1)]), 422, "REQ_010",
            "lines[0].sku")
    hf.expect_error(_receive(xid, [(sku, 0)]), 422, "INV_005")
    hf.expect_eq(_places(sku), before, "places after refused receipts")
    hf.expect_eq(_get(xid)["in_transit"], 3, "in transit after refusals")
    # the right amount in two spellings: the whole line, once
    t = hf.expect_success(_receive(xid, [(sku.lower(), 1), (sku, 2)]))
    hf.expect_eq((t["status"], t["received"], t["in_transit"]),
        ("received", 3, 0), "after the full receipt")
    hf.check(t["closed_at"], "a received transfer has no closed_at")
    hf.expect_eq([(r["type"], r["on_hand_delta"]) for r in
        _xfer_rows(sku, xid)], [("transfer_out", -3), ("transfer_in", 3)],
        "one row per receipt")
    hf.expect_error(_receive(xid, [(sku, 1)]), 409, "XFER_001")
    hf.expect_error(_close(xid, {"action": "return"}), 409, "XFER_001")
    _reconciled(sku, other)


def test_ship_location_and_sku_spellings_never_double_ship():
    a, b = _loc("sa"), _loc("sb")
    sku = _product({a: 6})
    # a code is one location however it is cased; the SKU likewise
    t = _ship_ok(a.upper(), b, [(sku, 2), (sku.lower(), 3)])
    hf.expect_eq((t["from"], len(t["lines"]), t["quantity"]), (a, 1, 5),
        "(from, lines, quantity) of two spellings")
    hf.expect_eq([r["on_hand_delta"] for r in _xfer_rows(sku, t["id"])],
        [-5], "transfer_out rows")
    hf.expect_eq(_at(sku, a), (1, 0), "left at %s" % a)
    # past what is there in two spellings: refused whole, nothing moves
    r = _ship(a, b, [(sku, 1), (sku.lower(), 1)])
    body = hf.expect_error(r, 400, "INV_002")
    hf.expect_eq((body.get("details") or {}).get("lines"), [{"sku": sku,
        "requested": 2, "available": 1, "locations": [{"location": a,
        "available": 1}]}], "details.lines", r)
    hf.expect_eq(_at(sku, a), (1, 0), "left at %s after a refusal" % a)
    # from = to, however spelled
    hf.expect_field_error(_ship(a, a.upper(), [(sku, 1)]), 422, "REQ_010",
        "to")
    # the default location, spelled "MAIN"; " main" and a Cyrillic a are
    # not its code
    m = hf.new_product(2)["sku"]
    t = _ship_ok("MAIN", b, [(m, 1)])
    hf.expect_eq(t["from"], "main", "from, spelled MAIN")
    for bad in (" main", "m\u0430in", "\uff4d\uff41\uff49\uff4e"):
        hf.expect_field_error(_ship(bad, b, [(m, 1)]), 422, "REQ_010",
            "from")
    hf.expect_eq(_at(m, "main"), (1, 0), "left at main")
    _reconciled(m)
    # spellings the grammar refuses
    for bad in (" " + a, a + " ", "\uff41" + a[1:], a + "\u00ad", ""):
        hf.expect_field_error(_ship(bad, b, [(sku, 1)]), 422, "REQ_010",
            "from")
    hf.expect_error(_ship("a1-none-" + uuid.uuid4().hex[:6], b,
        [(sku, 1)]), 404, "LOC_001")
    hf.expect_error(_ship(a, b, [(sku, 1), ("A1X-NONE-" +
        uuid.uuid4().hex[:6], 1)]), 404, "INV_001")
    hf.expect_error(_ship(a, b, [(sku, -1)]), 422, "INV_005")
    hf.expect_field_error(_ship(a, b, []), 422, "REQ_010", "lines")
    hf.expect_field_error(_ship(a, b, [(sku, 1)] * 101), 422, "REQ_010",
        "lines")
    hf.expect_error(hf.call("POST", API + "/transfers", {"from": a, "to": b,
        "lines": [{"sku": sku, "quantity": 1}], "status": "received"},
        token=_biz()), 400, "REQ_009")
    hf.expect_eq(_at(sku, a), (1, 0), "left at %s after refusals" % a)
    # a line's units owed to nobody else: reserved units do not ship
    hf.expect_success(hf.reserve([{"sku": sku, "quantity": 1, "location":
        a}], _biz()), 201)
    hf.expect_error(_ship(a, b, [(sku, 1)]), 400, "INV_002")
    _reconciled(sku)


def test_two_receives_at_once_of_the_last_units():
    a, b = _loc("ca"), _loc("cb")
    sku = _product({a: 9})
    xid = _ship_ok(a, b, [(sku, 9)])["id"]
    hf.expect_success(_receive(xid, [(sku, 7)]))
    results = []

    def go():
        results.append(_receive(xid, [(sku, 2)]))
    threads = [threading.Thread(target=go) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    ok = [r for r in results if r.status == 200]
    hf.expect_eq(len(ok), 1, "receipts of the last 2 units that won")
    for r in results:
        if r.status != 200:
            hf.expect_error(r, 409, "XFER_001")
    hf.expect_eq(_at(sku, b), (9, 0), "at %s" % b)
    hf.expect_eq(len([x for x in _xfer_rows(sku, xid)
        if x["type"] == "transfer_in"]), 2, "transfer_in rows")

    # one unit each, 6 at once, 4 in transit: exactly 4 go through
    xid = _ship_ok(b, a, [(sku, 4)])["id"]
    results = []

    def one():
        results.append(_receive(xid, [(sku, 1)]))
    threads = [threading.Thread(target=one) for _ in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    hf.expect_eq(sorted(r.status for r in results), [200] * 4 + [409] * 2,
        "statuses of six one-unit receipts of four")
    t = _get(xid)
    hf.expect_eq((t["status"], t["received"]), ("received", 4), "transfer")
    hf.expect_eq(_places(sku), ({a: (4, 0), b: (5, 0)}, (9, 0)), "places")
    _reconciled(sku)


def test_who_may_ship_receive_and_read():
    a, b = _loc("ka"), _loc("kb")
    sku = _product({a: 4})
    other = hf.new_api_key("business")
    user = new_user()
    xid = _ship_ok(a, b, [(sku, 3)])["id"]
    # a transfer is the installation's: another business key reads and
    # receives it (the receiving branch), an admin closes it
    hf.expect_eq(_get(xid, token=other)["id"], xid, "another key reads it")
    listed = hf.expect_success(hf.call("GET", API + "/transfers?location=%s"
        % b, token=other))["items"]
    hf.check(any(x["id"] == xid for x in listed), "another key does not "
        "list it")
    hf.expect_success(_receive(xid, [(sku, 1)], token=other))
    # users and guests: none of it
    for tok, st in ((user["token"], 403), (None, 401)):
        hf.expect_status(_ship(a, b, [(sku, 1)], token=tok), st)
        hf.expect_status(hf.call("GET", API + "/transfers", token=tok), st)
        hf.expect_status(hf.call("GET", API + "/transfers/%s" % xid,
            token=tok), st)
        hf.expect_status(hf.call("POST", API + "/transfers/%s/receive" %
            xid, {"lines": [{"sku": sku, "quantity": 1}]}, token=tok), st)
        hf.expect_status(hf.call("POST", API + "/transfers/%s/close" % xid,
            {"action": "return"}, token=tok), st)
    t = hf.expect_success(_close(xid, {"action": "return"}, token=_admin()))
    hf.expect_eq((t["status"], t["received"], t["returned"]), ("closed", 1,
        2), "closed by an admin")
    hf.expect_error(hf.call("GET", API + "/transfers/%d" % (xid + 10 ** 9),
        token=_biz()), 404, "REQ_011")
    hf.expect_status(hf.call("GET", API + "/transfers/x1", token=_biz()),
        404)
    _reconciled(sku)


def test_list_filters_and_idempotent_writes():
    a, b = _loc("la"), _loc("lb")
    sku = _product({a: 5})
    key = "a1-" + uuid.uuid4().hex
    h = {"Idempotency-Key": key}
    body = {"from": a, "to": b, "lines": [{"sku": sku, "quantity": 2}]}
    r1 = hf.call("POST", API + "/transfers", body, token=_biz(), headers=h)
    r2 = hf.call("POST", API + "/transfers", body, token=_biz(), headers=h)
    t = hf.expect_success(r1, 201)
    hf.expect_eq((r2.status, r2.body), (201, r1.body), "the replay")
    hf.expect_eq(r2.headers.get("Idempotent-Replay"), "true", "replay header")
    hf.expect_eq(_at(sku, a), (3, 0), "shipped once")
    r = hf.call("POST", API + "/transfers", dict(body, note="x"),
        token=_biz(), headers=h)
    hf.expect_error(r, 422, "REQ_007")
    rk = {"Idempotency-Key": key + "-r"}
    r1 = _receive(t["id"], [(sku, 1)], headers=rk)
    r2 = _receive(t["id"], [(sku, 1)], headers=rk)
    hf.expect_eq((r1.status, r2.status, r2.body), (200, 200, r1.body),
        "a receipt replayed")
    hf.expect_eq(_at(sku, b), (1, 0), "received once")

    def ids(q):
        d = hf.expect_success(hf.call("GET", API + "/transfers?" + q,
            token=_biz()))
        return [x["id"] for x in d["items"]], d["total"]
    got, total = ids("location=%s" % a.upper())
    hf.expect_eq((got, total), ([t["id"]], 1), "transfers at %s" % a)
    hf.check(t["id"] in ids("status=in_transit&location=%s" % b)[0],
        "not listed in transit at %s" % b)
    hf.expect_eq(ids("status=closed&location=%s" % b), ([], 0),
        "closed at %s" % b)
    hf.check("lines" not in hf.expect_success(hf.call("GET", API +
        "/transfers?location=%s" % a, token=_biz()))["items"][0],
        "list items carry lines")
    hf.expect_field_error(hf.call("GET", API + "/transfers?status=lost",
        token=_biz()), 422, "REQ_010", "status")
    hf.expect_field_error(hf.call("GET", API + "/transfers?location=%20a",
        token=_biz()), 422, "REQ_010", "location")
    hf.expect_error(hf.call("GET", API + "/transfers?location=a1-none-x",
        token=_biz()), 404, "LOC_001")
    hf.expect_field_error(hf.call("GET", API + "/transfers?per_page=101",
        token=_biz()), 422, "REQ_010", "per_page")
    _reconciled(sku)


def test_frozen_and_inactive_locations_refused():
    a, b, c = _loc("fa"), _loc("fb"), _loc("fc")
    sku = _product({a: 4})
    _freeze(a, 990001)
    try:
        r = _ship(a, b, [(sku, 1)])
        body = hf.expect_error(r, 409, "LOC_002")
        hf.expect_eq((body.get("details") or {}).get("location"), a,
            "details.location", r)
    finally:
        _freeze(a)
    _freeze(b, 990002)
    try:
        hf.expect_error(_ship(a, b, [(sku, 1)]), 409, "LOC_002")
    finally:
        _freeze(b)
    xid = _ship_ok(a, b, [(sku, 2)])["id"]
    # frozen while the units travel: the receipt waits for the count
    _freeze(b, 990003)
    try:
        hf.expect_error(_receive(xid, [(sku, 1)]), 409, "LOC_002")
        # returning to a frozen `from` is refused too; writing off is not
        _freeze(a, 990004)
        hf.expect_error(_close(xid, {"action": "return"}), 409, "LOC_002")
    finally:
        _freeze(a)
        _freeze(b)
    hf.expect_success(_receive(xid, [(sku, 1)]))
    # an inactive location takes nothing
    r = hf.call("PATCH", API + "/locations/%s" % c, {"is_active": False},
        token=_admin())
    hf.expect_success(r)
    hf.expect_error(_ship(a, c, [(sku, 1)]), 409, "LOC_004")
    hf.expect_error(_ship(c, a, [(sku, 1)]), 409, "LOC_004")
    t = hf.expect_success(_close(xid, {"action": "write_off", "reason":
        "count"}))
    hf.expect_eq((t["received"], t["written_off"]), (1, 1), "closed")
    hf.expect_eq(_places(sku), ({a: (2, 0), b: (1, 0)}, (3, 0)), "places")
    _reconciled(sku)


def test_reconcile_counts_units_in_transit():
    a, b = _loc("za"), _loc("zb")
    sku = _product({a: 5})
    xid = _ship_ok(a, b, [(sku, 4)])["id"]
    _reconciled(sku)
    pid = hf.db_rows("SELECT id FROM products WHERE sku = %s" %
        hf.sql_str(sku))[0][0]
    where = "transfer_id = %d AND product_id = %s" % (xid, pid)
    try:
        # a unit shipped that no ledger row took out
        hf.db_rows("UPDATE transfer_lines SET quantity = quantity + 1 "
            "WHERE " + where)
        d = hf.reconcile_api(sku, _biz())
        inv = [m["invariant"] for m in d["mismatches"]]
        hf.check(not d["ok"] and any(i.startswith("6: transfer_out") for i
            in inv) and any(i.startswith("6: a transfer line") for i in
            inv), "reconcile missed a unit shipped without a row: %r" % inv)
    finally:
        hf.db_rows("UPDATE transfer_lines SET quantity = quantity - 1 "
            "WHERE " + where)
    _reconciled(sku)
    try:
        # ended with units on the road
        hf.db_rows("UPDATE transfers SET status = 'closed', closed_at = "
            "NOW(3) WHERE id = %d" % xid)
        d = hf.reconcile_api(sku, _biz())
        hf.check(any(m["invariant"].startswith("6: an ended transfer")
            for m in d["mismatches"]), "reconcile missed units in transit "
            "on a closed transfer: %r" % d["mismatches"])
    finally:
        hf.db_rows("UPDATE transfers SET status = 'in_transit', closed_at = "
            "NULL WHERE id = %d" % xid)
    hf.expect_success(_receive(xid, [(sku, 4)]))
    _reconciled(sku)


# ---------------------------------------------------------------- holds

def _hold(user, sku, pickup=None, token=None):
    body = {"sku": sku}
    if pickup is not None:
        body["pickup_location"] = pickup
    if token is not None:
        body["user_id"] = user["id"]
    return hf.call("POST", API + "/holds", body, token=token or
        user["token"])


def _hold_get(hid):
    return hf.expect_success(hf.call("GET", API + "/holds/%s" % hid,
        token=_biz()))


def _return(loan_id, location=None):
    body = {} if location is None else {"location": location}
    return hf.call("POST", API + "/loans/%s/return" % loan_id, body,
        token=_biz())


def test_hold_pickup_branch_copy_travels_and_is_ready_only_there():
    a, b, c = _loc("ha", "branch"), _loc("hb", "branch"), _loc("hc",
        "branch")
    sku = _product({a: 1})
    reader, waiter = new_user(), new_user()
    # the loan names its branch, and shows it
    r = hf.call("POST", API + "/loans", {"items": [{"sku": sku, "location":
        a.upper()}], "user_id": reader["id"]}, token=_biz())
    loan = hf.expect_success(r, 201)["loans"][0]
    hf.expect_eq(loan["location"], a, "the loan's branch")
    # the hold names its pickup branch (any case); shown as stored
    h = hf.expect_success(_hold(waiter, sku, c.upper()), 201)
    hf.expect_eq((h["status"], h["pickup_location"], h["transfer_id"]),
        ("waiting", c, None), "a new hold with a pickup branch")
    hf.expect_error(_hold(new_user(), sku, "a1-none-x"), 404, "LOC_001")
    hf.expect_field_error(_hold(new_user(), sku, " " + c), 422, "REQ_010",
        "pickup_location")
    # returned at another branch than it went out from: it comes back
    # there, then travels on to the pickup branch
    r = _return(loan["id"], b)
    hf.expect_eq(hf.expect_success(r)["status"], "returned", "loan status")
    back = [x for x in hf.ledger_of(_biz(), sku=sku, reference_id=str(
        loan["id"])) if x["reference_type"] == "loan"]
    hf.expect_eq(sorted((x["type"], x["location"]) for x in back),
        [("deduct", a), ("restock", b)], "the loan's rows")
    h = _hold_get(h["id"])
    hf.expect_eq(h["status"], "in_transit", "the hold while its copy "
        "travels")
    hf.check(h["transfer_id"] and h["pickup_until"] is None and
        h["reservation_id"] is None, "an in-transit hold: %r" % h)
    t = _get(h["transfer_id"])
    hf.expect_eq((t["from"], t["to"], t["hold_id"], t["in_transit"],
        t["status"]), (b, c, h["id"], 1, "in_transit"), "its transfer")
    hf.expect_eq(_places(sku), ({a: (0, 0), b: (0, 0)}, (0, 0)),
        "places while it travels")
    # not ready yet: no checkout, no window
    r = hf.call("POST", API + "/holds/%s/checkout" % h["id"],
        token=waiter["token"])
    hf.expect_error(r, 409, "HOLD_003")
    _reconciled(sku)
    # received at the pickup branch: set aside there, ready from now
    hf.expect_success(_receive(t["id"], [(sku, 1)]))
    h = _hold_get(h["id"])
    hf.expect_eq(h["status"], "ready", "the hold once its copy arrived")
    res = hf.expect_success(hf.call("GET", API + "/reservations/%s" %
        h["reservation_id"], token=_admin()))
    hf.expect_eq((res["type"], res["location"], res["status"]), ("hold", c,
        "active"), "the ready hold's reservation")
    hf.expect_eq(_places(sku), ({a: (0, 0), b: (0, 0), c: (1, 1)}, (1, 1)),
        "places once received")
    hf.expect_eq(_get(t["id"])["status"], "received", "the transfer")
    r = hf.call("POST", API + "/holds/%s/checkout" % h["id"],
        token=waiter["token"])
    got = hf.expect_success(r, 201)
    hf.expect_eq(got["loan"]["location"], c, "the loan's branch")
    _reconciled(sku)


def test_hold_pickup_when_the_copy_is_free_elsewhere_or_there():
    a, c = _loc("ea", "branch"), _loc("ec", "branch")
    sku = _product({a: 1})
    u = new_user()
    # free at the pickup branch: borrow it there
    r = _hold(u, _product({c: 1}), c)
    body = hf.expect_error(r, 409, "HOLD_001")
    hf.expect_eq((body.get("details") or {}).get("location"), c,
        "details.location", r)
    # free elsewhere only: the hold is made and its copy sent at once
    h = hf.expect_success(_hold(u, sku, c), 201)
    hf.expect_eq(h["status"], "in_transit", "a hold whose copy is sent")
    t = _get(h["transfer_id"])
    hf.expect_eq((t["from"], t["to"], t["hold_id"]), (a, c, h["id"]),
        "its transfer")
    # cancelled on the way: the copy arrives free for anyone
    r = hf.call("DELETE", API + "/holds/%s" % h["id"], token=u["token"])
    hf.expect_eq(hf.expect_success(r)["status"], "cancelled", "cancelled")
    hf.expect_success(_receive(t["id"], [(sku, 1)]))
    hf.expect_eq(_at(sku, c), (1, 0), "the copy at the branch, free")
    _reconciled(sku)


def test_hold_copy_lost_or_sent_back():
    a, c = _loc("la", "branch"), _loc("lc", "branch")
    sku = _product({a: 1})
    u = new_user()
    h = hf.expect_success(_hold(u, sku, c), 201)
    xid = h["transfer_id"]
    # sent back: the copy returns, and is the hold's again: it travels
    # once more (a new transfer)
    t = hf.expect_success(_close(xid, {"action": "return"}))
    hf.expect_eq(t["returned"], 1, "returned")
    h2 = _hold_get(h["id"])
    hf.expect_eq(h2["status"], "in_transit", "the hold after the return")
    hf.check(h2["transfer_id"] and h2["transfer_id"] != xid, "the copy did "
        "not travel again: %r" % h2)
    # lost: the hold waits again, first in line
    t = hf.expect_success(_close(h2["transfer_id"], {"action": "write_off",
        "reason": "lost on the way"}))
    hf.expect_eq(t["written_off"], 1, "written off")
    h3 = _hold_get(h["id"])
    hf.expect_eq((h3["status"], h3["position"]), ("waiting", 1),
        "the hold after its copy was lost")
    hf.expect_eq(_places(sku), ({a: (0, 0)}, (0, 0)), "places")
    # a copy that turns up at the pickup branch: ready there at once
    r = hf.call("POST", API + "/stock/%s/restock" % sku, {"quantity": 1,
        "location": c}, token=_biz())
    hf.expect_success(r)
    hf.expect_eq(_hold_get(h["id"])["status"], "ready", "after a restock "
        "at the branch")
    hf.expect_eq(_at(sku, c), (1, 1), "at the branch")
    _reconciled(sku)


def test_loan_lines_and_returns_name_a_location():
    a, b = _loc("na", "branch"), _loc("nb", "branch")
    sku = _product({a: 1, b: 1})
    u = new_user()
    r = hf.call("POST", API + "/loans", {"items": [{"sku": sku, "location":
        b}], "user_id": u["id"]}, token=_biz())
    loan = hf.expect_success(r, 201)["loans"][0]
    hf.expect_eq(loan["location"], b, "the loan's branch")
    hf.expect_eq(_places(sku)[0], {a: (1, 0), b: (0, 0)}, "places")
    r = hf.call("POST", API + "/loans", {"items": [{"sku": sku, "location":
        b}], "user_id": new_user()["id"]}, token=_biz())
    body = hf.expect_error(r, 400, "INV_002")
    hf.expect_eq((body["details"]["lines"][0]).get("locations"),
        [{"location": a, "available": 1}], "what each location could give")
    hf.expect_error(_return(loan["id"], "a1-none-x"), 404, "LOC_001")
    hf.expect_field_error(_return(loan["id"], "\uff41"), 422, "REQ_010",
        "location")
    hf.expect_eq(hf.expect_success(hf.call("GET", API + "/loans/%s" %
        loan["id"], token=_biz()))["status"], "active", "after refusals")
    # no location: back where it went out
    hf.expect_success(_return(loan["id"]))
    hf.expect_eq(_places(sku)[0], {a: (1, 0), b: (1, 0)}, "places")
    _reconciled(sku)


def test_retiring_a_product_cancels_its_holds_in_transit():
    a, c = _loc("ta", "branch"), _loc("tc", "branch")
    sku = _product({a: 1})
    u = new_user()
    h = hf.expect_success(_hold(u, sku, c), 201)
    hf.expect_eq(h["status"], "in_transit", "the hold")
    pid = hf.stock_of(sku, _biz())["product_id"]
    hf.expect_success(hf.call("DELETE", API + "/products/%s" % pid,
        token=_admin()))
    hf.expect_eq(_hold_get(h["id"])["status"], "cancelled", "the hold of a "
        "retired product")
    # the copy still arrives, and is counted
    hf.expect_success(_receive(h["transfer_id"], [(sku, 1)]))
    hf.expect_eq(_at(sku, c), (1, 0), "the copy at the branch")
    _reconciled(sku)
