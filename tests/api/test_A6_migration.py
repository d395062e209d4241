"""Issue 17, "Done when": the migration from one stock row per product to
stock per location (sql/009_locations.sql) keeps every answer and
reconciles clean, on a database made by the migrations before it and
filled with orders, loans and holds.

A scratch database in the stack's MariaDB is migrated with the files
before 009 only (holdfast-admin migrate --sql-dir), then filled with what
the service of that schema wrote for a history of restocks, cart
reservations (active, committed, released, expired, and one past its
time that no cron has ended yet), orders (pending, paid, refunded,
cancelled, expired), loans (active and returned) and holds (waiting and
ready): the same rows, with the after-values each change left. The old
invariants are checked on it, every answer is recorded, and then the
rest of sql/ is applied. After that:

- every row that was there is there unchanged, the ledger has as many
  rows, every row of it, every reservation and every loan is at `main`,
  every product's location_stock row at `main` equals its stock row;
- holdfast-admin reconcile is clean for every SKU, and check-sql prepares
  every statement against the migrated schema;
- a worker of this build, started on the scratch database (its own
  FastCGI socket, no Redis: a cache only), answers GET /stock, /ledger,
  /reservations, /orders, /loans and /holds as the rows were, and then
  goes on from there: it commits, pays, refunds, returns a loan (which
  fills the waiting hold), checks a hold out, frees the overdue
  reservation, and moves units at a new location; reconcile stays clean.
"""

import datetime
import hashlib
import json
import os
import secrets
import shutil
import socket
import struct
import subprocess
import tempfile
import urllib.parse

import hf

MIGRATION = "009_locations.sql"


# ------------------------------------------------------------ the database

def _cnf():
    cnf = os.path.join(hf.dev_var(), "mariadb", "my.cnf")
    if not os.path.exists(cnf):
        hf.skip("no %s: cannot make a scratch database" % cnf)
    return cnf


def _sql(db, sql, timeout=60):
    """Rows of sql (one or more statements) as root on database db
    (tab-separated strings, NULL as None)."""
    args = ["mariadb", "--defaults-file=" + _cnf(), "-uroot", "-N", "-B"]
    if db:
        args.append(db)
    try:
        p = subprocess.run(args, input=sql.encode(), capture_output=True,
            timeout=timeout)
    except FileNotFoundError:
        hf.skip("no mariadb client")
    if p.returncode != 0:
        raise hf.TestFailure("mariadb failed: %s\non: %s" % (
            p.stderr.decode("utf-8", "replace")[-800:], sql[:600]))
    rows = []
    for line in p.stdout.decode("utf-8", "replace").split("\n"):
        if line:
            rows.append([None if c == "NULL" else c
                for c in line.split("\t")])
    return rows


def _q(v):
    if v is None:
        return "NULL"
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("\\", "\\\\").replace("'", "''") + "'"


def _admin(env, *args, timeout=120):
    """holdfast-admin against the scratch database (env: HOLDFAST_*)."""
    conf = os.environ.get("HOLDFAST_CONF") or os.path.join(hf.dev_var(),
        "holdfast.conf")
    e = dict(os.environ, HOLDFAST_CONF=conf, **env)
    return subprocess.run([hf.build_binary("holdfast-admin")] + list(args),
        capture_output=True, text=True, timeout=timeout, env=e)


# ------------------------------------------- a history, as 001..008 kept it

T0 = datetime.datetime(2026, 1, 5, 9, 0, 0)


