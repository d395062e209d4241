"""Replica reads and failover (issue 16, items 3 and 4; README "Scale-out:
replicas and failover").

The first test runs in every ./dev test: without a replica, /metrics has
the replica counters and no replica gauges. The others need a replica
(db_replica_reads = on in the stack's holdfast.conf, as `./dev replica up`
and `./dev test replica` set it) and skip without one. The failover test
kills the primary: it runs only when HOLDFAST_REPLICA_FAILOVER=1 (`./dev
test replica` sets it) and leaves the stack on the promoted replica.
"""

import os
import re
import subprocess
import threading
import time

import hf


def _metrics():
    r = hf.get("/metrics")
    hf.expect_status(r, 200)
    out = {}
    for line in r.text.split("\n"):
        if not line or line.startswith("#"):
            continue
        name, _, value = line.rpartition(" ")
        try:
            out[name] = float(value)
        except ValueError:
            hf.fail("metrics line %r has no number" % line, r)
    return out


def _replica_on():
    return hf.conf_values().get("db_replica_reads") == "on"


def _need_replica():
    if not _replica_on():
        hf.skip("no replica reads in this stack (./dev replica up, "
            "./dev test replica)")
    hf.dev_script()


def _replica_dir():
    sock = hf.conf_values().get("db_replica_socket", "")
    # DEV_VAR/replica/run/mysqld.sock -> DEV_VAR/replica
    return os.path.dirname(os.path.dirname(sock))


