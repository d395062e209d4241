"""Webhooks (issue 6): an admin subscribes a URL to events; holdfast-notify
POSTs each event once to every subscribed webhook, signed
X-Holdfast-Signature: sha256=<hex HMAC-SHA256 of the body with the
webhook's secret>, with the event's id for de-duplication; a receiver
that is down is retried with backoff, then the delivery is dead, visible
in the API.  The receiver is a local HTTP server (127.0.0.1) started by
the test (hook_receiver.py)."""

import calendar
import hashlib
import hmac
import json
import time
import uuid

import hf
from hf import hook_receiver
from hf import shop


def _hook(url, events, secret=None):
    body = {"url": url, "events": events}
    if secret is not None:
        body["secret"] = secret
    r = hf.call("POST", "/api/v1/webhooks", body, token=shop.admin())
    return hf.expect_success(r, 201)


def _delete(wid):
    return hf.call("DELETE", "/api/v1/webhooks/%d" % wid, token=shop.admin())


def _deliveries(wid, status=None):
    q = "?status=%s" % status if status else ""
    return hf.list_all("/api/v1/webhooks/%d/deliveries%s" % (wid, q),
        shop.admin())


def _listed(wid):
    for w in hf.list_all("/api/v1/webhooks", shop.admin()):
        if w["id"] == wid:
            return w
    return None


def _iso(s):
    return calendar.timegm(time.strptime(s[:19], "%Y-%m-%dT%H:%M:%S"))


def test_webhooks_are_for_admins_and_checked():
    hf.expect_error(hf.call("POST", "/api/v1/webhooks", {"url":
        "http://127.0.0.1:9/x", "events": ["order.paid"]}, token=shop.biz()),
        403, "AUTH_005")
    hf.expect_error(hf.call("GET", "/api/v1/webhooks", token=shop.biz()),
        403, "AUTH_005")
    for body, field in (
            ({"url": "ftp://127.0.0.1/x", "events": ["order.paid"]}, "url"),
            ({"url": "not a url", "events": ["order.paid"]}, "url"),
            ({"url": "http://127.0.0.1:9/x", "events": ["order.lost"]},
            "events"),
            ({"url": "http://127.0.0.1:9/x", "events": []}, "events"),
            ({"url": "http://127.0.0.1:9/x", "events": ["order.paid"],
            "secret": "short"}, "secret")):
        r = hf.call("POST", "/api/v1/webhooks", body, token=shop.admin())
        hf.expect_field_error(r, 422, "REQ_010", field)
    w = _hook("https://example.test/hooks/holdfast", ["stock.out",
        "order.paid", "stock.out"])
    try:
        hf.expect_eq((w["events"], w["active"]), (["stock.out",
            "order.paid"], True), "(events, active)")
        hf.check(isinstance(w.get("secret"), str) and
            len(w["secret"]) >= 32, "no generated secret in the answer: %r"
            % w)
        listed = _listed(w["id"])
        hf.check(listed is not None and "secret" not in listed,
            "the list shows %r" % listed)
        hf.expect_eq(listed["deliveries"], {"pending": 0, "delivered": 0,
            "dead": 0}, "delivery counts of a new webhook")
    finally:
        r = _delete(w["id"])
    hf.expect_eq(hf.expect_success(r)["active"], False, "active after "
        "DELETE")
    hf.check(_listed(w["id"]) is None, "a deleted webhook is still listed")
    hf.expect_error(_delete(w["id"]), 404, "REQ_011")
    hf.expect_error(_delete(999999999), 404, "REQ_011")


def test_each_event_reaches_the_receiver_once_signed():
    secret = "whsec-test-%s" % uuid.uuid4().hex
    with hook_receiver.Receiver() as rx:
        w = _hook(rx.url, ["order.paid", "order.cancelled", "stock.out"],
            secret)
        try:
            hf.expect_eq(w.get("secret"), secret, "the secret given")
            last = shop.product(1, "9.00")
            other = shop.product(5, "1.00")
            paid = shop.order([(last, 1)])  # the last unit: stock.out
            hf.expect_success(shop.act(paid["id"], "pay", token=shop.biz()))
            gone = shop.order([(other, 1)])
            hf.expect_success(shop.act(gone["id"], "cancel"))
            shop.run_notify()
            shop.run_notify()  # nothing left to send the second time
            got = rx.wait(lambda g: len(g) >= 3, timeout=10)
            time.sleep(0.3)
            got = rx.snapshot()
            seen = []
            for d in got:
                body = json.loads(d.body)
                want = "sha256=" + hmac.new(secret.encode(), d.body,
                    hashlib.sha256).hexdigest()
                hf.expect_eq(d.header("X-Holdfast-Signature"), want,
                    "signature of the %s delivery" % body.get("event"))
                hf.expect_eq(d.header("X-Holdfast-Event-Id"),
                    body.get("event_id"), "event id header")
                hf.expect_eq(d.header("X-Holdfast-Event"), body.get("event"),
                    "event header")
                hf.check(d.header("Content-Type").startswith(
                    "application/json"), "Content-Type %r"
                    % d.header("Content-Type"))
                data = body.get("data") or {}
                seen.append((body["event"], data.get("sku") or
                    data.get("order_id"), data.get("status")))
            hf.expect_eq(sorted(seen, key=str), sorted([
                ("stock.out", last, None),
                ("order.paid", paid["id"], "paid"),
                ("order.cancelled", gone["id"], "cancelled")], key=str),
                "events received (each once)")
            hf.expect_eq(len(set(d.header("X-Holdfast-Event-Id")
                for d in got)), 3, "distinct event ids")
            rows = _deliveries(w["id"])
            hf.expect_eq(sorted((x["event"], x["status"], x["attempts"])
                for x in rows), sorted([("order.cancelled", "delivered", 1),
                ("order.paid", "delivered", 1), ("stock.out", "delivered",
                1)]), "deliveries in the API")
            hf.expect_eq(_listed(w["id"])["deliveries"], {"pending": 0,
                "delivered": 3, "dead": 0}, "delivery counts")
            shop.reconciled(last, other)
        finally:
            _delete(w["id"])


