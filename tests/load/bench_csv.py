#!/usr/bin/env python3
"""bench_csv.py: CSV in and out at size (issue 17, item 6; README "CSV").
Run through tests/load/bench-csv.sh against the ./dev up stack.

Import: a file of ROWS rows (default 100,000: ROWS/2 new products, each
at two locations, names with commas, quotes and non-ASCII), then
  - the floor: the same body POSTed with ?dry_run=maybe (nginx and the
    worker take the whole body, the handler refuses it unread: 422);
  - the dry run, the real run, and the same file again (a real run that
    finds nothing to do), each timed, with its report checked, the
    ledger rows counted (one restock per place with units, none more the
    second time) and a sample of SKUs reconciled.

Export: LEDGER ledger rows (default 1,000,000) put straight into the dev
database (INSERT ... SELECT FROM seq_1_to_N, one bench product, zero
deltas so reconcile stays clean, reasons with commas, quotes, a newline
and non-ASCII, dated in 2001 so that ?from=&to= picks exactly them);
then GET /api/v1/export/ledger.csv for that range, read as it streams,
while every worker's VmRSS (/proc/<pid>/status) is sampled every 0.1 s;
the worker that served it is the one whose CPU time grew most. The floor:
the same rows selected by the mariadb client. The bench rows are deleted
afterwards unless --keep.

    tests/load/bench-csv.sh [--rows N] [--ledger N] [--skip-import]
                            [--skip-export] [--keep]
"""

import argparse
import csv
import http.client
import io
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from urllib.parse import urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "api"))
import hf  # noqa: E402

API = "/api/v1"
HEADER = "sku,name,price,category,description,location,on_hand"


def out(msg):
    print(msg, flush=True)


def post_csv(body, query, timeout=3600):
    t0 = time.monotonic()
    r = hf.request("POST", API + "/import/products" + query, body=body,
        headers=hf.auth_header(hf.inv_admin()), content_type="text/csv",
        timeout=timeout)
    return r, time.monotonic() - t0


def ledger_rows(prefix):
    return int(hf.db_rows("SELECT COUNT(*) FROM ledger WHERE sku LIKE %s"
        % hf.sql_str(prefix + "%"), timeout=600)[0][0])


def questions():
    """Statements the stack's MariaDB has run (its own server: no other
    checkout's traffic is in it)."""
    return int(hf.db_rows("SHOW GLOBAL STATUS LIKE 'Questions'")[0][1])


def cpu_ticks(pids):
    return sum(proc_cpu(p) for p in pids)


def location(code):
    r = hf.call("POST", API + "/locations", {"code": code, "name":
        "bench " + code, "kind": "warehouse", "priority": 990000},
        token=hf.inv_admin())
    if r.status not in (201, 409):
        hf.fail("cannot make location %s" % code, r)


