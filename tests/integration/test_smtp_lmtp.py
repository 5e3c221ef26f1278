"""LMTP (RFC 2033) on a plain listener: LHLO, and one reply per accepted recipient after the
message, so one recipient can succeed while another fails.

Clients: smtplib.LMTP (its sendmail() reads only the first reply after DATA, so the
per-recipient replies are read with getreply()), swaks --protocol LMTP, a raw socket.
"""

import re
import unittest

from harness import DOMAIN
from smtp_harness import (SmtpTestCase, dot_stuff, make_message, run_swaks, smtplib_reply)


class LmtpTest(SmtpTestCase):
    SERVER_KWARGS = {"smtp": {"check_inbound": False}}
    USE_DNS = False

    def only_message(self, address):
        messages = self.server.fetch_all(address)
        self.assertEqual(len(messages), 1, f"want exactly one message in {address}")
        return messages[0]

    def test_lhlo_and_ehlo(self):
        raw = self.server.raw("lmtp")
        try:
            self.assertEqual(raw.greeting.code, 220)
            self.assertIn("LMTP", raw.greeting.text.upper())
            # EHLO/HELO are not LMTP (RFC 2033 §4.1).
            r = raw.cmd("EHLO client.test")
            self.assertGreaterEqual(r.code, 500, r)
            r, features = raw.ehlo(verb="LHLO")
            self.assertEqual(r.code, 250)
            for keyword in ("PIPELINING", "ENHANCEDSTATUSCODES", "8BITMIME"):
                self.assertIn(keyword, features)
            self.assertNotIn("STARTTLS", features, "plain LMTP listener offers STARTTLS")
        finally:
            raw.close()

    def test_one_reply_per_recipient(self):
        a, b = self.user, self.new_user()
        message = make_message("sender@remote.test", [a, b], subject="lmtp two")
        lmtp = self.server.smtp("lmtp")
        try:
            code, _ = lmtp.ehlo()  # smtplib.LMTP sends LHLO here
            self.assertEqual(code, 250)
            self.assertReply(lmtp.mail("sender@remote.test"), 250)
            self.assertReply(lmtp.rcpt(a), 250, "2.1.5")
            self.assertReply(lmtp.rcpt(b), 250, "2.1.5")
            first = smtplib_reply(lmtp.data(message))
            second = smtplib_reply(lmtp.getreply())
            self.assertReply(first, 250, "2.0.0")
            self.assertReply(second, 250, "2.0.0")
            # Nothing more is pending: the next reply belongs to NOOP.
            self.assertReply(lmtp.noop(), 250)
            lmtp.quit()
        finally:
            lmtp.close()
        for address in (a, b):
            self.assertDeliveredIntact(self.only_message(address), message)

    def test_unknown_recipient_refused_at_rcpt(self):
        message = make_message("sender@remote.test", self.user, subject="lmtp unknown")
        lmtp = self.server.smtp("lmtp")
        try:
            lmtp.ehlo()
            self.assertReply(lmtp.mail("sender@remote.test"), 250)
            self.assertReply(lmtp.rcpt(self.user), 250)
            self.assertReply(lmtp.rcpt(f"nosuch@{DOMAIN}"), 550, "5.1.1")
            # Only accepted recipients get a reply after DATA: exactly one here.
            self.assertReply(smtplib_reply(lmtp.data(message)), 250, "2.0.0")
            r = smtplib_reply(lmtp.noop())
            self.assertReply(r, 250)
            self.assertEqual(r.enhanced, "2.0.0", f"an extra DATA reply was pending: {r!r}")
        finally:
            lmtp.close()
        self.assertEqual(len(self.server.fetch_all(self.user)), 1)

    def test_per_recipient_quota_failure_after_data(self):
        ok, small, full = self.user, self.new_user(), self.new_user()
        # `small` can never hold this message (bytes); `full` is at its message quota now.
        self.server.cli("quota", "set", small, 2000, 0)
        self.server.cli("quota", "set", full, 0, 1)
        body = ("z" * 70 + "\r\n").encode() * 100
        message = make_message("sender@remote.test", [ok, small], subject="lmtp quota", body=body)
        raw = self.server.raw("lmtp")
        try:
            raw.ehlo(verb="LHLO")
            # Pipelined: the whole transaction in one write (RFC 2033 requires PIPELINING).
            raw.send(f"MAIL FROM:<sender@remote.test>\r\nRCPT TO:<{ok}>\r\nRCPT TO:<{small}>\r\n"
                     "DATA\r\n".encode())
            self.assertReply(raw.reply(), 250)
            self.assertReply(raw.reply(), 250)
            self.assertReply(raw.reply(), 250)  # without SIZE it cannot know yet
            self.assertEqual(raw.reply().code, 354)
            raw.send(dot_stuff(message))
            replies = [raw.reply(), raw.reply()]  # in RCPT order (RFC 2033 §4.2)
            self.assertReply(replies[0], 250, "2.0.0")
            self.assertReply(replies[1], 552, "5.2.2")
            # Second transaction: the full account is refused temporarily, per recipient.
            self.server.deliver(full, make_message("x@remote.test", full, subject="fill"))
            self.assertReply(raw.cmd("MAIL FROM:<sender@remote.test>"), 250)
            self.assertReply(raw.cmd(f"RCPT TO:<{ok}>"), 250)
            r = raw.cmd(f"RCPT TO:<{full}>")
            if r.code == 250:  # checked only at delivery: then its own DATA reply says so
                self.assertEqual(raw.cmd("DATA").code, 354)
                raw.send(dot_stuff(message))
                self.assertReply(raw.reply(), 250, "2.0.0")
                self.assertReply(raw.reply(), 452, "4.2.2")
            else:
                self.assertReply(r, 452, "4.2.2")
                self.assertEqual(raw.cmd("DATA").code, 354)
                raw.send(dot_stuff(message))
                self.assertReply(raw.reply(), 250, "2.0.0")
            self.assertReply(raw.cmd("NOOP"), 250)
        finally:
            raw.close()
        self.assertEqual(len(self.server.fetch_all(ok)), 2)
        self.assertEqual(self.server.fetch_all(small), [])
        self.assertEqual(len(self.server.fetch_all(full)), 1)

    def test_swaks_lmtp(self):
        good, bad = self.user, f"nosuch@{DOMAIN}"
        other = self.new_user()
        result = run_swaks(["--server", f"127.0.0.1:{self.server.listener_port('lmtp')}",
                            "--protocol", "LMTP", "--from", "sender@remote.test",
                            "--to", f"{good},{bad},{other}", "--body", "swaks lmtp body"])
        # swaks exits 0 when at least one recipient took the message.
        self.assertEqual(result.returncode, 0, result.stdout)
        transcript = result.stdout
        self.assertRegex(transcript, r"(?m)^\s*->\s+LHLO ", transcript)
        self.assertRegex(transcript, r"(?m)^<\*\*\s+550 5\.1\.1", transcript)
        # After the final ".", one 250 per accepted recipient (two), and they come before QUIT.
        after_dot = transcript.split("\n -> .\n", 1)[-1] if "\n -> .\n" in transcript else \
            re.split(r"(?m)^\s*->\s+\.\s*$", transcript, maxsplit=1)[-1]
        data_replies = re.findall(r"(?m)^<[-~*]+\s+(\d{3}) ", after_dot.split("QUIT")[0])
        self.assertEqual(data_replies, ["250", "250"], transcript)
        for address in (good, other):
            self.assertIn(b"swaks lmtp body", self.only_message(address))

    def test_lmtp_bare_lf_refused_for_every_recipient(self):
        other = self.new_user()
        raw = self.server.raw("lmtp")
        try:
            raw.ehlo(verb="LHLO")
            self.assertReply(raw.cmd("MAIL FROM:<s@remote.test>"), 250)
            self.assertReply(raw.cmd(f"RCPT TO:<{self.user}>"), 250)
            self.assertReply(raw.cmd(f"RCPT TO:<{other}>"), 250)
            self.assertEqual(raw.cmd("DATA").code, 354)
            raw.send(b"Subject: x\r\n\r\nbare\nlf\r\n.\r\n")
            self.assertReply(raw.reply(), 550, "5.5.2")
            self.assertReply(raw.reply(), 550, "5.5.2")
            self.assertReply(raw.cmd("NOOP"), 250)
        finally:
            raw.close()
        self.assertEqual(self.server.fetch_all(self.user), [])
        self.assertEqual(self.server.fetch_all(other), [])


if __name__ == "__main__":
    unittest.main()
