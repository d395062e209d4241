"""Roles, API keys, admin user management and mass assignment (issue 3).

Admin tests log in as the demo admin from $DEV_VAR/secrets/admin.json and
skip without it."""

import re
from urllib.parse import quote

import hf


def _user_of(data):
    """POST /users may answer data = the user or data.user = the user."""
    if isinstance(data.get("user"), dict):
        return data["user"]
    return data


def _items(r):
    data = hf.expect_success(r)
    items = data.get("items")
    hf.check(isinstance(items, list), "data.items is not a list", r)
    for k in ("page", "per_page", "total"):
        hf.check(isinstance(data.get(k), int), "list data.%s is %r"
            % (k, data.get(k)), r)
    return items


def _create_key(admin, role="business", name=None):
    name = name or "test-%s" % hf.unique_email("k").split("@")[0]
    r = hf.call("POST", "/api/v1/api-keys", {"name": name, "role": role},
        token=admin)
    data = hf.expect_success(r, 201)
    for k in ("key", "id", "name", "role", "prefix"):
        hf.check(k in data, "api key data has no %r" % k, r)
    hf.check(isinstance(data["key"], str) and data["key"].startswith("hfk_"),
        "data.key does not start hfk_", r)
    hf.check(len(data["key"]) >= 24, "data.key is short: %d chars"
        % len(data["key"]), r)
    hf.expect_eq(data["name"], name, "api key name", r)
    hf.expect_eq(data["role"], role, "api key role", r)
    hf.check(isinstance(data["prefix"], str) and data["prefix"] != "" and
        data["key"].startswith(data["prefix"]) and
        len(data["prefix"]) < len(data["key"]) - 16,
        "data.prefix %r is not a short prefix of the key" % data["prefix"], r)
    return data


def _admin_create_user(admin, email=None, password=None, role="user"):
    email = email or hf.unique_email("adm")
    password = password or hf.new_password()
    r = hf.call("POST", "/api/v1/users", {"email": email,
        "password": password, "role": role, "display_name": "Made"},
        token=admin)
    data = hf.expect_success(r, 201)
    user = hf.expect_user(_user_of(data), r, email=email, status="active",
        role=role)
    return {"email": email, "password": password, "id": user["id"],
        "user": user}


def test_api_key_is_shown_once_and_never_listed():
    admin = hf.admin_token()
    k = _create_key(admin)
    r = hf.call("GET", "/api/v1/api-keys?per_page=100", token=admin)
    items = _items(r)
    secret_tail = k["key"][len(k["prefix"]):]
    hf.check(k["key"] not in r.text and secret_tail not in r.text,
        "GET /api-keys shows a key", r)
    # the list is newest first or not; look at the last page too
    total = r.json["data"]["total"]
    if not any(str(i.get("id")) == str(k["id"]) for i in items) and \
        total > 100:
        last = (total + 99) // 100
        r = hf.call("GET", "/api/v1/api-keys?per_page=100&page=%d" % last,
            token=admin)
        items = _items(r)
        hf.check(k["key"] not in r.text and secret_tail not in r.text,
            "GET /api-keys shows a key", r)
    mine = [i for i in items if str(i.get("id")) == str(k["id"])]
    hf.check(len(mine) == 1, "the new key (id %s) is not listed once"
        % k["id"], r)
    hf.expect_eq(mine[0].get("name"), k["name"], "listed key name", r)
    hf.expect_eq(mine[0].get("prefix"), k["prefix"], "listed key prefix", r)
    hf.call("DELETE", "/api/v1/api-keys/%s" % k["id"], token=admin)


def test_business_key_authenticates_is_not_admin_and_dies_when_deleted():
    admin = hf.admin_token()
    k = _create_key(admin, "business")
    key = k["key"]

    r = hf.call("GET", "/api/v1/me", token=key)
    hf.check(r.status != 401, "GET /me with a fresh business key is 401", r)
    hf.expect_not_5xx(r)
    r = hf.call("GET", "/api/v1/users", token=key)
    hf.expect_error(r, 403, "AUTH_005")
    r = hf.call("POST", "/api/v1/api-keys", {"name": "x", "role": "admin"},
        token=key)
    hf.expect_error(r, 403, "AUTH_005")

    r = hf.call("DELETE", "/api/v1/api-keys/%s" % k["id"], token=admin)
    hf.expect_status(r, 200)
    hf.expect_json(r)

    # refused at once: 401 where it was 403 a moment ago
    r = hf.call("GET", "/api/v1/users", token=key)
    hf.expect_error(r, 401, "AUTH_002")
    r = hf.call("GET", "/api/v1/me", token=key)
    hf.expect_error(r, 401, "AUTH_002")


