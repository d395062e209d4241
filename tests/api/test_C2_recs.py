"""Recommendations (issue 14 item 4): GET /api/v1/products/{id}/related
("readers who borrowed this also borrowed") and GET
/api/v1/me/recommendations, from a seeded loan graph of fresh products and
readers.  The co-borrow counts are kept by a trigger on loans in the
loan's own transaction (018_recommendations.sql), so a loan shows in the
next answer; nothing here waits for a cron.

The graph (every product new, in a category of this run):

    reader  borrowed
    r1      X A B C C2   (A twice: one reader all the same)
    r2      X A B
    r3      X A
    r4      X E          (E then retired)
    r5      A D
    r6      X H          (H then in maintenance)

so related(X) is A (3 readers), B (2), C and C2 (1 each, by id): E and H
are inactive, D was never borrowed with X, X is never its own.

Readers are made by the admin and lent to by a business key (user_id in
the body), so that only the two readers whose "me" is asked sign in.
Favorites go through PUT /me/favorites where that route exists (issue 14
item 1), else straight into the favorites table (the shape both
migrations create)."""

import urllib.parse

import hf
from hf import lend
from hf.lend import borrow_ok

L = lend.Lending("tC2")
_biz, new_user, reconciled = L.biz, L.new_user, L.reconciled

API = "/api/v1"


# ---------------------------------------------------------------- helpers

def _reader():
    """A fresh active user, not signed in: its id."""
    r = hf.call("POST", API + "/users", {"email": hf.unique_email("tC2r"),
        "password": hf.new_password(), "role": "user",
        "display_name": "Reader"}, token=hf.inv_admin())
    return hf.expect_success(r, 201)["id"]


def _lend(uid, sku):
    """One unit of sku lent to reader uid by the business key: the loan."""
    return borrow_ok(_biz(), sku, user_id=uid)[0]


def _return(loan):
    r = hf.call("POST", API + "/loans/%d/return" % loan["id"], {},
        token=_biz())
    hf.expect_success(r)


def _favorite(reader, pid):
    r = hf.call("PUT", API + "/me/favorites/%d" % pid, None,
        token=reader["token"])
    if r.status in (200, 201, 204):
        return
    hf.check(r.status in (404, 405), "PUT /me/favorites answered %d" %
        r.status, r)
    hf.db_rows("INSERT IGNORE INTO favorites (user_id, product_id) "
        "VALUES (%d, %d)" % (reader["id"], pid))


def _items(r):
    data = hf.expect_success(r)
    hf.check(isinstance(data.get("items"), list), "no items list", r)
    for it in data["items"]:
        for k in ("id", "sku", "name", "status", "available", "stock",
                "readers", "score", "reason"):
            hf.check(k in it, "item has no %r: %r" % (k, it), r)
        hf.expect_eq(it["status"], "active", "item status", r)
    return data["items"]


def _related(pid, token=None, **query):
    q = ("?" + urllib.parse.urlencode(query)) if query else ""
    return hf.call("GET", API + "/products/%s/related%s" % (pid, q),
        token=token if token is not None else _biz())


def _mine(token, **query):
    q = "?" + urllib.parse.urlencode(dict({"limit": 50}, **query))
    return hf.call("GET", API + "/me/recommendations" + q, token=token)


