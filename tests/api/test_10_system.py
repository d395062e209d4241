"""System routes: service identity, health, and the static front."""

import hf


def test_api_root_names_the_service_with_version_revision_and_uptime():
    r = hf.get("/api/v1")
    data = hf.expect_success(r)
    hf.expect_eq(data.get("name"), "holdfast", "data.name", r)
    v = data.get("version")
    hf.check(isinstance(v, str) and v != "",
        "data.version is %r, not a non-empty string" % (v,), r)
    hf.check(isinstance(data.get("revision"), str),
        "data.revision is %r, not a string" % (data.get("revision"),), r)
    up = data.get("uptime_seconds")
    hf.check(isinstance(up, int) and not isinstance(up, bool) and up >= 0,
        "data.uptime_seconds is %r, not an integer >= 0" % (up,), r)


def test_health_says_database_and_redis_ok():
    r = hf.get("/api/v1/health")
    data = hf.expect_success(r)
    hf.expect_eq(data.get("database"), "ok", "data.database", r)
    hf.expect_eq(data.get("redis"), "ok", "data.redis", r)


def test_static_root_is_not_a_server_error():
    r = hf.get("/")
    hf.expect_not_5xx(r)
