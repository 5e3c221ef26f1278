"""IMAP with npm imapflow (node/imap_flow.js): connect over implicit TLS and STARTTLS, list,
mailboxOpen with CONDSTORE/QRESYNC (when offered), fetch envelope+source, messageFlagsAdd,
messageMove to Trash, and IDLE hearing a delivery. The script prints JSON; this side asserts.
"""

import base64
import json
import os
import subprocess
import threading
import time
import unittest

from harness import in_ci
from imap_harness import (HERE, NODE_DIR, PASSWORD, SPECIAL_MAILBOXES, ImapTestCase, mime_message,
                          plain_message, require_program)


def require_imapflow():
    node = require_program("node", "nodejs")
    if not os.path.exists(os.path.join(HERE, "node_modules", "imapflow", "package.json")):
        message = f"imapflow not installed: run `npm ci --no-audit --no-fund` in {HERE} (scripts/test.sh does)"
        if in_ci():
            raise AssertionError("CI=true but " + message)
        raise unittest.SkipTest(message)
    return node


class ImapflowTest(ImapTestCase):

    def run_flow(self, port, secure=True, on_idle=None, timeout=90):
        """Runs imap_flow.js; calls on_idle() when it reports {"stage":"idling"}. Returns
        (exit code, summary dict, every JSON line)."""
        node = require_imapflow()
        options = {"host": "127.0.0.1", "port": port, "user": self.user, "pass": PASSWORD,
                   "secure": secure, "qresync": True, "idleTimeoutMs": 10000}
        proc = subprocess.Popen([node, os.path.join(NODE_DIR, "imap_flow.js"), json.dumps(options)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=HERE, text=True)
        lines = []
        stderr = []
        reader = threading.Thread(target=lambda: stderr.append(proc.stderr.read()))
        reader.start()
        deadline = time.monotonic() + timeout
        try:
            for line in proc.stdout:
                try:
                    data = json.loads(line)
                except ValueError:
                    raise AssertionError(f"imap_flow.js printed non-JSON: {line!r}")
                lines.append(data)
                if data.get("stage") == "idling" and on_idle is not None:
                    on_idle()
                if time.monotonic() > deadline:
                    break
            code = proc.wait(timeout=max(1, deadline - time.monotonic()))
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            reader.join(5)
        if not lines:
            raise AssertionError(f"imap_flow.js printed nothing: rc={proc.returncode} stderr={stderr!r}")
        return code, lines[-1], lines

    def test_imapflow_session(self):
        first = self.deliver(plain_message(self.user, subject="For imapflow"))
        msg, _ = mime_message(self.user, subject="Second for imapflow", token="flow2")
        second = self.deliver(msg)
        later = plain_message(self.user, subject="Arrives during IDLE")
        delivered = []

        def deliver_now():
            delivered.append(time.monotonic())
            self.deliver(later)

        code, summary, lines = self.run_flow(self.server.imap_port("tls"), on_idle=deliver_now)
        self.assertEqual(code, 0, f"imapflow failed: {json.dumps(summary)[:3000]}")
        self.assertTrue(summary["ok"])
        caps = {c.upper() for c in summary["capabilities"]}
        self.assertIn("IMAP4REV1", caps)
        # list with special-use
        paths = {m["path"]: m for m in summary["list"]}
        self.assertIn("INBOX", paths)
        for name, use in SPECIAL_MAILBOXES.items():
            self.assertIn(name, paths)
            if "SPECIAL-USE" in caps or "IMAP4REV2" in caps:
                self.assertEqual(paths[name]["specialUse"], use, paths[name])
        # mailboxOpen
        mb = summary["mailbox"]
        self.assertEqual(mb["exists"], 2)
        self.assertFalse(mb["readOnly"])
        self.assertGreater(int(mb["uidValidity"]), 0)
        enabled = {e.upper() for e in summary["enabled"]}
        if "CONDSTORE" in caps or "QRESYNC" in caps:
            self.assertIsNotNone(mb["highestModseq"], "CONDSTORE offered but no HIGHESTMODSEQ")
            self.assertTrue(enabled & {"CONDSTORE", "QRESYNC"}, summary["enabled"])
        if "QRESYNC" in caps:
            self.assertIn("QRESYNC", enabled)
        # fetch
        got = summary["messages"]
        self.assertEqual(len(got), 2)
        self.assertEqual(base64.b64decode(got[0]["source"]), first)
        self.assertEqual(base64.b64decode(got[1]["source"]), second)
        self.assertEqual(got[0]["size"], len(first))
        self.assertEqual(got[0]["envelope"]["subject"], "For imapflow")
        self.assertEqual(got[1]["envelope"]["from"], [{"name": "Carol Sender", "address": "carol@remote.test"}])
        self.assertEqual(got[1]["envelope"]["messageId"], "<flow2@remote.test>")
        self.assertEqual(got[1]["envelope"]["date"], "2024-01-03T08:30:00.000Z")
        self.assertEqual(got[1]["bodyType"], "multipart/mixed")
        # flags
        self.assertTrue(summary["flagsAdded"])
        self.assertTrue({"\\Flagged", "$Imapflow"} <= set(summary["flagsAfter"]), summary["flagsAfter"])
        # move
        self.assertEqual(summary["moved"]["destination"], "Trash")
        self.assertEqual(summary["existsAfterMove"], 1)
        self.assertEqual(summary["trash"]["messages"], 1)
        # IDLE heard the delivery
        self.assertTrue(delivered, "the script never reached IDLE")
        event = summary["existsEvent"]
        self.assertIsNotNone(event, "imapflow heard no EXISTS during IDLE")
        self.assertEqual(event["path"], "INBOX")
        self.assertEqual(event["count"], 2)
        # and the server agrees with what imapflow did
        raw = self.raw()
        raw.ok("SELECT INBOX")
        flags = [r for r in raw.ok("FETCH 1 (FLAGS)") if r.status == "FETCH"][0].fetch()["FLAGS"]
        self.assertTrue({"\\FLAGGED", "$IMAPFLOW"} <= {f.upper() for f in flags})
        trash = [r for r in raw.ok("STATUS Trash (MESSAGES)") if r.status == "STATUS"][0]
        self.assertRegex(trash.line, r"MESSAGES 1\b")

    def test_imapflow_starttls(self):
        self.deliver(plain_message(self.user, subject="Over STARTTLS"))
        code, summary, _ = self.run_flow(self.server.imap_port("starttls"), secure=False,
                                         on_idle=lambda: self.deliver(plain_message(self.user, subject="x")))
        self.assertEqual(code, 0, f"imapflow failed: {json.dumps(summary)[:3000]}")
        caps = {c.upper() for c in summary["capabilities"]}
        self.assertFalse(caps & {"STARTTLS", "LOGINDISABLED"}, f"capabilities after STARTTLS: {caps}")
        self.assertEqual(summary["mailbox"]["exists"], 1)
        self.assertEqual(summary["messages"][0]["envelope"]["subject"], "Over STARTTLS")

    def test_imapflow_wrong_password(self):
        node = require_imapflow()
        options = {"host": "127.0.0.1", "port": self.server.imap_port("tls"), "user": self.user,
                   "pass": "wrong", "secure": True}
        result = subprocess.run([node, os.path.join(NODE_DIR, "imap_flow.js"), json.dumps(options)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=HERE, text=True, timeout=60)
        summary = json.loads(result.stdout.strip().splitlines()[-1])
        self.assertEqual(result.returncode, 1, summary)
        self.assertEqual(summary["stage"], "connect")
        self.assertFalse(summary["ok"])


if __name__ == "__main__":
    unittest.main()
