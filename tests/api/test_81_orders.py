"""Orders (issue 6): an order reserves every line or none at the prices of
that moment; pay commits, cancel releases, refund restocks, each move a
ledger row naming the order; every illegal transition is 409 ORD_* naming
the current state; an unpaid order past its TTL cannot be paid and
holdfast-expire expires it, its units free again.  Reconcile stays clean."""

import calendar
import re
import threading
import time

import hf
from hf import shop

EXPIRE_ORDERS_RE = re.compile(r"orders: expired (\d+), skipped (\d+)")


def _iso(s):
    return calendar.timegm(time.strptime(s[:19], "%Y-%m-%dT%H:%M:%S")) + \
        float("0" + s[19:-1])


def _user():
    u = hf.verified_user()
    return u["access"], u["id"]


def test_an_order_reserves_every_line_at_the_price_of_the_moment():
    a = shop.product(10, "12.50")
    b = shop.product(5, "3.00")
    r = shop.place([(a, 2), (b, 1), (a, 1)], note="gift wrap")
    o = hf.expect_success(r, 201)
    hf.expect_eq((o["status"], o["total"], o["currency"], o["note"]),
        ("pending_payment", "40.50", "EUR", "gift wrap"),
        "(status, total, currency, note)", r)
    lines = {l["sku"]: l for l in o["lines"]}
    hf.expect_eq({k: (v["quantity"], v["unit_price"], v["line_total"])
        for k, v in lines.items()}, {a: (3, "12.50", "37.50"),
        b: (1, "3.00", "3.00")}, "lines (lines of one SKU summed)", r)
    ttl = hf.conf_int("order_ttl", 900)
    span = _iso(o["expires_at"]) - _iso(o["created_at"])
    hf.check(abs(span - ttl) < 1, "expires_at is %.3fs after created_at, "
        "not order_ttl %ds" % (span, ttl), r)
    hf.expect_eq(shop.stock(a), (10, 3, 7), "(on_hand, reserved, "
        "available) of %s" % a)
    hf.expect_eq(shop.stock(b), (5, 1, 4), "(on_hand, reserved, "
        "available) of %s" % b)

    res = hf.list_all("/api/v1/reservations?reference_id=%s"
        % o["reference_id"], shop.biz())
    hf.expect_eq(sorted((x["sku"], x["quantity"], x["type"], x["status"],
        x["expires_at"]) for x in res), sorted([(a, 3, "order", "active",
        o["expires_at"]), (b, 1, "order", "active", o["expires_at"])]),
        "the order's reservations (expiring with it)")
    hf.expect_eq(sorted((x["sku"], x["type"], x["reserved_delta"]) for x in
        shop.order_ledger(o["id"])), sorted([(a, "reserve", 3),
        (b, "reserve", 1)]), "ledger rows naming the order")

    # a later price change leaves the order as it was
    pid = hf.stock_of(a, shop.biz())["product_id"]
    r = hf.call("PATCH", "/api/v1/products/%d" % pid, {"price": "99.00"},
        token=shop.admin())
    hf.expect_success(r)
    again = shop.get_order(o["id"])
    hf.expect_eq((again["total"], [l["unit_price"] for l in again["lines"]
        if l["sku"] == a]), ("40.50", ["12.50"]), "total and unit price "
        "after the product's price changed")
    hf.expect_success(shop.act(o["id"], "cancel"))
    shop.reconciled(a, b)


