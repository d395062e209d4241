"""Reservations (issue 4): all or nothing, lines of one SKU summed, commit
and release by id and by reference, and what each writes to the ledger."""

import hf

RESERVATION_FIELDS = ("id", "sku", "quantity", "type", "reference_id",
    "status", "expires_at", "created_at")


def _biz():
    return hf.inv_business("t71")


def _state(*skus):
    """{sku: (on_hand, reserved, ledger row ids)} for 'nothing changed'."""
    out = {}
    for sku in skus:
        s = hf.stock_of(sku, _biz())
        out[sku] = (s["on_hand"], s["reserved"],
            sorted(r["id"] for r in hf.ledger_of(_biz(), sku=sku)))
    return out


def _expect_reservation(obj, resp=None, **want):
    hf.check(isinstance(obj, dict), "reservation is %r" % (obj,), resp)
    for k in RESERVATION_FIELDS:
        hf.check(k in obj, "reservation has no %r" % k, resp)
    for k in ("expires_at", "created_at"):
        hf.check(hf.ISO_UTC_RE.match(str(obj[k])),
            "reservation %s %r is not ISO 8601 UTC" % (k, obj[k]), resp)
    for k, v in want.items():
        hf.expect_eq(obj.get(k), v, "reservation %s" % k, resp)
    return obj


def _reservations_by_sku(data, resp):
    res = data.get("reservations")
    hf.check(isinstance(res, list), "data.reservations is not a list", resp)
    out = {}
    for r in res:
        _expect_reservation(r, resp)
        hf.check(r["sku"] not in out, "two reservations for %s in one "
            "answer" % r["sku"], resp)
        out[r["sku"]] = r
    return out


def _rows_for(sku, reservation_id, **filters):
    """Ledger rows of sku naming this reservation (the SKU is unique to
    the test, so rows of other tests that name the same id never count)."""
    return hf.ledger_of(_biz(), sku=sku, reference_id=str(reservation_id),
        **filters)


def _commit(rid):
    return hf.call("POST", "/api/v1/reservations/%s/commit" % rid,
        token=_biz())


def _release(rid):
    return hf.call("POST", "/api/v1/reservations/%s/release" % rid,
        token=_biz())


def _stock(sku, **want):
    s = hf.stock_of(sku, _biz())
    for k, v in want.items():
        hf.expect_eq(s.get(k), v, "%s %s" % (sku, k))
    hf.expect_eq(s["available"], s["on_hand"] - s["reserved"],
        "%s available" % sku)
    return s


def _reconciled(*skus):
    for sku in skus:
        data = hf.reconcile_api(sku, _biz())
        hf.check(data["ok"], "reconcile %s is not ok: %r" % (sku,
            data["mismatches"]))


# ---------------------------------------------------------------- all or none

def test_batch_with_short_lines_reserves_nothing_and_lists_every_short_line():
    a = hf.new_product(5)["sku"]
    b = hf.new_product(3)["sku"]
    c = hf.new_product(10)["sku"]
    before = _state(a, b, c)
    # a is short on one line; b is short only once its two lines are
    # summed (2 + 2 > 3); c has plenty
    r = hf.reserve([(a, 6), (c, 2), (b, 2), (b, 2)], _biz())
    body = hf.expect_error(r, 400, "INV_002")
    lines = (body.get("details") or {}).get("lines")
    hf.check(isinstance(lines, list), "INV_002 has no details.lines list",
        r)
    got = sorted((l.get("sku"), l.get("requested"), l.get("available"))
        for l in lines)
    hf.expect_eq(got, sorted([(a, 6, 5), (b, 4, 3)]),
        "details.lines (sku, requested, available)", r)
    hf.expect_eq(_state(a, b, c), before, "(on_hand, reserved, ledger ids) "
        "per SKU after a refused batch")
    for sku in (a, b, c):
        items = hf.list_all("/api/v1/reservations?sku=%s" % hf.sku_path(sku),
            _biz())
        hf.expect_eq(items, [], "reservations of %s after a refused batch"
            % sku)


def test_unknown_sku_is_404_inv_001_and_nothing_is_reserved():
    a = hf.new_product(5)["sku"]
    before = _state(a)
    missing = hf.unique_sku("NOPE")
    r = hf.reserve([(a, 1), (missing, 1)], _biz())
    hf.expect_error(r, 404, "INV_001")
    hf.check(missing in r.text, "the 404 does not name the unknown SKU %s"
        % missing, r)
    hf.expect_eq(_state(a), before, "(on_hand, reserved, ledger ids) after "
        "a batch naming an unknown SKU")


