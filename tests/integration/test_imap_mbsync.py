"""mbsync (isync 1.4) two-way sync between a local Maildir and Postroom.

Channel with `Create Both`, `Expunge Both`, `SyncState *`, `Patterns *`, over IMAPS (and once
over STARTTLS) with `CertificateFile` = the server's generated certificate:
- first sync: server mail comes down (byte-identical), a local new message and a local-only
  folder go up;
- second sync: nothing changes on either side (server state, local Maildir, exit code);
- a flag set locally (Maildir info `:2,F`) reaches the server as \\Flagged; a \\Seen set on the
  server comes down as `S`;
- a message deleted locally is expunged on the server, one expunged on the server disappears
  locally.
"""

import hashlib
import os
import re
import subprocess
import time
import unittest

from harness import crlf
import tempfile
import shutil

from imap_harness import (PASSWORD, ImapTestCase, by_status, make_loopback_cert, mime_message,
                          plain_message, require_program)

MBSYNC_TIMEOUT_S = 120


def untuid(data: bytes) -> bytes:
    """mbsync inserts an `X-TUID:` header field into every message it copies (to find it again
    on the other side); the rest is left byte-for-byte. Removes that field."""
    return re.sub(rb"(?m)^X-TUID: [^\r\n]*\r?\n", b"", data, count=1)


def digest(data: bytes) -> str:
    return hashlib.sha256(untuid(crlf(data))).hexdigest()


def read(path) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def maildir_state(root):
    """{folder: sorted [(sha256 of the file, flags)]} for every Maildir under root."""
    state = {}
    for dirpath, dirnames, filenames in os.walk(root):
        if os.path.basename(dirpath) not in ("cur", "new"):
            continue
        folder = os.path.relpath(os.path.dirname(dirpath), root)
        entries = state.setdefault(folder, [])
        for name in filenames:
            content_hash = hashlib.sha256(read(os.path.join(dirpath, name))).hexdigest()
            flags = name.split(":2,", 1)[1] if ":2," in name else ""
            entries.append((content_hash, "".join(sorted(flags))))
    return {k: sorted(v) for k, v in state.items()}


def maildir_files(folder):
    out = []
    for sub in ("cur", "new"):
        d = os.path.join(folder, sub)
        if os.path.isdir(d):
            out += [os.path.join(d, n) for n in sorted(os.listdir(d))]
    return out


def write_maildir_message(folder, content, flags=None, name=None):
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(folder, sub), exist_ok=True)
    name = name or f"{time.time_ns()}.P{os.getpid()}.testhost"
    if flags is None:
        path = os.path.join(folder, "new", name)
    else:
        path = os.path.join(folder, "cur", name + ":2," + flags)
    with open(path, "wb") as f:
        f.write(content)
    return path


