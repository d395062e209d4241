"""Rate limits (issue 3): wrong logins for one e-mail end in 429 REQ_006
with Retry-After, and then even the right password is refused.  Each test
uses its own fresh address, so the per-e-mail window starts empty."""

import hf


def _login_max():
    return hf.conf_int("rate_login_max", 10)


def _window():
    return hf.conf_int("rate_auth_window", 900)


def _expect_429(r):
    hf.expect_error(r, 429, "REQ_006")
    ra = r.headers.get("Retry-After")
    hf.check(ra is not None, "no Retry-After header on the 429", r)
    hf.check(ra.strip().isdigit() and 0 < int(ra) <= _window(),
        "Retry-After %r is not a positive number of seconds within the "
        "%d s window" % (ra, _window()), r)


def test_wrong_logins_for_one_email_end_in_429_then_the_right_password_too():
    u = hf.verified_user(login_too=False)
    limit = _login_max()
    statuses = []
    first_429 = None
    for i in range(20):
        r = hf.login(u["email"], u["password"] + "-wrong")
        statuses.append(r.status)
        if r.status == 429:
            _expect_429(r)
            if first_429 is None:
                first_429 = i + 1
        elif first_429 is not None:
            hf.fail("wrong login %d answered %d after an earlier 429 "
                "(statuses so far %r)" % (i + 1, r.status, statuses), r)
        else:
            hf.expect_error(r, 401, "AUTH_004")
    hf.check(first_429 is not None,
        "20 wrong logins for one e-mail never gave 429: %r" % statuses)
    hf.check(first_429 > 1, "the very first login was rate limited")
    hf.check(first_429 <= limit + 1,
        "the first 429 came at attempt %d, after rate_login_max=%d"
        % (first_429, limit))

    r = hf.login(u["email"], u["password"])
    _expect_429(r)
    # the address in another case is the same address
    r = hf.login(u["email"].upper(), u["password"])
    _expect_429(r)


def test_login_limit_is_per_email_not_for_everyone():
    victim = hf.verified_user(login_too=False)
    other = hf.verified_user(login_too=False)
    for _ in range(_login_max() + 2):
        r = hf.login(victim["email"], "wrong-password-x")
        if r.status == 429:
            break
    _expect_429(r)
    hf.login_ok(other["email"], other["password"])


def test_login_limit_holds_while_redis_is_down():
    # every worker then counts on its own, each enforcing the whole limit:
    # after limit * workers + workers attempts one of them has seen too many
    hf.dev_script()
    u = hf.verified_user(login_too=False)
    workers = len(hf.worker_pids()) or 1
    attempts = (_login_max() + 1) * workers
    with hf.service_stopped("redis"):
        hf.wait_until(lambda: not hf.health_is_ok(), 5, interval=0.1,
            what="health to notice Redis is down")
        seen = []
        for _ in range(attempts):
            r = hf.login(u["email"], "wrong-password-x")
            hf.expect_not_5xx(r)
            seen.append(r.status)
            if r.status == 429:
                _expect_429(r)
                break
        hf.check(429 in seen, "%d wrong logins with Redis down (%d workers) "
            "never gave 429: %r" % (attempts, workers, seen))
