"""Integration-test harness: runs the real postroomd on free ports with a temp data dir.

Used by every test_*.py in this folder (stdlib unittest only; see README.md).

    server = Server(); server.start()          # waits for `event=ready`
    server.cli("domain", "add", "example.test")
    pop = server.pop3_ssl(); pop.user(...); ...
    server.stop()                              # SIGTERM, asserts exit code 0

Environment:
    POSTROOM_BIN_DIR   folder holding postroomd and postroom (else newest build/*/src/bin)
    POSTROOM_KEEP_TMP  set to 1 to keep every temp dir (they are kept on failure anyway)
    CI                 "true": a missing client binary fails instead of skipping
"""

import base64
import glob
import os
import poplib
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

READY_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 10.0
CLI_TIMEOUT_S = 60.0
SOCKET_TIMEOUT_S = 30.0

DOMAIN = "example.test"

# sysexits.h
EX_OK = 0
EX_USAGE = 64
EX_DATAERR = 65
EX_NOUSER = 67
EX_TEMPFAIL = 75


# --------------------------------------------------------------------------------------
# Binaries, ports, small helpers


def find_bin_dir():
    """POSTROOM_BIN_DIR, else the build/*/src/bin holding the newest postroomd."""
    env = os.environ.get("POSTROOM_BIN_DIR")
    if env:
        return os.path.abspath(env)
    candidates = [p for p in glob.glob(os.path.join(REPO_ROOT, "build", "*", "src", "bin", "postroomd"))
                  if os.access(p, os.X_OK)]
    if not candidates:
        return None
    return os.path.dirname(max(candidates, key=os.path.getmtime))


