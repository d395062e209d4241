"""Issue 10, holes 1, 2, 3, 7 and 8: one identity per SKU however it is
spelled, reservations owned by their caller, an order's, loan's or hold's
reservations ended only through that flow, references owned, one lock
order, and INV_003 for a commit of an expired reservation.

Each test fails on the code before the fix (oversell through "S"/"s",
another key's commit, a generic commit of an order's reservation, ...)."""

import concurrent.futures
import random
import time

import hf
from hf import lend
from hf import shop

L = lend.Lending("t89")
_biz, _user = L.biz, L.new_user


def _biz2():
    return hf.inv_business("t89-other")


def _levels(sku):
    s = hf.stock_of(sku)
    return (s["on_hand"], s["reserved"], s["available"])


def _ledger_count(sku):
    r = hf.call("GET", "/api/v1/ledger?sku=%s&per_page=1" % hf.sku_path(sku),
        token=hf.inv_admin())
    return hf.expect_success(r)["total"]


def _reconciled(*skus):
    for sku in skus:
        data = hf.reconcile_api(sku, hf.inv_admin())
        hf.check(data["ok"], "reconcile of %s: %r" % (sku,
            data["mismatches"]))


def _sku_upper_lower():
    """An SKU with letters in both cases, and its other spellings."""
    sku = "Ab-" + hf.unique_sku("Cd")
    return sku, sku.lower(), sku.upper()


# ------------------------------------------------------------ SKU identity

def test_two_spellings_of_one_sku_in_one_batch_are_one_line():
    sku, low, up = _sku_upper_lower()
    hf.new_product(1, sku=sku)
    before = _ledger_count(sku)
    for path_items in ([(sku, 1), (low, 1)], [(up, 1), (sku, 1)],
                       [(low, 1), (up, 1), (sku, 1)]):
        r = hf.reserve(path_items, token=_biz())
        body = hf.expect_error(r, 400, "INV_002")
        lines = body["details"]["lines"]
        hf.expect_eq(len(lines), 1, "short lines for one SKU spelled %d "
            "ways" % len(path_items), r)
        hf.expect_eq((lines[0]["requested"], lines[0]["available"]),
            (len(path_items), 1), "requested/available of the one line", r)
    hf.expect_eq(_levels(sku), (1, 0, 1), "stock after the refusals")
    hf.expect_eq(_ledger_count(sku), before, "ledger rows after refusals")
    # one line in another case takes the unit, under the stored spelling
    r = hf.reserve([(low, 1)], token=_biz())
    res = hf.expect_success(r, 201)["reservations"]
    hf.expect_eq([(x["sku"], x["quantity"]) for x in res], [(sku, 1)],
        "the reservation names the stored spelling", r)
    hf.expect_eq(_levels(up), (1, 1, 0), "stock read by another spelling")
    _reconciled(sku)


def test_spaces_and_other_alphabets_are_not_an_sku():
    sku, low, _ = _sku_upper_lower()
    hf.new_product(1, sku=sku)
    for bad in (sku + " ", " " + sku, sku + "\t", sku + "\u00a0",
                "\uff21" + sku, sku.replace("-", "\u2010"), sku + "/x",
                "-" + sku, "." + sku, "", "x" * 65, sku + "\u0000"):
        r = hf.reserve([(sku, 1), (bad, 1)], token=_biz())
        body = hf.expect_error(r, 422, "REQ_010")
        hf.expect_eq(body["details"]["field"], "items[1].sku",
            "the field named for %r" % bad, r)
        r = hf.call("POST", "/api/v1/loans", {"items": [{"sku": bad}]},
            token=_user()["token"])
        hf.expect_error(r, 422, "REQ_010")
        r = shop.place([(bad, 1)])
        hf.expect_error(r, 422, "REQ_010")
        r = hf.call("POST", "/api/v1/products", {"sku": bad,
            "name": "x"}, token=hf.inv_admin())
        hf.expect_error(r, 422, "REQ_010")
    hf.expect_eq(_levels(sku), (1, 0, 1), "stock after the refusals")
    # 64 bytes is the cap, 65 is past it
    edge = ("E" + hf.unique_sku("x") + "z" * 64)[:64]
    hf.new_product(0, sku=edge)
    # a path that is not an SKU is not found, and its bytes are not echoed
    for bad in (sku + "%20", "%20" + sku, sku + "%00", "%C0%AF",
                "%FF%FE", "..%2F" + sku):
        r = hf.call("GET", "/api/v1/stock/" + bad, token=_biz())
        # nginx itself refuses a NUL in the path (400 REQ_012, JSON)
        if bad in ("%C0%AF", "%FF%FE"):
            # not UTF-8: the front door refuses the path (test_98)
            hf.expect_error(r, 400, "REQ_012")
            continue
        if "%00" in bad:
            hf.expect_eq((r.status, r.json.get("error")), (400,
                "REQ_012"), "nginx's answer to a NUL in the path", r)
            continue
        body = hf.expect_error(r, 404, "REQ_004" if "%2F" in bad else
            "INV_001")
        hf.check("\ufffd" not in body["message"] and "%" not in
            body["message"], "message echoes the path: %r" % body["message"])
    for q in (sku + "%20", "a%2Fb", "%C0%AF"):
        r = hf.call("GET", "/api/v1/ledger?sku=" + q, token=hf.inv_admin())
        hf.expect_error(r, 422, "REQ_010")


