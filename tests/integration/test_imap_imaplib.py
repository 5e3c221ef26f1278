"""IMAP with Python's imaplib (and a byte-exact raw client where imaplib cannot go).

Each test class starts one postroomd with IMAP listeners on the 143-style (STARTTLS) and
993-style (implicit TLS) ports; each test gets a fresh account. Extensions are tested when the
CAPABILITY response claims them (an advertised capability must work); the base protocol, and
with IMAP4rev2 the extensions RFC 9051 folds into it, are tested unconditionally.
"""

import base64
import email.utils
import imaplib
import re
import ssl
import time
import unittest

import harness
from harness import crlf
from imap_harness import (PASSWORD, SPECIAL_MAILBOXES, ImapTestCase, by_status,
                          capabilities_of, capability_set, check, find_code, imaplib_fetch,
                          mime_message, pairs, parse_items, plain_message)

# Extensions RFC 9051 makes part of IMAP4rev2 (so a server advertising IMAP4rev2 has them).
REV2_BASE = {"NAMESPACE", "UNSELECT", "UIDPLUS", "ESEARCH", "SEARCHRES", "ENABLE", "IDLE",
             "LIST-EXTENDED", "LIST-STATUS", "MOVE", "LITERAL-", "BINARY", "SPECIAL-USE",
             "STATUS=SIZE", "SASL-IR"}
SYSTEM_FLAGS = {"\\SEEN", "\\ANSWERED", "\\FLAGGED", "\\DELETED", "\\DRAFT"}


def upper_set(items):
    return {(i.decode() if isinstance(i, bytes) else i).upper() for i in items}



def quiet_shutdown(imap):
    """Closes the socket if the test did not (LOGOUT already closes it)."""
    try:
        imap.shutdown()
    except OSError:
        pass

class ImapCase(ImapTestCase):
    """Helpers shared by the classes below."""

    def caps(self, raw=None):
        raw = raw or self.raw()
        return raw.capabilities()

    def has(self, caps, name):
        name = name.upper()
        if name in caps:
            return True
        if "IMAP4REV2" in caps and name in REV2_BASE:
            return True
        if name == "LITERAL-" and "LITERAL+" in caps:
            return True
        return False

    def need(self, caps, name):
        if not self.has(caps, name):
            self.skipTest(f"{name} not advertised (CAPABILITY: {' '.join(sorted(caps))})")

    def select(self, raw, mailbox="INBOX", extra=""):
        tagged, untagged = raw.cmd(f"SELECT {mailbox}{extra}")
        self.assertEqual(tagged.status, "OK", tagged.line)
        return tagged, untagged

    def fetch(self, raw, seqset, items, uid=False):
        """{seq: {ITEM: value}} for FETCH (or UID FETCH) responses; asserts OK."""
        untagged = raw.ok(f"{'UID ' if uid else ''}FETCH {seqset} {items}")
        out = {}
        for r in untagged:
            if r.status == "FETCH":
                out.setdefault(r.number, {}).update(r.fetch())
        return out

    def uids(self, raw):
        return sorted(int(d["UID"]) for d in self.fetch(raw, "1:*", "(UID)").values())

    def search(self, raw, criteria, uid=True, literals=()):
        """UID SEARCH -> sorted list of ints (accepts * SEARCH and * ESEARCH ALL)."""
        untagged = raw.ok(f"{'UID ' if uid else ''}SEARCH {criteria}", literals)
        return sorted(parse_search(untagged))

    def append(self, raw, mailbox, message, flags="", date=None):
        """APPEND -> (uidvalidity, uid) from APPENDUID (None when no such code)."""
        args = f"APPEND {mailbox}"
        if flags:
            args += f" ({flags})"
        if date:
            args += f' "{date}"'
        tagged, _ = raw.cmd(args + " {}", [crlf(message)])
        self.assertEqual(tagged.status, "OK", tagged.line)
        code = tagged.code or ""
        m = re.match(r"APPENDUID (\d+) (\d+)$", code, re.IGNORECASE)
        return (int(m.group(1)), int(m.group(2))) if m else None

    def fill(self, count=3, mailbox=None):
        """Delivers `count` plain messages; returns their CRLF bytes."""
        return [self.deliver(plain_message(self.user, subject=f"Message {i}", body=f"Body {i}\n".encode()),
                             mailbox=mailbox) for i in range(1, count + 1)]


def parse_search(untagged):
    numbers = []
    for r in untagged:
        if r.status == "SEARCH":
            words = r.rest.split()[1:]
            numbers += [int(w) for w in words if w.isdigit()]
        elif r.status == "ESEARCH":
            items = r.items()
            i = 0
            while i < len(items):
                if isinstance(items[i], str) and items[i].upper() == "ALL":
                    numbers += expand_set(items[i + 1])
                    i += 2
                else:
                    i += 1
    return numbers


def apply_expunges(uids, numbers):
    """What is left of `uids` (in sequence order) after * N EXPUNGE responses."""
    left = list(uids)
    for n in numbers:
        if not 1 <= n <= len(left):
            raise AssertionError(f"EXPUNGE {n} out of range for {len(left)} messages")
        del left[n - 1]
    return left


def expand_set(text):
    out = []
    for part in str(text).split(","):
        if ":" in part:
            a, b = part.split(":")
            a, b = int(a), int(b)
            out += list(range(min(a, b), max(a, b) + 1))
        else:
            out.append(int(part))
    return out


def esearch_dict(untagged):
    for r in untagged:
        if r.status == "ESEARCH":
            items = r.items()
            if items and isinstance(items[0], list):  # (TAG "x")
                items = items[1:]
            if items and isinstance(items[0], str) and items[0].upper() == "UID":
                items = items[1:]
            return pairs(items)
    return None


# ======================================================================================
# Connecting, TLS, capabilities, login


class ConnectTest(ImapCase):

    def test_login_over_implicit_tls(self):
        imap = self.server.imap_ssl()
        self.addCleanup(quiet_shutdown, imap)
        pre = capability_set(list(imap.capabilities))
        self.assertIn("IMAP4REV1", pre)
        self.assertIn("IMAP4REV2", pre)
        self.assertNotIn("STARTTLS", pre, "STARTTLS offered on the implicit-TLS port")
        self.assertNotIn("LOGINDISABLED", pre)
        self.assertIn("AUTH=PLAIN", pre)
        typ, data = imap.login(self.user, PASSWORD)
        self.assertEqual(typ, "OK")
        after = capabilities_of(imap)
        self.assertIn("IMAP4REV1", after)
        self.assertNotIn("LOGINDISABLED", after)
        check(imap.select("INBOX"), "SELECT")
        imap.logout()

    def test_starttls_then_login(self):
        imap = self.server.imap_plain()
        self.addCleanup(quiet_shutdown, imap)
        pre = capability_set(list(imap.capabilities))
        self.assertIn("STARTTLS", pre)
        self.assertIn("LOGINDISABLED", pre, "LOGINDISABLED must be advertised before TLS")
        self.assertNotIn("AUTH=PLAIN", pre, "AUTH=PLAIN must not be offered before TLS")
        self.assertNotIn("AUTH=LOGIN", pre)
        with self.assertRaises(imaplib.IMAP4.error):
            imap.login(self.user, PASSWORD)  # refused before TLS (tagged NO)
        check(imap.starttls(ssl_context=self.server.ssl_context(True)), "STARTTLS")
        after = capabilities_of(imap)
        self.assertNotIn("STARTTLS", after)
        self.assertNotIn("LOGINDISABLED", after)
        self.assertIn("AUTH=PLAIN", after)
        self.assertIn("IMAP4REV1", after)
        typ, _ = imap.login(self.user, PASSWORD)
        self.assertEqual(typ, "OK")
        self.assertEqual(check(imap.select("INBOX"))[0], b"0")
        imap.logout()

    def test_login_refused_before_starttls_raw(self):
        raw = self.raw(mode="starttls", login=False)
        self.assertEqual(raw.greeting.tag, "*")
        self.assertEqual(raw.greeting.status, "OK", raw.greeting.line)
        tagged, _ = raw.cmd(f'LOGIN "{self.user}" "{PASSWORD}"')
        self.assertEqual(tagged.status, "NO", tagged.line)
        tagged, _ = raw.cmd("AUTHENTICATE PLAIN " + base64.b64encode(
            b"\0" + self.user.encode() + b"\0" + PASSWORD.encode()).decode())
        self.assertIn(tagged.status, ("NO", "BAD"), tagged.line)
        # still usable: STARTTLS, then the same LOGIN works
        self.assertEqual(raw.starttls(self.server.ssl_context(True)).status, "OK")
        raw.login(self.user)
        self.select(raw)

    def test_starttls_not_offered_twice_and_pipelined_plaintext_discarded(self):
        raw = self.raw(mode="starttls", login=False)
        # a command injected after STARTTLS in the same packet must not be executed after TLS
        raw.send(b"S1 STARTTLS\r\nS2 NOOP\r\n")
        resp = raw.read_response()
        while resp.tag == "*":
            resp = raw.read_response()
        self.assertEqual((resp.tag, resp.status), ("S1", "OK"), resp.line)
        if raw.buf:
            self.assertNotIn(b"S2", raw.buf, "pipelined plaintext command answered in plaintext")
        raw.buf = b""
        try:
            raw.sock = self.server.ssl_context(True).wrap_socket(raw.sock)
        except (ssl.SSLError, ConnectionError):
            return  # the server dropped the connection instead of discarding: also safe
        tagged, untagged = raw.cmd("NOOP")
        self.assertEqual(tagged.status, "OK")
        self.assertFalse(any(r.tag == "S2" for r in untagged), "pipelined plaintext command was run")
        tagged, _ = raw.cmd("STARTTLS")
        self.assertIn(tagged.status, ("BAD", "NO"), tagged.line)

    def test_wrong_password(self):
        imap = self.server.imap_ssl()
        self.addCleanup(imap.shutdown)
        with self.assertRaises(imaplib.IMAP4.error):
            imap.login(self.user, "wrong")
        imap.login(self.user, PASSWORD)  # the session goes on
        check(imap.noop())

    def test_authenticate_plain_and_login(self):
        raw = self.raw(login=False)
        caps = raw.capabilities()
        self.assertIn("AUTH=PLAIN", caps)
        token = base64.b64encode(b"\0" + self.user.encode() + b"\0" + PASSWORD.encode())
        if "SASL-IR" in caps:
            tagged, _ = raw.cmd(b"AUTHENTICATE PLAIN " + token)
        else:
            tag = raw.next_tag()
            raw.send(tag.encode() + b" AUTHENTICATE PLAIN\r\n")
            self.assertEqual(raw.read_response().tag, "+")
            raw.send(token + b"\r\n")
            tagged, _ = raw.wait_tagged(tag)
        self.assertEqual(tagged.status, "OK", tagged.line)
        if "AUTH=LOGIN" in caps:
            raw2 = self.raw(login=False)
            tag = raw2.next_tag()
            raw2.send(tag.encode() + b" AUTHENTICATE LOGIN\r\n")
            self.assertEqual(raw2.read_response().tag, "+")
            raw2.send(base64.b64encode(self.user.encode()) + b"\r\n")
            self.assertEqual(raw2.read_response().tag, "+")
            raw2.send(base64.b64encode(PASSWORD.encode()) + b"\r\n")
            tagged, _ = raw2.wait_tagged(tag)
            self.assertEqual(tagged.status, "OK", tagged.line)
        # imaplib's own AUTHENTICATE PLAIN
        imap = self.server.imap_ssl()
        self.addCleanup(imap.shutdown)
        typ, _ = imap.authenticate("PLAIN", lambda _: b"\0" + self.user.encode() + b"\0" + PASSWORD.encode())
        self.assertEqual(typ, "OK")


