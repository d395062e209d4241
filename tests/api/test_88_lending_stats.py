"""Lending reports (issue 6, library): GET /api/v1/stats/loans (loans
started and returned per day over a range of days, every day listed) and
GET /api/v1/stats/categories (loans and stock per category), for business
keys and admins only.  Reconcile is clean after every test."""

import time
import uuid

import hf
from hf import lend
from hf.lend import borrow_ok

L = lend.Lending("t88")
_biz, new_user, reconciled = L.biz, L.new_user, L.reconciled


def today(offset_days=0):
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() +
        offset_days * 86400))


def loans_on(day):
    r = hf.call("GET", "/api/v1/stats/loans?from=%s&to=%s" % (day, day),
        token=_biz())
    data = hf.expect_success(r)
    hf.expect_eq([d["day"] for d in data["days"]], [day], "days of a "
        "one-day report", r)
    return data["days"][0]["loans"], data["days"][0]["returns"]


def test_loans_per_day():
    day = today()
    loans0, returns0 = loans_on(day)
    sku = hf.new_product(3)["sku"]
    u = new_user()
    first, _ = borrow_ok(u, sku, sku)
    r = hf.call("POST", "/api/v1/loans/%s/return" % first["id"],
        token=u["token"])
    hf.expect_success(r)
    hf.expect_eq(loans_on(day), (loans0 + 2, returns0 + 1), "(loans, "
        "returns) today after two loans and one return")

    r = hf.call("GET", "/api/v1/stats/loans", token=hf.inv_admin())
    data = hf.expect_success(r)
    days = [d["day"] for d in data["days"]]
    hf.expect_eq((len(days), days[-1], data["to"], data["from"]),
        (30, day, day, today(-29)), "(days, last day, to, from) of the "
        "default range", r)
    hf.expect_eq(days, sorted(days), "days in order", r)
    hf.expect_eq(data["totals"]["loans"], sum(d["loans"]
        for d in data["days"]), "totals.loans", r)
    for k in ("active", "overdue", "returned"):
        hf.check(isinstance(data["now"].get(k), int), "now.%s is %r"
            % (k, data["now"].get(k)), r)

    r = hf.call("GET", "/api/v1/stats/loans?from=%s&to=%s" % (today(-6),
        day), token=_biz())
    hf.expect_eq(len(hf.expect_success(r)["days"]), 7, "days of a week",
        r)
    for query, field in (("from=2026-02-30", "from"), ("to=yesterday",
            "to"), ("from=%s&to=%s" % (day, today(-1)), "from"),
            ("from=2020-01-01&to=2022-01-01", "from")):
        r = hf.call("GET", "/api/v1/stats/loans?" + query, token=_biz())
        hf.expect_field_error(r, 422, "REQ_010", field)
    r = hf.call("GET", "/api/v1/stats/loans", token=u["token"])
    hf.expect_error(r, 403, "AUTH_005")
    reconciled(sku)


def test_loans_and_stock_by_category():
    category = "Lending %s" % uuid.uuid4().hex[:10]
    a = hf.new_product(3, category=category)["sku"]
    b = hf.new_product(1, category=category)["sku"]
    u, v = new_user(), new_user()
    borrow_ok(u, a, b)
    r = hf.call("POST", "/api/v1/holds", {"sku": b}, token=v["token"])
    hf.expect_success(r, 201)

    def row(query=""):
        r = hf.call("GET", "/api/v1/stats/categories" + query, token=_biz())
        data = hf.expect_success(r)
        rows = [x for x in data["categories"] if x["category"] == category]
        hf.expect_eq(len(rows), 1, "rows for category %r" % category, r)
        return rows[0]

    got = row()
    hf.expect_eq({k: got[k] for k in ("products", "on_hand", "reserved",
        "available", "loans", "active_loans", "overdue_loans",
        "waiting_holds")}, {"products": 2, "on_hand": 2, "reserved": 0,
        "available": 2, "loans": 2, "active_loans": 2, "overdue_loans": 0,
        "waiting_holds": 1}, "the category's report")
    hf.expect_eq(row("?from=%s&to=%s" % (today(), today()))["loans"], 2,
        "loans started today")
    hf.expect_eq(row("?from=%s&to=%s" % (today(-3), today(-1)))["loans"], 0,
        "loans started before today")
    r = hf.call("GET", "/api/v1/stats/categories", token=u["token"])
    hf.expect_error(r, 403, "AUTH_005")
    reconciled(a, b)
