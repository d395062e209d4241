"""Audit log (issue 3): every account write leaves one row naming the actor,
the action, the entity and the request's X-Request-Id; no password, code,
token or key ever lands in it (nor in the worker log).

Needs the demo admin ($DEV_VAR/secrets/admin.json); the secrets check also
reads audit_log through the stack's MariaDB as root."""

import os
import re
from urllib.parse import quote

import hf


def _rid(tag):
    return hf.new_request_id("audit-" + tag)


def _send(method, path, body=None, token=None, tag="w"):
    """One write with its own X-Request-Id; returns (response, id)."""
    rid = _rid(tag)
    r = hf.call(method, path, body=body, token=token,
        headers={"X-Request-Id": rid})
    hf.expect_request_id(r, sent=rid)
    return r, rid


def _user_of(data):
    return data["user"] if isinstance(data.get("user"), dict) else data


def _do_writes():
    """The account writes of issue 3, each with its own request id.
    Returns (writes, secrets, codes, (user id, admin-made user id), email):
    writes is [(name, request_id, entity id)], secrets the passwords,
    tokens and key used, codes the e-mailed codes."""
    admin = hf.admin_token()
    email = hf.unique_email("aud")
    password = hf.new_password()
    writes, secrets = [], [password]

    r, rid = _send("POST", "/api/v1/auth/register", {"email": email,
        "password": password, "display_name": "Audited"}, tag="register")
    uid = hf.expect_user(hf.expect_success(r, 201).get("user"), r)["id"]
    writes.append(("register", rid, uid))
    code = hf.wait_code(email)

    r, rid = _send("POST", "/api/v1/auth/verify", {"email": email,
        "code": code}, tag="verify")
    hf.expect_success(r)
    writes.append(("verify", rid, uid))

    s = hf.login_ok(email, password)
    secrets += [s["access"], s["refresh"]]
    r, rid = _send("PATCH", "/api/v1/me", {"display_name": "Audited 2"},
        token=s["access"], tag="patch-me")
    hf.expect_success(r)
    writes.append(("patch_me", rid, uid))

    email2 = hf.unique_email("aud2")
    password2 = hf.new_password()
    secrets.append(password2)
    r, rid = _send("POST", "/api/v1/users", {"email": email2,
        "password": password2, "role": "user", "display_name": "Made"},
        token=admin, tag="create-user")
    uid2 = hf.expect_user(_user_of(hf.expect_success(r, 201)), r)["id"]
    writes.append(("create_user", rid, uid2))

    r, rid = _send("PATCH", "/api/v1/users/%s" % uid2,
        {"status": "disabled"}, token=admin, tag="patch-user")
    hf.expect_success(r)
    writes.append(("patch_user", rid, uid2))

    r, rid = _send("POST", "/api/v1/api-keys", {"name": "audit-key",
        "role": "business"}, token=admin, tag="create-key")
    key = hf.expect_success(r, 201)
    secrets.append(key["key"])
    writes.append(("create_key", rid, key["id"]))

    r, rid = _send("DELETE", "/api/v1/api-keys/%s" % key["id"],
        token=admin, tag="revoke-key")
    hf.expect_status(r, 200)
    writes.append(("revoke_key", rid, key["id"]))
    return writes, secrets, [code], (uid, uid2), email


def _audit_page(page, per_page=100, query=""):
    r = hf.call("GET", "/api/v1/audit?page=%d&per_page=%d%s"
        % (page, per_page, query), token=hf.admin_token())
    data = hf.expect_success(r)
    hf.check(isinstance(data.get("items"), list), "audit data.items", r)
    hf.check(isinstance(data.get("total"), int), "audit data.total", r)
    return data, r


