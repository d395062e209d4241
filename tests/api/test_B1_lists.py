"""Issue 13, item 5: lists whose cost does not grow with history.

Every history list (reservations, ledger, orders, loans, holds, audit,
webhook deliveries) pages by keyset: ?after=<id> starts after that id in
the list's order (newest first) and data.next is the after of the next
page (null on the last one). data.total counts to 1000 and says whether it
stopped there (data.total_exact). ?page= stays, to 1,000 rows deep; past
that it is 400 REQ_013 pointing to ?after=. The ground truth of each
walk is the database itself (hf.db_rows)."""

import uuid

import hf

API = "/api/v1"


def _biz():
    return hf.inv_business("b1-lists")


def _data(path, token, status=200):
    r = hf.call("GET", API + path, token=token)
    return hf.expect_success(r, status), r


def _walk(path, token, per_page=7, limit=5000):
    """Every item of a list by ?after=, checking each page's shape; the
    ids newest first, and the pages' totals."""
    sep = "&" if "?" in path else "?"
    ids, totals, after, pages = [], set(), None, 0
    while True:
        q = "%s%sper_page=%d" % (path, sep, per_page)
        if after is not None:
            q += "&after=%d" % after
        d, r = _data(q, token)
        pages += 1
        for k in ("items", "page", "per_page", "total", "total_exact",
                "next"):
            hf.check(k in d, "%s: data.%s missing" % (q, k), r)
        hf.check(len(d["items"]) <= per_page, "%s: %d items on a page of %d"
            % (q, len(d["items"]), per_page), r)
        got = [i["id"] for i in d["items"]]
        if after is not None:
            hf.check(all(i < after for i in got), "%s: an id not below after"
                % q, r)
        ids += got
        totals.add((d["total"], d["total_exact"]))
        if d["next"] is None:
            return ids, totals, pages
        hf.expect_eq(d["next"], got[-1], "%s: next is the last id shown" % q,
            r)
        hf.expect_eq(len(got), per_page, "%s: a page with a next is full"
            % q, r)
        after = d["next"]
        hf.check(len(ids) < limit, "%s: more than %d rows" % (path, limit))


def _expect_walk(path, token, sql, per_page=7):
    want = [int(x[0]) for x in hf.db_rows(sql)]
    ids, totals, _ = _walk(path, token, per_page)
    hf.expect_eq(len(ids), len(set(ids)), "%s: no row twice" % path)
    hf.expect_eq(ids, sorted(want, reverse=True), "%s: every row once, newest "
        "first (%d rows)" % (path, len(want)))
    exact = len(want) <= 1000
    hf.expect_eq(totals, {(min(len(want), 1000), exact)}, "%s: total and "
        "total_exact on every page" % path)
    return ids


def _product(qty=50):
    return hf.new_product(qty)["sku"]


def _restock(sku, n, qty=1):
    for _ in range(n):
        r = hf.call("POST", API + "/stock/%s/restock" % hf.sku_path(sku),
            {"quantity": qty, "reason": "b1"}, token=_biz())
        hf.expect_success(r)


# ------------------------------------------------------------ the ledger