class History:
    """The rows the service of schema 008 wrote, one change at a time:
    stock rows with the ledger's after-values, reservations and their
    ending rows, orders, loans and holds. Ids are given, so that the
    answers can be named."""

    def __init__(self, actor):
        self.actor = actor
        self.sql = []
        self.stock = {}        # product id -> [on_hand, reserved]
        self.sku = {}
        self.ledger_id = 0
        self.res_id = 0
        self.clock = T0

    def at(self, minutes=1):
        self.clock += datetime.timedelta(minutes=minutes)
        return self.clock.strftime("%Y-%m-%d %H:%M:%S.000")

    def product(self, pid, sku, price="0.00", status="active", qty=0):
        when = self.at()
        self.sku[pid] = sku
        self.stock[pid] = [0, 0]
        self.sql.append("INSERT INTO products (id, sku, name, price, status, "
            "attributes, created_at) VALUES (%d, %s, %s, %s, %s, '{}', %s);"
            % (pid, _q(sku), _q("Migrated " + sku), price, _q(status),
            _q(when)))
        self.sql.append("INSERT INTO stock (product_id, warning_threshold, "
            "critical_threshold, location) VALUES (%d, 2, 1, %s);" % (pid,
            _q("shelf %d" % pid)))
        if qty:
            self.change(pid, "restock", qty, 0, "manual", None,
                "initial stock")

    def change(self, pid, type_, d_on, d_res, ref_type, ref_id, reason,
            res_id=None):
        s = self.stock[pid]
        s[0] += d_on
        s[1] += d_res
        assert 0 <= s[1] <= s[0], (pid, type_, s)
        self.ledger_id += 1
        self.sql.append("UPDATE stock SET on_hand = %d, reserved = %d, "
            "version = version + 1 WHERE product_id = %d;" % (s[0], s[1],
            pid))
        self.sql.append("INSERT INTO ledger (id, product_id, sku, type, "
            "on_hand_delta, reserved_delta, on_hand_after, reserved_after, "
            "reference_type, reference_id, reservation_id, reason, actor, "
            "request_id, created_at) VALUES (%d, %d, %s, %s, %d, %d, %d, "
            "%d, %s, %s, %s, %s, %s, %s, %s);" % (self.ledger_id, pid,
            _q(self.sku[pid]), _q(type_), d_on, d_res, s[0], s[1],
            _q(ref_type), _q(None if ref_id is None else str(ref_id)),
            _q(res_id), _q(reason), _q(self.actor),
            _q("a6mig%06d" % self.ledger_id), _q(self.at())))

    def reserve(self, pid, qty, type_="cart", origin="api", ref=None,
            ttl_min=60 * 24 * 365 * 70, ref_type="reservation", ref_id=None,
            reason=None):
        self.res_id += 1
        rid = self.res_id
        created = self.at()
        expires = (self.clock + datetime.timedelta(minutes=ttl_min)
            ).strftime("%Y-%m-%d %H:%M:%S.000")
        self.sql.append("INSERT INTO reservations (id, product_id, type, "
            "origin, reference_id, quantity, expires_at, created_by, "
            "created_at) VALUES (%d, %d, %s, %s, %s, %d, %s, %s, %s);" % (
            rid, pid, _q(type_), _q(origin), _q(ref or "cart-%d" % rid),
            qty, _q(expires), _q(self.actor), _q(created)))
        self.change(pid, "reserve", 0, qty, ref_type,
            rid if ref_id is None else ref_id, reason or type_, res_id=rid)
        return rid

    def end(self, rid, pid, qty, how, ref_type="reservation", ref_id=None):
        when = self.at()
        self.sql.append("UPDATE reservations SET status = %s, ended_at = %s "
            "WHERE id = %d;" % (_q(how), _q(when), rid))
        commit = how == "committed"
        self.change(pid, "deduct" if commit else "release",
            -qty if commit else 0, -qty, ref_type,
            rid if ref_id is None else ref_id, how if ref_type ==
            "reservation" else {"committed": "paid", "released":
            "cancelled", "expired": "expired"}[how], res_id=rid)


