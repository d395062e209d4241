"""The lending rules a desk expects (issue 14, item 6), black-box through
nginx: a hold's confirmation e-mail, a borrow that places a hold when no
unit is free (hold_if_unavailable), returns and renewals in batches (all
or none, every refusal named), how a loan came back (return_status,
days_late), the overdue block (loan_block_overdue_days) and a loan voided
by staff.  Every test checks the stock and the ledger afterwards and that
reconcile is clean."""

import datetime
import re
import threading

import hf
from hf import lend
from hf.lend import borrow, borrow_one

L = lend.Lending("tC5")
_biz, new_user, reconciled = L.biz, L.new_user, L.reconciled


# ---------------------------------------------------------------- helpers

def borrow_or_hold(user, sku, headers=None):
    return hf.call("POST", "/api/v1/loans", {"items": [{"sku": sku}],
        "hold_if_unavailable": True}, token=user["token"], headers=headers)


def batch(user_or_token, what, ids, **extra):
    tok = user_or_token["token"] if isinstance(user_or_token, dict) else \
        user_or_token
    body = {"loan_ids": ids}
    body.update(extra)
    return hf.call("POST", "/api/v1/loans/%s" % what, body, token=tok)


def loan_of(loan_id):
    r = hf.call("GET", "/api/v1/loans/%s" % loan_id, token=_biz())
    return hf.expect_success(r)


def on_hand(sku):
    s = hf.stock_of(sku, _biz())
    return s["on_hand"], s["reserved"]


def ledger_rows(loan_id, type_):
    return [x for x in hf.ledger_of(_biz(), reference_id=str(loan_id))
        if x["reference_type"] == "loan" and x["type"] == type_]


def refusals(resp):
    body = resp.json
    hf.check(isinstance(body.get("details"), dict), "no details", resp)
    got = body["details"].get("refusals")
    hf.check(isinstance(got, list), "details.refusals is %r" % (got,), resp)
    return {x["loan_id"]: x["code"] for x in got}


def void(token, loan_id, reason="entered by mistake"):
    return hf.call("POST", "/api/v1/loans/%s/void" % loan_id,
        {"reason": reason}, token=token)


def new_staff():
    email = hf.unique_email("tC5s")
    pw = hf.new_password()
    r = hf.call("POST", "/api/v1/users", {"email": email, "password": pw,
        "role": "business", "display_name": "Desk"}, token=hf.inv_admin())
    data = hf.expect_success(r, 201)
    return {"id": data["id"], "token": hf.login_ok(email, pw)["access"]}


# ---------------------------------------------------- hold confirmation

def test_placing_a_hold_queues_a_confirmation_in_the_outbox():
    sku = hf.new_product(1)["sku"]
    a, b = new_user(), new_user()
    borrow_one(a, sku)
    r = hf.call("POST", "/api/v1/holds", {"sku": sku}, token=b["token"])
    h = hf.expect_success(r, 201)
    rows = hf.db_rows("SELECT COUNT(*) FROM outbox WHERE event_type = "
        "'hold.placed' AND target = '%s'" % b["email"])
    hf.expect_eq(rows, [["1"]], "hold.placed e-mails in the outbox for B")
    _path, text = hf.wait_mail(b["email"], timeout=15)
    hf.check("hold is placed" in text and re.search(r"Hold %s\b" % h["id"],
        text) and "number 1 in line" in text, "confirmation text %r"
        % text[-400:])
    hf.expect_eq(on_hand(sku), (0, 0), "(on_hand, reserved)")
    reconciled(sku)


# ------------------------------------------------- hold_if_unavailable

