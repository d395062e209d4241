"""The catalog assistant (issue 14, item 5): GET and POST /api/v1/assistant.

The stack's assistant talks to tests/fake_openai.py (./dev starts it on
DEV_AI_PORT and writes its URL, model and key into holdfast.conf), which
checks the shape of every request, keeps what it was sent (GET
/_requests) and answers a canned completion citing, as [n], every title
Holdfast numbered in its context.  POST /_mode switches how it answers:
garbage, a wrong shape, 429, 500, 500 then ok, slow (past the timeout);
"down" is the server stopped (./dev svc stop ai), "disabled" the pool
restarted with no assistant_url.

What is checked: the citations are the titles the catalog search finds
(GET /products?q=) with their availability now (GET /stock/{sku}); the
context the model got holds those titles and the reader's loans and
holds; each fault answers its own AI_ code as a JSON envelope within the
timeout plus a margin (time measured: a worker never hangs) and gives the
question back to the quota; the daily quota is exact under concurrent
questions; another reader's conversation is 404; an empty, blank, too
long or non-UTF-8 question is 422; the key is never in an answer, the
metrics or the log.
"""

import http.client
import json
import os
import re
import threading
import time
import urllib.request
import uuid

import hf
from urllib.parse import urlsplit

API = "/api/v1"
MARGIN = 2.0                # seconds past the configured timeout allowed


# ---------------------------------------------------------------- helpers

def _conf():
    c = hf.conf_values()
    if not c.get("assistant_url"):
        hf.skip("no assistant_url in the stack's holdfast.conf")
    return c


def _fake_base():
    m = re.match(r"(http://127\.0\.0\.1:\d+)", _conf()["assistant_url"])
    hf.check(m is not None, "assistant_url is not the local fake: %r"
        % _conf()["assistant_url"])
    return m.group(1)


