"""Issue 10, holes 9 and 10: bad bytes never reach the database and are
never echoed; every free-text and JSON field has a cap, and a page of 100
products at every cap still fits one request.

Hole 9: a string that is not well-formed UTF-8 (overlong forms, code
points above U+10FFFF, surrogates as bytes or as unpaired \\u escapes) or
that holds NUL is refused with 422 REQ_010 naming its place in the body
("items[1].sku", "attributes.a"), in any body string or object key at any
depth; a path or Idempotency-Key with such bytes is 400 REQ_012 naming
it; a query value 422 REQ_010; an Authorization header 401 AUTH_002.
Nothing is stored, and every answer is UTF-8 (hf's strict decode).

Hole 10: description 16384 bytes, attributes 16384 bytes as JSON (4
levels, keys of 1 to 64 bytes), body keys 256 bytes, control characters
(but tab, CR, LF) refused."""

import json
import uuid

import hf

BAD_UTF8 = [
    (b"\xc0\xaf", "overlong /"),
    (b"\xe0\x80\xaf", "overlong / in 3 bytes"),
    (b"\xf0\x80\x80\xaf", "overlong / in 4 bytes"),
    (b"\xf4\x90\x80\x80", "U+110000"),
    (b"\xed\xa0\x80", "U+D800 as bytes"),
    (b"\xed\xbf\xbf", "U+DFFF as bytes"),
    (b"\xff", "byte FF"),
    (b"a\xc3", "cut sequence"),
]
# as JSON text inside a string: json-c would quietly make U+FFFD of the
# surrogates and cut an object key at the NUL
BAD_ESCAPES = [
    (b"\\ud800", "unpaired high surrogate escape"),
    (b"\\udc00", "unpaired low surrogate escape"),
    (b"x\\ud800\\u0041", "high surrogate then a letter"),
    (b"S\\u0000junk", "escaped NUL"),
]


def _biz():
    return hf.inv_business("t98")


def _admin():
    return hf.inv_admin()


def _raw(method, path, body, token, headers=None):
    """A request with a hand-made JSON body (bytes)."""
    hdrs = {"Content-Type": "application/json"}
    hdrs.update(headers or {})
    return hf.call(method, path, body, token=token, headers=hdrs)


def _utf8(r):
    try:
        r.body.decode("utf-8", "strict")
    except UnicodeDecodeError as e:
        hf.fail("the answer is not UTF-8: %s" % e, r)


def _expect_field(r, status, code, field):
    _utf8(r)
    hf.expect_field_error(r, status, code, field)


def _ledger_count(sku):
    return len(hf.ledger_of(_biz(), sku=sku))


# ---------------------------------------------------------------- hole 9

def test_bad_utf8_in_a_product_name_is_422_naming_it_and_nothing_changes():
    p = hf.new_product(2)
    for raw, what in BAD_UTF8 + BAD_ESCAPES:
        r = _raw("PATCH", "/api/v1/products/%d" % p["id"],
            b'{"name":"' + raw + b'"}', _admin())
        if r.status != 422:
            hf.fail("%s in name: expected 422" % what, r)
        _expect_field(r, 422, "REQ_010", "name")
    r = hf.call("GET", "/api/v1/products/%d" % p["id"], token=_admin())
    hf.expect_eq(hf.expect_success(r)["name"], p["name"], "name after the "
        "refusals", r)


def test_bad_utf8_anywhere_in_a_body_is_named_by_its_path():
    p = hf.new_product(2)
    path = "/api/v1/products/%d" % p["id"]
    cases = [
        (b'{"attributes":{"author":"%s"}}', "attributes.author"),
        (b'{"attributes":{"a":{"b":["ok","%s"]}}}', "attributes.a.b[1]"),
        (b'{"attributes":{"a":{"%s":1}}}', "attributes.a"),
        (b'{"description":"fine","attributes":{"%s":1}}', "attributes"),
        (b'{"%s":1}', "body"),
    ]
    for tmpl, field in cases:
        for raw, what in BAD_UTF8[:5] + BAD_ESCAPES:
            r = _raw("PATCH", path, tmpl.replace(b"%s", raw), _admin())
            if r.status != 422:
                hf.fail("%s at %s: expected 422" % (what, field), r)
            _expect_field(r, 422, "REQ_010", field)
    r = hf.call("GET", path, token=_admin())
    got = hf.expect_success(r)
    hf.expect_eq((got["description"], got["attributes"]),
        (p["description"], p["attributes"]), "description and attributes "
        "after the refusals", r)


