#!/usr/bin/env python3
"""Zipf cache-aside client for Redis, for the real check.

Two steps, one connection (RESP by hand over a socket: nothing to install):
 1. memory per key: with no maxmemory, stores --capacity keys of the run's shape (key
    "k:<rank>", a --value-bytes value) and reads INFO's used_memory before and after; then
    empties the database and sets maxmemory to the empty database's used_memory plus
    capacity x (bytes per key), so that Redis holds about --capacity keys.
 2. the run: requests at Poisson times (seeded) at --rate per second for --seconds, each for a
    key drawn from an exact Zipf law over --keys ranks (P(rank k) proportional to k^-s);
    cache-aside: GET, and on a miss SET. Hits and misses are counted after --warmup seconds;
    DBSIZE is read once a second then, so the keys Redis really held are known.

    cacheclient.py --port P --keys 100000 --zipf 0.99 --capacity 1000 --rate 2000 \
        --seconds 70 --warmup 10 --seed 1 --out FILE.json

Bounded: at most rate x seconds x 1.5 + 100 requests, and it stops --seconds + 30 s after it
started whatever happens; every socket read has a 5 s timeout.
"""
import argparse
import bisect
import json
import random
import socket
import time


class Redis:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.f = self.sock.makefile("rb")

    @staticmethod
    def encode(*args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(out)

    def read(self):
        line = self.f.readline()
        if not line:
            raise ConnectionError("redis closed the connection")
        kind, rest = line[:1], line[1:-2]
        if kind in (b"+", b":"):
            return rest
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.f.read(n + 2)
            return data[:-2]
        if kind == b"*":
            return [self.read() for _ in range(int(rest))]
        raise RuntimeError("unexpected reply " + repr(line))

    def call(self, *args):
        self.sock.sendall(self.encode(*args))
        return self.read()

    def pipeline(self, commands):
        self.sock.sendall(b"".join(self.encode(*c) for c in commands))
        return [self.read() for _ in commands]

    def info(self, field):
        for line in self.call("INFO", "all").decode().splitlines():
            if line.startswith(field + ":"):
                return int(line.split(":", 1)[1])
        raise KeyError(field)


def zipf_cdf(n, s):
    cdf, total = [], 0.0
    for k in range(1, n + 1):
        total += k ** -s
        cdf.append(total)
    return [c / total for c in cdf]


def main():
    ap = argparse.ArgumentParser()
    for name, kind in (("port", int), ("keys", int), ("zipf", float), ("capacity", int), ("rate", float),
                       ("seconds", float), ("warmup", float), ("seed", int), ("value-bytes", int)):
        ap.add_argument("--" + name, type=kind, required=name not in ("seed", "value-bytes"))
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else 1
    value = b"v" * (a.value_bytes or 32)
    started = time.monotonic()
    r = Redis(a.port)

    # 1. memory per key, measured at the capacity the run will use
    r.call("CONFIG", "SET", "maxmemory", "0")
    r.call("FLUSHALL")
    before = r.info("used_memory")
    for lo in range(0, a.capacity, 1000):
        r.pipeline([("SET", b"k:%d" % k, value) for k in range(lo, min(a.capacity, lo + 1000))])
    after = r.info("used_memory")
    per_key = (after - before) / a.capacity
    r.call("FLUSHALL")
    empty = r.info("used_memory")
    maxmemory = int(empty + per_key * a.capacity)
    r.call("CONFIG", "SET", "maxmemory", str(maxmemory))

    # 2. the run
    cdf = zipf_cdf(a.keys, a.zipf)
    rng = random.Random(seed)
    limit = int(a.rate * a.seconds * 1.5) + 100
    hits = misses = sent = 0
    lag_max = 0.0
    dbsize = []
    next_size = a.warmup
    t0 = time.perf_counter()
    due = 0.0
    while sent < limit:
        due += rng.expovariate(a.rate)
        if due >= a.seconds or time.monotonic() - started > a.seconds + 30:
            break
        key = b"k:%d" % bisect.bisect_left(cdf, rng.random())
        now = time.perf_counter() - t0
        if due > now + 0.0005:
            time.sleep(due - now)
        else:
            lag_max = max(lag_max, now - due)
        hit = r.call("GET", key) is not None
        if not hit:
            r.call("SET", key, value)
        sent += 1
        if due >= a.warmup:
            hits += hit
            misses += not hit
            if due >= next_size:
                dbsize.append(int(r.call("DBSIZE")))
                next_size += 1.0
    elapsed = time.perf_counter() - t0
    stats = {k: r.info(k) for k in ("evicted_keys", "keyspace_hits", "keyspace_misses", "used_memory")}
    out = {"bytes_per_key": per_key, "maxmemory": maxmemory, "empty_used_memory": empty,
           "requests": sent, "hits": hits, "misses": misses,
           "hit_ratio": hits / max(1, hits + misses), "keys_held_mean": sum(dbsize) / max(1, len(dbsize)),
           "keys_held_min": min(dbsize, default=0), "keys_held_max": max(dbsize, default=0),
           "achieved_rate": sent / elapsed if elapsed > 0 else 0, "lag_max_ms": 1000 * lag_max, "redis": stats}
    with open(a.out, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
