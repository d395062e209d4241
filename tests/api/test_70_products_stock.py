"""Products and stock (issue 4): create with stock, thresholds and the
status filter, restock, deduct, adjust, validation and roles.

Every test makes its own SKUs, so it runs on a database that already
holds data; no test counts anything global."""

import time

import hf

STOCK_FIELDS = ("sku", "product_id", "name", "on_hand", "reserved",
    "available", "status", "warning_threshold", "critical_threshold",
    "location", "is_active", "updated_at")
PRODUCT_FIELDS = ("id", "sku", "name", "description", "category", "price",
    "attributes", "cover_url", "status", "created_at", "stock")
LEDGER_FIELDS = ("id", "sku", "type", "on_hand_delta", "reserved_delta",
    "on_hand_after", "reserved_after", "reference_type", "reference_id",
    "reason", "actor", "request_id", "created_at")


def _biz():
    return hf.inv_business("t70")


def _expect_stock(obj, resp=None, **want):
    hf.check(isinstance(obj, dict), "stock is %r, not an object" % (obj,),
        resp)
    for k in STOCK_FIELDS:
        hf.check(k in obj, "stock object has no %r" % k, resp)
    hf.expect_eq(obj["available"], obj["on_hand"] - obj["reserved"],
        "available = on_hand - reserved", resp)
    for k, v in want.items():
        hf.expect_eq(obj.get(k), v, "stock %s" % k, resp)
    return obj


def _expect_row(row, resp=None, **want):
    for k in LEDGER_FIELDS:
        hf.check(k in row, "ledger row has no %r" % k, resp)
    for k, v in want.items():
        hf.expect_eq(row.get(k), v, "ledger row %s" % k, resp)
    return row


def _state(sku):
    """(on_hand, reserved, ledger row ids) of an SKU, for 'nothing
    changed' checks."""
    s = hf.stock_of(sku, _biz())
    return (s["on_hand"], s["reserved"],
        sorted(r["id"] for r in hf.ledger_of(_biz(), sku=sku)))


def _post(path, body, token, **kw):
    return hf.call("POST", path, body, token=token, **kw)


def _stock_path(sku, action=""):
    return "/api/v1/stock/%s%s" % (hf.sku_path(sku),
        "/" + action if action else "")


# ---------------------------------------------------------------- products

def test_create_product_answers_201_with_stock_and_one_restock_row():
    sku = hf.unique_sku()
    body = {"sku": sku, "name": "Dune", "description": "a novel",
        "price": "12.50", "attributes": {"isbn": "9780441013593"},
        "initial_quantity": 7, "warning_threshold": 3,
        "critical_threshold": 1, "location": "A-1"}
    r = _post("/api/v1/products", body, hf.inv_admin())
    data = hf.expect_success(r, 201)
    for k in PRODUCT_FIELDS:
        hf.check(k in data, "product has no %r" % k, r)
    hf.expect_eq(data["sku"], sku, "product sku", r)
    hf.expect_eq(data["price"], "12.50", "price (a string)", r)
    hf.expect_eq(data["attributes"], {"isbn": "9780441013593"},
        "attributes", r)
    hf.expect_eq(data["status"], "active", "product status", r)
    hf.check(hf.ISO_UTC_RE.match(str(data["created_at"])),
        "created_at %r is not ISO 8601 UTC" % data["created_at"], r)
    _expect_stock(data["stock"], r, sku=sku, product_id=data["id"],
        on_hand=7, reserved=0, available=7, warning_threshold=3,
        critical_threshold=1, location="A-1", is_active=True, status="ok")

    rows = hf.ledger_of(_biz(), sku=sku)
    hf.expect_eq(len(rows), 1, "ledger rows after creating with 7 units "
        "(%r)" % rows)
    _expect_row(rows[0], None, sku=sku, type="restock", on_hand_delta=7,
        reserved_delta=0, on_hand_after=7, reserved_after=0)

    r = hf.call("GET", "/api/v1/products/%s" % data["id"], token=_biz())
    got = hf.expect_success(r)
    hf.expect_eq(got["sku"], sku, "GET product sku", r)
    hf.expect_eq(got["id"], data["id"], "GET product id", r)
    _expect_stock(got.get("stock"), r, on_hand=7, reserved=0)

    r = hf.call("GET", _stock_path(sku), token=_biz())
    _expect_stock(hf.expect_success(r), r, sku=sku, on_hand=7,
        available=7, location="A-1")
    hf.check(hf.reconcile_api(sku, _biz())["ok"], "reconcile of a new SKU "
        "is not ok")


