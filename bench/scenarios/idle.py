"""Parked IMAP IDLE connections (scenario 5) and push latency (scenario 6).

Connections come from several 127.0.0.x source addresses so that no (source, destination)
pair runs out of ephemeral ports. Memory is the server's RSS and private (Private_Clean +
Private_Dirty) from /proc/PID/smaps_rollup, summed over its processes, before and after.
"""

import asyncio
import time

from loadgen import Imap, ProtocolError, Smtp, Stats, gather_limited
from peers import PASSWORD, log, max_fds


def process_name(pid):
    try:
        return open(f"/proc/{pid}/comm").read().strip()
    except (OSError, TypeError):
        return "?"

SOURCES = 50
PUSH_TIMEOUT = 10.0


async def settled(peer, ctx, hibernate=True, limit=120.0):
    """For Dovecot: waits past its imap_hibernate_timeout (if hibernate), then until its process
    count stops changing (imap processes hand their clients to imap-hibernate and exit, or exit
    after a LOGOUT). Postroom is one process: a short pause only."""
    if not getattr(peer, "hibernates", False):
        await asyncio.sleep(0.5)
        return len(peer.pids())
    await asyncio.sleep(ctx.settle if hibernate else 0.5)
    deadline, last, stable = time.perf_counter() + limit, -1, 0
    while time.perf_counter() < deadline:
        n = len(peer.pids())
        stable = stable + 1 if n == last else 0
        if stable >= 2:
            return n
        last = n
        await asyncio.sleep(0.5)
    log(f"{peer.name}: process count still changing after {limit:.0f} s ({last})")
    return last


async def park(peer, users, count, tls, errors):
    async def one(i):
        try:
            c = await Imap.connect(peer.ports["imaps" if tls else "imap"], tls=tls,
                                   source=f"127.0.0.{2 + i % SOURCES}")
            await c.login(users[i % len(users)], PASSWORD)
            await c.cmd("SELECT INBOX")
            await c.idle_start()
            return c
        except (OSError, ProtocolError, asyncio.IncompleteReadError) as e:
            errors.append(f"{type(e).__name__}: {e}")
            return None
    return [c for c in await gather_limited([one(i) for i in range(count)], 64) if c]


def close_all(conns):
    for c in conns:
        c.close()


async def parked(ctx, peer, count, tls):
    errors = []
    # Warm-up round, so that allocator pools kept after logins (Argon2 takes ~19 MB per
    # concurrent hash), TLS and storage caches are in the baseline rather than per connection.
    # The warm-up clients stay until Dovecot has hibernated them, so that its imap-hibernate
    # process (started on first use, ~3 MB) is part of the baseline, not of the measured round.
    warm = await park(peer, ctx.users["mix"], 16 if ctx.smoke else 64, tls, [])
    if getattr(peer, "hibernates", False):
        await settled(peer, ctx)
    close_all(warm)
    await settled(peer, ctx, hibernate=False)
    rss0, priv0 = peer.memory()
    with ctx.measure(peer) as m:
        conns = await park(peer, ctx.users["mix"], count, tls, errors)
    processes = await settled(peer, ctx)  # Dovecot moves idle clients to imap-hibernate after 2 s
    rss1, priv1 = peer.memory()
    fds, fd_pid = max_fds(peer.pids())
    fd_name = process_name(fd_pid)
    close_all(conns)
    await asyncio.sleep(0.5)  # let the server reap them before the next round
    variant = f"{count} {'TLS' if tls else 'plain'}"
    n = max(1, len(conns))
    note = f"{len(conns)}/{count} parked, {processes} server processes, most fds {fds} ({fd_name})"
    if errors:
        note += f"; {len(errors)} failed, first: {errors[0][:120]}"
        if ctx.smoke:  # at smoke sizes no limit binds: a failed connection is a broken harness or server
            ctx.fail(f"imap_idle_park {peer.name} {variant}: {len(errors)} connections failed, first: {errors[0][:200]}")
    ctx.record("imap_idle_park", variant, "RSS KB/conn", "lower", peer, (rss1 - rss0) / n, m, note=note)
    ctx.record("imap_idle_park", variant, "private KB/conn", "lower", peer, (priv1 - priv0) / n, m, note=note)
    ctx.record("imap_idle_park", variant, "parked conns/s (login+SELECT+IDLE)", "higher", peer, len(conns) / m.wall, m)


async def push(ctx, peer, port, lmtp, background, messages=None):
    """Time from the client reading the 250 (end of DATA) to the IDLE watcher reading '* N EXISTS'.

    Both are read by the same event loop, so an EXISTS sent together with (or before) the 250
    gives a value near 0 or slightly negative."""
    messages = messages or ctx.push_messages
    errors = []
    idle = await park(peer, ctx.users["mix"], background, False, errors)
    if errors:
        ctx.fail(f"imap_push {peer.name}: {len(errors)} of {background} background connections failed, "
                 f"first: {errors[0][:200]}")
    watchers = []
    for user in ctx.users["push"]:
        w = await Imap.connect(peer.ports["imap"])
        await w.login(user, PASSWORD)
        await w.cmd("SELECT INBOX")
        await w.idle_start()
        watchers.append(w)
    await asyncio.sleep(ctx.settle)  # let Dovecot hibernate them: the wake-up is part of its latency
    stats, timeouts = Stats(), 0
    sender = await Smtp.connect(port, lmtp=lmtp)
    with ctx.measure(peer) as m:
        for i in range(messages):
            k = i % len(watchers)
            waiter = asyncio.create_task(seen_at(watchers[k]))
            await sender.send("sender@remote.test", ctx.users["push"][k], ctx.corpus.message(700_000 + i))
            t250 = time.perf_counter()
            try:
                stats.add("push", await asyncio.wait_for(waiter, PUSH_TIMEOUT) - t250)
            except asyncio.TimeoutError:  # a figure (counted as 10 s), not a harness failure
                stats.add("push", PUSH_TIMEOUT)
                timeouts += 1
            await asyncio.sleep(0.02)
    await sender.quit()
    close_all(idle + watchers)
    s = stats.summary()["push"]
    variant = f"{background} idle in background"
    note = f"{messages} messages, {timeouts} without EXISTS within {PUSH_TIMEOUT:g} s" if timeouts else None
    ctx.record("imap_push", variant, "250 to EXISTS p50 ms", "lower", peer, s["p50_ms"], m, note=note)
    ctx.record("imap_push", variant, "250 to EXISTS p99 ms", "lower", peer, s["p99_ms"], m, note=note)


async def seen_at(watcher):
    await watcher.idle_wait(b" EXISTS")
    return time.perf_counter()


async def run(ctx):
    for peer in ctx.imap_peers():
        for count in ctx.park_counts:
            for tls in (False, True):
                await parked(ctx, peer, count, tls)
    background = ctx.push_background
    for peer, port, lmtp in ctx.smtp_targets():
        imap_peer = ctx.dovecot if peer.name == "postfix" else peer
        await push(ctx, _Column(imap_peer, peer.name, peer), port, lmtp, background)


class _Column:
    """Records under one peer's column while talking IMAP to another (Postfix -> Dovecot IDLE)."""

    def __init__(self, imap_peer, name, measured):
        self.__dict__.update(imap_peer=imap_peer, name=name, measured=measured)

    def __getattr__(self, attr):
        return getattr(self.imap_peer, attr)
