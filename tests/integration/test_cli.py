"""The admin CLI `postroom`: domains, users, aliases, quotas, deliver, import, config check.

All of it runs while postroomd is running (the CLI and the daemon share the data dir).
Messages that go in through the CLI are read back over POP3.
"""

import os
import poplib
import re
import subprocess
import tempfile
import unittest

import harness
from harness import (DOMAIN, EX_DATAERR, EX_NOUSER, EX_OK, EX_TEMPFAIL, EX_USAGE, ServerTestCase, crlf,
                     dot_message, quit_quietly, retr_raw, simple_message, utf8_message)


def lines_of(result):
    return result.stdout.decode("utf-8", "replace").splitlines()


class AccountsTest(ServerTestCase):
    """domain / user / alias / quota commands and their errors."""

    def assert_fails(self, *args, input=None):
        result = self.server.cli(*args, input=input, check=False)
        self.assertNotEqual(result.returncode, 0, f"{args} should fail; stdout {result.stdout!r}")
        self.assertTrue(result.stderr.strip(), f"{args}: a failure must say why on stderr")
        return result

    def test_domain_add_list_del(self):
        self.server.cli("domain", "add", "other.test")
        listed = lines_of(self.server.cli("domain", "list"))
        self.assertTrue(any(re.search(r"\bother\.test\b", l) for l in listed), listed)
        self.assertTrue(any(re.search(r"\bexample\.test\b", l) for l in listed), listed)
        self.assert_fails("domain", "add", "other.test")  # exists
        self.server.cli("domain", "del", "other.test")
        listed = lines_of(self.server.cli("domain", "list"))
        self.assertFalse(any("other.test" in l for l in listed), listed)
        self.assert_fails("domain", "del", "other.test")  # not found

    def test_domain_bad_names(self):
        for bad in ("", "not a domain", "-bad.test", "a..b"):
            with self.subTest(name=bad):
                self.assert_fails("domain", "add", bad)
        listed = "\n".join(lines_of(self.server.cli("domain", "list")))
        self.assertNotIn("not a domain", listed)

    def test_user_add_list_passwd_del(self):
        address = f"carol@{DOMAIN}"
        self.server.cli("user", "add", address, "--password", "first-pass")
        self.assertTrue(any(address in l for l in lines_of(self.server.cli("user", "list"))))
        self.assert_fails("user", "add", address, "--password", "again")  # exists
        pop = self.server.login(address, "first-pass")
        quit_quietly(pop)

        self.server.cli("user", "passwd", address, "--password", "second-pass")
        with self.assertRaises(poplib.error_proto) as caught:
            self.server.login(address, "first-pass")
        self.assertIn("[AUTH]", str(caught.exception))
        quit_quietly(self.server.login(address, "second-pass"))

        self.server.cli("user", "del", address)
        self.assertFalse(any(address in l for l in lines_of(self.server.cli("user", "list"))))
        with self.assertRaises(poplib.error_proto):
            self.server.login(address, "second-pass")
        self.assertEqual(self.server.deliver(address, simple_message(), check=False).returncode, EX_NOUSER)
        self.assert_fails("user", "del", address)  # not found
        self.assert_fails("user", "passwd", address, "--password", "x")

    def test_user_errors(self):
        self.assert_fails("user", "add", "dave@unknown-domain.test", "--password", "x")
        self.assert_fails("user", "add", "no-at-sign", "--password", "x")
        self.assert_fails("user", "add", f"@{DOMAIN}", "--password", "x")
        listed = "\n".join(lines_of(self.server.cli("user", "list")))
        self.assertNotIn("unknown-domain.test", listed)

    def test_usage_errors(self):
        for args in (("frobnicate",), ("user",), ("user", "add"), ("domain", "add"), ("deliver",),
                     ("quota", "set", self.user, "not-a-number", "10")):
            with self.subTest(args=args):
                result = self.server.cli(*args, check=False)
                self.assertEqual(result.returncode, EX_USAGE, f"{args}: {result.stderr!r}")

    def test_alias(self):
        alias = f"info@{DOMAIN}"
        self.server.cli("alias", "add", alias, self.user)
        listed = "\n".join(lines_of(self.server.cli("alias", "list")))
        self.assertIn(alias, listed)
        self.assertIn(self.user, listed)
        self.assert_fails("alias", "add", alias, self.user)  # exists
        self.assert_fails("alias", "add", f"x@{DOMAIN}", f"nobody-here@{DOMAIN}")  # target unknown

        stored = self.deliver(simple_message(to=alias, subject="Via alias"), recipient=alias)
        pop = self.login()
        self.assertEqual(pop.stat()[0], 1)
        self.assertEqual(retr_raw(pop, 1), stored)
        pop.quit()

        self.server.cli("alias", "del", alias)
        self.assertNotIn(alias, "\n".join(lines_of(self.server.cli("alias", "list"))))
        self.assertEqual(self.server.deliver(alias, simple_message(), check=False).returncode, EX_NOUSER)
        self.assert_fails("alias", "del", alias)

    def test_quota_set_show(self):
        self.server.cli("quota", "set", self.user, "123456", "42")
        shown = self.server.cli("quota", "show", self.user).stdout.decode()
        self.assertIn("123456", shown)
        self.assertIn("42", shown)
        self.assert_fails("quota", "show", f"nobody-here@{DOMAIN}")
        self.assert_fails("quota", "set", f"nobody-here@{DOMAIN}", "1", "1")


