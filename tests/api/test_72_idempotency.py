"""Idempotency-Key on stock writes (issue 4): replays are byte for byte,
concurrent sends of one key do the work once, another body is refused."""

import threading
import uuid

import hf


def _biz():
    return hf.inv_business("t72")


def _key():
    return "idem-%s" % uuid.uuid4().hex


def _replay_flag(resp):
    return (resp.headers.get("Idempotent-Replay") or "").strip().lower()


def _reservations(sku, token=None):
    return hf.list_all("/api/v1/reservations?sku=%s" % hf.sku_path(sku),
        token or _biz())


def _reserve_rows(sku):
    return hf.ledger_of(_biz(), sku=sku, type="reserve")


def test_replaying_a_key_20_times_answers_the_same_bytes_and_reserves_once():
    sku = hf.new_product(10)["sku"]
    key = _key()
    hdrs = {"Idempotency-Key": key}
    first = hf.reserve([(sku, 2)], _biz(), headers=hdrs)
    data = hf.expect_success(first, 201)
    hf.check(_replay_flag(first) != "true", "the first answer says "
        "Idempotent-Replay: true", first)
    for i in range(20):
        r = hf.reserve([(sku, 2)], _biz(), headers=hdrs)
        hf.expect_status(r, 201)
        if r.body != first.body:
            hf.fail("replay %d of %d is not byte for byte the first answer:"
                "\n  first:  %s\n  replay: %s" % (i + 1, 20,
                first.text[:400], r.text[:400]), r)
        hf.expect_eq(_replay_flag(r), "true", "Idempotent-Replay header "
            "of replay %d" % (i + 1), r)

    items = _reservations(sku)
    hf.expect_eq([i["id"] for i in items],
        [x["id"] for x in data["reservations"]], "reservations of the SKU")
    hf.expect_eq(len(_reserve_rows(sku)), 1, "reserve ledger rows")
    s = hf.stock_of(sku, _biz())
    hf.expect_eq((s["on_hand"], s["reserved"]), (10, 2),
        "(on_hand, reserved)")


