"""The hostile corpus (issue 10, "What stays"): a few thousand generated
requests across every route of src/api/routes.c and every parameter, sent
the way an attacker sends them.

The routes, their permissions, body kinds, caps and body schemas (field
names, types, flags, ranges, allowed values) are read from the C sources at
test time, so a route without a corpus entry here fails the test, and a new
field of a schema gets its wrong types, edge numbers, NULs, bad UTF-8 and
huge strings without anyone touching this file.  Query parameter names are
read from the http_query( calls the same way and must each be covered.

Categories: broken_json, wrong_types, unknown_fields, edge_numbers,
huge_strings (1 MB: at the body cap, one past it, past the web server's),
nul, bad_utf8 (raw invalid and overlong bytes in bodies, query strings,
path segments and headers), deep_nesting (10,000 deep), duplicate_keys,
sql_like (' " ; -- % _ \\), paging, odd_ids, sku_spellings, malformed_query,
bad_headers, bad_auth (schemes, alg none, forged and bad base64 tokens),
methods (TRACE, CONNECT, PROPFIND, ...) and hijack (another key's
reservations and references, an order's reservations through the generic
routes, lines under an order's reference: holes 2 and 3).

What is asserted, over the whole corpus:
  - no answer is a 5xx;
  - every answer under /api/ is JSON (Content-Type application/json and a
    body that parses as UTF-8) with the envelope: code = the status, error,
    message and request_id (the web server's own refusals of what never
    reaches a worker, a bad request line, a header or URI too long, a body
    over its 4 MiB, carry code, error and message only, as test_30 allows);
    an X-Request-Id header equals the body's request_id and is one the
    service would accept (a client's bad id is never echoed);
  - a request the contract refuses whatever the implementation (marked
    "refuse" below) is not answered 2xx;
  - ?sku= filters take % and _ literally (no LIKE wildcards);
  - no worker restarted (./dev pids workers, and holdfast_worker_starts_total);
  - the guarded setup objects are unchanged: the stock of the guarded SKUs
    (GET /stock/{sku}), their ledger counts (GET /ledger?sku=), their
    reconcile, the guarded reservation, order, loan, hold, product, user,
    API key and webhook, and the number of reservations under the guarded
    references; every SKU the corpus touched reconciles.

How "unchanged" is kept meaningful: every case is either "refuse" (any
implementation of the contract answers 4xx: a broken body, a wrong type, a
bad credential, ...) or "any" (a valid implementation may accept it: an SKU
spelling that the collation folds, 1.0 for an integer, a duplicate key, a
free text with quotes in it, ...).  "refuse" cases name only the guarded
objects, so one accepted by mistake shows as a change; "any" cases name
only scratch objects made for them (their own SKUs, reservation, order,
loan, hold, product, user, key and webhook), which are left out of the
unchanged check but must still reconcile.

Generation is deterministic (random.Random(SEED)); only the names and ids
of the setup objects change from run to run (they must be unique in a
reused database).  The summary prints a digest of the corpus without them,
the same on every run; HOLDFAST_CORPUS_LIST=<file> writes the list itself
(category|route|method|refuse or any|label, one case a line).  The corpus goes through a few keep-alive connections in
parallel (THREADS), one per thread, reopened when the server closes one.
Products and webhooks that the corpus managed to create are retired or
deleted at the end, so no later test lists them.
"""

import collections
import hashlib
import hmac
import http.client
import json
import os
import posixpath
import random
import re
import select
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, unquote_to_bytes, urlsplit

import hf

SEED = 9510
CSV_HEADER = "sku,name,price,category,description,location,on_hand"
THREADS = 4
CAP = hf.MAX_BODY_BYTES          # the worker's max_body_bytes
FRONT_CAP = 4 * 1024 * 1024      # nginx client_max_body_size
MIN_CASES = 1500
API = "/api/v1"
PUBLIC_IP_HOOK = "https://93.184.216.34/t95-hook"   # a public address

# routes that hash a password (bcrypt) once a body is valid
HEAVY = (API + "/auth/register", API + "/auth/login", API + "/users",
    API + "/auth/password/reset")

CATEGORIES = ("broken_json", "wrong_types", "unknown_fields",
    "edge_numbers", "huge_strings", "nul", "bad_utf8", "deep_nesting",
    "duplicate_keys", "sql_like", "paging", "odd_ids", "sku_spellings",
    "malformed_query", "bad_headers", "bad_auth", "methods", "hijack")

# invalid, overlong, out of range, surrogate, truncated UTF-8
BAD_UTF8 = (b"\xc0\xaf", b"\xe0\x80\xaf", b"\xf4\x90\x80\x80",
    b"\xed\xa0\x80", b"\xff", b"\x80", b"\xc3", b"\xf8\x88\x80\x80\x80",
    b"\xfe\xfe", b"\xc1\xbf", b"\xe0\x9f\xbf", b"\xf0\x8f\xbf\xbf",
    b"\xed\xbf\xbf", b"a\xc3(b")
# escaped lone surrogates: valid JSON text, invalid Unicode
BAD_ESCAPES = (b'"\\ud800"', b'"\\udfff"', b'"a\\ud800b"',
    b'"\\udc00\\ud800"')

SQL_LIKE = ("'", '"', "';--", "' OR '1'='1", "\"; DROP TABLE stock; --",
    "%", "_", "\\", "%_%", "a%", "\\%", "\\'", "1; SELECT SLEEP(5)",
    "' UNION SELECT password_hash FROM users--", "`", "?", "$1", "--",
    ";", "%%' OR 1=1 #")


# ================================================================ C sources

def _c_text(rel):
    with open(os.path.join(hf.repo_root(), rel)) as f:
        return re.sub(r"/\*.*?\*/", " ", f.read(), flags=re.S)


def _split_top(s):
    """Split a C initializer's inside at top-level commas."""
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def c_routes():
    """[{method, pattern, perm, body, cap, schema}] of src/api/routes.c, in
    table order.  Fails if an entry cannot be read."""
    text = _c_text("src/api/routes.c")
    entries = re.findall(r"\{\s*(HTTP_[A-Z]+\s*,(?:\"[^\"]*\"|[^}\"])*)\}",
        text, flags=re.S)
    n_methods = len(re.findall(r"\{\s*HTTP_[A-Z]+\s*,", text))
    hf.check(n_methods == len(entries) and n_methods > 0,
        "src/api/routes.c: read %d of %d route entries" % (len(entries),
        n_methods))
    out = []
    for e in entries:
        parts = _split_top(e)
        hf.check(len(parts) == 7, "src/api/routes.c: cannot read %r" % e)
        cap = _c_eval(parts[5]) if parts[5] != "0" else 0
        out.append({"method": parts[0][len("HTTP_"):],
            "handler": parts[2],
            "pattern": parts[1].strip('"'), "perm": parts[3],
            "body": {"NONE": "none", "JSON": "json",
                "ROUTE_BODY_NONE": "none", "ROUTE_BODY_JSON": "json",
                "ROUTE_BODY_RAW": "raw", "ROUTE_BODY_CSV": "csv"}.get(
                parts[4], parts[4]),
            "cap": cap or CAP,
            "schema": None if parts[6] == "NULL" else
                parts[6].lstrip("&").strip()})
    return out


_defines = {}


def _c_defines():
    if _defines:
        return _defines
    _defines.update({"LLONG_MAX": 2 ** 63 - 1, "INT64_MAX": 2 ** 63 - 1,
        "INT_MAX": 2 ** 31 - 1})
    roots = [os.path.join(hf.repo_root(), d) for d in ("include", "src")]
    for root in roots:
        for dirpath, dirs, files in os.walk(root):
            dirs.sort()
            for name in sorted(files):
                if not name.endswith((".h", ".c")):
                    continue
                with open(os.path.join(dirpath, name)) as f:
                    for m in re.finditer(r"^#define\s+([A-Z_][A-Z0-9_]*)"
                        r"\s+(.+?)\s*(?:/\*.*)?$", f.read(), flags=re.M):
                        _defines.setdefault(m.group(1), m.group(2))
    return _defines


def _c_eval(expr, depth=0):
    """Value of a simple C integer expression, or None."""
    expr = expr.strip()
    if depth > 5:
        return None
    defs = _c_defines()

    def sub(m):
        name = m.group(0)
        if name in defs:
            v = defs[name]
            v = v if isinstance(v, int) else _c_eval(v, depth + 1)
            return "(%d)" % v if v is not None else "@"
        return "@"
    e = re.sub(r"(?<=\d)(?:LL|ULL|UL|L|U)\b", "", expr)
    e = re.sub(r"\b[A-Za-z_][A-Za-z0-9_]*\b", sub, e)
    if "@" in e or not re.match(r"^[0-9()+\-*<> ]+$", e):
        return None
    try:
        return int(eval(e, {"__builtins__": {}}))  # digits and operators
    except Exception:
        return None


def c_schemas():
    """schema name -> [field dict]: name, type (FIELD_ without prefix),
    required, nullable, min, max (None when not a plain number), values
    (allowed strings or None)."""
    api = os.path.join(hf.repo_root(), "src", "api")
    fields, schemas, enums = {}, {}, {}
    texts = [_c_text(os.path.join("src", "api", n))
        for n in sorted(os.listdir(api)) if n.endswith(".c")]
    for text in texts:
        for m in re.finditer(r"static\s+const\s+char\s*\*\s*const\s+(\w+)"
            r"\[\]\s*=\s*\{(.*?)\};", text, flags=re.S):
            enums.setdefault(m.group(1), re.findall(r'"([^"]*)"',
                m.group(2)))
    for text in texts:
        local = {}
        for m in re.finditer(r"static\s+const\s+char\s*\*\s*const\s+(\w+)"
            r"\[\]\s*=\s*\{(.*?)\};", text, flags=re.S):
            local[m.group(1)] = re.findall(r'"([^"]*)"', m.group(2))
        for m in re.finditer(r"static\s+const\s+struct\s+field\s+(\w+)\[\]"
            r"\s*=\s*\{(.*?)\n\};", text, flags=re.S):
            out = []
            for e in re.findall(r"\{\s*(\"\w+\"\s*,.*?)\}", m.group(2),
                flags=re.S):
                p = _split_top(e)
                if len(p) < 6:
                    continue
                flags = p[2]
                vals = None if p[5] == "NULL" else \
                    local.get(p[5], enums.get(p[5]))
                out.append({"name": p[0].strip('"'),
                    "type": p[1].replace("FIELD_", ""),
                    "required": "FIELD_REQUIRED" in flags,
                    "nullable": "FIELD_NULLABLE" in flags,
                    "min": _c_eval(p[3]), "max": _c_eval(p[4]),
                    "values": vals})
            fields[m.group(1)] = out
        for m in re.finditer(r"const\s+struct\s+body_schema\s+(\w+)\s*=\s*"
            r"SCHEMA\((\w+)\)", text):
            schemas[m.group(1)] = m.group(2)
    return {s: fields.get(f, []) for s, f in schemas.items()}


def c_idem_handlers():
    """Names of the handlers that take an Idempotency-Key (that call
    api_idem_begin, directly or through a function of their file)."""
    out = set()
    api = os.path.join(hf.repo_root(), "src", "api")
    for n in sorted(os.listdir(api)):
        if not n.endswith(".c"):
            continue
        text = _c_text(os.path.join("src", "api", n))
        funcs = {m.group(1): m.group(2) for m in re.finditer(
            r"^(\w+)\([^)]*\)\s*\n\{(.*?)\n\}", text,
            flags=re.M | re.S)}
        uses = set(f for f, b in funcs.items() if "api_idem_begin(" in b)
        grown = True
        while grown:
            grown = False
            for f, b in funcs.items():
                if f not in uses and any(re.search(r"\b%s\(" % u, b)
                        for u in uses):
                    uses.add(f)
                    grown = True
        out |= uses
    return out


def c_query_names():
    """Every query parameter name the handlers read."""
    names = set()
    api = os.path.join(hf.repo_root(), "src", "api")
    for n in os.listdir(api):
        if not n.endswith(".c"):
            continue
        text = _c_text(os.path.join("src", "api", n))
        names.update(re.findall(r"(?:http_query|api_enum_param|query_enum|"
            r"nonempty)\(\s*req\s*,\s*\"(\w+)\"", text))
        for m in re.finditer(r"static\s+const\s+char\s*\*\s*const\s+"
            r"(names|times)\[\]\s*=\s*\{(.*?)\};", text, flags=re.S):
            names.update(re.findall(r'"(\w+)"', m.group(2)))
    return names


# ================================================================ JSON text

class Frag:
    """A raw JSON fragment placed as is where a value would go."""

    def __init__(self, raw):
        self.raw = raw if isinstance(raw, bytes) else raw.encode()


def dumps(obj):
    """JSON bytes of obj, with every Frag inserted verbatim."""
    frags = []

    def walk(o):
        if isinstance(o, Frag):
            frags.append(o.raw)
            return "@@F%d@@" % (len(frags) - 1)
        if isinstance(o, dict):
            return {k: walk(v) for k, v in o.items()}
        if isinstance(o, list):
            return [walk(v) for v in o]
        return o
    text = json.dumps(walk(obj), ensure_ascii=False,
        separators=(",", ":")).encode("utf-8", "surrogatepass")
    for i, raw in enumerate(frags):
        text = text.replace(b'"@@F%d@@"' % i, raw)
    return text


def set_at(body, path, value):
    """A deep copy of body with path (keys and list indexes) set to value;
    value MISSING removes the key."""
    body = json.loads(json.dumps(body))
    cur = body
    for p in path[:-1]:
        cur = cur[p]
    if value is MISSING:
        if isinstance(cur, dict):
            cur.pop(path[-1], None)
        else:
            del cur[path[-1]]
    else:
        cur[path[-1]] = value
    return body


MISSING = object()


def get_at(body, path):
    cur = body
    for p in path:
        cur = cur[p]
    return cur


# ================================================================ the client

class Case:
    __slots__ = ("n", "cat", "label", "route", "method", "target",
        "headers", "body", "cred", "expect", "fresh", "post", "api")

    def __init__(self, cat, label, route, method, target, headers=(),
        body=None, cred=None, expect="refuse", fresh=False, post=None):
        assert cat in CATEGORIES, cat
        self.n = 0
        self.cat = cat
        self.label = label
        self.route = route
        self.method = method
        self.target = target if isinstance(target, bytes) else \
            target.encode("utf-8")
        self.headers = [(k if isinstance(k, bytes) else k.encode(),
            v if isinstance(v, bytes) else v.encode("utf-8"))
            for k, v in headers]
        self.body = body
        self.cred = cred
        self.expect = expect
        self.fresh = fresh
        self.post = post
        self.api = _under_api(self.target)

    def describe(self):
        t = self.target
        t = t if len(t) < 140 else t[:100] + b"...(%d bytes)" % len(t)
        s = "%s %s" % (self.method, t.decode("latin-1"))
        if self.cred:
            s += " as %s" % self.cred
        if self.body is not None:
            b = self.body
            s += "  body(%d): %r" % (len(b), b[:120] if len(b) > 120 else b)
        odd = [(k, v[:60]) for k, v in self.headers
            if k.lower() not in (b"content-type",)]
        if odd:
            s += "  headers: %r" % (odd,)
        return s


def _under_api(target):
    """Whether nginx serves this target from /api/ (its path with
    %-escapes decoded and dot segments resolved, as nginx does)."""
    path = target.split(b"?", 1)[0]
    try:
        dec = unquote_to_bytes(path)
    except Exception:
        dec = path
    norm = posixpath.normpath(dec.decode("latin-1")) if dec else "/"
    if dec.endswith(b"/") and norm != "/":
        norm += "/"
    return norm.startswith("/api/")


class Answer:
    __slots__ = ("status", "headers", "body", "error", "elapsed")

    def __init__(self, status=0, headers=None, body=b"", error=None,
        elapsed=0.0):
        self.status = status
        self.headers = headers or {}
        self.body = body
        self.error = error
        self.elapsed = elapsed