def test_product_without_initial_quantity_has_no_stock_and_no_ledger_row():
    data = hf.new_product(0)
    _expect_stock(data["stock"], None, on_hand=0, reserved=0,
        available=0, status="out")
    rows = hf.ledger_of(_biz(), sku=data["sku"])
    hf.expect_eq(rows, [], "ledger rows of a product created with nothing")


def test_duplicate_sku_is_409_inv_008_and_changes_nothing():
    sku = hf.new_product(5)["sku"]
    before = _state(sku)
    r = _post("/api/v1/products", {"sku": sku, "name": "again",
        "initial_quantity": 9}, hf.inv_admin())
    hf.expect_error(r, 409, "INV_008")
    hf.expect_eq(_state(sku), before, "(on_hand, reserved, ledger ids) "
        "after a duplicate create")


def test_unknown_product_and_unknown_sku_are_404_inv_001():
    r = hf.call("GET", "/api/v1/products/987654321", token=_biz())
    hf.expect_error(r, 404, "INV_001")
    r = hf.call("GET", _stock_path(hf.unique_sku("NOPE")), token=_biz())
    hf.expect_error(r, 404, "INV_001")
    r = _post(_stock_path(hf.unique_sku("NOPE"), "restock"),
        {"quantity": 1}, _biz())
    hf.expect_error(r, 404, "INV_001")


# ---------------------------------------------------------------- status

def _where_listed(sku):
    """The statuses whose GET /stock?status=... list holds sku, checking
    that each list holds only its own status.  The "ok" list holds every
    healthy SKU of the stack (thousands on a busy one), so it is read in
    full only while short; otherwise its first page is checked and sku
    counts as in it exactly when it is in none of the other three."""
    found = set()
    for status in ("warning", "critical", "out", "ok"):
        r = hf.call("GET", "/api/v1/stock?status=%s&per_page=100" % status,
            token=_biz())
        data = hf.expect_success(r)
        items = data.get("items") or []
        if status != "ok" or (data.get("total") or 0) <= 500:
            items = hf.list_all("/api/v1/stock?status=%s" % status, _biz())
        elif not found:
            found.add("ok")
        for it in items:
            hf.check(it.get("status") == status, "GET /stock?status=%s "
                "lists %s with status %r" % (status, it.get("sku"),
                it.get("status")), r)
            if it.get("sku") == sku:
                found.add(status)
    return found


def test_stock_status_and_filter_follow_ok_warning_critical_out():
    data = hf.new_product(20, warning_threshold=10, critical_threshold=4)
    sku = data["sku"]
    steps = [(0, "ok", 20), (13, "warning", 7), (5, "critical", 2),
        (2, "out", 0)]
    for deduct, status, left in steps:
        if deduct:
            r = _post(_stock_path(sku, "deduct"), {"quantity": deduct,
                "reason": "status walk"}, _biz())
            hf.expect_success(r)
        s = hf.stock_of(sku, _biz())
        _expect_stock(s, None, on_hand=left, status=status)
        hf.expect_eq(_where_listed(sku), {status}, "the status lists of "
            "GET /stock?status=... that hold %s (on_hand %d, warning 10, "
            "critical 4)" % (sku, left))