def _fill(h, users):
    """Products 1..7, and what a shop and a library did with them."""
    u1, u2, u3, u4 = users
    # 1: a library book: two copies lent, one returned, whose return made
    # the first hold ready; a second hold still waits
    h.product(1, "A6M-BOOK", qty=2)
    h.sql.append("INSERT INTO loans (id, user_id, product_id, sku, due_at, "
        "created_at) VALUES (1, %d, 1, 'A6M-BOOK', %s, %s);" % (u2,
        _q("2026-02-01 00:00:00"), _q(h.at())))
    h.change(1, "deduct", -1, 0, "loan", 1, "loan")
    h.sql.append("INSERT INTO loans (id, user_id, product_id, sku, due_at, "
        "created_at) VALUES (2, %d, 1, 'A6M-BOOK', %s, %s);" % (u3,
        _q("2099-02-01 00:00:00"), _q(h.at())))
    h.change(1, "deduct", -1, 0, "loan", 2, "loan")
    h.sql.append("INSERT INTO holds (id, user_id, product_id, created_at) "
        "VALUES (1, %d, 1, %s);" % (u1, _q(h.at())))
    h.sql.append("INSERT INTO holds (id, user_id, product_id, created_at) "
        "VALUES (2, %d, 1, %s);" % (u4, _q(h.at())))
    h.sql.append("UPDATE loans SET status = 'returned', returned_at = %s "
        "WHERE id = 1;" % _q(h.at()))
    h.change(1, "restock", 1, 0, "loan", 1, "return")
    rid = h.reserve(1, 1, type_="hold", origin="hold", ref="hold:1",
        ttl_min=60 * 24 * 365 * 80, reason="hold")
    h.sql.append("UPDATE holds SET status = 'ready', reservation_id = %d, "
        "ready_at = %s, pickup_until = '2099-01-01 00:00:00' WHERE id = 1;"
        % (rid, _q(h.at())))
    # 2 and 3: a shop's products and its orders in every state
    h.product(2, "A6M-MUG", price="12.50", qty=10)
    h.product(3, "A6M-TEA", price="4.00", qty=6)
    orders = []

    def order(oid, status, lines, user):
        ref = "ord_a6mig%04d" % oid
        created = h.at()
        h.sql.append("INSERT INTO orders (id, user_id, created_by, status, "
            "total, reference_id, expires_at, created_at) VALUES (%d, %d, "
            "%s, 'pending_payment', %s, %s, '2099-01-01 00:00:00', %s);" % (
            oid, user, _q("user:%d" % user), _q("%.2f" % sum(
            q * {2: 12.5, 3: 4.0}[p] for p, q in lines)), _q(ref),
            _q(created)))
        rids = []
        for n, (pid, qty) in enumerate(lines):
            rid = h.reserve(pid, qty, type_="order", origin="order", ref=ref,
                ttl_min=60 * 24 * 365 * 80, ref_type="order", ref_id=oid,
                reason="order")
            rids.append(rid)
            price = {2: "12.50", 3: "4.00"}[pid]
            h.sql.append("INSERT INTO order_lines (id, order_id, product_id, "
                "sku, quantity, unit_price, line_total, reservation_id) "
                "VALUES (%d, %d, %d, %s, %d, %s, %s, %d);" % (oid * 10 + n,
                oid, pid, _q(h.sku[pid]), qty, price, "%.2f" %
                (qty * float(price)), rid))
        if status in ("paid", "refunded"):
            for (pid, qty), rid in zip(lines, rids):
                h.end(rid, pid, qty, "committed", "order", oid)
            h.sql.append("UPDATE orders SET status = 'paid', paid_at = %s "
                "WHERE id = %d;" % (_q(h.at()), oid))
        if status == "refunded":
            for pid, qty in lines:
                h.change(pid, "restock", qty, 0, "order", oid, "refund")
            h.sql.append("UPDATE orders SET status = 'refunded', "
                "refunded_at = %s WHERE id = %d;" % (_q(h.at()), oid))
        if status in ("cancelled", "expired"):
            for (pid, qty), rid in zip(lines, rids):
                h.end(rid, pid, qty, "released" if status == "cancelled"
                    else "expired", "order", oid)
            h.sql.append("UPDATE orders SET status = %s, %s = %s WHERE id = "
                "%d;" % (_q(status), "cancelled_at", _q(h.at()), oid))
        orders.append((oid, status, lines))

    order(1, "pending_payment", [(2, 2), (3, 1)], u2)
    order(2, "paid", [(2, 3)], u3)
    order(3, "refunded", [(2, 1), (3, 2)], u2)
    order(4, "cancelled", [(3, 1)], u3)
    order(5, "expired", [(2, 1)], u4)
    # 4: carts: active, committed, released, expired; and an adjust
    h.product(4, "A6M-PEN", qty=8)
    h.reserve(4, 1, ref="cart-keep")
    r = h.reserve(4, 2, ref="cart-buy")
    h.end(r, 4, 2, "committed")
    r = h.reserve(4, 1, ref="cart-drop")
    h.end(r, 4, 1, "released")
    r = h.reserve(4, 1, ref="cart-late")
    h.end(r, 4, 1, "expired")
    h.change(4, "adjust", -1, 0, "manual", None, "broken")
    # 5: nothing ever in stock
    h.product(5, "A6M-NONE")
    # 6: in maintenance, with stock
    h.product(6, "A6M-FIX", status="maintenance", qty=3)
    # 7: a cart reservation past its time that no cron has ended
    h.product(7, "A6M-LATE", qty=2)
    h.reserve(7, 2, ref="cart-overdue", ttl_min=1)
    return orders


