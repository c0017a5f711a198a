#!/usr/bin/env python3
"""Writes the small, hand-made sample that tests/unit/test_html_report.cpp renders.

The numbers imitate an archsim run of a web tier under a traffic ramp: two clients,
a balancer, an autoscaled service (replicas lag behind the ramp by the start-up time),
a cache, a primary database with a replica, a queue, and a circuit breaker that opens
briefly while the database is slow. They are plausible, not simulated: reports/ must
render whatever the engine writes, so the sample exercises every chart and table.
Run from anywhere: python3 make_sample.py   (deterministic, seeded)
"""
import json, math, os, random

here = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(7)
window, duration, warmup = 10, 600, 60

def users_rate(t):
    if t < 200: return 100.0
    if t < 260: return 100.0 + 300.0 * (t - 200) / 60.0
    return 400.0

def replicas_at(t):          # autoscaler decisions; ready follows after 30 s of start-up
    return 2 if t < 270 else (4 if t < 330 else 6)

rows = []
def row(t, comp, metric, v):
    rows.append(f"{t:g},{comp},{metric},{v:.6g}")

# The breaker's transitions at their exact times (closed 0, open 1, half-open 2), as the
# engine writes a state: a row at 0, then one per transition, before the window rows at or after it.
breaker = [(0, 0), (441.37, 1), (466.37, 2), (466.52, 1), (471.52, 2), (471.6, 0)]

