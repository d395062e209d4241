"""Product status and the hold queue (issue 10, holes 5 and 6).

Hole 5: a product in `maintenance` or `retired` takes no new reservation,
order, loan or hold: 409 `INV_011` naming every such SKU of the batch,
nothing changed (stock, ledger, reconcile).  Retiring a product ends its
waiting holds (`cancelled`), each patron told by an e-mail through the
outbox, in the same transaction.

Hole 6: a request short of stock frees the SKU's expired reservations
each by the rules of its type, in its own transaction: a lapsed `hold`
reservation goes to the next patron in line (as holdfast-expire would
pass it), never into the cart, order or deduct that found it; and units
owed to waiting holds are not available to anyone else (one definition
for every taker).

Pickup windows and cart TTLs are ended with root SQL on the stack's
MariaDB (expires_at and pickup_until moved into the past), as
test_86_holds.py does."""

import re
import threading
import time

import hf
from hf import lend
from hf import shop
from hf.lend import borrow, borrow_one

L = lend.Lending("t91")
_biz, new_user, reconciled = L.biz, L.new_user, L.reconciled


# ---------------------------------------------------------------- helpers

def _admin():
    return hf.inv_admin()


def hold(user, sku):
    return hf.call("POST", "/api/v1/holds", {"sku": sku},
        token=user["token"])


def hold_ok(user, sku):
    h = hf.expect_success(hold(user, sku), 201)
    hf.expect_eq(h["status"], "waiting", "status of a new hold")
    return h


def get_hold(hold_id):
    r = hf.call("GET", "/api/v1/holds/%s" % hold_id, token=_biz())
    return hf.expect_success(r)


def give_back(user, loan):
    r = hf.call("POST", "/api/v1/loans/%s/return" % loan["id"],
        token=user["token"])
    return hf.expect_success(r)


def reservation(res_id):
    # a hold's reservation is not a business key's: staff read it
    r = hf.call("GET", "/api/v1/reservations/%s" % res_id,
        token=hf.inv_admin())
    return hf.expect_success(r)


def set_status(product_id, status):
    r = hf.call("PATCH", "/api/v1/products/%s" % product_id,
        {"status": status}, token=_admin())
    hf.expect_eq(hf.expect_success(r)["status"], status, "product status "
        "after PATCH", r)


def snapshot(*skus):
    """Stock numbers and ledger row ids of each SKU."""
    out = {}
    for sku in skus:
        s = hf.stock_of(sku, _biz())
        out[sku] = ((s["on_hand"], s["reserved"], s["available"]),
            sorted(x["id"] for x in hf.ledger_of(_biz(), sku=sku)))
    return out


def expect_closed(r, *pairs):
    """409 INV_011 whose details.lines are exactly pairs (sku, status),
    the message naming the first."""
    body = hf.expect_error(r, 409, "INV_011")
    lines = body.get("details", {}).get("lines")
    hf.check(isinstance(lines, list), "INV_011 without details.lines", r)
    hf.expect_eq(sorted((x.get("sku"), x.get("status")) for x in lines),
        sorted(pairs), "INV_011 details.lines", r)
    hf.check(any(p[0] in body["message"] for p in pairs), "INV_011 "
        "message names no SKU: %r" % body["message"], r)
    return body


def expire_reservation(res_id):
    """Root SQL: a cart or order reservation past its TTL now."""
    hf.db_rows("UPDATE reservations SET expires_at = NOW(3) - INTERVAL 1 "
        "SECOND WHERE id = %d AND status = 'active'" % int(res_id))


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
    return p.stdout


def ready_events(hold_id):
    rows = hf.db_rows("SELECT COUNT(*) FROM outbox WHERE event_type = "
        "'hold.ready' AND channel = 'webhook' AND JSON_VALUE(payload, "
        "'$.data.hold_id') = %d" % int(hold_id))
    return int(rows[0][0])


def expect_ready(hold_id, sku):
    h = get_hold(hold_id)
    hf.expect_eq(h["status"], "ready", "status of hold %s" % hold_id)
    res = reservation(h["reservation_id"])
    hf.expect_eq((res["type"], res["reference_id"], res["status"],
        res["quantity"], res["sku"]), ("hold", "hold:%s" % hold_id,
        "active", 1, sku), "the ready hold's reservation")
    hf.expect_eq(ready_events(hold_id), 1, "hold.ready events of hold %s"
        % hold_id)
    return h


