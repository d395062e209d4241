"""Loans (issue 6, library): lending all lines or none, the last copy to
exactly one of two borrowers at once, the per-user loan limit, returns,
renewals, who may act for whom, and the computed `overdue` status.  Every
loan is a `deduct` ledger row naming the loan, every return a `restock`
naming it; reconcile is clean after every test.

Users are made by the admin (POST /api/v1/users) and logged in.  Due dates
are moved into the past with root SQL on the stack's MariaDB (the only way
to make a loan overdue without waiting weeks)."""

import threading

import hf
from hf import lend
from hf.lend import borrow, borrow_ok

L = lend.Lending("t85")
_biz, new_user, reconciled = L.biz, L.new_user, L.reconciled


# ---------------------------------------------------------------- helpers

def loan_rows(sku, loan_id, type_):
    return [x for x in hf.ledger_of(_biz(), sku=sku,
        reference_id=str(loan_id)) if x["type"] == type_ and
        x["reference_type"] == "loan"]


LOAN_FIELDS = ("id", "user_id", "sku", "status", "due_at", "returned_at",
    "renewals", "created_at")


def expect_loan(obj, resp=None, **want):
    hf.check(isinstance(obj, dict), "loan is %r" % (obj,), resp)
    for k in LOAN_FIELDS:
        hf.check(k in obj, "loan object has no %r" % k, resp)
    hf.check(hf.ISO_UTC_RE.match(obj["due_at"] or ""), "loan due_at %r is "
        "not ISO 8601 UTC" % obj["due_at"], resp)
    for k, v in want.items():
        hf.expect_eq(obj.get(k), v, "loan %s" % k, resp)
    return obj


# ---------------------------------------------------------------- tests

