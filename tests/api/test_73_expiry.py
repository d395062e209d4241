"""Expiry (issue 4): an expired reservation is never committed, its units
come back before any cron run, and holdfast-expire releases each expired
reservation exactly once, even when two runs overlap."""

import calendar
import re
import time

import hf

EXPIRE_RE = re.compile(r"expire: (released|would release) (\d+), "
    r"skipped (\d+)")


def _biz():
    return hf.inv_business("t73")


def _reservation(rid):
    r = hf.call("GET", "/api/v1/reservations/%s" % rid, token=_biz())
    return hf.expect_success(r)


def _endings(sku, rid):
    """Ledger rows of sku that end reservation rid (deduct or release)."""
    return [x for x in hf.ledger_of(_biz(), sku=sku, reference_id=str(rid))
        if x["type"] in ("deduct", "release")]


def _wait_past(expires_at_iso, margin=0.3):
    """Sleep until a little after an ISO 8601 UTC instant (server clock,
    which is this host's clock)."""
    t = calendar.timegm(time.strptime(expires_at_iso[:19],
        "%Y-%m-%dT%H:%M:%S")) + float("0" + expires_at_iso[19:-1])
    delay = t + margin - time.time()
    if delay > 0:
        time.sleep(min(delay, 5))


def _one(sku, qty, ttl, **kw):
    r = hf.reserve([(sku, qty)], _biz(), ttl=ttl, **kw)
    (res,) = hf.expect_success(r, 201)["reservations"]
    return res


def test_expired_reservation_is_not_committed_and_its_units_return_at_once():
    sku = hf.new_product(5)["sku"]
    res = _one(sku, 5, 1)
    hf.expect_eq(hf.stock_of(sku, _biz())["available"], 0, "available "
        "while all 5 are reserved")
    time.sleep(1.2)
    _wait_past(res["expires_at"])

    r = hf.call("POST", "/api/v1/reservations/%s/commit" % res["id"],
        token=_biz())
    hf.expect_error(r, 400, "INV_003")
    s = hf.stock_of(sku, _biz())
    hf.expect_eq(s["on_hand"], 5, "on_hand after committing an expired "
        "reservation")
    hf.expect_eq([x for x in _endings(sku, res["id"]) if x["type"] ==
        "deduct"], [], "deduct rows for the expired reservation")

    # no cron has run: a reservation that needs those units still succeeds
    fresh = _one(sku, 5, 900)
    hf.expect_eq(_reservation(res["id"])["status"], "expired",
        "status of the expired reservation")
    ends = _endings(sku, res["id"])
    hf.expect_eq(len(ends), 1, "rows ending the expired reservation (%r)"
        % ends)
    hf.expect_eq({k: ends[0].get(k) for k in ("type", "reason",
        "on_hand_delta", "reserved_delta", "reference_type")},
        {"type": "release", "reason": "expired", "on_hand_delta": 0,
        "reserved_delta": -5, "reference_type": "reservation"},
        "the expiry's release row")
    s = hf.stock_of(sku, _biz())
    hf.expect_eq((s["on_hand"], s["reserved"], s["available"]), (5, 5, 0),
        "(on_hand, reserved, available) with the new reservation")
    hf.expect_eq(_reservation(fresh["id"])["status"], "active",
        "the new reservation")

    for action in ("commit", "release"):
        r = hf.call("POST", "/api/v1/reservations/%s/%s" % (res["id"],
            action), token=_biz())
        hf.check(r.status in (400, 409), "%s of an expired reservation "
            "answered %d" % (action, r.status), r)
        hf.expect_error_shape(r)
        hf.check(r.json.get("error") in ("INV_003", "INV_007"),
            "%s of an expired reservation: error %r" % (action,
            r.json.get("error")), r)
    hf.expect_eq(len(_endings(sku, res["id"])), 1, "rows ending the "
        "expired reservation after more attempts")
    hf.check(hf.reconcile_api(sku, _biz())["ok"], "reconcile not ok")


