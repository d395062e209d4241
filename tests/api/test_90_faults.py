"""Faults: Redis down, MariaDB down and back, a worker killed.

These drive the stack through $HOLDFAST_DEV (skipped when unset), always
restore what they stopped, and wait until the stack is healthy again.
Run them only against a stack that is yours."""

import os
import time

import hf


def _health():
    return hf.get("/api/v1/health", timeout=10)


def _retry_after_ok(r):
    ra = r.headers.get("Retry-After")
    hf.check(ra is not None, "no Retry-After header on the 503", r)
    hf.check(ra.strip().isdigit() and int(ra) > 0,
        "Retry-After %r is not a positive number of seconds" % ra, r)


def test_health_stays_200_and_reports_redis_down_while_redis_stopped():
    with hf.service_stopped("redis"):
        def redis_down():
            r = _health()
            hf.expect_not_5xx(r)
            data = hf.expect_success(r)
            return r if data.get("redis") == "down" else None
        r = hf.wait_until(redis_down, 5, interval=0.1,
            what="health to say redis down")
        hf.expect_eq(r.json["data"].get("database"), "ok", "data.database",
            r)
        # every worker, not just the first to notice, keeps serving
        for _ in range(10):
            r = _health()
            data = hf.expect_success(r)
            hf.expect_eq(data.get("redis"), "down", "data.redis", r)
            hf.expect_eq(data.get("database"), "ok", "data.database", r)
        r = hf.get("/api/v1")
        data = hf.expect_success(r)
        hf.expect_eq(data.get("name"), "holdfast", "data.name", r)
    # leaving the block started Redis again and waited for redis ok on
    # consecutive checks: a worker that never reconnects fails there


def test_health_503_with_retry_after_while_database_down():
    with hf.service_stopped("mariadb"):
        def db_down():
            r = _health()
            return r if r.status == 503 else None
        r = hf.wait_until(db_down, 5, interval=0.1,
            what="health to answer 503 with the database stopped")
        hf.expect_error(r, 503, "SYS_001")
        _retry_after_ok(r)
        # no worker claims a healthy database while it is down
        for _ in range(10):
            r = _health()
            hf.expect_error(r, 503, "SYS_001")
            _retry_after_ok(r)


def test_health_recovers_after_database_restart_without_restarting_workers():
    before = sorted(hf.worker_pids())
    hf.check(before, "./dev pids workers listed no workers")
    with hf.service_stopped("mariadb"):
        hf.wait_until(lambda: _health().status == 503, 5, interval=0.1,
            what="health to answer 503 with the database stopped")
        # let the workers fail a few requests against the dead database
        for _ in range(2 * len(before)):
            _health()
        hf.dev("svc", "start", "mariadb")
        t0 = time.monotonic()
        streak = [0]

        def healthy_streak():
            r = _health()
            if r.status == 200 and isinstance(r.json, dict) and \
                r.json.get("data", {}).get("database") == "ok":
                streak[0] += 1
            else:
                streak[0] = 0
            return streak[0] >= 10
        hf.wait_until(healthy_streak, 12, interval=0.1,
            what="10 health checks in a row with database ok after MariaDB "
            "came back")
        elapsed = time.monotonic() - t0
    after = sorted(hf.worker_pids())
    hf.expect_eq(after, before, "worker pids after the database came back "
        "(recovered in %.1fs)" % elapsed)


def test_killed_worker_is_replaced_within_5s_and_requests_keep_succeeding():
    hf.dev_script()
    hf.wait_healthy(timeout=30)
    before = hf.worker_pids()
    hf.check(before, "./dev pids workers listed no workers")
    victim = before[-1]
    hf.check(hf.is_worker(victim),
        "pid %d from ./dev pids workers is not a live holdfast-fcgi" % victim)
    os.kill(victim, 9)

    def replaced():
        now = hf.worker_pids()
        alive = [p for p in now if hf.is_worker(p)]
        if victim not in alive and len(alive) == len(before):
            return now
        return None
    now = hf.wait_until(replaced, 5, interval=0.1,
        what="the killed worker %d to be replaced (%d workers)"
        % (victim, len(before)))
    new = set(now) - set(before)
    hf.check(new, "worker count is back but no new pid: %r" % now)

    for i in range(50):
        r = _health()
        if r.status != 200:
            hf.fail("request %d of 50 after the replacement failed" % (i + 1),
                r)
        data = hf.expect_success(r)
        hf.expect_eq(data.get("database"), "ok", "data.database", r)
