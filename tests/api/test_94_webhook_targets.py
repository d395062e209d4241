"""Webhooks reach public addresses only (issue 10, hole 13).

A webhook whose URL names a loopback, private, link-local, multicast or
reserved address, in any spelling, or a scheme other than http(s), is
refused when it is made: 422 REQ_010 on "url", nothing stored.  The
config key webhook_allow_private (no | loopback | yes) widens that; the
./dev stacks set "loopback" so the local receiver of the webhook tests
works, and every other internal address is still refused over HTTP here.
holdfast-notify checks again each address it is about to connect to,
after DNS: with webhook_allow_private=no (set for one run through its
environment), a webhook that points at this host, by address or by a
name that resolves to it, gets nothing and its delivery is dead."""

import socket
import time

import hf
from hf import hook_receiver
from hf import shop

INTERNAL = [
    "http://10.0.0.1/hook", "http://10.255.255.255:8080/x",
    "http://172.16.0.1/", "http://172.31.255.255/", "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.169.254./latest", "http://100.64.0.1/",
    "http://0.0.0.0:16330/", "http://0/", "http://224.0.0.1/",
    "http://255.255.255.255/", "http://192.0.2.1/", "http://198.18.0.1/",
    # other spellings of 10.0.0.1 and 169.254.169.254
    "http://0x0a.0.0.1/", "http://012.0.0.1/", "http://167772161/",
    "http://10.1/", "http://0xa9fea9fe/", "http://%31%30.0.0.1/",
    "http://user:pw@10.0.0.1/", "http://10.0.0.1#@example.com/",
    # IPv6: ULA, link-local, unspecified, mapped and embedded IPv4
    "http://[fc00::1]/", "http://[fd00:ec2::254]/", "http://[fe80::1]/",
    "http://[fe80::1%25eth0]/", "http://[::]/", "http://[::ffff:10.0.0.1]/",
    "http://[::ffff:a9fe:a9fe]/", "http://[0:0:0:0:0:ffff:192.168.0.1]/",
    "http://[::10.0.0.1]/", "http://[64:ff9b::a00:1]/",
    "http://[2002:a9fe:a9fe::1]/", "http://[ff02::1]/",
    "HTTP://[FE80::1]:8080/",
]
NOT_HTTP = [
    "ftp://example.com/x", "file:///etc/passwd", "gopher://127.0.0.1:6379/",
    "dict://127.0.0.1:11211/", "ldap://example.com/", "smtp://127.0.0.1/",
    "//example.com/x", "javascript:alert(1)", "http:///x",
]


def _create(url):
    return hf.call("POST", "/api/v1/webhooks", {"url": url,
        "events": ["order.paid"]}, token=shop.admin())


def _delete(wid):
    hf.call("DELETE", "/api/v1/webhooks/%d" % wid, token=shop.admin())


def _listed_urls():
    return [w["url"] for w in hf.list_all("/api/v1/webhooks", shop.admin())]


def _mode():
    return hf.conf_values().get("webhook_allow_private", "no")


def test_internal_addresses_are_refused_at_creation():
    if _mode() == "yes":
        hf.skip("this stack sets webhook_allow_private = yes")
    before = _listed_urls()
    for url in INTERNAL + NOT_HTTP:
        r = _create(url)
        hf.expect_field_error(r, 422, "REQ_010", "url")
        hf.check(url not in hf.expect_json(r).get("message", ""),
            "the refusal echoes the URL", r)
    hf.expect_eq(_listed_urls(), before, "webhooks after the refusals")
    # a public target is still fine, whatever the mode
    r = _create("https://hooks.example.com/holdfast")
    w = hf.expect_success(r, 201)
    _delete(w["id"])


def test_loopback_follows_webhook_allow_private():
    mode = _mode()
    for url in ["http://127.0.0.1:16330/", "http://127.1:9/",
            "http://2130706433:9/", "http://[::1]:9/",
            "http://[::ffff:127.0.0.1]:9/", "http://localhost:9/",
            "http://api.localhost:9/"]:
        r = _create(url)
        if mode in ("loopback", "yes"):
            _delete(hf.expect_success(r, 201)["id"])
        else:
            hf.expect_field_error(r, 422, "REQ_010", "url")


def _loopback_name():
    """A name other than localhost that resolves to this host only (the
    host's own name, from /etc/hosts), or None."""
    name = socket.gethostname()
    if not name or "localhost" in name.lower():
        return None
    try:
        addrs = {a[4][0] for a in socket.getaddrinfo(name, 80,
            proto=socket.IPPROTO_TCP)}
    except OSError:
        return None
    if addrs and all(a.startswith("127.") or a == "::1" for a in addrs):
        return name
    return None


def _pay_one():
    sku = shop.product(2, "3.00")
    o = shop.order([(sku, 1)])
    hf.expect_success(shop.act(o["id"], "pay", token=shop.biz()))
    return sku


def _deliveries(wid):
    return hf.list_all("/api/v1/webhooks/%d/deliveries" % wid, shop.admin())


def test_notify_checks_the_address_it_connects_to():
    if _mode() != "loopback":
        hf.skip("needs a stack with webhook_allow_private = loopback")
    name = _loopback_name()
    with hook_receiver.Receiver() as rx:
        port = int(rx.url.split(":")[2].split("/")[0])
        urls = [rx.url, "http://localhost:%d/hook" % port]
        if name:
            # a name that is public for the creation check and resolves
            # to 127.0.0.1 at connect time: what a DNS swap does
            urls.append("http://%s:%d/hook" % (name, port))
        hooks = [hf.expect_success(_create(u), 201) for u in urls]
        try:
            skus = [_pay_one()]
            shop.run_notify({"HOLDFAST_WEBHOOK_ALLOW_PRIVATE": "no"})
            time.sleep(0.3)
            hf.expect_eq(rx.snapshot(), [], "deliveries received from a "
                "notifier that refuses loopback")
            for w in hooks:
                rows = [d for d in _deliveries(w["id"])]
                hf.check(len(rows) == 1, "deliveries of %s: %r"
                    % (w["url"], rows))
                d = rows[0]
                hf.expect_eq(d["status"], "dead", "status of the delivery "
                    "to %s" % w["url"])
                hf.check("refused" in (d["last_error"] or ""),
                    "last_error of %s is %r" % (w["url"], d["last_error"]))
            # the same receiver, the stack's own setting: delivered
            skus.append(_pay_one())
            shop.run_notify()
            got = rx.wait(lambda g: len(g) >= len(hooks), timeout=10)
            hf.expect_eq(len(got), len(hooks), "deliveries with "
                "webhook_allow_private = loopback")
            shop.reconciled(*skus)
        finally:
            for w in hooks:
                _delete(w["id"])