def test_admin_key_opens_admin_routes_until_deleted():
    admin = hf.admin_token()
    k = _create_key(admin, "admin")
    r = hf.call("GET", "/api/v1/users?per_page=1", token=k["key"])
    _items(r)
    r = hf.call("DELETE", "/api/v1/api-keys/%s" % k["id"], token=admin)
    hf.expect_status(r, 200)
    r = hf.call("GET", "/api/v1/users?per_page=1", token=k["key"])
    hf.expect_error(r, 401, "AUTH_002")


def test_made_up_key_is_401():
    admin = hf.admin_token()
    k = _create_key(admin, "business")
    # same prefix, different secret
    fake = k["key"][:-4] + ("0000" if not k["key"].endswith("0000")
        else "1111")
    r = hf.call("GET", "/api/v1/me", token=fake)
    hf.expect_error(r, 401, "AUTH_002")
    hf.call("DELETE", "/api/v1/api-keys/%s" % k["id"], token=admin)


def test_api_key_create_validates_its_body():
    admin = hf.admin_token()
    for body, field in [({"name": "x", "role": "superuser"}, "role"),
        ({"name": "x", "role": ""}, "role"), ({"name": "x"}, "role"),
        ({"role": "business"}, "name"), ({"name": "", "role": "business"},
            "name")]:
        r = hf.call("POST", "/api/v1/api-keys", body, token=admin)
        hf.expect_field_error(r, 422, "REQ_010", field)
    r = hf.call("POST", "/api/v1/api-keys", {"name": "x", "role": "business",
        "key": "hfk_chosen_by_the_client_0123456789"}, token=admin)
    hf.expect_field_error(r, 400, "REQ_009", "key")


def test_admin_created_user_is_active_and_can_log_in():
    admin = hf.admin_token()
    u = _admin_create_user(admin)
    s = hf.login_ok(u["email"], u["password"])
    me = hf.expect_success(hf.call("GET", "/api/v1/me", token=s["access"]))
    hf.expect_user(me, email=u["email"], status="active", role="user")
    # the address is taken now, in any case
    r = hf.call("POST", "/api/v1/users", {"email": u["email"].upper(),
        "password": hf.new_password(), "role": "user", "display_name": "x"},
        token=admin)
    hf.expect_error(r, 409, "AUTH_006")
    r = hf.register(u["email"], hf.new_password())
    hf.expect_error(r, 409, "AUTH_006")


def test_admin_create_user_validates_its_body():
    admin = hf.admin_token()
    r = hf.call("POST", "/api/v1/users", {"email": hf.unique_email(),
        "password": "short", "role": "user", "display_name": "x"},
        token=admin)
    hf.expect_field_error(r, 422, "REQ_010", "password")
    r = hf.call("POST", "/api/v1/users", {"email": hf.unique_email(),
        "password": hf.new_password(), "role": "emperor",
        "display_name": "x"}, token=admin)
    hf.expect_field_error(r, 422, "REQ_010", "role")
    r = hf.call("POST", "/api/v1/users", {"email": hf.unique_email(),
        "password": hf.new_password(), "role": "user", "display_name": "x",
        "status": "pending"}, token=admin)
    hf.expect_field_error(r, 400, "REQ_009", "status")


def test_disabled_user_cannot_log_in_or_refresh_and_enabled_again_can():
    admin = hf.admin_token()
    u = _admin_create_user(admin)
    s = hf.login_ok(u["email"], u["password"])

    r = hf.call("PATCH", "/api/v1/users/%s" % u["id"],
        {"status": "disabled"}, token=admin)
    data = hf.expect_success(r)
    hf.expect_user(_user_of(data), r, email=u["email"], status="disabled")

    r = hf.login(u["email"], u["password"])
    hf.expect_error(r, 403, "AUTH_008")
    r = hf.refresh(s["refresh"])
    hf.expect_status(r, 401, 403)
    hf.expect_error_shape(r)

    r = hf.call("PATCH", "/api/v1/users/%s" % u["id"], {"status": "active"},
        token=admin)
    data = hf.expect_success(r)
    hf.expect_user(_user_of(data), r, status="active")
    hf.login_ok(u["email"], u["password"])


def test_admin_can_promote_a_user_and_the_new_role_takes_effect():
    admin = hf.admin_token()
    u = _admin_create_user(admin)
    s = hf.login_ok(u["email"], u["password"])
    r = hf.call("GET", "/api/v1/users?per_page=1", token=s["access"])
    hf.expect_error(r, 403, "AUTH_005")
    r = hf.call("PATCH", "/api/v1/users/%s" % u["id"], {"role": "admin"},
        token=admin)
    hf.expect_user(_user_of(hf.expect_success(r)), r, role="admin")
    s = hf.login_ok(u["email"], u["password"])
    r = hf.call("GET", "/api/v1/users?per_page=1", token=s["access"])
    _items(r)
    # leave no stray admin behind
    r = hf.call("PATCH", "/api/v1/users/%s" % u["id"],
        {"role": "user", "status": "disabled"}, token=admin)
    hf.expect_success(r)


