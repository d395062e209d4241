"""Catalog (issue 5): search, filters, pages, sorts, PATCH, retire,
categories and cover images, through nginx to the real workers.

Every test makes its own products with words, SKUs, ISBNs and category
names no other product has, and looks only at those: the shared stack
holds many other products."""

import random
import time

import hf

LEVELS = ("ok", "warning", "critical", "out")


def _admin():
    return hf.inv_admin()


def _biz():
    return hf.inv_business("t76")


def _isbn13():
    """A fresh ISBN-13 (978 + 9 random digits + its check digit) and the
    same number with hyphens."""
    digits = "978" + "".join(random.choice("0123456789") for _ in range(9))
    s = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits))
    digits += str((10 - s % 10) % 10)
    return digits, "%s-%s-%s-%s-%s" % (digits[:3], digits[3], digits[4:9],
        digits[9:12], digits[12])


def _product(name, quantity=0, **fields):
    return hf.new_product(quantity, sku=hf.unique_sku("T76"), name=name,
        token=_admin(), **fields)


def _category():
    """A category name used by no other product, and the slug the
    service gives it."""
    tag = hf.unique_word("c")
    return "Shelf %s" % tag.upper(), "shelf-%s" % tag


def _ids(data):
    return hf.product_ids(data)


def _search(q, **kw):
    return hf.products_query(q=q, per_page=100, **kw)


def _expect_ids(data, want, what, resp=None, ordered=False):
    got = _ids(data)
    if ordered:
        hf.expect_eq(got, want, what, resp)
    else:
        hf.expect_eq(sorted(got), sorted(want), what, resp)
    hf.expect_eq(data.get("total"), len(want), "%s: data.total" % what,
        resp)


def _expect_listed_item(it, resp=None):
    """Each item of a list carries available and stock_status, and they
    agree with its stock object."""
    for k in ("id", "sku", "name", "price", "status", "available",
        "stock_status", "stock", "attributes", "cover_url", "created_at"):
        hf.check(k in it, "list item has no %r" % k, resp)
    st = it["stock"]
    hf.check(isinstance(st, dict), "list item stock is not an object", resp)
    hf.expect_eq(it["available"], st.get("on_hand", 0) - st.get("reserved",
        0), "item %s available = stock on_hand - reserved" % it["sku"], resp)
    hf.expect_eq(it["available"], st.get("available"),
        "item %s available vs stock.available" % it["sku"], resp)
    hf.check(it["stock_status"] in LEVELS, "item %s stock_status %r is not "
        "one of %s" % (it["sku"], it["stock_status"], LEVELS), resp)
    hf.expect_eq(it["stock_status"], st.get("status"),
        "item %s stock_status vs stock.status" % it["sku"], resp)


def _audit(pid, action=None):
    r = hf.call("GET", "/api/v1/audit?entity=product&entity_id=%s"
        "&per_page=100" % pid, token=_admin())
    data = hf.expect_success(r)
    rows = data.get("items")
    hf.check(isinstance(rows, list), "audit data.items is not a list", r)
    for row in rows:
        hf.expect_eq(str(row.get("entity_id")), str(pid),
            "entity_id of a row filtered by entity_id", r)
    if action is not None:
        rows = [row for row in rows if row.get("action") == action]
    return rows


def _get_product(pid, token=None):
    r = hf.call("GET", "/api/v1/products/%s" % pid, token=token or _biz())
    return hf.expect_success(r), r


def _categories():
    r = hf.call("GET", "/api/v1/categories")
    data = hf.expect_success(r)
    hf.check(isinstance(data.get("items"), list), "categories data.items "
        "is not a list", r)
    return {c.get("name"): c for c in data["items"]}, r


# ---------------------------------------------------------------- search

