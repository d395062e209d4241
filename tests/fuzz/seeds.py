#!/usr/bin/env python3
"""seeds.py: writes the seed corpora tests/fuzz/corpus/<fuzzer>/ and the
dictionaries tests/fuzz/<fuzzer>.dict. The files are committed; run this
again (python3 tests/fuzz/seeds.py) after changing the seeds below or when
routes, schemas or config keys change. Each seed is small and meant: a
good input of each kind, and the edges the harness should start from.
"""
import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")

# fuzz_jwt.c's KEY, ISS, AUD, NOW
KEY = b"fuzz-key-do-not-use-0123456789abcdef"
NOW = 1700000000
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def write(fuzzer, name, data):
    d = os.path.join(CORPUS, fuzzer)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=")


def token(header, payload, key=KEY):
    hp = b64u(header.encode()) + b"." + b64u(payload.encode())
    return hp + b"." + b64u(hmac.new(key, hp, hashlib.sha256).digest())


def validate():
    seeds = {
        "register": {"email": "Ann@Example.com", "password": "correct horse",
                     "display_name": "Ann"},
        "verify": {"email": "a@b.co", "code": "123456"},
        "login": {"email": "a@b.co", "password": "x"},
        "refresh": {"refresh_token": "0123456789abcdef"},
        "me-patch-null": {"display_name": None,
                          "avatar_url": "https://x.example/a.png"},
        "user-create": {"email": "u@x.io", "password": "pw123456",
                        "role": "business", "display_name": "B"},
        "user-patch": {"role": "admin", "status": "disabled"},
        "key-create": {"name": "shop", "role": "business"},
        "product-create": {"sku": "BK-1", "name": "Book", "description": None,
                           "category": "books", "price": "12.50",
                           "attributes": {"pages": 300},
                           "initial_quantity": 5, "warning_threshold": 2,
                           "critical_threshold": 1, "location": "A1"},
        "price-int": {"sku": "S", "name": "n", "price": 12},
        "price-max": {"sku": "S", "name": "n", "price": "99999999999.99"},
        "price-3dp": {"sku": "S", "name": "n", "price": "1.234"},
        # overflowed parse_money()'s fraction before the fix (UBSan)
        "price-many-decimals": {"sku": "S", "name": "n",
                                "price": "0." + "3" * 40},
        "product-patch": {"status": "maintenance", "price": "0.5"},
        "stock-patch": {"warning_threshold": 0, "is_active": False,
                        "location": None},
        "restock": {"quantity": 10, "reason": "delivery",
                    "reference_id": "PO-7"},
        "adjust": {"delta": -3, "reason": "count"},
        "reserve": {"type": "cart", "reference_id": "c-1", "ttl_seconds": 600,
                    "items": [{"sku": "S", "quantity": 1},
                              {"sku": "S ", "quantity": 1}]},
        "loan": {"items": [{"sku": "BK-1"}], "user_id": 7},
        "hold": {"sku": "BK-1", "user_id": None},
        "order": {"items": [{"sku": "S", "quantity": 2}], "note": "gift"},
        "webhook": {"url": "https://example.com/hook",
                    "events": ["stock.low"], "secret": "0123456789abcdef"},
        "unknown-field": {"quantity": 1, "colour": "red"},
        # lines (an item table): a refusal names its place, items[1].sku
        "line-unknown-key": {"type": "cart", "items": [
            {"sku": "A", "quantity": 1}, {"sku": "A", "quantity": 1,
                                          "price": "1", "a.b[0]": 1}]},
        "line-not-object": {"items": [{"sku": "A"}, "A", None, []]},
        "line-bad-values": {"items": [{"sku": "-A", "quantity": "2"},
                                      {"quantity": None}]},
        "lines-at-cap": {"items": [{"sku": "S%d" % i, "quantity": 1}
                                   for i in range(100)]},
        "int-edges": {"quantity": 9223372036854775807, "delta": -1000000001},
    }
    for name, obj in seeds.items():
        write("fuzz_validate", name + ".json", json.dumps(obj))
    raw = {
        "nul-in-string.json": '{"email":"a\\u0000b@c.d","password":"p"}',
        "unicode.json": '{"display_name":"\\u00e9t\\u00e9 \\ud83d\\ude00"}',
        "lone-surrogate.json": '{"display_name":"\\ud800"}',
        "raw-overlong.json": b'{"display_name":"\xc0\xaf"}',
        "duplicate-key.json": '{"email":"A@B.CO","email":"x","password":"p"}',
        "float.json": '{"quantity":1e3,"price":9.99}',
        "deep.json": '{"attributes":' + "[" * 40 + "]" * 40 + "}",
        "trailing.json": '{"quantity":1}  \n x',
        "empty.json": "{}",
    }
    for name, data in raw.items():
        write("fuzz_validate", name, data)
    names = set()
    for path in sorted(os.listdir(os.path.join(REPO, "src", "api"))):
        if path.endswith(".c"):
            with open(os.path.join(REPO, "src", "api", path)) as f:
                names |= set(re.findall(r'\{ "([a-z_]+)", FIELD_', f.read()))
    toks = ['"{"', '"}"', '"["', '"]"', '":"', '","', '"null"', '"true"',
            '"false"', '"\\\\u0000"', '"\\\\ud800"', '"-"', '"."', '"e"']
    with open(os.path.join(HERE, "fuzz_validate.dict"), "w") as f:
        f.write("# JSON tokens and every schema field name (seeds.py)\n")
        for t in toks:
            f.write(t + "\n")
        for n in sorted(names):
            f.write('"\\"%s\\":"\n' % n)


