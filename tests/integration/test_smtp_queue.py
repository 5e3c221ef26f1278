"""The outbound queue: delivery to a remote MX, retries after 4xx, bounces (RFC 3464) after 5xx,
no bounce for a null sender, and `postroom queue list/show/retry/delete`.

The remote MX is a second postroomd serving remote.test (dnsmasq: MX remote.test ->
mx.remote.test -> 127.0.0.1; queue.mx_port = its smtp port). It answers like a real one:
unknown user -> 550 5.1.1; account at its message quota -> 452 4.2.2, until its admin raises
the quota with its own CLI. down.test's MX is 127.0.0.2, where nothing listens.
"""

import email
import re
import time
import unittest

from smtp_harness import (SmtpTestCase, find_by_message_id, header_values, make_message,
                          parse, prepended_fields, smtplib_reply)


def delivery_status_groups(part):
    """message/delivery-status -> list of {field: value} groups (first = per-message)."""
    payload = part.get_payload()
    if isinstance(payload, list):  # compat32 parses it into Message objects, one per group
        return [{k.lower(): " ".join(str(v).split()) for k, v in group.items()} for group in payload]
    groups = []
    for block in re.split(r"\r?\n\r?\n", payload.strip()):
        fields = email.message_from_string(block + "\n\n")
        groups.append({k.lower(): " ".join(str(v).split()) for k, v in fields.items()})
    return groups


class QueueTestBase(SmtpTestCase):
    PEER_KWARGS = {"smtp": {"check_inbound": True}}
    DNS_MX = {"down.test": "mx.down.test"}
    DNS_A = {"mx.down.test": "127.0.0.2"}

    def submit(self, sender, recipients, message=None, token=None):
        message = message or make_message(sender, recipients, subject="queued", token=token)
        s = self.server.submit(sender)
        try:
            refused = s.sendmail(sender, recipients, message)
            s.quit()
        finally:
            s.close()
        self.assertEqual(refused, {}, "submission refused a recipient")
        return message

    def full_peer_user(self):
        """A peer account at its message quota: the peer answers RCPT with 452 4.2.2."""
        address = self.new_peer_user(prefix="full")
        self.peer.cli("quota", "set", address, 0, 1)
        self.peer.deliver(address, make_message("x@remote.test", address, subject="fills the quota"))
        return address

    def wait_queued(self, timeout=20.0):
        """Waits until `queue list` shows exactly one message; returns its id."""
        deadline = time.monotonic() + timeout
        ids = []
        while time.monotonic() < deadline:
            ids = self.server.queue_ids()
            if ids:
                break
            time.sleep(0.2)
        self.assertEqual(len(ids), 1, f"want one queued message, `queue list` says: {self.server.queue_list()!r}")
        return ids[0]

    def wait_for_attempt(self, queue_id, pattern=r"\b452\b|\b4\.2\.2\b", timeout=20.0):
        """Waits until `queue show ID` reports the failed attempt (default: the peer's 452 4.2.2)."""
        deadline = time.monotonic() + timeout
        out = ""
        while time.monotonic() < deadline:
            out = self.server.cli("queue", "show", queue_id).stdout.decode("utf-8", "replace")
            if re.search(pattern, out, re.IGNORECASE):
                return out
            time.sleep(0.2)
        self.fail(f"`queue show {queue_id}` never reported the failed attempt /{pattern}/: {out!r}")

    def assert_bounce(self, bounce, failed, original_token, status="5.1.1", not_listed=()):
        msg = parse(bounce)
        self.assertEqual(msg.get_content_type(), "multipart/report", bounce[:1500])
        self.assertEqual(msg.get_param("report-type"), "delivery-status")
        parts = msg.get_payload()
        self.assertEqual(parts[0].get_content_type(), "text/plain", "first part: human-readable text")
        status_parts = [p for p in parts if p.get_content_type() == "message/delivery-status"]
        self.assertEqual(len(status_parts), 1, [p.get_content_type() for p in parts])
        groups = delivery_status_groups(status_parts[0])
        self.assertIn("reporting-mta", groups[0], groups)
        per_rcpt = groups[1:]
        finals = [re.sub(r"\s+", "", g.get("final-recipient", "")).lower() for g in per_rcpt]
        self.assertIn(f"rfc822;{failed}".lower(), finals, per_rcpt)
        for other in not_listed:
            self.assertFalse(any(other.lower() in f for f in finals), f"{other} listed as failed: {per_rcpt}")
        group = [g for g in per_rcpt if failed.lower() in g.get("final-recipient", "").lower()][0]
        self.assertEqual(group.get("action"), "failed", group)
        self.assertEqual(group.get("status"), status, group)
        self.assertTrue(group.get("diagnostic-code", "").lower().startswith("smtp;"), group)
        self.assertIn("550", group.get("diagnostic-code", ""))
        returned = [p for p in parts if p.get_content_type() in ("message/rfc822", "text/rfc822-headers")]
        self.assertEqual(len(returned), 1, "the original message (or its header) is returned")
        self.assertIn(original_token, returned[0].as_string())
        # A bounce goes out with a null reverse-path (RFC 5321 §4.5.5).
        for value in header_values(bounce, "Return-Path"):
            self.assertEqual(value.strip(), "<>", "bounce not sent from the null sender")


