"""Golden transcripts, one or more per IMAP command: the success case and error cases.

Every exchange is compared line by line with the exact lines the RFCs (3501, 9051 and the
advertised extensions) make the server send. Placeholders in templates, for values that are
really volatile (everything else is literal):

    <TAG>       the command's tag           <TEXT>  optional " free text" (human-readable part)
    <N>         a positive number           <UIDVALIDITY>, <MODSEQ>  positive numbers (nz-number,
    <DATE>      a quoted date-time                  mod-sequence-value: both >= 1)
    <OBJECTID>  an RFC 8474 objectid        <CAPS>  a capability list

A template line may be a tuple of alternatives (where the RFC allows several answers). The
parenthesised lists of FLAGS, PERMANENTFLAGS and LIST/LSUB attributes, and STATUS item pairs,
are compared as sets (their order is not defined); "?\\Attr" in a LIST template marks an
attribute the server may or may not send (\\HasChildren/\\HasNoChildren when CHILDREN was not
requested). Where the RFC does not fix the order of untagged responses (SELECT), `unordered=True`.

Run: POSTROOM_BIN_DIR=/abs/build/dev/src/bin python3 -m unittest -v test_imap_golden
"""

import base64
import itertools
import re
import socket
import ssl
import time
import unittest

from imap_harness import PASSWORD, ImapTestCase, RawImap

PERM = "\\Answered \\Flagged \\Deleted \\Seen \\Draft"


def msg(n, to):
    """Three small test messages (CRLF), distinct Message-IDs; 2 answers 1."""
    local, domain = to.split("@")
    if n == 1:
        return (b"From: a@b.test\r\nTo: " + to.encode() + b"\r\nSubject: alpha\r\n"
                b"Date: Tue, 02 Jan 2024 10:00:00 +0000\r\nMessage-ID: <m1@b.test>\r\n"
                b"Content-Type: text/plain; charset=us-ascii\r\n\r\nhello world\r\n")
    if n == 2:
        return (b"From: c@b.test\r\nTo: " + to.encode() + b"\r\nSubject: Re: alpha\r\n"
                b"Date: Wed, 03 Jan 2024 10:00:00 +0000\r\nMessage-ID: <m2@b.test>\r\n"
                b"In-Reply-To: <m1@b.test>\r\nReferences: <m1@b.test>\r\n\r\nsecond body\r\n")
    return (b"From: d@b.test\r\nTo: " + to.encode() + b"\r\nSubject: beta\r\n"
            b"Date: Mon, 01 Jan 2024 10:00:00 +0000\r\nMessage-ID: <m3@b.test>\r\n\r\nthird\r\n")


# ------------------------------------------------------------------------------------------
# Matching

_SETLIST = re.compile(r"^(\* (?:LIST|LSUB) \(|\* FLAGS \(|.*\[PERMANENTFLAGS \(|\* \d+ FETCH \(.*?FLAGS \()([^()]*)(\))")
_STATUS = re.compile(r"^(\* STATUS .* \()([^()]*)(\))$")
VOLATILE = {
    "<TAG>": None,  # replaced by the real tag before matching
    "<TEXT>": r"(?: [^\r\n]*)?",
    "<N>": r"[1-9]\d*",
    "<UIDVALIDITY>": r"[1-9]\d*",
    "<MODSEQ>": r"[1-9]\d*",
    "<DATE>": r'"[ 0-3]\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d [+-]\d{4}"',
    "<OBJECTID>": r"[A-Za-z0-9_-]{1,255}",
    "<CAPS>": r"[^\]\r\n]+",
}


def canon(line):
    """Sorts set-like lists so their order does not matter."""
    m = _SETLIST.match(line)
    if m:
        words = sorted(m.group(2).split(), key=str.upper)
        line = m.group(1) + " ".join(words) + line[m.end(2):]
    m = _STATUS.match(line)
    if m:
        w = m.group(2).split()
        items = sorted(zip(w[0::2], w[1::2]), key=lambda kv: kv[0].upper())
        line = m.group(1) + " ".join(f"{k} {v}" for k, v in items) + m.group(3)
    return line


def expand_optional(want):
    """'* LIST (\\Sent ?\\HasNoChildren) ...' -> the variants with and without each ?attr."""
    opts = re.findall(r"\?(\\\w+)", want)
    if not opts:
        return [want]
    base = re.sub(r" ?\?\\\w+", "", want).replace("( ", "(")
    out = []
    for k in range(len(opts) + 1):
        for combo in itertools.combinations(opts, k):
            v = base
            if combo:
                v = re.sub(r"^(\* (?:LIST|LSUB) \()", lambda m: m.group(1) + " ".join(combo) + " ", v)
                v = v.replace(" )", ")")
            out.append(v)
    return out


def to_regex(want, tag):
    want = canon(want.replace("<TAG>", tag))
    out = re.escape(want)
    for token, regex in VOLATILE.items():
        if regex:
            out = out.replace(re.escape(token), regex)
    return "^" + out + "$"


def line_matches(want, got, tag):
    alts = want if isinstance(want, tuple) else (want,)
    for alt in alts:
        for variant in expand_optional(alt):
            if re.match(to_regex(variant, tag), canon(got)):
                return True
    return False


