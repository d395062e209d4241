"""A product's discussion (issue 14, item 2): comments, replies to any
depth, likes, deleting and hiding.

The rules these tests hold the server to (README "Library: discussion",
docs/internals.md "Issue 14: discussion"):
- a reply's parent is a comment of the same product that is neither
  deleted nor hidden (422 CMT_002 when it names none the reader sees,
  409 CMT_003 when deleted, or hidden for staff);
- the author's deletion removes the comment alone: while replies are
  shown under it, it is a tombstone (status deleted, no body, no
  author); staff's deletion removes the comment and every reply below;
- staff (business, admin) hide a comment: readers see neither it nor its
  replies, staff see it with hidden: true; a demoted account loses that
  with the token it holds;
- one like per reader; like_count equals the rows under concurrency;
- bodies: UTF-8 plain text, trimmed, 1 to comment_max_chars characters
  (code points, not bytes), no control characters but tab and line
  breaks; a reader may post comment_rate_max per comment_rate_window.
"""

import threading

import hf

API = "/api/v1"
_admin_cache = {}


def _user(role="user", name="Reader"):
    email = hf.unique_email("c3")
    pw = hf.new_password()
    r = hf.call("POST", API + "/users", {"email": email, "password": pw,
        "role": role, "display_name": name}, token=hf.inv_admin())
    data = hf.expect_success(r, 201)
    return {"id": data["id"], "email": email,
        "token": hf.login_ok(email, pw)["access"]}


def _staff():
    if "staff" not in _admin_cache:
        _admin_cache["staff"] = _user("admin", "Moderator")
    return _admin_cache["staff"]


def _product():
    return hf.new_product()["id"]


def _post(pid, who, body, parent=None, status=201):
    b = {"body": body}
    if parent is not None:
        b["parent_id"] = parent
    r = hf.call("POST", API + "/products/%s/comments" % pid, b,
        token=who["token"] if who else None)
    if status != 201:
        return r
    return hf.expect_success(r, 201)


def _list(pid, who=None, **q):
    qs = "&".join("%s=%s" % kv for kv in q.items())
    r = hf.call("GET", API + "/products/%s/comments%s" % (pid,
        "?" + qs if qs else ""), token=who["token"] if who else None)
    return hf.expect_success(r), r


def _rows(sql):
    return hf.db_rows(sql)


def _walk(nodes):
    for n in nodes:
        yield n
        yield from _walk(n["replies"])


def test_a_depth_10_tree_comes_back_whole_and_in_order():
    pid = _product()
    a, b = _user(name="Ann"), _user(name="Bo")
    first = _post(pid, a, "an older thread")
    ids = []
    parent = None
    for level in range(10):
        c = _post(pid, (a, b)[level % 2], "level %d" % level, parent)
        hf.expect_eq(c["depth"], level, "depth of a new reply")
        hf.expect_eq(c["parent_id"], parent, "parent_id of a new reply")
        ids.append(c["id"])
        parent = c["id"]
    # a sibling under level 0, newer than level 1: replies oldest first
    sib = _post(pid, b, "a sibling of level 1", ids[0])
    data, r = _list(pid, a)
    hf.expect_eq(data["total"], 2, "top-level comments", r)
    hf.expect_eq([n["id"] for n in data["items"]], [ids[0], first["id"]],
        "top level newest first (sort=new)", r)
    node = data["items"][0]
    hf.expect_eq(node["reply_count"], 10, "replies below the top", r)
    hf.expect_eq([x["id"] for x in node["replies"]], [ids[1], sib["id"]],
        "replies oldest first", r)
    for level in range(10):
        hf.expect_eq(node["id"], ids[level], "id at depth %d" % level, r)
        hf.expect_eq(node["depth"], level, "depth", r)
        hf.expect_eq(node["body"], "level %d" % level, "body", r)
        hf.expect_eq(node["author"]["display_name"], ("Ann", "Bo")[level % 2],
            "author display name", r)
        hf.expect_eq(node["mine"], level % 2 == 0, "mine for Ann", r)
        hf.expect_eq(node["reply_count"], 9 - level + (level == 0),
            "reply_count at depth %d" % level, r)
        node = node["replies"][0] if level < 9 else node
    hf.expect_eq(node["replies"], [], "the deepest has no replies", r)
    text = r.body.decode("utf-8")
    for who in (a, b):
        hf.check(who["email"] not in text, "an author's e-mail leaked", r)
    # a guest reads the same tree
    g, r = _list(pid)
    hf.expect_eq([n["id"] for n in _walk(g["items"])],
        [n["id"] for n in _walk(data["items"])], "guest's tree", r)
    hf.check(all(not n["mine"] and not n["liked"] for n in _walk(
        g["items"])), "a guest has nothing of their own", r)