def test_a_receiver_that_is_down_is_retried_then_dead():
    port = hook_receiver.free_port()
    w = _hook("http://127.0.0.1:%d/hook" % port, ["order.paid"])
    try:
        sku = shop.product(2, "5.00")
        o = shop.order([(sku, 1)])
        hf.expect_success(shop.act(o["id"], "pay", token=shop.biz()))
        env = {"HOLDFAST_NOTIFY_MAX_ATTEMPTS": "3"}
        shop.run_notify(env)
        (d,) = _deliveries(w["id"])
        hf.expect_eq((d["event"], d["status"], d["attempts"]),
            ("order.paid", "retrying", 1), "(event, status, attempts) after "
            "a failed attempt")
        hf.check(d["last_error"] and d["last_error"].startswith("http:"),
            "last_error is %r" % d["last_error"])
        wait = _iso(d["next_attempt_at"]) - time.time()
        hf.check(20 < wait < 40, "the retry is due in %.0fs, not after the "
            "30 s backoff" % wait)
        shop.run_notify(env)
        hf.expect_eq(_deliveries(w["id"])[0]["attempts"], 1, "attempts "
            "after a run before the retry is due")
        for attempt in (2, 3):
            # make the retry due now rather than wait out the backoff
            hf.db_rows("UPDATE outbox SET next_attempt_at = NOW(3) "
                "WHERE id = %d" % d["id"])
            shop.run_notify(env)
            (d,) = _deliveries(w["id"])
            hf.expect_eq(d["attempts"], attempt, "attempts")
        hf.expect_eq(d["status"], "dead", "status after the last attempt")
        hf.check(d["dead_at"] is not None and d["next_attempt_at"] is None,
            "a dead delivery: %r" % d)
        hf.expect_eq([x["id"] for x in _deliveries(w["id"], "dead")],
            [d["id"]], "?status=dead")
        hf.expect_eq(_listed(w["id"])["deliveries"], {"pending": 0,
            "delivered": 0, "dead": 1}, "delivery counts")
        # dead is final: a later run does not try it again
        hf.db_rows("UPDATE outbox SET next_attempt_at = NOW(3) "
            "WHERE id = %d" % d["id"])
        shop.run_notify(env)
        hf.expect_eq(_deliveries(w["id"])[0]["attempts"], 3, "attempts of "
            "a dead delivery after another run")
        shop.reconciled(sku)
    finally:
        _delete(w["id"])


def test_deleting_a_webhook_kills_its_pending_deliveries():
    port = hook_receiver.free_port()
    w = _hook("http://127.0.0.1:%d/hook" % port, ["order.cancelled"])
    sku = shop.product(2, "1.00")
    o = shop.order([(sku, 1)])
    hf.expect_success(shop.act(o["id"], "cancel"))
    shop.run_notify()
    hf.expect_eq([x["status"] for x in _deliveries(w["id"])], ["retrying"],
        "delivery to a receiver that is down")
    hf.expect_success(_delete(w["id"]))
    (d,) = _deliveries(w["id"])
    hf.expect_eq((d["status"], d["last_error"]), ("dead", "webhook deleted"),
        "(status, last_error) after DELETE")
    # a webhook made after an event does not get it
    with hook_receiver.Receiver() as rx:
        o2 = shop.order([(sku, 1)])
        hf.expect_success(shop.act(o2["id"], "cancel"))
        late = _hook(rx.url, ["order.cancelled"])
        try:
            shop.run_notify()
            hf.expect_eq(_deliveries(late["id"]), [], "deliveries of an "
                "event older than the webhook")
            hf.expect_eq(rx.snapshot(), [], "received")
        finally:
            _delete(late["id"])
    shop.reconciled(sku)
