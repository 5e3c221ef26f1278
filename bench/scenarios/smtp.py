"""SMTP durable acceptance (scenario 4): S senders, one session each, sending for the duration.

Postroom: its SMTP listener (250 = stored and fsynced in the mailbox). Postfix: its smtpd (250 =
queue file fsynced), then delivered to Dovecot over LMTP; we also wait for those deliveries and
report end-to-end messages/s. Dovecot LMTP direct (250 = Maildir file fsynced) as a third row.
"""

import asyncio
import time

from loadgen import Smtp


async def sender(port, lmtp, recipients, index, message, stop_at):
    c = await Smtp.connect(port, lmtp=lmtp)
    sent = 0
    while time.perf_counter() < stop_at:
        await c.send("sender@remote.test", recipients[(index + sent) % len(recipients)], message)
        sent += 1
    await c.quit()
    return sent


async def run(ctx):
    recipients = ctx.users["smtp"]
    for size_kb in (5, 100):
        message = ctx.corpus.message(500_000 + size_kb, to=recipients[0], size=size_kb * 1024)
        for senders in ctx.sizes((10,), (10, 50)):
            variant = f"{size_kb} KB, {senders} senders"
            for peer, port, lmtp in ctx.smtp_targets():
                before = ctx.dovecot.count_new(recipients) if peer.name != "postroom" else 0
                with ctx.measure(peer) as m:
                    stop_at = time.perf_counter() + ctx.duration
                    sent = sum(await asyncio.gather(*(sender(port, lmtp, recipients, i, message, stop_at)
                                                      for i in range(senders))))
                ctx.record("smtp_accept", variant, "accepted msgs/s", "higher", peer, sent / m.wall, m)
                if peer.name == "postfix":  # wait for the queue to drain into Dovecot
                    deadline = time.perf_counter() + 120
                    while ctx.dovecot.count_new(recipients) - before < sent and time.perf_counter() < deadline:
                        await asyncio.sleep(0.05)
                    delivered = ctx.dovecot.count_new(recipients) - before
                    elapsed = time.perf_counter() - m.wall0
                    ctx.record("smtp_accept", variant, "delivered to mailbox msgs/s", "higher", peer,
                               delivered / elapsed, m, note=f"{delivered}/{sent} delivered")
                else:  # Postroom's and Dovecot LMTP's 250 already mean delivered
                    ctx.record("smtp_accept", variant, "delivered to mailbox msgs/s", "higher", peer, sent / m.wall, m)
                if peer.name == "postroom":
                    # Postroom indexes new mail for SEARCH when idle, after the 250: let that
                    # backlog finish so it does not run on the server core during the peers' turn.
                    await settle(peer)


async def settle(peer, quiet=0.03, limit=120.0):
    """Waits until the peer's processes use under `quiet` of a core over half a second."""
    import peers
    deadline = time.perf_counter() + limit
    last = peers.cpu_seconds(peer.pids())
    while time.perf_counter() < deadline:
        await asyncio.sleep(0.5)
        now = peers.cpu_seconds(peer.pids())
        if now - last < quiet * 0.5:
            return
        last = now