class Graph:
    """The seeded graph of the module docstring, made once."""

    def __init__(self):
        tag = hf.unique_sku("tC2")
        self.cat = "tC2 cat " + tag
        self.other_cat = "tC2 other " + tag
        self.p = {}
        for name in ("X", "A", "B", "C", "C2", "D", "E", "G", "H"):
            self.p[name] = hf.new_product(20, sku="%s-%s" % (tag, name),
                category=self.cat)
        self.p["F"] = hf.new_product(20, sku="%s-F" % tag,
            category=self.other_cat)
        self.sku = {k: v["sku"] for k, v in self.p.items()}
        self.id = {k: v["id"] for k, v in self.p.items()}
        self.name = {v["id"]: k for k, v in self.p.items()}
        graph = {"r1": "X A B C C2", "r2": "X A B", "r3": "X A",
            "r4": "X E", "r5": "A D", "r6": "X H"}
        self.readers = {}
        for r, titles in graph.items():
            uid = self.readers[r] = _reader()
            # at most the loan limit active at once: return as we go
            for t in titles.split():
                _return(_lend(uid, self.sku[t]))
        # A again for r1: still one reader
        _return(_lend(self.readers["r1"], self.sku["A"]))
        hf.expect_success(hf.call("DELETE", API + "/products/%d" %
            self.id["E"], token=hf.inv_admin()))
        hf.expect_success(hf.call("PATCH", API + "/products/%d" %
            self.id["H"], {"status": "maintenance"}, token=hf.inv_admin()))

    def names(self, items):
        return [self.name.get(it["id"], "?") for it in items]


_graph = []


def graph():
    if not _graph:
        _graph.append(Graph())
    return _graph[0]


# ---------------------------------------------------------------- related

def test_related_lists_co_borrowers_most_readers_first():
    g = graph()
    items = _items(_related(g.id["X"]))
    hf.expect_eq(g.names(items), ["A", "B", "C", "C2"],
        "related(X) in order")
    hf.expect_eq([it["readers"] for it in items], [3, 2, 1, 1],
        "related(X) readers")
    for it in items:
        hf.expect_eq(it["reason"], "borrowed_together", "reason")
        hf.expect_eq(it["available"], 20, "current availability of %s" %
            g.name[it["id"]])
        hf.expect_eq(it["category"], g.cat, "category")
    # the other side of each pair: A was borrowed with X by r1 r2 r3,
    # with D by r5
    items = _items(_related(g.id["A"]))
    hf.expect_eq(g.names(items)[:2], ["X", "B"], "related(A) first two")
    hf.check(set(g.names(items)) == {"X", "B", "C", "C2", "D"},
        "related(A) is %r" % g.names(items))
    hf.check("A" not in g.names(items), "A is related to itself")
    # the cap
    r = _related(g.id["X"], limit=2)
    hf.expect_eq(g.names(_items(r)), ["A", "B"], "related(X) limit 2")
    hf.expect_eq(hf.expect_success(r)["limit"], 2, "data.limit")


def test_related_is_public_and_follows_availability_and_new_loans():
    g = graph()
    # a guest (no token) reads it too: the catalog is public
    items = _items(hf.call("GET", API + "/products/%d/related" %
        g.id["X"]))
    hf.expect_eq(g.names(items), ["A", "B", "C", "C2"], "guest related(X)")
    # a unit of C on loan shows at once in its availability
    loan = _lend(_reader(), g.sku["C"])
    items = _items(_related(g.id["X"]))
    by = {g.name[it["id"]]: it for it in items}
    hf.expect_eq(by["C"]["available"], 19, "C available while lent")
    _return(loan)
    # a new reader of X and C2 lifts C2 above C (2 readers against 1)
    uid = _reader()
    _return(_lend(uid, g.sku["X"]))
    _return(_lend(uid, g.sku["C2"]))
    items = _items(_related(g.id["X"]))
    hf.expect_eq(g.names(items), ["A", "B", "C2", "C"],
        "related(X) after one more reader of C2")
    hf.expect_eq(items[2]["readers"], 2, "C2's readers")
    # a retired product still answers (its related active ones), an
    # unknown one is 404
    items = _items(_related(g.id["E"]))
    hf.expect_eq(g.names(items), ["X"], "related(E)")
    reconciled(*[g.sku[k] for k in ("X", "A", "B", "C", "C2", "D")])


