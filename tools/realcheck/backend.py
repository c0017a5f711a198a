#!/usr/bin/env python3
"""One backend of the real check: an HTTP server with a single worker and a FIFO queue.

It is the M/M/1 station that archsim's `service` with concurrency 1 models. The main thread
reads requests from every open connection (non-blocking, one selector) and queues each
complete request in the order it arrived; the one worker thread serves them in that order,
each by sleeping a time drawn from a seeded exponential generator (sleeping, not spinning,
so that the two cores of the machine are never the bottleneck), then answers with its name
and closes the connection. Service times are drawn in service order, so a backend with the
same seed sleeps the same sequence whatever the arrivals.

    backend.py --port P --name s1 --mean-ms 20 --seed 1 [--max-seconds 900]

It stops by itself after --max-seconds (a bound in case its parent dies) and on SIGTERM.
At exit it prints one JSON line: requests served and the mean and p99 of the time each
service really took (a sleep overshoots what it asked for; realcheck.py reports it).
"""
import argparse
import json
import queue
import random
import selectors
import signal
import socket
import sys
import threading
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--mean-ms", type=float, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-seconds", type=float, default=900)
    a = ap.parse_args()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", a.port))
    lsock.listen(1024)
    lsock.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(lsock, selectors.EVENT_READ, None)

    work = queue.Queue()
    rng = random.Random(a.seed)
    body = a.name.encode()
    reply = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n"
             b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    took = []  # seconds each service really took
    asked = []  # seconds each service asked to sleep

    def worker():
        while not stop.is_set():
            try:
                conn = work.get(timeout=0.2)
            except queue.Empty:
                continue
            want = rng.expovariate(1000.0 / a.mean_ms) if a.mean_ms > 0 else 0.0
            asked.append(want)
            t0 = time.perf_counter()
            if want > 0:
                time.sleep(want)
            took.append(time.perf_counter() - t0)
            try:
                conn.setblocking(True)
                conn.sendall(reply)
            except OSError:
                pass
            finally:
                conn.close()

    th = threading.Thread(target=worker, daemon=True)
    th.start()
    deadline = time.monotonic() + a.max_seconds
    buffers = {}
    while not stop.is_set() and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.2):
            if key.data is None:
                try:
                    conn, _ = lsock.accept()
                except OSError:
                    continue
                conn.setblocking(False)
                buffers[conn] = b""
                sel.register(conn, selectors.EVENT_READ, "conn")
                continue
            conn = key.fileobj
            try:
                chunk = conn.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                sel.unregister(conn)
                buffers.pop(conn, None)
                conn.close()
                continue
            buf = buffers[conn] + chunk
            if b"\r\n\r\n" in buf:  # a GET without a body: the request is complete
                sel.unregister(conn)
                buffers.pop(conn, None)
                work.put(conn)
            else:
                buffers[conn] = buf
    stop.set()
    th.join(timeout=2)
    took.sort()
    n = len(took)
    print(json.dumps({"name": a.name, "served": n,
                      "service_mean_ms": 1000 * sum(took) / n if n else 0,
                      "asked_mean_ms": 1000 * sum(asked[:n]) / n if n else 0,
                      "service_p99_ms": 1000 * took[min(n - 1, int(0.99 * n))] if n else 0}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
