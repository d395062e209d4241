"""Refunds, returns and payments (issue 15, item 6), black-box through the
front: partial refunds by line and quantity or by amount (recorded with
amount, reason and provider reference, announced as order.refunded),
never more than was paid in all, also under refunds at once; points given
back and taken back in proportion; refunded goods that were never
fulfilled back on the shelf, fulfilled goods only through a return
(POST /orders/{id}/returns: sellable units restocked naming the order,
unsellable ones restocked and written off with the reason, never more
than was fulfilled); the whole refund (POST /orders/{id}/refund) as
"refund what is left"; the payments read API (GET /payments,
/payments/{id}, /orders/{id}/payments) and the report of orders whose
payments and totals disagree (GET /reports/payments).  Every stock moved
here reconciles."""

import concurrent.futures
import json

import hf
from hf import shop

API = "/api/v1"


def _paid(items, fulfil=False, token=None):
    """An order of items [(sku, qty)] paid through the signed callback
    (and fulfilled if asked); returns its data."""
    o = shop.order(items, token=token)
    r = shop.notify(shop.notify_body(o, "c13-" + hf.new_request_id()))
    hf.expect_status(r, 200)
    if fulfil:
        r = shop.act(o["id"], "fulfill", token=shop.biz())
        hf.expect_eq(hf.expect_success(r)["status"], "fulfilled", "fulfil",
            r)
    return shop.get_order(o["id"])


def _refund(oid, body, token=None, headers=None):
    return hf.call("POST", API + "/orders/%d/refunds" % oid, body,
        token=token or shop.admin(), headers=headers)


def _return(oid, lines, token=None, note=None):
    body = {"lines": lines}
    if note is not None:
        body["note"] = note
    return hf.call("POST", API + "/orders/%d/returns" % oid, body,
        token=token or shop.biz())


def _money(oid):
    return hf.expect_success(hf.call("GET", API + "/orders/%d/payments"
        % oid, token=shop.biz()))


def _events(kind, oid):
    rows = hf.db_rows("SELECT payload FROM outbox WHERE event_type = %s "
        "AND JSON_VALUE(payload, '$.data.order_id') = %d ORDER BY id"
        % (hf.sql_str(kind), oid))
    return [json.loads(r[0])["data"] for r in rows]


def test_partial_refund_then_a_sellable_and_a_damaged_unit_come_back():
    sku = shop.product(10, "10.00")
    o = _paid([(sku, 3)], fulfil=True)
    hf.expect_eq(shop.stock(sku), (7, 0, 7), "after paying 3")
    # money back for 2 units: fulfilled goods stay where they are
    r = _refund(o["id"], {"lines": [{"sku": sku, "quantity": 2}],
        "reason": "two arrived broken", "provider_reference": "re_c13_1"})
    m = hf.expect_success(r, 201)
    hf.expect_eq((m["status"], m["paid"], m["refunded"], m["refundable"]),
        ("fulfilled", "30.00", "20.00", "10.00"), "money after the refund",
        r)
    hf.check(isinstance(m["id"], int) and m["id"] > 0, "refund id", r)
    ref = m["refunds"][0]
    hf.expect_eq((ref["amount"], ref["reason"], ref["provider_reference"],
        ref["kind"], ref["lines"]), ("20.00", "two arrived broken",
        "re_c13_1", "partial", [{"sku": sku, "quantity": 2,
        "restocked": 0}]), "the refund's record", r)
    hf.expect_eq(shop.stock(sku), (7, 0, 7), "a refund of fulfilled goods "
        "restocks nothing")
    ev = _events("order.refunded", o["id"])
    hf.expect_eq([(e["amount"], e["refund_id"], e["provider_reference"],
        e["refunded_total"]) for e in ev], [("20.00", m["id"], "re_c13_1",
        "20.00")], "order.refunded")
    # the goods come back: one sellable, one crushed
    r = _return(o["id"], [{"sku": sku, "quantity": 1, "sellable": True},
        {"sku": sku.lower(), "quantity": 1, "sellable": False,
        "reason": "crushed box"}], note="courier")
    m = hf.expect_success(r, 201)
    hf.expect_eq(shop.stock(sku), (8, 0, 8), "one back on the shelf")
    hf.expect_eq(sorted((x["sellable"], x["quantity"], x["reason"]) for x in
        m["returns"]), [(False, 1, "crushed box"), (True, 1, None)],
        "the return's lines", r)
    hf.expect_eq(m["lines"][0]["returnable"], 1, "still out", r)
    rows = sorted((x["type"], x["on_hand_delta"], x["reason"]) for x in
        shop.order_ledger(o["id"]) if x["type"] in ("restock", "deduct")
        and x["reason"] != "paid")
    hf.expect_eq(rows, [("deduct", -1, "written off: crushed box"),
        ("restock", 1, "return"), ("restock", 1, "return (not sellable)")],
        "the ledger rows of the return", r)
    ev = _events("order.returned", o["id"])
    hf.expect_eq(len(ev), 1, "order.returned")
    hf.expect_eq(sorted(x["sellable"] for x in ev[0]["lines"]),
        [False, True], "the event's lines")
    # never more back than went out
    hf.expect_error(_return(o["id"], [{"sku": sku, "quantity": 2,
        "sellable": True}]), 409, "RFD_005")
    hf.expect_eq(shop.stock(sku), (8, 0, 8), "the refused return")
    hf.expect_success(_return(o["id"], [{"sku": sku, "quantity": 1,
        "sellable": True}]), 201)
    hf.expect_error(_return(o["id"], [{"sku": sku, "quantity": 1,
        "sellable": True}]), 409, "RFD_005")
    hf.expect_eq(shop.stock(sku), (9, 0, 9), "all three back")
    shop.reconciled(sku)


