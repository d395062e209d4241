"""Lines and defaults live in the body schemas (issue 12, item 3).

The lines of POST /reservations, /orders and /loans are checked by the
front door's one validator, from an item table (src/api/reservations.c
schema_line, src/api/loans.c): each refusal names its place
(items[1].sku) with the code, details {field, reason} and message a
top-level field would get, and nothing moves.  The caps of lines and
quantities hold at and past the limit.  Defaults (ttl_seconds 900, price
"0.00", per_page 20) are the schema's: the OpenAPI document shows them and
the API answers with them.
"""

import datetime

import hf
from hf import lend
from hf import shop

L = lend.Lending("t79")


def _biz():
    return hf.inv_business("t79")


def _doc():
    r = hf.get("/api/v1/openapi.json")
    hf.expect_status(r, 200)
    return r.json


def _body_schema(doc, method, path):
    return doc["paths"][path][method]["requestBody"]["content"][
        "application/json"]["schema"]


def _state(sku):
    s = hf.stock_of(sku, _biz())
    return (s["on_hand"], s["reserved"],
        sorted(x["id"] for x in hf.ledger_of(_biz(), sku=sku)))


def _refused(r, status, code, field, reason=None):
    body = hf.expect_field_error(r, status, code, field)
    d = body["details"]
    hf.check(isinstance(d.get("reason"), str) and d["reason"],
        "details.reason missing for %s" % field, r)
    if reason is not None:
        hf.expect_eq(d["reason"], reason, "details.reason", r)
    hf.expect_eq(body["message"], "%s: %s" % (field, d["reason"]),
        "message", r)
    return body


def test_a_bad_line_is_refused_naming_its_place_and_nothing_moves():
    sku = hf.new_product(5)["sku"]
    before = _state(sku)
    ok = {"sku": sku, "quantity": 1}
    user = L.new_user()
    routes = (("/api/v1/reservations", {"type": "cart"}, _biz(), True),
        ("/api/v1/orders", {}, shop.biz(), True),
        ("/api/v1/loans", {}, user["token"], False))
    for path, head, token, qty in routes:
        line = dict(ok) if qty else {"sku": sku}
        cases = [
            # a key the line's table lacks (a price the client may not set)
            ([line, dict(line, price="0.01")], 400, "REQ_009",
                "items[1].price", "unknown or read-only field"),
            # an element that is no object is itself the field
            ([line, sku], 422, "REQ_010", "items[1]", "must be an object"),
            ([None], 422, "REQ_010", "items[0]", "must be an object"),
            ([[line]], 422, "REQ_010", "items[0]", "must be an object"),
            # the line's own fields: missing, null, wrong type, grammar
            ([{k: v for k, v in line.items() if k != "sku"}], 422,
                "REQ_010", "items[0].sku", "required"),
            ([line, dict(line, sku=None)], 422, "REQ_010", "items[1].sku",
                "must not be null"),
            ([dict(line, sku=7)], 422, "REQ_010", "items[0].sku",
                "must be a string"),
            ([line, dict(line, sku="-" + sku)], 422, "REQ_010",
                "items[1].sku", None),
            # the array itself
            ([], 422, "REQ_010", "items", "wrong number of elements"),
        ]
        if qty:
            cases += [
                ([dict(ok, quantity="1")], 422, "INV_005",
                    "items[0].quantity", "must be a whole number"),
                ([ok, dict(ok, quantity=1.5)], 422, "INV_005",
                    "items[1].quantity", "must be a whole number"),
                ([dict(ok, quantity=0)], 422, "INV_005",
                    "items[0].quantity", "out of range"),
                ([dict(ok, quantity=1000000001)], 422, "INV_005",
                    "items[0].quantity", "out of range"),
                ([{"sku": sku}], 422, "REQ_010", "items[0].quantity",
                    "required"),
            ]
        else:
            # one unit per line: a quantity is not a field of a loan line
            cases.append(([ok], 400, "REQ_009", "items[0].quantity",
                "unknown or read-only field"))
        for items, status, code, field, reason in cases:
            body = dict(head, items=items)
            r = hf.call("POST", path, body, token=token)
            _refused(r, status, code, field, reason)
    hf.expect_eq(_state(sku), before, "(on_hand, reserved, ledger) after "
        "refused lines")
    hf.check(hf.reconcile_api(sku, _biz())["ok"], "reconcile not ok")