class GoldenCase(ImapTestCase):
    """Helpers: exact transcripts over RawImap."""

    rev2 = False  # set per connection by enable_rev2()

    def check_lines(self, label, got, template, tag, unordered=False):
        msg_ = f"{label}:\n got  {got}\n want {template}"
        if unordered:
            *body, last = template
            self.assertTrue(got and line_matches(last, got[-1], tag), msg_)
            rest = list(got[:-1])
            self.assertEqual(len(rest), len(body), msg_)
            for w in body:
                hit = next((g for g in rest if line_matches(w, g, tag)), None)
                self.assertIsNotNone(hit, f"{msg_}\n missing {w!r}")
                rest.remove(hit)
            return
        self.assertEqual(len(got), len(template), msg_)
        for g, w in zip(got, template):
            self.assertTrue(line_matches(w, g, tag), f"{msg_}\n line {g!r} != {w!r}")

    def expect(self, raw, command, template, literals=(), nonsync=False, unordered=False, one_of=None):
        """Sends `command`, compares untagged + tagged lines with `template` (or any of `one_of`).
        Continuation requests ('+ ...') for synchronizing literals are checked too."""
        start = len(raw.transcript)
        tagged, untagged = raw.cmd(command, literals, nonsync=nonsync)
        got = [r.line for r in untagged] + [tagged.line]
        conts = [d for (direction, d) in raw.transcript[start:] if direction == "<" and d.startswith(b"+")]
        if literals and not nonsync:
            self.assertEqual(len(conts), len(literals), f"{command}: continuation requests {conts}")
            for c in conts:
                self.assertRegex(c.decode(), r"^\+ [^\r\n]*\r\n$", command)
        elif literals:
            self.assertEqual(conts, [], f"{command}: LITERAL+ literal got a continuation request")
        templates = one_of or [template]
        errors = []
        for t in templates:
            try:
                self.check_lines(command, got, t, tagged.tag, unordered)
                return tagged, untagged
            except AssertionError as e:
                errors.append(str(e))
        self.fail("\n".join(errors))

    def send_line(self, raw, line, template, tag=None):
        """Sends a raw line (continuation data, DONE, ...) and matches responses up to the tagged one
        (or exactly len(template) lines when tag is None)."""
        raw.send(line if isinstance(line, bytes) else line.encode())
        got = []
        while True:
            r = raw.read_response()
            got.append(r.line)
            if (tag and r.tag == tag) or (not tag and len(got) == len(template)):
                break
        self.check_lines(repr(line), got, template, tag or "")
        return got

    def conn(self, mode="tls", login=True):
        return self.raw(mode=mode, login=login)

    def enable_rev2(self, raw):
        self.expect(raw, "ENABLE IMAP4rev2", ["* ENABLED IMAP4rev2", "<TAG> OK<TEXT>"])

    def append_all(self, raw, mailbox="INBOX", which=(1, 2, 3)):
        for n in which:
            flags = "(\\Seen) " if n == 1 else ""
            t, _ = raw.cmd(f'APPEND {mailbox} {flags}{{}}', [msg(n, self.user)])
            self.assertEqual(t.status, "OK", t.line)

    def select_lines(self, exists, uidnext, unseen=None, rev2=False, readonly=False, mailbox="INBOX"):
        """The RFC 3501 / RFC 9051 set of SELECT/EXAMINE responses (unordered) + tagged."""
        lines = ["* FLAGS (" + PERM + ")",
                 "* OK [PERMANENTFLAGS ()]<TEXT>" if readonly else "* OK [PERMANENTFLAGS (" + PERM + " \\*)]<TEXT>",
                 f"* {exists} EXISTS",
                 "* OK [UIDVALIDITY <UIDVALIDITY>]<TEXT>",
                 f"* OK [UIDNEXT {uidnext}]<TEXT>"]
        if rev2:
            # RFC 9051 6.3.2: MUST; a special-use attribute may ride along (RFC 6154 §2).
            use = {"Trash": " ?\\Trash", "Sent": " ?\\Sent", "Drafts": " ?\\Drafts", "Junk": " ?\\Junk",
                   "Archive": " ?\\Archive"}.get(mailbox, "")
            lines.append(f'* LIST (?\\HasNoChildren{use}) "/" {mailbox}')
        else:
            lines.append("* 0 RECENT")
            if unseen:
                lines.append(f"* OK [UNSEEN {unseen}]<TEXT>")  # RFC 3501 erratum 3032: MUST if any
        return lines + ["<TAG> OK [READ-ONLY]<TEXT>" if readonly else "<TAG> OK [READ-WRITE]<TEXT>"]

    def select(self, raw, command, lines):
        """SELECT/EXAMINE: the required lines in any order; HIGHESTMODSEQ (>= 1) and MAILBOXID
        may come in addition, and [CLOSED] when a mailbox was selected before."""
        tagged, untagged = raw.cmd(command)
        got = [r.line for r in untagged] + [tagged.line]
        extra = [g for g in got[:-1] if re.match(r"^\* OK \[(HIGHESTMODSEQ|MAILBOXID|CLOSED)\b", g)]
        for g in extra:
            if "HIGHESTMODSEQ" in g:
                self.assertRegex(g, r"^\* OK \[HIGHESTMODSEQ [1-9]\d*\]", "RFC 7162: mod-sequence-value >= 1")
            if "MAILBOXID" in g:
                self.assertRegex(g, r"^\* OK \[MAILBOXID \([A-Za-z0-9_-]{1,255}\)\]( .*)?$")
        rest = [g for g in got if g not in extra]
        self.check_lines(command, rest, lines, tagged.tag, unordered=True)
        return tagged, untagged


# ------------------------------------------------------------------------------------------
# Not authenticated state


class NotAuthenticatedGolden(GoldenCase):

    def test_greeting_capability_noop(self):
        raw = self.conn("starttls", login=False)
        self.check_lines("greeting", [raw.greeting.line], ["* OK [CAPABILITY <CAPS>]<TEXT>"], "")
        t, u = self.expect(raw, "CAPABILITY", ["* CAPABILITY <CAPS>", "<TAG> OK<TEXT>"])
        words = u[0].line.split()[2:]
        for w in ("IMAP4rev1", "STARTTLS", "LOGINDISABLED"):
            self.assertIn(w, words)
        self.assertNotIn("AUTH=PLAIN", words, "no plaintext AUTH before STARTTLS")
        self.expect(raw, "NOOP", ["<TAG> OK<TEXT>"])
        # errors: arguments where none are allowed
        self.expect(raw, "CAPABILITY x", ["<TAG> BAD<TEXT>"])
        self.expect(raw, "NOOP x", ["<TAG> BAD<TEXT>"])
        self.expect(raw, "NOOP", ["<TAG> OK<TEXT>"])

    def test_starttls(self):
        raw = self.conn("starttls", login=False)
        self.expect(raw, "STARTTLS", ["<TAG> OK<TEXT>"])
        self.assertEqual(raw.buf, b"", "nothing may follow the STARTTLS OK in plaintext")
        raw.sock = self.server.ssl_context(True).wrap_socket(raw.sock)
        t, u = self.expect(raw, "CAPABILITY", ["* CAPABILITY <CAPS>", "<TAG> OK<TEXT>"])
        words = u[0].line.split()[2:]
        self.assertNotIn("STARTTLS", words)
        self.assertNotIn("LOGINDISABLED", words)
        self.assertIn("AUTH=PLAIN", words)
        # error: STARTTLS again (no longer advertised) / on the implicit-TLS port
        self.expect(raw, "STARTTLS", [("<TAG> BAD<TEXT>", "<TAG> NO<TEXT>")])
        tls = self.conn("tls", login=False)
        self.expect(tls, "STARTTLS", [("<TAG> BAD<TEXT>", "<TAG> NO<TEXT>")])
        self.expect(tls, "NOOP", ["<TAG> OK<TEXT>"])

    def test_login(self):
        plain = self.conn("starttls", login=False)
        self.expect(plain, f'LOGIN "{self.user}" "{PASSWORD}"', ["<TAG> NO<TEXT>"])  # LOGINDISABLED
        raw = self.conn(login=False)
        self.expect(raw, f'LOGIN "{self.user}" "wrong"', ["<TAG> NO [AUTHENTICATIONFAILED]<TEXT>"])
        self.expect(raw, "LOGIN onlyone", ["<TAG> BAD<TEXT>"])
        self.expect(raw, f'LOGIN "{self.user}" "{PASSWORD}"',
                    [("<TAG> OK [CAPABILITY <CAPS>]<TEXT>", "<TAG> OK<TEXT>")])
        self.expect(raw, f'LOGIN "{self.user}" "{PASSWORD}"', ["<TAG> BAD<TEXT>"])  # wrong state

    def test_authenticate_plain_sasl_ir(self):
        raw = self.conn(login=False)
        bad = base64.b64encode(f"\0{self.user}\0wrong".encode()).decode()
        self.expect(raw, f"AUTHENTICATE PLAIN {bad}", ["<TAG> NO [AUTHENTICATIONFAILED]<TEXT>"])
        self.expect(raw, "AUTHENTICATE X-NOSUCH", ["<TAG> NO<TEXT>"])  # unsupported mechanism
        ok = base64.b64encode(f"\0{self.user}\0{PASSWORD}".encode()).decode()
        self.expect(raw, f"AUTHENTICATE PLAIN {ok}", [("<TAG> OK [CAPABILITY <CAPS>]<TEXT>", "<TAG> OK<TEXT>")])
        self.expect(raw, f"AUTHENTICATE PLAIN {ok}", ["<TAG> BAD<TEXT>"])  # already authenticated
        plain = self.conn("starttls", login=False)
        self.expect(plain, f"AUTHENTICATE PLAIN {ok}", ["<TAG> NO<TEXT>"])  # no AUTH=PLAIN before TLS

    def test_authenticate_plain_continuation(self):
        raw = self.conn(login=False)
        # cancel with "*": BAD (RFC 9051 6.2.2)
        self.send_line(raw, b"C1 AUTHENTICATE PLAIN\r\n", ["+ "])
        self.send_line(raw, b"*\r\n", ["C1 BAD<TEXT>"], tag="C1")
        # invalid base64: BAD
        self.send_line(raw, b"C2 AUTHENTICATE PLAIN\r\n", ["+ "])
        self.send_line(raw, b"!!notbase64\r\n", ["C2 BAD<TEXT>"], tag="C2")
        # wrong password: NO
        self.send_line(raw, b"C3 AUTHENTICATE PLAIN\r\n", ["+ "])
        self.send_line(raw, base64.b64encode(f"\0{self.user}\0nope".encode()) + b"\r\n",
                       ["C3 NO [AUTHENTICATIONFAILED]<TEXT>"], tag="C3")
        # success
        self.send_line(raw, b"C4 AUTHENTICATE PLAIN\r\n", ["+ "])
        self.send_line(raw, base64.b64encode(f"\0{self.user}\0{PASSWORD}".encode()) + b"\r\n",
                       [("C4 OK [CAPABILITY <CAPS>]<TEXT>", "C4 OK<TEXT>")], tag="C4")
        self.expect(raw, "NAMESPACE", ['* NAMESPACE (("" "/")) NIL NIL', "<TAG> OK<TEXT>"])

    def test_logout(self):
        raw = self.conn(login=False)
        self.expect(raw, "LOGOUT x", ["<TAG> BAD<TEXT>"])
        self.expect(raw, "LOGOUT", ["* BYE<TEXT>", "<TAG> OK<TEXT>"])
        with self.assertRaises((ConnectionError, OSError)):
            raw.sock.settimeout(5)
            raw.readline(timeout=5)  # the server closes after the tagged OK

    def test_id(self):
        raw = self.conn(login=False)
        id_line = r'^\* ID (NIL|\(("[^"]*" ("[^"]*"|NIL))( "[^"]*" ("[^"]*"|NIL))*\))$'
        t, u = raw.cmd("ID NIL")
        self.assertEqual(t.status, "OK", t.line)
        self.assertEqual(len(u), 1, u)
        self.assertRegex(u[0].line, id_line)
        t, u = raw.cmd('ID ("name" "golden" "version" "1")')
        self.assertRegex(t.line, r"^A\d+ OK( .*)?$")
        self.assertEqual(len(u), 1, u)
        self.assertRegex(u[0].line, id_line)
        self.expect(raw, "ID foo", ["<TAG> BAD<TEXT>"])
        self.expect(raw, "ID", ["<TAG> BAD<TEXT>"])

    def test_wrong_state_before_login(self):
        raw = self.conn(login=False)
        for command in ("SELECT INBOX", "ENABLE CONDSTORE", "NAMESPACE", "IDLE"):
            self.expect(raw, command, ["<TAG> BAD<TEXT>"])
        raw = self.conn(login=False)
        for command in ('LIST "" "*"', "CREATE Foo", "STATUS INBOX (MESSAGES)", "COMPRESS DEFLATE"):
            self.expect(raw, command, ["<TAG> BAD<TEXT>"])
        raw = self.conn(login=False)
        for command in ("GETQUOTAROOT INBOX", "FETCH 1 FLAGS", "CLOSE"):
            self.expect(raw, command, ["<TAG> BAD<TEXT>"])
        self.expect(raw, "NOOP", ["<TAG> OK<TEXT>"])