def expect_lapsed(ready):
    """The hold `expired`, its reservation `expired` with one release row
    of reason expired."""
    h = get_hold(ready["id"])
    hf.expect_eq(h["status"], "expired", "the lapsed hold %s" % ready["id"])
    res = reservation(ready["reservation_id"])
    hf.expect_eq(res["status"], "expired", "the lapsed hold's reservation")
    ends = [x for x in hf.ledger_of(_biz(), sku=res["sku"]) if
        x["reference_id"] == str(ready["reservation_id"]) and
        x["type"] in ("deduct", "release")]
    hf.expect_eq([(x["type"], x["reason"], x["reserved_delta"])
        for x in ends], [("release", "expired", -1)], "the rows ending "
        "the lapsed hold's reservation")


def lapsed_queue():
    """A product of one unit, lent to a, returned to b's hold, whose
    window then ends; c waits behind b.  Returns (sku, b's ready hold,
    c's hold)."""
    sku = hf.new_product(1)["sku"]
    a, b, c = new_user(), new_user(), new_user()
    loan = borrow_one(a, sku)
    hb = hold_ok(b, sku)
    hc = hold_ok(c, sku)
    give_back(a, loan)
    ready = expect_ready(hb["id"], sku)
    lapse(hb["id"])
    return sku, ready, hc


def lapsed_queue_and_old_cart():
    """As lapsed_queue, with a second unit in a cart reservation whose
    TTL has passed.  Returns (sku, b's ready hold, c's hold, the cart)."""
    sku = hf.new_product(2)["sku"]
    r = hf.reserve([(sku, 1)], _biz(), ttl=900)
    (cart,) = hf.expect_success(r, 201)["reservations"]
    a, b, c = new_user(), new_user(), new_user()
    loan = borrow_one(a, sku)
    hb = hold_ok(b, sku)
    hc = hold_ok(c, sku)
    give_back(a, loan)
    ready = expect_ready(hb["id"], sku)
    lapse(hb["id"])
    expire_reservation(cart["id"])
    return sku, ready, hc, cart


def expect_handed_on(sku, ready, hc, cart):
    """b's hold lapsed, c's ready, the old cart expired; reconcile ok."""
    expect_lapsed(ready)
    expect_ready(hc["id"], sku)
    hf.expect_eq(reservation(cart["id"])["status"], "expired", "the old "
        "cart")
    reconciled(sku)


# ------------------------------------------------------- hole 5: status

def test_maintenance_and_retired_products_take_nothing_new_and_change_nothing():
    p = hf.new_product(3)
    other = hf.new_product(5)
    sku, osku = p["sku"], other["sku"]
    # q: its only unit on loan, so a hold would otherwise be taken
    q = hf.new_product(1)
    qsku = q["sku"]
    a, b = new_user(), new_user()
    borrow_one(a, qsku)

    for status in ("maintenance", "retired"):
        if status == "maintenance":
            set_status(p["id"], "maintenance")
            set_status(q["id"], "maintenance")
        else:
            hf.expect_success(hf.call("DELETE", "/api/v1/products/%s"
                % p["id"], token=_admin()))
        before = snapshot(sku, osku, qsku)

        expect_closed(hf.reserve([(sku, 1)], _biz()), (sku, status))
        # a batch names the closed SKU, and reserves nothing of the other
        r = hf.reserve([(osku, 1), (sku, 2)], _biz())
        expect_closed(r, (sku, status))
        expect_closed(borrow(b, sku), (sku, status))
        r = borrow(b, osku, sku)
        expect_closed(r, (sku, status))
        expect_closed(shop.place([(sku, 1), (osku, 1)]), (sku, status))
        # another spelling of the type: an order reservation
        expect_closed(hf.reserve([(sku, 1)], _biz(), type_="order"),
            (sku, status))
        if status == "maintenance":
            expect_closed(hold(b, qsku), (qsku, "maintenance"))
            expect_closed(hf.reserve([(qsku, 1), (sku, 1)], _biz()),
                (sku, "maintenance"), (qsku, "maintenance"))
        expect_closed(hold(b, sku), (sku, status))
        hf.expect_eq(snapshot(sku, osku, qsku), before, "stock and ledger "
            "after the refusals (%s)" % status)
        r = hf.call("GET", "/api/v1/holds?sku=%s" % hf.sku_path(qsku),
            token=_biz())
        hf.expect_eq(hf.expect_success(r)["items"], [], "holds of %s"
            % qsku, r)
        reconciled(sku, osku, qsku)

    # stock keeping goes on: a restock and a deduct of a retired product
    r = hf.call("POST", "/api/v1/stock/%s/deduct" % hf.sku_path(sku),
        {"quantity": 1, "reason": "written off"}, token=_biz())
    hf.expect_eq(hf.expect_success(r)["stock"]["on_hand"], 2, "on_hand "
        "after a deduct of a retired product", r)

    # back in service: q takes holds and reservations again
    set_status(q["id"], "active")
    hold_ok(b, qsku)
    r = hf.reserve([(osku, 1)], _biz())
    hf.expect_success(r, 201)
    reconciled(sku, osku, qsku)


