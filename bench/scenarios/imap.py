"""IMAP: mixed workload (scenario 1), connect-login-select-logout sessions (2), large mailbox (7)."""

import asyncio
import random
import re
import time

from loadgen import Imap, Meter, Stats, gather_limited
from peers import PASSWORD

_EXISTS = re.compile(rb"^\* (\d+) EXISTS")


def exists(lines):
    return max((int(m.group(1)) for line in lines if (m := _EXISTS.match(line))), default=0)


async def warm(peer, users):
    """Untimed FETCH of everything once per mailbox, so Dovecot's cache holds what Postroom
    computed at delivery (ENVELOPE, BODYSTRUCTURE)."""
    for user in users:
        c = await Imap.connect(peer.ports["imap"])
        await c.login(user, PASSWORD)
        await c.cmd("SELECT INBOX")
        await c.cmd("FETCH 1:* (FLAGS ENVELOPE BODYSTRUCTURE)")
        await c.logout()


async def mixed_client(peer, user, index, stats, go, stop_at, message, ready):
    c = await Imap.connect(peer.ports["imap"])
    await c.login(user, PASSWORD)
    _, lines = await c.cmd("SELECT INBOX")
    initial = exists(lines)
    rng = random.Random(index)
    ready.append(index)
    await go.wait()
    c.stats = stats
    i = 0
    while time.perf_counter() < stop_at[0]:
        n = rng.randint(1, max(1, initial - 19))
        await c.cmd(f"FETCH {n}:{min(initial, n + 19)} (FLAGS ENVELOPE BODYSTRUCTURE)", "FETCH meta x20")
        m = rng.randint(1, initial)
        await c.cmd(f"FETCH {m} BODY.PEEK[]", "FETCH body")
        await c.cmd(f"STORE {m} {'+-'[i % 2]}FLAGS (\\Flagged)", "STORE")
        await c.cmd(f'SEARCH SUBJECT "{rng.choice(["budget", "report", "meeting", "invoice"])}"', "SEARCH")
        if i % 4 == 0:
            status, _ = await c.cmd("APPEND INBOX (\\Seen)", "APPEND", literal=message)
            uid = re.search(rb"APPENDUID \d+ (\d+)", status)
            if uid:
                await c.cmd(f"UID STORE {uid.group(1).decode()} +FLAGS.SILENT (\\Deleted)", "STORE")
                await c.cmd("EXPUNGE", "EXPUNGE")
        i += 1
    await c.logout()


async def mixed(ctx, peer, clients):
    users = ctx.users["mix"]
    stats, go, stop_at = Stats(), asyncio.Event(), [0.0]
    message = ctx.corpus.message(999_999, to=users[0])
    ready = []
    tasks = [asyncio.create_task(mixed_client(peer, users[i % len(users)], i, stats, go, stop_at, message, ready))
             for i in range(clients)]
    while len(ready) < clients:  # the clock starts once every client has logged in and selected
        done = [t for t in tasks if t.done()]
        if done:
            await done[0]  # raises the client's error
        await asyncio.sleep(0.05)
    with ctx.measure(peer) as m:
        stop_at[0] = time.perf_counter() + ctx.duration
        go.set()
        await asyncio.gather(*tasks)
    variant = f"{clients} clients"
    ctx.record("imap_mixed", variant, "commands/s", "higher", peer, stats.count() / m.wall, m)
    for op, s in stats.summary().items():
        ctx.record("imap_mixed", variant, f"{op} p50 ms", "lower", peer, s["p50_ms"], m)
        ctx.record("imap_mixed", variant, f"{op} p99 ms", "lower", peer, s["p99_ms"], m)


