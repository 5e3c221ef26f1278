"""POP3 download path: read-ahead across RETRs, bodies streamed in slices, QUIT commits.

RETR reads the next messages ahead and answers from memory, and encodes large bodies slice by
slice (src/server/pop3/maildrop.h, dot_stuffer.h). Whatever order the client asks in, it must
get exactly the message it names, byte for byte, dot-stuffed on the wire.
"""

import unittest

from harness import (ServerTestCase, dot_message, raw_cmd, read_line, read_multiline, retr_raw, simple_message,
                     top_raw)


def dotty_body(size):
    """Lines that start with dots, a lone dot, bare-looking ends: spread over many 64 KiB slices."""
    lines = []
    n = 0
    total = 0
    while total < size:
        line = (b"." * (n % 4)) + b"line %d" % n if n % 5 else b"."
        lines.append(line)
        total += len(line) + 1
        n += 1
    return b"\n".join(lines) + b"\n"


class DownloadTest(ServerTestCase):

    def test_out_of_order_retr_top_and_dele_get_the_named_message(self):
        expected = [self.deliver(simple_message(to=self.user, subject=f"m{i}", body=b"body %d\n" % i))
                    if i != 3 else self.deliver(dot_message(to=self.user)) for i in range(7)]
        pop = self.login()
        self.assertEqual(pop.stat()[0], 7)
        # The first RETR reads ahead; the next ones come from memory, in any order.
        self.assertEqual(retr_raw(pop, 2), expected[1])
        self.assertEqual(retr_raw(pop, 5), expected[4])
        self.assertEqual(retr_raw(pop, 1), expected[0])
        self.assertEqual(retr_raw(pop, 2), expected[1], "RETR twice gives the same message")
        head = top_raw(pop, 4, 0)
        self.assertTrue(expected[3].startswith(head), "TOP of a read-ahead message")
        self.assertEqual(retr_raw(pop, 4), expected[3], "RETR after TOP")
        self.assertTrue(pop.dele(6).startswith(b"+OK"))
        self.assertTrue(raw_cmd(pop, "RETR 6").startswith(b"-ERR"), "a read-ahead message that is DELEted")
        self.assertEqual(retr_raw(pop, 7), expected[6])
        self.assertEqual(retr_raw(pop, 3), expected[2])
        self.assertTrue(pop.quit().startswith(b"+OK"))
        pop = self.login()
        self.assertEqual(pop.stat()[0], 6)
        self.assertEqual(retr_raw(pop, 6), expected[6])

    def test_large_dot_heavy_message_streams_exactly(self):
        sent = simple_message(to=self.user, subject="dots", body=dotty_body(300_000))
        small = self.deliver(simple_message(to=self.user, subject="small"))
        big = self.deliver(sent)
        pop = self.login()
        _, listing, _ = pop.list()
        sizes = [int(entry.split()[1]) for entry in listing]
        self.assertEqual(sizes, [len(small), len(big)])
        self.assertEqual(retr_raw(pop, 1), small)
        # On the wire: every line that starts with '.' carries one more, and nothing else changes.
        self.assertTrue(raw_cmd(pop, "RETR 2").startswith(b"+OK"))
        wire = []
        while (line := read_line(pop)) != b".\r\n":
            wire.append(line)
        self.assertEqual(b"".join(wire), b"".join((b"." + line if line.startswith(b".") else line)
                                                  for line in big.splitlines(keepends=True)))
        self.assertEqual(retr_raw(pop, 2), big)
        pop.dele(1)
        pop.dele(2)
        self.assertTrue(pop.quit().startswith(b"+OK"))
        pop = self.login()
        self.assertEqual(pop.stat(), (0, 0))

    def test_pipelined_download_and_quit(self):
        expected = [self.deliver(simple_message(to=self.user, subject=f"p{i}")) for i in range(20)]
        pop = self.login()
        # One write with every command (RFC 2449 PIPELINING): answers come back in order.
        commands = b"".join(b"RETR %d\r\nDELE %d\r\n" % (n, n) for n in range(1, 21)) + b"QUIT\r\n"
        pop.sock.sendall(commands)
        for n in range(1, 21):
            self.assertTrue(pop._getline()[0].startswith(b"+OK"))
            self.assertEqual(read_multiline(pop), expected[n - 1])
            self.assertTrue(pop._getline()[0].startswith(b"+OK"))
        self.assertTrue(pop._getline()[0].startswith(b"+OK"), "QUIT")
        pop = self.login()
        self.assertEqual(pop.stat(), (0, 0))


if __name__ == "__main__":
    unittest.main()
