"""Shared helpers for the black-box API tests (tests/api/test_*.py).

Tests talk HTTP to nginx (or Apache) in front of the real workers, MariaDB
and Redis; nothing here mocks any of them.  run.py sets the URLs before any
test runs:

    base_url()      the nginx front (--base-url, $HOLDFAST_URL)
    apache_url()    the Apache front, or skip() when none was given
    dev_script()    the ./dev controller ($HOLDFAST_DEV), or skip()

Requests go over a fresh connection each ("Connection: close"), so tests
never share state through a socket.  A request body may be bytes, str or a
dict/list (sent as JSON).  Bodies are streamed in chunks and sending stops
as soon as the server answers, so a server that refuses a large body early
is still read correctly.

The helpers of groups of tests are submodules of this package, loaded
with it (import hf; hf.shop.order(...), or from hf import shop):

    hf.shop         orders, payments, webhooks (test_81..84, 89, 91, 94)
    hf.lend         loans and holds (test_85..89, 91): Lending(tag),
                    borrow, borrow_ok, borrow_one
    hf.hook_receiver  a webhook receiver on 127.0.0.1 (test_83, 94)
"""

import contextlib
import json as jsonlib
import os
import re
import select
import socket
import ssl
import subprocess
import time
import http.client
from urllib.parse import urlsplit

_config = {"base_url": "", "apache_url": "", "dev": ""}

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
MAX_BODY_BYTES = 1048576  # the worker's cap (max_body_bytes default)


# ---------------------------------------------------------------- outcomes

class TestFailure(AssertionError):
    """A test's expectation was not met."""


class Skip(Exception):
    """The test cannot run here (missing front, no stack controller)."""


def skip(reason):
    raise Skip(reason)


def fail(message, resp=None):
    if resp is not None:
        message = "%s\n%s" % (message, resp.describe())
        if resp.status == 429 and isinstance(resp.json, dict) and \
                resp.json.get("error") == "REQ_006":
            message += ("\n  (rate limited: this run sent more requests "
                "from one address than the stack's rate_general_max per "
                "rate_general_window allows; give the test stack a higher "
                "limit)")
    raise TestFailure(message)


def configure(base_url, apache_url="", dev=""):
    _config["base_url"] = base_url.rstrip("/")
    _config["apache_url"] = (apache_url or "").rstrip("/")
    _config["dev"] = dev or ""


def base_url():
    return _config["base_url"]


def apache_url():
    if not _config["apache_url"]:
        skip("no Apache front (--apache-url or HOLDFAST_APACHE_URL)")
    return _config["apache_url"]


def dev_script():
    if not _config["dev"]:
        skip("HOLDFAST_DEV is not set: no stack controller for faults")
    return _config["dev"]


# ---------------------------------------------------------------- HTTP

class Headers:
    """Response headers, looked up without regard to case."""

    def __init__(self, pairs):
        self._pairs = list(pairs)

    def get(self, name, default=None):
        name = name.lower()
        for k, v in self._pairs:
            if k.lower() == name:
                return v
        return default

    def get_all(self, name):
        name = name.lower()
        return [v for k, v in self._pairs if k.lower() == name]

    def __getitem__(self, name):
        v = self.get(name)
        if v is None:
            raise KeyError(name)
        return v

    def __contains__(self, name):
        return self.get(name) is not None

    def items(self):
        return list(self._pairs)

    def __repr__(self):
        return "Headers(%r)" % (self._pairs,)


class Response:
    """One answer: status, headers, raw body, parsed JSON (or None)."""

    def __init__(self, method, url, req_headers, req_body_len, status,
        reason, headers, body, elapsed):
        self.method = method
        self.url = url
        self.req_headers = req_headers
        self.req_body_len = req_body_len
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.elapsed = elapsed
        self.json = None
        self.json_error = None
        try:
            self.json = jsonlib.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            self.json_error = str(e)

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def describe(self, limit=600):
        url = self.url
        if len(url) > 160:
            url = url[:120] + "...(%d chars)" % len(url)
        lines = ["  request:  %s %s" % (self.method, url)]
        shown = {k: v for k, v in self.req_headers.items()
            if k.lower() not in ("host", "connection")}
        if shown:
            lines.append("  req hdrs: %s" % shown)
        if self.req_body_len:
            lines.append("  req body: %d bytes" % self.req_body_len)
        lines.append("  status:   %d %s" % (self.status, self.reason))
        ct = self.headers.get("Content-Type")
        lines.append("  type:     %s" % ct)
        body = self.text
        if len(body) > limit:
            body = body[:limit] + "...(%d bytes)" % len(self.body)
        lines.append("  body:     %s" % (body if body else "(empty)"))
        return "\n".join(lines)

    def __repr__(self):
        return "<Response %s %s -> %d>" % (self.method, self.url[:80],
            self.status)


def request(method, path, body=None, headers=None, base=None, timeout=15,
    content_type=None, source_address=None):
    """Send one request and return a Response.

    path is sent as is (no quoting), so tests can send malformed escapes.
    base defaults to base_url().  A dict/list body is sent as JSON.
    source_address (e.g. "127.0.0.2") is the local address to send from,
    so a test can be a client other than 127.0.0.1 (the front sees it as
    REMOTE_ADDR).  Connection failures raise TestFailure naming the request.
    """
    base = (base or base_url()).rstrip("/")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https"):
        raise TestFailure("bad base URL %r" % base)
    host = parts.hostname
    port = parts.port or (443 if parts.scheme == "https" else 80)
    target = parts.path.rstrip("/") + path
    url = base + path

    hdrs = {}
    if isinstance(body, (dict, list)):
        body = jsonlib.dumps(body).encode("utf-8")
        hdrs["Content-Type"] = "application/json"
    elif isinstance(body, str):
        body = body.encode("utf-8")
    if content_type is not None:
        hdrs["Content-Type"] = content_type
    for k, v in (headers or {}).items():
        # a header given as None is removed (e.g. to send no Content-Type)
        for existing in [h for h in hdrs if h.lower() == k.lower()]:
            del hdrs[existing]
        if v is not None:
            hdrs[k] = v
    host_hdr = parts.netloc.rsplit("@", 1)[-1]
    if body is None and method in ("POST", "PUT", "PATCH"):
        body = b""

    head = ["%s %s HTTP/1.1" % (method, target), "Host: %s" % host_hdr]
    for k, v in hdrs.items():
        head.append("%s: %s" % (k, v))
    if body is not None:
        head.append("Content-Length: %d" % len(body))
    head.append("Connection: close")
    raw_head = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")

    where = "%s %s" % (method, url if len(url) < 160 else url[:120] + "...")
    t0 = time.monotonic()
    try:
        sock = socket.create_connection((host, port), timeout=timeout,
            source_address=(source_address, 0) if source_address else None)
    except OSError as e:
        raise TestFailure("cannot connect for %s: %s" % (where, e))
    try:
        if parts.scheme == "https":
            ctx = ssl.create_default_context()
            sock = ctx.wrap_socket(sock, server_hostname=host)
        try:
            sock.sendall(raw_head)
            _send_body(sock, body or b"")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered early and closed; read it
        resp = http.client.HTTPResponse(sock, method=method)
        try:
            resp.begin()
            data = resp.read()
        except (OSError, http.client.HTTPException) as e:
            raise TestFailure("no valid HTTP answer for %s: %s: %s"
                % (where, type(e).__name__, e))
        elapsed = time.monotonic() - t0
        return Response(method, url, hdrs, len(body or b""), resp.status,
            resp.reason, Headers(resp.getheaders()), data, elapsed)
    finally:
        sock.close()


