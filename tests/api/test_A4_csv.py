"""CSV in and out (issue 17, item 6; README "CSV").

POST /api/v1/import/products (text/csv, admin; ?dry_run=1) takes
products with their stock per location under the header
sku,name,price,category,description,location,on_hand: a dry run reports
every bad row with its line number and changes nothing; a real run with a
bad row changes nothing (422 IMP_001); one without is applied in chunks,
each on_hand that moves one ledger row (restock for a new product, adjust
otherwise, reason "import"); the same file again writes nothing.
GET /api/v1/export/products.csv (the import's own form), stock.csv,
ledger.csv and orders.csv answer text/csv that survives commas, quotes,
newlines and non-ASCII, and a formula is never one in a spreadsheet.

Every test makes its own SKUs and locations (last in allocation order, so
no other test's stock lands there) and leaves every SKU it touched
reconciled.
"""

import csv
import io
import threading
import time
import uuid

import hf

API = "/api/v1"
HEADER = "sku,name,price,category,description,location,on_hand"
CAP = 32 * 1024 * 1024          # the route's body cap (IMPORT_MAX_BYTES)
FRONT_CAP = 33 * 1024 * 1024    # nginx's client_max_body_size for it


def _tag():
    return uuid.uuid4().hex[:8].upper()


def _post(body, dry=False, token=None, ctype="text/csv", query=None,
    timeout=120):
    if isinstance(body, str):
        body = body.encode("utf-8")
    q = query if query is not None else ("?dry_run=1" if dry else "")
    headers = hf.auth_header(token or hf.inv_admin())
    return hf.request("POST", API + "/import/products" + q, body=body,
        headers=headers, content_type=ctype, timeout=timeout)


def _file(*rows, crlf=True):
    nl = "\r\n" if crlf else "\n"
    return HEADER + nl + nl.join(rows) + nl


def _report(r, status=200):
    if status == 200:
        return hf.expect_success(r)
    body = hf.expect_error(r, status, {422: "IMP_001", 409: "IMP_002"}[
        status])
    hf.check(isinstance(body.get("details"), dict), "no details", r)
    return body["details"]


def _location(tag, n):
    code = "a4-%s-%d" % (tag.lower(), n)
    r = hf.call("POST", API + "/locations", {"code": code, "name":
        "A4 " + code, "kind": "store", "priority": 900000 + n},
        token=hf.inv_admin())
    hf.expect_success(r, 201)
    return code


def _export(name, query="", token=None):
    r = hf.call("GET", API + "/export/" + name + query,
        token=token or hf.inv_admin(), timeout=120)
    hf.expect_status(r, 200)
    ct = r.headers.get("Content-Type") or ""
    hf.check(ct.startswith("text/csv"), "Content-Type %r" % ct, r)
    text = r.body.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return r, rows


def _unguard(s):
    """The writer's formula guard, undone as the import undoes it."""
    if len(s) >= 2 and s[0] == "'" and s[1] in "=+-@\t\r'":
        return s[1:]
    return s


def _ledger_count(skus):
    rows = hf.db_rows("SELECT COUNT(*) FROM ledger WHERE sku IN (%s)"
        % ",".join(hf.sql_str(s) for s in skus))
    return int(rows[0][0])


def _product_count(skus):
    rows = hf.db_rows("SELECT COUNT(*) FROM products WHERE sku IN (%s)"
        % ",".join(hf.sql_str(s) for s in skus))
    return int(rows[0][0])


def _places(sku):
    d = hf.stock_of(sku)
    return {p["location"]: (p["on_hand"], p["reserved"]) for p in
        d.get("locations") or []}, d


def _home(sku):
    """Where a product made with stock keeps it: the default location,
    the first active one in allocation order (other tests add locations
    ahead of main)."""
    places, _ = _places(sku)
    hf.check(len(places) == 1, "%s is at %r" % (sku, places))
    return next(iter(places))


def _reconciled(*skus):
    for s in skus:
        d = hf.reconcile_api(s)
        hf.check(d["ok"], "reconcile of %s: %s" % (s, d["mismatches"]))


# ---------------------------------------------------------------- dry run

