#!/usr/bin/env python3
"""check-layers.py: the layers of src/ form a tree (issue 12).

Fails on
  - a call or include from one src/ folder into a folder it may not use
    (LAYERS below: a folder uses only the folders listed for it, so every
    such edge is a call going up or sideways);
  - a cycle of calls or includes between src/ folders;
  - a cycle of calls between the files of src/svc.

Calls come from the object files, not from parsing C: `nm --defined-only`
says which object defines each global symbol, `nm -u` which objects use
it; an object using a symbol that another object of ours defines is an
edge (functions and data alike, so a table of function pointers that a
higher layer fills in is no edge at all). Includes come from the
#include "..." lines of src/ and the header's home folder (HEADERS).
Includes between svc files are not checked: they share svc.h.

A second check with its own last line, check-sizes (issue 12 item 5),
fails on any .c or .h under src/ over SIZE_LIMIT lines, naming each;
it needs no build. ./dev test counts the two checks as two tests, each
passed by its own "check-layers: ok" / "check-sizes: ok" line.

Usage: tests/check-layers.py [BUILD_DIR [SRC_DIR]]
  (defaults: build, src, relative to the checkout)
  -v prints the folder graph and the svc file graph.
"""

import os
import re
import subprocess
import sys

# What each folder may use. bin/ wires everything and is not checked.
# core is the bottom; db, cache and notify are the doors to MariaDB,
# Redis and libcurl; app (src/app.c) opens those doors for a worker;
# svc holds the business rules; http is the FastCGI edge (it reaches the
# handlers and the services only through tables the program gives it);
# api holds the handlers, over svc, answering through http.
LAYERS = {
    "core": set(),
    "db": {"core"},
    "cache": {"core"},
    "notify": {"core"},
    "app": {"core", "db", "cache", "notify"},
    "svc": {"core", "app", "db", "cache", "notify"},
    "http": {"core", "app"},
    "api": {"core", "app", "svc", "http"},
}

# The home folder of each public header (include/holdfast/*.h).
HEADERS = {
    "core.h": "core",
    "metrics.h": "core",
    "csv.h": "core",
    "db.h": "db",
    "db_idempotency.h": "db",
    "db_accounts.h": "db",
    "db_inventory.h": "db",
    "db_lending.h": "db",
    "db_orders.h": "db",
    "db_outbox.h": "db",
    "db_system.h": "db",
    "db_transfers.h": "db",
    "db_stocktakes.h": "db",
    "db_csv.h": "db",
    "db_favorites.h": "db",  # issue 14
    "db_hoststate.h": "db",  # issue 16
    "db_stock_at.h": "db",
    "db_points.h": "db",
    "db_coupons.h": "db",
    "db_groups.h": "db",
    "db_delivery.h": "db",
    "db_sweep.h": "db",
    "db_comments.h": "db",
    "db_assistant.h": "db",
    "db_recs.h": "db",
    "db_refunds.h": "db",  # issue 15 item 6
    "db_replica.h": "db",
    "cache.h": "cache",
    "notify.h": "notify",
    "app.h": "app",
    "svc.h": "svc",
    "lending.h": "svc",
    "orders.h": "svc",
    "points.h": "svc",
    "coupons.h": "svc",
    "groups.h": "svc",
    "hoststate.h": "svc",
    "delivery.h": "svc",
    "refunds.h": "svc",
    "outbox.h": "svc",
    "backup.h": "svc",
    "transfers.h": "svc",
    "stocktakes.h": "svc",
    "csv_io.h": "svc",
    "comments.h": "svc",
    "assistant.h": "svc",
    "http.h": "http",
    "api.h": "api",
}

# Edges that exist today and are known to be wrong, each with what would
# remove it. Any edge not listed here fails; a listed edge that no longer
# exists fails too, so that the list only ever shrinks.
# ("folder", "folder") for folders, ("svc/a.c", "svc/b.c") for svc files.
# Empty since issue 12: http reaches svc through struct http_hooks,
# stock reaches the hold queue through struct inv_queue, the outbox its
# channels through outbox_channel_set (all wired by svc_init and the
# programs), and the shared helpers live in svc/rows.c, svc/lending.c.
ALLOWED = {
}

# No file in src/ over this many lines (issue 12 item 5): split a file by
# what a newcomer would look for before it grows past it.
SIZE_LIMIT = 600

# Files over SIZE_LIMIT today that are reported but do not fail yet,
# while they are being split (paths from the checkout). The lead empties
# this list once the splits are merged; a listed file that has come under
# the limit is reported as such, so that it is removed from here.
SIZE_ALLOWED = {
}


