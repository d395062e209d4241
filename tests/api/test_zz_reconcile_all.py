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


def test_every_delivery_slot_counts_its_orders():
    """Issue 15, item 5: each slot's reserved and used equal its
    order_delivery rows, never over capacity (root SQL, every slot)."""
    bad = hf.db_rows("SELECT s.id FROM delivery_slots s WHERE s.reserved <> "
        "(SELECT COUNT(*) FROM order_delivery d WHERE d.slot_id = s.id AND "
        "d.status = 'reserved') OR s.used <> (SELECT COUNT(*) FROM "
        "order_delivery d WHERE d.slot_id = s.id AND d.status = 'used') OR "
        "s.reserved + s.used > s.capacity")
    hf.expect_eq(bad, [], "slots whose counts are not their order rows")
