#!/usr/bin/env python3
"""fake_openai.py: a small OpenAI-compatible chat-completions server.

For the dev and test stacks (the catalog assistant, issue 14 item 5): no
network beyond this machine is reachable there, so Holdfast's assistant
talks to this server on 127.0.0.1. It checks the shape of every request
(Authorization: Bearer <the key>, JSON {model, messages, stream?}, the
model it was told, messages of {role, content} ending with the user's)
and answers a canned completion that cites, as [n], every catalog title
Holdfast numbered in its context message, and counts the reader's loans.

    python3 tests/fake_openai.py --port 10026 --key-file var/secrets/ai_key \\
        --model holdfast-test-model --pid-file var/run/ai.pid \\
        [--daemon --log var/log/ai.log]

    POST /v1/chat/completions (or /chat/completions)  the model
    POST /_mode {"mode": M}   how the next completions are answered:
        ok            a canned completion (the default)
        slow          the same after --slow seconds (past any timeout)
        garbage       200 with a body that is not JSON
        shape         200 with JSON that is no chat completion
        429           429 with Retry-After: 1, every time
        429-long      429 with Retry-After: 120, every time
        500           500, every time
        500-then-ok   500 once, then ok
        429-then-ok   429 with Retry-After: 1 once, then ok
        stream-slow   a streamed answer ("stream": true asked) whose
                      chunks come 0.35 s apart
        stream-stall  two chunks, then silence past any timeout
    A request with "stream": true is answered as server-sent events
    (chat.completion.chunk deltas, then data: [DONE]), else as one JSON.
    GET /_requests   {"requests": [...], "problems": [...], "mode": M}:
                     the completions asked for (headers, body, when) and
                     every shape problem found, oldest first
    POST /_reset     forget them; mode ok

A request with a bad shape is answered 400 with the problem, which is
also kept in "problems". "Down" is the server stopped: ./dev svc stop ai.
The pid file is written once the port is bound; SIGTERM stops it.

Python 3 standard library only.
"""
import argparse
import http.server
import json
import os
import re
import signal
import socket
import sys
import threading
import time

KEEP = 200                     # requests remembered
ROLES = ("system", "user", "assistant")
TITLE_RE = re.compile(r'^\[(\d+)\] "(.*)" \(SKU ([^,]+), product (\d+)',
                      re.M)


def log(msg):
    print(f"fake_openai[{os.getpid()}] {time.strftime('%H:%M:%S')} {msg}",
          file=sys.stderr, flush=True)


class State:
    def __init__(self, key, model, slow):
        self.key = key
        self.model = model
        self.slow = slow
        self.lock = threading.Lock()
        self.mode = "ok"
        self.requests = []
        self.problems = []


def shape_problem(state, headers, raw):
    """What is wrong with a completion request, or None."""
    if headers.get("Authorization", "") != "Bearer " + state.key:
        return "Authorization is not 'Bearer <the key>'"
    if not headers.get("Content-Type", "").startswith("application/json"):
        return "Content-Type is not application/json"
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return "the body is not JSON"
    if not isinstance(body, dict):
        return "the body is not an object"
    extra = set(body) - {"model", "messages", "stream", "temperature",
                         "max_tokens"}
    if extra:
        return "unknown members %s" % sorted(extra)
    if body.get("model") != state.model:
        return "model is %r, not %r" % (body.get("model"), state.model)
    if body.get("stream", False) not in (False, True):
        return "stream is not a boolean"
    msgs = body.get("messages")
    if not isinstance(msgs, list) or not msgs:
        return "messages is not a non-empty list"
    for i, m in enumerate(msgs):
        if not isinstance(m, dict) or set(m) != {"role", "content"}:
            return "messages[%d] is not {role, content}" % i
        if m["role"] not in ROLES or not isinstance(m["content"], str):
            return "messages[%d] has a bad role or content" % i
    if msgs[-1]["role"] != "user":
        return "the last message is not the user's"
    return None