def router():
    with open(os.path.join(REPO, "src", "api", "routes.c")) as f:
        routes = re.findall(r'\{ HTTP_([A-Z]+), "(/api/v1[^"]*)"', f.read())
    segs = set()
    for method, pattern in routes:
        path = re.sub(r"\{[a-z_]+\}", "42", pattern)
        name = method.lower() + pattern.replace("/", "_").replace(
            "{", "").replace("}", "")
        write("fuzz_router", name, bytes([METHODS.index(method)]) +
              path.encode())
        segs |= {s for s in pattern.split("/") if s}
    odd = {
        "head-get": (1, "/api/v1/stock/BK-1"),
        "wrong-method": (5, "/api/v1/stock/BK-1/restock"),
        "unknown-method": (7, "/api/v1"),
        "empty-capture": (0, "/api/v1/stock/"),
        "double-slash": (0, "/api/v1//stock"),
        "extra-segment": (0, "/api/v1/stock/a/b/c"),
        "root": (0, "/"),
        "no-slash": (0, "api/v1"),
        "long-capture": (0, "/api/v1/stock/" + "A" * 1100),
        "method-name": (0, "PATCH"),
    }
    for name, (m, path) in odd.items():
        write("fuzz_router", name, bytes([m]) + path.encode())
    with open(os.path.join(HERE, "fuzz_router.dict"), "w") as f:
        f.write("# path segments of src/api/routes.c (seeds.py)\n")
        for s in sorted(segs):
            if not s.startswith("{"):
                f.write('"/%s"\n' % s)
        f.write('"/"\n"//"\n')


def query():
    seeds = {
        "paging": "limit=10&offset=0",
        "plus-and-escapes": "q=red+shoe&category=%C3%A9t%C3%A9",
        "empty-pieces": "a&&b=&=c&",
        "nul": "sku=%00",
        "short-escape": "a=%4",
        "bad-escape": "a=%zz",
        "repeat": "sku=S%20&sku=s&sku=S",
        "sort": "status=active&sort=-created_at&low_stock=true",
        "encoded-amp": "note=a%26b%3Dc",
        "request-id": "abc-123_X.y",
    }
    for name, q in seeds.items():
        write("fuzz_query", name, q)
    with open(os.path.join(HERE, "fuzz_query.dict"), "w") as f:
        f.write('"&"\n"="\n"+"\n"%"\n"%00"\n"%2B"\n"%C3%A9"\n"%zz"\n')


def jwt():
    hdr = '{"alg":"HS256","typ":"JWT"}'

    def claims(**kw):
        c = {"iss": "holdfast", "aud": "holdfast-api", "sub": "12",
             "role": "admin", "iat": NOW, "exp": NOW + 900}
        c.update(kw)
        return json.dumps({k: v for k, v in c.items() if v is not None},
                          separators=(",", ":"))

    # mode 0: tokens as a client sends them
    m0 = {
        "good": token(hdr, claims()),
        "expired": token(hdr, claims(exp=NOW - 3600)),
        "other-key": token(hdr, claims(), key=b"another key"),
        "alg-none": b64u(b'{"alg":"none"}') + b"." +
        b64u(claims().encode()) + b".",
        "four-parts": b"a.b.c.d",
        "short-sig": b"eyJhbGciOiJIUzI1NiJ9.e30.AAAA",
        "padded": token(hdr, claims()) + b"=",
    }
    for name, t in m0.items():
        write("fuzz_jwt", "0-" + name, b"\x00" + t)
    # mode 1: header and payload texts the harness signs
    m1 = {
        "good": (hdr, claims()),
        "aud-array": (hdr, claims(aud=["x", "holdfast-api"])),
        "nbf-future": (hdr, claims(nbf=NOW + 3600)),
        "exp-string": (hdr, claims(exp=str(NOW))),
        "exp-huge": (hdr, claims(exp=9223372036854775807)),
        "role-guest": (hdr, claims(role="guest")),
        "sub-zero": (hdr, claims(sub="0")),
        "sub-spaces": (hdr, claims(sub=" +12")),
        "alg-none": ('{"alg":"none"}', claims()),
        "no-exp": (hdr, claims(exp=None)),
        "not-object": (hdr, "[1,2]"),
    }
    for name, (h, p) in m1.items():
        write("fuzz_jwt", "1-" + name, b"\x01" + h.encode() + b"\n" +
              p.encode())
    # mode 2: sub, iat, exp, role byte (0x80: exp near NOW)
    m2 = {
        "admin": (12, NOW, NOW + 900, 3),
        "guest": (12, NOW, NOW + 900, 0),
        "sub-zero": (0, NOW, NOW + 900, 1),
        "sub-top": (2 ** 63, NOW, NOW + 900, 2),
        "exp-max": (5, NOW, 2 ** 63 - 1, 1),
    }
    for name, (sub, iat, exp, role) in m2.items():
        write("fuzz_jwt", "2-" + name, b"\x02" +
              struct.pack("<Qqq", sub, iat, exp) + bytes([role]))
    with open(os.path.join(HERE, "fuzz_jwt.dict"), "w") as f:
        for w in ["iss", "aud", "sub", "role", "exp", "nbf", "iat", "alg",
                  "HS256", "holdfast", "holdfast-api", "admin", "business",
                  "user"]:
            f.write('"\\"%s\\""\n' % w)