def test_another_case_of_a_taken_sku_is_taken():
    sku, low, up = _sku_upper_lower()
    hf.new_product(1, sku=sku)
    for other in (low, up):
        r = hf.call("POST", "/api/v1/products", {"sku": other,
            "name": "dup"}, token=hf.inv_admin())
        hf.expect_error(r, 409, "INV_008")


def test_every_batch_path_folds_spellings_into_one_sku():
    sku, low, up = _sku_upper_lower()
    hf.new_product(1, sku=sku)
    reader = _user()
    r = hf.call("POST", "/api/v1/loans", {"items": [{"sku": sku},
        {"sku": low}]}, token=reader["token"])
    hf.expect_status(r, 400, 409)
    hf.expect_eq(_levels(sku), (1, 0, 1), "stock after two-spelling loan")
    r = shop.place([(sku, 1), (low, 1)])
    hf.expect_error(r, 400, "INV_002")
    hf.expect_eq(_levels(sku), (1, 0, 1), "stock after two-spelling order")
    # the stock routes take any case, and move the one row
    r = hf.call("POST", "/api/v1/stock/%s/restock" % low, {"quantity": 2},
        token=_biz())
    hf.expect_success(r)
    r = hf.call("POST", "/api/v1/stock/%s/deduct" % up, {"quantity": 1},
        token=_biz())
    hf.expect_success(r)
    hf.expect_eq(_levels(sku), (2, 0, 2), "stock after restock and deduct "
        "by other spellings")
    # a stock entry cached under one spelling is invalidated by a move
    # under another
    hf.expect_eq(_levels(low), (2, 0, 2), "read by lower case (cached)")
    r = hf.reserve([(up, 2)], token=_biz())
    hf.expect_success(r, 201)
    hf.expect_eq(_levels(low), (2, 2, 0), "lower-case read after an "
        "upper-case reserve")
    rows = hf.ledger_of(hf.inv_admin(), sku=low)
    hf.expect_eq(len(rows), _ledger_count(up), "ledger by either spelling")
    hf.check(all(x["sku"] == sku for x in rows), "ledger rows name the "
        "stored spelling")
    _reconciled(sku)


# ------------------------------------------------ owned reservations