class QueueTest(QueueTestBase):
    """retry_base_seconds = 1, retry_max_seconds = 2: retries come quickly."""

    SERVER_KWARGS = {"queue": {"retry_base_seconds": 1, "retry_max_seconds": 2}}

    def test_delivered_to_peer(self):
        rcpt = self.new_peer_user()
        message = self.submit(self.user, [rcpt])
        messages = self.peer.wait_for_inbox(rcpt, 1, timeout=30)
        self.assertEqual(len(messages), 1, self.server.queue_list())
        fields = prepended_fields(messages[0], message)
        self.assertTrue(any(n.lower() == "received" and "by mail.test" in v for n, v in fields), fields)
        self.assertTrue(self.server.wait_queue_empty(10), self.server.queue_list())
        self.assertEqual(self.server.fetch_all(self.user), [], "sender got a bounce or warning")

    def test_temporary_failure_retried_until_it_recovers(self):
        rcpt = self.full_peer_user()
        token = f"retry{time.time_ns()}"
        self.submit(self.user, [rcpt], token=token)
        queue_id = self.wait_queued()
        shown = self.wait_for_attempt(queue_id)  # shows the peer's 452 4.2.2
        self.assertIn(rcpt, shown)
        # Still retried, not bounced, while the peer keeps saying 452.
        time.sleep(4)
        self.assertEqual(self.server.queue_ids(), [queue_id])
        self.assertEqual(self.server.fetch_all(self.user), [], "bounced after a 4xx")
        # The remote admin raises the quota: the next retry delivers it.
        self.peer.cli("quota", "set", rcpt, 0, 0)
        messages = self.peer.wait_for_inbox(rcpt, 2, timeout=30)
        self.assertEqual(len(find_by_message_id(messages, token)), 1, self.server.queue_list())
        self.assertTrue(self.server.wait_queue_empty(10), self.server.queue_list())
        self.assertEqual(self.server.fetch_all(self.user), [], "sender got a bounce for a delivered message")

    def test_permanent_failure_bounces_to_sender(self):
        good = self.new_peer_user()
        bad = f"nosuchuser{time.time_ns()}@remote.test"
        token = f"bounce{time.time_ns()}"
        self.submit(self.user, [good, bad], token=token)
        self.assertEqual(len(self.peer.wait_for_inbox(good, 1, timeout=30)), 1)
        bounces = self.server.wait_for_inbox(self.user, 1, timeout=30)
        self.assertEqual(len(bounces), 1, f"want one bounce; queue: {self.server.queue_list()!r}")
        self.assert_bounce(bounces[0], bad, token, not_listed=(good,))
        self.assertTrue(self.server.wait_queue_empty(10), self.server.queue_list())

    def test_null_sender_failure_produces_no_bounce(self):
        """MDNs and auto-replies go out with MAIL FROM:<> (RFC 8098 §2); if they fail, nobody
        is told (RFC 5321 §4.5.5, no bounce loops)."""
        bad = f"nosuchuser{time.time_ns()}@remote.test"
        message = make_message(self.user, bad, subject="Read: something")
        s = self.server.submit(self.user)
        try:
            self.assertReply(s.mail(""), 250)
            self.assertReply(s.rcpt(bad), 250)
            self.assertReply(smtplib_reply(s.data(message)), 250)
            s.quit()
        finally:
            s.close()
        # The delivery attempt happened and failed for good (the peer said 550 5.1.1) ...
        self.assertIsNotNone(self.server.wait_log(r"event=queue\.failed .*to=<?" + re.escape(bad), timeout=30),
                             "no event=queue.failed for the recipient in the log")
        self.assertTrue(self.server.wait_queue_empty(20), self.server.queue_list())
        # ... and no bounce comes back to anyone.
        time.sleep(3)
        self.assertEqual(self.server.fetch_all(self.user), [], "bounce for a null-sender message")

    def test_unreachable_mx_stays_queued(self):
        rcpt = "someone@down.test"
        self.submit(self.user, [rcpt])
        queue_id = self.wait_queued()
        self.wait_for_attempt(queue_id, r"refused|connect|unreachable|timed? ?out")
        time.sleep(3)
        self.assertEqual(self.server.queue_ids(), [queue_id], "connection refused must be retried")
        self.assertEqual(self.server.fetch_all(self.user), [])
        self.server.cli("queue", "delete", queue_id)
        self.assertEqual(self.server.queue_ids(), [])


