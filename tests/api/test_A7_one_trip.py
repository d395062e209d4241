"""One round trip per write (issue 13): lending, returns and a reference's
commit or release are each one CALL of a procedure (sql/012_procedures.sql)
in their plain case, and anything else goes the statement-by-statement way
with its exact refusal. /metrics counts both (holdfast_write_one_trip_total,
holdfast_write_fallback_total); tests run one at a time, so the counters'
moves are this test's. Each test checks what a caller sees (status, code,
body), the stock and ledger after, and reconcile.

The reserve, stock-move and order paths are attacked in test_B5_one_trip."""

import threading

import hf
from hf import lend
from hf.lend import borrow, borrow_ok

L = lend.Lending("tA7")
_biz, new_user, reconciled = L.biz, L.new_user, L.reconciled

ONE = "holdfast_write_one_trip_total"
BACK = "holdfast_write_fallback_total"


def counters():
    text = hf.metrics_text()
    if text is None:
        hf.skip("no /metrics on this stack")
    return (hf.metric_sum(ONE, text) or 0, hf.metric_sum(BACK, text) or 0)


def moved(before, one, back, what):
    after = counters()
    hf.expect_eq((after[0] - before[0], after[1] - before[1]), (one, back),
        "(one-trip, fallback) writes of %s" % what)


def ret(who, loan_id, at=None):
    body = {} if at is None else {"location": at}
    return hf.call("POST", "/api/v1/loans/%d/return" % loan_id, body,
        token=who)


def rows_of(sku, ref, type_):
    return [(x["type"], x["on_hand_delta"], x["reserved_delta"],
        x["on_hand_after"], x["reserved_after"], x["reason"])
        for x in hf.ledger_of(_biz(), sku=sku, reference_id=str(ref))
        if x["type"] == type_]


def test_a_loan_and_its_return_are_one_trip_each():
    sku = hf.new_product(3)["sku"]
    u = new_user()
    c0 = counters()
    loan = borrow_ok(u, sku.lower())[0]
    moved(c0, 1, 0, "a loan of one copy")
    hf.expect_eq((loan["sku"], loan["status"], loan["user_id"]),
        (sku, "active", u["id"]), "the loan as answered")
    s = hf.stock_of(sku, _biz())
    hf.expect_eq((s["on_hand"], s["reserved"]), (2, 0), "stock after it")
    hf.expect_eq(rows_of(sku, loan["id"], "deduct"),
        [("deduct", -1, 0, 2, 0, "loan")], "the loan's ledger row")
    c0 = counters()
    r = ret(_biz(), loan["id"])
    got = hf.expect_success(r, 200)
    moved(c0, 1, 0, "a return")
    hf.expect_eq((got["id"], got["status"]), (loan["id"], "returned"),
        "the return as answered")
    hf.check(got["returned_at"], "returned_at is set", r)
    s = hf.stock_of(sku, _biz())
    hf.expect_eq((s["on_hand"], s["reserved"]), (3, 0), "stock after it")
    hf.expect_eq(rows_of(sku, loan["id"], "restock"),
        [("restock", 1, 0, 3, 0, "return")], "the return's ledger row")
    # a second return of it: the C path's refusal, nothing moves
    c0 = counters()
    hf.expect_error(ret(_biz(), loan["id"]), 409, "LOAN_002")
    moved(c0, 0, 1, "a second return")
    hf.expect_eq(hf.stock_of(sku, _biz())["on_hand"], 3, "on hand after "
        "the refused second return")
    reconciled(sku)


def test_a_batch_loan_is_one_trip_and_the_limit_is_the_c_paths():
    # three copies each: taking the last copy crosses into "out", an
    # alert the C path writes (test_a_loan_of_the_last_copy_...)
    skus = sorted(hf.new_product(3)["sku"] for _ in range(3))
    u = new_user()
    c0 = counters()
    loans = borrow_ok(u, skus[2], skus[0], skus[1], skus[0])
    moved(c0, 1, 0, "a loan of four copies of three SKUs")
    hf.expect_eq(sorted(x["sku"] for x in loans),
        sorted([skus[0], skus[0], skus[1], skus[2]]), "the loans' SKUs")
    hf.expect_eq([hf.stock_of(s, _biz())["on_hand"] for s in skus],
        [1, 2, 2], "on hand after")
    limit = hf.conf_int("loan_limit", 5)
    more = [hf.new_product(1)["sku"] for _ in range(limit)]
    c0 = counters()
    r = borrow(u, *more)
    hf.expect_error(r, 400 if r.status == 400 else 409, "LOAN_001")
    moved(c0, 0, 1, "a loan past the limit")
    hf.expect_eq([hf.stock_of(s, _biz())["on_hand"] for s in more],
        [1] * limit, "nothing lent past the limit")
    reconciled(*(skus + more))


def test_another_readers_return_is_404_and_the_loan_stays():
    sku = hf.new_product(1)["sku"]
    owner, other = new_user(), new_user()
    loan = borrow_ok(owner, sku)[0]
    c0 = counters()
    r = ret(other["token"], loan["id"])
    hf.check(r.status in (403, 404), "another reader's return answered "
        "%d" % r.status, r)
    moved(c0, 0, r.status == 404 and 1 or 0, "another reader's return")
    hf.expect_eq(hf.stock_of(sku, _biz())["on_hand"], 0, "the copy is "
        "still out")
    rows = hf.db_rows("SELECT status FROM loans WHERE id = %d" % loan["id"])
    hf.expect_eq(rows, [["active"]], "the loan's status")
    reconciled(sku)


