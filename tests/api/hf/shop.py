"""Helpers for the shop tests (test_81..84: orders, payments, webhooks,
order statistics), on top of the rest of hf. Nothing here talks to
anything but the stack: HTTP through the front, and root SQL only where
a test says why (ageing an order, making a delivery due, reading
payments)."""

import hashlib
import hmac
import json
import os
import subprocess

import hf


def biz():
    """The shop's order system: a business key of its own."""
    return hf.inv_business("shop")


def admin():
    return hf.inv_admin()


def product(quantity, price, **fields):
    return hf.new_product(quantity, price=price, **fields)["sku"]


def place(items, token=None, note=None, headers=None):
    """POST /orders with items [(sku, qty)]; returns the Response."""
    body = {"items": [{"sku": s, "quantity": q} for s, q in items]}
    if note is not None:
        body["note"] = note
    return hf.call("POST", "/api/v1/orders", body, token=token or biz(),
        headers=headers)


def order(items, token=None):
    """A placed order's data (201 checked)."""
    return hf.expect_success(place(items, token), 201)


def get_order(oid, token=None):
    return hf.expect_success(hf.call("GET", "/api/v1/orders/%d" % oid,
        token=token or admin()))


def act(oid, action, token=None, headers=None):
    return hf.call("POST", "/api/v1/orders/%d/%s" % (oid, action),
        token=token or admin(), headers=headers)


def payment_secret():
    key = os.environ.get("HOLDFAST_PAYMENT_SECRET") or \
        hf.conf_values().get("payment_secret")
    if not key:
        hf.skip("no payment_secret in %s/holdfast.conf" % hf.dev_var())
    return key


def sign(body, key=None):
    return "sha256=" + hmac.new((key or payment_secret()).encode(), body,
        hashlib.sha256).hexdigest()


def notify_body(o, txn, amount=None, currency=None, status="paid"):
    return json.dumps({"order_id": o["id"],
        "amount": o["total"] if amount is None else amount,
        "currency": currency or o["currency"], "provider_txn_id": txn,
        "status": status}).encode()


def notify(body, signature=None, headers=None):
    """POST /payments/notify with the raw body, signed unless a signature
    (or None in headers) is given."""
    hdrs = {"Content-Type": "application/json",
        "X-Signature": signature if signature is not None else sign(body)}
    hdrs.update(headers or {})
    return hf.request("POST", "/api/v1/payments/notify", body, headers=hdrs)


def payments(txn):
    """(outcome, order_id, reason) of every recorded notification of a
    provider transaction id, oldest first (root SQL: payments has no
    route of its own)."""
    return [tuple(r) for r in hf.db_rows("SELECT outcome, order_id, reason "
        "FROM payments WHERE provider_txn_id = %s ORDER BY id"
        % hf.sql_str(txn))]


def order_ledger(oid, sku=None):
    """Ledger rows naming order oid (reference_type 'order')."""
    rows = hf.ledger_of(biz(), sku=sku, reference_id=str(oid))
    return [r for r in rows if r.get("reference_type") == "order"]


def stock(sku):
    s = hf.stock_of(sku, biz())
    return (s["on_hand"], s["reserved"], s["available"])


def reconciled(*skus):
    for sku in skus:
        data = hf.reconcile_api(sku, biz())
        hf.check(data["ok"], "reconcile of %s: %r" % (sku,
            data["mismatches"]))


def age(o):
    """Move an unpaid order's expiry, and its reservations', 1 s into the
    past, as if its TTL had run out: order_ttl is one value per
    installation (900 s on the test stack, which every other order test
    needs), so a test cannot wait it out.  Root SQL, both tables in one
    statement each."""
    ref = hf.sql_str(o["reference_id"])
    hf.db_rows("UPDATE orders SET expires_at = NOW(3) - INTERVAL 1 SECOND "
        "WHERE id = %d AND status = 'pending_payment'; "
        "UPDATE reservations FORCE INDEX (ix_reservations_reference) "
        "SET expires_at = NOW(3) - INTERVAL 1 SECOND "
        "WHERE reference_id = %s AND status = 'active'" % (o["id"], ref))


def run_notify(extra_env=None, timeout=120):
    """Run holdfast-notify once against the stack; returns stdout."""
    env = hf.notify_env()
    env.update(extra_env or {})
    p = subprocess.run([hf.build_binary("holdfast-notify")],
        capture_output=True, text=True, timeout=timeout, env=env)
    hf.check(p.returncode == 0, "holdfast-notify exited %d: %s %s"
        % (p.returncode, p.stdout[-300:], p.stderr[-500:]))
    return p.stdout