def _send_body(sock, body):
    """Stream body, stopping as soon as the server has started answering."""
    view = memoryview(body)
    sent = 0
    while sent < len(view):
        readable, _, _ = select.select([sock], [], [], 0)
        if readable:
            return
        sent += sock.send(view[sent:sent + 65536])


def get(path, **kw):
    return request("GET", path, **kw)


def post(path, body=None, **kw):
    return request("POST", path, body=body, **kw)


def delete(path, **kw):
    return request("DELETE", path, **kw)


# ---------------------------------------------------------------- asserts

def check(cond, message, resp=None):
    if not cond:
        fail(message, resp)


def expect_eq(actual, expected, what, resp=None):
    if actual != expected:
        fail("%s: expected %r, got %r" % (what, expected, actual), resp)


def expect_status(resp, *statuses):
    if resp.status not in statuses:
        want = " or ".join(str(s) for s in statuses)
        fail("expected status %s, got %d" % (want, resp.status), resp)


def expect_not_5xx(resp):
    if resp.status >= 500:
        fail("server error %d on a request it should have refused"
            % resp.status, resp)


def expect_json(resp):
    """Content-Type application/json (parameters allowed), object body."""
    ct = resp.headers.get("Content-Type") or ""
    if ct.split(";")[0].strip().lower() != "application/json":
        fail("Content-Type is %r, not application/json" % ct, resp)
    if resp.json is None:
        fail("body is not JSON (%s)" % resp.json_error, resp)
    if not isinstance(resp.json, dict):
        fail("body is JSON but not an object", resp)
    return resp.json


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _expect_common(resp, body):
    expect_eq(body.get("code"), resp.status, "body 'code'", resp)
    ts = body.get("timestamp")
    check(_is_int(ts), "body 'timestamp' is %r, not an integer" % (ts,),
        resp)
    # unix seconds, not milliseconds; the test host's clock is the yardstick
    check(abs(ts - time.time()) < 600,
        "body 'timestamp' %r is not the current unix time in seconds" % ts,
        resp)
    rid = body.get("request_id")
    check(isinstance(rid, str) and rid != "",
        "body 'request_id' is %r, not a non-empty string" % (rid,), resp)


def expect_success(resp, status=200):
    """Check the success envelope; return body['data']."""
    expect_status(resp, status)
    body = expect_json(resp)
    _expect_common(resp, body)
    expect_eq(body.get("message"), "success", "body 'message'", resp)
    check("error" not in body, "success body has an 'error' key", resp)
    check(isinstance(body.get("data"), dict),
        "body 'data' is %r, not an object" % (body.get("data"),), resp)
    return body["data"]


def expect_error(resp, status, code):
    """Check the error envelope with this status and error code."""
    expect_status(resp, status)
    return expect_error_shape(resp, code)


def expect_error_shape(resp, code=None):
    """Check any error envelope (code names the expected error, if given)."""
    body = expect_json(resp)
    _expect_common(resp, body)
    err = body.get("error")
    check(isinstance(err, str) and re.match(r"^[A-Z]+_[0-9]{3}$", err),
        "body 'error' is %r, not an error code like REQ_004" % (err,), resp)
    if code is not None:
        expect_eq(err, code, "body 'error'", resp)
    msg = body.get("message")
    check(isinstance(msg, str) and msg != "" and msg != "success",
        "error body 'message' is %r, not a description" % (msg,), resp)
    check("data" not in body, "error body has a 'data' key", resp)
    if "details" in body:
        check(isinstance(body["details"], dict),
            "error body 'details' is not an object", resp)
    return body


def expect_allow_has(resp, method):
    allow = resp.headers.get("Allow")
    check(allow is not None, "no Allow header on a 405", resp)
    methods = [m.strip().upper() for m in allow.split(",")]
    check(method in methods,
        "Allow header %r does not list %s" % (allow, method), resp)


def expect_request_id(resp, sent=None):
    """The id in the X-Request-Id header and body agree; return it.

    sent: the id the client sent, if it should have been echoed."""
    hdr = resp.headers.get("X-Request-Id")
    body = resp.json if isinstance(resp.json, dict) else {}
    rid = body.get("request_id")
    check(hdr is not None and hdr != "",
        "no X-Request-Id response header", resp)
    expect_eq(rid, hdr, "body request_id vs X-Request-Id header", resp)
    if sent is not None:
        expect_eq(hdr, sent, "echoed X-Request-Id", resp)
    return hdr


# ---------------------------------------------------------------- waiting