def test_hold_if_unavailable_lends_when_free_and_holds_when_not():
    sku = hf.new_product(1)["sku"]
    a, b = new_user(), new_user()
    r = borrow_or_hold(a, sku)
    data = hf.expect_success(r, 201)
    hf.expect_eq((len(data["loans"]), "hold" in data), (1, False),
        "a free unit is a plain loan", r)
    r = borrow_or_hold(b, sku)
    data = hf.expect_success(r, 202)
    hf.expect_eq(data["loans"], [], "no loan when a hold is placed", r)
    h = data["hold"]
    hf.expect_eq((h["status"], h["sku"], h["user_id"], h["position"]),
        ("waiting", sku, b["id"], 1), "the hold placed instead", r)
    hf.expect_eq(on_hand(sku), (0, 0), "(on_hand, reserved)")
    # the hold rule's refusal stays a refusal: one hold per reader
    hf.expect_error(borrow_or_hold(b, sku), 409, "HOLD_002")
    # confirmation through the outbox, same transaction as the hold
    hf.expect_eq(hf.db_rows("SELECT COUNT(*) FROM outbox WHERE event_type "
        "= 'hold.placed' AND target = '%s'" % b["email"]), [["1"]],
        "hold.placed e-mails for B")
    # a plain refusal without the flag, and the flag on two items
    hf.expect_error(borrow(b, sku), 400, "INV_002")
    r = hf.call("POST", "/api/v1/loans", {"items": [{"sku": sku},
        {"sku": hf.new_product(1)["sku"]}], "hold_if_unavailable": True},
        token=b["token"])
    hf.expect_error(r, 422, "REQ_010")
    r = hf.call("POST", "/api/v1/loans", {"items": [{"sku": sku}],
        "hold_if_unavailable": "yes"}, token=b["token"])
    hf.expect_error(r, 422, "REQ_010")
    # with an Idempotency-Key (the C path) and its replay
    c = new_user()
    key = {"Idempotency-Key": "tC5-%s" % hf.unique_sku("k")}
    r1 = borrow_or_hold(c, sku, headers=key)
    h1 = hf.expect_success(r1, 202)["hold"]
    r2 = borrow_or_hold(c, sku, headers=key)
    hf.expect_eq((r2.status, hf.expect_success(r2, 202)["hold"]["id"]),
        (202, h1["id"]), "the replay of a hold placed instead", r2)
    hf.expect_eq(h1["position"], 2, "C's place in line")
    reconciled(sku)


def test_hold_if_unavailable_other_refusals_stay_refusals():
    limit = hf.conf_int("loan_limit", 5)
    if limit > 10:
        hf.skip("loan_limit %d is too large for this test" % limit)
    a, b = new_user(), new_user()
    skus = [hf.new_product(1)["sku"] for _ in range(limit)]
    lend.borrow_ok(a, *skus)
    short = hf.new_product(1)["sku"]
    borrow_one(b, short)
    r = borrow_or_hold(a, short)
    hf.expect_error(r, 409, "LOAN_001")
    hf.expect_eq(hf.db_rows("SELECT COUNT(*) FROM holds h JOIN products p "
        "ON p.id = h.product_id WHERE p.sku = '%s'" % short), [["0"]],
        "holds placed by a refused borrow")
    reconciled(short, *skus)


