"""The authorization matrix (issue 10, "What stays"): every route of
src/api/routes.c, read from the C source at test time, for every kind of
caller, each cell the status the contract gives.  A route without a row in
TABLE below (or a row for a route that is gone) fails the test.

Callers (columns):
  guest     no Authorization header
  user      a user (role user); "the user's objects" are this user's
  user2     another user
  biz       a business API key; "the key's objects" are this key's
  biz2      another business API key
  admin     the admin (an admin's access token)
and two derived columns that the table does not spell out:
  disabled  a user whose account an admin disabled after the login: a
            status change takes effect on the next request, so every route
            that needs a principal answers 401 or 403 (a public route: its
            guest cell, or 401/403)
  demoted   an admin demoted to role user after the login: the next request
            is a user's, so the cell is user2's (the user2 column: a user
            who does not own the objects)

The objects: a reservation made by biz (a reservation belongs to the key
or user that made it; another caller gets 404, admin sees all); a
transfer (the installation's: every business key and admin sees and acts
on every one, users none, docs/internals.md); an order,
a loan and a hold of user (a user sees their own, another user gets 404;
staff, business keys and admins, see and act on every order, loan and
hold, docs/internals.md); a webhook, an API key, a user and a product
(admin only).  Bodies are valid for the caller the cell is about, so the
cell measures authorization, not validation.  Every cell that acts on an
object gets a fresh object of its own, so one cell never decides another;
where a refusal is expected the object is checked afterwards (still
active, still pending, ...).

Cell notation: a status; "a|b" for either; "+" 200 and the object is in
the list, "-" 200 and it is not.
"""

import json
import os
import re
import time
import uuid

import hf

API = "/api/v1"
PUBLIC_IP_HOOK = "https://93.184.216.34/t96-hook"
PRINCIPALS = ("guest", "user", "user2", "biz", "biz2", "admin")
DERIVED = ("disabled", "demoted")

