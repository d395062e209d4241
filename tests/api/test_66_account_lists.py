"""The filters of GET /api/v1/users and GET /api/v1/audit (issue 12): each
optional filter is one parameter the db layer binds twice (DB_OPT_STR), and
/users?q= matches the e-mail or the display name. Every combination must
narrow the page and the total alike; a filter that went unbound, or bound
to the wrong placeholder, lists everyone or no one.

Needs the demo admin ($DEV_VAR/secrets/admin.json)."""

import uuid
from urllib.parse import quote

import hf


def _list(path, query):
    r = hf.call("GET", "%s?%s" % (path, query), token=hf.admin_token())
    data = hf.expect_success(r)
    hf.check(isinstance(data.get("items"), list) and
        isinstance(data.get("total"), int),
        "%s?%s is no list page" % (path, query), r)
    return data, r


def _ids(data):
    return sorted(u["id"] for u in data["items"])


def _make_users(tag):
    """Three users whose display names carry tag: a user, a business
    user, and a user disabled afterwards. Returns them by role name."""
    admin = hf.admin_token()
    made = {}
    for name, role in (("plain", "user"), ("biz", "business"),
            ("off", "user")):
        email = hf.unique_email("lst")
        r = hf.call("POST", "/api/v1/users", {"email": email,
            "password": hf.new_password(), "role": role,
            "display_name": "%s %s" % (tag, name)}, token=admin)
        made[name] = hf.expect_user(hf.expect_success(r, 201), r,
            email=email, role=role, status="active")
    r = hf.call("PATCH", "/api/v1/users/%d" % made["off"]["id"],
        {"status": "disabled"}, token=admin)
    hf.expect_user(hf.expect_success(r), r, status="disabled")
    return made


def test_user_filters_narrow_the_page_and_the_total_alike():
    tag = "Lst" + uuid.uuid4().hex[:10]
    u = _make_users(tag)
    everyone = sorted(x["id"] for x in u.values())
    cases = [
        ("q=%s" % tag, everyone),
        # another case of the name: the collation folds it
        ("q=%s" % tag.upper(), everyone),
        ("q=%s&role=business" % tag, [u["biz"]["id"]]),
        ("q=%s&role=user" % tag, sorted([u["plain"]["id"], u["off"]["id"]])),
        ("q=%s&status=disabled" % tag, [u["off"]["id"]]),
        ("q=%s&status=active&role=user" % tag, [u["plain"]["id"]]),
        ("q=%s&role=admin" % tag, []),
        ("q=%s&status=pending" % tag, []),
        # the e-mail alone matches too (the third binding of q)
        ("q=%s" % quote(u["biz"]["email"]), [u["biz"]["id"]]),
        ("q=%s" % quote(tag + " biz"), [u["biz"]["id"]]),
        ("q=%s" % quote(tag + "-nobody"), []),
    ]
    for query, want in cases:
        data, r = _list("/api/v1/users", query + "&per_page=100")
        hf.expect_eq(_ids(data), want, "ids of GET /users?" + query, r)
        hf.expect_eq(data["total"], len(want), "total of GET /users?" +
            query, r)
        for item in data["items"]:
            hf.expect_user(item, r)
    # a page shorter than the total: the count is not the page's length
    data, r = _list("/api/v1/users", "q=%s&per_page=1&page=2" % tag)
    hf.expect_eq(data["total"], 3, "total of a page of 1", r)
    hf.expect_eq(_ids(data), [everyone[1]], "second page of 1", r)
    # no filter at all lists more than these three
    data, r = _list("/api/v1/users", "per_page=1")
    hf.check(data["total"] >= 4, "GET /users without a filter counts %r"
        % data["total"], r)


def test_audit_filters_narrow_the_page_and_the_total_alike():
    tag = "Aud" + uuid.uuid4().hex[:10]
    u = _make_users(tag)
    off, biz = u["off"]["id"], u["biz"]["id"]
    # the disabled user: user.create then user.update
    data, r = _list("/api/v1/audit", "entity=user&entity_id=%d" % off)
    hf.expect_eq([x["action"] for x in data["items"]],
        ["user.update", "user.create"], "audit of one user, newest first", r)
    hf.expect_eq(data["total"], 2, "audit total of one user", r)
    upd = data["items"][0]
    hf.expect_eq(upd["old_value"]["status"], "active", "old status", r)
    hf.expect_eq(upd["new_value"]["status"], "disabled", "new status", r)
    hf.expect_eq(upd["new_value"]["id"], off, "new_value.id", r)
    hf.check(upd["entity_id"] == str(off), "entity_id %r is not the text "
        "of %d" % (upd["entity_id"], off), r)
    actor = upd["actor"]
    hf.check(actor.startswith("user:"), "admin actor %r" % actor, r)
    # the same with the actor: still those two; another actor: none
    data, r = _list("/api/v1/audit", "entity=user&entity_id=%d&actor=%s"
        % (off, quote(actor)))
    hf.expect_eq(data["total"], 2, "audit total with its actor", r)
    data, r = _list("/api/v1/audit", "entity=user&entity_id=%d&actor=%s"
        % (off, quote("user:0")))
    hf.expect_eq((data["total"], data["items"]), (0, []),
        "audit of another actor", r)
    # another entity with the same id text: none
    data, r = _list("/api/v1/audit", "entity=api_key&entity_id=%d" % biz)
    hf.check(all(x["entity"] == "api_key" for x in data["items"]),
        "entity=api_key lists another entity", r)
    # a window: from its own created_at on, both; a window that ended
    # before it, none; one that starts after it, none
    data, r = _list("/api/v1/audit", "entity=user&entity_id=%d" % biz)
    hf.expect_eq(data["total"], 1, "audit total of the business user", r)
    created = data["items"][0]["created_at"][:19] + "Z"
    data, r = _list("/api/v1/audit", "entity=user&entity_id=%d&from=%s"
        % (biz, created))
    hf.expect_eq(data["total"], 1, "audit from its second on", r)
    data, r = _list("/api/v1/audit", "entity=user&entity_id=%d&to=%s"
        % (biz, "2000-01-01T00:00:00Z"))
    hf.expect_eq(data["total"], 0, "audit window before it", r)
    data, r = _list("/api/v1/audit", "entity=user&entity_id=%d&from=%s"
        % (biz, "9999-01-01T00:00:00Z"))
    hf.expect_eq(data["total"], 0, "audit window after it", r)