def test_hold_if_unavailable_32_borrowers_race_for_one_unit():
    sku = hf.new_product(1)["sku"]
    users = [new_user() for _ in range(32)]
    barrier = threading.Barrier(len(users))
    results = [None] * len(users)

    def go(i):
        barrier.wait()
        results[i] = borrow_or_hold(users[i], sku)

    threads = [threading.Thread(target=go, args=(i,))
        for i in range(len(users))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    statuses = sorted(r.status for r in results)
    hf.expect_eq(statuses, [201] + [202] * 31, "statuses of 32 borrowers "
        "of one unit (%s)" % [r.text[:160] for r in results
        if r.status not in (201, 202)][:3])
    rows = hf.db_rows("SELECT (SELECT COUNT(*) FROM loans l JOIN products p "
        "ON p.id = l.product_id WHERE p.sku = '%s'), (SELECT COUNT(*) FROM "
        "holds h JOIN products p ON p.id = h.product_id WHERE p.sku = '%s' "
        "AND h.status = 'waiting')" % (sku, sku))
    hf.expect_eq(rows, [["1", "31"]], "(loans, waiting holds)")
    positions = sorted(hf.expect_success(r, 202)["hold"]["position"]
        for r in results if r.status == 202)
    hf.check(len(set(positions)) == 31, "positions %r" % positions)
    hf.expect_eq(on_hand(sku), (0, 0), "(on_hand, reserved)")
    reconciled(sku)


# ---------------------------------------------------------------- batches

def test_batch_return_is_all_or_none_and_names_every_refusal():
    p1, p2, p3 = (hf.new_product(2)["sku"], hf.new_product(1)["sku"],
        hf.new_product(1)["sku"])
    a, b = new_user(), new_user()
    l1, l2 = lend.borrow_ok(a, p1, p1)
    l3 = borrow_one(a, p2)
    other = borrow_one(b, p3)
    hf.expect_success(hf.call("POST", "/api/v1/loans/%s/return" % l1["id"],
        token=a["token"]))
    missing = 9007199254740000
    r = batch(a, "return", [l1["id"], l2["id"], l3["id"], other["id"],
        missing])
    hf.expect_error(r, 409, "LOAN_005")
    hf.expect_eq(refusals(r), {l1["id"]: "LOAN_002", other["id"]: "REQ_011",
        missing: "REQ_011"}, "the refusals named", r)
    hf.check(str(b["id"]) not in r.text and p3 not in r.text,
        "the refusal leaks another reader's loan: %s" % r.text)
    # nothing changed
    hf.expect_eq((loan_of(l2["id"])["status"], loan_of(l3["id"])["status"]),
        ("active", "active"), "loans after a refused batch")
    hf.expect_eq((on_hand(p1), on_hand(p2)), ((1, 0), (0, 0)),
        "stock after a refused batch")
    # the good ones, in the order given
    r = batch(a, "return", [l3["id"], l2["id"]])
    got = hf.expect_success(r)["loans"]
    hf.expect_eq([(x["id"], x["status"], x["return_status"],
        x["days_late"]) for x in got], [(l3["id"], "returned", "early", 0),
        (l2["id"], "returned", "early", 0)], "the loans returned", r)
    hf.expect_eq((on_hand(p1), on_hand(p2)), ((2, 0), (1, 0)),
        "stock after the batch")
    for x in (l2, l3):
        hf.expect_eq([(y["on_hand_delta"], y["reason"])
            for y in ledger_rows(x["id"], "restock")], [(1, "return")],
            "restock rows of loan %s" % x["id"])
    reconciled(p1, p2, p3)


def test_batch_input_rules():
    a = new_user()
    sku = hf.new_product(1)["sku"]
    l1 = borrow_one(a, sku)
    hf.expect_error(batch(a, "return", [l1["id"], l1["id"]]), 422,
        "REQ_010")
    hf.expect_error(batch(a, "return", []), 422, "REQ_010")
    hf.expect_error(batch(a, "return", list(range(1, 102))), 422, "REQ_010")
    hf.expect_error(batch(a, "return", ["1"]), 422, "REQ_010")
    hf.expect_error(batch(a, "return", [0]), 422, "REQ_010")
    hf.expect_error(batch(a, "return", [1.5]), 422, "REQ_010")
    hf.expect_error(batch(a, "renew", [l1["id"]], location="MAIN"), 422,
        "REQ_010")
    r = hf.call("POST", "/api/v1/loans/return", {"loan_ids": [l1["id"]],
        "extra": 1}, token=a["token"])
    hf.expect_error(r, 400, "REQ_009")
    # 100 is the cap: 99 unknown ids and one good one, all named
    r = batch(a, "return", [l1["id"]] + list(range(9007199254740000,
        9007199254740099)))
    hf.expect_error(r, 409, "LOAN_005")
    hf.expect_eq(len(refusals(r)), 99, "refusals of 99 unknown ids")
    hf.expect_eq(loan_of(l1["id"])["status"], "active", "loan 1")
    reconciled(sku)


def test_two_concurrent_batch_returns_return_each_unit_once():
    for _ in range(3):
        p1, p2 = hf.new_product(2)["sku"], hf.new_product(1)["sku"]
        a = new_user()
        loans = lend.borrow_ok(a, p1, p1, p2)
        ids = [x["id"] for x in loans]
        barrier = threading.Barrier(2)
        results = [None, None]

        def go(i):
            barrier.wait()
            results[i] = batch(a, "return", ids if i == 0 else ids[::-1])

        threads = [threading.Thread(target=go, args=(i,)) for i in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        hf.expect_eq(sorted(r.status for r in results), [200, 409],
            "two batch returns of the same loans (%s)"
            % [r.text[:200] for r in results])
        lost = [r for r in results if r.status == 409][0]
        hf.expect_error(lost, 409, "LOAN_005")
        hf.expect_eq(set(refusals(lost).values()), {"LOAN_002"}, "codes",
            lost)
        hf.expect_eq((on_hand(p1), on_hand(p2)), ((2, 0), (1, 0)), "stock")
        for i in ids:
            hf.expect_eq(len(ledger_rows(i, "restock")), 1, "restock rows "
                "of loan %s" % i)
        reconciled(p1, p2)


def test_batch_return_gives_the_unit_to_the_waiting_hold():
    sku, other = hf.new_product(1)["sku"], hf.new_product(1)["sku"]
    a, b = new_user(), new_user()
    l1 = borrow_one(a, sku)
    l2 = borrow_one(a, other)
    h = hf.expect_success(hf.call("POST", "/api/v1/holds", {"sku": sku},
        token=b["token"]), 201)
    hf.expect_success(batch(a, "return", [l1["id"], l2["id"]]))
    r = hf.call("GET", "/api/v1/holds/%s" % h["id"], token=b["token"])
    hf.expect_eq(hf.expect_success(r)["status"], "ready", "B's hold", r)
    hf.expect_eq((on_hand(sku), on_hand(other)), ((1, 1), (1, 0)),
        "stock: the returned unit is set aside for B")
    reconciled(sku, other)


def test_batch_renew_all_or_none():
    p1, p2 = hf.new_product(1)["sku"], hf.new_product(1)["sku"]
    a, b = new_user(), new_user()
    got = {x["sku"]: x for x in lend.borrow_ok(a, p1, p2)}
    l1, l2 = got[p1], got[p2]
    r = batch(a, "renew", [l1["id"], l2["id"]])
    got = hf.expect_success(r)["loans"]
    hf.expect_eq([(x["id"], x["renewals"]) for x in got], [(l1["id"], 1),
        (l2["id"], 1)], "renewed", r)
    hf.expect_success(hf.call("POST", "/api/v1/holds", {"sku": p2},
        token=b["token"]), 201)
    r = batch(a, "renew", [l1["id"], l2["id"]])
    hf.expect_error(r, 409, "LOAN_005")
    hf.expect_eq(refusals(r), {l2["id"]: "LOAN_004"}, "refusals", r)
    hf.expect_eq(loan_of(l1["id"])["renewals"], 1, "loan 1 not renewed "
        "by a refused batch")
    # another reader cannot renew them, and learns nothing
    r = batch(b, "renew", [l1["id"]])
    hf.expect_eq(refusals(r), {l1["id"]: "REQ_011"}, "B's refusals", r)
    reconciled(p1, p2)


# ----------------------------------------------------- early, on time, late

def test_a_loan_records_how_it_came_back():
    sku = hf.new_product(3)["sku"]
    a = new_user()
    late, early, ontime = lend.borrow_ok(a, sku, sku, sku)
    hf.expect_eq((late["return_status"], late["days_late"]), (None, None),
        "an active loan's return_status")
    hf.db_rows("UPDATE loans SET due_at = NOW(3) - INTERVAL 36 HOUR "
        "WHERE id = %d" % late["id"])
    hf.db_rows("UPDATE loans SET due_at = NOW(3) + INTERVAL 2 MINUTE "
        "WHERE id = %d" % ontime["id"])
    near_midnight = datetime.datetime.utcnow().strftime("%H:%M") >= "23:57"
    r = batch(a, "return", [late["id"], early["id"], ontime["id"]])
    got = {x["id"]: (x["return_status"], x["days_late"])
        for x in hf.expect_success(r)["loans"]}
    hf.expect_eq(got[late["id"]], ("late", 2), "a loan 36 hours late", r)
    hf.expect_eq(got[early["id"]], ("early", 0), "a loan back at once", r)
    if not near_midnight:
        hf.expect_eq(got[ontime["id"]], ("on_time", 0), "a loan back on "
            "its due day", r)
    # the single return (the one-trip procedure) says the same
    l4 = borrow_one(a, sku)
    hf.db_rows("UPDATE loans SET due_at = NOW(3) - INTERVAL 1 HOUR "
        "WHERE id = %d" % l4["id"])
    r = hf.call("POST", "/api/v1/loans/%s/return" % l4["id"],
        token=a["token"])
    x = hf.expect_success(r)
    hf.expect_eq((x["return_status"], x["days_late"]), ("late", 1),
        "a loan an hour late", r)
    reconciled(sku)


# ---------------------------------------------------------- overdue block

def test_overdue_loans_block_new_loans_when_switched_on():
    days = hf.conf_int("loan_block_overdue_days", 0)
    if days <= 0:
        hf.skip("loan_block_overdue_days is off on this stack")
    p1, p2, p3 = (hf.new_product(1)["sku"], hf.new_product(1)["sku"],
        hf.new_product(2)["sku"])
    a = new_user()
    l1, l2 = lend.borrow_ok(a, p1, p2)
    # overdue, but not by enough: no block
    hf.db_rows("UPDATE loans SET due_at = NOW(3) - INTERVAL %d DAY + "
        "INTERVAL 1 HOUR WHERE id = %d" % (days, l1["id"]))
    l3 = borrow_one(a, p3)
    hf.db_rows("UPDATE loans SET due_at = NOW(3) - INTERVAL %d DAY "
        "WHERE id IN (%d, %d)" % (days + 1, l1["id"], l2["id"]))
    for headers in (None, {"Idempotency-Key": hf.unique_sku("kC5")}):
        r = borrow(a, p3, headers=headers)
        hf.expect_error(r, 409, "LOAN_006")
        named = [x["loan_id"] for x in r.json["details"]["overdue_loans"]]
        hf.expect_eq(sorted(named), sorted([l1["id"], l2["id"]]),
            "the overdue loans named", r)
    # and a hold_if_unavailable borrow too
    hf.expect_error(borrow_or_hold(a, p1), 409, "LOAN_006")
    hf.expect_eq(on_hand(p3), (1, 0), "stock of p3: one loan only")
    # returning them lifts the block
    hf.expect_success(batch(a, "return", [l1["id"], l2["id"]]))
    got = hf.expect_success(batch(a, "return", [l3["id"]]))["loans"]
    hf.expect_eq(got[0]["return_status"], "early", "l3")
    borrow_one(a, p3)
    reconciled(p1, p2, p3)


# ------------------------------------------------------------------ void

def test_staff_void_a_loan_restocks_with_a_named_ledger_row():
    sku = hf.new_product(1)["sku"]
    a, b = new_user(), new_user()
    loan = borrow_one(a, sku)
    staff = new_staff()
    # the borrower, and another reader, cannot void
    hf.expect_error(void(a["token"], loan["id"]), 403, "AUTH_005")
    hf.expect_error(void(b["token"], loan["id"]), 403, "AUTH_005")
    r = hf.call("POST", "/api/v1/loans/%s/void" % loan["id"], {},
        token=staff["token"])
    hf.expect_error(r, 422, "REQ_010")
    r = hf.call("POST", "/api/v1/loans/%s/void" % loan["id"],
        {"reason": ""}, token=staff["token"])
    hf.expect_error(r, 422, "REQ_010")
    hf.expect_error(void(staff["token"], 9007199254740000), 404, "REQ_011")
    hf.expect_eq(on_hand(sku), (0, 0), "stock before the void")
    r = void(staff["token"], loan["id"], "wrong reader card")
    x = hf.expect_success(r)
    hf.expect_eq((x["status"], x["void_reason"], x["returned_at"],
        x["return_status"]), ("voided", "wrong reader card", None, None),
        "the voided loan", r)
    hf.check(hf.ISO_UTC_RE.match(x["voided_at"] or ""), "voided_at %r"
        % x["voided_at"], r)
    hf.expect_eq(on_hand(sku), (1, 0), "stock after the void")
    rows = ledger_rows(loan["id"], "restock")
    hf.expect_eq([(y["on_hand_delta"], y["reason"]) for y in rows],
        [(1, "loan voided: wrong reader card")], "the void's ledger row")
    # not a return: the statistics and the list say so
    r = hf.call("GET", "/api/v1/loans?status=voided&user_id=%s" % a["id"],
        token=_biz())
    hf.expect_eq([y["id"] for y in hf.expect_success(r)["items"]],
        [loan["id"]], "voided loans of A", r)
    r = hf.call("GET", "/api/v1/loans?status=returned&user_id=%s" % a["id"],
        token=_biz())
    hf.expect_eq(hf.expect_success(r)["items"], [], "returned loans of A")
    # audit logged
    rows = hf.db_rows("SELECT actor_role, JSON_VALUE(new_value, "
        "'$.status'), JSON_VALUE(old_value, '$.status') FROM audit_log "
        "WHERE action = 'loan.void' AND entity = 'loan' AND entity_id = "
        "'%s'" % loan["id"])
    hf.expect_eq(rows, [["business", "voided", "active"]], "audit rows")
    # once voided: no second void, no return, no renewal
    hf.expect_error(void(staff["token"], loan["id"]), 409, "LOAN_007")
    hf.expect_error(hf.call("POST", "/api/v1/loans/%s/return" % loan["id"],
        token=a["token"]), 409, "LOAN_007")
    hf.expect_error(hf.call("POST", "/api/v1/loans/%s/renew" % loan["id"],
        token=a["token"]), 409, "LOAN_007")
    r = batch(a, "return", [loan["id"]])
    hf.expect_eq(refusals(r), {loan["id"]: "LOAN_007"}, "batch", r)
    # the unit is on the shelf again: B can borrow it
    borrow_one(b, sku)
    hf.expect_eq(on_hand(sku), (0, 0), "stock after B's loan")
    reconciled(sku)


def test_a_demoted_librarian_cannot_void_with_an_old_token():
    sku = hf.new_product(2)["sku"]
    a = new_user()
    l1, l2 = lend.borrow_ok(a, sku, sku)
    staff = new_staff()
    hf.expect_success(void(staff["token"], l1["id"]))
    r = hf.call("PATCH", "/api/v1/users/%s" % staff["id"], {"role": "user"},
        token=hf.inv_admin())
    hf.expect_success(r)
    hf.expect_error(void(staff["token"], l2["id"]), 403, "AUTH_005")
    hf.expect_eq(loan_of(l2["id"])["status"], "active", "loan 2")
    hf.expect_eq(on_hand(sku), (1, 0), "stock: one void only")
    reconciled(sku)


def test_void_gives_the_unit_to_a_waiting_hold():
    sku = hf.new_product(1)["sku"]
    a, b = new_user(), new_user()
    loan = borrow_one(a, sku)
    h = hf.expect_success(borrow_or_hold(b, sku), 202)["hold"]
    hf.expect_success(void(_biz(), loan["id"]))
    r = hf.call("GET", "/api/v1/holds/%s" % h["id"], token=b["token"])
    hf.expect_eq(hf.expect_success(r)["status"], "ready", "B's hold", r)
    hf.expect_eq(on_hand(sku), (1, 1), "stock")
    reconciled(sku)