def test_another_key_cannot_see_or_end_a_reservation():
    sku = hf.new_product(3)["sku"]
    ref = "t89-" + hf.unique_sku("r")
    r = hf.reserve([(sku, 1)], token=_biz(), reference_id=ref)
    (res,) = hf.expect_success(r, 201)["reservations"]
    rid = res["id"]
    for method, path, body in (
            ("GET", "/api/v1/reservations/%d" % rid, None),
            ("POST", "/api/v1/reservations/%d/commit" % rid, None),
            ("POST", "/api/v1/reservations/%d/release" % rid, None),
            ("POST", "/api/v1/reservations/commit", {"reference_id": ref}),
            ("POST", "/api/v1/reservations/release", {"reference_id": ref})):
        r = hf.call(method, path, body, token=_biz2())
        hf.expect_error(r, 404, "REQ_011")
    r = hf.call("GET", "/api/v1/reservations?reference_id=%s" % ref,
        token=_biz2())
    hf.expect_eq(hf.expect_success(r)["total"], 0, "another key's list")
    # no one adds lines under a reference they do not own
    r = hf.reserve([(sku, 1)], token=_biz2(), reference_id=ref)
    hf.expect_error(r, 409, "INV_012")
    hf.expect_eq(_levels(sku), (3, 1, 2), "stock after the refusals")
    # the owner lists, reads and commits it; admin sees it
    r = hf.call("GET", "/api/v1/reservations?reference_id=%s" % ref,
        token=_biz())
    hf.expect_eq(hf.expect_success(r)["total"], 1, "the owner's list")
    r = hf.call("GET", "/api/v1/reservations/%d" % rid, token=hf.inv_admin())
    hf.expect_success(r)
    r = hf.reserve([(sku, 1)], token=_biz(), reference_id=ref)
    hf.expect_success(r, 201)
    r = hf.call("POST", "/api/v1/reservations/commit", {"reference_id": ref},
        token=_biz())
    hf.expect_eq(len(hf.expect_success(r)["reservations"]), 2,
        "lines the owner committed")
    hf.expect_eq(_levels(sku), (1, 0, 1), "stock after the owner's commit")
    _reconciled(sku)


def test_two_owners_opening_one_reference_at_once_get_one_owner():
    sku = hf.new_product(20)["sku"]
    keys = [_biz(), _biz2()] * 4
    ref = "t89-race-" + hf.unique_sku("r")
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        answers = list(ex.map(lambda k: (k, hf.reserve([(sku, 1)], token=k,
            reference_id=ref)), keys))
    won = {k for k, r in answers if r.status == 201}
    hf.expect_eq(len(won), 1, "owners that got 201 under one reference "
        "(%s)" % sorted(r.status for _, r in answers))
    for k, r in answers:
        if k not in won:
            hf.expect_error(r, 409, "INV_012")
        else:
            hf.expect_not_5xx(r)
    r = hf.call("GET", "/api/v1/reservations?reference_id=%s" % ref,
        token=hf.inv_admin())
    owners_units = hf.expect_success(r)["total"]
    hf.expect_eq(_levels(sku)[1], owners_units, "reserved units vs the "
        "reference's lines")
    _reconciled(sku)


def test_an_orders_reservations_end_only_through_the_order():
    sku = hf.new_product(2)["sku"]
    o = shop.order([(sku, 1)])
    ref = o["reference_id"]
    r = hf.call("GET", "/api/v1/reservations?reference_id=%s" % ref,
        token=hf.inv_admin())
    (res,) = hf.expect_success(r)["items"]
    for token in (shop.biz(), hf.inv_admin()):
        for action in ("commit", "release"):
            r = hf.call("POST", "/api/v1/reservations/%d/%s" % (res["id"],
                action), token=token)
            hf.expect_error(r, 409, "INV_010")
            r = hf.call("POST", "/api/v1/reservations/%s" % action,
                {"reference_id": ref}, token=token)
            hf.expect_error(r, 409, "INV_010")
        # nor can anyone add lines under the order's reference
        r = hf.reserve([(sku, 1)], token=token, reference_id=ref)
        hf.expect_error(r, 409, "INV_012")
    hf.expect_eq(_levels(sku), (2, 1, 1), "stock after the refusals")
    # the order still pays: its one reservation is intact
    got = shop.get_order(o["id"])
    hf.expect_eq(got["status"], "pending_payment", "the order's status")
    r = shop.notify(shop.notify_body(got, "t89-" + hf.unique_sku("tx")))
    hf.expect_success(r)
    hf.expect_eq(shop.get_order(o["id"])["status"], "paid", "after paying")
    hf.expect_eq(_levels(sku), (1, 0, 1), "stock after paying")
    _reconciled(sku)


# ------------------------------------------------ expiry on commit