def test_related_ids_in_other_spellings_are_404_or_422_never_5xx():
    g = graph()
    x = g.id["X"]
    canonical = g.names(_items(_related(x)))
    # every spelling answers as GET /products/{spelling} reads it: the
    # same product (then the same list), or 404/422, never a 5xx
    for spelling in ("00%d" % x, "0", "-1", "+%d" % x, "%d.0" % x, "1e3",
            "0x10", " %d" % x, "%d " % x, "9223372036854775807",
            "9223372036854775808", "99999999999999999999999999",
            "\u0661\u0662", "\uff11", "%d\u0000" % x, "abc", "%d;1" % x,
            "\u00bd", "NaN", "-0", "%d" % (x + 10 ** 12)):
        q = urllib.parse.quote(spelling, safe="")
        r = hf.call("GET", API + "/products/%s/related" % q, token=_biz())
        hf.expect_not_5xx(r)
        same = hf.call("GET", API + "/products/%s" % q, token=_biz())
        if same.status == 200:
            hf.expect_eq(same.json["data"]["id"], x, "GET /products/%r" %
                spelling, same)
            hf.expect_eq(g.names(_items(r)), canonical, "related(%r)" %
                spelling, r)
        else:
            hf.check(r.status in (400, 404, 422), "GET related(%r) "
                "answered %d" % (spelling, r.status), r)
            hf.expect_eq(r.status, same.status, "related(%r) and "
                "product(%r)" % (spelling, spelling), r)
            if r.status != 400:  # nginx's own for a NUL byte
                hf.expect_error_shape(r)
    for bad in ("0", "51", "-1", "abc", "1.5", "\u0661", "9" * 30, ""):
        r = hf.call("GET", API + "/products/%d/related?limit=%s" % (x,
            urllib.parse.quote(bad)), token=_biz())
        hf.expect_field_error(r, 422, "REQ_010", "limit")
    r = hf.call("POST", API + "/products/%d/related" % x, {}, token=_biz())
    hf.expect_error(r, 405, "REQ_005")


# ---------------------------------------------------------------- for me

def test_recommendations_draw_on_loans_favorites_and_categories():
    g = graph()
    me = new_user("tC2me")
    # read X (returned), B on loan, C a favorite
    _return(_lend(me["id"], g.sku["X"]))
    on_loan = _lend(me["id"], g.sku["B"])
    _favorite(me, g.id["C"])
    items = _items(_mine(me["token"]))
    names = g.names(items)
    # A: 3 readers with X, 2 with B, 1 with C = 6; C2: 1 + 1 + 1 = 3;
    # D and G: in the category of my titles (D has a reader, G none)
    hf.expect_eq(names[:4], ["A", "C2", "D", "G"], "my first four")
    hf.expect_eq([it["reason"] for it in items[:4]], ["borrowed_together",
        "borrowed_together", "category", "category"], "reasons")
    sc = [it["score"] for it in items[:4]]
    hf.check(sc[0] > sc[1] > 0 and sc[2] == sc[3] == 0, "scores %r" % sc)
    for left_out, why in (("X", "read"), ("B", "on loan"),
            ("C", "favorited"), ("E", "retired"), ("H", "maintenance"),
            ("F", "another category, never borrowed")):
        hf.check(left_out not in names, "%s (%s) is recommended: %r" %
            (left_out, why, names))
    # every item is active and shows its availability now
    for it in items:
        hf.check(isinstance(it["available"], int), "available %r" %
            it["available"])
    _return(on_loan)
    # returned: B is read now, still left out
    names = g.names(_items(_mine(me["token"])))
    hf.check("B" not in names, "B came back once returned: %r" % names)
    r = _mine(me["token"], limit=2)
    hf.expect_eq(g.names(_items(r)), ["A", "C2"], "limit 2")