# ------------------------------------------------------------------------------------------
# Authenticated state: ENABLE, NAMESPACE, mailboxes, LIST, STATUS, APPEND, QUOTA


class MailboxGolden(GoldenCase):

    def test_enable(self):
        raw = self.conn()
        self.expect(raw, "ENABLE CONDSTORE", ["* ENABLED CONDSTORE", "<TAG> OK<TEXT>"])
        self.expect(raw, "ENABLE X-NOSUCH", ["* ENABLED", "<TAG> OK<TEXT>"])  # RFC 5161: unknown ignored
        self.expect(raw, "ENABLE", ["<TAG> BAD<TEXT>"])
        self.enable_rev2(raw)

    def test_namespace(self):
        raw = self.conn()
        self.expect(raw, "NAMESPACE", ['* NAMESPACE (("" "/")) NIL NIL', "<TAG> OK<TEXT>"])
        self.expect(raw, "NAMESPACE x", ["<TAG> BAD<TEXT>"])

    def test_create_delete_rename(self):
        raw = self.conn()
        self.expect(raw, "CREATE Work", ["<TAG> OK<TEXT>"])
        self.expect(raw, "CREATE Work", ["<TAG> NO [ALREADYEXISTS]<TEXT>"])
        self.expect(raw, "CREATE INBOX", [("<TAG> NO [ALREADYEXISTS]<TEXT>", "<TAG> NO<TEXT>")])
        self.expect(raw, "CREATE", ["<TAG> BAD<TEXT>"])
        self.expect(raw, "CREATE Work/Sub", ["<TAG> OK<TEXT>"])
        self.expect(raw, 'LIST "" "Work*"', ['* LIST (\\HasChildren) "/" Work',
                                             '* LIST (\\HasNoChildren) "/" Work/Sub', "<TAG> OK<TEXT>"])
        self.expect(raw, "RENAME Work/Sub Work/Renamed", ["<TAG> OK<TEXT>"])
        self.expect(raw, "RENAME Nowhere Other", ["<TAG> NO [NONEXISTENT]<TEXT>"])
        self.expect(raw, "RENAME Work Trash", ["<TAG> NO [ALREADYEXISTS]<TEXT>"])
        self.expect(raw, "RENAME Work", ["<TAG> BAD<TEXT>"])
        self.expect(raw, "DELETE Work/Renamed", ["<TAG> OK<TEXT>"])
        self.expect(raw, "DELETE Nowhere", ["<TAG> NO [NONEXISTENT]<TEXT>"])
        self.expect(raw, "DELETE INBOX", ["<TAG> NO<TEXT>"])
        self.expect(raw, "DELETE", ["<TAG> BAD<TEXT>"])
        self.expect(raw, 'LIST "" "Work*"', ['* LIST (\\HasNoChildren) "/" Work', "<TAG> OK<TEXT>"])

    def test_create_special_use(self):
        raw = self.conn()
        self.expect(raw, "CREATE Outbox (USE (\\Sent))", ["<TAG> OK<TEXT>"])
        self.expect(raw, 'LIST "" Outbox', ['* LIST (\\Sent ?\\HasNoChildren) "/" Outbox', "<TAG> OK<TEXT>"])
        self.expect(raw, "CREATE Everything (USE (\\All))", ["<TAG> NO [USEATTR]<TEXT>"])
        self.expect(raw, "CREATE Broken (USE (\\Sent)", ["<TAG> BAD<TEXT>"])
        self.expect(raw, 'LIST "" Everything', ["<TAG> OK<TEXT>"])  # not created

    def test_subscribe_unsubscribe_lsub(self):
        raw = self.conn()
        self.expect(raw, "LSUB \"\" \"*\"", ["<TAG> OK<TEXT>"])
        self.expect(raw, "SUBSCRIBE Sent", ["<TAG> OK<TEXT>"])
        self.expect(raw, 'LSUB "" "*"', ['* LSUB (?\\HasNoChildren ?\\Sent) "/" Sent', "<TAG> OK<TEXT>"])
        self.expect(raw, 'LIST (SUBSCRIBED) "" "*"',
                    ['* LIST (\\Subscribed \\Sent ?\\HasNoChildren) "/" Sent', "<TAG> OK<TEXT>"])
        # RFC 9051 6.3.7: a server MAY refuse a nonexistent name
        self.expect(raw, "SUBSCRIBE Nowhere", [("<TAG> OK<TEXT>", "<TAG> NO [NONEXISTENT]<TEXT>")])
        self.expect(raw, "SUBSCRIBE", ["<TAG> BAD<TEXT>"])
        self.expect(raw, "UNSUBSCRIBE Sent", ["<TAG> OK<TEXT>"])
        self.expect(raw, "UNSUBSCRIBE Sent", ["<TAG> OK<TEXT>"])  # RFC 9051 6.3.8: OK if not subscribed
        self.expect(raw, "UNSUBSCRIBE", ["<TAG> BAD<TEXT>"])
        self.expect(raw, 'LSUB "" "*"', ["<TAG> OK<TEXT>"])

    def test_list(self):
        raw = self.conn()
        self.expect(raw, 'LIST "" ""', ['* LIST (\\Noselect) "/" ""', "<TAG> OK<TEXT>"])
        everything = ['* LIST (\\Archive ?\\HasNoChildren) "/" Archive',
                      '* LIST (\\Drafts ?\\HasNoChildren) "/" Drafts',
                      '* LIST (?\\HasNoChildren) "/" INBOX',
                      '* LIST (\\Junk ?\\HasNoChildren) "/" Junk',
                      '* LIST (\\Sent ?\\HasNoChildren) "/" Sent',
                      '* LIST (\\Trash ?\\HasNoChildren) "/" Trash']
        self.expect(raw, 'LIST "" "*"', everything + ["<TAG> OK<TEXT>"], unordered=True)
        self.expect(raw, 'LIST "" "%"', everything + ["<TAG> OK<TEXT>"], unordered=True)
        self.expect(raw, 'LIST "" "Nothing*"', ["<TAG> OK<TEXT>"])
        # LIST-EXTENDED: several patterns, selection and return options
        self.expect(raw, 'LIST "" ("INBOX" "Sent")', ['* LIST (?\\HasNoChildren) "/" INBOX',
                                                     '* LIST (\\Sent ?\\HasNoChildren) "/" Sent',
                                                     "<TAG> OK<TEXT>"], unordered=True)
        self.expect(raw, "CREATE Parent/Child", ["<TAG> OK<TEXT>"])
        self.expect(raw, 'LIST "" "Parent*" RETURN (CHILDREN)',
                    ['* LIST (\\HasChildren) "/" Parent', '* LIST (\\HasNoChildren) "/" Parent/Child',
                     "<TAG> OK<TEXT>"], unordered=True)
        self.expect(raw, "SUBSCRIBE Parent/Child", ["<TAG> OK<TEXT>"])
        # RFC 5258 3.5 / 5.: "%" with RECURSIVEMATCH: Parent is not subscribed, its child is
        self.expect(raw, 'LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"',
                    ['* LIST (?\\HasChildren) "/" Parent ("CHILDINFO" ("SUBSCRIBED"))', "<TAG> OK<TEXT>"])
        self.expect(raw, 'LIST "" "Parent*" RETURN (SUBSCRIBED)',
                    ['* LIST (?\\HasChildren) "/" Parent',
                     '* LIST (\\Subscribed ?\\HasNoChildren) "/" Parent/Child', "<TAG> OK<TEXT>"], unordered=True)
        self.expect(raw, 'LIST (SPECIAL-USE) "" "*"',
                    [w for w in everything if "INBOX" not in w] + ["<TAG> OK<TEXT>"], unordered=True)
        self.expect(raw, 'LIST "" "Sent" RETURN (SPECIAL-USE)',
                    ['* LIST (\\Sent ?\\HasNoChildren) "/" Sent', "<TAG> OK<TEXT>"])
        # errors
        self.expect(raw, 'LIST (NOSUCH) "" "*"', ["<TAG> BAD<TEXT>"])
        self.expect(raw, 'LIST "" "*" RETURN (NOSUCH)', ["<TAG> BAD<TEXT>"])
        self.expect(raw, 'LIST ""', ["<TAG> BAD<TEXT>"])

    def test_list_return_status(self):
        raw = self.conn()
        self.append_all(raw, which=(1, 2))
        tagged, untagged = self.expect(raw, 'LIST "" ("INBOX" "Trash") RETURN (STATUS (MESSAGES UIDNEXT UNSEEN))',
                                       ['* LIST (?\\HasNoChildren) "/" INBOX',
                                        "* STATUS INBOX (MESSAGES 2 UIDNEXT 3 UNSEEN 1)",
                                        '* LIST (\\Trash ?\\HasNoChildren) "/" Trash',
                                        "* STATUS Trash (MESSAGES 0 UIDNEXT 1 UNSEEN 0)", "<TAG> OK<TEXT>"],
                                       unordered=True)
        lines = [r.line for r in untagged]
        for name in ("INBOX", "Trash"):  # RFC 5819: STATUS follows its LIST
            i = next(i for i, l in enumerate(lines) if l.startswith("* LIST") and l.endswith(" " + name))
            self.assertTrue(lines[i + 1].startswith(f"* STATUS {name} "), lines)
        self.expect(raw, 'LIST "" "*" RETURN (STATUS (BOGUS))', ["<TAG> BAD<TEXT>"])

    def test_status(self):
        raw = self.conn()
        self.append_all(raw, which=(1, 2))
        size = len(msg(1, self.user)) + len(msg(2, self.user))
        self.expect(raw, "STATUS INBOX (MESSAGES UIDNEXT UNSEEN DELETED SIZE)",
                    [f"* STATUS INBOX (MESSAGES 2 UIDNEXT 3 UNSEEN 1 DELETED 0 SIZE {size})", "<TAG> OK<TEXT>"])
        t, u = self.expect(raw, "STATUS INBOX (UIDVALIDITY RECENT)",
                           ["* STATUS INBOX (UIDVALIDITY <UIDVALIDITY> RECENT 0)", "<TAG> OK<TEXT>"])
        self.expect(raw, "STATUS Nowhere (MESSAGES)", ["<TAG> NO [NONEXISTENT]<TEXT>"])
        self.expect(raw, "STATUS INBOX (BOGUS)", ["<TAG> BAD<TEXT>"])
        self.expect(raw, "STATUS INBOX ()", ["<TAG> BAD<TEXT>"])  # status-att *(SP status-att): one at least
        self.expect(raw, "STATUS INBOX", ["<TAG> BAD<TEXT>"])

    def test_append(self):
        raw = self.conn()
        m1, m2, m3 = (msg(n, self.user) for n in (1, 2, 3))
        # synchronizing literal, flags and date
        self.expect(raw, 'APPEND INBOX (\\Seen) "02-Jan-2024 10:00:00 +0000" {}',
                    ["<TAG> OK [APPENDUID <UIDVALIDITY> 1]<TEXT>"], [m1])
        # LITERAL+ (no continuation request)
        self.expect(raw, "APPEND INBOX {}", ["<TAG> OK [APPENDUID <UIDVALIDITY> 2]<TEXT>"], [m2], nonsync=True)
        # MULTIAPPEND (RFC 3502) with APPENDUID uid-set (RFC 4315)
        self.expect(raw, "APPEND Trash {} (\\Flagged) {}",
                    [("<TAG> OK [APPENDUID <UIDVALIDITY> 1:2]<TEXT>", "<TAG> OK [APPENDUID <UIDVALIDITY> 1,2]<TEXT>")],
                    [m1, m3])
        # errors
        self.expect(raw, "APPEND Nowhere {}", ["<TAG> NO [TRYCREATE]<TEXT>"], [m1])
        self.expect(raw, 'APPEND INBOX () "31-Feb-2024 10:00:00 +0000" {}', ["<TAG> BAD<TEXT>"], [m1])
        self.expect(raw, "APPEND INBOX (\\Seen {}", ["<TAG> BAD<TEXT>"], [m1])
        self.expect(raw, "APPEND INBOX", ["<TAG> BAD<TEXT>"])
        self.expect(raw, "STATUS INBOX (MESSAGES)", ["* STATUS INBOX (MESSAGES 2)", "<TAG> OK<TEXT>"])

    def test_append_to_selected_mailbox(self):
        raw = self.conn()
        self.enable_rev2(raw)
        self.assertEqual(raw.cmd("SELECT INBOX")[0].status, "OK")  # SELECT itself: SelectGolden
        self.expect(raw, "APPEND INBOX {}", ["* 1 EXISTS", "<TAG> OK [APPENDUID <UIDVALIDITY> 1]<TEXT>"],
                    [msg(1, self.user)])

    def test_append_flag_extension_refused(self):
        # RFC 9051 2.3.2 / 9 (flag-extension): "\" atom flags other than the system flags are
        # reserved; a client may not set them and the server MUST NOT generate them
        raw = self.conn()
        self.expect(raw, "APPEND INBOX (\\Bogus) {}", [("<TAG> BAD<TEXT>", "<TAG> NO<TEXT>")], [msg(1, self.user)])


