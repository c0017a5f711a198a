#!/usr/bin/env python3
"""Open-loop Poisson load for PostgreSQL or PgBouncer, for the real check.

Sends one SQL text (a simple query, which may hold several statements) at Poisson times
from a seeded generator, whether or not earlier ones have answered (open loop). Two ways to
connect:
  --conns N   N connections opened before the first request and kept (an application's
              sessions): each request takes an idle one, or opens one more when none is idle;
              a connection the server closed (PgBouncer's query_wait_timeout), or one whose
              query failed (a MariaDB deadlock victim), is closed and replaced.
  --conns 0   every request opens its own connection, runs the query and closes (a client
              without a pool); a refused start (PostgreSQL's "too many clients", SQLSTATE
              53300) is a failed request with that code.
For every request: when it was due, the generator's lag, the latency (from the query's send,
or from the connect with --conns 0, to the answer), ok, the SQLSTATE of a failure, and every
non-empty value the query returned, as numbers (the checks return server clocks with
extract(epoch from ...)), after the index of the SQL text it ran. --protocol mysql speaks
MariaDB's protocol (mywire.py) instead of PostgreSQL's (pgwire.py).

    dbload.py --port P --rate 70 --seconds 35 --seed 1 --conns 200 --sql "SELECT ..." --out FILE.json

Bounded: at most rate x seconds x 1.5 + 100 requests; every request has --timeout seconds;
it stops waiting --timeout seconds after the last one is due.
Output: {"rate", "seconds", "opened", "requests": [[due_s, lag_ms, latency_ms, ok, code, [sql index, values...]], ...]}.
"""
import argparse
import asyncio
import json
import random
import time

import mywire
import pgwire


class Sessions:
    def __init__(self, port, target, proto):
        self.port = port
        self.target = target
        self.proto = proto
        self.idle = []
        self.opened = 0

    async def fill(self):
        while len(self.idle) < self.target:
            self.idle.append(await self.proto.Connection.open(self.port))
            self.opened += 1

    async def take(self):
        if self.idle:
            return self.idle.pop()
        self.opened += 1
        return await self.proto.Connection.open(self.port)

    def give_back(self, conn, healthy):
        if healthy:
            self.idle.append(conn)
        else:
            conn.close()


def _numbers(rows):
    out = []
    for row in rows:
        for v in row:
            if v not in (None, ""):
                try:
                    out.append(float(v))
                except ValueError:
                    pass
    return out


async def one(a, proto, sessions, sql, due, t0, out):
    lag = time.perf_counter() - t0 - due
    ok, code, values = False, "", [sql]
    start = time.perf_counter()
    conn = None
    try:
        if sessions:
            conn = await asyncio.wait_for(sessions.take(), a.timeout)
            start = time.perf_counter()
        else:
            conn = await proto.Connection.open(a.port, timeout=a.timeout)
        values += _numbers(await asyncio.wait_for(conn.query(a.sql[sql]), a.timeout))
        ok = True
    except (pgwire.PgError, mywire.MyError) as e:
        code = str(e.code)
    except (OSError, asyncio.TimeoutError):
        code = "timeout"
    latency = time.perf_counter() - start
    if conn is not None:
        if sessions:
            sessions.give_back(conn, ok)
        else:
            conn.close()
    out.append((round(due, 6), round(1000 * lag, 3), round(1000 * latency, 3), ok, code, values))


async def run(a):
    rng = random.Random(a.seed)
    pick = random.Random(a.seed + 1000)  # which SQL text, drawn apart so that the times stay the seed's
    proto = mywire if a.protocol == "mysql" else pgwire
    times, t = [], 0.0
    limit = int(a.rate * a.seconds * 1.5) + 100
    while len(times) < limit:
        t += rng.expovariate(a.rate)
        if t >= a.seconds:
            break
        times.append(t)
    sessions = None
    if a.conns > 0:
        sessions = Sessions(a.port, a.conns, proto)
        await asyncio.wait_for(sessions.fill(), 60)
    out, tasks = [], []
    loop = asyncio.get_running_loop()
    t0 = time.perf_counter()
    for due in times:
        delay = due - (time.perf_counter() - t0)
        if delay > 0:
            await asyncio.sleep(delay)
        sql = pick.randrange(len(a.sql))
        tasks.append(loop.create_task(one(a, proto, sessions, sql, due, t0, out)))
    if tasks:
        await asyncio.wait(tasks, timeout=a.timeout + 1)
    for task in tasks:
        task.cancel()
    if sessions:
        for conn in sessions.idle:
            conn.close()
    out.sort()
    return out, sessions.opened if sessions else len(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--rate", type=float, required=True)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--conns", type=int, default=0)
    ap.add_argument("--sql", required=True, action="append",
                    help="the SQL text of a request; given more than once, each request draws one, equally likely")
    ap.add_argument("--protocol", choices=("pg", "mysql"), default="pg")
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    out, opened = asyncio.run(run(a))
    with open(a.out, "w") as f:
        json.dump({"rate": a.rate, "seconds": a.seconds, "opened": opened, "requests": out}, f)


if __name__ == "__main__":
    main()
