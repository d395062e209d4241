"""Holds (issue 6, library): the waiting list of an SKU.  A unit that
comes back (a return, or a restock through the stock route) goes in the
same transaction to the first in line as a `hold` reservation with a
pickup window; nobody else can borrow it; checkout turns it into a loan;
an uncollected hold passes to the next in line after its window
(holdfast-expire); renewals are refused while someone waits.  Reconcile
is clean after every test.

The end of a pickup window is reached with root SQL: the hold's
pickup_until and its reservation's expires_at are moved into the past on
the stack's MariaDB, then build/holdfast-expire runs (the same program
cron runs every minute)."""

import re

import hf
from hf import lend
from hf.lend import borrow, borrow_one

L = lend.Lending("t86")
_biz, new_user, reconciled = L.biz, L.new_user, L.reconciled


# ---------------------------------------------------------------- helpers

def hold(user, sku):
    return hf.call("POST", "/api/v1/holds", {"sku": sku},
        token=user["token"])


def hold_ok(user, sku):
    r = hold(user, sku)
    h = hf.expect_success(r, 201)
    hf.expect_eq((h["status"], h["sku"], h["user_id"]), ("waiting", sku,
        user["id"]), "(status, sku, user_id) of a new hold", r)
    return h


def get_hold(user, hold_id):
    r = hf.call("GET", "/api/v1/holds/%s" % hold_id, token=user["token"])
    return hf.expect_success(r)


def give_back(user, loan):
    r = hf.call("POST", "/api/v1/loans/%s/return" % loan["id"],
        token=user["token"])
    return hf.expect_success(r)


def reservation(res_id):
    # a hold's reservation is the hold's: staff (admin) read it here
    r = hf.call("GET", "/api/v1/reservations/%s" % res_id,
        token=hf.inv_admin())
    return hf.expect_success(r)


def expect_ready(user, hold_id, sku):
    h = get_hold(user, hold_id)
    hf.expect_eq(h["status"], "ready", "status of hold %s" % hold_id)
    hf.check(h["reservation_id"] and h["pickup_until"], "a ready hold "
        "without reservation or pickup_until: %r" % h)
    res = reservation(h["reservation_id"])
    hf.expect_eq((res["type"], res["reference_id"], res["status"],
        res["quantity"], res["sku"]), ("hold", "hold:%s" % hold_id, "active",
        1, sku), "the ready hold's reservation")
    hf.expect_eq(res["expires_at"], h["pickup_until"], "reservation "
        "expires_at vs pickup_until")
    return h


def ready_events(hold_id):
    rows = hf.db_rows("SELECT DISTINCT JSON_VALUE(payload, '$.event_id') "
        "FROM outbox WHERE event_type = 'hold.ready' AND channel = 'webhook' "
        "AND JSON_VALUE(payload, '$.data.hold_id') = %d" % int(hold_id))
    return [r[0] for r in rows]


def ready_mails(user, hold_id):
    pat = re.compile(r"Hold %s\b" % hold_id)
    return [p for p, text in hf.mails_to(user["email"])
        if "ready for pickup" in text and pat.search(text)]


def lapse(hold_id):
    """Root SQL: end the pickup window of a ready hold now."""
    hf.db_rows("UPDATE holds h JOIN reservations r ON r.id = "
        "h.reservation_id SET h.pickup_until = NOW(3) - INTERVAL 1 SECOND, "
        "r.expires_at = NOW(3) - INTERVAL 1 SECOND WHERE h.id = %d "
        "AND h.status = 'ready'" % int(hold_id))


def run_expire():
    p = hf.run_program("holdfast-expire", timeout=300)
    hf.expect_eq(p.returncode, 0, "holdfast-expire exit status (stdout %r, "
        "stderr %r)" % (p.stdout[-300:], p.stderr[-500:]))
    hf.check(re.search(r"holds: expired \d+, passed on \d+", p.stdout),
        "holdfast-expire printed %r" % p.stdout[-300:])
    return p.stdout


# ---------------------------------------------------------------- tests