def wait_until(predicate, timeout, interval=0.2, what="condition"):
    """Poll predicate() until it returns a true value; return that value.

    Exceptions from predicate count as "not yet"; the last one is named
    in the failure."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            v = predicate()
            if v:
                return v
        except (TestFailure, OSError) as e:
            last = e
        if time.monotonic() >= deadline:
            msg = "timed out after %.0fs waiting for %s" % (timeout, what)
            if last is not None:
                msg += "\n  last error: %s" % last
            raise TestFailure(msg)
        time.sleep(interval)


def health_is_ok(base=None, timeout=5):
    try:
        r = get("/api/v1/health", base=base, timeout=timeout)
    except TestFailure:
        return False
    d = r.json.get("data") if r.status == 200 and isinstance(r.json,
        dict) else None
    return isinstance(d, dict) and d.get("database") == "ok" and \
        d.get("redis") == "ok"


def wait_healthy(timeout=30, consecutive=5):
    """Wait until `consecutive` health checks in a row say database and
    redis ok (so every worker, not just one, is back)."""
    streak = [0]

    def ok():
        if health_is_ok():
            streak[0] += 1
        else:
            streak[0] = 0
        return streak[0] >= consecutive

    wait_until(ok, timeout, interval=0.1,
        what="the stack to be healthy (database ok, redis ok)")


# ---------------------------------------------------------------- ./dev

def dev(*args, timeout=120):
    """Run $HOLDFAST_DEV with args; return stdout.  Skips when unset."""
    script = dev_script()
    try:
        p = subprocess.run([script] + list(args), capture_output=True,
            text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise TestFailure("%s %s: %s" % (script, " ".join(args), e))
    if p.returncode != 0:
        raise TestFailure("%s %s exited %d:\n%s%s" % (script,
            " ".join(args), p.returncode, p.stdout[-1500:], p.stderr[-1500:]))
    return p.stdout


def worker_pids():
    out = dev("pids", "workers")
    pids = []
    for line in out.split():
        if line.strip().isdigit():
            pids.append(int(line))
    return pids


def is_worker(pid):
    """True if pid is a live holdfast-fcgi process (guards against pid
    reuse before a signal is sent)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        if state == "Z":
            return False
        exe = os.readlink("/proc/%d/exe" % pid)
        return "holdfast-fcgi" in exe
    except (OSError, IndexError):
        return False


@contextlib.contextmanager
def service_stopped(name, healthy_timeout=60):
    """Stop a stack service for the with-block, then start it again and
    wait until the stack is healthy.  Restoring always happens; a failure
    to restore is reported along with any failure of the block."""
    dev_script()
    wait_healthy(timeout=30)
    dev("svc", "stop", name)
    try:
        yield
    except BaseException as primary:
        err = _restore(name, healthy_timeout)
        if err is not None and isinstance(primary, Exception):
            raise TestFailure("%s\n  and restoring %s failed: %s"
                % (primary, name, err)) from primary
        raise
    err = _restore(name, healthy_timeout)
    if err is not None:
        raise TestFailure("restoring %s failed: %s" % (name, err))


def _restore(name, healthy_timeout):
    try:
        dev("svc", "start", name)
        wait_healthy(timeout=healthy_timeout)
    except Exception as e:
        return e
    return None


# ================================================================
# Accounts and access (issue 3): helpers for test_6x_*.py.
# Added as a separate block; nothing above depends on it.
# ================================================================

import base64 as _b64
import email as _email
import email.policy as _email_policy
import email.utils as _email_utils
import hashlib as _hashlib
import hmac as _hmac
import uuid as _uuid

# this file is tests/api/hf/__init__.py
_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
CODE_RE = re.compile(r"code:\s*([0-9]{6})(?![0-9])")
_acct_cache = {}


def repo_root():
    return _REPO


def dev_var():
    """The stack's state directory ($DEV_VAR, default <repo>/var)."""
    return os.path.abspath(os.environ.get("DEV_VAR") or
        os.path.join(_REPO, "var"))


def conf_values():
    """key -> value of the uncommented lines of $DEV_VAR/holdfast.conf
    ({} when there is no such file)."""
    out = {}
    try:
        with open(os.path.join(dev_var(), "holdfast.conf")) as f:
            for line in f:
                line = line.split("#", 1)[0].strip()
                if "=" in line:
                    k, v = line.split("=", 1)
                    out[k.strip()] = v.strip()
    except OSError:
        pass
    return out


def conf_int(key, default):
    v = os.environ.get("HOLDFAST_" + key.upper()) or conf_values().get(key)
    try:
        return int(v)
    except (TypeError, ValueError):
        return default


def unique_email(tag="u"):
    return "%s%s@example.test" % (tag, _uuid.uuid4().hex[:10])


def new_request_id(tag="t6"):
    return "%s.%s" % (tag, _uuid.uuid4().hex)


def auth_header(token):
    return {"Authorization": "Bearer %s" % token}


def call(method, path, body=None, token=None, headers=None, **kw):
    """request() with an optional bearer token (access token or API key)."""
    hdrs = dict(headers or {})
    if token is not None:
        hdrs.update(auth_header(token))
    if body is None and method in ("POST", "PUT", "PATCH"):
        body = {}
    return request(method, path, body=body, headers=hdrs, **kw)


def patch(path, body=None, **kw):
    return request("PATCH", path, body=body, **kw)


def expect_field_error(resp, status, code, field):
    """An error envelope whose details.field names field."""
    body = expect_error(resp, status, code)
    details = body.get("details")
    check(isinstance(details, dict),
        "error %s has no details object naming %r" % (code, field), resp)
    expect_eq(details.get("field"), field, "details.field", resp)
    return body


USER_FIELDS = ("id", "email", "display_name", "avatar_url", "role", "status",
    "created_at")
ISO_UTC_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")


def expect_user(obj, resp=None, email=None, status=None, role=None):
    """A user object as the contract lists it, and nothing secret."""
    check(isinstance(obj, dict), "user is %r, not an object" % (obj,), resp)
    for k in USER_FIELDS:
        check(k in obj, "user object has no %r" % k, resp)
    for k in obj:
        check("password" not in k.lower() and "hash" not in k.lower() and
            "token" not in k.lower(),
            "user object carries a secret-looking field %r" % k, resp)
    check(isinstance(obj["id"], (int, str)) and str(obj["id"]) != "",
        "user id is %r" % (obj["id"],), resp)
    check(isinstance(obj["created_at"], str) and
        ISO_UTC_RE.match(obj["created_at"]),
        "user created_at %r is not ISO 8601 UTC" % (obj["created_at"],),
        resp)
    if email is not None:
        expect_eq(str(obj["email"]).lower(), email.lower(), "user email",
            resp)
    if status is not None:
        expect_eq(obj["status"], status, "user status", resp)
    if role is not None:
        expect_eq(obj["role"], role, "user role", resp)
    return obj