def test_search_by_name_word_author_isbn_and_exact_sku():
    word, surname = hf.unique_word("n"), hf.unique_word("a")
    isbn, isbn_hyph = _isbn13()
    book1 = _product("The %s voyage" % word, 3, price="12.50",
        category="Books", description="a novel of the sea",
        attributes={"author": "Ada %s" % surname.capitalize(),
            "isbn": isbn_hyph})
    book2 = _product("Collected letters %s" % hf.unique_word("x"), 1,
        category="Books", attributes={"author": "Ada %s" % surname,
            "isbn": _isbn13()[1]})
    # a name that shares nothing with its SKU: only the exact SKU match
    # can find it by SKU
    gadget = _product("Brass widget %s" % hf.unique_word("g"), 9,
        price="3.00", category="Hardware")

    r, data = _search(word)
    _expect_ids(data, [book1["id"]], "q=<a word of the name>", r)
    for it in data["items"]:
        _expect_listed_item(it, r)
    hf.expect_eq(data["items"][0]["attributes"].get("isbn"), isbn_hyph,
        "the found book's isbn attribute", r)
    r, data = _search(word.upper())
    _expect_ids(data, [book1["id"]], "q=<the name word in capitals>", r)
    r, data = _search(word[:8])
    hf.check(book1["id"] in _ids(data), "q=<the first 8 letters of a name "
        "word> (words are prefixes) does not find the book", r)

    r, data = _search(surname)
    _expect_ids(data, [book1["id"], book2["id"]],
        "q=<the author's surname> (both books by that author)", r)
    r, data = _search("Ada %s" % surname)
    _expect_ids(data, [book1["id"], book2["id"]], "q=<the author's full "
        "name>", r)

    r, data = _search(isbn)
    _expect_ids(data, [book1["id"]], "q=<ISBN digits, no hyphens>", r)
    r, data = _search(isbn_hyph)
    _expect_ids(data, [book1["id"]], "q=<ISBN with hyphens>", r)

    r, data = _search(gadget["sku"])
    _expect_ids(data, [gadget["id"]], "q=<exact SKU>", r)
    hf.expect_eq(data["items"][0]["sku"], gadget["sku"], "found sku", r)

    r, data = _search(hf.unique_word("nothing"))
    _expect_ids(data, [], "q=<a word no product has>", r)

    # guests read the catalogue too
    r = hf.call("GET", "/api/v1/products?q=%s" % word)
    hf.expect_eq(_ids(hf.expect_success(r)), [book1["id"]],
        "q=<name word> as a guest", r)


def test_search_finds_a_product_by_its_new_name_after_patch():
    old, new = hf.unique_word("o"), hf.unique_word("m")
    p = _product("Lamp %s" % old, 1)
    r, data = _search(old)
    _expect_ids(data, [p["id"]], "q=<old name word> before the PATCH", r)
    r = hf.call("PATCH", "/api/v1/products/%s" % p["id"],
        {"name": "Lamp %s" % new}, token=_admin())
    hf.expect_success(r)
    r, data = _search(new)
    _expect_ids(data, [p["id"]], "q=<new name word> right after the "
        "PATCH answered (a cached list page must not hide it)", r)
    r, data = _search(old)
    _expect_ids(data, [], "q=<old name word> right after the PATCH", r)


# ---------------------------------------------------------------- filters