async def sessions(ctx, peer, clients=10):
    user = ctx.users["sess"][0]  # production Argon2id hash: LOGIN cost is part of this figure
    stats, stop_at = Stats(), time.perf_counter() + ctx.duration

    async def loop():
        while time.perf_counter() < stop_at:
            t0 = time.perf_counter()
            c = await Imap.connect(peer.ports["imap"], stats=stats)
            await c.login(user, PASSWORD)
            await c.cmd("SELECT INBOX", "SELECT")
            await c.cmd("LOGOUT", ok=False)
            c.close()
            stats.add("session", time.perf_counter() - t0)

    with ctx.measure(peer) as m:
        await asyncio.gather(*(loop() for _ in range(clients)))
    s = stats.summary()
    variant = f"{clients} concurrent"
    ctx.record("imap_sessions", variant, "sessions/s", "higher", peer, stats.count("session") / m.wall, m)
    for op in ("session", "LOGIN", "SELECT"):
        ctx.record("imap_sessions", variant, f"{op} p50 ms", "lower", peer, s[op]["p50_ms"], m)
        ctx.record("imap_sessions", variant, f"{op} p99 ms", "lower", peer, s[op]["p99_ms"], m)


async def timed(c, text, repeat):
    times, lines = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        _, lines = await c.cmd(text)
        times.append(time.perf_counter() - t0)
    return times, lines


async def large(ctx, peer):
    user, count = ctx.users["big"][0], ctx.big_messages
    variant = f"{count} messages"
    with ctx.measure(peer) as m:
        c = await Imap.connect(peer.ports["imap"])
        await c.login(user, PASSWORD)
        select, lines = await timed(c, "SELECT INBOX", 3)
        assert exists(lines) == count, (exists(lines), count)
        flags, lines = await timed(c, "FETCH 1:* (FLAGS)", 2)
        search, lines = await timed(c, f"SEARCH BODY {ctx.search_word}", 2)
        hits = len(lines[0].split()) - 2 if lines else 0
        # QRESYNC: remember the state, make 10 changes from another session, reselect.
        await c.cmd("ENABLE QRESYNC")
        _, lines = await c.cmd("SELECT INBOX")
        text = b"".join(lines)
        validity = re.search(rb"UIDVALIDITY (\d+)", text).group(1).decode()
        modseq = re.search(rb"HIGHESTMODSEQ (\d+)", text).group(1).decode()
        await c.cmd("UNSELECT")
        other = await Imap.connect(peer.ports["imap"])
        await other.login(user, PASSWORD)
        await other.cmd("SELECT INBOX")
        await other.cmd("STORE 1:5 +FLAGS.SILENT (\\Seen)")
        await other.cmd("STORE 6:10 +FLAGS.SILENT (\\Deleted)")
        await other.cmd("EXPUNGE")
        await other.logout()
        qresync, lines = await timed(c, f"SELECT INBOX (QRESYNC ({validity} {modseq}))", 1)
        changed = sum(1 for line in lines if b" FETCH " in line)
        vanished = any(b"VANISHED" in line for line in lines)
        await c.logout()
    ctx.record("imap_large", variant, "first SELECT ms", "lower", peer, select[0] * 1e3, m)
    ctx.record("imap_large", variant, "SELECT ms (warm)", "lower", peer, min(select[1:]) * 1e3, m)
    ctx.record("imap_large", variant, "FETCH 1:* FLAGS ms", "lower", peer, min(flags) * 1e3, m)
    ctx.record("imap_large", variant, "SEARCH BODY word ms", "lower", peer, min(search) * 1e3, m, note=f"{hits} hits")
    ctx.record("imap_large", variant, "QRESYNC SELECT after 10 changes ms", "lower", peer, qresync[0] * 1e3, m,
               note=f"{changed} FETCH, VANISHED {'yes' if vanished else 'no'}")


async def run(ctx):
    for peer in ctx.imap_peers():
        await warm(peer, ctx.users["mix"])
        for clients in ctx.mixed_clients:
            await mixed(ctx, peer, clients)
        await sessions(ctx, peer)
        await large(ctx, peer)