class Conn:
    """One keep-alive HTTP/1.1 connection that speaks raw bytes."""

    def __init__(self, host, port, host_hdr):
        self.host, self.port, self.host_hdr = host, port, host_hdr
        self.sock = None

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None

    def _open(self):
        self.close()
        self.sock = socket.create_connection((self.host, self.port),
            timeout=60)

    def exchange(self, case, head, body):
        for attempt in (0, 1):
            reused = self.sock is not None and not case.fresh
            if case.fresh or self.sock is None:
                try:
                    self._open()
                except OSError as e:
                    return Answer(error="connect: %s" % e)
            t0 = time.monotonic()
            got_any = False
            try:
                try:
                    self.sock.sendall(head)
                    _stream(self.sock, body or b"")
                except (BrokenPipeError, ConnectionResetError):
                    pass    # answered early; read it
                resp = http.client.HTTPResponse(self.sock,
                    method=case.method)
                resp.begin()
                got_any = True
                data = resp.read()
            except (OSError, http.client.HTTPException) as e:
                self.close()
                if reused and not got_any and attempt == 0 and \
                        isinstance(e, (http.client.RemoteDisconnected,
                        ConnectionResetError, BrokenPipeError)):
                    continue    # the server had closed the idle socket
                return Answer(error="%s: %s" % (type(e).__name__, e),
                    elapsed=time.monotonic() - t0)
            hdrs = {}
            for k, v in resp.getheaders():
                hdrs.setdefault(k.lower(), v)
            if resp.will_close or case.fresh:
                self.close()
            return Answer(resp.status, hdrs, data,
                elapsed=time.monotonic() - t0)
        return Answer(error="no answer")


def _stream(sock, body):
    view = memoryview(body)
    sent = 0
    while sent < len(view):
        readable, _, _ = select.select([sock], [], [], 0)
        if readable:
            return
        sent += sock.send(view[sent:sent + 262144])


def build_head(case, creds, host_hdr):
    lines = [case.method.encode() + b" " + case.target + b" HTTP/1.1",
        b"Host: " + host_hdr]
    names = set(k.lower() for k, _ in case.headers)
    hdrs = list(case.headers)
    if case.cred and b"authorization" not in names:
        hdrs.append((b"Authorization", b"Bearer " +
            creds[case.cred].encode()))
    if case.body is not None and b"content-length" not in names and \
            b"transfer-encoding" not in names:
        hdrs.append((b"Content-Length", b"%d" % len(case.body)))
    if case.fresh:
        hdrs.append((b"Connection", b"close"))
    for k, v in hdrs:
        lines.append(k + b": " + v)
    return b"\r\n".join(lines) + b"\r\n\r\n"


def run_cases(cases, creds):
    parts = urlsplit(hf.base_url())
    host, port = parts.hostname, parts.port or 80
    host_hdr = parts.netloc.encode()
    prefix = parts.path.rstrip("/").encode()
    local = threading.local()
    conns = []
    lock = threading.Lock()

    def one(case):
        c = getattr(local, "conn", None)
        if c is None:
            c = local.conn = Conn(host, port, host_hdr)
            with lock:
                conns.append(c)
        saved = case.target
        case.target = prefix + saved
        try:
            head = build_head(case, creds, host_hdr)
        finally:
            case.target = saved
        return c.exchange(case, head, case.body)

    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(pool.map(one, cases))
    for c in conns:
        c.close()
    return answers


# ================================================================ checking

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
ERR_RE = re.compile(r"^[A-Z]+_[0-9]{3}$")


