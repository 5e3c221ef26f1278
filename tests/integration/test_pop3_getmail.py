"""POP3 against Debian's getmail6 6.18 (SimplePOP3SSLRetriever into a Maildir).

What getmail changes when it writes a message into a Maildir (checked below, see README.md):
  * removes the message's own Return-Path: header and prepends three header fields:
        Return-Path: <SENDER>              (SENDER = the old Return-Path, else "unknown")
        Delivered-To: unknown               (single-user retrievers have no envelope recipient)
        Received: from 127.0.0.1 (127.0.0.1:PORT) by HOST with POP3-SSL
          getmail6 msgid:UIDL; DATE
  * writes LF line endings (CRLF -> LF);
  * everything else is byte-identical for our messages.
getmail has no STLS for POP3, so it is only run against the implicit-TLS listener (and,
as a negative check, in clear text against the STARTTLS listener, which must refuse it).
As root, getmail refuses to deliver unless `user = ...` is set in [destination]: the
Maildir is made for `nobody` then (clients.md).
"""

import os
import pwd
import re
import subprocess
import tempfile
import unittest

import harness
from harness import (ServerTestCase, attachment_message, dot_message, lf, quit_quietly, simple_message,
                     utf8_message)

GETMAIL_TIMEOUT_S = 120

PREFIX_RE = re.compile(
    rb"\AReturn-Path: <(?P<sender>[^>\n]*)>\n"
    rb"Delivered-To: [^\n]+\n"
    rb"Received: from 127\.0\.0\.1 \(127\.0\.0\.1:(?P<port>\d+)\) by \S+ with POP3-SSL\n"
    rb"[ \t]+getmail6 msgid:(?P<uid>\S+); [^\n]+\n")


# getmail through a wrapper that fixes its lost-SIGCHLD race (see getmail_wrapper.py).
GETMAIL_WRAPPER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "getmail_wrapper.py")


def getmail_python(getmail):
    """The interpreter named in getmail's shebang (the one that can import getmailcore)."""
    with open(getmail, "rb") as f:
        first = f.readline().decode().strip()
    if first.startswith("#!"):
        parts = first[2:].split()
        return parts[1] if os.path.basename(parts[0]) == "env" else parts[0]
    return "/usr/bin/python3"


def without_return_path(message: bytes) -> bytes:
    """The message with its own Return-Path: field (and continuations) removed."""
    head, sep, body = message.partition(b"\n\n")
    kept, skipping = [], False
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and skipping:
            continue
        skipping = line.lower().startswith(b"return-path:")
        if not skipping:
            kept.append(line)
    return b"\n".join(kept) + sep + body


def return_path(message: bytes):
    match = re.search(rb"^Return-Path: <([^>\r\n]*)>", message.partition(b"\r\n\r\n")[0], re.M | re.I)
    return match.group(1) if match else b"unknown"


class GetmailTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        cls.getmail = harness.require_client(None, "getmail")
        super().setUpClass()

    def setUp(self):
        super().setUp()
        os.chmod(self.server.tmp, 0o755)  # `nobody` must reach the Maildir below it
        self.getmail_dir = tempfile.mkdtemp(prefix="getmail-", dir=self.server.tmp)
        os.chmod(self.getmail_dir, 0o755)
        self.maildir = os.path.join(self.getmail_dir, "Maildir")
        self.as_root = os.geteuid() == 0
        owner = pwd.getpwnam("nobody") if self.as_root else None
        for sub in ("", "cur", "new", "tmp"):
            path = os.path.join(self.maildir, sub)
            os.makedirs(path, exist_ok=True)
            if owner:
                os.chown(path, owner.pw_uid, owner.pw_gid)
        self.seen_files = set()

    def run_getmail(self, delete, read_all=True, port=None, ssl=True, password=None):
        """Runs getmail once; returns (exit code, output, [bytes of new Maildir files])."""
        retriever = "SimplePOP3SSLRetriever" if ssl else "SimplePOP3Retriever"
        lines = ["[retriever]", f"type = {retriever}", "server = 127.0.0.1",
                 f"port = {port or self.server.port('tls')}", f"username = {self.user}",
                 f"password = {password or self.PASSWORD}", "timeout = 30"]
        if ssl:
            lines.append(f"ca_certs = {self.server.cert_path}")  # verify against the generated cert
            hostname = self.server.cert_hostname()
            if hostname:
                lines.append(f"ssl_cert_hostname = {hostname}")
        lines += ["", "[destination]", "type = Maildir", f"path = {self.maildir}/"]
        if self.as_root:
            lines.append("user = nobody")
        lines += ["", "[options]", "verbose = 2", f"read_all = {str(read_all).lower()}",
                  f"delete = {str(delete).lower()}", "delivered_to = true", "received = true", ""]
        rc_path = os.path.join(self.getmail_dir, "getmailrc")
        with open(rc_path, "w") as f:
            f.write("\n".join(lines))
        result = subprocess.run([getmail_python(self.getmail), GETMAIL_WRAPPER, self.getmail,
                                 "--getmaildir", self.getmail_dir, "--rcfile", rc_path],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=GETMAIL_TIMEOUT_S,
                                cwd=self.getmail_dir, env=dict(os.environ, HOME=self.getmail_dir))
        new = []
        for sub in ("new", "cur"):
            for name in sorted(os.listdir(os.path.join(self.maildir, sub))):
                path = os.path.join(self.maildir, sub, name)
                if path not in self.seen_files:
                    self.seen_files.add(path)
                    with open(path, "rb") as f:
                        new.append(f.read())
        return result.returncode, result.stdout.decode("utf-8", "replace"), new

    def assert_getmail_copy(self, copy, stored, uids):
        match = PREFIX_RE.match(copy)
        self.assertIsNotNone(match, f"unexpected header block from getmail: {copy[:400]!r}")
        self.assertEqual(match.group("sender"), return_path(stored))
        self.assertIn(match.group("uid"), uids, "getmail records the UIDL value in Received:")
        self.assertEqual(copy[match.end():], without_return_path(lf(stored)))

    def assert_all_delivered(self, copies, stored):
        self.assertEqual(len(copies), len(stored), "number of messages in the Maildir")
        uids = set(self.uidls().values())
        unmatched = list(stored)
        for copy in copies:
            match = PREFIX_RE.match(copy)
            self.assertIsNotNone(match, f"unexpected header block from getmail: {copy[:400]!r}")
            body = copy[match.end():]
            candidates = [m for m in unmatched if without_return_path(lf(m)) == body]
            self.assertTrue(candidates, f"no stored message matches {copy[:300]!r}")
            self.assert_getmail_copy(copy, candidates[0], uids | self.deleted_uids)
            unmatched.remove(candidates[0])

    deleted_uids = set()

    def uidls(self):
        pop = self.server.login(self.user, self.PASSWORD)
        try:
            return {int(n): uid for n, uid in (e.split(b" ", 1) for e in pop.uidl()[1])}
        finally:
            quit_quietly(pop)

    def test_keep_on_server(self):
        stored = [self.deliver(dot_message(to=self.user)), self.deliver(utf8_message(to=self.user)),
                  self.deliver(simple_message(to=self.user))]
        code, output, copies = self.run_getmail(delete=False)
        self.assertEqual(code, 0, output)
        self.assertIn("3 messages", output)
        self.assert_all_delivered(copies, stored)
        self.assertEqual(len(self.uidls()), 3, "delete = false leaves the messages")
        # getmail records every UIDL it saw (in its getmaildir); with read_all = false it
        # fetches only messages whose UIDL it has not seen: none, if UIDLs are stable...
        code, output, copies = self.run_getmail(delete=False, read_all=False)
        self.assertEqual(code, 0, output)
        self.assertEqual(copies, [], "UIDL values must be stable across sessions")
        # ...and just the new one after another delivery.
        newest = self.deliver(simple_message(to=self.user, subject="Newest"))
        code, output, copies = self.run_getmail(delete=False, read_all=False)
        self.assertEqual(code, 0, output)
        self.assert_all_delivered(copies, [newest])

    def test_delete(self):
        stored = [self.deliver(attachment_message(to=self.user)), self.deliver(dot_message(to=self.user))]
        self.deleted_uids = set(self.uidls().values())
        code, output, copies = self.run_getmail(delete=True)
        self.assertEqual(code, 0, output)
        self.assert_all_delivered(copies, stored)
        self.assertEqual(self.uidls(), {}, "delete = true empties the maildrop")
        code, output, copies = self.run_getmail(delete=True)
        self.assertEqual(code, 0, output)
        self.assertEqual(copies, [])

    def test_plaintext_refused(self):
        self.deliver(simple_message(to=self.user))
        code, output, copies = self.run_getmail(delete=True, ssl=False, port=self.server.port("starttls"))
        self.assertNotEqual(code, 0, output)
        self.assertIn("[AUTH]", output)
        self.assertEqual(copies, [])
        self.assertEqual(len(self.uidls()), 1)

    def test_wrong_password(self):
        self.deliver(simple_message(to=self.user))
        code, output, copies = self.run_getmail(delete=True, password="wrong")
        self.assertNotEqual(code, 0, output)
        self.assertEqual(copies, [])
        self.assertEqual(len(self.uidls()), 1)


if __name__ == "__main__":
    unittest.main()
