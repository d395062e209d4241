"""Coupons (issue 15, item 2), black-box through the front: an admin's
campaign (percent or fixed, minimum spend, window, count, per-customer
limit, products and categories, codes), one coupon reserved with an order
in its transaction, used when the order is paid, released when it is
cancelled or expires, every refusal with its own code, the last coupon and
the per-customer limit exact under 64 concurrent orders, and the payment
callback bound to the discounted total."""

import concurrent.futures
import datetime

import hf
from hf import shop


def _iso(days=0, seconds=0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(
        days=days, seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _code(tag="C"):
    return ("T%s%s" % (tag, hf.unique_sku("x")))[-30:].replace(".", "-")


def campaign(**kw):
    body = {"name": "test campaign", "kind": "percent", "value": "10",
        "ends_at": _iso(days=1), "total": 100, "codes": [_code()]}
    body.update(kw)
    r = hf.call("POST", "/api/v1/coupons", body, token=hf.inv_admin())
    return hf.expect_success(r, 201)


def order(items, code=None, token=None, points=None):
    body = {"items": [{"sku": s, "quantity": q} for s, q in items]}
    if code is not None:
        body["coupon"] = code
    if points is not None:
        body["points"] = points
    return hf.call("POST", "/api/v1/orders", body, token=token or shop.biz())


def reconciled(cid):
    r = hf.call("GET", "/api/v1/coupons/reconcile?campaign_id=%d" % cid,
        token=hf.inv_admin())
    data = hf.expect_success(r)
    hf.check(data["ok"] and data["checked"] == 1,
        "coupon reconcile of campaign %d: %r" % (cid, data))


def counts(cid):
    c = hf.expect_success(hf.call("GET", "/api/v1/coupons/%d" % cid,
        token=hf.inv_admin()))
    hf.expect_eq((c["reserved"], c["used"]), (c["rows_reserved"],
        c["rows_used"]), "campaign counts equal its redemption rows")
    reconciled(cid)
    return c["reserved"], c["used"], c["total"]


def test_percent_off_reserved_paid_and_released():
    c = campaign(value="10", per_user=0, codes=["summer-" + _code()])
    code = c["codes"][0]
    sku = shop.product(10, "25.00")
    # any case of the code is the code
    o = hf.expect_success(order([(sku, 2)], code.lower()), 201)
    hf.expect_eq((o["total"], o["coupon_code"], o["coupon_discount"]),
        ("45.00", code, "5.00"), "10% off 50.00")
    hf.expect_eq(counts(c["id"]), (1, 0, 100), "reserved with the order")
    # the callback must match the discounted total
    r = shop.notify(shop.notify_body(o, "cpn-" + hf.new_request_id(),
        amount="50.00"))
    hf.expect_error(r, 422, "PAY_002")
    hf.expect_status(shop.notify(shop.notify_body(o, "cpn-" +
        hf.new_request_id())), 200)
    hf.expect_eq(counts(c["id"]), (0, 1, 100), "used when paid")
    # cancelled and expired orders give theirs back
    o2 = hf.expect_success(order([(sku, 1)], code), 201)
    hf.expect_success(shop.act(o2["id"], "cancel"))
    o3 = hf.expect_success(order([(sku, 1)], code), 201)
    hf.expect_eq(counts(c["id"]), (1, 1, 100), "one held")
    shop.age(o3)
    out = hf.run_program("holdfast-expire")
    hf.expect_eq(out.returncode, 0, "holdfast-expire")
    hf.expect_eq(shop.get_order(o3["id"])["status"], "expired", "expired")
    hf.expect_eq(counts(c["id"]), (0, 1, 100), "released on expiry")
    hf.expect_eq(shop.stock(sku), (8, 0, 8), "stock")
    shop.reconciled(sku)


def test_fixed_amount_minimum_scope_and_window():
    cat = "cpncat" + hf.unique_sku("c").lower().replace("-", "")[:12]
    inside = hf.new_product(10, price="8.00", category=cat)
    outside = shop.product(10, "30.00")
    c = campaign(kind="fixed", value="5.00", min_spend="20.00",
        skus=[outside], codes=[_code("F")])
    code = c["codes"][0]
    # below the minimum: refused with its code, nothing reserved
    r = order([(inside["sku"], 2)], code)
    hf.expect_error(r, 422, "CPN_004")
    hf.expect_eq(r.json["details"]["min_spend"], "20.00", "named")
    # not one of its products
    r = order([(inside["sku"], 3)], code)
    hf.expect_error(r, 422, "CPN_003")
    # fixed 5.00 off, on the order with the product it names
    o = hf.expect_success(order([(inside["sku"], 1), (outside, 1)], code),
        201)
    hf.expect_eq((o["total"], o["coupon_discount"]), ("33.00", "5.00"),
        "5.00 off 38.00")
    # not valid yet, expired, stopped
    later = campaign(starts_at=_iso(days=1), ends_at=_iso(days=2),
        codes=[_code("L")])
    hf.expect_error(order([(outside, 1)], later["codes"][0]), 409,
        "CPN_002")
    gone = campaign(starts_at=_iso(days=-2), ends_at=_iso(days=-1),
        codes=[_code("G")])
    hf.expect_error(order([(outside, 1)], gone["codes"][0]), 409, "CPN_002")
    hf.expect_success(hf.call("PATCH", "/api/v1/coupons/%d" % c["id"],
        {"active": False}, token=hf.inv_admin()))
    hf.expect_error(order([(outside, 1)], code), 409, "CPN_002")
    hf.expect_eq(shop.stock(outside), (10, 1, 9), "refusals hold nothing")
    shop.reconciled(outside, inside["sku"])


def test_unknown_and_misspelled_codes():
    c = campaign(codes=[_code("U")])
    sku = shop.product(5, "10.00")
    hf.expect_error(order([(sku, 1)], "NOSUCH" + _code()), 404, "CPN_001")
    for bad in (c["codes"][0] + " ", " " + c["codes"][0],
            c["codes"][0] + "\u00e9", "", "A" * 33):
        r = order([(sku, 1)], bad)
        hf.expect_not_5xx(r)
        hf.check(r.status == 422 and r.json["error"] == "REQ_010",
            "code %r: %d %s" % (bad, r.status, r.body[:200]))
    hf.expect_eq(counts(c["id"])[:2], (0, 0), "nothing reserved")
    hf.expect_eq(shop.stock(sku), (5, 0, 5), "nothing reserved")
    # two codes that differ only in case are one code
    code = _code("D")
    r = hf.call("POST", "/api/v1/coupons", {"name": "dup", "kind": "fixed",
        "value": "1", "ends_at": _iso(days=1), "total": 1, "codes":
        [code, code.lower()]}, token=hf.inv_admin())
    hf.expect_field_error(r, 422, "REQ_010", "codes")
    campaign(codes=[code])
    r = hf.call("POST", "/api/v1/coupons", {"name": "dup", "kind": "fixed",
        "value": "1", "ends_at": _iso(days=1), "total": 1, "codes":
        [code.lower()]}, token=hf.inv_admin())
    hf.expect_error(r, 409, "CPN_007")


def test_the_last_coupon_goes_once_under_64_orders():
    c = campaign(total=1, per_user=0, codes=[_code("Z")])
    code = c["codes"][0]
    sku = shop.product(100, "10.00")
    with concurrent.futures.ThreadPoolExecutor(64) as ex:
        rs = list(ex.map(lambda i: order([(sku, 1)], code,
            token=shop.biz() if i % 2 else hf.inv_business("cpn2")),
            range(64)))
    ok = [r for r in rs if r.status == 201]
    hf.expect_eq(len(ok), 1, "orders that got the last coupon")
    for r in rs:
        if r.status != 201:
            hf.expect_error(r, 409, "CPN_005")
    hf.expect_eq(counts(c["id"]), (1, 0, 1), "one reserved")
    hf.expect_eq(shop.stock(sku), (100, 1, 99), "one order's unit")
    shop.reconciled(sku)


def test_per_customer_limit_under_concurrency_and_single_use_codes():
    c = campaign(total=50, per_user=2, codes=[_code("P")])
    code = c["codes"][0]
    sku = shop.product(100, "10.00")
    key = hf.inv_business("cpn-limit")
    with concurrent.futures.ThreadPoolExecutor(32) as ex:
        rs = list(ex.map(lambda _: order([(sku, 1)], code, token=key),
            range(32)))
    hf.expect_eq(sum(r.status == 201 for r in rs), 2, "two per customer")
    for r in rs:
        if r.status != 201:
            hf.expect_error(r, 409, "CPN_006")
    # another customer still may
    hf.expect_success(order([(sku, 1)], code, token=hf.inv_business(
        "cpn-other")), 201)
    hf.expect_eq(counts(c["id"]), (3, 0, 50), "three reserved")
    # a single-use code goes once, whoever asks
    s = campaign(total=10, per_user=0, single_use=True, codes=[_code("S"),
        _code("T")])
    a, b = s["codes"]
    hf.expect_success(order([(sku, 1)], a), 201)
    hf.expect_error(order([(sku, 1)], a.lower(), token=key), 409, "CPN_005")
    hf.expect_success(order([(sku, 1)], b, token=key), 201)
    shop.reconciled(sku)


def test_coupon_then_points_share_the_discounted_total():
    email = hf.unique_email()
    pw = hf.new_password()
    uid = hf.expect_success(hf.call("POST", "/api/v1/users", {"email":
        email, "password": pw, "role": "user"}, token=hf.admin_token()),
        201)["id"]
    tok = hf.login_ok(email, pw)["access"]
    hf.expect_success(hf.call("POST", "/api/v1/users/%d/points" % uid,
        {"delta": 5000, "reason": "t"}, token=hf.admin_token()))
    c = campaign(kind="fixed", value="20.00", codes=[_code("B")])
    sku = shop.product(5, "50.00")
    # 50.00 - 20.00 = 30.00; points may pay half of that: 1500 points
    hf.expect_error(order([(sku, 1)], c["codes"][0], token=tok,
        points=1600), 422, "PTS_003")
    o = hf.expect_success(order([(sku, 1)], c["codes"][0], token=tok,
        points=1500), 201)
    hf.expect_eq((o["total"], o["coupon_discount"], o["points_discount"]),
        ("15.00", "20.00", "15.00"), "both discounts")
    hf.expect_success(shop.act(o["id"], "cancel", token=tok))
    hf.expect_eq(counts(c["id"])[:2], (0, 0), "coupon released")
    p = hf.expect_success(hf.call("GET", "/api/v1/me/points", token=tok))
    hf.expect_eq((p["balance"], p["reserved"]), (5000, 0), "points freed")


def test_campaign_validation_and_admin_only():
    for bad in ({"kind": "percent", "value": "101"},
            {"kind": "percent", "value": "12.5"},
            {"kind": "percent", "value": "0"},
            {"kind": "bogus"},
            {"total": 0},
            {"codes": []},
            {"codes": ["has space"]},
            {"codes": ["\u00c5ngstr\u00f6m"]},
            {"ends_at": "tomorrow"},
            {"skus": ["NO-SUCH-SKU-" + _code()]},
            {"categories": ["no-such-category-" + _code().lower()]}):
        body = {"name": "bad", "kind": "fixed", "value": "1",
            "ends_at": _iso(days=1), "total": 5, "codes": [_code("V")]}
        body.update(bad)
        r = hf.call("POST", "/api/v1/coupons", body, token=hf.inv_admin())
        hf.expect_not_5xx(r)
        hf.check(r.status == 422 and r.json["error"] == "REQ_010",
            "%r: %d %s" % (bad, r.status, r.body[:200]))
    body = {"name": "x", "kind": "fixed", "value": "1", "ends_at":
        _iso(days=1), "total": 5, "codes": [_code("W")]}
    for tok in (shop.biz(), None):
        r = hf.call("POST", "/api/v1/coupons", body, token=tok)
        hf.check(r.status in (401, 403), "create by %r: %d" % (tok, r.status))
    r = hf.call("GET", "/api/v1/coupons/999999999", token=hf.inv_admin())
    hf.expect_not_5xx(r)
    hf.expect_eq(r.status, 404, "unknown campaign")
    lst = hf.expect_success(hf.call("GET", "/api/v1/coupons?per_page=5",
        token=hf.inv_admin()))
    hf.check(len(lst["items"]) <= 5 and lst["total"] >= 1, "list: %r"
        % lst.get("total"))
