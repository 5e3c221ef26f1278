"""postroomd as a process: start-up, listeners, bad config, SIGTERM, TLS certificate."""

import os
import poplib
import re
import socket
import ssl
import subprocess
import sys
import time
import unittest
import warnings

import harness
from harness import Server, quit_quietly, simple_message


class DaemonTest(unittest.TestCase):

    def new_server(self, **kwargs):
        server = Server(name=self._testMethodName, **kwargs)
        self.addCleanup(self._cleanup_server, server)
        return server

    def run(self, result=None):
        self._result = result
        self._problems_before = self._problem_count()
        return super().run(result)

    def _problem_count(self):
        result = getattr(self, "_result", None)
        return len(result.failures) + len(result.errors) if result is not None else 0

    def _cleanup_server(self, server):
        """On failure, print the server log and keep the temp dir."""
        if self._problem_count() > self._problems_before and not server.failed:
            server.failed = True  # keep the temp dir
            sys.stderr.write("\n" + server.log_dump(last=40) + "\n")
        server.cleanup()

    def test_listening_lines_and_ready(self):
        server = self.new_server(listeners=(("pop3", "starttls"), ("pop3", "tls"), ("pop3", "plain")))
        server.start()  # asserts one event=listening line per listener, with its mode
        events = [e.get("event") for e in server.log_events()]
        self.assertIn("ready", events)
        self.assertLess(max(i for i, e in enumerate(events) if e == "listening"), events.index("ready"),
                        "ready comes after every listener is bound")
        # Each listener answers in its mode.
        with socket.create_connection(("127.0.0.1", server.port("plain")), timeout=10) as sock:
            self.assertTrue(sock.recv(512).startswith(b"+OK"))
        with socket.create_connection(("127.0.0.1", server.port("starttls")), timeout=10) as sock:
            self.assertTrue(sock.recv(512).startswith(b"+OK"))
        with socket.create_connection(("127.0.0.1", server.port("tls")), timeout=10) as raw:
            with server.ssl_context(verify=True).wrap_socket(raw) as sock:
                self.assertIn(sock.version(), ("TLSv1.2", "TLSv1.3"))
                self.assertTrue(sock.recv(512).startswith(b"+OK"))
        server.stop_and_check(self)

    def test_sigterm_exits_zero_quickly(self):
        server = self.new_server()
        server.start()
        code, seconds = server.stop()
        self.assertEqual(code, 0, server.log_dump())
        self.assertLess(seconds, 3.0, "idle server should stop within 3 s")
        # The ports are released.
        for listener in server.listeners:
            with socket.socket() as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("127.0.0.1", listener["port"]))

    def test_sigterm_with_open_sessions(self):
        server = self.new_server()
        server.start()
        server.add_domain()
        user = server.add_user(f"term@{harness.DOMAIN}")
        server.deliver(user, simple_message(to=user))
        idle = server.pop3_plain()                     # idle in AUTHORIZATION
        busy = server.login(user, "secret")            # idle in TRANSACTION, with a pending DELE
        busy.dele(1)
        code, seconds = server.stop(timeout=15)
        self.assertEqual(code, 0, server.log_dump())
        self.assertLess(seconds, 10.0, "open sessions must not hold shutdown for long")
        for pop in (idle, busy):
            pop.close()
            pop.sock = None
        # A session cut by shutdown did not QUIT: its DELE is not applied.
        server.start()
        pop = server.login(user, "secret")
        self.assertEqual(pop.stat()[0], 1)
        pop.quit()
        server.stop_and_check(self)

    def test_bad_config_stops_startup(self):
        server = self.new_server()
        text = server.config_text()
        lines = text.splitlines()
        index = next(i for i, l in enumerate(lines) if l.startswith("port = "))
        lines[index] = 'port = "eleven"'
        with open(server.config_path, "w") as f:
            f.write("\n".join(lines) + "\n")
        result = subprocess.run([server.daemon_path, "--config", server.config_path], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, timeout=20)
        output = (result.stdout + result.stderr).decode("utf-8", "replace")
        self.assertNotEqual(result.returncode, 0, output)
        self.assertIn("port", output)
        self.assertRegex(output, rf"(?<!\d){index + 1}(?!\d)", f"error must name line {index + 1}")
        self.assertNotIn("event=ready", output)

    def test_missing_config_file(self):
        daemon, _ = harness.binaries()
        result = subprocess.run([daemon, "--config", "/nonexistent/postroom.toml"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, timeout=20)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn(b"/nonexistent/postroom.toml", result.stdout + result.stderr)

    def test_port_in_use_stops_startup(self):
        server = self.new_server()
        with socket.socket() as blocker:
            blocker.bind(("127.0.0.1", server.port("tls")))
            blocker.listen(1)
            with self.assertRaises(AssertionError) as caught:
                server.start(timeout=15)
            self.assertIn("exited with", str(caught.exception), "must exit, not hang, when it cannot bind")
            self.assertNotIn("exited with 0 ", str(caught.exception))
        server.failed = False

    def test_self_signed_cert_generated_once(self):
        server = self.new_server()
        self.assertFalse(os.path.exists(server.cert_path))
        server.start()
        with open(server.cert_path, "rb") as f:
            cert = f.read()
        with open(server.key_path, "rb") as f:
            key = f.read()
        self.assertIn(b"BEGIN CERTIFICATE", cert)
        self.assertIn(b"PRIVATE KEY", key)
        self.assertEqual(os.stat(server.key_path).st_mode & 0o077, 0, "private key must not be group/world readable")
        served = self.served_cert(server)
        self.assertEqual(served, server.cert_der(), "the listener serves the generated certificate")
        common_name, dns = server.cert_names()
        self.assertIn("mail.test", [common_name] + dns, "certificate names the configured hostname")
        server.stop_and_check(self)

        server.start()
        with open(server.cert_path, "rb") as f:
            self.assertEqual(f.read(), cert, "certificate regenerated on restart")
        with open(server.key_path, "rb") as f:
            self.assertEqual(f.read(), key, "key regenerated on restart")
        self.assertEqual(self.served_cert(server), served)
        server.stop_and_check(self)

    def test_configured_certificate(self):
        server = self.new_server()
        cert = os.path.join(server.tmp, "own-cert.pem")
        key = os.path.join(server.tmp, "own-key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=own.mail.test",
                        "-addext", "subjectAltName=DNS:own.mail.test"], check=True, capture_output=True)
        server.tls = {"cert": cert, "key": key}
        server.write_config()
        server.start()
        self.assertEqual(self.served_cert(server), server.cert_der())
        # Verifies with hostname checking against the configured certificate.
        ctx = ssl.create_default_context(cafile=cert)
        with socket.create_connection(("127.0.0.1", server.port("tls")), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="own.mail.test") as sock:
                self.assertTrue(sock.recv(512).startswith(b"+OK"))
        self.assertFalse(os.path.exists(os.path.join(server.data_dir, "tls", "cert.pem")),
                         "no self-signed certificate when one is configured")
        server.stop_and_check(self)

    def test_tls_versions(self):
        server = self.new_server()
        server.start()
        ctx = server.ssl_context()
        with warnings.catch_warnings():  # TLS 1.0/1.1 are deprecated: that is the point
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = ssl.TLSVersion.TLSv1
            ctx.maximum_version = ssl.TLSVersion.TLSv1_1
        try:
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        except ssl.SSLError:
            pass
        with socket.create_connection(("127.0.0.1", server.port("tls")), timeout=10) as raw:
            with self.assertRaises((ssl.SSLError, ConnectionResetError, OSError)):
                with ctx.wrap_socket(raw) as sock:
                    sock.recv(16)
        for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
            ctx = server.ssl_context()
            ctx.minimum_version = ctx.maximum_version = version
            with socket.create_connection(("127.0.0.1", server.port("tls")), timeout=10) as raw:
                with ctx.wrap_socket(raw) as sock:
                    self.assertTrue(sock.recv(512).startswith(b"+OK"), version)
        server.stop_and_check(self)

    def test_cli_while_daemon_runs(self):
        server = self.new_server()
        server.start()
        server.add_domain()
        user = server.add_user(f"live@{harness.DOMAIN}")
        message = simple_message(to=user)
        server.deliver(user, message)
        pop = server.login(user, "secret")
        self.assertEqual(pop.stat()[0], 1)
        pop.quit()
        # Password change applies to the running daemon at once.
        server.cli("user", "passwd", user, "--password", "changed")
        with self.assertRaises(poplib.error_proto):
            server.login(user, "secret")
        pop = server.login(user, "changed")
        pop.quit()
        server.stop_and_check(self)

    def test_clients_vanishing_do_not_kill_the_server(self):
        """Phones drop connections at any moment; none of that may end the process."""
        server = self.new_server()
        server.start()
        server.add_domain()
        user = server.add_user(f"vanish@{harness.DOMAIN}")
        server.deliver(user, harness.attachment_message(size=2 * 1024 * 1024, to=user))

        def alive(what):
            time.sleep(0.3)
            code = server.proc.poll()
            self.assertIsNone(code, f"postroomd died ({harness.describe_exit(code)}) after: {what}\n"
                              + server.log_dump())

        # 1. TLS handshake, then gone before the greeting is read.
        with socket.create_connection(("127.0.0.1", server.port("tls")), timeout=10) as raw:
            server.ssl_context().wrap_socket(raw).close()
        alive("TLS client closed right after the handshake")
        # 2. Plain TCP, gone at once.
        socket.create_connection(("127.0.0.1", server.port("starttls")), timeout=10).close()
        alive("TCP client closed before the greeting")
        # 3. RETR of a 2.7 MB message, then gone without reading (TLS and STLS).
        for how in ("tls", "stls"):
            pop = server.login(user, "secret", how=how)
            pop.sock.sendall(b"RETR 1\r\n")
            harness.drop(pop)
            alive(f"client ({how}) closed during RETR")
            # The dropped session releases the maildrop lock.
            deadline = time.monotonic() + 5
            while True:
                try:
                    pop = server.login(user, "secret", how=how)
                    break
                except poplib.error_proto as e:
                    if "IN-USE" not in str(e) or time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            self.assertEqual(pop.stat()[0], 1)
            pop.quit()
        server.stop_and_check(self)

    @staticmethod
    def served_cert(server):
        with socket.create_connection(("127.0.0.1", server.port("tls")), timeout=10) as raw:
            with server.ssl_context().wrap_socket(raw) as sock:
                assert sock.recv(512).startswith(b"+OK")  # read the greeting before closing
                return sock.getpeercert(binary_form=True)


if __name__ == "__main__":
    unittest.main()
