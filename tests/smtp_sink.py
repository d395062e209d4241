#!/usr/bin/env python3
"""smtp_sink.py: a small SMTP server that keeps every message as a file.

For the dev and test stacks: it listens on 127.0.0.1, accepts any sender
and any recipient, and stores each message it is given, byte for byte as
the client sent it (dot-stuffing undone), as DIR/<epoch-ms>-<n>.eml. A
file appears whole or not at all: it is written under a hidden temporary
name and renamed.

    python3 tests/smtp_sink.py --port 10025 --dir var/mail \\
        --pid-file var/run/smtp.pid [--daemon --log var/log/smtp.log]

Commands: EHLO, HELO, MAIL FROM, RCPT TO, DATA, RSET, NOOP, QUIT (and VRFY,
answered 252). No TLS, no AUTH: it never leaves 127.0.0.1 in the stacks.
The pid file is written once the port is bound, so its presence means the
sink is ready; SIGTERM or SIGINT stop it and remove the pid file.

Python 3 standard library only.
"""
import argparse
import asyncio
import itertools
import os
import signal
import socket
import sys
import time

LINE_MAX = 64 * 1024          # longest line read at once (RFC: 1000)
IDLE_TIMEOUT = 300            # seconds a client may stay silent
HOSTNAME = "smtp-sink.localhost"


def log(msg):
    print(f"smtp_sink[{os.getpid()}] {time.strftime('%H:%M:%S')} {msg}",
          file=sys.stderr, flush=True)


class Store:
    """Writes messages as <epoch-ms>-<n>.eml, atomically."""

    def __init__(self, directory):
        self.dir = directory
        self.counter = itertools.count(1)

    def put(self, data):
        name = f"{int(time.time() * 1000)}-{next(self.counter)}.eml"
        tmp = os.path.join(self.dir, f".{name}.tmp")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.rename(tmp, os.path.join(self.dir, name))
        return name


def address(arg, keyword):
    """'FROM:<a@b> SIZE=10' -> 'a@b' (may be empty), or None if malformed."""
    if not arg[:len(keyword)].upper() == keyword:
        return None
    rest = arg[len(keyword):].strip()
    if rest.startswith("<"):
        end = rest.find(">")
        if end < 0:
            return None
        return rest[1:end]
    return rest.split(" ", 1)[0] if rest else None


class Session:
    def __init__(self, store, max_bytes, reader, writer):
        self.store = store
        self.max_bytes = max_bytes
        self.reader = reader
        self.writer = writer
        self.reset()

    def reset(self):
        self.sender = None
        self.rcpts = []

    async def reply(self, text):
        self.writer.write(text.encode("ascii") + b"\r\n")
        await self.writer.drain()

    async def readline(self):
        return await asyncio.wait_for(self.reader.readline(), IDLE_TIMEOUT)

    async def data(self):
        """Reads until '.', undoes dot-stuffing; returns bytes or None
        when the message was larger than max_bytes."""
        chunks, size, too_big = [], 0, False
        while True:
            line = await self.readline()
            if not line:
                raise ConnectionError("client left during DATA")
            if line in (b".\r\n", b".\n"):
                break
            if line.startswith(b"."):
                line = line[1:]
            size += len(line)
            if size > self.max_bytes:
                too_big = True
                chunks = []
            if not too_big:
                chunks.append(line)
        return None if too_big else b"".join(chunks)

    async def run(self):
        await self.reply(f"220 {HOSTNAME} ESMTP holdfast smtp_sink")
        while True:
            try:
                raw = await self.readline()
            except ValueError:
                await self.reply("500 5.5.2 line too long")
                return
            if not raw:
                return
            line = raw.rstrip(b"\r\n").decode("utf-8", "replace")
            verb, _, arg = line.partition(" ")
            verb = verb.upper()
            if verb == "EHLO":
                self.reset()
                await self.reply(f"250-{HOSTNAME}\r\n250-8BITMIME\r\n"
                                 f"250-SIZE {self.max_bytes}\r\n250 HELP")
            elif verb == "HELO":
                self.reset()
                await self.reply(f"250 {HOSTNAME}")
            elif verb == "MAIL":
                addr = address(arg, "FROM:")
                if addr is None:
                    await self.reply("501 5.5.4 syntax: MAIL FROM:<address>")
                elif self.sender is not None:
                    await self.reply("503 5.5.1 sender already given")
                else:
                    self.sender = addr
                    await self.reply("250 2.1.0 OK")
            elif verb == "RCPT":
                addr = address(arg, "TO:")
                if self.sender is None:
                    await self.reply("503 5.5.1 need MAIL first")
                elif not addr:
                    await self.reply("501 5.5.4 syntax: RCPT TO:<address>")
                else:
                    self.rcpts.append(addr)
                    await self.reply("250 2.1.5 OK")
            elif verb == "DATA":
                if not self.rcpts:
                    await self.reply("503 5.5.1 need RCPT first")
                    continue
                await self.reply("354 end data with <CR><LF>.<CR><LF>")
                body = await self.data()
                if body is None:
                    await self.reply("552 5.3.4 message too big")
                else:
                    name = self.store.put(body)
                    log(f"stored {name} ({len(body)} bytes) from "
                        f"<{self.sender}> to {', '.join(self.rcpts)}")
                    await self.reply(f"250 2.0.0 OK queued as {name}")
                self.reset()
            elif verb == "RSET":
                self.reset()
                await self.reply("250 2.0.0 OK")
            elif verb == "NOOP":
                await self.reply("250 2.0.0 OK")
            elif verb == "VRFY":
                await self.reply("252 2.1.5 cannot verify, will accept")
            elif verb == "QUIT":
                await self.reply("221 2.0.0 bye")
                return
            else:
                await self.reply("502 5.5.1 command not implemented")