def test_admin_patch_user_validates_its_body():
    admin = hf.admin_token()
    u = _admin_create_user(admin)
    path = "/api/v1/users/%s" % u["id"]
    for body, field in [({"status": "bogus"}, "status"),
        ({"status": "pending"}, "status"), ({"role": "root"}, "role")]:
        r = hf.call("PATCH", path, body, token=admin)
        hf.expect_field_error(r, 422, "REQ_010", field)
    for body, field in [({"email": hf.unique_email()}, "email"),
        ({"password_hash": "x"}, "password_hash"), ({"id": 1}, "id")]:
        r = hf.call("PATCH", path, body, token=admin)
        hf.expect_field_error(r, 400, "REQ_009", field)
    r = hf.call("PATCH", "/api/v1/users/987654321098", {"status": "active"},
        token=admin)
    hf.expect_status(r, 404)
    hf.expect_error_shape(r)
    hf.login_ok(u["email"], u["password"])


def test_admin_lists_users_without_secrets():
    admin = hf.admin_token()
    u = _admin_create_user(admin)
    r = hf.call("GET", "/api/v1/users?q=%s" % quote(u["email"]), token=admin)
    items = _items(r)
    mine = [i for i in items if str(i.get("id")) == str(u["id"])]
    hf.check(len(mine) == 1, "GET /users?q=<email> does not list the user "
        "once", r)
    hf.expect_user(mine[0], r, email=u["email"])
    hf.check(u["password"] not in r.text, "the password is in the list", r)
    hf.check(not re.search(r"\$2[aby]?\$[0-9]{2}\$", r.text),
        "a bcrypt hash is in the list", r)
    r = hf.call("GET", "/api/v1/users?per_page=101", token=admin)
    if r.status == 200:
        hf.check(r.json["data"]["per_page"] <= 100,
            "per_page above 100 was honoured", r)
    else:
        hf.expect_field_error(r, 422, "REQ_010", "per_page")


# ------------------------------------------------------- mass assignment

def test_register_with_role_status_or_id_is_400_req_009_and_creates_nothing():
    for extra in [{"role": "admin"}, {"status": "active"}, {"id": 1},
        {"role": "user"}]:
        email = hf.unique_email()
        password = hf.new_password()
        body = {"email": email, "password": password, "display_name": "M"}
        body.update(extra)
        r = hf.post("/api/v1/auth/register", body)
        field = list(extra)[0]
        hf.expect_field_error(r, 400, "REQ_009", field)
        r = hf.login(email, password)
        hf.expect_error(r, 401, "AUTH_004")
        # the address is still free
        r = hf.register(email, password)
        data = hf.expect_success(r, 201)
        hf.expect_user(data.get("user"), r, status="pending", role="user")


def test_patch_me_with_role_status_or_id_is_400_req_009_and_changes_nothing():
    u = hf.verified_user(display_name="Before")
    t = u["access"]
    before = hf.expect_success(hf.call("GET", "/api/v1/me", token=t))
    for extra in [{"role": "admin"}, {"status": "disabled"}, {"id": 1},
        {"email": hf.unique_email()}, {"password": hf.new_password()}]:
        body = {"display_name": "After"}
        body.update(extra)
        r = hf.call("PATCH", "/api/v1/me", body, token=t)
        hf.expect_field_error(r, 400, "REQ_009", list(extra)[0])
        now = hf.expect_success(hf.call("GET", "/api/v1/me", token=t))
        hf.expect_eq(now, before, "GET /me after a refused PATCH")
    # the account still logs in with its password, as a user
    s = hf.login_ok(u["email"], u["password"])
    hf.expect_eq(s["login"]["user"].get("role"), "user", "role at login")


def test_patch_me_changes_display_name_and_avatar():
    u = hf.verified_user(display_name="Before")
    t = u["access"]
    r = hf.call("PATCH", "/api/v1/me", {"display_name": "After",
        "avatar_url": "https://example.test/a.png"}, token=t)
    data = hf.expect_success(r)
    hf.expect_user(data, r, email=u["email"], status="active", role="user")
    hf.expect_eq(data.get("display_name"), "After", "display_name", r)
    me = hf.expect_success(hf.call("GET", "/api/v1/me", token=t))
    hf.expect_eq(me.get("display_name"), "After", "GET /me display_name")
    hf.expect_eq(me.get("avatar_url"), "https://example.test/a.png",
        "GET /me avatar_url")