def test_two_refunds_at_once_never_exceed_what_was_paid():
    sku = shop.product(5, "10.00")
    o = _paid([(sku, 1)])
    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        rs = list(ex.map(lambda i: _refund(o["id"], {"amount": "4.00",
            "reason": "race %d" % i}), range(16)))
    ok = [r for r in rs if r.status == 201]
    hf.expect_eq(len(ok), 2, "refunds of 4.00 out of 10.00 that went")
    for r in rs:
        if r.status != 201:
            hf.expect_error(r, 409, "RFD_001")
    m = _money(o["id"])
    hf.expect_eq((m["refunded"], m["refundable"], len(m["refunds"])),
        ("8.00", "2.00", 2), "refunded after the race")
    total = hf.db_rows("SELECT SUM(amount) FROM order_refunds WHERE "
        "order_id = %d" % o["id"])[0][0]
    hf.expect_eq(str(total), "8.00", "the rows add up")
    body = hf.expect_error(_refund(o["id"], {"amount": "2.01",
        "reason": "too much"}), 409, "RFD_001")
    hf.expect_eq(body["details"]["refundable"], "2.00", "details")
    # the last 2.00: the order is refunded in full, and its unit is back
    m = hf.expect_success(_refund(o["id"], {"amount": "2.00", "reason":
        "the rest"}), 201)
    hf.expect_eq((m["status"], m["refundable"]), ("refunded", "0.00"),
        "refunded in full")
    hf.expect_eq(shop.stock(sku), (5, 0, 5), "a paid order refunded in "
        "full gives its units back")
    hf.expect_error(_refund(o["id"], {"amount": "0.01", "reason": "x"}),
        409, "ORD_005")
    hf.expect_error(shop.act(o["id"], "refund"), 409, "ORD_005")
    shop.reconciled(sku)