def config():
    seeds = {
        "example.conf": open(os.path.join(REPO, "conf",
                                          "holdfast.conf.example")).read(),
        "small.conf": "mode = development\nlog_level = debug # chatty\n"
                      "db_port=3307\n\n  # a comment\nredis_socket =\n",
        "crlf.conf": "db_name = shop\r\nmax_body_bytes = 2048\r\n",
        "out-of-range.conf": "db_port = 70000\n",
        "not-a-number.conf": "db_port = 12abc\n",
        "bad-enum.conf": "mode = staging\n",
        "unknown-key.conf": "colour = red\n",
        "no-equals.conf": "db_host localhost\n",
        "secret-too-long.conf": "jwt_secret = " + "s" * 600 + "\n",
        "long-line.conf": "db_host = " + "h" * 1100 + "\n",
        "edge-line.conf": "db_host = " + "h" * 245 + "\n" +
                          "#" * 1022 + "\n",
        "hash-in-value.conf": "smtp_password = abc#def\n",
        "nul.conf": "db_name = a\x00b\ndb_port = 1\n",
    }
    for name, text in seeds.items():
        write("fuzz_config", name, text)
    keys = re.findall(r'^\s*(?:STR|INT|ENUM)\(([a-z_]+),',
                      open(os.path.join(REPO, "src", "core",
                                        "config.c")).read(), re.M)
    with open(os.path.join(HERE, "fuzz_config.dict"), "w") as f:
        f.write('"="\n"#"\n"\\x0a"\n"\\x0d\\x0a"\n')
        for k in keys:
            f.write('"%s = "\n' % k)


def utf8():
    seeds = {
        "ascii": b"holdfast",
        "nul": b"a\x00b",
        "two-byte": "\u00e9t\u00e9".encode(),
        "three-byte": "\u20ac\uffff".encode(),
        "four-byte": "\U0001f600\U0010ffff".encode(),
        "overlong-2": b"\xc0\xaf",
        "overlong-3": b"\xe0\x80\xaf",
        "overlong-4": b"\xf0\x80\x80\xaf",
        "surrogate": b"\xed\xa0\x80",
        "past-max": b"\xf4\x90\x80\x80",
        "truncated": b"ok\xe2\x82",
        "lone-continuation": b"\x80",
        "five-byte": b"\xf8\x88\x80\x80\x80",
        "fe-ff": b"\xfe\xff",
    }
    for name, data in seeds.items():
        write("fuzz_utf8", name, data)


def csv_():
    head = b"sku,name,price,category,description,location,on_hand\r\n"
    seeds = {
        "import": b"\x07\xff" + head + b"BK-1,\"C, the \"\"book\"\"\",39.90,"
            b"Books,\"two\r\nlines\",main,5\r\n",
        "bom-lf": b"\x07\x40\xef\xbb\xbf" + head.replace(b"\r\n", b"\n") +
            b"a,b,1,,,,\n\nc,d,2,,,main,0",
        "faults": b"\x03\x08ab\"c,d\n\"x\"y\na\rb\n\"open,\n",
        "formula": b"\x04\x20'=1,=SUM(A1),-2,@x\r\n+1,'',\t,-5\r\n",
        "utf8": "\x05\x10Gr\u00fc\u00df,\u65e5\u672c,\"\u00e9,\"\n".encode(),
        "bad-utf8": b"\x05\x10ok,\xc0\xaf\nn\x00l\n",
        "empty-fields": b"\x05\x10,,\n\"\"\n,\r\n",
    }
    for name, data in seeds.items():
        write("fuzz_csv", name, data)


if __name__ == "__main__":
    if os.path.isdir(CORPUS):
        shutil.rmtree(CORPUS)
    validate()
    router()
    query()
    jwt()
    config()
    utf8()
    csv_()
    for d in sorted(os.listdir(CORPUS)):
        print("%-14s %d seeds" % (d, len(os.listdir(os.path.join(CORPUS, d)))))