# ---------------------------------------------------------------- mail sink

def mail_dir():
    return os.path.join(dev_var(), "mail")


def _mail_sort_key(name):
    m = re.match(r"^(\d+)-(\d+)\.eml$", name)
    if m:
        return (int(m.group(1)), int(m.group(2)), name)
    return (0, 0, name)


def mail_files():
    """Every .eml in the sink's directory, oldest first."""
    try:
        names = [n for n in os.listdir(mail_dir()) if n.endswith(".eml")]
    except FileNotFoundError:
        return []
    return [os.path.join(mail_dir(), n)
        for n in sorted(names, key=_mail_sort_key)]


def _read_mail(path):
    with open(path, "rb") as f:
        raw = f.read()
    return raw, _email.message_from_bytes(raw, policy=_email_policy.default)


def mail_recipients(msg):
    addrs = _email_utils.getaddresses([str(v) for v in
        (msg.get_all("To") or [])])
    return [a.lower() for _, a in addrs]


def mail_text(msg, raw):
    """The decoded text of every text/* part (the raw message if none)."""
    parts = []
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            try:
                parts.append(part.get_content())
            except (LookupError, ValueError):
                parts.append(part.get_payload(decode=True).decode(
                    "utf-8", "replace"))
    return "\n".join(parts) if parts else raw.decode("utf-8", "replace")


def mails_to(address):
    """[(path, text)] of the messages to address, oldest first."""
    out = []
    for path in mail_files():
        try:
            raw, msg = _read_mail(path)
        except OSError:
            continue
        if address.lower() in mail_recipients(msg):
            out.append((path, mail_text(msg, raw)))
    return out


def wait_mail(address, exclude=(), timeout=10):
    """Wait for a message to address whose file is not in exclude; return
    (path, text) of the newest such."""
    def found():
        new = [m for m in mails_to(address) if m[0] not in exclude]
        return new[-1] if new else None
    if not os.path.isdir(mail_dir()):
        # the sink makes the directory; give it the same time
        wait_until(lambda: os.path.isdir(mail_dir()), timeout,
            what="the mail sink directory %s" % mail_dir())
    return wait_until(found, timeout, interval=0.1,
        what="an e-mail to %s in %s" % (address, mail_dir()))


def code_in(text, where="the e-mail"):
    m = CODE_RE.search(text)
    if not m:
        fail("no 'code: NNNNNN' in %s:\n%s" % (where, text[:800]))
    return m.group(1)


def mail_paths_to(address):
    return set(p for p, _ in mails_to(address))


def wait_code(address, exclude=(), timeout=10):
    path, text = wait_mail(address, exclude, timeout)
    return code_in(text, path)


# ---------------------------------------------------------------- database

def db_rows(sql, timeout=30):
    """Rows of one query on the stack's MariaDB as root over its socket
    (tab-separated strings, NULL as None).  Skips when there is no
    my.cnf or mariadb client."""
    cnf = os.path.join(dev_var(), "mariadb", "my.cnf")
    if not os.path.exists(cnf):
        skip("no %s: cannot look at the database" % cnf)
    for attempt in range(4):
        try:
            p = subprocess.run(["mariadb", "--defaults-file=" + cnf,
                "-uroot", "holdfast", "-N", "-B", "-e", sql],
                capture_output=True, timeout=timeout)
        except FileNotFoundError:
            skip("no mariadb client")
        except subprocess.TimeoutExpired:
            raise TestFailure("mariadb timed out on: %s" % sql)
        # a test's root statement chosen as a deadlock victim against the
        # workers' own transactions (ERROR 1213): rolled back, so run it
        # again, as a client is told to (the tests' statements are each
        # safe to repeat)
        if p.returncode == 0 or b"ERROR 1213" not in p.stderr:
            break
        time.sleep(0.05 * (attempt + 1))
    if p.returncode != 0:
        raise TestFailure("mariadb failed on: %s\n%s" % (sql,
            p.stderr.decode("utf-8", "replace")))
    rows = []
    for line in p.stdout.decode("utf-8", "replace").split("\n"):
        if line == "":
            continue
        rows.append([None if c == "NULL" else c for c in line.split("\t")])
    return rows


def sql_str(s):
    return "'" + str(s).replace("\\", "\\\\").replace("'", "''") + "'"


# ---------------------------------------------------------------- accounts

def register(email, password, display_name="Test User", **kw):
    return post("/api/v1/auth/register", {"email": email,
        "password": password, "display_name": display_name}, **kw)


def login(email, password, **kw):
    return post("/api/v1/auth/login", {"email": email, "password": password},
        **kw)


def refresh(refresh_token, **kw):
    return post("/api/v1/auth/refresh", {"refresh_token": refresh_token},
        **kw)


def new_password():
    return "pw-" + _uuid.uuid4().hex[:20]


def registered_user(email=None, password=None, display_name="Test User"):
    """Register a pending user and wait for its code.  Returns a dict:
    email, password, user (the registered object), code."""
    email = email or unique_email()
    password = password or new_password()
    r = register(email, password, display_name)
    data = expect_success(r, 201)
    user = expect_user(data.get("user"), r, email=email, status="pending")
    code = wait_code(email)
    return {"email": email, "password": password, "user": user,
        "code": code, "id": user["id"]}


def verified_user(email=None, password=None, display_name="Test User",
    login_too=True):
    """Register, verify and (by default) log in a fresh user.  Adds
    access, refresh and the login data to the registered_user() dict."""
    u = registered_user(email, password, display_name)
    r = post("/api/v1/auth/verify", {"email": u["email"], "code": u["code"]})
    data = expect_success(r)
    expect_user(data.get("user"), r, email=u["email"], status="active")
    if login_too:
        u.update(login_ok(u["email"], u["password"]))
    return u


def login_ok(email, password):
    r = login(email, password)
    data = expect_success(r)
    for k in ("access_token", "refresh_token", "token_type", "expires_in",
        "user"):
        check(k in data, "login data has no %r" % k, r)
    return {"access": data["access_token"], "refresh": data["refresh_token"],
        "login": data}