def test_author_delete_leaves_a_tombstone_and_the_replies_readable():
    pid = _product()
    a, b = _user(), _user(name="Bo")
    top = _post(pid, a, "a question")
    rep = _post(pid, b, "an answer", top["id"])
    lone = _post(pid, a, "a lone remark")
    r = hf.call("DELETE", API + "/comments/%d" % top["id"], token=a["token"])
    d = hf.expect_success(r)
    hf.expect_eq((d["rule"], d["tombstone"], d["removed"]),
        ("author", True, 1), "author's deletion of a comment with a reply", r)
    data, r = _list(pid, b)
    t = [n for n in data["items"] if n["id"] == top["id"]]
    hf.expect_eq(len(t), 1, "the tombstone is listed", r)
    t = t[0]
    hf.expect_eq((t["status"], t["body"], t["author"]),
        ("deleted", None, None), "a tombstone has no body, no author", r)
    hf.expect_eq([x["body"] for x in t["replies"]], ["an answer"],
        "the reply stays readable", r)
    hf.expect_eq(t["replies"][0]["author"]["display_name"], "Bo",
        "the reply keeps its author", r)
    body = _rows("SELECT body, status FROM comments WHERE id = %d" %
        top["id"])
    hf.expect_eq(body, [["", "deleted"]], "the author's text is gone")
    # a tombstone takes no reply, no like, no second delete
    hf.expect_error(_post(pid, b, "late", top["id"], status=409), 409,
        "CMT_003")
    hf.expect_error(hf.call("PUT", API + "/comments/%d/like" % top["id"],
        token=b["token"]), 404, "CMT_001")
    hf.expect_error(hf.call("DELETE", API + "/comments/%d" % top["id"],
        token=a["token"]), 404, "CMT_001")
    # a comment with no reply simply goes
    d = hf.expect_success(hf.call("DELETE", API + "/comments/%d" %
        lone["id"], token=a["token"]))
    hf.expect_eq(d["tombstone"], False, "no replies: no tombstone")
    # the last reply goes: the tombstone has nothing to hold, it goes too
    hf.expect_success(hf.call("DELETE", API + "/comments/%d" % rep["id"],
        token=b["token"]))
    data, r = _list(pid, b)
    hf.expect_eq((data["total"], data["items"]), (0, []),
        "nothing left to show", r)


def test_staff_delete_cascades_to_every_reply():
    pid = _product()
    a, b = _user(), _user()
    top = _post(pid, a, "spam?")
    r1 = _post(pid, b, "reply", top["id"])
    r2 = _post(pid, a, "reply to reply", r1["id"])
    keep = _post(pid, b, "another thread")
    r = hf.call("DELETE", API + "/comments/%d" % top["id"],
        token=_staff()["token"])
    d = hf.expect_success(r)
    hf.expect_eq((d["rule"], d["removed"]), ("staff", 3),
        "staff's deletion takes the subtree", r)
    data, r = _list(pid, a)
    hf.expect_eq([n["id"] for n in data["items"]], [keep["id"]],
        "only the other thread is left", r)
    st = _rows("SELECT status FROM comments WHERE id IN (%d,%d,%d)" % (
        top["id"], r1["id"], r2["id"]))
    hf.expect_eq(sorted(x[0] for x in st), ["deleted"] * 3, "rows deleted")
    audit = _rows("SELECT action FROM audit_log WHERE entity = 'comment' "
        "AND entity_id = '%d'" % top["id"])
    hf.expect_eq(audit, [["comment.delete"]], "staff's deletion audited")
    data, r = _list(pid, _staff())
    hf.expect_eq([n["id"] for n in data["items"]], [keep["id"]],
        "staff do not see deleted ones either", r)


