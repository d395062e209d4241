"""Every answer under /api/ is JSON (issue 10, hole 14), whatever the
method or the request line: nginx refuses TRACE and CONNECT itself, before
any location, and used to answer them with its HTML 405; an unknown
Transfer-Encoding (501) and an HTTP version it does not speak (505) were
HTML too, and so was a path sent to /api that "../" takes out of it (the
console's page).  The same requests go to Apache when the run has its
front."""

import socket
from urllib.parse import urlsplit

import hf

PATHS = ["/api/v1", "/api/v1/health", "/api/v1/products",
    "/api/v1/reservations/1/commit", "/api/v1/nope"]
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS",
    "TRACE", "CONNECT", "TRACK", "PROPFIND", "PROPPATCH", "MKCOL", "COPY",
    "MOVE", "LOCK", "UNLOCK", "SEARCH", "PURGE", "DEBUG", "FOO",
    "LONGMETHODNAMEXYZ"]


def _json_answer(r, what):
    """Content-Type application/json; a body (but for HEAD) that is a JSON
    object whose code is the status; an error body names an error code."""
    ct = (r.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    hf.check(ct == "application/json",
        "%s: Content-Type %r, not application/json" % (what, ct), r)
    if r.method == "HEAD":
        hf.expect_eq(r.body, b"", "%s: HEAD body" % what, r)
        return None
    body = hf.expect_json(r)
    hf.expect_eq(body.get("code"), r.status, "%s: body 'code'" % what, r)
    if r.status >= 400:
        err = body.get("error")
        hf.check(isinstance(err, str) and err[:4] in ("REQ_", "SYS_",
            "AUTH"), "%s: body 'error' is %r" % (what, err), r)
    return body


def _all_methods(base):
    seen = {}
    for path in PATHS:
        for m in METHODS:
            body = b"{}" if m in ("POST", "PUT", "PATCH") else None
            r = hf.request(m, path, body=body, base=base,
                content_type="application/json" if body else None)
            hf.expect_not_5xx(r)
            _json_answer(r, "%s %s" % (m, path))
            seen[r.status] = seen.get(r.status, 0) + 1
    return seen


def test_every_method_on_api_paths_answers_json_through_nginx():
    seen = _all_methods(None)
    hf.check(405 in seen, "no 405 at all among %r" % seen)


def test_trace_and_connect_are_json_405_req_005_with_allow():
    for m in ["TRACE", "CONNECT"]:
        for path in ["/api/v1/health", "/api/v1/products", "/api/v1/nope"]:
            r = hf.request(m, path)
            hf.expect_error(r, 405, "REQ_005")
            hf.expect_allow_has(r, "GET")
            hf.expect_request_id(r)
            hf.check(m not in r.headers["Allow"],
                "Allow %r lists %s" % (r.headers["Allow"], m), r)
            # nothing of the request is echoed back (TRACE's purpose)
            hf.check(b"Host:" not in r.body and b"TRACE /" not in r.body,
                "the refusal echoes the request", r)


def _raw(base, raw, timeout=10):
    """Send raw bytes to the front; return (status line, headers, body)."""
    parts = urlsplit(base or hf.base_url())
    s = socket.create_connection((parts.hostname, parts.port or 80),
        timeout=timeout)
    data = b""
    try:
        s.sendall(raw)
        while True:
            try:
                d = s.recv(65536)
            except socket.timeout:
                break
            if not d:
                break
            data += d
    finally:
        s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    if hdrs.get("transfer-encoding", "").lower() == "chunked":
        out = b""
        while body:
            size, _, rest = body.partition(b"\r\n")
            n = int(size.split(b";")[0], 16)
            if n == 0:
                break
            out += rest[:n]
            body = rest[n + 2:]
        body = out
    return lines[0], hdrs, body


RAW = [
    ("TRACE", b"TRACE /api/v1/health HTTP/1.1\r\nHost: x\r\n"
        b"Connection: close\r\n\r\n"),
    ("CONNECT to a path", b"CONNECT /api/v1/health HTTP/1.1\r\nHost: x\r\n"
        b"Connection: close\r\n\r\n"),
    ("CONNECT to an authority", b"CONNECT example.com:443 HTTP/1.1\r\n"
        b"Host: example.com\r\nConnection: close\r\n\r\n"),
    ("unknown Transfer-Encoding", b"POST /api/v1/auth/login HTTP/1.1\r\n"
        b"Host: x\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\n"),
    ("HTTP/2.0 request line", b"GET /api/v1/health HTTP/2.0\r\nHost: x\r\n"
        b"Connection: close\r\n\r\n"),
    ("HTTP/3.0 request line", b"GET /api/v1/health HTTP/3.0\r\nHost: x\r\n"
        b"Connection: close\r\n\r\n"),
    ("Expect it cannot meet", b"POST /api/v1/auth/login HTTP/1.1\r\n"
        b"Host: x\r\nExpect: 200-ok\r\nContent-Type: application/json\r\n"
        b"Content-Length: 2\r\nConnection: close\r\n\r\n{}"),
    ("lower-case method", b"get /api/v1/health HTTP/1.1\r\nHost: x\r\n"
        b"Connection: close\r\n\r\n"),
    ("absolute URI", b"GET http://x/api/v1/health HTTP/1.1\r\nHost: x\r\n"
        b"Connection: close\r\n\r\n"),
]


def _raw_all_json(base):
    import json
    for what, raw in RAW:
        line, hdrs, body = _raw(base, raw)
        hf.check(line.startswith("HTTP/1."), "%s: no HTTP answer (%r)"
            % (what, line))
        status = int(line.split()[1])
        hf.check(status < 500 or status == 503,
            "%s: answered %s" % (what, line))
        ct = hdrs.get("content-type", "").split(";")[0].strip().lower()
        hf.check(ct == "application/json", "%s: %s with Content-Type %r: "
            "%r" % (what, line, ct, body[:200]))
        try:
            obj = json.loads(body.decode("utf-8"))
        except ValueError:
            hf.fail("%s: %s with a body that is not JSON: %r" % (what, line,
                body[:200]))
        hf.check(isinstance(obj, dict) and obj.get("code") == status,
            "%s: %s, body code %r" % (what, line, obj.get("code")))
        if status >= 400:
            hf.check(str(obj.get("error", ""))[:4] in ("REQ_", "SYS_"),
                "%s: %s, error %r" % (what, line, obj.get("error")))


def test_raw_request_lines_nginx_refuses_itself_are_json():
    _raw_all_json(None)


# Paths sent to /api that leave it once the front resolves dot segments,
# and /api itself: still the API's JSON 404, not the console's page (200
# text/html) or nginx's redirect to /api/.
ESCAPES = ["/api", "/api?x=1", "/api/../index.html", "/api/%2e%2e/index.html",
    "/api/%2E%2E/", "/api/v1/../../etc/passwd", "/api/v1/%2e%2e/%2e%2e/",
    "/api/v1/products/../../../", "/api/./../assets/"]


def _escapes(base):
    for path in ESCAPES:
        for m in ["GET", "HEAD", "POST"]:
            r = hf.request(m, path, base=base, body=b"{}" if m == "POST"
                else None, content_type="application/json" if m == "POST"
                else None)
            _json_answer(r, "%s %s" % (m, path))
            hf.expect_status(r, 404)
            if m == "GET":
                hf.expect_eq(r.json.get("error"), "REQ_004", "error", r)
    # the console itself is untouched
    r = hf.get("/", base=base)
    hf.expect_status(r, 200)
    hf.check((r.headers.get("Content-Type") or "").startswith("text/html"),
        "the console's page is not HTML any more", r)


def test_paths_that_leave_api_after_dot_segments_are_json_404():
    _escapes(None)


def test_every_method_on_api_paths_answers_json_through_apache():
    base = hf.apache_url()
    _all_methods(base)
    _raw_all_json(base)
    _escapes(base)
