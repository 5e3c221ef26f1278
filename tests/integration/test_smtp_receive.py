"""Receiving mail on the port-25 listener (service "smtp"): RFC 5321 and its extensions, no open
relay, quotas, SMTP smuggling, STARTTLS, and SPF/DKIM/DMARC recorded in Authentication-Results.

Clients: Python's smtplib, swaks, and a raw socket where byte-exactness matters. Mail is read
back over POP3 (INBOX); "filed in Junk" is seen as: not in INBOX, yet the account's message
count (`postroom quota show`, all mailboxes) went up.
"""

import os
import smtplib
import unittest

from harness import DOMAIN
from smtp_harness import (SmtpTestCase, auth_results, dkim_tool, dot_stuff,
                          header_values, make_message, openssl_rsa_key, run_swaks, smtplib_reply,
                          swaks_replies)

MAX_BYTES = 1_000_000
MAX_RCPTS = 5
MAX_ERRORS = 10
DKIM_SELECTOR = "sel1"

SPF_PASS = "v=spf1 ip4:127.0.0.1 -all"
SPF_FAIL = "v=spf1 ip4:192.0.2.1 -all"
SPF_SOFT = "v=spf1 ip4:192.0.2.1 ~all"


def eight_bit_body():
    return ("Grüße aus Köln — naïve café, 日本語, 📬\r\n"
            ".a line starting with a dot\r\n"
            ".\r\n"
            "..\r\n"
            "last line\r\n").encode("utf-8")


