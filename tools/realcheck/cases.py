"""The cases of the real check and the archsim scenario equivalent to each.

A balancer case: NGINX or HAProxy in front of four single-worker backends that sleep an
exponential 20 ms (one of them slower in some cases), driven by Poisson arrivals, each
request on a new connection. Its scenario: a client at the same rate, a `balancer` whose
latency is the proxy's overhead measured with backends that answer at once, and four
`service`s of concurrency 1 whose exponential service time has the mean the backends really
slept (a sleep overshoots what it asks for by a little; realcheck.py measures it).

A cache case: Redis with `allkeys-lru` or `allkeys-lfu` and a maxmemory that holds a known
number of keys, driven by a Zipf cache-aside client. Its scenario: a client at the rate the
real client achieved, a service doing GET and on a miss SET, and a `cache` with the capacity
(in keys) Redis really held and the eviction Redis follows.

Each case lists archsim variants: the first ("archsim") is the one the tolerances judge;
the others show what the mechanism the case is about changes ("mechanism off": archsim
without it, as it was before it had it).
"""

BACKENDS = 4
MEAN_MS = 20.0


def _balancer_case(name, proxy, method, rate, algorithm, quick=False, slow=None, workers=1, maxconn=None,
                   extra=None, off=None, about=""):
    """A balancer case; one with a mechanism (`off` given) measures 240 s in the full run."""
    means = [MEAN_MS] * BACKENDS
    if slow:
        means[-1] = MEAN_MS * slow
    variants = [{"label": "archsim", "set": dict(extra or {})}]
    if off is not None:
        variants.append({"label": "mechanism off", "set": off})
    return {"name": name, "kind": "balancer", "proxy": proxy, "method": method, "rate": rate, "means_ms": means,
            "workers": workers, "maxconn": maxconn, "algorithm": algorithm, "variants": variants, "quick": quick,
            "about": about, "full_seconds": 240 if off is not None else None}


def _cache_case(name, policy, capacity, eviction, quick=False, extra=None, off=None, about=""):
    variants = [{"label": "archsim", "set": dict(extra or {})}]
    if off is not None:
        variants.append({"label": "mechanism off", "set": off})
    return {"name": name, "kind": "cache", "policy": policy, "capacity": capacity, "eviction": eviction,
            "keys": 100000, "zipf": 0.99, "rate": 2000, "variants": variants, "quick": quick, "about": about}


# Four backends of 20 ms: 200 requests/s of capacity; 160/s is a load of 0.8. With the fourth
# backend twice as slow (40 ms) the capacity is 175/s and 140/s is 0.8 of it.
CASES = [
    _balancer_case("nginx-round-robin", "nginx", "round_robin", 160, "round_robin",
                   about="NGINX's default round robin, one worker: four M/M/1-like queues fed every fourth request."),
    _balancer_case("nginx-least-conn", "nginx", "least_conn", 160, "least_connections",
                   about="NGINX least_conn, one worker."),
    _balancer_case("nginx-random-two", "nginx", "random_two", 160, "power_of_two",
                   extra={"distinct_choices": True}, off={},
                   about="NGINX `random two least_conn`: two different servers. Mechanism off: Envoy's rule, "
                         "which may draw the same server twice."),
    _balancer_case("nginx-random-two-slow", "nginx", "random_two", 140, "power_of_two", quick=True, slow=2,
                   extra={"distinct_choices": True}, off={},
                   about="The same with the fourth backend twice as slow (40 ms)."),
    _balancer_case("nginx-least-conn-workers", "nginx", "least_conn", 140, "least_connections", quick=True, slow=2,
                   workers=4, extra={"workers": 4}, off={},
                   about="NGINX least_conn with 4 worker processes and no `zone`, the fourth backend twice as slow: "
                         "each worker counts only its own connections. Mechanism off: one shared count."),
    _balancer_case("haproxy-round-robin", "haproxy", "roundrobin", 160, "round_robin",
                   about="HAProxy `balance roundrobin`."),
    _balancer_case("haproxy-leastconn", "haproxy", "leastconn", 160, "least_connections",
                   about="HAProxy `balance leastconn`."),
    _balancer_case("haproxy-maxconn-queue", "haproxy", "roundrobin", 160, "round_robin", quick=True, maxconn=1,
                   extra={"max_conn": 1}, off={},
                   about="HAProxy with `maxconn 1` on every server: one queue in the proxy, each request to the first "
                         "server that frees (M/M/4). Mechanism off: no proxy queue, four backend queues."),
    _cache_case("redis-lru-large", "allkeys-lru", 10000, "sampled_lru", extra={"lru_clock": "1s"},
                about="Redis allkeys-lru holding 10,000 of 100,000 Zipf(0.99) keys at 2,000 requests/s: "
                      "keys live tens of seconds."),
    _cache_case("redis-lru-clock", "allkeys-lru", 1000, "sampled_lru", quick=True, extra={"lru_clock": "1s"}, off={},
                about="Redis allkeys-lru holding 1,000 keys at 2,000 requests/s: keys live about a second, where Redis's "
                      "LRU clock (whole seconds) matters. Mechanism off: exact idle times."),
    _cache_case("redis-lfu", "allkeys-lfu", 1000, "sampled_lfu",
                about="Redis allkeys-lfu (lfu-log-factor 10, lfu-decay-time 1) holding 1,000 keys."),
]


def balancer_scenario(case, variant, seconds, warmup, overhead_values_us, service_means_ms):
    lb = {"id": "lb", "type": "balancer", "algorithm": case["algorithm"],
          "latency": {"dist": "empirical", "values": [f"{v:.1f}us" for v in overhead_values_us]},
          "targets": [f"s{i + 1}" for i in range(BACKENDS)]}
    lb.update(variant["set"])
    services = [{"id": f"s{i + 1}", "type": "service", "concurrency": 1,
                 "service_time": {"dist": "exponential", "mean": f"{m * 1000:.1f}us"}}
                for i, m in enumerate(service_means_ms)]
    return {"name": f"realcheck-{case['name']}", "seed": 1, "duration": f"{warmup + seconds}s", "warmup": f"{warmup}s",
            "components": [{"id": "users", "type": "client", "target": "lb",
                            "arrivals": {"process": "poisson", "rate": case["rate"]}, "timeout": "60s"},
                           lb] + services}


def cache_scenario(case, variant, seconds, warmup, rate, capacity):
    cache = {"id": "cache", "type": "cache", "capacity": capacity, "eviction": case["eviction"], "samples": 5,
             "latency": "0ms"}
    cache.update(variant["set"])
    return {"name": f"realcheck-{case['name']}", "seed": 1, "duration": f"{warmup + seconds}s", "warmup": f"{warmup}s",
            "components": [
                {"id": "users", "type": "client", "target": "api", "timeout": "10s",
                 "arrivals": {"process": "poisson", "rate": round(rate, 3)},
                 "routes": [{"name": "get", "keys": {"count": case["keys"], "zipf": case["zipf"]}}]},
                {"id": "api", "type": "service", "concurrency": 100000,
                 "routes": {"get": [{"call": "cache", "route": "get",
                                     "on_miss": [{"call": "cache", "route": "set"}]}]}},
                cache]}