def check_answer(case, a):
    """[(kind, detail)] of what is wrong with this answer; plus whether the
    answer came from the front itself."""
    probs = []
    if a.error is not None:
        return [("no answer", a.error)], False
    if a.status >= 500:
        probs.append(("5xx", "status %d" % a.status))
    if case.expect == "refuse" and 200 <= a.status < 300:
        probs.append(("accepted", "a request the contract refuses got %d"
            % a.status))
    front = False
    if case.api and case.method != "HEAD" and a.status == 200 and \
            case.route.endswith(".csv"):
        # an export: CSV text, UTF-8 (README "CSV")
        ct = a.headers.get("content-type", "")
        if ct.split(";")[0].strip().lower() != "text/csv":
            probs.append(("non-JSON", "an export's Content-Type %r" % ct))
        try:
            a.body.decode("utf-8")
        except UnicodeDecodeError as e:
            probs.append(("non-JSON", "an export is not UTF-8: %s" % e))
    elif case.api and case.method != "HEAD" and a.status == 200 and \
            case.route.endswith(" " + API + "/covers/{file}"):
        # a cover's bytes (issue 16)
        ct = a.headers.get("content-type", "")
        if ct not in ("image/png", "image/jpeg", "image/webp"):
            probs.append(("non-JSON", "a cover's Content-Type %r" % ct))
    elif case.api and case.method != "HEAD":
        ct = a.headers.get("content-type", "")
        if ct.split(";")[0].strip().lower() != "application/json":
            probs.append(("non-JSON", "Content-Type %r" % ct))
        try:
            body = json.loads(a.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            probs.append(("non-JSON", "body does not parse as UTF-8 "
                "JSON: %s" % str(e)[:80]))
            body = None
        # the OpenAPI document is served bare (tools read it as it is)
        bare = a.status == 200 and isinstance(body, dict) and \
            "openapi" in body
        if body is not None and not bare:
            probs.extend(_envelope(a, body))
            front = isinstance(body, dict) and "request_id" not in body
        rid = a.headers.get("x-request-id")
        if rid is not None and not REQUEST_ID_RE.match(rid):
            probs.append(("bad request id", "X-Request-Id %r" % rid[:80]))
    if case.post is not None and not probs and a.status == 200:
        probs.extend(case.post(a))
    return probs, front


def _envelope(a, body):
    if not isinstance(body, dict):
        return [("envelope", "body is not a JSON object")]
    probs = []
    if body.get("code") != a.status:
        probs.append(("envelope", "code %r, status %d" % (body.get("code"),
            a.status)))
    rid = body.get("request_id")
    if a.status >= 400:
        err = body.get("error")
        if not isinstance(err, str) or not ERR_RE.match(err):
            probs.append(("envelope", "error %r" % (err,)))
        msg = body.get("message")
        if not isinstance(msg, str) or not msg or msg == "success":
            probs.append(("envelope", "message %r" % (msg,)))
        if rid is None:
            # the web server's own refusal (test_30): code, error, message
            if not (a.status in (400, 405, 413, 414) and
                    isinstance(err, str) and err.startswith("REQ_") and
                    "timestamp" not in body):
                probs.append(("envelope", "no request_id"))
            return probs
    else:
        if body.get("message") != "success" or "data" not in body:
            probs.append(("envelope", "success body without message "
                "'success' and data"))
    if not isinstance(rid, str) or not REQUEST_ID_RE.match(rid):
        probs.append(("envelope", "request_id %r" % (rid,)))
    elif a.headers.get("x-request-id") not in (None, rid):
        probs.append(("envelope", "X-Request-Id %r differs from body %r"
            % (a.headers.get("x-request-id"), rid)))
    return probs


def exact_sku_post(wanted):
    """?sku=<wanted>: every listed row is that SKU (as the collation folds
    it), so % and _ were not wildcards."""
    def fold(s):
        return s.rstrip(" ").casefold()

    def post(a):
        try:
            items = json.loads(a.body.decode())["data"]["items"]
        except (ValueError, KeyError, TypeError):
            return []
        bad = [it.get("sku") for it in items if isinstance(it, dict) and
            isinstance(it.get("sku"), str) and
            fold(it["sku"]) != fold(wanted)]
        if bad:
            return [("LIKE wildcard", "?sku=%r listed other SKUs %r"
                % (wanted, bad[:3]))]
        return []
    return post


# ================================================================ the world

class World:
    """The principals and objects the corpus runs against.  G: guarded
    (must stay unchanged); S: scratch (for cases an implementation may
    accept)."""

    def __init__(self):
        self.tag = uuid.uuid4().hex[:8].upper()
        self.n_fake = 0
        self.pool = []          # (sku, qty) of per-case spelling SKUs
        self.pool_names = set()

    # ---- names
    def fake_email(self, n):
        return "t95.%d.%s@example.test" % (n, self.tag.lower())

    def new_sku(self, n):
        return "Hq95N-%s-%d" % (self.tag, n)

    def pool_sku(self, qty, numeric=False):
        i = len(self.pool)
        if numeric:
            sku = "95%08d%04d" % (int(self.tag, 16) % 10 ** 8, i)
        else:
            sku = "Hq95P-%s-%d" % (self.tag, i)
        self.pool.append((sku, qty))
        self.pool_names.add(sku)
        return sku


def _ok(r, status=200):
    return hf.expect_success(r, status)


def _data(path, token):
    """data of a 200 GET, read even when the body is not valid UTF-8 (the
    corpus may have stored bad bytes that a list then returns)."""
    r = hf.call("GET", API + path, token=token)
    hf.expect_status(r, 200)
    body = r.json
    if body is None:
        try:
            body = json.loads(r.body.decode("utf-8", "replace"))
        except ValueError:
            hf.fail("GET %s: body is not JSON" % path, r)
    return body["data"]


def _api_key(admin, role):
    r = hf.call("POST", API + "/api-keys", {"name": "t95-%s-%s" % (role,
        uuid.uuid4().hex[:6]), "role": role}, token=admin)
    d = _ok(r, 201)
    return d["id"], d["key"]


def _user(w, tag, login=False):
    email = "t95.%s.%s@example.test" % (tag, w.tag.lower())
    pw = hf.new_password()
    r = hf.call("POST", API + "/users", {"email": email, "password": pw,
        "role": "user", "display_name": "T95 " + tag}, token=w.admin)
    d = _ok(r, 201)
    u = {"id": d["id"], "email": email, "password": pw}
    if login:
        u.update(hf.login_ok(email, pw))
    return u


def _product(w, sku, qty, **fields):
    body = {"sku": sku, "name": "T95 item %s" % sku}
    if qty:
        body["initial_quantity"] = qty
    body.update(fields)
    return _ok(hf.call("POST", API + "/products", body, token=w.admin), 201)


def _reserve(w, sku, qty, ref):
    r = hf.call("POST", API + "/reservations", {"type": "cart",
        "reference_id": ref, "ttl_seconds": 86400,
        "items": [{"sku": sku, "quantity": qty}]}, token=w.biz)
    return _ok(r, 201)["reservations"][0]


def _order(w, sku):
    r = hf.call("POST", API + "/orders", {"items": [{"sku": sku,
        "quantity": 1}]}, token=w.user["access"])
    return _ok(r, 201)


def _loan(w, sku, user_id):
    r = hf.call("POST", API + "/loans", {"items": [{"sku": sku}],
        "user_id": user_id}, token=w.biz)
    return _ok(r, 201)["loans"][0]


def _hold(w, sku, user_id):
    r = hf.call("POST", API + "/holds", {"sku": sku, "user_id": user_id},
        token=w.biz)
    return _ok(r, 201)


def _webhook(w):
    r = hf.call("POST", API + "/webhooks", {"url": PUBLIC_IP_HOOK,
        "events": ["loan.overdue"]}, token=w.admin)
    return _ok(r, 201)


def _coupon(w):
    """A coupon campaign of the admin's (issue 15), one code."""
    code = ("T95C%s" % hf.unique_sku("c"))[-30:].replace(".", "-")
    r = hf.call("POST", API + "/coupons", {"name": "t95", "kind": "fixed",
        "value": "1.00", "ends_at": "2099-01-01T00:00:00Z", "total": 5,
        "codes": [code]}, token=w.admin)
    return _ok(r, 201)


def _group_buy(w):
    """A group buy of the admin's (issue 15) on a product of its own with
    room for every case, and a group of it started by the admin: (campaign
    id, group id, the group's first seat's order id, the SKU)."""
    sku = "T95G-%s" % hf.unique_sku("g")
    _product(w, sku, 100000, price="2.00")
    c = _ok(hf.call("POST", API + "/group-buys", {"name": "t95", "sku": sku,
        "group_size": 1000, "group_price": "1.00", "deadline":
        "2099-01-01T00:00:00Z", "per_user": 0}, token=w.admin), 201)
    g = _ok(hf.call("POST", API + "/group-buys/%d/groups" % c["id"],
        token=w.admin), 201)
    return c["id"], g["id"], g["order"]["id"], sku
def _dlv(w):
    """Delivery (issue 15): an area, a pickup point, a slot of each and an
    address of the user, per group."""
    n = uuid.uuid4().hex[:10]
    adm = w.admin
    a = _ok(hf.call("POST", API + "/delivery-areas", {"name": "t95-a-" + n,
        "fee": "1.00"}, token=adm), 201)["id"]
    p = _ok(hf.call("POST", API + "/pickup-points", {"name": "t95-p-" + n,
        "address": "t95 street"}, token=adm), 201)["id"]
    s = _ok(hf.call("POST", API + "/delivery-slots", {"area_id": a,
        "starts_at": "2099-01-01T10:00:00Z", "ends_at":
        "2099-01-01T12:00:00Z", "capacity": 5}, token=adm), 201)["id"]
    ad = _ok(hf.call("POST", API + "/me/addresses", {"area_id": a,
        "label": "t95", "recipient": "T95", "phone": "12345", "line1":
        "t95 street", "city": "t95", "postcode": "T95"},
        token=w.user["access"]), 201)["id"]
    return a, p, s, ad


def build_world():
    w = World()
    w.admin = hf.inv_admin()
    w.biz_id, w.biz = _api_key(w.admin, "business")
    w.user = _user(w, "u1", login=True)
    w.borrower = {"G": _user(w, "bg")["id"], "S": _user(w, "bs")["id"]}
    lender = _user(w, "ln")["id"]
    # borrowers for the spelling batches: two batches each, so the loan
    # limit (5) never refuses one before it can oversell
    w.spell_borrowers = [_user(w, "sb%d" % i)["id"] for i in range(6)]
    ug = _user(w, "ug")
    w.target_user = {"G": ug["id"], "S": _user(w, "us")["id"]}
    w.target_email = ug["email"]
    kg, _ = _api_key(w.admin, "business")
    ks, _ = _api_key(w.admin, "business")
    w.key = {"G": kg, "S": ks}
    kd, w.dead_key = _api_key(w.admin, "business")
    _ok(hf.call("DELETE", API + "/api-keys/%d" % kd, token=w.admin))
    w.webhook = {"G": _webhook(w)["id"], "S": _webhook(w)["id"]}
    w.coupon = {"G": _coupon(w)["id"], "S": _coupon(w)["id"]}
    gb = {"G": _group_buy(w), "S": _group_buy(w)}
    w.group_buy = {k: v[0] for k, v in gb.items()}
    w.group = {k: v[1] for k, v in gb.items()}
    w.seat = {k: v[2] for k, v in gb.items()}
    w.group_skus = [v[3] for v in gb.values()]
    dg, ds = _dlv(w), _dlv(w)
    w.dlv_area = {"G": dg[0], "S": ds[0]}
    w.dlv_point = {"G": dg[1], "S": ds[1]}
    w.dlv_slot = {"G": dg[2], "S": ds[2]}
    w.address = {"G": dg[3], "S": ds[3]}
    # locations last in allocation order, so nothing else lands there
    w.location = {}
    for k in ("G", "S"):
        w.location[k] = "t95-l%s-%s" % (k.lower(), w.tag)
        _ok(hf.call("POST", API + "/locations", {"code": w.location[k],
            "name": "T95 " + k, "kind": "store", "priority": 900000},
            token=w.admin), 201)

    t = w.tag
    g = {"A": "Hq95-GA-%s" % t, "B": "Hq95-GB-%s" % t,
        "C": "Hq95-GC-%s" % t, "D": "Hq95-GD-%s" % t}
    s = {"A": "Hq95-SA-%s" % t, "L": "Hq95-SL-%s" % t,
        "H": "Hq95-SH-%s" % t, "P": "Hq95-SP-%s" % t}
    w.guarded_skus = list(g.values())
    w.scratch_skus = list(s.values()) + w.group_skus
    pa = _product(w, g["A"], 20, location="t95-loc", price="2.50")
    _product(w, g["B"], 10, price="3.00")
    _product(w, g["C"], 3)
    _product(w, g["D"], 1)
    _product(w, s["A"], 100000, location="t95-loc", price="1.00")
    _product(w, s["L"], 1000)
    _product(w, s["H"], 1)
    ps = _product(w, s["P"], 0)
    w.product = {"G": pa["id"], "S": ps["id"]}
    w.sku = {"G": g["A"], "S": s["A"]}
    w.order_sku = {"G": g["B"], "S": s["A"]}
    w.loan_sku = {"G": g["C"], "S": s["L"]}
    w.hold_sku = {"G": g["D"], "S": s["H"]}

    # transfers of 2 units from main to the t95 locations: the guarded
    # one must stay in transit, the scratch one may be received or closed
    w.xfer_sku = {"G": g["A"], "S": s["A"]}
    w.transfer = {}
    for k in ("G", "S"):
        r = hf.call("POST", API + "/transfers", {"from": "main", "to":
            w.location[k], "lines": [{"sku": w.xfer_sku[k], "quantity": 2}]},
            token=w.biz)
        w.transfer[k] = _ok(r, 201)["id"]
    rg = _reserve(w, g["A"], 2, "t95-g-%s" % t)
    rs = _reserve(w, s["A"], 1, "t95-s-%s" % t)
    w.res = {"G": rg["id"], "S": rs["id"]}
    w.ref = {"G": rg["reference_id"], "S": rs["reference_id"]}
    og = _order(w, g["B"])
    os_ = _order(w, s["A"])
    osp = _order(w, s["A"])
    _ok(hf.call("POST", API + "/orders/%d/pay" % osp["id"], token=w.biz))
    w.order = {"G": og["id"], "S": os_["id"]}
    w.paid_order = {"G": og["id"], "S": osp["id"]}
    w.order_total = {"G": og["total"], "S": os_["total"]}
    w.order_ref = og["reference_id"]
    lines = _ok(hf.call("GET", API + "/orders/%d" % og["id"],
        token=w.admin)).get("lines") or []
    w.order_res = [x["reservation_id"] for x in lines
        if isinstance(x.get("reservation_id"), int)]
    hf.check(w.order_res, "the guarded order lists no reservation_id")
    # a payment to read (issue 15 item 6): the newest, if any
    r = hf.call("GET", API + "/payments?per_page=1", token=w.admin)
    items = _ok(r).get("items") or [{"id": 1}]
    w.payment = {"G": items[0]["id"], "S": items[0]["id"]}
    _, w.biz2 = _api_key(w.admin, "business")
    w.loan = {"G": _loan(w, g["C"], w.borrower["G"])["id"],
        "S": _loan(w, s["L"], w.borrower["S"])["id"]}
    _loan(w, g["D"], lender)
    _loan(w, s["H"], lender)
    w.hold = {"G": _hold(w, g["D"], w.borrower["G"])["id"],
        "S": _hold(w, s["H"], w.borrower["G"])["id"]}
    r = hf.call("GET", API + "/ledger?sku=%s&per_page=1" % g["A"],
        token=w.biz)
    w.ledger = {"G": _ok(r)["items"][0]["id"]}
    w.ledger["S"] = w.ledger["G"]
    # stocktakes (issue 17): one open at each location, the guarded one
    # with a count sheet that no refused case may change
    w.stocktake = {}
    for k in ("G", "S"):
        r = hf.call("POST", API + "/stocktakes", {"location":
            w.location[k], "note": "t95 " + k}, token=w.admin)
        w.stocktake[k] = _ok(r, 201)["id"]
    _ok(hf.call("PUT", API + "/stocktakes/%d/counts" % w.stocktake["G"],
        {"lines": [{"sku": g["A"], "counted": 5}]}, token=w.admin))
    w.creds = {"admin": w.admin, "biz": w.biz, "biz2": w.biz2,
        "user": w.user["access"]}
    # the discussion (issue 14): a comment on each product, by the user
    w.comment = {}
    for k in ("G", "S"):
        r = hf.call("POST", API + "/products/%d/comments" % w.product[k],
            {"body": "t95 " + k}, token=w.user["access"])
        w.comment[k] = _ok(r, 201)["id"]
    # issue 16: a cover in the database, for GET /covers/{file}
    r = hf.request("PUT", API + "/products/%d/cover" % w.product["S"],
        body=hf.png_bytes("t95-cover16-%s" % uuid.uuid4().hex),
        headers=hf.auth_header(w.admin), content_type="image/png")
    f = _ok(r)["cover_url"].rsplit("/", 1)[1]
    w.cover = {"G": f, "S": f}
    return w


def create_pool(w):
    for sku, qty in w.pool:
        _product(w, sku, qty)


def snapshot(w):
    """What the refused cases must not change."""
    snap = {}
    for sku in w.guarded_skus:
        st = dict(_data("/stock/%s" % sku, w.biz))
        st.pop("updated_at", None)
        snap["stock " + sku] = st
        snap["ledger rows " + sku] = _data("/ledger?sku=%s&per_page=1" %
            sku, w.biz)["total"]
        snap["reconcile ok " + sku] = hf.reconcile_api(sku, w.biz)["ok"]
    keep = ("status", "quantity", "sku", "reference_id", "expires_at",
        "due_at", "renewals", "position", "returned_at", "total", "name",
        "price", "attributes", "cover_url", "description", "category",
        "active", "url", "events", "paid_at", "cancelled_at")

    def obj(path):
        d = _data(path, w.admin)
        return {k: d.get(k) for k in keep if k in d}
    snap["reservation"] = obj("/reservations/%d" % w.res["G"])
    snap["order"] = obj("/orders/%d" % w.order["G"])
    d = _data("/groups/%d" % w.group["G"], w.admin)
    snap["group"] = {k: d.get(k) for k in ("state", "joined", "paid")}
    snap["loan"] = obj("/loans/%d" % w.loan["G"])
    snap["hold"] = obj("/holds/%d" % w.hold["G"])
    snap["product"] = obj("/products/%d" % w.product["G"])
    for label, ref in (("reservations under the guarded reference",
        w.ref["G"]), ("reservations under the guarded order's reference",
        w.order_ref)):
        snap[label] = _data("/reservations?reference_id=%s" %
            quote(ref, safe=""), w.admin)["total"]
    snap["holds on " + w.hold_sku["G"]] = _data("/holds?sku=%s" %
        w.hold_sku["G"], w.biz)["total"]
    users = _data("/users?q=%s" % quote(w.target_email, safe=""),
        w.admin)["items"]
    u = [x for x in users if x.get("id") == w.target_user["G"]]
    snap["guarded user"] = {k: u[0].get(k) for k in ("role", "status",
        "display_name")} if u else None
    keys = _data("/api-keys", w.admin)["items"]
    snap["guarded api keys alive"] = sorted(k["id"] for k in keys
        if k.get("id") in (w.key["G"], w.biz_id))
    hooks, page = [], 1
    while True:
        d = _data("/webhooks?per_page=100&page=%d" % page, w.admin)
        hooks += d["items"]
        if len(d["items"]) < 100:
            break
        page += 1
    xfer = _data("/transfers/%d" % w.transfer["G"], w.biz)
    snap["guarded transfer"] = {k: xfer.get(k) for k in ("status",
        "received", "returned", "written_off", "in_transit", "lines")}
    loc = _data("/locations/%s" % w.location["G"], w.admin)
    snap["guarded location"] = {k: loc.get(k) for k in ("code", "name",
        "kind", "is_active", "priority")}
    stk = _data("/stocktakes/%d" % w.stocktake["G"], w.admin)
    snap["guarded stocktake"] = {"status": stk.get("status"),
        "lines": [(x.get("sku"), x.get("counted")) for x in
        stk.get("lines") or []]}
    snap["guarded comments"] = hf.db_rows("SELECT id, status, hidden, "
        "like_count, body FROM comments WHERE product_id = %d ORDER BY id"
        % w.product["G"])
    snap["guarded webhook active"] = any(h.get("id") == w.webhook["G"] and
        h.get("active") for h in hooks)
    return snap


# ================================================================ specs

def route_specs(w):
    """(method, pattern) -> spec: cred, args (object kind per {x}), body
    (grp, n) -> dict, query names, sku path in the body, raw kind."""
    E = w.fake_email
    specs = {}

    def add(method, pattern, cred=None, args=(), body=None, query=(),
        sku_at=None, raw=None, items=None, items_key="items", items_min=1,
        items_max=100):
        specs[(method, API + pattern if pattern != "/metrics" else
            pattern)] = {"cred": cred, "args": args, "body": body,
            "query": query, "sku_at": sku_at, "raw": raw, "items": items,
            "items_key": items_key, "items_min": items_min,
            "items_max": items_max}

    pg = ("page", "per_page")
    add("GET", "")
    add("GET", "/health")
    add("GET", "/openapi.json")
    add("POST", "/auth/register", body=lambda g, n: {"email": E(n),
        "password": "pw-t95-register", "display_name": "T95"})
    add("POST", "/auth/verify", body=lambda g, n: {"email": E(n),
        "code": "000000"})
    add("POST", "/auth/resend", body=lambda g, n: {"email": E(n)})
    add("POST", "/auth/login", body=lambda g, n: {"email": E(n),
        "password": "pw-t95-wrong"})
    add("POST", "/auth/refresh", body=lambda g, n: {"refresh_token":
        "t95" + "0" * 40})
    add("POST", "/auth/logout", body=lambda g, n: {"refresh_token":
        "t95" + "0" * 40})
    add("POST", "/auth/password/forgot", body=lambda g, n: {"email": E(n)})
    add("POST", "/auth/password/reset", body=lambda g, n: {"email": E(n),
        "code": "000000", "password": "pw-t95-newpass"})
    add("GET", "/me", cred="user")
    add("PATCH", "/me", cred="user", body=lambda g, n: {"display_name":
        "T95 user"})
    add("GET", "/users", cred="admin", query=pg + ("role", "status", "q"))
    add("POST", "/users", cred="admin", body=lambda g, n: {"email": E(n),
        "password": "pw-t95-created", "role": "user",
        "display_name": "T95"})
    add("PATCH", "/users/{id}", cred="admin", args=("target_user",),
        body=lambda g, n: {"status": "active"})
    add("POST", "/api-keys", cred="admin", body=lambda g, n: {"name":
        "t95-key", "role": "business"})
    add("GET", "/api-keys", cred="admin")
    add("DELETE", "/api-keys/{id}", cred="admin", args=("key",))
    add("GET", "/audit", cred="admin", query=pg + ("from", "to", "actor",
        "entity", "entity_id", "after"))
    add("POST", "/products", cred="admin", body=lambda g, n: {"sku":
        w.new_sku(n), "name": "T95 created"}, sku_at=("sku",))
    add("GET", "/products", query=pg + ("q", "category", "status", "sort"))
    add("GET", "/products/{id}", args=("product",))
    add("GET", "/products/{id}/related", args=("product",),
        query=("limit",))
    add("GET", "/me/recommendations", cred="user", query=("limit",))
    add("PATCH", "/products/{id}", cred="admin", args=("product",),
        body=lambda g, n: {"name": "T95 item %s" % w.sku[g]})
    add("DELETE", "/products/{id}", cred="admin", args=("product",))
    add("PUT", "/products/{id}/cover", cred="admin", args=("product",),
        raw="cover")
    add("GET", "/categories")
    # a cover from the database (issue 16): public, bytes when found
    add("GET", "/covers/{file}", args=("cover",))
    # the reader's side (issue 14): favorites, reading history
    add("GET", "/me/favorites", cred="user", query=pg + ("after",))
    add("PUT", "/me/favorites/{product_id}", cred="user",
        args=("product",), body=lambda g, n: {"notify": False})
    add("DELETE", "/me/favorites/{product_id}", cred="user",
        args=("product",))
    add("GET", "/me/history", cred="user", query=pg + ("after",))
    add("DELETE", "/me/history", cred="user")
    add("GET", "/locations")
    add("POST", "/locations", cred="admin", body=lambda g, n: {"code":
        "t95-new-%s-%d" % (w.tag, n), "name": "T95 new", "kind": "pickup",
        "priority": 900001})
    add("GET", "/locations/{code}", args=("location",))
    add("PATCH", "/locations/{code}", cred="admin", args=("location",),
        body=lambda g, n: {"name": "T95 " + g})
    add("POST", "/transfers", cred="biz", body=lambda g, n: {"from": "main",
        "to": w.location[g], "lines": [{"sku": w.xfer_sku[g],
        "quantity": 1}], "note": "t95"})
    add("GET", "/transfers", cred="biz", query=pg + ("status", "location"))
    add("GET", "/transfers/{id}", cred="biz", args=("transfer",))
    add("POST", "/transfers/{id}/receive", cred="biz", args=("transfer",),
        body=lambda g, n: {"lines": [{"sku": w.xfer_sku[g], "quantity": 1}]})
    add("POST", "/transfers/{id}/close", cred="biz", args=("transfer",),
        body=lambda g, n: {"action": "return"})
    add("POST", "/stocktakes", cred="admin", body=lambda g, n: {
        "location": w.location[g], "note": "t95"})
    add("GET", "/stocktakes", cred="admin", query=pg + ("location",
        "status"))
    add("GET", "/stocktakes/{id}", cred="admin", args=("stocktake",))
    add("PUT", "/stocktakes/{id}/counts", cred="admin", args=("stocktake",),
        body=lambda g, n: {"lines": [{"sku": w.sku[g], "counted": 1}]},
        sku_at=("lines", 0, "sku"), items=(("sku", "STRING", 1, 64),
        ("counted", "INT", 0, 1000000000)), items_key="lines",
        items_min=0, items_max=10000)
    # the sheet as CSV: the corpus's CSV bodies are imports (a header
    # this route refuses), so every case must leave the sheet alone
    add("PUT", "/stocktakes/{id}/counts.csv", cred="admin",
        args=("stocktake",), raw="csv")
    add("POST", "/stocktakes/{id}/post", cred="admin", args=("stocktake",))
    add("POST", "/stocktakes/{id}/cancel", cred="admin",
        args=("stocktake",))
    # as a business key: ?at= and ?ledger_id= need one (a guest's 401
    # would never reach their parsers)
    add("GET", "/stock", cred="biz", query=pg + ("status", "at",
        "ledger_id", "location"))
    add("GET", "/stock/{sku}", cred="biz", args=("sku",), query=("at",
        "ledger_id", "location"))
    add("PATCH", "/stock/{sku}", cred="admin", args=("sku",),
        body=lambda g, n: {"location": "t95-loc"})
    add("POST", "/stock/{sku}/restock", cred="biz", args=("sku",),
        body=lambda g, n: {"quantity": 1, "reason": "t95"})
    add("POST", "/stock/{sku}/deduct", cred="biz", args=("sku",),
        body=lambda g, n: {"quantity": 1, "reason": "t95"})
    add("POST", "/stock/{sku}/adjust", cred="admin", args=("sku",),
        body=lambda g, n: {"delta": 1, "reason": "t95"})
    add("GET", "/stock/{sku}/reconcile", cred="biz", args=("sku",))
    qty_items = (("sku", "STRING", 1, 64), ("quantity", "INT", 1,
        1000000000))
    add("POST", "/reservations", cred="biz", body=lambda g, n: {"type":
        "cart", "ttl_seconds": 60, "items": [{"sku": w.sku[g],
        "quantity": 1}]}, sku_at=("items", 0, "sku"), items=qty_items)
    add("GET", "/reservations", cred="biz", query=pg + ("reference_id",
        "status", "sku", "after"))
    add("POST", "/reservations/commit", cred="biz", body=lambda g, n:
        {"reference_id": w.ref[g]})
    add("POST", "/reservations/release", cred="biz", body=lambda g, n:
        {"reference_id": w.ref[g]})
    add("GET", "/reservations/{id}", cred="biz", args=("res",))
    add("POST", "/reservations/{id}/commit", cred="biz", args=("res",))
    add("POST", "/reservations/{id}/release", cred="biz", args=("res",))
    add("GET", "/ledger", cred="biz", query=pg + ("sku", "type",
        "reference_id", "from", "to", "location", "after"))
    add("GET", "/ledger/stats", cred="biz", query=("from", "to"))
    add("GET", "/ledger/{id}", cred="biz", args=("ledger",))
    add("POST", "/loans", cred="biz", body=lambda g, n: {"items": [{"sku":
        w.loan_sku[g]}], "user_id": w.borrower[g]},
        sku_at=("items", 0, "sku"), items=(("sku", "STRING", 1, 64),))
    lend_q = pg + ("status", "user_id", "sku", "after")
    add("GET", "/loans", cred="biz", query=lend_q)
    add("GET", "/loans/{id}", cred="biz", args=("loan",))
    # a body with a field, so that every broken spelling of it differs
    # from a valid one (of "{}", single quotes are still "{}")
    add("POST", "/loans/{id}/return", cred="biz", args=("loan",),
        body=lambda g, n: {"location": "main"})
    add("POST", "/loans/{id}/renew", cred="biz", args=("loan",))
    # the lending rules a desk expects (issue 14, item 6)
    add("POST", "/loans/return", cred="biz", body=lambda g, n: {"loan_ids":
        [w.loan[g]], "location": "main"})
    add("POST", "/loans/renew", cred="biz", body=lambda g, n: {"loan_ids":
        [w.loan[g]]})
    add("POST", "/loans/{id}/void", cred="biz", args=("loan",),
        body=lambda g, n: {"reason": "t95 void"})
    add("POST", "/holds", cred="biz", body=lambda g, n: {"sku":
        w.hold_sku[g], "user_id": w.borrower[g]}, sku_at=("sku",))
    add("GET", "/holds", cred="biz", query=lend_q)
    add("GET", "/holds/{id}", cred="biz", args=("hold",))
    add("DELETE", "/holds/{id}", cred="biz", args=("hold",))
    add("POST", "/holds/{id}/checkout", cred="biz", args=("hold",))
    add("GET", "/stats/loans", cred="biz", query=("from", "to"))
    add("GET", "/stats/categories", cred="biz", query=("from", "to"))
    add("POST", "/orders", cred="user", body=lambda g, n: {"items":
        [{"sku": w.order_sku[g], "quantity": 1}], "note": "t95"},
        sku_at=("items", 0, "sku"), items=qty_items)
    add("GET", "/orders", cred="user", query=pg + ("status", "after"))
    add("GET", "/orders/{id}", cred="user", args=("order",))
    add("POST", "/orders/{id}/pay", cred="biz", args=("order",))
    add("POST", "/orders/{id}/cancel", cred="user", args=("order",))
    add("POST", "/orders/{id}/refund", cred="admin", args=("paid_order",))
    add("POST", "/orders/{id}/fulfill", cred="biz", args=("paid_order",))
    add("POST", "/payments/notify", raw="payment", body=lambda g, n:
        {"order_id": w.order[g], "amount": w.order_total[g],
        "currency": "EUR", "provider_txn_id": "t95-%s-%d" % (w.tag, n),
        "status": "paid"})
    add("POST", "/webhooks", cred="admin", body=lambda g, n: {"url":
        PUBLIC_IP_HOOK, "events": ["loan.overdue"]})
    add("GET", "/webhooks", cred="admin", query=pg)
    add("DELETE", "/webhooks/{id}", cred="admin", args=("webhook",))
    add("GET", "/webhooks/{id}/deliveries", cred="admin",
        args=("webhook",), query=pg + ("status", "after"))
    add("GET", "/stats/orders", cred="biz", query=("from", "to"))
    # the catalog assistant (issue 14, item 5): a reader's question; past
    # the reader's daily quota 429 AI_002, never a 5xx from a good model
    add("GET", "/assistant", cred="user")
    add("POST", "/assistant", cred="user", body=lambda g, n: {"question":
        "t95 question about atlas %d" % n})
    # CSV in and out (issue 17): the import's body is gen_csv's
    add("POST", "/import/products", cred="admin", raw="csv",
        query=("dry_run",))
    add("GET", "/export/products.csv", cred="admin")
    add("GET", "/export/stock.csv", cred="biz", query=("location",))
    add("GET", "/export/ledger.csv", cred="admin", query=("from", "to"))
    add("GET", "/export/orders.csv", cred="admin", query=("from", "to"))
    # coupons (issue 15, item 2)
    add("POST", "/coupons", cred="admin", body=lambda g, n: {"name":
        "t95", "kind": "fixed", "value": "1.00", "ends_at":
        "2099-01-01T00:00:00Z", "total": 5, "codes": [("T95%s%d%s" % (g,
        n, w.tag))[:32].replace(".", "-")]})
    add("GET", "/coupons", cred="admin", query=pg)
    add("GET", "/coupons/{id}", cred="admin", args=("coupon",))
    add("PATCH", "/coupons/{id}", cred="admin", args=("coupon",),
        body=lambda g, n: {"active": True})
    # group buys (issue 15, item 4)
    add("POST", "/group-buys", cred="admin", body=lambda g, n: {"name":
        "t95", "sku": w.group_skus[0], "group_size": 2, "group_price":
        "1.00", "deadline": "2099-01-01T00:00:00Z", "per_user": 0})
    add("GET", "/group-buys", cred="user", query=pg)
    add("GET", "/group-buys/{id}", cred="user", args=("group_buy",))
    add("PATCH", "/group-buys/{id}", cred="admin", args=("group_buy",),
        body=lambda g, n: {"active": True})
    add("POST", "/group-buys/{id}/groups", cred="user",
        args=("group_buy",))
    add("GET", "/group-buys/{id}/groups", cred="user", args=("group_buy",),
        query=pg + ("state",))
    add("GET", "/groups/{id}", cred="user", args=("group",))
    add("POST", "/groups/{id}/join", cred="user", args=("group",))
    add("GET", "/group-members", cred="admin", query=pg + ("state",))
    add("POST", "/group-members/{id}/refunded", cred="admin",
        args=("seat",))
    # delivery and pickup (issue 15, item 5)
    add("GET", "/delivery-areas")
    add("POST", "/delivery-areas", cred="admin", body=lambda g, n: {"name":
        "t95-%s-%d-%s" % (g, n, w.tag), "fee": "1.00"})
    add("PATCH", "/delivery-areas/{id}", cred="admin", args=("dlv_area",),
        body=lambda g, n: {"fee": "1.00"})
    add("GET", "/pickup-points")
    add("POST", "/pickup-points", cred="admin", body=lambda g, n: {"name":
        "t95-%s-%d-%s" % (g, n, w.tag), "address": "t95"})
    add("PATCH", "/pickup-points/{id}", cred="admin", args=("dlv_point",),
        body=lambda g, n: {"hours": "9-5"})
    add("GET", "/delivery-slots", query=pg + ("area_id", "pickup_point_id"))
    add("POST", "/delivery-slots", cred="admin", body=lambda g, n:
        {"area_id": w.dlv_area[g], "starts_at": "2099-01-02T10:00:00Z",
        "ends_at": "2099-01-02T12:00:00Z", "capacity": 3})
    add("GET", "/delivery-slots/{id}", args=("dlv_slot",))
    add("PATCH", "/delivery-slots/{id}", cred="admin", args=("dlv_slot",),
        body=lambda g, n: {"capacity": 5})
    add("GET", "/me/addresses", cred="user")
    add("POST", "/me/addresses", cred="user", body=lambda g, n: {"area_id":
        w.dlv_area[g], "label": "t95", "recipient": "T95", "phone": "12345",
        "line1": "t95", "city": "t95", "postcode": "T95"})
    add("PATCH", "/me/addresses/{id}", cred="user", args=("address",),
        body=lambda g, n: {"label": "t95"})
    add("DELETE", "/me/addresses/{id}", cred="user", args=("address",))
    # points (issue 15, item 3)
    add("GET", "/me/points", cred="user", query=pg + ("after",))
    add("POST", "/me/points/checkin", cred="user")
    add("GET", "/users/{id}/points", cred="admin", args=("target_user",),
        query=pg + ("after",))
    add("POST", "/users/{id}/points", cred="admin", args=("target_user",),
        body=lambda g, n: {"delta": 1, "reason": "t95"})
    add("GET", "/points/reconcile", cred="admin", query=("user_id",))
    add("GET", "/coupons/reconcile", cred="admin", query=("campaign_id",))
    # refunds, returns and payments (issue 15, item 6)
    add("POST", "/orders/{id}/refunds", cred="admin", args=("paid_order",),
        body=lambda g, n: {"lines": [{"sku": w.order_sku[g], "quantity":
        1}], "amount": "0.01", "reason": "t95", "provider_reference":
        "t95-%d" % n}, sku_at=("lines", 0, "sku"))
    add("POST", "/orders/{id}/returns", cred="biz", args=("paid_order",),
        body=lambda g, n: {"lines": [{"sku": w.order_sku[g], "quantity": 1,
        "sellable": n % 2 == 0, "reason": "t95"}], "note": "t95"},
        sku_at=("lines", 0, "sku"))
    add("GET", "/orders/{id}/payments", cred="biz", args=("order",))
    add("GET", "/payments", cred="biz", query=pg + ("after", "order_id",
        "outcome"))
    add("GET", "/payments/{id}", cred="biz", args=("payment",))
    add("GET", "/reports/payments", cred="biz", query=pg + ("after",))
    # the discussion (issue 14, item 2)
    add("POST", "/products/{id}/comments", cred="user", args=("product",),
        body=lambda g, n: {"body": "t95 comment", "parent_id":
        w.comment[g]})
    add("GET", "/products/{id}/comments", args=("product",), query=pg +
        ("sort",))
    add("PUT", "/comments/{id}/like", cred="user", args=("comment",))
    add("DELETE", "/comments/{id}/like", cred="user", args=("comment",))
    add("DELETE", "/comments/{id}", cred="user", args=("comment",))
    add("PATCH", "/comments/{id}", cred="admin", args=("comment",),
        body=lambda g, n: {"hidden": True, "reason": "t95"})
    add("GET", "/metrics")
    return specs


def arg_value(w, kind, grp):
    table = {"target_user": w.target_user, "key": w.key,
        "product": w.product, "sku": w.sku, "res": w.res, "ledger": w.ledger,
        "loan": w.loan, "hold": w.hold, "order": w.order,
        "paid_order": w.paid_order, "webhook": w.webhook,
        "coupon": w.coupon,
        "group_buy": w.group_buy, "group": w.group, "seat": w.seat,
        "coupon": w.coupon, "dlv_area": w.dlv_area,
        "dlv_point": w.dlv_point, "dlv_slot": w.dlv_slot,
        "address": w.address,
        "coupon": w.coupon, "payment": w.payment,
        "location": w.location, "transfer": w.transfer,
        "stocktake": w.stocktake, "comment": w.comment, "cover": w.cover}
    return str(table[kind][grp])


def fill(pattern, values):
    """The path of pattern with its {x} segments replaced (bytes)."""
    out, i = [], 0
    for seg in pattern.split("/"):
        if seg.startswith("{"):
            v = values[i]
            out.append(v if isinstance(v, bytes) else v.encode("utf-8"))
            i += 1
        else:
            out.append(seg.encode())
    return b"/".join(out)


def qenc(s):
    if isinstance(s, bytes):
        return quote(s, safe="")
    return quote(s.encode("utf-8", "surrogatepass"), safe="")


# ================================================================ generator

class Gen:
    def __init__(self, w, routes, schemas):
        self.w = w
        self.routes = routes
        self.schemas = schemas
        self.specs = route_specs(w)
        self.idem = c_idem_handlers()
        self.rng = random.Random(SEED)
        self.cases = []
        self.n = 0

    def pick(self, seq, k):
        """k items of seq, chosen by the seeded generator, in seq order."""
        seq = list(seq)
        if len(seq) <= k:
            return seq
        idx = sorted(self.rng.sample(range(len(seq)), k))
        return [seq[i] for i in idx]

    def next_n(self):
        self.n += 1
        return self.n

    def add(self, case):
        case.n = len(self.cases)
        self.cases.append(case)

    # ---- one request of a route
    def req(self, cat, label, r, grp=None, path_vals=None, query="",
        body=MISSING, headers=None, cred=MISSING, expect=None,
        method=None, fresh=False, post=None, ctype=MISSING):
        spec = self.specs[(r["method"], r["pattern"])]
        grp = grp or ("G" if (expect or "refuse") == "refuse" or
            r["method"] == "GET" else "S")
        if expect is None:
            expect = "refuse"
        vals = path_vals if path_vals is not None else \
            [arg_value(self.w, k, grp) for k in spec["args"]]
        target = fill(r["pattern"], vals)
        if query:
            target += b"?" + (query if isinstance(query, bytes) else
                query.encode("utf-8"))
        hdrs = list(headers or [])
        if body is MISSING:
            body = self.base_bytes(r, grp) if (spec["body"] or
                spec["raw"]) and r["method"] != "GET" else None
        if body is not None and not isinstance(body, bytes):
            body = dumps(body)
        if body is None and (method or r["method"]) in ("POST", "PUT",
                "PATCH"):
            body = b""
        if r["pattern"] in HEAVY and self.rng.random() < (0.75 if
                expect == "any" else 0.0 if cat in ("bad_utf8", "nul")
                else 0.4):
            return      # bcrypt for every valid body: fewer of them
        if ctype is MISSING:
            ctype = self.default_ctype(r, spec, body)
        if ctype is not None and body is not None and not any(
                k.lower() in ("content-type", b"content-type")
                for k, _ in hdrs):
            hdrs.append(("Content-Type", ctype))
        if spec["raw"] == "payment" and body is not None and not any(
                (k if isinstance(k, str) else k.decode()).lower() ==
                "x-signature" for k, _ in hdrs):
            hdrs.append(("X-Signature", self.sign(body)))
        self.add(Case(cat, label, "%s %s" % (r["method"], r["pattern"]),
            method or r["method"], target, hdrs, body,
            spec["cred"] if cred is MISSING else cred, expect, fresh, post))

    def default_ctype(self, r, spec, body):
        if body is None:
            return None
        if spec["raw"] == "cover":
            return "image/png"
        if spec["raw"] == "csv":
            return "text/csv"
        return "application/json"

    def sign(self, body):
        key = (os.environ.get("HOLDFAST_PAYMENT_SECRET") or
            hf.conf_values().get("payment_secret") or "").encode()
        return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()

    def base(self, r, grp, n=None):
        spec = self.specs[(r["method"], r["pattern"])]
        return spec["body"](grp, n if n is not None else self.next_n())

    def base_bytes(self, r, grp):
        spec = self.specs[(r["method"], r["pattern"])]
        if spec["raw"] == "cover":
            return hf.png_bytes("t95-%d" % self.next_n())
        if spec["raw"] == "csv":
            return self.csv_body(grp)
        return dumps(self.base(r, grp))

    def csv_body(self, grp, *rows):
        """An import: the guarded SKU moved far (G: nothing may take
        it), or a product of its own with no stock (S); rows after."""
        if grp == "G":
            first = "%s,T95 guarded,2.50,,,main,999999" % self.w.sku["G"]
        else:
            first = "T95C-%s-%d,T95 csv,1.00,,,," % (self.w.tag,
                self.next_n())
        lines = [CSV_HEADER, first] + list(rows)
        return "\r\n".join(lines).encode("utf-8") + b"\r\n"

    def fields(self, r):
        """[(path, field)] of the body: the schema's top-level fields and
        the lines of items arrays, events[0] for webhooks."""
        spec = self.specs[(r["method"], r["pattern"])]
        schema = r["schema"] or ("schema_payment" if spec["raw"] ==
            "payment" else None)
        out = []
        for f in self.schemas.get(schema, []):
            out.append(((f["name"],), f))
        key = spec["items_key"]
        for name, typ, lo, hi in spec["items"] or ():
            out.append(((key, 0, name), {"name": key + "[0]." + name,
                "type": typ, "required": True, "nullable": False,
                "min": lo, "max": hi, "values": None}))
        if r["pattern"].endswith("/webhooks") and r["method"] == "POST":
            out.append((("events", 0), {"name": "events[0]",
                "type": "STRING", "required": True, "nullable": False,
                "min": None, "max": None, "values": ["stock.low",
                "stock.out", "order.paid", "order.cancelled",
                "hold.ready", "loan.overdue"]}))
        return out

    def body_routes(self):
        return [r for r in self.routes if r["method"] != "GET" and
            (self.specs[(r["method"], r["pattern"])]["body"] is not None)]

    # ================================================================
    def generate(self):
        for r in self.routes:
            key = (r["method"], r["pattern"])
            hf.check(key in self.specs, "route %s %s (src/api/routes.c) has "
                "no entry in the hostile corpus (route_specs in %s)"
                % (key[0], key[1], os.path.basename(__file__)))
        for r in self.body_routes():
            self.gen_broken_json(r)
            self.gen_wrong_types(r)
            self.gen_unknown_fields(r)
            self.gen_edge_numbers(r)
            self.gen_huge(r)
            self.gen_nul(r)
            self.gen_bad_utf8_body(r)
            self.gen_nesting(r)
            self.gen_dup_keys(r)
            self.gen_sql_body(r)
            self.gen_content_types(r)
        for r in self.routes:
            spec = self.specs[(r["method"], r["pattern"])]
            if spec["raw"] == "cover":
                self.gen_cover(r)
            if spec["raw"] == "csv":
                self.gen_csv(r)
            if spec["query"]:
                self.gen_query(r)
            if spec["args"]:
                self.gen_odd_ids(r)
            self.gen_headers(r)
            if spec["cred"] is not None:
                self.gen_bad_auth(r)
        self.gen_sku_spellings()
        self.gen_hijack()
        self.gen_methods()
        self.gen_front()
        return self.cases

    # ---------------------------------------------------------- bodies
    def gen_broken_json(self, r):
        spec = self.specs[(r["method"], r["pattern"])]
        t = dumps(self.base(r, "G"))
        required = any(f["required"] for _, f in self.fields(r))
        first = self.fields(r)[0][0] if self.fields(r) else ("x",)
        broken = [("missing close", t[:-1]), ("half", t[:len(t) // 2]),
            ("extra close", t + b"}"), ("trailing garbage", t + b"x"),
            ("trailing comma after", t + b","),
            ("comma before close", t[:-1] + b",}"),
            ("two objects", t + t), ("double open", b"{" + t),
            ("= for :", t.replace(b":", b"=", 1)),
            ("single quotes", t.replace(b'"', b"'")),
            ("null", b"null"), ("array", b"[]"), ("wrapped", b"[" + t + b"]"),
            ("string", b'"x"'), ("number", b"1"), ("true", b"true"),
            ("trailing NUL", t + b"\x00"), ("leading NUL", b"\x00" + t),
            ("comment", t.replace(b"{", b"{/*c*/", 1)),
            ("unquoted key", b"{" + first[0].encode() + b":1}"),
            ("lone brace", b"{"), ("only whitespace", b" \r\n\t "),
            ("bare word", b"undefined")]
        for label, frag in (("NaN", b"NaN"), ("Infinity", b"Infinity"),
            ("-Infinity", b"-Infinity"), ("hex", b"0x10"),
            ("leading zero", b"01"), ("leading dot", b".5"),
            ("plus", b"+1"), ("single-quoted", b"'x'"),
            ("bad escape", b'"\\x41"'), ("short unicode", b'"\\u12"'),
            ("raw newline", b'"a\nb"'), ("raw tab", b'"a\tb"'),
            ("raw control", b'"a\x01b"'), ("unterminated", b'"abc')):
            broken.append(("value " + label, dumps(set_at(self.base(r,
                "G"), first, Frag(frag)))))
        for label, b in self.pick(broken, 10):
            self.req("broken_json", label, r, body=b)
        # valid as JSON text, yet an edge: a BOM, an empty body
        self.req("broken_json", "UTF-8 BOM", r, expect="any",
            body=b"\xef\xbb\xbf" + dumps(self.base(r, "S")))
        self.req("broken_json", "empty body", r, body=b"",
            expect="refuse" if required else "any")
        self.req("broken_json", "padded with white space", r, expect="any",
            body=b" \n" + dumps(self.base(r, "S")) + b"\n\t ")

    def gen_wrong_types(self, r):
        for path, f in self.fields(r):
            vals = {"STRING": [1, 1.5, True, [], {}, ["x"]],
                "EMAIL": [1, True, [], {}],
                "INT": ["1", True, [], {}, "abc", [1]],
                "BOOL": [1, 0, "true", "false", []],
                "OBJECT": [1, "x", [], True],
                "ARRAY": [{}, "x", 1, True],
                "MONEY": [True, [], {}, "abc", ""]}.get(f["type"], [])
            picks = self.pick(vals, 3)
            if not f["nullable"]:
                picks.append(None)      # null where null is not allowed
            for v in picks:
                self.req("wrong_types", "%s = %s" % (f["name"],
                    json.dumps(v)), r, body=set_at(self.base(r, "G"), path,
                    v))
            if f["required"]:
                self.req("wrong_types", "%s missing" % f["name"], r,
                    body=set_at(self.base(r, "G"), path, MISSING))
            if f["values"]:
                v0 = f["values"][0]
                for bad in self.pick(("", "x", v0.upper(), v0 + " ",
                    " " + v0, v0 + "s"), 3):
                    if bad in f["values"]:
                        continue
                    self.req("wrong_types", "%s = %r (not allowed)"
                        % (f["name"], bad), r, body=set_at(self.base(r,
                        "G"), path, bad))
        spec = self.specs[(r["method"], r["pattern"])]
        if spec["items"]:
            key, top = spec["items_key"], spec["items_max"]
            # no line at all: refused where a line is required
            grp = "G" if spec["items_min"] > 0 else "S"
            self.req("wrong_types", "%s = []" % key, r, grp=grp,
                expect="refuse" if spec["items_min"] > 0 else "any",
                body=set_at(self.base(r, grp), (key,), []))
            base = self.base(r, "G")
            for label, v in (("line is a string", ["x"]),
                ("line is null", [None]), ("line is []", [[]]),
                ("%d lines" % (top + 1), [base[key][0]] * (top + 1))):
                self.req("wrong_types", label, r, body=set_at(base, (key,),
                    v))

    def gen_unknown_fields(self, r):
        spec = self.specs[(r["method"], r["pattern"])]
        names = ("id", "role", "status", "reserved", "on_hand", "owner",
            "created_by", "user_id", "actor", "key_id", "is_admin",
            "__proto__", "constructor", "", " ")
        fields = [f["name"] for _, f in self.fields(r)]
        for name in self.pick(names, 4):
            if name in fields:
                continue
            self.req("unknown_fields", "extra %r" % name, r,
                body=set_at(self.base(r, "G"), (name,), "admin"))
        for path, f in self.fields(r)[:2]:
            if len(path) != 1:
                continue
            for variant in self.pick((f["name"].upper(), f["name"] + " ",
                " " + f["name"], f["name"] + "\u200b",
                f["name"].replace("_", "-")), 1):
                if variant == f["name"] or variant in fields:
                    continue
                base = self.base(r, "G")
                b = set_at(base, path, MISSING)
                b[variant] = get_at(base, path) if _has(base, path) else \
                    {"INT": 1, "BOOL": True, "OBJECT": {}, "ARRAY": [],
                    "MONEY": "1.00"}.get(f["type"], "t95")
                self.req("unknown_fields", "field spelled %r" % variant, r,
                    body=b)
        if spec["items"]:
            key = spec["items_key"]
            base = self.base(r, "G")
            line = dict(base[key][0])
            line["price"] = "0.01"
            self.req("unknown_fields", "%s[0].price" % key, r,
                body=set_at(base, (key, 0), line))

    def gen_edge_numbers(self, r):
        lits = (b"0", b"-1", b"2147483648", b"2147483647",
            b"9223372036854775808", b"9223372036854775807",
            b"-9223372036854775808", b"18446744073709551616", b"1e309",
            b"-1e309", b"-0", b"1.5", b"1e3", b"1.0", b"1E2", b"0.0",
            b"-0.0", b"9007199254740993", b"1e-7", b"100000000000000000000")
        for path, f in self.fields(r):
            if f["type"] not in ("INT", "MONEY"):
                continue
            for lit in self.pick(lits, 8):
                expect = _number_expect(f, lit)
                grp = "G" if expect == "refuse" else "S"
                self.req("edge_numbers", "%s = %s" % (f["name"],
                    lit.decode()), r, grp=grp, expect=expect,
                    body=set_at(self.base(r, grp), path, Frag(lit)))
            if f["type"] == "MONEY":
                # past DECIMAL(12,2) and infinite, always; then a few
                for s in ("99999999999.99", "1e309") + tuple(self.pick(("-1",
                    "NaN", "0x10", "1,50", "-0.00", "1.005", " 1.00",
                    "1.00 "), 3)):
                    expect = "any" if s in ("1.005", "-0.00", " 1.00",
                        "1.00 ") else "refuse"
                    grp = "G" if expect == "refuse" else "S"
                    self.req("edge_numbers", "%s = %r" % (f["name"], s), r,
                        grp=grp, expect=expect,
                        body=set_at(self.base(r, grp), path, s))

    def gen_huge(self, r):
        spec = self.specs[(r["method"], r["pattern"])]
        cap = r["cap"]
        strs = [(p, f) for p, f in self.fields(r)
            if f["type"] in ("STRING", "EMAIL")][:1]
        for path, f in strs:
            for extra, label, fresh in ((0, "at the cap", False),
                (1, "one past the cap", False)):
                self.req("huge_strings", "%s of %s" % (f["name"], label), r,
                    body=_fill_to(self.base(r, "G"), path, cap + extra),
                    fresh=fresh)
        objs = [(p, f) for p, f in self.fields(r) if f["type"] == "OBJECT"]
        for path, f in objs:
            b = set_at(self.base(r, "G"), path, {"k": "@@PAD@@"})
            self.req("huge_strings", "%s holding 1 MB" % f["name"], r,
                body=_fill_to(b, path + ("k",), cap))
            # under the body cap: a cap of its own may or may not take it
            many = {"k%d" % i: "v" * 200 for i in range(3000)}
            self.req("huge_strings", "%s with 3000 keys" % f["name"], r,
                expect="any", body=set_at(self.base(r, "S"), path, many))
        if spec["items"]:
            key = spec["items_key"]
            base = self.base(r, "G")
            self.req("huge_strings", "100000 lines", r, body=set_at(base,
                (key,), [base[key][0]] * 100000))
        t = dumps(self.base(r, "S"))
        if self.rng.random() < 0.3:
            self.req("huge_strings", "valid body padded to the cap", r,
                expect="any", body=t + b" " * (cap - len(t)))
        if self.rng.random() < 0.3:
            self.req("huge_strings", "1 MB key", r, body=b'{"' + b"k" *
                (cap - 10) + b'":1}')

    def gen_nul(self, r):
        for path, f in self.fields(r):
            if f["type"] not in ("STRING", "EMAIL"):
                continue
            v0 = get_at(self.base(r, "G"), path) if _has(self.base(r, "G"),
                path) else "x"
            v0 = v0 if isinstance(v0, str) else "x"
            for label, v in self.pick((("NUL inside", v0 + "\u0000junk"),
                ("only NUL", "\u0000"), ("NUL first", "\u0000" + v0)),
                1 if path[-1] != "sku" else 3):
                self.req("nul", "%s: %s" % (f["name"], label), r,
                    body=set_at(self.base(r, "G"), path, v))
            self.req("nul", "%s: raw NUL byte" % f["name"], r,
                body=set_at(self.base(r, "G"), path, Frag(b'"' +
                    v0.encode() + b'\x00x"')))

    def gen_bad_utf8_body(self, r):
        for path, f in self.fields(r):
            if f["type"] not in ("STRING", "EMAIL"):
                continue
            base = self.base(r, "G")
            v0 = get_at(base, path) if _has(base, path) else "x"
            v0 = v0 if isinstance(v0, str) else "x"
            picks = self.rng.sample(BAD_UTF8, 3)
            for raw in picks:
                self.req("bad_utf8", "%s: %r" % (f["name"], raw), r,
                    body=set_at(self.base(r, "G"), path,
                        Frag(b'"' + v0.encode() + raw + b'"')))
            for esc in self.rng.sample(BAD_ESCAPES, 1):
                self.req("bad_utf8", "%s: escaped %s" % (f["name"],
                    esc.decode()), r, body=set_at(self.base(r, "G"), path,
                    Frag(esc)))
        # a bad byte in a key
        self.req("bad_utf8", "raw bytes in a key", r, body=b'{"\xc0\xaf":1}')

    def gen_nesting(self, r):
        first = self.fields(r)[0][0] if self.fields(r) else ("x",)
        deep_a = b"[" * 10000 + b"]" * 10000
        deep_o = b'{"a":' * 10000 + b"1" + b"}" * 10000
        self.req("deep_nesting", "10000 arrays in a field", r,
            body=set_at(self.base(r, "G"), first, Frag(deep_a)))
        self.req("deep_nesting", "10000 objects in a field", r,
            body=set_at(self.base(r, "G"), first, Frag(deep_o)))
        self.req("deep_nesting", "10000 arrays as the body", r, body=deep_a)
        self.req("deep_nesting", "33 objects in a field", r,
            body=set_at(self.base(r, "G"), first, Frag(b'{"a":' * 33 +
                b"1" + b"}" * 33)))
        for path, f in self.fields(r):
            if f["type"] == "OBJECT":
                self.req("deep_nesting", "%s 20 deep" % f["name"], r,
                    expect="any", body=set_at(self.base(r, "S"), path,
                    json.loads('{"a":' * 20 + "1" + "}" * 20)))

    def gen_dup_keys(self, r):
        for path, f in self.fields(r)[:4]:
            base = self.base(r, "S")
            if not _has(base, path):
                continue
            v = get_at(base, path)
            other = {"STRING": "t95-dup", "EMAIL": "dup@example.test",
                "INT": 2, "BOOL": True, "MONEY": "9.99"}.get(f["type"], 1)
            if f["values"]:
                other = f["values"][-1]
            for label, a, b in (("valid then other", v, other),
                ("junk then valid", [], v)):
                body = _dup(base, path, a, b)
                self.req("duplicate_keys", "%s: %s" % (f["name"], label), r,
                    grp="S", expect="any", body=body)

    def gen_sql_body(self, r):
        for path, f in self.fields(r):
            if f["type"] != "STRING" or f["values"]:
                continue
            sku_field = path[-1] == "sku"
            for s in self.rng.sample(SQL_LIKE, 3):
                if sku_field:
                    # an SKU with metacharacters is not the guarded SKU:
                    # refused (unknown or not in the SKU grammar), and a
                    # LIKE that matched the guarded one would move it
                    base = self.base(r, "G")
                    g = get_at(base, path)
                    v = (g[:-2] + s) if s in ("%", "_", "%_%") else g + s
                    self.req("sql_like", "%s = %r" % (f["name"], v), r,
                        body=set_at(base, path, v),
                        expect="any" if r["pattern"].endswith(
                            "/products") else "refuse")
                else:
                    self.req("sql_like", "%s = %r" % (f["name"], s), r,
                        grp="S", expect="any",
                        body=set_at(self.base(r, "S"), path, s))

    def gen_content_types(self, r):
        spec = self.specs[(r["method"], r["pattern"])]
        if spec["raw"] is not None:
            return
        for ct, expect in self.pick((("text/plain", "refuse"),
            ("application/x-www-form-urlencoded", "refuse"),
            ("multipart/form-data; boundary=x", "refuse"),
            ("application/jsonx", "refuse"), ("application/xml", "refuse"),
            ("application/json-patch+json", "refuse"),
            ("json", "refuse"), ("", "refuse"),
            ("application/json; charset=utf-8", "any"),
            ("APPLICATION/JSON", "any"),
            ("application/json;charset=latin1", "any"),
            (b"application/json; charset=\xff\xfe", "any")), 4):
            grp = "G" if expect == "refuse" else "S"
            self.req("bad_headers", "Content-Type %r" % (ct,), r, grp=grp,
                expect=expect, ctype=ct)
        self.req("bad_headers", "no Content-Type", r, ctype=None)
        b16 = json.dumps(self.base(r, "S")).encode("utf-16")
        if self.rng.random() < 0.3:
            self.req("bad_headers", "UTF-16 body", r, grp="S", expect="any",
                body=b16, ctype="application/json; charset=utf-16")

    def gen_cover(self, r):
        png = hf.png_bytes("t95-cover")
        cap = r["cap"]
        for label, body, ct, expect in (
            ("empty", b"", "image/png", "refuse"),
            ("one byte", b"\x89", "image/png", "refuse"),
            ("garbage", bytes(self.rng.randrange(256) for _ in range(4096)),
                "image/png", "refuse"),
            ("PNG magic only", png[:8], "image/png", "any"),
            ("truncated PNG", png[:len(png) // 2], "image/png", "any"),
            ("GIF", b"GIF89a" + b"\x00" * 20, "image/gif", "refuse"),
            ("SVG with script", b'<svg xmlns="http://www.w3.org/2000/svg">'
                b"<script>alert(1)</script></svg>", "image/svg+xml",
                "refuse"),
            ("HTML", b"<html><script>alert(1)</script></html>",
                "text/html", "refuse"),
            ("JSON", b'{"a":1}', "application/json", "refuse"),
            ("garbage at the cap", b"\x00" * cap, "image/png", "refuse"),
            ("one past the cap", b"\x00" * (cap + 1), "image/png",
                "refuse"),
            ("PNG with a bad Content-Type", png, b"image/\xff", "any"),
            ("PNG then garbage", png + b"\x00" * 1000, "image/png", "any")):
            grp = "G" if expect == "refuse" else "S"
            self.req("huge_strings" if "cap" in label else "bad_headers",
                "cover: " + label, r, grp=grp, expect=expect, body=body,
                ctype=ct)

    def gen_csv(self, r):
        """The CSV import (README "CSV"): a real run of a file that moves
        the guarded SKU is refused whole for any bad row in it; a dry run
        moves nothing whatever it names."""
        g = self.w.sku["G"]
        cap = r["cap"]
        for label, rows in (
            ("unterminated quote", ['x-1,"open,1,,,main,1']),
            ("bytes not UTF-8", [b"x-2,bad \xc0\xaf,1,,,main,1"]),
            ("NUL byte", [b"x-3,n\x00l,1,,,main,1"]),
            ("too many columns", ["x-4,x,1,,,main,1,extra"]),
            ("too few columns", ["x-5,x,1"]),
            ("negative on_hand", ["x-6,x,1,,,main,-1"]),
            ("on_hand past the cap", ["x-7,x,1,,,main,1000000001"]),
            ("on_hand 1e3", ["x-8,x,1,,,main,1e3"]),
            ("price -1", ["x-9,x,-1,,,main,1"]),
            ("unknown location", ["x-10,x,1,,,nowhere-t95,1"]),
            ("the guarded SKU in lower case", [g.lower() +
                ",T95 guarded,2.50,,,%s,1" % self.w.location["G"]]),
            ("the guarded SKU twice at main", [g +
                ",T95 guarded,2.50,,,main,5"]),
            ("an SKU that is a formula", ["=1+1,x,1,,,main,1"]),
            ("a BOM inside", ["\ufeffx-11,x,1,,,main,1"]),
            ("a bare CR", [b"x-12,a\rb,1,,,main,1"]),
            ("a quote in an unquoted field", ['x-13,a"b,1,,,main,1']),
            ("a name of 256 bytes", ["x-14," + "n" * 256 + ",1,,,,"]),
            ("location without on_hand", ["x-15,x,1,,,main,"])):
            rows = [x if isinstance(x, bytes) else x.encode("utf-8")
                for x in rows]
            body = self.csv_body("G").rstrip(b"\r\n") + b"\r\n" + \
                b"\r\n".join(rows) + b"\r\n"
            self.req("bad_utf8" if "UTF-8" in label else "broken_json",
                "csv: " + label, r, body=body)
        # a file that is not the import's, whole
        for label, body in (("no header", self.csv_body("G").split(
                b"\r\n", 1)[1]), ("header in another order",
                b"name,sku,price,category,description,location,on_hand\r\n"
                b"T95,%s,1,,,main,1\r\n" % g.encode()),
                ("empty", b""), ("JSON", b'{"sku":"%s"}' % g.encode()),
                ("UTF-16", self.csv_body("G").decode().encode("utf-16"))):
            self.req("broken_json", "csv: " + label, r, body=body)
        for ct in ("application/json", "text/plain", "text/csv; "
                "charset=latin1", "text/csvx", "multipart/form-data; "
                "boundary=x", b"text/csv; charset=\xff"):
            self.req("bad_headers", "csv Content-Type %r" % (ct,), r,
                ctype=ct)
        self.req("bad_headers", "csv without Content-Type", r, ctype=None)
        # at and past the worker's cap (nginx lets 33 MiB through)
        pad = self.csv_body("G") + b"x" * cap
        self.req("huge_strings", "csv one past the cap", r,
            body=pad[:cap + 1], fresh=True)
        self.req("huge_strings", "csv of 100000 bad rows", r, body=(
            self.csv_body("G") + b"x,y\r\n" * 100000))
        # dry runs move nothing, the guarded SKU included
        for label, q, grp in (("dry run of the guarded SKU", "dry_run=1",
                "G"), ("dry_run=true", "dry_run=true", "S"),
                ("LF only", "dry_run=1", "S")):
            body = self.csv_body(grp)
            if label == "LF only":
                body = body.replace(b"\r\n", b"\n")
            self.req("broken_json", "csv " + label, r, query=q,
                body=body, grp=grp, expect="any")
        self.req("sql_like", "csv name with SQL", r, expect="any",
            query="dry_run=1", body=self.csv_body("S",
            "T95C-%s-q,\"'; DROP TABLE stock; --\",1,,,," % self.w.tag))
        self.req("broken_json", "csv charset=utf-8 header=present", r,
            expect="any", query="dry_run=1", body=self.csv_body("S"),
            ctype="text/csv; charset=utf-8; header=present")

    # ---------------------------------------------------------- query
    def gen_query(self, r):
        spec = self.specs[(r["method"], r["pattern"])]
        for name in spec["query"]:
            if name in ("page", "per_page"):
                continue
            vals = _query_values(self.w, name)
            keep = [x for x in vals if x[1].startswith("guarded SKU")]
            for cat, label, v in keep + self.pick([x for x in vals
                    if x not in keep], 9):
                post = None
                if name == "sku" and isinstance(v, str) and \
                        ("%25" in v or "_" in v):
                    post = exact_sku_post(unquote_to_bytes(v).decode(
                        "utf-8", "replace"))
                self.req(cat, "?%s=%s" % (name, label), r,
                    query=(name.encode() + b"=" + (v if isinstance(v, bytes)
                        else v.encode())), expect="any", post=post)
        if "page" in spec["query"]:
            for v in ("0", "-1", "9223372036854775808") + tuple(self.pick((
                "2147483648", "9223372036854775807",
                "18446744073709551616", "1000001", "1e3", "abc", "", "1.5",
                "%201", "%2B1", "01", "%00", "1%00", "0x10", "-0",
                "%EF%BC%91", "1000000"), 4)):
                self.req("paging", "page=" + v, r, query="page=" + v,
                    expect="any")
            for v in ("101", "1e3", "abc") + tuple(self.pick(("0", "-1",
                "1000", "9223372036854775807", "100", "1.5", "", "%2B1",
                "99999999999999999999", "100.0"), 2)):
                self.req("paging", "per_page=" + v, r, query="per_page=" + v,
                    expect="any")
            for q in self.pick(("page=1000000&per_page=100",
                "page=1&page=2", "per_page=100&per_page=101",
                "page%5B%5D=1", "page[]=1", "page=1;per_page=1000",
                "page&per_page", "PAGE=0&Per_Page=1000"), 3):
                self.req("paging", q, r, query=q, expect="any")
        # a query on a route that reads none, and a malformed one
        for label, q in self.pick((("bad escape %G1", "x=%G1"),
            ("lone %", "x=%"), ("truncated %2", "x=%2"),
            ("empty pairs", "&&&=&"), ("= only", "="),
            ("NUL key", "%00=1")), 2):
            self.req("malformed_query", label, r, query=q, expect="any")

    # ---------------------------------------------------------- odd ids
    def gen_odd_ids(self, r):
        spec = self.specs[(r["method"], r["pattern"])]
        reads = r["method"] == "GET"
        kind = spec["args"][0]
        if kind in ("sku", "location"):
            self.gen_odd_skus(r, kind)
            return
        if kind == "cover":
            self.gen_odd_covers(r)
            return
        always = ("-1", "%00", "..", "%2e%2e", "18446744073709551616")
        for v in always:
            self.req("odd_ids", "id %r" % v, r, path_vals=[v],
                expect="any" if reads else "refuse")
        generic = ("0", "%2E%2E", "..%2F", "../", "9223372036854775808",
            "abc", "1.5",
            "%FF", "%C0%AF", "\xff", "null", "NaN", "Infinity", "-0",
            "0x10", "9" * 400, "%EF%BC%91", "%D9%A3", "1_000", "%2F",
            "%5C", "'", "%27%20OR%201%3D1")
        for v in self.pick(generic, 3):
            self.req("odd_ids", "id %r" % v, r, path_vals=[v.encode(
                "latin-1")], expect="any" if reads else "refuse")
        if reads:
            for v in ("1e3", "01", "+1", "%201"):
                self.req("odd_ids", "id %r" % v, r, path_vals=[v],
                    expect="any")
        grp = "G" if reads else "S"
        x = arg_value(self.w, kind, grp)
        for fmt in self.pick(("0%s", "00%s", "+%s", "%%20%s", "%s%%20",
            "%%09%s", "%s.0", "%se0", "%s%%2F", "%s;", "%s%%3B", "%s%%23",
            "%s%%0A", "%s%%00", "../%s", "%%2e%%2e%%2f%s"), 4):
            v = fmt % x
            self.req("odd_ids", "id %r" % v, r, grp=grp, path_vals=[v],
                expect="any")
        # an id that does not fit an int64 but wraps to the object's id
        wrapped = str(int(x) + 2 ** 64)
        self.req("odd_ids", "id + 2^64", r, grp=grp, path_vals=[wrapped],
            expect="any" if reads else "refuse")

    def gen_odd_covers(self, r):
        """Other spellings of a cover's file name (issue 16): none is
        another cover, none reaches past the covers."""
        x = arg_value(self.w, "cover", "G")
        h, ext = x.split(".", 1)
        for v in (h.upper() + "." + ext, h + ".PNG", h + ".jpg",
                h + ".gif", h, h + "." + ext + ".png", h[:-1] + "." + ext,
                h + "0." + ext, "../" + x, "%2e%2e%2f" + x, x + "%00",
                x + "%2F", "..", "%2e%2e", "-1", "0",
                "..%2F..%2F..%2Fetc%2Fpasswd", "%FF." + ext, "\xff",
                "0" * 64 + "." + ext, "9" * 400):
            self.req("odd_ids", "cover %r" % v, r, path_vals=[v.encode(
                "latin-1")], expect="any")

    def gen_odd_skus(self, r, kind="sku"):
        reads = r["method"] == "GET"
        g = (self.w.sku if kind == "sku" else self.w.location)["G"]
        for v in [g + "%00junk", g[:-2] + "%25", g.replace("-", "_")] + \
            self.pick(("%00", "..", "%2e%2e", "%2F", "a%2Fb", "%FF",
            "%C0%AF", "%ED%A0%80", "\xff", "\xc0\xaf", "%20", "%09", "+",
            "%2B", g + "%00", g + "%0A", g + "%0D%0A", g + "%5C",
            g + "%27", g + "%22", g[:-2] + "__", g + "%3B--", "%25", "_",
            "k" * 65, "k" * 5000), 9):
            expect = "any" if reads else "refuse"
            self.req("odd_ids" if "%25" not in v and "_" not in v else
                "sql_like", "sku %r" % v, r,
                path_vals=[v.encode("latin-1")], expect=expect)

    # ---------------------------------------------------------- headers
    def gen_headers(self, r):
        spec = self.specs[(r["method"], r["pattern"])]
        write = r["method"] != "GET"
        rid_vals = [b"\xff\xfe", b"\xc0\xaf", b"a" * 65, b"", b"../x",
            b"<script>", b"id with space", b"%00", b"\xed\xa0\x80",
            b"a\x01b"]
        for v in self.rng.sample(rid_vals, 1):
            self.req("bad_utf8" if any(c >= 0x80 for c in v) else
                "bad_headers", "X-Request-Id %r" % v, r,
                grp="S" if write else "G", expect="any",
                headers=[("X-Request-Id", v)])
        if write:
            idem = r["handler"] in self.idem
            for v, label, expect in self.pick((
                (b"\xc0\xaf", "overlong", "refuse"),
                (b"k\xff", "0xff", "refuse"),
                (b"\xed\xa0\x80", "surrogate", "refuse"),
                (b"\xf4\x90\x80\x80", "out of range", "refuse"),
                (b"k" * 256, "256 bytes", "refuse"),
                (b"", "empty", "refuse"),
                (b"k" * 4000, "4000 bytes", "refuse")), 3):
                # refused where the key is used; elsewhere it is unread
                expect = expect if idem else "any"
                self.req("bad_utf8" if label in ("overlong", "0xff",
                    "surrogate", "out of range") else "bad_headers",
                    "Idempotency-Key %s" % label, r, expect=expect,
                    grp="G" if expect == "refuse" else "S",
                    headers=[("Idempotency-Key", v)])
            for v, label in ((b"t95-%d-%s-" % (self.next_n(),
                self.w.tag.encode()) + b"k" * 255, "255 bytes"),
                (b"t95 \x01 ctl %d" % self.next_n(), "control byte"),
                (b"t95-%%00-%d" % self.next_n(), "literal %00"),
                (b"t95-'--%d" % self.next_n(), "quote"))[:1 + (
                    self.rng.random() < 0.3)]:
                v = v[:255]
                self.req("bad_headers", "Idempotency-Key %s" % label, r,
                    grp="S", expect="any", headers=[("Idempotency-Key", v)])
        # misc headers that the workers read or log
        for name, v in self.rng.sample([
            ("User-Agent", b"\xc0\xaf t95"), ("User-Agent", b"x" * 7000),
            ("X-Forwarded-For", b"\xff, 127.0.0.1"),
            ("X-Forwarded-For", b"1.2.3.4, ' OR 1=1"),
            ("X-Signature", b"sha256=\xff"), ("Accept", b"text/html"),
            ("Accept-Charset", b"latin1"), ("Cookie", b"a=" + b"b" * 6000),
            ("Proxy", b"http://127.0.0.1:1/"),
            ("X-HTTP-Method-Override", b"DELETE")], 1):
            self.req("bad_utf8" if any(c >= 0x80 for c in v) else
                "bad_headers", "%s %r" % (name, v[:20]), r,
                grp="S" if write else "G", expect="any",
                headers=[(name, v)])

    def gen_bad_auth(self, r):
        core = r["pattern"].endswith(("/adjust", "/restock", "/api-keys",
            "/users/{id}", "/reservations", "/audit", "/loans",
            "/orders/{id}/refund"))
        variants = self.auth_variants()
        if r["perm"] == "PERM_PUBLIC":
            # a public route read with credentials (GET /stock?at=): an
            # unknown header is no credential, the route answers anyone
            variants = [v for v in variants if v[1] is not None]
        nones = [v for v in variants if v[0].startswith("alg ")]
        rest = [v for v in variants if v not in nones]
        picks = nones + self.pick(rest, 10) if core else \
            self.pick(variants, 3)
        for label, value in picks:
            hdr = [("Authorization", value)] if value is not None else \
                [("X-Api-Key", self.w.admin)]
            self.req("bad_auth", label, r, headers=hdr, cred=None)

    def auth_variants(self):
        if hasattr(self, "_auth"):
            return self._auth
        w = self.w
        now = int(time.time())
        conf = hf.conf_values()
        claims = {"iss": conf.get("jwt_issuer", "holdfast"),
            "aud": conf.get("jwt_audience", "holdfast-api"),
            "sub": str(w.user["id"]), "role": "admin", "iat": now,
            "exp": now + 3600}
        enc = hf.jwt_encode
        secret = hf.jwt_secret()
        user_tok = w.user["access"]
        h, p, sig = user_tok.split(".")
        pay = json.loads(hf.b64url_decode(p))
        pay["role"] = "admin"
        out = []
        for alg in ("none", "None", "NONE", "nOnE"):
            out.append(("alg %s admin token" % alg,
                enc({"alg": alg, "typ": "JWT"}, claims) + "."))
        out += [
            ("alg none with a signature", enc({"alg": "none"}, claims) +
                "." + sig),
            ("HS256 with no signature", enc({"alg": "HS256",
                "typ": "JWT"}, claims) + "."),
            ("admin claims signed with a guessed key", hf.jwt_sign(
                {"alg": "HS256", "typ": "JWT"}, claims, "secret")),
            ("admin claims signed with an empty key", hf.jwt_sign(
                {"alg": "HS256", "typ": "JWT"}, claims, "")),
            ("HS512 with a guessed key", hf.jwt_sign({"alg": "HS512",
                "typ": "JWT"}, claims, "secret", hashlib.sha512)),
            ("RS256 header, HMAC signature", hf.jwt_sign({"alg": "RS256",
                "typ": "JWT"}, claims, "secret")),
            ("user token with role admin", "%s.%s.%s" % (h,
                hf.b64url(json.dumps(pay, separators=(",", ":"))), sig)),
            ("user token, alg none", enc({"alg": "none"}, pay) + "."),
            ("expired admin token", hf.jwt_sign({"alg": "HS256"},
                dict(claims, exp=now - 3600, iat=now - 7200), secret)),
            ("wrong issuer", hf.jwt_sign({"alg": "HS256"}, dict(claims,
                iss="evil"), secret)),
            ("wrong audience", hf.jwt_sign({"alg": "HS256"}, dict(claims,
                aud="evil"), secret)),
            ("role superadmin", hf.jwt_sign({"alg": "HS256"}, dict(claims,
                role="superadmin"), secret)),
            ("sub 0", hf.jwt_sign({"alg": "HS256"}, dict(claims, sub="0"),
                secret)),
            ("sub -1", hf.jwt_sign({"alg": "HS256"}, dict(claims,
                sub="-1"), secret)),
            ("no exp", hf.jwt_sign({"alg": "HS256"}, {k: v for k, v in
                claims.items() if k != "exp"}, secret)),
            ("kid path", hf.jwt_sign({"alg": "HS256",
                "kid": "../../../../dev/null"}, claims, "")),
            ("bad base64", "!!!.@@@.###"), ("empty parts", ".."),
            ("two parts", "eyJhbGciOiJIUzI1NiJ9.e30"),
            ("four parts", user_tok + ".x"),
            ("padded base64", user_tok.replace(".", "==.", 2)),
            ("e30 all", "e30.e30.e30"),
            ("8 KB token", "a" * 8000),
            ("token + space + junk", user_tok + " junk"),
            ("refresh token", w.user["refresh"]),
            ("hfk_ only", "hfk_"), ("made-up key", "hfk_" + "0" * 64),
            ("key + x", w.biz + "x"), ("key cut short", w.biz[:-1]),
            ("HFK_ in capitals", "HFK_" + w.biz[4:]),
            ("deleted key", w.dead_key),
        ]
        out = [(l, ("Bearer " + v).encode()) for l, v in out]
        out += [
            ("Basic scheme", b"Basic dXNlcjpwYXNzd29yZA=="),
            ("Digest scheme", b'Digest username="admin"'),
            ("Token scheme", b"Token " + w.biz.encode()),
            ("no scheme", w.biz.encode()),
            ("Bearer alone", b"Bearer"), ("Bearer and a space", b"Bearer "),
            ("raw bytes token", b"Bearer \xff\xfe\xc0\xaf"),
            ("NUL in token", b"Bearer " + w.biz.encode() + b"%00"),
            ("admin key in X-Api-Key only", None),
        ]
        self._auth = out
        return out

    # ---------------------------------------------------------- SKUs
    def gen_sku_spellings(self):
        w = self.w
        spell = _spellings
        by_key = {(r["method"], r["pattern"]): r for r in self.routes}

        def route(method, pattern):
            return by_key[(method, API + pattern)]
        folding = ("lower case", "upper case", "swapped case",
            "trailing space", "two trailing spaces")
        # reads of the guarded SKU
        for v, label in self.pick(spell(w.sku["G"]), 10):
            for method, pattern in (("GET", "/stock/{sku}"),
                ("GET", "/stock/{sku}/reconcile")):
                self.req("sku_spellings", label, route(method, pattern),
                    path_vals=[qenc(v)], expect="any")
            self.req("sku_spellings", "ledger ?sku= " + label,
                route("GET", "/ledger"), query="sku=" + qenc(v),
                expect="any")
        # writes through the path: a pool SKU of its own for each spelling
        for v, label in self.pick(spell(None), 12):
            sku = w.pool_sku(1)
            for method, pattern, body in (
                ("POST", "/stock/{sku}/restock", {"quantity": 1}),
                ("POST", "/stock/{sku}/deduct", {"quantity": 1}),
                ("POST", "/stock/{sku}/adjust", {"delta": 1,
                    "reason": "t95"}),
                ("PATCH", "/stock/{sku}", {"location": "t95-spell"})):
                self.req("sku_spellings", label, route(method, pattern),
                    grp="S", path_vals=[qenc(v(sku))], body=body,
                    expect="any")
        # batches: the same SKU in two spellings, one unit on the shelf
        for v, label in spell(None):
            sku = w.pool_sku(1)
            self.req("sku_spellings", "reserve [S, %s]" % label,
                route("POST", "/reservations"), grp="S", expect="any",
                body={"type": "cart", "ttl_seconds": 600, "items": [
                    {"sku": sku, "quantity": 1},
                    {"sku": v(sku), "quantity": 1}]})
        every = spell(None)
        fold = [x for x in every if x[1] in folding]
        rest = [x for x in every if x[1] not in folding]
        for v, label in fold + self.pick(rest, 6):
            sku = w.pool_sku(1)
            self.req("sku_spellings", "order [S, %s]" % label,
                route("POST", "/orders"), grp="S", expect="any",
                body={"items": [{"sku": sku, "quantity": 1},
                    {"sku": v(sku), "quantity": 1}]})
        for i, (v, label) in enumerate(fold + self.pick(rest, 6)):
            sku = w.pool_sku(1)
            self.req("sku_spellings", "loan [S, %s]" % label,
                route("POST", "/loans"), grp="S", expect="any",
                body={"items": [{"sku": sku}, {"sku": v(sku)}],
                    "user_id": w.spell_borrowers[i // 2 %
                    len(w.spell_borrowers)]})
        for v, label in self.pick(spell(None), 6):
            sku = w.pool_sku(1)
            self.req("sku_spellings", "reserve one line %s" % label,
                route("POST", "/reservations"), grp="S", expect="any",
                body={"type": "cart", "ttl_seconds": 600, "items": [
                    {"sku": v(sku), "quantity": 1}]})
        for v, label in fold[:2] + self.pick(rest, 4):
            self.req("sku_spellings", "hold %s" % label,
                route("POST", "/holds"), grp="S", expect="any",
                body={"sku": v(w.hold_sku["S"]),
                    "user_id": w.borrower["G"]})
        # a product whose SKU folds onto the guarded one's is refused
        sp = spell(w.sku["G"])
        for v, label in [x for x in sp if x[1] in folding] + self.pick(
                [x for x in sp if x[1] not in folding], 5):
            folds = label in folding
            self.req("sku_spellings", "create product " + label,
                route("POST", "/products"), grp="S",
                expect="refuse" if folds else "any",
                body={"sku": v, "name": "T95 spelling"})
        # numeric SKUs and leading zeros
        for label, f in (("leading zero", lambda s: "0" + s),
            ("two leading zeros", lambda s: "00" + s),
            ("plus sign", lambda s: "+" + s), ("decimal", lambda s: s + ".0"),
            ("exponent", lambda s: s + "e0")):
            sku = w.pool_sku(1, numeric=True)
            self.req("sku_spellings", "numeric %s restock" % label,
                route("POST", "/stock/{sku}/restock"), grp="S",
                path_vals=[qenc(f(sku))], body={"quantity": 1},
                expect="any")
            sku = w.pool_sku(1, numeric=True)
            self.req("sku_spellings", "numeric reserve [S, %s]" % label,
                route("POST", "/reservations"), grp="S", expect="any",
                body={"type": "cart", "items": [{"sku": sku, "quantity": 1},
                    {"sku": f(sku), "quantity": 1}]})

    # ---------------------------------------------------------- hijack
    def gen_hijack(self):
        """Someone else's reservations and references (holes 2 and 3):
        an order's reservations end only through the order, no caller
        adds lines under a reference it does not own, and another key's
        reservation is not there for this key."""
        w = self.w
        by_key = {(r["method"], r["pattern"]): r for r in self.routes}

        def route(method, pattern):
            return by_key[(method, API + pattern)]
        ref = w.order_ref
        for cred in ("biz", "admin"):
            # a reference_id is case-sensitive (README): in capitals it is
            # another reference, which leaves the order's alone
            for label, v in (("the order's reference", ref),
                ("the order's reference + space", ref + " ")):
                self.req("hijack", "reserve under %s as %s" % (label, cred),
                    route("POST", "/reservations"), cred=cred,
                    body={"type": "order", "reference_id": v,
                        "items": [{"sku": w.sku["S"], "quantity": 1}]})
            for action in ("commit", "release"):
                self.req("hijack", "%s the order's reference as %s"
                    % (action, cred), route("POST", "/reservations/" +
                    action), cred=cred, body={"reference_id": ref})
                for rid in w.order_res:
                    self.req("hijack", "%s the order's reservation as %s"
                        % (action, cred), route("POST",
                        "/reservations/{id}/" + action), cred=cred,
                        path_vals=[str(rid)])
        for action in ("commit", "release"):
            self.req("hijack", "%s another key's reservation" % action,
                route("POST", "/reservations/{id}/" + action), cred="biz2")
            self.req("hijack", "%s another key's reference" % action,
                route("POST", "/reservations/" + action), cred="biz2")
        self.req("hijack", "reserve under another key's reference",
            route("POST", "/reservations"), cred="biz2",
            body={"type": "cart", "reference_id": w.ref["G"],
                "items": [{"sku": w.sku["S"], "quantity": 1}]})

    # ---------------------------------------------------------- methods
    def gen_methods(self):
        paths = collections.OrderedDict()
        for r in self.routes:
            paths.setdefault(r["pattern"], []).append(r)
        for pattern, rs in paths.items():
            r0 = rs[0]
            have = set(r["method"] for r in rs)
            cands = [m for m in ("TRACE", "CONNECT", "PROPFIND", "FOO",
                "get", "OPTIONS", "PATCH", "PUT", "DELETE", "POST", "GET")
                if m not in have]
            for m in self.pick(cands, 3):
                self.req("methods", m, r0, method=m, body=b"{}",
                    ctype="application/json", cred=None,
                    expect="any" if m == "OPTIONS" else "refuse")

    # ---------------------------------------------------------- the front
    def gen_front(self):
        by_key = {(r["method"], r["pattern"]): r for r in self.routes}
        rs = by_key[("POST", API + "/stock/{sku}/restock")]
        rr = by_key[("POST", API + "/reservations")]
        big = b'{"quantity":1,"reason":"' + b"r" * (FRONT_CAP + 10) + b'"}'
        self.req("huge_strings", "body past the web server's cap", rs,
            body=big, fresh=True)
        self.req("huge_strings", "reservation past the web server's cap",
            rr, body=b'{"type":"cart","items":[' + b'{"sku":"x",'
            b'"quantity":1},' * 200000 + b"]}", fresh=True)
        h = by_key[("GET", API + "/health")]
        st = by_key[("GET", API + "/stock")]
        self.req("huge_strings", "1 MB query", st, expect="any",
            query="status=" + "o" * CAP, fresh=True)
        self.req("huge_strings", "1 MB path segment",
            by_key[("GET", API + "/stock/{sku}")], expect="any",
            path_vals=["s" * CAP], fresh=True)
        self.req("huge_strings", "1 MB header", h, expect="any",
            headers=[("X-Pad", b"p" * CAP)], fresh=True)
        self.req("bad_headers", "9 KB header", h, expect="any",
            headers=[("X-Pad", b"p" * 9000)])
        self.req("bad_headers", "200 headers", h, expect="any",
            headers=[("X-Pad-%d" % i, b"p" * 60) for i in range(200)])
        self.req("bad_headers", "raw NUL in a header", h, expect="any",
            headers=[("X-Pad", b"a\x00b")])
        self.req("bad_headers", "header without colon", h, expect="any",
            headers=[("X-Pad-no-colon", b"")])
        body = dumps({"quantity": 1, "reason": "t95"})
        self.req("bad_headers", "two Content-Length", rs,
            headers=[("Content-Length", b"%d" % len(body)),
                ("Content-Length", b"%d" % (len(body) + 5))], body=body)
        self.req("bad_headers", "Content-Length -1", rs,
            headers=[("Content-Length", b"-1")], body=body)
        self.req("bad_headers", "Content-Length +5", rs,
            headers=[("Content-Length", b"+%d" % len(body))], body=body)
        self.req("bad_headers", "Content-Length abc", rs,
            headers=[("Content-Length", b"abc")], body=body)
        self.req("bad_headers", "chunked and Content-Length", rs,
            headers=[("Transfer-Encoding", b"chunked"),
                ("Content-Length", b"%d" % len(body))],
            body=b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n")
        self.req("bad_headers", "chunked body", rs, grp="S", expect="any",
            headers=[("Transfer-Encoding", b"chunked")],
            path_vals=[self.w.sku["S"]],
            body=b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n")
        self.req("bad_headers", "bad chunk size", rs,
            headers=[("Transfer-Encoding", b"chunked")],
            body=b"zz\r\n" + body + b"\r\n0\r\n\r\n", fresh=True)
        self.req("bad_headers", "Content-Length shorter than the body", rs,
            headers=[("Content-Length", b"5")], body=body, fresh=True)
        for label, t in (("dot segments inside /api/",
            API + "/stock/../health"), ("encoded dots inside /api/",
            API + "/stock/%2e%2e/health"), ("double slash",
            API + "//health"), ("trailing slash", API + "/health/"),
            ("escaped slash", API + "%2Fhealth"),
            ("backslash", API + "\\health"), ("semicolon",
            API + "/health;x=1"), ("fragment", API + "/health#x"),
            ("percent u", API + "/%u0068ealth"),
            ("overlong slash", API + "%C0%AFhealth"),
            ("upper case", "/API/V1/HEALTH"), ("no version", "/api/"),
            ("absolute form", "http://evil.example/api/v1/health")):
            self.req("odd_ids", label, h, path_vals=[], expect="any")
            self.cases[-1].target = t.encode("latin-1")
            self.cases[-1].api = _under_api(self.cases[-1].target) or \
                t.startswith("http://")
        # metrics is not under /api/ and not JSON: only "no 5xx" holds
        m = by_key[("GET", "/metrics")]
        for label, q in (("metrics with a query", "x=%00"),
            ("metrics bad escape", "x=%G1")):
            self.req("malformed_query", label, m, query=q, expect="any")


# ---------------------------------------------------------------- helpers

def _has(body, path):
    try:
        get_at(body, path)
        return True
    except (KeyError, IndexError, TypeError):
        return False


def _fill_to(body, path, size):
    """body with the string at path padded so the JSON text is exactly size
    bytes."""
    b = set_at(body, path, "@@PAD@@")
    t = dumps(b)
    k = size - (len(t) - len(b"@@PAD@@"))
    return t.replace(b"@@PAD@@", b"a" * max(k, 0))


def _dup(body, path, first, second):
    """JSON text of body where the key at path appears twice: first, then
    second (the one in body is replaced)."""
    parent = path[:-1]
    key = path[-1]
    inner = get_at(body, parent) if parent else body
    if not isinstance(inner, dict):
        return dumps(set_at(body, path, second))
    text = b"{" + b",".join([json.dumps(key).encode() + b":" + dumps(first)] +
        [json.dumps(k).encode() + b":" + dumps(v if k != key else second)
        for k, v in inner.items()]) + b"}"
    if not parent:
        return text
    return dumps(set_at(body, parent, Frag(text)))


def _number_expect(f, lit):
    """"refuse" when every reading of the JSON number lit is outside the
    field's domain; "any" when some implementation may take it."""
    s = lit.decode()
    lo, hi = f["min"], f["max"]
    if f["type"] == "MONEY":
        lo, hi = 0, None
    integral = re.match(r"^-?[0-9]+$", s) is not None
    try:
        v = float(s)
    except ValueError:
        return "refuse"
    if v in (float("inf"), float("-inf")):
        return "refuse"
    if f["type"] == "MONEY":
        if v < 0 or v > 9999999999.99:
            return "refuse"
        return "any"
    if not integral and v != int(v):
        return "refuse"
    iv = int(s) if integral else int(v)
    if (lo is not None and iv < lo) or (hi is not None and iv > hi):
        return "refuse"
    return "any"


def _spellings(sku):
    """[(value or function of an SKU, label)]: every spelling of an SKU,
    for a given one (values) or any (functions)."""
    fw = {c: chr(0xFF01 + ord(c) - 0x21) for c in
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-"}
    look = {"H": "\u041d", "q": "\u051b", "A": "\u0410", "C": "\u0421",
        "e": "\u0435", "o": "\u043e", "S": "\u0405", "P": "\u0420",
        "-": "\u2010"}
    fs = [
        ("lower case", lambda s: s.lower()),
        ("upper case", lambda s: s.upper()),
        ("swapped case", lambda s: s.swapcase()),
        ("trailing space", lambda s: s + " "),
        ("two trailing spaces", lambda s: s + "  "),
        ("leading space", lambda s: " " + s),
        ("trailing tab", lambda s: s + "\t"),
        ("leading tab", lambda s: "\t" + s),
        ("trailing newline", lambda s: s + "\n"),
        ("trailing CR", lambda s: s + "\r"),
        ("trailing NBSP", lambda s: s + "\u00a0"),
        ("leading NBSP", lambda s: "\u00a0" + s),
        ("fullwidth", lambda s: "".join(fw.get(c, c) for c in s)),
        ("Cyrillic lookalikes", lambda s: "".join(look.get(c, c)
            for c in s)),
        ("zero-width space", lambda s: s + "\u200b"),
        ("soft hyphen", lambda s: s + "\u00ad"),
        ("BOM", lambda s: "\ufeff" + s),
        ("combining accent", lambda s: s + "\u0301"),
        ("Unicode hyphen", lambda s: s.replace("-", "\u2010")),
        ("minus sign", lambda s: s.replace("-", "\u2212")),
        ("slash inside", lambda s: s.replace("-", "/", 1)),
        ("trailing slash", lambda s: s + "/"),
        ("%2F inside", lambda s: s.replace("-", "%2F", 1)),
        ("backslash", lambda s: s + "\\"),
        ("trailing dot", lambda s: s + "."),
    ]
    if sku is None:
        return [(f, label) for label, f in fs]
    return [(f(sku), label) for label, f in fs]


def _query_values(w, name):
    """[(category, label, encoded value)] for a query parameter."""
    g = w.sku["G"]
    out = [("malformed_query", "empty", ""),
        ("nul", "%00", "%00"), ("nul", "a%00b", "a%00b"),
        ("bad_utf8", "%C0%AF", "%C0%AF"), ("bad_utf8", "raw C0 AF",
            b"\xc0\xaf"), ("bad_utf8", "%FF", "%FF"),
        ("bad_utf8", "%ED%A0%80", "%ED%A0%80"),
        ("bad_utf8", "%F4%90%80%80", "%F4%90%80%80"),
        ("bad_utf8", "raw FF", b"x\xff"),
        ("sql_like", "quote", "%27"),
        ("sql_like", "or 1=1", "%27%20OR%20%271%27%3D%271"),
        ("sql_like", "%", "%25"), ("sql_like", "_", "_"),
        ("sql_like", "backslash", "%5C"), ("sql_like", "double quote",
            "%22"), ("sql_like", "; --", "%3B--"),
        ("sql_like", "sleep", "1%27%20AND%20SLEEP(5)--"),
        ("edge_numbers", "1e309", "1e309"), ("edge_numbers", "-1", "-1"),
        ("edge_numbers", "2^63", "9223372036854775808"),
        ("edge_numbers", "2^64", "18446744073709551616"),
        ("huge_strings", "4000 bytes", "a" * 4000),
        ("malformed_query", "lone %", "%"),
        ("malformed_query", "%G1", "%G1"),
        ("malformed_query", "%2", "%2"),
        ("malformed_query", "brackets", "x%5B%5D"),
        ("malformed_query", "plus", "a+b")]
    if name in ("sku", "reference_id", "q", "actor", "entity_id"):
        out += [("sql_like", "guarded SKU with %", qenc(g[:-2]) + "%25"),
            ("sql_like", "guarded SKU with _", qenc(g[:-1]) + "_"),
            ("sql_like", "guarded SKU, - as _", qenc(g.replace("-", "_"))),
            ("sql_like", "guarded SKU + \\%", qenc(g) + "%5C%25")]
    if name == "at":
        out += [("edge_numbers", "offset +14:00, 9 digits",
            "2026-01-01T00:00:00.123456789%2B14:00"),
            ("malformed_query", "offset sent with a raw +",
            "2026-01-01T00:00:00+05:00"),
            ("edge_numbers", "the future", "9999-12-31T23:59:59.999Z"),
            ("edge_numbers", "before 1970 by its offset",
            "1970-01-01T00:00:00%2B00:01"),
            ("edge_numbers", "10 fraction digits",
            "2026-01-01T00:00:00.1234567890Z")]
    if name == "ledger_id":
        out += [("edge_numbers", "0", "0"), ("edge_numbers", "leading zeros",
            "0001"), ("edge_numbers", "+1", "%2B1"),
            ("edge_numbers", "2^63-1", "9223372036854775807"),
            ("malformed_query", "1e3", "1e3"),
            ("odd_ids", "guarded row", str(w.ledger["G"]))]
    if name == "after":     # keyset paging (issue 13)
        out += [("edge_numbers", "0", "0"), ("edge_numbers", "leading zeros",
            "0001"), ("edge_numbers", "+1", "%2B1"),
            ("edge_numbers", "2^63-1", "9223372036854775807"),
            ("edge_numbers", "20 digits", "99999999999999999999"),
            ("malformed_query", "1e3", "1e3"),
            ("odd_ids", "guarded row", str(w.ledger["G"]))]
    if name == "location":
        loc = w.location["G"]
        out += [("sku_spellings", "guarded location", loc),
            ("sku_spellings", "in capitals", loc.upper()),
            ("sku_spellings", "with a space", "%20" + loc),
            ("sku_spellings", "fullwidth", "%EF%BD%8Dain"),
            ("huge_strings", "33 bytes", "k" * 33),
            ("sql_like", "location with %", qenc(loc[:-2]) + "%25")]
    if name in ("from", "to", "at"):
        out += [("edge_numbers", "year 0", "0000-01-01"),
            ("edge_numbers", "year 99999", "99999-01-01"),
            ("edge_numbers", "Feb 31", "2026-02-31"),
            ("edge_numbers", "month 13", "2026-13-01"),
            ("edge_numbers", "time 24:00", "2026-01-01T24:00:00Z"),
            ("edge_numbers", "offset", "2026-01-01T00:00:00%2B05:00"),
            ("edge_numbers", "unix", "1763712000"),
            ("malformed_query", "trailing junk", "2026-01-01x")]
    return out


# ================================================================ the test

def _clip(s, n):
    return s if len(s) <= n else s[:n] + "...(%d chars)" % len(s)


def _worker_state():
    try:
        pids = sorted(hf.worker_pids())
    except hf.Skip:
        pids = None
    starts = hf.metric_sum("holdfast_worker_starts_total")
    return pids, starts


def _cleanup(w, cases, answers):
    """Retire the products and delete the webhooks the corpus created."""
    for c, a in zip(cases, answers):
        # a real import made its product (catalog only): retired
        if c.route == "POST %s/import/products" % API and \
                a.error is None and a.status == 200 and c.body:
            try:
                dry = json.loads(a.body.decode("utf-8"))["data"]["dry_run"]
            except (ValueError, KeyError, TypeError):
                dry = False
            for line in c.body.split(b"\n")[1:] if not dry else ():
                sku = line.split(b",", 1)[0].decode("utf-8", "replace")
                if sku.startswith("T95C-"):
                    st = hf.call("GET", API + "/stock/%s" % sku,
                        token=w.biz)
                    if st.status == 200:
                        hf.call("DELETE", API + "/products/%d" %
                            st.json["data"]["product_id"], token=w.admin)
    for c, a in zip(cases, answers):
        if a.error is not None or a.status != 201:
            continue
        try:
            # bad bytes the service echoed (hole 9) must not hide the id
            d = json.loads(a.body.decode("utf-8", "replace"))["data"]
        except (ValueError, KeyError, TypeError):
            continue
        if not isinstance(d, dict) or not isinstance(d.get("id"), int):
            continue
        if c.route == "POST %s/products" % API:
            hf.call("DELETE", API + "/products/%d" % d["id"], token=w.admin)
        elif c.route == "POST %s/webhooks" % API:
            hf.call("DELETE", API + "/webhooks/%d" % d["id"], token=w.admin)
        elif c.route == "POST %s/stocktakes" % API:
            hf.call("POST", API + "/stocktakes/%d/cancel" % d["id"],
                token=w.admin)
    for sid in getattr(w, "stocktake", {}).values():
        hf.call("POST", API + "/stocktakes/%d/cancel" % sid, token=w.admin)
    for k in ("G", "S"):
        hf.call("DELETE", API + "/webhooks/%d" % w.webhook[k],
            token=w.admin)
    hf.call("DELETE", API + "/products/%d" % w.product["S"], token=w.admin)
    # the locations it made or changed go last in allocation order and
    # out of use, so later tests find 'main' the default location again
    d = _data("/locations", w.admin)
    for loc in d["items"]:
        if loc["code"].lower().startswith("t95-"):
            hf.call("PATCH", API + "/locations/%s" % loc["code"],
                {"priority": 1000000}, token=w.admin)
            hf.call("PATCH", API + "/locations/%s" % loc["code"],
                {"is_active": False}, token=w.admin)


def test_hostile_corpus_no_5xx_only_json_nothing_moves():
    hf.dev_script()     # worker restarts are part of the verdict
    routes = c_routes()
    schemas = c_schemas()
    w = build_world()
    cases, answers = [], []
    try:
        gen = Gen(w, routes, schemas)
        cases = gen.generate()
        # every query parameter a handler reads has cases
        covered = set()
        for spec in gen.specs.values():
            covered.update(spec["query"])
        missing = sorted(c_query_names() - covered)
        hf.check(not missing, "query parameters read in src/api/ without "
            "corpus cases: %s" % ", ".join(missing))
        hf.check(len(cases) >= MIN_CASES, "only %d cases (at least %d)"
            % (len(cases), MIN_CASES))
        t_gen = time.monotonic()
        create_pool(w)
        before = snapshot(w)
        print("hostile corpus: setup and %d pool SKUs in %.1f s"
            % (len(w.pool), time.monotonic() - t_gen))
        pids0, starts0 = _worker_state()

        t0 = time.monotonic()
        answers = run_cases(cases, w.creds)
        took = time.monotonic() - t0

        hf.wait_healthy(timeout=30, consecutive=3)
        pids1, starts1 = _worker_state()
        after = snapshot(w)
        recon = {}
        for sku in w.guarded_skus + w.scratch_skus + \
                [s for s, _ in w.pool]:
            d = hf.reconcile_api(sku, w.biz)
            if not d["ok"]:
                recon[sku] = d["mismatches"]
    finally:
        _cleanup(w, cases, answers)

    # ---- verdict per case, summary per category
    by_cat = collections.OrderedDict((c, {"n": 0, "st": collections.Counter(),
        "bad": 0, "front": 0, "5xx": 0, "json": 0}) for c in CATEGORIES)
    problems = collections.defaultdict(list)
    for c, a in zip(cases, answers):
        probs, front = check_answer(c, a)
        s = by_cat[c.cat]
        s["n"] += 1
        s["st"][a.status if a.error is None else "none"] += 1
        s["front"] += 1 if front else 0
        if probs:
            s["bad"] += 1
        kinds = set(k for k, _ in probs)
        s["5xx"] += "5xx" in kinds
        s["json"] += "non-JSON" in kinds
        for kind, detail in probs:
            problems[kind].append((c, a, detail))
    # the corpus without the run's names and ids (hex digits dropped from
    # the labels): the same every run
    listing = "\n".join("%s|%s|%s|%s|%s" % (c.cat, c.route, c.method,
        c.expect, re.sub(r"[0-9A-Fa-f]", "", c.label)) for c in cases)
    digest = hashlib.sha256(listing.encode("utf-8",
        "replace")).hexdigest()[:16]
    if os.environ.get("HOLDFAST_CORPUS_LIST"):
        with open(os.environ["HOLDFAST_CORPUS_LIST"], "w") as f:
            f.write(listing + "\n")
    print("hostile corpus: %d requests (%d refuse, %d any; seed %d, "
        "corpus %s) in %.1f s (%d threads)" % (len(cases),
        sum(c.expect == "refuse" for c in cases),
        sum(c.expect == "any" for c in cases), SEED, digest, took, THREADS))
    for cat, s in by_cat.items():
        sts = " ".join("%sx%d" % (k, v) for k, v in sorted(s["st"].items(),
            key=lambda kv: str(kv[0])))
        print("  %-15s %5d  5xx %3d  non-JSON %3d  failed %4d  front %3d  "
            "statuses %s" % (cat, s["n"], s["5xx"], s["json"], s["bad"],
            s["front"], sts))
    by_route, n_route = collections.Counter(), collections.Counter()
    for c, a in zip(cases, answers):
        by_route[c.route] += a.elapsed
        n_route[c.route] += 1
    print("  slowest routes: " + ", ".join("%s %.1f s/%d" % (k, v,
        n_route[k]) for k, v in by_route.most_common(6)))
    fives = sum(1 for c, a in zip(cases, answers)
        if a.error is None and a.status >= 500)
    print("  5xx: %d; worker pids %s -> %s; worker starts %s -> %s"
        % (fives, pids0, pids1, starts0, starts1))

    msgs = []
    for kind in sorted(problems):
        items = problems[kind]
        cats = collections.Counter(c.cat for c, _, _ in items)
        msgs.append("%d %s (%s)" % (len(items), kind, ", ".join(
            "%s %d" % kv for kv in sorted(cats.items()))))
        # one example per category and route, with how many share it
        groups = collections.OrderedDict()
        for c, a, detail in items:
            groups.setdefault((c.cat, c.route), []).append((c, a, detail))
        for (cat, route), g in groups.items():
            c, a, detail = g[0]
            body = a.body[:160] if a.error is None else b""
            labels = sorted(set(x.label[:40] for x, _, _ in g))
            msgs.append(_clip("  [%s] %s: %d case(s): %s\n"
                "      e.g. %s: %s\n      %s\n      -> %s %r" % (cat,
                route, len(g), "; ".join(labels[:8]) + (" ..." if
                len(labels) > 8 else ""), c.label, detail, c.describe(),
                a.status if a.error is None else a.error, body), 900))
    if pids0 is not None and pids0 != pids1:
        msgs.append("worker pids changed: %s -> %s" % (pids0, pids1))
    if starts0 is not None and starts1 is not None and starts1 != starts0:
        msgs.append("holdfast_worker_starts_total went %s -> %s"
            % (starts0, starts1))
    for k in before:
        if before[k] != after.get(k):
            b, a = before[k], after.get(k)
            if isinstance(b, dict) and isinstance(a, dict):
                diff = {x: (b.get(x), a.get(x)) for x in set(b) | set(a)
                    if b.get(x) != a.get(x)}
                msgs.append(_clip("guarded state changed: %s: %r" % (k,
                    diff), 400))
            else:
                msgs.append(_clip("guarded state changed: %s: %r -> %r"
                    % (k, b, a), 400))
    for sku, mm in recon.items():
        msgs.append("reconcile of %s not ok: %s" % (sku,
            json.dumps(mm)[:300]))
    if msgs:
        hf.fail("the hostile corpus found %d problem(s):\n  %s"
            % (sum(len(v) for v in problems.values()) + len(recon),
            "\n  ".join(msgs)))
