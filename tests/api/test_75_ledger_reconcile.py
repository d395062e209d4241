"""Ledger and reconcile (issue 4): the ledger's filters and statistics
show the moves a test made, the application cannot rewrite it, and
reconcile notices a stock row changed behind the ledger's back."""

import calendar
import time

import hf


def _biz():
    return hf.inv_business("t75")


def _ms(iso):
    """Epoch milliseconds of an ISO 8601 UTC time with milliseconds."""
    return calendar.timegm(time.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S")) * \
        1000 + int((iso[20:23] or "0").ljust(3, "0"))


def _iso(ms):
    return "%s.%03dZ" % (time.strftime("%Y-%m-%dT%H:%M:%S",
        time.gmtime(ms // 1000)), ms % 1000)


def _db_time(ms):
    return "%s.%03d" % (time.strftime("%Y-%m-%d %H:%M:%S",
        time.gmtime(ms // 1000)), ms % 1000)


def _ids(rows):
    return [r["id"] for r in rows]


def _post(path, body, token=None):
    return hf.call("POST", path, body, token=token or _biz())


def _move(sku, action, body, token=None):
    """A stock move; returns (ledger row, response)."""
    r = _post("/api/v1/stock/%s/%s" % (hf.sku_path(sku), action), body,
        token)
    lid = hf.expect_success(r).get("ledger_id")
    g = hf.call("GET", "/api/v1/ledger/%s" % lid, token=_biz())
    return hf.expect_success(g), r


def _invariant_no(m):
    """The invariant number a mismatch names (2 from 2 or "2: ...")."""
    v = m.get("invariant")
    if isinstance(v, int):
        return v
    head = str(v).split(":")[0].strip()
    return int(head) if head.isdigit() else None


def test_ledger_lists_filter_by_sku_type_reference_and_time():
    sku = hf.new_product(10)["sku"]
    (r0,) = hf.ledger_of(_biz(), sku=sku)
    gap = 0.25
    time.sleep(gap)
    r1, resp = _move(sku, "restock", {"quantity": 5, "reason": "delivery",
        "reference_id": "PO-%s" % sku})
    hf.expect_eq(r1["request_id"], resp.json["request_id"],
        "the restock row's request_id vs the restock answer's", resp)
    hf.check(isinstance(r1.get("actor"), str) and r1["actor"] != "",
        "ledger row actor is %r" % (r1.get("actor"),))
    time.sleep(gap)
    (res,) = hf.expect_success(hf.reserve([(sku, 2)], _biz()), 201)[
        "reservations"]
    time.sleep(gap)
    c = _post("/api/v1/reservations/%s/commit" % res["id"], None)
    hf.expect_success(c)
    time.sleep(gap)
    r4, _ = _move(sku, "adjust", {"delta": -1, "reason": "count"},
        hf.inv_admin())

    rows = hf.ledger_of(_biz(), sku=sku)
    hf.expect_eq([r["type"] for r in rows], ["adjust", "deduct", "reserve",
        "restock", "restock"], "types of the SKU's rows, newest first")
    hf.check(all(r["sku"] == sku for r in rows), "a row of another SKU in "
        "?sku=%s" % sku)
    r0, r1b, r2, r3, r4b = rows[::-1]
    hf.expect_eq((r1b["id"], r4b["id"]), (r1["id"], r4["id"]),
        "ids of the restock and adjust rows in the list")
    hf.check(_ids(rows) == sorted(_ids(rows), reverse=True),
        "rows are not newest first: %r" % _ids(rows))
    hf.expect_eq([r["on_hand_after"] for r in rows[::-1]],
        [10, 15, 15, 13, 12], "on_hand_after, oldest first")
    hf.expect_eq([r["reserved_after"] for r in rows[::-1]],
        [0, 0, 2, 0, 0], "reserved_after, oldest first")

    def q(**f):
        return _ids(hf.ledger_of(_biz(), **f))

    hf.expect_eq(q(sku=sku, type="restock"), [r1["id"], r0["id"]],
        "?sku&type=restock")
    hf.expect_eq(q(sku=sku, type="deduct"), [r3["id"]], "?sku&type=deduct")
    hf.expect_eq(q(reference_id="PO-%s" % sku), [r1["id"]],
        "?reference_id=PO-...")
    hf.expect_eq(q(sku=sku, reference_id=str(res["id"])),
        [r3["id"], r2["id"]], "?sku&reference_id=<reservation id>")
    t = [_ms(r["created_at"]) for r in (r0, r1, r2, r3, r4)]
    hf.check(all(b - a >= 150 for a, b in zip(t, t[1:])),
        "rows %r are not %.2fs apart as made" % ([r["created_at"] for r in
        (r0, r1, r2, r3, r4)], gap))
    m = 60  # ms either side: no boundary falls on a row
    hf.expect_eq(q(sku=sku, **{"from": _iso(t[1] - m), "to": _iso(t[3] - m)}),
        [r2["id"], r1["id"]], "?sku&from&to")
    hf.expect_eq(q(sku=sku, **{"from": _iso(t[3] - m)}), [r4["id"], r3["id"]],
        "?sku&from")
    hf.expect_eq(q(sku=sku, to=_iso(t[1] - m)), [r0["id"]], "?sku&to")

    g = hf.call("GET", "/api/v1/ledger/%s" % r2["id"], token=_biz())
    hf.expect_eq(hf.expect_success(g), r2, "GET /ledger/{id} vs the list", g)
    g = hf.call("GET", "/api/v1/ledger/%d" % (10 ** 15), token=_biz())
    hf.expect_status(g, 404)
    hf.expect_error_shape(g)
    g = hf.call("GET", "/api/v1/ledger?type=bogus", token=_biz())
    hf.expect_status(g, 400, 422)
    hf.expect_error_shape(g)
    g = hf.call("GET", "/api/v1/ledger?sku=%s" % hf.sku_path(sku))
    hf.expect_error(g, 401, "AUTH_001")


def _stats(**window):
    q = "&".join("%s=%s" % kv for kv in window.items())
    r = hf.call("GET", "/api/v1/ledger/stats" + ("?" + q if q else ""),
        token=_biz())
    data = hf.expect_success(r)
    for k in ("by_type", "by_day"):
        hf.check(isinstance(data.get(k), list), "stats data.%s is not a "
            "list" % k, r)
    return data, r


def test_ledger_stats_by_type_and_by_day_reflect_the_moves():
    sku = hf.new_product(10)["sku"]
    _move(sku, "restock", {"quantity": 3})
    _move(sku, "restock", {"quantity": 4})
    _move(sku, "deduct", {"quantity": 2})
    (res,) = hf.expect_success(hf.reserve([(sku, 5)], _biz()), 201)[
        "reservations"]
    hf.expect_success(_post("/api/v1/reservations/%s/release" % res["id"],
        None))
    mine = hf.ledger_of(_biz(), sku=sku)
    hf.expect_eq(len(mine), 6, "rows of the SKU")
    times = [_ms(r["created_at"]) for r in mine]
    lo, hi = min(times) - 20, max(times) + 20
    # let the window close, so nothing lands in it between the two reads
    time.sleep(max(0.0, (hi + 500) / 1000.0 - time.time()))

    data, r = _stats(**{"from": _iso(lo), "to": _iso(hi)})
    by_type = {}
    for x in data["by_type"]:
        hf.check(x.get("type") not in by_type, "type %r twice in by_type"
            % x.get("type"), r)
        by_type[x.get("type")] = (x.get("count"), x.get("on_hand_delta"),
            x.get("reserved_delta"))
    want = {}
    for t in ("restock", "deduct", "reserve", "release"):
        rows = [x for x in mine if x["type"] == t]
        want[t] = (len(rows), sum(x["on_hand_delta"] for x in rows),
            sum(x["reserved_delta"] for x in rows))
    for t, (n, dh, dr) in want.items():
        got = by_type.get(t)
        hf.check(got is not None and got[0] >= n, "stats by_type %s is %r; "
            "this test alone made %d such rows" % (t, got, n), r)
    # what every row in the window adds up to, read from the database
    db = hf.db_rows("SELECT type, COUNT(*), SUM(on_hand_delta), "
        "SUM(reserved_delta) FROM ledger WHERE created_at >= '%s' AND "
        "created_at < '%s' GROUP BY type" % (_db_time(lo), _db_time(hi)))
    hf.expect_eq(by_type, dict((t, (int(n), int(a), int(b)))
        for t, n, a, b in db), "stats by_type vs the ledger table over "
        "[%s, %s)" % (_iso(lo), _iso(hi)), r)

    summed = {}
    for x in data["by_day"]:
        hf.check(isinstance(x.get("day"), str) and
            len(x["day"]) == 10, "by_day day %r is not YYYY-MM-DD"
            % x.get("day"), r)
        days = set(_iso(v)[:10] for v in (lo, hi))
        hf.check(x["day"] in days, "by_day day %r is outside the window"
            % x["day"], r)
        n, a, b = summed.get(x["type"], (0, 0, 0))
        summed[x["type"]] = (n + x["count"], a + x["on_hand_delta"],
            b + x["reserved_delta"])
    hf.expect_eq(summed, by_type, "by_day summed over days vs by_type", r)

    data, r = _stats(**{"from": "2001-01-01T00:00:00Z",
        "to": "2001-01-02T00:00:00Z"})
    hf.expect_eq((data["by_type"], data["by_day"]), ([], []),
        "stats of a window with no moves", r)


def test_application_db_user_cannot_update_or_delete_ledger_rows():
    sku = hf.new_product(5)["sku"]
    (row,) = hf.ledger_of(_biz(), sku=sku)
    p = hf.app_db("SELECT COUNT(*) FROM ledger WHERE id = %d" % row["id"])
    hf.check(p.returncode == 0 and p.stdout.strip() == "1", "the "
        "application user cannot read its own ledger row (exit %d): %s"
        % (p.returncode, (p.stdout + p.stderr)[-300:]))
    for sql in ("UPDATE ledger SET on_hand_delta = 500, reason = 'forged' "
            "WHERE id = %d" % row["id"],
            "DELETE FROM ledger WHERE id = %d" % row["id"]):
        p = hf.app_db(sql)
        hf.check(p.returncode != 0 and "1142" in p.stderr, "the application "
            "user ran %r: exit %d, %s" % (sql, p.returncode,
            (p.stdout + p.stderr)[-300:]))
    hf.expect_eq(hf.ledger_of(_biz(), sku=sku), [row], "the SKU's ledger "
        "after the refused UPDATE and DELETE")


def test_reconcile_names_a_stock_row_broken_behind_the_ledger():
    hf.build_binary("holdfast-admin")
    data = hf.new_product(5)
    sku, pid = data["sku"], int(data["id"])
    (res,) = hf.expect_success(hf.reserve([(sku, 2)], _biz()), 201)[
        "reservations"]
    rec = hf.reconcile_api(sku, _biz())
    hf.check(rec["ok"] and rec["mismatches"] == [], "reconcile of an "
        "untouched SKU: %r" % rec)
    p = hf.run_program("holdfast-admin", "reconcile", "--sku", sku)
    hf.expect_eq(p.returncode, 0, "holdfast-admin reconcile --sku exit "
        "status on a clean SKU (%r)" % (p.stdout + p.stderr)[-300:])

    where = "product_id = %d" % pid
    hf.db_rows("UPDATE stock SET on_hand = on_hand + 1 WHERE %s" % where)
    try:
        rec = hf.reconcile_api(sku, _biz())
        hf.expect_eq(rec.get("sku"), sku, "reconcile data.sku")
        hf.check(rec["ok"] is False, "reconcile says ok with on_hand one "
            "above its ledger: %r" % rec)
        two = [m for m in rec["mismatches"] if _invariant_no(m) == 2]
        hf.check(len(two) >= 1, "no mismatch names invariant 2: %r"
            % rec["mismatches"])
        hf.check(any((m.get("expected"), m.get("actual")) == (5, 6)
            for m in two), "invariant 2 mismatch does not say expected 5, "
            "actual 6: %r" % two)
        p = hf.run_program("holdfast-admin", "reconcile", "--sku", sku)
        hf.expect_eq(p.returncode, 1, "holdfast-admin reconcile --sku exit "
            "status with a broken row (%r)" % (p.stdout + p.stderr)[-300:])
        hf.check(sku in p.stdout, "holdfast-admin reconcile does not name "
            "%s: %r" % (sku, p.stdout[-300:]))
    finally:
        hf.db_rows("UPDATE stock SET on_hand = on_hand - 1 WHERE %s AND "
            "on_hand = 6" % where)

    # a reservation ended behind the ledger's back: invariants 3 and 4
    hf.db_rows("UPDATE reservations SET status = 'released', ended_at = "
        "NOW(3) WHERE id = %d AND status = 'active'" % int(res["id"]))
    try:
        rec = hf.reconcile_api(sku, _biz())
        named = set(_invariant_no(m) for m in rec["mismatches"])
        hf.check(rec["ok"] is False and {3, 4} <= named, "a reservation "
            "released without a ledger row: reconcile names invariants %r, "
            "not 3 and 4: %r" % (sorted(n for n in named if n), rec))
        p = hf.run_program("holdfast-admin", "reconcile", "--sku", sku)
        hf.expect_eq(p.returncode, 1, "holdfast-admin reconcile exit status "
            "with a reservation ended behind the ledger (%r)"
            % (p.stdout + p.stderr)[-300:])
    finally:
        hf.db_rows("UPDATE reservations SET status = 'active', ended_at = "
            "NULL WHERE id = %d AND status = 'released'" % int(res["id"]))

    rec = hf.reconcile_api(sku, _biz())
    hf.check(rec["ok"], "reconcile after the repair: %r" % rec)
    p = hf.run_program("holdfast-admin", "reconcile", "--sku", sku)
    hf.expect_eq(p.returncode, 0, "holdfast-admin reconcile exit status "
        "after the repair (%r)" % (p.stdout + p.stderr)[-300:])