class QuotaGolden(GoldenCase):

    def test_getquotaroot_getquota_setquota(self):
        self.server.cli("quota", "set", self.user, 20480, 10)
        raw = self.conn()
        self.append_all(raw, which=(1,))
        # STORAGE is in units of 1024 octets; the RFC leaves the rounding of a ~230-octet usage open
        quota = ('* QUOTA "" (STORAGE 0 20 MESSAGE 1 10)', '* QUOTA "" (STORAGE 1 20 MESSAGE 1 10)')
        self.expect(raw, "GETQUOTAROOT INBOX", ['* QUOTAROOT INBOX ""', quota, "<TAG> OK<TEXT>"])
        self.expect(raw, 'GETQUOTA ""', [quota, "<TAG> OK<TEXT>"])
        self.expect(raw, "GETQUOTAROOT Nowhere", ["<TAG> NO [NONEXISTENT]<TEXT>"])
        self.expect(raw, 'GETQUOTA "nosuchroot"', [("<TAG> NO [NONEXISTENT]<TEXT>", "<TAG> NO<TEXT>")])
        self.expect(raw, 'SETQUOTA "" (STORAGE 10)', [("<TAG> NO [NOPERM]<TEXT>", "<TAG> NO<TEXT>")])
        self.expect(raw, "GETQUOTAROOT", ["<TAG> BAD<TEXT>"])
        self.expect(raw, 'SETQUOTA "" (STORAGE)', ["<TAG> BAD<TEXT>"])

    def test_no_quota_configured(self):
        raw = self.conn()
        self.expect(raw, "GETQUOTAROOT INBOX", ["* QUOTAROOT INBOX", "<TAG> OK<TEXT>"])
        # "" is then no quota root: NO, or a QUOTA response whose quota-list has at least one
        # resource (RFC 9208 section 7: quota-list = "(" quota-resource *(SP quota-resource) ")")
        self.expect(raw, 'GETQUOTA ""', [("<TAG> NO [NONEXISTENT]<TEXT>", "<TAG> NO<TEXT>")],
                    one_of=[[("<TAG> NO [NONEXISTENT]<TEXT>", "<TAG> NO<TEXT>")],
                            ['* QUOTA "" (STORAGE <N> <N>)', "<TAG> OK<TEXT>"],
                            ['* QUOTA "" (MESSAGE <N> <N>)', "<TAG> OK<TEXT>"]])