def test_patch_thresholds_and_critical_above_warning_is_422_inv_005():
    sku = hf.new_product(20, warning_threshold=5, critical_threshold=2)[
        "sku"]
    path = _stock_path(sku)
    r = hf.patch(path, {"warning_threshold": 30, "critical_threshold": 10,
        "location": "B-7"}, headers=hf.auth_header(hf.inv_admin()))
    _expect_stock(hf.expect_success(r), r, warning_threshold=30,
        critical_threshold=10, location="B-7", status="warning",
        on_hand=20)
    _expect_stock(hf.stock_of(sku, _biz()), None, warning_threshold=30,
        critical_threshold=10, status="warning")

    r = hf.patch(path, {"critical_threshold": 31},
        headers=hf.auth_header(hf.inv_admin()))
    hf.expect_error(r, 422, "INV_005")
    r = hf.patch(path, {"warning_threshold": 8, "critical_threshold": 9},
        headers=hf.auth_header(hf.inv_admin()))
    hf.expect_error(r, 422, "INV_005")
    _expect_stock(hf.stock_of(sku, _biz()), None, warning_threshold=30,
        critical_threshold=10, location="B-7")

    new_sku = hf.unique_sku()
    r = _post("/api/v1/products", {"sku": new_sku, "name": "x",
        "warning_threshold": 1, "critical_threshold": 2}, hf.inv_admin())
    hf.expect_error(r, 422, "INV_005")
    r = hf.call("GET", _stock_path(new_sku), token=_biz())
    hf.expect_error(r, 404, "INV_001")

    r = hf.patch(path, {"warning_threshold": 1},
        headers=hf.auth_header(_biz()))
    hf.expect_error(r, 403, "AUTH_005")
    hf.expect_eq(hf.stock_of(sku, _biz())["warning_threshold"], 30,
        "warning_threshold after a business PATCH")


# ---------------------------------------------------------------- moves

def test_restock_and_deduct_move_on_hand_and_write_ledger_rows():
    sku = hf.new_product(10)["sku"]
    r = _post(_stock_path(sku, "restock"), {"quantity": 5,
        "reason": "delivery", "reference_id": "PO-%s" % sku}, _biz())
    data = hf.expect_success(r)
    _expect_stock(data.get("stock"), r, on_hand=15, reserved=0,
        available=15)
    lid = data.get("ledger_id")
    hf.check(isinstance(lid, int), "restock data.ledger_id is %r" % (lid,),
        r)
    r = hf.call("GET", "/api/v1/ledger/%d" % lid, token=_biz())
    _expect_row(hf.expect_success(r), r, id=lid, sku=sku, type="restock",
        on_hand_delta=5, reserved_delta=0, on_hand_after=15,
        reserved_after=0, reason="delivery", reference_id="PO-%s" % sku)

    # with units reserved, the values after carry both columns
    r = hf.reserve([(sku, 2)], _biz())
    hf.expect_success(r, 201)
    r = _post(_stock_path(sku, "deduct"), {"quantity": 4, "reason": "damaged"},
        _biz())
    data = hf.expect_success(r)
    _expect_stock(data.get("stock"), r, on_hand=11, reserved=2,
        available=9)
    r = hf.call("GET", "/api/v1/ledger/%s" % data.get("ledger_id"),
        token=_biz())
    _expect_row(hf.expect_success(r), r, sku=sku, type="deduct",
        on_hand_delta=-4, reserved_delta=0, on_hand_after=11,
        reserved_after=2, reason="damaged")

    rows = hf.ledger_of(_biz(), sku=sku)
    hf.expect_eq([x["type"] for x in rows], ["deduct", "reserve",
        "restock", "restock"], "ledger types of the SKU, newest first")
    hf.expect_eq(sum(x["on_hand_delta"] for x in rows), 11,
        "sum of on_hand_delta")
    _expect_stock(hf.stock_of(sku, _biz()), None, on_hand=11, reserved=2,
        available=9)
    hf.check(hf.reconcile_api(sku, _biz())["ok"], "reconcile not ok")


def test_move_answers_carry_the_stock_as_stored():
    sku = hf.new_product(10)["sku"]
    wrong = []
    for action, body, token in (("restock", {"quantity": 2}, _biz()),
            ("deduct", {"quantity": 1}, _biz()),
            ("adjust", {"delta": 1, "reason": "recount"}, hf.inv_admin())):
        time.sleep(0.05)  # so a fresh updated_at differs from the last one
        r = _post(_stock_path(sku, action), body, token)
        answered = hf.expect_success(r).get("stock")
        stored = hf.stock_of(sku, _biz())
        if answered != stored:
            diff = sorted(k for k in stored if (answered or {}).get(k) !=
                stored[k])
            wrong.append("%s: %s answered %r, stored %r" % (action,
                ", ".join(diff), [(answered or {}).get(k) for k in diff],
                [stored[k] for k in diff]))
    hf.check(not wrong, "data.stock of a move's answer differs from GET "
        "/stock right after it:\n  " + "\n  ".join(wrong))


