"""Favorites (issue 14, item 1), as an attacker would try them.

PUT|DELETE /api/v1/me/favorites/{product_id} are idempotent (200 both,
twice or not: one row; DELETE of one that is not there: 200 with
removed false); GET /api/v1/me/favorites pages by keyset, newest first,
with each product's availability now.  A product's detail carries
favorites_count (exact, through the cache) and favorited (this reader's;
false for a guest or an API key).  A reader with notify gets one e-mail
through the outbox when the product's available units go from none to
some.  Exact under 32 clients at once; other spellings of an id name the
same product or none; other readers' favorites are invisible."""

import concurrent.futures
import subprocess
import urllib.parse

import hf
from hf import lend

L = lend.Lending("c1f")
API = "/api/v1"


def reader(tag="c1f"):
    """A fresh active reader {id, email, token}, made by the admin; the
    token is signed with the stack's key (no login to rate-limit)."""
    email = hf.unique_email(tag)
    r = hf.call("POST", API + "/users", {"email": email,
        "password": hf.new_password(), "role": "user",
        "display_name": "Reader"}, token=hf.inv_admin())
    data = hf.expect_success(r, 201)
    tok = hf.signed_access_token(data["id"], "user")
    hf.expect_success(hf.call("GET", API + "/me", token=tok))
    return {"id": data["id"], "email": email, "token": tok}


def put(who, pid, body=None):
    return hf.call("PUT", API + "/me/favorites/%s" % pid, body or {},
        token=who["token"])


def delete(who, pid):
    return hf.call("DELETE", API + "/me/favorites/%s" % pid,
        token=who["token"])


def rows(uid=None, pid=None):
    cond = []
    if uid is not None:
        cond.append("user_id = %d" % int(uid))
    if pid is not None:
        cond.append("product_id = %d" % int(pid))
    return int(hf.db_rows("SELECT COUNT(*) FROM favorites WHERE "
        + " AND ".join(cond))[0][0])


def detail(pid, token=None):
    return hf.expect_success(hf.call("GET", API + "/products/%s" % pid,
        token=token))


def fav_list(who, query=""):
    return hf.expect_success(hf.call("GET", API + "/me/favorites" + query,
        token=who["token"]))


# ---------------------------------------------------------------- tests

def test_put_twice_is_one_row_and_delete_is_idempotent():
    u = reader()
    p = hf.new_product(2)
    pid = p["id"]
    d0 = detail(pid, u["token"])
    hf.expect_eq(d0.get("favorites_count"), 0, "favorites_count before")
    hf.expect_eq(d0.get("favorited"), False, "favorited before")
    for i in range(2):
        r = put(u, pid)
        f = hf.expect_success(r, 200)
        hf.expect_eq(f.get("product_id"), pid, "PUT's product_id", r)
        hf.expect_eq(f.get("notify"), False, "PUT's notify (default)", r)
        hf.expect_eq(f.get("available"), 2, "PUT's availability", r)
    hf.expect_eq(rows(u["id"], pid), 1, "rows after two PUTs")
    d = detail(pid, u["token"])
    hf.expect_eq(d.get("favorites_count"), 1, "favorites_count")
    hf.expect_eq(d.get("favorited"), True, "favorited for the reader")
    g = detail(pid)
    hf.expect_eq(g.get("favorites_count"), 1, "a guest's favorites_count")
    hf.expect_eq(g.get("favorited"), False, "favorited for a guest")
    k = detail(pid, hf.inv_business("c1f"))
    hf.expect_eq(k.get("favorited"), False, "favorited for an API key")

    # notify: set, kept by a PUT without it, cleared by false
    hf.expect_eq(hf.expect_success(put(u, pid, {"notify": True}))
        .get("notify"), True, "notify set")
    hf.expect_eq(hf.expect_success(put(u, pid)).get("notify"), True,
        "notify kept by a PUT without it")
    hf.expect_eq(hf.expect_success(put(u, pid, {"notify": False}))
        .get("notify"), False, "notify cleared")
    hf.expect_eq(rows(u["id"], pid), 1, "rows after four PUTs")

    r = delete(u, pid)
    data = hf.expect_success(r, 200)
    hf.expect_eq(data, {"product_id": pid, "favorited": False,
        "removed": True}, "DELETE's answer", r)
    r = delete(u, pid)
    hf.expect_eq(hf.expect_success(r, 200).get("removed"), False,
        "DELETE of one that is not there", r)
    hf.expect_eq(rows(u["id"], pid), 0, "rows after DELETE")
    d = detail(pid, u["token"])
    hf.expect_eq(d.get("favorites_count"), 0, "favorites_count after")
    hf.expect_eq(d.get("favorited"), False, "favorited after")


