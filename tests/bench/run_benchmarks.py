#!/usr/bin/env python3
"""Whole-simulator benchmarks, one per topology class, on one core (taskset when present).

    python3 tests/bench/run_benchmarks.py [--build build/release] [--only NAME ...]

For each run it prints simulated requests per wall second, scheduler events per request,
nanoseconds per request and peak RSS; big-8x also runs the hand-written tight loop of the
same model (tests/bench/tight_loop.cpp) in the same invocation and prints the ratio. The
README's performance table is this script's output. Figures are wall-clock: run on an idle
machine, and compare builds with the same script rather than across machines.
"""
import argparse, json, os, pathlib, shutil, subprocess, sys, tempfile, time

ROOT = pathlib.Path(__file__).resolve().parents[2]
S = "tests/bench/scenarios/"

# (name, topology class, scenario, --set overrides)
RUNS = [
    ("big-8x", "a", "scenarios/basics/big-8x.json", ["warmup=0"]),
    ("balancer-8x", "b", S + "balancer-8x.json", []),
    ("balancer-8x, no client timeout", "b", S + "balancer-8x.json", ['users.timeout="0s"']),
    ("closed loop 1e3 users", "c", S + "closed-loop-users.json", ["users.users=1000", "duration=14h"]),
    ("closed loop 1e4 users", "c", S + "closed-loop-users.json", ["users.users=10000", "duration=84m"]),
    ("closed loop 1e5 users", "c", S + "closed-loop-users.json", ["users.users=100000", "duration=500s"]),
    ("closed loop 1e6 users", "c", S + "closed-loop-users.json", ["users.users=1000000", "duration=60s"]),
    ("three-tier, retries + breaker + pool", "d", S + "three-tier.json", []),
    ("spike day, 5k -> 80k users", "e", "scenarios/autoscaling/spike-day.json", []),
    ("cache-aside, Zipf keys, LRU", "f", "scenarios/caching/cache-aside.json", []),
    ("read replicas, async replication", "g", "scenarios/databases/read-replicas.json", ["duration=10m"]),
    ("order events through a partitioned log", "h", S + "queue-order-events.json", []),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=str(ROOT / "build/release"))
    ap.add_argument("--only", nargs="*", default=[])
    a = ap.parse_args()
    archsim = pathlib.Path(a.build) / "archsim"
    tight = pathlib.Path(a.build) / "tight_loop"
    out_dir = tempfile.mkdtemp(prefix="archsim-bench-")
    rows = []
    for name, cls, scenario, sets in RUNS:
        if a.only and not any(o in name for o in a.only):
            continue
        cmd = [str(archsim), "run", str(ROOT / scenario), "--json", "--quiet", "--no-report", "--out", out_dir]
        for s in sets:
            cmd += ["--set", s]
        # /usr/bin/time -f %M gives the peak RSS of this one process.
        timed = ["/usr/bin/time", "-f", "%M"] + cmd if os.path.exists("/usr/bin/time") else cmd
        if shutil.which("taskset"):
            timed = ["taskset", "-c", "0"] + timed
        p = subprocess.run(timed, capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr}")
        rss_mb = float(p.stderr.strip().splitlines()[-1]) / 1024 if timed[0] != cmd[0] else float("nan")
        s = json.loads(p.stdout)
        requests = sum(c.get("sent", 0) for c in s["components"].values() if c["type"] == "client")
        wall = s["run"]["wall_time_s"]
        row = {"class": cls, "name": name, "requests": requests, "wall_s": wall,
               "requests_per_s": requests / wall, "ns_per_request": wall / requests * 1e9,
               "events_per_request": s["run"]["events"] / requests, "peak_rss_mb": rss_mb}
        if name == "big-8x" and tight.exists():
            t = subprocess.run((["taskset", "-c", "0"] if shutil.which("taskset") else []) + [str(tight)],
                               capture_output=True, text=True, check=True)
            tl = json.loads(t.stdout)
            row["tight_loop_requests_per_s"] = tl["requests_per_s"]
            row["ratio_to_tight_loop"] = row["requests_per_s"] / tl["requests_per_s"]
        rows.append(row)
        extra = ""
        if "ratio_to_tight_loop" in row:
            extra = f"  tight loop {row['tight_loop_requests_per_s'] / 1e6:.2f} M/s, ratio {row['ratio_to_tight_loop']:.2f}"
        print(f"({cls}) {name:40s} {requests / 1e6:8.2f} M req  {wall:7.2f} s  {row['requests_per_s'] / 1e6:6.2f} M req/s  "
              f"{row['ns_per_request']:6.0f} ns/req  {row['events_per_request']:5.2f} ev/req  {rss_mb:7.1f} MB{extra}",
              flush=True)
    shutil.rmtree(out_dir, ignore_errors=True)
    by = {r["name"]: r for r in rows}
    a_, b_ = by.get("balancer-8x"), by.get("balancer-8x, no client timeout")
    if a_ and b_:
        print(f"client timeouts cost {a_['ns_per_request'] / b_['ns_per_request']:.2f}x per request on topology (b)")


if __name__ == "__main__":
    main()
