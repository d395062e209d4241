"""The payment provider's callback (issue 6): POST /api/v1/payments/notify,
signed X-Signature: sha256=<hex HMAC of the raw body>.  A good one pays the
order (its reservations committed: deduct rows naming the order); the same
provider_txn_id again is answered 200 and applied once; a bad signature is
401 and changes nothing; a wrong amount or currency is refused and
recorded.  Reconcile stays clean."""

import json
import threading
import uuid

import hf
from hf import shop


def _txn():
    return "txn_%s" % uuid.uuid4().hex[:16]


def test_a_signed_callback_pays_and_a_replay_is_applied_once():
    a = shop.product(5, "7.25")
    b = shop.product(5, "1.00")
    o = shop.order([(a, 2), (b, 1)])
    txn = _txn()
    body = shop.notify_body(o, txn)
    r = shop.notify(body)
    data = hf.expect_success(r)
    hf.expect_eq((data["outcome"], data["order"]["status"]),
        ("applied", "paid"), "(outcome, order status)", r)
    hf.expect_eq((shop.stock(a), shop.stock(b)), ((3, 0, 3), (4, 0, 4)),
        "stock after the payment")
    deducts = [x for x in shop.order_ledger(o["id"]) if x["type"] ==
        "deduct"]
    hf.expect_eq(sorted((x["sku"], x["on_hand_delta"], x["reserved_delta"],
        x["reference_id"]) for x in deducts), sorted([
        (a, -2, -2, str(o["id"])), (b, -1, -1, str(o["id"]))]),
        "deduct rows naming the order")
    hf.expect_eq([x["actor"] for x in deducts], ["payment-provider"] * 2,
        "the deduct rows' actor")

    for _ in range(2):
        r = shop.notify(body)
        data = hf.expect_success(r)
        hf.expect_eq((data["outcome"], data["order"]["status"]),
            ("duplicate", "paid"), "(outcome, status) of a replay", r)
    hf.expect_eq((shop.stock(a), shop.stock(b)), ((3, 0, 3), (4, 0, 4)),
        "stock after two replays")
    hf.expect_eq(len([x for x in shop.order_ledger(o["id"]) if x["type"] ==
        "deduct"]), 2, "deduct rows after the replays")
    hf.expect_eq([p[0] for p in shop.payments(txn)], ["applied", "duplicate",
        "duplicate"], "payments recorded for %s" % txn)
    # the same transaction id names the same payment, whatever order it cites
    other = shop.order([(b, 1)])
    r = shop.notify(shop.notify_body(other, txn))
    hf.expect_eq(hf.expect_success(r)["outcome"], "duplicate",
        "a known transaction id for another order")
    hf.expect_eq(shop.get_order(other["id"])["status"], "pending_payment",
        "the other order")
    hf.expect_success(shop.act(other["id"], "cancel"))
    shop.reconciled(a, b)


def test_the_same_callback_sent_at_once_applies_once():
    sku = shop.product(10, "4.00")
    o = shop.order([(sku, 3)])
    txn = _txn()
    body = shop.notify_body(o, txn)
    answers = []

    def send():
        answers.append(shop.notify(body))
    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    outcomes = sorted(hf.expect_success(r)["outcome"] for r in answers)
    hf.expect_eq(outcomes, ["applied", "duplicate", "duplicate",
        "duplicate"], "outcomes of 4 identical callbacks at once")
    hf.expect_eq(shop.stock(sku), (7, 0, 7), "stock: deducted once")
    hf.expect_eq(sorted(p[0] for p in shop.payments(txn)), outcomes,
        "payments recorded")
    shop.reconciled(sku)


def test_a_bad_signature_is_401_and_changes_nothing():
    sku = shop.product(3, "2.00")
    o = shop.order([(sku, 1)])
    txn = _txn()
    body = shop.notify_body(o, txn)
    tampered = shop.notify_body(o, txn, amount="0.01")
    for sig, why in ((shop.sign(body, "not-the-secret"), "wrong key"),
            (shop.sign(tampered), "signed another body"),
            ("sha256=" + "0" * 64, "zeros"), ("md5=abc", "another scheme"),
            ("", "empty")):
        r = shop.notify(body, signature=sig)
        hf.expect_error(r, 401, "PAY_001")
    r = shop.notify(body, headers={"X-Signature": None})
    hf.expect_error(r, 401, "PAY_001")
    # an unsigned body is never parsed: bad JSON is still 401, not 400
    r = shop.notify(b"{not json", signature=shop.sign(b"{other"))
    hf.expect_error(r, 401, "PAY_001")
    hf.expect_eq(shop.get_order(o["id"])["status"], "pending_payment",
        "status after bad signatures")
    hf.expect_eq(shop.stock(sku), (3, 1, 2), "stock after bad signatures")
    hf.expect_eq(shop.payments(txn), [], "payments recorded for bad "
        "signatures")
    # upper-case hex is the same signature
    r = shop.notify(body, signature=shop.sign(body).upper().replace(
        "SHA256=", "sha256="))
    hf.expect_eq(hf.expect_success(r)["outcome"], "applied", "outcome", r)
    shop.reconciled(sku)


