"""Points (issue 15, item 3), black-box through the front: the account
(balance, reserved, available) and its append-only ledger, the daily
check-in, points reserved by an order and spent when it is paid, released
when it is cancelled or expires, earned when it is fulfilled and given
back / taken back when it is refunded, expiry by holdfast-expire, an
admin's adjustment, and GET /points/reconcile (plus holdfast-admin
reconcile) judging every account against its ledger, lots and unpaid
orders.  The test stack runs the defaults: 100 points make one currency
unit, 1 point earned per whole unit paid, 10 a check-in, lots live 365
days, points pay at most 50% of an order."""

import concurrent.futures
import subprocess

import hf
from hf import shop


def _user():
    """A fresh signed-in user: (id, token)."""
    email = hf.unique_email()
    pw = hf.new_password()
    r = hf.call("POST", "/api/v1/users", {"email": email, "password": pw,
        "role": "user"}, token=hf.admin_token())
    uid = hf.expect_success(r, 201)["id"]
    return uid, hf.login_ok(email, pw)["access"]


def _points(token):
    return hf.expect_success(hf.call("GET", "/api/v1/me/points",
        token=token))


def _grant(uid, delta, reason="test grant"):
    return hf.call("POST", "/api/v1/users/%d/points" % uid,
        {"delta": delta, "reason": reason}, token=hf.admin_token())


def _reconciled(uid):
    r = hf.call("GET", "/api/v1/points/reconcile?user_id=%d" % uid,
        token=hf.admin_token())
    data = hf.expect_success(r)
    hf.check(data["ok"] and data["checked"] == 1,
        "points reconcile of user %d: %r" % (uid, data))


def _order(token, sku, qty, points):
    return hf.call("POST", "/api/v1/orders", {"items": [{"sku": sku,
        "quantity": qty}], "points": points}, token=token)


def test_checkin_once_a_day_under_32_at_once():
    uid, tok = _user()
    with concurrent.futures.ThreadPoolExecutor(32) as ex:
        rs = list(ex.map(lambda _: hf.call("POST",
            "/api/v1/me/points/checkin", token=tok), range(32)))
    ok = [r for r in rs if r.status == 201]
    hf.expect_eq(len(ok), 1, "check-ins that earned")
    for r in rs:
        if r.status != 201:
            hf.expect_error(r, 409, "PTS_002")
    hf.expect_eq(ok[0].json["data"]["earned"], 10, "a check-in's points")
    p = _points(tok)
    hf.expect_eq((p["balance"], p["reserved"], p["available"]), (10, 0, 10),
        "account after one check-in")
    hf.expect_eq([e["kind"] for e in p["items"]], ["checkin"], "ledger")
    hf.check(p["expiring_points"] == 10 and p["expiring_at"],
        "the check-in's lot expires: %r" % p)
    _reconciled(uid)


def test_an_api_key_has_no_points_and_no_checkin():
    biz = shop.biz()
    hf.expect_error(hf.call("GET", "/api/v1/me/points", token=biz), 403,
        "AUTH_005")
    sku = shop.product(3, "10.00")
    r = _order(biz, sku, 1, 100)
    hf.expect_error(r, 422, "PTS_004")
    hf.expect_eq(shop.stock(sku), (3, 0, 3), "a refused order reserves "
        "nothing")


