"""E-mail through the outbox (issue 3): with the SMTP sink down a sign-up
still succeeds, its message waits in `outbox`, and holdfast-notify delivers
it exactly once when the sink is back, even when two runs race.

Drives the stack through $HOLDFAST_DEV (skipped when unset) and always
starts the sink again."""

import os
import socket
import subprocess
import time
from urllib.parse import urlsplit

import hf


def _smtp_addr():
    url = hf.conf_values().get("smtp_url") or "smtp://127.0.0.1:%s" % (
        os.environ.get("DEV_SMTP_PORT") or "10025")
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 25


def _smtp_up():
    try:
        with socket.create_connection(_smtp_addr(), timeout=1) as s:
            s.settimeout(2)
            return s.recv(64).startswith(b"220")
    except OSError:
        return False


def _start_sink():
    hf.dev("svc", "start", "smtp")
    hf.wait_until(_smtp_up, 15, interval=0.1, what="the SMTP sink on %s:%d"
        % _smtp_addr())


def _outbox_rows(email):
    return hf.db_rows("SELECT id, attempts, last_error IS NOT NULL, "
        "delivered_at IS NOT NULL, dead_at IS NOT NULL FROM outbox "
        "WHERE channel = 'email' AND target = %s ORDER BY id"
        % hf.sql_str(email))


def _run_notify_twice():
    binary = hf.notify_binary()
    env = hf.notify_env()
    procs = [subprocess.Popen([binary], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE) for _ in range(2)]
    outs = []
    for p in procs:
        try:
            out, err = p.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            hf.fail("holdfast-notify did not finish in 60 s:\n%s"
                % err.decode("utf-8", "replace")[-1500:])
        outs.append((p.returncode, err.decode("utf-8", "replace")))
    for rc, err in outs:
        hf.check(rc == 0, "holdfast-notify exited %d:\n%s" % (rc,
            err[-1500:]))


def test_signup_with_smtp_down_is_delivered_once_by_notify_later():
    hf.dev_script()
    hf.notify_binary()
    if not _smtp_up():
        _start_sink()
    email = hf.unique_email("outbox")
    password = hf.new_password()
    hf.dev("svc", "stop", "smtp")
    try:
        hf.wait_until(lambda: not _smtp_up(), 10, interval=0.1,
            what="the SMTP sink to stop")
        t0 = time.monotonic()
        r = hf.register(email, password)
        took = time.monotonic() - t0
        data = hf.expect_success(r, 201)
        hf.expect_user(data.get("user"), r, email=email, status="pending")
        hf.check(took < 10, "register took %.1fs with SMTP down" % took, r)

        # the failed attempt is recorded (it may finish just after the reply)
        def failed_once():
            rows = _outbox_rows(email)
            if len(rows) == 1 and int(rows[0][1]) >= 1 and rows[0][2] == "1":
                return rows
            return None
        try:
            rows = hf.wait_until(failed_once, 10, interval=0.2,
                what="one undelivered outbox row with attempts >= 1 and "
                "last_error for %s" % email)
        except hf.TestFailure as e:
            hf.fail("%s\n  rows (id, attempts, has_error, delivered, dead): "
                "%r" % (e, _outbox_rows(email)))
        row_id = rows[0][0]
        hf.expect_eq(rows[0][3], "0", "outbox row delivered")
        hf.expect_eq(rows[0][4], "0", "outbox row dead")
        hf.expect_eq(hf.mails_to(email), [], "messages to %s while the sink "
            "was down" % email)
        r = hf.login(email, password)
        hf.expect_error(r, 403, "AUTH_008")
    finally:
        _start_sink()

    # test-only: make the row due now instead of after the backoff
    hf.db_rows("UPDATE outbox SET next_attempt_at = NOW(3) WHERE id = %s"
        % int(row_id))
    _run_notify_twice()

    mails = hf.mails_to(email)
    hf.check(len(mails) == 1, "%d messages to %s after two concurrent "
        "holdfast-notify runs, not 1" % (len(mails), email))
    rows = _outbox_rows(email)
    hf.check(len(rows) == 1 and rows[0][3] == "1",
        "the outbox row is not marked delivered: %r" % (rows,))
    # a later run sends nothing again
    _run_notify_twice()
    hf.expect_eq(len(hf.mails_to(email)), 1, "messages after a third and "
        "fourth run")

    code = hf.code_in(mails[0][1], mails[0][0])
    r = hf.post("/api/v1/auth/verify", {"email": email, "code": code})
    data = hf.expect_success(r)
    hf.expect_user(data.get("user"), r, email=email, status="active")
    hf.login_ok(email, password)


def test_signup_with_smtp_up_is_delivered_at_once():
    email = hf.unique_email("direct")
    r = hf.register(email, hf.new_password())
    hf.expect_success(r, 201)
    path, text = hf.wait_mail(email, timeout=5)
    hf.code_in(text, path)
    rows = hf.wait_until(lambda: [x for x in _outbox_rows(email)
        if x[3] == "1"], 5, what="the outbox row to be marked delivered")
    hf.expect_eq(len(_outbox_rows(email)), 1, "outbox rows for one sign-up")
    hf.check(rows, "no delivered row")