def test_filter_by_category_slug_or_name_and_by_status():
    cat, slug = _category()
    a = _product("Alpha %s" % hf.unique_word("f"), 2, category=cat)
    m = _product("Mid %s" % hf.unique_word("f"), 2, category=cat)
    gone = _product("Gone %s" % hf.unique_word("f"), 0, category=cat)
    other = _product("Elsewhere %s" % hf.unique_word("f"), 2,
        category=cat + " Annex")
    r = hf.call("PATCH", "/api/v1/products/%s" % m["id"],
        {"status": "maintenance"}, token=_admin())
    hf.expect_eq(hf.expect_success(r).get("status"), "maintenance",
        "status after PATCH maintenance", r)
    r = hf.call("DELETE", "/api/v1/products/%s" % gone["id"], token=_admin())
    hf.expect_success(r)

    cats, r = _categories()
    hf.check(cat in cats, "GET /categories does not list %r" % cat, r)
    hf.expect_eq(cats[cat].get("slug"), slug, "slug of %r" % cat, r)

    for value in (cat, slug):
        r, data = hf.products_query(category=value, per_page=100)
        _expect_ids(data, [a["id"], m["id"]], "category=%s (default "
            "status: all but retired)" % value, r)
        for it in data["items"]:
            hf.expect_eq(it.get("category"), cat, "item category", r)
            _expect_listed_item(it, r)
    hf.check(other["id"] not in _ids(data), "category=%s lists a product "
        "of another category" % slug)

    for status, want in (("active", [a["id"]]), ("maintenance", [m["id"]]),
        ("retired", [gone["id"]])):
        r, data = hf.products_query(category=slug, status=status,
            per_page=100)
        _expect_ids(data, want, "category=%s&status=%s" % (slug, status), r)
        for it in data["items"]:
            hf.expect_eq(it.get("status"), status, "item status", r)

    r, data = hf.products_query(category="no-such-%s" % hf.unique_word("z"))
    _expect_ids(data, [], "category=<unknown slug>", r)
    r = hf.call("GET", "/api/v1/products?status=lost", token=_biz())
    hf.expect_error(r, 422, "REQ_010")
    r = hf.call("GET", "/api/v1/products?sort=weight", token=_biz())
    hf.expect_error(r, 422, "REQ_010")


def test_pages_cover_every_product_once_with_the_right_total():
    cat, slug = _category()
    made = [_product("Page item %d %s" % (i, hf.unique_word("p")), i,
        category=cat)["id"] for i in range(5)]
    seen = []
    for page, size in ((1, 2), (2, 2), (3, 1)):
        r, data = hf.products_query(category=slug, page=page, per_page=2)
        hf.expect_eq(len(data["items"]), size, "items on page %d of 5 at "
            "per_page=2" % page, r)
        hf.expect_eq(data.get("total"), 5, "total on page %d" % page, r)
        hf.expect_eq(data.get("page"), page, "data.page", r)
        hf.expect_eq(data.get("per_page"), 2, "data.per_page", r)
        seen.extend(_ids(data))
    hf.expect_eq(sorted(seen), sorted(made), "the three pages together")
    hf.expect_eq(seen, sorted(made, reverse=True), "page order "
        "(default sort -created_at: newest first)")
    r, data = hf.products_query(category=slug, page=4, per_page=2)
    hf.expect_eq(data["items"], [], "items on page 4 of 3", r)
    hf.expect_eq(data.get("total"), 5, "total on a page past the end", r)
    r = hf.call("GET", "/api/v1/products?per_page=101", token=_biz())
    hf.expect_error(r, 422, "REQ_010")
    r = hf.call("GET", "/api/v1/products?page=0", token=_biz())
    hf.expect_error(r, 422, "REQ_010")


def test_sort_by_name_created_at_price_and_price_descending():
    cat, slug = _category()
    tag = hf.unique_word("s")
    spec = [("delta %s" % tag, "30.00"), ("alpha %s" % tag, "5.50"),
        ("charlie %s" % tag, "120.00"), ("bravo %s" % tag, "12.00")]
    made = []
    for name, price in spec:
        made.append(_product(name, 1, price=price, category=cat))
        time.sleep(0.005)   # distinct created_at (milliseconds)
    by_id = {p["id"]: p for p in made}

    def order(sort):
        r, data = hf.products_query(category=slug, sort=sort, per_page=100)
        hf.expect_eq(data.get("total"), 4, "total with sort=%s" % sort, r)
        return [by_id[i]["name"].split()[0] for i in _ids(data)], r

    for sort, want in (("name", ["alpha", "bravo", "charlie", "delta"]),
        ("price", ["alpha", "bravo", "delta", "charlie"]),
        ("-price", ["charlie", "delta", "bravo", "alpha"]),
        ("-created_at", ["bravo", "charlie", "alpha", "delta"]),
        (None, ["bravo", "charlie", "alpha", "delta"])):
        got, r = order(sort)
        hf.expect_eq(got, want, "order with sort=%s" % sort, r)
    # prices are strings with two decimals, as created
    r, data = hf.products_query(category=slug, sort="price")
    hf.expect_eq([it["price"] for it in data["items"]],
        ["5.50", "12.00", "30.00", "120.00"], "prices with sort=price", r)