def _audit_rows(request_ids):
    """Audit items whose request_id is one of ours: the newest and oldest
    pages are read (the order is the server's choice)."""
    want = set(request_ids)
    data, _ = _audit_page(1)
    last = max(1, (data["total"] + 99) // 100)
    pages = sorted(set([1, 2, 3, last - 2, last - 1, last]) & set(
        range(1, last + 1)))
    rows = []
    for p in pages:
        d = data if p == 1 else _audit_page(p)[0]
        rows += [i for i in d["items"] if i.get("request_id") in want]
    return rows


def test_every_account_write_has_one_audit_row_with_its_request_id():
    writes, _, _, (uid, uid2), email = _do_writes()
    rows = _audit_rows([rid for _, rid, _ in writes])
    by_rid = {}
    for row in rows:
        by_rid.setdefault(row["request_id"], []).append(row)
    got = {}
    for name, rid, eid in writes:
        mine = by_rid.get(rid, [])
        hf.check(len(mine) == 1, "%s (X-Request-Id %s): %d audit rows, "
            "not 1: %r" % (name, rid, len(mine), mine))
        row = mine[0]
        for k in ("actor", "action", "entity", "entity_id"):
            hf.check(isinstance(row.get(k), (str, int)) and
                str(row[k]) != "", "%s: audit row has no %s: %r"
                % (name, k, row))
        hf.expect_eq(str(row["entity_id"]), str(eid),
            "%s: audit entity_id" % name)
        got[name] = row

    admin_rows = [got[n] for n in ("create_user", "patch_user",
        "create_key", "revoke_key")]
    hf.check(len(set(r["actor"] for r in admin_rows)) == 1,
        "the admin's writes name different actors: %r"
        % [r["actor"] for r in admin_rows])
    me = got["patch_me"]
    hf.check(me["actor"] != admin_rows[0]["actor"],
        "PATCH /me by a user is recorded as the admin's")
    hf.check(str(uid) in str(me["actor"]) or email in str(me["actor"]),
        "PATCH /me actor %r names neither user id %s nor %s"
        % (me["actor"], uid, email))

    user_entity = got["register"]["entity"]
    for n in ("verify", "patch_me", "create_user", "patch_user"):
        hf.expect_eq(got[n]["entity"], user_entity, "%s: audit entity" % n)
    hf.expect_eq(got["revoke_key"]["entity"], got["create_key"]["entity"],
        "revoke_key: audit entity")
    hf.check(got["create_key"]["entity"] != user_entity,
        "keys and users are audited as the same entity %r" % user_entity)
    for a, b in [("create_key", "revoke_key"), ("create_user", "patch_user"),
        ("register", "verify"), ("register", "patch_me")]:
        hf.check(got[a]["action"] != got[b]["action"],
            "%s and %s are both audited as action %r"
            % (a, b, got[a]["action"]))

    # the entity filter finds exactly the rows of that user
    data, r = _audit_page(1, 100, "&entity=%s&entity_id=%s"
        % (quote(str(user_entity)), quote(str(uid))))
    rids = sorted(i.get("request_id") for i in data["items"])
    for name in ("register", "verify", "patch_me"):
        hf.check(got[name]["request_id"] in rids,
            "?entity=%s&entity_id=%s does not list the %s row"
            % (user_entity, uid, name), r)
    for i in data["items"]:
        hf.expect_eq(str(i.get("entity_id")), str(uid),
            "entity_id of a filtered audit row", r)


def _password_hashes(uids):
    rows = hf.db_rows("SELECT password_hash FROM users WHERE id IN (%s)"
        % ",".join(str(int(u)) for u in uids))
    return [r[0] for r in rows if r[0]]


def test_no_password_code_token_or_key_in_the_audit_log_or_worker_log():
    log = os.path.join(hf.dev_var(), "log", "holdfast.log")
    try:
        log_start = os.path.getsize(log)
    except OSError:
        log_start = None

    # only this test's rows: a long-lived log holds numbers (ids, hex
    # references) that a random 6-digit code can equal by chance
    first = hf.db_rows("SELECT COALESCE(MAX(id), 0) FROM audit_log")[0][0]
    writes, secrets, codes, uids, email = _do_writes()
    # a reset adds a code and another password to look for
    seen = hf.mail_paths_to(email)
    r = hf.post("/api/v1/auth/password/forgot", {"email": email})
    hf.expect_status(r, 202)
    reset_code = hf.wait_code(email, exclude=seen)
    new_pw = hf.new_password()
    r = hf.post("/api/v1/auth/password/reset", {"email": email,
        "code": reset_code, "password": new_pw})
    hf.expect_status(r, 200)
    secrets.append(new_pw)
    codes.append(reset_code)
    s = hf.login_ok(email, new_pw)
    secrets += [s["access"], s["refresh"]]
    hashes = _password_hashes(uids)
    hf.check(len(hashes) == 2, "no password hashes for users %r" % (uids,))
    # a JWT's signature alone is a secret too
    long_secrets = secrets + hashes + [t.split(".")[-1] for t in secrets
        if t.count(".") == 2]

    rows = hf.db_rows("SELECT CONCAT_WS(' ', actor, actor_role, action, "
        "entity, entity_id, old_value, new_value, user_agent), "
        "CONCAT_WS(' ', ip, request_id) FROM audit_log WHERE id > %d"
        % int(first))
    hf.check(rows, "audit_log is empty")
    text = "\n".join(r[0] or "" for r in rows)
    everything = text + "\n" + "\n".join(r[1] or "" for r in rows)
    for sec in long_secrets:
        if sec in everything:
            hf.fail("audit_log holds a secret (%s...)" % sec[:6])
    for code in codes:
        if re.search(r"(?<![0-9])%s(?![0-9])" % code, text):
            hf.fail("audit_log holds the e-mailed code %s" % code)

    if log_start is not None:
        with open(log, "rb") as f:
            f.seek(log_start)
            tail = f.read().decode("utf-8", "replace")
        for sec in long_secrets:
            if sec in tail:
                hf.fail("the worker log %s holds a secret (%s...)"
                    % (log, sec[:6]))