def test_csv_dry_run_lists_every_bad_row_and_changes_nothing():
    t = _tag()
    l1, l2 = _location(t, 1), _location(t, 2)
    held = hf.new_product(5, sku="A4D-%s-HELD" % t)["sku"]
    home = _home(held)
    hf.expect_success(hf.reserve([(held, 3)]), 201)
    a, b, c = "A4D-%s-A" % t, "A4D-%s-B" % t, "A4D-%s-C" % t
    formula = "A4D-%s-F" % t
    rows = [
        "%s,Alpha,1.50,Tools,,main,4" % a,                      # 2 ok
        "%s,Alpha,1.5,Tools,,%s,2" % (a, l1),                   # 3 ok
        "bad sku!,x,1,,,main,1",                                # 4 sku
        "%s,Beta,2,,,main,1" % b,                               # 5 ok
        "%s,Beta,2,,,%s,1" % (b.lower(), l1),                   # 6 spelling
        "%s,Gamma,3,,,main,-1" % c,                             # 7 on_hand
        "%s-U,Bad \xff bytes,1,,,main,1" % c,                   # 8 UTF-8
        "\ufeff%s-BOM,BOM inside,1,,,main,1" % c,               # 9 sku
        "%s-L,Lost,1,,,nowhere-%s,1" % (c, t),                  # 10 location
        "%s-M,Many,1,,,main,1,extra" % c,                       # 11 columns
        '%s,"=HYPERLINK(""http://x"",""y"")",1,,,main,1' % formula,  # 12 ok
        "%s,Held,0,,,%s,1" % (held, home),                      # 13 reserved
        "%s,Alpha renamed,1.50,Tools,,%s,1" % (a, l2),          # 14 name
        '%s-Q,"unterminated,1,,,main,1' % c,                    # 15 quote
        "%s-Z,after the quote,1,,,main,1" % c,                  # (inside)
    ]
    text = "\ufeff" + _file(*rows)
    body = text.encode("utf-8").replace(b"\xc3\xbf", b"\xff")
    skus = [a, b, c, formula, c + "-U", c + "-L", c + "-M", c + "-Q",
        c + "-Z"]
    before = _ledger_count(skus + [held])
    held_before, _ = _places(held)

    r = _post(body, dry=True)
    rep = _report(r)
    hf.expect_eq(rep["dry_run"], True, "dry_run", r)
    hf.expect_eq(rep["ok"], False, "ok", r)
    got = {e["line"]: e for e in rep["errors"]}
    want = {4: "sku", 6: "sku", 7: "on_hand", 8: "name", 9: "sku",
        10: "location", 11: None, 13: "on_hand", 14: "name", 15: "name"}
    hf.expect_eq(sorted(got), sorted(want), "lines of the bad rows", r)
    hf.expect_eq(rep["error_count"], len(want), "error_count", r)
    for line, col in want.items():
        hf.expect_eq(got[line]["column"], col, "column of line %d" % line,
            r)
    hf.check("spelled" in got[6]["reason"] and "line 5" in
        got[6]["reason"], "line 6 does not name the other spelling", r)
    hf.check("UTF-8" in got[8]["reason"], "line 8: %r" % got[8], r)
    hf.check("no location" in got[10]["reason"], "line 10: %r" % got[10],
        r)
    hf.check("8 columns" in got[11]["reason"], "line 11: %r" % got[11], r)
    hf.check("reserved" in got[13]["reason"], "line 13: %r" % got[13], r)
    hf.check("line 2" in got[14]["reason"], "line 14: %r" % got[14], r)
    hf.check("never closed" in got[15]["reason"], "line 15: %r" % got[15],
        r)
    hf.expect_eq(got[4]["sku"], "bad sku!", "the bad SKU echoed", r)
    # the good rows are counted as a real run would apply them
    hf.expect_eq(rep["rows"], 14, "data rows", r)

    # nothing changed, and a real run of the same file changes nothing
    r2 = _post(body)
    rep2 = _report(r2, 422)
    hf.expect_eq(sorted(e["line"] for e in rep2["errors"]), sorted(want),
        "the real run's bad rows", r2)
    hf.expect_eq(_product_count(skus), 0, "products made", r2)
    hf.expect_eq(_ledger_count(skus + [held]), before, "ledger rows")
    hf.expect_eq(_places(held)[0], held_before, "the held product's stock")
    _reconciled(held)