for k in range(duration // window):
    t = (k + 1) * window
    while breaker and breaker[0][0] <= t:
        at, state = breaker.pop(0)
        row(at, "web", "circuit_state_transitions", state)
    u, m = users_rate(t), 50.0
    offered = u + m
    ready = replicas_at(t - 30) if t >= 30 else 2
    cap = ready * 4 * 1000.0 / 40.0          # 4 workers, 40 ms per request
    rho = min(0.95, offered / cap)
    db_slow = 440 <= t < 480
    wait = 40.0 * rho / (1.0 - rho) / 4.0
    base = 42.0 + (60.0 if db_slow else 0.0)
    for comp, rate, net in (("users", u, 2.0), ("mobile", m, 35.0)):
        p50 = base * 0.8 + wait * 0.6 + net + rng.uniform(-1, 1)
        row(t, comp, "offered_rps", rate)
        err = rate * (0.04 if db_slow else (0.02 * max(0.0, rho - 0.9) * 10 if rho > 0.9 else 0.0005))
        row(t, comp, "throughput_rps", rate - err + rng.uniform(-2, 2))
        row(t, comp, "errors_rps", err)
        row(t, comp, "errors_timeout_rps", err * 0.7)
        row(t, comp, "errors_rejected_rps", err * 0.3)
        row(t, comp, "latency_p50_ms", p50)
        row(t, comp, "latency_p95_ms", p50 * 2.1 + wait)
        row(t, comp, "latency_p99_ms", p50 * 3.2 + 2 * wait)
    row(t, "lb", "throughput_rps", offered)
    row(t, "lb", "utilization", offered / 5000.0)
    row(t, "lb", "queue_length", 0)
    row(t, "web", "throughput_rps", offered * 0.99)
    row(t, "web", "utilization", rho)
    row(t, "web", "queue_length", ready * 4 * rho * rho / (1 - rho) / 4)
    row(t, "web", "replicas", replicas_at(t))
    row(t, "web", "ready_replicas", ready)
    row(t, "cache", "throughput_rps", offered * 0.8)
    row(t, "cache", "utilization", offered * 0.8 / 20000.0)
    row(t, "cache", "queue_length", 0)
    row(t, "cache", "hit_ratio", min(0.93, 0.6 + 0.33 * (1 - math.exp(-t / 120.0))) + rng.uniform(-0.01, 0.01))
    row(t, "db", "throughput_rps", offered * 0.25)
    row(t, "db", "utilization", min(0.98, offered * 0.25 / 300.0 * (2.5 if db_slow else 1.0)))
    row(t, "db", "queue_length", 6.0 if db_slow else 0.3)
    row(t, "db", "replication_lag_ms", (900.0 if db_slow else 12.0) + rng.uniform(0, 5))
    row(t, "events", "throughput_rps", offered * 0.5)
    row(t, "events", "consumer_lag", max(0.0, (offered * 0.5 - 150) * 4) + rng.uniform(0, 3))
    row(t, "web", "circuit_state", 1 if 450 <= t < 470 else (2 if t == 470 else 0))

with open(os.path.join(here, "timeseries.csv"), "w") as f:
    f.write("time_s,component,metric,value\n" + "\n".join(rows) + "\n")

def cdf_rows(comp, median, sigma, n=40):
    out = []
    for i in range(n + 1):
        q = 0.001 + 0.998 * i / n
        # inverse normal via a rational approximation is overkill: use a logistic stand-in
        z = math.log(q / (1 - q)) / 1.7
        out.append(f"{comp},{median * math.exp(sigma * z):.4g},{q:.4g}")
    out.append(f"{comp},{median * math.exp(sigma * 4.2):.4g},1")
    return out

def write_cdf(path, shift=1.0):
    with open(path, "w") as f:
        f.write("component,latency_ms,cumulative_fraction\n")
        f.write("\n".join(cdf_rows("users", 45 * shift, 0.55) + cdf_rows("mobile", 80 * shift, 0.45)) + "\n")

write_cdf(os.path.join(here, "latency_cdf.csv"))

def lat(p50):
    return {"count": 180000, "mean": round(p50 * 1.25, 3), "p50": p50, "p90": round(p50 * 1.9, 3),
            "p95": round(p50 * 2.4, 3), "p99": round(p50 * 4.1, 3), "p999": round(p50 * 7.9, 3),
            "max": round(p50 * 14.0, 3)}

summary = {
    "scenario": "web-tier-autoscale",
    "description": "Web tier behind a balancer; traffic ramps 100 -> 400 rps at 200 s; the "
                   "database slows down at 440 s & the breaker opens <briefly>.",
    "seed": 42, "duration_s": 600, "warmup_s": 60,
    "requests": {"sent": 171050, "total": 171000, "ok": 169290, "failed": 1710, "in_flight": 50,
                 "by_cause": {"timeout": 1197, "rejected": 513}},
    "availability": 0.99, "throughput_rps": 313.5,
    "latency_ms": lat(48.2),
    "routes": {"get": {"requests": 153900, "availability": 0.991, "latency_ms": lat(44.0)},
               "checkout": {"requests": 17100, "availability": 0.981, "latency_ms": lat(91.5)}},
    "components": {
        "users": {"type": "client", "throughput_rps": 264.0, "utilization": 0, "queue_length": 0,
                  "in_system": 14.1, "latency_ms": lat(45.1), "retries": 812},
        "mobile": {"type": "client", "throughput_rps": 49.5, "utilization": 0, "queue_length": 0,
                   "in_system": 4.2, "latency_ms": lat(80.3), "retries": 120},
        "lb": {"type": "balancer", "throughput_rps": 313.5, "utilization": 0.063, "queue_length": 0,
               "in_system": 0.1, "latency_ms": lat(0.3), "algorithm": "least_connections"},
        "web": {"type": "service", "throughput_rps": 310.4, "utilization": 0.71, "queue_length": 3.2,
                "in_system": 15.8, "latency_ms": lat(41.0), "replicas_mean": 4.1, "rejected": 513},
        "web-hpa": {"type": "autoscaler", "scale_events": 2, "max_replicas_seen": 6},
        "cache": {"type": "cache", "throughput_rps": 250.8, "utilization": 0.0125, "queue_length": 0,
                  "in_system": 0.2, "latency_ms": lat(0.9), "hit_ratio": 0.91, "evictions": 1204},
        "db": {"type": "database", "throughput_rps": 78.4, "utilization": 0.31, "queue_length": 0.9,
               "in_system": 1.7, "latency_ms": lat(6.5), "replication_lag_ms_p99": 880.0},
        "events": {"type": "queue", "throughput_rps": 156.7, "utilization": 0.0, "queue_length": 210.0,
                   "in_system": 210.0, "latency_ms": lat(620.0), "consumer_lag_max": 212},
    },
    "cost": {"total_usd": 0.1283, "per_million_requests_usd": 0.7503,
             "by_component": {"web": 0.0683, "lb": 0.0125, "cache": 0.0142, "db": 0.0333}},
    "slo": {"latency_p99_ms": 200.0, "availability": 0.999, "met": False,
            "latency_met": True, "availability_met": False},
    "run": {"wall_time_s": 1.82, "events": 4100000, "events_per_s": 2252747},
}
# What the stores declare the page should show of them (sim/page_section.h; a run writes it
# from each family's page.cpp): the report draws their sections, and the static charts of them.
summary["components"]["cache"]["page"] = {
    "panels": [{"title": "Hit ratio", "ylabel": "hits / lookups", "series": ["hit_ratio"], "percent": True}],
    "headlines": [{"figure": "hit_ratio", "label": "hit ratio", "unit": "pct", "compare": True}]}
summary["components"]["db"]["page"] = {
    "panels": [{"title": "Replication lag", "ylabel": "ms", "series": ["replication_lag_ms"]}], "headlines": []}
summary["components"]["events"]["page"] = {
    "panels": [{"title": "Consumer lag", "ylabel": "messages", "series": ["/(^|\\.)consumer_lag$/"]}], "headlines": []}
# A component that is not a store names the page's section it goes in (the balancer's
# "Load balancing", where the table of its backends goes too).
summary["components"]["lb"]["page"] = {
    "section": {"id": "balancing", "title": "Load balancing", "intro": "How each balancer spread its requests."},
    "panels": [{"title": "Requests forwarded", "ylabel": "requests / s", "series": ["throughput_rps"]}],
    "headlines": [{"figure": "throughput_rps", "label": "forwarded per second"}]}
with open(os.path.join(here, "summary.json"), "w") as f:
    json.dump(summary, f, indent=2)
    f.write("\n")

# compare/: three balancing algorithms, 5 replications each (hence ci95).
cdir = os.path.join(here, "compare")
os.makedirs(cdir, exist_ok=True)
variants = []
for label, p99, avail, cost, shift in (("round_robin", 212.0, 0.9962, 0.1283, 1.25),
                                        ("least_connections", 168.0, 0.9981, 0.1283, 1.0),
                                        ("power_of_two", 171.5, 0.9979, 0.1283, 1.02)):
    s = json.loads(json.dumps(summary))
    s["latency_ms"]["p99"] = p99
    s["availability"] = avail
    s["cost"]["total_usd"] = cost
    s["slo"]["met"] = p99 <= 200 and avail >= 0.999
    s["ci95"] = {"latency_ms.p99": {"lo": round(p99 * 0.94, 2), "hi": round(p99 * 1.07, 2)},
                 "availability": {"lo": round(avail - 0.0009, 5), "hi": round(min(1, avail + 0.0007), 5)}}
    variants.append({"label": "lb.algorithm=" + label, "set": {"lb.algorithm": label}, "summary": s})
    os.makedirs(os.path.join(cdir, "lb.algorithm=" + label), exist_ok=True)
    write_cdf(os.path.join(cdir, "lb.algorithm=" + label, "latency_cdf.csv"), shift)
with open(os.path.join(cdir, "compare.json"), "w") as f:
    json.dump({"scenario": "web-tier-autoscale", "variants": variants}, f, indent=2)
    f.write("\n")