def admin_credentials():
    path = os.path.join(dev_var(), "secrets", "admin.json")
    try:
        with open(path) as f:
            creds = jsonlib.load(f)
    except (OSError, ValueError):
        skip("no demo admin credentials in %s" % path)
    if not creds.get("email") or not creds.get("password"):
        skip("%s has no email/password" % path)
    return creds


def admin_token():
    """An admin access token, logged in once per run (the login limit per
    e-mail is low) and again only when close to expiry."""
    cached = _acct_cache.get("admin")
    if cached and cached[1] > time.monotonic():
        return cached[0]
    creds = admin_credentials()
    r = login(creds["email"], creds["password"])
    data = expect_success(r)
    check(isinstance(data.get("user"), dict) and
        data["user"].get("role") == "admin",
        "the demo admin's login does not say role admin", r)
    ttl = data.get("expires_in") if isinstance(data.get("expires_in"),
        int) else 300
    _acct_cache["admin"] = (data["access_token"],
        time.monotonic() + max(ttl - 60, 30))
    return data["access_token"]


# ---------------------------------------------------------------- JWT

def b64url(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return _b64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(s):
    s = s + "=" * (-len(s) % 4)
    return _b64.urlsafe_b64decode(s.encode("ascii"))


def jwt_split(token):
    """(header dict, payload dict, signature str) of a compact JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        fail("access token %r... is not a three-part JWT" % token[:40])
    try:
        return (jsonlib.loads(b64url_decode(parts[0])),
            jsonlib.loads(b64url_decode(parts[1])), parts[2])
    except ValueError as e:
        fail("access token does not decode as a JWT: %s" % e)


def json_dumps_compact(obj):
    return jsonlib.dumps(obj, separators=(",", ":"))


def jwt_encode(header, payload):
    """header.payload, base64url of compact JSON."""
    return "%s.%s" % (b64url(jsonlib.dumps(header, separators=(",", ":"))),
        b64url(jsonlib.dumps(payload, separators=(",", ":"))))


def jwt_sign(header, payload, key, digest=_hashlib.sha256):
    signing_input = jwt_encode(header, payload)
    if isinstance(key, str):
        key = key.encode("utf-8")
    sig = _hmac.new(key, signing_input.encode("ascii"), digest).digest()
    return signing_input + "." + b64url(sig)


def jwt_secret():
    """The stack's own JWT key: jwt_secret from $DEV_VAR/holdfast.conf (or
    the environment), else $DEV_VAR/secrets/jwt_secret; skip if none."""
    key = os.environ.get("HOLDFAST_JWT_SECRET") or \
        conf_values().get("jwt_secret")
    if not key:
        try:
            with open(os.path.join(dev_var(), "secrets", "jwt_secret")) as f:
                key = f.read().strip()
        except OSError:
            key = ""
    if not key:
        skip("no jwt_secret in %s/holdfast.conf" % dev_var())
    return key


# ---------------------------------------------------------------- notify

def notify_binary():
    path = os.path.join(_REPO, "build", "holdfast-notify")
    if not os.access(path, os.X_OK):
        skip("no %s" % path)
    return path


def notify_env():
    env = dict(os.environ)
    env["HOLDFAST_CONF"] = os.path.join(dev_var(), "holdfast.conf")
    return env


# ================================================================
# Inventory (issue 4): helpers for test_7x_*.py.
# Added as a separate block; nothing above depends on it.
# ================================================================

from urllib.parse import quote as _quote

_inv_cache = {}


def unique_sku(tag="T"):
    return "%s-%s" % (tag, _uuid.uuid4().hex[:10])


def inv_admin():
    """An admin credential for the inventory tests.  An admin API key: the
    one in $HOLDFAST_TEST_ADMIN_KEY if set, else one made once per run with
    admin_token(), so these tests neither log in again nor spend the demo
    admin's general rate limit."""
    key = os.environ.get("HOLDFAST_TEST_ADMIN_KEY")
    if key:
        return key
    if "admin" not in _inv_cache:
        try:
            token = admin_token()
        except TestFailure as e:
            if "got 429" not in str(e):
                raise
            token = _signed_admin_token()
        _inv_cache["admin"] = new_api_key("admin", token=token)
    return _inv_cache["admin"]


def signed_access_token(sub, role, ttl=300):
    """An access token for user id sub signed with the stack's own key
    (jwt_secret()), with the claims a login gives: for when this address
    has spent its login allowance on a shared stack.  Callers check that
    the stack takes it (GET /me)."""
    now = int(time.time())
    conf = conf_values()
    return jwt_sign({"alg": "HS256", "typ": "JWT"}, {
        "iss": conf.get("jwt_issuer", "holdfast"),
        "aud": conf.get("jwt_audience", "holdfast-api"),
        "sub": str(sub), "role": role, "iat": now, "exp": now + ttl},
        jwt_secret())


def _signed_admin_token():
    """The demo admin's token, signed here because its login is rate
    limited; skips if the stack does not take it."""
    email = admin_credentials()["email"]
    rows = db_rows("SELECT id FROM users WHERE email = %s AND role = "
        "'admin'" % sql_str(email))
    if not rows:
        skip("admin login is rate limited and %s is not in users" % email)
    token = signed_access_token(rows[0][0], "admin")
    r = call("GET", "/api/v1/me", token=token)
    if r.status != 200:
        skip("admin login is rate limited and a self-signed admin token "
            "is refused (%d)" % r.status)
    return token


def new_api_key(role="business", name=None, token=None):
    """A fresh API key (the key itself) with this role, made by an admin."""
    name = name or "t7-%s-%s" % (role, _uuid.uuid4().hex[:8])
    r = call("POST", "/api/v1/api-keys", {"name": name, "role": role},
        token=token or inv_admin())
    data = expect_success(r, 201)
    check(isinstance(data.get("key"), str) and data["key"].startswith("hfk_"),
        "POST /api-keys gave no hfk_ key", r)
    return data["key"]


def inv_business(name="default"):
    """A business API key, made once per run for each name (a module can
    take its own so that its requests do not share one rate limit)."""
    if ("biz", name) not in _inv_cache:
        _inv_cache[("biz", name)] = new_api_key("business")
    return _inv_cache[("biz", name)]


def sku_path(sku):
    return _quote(sku, safe="")


