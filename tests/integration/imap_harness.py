"""IMAP additions to harness.py (which stays untouched; see README.md).

    class T(ImapTestCase):                      # one postroomd per class, a fresh user per test
        def test_x(self):
            imap = self.imap()                  # imaplib.IMAP4_SSL on the 993-style port, logged in
            raw = self.raw()                    # RawImap (byte-exact, own parser), logged in
            tagged, untagged = raw.cmd("SELECT INBOX")

RawImap is a small IMAP client on a socket: tagged commands, synchronizing and non-synchronizing
literals, STARTTLS, COMPRESS=DEFLATE (zlib, raw deflate), IDLE; responses are parsed into Python
values by `parse_items` (atoms -> str, strings and literals -> bytes, NIL -> None, lists -> list).

imaplib (Python 3.11) knows no IDLE and keeps the pre-login CAPABILITY list; tests send
CAPABILITY again after LOGIN/STARTTLS (`capabilities_of`).
"""

import imaplib
import os
import re
import select
import socket
import ssl
import subprocess
import sys
import time
import unittest
import zlib

import harness
from harness import DOMAIN, SOCKET_TIMEOUT_S, Server, crlf, in_ci

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_DIR = os.path.join(HERE, "node")
PASSWORD = "secret"

# Mailboxes every account has (IMAP SPECIAL-USE, RFC 6154).
SPECIAL_MAILBOXES = {"Sent": "\\Sent", "Drafts": "\\Drafts", "Trash": "\\Trash", "Junk": "\\Junk",
                     "Archive": "\\Archive"}

IMAP_LISTENERS = (("imap", "starttls"), ("imap", "tls"), ("pop3", "tls"))

# Commands imaplib 3.11 refuses to send unless listed (name -> states).
for _name in ("ENABLE", "MOVE", "UNSELECT", "ID", "IDLE", "COMPRESS", "GETQUOTAROOT", "NAMESPACE",
              "SORT", "THREAD"):
    imaplib.Commands.setdefault(_name, ("AUTH", "SELECTED"))
imaplib.Commands["ID"] = ("NONAUTH", "AUTH", "SELECTED")
imaplib._MAXLINE = 10 * 1024 * 1024  # long LIST/FETCH lines are fine


# --------------------------------------------------------------------------------------
# Parsing IMAP responses

class ParseError(Exception):
    pass


_ATOM_END = b" ()\r\n{\"]"


def parse_items(data: bytes, pos=0, top=True):
    """Parses IMAP data (atoms, quoted strings, {n}\\r\\n literals, NIL, lists) into Python:
    atoms -> str, strings/literals -> bytes, NIL -> None, (...) -> list.
    Atoms keep bracketed sections whole: 'BODY[HEADER.FIELDS (SUBJECT)]<0>' is one atom.
    Returns a list (top=True) or (list, pos) for nested calls."""
    out = []
    n = len(data)
    while pos < n:
        c = data[pos:pos + 1]
        if c in (b" ",):
            pos += 1
        elif c in (b"\r", b"\n"):
            pos += 1
        elif c == b"(":
            sub, pos = parse_items(data, pos + 1, top=False)
            out.append(sub)
        elif c == b")":
            if top:
                raise ParseError(f"unbalanced ) at {pos} in {data[:200]!r}")
            return out, pos + 1
        elif c == b'"':
            pos += 1
            buf = bytearray()
            while True:
                if pos >= n:
                    raise ParseError(f"unterminated quoted string in {data[:200]!r}")
                ch = data[pos]
                if ch == 0x5C:  # backslash
                    buf.append(data[pos + 1])
                    pos += 2
                elif ch == 0x22:
                    pos += 1
                    break
                else:
                    buf.append(ch)
                    pos += 1
            out.append(bytes(buf))
        elif c == b"{" or (c == b"~" and data[pos + 1:pos + 2] == b"{"):
            if c == b"~":
                pos += 1
            end = data.index(b"}", pos)
            size = int(data[pos + 1:end].rstrip(b"+-"))
            if data[end + 1:end + 3] != b"\r\n":
                raise ParseError(f"literal length not followed by CRLF in {data[:200]!r}")
            start = end + 3
            out.append(data[start:start + size])
            pos = start + size
        else:
            start = pos
            depth = 0
            while pos < n:
                ch = data[pos:pos + 1]
                if ch == b"[":
                    depth += 1
                elif ch == b"]":
                    if depth == 0:
                        break
                    depth -= 1
                elif depth == 0 and ch in _ATOM_END:
                    break
                pos += 1
            if pos < n and data[pos:pos + 1] == b"<" and depth == 0:
                end = data.index(b">", pos)
                pos = end + 1
            atom = data[start:pos].decode("utf-8", "replace")
            if pos == start:
                raise ParseError(f"unexpected {data[pos:pos + 1]!r} at {pos} in {data[:200]!r}")
            out.append(None if atom.upper() == "NIL" else atom)
    if not top:
        raise ParseError(f"unterminated list in {data[:200]!r}")
    return out


