"""The same workers behind Apache mod_proxy_fcgi (skipped without
--apache-url or HOLDFAST_APACHE_URL)."""

import uuid

import hf


def test_apache_health_is_200_with_same_envelope():
    r = hf.get("/api/v1/health", base=hf.apache_url())
    data = hf.expect_success(r)
    hf.expect_eq(data.get("database"), "ok", "data.database", r)
    hf.expect_eq(data.get("redis"), "ok", "data.redis", r)


def test_apache_api_root_names_the_service():
    r = hf.get("/api/v1", base=hf.apache_url())
    data = hf.expect_success(r)
    hf.expect_eq(data.get("name"), "holdfast", "data.name", r)


def test_apache_unknown_route_is_404_req_004():
    r = hf.get("/api/v1/nope", base=hf.apache_url())
    hf.expect_error(r, 404, "REQ_004")


def test_apache_wrong_method_is_405_with_allow():
    r = hf.post("/api/v1/health", base=hf.apache_url())
    hf.expect_error(r, 405, "REQ_005")
    hf.expect_allow_has(r, "GET")


def test_apache_echoes_request_id():
    rid = "apache." + uuid.uuid4().hex
    r = hf.get("/api/v1/health", base=hf.apache_url(),
        headers={"X-Request-Id": rid})
    hf.expect_success(r)
    hf.expect_request_id(r, sent=rid)


def test_apache_passes_authorization_to_the_workers():
    """Apache hands Authorization to a FastCGI server only with CGIPassAuth
    (issue 11): without it every signed-in request is 401 AUTH_001."""
    token = hf.admin_token()
    r = hf.get("/api/v1/me", base=hf.apache_url(),
        headers=hf.auth_header(token))
    data = hf.expect_success(r)
    hf.expect_eq(data.get("role"), "admin", "data.role", r)
    r = hf.get("/api/v1/me", base=hf.apache_url())
    hf.expect_error(r, 401, "AUTH_001")
