"""Issue 16, item 2: nothing host-local that another host needs (README
"Scale-out: shared state").

Covers live in MariaDB (covers, named by the SHA-256 of their bytes);
each host's upload_dir/covers is a cache of that table, served by nginx as
before.  A cover this host's disk lacks (another host took the upload, or
the file is gone) is answered by a worker from the database through
nginx's fallback (GET /api/v1/covers/{file}), and written to the disk on
the way, so that the next read is nginx's own.  Shown here on one host:
a cover uploaded, then its file deleted; a cover put into the database
only, as another host would have stored it; bytes that do not match their
name; other spellings of a name.

A cache invalidation that could not reach Redis (a lost bump) is recorded
in the database (cache_lost.gen), which every worker of every host reads
at most every cache_lost_poll_ms: the cache epoch in Redis moves once per
generation (hf:lost), so an entry cached before the lost write is not
served on any host.  Shown with the write of "another host" done straight
in the database, and with Redis stopped under a real write.

/metrics is per host: holdfast_host_info{host=...} names the host whose
workers the figures are, and holdfast_cache_lost_generation is the shared
generation.

These tests stop Redis: run them only against a stack that is yours."""

import concurrent.futures
import hashlib
import os
import re
import socket
import subprocess
import time

import hf

API = "/api/v1"


def _admin():
    return hf.inv_admin()


def _covers_dir():
    up = hf.conf_values().get("upload_dir") or os.path.join(hf.dev_var(),
        "uploads")
    return os.path.join(up, "covers")


def _cover_path(url_or_name):
    return os.path.join(_covers_dir(), url_or_name.rsplit("/", 1)[-1])


def _put_cover(pid, body, ctype="image/png"):
    r = hf.call("PUT", API + "/products/%d/cover" % pid, body,
        token=_admin(), headers={"Content-Type": ctype}, timeout=30)
    return hf.expect_success(r)["cover_url"]


def _db_cover(sha):
    rows = hf.db_rows("SELECT type, size, HEX(bytes) FROM covers WHERE "
        "sha256 = %s" % hf.sql_str(sha))
    return rows[0] if rows else None


def _worker_fetches(name):
    """How many times the workers answered GET /api/v1/covers/<name>
    (their access log)."""
    path = os.path.join(hf.dev_var(), "log", "holdfast.log")
    try:
        with open(path, errors="replace") as f:
            return sum(1 for line in f if " GET /api/v1/covers/%s " % name
                in line)
    except OSError:
        hf.skip("no worker log at %s" % path)


def _expect_image(r, body, ctype, what):
    hf.expect_status(r, 200)
    hf.check(r.body == body, "%s: %d bytes that differ from the %d stored"
        % (what, len(r.body), len(body)), r)
    got = (r.headers.get("Content-Type") or "").split(";")[0].strip()
    hf.expect_eq(got, ctype, "%s: Content-Type" % what, r)
    hf.expect_eq(r.headers.get("X-Content-Type-Options"), "nosniff",
        "%s: X-Content-Type-Options" % what, r)


# ---------------------------------------------------------------- covers

def test_a_cover_is_stored_in_the_database_and_served_when_this_host_lost_it():
    p = hf.new_product(0, token=_admin())
    png = hf.png_bytes("d5 %s" % hf.unique_word("c"))
    sha = hashlib.sha256(png).hexdigest()
    url = _put_cover(p["id"], png)
    hf.expect_eq(url, "/uploads/covers/%s.png" % sha, "cover_url")
    hf.expect_eq(_db_cover(sha), ["png", str(len(png)),
        png.hex().upper()], "the covers row of the upload")
    path = _cover_path(url)
    hf.check(os.path.exists(path), "the upload left no file in this "
        "host's cache %s" % path)
    name = url.rsplit("/", 1)[1]

    # this host loses its copy: nginx asks a worker, which answers from
    # the database and puts the file back
    os.unlink(path)
    before = _worker_fetches(name)
    _expect_image(hf.get(url), png, "image/png", "GET %s without the file"
        % url)
    with open(path, "rb") as f:
        hf.check(f.read() == png, "the file written back differs from "
            "the cover")
    # the next read is nginx's own, from the disk: no worker answers it
    _expect_image(hf.get(url), png, "image/png", "GET %s again" % url)
    hf.expect_eq(_worker_fetches(name) - before, 1, "worker answers of "
        "GET /api/v1/covers/%s for two reads (the second from disk)" % name)
    hf.check(not [f for f in os.listdir(_covers_dir()) if
        f.startswith(name) and f != name], "a temporary file was left next "
        "to %s" % name)

    # the same bytes for another product: the same row, the same URL
    q = hf.new_product(0, token=_admin())
    hf.expect_eq(_put_cover(q["id"], png), url, "cover_url of the same "
        "image on a second product")
    hf.expect_eq(hf.db_rows("SELECT COUNT(*) FROM covers WHERE sha256 = %s"
        % hf.sql_str(sha)), [["1"]], "covers rows of one image put twice")


