"""Stock at any past moment (issue 17, item 5): GET /api/v1/stock/{sku}
and GET /api/v1/stock with ?at= (an ISO 8601 moment) or ?ledger_id=N (right
after ledger row N), and ?location=; GET /api/v1/ledger?location=.

One history, made once: a product P that is restocked, deducted, adjusted,
reserved, released and committed at three locations (main and two of the
test's own), with a second product Q moved in between (so that ledger ids
of another product fall between P's rows).  Every answer is compared with
a replay of P's ledger rows (GET /api/v1/ledger?sku=): per location, the
sums of on_hand_delta and reserved_delta over the rows with created_at <=
the moment (or id <= N); the place's ledger_id is the last of those rows.
"""

import calendar
import time
import uuid
from urllib.parse import quote

import hf

API = "/api/v1"
_H = {}


def _biz():
    return hf.inv_business("tA3")


def _ms(iso):
    """Epoch milliseconds of "YYYY-MM-DDTHH:MM:SS.mmmZ"."""
    return calendar.timegm(time.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S")) * \
        1000 + int(iso[20:23])


def _iso(ms):
    return "%s.%03dZ" % (time.strftime("%Y-%m-%dT%H:%M:%S",
        time.gmtime(ms // 1000)), ms % 1000)


def _q(v):
    return quote(v, safe="")


def _get(path, token=None):
    return hf.call("GET", API + path, token=token or _biz())


def _ok(path, token=None):
    r = _get(path, token)
    return hf.expect_success(r), r


def _move(sku, action, body, token=None):
    r = hf.call("POST", "%s/stock/%s/%s" % (API, hf.sku_path(sku), action),
        body, token=token or _biz())
    return hf.expect_success(r)["ledger_id"]


def _reserve(sku, qty, loc):
    r = hf.reserve([{"sku": sku, "quantity": qty, "location": loc}],
        token=_biz(), ttl=3600)
    return hf.expect_success(r, 201)["reservations"][0]["id"]


def _end(rid, action):
    r = hf.call("POST", "%s/reservations/%d/%s" % (API, rid, action),
        token=_biz())
    hf.expect_success(r)


def _pause():
    time.sleep(0.02)    # created_at of the next row a few ms later


def history():
    """The shared history (made on first use): locations E and W, products
    P and Q, and P's and Q's ledger rows oldest first."""
    if _H:
        return _H
    tag = uuid.uuid4().hex[:8]
    locs = []
    for side, prio in (("e", 601), ("w", 602)):
        code = "a3%s-%s" % (side, tag)
        r = hf.call("POST", API + "/locations", {"code": code,
            "name": "A3 %s" % side, "kind": "store", "priority": prio},
            token=hf.inv_admin())
        hf.expect_success(r, 201)
        locs.append(code)
    e, w = locs
    # "0-" sorts before other SKUs: P and Q are on the first page of /stock
    p = hf.new_product(0, sku="0-A3-%s-p" % tag)["sku"]
    q = hf.new_product(0, sku="0-A3-%s-q" % tag)["sku"]
    # every move names its location: which one is first in allocation
    # order is other tests' business (test_95 changes priorities)
    _move(p, "restock", {"quantity": 10, "location": "main"})
    _pause()
    _move(p, "restock", {"quantity": 6, "location": e})
    _pause()
    _move(p, "restock", {"quantity": 4, "location": w})
    _pause()
    _move(q, "restock", {"quantity": 1, "location": w})
    _pause()
    ra = _reserve(p, 3, e)
    _pause()
    _move(p, "deduct", {"quantity": 2, "location": "main"})
    _pause()
    rb = _reserve(p, 4, "main")
    _pause()
    _move(q, "restock", {"quantity": 2, "location": "main"})
    _pause()
    _end(ra, "release")
    _pause()
    _end(rb, "commit")
    _pause()
    _move(p, "adjust", {"delta": -1, "reason": "A3 count", "location": w},
        token=hf.inv_admin())
    _pause()
    _move(p, "restock", {"quantity": 3, "location": e})
    _pause()
    _reserve(p, 2, w)
    _pause()
    _move(p, "deduct", {"quantity": 1, "location": e})
    rows_p = list(reversed(hf.ledger_of(_biz(), sku=p)))
    rows_q = list(reversed(hf.ledger_of(_biz(), sku=q)))
    hf.check(len(rows_p) == 12, "P has %d ledger rows, not 12" % len(rows_p))
    hf.check(len(rows_q) == 2, "Q has %d ledger rows, not 2" % len(rows_q))
    _H.update({"e": e, "w": w, "p": p, "q": q, "rows_p": rows_p,
        "rows_q": rows_q})
    return _H


def replay(rows, upto):
    """{location: (on_hand, reserved, last ledger id)} over the rows that
    upto(row) keeps, summing their deltas."""
    out = {}
    for g in rows:
        if not upto(g):
            continue
        on, res, _ = out.get(g["location"], (0, 0, 0))
        out[g["location"]] = (on + g["on_hand_delta"],
            res + g["reserved_delta"], g["id"])
    return out


def expect_point(item, want, what, resp, only=None):
    """item (a stock point) shows exactly the places of want (replay()),
    or only the location `only` (zeros and no ledger id if want lacks
    it), and their sums."""
    places = {pl["location"]: pl for pl in item["locations"]}
    if only is not None:
        want = {only: want.get(only, (0, 0, None))}
    hf.expect_eq(sorted(places), sorted(want), "%s: locations" % what,
        resp)
    for loc, (on, res, lid) in want.items():
        pl = places[loc]
        hf.expect_eq((pl["on_hand"], pl["reserved"], pl["available"],
            pl["ledger_id"]), (on, res, on - res, lid),
            "%s at %s: (on_hand, reserved, available, ledger_id)" %
            (what, loc), resp)
    on = sum(v[0] for v in want.values())
    res = sum(v[1] for v in want.values())
    hf.expect_eq((item["on_hand"], item["reserved"], item["available"]),
        (on, res, on - res), "%s: sums" % what, resp)


def _at(sku, at, extra=""):
    return _ok("/stock/%s?at=%s%s" % (hf.sku_path(sku), _q(at), extra))


# ---------------------------------------------------------------- moments

def test_stock_at_every_moment_of_the_history_equals_the_replay():
    h = history()
    rows = h["rows_p"]
    checked = 0
    for g in rows:
        t = _ms(g["created_at"])
        for ms in (t, t - 1):
            d, r = _at(h["p"], _iso(ms))
            expect_point(d, replay(rows, lambda x: _ms(x["created_at"])
                <= ms), "at %s" % _iso(ms), r)
            hf.expect_eq((d["sku"], d["at"], d["ledger_id"], d["location"]),
                (h["p"], _iso(ms), None, None), "(sku, at, ledger_id, "
                "location)", r)
            checked += 1
    hf.check(checked >= 20, "only %d moments checked" % checked)


def test_stock_at_boundaries_before_the_first_row_and_after_the_last():
    h = history()
    rows = h["rows_p"]
    first = _ms(rows[0]["created_at"])
    for ms in (first - 1, first - 86400000, 0):
        d, r = _at(h["p"], _iso(ms))
        hf.expect_eq((d["on_hand"], d["reserved"], d["available"],
            d["locations"]), (0, 0, 0, []), "before the first row", r)
    d, r = _at(h["p"], "1970-01-01")
    hf.expect_eq(d["locations"], [], "at the epoch", r)
    # after the last: now, and what GET /stock/{sku} says now
    now = hf.stock_of(h["p"], _biz())
    d, r = _at(h["p"], _iso(int(time.time() * 1000) - 5))
    expect_point(d, replay(rows, lambda x: True), "after the last row", r)
    hf.expect_eq((d["on_hand"], d["reserved"]), (now["on_hand"],
        now["reserved"]), "now: the stock row's sums", r)
    cur = {pl["location"]: (pl["on_hand"], pl["reserved"])
        for pl in now["locations"]}
    hf.expect_eq({pl["location"]: (pl["on_hand"], pl["reserved"])
        for pl in d["locations"]}, cur, "now: the places", r)
    # the first row itself (P's creation) alone
    d, r = _at(h["p"], rows[0]["created_at"])
    hf.expect_eq([(pl["location"], pl["on_hand"], pl["ledger_id"])
        for pl in d["locations"]], [("main", 10, rows[0]["id"])],
        "at the first row", r)


def test_stock_at_ledger_ids_equals_the_replay():
    h = history()
    rows = h["rows_p"]
    # every id from the one before P's first row to P's last: P's rows,
    # Q's between them (another product's row N) and any gap
    ids = range(rows[0]["id"] - 1, rows[-1]["id"] + 1)
    hf.check(len(ids) >= 14, "fewer than 14 ledger ids")
    for n in ids:
        d, r = _ok("/stock/%s?ledger_id=%d" % (hf.sku_path(h["p"]), n))
        expect_point(d, replay(rows, lambda x: x["id"] <= n),
            "ledger_id=%d" % n, r)
        hf.expect_eq(d["ledger_id"], n, "data.ledger_id", r)
        mine = [g for g in rows + h["rows_q"] if g["id"] == n]
        if mine:
            hf.expect_eq(d["at"], mine[0]["created_at"],
                "data.at: the created_at of row %d" % n, r)
    # a row's id, its own moment and the moment of its id agree
    for g in rows[::3]:
        a, r1 = _ok("/stock/%s?ledger_id=%d" % (hf.sku_path(h["p"]),
            g["id"]))
        b, r2 = _at(h["p"], g["created_at"])
        hf.expect_eq(a["locations"], b["locations"], "ledger_id=%d and "
            "at=its created_at" % g["id"], r2)


def test_stock_at_one_location():
    h = history()
    rows = h["rows_p"]
    for g in rows[::2]:
        ms = _ms(g["created_at"])
        want = replay(rows, lambda x: _ms(x["created_at"]) <= ms)
        for loc, spelled in ((h["e"], h["e"].upper()), (h["w"], h["w"]),
                ("main", "MAIN")):
            d, r = _at(h["p"], g["created_at"], "&location=" + spelled)
            expect_point(d, want, "at %s, %s" % (g["created_at"], loc), r,
                only=loc)
            hf.expect_eq(d["location"], loc, "data.location: the code as "
                "stored", r)


# ---------------------------------------------------------------- lists

def _find(path, sku):
    """The item of sku on the pages of path (it sorts first)."""
    for page in range(1, 6):
        d, r = _ok("%s&per_page=100&page=%d" % (path, page))
        for it in d["items"]:
            if it["sku"] == sku:
                return it, d, r
        if page * 100 >= d["total"]:
            break
    hf.fail("%s is not on the first pages of %s" % (sku, path))


def test_stock_list_at_a_moment_and_at_one_location():
    h = history()
    rows, rows_q = h["rows_p"], h["rows_q"]
    for g in (rows[3], rows[7], rows[-1]):
        ms = _ms(g["created_at"])
        upto = (lambda x: _ms(x["created_at"]) <= ms)
        it, d, r = _find("/stock?at=%s" % _q(g["created_at"]), h["p"])
        expect_point(it, replay(rows, upto), "list at %s" %
            g["created_at"], r)
        hf.expect_eq((d["at"], d["ledger_id"], d["location"]),
            (g["created_at"], None, None), "list (at, ledger_id, location)",
            r)
        it, d, r = _find("/stock?at=%s" % _q(g["created_at"]), h["q"])
        expect_point(it, replay(rows_q, upto), "Q in the list", r)
        # one location: Q was never at E, and shows it with zeros
        it, d, r = _find("/stock?at=%s&location=%s" % (_q(g["created_at"]),
            h["e"]), h["q"])
        expect_point(it, {}, "Q at E", r, only=h["e"])
        it, d, r = _find("/stock?ledger_id=%d&location=%s" % (g["id"],
            h["w"]), h["p"])
        expect_point(it, replay(rows, lambda x: x["id"] <= g["id"]),
            "list ledger_id=%d at W" % g["id"], r, only=h["w"])
        hf.expect_eq(d["total"], _ok("/stock?per_page=1")[0]["total"],
            "total: every product, as GET /stock", r)


def test_stock_list_now_at_one_location():
    h = history()
    now = {pl["location"]: pl for pl in hf.stock_of(h["p"])["locations"]}
    for code in (h["e"], h["w"].upper(), "Main"):
        it, d, r = _find("/stock?location=%s" % code, h["p"])
        loc = code.lower()
        hf.expect_eq(d["location"], loc, "data.location", r)
        hf.expect_eq([pl["location"] for pl in it["locations"]], [loc],
            "one place", r)
        pl = it["locations"][0]
        hf.expect_eq((pl["on_hand"], pl["reserved"], pl["available"]),
            (now[loc]["on_hand"], now[loc]["reserved"],
            now[loc]["available"]), "now at %s" % loc, r)
        hf.check("ledger_id" not in pl, "a place now has no ledger_id", r)
        hf.expect_eq((it["on_hand"], it["reserved"]), (pl["on_hand"],
            pl["reserved"]), "the item is the place's", r)
    # a guest may read the current stock at a location (GET /stock is public)
    r = hf.call("GET", API + "/stock?location=main&per_page=1")
    hf.expect_success(r)
    it, d, r = _find("/stock?location=%s" % h["e"], h["q"])
    hf.expect_eq([(pl["location"], pl["on_hand"]) for pl in it["locations"]],
        [(h["e"], 0)], "Q has nothing at E", r)


# ---------------------------------------------------------------- spellings

def test_spellings_of_at():
    h = history()
    rows = h["rows_p"]
    g = rows[5]
    t = _ms(g["created_at"])
    want = replay(rows, lambda x: _ms(x["created_at"]) <= t)
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t // 1000))
    frac = "%03d" % (t % 1000)

    def shifted(minutes):
        s = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t // 1000 +
            minutes * 60))
        return "%s.%s%s%02d:%02d" % (s, frac, "+" if minutes >= 0 else "-",
            abs(minutes) // 60, abs(minutes) % 60)
    same = [base + "." + frac + "Z", base + "." + frac,
        base + "." + frac + "000", base + "." + frac + "999999Z",
        base + "." + frac + "+00:00", base + "." + frac + "-00:00",
        shifted(120), shifted(-330), shifted(14 * 60)]
    for v in same:
        d, r = _at(h["p"], v)
        expect_point(d, want, "at=%s" % v, r)
        hf.expect_eq(d["at"], g["created_at"], "at=%s: data.at" % v, r)
    # an unescaped '+' arrives as a space: still the offset
    d, r = _ok("/stock/%s?at=%s" % (hf.sku_path(h["p"]),
        shifted(120).replace(":", "%3A")))
    expect_point(d, want, "raw + offset", r)
    # fewer digits: the moment they name (a tenth: .X00)
    tenth = t - t % 100
    d, r = _at(h["p"], base + "." + frac[0])
    expect_point(d, replay(rows, lambda x: _ms(x["created_at"]) <= tenth),
        "one fraction digit", r)
    # no fraction: the whole second
    sec = t - t % 1000
    d, r = _at(h["p"], base)
    expect_point(d, replay(rows, lambda x: _ms(x["created_at"]) <= sec),
        "no fraction, no zone", r)
    hf.expect_eq(d["at"], _iso(sec), "data.at of a whole second", r)
    # a day alone: its midnight
    day = time.strftime("%Y-%m-%d", time.gmtime(t // 1000))
    d, r = _at(h["p"], day)
    hf.expect_eq(d["at"], day + "T00:00:00.000Z", "a day is its midnight", r)


BAD_AT = ("2026-1-05T10:00:00Z", "2026-01-5", " 2026-01-05", "+2026-01-05",
    "02026-01-05", "2026-01-05T10:00:00+2:00", "2026-01-05T10:00:00+0200",
    "2026-01-05T10:00:00+24:00", "2026-01-05T10:00:00.Z",
    "2026-01-05T10:00:00.1234567890Z", "2026-01-05T10:00:00ZZ",
    "2026-01-05t10:00:00", "2026-01-05T10:00", "2026-01-05 10:00:00",
    "2026-02-29", "1969-12-31T23:59:59Z", "1970-01-01T00:30:00+01:00",
    "2026-01-05T10:00:00Z ", "yesterday", "1767607200", "0", "-1",
    "２０２６-01-05", "2026-01-05T10:00:00\u200b",
    "2026-01-05T10:00:00+01:00Z")


def test_bad_at_values_are_422_naming_at():
    h = history()
    for v in BAD_AT:
        r = _get("/stock/%s?at=%s" % (hf.sku_path(h["p"]), _q(v)))
        hf.expect_field_error(r, 422, "REQ_010", "at")
        r = _get("/stock?at=%s" % _q(v))
        hf.expect_field_error(r, 422, "REQ_010", "at")
    # bytes that are not UTF-8, and a NUL (refused at the edge)
    for raw in ("%FF", "2026-01-05%C0%AF", "%ED%A0%80", "2026-01-05T10%FF"):
        r = _get("/stock/%s?at=%s" % (hf.sku_path(h["p"]), raw))
        hf.expect_field_error(r, 422, "REQ_010", "at")
    r = _get("/stock/%s?at=2026-01-05%%00" % hf.sku_path(h["p"]))
    hf.check(400 <= r.status < 500, "an encoded NUL is a 4xx", r)
    # in the future, by a day and by years
    for v in (_iso(int(time.time() * 1000) + 86400000), "9999-12-31",
            "9999-12-31T23:59:59.999-14:00"):
        r = _get("/stock/%s?at=%s" % (hf.sku_path(h["p"]), _q(v)))
        hf.expect_field_error(r, 422, "REQ_010", "at")
    # empty: the plain answer (as every filter reads an empty value)
    d, r = _ok("/stock/%s?at=" % hf.sku_path(h["p"]))
    hf.check("at" not in d and "warning_threshold" in d, "at= gives the "
        "plain stock object", r)


def test_bad_ledger_ids_and_mixed_queries():
    h = history()
    sku = hf.sku_path(h["p"])
    last = h["rows_p"][-1]["id"]
    for v in ("0", "-1", "+5", "%205", "5%20", "1e3", "0x10", "abc", "1.0",
            "9223372036854775808", "18446744073709551617", "%EF%BC%95",
            "%FF"):
        r = _get("/stock/%s?ledger_id=%s" % (sku, v))
        hf.expect_field_error(r, 422, "REQ_010", "ledger_id")
        r = _get("/stock?ledger_id=%s" % v)
        hf.expect_field_error(r, 422, "REQ_010", "ledger_id")
    # past the last row
    top = max(g["id"] for g in h["rows_p"] + h["rows_q"])
    for v in (top + 10 ** 6, 9223372036854775807):
        r = _get("/stock/%s?ledger_id=%d" % (sku, v))
        hf.expect_field_error(r, 422, "REQ_010", "ledger_id")
    # leading zeros are the same number
    a, _ = _ok("/stock/%s?ledger_id=%d" % (sku, last))
    b, r = _ok("/stock/%s?ledger_id=000%d" % (sku, last))
    hf.expect_eq(b["locations"], a["locations"], "ledger_id with leading "
        "zeros", r)
    # both moments at once
    r = _get("/stock/%s?ledger_id=%d&at=%s" % (sku, last,
        _q(h["rows_p"][0]["created_at"])))
    hf.expect_field_error(r, 422, "REQ_010", "ledger_id")
    r = _get("/stock?ledger_id=%d&at=2026-01-01" % last)
    hf.expect_field_error(r, 422, "REQ_010", "ledger_id")
    # a location alone on one SKU, a status beside a moment or a location
    r = _get("/stock/%s?location=main" % sku)
    hf.expect_field_error(r, 422, "REQ_010", "location")
    for extra in ("at=2026-01-01", "location=main", "ledger_id=1"):
        r = _get("/stock?status=ok&" + extra)
        hf.expect_field_error(r, 422, "REQ_010", "status")
    # an unknown SKU
    r = _get("/stock/NO-SUCH-%s?at=2026-01-01" % uuid.uuid4().hex[:8])
    hf.expect_error(r, 404, "INV_001")


def test_spellings_of_location():
    h = history()
    sku = hf.sku_path(h["p"])
    at = _q(h["rows_p"][-1]["created_at"])
    for v in ("%20main", "main%20", "ma%20in", "%EF%BD%8D%EF%BD%81in", "%FF",
            "m%C3%A4in", "a" * 33, "main%2F", "main;", "%27main",
            "-main", ".main"):
        for path in ("/stock/%s?at=%s&location=%s" % (sku, at, v),
                "/stock?location=%s" % v, "/ledger?location=%s" % v):
            r = _get(path)
            hf.expect_field_error(r, 422, "REQ_010", "location")
    for v in ("nowhere-" + uuid.uuid4().hex[:8], "a" * 32, "main0",
            "0main"):
        for path in ("/stock/%s?at=%s&location=%s" % (sku, at, v),
                "/stock?location=%s" % v, "/stock?at=%s&location=%s" %
                (at, v), "/ledger?location=%s" % v):
            r = _get(path)
            hf.expect_error(r, 404, "LOC_001")
    # case: one location however it is spelled
    a, _ = _ok("/stock/%s?at=%s&location=%s" % (sku, at, h["e"]))
    b, r = _ok("/stock/%s?at=%s&location=%s" % (sku, at, h["e"].upper()))
    hf.expect_eq(b, a, "location in capitals", r)


# ---------------------------------------------------------------- who

def test_a_moment_needs_what_the_ledger_needs():
    h = history()
    sku = hf.sku_path(h["p"])
    at = _q(h["rows_p"][-1]["created_at"])
    for path in ("/stock/%s?at=%s" % (sku, at), "/stock?at=%s" % at,
            "/stock/%s?ledger_id=1" % sku, "/stock?ledger_id=1&location=main"):
        r = hf.call("GET", API + path)
        hf.expect_error(r, 401, "AUTH_001")
    u = hf.verified_user()
    for path in ("/stock/%s?at=%s" % (sku, at), "/stock?ledger_id=1"):
        r = hf.call("GET", API + path, token=u["access"])
        hf.expect_error(r, 403, "AUTH_005")
    # without a moment, GET /stock stays public
    r = hf.call("GET", API + "/stock/%s" % sku, token=u["access"])
    hf.expect_success(r)
    r = hf.call("GET", API + "/stock?location=main&per_page=1",
        token=u["access"])
    hf.expect_success(r)
    d, r = _ok("/stock/%s?at=%s" % (sku, at), token=hf.inv_admin())


# ---------------------------------------------------------------- the rest

def test_ledger_lists_filter_by_location():
    h = history()
    for code, spelled in ((h["e"], h["e"].upper()), (h["w"], h["w"])):
        want = [g["id"] for g in reversed(h["rows_p"])
            if g["location"] == code]
        got = hf.ledger_of(_biz(), sku=h["p"], location=spelled)
        hf.expect_eq([g["id"] for g in got], want, "GET /ledger?sku&"
            "location=%s" % spelled)
        hf.check(all(g["location"] == code for g in got), "every row at %s"
            % code)
        d, r = _ok("/ledger?location=%s&per_page=100" % spelled)
        hf.check(d["items"] and all(g["location"] == code
            for g in d["items"]), "GET /ledger?location=%s: only its rows"
            % spelled, r)
        hf.expect_eq(d["total"], len([g for g in h["rows_p"] + h["rows_q"]
            if g["location"] == code]), "only P and Q moved at %s" % code, r)


def test_a_moment_stays_put_while_the_stock_moves():
    h = history()
    g = h["rows_p"][-1]
    before, _ = _at(h["p"], g["created_at"])
    by_id, _ = _ok("/stock/%s?ledger_id=%d" % (hf.sku_path(h["p"]),
        g["id"]))
    _move(h["p"], "restock", {"quantity": 5, "location": h["w"]})
    _move(h["p"], "deduct", {"quantity": 1, "location": "main"})
    after, r = _at(h["p"], g["created_at"])
    hf.expect_eq(after, before, "the same moment after later moves", r)
    by_id2, r = _ok("/stock/%s?ledger_id=%d" % (hf.sku_path(h["p"]),
        g["id"]))
    hf.expect_eq(by_id2, by_id, "the same ledger id after later moves", r)
    rows = list(reversed(hf.ledger_of(_biz(), sku=h["p"])))
    now, r = _at(h["p"], _iso(int(time.time() * 1000) - 2))
    expect_point(now, replay(rows, lambda x: True), "now, after", r)
    for sku in (h["p"], h["q"]):
        rec = hf.reconcile_api(sku, _biz())
        hf.check(rec["ok"], "reconcile of %s: %r" % (sku, rec["mismatches"]))


def test_plain_stock_answers_are_unchanged():
    h = history()
    d, r = _ok("/stock/%s" % hf.sku_path(h["p"]))
    for k in ("at", "ledger_id"):
        hf.check(k not in d, "GET /stock/{sku} has no %r" % k, r)
    for k in ("sku", "on_hand", "reserved", "available", "warning_threshold",
            "locations"):
        hf.check(k in d, "GET /stock/{sku} keeps %r" % k, r)
    d, r = _ok("/stock?per_page=1")
    hf.check("at" not in d and "location" not in d, "GET /stock is the "
        "plain list", r)
    d, r = _ok("/stock?per_page=1&location=&at=&ledger_id=")
    hf.check("at" not in d, "empty values are not given", r)


def test_the_document_describes_the_query_parameters():
    r = hf.get(API + "/openapi.json")
    doc = r.json
    want = {"/api/v1/stock": {"page", "per_page", "status", "at",
        "ledger_id", "location"},
        "/api/v1/stock/{sku}": {"at", "ledger_id", "location"},
        "/api/v1/ledger": {"page", "per_page", "sku", "type", "reference_id",
        "from", "to", "location", "after"}}
    for path, names in want.items():
        got = {}
        for p in doc["paths"][path]["get"].get("parameters", ()):
            if "$ref" in p:
                p = doc["components"]["parameters"][p["$ref"].split("/")[-1]]
            if p.get("in") == "query":
                got[p["name"]] = p
        hf.expect_eq(set(got), names, "query parameters of GET %s" % path,
            r)
        for n in names & {"at", "ledger_id", "location"}:
            hf.check(got[n]["description"] and got[n]["schema"],
                "%s of %s has a description and a schema" % (n, path), r)
    hf.expect_eq(doc["paths"]["/api/v1/stock/{sku}"]["get"]["parameters"][0]
        ["in"], "path", "the path parameter first", r)
