"""Roles and status are live (issue 10, hole 4).

An access token names its user; the role and status it is served with are
the database's as they are now, not the token's claim.  An admin demoted
to user loses admin powers on the next request, on every worker, and so
cannot mint an admin API key with the token it still holds; a disabled
user is refused (403 AUTH_008) on the next request; a promotion takes
effect without a new login; a refresh gives a token of the current role.
The workers remember users only under the generation Redis answers with
each request's rate-limit hit (users.token_version, bumped by each change),
so none of this costs a database read per request; with Redis down every
request reads the database, and a change made while Redis was down holds
once it is back."""

import time

import hf

ADMIN_ONLY = "/api/v1/users?per_page=1"


def _new_user(role="user"):
    email = hf.unique_email("t92")
    pw = hf.new_password()
    r = hf.call("POST", "/api/v1/users", {"email": email, "password": pw,
        "role": role, "display_name": "t92"}, token=hf.inv_admin())
    data = hf.expect_success(r, 201)
    user = data.get("user", data)
    s = hf.login_ok(email, pw)
    return {"id": user["id"], "email": email, "password": pw,
        "access": s["access"], "refresh": s["refresh"]}


def _patch(uid, **body):
    r = hf.call("PATCH", "/api/v1/users/%s" % uid, body,
        token=hf.inv_admin())
    hf.expect_success(r)
    return time.monotonic()


def _workers():
    try:
        return max(len(hf.worker_pids()), 1)
    except hf.Skip:
        return 4


def _rounds():
    # every request is a new connection: enough of them reach every worker
    return 3 * _workers()


def _all(token, path, status, code=None, what=""):
    for i in range(_rounds()):
        r = hf.call("GET", path, token=token)
        if code is None:
            hf.expect_status(r, status)
        else:
            hf.expect_error(r, status, code)
    return r


def test_demoted_admin_loses_admin_on_the_next_request_everywhere():
    u = _new_user("admin")
    # every worker has seen (and may remember) this admin
    _all(u["access"], ADMIN_ONLY, 200)
    t0 = _patch(u["id"], role="user")
    r = hf.call("GET", ADMIN_ONLY, token=u["access"])
    hf.expect_error(r, 403, "AUTH_005")
    hf.check(time.monotonic() - t0 < 1.0, "refused only %.2fs after the "
        "demotion" % (time.monotonic() - t0))
    _all(u["access"], ADMIN_ONLY, 403, "AUTH_005")
    # the token it still holds cannot mint a permanent admin key
    for role in ("admin", "business"):
        r = hf.call("POST", "/api/v1/api-keys", {"name": "t92-escape",
            "role": role}, token=u["access"])
        hf.expect_error(r, 403, "AUTH_005")
    hf.expect_eq(hf.db_rows("SELECT COUNT(*) FROM api_keys WHERE name = "
        "'t92-escape'"), [["0"]], "API keys minted by the demoted admin")
    r = hf.call("PATCH", "/api/v1/users/%s" % u["id"], {"role": "admin"},
        token=u["access"])
    hf.expect_error(r, 403, "AUTH_005")
    # still a user: its own routes work
    me = hf.expect_success(hf.call("GET", "/api/v1/me", token=u["access"]))
    hf.expect_eq(me.get("role", (me.get("user") or {}).get("role")), "user",
        "role in /me")


def test_refresh_after_a_demotion_gives_a_token_of_the_new_role():
    u = _new_user("admin")
    _patch(u["id"], role="user")
    data = hf.expect_success(hf.refresh(u["refresh"]))
    _, claims, _ = hf.jwt_split(data["access_token"])
    hf.expect_eq(claims.get("role"), "user", "role claim after refresh")
    hf.expect_error(hf.call("GET", ADMIN_ONLY, token=data["access_token"]),
        403, "AUTH_005")


def test_promotion_takes_effect_without_a_new_login():
    u = _new_user("user")
    _all(u["access"], ADMIN_ONLY, 403, "AUTH_005")
    _patch(u["id"], role="admin")
    _all(u["access"], ADMIN_ONLY, 200)
    _patch(u["id"], role="user", status="disabled")


def test_disabled_user_is_refused_on_the_next_request_and_back_when_enabled():
    u = _new_user("user")
    sku = hf.new_product(3)["sku"]
    _all(u["access"], "/api/v1/me", 200)
    _patch(u["id"], status="disabled")
    _all(u["access"], "/api/v1/me", 403, "AUTH_008")
    # no write goes through either: a loan, a hold, an order
    for path, body in [
            ("/api/v1/loans", {"items": [{"sku": sku, "quantity": 1}]}),
            ("/api/v1/holds", {"sku": sku}),
            ("/api/v1/orders", {"items": [{"sku": sku, "quantity": 1}]})]:
        r = hf.call("POST", path, body, token=u["access"])
        hf.expect_error(r, 403, "AUTH_008")
    s = hf.stock_of(sku, hf.inv_business())
    hf.expect_eq((s["on_hand"], s["reserved"]), (3, 0),
        "stock after the disabled user's tries")
    r = hf.refresh(u["refresh"])
    hf.expect_status(r, 401, 403)
    hf.expect_error_shape(r)
    _patch(u["id"], status="active")
    _all(u["access"], "/api/v1/me", 200)
    hf.check(hf.reconcile_api(sku)["ok"], "reconcile of %s" % sku)


def test_the_token_claim_is_not_the_role():
    # a token signed with the stack's own key that claims admin for a plain
    # user is served as that user: the claim is not what counts
    u = _new_user("user")
    forged = hf.signed_access_token(u["id"], "admin")
    hf.expect_success(hf.call("GET", "/api/v1/me", token=forged))
    _all(forged, ADMIN_ONLY, 403, "AUTH_005")
    # a user that does not exist
    r = hf.call("GET", "/api/v1/me", token=hf.signed_access_token(
        987654321012, "user"))
    hf.expect_error(r, 401, "AUTH_002")


def _com_select():
    rows = hf.db_rows("SHOW GLOBAL STATUS LIKE 'Com_select'")
    return int(rows[0][1])


def test_a_known_user_costs_no_database_read():
    u = _new_user("user")
    n = 5 * _workers()
    for _ in range(n):                  # every worker learns the user
        hf.expect_success(hf.call("GET", "/api/v1", token=u["access"]))
    before = _com_select()
    for _ in range(n):
        hf.expect_success(hf.call("GET", "/api/v1", token=u["access"]))
    spent = _com_select() - before
    hf.check(spent <= _workers(), "%d requests of a known user made %d "
        "SELECTs" % (n, spent))


def test_with_redis_down_changes_still_hold():
    hf.dev_script()
    u = _new_user("admin")
    _all(u["access"], ADMIN_ONLY, 200)
    with hf.service_stopped("redis"):
        hf.wait_until(lambda: not hf.health_is_ok(), 5, interval=0.1,
            what="health to notice Redis is down")
        _all(u["access"], ADMIN_ONLY, 200)
        _patch(u["id"], role="user")
        # every request reads the database now
        _all(u["access"], ADMIN_ONLY, 403, "AUTH_005")
    # Redis is back with the copy it had before the change: no worker
    # trusts what it remembered from before the outage
    _all(u["access"], ADMIN_ONLY, 403, "AUTH_005")
    _patch(u["id"], status="disabled")
    _all(u["access"], "/api/v1/me", 403, "AUTH_008")
