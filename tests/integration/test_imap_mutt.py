"""Reading Postroom over IMAP with mutt (in a pty, driven by `push`) and with offlineimap3
(one-shot sync, ui = quiet).

mutt: opens imaps://USER@127.0.0.1:PORT/INBOX (and once the STARTTLS port with ssl_force_tls),
tags every message and copies them into a local mbox, then quits. The mbox must hold the
delivered messages (mutt adds only the mbox `From ` separator line; it keeps CRLF->LF).
offlineimap3: syncs the account into a Maildir; every delivered message arrives byte-identical
(modulo LF line endings and offlineimap's X-OfflineIMAP header when it adds one), and a second
run changes nothing.
"""

import mailbox
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import crlf
from imap_harness import PASSWORD, ImapTestCase, make_loopback_cert, plain_message, require_program

CLIENT_TIMEOUT_S = 90


def strip_client_fields(data: bytes) -> bytes:
    """offlineimap may add `X-OfflineIMAP:`; mutt keeps `Status:`/`X-Status:` in an mbox."""
    data = crlf(data)
    return re.sub(rb"(?m)^(X-OfflineIMAP|Status|X-Status|Content-Length|Lines): [^\r\n]*\r\n", b"", data)


class LoopbackCertMixin:
    @classmethod
    def setUpClass(cls):
        cls.cert_dir = tempfile.mkdtemp(prefix="imapcert-")
        cls.SERVER_KWARGS = {"tls": make_loopback_cert(cls.cert_dir)}
        try:
            super().setUpClass()
        except BaseException:
            shutil.rmtree(cls.cert_dir, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            shutil.rmtree(cls.cert_dir, ignore_errors=True)


class MuttTest(LoopbackCertMixin, ImapTestCase):

    def run_mutt(self, url, out_mbox, starttls=False):
        require_program("mutt", "mutt")
        script = require_program("script", "bsdutils")
        home = tempfile.mkdtemp(prefix="mutt-home-", dir=self.server.tmp)
        rc = os.path.join(home, "muttrc")
        with open(rc, "w") as f:
            f.write(f"""set spoolfile="{url}"
set folder="{url}"
set imap_user="{self.user}"
set imap_pass="{PASSWORD}"
set certificate_file="{self.server.cert_path}"
set ssl_verify_host=yes
set ssl_starttls={"yes" if starttls else "no"}
set ssl_force_tls=yes
set imap_passive=no
set mbox_type=mbox
set confirmappend=no
set confirmcreate=no
set move=no
set mark_old=no
set wait_key=no
set beep=no
set header_cache=""
set message_cachedir=""
set timeout=5
set sort=date-sent
""")
        push = f'push "<tag-pattern>~A<enter><tag-prefix><copy-message>{out_mbox}<enter><quit>"'
        command = f"mutt -n -F {rc} -e '{push}'"
        env = dict(os.environ, TERM="vt100", HOME=home, LANG="C.UTF-8", COLUMNS="120", LINES="40")
        result = subprocess.run([script, "-qec", command, "/dev/null"], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=CLIENT_TIMEOUT_S,
                                env=env, cwd=home)
        return result

    def check_mutt(self, url, starttls=False):
        stored = [self.deliver(plain_message(self.user, subject=f"For mutt {i}", body=f"mutt body {i}\n".encode()))
                  for i in range(2)]
        out = os.path.join(self.server.tmp, f"mutt-{self._testMethodName}.mbox")
        result = self.run_mutt(url, out, starttls)
        screen = result.stdout.decode("utf-8", "replace")
        self.assertTrue(os.path.exists(out), f"mutt saved nothing (exit {result.returncode}):\n{screen[-3000:]}")
        got = [strip_client_fields(m.as_bytes(unixfrom=False)) for m in mailbox.mbox(out)]
        self.assertEqual(sorted(got), sorted(stored))
        # mutt only copied: nothing was marked \Seen or deleted on the server
        raw = self.raw()
        raw.ok("EXAMINE INBOX")
        flags = [r.fetch()["FLAGS"] for r in raw.ok("FETCH 1:* (FLAGS)") if r.status == "FETCH"]
        self.assertEqual(len(flags), 2)
        self.assertFalse(any("\\DELETED" in {f.upper() for f in fl} for fl in flags))

    def test_mutt_imaps(self):
        self.check_mutt(f"imaps://{self.user.replace('@', '%40')}@127.0.0.1:{self.server.imap_port('tls')}/INBOX")

    def test_mutt_starttls(self):
        self.check_mutt(f"imap://{self.user.replace('@', '%40')}@127.0.0.1:{self.server.imap_port('starttls')}/INBOX",
                        starttls=True)


class OfflineimapTest(LoopbackCertMixin, ImapTestCase):

    def run_offlineimap(self, home, local):
        offlineimap = require_program("offlineimap", "offlineimap3")
        rc = os.path.join(home, "offlineimaprc")
        with open(rc, "w") as f:
            f.write(f"""[general]
accounts = postroom
ui = quiet
metadata = {home}/meta

[Account postroom]
localrepository = local
remoterepository = remote

[Repository local]
type = Maildir
localfolders = {local}

[Repository remote]
type = IMAP
remotehost = 127.0.0.1
remoteport = {self.server.imap_port('tls')}
remoteuser = {self.user}
remotepass = {PASSWORD}
ssl = yes
sslcacertfile = {self.server.cert_path}
ssl_version = tls1_2
readonly = True
""")
        return subprocess.run([offlineimap, "-c", rc, "-o", "-u", "quiet"], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=CLIENT_TIMEOUT_S, env=dict(os.environ, HOME=home))

    def local_messages(self, folder):
        out = []
        for sub in ("cur", "new"):
            d = os.path.join(folder, sub)
            if os.path.isdir(d):
                for name in sorted(os.listdir(d)):
                    with open(os.path.join(d, name), "rb") as f:
                        out.append((name, f.read()))
        return out

    def test_offlineimap_one_shot_sync(self):
        stored = [self.deliver(plain_message(self.user, subject=f"Offline {i}")) for i in range(3)]
        archived = self.deliver(plain_message(self.user, subject="Offline archived"), mailbox="Archive")
        home = tempfile.mkdtemp(prefix="offlineimap-", dir=self.server.tmp)
        local = os.path.join(home, "Mail")
        result = self.run_offlineimap(home, local)
        output = result.stdout.decode("utf-8", "replace")
        self.assertEqual(result.returncode, 0, f"offlineimap failed:\n{output[-4000:]}")
        inbox = self.local_messages(os.path.join(local, "INBOX"))
        self.assertEqual(sorted(strip_client_fields(m) for _, m in inbox), sorted(stored), output[-2000:])
        self.assertEqual([strip_client_fields(m) for _, m in self.local_messages(os.path.join(local, "Archive"))],
                         [archived])
        # a second run fetches nothing new and changes nothing
        before = {f: self.local_messages(os.path.join(local, f)) for f in ("INBOX", "Archive")}
        result = self.run_offlineimap(home, local)
        self.assertEqual(result.returncode, 0, result.stdout.decode("utf-8", "replace")[-4000:])
        after = {f: self.local_messages(os.path.join(local, f)) for f in ("INBOX", "Archive")}
        self.assertEqual(after, before)


if __name__ == "__main__":
    unittest.main()