# the columns of 008 whose values the migration must keep
COLUMNS = {
    "stock": "product_id, on_hand, reserved, available, warning_threshold, "
        "critical_threshold, level, location, is_active, low_state, version",
    "ledger": "id, product_id, sku, type, on_hand_delta, reserved_delta, "
        "on_hand_after, reserved_after, reference_type, reference_id, "
        "reservation_id, reason, actor, request_id, created_at",
    "reservations": "id, product_id, type, origin, reference_id, quantity, "
        "status, expires_at, created_by, created_at, ended_at",
    "orders": "id, user_id, status, total, reference_id, paid_at, "
        "refunded_at",
    "order_lines": "id, order_id, product_id, sku, quantity, unit_price, "
        "line_total, reservation_id",
    "loans": "id, user_id, product_id, sku, status, due_at, returned_at",
    "holds": "id, user_id, product_id, status, reservation_id, pickup_until",
}


def _answers(db):
    return {t: _sql(db, "SELECT %s FROM %s ORDER BY 1" % (cols, t))
        for t, cols in COLUMNS.items()}


def _old_reconcile(db):
    """Invariants 1 to 4 of design.md on schema 008, in SQL: what
    holdfast-admin reconcile checked before stock had places."""
    bad = _sql(db, """
        SELECT s.product_id, 'sums' FROM stock s
        LEFT JOIN (SELECT product_id, SUM(on_hand_delta) o,
            SUM(reserved_delta) r FROM ledger GROUP BY product_id) g
            ON g.product_id = s.product_id
        LEFT JOIN (SELECT product_id, SUM(quantity) q FROM reservations
            WHERE status = 'active' GROUP BY product_id) a
            ON a.product_id = s.product_id
        WHERE s.reserved < 0 OR s.reserved > s.on_hand
            OR COALESCE(g.o, 0) <> s.on_hand OR COALESCE(g.r, 0) <> s.reserved
            OR COALESCE(a.q, 0) <> s.reserved
        UNION ALL
        SELECT r.id, 'endings' FROM reservations r
        WHERE (SELECT COUNT(*) FROM ledger g WHERE g.reservation_id = r.id
            AND g.type IN ('deduct', 'release'))
            <> IF(r.status = 'active', 0, 1)""")
    hf.check(not bad, "the filled 008 database does not reconcile (the "
        "fill is wrong, not the migration): %r" % bad)


# ------------------------------------------- a worker on the scratch database