def test_unknown_products_and_other_spellings_never_make_a_second_row():
    u = reader()
    p = hf.new_product(0)
    pid = p["id"]
    for bad in ("999999999999", "9223372036854775807", "0"):
        hf.expect_error(put(u, bad), 404, "INV_001")
        hf.expect_error(delete(u, bad), 404, "INV_001")
    hf.expect_success(put(u, pid))
    # leading zeros name the same product: the same row
    hf.expect_eq(hf.expect_success(put(u, "00%d" % pid)).get("product_id"),
        pid, "00<id>")
    for v in ("+%d" % pid, "%d.0" % pid, "%de0" % pid, "-%d" % pid,
            "%%20%d" % pid, "%d%%20" % pid, "0x%x" % pid,
            urllib.parse.quote("\uff11"), urllib.parse.quote("\u0663"),
            "%FF", "%C0%B1", str(pid + 2 ** 64), "%d%%00" % pid,
            "1_0", "NaN"):
        for r in (put(u, v), delete(u, v)):
            # bytes that are not UTF-8 text (or a NUL) stop at the front
            # door (the web server or the worker's): 400 REQ_012
            if "%FF" in v or "%C0" in v or "%00" in v:
                hf.expect_eq(r.status, 400, "status of %r" % v, r)
            else:
                hf.expect_error(r, 404, "INV_001")
    hf.expect_eq(rows(u["id"]), 1, "the reader's rows after the spellings")
    hf.expect_eq(rows(u["id"], pid), 1, "the product's row is still there")
    # bodies: wrong types, unknown fields, bytes that are not UTF-8
    for body in ({"notify": "yes"}, {"notify": 1}, {"notify": None},
            {"extra": True}, [True]):
        r = put(u, pid, body)
        hf.check(r.status in (400, 422), "PUT with %r answered %d"
            % (body, r.status), r)
    r = hf.request("PUT", API + "/me/favorites/%d" % pid,
        body=b'{"notify": "\xff\xfe"}', headers=dict(hf.auth_header(
        u["token"]), **{"Content-Type": "application/json"}))
    hf.check(r.status in (400, 422), "non-UTF-8 body answered %d"
        % r.status, r)
    hf.expect_eq(rows(u["id"]), 1, "the reader's rows after bad bodies")


def test_other_readers_favorites_are_invisible_and_untouchable():
    a, b = reader(), reader()
    p = hf.new_product(1)
    pid = p["id"]
    hf.expect_success(put(a, pid, {"notify": True}))
    lb = fav_list(b)
    hf.check(all(i["product_id"] != pid for i in lb["items"]),
        "B's list shows A's favorite", None)
    hf.expect_eq(lb["total"], 0, "B's total")
    hf.expect_eq(detail(pid, b["token"]).get("favorited"), False,
        "favorited for B")
    hf.expect_eq(hf.expect_success(delete(b, pid)).get("removed"), False,
        "B's DELETE of A's favorite")
    hf.expect_eq(rows(a["id"], pid), 1, "A's row after B's DELETE")
    la = fav_list(a)
    hf.expect_eq([i["product_id"] for i in la["items"]], [pid], "A's list")
    # a guest and an API key have no favorites
    hf.expect_error(hf.call("GET", API + "/me/favorites"), 401, "AUTH_001")
    key = hf.inv_business("c1f")
    hf.expect_error(hf.call("GET", API + "/me/favorites", token=key), 403,
        "AUTH_005")
    hf.expect_error(hf.call("PUT", API + "/me/favorites/%d" % pid, {},
        token=key), 403, "AUTH_005")


