"""Access tokens (issue 3): HS256 JWTs with iss, aud, sub, role, exp, iat.

Forged, tampered, expired and malformed tokens are crafted here with the
standard library and must all be refused with 401 on GET /api/v1/me.  The
tests that need a validly signed token with bad claims use the stack's own
jwt_secret (from $DEV_VAR) and skip without it."""

import hashlib
import time

import hf


def _me(token):
    return hf.call("GET", "/api/v1/me", token=token)


def _with_payload(token, payload):
    """token with its payload replaced and its header and signature kept."""
    head, _, sig = token.split(".")
    return "%s.%s.%s" % (head, hf.b64url(hf.json_dumps_compact(payload)),
        sig)


def _with_header(token, header):
    _, body, sig = token.split(".")
    return "%s.%s.%s" % (hf.b64url(hf.json_dumps_compact(header)), body, sig)


def _user_token():
    u = hf.verified_user()
    r = _me(u["access"])
    hf.expect_success(r)
    return u


def test_me_without_token_is_401_auth_001():
    r = hf.get("/api/v1/me")
    hf.expect_error(r, 401, "AUTH_001")
    r = hf.get("/api/v1/users")
    hf.expect_error(r, 401, "AUTH_001")


def test_access_token_is_an_hs256_jwt_with_the_contract_claims():
    u = _user_token()
    header, payload, sig = hf.jwt_split(u["access"])
    hf.expect_eq(header.get("alg"), "HS256", "JWT header alg")
    for claim in ("iss", "aud", "sub", "role", "exp", "iat"):
        hf.check(claim in payload, "JWT payload has no %r: %r"
            % (claim, payload))
    hf.expect_eq(str(payload["sub"]), str(u["id"]), "JWT sub")
    hf.expect_eq(payload["role"], "user", "JWT role")
    ttl = u["login"]["expires_in"]
    hf.check(abs((payload["exp"] - payload["iat"]) - ttl) <= 2,
        "JWT exp - iat = %r, but expires_in = %r"
        % (payload["exp"] - payload["iat"], ttl))
    hf.check(abs(payload["iat"] - time.time()) < 600,
        "JWT iat %r is not now" % payload["iat"])
    hf.check(len(hf.b64url_decode(sig)) == 32,
        "JWT signature is not 32 bytes (HMAC-SHA256)")


def test_forged_and_tampered_tokens_are_401_auth_002():
    u = _user_token()
    other = hf.verified_user()
    token = u["access"]
    head, body, sig = token.split(".")
    header, payload, _ = hf.jwt_split(token)

    as_admin = dict(payload, role="admin")
    no_exp = {k: v for k, v in payload.items() if k != "exp"}
    later = dict(payload, exp=payload["exp"] + 86400)
    past = dict(payload, exp=int(time.time()) - 3600)
    other_sub = dict(payload, sub=hf.jwt_split(other["access"])[1]["sub"])
    forged = {
        "alg none, no signature":
            hf.jwt_encode({"alg": "none", "typ": "JWT"}, payload) + ".",
        "alg None, no signature":
            hf.jwt_encode({"alg": "None", "typ": "JWT"}, payload) + ".",
        "alg none, admin, no signature":
            hf.jwt_encode({"alg": "none", "typ": "JWT"}, as_admin) + ".",
        "alg none, original signature":
            _with_header(token, {"alg": "none", "typ": "JWT"}),
        "alg HS512, original signature":
            _with_header(token, dict(header, alg="HS512")),
        "alg RS256, original signature":
            _with_header(token, dict(header, alg="RS256")),
        "alg RS256, made-up signature":
            hf.jwt_encode(dict(header, alg="RS256"), payload) + "." +
            hf.b64url(b"\x01" * 256),
        "role admin, original signature": _with_payload(token, as_admin),
        "no exp, original signature": _with_payload(token, no_exp),
        "exp a day later, original signature": _with_payload(token, later),
        "exp in the past, original signature": _with_payload(token, past),
        "another user's sub, original signature":
            _with_payload(token, other_sub),
        "this payload, another user's signature":
            head + "." + body + "." + other["access"].split(".")[2],
        "signature stripped": head + "." + body + ".",
        "signature part missing": head + "." + body,
        "signature of zeros": head + "." + body + "." + hf.b64url(
            b"\0" * 32),
        "signature one bit off": head + "." + body + "." + hf.b64url(
            bytes([hf.b64url_decode(sig)[0] ^ 1]) +
            hf.b64url_decode(sig)[1:]),
        "signature as hex": head + "." + body + "." + hashlib.sha256(
            (head + "." + body).encode()).hexdigest(),
        "four parts": token + ".x",
        "garbage": "garbage",
        "garbage with dots": "a.b.c",
        "dots only": "..",
        "api-key look-alike": "hfk_" + "0" * 40,
    }
    for what, bad in forged.items():
        r = _me(bad)
        if r.status != 401:
            hf.fail("GET /me with a token (%s) was not refused" % what, r)
        hf.expect_error_shape(r)
        hf.check(r.json.get("error") == "AUTH_002",
            "token (%s) gave %r, not AUTH_002" % (what, r.json.get("error")),
            r)
    # the tampered admin token opens no admin route either
    r = hf.call("GET", "/api/v1/users", token=_with_payload(token, as_admin))
    hf.expect_error(r, 401, "AUTH_002")
    # and the real one still works
    hf.expect_success(_me(token))


