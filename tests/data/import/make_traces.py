#!/usr/bin/env python3
"""Writes the trace fixtures of archsim import's tests: one small system, the same six
requests, in each format a tracer exports (jaeger.json, zipkin.json, otlp.json, and
otlp-lines.json as the collector's file exporter writes it). Run from this folder.

The system: a request from outside (a SERVER root, so the importer adds the client) reaches
frontend "GET /checkout", which works 2 ms, calls payment "charge" (the first attempt fails
with payment's own error, the second succeeds after a 1 ms back-off), then calls inventory
"stock" and pricing "price" at once (overlapping: parallel), then works again until 40 ms.
inventory works, then queries an uninstrumented PostgreSQL (a CLIENT span with db.system
and no SERVER child), then works. Requests start 100 ms apart (10 per second)."""
import json

BASE_US = 1_700_000_000_000_000
SPANS = [
    # (id, parent, service, kind, name, start_us, end_us, error, extra attributes)
    ("01", "", "frontend", "SERVER", "GET /checkout", 0, 40000, False, {}),
    ("02", "01", "frontend", "CLIENT", "charge", 2000, 6000, True, {"peer.service": "payment"}),
    ("03", "02", "payment", "SERVER", "charge", 2500, 5500, True, {}),
    ("04", "01", "frontend", "CLIENT", "charge", 7000, 12000, False, {"peer.service": "payment"}),
    ("05", "04", "payment", "SERVER", "charge", 7500, 11500, False, {}),
    ("06", "01", "frontend", "CLIENT", "stock", 13000, 20000, False, {}),
    ("07", "06", "inventory", "SERVER", "stock", 13500, 19500, False, {}),
    ("08", "07", "inventory", "CLIENT", "SELECT stock", 14000, 18000, False,
     {"db.system": "postgresql", "db.operation": "SELECT"}),
    ("09", "01", "frontend", "CLIENT", "price", 13000, 18000, False, {}),
    ("0a", "09", "pricing", "SERVER", "price", 13500, 17500, False, {}),
]


def spans_of(k):
    # Each request a little different, so that fits see a spread: +k*100 us on the own times at the end.
    for (sid, parent, svc, kind, name, s, e, err, attrs) in SPANS:
        if sid == "01":
            e += k * 100
        yield (f"{k + 1:032x}", f"{k + 1:08x}{int(sid, 16):08x}", f"{k + 1:08x}{int(parent, 16):08x}" if parent else "",
               svc, kind, name, BASE_US + k * 100_000 + s, BASE_US + k * 100_000 + e, err, attrs)


def otlp(requests):
    by_service = {}
    for k in requests:
        for (tid, sid, pid, svc, kind, name, s, e, err, attrs) in spans_of(k):
            span = {"traceId": tid, "spanId": sid, "name": name,
                    "kind": {"SERVER": 2, "CLIENT": 3}[kind],
                    "startTimeUnixNano": str(s * 1000), "endTimeUnixNano": str(e * 1000),
                    "attributes": [{"key": a, "value": {"stringValue": v}} for a, v in attrs.items()],
                    "status": {"code": 2, "message": "error"} if err else {"code": 1}}
            if pid:
                span["parentSpanId"] = pid
            by_service.setdefault(svc, []).append(span)
    return {"resourceSpans": [
        {"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": svc}}]},
         "scopeSpans": [{"scope": {"name": "fixture"}, "spans": spans}]} for svc, spans in by_service.items()]}


def jaeger():
    data = []
    for k in range(6):
        procs, spans = {}, []
        for (tid, sid, pid, svc, kind, name, s, e, err, attrs) in spans_of(k):
            p = next((p for p, v in procs.items() if v["serviceName"] == svc), None)
            if p is None:
                p = f"p{len(procs) + 1}"
                procs[p] = {"serviceName": svc, "tags": [{"key": "hostname", "type": "string", "value": svc + "-0"}]}
            tags = [{"key": "span.kind", "type": "string", "value": kind.lower()}]
            tags += [{"key": a, "type": "string", "value": v} for a, v in attrs.items()]
            if err:
                tags.append({"key": "error", "type": "bool", "value": True})
            spans.append({"traceID": tid, "spanID": sid, "operationName": name, "flags": 1,
                          "references": [{"refType": "CHILD_OF", "traceID": tid, "spanID": pid}] if pid else [],
                          "startTime": s, "duration": e - s, "tags": tags, "logs": [], "processID": p,
                          "warnings": None})
        data.append({"traceID": spans[0]["traceID"], "spans": spans, "processes": procs, "warnings": None})
    return {"data": data, "total": 0, "limit": 0, "offset": 0, "errors": None}


def zipkin():
    out = []
    for k in range(6):
        for (tid, sid, pid, svc, kind, name, s, e, err, attrs) in spans_of(k):
            span = {"traceId": tid, "id": sid, "kind": kind, "name": name, "timestamp": s, "duration": e - s,
                    "localEndpoint": {"serviceName": svc}, "tags": dict(attrs)}
            if pid:
                span["parentId"] = pid
            if "peer.service" in attrs:
                span["remoteEndpoint"] = {"serviceName": attrs["peer.service"]}
                del span["tags"]["peer.service"]
            if err:
                span["tags"]["error"] = "error"
            out.append(span)
    # The last request as B3 shared spans: pricing's SERVER span keeps its caller's id.
    last = [s for s in out if s["traceId"] == f"{6:032x}"]
    client = next(s for s in last if s["name"] == "price" and s["kind"] == "CLIENT")
    server = next(s for s in last if s["name"] == "price" and s["kind"] == "SERVER")
    server["id"], server["parentId"], server["shared"] = client["id"], client["parentId"], True
    return out


with open("otlp.json", "w") as f:
    json.dump(otlp(range(6)), f, indent=1)
with open("otlp-lines.json", "w") as f:
    for k in range(6):
        f.write(json.dumps(otlp([k])) + "\n")
with open("jaeger.json", "w") as f:
    json.dump(jaeger(), f, indent=1)
with open("zipkin.json", "w") as f:
    json.dump(zipkin(), f, indent=1)