def pairs(items):
    """[K1, V1, K2, V2] -> {K1.upper(): V1, ...}."""
    if len(items) % 2:
        raise ParseError(f"odd number of items in {items!r}")
    return {str(items[i]).upper(): items[i + 1] for i in range(0, len(items), 2)}


class Response:
    """One response line (logical line, literals included)."""

    def __init__(self, raw: bytes):
        self.raw = raw
        text = raw.rstrip(b"\r\n")
        self.tag, _, rest = text.partition(b" ")
        self.tag = self.tag.decode()
        self.rest = rest

    @property
    def line(self):
        return self.raw.rstrip(b"\r\n").decode("utf-8", "replace")

    @property
    def status(self):
        """OK/NO/BAD/BYE/PREAUTH for status responses, else the keyword after the number."""
        words = self.rest.split(b" ", 2)
        if words and words[0].isdigit() and len(words) > 1:
            return words[1].decode().upper()
        return words[0].decode().upper() if words else ""

    @property
    def number(self):
        words = self.rest.split(b" ", 1)
        return int(words[0]) if words and words[0].isdigit() else None

    @property
    def code(self):
        """The response code of a status response, e.g. 'TOOBIG' or 'APPENDUID 1 5'."""
        m = re.match(rb"^(?:OK|NO|BAD|BYE|PREAUTH) \[([^\]]*)\]", self.rest, re.IGNORECASE)
        return m.group(1).decode() if m else None

    def items(self):
        """Parsed data after the keyword: '* 3 FETCH (...)' -> [[...]], '* LIST (...) "/" X' ->
        [[...], b'/', 'X'] (the keyword and the number are removed)."""
        words = self.rest.split(b" ", 1)
        if words[0].isdigit():
            rest = self.rest.split(b" ", 2)
            data = rest[2] if len(rest) > 2 else b""
        else:
            data = words[1] if len(words) > 1 else b""
        return parse_items(data)

    def fetch(self):
        """* N FETCH (K V ...) -> dict with 'SEQ' added."""
        d = pairs(self.items()[0])
        d["SEQ"] = self.number
        return d

    def __repr__(self):
        return f"Response({self.raw[:300]!r})"


# --------------------------------------------------------------------------------------
# A byte-exact IMAP client


class ImapNo(AssertionError):
    pass


