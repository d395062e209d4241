"""hf.hook_receiver: a webhook receiver for the black-box tests
(test_83_webhooks.py, test_94_webhook_targets.py).

    with Receiver() as rx:          # listens on 127.0.0.1, a free port
        rx.url                      # http://127.0.0.1:PORT/hook
        ... make holdfast-notify deliver ...
        rx.wait(lambda got: len(got) >= 1, timeout=10)
        rx.received                 # [Delivery(headers, body)]

It answers every POST with rx.status (200 by default) and keeps what it
got; it binds 127.0.0.1 only and stops when the block ends.  A port that
nothing listens on (to see deliveries fail) comes from free_port().
"""

import http.server
import socket
import threading
import time


class Delivery:
    def __init__(self, path, headers, body):
        self.path = path
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.body = body

    def header(self, name):
        return self.headers.get(name.lower())


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else b""
        rx = self.server.receiver
        with rx.lock:
            rx.received.append(Delivery(self.path, dict(self.headers.items()),
                body))
            status = rx.status
        out = b'{"ok":true}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, fmt, *args):
        pass


class Receiver:
    def __init__(self, status=200):
        self.status = status
        self.received = []
        self.lock = threading.Lock()
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
            _Handler)
        self._server.daemon_threads = True
        self._server.receiver = self
        self.port = self._server.server_address[1]
        self.url = "http://127.0.0.1:%d/hook" % self.port
        self._thread = threading.Thread(target=self._server.serve_forever,
            daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
        return False

    def snapshot(self):
        with self.lock:
            return list(self.received)

    def wait(self, predicate, timeout=10, interval=0.05):
        """Wait until predicate(list of deliveries) is true; return the
        list (whatever it holds when the time is up)."""
        end = time.monotonic() + timeout
        while True:
            got = self.snapshot()
            if predicate(got) or time.monotonic() >= end:
                return got
            time.sleep(interval)


def free_port():
    """A 127.0.0.1 port that nothing listens on right now."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
