"""POP3 full download (scenario 3): N clients each RETR+DELE every message of its maildrop, then QUIT."""

import asyncio

from loadgen import Meter, Pop3
from peers import PASSWORD
from scenarios.smtp import settle


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


# Full mode repeats the download and reports each peer's median round: one round of 10,000
# messages lasts 2-3 s, where a neighbour's burst on this shared VM moved single figures by
# ±30%. Rounds alternate between the peers, and each peer's round starts only once the other
# has settled (Postroom removes blobs and search documents after QUIT, off the reply path).
ROUNDS_FULL = 3


async def run(ctx):
    per_user = ctx.pop_messages
    rounds = 1 if ctx.smoke else ROUNDS_FULL
    # Each round downloads from its own accounts: Dovecot, tuned with maildir_very_dirty_syncs,
    # does not rescan a Maildir it has indexed, so refilling the same maildrops would hide the
    # new mail from it.
    clients = len(ctx.users["pop"]) // rounds
    variant = f"{clients} clients x {per_user} msgs"
    measured = {peer.name: [] for peer in ctx.imap_peers()}
    for round_index in range(rounds):
        users = ctx.users["pop"][round_index * clients:(round_index + 1) * clients]
        for peer in ctx.imap_peers():
            ctx.prefill(peer, users, per_user)
            for other in ctx.imap_peers():
                await settle(other)
            with ctx.measure(peer) as m:
                results = await asyncio.gather(*(download(peer, u) for u in users))
            messages, size = sum(r[0] for r in results), sum(r[1] for r in results)
            assert messages == per_user * len(users), (peer.name, messages)
            measured[peer.name].append((messages / m.wall, size / m.wall, m))
    for peer in ctx.imap_peers():
        runs = sorted(measured[peer.name], key=lambda r: r[0])
        rate, throughput, m = runs[len(runs) // 2]
        note = None
        if len(runs) > 1:
            note = f"median of {len(runs)} rounds ({', '.join(f'{r[0]:,.0f}' for r in runs)} msg/s)"
        ctx.record("pop3_download", variant, "MB/s", "higher", peer, throughput / 1e6, m, note=note)
        ctx.record("pop3_download", variant, "messages/s", "higher", peer, rate, m, note=note)
