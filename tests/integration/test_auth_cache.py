"""The verified-password cache ([auth] cache_ttl_seconds), seen from imaplib: repeated logins
succeed, a wrong password is refused even right after a cached success, and a password
changed by the CLI (another process) takes effect at once in both directions."""

import imaplib
import unittest

from imap_harness import DOMAIN, ImapTestCase, PASSWORD


class AuthCacheTest(ImapTestCase):
    def login(self, password):
        imap = imaplib.IMAP4_SSL("127.0.0.1", self.server.imap_port("tls"), ssl_context=self.server.ssl_context())
        try:
            imap.login(self.user, password)
            return True
        except imaplib.IMAP4.error:
            return False
        finally:
            try:
                imap.logout()
            except Exception:
                pass

    def test_repeated_logins_wrong_password_and_password_change(self):
        for _ in range(3):
            self.assertTrue(self.login(PASSWORD))
        self.assertFalse(self.login(PASSWORD + "x"))
        self.assertTrue(self.login(PASSWORD))  # still cached, still right
        self.server.cli("user", "passwd", self.user, "--password", "n3w-secret")
        self.assertFalse(self.login(PASSWORD), "the old password must stop working at once")
        self.assertTrue(self.login("n3w-secret"))
        self.assertTrue(self.login("n3w-secret"))


class AuthCacheDisabledTest(AuthCacheTest):
    SERVER_KWARGS = {"auth": {"cache_ttl_seconds": 0}}


if __name__ == "__main__":
    unittest.main()