# ======================================================================================
# Mailboxes


class MailboxTest(ImapCase):

    def list_mailboxes(self, raw, command='LIST "" "*"'):
        """{name: (set of attributes, delimiter)} from * LIST."""
        out = {}
        for r in by_status(raw.ok(command), "LIST"):
            attrs, delim, name = r.items()[:3]
            name = name.decode() if isinstance(name, bytes) else name
            out[name] = (upper_set(attrs), delim)
        return out

    def test_default_mailboxes_and_special_use(self):
        raw = self.raw()
        boxes = self.list_mailboxes(raw)
        self.assertIn("INBOX", boxes)
        for name, use in SPECIAL_MAILBOXES.items():
            self.assertIn(name, boxes)
        caps = raw.capabilities()
        if self.has(caps, "SPECIAL-USE"):
            for name, use in SPECIAL_MAILBOXES.items():
                self.assertIn(use.upper(), boxes[name][0], f"{name} lacks {use}: {boxes[name]}")
            self.assertFalse(boxes["INBOX"][0] & {u.upper() for u in SPECIAL_MAILBOXES.values()})
        if self.has(caps, "LIST-EXTENDED") and self.has(caps, "SPECIAL-USE"):
            only = self.list_mailboxes(raw, 'LIST (SPECIAL-USE) "" "*"')
            self.assertEqual(set(only), set(SPECIAL_MAILBOXES), only)
            ret = self.list_mailboxes(raw, 'LIST "" "*" RETURN (SPECIAL-USE)')
            self.assertIn("\\TRASH", ret["Trash"][0])

    def test_list_status(self):
        raw = self.raw()
        caps = raw.capabilities()
        self.need(caps, "LIST-STATUS")
        self.fill(2)
        self.deliver(plain_message(self.user), mailbox="Archive")
        untagged = raw.ok('LIST "" "*" RETURN (STATUS (MESSAGES UNSEEN UIDNEXT))')
        status = {}
        for r in by_status(untagged, "STATUS"):
            items = r.items()
            name = items[0].decode() if isinstance(items[0], bytes) else items[0]
            status[name] = pairs(items[1])
        listed = {(r.items()[2].decode() if isinstance(r.items()[2], bytes) else r.items()[2])
                  for r in by_status(untagged, "LIST")}
        self.assertTrue(set(SPECIAL_MAILBOXES) | {"INBOX"} <= listed)
        self.assertEqual(status["INBOX"]["MESSAGES"], "2")
        self.assertEqual(status["INBOX"]["UNSEEN"], "2")
        self.assertEqual(status["Archive"]["MESSAGES"], "1")
        self.assertEqual(status["Trash"]["MESSAGES"], "0")

    def test_create_rename_delete_subscribe(self):
        raw = self.raw()
        boxes = self.list_mailboxes(raw, 'LIST "" ""')
        delim = next(iter(boxes.values()))[1] if boxes else None
        delim = (delim.decode() if isinstance(delim, bytes) else delim) or "/"
        parent, child = "Projects", f"Projects{delim}2024"
        raw.ok(f'CREATE "{child}"')  # creates the parent too (RFC 9051 §6.3.4)
        boxes = self.list_mailboxes(raw)
        self.assertIn(child, boxes)
        self.assertIn(parent, boxes)
        tagged, _ = raw.cmd(f'CREATE "{child}"')
        self.assertEqual(tagged.status, "NO")
        self.assertEqual((tagged.code or "").upper(), "ALREADYEXISTS", tagged.line)
        # SUBSCRIBE / LSUB / UNSUBSCRIBE
        raw.ok(f'SUBSCRIBE "{child}"')
        lsub = [r.items()[2] for r in by_status(raw.ok('LSUB "" "*"'), "LSUB")]
        self.assertIn(child.encode() if isinstance(lsub[0], bytes) else child, lsub)
        caps = raw.capabilities()
        if self.has(caps, "LIST-EXTENDED"):
            subscribed = self.list_mailboxes(raw, 'LIST (SUBSCRIBED) "" "*"')
            self.assertIn("\\SUBSCRIBED", subscribed[child][0])
        raw.ok(f'UNSUBSCRIBE "{child}"')
        lsub = [r.items()[2] for r in by_status(raw.ok('LSUB "" "*"'), "LSUB")]
        self.assertNotIn(child, [x.decode() if isinstance(x, bytes) else x for x in lsub])
        # RENAME keeps the messages
        self.deliver(plain_message(self.user, subject="In project"), mailbox=child)
        raw.ok(f'RENAME "{child}" "Done"')
        boxes = self.list_mailboxes(raw)
        self.assertIn("Done", boxes)
        self.assertNotIn(child, boxes)
        st = raw.ok('STATUS "Done" (MESSAGES)')
        self.assertEqual(pairs(by_status(st, "STATUS")[0].items()[1])["MESSAGES"], "1")
        tagged, _ = raw.cmd('RENAME "Nope" "Other"')
        self.assertEqual(tagged.status, "NO")
        tagged, _ = raw.cmd('RENAME "Done" "Trash"')
        self.assertEqual(tagged.status, "NO")
        # DELETE
        raw.ok('DELETE "Done"')
        self.assertNotIn("Done", self.list_mailboxes(raw))
        tagged, _ = raw.cmd('DELETE "Done"')
        self.assertEqual(tagged.status, "NO")
        self.assertEqual((tagged.code or "").upper(), "NONEXISTENT", tagged.line)
        tagged, _ = raw.cmd("DELETE INBOX")
        self.assertEqual(tagged.status, "NO", "deleting INBOX must fail")

    def test_imaplib_create_list_delete(self):
        imap = self.imap()
        check(imap.create("Receipts"), "CREATE")
        names = [line for line in check(imap.list())]
        self.assertTrue(any(line.endswith(b"Receipts") or line.endswith(b'"Receipts"') for line in names), names)
        check(imap.subscribe("Receipts"))
        self.assertTrue(any(b"Receipts" in line for line in check(imap.lsub())))
        check(imap.rename("Receipts", "Invoices"))
        check(imap.delete("Invoices"))
        typ, data = imap.select("Invoices")
        self.assertEqual(typ, "NO")
        self.assertIn(b"[NONEXISTENT]", data[0])

    def test_rename_inbox_moves_messages_and_leaves_empty_inbox(self):
        raw = self.raw()
        self.fill(2)
        raw.ok('RENAME INBOX "Old Inbox"')
        boxes = self.list_mailboxes(raw)
        self.assertIn("INBOX", boxes)
        self.assertIn("Old Inbox", boxes)
        st = {}
        for name in ("INBOX", '"Old Inbox"'):
            r = by_status(raw.ok(f"STATUS {name} (MESSAGES)"), "STATUS")[0]
            st[name] = pairs(r.items()[1])["MESSAGES"]
        self.assertEqual(st, {"INBOX": "0", '"Old Inbox"': "2"})
        # new mail still goes to INBOX
        self.deliver(plain_message(self.user, subject="After rename"))
        _, untagged = self.select(raw)
        self.assertEqual([r.number for r in by_status(untagged, "EXISTS")], [1])

    def test_create_special_use(self):
        raw = self.raw()
        caps = raw.capabilities()
        self.need(caps, "CREATE-SPECIAL-USE")
        tagged, _ = raw.cmd('CREATE "Old Mail" (USE (\\Archive))')
        if tagged.status == "NO":
            self.assertEqual((tagged.code or "").upper(), "USEATTR", tagged.line)
            return
        self.assertEqual(tagged.status, "OK", tagged.line)
        boxes = self.list_mailboxes(raw, 'LIST "" "Old Mail" RETURN (SPECIAL-USE)')
        self.assertIn("\\ARCHIVE", boxes["Old Mail"][0])


# ======================================================================================
# SELECT / EXAMINE / STATUS


