"""Issue 10, hole 12: a request that dies mid-way (its worker killed, or
the database stopped under it) must not block its idempotent retry: the
retry gets its answer within 5 s.  While the first request is alive, a
retry still gets 409 REQ_008 and the work is done once.

A request is made slow by holding its stock row: a root mariadb client of
our own runs SELECT ... FOR UPDATE in an open transaction, so the
worker's reservation waits on the row lock (innodb_lock_wait_timeout is
5 s in the workers' sessions).  These tests kill workers and stop
MariaDB: run them only against a stack that is yours."""

import os
import select
import signal
import subprocess
import threading
import time
import uuid

import hf


def _biz():
    return hf.inv_business("t99")


def _key():
    return "crash-%s" % uuid.uuid4().hex


def _replay_flag(resp):
    return (resp.headers.get("Idempotent-Replay") or "").strip().lower()


class RowLock:
    """A mariadb client holding the stock row of one product FOR UPDATE
    until release()."""

    def __init__(self, product_id):
        cnf = os.path.join(hf.dev_var(), "mariadb", "my.cnf")
        if not os.path.exists(cnf):
            hf.skip("no %s: cannot hold a row lock" % cnf)
        try:
            self.p = subprocess.Popen(["mariadb", "--defaults-file=" + cnf,
                "-uroot", "holdfast", "-N", "-B", "-n"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE)
        except FileNotFoundError:
            hf.skip("no mariadb client")
        self._send("SET SESSION innodb_lock_wait_timeout = 30;\n"
            "START TRANSACTION;\n"
            "SELECT 'locked', on_hand FROM stock WHERE product_id = %d "
            "FOR UPDATE;\n" % int(product_id))
        line = self._readline(10)
        if not line.startswith(b"locked"):
            self.release()
            raise hf.TestFailure("the row-lock client did not lock the "
                "stock row: %r" % line)

    def _send(self, text):
        self.p.stdin.write(text.encode())
        self.p.stdin.flush()

    def _readline(self, timeout):
        ready, _, _ = select.select([self.p.stdout], [], [], timeout)
        if not ready:
            return b""
        return self.p.stdout.readline()

    def release(self):
        if self.p.poll() is None:
            try:
                self._send("ROLLBACK;\n")
                self.p.stdin.close()
            except (BrokenPipeError, OSError):
                pass
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(5)


def _lock_waits():
    rows = hf.db_rows("SELECT COUNT(*) FROM information_schema.INNODB_TRX "
        "WHERE trx_state = 'LOCK WAIT'")
    return int(rows[0][0])


def _running_rows(key):
    return hf.db_rows("SELECT status FROM idempotency_keys WHERE idem_key "
        "= %s" % hf.sql_str(key))


class Background:
    """One request sent from a thread; .resp once it has an answer."""

    def __init__(self, fn):
        self.resp = None
        self.error = None

        def run():
            try:
                self.resp = fn()
            except Exception as e:  # reported by the test, not lost
                self.error = e
        self.t = threading.Thread(target=run)
        self.t.start()

    def join(self, timeout):
        self.t.join(timeout)
        hf.check(not self.t.is_alive(), "the background request did not "
            "end within %ds" % timeout)


def _start_blocked_reserve(sku, key):
    """Send a keyed reservation of one unit and wait until its worker is
    waiting for the held row (the key's row is 'running' by then)."""
    bg = Background(lambda: hf.reserve([(sku, 1)], _biz(),
        headers={"Idempotency-Key": key}, ))
    hf.wait_until(lambda: _lock_waits() > 0 and _running_rows(key), 4,
        interval=0.05, what="the keyed reservation to wait for the row lock")
    return bg


def _retry_until_answered(sku, key, deadline_s, since):
    """Retry the keyed reservation until it answers 201; 409 REQ_008 and a
    503 while workers come back are "not yet".  Returns (response, seconds
    since `since`)."""
    seen = []
    while True:
        r = hf.reserve([(sku, 1)], _biz(), headers={"Idempotency-Key": key})
        waited = time.monotonic() - since
        if r.status == 201:
            return r, waited
        if not ((r.status == 409 and isinstance(r.json, dict) and
                r.json.get("error") == "REQ_008") or r.status == 503):
            hf.fail("a retry after the crash got neither its answer nor "
                "409 REQ_008 / 503", r)
        seen.append(r.status)
        if waited > deadline_s:
            hf.fail("no answer for the retried key %.1fs after the crash "
                "(answers so far: %s)" % (waited, seen[-8:]), r)
        time.sleep(0.1)


def _after_checks(sku, key, answer):
    """One reservation of one unit, the key replays it, reconcile clean."""
    data = hf.expect_success(answer, 201)
    hf.expect_eq(len(data.get("reservations") or []), 1, "reservations in "
        "the answer", answer)
    s = hf.stock_of(sku, _biz())
    hf.expect_eq((s["on_hand"], s["reserved"]), (3, 1),
        "(on_hand, reserved) after the crash and the retry")
    again = hf.reserve([(sku, 1)], _biz(), headers={"Idempotency-Key": key})
    hf.expect_status(again, 201)
    hf.expect_eq(again.body, answer.body, "a later replay of the key",
        again)
    hf.expect_eq(_replay_flag(again), "true", "Idempotent-Replay", again)
    hf.expect_eq(_running_rows(key), [["done"]], "the key's row")
    rec = hf.reconcile_api(sku, _biz())
    hf.check(rec["ok"], "reconcile not ok: %r" % rec["mismatches"])


def test_retry_of_a_live_request_is_409_and_the_work_is_done_once():
    p = hf.new_product(3)
    sku, key = p["sku"], _key()
    lock = RowLock(p["id"])
    try:
        bg = _start_blocked_reserve(sku, key)
        # the first is alive (waiting): a retry must not run it again
        for _ in range(3):
            r = hf.reserve([(sku, 1)], _biz(),
                headers={"Idempotency-Key": key})
            hf.expect_error(r, 409, "REQ_008")
    finally:
        lock.release()
    bg.join(15)
    hf.check(bg.error is None, "the first request failed: %r" % bg.error)
    _after_checks(sku, key, bg.resp)


def test_retry_after_a_worker_is_killed_mid_request_answers_within_5s():
    hf.dev_script()
    hf.wait_healthy(timeout=30)
    p = hf.new_product(3)
    sku, key = p["sku"], _key()
    lock = RowLock(p["id"])
    try:
        bg = _start_blocked_reserve(sku, key)
        # the worker that serves it is one of these: kill them all
        victims = [pid for pid in hf.worker_pids() if hf.is_worker(pid)]
        hf.check(victims, "./dev pids workers listed no live worker")
        for pid in victims:
            os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
    finally:
        lock.release()
    bg.join(15)
    hf.check(bg.error is None, "the first request failed on the client "
        "side: %r" % bg.error)
    hf.check(bg.resp.status != 201, "the first request answered 201 "
        "although its worker was killed", bg.resp)
    hf.expect_eq(_running_rows(key), [["running"]], "the key's row after "
        "the crash (the claim the dead worker left)")
    answer, waited = _retry_until_answered(sku, key, 5.0, killed_at)
    _after_checks(sku, key, answer)
    hf.wait_healthy(timeout=30)


def test_retry_after_the_database_stopped_mid_request_answers_within_5s():
    hf.dev_script()
    hf.wait_healthy(timeout=30)
    p = hf.new_product(3)
    sku, key = p["sku"], _key()
    lock = RowLock(p["id"])
    try:
        bg = _start_blocked_reserve(sku, key)
        with hf.service_stopped("mariadb"):
            bg.join(20)
    finally:
        lock.release()
    hf.check(bg.error is None, "the first request failed on the client "
        "side: %r" % bg.error)
    hf.check(bg.resp.status != 201, "the first request answered 201 "
        "although the database went away under it", bg.resp)
    rows = _running_rows(key)
    if rows != [["running"]]:
        # the blocked request ended (and stored its answer) before the
        # stop reached it, on a loaded machine: no crash happened mid-way
        hf.skip("the first request finished before the database stopped "
            "(status %d, key row %r): not the scenario under test"
            % (bg.resp.status, rows))
    hf.expect_eq(rows, [["running"]], "the key's row after "
        "the database came back (the claim the failed request left)")
    back_at = time.monotonic()
    answer, waited = _retry_until_answered(sku, key, 5.0, back_at)
    _after_checks(sku, key, answer)
