"""The console's edit of a coupon campaign (issue 15, item 7): PATCH
/coupons/{id} takes name, ends_at, total and per_user beside active; the
total never goes below the coupons orders hold and have used (checked
under the campaign's row lock), an empty or bad body is refused, and the
new figures rule the next orders (a raised count sells more, a lowered
per-customer limit refuses, an ended window refuses)."""

import concurrent.futures
import datetime

import hf
from hf import shop


def _iso(days=0, seconds=0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(
        days=days, seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _code(tag="E"):
    return ("T%s%s" % (tag, hf.unique_sku("x")))[-30:].replace(".", "-")


def campaign(**kw):
    body = {"name": "edit campaign", "kind": "fixed", "value": "1.00",
        "ends_at": _iso(days=1), "total": 2, "per_user": 0,
        "codes": [_code()]}
    body.update(kw)
    r = hf.call("POST", "/api/v1/coupons", body, token=hf.inv_admin())
    return hf.expect_success(r, 201)


def edit(cid, body, token=None):
    return hf.call("PATCH", "/api/v1/coupons/%d" % cid, body,
        token=token or hf.inv_admin())


def order(sku, code, token=None):
    return hf.call("POST", "/api/v1/orders", {"items": [{"sku": sku,
        "quantity": 1}], "coupon": code}, token=token or shop.biz())


def test_edit_fields_and_refusals():
    c = campaign()
    code = c["codes"][0]
    ends = _iso(days=3)
    d = hf.expect_success(edit(c["id"], {"name": "renamed", "ends_at": ends,
        "total": 7, "per_user": 3}))
    hf.expect_eq((d["name"], d["ends_at"][:19], d["total"], d["per_user"],
        d["active"], d["codes"]), ("renamed", ends[:19], 7, 3, True,
        [code]), "edited")
    # only active, as before
    d = hf.expect_success(edit(c["id"], {"active": False}))
    hf.expect_eq((d["active"], d["name"], d["total"]), (False, "renamed",
        7), "stopped, the rest kept")
    for bad in ({}, {"total": 0}, {"total": "5"}, {"per_user": -1},
            {"name": ""}, {"name": "x" * 101}, {"ends_at": "tomorrow"},
            {"active": "yes"}):
        r = edit(c["id"], bad)
        hf.expect_not_5xx(r)
        hf.check(r.status == 422, "%r: %d %s" % (bad, r.status,
            r.body[:200]))
    # what a campaign cannot change (its codes are promised to customers)
    for bad in ({"kind": "percent"}, {"value": "2.00"}, {"codes": ["X1"]},
            {"min_spend": "1.00"}):
        hf.expect_error(edit(c["id"], bad), 400, "REQ_009")
    hf.expect_error(edit(999999999, {"total": 5}), 404, None)
    for tok in (shop.biz(), None):
        r = hf.call("PATCH", "/api/v1/coupons/%d" % c["id"], {"total": 9},
            token=tok)
        hf.check(r.status in (401, 403), "edit by %r: %d" % (tok, r.status))
    d = hf.expect_success(hf.call("GET", "/api/v1/coupons/%d" % c["id"],
        token=hf.inv_admin()))
    hf.expect_eq((d["name"], d["total"], d["per_user"], d["active"]),
        ("renamed", 7, 3, False), "refusals changed nothing")


def test_total_never_below_held_and_used_and_rules_the_next_orders():
    c = campaign(total=2)
    code = c["codes"][0]
    sku = shop.product(10, "10.00")
    o1 = hf.expect_success(order(sku, code), 201)
    o2 = hf.expect_success(order(sku, code), 201)
    hf.expect_error(order(sku, code), 409, "CPN_005")
    hf.expect_status(shop.notify(shop.notify_body(o1, "edit-" +
        hf.new_request_id())), 200)
    # one used, one held: 2 is the least the total may be
    r = edit(c["id"], {"total": 1})
    hf.expect_error(r, 422, "REQ_010")
    hf.expect_eq(r.json["details"]["field"], "total", "named")
    hf.expect_success(edit(c["id"], {"total": 2}))
    # raised: one more coupon sells, then none
    hf.expect_success(edit(c["id"], {"total": 3}))
    hf.expect_success(order(sku, code), 201)
    hf.expect_error(order(sku, code), 409, "CPN_005")
    c2 = hf.expect_success(hf.call("GET", "/api/v1/coupons/%d" % c["id"],
        token=hf.inv_admin()))
    hf.expect_eq((c2["reserved"], c2["used"], c2["total"]), (2, 1, 3),
        "counts")
    hf.expect_eq((c2["reserved"], c2["used"]), (c2["rows_reserved"],
        c2["rows_used"]), "counts equal the redemption rows")
    # the window ended: refused
    hf.expect_success(edit(c["id"], {"ends_at": _iso(seconds=-60),
        "total": 10}))
    hf.expect_error(order(sku, code), 409, "CPN_002")
    hf.expect_success(shop.act(o2["id"], "cancel"))
    shop.reconciled(sku)


def test_lower_total_races_orders():
    # 16 orders and 8 edits to total=4 at once: the edit is refused when
    # more than 4 are held, and the total never falls below what is held
    c = campaign(total=20)
    code = c["codes"][0]
    sku = shop.product(40, "10.00")

    def place(_):
        return order(sku, code).status

    def lower(_):
        return edit(c["id"], {"total": 4}).status

    with concurrent.futures.ThreadPoolExecutor(max_workers=24) as ex:
        fo = [ex.submit(place, i) for i in range(16)]
        fe = [ex.submit(lower, i) for i in range(8)]
        placed = [f.result() for f in fo]
        edits = [f.result() for f in fe]
    hf.check(all(s in (201, 409) for s in placed), "orders: %r" % placed)
    hf.check(all(s in (200, 422) for s in edits), "edits: %r" % edits)
    d = hf.expect_success(hf.call("GET", "/api/v1/coupons/%d" % c["id"],
        token=hf.inv_admin()))
    hf.check(d["reserved"] + d["used"] <= d["total"], "held %d of %d" % (
        d["reserved"] + d["used"], d["total"]))
    hf.expect_eq(d["reserved"], placed.count(201), "one held per order")
    hf.expect_eq(d["reserved"], d["rows_reserved"], "rows")
    if 200 in edits:
        hf.expect_eq(d["total"], 4, "lowered")
    else:
        hf.expect_eq(d["total"], 20, "kept")
    shop.reconciled(sku)