def test_commit_of_an_expired_reservation_is_inv_003():
    sku = hf.new_product(1)["sku"]
    r = hf.reserve([(sku, 1)], token=_biz(), ttl=1)
    (a,) = hf.expect_success(r, 201)["reservations"]
    time.sleep(1.3)
    # past its time but still active: never committed
    r = hf.call("POST", "/api/v1/reservations/%d/commit" % a["id"],
        token=_biz())
    hf.expect_error(r, 400, "INV_003")
    # another request frees it lazily and takes the unit
    r = hf.reserve([(sku, 1)], token=_biz2())
    hf.expect_success(r, 201)
    r = hf.call("GET", "/api/v1/reservations/%d" % a["id"], token=_biz())
    hf.expect_eq(hf.expect_success(r)["status"], "expired", "status of the "
        "freed reservation")
    r = hf.call("POST", "/api/v1/reservations/%d/commit" % a["id"],
        token=_biz())
    hf.expect_error(r, 400, "INV_003")
    hf.expect_eq(_levels(sku), (1, 1, 0), "stock: the unit is the second "
        "caller's")
    _reconciled(sku)


# ------------------------------------------------ one lock order

def _deadlocks():
    """(worker deadlock retries from /metrics, InnoDB's deadlock count):
    the first counts the retries of every worker (db_txn), the second
    every deadlock the server saw, holdfast-expire's too."""
    retries = hf.metric_sum("holdfast_db_deadlock_retries_total")
    rows = hf.db_rows("SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'")
    return (int(retries or 0), int(rows[0][1]) if rows else 0)


def _age(o, skus):
    """shop.age in the service's own lock order (the order row, its stock
    rows in SKU order, then its reservations), so that the test's root
    SQL cannot be the one that deadlocks."""
    ref = hf.sql_str(o["reference_id"])
    hf.db_rows("START TRANSACTION; "
        "SELECT id FROM orders WHERE id = %d FOR UPDATE; " % o["id"] +
        "".join("SELECT s.product_id FROM products p JOIN stock s ON "
            "s.product_id = p.id WHERE p.sku = %s FOR UPDATE; " % hf.sql_str(x)
            for x in sorted(skus, key=str.upper)) +
        "UPDATE orders SET expires_at = NOW(3) - INTERVAL 1 SECOND "
        "WHERE id = %d AND status = 'pending_payment'; " % o["id"] +
        "UPDATE reservations FORCE INDEX (ix_reservations_reference) "
        "SET expires_at = NOW(3) - INTERVAL 1 SECOND "
        "WHERE reference_id = %s AND status = 'active'; COMMIT" % ref)


