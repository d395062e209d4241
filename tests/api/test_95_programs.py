"""The programs behave like Debian programs (issue 11): --version and
--help answer on stdout with exit 0, holdfast-fcgi refuses what it does
not know instead of starting a worker, and the cron programs print
nothing with --quiet after a good run (cron mails any output).  The
install stage (tests/install/run.sh) checks the same of the installed
programs; these run on every machine, against build/ and the stack."""

import os
import re
import subprocess

import hf

PROGRAMS = ("holdfast-fcgi", "holdfast-admin", "holdfast-expire",
    "holdfast-notify")


def _run(name, *args, env=None, timeout=30):
    return subprocess.run([hf.build_binary(name)] + list(args),
        capture_output=True, text=True, timeout=timeout,
        stdin=subprocess.DEVNULL, env=env or hf.notify_env())


def test_every_program_answers_version_and_help_on_stdout():
    for name in PROGRAMS:
        for flag in ("--version", "-V"):
            p = _run(name, flag)
            hf.expect_eq(p.returncode, 0, "%s %s exit status" % (name, flag))
            hf.check(re.match(r"^%s \d+\.\d+\.\d+\S* \(revision \S+\)\n$"
                % re.escape(name), p.stdout), "%s %s printed %r" % (name,
                flag, p.stdout))
        for flag in ("--help", "-h"):
            p = _run(name, flag)
            hf.expect_eq(p.returncode, 0, "%s %s exit status" % (name, flag))
            hf.check(p.stdout.startswith("usage: %s" % name) and
                p.stderr == "", "%s %s: stdout %r, stderr %r" % (name, flag,
                p.stdout[:80], p.stderr[:200]))


def test_version_is_the_one_the_api_names():
    data = hf.expect_success(hf.get("/api/v1"))
    p = _run("holdfast-fcgi", "--version")
    hf.check(p.stdout.split()[1] == data["version"], "holdfast-fcgi "
        "--version says %r, GET /api/v1 %r" % (p.stdout, data["version"]))


def test_fcgi_refuses_unknown_arguments_without_starting_a_worker():
    for args in (["--bogus"], ["-x"], ["extra"], ["-c"]):
        p = _run("holdfast-fcgi", *args, timeout=10)
        hf.expect_eq(p.returncode, 2, "holdfast-fcgi %s exit status" % args)
        hf.check("usage: holdfast-fcgi" in p.stderr and p.stdout == "",
            "holdfast-fcgi %s: stdout %r, stderr %r" % (args, p.stdout,
            p.stderr[:200]))


def test_fcgi_takes_its_config_from_c():
    env = dict(os.environ)
    env.pop("HOLDFAST_CONF", None)
    p = _run("holdfast-fcgi", "-c", "/nonexistent/holdfast.conf", env=env,
        timeout=10)
    hf.expect_eq(p.returncode, 1, "holdfast-fcgi -c missing-file exit "
        "status")
    hf.check("/nonexistent/holdfast.conf" in p.stderr, "stderr %r does not "
        "name the file" % p.stderr[:300])


def test_cron_programs_print_nothing_with_quiet():
    for name in ("holdfast-expire", "holdfast-notify"):
        p = _run(name, "--quiet", timeout=120)
        hf.expect_eq(p.returncode, 0, "%s --quiet exit status (stderr %r)"
            % (name, p.stderr[-300:]))
        hf.expect_eq((p.stdout, p.stderr), ("", ""), "%s --quiet output "
            "(cron would mail it)" % name)


def test_cron_programs_write_no_info_lines_on_stderr_without_log_file():
    """With no log_file, the log is stderr, which cron mails: only warnings
    and errors go there."""
    env = hf.notify_env()
    env["HOLDFAST_LOG_FILE"] = ""
    p = _run("holdfast-expire", "--quiet", env=env, timeout=120)
    hf.expect_eq(p.returncode, 0, "holdfast-expire exit status")
    hf.expect_eq(p.stderr, "", "holdfast-expire stderr without log_file")