def test_paid_goods_come_back_with_their_refund_and_whole_refunds_rest():
    a = shop.product(6, "10.00")
    b = shop.product(6, "1.50")
    o = _paid([(a, 3), (b, 2)])
    hf.expect_eq(o["total"], "33.00", "total")
    r = _refund(o["id"], {"lines": [{"sku": a, "quantity": 1}],
        "reason": "one not wanted"})
    m = hf.expect_success(r, 201)
    hf.expect_eq((m["refunded"], m["status"]), ("10.00", "paid"), "by line",
        r)
    hf.expect_eq((shop.stock(a), shop.stock(b)), ((4, 0, 4), (4, 0, 4)),
        "the refunded unit is back: it was never sent")
    hf.expect_error(_refund(o["id"], {"lines": [{"sku": a, "quantity": 3}],
        "reason": "x"}), 409, "RFD_002")
    # by lines and an amount: the amount stands for them
    m = hf.expect_success(_refund(o["id"], {"lines": [{"sku": b,
        "quantity": 1}], "amount": "1.00", "reason": "goodwill"}), 201)
    hf.expect_eq(m["refunded"], "11.00", "lines with an amount")
    # the whole refund: what is left of the money and of the units
    r = shop.act(o["id"], "refund")
    hf.expect_eq(hf.expect_success(r)["status"], "refunded", "whole", r)
    hf.expect_eq((shop.stock(a), shop.stock(b)), ((6, 0, 6), (6, 0, 6)),
        "every unit back once")
    m = _money(o["id"])
    hf.expect_eq([(x["kind"], x["amount"]) for x in m["refunds"]],
        [("partial", "10.00"), ("partial", "1.00"), ("whole", "22.00")],
        "the refunds")
    hf.expect_eq(m["refunded"], "33.00", "the total, no more")
    ev = _events("order.refunded", o["id"])
    hf.expect_eq([e["amount"] for e in ev], ["10.00", "1.00", "22.00"],
        "one order.refunded each")
    shop.reconciled(a, b)


def test_refunds_and_returns_refused_exactly():
    sku = shop.product(5, "2.00")
    other = shop.product(5, "2.00")
    pending = shop.order([(sku, 1)])
    hf.expect_error(_refund(pending["id"], {"amount": "1.00", "reason":
        "x"}), 409, "ORD_005")
    hf.expect_error(_return(pending["id"], [{"sku": sku, "quantity": 1,
        "sellable": True}]), 409, "RFD_004")
    hf.expect_success(shop.act(pending["id"], "cancel"))
    o = _paid([(sku, 2)])
    hf.expect_error(_return(o["id"], [{"sku": sku, "quantity": 1,
        "sellable": True}]), 409, "RFD_004")
    hf.expect_field_error(_refund(o["id"], {"reason": "nothing asked"}),
        422, "REQ_010", "lines")
    hf.expect_field_error(_refund(o["id"], {"amount": "0.00",
        "reason": "x"}), 422, "REQ_010", "amount")
    for bad in ({"amount": "-1.00", "reason": "x"}, {"amount": "1.00"},
            {"amount": "1.00", "reason": ""}, {"lines": [], "reason": "x"},
            {"lines": [{"sku": sku, "quantity": 0}], "reason": "x"}):
        r = _refund(o["id"], bad)
        hf.check(r.status in (400, 422), "refused %r: %s" % (bad, r.status),
            r)
    body = hf.expect_error(_refund(o["id"], {"lines": [{"sku": other,
        "quantity": 1}], "reason": "x"}), 422, "RFD_003")
    hf.expect_eq(body["details"]["field"], "lines[0].sku", "the field")
    hf.expect_error(_refund(o["id"], {"amount": "1.00", "reason": "x"},
        token=shop.biz()), 403, "AUTH_005")
    hf.expect_error(_refund(999999999, {"amount": "1.00", "reason": "x"}),
        404, "ORD_001")
    hf.expect_success(shop.act(o["id"], "fulfill", token=shop.biz()))
    hf.expect_error(_return(o["id"], [{"sku": other, "quantity": 1,
        "sellable": True}]), 422, "RFD_003")
    hf.expect_error(_return(o["id"], [{"sku": sku, "quantity": 3,
        "sellable": True}]), 409, "RFD_005")
    hf.expect_error(_return(o["id"], [{"sku": sku, "quantity": 1,
        "sellable": True}, {"sku": sku, "quantity": 2, "sellable": False}]),
        409, "RFD_005")
    hf.expect_eq(shop.stock(sku), (3, 0, 3), "nothing moved")
    # the whole refund of fulfilled goods gives money back, not units
    # (issue 15); the two still out can come back, a third cannot
    hf.expect_success(shop.act(o["id"], "refund"))
    hf.expect_eq(shop.stock(sku), (3, 0, 3), "whole refund: no unit back")
    hf.expect_success(_return(o["id"], [{"sku": sku, "quantity": 2,
        "sellable": True}]), 201)
    hf.expect_eq(shop.stock(sku), (5, 0, 5), "the return")
    hf.expect_error(_return(o["id"], [{"sku": sku, "quantity": 1,
        "sellable": True}]), 409, "RFD_005")
    shop.reconciled(sku, other)