class QueueAdminTest(QueueTestBase):
    """retry_base_seconds = 3600: after the first failed attempt only `queue retry` brings the
    message out early."""

    SERVER_KWARGS = {"queue": {"retry_base_seconds": 3600, "retry_max_seconds": 7200,
                               "max_lifetime_seconds": 86400}}

    def test_list_show_retry(self):
        rcpt = self.full_peer_user()
        token = f"admin{time.time_ns()}"
        self.submit(self.user, [rcpt], token=token)
        queue_id = self.wait_queued()
        shown = self.wait_for_attempt(queue_id)
        self.assertIn(rcpt, shown)
        self.assertIn(self.user, shown, "queue show names the sender")
        listing = self.server.queue_list()
        self.assertIn(queue_id, listing)
        self.assertIn(self.user, listing, "queue list names the sender")
        self.peer.cli("quota", "set", rcpt, 0, 0)
        time.sleep(3)
        self.assertEqual(len(self.peer.fetch_all(rcpt)), 1, "retried before its time")
        self.assertEqual(self.server.queue_ids(), [queue_id])
        self.server.cli("queue", "retry", queue_id)
        messages = self.peer.wait_for_inbox(rcpt, 2, timeout=30)
        self.assertEqual(len(find_by_message_id(messages, token)), 1, self.server.queue_list())
        self.assertTrue(self.server.wait_queue_empty(10), self.server.queue_list())

    def test_delete(self):
        rcpt = self.full_peer_user()
        self.submit(self.user, [rcpt])
        queue_id = self.wait_queued()
        self.wait_for_attempt(queue_id)
        self.server.cli("queue", "delete", queue_id)
        self.assertEqual(self.server.queue_ids(), [])
        self.assertNotIn(queue_id, self.server.queue_list())
        self.assertNotEqual(self.server.cli("queue", "show", queue_id, check=False).returncode, 0)
        self.assertNotEqual(self.server.cli("queue", "retry", queue_id, check=False).returncode, 0)
        self.peer.cli("quota", "set", rcpt, 0, 0)
        time.sleep(3)
        self.assertEqual(len(self.peer.fetch_all(rcpt)), 1, "a deleted message was delivered")
        self.assertEqual(self.server.fetch_all(self.user), [], "deleting sent a bounce")

    def test_unknown_id(self):
        for verb in ("show", "retry", "delete"):
            result = self.server.cli("queue", verb, "NOSUCHID123", check=False)
            self.assertNotEqual(result.returncode, 0, verb)
            self.assertTrue(result.stderr.strip(), f"queue {verb}: no error message")


if __name__ == "__main__":
    unittest.main()