TABLE = """
# meth route                             guest user  user2 biz   biz2  admin
GET    /api/v1                           200   200   200   200   200   200
GET    /api/v1/health                    200   200   200   200   200   200
GET    /api/v1/openapi.json              200   200   200   200   200   200
POST   /api/v1/auth/register             201   201   201   201   201   201
POST   /api/v1/auth/verify               200   200   200   200   200   200
POST   /api/v1/auth/resend               202   202   202   202   202   202
POST   /api/v1/auth/login                200   200   200   200   200   200
POST   /api/v1/auth/refresh              200   200   200   200   200   200
POST   /api/v1/auth/logout               200   200   200   200   200   200
POST   /api/v1/auth/password/forgot      202   202   202   202   202   202
POST   /api/v1/auth/password/reset       200   200   200   200   200   200
GET    /api/v1/me                        401   200   200   200   200   200
PATCH  /api/v1/me                        401   200   200   403   403   200
GET    /api/v1/users                     401   403   403   403   403   200
POST   /api/v1/users                     401   403   403   403   403   201
PATCH  /api/v1/users/{id}                401   403   403   403   403   200
POST   /api/v1/api-keys                  401   403   403   403   403   201
GET    /api/v1/api-keys                  401   403   403   403   403   200
DELETE /api/v1/api-keys/{id}             401   403   403   403   403   200
GET    /api/v1/audit                     401   403   403   403   403   200
POST   /api/v1/products                  401   403   403   403   403   201
GET    /api/v1/products                  200   200   200   200   200   200
GET    /api/v1/products/{id}             200   200   200   200   200   200
PATCH  /api/v1/products/{id}             401   403   403   403   403   200
DELETE /api/v1/products/{id}             401   403   403   403   403   200
PUT    /api/v1/products/{id}/cover       401   403   403   403   403   200
GET    /api/v1/categories                200   200   200   200   200   200
GET    /api/v1/locations                 200   200   200   200   200   200
POST   /api/v1/locations                 401   403   403   403   403   201
GET    /api/v1/locations/{code}          200   200   200   200   200   200
PATCH  /api/v1/locations/{code}          401   403   403   403   403   200
POST   /api/v1/transfers                 401   403   403   201   201   201
GET    /api/v1/transfers                 401   403   403   +     +     +
GET    /api/v1/transfers/{id}            401   403   403   200   200   200
POST   /api/v1/transfers/{id}/receive    401   403   403   200   200   200
POST   /api/v1/transfers/{id}/close      401   403   403   200   200   200
POST   /api/v1/stocktakes                401   403   403   403   403   201
GET    /api/v1/stocktakes                401   403   403   403   403   200
GET    /api/v1/stocktakes/{id}           401   403   403   403   403   200
PUT    /api/v1/stocktakes/{id}/counts    401   403   403   403   403   200
PUT    /api/v1/stocktakes/{id}/counts.csv 401  403   403   403   403   200
POST   /api/v1/stocktakes/{id}/post      401   403   403   403   403   200
POST   /api/v1/stocktakes/{id}/cancel    401   403   403   403   403   200
GET    /api/v1/stock                     200   200   200   200   200   200
GET    /api/v1/stock/{sku}               200   200   200   200   200   200
PATCH  /api/v1/stock/{sku}               401   403   403   403   403   200
POST   /api/v1/stock/{sku}/restock       401   403   403   200   200   200
POST   /api/v1/stock/{sku}/deduct        401   403   403   200   200   200
POST   /api/v1/stock/{sku}/adjust        401   403   403   403   403   200
GET    /api/v1/stock/{sku}/reconcile     401   403   403   200   200   200
POST   /api/v1/reservations              401   403   403   201   201   201
GET    /api/v1/reservations              401   403   403   +     -     +
POST   /api/v1/reservations/commit       401   403   403   200   404|409 200
POST   /api/v1/reservations/release      401   403   403   200   404|409 200
GET    /api/v1/reservations/{id}         401   403   403   200   404   200
POST   /api/v1/reservations/{id}/commit  401   403   403   200   404   200
POST   /api/v1/reservations/{id}/release 401   403   403   200   404   200
GET    /api/v1/ledger                    401   403   403   200   200   200
GET    /api/v1/ledger/stats              401   403   403   200   200   200
GET    /api/v1/ledger/{id}               401   403   403   200   200   200
POST   /api/v1/loans                     401   201   201   201   201   201
GET    /api/v1/loans                     401   +     -     +     +     +
GET    /api/v1/loans/{id}                401   200   404   200   200   200
POST   /api/v1/loans/{id}/return         401   200   404   200   200   200
POST   /api/v1/loans/{id}/renew          401   200   404   200   200   200
POST   /api/v1/loans/return              401   200   409   200   200   200
POST   /api/v1/loans/renew               401   200   409   200   200   200
POST   /api/v1/loans/{id}/void           401   403   403   200   200   200
POST   /api/v1/holds                     401   201   201   201   201   201
GET    /api/v1/holds                     401   +     -     +     +     +
GET    /api/v1/holds/{id}                401   200   404   200   200   200
DELETE /api/v1/holds/{id}                401   200   404   200   200   200
POST   /api/v1/holds/{id}/checkout       401   201   404   201   201   201
GET    /api/v1/stats/loans               401   403   403   200   200   200
GET    /api/v1/stats/categories          401   403   403   200   200   200
POST   /api/v1/orders                    401   201   201   201   201   201
GET    /api/v1/orders                    401   +     -     +     +     +
GET    /api/v1/orders/{id}               401   200   404   200   200   200
POST   /api/v1/orders/{id}/pay           401   403   403   200   200   200
POST   /api/v1/orders/{id}/cancel        401   200   404   403   403   200
POST   /api/v1/orders/{id}/refund        401   403   403   403   403   200
POST   /api/v1/orders/{id}/fulfill       401   403   403   200   200   200
POST   /api/v1/payments/notify           200   200   200   200   200   200
POST   /api/v1/webhooks                  401   403   403   403   403   201
GET    /api/v1/webhooks                  401   403   403   403   403   200
DELETE /api/v1/webhooks/{id}             401   403   403   403   403   200
GET    /api/v1/webhooks/{id}/deliveries  401   403   403   403   403   200
GET    /api/v1/stats/orders              401   403   403   200   200   200
POST   /api/v1/import/products           401   403   403   403   403   200
GET    /api/v1/export/products.csv       401   403   403   403   403   200
GET    /api/v1/export/stock.csv          401   403   403   200   200   200
GET    /api/v1/export/ledger.csv         401   403   403   403   403   200
GET    /api/v1/export/orders.csv         401   403   403   403   403   200
POST   /api/v1/coupons                   401   403   403   403   403   201
GET    /api/v1/coupons                   401   403   403   403   403   200
GET    /api/v1/coupons/{id}              401   403   403   403   403   200
PATCH  /api/v1/coupons/{id}              401   403   403   403   403   200
POST   /api/v1/group-buys                401   403   403   403   403   201
GET    /api/v1/group-buys                401   200   200   200   200   200
GET    /api/v1/group-buys/{id}           401   200   200   200   200   200
PATCH  /api/v1/group-buys/{id}           401   403   403   403   403   200
POST   /api/v1/group-buys/{id}/groups    401   201   201   201   201   201
GET    /api/v1/group-buys/{id}/groups    401   200   200   200   200   200
GET    /api/v1/groups/{id}               401   200   200   200   200   200
POST   /api/v1/groups/{id}/join          401   201   201   201   201   201
GET    /api/v1/group-members             401   403   403   403   403   200
POST   /api/v1/group-members/{id}/refunded 401 403  403   403   403   409
GET    /api/v1/delivery-areas            200   200   200   200   200   200
POST   /api/v1/delivery-areas            401   403   403   403   403   201
PATCH  /api/v1/delivery-areas/{id}       401   403   403   403   403   200
GET    /api/v1/pickup-points             200   200   200   200   200   200
POST   /api/v1/pickup-points             401   403   403   403   403   201
PATCH  /api/v1/pickup-points/{id}        401   403   403   403   403   200
GET    /api/v1/delivery-slots            200   200   200   200   200   200
POST   /api/v1/delivery-slots            401   403   403   403   403   201
GET    /api/v1/delivery-slots/{id}       200   200   200   200   200   200
PATCH  /api/v1/delivery-slots/{id}       401   403   403   403   403   200
GET    /api/v1/me/addresses              401   +     -     403   403   -
POST   /api/v1/me/addresses              401   201   201   403   403   201
PATCH  /api/v1/me/addresses/{id}         401   200   404   403   403   404
DELETE /api/v1/me/addresses/{id}         401   200   404   403   403   404
GET    /api/v1/me/points                 401   200   200   403   403   200
POST   /api/v1/me/points/checkin         401   201|409 201|409 403 403 201|409
GET    /api/v1/users/{id}/points         401   403   403   403   403   200
POST   /api/v1/users/{id}/points         401   403   403   403   403   200
GET    /api/v1/points/reconcile          401   403   403   403   403   200
GET    /api/v1/coupons/reconcile         401   403   403   403   403   200
POST   /api/v1/orders/{id}/refunds       401   403   403   403   403   201
POST   /api/v1/orders/{id}/returns       401   403   403   201   201   201
GET    /api/v1/orders/{id}/payments      401   403   403   200   200   200
GET    /api/v1/payments                  401   403   403   200   200   200
GET    /api/v1/payments/{id}             401   403   403   200   200   200
GET    /api/v1/reports/payments          401   403   403   200   200   200
POST   /api/v1/products/{id}/comments    401   201   201   403   403   201
GET    /api/v1/products/{id}/comments    200   200   200   200   200   200
PUT    /api/v1/comments/{id}/like        401   200   200   403   403   200
DELETE /api/v1/comments/{id}/like        401   200   200   403   403   200
DELETE /api/v1/comments/{id}             401   200   403   200   200   200
PATCH  /api/v1/comments/{id}             401   403   403   200   200   200
GET    /api/v1/assistant                 401   200   200   200   200   200
POST   /api/v1/assistant                 401   200   200   403   403   200
GET    /api/v1/me/favorites              401   200   200   403   403   200
PUT    /api/v1/me/favorites/{product_id} 401   200   200   403   403   200
DELETE /api/v1/me/favorites/{product_id} 401   200   200   403   403   200
GET    /api/v1/me/history                401   200   200   403   403   200
DELETE /api/v1/me/history                401   200   200   403   403   200
GET    /api/v1/products/{id}/related     200   200   200   200   200   200
GET    /api/v1/me/recommendations        401   200   200   200   200   200
GET    /api/v1/covers/{file}             200   200   200   200   200   200
GET    /metrics                          200   200   200   200   200   200
"""


# ================================================================ the table

def parse_table():
    """{(method, route): {principal: cell}}; a cell is (statuses, see)
    where see is None, True ("+") or False ("-")."""
    out = {}
    for line in TABLE.strip().split("\n"):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        hf.check(len(parts) == 2 + len(PRINCIPALS), "TABLE line %r: %d "
            "columns, not %d" % (line, len(parts), 2 + len(PRINCIPALS)))
        key = (parts[0], parts[1])
        hf.check(key not in out, "TABLE has two rows for %s %s" % key)
        cells = {}
        for p, c in zip(PRINCIPALS, parts[2:]):
            if c in ("+", "-"):
                cells[p] = (frozenset([200]), c == "+")
            else:
                cells[p] = (frozenset(int(x) for x in c.split("|")), None)
        out[key] = cells
    return out


