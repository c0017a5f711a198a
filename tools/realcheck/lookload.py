#!/usr/bin/env python3
"""Look-aside reads through memcached and MariaDB, with a web tier of its own, for the real check.

The web tier is --workers coroutines (PHP-FPM's workers in the OSDI 2022 artifact), each with
its own memcached connection and its own MariaDB session. Requests arrive at Poisson times
(seeded), open loop, into one FIFO queue; a worker takes the oldest, and drops it unstarted
when it has waited --timeout already (its client gave up: the artifact's load generator
never starts a request older than its deadline). A started request reads its key from
memcached (`get`); on a miss it runs --miss-sql on MariaDB ({key} replaced) and stores the
value (`set`). The key is drawn from an exact Zipf law over --keys ranks (P(rank k)
proportional to k^-s; key "k:<rank - 1>"), as archsim's `zipf` keys.

Before the run it empties memcached (flush_all) and stores the hottest --preload keys (a
warmed cache). With --drop-at T --drop-keys K it deletes the K hottest keys at T seconds
(or runs flush_all with --drop-keys all), the metastability case's trigger.

    lookload.py --mc-port P --db-port Q --keys 100000 --zipf 0.99 --preload 20000 --workers 4 \
        --miss-sql "SELECT ..." --rate 200 --seconds 30 --seed 1 --out FILE.json

Output: {"requests": [[arrival_s, lag_ms, start_s, end_s, hit, get_ms, db_ms, set_ms], ...]}, with
start_s null for a request dropped unstarted and end_s null for one not finished when the run
stopped; hit is 1, 0 or null; times from the run's start. Also "drop" (when it began and
ended) and memcached's own counters at the end ("stats": evictions must stay 0, the cache
holds every key).
Bounded: at most rate x seconds x 1.5 + 100 requests; every call has --timeout x 10 s; the
workers stop --timeout + 2 s after the last arrival.
"""
import argparse
import asyncio
import bisect
import json
import random
import time

from cacheclient import zipf_cdf  # the Redis check's exact Zipf law
import mywire

VALUE = b"v" * 32


class Memcached:
    """memcached's text protocol: get, set, delete and flush_all, on one connection."""

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port):
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 10)
        return cls(reader, writer)

    async def get(self, key):
        self.writer.write(b"get %s\r\n" % key)
        line = await self.reader.readline()
        if line.startswith(b"VALUE"):
            await self.reader.readexactly(int(line.split()[3]) + 2)
            line = await self.reader.readline()
            return line == b"END\r\n"
        if line != b"END\r\n":
            raise ConnectionError(f"memcached: {line!r}")
        return False

    async def set(self, key, value=VALUE):
        self.writer.write(b"set %s 0 0 %d\r\n%s\r\n" % (key, len(value), value))
        line = await self.reader.readline()
        if line != b"STORED\r\n":
            raise ConnectionError(f"memcached: {line!r}")

    async def many(self, verb, keys, chunk=1000):
        """`set` or `delete` of many keys, pipelined without replies, then a round trip that
        says they are done (memcached answers a connection's commands in order)."""
        for lo in range(0, len(keys), chunk):
            if verb == "set":
                self.writer.write(b"".join(b"set %s 0 0 %d noreply\r\n%s\r\n" % (k, len(VALUE), VALUE)
                                           for k in keys[lo:lo + chunk]))
            else:
                self.writer.write(b"".join(b"delete %s noreply\r\n" % k for k in keys[lo:lo + chunk]))
            self.writer.write(b"version\r\n")
            await self.reader.readline()

    async def command(self, text):
        self.writer.write(text.encode() + b"\r\n")
        if text != "stats":
            return await self.reader.readline()
        out = {}
        while True:
            line = (await self.reader.readline()).decode().split()
            if not line or line[0] == "END":
                return out
            out[line[1]] = line[2]

    def close(self):
        self.writer.close()


def key_of(i):
    return b"k:%d" % i