def test_spend_at_checkout_pay_cancel_and_the_ledger():
    uid, tok = _user()
    hf.expect_success(_grant(uid, 1000))
    sku = shop.product(10, "20.00")
    # 500 points = 5.00 off 40.00
    o = hf.expect_success(_order(tok, sku, 2, 500), 201)
    hf.expect_eq((o["total"], o["points_used"], o["points_discount"]),
        ("35.00", 500, "5.00"), "the discount off the total")
    p = _points(tok)
    hf.expect_eq((p["balance"], p["reserved"], p["available"]),
        (1000, 500, 500), "reserved with the order")
    _reconciled(uid)
    # the payment callback must match the discounted total
    r = shop.notify(shop.notify_body(o, "pts-" + hf.new_request_id(),
        amount="40.00"))
    hf.expect_error(r, 422, "PAY_002")
    r = shop.notify(shop.notify_body(o, "pts-" + hf.new_request_id()))
    hf.expect_status(r, 200)
    p = _points(tok)
    hf.expect_eq((p["balance"], p["reserved"], p["available"]),
        (500, 0, 500), "spent when paid")
    hf.expect_eq([e["kind"] for e in p["items"]][:2], ["spend", "reserve"],
        "newest first")
    # another order, cancelled: its points come back
    o2 = hf.expect_success(_order(tok, sku, 1, 400), 201)
    hf.expect_eq(_points(tok)["available"], 100, "reserved again")
    hf.expect_success(shop.act(o2["id"], "cancel", token=tok))
    p = _points(tok)
    hf.expect_eq((p["balance"], p["reserved"]), (500, 0), "released")
    hf.expect_eq(p["items"][0]["kind"], "release", "the release row")
    hf.expect_eq(p["items"][0]["order_id"], o2["id"], "names the order")
    _reconciled(uid)


def test_refusals_change_nothing():
    uid, tok = _user()
    hf.expect_success(_grant(uid, 300))
    sku = shop.product(5, "10.00")
    cases = [
        (_order(tok, sku, 1, 301), 409, "PTS_001"),  # more than there is
        # the order's cap is checked before the account: > 50% of 10.00
        (_order(tok, sku, 1, 600), 422, "PTS_003"),
        (_order(tok, sku, 1, 501), 422, "PTS_003"),
    ]
    for r, status, code in cases:
        hf.expect_error(r, status, code)
    r = _order(tok, sku, 1, 200)   # allowed: 2.00 of 10.00
    hf.expect_success(r, 201)
    # 50% of 10.00 is 500 points; the user has 100 left now
    hf.expect_error(_order(tok, sku, 1, 101), 409, "PTS_001")
    for bad in (-1, "100", 1.5, True, None, 10 ** 10, "1e2"):
        r = hf.call("POST", "/api/v1/orders", {"items": [{"sku": sku,
            "quantity": 1}], "points": bad}, token=tok)
        hf.expect_field_error(r, 422, "REQ_010", "points")
    hf.expect_eq(shop.stock(sku), (5, 1, 4), "only the good order holds")
    p = _points(tok)
    hf.expect_eq((p["balance"], p["reserved"]), (300, 200), "account")
    _reconciled(uid)


def test_64_checkouts_race_for_one_balance():
    uid, tok = _user()
    hf.expect_success(_grant(uid, 1000))
    sku = shop.product(200, "10.00")
    with concurrent.futures.ThreadPoolExecutor(64) as ex:
        rs = list(ex.map(lambda _: _order(tok, sku, 1, 300), range(64)))
    ok = [r for r in rs if r.status == 201]
    hf.expect_eq(len(ok), 3, "orders that got 300 of 1000 points")
    for r in rs:
        if r.status != 201:
            hf.expect_error(r, 409, "PTS_001")
    p = _points(tok)
    hf.expect_eq((p["balance"], p["reserved"], p["available"]),
        (1000, 900, 100), "never over-reserved")
    hf.expect_eq(shop.stock(sku), (200, 3, 197), "units of the 3 orders")
    shop.reconciled(sku)
    _reconciled(uid)


