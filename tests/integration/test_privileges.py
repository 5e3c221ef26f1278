"""postroomd binds as root, then runs as [server] user; the CLI acts as that user too.

Needs root (CI runs as root); skipped otherwise.
"""

import os
import pwd
import unittest

import harness


@unittest.skipUnless(os.geteuid() == 0, "privilege drop needs root")
class PrivilegeDropTest(unittest.TestCase):
    def setUp(self):
        self.nobody = pwd.getpwnam("nobody")
        self.server = harness.Server(server_extra={"user": "nobody"}, name="privdrop")
        # The service user must be able to reach its data directory through the temp dir.
        os.chmod(self.server.tmp, 0o755)
        self.server.start()

    def tearDown(self):
        self.server.stop_and_check(self)

    def test_daemon_runs_as_configured_user_and_serves_mail(self):
        with open(f"/proc/{self.server.proc.pid}/status") as f:
            status = f.read()
        uid_line = next(line for line in status.splitlines() if line.startswith("Uid:"))
        self.assertEqual(set(uid_line.split()[1:]), {str(self.nobody.pw_uid)},
                         "real, effective, saved and filesystem uid must all be the service user")
        gid_line = next(line for line in status.splitlines() if line.startswith("Gid:"))
        self.assertEqual(set(gid_line.split()[1:]), {str(self.nobody.pw_gid)})

        self.server.add_domain()
        user = self.server.add_user(f"priv@{harness.DOMAIN}")
        message = b"From: a@remote.test\r\nSubject: privileges\r\n\r\nbody\r\n"
        self.server.cli("deliver", user, input=message)

        # Every file the store made belongs to the service user, so the daemon can keep writing.
        for root, dirs, files in os.walk(self.server.data_dir):
            for name in dirs + files:
                path = os.path.join(root, name)
                if os.path.relpath(path, self.server.data_dir).startswith("tls"):
                    continue  # made as root before the drop, read before it
                self.assertEqual(os.stat(path).st_uid, self.nobody.pw_uid, path)

        pop = self.server.login(user, "secret")
        count, _ = pop.stat()
        self.assertEqual(count, 1)
        self.assertIn(b"Subject: privileges", b"\r\n".join(pop.retr(1)[1]))
        pop.quit()


if __name__ == "__main__":
    unittest.main()
