"""Issue 17, "Done when": stock per location under attack.

64 clients reserve the last units spread over three places with
allocation and take exactly the units there are (one unit each; three
each, whole lines then split lines; one place named in another case);
locations are made, refused and deactivated by their rules (LOC_001,
LOC_003, LOC_004, LOC_005, the code grammar); a location named in any
case is one place; one SKU in two lines may not name two places, and the
same place spelled twice is one line; a short line names what each place
could give; releases, commits, expiry, refunds and returns put units
back where they left; and a deactivation racing restocks never leaves
units at an inactive place.

After every scenario the ledger is checked per place: each row names its
place, the sums of a place's deltas are its on_hand and reserved, its
last row's after-values are its values, and reconcile is clean.

The locations made here come after `main` in allocation order (priority
1000 and up) and hold only this module's products, so other modules'
allocation is not changed by them.
"""

import collections
import threading
import time
import uuid

import hf

PRIO = 1000


def _biz():
    return hf.inv_business("a6loc")


def _admin():
    return hf.inv_admin()


def _code(tag):
    return "a6-%s-%s" % (tag, uuid.uuid4().hex[:8])


def _location(tag, priority=PRIO, **fields):
    body = {"code": _code(tag), "name": "A6 %s" % tag, "priority": priority}
    body.update(fields)
    r = hf.call("POST", "/api/v1/locations", body, token=_admin())
    data = hf.expect_success(r, 201)
    hf.expect_eq(data["code"], body["code"], "created location's code", r)
    return data["code"]


def _default():
    """Where a move that names no place goes: the first active location in
    allocation order (main, unless another module put one before it)."""
    items = hf.expect_success(hf.call("GET", "/api/v1/locations",
        token=_biz()))["items"]
    return [x["code"] for x in items if x["is_active"]][0]


def _places(sku):
    """{code: (on_hand, reserved, available)} of GET /stock/{sku}."""
    s = hf.stock_of(sku, _biz())
    got = {}
    for p in s["locations"]:
        got[p["location"]] = (p["on_hand"], p["reserved"], p["available"])
    hf.expect_eq((sum(v[0] for v in got.values()), sum(v[1]
        for v in got.values())), (s["on_hand"], s["reserved"]),
        "%s: the product's on_hand and reserved vs the sums of its places"
        % sku)
    return {k: v for k, v in got.items() if v != (0, 0, 0)}


def _restock(sku, qty, location=None, token=None):
    body = {"quantity": qty}
    if location is not None:
        body["location"] = location
    return hf.call("POST", "/api/v1/stock/%s/restock" % hf.sku_path(sku),
        body, token=token or _admin())


def _stocked(places, price=None):
    """A new product with the units of places ({code: n}) at each."""
    fields = {} if price is None else {"price": price}
    sku = hf.new_product(0, **fields)["sku"]
    for code, n in places.items():
        hf.expect_success(_restock(sku, n, code))
    return sku


def _ledger_clean(sku):
    """Every ledger row of sku names a place; per place the deltas sum to
    its values and the newest row's after-values are its values; and
    reconcile is clean."""
    rows = hf.ledger_of(_biz(), sku=sku)
    sums = collections.defaultdict(lambda: [0, 0])
    last = {}
    for r in reversed(rows):                    # oldest first
        hf.check(isinstance(r.get("location"), str) and r["location"],
            "%s: ledger row %s names no place: %r" % (sku, r.get("id"), r))
        s = sums[r["location"]]
        s[0] += r["on_hand_delta"]
        s[1] += r["reserved_delta"]
        hf.expect_eq((r["on_hand_after"], r["reserved_after"]), tuple(s),
            "%s: ledger row %d's after-values at %s vs the running sums"
            % (sku, r["id"], r["location"]))
        last[r["location"]] = tuple(s)
    places = _places(sku)
    hf.expect_eq({k: v[:2] for k, v in places.items()},
        {k: v for k, v in last.items() if v != (0, 0)},
        "%s: places vs the ledger's last after-values" % sku)
    data = hf.reconcile_api(sku, _biz())
    hf.check(data["ok"], "reconcile of %s: %r" % (sku, data["mismatches"]))
    return rows


def _reserve(items, split=False, token=None, ttl=None, ref=None):
    body = {"type": "cart", "items": items}
    if split:
        body["allow_split"] = True
    if ttl is not None:
        body["ttl_seconds"] = ttl
    if ref is not None:
        body["reference_id"] = ref
    return hf.call("POST", "/api/v1/reservations", body,
        token=token or _biz())


def _short_line(r, sku=None):
    hf.expect_error(r, 400, "INV_002")
    lines = r.json["details"]["lines"]
    hf.expect_eq(len(lines), 1, "short lines", r)
    if sku is not None:
        hf.expect_eq(lines[0]["sku"], sku, "the short line's sku", r)
    return lines[0]


# ------------------------------------------------------------- 64 at once

