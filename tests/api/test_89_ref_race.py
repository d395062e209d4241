"""Issue 10, holes 2 and 3: a reference has one owner even when two owners
open it at the same instant on different SKUs (test_89_identity's race
uses one SKU, whose stock row serialises the two).

Before the fix the owner check ran before the caller's lines were
inserted: a locking read of a reference nobody has yet finds no row and
takes no lock under READ COMMITTED, so both callers passed it and the
reference got two owners (19 races of 30)."""

import concurrent.futures
import threading

import hf


def _levels(sku):
    s = hf.stock_of(sku)
    return (s["on_hand"], s["reserved"], s["available"])


def test_two_owners_opening_one_reference_on_other_skus_get_one_owner():
    keys = [hf.inv_business("t89r-a"), hf.inv_business("t89r-b")]
    skus = [hf.new_product(50)["sku"] for _ in keys]
    races, won_units = 20, 0
    for i in range(races):
        ref = "t89r-%d-%s" % (i, hf.unique_sku("r"))
        barrier = threading.Barrier(len(keys))

        def go(j, ref=ref, barrier=barrier):
            barrier.wait()
            return hf.reserve([(skus[j], 1)], token=keys[j],
                reference_id=ref)

        with concurrent.futures.ThreadPoolExecutor(len(keys)) as ex:
            answers = list(ex.map(go, range(len(keys))))
        won = [j for j, r in enumerate(answers) if r.status == 201]
        hf.expect_eq(len(won), 1, "owners that got 201 under reference %s "
            "(%s)" % (ref, [(r.status, (r.json or {}).get("error"))
            for r in answers]))
        for j, r in enumerate(answers):
            if j not in won:
                hf.expect_error(r, 409, "INV_012")
        # the reference holds the winner's line only, and only the
        # winner can end it
        r = hf.call("GET", "/api/v1/reservations?reference_id=%s" % ref,
            token=hf.inv_admin())
        hf.expect_eq(hf.expect_success(r)["total"], 1, "lines under %s"
            % ref)
        loser = keys[1 - won[0]]
        r = hf.call("POST", "/api/v1/reservations/release",
            {"reference_id": ref}, token=loser)
        hf.expect_error(r, 404, "REQ_011")
        won_units += 1
    reserved = sum(_levels(s)[1] for s in skus)
    hf.expect_eq(reserved, won_units, "units reserved on the two SKUs")
    for sku in skus:
        data = hf.reconcile_api(sku, hf.inv_admin())
        hf.check(data["ok"], "reconcile of %s: %r" % (sku,
            data["mismatches"]))