def test_csv_file_level_refusals():
    t = _tag()
    # a wrong header: line 1 only, nothing else read
    r = _post("sku,name,price\r\nA4H-%s,x,1\r\n" % t, dry=True)
    rep = _report(r)
    hf.expect_eq([(e["line"], e["column"]) for e in rep["errors"]],
        [(1, None)], "header error", r)
    hf.check(HEADER in rep["errors"][0]["reason"], "reason names the "
        "header", r)
    # the header in other case, CRLF or LF, a final line without newline
    body = HEADER.upper() + "\nA4H-%s,x,1,,,main,0" % t
    rep = _report(_post(body, dry=True))
    hf.expect_eq((rep["ok"], rep["rows"], rep["created"]), (True, 1, 1),
        "upper-case header, LF, no final newline")
    # empty
    rep = _report(_post(b"", dry=True))
    hf.expect_eq([e["line"] for e in rep["errors"]], [1], "empty file")
    # more rows than the cap: refused at row 200,001, nothing else read
    rows = "".join("A4H-%s-%d,x,1,,,,\n" % (t, i) for i in range(200001))
    r = _post(HEADER + "\n" + rows, dry=True, timeout=300)
    rep = _report(r)
    hf.expect_eq([e["line"] for e in rep["errors"]], [200002],
        "the row past the cap", r)
    hf.check("200000" in rep["errors"][0]["reason"], "reason", r)


# ---------------------------------------------------------------- real run

def test_csv_import_applies_then_reimport_is_idempotent():
    t = _tag()
    l1 = _location(t, 1)
    x, y, z = "A4R-%s-X" % t, "A4R-%s-Y" % t, "A4R-%s-Z" % t
    old = hf.new_product(4, sku="A4R-%s-OLD" % t, price="2.00")["sku"]
    home = _home(old)
    name_x = 'Widget, "big" \u00fc\u65e5'
    desc_x = "line one\r\nline two, with a comma"
    rows = [
        '%s,"Widget, ""big"" \u00fc\u65e5",12.5,Tools,"%s",main,5'
        % (x, desc_x),
        '%s,"Widget, ""big"" \u00fc\u65e5",12.50,Tools,"%s",%s,3'
        % (x, desc_x, l1),
        "%s,Yankee,2,Tools,,main,2" % y,
        "%s,Zulu catalog only,0.99,,,," % z,
        "%s,Old one,2.00,,,%s,6" % (old, l1),
    ]
    skus = [x, y, z, old]
    r = _post(_file(*rows))
    rep = _report(r)
    hf.expect_eq((rep["dry_run"], rep["ok"], rep["created"],
        rep["updated"], rep["unchanged"]), (False, True, 3, 1, 0),
        "created, updated, unchanged", r)
    hf.expect_eq((rep["stock_changes"], rep["units_added"],
        rep["units_removed"]), (4, 16, 0), "stock changes", r)
    hf.expect_eq(rep["chunks"], rep["chunks_done"], "chunks done", r)

    places, d = _places(x)
    hf.expect_eq(places, {"main": (5, 0), l1: (3, 0)}, "X per location")
    hf.expect_eq(d["on_hand"], 8, "X on_hand = sum")
    hf.expect_eq(_places(y)[0], {"main": (2, 0)}, "Y per location")
    hf.expect_eq(_places(z)[0], {}, "Z has no place")
    hf.expect_eq(_places(old)[0], {home: (4, 0), l1: (6, 0)},
        "the old product's places")
    p = hf.expect_success(hf.call("GET", API + "/products/%d" %
        d["product_id"]))
    hf.expect_eq((p["name"], p["price"], p["category"], p["description"]),
        (name_x, "12.50", "Tools", desc_x), "X's fields")
    led = hf.ledger_of(sku=x)
    hf.expect_eq(sorted((e["type"], e["location"], e["on_hand_delta"],
        e["reason"]) for e in led), sorted([("restock", "main", 5,
        "import"), ("restock", l1, 3, "import")]), "X's ledger rows")
    led = hf.ledger_of(sku=old)
    hf.expect_eq([(e["type"], e["location"], e["on_hand_delta"],
        e["reason"]) for e in led][0], ("adjust", l1, 6, "import"),
        "an existing product moves by adjust")
    _reconciled(*skus)

    # the same file again: nothing to do, no ledger row
    n = _ledger_count(skus)
    for dry in (True, False):
        rep = _report(_post(_file(*rows), dry=dry))
        hf.expect_eq((rep["created"], rep["updated"], rep["unchanged"],
            rep["stock_changes"]), (0, 0, 4, 0), "re-import, dry %s" % dry)
    hf.expect_eq(_ledger_count(skus), n, "ledger rows after the re-import")

    # a changed on_hand is ONE adjust at its location; a renamed product
    rows[0] = rows[0].replace(",main,5", ",main,2")
    rows[1] = rows[1].replace(",%s,3" % l1, ",%s,7" % l1)
    rows[2] = rows[2].replace("Yankee", "Yankee renamed")
    rep = _report(_post(_file(*rows)))
    hf.expect_eq((rep["created"], rep["updated"], rep["unchanged"],
        rep["stock_changes"], rep["units_added"], rep["units_removed"]),
        (0, 2, 2, 2, 4, 3), "the changed file", None)
    hf.expect_eq(_ledger_count(skus), n + 2, "two ledger rows")
    hf.expect_eq(_places(x)[0], {"main": (2, 0), l1: (7, 0)}, "X moved")
    led = hf.ledger_of(sku=x)
    hf.expect_eq(sorted((e["type"], e["location"], e["on_hand_delta"])
        for e in led[:2]), [("adjust", l1, 4), ("adjust", "main", -3)],
        "X's adjusts")
    hf.expect_eq(hf.stock_of(y)["name"], "Yankee renamed", "Y renamed")
    _reconciled(*skus)