def test_items_carry_available_and_stock_status_including_reservations():
    cat, slug = _category()
    out = _product("Out %s" % hf.unique_word("v"), 0, category=cat)
    ok = _product("Plenty %s" % hf.unique_word("v"), 50, category=cat,
        warning_threshold=10, critical_threshold=3)
    warn = _product("Few %s" % hf.unique_word("v"), 8, category=cat,
        warning_threshold=10, critical_threshold=3)
    crit = _product("Last %s" % hf.unique_word("v"), 2, category=cat,
        warning_threshold=10, critical_threshold=3)
    busy = _product("Busy %s" % hf.unique_word("v"), 12, category=cat,
        warning_threshold=10, critical_threshold=3)
    hf.expect_status(hf.reserve([(busy["sku"], 5)], token=_biz()), 201)
    want = {out["id"]: (0, "out"), ok["id"]: (50, "ok"),
        warn["id"]: (8, "warning"), crit["id"]: (2, "critical"),
        busy["id"]: (7, "warning")}
    r, data = hf.products_query(category=slug, per_page=100)
    _expect_ids(data, list(want), "category=%s" % slug, r)
    for it in data["items"]:
        _expect_listed_item(it, r)
        hf.expect_eq((it["available"], it["stock_status"]), want[it["id"]],
            "(available, stock_status) of %s in the list" % it["sku"], r)
        got, r2 = _get_product(it["id"])
        hf.expect_eq((got.get("available"), got.get("stock_status")),
            want[it["id"]], "(available, stock_status) of GET /products/%s"
            % it["id"], r2)


# ---------------------------------------------------------------- PATCH

def test_patch_changes_fields_and_is_audited():
    old_word, new_word = hf.unique_word("o"), hf.unique_word("n")
    cat, slug = _category()
    p = _product("Kettle %s" % old_word, 4, price="20.00",
        description="steel", attributes={"colour": "red"})
    body = {"name": "Kettle %s" % new_word, "description": "copper",
        "category": cat, "price": "24.99",
        "attributes": {"colour": "blue", "litres": 2},
        "status": "maintenance"}
    r = hf.call("PATCH", "/api/v1/products/%s" % p["id"], body,
        token=_admin())
    data = hf.expect_success(r)
    for k, v in body.items():
        hf.expect_eq(data.get(k), v, "PATCH answer %s" % k, r)
    hf.expect_eq(data.get("sku"), p["sku"], "sku after PATCH", r)
    hf.expect_eq(data.get("available"), 4, "available after PATCH", r)

    got, r = _get_product(p["id"])
    for k, v in body.items():
        hf.expect_eq(got.get(k), v, "GET after PATCH: %s" % k, r)
    r, listed = hf.products_query(category=slug)
    _expect_ids(listed, [p["id"]], "category=<the new category>", r)

    rows = _audit(p["id"], "product.update")
    hf.expect_eq(len(rows), 1, "product.update audit rows for one PATCH "
        "(%r)" % rows)
    row = rows[0]
    hf.expect_eq(row.get("entity"), "product", "audit entity")
    old, new = row.get("old_value") or {}, row.get("new_value") or {}
    hf.expect_eq(old.get("name"), "Kettle %s" % old_word, "audit "
        "old_value.name")
    hf.expect_eq(new.get("name"), "Kettle %s" % new_word, "audit "
        "new_value.name")
    hf.expect_eq((old.get("price"), new.get("price")), ("20.00", "24.99"),
        "audit (old, new) price")
    hf.expect_eq(new.get("status"), "maintenance", "audit new status")

    # a second PATCH back to active: one more audit row, and a partial
    # body leaves the other fields alone
    r = hf.call("PATCH", "/api/v1/products/%s" % p["id"],
        {"status": "active"}, token=_admin())
    data = hf.expect_success(r)
    hf.expect_eq(data.get("status"), "active", "status after 2nd PATCH", r)
    hf.expect_eq(data.get("price"), "24.99", "price after a PATCH of "
        "status only", r)
    hf.expect_eq(len(_audit(p["id"], "product.update")), 2,
        "product.update audit rows after two PATCHes")