def test_a_hold_is_refused_while_units_are_free_or_already_held():
    sku = hf.new_product(1)["sku"]
    a, b = new_user(), new_user()
    r = hold(a, sku)
    body = hf.expect_error(r, 409, "HOLD_001")
    hf.expect_eq(body["details"].get("available"), 1, "details.available",
        r)
    borrow_one(a, sku)
    r = hold(a, sku)
    hf.expect_error(r, 409, "HOLD_006")
    h = hold_ok(b, sku)
    hf.expect_eq(h["position"], 1, "position of the first in line")
    r = hold(b, sku)
    hf.expect_error(r, 409, "HOLD_002")
    r = hf.call("POST", "/api/v1/holds", {"sku": "NO-SUCH-" + sku},
        token=b["token"])
    hf.expect_error(r, 404, "INV_001")
    r = hf.call("POST", "/api/v1/holds", {"sku": sku}, token=_biz())
    hf.expect_field_error(r, 422, "REQ_010", "user_id")
    r = hf.call("POST", "/api/v1/holds/%s/checkout" % h["id"],
        token=b["token"])
    hf.expect_error(r, 409, "HOLD_003")
    r = hf.call("GET", "/api/v1/holds/%s" % h["id"], token=a["token"])
    hf.expect_error(r, 404, "REQ_011")
    r = hf.call("DELETE", "/api/v1/holds/%s" % h["id"], token=a["token"])
    hf.expect_error(r, 404, "REQ_011")
    reconciled(sku)


def test_return_goes_to_the_first_in_line_then_checkout():
    sku = hf.new_product(1)["sku"]
    a, b, c, d = new_user(), new_user(), new_user(), new_user()
    loan = borrow_one(a, sku)
    hb = hold_ok(b, sku)
    hc = hold_ok(c, sku)
    hf.expect_eq(get_hold(c, hc["id"])["position"], 2, "position of the "
        "second in line")

    r = hf.call("POST", "/api/v1/loans/%s/renew" % loan["id"],
        token=a["token"])
    body = hf.expect_error(r, 409, "LOAN_004")
    hf.expect_eq(body["details"].get("waiting"), 2, "details.waiting", r)

    give_back(a, loan)
    s = hf.stock_of(sku, _biz())
    hf.expect_eq((s["on_hand"], s["reserved"], s["available"]), (1, 1, 0),
        "(on_hand, reserved, available) after the return")
    ready = expect_ready(b, hb["id"], sku)
    hf.expect_eq(get_hold(c, hc["id"])["status"], "waiting", "the second "
        "in line")
    hf.expect_eq(get_hold(c, hc["id"])["position"], 1, "position of the "
        "second in line once the first is ready")
    hf.expect_eq(len(ready_events(hb["id"])), 1, "hold.ready events")
    # B also has the hold's confirmation (issue 14, item 6): wait for this
    hf.wait_until(lambda: ready_mails(b, hb["id"]), 15,
        what="a hold.ready e-mail to %s" % b["email"])
    rows = [x for x in hf.ledger_of(_biz(), sku=sku) if x["type"] ==
        "reserve"]
    hf.expect_eq([(x["reference_type"], x["reference_id"], x["reason"])
        for x in rows], [("reservation", str(ready["reservation_id"]),
        "hold")], "the hold's reserve row")

    # nobody else can borrow the unit set aside, nor hold it twice
    for user in (c, d, a):
        hf.expect_error(borrow(user["token"], sku), 400, "INV_002")
    hf.expect_error(hold(b, sku), 409, "HOLD_002")
    r = hf.call("POST", "/api/v1/holds/%s/checkout" % hb["id"],
        token=c["token"])
    hf.expect_error(r, 404, "REQ_011")

    r = hf.call("POST", "/api/v1/holds/%s/checkout" % hb["id"],
        token=b["token"])
    data = hf.expect_success(r, 201)
    hf.expect_eq((data["hold"]["status"], data["loan"]["status"],
        data["loan"]["user_id"], data["loan"]["sku"]), ("collected",
        "active", b["id"], sku), "(hold status, loan status, borrower, sku) "
        "after checkout", r)
    hf.expect_eq(data["hold"]["loan_id"], data["loan"]["id"], "the hold's "
        "loan_id", r)
    res = reservation(ready["reservation_id"])
    hf.expect_eq(res["status"], "committed", "the hold's reservation after "
        "checkout")
    ends = [x for x in hf.ledger_of(_biz(), sku=sku) if x["type"] == "deduct"
        and x["reference_type"] == "loan" and
        x["reference_id"] == str(data["loan"]["id"])]
    hf.expect_eq([(x["on_hand_delta"], x["reserved_delta"]) for x in ends],
        [(-1, -1)], "the checkout's deduct row naming the loan")
    s = hf.stock_of(sku, _biz())
    hf.expect_eq((s["on_hand"], s["reserved"]), (0, 0), "(on_hand, "
        "reserved) after checkout")
    r = hf.call("POST", "/api/v1/holds/%s/checkout" % hb["id"],
        token=b["token"])
    hf.expect_error(r, 409, "HOLD_004")
    r = hf.call("GET", "/api/v1/loans?sku=%s" % hf.sku_path(sku),
        token=b["token"])
    hf.expect_eq([x["id"] for x in hf.expect_success(r)["items"]],
        [data["loan"]["id"]], "the holder's loans", r)
    reconciled(sku)