def test_deduct_more_than_available_is_400_inv_002_and_changes_nothing():
    sku = hf.new_product(6)["sku"]
    hf.expect_success(hf.reserve([(sku, 2)], _biz()), 201)
    before = _state(sku)
    r = _post(_stock_path(sku, "deduct"), {"quantity": 5, "reason": "x"},
        _biz())
    body = hf.expect_error(r, 400, "INV_002")
    lines = (body.get("details") or {}).get("lines")
    # what the one location could give is named too (issue 17)
    hf.expect_eq(lines, [{"sku": sku, "requested": 5, "available": 4,
        "locations": [{"location": "main", "available": 4}]}],
        "details.lines", r)
    hf.expect_eq(_state(sku), before, "(on_hand, reserved, ledger ids) "
        "after a refused deduct")
    # exactly what is available still goes
    r = _post(_stock_path(sku, "deduct"), {"quantity": 4}, _biz())
    _expect_stock(hf.expect_success(r).get("stock"), r, on_hand=2,
        reserved=2, available=0)


def test_adjust_is_admin_only_needs_a_reason_and_keeps_reserved_covered():
    sku = hf.new_product(10)["sku"]
    admin = hf.inv_admin()
    r = _post(_stock_path(sku, "adjust"), {"delta": -3,
        "reason": "stock count"}, admin)
    data = hf.expect_success(r)
    _expect_stock(data.get("stock"), r, on_hand=7)
    r2 = hf.call("GET", "/api/v1/ledger/%s" % data.get("ledger_id"),
        token=_biz())
    _expect_row(hf.expect_success(r2), r2, type="adjust", on_hand_delta=-3,
        reserved_delta=0, on_hand_after=7, reserved_after=0,
        reason="stock count")
    r = _post(_stock_path(sku, "adjust"), {"delta": 2, "reason": "found"},
        admin)
    _expect_stock(hf.expect_success(r).get("stock"), r, on_hand=9)

    hf.expect_success(hf.reserve([(sku, 6)], _biz()), 201)
    before = _state(sku)
    r = _post(_stock_path(sku, "adjust"), {"delta": -1}, admin)
    hf.expect_field_error(r, 422, "REQ_010", "reason")
    r = _post(_stock_path(sku, "adjust"), {"delta": -4, "reason": "loss"},
        admin)
    hf.expect_error(r, 400, "INV_002")
    r = _post(_stock_path(sku, "adjust"), {"delta": -1, "reason": "loss"},
        _biz())
    hf.expect_error(r, 403, "AUTH_005")
    hf.expect_eq(_state(sku), before, "(on_hand, reserved, ledger ids) "
        "after refused adjusts")
    # down to exactly the reserved units is allowed
    r = _post(_stock_path(sku, "adjust"), {"delta": -3, "reason": "loss"},
        admin)
    _expect_stock(hf.expect_success(r).get("stock"), r, on_hand=6,
        reserved=6, available=0)
    hf.check(hf.reconcile_api(sku, _biz())["ok"], "reconcile not ok")
    # README: "A bad quantity, delta, threshold or TTL is 422 INV_005"
    r = _post(_stock_path(sku, "adjust"), {"delta": 0, "reason": "none"},
        admin)
    hf.expect_error(r, 422, "INV_005")
    hf.expect_eq(hf.stock_of(sku, _biz())["on_hand"], 6, "on_hand after a "
        "zero delta")


# ---------------------------------------------------------------- refusals