def _user():
    email = hf.unique_email("c13")
    pw = hf.new_password()
    r = hf.call("POST", API + "/users", {"email": email, "password": pw,
        "role": "user"}, token=hf.admin_token())
    uid = hf.expect_success(r, 201)["id"]
    return uid, hf.login_ok(email, pw)["access"]


def _points(tok):
    return hf.expect_success(hf.call("GET", API + "/me/points", token=tok))


def test_points_come_back_in_proportion():
    uid, tok = _user()
    hf.expect_success(hf.call("POST", API + "/users/%d/points" % uid,
        {"delta": 100, "reason": "c13"}, token=hf.admin_token()))
    sku = shop.product(5, "12.50")
    o = hf.expect_success(hf.call("POST", API + "/orders", {"items": [{
        "sku": sku, "quantity": 2}], "points": 100}, token=tok), 201)
    hf.expect_eq(o["total"], "24.00", "total after 100 points")
    hf.expect_status(shop.notify(shop.notify_body(o, "c13p-" +
        hf.new_request_id())), 200)
    hf.expect_success(shop.act(o["id"], "fulfill", token=shop.biz()))
    hf.expect_eq(_points(tok)["balance"], 24, "earned 24")
    m = hf.expect_success(_refund(o["id"], {"amount": "12.00", "reason":
        "half"}), 201)
    hf.expect_eq((m["refunds"][0]["points_returned"],
        m["refunds"][0]["points_revoked"]), (50, 12), "half the points")
    hf.expect_eq(_points(tok)["balance"], 24 + 50 - 12, "after half")
    m = hf.expect_success(_refund(o["id"], {"amount": "12.00", "reason":
        "the rest"}), 201)
    hf.expect_eq(m["status"], "refunded", "refunded in full")
    hf.expect_eq(_points(tok)["balance"], 100, "all spent back, all "
        "earned taken")
    r = hf.call("GET", API + "/points/reconcile?user_id=%d" % uid,
        token=hf.admin_token())
    hf.check(hf.expect_success(r)["ok"], "points reconcile", r)
    hf.expect_eq(shop.stock(sku), (3, 0, 3), "fulfilled: none back")
    shop.reconciled(sku)


def test_payments_read_api_and_the_mismatch_report():
    sku = shop.product(5, "3.00")
    o = shop.order([(sku, 1)])
    txn = "c13pay-" + hf.new_request_id()
    hf.expect_error(shop.notify(shop.notify_body(o, txn + "x",
        amount="2.00")), 422, "PAY_002")
    hf.expect_status(shop.notify(shop.notify_body(o, txn)), 200)
    r = hf.call("GET", API + "/payments?order_id=%d" % o["id"],
        token=shop.biz())
    data = hf.expect_success(r)
    hf.expect_eq([(x["outcome"], x["amount"]) for x in data["items"]],
        [("applied", "3.00"), ("rejected", "2.00")], "newest first", r)
    r = hf.call("GET", API + "/payments?order_id=%d&outcome=rejected"
        % o["id"], token=shop.biz())
    hf.expect_eq(len(hf.expect_success(r)["items"]), 1, "by outcome", r)
    pid = data["items"][0]["id"]
    one = hf.expect_success(hf.call("GET", API + "/payments/%d" % pid,
        token=shop.biz()))
    hf.expect_eq((one["provider_txn_id"], one["raw"]["amount"]),
        (txn, "3.00"), "one payment with its notification")
    hf.expect_error(hf.call("GET", API + "/payments/999999999",
        token=shop.biz()), 404, "RFD_006")
    hf.expect_error(hf.call("GET", API + "/payments", token=None), 401,
        "AUTH_001")
    r = hf.call("GET", API + "/payments?outcome=bogus", token=shop.biz())
    hf.check(r.status in (400, 422), "a bad outcome", r)
    m = _money(o["id"])
    hf.expect_eq((m["paid"], len(m["payments"])), ("3.00", 2), "money")
    # paid offline: no payment; the report lists it, not the other
    off = shop.order([(sku, 1)])
    hf.expect_success(shop.act(off["id"], "pay", token=shop.biz()))
    seen = {}
    after = None
    for _ in range(50):
        q = "?per_page=100" + ("&after=%d" % after if after else "")
        d = hf.expect_success(hf.call("GET", API + "/reports/payments" + q,
            token=shop.biz()))
        for x in d["items"]:
            seen[x["order_id"]] = x
        if off["id"] in seen and min(seen) < o["id"] or not d.get("next"):
            break
        after = d["next"]
    hf.check(off["id"] in seen, "the offline order is reported")
    hf.expect_eq((seen[off["id"]]["problem"], seen[off["id"]]["paid"]),
        ("no_payment", "0.00"), "its problem")
    hf.check(o["id"] not in seen, "the order paid by the provider is not")
    shop.reconciled(sku)


