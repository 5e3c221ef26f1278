"""Several IMAP sessions on one account at once (DESIGN.md §4: every session sees the others'
changes; IDLE hears new mail quickly).

Three "devices" (each its own socket, driven from its own thread where they act at the same
time) share one account: flag changes arrive as untagged FETCH FLAGS after NOOP or during IDLE,
a MOVE to Trash shows up as EXPUNGE (or VANISHED with QRESYNC) only where RFC 9051 allows it,
SMTP delivery and another session's APPEND wake an IDLE client. Timing is asserted only as a
sanity bound (< 2 s to hear a new message).
"""

import queue
import re
import threading
import time
import unittest

import smtp_harness
from harness import crlf
from imap_harness import ImapMixin, ImapTestCase, by_status, plain_message

IDLE_BOUND_S = 2.0


class ImapSmtpServer(ImapMixin, smtp_harness.SmtpServer):
    def __init__(self, **kwargs):
        kwargs.setdefault("listeners", (("smtp", "starttls"), ("imap", "tls"), ("imap", "starttls"),
                                        ("pop3", "tls")))
        kwargs.setdefault("smtp", {"check_inbound": False})
        super().__init__(**kwargs)


def upper_flags(fetch_response):
    return {f.upper() for f in fetch_response.fetch().get("FLAGS", [])}


def expunged_or_vanished(responses):
    """(sequence numbers from * N EXPUNGE, uids from * VANISHED)."""
    seqs = [r.number for r in by_status(responses, "EXPUNGE")]
    uids = []
    for r in responses:
        if r.status == "VANISHED":
            items = r.items()
            uid_set = items[-1]
            for part in str(uid_set).split(","):
                a, _, b = part.partition(":")
                uids += list(range(int(a), int(b or a) + 1))
    return seqs, uids


