"""POP3 full download (scenario 3): N clients each RETR+DELE every message of its maildrop, then QUIT."""

import asyncio

from loadgen import Meter, Pop3
from peers import PASSWORD


async def download(peer, user):
    c = await Pop3.connect(peer.ports["pop3"])
    await c.cmd(f"USER {user}")
    await c.cmd(f"PASS {PASSWORD}")
    count = int((await c.cmd("STAT")).split()[1])
    total = 0
    for n in range(1, count + 1):
        total += len(await c.retr(n))
        await c.cmd(f"DELE {n}")
    await c.cmd("QUIT")  # +OK only once the deletions are committed
    c.w.close()
    return count, total


async def run(ctx):
    users = ctx.users["pop"]
    per_user = ctx.pop_messages
    for peer in ctx.imap_peers():
        ctx.prefill(peer, users, per_user)
        with ctx.measure(peer) as m:
            results = await asyncio.gather(*(download(peer, u) for u in users))
        messages, size = sum(r[0] for r in results), sum(r[1] for r in results)
        assert messages == per_user * len(users), (peer.name, messages)
        variant = f"{len(users)} clients x {per_user} msgs"
        ctx.record("pop3_download", variant, "MB/s", "higher", peer, size / m.wall / 1e6, m)
        ctx.record("pop3_download", variant, "messages/s", "higher", peer, messages / m.wall, m)
