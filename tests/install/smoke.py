#!/usr/bin/env python3
"""Requests for the install stage (tests/install/run.sh): what an admin's
first day asks of an installed Holdfast, through nginx or Apache.

    smoke.py version URL HOST VERSION   GET /api/v1 names VERSION
    smoke.py smoke URL HOST             signed in: me, a product with stock,
                                        a reservation and its commit, a cover
                                        served by the web server, reconcile;
                                        unsigned: 401
    smoke.py seed URL HOST STATE        products, stock, a cover, a committed
                                        and an active reservation; writes
                                        STATE (JSON)
    smoke.py verify URL HOST STATE      the stock answers and the cover are
                                        those of STATE; reconcile clean
    smoke.py reconcile URL HOST STATE   reconcile clean for every SKU of STATE
    smoke.py load URL HOST STATE STOP   reservations, commits and restocks on
                                        STATE's SKUs until the file STOP
                                        exists; prints how many writes
    smoke.py expiring URL HOST STATE    a reservation of 1 s on STATE's first
                                        SKU; prints its id
    smoke.py reservation URL HOST ID    prints the reservation's status

Every request carries "Host: HOST" (the site's server_name). The admin is
$HOLDFAST_ADMIN_EMAIL / $HOLDFAST_ADMIN_PASSWORD; its access token is kept
in $HOLDFAST_TOKEN_FILE between runs (the login limit is 10 per e-mail in
15 minutes). Each check prints "ok NAME" or "FAIL NAME: why"; the exit
status is 1 when one failed.
"""

import base64
import hashlib
import http.client
import json
import os
import sys
import time
import uuid
from urllib.parse import urlsplit

FAILED = []

# 1x1 PNG
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGA"
    "WjR9awAAAABJRU5ErkJggg==")


class Http:
    def __init__(self, url, host):
        p = urlsplit(url)
        self.hostport = (p.hostname, p.port or 80)
        self.host = host
        self.token = None

    def call(self, method, path, body=None, headers=None, raw=False):
        h = {"Host": self.host, "Connection": "close"}
        data = None
        if body is not None:
            if isinstance(body, bytes):
                data = body
            else:
                data = json.dumps(body).encode()
                h["Content-Type"] = "application/json"
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        h.update(headers or {})
        for attempt in range(3):
            c = http.client.HTTPConnection(*self.hostport, timeout=20)
            try:
                c.request(method, path, body=data, headers=h)
                r = c.getresponse()
                payload = r.read()
                hdrs = {k.lower(): v for k, v in r.getheaders()}
                status = r.status
            finally:
                c.close()
            # the pool restarting answers 503 for a moment
            if status != 503 or attempt == 2:
                break
            time.sleep(1)
        if raw:
            return status, hdrs, payload
        try:
            doc = json.loads(payload.decode())
        except ValueError:
            doc = {"_raw": payload[:300].decode("utf-8", "replace")}
        return status, doc


def check(name, cond, detail=""):
    if cond:
        print("ok   %s" % name, flush=True)
    else:
        print("FAIL %s: %s" % (name, detail), flush=True)
        FAILED.append(name)
    return cond


def sign_in(h):
    tf = os.environ.get("HOLDFAST_TOKEN_FILE")
    if tf and os.path.exists(tf):
        with open(tf) as f:
            saved = json.load(f)
        if saved.get("until", 0) > time.time() + 60:
            h.token = saved["token"]
            st, doc = h.call("GET", "/api/v1/me")
            if st == 200:
                return
            h.token = None
    st, doc = h.call("POST", "/api/v1/auth/login", {
        "email": os.environ["HOLDFAST_ADMIN_EMAIL"],
        "password": os.environ["HOLDFAST_ADMIN_PASSWORD"]})
    if not check("admin signs in (POST /api/v1/auth/login)", st == 200,
            "%d %s" % (st, doc)):
        sys.exit(1)
    h.token = doc["data"]["access_token"]
    if tf:
        with open(tf, "w") as f:
            json.dump({"token": h.token, "until": time.time() +
                doc["data"].get("expires_in", 900)}, f)


def key():
    return "install-" + uuid.uuid4().hex