class MultiDeviceTest(ImapTestCase):
    SERVER_CLASS = ImapSmtpServer

    def devices(self, n=3):
        out = []
        for _ in range(n):
            raw = self.raw()
            tagged, _ = raw.cmd("SELECT INBOX")
            self.assertEqual(tagged.status, "OK", tagged.line)
            out.append(raw)
        return out

    def uid_of(self, raw, seq):
        for r in raw.ok(f"FETCH {seq} (UID)"):
            if r.status == "FETCH":
                return int(r.fetch()["UID"])
        raise AssertionError(f"no UID for {seq}")

    def test_seen_flag_reaches_other_sessions(self):
        for i in range(3):
            self.deliver(plain_message(self.user, subject=f"Flag me {i}"))
        phone, laptop, tablet = self.devices()
        tag, early = tablet.idle_start()
        results = queue.Queue()

        def tablet_waits():
            match, seen = tablet.idle_wait(lambda r: r.status == "FETCH" and r.number == 2, timeout=10)
            results.put((match, seen))

        waiter = threading.Thread(target=tablet_waits)
        waiter.start()
        untagged = phone.ok("STORE 2 +FLAGS (\\Seen)")
        self.assertIn("\\SEEN", upper_flags(by_status(untagged, "FETCH")[0]))
        waiter.join(15)
        match, seen = results.get_nowait()
        self.assertIsNotNone(match, f"IDLE session heard no FETCH for message 2: {seen}")
        self.assertIn("\\SEEN", upper_flags(match))
        tablet.idle_done(tag)
        # the laptop hears it at its next NOOP
        untagged = laptop.ok("NOOP")
        fetches = [r for r in by_status(untagged, "FETCH") if r.number == 2]
        self.assertEqual(len(fetches), 1, untagged)
        self.assertIn("\\SEEN", upper_flags(fetches[0]))
        self.assertEqual([r for r in by_status(untagged, "FETCH") if r.number != 2], [])
        # and a new session sees it too
        fresh = self.raw()
        fresh.ok("EXAMINE INBOX")
        flags = {r.number: upper_flags(r) for r in by_status(fresh.ok("FETCH 1:* (FLAGS)"), "FETCH")}
        self.assertEqual({n for n, f in flags.items() if "\\SEEN" in f}, {2})

    def test_move_to_trash_seen_as_expunge_or_vanished(self):
        for i in range(4):
            self.deliver(plain_message(self.user, subject=f"Move me {i}"))
        phone, laptop, tablet = self.devices()
        caps = tablet.capabilities()
        qresync = "QRESYNC" in caps
        if qresync:
            tablet.ok("ENABLE QRESYNC")
            tablet.ok("SELECT INBOX")
        if not ("MOVE" in caps or "IMAP4REV2" in caps):
            self.skipTest("MOVE not advertised")
        uid3 = self.uid_of(phone, 3)
        msg_id = None
        for r in phone.ok("FETCH 3 (BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"):
            if r.status == "FETCH":
                msg_id = re.search(rb"<[^>]+>", r.fetch()["BODY[HEADER.FIELDS (MESSAGE-ID)]"]).group(0)
        tagged, untagged = phone.cmd("MOVE 3 Trash")
        self.assertEqual(tagged.status, "OK", tagged.line)
        self.assertEqual(expunged_or_vanished(untagged)[0], [3])
        # RFC 9051 §7.5.1: no EXPUNGE during FETCH, STORE or SEARCH (sequence numbers would shift)
        during = laptop.ok("FETCH 1:* (FLAGS)")
        self.assertEqual(by_status(during, "EXPUNGE"), [], "EXPUNGE sent during FETCH")
        during = laptop.ok("SEARCH ALL")
        self.assertEqual(by_status(during, "EXPUNGE"), [], "EXPUNGE sent during SEARCH")
        untagged = laptop.ok("NOOP")
        seqs, _ = expunged_or_vanished(untagged)
        self.assertEqual(seqs, [3], untagged)
        exists = by_status(untagged, "EXISTS")
        if exists:
            self.assertEqual(exists[-1].number, 3)
        # the tablet: EXPUNGE, or VANISHED when QRESYNC is enabled
        untagged = tablet.ok("NOOP")
        seqs, uids = expunged_or_vanished(untagged)
        if qresync:
            self.assertEqual((seqs, uids), ([], [uid3]), untagged)
        else:
            self.assertEqual(seqs, [3], untagged)
        # everybody finds it in Trash
        for device in (laptop, tablet):
            st = by_status(device.ok("STATUS Trash (MESSAGES)"), "STATUS")[0]
            self.assertRegex(st.line, r"MESSAGES 1\b")
        tablet.ok("SELECT Trash")
        found = [r for r in tablet.ok("FETCH 1:* (BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
                 if r.status == "FETCH" and msg_id in r.fetch()["BODY[HEADER.FIELDS (MESSAGE-ID)]"]]
        self.assertEqual(len(found), 1)

    def test_idle_woken_by_smtp_delivery(self):
        phone, = self.devices(1)
        tag, _ = phone.idle_start()
        token = f"idle{time.time_ns()}"
        message = smtp_harness.make_message("bob@remote.test", self.user, subject="Wake up", token=token)
        accepted_at = []
        errors = []

        def send():
            try:
                with self.server.smtp("smtp") as s:
                    s.ehlo()
                    if s.has_extn("starttls"):
                        s.starttls(context=self.server.ssl_context(True))
                        s.ehlo()
                    s.sendmail("bob@remote.test", [self.user], message)
                accepted_at.append(time.monotonic())  # after the final 250
            except Exception as e:  # reported below
                errors.append(e)

        sender = threading.Thread(target=send)
        sender.start()
        match, seen = phone.idle_wait(lambda r: r.status == "EXISTS", timeout=30)
        heard_at = time.monotonic()
        sender.join(30)
        self.assertEqual(errors, [])
        self.assertIsNotNone(match, f"IDLE heard no EXISTS after SMTP delivery: {seen}")
        self.assertEqual(match.number, 1)
        self.assertLess(heard_at - accepted_at[0], IDLE_BOUND_S,
                        "IDLE heard the SMTP-delivered message too late")
        tagged, _ = phone.idle_done(tag)
        self.assertEqual(tagged.status, "OK")
        got = [r for r in phone.ok("FETCH 1 (BODY.PEEK[])") if r.status == "FETCH"]
        self.assertIn(token.encode(), got[0].fetch()["BODY[]"])

    def test_idle_woken_by_append_from_other_session(self):
        self.deliver(plain_message(self.user, subject="Already here"))
        phone, laptop = self.devices(2)
        tag, _ = phone.idle_start()
        results = queue.Queue()

        def laptop_appends():
            msg = crlf(plain_message(self.user, subject="Appended on the laptop"))
            results.put(laptop.cmd("APPEND INBOX {}", [msg]))

        appender = threading.Thread(target=laptop_appends)
        appender.start()
        match, seen = phone.idle_wait(lambda r: r.status == "EXISTS", timeout=10)
        appender.join(10)
        tagged, append_untagged = results.get_nowait()
        self.assertEqual(tagged.status, "OK", tagged.line)
        self.assertIsNotNone(match, f"IDLE heard no EXISTS after another session's APPEND: {seen}")
        self.assertEqual(match.number, 2)
        phone.idle_done(tag)
        # the appending session itself hears EXISTS with the APPEND answer or at its next command
        heard = by_status(append_untagged, "EXISTS") + by_status(laptop.ok("NOOP"), "EXISTS")
        self.assertEqual([r.number for r in heard], [2])

    def test_concurrent_flag_changes_converge(self):
        for i in range(5):
            self.deliver(plain_message(self.user, subject=f"Busy {i}"))
        devices = self.devices(3)
        errors = []

        def work(device, flag):
            try:
                for seq in range(1, 6):
                    device.ok(f"STORE {seq} +FLAGS.SILENT ({flag})")
            except Exception as e:
                errors.append(e)

        threads = [threading.Thread(target=work, args=(d, f)) for d, f in
                   zip(devices, ("\\Seen", "\\Flagged", "$Work"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(errors, [])
        for device in devices:
            device.ok("NOOP")
            flags = {r.number: upper_flags(r) for r in by_status(device.ok("FETCH 1:* (FLAGS)"), "FETCH")}
            for seq in range(1, 6):
                self.assertTrue({"\\SEEN", "\\FLAGGED", "$WORK"} <= flags[seq], flags)


if __name__ == "__main__":
    unittest.main()