def test_lines_and_quantities_at_and_past_their_caps():
    doc = _doc()
    sku = hf.new_product(100)["sku"]
    for method_path, token in ((("post", "/api/v1/reservations"), _biz()),
            (("post", "/api/v1/orders"), shop.biz())):
        items = _body_schema(doc, *method_path)["properties"]["items"]
        cap = items["maxItems"]
        hf.expect_eq(cap, 100, "maxItems of %s items" % method_path[1])
        hf.expect_eq(items["items"]["properties"]["quantity"]["maximum"],
            1000000000, "quantity maximum")
    # 100 lines of one SKU: one reservation of 100; 101 lines: refused
    r = hf.reserve([(sku, 1)] * 100, _biz())
    data = hf.expect_success(r, 201)
    hf.expect_eq([(x["sku"], x["quantity"]) for x in
        data["reservations"]], [(sku, 100)], "100 lines summed", r)
    r = hf.call("POST", "/api/v1/reservations/release", {"reference_id":
        data["reference_id"]}, token=_biz())
    hf.expect_success(r)
    before = _state(sku)
    r = hf.reserve([(sku, 1)] * 101, _biz())
    _refused(r, 422, "REQ_010", "items", "wrong number of elements")
    r = shop.place([(sku, 1)] * 101)
    _refused(r, 422, "REQ_010", "items", "wrong number of elements")
    user = L.new_user()
    r = hf.call("POST", "/api/v1/loans", {"items": [{"sku": sku}] * 101},
        token=user["token"])
    _refused(r, 422, "REQ_010", "items", "wrong number of elements")
    # a quantity at the cap passes the schema (and is short), past it not
    r = hf.reserve([(sku, 1000000000)], _biz())
    hf.expect_error(r, 400, "INV_002")
    r = hf.reserve([(sku, 1000000001)], _biz())
    _refused(r, 422, "INV_005", "items[0].quantity", "out of range")
    hf.expect_eq(_state(sku), before, "(on_hand, reserved, ledger) after "
        "lines past the caps")
    hf.check(hf.reconcile_api(sku, _biz())["ok"], "reconcile not ok")


def _ts(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")


def test_defaults_are_the_schemas_and_the_document_shows_them():
    doc = _doc()
    # ttl_seconds: the document's default is what a reservation gets
    ttl = _body_schema(doc, "post", "/api/v1/reservations")["properties"][
        "ttl_seconds"]
    hf.expect_eq((ttl.get("default"), ttl.get("minimum"),
        ttl.get("maximum")), (900, 1, 86400), "ttl_seconds in the document")
    sku = hf.new_product(2)["sku"]
    r = hf.reserve([(sku, 1)], _biz())
    res = hf.expect_success(r, 201)["reservations"][0]
    took = (_ts(res["expires_at"]) - _ts(res["created_at"])).total_seconds()
    hf.check(abs(took - ttl["default"]) <= 2, "a reservation without "
        "ttl_seconds lives %.3f s, the document says %d" % (took,
        ttl["default"]), r)
    r = hf.call("POST", "/api/v1/reservations/release", {"reference_id":
        hf.expect_success(r, 201)["reference_id"]}, token=_biz())
    hf.expect_success(r)
    # price: a product created without one costs the document's default
    price = _body_schema(doc, "post", "/api/v1/products")["properties"][
        "price"]
    hf.expect_eq(price.get("default"), "0.00", "price default")
    p = hf.new_product(0)
    hf.expect_eq(p["price"], price["default"], "price of a product "
        "created without one")
    # paging: components.parameters, and what a list answers
    pp = doc["components"]["parameters"]["per_page"]["schema"]
    page = doc["components"]["parameters"]["page"]["schema"]
    hf.expect_eq((pp.get("default"), pp.get("minimum"), pp.get("maximum")),
        (20, 1, 100), "per_page in the document")
    hf.expect_eq((page.get("default"), page.get("minimum")), (1, 1),
        "page in the document")
    r = hf.call("GET", "/api/v1/stock", token=_biz())
    data = hf.expect_success(r)
    hf.expect_eq((data["page"], data["per_page"]), (page["default"],
        pp["default"]), "a list's page and per_page when not asked", r)
    r = hf.call("GET", "/api/v1/stock?per_page=%d" % pp["maximum"],
        token=_biz())
    hf.expect_eq(hf.expect_success(r)["per_page"], pp["maximum"],
        "per_page at the cap", r)
    for bad in (pp["maximum"] + 1, 0, "x"):
        r = hf.call("GET", "/api/v1/stock?per_page=%s" % bad, token=_biz())
        hf.expect_field_error(r, 422, "REQ_010", "per_page")


def test_the_document_describes_each_line():
    doc = _doc()
    # a line may name its location (issue 17): optional
    for path, fields, optional in (
            ("/api/v1/reservations", ["sku", "quantity"], ["location"]),
            ("/api/v1/orders", ["sku", "quantity"], ["location"]),
            ("/api/v1/loans", ["sku"], ["location"])):
        items = _body_schema(doc, "post", path)["properties"]["items"]
        hf.expect_eq(items.get("type"), "array", "%s items type" % path)
        line = items.get("items") or {}
        hf.expect_eq((line.get("type"), line.get("additionalProperties"),
            sorted(line.get("properties", {})), sorted(line.get("required",
            []))), ("object", False, sorted(fields + optional),
            sorted(fields)), "%s: a line in the document" % path)
        hf.expect_eq(line["properties"]["sku"].get("pattern"),
            "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", "%s: sku pattern" % path)