def unit_of(rel):
    """The folder of a path relative to src/: "svc", "app" for app.c."""
    parts = rel.split(os.sep)
    if len(parts) == 1:
        return os.path.splitext(parts[0])[0]
    return parts[0]


def objects(build, src):
    """Every object of libholdfast under BUILD/src, by path from src/
    (an object whose source is gone, left by an older build, is not)."""
    top = os.path.join(build, "src")
    out = {}
    for root, _, files in os.walk(top):
        for f in files:
            if not f.endswith(".o"):
                continue
            path = os.path.join(root, f)
            rel = os.path.relpath(path, top)
            # automake may name objects libholdfast_a-x.o
            d, base = os.path.split(rel)
            base = re.sub(r"^[A-Za-z0-9_]+-", "", base)
            rel = os.path.join(d, base[:-2] + ".c")
            if unit_of(rel) == "bin" or \
                    not os.path.exists(os.path.join(src, rel)):
                continue
            out[rel] = path
    return out


def nm(args, objs):
    """{file: [nm lines]} for every object, in one run of nm."""
    paths = {path: rel for rel, path in objs.items()}
    r = subprocess.run(["nm", "-A"] + args + sorted(paths),
                       capture_output=True, text=True, check=True)
    out = {rel: [] for rel in objs}
    for line in r.stdout.splitlines():
        # "path.o: value type name" or "path.o:                 U name"
        path, _, rest = line.partition(": ")
        if path not in paths:
            path, _, rest = line.partition(":")
        if path in paths:
            out[paths[path]].append(rest)
    return out


def call_edges(objs):
    """{(user file, definer file): {symbols}} from nm."""
    defined = {}
    for rel, lines in nm(["--defined-only", "-g"], objs).items():
        for line in lines:
            f = line.split()
            if len(f) >= 3:
                defined.setdefault(f[2], set()).add(rel)
    edges = {}
    for rel, lines in nm(["-u"], objs).items():
        for line in lines:
            f = line.split()
            if not f:
                continue
            sym = f[-1]
            for d in defined.get(sym, ()):
                if d != rel:
                    edges.setdefault((rel, d), set()).add(sym)
    return edges


def include_edges(src):
    """{(folder, folder): {"file -> header"}} from #include lines."""
    edges = {}
    inc = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
    for root, _, files in os.walk(src):
        for f in files:
            if not f.endswith((".c", ".h")):
                continue
            path = os.path.join(root, f)
            rel = os.path.relpath(path, src)
            u = unit_of(rel)
            if u == "bin":
                continue
            with open(path, encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    m = inc.match(line)
                    if not m:
                        continue
                    h = m.group(1)
                    if h.startswith("holdfast/"):
                        to = HEADERS.get(h[len("holdfast/"):])
                        if to is None:
                            edges.setdefault((u, "?"), set()).add(
                                "%s -> %s (no home folder in HEADERS)"
                                % (rel, h))
                            continue
                    elif "/" not in h:
                        to = u      # a header of its own folder
                    else:
                        to = unit_of(os.path.normpath(
                            os.path.join(os.path.dirname(rel), h)))
                    if to != u:
                        edges.setdefault((u, to), set()).add(
                            "%s includes %s" % (rel, h))
    return edges


def cycles(nodes, edges):
    """Strongly connected components of more than one node (Tarjan)."""
    succ = {n: sorted({b for a, b in edges if a == n}) for n in nodes}
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in succ.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for n in sorted(nodes):
        if n not in index:
            visit(n)
    return out


def sample(syms, n=4):
    s = sorted(syms)
    more = " ..." if len(s) > n else ""
    return ", ".join(s[:n]) + more


def line_count(path):
    """Lines of a file as wc -l counts them, plus an unended last line."""
    with open(path, "rb") as fh:
        data = fh.read()
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n")
                                 else 0)