class FcgiWorker:
    """One holdfast-fcgi of this build on its own FastCGI socket, talking
    to the scratch database; requests are sent as nginx would send them."""

    def __init__(self, env, tmp):
        self.path = os.path.join(tmp, "fcgi.sock")
        self.lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.lsock.bind(self.path)
        self.lsock.listen(16)
        conf = os.environ.get("HOLDFAST_CONF") or os.path.join(
            hf.dev_var(), "holdfast.conf")
        e = dict(os.environ, HOLDFAST_CONF=conf, **env)
        self.proc = subprocess.Popen([hf.build_binary("holdfast-fcgi")],
            stdin=self.lsock.fileno(), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, env=e, close_fds=True)
        self.req_id = 0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.lsock.close()

    @staticmethod
    def _record(type_, rid, content):
        out = b""
        while True:
            chunk, content = content[:65535], content[65535:]
            out += struct.pack("!BBHHBx", 1, type_, rid, len(chunk), 0) + \
                chunk
            if not content:
                return out

    @staticmethod
    def _pairs(params):
        out = b""
        for k, v in params.items():
            k, v = k.encode(), v.encode()
            for n in (len(k), len(v)):
                out += struct.pack("!B", n) if n < 128 else \
                    struct.pack("!I", n | 0x80000000)
            out += k + v
        return out

    def call(self, method, path, body=None, token=None):
        if self.proc.poll() is not None:
            raise hf.TestFailure("the scratch worker exited with %r"
                % self.proc.returncode)
        self.req_id = self.req_id % 60000 + 1
        data = b"" if body is None else json.dumps(body).encode()
        uri = urllib.parse.urlsplit(path)
        params = {"REQUEST_METHOD": method, "REQUEST_URI": path,
            "DOCUMENT_URI": uri.path, "QUERY_STRING": uri.query,
            "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_LENGTH": str(len(data)), "GATEWAY_INTERFACE": "CGI/1.1"}
        if body is not None:
            params["CONTENT_TYPE"] = "application/json"
        if token:
            params["HTTP_AUTHORIZATION"] = "Bearer " + token
        rid = self.req_id
        msg = self._record(1, rid, struct.pack("!HB5x", 1, 0))
        msg += self._record(4, rid, self._pairs(params))
        msg += self._record(4, rid, b"")
        if data:
            msg += self._record(5, rid, data)
        msg += self._record(5, rid, b"")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(30)
        try:
            s.connect(self.path)
            s.sendall(msg)
            buf, out = b"", b""
            while True:
                while len(buf) < 8 or len(buf) < 8 + struct.unpack(
                        "!HB", buf[4:7])[0] + buf[6]:
                    got = s.recv(65536)
                    if not got:
                        raise hf.TestFailure("the scratch worker closed "
                            "the connection mid-answer")
                    buf += got
                _, type_, _, clen, plen = struct.unpack("!BBHHB", buf[:7])
                content, buf = buf[8:8 + clen], buf[8 + clen + plen:]
                if type_ == 6:
                    out += content
                elif type_ == 3:
                    break
        finally:
            s.close()
        head, _, payload = out.partition(b"\r\n\r\n")
        status = 200
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"status:"):
                status = int(line.split()[1])
        try:
            doc = json.loads(payload.decode())
        except ValueError:
            doc = None
        return status, doc


def _ok(worker, key, method, path, body=None, status=200):
    st, doc = worker.call(method, path, body, key)
    hf.check(st == status and isinstance(doc, dict) and "data" in doc,
        "scratch worker: %s %s -> %d (expected %d): %s" % (method, path, st,
        status, json.dumps(doc)[:800]))
    return doc["data"]


# ------------------------------------------------------------------- the test