def test_a_return_with_a_hold_waiting_goes_to_the_hold():
    sku = hf.new_product(1)["sku"]
    a, b = new_user(), new_user()
    loan = borrow_ok(a, sku)[0]
    r = hf.call("POST", "/api/v1/holds", {"sku": sku}, token=b["token"])
    hold = hf.expect_success(r, 201)
    c0 = counters()
    hf.expect_success(ret(_biz(), loan["id"]), 200)
    moved(c0, 0, 1, "a return with a hold waiting")
    r = hf.call("GET", "/api/v1/holds/%d" % hold["id"], token=b["token"])
    hf.expect_eq(hf.expect_success(r, 200)["status"], "ready",
        "the waiting hold after the return")
    s = hf.stock_of(sku, _biz())
    hf.expect_eq((s["on_hand"], s["reserved"]), (1, 1), "the copy is set "
        "aside for the hold")
    reconciled(sku)


def test_return_at_a_named_place_in_other_spellings():
    sku = hf.new_product(1)["sku"]
    u = new_user()
    code = hf.unique_sku("a7")[:20].lower()
    hf.expect_success(hf.call("POST", "/api/v1/locations", {"code": code,
        "name": "A7 branch", "kind": "branch"}, token=hf.inv_admin()), 201)
    try:
        loan = borrow_ok(u, sku)[0]
        c0 = counters()
        hf.expect_error(ret(_biz(), loan["id"], at="no-such-" + code), 404,
            "LOC_001")
        hf.expect_error(ret(_biz(), loan["id"], at=code + " "), 422,
            "REQ_010")
        moved(c0, 0, 1, "returns at an unknown place (the bad spelling "
            "never reaches the service)")
        hf.expect_success(ret(_biz(), loan["id"], at=code.upper()), 200)
        moved(c0, 1, 1, "a return at the place spelt in upper case")
        places = {p["location"]: p["on_hand"] for p in
            hf.stock_of(sku, _biz()).get("locations", [])}
        hf.expect_eq(places.get(code), 1, "the copy is at %s (%r)"
            % (code, places))
        reconciled(sku)
    finally:
        hf.call("PATCH", "/api/v1/locations/" + code, {"is_active": False,
            "priority": 1000000}, token=hf.inv_admin())


def test_a_reference_commit_is_one_trip_and_another_keys_is_404():
    a, b = sorted(hf.new_product(5)["sku"] for _ in range(2))
    ref = "a7-" + hf.unique_sku("r").lower()
    r = hf.call("POST", "/api/v1/reservations", {"reference_id": ref,
        "type": "cart", "items": [{"sku": b, "quantity": 2}, {"sku": a, "quantity": 1}]},
        token=_biz())
    hf.expect_success(r, 201)
    other = hf.new_api_key("business", name="a7-other")
    c0 = counters()
    r = hf.call("POST", "/api/v1/reservations/commit",
        {"reference_id": ref}, token=other)
    hf.expect_error(r, 404, "REQ_011")
    moved(c0, 0, 1, "another key's commit of the reference")
    c0 = counters()
    r = hf.call("POST", "/api/v1/reservations/commit",
        {"reference_id": ref}, token=_biz())
    got = hf.expect_success(r, 200)
    moved(c0, 1, 0, "the owner's commit of the reference")
    hf.expect_eq([(x["sku"], x["quantity"], x["status"])
        for x in got["reservations"]], [(a, 1, "committed"),
        (b, 2, "committed")], "the reference's lines, in SKU order")
    hf.expect_eq([hf.stock_of(s, _biz())["on_hand"] for s in (a, b)],
        [4, 3], "on hand after the commit")
    c0 = counters()
    r = hf.call("POST", "/api/v1/reservations/release",
        {"reference_id": ref}, token=_biz())
    hf.expect_error(r, 409, "INV_007")
    moved(c0, 0, 1, "a release of a committed reference")
    reconciled(a, b)


def test_a_reference_released_twice_at_once_releases_once():
    sku = hf.new_product(4)["sku"]
    ref = "a7-" + hf.unique_sku("d").lower()
    hf.expect_success(hf.call("POST", "/api/v1/reservations",
        {"reference_id": ref, "type": "cart",
        "items": [{"sku": sku, "quantity": 3}]},
        token=_biz()), 201)
    n = 16
    barrier = threading.Barrier(n)
    out = [None] * n

    def go(i):
        barrier.wait()
        out[i] = hf.call("POST", "/api/v1/reservations/release",
            {"reference_id": ref}, token=_biz())

    threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    codes = sorted(r.status for r in out)
    hf.expect_eq(codes.count(200), 1, "releases that succeeded (%r)"
        % codes)
    for r in out:
        if r.status != 200:
            hf.expect_error(r, 409, "INV_007")
    s = hf.stock_of(sku, _biz())
    hf.expect_eq((s["on_hand"], s["reserved"]), (4, 0), "stock after")
    hf.expect_eq(len([x for x in hf.ledger_of(_biz(), sku=sku)
        if x["type"] == "release"]), 1, "release rows")
    reconciled(sku)


def test_a_loan_of_the_last_copy_takes_the_c_path_and_alerts():
    sku = hf.new_product(1)["sku"]
    u = new_user()
    c0 = counters()
    loan = borrow_ok(u, sku)[0]
    moved(c0, 0, 1, "a loan of the last copy (crosses into out)")
    rows = hf.db_rows("SELECT low_state FROM stock s JOIN products p ON "
        "p.id = s.product_id WHERE p.sku = %s" % hf.sql_str(sku))
    hf.expect_eq(rows, [["out"]], "the alert level recorded for %s" % sku)
    c0 = counters()
    hf.expect_success(ret(_biz(), loan["id"]), 200)
    moved(c0, 1, 0, "its return (back to ok: no alert)")
    reconciled(sku)