def _together(n, fn):
    gate = threading.Barrier(n)
    out = [None] * n

    def run(i):
        gate.wait()
        out[i] = fn(i)
    ts = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


def _likes(cid):
    rows = _rows("SELECT like_count, (SELECT COUNT(*) FROM comment_likes "
        "WHERE comment_id = %d) FROM comments WHERE id = %d" % (cid, cid))
    return int(rows[0][0]), int(rows[0][1])


def test_32_concurrent_likes_by_one_reader_count_once():
    pid = _product()
    a = _user()
    c = _post(pid, a, "like me")
    out = _together(32, lambda i: hf.call("PUT", API + "/comments/%d/like" %
        c["id"], token=a["token"]))
    for r in out:
        d = hf.expect_success(r)
        hf.expect_eq((d["liked"], d["like_count"]), (True, 1),
            "every answer: liked once", r)
    hf.expect_eq(_likes(c["id"]), (1, 1), "like_count and rows")
    out = _together(32, lambda i: hf.call("DELETE", API +
        "/comments/%d/like" % c["id"], token=a["token"]))
    for r in out:
        hf.expect_eq(hf.expect_success(r)["like_count"], 0, "unliked", r)
    hf.expect_eq(_likes(c["id"]), (0, 0), "like_count and rows after")