class RawImap:
    """IMAP on a plain or TLS socket, with optional DEFLATE; every byte visible to the test."""

    def __init__(self, port, tls_context=None, timeout=SOCKET_TIMEOUT_S, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        if tls_context is not None:
            self.sock = tls_context.wrap_socket(self.sock)
        self.timeout = timeout
        self.buf = b""
        self.inflate = None
        self.deflate = None
        self.counter = 0
        self.transcript = []  # (direction, bytes)
        self.greeting = self.read_response()

    # ---- bytes

    def send(self, data: bytes):
        self.transcript.append((">", data))
        if self.deflate is not None:
            data = self.deflate.compress(data) + self.deflate.flush(zlib.Z_SYNC_FLUSH)
        self.sock.sendall(data)

    def _fill(self, timeout=None):
        self.sock.settimeout(self.timeout if timeout is None else timeout)
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"connection closed by server (buffered {self.buf[:200]!r})")
        if self.inflate is not None:
            chunk = self.inflate.decompress(chunk)
        self.buf += chunk

    def readline(self, timeout=None, limit=64 * 1024 * 1024):
        while b"\r\n" not in self.buf:
            if len(self.buf) > limit:
                raise AssertionError("line longer than limit")
            self._fill(timeout)
        i = self.buf.index(b"\r\n") + 2
        line, self.buf = self.buf[:i], self.buf[i:]
        return line

    def read_exact(self, size, timeout=None):
        while len(self.buf) < size:
            self._fill(timeout)
        data, self.buf = self.buf[:size], self.buf[size:]
        return data

    def read_response(self, timeout=None):
        """One logical response line including any literals."""
        line = self.readline(timeout)
        out = line
        while True:
            m = re.search(rb"~?\{(\d+)\}\r\n$", line)
            if not m:
                break
            out += self.read_exact(int(m.group(1)), timeout)
            line = self.readline(timeout)
            out += line
        self.transcript.append(("<", out))
        return Response(out)

    def pending(self, wait=0.0):
        """True when bytes are already buffered or arrive within `wait` seconds."""
        if b"\r\n" in self.buf:
            return True
        if isinstance(self.sock, ssl.SSLSocket) and self.sock.pending():
            return True
        r, _, _ = select.select([self.sock], [], [], wait)
        if not r:
            return False
        try:
            self._fill(timeout=self.timeout)
        except (socket.timeout, ssl.SSLWantReadError):
            return False
        return b"\r\n" in self.buf or self.pending(0)

    # ---- commands

    def next_tag(self):
        self.counter += 1
        return f"A{self.counter:03d}"

    def cmd(self, command, literals=(), tag=None, nonsync=False, check=False):
        """Sends `TAG command`; `command` may contain '{}' placeholders for literals (bytes),
        sent as {n} (waiting for '+') or {n+} with nonsync=True. Returns (tagged, [untagged])."""
        tag = tag or self.next_tag()
        if isinstance(command, str):
            command = command.encode()
        parts = command.split(b"{}")
        if len(parts) - 1 != len(literals):
            raise ValueError("literal placeholders do not match literals")
        untagged = []
        data = tag.encode() + b" " + parts[0]
        for literal, after in zip(literals, parts[1:]):
            if nonsync:
                data += b"{%d+}\r\n" % len(literal) + literal
            else:
                self.send(data + b"{%d}\r\n" % len(literal))
                data = b""
                while True:
                    resp = self.read_response()
                    if resp.tag == "+":
                        break
                    if resp.tag == tag:
                        return resp, untagged
                    untagged.append(resp)
                data = literal
            data += after
        self.send(data + b"\r\n")
        tagged, more = self.wait_tagged(tag)
        untagged += more
        if check and tagged.status != "OK":
            raise ImapNo(f"{command[:200]!r} -> {tagged.line}")
        return tagged, untagged

    def ok(self, command, literals=(), **kwargs):
        """cmd() that asserts a tagged OK; returns the untagged responses."""
        kwargs["check"] = True
        return self.cmd(command, literals, **kwargs)[1]

    def wait_tagged(self, tag, timeout=None):
        untagged = []
        while True:
            resp = self.read_response(timeout)
            if resp.tag == tag:
                return resp, untagged
            untagged.append(resp)

    def login(self, user, password=PASSWORD):
        return self.ok(f'LOGIN "{user}" "{password}"')

    def capabilities(self):
        for resp in self.ok("CAPABILITY"):
            if resp.status == "CAPABILITY":
                return capability_set(resp.rest.decode())
        raise AssertionError("no * CAPABILITY response")

    def starttls(self, context):
        tagged, _ = self.cmd("STARTTLS")
        if tagged.status != "OK":
            return tagged
        if self.buf:
            raise AssertionError(f"server sent data after STARTTLS OK: {self.buf!r}")
        self.sock = context.wrap_socket(self.sock)
        return tagged

    def compress(self):
        tagged, untagged = self.cmd("COMPRESS DEFLATE")
        if tagged.status == "OK":
            self.inflate = zlib.decompressobj(-15)
            self.deflate = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
            if self.buf:
                rest, self.buf = self.buf, b""
                self.buf = self.inflate.decompress(rest)
        return tagged

    def idle_start(self):
        tag = self.next_tag()
        self.send(tag.encode() + b" IDLE\r\n")
        early = []
        while True:
            resp = self.read_response()
            if resp.tag == "+":
                return tag, early
            if resp.tag == tag:
                raise AssertionError(f"IDLE refused: {resp.line}")
            early.append(resp)

    def idle_wait(self, predicate, timeout):
        """Reads untagged responses during IDLE until predicate(resp) is true; returns
        (matching response or None, all responses read)."""
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            try:
                resp = self.read_response(timeout=max(0.05, deadline - time.monotonic()))
            except (socket.timeout, TimeoutError, ssl.SSLError):
                break
            seen.append(resp)
            if predicate(resp):
                return resp, seen
        return None, seen

    def idle_done(self, tag):
        self.send(b"DONE\r\n")
        return self.wait_tagged(tag)

    def drain(self, wait=0.3):
        """Untagged responses that arrive within `wait` seconds without a command."""
        out = []
        while self.pending(wait):
            out.append(self.read_response())
        return out

    def logout(self):
        try:
            self.cmd("LOGOUT")
        except (OSError, ConnectionError, AssertionError):
            pass
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def capability_set(text):
    """'CAPABILITY IMAP4rev1 AUTH=PLAIN ...' or a list of words -> set of upper-case words."""
    if isinstance(text, (list, tuple)):
        words = [w.decode() if isinstance(w, bytes) else w for w in text]
    else:
        words = text.split()
    words = [w.upper() for w in words]
    if words and words[0] == "CAPABILITY":
        words = words[1:]
    return set(words)