def test_a_disabled_reader_or_a_demoted_admin_token():
    u = reader()
    p = hf.new_product(1)
    hf.expect_success(put(u, p["id"]))
    r = hf.call("PATCH", API + "/users/%d" % u["id"], {"status":
        "disabled"}, token=hf.inv_admin())
    hf.expect_success(r)
    for r in (put(u, p["id"]), delete(u, p["id"]),
            hf.call("GET", API + "/me/favorites", token=u["token"])):
        hf.check(r.status in (401, 403), "a disabled reader's call "
            "answered %d" % r.status, r)
    hf.expect_eq(rows(u["id"]), 1, "the disabled reader's rows")


def test_32_clients_at_once_one_reader_one_row_32_readers_count_32():
    p = hf.new_product(1)
    pid = p["id"]
    u = reader()
    detail(pid)     # cached before the writes
    with concurrent.futures.ThreadPoolExecutor(32) as ex:
        rs = list(ex.map(lambda _: put(u, pid), range(32)))
    for r in rs:
        hf.expect_success(r, 200)
    hf.expect_eq(rows(u["id"], pid), 1, "rows after 32 PUTs at once")
    hf.expect_eq(detail(pid).get("favorites_count"), 1, "favorites_count")

    readers = [reader("c1f32") for _ in range(31)]
    with concurrent.futures.ThreadPoolExecutor(32) as ex:
        rs = list(ex.map(lambda w: put(w, pid), readers + [u]))
    for r in rs:
        hf.expect_success(r, 200)
    hf.expect_eq(rows(pid=pid), 32, "rows after 32 readers at once")
    hf.expect_eq(detail(pid).get("favorites_count"), 32,
        "favorites_count through the cache")
    with concurrent.futures.ThreadPoolExecutor(32) as ex:
        rs = list(ex.map(lambda w: delete(w, pid), readers))
    hf.expect_eq(sum(1 for r in rs if hf.expect_success(r)["removed"]), 31,
        "DELETEs that removed a row")
    hf.expect_eq(rows(pid=pid), 1, "rows after 31 DELETEs at once")
    hf.expect_eq(detail(pid).get("favorites_count"), 1,
        "favorites_count after the DELETEs")
    with concurrent.futures.ThreadPoolExecutor(32) as ex:
        rs = list(ex.map(lambda _: delete(u, pid), range(32)))
    hf.expect_eq(sum(1 for r in rs if hf.expect_success(r)["removed"]), 1,
        "32 DELETEs of one favorite at once: one removed it")
    hf.expect_eq(rows(pid=pid), 0, "rows at the end")


def test_the_list_pages_by_keyset_newest_first_with_availability_now():
    u = reader()
    prods = [hf.new_product(i) for i in range(5)]
    for p in prods:
        hf.expect_success(put(u, p["id"]))
    want = [p["id"] for p in reversed(prods)]
    seen, q = [], "?per_page=2"
    for _ in range(5):
        data = fav_list(u, q)
        hf.check(len(data["items"]) <= 2, "a page of more than 2", None)
        seen += [i["product_id"] for i in data["items"]]
        hf.expect_eq(data["total"], 5, "total")
        if data["next"] is None:
            break
        q = "?per_page=2&after=%d" % data["next"]
    hf.expect_eq(seen, want, "the favorites, page by page")
    by = {i["product_id"]: i for i in fav_list(u)["items"]}
    for i, p in enumerate(prods):
        hf.expect_eq(by[p["id"]]["available"], i, "available of %s"
            % p["sku"])
        hf.expect_eq(by[p["id"]]["stock_status"], "out" if i == 0 else
            "ok", "stock_status of %s" % p["sku"])
    # availability now: a restock shows on the next read
    r = hf.call("POST", API + "/stock/%s/restock" % prods[0]["sku"],
        {"quantity": 3}, token=L.biz())
    hf.expect_success(r)
    by = {i["product_id"]: i for i in fav_list(u)["items"]}
    hf.expect_eq(by[prods[0]["id"]]["available"], 3, "available after a "
        "restock")
    for bad in ("?after=0", "?after=-1", "?after=01", "?after=%FF",
            "?after=1&page=2", "?per_page=0", "?per_page=1000"):
        r = hf.call("GET", API + "/me/favorites" + bad, token=u["token"])
        hf.check(r.status in (400, 422), "%s answered %d" % (bad, r.status),
            r)
    L.reconciled(*[p["sku"] for p in prods])