def test_nul_in_items_sku_does_not_reserve_the_prefix():
    p = hf.new_product(1)
    sku = p["sku"].encode()
    for path, body in [
        ("/api/v1/reservations", b'{"type":"cart","items":[{"sku":"'
            + sku + b'","quantity":1},{"sku":"' + sku +
            b'\\u0000junk","quantity":1}]}'),
        ("/api/v1/orders", b'{"items":[{"sku":"' + sku + b'","quantity":1},'
            b'{"sku":"' + sku + b'\\u0000junk","quantity":1}]}'),
        ("/api/v1/loans", b'{"user_id":1,"items":[{"sku":"' + sku + b'"},'
            b'{"sku":"' + sku + b'\\u0000junk"}]}'),
    ]:
        r = _raw("POST", path, body, _admin())
        _expect_field(r, 422, "REQ_010", "items[1].sku")
        r = _raw("POST", path, body.replace(b"\\u0000", b"\xc0\x80"),
            _admin())
        _expect_field(r, 422, "REQ_010", "items[1].sku")
    r = _raw("POST", "/api/v1/reservations", b'{"type":"cart","items":[{'
        b'"sku":"' + sku + b'\\u0000junk","quantity":1}]}', _biz())
    _expect_field(r, 422, "REQ_010", "items[0].sku")
    s = hf.stock_of(p["sku"], _biz())
    hf.expect_eq((s["on_hand"], s["reserved"]), (1, 0), "(on_hand, reserved)")
    hf.check(hf.reconcile_api(p["sku"], _biz())["ok"], "reconcile not ok")


def test_a_nul_escape_in_a_key_is_not_read_as_the_key_before_it():
    # json-c cuts "sku\u0000x" to "sku": it must not pass as the sku field
    sku = hf.unique_sku("NUL")
    r = _raw("POST", "/api/v1/products", b'{"sku\\u0000x":"' + sku.encode()
        + b'","name":"n"}', _admin())
    _expect_field(r, 422, "REQ_010", "body")
    r = hf.call("GET", "/api/v1/stock/%s" % sku, token=_biz())
    hf.expect_error(r, 404, "INV_001")


def test_bad_bytes_in_free_text_of_every_kind_are_refused_and_not_stored():
    p = hf.new_product(5)
    sku = p["sku"]
    before = _ledger_count(sku)
    bad = b"\xed\xa0\x80"
    cases = [
        ("POST", "/api/v1/stock/%s/restock" % sku,
            b'{"quantity":1,"reason":"' + bad + b'"}', _biz(), "reason"),
        ("POST", "/api/v1/stock/%s/restock" % sku,
            b'{"quantity":1,"reference_id":"r' + bad + b'"}', _biz(),
            "reference_id"),
        ("POST", "/api/v1/stock/%s/adjust" % sku,
            b'{"delta":1,"reason":"' + bad + b'"}', _admin(), "reason"),
        ("POST", "/api/v1/reservations", b'{"type":"cart","reference_id":"'
            + bad + b'","items":[{"sku":"' + sku.encode() +
            b'","quantity":1}]}', _biz(), "reference_id"),
        ("POST", "/api/v1/orders", b'{"note":"' + bad + b'","items":[{"sku":"'
            + sku.encode() + b'","quantity":1}]}', _admin(), "note"),
        ("PATCH", "/api/v1/stock/%s" % sku, b'{"location":"' + bad + b'"}',
            _admin(), "location"),
        ("POST", "/api/v1/webhooks", b'{"url":"http://example.test/' + bad
            + b'","events":["stock.low"]}', _admin(), "url"),
        ("POST", "/api/v1/users", b'{"email":"' +
            hf.unique_email("b").encode() + b'","password":"pass-word-1",'
            b'"role":"user","display_name":"' + bad + b'"}', _admin(),
            "display_name"),
        ("POST", "/api/v1/api-keys", b'{"name":"' + bad + b'","role":'
            b'"business"}', _admin(), "name"),
    ]
    for method, path, body, token, field in cases:
        r = _raw(method, path, body, token)
        if r.status != 422:
            hf.fail("%s %s with a surrogate in %s: expected 422"
                % (method, path, field), r)
        _expect_field(r, 422, "REQ_010", field)
    s = hf.stock_of(sku, _biz())
    hf.expect_eq((s["on_hand"], s["reserved"], s["location"]),
        (5, 0, p["stock"]["location"]), "(on_hand, reserved, location)")
    hf.expect_eq(_ledger_count(sku), before, "ledger rows of the SKU")
    hf.check(hf.reconcile_api(sku, _biz())["ok"], "reconcile not ok")