class DeliverTest(ServerTestCase):
    """`postroom deliver` exit codes (sysexits.h) and what lands in the INBOX."""

    def deliver_code(self, recipient, message):
        return self.server.deliver(recipient, message, check=False)

    def test_ok_and_read_back(self):
        message = dot_message(to=self.user)
        result = self.deliver_code(self.user, message)
        self.assertEqual(result.returncode, EX_OK, result.stderr)
        pop = self.login()
        self.assertEqual(pop.stat()[0], 1)
        self.assertEqual(retr_raw(pop, 1), crlf(message))
        self.assertEqual(retr_raw(pop, 1), crlf(message), "RETR twice gives the same bytes")

    def test_bytes_exact(self):
        message = utf8_message(to=self.user)
        self.assertEqual(self.deliver_code(self.user, message).returncode, EX_OK)
        pop = self.login()
        self.assertEqual(retr_raw(pop, 1), crlf(message))

    def test_unknown_recipient(self):
        for recipient in (f"nobody-here@{DOMAIN}", "someone@not-our-domain.test"):
            with self.subTest(recipient=recipient):
                result = self.deliver_code(recipient, simple_message())
                self.assertEqual(result.returncode, EX_NOUSER, result.stderr)
                self.assertTrue(result.stderr.strip())

    def test_recipient_case_insensitive_domain(self):
        local, domain = self.user.split("@")
        result = self.deliver_code(f"{local}@{domain.upper()}", simple_message())
        self.assertEqual(result.returncode, EX_OK, result.stderr)
        self.assertEqual(self.login().stat()[0], 1)

    def test_over_quota_bytes(self):
        self.server.cli("quota", "set", self.user, "2000", "100")
        first = simple_message(to=self.user, body=b"a" * 800 + b"\n")
        self.assertEqual(self.deliver_code(self.user, first).returncode, EX_OK)
        result = self.deliver_code(self.user, simple_message(to=self.user, body=b"b" * 1500 + b"\n"))
        self.assertEqual(result.returncode, EX_TEMPFAIL, result.stderr)
        pop = self.login()
        self.assertEqual(pop.stat(), (1, len(crlf(first))), "the refused message must not be stored")
        pop.quit()
        # Raising the quota lets the same message in.
        self.server.cli("quota", "set", self.user, "100000", "100")
        self.assertEqual(self.deliver_code(self.user, simple_message(to=self.user, body=b"b" * 1500 + b"\n"))
                         .returncode, EX_OK)

    def test_over_quota_messages(self):
        self.server.cli("quota", "set", self.user, "10000000", "2")
        for i in range(2):
            self.assertEqual(self.deliver_code(self.user, simple_message(subject=f"q{i}")).returncode, EX_OK)
        result = self.deliver_code(self.user, simple_message(subject="q2"))
        self.assertEqual(result.returncode, EX_TEMPFAIL, result.stderr)
        self.assertEqual(self.login().stat()[0], 2)

    def test_quota_frees_after_pop3_delete(self):
        self.server.cli("quota", "set", self.user, "10000000", "1")
        self.assertEqual(self.deliver_code(self.user, simple_message()).returncode, EX_OK)
        self.assertEqual(self.deliver_code(self.user, simple_message()).returncode, EX_TEMPFAIL)
        pop = self.server.login(self.user, self.PASSWORD)
        pop.dele(1)
        pop.quit()
        self.assertEqual(self.deliver_code(self.user, simple_message()).returncode, EX_OK)

    def test_alias_delivery(self):
        alias = f"sales-{self._testMethodName[-6:]}@{DOMAIN}"
        self.server.cli("alias", "add", alias, self.user)
        message = simple_message(to=alias)
        self.assertEqual(self.deliver_code(alias, message).returncode, EX_OK)
        pop = self.login()
        self.assertEqual(retr_raw(pop, 1), crlf(message))

    def test_empty_message(self):
        result = self.deliver_code(self.user, b"")
        self.assertEqual(result.returncode, EX_DATAERR, result.stderr)
        self.assertEqual(self.login().stat()[0], 0)

    def test_usage(self):
        result = self.server.cli("deliver", input=simple_message(), check=False)
        self.assertEqual(result.returncode, EX_USAGE, result.stderr)
        result = self.server.cli("deliver", self.user, self.user, "extra", input=simple_message(), check=False)
        self.assertIn(result.returncode, (EX_USAGE, EX_OK))

    def test_concurrent_delivery_and_pop3_session(self):
        """A message delivered while a POP3 session is open shows up in the next session."""
        self.assertEqual(self.deliver_code(self.user, simple_message(subject="first")).returncode, EX_OK)
        pop = self.login()
        self.assertEqual(pop.stat()[0], 1)
        self.assertEqual(self.deliver_code(self.user, simple_message(subject="second")).returncode, EX_OK)
        self.assertEqual(pop.stat()[0], 1, "the maildrop is a snapshot for the session (RFC 1939)")
        pop.dele(1)
        pop.quit()
        pop = self.login()
        self.assertEqual(pop.stat()[0], 1)
        self.assertIn(b"Subject: second", retr_raw(pop, 1))