def binaries():
    """(postroomd, postroom) paths; raises AssertionError naming what is missing."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise AssertionError("no postroomd found: set POSTROOM_BIN_DIR or build into "
                             f"{REPO_ROOT}/build/<dir>/src/bin")
    daemon = os.path.join(bin_dir, "postroomd")
    cli = os.path.join(bin_dir, "postroom")
    for path in (daemon, cli):
        if not os.access(path, os.X_OK):
            raise AssertionError(f"missing or not executable: {path}")
    return daemon, cli


def free_port():
    """A port that was free on 127.0.0.1 a moment ago (bind to port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def describe_exit(code):
    """Exit status as text; Popen reports death by signal N as -N."""
    if isinstance(code, int) and code < 0:
        try:
            return f"{code} (killed by {signal.Signals(-code).name})"
        except ValueError:
            return f"{code} (killed by signal {-code})"
    return str(code)


def in_ci():
    return os.environ.get("CI", "").lower() == "true"


def require_client(test_case_or_none, program):
    """Path of a client program; skip when missing, but fail in CI (CI installs them)."""
    path = shutil.which(program)
    if path:
        return path
    message = f"{program} not installed (Debian package: {program if program != 'getmail' else 'getmail6'})"
    if in_ci():
        raise AssertionError("CI=true but " + message)
    raise unittest.SkipTest(message)


def crlf(data: bytes) -> bytes:
    """What the store keeps: every line ending (LF or CRLF) as CRLF."""
    return re.sub(rb"\r?\n", b"\r\n", data)


def lf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n")


def toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    raise TypeError(f"no TOML form for {value!r}")


def parse_logfmt(line: str) -> dict:
    """key=value key="quoted value" ... -> dict (values unquoted)."""
    fields = {}
    for match in re.finditer(r'([A-Za-z0-9_.\-]+)=("(?:[^"\\]|\\.)*"|\S*)', line):
        value = match.group(2)
        if value.startswith('"') and value.endswith('"') and len(value) >= 2:
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        fields[match.group(1)] = value
    return fields


# --------------------------------------------------------------------------------------
# The server under test


class Server:
    """One postroomd with its own temp dir, data dir, config and ports.

    listeners: list of (service, mode); ports are allocated here.
    auth / pop3 / server_extra: dicts merged into the [auth] / [pop3] / [server] tables;
    tables: {name: {key: value}} for further tables ([limits], [store], ...).
    """

    def __init__(self, listeners=(("pop3", "starttls"), ("pop3", "tls")), auth=None, pop3=None,
                 server_extra=None, tls=None, tables=None, name="postroom"):
        self.daemon_path, self.cli_path = binaries()
        self.tmp = tempfile.mkdtemp(prefix=f"{name}-")
        self.data_dir = os.path.join(self.tmp, "data")
        self.config_path = os.path.join(self.tmp, "postroom.toml")
        self.log_path = os.path.join(self.tmp, "postroomd.log")
        self.listeners = [{"service": s, "mode": m, "address": "127.0.0.1", "port": free_port()}
                          for s, m in listeners]
        self.auth = {"allow_plaintext_auth": False, "failure_delay_ms": 50}
        self.auth.update(auth or {})
        self.pop3 = {"login_delay_seconds": 0, "expire": "NEVER"}
        self.pop3.update(pop3 or {})
        self.server_extra = server_extra or {}
        self.tables = tables or {}  # more tables, e.g. {"limits": {"max_message_bytes": 10000}}
        self.tls = {"cert": "", "key": ""}
        self.tls.update(tls or {})
        self.proc = None
        self._run_log_offset = 0
        self.failed = False  # set by tests; keeps tmp dir for post-mortem
        self._log_file = None
        self.write_config()

    # ---- config

    def config_text(self):
        lines = ["[server]", 'hostname = "mail.test"', f"data_dir = {toml_value(self.data_dir)}",
                 'log_level = "debug"']
        lines += [f"{k} = {toml_value(v)}" for k, v in self.server_extra.items()]
        lines += ["", "[tls]"] + [f"{k} = {toml_value(v)}" for k, v in self.tls.items()]
        lines += ["", "[auth]"] + [f"{k} = {toml_value(v)}" for k, v in self.auth.items()]
        lines += ["", "[pop3]"] + [f"{k} = {toml_value(v)}" for k, v in self.pop3.items()]
        for table, values in self.tables.items():
            lines += ["", f"[{table}]"] + [f"{k} = {toml_value(v)}" for k, v in values.items()]
        for listener in self.listeners:
            lines += ["", "[[listener]]"]
            lines += [f"{k} = {toml_value(listener[k])}" for k in ("service", "address", "port", "mode")]
        return "\n".join(lines) + "\n"

    def write_config(self):
        with open(self.config_path, "w") as f:
            f.write(self.config_text())

    def port(self, mode, service="pop3"):
        for listener in self.listeners:
            if listener["mode"] == mode and listener["service"] == service:
                return listener["port"]
        raise KeyError(f"no {service} listener with mode {mode}")

    @property
    def cert_path(self):
        return self.tls["cert"] or os.path.join(self.data_dir, "tls", "cert.pem")

    @property
    def key_path(self):
        return self.tls["key"] or os.path.join(self.data_dir, "tls", "key.pem")

    # ---- lifecycle

    def start(self, timeout=READY_TIMEOUT_S):
        assert self.proc is None, "already started"
        self._log_file = open(self.log_path, "ab")
        self._run_log_offset = self._log_file.tell()  # restarts append; look only at this run
        self.proc = subprocess.Popen([self.daemon_path, "--config", self.config_path],
                                     stdin=subprocess.DEVNULL, stdout=self._log_file,
                                     stderr=self._log_file, cwd=self.tmp)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(f.get("event") == "ready" for f in self.log_events(this_run=True)):
                self._check_listening()
                return self
            if self.proc.poll() is not None:
                code = self.proc.returncode
                self.proc = None
                self.failed = True
                raise AssertionError(f"postroomd exited with {describe_exit(code)} before event=ready\n"
                                     + self.log_dump())
            time.sleep(0.05)
        self.failed = True
        self.kill()
        raise AssertionError(f"postroomd not ready within {timeout}s\n" + self.log_dump())

    def _check_listening(self):
        listening = [f for f in self.log_events(this_run=True) if f.get("event") == "listening"]
        for listener in self.listeners:
            found = [f for f in listening if f.get("service") == listener["service"]
                     and f.get("port") == str(listener["port"]) and f.get("mode") == listener["mode"]
                     and f.get("address") == listener["address"]]
            if not found:
                self.failed = True
                raise AssertionError(f"no event=listening line for {listener}\n" + self.log_dump())

    def stop(self, timeout=STOP_TIMEOUT_S):
        """SIGTERM; returns (exit code, seconds taken). Caller asserts."""
        if self.proc is None:
            return None, 0.0
        began = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            code = "timeout"
        self.proc = None
        self._close_log()
        return code, time.monotonic() - began

    def stop_and_check(self, test_case=None):
        code, _ = self.stop()
        if code != 0:
            self.failed = True
            message = f"postroomd exit code after SIGTERM: {describe_exit(code)} (want 0)\n" + self.log_dump()
            if test_case is not None:
                test_case.fail(message)
            raise AssertionError(message)

    def kill(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
        self._close_log()

    def _close_log(self):
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def cleanup(self):
        self.kill()
        if self.failed or os.environ.get("POSTROOM_KEEP_TMP") == "1":
            sys.stderr.write(f"\n[harness] kept {self.tmp} for inspection\n")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # ---- log

    def log_text(self, this_run=False):
        """The daemon's stderr; this_run=True: only since the latest start()."""
        try:
            with open(self.log_path, "rb") as f:
                if this_run:
                    f.seek(self._run_log_offset)
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_events(self, this_run=False):
        return [parse_logfmt(line) for line in self.log_text(this_run).splitlines() if line.strip()]

    def log_dump(self, last=80):
        lines = self.log_text().splitlines()
        head = f"---- postroomd log {self.log_path} (last {min(last, len(lines))} of {len(lines)} lines)"
        return "\n".join([head] + lines[-last:] + ["---- end of log"])

    # ---- admin CLI

    def cli(self, *args, input=None, check=True, config=True, timeout=CLI_TIMEOUT_S):
        """Runs `postroom --config F ARGS`; check=True asserts exit code 0."""
        argv = [self.cli_path] + (["--config", self.config_path] if config else []) + [str(a) for a in args]
        result = subprocess.run(argv, input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                timeout=timeout, cwd=self.tmp)
        if check and result.returncode != 0:
            self.failed = True
            raise AssertionError(f"{' '.join(argv[1:])} -> exit {result.returncode}\n"
                                 f"stdout: {result.stdout!r}\nstderr: {result.stderr!r}")
        return result

    def add_domain(self, domain=DOMAIN):
        self.cli("domain", "add", domain)

    def add_user(self, address, password="secret"):
        self.cli("user", "add", address, "--password", password)
        return address

    def deliver(self, recipient, message: bytes, check=True):
        return self.cli("deliver", recipient, input=message, check=check)

    # ---- TLS and POP3 clients

    def ssl_context(self, verify=False):
        """verify=False: CERT_NONE. verify=True: trust exactly the server's cert file."""
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        if verify:
            ctx.load_verify_locations(self.cert_path)
            ctx.verify_mode = ssl.CERT_REQUIRED
        else:
            ctx.verify_mode = ssl.CERT_NONE
        return ctx

    def pop3_ssl(self, verify=True, timeout=SOCKET_TIMEOUT_S):
        """poplib over implicit TLS (the 995-style listener)."""
        return poplib.POP3_SSL("127.0.0.1", self.port("tls"), context=self.ssl_context(verify),
                               timeout=timeout)

    def pop3_plain(self, timeout=SOCKET_TIMEOUT_S):
        """poplib on the STARTTLS listener, not yet upgraded."""
        return poplib.POP3("127.0.0.1", self.port("starttls"), timeout=timeout)

    def pop3_stls(self, verify=True, timeout=SOCKET_TIMEOUT_S):
        """poplib on the 110-style listener after STLS."""
        pop = self.pop3_plain(timeout=timeout)
        pop.stls(context=self.ssl_context(verify))
        return pop

    def connect(self, how):
        """how: 'tls' (implicit) or 'stls' (110 + STLS)."""
        return self.pop3_ssl() if how == "tls" else self.pop3_stls()

    def login(self, address, password="secret", how="tls"):
        pop = self.connect(how)
        try:
            pop.user(address)
            pop.pass_(password)
        except BaseException:
            pop.close()
            raise
        return pop

    def cert_der(self):
        with open(self.cert_path) as f:
            return ssl.PEM_cert_to_DER_cert(f.read())

    def cert_names(self):
        """(common name, [DNS subjectAltNames]) of the server's certificate file."""
        info = ssl._ssl._test_decode_cert(self.cert_path)
        common_name = None
        for rdn in info.get("subject", ()):
            for key, value in rdn:
                if key == "commonName":
                    common_name = value
        dns = [v for k, v in info.get("subjectAltName", ()) if k == "DNS"]
        return common_name, dns

    def cert_hostname(self):
        """A name the certificate is valid for (first DNS SAN, else CN)."""
        common_name, dns = self.cert_names()
        return dns[0] if dns else common_name


# --------------------------------------------------------------------------------------
# Raw POP3 helpers (byte-exact; poplib hides CRLF and dot-stuffing)


def raw_cmd(pop, line):
    """Sends one command; returns the status line bytes including CRLF."""
    pop._putcmd(line)
    return read_line(pop)


def read_line(pop):
    line = pop.file.readline(1 << 20)
    if not line:
        raise poplib.error_proto("-ERR EOF")
    return line


def read_multiline(pop):
    """Reads a dot-terminated block after a +OK; returns the exact, un-stuffed bytes.

    Asserts every line ends in CRLF (no bare LF on the wire).
    """
    out = []
    while True:
        line = pop.file.readline(1 << 20)
        if not line:
            raise AssertionError("connection closed inside a multi-line response")
        if not line.endswith(b"\r\n"):
            raise AssertionError(f"line without CRLF in multi-line response: {line[:80]!r}")
        if line == b".\r\n":
            return b"".join(out)
        if line.startswith(b"."):
            line = line[1:]
        out.append(line)


def retr_raw(pop, number):
    status = raw_cmd(pop, f"RETR {number}")
    if not status.startswith(b"+OK"):
        raise poplib.error_proto(status.rstrip(b"\r\n"))
    return read_multiline(pop)


def top_raw(pop, number, lines):
    status = raw_cmd(pop, f"TOP {number} {lines}")
    if not status.startswith(b"+OK"):
        raise poplib.error_proto(status.rstrip(b"\r\n"))
    return read_multiline(pop)


def auth_plain(pop, user, password, initial_response=True):
    """RFC 5034 AUTH PLAIN; returns the final status line (bytes). Never raises on -ERR."""
    token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode()
    if initial_response:
        return raw_cmd(pop, f"AUTH PLAIN {token}").rstrip(b"\r\n")
    first = raw_cmd(pop, "AUTH PLAIN").rstrip(b"\r\n")
    if not first.startswith(b"+ ") and first != b"+":
        return first
    return raw_cmd(pop, token).rstrip(b"\r\n")


def auth_login(pop, user, password):
    """RFC 5034 AUTH LOGIN (two challenges); returns the final status line."""
    first = raw_cmd(pop, "AUTH LOGIN").rstrip(b"\r\n")
    if not first.startswith(b"+ ") and first != b"+":
        return first
    second = raw_cmd(pop, base64.b64encode(user.encode()).decode()).rstrip(b"\r\n")
    if not second.startswith(b"+ ") and second != b"+":
        return second
    return raw_cmd(pop, base64.b64encode(password.encode()).decode()).rstrip(b"\r\n")


def drop(pop):
    """Closes the connection without QUIT (a dropped phone connection)."""
    try:
        pop.sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    pop.close()


def quit_quietly(pop):
    if getattr(pop, "sock", None) is None:  # already quit or closed
        return
    try:
        pop.quit()
    except (OSError, poplib.error_proto):
        pop.close()


# --------------------------------------------------------------------------------------
# Test messages


def simple_message(subject="Hello", body=b"Just a test.\n", sender="bob@remote.test",
                   to="alice@example.test", extra_headers=b""):
    return (b"Return-Path: <" + sender.encode() + b">\n"
            b"From: Bob <" + sender.encode() + b">\n"
            b"To: " + to.encode() + b"\n"
            b"Subject: " + subject.encode() + b"\n"
            b"Date: Tue, 02 Jan 2024 10:00:00 +0000\n"
            b"Message-ID: <" + subject.replace(" ", "-").encode() + b"." + str(time.time_ns()).encode()
            + b"@remote.test>\n" + extra_headers +
            b"MIME-Version: 1.0\n"
            b"Content-Type: text/plain; charset=us-ascii\n"
            b"\n" + body)


def dot_message(to="alice@example.test"):
    """Lines starting with '.', including one that is just '.' (the terminator on the wire)."""
    body = (b".leading dot\n"
            b"..two leading dots\n"
            b".\n"
            b"line after a lone dot\n"
            b". space after dot\n"
            b"...\n"
            b"end\n")
    return simple_message(subject="Dots", body=body, to=to)


def utf8_message(to="alice@example.test"):
    body = ("Grüße aus Köln — naïve café, 日本語のテキスト, emoji 📬.\n"
            "Ünïcödé on every line: ÆØÅ æøå ßẞ.\n").encode("utf-8") + bytes(range(0x80, 0x100)).replace(
                b"\r", b"").replace(b"\n", b"") + b"\n"
    return (b"From: =?UTF-8?Q?J=C3=BCrgen?= <juergen@remote.test>\n"
            b"To: " + to.encode() + b"\n"
            b"Subject: =?UTF-8?B?" + base64.b64encode("Grüße".encode()) + b"?=\n"
            b"Date: Tue, 02 Jan 2024 11:00:00 +0100\n"
            b"Message-ID: <utf8." + str(time.time_ns()).encode() + b"@remote.test>\n"
            b"MIME-Version: 1.0\n"
            b"Content-Type: text/plain; charset=utf-8\n"
            b"Content-Transfer-Encoding: 8bit\n"
            b"\n" + body)


def attachment_message(size=2 * 1024 * 1024, to="alice@example.test", seed=1):
    """multipart/mixed with a `size`-byte pseudo-random attachment (base64, 76-col lines)."""
    import random
    rng = random.Random(seed)
    payload = rng.randbytes(size)
    encoded = base64.encodebytes(payload)  # 76 chars + LF per line
    boundary = b"----=_postroom_boundary_" + str(seed).encode()
    return (b"From: Bob <bob@remote.test>\n"
            b"To: " + to.encode() + b"\n"
            b"Subject: Big attachment\n"
            b"Date: Tue, 02 Jan 2024 12:00:00 +0000\n"
            b"Message-ID: <big." + str(time.time_ns()).encode() + b"@remote.test>\n"
            b"MIME-Version: 1.0\n"
            b"Content-Type: multipart/mixed; boundary=\"" + boundary + b"\"\n"
            b"\n"
            b"--" + boundary + b"\n"
            b"Content-Type: text/plain; charset=us-ascii\n"
            b"\n"
            b"See attachment.\n"
            b"--" + boundary + b"\n"
            b"Content-Type: application/octet-stream; name=\"blob.bin\"\n"
            b"Content-Transfer-Encoding: base64\n"
            b"Content-Disposition: attachment; filename=\"blob.bin\"\n"
            b"\n" + encoded +
            b"--" + boundary + b"--\n")


# --------------------------------------------------------------------------------------
# unittest base class


class ServerTestCase(unittest.TestCase):
    """One postroomd per test class (own temp dir and ports); one fresh user per test.

    Subclasses may set SERVER_KWARGS (passed to Server). setUp gives self.user, a new
    account whose maildrop only this test touches.
    """

    SERVER_KWARGS = {}
    PASSWORD = "secret"
    server = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = Server(name=cls.__name__, **cls.SERVER_KWARGS)
        try:
            cls.server.start()
            cls.server.add_domain(DOMAIN)
        except BaseException:
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

    _user_counter = 0

    def new_user(self, password=None):
        type(self)._user_counter += 1
        local = re.sub(r"[^a-z0-9]", "", self._testMethodName.lower().replace("test_", ""))[:40]
        address = f"{local}{type(self)._user_counter}@{DOMAIN}"
        self.server.add_user(address, password or self.PASSWORD)
        return address

    def run(self, result=None):
        # On failure, show the tail of the server log and keep the temp dir.
        before = len(result.failures) + len(result.errors) if result is not None else 0
        outcome = super().run(result)
        if result is not None and len(result.failures) + len(result.errors) > before and self.server:
            self.server.failed = True
            sys.stderr.write("\n" + self.server.log_dump(last=40) + "\n")
        return outcome

    def login(self, address=None, password=None, how="tls"):
        pop = self.server.login(address or self.user, password or self.PASSWORD, how=how)
        self.addCleanup(quit_quietly, pop)
        return pop

    def deliver(self, message, recipient=None):
        result = self.server.deliver(recipient or self.user, message, check=False)
        self.assertEqual(result.returncode, EX_OK,
                         f"deliver failed: exit {result.returncode}, stderr {result.stderr!r}")
        return crlf(message)
