"""Many clients at once."""

import concurrent.futures

import hf


def test_200_concurrent_health_checks_all_succeed_with_unique_request_ids():
    def one(_):
        return hf.get("/api/v1/health", timeout=30)

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        responses = list(pool.map(one, range(200)))

    ids = {}
    bad = [r for r in responses if r.status != 200]
    hf.check(not bad, "%d of 200 concurrent health checks were not 200; "
        "first:" % len(bad), bad[0] if bad else None)
    for r in responses:
        data = hf.expect_success(r)
        hf.expect_eq(data.get("database"), "ok", "data.database", r)
        rid = hf.expect_request_id(r)
        hf.check(rid not in ids,
            "request_id %r given to two concurrent requests" % rid, r)
        ids[rid] = True
