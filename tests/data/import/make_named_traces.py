#!/usr/bin/env python3
"""Writes the Jaeger exports of the name-matching tests (docs/import.md, "Names matched between
traces and manifests"), each in the shape of a public benchmark's real export. Run from this folder.

- social-home-timeline.json: a social network's home-timeline read as its OpenTracing-era C++
  and Lua clients leave it: no span.kind, the sampler's tags (probabilistic 0.2) on the root,
  the NGINX front end reporting as `nginx-web-server` from the host `nginx-thrift` (its Compose
  service), home-timeline-service's server span under NGINX's `_client` span, post-storage-service's
  server span directly under home-timeline's (its caller wrote no client span), and the stores
  reached through untagged leaf spans named after them (`..._redis_find_client`,
  `post_storage_mmc_mget_client`, `post_storage_mongo_find_client` on a cache miss).
- hotel-search.json: a hotel site's search with kinds, whose tracer registers the services as
  `srv-geo` and `srv-rate` (Compose services `geo` and `rate`) and whose database and cache
  calls are CLIENT spans with db.system and no callee span.
- route-k8s.json: two services whose JAEGER_SERVICE_NAME differs from their Deployment's name,
  reporting pod names (`<Deployment>-<ReplicaSet hash>-<suffix>`) as their hostname tag.
- rabbit-orders.json: a shop publishing each order to RabbitMQ and a worker consuming it, as
  OpenTelemetry's Java agent exports them through Jaeger: PRODUCER and CONSUMER spans with
  messaging.system rabbitmq and no peer.service, the consumer CHILD_OF the producer."""
import json

def tag(k, v):
    t = "string" if isinstance(v, str) else "bool" if isinstance(v, bool) else "float64" if isinstance(v, float) else "int64"
    return {"key": k, "type": t, "value": v}

class Lcg:
    def __init__(self, s): self.s = s
    def next(self, lo, hi):
        self.s = (self.s * 6364136223846793005 + 1442695040888963407) % 2**64
        return lo + (self.s >> 33) % (hi - lo + 1)

def span(tid, sid, op, parent, start, dur, pid, tags=()):
    refs = [{"refType": "CHILD_OF", "traceID": tid, "spanID": parent}] if parent else []
    return {"traceID": tid, "spanID": sid, "flags": 1, "operationName": op, "references": refs,
            "startTime": start, "duration": dur, "tags": list(tags),
            "logs": [], "processID": pid, "warnings": None}

def proc(name, host, version):
    return {"serviceName": name, "tags": [tag("hostname", host), tag("ip", "127.0.0.1"), tag("jaeger.version", version)]}

def write(name, traces):
    with open(name, "w") as f:
        # One trace per line: the file stays small and diffs stay readable.
        f.write('{"data": [\n')
        f.write(",\n".join(json.dumps(t, separators=(",", ":")) for t in traces))
        f.write('\n], "total": 0, "limit": 0, "offset": 0, "errors": null}\n')

