#!/usr/bin/env python3
"""bench_cluster.py: one app host against two on the uniform reserve
(issue 16), through the front nginx of `./dev cluster up`, run by
tests/load/bench-cluster.sh inside the cluster's client namespace.

wrk (bench.lua, BENCH_MODE=uniform: one unit of a random SKU of
CLB-00001..CLB-<n>) runs against :8001 (the front, upstream app1 only),
then :80 (both app hosts), then :8001 again (drift), each BENCH_DURATION
seconds with BENCH_THREADS x BENCH_CONNS; the figure is the ratio of two
hosts over one, both measured in this run. Every request must be 2xx and
every SKU reconcile clean at the end (exit 1 otherwise)."""

import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))
import hf  # noqa: E402

LB = "http://10.77.0.10"


def wrk(url, token, nskus):
    env = dict(os.environ, BENCH_MODE="uniform", BENCH_TOKEN=token,
        BENCH_SKUS=str(nskus), BENCH_PREFIX="CLB-", BENCH_TTL="3600")
    p = subprocess.run(["wrk", "-t", os.environ.get("BENCH_THREADS", "2"),
        "-c", os.environ.get("BENCH_CONNS", "32"), "-d",
        os.environ.get("BENCH_DURATION", "10") + "s", "-s",
        os.path.join(HERE, "bench.lua"), url + "/api/v1/reservations"],
        capture_output=True, text=True, env=env, timeout=300)
    m = re.search(r"WRKRESULT requests=(\d+) duration_us=(\d+) non2xx=(\d+) "
        r"connect=(\d+) read=(\d+) write=(\d+) timeout=(\d+) p50_us=(\d+) "
        r"p99_us=(\d+)", p.stdout)
    if not m:
        sys.exit("wrk: %s %s" % (p.stdout[-500:], p.stderr[-500:]))
    v = [int(x) for x in m.groups()]
    if any(v[2:7]):
        sys.exit("wrk on %s: errors %r" % (url, v[2:7]))
    return v[0] * 1e6 / v[1], v[7] / 1000.0, v[8] / 1000.0


def main():
    hf.configure(LB)
    n = int(os.environ.get("BENCH_SKUS", "200"))
    admin = hf.inv_admin()
    for k in range(1, n + 1):
        sku = "CLB-%05d" % k
        r = hf.call("GET", "/api/v1/stock/" + sku, token=admin)
        if r.status == 404:
            hf.new_product(1000000, sku=sku, token=admin)
    r = hf.call("POST", "/api/v1/api-keys", {"name": "bench-cluster",
        "role": "business"}, token=hf.admin_token())
    token = hf.expect_success(r, 201)["key"]
    runs = []
    for label, url in (("one host", LB + ":8001"), ("two hosts", LB),
            ("one host again", LB + ":8001")):
        rps, p50, p99 = wrk(url, token, n)
        runs.append(rps)
        print("%-15s %8.1f req/s  p50 %6.1f ms  p99 %6.1f ms"
            % (label, rps, p50, p99), flush=True)
    one = (runs[0] + runs[2]) / 2
    print("two hosts / one host = %.2f (one host: the mean of the runs "
        "before and after)" % (runs[1] / one))
    bad = []
    for k in range(1, n + 1):
        r = hf.call("GET", "/api/v1/stock/CLB-%05d/reconcile" % k,
            token=admin)
        if not hf.expect_success(r)["ok"]:
            bad.append(k)
    print("reconcile: %d SKU(s), %d mismatch(es)" % (n, len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