def test_an_order_with_a_short_line_reserves_nothing():
    a = shop.product(5, "1.00")
    b = shop.product(1, "1.00")
    c = shop.product(0, "1.00")
    r = shop.place([(a, 2), (b, 3), (c, 1)])
    body = hf.expect_error(r, 400, "INV_002")
    short = sorted((x["sku"], x["requested"], x["available"]) for x in
        body["details"]["lines"])
    hf.expect_eq(short, sorted([(b, 3, 1), (c, 1, 0)]), "details.lines "
        "(every short line)", r)
    for sku, n in ((a, 5), (b, 1), (c, 0)):
        hf.expect_eq(shop.stock(sku), (n, 0, n), "stock of %s after a "
            "refused order" % sku)
    r = shop.place([(a, 1), ("NO-SUCH-%s" % a, 1)])
    hf.expect_error(r, 404, "INV_001")
    hf.expect_eq(shop.stock(a), (5, 0, 5), "stock after an order naming "
        "an unknown SKU")
    for bad, code in (({"items": []}, "REQ_010"),
            ({"items": [{"sku": a, "quantity": 0}]}, "INV_005"),
            ({"items": [{"sku": a, "quantity": 1}], "status": "paid"},
            "REQ_009")):
        r = hf.call("POST", "/api/v1/orders", bad, token=shop.biz())
        hf.expect_error(r, 400 if code == "REQ_009" else 422, code)
    shop.reconciled(a, b, c)


def test_orders_are_their_owners_and_staff_see_all():
    sku = shop.product(10, "2.00")
    u1, id1 = _user()
    u2, _ = _user()
    mine = shop.order([(sku, 1)], token=u1)
    hf.expect_eq(mine["user_id"], id1, "user_id of a user's order")
    r = hf.call("GET", "/api/v1/orders/%d" % mine["id"], token=u2)
    hf.expect_error(r, 404, "ORD_001")
    r = hf.call("POST", "/api/v1/orders/%d/cancel" % mine["id"], token=u2)
    hf.expect_error(r, 404, "ORD_001")
    theirs = [o["id"] for o in hf.list_all("/api/v1/orders", u2)]
    hf.check(mine["id"] not in theirs, "another user's list shows order %d"
        % mine["id"])
    own = hf.list_all("/api/v1/orders?status=pending_payment", u1)
    hf.expect_eq([o["id"] for o in own], [mine["id"]], "the owner's "
        "pending orders")
    hf.expect_eq(hf.list_all("/api/v1/orders?status=paid", u1), [],
        "the owner's paid orders")
    hf.check(mine["id"] in [o["id"] for o in hf.list_all(
        "/api/v1/orders?status=pending_payment", shop.admin())],
        "the admin's list lacks order %d" % mine["id"])
    r = hf.call("GET", "/api/v1/orders?status=lost", token=u1)
    hf.expect_error(r, 422, "REQ_010")
    r = hf.call("GET", "/api/v1/orders/%d" % mine["id"])
    hf.expect_error(r, 401, "AUTH_001")
    # a user can neither pay nor refund, and a shop key is not the owner
    hf.expect_error(shop.act(mine["id"], "pay", token=u1), 403, "AUTH_005")
    hf.expect_error(shop.act(mine["id"], "refund", token=u1), 403,
        "AUTH_005")
    hf.expect_error(shop.act(mine["id"], "cancel", token=shop.biz()), 403,
        "AUTH_005")
    r = shop.act(mine["id"], "cancel", token=u1)
    hf.expect_eq(hf.expect_success(r)["status"], "cancelled", "status after "
        "the owner cancelled", r)
    shop.reconciled(sku)


