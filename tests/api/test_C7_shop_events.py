"""The webhook events of coupons and points (issue 15, item 7) and the
coupons' reconcile (issue 15: "a clean reconcile for stock, coupons and
points"), black-box through the front: coupon.redeemed when an order with
a coupon is paid, coupon.exhausted once when a campaign's last coupon is
used (under 16 payments at once), points.earned for a check-in and a
fulfilled order, points.expired from holdfast-expire; a webhook can
subscribe to each new name; GET /coupons/reconcile and holdfast-admin
reconcile name a campaign whose counts or rows disagree."""

import concurrent.futures
import json
import subprocess

import hf
from hf import shop
import test_C7_coupons as cpn
import test_C7_points as pts


def _events(event_type, field, value):
    """The data of outbox rows of event_type whose data.field = value."""
    rows = hf.db_rows("SELECT payload FROM outbox WHERE event_type = %s "
        "AND channel = 'webhook' AND JSON_VALUE(payload, '$.data.%s') = %s "
        "ORDER BY id" % (hf.sql_str(event_type), field, hf.sql_str(value)))
    return [json.loads(r[0])["data"] for r in rows]


def _paid(o, tag):
    hf.expect_status(shop.notify(shop.notify_body(o, tag + "-" +
        hf.new_request_id())), 200)


def test_a_webhook_subscribes_to_every_new_event():
    names = ["coupon.redeemed", "coupon.exhausted", "points.earned",
        "points.expired", "group.joined", "group.succeeded", "group.failed",
        "slot.full", "delivery.booked", "order.refunded", "order.returned"]
    r = hf.call("POST", "/api/v1/webhooks", {"url":
        "https://example.com/hook", "events": names}, token=hf.admin_token())
    w = hf.expect_success(r, 201)
    hf.expect_eq(sorted(w["events"]), sorted(names), "subscribed")
    # a near miss of a name is still refused, naming the new ones
    r = hf.call("POST", "/api/v1/webhooks", {"url":
        "https://example.com/hook", "events": ["coupon.Redeemed"]},
        token=hf.admin_token())
    hf.expect_field_error(r, 422, "REQ_010", "events")
    hf.check("order.returned" in r.text, "the message lists every name: %r"
        % r.text[:400])
    # every name at once is the cap; one more (a repeat) is past it
    every = ["stock.low", "stock.out", "order.paid", "order.cancelled",
        "hold.ready", "loan.overdue"] + names
    r = hf.call("POST", "/api/v1/webhooks", {"url":
        "https://example.com/hook", "events": every},
        token=hf.admin_token())
    w2 = hf.expect_success(r, 201)
    hf.expect_eq(len(w2["events"]), 17, "all 17 names")
    hf.expect_status(hf.call("DELETE", "/api/v1/webhooks/%d" % w2["id"],
        token=hf.admin_token()), 200)
    r = hf.call("POST", "/api/v1/webhooks", {"url":
        "https://example.com/hook", "events": every + ["order.paid"]},
        token=hf.admin_token())
    hf.expect_field_error(r, 422, "REQ_010", "events")
    hf.expect_status(hf.call("DELETE", "/api/v1/webhooks/%d" % w["id"],
        token=hf.admin_token()), 200)


def test_coupon_redeemed_on_payment_and_exhausted_once():
    c = cpn.campaign(kind="fixed", value="2.00", total=16, per_user=0,
        codes=[cpn._code("E")])
    code = c["codes"][0]
    sku = shop.product(40, "10.00")
    orders = [hf.expect_success(cpn.order([(sku, 1)], code), 201)
        for _ in range(16)]
    hf.expect_eq(_events("coupon.redeemed", "campaign_id", str(c["id"])),
        [], "nothing redeemed before payment")
    # one cancelled: its coupon is released, never redeemed
    hf.expect_success(shop.act(orders[0]["id"], "cancel"))
    again = hf.expect_success(cpn.order([(sku, 1)], code), 201)
    pay = orders[1:] + [again]
    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        list(ex.map(lambda o: _paid(o, "cev"), pay))
    red = _events("coupon.redeemed", "campaign_id", str(c["id"]))
    hf.expect_eq(sorted(e["order_id"] for e in red),
        sorted(o["id"] for o in pay), "one coupon.redeemed per paid order")
    hf.check(all(e["code"] == code and e["discount"] == "2.00"
        for e in red), "code and discount in the data: %r" % red[:2])
    ex_ = _events("coupon.exhausted", "campaign_id", str(c["id"]))
    hf.expect_eq(len(ex_), 1, "coupon.exhausted once, for the 16th")
    hf.expect_eq(cpn.counts(c["id"]), (0, 16, 16), "all used")