# ------------------------------------------------------------------------------------------
# Selected state


class SelectGolden(GoldenCase):

    def test_select_examine_rev1(self):
        raw = self.conn()
        self.append_all(raw, which=(1, 2))
        self.select(raw, "SELECT INBOX", self.select_lines(2, 3, unseen=2))
        self.select(raw, "EXAMINE INBOX", self.select_lines(2, 3, unseen=2, readonly=True))
        self.expect(raw, "SELECT Nowhere", [("* OK [CLOSED]<TEXT>",), "<TAG> NO [NONEXISTENT]<TEXT>"],
                    one_of=[["* OK [CLOSED]<TEXT>", "<TAG> NO [NONEXISTENT]<TEXT>"],
                            ["<TAG> NO [NONEXISTENT]<TEXT>"]])
        self.expect(raw, "FETCH 1 FLAGS", ["<TAG> BAD<TEXT>"])  # a failed SELECT deselects
        self.expect(raw, "SELECT", ["<TAG> BAD<TEXT>"])
        self.expect(raw, "EXAMINE Nowhere", ["<TAG> NO [NONEXISTENT]<TEXT>"])

    def test_select_examine_rev2(self):
        raw = self.conn()
        self.append_all(raw, which=(1, 2))
        self.enable_rev2(raw)
        self.select(raw, "SELECT INBOX", self.select_lines(2, 3, rev2=True))
        self.select(raw, "EXAMINE Trash", self.select_lines(0, 1, rev2=True, readonly=True, mailbox="Trash"))
        self.expect(raw, "SELECT Nowhere", ["* OK [CLOSED]<TEXT>", "<TAG> NO [NONEXISTENT]<TEXT>"])

    def test_select_empty_mailbox_highestmodseq(self):
        # RFC 7162 section 7: resp-text-code HIGHESTMODSEQ takes a mod-sequence-value (>= 1);
        # only STATUS may say 0. A mailbox without persistent modseqs answers NOMODSEQ.
        raw = self.conn()
        self.expect(raw, "ENABLE CONDSTORE", ["* ENABLED CONDSTORE", "<TAG> OK<TEXT>"])
        t, u = raw.cmd("SELECT Trash")
        self.assertEqual(t.status, "OK", t.line)
        codes = [r.line for r in u if "MODSEQ" in r.line]
        self.assertEqual(len(codes), 1, [r.line for r in u])
        self.assertTrue(line_matches(("* OK [HIGHESTMODSEQ <MODSEQ>]<TEXT>", "* OK [NOMODSEQ]<TEXT>"),
                                     codes[0], t.tag), f"SELECT of an empty mailbox: {codes[0]!r}")

    def test_close_unselect_check(self):
        raw = self.conn()
        self.append_all(raw)
        self.expect(raw, "CLOSE", ["<TAG> BAD<TEXT>"])
        self.expect(raw, "UNSELECT", ["<TAG> BAD<TEXT>"])
        self.expect(raw, "CHECK", ["<TAG> BAD<TEXT>"])
        self.select(raw, "SELECT INBOX", self.select_lines(3, 4, unseen=2))
        self.expect(raw, "CHECK", ["<TAG> OK<TEXT>"])
        self.expect(raw, "STORE 2 +FLAGS.SILENT (\\Deleted)", ["<TAG> OK<TEXT>"])
        self.expect(raw, "UNSELECT", ["<TAG> OK<TEXT>"])  # no expunge
        self.expect(raw, "STATUS INBOX (MESSAGES)", ["* STATUS INBOX (MESSAGES 3)", "<TAG> OK<TEXT>"])
        self.select(raw, "SELECT INBOX", self.select_lines(3, 4, unseen=2))
        self.expect(raw, "CLOSE", ["<TAG> OK<TEXT>"])  # expunges silently: no * EXPUNGE
        self.expect(raw, "STATUS INBOX (MESSAGES)", ["* STATUS INBOX (MESSAGES 2)", "<TAG> OK<TEXT>"])
        self.expect(raw, "FETCH 1 FLAGS", ["<TAG> BAD<TEXT>"])
        self.select(raw, "EXAMINE INBOX", self.select_lines(2, 4, unseen=2, readonly=True))
        self.expect(raw, "CLOSE x", ["<TAG> BAD<TEXT>"])
        self.expect(raw, "UNSELECT x", ["<TAG> BAD<TEXT>"])


