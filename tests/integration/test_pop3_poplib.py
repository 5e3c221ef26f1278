"""POP3 against Python's poplib: retrieval fidelity, maildrop semantics, STLS/AUTH, bad input.

Messages go in with `postroom deliver` and come out over POP3 on the implicit-TLS
listener (995-style) and on the STARTTLS listener (110-style) after STLS.
"""

import poplib
import re
import socket
import time
import unittest

import harness
from harness import (ServerTestCase, attachment_message, auth_login, auth_plain, crlf, dot_message,
                     drop, quit_quietly, raw_cmd, read_line, read_multiline, retr_raw, simple_message,
                     top_raw, utf8_message)

BOTH = ("tls", "stls")


def status(pop, line):
    return raw_cmd(pop, line).rstrip(b"\r\n")


class RetrievalTest(ServerTestCase):
    """What goes in with `deliver` comes out byte-identical (modulo LF -> CRLF)."""

    def assert_retrieves(self, expected, how):
        pop = self.login(how=how)
        count, total = pop.stat()
        self.assertEqual(count, len(expected))
        self.assertEqual(total, sum(len(m) for m in expected), "STAT size must be exact octets")
        resp, listing, _ = pop.list()
        self.assertTrue(resp.startswith(b"+OK"))
        sizes = {}
        for entry in listing:
            number, size = entry.split()
            sizes[int(number)] = int(size)
        self.assertEqual(sorted(sizes), list(range(1, len(expected) + 1)))
        got = []
        for number in range(1, count + 1):
            # Single-message LIST agrees with the multi-line LIST.
            self.assertEqual(pop.list(number), b"+OK %d %d" % (number, sizes[number]))
            raw = retr_raw(pop, number)
            self.assertEqual(len(raw), sizes[number], f"LIST size of message {number} != RETR octets")
            # poplib's own view (dot-unstuffed, line ends stripped) agrees too.
            _, lines, _ = pop.retr(number)
            self.assertEqual(b"\r\n".join(lines) + b"\r\n", raw)
            got.append(raw)
        self.assertEqual(sorted(got), sorted(expected))
        # Delivery order is kept.
        self.assertEqual(got, expected)
        pop.quit()

    def test_simple_message_over_tls_and_stls(self):
        sent = simple_message(to=self.user)
        self.assertNotIn(b"\r", sent)
        expected = [self.deliver(sent)]
        self.assertTrue(expected[0].endswith(b"Just a test.\r\n"))
        for how in BOTH:
            with self.subTest(how=how):
                self.assert_retrieves(expected, how)

    def test_crlf_message_kept_as_is(self):
        sent = crlf(simple_message(to=self.user, subject="CRLF input"))
        expected = [self.deliver(sent)]
        self.assertEqual(expected[0], sent)
        self.assert_retrieves(expected, "tls")

    def test_dot_lines(self):
        expected = [self.deliver(dot_message(to=self.user))]
        for how in BOTH:
            with self.subTest(how=how):
                self.assert_retrieves(expected, how)

    def test_dot_stuffing_on_the_wire(self):
        self.deliver(dot_message(to=self.user))
        pop = self.login()
        self.assertTrue(status(pop, "RETR 1").startswith(b"+OK"))
        wire = []
        while True:
            line = read_line(pop)
            if line == b".\r\n":
                break
            wire.append(line)
        self.assertIn(b"..leading dot\r\n", wire)
        self.assertIn(b"...two leading dots\r\n", wire)
        self.assertIn(b"..\r\n", wire, "a lone '.' line must be sent as '..'")
        self.assertIn(b"....\r\n", wire)
        self.assertNotIn(b".leading dot\r\n", wire)

    def test_utf8_8bit_body(self):
        expected = [self.deliver(utf8_message(to=self.user))]
        self.assertIn("Grüße".encode(), expected[0])
        for how in BOTH:
            with self.subTest(how=how):
                self.assert_retrieves(expected, how)

    def test_two_megabyte_attachment(self):
        sent = attachment_message(to=self.user)
        self.assertGreater(len(sent), 2 * 1024 * 1024)
        expected = [self.deliver(sent)]
        for how in BOTH:
            with self.subTest(how=how):
                self.assert_retrieves(expected, how)

    def test_several_messages_stat_list_exact(self):
        expected = [self.deliver(simple_message(to=self.user, subject=f"n{i}", body=b"x" * (i * 100) + b"\n"))
                    for i in range(5)]
        expected.append(self.deliver(dot_message(to=self.user)))
        expected.append(self.deliver(utf8_message(to=self.user)))
        self.assertEqual(len(set(len(m) for m in expected)), len(expected))
        self.assert_retrieves(expected, "tls")

    def test_top(self):
        body_lines = [f"body line {i}".encode() for i in range(10)]
        sent = simple_message(to=self.user, subject="Top", body=b"\n".join(body_lines) + b"\n")
        stored = self.deliver(sent)
        header_block, _, _ = stored.partition(b"\r\n\r\n")
        pop = self.login()
        for n in (0, 1, 3, 10, 50):
            with self.subTest(lines=n):
                want = header_block + b"\r\n\r\n" + b"".join(l + b"\r\n" for l in body_lines[:n])
                self.assertEqual(top_raw(pop, 1, n), want)
                _, lines, _ = pop.top(1, n)
                self.assertEqual(b"\r\n".join(lines) + b"\r\n", want)
        # Bad arguments.
        for bad in ("TOP 1", "TOP 2 1", "TOP 0 1", "TOP 1 -1", "TOP x 1"):
            with self.subTest(command=bad):
                self.assertTrue(status(pop, bad).startswith(b"-ERR"), bad)
        self.assertTrue(pop.noop().startswith(b"+OK"), "connection usable after bad TOP")

    def test_top_of_dot_message_is_unstuffed(self):
        stored = self.deliver(dot_message(to=self.user))
        pop = self.login()
        header_block, _, body = stored.partition(b"\r\n\r\n")
        first_three = b"".join(body.split(b"\r\n")[i] + b"\r\n" for i in range(3))
        self.assertEqual(top_raw(pop, 1, 3), header_block + b"\r\n\r\n" + first_three)