def test_cancel_releases_and_illegal_transitions_name_the_state():
    sku = shop.product(4, "5.00")
    o = shop.order([(sku, 3)])
    r = shop.act(o["id"], "cancel", token=shop.biz())  # its owner
    done = hf.expect_success(r)
    hf.expect_eq(done["status"], "cancelled", "status", r)
    hf.check(done["cancelled_at"] is not None, "cancelled_at not set", r)
    hf.expect_eq(shop.stock(sku), (4, 0, 4), "stock after the cancel")
    rows = shop.order_ledger(o["id"], sku)
    hf.expect_eq(sorted((x["type"], x["reserved_delta"], x["on_hand_delta"])
        for x in rows), [("release", -3, 0), ("reserve", 3, 0)],
        "ledger rows naming the order")
    for action, status, code in (("cancel", 409, "ORD_004"),
            ("pay", 409, "ORD_002"), ("fulfill", 409, "ORD_006"),
            ("refund", 409, "ORD_005")):
        r = shop.act(o["id"], action)
        body = hf.expect_error(r, status, code)
        hf.check("cancelled" in body["message"], "%s of a cancelled order: "
            "the message does not name the state" % action, r)
        hf.expect_eq(body.get("details", {}).get("status"), "cancelled",
            "details.status", r)
    hf.expect_eq(shop.stock(sku), (4, 0, 4), "stock after refused moves")
    hf.expect_error(shop.act(999999999, "cancel"), 404, "ORD_001")
    shop.reconciled(sku)


def test_pay_commits_fulfill_then_refund_then_return_restocks():
    a = shop.product(6, "10.00")
    b = shop.product(6, "0.99")
    o = shop.order([(a, 2), (b, 3)])
    hf.expect_eq(o["total"], "22.97", "total")
    key = "pay-%s" % a
    r = shop.act(o["id"], "pay", token=shop.biz(),
        headers={"Idempotency-Key": key})
    paid = hf.expect_success(r)
    hf.expect_eq(paid["status"], "paid", "status after pay", r)
    r2 = shop.act(o["id"], "pay", token=shop.biz(),
        headers={"Idempotency-Key": key})
    hf.expect_eq((r2.status, r2.body), (r.status, r.body), "a replayed pay")
    hf.expect_eq((shop.stock(a), shop.stock(b)), ((4, 0, 4), (3, 0, 3)),
        "stock after pay")
    deducts = [x for x in shop.order_ledger(o["id"]) if x["type"] ==
        "deduct"]
    hf.expect_eq(sorted((x["sku"], x["on_hand_delta"], x["reserved_delta"])
        for x in deducts), sorted([(a, -2, -2), (b, -3, -3)]),
        "deduct rows naming the order")
    body = hf.expect_error(shop.act(o["id"], "pay"), 409, "ORD_002")
    hf.check("is paid" in body["message"], "the message does not name the "
        "state", r)
    hf.expect_error(shop.act(o["id"], "cancel"), 409, "ORD_004")
    hf.expect_error(shop.act(o["id"], "refund", token=shop.biz()), 403,
        "AUTH_005")

    r = shop.act(o["id"], "fulfill", token=shop.biz())
    hf.expect_eq(hf.expect_success(r)["status"], "fulfilled", "status", r)
    hf.expect_error(shop.act(o["id"], "fulfill"), 409, "ORD_006")

    r = shop.act(o["id"], "refund")
    done = hf.expect_success(r)
    hf.expect_eq(done["status"], "refunded", "status after refund", r)
    hf.check(done["refunded_at"] is not None, "refunded_at not set", r)
    # fulfilled goods are with the customer: the refund gives money back,
    # not units (issue 15); the return brings them back
    hf.expect_eq((shop.stock(a), shop.stock(b)), ((4, 0, 4), (3, 0, 3)),
        "stock after the refund of fulfilled goods")
    hf.expect_eq([x for x in shop.order_ledger(o["id"]) if x["type"] ==
        "restock"], [], "no restock row for the refund")
    r = hf.call("POST", "/api/v1/orders/%d/returns" % o["id"], {"lines":
        [{"sku": a, "quantity": 2, "sellable": True}, {"sku": b,
        "quantity": 3, "sellable": True}]}, token=shop.biz())
    hf.expect_success(r, 201)
    hf.expect_eq((shop.stock(a), shop.stock(b)), ((6, 0, 6), (6, 0, 6)),
        "stock after the return")
    restocks = [x for x in shop.order_ledger(o["id"]) if x["type"] ==
        "restock"]
    hf.expect_eq(sorted((x["sku"], x["on_hand_delta"]) for x in
        restocks), sorted([(a, 2), (b, 3)]), "restock rows naming the order")
    hf.expect_error(shop.act(o["id"], "refund"), 409, "ORD_005")
    shop.reconciled(a, b)


