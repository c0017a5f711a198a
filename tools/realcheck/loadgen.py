#!/usr/bin/env python3
"""Open-loop Poisson load generator for the real check.

Sends GET / to 127.0.0.1:PORT at Poisson times (a seeded generator: the same seed gives the
same schedule), each request on a new connection, whether or not earlier ones have
answered (open loop: a slow server does not slow the arrivals). For every request it keeps
when it was due, how long it waited to be sent (the generator's own lag), its latency from
the connect to the end of the answer, and the backend's name from the answer's body.

    loadgen.py --port P --rate 160 --seconds 100 --seed 1 --out FILE.json

Bounded: it sends at most rate x seconds x 1.5 + 100 requests, gives every request at most
--timeout seconds and stops waiting --timeout seconds after the last one is due.
The output is JSON: {"rate", "seconds", "requests": [[due_s, lag_ms, latency_ms, backend or
null, ok], ...]}.
"""
import argparse
import asyncio
import json
import random
import time


async def one(port, due, t0, out, timeout):
    lag = time.perf_counter() - t0 - due
    start = time.perf_counter()
    name, ok = None, False
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
        writer.write(b"GET / HTTP/1.1\r\nHost: realcheck\r\nConnection: close\r\n\r\n")
        data = await asyncio.wait_for(reader.read(-1), timeout)
        writer.close()
        head, _, body = data.partition(b"\r\n\r\n")
        ok = head.startswith(b"HTTP/1.1 200") or head.startswith(b"HTTP/1.0 200")
        name = body.decode(errors="replace").strip() if ok else None
    except (OSError, asyncio.TimeoutError):
        pass
    latency = time.perf_counter() - start
    out.append((round(due, 6), round(1000 * lag, 3), round(1000 * latency, 3), name, ok))


async def run(a):
    rng = random.Random(a.seed)
    times, t = [], 0.0
    limit = int(a.rate * a.seconds * 1.5) + 100
    while len(times) < limit:
        t += rng.expovariate(a.rate)
        if t >= a.seconds:
            break
        times.append(t)
    out, tasks = [], []
    loop = asyncio.get_running_loop()
    t0 = time.perf_counter()
    for due in times:
        delay = due - (time.perf_counter() - t0)
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(loop.create_task(one(a.port, due, t0, out, a.timeout)))
    await asyncio.wait(tasks, timeout=a.timeout + 1) if tasks else None
    for task in tasks:
        task.cancel()
    out.sort()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--rate", type=float, required=True)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    out = asyncio.run(run(a))
    with open(a.out, "w") as f:
        json.dump({"rate": a.rate, "seconds": a.seconds, "requests": out}, f)


if __name__ == "__main__":
    main()
