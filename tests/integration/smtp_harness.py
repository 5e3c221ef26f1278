"""SMTP/LMTP/submission additions to harness.py (which stays untouched; see README.md).

    dns = Dnsmasq(txt={"spf.test": "v=spf1 ip4:127.0.0.1 -all"}, mx={"remote.test": "mx.remote.test"},
                  a={"mx.remote.test": "127.0.0.1"}).start()
    server = SmtpServer(dns_port=dns.port, hostname="mail.test").start()
    with server.smtp("smtp") as s: s.sendmail(...)           # smtplib on the port-25 listener
    raw = server.raw("smtp"); raw.cmd("EHLO x")              # byte-exact SMTP on a socket
    server.fetch_all("alice@example.test")                    # every INBOX message over POP3

Everything runs on loopback with free ports; dnsmasq answers for *.test only (--local=/test/,
so names it does not know are NXDOMAIN, never forwarded anywhere).
"""

import base64
import email
import email.policy
import json
import os
import random
import re
import shutil
import smtplib
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time
import unittest

import harness
from harness import (DOMAIN, SOCKET_TIMEOUT_S, Server, crlf, in_ci, quit_quietly,
                     retr_raw)

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
NODE_DIR = os.path.join(HERE, "node")
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, which has python3-dkim
PASSWORD = "secret"

ENHANCED_RE = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})\b")


# --------------------------------------------------------------------------------------
# Clients that may be missing


def require_program(program, package):
    path = shutil.which(program)
    if path:
        return path
    message = f"{program} not installed (Debian package: {package})"
    if in_ci():
        raise AssertionError("CI=true but " + message)
    raise unittest.SkipTest(message)


def require_system_dkim():
    """/usr/bin/python3 with python3-dkim (and python3-nacl for ed25519)."""
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import dkim, nacl"], capture_output=True) \
        if os.access(SYSTEM_PYTHON, os.X_OK) else None
    if probe is not None and probe.returncode == 0:
        return SYSTEM_PYTHON
    message = "python3-dkim (with python3-nacl) not importable by /usr/bin/python3"
    if in_ci():
        raise AssertionError("CI=true but " + message)
    raise unittest.SkipTest(message)


def require_nodemailer():
    node = require_program("node", "nodejs")
    module = os.path.join(HERE, "node_modules", "nodemailer", "package.json")
    if not os.path.exists(module):
        message = (f"nodemailer not installed: run `npm ci --no-audit --no-fund` in {HERE} "
                   "(scripts/test.sh does)")
        if in_ci():
            raise AssertionError("CI=true but " + message)
        raise unittest.SkipTest(message)
    return node