def test_ledger_keyset_walk_gives_every_row_once_under_each_filter():
    sku = _product(10)
    _restock(sku, 12)
    ref = "b1-" + uuid.uuid4().hex[:10]
    for _ in range(3):
        hf.expect_status(hf.reserve([(sku, 1)], token=_biz(),
            reference_id=ref), 201)
    q = hf.sql_str(sku)
    _expect_walk("/ledger?sku=" + sku, _biz(),
        "SELECT id FROM ledger WHERE sku = %s" % q)
    _expect_walk("/ledger?sku=%s&type=restock" % sku, _biz(),
        "SELECT id FROM ledger WHERE sku = %s AND type = 'restock'" % q, 5)
    _expect_walk("/ledger?sku=%s&type=reserve&location=main" % sku, _biz(),
        "SELECT id FROM ledger WHERE sku = %s AND type = 'reserve'" % q, 2)
    # reference_id drives (one reservation's row), sku and type narrow
    rid = hf.db_rows("SELECT MAX(CAST(reference_id AS UNSIGNED)) FROM ledger "
        "WHERE sku = %s AND type = 'reserve'" % q)[0][0]
    _expect_walk("/ledger?reference_id=%s" % rid, _biz(),
        "SELECT id FROM ledger WHERE reference_id = '%s'" % rid)
    _expect_walk("/ledger?reference_id=%s&sku=%s&type=reserve" % (rid, sku),
        _biz(), "SELECT id FROM ledger WHERE reference_id = '%s' "
        "AND type = 'reserve'" % rid)
    d, r = _data("/ledger?reference_id=%s&type=restock" % rid, _biz())
    hf.expect_eq((d["items"], d["total"], d["next"]), ([], 0, None),
        "a reference with another type", r)
    # a time window that holds the SKU's rows
    first = hf.db_rows("SELECT DATE_FORMAT(MIN(created_at), "
        "'%%Y-%%m-%%dT%%H:%%i:%%s.%%fZ'), DATE_FORMAT(MAX(created_at) + "
        "INTERVAL 1 SECOND, '%%Y-%%m-%%dT%%H:%%i:%%sZ') FROM ledger "
        "WHERE sku = %s" % q)[0]
    frm = first[0][:23] + "Z"
    _expect_walk("/ledger?sku=%s&from=%s&to=%s" % (sku, frm, first[1]),
        _biz(), "SELECT id FROM ledger WHERE sku = %s" % q, 4)


def test_ledger_first_pages_of_the_unselective_shapes_match_the_database():
    """type, location and no filter at all walk their own index; their
    first pages are the newest matching rows."""
    _restock(_product(), 2)
    for path, where in (("", ""), ("?type=restock", "WHERE type = 'restock'"),
            ("?location=main", "WHERE location_id = (SELECT id FROM "
                "locations WHERE code = 'main')"),
            ("?type=restock&location=MAIN", "WHERE type = 'restock' AND "
                "location_id = (SELECT id FROM locations WHERE code = "
                "'main')")):
        sep = "&" if "?" in path else "?"
        d, r = _data("/ledger%s%sper_page=5" % (path, sep), hf.inv_admin())
        want = [int(x[0]) for x in hf.db_rows("SELECT id FROM ledger %s "
            "ORDER BY id DESC LIMIT 6" % where)]
        hf.expect_eq([i["id"] for i in d["items"]], want[:5],
            "first page of /ledger%s" % path, r)
        hf.expect_eq(d["next"], want[4] if len(want) > 5 else None,
            "next of /ledger%s" % path, r)
        d2, r = _data("/ledger%s%sper_page=5&after=%d" % (path, sep,
            d["next"]), hf.inv_admin())
        want2 = [int(x[0]) for x in hf.db_rows("SELECT id FROM ledger %s%s "
            "id < %d ORDER BY id DESC LIMIT 5" % (where, " AND" if where else
            "WHERE", d["next"]))]
        hf.expect_eq([i["id"] for i in d2["items"]], want2,
            "second page of /ledger%s" % path, r)


def test_a_time_window_walks_in_time_order_from_its_end():
    """from/to without a SKU or reference: the window's own index, newest
    first by (created_at, id), after naming the row to start after."""
    sku = _product()
    _restock(sku, 6)
    t0 = hf.db_rows("SELECT DATE_FORMAT(MIN(created_at), '%%Y-%%m-%%dT"
        "%%H:%%i:%%s.%%f') FROM ledger WHERE sku = %s" % hf.sql_str(sku))[0][0]
    frm = t0[:23] + "Z"
    lo = t0[:23].replace("T", " ")
    _restock(_product(), 3)
    want = [int(x[0]) for x in hf.db_rows("SELECT id FROM ledger WHERE "
        "created_at >= '%s' ORDER BY created_at DESC, id DESC" % lo)]
    ids, totals, _ = _walk("/ledger?from=" + frm, hf.inv_admin(), 3)
    hf.expect_eq(ids, want, "the window from %s, in time order" % frm)
    hf.expect_eq(totals, {(len(want), True)}, "the window's total")
    ids, _, _ = _walk("/ledger?from=%s&type=restock" % frm, hf.inv_admin(),
        2)
    hf.expect_eq(ids, [int(x[0]) for x in hf.db_rows("SELECT id FROM ledger "
        "WHERE created_at >= '%s' AND type = 'restock' ORDER BY created_at "
        "DESC, id DESC" % lo)], "the window with a type")
    # an after that is no row of the ledger: nothing after it
    d, r = _data("/ledger?from=%s&after=9223372036854775807" % frm,
        hf.inv_admin())
    hf.expect_eq((d["items"], d["next"]), ([], None), "after no row", r)