class MessageSizeLimitTest(ServerTestCase):
    SERVER_KWARGS = {"tables": {"limits": {"max_message_bytes": 10000}}}

    def test_oversized_message(self):
        small = simple_message(to=self.user, body=b"s" * 5000 + b"\n")
        big = simple_message(to=self.user, body=b"b" * 20000 + b"\n")
        result = self.server.deliver(self.user, big, check=False)
        self.assertEqual(result.returncode, EX_DATAERR, result.stderr)
        self.assertEqual(self.server.deliver(self.user, small, check=False).returncode, EX_OK)
        pop = self.login()
        self.assertEqual(pop.stat(), (1, len(crlf(small))))


class ImportTest(ServerTestCase):
    """`postroom import` of a Maildir and of an mbox, read back over POP3."""

    def make_maildir(self, messages):
        """messages: list of (subdir, filename, bytes)."""
        root = tempfile.mkdtemp(prefix="maildir-", dir=self.server.tmp)
        for sub in ("cur", "new", "tmp"):
            os.mkdir(os.path.join(root, sub))
        for sub, name, data in messages:
            with open(os.path.join(root, sub, name), "wb") as f:
                f.write(data)
        return root

    def retrieve_all(self, address=None):
        pop = self.login(address=address)
        count, _ = pop.stat()
        messages = [retr_raw(pop, n) for n in range(1, count + 1)]
        pop.quit()
        return messages

    def test_maildir_with_flags(self):
        msgs = {
            "seen": simple_message(to=self.user, subject="seen"),
            "flagged_replied_seen": simple_message(to=self.user, subject="frs"),
            "no_flags": simple_message(to=self.user, subject="none"),
            "new": crlf(simple_message(to=self.user, subject="new-crlf")),
            "utf8": utf8_message(to=self.user),
        }
        root = self.make_maildir([
            ("cur", "1700000001.M1P1.host:2,S", msgs["seen"]),
            ("cur", "1700000002.M2P1.host:2,FRS", msgs["flagged_replied_seen"]),
            ("cur", "1700000003.M3P1.host:2,", msgs["no_flags"]),
            ("new", "1700000004.M4P1.host", msgs["new"]),
            ("cur", "1700000005.M5P1.host:2,T", msgs["utf8"]),
            # tmp/ holds half-written files: never imported.
            ("tmp", "1700000006.M6P1.host", simple_message(to=self.user, subject="tmp-must-not-import")),
        ])
        self.server.cli("import", self.user, root)
        got = self.retrieve_all()
        self.assertEqual(sorted(got), sorted(crlf(m) for m in msgs.values()))
        self.assertFalse(any(b"tmp-must-not-import" in m for m in got))

    def test_mbox_from_quoting(self):
        first = (b"From: Bob <bob@remote.test>\n"
                 b"To: " + self.user.encode() + b"\n"
                 b"Subject: mbox one\n"
                 b"Date: Mon, 01 Jan 2024 09:00:00 +0000\n"
                 b"\n"
                 b"From the start of a line, quoted in the mbox.\n"
                 b"  From indented, not quoted.\n"
                 b"Fromage is not a From_ line.\n")
        second = (b"From: Carol <carol@remote.test>\n"
                  b"To: " + self.user.encode() + b"\n"
                  b"Subject: mbox two\n"
                  b"Date: Tue, 02 Jan 2024 09:00:00 +0000\n"
                  b"\n"
                  b"Second body.\n"
                  b"\n"
                  b"From here too.\n")
        mbox = (b"From bob@remote.test Mon Jan  1 09:00:00 2024\n"
                + first.replace(b"\nFrom the start", b"\n>From the start")
                + b"\n"
                + b"From carol@remote.test Tue Jan  2 09:00:00 2024\n"
                + second.replace(b"\nFrom here", b"\n>From here")
                + b"\n")
        path = os.path.join(self.server.tmp, f"{self._testMethodName}.mbox")
        with open(path, "wb") as f:
            f.write(mbox)
        self.server.cli("import", self.user, path)
        got = self.retrieve_all()
        self.assertEqual(sorted(got), sorted([crlf(first), crlf(second)]))
        self.assertIn(b"\r\nFrom the start of a line", b"".join(got))
        self.assertNotIn(b">From", b"".join(got))

    def write_mbox(self, count, twins=()):
        """An mbox of `count` messages with subjects "bulk N"; each index in `twins` repeats the
        previous message byte for byte. Returns (path, the messages as stored)."""
        parts, stored = [], []
        for n in range(count):
            body = stored[-1] if n in twins else crlf(simple_message(to=self.user, subject=f"bulk {n}"))
            stored.append(body)
            parts.append(f"From bob@remote.test Mon Jan  1 09:00:{n % 60:02d} 2024\n".encode()
                         + body.replace(b"\r\n", b"\n") + b"\n")
        path = os.path.join(self.server.tmp, f"{self._testMethodName}.mbox")
        with open(path, "wb") as f:
            f.write(b"".join(parts))
        return path, stored

    def test_mbox_import_in_batches_keeps_order(self):
        # Over two full batches of 256, with identical messages inside one batch.
        path, stored = self.write_mbox(600, twins=(11, 12, 300))
        result = self.server.cli("import", self.user, path)
        self.assertIn(b"imported 600 messages, 0 failed", result.stdout)
        self.assertEqual(self.retrieve_all(), stored, "UIDs follow the mbox order")

    def test_import_stops_at_quota_with_exact_count(self):
        self.server.cli("quota", "set", self.user, "0", "10")
        path, stored = self.write_mbox(25)
        result = self.server.cli("import", self.user, path, check=False)
        self.assertEqual(result.returncode, EX_TEMPFAIL, result.stderr)
        self.assertIn(b"imported 10 messages, 1 failed", result.stdout)
        self.assertIn(b"quota", result.stderr)
        self.assertEqual(self.retrieve_all(), stored[:10], "exactly the messages before the quota")

    def test_import_into_other_mailbox_is_not_in_pop3(self):
        root = self.make_maildir([("cur", "1700000001.M1P1.host:2,S", simple_message(to=self.user))])
        self.server.cli("import", self.user, root, "--mailbox", "Archive")
        self.assertEqual(self.retrieve_all(), [], "POP3 shows only the INBOX")

    def test_import_errors(self):
        root = self.make_maildir([("cur", "1.M1P1.host:2,S", simple_message())])
        result = self.server.cli("import", f"nobody-here@{DOMAIN}", root, check=False)
        self.assertNotEqual(result.returncode, 0)
        result = self.server.cli("import", self.user, os.path.join(self.server.tmp, "does-not-exist"),
                                 check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertTrue(result.stderr.strip())
        self.assertEqual(self.retrieve_all(), [])


class ConfigCheckTest(unittest.TestCase):
    """`postroom config check FILE` (needs no running daemon)."""

    def setUp(self):
        _, self.cli_path = harness.binaries()
        self.tmp = tempfile.mkdtemp(prefix="configcheck-")
        self.addCleanup(lambda: __import__("shutil").rmtree(self.tmp, ignore_errors=True))

    def check(self, text):
        path = os.path.join(self.tmp, "postroom.toml")
        with open(path, "w") as f:
            f.write(text)
        return subprocess.run([self.cli_path, "config", "check", path], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=30)

    def good_config(self):
        """The harness's own config (two POP3 listeners), never started."""
        server = harness.Server(name="configcheck")
        self.addCleanup(server.cleanup)
        return server.config_text()

    def assert_names_key_and_line(self, text, key, line):
        result = self.check(text)
        output = (result.stdout + result.stderr).decode("utf-8", "replace")
        self.assertEqual(result.returncode, 1, output)
        self.assertIn(key, output)
        self.assertRegex(output, rf"(?<!\d){line}(?!\d)", f"error must name line {line}: {output}")

    def replace_line(self, text, prefix, new):
        lines = text.splitlines()
        for i, l in enumerate(lines):
            if l.startswith(prefix):
                lines[i] = new
                return "\n".join(lines) + "\n", i + 1
        raise AssertionError(f"no line starting with {prefix!r}")

    def test_good(self):
        result = self.check(self.good_config())
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_bad_port_type(self):
        text, line = self.replace_line(self.good_config(), "port = ", 'port = "not-a-port"')
        self.assert_names_key_and_line(text, "port", line)

    def test_port_out_of_range(self):
        text, line = self.replace_line(self.good_config(), "port = ", "port = 70000")
        self.assert_names_key_and_line(text, "port", line)

    def test_bad_mode(self):
        text, line = self.replace_line(self.good_config(), 'mode = "tls"', 'mode = "sometimes"')
        self.assert_names_key_and_line(text, "mode", line)

    def test_bad_bool(self):
        text, line = self.replace_line(self.good_config(), "allow_plaintext_auth", 'allow_plaintext_auth = "yes"')
        self.assert_names_key_and_line(text, "allow_plaintext_auth", line)

    def test_unknown_key(self):
        text, line = self.replace_line(self.good_config(), "failure_delay_ms", "failure_dleay_ms = 50")
        self.assert_names_key_and_line(text, "failure_dleay_ms", line)

    def test_toml_syntax_error(self):
        text, line = self.replace_line(self.good_config(), "log_level", "log_level = debug no quotes")
        result = self.check(text)
        output = (result.stdout + result.stderr).decode("utf-8", "replace")
        self.assertEqual(result.returncode, 1, output)
        self.assertRegex(output, rf"(?<!\d){line}(?!\d)")

    def test_missing_file(self):
        result = subprocess.run([self.cli_path, "config", "check", os.path.join(self.tmp, "nope.toml")],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        self.assertNotEqual(result.returncode, 0)
        self.assertTrue(result.stderr.strip())


if __name__ == "__main__":
    unittest.main()