def test_16_concurrent_sends_of_one_key_do_the_work_once():
    sku = hf.new_product(10)["sku"]
    for round_ in range(3):
        key = _key()
        hdrs = {"Idempotency-Key": key}
        barrier = threading.Barrier(16)
        answers = [None] * 16
        errors = []

        def send(i):
            try:
                barrier.wait(10)
                answers[i] = hf.reserve([(sku, 1)], _biz(), headers=hdrs)
            except Exception as e:  # reported below, not lost in a thread
                errors.append(e)

        threads = [threading.Thread(target=send, args=(i,))
            for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        hf.check(not errors, "a sender failed: %r" % errors[:1])

        created = [r for r in answers if r.status == 201]
        for r in answers:
            if r.status == 201:
                hf.expect_success(r, 201)
            else:
                hf.expect_error(r, 409, "REQ_008")
        hf.check(created, "round %d: no send of the key got 201; statuses %r"
            % (round_, sorted(r.status for r in answers)))
        originals = [r for r in created if _replay_flag(r) != "true"]
        hf.expect_eq(len(originals), 1, "round %d: 201 answers without "
            "Idempotent-Replay: true (the one that did the work)" % round_)
        for r in created:
            if r.body != originals[0].body:
                hf.fail("round %d: a 201 replay differs from the original:"
                    "\n  original: %s\n  replay:   %s" % (round_,
                    originals[0].text[:400], r.text[:400]), r)
        # once it is over the key only replays
        r = hf.reserve([(sku, 1)], _biz(), headers=hdrs)
        hf.expect_status(r, 201)
        hf.expect_eq(r.body, originals[0].body, "round %d: a later replay"
            % round_, r)
        hf.expect_eq(_replay_flag(r), "true", "Idempotent-Replay", r)

        items = _reservations(sku)
        hf.expect_eq(len(items), round_ + 1, "round %d: reservations of the "
            "SKU (one per key)" % round_)
        hf.expect_eq(len(_reserve_rows(sku)), round_ + 1, "round %d: "
            "reserve ledger rows (one per key)" % round_)
    s = hf.stock_of(sku, _biz())
    hf.expect_eq((s["on_hand"], s["reserved"]), (10, 3),
        "(on_hand, reserved) after three keys of one unit")
    hf.check(hf.reconcile_api(sku, _biz())["ok"], "reconcile not ok")


def test_same_key_with_another_request_is_422_req_007():
    sku = hf.new_product(10)["sku"]
    key = _key()
    hdrs = {"Idempotency-Key": key}
    hf.expect_success(hf.reserve([(sku, 1)], _biz(), headers=hdrs), 201)
    r = hf.reserve([(sku, 2)], _biz(), headers=hdrs)
    hf.expect_error(r, 422, "REQ_007")
    r = hf.reserve([(sku, 1)], _biz(), ttl=60, headers=hdrs)
    hf.expect_error(r, 422, "REQ_007")
    r = hf.call("POST", "/api/v1/stock/%s/restock" % hf.sku_path(sku),
        {"quantity": 1}, token=_biz(), headers=hdrs)
    hf.expect_error(r, 422, "REQ_007")
    hf.expect_eq(len(_reservations(sku)), 1, "reservations of the SKU")
    s = hf.stock_of(sku, _biz())
    hf.expect_eq((s["on_hand"], s["reserved"]), (10, 1),
        "(on_hand, reserved) after refused reuses of the key")
    hf.expect_eq(len(hf.ledger_of(_biz(), sku=sku)), 2, "ledger rows "
        "(initial restock and one reserve)")


def test_restock_with_a_key_counts_once():
    sku = hf.new_product(5)["sku"]
    hdrs = {"Idempotency-Key": _key()}
    path = "/api/v1/stock/%s/restock" % hf.sku_path(sku)
    first = hf.call("POST", path, {"quantity": 3, "reason": "delivery"},
        token=_biz(), headers=hdrs)
    hf.expect_success(first)
    for _ in range(3):
        r = hf.call("POST", path, {"quantity": 3, "reason": "delivery"},
            token=_biz(), headers=hdrs)
        hf.expect_status(r, 200)
        hf.expect_eq(r.body, first.body, "replayed restock answer", r)
        hf.expect_eq(_replay_flag(r), "true", "Idempotent-Replay", r)
    hf.expect_eq(hf.stock_of(sku, _biz())["on_hand"], 8, "on_hand after "
        "one restock of 3 sent four times")
    hf.expect_eq(len(hf.ledger_of(_biz(), sku=sku, type="restock")), 2,
        "restock rows (initial and one)")


def test_keys_belong_to_their_actor():
    sku = hf.new_product(10)["sku"]
    hdrs = {"Idempotency-Key": _key()}
    other = hf.inv_business("t72-other")
    r1 = hf.reserve([(sku, 1)], _biz(), headers=hdrs)
    hf.expect_success(r1, 201)
    r2 = hf.reserve([(sku, 1)], other, headers=hdrs)
    d2 = hf.expect_success(r2, 201)
    hf.check(_replay_flag(r2) != "true" and r2.body != r1.body,
        "another API key with the same Idempotency-Key got the first "
        "key's answer", r2)
    hf.check(d2["reservations"][0]["id"] !=
        r1.json["data"]["reservations"][0]["id"], "same reservation for "
        "two actors", r2)
    hf.expect_eq(hf.stock_of(sku, _biz())["reserved"], 2, "reserved")


def test_key_longer_than_255_bytes_is_refused_and_reserves_nothing():
    sku = hf.new_product(5)["sku"]
    r = hf.reserve([(sku, 1)], _biz(), headers={"Idempotency-Key": "k" * 256})
    hf.expect_status(r, 400, 422)
    hf.expect_error_shape(r)
    hf.expect_eq(hf.stock_of(sku, _biz())["reserved"], 0, "reserved")
    r = hf.reserve([(sku, 1)], _biz(), headers={"Idempotency-Key": "k" * 223
        + uuid.uuid4().hex})  # 255 bytes: the longest allowed
    hf.expect_success(r, 201)
    hf.expect_eq(hf.stock_of(sku, _biz())["reserved"], 1, "reserved")


def test_a_refusal_is_replayed_too():
    # README: "A 4xx refusal is stored too (a retry gets the same refusal)"
    sku = hf.new_product(2)["sku"]
    hdrs = {"Idempotency-Key": _key()}
    first = hf.reserve([(sku, 3)], _biz(), headers=hdrs)
    hf.expect_error(first, 400, "INV_002")
    r = hf.call("POST", "/api/v1/stock/%s/restock" % hf.sku_path(sku),
        {"quantity": 5}, token=_biz())
    hf.expect_success(r)
    again = hf.reserve([(sku, 3)], _biz(), headers=hdrs)
    hf.expect_status(again, 400)
    hf.expect_eq(again.body, first.body, "the retried refusal", again)
    hf.expect_eq(_replay_flag(again), "true", "Idempotent-Replay", again)
    hf.expect_eq(_reservations(sku), [], "reservations of the SKU")
    # the same body under a fresh key now fits
    hf.expect_success(hf.reserve([(sku, 3)], _biz(),
        headers={"Idempotency-Key": _key()}), 201)
