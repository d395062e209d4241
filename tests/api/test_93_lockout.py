"""No stranger can lock an account out (issue 10, hole 11).

Failed logins are counted per e-mail address and client IP
(rate_login_max; a success starts that count again), so ten wrong
passwords from one client give that client 429 and leave the owner, on
another client, alone.  Against guessing spread over many clients, the
failures for an address from all clients together have a much higher
ceiling (rate_login_email_max); past it only a client that has signed in
to that address before may still try.

The tests are clients other than 127.0.0.1 by sending from 127.0.0.x
(nginx passes the socket's address as REMOTE_ADDR)."""

import concurrent.futures
import socket
import uuid

import hf


def _login_max():
    return hf.conf_int("rate_login_max", 10)


def _email_max():
    return hf.conf_int("rate_login_email_max", 100)


def _client(n):
    """127.0.0.n, or skip when this host cannot send from it."""
    addr = "127.0.0.%d" % n
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((addr, 0))
        s.close()
    except OSError as e:
        hf.skip("cannot send from %s: %s" % (addr, e))
    return addr


def _base_is_loopback():
    host = hf.base_url().split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)[0]
    if host not in ("127.0.0.1", "localhost"):
        hf.skip("the front is not on this host's loopback (%s)" % host)


def _login(u, pw, src):
    return hf.login(u["email"], pw, source_address=src)


def _wrong(u, src):
    return _login(u, "wrong-" + uuid.uuid4().hex[:8], src)


def _expect_429(r):
    hf.expect_error(r, 429, "REQ_006")
    ra = r.headers.get("Retry-After")
    hf.check(ra is not None and ra.isdigit() and int(ra) > 0,
        "Retry-After %r on the 429" % ra, r)


def test_a_stranger_cannot_lock_the_owner_out():
    _base_is_loopback()
    stranger, owner = _client(2), _client(3)
    u = hf.verified_user(login_too=False)
    seen = []
    for _ in range(_login_max() + 5):
        r = _wrong(u, stranger)
        seen.append(r.status)
        if r.status == 429:
            _expect_429(r)
        else:
            hf.expect_error(r, 401, "AUTH_004")
    hf.check(429 in seen, "the stranger's %d wrong logins never gave 429: "
        "%r" % (len(seen), seen))
    # the stranger stays locked out, even with the right password
    _expect_429(_login(u, u["password"], stranger))
    _expect_429(hf.login(u["email"].upper(), u["password"],
        source_address=stranger))
    # the owner, on its own client, is not: wrong tries count for it alone
    hf.expect_error(_wrong(u, owner), 401, "AUTH_004")
    hf.expect_success(_login(u, u["password"], owner))
    # and an admin locked out by nobody either (the demo admin, from the
    # default client, after a stranger's attack on its address)
    creds = hf.admin_credentials()
    for _ in range(_login_max() + 2):
        r = hf.login(creds["email"], "wrong-admin-pw", source_address=
            stranger)
    _expect_429(r)
    hf.expect_success(hf.login(creds["email"], creds["password"]))


def test_a_success_starts_the_count_of_failures_again():
    _base_is_loopback()
    src = _client(4)
    u = hf.verified_user(login_too=False)
    for _ in range(2):
        for _ in range(_login_max() - 1):
            hf.expect_error(_wrong(u, src), 401, "AUTH_004")
        hf.expect_success(_login(u, u["password"], src))
    for _ in range(_login_max()):
        hf.expect_error(_wrong(u, src), 401, "AUTH_004")
    _expect_429(_wrong(u, src))


def test_guessing_spread_over_many_clients_meets_a_ceiling_for_the_address():
    _base_is_loopback()
    known = _client(5)
    u = hf.verified_user(login_too=False)
    hf.expect_success(_login(u, u["password"], known))
    per_client = _login_max() - 1       # never the per-client limit
    total = _email_max()
    jobs = []
    n = 0
    while len(jobs) < total:
        src = _client(20 + n // per_client)
        jobs.append(src)
        n += 1
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(lambda src: _wrong(u, src).status, jobs))
    hf.check(all(s == 401 for s in statuses), "spread wrong logins: %r"
        % sorted(set(statuses)))
    # past the ceiling: a client that never signed in is refused, even
    # with the right password, before the password is looked at
    stranger = _client(250)
    _expect_429(_login(u, u["password"], stranger))
    _expect_429(_wrong(u, _client(251)))
    # the owner's client, which signed in before, still gets in
    hf.expect_success(_login(u, u["password"], known))
    # other addresses are not affected
    other = hf.verified_user(login_too=False)
    hf.expect_success(_login(other, other["password"], stranger))
