""""250 after DATA only when durable": kill -9 postroomd in the middle of an SMTP load, restart
it, and check that every message that got its 250 is in its mailbox exactly once, that
nothing was stored twice, and that nothing half-written is visible.

Four smtplib senders on port 25, each to its own account, each message with a unique token
in its Message-ID and a body whose SHA-256 is in a header, so a truncated or mixed-up body
shows. Read back over POP3 (nothing deleted).
"""

import hashlib
import os
import random
import smtplib
import socket
import threading
import time
import unittest

from harness import retr_raw
from smtp_harness import PASSWORD, SmtpTestCase, header_values, make_message

THREADS = 4
ACKS_BEFORE_KILL = 150     # kill once this many 250s were seen in total
MAX_PER_THREAD = 2000      # upper bound; the kill comes long before


def build(sender, rcpt, thread, seq):
    rng = random.Random(thread * 1_000_003 + seq)
    lines = [f"thread {thread} message {seq} line {i} " + "".join(
        rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(rng.randrange(10, 70)))
        for i in range(rng.randrange(5, 200))]
    body = ("\r\n".join(lines) + "\r\n").encode()
    token = f"dur-{thread}-{seq}-{os.getpid()}"
    digest = hashlib.sha256(body).hexdigest()
    message = make_message(sender, rcpt, subject=f"durability {thread}/{seq}", body=body, token=token,
                           extra_headers=f"X-Body-SHA256: {digest}\r\n".encode())
    return token, message


class Sender(threading.Thread):
    def __init__(self, server, index, rcpt, acked, stop):
        super().__init__(daemon=True)
        self.server, self.index, self.rcpt = server, index, rcpt
        self.acked = acked          # shared list of (rcpt, token), appended on 250
        self.stop = stop
        self.attempted = []         # tokens whose DATA was sent (reply maybe lost)
        self.error = None

    def run(self):
        sender = f"load{self.index}@nospf.test"
        try:
            s = self.server.smtp("smtp", timeout=10)
            s.ehlo()
            for seq in range(MAX_PER_THREAD):
                if self.stop.is_set():
                    break
                token, message = build(sender, self.rcpt, self.index, seq)
                s.mail(sender)
                code, _ = s.rcpt(self.rcpt)
                if code != 250:
                    self.error = f"RCPT refused with {code} before the kill"
                    return
                self.attempted.append(token)
                code, _ = s.data(message)
                if code == 250:
                    self.acked.append((self.rcpt, token))
                else:
                    self.error = f"DATA answered {code} before the kill"
                    return
        except (smtplib.SMTPException, OSError, socket.timeout):
            pass  # the kill: from here on nothing more is acknowledged


class DurabilityTest(SmtpTestCase):
    SERVER_KWARGS = {"smtp": {"check_inbound": False}}
    USE_DNS = False

    def test_kill_9_mid_load(self):
        recipients = [self.user] + [self.new_user() for _ in range(THREADS - 1)]
        acked, stop = [], threading.Event()
        senders = [Sender(self.server, i, recipients[i], acked, stop) for i in range(THREADS)]
        for t in senders:
            t.start()
        deadline = time.monotonic() + 120
        while len(acked) < ACKS_BEFORE_KILL and time.monotonic() < deadline:
            if not any(t.is_alive() for t in senders):
                break
            time.sleep(0.005)
        self.assertGreaterEqual(len(acked), ACKS_BEFORE_KILL,
                                f"load too slow or failing: {[t.error for t in senders]}")
        acked_at_kill = len(acked)
        self.server.kill()            # SIGKILL, mid-transaction for most senders
        stop.set()
        for t in senders:
            t.join(30)
            self.assertFalse(t.is_alive(), "sender thread hung after the kill")
            self.assertIsNone(t.error, t.error)
        acknowledged = list(acked)  # 250s read before the socket died count too
        self.assertGreaterEqual(len(acknowledged), acked_at_kill)

        self.server.start()
        attempted = {tok for t in senders for tok in t.attempted}
        found = {}
        for rcpt in recipients:
            pop = self.server.login(rcpt, PASSWORD)
            try:
                count, _ = pop.stat()
                for i in range(1, count + 1):
                    stored = retr_raw(pop, i)
                    ids = header_values(stored, "Message-ID")
                    self.assertEqual(len(ids), 1, f"{rcpt} #{i} has no single Message-ID: {stored[:500]!r}")
                    token = ids[0].strip("<>").split("@")[0]
                    self.assertIn(token, attempted, f"{rcpt} #{i}: a message nobody sent: {token}")
                    _, _, body = stored.partition(b"\r\n\r\n")
                    digests = header_values(stored, "X-Body-SHA256")
                    self.assertEqual(len(digests), 1, f"{token}: header damaged")
                    self.assertEqual(hashlib.sha256(body).hexdigest(), digests[0],
                                     f"{token}: body incomplete or corrupted ({len(body)} bytes)")
                    found.setdefault((rcpt, token), 0)
                    found[(rcpt, token)] += 1
            finally:
                pop.quit()
        duplicates = {k: v for k, v in found.items() if v != 1}
        self.assertEqual(duplicates, {}, "stored more than once")
        missing = [k for k in acknowledged if k not in found]
        self.assertEqual(missing, [], f"{len(missing)} of {len(acknowledged)} acknowledged messages lost")
        # At most one unacknowledged message per sender may have made it (its 250 was lost).
        extra = [k for k in found if k not in set(acknowledged)]
        self.assertLessEqual(len(extra), THREADS, extra)
        # The account usage the store keeps agrees with what is there.
        for rcpt in recipients:
            stored_count = sum(1 for (r, _) in found if r == rcpt)
            self.assertEqual(self.server.usage(rcpt)[1], stored_count, rcpt)
        # And the restarted server takes mail again.
        s = self.server.smtp("smtp")
        try:
            s.sendmail("after@nospf.test", [self.user],
                       make_message("after@nospf.test", self.user, subject="after restart"))
            s.quit()
        finally:
            s.close()
        sys_count = self.server.inbox_count(self.user)
        self.assertEqual(sys_count, sum(1 for (r, _) in found if r == self.user) + 1)


if __name__ == "__main__":
    unittest.main()