def test_display_name_with_bad_bytes_is_refused_on_register_and_me():
    email = hf.unique_email("b9")
    r = _raw("POST", "/api/v1/auth/register", b'{"email":"' + email.encode()
        + b'","password":"pass-word-1","display_name":"\xc0\xaf"}', None)
    _expect_field(r, 422, "REQ_010", "display_name")
    hf.expect_eq(hf.db_rows("SELECT COUNT(*) FROM users WHERE email = %s"
        % hf.sql_str(email)), [["0"]], "users with that e-mail")
    r = hf.call("POST", "/api/v1/users", {"email": email, "password":
        "pass-word-1", "role": "user", "display_name": "Ann"},
        token=_admin())
    uid = hf.expect_success(r, 201)["id"]
    token = hf.signed_access_token(uid, "user")
    for raw, what in BAD_UTF8 + BAD_ESCAPES:
        r = _raw("PATCH", "/api/v1/me", b'{"display_name":"' + raw + b'"}',
            token)
        if r.status != 422:
            hf.fail("%s in display_name: expected 422" % what, r)
        _expect_field(r, 422, "REQ_010", "display_name")
    r = hf.call("GET", "/api/v1/me", token=token)
    hf.expect_eq(hf.expect_success(r)["display_name"], "Ann",
        "display_name after the refusals", r)


def test_bad_idempotency_key_is_400_req_012_and_claims_nothing():
    p = hf.new_product(3)
    for key in ["k\xff", "k\xc0\xaf", "k\xed\xa0\x80", "k\x01x", "k\x7f"]:
        r = hf.reserve([(p["sku"], 1)], _biz(),
            headers={"Idempotency-Key": key})
        _expect_field(r, 400, "REQ_012", "Idempotency-Key")
    # a key in UTF-8 beyond ASCII is fine
    key = "clé-%s-日本" % uuid.uuid4().hex
    first = hf.reserve([(p["sku"], 1)], _biz(),
        headers={"Idempotency-Key": key.encode().decode("latin-1")})
    hf.expect_success(first, 201)
    again = hf.reserve([(p["sku"], 1)], _biz(),
        headers={"Idempotency-Key": key.encode().decode("latin-1")})
    hf.expect_eq(again.body, first.body, "replay of a UTF-8 key", again)
    s = hf.stock_of(p["sku"], _biz())
    hf.expect_eq(s["reserved"], 1, "reserved")


def test_bad_bytes_in_the_path_are_400_and_never_echoed():
    bases = [hf.base_url()]
    try:
        bases.append(hf.apache_url())
    except hf.Skip:
        pass
    for base in bases:
        for seg in ["%C0%AF", "%E0%80%AF", "%F4%90%80%80", "%ED%A0%80",
                "ab%FF", "a%01b", "a%7Fb"]:
            for path in ["/api/v1/stock/%s" % seg,
                    "/api/v1/stock/%s/reconcile" % seg,
                    "/api/v1/nothing/%s" % seg]:
                r = hf.call("GET", path, token=_biz(), base=base)
                _utf8(r)
                hf.check(400 <= r.status < 500, "%s: expected a 4xx"
                    % path, r)
                if r.headers.get("X-Request-Id"):  # the worker answered
                    _expect_field(r, 400, "REQ_012", "path")
    # a path in UTF-8 passes the front door, but is not an SKU (the SKU
    # grammar is ASCII): 404, and the path is not echoed
    r = hf.call("GET", "/api/v1/stock/%E6%97%A5-none", token=_biz())
    body = hf.expect_error(r, 404, "INV_001")
    hf.check("\u65e5" not in body["message"], "a path that is not an SKU "
        "is echoed in the message", r)


def test_bad_bytes_in_a_query_value_are_422_naming_it():
    for q in ["%C0%AF", "%ED%A0%80", "x%F4%90%80%80"]:
        r = hf.call("GET", "/api/v1/products?q=" + q)
        _expect_field(r, 422, "REQ_010", "q")
        r = hf.call("GET", "/api/v1/ledger?sku=" + q, token=_biz())
        _expect_field(r, 422, "REQ_010", "sku")
    r = hf.call("GET", "/api/v1/products?%C0%AF=1")
    _expect_field(r, 422, "REQ_010", "query string")


