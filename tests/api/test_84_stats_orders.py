"""GET /api/v1/stats/orders (issue 6): orders created per day (UTC) over a
range of days, with their count and revenue (the totals of the orders now
paid or fulfilled), and count and total by status."""

import time

import hf
from hf import shop


def _stats(query="", token=None):
    r = hf.call("GET", "/api/v1/stats/orders%s" % query,
        token=token or shop.biz())
    return hf.expect_success(r)


def _by_status(data):
    return {x["status"]: (x["count"], x["total"]) for x in data["by_status"]}


def _cents(s):
    whole, _, frac = s.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def test_order_statistics_count_orders_and_revenue_by_status_and_day():
    today = time.strftime("%Y-%m-%d", time.gmtime())
    before = _stats("?from=%s&to=%s" % (today, today))
    sku = shop.product(20, "2.50")
    paid = shop.order([(sku, 2)])                    # 5.00
    hf.expect_success(shop.act(paid["id"], "pay", token=shop.biz()))
    done = shop.order([(sku, 4)])                    # 10.00
    hf.expect_success(shop.act(done["id"], "pay", token=shop.biz()))
    hf.expect_success(shop.act(done["id"], "fulfill", token=shop.biz()))
    gone = shop.order([(sku, 1)])                    # 2.50
    hf.expect_success(shop.act(gone["id"], "cancel"))
    back = shop.order([(sku, 1)])                    # 2.50
    hf.expect_success(shop.act(back["id"], "pay", token=shop.biz()))
    hf.expect_success(shop.act(back["id"], "refund"))
    after = _stats("?from=%s&to=%s" % (today, today))
    if time.strftime("%Y-%m-%d", time.gmtime()) != today:
        hf.skip("the UTC day changed during the test")

    hf.expect_eq((after["from"], after["to"], [d["day"] for d in
        after["days"]]), (today, today, [today]), "(from, to, days)")
    hf.expect_eq(after["count"] - before["count"], 4, "orders counted")
    hf.expect_eq(_cents(after["revenue"]) - _cents(before["revenue"]), 1500,
        "revenue in cents (paid 5.00 + fulfilled 10.00)")
    b, a = _by_status(before), _by_status(after)
    for status, n, cents in (("paid", 1, 500), ("fulfilled", 1, 1000),
            ("cancelled", 1, 250), ("refunded", 1, 250)):
        hf.expect_eq((a[status][0] - b[status][0],
            _cents(a[status][1]) - _cents(b[status][1])), (n, cents),
            "(count, total) added to %s" % status)
    (day,) = after["days"]
    hf.expect_eq((day["count"], day["revenue"]), (after["count"],
        after["revenue"]), "the one day's count and revenue")
    hf.expect_eq(sum(x["count"] for x in day["by_status"]), day["count"],
        "the day's count by status")

    # the default range: the last 30 days, every day listed
    data = _stats()
    hf.expect_eq((len(data["days"]), data["to"]), (30, today),
        "(days, to) by default")
    for q, field in (("?from=2026-02-30", "from"), ("?to=yesterday", "to"),
            ("?from=2026-05-02&to=2026-05-01", "from"),
            ("?from=2020-01-01&to=2026-01-01", "from")):
        r = hf.call("GET", "/api/v1/stats/orders%s" % q, token=shop.biz())
        hf.expect_field_error(r, 422, "REQ_010", field)
    u = hf.verified_user()
    hf.expect_error(hf.call("GET", "/api/v1/stats/orders", token=u["access"]),
        403, "AUTH_005")
    shop.reconciled(sku)
