#!/usr/bin/env python3
"""Writes a scenario of about N components, to see how loading scales (docs/development.md,
Loading that scales): `archsim validate` of it, timed and its peak memory taken with
/usr/bin/time -v, at a few sizes.

  python3 tests/bench/scale_scenario.py balancer 100000 > /tmp/lb.json   # one balancer, N services
  python3 tests/bench/scale_scenario.py shop 100000 > /tmp/shop.json     # N/7 copies of an imported shop

`balancer`: a client, one balancer, N services behind it (the reproducer of the cubic load).
`shop`: the shape `archsim import` writes of a Compose file (scenarios/import/shop-compose.json),
copied N/7 times: a gateway balancer, three services calling a cache, a database and a queue;
a client and an edge balancer in front of every gateway. Nothing is written to the repository:
the files are large (about 200 bytes a component).
"""
import json
import sys


def balancer(n):
    services = [f"s{i}" for i in range(n)]
    comps = [
        {"id": "users", "type": "client", "target": "lb", "arrivals": {"rate": 100}, "timeout": "1s"},
        {"id": "lb", "type": "balancer", "targets": services},
    ]
    comps += [{"id": s, "type": "service", "service_time": {"dist": "exponential", "mean": "5ms"}} for s in services]
    return comps


def shop(n):
    copies = max(1, n // 7)
    comps = [{"id": "users", "type": "client", "target": "edge", "arrivals": {"rate": 100},
              "routes": [{"name": "catalog", "weight": 1, "keys": {"count": 100000, "zipf": 0.99}},
                         {"name": "orders", "weight": 1, "keys": {"count": 100000, "zipf": 0.99}}],
              "timeout": "30s"},
             {"id": "edge", "type": "balancer", "targets": [f"gateway{k}" for k in range(copies)]}]
    for k in range(copies):
        comps += [
            {"id": f"gateway{k}", "type": "balancer", "targets": [f"catalog{k}", f"orders{k}"],
             "routes": {"catalog": [f"catalog{k}"], "orders": [f"orders{k}"]}},
            {"id": f"catalog{k}", "type": "service", "replicas": 3, "concurrency": 16,
             "memory": {"limit_mb": 1024.0},
             "routes": {"*": [{"work": {"dist": "exponential", "mean": "5ms"}},
                              {"call": f"redis{k}", "route": "get",
                               "on_miss": [{"call": f"postgres{k}", "route": "read"},
                                           {"call": f"redis{k}", "route": "set"}]}]}},
            {"id": f"orders{k}", "type": "service", "replicas": 2, "concurrency": 8,
             "routes": {"*": [{"work": {"dist": "exponential", "mean": "5ms"}},
                              {"call": f"postgres{k}", "route": "read"}, {"publish": f"kafka{k}"}]}},
            {"id": f"shipping{k}", "type": "service", "replicas": 2, "concurrency": 4,
             "routes": {"*": [{"work": {"dist": "exponential", "mean": "5ms"}},
                              {"call": f"postgres{k}", "route": "write"}]}},
            {"id": f"kafka{k}", "type": "queue", "consumers": {"service": f"shipping{k}"}, "partitions": 6},
            {"id": f"postgres{k}", "type": "database", "cores": 4, "max_connections": 200},
            {"id": f"redis{k}", "type": "cache", "capacity": 1000, "concurrency": 1},
        ]
    return comps


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("balancer", "shop"):
        sys.exit("usage: scale_scenario.py balancer|shop N")
    n = int(sys.argv[2])
    comps = balancer(n) if sys.argv[1] == "balancer" else shop(n)
    json.dump({"name": f"scale-{sys.argv[1]}-{n}", "duration": "1m", "components": comps}, sys.stdout)


if __name__ == "__main__":
    main()