def test_32_readers_liking_at_once_count_32_equal_to_the_rows():
    pid = _product()
    readers = [_user() for _ in range(32)]
    c = _post(pid, readers[0], "popular")
    out = _together(32, lambda i: hf.call("PUT", API + "/comments/%d/like" %
        c["id"], token=readers[i]["token"]))
    for r in out:
        hf.expect_success(r)
    hf.expect_eq(sorted(hf.expect_success(r)["like_count"] for r in out),
        list(range(1, 33)), "each like saw its own count")
    hf.expect_eq(_likes(c["id"]), (32, 32), "like_count and rows")
    data, r = _list(pid, readers[5])
    hf.expect_eq((data["items"][0]["like_count"], data["items"][0]["liked"]),
        (32, True), "a reader who liked", r)
    data, r = _list(pid)
    hf.expect_eq(data["items"][0]["liked"], False, "a guest did not", r)
    # half take it back at once, each with a second request racing it
    out = _together(32, lambda i: hf.call("DELETE", API +
        "/comments/%d/like" % c["id"], token=readers[i // 2]["token"]))
    for r in out:
        hf.expect_success(r)
    hf.expect_eq(_likes(c["id"]), (16, 16), "16 left, as many rows")


def test_sort_top_puts_the_most_liked_first():
    pid = _product()
    a, b = _user(), _user()
    old = _post(pid, a, "old but liked")
    new = _post(pid, a, "new")
    for who in (a, b):
        hf.expect_success(hf.call("PUT", API + "/comments/%d/like" %
            old["id"], token=who["token"]))
    data, r = _list(pid, a, sort="top")
    hf.expect_eq([n["id"] for n in data["items"]], [old["id"], new["id"]],
        "sort=top", r)
    hf.expect_eq(data["sort"], "top", "sort named", r)
    data, r = _list(pid, a, sort="new", per_page=1, page=2)
    hf.expect_eq(([n["id"] for n in data["items"]], data["total"]),
        ([old["id"]], 2), "page 2 of 1 per page", r)
    r = hf.call("GET", API + "/products/%d/comments?sort=best" % pid)
    hf.expect_error(r, 422, "REQ_010")


def test_another_reader_cannot_delete_and_readers_cannot_hide():
    pid = _product()
    a, b = _user(), _user()
    c = _post(pid, a, "mine")
    r = hf.call("DELETE", API + "/comments/%d" % c["id"], token=b["token"])
    hf.expect_error(r, 403, "CMT_005")
    r = hf.call("PATCH", API + "/comments/%d" % c["id"], {"hidden": True},
        token=b["token"])
    hf.expect_status(r, 403)
    r = hf.call("DELETE", API + "/comments/%d" % c["id"])
    hf.expect_status(r, 401)
    r = hf.call("POST", API + "/products/%d/comments" % pid, {"body": "x"})
    hf.expect_status(r, 401)
    data, r = _list(pid)
    hf.expect_eq([n["body"] for n in data["items"]], ["mine"], "still there",
        r)
    # an API key is nobody's reader
    r = hf.call("POST", API + "/products/%d/comments" % pid, {"body": "x"},
        token=hf.inv_business("c3"))
    hf.expect_error(r, 403, "CMT_006")
    r = hf.call("PUT", API + "/comments/%d/like" % c["id"],
        token=hf.inv_business("c3"))
    hf.expect_error(r, 403, "CMT_006")


def test_hidden_comments_are_invisible_to_readers_and_demoted_staff_lose_it():
    pid = _product()
    a, b = _user(), _user()
    mod = _user("business", "Librarian")
    top = _post(pid, a, "rude")
    rep = _post(pid, b, "reply under rude", top["id"])
    other = _post(pid, b, "fine")
    r = hf.call("PATCH", API + "/comments/%d" % top["id"], {"hidden": True,
        "reason": "rude words"}, token=mod["token"])
    hf.expect_eq(hf.expect_success(r)["hidden"], True, "hidden", r)
    audit = _rows("SELECT action, actor, new_value FROM audit_log WHERE "
        "entity = 'comment' AND entity_id = '%d'" % top["id"])
    hf.check(len(audit) == 1 and audit[0][0] == "comment.hide" and
        audit[0][1] == "user:%s" % mod["id"] and "rude words" in
        (audit[0][2] or ""), "the hiding is in the audit log: %r" % audit)
    data, r = _list(pid, a)
    hf.expect_eq([n["id"] for n in data["items"]], [other["id"]],
        "readers see neither it nor its replies", r)
    hf.expect_eq(data["total"], 1, "total for readers", r)
    data, r = _list(pid, mod)
    hf.expect_eq(sorted((n["id"], n["hidden"]) for n in data["items"]),
        sorted([(top["id"], True), (other["id"], False)]), "staff see it", r)
    # nobody but staff may like it or reply under it
    hf.expect_error(hf.call("PUT", API + "/comments/%d/like" % rep["id"],
        token=a["token"]), 404, "CMT_001")
    hf.expect_error(_post(pid, a, "x", rep["id"], status=422), 422,
        "CMT_002")
    hf.expect_error(_post(pid, mod, "x", top["id"], status=409), 409,
        "CMT_003")
    # the moderator is demoted: the same token loses hide and delete
    r = hf.call("PATCH", API + "/users/%s" % mod["id"], {"role": "user"},
        token=hf.inv_admin())
    hf.expect_success(r)
    r = hf.call("PATCH", API + "/comments/%d" % top["id"], {"hidden": False},
        token=mod["token"])
    hf.expect_status(r, 403)
    r = hf.call("DELETE", API + "/comments/%d" % other["id"],
        token=mod["token"])
    hf.expect_error(r, 403, "CMT_005")
    data, r = _list(pid, mod)
    hf.expect_eq([n["id"] for n in data["items"]], [other["id"]],
        "a demoted moderator reads as a reader", r)
    # staff show it again
    r = hf.call("PATCH", API + "/comments/%d" % top["id"], {"hidden": False},
        token=_staff()["token"])
    hf.expect_success(r)
    data, r = _list(pid, a)
    hf.expect_eq(len(data["items"]), 2, "shown again", r)


def test_ids_in_other_spellings():
    pid = _product()
    a = _user()
    c = _post(pid, a, "spell")
    cid = c["id"]
    for path in ("/comments/0%d/like" % cid, "/comments/+%d/like" % cid,
        "/comments/%d/like" % cid):
        d = hf.expect_success(hf.call("PUT", API + path, token=a["token"]))
        hf.expect_eq(d["comment_id"], cid, "the same comment", None)
    hf.expect_eq(_likes(cid), (1, 1), "one like through three spellings")
    data, r = _list("0%d" % pid, a)
    hf.expect_eq([n["id"] for n in data["items"]], [cid], "0-padded product",
        r)
    for bad in ("%d.0" % cid, "%de0" % cid, "0x%x" % cid, "-%d" % cid,
        "%d%%20" % cid, "99999999999999999999", "0"):
        r = hf.call("PUT", API + "/comments/%s/like" % bad, token=a["token"])
        hf.check(r.status == 404, "comment id %r: %d, not 404" % (bad,
            r.status), r)
        r = hf.call("DELETE", API + "/comments/%s" % bad, token=a["token"])
        hf.check(r.status == 404, "delete %r: %d, not 404" % (bad, r.status),
            r)
    hf.expect_error(hf.call("GET", API + "/products/999999999999/comments"),
        404, "INV_001")


def test_bodies_utf8_controls_trim_and_the_cap_in_characters():
    pid = _product()
    cap = hf.conf_int("comment_max_chars", 2000)
    a = _user()
    path = API + "/products/%d/comments" % pid
    r = hf.call("POST", path, b'{"body":"caf\xe9 \xff"}', token=a["token"],
        headers={"Content-Type": "application/json"})
    hf.expect_field_error(r, 422, "REQ_010", "body")
    for bad in ("", "   \n\t ", "bell\u0007", "nul\u0000x", "esc\u001b[31m",
        "c1\u0085", "del\u007f"):
        r = hf.call("POST", path, {"body": bad}, token=a["token"])
        hf.expect_field_error(r, 422, "REQ_010", "body")
    ok = _post(pid, a, "  two\n\tlines \r\n")
    hf.expect_eq(ok["body"], "two\n\tlines", "trimmed, inner breaks kept")
    r = hf.call("POST", path, {"body": "\u00e9" * (cap + 1)},
        token=a["token"])
    hf.expect_field_error(r, 422, "REQ_010", "body")
    at = _post(pid, a, "\u00e9" * cap)
    hf.expect_eq(len(at["body"]), cap, "a body at the cap (2 bytes each)")
    wide = _post(pid, a, "  " + "\U0001F600" * cap + "  ")
    hf.expect_eq(wide["body"], "\U0001F600" * cap, "4-byte characters")
    b = _user()
    hf.expect_error(_post(pid, b, "x" * (cap + 1), status=422), 422,
        "REQ_010")
    html = "<img src=x onerror=alert(1)>"
    c = _post(pid, b, html)
    hf.expect_eq(c["body"], html, "stored and answered as given")
    r = hf.call("POST", path, {"body": "x", "author": "admin"},
        token=b["token"])
    hf.expect_error(r, 400, "REQ_009")


def test_parent_on_another_product_or_gone_is_refused():
    p1, p2 = _product(), _product()
    a = _user()
    c = _post(p1, a, "on p1")
    hf.expect_error(_post(p2, a, "x", c["id"], status=422), 422, "CMT_002")
    hf.expect_error(_post(p1, a, "x", 999999999999, status=422), 422,
        "CMT_002")
    hf.expect_error(_post(999999999999, a, "x", status=404), 404, "INV_001")
    r = hf.call("POST", API + "/products/%d/comments" % p1,
        {"body": "x", "parent_id": "1"}, token=a["token"])
    hf.expect_field_error(r, 422, "REQ_010", "parent_id")
    data, r = _list(p2, a)
    hf.expect_eq(data["total"], 0, "nothing landed on p2", r)
    # at the depth cap (a row put there by SQL: 100 replies would take a
    # reader ten minutes of the rate limit) a reply is refused
    cap = hf.conf_int("comment_max_depth", 100)
    deep = _post(p1, a, "deep", c["id"])
    _rows("UPDATE comments SET depth = %d WHERE id = %d" % (cap, deep["id"]))
    hf.expect_error(_post(p1, a, "too deep", deep["id"], status=409), 409,
        "CMT_004")
    _rows("UPDATE comments SET depth = %d WHERE id = %d" % (cap - 1,
        deep["id"]))
    hf.expect_eq(_post(p1, a, "just deep enough", deep["id"])["depth"], cap,
        "a reply at the cap")


def test_posting_is_rate_limited_per_reader():
    pid = _product()
    limit = hf.conf_int("comment_rate_max", 10)
    a, b = _user(), _user()
    for i in range(limit):
        _post(pid, a, "n%d" % i)
    r = _post(pid, a, "one too many", status=429)
    hf.expect_error(r, 429, "REQ_006")
    ra = r.headers.get("Retry-After")
    hf.check(ra is not None and ra.isdigit() and int(ra) >= 1,
        "Retry-After %r" % ra, r)
    _post(pid, b, "another reader is not limited")
    n = _rows("SELECT COUNT(*) FROM comments WHERE product_id = %d" % pid)
    hf.expect_eq(int(n[0][0]), limit + 1, "the refused one was not stored")