def new_product(quantity=0, sku=None, token=None, **fields):
    """Create a product as admin (initial_quantity given only if non-zero)
    and return its data (with data.stock)."""
    sku = sku or unique_sku()
    body = {"sku": sku, "name": "Test item %s" % sku}
    if quantity:
        body["initial_quantity"] = quantity
    body.update(fields)
    r = call("POST", "/api/v1/products", body, token=token or inv_admin())
    data = expect_success(r, 201)
    expect_eq(data.get("sku"), sku, "created product sku", r)
    check(isinstance(data.get("stock"), dict), "created product has no "
        "stock object", r)
    return data


def stock_of(sku, token=None):
    """GET /stock/{sku} (as a business key, not as a guest: guests share
    one rate limit per address); return data."""
    r = call("GET", "/api/v1/stock/%s" % sku_path(sku),
        token=token or inv_business())
    return expect_success(r)


def list_all(path, token=None, limit=20000):
    """Every item of a paged list (path may carry a query), all pages: a
    keyset list (issue 13: data.next) by ?after=, the others by ?page=."""
    sep = "&" if "?" in path else "?"
    items, page, after = [], 1, None
    while True:
        at = "after=%d" % after if after is not None else "page=%d" % page
        r = call("GET", "%s%s%s&per_page=100" % (path, sep, at),
            token=token or inv_business())
        data = expect_success(r)
        got = data.get("items")
        check(isinstance(got, list), "list data.items is not a list", r)
        items.extend(got)
        if "next" in data:
            after = data["next"]
            if after is None or not got or len(items) >= limit:
                return items
            continue
        if not got or len(got) < 100 or len(items) >= limit or \
                page * 100 >= (data.get("total") or 0):
            return items
        page += 1


def ledger_of(token=None, **filters):
    """Every ledger row matching the filters (sku, type, reference_id,
    from, to), newest first as the service lists them."""
    q = "&".join("%s=%s" % (k, _quote(str(v), safe=""))
        for k, v in filters.items() if v is not None)
    return list_all("/api/v1/ledger" + ("?" + q if q else ""), token)


def reserve(items, token=None, ttl=None, type_="cart", reference_id=None,
    headers=None):
    """POST /reservations with items [(sku, qty)] or [{sku, quantity}];
    returns the Response."""
    body = {"type": type_, "items": [i if isinstance(i, dict) else
        {"sku": i[0], "quantity": i[1]} for i in items]}
    if ttl is not None:
        body["ttl_seconds"] = ttl
    if reference_id is not None:
        body["reference_id"] = reference_id
    return call("POST", "/api/v1/reservations", body,
        token=token or inv_business(), headers=headers)


def reconcile_api(sku, token=None):
    r = call("GET", "/api/v1/stock/%s/reconcile" % sku_path(sku),
        token=token or inv_business())
    data = expect_success(r)
    check(isinstance(data.get("ok"), bool) and
        isinstance(data.get("mismatches"), list),
        "reconcile data has no boolean ok and mismatches list", r)
    return data


def build_binary(name):
    path = os.path.join(_REPO, "build", name)
    if not os.access(path, os.X_OK):
        skip("no %s" % path)
    return path


def run_program(name, *args, timeout=60):
    """Run build/<name> with HOLDFAST_CONF pointing at the stack's conf;
    return the CompletedProcess (text)."""
    return subprocess.run([build_binary(name)] + list(args),
        capture_output=True, text=True, timeout=timeout, env=notify_env())


def start_program(name, *args):
    """Start build/<name> like run_program, without waiting (Popen)."""
    return subprocess.Popen([build_binary(name)] + list(args),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=notify_env())


def app_db(sql, timeout=30):
    """Run sql as the application's database user (holdfast@localhost,
    password from $DEV_VAR/secrets/db_app_password) over the socket;
    return the CompletedProcess (text)."""
    cnf = os.path.join(dev_var(), "mariadb", "my.cnf")
    try:
        with open(os.path.join(dev_var(), "secrets", "db_app_password")) as f:
            pw = f.read().strip()
    except OSError:
        skip("no %s/secrets/db_app_password" % dev_var())
    if not os.path.exists(cnf):
        skip("no %s" % cnf)
    try:
        return subprocess.run(["mariadb", "--defaults-file=" + cnf,
            "-uholdfast", "-p" + pw, "holdfast", "-N", "-B", "-e", sql],
            capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        skip("no mariadb client")


class KeepAliveClient:
    """One persistent HTTP/1.1 connection to the front (keep-alive), for
    load tests where each client thread has its own connection.  A request
    is never retried: a broken connection is a TestFailure."""

    def __init__(self, token=None, base=None, timeout=30):
        parts = urlsplit((base or base_url()).rstrip("/"))
        self._host = parts.hostname
        self._port = parts.port or 80
        self._prefix = parts.path.rstrip("/")
        self._base = (base or base_url()).rstrip("/")
        self._timeout = timeout
        self._conn = None
        self.token = token

    def request(self, method, path, body=None, headers=None):
        hdrs = {}
        if isinstance(body, (dict, list)):
            body = jsonlib.dumps(body).encode("utf-8")
            hdrs["Content-Type"] = "application/json"
        if self.token:
            hdrs["Authorization"] = "Bearer %s" % self.token
        hdrs.update(headers or {})
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self._host, self._port,
                timeout=self._timeout)
        t0 = time.monotonic()
        try:
            self._conn.request(method, self._prefix + path, body=body,
                headers=hdrs)
            resp = self._conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException) as e:
            self.close()
            raise TestFailure("keep-alive %s %s failed: %s: %s" % (method,
                path, type(e).__name__, e))
        if resp.will_close:
            self.close()
        return Response(method, self._base + path, hdrs, len(body or b""),
            resp.status, resp.reason, Headers(resp.getheaders()), data,
            time.monotonic() - t0)

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None


# ================================================================
# Catalog and cache (issue 5): helpers for test_76_catalog.py,
# test_77_cache.py and test_78_redis_faults.py.
# Added as a separate block; nothing above depends on it.
# ================================================================

import signal as _signal
import struct as _struct
import zlib as _zlib
from urllib.parse import urlencode as _urlencode


def unique_word(tag="w"):
    """A word no other product has: letters and digits only, so FULLTEXT
    indexes it as one token (tag must start with a letter)."""
    return "%s%s" % (tag, _uuid.uuid4().hex[:12])