def test_a_cover_another_host_stored_is_served_by_this_one():
    """The upload went through another host: the row is in the shared
    database, this host's disk never saw the file."""
    jpg = hf.jpeg_bytes("d5 other host %s" % hf.unique_word("h"))
    sha = hashlib.sha256(jpg).hexdigest()
    hf.db_rows("INSERT INTO covers (sha256, type, size, bytes) VALUES "
        "(%s, 'jpg', %d, 0x%s)" % (hf.sql_str(sha), len(jpg), jpg.hex()))
    path = _cover_path(sha + ".jpg")
    hf.check(not os.path.exists(path), "%s is on disk already" % path)
    url = "/uploads/covers/%s.jpg" % sha
    # several readers at once: each gets the whole cover
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        got = list(pool.map(lambda _: hf.get(url), range(6)))
    for r in got:
        _expect_image(r, jpg, "image/jpeg", "GET %s (stored by another "
            "host)" % url)
    with open(path, "rb") as f:
        hf.check(f.read() == jpg, "the file this host cached differs")
    # the API route answers it too, and HEAD has no body
    _expect_image(hf.get(API + "/covers/%s.jpg" % sha), jpg, "image/jpeg",
        "GET /api/v1/covers/{file}")
    r = hf.request("HEAD", API + "/covers/%s.jpg" % sha)
    hf.expect_status(r, 200)
    hf.expect_eq(r.body, b"", "HEAD body")


def test_apache_serves_a_cover_another_host_stored_too():
    base = hf.apache_url()
    png = hf.png_bytes("d5 apache %s" % hf.unique_word("a"))
    sha = hashlib.sha256(png).hexdigest()
    hf.db_rows("INSERT INTO covers (sha256, type, size, bytes) VALUES "
        "(%s, 'png', %d, 0x%s)" % (hf.sql_str(sha), len(png), png.hex()))
    url = "/uploads/covers/%s.png" % sha
    name = sha + ".png"
    before = _worker_fetches(name)
    _expect_image(hf.request("GET", url, base=base), png, "image/png",
        "GET %s through Apache (stored by another host)" % url)
    with open(_cover_path(name), "rb") as f:
        hf.check(f.read() == png, "the file Apache's worker cached differs")
    _expect_image(hf.request("GET", url, base=base), png, "image/png",
        "GET %s through Apache again" % url)
    hf.expect_eq(_worker_fetches(name) - before, 1, "worker answers for "
        "two reads through Apache (the second from disk)")
    r = hf.request("GET", "/uploads/covers/%s.png" % ("0" * 64), base=base)
    hf.expect_error(r, 404, "REQ_011")


def test_names_that_are_not_a_stored_cover_are_404_and_write_nothing():
    png = hf.png_bytes("d5 names %s" % hf.unique_word("n"))
    p = hf.new_product(0, token=_admin())
    url = _put_cover(p["id"], png)
    sha = url.rsplit("/", 1)[1].split(".")[0]
    before = set(os.listdir(_covers_dir()))
    names = ["0" * 64 + ".png",                 # no such row
        sha + ".jpg", sha + ".webp",            # another type
        sha.upper() + ".png", sha + ".PNG",     # other spellings
        sha + ".gif", sha, sha + ".png.png", sha[:-1] + ".png",
        sha + "0.png", "x" * 64 + ".png", "%2e%2e", "..%2Fholdfast.conf",
        "%2e%2e%2f%2e%2e%2fholdfast.conf", sha + ".png%00",
        "%FF%FE.png", "9" * 300]
    for n in names:
        r = hf.get(API + "/covers/" + n)
        hf.check(r.status in (400, 404), "GET /api/v1/covers/%s: %d" % (n,
            r.status), r)
        hf.check(r.status != 200 and not (r.headers.get("Content-Type") or
            "").startswith("image/"), "GET /api/v1/covers/%s served an "
            "image" % n, r)
        if r.status == 404:     # no such cover, or no such route
            hf.check((r.json or {}).get("error") in ("REQ_011", "REQ_004"),
                "GET /api/v1/covers/%s: error %r" % (n, (r.json or
                {}).get("error")), r)
    for n in names[:10]:
        r = hf.get("/uploads/covers/" + n)
        hf.check(r.status in (400, 404), "GET /uploads/covers/%s: %d"
            % (n, r.status), r)
    hf.expect_eq(sorted(set(os.listdir(_covers_dir())) - before), [],
        "files written by requests for names that are no cover")