class MessageGolden(GoldenCase):

    def setUp(self):
        super().setUp()
        self.r = self.conn()
        self.append_all(self.r)
        self.select(self.r, "SELECT INBOX", self.select_lines(3, 4, unseen=2))

    def test_fetch(self):
        raw, m1 = self.r, msg(1, self.user)
        local, domain = self.user.split("@")
        self.expect(raw, "FETCH 1 (UID FLAGS RFC822.SIZE)",
                    [(f"* 1 FETCH (UID 1 FLAGS (\\Seen) RFC822.SIZE {len(m1)})",
                      f"* 1 FETCH (FLAGS (\\Seen) UID 1 RFC822.SIZE {len(m1)})"), "<TAG> OK<TEXT>"])
        self.expect(raw, "FETCH 1 (INTERNALDATE)", ["* 1 FETCH (INTERNALDATE <DATE>)", "<TAG> OK<TEXT>"])
        self.expect(raw, "FETCH 1 ENVELOPE",
                    ['* 1 FETCH (ENVELOPE ("Tue, 02 Jan 2024 10:00:00 +0000" "alpha" ((NIL NIL "a" "b.test")) '
                     '((NIL NIL "a" "b.test")) ((NIL NIL "a" "b.test")) '
                     f'((NIL NIL "{local}" "{domain}")) NIL NIL NIL "<m1@b.test>"))', "<TAG> OK<TEXT>"])
        self.expect(raw, "FETCH 1 BODYSTRUCTURE",
                    [('* 1 FETCH (BODYSTRUCTURE ("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 13 1 NIL NIL NIL NIL))',
                      '* 1 FETCH (BODYSTRUCTURE ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 13 1 NIL NIL NIL NIL))',
                      '* 1 FETCH (BODYSTRUCTURE ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 13 1 NIL NIL NIL NIL))'),
                     "<TAG> OK<TEXT>"])
        self.expect(raw, "FETCH 1 (BODY.PEEK[HEADER.FIELDS (Subject From)])",
                    [("* 1 FETCH (BODY[HEADER.FIELDS (Subject From)] {34}\r\nFrom: a@b.test\r\nSubject: alpha\r\n\r\n)",
                      "* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT FROM)] {34}\r\nFrom: a@b.test\r\nSubject: alpha\r\n\r\n)"),
                     "<TAG> OK<TEXT>"])
        self.expect(raw, "FETCH 1 (BODY.PEEK[TEXT]<0.5>)", ["* 1 FETCH (BODY[TEXT]<0> {5}\r\nhello)", "<TAG> OK<TEXT>"])
        self.expect(raw, "FETCH 1 (BODY.PEEK[TEXT]<6.100>)",
                    ["* 1 FETCH (BODY[TEXT]<6> {7}\r\nworld\r\n)", "<TAG> OK<TEXT>"])
        self.expect(raw, "FETCH 1 (BODY.PEEK[]<9000.3>)",  # origin beyond the end: empty string
                    [('* 1 FETCH (BODY[]<9000> "")', "* 1 FETCH (BODY[]<9000> {0}\r\n)"), "<TAG> OK<TEXT>"])
        # BODY[] (not PEEK) sets \Seen on message 2, reported in the same FETCH response
        self.expect(raw, "FETCH 2 (BODY[TEXT])",
                    [("* 2 FETCH (BODY[TEXT] {13}\r\nsecond body\r\n FLAGS (\\Seen))",
                      "* 2 FETCH (FLAGS (\\Seen) BODY[TEXT] {13}\r\nsecond body\r\n)"), "<TAG> OK<TEXT>"])
        self.expect(raw, "UID FETCH 3 (FLAGS)", [("* 3 FETCH (UID 3 FLAGS ())", "* 3 FETCH (FLAGS () UID 3)"),
                                                 "<TAG> OK<TEXT>"])
        self.expect(raw, "UID FETCH 99 (FLAGS)", ["<TAG> OK<TEXT>"])  # no such UID: not an error
        # errors
        for bad in ("FETCH 0 FLAGS", "FETCH x:y FLAGS", "FETCH 1 (NOSUCHITEM)", "FETCH 1 BODY[", "FETCH 1"):
            self.expect(raw, bad, ["<TAG> BAD<TEXT>"])
        self.expect(raw, "FETCH 9 FLAGS", [("<TAG> BAD<TEXT>", "<TAG> NO<TEXT>")])  # beyond EXISTS

    def test_store(self):
        raw = self.r
        self.expect(raw, "STORE 1 +FLAGS (\\Flagged)", ["* 1 FETCH (FLAGS (\\Seen \\Flagged))", "<TAG> OK<TEXT>"])
        self.expect(raw, "STORE 1 -FLAGS (\\Flagged)", ["* 1 FETCH (FLAGS (\\Seen))", "<TAG> OK<TEXT>"])
        self.expect(raw, "STORE 2 +FLAGS.SILENT (\\Answered)", ["<TAG> OK<TEXT>"])
        self.expect(raw, "STORE 2:3 FLAGS ($Label1 \\Draft)", ["* 2 FETCH (FLAGS ($Label1 \\Draft))",
                                                               "* 3 FETCH (FLAGS ($Label1 \\Draft))", "<TAG> OK<TEXT>"])
        self.expect(raw, "UID STORE 3 -FLAGS ($Label1)", [("* 3 FETCH (UID 3 FLAGS (\\Draft))",
                                                          "* 3 FETCH (FLAGS (\\Draft) UID 3)"), "<TAG> OK<TEXT>"])
        for bad in ("STORE 0 +FLAGS (\\Seen)", "STORE 1 XFLAGS (\\Seen)", "STORE 1 +FLAGS (\\Seen",
                    "STORE 1,,2 +FLAGS (\\Seen)", "STORE"):
            self.expect(raw, bad, ["<TAG> BAD<TEXT>"])
        lines = self.select_lines(3, 4, unseen=2, readonly=True)
        lines[0] = "* FLAGS (" + PERM + " $Label1)"  # keywords in use are listed too
        self.select(raw, "EXAMINE INBOX", lines)
        self.expect(raw, "STORE 1 +FLAGS (\\Flagged)", ["<TAG> NO<TEXT>"])

    def test_store_flag_extension_refused(self):
        # RFC 9051 section 9: flag-extension ("\" atom) is reserved; the server MUST NOT generate
        # such flags, so it cannot store one and send it back in FLAGS
        self.expect(self.r, "STORE 1 +FLAGS (\\Bogus)", [("<TAG> BAD<TEXT>", "<TAG> NO<TEXT>")])

    def test_search(self):
        raw = self.r
        self.expect(raw, "SEARCH UNSEEN", ["* SEARCH 2 3", "<TAG> OK<TEXT>"])
        self.expect(raw, "UID SEARCH SUBJECT alpha", ["* SEARCH 1 2", "<TAG> OK<TEXT>"])
        self.expect(raw, "SEARCH SUBJECT nothing-like-this", ["* SEARCH", "<TAG> OK<TEXT>"])
        self.expect(raw, "SEARCH RETURN (MIN MAX COUNT) ALL", ['* ESEARCH (TAG "<TAG>") MIN 1 MAX 3 COUNT 3',
                                                               "<TAG> OK<TEXT>"])
        self.expect(raw, "UID SEARCH RETURN () UNSEEN", [('* ESEARCH (TAG "<TAG>") UID ALL 2:3',
                                                          '* ESEARCH (TAG "<TAG>") UID ALL 2,3'), "<TAG> OK<TEXT>"])
        self.expect(raw, "SEARCH RETURN (COUNT) DELETED", ['* ESEARCH (TAG "<TAG>") COUNT 0', "<TAG> OK<TEXT>"])
        self.expect(raw, "SEARCH RETURN (MIN) DELETED", ['* ESEARCH (TAG "<TAG>")', "<TAG> OK<TEXT>"])
        for bad in ("SEARCH NOSUCHKEY", "SEARCH RETURN (NOSUCH) ALL", "SEARCH 0", "SEARCH"):
            self.expect(raw, bad, ["<TAG> BAD<TEXT>"])
        self.expect(raw, "SEARCH CHARSET X-NOSUCH ALL", [("<TAG> NO [BADCHARSET]<TEXT>",
                                                          "<TAG> NO [BADCHARSET (<CAPS>)]<TEXT>")])

    def test_search_rev2(self):
        raw = self.conn()
        self.enable_rev2(raw)
        self.assertEqual(raw.cmd("SELECT INBOX")[0].status, "OK")  # SELECT itself: SelectGolden
        self.expect(raw, "SEARCH UNSEEN", [('* ESEARCH (TAG "<TAG>") ALL 2:3', '* ESEARCH (TAG "<TAG>") ALL 2,3'),
                                           "<TAG> OK<TEXT>"])
        self.expect(raw, "UID SEARCH SUBJECT beta", ['* ESEARCH (TAG "<TAG>") UID ALL 3', "<TAG> OK<TEXT>"])
        self.expect(raw, "SEARCH SUBJECT nothing-like-this", ['* ESEARCH (TAG "<TAG>")', "<TAG> OK<TEXT>"])

    def test_sort(self):
        raw = self.r
        self.expect(raw, "SORT (SUBJECT) UTF-8 ALL", ["* SORT 1 2 3", "<TAG> OK<TEXT>"])
        self.expect(raw, "SORT (DATE) UTF-8 ALL", ["* SORT 3 1 2", "<TAG> OK<TEXT>"])
        self.expect(raw, "UID SORT (REVERSE DATE) UTF-8 ALL", ["* SORT 2 1 3", "<TAG> OK<TEXT>"])
        self.expect(raw, "SORT (DATE) UTF-8 SUBJECT nothing-like-this", ["* SORT", "<TAG> OK<TEXT>"])
        self.expect(raw, "SORT (NOSUCH) UTF-8 ALL", ["<TAG> BAD<TEXT>"])
        self.expect(raw, "SORT DATE UTF-8 ALL", ["<TAG> BAD<TEXT>"])
        self.expect(raw, "SORT (DATE) X-NOSUCH ALL", [("<TAG> NO [BADCHARSET]<TEXT>",
                                                       "<TAG> NO [BADCHARSET (<CAPS>)]<TEXT>")])

    def test_thread(self):
        raw = self.r
        self.expect(raw, "THREAD REFERENCES UTF-8 ALL", ["* THREAD (3)(1 2)", "<TAG> OK<TEXT>"])
        self.expect(raw, "THREAD ORDEREDSUBJECT UTF-8 ALL", ["* THREAD (3)(1 2)", "<TAG> OK<TEXT>"])
        self.expect(raw, "UID THREAD REFERENCES UTF-8 SUBJECT beta", ["* THREAD (3)", "<TAG> OK<TEXT>"])
        self.expect(raw, "THREAD REFERENCES UTF-8 SUBJECT nothing-like-this", ["* THREAD", "<TAG> OK<TEXT>"])
        self.expect(raw, "THREAD NOSUCH UTF-8 ALL", ["<TAG> BAD<TEXT>"])
        self.expect(raw, "THREAD REFERENCES X-NOSUCH ALL", [("<TAG> NO [BADCHARSET]<TEXT>",
                                                             "<TAG> NO [BADCHARSET (<CAPS>)]<TEXT>")])

    def test_copy(self):
        raw = self.r
        self.expect(raw, "COPY 1 Trash", ["<TAG> OK [COPYUID <UIDVALIDITY> 1 1]<TEXT>"])
        self.expect(raw, "UID COPY 2:3 Archive", [("<TAG> OK [COPYUID <UIDVALIDITY> 2:3 1:2]<TEXT>",
                                                   "<TAG> OK [COPYUID <UIDVALIDITY> 2,3 1,2]<TEXT>")])
        self.expect(raw, "UID COPY 99 Trash", ["<TAG> OK<TEXT>"])  # nothing to copy, no COPYUID
        self.expect(raw, "COPY 1 Nowhere", ["<TAG> NO [TRYCREATE]<TEXT>"])
        self.expect(raw, "COPY 0 Trash", ["<TAG> BAD<TEXT>"])
        self.expect(raw, "COPY 1", ["<TAG> BAD<TEXT>"])
        self.expect(raw, "STATUS Trash (MESSAGES)", ["* STATUS Trash (MESSAGES 1)", "<TAG> OK<TEXT>"])

    def test_move(self):
        raw = self.r
        self.expect(raw, "MOVE 2 Archive", ["* OK [COPYUID <UIDVALIDITY> 2 1]<TEXT>", "* 2 EXPUNGE", "<TAG> OK<TEXT>"])
        self.expect(raw, "UID MOVE 3 Trash", ["* OK [COPYUID <UIDVALIDITY> 3 1]<TEXT>", "* 2 EXPUNGE", "<TAG> OK<TEXT>"])
        self.expect(raw, "MOVE 1 Nowhere", ["<TAG> NO [TRYCREATE]<TEXT>"])
        self.expect(raw, "MOVE 0 Trash", ["<TAG> BAD<TEXT>"])
        self.expect(raw, "MOVE 1", ["<TAG> BAD<TEXT>"])
        self.select(raw, "EXAMINE INBOX", self.select_lines(1, 4, readonly=True))
        self.expect(raw, "MOVE 1 Trash", ["<TAG> NO<TEXT>"])  # read-only source

    def test_expunge_and_uid_expunge(self):
        raw = self.r
        self.expect(raw, "STORE 1,3 +FLAGS.SILENT (\\Deleted)", ["<TAG> OK<TEXT>"])
        self.expect(raw, "EXPUNGE", [], one_of=[["* 3 EXPUNGE", "* 1 EXPUNGE", "<TAG> OK<TEXT>"],
                                                ["* 1 EXPUNGE", "* 2 EXPUNGE", "<TAG> OK<TEXT>"]])
        self.expect(raw, "EXPUNGE", ["<TAG> OK<TEXT>"])
        self.expect(raw, "EXPUNGE x", ["<TAG> BAD<TEXT>"])
        self.append_all(raw, which=(3,))
        self.expect(raw, "STORE 1:2 +FLAGS.SILENT (\\Deleted)", ["<TAG> OK<TEXT>"])
        self.expect(raw, "UID EXPUNGE 4", ["* 2 EXPUNGE", "<TAG> OK<TEXT>"])  # only UID 4 (seq 2)
        self.expect(raw, "UID EXPUNGE 0", ["<TAG> BAD<TEXT>"])
        self.expect(raw, "UID EXPUNGE", ["<TAG> BAD<TEXT>"])
        self.select(raw, "EXAMINE INBOX", self.select_lines(1, 5, unseen=1, readonly=True))
        self.expect(raw, "EXPUNGE", ["<TAG> NO<TEXT>"])
        self.expect(raw, "UID EXPUNGE 2", ["<TAG> NO<TEXT>"])

    def test_idle(self):
        raw = self.r
        tag, early = raw.idle_start()
        self.assertEqual(early, [])
        cont = [d for (direction, d) in raw.transcript if direction == "<"][-1]
        self.assertRegex(cont.decode(), r"^\+ [^\r\n]*\r\n$")
        other = self.conn()
        other.cmd("APPEND INBOX {}", [msg(2, self.user)])
        resp = raw.read_response(timeout=10)
        self.assertEqual(resp.line, "* 4 EXISTS")
        more = raw.drain(0.5)  # rev1: a "* N RECENT" may follow
        self.assertTrue(all(re.match(r"^\* \d+ RECENT$", r.line) for r in more), more)
        self.send_line(raw, b"DONE\r\n", [f"{tag} OK<TEXT>"], tag=tag)
        # errors: DONE outside IDLE, IDLE with arguments, IDLE while not logged in
        self.send_line(raw, b"DONE\r\n", [("DONE BAD<TEXT>", "* BAD<TEXT>")])
        self.expect(raw, "IDLE x", ["<TAG> BAD<TEXT>"])
        self.expect(raw, "NOOP", ["<TAG> OK<TEXT>"])

    def test_idle_in_authenticated_state(self):
        raw = self.conn()
        tag, early = raw.idle_start()
        self.send_line(raw, b"DONE\r\n", [f"{tag} OK<TEXT>"], tag=tag)


