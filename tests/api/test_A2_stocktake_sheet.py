"""The stocktake count sheet as CSV (issue 17, item 4: "Counts are
entered per location in one go, as lines or as a CSV upload"):
PUT /api/v1/stocktakes/{id}/counts.csv with the header `sku,counted`
does what PUT .../counts does with JSON lines; a sheet with bad lines
names each with its line number and changes nothing."""

import uuid

import hf

API = "/api/v1"


def _admin():
    return hf.inv_admin()


def _location():
    code = "a2s-%s" % uuid.uuid4().hex[:8]
    hf.expect_success(hf.call("POST", API + "/locations", {"code": code,
        "name": "A2 sheet", "kind": "store", "priority": 800000},
        token=_admin()), 201)
    return code


def _product_at(loc, qty):
    sku = hf.new_product(0, sku=hf.unique_sku("A2S"))["sku"]
    hf.expect_success(hf.call("POST", API + "/stock/%s/restock" % sku,
        {"quantity": qty, "location": loc}, token=_admin()))
    return sku


def _at(sku, loc):
    for p in hf.stock_of(sku).get("locations") or []:
        if p["location"].lower() == loc.lower():
            return p["on_hand"]
    return 0


def _sheet(sid, text, token=None, ctype="text/csv"):
    body = text if isinstance(text, bytes) else text.encode("utf-8")
    return hf.request("PUT", API + "/stocktakes/%d/counts.csv" % sid,
        body=body, headers=hf.auth_header(token or _admin()),
        content_type=ctype)


def _lines(sid):
    d = hf.expect_success(hf.call("GET", API + "/stocktakes/%d" % sid,
        token=_admin()))
    return {l["sku"]: l["counted"] for l in d.get("lines") or []}


def test_a_csv_sheet_counts_like_json_lines_and_posts():
    loc = _location()
    a, b = _product_at(loc, 10), _product_at(loc, 4)
    sid = hf.expect_success(hf.call("POST", API + "/stocktakes",
        {"location": loc}, token=_admin()), 201)["id"]
    # a BOM, CRLF, a quoted field and the SKU in another case
    d = hf.expect_success(_sheet(sid, "\ufeffsku,counted\r\n%s,7\r\n"
        "\"%s\",4\r\n" % (a, b.lower())))
    hf.expect_eq(d["id"], sid, "the stocktake answered")
    hf.expect_eq(_lines(sid), {a: 7, b: 4}, "the sheet's lines")
    hf.expect_success(hf.call("POST", API + "/stocktakes/%d/post" % sid,
        token=_admin()))
    hf.expect_eq((_at(a, loc), _at(b, loc)), (7, 4), "stock after the post")
    rows = hf.expect_success(hf.call("GET", API + "/ledger?sku=%s&per_page=5"
        % a, token=_admin()))["items"]
    hf.expect_eq((rows[0]["type"], rows[0]["on_hand_delta"],
        rows[0]["reason"], rows[0]["location"]), ("adjust", -3,
        "stocktake %d" % sid, loc), "the variance's ledger row")
    for sku in (a, b):
        hf.expect_eq(hf.reconcile_api(sku, _admin())["ok"], True,
            "reconcile " + sku)


def test_bad_lines_are_named_by_number_and_change_nothing():
    loc = _location()
    a = _product_at(loc, 5)
    sid = hf.expect_success(hf.call("POST", API + "/stocktakes",
        {"location": loc}, token=_admin()), 201)["id"]
    hf.expect_success(_sheet(sid, "sku,counted\n%s,5\n" % a))
    text = ("sku,counted\n%s,3\nno sku here,1\n%s,-1\n%s,1e3\n%s,1,2\n"
        "%s,\"4\n" % (a, a, a, a, a))
    r = _sheet(sid, text)
    body = hf.expect_error(r, 422, "REQ_010")
    got = sorted(e["line"] for e in body["details"]["errors"])
    hf.expect_eq(got, [3, 4, 5, 6, 7], "the bad lines, by number", r)
    hf.expect_eq(_lines(sid), {a: 5}, "the sheet before stays")
    # a wrong header, non-UTF-8 bytes, JSON sent as CSV
    hf.expect_error(_sheet(sid, "SKU;COUNTED\n%s;1\n" % a), 422, "REQ_010")
    hf.expect_error(_sheet(sid, b"sku,counted\n" + a.encode() +
        b"\xff,1\n"), 422, "REQ_010")
    hf.expect_error(_sheet(sid, '{"lines": []}', ctype="application/json"),
        415, "REQ_003")
    # one SKU twice in two spellings: refused whole, as the JSON route
    hf.expect_error(_sheet(sid, "sku,counted\n%s,1\n%s,2\n" % (a,
        a.lower())), 422, "REQ_010")
    hf.expect_eq(_lines(sid), {a: 5}, "still the sheet before")
    # the same sheet as JSON and as CSV give the same lines
    hf.expect_success(_sheet(sid, "sku,counted\n%s,2\n" % a))
    hf.expect_eq(_lines(sid), {a: 2}, "a new sheet replaces the old")


def test_only_an_admin_sends_a_sheet_and_a_closed_stocktake_takes_none():
    loc = _location()
    a = _product_at(loc, 1)
    sid = hf.expect_success(hf.call("POST", API + "/stocktakes",
        {"location": loc}, token=_admin()), 201)["id"]
    biz = hf.inv_business("a2s")
    hf.expect_error(_sheet(sid, "sku,counted\n%s,1\n" % a, token=biz), 403,
        "AUTH_005")
    hf.expect_success(hf.call("POST", API + "/stocktakes/%d/cancel" % sid,
        token=_admin()))
    hf.expect_error(_sheet(sid, "sku,counted\n%s,1\n" % a), 409, "STK_001")
    hf.expect_error(_sheet(999999999, "sku,counted\n%s,1\n" % a), 404,
        "REQ_011")