def social():
    r = Lcg(7)
    procs = {"p1": proc("home-timeline-service", "home-timeline-service", "C++-0.4.2"),
             "p2": proc("post-storage-service", "post-storage-service", "C++-0.4.2"),
             "p3": proc("nginx-web-server", "nginx-thrift", "C++-0.4.2")}
    traces, t = [], 1713382467578000
    for i in range(24):
        t += r.next(20000, 400000)
        tid = "%016x" % (0x0db1191b4e3b0000 + i)
        ids = iter("%016x" % (0x6b18a9b3f4ad0000 + 16 * i + k) for k in range(16))
        root, ngx, cli, srv, red, ps, mmc, mgo = (next(ids) for _ in range(8))
        a = t + r.next(50, 120)         # NGINX's location span
        c = a + r.next(40, 90)          # its client span to home-timeline
        s = c + r.next(150, 300)        # home-timeline's server span
        rd = s + r.next(10, 30); rdd = r.next(120, 400)
        p = rd + rdd + r.next(20, 80)   # post-storage's server span, under home-timeline's
        m = p + r.next(30, 90); md = r.next(300, 900)
        miss = i % 4 == 0
        gd = r.next(800, 2500) if miss else 0
        pd = (m + md - p) + (gd + 60 if miss else 0) + r.next(40, 200)
        sd = (p + pd - s) + r.next(50, 300)
        cd = (s + sd - c) + r.next(150, 300)
        ad = (c + cd - a) + r.next(30, 90)
        url = "http://localhost:8080/wrk2-api/home-timeline/read?user_id=%d&start=0&stop=10" % r.next(1, 962)
        ngx_tags = [tag("component", "nginx"), tag("nginx.worker_pid", "9"), tag("http.method", "GET"), tag("http.url", url)]
        spans = [span(tid, root, "/wrk2-api/home-timeline/read", None, t, (a + ad - t) + r.next(200, 1200), "p3",
                      [tag("sampler.type", "probabilistic"), tag("sampler.param", 0.2), tag("http.status_code", 200)] + ngx_tags),
                 span(tid, ngx, "/wrk2-api/home-timeline/read", root, a, ad, "p3", ngx_tags + [tag("http.status_code", 200)]),
                 span(tid, cli, "read_home_timeline_client", ngx, c, cd, "p3"),
                 span(tid, srv, "read_home_timeline_server", cli, s, sd, "p1"),
                 span(tid, red, "read_home_timeline_redis_find_client", srv, rd, rdd, "p1"),
                 span(tid, ps, "post_storage_read_posts_server", srv, p, pd, "p2"),
                 span(tid, mmc, "post_storage_mmc_mget_client", ps, m, md, "p2")]
        if miss:
            spans.append(span(tid, mgo, "post_storage_mongo_find_client", ps, m + md + 30, gd, "p2"))
        traces.append({"traceID": tid, "spans": spans, "processes": procs, "warnings": None})
    write("social-home-timeline.json", traces)

def hotel():
    r = Lcg(11)
    procs = {"p1": proc("frontend", "9b2e0d4c1a77", "Go-2.30.0"), "p2": proc("srv-geo", "3f9a1c2b7d41", "Go-2.30.0"),
             "p3": proc("srv-rate", "5c8d2e9f0b13", "Go-2.30.0")}
    traces, t = [], 1713390000000000
    for i in range(18):
        t += r.next(30000, 300000)
        tid = "%016x" % (0x4e7e100000000000 + i)
        ids = iter("%016x" % (0x4e7e200000000000 + 16 * i + k) for k in range(16))
        root, gc, gs, gdb, rc, rs, rmc, rdb = (next(ids) for _ in range(8))
        g0 = t + r.next(100, 300); gsd = r.next(900, 1800)
        q0 = g0 + 150 + r.next(50, 100); qd = r.next(300, 900)
        r0 = g0 + gsd + 300 + r.next(50, 150); rsd = r.next(600, 1500)
        m0 = r0 + 60 + r.next(10, 40); md = r.next(100, 300)
        spans = [span(tid, root, "HTTP GET /hotels", None, t, (r0 + rsd + 400 - t) + r.next(100, 500), "p1",
                      [tag("sampler.type", "const"), tag("sampler.param", True), tag("span.kind", "server"),
                       tag("http.method", "GET")]),
                 span(tid, gc, "/geo.Geo/Nearby", root, g0, gsd + 300, "p1", [tag("span.kind", "client"), tag("component", "gRPC")]),
                 span(tid, gs, "/geo.Geo/Nearby", gc, g0 + 150, gsd, "p2", [tag("span.kind", "server"), tag("component", "gRPC")]),
                 span(tid, gdb, "mongo.find", gs, q0, qd, "p2", [tag("span.kind", "client"), tag("db.system", "mongodb"),
                                                                 tag("db.operation", "find")]),
                 span(tid, rc, "/rate.Rate/GetRates", root, r0, rsd + 300, "p1", [tag("span.kind", "client"), tag("component", "gRPC")]),
                 span(tid, rs, "/rate.Rate/GetRates", rc, r0 + 150, rsd, "p3", [tag("span.kind", "server"), tag("component", "gRPC")]),
                 span(tid, rmc, "memcached.get_multi", rs, m0 + 150, md, "p3", [tag("span.kind", "client"), tag("db.system", "memcached"),
                                                                                tag("db.operation", "get")])]
        if i % 3 == 0:
            spans.append(span(tid, rdb, "mongo.find", rs, m0 + md + 200, r.next(500, 1200), "p3",
                              [tag("span.kind", "client"), tag("db.system", "mongodb"), tag("db.operation", "find")]))
        traces.append({"traceID": tid, "spans": spans, "processes": procs, "warnings": None})
    write("hotel-search.json", traces)

