"""The front door: 404, 405, 413, 415 and malformed requests, each a JSON
error envelope and never a 5xx."""

import hf

MiB = hf.MAX_BODY_BYTES
# over the web server's own limit (nginx client_max_body_size, Apache
# LimitRequestBody: a few MiB), so the front refuses it, not a worker
OVER_FRONT_LIMIT = 6 * 1024 * 1024


def _json_body(size):
    """A syntactically valid JSON object of exactly size bytes, so only its
    size can be the reason for a refusal."""
    head, tail = b'{"pad":"', b'"}'
    return head + b"a" * (size - len(head) - len(tail)) + tail


def _expect_json_4xx(r, what):
    """A JSON 4xx error, whoever answered: the worker (full envelope) or
    nginx refusing the request line itself (an error page that still
    says code and error, like its JSON 413)."""
    hf.expect_not_5xx(r)
    hf.check(400 <= r.status < 500, "expected a 4xx for %s" % what, r)
    body = hf.expect_json(r)
    if "request_id" in body or "timestamp" in body:
        hf.expect_error_shape(r)
        return
    hf.expect_eq(body.get("code"), r.status, "body 'code'", r)
    err = body.get("error")
    hf.check(isinstance(err, str) and err.startswith("REQ_"),
        "body 'error' is %r, not a REQ_ error code" % (err,), r)
    hf.check("data" not in body, "error body has a 'data' key", r)


def test_unknown_api_route_is_404_req_004():
    for path in ["/api/v1/nope", "/api/v2", "/api/v2/health",
        "/api/v1/health/extra"]:
        r = hf.get(path)
        hf.expect_error(r, 404, "REQ_004")


def test_unknown_route_is_404_whatever_the_method():
    for method in ["POST", "PUT", "PATCH", "DELETE"]:
        r = hf.request(method, "/api/v1/nope", body=b"{}",
            content_type="application/json")
        hf.expect_error(r, 404, "REQ_004")


def test_wrong_method_is_405_req_005_with_allow_listing_get():
    for method, path in [("POST", "/api/v1/health"), ("DELETE", "/api/v1"),
        ("PUT", "/api/v1/health"), ("PATCH", "/api/v1")]:
        r = hf.request(method, path)
        hf.expect_error(r, 405, "REQ_005")
        hf.expect_allow_has(r, "GET")
        allow = [m.strip().upper() for m in r.headers["Allow"].split(",")]
        hf.check(method not in allow,
            "Allow %r lists the method that was refused" % r.headers["Allow"],
            r)


def test_body_over_one_mib_is_413_req_002_before_routing():
    body = _json_body(MiB + MiB // 2)
    # a known route, a route with the wrong method, and no route at all:
    # the size is refused before routing, so all three are 413
    for path in ["/api/v1/health", "/api/v1", "/api/v1/nope"]:
        r = hf.post(path, body, content_type="application/json")
        hf.expect_error(r, 413, "REQ_002")


def test_body_cap_is_exactly_one_mib():
    r = hf.post("/api/v1/health", _json_body(MiB),
        content_type="application/json")
    hf.check(r.status != 413,
        "a body of exactly 1 MiB (%d bytes) was refused as too large" % MiB,
        r)
    hf.expect_error(r, 405, "REQ_005")

    r = hf.post("/api/v1/health", _json_body(MiB + 1),
        content_type="application/json")
    hf.expect_error(r, 413, "REQ_002")


def test_body_over_nginx_limit_is_json_413_req_002():
    r = hf.post("/api/v1/health", _json_body(OVER_FRONT_LIMIT),
        content_type="application/json", timeout=30)
    hf.expect_status(r, 413)
    # this one comes from nginx's error page, not from a worker: it must
    # still be JSON that names the error
    body = hf.expect_json(r)
    hf.expect_eq(body.get("error"), "REQ_002", "body 'error'", r)
    hf.expect_eq(body.get("code"), 413, "body 'code'", r)
    hf.check("data" not in body, "error body has a 'data' key", r)


def test_login_with_text_plain_body_is_415_req_003():
    r = hf.post("/api/v1/auth/login", "email=a@example.com&password=x",
        content_type="text/plain")
    hf.expect_error(r, 415, "REQ_003")


def test_very_long_path_is_json_4xx():
    for path in ["/api/v1/" + "a" * 4000, "/api/v1/health/" + "x" * 4000,
        "/api/" + "v1/" * 1300]:
        r = hf.get(path)
        _expect_json_4xx(r, "a %d-char path" % len(path))


def test_bad_escapes_and_nul_in_path_are_json_4xx():
    for path in ["/api/v1/%zz", "/api/v1/he%zzalth", "/api/v1/%",
        "/api/v1/%4", "/api/v1/health%00", "/api/v1/%00/x",
        "/api/v1/%ff%fe", "/api/v1/%c0%af"]:
        r = hf.get(path)
        _expect_json_4xx(r, path)


def test_malformed_query_strings_never_give_a_server_error():
    # these routes take no parameters: ignoring the query (200) or refusing
    # it (JSON 4xx) are both answers a client can handle; a 5xx is not
    for query in ["%zz=1", "a=%zz", "a=%", "a=%4", "%00=1", "a=%00b",
        "a=1&&&==&b", "=", "a=" + "y" * 4000, "a[=1", "a=%ff%fe",
        "&" * 2000]:
        for path in ["/api/v1/health", "/api/v1"]:
            r = hf.get(path + "?" + query)
            hf.expect_not_5xx(r)
            if r.status == 200:
                hf.expect_success(r)
            else:
                _expect_json_4xx(r, "a malformed query")