class MbsyncTest(ImapTestCase):
    # mbsync checks the host name even for a pinned certificate: serve one naming 127.0.0.1
    @classmethod
    def setUpClass(cls):
        cls.cert_dir = tempfile.mkdtemp(prefix="mbsync-cert-")
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

    def setUp(self):
        super().setUp()
        self.mbsync = require_program("mbsync", "isync")
        self.work = os.path.join(self.server.tmp, f"mbsync-{self._testMethodName}")
        self.maildir = os.path.join(self.work, "Mail")
        os.makedirs(self.maildir, exist_ok=True)

    def write_rc(self, ssl_type="IMAPS"):
        port = self.server.imap_port("tls" if ssl_type == "IMAPS" else "starttls")
        rc = os.path.join(self.work, "mbsyncrc")
        with open(rc, "w") as f:
            f.write(f"""IMAPAccount postroom
Host 127.0.0.1
Port {port}
User {self.user}
Pass {PASSWORD}
SSLType {ssl_type}
CertificateFile {self.server.cert_path}
SystemCertificates no
Timeout 30

IMAPStore remote
Account postroom

MaildirStore local
Path {self.maildir}/
Inbox {self.maildir}/INBOX
SubFolders Verbatim

Channel sync
Far :remote:
Near :local:
Patterns *
Create Both
Expunge Both
Remove None
SyncState *
""")
        os.chmod(rc, 0o600)
        return rc

    def sync(self, rc, expect_ok=True):
        result = subprocess.run([self.mbsync, "-V", "-c", rc, "sync"], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, timeout=MBSYNC_TIMEOUT_S, text=True,
                                errors="replace", env=dict(os.environ, HOME=self.work))
        if expect_ok:
            self.assertEqual(result.returncode, 0, f"mbsync failed:\n{result.stdout[-4000:]}")
        return result

    def server_state(self):
        """{mailbox: sorted [(sha256 of BODY[], flags)]} of every mailbox, read over IMAP."""
        raw = self.raw()
        names = []
        for r in by_status(raw.ok('LIST "" "*"'), "LIST"):
            attrs, _, name = r.items()[:3]
            if "\\NOSELECT" in {a.upper() for a in attrs}:
                continue
            names.append(name.decode() if isinstance(name, bytes) else name)
        state = {}
        for name in names:
            raw.ok(f'EXAMINE "{name}"')
            entries = []
            for r in raw.ok("FETCH 1:* (FLAGS BODY.PEEK[])") if self.exists(raw, name) else []:
                if r.status != "FETCH":
                    continue
                d = r.fetch()
                flags = {f.upper() for f in d["FLAGS"]} - {"\\RECENT"}
                entries.append((digest(d["BODY[]"]), " ".join(sorted(flags))))
            state[name] = sorted(entries)
        raw.logout()
        return state

    def exists(self, raw, name):
        r = by_status(raw.ok(f'STATUS "{name}" (MESSAGES)'), "STATUS")[0]
        return int(re.search(r"MESSAGES (\d+)", r.line).group(1)) > 0

    def local_inbox(self):
        return os.path.join(self.maildir, "INBOX")

    def test_two_way_sync(self):
        first = self.deliver(plain_message(self.user, subject="Server one"))
        msg, _ = mime_message(self.user, subject="Server two", token="mbs2")
        second = self.deliver(msg)
        archived = self.deliver(plain_message(self.user, subject="Archived on server"), mailbox="Archive")
        local_new = plain_message(self.user, subject="Written locally", sender="me@example.test")
        write_maildir_message(self.local_inbox(), local_new)
        local_only = plain_message(self.user, subject="In a local folder")
        write_maildir_message(os.path.join(self.maildir, "Local Folder"), local_only, flags="S")
        rc = self.write_rc()

        # 1. first sync: both directions
        self.sync(rc)
        local = {lf_name: sorted(untuid(crlf(read(p))) for p in maildir_files(os.path.join(self.maildir, lf_name)))
                 for lf_name in ("INBOX", "Archive", "Local Folder")}
        self.assertEqual(local["INBOX"], sorted([first, second, crlf(local_new)]))
        self.assertEqual(local["Archive"], [archived])
        for name in ("Sent", "Drafts", "Trash", "Junk"):
            self.assertTrue(os.path.isdir(os.path.join(self.maildir, name, "cur")), f"{name} not created locally")
        server = self.server_state()
        self.assertIn("Local Folder", server, "Create Both did not create the local folder on the server")
        self.assertEqual(len(server["INBOX"]), 3)
        self.assertIn(digest(local_new), [d for d, _ in server["INBOX"]])
        self.assertEqual(server["Local Folder"], [(digest(local_only), "\\SEEN")])

        # 2. second sync changes nothing
        before_local, before_server = maildir_state(self.maildir), self.server_state()
        result = self.sync(rc)
        self.assertEqual(maildir_state(self.maildir), before_local, "second sync changed the local Maildir")
        self.assertEqual(self.server_state(), before_server, "second sync changed the server")
        stats = re.findall(r"(?:Far|Near): \+(\d+) \*(\d+) #(\d+) -(\d+)", result.stdout)
        for counts in stats:
            self.assertEqual(counts, ("0", "0", "0", "0"), f"second sync did something:\n{result.stdout}")

        # 3. a local flag goes up, a server flag comes down
        target = [p for p in maildir_files(self.local_inbox()) if b"Subject: Server one" in read(p)][0]
        base, _, flags = os.path.basename(target).partition(":2,")
        flagged = os.path.join(self.local_inbox(), "cur", base + ":2," + "".join(sorted(set(flags) | {"F"})))
        os.rename(target, flagged)
        raw = self.raw()
        raw.ok("SELECT INBOX")
        uid_two = int(raw.ok("UID SEARCH SUBJECT \"Server two\"")[0].rest.split()[1])
        raw.ok(f"UID STORE {uid_two} +FLAGS (\\Seen)")
        raw.logout()
        self.sync(rc)
        server = self.server_state()
        self.assertIn((digest(first), "\\FLAGGED"), server["INBOX"])
        two_local = [p for p in maildir_files(self.local_inbox()) if b"Subject: Server two" in read(p)]
        self.assertEqual(len(two_local), 1)
        self.assertIn("S", two_local[0].rpartition(":2,")[2], two_local[0])

        # 4. deletions both ways
        os.unlink([p for p in maildir_files(self.local_inbox()) if b"Written locally" in read(p)][0])
        raw = self.raw()
        raw.ok("SELECT Archive")
        raw.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
        raw.ok("EXPUNGE")
        raw.logout()
        self.sync(rc)
        server = self.server_state()
        self.assertEqual(sorted(d for d, _ in server["INBOX"]),
                         sorted(digest(m) for m in (first, second)))
        self.assertEqual(maildir_files(os.path.join(self.maildir, "Archive")), [])
        # and a final sync is again a no-op
        before_local, before_server = maildir_state(self.maildir), self.server_state()
        self.sync(rc)
        self.assertEqual(maildir_state(self.maildir), before_local)
        self.assertEqual(self.server_state(), before_server)

    def test_starttls_sync(self):
        stored = self.deliver(plain_message(self.user, subject="Via STARTTLS"))
        rc = self.write_rc(ssl_type="STARTTLS")
        self.sync(rc)
        files = maildir_files(self.local_inbox())
        self.assertEqual([untuid(crlf(read(p))) for p in files], [stored])

    def test_wrong_password_fails(self):
        rc = self.write_rc()
        with open(rc) as f:
            text = f.read()
        with open(rc, "w") as f:
            f.write(text.replace(f"Pass {PASSWORD}", "Pass wrong-password"))
        result = self.sync(rc, expect_ok=False)
        self.assertNotEqual(result.returncode, 0, result.stdout)
        self.assertEqual(maildir_files(self.local_inbox()), [])


if __name__ == "__main__":
    unittest.main()
