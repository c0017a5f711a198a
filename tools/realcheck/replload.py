#!/usr/bin/env python3
"""Writes on a PostgreSQL primary, each read back on its streaming replica, for the real check.

Open loop: requests at Poisson times from a seeded generator. A request takes one of the
client's sessions (a connection to the primary and one to the replica, opened before the
first request; one more pair when none is idle) and
  1. writes on the primary: UPDATE kv SET v = v + 1 WHERE id = k RETURNING v and the
     server's clocks at the statement's receipt and end (k drawn uniformly from --keys rows);
  2. at once reads the row on the replica, with the replica's statement_timestamp() (when
     the read arrived: its snapshot is taken right after): stale when v is below the value
     written;
  3. reads again, back to back, until the replica has the write (at most --timeout s): the
     first fresh read's statement_timestamp() less the write's end on the primary is the
     write's replication lag as a client sees it (one round trip of resolution, about
     0.1 ms). Both servers run on one host: one clock.
With --monitor N, N more connections read the replica's pg_last_xact_replay_timestamp() and
clock back to back for the whole run: the samples bound each write's apply independently of
the clients' reads.
    replload.py --primary P --replica R --rate 100 --seconds 40 --seed 1 --keys 1000 --out FILE.json
Output: {"rate", "seconds", "requests": [[due_s, lag_ms(sender), ok, write_end, first_read_at,
first_stale, visible_at, reads, write_s], ...], "replayed": [[replayed_commit, replica_clock], ...]}
(server times in seconds since the epoch; visible_at null when the write never showed within
--timeout; write_s the write statement's time on the primary; "replayed" with --monitor).
"""
import argparse
import asyncio
import json
import random
import time

import pgwire

WRITE = ("UPDATE kv SET v = v + 1 WHERE id = {k} "
         "RETURNING v, extract(epoch from statement_timestamp()), extract(epoch from clock_timestamp())")
READ = "SELECT v, extract(epoch from statement_timestamp()) FROM kv WHERE id = {k}"


class Pairs:
    def __init__(self, primary, replica):
        self.primary, self.replica = primary, replica
        self.idle = []

    async def open(self):
        return (await pgwire.Connection.open(self.primary), await pgwire.Connection.open(self.replica))

    async def fill(self, n):
        for _ in range(n):
            self.idle.append(await self.open())

    async def take(self):
        return self.idle.pop() if self.idle else await self.open()


async def one(a, pairs, key, due, t0, out):
    lag = 1000 * (time.perf_counter() - t0 - due)
    pair = None
    row = [round(due, 6), round(lag, 3), False, None, None, None, None, 0, None]
    try:
        pair = await asyncio.wait_for(pairs.take(), a.timeout)
        written, start, end = (await asyncio.wait_for(pair[0].query(WRITE.format(k=key)), a.timeout))[0]
        row[3], row[8] = float(end), float(end) - float(start)
        deadline = time.perf_counter() + a.timeout
        while time.perf_counter() < deadline:
            v, at = (await asyncio.wait_for(pair[1].query(READ.format(k=key)), a.timeout))[0]
            row[7] += 1
            fresh = int(v) >= int(written)
            if row[4] is None:
                row[4], row[5] = float(at), not fresh
            if fresh:
                row[6] = float(at)
                break
        row[2] = True
    except (pgwire.PgError, OSError, asyncio.TimeoutError, ValueError, IndexError):
        if pair:
            for c in pair:
                c.close()
            pair = None
    if pair:
        pairs.idle.append(pair)
    out.append(row)


MONITOR = "SELECT extract(epoch from pg_last_xact_replay_timestamp()), extract(epoch from clock_timestamp())"


async def monitor(port, until, samples):
    """Back-to-back reads of the replica's last replayed commit time and its clock: a write whose
    commit is at or before the replayed one was applied by then (and after the previous sample)."""
    conn = await pgwire.Connection.open(port)
    try:
        while time.perf_counter() < until:
            replayed, now = (await conn.query(MONITOR))[0]
            if replayed:
                samples.append((float(replayed), float(now)))
    finally:
        conn.close()


async def run(a):
    rng = random.Random(a.seed)
    keys = random.Random(a.seed + 1000)
    times, t = [], 0.0
    while len(times) < int(a.rate * a.seconds * 1.5) + 100:
        t += rng.expovariate(a.rate)
        if t >= a.seconds:
            break
        times.append(t)
    pairs = Pairs(a.primary, a.replica)
    await asyncio.wait_for(pairs.fill(a.conns), 60)
    out, tasks = [], []
    loop = asyncio.get_running_loop()
    t0 = time.perf_counter()
    samples = []
    watchers = [loop.create_task(monitor(a.replica, t0 + a.seconds + 0.5, samples)) for _ in range(a.monitor)]
    for due in times:
        delay = due - (time.perf_counter() - t0)
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(loop.create_task(one(a, pairs, keys.randrange(a.keys), due, t0, out)))
    if tasks:
        await asyncio.wait(tasks, timeout=a.timeout + 1)
    for task in tasks:
        task.cancel()
    if watchers:
        await asyncio.wait(watchers, timeout=a.timeout)
    samples.sort(key=lambda s: s[1])
    for pair in pairs.idle:
        for c in pair:
            c.close()
    out.sort()
    return out, samples


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--primary", type=int, required=True)
    ap.add_argument("--replica", type=int, required=True)
    ap.add_argument("--rate", type=float, required=True)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keys", type=int, default=1000)
    ap.add_argument("--conns", type=int, default=20, help="session pairs opened before the first request")
    ap.add_argument("--timeout", type=float, default=10)
    ap.add_argument("--monitor", type=int, default=0,
                    help="connections that sample the replica's last replayed commit time back to back, interleaved "
                         "(each write's lag, to a fraction of a round trip)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    out, samples = asyncio.run(run(a))
    with open(a.out, "w") as f:
        json.dump({"rate": a.rate, "seconds": a.seconds, "requests": out, "replayed": samples}, f)


if __name__ == "__main__":
    main()
