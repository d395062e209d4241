"""Any currency (issue 15, item 1): the installation's currency is the
config key `currency` (ISO 4217, default EUR), stored on each order, and
money is exact per currency: JPY has no minor unit, so a JPY price or
payment with a fraction is refused and JPY amounts are written whole.

Each test switches the test stack's pool to another currency (a line
appended to its holdfast.conf, the pool restarted) and back, and moves the
cache epoch on both sides, as README says an admin does when changing the
currency of a running installation."""

import contextlib
import os
import subprocess

import hf
from hf import shop

_CONF_MARK = "# test_C7_currency: "


def _conf_path():
    return os.path.join(hf.dev_var(), "holdfast.conf")


def _epoch():
    rc = hf.RedisClient()
    try:
        rc.cmd("INCR", "hf:epoch")
    finally:
        rc.close()


def _restart_pool():
    hf.dev("svc", "restart", "pool")
    hf.wait_healthy(timeout=60)
    _epoch()


@contextlib.contextmanager
def currency(code):
    """The pool runs with `currency = code` for the with-block."""
    path = _conf_path()
    with open(path) as f:
        saved = f.read()
    try:
        with open(path, "a") as f:
            f.write("\n%s\ncurrency = %s\n" % (_CONF_MARK, code))
        _restart_pool()
        yield
    finally:
        with open(path, "w") as f:
            f.write(saved)
        _restart_pool()


def _pay(o, txn, amount=None, currency_=None):
    return shop.notify(shop.notify_body(o, txn, amount=amount,
        currency=currency_))


def test_default_currency_is_eur_on_every_order():
    sku = shop.product(3, "2.50")
    o = shop.order([(sku, 2)])
    hf.expect_eq(o["currency"], "EUR", "currency of an order by default")
    hf.expect_eq(o["total"], "5.00", "EUR total keeps its cents")


def test_a_cny_order_is_placed_and_paid_through_the_signed_callback():
    with currency("CNY"):
        sku = shop.product(5, "12.50")
        o = shop.order([(sku, 2)])
        hf.expect_eq(o["currency"], "CNY", "order currency")
        hf.expect_eq(o["total"], "25.00", "CNY total")
        # a notification in another currency, same figure: refused, named
        r = _pay(o, "cny-eur-" + hf.new_request_id(), currency_="EUR")
        hf.expect_error(r, 422, "PAY_002")
        err = r.json
        hf.expect_eq(err["details"]["expected_currency"], "CNY",
            "the refusal names the order's currency")
        hf.expect_eq(shop.get_order(o["id"])["status"], "pending_payment",
            "a mismatched payment changes nothing")
        # the right one pays it
        txn = "cny-ok-" + hf.new_request_id()
        r = _pay(o, txn)
        hf.expect_status(r, 200)
        paid = shop.get_order(o["id"])
        hf.expect_eq(paid["status"], "paid", "CNY order paid")
        hf.expect_eq(shop.payments(txn)[0][0], "applied", "payment row")
        hf.expect_eq(shop.stock(sku), (3, 0, 3), "two units sold")
        shop.reconciled(sku)
    # the order keeps its currency after the installation's changes back
    hf.expect_eq(shop.get_order(o["id"])["currency"], "CNY",
        "an order keeps the currency it was placed in")