class SelectTest(ImapCase):

    def test_select_responses(self):
        self.fill(2)
        raw = self.raw()
        caps = raw.capabilities()
        tagged, untagged = self.select(raw)
        self.assertEqual((tagged.code or "").upper(), "READ-WRITE", tagged.line)
        flags = [r for r in untagged if r.status == "FLAGS"]
        self.assertEqual(len(flags), 1, untagged)
        self.assertTrue(SYSTEM_FLAGS <= upper_set(flags[0].items()[0]), flags[0].line)
        self.assertEqual([r.number for r in by_status(untagged, "EXISTS")], [2])
        perm = find_code(untagged, "PERMANENTFLAGS")
        self.assertIsNotNone(perm, "no [PERMANENTFLAGS]")
        perm_flags = upper_set(parse_items(perm.split(" ", 1)[1].encode())[0])
        self.assertIn("\\*", perm_flags)
        self.assertTrue(SYSTEM_FLAGS - {"\\RECENT"} <= perm_flags, perm)
        uidvalidity = find_code(untagged, "UIDVALIDITY")
        self.assertIsNotNone(uidvalidity)
        self.assertGreater(int(uidvalidity.split()[1]), 0)
        uidnext = find_code(untagged, "UIDNEXT")
        self.assertIsNotNone(uidnext)
        self.assertGreater(int(uidnext.split()[1]), max(self.uids(raw)))
        if self.has(caps, "CONDSTORE"):
            tagged, untagged = raw.cmd("SELECT INBOX (CONDSTORE)")
            self.assertEqual(tagged.status, "OK", tagged.line)
            hms = find_code(untagged, "HIGHESTMODSEQ") or find_code(untagged, "NOMODSEQ")
            self.assertIsNotNone(hms, "CONDSTORE SELECT without HIGHESTMODSEQ")
            self.assertTrue(hms.upper().startswith("HIGHESTMODSEQ "), hms)
            self.assertGreater(int(hms.split()[1]), 0)
        # UIDVALIDITY is stable across sessions
        raw2 = self.raw()
        _, untagged2 = self.select(raw2)
        self.assertEqual(find_code(untagged2, "UIDVALIDITY"), uidvalidity)

    def test_examine_is_read_only(self):
        self.fill(1)
        raw = self.raw()
        tagged, untagged = raw.cmd("EXAMINE INBOX")
        self.assertEqual(tagged.status, "OK")
        self.assertEqual((tagged.code or "").upper(), "READ-ONLY", tagged.line)
        self.assertEqual([r.number for r in by_status(untagged, "EXISTS")], [1])
        tagged, _ = raw.cmd("STORE 1 +FLAGS (\\Flagged)")
        self.assertIn(tagged.status, ("NO", "OK"), tagged.line)  # NO, or OK without a change
        self.assertNotIn("\\FLAGGED", upper_set(self.fetch(raw, "1", "(FLAGS)")[1]["FLAGS"]))
        # BODY[] in EXAMINE does not set \Seen
        raw.ok("FETCH 1 BODY[]")
        flags = self.fetch(raw, "1", "(FLAGS)")[1]["FLAGS"]
        self.assertNotIn("\\SEEN", upper_set(flags))
        imap = self.imap()
        self.assertEqual(check(imap.select("INBOX", readonly=True)), [b"1"])
        got = imaplib_fetch(check(imap.fetch("1", "(BODY[HEADER])")))
        self.assertTrue(got[1]["BODY[HEADER]"].startswith(b"From: "))
        self.assertNotIn("\\SEEN", upper_set(imaplib_fetch(check(imap.fetch("1", "(FLAGS)")))[1]["FLAGS"]))

    def test_status(self):
        msgs = self.fill(3)
        raw = self.raw()
        caps = raw.capabilities()
        self.select(raw)
        raw.ok("STORE 1 +FLAGS (\\Seen)")
        raw.ok("STORE 2 +FLAGS (\\Deleted)")
        items = "MESSAGES UIDNEXT UIDVALIDITY UNSEEN"
        if self.has(caps, "STATUS=SIZE"):
            items += " SIZE"
        if self.has(caps, "CONDSTORE"):
            items += " HIGHESTMODSEQ"
        if "IMAP4REV2" in caps:
            items += " DELETED"
        raw2 = self.raw()
        r = by_status(raw2.ok(f"STATUS INBOX ({items})"), "STATUS")[0]
        st = pairs(r.items()[1])
        self.assertEqual(st["MESSAGES"], "3")
        self.assertEqual(st["UNSEEN"], "2")
        self.assertGreater(int(st["UIDNEXT"]), 3 - 1)
        self.assertGreater(int(st["UIDVALIDITY"]), 0)
        if "SIZE" in st:
            self.assertEqual(int(st["SIZE"]), sum(len(m) for m in msgs))
        if "HIGHESTMODSEQ" in st:
            self.assertGreater(int(st["HIGHESTMODSEQ"]), 0)
        if "DELETED" in st:
            self.assertEqual(st["DELETED"], "1")
        tagged, _ = raw2.cmd("STATUS Nowhere (MESSAGES)")
        self.assertEqual(tagged.status, "NO")
        # imaplib's status()
        imap = self.imap()
        data = check(imap.status("INBOX", "(MESSAGES UNSEEN)"))
        self.assertRegex(data[0].decode(), r"MESSAGES 3.*UNSEEN 2|UNSEEN 2.*MESSAGES 3")


# ======================================================================================
# APPEND and FETCH