def route_k8s():
    r = Lcg(13)
    procs = {"p1": proc("travel", "ts-travel-service-859cf49b6c-b4sx9", "Java-0.30.6"),
             "p2": proc("travel", "ts-travel-service-859cf49b6c-x7k2p", "Java-0.30.6"),
             "p3": proc("route", "ts-route-service-6bf96b7976-7xnp6", "Java-0.30.6")}
    traces, t = [], 1625848106793000
    for i in range(20):
        t += 1000 * r.next(20, 200)  # the Java client's start times are whole milliseconds
        tid = "%016x" % (0xaf66c1b7dd400000 + i)
        root, c, s = ("%016x" % (0xaf66c1b7dd500000 + 4 * i + k) for k in range(3))
        spans = [span(tid, root, "queryInfo", None, t, r.next(3000, 9000), "p1" if i % 2 else "p2",
                      [tag("span.kind", "server"), tag("sampler.type", "const"), tag("sampler.param", True)]),
                 span(tid, c, "GET", root, t + 1000, r.next(900, 1600), "p1" if i % 2 else "p2", [tag("span.kind", "client"),
                      tag("http.url", "http://ts-route-service:11178/api/v1/routeservice/routes/%d" % i)]),
                 span(tid, s, "queryById", c, t + 1000, r.next(300, 800), "p3", [tag("span.kind", "server")])]
        traces.append({"traceID": tid, "spans": spans, "processes": procs, "warnings": None})
    write("route-k8s.json", traces)

def rabbit():
    r = Lcg(17)
    procs = {"p1": proc("web", "web", "Java-1.32.0"), "p2": proc("shipping", "shipping", "Java-1.32.0")}
    traces, t = [], 1716000000000000
    for i in range(24):
        t += r.next(40000, 160000)
        tid = "%016x" % (0x7ab0000000000000 + i)
        root, pub, con = ("%016x" % (0x7ab1000000000000 + 4 * i + k) for k in range(3))
        p0 = t + r.next(300, 900); pd = r.next(150, 400)
        c0 = p0 + pd + r.next(200, 2000)
        mtags = [tag("messaging.system", "rabbitmq"), tag("messaging.destination.name", "orders"),
                 tag("messaging.rabbitmq.destination.routing_key", "orders.created")]
        spans = [span(tid, root, "POST /order", None, t, (p0 + pd - t) + r.next(500, 1500), "p1",
                      [tag("span.kind", "server"), tag("http.request.method", "POST")]),
                 span(tid, pub, "orders publish", root, p0, pd, "p1", [tag("span.kind", "producer")] + mtags),
                 span(tid, con, "orders process", pub, c0, r.next(2000, 6000), "p2", [tag("span.kind", "consumer")] + mtags)]
        traces.append({"traceID": tid, "spans": spans, "processes": procs, "warnings": None})
    write("rabbit-orders.json", traces)

social()
hotel()
route_k8s()
rabbit()