def test_009_keeps_every_answer_and_reconciles_a_filled_008_database():
    tag = secrets.token_hex(4)
    db = "hf_a6mig_" + tag
    user, pw = "hf_a6mig_" + tag, secrets.token_hex(16)
    sqldir = os.path.join(hf.repo_root(), "sql")
    files = sorted(f for f in os.listdir(sqldir)
        if f[:3].isdigit() and f.endswith(".sql"))
    hf.check(MIGRATION in files, "no sql/%s" % MIGRATION)
    before = [f for f in files if f < MIGRATION]
    env = {"HOLDFAST_DB_NAME": db, "HOLDFAST_DB_USER": user,
        "HOLDFAST_DB_PASSWORD": pw}
    tmp = tempfile.mkdtemp(prefix="hf-a6mig-")
    worker = None
    _sql(None, "CREATE DATABASE %s; CREATE USER '%s'@'localhost' "
        "IDENTIFIED BY '%s'; GRANT ALL PRIVILEGES ON %s.* TO "
        "'%s'@'localhost';" % (db, user, pw, db, user))
    try:
        # 1. the schema of today's installations: every file before 009
        old = os.path.join(tmp, "sql")
        os.mkdir(old)
        for f in before:
            shutil.copy(os.path.join(sqldir, f), old)
        p = _admin(env, "migrate", "--sql-dir", old)
        hf.check(p.returncode == 0, "migrate 001..008: %s" % (p.stdout +
            p.stderr)[-800:])
        hf.expect_eq(p.stdout.strip().split("\n")[-1], "migrate: %d "
            "applied" % len(before), "migrate's last line")
        hf.check(not _sql(db, "SHOW TABLES LIKE 'location%'"),
            "the 008 schema has location tables already")

        # 2. filled as the service of 008 filled it
        _sql(db, "INSERT INTO users (id, email, password_hash, role, "
            "status) VALUES (1, 'a6-admin@example.test', 'x', 'admin', "
            "'active'), (2, 'a6-u2@example.test', 'x', 'user', 'active'), "
            "(3, 'a6-u3@example.test', 'x', 'user', 'active'), "
            "(4, 'a6-u4@example.test', 'x', 'user', 'active');")
        key = "hfk_" + secrets.token_hex(32)
        _sql(db, "INSERT INTO api_keys (id, name, role, key_prefix, "
            "key_hash) VALUES (1, 'a6 migration', 'admin', %s, %s);" % (
            _q(key[:12]), _q(hashlib.sha256(key.encode()).hexdigest())))
        h = History("key:1")
        orders = _fill(h, (1, 2, 3, 4))
        _sql(db, "SET time_zone = '+00:00';\n" + "\n".join(h.sql))
        _old_reconcile(db)
        before_answers = _answers(db)
        nledger = len(before_answers["ledger"])
        hf.expect_eq(nledger, h.ledger_id, "ledger rows written")
        counts = _sql(db, "SELECT (SELECT COUNT(*) FROM orders), "
            "(SELECT COUNT(*) FROM loans), (SELECT COUNT(*) FROM holds), "
            "(SELECT COUNT(DISTINCT status) FROM reservations)")[0]
        hf.expect_eq(counts, ["5", "2", "2", "4"], "orders, loans, holds, "
            "reservation states in the 008 database")

        # 3. the upgrade: the rest of sql/, as an installation runs it
        p = _admin(env, "migrate", "--sql-dir", sqldir)
        hf.check(p.returncode == 0, "migrate 009..: %s" % (p.stdout +
            p.stderr)[-800:])
        hf.check("applied %s" % MIGRATION in p.stdout, "migrate did not "
            "apply %s: %s" % (MIGRATION, p.stdout))

        after = _answers(db)
        for t in COLUMNS:
            hf.expect_eq(after[t], before_answers[t], "%s rows after the "
                "migration (the columns 008 had)" % t)
        hf.expect_eq(_sql(db, "SELECT id, code, is_active, frozen_by FROM "
            "locations"), [["1", "main", "1", None]], "locations")
        hf.expect_eq(_sql(db, "SELECT COUNT(*), SUM(location_id = 1) FROM "
            "ledger"), [[str(nledger), str(nledger)]], "ledger rows, and "
            "those at main (no ledger row written, every one main's)")
        for t in ("reservations", "loans"):
            hf.expect_eq(_sql(db, "SELECT COUNT(*) FROM %s WHERE "
                "location_id <> 1" % t), [["0"]], "%s not at main" % t)
        hf.expect_eq(_sql(db, "SELECT COUNT(*) FROM holds WHERE "
            "pickup_location_id IS NOT NULL"), [["0"]], "holds with a "
            "pickup branch")
        places = _sql(db, "SELECT s.product_id, ls.location_id, ls.on_hand, "
            "ls.reserved, ls.available, s.on_hand, s.reserved, s.available "
            "FROM stock s LEFT JOIN location_stock ls ON ls.product_id = "
            "s.product_id ORDER BY s.product_id, ls.location_id")
        hf.expect_eq(len(places), len(h.stock), "one place per product")
        for row in places:
            hf.expect_eq(row[1:5], ["1"] + row[5:8], "product %s: its "
                "place at main vs its stock row" % row[0])

        p = _admin(env, "reconcile")
        hf.check(p.returncode == 0 and "MISMATCH" not in p.stdout,
            "holdfast-admin reconcile after the migration: %s" % (p.stdout +
            p.stderr)[-1500:])
        hf.expect_eq(p.stdout.strip().split("\n")[-1], "reconcile: %d "
            "SKU(s) checked, 0 mismatch(es)" % len(h.stock),
            "reconcile's summary")
        p = _admin(env, "check-sql")
        hf.check(p.returncode == 0, "check-sql on the migrated scratch "
            "database: %s" % (p.stdout + p.stderr)[-1500:])

        # 4. the service of this build answers as the rows were
        worker = FcgiWorker(dict(env, HOLDFAST_REDIS_SOCKET=os.path.join(
            tmp, "no-redis.sock"), HOLDFAST_LOG_FILE=os.path.join(tmp,
            "worker.log"), HOLDFAST_METRICS_FILE=os.path.join(tmp,
            "metrics"), HOLDFAST_UPLOAD_DIR=tmp), tmp)
        hf.wait_until(lambda: worker.call("GET", "/api/v1/health")[0] ==
            200, 15, what="the scratch worker to answer /health")
        _answers_through_the_service(worker, key, h, orders)

        # 5. and goes on from there, every move at main until a new place
        _moves_through_the_service(worker, key, h, orders)
        p = _admin(env, "reconcile")
        hf.check(p.returncode == 0 and "MISMATCH" not in p.stdout,
            "holdfast-admin reconcile after the moves: %s" % (p.stdout +
            p.stderr)[-1500:])
        hf.expect_eq(_sql(db, "SELECT COUNT(*) FROM ledger WHERE id <= %d"
            % nledger), [[str(nledger)]], "the migrated ledger rows")
    finally:
        if worker is not None:
            worker.stop()
        _sql(None, "DROP DATABASE IF EXISTS %s; DROP USER IF EXISTS "
            "'%s'@'localhost';" % (db, user))
        shutil.rmtree(tmp, ignore_errors=True)