async def run(a):
    admin = await Memcached.open(a.mc_port)
    await admin.command("flush_all")
    await admin.many("set", [key_of(i) for i in range(a.preload)])
    rng = random.Random(a.seed)
    cdf = zipf_cdf(a.keys, a.zipf)
    arrivals, t = [], 0.0
    limit = int(a.rate * a.seconds * 1.5) + 100
    while len(arrivals) < limit:
        t += rng.expovariate(a.rate)
        if t >= a.seconds:
            break
        arrivals.append((t, bisect.bisect_left(cdf, rng.random())))
    queue = asyncio.Queue()
    rows, drop = [], {}
    conns = [(await Memcached.open(a.mc_port), await mywire.Connection.open(a.db_port)) for _ in range(a.workers)]
    t0 = time.perf_counter()

    def now():
        return time.perf_counter() - t0

    async def worker(mc, db):
        while True:
            row = await queue.get()
            if row is None:
                return
            key, row = row
            start = now()
            if start - row[0] >= a.timeout:
                rows.append(row)  # dropped unstarted: start_s stays null
                continue
            row[2] = start
            try:
                hit = await asyncio.wait_for(mc.get(key_of(key)), 10 * a.timeout)
                row[5] = 1000 * (now() - start)
                if not hit:
                    t1 = now()
                    await asyncio.wait_for(db.query(a.miss_sql.format(key=key)), 10 * a.timeout)
                    t2 = now()
                    await asyncio.wait_for(mc.set(key_of(key)), 10 * a.timeout)
                    row[6], row[7] = 1000 * (t2 - t1), 1000 * (now() - t2)
                row[4] = int(hit)
                row[3] = now()
            except (OSError, asyncio.TimeoutError, mywire.MyError, ConnectionError, asyncio.IncompleteReadError):
                pass  # end_s stays null: not answered
            rows.append(row)

    async def dropper():
        await asyncio.sleep(max(0.0, a.drop_at - now()))
        drop["start_s"] = now()
        if a.drop_keys == "all":
            await admin.command("flush_all")
        else:
            await admin.many("delete", [key_of(i) for i in range(int(a.drop_keys))])
        drop["end_s"] = now()

    tasks = [asyncio.create_task(worker(mc, db)) for mc, db in conns]
    if a.drop_keys:
        tasks.append(asyncio.create_task(dropper()))
    for due, key in arrivals:
        delay = due - now()
        if delay > 0:
            await asyncio.sleep(delay)
        at = now()
        queue.put_nowait((key, [round(at, 6), round(1000 * (at - due), 3), None, None, None, None, None, None]))
    for _ in conns:
        queue.put_nowait(None)
    done, pending = await asyncio.wait(tasks, timeout=a.timeout + 2)
    for task in pending:
        task.cancel()
    while not queue.empty():  # still queued when the run stopped
        item = queue.get_nowait()
        if item is not None:
            rows.append(item[1])
    stats = await admin.command("stats")
    admin.close()
    for mc, db in conns:
        mc.close()
        db.close()
    rows.sort(key=lambda r: r[0])
    return {"rate": a.rate, "seconds": a.seconds, "workers": a.workers, "drop": drop, "requests": rows,
            "stats": {k: int(stats[k]) for k in ("evictions", "curr_items", "get_hits", "get_misses") if k in stats}}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name, kind in (("mc-port", int), ("db-port", int), ("keys", int), ("zipf", float), ("preload", int),
                       ("workers", int), ("rate", float), ("seconds", float)):
        ap.add_argument("--" + name, type=kind, required=True)
    ap.add_argument("--miss-sql", required=True)
    ap.add_argument("--timeout", type=float, default=1.0)
    ap.add_argument("--drop-at", type=float, default=0.0)
    ap.add_argument("--drop-keys", default=None, help="the number of hottest keys to delete, or all (flush_all)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    out = asyncio.run(run(a))
    with open(a.out, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
