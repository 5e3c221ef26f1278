"""Message submission (RFC 6409) on 587 (STARTTLS) and 465 (implicit TLS, RFC 8314): AUTH only
over TLS, sender checks, local and remote delivery, and DKIM signing checked by python3-dkim.

Clients: smtplib, swaks, nodemailer (npm). The remote side is a second postroomd acting as
the MX of remote.test (dnsmasq: MX remote.test -> mx.remote.test -> 127.0.0.1, and
queue.mx_port = that server's smtp port); it also publishes the DKIM keys printed by
`postroom dkim generate`, so the peer's own verdict can be checked too.
"""

import base64
import json
import os
import smtplib
import unittest

from harness import DOMAIN
from smtp_harness import (PASSWORD, SmtpTestCase, auth_results, dkim_tool, find_by_message_id,
                          header_values, make_message, prepended_fields, run_nodemailer, run_swaks,
                          smtplib_reply, swaks_replies)

ED_DOMAIN = "ed25519.test"


class SubmissionTest(SmtpTestCase):
    SERVER_KWARGS = {"smtp": {"check_inbound": True}, "dkim": {"sign": True, "selector": "postroom"}}
    PEER_KWARGS = {"smtp": {"check_inbound": True}}
    LOCAL_DOMAINS = (DOMAIN, ED_DOMAIN)
    DKIM_DOMAINS = {DOMAIN: "rsa", ED_DOMAIN: "ed25519"}

    # ---- helpers

    def send(self, s, sender, recipients, message):
        """sendmail on an authenticated smtplib connection; returns the refused dict."""
        try:
            return s.sendmail(sender, recipients, message)
        finally:
            try:
                s.quit()
            except smtplib.SMTPException:
                pass
            s.close()

    def only_message(self, address, server=None):
        messages = (server or self.server).fetch_all(address)
        self.assertEqual(len(messages), 1, f"want exactly one message in {address}")
        return messages[0]

    def send_external(self, sender):
        """sender (local user) -> new peer user via 587; returns (original, stored at the peer)."""
        rcpt = self.new_peer_user(prefix="ext")
        message = make_message(sender, rcpt, subject="to the peer")
        self.assertEqual(self.send(self.server.submit(sender), sender, [rcpt], message), {})
        messages = self.peer.wait_for_inbox(rcpt, 1, timeout=30)
        self.assertEqual(len(messages), 1, f"not delivered to the peer within 30 s; queue: "
                                           f"{self.server.queue_list()!r}")
        return message, messages[0]

    def verify_dkim(self, stored, domain):
        path = os.path.join(self.server.tmp, f"dkim-{domain}-{len(stored)}.eml")
        with open(path, "wb") as f:
            f.write(stored)
        name, text, _ = self.dkim_record(domain)
        result = dkim_tool("verify", path, "--txt", f"{name}={text}")
        lines = [json.loads(line) for line in result.stdout.decode().splitlines() if line.strip()]
        self.assertEqual(result.returncode, 0, f"python3-dkim says: {lines} {result.stderr!r}")
        return lines

    # ---- AUTH and TLS

    def test_587_offers_auth_only_after_starttls(self):
        raw = self.server.raw("submission")
        try:
            _, features = raw.ehlo()
            self.assertIn("STARTTLS", features)
            self.assertNotIn("AUTH", features, "AUTH offered in plaintext")
            token = base64.b64encode(f"\0{self.user}\0{PASSWORD}".encode()).decode()
            r = raw.cmd(f"AUTH PLAIN {token}")
            self.assertIn(r.code, (530, 538), r)
            self.assertIn(r.enhanced, ("5.7.0", "5.7.11"), r)
            self.assertReply(raw.cmd(f"MAIL FROM:<{self.user}>"), 530, "5.7.0")
            self.assertEqual(raw.starttls(self.server.ssl_context(verify=True)).code, 220)
            _, features = raw.ehlo()
            self.assertNotIn("STARTTLS", features)
            mechanisms = features.get("AUTH", "").upper().split()
            self.assertIn("PLAIN", mechanisms)
            self.assertIn("LOGIN", mechanisms)
            # Still no mail without AUTH, even over TLS.
            self.assertReply(raw.cmd(f"MAIL FROM:<{self.user}>"), 530, "5.7.0")
            self.assertReply(raw.cmd(f"AUTH PLAIN {token}"), 235, "2.7.0")
            self.assertReply(raw.cmd("AUTH PLAIN"), 503, "5.5.1")  # already authenticated
            self.assertReply(raw.cmd(f"MAIL FROM:<{self.user}>"), 250)
        finally:
            raw.close()

    def test_unauthenticated_mail_refused(self):
        s = self.server.smtp("submission")
        try:
            s.starttls(context=self.server.ssl_context(verify=True))
            s.ehlo()
            self.assertTrue(s.has_extn("auth"))
            self.assertReply(s.mail(self.user), 530, "5.7.0")
        finally:
            s.close()

    def test_wrong_password(self):
        s = self.server.smtp("submission")
        try:
            s.starttls(context=self.server.ssl_context(verify=True))
            s.ehlo()
            with self.assertRaises(smtplib.SMTPAuthenticationError) as caught:
                s.user, s.password = self.user, "wrong"
                s.auth("PLAIN", s.auth_plain)
            self.assertReply(smtplib_reply((caught.exception.smtp_code, caught.exception.smtp_error)),
                             535, "5.7.8")
        finally:
            s.close()

    def test_auth_plain_587_local_delivery(self):
        rcpt = self.new_user()
        message = make_message(self.user, rcpt, subject="plain 587")
        self.assertEqual(self.send(self.server.submit(self.user, how="PLAIN"), self.user, [rcpt], message), {})
        stored = self.only_message(rcpt)
        self.assertDeliveredIntact(stored, message)
        self.assertRegex(header_values(stored, "Received")[0], r"\bwith ESMTPSA\b")

    def test_auth_login_587(self):
        rcpt = self.new_user()
        message = make_message(self.user, rcpt, subject="login 587")
        self.assertEqual(self.send(self.server.submit(self.user, how="LOGIN"), self.user, [rcpt], message), {})
        self.assertDeliveredIntact(self.only_message(rcpt), message)

    def test_465_implicit_tls(self):
        rcpt = self.new_user()
        message = make_message(self.user, rcpt, subject="465")
        s = self.server.smtp("submissions")
        try:
            self.assertIsNotNone(s.sock.version())
            s.ehlo()
            self.assertFalse(s.has_extn("starttls"), "STARTTLS offered inside implicit TLS")
            self.assertIn("PLAIN", s.esmtp_features.get("auth", "").upper())
        finally:
            s.close()
        self.assertEqual(self.send(self.server.submit(self.user, service="submissions"), self.user, [rcpt],
                                   message), {})
        self.assertDeliveredIntact(self.only_message(rcpt), message)

    # ---- sender checks

    def test_envelope_sender_must_be_the_user(self):
        other = self.new_user()
        s = self.server.submit(self.user)
        try:
            self.assertReply(s.mail(other), 550, "5.7.1")
            self.assertReply(s.mail("someone@remote.test"), 550, "5.7.1")
            self.assertReply(s.mail(self.user), 250)
        finally:
            s.close()

    def test_alias_may_be_used_as_sender(self):
        alias = f"alias-{self.user}"
        self.server.cli("alias", "add", alias, self.user)
        rcpt = self.new_user()
        message = make_message(alias, rcpt, subject="from my alias")
        self.assertEqual(self.send(self.server.submit(self.user), alias, [rcpt], message), {})
        self.assertDeliveredIntact(self.only_message(rcpt), message)

    def test_from_header_must_be_the_user(self):
        victim = self.new_user()
        rcpt = self.new_user()
        message = make_message(victim, rcpt, subject="forged From")
        s = self.server.submit(self.user)
        try:
            with self.assertRaises(smtplib.SMTPDataError) as caught:
                s.sendmail(self.user, [rcpt], message)
            self.assertReply(smtplib_reply((caught.exception.smtp_code, caught.exception.smtp_error)),
                             550, "5.7.1")
        finally:
            s.close()
        self.assertEqual(self.server.fetch_all(rcpt), [])

    # ---- other clients

    def test_swaks_starttls_auth_plain_and_login(self):
        for mechanism in ("PLAIN", "LOGIN"):
            with self.subTest(mechanism=mechanism):
                rcpt = self.new_user()
                result = run_swaks(["--server", f"127.0.0.1:{self.server.listener_port('submission')}",
                                    "--tls", "--auth", mechanism, "--auth-user", self.user,
                                    "--auth-password", PASSWORD, "--from", self.user, "--to", rcpt,
                                    "--header", f"Subject: swaks {mechanism}",
                                    "--body", f"swaks {mechanism} body"])
                self.assertEqual(result.returncode, 0, result.stdout)
                self.assertTrue(any(r.startswith("235 ") for r in swaks_replies(result.stdout)), result.stdout)
                self.assertIn(f"swaks {mechanism} body".encode(), self.only_message(rcpt))

    def test_swaks_465_and_auth_failure(self):
        rcpt = self.new_user()
        port = self.server.listener_port("submissions")
        result = run_swaks(["--server", f"127.0.0.1:{port}", "--tls-on-connect", "--auth", "PLAIN",
                            "--auth-user", self.user, "--auth-password", PASSWORD, "--from", self.user,
                            "--to", rcpt, "--body", "swaks 465 body"])
        self.assertEqual(result.returncode, 0, result.stdout)
        self.assertIn(b"swaks 465 body", self.only_message(rcpt))
        bad = run_swaks(["--server", f"127.0.0.1:{port}", "--tls-on-connect", "--auth", "LOGIN",
                         "--auth-user", self.user, "--auth-password", "wrong", "--from", self.user,
                         "--to", rcpt])
        self.assertEqual(bad.returncode, 28, bad.stdout)  # swaks: AUTH failed
        self.assertTrue(any(r.startswith("535 5.7.8") for r in swaks_replies(bad.stdout)), bad.stdout)

    def test_nodemailer_587_requiretls_and_465(self):
        for port, secure in ((self.server.listener_port("submission"), False),
                             (self.server.listener_port("submissions"), True)):
            with self.subTest(secure=secure):
                rcpt = self.new_user()
                token = f"nodemailer{port}.{os.getpid()}"
                code, out = run_nodemailer({
                    "port": port, "secure": secure, "requireTLS": not secure, "ca": self.server.cert_path,
                    "user": self.user, "pass": PASSWORD, "from": self.user, "to": rcpt,
                    "subject": "nodemailer", "text": f"body {token}\n",
                    "messageId": f"<{token}@client.test>"})
                self.assertEqual(code, 0, out)
                self.assertEqual(out["accepted"], [rcpt], out)
                self.assertTrue(out["response"].startswith("250"), out)
                stored = self.only_message(rcpt)
                self.assertEqual(len(find_by_message_id([stored], token)), 1)
                self.assertIn(f"body {token}".encode(), stored)
        code, out = run_nodemailer({"port": self.server.listener_port("submission"), "requireTLS": True,
                                    "ca": self.server.cert_path, "user": self.user, "pass": "wrong",
                                    "from": self.user, "to": self.user, "subject": "x", "text": "x"})
        self.assertEqual(code, 1, out)
        self.assertEqual(out["code"], "EAUTH", out)
        self.assertEqual(out["responseCode"], 535, out)

    # ---- remote delivery and DKIM

    def test_external_recipient_delivered_via_mx(self):
        message, stored = self.send_external(self.user)
        fields = prepended_fields(stored, message)
        received = [v for n, v in fields if n.lower() == "received"]
        self.assertGreaterEqual(len(received), 2, fields)
        self.assertIn("by mx.remote.test", received[0])
        self.assertTrue(any("by mail.test" in r for r in received[1:]), received)
        self.assertTrue(self.server.wait_queue_empty(10), self.server.queue_list())

    def test_dkim_rsa_signature_verifies(self):
        _, stored = self.send_external(self.user)
        signatures = self.verify_dkim(stored, DOMAIN)
        self.assertEqual(signatures[0]["d"], DOMAIN)
        self.assertEqual(signatures[0]["s"], "postroom")
        self.assertEqual(signatures[0]["a"], "rsa-sha256")
        self.assertIn("from", signatures[0]["h"].lower())
        # The peer (another postroomd) checked it the same way against the published key.
        results = auth_results(stored, "mx.remote.test")
        self.assertEqual(results.get("dkim"), "pass", results.get("_raw"))

    def test_dkim_ed25519_signature_verifies(self):
        sender = self.new_user(domain=ED_DOMAIN)
        _, stored = self.send_external(sender)
        signatures = self.verify_dkim(stored, ED_DOMAIN)
        self.assertEqual(signatures[0]["d"], ED_DOMAIN)
        self.assertEqual(signatures[0]["a"], "ed25519-sha256")
        _, text, p = self.dkim_record(ED_DOMAIN)
        self.assertIn("k=ed25519", text)
        self.assertEqual(len(base64.b64decode(p)), 32, "ed25519 p= must be the raw 32-byte key (RFC 8463)")

    def test_dkim_key_file_written(self):
        key_dir = os.path.join(self.server.data_dir, "dkim")
        for domain in (DOMAIN, ED_DOMAIN):
            self.dkim_record(domain)
            path = os.path.join(key_dir, f"{domain}.postroom.key")
            self.assertTrue(os.path.exists(path), f"no key file {path}")
            self.assertEqual(os.stat(path).st_mode & 0o077, 0, f"{path} readable by group/others")


if __name__ == "__main__":
    unittest.main()