class AppendFetchTest(ImapCase):

    def test_append_sync_literal_with_flags_and_date(self):
        imap = self.imap()
        msg = crlf(plain_message(self.user, subject="Appended"))
        when = imaplib.Time2Internaldate(time.mktime((2023, 5, 17, 8, 9, 10, 0, 0, -1)))
        typ, data = imap.append("Drafts", "(\\Draft $Important)", when, msg)
        self.assertEqual(typ, "OK", data)
        raw = self.raw()
        caps = raw.capabilities()
        if self.has(caps, "UIDPLUS"):
            self.assertRegex(data[0].decode(), r"^\[APPENDUID \d+ \d+\]")
        self.select(raw, "Drafts")
        item = self.fetch(raw, "1", "(FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])")[1]
        self.assertEqual(upper_set(item["FLAGS"]) - {"\\RECENT"}, {"\\DRAFT", "$IMPORTANT"})
        self.assertEqual(item["BODY[]"], msg)
        self.assertEqual(int(item["RFC822.SIZE"]), len(msg))
        got = email.utils.parsedate_to_datetime(item["INTERNALDATE"].decode().replace("-", " "))
        self.assertEqual(got.timestamp(), time.mktime((2023, 5, 17, 8, 9, 10, 0, 0, -1)))

    def test_append_raw_appenduid_and_nonsync_literal(self):
        raw = self.raw()
        caps = raw.capabilities()
        msg1 = crlf(plain_message(self.user, subject="One"))
        tagged, _ = raw.cmd('APPEND INBOX (\\Seen) "01-Feb-2024 12:00:00 +0000" {}', [msg1])
        self.assertEqual(tagged.status, "OK", tagged.line)
        if self.has(caps, "UIDPLUS"):
            code = tagged.code or ""
            self.assertRegex(code, r"^APPENDUID [1-9]\d* [1-9]\d*$")
            uidvalidity, uid = map(int, code.split()[1:])
        self.assertTrue("LITERAL+" in caps or "LITERAL-" in caps, f"no LITERAL+/-: {caps}")
        msg2 = crlf(plain_message(self.user, subject="Two"))
        self.assertLess(len(msg2), 4096)  # LITERAL- allows non-synchronizing up to 4096 octets
        tagged, untagged = raw.cmd("APPEND INBOX {}", [msg2], nonsync=True)
        self.assertEqual(tagged.status, "OK", tagged.line)
        self.assertFalse([r for r in untagged if r.tag == "+"], "continuation sent for {n+}")
        if self.has(caps, "UIDPLUS"):
            self.assertEqual(tagged.code, f"APPENDUID {uidvalidity} {uid + 1}")
        self.select(raw)
        got = self.fetch(raw, "1:2", "(BODY.PEEK[] FLAGS)")
        self.assertEqual(got[1]["BODY[]"], msg1)
        self.assertEqual(got[2]["BODY[]"], msg2)
        self.assertIn("\\SEEN", upper_set(got[1]["FLAGS"]))
        self.assertNotIn("\\SEEN", upper_set(got[2]["FLAGS"]))
        # APPEND to a nonexistent mailbox: NO [TRYCREATE]
        tagged, _ = raw.cmd("APPEND Nowhere {}", [msg1])
        self.assertEqual(tagged.status, "NO")
        self.assertEqual((tagged.code or "").upper(), "TRYCREATE", tagged.line)

    def test_multiappend(self):
        raw = self.raw()
        caps = raw.capabilities()
        self.need(caps, "MULTIAPPEND")
        msgs = [crlf(plain_message(self.user, subject=f"Multi {i}")) for i in range(3)]
        tagged, _ = raw.cmd("APPEND Archive (\\Seen) {} (\\Flagged) {} {}", msgs)
        self.assertEqual(tagged.status, "OK", tagged.line)
        if self.has(caps, "UIDPLUS"):
            self.assertRegex(tagged.code or "", r"^APPENDUID \d+ (\d+:\d+|\d+(,\d+)+)$")
        self.select(raw, "Archive")
        got = self.fetch(raw, "1:*", "(BODY.PEEK[] FLAGS)")
        self.assertEqual([got[i]["BODY[]"] for i in sorted(got)], msgs)
        self.assertIn("\\FLAGGED", upper_set(got[2]["FLAGS"]))
        # all or nothing: a failing later message appends none
        tagged, _ = raw.cmd("APPEND Archive {} (\\Bogus-Not-A-Flag) {}", msgs[:2])
        if tagged.status != "OK":
            st = by_status(raw.ok("STATUS Archive (MESSAGES)"), "STATUS")[0]
            self.assertEqual(pairs(st.items()[1])["MESSAGES"], "3")

    def test_fetch_every_item(self):
        msg, facts = mime_message(self.user, subject="Every item", token="every1")
        stored = self.deliver(msg)
        raw = self.raw()
        caps = raw.capabilities()
        self.select(raw)
        item = self.fetch(raw, "1", "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)")[1]
        self.assertEqual(int(item["RFC822.SIZE"]), len(stored))
        self.assertNotIn("\\SEEN", upper_set(item["FLAGS"]))
        self.assertRegex(item["INTERNALDATE"].decode(), r"^[ \d]\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d [+-]\d{4}$")
        env = item["ENVELOPE"]
        self.assertEqual(env[0], b"Wed, 03 Jan 2024 09:30:00 +0100")
        self.assertEqual(env[1], b"Every item")
        self.assertEqual(env[2], [[b"Carol Sender", None, b"carol", b"remote.test"]])  # from
        self.assertEqual(env[3], env[2])  # sender defaults to from
        self.assertEqual(env[4], env[2])  # reply-to defaults to from
        self.assertEqual(env[5], [[None, None, self.user.split("@")[0].encode(), b"example.test"]])
        self.assertEqual(env[6], [[b"Dave", None, b"dave", b"remote.test"]])
        self.assertIsNone(env[7])  # bcc
        self.assertIsNone(env[8])  # in-reply-to
        self.assertEqual(env[9], b"<every1@remote.test>")
        bs = item["BODYSTRUCTURE"]
        self.assertEqual([p[0].upper() for p in bs[:3]], [b"TEXT", b"TEXT", b"APPLICATION"])
        self.assertEqual(bs[3].upper(), b"MIXED")
        text, html, blob = bs[:3]
        self.assertEqual(text[1].upper(), b"PLAIN")
        self.assertEqual([x.upper() if isinstance(x, bytes) else x for x in text[2]], [b"CHARSET", b"ISO-8859-1"])
        self.assertEqual(text[5].upper(), b"QUOTED-PRINTABLE")
        # a part's body ends before the CRLF that belongs to the next boundary line
        self.assertEqual(int(text[6]), len(crlf(facts["qp"])) - 2)
        self.assertIn(int(text[7]), (0, 1))  # lines: one line, its CRLF belongs to the boundary
        self.assertEqual(html[1].upper(), b"HTML")
        self.assertEqual(html[5].upper(), b"BASE64")
        self.assertEqual(int(html[6]), len(crlf(facts["html_b64"])) - 2)
        self.assertEqual(blob[1].upper(), b"OCTET-STREAM")
        self.assertEqual(blob[5].upper(), b"BASE64")
        self.assertEqual(int(blob[6]), len(crlf(facts["blob_b64"])) - 2)
        self.assertIn(b"boundary", [x.lower() for x in bs[4] if isinstance(x, bytes)])
        # sections
        item = self.fetch(raw, "1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[1]<0.10> "
                                    "BODY.PEEK[TEXT] BODY.PEEK[2] BODY.PEEK[3.MIME] BODY.PEEK[HEADER])")[1]
        self.assertEqual(item["BODY[HEADER.FIELDS (SUBJECT)]"], b"Subject: Every item\r\n\r\n")
        self.assertEqual(item["BODY[1]<0>"], crlf(facts["qp"])[:10])
        head_end = stored.index(b"\r\n\r\n") + 4
        self.assertEqual(item["BODY[HEADER]"], stored[:head_end])
        self.assertEqual(item["BODY[TEXT]"], stored[head_end:])
        self.assertEqual(item["BODY[2]"], crlf(facts["html_b64"])[:-2])
        self.assertTrue(item["BODY[3.MIME]"].startswith(b"Content-Type: application/octet-stream"))
        self.assertTrue(item["BODY[3.MIME]"].endswith(b"\r\n\r\n"))
        flags = self.fetch(raw, "1", "(FLAGS)")[1]["FLAGS"]
        self.assertNotIn("\\SEEN", upper_set(flags), "BODY.PEEK set \\Seen")
        if self.has(caps, "BINARY"):
            item = self.fetch(raw, "1", "(BINARY.PEEK[3] BINARY.SIZE[3] BINARY.PEEK[2] BINARY.PEEK[1])")[1]
            self.assertEqual(item["BINARY[3]"], facts["blob"])
            self.assertEqual(int(item["BINARY.SIZE[3]"]), len(facts["blob"]))
            self.assertEqual(item["BINARY[2]"], facts["html"])  # base64 keeps the LF
            self.assertEqual(item["BINARY[1]"], facts["latin"][:-1])  # QP text before the boundary CRLF
        # BODY[] is byte-identical and sets \Seen
        item = self.fetch(raw, "1", "(BODY[])")[1]
        self.assertEqual(item["BODY[]"], stored)
        if "FLAGS" not in item:
            item.update(self.fetch(raw, "1", "(FLAGS)")[1])
        self.assertIn("\\SEEN", upper_set(item["FLAGS"]))

    def test_imaplib_fetch_byte_identical(self):
        originals = [harness.dot_message(self.user), harness.utf8_message(self.user),
                     harness.attachment_message(size=300 * 1024, to=self.user)]
        stored = [self.deliver(m) for m in originals]
        imap = self.imap()
        check(imap.select("INBOX"))
        got = imaplib_fetch(check(imap.fetch("1:3", "(RFC822.SIZE BODY.PEEK[])")))
        for i, want in enumerate(stored, 1):
            self.assertEqual(got[i]["BODY[]"], want, f"message {i} differs")
            self.assertEqual(int(got[i]["RFC822.SIZE"]), len(want))
        got = imaplib_fetch(check(imap.uid("FETCH", "1:*", "(UID RFC822.HEADER)")))
        self.assertEqual(len(got), 3)
        for i, want in enumerate(stored, 1):
            self.assertEqual(got[i]["RFC822.HEADER"], want[:want.index(b"\r\n\r\n") + 4])
        # RFC822 (the IMAP4rev1 item) sets \Seen
        got = imaplib_fetch(check(imap.fetch("2", "(RFC822)")))
        self.assertEqual(got[2]["RFC822"], stored[1])
        flags = imaplib_fetch(check(imap.fetch("2", "(FLAGS)")))[2]["FLAGS"]
        self.assertIn("\\SEEN", upper_set(flags))

    def test_fetch_binary_of_base64_part(self):
        raw = self.raw()
        caps = raw.capabilities()
        self.need(caps, "BINARY")
        msg, facts = mime_message(self.user, token="bin1")
        self.deliver(msg)
        self.select(raw)
        item = self.fetch(raw, "1", "(BINARY[3] BINARY.SIZE[3])")[1]
        self.assertEqual(item["BINARY[3]"], facts["blob"])
        self.assertEqual(int(item["BINARY.SIZE[3]"]), len(facts["blob"]))
        item = self.fetch(raw, "1", "(BINARY.PEEK[3]<0.16>)")[1]
        self.assertEqual(item["BINARY[3]<0>"], facts["blob"][:16])


# ======================================================================================
# STORE, COPY, MOVE, EXPUNGE


class StoreCopyMoveTest(ImapCase):

    def test_store_flags(self):
        self.fill(3)
        raw = self.raw()
        self.select(raw)
        untagged = raw.ok("STORE 1:2 +FLAGS (\\Flagged $Label1)")
        got = {r.number: upper_set(r.fetch()["FLAGS"]) for r in by_status(untagged, "FETCH")}
        self.assertEqual(set(got), {1, 2})
        self.assertTrue({"\\FLAGGED", "$LABEL1"} <= got[1])
        untagged = raw.ok("STORE 1 -FLAGS (\\Flagged)")
        got = {r.number: upper_set(r.fetch()["FLAGS"]) for r in by_status(untagged, "FETCH")}
        self.assertEqual(got[1] - {"\\RECENT"}, {"$LABEL1"})
        untagged = raw.ok("STORE 3 FLAGS.SILENT (\\Answered \\Seen)")
        self.assertEqual(by_status(untagged, "FETCH"), [], "FLAGS.SILENT answered with FETCH")
        flags = {n: upper_set(d["FLAGS"]) - {"\\RECENT"} for n, d in self.fetch(raw, "1:3", "(FLAGS)").items()}
        self.assertEqual(flags, {1: {"$LABEL1"}, 2: {"\\FLAGGED", "$LABEL1"}, 3: {"\\ANSWERED", "\\SEEN"}})
        uid2 = self.uids(raw)[1]
        untagged = raw.ok(f"UID STORE {uid2} FLAGS (\\Draft)")
        r = by_status(untagged, "FETCH")[0].fetch()
        self.assertEqual(int(r["UID"]), uid2)  # UID STORE responses carry the UID
        # imaplib store()
        imap = self.imap()
        check(imap.select("INBOX"))
        data = check(imap.store("1", "+FLAGS", "(\\Seen)"))
        self.assertIn(b"\\Seen", data[0])
        tagged, _ = raw.cmd("STORE 1 +FLAGS (\\Recent)")
        self.assertIn(tagged.status, ("NO", "BAD", "OK"))  # \Recent may not be set by clients
        self.assertNotIn("\\RECENT", upper_set(self.fetch(raw, "1", "(FLAGS)")[1]["FLAGS"]) - {"\\RECENT"})

    def test_copy_with_copyuid(self):
        msgs = self.fill(3)
        raw = self.raw()
        caps = raw.capabilities()
        self.select(raw)
        uids = self.uids(raw)
        raw.ok("STORE 2 +FLAGS (\\Flagged)")
        tagged, _ = raw.cmd("COPY 2:3 Archive")
        self.assertEqual(tagged.status, "OK", tagged.line)
        if self.has(caps, "UIDPLUS"):
            m = re.match(r"COPYUID (\d+) (\S+) (\S+)$", tagged.code or "", re.IGNORECASE)
            self.assertIsNotNone(m, tagged.line)
            self.assertEqual(expand_set(m.group(2)), uids[1:3])
            self.assertEqual(len(expand_set(m.group(3))), 2)
        tagged, _ = raw.cmd(f"UID COPY {uids[0]} Trash")
        self.assertEqual(tagged.status, "OK")
        tagged, _ = raw.cmd("COPY 1 Nowhere")
        self.assertEqual(tagged.status, "NO")
        self.assertEqual((tagged.code or "").upper(), "TRYCREATE", tagged.line)
        self.assertEqual(by_status(raw.ok("NOOP"), "EXPUNGE"), [])
        self.select(raw, "Archive")
        got = self.fetch(raw, "1:*", "(BODY.PEEK[] FLAGS)")
        self.assertEqual([got[i]["BODY[]"] for i in sorted(got)], msgs[1:3])
        self.assertIn("\\FLAGGED", upper_set(got[1]["FLAGS"]))
        imap = self.imap()
        check(imap.select("INBOX"))
        check(imap.copy("1", "Junk"))
        st = check(imap.status("Junk", "(MESSAGES)"))
        self.assertIn(b"MESSAGES 1", st[0])

    def test_move(self):
        msgs = self.fill(3)
        raw = self.raw()
        caps = raw.capabilities()
        self.need(caps, "MOVE")
        self.select(raw)
        uids = self.uids(raw)
        tagged, untagged = raw.cmd("MOVE 2 Trash")
        self.assertEqual(tagged.status, "OK", tagged.line)
        self.assertEqual([r.number for r in by_status(untagged, "EXPUNGE")], [2])
        if self.has(caps, "UIDPLUS"):
            code = find_code(untagged + [tagged], "COPYUID")
            self.assertIsNotNone(code, f"MOVE without COPYUID: {untagged} {tagged}")
            self.assertEqual(expand_set(code.split()[2]), [uids[1]])
        tagged, untagged = raw.cmd(f"UID MOVE {uids[2]} Archive")
        self.assertEqual(tagged.status, "OK", tagged.line)
        self.assertEqual([r.number for r in by_status(untagged, "EXPUNGE")], [2])
        self.assertEqual(self.uids(raw), [uids[0]])
        imap = self.imap()
        check(imap.select("Trash"))
        got = imaplib_fetch(check(imap.fetch("1:*", "(BODY.PEEK[])")))
        self.assertEqual([v["BODY[]"] for v in got.values()], [msgs[1]])

    def test_expunge_and_uid_expunge(self):
        self.fill(5)
        raw = self.raw()
        caps = raw.capabilities()
        self.select(raw)
        uids = self.uids(raw)
        raw.ok("STORE 2,4 +FLAGS.SILENT (\\Deleted)")
        untagged = raw.ok("EXPUNGE")
        # RFC 9051 §7.4.1: each EXPUNGE renumbers ("2, 3" or "4, 2" both remove 2 and 4)
        left = apply_expunges(uids, [r.number for r in by_status(untagged, "EXPUNGE")])
        self.assertEqual(left, [uids[0], uids[2], uids[4]])
        self.assertEqual(self.uids(raw), [uids[0], uids[2], uids[4]])
        if self.has(caps, "UIDPLUS"):
            raw.ok("STORE 1:3 +FLAGS.SILENT (\\Deleted)")
            untagged = raw.ok(f"UID EXPUNGE {uids[2]}")
            self.assertEqual([r.number for r in by_status(untagged, "EXPUNGE")], [2])
            self.assertEqual(self.uids(raw), [uids[0], uids[4]])
        raw.ok("STORE 1:* -FLAGS.SILENT (\\Deleted)")
        imap = self.imap()
        check(imap.select("INBOX"))
        check(imap.store("1", "+FLAGS", "(\\Deleted)"))
        data = check(imap.expunge())
        self.assertEqual(data, [b"1"])
        self.assertEqual(check(imap.search(None, "ALL"))[0].split(), [b"1"])

    def test_close_expunges_silently_unselect_does_not(self):
        self.fill(3)
        raw = self.raw()
        caps = raw.capabilities()
        self.select(raw)
        raw.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
        if self.has(caps, "UNSELECT"):
            untagged = raw.ok("UNSELECT")
            self.assertEqual(by_status(untagged, "EXPUNGE"), [])
            tagged, _ = raw.cmd("FETCH 1 (FLAGS)")
            self.assertEqual(tagged.status, "BAD", "FETCH after UNSELECT must be BAD (no mailbox)")
            _, untagged = self.select(raw)
            self.assertEqual([r.number for r in by_status(untagged, "EXISTS")], [3])
        untagged = raw.ok("CLOSE")
        self.assertEqual(by_status(untagged, "EXPUNGE"), [], "CLOSE sent EXPUNGE responses")
        _, untagged = self.select(raw)
        self.assertEqual([r.number for r in by_status(untagged, "EXISTS")], [2])
        # CLOSE after EXAMINE expunges nothing
        raw.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
        raw.ok("EXAMINE INBOX")
        raw.ok("CLOSE")
        _, untagged = self.select(raw)
        self.assertEqual([r.number for r in by_status(untagged, "EXISTS")], [2])