def test_ttl_over_a_day_or_not_positive_is_422_inv_005():
    a = hf.new_product(5)["sku"]
    before = _state(a)
    for ttl in (86401, 10 ** 9, 0, -5):
        r = hf.reserve([(a, 1)], _biz(), ttl=ttl)
        hf.expect_error(r, 422, "INV_005")
    hf.expect_eq(_state(a), before, "state after refused ttl_seconds")
    r = hf.reserve([(a, 1)], _biz(), ttl=86400)
    data = hf.expect_success(r, 201)
    hf.expect_eq(len(data.get("reservations") or []), 1,
        "reservations for ttl_seconds 86400", r)


# ---------------------------------------------------------------- reserve

def test_lines_of_one_sku_are_summed_into_one_reservation():
    a = hf.new_product(10)["sku"]
    b = hf.new_product(10)["sku"]
    ref = "order-%s" % a
    r = hf.reserve([(a, 2), (b, 1), (a, 3)], _biz(), type_="order",
        reference_id=ref)
    data = hf.expect_success(r, 201)
    hf.expect_eq(data.get("reference_id"), ref, "data.reference_id", r)
    by_sku = _reservations_by_sku(data, r)
    hf.expect_eq(sorted(by_sku), sorted([a, b]), "SKUs reserved", r)
    for sku, qty in ((a, 5), (b, 1)):
        _expect_reservation(by_sku[sku], r, quantity=qty, type="order",
            status="active", reference_id=ref)
    _stock(a, on_hand=10, reserved=5, available=5)
    _stock(b, on_hand=10, reserved=1, available=9)

    rows = _rows_for(a, by_sku[a]["id"])
    hf.expect_eq(len(rows), 1, "ledger rows naming reservation %s"
        % by_sku[a]["id"])
    hf.expect_eq({k: rows[0].get(k) for k in ("sku", "type",
        "on_hand_delta", "reserved_delta", "on_hand_after", "reserved_after",
        "reference_type")}, {"sku": a, "type": "reserve", "on_hand_delta": 0,
        "reserved_delta": 5, "on_hand_after": 10, "reserved_after": 5,
        "reference_type": "reservation"}, "the reserve row")

    r = hf.call("GET", "/api/v1/reservations/%s" % by_sku[a]["id"],
        token=_biz())
    hf.expect_eq(hf.expect_success(r), by_sku[a], "GET reservation vs the "
        "201 answer", r)
    items = hf.list_all("/api/v1/reservations?reference_id=%s" % ref, _biz())
    hf.expect_eq(sorted(i["id"] for i in items),
        sorted(x["id"] for x in by_sku.values()),
        "GET /reservations?reference_id ids")
    _reconciled(a, b)


def test_reservation_without_reference_gets_one_generated():
    a = hf.new_product(4)["sku"]
    r = hf.reserve([(a, 1)], _biz())
    data = hf.expect_success(r, 201)
    ref = data.get("reference_id")
    hf.check(isinstance(ref, str) and ref != "", "no generated "
        "reference_id", r)
    (res,) = data["reservations"]
    _expect_reservation(res, r, reference_id=ref, type="cart",
        status="active", quantity=1, sku=a)


# ---------------------------------------------------------------- endings

def test_commit_writes_one_deduct_row_naming_it_and_twice_is_409_inv_007():
    a = hf.new_product(10)["sku"]
    r = hf.reserve([(a, 3)], _biz())
    (res,) = hf.expect_success(r, 201)["reservations"]
    rid = res["id"]

    r = _commit(rid)
    _expect_reservation(hf.expect_success(r), r, id=rid, status="committed",
        quantity=3)
    _stock(a, on_hand=7, reserved=0, available=7)
    deducts = _rows_for(a, rid, type="deduct")
    hf.expect_eq(len(deducts), 1, "deduct rows naming reservation %s" % rid)
    hf.expect_eq({k: deducts[0].get(k) for k in ("sku", "on_hand_delta",
        "reserved_delta", "on_hand_after", "reserved_after",
        "reference_type", "reference_id")}, {"sku": a, "on_hand_delta": -3,
        "reserved_delta": -3, "on_hand_after": 7, "reserved_after": 0,
        "reference_type": "reservation", "reference_id": str(rid)},
        "the commit's deduct row")

    before = _state(a)
    r = _commit(rid)
    hf.expect_error(r, 409, "INV_007")
    r = _release(rid)
    hf.expect_error(r, 409, "INV_007")
    hf.expect_eq(_state(a), before, "state after committing twice and "
        "releasing a committed reservation")
    r = hf.call("GET", "/api/v1/reservations/%s" % rid, token=_biz())
    _expect_reservation(hf.expect_success(r), r, status="committed")
    _reconciled(a)


