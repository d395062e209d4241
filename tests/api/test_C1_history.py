"""Reading history (issue 14, item 3).

A signed-in reader's GET /api/v1/products/{id} is recorded in Redis only
(one script call, hf:hist:<user id>); on the cached path no database
statement writes anything, shown with the server's own counters
(holdfast_db_writes_total on /metrics).  GET /api/v1/me/history is newest
first (one entry per product: a second view moves it up), paged by
keyset; DELETE /api/v1/me/history clears it; history_max_items and
history_days bound it; PATCH /api/v1/me {"history_enabled": false} stops
the recording.  Other readers' history is invisible."""

import re

import hf

API = "/api/v1"


def reader(tag="c1h"):
    email = hf.unique_email(tag)
    r = hf.call("POST", API + "/users", {"email": email,
        "password": hf.new_password(), "role": "user",
        "display_name": "Reader"}, token=hf.inv_admin())
    data = hf.expect_success(r, 201)
    tok = hf.signed_access_token(data["id"], "user")
    hf.expect_success(hf.call("GET", API + "/me", token=tok))
    return {"id": data["id"], "email": email, "token": tok}


def view(who, pid):
    return hf.expect_success(hf.call("GET", API + "/products/%s" % pid,
        token=who["token"] if who else None))


def history(who, query=""):
    return hf.expect_success(hf.call("GET", API + "/me/history" + query,
        token=who["token"]))


def ids(who, query=""):
    return [i["product_id"] for i in history(who, query)["items"]]


def metric(name):
    r = hf.request("GET", "/metrics")
    hf.expect_status(r, 200)
    text = r.body.decode("utf-8", "replace")
    m = re.search(r"^%s (\d+)$" % re.escape(name), text, re.M)
    hf.check(m is not None, "/metrics has no %s" % name, r)
    return int(m.group(1))


# ---------------------------------------------------------------- tests

def test_views_newest_first_one_per_product_and_clearing_empties_it():
    u = reader()
    p = [hf.new_product(i + 1)["id"] for i in range(3)]
    hf.expect_eq(ids(u), [], "a new reader's history")
    for pid in (p[0], p[1], p[2], p[0]):
        view(u, pid)
    data = history(u)
    hf.expect_eq([i["product_id"] for i in data["items"]],
        [p[0], p[2], p[1]], "history, newest first")
    hf.expect_eq(data["total"], 3, "total")
    first = data["items"][0]
    hf.check(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$",
        first.get("viewed_at") or ""), "viewed_at %r" % first.get(
        "viewed_at"), None)
    hf.expect_eq(first.get("available"), 1, "the entry's availability")
    hf.check(first.get("sku") and first.get("name"), "the entry names "
        "no product: %r" % first, None)
    # a guest's and an API key's views are nobody's history
    view(None, p[1])
    hf.expect_success(hf.call("GET", API + "/products/%d" % p[1],
        token=hf.inv_business("c1h")))
    hf.expect_eq(ids(u), [p[0], p[2], p[1]], "history after a guest's view")
    r = hf.call("DELETE", API + "/me/history", token=u["token"])
    hf.expect_eq(hf.expect_success(r), {"cleared": True}, "DELETE", r)
    hf.expect_eq(ids(u), [], "history after DELETE")
    hf.expect_eq(history(u)["total"], 0, "total after DELETE")
    hf.expect_success(hf.call("DELETE", API + "/me/history",
        token=u["token"]))
    view(u, p[2])
    hf.expect_eq(ids(u), [p[2]], "a view after clearing")


def test_a_cached_view_is_recorded_without_a_database_write():
    u = reader()
    pids = [hf.new_product(1)["id"] for _ in range(3)]
    for pid in pids:
        view(None, pid)         # the entries are cached
        view(u, pid)            # the reader's switch is in Redis
    n = 30
    for attempt in range(3):
        hf.expect_success(hf.call("DELETE", API + "/me/history",
            token=u["token"]))
        w0 = metric("holdfast_db_writes_total")
        h0 = metric("holdfast_cache_hits_total")
        for i in range(n):
            view(u, pids[i % 3])
        w1 = metric("holdfast_db_writes_total")
        h1 = metric("holdfast_cache_hits_total")
        hf.check(h1 - h0 >= n, "%d signed-in views made %d cache hits: "
            "not the cached path" % (n, h1 - h0), None)
        hf.expect_eq(ids(u), [pids[(n - 1) % 3], pids[(n - 2) % 3],
            pids[(n - 3) % 3]], "history after the views")
        if w1 == w0:
            break
        # (another client's write may land meanwhile: try again)
    hf.expect_eq(w1 - w0, 0, "database writes during %d cached signed-in "
        "views (3 tries)" % n)