def _keys(clients):
    per_key = max(1, hf.conf_int("rate_general_max", 600) // 2)
    n = min(clients, max(1, -(-clients * 4 // per_key)))
    keys = [hf.new_api_key("business") for _ in range(n)]
    return [keys[i % n] for i in range(clients)]


def _race(body, clients=64):
    """clients threads POST body to /reservations at once (a barrier
    lines them up); the responses."""
    keys = _keys(clients)
    out = [None] * clients
    errors = []
    gate = threading.Barrier(clients)

    def work(i):
        c = hf.KeepAliveClient(keys[i])
        try:
            c.request("GET", "/api/v1/health")
            gate.wait(30)
            out[i] = c.request("POST", "/api/v1/reservations", body)
        except Exception as e:  # noqa: reported below
            errors.append(e)
        finally:
            c.close()

    threads = [threading.Thread(target=work, args=(i,))
        for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    hf.check(not errors, "a client failed: %r" % errors[:3])
    hf.check(all(r is not None for r in out), "a client got no answer")
    for r in out:
        hf.expect_not_5xx(r)
    return out


def _taken(answers):
    """(units per place, refusals) of the race's answers."""
    per = collections.Counter()
    refused = []
    for r in answers:
        if r.status == 201:
            for x in r.json["data"]["reservations"]:
                per[x["location"]] += x["quantity"]
        else:
            refused.append(r)
    return per, refused


def test_64_clients_take_exactly_the_10_units_spread_over_three_places():
    a, b, c = (_location("p%d" % i, PRIO + i) for i in range(3))
    sku = _stocked({a: 5, b: 3, c: 2})
    hf.expect_eq(_places(sku), {a: (5, 0, 5), b: (3, 0, 3), c: (2, 0, 2)},
        "places before")
    out = _race({"type": "cart", "items": [{"sku": sku, "quantity": 1}]})
    per, refused = _taken(out)
    hf.expect_eq(dict(per), {a: 5, b: 3, c: 2}, "units reserved per place "
        "by the 201s")
    hf.expect_eq(len(refused), 54, "refusals")
    for r in refused:
        line = _short_line(r, sku)
        hf.expect_eq((line["requested"], line["available"],
            line["locations"]), (1, 0, []), "a refused line: what each "
            "place could give", r)
    hf.expect_eq(_places(sku), {a: (5, 5, 0), b: (3, 3, 0), c: (2, 2, 0)},
        "places after")
    rows = _ledger_clean(sku)
    hf.expect_eq(collections.Counter(x["location"] for x in rows if
        x["type"] == "reserve"), collections.Counter({a: 5, b: 3, c: 2}),
        "reserve rows per place")
    p = hf.run_program("holdfast-admin", "reconcile", "--sku", sku)
    hf.expect_eq(p.returncode, 0, "holdfast-admin reconcile --sku: %s"
        % (p.stdout + p.stderr)[-400:])


def test_64_clients_three_units_each_whole_lines_then_split_lines():
    a, b, c = (_location("w%d" % i, PRIO + i) for i in range(3))
    # whole lines only: a gives 3, then b gives 3; 2 + 0 + 2 are left and
    # no place has a whole line
    sku = _stocked({a: 5, b: 3, c: 2})
    out = _race({"type": "cart", "items": [{"sku": sku, "quantity": 3}]})
    per, refused = _taken(out)
    hf.expect_eq(dict(per), {a: 3, b: 3}, "whole lines: units per place")
    hf.expect_eq(len(refused), 62, "whole lines: refusals")
    for r in refused:
        line = _short_line(r, sku)
        hf.expect_eq((line["requested"], line["available"]), (3, 2),
            "a refused whole line: requested, the most one place has", r)
        hf.expect_eq(line["locations"], [{"location": a, "available": 2},
            {"location": c, "available": 2}], "what each place could "
            "give", r)
    hf.expect_eq(_places(sku), {a: (5, 3, 2), b: (3, 3, 0), c: (2, 0, 2)},
        "whole lines: places after")
    _ledger_clean(sku)

    # split lines: a 3, b 3, then a 2 + c 1; c's last unit is left
    sku = _stocked({a: 5, b: 3, c: 2})
    out = _race({"type": "cart", "allow_split": True,
        "items": [{"sku": sku, "quantity": 3}]})
    per, refused = _taken(out)
    hf.expect_eq(dict(per), {a: 5, b: 3, c: 1}, "split lines: units per "
        "place")
    hf.expect_eq(len(refused), 61, "split lines: refusals")
    for r in refused:
        line = _short_line(r, sku)
        hf.expect_eq((line["requested"], line["available"],
            line["locations"]), (3, 1, [{"location": c, "available": 1}]),
            "a refused split line", r)
    split = [r for r in out if r.status == 201 and
        len(r.json["data"]["reservations"]) == 2]
    hf.expect_eq(len(split), 1, "answers split over two places")
    hf.expect_eq(sorted((x["location"], x["quantity"])
        for x in split[0].json["data"]["reservations"]), sorted([(a, 2),
        (c, 1)]), "the split answer's reservations")
    hf.expect_eq(_places(sku), {a: (5, 5, 0), b: (3, 3, 0), c: (2, 1, 1)},
        "split lines: places after")
    _ledger_clean(sku)


def test_64_clients_naming_one_place_take_only_its_units():
    a, b, c = (_location("n%d" % i, PRIO + i) for i in range(3))
    sku = _stocked({a: 5, b: 3, c: 2})
    out = _race({"type": "cart", "items": [{"sku": sku, "quantity": 1,
        "location": b.upper()}]})
    per, refused = _taken(out)
    hf.expect_eq(dict(per), {b: 3}, "units per place, b named as %s"
        % b.upper())
    hf.expect_eq(len(refused), 61, "refusals")
    for r in refused:
        line = _short_line(r, sku)
        hf.expect_eq((line["requested"], line["available"],
            line["locations"]), (1, 0, [{"location": a, "available": 5},
            {"location": c, "available": 2}]), "a refused named line", r)
    hf.expect_eq(_places(sku), {a: (5, 0, 5), b: (3, 3, 0), c: (2, 0, 2)},
        "places after")
    _ledger_clean(sku)


# ------------------------------------------------------ locations and codes

def test_location_codes_grammar_case_and_duplicates():
    code = _code("crud")
    r = hf.call("POST", "/api/v1/locations", {"code": code, "name": "Shop",
        "kind": "store", "priority": PRIO}, token=_admin())
    data = hf.expect_success(r, 201)
    hf.expect_eq((data["code"], data["name"], data["kind"],
        data["is_active"], data["priority"], data["frozen_by"]), (code,
        "Shop", "store", True, PRIO, None), "the new location", r)
    # one code however it is spelled
    for other in (code.upper(), code[:3] + code[3:].upper()):
        r = hf.call("POST", "/api/v1/locations", {"code": other,
            "name": "Again"}, token=_admin())
        hf.expect_error(r, 409, "LOC_003")
        hf.expect_eq(r.json["details"]["location"], other, "LOC_003's "
            "location", r)
        r = hf.call("GET", "/api/v1/locations/%s" % other, token=_biz())
        hf.expect_eq(hf.expect_success(r)["code"], code, "GET by %s"
            % other, r)
    # the grammar: letters, digits, . _ -; 1 to 32; no space, no Unicode
    base = uuid.uuid4().hex[:6]
    for bad in ("", " ", " a6" + base, "a6" + base + " ", "a6 " + base,
            "l\u00e4ger" + base, "\u0430" + base, "a6/" + base,
            "a6%" + base, "-a6" + base, "." + base, "x" * 33,
            "a6\t" + base, "a6\u00a0" + base):
        r = hf.call("POST", "/api/v1/locations", {"code": bad,
            "name": "Bad"}, token=_admin())
        hf.expect_error(r, 422, "REQ_010")
        hf.expect_eq(r.json["details"]["field"], "code", "the field of a "
            "bad code %r" % bad, r)
    for bad in ({"code": None, "name": "x"}, {"code": 7, "name": "x"},
            {"name": "x"}, {"code": "a6" + base}, {"code": "a6" + base,
            "name": ""}, {"code": "a6" + base, "name": "n" * 101},
            {"code": "a6" + base, "name": "x", "kind": "bin"},
            {"code": "a6" + base, "name": "x", "priority": 10 ** 7},
            {"code": "a6" + base, "name": "x", "is_active": "yes"},
            {"code": "a6" + base, "name": "x", "frozen_by": 1}):
        r = hf.call("POST", "/api/v1/locations", bad, token=_admin())
        hf.check(r.status in (400, 422) and r.json.get("error") in
            ("REQ_009", "REQ_010"), "POST /locations %r: expected 400 "
            "REQ_009 or 422 REQ_010, got %d %s" % (bad, r.status,
            r.json.get("error")), r)
    # 32 characters are a code, 33 are not; "001" and "1" are two codes
    long32 = ("a6" + uuid.uuid4().hex * 2)[:32]
    hf.expect_success(hf.call("POST", "/api/v1/locations", {"code": long32,
        "name": "Long", "priority": PRIO}, token=_admin()), 201)
    r = hf.call("GET", "/api/v1/locations/%s" % (long32 + "x"),
        token=_biz())
    hf.expect_error(r, 404, "LOC_001")
    n = str(int(time.time() * 1000) % 10 ** 9)
    for c in ("00" + n, n):
        hf.expect_success(hf.call("POST", "/api/v1/locations", {"code": c,
            "name": "Numbered %s" % c, "priority": PRIO}, token=_admin()),
            201)
    for c in ("00" + n, n, "0" + n):
        r = hf.call("GET", "/api/v1/locations/%s" % c, token=_biz())
        if c == "0" + n:
            hf.expect_error(r, 404, "LOC_001")
        else:
            hf.expect_eq(hf.expect_success(r)["code"], c, "GET %s" % c, r)
    sku = _stocked({"00" + n: 2, n: 1})
    hf.expect_eq(_places(sku), {"00" + n: (2, 0, 2), n: (1, 0, 1)},
        "units at 00%s and at %s" % (n, n))
    _ledger_clean(sku)
    # a code nobody made, in the path and in a body
    for path in ("/api/v1/locations/a6-none-%s" % base,
            "/api/v1/locations/%20main", "/api/v1/locations/ma%20in"):
        r = hf.call("GET", path, token=_biz())
        hf.expect_error(r, 404, "LOC_001")
    r = _restock(sku, 1, "a6-none-" + base)
    hf.expect_error(r, 404, "LOC_001")
    hf.expect_eq(r.json["details"]["location"], "a6-none-" + base,
        "LOC_001 names the code", r)
    # only an admin makes or changes one
    r = hf.call("POST", "/api/v1/locations", {"code": "a6x" + base,
        "name": "x"}, token=_biz())
    hf.expect_error(r, 403, "AUTH_005")
    r = hf.patch("/api/v1/locations/%s" % code, {"name": "x"},
        headers={"Authorization": "Bearer " + _biz()})
    hf.expect_error(r, 403, "AUTH_005")


def test_deactivating_a_place_and_what_an_inactive_place_refuses():
    a = _location("deact")
    sku = _stocked({a: 2})
    r = hf.patch("/api/v1/locations/%s" % a.upper(), {"is_active": False},
        headers={"Authorization": "Bearer " + _admin()})
    hf.expect_error(r, 409, "LOC_005")
    hf.expect_eq(r.json["details"], {"location": a, "on_hand": 2},
        "LOC_005's details", r)
    # reserved units are units there too
    res = hf.expect_success(_reserve([{"sku": sku, "quantity": 2,
        "location": a}]), 201)["reservations"][0]
    hf.expect_success(hf.call("POST", "/api/v1/reservations/%d/commit"
        % res["id"], token=_biz()))
    hf.expect_eq(_places(sku), {}, "places once the units are sold")
    r = hf.patch("/api/v1/locations/%s" % a, {"is_active": False,
        "name": "Closed"}, headers={"Authorization": "Bearer " + _admin()})
    data = hf.expect_success(r)
    hf.expect_eq((data["is_active"], data["name"]), (False, "Closed"),
        "the deactivated place", r)
    # no new units there, by any move that names it
    r = _restock(sku, 1, a)
    hf.expect_error(r, 409, "LOC_004")
    hf.expect_eq(r.json["details"]["location"], a, "LOC_004's location", r)
    r = hf.call("POST", "/api/v1/stock/%s/adjust" % hf.sku_path(sku),
        {"delta": 1, "reason": "found", "location": a.upper()},
        token=_admin())
    hf.expect_error(r, 409, "LOC_004")
    r = _reserve([{"sku": sku, "quantity": 1, "location": a}])
    hf.expect_error(r, 409, "LOC_004")
    r = hf.call("POST", "/api/v1/stock/%s/deduct" % hf.sku_path(sku),
        {"quantity": 1, "location": a}, token=_admin())
    hf.expect_error(r, 409, "LOC_004")
    # it stays listed and readable; and can open again
    codes = {x["code"]: x for x in hf.expect_success(hf.call("GET",
        "/api/v1/locations", token=_biz()))["items"]}
    hf.expect_eq(codes[a]["is_active"], False, "the list's entry for %s"
        % a)
    hf.expect_success(hf.patch("/api/v1/locations/%s" % a,
        {"is_active": True}, headers={"Authorization": "Bearer " +
        _admin()}))
    hf.expect_success(_restock(sku, 1, a))
    hf.expect_eq(_places(sku), {a: (1, 0, 1)}, "after opening again")
    _ledger_clean(sku)


def test_allocation_follows_priority_and_a_changed_priority():
    a = _location("pr-a", PRIO + 20)
    b = _location("pr-b", PRIO + 10)
    c = _location("pr-c", PRIO + 10)        # same priority: older first
    sku = _stocked({a: 4, b: 4, c: 4})
    listed = [x["code"] for x in hf.expect_success(hf.call("GET",
        "/api/v1/locations", token=_biz()))["items"]]
    hf.check(listed.index(b) < listed.index(c) < listed.index(a),
        "GET /locations is not in allocation order: %r" % [x for x in
        listed if x in (a, b, c)])
    got = []
    for _ in range(3):
        r = hf.expect_success(_reserve([{"sku": sku, "quantity": 3}]), 201)
        got.append(r["reservations"][0]["location"])
    hf.expect_eq(got, [b, c, a], "places of three whole lines")
    hf.expect_success(hf.patch("/api/v1/locations/%s" % a,
        {"priority": PRIO + 1}, headers={"Authorization": "Bearer " +
        _admin()}))
    r = hf.expect_success(_reserve([{"sku": sku, "quantity": 1}]), 201)
    hf.expect_eq(r["reservations"][0]["location"], a, "the place after %s "
        "moved first" % a)
    # a deduct that names no place takes a whole line where it is
    r = hf.call("POST", "/api/v1/stock/%s/deduct" % hf.sku_path(sku),
        {"quantity": 1}, token=_admin())
    hf.expect_eq(hf.expect_success(r)["location"], b, "the deduct's place",
        r)
    hf.expect_eq(_places(sku), {a: (4, 4, 0), b: (3, 3, 0), c: (4, 3, 1)},
        "places after")
    _ledger_clean(sku)


# ------------------------------------------------- spellings and two lines

def test_a_place_named_in_other_spellings_is_one_place():
    a = _location("case")
    sku = _stocked({a: 6}, price="2.00")
    hf.expect_success(_restock(sku, 2, a.upper()))
    hf.expect_success(_restock(sku, 2, a.capitalize()))
    hf.expect_eq(_places(sku), {a: (10, 0, 10)}, "restocks in three "
        "spellings")
    r = hf.expect_success(_reserve([{"sku": sku, "quantity": 1,
        "location": a.upper()}]), 201)
    hf.expect_eq(r["reservations"][0]["location"], a, "the reservation's "
        "place, named %s" % a.upper())
    r = hf.call("POST", "/api/v1/orders", {"items": [{"sku": sku.lower(),
        "quantity": 2, "location": a.title()}]}, token=_biz())
    o = hf.expect_success(r, 201)
    hf.expect_eq([(x["sku"], x["quantity"], x["location"])
        for x in o["lines"]], [(sku, 2, a)], "the order's line", r)
    hf.expect_eq(_places(sku), {a: (10, 3, 7)}, "places after")
    # main, spelled "MAIN", "Main" and "main"
    m = _stocked({"MAIN": 1})
    hf.expect_success(_restock(m, 1, "Main"))
    hf.expect_success(_restock(m, 1, "main"))
    hf.expect_eq(_places(m), {"main": (3, 0, 3)}, "main in three spellings")
    r = hf.expect_success(_reserve([{"sku": m, "quantity": 3,
        "location": "mAiN"}]), 201)
    hf.expect_eq(r["reservations"][0]["location"], "main", "reserved at")
    _ledger_clean(sku)
    _ledger_clean(m)


def test_one_sku_in_two_lines_two_places_refused_one_place_summed():
    a = _location("two-a")
    b = _location("two-b", PRIO + 1)
    sku = _stocked({a: 3, b: 3})
    before = _places(sku)
    for items in ([{"sku": sku, "quantity": 1, "location": a},
            {"sku": sku.lower(), "quantity": 1, "location": b}],
            [{"sku": sku, "quantity": 1, "location": a},
            {"sku": sku, "quantity": 1}],
            [{"sku": sku, "quantity": 1},
            {"sku": sku.upper(), "quantity": 1, "location": "main"}]):
        for path in ("/api/v1/reservations", "/api/v1/orders"):
            body = {"items": items}
            if path.endswith("reservations"):
                body["type"] = "cart"
            r = hf.call("POST", path, body, token=_biz())
            hf.expect_error(r, 422, "REQ_010")
            hf.expect_eq(r.json["details"]["field"], "items", "the field",
                r)
    hf.expect_eq(_places(sku), before, "places after the refusals")
    # "S" at "a" and "s" at "A": one line of 4, more than a has: refused
    r = _reserve([{"sku": sku, "quantity": 2, "location": a},
        {"sku": sku.lower(), "quantity": 2, "location": a.upper()}])
    line = _short_line(r, sku)
    hf.expect_eq((line["requested"], line["available"]), (4, 3),
        "the summed line", r)
    r = hf.call("POST", "/api/v1/orders", {"items": [{"sku": sku,
        "quantity": 2, "location": a}, {"sku": sku.lower(), "quantity": 2,
        "location": a.upper()}]}, token=_biz())
    _short_line(r, sku)
    # 2 + 1 fit: one reservation of 3 at a
    r = hf.expect_success(_reserve([{"sku": sku, "quantity": 2,
        "location": a}, {"sku": sku.lower(), "quantity": 1,
        "location": a.upper()}]), 201)
    hf.expect_eq([(x["sku"], x["quantity"], x["location"])
        for x in r["reservations"]], [(sku, 3, a)], "the summed line")
    # with allow_split, two lines naming no place are one line too
    r = hf.expect_success(_reserve([{"sku": sku, "quantity": 2},
        {"sku": sku.lower(), "quantity": 1}], split=True), 201)
    hf.expect_eq([(x["quantity"], x["location"])
        for x in r["reservations"]], [(3, b)], "a summed split line")
    hf.expect_eq(_places(sku), {a: (3, 3, 0), b: (3, 3, 0)},
        "places after")
    _ledger_clean(sku)


def test_a_short_line_names_what_each_place_could_give():
    a, b, c = (_location("sh%d" % i, PRIO + i) for i in range(3))
    sku = _stocked({a: 2, b: 1, c: 4})
    other = _stocked({a: 1})
    hf.expect_success(_reserve([{"sku": sku, "quantity": 1,
        "location": c}]), 201)
    r = _reserve([{"sku": other, "quantity": 1}, {"sku": sku,
        "quantity": 4}])
    line = _short_line(r, sku)
    hf.expect_eq((line["requested"], line["available"], line["locations"]),
        (4, 3, [{"location": a, "available": 2}, {"location": b,
        "available": 1}, {"location": c, "available": 3}]),
        "the short line", r)
    r = _reserve([{"sku": sku, "quantity": 7}], split=True)
    line = _short_line(r, sku)
    hf.expect_eq((line["requested"], line["available"]), (7, 6),
        "a short split line: all places together", r)
    r = _reserve([{"sku": sku, "quantity": 3, "location": a}])
    line = _short_line(r, sku)
    hf.expect_eq((line["requested"], line["available"]), (3, 2),
        "a short named line: what the named place has", r)
    r = hf.call("POST", "/api/v1/stock/%s/deduct" % hf.sku_path(sku),
        {"quantity": 4}, token=_admin())
    line = _short_line(r, sku)
    hf.expect_eq(line["locations"], [{"location": a, "available": 2},
        {"location": b, "available": 1}, {"location": c, "available": 3}],
        "a deduct never splits; its refusal names each place", r)
    # an adjust corrects one place's count: its refusal names that place
    for body, place, has in (({"delta": -3, "reason": "lost",
            "location": a.upper()}, a, 2), ({"delta": -1, "reason": "lost"},
            _default(), 0)):
        r = hf.call("POST", "/api/v1/stock/%s/adjust" % hf.sku_path(sku),
            body, token=_admin())
        line = _short_line(r, sku)
        hf.expect_eq((line["requested"], line["available"],
            line["locations"]), (-body["delta"], has, [{"location": place,
            "available": has}]), "an adjust's refusal", r)
    hf.expect_eq(_places(other), {a: (1, 0, 1)}, "nothing taken of the "
        "line that fit")
    _ledger_clean(sku)


# ----------------------------------------------------- units come back home

def test_release_commit_and_expiry_return_units_to_their_place():
    a, b = _location("back-a"), _location("back-b", PRIO + 1)
    sku = _stocked({a: 2, b: 3})
    ref = "a6-back-" + uuid.uuid4().hex[:8]
    r = hf.expect_success(_reserve([{"sku": sku, "quantity": 4}],
        split=True, ref=ref), 201)
    hf.expect_eq(sorted((x["location"], x["quantity"])
        for x in r["reservations"]), [(a, 2), (b, 2)], "the split")
    hf.expect_success(hf.call("POST", "/api/v1/reservations/release",
        {"reference_id": ref}, token=_biz()))
    hf.expect_eq(_places(sku), {a: (2, 0, 2), b: (3, 0, 3)},
        "after the release")
    r = hf.expect_success(_reserve([{"sku": sku, "quantity": 3,
        "location": b}]), 201)
    hf.expect_success(hf.call("POST", "/api/v1/reservations/%d/commit"
        % r["reservations"][0]["id"], token=_biz()))
    hf.expect_eq(_places(sku), {a: (2, 0, 2)}, "after the commit at b")
    released = [x for x in hf.ledger_of(_biz(), sku=sku) if x["type"] in
        ("release", "deduct")]
    hf.expect_eq(sorted((x["type"], x["location"], x["reserved_delta"])
        for x in released), [("deduct", b, -3), ("release", a, -2),
        ("release", b, -2)], "the ending rows' places")
    # expiry, lazily (a taker short of units) and by holdfast-expire
    hf.expect_success(_restock(sku, 1, b))
    r1 = hf.expect_success(_reserve([{"sku": sku, "quantity": 2,
        "location": a}], ttl=1), 201)["reservations"][0]
    r2 = hf.expect_success(_reserve([{"sku": sku, "quantity": 1,
        "location": b}], ttl=1), 201)["reservations"][0]
    hf.expect_eq(_places(sku), {a: (2, 2, 0), b: (1, 1, 0)}, "reserved")
    time.sleep(2.2)
    r = hf.expect_success(_reserve([{"sku": sku, "quantity": 2,
        "location": a.upper()}]), 201)
    hf.expect_eq(r["reservations"][0]["location"], a, "the new one's place")
    p = hf.run_program("holdfast-expire")
    hf.expect_eq(p.returncode, 0, "holdfast-expire: %s" % (p.stdout +
        p.stderr)[-400:])
    for res, place in ((r1, a), (r2, b)):
        got = hf.expect_success(hf.call("GET", "/api/v1/reservations/%d"
            % res["id"], token=_biz()))
        hf.expect_eq((got["status"], got["location"]), ("expired", place),
            "reservation %d" % res["id"])
    hf.expect_eq(_places(sku), {a: (2, 2, 0), b: (1, 0, 1)}, "after expiry")
    _ledger_clean(sku)


def test_an_order_refund_restocks_where_the_order_took_its_units():
    a, b = _location("ord-a"), _location("ord-b", PRIO + 1)
    sku = _stocked({a: 1, b: 5}, price="3.00")
    o = hf.expect_success(hf.call("POST", "/api/v1/orders", {"items": [{
        "sku": sku, "quantity": 2}]}, token=_biz()), 201)
    hf.expect_eq([x["location"] for x in o["lines"]], [b], "the line's place")
    o2 = hf.expect_success(hf.call("POST", "/api/v1/orders", {"items": [{
        "sku": sku, "quantity": 1, "location": a}]}, token=_biz()), 201)
    for x in (o, o2):
        hf.expect_success(hf.call("POST", "/api/v1/orders/%d/pay" % x["id"],
            token=_admin()))
    hf.expect_eq(_places(sku), {b: (3, 0, 3)}, "after paying")
    for x in (o, o2):
        r = hf.call("POST", "/api/v1/orders/%d/refund" % x["id"],
            token=_admin())
        hf.expect_eq(hf.expect_success(r)["status"], "refunded", "status",
            r)
    hf.expect_eq(_places(sku), {a: (1, 0, 1), b: (5, 0, 5)},
        "after the refunds")
    rows = [x for x in hf.ledger_of(_biz(), sku=sku) if x["reason"] ==
        "refund"]
    hf.expect_eq(sorted((x["reference_id"], x["location"], x["on_hand_delta"])
        for x in rows), sorted([(str(o["id"]), b, 2), (str(o2["id"]), a,
        1)]), "the refund rows")
    _ledger_clean(sku)


def _user():
    email = hf.unique_email("a6loc")
    r = hf.call("POST", "/api/v1/users", {"email": email,
        "password": hf.new_password(), "role": "user",
        "display_name": "Reader"}, token=_admin())
    return hf.expect_success(r, 201)["id"]


def test_a_loan_comes_back_where_it_went_out():
    a, b = _location("loan-a", kind="branch"), _location("loan-b",
        PRIO + 1, kind="branch")
    sku = _stocked({b: 1})
    uid = _user()
    r = hf.call("POST", "/api/v1/loans", {"items": [{"sku": sku}],
        "user_id": uid}, token=_admin())
    (loan,) = hf.expect_success(r, 201)["loans"]
    hf.expect_eq(loan["location"], b, "the loan's place", r)
    # meanwhile a copy arrives at a; the return still goes to b
    hf.expect_success(_restock(sku, 1, a))
    r = hf.call("POST", "/api/v1/loans/%d/return" % loan["id"],
        token=_admin())
    got = hf.expect_success(r)
    hf.expect_eq((got["status"], got["location"]), ("returned", b),
        "the returned loan", r)
    hf.expect_eq(_places(sku), {a: (1, 0, 1), b: (1, 0, 1)}, "after the "
        "return")
    back = [x for x in hf.ledger_of(_biz(), sku=sku) if x["reason"] ==
        "return"]
    hf.expect_eq([(x["location"], x["on_hand_delta"]) for x in back],
        [(b, 1)], "the return's row")
    _ledger_clean(sku)


# ------------------------------------------------------------ two at once

def test_deactivation_racing_restocks_never_strands_units():
    """Restocks into an empty place and its deactivation at once, round
    after round: either the deactivation saw the units (LOC_005), or the
    restocks that came after it were refused (LOC_004); an inactive place
    never holds units, and every 200 is a unit there."""
    clients = 8
    keys = _keys(clients)
    for rnd in range(12):
        a = _location("race%d" % rnd)
        sku = hf.new_product(0)["sku"]
        gate = threading.Barrier(clients + 1)
        lock = threading.Lock()
        answers = collections.Counter()
        errors = []
        patched = []

        def restock(i):
            c = hf.KeepAliveClient(keys[i])
            try:
                c.request("GET", "/api/v1/health")
                gate.wait(30)
                for _ in range(3):
                    r = c.request("POST", "/api/v1/stock/%s/restock"
                        % hf.sku_path(sku), {"quantity": 1, "location": a})
                    with lock:
                        answers[(r.status, r.json.get("error"))] += 1
            except Exception as e:  # noqa: reported below
                errors.append(e)
            finally:
                c.close()

        def deactivate():
            c = hf.KeepAliveClient(_admin())
            try:
                c.request("GET", "/api/v1/health")
                gate.wait(30)
                time.sleep(0.002 * (rnd % 4))
                patched.append(c.request("PATCH", "/api/v1/locations/%s"
                    % a, {"is_active": False}))
            except Exception as e:  # noqa: reported below
                errors.append(e)
            finally:
                c.close()

        threads = [threading.Thread(target=restock, args=(i,))
            for i in range(clients)] + [threading.Thread(target=deactivate)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        hf.check(not errors and patched, "a client failed: %r" % errors[:2])
        (r,) = patched
        hf.check(set(answers) <= {(200, None), (409, "LOC_004")},
            "restock answers: %r" % dict(answers))
        loc = hf.expect_success(hf.call("GET", "/api/v1/locations/%s" % a,
            token=_biz()))
        units = _places(sku).get(a, (0, 0, 0))[0]
        what = "round %d: PATCH %d, restocks %r, units at %s: %d" % (rnd,
            r.status, dict(answers), a, units)
        if r.status == 200:
            hf.check(not loc["is_active"] and units == 0, "an inactive "
                "place holds units: " + what)
        else:
            hf.expect_error(r, 409, "LOC_005")
            hf.check(loc["is_active"] and answers[(409, "LOC_004")] == 0,
                "refused deactivation: " + what)
        hf.expect_eq(units, answers[(200, None)], "units vs 200s: " + what)
        _ledger_clean(sku)


def test_a_refund_or_return_to_a_place_closed_since_goes_to_the_default():
    """Units sold or lent from a place that was emptied and deactivated
    since come back to the default place (the first active one):
    never to an inactive place, and the refund or return is not
    refused."""
    a = _location("closed", kind="branch")
    sku = _stocked({a: 2}, price="1.00")
    o = hf.expect_success(hf.call("POST", "/api/v1/orders", {"items": [{
        "sku": sku, "quantity": 1}]}, token=_biz()), 201)
    hf.expect_success(hf.call("POST", "/api/v1/orders/%d/pay" % o["id"],
        token=_admin()))
    uid = _user()
    (loan,) = hf.expect_success(hf.call("POST", "/api/v1/loans", {"items":
        [{"sku": sku}], "user_id": uid}, token=_admin()), 201)["loans"]
    hf.expect_eq((o["lines"][0]["location"], loan["location"]), (a, a),
        "where the order and the loan took their units")
    hf.expect_eq(_places(sku), {}, "places once both are out")
    hf.expect_success(hf.patch("/api/v1/locations/%s" % a,
        {"is_active": False}, headers={"Authorization": "Bearer " +
        _admin()}))
    r = hf.call("POST", "/api/v1/orders/%d/refund" % o["id"],
        token=_admin())
    hf.expect_eq(hf.expect_success(r)["status"], "refunded", "refund", r)
    r = hf.call("POST", "/api/v1/loans/%d/return" % loan["id"],
        token=_admin())
    got = hf.expect_success(r)
    hf.expect_eq((got["status"], got["location"]), ("returned", a),
        "the loan (location: where it went out)", r)
    home = _default()
    hf.expect_eq(_places(sku), {home: (2, 0, 2)}, "after the refund and "
        "the return")
    rows = [x for x in hf.ledger_of(_biz(), sku=sku) if x["type"] ==
        "restock" and x["reason"] in ("refund", "return")]
    hf.expect_eq(sorted((x["reason"], x["location"]) for x in rows),
        [("refund", home), ("return", home)], "the rows that brought "
        "them back")
    _ledger_clean(sku)


def test_reconcile_sees_a_unit_moved_between_places_behind_the_ledger():
    """Reconcile checks each place, not only the product's sums: a unit
    moved from one place to another with no ledger row (the product's
    totals unchanged) is reported at both, and gone once put back."""
    a, b = _location("rec-a"), _location("rec-b", PRIO + 1)
    sku = _stocked({a: 3, b: 1})
    pid = hf.stock_of(sku, _biz())["product_id"]

    def move(src, dst):
        hf.db_rows("UPDATE location_stock ls JOIN locations s ON s.code = "
            "%s JOIN locations d ON d.code = %s SET ls.on_hand = "
            "ls.on_hand + IF(ls.location_id = d.id, 1, -1) WHERE "
            "ls.product_id = %d AND ls.location_id IN (s.id, d.id)"
            % (hf.sql_str(src), hf.sql_str(dst), pid))

    move(a, b)
    try:
        data = hf.reconcile_api(sku, _biz())
        hf.check(not data["ok"], "reconcile is ok with a unit moved "
            "from %s to %s behind the ledger" % (a, b))
        got = sorted((m["detail"], m["expected"], m["actual"])
            for m in data["mismatches"] if m["invariant"].startswith("2:"))
        hf.expect_eq(got, [("location %s" % a, 3, 2), ("location %s" % b,
            1, 2)], "the on_hand mismatches, per place (%r)"
            % data["mismatches"])
        hf.check(not any("sum over locations" in m["invariant"]
            for m in data["mismatches"]), "the product's sums were not "
            "changed, yet: %r" % data["mismatches"])
        p = hf.run_program("holdfast-admin", "reconcile", "--sku", sku)
        hf.check(p.returncode == 1 and p.stdout.count("MISMATCH") >= 2,
            "holdfast-admin reconcile --sku: %s" % (p.stdout +
            p.stderr)[-600:])
    finally:
        move(b, a)
    _ledger_clean(sku)


def test_a_frozen_place_refuses_moves_but_releases_and_is_skipped():
    """The core's freeze (a stocktake sets frozen_by; set here in the
    database, as no route of this module freezes): every move at the
    place is LOC_002 naming the stocktake, except a release; allocation
    skips it and a short line does not offer it."""
    a, b = _location("frz-a"), _location("frz-b", PRIO + 1)
    sku = _stocked({a: 3, b: 1})
    held = hf.expect_success(_reserve([{"sku": sku, "quantity": 1,
        "location": a}]), 201)["reservations"][0]
    try:
        hf.db_rows("UPDATE locations SET frozen_by = 987654321 WHERE "
            "code = %s" % hf.sql_str(a))
    except hf.TestFailure as e:
        # a later migration may tie frozen_by to a stocktake row
        hf.skip("cannot set frozen_by by hand (%s); the stocktake tests "
            "freeze through the API" % str(e)[-200:])
    try:
        for r in (_restock(sku, 1, a),
                _reserve([{"sku": sku, "quantity": 1, "location": a}]),
                hf.call("POST", "/api/v1/stock/%s/deduct" % hf.sku_path(sku),
                    {"quantity": 1, "location": a.upper()}, token=_admin()),
                hf.call("POST", "/api/v1/stock/%s/adjust" % hf.sku_path(sku),
                    {"delta": -1, "reason": "x", "location": a},
                    token=_admin()),
                hf.call("POST", "/api/v1/reservations/%d/commit"
                    % held["id"], token=_biz())):
            hf.expect_error(r, 409, "LOC_002")
            hf.expect_eq(r.json["details"], {"location": a,
                "stocktake_id": 987654321}, "LOC_002's details", r)
        r = hf.expect_success(_reserve([{"sku": sku, "quantity": 1}]), 201)
        hf.expect_eq(r["reservations"][0]["location"], b, "allocation "
            "past the frozen place")
        line = _short_line(_reserve([{"sku": sku, "quantity": 1}]), sku)
        hf.expect_eq(line["locations"], [], "a short line offers no "
            "frozen place")
        hf.expect_success(hf.call("POST", "/api/v1/reservations/%d/release"
            % held["id"], token=_biz()))
    finally:
        hf.db_rows("UPDATE locations SET frozen_by = NULL WHERE code = %s"
            % hf.sql_str(a))
    hf.expect_eq(_places(sku), {a: (3, 0, 3), b: (1, 1, 0)}, "places after")
    _ledger_clean(sku)


def test_crossing_batches_over_places_never_oversell_and_add_up():
    """Clients reserve crossing batches of two SKUs at three places (named
    in any case, left to allocation, split), and release, commit or keep
    them: no 5xx, no place below zero, and per place and SKU the units
    kept and sold add up to what the 201s and commits said."""
    a, b, c = (_location("x%d" % i, PRIO + i) for i in range(3))
    s1 = _stocked({a: 6, b: 6, c: 6})
    s2 = _stocked({a: 6, b: 6, c: 6})
    patterns = [
        [(s1, 1, a), (s2, 1, None)],
        [(s2.lower(), 2, b.upper()), (s1, 1, c)],
        [(s1, 2, None), (s2, 1, a.upper())],
        [(s2, 3, None)],
        [(s1, 1, b), (s1.upper(), 1, b.upper())],
    ]
    clients, rounds = 16, 12
    keys = _keys(clients)
    lock = threading.Lock()
    kept = collections.Counter()
    sold = collections.Counter()
    answers = collections.Counter()
    errors = []

    def work(i):
        cl = hf.KeepAliveClient(keys[i])
        try:
            for j in range(rounds):
                items = [{"sku": s, "quantity": q} if loc is None else
                    {"sku": s, "quantity": q, "location": loc}
                    for s, q, loc in patterns[(i + j) % len(patterns)]]
                body = {"type": "cart", "items": items}
                if (i + j) % 3 == 0:
                    body["allow_split"] = True
                r = cl.request("POST", "/api/v1/reservations", body)
                with lock:
                    answers[(r.status, r.json.get("error"))] += 1
                if r.status != 201:
                    continue
                res = r.json["data"]["reservations"]
                action = ("release", "commit", None)[j % 3]
                if action:
                    r2 = cl.request("POST", "/api/v1/reservations/%s"
                        % action, {"reference_id":
                        r.json["data"]["reference_id"]})
                    with lock:
                        answers[("end", r2.status)] += 1
                    if r2.status != 200:
                        action = None
                with lock:
                    for x in res:
                        k = (x["sku"], x["location"])
                        if action == "commit":
                            sold[k] += x["quantity"]
                        elif action is None:
                            kept[k] += x["quantity"]
        except Exception as e:  # noqa: reported below
            errors.append(e)
        finally:
            cl.close()

    threads = [threading.Thread(target=work, args=(i,))
        for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    hf.check(not errors, "a client failed: %r" % errors[:2])
    hf.check(set(answers) <= {(201, None), (400, "INV_002"), ("end", 200)},
        "answers: %r" % dict(answers))
    hf.check(answers[(201, None)] > 0, "nothing was reserved: %r"
        % dict(answers))
    for sku in (s1, s2):
        got = _places(sku)
        for p in (a, b, c):
            on, res, _ = got.get(p, (0, 0, 0))
            hf.expect_eq((on, res), (6 - sold[(sku, p)], kept[(sku, p)]),
                "%s at %s: (on_hand, reserved) vs the answers (%r)"
                % (sku, p, dict(answers)))
        _ledger_clean(sku)