def test_patch_read_only_or_unknown_field_is_400_req_009_and_changes_nothing():
    p = _product("Clock %s" % hf.unique_word("r"), 3, price="9.00")
    before, _ = _get_product(p["id"])
    audits = len(_audit(p["id"]))
    for field, value in (("sku", "T76-NEW"), ("id", 1), ("cover_url",
        "/uploads/covers/x.png"), ("created_at", "2020-01-01T00:00:00Z"),
        ("available", 99), ("stock", {"on_hand": 99}), ("on_hand", 99),
        ("reserved", 0), ("colour", "red")):
        r = hf.call("PATCH", "/api/v1/products/%s" % p["id"],
            {"name": "Renamed", field: value}, token=_admin())
        hf.expect_field_error(r, 400, "REQ_009", field)
    r = hf.call("PATCH", "/api/v1/products/%s" % p["id"],
        {"status": "retired"}, token=_admin())
    hf.expect_error(r, 422, "REQ_010")
    r = hf.call("PATCH", "/api/v1/products/%s" % p["id"],
        {"price": "-1.00"}, token=_admin())
    hf.expect_error(r, 422, "REQ_010")
    after, r = _get_product(p["id"])
    hf.expect_eq(after, before, "the product after refused PATCHes", r)
    hf.expect_eq(len(_audit(p["id"])), audits, "audit rows after refused "
        "PATCHes")
    # only admins edit the catalogue
    r = hf.call("PATCH", "/api/v1/products/%s" % p["id"], {"name": "x"},
        token=_biz())
    hf.expect_error(r, 403, "AUTH_005")
    r = hf.call("PATCH", "/api/v1/products/999999999999", {"name": "x"},
        token=_admin())
    hf.expect_error(r, 404, "INV_001")


# ---------------------------------------------------------------- retire

def test_delete_retires_hides_from_default_list_and_is_audited():
    cat, slug = _category()
    keep = _product("Keep %s" % hf.unique_word("d"), 1, category=cat)
    p = _product("Retire %s" % hf.unique_word("d"), 2, category=cat)
    cats, _ = _categories()
    hf.expect_eq(cats[cat].get("products"), 2, "category count before")
    r = hf.call("DELETE", "/api/v1/products/%s" % p["id"], token=_admin())
    data = hf.expect_success(r)
    hf.expect_eq(data.get("status"), "retired", "status in the DELETE "
        "answer", r)
    got, r = _get_product(p["id"])
    hf.expect_eq(got.get("status"), "retired", "GET after DELETE: status",
        r)
    r, data = hf.products_query(category=slug)
    _expect_ids(data, [keep["id"]], "default list after DELETE", r)
    r, data = hf.products_query(category=slug, status="retired")
    _expect_ids(data, [p["id"]], "status=retired after DELETE", r)
    word = p["name"].split()[1]
    r, data = _search(word)
    _expect_ids(data, [], "q=<the retired product's name word>", r)
    cats, r = _categories()
    hf.expect_eq(cats[cat].get("products"), 1, "category count after one "
        "of two products retired", r)
    rows = _audit(p["id"], "product.retire")
    hf.expect_eq(len(rows), 1, "product.retire audit rows (%r)" % rows)
    hf.expect_eq((rows[0].get("new_value") or {}).get("status"), "retired",
        "audit new_value.status")
    r = hf.call("DELETE", "/api/v1/products/%s" % keep["id"], token=_biz())
    hf.expect_error(r, 403, "AUTH_005")