def bench_import(rows):
    tag = uuid.uuid4().hex[:6].upper()
    prefix = "BCSV-%s-" % tag
    loc2 = "bench-csv-b"
    location(loc2)
    rnd = random.Random(17)
    lines = [HEADER]
    with_units = 0
    for i in range(rows // 2):
        name = 'Bench item %d, "%s" \u00e9\u65e5' % (i, rnd.choice(("red",
            "blue", "green")))
        desc = "" if i % 4 else "two lines,\nwith a comma"
        cat = "Bench %d" % (i % 20)
        price = "%d.%02d" % (rnd.randrange(1000), rnd.randrange(100))
        for loc in ("main", loc2):
            q = rnd.randrange(0, 50)
            with_units += q > 0
            lines.append('%s%06d,"%s",%s,%s,"%s",%s,%d' % (prefix, i,
                name.replace('"', '""'), price, cat, desc, loc, q))
    body = ("\r\n".join(lines) + "\r\n").encode("utf-8")
    out("import: %d rows, %d products, %d places with units, %.1f MB" % (
        rows, rows // 2, with_units, len(body) / 1e6))

    r, floor = post_csv(body, "?dry_run=maybe")
    hf.expect_error(r, 422, "REQ_010")
    out("  floor (body through nginx into the worker, refused unread): "
        "%.2f s" % floor)
    times = {}
    pids = hf.worker_pids() + [int(x) for x in hf.dev("pids",
        "mariadb").split() if x.strip().isdigit()]
    hz = os.sysconf("SC_CLK_TCK")
    for label, query in (("dry run", "?dry_run=1"), ("real run", ""),
            ("same file again", "")):
        q0 = questions()
        c0 = cpu_ticks(pids)
        r, secs = post_csv(body, query)
        nq = questions() - q0
        cpu = (cpu_ticks(pids) - c0) / float(hz)
        rep = hf.expect_success(r)
        times[label] = secs
        hf.check(rep["ok"] and rep["rows"] == rows, "%s: %s" % (label,
            {k: rep[k] for k in ("ok", "rows", "error_count")}), r)
        if label == "same file again":
            hf.check(rep["unchanged"] == rows // 2 and
                rep["stock_changes"] == 0, "not idempotent: %r" % rep, r)
        else:
            hf.check(rep["created"] == rows // 2 and rep["stock_changes"]
                == with_units, "%s: %r" % (label, rep), r)
        out("  %-16s %7.2f s  (%.0f rows/s, %.1f x the floor)  created %d "
            "unchanged %d stock_changes %d chunks %d; %d SQL statements "
            "(%.1f a product); CPU of the workers and MariaDB %.1f s "
            "(load average %s)" % (label, secs, rows / secs, secs / floor,
            rep["created"], rep["unchanged"], rep["stock_changes"],
            rep["chunks"], nq, nq / (rows / 2.0), cpu,
            open("/proc/loadavg").read().split()[0]))
        if label == "real run":
            n = ledger_rows(prefix)
            hf.check(n == with_units, "ledger rows %d, want %d" % (n,
                with_units))
            out("  ledger rows written: %d (one restock per place with "
                "units); a chunk of 200 products held its locks %.2f s on "
                "average" % (n, secs / max(rep["chunks"], 1)))
    n = ledger_rows(prefix)
    hf.check(n == with_units, "ledger rows after the re-import %d" % n)
    for i in rnd.sample(range(rows // 2), 20):
        d = hf.reconcile_api("%s%06d" % (prefix, i))
        hf.check(d["ok"], "reconcile: %s" % d["mismatches"])
    out("  the same file again wrote no ledger row; 20 SKUs reconcile")
    return times


# ---------------------------------------------------------------- export

def proc_rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def proc_cpu(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            parts = f.read().rsplit(")", 1)[1].split()
        return int(parts[11]) + int(parts[12])
    except (OSError, IndexError, ValueError):
        return 0


class Sampler(threading.Thread):
    def __init__(self, pids, every=0.1):
        super().__init__(daemon=True)
        self.pids = pids
        self.every = every
        self.samples = {p: [] for p in pids}
        self.stop = False
        self.cpu0 = {p: proc_cpu(p) for p in pids}

    def run(self):
        while not self.stop:
            t = time.monotonic()
            for p in self.pids:
                kb = proc_rss_kb(p)
                if kb is not None:
                    self.samples[p].append((t, kb))
            time.sleep(self.every)

    def busiest(self):
        return max(self.pids, key=lambda p: proc_cpu(p) - self.cpu0[p])


def fill_ledger(n):
    sku = "BCSV-LEDGER-%s" % uuid.uuid4().hex[:6].upper()
    pid = hf.new_product(0, sku=sku, name="bench ledger")["id"]
    t0 = time.monotonic()
    hf.db_rows(
        "INSERT INTO ledger (product_id, sku, location_id, type, "
        "on_hand_delta, reserved_delta, on_hand_after, reserved_after, "
        "reference_type, reference_id, reason, actor, request_id, "
        "created_at) SELECT %d, %s, 1, 'adjust', 0, 0, 0, 0, 'manual', "
        "CONCAT('bench-', seq), CONCAT('count ', seq, ', \"recount\"', "
        "CHAR(10), 'by \u00e5sa \u65e5'), 'bench', NULL, "
        "TIMESTAMP('2001-01-01') + INTERVAL (seq * 10000) MICROSECOND "
        "FROM seq_1_to_%d" % (pid, hf.sql_str(sku), n), timeout=3600)
    out("export: %d ledger rows put in by SQL in %.1f s (product %s)" % (n,
        time.monotonic() - t0, sku))
    return sku, pid


def stream_export(path):
    """GET path as it streams: (status, bytes, rows, seconds)."""
    parts = urlsplit(hf.base_url())
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80,
        timeout=600)
    conn.request("GET", path, headers=hf.auth_header(hf.inv_admin()))
    t0 = time.monotonic()
    resp = conn.getresponse()
    total = lines = 0
    first = b""
    tail = b""
    while True:
        chunk = resp.read(1 << 16)
        if not chunk:
            break
        if len(first) < 4096:
            first += chunk[:4096]
        # a CRLF split between two reads counts once
        lines += chunk.count(b"\r\n") + (tail[-1:] == b"\r" and
            chunk[:1] == b"\n")
        tail = (tail + chunk)[-4096:]
        total += len(chunk)
    secs = time.monotonic() - t0
    conn.close()
    return resp.status, resp.getheader("Content-Type"), total, lines, \
        secs, first, tail


def bench_export(n, keep):
    sku, pid = fill_ledger(n)
    rng = "?from=2001-01-01T00:00:00Z&to=2002-01-01T00:00:00Z"
    try:
        # the floor: the same rows through the mariadb client
        cnf = os.path.join(hf.dev_var(), "mariadb", "my.cnf")
        t0 = time.monotonic()
        subprocess.run(["mariadb", "--defaults-file=" + cnf, "-uroot",
            "holdfast", "--quick", "-N", "-B", "-e",
            "SELECT l.id, l.created_at, l.sku, lo.code, l.type, "
            "l.on_hand_delta, l.reserved_delta, l.on_hand_after, "
            "l.reserved_after, l.reference_type, l.reference_id, l.reason, "
            "l.actor, l.request_id FROM ledger l JOIN locations lo ON "
            "lo.id = l.location_id WHERE l.created_at >= '2001-01-01' AND "
            "l.created_at < '2002-01-01' ORDER BY l.created_at, l.id"],
            stdout=subprocess.DEVNULL, check=True, timeout=3600)
        floor = time.monotonic() - t0
        out("  floor (the same SELECT by the mariadb client, --quick): "
            "%.1f s" % floor)
        pids = hf.worker_pids()
        s = Sampler(pids)
        s.start()
        time.sleep(0.5)
        status, ctype, total, lines, secs, first, tail = stream_export(
            API + "/export/ledger.csv" + rng)
        time.sleep(0.5)
        s.stop = True
        s.join()
        hf.check(status == 200 and ctype.startswith("text/csv"),
            "export answered %s %s" % (status, ctype))
        w = s.busiest()
        rss = [kb for _, kb in s.samples[w]]
        rows = list(csv.reader(io.StringIO(first.decode("utf-8",
            "replace").rsplit("\r\n", 1)[0], newline="")))
        hf.check(rows[0][0] == "id" and rows[1][11] ==
            'count 1, "recount"\nby \u00e5sa \u65e5',
            "the first row's reason: %r" % (rows[1:2],))
        # a row's reason has one CRLF-less LF, so lines count rows + header
        got = lines - 1
        hf.check(got == n, "rows exported %d, want %d" % (got, n))
        out("  GET /export/ledger.csv: %d rows, %.1f MB in %.1f s (%.0f "
            "rows/s, %.1f x the floor)" % (got, total / 1e6, secs, got /
            secs, secs / floor))
        tenth = max(len(rss) // 10, 1)
        out("  worker %d VmRSS (kB) every tenth of the export: %s" % (w,
            " ".join(str(x) for x in rss[::tenth])))
        out("  worker %d VmRSS: before %d, min %d, max %d, after %d kB "
            "(%d samples); the other workers' max: %s" % (w, rss[0],
            min(rss), max(rss), rss[-1], len(rss), ", ".join("%d" %
            max(kb for _, kb in s.samples[p]) for p in pids if p != w and
            s.samples[p])))
        grew = max(rss) - rss[0]
        hf.check(grew < 8 * 1024, "the worker grew by %d kB" % grew)
        out("  flat: the serving worker grew by at most %d kB while it "
            "streamed %.1f MB" % (grew, total / 1e6))
    finally:
        if not keep:
            hf.db_rows("DELETE FROM ledger WHERE product_id = %d" % pid,
                timeout=3600)
            hf.call("DELETE", API + "/products/%d" % pid,
                token=hf.inv_admin())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100000)
    ap.add_argument("--ledger", type=int, default=1000000)
    ap.add_argument("--skip-import", action="store_true")
    ap.add_argument("--skip-export", action="store_true")
    ap.add_argument("--keep", action="store_true",
        help="leave the bench ledger rows in the database")
    a = ap.parse_args()
    base = os.environ.get("HOLDFAST_URL") or "http://127.0.0.1:%s" % \
        os.environ.get("DEV_HTTP_PORT", "18080")
    hf.configure(base, dev=os.environ.get("HOLDFAST_DEV",
        os.path.join(REPO, "dev")))
    out("bench-csv against %s (load average %s)" % (base,
        open("/proc/loadavg").read().split()[0]))
    if not a.skip_import:
        bench_import(a.rows)
    if not a.skip_export:
        bench_export(a.ledger, a.keep)


if __name__ == "__main__":
    try:
        main()
    except hf.TestFailure as e:
        print("bench-csv: FAIL: %s" % e, file=sys.stderr)
        sys.exit(1)