def _replica_sql(sql, db="holdfast", rdir=None):
    cnf = os.path.join(rdir or _replica_dir(), "my.cnf")
    p = subprocess.run(["mariadb", "--defaults-file=" + cnf, "-uroot", db,
        "-N", "-B", "-e", sql], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise hf.TestFailure("replica: %s\n%s" % (sql, p.stderr))
    return [line.split("\t") for line in p.stdout.split("\n") if line]


def _primary_pos():
    return hf.db_rows("SELECT @@gtid_binlog_pos")[0][0] or ""


def _replica_caught_up(timeout=30):
    pos = _primary_pos()
    if pos:
        (row,) = _replica_sql("SELECT MASTER_GTID_WAIT(%s, %d)"
            % (hf.sql_str(pos), timeout))
        hf.expect_eq(row[0], "0", "MASTER_GTID_WAIT on the replica")


def _product(pid, token=None):
    r = hf.call("GET", "/api/v1/products/%s" % pid, token=token)
    return hf.expect_success(r), r


def _rename(pid, name, token):
    r = hf.call("PATCH", "/api/v1/products/%s" % pid, {"name": name},
        token=token)
    hf.expect_success(r)


# ---------------------------------------------------------------- always

def test_metrics_have_replica_counters_and_gauges_only_with_a_replica():
    m = _metrics()
    for name in ("holdfast_db_replica_reads_total",
                 "holdfast_db_replica_fallbacks_total"):
        hf.check(name in m, "/metrics has no %s" % name)
    if _replica_on():
        hf.expect_eq(m.get("holdfast_db_replica_up"), 1.0,
            "holdfast_db_replica_up with a replica configured")
    else:
        hf.check("holdfast_db_replica_up" not in m, "a replica gauge "
            "without a replica configured")


# ---------------------------------------------------------------- replica

def test_replica_lag_and_threads_are_exported():
    _need_replica()
    _replica_caught_up()

    def caught_up():
        m = _metrics()
        return m if m.get("holdfast_db_replica_lag_transactions") == 0 \
            else None
    m = hf.wait_until(caught_up, 10, what="replica lag 0 transactions")
    hf.expect_eq(m.get("holdfast_db_replica_up"), 1.0, "replica_up")
    hf.expect_eq(m.get("holdfast_db_replica_lag_seconds"), 0.0,
        "replica lag in seconds")
    hf.expect_eq(m.get('holdfast_db_replica_thread_running{thread="io"}'),
        1.0, "io thread running")
    hf.expect_eq(m.get('holdfast_db_replica_thread_running{thread="sql"}'),
        1.0, "sql thread running")


def test_catalog_reads_are_served_by_the_replica():
    _need_replica()
    admin = hf.inv_admin()
    p = hf.new_product(3, name="Primary name")
    _replica_caught_up()
    # a name only the replica has (not in its binary log): whoever reads
    # it was answered by the replica
    _replica_sql("SET SESSION sql_log_bin = 0; UPDATE products SET "
        "name = 'Replica only' WHERE id = %d" % p["id"])
    try:
        before = _metrics().get("holdfast_db_replica_reads_total", 0)
        got, r = _product(p["id"])
        hf.expect_eq(got["name"], "Replica only", "the product's name read "
            "back (the replica's)", r)
        r = hf.get("/api/v1/products?q=%s" % p["sku"])
        hf.expect_success(r)
        hf.check("Replica only" in r.text, "the list did not come from the "
            "replica", r)
        after = _metrics().get("holdfast_db_replica_reads_total", 0)
        hf.check(after >= before + 2, "holdfast_db_replica_reads_total "
            "went from %s to %s over two catalog reads" % (before, after))
    finally:
        _replica_sql("SET SESSION sql_log_bin = 0; UPDATE products SET "
            "name = 'Primary name' WHERE id = %d" % p["id"])
        _rename(p["id"], "Primary name again", admin)


def test_write_then_read_by_the_same_client_is_never_older():
    _need_replica()
    admin = hf.inv_admin()
    p = hf.new_product(50)
    sku = p["sku"]
    for i in range(15):
        name = "Edition %d" % i
        _rename(p["id"], name, admin)
        got, r = _product(p["id"], token=admin)
        hf.expect_eq(got["name"], name, "name right after the PATCH", r)
        r = hf.call("GET", "/api/v1/products?q=%s" % sku, token=admin)
        hf.expect_success(r)
        hf.check(name in r.text, "the list right after the PATCH shows an "
            "older name", r)
        r = hf.reserve([(sku, 1)], admin)
        hf.expect_success(r, 201)
        got, r = _product(p["id"], token=admin)
        hf.expect_eq(got["stock"]["reserved"], i + 1, "reserved right "
            "after the reservation", r)


def test_write_then_read_with_the_replica_sql_thread_stopped():
    _need_replica()
    admin = hf.inv_admin()
    p = hf.new_product(20)
    sku = p["sku"]
    _replica_caught_up()
    before = _metrics()
    _replica_sql("STOP SLAVE SQL_THREAD")
    try:
        # the replica receives (and acknowledges) but applies nothing
        _rename(p["id"], "Written while the replica stands still", admin)
        got, r = _product(p["id"], token=admin)
        hf.expect_eq(got["name"], "Written while the replica stands still",
            "name read back with the replica's SQL thread stopped", r)
        r = hf.reserve([(sku, 2)], admin)
        rid = hf.expect_success(r, 201)["reservations"][0]["id"]
        got, r = _product(p["id"], token=admin)
        hf.expect_eq(got["stock"]["reserved"], 2, "reserved read back", r)
        r = hf.call("GET", "/api/v1/reservations/%s" % rid, token=admin)
        hf.expect_eq(hf.expect_success(r)["status"], "active",
            "the reservation read back", r)
        r = hf.call("GET", "/api/v1/products?q=%s" % sku, token=admin)
        hf.expect_success(r)
        hf.check("Written while the replica stands still" in r.text,
            "the list shows an older name", r)
        m = _metrics()
        hf.check(m.get("holdfast_db_replica_fallbacks_total", 0) >
            before.get("holdfast_db_replica_fallbacks_total", 0),
            "no fallback to the primary counted")
        hf.expect_eq(m.get('holdfast_db_replica_thread_running'
            '{thread="sql"}'), 0.0, "sql thread running, stopped")
        hf.check(m.get("holdfast_db_replica_lag_transactions", 0) >= 1,
            "lag in transactions with the SQL thread stopped: %r"
            % m.get("holdfast_db_replica_lag_transactions"))
    finally:
        _replica_sql("START SLAVE SQL_THREAD")
    _replica_caught_up()
    got, r = _product(p["id"])
    hf.expect_eq(got["name"], "Written while the replica stands still",
        "name once the replica caught up", r)


# ---------------------------------------------------------------- failover

def _reserve_load(skus, token, stop, acked, errors):
    i = 0
    while not stop.is_set():
        sku = skus[i % len(skus)]
        i += 1
        try:
            r = hf.reserve([(sku, 1)], token)
        except Exception as e:  # a connection cut: not acknowledged
            errors.append(str(e))
            continue
        if 200 <= r.status < 300:
            acked.append((sku, r.json["data"]["reservations"][0]["id"]))
        else:
            errors.append(r.status)
            time.sleep(0.05)


def _set_conf(path, keys, drop_prefix):
    with open(path) as f:
        lines = f.read().split("\n")
    out = []
    for line in lines:
        k = line.split("=", 1)[0].strip()
        if k.startswith(drop_prefix) or k in keys:
            continue
        out.append(line)
    out += ["%s = %s" % kv for kv in keys.items()]
    st = os.stat(path)
    with open(path + ".new", "w") as f:
        f.write("\n".join(out) + "\n")
    os.chown(path + ".new", st.st_uid, st.st_gid)
    os.chmod(path + ".new", st.st_mode & 0o777)
    os.replace(path + ".new", path)


def test_failover_after_killing_the_primary_keeps_every_acked_reservation():
    _need_replica()
    if os.environ.get("HOLDFAST_REPLICA_FAILOVER") != "1":
        hf.skip("kills the primary: HOLDFAST_REPLICA_FAILOVER=1 "
            "(./dev test replica)")
    conf = os.environ.get("HOLDFAST_CONF") or os.path.join(hf.dev_var(),
        "holdfast.conf")
    token = hf.inv_business()
    rdir = _replica_dir()
    skus = [hf.new_product(100000)["sku"] for _ in range(3)]
    stop, acked, errors = threading.Event(), [], []
    threads = [threading.Thread(target=_reserve_load,
        args=(skus, token, stop, acked, errors)) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        hf.wait_until(lambda: len(acked) >= 40, 30, interval=0.05,
            what="40 reservations under load")
        (pid,) = [int(x) for x in hf.dev("pids", "mariadb").split()]
        exe = os.readlink("/proc/%d/exe" % pid)
        hf.check(exe.endswith("mariadbd"), "pid %d is %s" % (pid, exe))
        os.kill(pid, 9)
        n_at_kill = len(acked)
        time.sleep(1.5)
    finally:
        stop.set()
        for t in threads:
            t.join(60)
    hf.check(n_at_kill >= 40, "load did not run")

    print("# failover: %d reservation(s) acknowledged (%d at the kill), "
        "%d refused or cut" % (len(acked), n_at_kill, len(errors)))
    # the documented procedure: promote, point the config at it, reload
    env = dict(os.environ, HOLDFAST_CONF=conf, HOLDFAST_DB_USER="root",
        HOLDFAST_DB_PASSWORD="")
    admin_bin = os.path.join(hf.repo_root(), "build", "holdfast-admin")
    p = subprocess.run([admin_bin, "promote", "--wait", "60"], env=env,
        capture_output=True, text=True, timeout=120)
    hf.check(p.returncode == 0, "holdfast-admin promote exited %d:\n%s%s"
        % (p.returncode, p.stdout, p.stderr))
    hf.check(re.search(r"^promote: promoted: writable", p.stdout, re.M),
        "promote said: %s" % p.stdout)
    vals = hf.conf_values()
    _set_conf(conf, {"db_socket": vals["db_replica_socket"],
        "db_port": vals["db_replica_port"]}, "db_replica_")
    hf.dev("svc", "restart", "pool")
    hf.wait_healthy(timeout=60)

    # every acknowledged reservation is on the new primary, stock adds up
    ids = [rid for _, rid in acked]
    hf.check(len(set(ids)) == len(ids), "a reservation id answered twice")
    found = _replica_sql("SELECT COUNT(*) FROM reservations WHERE id IN "
        "(%s)" % ",".join(str(int(i)) for i in ids), rdir=rdir)
    hf.check(hf.conf_values()["db_socket"].startswith(rdir),
        "the app's db_socket is not the promoted replica's")
    hf.expect_eq(int(found[0][0]), len(ids), "acknowledged reservations "
        "on the promoted replica (of %d acked, %d errors during the kill)"
        % (len(ids), len(errors)))
    for rid in ids[-5:]:
        r = hf.call("GET", "/api/v1/reservations/%s" % rid, token=token)
        hf.expect_eq(hf.expect_success(r)["status"], "active",
            "an acknowledged reservation through the API", r)
    for sku in skus:
        rec = hf.reconcile_api(sku, token)
        hf.check(rec["ok"], "reconcile of %s after failover: %r" % (sku,
            rec))
        n = sum(1 for s, _ in acked if s == sku)
        r = hf.call("GET", "/api/v1/stock/%s" % sku, token=token)
        hf.check(hf.expect_success(r)["reserved"] >= n, "reserved below "
            "the %d acknowledged reservations of %s" % (n, sku), r)
    # and the new primary takes writes
    r = hf.reserve([(skus[0], 1)], token)
    hf.expect_success(r, 201)