# ======================================================================================
# SEARCH, ESEARCH, SEARCHRES, SORT, THREAD


class SearchTest(ImapCase):

    def setUp(self):
        super().setUp()
        raw = self.raw()
        self.r = raw
        # uid order: 1 plain alpha from bob, 2 mime from carol (qp latin-1 + base64 html),
        # 3 big, 4 appended old, 5 appended older with keyword, 6 reply to 1
        self.m1 = self.deliver(plain_message(self.user, subject="Alpha report", body=b"quarterly numbers\n"))
        msg, _ = mime_message(self.user, subject="Beta notes", token="srch1")
        self.m2 = self.deliver(msg)
        self.m3 = self.deliver(plain_message(self.user, subject="Gamma big", body=b"x" * 70 + b"\n" * 1 + (b"y" * 76 + b"\n") * 200))
        self.append(raw, "INBOX", plain_message(self.user, subject="Delta old", sender="erin@remote.test",
                                                date="Mon, 01 Jun 2020 10:00:00 +0000"),
                    date="01-Jun-2020 10:00:00 +0000")
        self.append(raw, "INBOX", plain_message(self.user, subject="Epsilon oldest", date="Sun, 01 Jan 2017 10:00:00 +0000"),
                    flags="$Label1 \\Flagged", date="01-Jan-2017 10:00:00 +0000")
        reply = plain_message(self.user, subject="Re: Alpha report", sender="carol@remote.test",
                              extra=b"In-Reply-To: " + re.search(rb"Message-ID: (<[^>]+>)", self.m1).group(1) +
                              b"\nReferences: " + re.search(rb"Message-ID: (<[^>]+>)", self.m1).group(1) + b"\n")
        self.m6 = self.deliver(reply)
        self.select(raw)
        self.u = self.uids(raw)
        self.assertEqual(len(self.u), 6)

    def U(self, *indexes):
        return sorted(self.u[i - 1] for i in indexes)

    def test_search_keys(self):
        raw = self.r
        self.assertEqual(self.search(raw, "ALL"), self.u)
        self.assertEqual(self.search(raw, "FROM carol"), self.U(2, 6))
        self.assertEqual(self.search(raw, "FROM \"bob@remote.test\""), self.U(1, 3, 5))
        self.assertEqual(self.search(raw, "SUBJECT alpha"), self.U(1, 6))
        self.assertEqual(self.search(raw, "SUBJECT \"BETA NOTES\""), self.U(2))
        self.assertEqual(self.search(raw, "BODY quarterly"), self.U(1))
        self.assertEqual(self.search(raw, "BODY Kathedrale"), self.U(2), "text in a base64 part")
        self.assertEqual(self.search(raw, "TEXT carol"), self.U(2, 6))
        self.assertEqual(self.search(raw, "HEADER Message-ID srch1"), self.U(2))
        self.assertEqual(self.search(raw, "LARGER 10000"), self.U(3))
        self.assertEqual(self.search(raw, "SMALLER 1000"), self.U(1, 4, 5, 6))
        self.assertEqual(self.search(raw, "BEFORE 1-Jan-2021"), self.U(4, 5))
        self.assertEqual(self.search(raw, "SINCE 1-Jan-2018 BEFORE 1-Jan-2021"), self.U(4))
        self.assertEqual(self.search(raw, "SENTBEFORE 1-Jan-2019"), self.U(5))
        self.assertEqual(self.search(raw, "KEYWORD $Label1"), self.U(5))
        self.assertEqual(self.search(raw, "UNKEYWORD $Label1 FLAGGED"), [])
        self.assertEqual(self.search(raw, "FLAGGED"), self.U(5))
        self.assertEqual(self.search(raw, f"UID {self.u[1]}:{self.u[3]}"), self.U(2, 3, 4))
        self.assertEqual(self.search(raw, f"UID {self.u[4]}:*"), self.U(5, 6))
        self.assertEqual(self.search(raw, "2:3"), self.U(2, 3))
        self.assertEqual(self.search(raw, "NOT FROM bob"), self.U(2, 4, 6))
        self.assertEqual(self.search(raw, "OR SUBJECT gamma SUBJECT delta"), self.U(3, 4))
        self.assertEqual(self.search(raw, "OR (FROM erin) (KEYWORD $Label1) NOT LARGER 1"), [])
        self.assertEqual(self.search(raw, "(OR FROM erin KEYWORD $Label1)"), self.U(4, 5))
        self.assertEqual(self.search(raw, "UNSEEN"), self.u)
        self.assertEqual(self.search(raw, "DELETED"), [])
        seqs = self.search(raw, "FROM carol", uid=False)
        self.assertEqual(seqs, [2, 6])
        tagged, _ = raw.cmd("SEARCH NOSUCHKEY foo")
        self.assertEqual(tagged.status, "BAD", tagged.line)
        # imaplib
        imap = self.imap()
        check(imap.select("INBOX"))
        self.assertEqual(check(imap.search(None, "SUBJECT", "alpha"))[0].split(), [b"1", b"6"])
        self.assertEqual(check(imap.uid("SEARCH", "FROM", "carol"))[0].split(),
                         [str(u).encode() for u in self.U(2, 6)])

    def test_search_charset_utf8_in_encoded_parts(self):
        raw = self.r
        # "München" sits in a quoted-printable ISO-8859-1 part, "日本" and "Köln" in a base64 UTF-8 part
        for word, want in (("München", self.U(2)), ("Straße", self.U(2)), ("日本", self.U(2)),
                           ("Köln", self.U(2)), ("Zürich", [])):
            got = self.search(raw, "CHARSET UTF-8 BODY {}", literals=[word.encode()])
            self.assertEqual(got, want, word)
            got = self.search(raw, "CHARSET UTF-8 TEXT {}", literals=[word.encode()])
            self.assertEqual(got, want, word)
        # case-insensitive on non-ASCII too
        self.assertEqual(self.search(raw, "CHARSET UTF-8 BODY {}", literals=["MÜNCHEN".encode()]), self.U(2))
        tagged, _ = raw.cmd("SEARCH CHARSET X-NO-SUCH-CHARSET BODY foo")
        self.assertEqual(tagged.status, "NO", tagged.line)
        self.assertTrue((tagged.code or "").upper().startswith("BADCHARSET"), tagged.line)
        imap = self.imap()
        check(imap.select("INBOX"))
        imap.literal = "München".encode()
        self.assertEqual(check(imap.search("UTF-8", "BODY"))[0].split(), [b"2"])

    def test_esearch_return_options(self):
        raw = self.r
        caps = raw.capabilities()
        self.need(caps, "ESEARCH")
        tagged, untagged = raw.cmd("UID SEARCH RETURN (MIN MAX COUNT ALL) FROM bob")
        self.assertEqual(tagged.status, "OK", tagged.line)
        es = esearch_dict(untagged)
        self.assertIsNotNone(es, untagged)
        want = self.U(1, 3, 5)
        self.assertEqual(int(es["MIN"]), want[0])
        self.assertEqual(int(es["MAX"]), want[-1])
        self.assertEqual(int(es["COUNT"]), 3)
        self.assertEqual(expand_set(es["ALL"]), want)
        es_line = by_status(untagged, "ESEARCH")[0]
        self.assertRegex(es_line.line, rf'^\* ESEARCH \(TAG "{tagged.tag}"\) UID ')
        _, untagged = raw.cmd("SEARCH RETURN (COUNT) SUBJECT nothing-matches")
        es = esearch_dict(untagged)
        self.assertEqual(es.get("COUNT"), "0")
        self.assertNotIn("MIN", es)
        _, untagged = raw.cmd("SEARCH RETURN () FROM carol")
        self.assertEqual(expand_set(esearch_dict(untagged)["ALL"]), [2, 6])

    def test_searchres(self):
        raw = self.r
        caps = raw.capabilities()
        self.need(caps, "SEARCHRES")
        untagged = raw.ok("UID SEARCH RETURN (SAVE) FROM carol")
        self.assertEqual(by_status(untagged, "ESEARCH") + by_status(untagged, "SEARCH"), [],
                         "RETURN (SAVE) alone must not return results")
        got = self.fetch(raw, "$", "(UID)", uid=True)
        self.assertEqual(sorted(int(d["UID"]) for d in got.values()), self.U(2, 6))
        self.assertEqual(self.search(raw, "$ SUBJECT alpha"), self.U(6))
        raw.ok("UID STORE $ +FLAGS.SILENT (\\Answered)")
        self.assertEqual(self.search(raw, "ANSWERED"), self.U(2, 6))

    def test_sort(self):
        raw = self.r
        caps = raw.capabilities()
        self.need(caps, "SORT")
        untagged = raw.ok("UID SORT (SUBJECT) UTF-8 ALL")
        order = [int(x) for r in by_status(untagged, "SORT") for x in r.rest.split()[1:]]
        # base subjects: alpha report (1, 6: "Re:" removed, then by date/seq), beta, delta, epsilon, gamma
        self.assertEqual(order, [self.u[0], self.u[5], self.u[1], self.u[3], self.u[4], self.u[2]])
        untagged = raw.ok("SORT (REVERSE SIZE) UTF-8 ALL")
        order = [int(x) for r in by_status(untagged, "SORT") for x in r.rest.split()[1:]]
        self.assertEqual(order[0], 3)
        untagged = raw.ok("SORT (FROM) UTF-8 SUBJECT alpha")
        order = [int(x) for r in by_status(untagged, "SORT") for x in r.rest.split()[1:]]
        self.assertEqual(order, [1, 6])  # bob < carol
        untagged = raw.ok("SORT (DATE) UTF-8 ALL")
        order = [int(x) for r in by_status(untagged, "SORT") for x in r.rest.split()[1:]]
        self.assertEqual(order[:2], [5, 4])  # 2017, 2020, then the 2024 ones
        sizes = {n: int(d["RFC822.SIZE"]) for n, d in self.fetch(raw, "1:*", "(RFC822.SIZE)").items()}
        # RFC 5256: ties are broken by sequence number (ascending, also under REVERSE)
        want = [str(n).encode() for n in sorted(sizes, key=lambda n: (-sizes[n], n))]
        imap = self.imap()
        check(imap.select("INBOX"))
        self.assertEqual(check(imap.sort("(REVERSE SIZE)", "UTF-8", "ALL"))[0].split(), want)

    def test_thread(self):
        raw = self.r
        caps = raw.capabilities()
        algos = [c.split("=", 1)[1] for c in caps if c.startswith("THREAD=")]
        if not algos:
            self.skipTest("no THREAD= capability")
        for algo in algos:
            untagged = raw.ok(f"THREAD {algo} UTF-8 ALL")
            threads = by_status(untagged, "THREAD")
            self.assertEqual(len(threads), 1, untagged)
            text = threads[0].rest.decode()
            self.assertIn("(1 6)", text, f"{algo}: reply not threaded under its parent: {text}")
            for n in range(2, 6):
                self.assertRegex(text, rf"\({n}\)", f"{algo}: {text}")
            imap = self.imap()
            check(imap.select("INBOX"))
            data = check(imap.thread(algo, "UTF-8", "SUBJECT", "alpha"))
            self.assertEqual(data[0], b"(1 6)")