def test_jpy_has_no_minor_unit():
    with currency("JPY"):
        adm = hf.inv_admin()
        # a fraction is refused where a price is written, with its field
        r = hf.call("POST", "/api/v1/products", {"sku": hf.unique_sku(),
            "name": "yen fraction", "price": "500.5"}, token=adm)
        hf.expect_field_error(r, 422, "REQ_010", "price")
        for bad in ("0.01", "1.10", "9999999999.99"):
            r = hf.call("POST", "/api/v1/products", {"sku":
                hf.unique_sku(), "name": "yen", "price": bad}, token=adm)
            hf.expect_field_error(r, 422, "REQ_010", "price")
        made = hf.new_product(4, price="500")
        sku = made["sku"]
        hf.expect_eq(made["price"], "500", "a JPY price is written whole")
        got = hf.expect_success(hf.call("GET", "/api/v1/products/%d"
            % made["id"]))
        hf.expect_eq(got["price"], "500", "product detail, JPY")
        o = shop.order([(sku, 3)])
        hf.expect_eq(o["currency"], "JPY", "order currency")
        hf.expect_eq(o["total"], "1500", "a JPY total is whole")
        lines = o.get("lines") or o.get("items") or []
        hf.check(lines and all("." not in l["unit_price"] and "." not in
            l["line_total"] for l in lines), "JPY lines whole: %r" % lines)
        # a payment with a fraction can pay no JPY order
        r = _pay(o, "jpy-frac-" + hf.new_request_id(), amount="1500.5")
        hf.expect_error(r, 422, "REQ_010")
        hf.expect_eq(shop.get_order(o["id"])["status"], "pending_payment",
            "a refused payment changes nothing")
        # the same amount written with zero cents is the same amount
        r = _pay(o, "jpy-ok-" + hf.new_request_id(), amount="1500.00")
        hf.expect_status(r, 200)
        hf.expect_eq(shop.get_order(o["id"])["status"], "paid", "JPY paid")
        shop.reconciled(sku)


def test_jpy_refuses_an_order_for_a_price_with_a_fraction():
    """A product priced in cents before the installation moved to JPY
    cannot be ordered until its price is whole: on both paths (the
    one-trip procedure leaves it to the C path, which names the line)."""
    frac = hf.new_product(5, price="3.75")
    sku = frac["sku"]
    whole = shop.product(5, "7")
    with currency("JPY"):
        for items in ([(sku, 1)], [(whole, 1), (sku, 2)]):
            r = shop.place(items)
            hf.expect_error(r, 422, "INV_005")
            hf.expect_eq(r.json["details"].get("sku"), sku,
                "the refusal names the line")
        hf.expect_eq(shop.stock(sku), (5, 0, 5), "nothing reserved")
        hf.expect_eq(shop.stock(whole), (5, 0, 5), "all or none")
        # made whole, it sells, at the whole price
        hf.expect_success(hf.call("PATCH", "/api/v1/products/%d"
            % frac["id"], {"price": "4"}, token=hf.inv_admin()))
        o = shop.order([(whole, 1), (sku, 2)])
        hf.expect_eq(o["total"], "15", "7 + 2 x 4 yen")
        hf.expect_eq(shop.stock(sku), (5, 2, 3), "reserved with the order")
        shop.reconciled(sku, whole)


def test_config_refuses_what_is_not_an_active_iso_4217_code():
    """The worker (and every program) refuses to start on a currency that
    is not an active ISO 4217 code, or one of 3 or 4 minor digits that
    DECIMAL(12,2) cannot hold, and says why."""
    for code, why in (("eur", "ISO 4217"), ("EURO", "longer than 3"),
            ("XXY", "ISO 4217"), ("E\u00dcR", "longer than 3"),
            ("", "ISO 4217"),
            ("BHD", "3 or 4 digits"), ("KWD", "3 or 4 digits"),
            ("CLF", "3 or 4 digits")):
        env = hf.notify_env()
        env["HOLDFAST_CURRENCY"] = code
        p = subprocess.run([hf.build_binary("holdfast-admin"), "reconcile",
            "--sku", "NO-SUCH-SKU"], capture_output=True, text=True,
            env=env, timeout=60)
        hf.check(p.returncode != 0, "currency %r accepted" % code)
        hf.check("currency" in p.stderr and why in p.stderr,
            "currency %r: stderr %r" % (code, p.stderr[-300:]))
    for code in ("JPY", "CNY", "USD", "KRW"):
        env = hf.notify_env()
        env["HOLDFAST_CURRENCY"] = code
        p = subprocess.run([hf.build_binary("holdfast-admin"), "reconcile",
            "--sku", "NO-SUCH-SKU"], capture_output=True, text=True,
            env=env, timeout=60)
        hf.check("currency" not in p.stderr, "currency %r refused: %r"
            % (code, p.stderr[-300:]))
