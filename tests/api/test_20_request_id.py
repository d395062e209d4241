"""X-Request-Id: a client's valid id is echoed, anything else replaced."""

import uuid

import hf


def _fresh_id(prefix="hf.t_"):
    return prefix + uuid.uuid4().hex


def test_request_id_sent_by_client_is_echoed_in_header_and_body():
    rid = _fresh_id("Api-test.") + "_x"
    r = hf.get("/api/v1/health", headers={"X-Request-Id": rid})
    hf.expect_success(r)
    hf.expect_request_id(r, sent=rid)


def test_request_id_header_name_is_case_insensitive():
    rid = _fresh_id()
    r = hf.get("/api/v1", headers={"x-request-id": rid})
    hf.expect_success(r)
    hf.expect_request_id(r, sent=rid)


def test_request_id_of_64_chars_is_echoed_and_65_chars_is_replaced():
    rid64 = (uuid.uuid4().hex * 2)[:64]
    r = hf.get("/api/v1/health", headers={"X-Request-Id": rid64})
    hf.expect_success(r)
    hf.expect_request_id(r, sent=rid64)

    rid65 = rid64 + "z"
    r = hf.get("/api/v1/health", headers={"X-Request-Id": rid65})
    hf.expect_success(r)
    got = hf.expect_request_id(r)
    hf.check(got != rid65, "a 65-char X-Request-Id was echoed", r)
    hf.check(got != rid64, "a 65-char X-Request-Id was truncated and "
        "echoed instead of replaced", r)


def test_invalid_request_id_is_replaced_by_a_generated_one():
    token = uuid.uuid4().hex[:12]
    for bad in ["bad id " + token, "a/b" + token, token + ";drop",
        "<" + token + ">", token + "\"q", "%41" + token]:
        r = hf.get("/api/v1/health", headers={"X-Request-Id": bad})
        hf.expect_success(r)
        got = hf.expect_request_id(r)
        hf.check(got != bad, "invalid X-Request-Id %r was echoed" % bad, r)
        hf.check(token not in got,
            "invalid X-Request-Id %r leaked into the id %r" % (bad, got), r)


def test_empty_request_id_is_replaced_by_a_generated_one():
    r = hf.get("/api/v1/health", headers={"X-Request-Id": ""})
    hf.expect_success(r)
    got = hf.expect_request_id(r)
    hf.check(got != "", "empty request id kept", r)


def test_requests_without_request_id_get_distinct_generated_ids():
    seen = {}
    for _ in range(8):
        r = hf.get("/api/v1/health")
        hf.expect_success(r)
        rid = hf.expect_request_id(r)
        hf.check(rid not in seen,
            "generated request id %r was given twice" % rid, r)
        seen[rid] = True


def test_request_id_is_echoed_on_error_responses():
    rid = _fresh_id()
    r = hf.get("/api/v1/nope", headers={"X-Request-Id": rid})
    hf.expect_error(r, 404, "REQ_004")
    hf.expect_request_id(r, sent=rid)

    rid = _fresh_id()
    r = hf.post("/api/v1/health", headers={"X-Request-Id": rid})
    hf.expect_error(r, 405, "REQ_005")
    hf.expect_request_id(r, sent=rid)