def make_handler(store, max_bytes):
    async def handle(reader, writer):
        try:
            await Session(store, max_bytes, reader, writer).run()
        except (ConnectionError, asyncio.TimeoutError,
                asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            # the sink is stopping: end quietly, do not re-raise (3.11's
            # start_server would log the cancelled client task)
            pass
        except Exception as e:  # one broken session must not stop the sink
            log(f"session error: {e!r}")
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except Exception:
                pass
    return handle


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


async def serve(sock, store, max_bytes, pid_file, on_ready):
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(1))
    server = await asyncio.start_server(make_handler(store, max_bytes),
                                        sock=sock, limit=LINE_MAX)
    if pid_file:
        write_pid_file(pid_file)
    log(f"listening on {sock.getsockname()[0]}:{sock.getsockname()[1]}, "
        f"storing in {store.dir}")
    on_ready()
    try:
        await stop
    finally:
        server.close()
        if pid_file:
            remove_pid_file(pid_file)
        log("stopped")


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
    ap.add_argument("--port", type=int, default=10025)
    ap.add_argument("--dir", required=True, help="where messages go")
    ap.add_argument("--pid-file", help="written once listening")
    ap.add_argument("--max-bytes", type=int, default=10 * 1024 * 1024)
    ap.add_argument("--daemon", action="store_true",
                    help="detach; exit 0 once listening")
    ap.add_argument("--log", help="log file (default stderr; with "
                    "--daemon and no --log, nowhere)")
    args = ap.parse_args()

    directory = os.path.abspath(args.dir)
    pid_file = os.path.abspath(args.pid_file) if args.pid_file else None
    log_path = os.path.abspath(args.log) if args.log else None
    os.makedirs(directory, exist_ok=True)
    if pid_file:
        os.makedirs(os.path.dirname(pid_file), exist_ok=True)

    # Bound before detaching, so a taken port fails the command itself.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as e:
        print(f"smtp_sink: cannot listen on {args.host}:{args.port}: "
              f"{e.strerror}", file=sys.stderr)
        return 1
    sock.listen(64)
    sock.setblocking(False)

    ready = None
    if args.daemon:
        ready = daemonise(log_path)
    elif log_path:
        fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND,
                     0o644)
        os.dup2(fd, 2)
        os.close(fd)

    def on_ready():
        if ready is not None:
            os.write(ready, b"1")
            os.close(ready)

    asyncio.run(serve(sock, Store(directory), args.max_bytes, pid_file,
                      on_ready))
    return 0


if __name__ == "__main__":
    sys.exit(main())