def test_csv_two_imports_at_once_create_each_product_once():
    t = _tag()
    rows = ["A4C-%s-%03d,Twice %d,1,,,main,%d" % (t, i, i, 1 + i % 3)
        for i in range(300)]
    skus = ["A4C-%s-%03d" % (t, i) for i in range(300)]
    body = _file(*rows)
    out = [None, None]

    def run(i):
        out[i] = _post(body, timeout=300)
    th = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for x in th:
        x.start()
    for x in th:
        x.join()
    reps = [_report(r) for r in out]
    hf.expect_eq(sum(rp["created"] for rp in reps), 300, "created in all")
    hf.expect_eq(_product_count(skus), 300, "products")
    hf.expect_eq(_ledger_count(skus), 300, "one restock per product")
    for s in skus[:: 37]:
        _reconciled(s)


def test_csv_import_10000_rows_timed():
    """The ./dev test size of the benchmark (tests/load/bench-csv.sh runs
    100,000): a dry run, the real run, the same file again."""
    t = _tag()
    l1 = _location(t, 1)
    rows = []
    for i in range(5000):
        name = 'Item %d, "ten" \u00e9' % i
        for loc, q in (("main", i % 5), (l1, i % 3)):
            rows.append('A4T-%s-%05d,"%s",%d.%02d,Cat %d,,%s,%d' % (t, i,
                name.replace('"', '""'), i % 50, i % 100, i % 7, loc, q))
    body = _file(*rows)
    times = {}
    for label, dry in (("dry", True), ("real", False), ("again", False)):
        t0 = time.monotonic()
        r = _post(body, dry=dry, timeout=600)
        times[label] = time.monotonic() - t0
        rep = _report(r)
        hf.expect_eq(rep["rows"], 10000, "rows", r)
        if label != "again":
            hf.expect_eq(rep["created"], 5000, "created (%s)" % label, r)
        else:
            hf.expect_eq((rep["unchanged"], rep["stock_changes"]), (5000,
                0), "the same file again", r)
    changes = sum(1 for i in range(5000) for q in (i % 5, i % 3) if q)
    skus = ["A4T-%s-%05d" % (t, i) for i in range(5000)]
    hf.expect_eq(_ledger_count(skus), changes, "one restock per place")
    for s in skus[::997]:
        _reconciled(s)
    print("# csv import, 10,000 rows (5,000 products x 2 locations, %d "
        "bytes): dry run %.2f s, real run %.2f s, again %.2f s" % (
        len(body.encode()), times["dry"], times["real"], times["again"]),
        flush=True)


# ---------------------------------------------------------------- exports