def test_commit_by_reference_with_an_expired_line_commits_nothing():
    a = hf.new_product(5)["sku"]
    b = hf.new_product(5)["sku"]
    ref = "exp-%s" % a
    ra = _one(a, 1, 1, reference_id=ref)
    rb = _one(b, 2, 900, reference_id=ref)
    time.sleep(1.2)
    _wait_past(ra["expires_at"])
    r = hf.call("POST", "/api/v1/reservations/commit", {"reference_id": ref},
        token=_biz())
    hf.expect_error(r, 400, "INV_003")
    hf.expect_eq(_reservation(rb["id"])["status"], "active",
        "the live line after a refused commit of its reference")
    s = hf.stock_of(b, _biz())
    hf.expect_eq((s["on_hand"], s["reserved"]), (5, 2), "(on_hand, "
        "reserved) of the live line's SKU")
    hf.expect_eq(_endings(b, rb["id"]), [], "rows ending the live line")


def test_dry_run_changes_nothing_and_two_expire_runs_release_each_once():
    hf.build_binary("holdfast-expire")
    sku = hf.new_product(50)["sku"]
    n = 30
    res = [_one(sku, 1, 1) for _ in range(n)]
    time.sleep(1.2)
    _wait_past(max(x["expires_at"] for x in res))

    before = (hf.stock_of(sku, _biz()),
        sorted(x["id"] for x in hf.ledger_of(_biz(), sku=sku)))
    p = hf.run_program("holdfast-expire", "--dry-run")
    hf.expect_eq(p.returncode, 0, "holdfast-expire --dry-run exit status "
        "(stderr %r)" % p.stderr[-500:])
    m = EXPIRE_RE.search(p.stdout)
    hf.check(m and m.group(1) == "would release", "--dry-run printed %r"
        % p.stdout[-300:])
    hf.check(int(m.group(2)) >= n, "--dry-run would release %s, but %d of "
        "this test's reservations are past expires_at" % (m.group(2), n))
    after = (hf.stock_of(sku, _biz()),
        sorted(x["id"] for x in hf.ledger_of(_biz(), sku=sku)))
    hf.expect_eq(after, before, "(stock, ledger ids) after --dry-run")
    active = hf.list_all("/api/v1/reservations?sku=%s&status=active"
        % hf.sku_path(sku), _biz())
    hf.expect_eq(sorted(x["id"] for x in active), sorted(x["id"] for x in
        res), "active reservations of the SKU after --dry-run")

    # small batches, so that the two runs meet over several rounds (100
    # rounds of 10 still reach this test's 30 behind others' leftovers)
    procs = [hf.start_program("holdfast-expire", "--batch", "10")
        for _ in range(2)]
    outs = []
    try:
        for proc in procs:
            out, err = proc.communicate(timeout=60)
            outs.append((proc.returncode, out, err))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    for rc, out, err in outs:
        hf.expect_eq(rc, 0, "holdfast-expire exit status (stdout %r, "
            "stderr %r)" % (out[-300:], err[-500:]))
        hf.check(EXPIRE_RE.search(out), "holdfast-expire printed %r"
            % out[-300:])

    wrong = []
    status_of = dict((x["id"], x["status"]) for x in hf.list_all(
        "/api/v1/reservations?sku=%s" % hf.sku_path(sku), _biz()))
    rows = hf.ledger_of(_biz(), sku=sku)
    for x in res:
        status = status_of.get(x["id"])
        ends = [e for e in rows if e["type"] in ("deduct", "release") and
            e["reference_id"] == str(x["id"])]
        if status != "expired" or len(ends) != 1 or \
                ends[0]["type"] != "release" or \
                ends[0]["reason"] != "expired":
            wrong.append("reservation %s: status %s, ending rows %r"
                % (x["id"], status, [(e["type"], e["reason"])
                for e in ends]))
    hf.check(not wrong, "after two overlapping holdfast-expire runs "
        "(outputs %r):\n  %s" % ([o[1].strip() for o in outs],
        "\n  ".join(wrong[:10])))
    s = hf.stock_of(sku, _biz())
    hf.expect_eq((s["on_hand"], s["reserved"]), (50, 0),
        "(on_hand, reserved) after expiry")
    data = hf.reconcile_api(sku, _biz())
    hf.check(data["ok"], "reconcile not ok: %r" % data["mismatches"])
    p = hf.run_program("holdfast-admin", "reconcile", "--sku", sku)
    hf.expect_eq(p.returncode, 0, "holdfast-admin reconcile --sku exit "
        "status (%r)" % (p.stdout[-300:] + p.stderr[-300:]))