# ======================================================================================
# Quota, namespace, ID, ENABLE


class QuotaMiscTest(ImapCase):

    def test_quota_and_overquota(self):
        self.fill(2)
        self.server.cli("quota", "set", self.user, 20000, 10)
        raw = self.raw()
        caps = raw.capabilities()
        if self.has(caps, "QUOTA"):
            untagged = raw.ok("GETQUOTAROOT INBOX")
            roots = by_status(untagged, "QUOTAROOT")
            self.assertEqual(len(roots), 1, untagged)
            root_items = roots[0].items()
            self.assertEqual(root_items[0], "INBOX" if isinstance(root_items[0], str) else b"INBOX")
            self.assertGreaterEqual(len(root_items), 2, "INBOX has no quota root")
            quotas = by_status(untagged, "QUOTA")
            self.assertTrue(quotas, untagged)
            res = quotas[0].items()[1]
            values = {res[i].upper(): (int(res[i + 1]), int(res[i + 2])) for i in range(0, len(res), 3)}
            self.assertIn("STORAGE", values)
            used_kb, limit_kb = values["STORAGE"]
            self.assertIn(limit_kb, (20000 // 1024, -(-20000 // 1024)))  # KiB, rounded either way
            self.assertGreaterEqual(used_kb, 0)
            if "QUOTA=RES-MESSAGE" in caps or "MESSAGE" in values:
                self.assertEqual(values["MESSAGE"], (2, 10))
            root_name = root_items[1].decode() if isinstance(root_items[1], bytes) else root_items[1]
            untagged = raw.ok(f'GETQUOTA "{root_name}"')
            self.assertTrue(by_status(untagged, "QUOTA"))
        big = crlf(plain_message(self.user, subject="Too big", body=b"z" * 76 * 300 + b"\n"))
        self.assertGreater(len(big), 20000)
        tagged, _ = raw.cmd("APPEND INBOX {}", [big])
        self.assertEqual(tagged.status, "NO", tagged.line)
        self.assertEqual((tagged.code or "").upper(), "OVERQUOTA", tagged.line)
        st = by_status(raw.ok("STATUS INBOX (MESSAGES)"), "STATUS")[0]
        self.assertEqual(pairs(st.items()[1])["MESSAGES"], "2")
        # imaplib
        imap = self.imap()
        if self.has(caps, "QUOTA"):
            typ, data = imap.getquotaroot("INBOX")
            self.assertEqual(typ, "OK")
            self.assertTrue(any(b"STORAGE" in (d if isinstance(d, bytes) else b"") for d in sum(data, [])), data)

    def test_appendlimit(self):
        raw = self.raw()
        caps = raw.capabilities()
        limits = [c for c in caps if c.startswith("APPENDLIMIT")]
        if not limits:
            self.skipTest("APPENDLIMIT not advertised")
        if "=" not in limits[0]:
            self.skipTest("APPENDLIMIT without a global value")
        limit = int(limits[0].split("=", 1)[1])
        self.assertGreater(limit, 0)
        # a sync literal over the limit is refused before the data is sent
        tag = raw.next_tag()
        raw.send(f"{tag} APPEND INBOX {{{limit + 1}}}\r\n".encode())
        resp = raw.read_response()
        self.assertEqual(resp.tag, tag, f"server asked for a literal over APPENDLIMIT: {resp.line}")
        self.assertIn(resp.status, ("NO", "BAD"))
        self.assertEqual((resp.code or "").upper(), "TOOBIG", resp.line)
        raw.ok("NOOP")

    def test_namespace_id_enable(self):
        raw = self.raw()
        caps = raw.capabilities()
        if self.has(caps, "NAMESPACE"):
            r = by_status(raw.ok("NAMESPACE"), "NAMESPACE")[0]
            personal = r.items()[0]
            self.assertIsInstance(personal, list)
            self.assertEqual(personal[0][0], b"")
            imap = self.imap()
            self.assertEqual(imap.namespace()[0], "OK")
        if self.has(caps, "ID"):
            untagged = raw.ok('ID ("name" "postroom-tests" "version" "1")')
            ids = by_status(untagged, "ID")
            self.assertEqual(len(ids), 1)
            value = ids[0].items()[0]
            self.assertTrue(value is None or isinstance(value, list))
            raw2 = self.raw(login=False)
            raw2.ok("ID NIL")  # allowed before login
        if self.has(caps, "ENABLE"):
            wanted = [c for c in ("CONDSTORE", "QRESYNC", "UTF8=ACCEPT", "IMAP4REV2") if c in caps]
            untagged = raw.ok("ENABLE " + " ".join(wanted + ["X-UNKNOWN-EXT"]))
            enabled = set()
            for r in by_status(untagged, "ENABLED"):
                enabled |= {w.upper() for w in r.rest.decode().split()[1:]}
            self.assertEqual(enabled, set(wanted), untagged)
            untagged = raw.ok("ENABLE CONDSTORE") if "CONDSTORE" in caps else []
            if "IMAP4REV2" in wanted:
                # rev2: SEARCH answers with ESEARCH
                self.fill(1)
                self.select(raw)
                tagged, untagged = raw.cmd("SEARCH ALL")
                self.assertEqual(tagged.status, "OK")
                self.assertTrue(by_status(untagged, "ESEARCH"), f"rev2 SEARCH without ESEARCH: {untagged}")
                self.assertFalse(by_status(untagged, "SEARCH"))
            raw3 = self.raw(login=False)
            tagged, _ = raw3.cmd("ENABLE CONDSTORE")
            self.assertIn(tagged.status, ("BAD", "NO"), "ENABLE is not valid before authentication")

    def test_utf8_accept_mailbox_names(self):
        raw = self.raw()
        caps = raw.capabilities()
        self.need(caps, "UTF8=ACCEPT")
        raw.ok("ENABLE UTF8=ACCEPT")
        raw.ok('CREATE "Entwürfe 日本"'.encode())
        names = [r.items()[2] for r in by_status(raw.ok('LIST "" "*"'), "LIST")]
        self.assertIn("Entwürfe 日本".encode(), [n if isinstance(n, bytes) else n.encode() for n in names])
        raw2 = self.raw()  # without UTF8=ACCEPT the name comes in modified UTF-7
        names = [r.items()[2] for r in by_status(raw2.ok('LIST "" "*"'), "LIST")]
        names = [n.decode() if isinstance(n, bytes) else n for n in names]
        self.assertIn("Entw&APw-rfe &ZeVnLA-", names)


# ======================================================================================
# CONDSTORE / QRESYNC


class CondstoreTest(ImapCase):

    def modseqs(self, raw, seqset="1:*", changedsince=None):
        items = "(UID FLAGS MODSEQ)"
        if changedsince is not None:
            items = f"(UID FLAGS) (CHANGEDSINCE {changedsince})"
        got = self.fetch(raw, seqset, items)
        return {int(d["UID"]): int(d["MODSEQ"][0]) for d in got.values() if "MODSEQ" in d}

    def test_changedsince_and_unchangedsince(self):
        raw = self.raw()
        caps = raw.capabilities()
        self.need(caps, "CONDSTORE")
        self.fill(3)
        _, untagged = self.select(raw, extra=" (CONDSTORE)")
        highest = int(find_code(untagged, "HIGHESTMODSEQ").split()[1])
        uids = self.uids(raw)
        before = self.modseqs(raw)
        self.assertEqual(set(before), set(uids))
        self.assertLessEqual(max(before.values()), highest)
        self.assertEqual(self.modseqs(raw, changedsince=highest), {})
        untagged = raw.ok("STORE 2 +FLAGS (\\Flagged)")
        r = by_status(untagged, "FETCH")[0].fetch()
        self.assertIn("MODSEQ", r, "STORE answer in a CONDSTORE session lacks MODSEQ")
        new_mod = int(r["MODSEQ"][0])
        self.assertGreater(new_mod, highest)
        self.assertEqual(self.modseqs(raw, changedsince=highest), {uids[1]: new_mod})
        # UNCHANGEDSINCE: message 2 changed after `highest`, so it is not stored
        tagged, untagged = raw.cmd(f"STORE 1:2 (UNCHANGEDSINCE {highest}) +FLAGS (\\Answered)")
        self.assertEqual(tagged.status, "OK", tagged.line)
        self.assertRegex((tagged.code or ""), r"^MODIFIED 2$", tagged.line)
        flags = {n: upper_set(d["FLAGS"]) for n, d in self.fetch(raw, "1:2", "(FLAGS)").items()}
        self.assertIn("\\ANSWERED", flags[1])
        self.assertNotIn("\\ANSWERED", flags[2])
        tagged, _ = raw.cmd(f"UID STORE {uids[2]} (UNCHANGEDSINCE {before[uids[2]]}) FLAGS.SILENT (\\Seen)")
        self.assertEqual(tagged.status, "OK")
        self.assertIsNone(tagged.code)
        # SEARCH MODSEQ
        got = self.search(raw, f"MODSEQ {highest + 1}")
        self.assertEqual(got, [uids[0], uids[1], uids[2]])
        # STATUS HIGHESTMODSEQ rises
        raw2 = self.raw()
        st = pairs(by_status(raw2.ok("STATUS INBOX (HIGHESTMODSEQ)"), "STATUS")[0].items()[1])
        self.assertGreater(int(st["HIGHESTMODSEQ"]), new_mod)

    def test_qresync_select_vanished_earlier(self):
        raw = self.raw()
        caps = raw.capabilities()
        self.need(caps, "QRESYNC")
        self.fill(4)
        raw.ok("ENABLE QRESYNC")
        _, untagged = self.select(raw)
        uidvalidity = int(find_code(untagged, "UIDVALIDITY").split()[1])
        highest = int(find_code(untagged, "HIGHESTMODSEQ").split()[1])
        uids = self.uids(raw)
        raw.ok("UNSELECT") if self.has(caps, "UNSELECT") else raw.ok("CLOSE")
        # another device expunges uid 2 and flags uid 3
        other = self.raw()
        self.select(other)
        other.ok(f"UID STORE {uids[1]} +FLAGS.SILENT (\\Deleted)")
        other.ok(f"UID STORE {uids[2]} +FLAGS.SILENT (\\Flagged)")
        other.ok("EXPUNGE")
        tagged, untagged = raw.cmd(f"SELECT INBOX (QRESYNC ({uidvalidity} {highest} {uids[0]}:{uids[-1]}))")
        self.assertEqual(tagged.status, "OK", tagged.line)
        vanished = [r for r in untagged if r.status == "VANISHED"]
        self.assertEqual(len(vanished), 1, untagged)
        items = vanished[0].items()
        self.assertEqual([str(i).upper() for i in items[0]], ["EARLIER"])
        self.assertEqual(expand_set(items[1]), [uids[1]])
        fetched = {int(r.fetch()["UID"]): upper_set(r.fetch()["FLAGS"]) for r in by_status(untagged, "FETCH")}
        self.assertEqual(set(fetched), {uids[2]}, untagged)
        self.assertIn("\\FLAGGED", fetched[uids[2]])
        # with QRESYNC enabled, expunges in the selected mailbox come as VANISHED
        other.ok(f"UID STORE {uids[3]} +FLAGS.SILENT (\\Deleted)")
        other.ok("EXPUNGE")
        untagged = raw.ok("NOOP")
        self.assertEqual(by_status(untagged, "EXPUNGE"), [])
        van = [r for r in untagged if r.status == "VANISHED"]
        self.assertEqual(len(van), 1, untagged)
        self.assertEqual(expand_set(van[0].items()[0]), [uids[3]])
        # UID FETCH ... (CHANGEDSINCE m VANISHED)
        untagged = raw.ok(f"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {highest} VANISHED)")
        van = [r for r in untagged if r.status == "VANISHED"]
        self.assertTrue(van)
        self.assertEqual(sorted(expand_set(van[0].items()[1])), [uids[1], uids[3]])


# ======================================================================================
# COMPRESS=DEFLATE


class ObjectIdSaveDateTest(ImapCase):
    """RFC 8474 OBJECTID (MAILBOXID, EMAILID) and RFC 8514 SAVEDATE."""

    def test_mailboxid_emailid_and_savedate(self):
        raw = self.raw()
        caps = raw.capabilities()
        self.need(caps, "OBJECTID")
        self.need(caps, "SAVEDATE")
        self.fill(1)
        _, untagged = self.select(raw)
        mailboxid = find_code(untagged, "MAILBOXID")
        self.assertIsNotNone(mailboxid, "SELECT must send [MAILBOXID (id)]")
        inbox_id = mailboxid.split("(")[1].rstrip(")")
        st = raw.ok("STATUS INBOX (MAILBOXID MESSAGES)")
        self.assertIn(f"MAILBOXID ({inbox_id})", by_status(st, "STATUS")[0].raw.decode())
        st = raw.ok("STATUS Archive (MAILBOXID)")
        self.assertNotIn(f"({inbox_id})", by_status(st, "STATUS")[0].raw.decode(), "mailbox ids must differ")

        got = self.fetch(raw, "1", "(EMAILID THREADID SAVEDATE)")[1]
        emailid = got["EMAILID"][0]
        self.assertRegex(emailid, r"^[A-Za-z0-9_-]{1,255}$")
        self.assertIn("SAVEDATE", got)
        # A copy is the same email: EMAILID stays; SAVEDATE is when it entered the mailbox.
        raw.ok("COPY 1 Archive")
        raw.ok("SELECT Archive")
        copied = self.fetch(raw, "1", "(EMAILID SAVEDATE)")[1]
        self.assertEqual(copied["EMAILID"][0], emailid)
        self.assertTrue(copied["SAVEDATE"], "SAVEDATE of a copy must be set")
        # SEARCH EMAILID and SAVEDSINCE find it.
        self.assertEqual(self.search(raw, f"EMAILID {emailid}", uid=False), [1])
        self.assertEqual(self.search(raw, "SAVEDSINCE 1-Jan-2000", uid=False), [1])
        self.assertEqual(self.search(raw, "SAVEDBEFORE 1-Jan-2000", uid=False), [])


class CompressTest(ImapCase):

    def test_compress_deflate_round_trip(self):
        raw = self.raw()
        caps = raw.capabilities()
        self.need(caps, "COMPRESS=DEFLATE")
        msg, _ = mime_message(self.user, token="zip1")
        stored = self.deliver(msg)
        tagged = raw.compress()
        self.assertEqual(tagged.status, "OK", tagged.line)
        self.select(raw)
        got = self.fetch(raw, "1", "(BODY.PEEK[])")
        self.assertEqual(got[1]["BODY[]"], stored)
        raw.ok("NOOP")
        tagged, _ = raw.cmd("COMPRESS DEFLATE")
        self.assertIn(tagged.status, ("NO", "BAD"))
        self.assertEqual((tagged.code or "").upper(), "COMPRESSIONACTIVE", tagged.line)
        appended = crlf(plain_message(self.user, subject="compressed append"))
        self.append(raw, "INBOX", appended)
        self.assertEqual(self.fetch(raw, "2", "(BODY.PEEK[])")[2]["BODY[]"], appended)
        raw.logout()


# ======================================================================================
# Errors and limits


class ErrorTest(ImapCase):

    def test_bad_sequence_set_keeps_session(self):
        self.fill(2)
        raw = self.raw()
        self.select(raw)
        for bad in ("FETCH 0 (FLAGS)", "FETCH x:y (FLAGS)", "FETCH 1:: FLAGS", "STORE 1,,2 +FLAGS (\\Seen)",
                    "UID FETCH -1 FLAGS", "FETCH 1 (NOSUCHITEM)", "FETCH 1 (BODY[1.x])", "FETCH 1 BODY[",
                    "COPY  INBOX"):
            tagged, _ = raw.cmd(bad)
            self.assertEqual(tagged.status, "BAD", f"{bad} -> {tagged.line}")
        tagged, untagged = raw.cmd("FETCH 3 (FLAGS)")  # out of range: BAD (RFC 9051 §6.4.5)
        self.assertIn(tagged.status, ("BAD", "NO", "OK"))
        self.assertEqual(by_status(untagged, "FETCH"), [])
        self.assertEqual(len(self.fetch(raw, "1:*", "(FLAGS)")), 2)

    def test_unknown_and_misplaced_commands(self):
        # before login (few: a server may drop a client after several bad commands there)
        raw = self.raw(login=False)
        for bad in ("FROBNICATE", "SELECT INBOX"):
            tagged, _ = raw.cmd(bad)
            self.assertIn(tagged.status, ("BAD", "NO"), f"{bad} -> {tagged.line}")
        raw.login(self.user)
        for bad in ("FROBNICATE", "FETCH 1 FLAGS", "LOGIN a b", "SELECT", "STORE", '"quoted" tag'):
            tagged, _ = raw.cmd(bad)
            self.assertEqual(tagged.status, "BAD", f"{bad} -> {tagged.line}")
        raw.send(b"\r\n")  # empty line: untagged (or tagged "") BAD
        resp = raw.read_response()
        self.assertEqual(resp.status, "BAD", resp.line)
        raw.ok("NOOP")
        self.select(raw)

    def test_select_nonexistent_and_create_existing(self):
        raw = self.raw()
        tagged, _ = raw.cmd("SELECT Nowhere")
        self.assertEqual(tagged.status, "NO")
        self.assertEqual((tagged.code or "").upper(), "NONEXISTENT", tagged.line)
        tagged, untagged = raw.cmd("FETCH 1 FLAGS")
        self.assertEqual(tagged.status, "BAD", "a failed SELECT leaves no mailbox selected")
        tagged, _ = raw.cmd("CREATE Trash")
        self.assertEqual(tagged.status, "NO")
        self.assertEqual((tagged.code or "").upper(), "ALREADYEXISTS", tagged.line)
        tagged, _ = raw.cmd("CREATE inbox")
        self.assertEqual(tagged.status, "NO")
        tagged, _ = raw.cmd('EXAMINE "Junk"')
        self.assertEqual(tagged.status, "OK")

    def test_too_long_line(self):
        raw = self.raw()
        try:
            raw.send(b'A1 SELECT "' + b"x" * (8 * 1024 * 1024) + b'"\r\n')
        except OSError:
            pass  # the server may stop reading (and close) once it has answered; read that answer
        try:
            resp = raw.read_response(timeout=30)
        except (ConnectionError, OSError) as e:
            self.fail(f"server closed the connection without answering BAD [TOOBIG] / NO / BYE: {e}")
        while resp.tag == "*" and resp.status not in ("BAD", "BYE"):
            resp = raw.read_response(timeout=30)
        self.assertIn(resp.status, ("BAD", "NO", "BYE"), resp.line)
        if resp.tag == "A1" and resp.status == "BAD":
            self.assertEqual((resp.code or "").upper(), "TOOBIG", resp.line)
        # the server is fine
        other = self.raw()
        other.ok("NOOP")

    def test_huge_literal_refused(self):
        raw = self.raw()
        tag = raw.next_tag()
        raw.send(f"{tag} APPEND INBOX {{40000000000}}\r\n".encode())  # 40 GB
        resp = raw.read_response()
        self.assertNotEqual(resp.tag, "+", "server asked for a 40 GB literal")
        self.assertEqual(resp.tag, tag, resp.line)
        self.assertIn(resp.status, ("NO", "BAD"), resp.line)
        self.assertEqual((resp.code or "").upper(), "TOOBIG", resp.line)
        raw.ok("NOOP")  # still in sync
        # a non-synchronizing one cannot be refused in time: the server answers and may close
        raw2 = self.raw()
        raw2.send(b"B1 APPEND INBOX {40000000000+}\r\n" + b"x" * 1000)
        try:
            resp = raw2.read_response(timeout=10)
            while resp.tag == "*" and resp.status not in ("BYE",):
                resp = raw2.read_response(timeout=10)
            self.assertIn(resp.status, ("NO", "BAD", "BYE"), resp.line)
        except ConnectionError:
            pass
        self.raw().ok("NOOP")


# ======================================================================================
# Golden transcripts (exact lines, volatile values as regex groups)


class GoldenTest(ImapCase):
    """Raw socket, exact response lines. In templates: <N> = a number, <TEXT> = any human text,
    <CAPS> = a capability list; everything else literal."""

    def expect(self, raw, command, template, literals=()):
        tagged, untagged = raw.cmd(command, literals)
        # IMAP4rev1 sessions may get "* N RECENT" after changes; IMAP4rev2 has no \Recent
        got = [r.line for r in untagged if getattr(self, "rev2", False) or r.status != "RECENT"]
        got.append(tagged.line)
        want = [t if isinstance(t, tuple) else (t,) for t in template]
        want = [tuple(a.replace("<TAG>", tagged.tag) for a in t) for t in want]
        self.assertEqual(len(got), len(want), f"{command}:\n got {got}\nwant {want}")
        for g, alternatives in zip(got, want):
            self.assertTrue(any(re.match(self.pattern(w), g) for w in alternatives),
                            f"{command}:\n got {got}\nwant {want}")
        return tagged, untagged

    @staticmethod
    def pattern(w):
        volatile = {"<RECENT>": r"( \\Recent)?", "<N>": r"[1-9]\d*", "<TEXT>": r"[^\r\n]*"}
        out = re.escape(w)
        for token, regex in volatile.items():
            out = out.replace(re.escape(token), regex)
        return "^" + out + "$"

    def test_golden_session(self):
        raw = self.raw(login=False)
        self.assertRegex(raw.greeting.line, r"^\* OK( \[CAPABILITY [^\]]+\])? .*$")
        self.expect(raw, "NOOP", ["<TAG> OK<TEXT>"])
        t, _ = raw.cmd(f'LOGIN "{self.user}" "{PASSWORD}"')
        self.assertRegex(t.line, r"^A\d+ OK( \[CAPABILITY [^\]]+\])? .*$")
        rev2 = self.rev2 = "IMAP4REV2" in raw.capabilities()
        if rev2:
            self.expect(raw, "ENABLE IMAP4rev2", ["* ENABLED IMAP4rev2", "<TAG> OK<TEXT>"])
        self.expect(raw, "CREATE Golden", ["<TAG> OK<TEXT>"])
        self.expect(raw, "STATUS Golden (MESSAGES UNSEEN)", ["* STATUS Golden (MESSAGES 0 UNSEEN 0)",
                                                             "<TAG> OK<TEXT>"])
        msg = b"Subject: golden\r\n\r\nhello\r\n"
        caps = raw.capabilities()
        appended = ["<TAG> OK [APPENDUID <N> 1]<TEXT>"] if self.has(caps, "UIDPLUS") else ["<TAG> OK<TEXT>"]
        self.expect(raw, "APPEND Golden (\\Seen) {}", appended, [msg])
        t, u = raw.cmd("SELECT Golden")
        self.assertEqual(t.status, "OK")
        self.assertIn("* 1 EXISTS", [r.line for r in u])
        self.expect(raw, "FETCH 1 (UID)", ["* 1 FETCH (UID 1)", "<TAG> OK<TEXT>"])
        self.expect(raw, "FETCH 1 (RFC822.SIZE)", [f"* 1 FETCH (RFC822.SIZE {len(msg)})", "<TAG> OK<TEXT>"])
        self.expect(raw, "FETCH 1 (FLAGS)", ["* 1 FETCH (FLAGS (\\Seen<RECENT>))", "<TAG> OK<TEXT>"])
        self.expect(raw, "FETCH 1 (BODY.PEEK[TEXT])", ["* 1 FETCH (BODY[TEXT] {7}\r\nhello\r\n)", "<TAG> OK<TEXT>"])
        self.expect(raw, "STORE 1 +FLAGS (\\Flagged)", [("* 1 FETCH (FLAGS (\\Seen \\Flagged<RECENT>))", "* 1 FETCH (FLAGS (\\Flagged \\Seen<RECENT>))"), "<TAG> OK<TEXT>"])
        if rev2:
            self.expect(raw, "UID SEARCH FLAGGED", ['* ESEARCH (TAG "<TAG>") UID ALL 1', "<TAG> OK<TEXT>"])
        else:
            self.expect(raw, "UID SEARCH FLAGGED", ["* SEARCH 1", "<TAG> OK<TEXT>"])
        self.expect(raw, "STORE 1 +FLAGS.SILENT (\\Deleted)", ["<TAG> OK<TEXT>"])
        self.expect(raw, "EXPUNGE", ["* 1 EXPUNGE", "<TAG> OK<TEXT>"])
        self.expect(raw, "FROBNICATE", ["<TAG> BAD<TEXT>"])
        # a failed SELECT closes the selected mailbox; rev2 (and QRESYNC) announce it with [CLOSED]
        closing = ["* OK [CLOSED]<TEXT>"] if rev2 else []
        if not rev2:
            raw.ok("CLOSE")
        self.expect(raw, "SELECT Nowhere", closing + ["<TAG> NO [NONEXISTENT]<TEXT>"])
        self.expect(raw, "LOGOUT", ["* BYE<TEXT>", "<TAG> OK<TEXT>"])

    def test_golden_preauth_capability_and_logindisabled(self):
        raw = self.raw(mode="starttls", login=False)
        t, u = raw.cmd("CAPABILITY")
        self.assertEqual(len(u), 1)
        self.assertRegex(u[0].line, r"^\* CAPABILITY( \S+)+$")
        words = u[0].line.split()[2:]
        self.assertIn("IMAP4rev1", words)  # exact spelling, as RFC 3501 writes it
        self.assertIn("STARTTLS", words)
        self.assertIn("LOGINDISABLED", words)
        self.assertRegex(t.line, r"^A\d+ OK")
        self.expect(raw, f'LOGIN "{self.user}" "{PASSWORD}"', ["<TAG> NO<TEXT>"])
        self.expect(raw, "STARTTLS", ["<TAG> OK<TEXT>"])


if __name__ == "__main__":
    unittest.main()