def _notices(email):
    return int(hf.db_rows("SELECT COUNT(*) FROM outbox WHERE event_type = "
        "'favorite.available' AND target = %s" % hf.sql_str(email))[0][0])


def test_back_in_stock_tells_who_asked_once_per_return():
    waiting, quiet, gone = reader(), reader(), reader()
    p = hf.new_product(0)
    pid, sku = p["id"], p["sku"]
    hf.expect_success(put(waiting, pid, {"notify": True}))
    hf.expect_success(put(quiet, pid))
    hf.expect_success(put(gone, pid, {"notify": True}))
    hf.expect_success(hf.call("PATCH", API + "/users/%d" % gone["id"],
        {"status": "disabled"}, token=hf.inv_admin()))
    biz = L.biz()

    def move(kind, q):
        hf.expect_success(hf.call("POST", API + "/stock/%s/%s"
            % (hf.sku_path(sku), kind), {"quantity": q}, token=biz))

    move("restock", 2)
    hf.expect_eq(_notices(waiting["email"]), 1, "notices to the reader "
        "who asked, after 0 -> 2")
    hf.expect_eq(_notices(quiet["email"]), 0, "notices to a reader who "
        "did not ask")
    hf.expect_eq(_notices(gone["email"]), 0, "notices to a disabled reader")
    move("restock", 1)          # 2 -> 3: not a return
    move("deduct", 2)           # 3 -> 1
    hf.expect_eq(_notices(waiting["email"]), 1, "notices while in stock")
    move("deduct", 1)           # 1 -> 0
    move("restock", 1)          # 0 -> 1: back again
    hf.expect_eq(_notices(waiting["email"]), 2, "notices after the second "
        "return")
    # the e-mail itself reaches the reader (holdfast-notify, dev sink)
    run = subprocess.run([hf.notify_binary()], env=hf.notify_env(),
        capture_output=True, text=True, timeout=120)
    hf.check(run.returncode == 0, "holdfast-notify exited %d: %s"
        % (run.returncode, run.stderr[-800:]), None)
    msgs = hf.wait_until(lambda: [t for _, t in hf.mails_to(
        waiting["email"]) if "available again" in t], 30,
        what="the back-in-stock e-mail")
    hf.check(sku in msgs[0], "the e-mail does not name the SKU", None)
    # turned off: no more
    hf.expect_success(put(waiting, pid, {"notify": False}))
    move("deduct", 1)
    move("restock", 1)
    hf.expect_eq(_notices(waiting["email"]), 2, "notices after notify "
        "false")
    L.reconciled(sku)


def test_a_loan_return_brings_the_notice_too():
    """The one-trip procedure (hf_loan_return) leaves the return of the
    last unit to the C path when someone waits for it."""
    borrower, waiting = reader(), reader()
    p = hf.new_product(1)
    pid, sku = p["id"], p["sku"]
    loan = lend.borrow_one(borrower, sku)
    hf.expect_eq(detail(pid)["available"], 0, "available while lent")
    hf.expect_success(put(waiting, pid, {"notify": True}))
    r = hf.call("POST", API + "/loans/%s/return" % loan["id"], {},
        token=borrower["token"])
    hf.expect_success(r)
    hf.expect_eq(_notices(waiting["email"]), 1, "notices after the return")
    hf.expect_eq(detail(pid)["available"], 1, "available after the return")
    L.reconciled(sku)