def test_csv_export_round_trips_and_guards_formulas():
    t = _tag()
    l1 = _location(t, 1)
    a, f = "A4E-%s-A" % t, "A4E-%s-F" % t
    tricky = 'a, "b"\nc \u00fc\u65e5'
    rows = [
        '%s,"%s",3.10,"Cat, A4","%s",main,2' % (a, tricky.replace('"',
            '""'), tricky.replace('"', '""')),
        '%s,"%s",3.10,"Cat, A4","%s",%s,1' % (a, tricky.replace('"', '""'),
            tricky.replace('"', '""'), l1),
        "%s,=cmd|' /C calc'!A0,0,@risk,+1 2,," % f,
    ]
    _report(_post(_file(*rows)))
    r, out = _export("products.csv")
    hf.expect_eq(out[0], HEADER.split(","), "the header", r)
    mine = [x for x in out[1:] if x[0] in (a, f)]
    hf.expect_eq(sorted((x[0], x[5], x[6]) for x in mine), sorted([
        (a, "main", "2"), (a, l1, "1"), (f, "", "")]), "rows of ours", r)
    ra = next(x for x in mine if x[0] == a)
    hf.expect_eq((ra[1], ra[3], ra[4]), (tricky, "Cat, A4", tricky),
        "text survives", r)
    rf = next(x for x in mine if x[0] == f)
    hf.expect_eq((rf[1], rf[3], rf[4]), ("'=cmd|' /C calc'!A0", "'@risk",
        "'+1 2"), "formulas are guarded", r)
    hf.expect_eq(_unguard(rf[1]), "=cmd|' /C calc'!A0", "and unguarded")
    hf.check(r.body.endswith(b"\r\n") and b"\r\n" in r.body[:80],
        "rows end with CRLF", r)

    # the export imports into nothing new: ours for real, all of it dry
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(out[0])
    w.writerows(mine)
    n = _ledger_count([a, f])
    rep = _report(_post(buf.getvalue()))
    hf.expect_eq((rep["created"], rep["updated"], rep["stock_changes"]),
        (0, 0, 0), "our rows re-imported", None)
    hf.expect_eq(_ledger_count([a, f]), n, "no ledger row")
    # and the whole catalog, dry, but for rows that cannot round-trip:
    # written by SQL past the API's caps (test_98: a 60,000-byte
    # description) or holding bytes that are not UTF-8 (exported repaired)
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(out[0])
    w.writerows(x for x in out[1:] if len(x[4].encode()) <= 16384 and
        "\ufffd" not in "".join(x))
    rep = _report(_post(buf.getvalue(), dry=True, timeout=300))
    hf.expect_eq((rep["error_count"], rep["created"], rep["updated"],
        rep["stock_changes"]), (0, 0, 0, 0), "the whole export, dry: %s"
        % (rep["errors"][:3],), None)

    # stock per location, all or one location's
    _, st = _export("stock.csv")
    hf.expect_eq(st[0], ["sku", "name", "location", "on_hand", "reserved",
        "available"], "stock header")
    hf.expect_eq(sorted(tuple(x[2:]) for x in st if x[0] == a), [
        (l1, "1", "0", "1"), ("main", "2", "0", "2")], "A's places")
    _, st = _export("stock.csv", "?location=" + l1.upper(),
        token=hf.inv_business())
    hf.expect_eq([x[0] for x in st[1:]], [a], "one location's")
    hf.expect_error(hf.call("GET", API + "/export/stock.csv?location="
        "nowhere-" + t, token=hf.inv_admin()), 404, "LOC_001")
    hf.expect_error(hf.call("GET", API + "/export/stock.csv?location=a%20b",
        token=hf.inv_admin()), 422, "REQ_010")
    # HEAD: the head alone
    hd = hf.request("HEAD", API + "/export/stock.csv",
        headers=hf.auth_header(hf.inv_admin()))
    hf.expect_status(hd, 200)
    hf.check(hd.body == b"" and (hd.headers.get("Content-Type") or
        "").startswith("text/csv"), "HEAD", hd)
    _reconciled(a, f)