def test_a_status_change_racing_reservations_lets_none_through_after_it():
    """Reservations race a PATCH to maintenance: each one that succeeds
    was made before the change (its created_at is before the audit row
    of the PATCH, both by the database's clock), every later one is
    INV_011, and the stock reconciles."""
    p = hf.new_product(100000)
    sku = p["sku"]
    token = _biz()
    stop = threading.Event()
    made, refused, odd = [], [], []
    lock = threading.Lock()

    def work():
        while not stop.is_set():
            r = hf.reserve([(sku, 1)], token)
            with lock:
                if r.status == 201:
                    made.append(r.json["data"]["reservations"][0])
                elif r.status == 409 and r.json.get("error") == "INV_011":
                    refused.append(r)
                else:
                    odd.append(r)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.7)
        set_status(p["id"], "maintenance")
        time.sleep(0.7)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    hf.check(not odd, "unexpected answers: %s" % (odd[0].describe()
        if odd else ""))
    hf.check(made and refused, "the race did not race: %d made, %d "
        "refused" % (len(made), len(refused)))
    r = hf.call("GET", "/api/v1/audit?entity=product&entity_id=%s"
        "&per_page=100" % p["id"], token=_admin())
    changes = [x for x in hf.expect_success(r)["items"]
        if x.get("action") == "product.update" and
        (x.get("new_value") or {}).get("status") == "maintenance"]
    hf.expect_eq(len(changes), 1, "audit rows of the change", r)
    late = [x for x in made if x["created_at"] > changes[0]["created_at"]]
    hf.expect_eq(late, [], "reservations made after the change at %s"
        % changes[0]["created_at"])
    s = hf.stock_of(sku, _biz())
    hf.expect_eq(s["reserved"], len(made), "reserved vs reservations made")
    reconciled(sku)


def test_a_ready_hold_is_not_checked_out_while_its_product_is_in_maintenance():
    p = hf.new_product(1)
    sku = p["sku"]
    a, b = new_user(), new_user()
    loan = borrow_one(a, sku)
    hb = hold_ok(b, sku)
    give_back(a, loan)
    expect_ready(hb["id"], sku)
    set_status(p["id"], "maintenance")
    before = snapshot(sku)
    r = hf.call("POST", "/api/v1/holds/%s/checkout" % hb["id"],
        token=b["token"])
    expect_closed(r, (sku, "maintenance"))
    hf.expect_eq(get_hold(hb["id"])["status"], "ready", "the hold after a "
        "refused checkout")
    hf.expect_eq(snapshot(sku), before, "stock and ledger after a refused "
        "checkout")
    set_status(p["id"], "active")
    r = hf.call("POST", "/api/v1/holds/%s/checkout" % hb["id"],
        token=b["token"])
    hf.expect_eq(hf.expect_success(r, 201)["hold"]["status"], "collected",
        "the hold once its product is active again", r)
    reconciled(sku)