def test_a_restock_goes_to_the_queue_in_the_same_transaction():
    sku = hf.new_product(1)["sku"]
    a, b = new_user(), new_user()
    borrow_one(a, sku)
    hb = hold_ok(b, sku)
    r = hf.call("POST", "/api/v1/stock/%s/restock" % hf.sku_path(sku),
        {"quantity": 2, "reason": "donation"}, token=_biz())
    stock = hf.expect_success(r)["stock"]
    hf.expect_eq((stock["on_hand"], stock["reserved"], stock["available"]),
        (2, 1, 1), "the restock's answer: one unit set aside for the hold",
        r)
    expect_ready(b, hb["id"], sku)
    # the other unit is free: a new hold is refused, a loan is fine
    c = new_user()
    hf.expect_error(hold(c, sku), 409, "HOLD_001")
    borrow_one(c, sku)
    reconciled(sku)


def test_an_uncollected_hold_passes_to_the_next_in_line():
    hf.build_binary("holdfast-expire")
    sku = hf.new_product(1)["sku"]
    a, b, c = new_user(), new_user(), new_user()
    loan = borrow_one(a, sku)
    hb = hold_ok(b, sku)
    hc = hold_ok(c, sku)
    give_back(a, loan)
    first = expect_ready(b, hb["id"], sku)

    lapse(hb["id"])
    r = hf.call("POST", "/api/v1/holds/%s/checkout" % hb["id"],
        token=b["token"])
    hf.expect_error(r, 409, "HOLD_005")
    run_expire()
    h = get_hold(b, hb["id"])
    hf.expect_eq(h["status"], "expired", "the uncollected hold")
    res = reservation(first["reservation_id"])
    hf.expect_eq(res["status"], "expired", "its reservation")
    ends = [x for x in hf.ledger_of(_biz(), sku=sku) if x["type"] ==
        "release" and x["reference_id"] == str(first["reservation_id"])]
    hf.expect_eq([(x["reason"], x["reserved_delta"]) for x in ends],
        [("expired", -1)], "the release row of the lapsed hold")
    second = expect_ready(c, hc["id"], sku)
    hf.check(second["reservation_id"] != first["reservation_id"],
        "the next in line got the same reservation")
    s = hf.stock_of(sku, _biz())
    hf.expect_eq((s["on_hand"], s["reserved"]), (1, 1), "(on_hand, "
        "reserved) once passed on")
    hf.expect_error(borrow(b["token"], sku), 400, "INV_002")
    r = hf.call("POST", "/api/v1/holds/%s/checkout" % hb["id"],
        token=b["token"])
    hf.expect_error(r, 409, "HOLD_004")

    # the last in line lets it lapse too: the unit is free again
    lapse(hc["id"])
    run_expire()
    hf.expect_eq(get_hold(c, hc["id"])["status"], "expired", "the second "
        "uncollected hold")
    s = hf.stock_of(sku, _biz())
    hf.expect_eq((s["on_hand"], s["reserved"]), (1, 0), "(on_hand, "
        "reserved) with nobody left in line")
    borrow_one(a, sku)
    reconciled(sku)