def test_another_readers_history_never_leaks_into_mine():
    g = graph()
    me = new_user("tC2me")
    other = new_user("tC2ot")
    _return(_lend(me["id"], g.sku["X"]))
    before = g.names(_items(_mine(me["token"])))
    hf.check("A" in before and "G" in before, "my list %r" % before)
    # the other reader has A on loan, G read and D a favorite
    held = _lend(other["id"], g.sku["A"])
    _return(_lend(other["id"], g.sku["G"]))
    _favorite(other, g.id["D"])
    mine = _items(_mine(me["token"]))
    names = g.names(mine)
    for k in ("A", "G", "D"):
        hf.check(k in names, "%s left out of my list by another reader's "
            "history: %r" % (k, names))
    # and mine does not leave anything out of theirs: X is mine, not theirs
    theirs = g.names(_items(_mine(other["token"])))
    hf.check("X" in theirs, "X left out of the other reader's list: %r" %
        theirs)
    for k in ("A", "G", "D"):
        hf.check(k not in theirs, "%s (the other's own) in their list" % k)
    _return(held)
    # the route takes no user id: a query naming another reader changes
    # nothing
    r = hf.call("GET", API + "/me/recommendations?limit=50&user_id=%d" %
        other["id"], token=me["token"])
    hf.expect_eq(g.names(_items(r)), g.names(_items(_mine(me["token"]))),
        "?user_id= ignored")


def test_recommendations_need_a_principal_and_check_limit():
    r = hf.call("GET", API + "/me/recommendations")
    hf.expect_error(r, 401, (r.json or {}).get("error"))
    # an API key has no reading history: the most read titles
    items = _items(hf.call("GET", API + "/me/recommendations?limit=5",
        token=_biz()))
    hf.check(len(items) <= 5, "limit 5 gave %d" % len(items))
    for it in items:
        hf.expect_eq(it["reason"], "popular", "a key's reason")
    for bad in ("0", "51", "x", "-5", "\uff15"):
        r = hf.call("GET", API + "/me/recommendations?limit=%s" %
            urllib.parse.quote(bad), token=_biz())
        hf.expect_field_error(r, 422, "REQ_010", "limit")


# ---------------------------------------------------------------- exact

def _pairs_from_loans(ids):
    """{(a, b): readers} recomputed from loans for the products ids."""
    s = ",".join(str(i) for i in ids)
    rows = hf.db_rows("SELECT x.product_id, y.product_id, "
        "COUNT(DISTINCT x.user_id) FROM loans x JOIN loans y "
        "ON y.user_id = x.user_id AND y.product_id <> x.product_id "
        "WHERE x.product_id IN (%s) GROUP BY x.product_id, y.product_id"
        % s)
    return {(int(a), int(b)): int(n) for a, b, n in rows}


def _pairs_kept(ids):
    s = ",".join(str(i) for i in ids)
    rows = hf.db_rows("SELECT a, b, readers FROM product_pairs "
        "WHERE a IN (%s)" % s)
    return {(int(a), int(b)): int(n) for a, b, n in rows}


def test_co_borrow_counts_stay_exact_under_concurrent_loans():
    import threading
    g = graph()
    z = hf.new_product(100, sku=hf.unique_sku("tC2Z"), category=g.cat)
    readers = [_reader() for _ in range(12)]
    errors = []

    def one(uid):
        # X and Z in one loan, then Z again: two transactions per reader,
        # every reader's at once
        try:
            loans = borrow_ok(_biz(), g.sku["X"], z["sku"], user_id=uid)
            loans.append(_lend(uid, z["sku"]))
            for ln in loans:
                _return(ln)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=one, args=(u,)) for u in readers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    hf.check(not errors, "concurrent loans failed: %r" % errors[:3])
    ids = list(g.id.values()) + [z["id"]]
    hf.expect_eq(_pairs_kept(ids), _pairs_from_loans(ids),
        "product_pairs against a recount from loans")
    items = _items(_related(z["id"]))
    hf.expect_eq(items[0]["id"], g.id["X"], "related(Z) first")
    hf.expect_eq(items[0]["readers"], 12, "X and Z readers")
    rows = hf.db_rows("SELECT readers FROM product_readers WHERE "
        "product_id = %d" % z["id"])
    hf.expect_eq(rows, [["12"]], "Z's readers")
    reconciled(g.sku["X"], z["sku"])