def test_mixed_flows_on_few_skus_never_deadlock_out():
    """Hole 7: one lock order (stock rows, then reservations). On four
    SKUs with few units, so that nearly every taker is short and frees
    expired reservations lazily (stock row, then the reservation rows),
    at once: reservations with a 1 s TTL released or committed by id and
    by reference just as they expire (the old order took the reservation
    row first), orders aged past their TTL and cancelled (the old order
    took the order's reservations before the stock), orders, loans and
    returns, deducts, restocks, and the cron. No INV_004, no 5xx, not one
    deadlock retry in /metrics nor deadlock in InnoDB, no oversell, every
    SKU reconciles. On the code with two lock orders (a0274cb) a run saw
    9 to 14 InnoDB deadlocks, 6 to 11 of them retried by the workers (so
    no INV_004 came out): the reservation row against the stock row, and
    a loan (borrower's users row first) against a return (whose status
    change locks that row for the foreign key, after the stock row)."""
    skus = [hf.new_product(6)["sku"] for _ in range(4)]
    readers = [_user("t89mix") for _ in range(3)]
    biz, admin = _biz(), hf.inv_admin()
    rnd = random.Random(89)
    plans = []
    for i in range(320):
        picked = rnd.sample(skus, rnd.randint(1, 4))
        plans.append((i % 10, picked, rnd.random()))

    def expired_soon(picked, qty=1):
        ref = "t89m-" + hf.unique_sku("m")
        r = hf.reserve([(s, qty) for s in picked], token=biz, ttl=1,
            reference_id=ref)
        res = (hf.expect_success(r, 201)["reservations"] if r.status == 201
            else [])
        return r, ref, res

    def one(plan):
        kind, picked, x = plan
        out = []
        if kind in (0, 1, 2):
            # held just past its TTL, then ended by hand while the takers
            # below free it lazily and the cron expires it
            r, ref, res = expired_soon(picked)
            out.append(r)
            if not res:
                return out
            time.sleep(0.95 + x * 0.2)
            if kind == 1:
                out.append(hf.call("POST", "/api/v1/reservations/%s"
                    % ("release" if x < 0.7 else "commit"),
                    {"reference_id": ref}, token=biz))
            else:
                for v in res:
                    out.append(hf.call("POST", "/api/v1/reservations/"
                        "%d/%s" % (v["id"], "release" if kind == 0
                        else "commit"), token=biz))
        elif kind == 3:
            # a taker that is short: frees the SKUs' expired reservations
            r = hf.reserve([(s, 2) for s in picked], token=biz, ttl=60,
                reference_id="t89m-" + hf.unique_sku("t"))
            out.append(r)
            if r.status == 201:
                data = hf.expect_success(r, 201)
                if x < 0.3:
                    out.append(hf.call("POST", "/api/v1/reservations/"
                        "commit", {"reference_id": data["reservations"][0]
                        ["reference_id"]}, token=biz))
                else:
                    for v in data["reservations"]:
                        out.append(hf.call("POST", "/api/v1/reservations/"
                            "%d/release" % v["id"], token=biz))
        elif kind in (4, 5):
            r = shop.place([(s, 1) for s in picked])
            out.append(r)
            if r.status == 201:
                o = hf.expect_success(r, 201)
                if kind == 4 or x < 0.5:
                    # past its TTL: the cancel races lazy expiry and cron
                    _age(o, picked)
                    time.sleep(x * 0.05)
                out.append(shop.act(o["id"], "cancel"))
        elif kind == 6:
            reader = readers[int(x * len(readers))]
            r = hf.call("POST", "/api/v1/loans", {"items": [{"sku": s}
                for s in picked[:2]]}, token=reader["token"])
            out.append(r)
            if r.status == 201:
                for loan in hf.expect_success(r, 201)["loans"]:
                    out.append(hf.call("POST", "/api/v1/loans/%s/return"
                        % loan["id"], token=admin))
        elif kind == 7:
            out.append(hf.run_program("holdfast-expire", timeout=120))
        elif kind == 8:
            # stock moves on the same rows: a deduct (a taker) or a restock
            sku = picked[0]
            act = "deduct" if x < 0.4 else "restock"
            out.append(hf.call("POST", "/api/v1/stock/%s/%s" % (
                hf.sku_path(sku), act), {"quantity": 1, "reason": "t89"},
                token=biz))
        else:
            # left to expire: fodder for the lazy expiry and the cron
            out.append(expired_soon(picked)[0])
        return out

    before = _deadlocks()
    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        results = [x for lst in ex.map(one, plans) for x in lst]
    after = _deadlocks()
    bad = []
    for r in results:
        if hasattr(r, "returncode"):
            if r.returncode != 0:
                bad.append("holdfast-expire exit %d: %s" % (r.returncode,
                    r.stderr[-200:]))
            continue
        if r.status >= 500:
            bad.append("%d %s" % (r.status, r.text[:200]))
        elif r.status == 409:
            body = r.json
            if body.get("error") == "INV_004":
                bad.append("INV_004 on %s %s (%s)" % (r.method,
                    r.url.split("/api/v1", 1)[-1], body.get("request_id")))
    hf.check(not bad, "%d bad answers of %d, e.g. %s" % (len(bad),
        len(results), bad[:3]))
    hf.expect_eq((after[0] - before[0], after[1] - before[1]), (0, 0),
        "(deadlock retries in /metrics, InnoDB deadlocks) during the mix")
    for sku in skus:
        on, res, avail = _levels(sku)
        hf.check(0 <= res <= on, "oversold %s: %d/%d" % (sku, res, on))
    _reconciled(*skus)