def test_csv_ledger_and_orders_exports_for_a_time_range():
    t = _tag()
    sku = hf.new_product(10, sku="A4L-%s" % t, price="4.00")["sku"]
    home = _home(sku)
    reason = 'count, "recount"\nby \u00e5sa'
    t0 = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
    hf.expect_success(hf.call("POST", API + "/stock/%s/adjust" % sku,
        {"delta": -1, "reason": reason}, token=hf.inv_admin()))
    _, out = _export("ledger.csv", "?from=" + t0)
    hf.expect_eq(out[0], ["id", "created_at", "sku", "location", "type",
        "on_hand_delta", "reserved_delta", "on_hand_after",
        "reserved_after", "reference_type", "reference_id", "reason",
        "actor", "request_id"], "ledger header")
    mine = [x for x in out[1:] if x[2] == sku]
    hf.expect_eq([(x[3], x[4], x[5], x[7], x[11]) for x in mine], [(home,
        "restock", "10", "10", "initial stock"), (home, "adjust", "-1", "9",
        reason)], "oldest first, the adjust's reason whole")
    hf.check(all(x[1] >= t0[:-1] for x in out[1:]), "a row before from")
    _, out = _export("ledger.csv", "?from=2001-01-01T00:00:00Z&to="
        "2001-01-02T00:00:00Z")
    hf.expect_eq(len(out), 1, "an empty range: the header alone")
    hf.expect_error(hf.call("GET", API + "/export/ledger.csv?from=yesterday",
        token=hf.inv_admin()), 422, "REQ_010")

    note = 'ring twice, "back door"\n2nd floor \u00e6'
    r = hf.shop.place([(sku, 2)], note=note)
    o = hf.expect_success(r, 201)
    _, out = _export("orders.csv", "?from=" + t0)
    hf.expect_eq(out[0][:4], ["order_id", "reference_id", "created_at",
        "status"], "orders header")
    line = [x for x in out[1:] if x[0] == str(o["id"])]
    hf.expect_eq([(x[3], x[12], x[13], x[14], x[15], x[17]) for x in
        line], [("pending_payment", note, sku, "2", "4.00", home)],
        "the order's line")
    hf.expect_success(hf.shop.act(o["id"], "cancel"))
    _reconciled(sku)


# ---------------------------------------------------------------- the edge

def test_csv_roles_types_and_caps():
    t = _tag()
    body = _file("A4K-%s,x,1,,,main,1" % t)
    biz, user = hf.inv_business(), None
    # roles: import is admin's; stock.csv business's; the rest admin's
    hf.expect_error(_post(body, dry=True, token=biz), 403, "AUTH_005")
    hf.expect_error(hf.request("POST", API + "/import/products?dry_run=1",
        body=body.encode(), content_type="text/csv"), 401, "AUTH_001")
    for name in ("products.csv", "ledger.csv", "orders.csv"):
        hf.expect_error(hf.call("GET", API + "/export/" + name,
            token=biz), 403, "AUTH_005")
    hf.expect_status(hf.call("GET", API + "/export/stock.csv", token=biz),
        200)
    u = hf.verified_user()
    user = hf.login_ok(u["email"], u["password"])["access"]
    hf.expect_error(hf.call("GET", API + "/export/stock.csv", token=user),
        403, "AUTH_005")
    hf.expect_error(_post(body, dry=True, token=user), 403, "AUTH_005")
    # media types: CSV only here, and JSON routes refuse CSV
    for ct in ("application/json", "text/plain", "text/csv; charset=latin1",
            "text/csvx", ""):
        hf.expect_error(_post(body, dry=True, ctype=ct), 415, "REQ_003")
    hf.expect_success(_post(body, dry=True,
        ctype='text/csv; charset="UTF-8"; header=present'))
    hf.expect_error(hf.request("POST", API + "/products", body=body.encode(),
        headers=hf.auth_header(hf.inv_admin()), content_type="text/csv"),
        415, "REQ_003")
    hf.expect_error(_post(body, query="?dry_run=maybe"), 422, "REQ_010")
    # the body cap: the worker's (with its request id), then nginx's
    big = (HEADER + "\n").encode() + b"x" * (CAP + 1 - len(HEADER) - 1)
    r = _post(big, dry=True, timeout=120)
    body413 = hf.expect_error(r, 413, "REQ_002")
    hf.check("request_id" in body413, "the worker's 413 names no request",
        r)
    r = _post(b"y" * (FRONT_CAP + 1), dry=True, timeout=120)
    hf.expect_status(r, 413)
    hf.expect_eq(_product_count(["A4K-%s" % t]), 0, "nothing made")
