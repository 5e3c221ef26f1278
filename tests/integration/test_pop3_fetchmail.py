"""POP3 against Debian's fetchmail 6.4 (implicit TLS and STLS, keep and delete).

fetchmail hands each message to an MDA (`sh -c 'cat > DIR/msg.$$'`). What it changes,
checked by these tests (see README.md):
  * prepends one `Received:` header (3 lines):
        Received: from 127.0.0.1 [127.0.0.1]
        \tby HOST with POP3 (fetchmail-6.4.37)
        \tfor <root@localhost> (single-drop); DATE
  * turns CRLF into LF (`stripcr` is on when delivering to an MDA);
  * leaves every other byte alone here (`rewrite` only touches unqualified addresses in
    From/To/Cc, and our test messages have none).
"""

import os
import re
import subprocess
import tempfile
import unittest

import harness
from harness import (ServerTestCase, attachment_message, dot_message, lf, quit_quietly, simple_message,
                     utf8_message)

FETCHMAIL_TIMEOUT_S = 120

# fetchmail exit codes (fetchmail(1) "EXIT CODES")
FM_OK, FM_NOMAIL, FM_SOCKET, FM_AUTHFAIL = 0, 1, 2, 3

RECEIVED_RE = re.compile(
    rb"\AReceived: from 127\.0\.0\.1 \[127\.0\.0\.1\]\n"
    rb"\tby \S+ with POP3 \(fetchmail-[0-9.]+\)\n"
    rb"\tfor <[^>]+> \(single-drop\); [^\n]+\n")


class FetchmailTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        cls.fetchmail = harness.require_client(None, "fetchmail")
        super().setUpClass()

    def setUp(self):
        super().setUp()
        # One HOME per test: fetchmail keeps its UID list (.fetchids) and pid lock there.
        self.home = tempfile.mkdtemp(prefix="fetchmail-", dir=self.server.tmp)
        self.out_dir = os.path.join(self.home, "out")
        os.mkdir(self.out_dir)
        self.runs = 0

    def run_fetchmail(self, port, tls_options, keep, password=None):
        """Runs fetchmail once; returns (exit code, transcript, [delivered message bytes])."""
        self.runs += 1
        run_dir = os.path.join(self.out_dir, f"run{self.runs}")
        os.mkdir(run_dir)
        rc_path = os.path.join(self.home, f"fetchmailrc{self.runs}")
        rc = (f'set no bouncemail\n'
              f'set idfile "{self.home}/.fetchids"\n'
              f'poll 127.0.0.1 service {port} protocol pop3 timeout 30 :\n'
              f'  user "{self.user}" there with password "{password or self.PASSWORD}" is "root" here\n'
              f'  {tls_options}\n'
              f'  {"keep" if keep else "no keep"}\n'
              f'  mda "sh -c \'cat > {run_dir}/msg.$$\'"\n')
        with open(rc_path, "w") as f:
            f.write(rc)
        os.chmod(rc_path, 0o600)  # fetchmail refuses a group/world-readable rc file
        env = dict(os.environ, HOME=self.home, LC_ALL="C")
        result = subprocess.run([self.fetchmail, "--nodetach", "--nosyslog", "-v", "-f", rc_path],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                                timeout=FETCHMAIL_TIMEOUT_S, cwd=self.home)
        transcript = result.stdout.decode("utf-8", "replace")
        messages = []
        for name in sorted(os.listdir(run_dir)):
            with open(os.path.join(run_dir, name), "rb") as f:
                messages.append(f.read())
        return result.returncode, transcript, messages

    def verified_tls_options(self, implicit):
        """Trust exactly the server's certificate and check it (fetchmail's `sslcertck`)."""
        options = f'sslcertck sslcertfile "{self.server.cert_path}"'
        hostname = self.server.cert_hostname()
        if hostname:
            # We poll 127.0.0.1; the generated certificate names the configured hostname.
            options += f' sslcommonname "{hostname}"'
        return ("ssl " if implicit else "") + options

    def assert_fetchmail_copy(self, delivered, stored):
        """delivered = Received header + stored with CRLF -> LF; nothing else differs."""
        match = RECEIVED_RE.match(delivered)
        self.assertIsNotNone(match, f"unexpected header block from fetchmail: {delivered[:300]!r}")
        self.assertEqual(delivered[match.end():], lf(stored))

    def assert_all_delivered(self, delivered, stored):
        self.assertEqual(len(delivered), len(stored), "number of messages handed to the MDA")
        unmatched = list(stored)
        for copy in delivered:
            body = RECEIVED_RE.sub(b"", copy, count=1)
            self.assertIn(body, [lf(m) for m in unmatched], f"no stored message matches {copy[:200]!r}")
            original = next(m for m in unmatched if lf(m) == body)
            self.assert_fetchmail_copy(copy, original)
            unmatched.remove(original)

    def server_count(self):
        pop = self.server.login(self.user, self.PASSWORD)
        try:
            return pop.stat()[0]
        finally:
            quit_quietly(pop)

    def test_implicit_tls_verified_keep_then_uidl(self):
        stored = [self.deliver(dot_message(to=self.user)), self.deliver(utf8_message(to=self.user)),
                  self.deliver(simple_message(to=self.user))]
        port = self.server.port("tls")
        code, transcript, delivered = self.run_fetchmail(port, self.verified_tls_options(True), keep=True)
        self.assertEqual(code, FM_OK, transcript)
        self.assertIn("3 messages for", transcript)
        self.assert_all_delivered(delivered, stored)
        self.assertEqual(self.server_count(), 3, "keep: messages stay on the server")

        # fetchmail remembers UIDL values with `keep`: a second run finds nothing new...
        code, transcript, delivered = self.run_fetchmail(port, self.verified_tls_options(True), keep=True)
        self.assertEqual(code, FM_NOMAIL, transcript)
        self.assertEqual(delivered, [])
        # ...and a third run after a new delivery fetches only that one.
        newest = self.deliver(simple_message(to=self.user, subject="Newest"))
        code, transcript, delivered = self.run_fetchmail(port, self.verified_tls_options(True), keep=True)
        self.assertEqual(code, FM_OK, transcript)
        self.assert_all_delivered(delivered, [newest])
        self.assertEqual(self.server_count(), 4)

    def test_implicit_tls_no_certck_delete(self):
        stored = [self.deliver(attachment_message(to=self.user)), self.deliver(dot_message(to=self.user))]
        port = self.server.port("tls")
        code, transcript, delivered = self.run_fetchmail(port, "ssl no sslcertck", keep=False)
        self.assertEqual(code, FM_OK, transcript)
        self.assert_all_delivered(delivered, stored)
        self.assertEqual(self.server_count(), 0, "no keep: fetchmail deletes after download")
        code, transcript, delivered = self.run_fetchmail(port, "ssl no sslcertck", keep=False)
        self.assertEqual(code, FM_NOMAIL, transcript)
        self.assertEqual(delivered, [])

    def test_stls_verified_delete(self):
        stored = [self.deliver(utf8_message(to=self.user)), self.deliver(dot_message(to=self.user))]
        port = self.server.port("starttls")
        # No `ssl`: fetchmail sees STLS in CAPA and upgrades by itself, checking the cert.
        code, transcript, delivered = self.run_fetchmail(port, self.verified_tls_options(False), keep=False)
        self.assertEqual(code, FM_OK, transcript)
        self.assertIn("upgrade to TLS succeeded", transcript)
        self.assert_all_delivered(delivered, stored)
        self.assertEqual(self.server_count(), 0)

    def test_stls_forced_protocol_keep(self):
        stored = [self.deliver(simple_message(to=self.user))]
        port = self.server.port("starttls")
        options = 'sslproto "TLS1.2+" ' + self.verified_tls_options(False)
        code, transcript, delivered = self.run_fetchmail(port, options, keep=True)
        self.assertEqual(code, FM_OK, transcript)
        self.assertIn("upgrade to TLS succeeded", transcript)
        self.assert_all_delivered(delivered, stored)
        self.assertEqual(self.server_count(), 1)

    def test_plaintext_refused(self):
        self.deliver(simple_message(to=self.user))
        port = self.server.port("starttls")
        # sslproto "" makes fetchmail skip STLS and try USER/PASS in clear text.
        code, transcript, delivered = self.run_fetchmail(port, 'sslproto ""', keep=True)
        self.assertEqual(code, FM_AUTHFAIL, transcript)
        self.assertIn("[AUTH]", transcript)
        self.assertEqual(delivered, [])
        self.assertEqual(self.server_count(), 1)

    def test_wrong_password(self):
        self.deliver(simple_message(to=self.user))
        code, transcript, delivered = self.run_fetchmail(self.server.port("tls"), "ssl no sslcertck",
                                                         keep=False, password="not-the-password")
        self.assertEqual(code, FM_AUTHFAIL, transcript)
        self.assertIn("[AUTH]", transcript)
        self.assertEqual(delivered, [])
        self.assertEqual(self.server_count(), 1)


if __name__ == "__main__":
    unittest.main()
