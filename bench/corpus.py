"""Deterministic corpus of realistic messages, written as mbox (Postroom) or Maildir (Dovecot).

Shapes: plain ASCII, UTF-8 8bit with RFC 2047 headers, quoted-printable, multipart/alternative
(text + HTML) and multipart/mixed with a base64 attachment. Bodies come from a small pool so a
100k-message mailbox is quick to make; headers (Message-ID, Date, Subject) differ per message.
Every SEARCH_RATE-th message carries SEARCH_WORD in its body (for body SEARCH).
"""

import base64
import os
import random

SEARCH_WORD = "zanzibarite"
SEARCH_RATE = 50

_WORDS = ("the meeting report budget quarter customer invoice shipping release plan review "
          "draft schedule office team update project server mail network holiday agenda "
          "contract offer price order delivery question answer thanks regards please").split()
_UTF8 = ["Grüße aus Köln", "naïve café", "日本語のテキスト", "Ünïcödé ÆØÅ æøå ß", "Привет, мир", "emoji 📬"]


def _text(rng, lines, utf8=False):
    out = []
    for _ in range(lines):
        words = [rng.choice(_WORDS) for _ in range(rng.randint(6, 12))]
        if utf8 and rng.random() < 0.4:
            words.append(rng.choice(_UTF8))
        out.append(" ".join(words).capitalize() + ".")
    return "\r\n".join(out) + "\r\n"


def _body(rng, kind, attach_kb):
    """(headers, body) bytes for one body shape."""
    if kind == "plain":
        return (b"Content-Type: text/plain; charset=us-ascii\r\n", _text(rng, rng.randint(5, 60)).encode())
    if kind == "utf8":
        return (b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n",
                _text(rng, rng.randint(5, 40), utf8=True).encode())
    if kind == "qp":
        text = _text(rng, rng.randint(5, 30), utf8=True).encode()
        qp = "".join(f"={b:02X}" if b > 126 else chr(b) for b in text).encode()
        return (b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n", qp)
    boundary = f"=_bench_{rng.getrandbits(48):012x}".encode()
    text = _text(rng, rng.randint(5, 30), utf8=True)
    if kind == "alternative":
        html = "<html><body>" + "".join(f"<p>{line}</p>" for line in text.splitlines()) + "</body></html>\r\n"
        parts = [b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + text.encode(),
                 b"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + html.encode()]
        ctype = b"multipart/alternative"
    else:  # mixed with an attachment
        payload = base64.encodebytes(rng.randbytes(attach_kb * 1024)).replace(b"\n", b"\r\n")
        name = rng.choice(["report.pdf", "Präsentation.pptx", "photo.jpg", "data.xlsx"])
        parts = [b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + text.encode(),
                 (f'Content-Type: application/octet-stream; name="{name}"\r\n'
                  f"Content-Transfer-Encoding: base64\r\n"
                  f"Content-Disposition: attachment; filename*=utf-8''{name.encode().hex()}\r\n\r\n").encode() + payload]
        ctype = b"multipart/mixed"
    body = b"This is a multi-part message in MIME format.\r\n"
    for part in parts:
        body += b"--" + boundary + b"\r\n" + part
    body += b"--" + boundary + b"--\r\n"
    return (b"Content-Type: " + ctype + b'; boundary="' + boundary + b'"\r\n', body)


class Corpus:
    """messages(n) yields n CRLF messages; the same seed gives the same messages."""

    def __init__(self, seed=42, pool=300, max_attach_kb=200):
        rng = random.Random(seed)
        kinds = ["plain"] * 30 + ["utf8"] * 20 + ["qp"] * 10 + ["alternative"] * 25 + ["mixed"] * 15
        self.pool = []
        for _ in range(pool):
            kind = rng.choice(kinds)
            attach_kb = min(max_attach_kb, int(rng.lognormvariate(3.0, 1.0)) + 1)  # median ~20 KB
            self.pool.append(_body(rng, kind, attach_kb))
        self.seed = seed

    def message(self, i, to="user@example.test", size=None):
        rng = random.Random(self.seed * 1000003 + i)
        headers, body = self.pool[i % len(self.pool)]
        if i % SEARCH_RATE == 0:
            body = f"Keyword {SEARCH_WORD} appears here.\r\n".encode() + body if b"multipart" not in headers else body.replace(
                b"\r\n\r\n", f"\r\n\r\nKeyword {SEARCH_WORD} appears here.\r\n".encode(), 2)
        subject = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(2, 6)))
        if rng.random() < 0.3:
            subject = "=?UTF-8?B?" + base64.b64encode(f"{subject} {rng.choice(_UTF8)}".encode()).decode() + "?="
        day = 1 + i % 28
        head = (f"Return-Path: <sender{i % 97}@remote.test>\r\n"
                f"From: =?UTF-8?Q?J=C3=BCrgen_{i % 97}?= <sender{i % 97}@remote.test>\r\n"
                f"To: {to}\r\n"
                f"Subject: {subject}\r\n"
                f"Date: {'Mon Tue Wed Thu Fri Sat Sun'.split()[i % 7]}, {day:02d} Jan 2024 10:{i % 60:02d}:00 +0100\r\n"
                f"Message-ID: <bench.{self.seed}.{i}@remote.test>\r\n"
                f"MIME-Version: 1.0\r\n").encode() + headers + b"\r\n"
        msg = head + body
        if size is not None:  # pad/trim a text message to an exact size (SMTP scenarios)
            filler = (_text(rng, size // 60 + 2).encode() * 2)
            head = head.replace(headers, b"Content-Type: text/plain; charset=us-ascii\r\n")
            msg = head + filler[:max(0, size - len(head) - 2)] + b"\r\n"
        return msg

    def messages(self, n, start=0, to="user@example.test"):
        for i in range(start, start + n):
            yield self.message(i, to)


def write_mbox(path, messages):
    """mboxrd: a From_ line per message, '>'-quoting of body lines starting with >*From ."""
    with open(path, "wb") as f:
        for msg in messages:
            f.write(b"From sender@remote.test Mon Jan  1 10:00:00 2024\n")
            for line in msg.replace(b"\r\n", b"\n").split(b"\n")[:-1]:
                if line.lstrip(b">").startswith(b"From "):
                    line = b">" + line
                f.write(line + b"\n")
            f.write(b"\n")


def write_maildir(maildir, messages, uid=None, gid=None):
    """Files straight into cur/ (seen by Dovecot at next sync), the way a delivery would."""
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(maildir, sub), exist_ok=True)
    count = 0
    for i, msg in enumerate(messages):
        msg = msg.replace(b"\r\n", b"\n")  # Maildir files use LF, as Dovecot's own deliveries do
        name = f"{1700000000 + i}.M{i}P1.bench,S={len(msg)}:2,"
        with open(os.path.join(maildir, "cur", name), "wb") as f:
            f.write(msg)
        count += 1
    if uid is not None:
        for root, dirs, files in os.walk(os.path.dirname(maildir)):
            for name in dirs + files:
                os.chown(os.path.join(root, name), uid, gid)
        os.chown(os.path.dirname(maildir), uid, gid)
    return count
