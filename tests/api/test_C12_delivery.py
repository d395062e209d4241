"""Delivery and pickup (issue 15, item 5), black-box through the front:
delivery areas (fee, minimum order), pickup points, time slots with a
capacity, a reader's saved addresses (another reader's are 404), and the
order's "delivery" choice: a slot's place reserved with the order in its
transaction, used when it is paid (delivery.booked), released when it is
cancelled or expires, the last place exactly once under 64 concurrent
orders (slot.full once), the area's fee on the total and in the signed
payment callback, every refusal with its own code, and reconcile clean
(stock, and each slot's counts equal its order rows)."""

import concurrent.futures
import datetime
import uuid

import hf
from hf import shop

API = "/api/v1"


def _iso(hours=0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(
        hours=hours)
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _name(tag):
    return "t-%s-%s" % (tag, uuid.uuid4().hex[:10])


def _user():
    email = hf.unique_email()
    pw = hf.new_password()
    r = hf.call("POST", API + "/users", {"email": email, "password": pw,
        "role": "user"}, token=hf.admin_token())
    uid = hf.expect_success(r, 201)["id"]
    return uid, hf.login_ok(email, pw)["access"]


def area(fee="4.50", min_order="0", **kw):
    body = {"name": _name("area"), "fee": fee, "min_order": min_order}
    body.update(kw)
    return hf.expect_success(hf.call("POST", API + "/delivery-areas", body,
        token=hf.admin_token()), 201)


def point(**kw):
    body = {"name": _name("point"), "address": "1 Market Square",
        "hours": "Mon-Sat 9-18"}
    body.update(kw)
    return hf.expect_success(hf.call("POST", API + "/pickup-points", body,
        token=hf.admin_token()), 201)


def slot(capacity, area_id=None, point_id=None, start=24, hours=2):
    body = {"starts_at": _iso(start), "ends_at": _iso(start + hours),
        "capacity": capacity}
    if area_id is not None:
        body["area_id"] = area_id
    if point_id is not None:
        body["pickup_point_id"] = point_id
    return hf.expect_success(hf.call("POST", API + "/delivery-slots", body,
        token=hf.admin_token()), 201)


def address(token, area_id, **kw):
    body = {"area_id": area_id, "label": "home", "recipient": "Ada Reader",
        "phone": "+44 20 7946 0000", "line1": "12 Long Lane",
        "city": "Leeds", "postcode": "LS1 4AB"}
    body.update(kw)
    return hf.call("POST", API + "/me/addresses", body, token=token)


def order(items, token, delivery=None):
    body = {"items": [{"sku": s, "quantity": q} for s, q in items]}
    if delivery is not None:
        body["delivery"] = delivery
    return hf.call("POST", API + "/orders", body, token=token)


def by_address(addr_id, slot_id):
    return {"method": "delivery", "address_id": addr_id, "slot_id": slot_id}


def by_point(point_id, slot_id):
    return {"method": "pickup", "pickup_point_id": point_id,
        "slot_id": slot_id}


def counts(sid):
    """(reserved, used, capacity), checked against the slot's rows."""
    s = hf.expect_success(hf.call("GET", API + "/delivery-slots/%d" % sid))
    hf.expect_eq((s["reserved"], s["used"]), (s["rows_reserved"],
        s["rows_used"]), "slot %d counts equal its order rows" % sid)
    hf.expect_eq(s["available"], s["capacity"] - s["reserved"] - s["used"],
        "available")
    return s["reserved"], s["used"], s["capacity"]


def events(name, key, value):
    rows = hf.db_rows("SELECT COUNT(DISTINCT JSON_VALUE(payload, "
        "'$.event_id')) FROM outbox WHERE event_type = %s AND channel = "
        "'webhook' AND JSON_VALUE(payload, '$.data.%s') = %d"
        % (hf.sql_str(name), key, int(value)))
    return int(rows[0][0])


def test_delivery_fee_in_total_paid_through_the_callback():
    uid, tok = _user()
    a = area(fee="4.50", min_order="20.00")
    s = slot(5, area_id=a["id"])
    ad = hf.expect_success(address(tok, a["id"]), 201)
    hf.expect_eq((ad["area_id"], ad["area_name"]), (a["id"], a["name"]),
        "the address names its area")
    sku = shop.product(10, "12.50")
    # below the minimum (on the lines, before any discount): refused
    r = order([(sku, 1)], tok, by_address(ad["id"], s["id"]))
    hf.expect_error(r, 422, "DLV_008")
    hf.expect_eq(r.json["details"]["min_order"], "20.00", "named")
    hf.expect_eq(counts(s["id"]), (0, 0, 5), "nothing held")
    o = hf.expect_success(order([(sku, 2)], tok, by_address(ad["id"],
        s["id"])), 201)
    hf.expect_eq(o["total"], "29.50", "25.00 of goods + 4.50 fee")
    d = o["delivery"]
    hf.expect_eq((d["method"], d["slot_id"], d["area_id"], d["address_id"],
        d["fee"], d["status"]), ("delivery", s["id"], a["id"], ad["id"],
        "4.50", "reserved"), "the order's delivery")
    hf.check("12 Long Lane" in d["address_text"], "address copied: %r" % d)
    hf.expect_eq(counts(s["id"]), (1, 0, 5), "one place reserved")
    # the callback must match goods + fee
    r = shop.notify(shop.notify_body(o, "dlv-" + hf.new_request_id(),
        amount="25.00"))
    hf.expect_error(r, 422, "PAY_002")
    hf.expect_eq(counts(s["id"]), (1, 0, 5), "still reserved")
    hf.expect_status(shop.notify(shop.notify_body(o, "dlv-" +
        hf.new_request_id())), 200)
    got = shop.get_order(o["id"], token=tok)
    hf.expect_eq((got["status"], got["total"], got["delivery"]["status"]),
        ("paid", "29.50", "used"), "paid with its fee")
    hf.expect_eq(counts(s["id"]), (0, 1, 5), "the place used")
    hf.expect_eq(events("delivery.booked", "order_id", o["id"]), 1,
        "delivery.booked once")
    # a refund keeps the place used (the delivery was booked)
    hf.expect_success(shop.act(o["id"], "refund"))
    hf.expect_eq(counts(s["id"]), (0, 1, 5), "kept after a refund")
    # editing or deleting the address later does not move the order
    hf.expect_success(hf.call("DELETE", API + "/me/addresses/%d" % ad["id"],
        token=tok))
    hf.check("12 Long Lane" in shop.get_order(o["id"])["delivery"][
        "address_text"], "the order keeps its copy")
    shop.reconciled(sku)


def test_pickup_cancel_and_expiry_give_the_place_back():
    p = point()
    s = slot(2, point_id=p["id"])
    sku = shop.product(10, "7.00")
    biz = shop.biz()
    o1 = hf.expect_success(order([(sku, 1)], biz, by_point(p["id"],
        s["id"])), 201)
    hf.expect_eq((o1["total"], o1["delivery"]["fee"],
        o1["delivery"]["method"]), ("7.00", "0.00", "pickup"), "no fee")
    o2 = hf.expect_success(order([(sku, 1)], biz, by_point(p["id"],
        s["id"])), 201)
    hf.expect_eq(counts(s["id"]), (2, 0, 2), "both places")
    hf.expect_eq(events("slot.full", "slot_id", s["id"]), 1, "slot.full")
    hf.expect_error(order([(sku, 1)], biz, by_point(p["id"], s["id"])), 409,
        "DLV_007")
    hf.expect_eq(shop.stock(sku), (10, 2, 8), "the full slot held no unit")
    hf.expect_success(shop.act(o1["id"], "cancel", token=biz))
    hf.expect_eq(counts(s["id"]), (1, 0, 2), "cancel gives it back")
    hf.expect_eq(shop.get_order(o1["id"])["delivery"]["status"], "released",
        "released")
    shop.age(o2)
    out = hf.run_program("holdfast-expire")
    hf.expect_eq(out.returncode, 0, "holdfast-expire")
    hf.expect_eq(shop.get_order(o2["id"])["status"], "expired", "expired")
    hf.expect_eq(counts(s["id"]), (0, 0, 2), "expiry gives it back")
    o3 = hf.expect_success(order([(sku, 1)], biz, by_point(p["id"],
        s["id"])), 201)
    # paying an order past its TTL expires it and frees its place
    shop.age(o3)
    hf.expect_error(shop.act(o3["id"], "pay"), 409, "ORD_003")
    hf.expect_eq(counts(s["id"]), (0, 0, 2), "expired at payment")
    hf.expect_eq(shop.stock(sku), (10, 0, 10), "every unit back")
    shop.reconciled(sku)


def test_the_last_place_goes_once_under_64_orders():
    uid, tok = _user()
    a = area(fee="1.00")
    s = slot(1, area_id=a["id"])
    ad = hf.expect_success(address(tok, a["id"]), 201)
    sku = shop.product(100, "10.00")
    with concurrent.futures.ThreadPoolExecutor(64) as ex:
        rs = list(ex.map(lambda _: order([(sku, 1)], tok, by_address(
            ad["id"], s["id"])), range(64)))
    ok = [r for r in rs if r.status == 201]
    hf.expect_eq(len(ok), 1, "orders that got the last place")
    for r in rs:
        if r.status != 201:
            hf.expect_error(r, 409, "DLV_007")
    hf.expect_eq(counts(s["id"]), (1, 0, 1), "one reserved")
    hf.expect_eq(events("slot.full", "slot_id", s["id"]), 1,
        "slot.full once")
    hf.expect_eq(shop.stock(sku), (100, 1, 99), "one order's unit")
    # a pickup slot raced by two business keys
    p = point()
    ps = slot(3, point_id=p["id"])
    keys = [shop.biz(), hf.inv_business("dlv2")]
    with concurrent.futures.ThreadPoolExecutor(64) as ex:
        rs = list(ex.map(lambda i: order([(sku, 1)], keys[i % 2], by_point(
            p["id"], ps["id"])), range(64)))
    hf.expect_eq(sum(r.status == 201 for r in rs), 3, "three places")
    hf.expect_eq(counts(ps["id"]), (3, 0, 3), "three reserved")
    hf.expect_eq(shop.stock(sku), (100, 4, 96), "four orders' units")
    shop.reconciled(sku)


def test_addresses_belong_to_their_reader():
    uid, tok = _user()
    uid2, tok2 = _user()
    a = area(fee="2.00")
    s = slot(5, area_id=a["id"])
    mine = hf.expect_success(address(tok, a["id"], label="work",
        line2="Floor 3"), 201)
    lst = hf.expect_success(hf.call("GET", API + "/me/addresses",
        token=tok))
    hf.expect_eq([x["id"] for x in lst["items"]], [mine["id"]], "mine")
    hf.expect_eq(hf.expect_success(hf.call("GET", API + "/me/addresses",
        token=tok2))["items"], [], "another reader sees none")
    # another reader's address: 404 everywhere, unchanged
    for r in (hf.call("PATCH", API + "/me/addresses/%d" % mine["id"],
            {"label": "stolen"}, token=tok2),
            hf.call("DELETE", API + "/me/addresses/%d" % mine["id"],
            token=tok2)):
        hf.expect_error(r, 404, "DLV_001")
    sku = shop.product(5, "30.00")
    hf.expect_error(order([(sku, 1)], tok2, by_address(mine["id"],
        s["id"])), 404, "DLV_001")
    hf.expect_error(order([(sku, 1)], shop.biz(), by_address(mine["id"],
        s["id"])), 404, "DLV_001")
    hf.expect_eq(counts(s["id"]), (0, 0, 5), "nothing held")
    hf.expect_eq(shop.stock(sku), (5, 0, 5), "nothing held")
    # the owner edits: line2 cleared with null, the rest kept
    e = hf.expect_success(hf.call("PATCH", API + "/me/addresses/%d"
        % mine["id"], {"line2": None, "city": "York"}, token=tok))
    hf.expect_eq((e["label"], e["line2"], e["city"]), ("work", None,
        "York"), "patched")
    # API keys have no addresses
    r = hf.call("GET", API + "/me/addresses", token=shop.biz())
    hf.expect_status(r, 403)
    # unknown or stopped area
    hf.expect_error(address(tok, 999999999999), 404, "DLV_002")
    stopped = area()
    hf.expect_success(hf.call("PATCH", API + "/delivery-areas/%d"
        % stopped["id"], {"active": False}, token=hf.admin_token()))
    hf.expect_error(address(tok, stopped["id"]), 404, "DLV_002")
    # at most 20 addresses, counted under the reader's row lock
    with concurrent.futures.ThreadPoolExecutor(24) as ex:
        rs = list(ex.map(lambda i: address(tok, a["id"], label="a%d" % i),
            range(24)))
    hf.expect_eq(sum(r.status == 201 for r in rs), 19, "up to 20 in all")
    for r in rs:
        if r.status != 201:
            hf.expect_error(r, 409, "DLV_011")
    n = len(hf.expect_success(hf.call("GET", API + "/me/addresses",
        token=tok))["items"])
    hf.expect_eq(n, 20, "twenty saved")


def test_refusals_each_with_its_code():
    uid, tok = _user()
    a = area(fee="3.00")
    other = area(fee="3.00")
    p = point()
    s = slot(5, area_id=a["id"])
    s_other = slot(5, area_id=other["id"])
    ps = slot(5, point_id=p["id"])
    ad = hf.expect_success(address(tok, a["id"]), 201)
    sku = shop.product(20, "50.00")
    # a slot of another area, a point's slot for delivery and back
    hf.expect_error(order([(sku, 1)], tok, by_address(ad["id"],
        s_other["id"])), 422, "DLV_005")
    hf.expect_error(order([(sku, 1)], tok, by_address(ad["id"],
        ps["id"])), 422, "DLV_005")
    hf.expect_error(order([(sku, 1)], tok, by_point(p["id"], s["id"])),
        422, "DLV_005")
    hf.expect_error(order([(sku, 1)], tok, by_point(p["id"],
        999999999999)), 404, "DLV_004")
    hf.expect_error(order([(sku, 1)], tok, by_point(999999999999,
        ps["id"])), 404, "DLV_003")
    # a stopped slot, a started one
    stopped = slot(5, area_id=a["id"])
    hf.expect_success(hf.call("PATCH", API + "/delivery-slots/%d"
        % stopped["id"], {"active": False}, token=hf.admin_token()))
    hf.expect_error(order([(sku, 1)], tok, by_address(ad["id"],
        stopped["id"])), 409, "DLV_006")
    started = slot(5, area_id=a["id"], start=-1)
    hf.expect_error(order([(sku, 1)], tok, by_address(ad["id"],
        started["id"])), 409, "DLV_006")
    # a closed point, an area no longer served
    hf.expect_success(hf.call("PATCH", API + "/pickup-points/%d" % p["id"],
        {"active": False}, token=hf.admin_token()))
    hf.expect_error(order([(sku, 1)], tok, by_point(p["id"], ps["id"])),
        404, "DLV_003")
    hf.expect_success(hf.call("PATCH", API + "/delivery-areas/%d" % a["id"],
        {"active": False}, token=hf.admin_token()))
    hf.expect_error(order([(sku, 1)], tok, by_address(ad["id"], s["id"])),
        404, "DLV_002")
    # malformed choices: 422 REQ_010 naming the field inside "delivery"
    for bad, field in (({"method": "drone", "slot_id": 1},
            "delivery.method"),
            ({"method": "delivery", "slot_id": s["id"]},
            "delivery.address_id"),
            ({"method": "pickup", "slot_id": ps["id"]},
            "delivery.pickup_point_id"),
            ({"method": "pickup", "pickup_point_id": p["id"],
            "address_id": ad["id"], "slot_id": ps["id"]},
            "delivery.address_id"),
            ({"method": "delivery", "address_id": ad["id"]},
            "delivery.slot_id"),
            ({"method": "delivery", "address_id": "1", "slot_id": 1},
            "delivery.address_id"),
            ({"method": "delivery", "address_id": 0, "slot_id": 1},
            "delivery.address_id")):
        r = order([(sku, 1)], tok, bad)
        hf.expect_field_error(r, 422, "REQ_010", field)
    r = order([(sku, 1)], tok, {"method": "pickup", "pickup_point_id":
        p["id"], "slot_id": ps["id"], "extra": 1})
    hf.expect_not_5xx(r)
    hf.check(r.status == 422, "unknown key: %d" % r.status)
    r = order([(sku, 1)], tok, "pickup")
    hf.expect_field_error(r, 422, "REQ_010", "delivery")
    for sid in (s["id"], s_other["id"], ps["id"], stopped["id"],
            started["id"]):
        hf.expect_eq(counts(sid)[:2], (0, 0), "slot %d untouched" % sid)
    hf.expect_eq(shop.stock(sku), (20, 0, 20), "refusals hold nothing")
    shop.reconciled(sku)


def test_admin_areas_points_slots():
    adm = hf.admin_token()
    a = area(fee="0.99", min_order="10")
    hf.expect_eq((a["fee"], a["min_order"], a["active"]), ("0.99", "10.00",
        True), "area")
    r = hf.call("POST", API + "/delivery-areas", {"name": a["name"]},
        token=adm)
    hf.expect_error(r, 409, "DLV_009")
    for bad in ({"fee": "-1"}, {"fee": "1.234"}, {"name": ""},
            {"name": "x" * 101}, {"min_order": "abc"}):
        body = {"name": _name("bad")}
        body.update(bad)
        r = hf.call("POST", API + "/delivery-areas", body, token=adm)
        hf.expect_not_5xx(r)
        hf.check(r.status == 422, "%r: %d %s" % (bad, r.status, r.body[:200]))
    e = hf.expect_success(hf.call("PATCH", API + "/delivery-areas/%d"
        % a["id"], {"fee": "2.00"}, token=adm))
    hf.expect_eq((e["fee"], e["min_order"], e["name"]), ("2.00", "10.00",
        a["name"]), "patched fee only")
    hf.expect_error(hf.call("PATCH", API + "/delivery-areas/999999999999",
        {"fee": "1"}, token=adm), 404, "DLV_002")
    # a stopped area is listed for the admin only
    hf.expect_success(hf.call("PATCH", API + "/delivery-areas/%d" % a["id"],
        {"active": False}, token=adm))
    pub = hf.expect_success(hf.call("GET", API + "/delivery-areas"))
    hf.check(a["id"] not in [x["id"] for x in pub["items"]], "hidden")
    mine = hf.expect_success(hf.call("GET", API + "/delivery-areas",
        token=adm))
    hf.check(a["id"] in [x["id"] for x in mine["items"]], "admin sees it")
    # points
    p = point(hours=None)
    hf.expect_eq(p["hours"], None, "no hours")
    hf.expect_error(hf.call("POST", API + "/pickup-points", {"name":
        p["name"], "address": "x"}, token=adm), 409, "DLV_009")
    pub = hf.expect_success(hf.call("GET", API + "/pickup-points"))
    hf.check(p["id"] in [x["id"] for x in pub["items"]], "listed")
    # slots: exactly one of area and point, a window, a capacity
    b = area()
    for bad in ({"area_id": b["id"], "pickup_point_id": p["id"]}, {},
            {"area_id": b["id"], "capacity": 0},
            {"area_id": b["id"], "ends_at": _iso(23)},
            {"area_id": b["id"], "starts_at": "tomorrow"}):
        body = {"starts_at": _iso(24), "ends_at": _iso(26), "capacity": 3}
        body.update(bad)
        r = hf.call("POST", API + "/delivery-slots", body, token=adm)
        hf.expect_not_5xx(r)
        hf.check(r.status == 422, "%r: %d %s" % (bad, r.status, r.body[:200]))
    hf.expect_error(hf.call("POST", API + "/delivery-slots", {"area_id":
        999999999999, "starts_at": _iso(24), "ends_at": _iso(26),
        "capacity": 3}, token=adm), 404, "DLV_002")
    s = slot(2, area_id=b["id"])
    hf.expect_eq((s["method"], s["area_id"], s["pickup_point_id"]),
        ("delivery", b["id"], None), "a delivery slot")
    lst = hf.expect_success(hf.call("GET", API + "/delivery-slots?area_id=%d"
        % b["id"]))
    hf.expect_eq([x["id"] for x in lst["items"]], [s["id"]], "by area")
    hf.expect_error(hf.call("GET", API + "/delivery-slots/999999999999"),
        404, "DLV_004")
    r = hf.call("GET", API + "/delivery-slots?area_id=-1")
    hf.expect_field_error(r, 422, "REQ_010", "area_id")
    # capacity never below the places taken
    uid, tok = _user()
    ad = hf.expect_success(address(tok, b["id"]), 201)
    sku = shop.product(5, "9.00")
    hf.expect_success(order([(sku, 1)], tok, by_address(ad["id"], s["id"])),
        201)
    hf.expect_success(order([(sku, 1)], tok, by_address(ad["id"], s["id"])),
        201)
    hf.expect_error(hf.call("PATCH", API + "/delivery-slots/%d" % s["id"],
        {"capacity": 1}, token=adm), 409, "DLV_010")
    g = hf.expect_success(hf.call("PATCH", API + "/delivery-slots/%d"
        % s["id"], {"capacity": 3}, token=adm))
    hf.expect_eq((g["capacity"], g["reserved"], g["available"]), (3, 2, 1),
        "grown")
    # only admins write
    for tok2 in (None, tok, shop.biz()):
        r = hf.call("POST", API + "/delivery-areas", {"name": _name("x")},
            token=tok2)
        hf.check(r.status in (401, 403), "area by %r: %d" % (tok2,
            r.status))
    shop.reconciled(sku)


def test_idempotent_replay_holds_one_place():
    p = point()
    s = slot(3, point_id=p["id"])
    sku = shop.product(5, "4.00")
    key = {"Idempotency-Key": "dlv-" + uuid.uuid4().hex}
    body = {"items": [{"sku": sku, "quantity": 1}], "delivery":
        by_point(p["id"], s["id"])}
    r1 = hf.call("POST", API + "/orders", body, token=shop.biz(),
        headers=key)
    o1 = hf.expect_success(r1, 201)
    r2 = hf.call("POST", API + "/orders", body, token=shop.biz(),
        headers=key)
    o2 = hf.expect_success(r2, 201)
    hf.expect_eq((o2["id"], o2["delivery"]), (o1["id"], o1["delivery"]),
        "the same answer, with its delivery")
    hf.expect_eq(counts(s["id"]), (1, 0, 3), "one place held")
    # an order without a choice shows "delivery": null
    o = hf.expect_success(order([(sku, 1)], shop.biz()), 201)
    hf.expect_eq(o["delivery"], None, "no choice")
    hf.expect_eq(shop.get_order(o["id"])["delivery"], None, "read back")
    shop.reconciled(sku)