def test_fulfilled_earns_refund_returns_and_revokes():
    uid, tok = _user()
    hf.expect_success(_grant(uid, 100))
    sku = shop.product(5, "12.50")
    o = hf.expect_success(_order(tok, sku, 2, 100), 201)   # 25.00 - 1.00
    hf.expect_eq(o["total"], "24.00", "total")
    hf.expect_status(shop.notify(shop.notify_body(o, "pts-" +
        hf.new_request_id())), 200)
    r = shop.act(o["id"], "fulfill", token=shop.biz())
    done = hf.expect_success(r)
    hf.expect_eq(done["points_earned"], 24, "1 point a whole unit paid")
    p = _points(tok)
    hf.expect_eq((p["balance"], p["reserved"]), (24, 0), "earned")
    _reconciled(uid)
    # refund: the 100 spent come back, the 24 earned go
    hf.expect_success(shop.act(o["id"], "refund"))
    p = _points(tok)
    hf.expect_eq(p["balance"], 100, "spent back, earned taken")
    kinds = [e["kind"] for e in p["items"]]
    hf.expect_eq(kinds[:2], ["revoke", "return"], "the refund's rows")
    # fulfilled goods are with the customer: money and points back, the
    # units only by a return (issue 15)
    hf.expect_eq(shop.stock(sku), (3, 0, 3), "no units back by a refund")
    shop.reconciled(sku)
    _reconciled(uid)


def test_refund_takes_back_only_what_is_left():
    uid, tok = _user()
    sku = shop.product(5, "30.00")
    o = hf.expect_success(_order(tok, sku, 1, 0), 201)
    hf.expect_status(shop.notify(shop.notify_body(o, "pts-" +
        hf.new_request_id())), 200)
    hf.expect_success(shop.act(o["id"], "fulfill", token=shop.biz()))
    hf.expect_eq(_points(tok)["balance"], 30, "earned 30")
    # spend 20 of them elsewhere (adjust down stands in for a spend)
    hf.expect_success(_grant(uid, -20, "spent at the desk"))
    hf.expect_success(shop.act(o["id"], "refund"))
    p = _points(tok)
    hf.expect_eq(p["balance"], 0, "what was left taken back")
    hf.check("10 of 30" in (p["items"][0]["reason"] or ""),
        "the reason says what could not be taken: %r" % p["items"][0])
    _reconciled(uid)


def test_expiry_by_holdfast_expire_spares_reserved_points():
    uid, tok = _user()
    hf.expect_success(_grant(uid, 500))
    hf.expect_success(_grant(uid, 200))
    sku = shop.product(5, "20.00")
    o = hf.expect_success(_order(tok, sku, 1, 600), 201)
    # age both lots past their expiry (root SQL: 365 days cannot pass)
    hf.db_rows("UPDATE points_lots SET expires_at = NOW(3) - INTERVAL 1 "
        "SECOND WHERE user_id = %d" % uid)
    out = hf.run_program("holdfast-expire")
    hf.check(out.returncode == 0 and "points: expired 1 lot(s)" in
        out.stdout, "summary: %r %r" % (out.stdout, out.stderr[-300:]))
    p = _points(tok)
    # FIFO: the older lot (500) gives the 100 not reserved; the younger
    # (200) waits, as the 600 the order holds must stay backed
    hf.expect_eq((p["balance"], p["reserved"]), (600, 600),
        "only the unreserved 100 expired")
    hf.expect_eq(p["items"][0]["kind"], "expire", "the expire row")
    _reconciled(uid)
    # cancelled, the rest expires on the next run; two runs at once
    hf.expect_success(shop.act(o["id"], "cancel", token=tok))
    procs = [hf.start_program("holdfast-expire") for _ in range(2)]
    for pr in procs:
        pr.communicate(timeout=120)
        hf.expect_eq(pr.returncode, 0, "holdfast-expire exit")
    p = _points(tok)
    hf.expect_eq((p["balance"], p["reserved"]), (0, 0), "all expired once")
    hf.expect_eq(sum(-e["delta"] for e in p["items"]
        if e["kind"] == "expire"), 700, "700 expired in all, no more")
    _reconciled(uid)