def canned(body):
    """A completion citing every numbered title of the context."""
    msgs = body["messages"]
    context = "\n".join(m["content"] for m in msgs if m["role"] == "system")
    question = msgs[-1]["content"]
    titles = TITLE_RE.findall(context)
    loans = context.split("The reader's loans:\n", 1)
    nloans = 0
    if len(loans) == 2:
        part = loans[1].split("\n\n", 1)[0]
        nloans = sum(1 for line in part.splitlines() if line.startswith("- "))
    if "nocite" in question:
        text = "I could not find anything about that in the catalog."
    elif titles:
        text = "From the catalog: " + "; ".join(
            "[%s] %s" % (n, name) for n, name, _, _ in titles) + "."
    else:
        text = "No title in the catalog matches that."
    if "cite99" in question:
        text += " See also [99] and [0]."
    text += " You have %d loan(s)." % nloans
    return {
        "id": "chatcmpl-fake-%d" % int(time.time() * 1000),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": text}}],
        "usage": {"prompt_tokens": len(context) // 4,
                  "completion_tokens": len(text) // 4,
                  "total_tokens": (len(context) + len(text)) // 4},
    }


def make_handler(state):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "fake-openai/1"

        def log_message(self, fmt, *args):
            log("%s %s" % (self.address_string(), fmt % args))

        def reply(self, status, obj=None, raw=None, headers=()):
            data = raw if raw is not None else json.dumps(obj).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json"
                                 if raw is None else "text/html")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass        # the client gave up (a timeout): fine

        def read_body(self):
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n > 0 else b""

        def do_GET(self):
            if self.path == "/_requests":
                with state.lock:
                    out = {"requests": list(state.requests),
                           "problems": list(state.problems),
                           "mode": state.mode}
                self.reply(200, out)
            else:
                self.reply(404, {"error": {"message": "not found"}})

        def do_POST(self):
            raw = self.read_body()
            if self.path == "/_mode":
                mode = json.loads(raw.decode())["mode"]
                with state.lock:
                    state.mode = mode
                self.reply(200, {"mode": mode})
                return
            if self.path == "/_reset":
                with state.lock:
                    state.mode = "ok"
                    state.requests.clear()
                    state.problems.clear()
                self.reply(200, {"mode": "ok"})
                return
            if self.path not in ("/v1/chat/completions",
                                 "/chat/completions"):
                self.reply(404, {"error": {"message": "not found"}})
                return
            self.completion(raw)

        def completion(self, raw):
            problem = shape_problem(state, self.headers, raw)
            hdrs = {k: v for k, v in self.headers.items()
                    if k.lower() != "authorization"}
            hdrs["authorization_ok"] = (self.headers.get("Authorization")
                                        == "Bearer " + state.key)
            with state.lock:
                mode = state.mode
                if mode.endswith("-then-ok"):
                    state.mode = "ok"
                try:
                    body = json.loads(raw.decode("utf-8"))
                except (UnicodeDecodeError, ValueError):
                    body = None
                state.requests.append({"at": time.time(), "path": self.path,
                                       "headers": hdrs, "body": body,
                                       "mode": mode, "problem": problem})
                del state.requests[:-KEEP]
                if problem:
                    state.problems.append(problem)
            if problem:
                log("bad request: " + problem)
                self.reply(400, {"error": {"message": problem,
                                           "type": "invalid_request_error"}})
                return
            if mode == "slow":
                time.sleep(state.slow)
            if body.get("stream") is True and mode in ("ok", "slow",
                    "stream-slow", "stream-stall", "500-then-ok",
                    "429-then-ok"):
                self.stream(canned(body), mode)
                return
            if mode == "garbage":
                self.reply(200, raw=b"<html><body>Bad gateway, or a model "
                           b"that answers HTML</body></html>")
            elif mode == "shape":
                self.reply(200, {"id": "x", "object": "chat.completion",
                                 "choices": []})
            elif mode in ("429", "429-then-ok"):
                self.reply(429, {"error": {"message": "rate limited"}},
                           headers=[("Retry-After", "1")])
            elif mode == "429-long":
                self.reply(429, {"error": {"message": "rate limited"}},
                           headers=[("Retry-After", "120")])
            elif mode in ("500", "500-then-ok"):
                self.reply(500, {"error": {"message": "internal error"}})
            else:
                self.reply(200, canned(body))

        def stream(self, done, mode):
            """The completion as SSE chunks, then [DONE]; the connection
            closes at the end (no Content-Length)."""
            text = done["choices"][0]["message"]["content"]
            n = max(1, len(text) // 4)
            pieces = [text[i:i + n] for i in range(0, len(text), n)]
            self.close_connection = True
            try:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                for i, p in enumerate(pieces):
                    chunk = {"id": done["id"], "object":
                             "chat.completion.chunk", "model": done["model"],
                             "choices": [{"index": 0, "delta": {"content": p},
                                          "finish_reason": None}]}
                    self.wfile.write(b"data: " + json.dumps(chunk).encode()
                                     + b"\n\n")
                    self.wfile.flush()
                    if mode == "stream-slow":
                        time.sleep(0.35)
                    if mode == "stream-stall" and i == 1:
                        time.sleep(state.slow)
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
            except OSError:
                pass

    return Handler


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def write_pid_file(path):
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        f.write(f"{os.getpid()}\n")
    os.rename(tmp, path)


def remove_pid_file(path):
    try:
        with open(path) as f:
            if f.read().strip() == str(os.getpid()):
                os.unlink(path)
    except OSError:
        pass


def daemonise(log_path):
    """Detaches; the parent exits 0 once the child says it is ready, 1 if
    it dies first. Returns the write end of the readiness pipe."""
    r, w = os.pipe()
    if os.fork() > 0:
        os.close(w)
        ok = os.read(r, 1)
        os._exit(0 if ok == b"1" else 1)
    os.close(r)
    os.setsid()
    if os.fork() > 0:
        os._exit(0)
    fd = os.open(log_path or os.devnull,
                 os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    os.close(null)
    os.chdir("/")
    return w


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--key-file", required=True,
                    help="the API key Holdfast must send")
    ap.add_argument("--model", default="holdfast-test-model")
    ap.add_argument("--slow", type=float, default=10.0,
                    help="seconds the slow mode waits")
    ap.add_argument("--pid-file", help="written once listening")
    ap.add_argument("--daemon", action="store_true",
                    help="detach; exit 0 once listening")
    ap.add_argument("--log", help="log file (default stderr)")
    args = ap.parse_args()

    with open(args.key_file) as f:
        key = f.read().strip()
    pid_file = os.path.abspath(args.pid_file) if args.pid_file else None
    log_path = os.path.abspath(args.log) if args.log else None
    state = State(key, args.model, args.slow)
    try:
        server = Server((args.host, args.port), make_handler(state))
    except OSError as e:
        print(f"fake_openai: cannot listen on {args.host}:{args.port}: "
              f"{e.strerror}", file=sys.stderr)
        return 1
    ready = None
    if args.daemon:
        ready = daemonise(log_path)
    elif log_path:
        fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND,
                     0o644)
        os.dup2(fd, 2)
        os.close(fd)

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if pid_file:
        os.makedirs(os.path.dirname(pid_file), exist_ok=True)
        write_pid_file(pid_file)
    log(f"listening on {args.host}:{args.port}, model {args.model}")
    if ready is not None:
        os.write(ready, b"1")
        os.close(ready)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        if pid_file:
            remove_pid_file(pid_file)
        log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