def test_a_stored_cover_whose_bytes_do_not_match_its_name_is_never_served():
    good = hf.png_bytes("d5 good %s" % hf.unique_word("g"))
    bad = hf.png_bytes("d5 tampered %s" % hf.unique_word("t"))
    sha = hashlib.sha256(good).hexdigest()
    hf.db_rows("INSERT INTO covers (sha256, type, size, bytes) VALUES "
        "(%s, 'png', %d, 0x%s)" % (hf.sql_str(sha), len(bad), bad.hex()))
    for path in ("/uploads/covers/%s.png" % sha, API + "/covers/%s.png"
            % sha):
        r = hf.get(path)
        hf.expect_error(r, 500, "SYS_002")
        hf.check(bad not in r.body, "%s answered the tampered bytes" % path)
    hf.check(not os.path.exists(_cover_path(sha + ".png")), "the tampered "
        "bytes were written to this host's cache")


def test_import_covers_puts_this_hosts_files_into_the_database():
    """Covers stored before sql/026 live only on the disk of the host that
    took them: holdfast-admin import-covers puts them in the database
    (restore does the same for a backup from before 026)."""
    png = hf.png_bytes("d5 import %s" % hf.unique_word("i"))
    sha = hashlib.sha256(png).hexdigest()
    path = _cover_path(sha + ".png")
    with open(path, "wb") as f:
        f.write(png)
    liar = _cover_path("f" * 64 + ".png")        # not its bytes' name
    with open(liar, "wb") as f:
        f.write(png)
    try:
        r = hf.run_program("holdfast-admin", "import-covers")
        hf.expect_eq(r.returncode, 1, "import-covers exit status with one "
            "misnamed file (%s %s)" % (r.stdout, r.stderr))
        m = re.search(r"(\d+) put into the database, (\d+) files skipped",
            r.stdout)
        hf.check(m is not None and int(m.group(1)) >= 1 and
            int(m.group(2)) >= 1, "import-covers said %r" % r.stdout)
    finally:
        os.unlink(liar)
    hf.expect_eq(_db_cover(sha), ["png", str(len(png)), png.hex().upper()],
        "the row import-covers put in")
    hf.expect_eq(hf.db_rows("SELECT COUNT(*) FROM covers WHERE sha256 = %s"
        % hf.sql_str("f" * 64)), [["0"]], "a row for the misnamed file")
    os.unlink(path)
    _expect_image(hf.get("/uploads/covers/%s.png" % sha), png, "image/png",
        "an imported cover without its file")


def test_a_backup_holds_the_covers_of_the_database():
    png = hf.png_bytes("d5 backup %s" % hf.unique_word("b"))
    p = hf.new_product(0, token=_admin())
    sha = _put_cover(p["id"], png).rsplit("/", 1)[1].split(".")[0]
    try:
        with open(os.path.join(hf.dev_var(), "secrets",
                "db_owner_password")) as f:
            owner = f.read().strip()
    except OSError:
        hf.skip("no owner password in %s/secrets" % hf.dev_var())
    out = os.path.join(hf.dev_var(), "d5-backup-%s" % hf.unique_word("k"))
    env = dict(hf.notify_env(), HOLDFAST_DB_USER="holdfast_owner",
        HOLDFAST_DB_PASSWORD=owner)
    r = subprocess.run([hf.build_binary("holdfast-admin"), "backup", out],
        capture_output=True, text=True, timeout=300, env=env)
    try:
        hf.expect_eq(r.returncode, 0, "holdfast-admin backup (%s)"
            % r.stderr.strip())
        with open(os.path.join(out, "holdfast.sql"), errors="replace") as f:
            dump = f.read()
        hf.check(("'%s','png',%d,0x%s" % (sha, len(png), png.hex().upper()))
            in dump, "the dump has no covers row of %s with its bytes" % sha)
    finally:
        for n in ("holdfast.sql", "uploads.tar", "MANIFEST"):
            try:
                os.unlink(os.path.join(out, n))
            except OSError:
                pass
        try:
            os.rmdir(out)
        except OSError:
            pass


# ---------------------------------------------------------------- lost

def _name(pid):
    return hf.expect_success(hf.get(API + "/products/%d" % pid))["name"]


def _lost_gen():
    return int(hf.db_rows("SELECT gen FROM cache_lost WHERE id = 1")[0][0])


def _poll_ms():
    return hf.conf_int("cache_lost_poll_ms", 1000)