def test_authorization_with_bytes_outside_ascii_is_401_auth_002():
    for tok in ["hfk_\xff\xfe", "hfk_\xc3\xa9", "a.b\x01.c"]:
        r = hf.call("GET", "/api/v1/me",
            headers={"Authorization": "Bearer " + tok})
        _utf8(r)
        hf.expect_error(r, 401, "AUTH_002")


def test_user_agent_is_stored_repaired_and_cut_on_a_character_boundary():
    p = hf.new_product(0)
    for ua, want in [
        ("probe\xff\xc0\xafend", "probe\ufffd\ufffd\ufffdend"),
        ("\u00e9".encode().decode("latin-1") * 300, "\u00e9" * 255),
    ]:
        name = "UA %s" % uuid.uuid4().hex[:8]
        r = hf.call("PATCH", "/api/v1/products/%d" % p["id"], {"name": name},
            token=_admin(), headers={"User-Agent": ua})
        hf.expect_success(r)
        r = hf.call("GET", "/api/v1/audit?entity=product&entity_id=%d"
            "&per_page=1" % p["id"], token=_admin())
        row = hf.expect_success(r)["items"][0]
        hf.expect_eq(row["new_value"]["name"], name, "audited name", r)
        hf.expect_eq(row["user_agent"], want, "stored User-Agent", r)


def test_a_surrogate_stored_before_the_checks_is_repaired_on_the_way_out():
    # MariaDB's utf8mb4 takes ED A0 80; rows from before the edge checks
    # may hold it, and no answer may carry it
    p = hf.new_product(1)
    hf.db_rows("UPDATE products SET name = CONCAT('old ', "
        "CONVERT(UNHEX('EDA080') USING utf8mb4), ' name') WHERE id = %d"
        % p["id"])
    rows = hf.db_rows("SELECT HEX(name) FROM products WHERE id = %d"
        % p["id"])
    if "EDA080" not in rows[0][0]:
        hf.skip("this MariaDB refuses surrogates itself")
    for path, tok in [("/api/v1/products/%d" % p["id"], _admin()),
            ("/api/v1/stock/%s" % p["sku"], _biz())]:
        r = hf.call("GET", path, token=tok)
        _utf8(r)
        data = hf.expect_success(r)
        hf.expect_eq(data["name"], "old \ufffd\ufffd\ufffd name",
            "the name as answered", r)


# ---------------------------------------------------------------- hole 10

def _attrs_of_size(n):
    """An attributes object whose compact JSON is exactly n bytes."""
    base = len(json.dumps({"k": ""}, separators=(",", ":")))
    return {"k": "a" * (n - base)}


def test_attributes_are_capped_at_16_kib_as_json_and_4_levels():
    sku = hf.unique_sku("CAP")
    r = hf.call("POST", "/api/v1/products", {"sku": sku, "name": "n",
        "attributes": _attrs_of_size(16385)}, token=_admin())
    _expect_field(r, 422, "REQ_010", "attributes")
    r = hf.call("GET", "/api/v1/stock/%s" % sku, token=_biz())
    hf.expect_error(r, 404, "INV_001")
    p = hf.new_product(0, sku=sku, attributes=_attrs_of_size(16384))
    path = "/api/v1/products/%d" % p["id"]
    for attrs in [_attrs_of_size(16385), {"a": {"b": {"c": {"d": {}}}}},
            {"a": [[[["deep"]]]]}, {"k" * 65: 1}, {"": 1}]:
        r = hf.call("PATCH", path, {"attributes": attrs}, token=_admin())
        _expect_field(r, 422, "REQ_010", "attributes")
    for attrs in [{"a": {"b": {"c": {"d": 1}}}}, {"k" * 64: [1, [2, []]]}]:
        r = hf.call("PATCH", path, {"attributes": attrs}, token=_admin())
        hf.expect_eq(hf.expect_success(r)["attributes"], attrs,
            "attributes", r)