def free_port_udp_tcp():
    """A port free for both UDP and TCP on 127.0.0.1 (dnsmasq binds both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(("127.0.0.1", 0))
            port = u.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                try:
                    t.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise AssertionError("no port free for both UDP and TCP")


# --------------------------------------------------------------------------------------
# dnsmasq: the DNS the servers under test ask (dns.resolver = "127.0.0.1@PORT")


def _dns_query_packet(name, qtype, ident):
    packet = struct.pack(">HHHHHH", ident, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        packet += bytes([len(label)]) + label.encode()
    return packet + b"\0" + struct.pack(">HH", qtype, 1)


def dns_query(port, name, qtype=16, timeout=1.0):
    """(rcode, answer count) for one UDP query to 127.0.0.1:port. qtype 16 = TXT, 15 = MX, 1 = A."""
    ident = random.randrange(1, 65535)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(_dns_query_packet(name, qtype, ident), ("127.0.0.1", port))
        data, _ = s.recvfrom(4096)
    got_ident, flags, _, ancount, _, _ = struct.unpack(">HHHHHH", data[:12])
    if got_ident != ident:
        raise AssertionError("DNS reply with the wrong id")
    return flags & 0xF, ancount


def txt_strings(value):
    """dnsmasq --txt-record value: the text split into <=255-octet character-strings, comma
    separated. No quotes: given on the command line (not in a conf file), dnsmasq keeps them."""
    if "," in value:
        raise ValueError(f"a comma would split this TXT record: {value!r}")
    chunks = [value[i:i + 255] for i in range(0, len(value), 255)] or [""]
    return ",".join(chunks)


class Dnsmasq:
    """dnsmasq on 127.0.0.1:PORT (UDP+TCP) with fixed records; answers only for .test names.

    txt: {name: text}; mx: {domain: host} (preference 10); a: {host: ipv4}.
    Records are fixed at start(); restart() after changing them.
    """

    def __init__(self, txt=None, mx=None, a=None, port=None):
        self.txt = dict(txt or {})
        self.mx = dict(mx or {})
        self.a = dict(a or {})
        self.port = port or free_port_udp_tcp()
        self.proc = None
        self.tmp = tempfile.mkdtemp(prefix="dnsmasq-")
        self.log_path = os.path.join(self.tmp, "dnsmasq.log")
        self._log = None

    def argv(self):
        binary = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
        args = [binary, "--keep-in-foreground", f"--port={self.port}", "--listen-address=127.0.0.1",
                "--bind-interfaces", "--no-resolv", "--no-hosts", "--conf-file=/dev/null",
                "--local=/test/", "--local=/in-addr.arpa/", "--no-negcache", "--log-queries",
                "--log-facility=-", "--user=root", "--pid-file="]
        args += [f"--txt-record={name},{txt_strings(text)}" for name, text in self.txt.items()]
        args += [f"--mx-host={domain},{host},10" for domain, host in self.mx.items()]
        args += [f"--host-record={host},{ip}" for host, ip in self.a.items()]
        return args

    def start(self, timeout=10.0):
        if not (shutil.which("dnsmasq") or os.access("/usr/sbin/dnsmasq", os.X_OK)):
            message = "dnsmasq not installed (Debian package: dnsmasq-base)"
            if in_ci():
                raise AssertionError("CI=true but " + message)
            raise unittest.SkipTest(message)
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=self._log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"dnsmasq exited with {self.proc.returncode}:\n{self.log_text()}")
            try:
                rcode, _ = dns_query(self.port, "probe.test", 1, timeout=0.2)
                if rcode in (0, 3):  # NOERROR / NXDOMAIN: it is answering
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise AssertionError("dnsmasq did not answer within %ss:\n%s" % (timeout, self.log_text()))

    def restart(self):
        self.stop()
        return self.start()

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def cleanup(self, keep=False):
        self.stop()
        if keep or os.environ.get("POSTROOM_KEEP_TMP") == "1":
            sys.stderr.write(f"\n[smtp_harness] kept {self.tmp} (dnsmasq log)\n")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


# --------------------------------------------------------------------------------------
# SMTP replies


class Reply:
    """One SMTP reply: code, lines (text after 'NNN-'/'NNN '), enhanced status or None."""

    def __init__(self, code, lines):
        self.code = code
        self.lines = lines
        match = ENHANCED_RE.match(lines[0]) if lines else None
        self.enhanced = ".".join(match.groups()) if match else None

    @property
    def text(self):
        return "\n".join(self.lines)

    def __repr__(self):
        return f"Reply({self.code}, {self.lines!r})"


def smtplib_reply(pair):
    """(code, bytes) from smtplib -> Reply."""
    code, message = pair
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return Reply(code, message.split("\n"))


class RawSmtp:
    """A byte-exact SMTP/LMTP client on a socket (smtplib fixes line endings and dot-stuffs)."""

    def __init__(self, port, tls_context=None, timeout=SOCKET_TIMEOUT_S, read_greeting=True):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        if tls_context is not None:
            self.sock = tls_context.wrap_socket(self.sock)
        self.file = self.sock.makefile("rb")
        self.greeting = self.reply() if read_greeting else None

    def send(self, data: bytes):
        self.sock.sendall(data)

    def reply(self) -> Reply:
        lines = []
        while True:
            line = self.file.readline(4096)
            if not line:
                raise ConnectionError(f"connection closed while reading a reply (got {lines!r})")
            if not line.endswith(b"\r\n"):
                raise AssertionError(f"reply line without CRLF: {line!r}")
            text = line[:-2].decode("utf-8", "replace")
            if len(text) < 3 or not text[:3].isdigit() or (len(text) > 3 and text[3] not in " -"):
                raise AssertionError(f"malformed reply line: {line!r}")
            lines.append(text[4:])
            if len(text) == 3 or text[3] == " ":
                return Reply(int(text[:3]), lines)

    def cmd(self, line) -> Reply:
        self.send((line if isinstance(line, bytes) else line.encode()) + b"\r\n")
        return self.reply()

    def ehlo(self, name="client.test", verb="EHLO"):
        """Returns (Reply, {KEYWORD: 'params'})."""
        r = self.cmd(f"{verb} {name}")
        features = {}
        for line in r.lines[1:]:
            keyword, _, params = line.partition(" ")
            features[keyword.upper()] = params
        return r, features

    def starttls(self, context):
        r = self.cmd("STARTTLS")
        if r.code == 220:
            self.sock = context.wrap_socket(self.sock)
            self.file = self.sock.makefile("rb")
        return r

    def expect_closed(self, timeout=10.0):
        """True when the server closed the connection (EOF) within timeout."""
        self.sock.settimeout(timeout)
        try:
            return self.file.read(1) == b""
        except (ConnectionError, ssl.SSLError):
            return True
        except socket.timeout:
            return False

    def close(self):
        try:
            self.file.close()
            self.sock.close()
        except OSError:
            pass


# --------------------------------------------------------------------------------------
# The server under test, with SMTP services


DEFAULT_LISTENERS = (("smtp", "starttls"), ("submission", "starttls"), ("submissions", "tls"),
                     ("lmtp", "plain"), ("pop3", "tls"))


class SmtpServer(Server):
    """harness.Server plus [smtp]/[dns]/[queue]/[dkim] tables and SMTP client helpers.

    dns_port: the Dnsmasq port (dns.resolver); mx_port: queue.mx_port (the peer's smtp port).
    smtp/dns/queue/dkim: dicts merged over the test defaults below.
    """

    def __init__(self, listeners=DEFAULT_LISTENERS, hostname="mail.test", dns_port=None, mx_port=None,
                 smtp=None, dns=None, queue=None, dkim=None, limits=None, store=None, **kwargs):
        self.hostname = hostname
        tables = dict(kwargs.pop("tables", {}) or {})
        smtp_table = {"max_recipients": 100, "command_timeout_seconds": 300, "max_errors": 20,
                      "bare_newline": "reject", "check_inbound": True}
        smtp_table.update(smtp or {})
        dns_table = {"timeout_ms": 2000}
        if dns_port is not None:
            dns_table["resolver"] = f"127.0.0.1@{dns_port}"
        dns_table.update(dns or {})
        queue_table = {"retry_base_seconds": 1, "retry_max_seconds": 2, "max_lifetime_seconds": 60,
                       "delay_warning_seconds": 0, "connect_timeout_seconds": 5}
        if mx_port is not None:
            queue_table["mx_port"] = mx_port
        queue_table.update(queue or {})
        dkim_table = {"sign": True, "selector": "postroom"}
        dkim_table.update(dkim or {})
        tables.update({"smtp": smtp_table, "dns": dns_table, "queue": queue_table, "dkim": dkim_table})
        if limits:
            tables["limits"] = dict(limits)
        if store:
            tables["store"] = dict(store)
        kwargs.setdefault("name", hostname.replace(".", "_"))
        super().__init__(listeners=listeners, tables=tables, **kwargs)

    def config_text(self):
        text = super().config_text()
        return text.replace('hostname = "mail.test"', f"hostname = {harness.toml_value(self.hostname)}", 1)

    # ---- connections

    def listener_port(self, service):
        for listener in self.listeners:
            if listener["service"] == service:
                return listener["port"]
        raise KeyError(f"no {service} listener")

    def smtp(self, service="smtp", local_hostname="client.test", timeout=SOCKET_TIMEOUT_S):
        """smtplib on a listener: SMTP_SSL for 'submissions', LMTP for 'lmtp', else SMTP."""
        port = self.listener_port(service)
        if service == "submissions":
            return smtplib.SMTP_SSL("127.0.0.1", port, local_hostname=local_hostname,
                                    context=self.ssl_context(verify=True), timeout=timeout)
        if service == "lmtp":
            return smtplib.LMTP("127.0.0.1", port, local_hostname=local_hostname, timeout=timeout)
        return smtplib.SMTP("127.0.0.1", port, local_hostname=local_hostname, timeout=timeout)

    def submit(self, address, password=PASSWORD, service="submission", how="PLAIN"):
        """smtplib on 587 after STARTTLS (or 465), logged in with AUTH `how`."""
        s = self.smtp(service)
        try:
            if service == "submission":
                s.starttls(context=self.ssl_context(verify=True))
            s.ehlo()
            s.user, s.password = address, password
            if how == "PLAIN":
                s.auth("PLAIN", s.auth_plain)
            else:
                s.auth("LOGIN", s.auth_login, initial_response_ok=False)
        except BaseException:
            s.close()
            raise
        return s

    def raw(self, service="smtp", tls=None, **kwargs):
        """RawSmtp on a listener; implicit TLS for 'submissions'."""
        if tls is None:
            tls = service == "submissions"
        return RawSmtp(self.listener_port(service), self.ssl_context(verify=True) if tls else None, **kwargs)

    # ---- mailbox content

    def fetch_all(self, address, password=PASSWORD):
        """Every INBOX message, byte-exact, over POP3 (nothing deleted)."""
        pop = self.login(address, password)
        try:
            count, _ = pop.stat()
            return [retr_raw(pop, i) for i in range(1, count + 1)]
        finally:
            quit_quietly(pop)

    def inbox_count(self, address, password=PASSWORD):
        pop = self.login(address, password)
        try:
            return pop.stat()[0]
        finally:
            quit_quietly(pop)

    def wait_for_inbox(self, address, count, timeout=30.0, password=PASSWORD):
        """Polls POP3 until INBOX holds at least `count` messages; returns them all."""
        deadline = time.monotonic() + timeout
        while True:
            n = self.inbox_count(address, password)
            if n >= count or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        return self.fetch_all(address, password)

    def usage(self, address):
        """(bytes, messages) from `postroom quota show` (all mailboxes, Junk included)."""
        out = self.cli("quota", "show", address).stdout.decode()
        b = re.search(r"bytes:\s*(\d+)", out)
        m = re.search(r"messages:\s*(\d+)", out)
        if not (b and m):
            raise AssertionError(f"unexpected `quota show` output: {out!r}")
        return int(b.group(1)), int(m.group(1))

    # ---- DKIM and the queue through the CLI

    def dkim_generate(self, domain, algorithm=None):
        """Runs `dkim generate`; returns (TXT name, TXT text, p= value)."""
        args = ["dkim", "generate", domain] + (["--algorithm", algorithm] if algorithm else [])
        out = self.cli(*args).stdout.decode()
        return parse_dkim_record(out)

    def queue_list(self):
        return self.cli("queue", "list").stdout.decode("utf-8", "replace")

    def queue_ids(self):
        """Queue ids in `queue list`: the first token of each line that `queue show` accepts."""
        ids = []
        for line in self.queue_list().splitlines():
            token = line.strip().split(" ")[0].rstrip("*!:,") if line.strip() else ""
            if (token and re.fullmatch(r"[A-Za-z0-9._\-]+", token)
                    and token.lower() not in ("queue", "id", "total", "mail", "-") and token not in ids):
                if self.cli("queue", "show", token, check=False).returncode == 0:
                    ids.append(token)
        return ids

    def wait_queue_empty(self, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.queue_ids():
                return True
            time.sleep(0.3)
        return False

    def wait_log(self, pattern, timeout=20.0, this_run=True):
        """Waits for a log line matching regex `pattern`; returns the match or None."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while True:
            for line in self.log_text(this_run).splitlines():
                match = regex.search(line)
                if match:
                    return match
            if time.monotonic() > deadline:
                return None
            time.sleep(0.1)


def parse_dkim_record(out):
    """`SEL._domainkey.DOM. IN TXT "v=DKIM1; k=rsa; " "p=..."` -> (name, text, p)."""
    match = re.search(r"^\s*(\S+\._domainkey\.\S+?)\.?\s+(?:\d+\s+)?(?:IN\s+)?TXT\s+(.*)$", out,
                      re.MULTILINE | re.IGNORECASE | re.DOTALL)
    if not match:
        raise AssertionError(f"no `NAME IN TXT \"...\"` record in `dkim generate` output: {out!r}")
    name = match.group(1).rstrip(".").lower()
    rest = match.group(2)
    strings = re.findall(r'"((?:[^"\\]|\\.)*)"', rest)
    text = "".join(strings) if strings else rest.strip().strip("()")
    p = re.search(r"\bp=([A-Za-z0-9+/=\s]+)", text)
    if not p:
        raise AssertionError(f"no p= in the DKIM record {text!r}")
    return name, re.sub(r"\s+", "", text), re.sub(r"\s+", "", p.group(1))


# --------------------------------------------------------------------------------------
# Messages and header checks


def make_message(sender, to, subject="Test", body=None, token=None, extra_headers=b"", date=None):
    """An RFC 5322 message with CRLF line endings and a unique Message-ID; no Return-Path."""
    token = token or f"tok{time.time_ns()}{random.randrange(1 << 30)}"
    if body is None:
        body = f"Hello {to},\r\nthis is message {token}.\r\n.leading dot line\r\n\r\nBye.\r\n".encode()
    recipients = to if isinstance(to, str) else ", ".join(to)
    head = (f"From: Sender <{sender}>\r\n" if sender else "From: Sender <nobody@invalid.test>\r\n")
    head += (f"To: {recipients}\r\n"
             f"Subject: {subject}\r\n"
             f"Date: {date or email.utils.formatdate(localtime=False)}\r\n"
             f"Message-ID: <{token}@client.example.net>\r\n"
             "MIME-Version: 1.0\r\n"
             "Content-Type: text/plain; charset=utf-8\r\n")
    return head.encode() + extra_headers + b"\r\n" + body


def dot_stuff(message: bytes) -> bytes:
    """RFC 5321 §4.5.2 transparency for a CRLF message, plus the end marker."""
    stuffed = re.sub(rb"(?m)^\.", b"..", message)
    if not stuffed.endswith(b"\r\n"):
        stuffed += b"\r\n"
    return stuffed + b".\r\n"


def split_message(raw: bytes):
    """(header bytes incl. the blank line, body bytes)."""
    index = raw.find(b"\r\n\r\n")
    if index < 0:
        return raw, b""
    return raw[:index + 4], raw[index + 4:]


def header_fields(raw: bytes):
    """[(name, unfolded value)] in order, from the header block (CRLF or LF endings)."""
    head, _ = split_message(crlf(raw))
    fields = []
    for line in head.decode("utf-8", "replace").split("\r\n"):
        if not line:
            break
        if line[0] in " \t" and fields:
            fields[-1][1] += " " + line.strip()
        else:
            name, _, value = line.partition(":")
            fields.append([name.strip(), value.strip()])
    return [(n, v) for n, v in fields]


def header_values(raw: bytes, name):
    return [v for n, v in header_fields(raw) if n.lower() == name.lower()]


def prepended_fields(stored: bytes, original: bytes):
    """The header fields the server put in front of `original`; asserts the rest is identical."""
    original = crlf(original)
    if not stored.endswith(original):
        raise AssertionError("stored message does not end with the submitted bytes:\n"
                             f"stored tail {stored[-300:]!r}\nwant tail {original[-300:]!r}")
    prefix = stored[:len(stored) - len(original)]
    if prefix and not prefix.endswith(b"\r\n"):
        raise AssertionError(f"prepended text does not end in CRLF: {prefix[-80:]!r}")
    fields = header_fields(prefix + b"\r\n")
    for line in prefix.split(b"\r\n")[:-1]:
        if not (line[:1] in (b" ", b"\t") or re.match(rb"^[!-9;-~]+:", line)):
            raise AssertionError(f"prepended line is not a header field: {line!r}")
    return fields


def auth_results(raw: bytes, authserv_id=None):
    """{'spf': 'pass', 'dkim': 'pass', 'dmarc': 'none', ...} from the first Authentication-Results
    (optionally the first with that authserv-id); {} when there is none."""
    for value in header_values(raw, "Authentication-Results"):
        server_id = value.split(";", 1)[0].strip().split()[0] if value.strip() else ""
        if authserv_id and server_id.lower() != authserv_id.lower():
            continue
        results = {"_authserv_id": server_id, "_raw": value}
        for method, result in re.findall(r";\s*([a-z0-9_\-]+)\s*=\s*([a-z]+)", value, re.IGNORECASE):
            results.setdefault(method.lower(), result.lower())
        return results
    return {}


def parse(raw: bytes):
    return email.message_from_bytes(raw, policy=email.policy.compat32)


def find_by_message_id(messages, token):
    return [m for m in messages if token.encode() in b"".join(
        v.encode() for v in header_values(m, "Message-ID"))]


# --------------------------------------------------------------------------------------
# External clients


def run_swaks(args, timeout=60):
    """swaks ARGS; returns CompletedProcess with text output (stdout+stderr merged)."""
    swaks = require_program("swaks", "swaks")
    return subprocess.run([swaks, "--hide-informational"] + [str(a) for a in args], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=timeout, text=True, errors="replace")


def swaks_replies(transcript):
    """Server reply lines from a swaks transcript ('<-  250 ...' / '<** 550 ...' / '<~  ...')."""
    return [m.group(1) for m in re.finditer(r"^<[-~*]+\s+(\d{3}[ -].*)$", transcript, re.MULTILINE)]


def run_nodemailer(options, timeout=60):
    """node node/send_mail.js JSON -> (exit code, parsed JSON output)."""
    node = require_nodemailer()
    result = subprocess.run([node, os.path.join(NODE_DIR, "send_mail.js"), json.dumps(options)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, text=True,
                            cwd=HERE)
    try:
        data = json.loads(result.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise AssertionError(f"send_mail.js output not JSON: rc={result.returncode} "
                             f"stdout={result.stdout!r} stderr={result.stderr!r}")
    return result.returncode, data


def dkim_tool(*args, input=None, timeout=60):
    """/usr/bin/python3 fixtures/dkim_tool.py ARGS (python3-dkim)."""
    python = require_system_dkim()
    return subprocess.run([python, os.path.join(FIXTURES, "dkim_tool.py")] + [str(a) for a in args],
                          input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)


def openssl_rsa_key(path, bits=2048):
    """Writes an RSA private key (PEM) and returns the base64 DER SubjectPublicKeyInfo (DKIM p=)."""
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", f"rsa_keygen_bits:{bits}",
                    "-out", path], check=True, capture_output=True)
    der = subprocess.run(["openssl", "pkey", "-in", path, "-pubout", "-outform", "DER"], check=True,
                         capture_output=True).stdout
    return base64.b64encode(der).decode()


# --------------------------------------------------------------------------------------
# unittest base class


class SmtpTestCase(unittest.TestCase):
    """Per class: an optional Dnsmasq, the server under test (`server`) and optionally a peer
    postroomd acting as the MX of remote.test (`peer`). Per test: a fresh local user.

    Class attributes:
        SERVER_KWARGS   passed to SmtpServer for `server`
        PEER_KWARGS     None: no peer; else passed to SmtpServer for `peer` (domain remote.test)
        DNS_TXT / DNS_MX / DNS_A   extra records (remote.test MX -> 127.0.0.1 is always there)
        DKIM_DOMAINS    {domain: algorithm}: keys generated on `server` before dnsmasq starts,
                        their TXT records published, and kept in cls.dkim_records
    """

    SERVER_KWARGS = {}
    PEER_KWARGS = None
    PEER_DOMAIN = "remote.test"
    DNS_TXT = {}
    DNS_MX = {}
    DNS_A = {}
    DKIM_DOMAINS = {}
    LOCAL_DOMAINS = (DOMAIN,)
    USE_DNS = True

    server = None
    peer = None
    dns = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dkim_records = {}
        dns_port = free_port_udp_tcp() if cls.USE_DNS else None
        try:
            if cls.PEER_KWARGS is not None:
                cls.peer = SmtpServer(hostname="mx." + cls.PEER_DOMAIN, dns_port=dns_port,
                                      name=cls.__name__ + "-peer", **cls.PEER_KWARGS)
            server_kwargs = dict(cls.SERVER_KWARGS)
            if cls.peer is not None:
                server_kwargs.setdefault("mx_port", cls.peer.listener_port("smtp"))
            cls.server = SmtpServer(dns_port=dns_port, name=cls.__name__, **server_kwargs)
            cls.server.start()
            for domain in cls.LOCAL_DOMAINS:
                cls.server.add_domain(domain)
            cls.dkim_errors = {}
            if cls.DKIM_DOMAINS:
                for domain, algorithm in cls.DKIM_DOMAINS.items():
                    try:
                        cls.dkim_records[domain] = cls.server.dkim_generate(domain, algorithm)
                    except AssertionError as e:  # only the DKIM tests fail then (dkim_record())
                        cls.dkim_errors[domain] = str(e)
                        cls.server.failed = False
                # What an admin does after adding keys: restart, so the daemon surely has them.
                cls.server.stop_and_check()
                cls.server.start()
            if cls.peer is not None:
                cls.peer.start()
                cls.peer.add_domain(cls.PEER_DOMAIN)
            if cls.USE_DNS:
                txt = dict(cls.DNS_TXT)
                txt.update(cls.prepare_dns_txt())
                for name, text, _ in cls.dkim_records.values():
                    txt[name] = text
                mx = {cls.PEER_DOMAIN: "mx." + cls.PEER_DOMAIN}
                mx.update(cls.DNS_MX)
                a = {"mx." + cls.PEER_DOMAIN: "127.0.0.1"}
                a.update(cls.DNS_A)
                cls.dns = Dnsmasq(txt=txt, mx=mx, a=a, port=dns_port).start()
        except BaseException:
            cls._cleanup_all(failed=True)
            raise

    @classmethod
    def prepare_dns_txt(cls):
        """Hook: more TXT records, computed after the servers started, before dnsmasq starts."""
        return {}

    @classmethod
    def _cleanup_all(cls, failed=False):
        for server in (cls.server, cls.peer):
            if server is not None:
                if failed:
                    server.failed = True
                    sys.stderr.write("\n" + server.log_dump(last=40) + "\n")
                server.cleanup()
        if cls.dns is not None:
            cls.dns.cleanup(keep=failed or any(s is not None and s.failed for s in (cls.server, cls.peer)))
        cls.server = cls.peer = cls.dns = None

    @classmethod
    def tearDownClass(cls):
        errors = []
        for server in (cls.server, cls.peer):
            if server is None:
                continue
            try:
                server.stop_and_check()
            except AssertionError as e:
                errors.append(str(e))
        cls._cleanup_all()
        super().tearDownClass()
        if errors:
            raise AssertionError("\n".join(errors))

    _counter = 0

    def setUp(self):
        super().setUp()
        self.user = self.new_user()

    def new_user(self, domain=DOMAIN, server=None, prefix=None):
        type(self)._counter += 1
        local = prefix or re.sub(r"[^a-z0-9]", "", self._testMethodName.lower().replace("test_", ""))[:30]
        address = f"{local}{type(self)._counter}@{domain}"
        (server or self.server).add_user(address, PASSWORD)
        return address

    def new_peer_user(self, prefix=None):
        return self.new_user(domain=self.PEER_DOMAIN, server=self.peer, prefix=prefix)

    def run(self, result=None):
        before = len(result.failures) + len(result.errors) if result is not None else 0
        outcome = super().run(result)
        if result is not None and len(result.failures) + len(result.errors) > before:
            for server in (self.server, self.peer):
                if server is not None:
                    server.failed = True
                    sys.stderr.write("\n" + server.log_dump(last=40) + "\n")
        return outcome

    def dkim_record(self, domain):
        """(TXT name, TXT text, p=) generated for domain in setUpClass; fails the test if
        `postroom dkim generate` failed there."""
        if domain not in self.dkim_records:
            self.fail(f"`postroom dkim generate {domain}` failed in setUpClass: "
                      f"{self.dkim_errors.get(domain, 'not requested')}")
        return self.dkim_records[domain]

    # ---- assertions

    def assertReply(self, reply, code, enhanced=None, msg=None):
        if isinstance(reply, tuple):
            reply = smtplib_reply(reply)
        codes = code if isinstance(code, (tuple, list, set)) else (code,)
        self.assertIn(reply.code, codes, msg or f"reply {reply!r}")
        if enhanced is not None:
            wanted = enhanced if isinstance(enhanced, (tuple, list, set)) else (enhanced,)
            self.assertIn(reply.enhanced, wanted, msg or f"enhanced status of {reply!r}")
        elif reply.code not in (220, 334, 354):
            # ENHANCEDSTATUSCODES is advertised: every reply after EHLO carries one (RFC 2034 §3)
            self.assertIsNotNone(reply.enhanced, f"no enhanced status code in {reply!r}")
            self.assertEqual(reply.enhanced[0], str(reply.code)[0], f"class mismatch in {reply!r}")
        return reply

    def assertDeliveredIntact(self, stored, original, server_id="mail.test"):
        """stored == prepended trace fields + original (CRLF); a Received by server_id on top."""
        fields = prepended_fields(stored, original)
        names = [n.lower() for n, _ in fields]
        self.assertIn("received", names, f"no Received field prepended: {fields!r}")
        # Only trace and authentication fields may be added (a signer may put its
        # DKIM-Signature above the Received, as OpenDKIM behind Postfix does).
        allowed = {"received", "return-path", "authentication-results", "dkim-signature",
                   "delivered-to", "arc-seal", "arc-message-signature", "arc-authentication-results"}
        self.assertEqual([n for n in names if n not in allowed], [], f"unexpected fields added: {fields!r}")
        received = [v for n, v in fields if n.lower() == "received"][0]
        self.assertIn(f"by {server_id}", received, f"Received does not name the server: {received!r}")
        self.assertRegex(received, r";\s*\S.*\d{4}", f"Received without a date: {received!r}")
        return fields