def test_points_earned_and_expired_events():
    uid, tok = pts._user()
    hf.expect_success(hf.call("POST", "/api/v1/me/points/checkin",
        token=tok), 201)
    ev = _events("points.earned", "user_id", str(uid))
    hf.expect_eq([(e["kind"], e["points"], e["order_id"]) for e in ev],
        [("checkin", 10, None)], "the check-in's event")
    sku = shop.product(5, "30.00")
    o = hf.expect_success(pts._order(tok, sku, 1, 0), 201)
    _paid(o, "pev")
    hf.expect_success(shop.act(o["id"], "fulfill", token=shop.biz()))
    ev = _events("points.earned", "user_id", str(uid))
    hf.expect_eq([(e["kind"], e["points"], e["order_id"], e["balance"])
        for e in ev][1:], [("earn", 30, o["id"], 40)],
        "the fulfilled order's event")
    hf.db_rows("UPDATE points_lots SET expires_at = NOW(3) - INTERVAL 1 "
        "SECOND WHERE user_id = %d" % uid)
    out = hf.run_program("holdfast-expire")
    hf.expect_eq(out.returncode, 0, "holdfast-expire exit")
    ev = _events("points.expired", "user_id", str(uid))
    hf.expect_eq(sorted(e["points"] for e in ev), [10, 30],
        "one points.expired per lot")
    hf.expect_eq(ev[-1]["balance"], 0, "the balance after")
    pts._reconciled(uid)


def _admin_reconcile_names(cid):
    """holdfast-admin reconcile exits 1 naming campaign cid, its coupons
    line counts the mismatch, and the SKU summary stays the last line."""
    p = subprocess.run([hf.build_binary("holdfast-admin"), "reconcile"],
        capture_output=True, text=True, env=hf.notify_env(), timeout=300)
    lines = p.stdout.rstrip().split("\n")
    hf.check(p.returncode == 1 and ("MISMATCH coupons campaign %d:" % cid)
        in p.stdout, "not named: %r" % p.stdout[-400:])
    hf.check(any(l.startswith("reconcile: ") and "coupon campaign(s) "
        "checked, 1 mismatch(es)" in l for l in lines), "the coupons "
        "line: %r" % p.stdout[-400:])
    hf.check(lines[-1].startswith("reconcile: ") and "SKU(s)" in
        lines[-1], "the SKU summary stays the last line: %r" % lines[-1])


def test_coupon_reconcile_names_a_broken_campaign():
    c = cpn.campaign(total=5, per_user=0, codes=[cpn._code("R")])
    sku = shop.product(5, "10.00")
    o = hf.expect_success(cpn.order([(sku, 1)], c["codes"][0]), 201)
    cpn.reconciled(c["id"])
    # root SQL breaks each rule in turn, then mends it (holdfast-admin
    # reconcile, which reads every SKU of the stack, for the first only)
    breaks = [
        ("UPDATE coupon_campaigns SET used = used + 1 WHERE id = %d",
         "UPDATE coupon_campaigns SET used = used - 1 WHERE id = %d"),
        ("UPDATE orders SET coupon_discount = coupon_discount + 0.01 "
         "WHERE id = %d" % o["id"] + " AND %d > 0",
         "UPDATE orders SET coupon_discount = coupon_discount - 0.01 "
         "WHERE id = %d" % o["id"] + " AND %d > 0"),
        ("UPDATE coupon_redemptions SET status = 'used' WHERE "
         "campaign_id = %d",
         "UPDATE coupon_redemptions SET status = 'reserved' WHERE "
         "campaign_id = %d"),
    ]
    for broken, mended in breaks:
        hf.db_rows(broken % c["id"])
        try:
            r = hf.call("GET", "/api/v1/coupons/reconcile?campaign_id=%d" %
                c["id"], token=hf.inv_admin())
            data = hf.expect_success(r)
            hf.check(not data["ok"] and data["mismatches"][0]["campaign_id"]
                == c["id"], "%s: not found: %r" % (broken, data))
            if broken == breaks[0][0]:
                _admin_reconcile_names(c["id"])
        finally:
            hf.db_rows(mended % c["id"])
        cpn.reconciled(c["id"])
    # the whole list has it too, and the query is checked
    r = hf.call("GET", "/api/v1/coupons/reconcile", token=hf.inv_admin())
    hf.check(hf.expect_success(r)["checked"] >= 1, "every campaign")
    for bad in ("0", "01", "-1", "+1", "1.0", "x", "9223372036854775808"):
        r = hf.call("GET", "/api/v1/coupons/reconcile?campaign_id=" + bad,
            token=hf.inv_admin())
        hf.expect_field_error(r, 422, "REQ_010", "campaign_id")
    hf.expect_success(shop.act(o["id"], "cancel"))
    cpn.reconciled(c["id"])