def products_query(token=None, **query):
    """GET /api/v1/products with these query parameters (None values are
    left out); returns (Response, data)."""
    q = _urlencode([(k, v) for k, v in query.items() if v is not None])
    r = call("GET", "/api/v1/products" + ("?" + q if q else ""),
        token=token or inv_business("t76"))
    data = expect_success(r)
    check(isinstance(data.get("items"), list), "products data.items is not "
        "a list", r)
    return r, data


def product_ids(data):
    return [it.get("id") for it in data.get("items", [])]


# ---------------------------------------------------------------- images

def _jpeg_segment(marker, payload):
    return b"\xff" + bytes([marker]) + _struct.pack(">H",
        len(payload) + 2) + payload


def jpeg_bytes(comment=b""):
    """A minimal valid baseline JPEG: 1x1 grey, one component, one 8x8
    block whose DC and AC are both the one-bit code 0 (a decoder gives
    grey 128). comment goes into a COM segment, so each test can make
    bytes of its own (covers are named by their SHA-256)."""
    if isinstance(comment, str):
        comment = comment.encode("utf-8")
    counts = b"\x01" + b"\x00" * 15     # one Huffman code of length 1
    out = b"\xff\xd8"                   # SOI
    out += _jpeg_segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01"
        b"\x00\x00")
    if comment:
        out += _jpeg_segment(0xFE, comment)
    out += _jpeg_segment(0xDB, b"\x00" + b"\x01" * 64)      # DQT
    out += _jpeg_segment(0xC0, b"\x08\x00\x01\x00\x01\x01\x01\x11\x00")
    out += _jpeg_segment(0xC4, b"\x00" + counts + b"\x00")  # DC: cat 0
    out += _jpeg_segment(0xC4, b"\x10" + counts + b"\x00")  # AC: EOB
    out += _jpeg_segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")  # SOS
    out += b"\x3f"                      # DC 0, EOB, padded with ones
    return out + b"\xff\xd9"            # EOI


def png_bytes(comment=b""):
    """A minimal valid PNG: 1x1 grey, with comment in a tEXt chunk."""
    if isinstance(comment, str):
        comment = comment.encode("utf-8")

    def chunk(kind, data):
        return _struct.pack(">I", len(data)) + kind + data + \
            _struct.pack(">I", _zlib.crc32(kind + data) & 0xffffffff)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", _struct.pack(">IIBBBBB",
        1, 1, 8, 0, 0, 0, 0))
    if comment:
        out += chunk(b"tEXt", b"Comment\x00" + comment)
    return out + chunk(b"IDAT", _zlib.compress(b"\x00\x80")) + \
        chunk(b"IEND", b"")


# ---------------------------------------------------------------- Redis

class RedisClient:
    """A tiny RESP client on the stack's Redis socket
    ($DEV_VAR/redis/redis.sock), for tests that look at or act on the
    cache the way a worker would.  cmd() returns str/int/list/None and
    raises TestFailure on an error reply or a dead connection."""

    def __init__(self, path=None, timeout=5):
        self.path = path or os.path.join(dev_var(), "redis", "redis.sock")
        if not os.path.exists(self.path):
            skip("no Redis socket at %s" % self.path)
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(timeout)
        try:
            self._sock.connect(self.path)
        except OSError as e:
            self._sock.close()
            raise TestFailure("cannot connect to Redis at %s: %s"
                % (self.path, e))
        self._buf = b""

    def close(self):
        self._sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def cmd(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            if not isinstance(a, bytes):
                a = str(a).encode("utf-8")
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        try:
            self._sock.sendall(b"".join(out))
            return self._reply()
        except OSError as e:
            raise TestFailure("Redis %s: %s" % (args[0], e))

    def _line(self):
        while b"\r\n" not in self._buf:
            data = self._sock.recv(65536)
            if not data:
                raise OSError("connection closed")
            self._buf += data
        line, self._buf = self._buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self._buf) < n + 2:
            data = self._sock.recv(65536)
            if not data:
                raise OSError("connection closed")
            self._buf += data
        data, self._buf = self._buf[:n], self._buf[n + 2:]
        return data

    def _reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode("utf-8", "replace")
        if kind == b"-":
            raise TestFailure("Redis error: %s" % rest.decode("utf-8",
                "replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n).decode("utf-8",
                "replace")
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._reply() for _ in range(n)]
        raise TestFailure("Redis: unexpected reply %r" % line[:80])


def redis_info(section="stats"):
    """INFO section as a dict of strings."""
    with RedisClient() as rc:
        text = rc.cmd("INFO", section) or ""
    out = {}
    for line in text.splitlines():
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            out[k] = v.strip()
    return out


def redis_pid():
    """The pid of the stack's redis-server, checked against /proc (pids
    wrap, and PID 1 reaps slowly: a zombie is not a Redis)."""
    path = os.path.join(dev_var(), "redis", "redis.pid")
    try:
        with open(path) as f:
            pid = int(f.read().strip())
    except (OSError, ValueError):
        skip("no Redis pid in %s" % path)
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        with open("/proc/%d/comm" % pid) as f:
            comm = f.read().strip()
    except (OSError, IndexError):
        raise TestFailure("Redis pid %d from %s is not running" % (pid, path))
    check(state != "Z" and comm.startswith("redis-server"),
        "pid %d from %s is not a live redis-server (%s, state %s)"
        % (pid, path, comm, state))
    return pid


@contextlib.contextmanager
def redis_paused():
    """SIGSTOP the stack's Redis for the with-block (it keeps its socket:
    clients connect and then wait), SIGCONT it on the way out, always."""
    dev_script()
    wait_healthy(timeout=30)
    pid = redis_pid()
    os.kill(pid, _signal.SIGSTOP)
    try:
        yield pid
    finally:
        os.kill(pid, _signal.SIGCONT)


# The cache's key layout (docs/internals.md, src/svc/cacheaside.c): an
# entry lives at hf:c:<kind>:<id>:<epoch>:<version>, kind p (product by
# id), s (stock by SKU) or l (list page); writes bump hf:ver:<kind>:<id>
# (hf:ver:l for every list page) and a worker back from an outage bumps
# hf:epoch.