def test_five_products_with_1_mb_attributes_are_refused_and_lists_work():
    # 1 MB, and the body still under max_body_bytes (1 MiB)
    big = {"blob": "x" * 1000000}
    for _ in range(5):
        r = hf.call("POST", "/api/v1/products", {"sku": hf.unique_sku("MB"),
            "name": "big", "attributes": big}, token=_admin())
        _expect_field(r, 422, "REQ_010", "attributes")
    # newest first: had they been stored, they would be on this page
    hf.expect_success(hf.call("GET", "/api/v1/products?per_page=100"))
    hf.expect_success(hf.call("GET", "/api/v1/products?per_page=100",
        token=_biz()))


def test_rows_over_the_caps_from_before_them_do_not_break_a_list():
    # five products whose attributes (1 MB) and description (60 KB) were
    # written before the caps: the list leaves those out, the product
    # itself still shows them whole
    cat = "old-%s" % uuid.uuid4().hex[:12]
    ids = [hf.new_product(1, category=cat)["id"] for _ in range(5)]
    hf.db_rows("UPDATE products SET attributes = JSON_OBJECT('blob', "
        "REPEAT('x', 1000000)), description = REPEAT('d', 60000) "
        "WHERE id IN (%s)" % ",".join(str(i) for i in ids))
    r = hf.call("GET", "/api/v1/products?category=%s&per_page=100" % cat)
    items = hf.expect_success(r)["items"]
    hf.expect_eq(sorted(i["id"] for i in items), sorted(ids), "listed", r)
    for i in items:
        hf.expect_eq((i["attributes"], i["description"]), ({}, None),
            "an over-cap row's attributes and description in a list", r)
    r = hf.call("GET", "/api/v1/products/%d" % ids[0], token=_admin())
    got = hf.expect_success(r)
    hf.expect_eq((len(got["attributes"]["blob"]), len(got["description"])),
        (1000000, 60000), "the product read alone", r)


def test_description_is_capped_at_16384_bytes():
    sku = hf.unique_sku("DSC")
    r = hf.call("POST", "/api/v1/products", {"sku": sku, "name": "n",
        "description": "d" * 16385}, token=_admin())
    _expect_field(r, 422, "REQ_010", "description")
    p = hf.new_product(0, sku=sku, description="\u00e9" * 8192)
    r = hf.call("PATCH", "/api/v1/products/%d" % p["id"],
        {"description": "d" * 16385}, token=_admin())
    _expect_field(r, 422, "REQ_010", "description")


def test_control_characters_and_long_keys_in_a_body_are_refused():
    p = hf.new_product(0)
    path = "/api/v1/products/%d" % p["id"]
    for name in ["a\x00b", "a\x01b", "esc\x1b[31m", "bell\x07"]:
        r = hf.call("PATCH", path, {"name": name}, token=_admin())
        _expect_field(r, 422, "REQ_010", "name")
    r = hf.call("PATCH", path, {"description": "line 1\nline 2\r\n\tend"},
        token=_admin())
    hf.expect_eq(hf.expect_success(r)["description"],
        "line 1\nline 2\r\n\tend", "description with tab and line breaks", r)
    r = hf.call("PATCH", path, {"k" * 300: 1}, token=_admin())
    _expect_field(r, 422, "REQ_010", "body")
    hf.check("k" * 300 not in r.text, "a 300-byte key was echoed", r)


def test_a_page_of_100_products_at_every_cap_fits_one_request():
    cat = "cap-%s" % uuid.uuid4().hex[:12]
    # quotes are escaped on the way out: twice the stored bytes
    desc = '"' * 16384
    attrs = {"k": "/" * 8180}          # 16 KiB as JSON once escaped
    hf.check(len(json.dumps(attrs, separators=(",", ":")).replace("/",
        "\\/")) <= 16384, "test attributes are over the cap")
    for i in range(100):
        body = {"sku": hf.unique_sku("PG"), "name": '"' * 255,
            "description": desc, "category": cat, "attributes": attrs,
            "location": '"' * 128}
        r = hf.call("POST", "/api/v1/products", body, token=_admin())
        hf.expect_success(r, 201)
    for attempt in ("filled", "cached"):
        r = hf.call("GET", "/api/v1/products?category=%s&per_page=100" % cat,
            timeout=60)
        data = hf.expect_success(r)
        hf.expect_eq(len(data["items"]), 100, "items on the %s page"
            % attempt, r)
        hf.expect_eq(data["items"][0]["description"], desc, "description",
            r)
        hf.expect_eq(data["items"][0]["attributes"], attrs, "attributes", r)
    hf.expect_success(hf.call("GET", "/api/v1/stock?per_page=100",
        token=_biz()))