class MaildropTest(ServerTestCase):
    """UIDL, DELE/RSET/QUIT semantics, leave-on-server, locking."""

    def uidl_map(self, pop):
        resp, entries, _ = pop.uidl()
        self.assertTrue(resp.startswith(b"+OK"))
        out = {}
        for entry in entries:
            number, uid = entry.split(b" ", 1)
            out[int(number)] = uid
        return out

    def test_uidl_stable_and_well_formed(self):
        for i in range(4):
            self.deliver(simple_message(to=self.user, subject=f"u{i}"))
        pop = self.login()
        first = self.uidl_map(pop)
        self.assertEqual(sorted(first), [1, 2, 3, 4])
        self.assertEqual(len(set(first.values())), 4, "UIDs must be unique")
        for uid in first.values():
            self.assertRegex(uid, rb"^[\x21-\x7e]{1,70}$", "RFC 1939 unique-id syntax")
        for number, uid in first.items():
            self.assertEqual(pop.uidl(number), b"+OK %d %s" % (number, uid))
        pop.quit()

        pop = self.login(how="stls")
        self.assertEqual(self.uidl_map(pop), first, "UIDL changed between sessions")
        pop.dele(2)
        pop.quit()

        # After deleting message 2, the others keep their UIDs (renumbered).
        pop = self.login()
        after = self.uidl_map(pop)
        self.assertEqual(list(after.values()), [first[1], first[3], first[4]])
        # A new message gets a UID never seen before.
        pop.quit()
        self.deliver(simple_message(to=self.user, subject="u-new"))
        pop = self.login()
        newest = self.uidl_map(pop)
        self.assertEqual(len(newest), 4)
        self.assertNotIn(newest[4], first.values())

    def test_download_and_delete(self):
        expected = [self.deliver(simple_message(to=self.user, subject=f"d{i}")) for i in range(3)]
        pop = self.login()
        count, _ = pop.stat()
        self.assertEqual(count, 3)
        got = []
        for number in range(1, count + 1):
            got.append(retr_raw(pop, number))
            self.assertTrue(pop.dele(number).startswith(b"+OK"))
        self.assertEqual(got, expected)
        # In the TRANSACTION state, deleted messages are hidden but not gone.
        self.assertEqual(pop.stat(), (0, 0))
        self.assertTrue(status(pop, "RETR 1").startswith(b"-ERR"))
        self.assertTrue(status(pop, "DELE 1").startswith(b"-ERR"), "deleting twice must fail")
        self.assertTrue(pop.quit().startswith(b"+OK"))

        pop = self.login(how="stls")
        self.assertEqual(pop.stat(), (0, 0))
        self.assertEqual(pop.list()[1], [])
        self.assertEqual(pop.uidl()[1], [])

    def test_leave_on_server_two_devices(self):
        expected = [self.deliver(simple_message(to=self.user, subject=f"keep{i}")) for i in range(3)]
        expected.append(self.deliver(attachment_message(size=300_000, to=self.user)))
        seen = {}
        for device, how in (("phone", "tls"), ("laptop", "stls"), ("phone-again", "tls")):
            pop = self.login(how=how)
            count, total = pop.stat()
            self.assertEqual((count, total), (4, sum(len(m) for m in expected)), device)
            uids = self.uidl_map(pop)
            seen[device] = (uids, [retr_raw(pop, n) for n in range(1, count + 1)])
            pop.quit()
        for device, (uids, messages) in seen.items():
            self.assertEqual(messages, expected, device)
            self.assertEqual(uids, seen["phone"][0], device)

    def test_dropped_connection_deletes_nothing(self):
        expected = [self.deliver(simple_message(to=self.user, subject=f"drop{i}")) for i in range(2)]
        pop = self.server.login(self.user, self.PASSWORD)
        self.assertTrue(pop.dele(1).startswith(b"+OK"))
        self.assertTrue(pop.dele(2).startswith(b"+OK"))
        drop(pop)  # no QUIT
        pop = self.login_retrying_in_use()
        self.assertEqual(pop.stat()[0], 2, "a dropped connection must not apply DELE")
        self.assertEqual([retr_raw(pop, n) for n in (1, 2)], expected)

    def login_retrying_in_use(self, how="tls", seconds=5.0):
        """The server may need a moment to notice the dropped connection and release the lock."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                return self.login(how=how)
            except poplib.error_proto as e:
                if b"IN-USE" not in str(e).encode() or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def test_rset_undoes_dele(self):
        expected = [self.deliver(simple_message(to=self.user, subject=f"rset{i}")) for i in range(3)]
        pop = self.login()
        pop.dele(1)
        pop.dele(3)
        self.assertEqual(pop.stat(), (1, len(expected[1])))
        self.assertTrue(status(pop, "LIST 1").startswith(b"-ERR"), "LIST of a deleted message")
        self.assertTrue(pop.rset().startswith(b"+OK"))
        self.assertEqual(pop.stat(), (3, sum(map(len, expected))))
        self.assertEqual(retr_raw(pop, 1), expected[0])
        pop.quit()
        pop = self.login()
        self.assertEqual(pop.stat()[0], 3)
        # RSET then a new DELE: only that one is applied at QUIT.
        pop.dele(2)
        pop.quit()
        pop = self.login()
        self.assertEqual([retr_raw(pop, n) for n in (1, 2)], [expected[0], expected[2]])

    def test_second_session_in_use(self):
        self.deliver(simple_message(to=self.user))
        first = self.login()
        second = self.server.pop3_ssl()
        self.addCleanup(quit_quietly, second)
        second.user(self.user)
        with self.assertRaises(poplib.error_proto) as caught:
            second.pass_(self.PASSWORD)
        self.assertIn("[IN-USE]", str(caught.exception))
        # Also through AUTH PLAIN over STLS.
        third = self.server.pop3_stls()
        self.addCleanup(quit_quietly, third)
        reply = auth_plain(third, self.user, self.PASSWORD)
        self.assertTrue(reply.startswith(b"-ERR [IN-USE]"), reply)
        # The first session is unaffected; after its QUIT the lock is free.
        self.assertEqual(first.stat()[0], 1)
        first.quit()
        again = self.login(how="stls")
        self.assertEqual(again.stat()[0], 1)

    def test_lock_is_per_user(self):
        other = self.new_user()
        self.deliver(simple_message(to=self.user))
        self.deliver(simple_message(to=other), recipient=other)
        a = self.login()
        b = self.login(address=other)
        self.assertEqual(a.stat()[0], 1)
        self.assertEqual(b.stat()[0], 1)

    def test_empty_maildrop(self):
        pop = self.login()
        self.assertEqual(pop.stat(), (0, 0))
        self.assertEqual(pop.list()[1], [])
        self.assertTrue(status(pop, "RETR 1").startswith(b"-ERR"))


class AuthAndCapaTest(ServerTestCase):
    """CAPA around STLS; plaintext refusal; USER/PASS, AUTH PLAIN, AUTH LOGIN; UTF8."""

    # Several tests here fail logins on purpose; keep them clear of the per-address limit
    # (RateLimitTest covers it).
    SERVER_KWARGS = {"auth": {"max_failures_per_address": 1000, "max_delay_ms": 400}}

    AFTER_TLS = {"TOP", "UIDL", "USER", "SASL", "RESP-CODES", "PIPELINING", "AUTH-RESP-CODE", "EXPIRE",
                 "UTF8"}

    def test_capa_before_and_after_stls(self):
        pop = self.server.pop3_plain()
        self.addCleanup(quit_quietly, pop)
        before = pop.capa()
        self.assertIn("STLS", before)
        self.assertNotIn("USER", before, "USER must not be offered before TLS")
        self.assertNotIn("SASL", before, "SASL must not be offered before TLS")
        self.assertNotIn("LOGIN-DELAY", before, "login_delay_seconds = 0")
        pop.stls(context=self.server.ssl_context(verify=True))
        after = pop.capa()
        self.assertNotIn("STLS", after, "STLS must not be offered once TLS is on")
        for cap in self.AFTER_TLS:
            self.assertIn(cap, after)
        self.assertEqual(set(after["SASL"]) >= {"PLAIN", "LOGIN"}, True, after["SASL"])
        self.assertEqual(after["EXPIRE"][:1], ["NEVER"])
        # STLS twice is refused.
        self.assertTrue(status(pop, "STLS").startswith(b"-ERR"))

    def test_capa_on_implicit_tls(self):
        pop = self.server.pop3_ssl()
        self.addCleanup(quit_quietly, pop)
        caps = pop.capa()
        self.assertNotIn("STLS", caps)
        for cap in self.AFTER_TLS:
            self.assertIn(cap, caps)
        self.assertTrue(status(pop, "STLS").startswith(b"-ERR"))

    def test_capa_in_transaction_state(self):
        pop = self.login()
        caps = pop.capa()
        for cap in ("TOP", "UIDL", "PIPELINING", "EXPIRE", "RESP-CODES"):
            self.assertIn(cap, caps)
        self.assertNotIn("STLS", caps)

    def test_plaintext_user_pass_refused_before_stls(self):
        pop = self.server.pop3_plain()
        self.addCleanup(quit_quietly, pop)
        reply = status(pop, f"USER {self.user}")
        if reply.startswith(b"+OK"):
            reply = status(pop, f"PASS {self.PASSWORD}")
        self.assertTrue(reply.startswith(b"-ERR [AUTH]"), reply)
        self.assertRegex(reply, rb"STLS|995", "the refusal should say how to do it right")
        # Never reached TRANSACTION state.
        self.assertTrue(status(pop, "STAT").startswith(b"-ERR"))
        # The same connection can still upgrade and log in.
        pop.stls(context=self.server.ssl_context(verify=True))
        pop.user(self.user)
        pop.pass_(self.PASSWORD)
        self.assertEqual(pop.stat(), (0, 0))

    def test_plaintext_auth_refused_before_stls(self):
        pop = self.server.pop3_plain()
        self.addCleanup(quit_quietly, pop)
        for reply in (auth_plain(pop, self.user, self.PASSWORD), auth_login(pop, self.user, self.PASSWORD)):
            self.assertTrue(reply.startswith(b"-ERR [AUTH]"), reply)
        self.assertTrue(status(pop, "STAT").startswith(b"-ERR"))

    def test_user_pass_after_stls(self):
        pop = self.login(how="stls")
        self.assertEqual(pop.stat(), (0, 0))

    def test_auth_plain_initial_response(self):
        for how in ("stls", "tls"):
            with self.subTest(how=how):
                pop = self.server.connect(how)
                self.addCleanup(quit_quietly, pop)
                self.assertTrue(auth_plain(pop, self.user, self.PASSWORD).startswith(b"+OK"))
                self.assertEqual(pop.stat(), (0, 0))
                pop.quit()

    def test_auth_plain_with_continuation(self):
        pop = self.server.pop3_stls()
        self.addCleanup(quit_quietly, pop)
        self.assertTrue(auth_plain(pop, self.user, self.PASSWORD, initial_response=False).startswith(b"+OK"))
        self.assertEqual(pop.stat(), (0, 0))

    def test_auth_login(self):
        pop = self.server.pop3_stls()
        self.addCleanup(quit_quietly, pop)
        reply = auth_login(pop, self.user, self.PASSWORD)
        self.assertTrue(reply.startswith(b"+OK"), reply)
        self.assertEqual(pop.stat(), (0, 0))

    def test_auth_cancel_and_garbage(self):
        pop = self.server.pop3_stls()
        self.addCleanup(quit_quietly, pop)
        self.assertTrue(status(pop, "AUTH PLAIN").startswith(b"+"))
        self.assertTrue(status(pop, "*").startswith(b"-ERR"), "'*' cancels the exchange (RFC 5034)")
        self.assertTrue(status(pop, "AUTH PLAIN !!!notbase64").startswith(b"-ERR"))
        self.assertTrue(status(pop, "AUTH NOSUCHMECH").startswith(b"-ERR"))
        # Still in AUTHORIZATION and usable.
        self.assertTrue(auth_plain(pop, self.user, self.PASSWORD).startswith(b"+OK"))

    def test_wrong_password(self):
        pop = self.server.pop3_ssl()
        self.addCleanup(quit_quietly, pop)
        pop.user(self.user)
        began = time.monotonic()
        with self.assertRaises(poplib.error_proto) as caught:
            pop.pass_("wrong-password")
        elapsed = time.monotonic() - began
        self.assertIn("-ERR [AUTH]", str(caught.exception))
        self.assertGreaterEqual(elapsed, 0.045, "failure_delay_ms = 50 must delay the reply")
        stls = self.server.pop3_stls()
        self.addCleanup(quit_quietly, stls)
        reply = auth_plain(stls, self.user, "wrong-password")
        self.assertTrue(reply.startswith(b"-ERR [AUTH]"), reply)
        # Unknown user looks the same as a wrong password.
        other = self.server.pop3_ssl()
        self.addCleanup(quit_quietly, other)
        reply = status(other, "USER nobody@example.test")
        if reply.startswith(b"+OK"):
            reply = status(other, "PASS secret")
        self.assertTrue(reply.startswith(b"-ERR [AUTH]"), reply)

    def test_utf8_command(self):
        password = "pässwörd-日本"
        user = self.new_user(password=password)
        pop = self.server.pop3_ssl()
        self.addCleanup(quit_quietly, pop)
        self.assertTrue(status(pop, "UTF8").startswith(b"+OK"))
        pop.user(user)
        pop.pass_(password)  # poplib sends UTF-8
        self.assertEqual(pop.stat(), (0, 0))
        # UTF8 is an AUTHORIZATION-state command.
        self.assertTrue(status(pop, "UTF8").startswith(b"-ERR"))

    def test_utf8_password_via_auth_plain(self):
        password = "Grüße🔑"
        user = self.new_user(password=password)
        pop = self.server.pop3_ssl()
        self.addCleanup(quit_quietly, pop)
        self.assertTrue(auth_plain(pop, user, password).startswith(b"+OK"))


class RateLimitTest(ServerTestCase):
    """Failed logins are slowed down and limited per client address."""

    SERVER_KWARGS = {"auth": {"failure_delay_ms": 300, "max_failures_per_address": 3}}

    def try_login(self, password, user=None):
        """Returns the final reply (bytes) of a USER/PASS login on a fresh TLS connection."""
        try:
            pop = self.server.pop3_ssl()
        except poplib.error_proto as e:  # refused at the greeting
            return str(e).encode()
        try:
            reply = status(pop, f"USER {user or self.user}")
            if reply.startswith(b"+OK"):
                reply = status(pop, f"PASS {password}")
            return reply
        finally:
            quit_quietly(pop)

    def test_delay_and_limit(self):
        # A correct password works before any failure.
        self.assertTrue(self.try_login(self.PASSWORD).startswith(b"+OK"))
        timings = []
        for _ in range(3):
            began = time.monotonic()
            reply = self.try_login("nope")
            timings.append(time.monotonic() - began)
            self.assertTrue(reply.startswith(b"-ERR"), reply)
        self.assertGreaterEqual(min(timings), 0.28, f"failure_delay_ms = 300, got {timings}")
        # Over the limit: even the right password is refused, with a response code.
        reply = self.try_login(self.PASSWORD)
        self.assertTrue(reply.startswith(b"-ERR"), reply)
        self.assertRegex(reply, rb"^-ERR \[(AUTH|SYS/TEMP)\]")
        # The limit is per address: another account from the same address is refused too.
        other = self.new_user()
        reply = self.try_login(self.PASSWORD, user=other)
        self.assertRegex(reply, rb"^-ERR \[(AUTH|SYS/TEMP)\]")
        # AUTH PLAIN is limited as well.
        pop = self.server.pop3_stls()
        self.addCleanup(quit_quietly, pop)
        self.assertRegex(auth_plain(pop, other, self.PASSWORD), rb"^-ERR \[(AUTH|SYS/TEMP)\]")


class LoginDelayCapaTest(ServerTestCase):
    SERVER_KWARGS = {"pop3": {"login_delay_seconds": 60}}

    def test_login_delay_advertised(self):
        pop = self.server.pop3_ssl()
        self.addCleanup(quit_quietly, pop)
        caps = pop.capa()
        self.assertIn("LOGIN-DELAY", caps)
        self.assertEqual(caps["LOGIN-DELAY"][:1], ["60"])

    def test_login_delay_enforced(self):
        pop = self.login()
        pop.quit()
        again = self.server.pop3_ssl()
        self.addCleanup(quit_quietly, again)
        again.user(self.user)
        with self.assertRaises(poplib.error_proto) as caught:
            again.pass_(self.PASSWORD)
        self.assertIn("[LOGIN-DELAY]", str(caught.exception))


class ProtocolRobustnessTest(ServerTestCase):
    """Pipelining and bad input: every error is an -ERR and the connection stays usable."""

    def test_pipelining_transaction(self):
        expected = [self.deliver(simple_message(to=self.user, subject=f"p{i}")) for i in range(2)]
        pop = self.login()
        pop.sock.sendall(b"STAT\r\nLIST\r\nUIDL 1\r\nNOOP\r\nRETR 1\r\nRETR 2\r\nBOGUS\r\nSTAT\r\n")
        self.assertEqual(read_line(pop), b"+OK 2 %d\r\n" % sum(map(len, expected)))
        self.assertTrue(read_line(pop).startswith(b"+OK"))
        listing = read_multiline(pop)
        self.assertEqual(listing, b"1 %d\r\n2 %d\r\n" % (len(expected[0]), len(expected[1])))
        self.assertTrue(read_line(pop).startswith(b"+OK 1 "))
        self.assertTrue(read_line(pop).startswith(b"+OK"))
        for message in expected:
            self.assertTrue(read_line(pop).startswith(b"+OK"))
            self.assertEqual(read_multiline(pop), message)
        self.assertTrue(read_line(pop).startswith(b"-ERR"))
        self.assertEqual(read_line(pop), b"+OK 2 %d\r\n" % sum(map(len, expected)))

    def test_pipelining_login(self):
        self.deliver(simple_message(to=self.user))
        pop = self.server.pop3_ssl()
        self.addCleanup(quit_quietly, pop)
        pop.sock.sendall(f"CAPA\r\nUSER {self.user}\r\nPASS {self.PASSWORD}\r\nSTAT\r\nQUIT\r\n".encode())
        self.assertTrue(read_line(pop).startswith(b"+OK"))
        self.assertIn(b"PIPELINING\r\n", read_multiline(pop))
        self.assertTrue(read_line(pop).startswith(b"+OK"))
        self.assertTrue(read_line(pop).startswith(b"+OK"))
        self.assertTrue(read_line(pop).startswith(b"+OK 1 "))
        self.assertTrue(read_line(pop).startswith(b"+OK"))
        self.assertEqual(pop.file.read(), b"", "connection closes after QUIT")

    def test_unknown_command(self):
        pop = self.login()
        for line in ("FROBNICATE", "XYZZY 1 2 3", "RETRX 1", ""):
            with self.subTest(line=line):
                self.assertTrue(status(pop, line).startswith(b"-ERR"))
        self.assertTrue(pop.noop().startswith(b"+OK"))

    def test_unknown_command_before_login(self):
        pop = self.server.pop3_plain()
        self.addCleanup(quit_quietly, pop)
        self.assertTrue(status(pop, "FROBNICATE").startswith(b"-ERR"))
        self.assertTrue(status(pop, "STAT").startswith(b"-ERR"), "STAT before login")
        self.assertTrue(status(pop, "RETR 1").startswith(b"-ERR"), "RETR before login")
        self.assertTrue(status(pop, "PASS x").startswith(b"-ERR"), "PASS without USER")
        pop.stls(context=self.server.ssl_context(verify=True))
        pop.user(self.user)
        pop.pass_(self.PASSWORD)

    def test_too_long_line(self):
        pop = self.login()
        pop.sock.sendall(b"NOOP " + b"A" * 100_000 + b"\r\n")
        reply = read_line(pop)
        self.assertTrue(reply.startswith(b"-ERR"), reply[:100])
        self.assertTrue(pop.noop().startswith(b"+OK"), "connection must stay usable")
        self.assertEqual(pop.stat(), (0, 0))

    def test_too_long_line_before_login(self):
        pop = self.server.pop3_ssl()
        self.addCleanup(quit_quietly, pop)
        pop.sock.sendall(b"USER " + b"a" * 20_000 + b"@example.test\r\n")
        self.assertTrue(read_line(pop).startswith(b"-ERR"))
        pop.user(self.user)
        pop.pass_(self.PASSWORD)
        self.assertEqual(pop.stat(), (0, 0))

    def test_bad_message_numbers(self):
        self.deliver(simple_message(to=self.user))
        pop = self.login()
        for line in ("RETR 0", "RETR 2", "RETR 999999", "RETR -1", "RETR abc", "RETR", "RETR 1 2",
                     "RETR 99999999999999999999999", "DELE 0", "DELE 2", "LIST 2", "LIST x", "UIDL 2",
                     "UIDL 0", "TOP 2 0"):
            with self.subTest(line=line):
                self.assertTrue(status(pop, line).startswith(b"-ERR"), line)
        self.assertEqual(pop.stat()[0], 1, "nothing was deleted by the bad commands")
        self.assertTrue(pop.noop().startswith(b"+OK"))

    def test_commands_are_case_insensitive(self):
        self.deliver(simple_message(to=self.user))
        pop = self.login()
        self.assertTrue(status(pop, "stat").startswith(b"+OK 1 "))
        self.assertTrue(status(pop, "NoOp").startswith(b"+OK"))

    def test_binary_garbage(self):
        pop = self.login()
        pop.sock.sendall(b"\x00\xff\xfe garbage \x01\r\n")
        self.assertTrue(read_line(pop).startswith(b"-ERR"))
        self.assertTrue(pop.noop().startswith(b"+OK"))

    def test_quit_in_authorization_state(self):
        pop = self.server.pop3_ssl()
        self.assertTrue(pop.quit().startswith(b"+OK"))

    def test_abrupt_tls_close_then_login(self):
        sock = socket.create_connection(("127.0.0.1", self.server.port("tls")), timeout=10)
        sock.sendall(b"\x16\x03\x01\x00\x05hello")  # truncated ClientHello
        sock.close()
        pop = self.login()
        self.assertEqual(pop.stat(), (0, 0))


if __name__ == "__main__":
    unittest.main()