def test_malformed_authorization_headers_are_401():
    u = _user_token()
    for value in ["Bearer", "Bearer ", "Bearer  ", "Basic dXNlcjpwYXNz",
        "Token " + u["access"], u["access"], "Bearer " + u["refresh"],
        "Bearer " + u["access"] + " x"]:
        r = hf.get("/api/v1/me", headers={"Authorization": value})
        hf.expect_status(r, 401)
        hf.expect_error_shape(r)
        hf.check(r.json.get("error") in ("AUTH_001", "AUTH_002"),
            "Authorization %r... gave %r, not AUTH_001 or AUTH_002"
            % (value[:20], r.json.get("error")), r)


def _signing_key(token):
    """The stack's JWT key, checked against the stack: a token re-signed
    with it after a harmless change must be accepted.  Skips otherwise."""
    key = hf.jwt_secret()
    header, payload, _ = hf.jwt_split(token)
    fresh = dict(payload, exp=int(time.time()) + 300)
    r = _me(hf.jwt_sign(header, fresh, key))
    if r.status == 401:
        hf.skip("the jwt_secret in %s is not the one the stack signs with"
            % hf.dev_var())
    hf.expect_success(r)
    return key


def test_expired_token_is_401_auth_003():
    u = _user_token()
    key = _signing_key(u["access"])
    header, payload, _ = hf.jwt_split(u["access"])
    now = int(time.time())
    for ago in (120, 3600, 86400 * 30):
        tok = hf.jwt_sign(header, dict(payload, exp=now - ago,
            iat=now - ago - 900), key)
        r = _me(tok)
        hf.expect_error(r, 401, "AUTH_003")


def test_validly_signed_tokens_with_bad_claims_are_401():
    u = _user_token()
    key = _signing_key(u["access"])
    header, payload, _ = hf.jwt_split(u["access"])
    fresh = dict(payload, exp=int(time.time()) + 300)
    no = lambda *ks: {k: v for k, v in fresh.items() if k not in ks}
    cases = {
        "no exp": (header, no("exp"), hashlib.sha256),
        "exp not a number": (header, dict(fresh, exp="tomorrow"),
            hashlib.sha256),
        "wrong iss": (header, dict(fresh, iss="someone-else"),
            hashlib.sha256),
        "no iss": (header, no("iss"), hashlib.sha256),
        "wrong aud": (header, dict(fresh, aud="another-api"),
            hashlib.sha256),
        "no aud": (header, no("aud"), hashlib.sha256),
        "no sub": (header, no("sub"), hashlib.sha256),
        "sub of no user": (header, dict(fresh, sub="987654321098"),
            hashlib.sha256),
        "alg HS512, signed HS512": (dict(header, alg="HS512"), fresh,
            hashlib.sha512),
        "alg RS256, signed HS256": (dict(header, alg="RS256"), fresh,
            hashlib.sha256),
        "alg none, signed HS256": (dict(header, alg="none"), fresh,
            hashlib.sha256),
    }
    for what, (h, p, digest) in cases.items():
        r = _me(hf.jwt_sign(h, p, key, digest))
        if r.status != 401:
            hf.fail("GET /me with a validly signed token (%s) was not "
                "refused" % what, r)
        hf.expect_error_shape(r)
        hf.check(r.json.get("error") in ("AUTH_002", "AUTH_003"),
            "token (%s) gave %r, not AUTH_002" % (what, r.json.get("error")),
            r)


def test_user_token_on_admin_routes_is_403_auth_005():
    u = _user_token()
    t = u["access"]
    for method, path, body in [
        ("GET", "/api/v1/users", None),
        ("GET", "/api/v1/users?q=a", None),
        ("POST", "/api/v1/users", {"email": hf.unique_email(),
            "password": hf.new_password(), "role": "admin",
            "display_name": "x"}),
        ("PATCH", "/api/v1/users/%s" % u["id"], {"role": "admin"}),
        ("GET", "/api/v1/api-keys", None),
        ("POST", "/api/v1/api-keys", {"name": "x", "role": "admin"}),
        ("DELETE", "/api/v1/api-keys/1", None),
        ("GET", "/api/v1/audit", None),
    ]:
        r = hf.call(method, path, body=body, token=t)
        hf.expect_error(r, 403, "AUTH_005")
    # and the user is still a user
    me = hf.expect_success(_me(t))
    hf.expect_eq(me.get("role"), "user", "role after the refused calls")