def _until_fresh(pid, want, limit_s):
    """Reads until every one of 8 reads in a row answers want; the seconds
    it took, or None after limit_s."""
    t0, fresh = time.monotonic(), 0
    while time.monotonic() - t0 < limit_s:
        fresh = fresh + 1 if _name(pid) == want else 0
        if fresh >= 8:
            return time.monotonic() - t0
        time.sleep(0.02)
    return None


def test_an_invalidation_another_host_lost_reaches_this_hosts_readers():
    """Another host committed a write but could not reach Redis: it moved
    cache_lost.gen. Every worker here must stop serving the entry from
    before the write within about cache_lost_poll_ms, and Redis' epoch
    moves once for the generation, not once per worker."""
    if _poll_ms() <= 0:
        hf.skip("cache_lost_poll_ms is 0 on this stack")
    p = hf.new_product(0, token=_admin(), name="D5 before")
    for _ in range(12):
        hf.expect_eq(_name(p["id"]), "D5 before", "name read")
    new = "D5 after %s" % hf.unique_word("a")
    # the other host's write, its invalidation lost
    hf.db_rows("UPDATE products SET name = %s WHERE id = %d"
        % (hf.sql_str(new), p["id"]))
    # without the record, the cached entry stands (the cache is real)
    stale = [_name(p["id"]) for _ in range(8)]
    hf.expect_eq(stale, ["D5 before"] * 8, "reads before the lost "
        "invalidation was recorded (from the cache)")
    with hf.RedisClient() as rc:
        epoch = int(rc.cmd("GET", "hf:epoch") or 0)
        hf.db_rows("UPDATE cache_lost SET gen = gen + 1 WHERE id = 1")
        gen = _lost_gen()
        took = _until_fresh(p["id"], new, 10 + 3 * _poll_ms() / 1000.0)
        hf.check(took is not None, "the entry from before a write whose "
            "invalidation another host lost was still served 10 s after "
            "cache_lost.gen moved")
        # every worker has read the generation by now: one bump in all
        time.sleep(2 * _poll_ms() / 1000.0)
        for _ in range(16):
            _name(p["id"])
        hf.expect_eq(rc.cmd("GET", "hf:lost"), str(gen), "hf:lost (the "
            "generation acted on)")
        hf.expect_eq(int(rc.cmd("GET", "hf:epoch")) - epoch, 1, "epoch "
            "bumps for one lost generation, all workers together")


def test_a_write_while_redis_is_down_is_recorded_for_every_host():
    p = hf.new_product(0, token=_admin(), name="D5 redis before")
    for _ in range(8):
        _name(p["id"])
    gen = _lost_gen()
    new = "D5 redis after %s" % hf.unique_word("r")
    with hf.service_stopped("redis"):
        r = hf.call("PATCH", API + "/products/%d" % p["id"], {"name": new},
            token=_admin())
        hf.expect_success(r)
        hf.check(_lost_gen() > gen, "a write whose invalidation could not "
            "reach Redis left cache_lost.gen at %d" % gen)
    gen = _lost_gen()
    took = _until_fresh(p["id"], new, 15)
    hf.check(took is not None, "the name from before the write was still "
        "read 15 s after Redis came back")
    # the generation reached Redis (a worker read it and acted on it)
    t0 = time.monotonic()
    with hf.RedisClient() as rc:
        while rc.cmd("GET", "hf:lost") != str(gen) and \
                time.monotonic() - t0 < 10:
            _name(p["id"])
            time.sleep(0.05)
        hf.expect_eq(rc.cmd("GET", "hf:lost"), str(gen), "hf:lost after "
            "Redis came back")


# ---------------------------------------------------------------- metrics

def _sample(text, name):
    for line in text.splitlines():
        m = re.match(r"^%s(\{[^}]*\})?\s+(\S+)$" % re.escape(name), line)
        if m:
            return m.group(1) or "", float(m.group(2))
    return None


def test_metrics_name_their_host_and_the_shared_lost_generation():
    text = hf.metrics_text()
    if text is None:
        hf.skip("no /metrics")
    host = hf.conf_values().get("host_name") or socket.gethostname()
    got = _sample(text, "holdfast_host_info")
    hf.check(got is not None, "no holdfast_host_info on /metrics")
    want = '{host="%s"}' % host.replace("\\", "\\\\").replace('"', '\\"')
    hf.expect_eq(got, (want, 1.0), "holdfast_host_info")
    hf.check("# TYPE holdfast_host_info gauge" in text, "holdfast_host_info "
        "has no # TYPE gauge")
    hf.expect_eq(_sample(text, "holdfast_cache_lost_generation"),
        ("", float(_lost_gen())), "holdfast_cache_lost_generation")
