"""Days and times in query strings (issue 12): every list that takes
?from= and ?to= reads them with the one parser, so a month or a day that
does not exist, or a number with a sign or a space in it, is 422 REQ_010
naming the parameter on each of them, and a real day is still 200."""

import urllib.parse

import hf

# (path, whether it also takes a time of day)
DATED = (
    ("/api/v1/audit", True),
    ("/api/v1/ledger", True),
    ("/api/v1/ledger/stats", True),
    ("/api/v1/stats/loans", False),
    ("/api/v1/stats/categories", False),
    ("/api/v1/stats/orders", False),
)

BAD_DAYS = ("2026-13-01", "2026-00-10", "2026-02-30", "2026-04-31",
    "2025-02-29", "2026-01-32", "2026-+1-01", "2026- 1-01", "+026-01-01")

BAD_TIMES = ("2026-13-01T00:00:00Z", "2026-02-30T10:00:00Z",
    "2026-01-01T24:00:00Z", "2026-01-01T+1:00:00Z")


def _get(path, name, value):
    return hf.call("GET", "%s?%s=%s" % (path, name, urllib.parse.quote(
        value, safe="")), token=hf.inv_admin())


def test_bad_days_are_422_on_every_dated_list():
    for path, with_time in DATED:
        for value in BAD_DAYS + (BAD_TIMES if with_time else ()):
            for name in ("from", "to"):
                r = _get(path, name, value)
                hf.expect_field_error(r, 422, "REQ_010", name)


def test_real_days_still_answer():
    for path, with_time in DATED:
        r = hf.call("GET", "%s?from=2024-02-29&to=2024-03-01" % path,
            token=hf.inv_admin())
        hf.expect_success(r)
        if with_time:
            r = _get(path, "from", "2024-02-29T23:59:59.999Z")
            hf.expect_success(r)