def check_sizes(src):
    """check-sizes: every .c and .h under src/ at most SIZE_LIMIT lines,
    but those in SIZE_ALLOWED, which are only reported. Returns 0 or 1."""
    sizes = {}
    for root, _, files in os.walk(src):
        for f in files:
            if f.endswith((".c", ".h")):
                path = os.path.join(root, f)
                rel = os.path.join("src", os.path.relpath(path, src))
                sizes[rel.replace(os.sep, "/")] = line_count(path)
    if not sizes:
        print("check-sizes: no .c or .h files under %s" % src)
        return 1
    over = sorted((f for f, n in sizes.items() if n > SIZE_LIMIT),
                  key=lambda f: -sizes[f])
    bad = [f for f in over if f not in SIZE_ALLOWED]
    for f in over:
        if f in SIZE_ALLOWED:
            print("check-sizes: %s: %d lines (over %d; allowed for now "
                  "in SIZE_ALLOWED)" % (f, sizes[f], SIZE_LIMIT))
        else:
            print("check-sizes: %s: %d lines, over %d: split it"
                  % (f, sizes[f], SIZE_LIMIT))
    for f in sorted(SIZE_ALLOWED):
        if f not in over:
            print("check-sizes: %s is in SIZE_ALLOWED but %s: remove it "
                  "from tests/check-layers.py" % (f, "has %d lines"
                  % sizes[f] if f in sizes else "is gone"))
    if bad:
        print("check-sizes: FAIL (%d file%s over %d lines; see SIZE_LIMIT "
              "and SIZE_ALLOWED in tests/check-layers.py)"
              % (len(bad), "" if len(bad) == 1 else "s", SIZE_LIMIT))
        return 1
    big = max(sizes, key=lambda f: (sizes[f] if f not in SIZE_ALLOWED
                                    else 0, f))
    print("check-sizes: ok (%d files; none over %d lines but %d allowed; "
          "the largest other is %s, %d)" % (len(sizes), SIZE_LIMIT,
          len(over), big, sizes[big]))
    return 0


def main(argv):
    verbose = "-v" in argv
    args = [a for a in argv if a != "-v"]
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    build = args[0] if len(args) > 0 else os.path.join(here, "build")
    src = args[1] if len(args) > 1 else os.path.join(here, "src")
    rc = check_layers(build, src, verbose)
    # after the layers, so that each check's result is its own last line
    return check_sizes(src) or rc


def check_layers(build, src, verbose):
    """check-layers: the folder and svc file graphs. Returns 0 or 1."""
    objs = objects(build, src)
    if not objs:
        print("check-layers: no objects under %s/src: build first" % build)
        return 1
    bad = []

    fcalls = call_edges(objs)
    # folder graph: calls and includes
    folder = {}
    for (a, b), syms in fcalls.items():
        ua, ub = unit_of(a), unit_of(b)
        if ua != ub:
            folder.setdefault((ua, ub), set()).update(
                "%s calls %s (%s)" % (a, b, s) for s in syms)
    for e, why in include_edges(src).items():
        folder.setdefault(e, set()).update(why)
    seen = set(folder)

    for (a, b), why in sorted(folder.items()):
        if b in LAYERS.get(a, set()) or (a, b) in ALLOWED:
            continue
        bad.append("%s -> %s: %s may not use %s: %s"
                   % (a, b, a, b, sample(why, 3)))
    live = {e for e in folder if e not in ALLOWED}
    for comp in cycles({x for e in live for x in e}, live):
        bad.append("cycle between folders: " + " <-> ".join(comp))

    # svc file graph: calls
    svc = {}
    for (a, b), syms in fcalls.items():
        if unit_of(a) == "svc" and unit_of(b) == "svc":
            svc[(a, b)] = syms
    seen |= set(svc)
    live = {e for e in svc if e not in ALLOWED}
    for comp in cycles({x for e in live for x in e}, live):
        parts = []
        for a in comp:
            for b in comp:
                if (a, b) in live:
                    parts.append("  %s -> %s (%s)"
                                 % (a, b, sample(svc[(a, b)])))
        bad.append("cycle between svc files: " + " <-> ".join(comp) +
                   "\n" + "\n".join(parts))

    for e in sorted(ALLOWED):
        if e not in seen:
            bad.append("%s -> %s is in ALLOWED but no longer exists: "
                       "remove it from tests/check-layers.py" % e)

    if verbose:
        print("folders:")
        for (a, b), why in sorted(folder.items()):
            print("  %s -> %s  (%d)%s" % (a, b, len(why),
                  "  [allowed]" if (a, b) in ALLOWED else ""))
        print("svc files:")
        for (a, b), syms in sorted(svc.items()):
            print("  %s -> %s  %s%s" % (a, b, sample(syms),
                  "  [allowed]" if (a, b) in ALLOWED else ""))
    for b in bad:
        print("check-layers: " + b)
    if bad:
        print("check-layers: FAIL (%d problems; see LAYERS and ALLOWED in "
              "tests/check-layers.py)" % len(bad))
        return 1
    print("check-layers: ok (%d objects, %d folder edges, %d svc edges, "
          "%d allowed)" % (len(objs), len(folder), len(svc), len(ALLOWED)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