def test_the_reader_turns_recording_off_and_on():
    u = reader()
    a, b = hf.new_product(1)["id"], hf.new_product(1)["id"]
    me = hf.expect_success(hf.call("GET", API + "/me", token=u["token"]))
    hf.expect_eq(me.get("history_enabled"), True, "history_enabled of a "
        "new reader")
    view(u, a)
    r = hf.call("PATCH", API + "/me", {"history_enabled": False},
        token=u["token"])
    hf.expect_eq(hf.expect_success(r).get("history_enabled"), False,
        "PATCH's history_enabled", r)
    me = hf.expect_success(hf.call("GET", API + "/me", token=u["token"]))
    hf.expect_eq(me.get("history_enabled"), False, "GET /me after PATCH")
    view(u, b)
    hf.expect_eq(ids(u), [a], "history while off (kept, not added to)")
    # even when Redis lost its copy of the switch: the database decides
    rc = hf.RedisClient()
    rc.cmd("DEL", "hf:histon:%d" % u["id"])
    view(u, b)
    hf.expect_eq(ids(u), [a], "history while off, the copy lost")
    for bad in ("no", 0, None, "false"):
        r = hf.call("PATCH", API + "/me", {"history_enabled": bad},
            token=u["token"])
        hf.check(r.status == 422, "history_enabled %r answered %d"
            % (bad, r.status), r)
    hf.expect_success(hf.call("PATCH", API + "/me", {"history_enabled":
        True}, token=u["token"]))
    view(u, b)
    hf.expect_eq(ids(u), [b, a], "history on again")


def test_pages_by_keyset_and_other_readers_see_none_of_it():
    u, other = reader(), reader()
    pids = [hf.new_product(1)["id"] for _ in range(5)]
    for pid in pids:
        view(u, pid)
    seen, q = [], "?per_page=2"
    for _ in range(5):
        data = history(u, q)
        hf.check(len(data["items"]) <= 2, "a page of more than 2", None)
        seen += [i["product_id"] for i in data["items"]]
        if data["next"] is None:
            break
        q = "?per_page=2&after=%d" % data["next"]
    hf.expect_eq(seen, list(reversed(pids)), "history, page by page")
    hf.expect_eq(ids(u, "?page=2&per_page=2"), list(reversed(pids))[2:4],
        "?page=2")
    hf.expect_eq(ids(other), [], "another reader's history")
    hf.expect_success(hf.call("DELETE", API + "/me/history",
        token=other["token"]))
    hf.expect_eq(len(ids(u)), 5, "history after another reader cleared "
        "theirs")
    for bad in ("?after=0", "?after=-1", "?after=%FF", "?after=1e3",
            "?per_page=0", "?after=1&page=2"):
        r = hf.call("GET", API + "/me/history" + bad, token=u["token"])
        hf.check(r.status in (400, 422), "%s answered %d" % (bad, r.status),
            r)
    hf.expect_error(hf.call("GET", API + "/me/history"), 401, "AUTH_001")
    key = hf.inv_business("c1h")
    hf.expect_error(hf.call("GET", API + "/me/history", token=key), 403,
        "AUTH_005")
    hf.expect_error(hf.call("DELETE", API + "/me/history", token=key), 403,
        "AUTH_005")


def test_retention_keeps_the_newest_max_items_and_drops_the_old():
    cap = hf.conf_int("history_max_items", 200)
    if cap > 60:
        hf.skip("history_max_items is %d: the dev stack sets 50" % cap)
    u = reader()
    pids = [hf.new_product(1)["id"] for _ in range(cap + 3)]
    for pid in pids:
        view(u, pid)
    seen, q = [], "?per_page=100"
    data = history(u, q)
    seen = [i["product_id"] for i in data["items"]]
    hf.expect_eq(len(seen), cap, "entries kept")
    hf.expect_eq(data["total"], cap, "total")
    hf.expect_eq(seen, list(reversed(pids))[:cap], "the newest are kept")
    # a view older than history_days (put there by hand) is not shown
    days = hf.conf_int("history_days", 90)
    rc = hf.RedisClient()
    old = (int(__import__("time").time()) - (days + 1) * 86400) * 1000000
    rc.cmd("ZADD", "hf:hist:%d" % u["id"], str(old), str(pids[0]))
    got = ids(u, "?per_page=100")
    hf.check(pids[0] not in got, "a view older than history_days is "
        "listed", None)
    hf.expect_eq(len(got), cap, "entries after the old one came in")


def test_a_disabled_readers_token_is_refused():
    u = reader()
    pid = hf.new_product(1)["id"]
    view(u, pid)
    hf.expect_success(hf.call("PATCH", API + "/users/%d" % u["id"],
        {"status": "disabled"}, token=hf.inv_admin()))
    for m in ("GET", "DELETE"):
        r = hf.call(m, API + "/me/history", token=u["token"])
        hf.check(r.status in (401, 403), "%s by a disabled reader "
            "answered %d" % (m, r.status), r)