def test_retiring_a_product_ends_its_waiting_holds_and_tells_each_patron():
    p = hf.new_product(0)
    sku = p["sku"]
    b, c, d = new_user(), new_user(), new_user()
    hb = hold_ok(b, sku)
    hc = hold_ok(c, sku)
    hd = hold_ok(d, sku)
    r = hf.call("DELETE", "/api/v1/holds/%s" % hd["id"], token=d["token"])
    hf.expect_success(r)
    before = snapshot(sku)

    r = hf.call("DELETE", "/api/v1/products/%s" % p["id"], token=_admin())
    hf.expect_eq(hf.expect_success(r)["status"], "retired", "status after "
        "DELETE", r)
    for h in (hb, hc):
        got = get_hold(h["id"])
        hf.expect_eq(got["status"], "cancelled", "a waiting hold of the "
            "retired product")
        hf.check(got["ended_at"], "the ended hold has no ended_at: %r" % got)
        hf.expect_eq(got["position"], None, "position of an ended hold")
    for user, h in ((b, hb), (c, hc)):
        rows = hf.db_rows("SELECT COUNT(*) FROM outbox WHERE channel = "
            "'email' AND event_type = 'hold.cancelled' AND target = %s"
            % hf.sql_str(user["email"]))
        hf.expect_eq(int(rows[0][0]), 1, "hold.cancelled e-mails queued "
            "for %s" % user["email"])
        pat = re.compile(r"Hold %s\b" % h["id"])
        # the hold's confirmation (issue 14, item 6) may come first
        hf.wait_until(lambda: [x for _, x in hf.mails_to(user["email"])
            if "retired" in x and sku in x and pat.search(x)], 15,
            what="an e-mail to %s about hold %s" % (user["email"], h["id"]))
    # the hold cancelled before is not told again (its confirmation when
    # it was placed, issue 14 item 6, is the only e-mail it got)
    rows = hf.db_rows("SELECT COUNT(*) FROM outbox WHERE channel = 'email' "
        "AND event_type <> 'hold.placed' AND target = %s"
        % hf.sql_str(d["email"]))
    hf.expect_eq(int(rows[0][0]), 0, "e-mails to the patron who had "
        "left the queue")
    r = hf.call("GET", "/api/v1/audit?entity=product&entity_id=%s"
        "&per_page=100" % p["id"], token=_admin())
    rows = [x for x in hf.expect_success(r)["items"]
        if x.get("action") == "product.retire"]
    hf.expect_eq(len(rows), 1, "product.retire audit rows", r)
    hf.expect_eq((rows[0].get("new_value") or {}).get("holds_cancelled"),
        2, "audit new_value.holds_cancelled", r)
    hf.expect_eq(snapshot(sku), before, "stock and ledger of the retired "
        "product")
    expect_closed(hold(b, sku), (sku, "retired"))
    reconciled(sku)


# -------------------------------------------- hole 6: the queue first

def test_a_lapsed_hold_found_by_a_cart_goes_to_the_next_in_line():
    hf.build_binary("holdfast-expire")
    sku, ready, hc = lapsed_queue()
    before = snapshot(sku)
    # the only unit is owed to c: the cart gets nothing and changes nothing
    body = hf.expect_error(hf.reserve([(sku, 1)], _biz()), 400, "INV_002")
    hf.expect_eq(body["details"]["lines"][0]["available"], 0, "available "
        "to a cart while the unit is owed to the queue")
    hf.expect_error(hf.reserve([(sku, 1)], _biz(), type_="order"), 400,
        "INV_002")
    hf.expect_error(borrow(new_user(), sku), 400, "INV_002")
    hf.expect_eq(snapshot(sku), before, "stock and ledger after the "
        "refusals")
    hf.expect_eq(get_hold(hc["id"])["status"], "waiting", "the next in "
        "line after refusals (rolled back)")
    # the cron hands it on exactly as the requests would have
    run_expire()
    expect_lapsed(ready)
    expect_ready(hc["id"], sku)
    reconciled(sku)