class ReceiveTest(SmtpTestCase):
    SERVER_KWARGS = {
        "limits": {"max_message_bytes": MAX_BYTES},
        "smtp": {"max_recipients": MAX_RCPTS, "max_errors": MAX_ERRORS, "bare_newline": "reject",
                 "check_inbound": True, "spf_fail_action": "mark", "dmarc_fail_action": "policy"},
    }
    DNS_TXT = {
        "spfpass.test": SPF_PASS,
        "_dmarc.spfpass.test": "v=DMARC1; p=reject",
        "spffail.test": SPF_FAIL,
        "spfsoft.test": SPF_SOFT,
        "dmarcreject.test": SPF_FAIL,
        "_dmarc.dmarcreject.test": "v=DMARC1; p=reject",
        "dmarcquar.test": SPF_FAIL,
        "_dmarc.dmarcquar.test": "v=DMARC1; p=quarantine",
        "dmarcnone.test": SPF_FAIL,
        "_dmarc.dmarcnone.test": "v=DMARC1; p=none",
        "_dmarc.dkimok.test": "v=DMARC1; p=reject",
        "_dmarc.dkimnone.test": "v=DMARC1; p=none",
    }

    @classmethod
    def prepare_dns_txt(cls):
        cls.dkim_key = os.path.join(cls.server.tmp, "test-dkim.pem")
        p = openssl_rsa_key(cls.dkim_key)
        record = f"v=DKIM1; k=rsa; p={p}"
        return {f"{DKIM_SELECTOR}._domainkey.dkimok.test": record,
                f"{DKIM_SELECTOR}._domainkey.dkimnone.test": record}

    # ---- helpers

    def transaction(self, sender, recipients, message, mail_options=(), service="smtp", starttls=False):
        """One smtplib transaction: returns ([RCPT Reply...], DATA Reply or None)."""
        s = self.server.smtp(service)
        try:
            if starttls:
                s.starttls(context=self.server.ssl_context(verify=True))
            s.ehlo()
            self.assertReply(s.mail(sender, list(mail_options)), 250)
            rcpt = [smtplib_reply(s.rcpt(r)) for r in recipients]
            data = None
            if any(r.code == 250 for r in rcpt):
                try:
                    data = smtplib_reply(s.data(message))
                except smtplib.SMTPDataError as e:
                    data = smtplib_reply((e.smtp_code, e.smtp_error))
            s.quit()
            return rcpt, data
        finally:
            s.close()

    def send_ok(self, sender, recipient, message, **kwargs):
        rcpt, data = self.transaction(sender, [recipient], message, **kwargs)
        self.assertReply(rcpt[0], 250, "2.1.5")
        self.assertReply(data, 250, "2.0.0")
        return data

    def only_message(self, address=None):
        messages = self.server.fetch_all(address or self.user)
        self.assertEqual(len(messages), 1, f"want exactly one message in {address or self.user}")
        return messages[0]

    # ---- EHLO and plain delivery

    def test_greeting_and_ehlo_extensions(self):
        raw = self.server.raw("smtp")
        try:
            self.assertEqual(raw.greeting.code, 220)
            self.assertIn("mail.test", raw.greeting.lines[0])
            r, features = raw.ehlo()
            self.assertEqual(r.code, 250)
            for keyword in ("PIPELINING", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "CHUNKING",
                            "BINARYMIME", "DSN", "STARTTLS", "SIZE"):
                self.assertIn(keyword, features, f"EHLO lacks {keyword}: {r.lines!r}")
            self.assertEqual(features["SIZE"], str(MAX_BYTES))
            self.assertNotIn("AUTH", features, "port 25 offers AUTH; only submission should")
            # HELO still works (RFC 5321 §4.1.1.1) and resets nothing fatal.
            self.assertEqual(raw.cmd("HELO client.test").code, 250)
            self.assertReply(raw.cmd("NOOP"), 250)
            self.assertReply(raw.cmd("QUIT"), 221)
            self.assertTrue(raw.expect_closed())
        finally:
            raw.close()

    def test_local_delivery_byte_for_byte(self):
        message = make_message("someone@nospf.test", self.user, subject="8bit", body=eight_bit_body())
        rcpt, data = self.transaction("someone@nospf.test", [self.user], message,
                                      mail_options=("BODY=8BITMIME",))
        self.assertReply(rcpt[0], 250, "2.1.5")
        self.assertReply(data, 250, "2.0.0")
        stored = self.only_message()
        fields = self.assertDeliveredIntact(stored, message)
        names = [n.lower() for n, _ in fields]
        self.assertIn("authentication-results", names, f"no Authentication-Results added: {fields!r}")
        results = auth_results(stored, "mail.test")
        for method in ("spf", "dkim", "dmarc"):
            self.assertIn(method, results, f"Authentication-Results lacks {method}=: {results.get('_raw')!r}")
        self.assertEqual(results["spf"], "none")
        self.assertEqual(results["dkim"], "none")
        received = header_values(stored, "Received")[0]
        self.assertRegex(received, r"\bwith E?SMTP", received)
        self.assertIn("127.0.0.1", received)

    def test_swaks_delivery(self):
        message = make_message("swaks@nospf.test", self.user, subject="swaks")
        path = os.path.join(self.server.tmp, f"swaks-{self.user}.eml")
        with open(path, "wb") as f:
            f.write(message[:-2])  # swaks ends the data with CRLF "." itself (it would add a line)
        result = run_swaks(["--server", f"127.0.0.1:{self.server.listener_port('smtp')}",
                            "--ehlo", "client.test", "--from", "swaks@nospf.test", "--to", self.user,
                            "--data", path])
        self.assertEqual(result.returncode, 0, result.stdout)
        self.assertTrue(any(r.startswith("250 ") and "2.0.0" in r for r in swaks_replies(result.stdout)),
                        result.stdout)
        stored = self.only_message()
        self.assertDeliveredIntact(stored, message)

    def test_unknown_local_user(self):
        raw = self.server.raw("smtp")
        try:
            raw.ehlo()
            self.assertReply(raw.cmd("MAIL FROM:<x@nospf.test>"), 250, "2.1.0")
            self.assertReply(raw.cmd(f"RCPT TO:<nosuchuser@{DOMAIN}>"), 550, "5.1.1")
            # The transaction goes on: a good recipient is still accepted.
            self.assertReply(raw.cmd(f"RCPT TO:<{self.user}>"), 250, "2.1.5")
            self.assertReply(raw.cmd("RSET"), 250)
        finally:
            raw.close()

    def test_no_open_relay(self):
        raw = self.server.raw("smtp")
        try:
            raw.ehlo()
            # Even with a local sender address: port 25 is not for relaying.
            self.assertReply(raw.cmd(f"MAIL FROM:<{self.user}>"), 250)
            for foreign in ("victim@remote.test", "victim@gmail.example", f"x@sub.{DOMAIN}"):
                r = raw.cmd(f"RCPT TO:<{foreign}>")
                self.assertIn(r.code, (550, 554), f"{foreign}: {r!r}")
                self.assertEqual(r.enhanced, "5.7.1", f"{foreign}: {r!r}")
            # Source-routed and %-hack forms must not relay either.
            for trick in (f"<@{DOMAIN}:victim@remote.test>", f"<victim%remote.test@{DOMAIN}>"):
                r = raw.cmd(f"RCPT TO:{trick}")
                self.assertGreaterEqual(r.code, 500, f"{trick}: {r!r}")
            # RFC 5321 §3.3: 503 (out of sequence) or 554 (no valid recipients).
            self.assertIn(raw.cmd("DATA").code, (503, 554), "DATA without any accepted recipient")
        finally:
            raw.close()

    def test_alias_delivery(self):
        alias = f"alias-{self.user}"
        self.server.cli("alias", "add", alias, self.user)
        message = make_message("a@nospf.test", alias, subject="alias")
        self.send_ok("a@nospf.test", alias, message)
        stored = self.only_message()
        self.assertDeliveredIntact(stored, message)

    def test_multiple_recipients_one_transaction(self):
        others = [self.new_user(), self.new_user()]
        recipients = [self.user] + others
        message = make_message("multi@nospf.test", recipients, subject="multi")
        rcpt, data = self.transaction("multi@nospf.test", recipients, message)
        for r in rcpt:
            self.assertReply(r, 250, "2.1.5")
        self.assertReply(data, 250, "2.0.0")
        for address in recipients:
            stored = self.only_message(address)
            self.assertDeliveredIntact(stored, message)

    def test_size_refused_at_mail_and_after_data(self):
        raw = self.server.raw("smtp")
        try:
            raw.ehlo()
            self.assertReply(raw.cmd(f"MAIL FROM:<big@nospf.test> SIZE={MAX_BYTES + 1}"), 552, "5.3.4")
            self.assertReply(raw.cmd(f"MAIL FROM:<big@nospf.test> SIZE={MAX_BYTES - 5000}"), 250)
            self.assertReply(raw.cmd("RSET"), 250)
        finally:
            raw.close()
        # Without SIZE the server notices during DATA and refuses the whole message.
        big = make_message("big@nospf.test", self.user, subject="big",
                           body=(b"x" * 998 + b"\r\n") * (MAX_BYTES // 1000 + 10))
        rcpt, data = self.transaction("big@nospf.test", [self.user], big)
        self.assertReply(rcpt[0], 250)
        self.assertReply(data, 552, "5.3.4")
        self.assertEqual(self.server.fetch_all(self.user), [])

    # ---- PIPELINING, CHUNKING

    def test_pipelining_raw(self):
        message = make_message("pipe@nospf.test", self.user, subject="pipelined")
        raw = self.server.raw("smtp")
        try:
            raw.ehlo()
            raw.send(f"MAIL FROM:<pipe@nospf.test>\r\nRCPT TO:<{self.user}>\r\n"
                     f"RCPT TO:<nosuch@{DOMAIN}>\r\nDATA\r\n".encode())
            self.assertReply(raw.reply(), 250, "2.1.0")
            self.assertReply(raw.reply(), 250, "2.1.5")
            self.assertReply(raw.reply(), 550, "5.1.1")
            self.assertEqual(raw.reply().code, 354)
            # Message, end marker and the next transaction in one write.
            raw.send(dot_stuff(message) + b"MAIL FROM:<pipe2@nospf.test>\r\n"
                     b"RSET\r\nQUIT\r\n")
            self.assertReply(raw.reply(), 250, "2.0.0")
            self.assertReply(raw.reply(), 250, "2.1.0")
            self.assertReply(raw.reply(), 250)
            self.assertReply(raw.reply(), 221)
        finally:
            raw.close()
        self.assertDeliveredIntact(self.only_message(), message)

    def test_swaks_pipeline(self):
        result = run_swaks(["--server", f"127.0.0.1:{self.server.listener_port('smtp')}", "--pipeline",
                            "--ehlo", "client.test", "--from", "swp@nospf.test", "--to", self.user,
                            "--header", "Subject: swaks pipelined", "--body", "pipelined body"])
        self.assertEqual(result.returncode, 0, result.stdout)
        stored = self.only_message()
        self.assertIn(b"pipelined body", stored)
        self.assertIn(b"Subject: swaks pipelined", stored)

    def test_chunking_bdat(self):
        body = b".not stuffed\r\n.\r\n..\r\nmid\r\n" + "ünïcödé\r\n".encode()
        message = make_message("chunk@nospf.test", self.user, subject="bdat", body=body)
        first, second = message[:37], message[37:]
        raw = self.server.raw("smtp")
        try:
            raw.ehlo()
            self.assertReply(raw.cmd("MAIL FROM:<chunk@nospf.test> BODY=BINARYMIME"), 250)
            self.assertReply(raw.cmd(f"RCPT TO:<{self.user}>"), 250)
            raw.send(f"BDAT {len(first)}\r\n".encode() + first)
            self.assertReply(raw.reply(), 250)
            # The last chunk and the next command pipelined together (RFC 3030 allows it).
            raw.send(f"BDAT {len(second)} LAST\r\n".encode() + second + b"NOOP\r\n")
            self.assertReply(raw.reply(), 250, "2.0.0")
            self.assertReply(raw.reply(), 250)
            # BINARYMIME content must come by BDAT, never DATA.
            self.assertReply(raw.cmd("MAIL FROM:<chunk@nospf.test> BODY=BINARYMIME"), 250)
            self.assertReply(raw.cmd(f"RCPT TO:<{self.user}>"), 250)
            self.assertGreaterEqual(raw.cmd("DATA").code, 500)
            self.assertReply(raw.cmd("RSET"), 250)
            # An empty LAST chunk ends a message too.
            self.assertReply(raw.cmd("MAIL FROM:<chunk@nospf.test>"), 250)
            self.assertReply(raw.cmd(f"RCPT TO:<{self.user}>"), 250)
            raw.send(f"BDAT {len(message)}\r\n".encode() + message)
            self.assertReply(raw.reply(), 250)
            self.assertReply(raw.cmd("BDAT 0 LAST"), 250, "2.0.0")
        finally:
            raw.close()
        messages = self.server.fetch_all(self.user)
        self.assertEqual(len(messages), 2)
        for stored in messages:
            self.assertDeliveredIntact(stored, message)

    # ---- SMTP smuggling and bare line endings

    def test_smuggling_bare_lf_dot_does_not_end_data(self):
        victim = self.new_user()
        for ending in (b"\n.\n", b"\r\n.\n", b"\n.\r\n", b"\r.\r\n", b"\r\n.\r"):
            with self.subTest(ending=ending):
                raw = self.server.raw("smtp")
                try:
                    raw.ehlo()
                    self.assertReply(raw.cmd("MAIL FROM:<smuggler@nospf.test>"), 250)
                    self.assertReply(raw.cmd(f"RCPT TO:<{self.user}>"), 250)
                    self.assertEqual(raw.cmd("DATA").code, 354)
                    raw.send(b"From: smuggler@nospf.test\r\nSubject: outer\r\n\r\nouter body" + ending +
                             b"MAIL FROM:<admin@" + DOMAIN.encode() + b">\r\n"
                             b"RCPT TO:<" + victim.encode() + b">\r\n"
                             b"DATA\r\n"
                             b"From: admin@" + DOMAIN.encode() + b"\r\nSubject: smuggled\r\n\r\nsmuggled\r\n"
                             b".\r\n")
                    # Exactly one reply, for the whole thing: refused for the bare CR/LF.
                    self.assertReply(raw.reply(), 550, "5.5.2")
                    # Nothing else was queued up as commands: the next reply is NOOP's.
                    r = raw.cmd("NOOP")
                    self.assertReply(r, 250)
                    self.assertEqual(r.enhanced, "2.0.0", f"a smuggled command answered? {r!r}")
                finally:
                    raw.close()
        self.assertEqual(self.server.fetch_all(victim), [], "smuggled message delivered")
        self.assertEqual(self.server.fetch_all(self.user), [], "message with bare LF delivered")

    def test_bare_lf_rejected_connection_kept(self):
        raw = self.server.raw("smtp")
        try:
            raw.ehlo()
            self.assertReply(raw.cmd("MAIL FROM:<lf@nospf.test>"), 250)
            self.assertReply(raw.cmd(f"RCPT TO:<{self.user}>"), 250)
            self.assertEqual(raw.cmd("DATA").code, 354)
            raw.send(b"Subject: bare lf\r\n\r\nline one\nline two\r\n.\r\n")
            self.assertReply(raw.reply(), 550, "5.5.2")
            # Same connection, proper CRLF message: accepted.
            message = make_message("lf@nospf.test", self.user, subject="crlf")
            self.assertReply(raw.cmd("MAIL FROM:<lf@nospf.test>"), 250)
            self.assertReply(raw.cmd(f"RCPT TO:<{self.user}>"), 250)
            self.assertEqual(raw.cmd("DATA").code, 354)
            raw.send(dot_stuff(message))
            self.assertReply(raw.reply(), 250, "2.0.0")
        finally:
            raw.close()
        self.assertDeliveredIntact(self.only_message(), message)

    # ---- limits

    def test_max_recipients(self):
        users = [self.user] + [self.new_user() for _ in range(MAX_RCPTS - 1)]
        extra = self.new_user()
        message = make_message("many@nospf.test", users, subject="many")
        raw = self.server.raw("smtp")
        try:
            raw.ehlo()
            self.assertReply(raw.cmd("MAIL FROM:<many@nospf.test>"), 250)
            for address in users:
                self.assertReply(raw.cmd(f"RCPT TO:<{address}>"), 250)
            self.assertReply(raw.cmd(f"RCPT TO:<{extra}>"), 452, "4.5.3")
            self.assertEqual(raw.cmd("DATA").code, 354)
            raw.send(dot_stuff(message))
            self.assertReply(raw.reply(), 250, "2.0.0")
        finally:
            raw.close()
        for address in users:
            self.assertEqual(len(self.server.fetch_all(address)), 1, address)
        self.assertEqual(self.server.fetch_all(extra), [])

    def test_quota_full_is_temporary(self):
        self.server.cli("quota", "set", self.user, 0, 1)
        self.server.deliver(self.user, make_message("x@nospf.test", self.user, subject="fills quota"))
        raw = self.server.raw("smtp")
        try:
            raw.ehlo()
            self.assertReply(raw.cmd("MAIL FROM:<q@nospf.test>"), 250)
            self.assertReply(raw.cmd(f"RCPT TO:<{self.user}>"), 452, "4.2.2")
        finally:
            raw.close()
        self.assertEqual(self.server.usage(self.user)[1], 1)

    def test_quota_never_fits(self):
        self.server.cli("quota", "set", self.user, 3000, 0)
        raw = self.server.raw("smtp")
        try:
            raw.ehlo()
            # With SIZE the server can tell at RCPT that it will never fit.
            self.assertReply(raw.cmd("MAIL FROM:<q@nospf.test> SIZE=10000"), 250)
            self.assertReply(raw.cmd(f"RCPT TO:<{self.user}>"), 552, "5.2.2")
            self.assertReply(raw.cmd("RSET"), 250)
            # Without SIZE it learns it after DATA.
            message = make_message("q@nospf.test", self.user, subject="too big for quota",
                                   body=b"y" * 70 + b"\r\n" * 1 + (b"z" * 70 + b"\r\n") * 100)
            self.assertReply(raw.cmd("MAIL FROM:<q@nospf.test>"), 250)
            self.assertReply(raw.cmd(f"RCPT TO:<{self.user}>"), 250)
            self.assertEqual(raw.cmd("DATA").code, 354)
            raw.send(dot_stuff(message))
            self.assertReply(raw.reply(), 552, "5.2.2")
        finally:
            raw.close()
        self.assertEqual(self.server.usage(self.user)[1], 0)

    # ---- errors

    def test_bad_commands_keep_the_session(self):
        raw = self.server.raw("smtp")
        try:
            r = raw.cmd("FROBNICATE now")
            self.assertEqual(r.code, 500, r)
            self.assertTrue(r.enhanced and r.enhanced.startswith("5.5."), r)
            raw.ehlo()
            r = raw.cmd(f"RCPT TO:<{self.user}>")
            self.assertReply(r, 503, "5.5.1")
            self.assertReply(raw.cmd("DATA"), 503, "5.5.1")
            r = raw.cmd("MAIL FROM:<unterminated@nospf.test")
            self.assertEqual(r.code, 501, r)
            self.assertTrue(r.enhanced and r.enhanced.startswith("5."), r)
            r = raw.cmd("MAIL FROM:<a@nospf.test> NOSUCHPARAM=1")
            self.assertEqual(r.code, 555, r)
            self.assertEqual(r.enhanced, "5.5.4", r)
            r = raw.cmd("MAIL FROM:<a@nospf.test> " + "X" * 2000)
            self.assertIn(r.code, (500, 501, 555), r)
            self.assertTrue(r.enhanced and r.enhanced.startswith("5."), r)
            self.assertReply(raw.cmd("MAIL FROM:<a@nospf.test>"), 250)
            self.assertReply(raw.cmd("MAIL FROM:<a@nospf.test>"), 503, "5.5.1")  # nested MAIL
            self.assertReply(raw.cmd("RSET"), 250)
            self.assertReply(raw.cmd("VRFY " + self.user), (252, 502, 550))
            self.assertReply(raw.cmd("NOOP"), 250)
        finally:
            raw.close()

    def test_too_many_errors_closes_with_421(self):
        raw = self.server.raw("smtp")
        try:
            raw.ehlo()
            codes = []
            closed = False
            for _ in range(MAX_ERRORS + 3):
                try:
                    r = raw.cmd("BOGUS")
                except (ConnectionError, OSError):
                    closed = True
                    break
                codes.append(r.code)
                if r.code == 421:
                    self.assertTrue(r.enhanced and r.enhanced.startswith("4."), r)
                    closed = raw.expect_closed()
                    break
            self.assertIn(421, codes, f"no 421 after {len(codes)} bad commands: {codes}")
            self.assertGreaterEqual(codes.index(421), MAX_ERRORS - 1,
                                    f"closed too early (max_errors={MAX_ERRORS}): {codes}")
            self.assertTrue(closed, "connection still open after 421")
        finally:
            raw.close()

    # ---- STARTTLS

    def test_starttls(self):
        message = make_message("tls@nospf.test", self.user, subject="over tls")
        s = self.server.smtp("smtp")
        try:
            s.ehlo()
            self.assertTrue(s.has_extn("starttls"))
            code, _ = s.starttls(context=self.server.ssl_context(verify=True))
            self.assertEqual(code, 220)
            self.assertIsNotNone(s.sock.version())
            s.ehlo()
            self.assertFalse(s.has_extn("starttls"), "STARTTLS offered again after TLS")
            self.assertEqual(s.sendmail("tls@nospf.test", [self.user], message), {})
            s.quit()
        finally:
            s.close()
        stored = self.only_message()
        self.assertDeliveredIntact(stored, message)
        self.assertRegex(header_values(stored, "Received")[0], r"\bwith ESMTPS\b")

    def test_starttls_discards_pipelined_plaintext(self):
        """CVE-2011-0411: commands sent in plaintext after STARTTLS must not run inside TLS."""
        raw = self.server.raw("smtp")
        try:
            raw.ehlo()
            raw.send(b"STARTTLS\r\nMAIL FROM:<inject@nospf.test>\r\n")
            self.assertEqual(raw.reply().code, 220)
            raw.sock = self.server.ssl_context(verify=True).wrap_socket(raw.sock)
            raw.file = raw.sock.makefile("rb")
            r, features = raw.ehlo()
            self.assertEqual(r.code, 250, f"first reply in TLS is not EHLO's: {r!r}")
            self.assertIn("PIPELINING", features, f"first reply in TLS is not EHLO's: {r!r}")
            # No MAIL transaction was started by the injected line.
            self.assertReply(raw.cmd("MAIL FROM:<real@nospf.test>"), 250, "2.1.0")
        finally:
            raw.close()

    # ---- SPF, DKIM, DMARC

    def check_results(self, sender, expect, subject=None, extra_headers=b""):
        message = make_message(sender, self.user, subject=subject or f"auth {sender}",
                               extra_headers=extra_headers)
        self.send_ok(sender, self.user, message)
        stored = self.only_message()
        results = auth_results(stored, "mail.test")
        self.assertTrue(results, f"no Authentication-Results by mail.test in {stored[:800]!r}")
        for method, value in expect.items():
            self.assertEqual(results.get(method), value, f"{method} in {results['_raw']!r}")
        return stored, results

    def test_spf_pass_and_dmarc_pass(self):
        _, results = self.check_results("alice@spfpass.test", {"spf": "pass", "dmarc": "pass"})
        self.assertIn("spfpass.test", results["_raw"])

    def test_spf_fail_marked(self):
        self.check_results("alice@spffail.test", {"spf": "fail", "dmarc": "none"})

    def test_spf_softfail(self):
        self.check_results("alice@spfsoft.test", {"spf": "softfail"})

    def test_spf_none(self):
        self.check_results("alice@nospf.test", {"spf": "none", "dmarc": "none"})

    def test_dmarc_none_policy_delivers_with_fail(self):
        self.check_results("alice@dmarcnone.test", {"spf": "fail", "dmarc": "fail"})

    def test_dmarc_reject_policy(self):
        message = make_message("alice@dmarcreject.test", self.user, subject="dmarc reject")
        rcpt, data = self.transaction("alice@dmarcreject.test", [self.user], message)
        self.assertReply(rcpt[0], 250)
        self.assertEqual(data.code, 550, data)
        self.assertTrue(data.enhanced in ("5.7.1", "5.7.26"), data)
        self.assertEqual(self.server.fetch_all(self.user), [])
        self.assertEqual(self.server.usage(self.user)[1], 0)

    def test_dmarc_quarantine_goes_to_junk(self):
        before = self.server.usage(self.user)[1]
        message = make_message("alice@dmarcquar.test", self.user, subject="dmarc quarantine")
        self.send_ok("alice@dmarcquar.test", self.user, message)
        self.assertEqual(self.server.fetch_all(self.user), [], "quarantined mail in INBOX")
        self.assertEqual(self.server.usage(self.user)[1], before + 1, "quarantined mail not stored at all")

    def signed(self, domain, tamper=False, sender=None):
        sender = sender or f"signer@{domain}"
        message = make_message(sender, self.user, subject=f"dkim {domain}")
        args = ["sign", "--key", self.dkim_key, "--domain", domain, "--selector", DKIM_SELECTOR]
        result = dkim_tool(*(args + (["--tamper"] if tamper else [])), input=message)
        self.assertEqual(result.returncode, 0, result.stderr)
        return sender, result.stdout

    def test_dkim_pass_aligns_dmarc(self):
        sender, message = self.signed("dkimok.test")
        self.send_ok(sender, self.user, message)
        stored = self.only_message()
        self.assertDeliveredIntact(stored, message)
        results = auth_results(stored, "mail.test")
        self.assertEqual(results.get("dkim"), "pass", results.get("_raw"))
        self.assertEqual(results.get("dmarc"), "pass", results.get("_raw"))
        self.assertIn("header.d=dkimok.test", results["_raw"])

    def test_dkim_fail_with_dmarc_reject(self):
        sender, message = self.signed("dkimok.test", tamper=True)
        rcpt, data = self.transaction(sender, [self.user], message)
        self.assertEqual(data.code, 550, data)
        self.assertEqual(self.server.fetch_all(self.user), [])

    def test_dkim_fail_marked(self):
        sender, message = self.signed("dkimnone.test", tamper=True)
        self.send_ok(sender, self.user, message)
        results = auth_results(self.only_message(), "mail.test")
        self.assertEqual(results.get("dkim"), "fail", results.get("_raw"))
        self.assertEqual(results.get("dmarc"), "fail", results.get("_raw"))

    def test_forged_authentication_results_removed(self):
        forged = b"Authentication-Results: mail.test; spf=pass smtp.mailfrom=spffail.test; dkim=pass; dmarc=pass\r\n"
        stored, results = self.check_results("alice@spffail.test", {"spf": "fail"}, extra_headers=forged)
        ours = [v for v in header_values(stored, "Authentication-Results")
                if v.split(";")[0].strip().lower() == "mail.test"]
        self.assertEqual(len(ours), 1, f"forged Authentication-Results kept: {ours!r}")


class NormalizeBareNewlineTest(SmtpTestCase):
    """bare_newline = "normalize": bare LF becomes CRLF, and still only CRLF.CRLF ends DATA."""

    SERVER_KWARGS = {"smtp": {"bare_newline": "normalize", "check_inbound": False}}
    USE_DNS = False

    def test_smuggling_stays_inside_the_message(self):
        victim = self.new_user()
        raw = self.server.raw("smtp")
        try:
            raw.ehlo()
            self.assertReply(raw.cmd("MAIL FROM:<smuggler@nospf.test>"), 250)
            self.assertReply(raw.cmd(f"RCPT TO:<{self.user}>"), 250)
            self.assertEqual(raw.cmd("DATA").code, 354)
            raw.send(b"Subject: outer\r\n\r\nouter body\n.\n"
                     b"MAIL FROM:<admin@" + DOMAIN.encode() + b">\r\n"
                     b"RCPT TO:<" + victim.encode() + b">\r\n"
                     b"DATA\r\n"
                     b"Subject: smuggled\r\n\r\nsmuggled\r\n"
                     b".\r\n")
            self.assertReply(raw.reply(), 250, "2.0.0")
            r = raw.cmd("NOOP")
            self.assertReply(r, 250, "2.0.0")
        finally:
            raw.close()
        self.assertEqual(self.server.fetch_all(victim), [], "smuggled message delivered")
        messages = self.server.fetch_all(self.user)
        self.assertEqual(len(messages), 1)
        _, body = messages[0].split(b"\r\n\r\n", 1)
        self.assertNotIn(b"\n", body.replace(b"\r\n", b""), "bare LF stored")
        # "\n.\n" was normalised to CRLF "." CRLF inside the body and the rest kept.
        self.assertIn(b"outer body\r\n.\r\nMAIL FROM:<admin@", body)
        self.assertIn(b"smuggled\r\n", body)


if __name__ == "__main__":
    unittest.main()