class CondstoreGolden(GoldenCase):

    def test_condstore_fetch_and_store(self):
        raw = self.conn()
        self.append_all(raw, which=(1, 2))
        self.expect(raw, "ENABLE CONDSTORE", ["* ENABLED CONDSTORE", "<TAG> OK<TEXT>"])
        self.select(raw, "SELECT INBOX", self.select_lines(2, 3, unseen=2))
        t, u = self.expect(raw, "FETCH 1 (FLAGS)", [("* 1 FETCH (FLAGS (\\Seen) MODSEQ (<MODSEQ>))",
                                                    "* 1 FETCH (MODSEQ (<MODSEQ>) FLAGS (\\Seen))"), "<TAG> OK<TEXT>"])
        modseq = int(re.search(r"MODSEQ \((\d+)\)", u[0].line).group(1))
        # UNCHANGEDSINCE passes: a FETCH with MODSEQ even with .SILENT (RFC 7162 3.1.3)
        t, u = self.expect(raw, f"STORE 1 (UNCHANGEDSINCE {modseq}) +FLAGS.SILENT (\\Flagged)",
                           ["* 1 FETCH (MODSEQ (<MODSEQ>))", "<TAG> OK<TEXT>"])
        new = int(re.search(r"MODSEQ \((\d+)\)", u[0].line).group(1))
        self.assertGreater(new, modseq)
        t, u = raw.cmd("FETCH 2 (MODSEQ)")
        self.check_lines("FETCH 2 (MODSEQ)", [r.line for r in u] + [t.line],
                         ["* 2 FETCH (MODSEQ (<MODSEQ>))", "<TAG> OK<TEXT>"], t.tag)
        second = int(re.search(r"MODSEQ \((\d+)\)", u[0].line).group(1))
        self.assertLess(second, new)
        # UNCHANGEDSINCE fails for message 1 (changed since): [MODIFIED 1]; message 2 changes
        self.expect(raw, f"STORE 1:2 (UNCHANGEDSINCE {second}) +FLAGS (\\Answered)",
                    [("* 2 FETCH (FLAGS (\\Answered) MODSEQ (<MODSEQ>))",
                      "* 2 FETCH (MODSEQ (<MODSEQ>) FLAGS (\\Answered))"), "<TAG> OK [MODIFIED 1]<TEXT>"],
                    one_of=None)
        self.expect(raw, f"FETCH 1:2 (FLAGS) (CHANGEDSINCE {new})",
                    [("* 2 FETCH (FLAGS (\\Answered) MODSEQ (<MODSEQ>))",
                      "* 2 FETCH (MODSEQ (<MODSEQ>) FLAGS (\\Answered))"), "<TAG> OK<TEXT>"])
        self.expect(raw, "STORE 1 (UNCHANGEDSINCE abc) +FLAGS (\\Seen)", ["<TAG> BAD<TEXT>"])
        self.expect(raw, "FETCH 1 (FLAGS) (CHANGEDSINCE 0)", ["<TAG> BAD<TEXT>"])
        self.expect(raw, "STATUS INBOX (HIGHESTMODSEQ)", ["* STATUS INBOX (HIGHESTMODSEQ <MODSEQ>)", "<TAG> OK<TEXT>"])

    def test_no_modseq_without_condstore(self):
        raw = self.conn()
        self.append_all(raw, which=(1,))
        self.select(raw, "SELECT INBOX", self.select_lines(1, 2))
        self.expect(raw, "FETCH 1 (FLAGS)", ["* 1 FETCH (FLAGS (\\Seen))", "<TAG> OK<TEXT>"])
        self.expect(raw, "STORE 1 +FLAGS.SILENT (\\Flagged)", ["<TAG> OK<TEXT>"])


