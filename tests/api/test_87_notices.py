"""Loan notices (issue 6, library): holdfast-notify writes a due-date
reminder `reminder_days_before` days ahead (once per loan and due date)
and an overdue notice with a loan.overdue event (at most once per
`overdue_notice_interval_hours`), through the outbox, exactly once each
even when two copies of holdfast-notify run at once; a hold.ready e-mail
goes out once.  The messages are counted as .eml files of the dev SMTP
sink ($DEV_VAR/mail) for each test's own user.

Due dates (and the time of the last overdue notice) are moved with root
SQL on the stack's MariaDB: the only way to reach them without waiting."""

import re
import subprocess
import time

import hf
from hf import lend
from hf.lend import borrow_one

L = lend.Lending("t87")
_biz, new_user, reconciled = L.biz, L.new_user, L.reconciled


# ---------------------------------------------------------------- helpers

def notify_twice_at_once():
    """Two holdfast-notify runs started together; both must succeed."""
    binary = hf.notify_binary()
    env = hf.notify_env()
    procs = [subprocess.Popen([binary], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = []
    for p in procs:
        try:
            out, err = p.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            hf.fail("holdfast-notify did not finish in 120 s:\n%s"
                % err[-1500:])
        outs.append((p.returncode, out, err))
    for rc, out, err in outs:
        hf.check(rc == 0, "holdfast-notify exited %d:\n%s%s" % (rc,
            out[-500:], err[-1500:]))
        hf.check(re.search(r"notices: reminders \d+, overdue \d+", out),
            "holdfast-notify printed %r" % out[-300:])
    return outs


def notify_once():
    p = subprocess.run([hf.notify_binary()], env=hf.notify_env(),
        capture_output=True, text=True, timeout=120)
    hf.check(p.returncode == 0, "holdfast-notify exited %d:\n%s"
        % (p.returncode, p.stderr[-1500:]))


def mails(user, loan_id, marker):
    pat = re.compile(r"Loan %s\b" % loan_id)
    return [p for p, text in hf.mails_to(user["email"])
        if marker in text and pat.search(text)]


def settle(user, loan_id, marker, want):
    """Wait until want messages are there, then a little longer to be
    sure no more come; return the count."""
    hf.wait_until(lambda: len(mails(user, loan_id, marker)) >= want, 15,
        interval=0.2, what="%d %r e-mail(s) to %s" % (want, marker,
        user["email"]))
    time.sleep(0.5)
    return len(mails(user, loan_id, marker))


def overdue_events(loan_id):
    rows = hf.db_rows("SELECT DISTINCT JSON_VALUE(payload, '$.event_id') "
        "FROM outbox WHERE event_type = 'loan.overdue' AND channel = "
        "'webhook' AND JSON_VALUE(payload, '$.data.loan_id') = %d"
        % int(loan_id))
    return [r[0] for r in rows]


# ---------------------------------------------------------------- tests

def test_a_due_date_reminder_is_sent_once():
    days = hf.conf_int("reminder_days_before", 2)
    if days < 1:
        hf.skip("reminder_days_before is 0: no reminders")
    sku = hf.new_product(1)["sku"]
    u = new_user()
    loan = borrow_one(u, sku)
    notify_once()
    hf.expect_eq(len(mails(u, loan["id"], "a reminder")), 0, "reminders "
        "for a loan due in weeks")
    hf.db_rows("UPDATE loans SET due_at = NOW(3) + INTERVAL %d HOUR "
        "WHERE id = %d" % (days * 24 - 1, loan["id"]))
    notify_twice_at_once()
    hf.expect_eq(settle(u, loan["id"], "a reminder", 1), 1, "reminders "
        "after two runs at once")
    notify_twice_at_once()
    hf.expect_eq(settle(u, loan["id"], "a reminder", 1), 1, "reminders "
        "after two more runs")
    rows = hf.db_rows("SELECT reminder_sent_at IS NOT NULL FROM loans "
        "WHERE id = %d" % loan["id"])
    hf.expect_eq(rows, [["1"]], "reminder_sent_at set")

    # a renewal is a new due date: its reminder is sent again, once
    r = hf.call("POST", "/api/v1/loans/%s/renew" % loan["id"],
        token=u["token"])
    hf.expect_success(r)
    hf.db_rows("UPDATE loans SET due_at = NOW(3) + INTERVAL 1 HOUR "
        "WHERE id = %d" % loan["id"])
    notify_twice_at_once()
    hf.expect_eq(settle(u, loan["id"], "a reminder", 2), 2, "reminders "
        "after the renewal came due")
    reconciled(sku)


def test_an_overdue_notice_once_per_interval_with_an_event():
    sku = hf.new_product(1)["sku"]
    u = new_user()
    loan = borrow_one(u, sku)
    hf.db_rows("UPDATE loans SET due_at = NOW(3) - INTERVAL 3 DAY "
        "WHERE id = %d" % loan["id"])
    notify_twice_at_once()
    hf.expect_eq(settle(u, loan["id"], "is overdue", 1), 1, "overdue "
        "notices after two runs at once")
    hf.expect_eq(len(mails(u, loan["id"], "a reminder")), 0, "reminders "
        "for a loan already overdue")
    hf.expect_eq(len(overdue_events(loan["id"])), 1, "loan.overdue events")
    notify_twice_at_once()
    hf.expect_eq(settle(u, loan["id"], "is overdue", 1), 1, "overdue "
        "notices after two more runs within the interval")
    hf.expect_eq(len(overdue_events(loan["id"])), 1, "loan.overdue events "
        "within the interval")

    # one interval later (moved back with root SQL): exactly one more
    hours = hf.conf_int("overdue_notice_interval_hours", 24)
    hf.db_rows("UPDATE loans SET last_overdue_notice_at = "
        "last_overdue_notice_at - INTERVAL %d HOUR WHERE id = %d"
        % (hours, loan["id"]))
    notify_twice_at_once()
    hf.expect_eq(settle(u, loan["id"], "is overdue", 2), 2, "overdue "
        "notices one interval later")
    hf.expect_eq(len(overdue_events(loan["id"])), 2, "loan.overdue events "
        "one interval later")

    # returned: no more notices
    r = hf.call("POST", "/api/v1/loans/%s/return" % loan["id"],
        token=u["token"])
    hf.expect_success(r)
    hf.db_rows("UPDATE loans SET last_overdue_notice_at = NOW(3) - "
        "INTERVAL %d HOUR WHERE id = %d" % (hours + 1, loan["id"]))
    notify_once()
    hf.expect_eq(settle(u, loan["id"], "is overdue", 2), 2, "overdue "
        "notices after the return")
    reconciled(sku)


def test_a_hold_ready_email_is_sent_once():
    sku = hf.new_product(1)["sku"]
    a, b = new_user(), new_user()
    loan = borrow_one(a, sku)
    r = hf.call("POST", "/api/v1/holds", {"sku": sku}, token=b["token"])
    hold = hf.expect_success(r, 201)
    r = hf.call("POST", "/api/v1/loans/%s/return" % loan["id"],
        token=a["token"])
    hf.expect_success(r)
    pat = re.compile(r"Hold %s\b" % hold["id"])

    def ready():
        return [p for p, text in hf.mails_to(b["email"])
            if "ready for pickup" in text and pat.search(text)]

    notify_twice_at_once()
    hf.wait_until(lambda: ready(), 15, what="the hold.ready e-mail")
    time.sleep(0.5)
    hf.expect_eq(len(ready()), 1, "hold.ready e-mails")
    rows = hf.db_rows("SELECT COUNT(*) FROM outbox WHERE channel = 'email' "
        "AND event_type = 'hold.ready' AND target = %s AND delivered_at "
        "IS NOT NULL" % hf.sql_str(b["email"]))
    hf.expect_eq(rows, [["1"]], "delivered hold.ready outbox rows")
    reconciled(sku)
