"""Accounts (issue 3): register, e-mailed code, verify, login, refresh
rotation, logout, resend, forgot and reset -- through nginx, with the code
read from the message the SMTP sink caught."""

import hf


def _verify(email, code, **kw):
    return hf.post("/api/v1/auth/verify", {"email": email, "code": code},
        **kw)


def _wrong(code):
    """A six-digit code that is not code."""
    return "%06d" % ((int(code) + 1) % 1000000)


def _expect_pair(r, old_refresh=None):
    data = hf.expect_success(r)
    for k in ("access_token", "refresh_token"):
        hf.check(isinstance(data.get(k), str) and data[k] != "",
            "data.%s is %r" % (k, data.get(k)), r)
    if old_refresh is not None:
        hf.check(data["refresh_token"] != old_refresh,
            "refresh gave back the same refresh token", r)
    return data["access_token"], data["refresh_token"]


def test_register_mails_a_code_that_verifies_then_login_works():
    email = hf.unique_email()
    password = hf.new_password()
    r = hf.register(email, password, "Ada")
    data = hf.expect_success(r, 201)
    user = hf.expect_user(data.get("user"), r, email=email, status="pending",
        role="user")
    hf.expect_eq(user["display_name"], "Ada", "user display_name", r)

    path, text = hf.wait_mail(email)
    code = hf.code_in(text, path)

    r = _verify(email, code)
    data = hf.expect_success(r)
    hf.expect_user(data.get("user"), r, email=email, status="active")
    hf.expect_eq(data["user"]["id"], user["id"], "verified user id", r)

    r = hf.login(email, password)
    data = hf.expect_success(r)
    hf.expect_eq(data.get("token_type"), "Bearer", "data.token_type", r)
    ttl = data.get("expires_in")
    hf.check(isinstance(ttl, int) and not isinstance(ttl, bool) and ttl > 0,
        "data.expires_in is %r, not a positive integer" % (ttl,), r)
    hf.expect_user(data.get("user"), r, email=email, status="active")
    access, _ = _expect_pair(r)

    r = hf.call("GET", "/api/v1/me", token=access)
    me = hf.expect_success(r)
    hf.expect_user(me, r, email=email, status="active", role="user")
    hf.expect_eq(me["id"], user["id"], "GET /me id", r)


def test_refresh_rotates_and_a_replayed_refresh_token_revokes_its_family():
    u = hf.verified_user()
    r1 = u["refresh"]

    r = hf.refresh(r1)
    a2, r2 = _expect_pair(r, old_refresh=r1)
    r = hf.call("GET", "/api/v1/me", token=a2)
    hf.expect_success(r)

    # the spent token again: refused, and the whole family with it
    r = hf.refresh(r1)
    hf.expect_error(r, 401, "AUTH_002")
    r = hf.refresh(r2)
    hf.expect_status(r, 401)
    hf.expect_error_shape(r)

    # another login is another family: unaffected
    r = hf.login(u["email"], u["password"])
    _, r3 = _expect_pair(r)
    r = hf.refresh(r3)
    _expect_pair(r, old_refresh=r3)


def test_logout_revokes_the_refresh_token():
    u = hf.verified_user()
    r = hf.refresh(u["refresh"])
    _, r2 = _expect_pair(r, old_refresh=u["refresh"])

    r = hf.post("/api/v1/auth/logout", {"refresh_token": r2})
    hf.expect_status(r, 200)
    hf.expect_json(r)

    r = hf.refresh(r2)
    hf.expect_status(r, 401)
    hf.expect_error_shape(r)


def test_wrong_code_is_400_auth_007_and_the_account_stays_pending():
    u = hf.registered_user()
    r = _verify(u["email"], _wrong(u["code"]))
    hf.expect_error(r, 400, "AUTH_007")
    r = hf.login(u["email"], u["password"])
    hf.expect_error(r, 403, "AUTH_008")
    # a code for another address is no code for this one
    other = hf.registered_user()
    r = _verify(u["email"], other["code"])
    if other["code"] != u["code"]:
        hf.expect_error(r, 400, "AUTH_007")


