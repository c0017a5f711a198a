#!/usr/bin/env python3
"""big-8x (scenarios/basics/big-8x.json) in SimPy, as a peer for the whole-simulator
benchmark (tests/bench/run_benchmarks.py): Poisson arrivals at 640/s handed round robin to
8 servers, each a Resource of capacity 1 (one worker, a FIFO queue), exponential 10 ms work.
Written as the SimPy documentation writes such a model: a generator process per request.

Runs with SimPy 3 or 4 (`import simpy`) or with SimPy 2 (`import SimPy`, Debian's
python3-simpy), whichever the interpreter has.

  big8x_simpy.py [SIMULATED_SECONDS]      (default 7200, as big-8x; the bench runs less)
prints one JSON line: requests, mean latency in ms (about 30, as archsim's), wall seconds.
"""
import json
import random
import sys
import time

RATE, MEAN_WORK, SERVERS = 640.0, 0.010, 8


def run_simpy3(simpy, seconds, rng):
    env = simpy.Environment()
    servers = [simpy.Resource(env, capacity=1) for _ in range(SERVERS)]
    stats = {"done": 0, "latency": 0.0}

    def request(server):
        arrived = env.now
        with server.request() as slot:
            yield slot
            yield env.timeout(rng.expovariate(1 / MEAN_WORK))
        stats["done"] += 1
        stats["latency"] += env.now - arrived

    def arrivals():
        i = 0
        while True:
            yield env.timeout(rng.expovariate(RATE))
            env.process(request(servers[i]))
            i = (i + 1) % SERVERS

    env.process(arrivals())
    env.run(until=seconds)
    return stats


def run_simpy2(sim, seconds, rng):
    stats = {"done": 0, "latency": 0.0}
    sim.initialize()
    servers = [sim.Resource(capacity=1) for _ in range(SERVERS)]

    class Request(sim.Process):
        def serve(self, server):
            arrived = sim.now()
            yield sim.request, self, server
            yield sim.hold, self, rng.expovariate(1 / MEAN_WORK)
            yield sim.release, self, server
            stats["done"] += 1
            stats["latency"] += sim.now() - arrived

    class Arrivals(sim.Process):
        def generate(self):
            i = 0
            while True:
                yield sim.hold, self, rng.expovariate(RATE)
                r = Request()
                sim.activate(r, r.serve(servers[i]))
                i = (i + 1) % SERVERS

    a = Arrivals()
    sim.activate(a, a.generate())
    sim.simulate(until=seconds)
    return stats


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 7200.0
    rng = random.Random(1)
    t0 = time.perf_counter()
    try:
        import simpy
        stats, version = run_simpy3(simpy, seconds, rng), "simpy " + getattr(simpy, "__version__", "3+")
    except ImportError:
        import SimPy.Simulation as sim
        stats, version = run_simpy2(sim, seconds, rng), "SimPy 2"
    wall = time.perf_counter() - t0
    mean = stats["latency"] / stats["done"] * 1e3 if stats["done"] else 0.0
    print(json.dumps({"requests": stats["done"], "mean_latency_ms": round(mean, 3), "wall_s": round(wall, 4),
                      "engine": version}))


if __name__ == "__main__":
    main()