def _answers_through_the_service(w, key, h, orders):
    for pid, (on, res) in sorted(h.stock.items()):
        sku = h.sku[pid]
        s = _ok(w, key, "GET", "/api/v1/stock/%s" % sku)
        hf.expect_eq((s["on_hand"], s["reserved"], s["available"]),
            (on, res, on - res), "GET /stock/%s after the migration" % sku)
        hf.expect_eq(s["location"], "shelf %d" % pid, "%s: its shelf "
            "label" % sku)
        hf.expect_eq(s["locations"], [{"location": "main", "on_hand": on,
            "reserved": res, "available": on - res}], "%s: its places" % sku)
        rec = _ok(w, key, "GET", "/api/v1/stock/%s/reconcile" % sku)
        hf.check(rec["ok"], "GET /stock/%s/reconcile: %r" % (sku,
            rec["mismatches"]))
        rows = _ok(w, key, "GET", "/api/v1/ledger?sku=%s&per_page=100"
            % sku)["items"]
        hf.check(all(r["location"] == "main" for r in rows),
            "%s: ledger rows not at main: %r" % (sku, rows))
        if rows:
            hf.expect_eq((rows[0]["on_hand_after"],
                rows[0]["reserved_after"]), (on, res), "%s: the newest "
                "ledger row's after-values" % sku)
    rs = _ok(w, key, "GET", "/api/v1/reservations?per_page=100")["items"]
    hf.expect_eq(len(rs), h.res_id, "reservations listed")
    hf.check(all(r["location"] == "main" for r in rs), "reservations not "
        "at main: %r" % rs)
    for oid, status, lines in orders:
        o = _ok(w, key, "GET", "/api/v1/orders/%d" % oid)
        hf.expect_eq(o["status"], status, "order %d's status" % oid)
        hf.expect_eq(sorted((ln["sku"], ln["quantity"], ln["location"])
            for ln in o["lines"]), sorted((h.sku[p], q, "main")
            for p, q in lines), "order %d's lines" % oid)
    loans = _ok(w, key, "GET", "/api/v1/loans?per_page=100")["items"]
    hf.expect_eq(sorted((x["id"], x["status"], x["location"]) for x in loans),
        [(1, "returned", "main"), (2, "active", "main")], "loans")
    holds = _ok(w, key, "GET", "/api/v1/holds?per_page=100")["items"]
    hf.expect_eq(sorted((x["id"], x["status"]) for x in holds),
        [(1, "ready"), (2, "waiting")], "holds")