def test_four_wrong_codes_then_the_right_one_still_verifies():
    u = hf.registered_user()
    for i in range(4):
        r = _verify(u["email"], _wrong(u["code"]))
        hf.expect_error(r, 400, "AUTH_007")
    r = _verify(u["email"], u["code"])
    data = hf.expect_success(r)
    hf.expect_user(data.get("user"), r, status="active")


def test_five_wrong_codes_kill_the_code_and_resend_mails_a_new_one():
    u = hf.registered_user()
    for i in range(5):
        r = _verify(u["email"], _wrong(u["code"]))
        hf.expect_error(r, 400, "AUTH_007")
    r = _verify(u["email"], u["code"])
    hf.expect_error(r, 400, "AUTH_007")
    r = hf.login(u["email"], u["password"])
    hf.expect_error(r, 403, "AUTH_008")

    seen = hf.mail_paths_to(u["email"])
    r = hf.post("/api/v1/auth/resend", {"email": u["email"]})
    hf.expect_status(r, 202)
    code = hf.wait_code(u["email"], exclude=seen)
    r = _verify(u["email"], code)
    data = hf.expect_success(r)
    hf.expect_user(data.get("user"), r, status="active")
    hf.login_ok(u["email"], u["password"])


def test_login_before_verify_is_403_auth_008():
    u = hf.registered_user()
    r = hf.login(u["email"], u["password"])
    hf.expect_error(r, 403, "AUTH_008")


def test_wrong_password_is_401_auth_004():
    u = hf.verified_user(login_too=False)
    r = hf.login(u["email"], u["password"] + "x")
    hf.expect_error(r, 401, "AUTH_004")
    # an unknown address answers the same
    r = hf.login(hf.unique_email(), u["password"])
    hf.expect_error(r, 401, "AUTH_004")


def test_email_is_compared_lower_cased():
    local = "Mixed" + hf.unique_email("Case")
    password = hf.new_password()
    r = hf.register(local, password)
    hf.expect_success(r, 201)
    code = hf.wait_code(local)
    r = _verify(local.lower(), code)
    hf.expect_success(r)
    hf.login_ok(local.upper(), password)


def test_register_same_email_twice_in_any_case_is_409_auth_006():
    email = hf.unique_email()
    r = hf.register(email, hf.new_password())
    hf.expect_success(r, 201)
    for again in [email, email.upper(), email[0].upper() + email[1:]]:
        r = hf.register(again, hf.new_password())
        hf.expect_error(r, 409, "AUTH_006")


def test_password_of_8_to_72_bytes_is_accepted():
    for pw in ["p" * 8, "q" * 72, "\u00e9" * 36]:   # 36 x 2 bytes = 72
        r = hf.register(hf.unique_email(), pw)
        hf.expect_success(r, 201)


def test_password_shorter_than_8_or_longer_than_72_bytes_is_422():
    # 73 bytes in 72 characters, 74 bytes in 37: bytes count, not characters
    for pw in ["", "p" * 7, "q" * 73, "q" * 200, "r" * 71 + "\u00e9",
        "\u00e9" * 37]:
        email = hf.unique_email()
        r = hf.register(email, pw)
        hf.expect_field_error(r, 422, "REQ_010", "password")
        # nothing was created: the address is still free
        r = hf.register(email, hf.new_password())
        hf.expect_success(r, 201)


def test_register_missing_or_invalid_fields_are_422_req_010():
    pw = hf.new_password()
    cases = [
        ({"password": pw, "display_name": "x"}, "email"),
        ({"email": "not-an-address", "password": pw, "display_name": "x"},
            "email"),
        ({"email": hf.unique_email(), "display_name": "x"}, "password"),
        ({"email": hf.unique_email(), "password": 12345678,
            "display_name": "x"}, "password"),
    ]
    for body, field in cases:
        r = hf.post("/api/v1/auth/register", body)
        hf.expect_field_error(r, 422, "REQ_010", field)


def _strip_volatile(body):
    return {k: v for k, v in body.items()
        if k not in ("timestamp", "request_id")}