def test_two_users_borrow_the_last_copy_at_once_exactly_one_loan():
    for _ in range(3):
        sku = hf.new_product(1)["sku"]
        users = [new_user(), new_user()]
        barrier = threading.Barrier(len(users))
        results = [None] * len(users)

        def go(i):
            barrier.wait()
            results[i] = borrow(users[i]["token"], sku)

        threads = [threading.Thread(target=go, args=(i,))
            for i in range(len(users))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        statuses = sorted(r.status for r in results)
        hf.expect_eq(statuses, [201, 400], "statuses of two borrowers of "
            "the last copy (%s)" % [r.text[:200] for r in results])
        won = [r for r in results if r.status == 201][0]
        lost = [r for r in results if r.status == 400][0]
        hf.expect_error(lost, 400, "INV_002")
        loan = expect_loan(hf.expect_success(won, 201)["loans"][0], won,
            sku=sku, status="active", renewals=0)
        s = hf.stock_of(sku, _biz())
        hf.expect_eq((s["on_hand"], s["reserved"]), (0, 0),
            "(on_hand, reserved) after the loan")
        rows = loan_rows(sku, loan["id"], "deduct")
        hf.expect_eq([(x["on_hand_delta"], x["reserved_delta"])
            for x in rows], [(-1, 0)], "deduct rows naming loan %s"
            % loan["id"])
        reconciled(sku)


def test_a_batch_lends_every_line_or_none_and_lists_every_short_line():
    a = hf.new_product(3)["sku"]
    b = hf.new_product(0)["sku"]
    c = hf.new_product(1)["sku"]
    u = new_user()
    r = borrow(u["token"], a, b, c, c)
    body = hf.expect_error(r, 400, "INV_002")
    lines = sorted((x["sku"], x["requested"], x["available"])
        for x in body["details"]["lines"])
    hf.expect_eq(lines, sorted([(b, 1, 0), (c, 2, 1)]), "short lines", r)
    for sku, on in ((a, 3), (b, 0), (c, 1)):
        hf.expect_eq(hf.stock_of(sku, _biz())["on_hand"], on, "on_hand of "
            "%s after a refused batch" % sku)
    r = hf.call("GET", "/api/v1/loans", token=u["token"])
    hf.expect_eq(hf.expect_success(r)["total"], 0, "loans after a refused "
        "batch", r)

    r = borrow(u["token"], "NO-SUCH-" + a)
    hf.expect_error(r, 404, "INV_001")
    r = hf.call("POST", "/api/v1/loans", {"items": [{"sku": a,
        "quantity": 2}]}, token=u["token"])
    hf.expect_error(r, 400, "REQ_009")

    loans = borrow_ok(u["token"], a, a, c)
    hf.expect_eq(sorted(x["sku"] for x in loans), sorted([a, a, c]),
        "SKUs of the batch's loans")
    hf.expect_eq(len(set(x["id"] for x in loans)), 3, "one loan per unit")
    hf.expect_eq(hf.stock_of(a, _biz())["on_hand"], 1, "on_hand of %s" % a)
    hf.expect_eq(hf.stock_of(c, _biz())["on_hand"], 0, "on_hand of %s" % c)
    for x in loans:
        hf.expect_eq(len(loan_rows(x["sku"], x["id"], "deduct")), 1,
            "deduct rows naming loan %s" % x["id"])
    reconciled(a, b, c)


def test_loan_limit_counts_active_loans_even_at_once():
    limit = hf.conf_int("loan_limit", 5)
    if limit > 20:
        hf.skip("loan_limit %d is too large for this test" % limit)
    sku = hf.new_product(limit + 5)["sku"]
    u = new_user()
    loans = borrow_ok(u["token"], *([sku] * (limit - 1)))
    # two requests of the same user at once: only one fits the limit
    barrier = threading.Barrier(2)
    results = [None, None]

    def go(i):
        barrier.wait()
        results[i] = borrow(u["token"], sku)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    hf.expect_eq(sorted(r.status for r in results), [201, 409],
        "two loans at once with one left under the limit (%s)"
        % [r.text[:200] for r in results])
    refused = [r for r in results if r.status == 409][0]
    body = hf.expect_error(refused, 409, "LOAN_001")
    hf.expect_eq(body["details"].get("limit"), limit, "details.limit",
        refused)
    loans.append(hf.expect_success([r for r in results
        if r.status == 201][0], 201)["loans"][0])

    r = borrow(u["token"], sku)
    hf.expect_error(r, 409, "LOAN_001")
    hf.expect_eq(hf.stock_of(sku, _biz())["on_hand"], 5, "on_hand at the "
        "limit")
    r = hf.call("POST", "/api/v1/loans/%s/return" % loans[0]["id"],
        token=u["token"])
    hf.expect_success(r)
    borrow_ok(u["token"], sku)
    reconciled(sku)


def test_return_restocks_once_and_only_for_the_borrower_or_staff():
    sku = hf.new_product(2)["sku"]
    u, other = new_user(), new_user()
    (loan,) = borrow_ok(u["token"], sku)
    r = hf.call("GET", "/api/v1/loans/%s" % loan["id"], token=other["token"])
    hf.expect_error(r, 404, "REQ_011")
    r = hf.call("POST", "/api/v1/loans/%s/return" % loan["id"],
        token=other["token"])
    hf.expect_error(r, 404, "REQ_011")
    r = hf.call("POST", "/api/v1/loans/%s/return" % loan["id"],
        token=u["token"], headers={"Idempotency-Key": "ret-%s" % loan["id"]})
    back = expect_loan(hf.expect_success(r), r, status="returned")
    hf.check(back["returned_at"] is not None, "returned_at not set", r)
    again = hf.call("POST", "/api/v1/loans/%s/return" % loan["id"],
        token=u["token"], headers={"Idempotency-Key": "ret-%s" % loan["id"]})
    hf.expect_eq((again.status, again.body), (r.status, r.body),
        "replayed return")
    r = hf.call("POST", "/api/v1/loans/%s/return" % loan["id"],
        token=u["token"])
    hf.expect_error(r, 409, "LOAN_002")
    rows = loan_rows(sku, loan["id"], "restock")
    hf.expect_eq([(x["on_hand_delta"], x["reason"]) for x in rows],
        [(1, "return")], "restock rows naming the loan")
    hf.expect_eq(hf.stock_of(sku, _biz())["on_hand"], 2, "on_hand after "
        "the return")

    # staff return a loan for the borrower
    (loan2,) = borrow_ok(u["token"], sku)
    r = hf.call("POST", "/api/v1/loans/%s/return" % loan2["id"],
        token=_biz())
    expect_loan(hf.expect_success(r), r, status="returned")
    reconciled(sku)


def test_renew_up_to_the_configured_count():
    max_renewals = hf.conf_int("loan_max_renewals", 2)
    period = hf.conf_int("loan_period_days", 21)
    sku = hf.new_product(1)["sku"]
    u = new_user()
    (loan,) = borrow_ok(u["token"], sku)
    due = loan["due_at"]
    for n in range(1, max_renewals + 1):
        r = hf.call("POST", "/api/v1/loans/%s/renew" % loan["id"],
            token=u["token"])
        got = expect_loan(hf.expect_success(r), r, renewals=n,
            status="active")
        hf.check(got["due_at"] > due, "renewal %d did not move due_at "
            "(%s -> %s)" % (n, due, got["due_at"]), r)
        diff = hf.db_rows("SELECT TIMESTAMPDIFF(DAY, %s, due_at) FROM loans "
            "WHERE id = %d" % (hf.sql_str(due.replace("T", " ")[:23]),
            loan["id"]))
        hf.expect_eq(int(diff[0][0]), period, "days a renewal adds")
        due = got["due_at"]
    r = hf.call("POST", "/api/v1/loans/%s/renew" % loan["id"],
        token=u["token"])
    hf.expect_error(r, 409, "LOAN_003")
    r = hf.call("POST", "/api/v1/loans/%s/return" % loan["id"],
        token=u["token"])
    hf.expect_success(r)
    r = hf.call("POST", "/api/v1/loans/%s/renew" % loan["id"],
        token=u["token"])
    hf.expect_error(r, 409, "LOAN_002")
    reconciled(sku)


def test_who_may_lend_for_whom():
    sku = hf.new_product(5)["sku"]
    u, other = new_user(), new_user()
    r = borrow(u["token"], sku, user_id=other["id"])
    hf.expect_error(r, 403, "AUTH_005")
    borrow_ok(u["token"], sku, user_id=u["id"])
    r = borrow(_biz(), sku)
    hf.expect_field_error(r, 422, "REQ_010", "user_id")
    r = borrow(_biz(), sku, user_id=10 ** 12)
    hf.expect_field_error(r, 422, "REQ_010", "user_id")
    (loan,) = borrow_ok(_biz(), sku, user_id=other["id"])
    hf.expect_eq(loan["user_id"], other["id"], "user_id of a loan made by a "
        "business key")
    r = hf.call("GET", "/api/v1/loans", token=other["token"])
    mine = hf.expect_success(r)["items"]
    hf.expect_eq([x["id"] for x in mine], [loan["id"]], "the user's loans",
        r)
    r = hf.call("GET", "/api/v1/loans?user_id=%s" % u["id"],
        token=other["token"])
    hf.expect_eq([x["id"] for x in hf.expect_success(r)["items"]],
        [loan["id"]], "a user's list ignores another user_id", r)
    r = hf.call("GET", "/api/v1/loans?user_id=%s&sku=%s" % (other["id"],
        hf.sku_path(sku)), token=_biz())
    hf.expect_eq([x["id"] for x in hf.expect_success(r)["items"]],
        [loan["id"]], "staff list filtered by user and SKU", r)
    r = hf.call("GET", "/api/v1/loans")
    hf.expect_error(r, 401, "AUTH_001")
    r = hf.call("GET", "/api/v1/loans?status=lost", token=u["token"])
    hf.expect_field_error(r, 422, "REQ_010", "status")
    reconciled(sku)


def test_a_loan_past_due_shows_overdue():
    sku = hf.new_product(2)["sku"]
    u = new_user()
    late, fine = borrow_ok(u["token"], sku, sku)
    # root SQL: the only way to make a loan overdue without waiting
    hf.db_rows("UPDATE loans SET due_at = NOW(3) - INTERVAL 2 DAY "
        "WHERE id = %d" % late["id"])
    r = hf.call("GET", "/api/v1/loans/%s" % late["id"], token=u["token"])
    expect_loan(hf.expect_success(r), r, status="overdue")
    for status, want in (("overdue", [late["id"]]), ("active", [fine["id"]]),
            ("returned", [])):
        r = hf.call("GET", "/api/v1/loans?status=%s&sku=%s" % (status,
            hf.sku_path(sku)), token=u["token"])
        data = hf.expect_success(r)
        hf.expect_eq(sorted(x["id"] for x in data["items"]), want,
            "loans with status=%s" % status, r)
        hf.expect_eq(data["total"], len(want), "total with status=%s"
            % status, r)
    # an overdue loan can still be renewed (from now) when nobody waits
    r = hf.call("POST", "/api/v1/loans/%s/renew" % late["id"],
        token=u["token"])
    expect_loan(hf.expect_success(r), r, status="active", renewals=1)
    reconciled(sku)


def test_an_idempotent_loan_answers_its_loans_and_replays_them():
    sku = hf.new_product(2)["sku"]
    u = new_user()
    key = {"Idempotency-Key": "loan-" + sku}
    first = borrow(u["token"], sku, headers=key)
    loans = hf.expect_success(first, 201).get("loans")
    hf.check(isinstance(loans, list) and len(loans) == 1 and
        loans[0]["sku"] == sku, "the first answer lists no loan", first)
    again = borrow(u["token"], sku, headers=key)
    hf.expect_eq(again.status, 201, "replayed status", again)
    hf.expect_eq(again.body, first.body, "replayed body", again)
    hf.expect_eq(len(loan_rows(sku, loans[0]["id"], "deduct")), 1,
        "deduct rows for the loan", again)
    reconciled(sku)