def new_product(h, qty, tag):
    sku = "INST-%s-%s" % (tag, uuid.uuid4().hex[:8].upper())
    st, doc = h.call("POST", "/api/v1/products", {
        "sku": sku, "name": "Install test %s" % sku, "price": "12.50",
        "initial_quantity": qty}, headers={"Idempotency-Key": key()})
    check("create product %s" % sku, st == 201, "%d %s" % (st, doc))
    return doc.get("data", {})


def stock(h, sku):
    st, doc = h.call("GET", "/api/v1/stock/%s" % sku)
    if st != 200:
        return {"status": st}
    d = doc["data"]
    return {k: d.get(k) for k in ("sku", "on_hand", "reserved", "available")}


def reconcile(h, sku):
    st, doc = h.call("GET", "/api/v1/stock/%s/reconcile" % sku)
    return check("reconcile %s clean" % sku, st == 200 and
        doc["data"].get("ok") is True, "%d %s" % (st, doc))


def reserve(h, sku, qty, ttl=900):
    st, doc = h.call("POST", "/api/v1/reservations", {
        "type": "cart", "ttl_seconds": ttl,
        "items": [{"sku": sku, "quantity": qty}]},
        headers={"Idempotency-Key": key()})
    return st, doc


def upload_cover(h, pid, body=PNG):
    st, doc = h.call("PUT", "/api/v1/products/%d/cover" % pid, body,
        headers={"Content-Type": "image/png"})
    check("cover upload (PUT /api/v1/products/%d/cover)" % pid,
        st == 200 and str(doc["data"].get("cover_url", "")).startswith(
            "/uploads/covers/"), "%d %s" % (st, doc))
    return doc.get("data", {}).get("cover_url")


def cover_served(h, url, body=PNG):
    st, hdrs, payload = h.call("GET", url, raw=True)
    return check("cover served by the web server (GET %s)" % url,
        st == 200 and payload == body, "%d, %d bytes, %s" % (st,
            len(payload), hdrs.get("content-type")))


def cmd_version(h, want):
    st, doc = h.call("GET", "/api/v1")
    check("GET /api/v1 answers version %s" % want, st == 200 and
        doc["data"].get("version") == want, "%d %s" % (st, doc))


def cmd_smoke(h):
    st, doc = h.call("GET", "/api/v1/me")
    check("unsigned GET /api/v1/me is 401", st == 401, "%d %s" % (st, doc))
    st, doc = h.call("GET", "/api/v1/health")
    check("health: database and redis ok", st == 200 and
        doc["data"].get("database") == "ok" and
        doc["data"].get("redis") == "ok", "%d %s" % (st, doc))
    sign_in(h)
    st, doc = h.call("GET", "/api/v1/me")
    check("signed-in GET /api/v1/me is 200 (Authorization reached the "
        "worker)", st == 200 and doc["data"].get("email") ==
        os.environ["HOLDFAST_ADMIN_EMAIL"], "%d %s" % (st, doc))
    p = new_product(h, 5, "SMOKE")
    if not p:
        return
    st, doc = reserve(h, p["sku"], 2)
    ok = check("reserve 2 of 5", st == 201, "%d %s" % (st, doc))
    if ok:
        rid = doc["data"]["reservations"][0]["id"]
        st, doc = h.call("POST", "/api/v1/reservations/%d/commit" % rid,
            headers={"Idempotency-Key": key()})
        check("commit the reservation", st == 200, "%d %s" % (st, doc))
    s = stock(h, p["sku"])
    check("stock after the commit: 3 on hand, 0 reserved",
        s.get("on_hand") == 3 and s.get("reserved") == 0, s)
    st, doc = reserve(h, p["sku"], 4)
    check("reserving 4 of 3 is 400 INV_002", st == 400 and
        doc.get("error") == "INV_002", "%d %s" % (st, doc))
    url = upload_cover(h, p["id"])
    if url:
        cover_served(h, url)
    reconcile(h, p["sku"])