def test_delete_is_refused_409_inv_009_while_units_are_reserved():
    cat, slug = _category()
    p = _product("Held %s" % hf.unique_word("h"), 5, category=cat)
    r = hf.reserve([(p["sku"], 2)], token=_biz())
    res = hf.expect_success(r, 201)["reservations"][0]
    r = hf.call("DELETE", "/api/v1/products/%s" % p["id"], token=_admin())
    hf.expect_error(r, 409, "INV_009")
    got, r = _get_product(p["id"])
    hf.expect_eq(got.get("status"), "active", "status after a refused "
        "DELETE", r)
    hf.expect_eq(got.get("available"), 3, "available after a refused "
        "DELETE", r)
    r, data = hf.products_query(category=slug)
    _expect_ids(data, [p["id"]], "default list after a refused DELETE", r)
    hf.expect_eq(_audit(p["id"], "product.retire"), [], "product.retire "
        "audit rows after a refused DELETE")

    # an admin's reservation counts just the same
    r = hf.call("POST", "/api/v1/reservations/%s/release" % res["id"],
        token=_biz())
    hf.expect_success(r)
    r = hf.reserve([(p["sku"], 1)], token=_admin())
    res = hf.expect_success(r, 201)["reservations"][0]
    r = hf.call("DELETE", "/api/v1/products/%s" % p["id"], token=_admin())
    hf.expect_error(r, 409, "INV_009")
    r = hf.call("POST", "/api/v1/reservations/%s/release" % res["id"],
        token=_admin())
    hf.expect_success(r)

    r = hf.call("DELETE", "/api/v1/products/%s" % p["id"], token=_admin())
    hf.expect_eq(hf.expect_success(r).get("status"), "retired",
        "DELETE once nothing is reserved", r)


def test_categories_count_products_that_are_not_retired():
    cat_a, _ = _category()
    cat_b, slug_b = _category()
    made = [_product("Count %d %s" % (i, hf.unique_word("k")), 1,
        category=cat_a) for i in range(3)]
    cats, r = _categories()
    hf.expect_eq(cats.get(cat_a, {}).get("products"), 3,
        "products of %r" % cat_a, r)
    hf.check(cat_b not in cats, "category %r exists before any product "
        "names it" % cat_b, r)
    r = hf.call("PATCH", "/api/v1/products/%s" % made[0]["id"],
        {"category": cat_b}, token=_admin())
    hf.expect_success(r)
    r = hf.call("DELETE", "/api/v1/products/%s" % made[1]["id"],
        token=_admin())
    hf.expect_success(r)
    cats, r = _categories()
    hf.expect_eq(cats.get(cat_a, {}).get("products"), 1, "products of %r "
        "after one moved away and one retired" % cat_a, r)
    hf.expect_eq(cats.get(cat_b, {}).get("products"), 1, "products of %r "
        "after one moved in" % cat_b, r)
    for c in cats.values():
        for k in ("id", "name", "slug", "products"):
            hf.check(k in c, "category %r has no %r" % (c.get("name"), k), r)
    r, data = hf.products_query(category=slug_b)
    _expect_ids(data, [made[0]["id"]], "category=<the new slug>", r)


# ---------------------------------------------------------------- covers

def _put_cover(pid, body, content_type, token=None, headers=None):
    h = {"Content-Type": content_type}
    h.update(headers or {})
    return hf.call("PUT", "/api/v1/products/%s/cover" % pid, body,
        token=token or _admin(), headers=h, timeout=30)


