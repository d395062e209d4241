#!/usr/bin/env python3
"""Black-box API test runner for Holdfast.

    tests/api/run.py [--base-url URL] [--apache-url URL] [-k SUBSTRING] [--list]
                     [--dir DIR]

Runs every test_* function of tests/api/test_*.py (files in name order,
functions in the order they are written) against a running stack: nginx at
--base-url ($HOLDFAST_URL, default http://127.0.0.1:18080), Apache at
--apache-url ($HOLDFAST_APACHE_URL; Apache tests skip without one).  Fault
tests drive the stack through $HOLDFAST_DEV (the repo's ./dev) and skip
when it is unset.

One line per test (`ok   name (0.12s)`, `FAIL name: reason`,
`skip name: reason`), then `N passed, N failed[, N skipped]` as the last
line.  Exit status 1 if anything failed.
"""

import argparse
import importlib.util
import os
import sys
import time
import traceback

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import hf  # noqa: E402


def discover(where=HERE):
    """Return [(id, name, function)] for every test of where (this
    directory, or --dir: tests/cluster), or a loader failure as a test
    that fails with the import error."""
    tests = []
    for fname in sorted(os.listdir(where)):
        if not (fname.startswith("test_") and fname.endswith(".py")):
            continue
        modname = fname[:-3]
        path = os.path.join(where, fname)
        try:
            spec = importlib.util.spec_from_file_location(modname, path)
            mod = importlib.util.module_from_spec(spec)
            sys.modules[modname] = mod
            spec.loader.exec_module(mod)
        except Exception:
            err = traceback.format_exc(limit=3)

            def broken(err=err):
                raise hf.TestFailure("cannot load module:\n" + err)
            tests.append(("%s::<load>" % fname, "%s::<load>" % modname,
                broken))
            continue
        for name, obj in vars(mod).items():
            if (name.startswith("test_") and callable(obj) and
                getattr(obj, "__module__", None) == modname):
                tests.append(("%s::%s" % (fname, name), name, obj))
    return tests


def indent(text):
    lines = str(text).rstrip("\n").split("\n")
    return "\n".join([lines[0]] + ["    " + l for l in lines[1:]])


def main():
    ap = argparse.ArgumentParser(description="Holdfast black-box API tests")
    ap.add_argument("--base-url", default=os.environ.get("HOLDFAST_URL") or
        "http://127.0.0.1:18080", help="nginx front (default $HOLDFAST_URL "
        "or http://127.0.0.1:18080)")
    ap.add_argument("--apache-url",
        default=os.environ.get("HOLDFAST_APACHE_URL", ""),
        help="Apache front (default $HOLDFAST_APACHE_URL; Apache tests "
        "skip without one)")
    ap.add_argument("-k", dest="substrings", action="append", default=None,
        metavar="SUBSTRING", help="run only tests whose file::name contains "
        "SUBSTRING (repeat -k for any of several)")
    ap.add_argument("--list", action="store_true",
        help="list the tests and exit")
    ap.add_argument("--dir", default=HERE, help="the directory of the "
        "test_*.py files (default: this one; ./dev cluster test: "
        "tests/cluster)")
    args = ap.parse_args()

    hf.configure(args.base_url, args.apache_url,
        os.environ.get("HOLDFAST_DEV", ""))

    where = os.path.abspath(args.dir)
    if where != HERE:
        sys.path.insert(0, where)
    tests = discover(where)
    if args.substrings:
        tests = [t for t in tests if any(k in t[0] for k in args.substrings)]
    if args.list:
        for tid, _, _ in tests:
            print(tid)
        return 0

    print("# base url %s, apache url %s, dev %s" % (args.base_url,
        args.apache_url or "(none)",
        os.environ.get("HOLDFAST_DEV") or "(none: fault tests skip)"),
        flush=True)
    passed = failed = skipped = 0
    interrupted = False
    for tid, name, fn in tests:
        t0 = time.monotonic()
        try:
            fn()
        except hf.Skip as e:
            skipped += 1
            print("skip %s: %s" % (name, e), flush=True)
            continue
        except hf.TestFailure as e:
            failed += 1
            print("FAIL %s: %s" % (name, indent(e)), flush=True)
            continue
        except KeyboardInterrupt:
            failed += 1
            interrupted = True
            print("FAIL %s: interrupted" % name, flush=True)
            break
        except Exception as e:
            failed += 1
            tb = traceback.format_exc(limit=-3)
            print("FAIL %s: %s: %s\n    %s" % (name, type(e).__name__, e,
                indent(tb)), flush=True)
            continue
        passed += 1
        print("ok   %s (%.2fs)" % (name, time.monotonic() - t0), flush=True)

    summary = "%d passed, %d failed" % (passed, failed)
    if skipped:
        summary += ", %d skipped" % skipped
    if interrupted:
        print("# interrupted; remaining tests not run", flush=True)
    print(summary, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
