"""Our load generator: minimal asyncio IMAP, POP3 and SMTP clients plus latency statistics.

Stdlib only. The clients speak just enough of each protocol for the scenarios and time every
command; they never parse more than a reply needs, so the generator's own CPU stays small
(it is reported next to every result: loadgen_cpu = process CPU seconds / wall seconds).
"""

import asyncio
import itertools
import re
import resource
import ssl
import time

STREAM_LIMIT = 64 << 20
_LITERAL = re.compile(rb"\{(\d+)\+?\}\r\n$")


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


_TLS = None


def tls_context():
    """One shared client context: ssl.create_default_context() loads the system CA store, ~30 ms
    of CPU that would otherwise be paid per connection (10k parked TLS connections = minutes)."""
    global _TLS
    if _TLS is None:
        _TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        _TLS.check_hostname = False
        _TLS.verify_mode = ssl.CERT_NONE
    return _TLS


class Stats:
    """Latencies (seconds) per operation name."""

    def __init__(self):
        self.samples = {}

    def add(self, op, seconds):
        self.samples.setdefault(op, []).append(seconds)

    def count(self, op=None):
        return sum(len(v) for k, v in self.samples.items() if op is None or k == op)

    @staticmethod
    def pct(values, p):
        values = sorted(values)
        return values[min(len(values) - 1, int(p / 100 * len(values)))] if values else float("nan")

    def summary(self):
        return {op: {"n": len(v), "p50_ms": round(self.pct(v, 50) * 1e3, 3), "p99_ms": round(self.pct(v, 99) * 1e3, 3)}
                for op, v in sorted(self.samples.items())}


class Meter:
    """Wall time and this process's CPU over a measured section."""

    def __enter__(self):
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall0
        self.cpu = time.process_time() - self.cpu0
        self.loadgen_cpu = round(self.cpu / self.wall, 3) if self.wall else 0.0


async def open_conn(port, tls=False, source=None, host="127.0.0.1"):
    return await asyncio.open_connection(host, port, ssl=tls_context() if tls else None,
                                         local_addr=(source, 0) if source else None, limit=STREAM_LIMIT)


class ProtocolError(Exception):
    pass


class Imap:
    """One IMAP connection. cmd() returns (tagged status line, untagged lines) and times it."""

    def __init__(self, reader, writer, stats=None):
        self.r, self.w, self.stats = reader, writer, stats
        self.tags = itertools.count(1)
        self.untagged = []

    @classmethod
    async def connect(cls, port, tls=False, source=None, stats=None):
        r, w = await open_conn(port, tls, source)
        self = cls(r, w, stats)
        greeting = await r.readline()
        if not greeting.startswith(b"* OK"):
            raise ProtocolError(f"greeting {greeting!r}")
        return self

    async def _read_response(self, tag):
        lines = []
        while True:
            line = await self.r.readline()
            if not line:
                raise ProtocolError("connection closed")
            while (m := _LITERAL.search(line)):  # a literal follows: take it with the rest of the line
                line += await self.r.readexactly(int(m.group(1)))
                line += await self.r.readline()
            if line.startswith(tag):
                return line, lines
            lines.append(line)

    async def cmd(self, text, op=None, literal=None, ok=True):
        tag = b"a%d " % next(self.tags)
        t0 = time.perf_counter()
        if literal is None:
            self.w.write(tag + text.encode() + b"\r\n")
        else:  # synchronising literal: wait for the continuation
            self.w.write(tag + text.encode() + b" {%d}\r\n" % len(literal))
            cont = await self.r.readline()
            if not cont.startswith(b"+"):
                raise ProtocolError(f"{text}: {cont!r}")
            self.w.write(literal + b"\r\n")
        status, lines = await self._read_response(tag)
        if self.stats is not None and op:
            self.stats.add(op, time.perf_counter() - t0)
        if ok and not status[len(tag):].startswith(b"OK"):
            raise ProtocolError(f"{text[:60]}: {status[:200]!r}")
        return status, lines

    async def login(self, user, password):
        return await self.cmd(f'LOGIN "{user}" "{password}"', "LOGIN")

    async def idle_start(self):
        self.idle_tag = b"a%d " % next(self.tags)
        self.w.write(self.idle_tag + b"IDLE\r\n")
        while True:
            line = await self.r.readline()
            if line.startswith(b"+"):
                return
            if not line or line.startswith(self.idle_tag):
                raise ProtocolError(f"IDLE refused: {line!r}")

    async def idle_wait(self, pattern=b" EXISTS"):
        """Next untagged line during IDLE that contains pattern."""
        while True:
            line = await self.r.readline()
            if not line:
                raise ProtocolError("connection closed in IDLE")
            if pattern in line:
                return line

    async def idle_done(self):
        self.w.write(b"DONE\r\n")
        await self._read_response(self.idle_tag)

    async def logout(self):
        try:
            await self.cmd("LOGOUT", ok=False)
        except (ProtocolError, ConnectionError):
            pass
        self.close()

    def close(self):
        self.w.close()


class Pop3:
    def __init__(self, r, w):
        self.r, self.w = r, w

    @classmethod
    async def connect(cls, port, source=None):
        r, w = await open_conn(port, False, source)
        self = cls(r, w)
        await self.expect_ok()
        return self

    async def expect_ok(self):
        line = await self.r.readline()
        if not line.startswith(b"+OK"):
            raise ProtocolError(f"POP3: {line!r}")
        return line

    async def cmd(self, text):
        self.w.write(text.encode() + b"\r\n")
        return await self.expect_ok()

    async def retr(self, n):
        self.w.write(b"RETR %d\r\n" % n)
        await self.expect_ok()
        return await self.r.readuntil(b"\r\n.\r\n")


class Smtp:
    def __init__(self, r, w):
        self.r, self.w = r, w

    @classmethod
    async def connect(cls, port, lmtp=False, source=None):
        r, w = await open_conn(port, False, source)
        self = cls(r, w)
        await self.reply(b"220")
        await self.cmd(("LHLO" if lmtp else "EHLO") + " loadgen.remote.test", b"250")
        return self

    async def reply(self, code):
        while True:
            line = await self.r.readline()
            if not line.startswith(code):
                raise ProtocolError(f"SMTP want {code!r}: {line!r}")
            if line[3:4] != b"-":
                return line

    async def cmd(self, text, code=b"250"):
        self.w.write(text.encode() + b"\r\n")
        return await self.reply(code)

    async def send(self, sender, rcpt, message):
        """One transaction, pipelining nothing; returns when the final 250 arrives."""
        await self.cmd(f"MAIL FROM:<{sender}>")
        await self.cmd(f"RCPT TO:<{rcpt}>")
        await self.cmd("DATA", b"354")
        body = re.sub(rb"(?m)^\.", b"..", message)
        self.w.write(body + (b"" if body.endswith(b"\r\n") else b"\r\n") + b".\r\n")
        return await self.reply(b"250")

    async def quit(self):
        try:
            await self.cmd("QUIT", b"221")
        except (ProtocolError, ConnectionError):
            pass
        self.w.close()


async def gather_limited(coros, limit):
    """Runs coroutines with at most `limit` in flight (connection ramps)."""
    sem = asyncio.Semaphore(limit)

    async def one(c):
        async with sem:
            return await c
    return await asyncio.gather(*(one(c) for c in coros))
