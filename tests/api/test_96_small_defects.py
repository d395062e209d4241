"""Small defects of issue 12 that a client can see.

A code (e-mail verification, password reset) lives only in Redis: when
Redis refuses to store it, registration must fail with 503 rather than
answer 201 and mail a code that can never verify."""

import datetime

import hf


def _deny_set(client, deny):
    client.cmd("ACL", "SETUSER", "default", "-set" if deny else "+set")


def test_register_is_503_when_redis_refuses_the_code():
    with hf.RedisClient() as rc:
        email = hf.unique_email("t96")
        _deny_set(rc, True)
        try:
            r = hf.register(email, hf.new_password(), "Nobody")
        finally:
            _deny_set(rc, False)
        hf.expect_error(r, 503, "SYS_001")
        hf.check(r.headers.get("Retry-After") is not None,
            "a 503 without Retry-After", r)
        hf.expect_eq(hf.db_rows("SELECT id FROM users WHERE email = %s"
            % hf.sql_str(email)), [], "users rows for the refused "
            "registration", r)
        hf.expect_eq(hf.mails_to(email), [], "mails to %s" % email, r)
    # and with Redis storing again, the same address registers
    r = hf.register(email, hf.new_password(), "Somebody")
    hf.expect_success(r, 201)
    hf.wait_mail(email)


def _seconds(iso):
    return datetime.datetime.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S")


def test_reservation_ttl_defaults_to_900_seconds():
    """The default lives in the service now; a client sees the same."""
    biz = hf.inv_business("t96")
    sku = hf.new_product(3)["sku"]
    for ttl, want in ((None, 900), (60, 60), (86400, 86400)):
        r = hf.reserve([(sku, 1)], biz, ttl=ttl)
        (res,) = hf.expect_success(r, 201)["reservations"]
        got = (_seconds(res["expires_at"]) -
            _seconds(res["created_at"])).total_seconds()
        hf.check(abs(got - want) <= 1, "ttl %r: expires %ss after "
            "creation, not %s" % (ttl, got, want), r)
        hf.expect_success(hf.call("POST", "/api/v1/reservations/%s/release"
            % res["id"], token=biz))
    data = hf.reconcile_api(sku, biz)
    hf.check(data["ok"], "reconcile of %s: %r" % (sku, data), None)
