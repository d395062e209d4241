"""Group buys (issue 15, item 4), black-box through the front: an admin's
campaign on a product (group size, group price, deadline, seats per
customer), a group started or joined by its id, each seat an order at the
group price that reserves its unit at once; paid seats keep their units
reserved until the paid members reach the size, then every member's order
is committed at once (group.succeeded); a group whose deadline passes
first is failed by holdfast-expire (every order cancelled, every unit
free, each paid seat refund_due, group.failed), also with two runs at
once; the last seat goes once under 64 concurrent joins, the limit per
customer holds under concurrency, and a group never completes with an
unpaid member."""

import concurrent.futures
import datetime
import time

import hf
from hf import shop

API = "/api/v1"


def _iso(days=0, seconds=0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(
        days=days, seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def campaign(sku, **kw):
    body = {"name": "test group buy", "sku": sku, "group_size": 3,
        "group_price": "12.50", "deadline": _iso(days=1), "per_user": 0}
    body.update(kw)
    r = hf.call("POST", API + "/group-buys", body, token=hf.inv_admin())
    return hf.expect_success(r, 201)


def start(cid, token):
    return hf.call("POST", API + "/group-buys/%d/groups" % cid, None,
        token=token)


def join(gid, token):
    return hf.call("POST", API + "/groups/%d/join" % gid, None, token=token)


def group(gid, token=None):
    g = hf.expect_success(hf.call("GET", API + "/groups/%d" % gid,
        token=token or hf.inv_admin()))
    hf.expect_eq((g["joined"], g["paid"]), (g["rows_joined"],
        g["rows_paid"]), "group counts equal its seat rows")
    return g


def key(i):
    return hf.inv_business("grp%d" % i)


def pay(o):
    """The provider's signed callback for the seat's order."""
    return shop.notify(shop.notify_body(o, "grp-" + hf.new_request_id()))


def events(kind, gid):
    return int(hf.db_rows("SELECT COUNT(*) FROM outbox WHERE event_type = "
        "%s AND target = '*' AND JSON_VALUE(payload, '$.data.group_id') = "
        "%d" % (hf.sql_str(kind), gid))[0][0])


def seat(oid):
    return shop.get_order(oid).get("group")


def test_paid_members_reaching_the_size_commit_every_order():
    sku = shop.product(10, "20.00")
    c = campaign(sku, group_size=3, group_price="12.50")
    hf.expect_eq((c["sku"], c["group_size"], c["group_price"], c["active"]),
        (sku, 3, "12.50", True), "campaign")
    a = hf.expect_success(start(c["id"], key(1)), 201)
    gid = a["id"]
    hf.expect_eq((a["state"], a["joined"], a["size"], a["order"]["total"],
        a["order"]["status"]), ("open", 1, 3, "12.50", "pending_payment"),
        "started: a seat at the group price")
    hf.expect_eq(shop.stock(sku), (10, 1, 9), "its unit reserved at once")
    b = hf.expect_success(join(gid, key(2)), 201)
    c3 = hf.expect_success(join(gid, key(3)), 201)
    hf.expect_eq(c3["joined"], 3, "full")
    hf.expect_error(join(gid, key(4)), 409, "GRP_004")
    hf.expect_eq(shop.stock(sku), (10, 3, 7), "three seats reserved")
    o = shop.get_order(a["order"]["id"])
    hf.expect_eq((o["lines"][0]["unit_price"], o["total"], o["group"]
        ["group_id"], o["group"]["state"]), ("12.50", "12.50", gid,
        "pending"), "the order shows its seat")
    # the callback pays the group price; the unit stays reserved
    r = pay(a["order"])
    hf.expect_status(r, 200)
    hf.expect_eq(shop.get_order(a["order"]["id"])["status"], "paid", "paid")
    hf.expect_eq(shop.stock(sku), (10, 3, 7), "no deduct before success")
    hf.expect_eq(group(gid)["paid"], 1, "one paid")
    # not refundable nor fulfillable before the group succeeds
    hf.expect_error(shop.act(a["order"]["id"], "refund"), 409, "GRP_006")
    hf.expect_error(shop.act(a["order"]["id"], "fulfill"), 409, "GRP_006")
    hf.expect_success(shop.act(b["order"]["id"], "pay"))
    hf.expect_eq((group(gid)["state"], shop.stock(sku)), ("open",
        (10, 3, 7)), "two paid of three: still open")
    hf.expect_eq(events("group.succeeded", gid), 0, "no success yet")
    hf.expect_status(pay(c3["order"]), 200)
    g = group(gid)
    hf.expect_eq((g["state"], g["paid"], g["joined"]), ("succeeded", 3, 3),
        "succeeded")
    hf.expect_eq(shop.stock(sku), (7, 0, 7), "every seat's unit deducted")
    for x in (a, b, c3):
        oid = x["order"]["id"]
        hf.expect_eq((shop.get_order(oid)["status"], seat(oid)["state"]),
            ("paid", "succeeded"), "order %d" % oid)
        led = shop.order_ledger(oid, sku)
        hf.expect_eq(sorted(r["type"] for r in led), ["deduct", "reserve"],
            "ledger of order %d" % oid)
    hf.expect_eq(events("group.succeeded", gid), 1, "group.succeeded once")
    hf.expect_eq(events("group.joined", gid), 3, "group.joined per seat")
    hf.expect_error(join(gid, key(5)), 409, "GRP_003")
    # now an ordinary paid order: fulfilled, refunded
    hf.expect_success(shop.act(a["order"]["id"], "fulfill"))
    hf.expect_success(shop.act(b["order"]["id"], "refund"))
    hf.expect_eq(shop.stock(sku), (8, 0, 8), "the refund restocked one")
    shop.reconciled(sku)


def test_an_unpaid_seat_that_ends_gives_its_seat_back():
    sku = shop.product(10, "9.00")
    c = campaign(sku, group_size=2, group_price="5.00")
    a = hf.expect_success(start(c["id"], key(1)), 201)
    gid = a["id"]
    b = hf.expect_success(join(gid, key(2)), 201)
    hf.expect_error(join(gid, key(3)), 409, "GRP_004")
    # the owner cancels: the seat is free again
    hf.expect_success(shop.act(b["order"]["id"], "cancel", token=key(2)))
    hf.expect_eq((group(gid)["joined"], seat(b["order"]["id"])["state"]),
        (1, "cancelled"), "seat back")
    d = hf.expect_success(join(gid, key(3)), 201)
    # an unpaid seat past its TTL expires with its order
    shop.age(d["order"])
    hf.expect_eq(hf.run_program("holdfast-expire").returncode, 0, "expire")
    hf.expect_eq((shop.get_order(d["order"]["id"])["status"],
        seat(d["order"]["id"])["state"], group(gid)["joined"]),
        ("expired", "expired", 1), "expired seat back")
    e = hf.expect_success(join(gid, key(4)), 201)
    hf.expect_eq(e["joined"], 2, "full again")
    hf.expect_eq(shop.stock(sku), (10, 2, 8), "two seats")
    shop.reconciled(sku)


def test_a_seat_lasts_to_the_deadline_and_is_not_paid_after_it():
    sku = shop.product(5, "9.00")
    dl = _iso(seconds=3)
    c = campaign(sku, group_size=2, deadline=dl)
    a = hf.expect_success(start(c["id"], key(1)), 201)
    hf.expect_eq(a["order"]["expires_at"], c["deadline"],
        "the order's TTL cut to the deadline")
    time.sleep(3.5)
    r = pay(a["order"])
    hf.expect_error(r, 409, "ORD_003")
    hf.expect_eq(seat(a["order"]["id"])["state"], "expired", "seat ended")
    hf.expect_error(join(a["id"], key(2)), 409, "GRP_003")
    hf.expect_error(start(c["id"], key(2)), 409, "GRP_003")
    hf.expect_eq(shop.stock(sku), (5, 0, 5), "nothing held")
    shop.reconciled(sku)


def _past_deadline(gid):
    hf.db_rows("UPDATE group_buys SET deadline = NOW(3) - INTERVAL 1 SECOND "
        "WHERE id = %d" % gid)


def test_deadline_first_fails_the_group_with_two_expire_runs():
    sku = shop.product(20, "30.00")
    c = campaign(sku, group_size=5, group_price="19.90")
    a = hf.expect_success(start(c["id"], key(1)), 201)
    gid = a["id"]
    seats = [a] + [hf.expect_success(join(gid, key(i)), 201)
        for i in (2, 3, 4)]
    paid = [s["order"]["id"] for s in seats[:2]]
    for s in seats[:2]:
        hf.expect_status(pay(s["order"]), 200)
    hf.expect_eq(shop.stock(sku), (20, 4, 16), "four seats held")
    # a paid seat's reservation outlives its order's TTL, past the deadline
    for s in seats[:2]:
        rows = hf.db_rows("SELECT r.expires_at > g.deadline FROM "
            "reservations r JOIN group_buys g ON g.id = %d WHERE "
            "r.reference_id = %s AND r.status = 'active'" % (gid,
            hf.sql_str(s["order"]["reference_id"])))
        hf.expect_eq([r[0] for r in rows], ["1"], "paid seat's reservation")
    # a paid seat's reservation outlives the order TTL (a cron run does
    # not end it)
    hf.expect_eq(hf.run_program("holdfast-expire").returncode, 0, "expire")
    hf.expect_eq(group(gid)["state"], "open", "open before its deadline")
    _past_deadline(gid)
    procs = [hf.start_program("holdfast-expire") for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outs):
        hf.check(p.returncode == 0, "holdfast-expire: %d %s %s"
            % (p.returncode, out, err))
    hf.check(sum("groups: failed 1" in out for out, _ in outs) == 1,
        "one run failed it: %r" % [o for o, _ in outs])
    g = group(gid)
    hf.expect_eq((g["state"], g["joined"], g["paid"]), ("failed", 0, 0),
        "failed")
    hf.expect_eq(shop.stock(sku), (20, 0, 20), "every unit free")
    for s in seats:
        oid = s["order"]["id"]
        hf.expect_eq((shop.get_order(oid)["status"], seat(oid)["state"]),
            ("cancelled", "refund_due" if oid in paid else "cancelled"),
            "order %d" % oid)
    hf.expect_eq(events("group.failed", gid), 1, "group.failed once")
    due = hf.expect_success(hf.call("GET", API + "/group-members?state="
        "refund_due&per_page=100", token=hf.inv_admin()))
    listed = [m["order_id"] for m in due["items"] if m["group_id"] == gid]
    hf.expect_eq(sorted(listed), sorted(paid), "refund_due listed")
    # the admin records each refund once
    r = hf.call("POST", API + "/group-members/%d/refunded" % paid[0],
        token=hf.inv_admin())
    hf.expect_eq(hf.expect_success(r)["state"], "refunded", "recorded")
    hf.expect_error(hf.call("POST", API + "/group-members/%d/refunded"
        % paid[0], token=hf.inv_admin()), 409, "GRP_007")
    hf.expect_error(hf.call("POST", API + "/group-members/%d/refunded"
        % seats[3]["order"]["id"], token=hf.inv_admin()), 409, "GRP_007")
    hf.expect_error(shop.act(paid[1], "refund"), 409, "ORD_005")
    # a late payment of an unpaid seat of the failed group moves nothing
    r = pay(seats[3]["order"])
    hf.expect_not_5xx(r)
    hf.check(r.status == 409, "late payment: %d %s" % (r.status,
        r.body[:200]))
    hf.expect_eq((shop.get_order(seats[3]["order"]["id"])["status"],
        group(gid)["paid"], shop.stock(sku)), ("cancelled", 0, (20, 0, 20)),
        "nothing moved")
    shop.reconciled(sku)


def test_the_last_seat_goes_once_under_64_joins():
    sku = shop.product(100, "10.00")
    c = campaign(sku, group_size=3, group_price="6.00")
    gid = hf.expect_success(start(c["id"], key(1)), 201)["id"]
    hf.expect_success(join(gid, key(2)), 201)
    with concurrent.futures.ThreadPoolExecutor(64) as ex:
        rs = list(ex.map(lambda i: join(gid, key(10 + i % 4)), range(64)))
    ok = [r for r in rs if r.status == 201]
    hf.expect_eq(len(ok), 1, "joins that got the last seat")
    for r in rs:
        if r.status != 201:
            hf.expect_error(r, 409, "GRP_004")
    hf.expect_eq(group(gid)["joined"], 3, "three seats")
    hf.expect_eq(shop.stock(sku), (100, 3, 97), "three units")
    shop.reconciled(sku)


def test_concurrent_payments_complete_the_group_once():
    sku = shop.product(10, "10.00")
    c = campaign(sku, group_size=4, group_price="7.00")
    a = hf.expect_success(start(c["id"], key(1)), 201)
    seats = [a] + [hf.expect_success(join(a["id"], key(i)), 201)
        for i in (2, 3, 4)]
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        rs = list(ex.map(lambda s: pay(s["order"]), seats))
    for r in rs:
        hf.expect_status(r, 200)
    g = group(a["id"])
    hf.expect_eq((g["state"], g["paid"]), ("succeeded", 4), "succeeded")
    hf.expect_eq(shop.stock(sku), (6, 0, 6), "four deducted, once each")
    hf.expect_eq(events("group.succeeded", a["id"]), 1, "one event")
    shop.reconciled(sku)


def test_seats_per_customer_hold_under_concurrency():
    sku = shop.product(100, "10.00")
    c = campaign(sku, group_size=2, per_user=2)
    k = hf.inv_business("grp-limit")
    with concurrent.futures.ThreadPoolExecutor(32) as ex:
        rs = list(ex.map(lambda _: start(c["id"], k), range(32)))
    hf.expect_eq(sum(r.status == 201 for r in rs), 2, "two per customer")
    for r in rs:
        if r.status != 201:
            hf.expect_error(r, 409, "GRP_005")
    # another customer still may; a cancelled seat gives the quota back
    first = [r.json["data"] for r in rs if r.status == 201][0]
    hf.expect_success(join(first["id"], hf.inv_business("grp-other")), 201)
    hf.expect_success(shop.act(first["order"]["id"], "cancel", token=k))
    hf.expect_success(start(c["id"], k), 201)
    hf.expect_error(start(c["id"], k), 409, "GRP_005")
    shop.reconciled(sku)


def test_a_group_never_completes_with_an_unpaid_member():
    sku = shop.product(10, "10.00")
    c = campaign(sku, group_size=2)
    a = hf.expect_success(start(c["id"], key(1)), 201)
    hf.expect_status(pay(a["order"]), 200)
    # paid alone is not a group; a second paid payment of the same order
    # is a duplicate, not a second member
    r = shop.notify(shop.notify_body(a["order"], "grp-dup-%d" % a["id"]))
    hf.expect_not_5xx(r)
    hf.expect_eq(group(a["id"])["paid"], 1, "one paid seat")
    b = hf.expect_success(join(a["id"], key(2)), 201)
    hf.expect_eq((group(a["id"])["state"], shop.stock(sku)),
        ("open", (10, 2, 8)), "an unpaid member: still open")
    hf.expect_status(pay(b["order"]), 200)
    hf.expect_eq((group(a["id"])["state"], shop.stock(sku)),
        ("succeeded", (8, 0, 8)), "both paid: succeeded")
    shop.reconciled(sku)


def test_campaigns_refusals_and_who_may_do_what():
    sku = shop.product(5, "10.00")
    for bad in ({"group_size": 1}, {"group_size": 1001},
            {"group_price": "0"}, {"group_price": "-1"},
            {"group_price": "1.234"}, {"deadline": "tomorrow"},
            {"per_user": -1}, {"sku": "NO-SUCH-" + hf.unique_sku("g")},
            {"name": ""}):
        body = {"name": "bad", "sku": sku, "group_size": 2,
            "group_price": "5.00", "deadline": _iso(days=1)}
        body.update(bad)
        r = hf.call("POST", API + "/group-buys", body, token=hf.inv_admin())
        hf.expect_not_5xx(r)
        hf.check(r.status == 422, "%r: %d %s" % (bad, r.status,
            r.body[:200]))
    body = {"name": "x", "sku": sku, "group_size": 2, "group_price": "5",
        "deadline": _iso(days=1)}
    hf.expect_error(hf.call("POST", API + "/group-buys", dict(body, bogus=1),
        token=hf.inv_admin()), 400, "REQ_009")
    for tok in (shop.biz(), None):
        r = hf.call("POST", API + "/group-buys", body, token=tok)
        hf.check(r.status in (401, 403), "create by %r: %d" % (tok,
            r.status))
    hf.expect_error(hf.call("GET", API + "/group-buys/999999999",
        token=shop.biz()), 404, "GRP_001")
    hf.expect_error(start(999999999, shop.biz()), 404, "GRP_001")
    hf.expect_error(join(999999999, shop.biz()), 404, "GRP_002")
    hf.expect_error(hf.call("GET", API + "/groups/999999999",
        token=shop.biz()), 404, "GRP_002")
    c = campaign(sku, group_size=2, per_user=1)
    hf.expect_eq(c["per_user"], 1, "limit")
    g = hf.expect_success(start(c["id"], key(1)), 201)
    # stopped: no new group, but its open group may still fill
    r = hf.call("PATCH", API + "/group-buys/%d" % c["id"], {"active": False},
        token=hf.inv_admin())
    hf.expect_eq(hf.expect_success(r)["active"], False, "stopped")
    hf.expect_error(start(c["id"], key(2)), 409, "GRP_003")
    hf.expect_success(join(g["id"], key(2)), 201)
    lst = hf.expect_success(hf.call("GET", API + "/group-buys/%d/groups"
        "?state=open" % c["id"], token=shop.biz()))
    hf.expect_eq([x["id"] for x in lst["items"]], [g["id"]], "its group")
    r = hf.call("GET", API + "/group-buys/%d/groups?state=bogus" % c["id"],
        token=shop.biz())
    hf.expect_not_5xx(r)
    hf.expect_eq(r.status, 422, "unknown state")
    lst = hf.expect_success(hf.call("GET", API + "/group-buys?per_page=5",
        token=shop.biz()))
    hf.check(len(lst["items"]) <= 5 and lst["total"] >= 1, "list")
    r = hf.call("GET", API + "/group-members", token=shop.biz())
    hf.expect_eq(r.status, 403, "seats are the admin's")
    shop.reconciled(sku)


def test_payments_racing_the_deadline_step_end_consistent():
    sku = shop.product(10, "10.00")
    c = campaign(sku, group_size=6, group_price="4.00")
    a = hf.expect_success(start(c["id"], key(1)), 201)
    gid = a["id"]
    seats = [a] + [hf.expect_success(join(gid, key(i)), 201)
        for i in (2, 3, 4, 5)]
    hf.expect_status(pay(seats[0]["order"]), 200)
    _past_deadline(gid)
    # the step and four payments at once: whichever wins each order's
    # row, every unit ends free and every seat paid in time is refund_due
    procs = [hf.start_program("holdfast-expire") for _ in range(2)]
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        rs = list(ex.map(lambda s: pay(s["order"]), seats[1:]))
    for p in procs:
        out, err = p.communicate(timeout=120)
        hf.check(p.returncode == 0, "holdfast-expire: %s %s" % (out, err))
    for r in rs:
        hf.expect_not_5xx(r)
        hf.check(r.status in (200, 409), "payment: %d" % r.status)
    # a payment that won its row before the step: its seat is refund_due
    hf.expect_eq(group(gid)["state"], "failed", "failed")
    for s in seats:
        oid = s["order"]["id"]
        st = seat(oid)["state"]
        hf.check(st in ("refund_due", "cancelled"), "seat %d: %s"
            % (oid, st))
        hf.expect_eq(shop.get_order(oid)["status"], "cancelled",
            "order %d" % oid)
    paid = int(hf.db_rows("SELECT COUNT(*) FROM payments WHERE order_id IN "
        "(%s) AND outcome = 'applied'" % ",".join(str(s["order"]["id"])
        for s in seats))[0][0])
    due = int(hf.db_rows("SELECT COUNT(*) FROM group_members WHERE "
        "group_id = %d AND state = 'refund_due'" % gid)[0][0])
    hf.expect_eq(due, paid, "every applied payment is a refund due")
    hf.expect_eq(shop.stock(sku), (10, 0, 10), "every unit free")
    shop.reconciled(sku)