def _expect_same_202(known, unknown):
    hf.expect_status(known, 202)
    hf.expect_status(unknown, 202)
    kb = hf.expect_json(known)
    ub = hf.expect_json(unknown)
    hf.expect_eq(kb.get("code"), 202, "body 'code'", known)
    hf.expect_eq(_strip_volatile(ub), _strip_volatile(kb),
        "answer for an unknown address vs a known one", unknown)


def test_resend_answers_202_the_same_for_unknown_and_known_email():
    u = hf.registered_user()
    seen = hf.mail_paths_to(u["email"])
    nobody = hf.unique_email("nobody")
    known = hf.post("/api/v1/auth/resend", {"email": u["email"]})
    unknown = hf.post("/api/v1/auth/resend", {"email": nobody})
    _expect_same_202(known, unknown)
    # only the pending account gets a new code, and it is the one that works
    code = hf.wait_code(u["email"], exclude=seen)
    hf.expect_eq(hf.mails_to(nobody), [], "mail to an unknown address")
    r = hf.post("/api/v1/auth/verify", {"email": u["email"], "code": code})
    hf.expect_success(r)


def test_forgot_answers_202_the_same_for_unknown_and_known_email():
    u = hf.verified_user(login_too=False)
    seen = hf.mail_paths_to(u["email"])
    nobody = hf.unique_email("nobody")
    known = hf.post("/api/v1/auth/password/forgot", {"email": u["email"]})
    unknown = hf.post("/api/v1/auth/password/forgot", {"email": nobody})
    _expect_same_202(known, unknown)
    hf.wait_mail(u["email"], exclude=seen)
    hf.expect_eq(hf.mails_to(nobody), [], "mail to an unknown address")


def test_forgot_for_a_pending_account_sends_no_code():
    u = hf.registered_user()
    seen = hf.mail_paths_to(u["email"])
    r = hf.post("/api/v1/auth/password/forgot", {"email": u["email"]})
    hf.expect_status(r, 202)
    # the sink's own delay: give a message the time one takes to arrive
    try:
        hf.wait_mail(u["email"], exclude=seen, timeout=3)
    except hf.TestFailure:
        return
    hf.fail("password/forgot mailed a pending (unverified) account")


def test_forgot_then_reset_changes_the_password_and_ends_sessions():
    u = hf.verified_user()
    old_refresh = u["refresh"]
    seen = hf.mail_paths_to(u["email"])
    r = hf.post("/api/v1/auth/password/forgot", {"email": u["email"]})
    hf.expect_status(r, 202)
    code = hf.wait_code(u["email"], exclude=seen)
    new_pw = hf.new_password()

    r = hf.post("/api/v1/auth/password/reset", {"email": u["email"],
        "code": _wrong(code), "password": new_pw})
    hf.expect_error(r, 400, "AUTH_007")
    # a failed reset changed nothing
    hf.login_ok(u["email"], u["password"])

    r = hf.post("/api/v1/auth/password/reset", {"email": u["email"],
        "code": code, "password": new_pw})
    hf.expect_status(r, 200)
    hf.expect_json(r)

    r = hf.login(u["email"], u["password"])
    hf.expect_error(r, 401, "AUTH_004")
    hf.login_ok(u["email"], new_pw)
    r = hf.refresh(old_refresh)
    hf.expect_status(r, 401)
    hf.expect_error_shape(r)

    # the code was spent
    r = hf.post("/api/v1/auth/password/reset", {"email": u["email"],
        "code": code, "password": hf.new_password()})
    hf.expect_error(r, 400, "AUTH_007")
    hf.login_ok(u["email"], new_pw)


def test_reset_refuses_a_password_out_of_bounds():
    u = hf.verified_user(login_too=False)
    seen = hf.mail_paths_to(u["email"])
    r = hf.post("/api/v1/auth/password/forgot", {"email": u["email"]})
    hf.expect_status(r, 202)
    code = hf.wait_code(u["email"], exclude=seen)
    r = hf.post("/api/v1/auth/password/reset", {"email": u["email"],
        "code": code, "password": "x" * 73})
    hf.expect_field_error(r, 422, "REQ_010", "password")
    hf.login_ok(u["email"], u["password"])