def test_adjust_is_admin_only_and_checked():
    uid, tok = _user()
    other, otok = _user()
    for token in (tok, otok, shop.biz()):
        r = hf.call("POST", "/api/v1/users/%d/points" % uid,
            {"delta": 100, "reason": "x"}, token=token)
        hf.check(r.status in (403, 404), "adjust by a non-admin: %d"
            % r.status)
        r = hf.call("GET", "/api/v1/users/%d/points" % uid, token=token)
        hf.check(r.status in (403, 404), "read by a non-admin: %d"
            % r.status)
    hf.expect_error(_grant(uid, 0), 422, "REQ_010")
    hf.expect_error(_grant(uid, -1), 409, "PTS_001")
    hf.expect_error(hf.call("POST", "/api/v1/users/%d/points" % uid,
        {"delta": 5}, token=hf.admin_token()), 422, "REQ_010")
    hf.expect_error(hf.call("POST", "/api/v1/users/%d/points" % uid,
        {"delta": 5, "reason": "x", "balance": 9}, token=hf.admin_token()),
        400, "REQ_009")
    r = hf.call("POST", "/api/v1/users/999999999/points",
        {"delta": 5, "reason": "x"}, token=hf.admin_token())
    hf.check(r.status == 404, "unknown user: %d" % r.status)
    # other spellings of the id: refused, or the same user (never another)
    for path in ("/api/v1/users/0%d/points" % uid, "/api/v1/users/+%d/points"
            % uid, "/api/v1/users/%d.0/points" % uid,
            "/api/v1/users/%d%%20/points" % uid,
            "/api/v1/users/%D9%A1/points"):
        r = hf.call("GET", path, token=hf.admin_token())
        hf.expect_not_5xx(r)
        hf.check(r.status in (404, 422) or (r.status == 200 and
            r.json["data"]["user_id"] == uid), "%s: %d" % (path, r.status))
    hf.expect_success(_grant(uid, 50, "welcome"))
    data = hf.expect_success(hf.call("GET", "/api/v1/users/%d/points" % uid,
        token=hf.admin_token()))
    hf.expect_eq((data["user_id"], data["balance"]), (uid, 50), "admin view")
    hf.expect_eq(_points(otok)["balance"], 0, "another user's untouched")
    for bad in ("abc", "-1", "01", "1 ", "\u0661"):
        r = hf.call("GET", "/api/v1/points/reconcile?user_id=%s"
            % hf._quote(bad), token=hf.admin_token())
        hf.expect_error(r, 422, "REQ_010")


def test_the_ledger_is_append_only_for_the_application():
    p = hf.app_db("UPDATE points_ledger SET delta = delta + 1 LIMIT 1")
    hf.check(p.returncode != 0 and "command denied" in p.stderr,
        "the app user rewrote points_ledger: %r" % p.stderr)
    p = hf.app_db("DELETE FROM points_ledger LIMIT 1")
    hf.check(p.returncode != 0, "the app user deleted a points row")


def test_holdfast_admin_reconcile_reads_points_too():
    uid, tok = _user()
    hf.expect_success(_grant(uid, 70))
    _reconciled(uid)
    # a broken account is named (root SQL breaks it, then mends it; one
    # run of holdfast-admin reconcile, which reads every SKU of the stack)
    hf.db_rows("UPDATE points_accounts SET balance = balance + 1 "
        "WHERE user_id = %d" % uid)
    try:
        p = subprocess.run([hf.build_binary("holdfast-admin"),
            "reconcile"], capture_output=True, text=True,
            env=hf.notify_env(), timeout=300)
        hf.check(p.returncode == 1 and ("MISMATCH points user %d" % uid)
            in p.stdout, "broken account not named: %r" % p.stdout[-400:])
        hf.check("points account(s) checked, 1 mismatch(es)" in p.stdout,
            "the points line: %r" % p.stdout[-400:])
        r = hf.call("GET", "/api/v1/points/reconcile?user_id=%d" % uid,
            token=hf.admin_token())
        hf.expect_eq(hf.expect_success(r)["ok"], False, "API reconcile")
    finally:
        hf.db_rows("UPDATE points_accounts SET balance = balance - 1 "
            "WHERE user_id = %d" % uid)
    _reconciled(uid)