def capabilities_of(imap):
    """CAPABILITY sent again on an imaplib connection (imaplib keeps the pre-login list)."""
    typ, data = imap.capability()
    if typ != "OK":
        raise AssertionError(f"CAPABILITY -> {typ} {data}")
    return capability_set(b" ".join(data).decode())


def by_status(responses, status):
    return [r for r in responses if r.status == status.upper()]


def find_code(responses, name):
    """The first response code starting with NAME among status responses ('UIDVALIDITY 5')."""
    for r in responses:
        code = r.code
        if code and code.upper().split(" ")[0] == name.upper():
            return code
    return None


def imaplib_fetch(data):
    """imaplib fetch() data -> {seq: {ITEM: value}} parsed with parse_items.

    imaplib gives, per message, (text ending in {n}, literal) tuples followed by the bytes
    after the last literal (or one bytes object when there is no literal)."""
    out = {}
    raw = b""
    for part in data:
        if part is None:
            continue
        if isinstance(part, tuple):
            raw += part[0] + b"\r\n" + part[1]
            continue
        raw += part
        seq, _, rest = raw.partition(b" ")
        out[int(seq)] = pairs(parse_items(rest)[0])
        raw = b""
    if raw:
        raise ParseError(f"fetch data ends inside a message: {raw[:200]!r}")
    return out


def check(result, what=""):
    """imaplib (typ, data) -> data; asserts OK."""
    typ, data = result
    if typ != "OK":
        raise AssertionError(f"{what} -> {typ} {data!r}")
    return data


# --------------------------------------------------------------------------------------
# Servers