def test_an_audit_time_window_walks_in_time_order():
    admin = hf.inv_admin()
    t0 = hf.db_rows("SELECT DATE_FORMAT(NOW(3) - INTERVAL 2 SECOND, "
        "'%Y-%m-%dT%H:%i:%s.%f')")[0][0]
    for _ in range(3):
        hf.new_api_key("business")      # an audit row each
    frm = t0[:23] + "Z"
    want = [int(x[0]) for x in hf.db_rows("SELECT id FROM audit_log WHERE "
        "created_at >= '%s' ORDER BY created_at DESC, id DESC"
        % t0[:23].replace("T", " "))]
    hf.check(len(want) >= 3, "audit rows since %s: %r" % (t0, want))
    ids, totals, _ = _walk("/audit?from=" + frm, admin, 2)
    hf.expect_eq(ids, want, "the audit window from %s" % frm)
    hf.expect_eq(totals, {(len(want), True)}, "the audit window's total")


def test_page_and_after_give_the_same_rows():
    sku = _product()
    _restock(sku, 9)
    by_page = []
    for p in (1, 2, 3):
        d, _ = _data("/ledger?sku=%s&per_page=4&page=%d" % (sku, p), _biz())
        by_page += [i["id"] for i in d["items"]]
        hf.expect_eq(d["total"], 10, "total of a ?page= walk")
    ids, _, pages = _walk("/ledger?sku=" + sku, _biz(), per_page=4)
    hf.expect_eq((ids, pages), (by_page, 3), "?after= walk against ?page=")


# ------------------------------------------------------- the reservations

def test_reservation_walks_under_each_driving_filter():
    skus = [_product(40) for _ in range(3)]
    ref = "b1r-" + uuid.uuid4().hex[:10]
    for i in range(4):
        hf.expect_status(hf.reserve([(s, 1) for s in skus], token=_biz(),
            reference_id=ref), 201)
    other = "b1o-" + uuid.uuid4().hex[:10]
    hf.expect_status(hf.reserve([(skus[0], 2)], token=_biz(),
        reference_id=other), 201)
    r = hf.call("POST", API + "/reservations/release", {"reference_id":
        other}, token=_biz())
    hf.expect_success(r)
    actor = hf.db_rows("SELECT created_by FROM reservations WHERE "
        "reference_id = %s LIMIT 1" % hf.sql_str(ref))[0][0]
    s0 = hf.sql_str(skus[0])
    pid = "(SELECT id FROM products WHERE sku = %s)" % s0
    _expect_walk("/reservations?reference_id=" + ref, _biz(),
        "SELECT id FROM reservations WHERE reference_id = %s"
        % hf.sql_str(ref), 5)
    _expect_walk("/reservations?sku=" + skus[0], _biz(),
        "SELECT id FROM reservations WHERE product_id = %s" % pid, 2)
    _expect_walk("/reservations?sku=%s&status=released" % skus[0], _biz(),
        "SELECT id FROM reservations WHERE product_id = %s AND status = "
        "'released'" % pid, 1)
    _expect_walk("/reservations?sku=%s&reference_id=%s" % (skus[1], ref),
        hf.inv_admin(), "SELECT id FROM reservations WHERE product_id = "
        "(SELECT id FROM products WHERE sku = %s) AND reference_id = %s"
        % (hf.sql_str(skus[1]), hf.sql_str(ref)), 3)
    # the owner's own list (its key's rows only), and with a status
    _expect_walk("/reservations?status=active", _biz(),
        "SELECT id FROM reservations WHERE created_by = %s AND status = "
        "'active'" % hf.sql_str(actor), 50)
    # an admin's status list: its first page is the newest of that status
    d, r = _data("/reservations?status=released&per_page=3", hf.inv_admin())
    want = [int(x[0]) for x in hf.db_rows("SELECT id FROM reservations "
        "WHERE status = 'released' ORDER BY id DESC LIMIT 3")]
    hf.expect_eq([i["id"] for i in d["items"]], want, "admin's released", r)