class CompressGolden(GoldenCase):

    def test_compress_deflate(self):
        raw = self.conn()
        t = raw.compress()
        self.check_lines("COMPRESS DEFLATE", [t.line], ["<TAG> OK<TEXT>"], t.tag)
        self.expect(raw, "NOOP", ["<TAG> OK<TEXT>"])
        self.expect(raw, 'LIST "" INBOX', ['* LIST (?\\HasNoChildren) "/" INBOX', "<TAG> OK<TEXT>"])
        self.expect(raw, "COMPRESS DEFLATE", ["<TAG> NO [COMPRESSIONACTIVE]<TEXT>"])
        self.expect(raw, "LOGOUT", ["* BYE<TEXT>", "<TAG> OK<TEXT>"])

    def test_compress_errors(self):
        raw = self.conn()
        # unknown algorithm: RFC 4978 gives no code; a syntactically valid atom, so NO or BAD
        self.expect(raw, "COMPRESS X-NOSUCH", [("<TAG> NO<TEXT>", "<TAG> BAD<TEXT>")])
        self.expect(raw, "COMPRESS", ["<TAG> BAD<TEXT>"])
        self.expect(raw, "NOOP", ["<TAG> OK<TEXT>"])  # still uncompressed


if __name__ == "__main__":
    unittest.main()