def derived_cells(row):
    """The disabled and demoted columns, from the row."""
    guest, _ = row["guest"]
    public = all(200 <= s < 300 for s in guest)
    return {"disabled": (frozenset(guest | {401, 403}) if public else
        frozenset([401, 403]), None), "demoted": row["user2"]}


def c_routes():
    """[(method, pattern)] of src/api/routes.c, in table order."""
    with open(os.path.join(hf.repo_root(), "src", "api", "routes.c")) as f:
        text = re.sub(r"/\*.*?\*/", " ", f.read(), flags=re.S)
    found = re.findall(r"\{\s*HTTP_([A-Z]+)\s*,\s*\"([^\"]+)\"", text)
    n = len(re.findall(r"\{\s*HTTP_[A-Z]+\s*,", text))
    hf.check(n == len(found) and n > 0, "src/api/routes.c: read %d of %d "
        "route entries" % (len(found), n))
    return found


# ================================================================ the world

def _ok(r, status=200):
    return hf.expect_success(r, status)


def _data(r):
    """data of an answer, read even when a list holds bytes that are not
    UTF-8 (another test may have stored some)."""
    body = r.json
    if body is None:
        try:
            body = json.loads(r.body.decode("utf-8", "replace"))
        except ValueError:
            return None
    return body.get("data") if isinstance(body, dict) else None