def _moves_through_the_service(w, key, h, orders):
    def stock(sku):
        s = _ok(w, key, "GET", "/api/v1/stock/%s" % sku)
        return s["on_hand"], s["reserved"], {x["location"]: (x["on_hand"],
            x["reserved"]) for x in s["locations"]}

    # the cart kept before the upgrade is committed at main
    r = _ok(w, key, "POST", "/api/v1/reservations/commit",
        {"reference_id": "cart-keep"})
    hf.expect_eq([(x["status"], x["location"]) for x in r["reservations"]],
        [("committed", "main")], "cart-keep committed")
    hf.expect_eq(stock("A6M-PEN"), (4, 0, {"main": (4, 0)}), "A6M-PEN")
    # the pending order is paid; the paid one refunded back to main
    o = _ok(w, key, "POST", "/api/v1/orders/1/pay")
    hf.expect_eq(o["status"], "paid", "order 1 paid")
    o = _ok(w, key, "POST", "/api/v1/orders/2/refund")
    hf.expect_eq(o["status"], "refunded", "order 2 refunded")
    # mug: 10 - 3 (order 2) - 1 + 1 (order 3) - 2 (order 1) + 3 (refund)
    hf.expect_eq(stock("A6M-MUG"), (8, 0, {"main": (8, 0)}), "A6M-MUG")
    # the loan out before the upgrade comes back to main, where it fills
    # the hold that waited; the ready hold is checked out there
    ln = _ok(w, key, "POST", "/api/v1/loans/2/return")
    hf.expect_eq((ln["status"], ln["location"]), ("returned", "main"),
        "loan 2 returned")
    holds = {x["id"]: x for x in _ok(w, key, "GET",
        "/api/v1/holds?per_page=100")["items"]}
    hf.expect_eq((holds[1]["status"], holds[2]["status"]), ("ready",
        "ready"), "holds after the return")
    c = _ok(w, key, "POST", "/api/v1/holds/1/checkout", None, status=201)
    loan = c["loan"]
    hf.expect_eq(loan.get("location"), "main", "the loan a checkout made: "
        "%r" % c)
    hf.expect_eq(stock("A6M-BOOK"), (1, 1, {"main": (1, 1)}), "A6M-BOOK")
    # the overdue cart is freed when someone asks for its units
    r = _ok(w, key, "POST", "/api/v1/reservations", {"type": "cart",
        "items": [{"sku": "A6M-LATE", "quantity": 2}]}, status=201)
    hf.expect_eq([x["location"] for x in r["reservations"]], ["main"],
        "the new reservation's place")
    # a new place: units restocked there, allocation takes main first and
    # then the new one for what main has not
    _ok(w, key, "POST", "/api/v1/locations", {"code": "branch-1",
        "name": "Branch", "kind": "branch"}, status=201)
    _ok(w, key, "POST", "/api/v1/stock/A6M-TEA/restock", {"quantity": 5,
        "location": "BRANCH-1"})
    r = _ok(w, key, "POST", "/api/v1/reservations", {"type": "cart",
        "allow_split": True, "items": [{"sku": "a6m-tea", "quantity": 7}]},
        status=201)
    got = sorted((x["location"], x["quantity"]) for x in r["reservations"])
    # tea at main: 6, less 2 sold and refunded by order 3, less 1 paid
    # (order 1): 5, all free; neither place has 7, so it splits
    hf.expect_eq(got, [("branch-1", 2), ("main", 5)], "a split reservation")
    hf.expect_eq(stock("A6M-TEA"), (10, 7, {"main": (5, 5),
        "branch-1": (5, 2)}), "A6M-TEA")
    for pid in sorted(h.stock):
        rec = _ok(w, key, "GET", "/api/v1/stock/%s/reconcile" % h.sku[pid])
        hf.check(rec["ok"], "GET /stock/%s/reconcile after the moves: %r"
            % (h.sku[pid], rec["mismatches"]))