def _fake(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(_fake_base() + path, data=data,
        method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read().decode())


def _mode(mode):
    _fake("POST", "/_mode", {"mode": mode})


def _reset():
    _fake("POST", "/_reset", {})


def _requests():
    return _fake("GET", "/_requests")


def _timeout_s():
    return int(_conf().get("assistant_timeout_ms", "30000")) / 1000.0


def _key():
    with open(os.path.join(hf.dev_var(), "secrets", "ai_key")) as f:
        return f.read().strip()


def _reader():
    return hf.verified_user(display_name="C4 reader")


def _ask(token, question, conversation_id=None, **kw):
    body = {"question": question}
    if conversation_id is not None:
        body["conversation_id"] = conversation_id
    return hf.call("POST", API + "/assistant", body, token=token, **kw)


def _timed_ask(token, question, **kw):
    t0 = time.monotonic()
    r = _ask(token, question, timeout=60, **kw)
    return r, time.monotonic() - t0


def _used(token):
    r = hf.call("GET", API + "/assistant", token=token)
    return hf.expect_success(r)["used_today"]


def _no_key(resp):
    hf.check(_key() not in resp.body.decode("utf-8", "replace"),
        "the assistant key is in an answer", resp)


def _word():
    return "zq" + uuid.uuid4().hex[:8]


# ---------------------------------------------------------------- tests

def test_status_enabled():
    c = _conf()
    u = _reader()
    r = hf.call("GET", API + "/assistant", token=u["access"])
    d = hf.expect_success(r)
    hf.expect_eq(d["enabled"], True, "enabled", r)
    hf.expect_eq(d["model"], c["assistant_model"], "model", r)
    hf.expect_eq(d["daily_quota"], int(c["assistant_daily_quota"]),
        "daily_quota", r)
    hf.expect_eq(d["used_today"], 0, "used_today of a new reader", r)
    hf.expect_error(hf.get(API + "/assistant"), 401, "AUTH_001")


def test_citations_are_the_search_results():
    _conf()
    _reset()
    word = _word()
    admin = hf.inv_admin()
    a = hf.new_product(3, name="%s Atlas of Rivers" % word,
        category="Geography")
    b = hf.new_product(0, name="%s Atlas of Mountains" % word,
        category="Geography")
    lent = hf.new_product(2, name="Loaned %s" % _word())
    held = hf.new_product(0, name="Waited %s" % _word())
    u = _reader()
    r = hf.call("POST", API + "/loans", {"items": [{"sku": lent["sku"]}]},
        token=u["access"])
    hf.expect_success(r, 201)
    r = hf.call("POST", API + "/holds", {"sku": held["sku"]},
        token=u["access"])
    hf.expect_success(r, 201)
    # one unit of a goes out: the citation shows 2, not the 3 it had
    hf.expect_success(hf.call("POST", API + "/stock/%s/deduct"
        % hf.sku_path(a["sku"]), {"quantity": 1, "reason": "c4"},
        token=admin))

    r = _ask(u["access"], "Which %s atlases do you have?" % word)
    d = hf.expect_success(r)
    _no_key(r)
    # what the catalog search finds for the word
    found = hf.expect_success(hf.get(API + "/products?q=%s&status=active"
        % word))["items"]
    want = {p["id"] for p in found}
    hf.expect_eq(want, {a["id"], b["id"]}, "search results", r)
    got = {c["product_id"]: c for c in d["citations"]}
    hf.expect_eq(set(got), want, "cited product ids", r)
    for pid, c in got.items():
        st = hf.stock_of(c["sku"])
        hf.expect_eq(c["available"], st["available"],
            "availability of %s" % c["sku"], r)
        hf.expect_eq(c["name"], next(p["name"] for p in found
            if p["id"] == pid), "cited name", r)
    hf.expect_eq(got[a["id"]]["available"], 2, "a's availability now", r)
    hf.expect_eq(got[b["id"]]["available"], 0, "b's availability", r)
    hf.check("[1]" in d["answer"] and "[2]" in d["answer"],
        "the answer cites [1] and [2]", r)
    hf.expect_eq(d["context"], {"titles": 2, "loans": 1, "holds": 1},
        "context counts", r)
    hf.check(d["conversation_id"] >= 1 and d["message_id"] >= 1,
        "ids", r)
    hf.expect_eq(d["quota"]["used"], 1, "quota used", r)

    # what the model was sent: its shape, the titles, the loans, the key
    seen = _requests()
    hf.expect_eq(seen["problems"], [], "shape problems the fake found")
    hf.expect_eq(len(seen["requests"]), 1, "requests to the model")
    req = seen["requests"][0]
    hf.expect_eq(req["headers"]["authorization_ok"], True,
        "Authorization: Bearer <key>")
    body = req["body"]
    hf.expect_eq(body["model"], _conf()["assistant_model"], "model sent")
    hf.expect_eq(body["stream"], False, "stream sent")
    hf.expect_eq(body["messages"][-1], {"role": "user", "content":
        "Which %s atlases do you have?" % word}, "last message")
    ctx = "\n".join(m["content"] for m in body["messages"]
        if m["role"] == "system")
    for p in (a, b):
        hf.check('"%s" (SKU %s, product %d' % (p["name"], p["sku"],
            p["id"]) in ctx, "title %s in the context" % p["sku"])
    hf.check(lent["name"] in ctx and lent["sku"] in ctx.split(
        "The reader's loans:")[1], "the reader's loan in the context")
    hf.check(held["name"] in ctx.split("The reader's holds:")[1],
        "the reader's hold in the context")
    for p in (a, b, lent, held):
        hf.expect_success(hf.call("GET", API + "/stock/%s/reconcile"
            % hf.sku_path(p["sku"]), token=admin))


def test_citations_only_what_the_answer_names():
    _conf()
    _reset()
    word = _word()
    hf.new_product(1, name="%s Chronicle" % word)
    u = _reader()
    # the fake answers without any [n]: no citations
    d = hf.expect_success(_ask(u["access"], "nocite %s" % word))
    hf.expect_eq(d["citations"], [], "no citation", None)
    hf.expect_eq(d["context"]["titles"], 1, "one title sent", None)
    # [99] and [0] name no title sent: left out
    d = hf.expect_success(_ask(u["access"], "cite99 %s" % word))
    hf.expect_eq(len(d["citations"]), 1, "only [1] cited", None)
    # nothing found: the model is still asked, with "(none)"
    d = hf.expect_success(_ask(u["access"], "nothing like %s here"
        % _word()))
    hf.expect_eq(d["citations"], [], "no title found", None)
    hf.check("(none)" in _requests()["requests"][-1]["body"]["messages"][1]
        ["content"], "an empty context says (none)")


def test_conversation_is_the_readers_own():
    _conf()
    _reset()
    word = _word()
    hf.new_product(1, name="%s Herbal" % word)
    u, v = _reader(), _reader()
    d = hf.expect_success(_ask(u["access"], "Any %s herbals?" % word))
    cid = d["conversation_id"]
    d2 = hf.expect_success(_ask(u["access"], "And the %s one?" % word,
        cid))
    hf.expect_eq(d2["conversation_id"], cid, "same conversation", None)
    msgs = _requests()["requests"][-1]["body"]["messages"]
    roles = [m["role"] for m in msgs]
    hf.expect_eq(roles, ["system", "system", "user", "assistant", "user"],
        "the earlier turn is sent", None)
    hf.expect_eq(msgs[3]["content"], d["answer"], "earlier answer", None)
    # another reader's conversation, one that does not exist: 404
    before = _used(v["access"])
    r = _ask(v["access"], "Any %s herbals?" % word, cid)
    hf.expect_error(r, 404, "AI_007")
    hf.expect_error(_ask(u["access"], "x y z", cid + 1000000), 404,
        "AI_007")
    hf.expect_eq(_used(v["access"]), before, "a refused question is free",
        r)
    # an API key is no reader
    r = _ask(hf.inv_business("tC4"), "Any %s herbals?" % word)
    hf.expect_error(r, 403, "AUTH_005")


def test_question_validation():
    _conf()
    u = _reader()
    t = u["access"]
    for q in ("", ):
        hf.expect_field_error(_ask(t, q), 422, "REQ_010", "question")
    hf.expect_field_error(_ask(t, "   \t\n "), 422, "REQ_010", "question")
    hf.expect_field_error(_ask(t, "x" * 2001), 422, "REQ_010", "question")
    hf.expect_field_error(_ask(t, "\u00e9" * 1001), 422, "REQ_010",
        "question")
    r = hf.call("POST", API + "/assistant", {}, token=t)
    hf.expect_field_error(r, 422, "REQ_010", "question")
    r = hf.call("POST", API + "/assistant", {"question": 5}, token=t)
    hf.expect_field_error(r, 422, "REQ_010", "question")
    r = hf.call("POST", API + "/assistant", {"question": "a",
        "conversation_id": 0}, token=t)
    hf.expect_field_error(r, 422, "REQ_010", "conversation_id")
    r = hf.call("POST", API + "/assistant", {"question": "a",
        "stream": "yes"}, token=t)
    hf.expect_field_error(r, 422, "REQ_010", "stream")
    r = hf.call("POST", API + "/assistant", {"question": "a",
        "model": "other"}, token=t)
    hf.expect_error(r, 400, "REQ_009")
    # raw bytes that are not UTF-8, and a NUL
    for raw in (b'{"question": "caf\xe9"}', b'{"question": "\xc0\xaf"}',
            b'{"question": "a\\u0000b"}'):
        r = hf.request("POST", API + "/assistant", raw, headers={
            "Content-Type": "application/json",
            "Authorization": "Bearer " + t})
        hf.expect_status(r, 400, 422)
        hf.expect_error_shape(r)
    hf.expect_eq(_used(t), 0, "refused questions are free", None)
    # at the cap: taken (and answered)
    hf.expect_success(_ask(t, "x" * 2000))
    hf.expect_success(_ask(t, "\u00e9" * 1000))


FAULTS = (
    # mode, status, code
    ("garbage", 502, "AI_005"),
    ("shape", 502, "AI_005"),
    ("500", 502, "AI_003"),
    ("429", 503, "AI_006"),
    ("429-long", 503, "AI_006"),
    ("slow", 504, "AI_004"),
)


def test_faults_answer_in_time_with_their_code():
    _conf()
    limit = _timeout_s() + MARGIN
    u = _reader()
    t = u["access"]
    try:
        for mode, status, code in FAULTS:
            _reset()
            _mode(mode)
            r, took = _timed_ask(t, "fault %s atlas" % mode)
            hf.expect_error(r, status, code)
            _no_key(r)
            hf.check(r.headers.get("Content-Type", "").startswith(
                "application/json"), "%s: a JSON answer" % mode, r)
            hf.check(took < limit, "%s: answered in %.2fs, over %.1fs"
                % (mode, took, limit), r)
            n = len(_requests()["requests"])
            # 5xx and 429 are retried once; garbage, shape and a read
            # that timed out are not
            want = 2 if mode in ("500", "429") else 1
            hf.expect_eq(n, want, "%s: requests to the model" % mode, r)
            if mode == "429":
                hf.expect_eq(r.headers.get("Retry-After"), "1",
                    "Retry-After of the model's 429", r)
            if mode == "429-long":
                hf.expect_eq(r.headers.get("Retry-After"), "120",
                    "Retry-After past the cap is passed on, not waited", r)
                hf.check(took < 1.5, "429-long: not waited (%.2fs)" % took,
                    r)
            hf.expect_eq(_used(t), 0, "%s: the question is given back"
                % mode, r)
        # one retry that works: 500 then ok, 429 (Retry-After 1) then ok
        for mode in ("500-then-ok", "429-then-ok"):
            _reset()
            _mode(mode)
            r, took = _timed_ask(t, "retry %s atlas" % mode)
            hf.expect_success(r)
            hf.check(took < limit, "%s: %.2fs" % (mode, took), r)
            hf.expect_eq(len(_requests()["requests"]), 2,
                "%s: two requests" % mode, r)
            if mode == "429-then-ok":
                hf.check(took >= 0.9, "Retry-After 1 was waited (%.2fs)"
                    % took, r)
    finally:
        _reset()
    # the workers are free: every one answers at once
    for _ in range(8):
        t0 = time.monotonic()
        hf.expect_success(hf.get(API + "/health"))
        hf.check(time.monotonic() - t0 < 2, "a worker is still busy")


def test_model_down():
    _conf()
    if not os.environ.get("HOLDFAST_DEV"):
        hf.skip("HOLDFAST_DEV not set (./dev svc stop ai)")
    u = _reader()
    with hf.service_stopped("ai"):
        r, took = _timed_ask(u["access"], "down atlas")
        hf.expect_error(r, 502, "AI_003")
        _no_key(r)
        hf.check(took < _timeout_s() + MARGIN, "down: %.2fs" % took, r)
        hf.expect_eq(_used(u["access"]), 0, "given back", r)
    _reset()
    hf.expect_success(_ask(u["access"], "up again atlas"))


def test_daily_quota_is_exact():
    c = _conf()
    limit = int(c["assistant_daily_quota"])
    _reset()
    u = _reader()
    t = u["access"]
    results = []
    lock = threading.Lock()

    def one(i):
        r = _ask(t, "quota %d atlas" % i, timeout=60)
        with lock:
            results.append(r)

    threads = [threading.Thread(target=one, args=(i,))
        for i in range(limit + 4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    ok = [r for r in results if r.status == 200]
    over = [r for r in results if r.status == 429]
    hf.expect_eq(len(ok), limit, "answered questions", results[0])
    hf.expect_eq(len(over), 4, "refused questions", results[0])
    for r in over:
        hf.expect_error(r, 429, "AI_002")
        ra = int(r.headers.get("Retry-After", "0"))
        hf.check(1 <= ra <= 86400, "Retry-After until midnight UTC: %d"
            % ra, r)
    hf.expect_eq(_used(t), limit, "used_today", None)
    hf.expect_eq(len(_requests()["requests"]), limit,
        "the model was asked once per answered question")
    # another reader is not affected
    hf.expect_success(_ask(_reader()["access"], "another reader atlas"))


def test_key_is_secret():
    _conf()
    key = _key()
    m = hf.call("GET", "/metrics")
    hf.check(key not in m.body.decode("utf-8", "replace"),
        "the key is in /metrics", m)
    r = hf.call("GET", API + "/assistant", token=_reader()["access"])
    _no_key(r)
    try:
        with open(os.path.join(hf.dev_var(), "log", "holdfast.log"),
                errors="replace") as f:
            log = f.read()
    except OSError:
        hf.skip("no worker log")
    hf.check(key not in log, "the key is in the worker log")


def test_disabled_is_503_and_hidden():
    _conf()
    if not os.environ.get("HOLDFAST_DEV"):
        hf.skip("HOLDFAST_DEV not set (the pool is restarted)")
    path = os.path.join(hf.dev_var(), "holdfast.conf")
    with open(path) as f:
        saved = f.read()
    st = os.stat(path)
    u = _reader()
    try:
        with open(path, "w") as f:
            f.write(re.sub(r"(?m)^assistant_url *=.*$", "assistant_url =",
                saved))
        os.chown(path, st.st_uid, st.st_gid)
        os.chmod(path, st.st_mode & 0o7777)
        hf.dev("svc", "restart", "pool")
        hf.wait_healthy(timeout=60)
        r = hf.call("GET", API + "/assistant", token=u["access"])
        d = hf.expect_success(r)
        hf.expect_eq(d["enabled"], False, "enabled", r)
        r = _ask(u["access"], "anything atlas")
        hf.expect_error(r, 503, "AI_001")
        # every 503 carries a Retry-After; this one ends with a config
        # change, not in seconds: an hour
        hf.expect_eq(r.headers.get("Retry-After"), "3600",
            "Retry-After of AI_001", r)
        hf.expect_eq(_used(u["access"]), 0, "nothing taken", r)
    finally:
        with open(path, "w") as f:
            f.write(saved)
        os.chown(path, st.st_uid, st.st_gid)
        os.chmod(path, st.st_mode & 0o7777)
        hf.dev("svc", "restart", "pool")
        hf.wait_healthy(timeout=60)
    hf.expect_eq(hf.expect_success(hf.call("GET", API + "/assistant",
        token=u["access"]))["enabled"], True, "enabled again", None)


# ---------------------------------------------------------------- streams

def _stream(token, body, accept="text/event-stream", base=None):
    """POST /assistant read as it comes: (status, headers, events, raw)
    where events are (seconds since the request, name, data)."""
    u = urlsplit(base or hf.base_url())
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    hdrs = {"Content-Type": "application/json",
        "Authorization": "Bearer " + token}
    if accept:
        hdrs["Accept"] = accept
    t0 = time.monotonic()
    conn.request("POST", API + "/assistant", json.dumps(body), hdrs)
    r = conn.getresponse()
    events, name, raw = [], None, b""
    if "text/event-stream" not in (r.getheader("Content-Type") or ""):
        raw = r.read()
    else:
        while True:
            line = r.fp.readline()
            if not line:
                break
            raw += line
            line = line.decode("utf-8").rstrip("\r\n")
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                events.append((time.monotonic() - t0, name,
                    json.loads(line[6:])))
            if name in ("done", "error") and events and \
                    events[-1][1] == name:
                break
    status, headers = r.status, dict(r.getheaders())
    conn.close()
    return status, headers, events, raw


def test_stream_when_asked():
    _conf()
    word = _word()
    p = hf.new_product(2, name="%s Bestiary" % word)
    u = _reader()
    try:
        for how in ("accept", "body"):
            _reset()
            _mode("stream-slow")
            body = {"question": "%s please" % word}
            if how == "body":
                body["stream"] = True
            st, hd, ev, raw = _stream(u["access"], body,
                accept="text/event-stream" if how == "accept" else None)
            hf.expect_eq(st, 200, "%s: status" % how)
            hf.check(hd.get("Content-Type", "").startswith(
                "text/event-stream"), "%s: Content-Type %r" % (how,
                hd.get("Content-Type")))
            names = [e[1] for e in ev]
            hf.check(len(names) >= 3 and set(names[:-1]) == {"delta"} and
                names[-1] == "done", "%s: events %r" % (how, names))
            done = ev[-1][2]
            text = "".join(e[2]["text"] for e in ev[:-1])
            hf.expect_eq(text, done["answer"], "%s: deltas = answer" % how)
            hf.expect_eq([c["product_id"] for c in done["citations"]],
                [p["id"]], "%s: citations" % how)
            hf.expect_eq(done["citations"][0]["available"], 2,
                "%s: availability" % how)
            # the first words came well before the last (0.35 s apart at
            # the model): nothing held them back on the way
            hf.check(ev[-1][0] - ev[0][0] > 0.6, "%s: the events came "
                "at once (first %.2fs, done %.2fs)" % (how, ev[0][0],
                ev[-1][0]))
            hf.check(_key().encode() not in raw, "the key is in a stream")
            req = _requests()["requests"][-1]
            hf.expect_eq(req["body"]["stream"], True, "stream asked of "
                "the model")
        # through Apache too (flushpackets=on on the assistant's ProxyPass)
        if hf.apache_url():
            _reset()
            _mode("stream-slow")
            st, hd, ev, raw = _stream(u["access"], {"question": "%s please"
                % word, "stream": True}, base=hf.apache_url())
            hf.expect_eq(st, 200, "apache: status")
            hf.expect_eq(ev[-1][1], "done", "apache: last event")
            hf.check(ev[-1][0] - ev[0][0] > 0.6, "apache: the events came "
                "at once (first %.2fs, done %.2fs)" % (ev[0][0], ev[-1][0]))
        # not asked: JSON, and the model is asked for JSON
        _reset()
        r = _ask(u["access"], "%s please" % word)
        hf.expect_success(r)
        hf.expect_eq(_requests()["requests"][-1]["body"]["stream"], False,
            "stream not asked")
        # a refusal before the first words is an ordinary JSON error
        _mode("500")
        st, hd, ev, raw = _stream(u["access"], {"question": "x atlas"})
        hf.expect_eq(st, 502, "a fault before any words")
        hf.expect_eq(json.loads(raw)["error"], "AI_003", "its code")
        # the model stalls after its first words: an error event in time
        _reset()
        _mode("stream-stall")
        used = _used(u["access"])
        t0 = time.monotonic()
        st, hd, ev, raw = _stream(u["access"], {"question": "stall "
            + word})
        took = time.monotonic() - t0
        hf.expect_eq(st, 200, "the stream had begun")
        hf.expect_eq(ev[-1][1], "error", "last event")
        hf.expect_eq(ev[-1][2]["error"], "AI_004", "error event's code")
        hf.expect_eq(ev[-1][2]["status"], 504, "error event's status")
        hf.check(took < _timeout_s() + MARGIN, "stall: %.2fs" % took)
        hf.expect_eq(_used(u["access"]), used, "given back")
    finally:
        _reset()