def test_release_writes_one_release_row_and_returns_the_units():
    a = hf.new_product(10)["sku"]
    r = hf.reserve([(a, 4)], _biz())
    (res,) = hf.expect_success(r, 201)["reservations"]
    rid = res["id"]
    _stock(a, reserved=4, available=6)

    r = _release(rid)
    _expect_reservation(hf.expect_success(r), r, id=rid, status="released")
    _stock(a, on_hand=10, reserved=0, available=10)
    rows = _rows_for(a, rid, type="release")
    hf.expect_eq(len(rows), 1, "release rows naming reservation %s" % rid)
    hf.expect_eq({k: rows[0].get(k) for k in ("sku", "on_hand_delta",
        "reserved_delta", "on_hand_after", "reserved_after",
        "reference_type")}, {"sku": a, "on_hand_delta": 0,
        "reserved_delta": -4, "on_hand_after": 10, "reserved_after": 0,
        "reference_type": "reservation"}, "the release row")

    before = _state(a)
    hf.expect_error(_release(rid), 409, "INV_007")
    hf.expect_error(_commit(rid), 409, "INV_007")
    hf.expect_eq(_state(a), before, "state after ending a released "
        "reservation again")
    _reconciled(a)


def test_commit_and_release_by_reference_cover_every_sku():
    a = hf.new_product(10)["sku"]
    b = hf.new_product(10)["sku"]
    c = hf.new_product(10)["sku"]
    ref1, ref2 = "cart-1-%s" % a, "cart-2-%s" % a
    d1 = hf.expect_success(hf.reserve([(a, 2), (b, 3)], _biz(),
        reference_id=ref1), 201)
    d2 = hf.expect_success(hf.reserve([(a, 1), (c, 4)], _biz(),
        reference_id=ref2), 201)
    ids1 = sorted(x["id"] for x in d1["reservations"])
    ids2 = sorted(x["id"] for x in d2["reservations"])
    sku_of = dict((x["id"], x["sku"]) for x in d1["reservations"] +
        d2["reservations"])

    r = hf.call("POST", "/api/v1/reservations/commit", {"reference_id": ref1},
        token=_biz())
    data = hf.expect_success(r)
    by_sku = _reservations_by_sku(data, r)
    hf.expect_eq(sorted(x["id"] for x in by_sku.values()), ids1,
        "reservations committed by reference", r)
    for x in by_sku.values():
        hf.expect_eq(x["status"], "committed", "status of %s" % x["sku"], r)
    for rid in ids1:
        hf.expect_eq(len(_rows_for(sku_of[rid], rid, type="deduct")), 1,
            "deduct rows naming reservation %s" % rid)
    # ref2's line of a is untouched by committing ref1
    _stock(a, on_hand=8, reserved=1)
    _stock(b, on_hand=7, reserved=0)
    _stock(c, on_hand=10, reserved=4)

    before = _state(a, b, c)
    r = hf.call("POST", "/api/v1/reservations/commit", {"reference_id": ref1},
        token=_biz())
    hf.expect_error(r, 409, "INV_007")
    hf.expect_eq(_state(a, b, c), before, "state after committing a "
        "reference twice")

    r = hf.call("POST", "/api/v1/reservations/release",
        {"reference_id": ref2}, token=_biz())
    data = hf.expect_success(r)
    by_sku = _reservations_by_sku(data, r)
    hf.expect_eq(sorted(x["id"] for x in by_sku.values()), ids2,
        "reservations released by reference", r)
    for x in by_sku.values():
        hf.expect_eq(x["status"], "released", "status of %s" % x["sku"], r)
    for rid in ids2:
        hf.expect_eq(len(_rows_for(sku_of[rid], rid, type="release")), 1,
            "release rows naming reservation %s" % rid)
    _stock(a, on_hand=8, reserved=0)
    _stock(c, on_hand=10, reserved=0)

    before = _state(a, b, c)
    for action in ("release", "commit"):
        r = hf.call("POST", "/api/v1/reservations/%s" % action,
            {"reference_id": ref2}, token=_biz())
        hf.expect_error(r, 409, "INV_007")
    r = hf.call("POST", "/api/v1/reservations/commit",
        {"reference_id": "never-%s" % a}, token=_biz())
    hf.check(r.status in (404, 409), "commit of a reference with no "
        "reservations answered %d" % r.status, r)
    hf.expect_error_shape(r)
    hf.expect_eq(_state(a, b, c), before, "state after ending finished "
        "references")
    _reconciled(a, b, c)
