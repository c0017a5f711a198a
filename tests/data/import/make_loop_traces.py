#!/usr/bin/env python3
"""Writes the loop and asynchronous-send fixtures of archsim import's tests
(jaeger-shapes/loop-per-item.json, jaeger-shapes/async-send.json), in the shape of
OpenTracing-era Jaeger exports of a Java microservice benchmark: no span.kind, no tags, every
reference CHILD_OF, the caller's side of each call an untyped "HTTP POST" span of its own
service. Run from this folder.

- loop-per-item.json: 20 requests to travel's /trips/left. travel asks basic once, then seat
  once per trip found, one call after the other: 2 calls in 10 requests, 6 in the other 10;
  basic asks station twice in every request (from and to). 3 ms of travel's own time before
  the first seat call, 1 ms between seat calls, 2 ms after the last.
- async-send.json: 12 requests to food's /orders. food does 4 ms of work, then a "<default>
  send" span of 0.2 ms whose children in delivery (a RabbitMQ listener) start 1.5 ms after it
  ended: a 9 ms "food_delivery process" and a 0.05 ms acknowledgement, the short one shorter
  than the send span (the clock-skew correction moves it into its parent)."""
import json

US = 1


def trace(tid, spans, procs):
    return {"traceID": tid, "spans": spans, "processes": {k: {"serviceName": v, "tags": []} for k, v in procs.items()}}


def span(tid, sid, parent, proc, op, start, dur):
    refs = [{"refType": "CHILD_OF", "traceID": tid, "spanID": parent}] if parent else []
    return {"traceID": tid, "spanID": sid, "operationName": op, "references": refs, "startTime": start,
            "duration": dur, "tags": [], "logs": [], "processID": proc, "warnings": None}


def loop_per_item():
    procs = {"p1": "travel", "p2": "basic", "p3": "seat", "p4": "station"}
    out = []
    for n in range(20):
        tid = "%032x" % (0x100 + n)
        t0 = 1_700_000_000_000_000 + n * 2_000_000
        spans = []
        ids = iter(range(1, 1000))
        sid = lambda: "%016x" % next(ids)
        root = sid()
        at = t0 + 3000
        # basic, and its two station calls
        c = sid(); s = sid()
        spans += [span(tid, c, root, "p1", "HTTP POST", at, 9000), span(tid, s, c, "p2", "/basic/travel", at + 500, 8000)]
        sat = at + 1000
        for k in range(2):
            cc = sid(); ss = sid()
            spans += [span(tid, cc, s, "p2", "HTTP GET", sat, 3000), span(tid, ss, cc, "p4", "/stations/id", sat + 400, 2200)]
            sat += 3500
        at += 9000
        seats = 2 if n % 2 == 0 else 6
        for k in range(seats):
            at += 1000 if k else 0
            c = sid(); s = sid()
            spans += [span(tid, c, root, "p1", "HTTP POST", at, 6000), span(tid, s, c, "p3", "/seats/left_tickets", at + 500, 5000)]
            at += 6000
        at += 2000
        spans.insert(0, span(tid, root, None, "p1", "/trips/left", t0, at - t0))
        out.append(trace(tid, spans, procs))
    return {"data": out}


def async_send():
    procs = {"p1": "food", "p2": "delivery"}
    out = []
    for n in range(12):
        tid = "%032x" % (0x200 + n)
        t0 = 1_700_000_000_000_000 + n * 3_000_000
        spans = [span(tid, "01", None, "p1", "/orders", t0, 4600),
                 span(tid, "02", "01", "p1", "<default> send", t0 + 4000, 200),
                 span(tid, "03", "02", "p2", "food_delivery process", t0 + 5700, 9000 + 100 * n),
                 span(tid, "04", "02", "p2", "food_delivery process", t0 + 5700, 50)]
        out.append(trace(tid, spans, procs))
    return {"data": out}


for name, doc in (("jaeger-shapes/loop-per-item.json", loop_per_item()), ("jaeger-shapes/async-send.json", async_send())):
    with open(name, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