def cmd_seed(h, path):
    sign_in(h)
    state = {"products": []}
    for i in range(3):
        p = new_product(h, 20 + i, "SEED")
        if not p:
            continue
        st, doc = reserve(h, p["sku"], 1)
        check("reserve on %s" % p["sku"], st == 201, "%d %s" % (st, doc))
        if st == 201:
            rid = doc["data"]["reservations"][0]["id"]
            st, doc = h.call("POST", "/api/v1/reservations/%d/commit" %
                rid, headers={"Idempotency-Key": key()})
            check("commit on %s" % p["sku"], st == 200, "%d %s" % (st, doc))
        st, doc = reserve(h, p["sku"], 2, ttl=86400)
        check("an active reservation on %s" % p["sku"], st == 201,
            "%d %s" % (st, doc))
        state["products"].append({"id": p["id"], "sku": p["sku"]})
    body = PNG + hashlib.sha256(uuid.uuid4().bytes).digest()
    url = upload_cover(h, state["products"][0]["id"], body)
    state["cover"] = {"url": url, "body": base64.b64encode(body).decode()}
    snapshot(h, state)
    with open(path, "w") as f:
        json.dump(state, f, indent=1)


def snapshot(h, state):
    state["stock"] = {p["sku"]: stock(h, p["sku"])
        for p in state["products"]}


def cmd_verify(h, path):
    with open(path) as f:
        state = json.load(f)
    sign_in(h)
    for p in state["products"]:
        s = stock(h, p["sku"])
        check("stock of %s as recorded" % p["sku"],
            s == state["stock"][p["sku"]], "now %s, recorded %s" %
            (s, state["stock"][p["sku"]]))
        reconcile(h, p["sku"])
    c = state.get("cover")
    if c and c.get("url"):
        cover_served(h, c["url"], base64.b64decode(c["body"]))


def cmd_record(h, path):
    """Rewrites STATE's stock answers with the current ones."""
    with open(path) as f:
        state = json.load(f)
    sign_in(h)
    snapshot(h, state)
    check("stock answers of %d SKUs recorded" % len(state["stock"]),
        all("on_hand" in v for v in state["stock"].values()),
        state["stock"])
    with open(path, "w") as f:
        json.dump(state, f, indent=1)


def cmd_reconcile(h, path):
    with open(path) as f:
        state = json.load(f)
    sign_in(h)
    for p in state["products"]:
        reconcile(h, p["sku"])


def cmd_load(h, path, stop):
    with open(path) as f:
        state = json.load(f)
    sign_in(h)
    skus = [p["sku"] for p in state["products"]]
    writes = errors = 0
    i = 0
    while not os.path.exists(stop):
        sku = skus[i % len(skus)]
        i += 1
        st, doc = reserve(h, sku, 1)
        if st == 201:
            writes += 1
            rid = doc["data"]["reservations"][0]["id"]
            st, doc = h.call("POST", "/api/v1/reservations/%d/commit" %
                rid, headers={"Idempotency-Key": key()})
            writes += st == 200
        else:
            errors += st not in (400,)
        st, doc = h.call("POST", "/api/v1/stock/%s/restock" % sku,
            {"quantity": 1, "reason": "install test load"},
            headers={"Idempotency-Key": key()})
        writes += st == 200
        errors += st != 200
        # under the general rate limit (600 a minute per token)
        time.sleep(0.3)
    print("load: %d writes, %d unexpected answers" % (writes, errors))
    check("load ran (writes while the backup ran)", writes > 0 and
        errors == 0, "%d writes, %d errors" % (writes, errors))


def cmd_expiring(h, path):
    with open(path) as f:
        state = json.load(f)
    sign_in(h)
    st, doc = reserve(h, state["products"][0]["sku"], 1, ttl=1)
    if check("a reservation of 1 s", st == 201, "%d %s" % (st, doc)):
        print(doc["data"]["reservations"][0]["id"])


def cmd_reservation(h, rid):
    sign_in(h)
    st, doc = h.call("GET", "/api/v1/reservations/%s" % rid)
    print(doc.get("data", {}).get("status", "HTTP %d" % st))


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, url, host = argv[1], argv[2], argv[3]
    rest = argv[4:]
    h = Http(url, host)
    cmds = {"version": cmd_version, "smoke": cmd_smoke, "seed": cmd_seed,
        "verify": cmd_verify, "record": cmd_record,
        "reconcile": cmd_reconcile, "load": cmd_load,
        "expiring": cmd_expiring, "reservation": cmd_reservation}
    if cmd not in cmds:
        print(__doc__, file=sys.stderr)
        return 2
    cmds[cmd](h, *rest)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