def test_counts_stop_at_1000_and_the_walk_still_gives_every_row():
    skus = [_product(20) for _ in range(100)]
    ref = "b1c-" + uuid.uuid4().hex[:10]
    for _ in range(11):
        hf.expect_status(hf.reserve([(s, 1) for s in skus], token=_biz(),
            reference_id=ref), 201)
    ids = _expect_walk("/reservations?reference_id=" + ref, _biz(),
        "SELECT id FROM reservations WHERE reference_id = %s"
        % hf.sql_str(ref), per_page=100)
    hf.expect_eq(len(ids), 1100, "reservations under the reference")
    d, r = _data("/reservations?reference_id=%s&per_page=100&page=10" % ref,
        _biz())
    hf.expect_eq((len(d["items"]), d["total"], d["total_exact"], d["next"]),
        (100, 1000, False, ids[999]), "the deepest ?page= of 1100", r)
    hf.expect_eq([i["id"] for i in d["items"]], ids[900:1000],
        "the deepest ?page= of 1100: its rows", r)
    r = hf.call("GET", API + "/reservations?reference_id=%s&per_page=100"
        "&page=11" % ref, token=_biz())
    hf.expect_error(r, 400, "REQ_013")
    d, r = _data("/reservations?reference_id=%s&per_page=100&after=%d"
        % (ref, ids[999]), _biz())
    hf.expect_eq(([i["id"] for i in d["items"]], d["next"]),
        (ids[1000:], None), "past the deepest page, by after", r)
    d, r = _data("/ledger?type=reserve&per_page=1", hf.inv_admin())
    hf.expect_eq((d["total"], d["total_exact"]), (1000, False),
        "the ledger's reserve rows, past the cap", r)
    for s in skus[:3]:
        data = hf.reconcile_api(s, hf.inv_admin())
        hf.check(data["ok"], "reconcile of %s: %r" % (s, data["mismatches"]))


# ------------------------------------------------------------- the others

def test_orders_loans_holds_audit_and_deliveries_page_by_keyset():
    admin = hf.inv_admin()
    for path, table in (("/orders", "orders"), ("/loans", "loans"),
            ("/holds", "holds"), ("/audit", "audit_log")):
        want = [int(x[0]) for x in hf.db_rows("SELECT id FROM %s ORDER BY "
            "id DESC LIMIT 5" % table)]
        d, r = _data(path + "?per_page=2", admin)
        hf.expect_eq([i["id"] for i in d["items"]], want[:2],
            "first page of " + path, r)
        if len(want) < 3:
            hf.expect_eq(d["next"], None, path + ": next at the end", r)
            continue
        d, r = _data("%s?per_page=2&after=%d" % (path, d["next"]), admin)
        hf.expect_eq([i["id"] for i in d["items"]], want[2:4],
            "second page of " + path, r)
    # a webhook's deliveries: none yet, a keyset answer all the same
    r = hf.call("POST", API + "/webhooks", {"url": "https://203.0.113.9/h",
        "events": ["loan.overdue"]}, token=admin)
    if r.status == 201:
        wid = hf.expect_success(r, 201)["id"]
        d, r = _data("/webhooks/%d/deliveries?after=5" % wid, admin)
        hf.expect_eq((d["items"], d["next"], d["total"], d["total_exact"]),
            ([], None, 0, True), "deliveries of a new webhook", r)
        hf.call("DELETE", API + "/webhooks/%d" % wid, token=admin)