def test_a_wrong_amount_or_currency_is_refused_and_recorded():
    sku = shop.product(3, "19.99")
    o = shop.order([(sku, 1)])
    for amount, currency in (("19.98", None), ("20", None),
            (None, "USD")):
        txn = _txn()
        r = shop.notify(shop.notify_body(o, txn, amount=amount,
            currency=currency))
        body = hf.expect_error(r, 422, "PAY_002")
        hf.check("19.99" in body["message"], "the message does not name "
            "the order's total", r)
        hf.check(isinstance(body["details"].get("payment_id"), int),
            "details.payment_id missing", r)
        rows = shop.payments(txn)
        hf.expect_eq([(x[0], x[1]) for x in rows], [("rejected",
            str(o["id"]))], "payments recorded for %s" % txn)
        hf.check(rows[0][2] and "does not match" in rows[0][2],
            "the recorded reason is %r" % rows[0][2])
    hf.expect_eq(shop.get_order(o["id"])["status"], "pending_payment",
        "status after refused payments")
    hf.expect_eq(shop.stock(sku), (3, 1, 2), "stock after refused payments")
    # then the right amount and currency pay it
    r = shop.notify(json.dumps({"order_id": o["id"], "amount": "19.99",
        "currency": "EUR", "provider_txn_id": _txn(),
        "status": "paid"}).encode())
    hf.expect_eq(hf.expect_success(r)["outcome"], "applied", "outcome", r)
    hf.expect_eq(shop.stock(sku), (2, 0, 2), "stock after the payment")
    shop.reconciled(sku)


def test_callbacks_that_cannot_pay_are_recorded_and_answered():
    sku = shop.product(4, "3.00")
    o = shop.order([(sku, 1)])
    # a status other than paid changes nothing and is acknowledged
    txn = _txn()
    r = shop.notify(shop.notify_body(o, txn, status="failed"))
    hf.expect_eq(hf.expect_success(r)["outcome"], "ignored", "outcome", r)
    hf.expect_eq(shop.payments(txn)[0][0], "rejected", "recorded outcome")
    hf.expect_eq(shop.get_order(o["id"])["status"], "pending_payment",
        "status")
    # an unknown order
    txn = _txn()
    r = shop.notify(shop.notify_body(dict(o, id=999999999), txn))
    hf.expect_error(r, 404, "ORD_001")
    hf.expect_eq(shop.payments(txn), [("rejected", None, "unknown order")],
        "recorded")
    # a cancelled order
    hf.expect_success(shop.act(o["id"], "cancel"))
    txn = _txn()
    hf.expect_error(shop.notify(shop.notify_body(o, txn)), 409, "ORD_002")
    hf.expect_eq([x[0] for x in shop.payments(txn)], ["rejected"],
        "recorded")
    # an order past its TTL: refused, and expired on the spot
    late = shop.order([(sku, 2)])
    shop.age(late)
    txn = _txn()
    hf.expect_error(shop.notify(shop.notify_body(late, txn)), 409, "ORD_003")
    hf.expect_eq([x[0] for x in shop.payments(txn)], ["rejected"],
        "recorded")
    hf.expect_eq(shop.get_order(late["id"])["status"], "expired", "status")
    hf.expect_eq(shop.stock(sku), (4, 0, 4), "stock")
    # well signed but malformed: 400, nothing recorded
    for raw, code in ((b"{\"order_id\": 1,", "REQ_001"),
            (b"[1, 2]", "REQ_001"),
            (json.dumps({"order_id": o["id"], "amount": "3.00",
            "currency": "EUR", "provider_txn_id": "x", "status": "paid",
            "extra": 1}).encode(), "REQ_009"),
            (json.dumps({"order_id": o["id"], "amount": "3.00",
            "currency": "eur", "provider_txn_id": "x",
            "status": "paid"}).encode(), "REQ_010")):
        r = shop.notify(raw)
        hf.expect_error(r, 400 if code in ("REQ_001", "REQ_009") else 422,
            code)
    shop.reconciled(sku)