def test_an_idempotent_order_is_placed_once():
    sku = shop.product(5, "1.50")
    hdr = {"Idempotency-Key": "ord-%s" % sku}
    r1 = shop.place([(sku, 2)], headers=hdr)
    hf.expect_success(r1, 201)
    r2 = shop.place([(sku, 2)], headers=hdr)
    hf.expect_eq((r2.status, r2.body), (r1.status, r1.body), "the replay")
    hf.expect_eq(r2.headers.get("Idempotent-Replay"), "true",
        "Idempotent-Replay")
    hf.expect_error(shop.place([(sku, 3)], headers=hdr), 422, "REQ_007")
    hf.expect_eq(shop.stock(sku), (5, 2, 3), "stock after one order sent "
        "twice")
    hf.expect_success(shop.act(r1.json["data"]["id"], "cancel"))
    shop.reconciled(sku)


def test_an_order_past_its_ttl_cannot_be_paid_and_is_expired():
    sku = shop.product(3, "4.00")
    o = shop.order([(sku, 3)])
    shop.age(o)
    # no cron yet: paying is refused, and the order expires on the spot
    r = shop.act(o["id"], "pay", token=shop.biz())
    body = hf.expect_error(r, 409, "ORD_003")
    hf.check("expired" in body["message"], "the message does not say "
        "expired", r)
    hf.expect_eq(shop.get_order(o["id"])["status"], "expired", "status "
        "after paying too late")
    hf.expect_eq(shop.stock(sku), (3, 0, 3), "stock after the refused pay")
    hf.expect_error(shop.act(o["id"], "pay"), 409, "ORD_003")
    shop.reconciled(sku)


def test_holdfast_expire_expires_unpaid_orders_once_even_twice_at_once():
    hf.build_binary("holdfast-expire")
    sku = shop.product(4, "1.00")
    orders = [shop.order([(sku, 2)]), shop.order([(sku, 2)])]
    hf.expect_eq(shop.stock(sku), (4, 4, 0), "stock with two orders")
    hf.expect_error(shop.place([(sku, 1)]), 400, "INV_002")
    for o in orders:
        shop.age(o)
    outs = []

    def run():
        outs.append(hf.run_program("holdfast-expire"))
    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for p in outs:
        hf.expect_eq(p.returncode, 0, "holdfast-expire exit status (%s)"
            % (p.stdout[-300:] + p.stderr[-300:]))
        hf.check(EXPIRE_ORDERS_RE.search(p.stdout), "holdfast-expire "
            "printed no orders line: %r" % p.stdout[-300:])
    expired = sum(int(EXPIRE_ORDERS_RE.search(p.stdout).group(1))
        for p in outs)
    hf.check(expired >= 2, "the two runs expired %d orders, not (at least) "
        "the 2 aged ones" % expired)
    for o in orders:
        hf.expect_eq(shop.get_order(o["id"])["status"], "expired",
            "status of order %d" % o["id"])
        rows = [x for x in shop.order_ledger(o["id"]) if x["type"] ==
            "release"]
        hf.expect_eq([(x["reserved_delta"], x["reason"]) for x in rows],
            [(-2, "expired")], "release rows naming order %d" % o["id"])
        res = hf.list_all("/api/v1/reservations?reference_id=%s"
            % o["reference_id"], shop.biz())
        hf.expect_eq([x["status"] for x in res], ["expired"],
            "its reservation")
    hf.expect_eq(shop.stock(sku), (4, 0, 4), "stock: the units are free")
    fresh = shop.order([(sku, 4)])
    hf.expect_success(shop.act(fresh["id"], "cancel"))
    shop.reconciled(sku)