def test_idempotent_refund_is_made_once():
    sku = shop.product(5, "5.00")
    o = _paid([(sku, 2)])
    hdr = {"Idempotency-Key": "c13-%s" % sku}
    r1 = _refund(o["id"], {"amount": "1.00", "reason": "once"},
        headers=hdr)
    r2 = _refund(o["id"], {"amount": "1.00", "reason": "once"},
        headers=hdr)
    hf.expect_eq((r2.status, r2.body), (r1.status, r1.body), "replayed")
    hf.expect_eq(_money(o["id"])["refunded"], "1.00", "made once")


def test_partial_and_whole_refunds_at_once_add_up_to_the_total():
    sku = shop.product(5, "10.00")
    o = _paid([(sku, 1)], fulfil=True)

    def one(i):
        if i == 5:
            return shop.act(o["id"], "refund")
        return _refund(o["id"], {"amount": "3.00", "reason": "race %d" % i})
    with concurrent.futures.ThreadPoolExecutor(12) as ex:
        rs = list(ex.map(one, range(12)))
    for r in rs:
        hf.check(r.status in (200, 201, 409), "a refund in the race: %d"
            % r.status, r)
    m = _money(o["id"])
    hf.expect_eq((m["status"], m["refunded"]), ("refunded", "10.00"),
        "refunded exactly the total")
    total = hf.db_rows("SELECT SUM(amount) FROM order_refunds WHERE "
        "order_id = %d" % o["id"])[0][0]
    hf.expect_eq(str(total), "10.00", "the rows add up to the total")
    # fulfilled: no refund, whole or partial, put the unit back
    hf.expect_eq(shop.stock(sku), (4, 0, 4), "the unit stays out")
    shop.reconciled(sku)


def test_returns_at_once_never_exceed_what_was_fulfilled():
    sku = shop.product(10, "1.00")
    o = _paid([(sku, 3)], fulfil=True)
    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        rs = list(ex.map(lambda i: _return(o["id"], [{"sku": sku,
            "quantity": 1, "sellable": i % 2 == 0}]), range(16)))
    ok = [r for r in rs if r.status == 201]
    hf.expect_eq(len(ok), 3, "returns that went")
    for r in rs:
        if r.status != 201:
            hf.expect_error(r, 409, "RFD_005")
    m = _money(o["id"])
    back = sum(x["quantity"] for x in m["returns"] if x["sellable"])
    hf.expect_eq(m["lines"][0]["returned"], 3, "three back")
    hf.expect_eq(shop.stock(sku), (7 + back, 0, 7 + back),
        "the sellable ones on the shelf, the rest written off")
    shop.reconciled(sku)


def test_a_refund_of_more_lines_than_allowed_is_refused():
    sku = shop.product(5, "1.00")
    o = _paid([(sku, 1)])
    lines = [{"sku": sku, "quantity": 1}] * 101
    r = _refund(o["id"], {"lines": lines, "reason": "too many"})
    hf.expect_field_error(r, 422, "REQ_010", "lines")
    r = _refund(o["id"], {"lines": [{"sku": sku, "quantity": 1}] * 2,
        "reason": "one line twice"})
    hf.expect_error(r, 409, "RFD_002")
    r = _refund(o["id"], {"amount": "1.00", "reason": "r" * 256})
    hf.expect_field_error(r, 422, "REQ_010", "reason")
    hf.expect_eq(_money(o["id"])["refunded"], "0.00", "nothing refunded")
