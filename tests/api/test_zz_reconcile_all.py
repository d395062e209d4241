"""Last of all: every SKU that any test touched reconciles (issue 10: "
reconcile is clean after every test"), through holdfast-admin reconcile,
which checks invariants 1 to 4 for every product in the database."""

import re

import hf


def test_every_sku_of_the_whole_run_reconciles():
    p = hf.run_program("holdfast-admin", "reconcile", timeout=300)
    m = re.search(r"reconcile: (\d+) SKU\(s\) checked, (\d+) mismatch",
        p.stdout)
    hf.check(m is not None, "holdfast-admin reconcile printed %r (stderr "
        "%r)" % (p.stdout[-300:], p.stderr[-300:]))
    hf.check(int(m.group(1)) > 0, "no SKU checked: %r" % p.stdout[-300:])
    hf.expect_eq((int(m.group(2)), p.returncode), (0, 0), "mismatches and "
        "exit status of reconcile over every SKU (%s)" % p.stdout[-1500:])