class ImapMixin:
    """IMAP connections for harness.Server / smtp_harness.SmtpServer."""

    def imap_port(self, mode="tls"):
        return self.port(mode, "imap")

    def imap_ssl(self, verify=True, timeout=SOCKET_TIMEOUT_S):
        return imaplib.IMAP4_SSL("127.0.0.1", self.imap_port("tls"), ssl_context=self.ssl_context(verify),
                                 timeout=timeout)

    def imap_plain(self, timeout=SOCKET_TIMEOUT_S):
        return imaplib.IMAP4("127.0.0.1", self.imap_port("starttls"), timeout=timeout)

    def imap_starttls(self, verify=True, timeout=SOCKET_TIMEOUT_S):
        imap = self.imap_plain(timeout)
        check(imap.starttls(ssl_context=self.ssl_context(verify)), "STARTTLS")
        return imap

    def imap_login(self, user, password=PASSWORD, how="tls"):
        imap = self.imap_ssl() if how == "tls" else self.imap_starttls()
        try:
            imap.login(user, password)
        except BaseException:
            imap.shutdown()
            raise
        return imap

    def raw_imap(self, mode="tls", user=None, password=PASSWORD, timeout=SOCKET_TIMEOUT_S):
        """RawImap on the tls port (implicit TLS) or the starttls port (upgraded when user given)."""
        if mode == "tls":
            raw = RawImap(self.imap_port("tls"), self.ssl_context(True), timeout=timeout)
        else:
            raw = RawImap(self.imap_port("starttls"), None, timeout=timeout)
            if user is not None:
                t = raw.starttls(self.ssl_context(True))
                if t.status != "OK":
                    raise AssertionError(f"STARTTLS -> {t.line}")
        if user is not None:
            raw.login(user, password)
        return raw


def make_loopback_cert(directory):
    """A self-signed certificate valid for 127.0.0.1 (CN and subjectAltName DNS/IP), localhost and
    mail.test, for clients that check the host name against the certificate even when it is
    pinned (mbsync). Returns {"cert": path, "key": path} for Server(tls=...)."""
    os.makedirs(directory, exist_ok=True)
    cert, key = os.path.join(directory, "loopback-cert.pem"), os.path.join(directory, "loopback-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "30", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=DNS:127.0.0.1,IP:127.0.0.1,DNS:localhost,DNS:mail.test",
                    "-addext", "basicConstraints=critical,CA:FALSE"],
                   check=True, capture_output=True)
    os.chmod(key, 0o600)
    return {"cert": cert, "key": key}


class ImapServer(ImapMixin, Server):
    def __init__(self, listeners=IMAP_LISTENERS, **kwargs):
        super().__init__(listeners=listeners, **kwargs)


def require_program(program, package):
    import shutil
    path = shutil.which(program)
    if path:
        return path
    message = f"{program} not installed (Debian package: {package})"
    if in_ci():
        raise AssertionError("CI=true but " + message)
    raise unittest.SkipTest(message)


# --------------------------------------------------------------------------------------
# unittest base class


class ImapTestCase(unittest.TestCase):
    """One server per class (SERVER_CLASS(**SERVER_KWARGS)); a fresh account per test."""

    SERVER_CLASS = ImapServer
    SERVER_KWARGS = {}
    server = None
    _counter = 0

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = cls.SERVER_CLASS(name=cls.__name__, **cls.SERVER_KWARGS)
        try:
            cls.server.start()
            cls.server.add_domain(DOMAIN)
        except BaseException:
            cls.server.failed = True
            cls.server.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.stop_and_check()
        finally:
            cls.server.cleanup()
            super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.user = self.new_user()

    def new_user(self, password=PASSWORD):
        type(self)._counter += 1
        local = re.sub(r"[^a-z0-9]", "", self._testMethodName.lower().replace("test_", ""))[:30]
        address = f"{local}{type(self)._counter}@{DOMAIN}"
        self.server.add_user(address, password)
        return address

    def run(self, result=None):
        before = len(result.failures) + len(result.errors) if result is not None else 0
        outcome = super().run(result)
        if result is not None and len(result.failures) + len(result.errors) > before and self.server:
            self.server.failed = True
            sys.stderr.write("\n" + self.server.log_dump(last=40) + "\n")
        return outcome

    # ---- connections closed at the end of the test

    def imap(self, user=None, how="tls"):
        imap = self.server.imap_login(user or self.user, PASSWORD, how=how)
        self.addCleanup(_imaplib_quietly_logout, imap)
        return imap

    def raw(self, mode="tls", user=None, login=True, timeout=SOCKET_TIMEOUT_S):
        raw = self.server.raw_imap(mode, (user or self.user) if login else None, timeout=timeout)
        self.addCleanup(raw.close)
        return raw

    def deliver(self, message, recipient=None, mailbox=None):
        args = ["deliver"] + (["--mailbox", mailbox] if mailbox else []) + [recipient or self.user]
        result = self.server.cli(*args, input=message, check=False)
        self.assertEqual(result.returncode, harness.EX_OK,
                         f"deliver failed: exit {result.returncode}, stderr {result.stderr!r}")
        return crlf(message)

    def caps(self, raw):
        return raw.capabilities()