def test_a_cart_that_frees_a_lapsed_hold_passes_it_on_in_its_transaction():
    sku, ready, hc, cart = lapsed_queue_and_old_cart()
    # the cart frees both: the lapsed hold's unit goes to c, the old
    # cart's unit to the new cart
    r = hf.reserve([(sku, 1)], _biz())
    (new,) = hf.expect_success(r, 201)["reservations"]
    hf.expect_eq(reservation(new["id"])["status"], "active", "the new "
        "cart")
    s = hf.stock_of(sku, _biz())
    hf.expect_eq((s["on_hand"], s["reserved"], s["available"]), (2, 2, 0),
        "(on_hand, reserved, available): c's hold and the new cart")
    expect_handed_on(sku, ready, hc, cart)


def test_an_order_frees_by_type_and_leaves_owed_units_alone():
    sku, ready, hc = lapsed_queue()
    token = new_user()["token"]
    before = snapshot(sku)
    body = hf.expect_error(shop.place([(sku, 1)], token=token), 400,
        "INV_002")
    hf.expect_eq(body["details"]["lines"][0]["available"], 0, "available "
        "to an order while the unit is owed")
    hf.expect_eq(snapshot(sku), before, "stock and ledger after the "
        "refused order")
    hf.expect_eq(get_hold(hc["id"])["status"], "waiting", "the next in "
        "line after the refused order")

    sku, ready, hc, cart = lapsed_queue_and_old_cart()
    o = hf.expect_success(shop.place([(sku, 1)], token=token), 201)
    hf.expect_eq(o["status"], "pending_payment", "the order")
    s = hf.stock_of(sku, _biz())
    hf.expect_eq((s["on_hand"], s["reserved"], s["available"]), (2, 2, 0),
        "(on_hand, reserved, available): c's hold and the order")
    expect_handed_on(sku, ready, hc, cart)


def test_a_deduct_frees_by_type_and_leaves_owed_units_alone():
    sku, ready, hc = lapsed_queue()
    before = snapshot(sku)
    r = hf.call("POST", "/api/v1/stock/%s/deduct" % hf.sku_path(sku),
        {"quantity": 1, "reason": "sold"}, token=_biz())
    body = hf.expect_error(r, 400, "INV_002")
    hf.expect_eq(body["details"]["lines"][0]["available"], 0, "available "
        "to a deduct while the unit is owed")
    hf.expect_eq(snapshot(sku), before, "stock and ledger after the "
        "refused deduct")

    sku, ready, hc, cart = lapsed_queue_and_old_cart()
    r = hf.call("POST", "/api/v1/stock/%s/deduct" % hf.sku_path(sku),
        {"quantity": 1, "reason": "sold"}, token=_biz())
    st = hf.expect_success(r)["stock"]
    hf.expect_eq((st["on_hand"], st["reserved"], st["available"]),
        (1, 1, 0), "the deduct's answer: c's hold keeps the other unit", r)
    expect_handed_on(sku, ready, hc, cart)


def test_units_owed_to_waiting_holds_are_taken_by_no_one_else():
    sku = hf.new_product(1)["sku"]
    r = hf.reserve([(sku, 1)], _biz())
    (cart,) = hf.expect_success(r, 201)["reservations"]
    b = new_user()
    hb = hold_ok(b, sku)
    r = hf.call("POST", "/api/v1/reservations/%s/release" % cart["id"],
        token=_biz())
    hf.expect_success(r)
    # the released unit is on the shelf, owed to b until the cron runs
    before = snapshot(sku)
    hf.expect_eq(before[sku][0], (1, 0, 1), "(on_hand, reserved, "
        "available) after the release")
    for r in (hf.reserve([(sku, 1)], _biz()),
            shop.place([(sku, 1)], token=new_user()["token"]),
            hf.call("POST", "/api/v1/stock/%s/deduct" % hf.sku_path(sku),
                {"quantity": 1}, token=_biz()),
            borrow(new_user(), sku)):
        body = hf.expect_error(r, 400, "INV_002")
        hf.expect_eq(body["details"]["lines"][0]["available"], 0,
            "available to others while the unit is owed", r)
    hf.expect_eq(snapshot(sku), before, "stock and ledger after the "
        "refusals")
    hf.expect_eq(get_hold(hb["id"])["status"], "waiting", "b's hold")
    reconciled(sku)