def cache_ident(kind, ident):
    """Stock entries are keyed by the SKU in upper case (one entry however
    the SKU is spelled: docs/internals.md)."""
    return ident.upper() if kind == "s" else ident


def cache_version_key(kind, ident):
    return "hf:ver:l" if kind == "l" else "hf:ver:%s:%s" % (kind,
        cache_ident(kind, ident))


def cache_entry_key(kind, ident, rc=None):
    """The key a worker reading this entry now would look under (epoch
    and version read as the worker's script reads them)."""
    own = rc is None
    rc = rc or RedisClient()
    try:
        epoch = rc.cmd("GET", "hf:epoch") or "0"
        ver = rc.cmd("GET", cache_version_key(kind, ident)) or "0"
    finally:
        if own:
            rc.close()
    return "hf:c:%s:%s:%s:%s" % (kind, cache_ident(kind, ident), epoch, ver)


# ---------------------------------------------------------------- metrics

def metrics_text():
    """The text of GET /metrics from this (loopback) host, or None when
    the stack has no /metrics."""
    r = get("/metrics")
    if r.status == 404:
        return None
    expect_status(r, 200)
    return r.text


def metric_sum(name, text=None):
    """The sum of every sample of metric name (all label sets) in a
    Prometheus text, or None when no sample has that name."""
    text = metrics_text() if text is None else text
    if text is None:
        return None
    total, seen = 0.0, False
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)",
            line)
        if m and m.group(1) == name:
            try:
                total += float(m.group(3))
                seen = True
            except ValueError:
                pass
    return total if seen else None


def redis_worker_clients():
    """[(Redis client id, worker pid)] of the Redis connections that
    holdfast-fcgi workers hold, matched through the socket pairs `ss -xp`
    lists (Redis' fd of each connection, then its CLIENT LIST id), so a
    test that closes connections closes only the workers'."""
    try:
        out = subprocess.run(["ss", "-xpn"], capture_output=True, text=True,
            timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        skip("no ss to match Redis connections to workers")
    sock = os.path.join(dev_var(), "redis", "redis.sock")
    rpid = redis_pid()
    workers = set(worker_pids())
    owner, redis_side = {}, []
    for line in out.splitlines():
        m = re.search(r"\s(\S+)\s+(\d+)\s+\S+\s+(\d+)\s+users:\(\(\"([^\"]+)"
            r"\",pid=(\d+),fd=(\d+)\)", line)
        if not m:
            continue
        path, ino, peer, proc, pid, fd = m.groups()
        owner[ino] = (proc, int(pid))
        # this stack's Redis only (a test stack has its own)
        if int(pid) == rpid and path == sock:
            redis_side.append((peer, int(fd)))
    with RedisClient() as rc:
        by_fd = {}
        for line in (rc.cmd("CLIENT", "LIST", "TYPE", "normal") or
                "").split("\n"):
            f = dict(x.split("=", 1) for x in line.split() if "=" in x)
            if "fd" in f and "id" in f:
                by_fd[int(f["fd"])] = int(f["id"])
    found = []
    for peer, fd in redis_side:
        proc, pid = owner.get(peer, ("", 0))
        if pid in workers and fd in by_fd:
            found.append((by_fd[fd], pid))
    return found


# ================================================================
# Response recorder (issue 12, item 6): every answer hf.request (and a
# KeepAliveClient) gets is kept in RECORDED, in process, so that
# test_zy_openapi.py can match the whole run against GET
# /api/v1/openapi.json.  With HOLDFAST_RECORD=path each one is also
# appended to that file as a JSON line.  Bodies are kept shallow: the
# envelope's top-level keys, with 'data' (and a 'details' over 4 KiB) cut
# to an empty object or list of the same type, so that the ~55,000 answers
# of a run stay small.
# Added as a separate block; nothing above depends on it.
# ================================================================

import threading as _threading

RECORDED = []
_record_lock = _threading.Lock()
_RECORD_REQ_MAX = 65536  # request bodies kept (bytes of JSON) for the check


def _shallow(v, keep=0):
    if keep and len(jsonlib.dumps(v)) <= keep:
        return v
    if isinstance(v, dict):
        return {}
    if isinstance(v, list):
        return []
    return v


def _record(resp, body):
    target = urlsplit(resp.url)
    req_json = None
    if isinstance(body, (dict, list)):
        req_json = body
    elif isinstance(body, (bytes, str)) and 0 < len(body) <= _RECORD_REQ_MAX:
        try:
            req_json = jsonlib.loads(body)
        except (ValueError, UnicodeDecodeError):
            req_json = None
    if req_json is not None:
        try:
            text = jsonlib.dumps(req_json)
            req_json = jsonlib.loads(text) if len(text) <= \
                _RECORD_REQ_MAX else None
        except (TypeError, ValueError):
            req_json = None
    out = resp.json
    if isinstance(out, dict):
        out = {k: (_shallow(v, 4096 if k == "details" else 0) if k in
            ("data", "details") else v) for k, v in out.items()}
    else:
        out = None
    rec = {"method": resp.method, "path": target.path,
        "front": target.netloc, "status": resp.status,
        "content_type": resp.headers.get("Content-Type") or "",
        "json": out, "request_json": req_json,
        "request_content_type": next((v for k, v in
            resp.req_headers.items() if k.lower() == "content-type"), None),
        "is_json": resp.json is not None}
    RECORDED.append(rec)
    where = os.environ.get("HOLDFAST_RECORD")
    if where:
        with _record_lock, open(where, "a") as f:
            f.write(jsonlib.dumps(rec) + "\n")


_request_unrecorded = request


def request(method, path, body=None, headers=None, base=None, timeout=15,
    **kw):
    resp = _request_unrecorded(method, path, body=body, headers=headers,
        base=base, timeout=timeout, **kw)
    _record(resp, body)
    return resp


request.__doc__ = _request_unrecorded.__doc__
_keepalive_unrecorded = KeepAliveClient.request


def _keepalive_request(self, method, path, body=None, headers=None):
    resp = _keepalive_unrecorded(self, method, path, body=body,
        headers=headers)
    _record(resp, body)
    return resp


KeepAliveClient.request = _keepalive_request


# The helpers of groups of tests (see the docstring); last, as they use
# the functions above.
from hf import hook_receiver, lend, shop  # noqa: E402,F401