class World:
    def __init__(self):
        self.tag = uuid.uuid4().hex[:8]
        self.key = hf.inv_admin()        # setup and tidying
        self.loans = []                  # loan ids to return
        self.holds = []                  # hold ids to cancel
        self.hooks = []                  # webhook ids to delete
        self.stocktakes = []             # stocktake ids to cancel
        self.n = 0

    def next(self):
        self.n += 1
        return self.n

    # ---- accounts
    def user(self, tag, role="user", login=True):
        email = "t96.%s.%d.%s@example.test" % (tag, self.next(), self.tag)
        pw = hf.new_password()
        r = hf.call("POST", API + "/users", {"email": email, "password": pw,
            "role": role, "display_name": "T96 " + tag}, token=self.key)
        d = _ok(r, 201)
        u = {"id": d["id"], "email": email, "password": pw}
        if login:
            u.update(hf.login_ok(email, pw))
        return u

    # ---- catalog and stock
    def product(self, qty=0, price="5.00"):
        sku = "T96-%s-%d" % (self.tag, self.next())
        body = {"sku": sku, "name": "T96 item " + sku, "price": price}
        if qty:
            body["initial_quantity"] = qty
        d = _ok(hf.call("POST", API + "/products", body, token=self.key),
            201)
        return d["id"], sku

    def reservation(self):
        _, sku = self.product(5)
        ref = "t96-%s-%d" % (self.tag, self.next())
        r = hf.call("POST", API + "/reservations", {"type": "cart",
            "reference_id": ref, "ttl_seconds": 3600,
            "items": [{"sku": sku, "quantity": 1}]}, token=self.biz)
        v = _ok(r, 201)["reservations"][0]
        return v["id"], ref

    def transfer(self):
        """A fresh transfer of one unit from main to the world's store,
        shipped by the admin key."""
        r = hf.call("POST", API + "/transfers", {"from": "main", "to":
            self.xfer_to, "lines": [{"sku": self.xfer_sku, "quantity": 1}]},
            token=self.key)
        return _ok(r, 201)["id"]

    def transfer_status(self, xid):
        d = _data(hf.call("GET", API + "/transfers/%d" % xid, token=self.key))
        return d.get("status") if isinstance(d, dict) else None

    def reservation_status(self, rid):
        r = hf.call("GET", API + "/reservations/%d" % rid, token=self.key)
        d = _data(r)
        return d.get("status") if isinstance(d, dict) else None

    # ---- orders
    def order(self, paid=False):
        r = hf.call("POST", API + "/orders", {"items": [{"sku":
            self.shop_sku, "quantity": 1}]}, token=self.u1["access"])
        o = _ok(r, 201)
        if paid:
            _ok(hf.call("POST", API + "/orders/%d/pay" % o["id"],
                token=self.biz))
        return o

    def fulfilled(self):
        """A paid and fulfilled order of user (issue 15 item 6)."""
        o = self.order(paid=True)
        _ok(hf.call("POST", API + "/orders/%d/fulfill" % o["id"],
            token=self.biz))
        return o

    def money(self, oid):
        """(refunded, units returned) of an order."""
        d = _data(hf.call("GET", API + "/orders/%d/payments" % oid,
            token=self.key))
        if not isinstance(d, dict):
            return None
        return d.get("refunded"), sum(x["quantity"] for x in
            d.get("returns") or [])

    def payment(self):
        """The id of an applied payment of a fresh order."""
        o = self.order()
        raw = json.dumps({"order_id": o["id"], "amount": o["total"],
            "currency": o["currency"], "provider_txn_id": "t96p-%s-%d"
            % (self.tag, self.next()), "status": "paid"}).encode()
        _ok(hf.request("POST", API + "/payments/notify", raw, headers={
            "Content-Type": "application/json", "X-Signature": _sign(raw)}))
        d = _data(hf.call("GET", API + "/payments?order_id=%d" % o["id"],
            token=self.key))
        return d["items"][0]["id"]

    def order_status(self, oid):
        d = _data(hf.call("GET", API + "/orders/%d" % oid, token=self.key))
        return d.get("status") if isinstance(d, dict) else None

    # ---- lending
    def loan(self, user_id=None):
        _, sku = self.product(1)
        r = hf.call("POST", API + "/loans", {"items": [{"sku": sku}],
            "user_id": user_id or self.u1["id"]}, token=self.biz)
        lid = _ok(r, 201)["loans"][0]["id"]
        self.loans.append(lid)
        return lid, sku

    def loan_status(self, lid):
        d = _data(hf.call("GET", API + "/loans/%d" % lid, token=self.key))
        return d.get("status") if isinstance(d, dict) else None

    def hold_sku(self):
        """An SKU whose one unit is on loan to the lender: holds queue."""
        _, sku = self.product(1)
        r = hf.call("POST", API + "/loans", {"items": [{"sku": sku}],
            "user_id": self.lender}, token=self.biz)
        lid = _ok(r, 201)["loans"][0]["id"]
        self.loans.append(lid)
        return sku, lid

    def hold(self, ready=False):
        sku, lent = self.hold_sku()
        r = hf.call("POST", API + "/holds", {"sku": sku, "user_id":
            self.u1["id"]}, token=self.biz)
        hid = _ok(r, 201)["id"]
        self.holds.append(hid)
        if ready:
            _ok(hf.call("POST", API + "/loans/%d/return" % lent,
                token=self.biz))
        return hid, sku

    def hold_status(self, hid):
        d = _data(hf.call("GET", API + "/holds/%d" % hid, token=self.key))
        return d.get("status") if isinstance(d, dict) else None

    # ---- admin objects
    def api_key(self):
        r = hf.call("POST", API + "/api-keys", {"name": "t96-%d" %
            self.next(), "role": "business"}, token=self.key)
        return _ok(r, 201)["id"]

    def coupon(self):
        code = ("T96C-%s-%d" % (uuid.uuid4().hex[:8], self.next()))[:32]
        r = hf.call("POST", API + "/coupons", {"name": "t96", "kind":
            "fixed", "value": "1.00", "ends_at": "2099-01-01T00:00:00Z",
            "total": 5, "codes": [code]}, token=self.key)
        return _ok(r, 201)["id"]

    def group_buy(self):
        """A fresh group buy (issue 15) on a product of 100 units."""
        _, sku = self.product(100)
        r = hf.call("POST", API + "/group-buys", {"name": "t96", "sku": sku,
            "group_size": 50, "group_price": "1.00", "deadline":
            "2099-01-01T00:00:00Z", "per_user": 0}, token=self.key)
        return _ok(r, 201)["id"]

    def group(self):
        """A fresh open group, started by the admin: (group, its order)."""
        r = hf.call("POST", API + "/group-buys/%d/groups" % self.group_buy(),
            token=self.key)
        d = _ok(r, 201)
        return d["id"], d["order"]["id"]
    # ---- delivery and pickup (issue 15): admin objects; an address of u1
    def dlv_area(self):
        r = hf.call("POST", API + "/delivery-areas", {"name": "t96-a-%s-%d"
            % (self.tag, self.next()), "fee": "1.00"}, token=self.key)
        return _ok(r, 201)["id"]

    def dlv_point(self):
        r = hf.call("POST", API + "/pickup-points", {"name": "t96-p-%s-%d"
            % (self.tag, self.next()), "address": "t96"}, token=self.key)
        return _ok(r, 201)["id"]

    def dlv_slot(self):
        r = hf.call("POST", API + "/delivery-slots", {"area_id":
            self.dlv_area(), "starts_at": "2099-01-01T10:00:00Z",
            "ends_at": "2099-01-01T12:00:00Z", "capacity": 5},
            token=self.key)
        return _ok(r, 201)["id"]

    def address(self, area_id=None):
        if area_id is None:
            if not getattr(self, "area_id", None):
                self.area_id = self.dlv_area()
            area_id = self.area_id
        r = hf.call("POST", API + "/me/addresses", {"area_id": area_id,
            "label": "t96", "recipient": "T96", "phone": "12345", "line1":
            "t96", "city": "t96", "postcode": "T96"},
            token=self.u1["access"])
        return _ok(r, 201)["id"]

    def address_label(self, aid):
        rows = hf.db_rows("SELECT label FROM delivery_addresses WHERE id = %d"
            % aid)
        return rows[0][0] if rows else None

    def webhook(self):
        r = hf.call("POST", API + "/webhooks", {"url": PUBLIC_IP_HOOK,
            "events": ["loan.overdue"]}, token=self.key)
        wid = _ok(r, 201)["id"]
        self.hooks.append(wid)
        return wid

    # ---- the discussion (issue 14): a comment on the stock product, by
    # the given user, else by one of a few writers in turn (each reader
    # may post comment_rate_max a minute)
    def comment(self, author=None):
        if author is None:
            if not getattr(self, "writers", None):
                self.writers = [self.user("writer")["access"] for _ in
                    range(5)]
            author = self.writers[self.next() % len(self.writers)]
        r = hf.call("POST", API + "/products/%d/comments" % self.stock_pid,
            {"body": "t96 comment"}, token=author)
        return _ok(r, 201)["id"]

    def comment_state(self, cid):
        rows = hf.db_rows("SELECT status, hidden FROM comments WHERE id = %d"
            % cid)
        return tuple(rows[0]) if rows else None

    # ---- stocktakes (issue 17): one open at a time at stk_loc
    def stocktake(self):
        r = hf.call("POST", API + "/stocktakes", {"location": self.stk_loc},
            token=self.key)
        sid = _ok(r, 201)["id"]
        self.stocktakes.append(sid)
        return sid

    def stocktake_state(self, sid):
        d = _data(hf.call("GET", API + "/stocktakes/%d" % sid,
            token=self.key))
        return (d.get("status"), d.get("line_count")) if isinstance(d,
            dict) else None

    def tidy(self):
        """Cancel the holds and return the loans the cells left, so the
        loan limit never decides a cell."""
        for hid in self.holds:
            hf.call("DELETE", API + "/holds/%d" % hid, token=self.key)
        for lid in self.loans:
            hf.call("POST", API + "/loans/%d/return" % lid, token=self.key)
        for sid in self.stocktakes:
            hf.call("POST", API + "/stocktakes/%d/cancel" % sid,
                token=self.key)
        self.holds, self.loans, self.stocktakes = [], [], []


def build_world():
    w = World()
    w.biz = hf.new_api_key("business", name="t96-biz-" + w.tag)
    w.biz2 = hf.new_api_key("business", name="t96-biz2-" + w.tag)
    w.u1 = w.user("u1")
    w.u2 = w.user("u2")
    w.lender = w.user("lender", login=False)["id"]
    w.target = w.user("target", login=False)["id"]
    try:
        admin = hf.admin_token()
    except hf.TestFailure:
        admin = hf._signed_admin_token()
    w.admin = admin
    me = _ok(hf.call("GET", API + "/me", token=admin))
    hf.check(me.get("role") == "admin", "the admin token is not an admin's")
    w.admin_name = me.get("display_name")
    # the derived columns: a user disabled and an admin demoted after
    # they signed in
    ud = w.user("disabled")
    _ok(hf.call("PATCH", API + "/users/%d" % ud["id"], {"status":
        "disabled"}, token=w.key))
    um = w.user("demoted", role="admin")
    _ok(hf.call("PATCH", API + "/users/%d" % um["id"], {"role": "user"},
        token=w.key))
    w.tokens = {"guest": None, "user": w.u1["access"],
        "user2": w.u2["access"], "biz": w.biz, "biz2": w.biz2,
        "admin": admin, "disabled": ud["access"], "demoted": um["access"]}
    w.stock_pid, w.stock_sku = w.product(100000)
    _, w.shop_sku = w.product(100000, price="3.50")
    r = hf.call("GET", API + "/ledger?sku=%s&per_page=1" % w.stock_sku,
        token=w.biz)
    w.ledger_id = _ok(r)["items"][0]["id"]
    w.res_id, _ = w.reservation()
    # transfers: from main to a store last in allocation order
    w.xfer_to = "t96-x-%s" % w.tag
    _ok(hf.call("POST", API + "/locations", {"code": w.xfer_to, "name":
        "T96 store", "kind": "store", "priority": 900000}, token=w.key), 201)
    _, w.xfer_sku = w.product(100000)
    w.xfer_id = w.transfer()
    w.order_id = w.order()["id"]
    w.loan_id, _ = w.loan()
    w.hold_id, _ = w.hold()
    w.hook_id = w.webhook()
    w.stk_loc = "t96-stk-" + w.tag
    _ok(hf.call("POST", API + "/locations", {"code": w.stk_loc, "name":
        "T96 stocktakes", "kind": "store", "priority": 900000},
        token=w.key), 201)
    w.stocktake_id = w.stocktake()
    w.tidy()
    w.users_for_auth = {}
    w.pending = []
    w.reset_codes = {}
    return w