def _imaplib_quietly_logout(imap):
    try:
        imap.logout()
    except Exception:
        try:
            imap.shutdown()
        except Exception:
            pass


# --------------------------------------------------------------------------------------
# Test messages


def mime_message(to, subject="Multipart", token="tok"):
    """multipart/mixed: a quoted-printable ISO-8859-1 text part, a base64 UTF-8 HTML part and a
    base64 application/octet-stream attachment. Returns (bytes, facts)."""
    import base64
    latin = f"Gr\xfc\xdfe aus M\xfcnchen, Stra\xdfe {token}.\n".encode("latin-1")
    qp = b"Gr=FC=DFe aus M=FCnchen, Stra=DFe " + token.encode() + b".\n"
    html = f"<p>K\u00f6ln Kathedrale {token} \u65e5\u672c</p>\n".encode("utf-8")
    html_b64 = base64.encodebytes(html)
    blob = bytes(range(256)) * 4
    blob_b64 = base64.encodebytes(blob)
    boundary = b"=_b_" + token.encode()
    msg = (b"From: Carol Sender <carol@remote.test>\n"
           b"To: <" + to.encode() + b">\n"
           b"Cc: Dave <dave@remote.test>\n"
           b"Subject: " + subject.encode() + b"\n"
           b"Date: Wed, 03 Jan 2024 09:30:00 +0100\n"
           b"Message-ID: <" + token.encode() + b"@remote.test>\n"
           b"MIME-Version: 1.0\n"
           b"Content-Type: multipart/mixed; boundary=\"" + boundary + b"\"\n"
           b"\n"
           b"This is a multi-part message in MIME format.\n"
           b"--" + boundary + b"\n"
           b"Content-Type: text/plain; charset=iso-8859-1\n"
           b"Content-Transfer-Encoding: quoted-printable\n"
           b"\n" + qp +
           b"--" + boundary + b"\n"
           b"Content-Type: text/html; charset=utf-8\n"
           b"Content-Transfer-Encoding: base64\n"
           b"\n" + html_b64 +
           b"--" + boundary + b"\n"
           b"Content-Type: application/octet-stream; name=\"blob.bin\"\n"
           b"Content-Transfer-Encoding: base64\n"
           b"Content-Disposition: attachment; filename=\"blob.bin\"\n"
           b"\n" + blob_b64 +
           b"--" + boundary + b"--\n")
    return msg, {"latin": latin, "qp": qp, "html": html, "html_b64": html_b64, "blob": blob,
                 "blob_b64": blob_b64}


def plain_message(to, subject="Hello", body=b"Just a test.\n", sender="bob@remote.test",
                  date="Tue, 02 Jan 2024 10:00:00 +0000", extra=b""):
    """A text/plain message (LF line endings) from "Name <sender>", Name = sender's local part."""
    name = sender.split("@")[0].capitalize()
    return (b"From: " + name.encode() + b" <" + sender.encode() + b">\n"
            b"To: " + to.encode() + b"\n"
            b"Subject: " + subject.encode() + b"\n"
            b"Date: " + date.encode() + b"\n"
            b"Message-ID: <" + subject.replace(" ", "-").replace(":", "").encode() + b"." +
            str(time.time_ns()).encode() + b"@remote.test>\n" + extra +
            b"MIME-Version: 1.0\n"
            b"Content-Type: text/plain; charset=us-ascii\n"
            b"\n" + body)
