"""Helpers the lending tests share (test_85..89, test_91), on top of the
rest of hf: a module's business key and readers, loans, and the
reconcile check after a test. Each module makes one Lending with its own
tag, so that its requests keep a rate limit of their own:

    from hf import lend
    L = lend.Lending("t85")
    _biz, new_user, reconciled = L.biz, L.new_user, L.reconciled
"""

import hf


class Lending:
    def __init__(self, tag):
        self.tag = tag

    def biz(self):
        """The module's business API key."""
        return hf.inv_business(self.tag)

    def new_user(self, tag=None):
        """A fresh active user (made by the admin): {id, email, token}."""
        email = hf.unique_email(tag or self.tag)
        password = hf.new_password()
        r = hf.call("POST", "/api/v1/users", {"email": email,
            "password": password, "role": "user",
            "display_name": "Reader"}, token=hf.inv_admin())
        data = hf.expect_success(r, 201)
        return {"id": data["id"], "email": email,
            "token": hf.login_ok(email, password)["access"]}

    def reconciled(self, *skus):
        """Reconcile of every SKU is clean (as the module's key sees it)."""
        for sku in skus:
            data = hf.reconcile_api(sku, self.biz())
            hf.check(data["ok"], "reconcile of %s not ok: %r" % (sku,
                data["mismatches"]))


def _token(who):
    return who["token"] if isinstance(who, dict) else who


def borrow(who, *skus, user_id=None, headers=None):
    """POST /loans, one unit of each SKU, as who (a user from new_user
    or a token), for user_id when given; the Response."""
    body = {"items": [{"sku": s} for s in skus]}
    if user_id is not None:
        body["user_id"] = user_id
    return hf.call("POST", "/api/v1/loans", body, token=_token(who),
        headers=headers)


def borrow_ok(who, *skus, **kw):
    """borrow() answered 201 with one loan per line; the loans."""
    r = borrow(who, *skus, **kw)
    loans = hf.expect_success(r, 201).get("loans")
    hf.check(isinstance(loans, list) and len(loans) == len(skus),
        "POST /loans answered %r loans for %d lines" % (loans, len(skus)), r)
    return loans


def borrow_one(who, sku):
    """One unit of sku lent to who; the loan."""
    return borrow_ok(who, sku)[0]