def test_cancel_a_waiting_or_ready_hold():
    sku = hf.new_product(1)["sku"]
    a, b, c = new_user(), new_user(), new_user()
    loan = borrow_one(a, sku)
    hb = hold_ok(b, sku)
    hc = hold_ok(c, sku)
    r = hf.call("DELETE", "/api/v1/holds/%s" % hc["id"], token=c["token"])
    hf.expect_eq(hf.expect_success(r)["status"], "cancelled", "a cancelled "
        "waiting hold", r)
    r = hf.call("DELETE", "/api/v1/holds/%s" % hc["id"], token=c["token"])
    hf.expect_error(r, 409, "HOLD_004")
    hc2 = hold_ok(c, sku)		# may queue again, at the end

    give_back(a, loan)
    first = expect_ready(b, hb["id"], sku)
    r = hf.call("DELETE", "/api/v1/holds/%s" % hb["id"], token=b["token"])
    hf.expect_eq(hf.expect_success(r)["status"], "cancelled", "a cancelled "
        "ready hold", r)
    hf.expect_eq(reservation(first["reservation_id"])["status"], "released",
        "the cancelled hold's reservation")
    expect_ready(c, hc2["id"], sku)
    r = hf.call("GET", "/api/v1/holds?status=ready&sku=%s"
        % hf.sku_path(sku), token=_biz())
    hf.expect_eq([x["id"] for x in hf.expect_success(r)["items"]],
        [hc2["id"]], "ready holds of the SKU (staff list)", r)
    r = hf.call("GET", "/api/v1/holds", token=c["token"])
    mine = hf.expect_success(r)["items"]
    hf.expect_eq(sorted(x["id"] for x in mine), sorted([hc["id"],
        hc2["id"]]), "the user's own holds", r)
    reconciled(sku)


def test_units_a_release_frees_are_owed_to_the_queue():
    hf.build_binary("holdfast-expire")
    sku = hf.new_product(1)["sku"]
    b, c = new_user(), new_user()
    r = hf.reserve([(sku, 1)], _biz(), ttl=900)
    (cart,) = hf.expect_success(r, 201)["reservations"]
    hb = hold_ok(b, sku)
    r = hf.call("POST", "/api/v1/reservations/%s/release" % cart["id"],
        token=_biz())
    hf.expect_success(r)
    # a release does not pass units on by itself; until the cron's sweep
    # the free unit is owed to the queue: no loan, and holds may queue
    body = hf.expect_error(borrow(c["token"], sku), 400, "INV_002")
    hf.expect_eq(body["details"]["lines"][0]["available"], 0, "available "
        "to a borrower while a unit is owed to the queue")
    hc = hold_ok(c, sku)
    hf.expect_eq(hc["position"], 2, "position behind the first in line")
    out = run_expire()
    hf.check(re.search(r"passed on [1-9]", out), "holdfast-expire passed "
        "nothing on: %r" % out[-300:])
    expect_ready(b, hb["id"], sku)
    hf.expect_eq(get_hold(c, hc["id"])["status"], "waiting", "the second "
        "in line")
    reconciled(sku)


def test_a_ready_holds_reservation_ends_only_through_the_hold():
    sku = hf.new_product(1)["sku"]
    a, b = new_user(), new_user()
    loan = borrow_one(a, sku)
    hb = hold_ok(b, sku)
    give_back(a, loan)
    ready = expect_ready(b, hb["id"], sku)
    res_id = ready["reservation_id"]
    # a business key does not own it (404); admin sees it, but the generic
    # routes still refuse it (INV_010)
    for action in ("commit", "release"):
        r = hf.call("POST", "/api/v1/reservations/%s/%s" % (res_id, action),
            token=_biz())
        hf.expect_error(r, 404, "REQ_011")
        r = hf.call("POST", "/api/v1/reservations/%s/%s" % (res_id, action),
            token=hf.inv_admin())
        hf.expect_error(r, 409, "INV_010")
        r = hf.call("POST", "/api/v1/reservations/%s" % action,
            {"reference_id": "hold:%s" % hb["id"]}, token=_biz())
        hf.expect_error(r, 404, "REQ_011")
        r = hf.call("POST", "/api/v1/reservations/%s" % action,
            {"reference_id": "hold:%s" % hb["id"]}, token=hf.inv_admin())
        hf.expect_error(r, 409, "INV_010")
    hf.expect_eq(reservation(res_id)["status"], "active", "the hold's "
        "reservation after the refused commit and release")
    expect_ready(b, hb["id"], sku)
    reconciled(sku)