def _expect_served(url, body, content_type):
    hf.check(isinstance(url, str) and url.startswith("/"),
        "cover_url %r is not a path on this site" % (url,))
    r = hf.get(url)
    hf.expect_status(r, 200)
    hf.check(r.body == body, "GET %s through nginx: %d bytes that differ "
        "from the %d uploaded" % (url, len(r.body), len(body)), r)
    ct = (r.headers.get("Content-Type") or "").split(";")[0].strip()
    hf.expect_eq(ct, content_type, "Content-Type nginx serves %s with" % url,
        r)


def test_cover_jpeg_is_stored_content_addressed_and_served_by_nginx():
    p = _product("Covered %s" % hf.unique_word("i"), 1)
    img = hf.jpeg_bytes("holdfast test_76 %s" % hf.unique_word("j"))
    # the type comes from the bytes: a misleading header does not matter
    r = _put_cover(p["id"], img, "application/octet-stream")
    data = hf.expect_success(r)
    url = data.get("cover_url")
    hf.expect_eq(url, "/uploads/covers/%s.jpg" % hf._hashlib.sha256(
        img).hexdigest(), "cover_url (content-addressed)", r)
    _expect_served(url, img, "image/jpeg")
    got, r = _get_product(p["id"])
    hf.expect_eq(got.get("cover_url"), url, "GET product cover_url after "
        "the upload", r)
    rows = _audit(p["id"], "product.cover")
    hf.expect_eq(len(rows), 1, "product.cover audit rows (%r)" % rows)

    # a PNG replaces it; the JPEG file stays where it was
    png = hf.png_bytes("holdfast test_76 %s" % hf.unique_word("j"))
    r = _put_cover(p["id"], png, "image/png")
    data = hf.expect_success(r)
    hf.expect_eq(data.get("cover_url"), "/uploads/covers/%s.png"
        % hf._hashlib.sha256(png).hexdigest(), "cover_url of the PNG", r)
    _expect_served(data["cover_url"], png, "image/png")
    got, r = _get_product(p["id"])
    hf.expect_eq(got.get("cover_url"), data["cover_url"], "GET product "
        "cover_url after the second upload", r)
    _expect_served(url, img, "image/jpeg")


def test_cover_text_sent_as_png_is_415_req_003_and_changes_nothing():
    p = _product("Plain %s" % hf.unique_word("t"), 1)
    text = b"this is a text file, not a picture\n" * 20
    r = _put_cover(p["id"], text, "image/png", headers={
        "Content-Disposition": 'attachment; filename="cover.png"'})
    hf.expect_error(r, 415, "REQ_003")
    # nor is text sent as a JPEG
    r = _put_cover(p["id"], text, "image/jpeg")
    hf.expect_error(r, 415, "REQ_003")
    r = _put_cover(p["id"], b"", "image/png")
    hf.expect_error(r, 422, "REQ_010")
    got, r = _get_product(p["id"])
    hf.expect_eq(got.get("cover_url"), None, "cover_url after refused "
        "uploads", r)
    hf.expect_eq(_audit(p["id"], "product.cover"), [], "product.cover "
        "audit rows after refused uploads")


def test_cover_of_3_mb_is_413_req_002():
    p = _product("Huge %s" % hf.unique_word("b"), 1)
    img = hf.jpeg_bytes("x")
    big = img[:-2] + b"\x00" * (3 * 1024 * 1024 - len(img)) + b"\xff\xd9"
    r = _put_cover(p["id"], big, "image/jpeg")
    hf.expect_error(r, 413, "REQ_002")
    got, r = _get_product(p["id"])
    hf.expect_eq(got.get("cover_url"), None, "cover_url after a refused "
        "3 MB upload", r)
    # others may not upload covers
    r = _put_cover(p["id"], img, "image/jpeg", token=_biz())
    hf.expect_error(r, 403, "AUTH_005")