def test_zero_negative_or_huge_quantities_are_422_inv_005():
    sku = hf.new_product(5)["sku"]
    before = _state(sku)
    for action in ("restock", "deduct"):
        for q in (0, -1, 1000000001):
            r = _post(_stock_path(sku, action), {"quantity": q}, _biz())
            hf.expect_error(r, 422, "INV_005")
    for q in (0, -2):
        r = hf.reserve([(sku, q)], _biz())
        hf.expect_error(r, 422, "INV_005")
    r = _post("/api/v1/products", {"sku": hf.unique_sku(), "name": "neg",
        "initial_quantity": -1}, hf.inv_admin())
    hf.expect_error(r, 422, "INV_005")
    hf.expect_eq(_state(sku), before, "(on_hand, reserved, ledger ids) "
        "after refused quantities")


def test_unknown_body_field_is_400_req_009():
    sku = hf.new_product(5)["sku"]
    before = _state(sku)
    r = _post(_stock_path(sku, "restock"), {"quantity": 1, "on_hand": 99},
        _biz())
    hf.expect_field_error(r, 400, "REQ_009", "on_hand")
    r = _post(_stock_path(sku, "deduct"), {"quantity": 1, "reserved": 0},
        _biz())
    hf.expect_field_error(r, 400, "REQ_009", "reserved")
    r = hf.call("POST", "/api/v1/reservations", {"type": "cart",
        "status": "committed", "items": [{"sku": sku, "quantity": 1}]},
        token=_biz())
    hf.expect_field_error(r, 400, "REQ_009", "status")
    r = hf.patch(_stock_path(sku), {"on_hand": 50},
        headers=hf.auth_header(hf.inv_admin()))
    hf.expect_field_error(r, 400, "REQ_009", "on_hand")
    new_sku = hf.unique_sku()
    r = _post("/api/v1/products", {"sku": new_sku, "name": "x",
        "reserved": 3}, hf.inv_admin())
    hf.expect_field_error(r, 400, "REQ_009", "reserved")
    hf.expect_eq(_state(sku), before, "(on_hand, reserved, ledger ids) "
        "after bodies with unknown fields")
    r = hf.call("GET", _stock_path(new_sku), token=_biz())
    hf.expect_error(r, 404, "INV_001")


def _user_of(data):
    return data["user"] if isinstance(data.get("user"), dict) else data


def _user_access_token(email, password, user):
    """Log the user in.  When this address has spent its login allowance
    (a shared dev stack), sign the same claims with the stack's own key
    instead, and prove through GET /me that the stack takes it as that
    user."""
    r = hf.login(email, password)
    if r.status != 429:
        return hf.expect_success(r)["access_token"]
    token = hf.signed_access_token(user["id"], "user")
    r = hf.call("GET", "/api/v1/me", token=token)
    if r.status != 200:
        hf.skip("login is rate limited and a self-signed user token is "
            "refused (%d)" % r.status)
    me = hf.expect_success(r)
    hf.expect_eq((me.get("email") or "").lower(), email.lower(),
        "GET /me with the signed token", r)
    hf.expect_eq(me.get("role"), "user", "role of the signed token's user",
        r)
    return token


def test_user_and_guest_cannot_move_stock():
    admin = hf.inv_admin()
    email, pw = hf.unique_email("inv"), hf.new_password()
    r = _post("/api/v1/users", {"email": email, "password": pw,
        "role": "user", "display_name": "Reader"}, admin)
    user = _user_access_token(email, pw, _user_of(hf.expect_success(r,
        201)))

    sku = hf.new_product(5)["sku"]
    before = _state(sku)
    r = hf.call("GET", _stock_path(sku), token=user)
    _expect_stock(hf.expect_success(r), r, on_hand=5)
    for action, body in (("restock", {"quantity": 1}),
            ("deduct", {"quantity": 1}),
            ("adjust", {"delta": 1, "reason": "x"})):
        r = _post(_stock_path(sku, action), body, user)
        hf.expect_error(r, 403, "AUTH_005")
        r = _post(_stock_path(sku, action), body, None)
        hf.expect_error(r, 401, "AUTH_001")
    r = hf.reserve([(sku, 1)], user)
    hf.expect_error(r, 403, "AUTH_005")
    hf.expect_eq(_state(sku), before, "(on_hand, reserved, ledger ids) "
        "after user and guest writes")