# ================================================================ the cells

def _staff(p):
    return p in ("biz", "biz2", "admin")


def _fresh_auth_user(w, p):
    """One user per caller for login, refresh, logout and reset (in that
    order in the table): two logins each (the per-address limit is 10);
    logout spends the token that refresh gave."""
    if p not in w.users_for_auth:
        u = w.user("auth-" + p, login=False)
        u["refresh"] = hf.login_ok(u["email"], u["password"])["refresh"]
        w.users_for_auth[p] = u
    return w.users_for_auth[p]


def prepare(w, method, route, p):
    """What the cell sends: {path, body, raw, ctype, headers, see (list
    check), still (a refused cell must leave this true), after (the 2xx
    answer's objects to tidy)}."""
    c = {"path": route, "body": None, "raw": None, "ctype": None,
        "headers": {}, "see": None, "still": None, "after": None}
    k = (method, route[len(API):] if route.startswith(API) else route)
    n = w.next()

    def path(*vals):
        out, i = [], 0
        for seg in route.split("/"):
            if seg.startswith("{"):
                out.append(str(vals[i]))
                i += 1
            else:
                out.append(seg)
        return "/".join(out)

    if k == ("POST", "/auth/register"):
        c["body"] = {"email": "t96.reg.%d.%s@example.test" % (n, w.tag),
            "password": hf.new_password(), "display_name": "T96"}
    elif k == ("POST", "/auth/verify"):
        if not w.pending:
            # one registration per caller at once: their mails overlap
            emails = [hf.unique_email("t96v") for _ in PRINCIPALS + DERIVED]
            seen = set(hf.mail_files())
            for e in emails:
                _ok(hf.register(e, hf.new_password(), "T96"), 201)
            codes = _codes(emails, seen)
            w.pending = [(e, codes[e]) for e in emails]
        email, code = w.pending.pop()
        c["body"] = {"email": email, "code": code}
    elif k in (("POST", "/auth/resend"), ("POST", "/auth/password/forgot")):
        c["body"] = {"email": "t96.nobody.%d.%s@example.test" % (n, w.tag)}
    elif k == ("POST", "/auth/login"):
        u = _fresh_auth_user(w, p)
        c["body"] = {"email": u["email"], "password": u["password"]}
    elif k == ("POST", "/auth/refresh"):
        u = _fresh_auth_user(w, p)
        c["body"] = {"refresh_token": u.pop("refresh")}
        c["after"] = ("refresh", u)
    elif k == ("POST", "/auth/logout"):
        u = _fresh_auth_user(w, p)
        tok = u.pop("refresh", None) or hf.login_ok(u["email"],
            u["password"])["refresh"]
        c["body"] = {"refresh_token": tok}
    elif k == ("POST", "/auth/password/reset"):
        if not w.reset_codes:
            # every caller's user asks for a code at once
            seen = set(hf.mail_files())
            for q in PRINCIPALS + DERIVED:
                _ok(hf.post(API + "/auth/password/forgot",
                    {"email": _fresh_auth_user(w, q)["email"]}), 202)
            codes = _codes([w.users_for_auth[q]["email"] for q in
                PRINCIPALS + DERIVED], seen)
            for q in PRINCIPALS + DERIVED:
                w.reset_codes[q] = codes[w.users_for_auth[q]["email"]]
        u = _fresh_auth_user(w, p)
        c["body"] = {"email": u["email"], "code": w.reset_codes.pop(p),
            "password": hf.new_password()}
    elif k == ("PATCH", "/me"):
        name = w.admin_name if p == "admin" else "T96 %s" % p
        c["body"] = {"display_name": name or "Demo admin"}
    elif k == ("POST", "/users"):
        c["body"] = {"email": "t96.new.%d.%s@example.test" % (n, w.tag),
            "password": hf.new_password(), "role": "user",
            "display_name": "T96"}
    elif k == ("PATCH", "/users/{id}"):
        c["path"] = path(w.target)
        c["body"] = {"status": "active"}
    elif k == ("GET", "/users/{id}/points"):
        c["path"] = path(w.target)
    elif k == ("POST", "/users/{id}/points"):
        c["path"] = path(w.target)
        c["body"] = {"delta": 1, "reason": "t96"}
    elif k == ("POST", "/api-keys"):
        c["body"] = {"name": "t96-made-%d" % n, "role": "business"}
    elif k == ("DELETE", "/api-keys/{id}"):
        c["path"] = path(w.api_key())
    elif k == ("POST", "/products"):
        c["body"] = {"sku": "T96-new-%s-%d" % (w.tag, n),
            "name": "T96 new"}
    elif k in (("GET", "/products/{id}"), ("PATCH", "/products/{id}"),
            ("PUT", "/products/{id}/cover"),
            ("GET", "/products/{id}/related")):
        c["path"] = path(w.stock_pid)
        if method == "PATCH":
            c["body"] = {"name": "T96 item " + w.stock_sku}
        if method == "PUT":
            c["raw"] = hf.png_bytes("t96-%d" % n)
            c["ctype"] = "image/png"
    elif k == ("GET", "/covers/{file}"):
        # issue 16: a cover from the database, public like the file
        if not getattr(w, "cover_file", None):
            r = hf.request("PUT", API + "/products/%d/cover" % w.stock_pid,
                body=hf.png_bytes("t96-cover-%s" % w.tag),
                headers=hf.auth_header(w.key), content_type="image/png")
            w.cover_file = _data(r)["cover_url"].rsplit("/", 1)[1]
        c["path"] = path(w.cover_file)
    elif k == ("DELETE", "/products/{id}"):
        c["path"] = path(w.product(0)[0])
    elif k[1] == "/me/favorites/{product_id}":
        c["path"] = path(w.stock_pid)
        if method == "PUT":
            c["body"] = {"notify": False}
    elif k == ("POST", "/locations"):
        c["body"] = {"code": "t96-%s-%d" % (w.tag, n), "name": "T96 new",
            "kind": "store", "priority": 500}
    elif k[1] == "/locations/{code}":
        # the default location, changed to what it is (priority 0)
        c["path"] = path("main")
        if method == "PATCH":
            c["body"] = {"priority": 0}
    elif k == ("POST", "/transfers"):
        c["body"] = {"from": "main", "to": w.xfer_to, "lines": [{"sku":
            w.xfer_sku, "quantity": 1}], "note": "t96"}
    elif k == ("GET", "/transfers"):
        xid = w.transfer()
        c["path"] = route + "?status=in_transit&location=%s&per_page=100" \
            % w.xfer_to
        c["see"] = xid
    elif k == ("GET", "/transfers/{id}"):
        c["path"] = path(w.xfer_id)
    elif k in (("POST", "/transfers/{id}/receive"),
            ("POST", "/transfers/{id}/close")):
        xid = w.transfer()
        c["path"] = path(xid)
        c["body"] = {"lines": [{"sku": w.xfer_sku, "quantity": 1}]} if \
            k[1].endswith("/receive") else {"action": "return"}
        c["still"] = ("transfer %d in transit" % xid,
            lambda: w.transfer_status(xid) == "in_transit")
    elif k == ("POST", "/stocktakes"):
        c["body"] = {"location": w.stk_loc, "note": "t96"}
        c["after"] = "stocktake"
    elif k == ("GET", "/stocktakes/{id}"):
        c["path"] = path(w.stocktake_id)
    elif k == ("PUT", "/stocktakes/{id}/counts.csv"):
        sid = w.stocktake()
        c["path"] = path(sid)
        c["raw"] = ("sku,counted\r\n%s,1\r\n" % w.stock_sku).encode()
        c["ctype"] = "text/csv"
        c["still"] = ("stocktake %d open with no line" % sid,
            lambda: w.stocktake_state(sid) == ("open", 0))
    elif k[1].startswith("/stocktakes/{id}/"):
        sid = w.stocktake()
        c["path"] = path(sid)
        if method == "PUT":
            c["body"] = {"lines": [{"sku": w.stock_sku, "counted": 1}]}
        c["still"] = ("stocktake %d open with no line" % sid,
            lambda: w.stocktake_state(sid) == ("open", 0))
    elif k[1].startswith("/stock/{sku}"):
        c["path"] = path(w.stock_sku)
        c["body"] = {"PATCH": {"warning_threshold": 0},
            "POST": {"quantity": 1, "reason": "t96"}}.get(method)
        if k[1].endswith("/adjust"):
            c["body"] = {"delta": 1, "reason": "t96"}
    elif k == ("POST", "/reservations"):
        c["body"] = {"type": "cart", "ttl_seconds": 600,
            "items": [{"sku": w.stock_sku, "quantity": 1}]}
    elif k == ("GET", "/reservations"):
        rid, ref = w.reservation()
        c["path"] = route + "?reference_id=" + ref
        c["see"] = rid
    elif k in (("POST", "/reservations/commit"),
            ("POST", "/reservations/release")):
        rid, ref = w.reservation()
        c["body"] = {"reference_id": ref}
        c["still"] = ("reservation %d active" % rid,
            lambda: w.reservation_status(rid) == "active")
    elif k == ("GET", "/reservations/{id}"):
        c["path"] = path(w.res_id)
    elif k in (("POST", "/reservations/{id}/commit"),
            ("POST", "/reservations/{id}/release")):
        rid, _ = w.reservation()
        c["path"] = path(rid)
        c["still"] = ("reservation %d active" % rid,
            lambda: w.reservation_status(rid) == "active")
    elif k == ("GET", "/ledger/{id}"):
        c["path"] = path(w.ledger_id)
    elif k == ("POST", "/loans"):
        _, sku = w.product(1)
        c["body"] = {"items": [{"sku": sku}]}
        if _staff(p):
            c["body"]["user_id"] = w.u1["id"]
        c["after"] = "loans"
    elif k == ("GET", "/loans"):
        lid, sku = w.loan()
        c["path"] = route + "?sku=" + sku
        c["see"] = lid
    elif k == ("GET", "/loans/{id}"):
        c["path"] = path(w.loan_id)
    elif k in (("POST", "/loans/{id}/return"), ("POST",
            "/loans/{id}/renew")):
        lid, _ = w.loan()
        c["path"] = path(lid)
        if k[1].endswith("/return"):
            c["still"] = ("loan %d active" % lid,
                lambda: w.loan_status(lid) == "active")
    elif k in (("POST", "/loans/return"), ("POST", "/loans/renew")):
        # issue 14, item 6: another's loan in a batch is named as not
        # found inside a 409 LOAN_005, and nothing changes
        lid, _ = w.loan()
        c["body"] = {"loan_ids": [lid]}
        if k[1].endswith("/return"):
            c["still"] = ("loan %d active" % lid,
                lambda: w.loan_status(lid) == "active")
    elif k == ("POST", "/loans/{id}/void"):
        lid, _ = w.loan()
        c["path"] = path(lid)
        c["body"] = {"reason": "t96"}
        c["still"] = ("loan %d active" % lid,
            lambda: w.loan_status(lid) == "active")
    elif k == ("POST", "/holds"):
        sku, _ = w.hold_sku()
        c["body"] = {"sku": sku}
        if _staff(p):
            c["body"]["user_id"] = w.u1["id"]
        c["after"] = "hold"
    elif k == ("GET", "/holds"):
        hid, sku = w.hold()
        c["path"] = route + "?sku=" + sku
        c["see"] = hid
    elif k == ("GET", "/holds/{id}"):
        c["path"] = path(w.hold_id)
    elif k == ("DELETE", "/holds/{id}"):
        hid, _ = w.hold()
        c["path"] = path(hid)
        c["still"] = ("hold %d waiting" % hid,
            lambda: w.hold_status(hid) == "waiting")
    elif k == ("POST", "/holds/{id}/checkout"):
        hid, _ = w.hold(ready=True)
        c["path"] = path(hid)
        c["still"] = ("hold %d ready" % hid,
            lambda: w.hold_status(hid) == "ready")
        c["after"] = "checkout"
    elif k == ("POST", "/orders"):
        c["body"] = {"items": [{"sku": w.shop_sku, "quantity": 1}]}
    elif k == ("GET", "/orders"):
        oid = w.order()["id"]
        c["path"] = route + "?per_page=100"
        c["see"] = oid
    elif k == ("GET", "/orders/{id}"):
        c["path"] = path(w.order_id)
    elif k in (("POST", "/orders/{id}/pay"), ("POST", "/orders/{id}/cancel")):
        oid = w.order()["id"]
        c["path"] = path(oid)
        c["still"] = ("order %d pending" % oid,
            lambda: w.order_status(oid) == "pending_payment")
    elif k in (("POST", "/orders/{id}/refund"),
            ("POST", "/orders/{id}/fulfill")):
        oid = w.order(paid=True)["id"]
        c["path"] = path(oid)
        c["still"] = ("order %d paid" % oid,
            lambda: w.order_status(oid) == "paid")
    elif k == ("POST", "/orders/{id}/refunds"):
        oid = w.order(paid=True)["id"]
        c["path"] = path(oid)
        c["body"] = {"amount": "0.01", "reason": "t96"}
        c["still"] = ("order %d not refunded" % oid,
            lambda: (w.money(oid) or (None,))[0] == "0.00")
    elif k == ("POST", "/orders/{id}/returns"):
        oid = w.fulfilled()["id"]
        c["path"] = path(oid)
        c["body"] = {"lines": [{"sku": w.shop_sku, "quantity": 1,
            "sellable": True}]}
        c["still"] = ("order %d nothing returned" % oid,
            lambda: (w.money(oid) or (None, None))[1] == 0)
    elif k == ("GET", "/orders/{id}/payments"):
        c["path"] = path(w.order_id)
    elif k == ("GET", "/payments/{id}"):
        c["path"] = path(w.payment())
    elif k == ("POST", "/payments/notify"):
        o = w.order()
        raw = json.dumps({"order_id": o["id"], "amount": o["total"],
            "currency": o["currency"], "provider_txn_id": "t96-%s-%d"
            % (w.tag, n), "status": "paid"}).encode()
        c["raw"] = raw
        c["ctype"] = "application/json"
        c["headers"] = {"X-Signature": _sign(raw)}
    elif k == ("POST", "/coupons"):
        c["body"] = {"name": "t96", "kind": "fixed", "value": "1.00",
            "ends_at": "2099-01-01T00:00:00Z", "total": 5,
            "codes": [("T96-%s-%d" % (w.tag, n))[:32].replace(".", "-")]}
    elif k in (("GET", "/coupons/{id}"), ("PATCH", "/coupons/{id}")):
        c["path"] = path(w.coupon())
        if method == "PATCH":
            c["body"] = {"active": True}
    elif k == ("POST", "/group-buys"):
        c["body"] = {"name": "t96", "sku": w.stock_sku, "group_size": 2,
            "group_price": "1.00", "deadline": "2099-01-01T00:00:00Z"}
    elif k in (("GET", "/group-buys/{id}"), ("PATCH", "/group-buys/{id}"),
            ("POST", "/group-buys/{id}/groups"),
            ("GET", "/group-buys/{id}/groups")):
        c["path"] = path(w.group_buy())
        if method == "PATCH":
            c["body"] = {"active": True}
    elif k in (("GET", "/groups/{id}"), ("POST", "/groups/{id}/join")):
        c["path"] = path(w.group()[0])
    elif k == ("POST", "/group-members/{id}/refunded"):
        # a pending seat: the admin passes and is told no refund is due
        c["path"] = path(w.group()[1])
    elif k == ("POST", "/delivery-areas"):
        c["body"] = {"name": "t96-a-%s-%d" % (w.tag, n), "fee": "1.00"}
    elif k == ("POST", "/pickup-points"):
        c["body"] = {"name": "t96-p-%s-%d" % (w.tag, n), "address": "t96"}
    elif k == ("POST", "/delivery-slots"):
        if not getattr(w, "area_id", None):
            w.area_id = w.dlv_area()
        c["body"] = {"area_id": w.area_id, "starts_at":
            "2099-01-01T10:00:00Z", "ends_at": "2099-01-01T12:00:00Z",
            "capacity": 5}
    elif k == ("PATCH", "/delivery-areas/{id}"):
        c["path"] = path(w.dlv_area())
        c["body"] = {"fee": "2.00"}
    elif k == ("PATCH", "/pickup-points/{id}"):
        c["path"] = path(w.dlv_point())
        c["body"] = {"hours": "9-5"}
    elif k in (("GET", "/delivery-slots/{id}"),
            ("PATCH", "/delivery-slots/{id}")):
        c["path"] = path(w.dlv_slot())
        if method == "PATCH":
            c["body"] = {"capacity": 6}
    elif k == ("GET", "/me/addresses"):
        if not getattr(w, "addr_id", None):
            w.addr_id = w.address()
        c["see"] = w.addr_id
    elif k == ("POST", "/me/addresses"):
        if not getattr(w, "area_id", None):
            w.area_id = w.dlv_area()
        c["body"] = {"area_id": w.area_id, "label": "t96", "recipient":
            "T96", "phone": "12345", "line1": "t96", "city": "t96",
            "postcode": "T96"}
    elif k in (("PATCH", "/me/addresses/{id}"),
            ("DELETE", "/me/addresses/{id}")):
        aid = w.address()
        c["path"] = path(aid)
        if method == "PATCH":
            c["body"] = {"label": "t96-changed"}
        c["still"] = ("address %d unchanged" % aid,
            lambda: w.address_label(aid) == "t96")
    elif k == ("POST", "/webhooks"):
        c["body"] = {"url": PUBLIC_IP_HOOK, "events": ["loan.overdue"]}
        c["after"] = "webhook"
    elif k == ("DELETE", "/webhooks/{id}"):
        c["path"] = path(w.webhook())
    elif k == ("GET", "/webhooks/{id}/deliveries"):
        c["path"] = path(w.hook_id)
    elif k == ("POST", "/import/products"):
        # a dry run: the cell measures who may, not what it changes
        c["path"] = route + "?dry_run=1"
        c["raw"] = ("sku,name,price,category,description,location,"
            "on_hand\r\n%s,T96 item %s,5.00,,,main,100000\r\n" % (
            w.stock_sku, w.stock_sku)).encode()
        c["ctype"] = "text/csv"
    elif k[1] in ("/export/ledger.csv", "/export/orders.csv"):
        c["path"] = route + "?from=" + time.strftime(
            "%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 600))
    elif k == ("POST", "/products/{id}/comments"):
        c["path"] = path(w.stock_pid)
        c["body"] = {"body": "t96 %s" % p}
    elif k == ("GET", "/products/{id}/comments"):
        c["path"] = path(w.stock_pid)
    elif k[1].startswith("/comments/{id}"):
        # DELETE: the user's own comment (another's for everyone else)
        cid = w.comment(w.u1["access"] if p == "user" and k ==
            ("DELETE", "/comments/{id}") else None)
        c["path"] = path(cid)
        if method == "PATCH":
            c["body"] = {"hidden": True}
        c["still"] = ("comment %d visible, not hidden" % cid,
            lambda: w.comment_state(cid) == ("visible", "0"))
    elif k == ("POST", "/assistant"):
        # the reader's own question (an API key is no reader: 403)
        c["body"] = {"question": "t96 atlas question %d" % n}
    elif "{" in route:
        hf.fail("no object for %s %s in prepare()" % (method, route))
    return c


def _codes(emails, seen, timeout=20):
    """{address: code} from the mails that arrive for these addresses
    after seen (a set of mail files): only new files are read, once."""
    want = set(e.lower() for e in emails)
    found, read = {}, set(seen)
    deadline = time.monotonic() + timeout
    while set(found) != want:
        for path in hf.mail_files():
            if path in read:
                continue
            read.add(path)
            try:
                raw, msg = hf._read_mail(path)
            except OSError:
                continue
            for to in hf.mail_recipients(msg):
                if to in want:
                    found[to] = hf.code_in(hf.mail_text(msg, raw), path)
        if set(found) == want:
            break
        if time.monotonic() > deadline:
            hf.fail("no code mailed to %s within %d s" % (", ".join(
                sorted(want - set(found))), timeout))
        time.sleep(0.1)
    return {e: found[e.lower()] for e in emails}


def _sign(raw):
    import hashlib
    import hmac
    key = os.environ.get("HOLDFAST_PAYMENT_SECRET") or \
        hf.conf_values().get("payment_secret")
    if not key:
        hf.skip("no payment_secret in %s/holdfast.conf" % hf.dev_var())
    return "sha256=" + hmac.new(key.encode(), raw,
        hashlib.sha256).hexdigest()


def run_cell(w, method, route, p, c):
    headers = dict(c["headers"])
    token = w.tokens[p]
    if c["raw"] is not None:
        if token:
            headers.update(hf.auth_header(token))
        return hf.request(method, c["path"], body=c["raw"], headers=headers,
            content_type=c["ctype"])
    return hf.call(method, c["path"], c["body"], token=token,
        headers=headers)


def _after(w, c, r):
    """Objects a cell made that must not outlive it."""
    if not 200 <= r.status < 300:
        return
    d = _data(r) or {}
    if isinstance(c["after"], tuple) and c["after"][0] == "refresh":
        if isinstance(d.get("refresh_token"), str):
            c["after"][1]["refresh"] = d["refresh_token"]
    elif c["after"] == "loans":
        w.loans += [x["id"] for x in d.get("loans") or []]
    elif c["after"] == "hold" and isinstance(d.get("id"), int):
        w.holds.append(d["id"])
    elif c["after"] == "checkout":
        loan = d.get("loan") or {}
        if isinstance(loan.get("id"), int):
            w.loans.append(loan["id"])
    elif c["after"] == "webhook" and isinstance(d.get("id"), int):
        w.hooks.append(d["id"])
    elif c["after"] == "stocktake" and isinstance(d.get("id"), int):
        w.stocktakes.append(d["id"])


def _listed(r, oid):
    d = _data(r)
    items = d.get("items") if isinstance(d, dict) else None
    if not isinstance(items, list):
        return None
    return any(isinstance(x, dict) and x.get("id") == oid for x in items)


def test_every_route_for_every_caller():
    table = parse_table()
    routes = c_routes()
    keys = set(routes)
    missing = [k for k in routes if k not in table]
    stale = [k for k in table if k not in keys]
    hf.check(not missing, "routes without a row in the authorization "
        "matrix (TABLE in %s): %s" % (os.path.basename(__file__),
        ", ".join("%s %s" % k for k in missing)))
    hf.check(not stale, "matrix rows for routes that src/api/routes.c no "
        "longer has: %s" % ", ".join("%s %s" % k for k in stale))

    t0 = time.monotonic()
    w = build_world()
    grid, wrong, took = [], [], {}
    t_setup = time.monotonic() - t0
    cols = PRINCIPALS + DERIVED
    try:
        for method, route in routes:
            row = dict(table[(method, route)])
            row.update(derived_cells(table[(method, route)]))
            line = []
            t_row = time.monotonic()
            for p in cols:
                want, see = row[p]
                c = prepare(w, method, route, p)
                r = run_cell(w, method, route, p, c)
                _after(w, c, r)
                got = "%d" % r.status
                bad = None
                if r.status not in want:
                    bad = "status %d, want %s" % (r.status,
                        "|".join(str(s) for s in sorted(want)))
                elif see is not None:
                    listed = _listed(r, c["see"])
                    got += "+" if listed else "-"
                    if listed is None or listed != see:
                        bad = "object %d %s the list, want %s" % (c["see"],
                            "not in" if not listed else "in",
                            "listed" if see else "not listed")
                if not 200 <= r.status < 300 and c["still"] is not None:
                    what, ok = c["still"]
                    if not ok():
                        bad = (bad + "; " if bad else "") + \
                            "refused but %s is no longer true" % what
                if bad:
                    got += "!"
                    wrong.append((method, route, p, bad, r))
                line.append(got)
                w.tidy()
            grid.append((method, route, line))
            took[(method, route)] = time.monotonic() - t_row
    finally:
        w.tidy()
        for wid in w.hooks:
            hf.call("DELETE", API + "/webhooks/%d" % wid, token=w.key)

    print("authorization matrix: %d routes x %d callers = %d cells in "
        "%.1f s (setup %.1f s), %d wrong" % (len(routes), len(cols),
        len(routes) * len(cols), time.monotonic() - t0, t_setup,
        len(wrong)))
    print("  slowest rows: " + ", ".join("%s %s %.1f s" % (k[0], k[1], v)
        for k, v in sorted(took.items(), key=lambda kv: -kv[1])[:5]))
    print("  %-44s %s" % ("", " ".join("%-8s" % p for p in cols)))
    for method, route, line in grid:
        print("  %-6s %-37s %s" % (method, route, " ".join("%-8s" % x
            for x in line)))
    if wrong:
        msgs = []
        for method, route, p, bad, r in wrong:
            body = r.body[:200]
            msgs.append("%s %s as %s: %s\n      -> %d %r" % (method, route,
                p, bad, r.status, body))
        hf.fail("%d of %d cells are not what the contract says:\n  %s"
            % (len(wrong), len(routes) * len(cols), "\n  ".join(msgs)))