def test_other_callers_rows_never_come_through_after():
    a, b = hf.new_api_key("business"), hf.new_api_key("business")
    sku = _product(30)
    ref = "b1x-" + uuid.uuid4().hex[:10]
    hf.expect_status(hf.reserve([(sku, 1)], token=a, reference_id=ref), 201)
    mine = [int(x[0]) for x in hf.db_rows("SELECT id FROM reservations "
        "WHERE reference_id = %s" % hf.sql_str(ref))]
    top = max(mine) + 1
    for q in ("", "?reference_id=" + ref, "?sku=" + sku,
            "?status=active", "?sku=%s&reference_id=%s" % (sku, ref)):
        sep = "&" if q else "?"
        d, r = _data("/reservations%s%safter=%d&per_page=100" % (q, sep,
            top), b)
        hf.expect_eq([i for i in d["items"] if i["id"] in mine], [],
            "another key's reservations through after (%s)" % q, r)
        if q:
            hf.expect_eq((d["total"], d["next"]), (0, None),
                "another key's count (%s)" % q, r)
    d, r = _data("/reservations?reference_id=%s&after=%d" % (ref, top), a)
    hf.expect_eq([i["id"] for i in d["items"]], sorted(mine, reverse=True),
        "the owner's own through after", r)
    # a user's orders: another user's never come through after
    from hf import shop
    u1, u2 = hf.verified_user(), hf.verified_user()
    osku = shop.product(10, "2.50")
    o1 = shop.order([(osku, 1)], token=u1["access"])
    d, r = _data("/orders?after=%d&per_page=100" % (o1["id"] + 1),
        u2["access"])
    hf.expect_eq((d["items"], d["total"], d["next"]), ([], 0, None),
        "another user's orders through after", r)
    d, r = _data("/orders?after=%d" % (o1["id"] + 1), u1["access"])
    hf.expect_eq([o["id"] for o in d["items"]], [o1["id"]],
        "the user's own order through after", r)
    r = hf.call("POST", API + "/orders/%d/cancel" % o1["id"],
        token=u1["access"])
    hf.expect_success(r)


# ---------------------------------------------------------------- hostile

def test_after_and_deep_pages_are_refused_with_their_own_codes():
    admin = hf.inv_admin()
    lists = ("/ledger", "/reservations", "/orders", "/loans", "/holds",
        "/audit")
    for path in lists:
        for bad in ("-1", "abc", "99999999999999999999", "0", "007", "",
                "1e3", "%2B5", "%205", "9223372036854775808", "1.0",
                "%EF%BC%91"):
            r = hf.call("GET", API + "%s?after=%s" % (path, bad), token=admin)
            hf.expect_field_error(r, 422, "REQ_010", "after")
        r = hf.call("GET", API + path + "?after=5&page=2", token=admin)
        hf.expect_field_error(r, 422, "REQ_010", "page")
        d, r = _data(path + "?after=9223372036854775807&per_page=3", admin)
        d0, _ = _data(path + "?per_page=3", admin)
        hf.expect_eq([i["id"] for i in d["items"]],
            [i["id"] for i in d0["items"]], path + ": after 2^63-1 is the "
            "first page", r)
        d, r = _data(path + "?after=1", admin)
        hf.expect_eq((d["items"], d["next"]), ([], None), path +
            ": nothing after id 1 but id 0", r)
        for q in ("page=1000000", "page=11&per_page=100", "page=51",
                "page=1001&per_page=1"):
            r = hf.call("GET", API + "%s?%s" % (path, q), token=admin)
            hf.expect_error(r, 400, "REQ_013")
            hf.check("after" in r.json["message"], "%s?%s: the error points "
                "to after: %r" % (path, q, r.json["message"]), r)
        for q in ("page=10&per_page=100", "page=50", "page=1000&per_page=1"):
            d, r = _data("%s?%s" % (path, q), admin)
            hf.check(isinstance(d["items"], list), path + "?" + q, r)
    r = hf.call("GET", API + "/webhooks/1/deliveries?after=abc", token=admin)
    hf.expect_status(r, 404, 422)
