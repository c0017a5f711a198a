#!/usr/bin/env python3
"""Whole-simulator benchmarks, one per topology class, on one core (taskset when present).

    python3 tests/bench/run_benchmarks.py [--build build/release] [--only NAME ...]
                                          [--core N] [--pairs K] [--repeat R]
    python3 tests/bench/run_benchmarks.py --instructions [--build build/release]

For each run it prints simulated requests per wall second, scheduler events per request,
nanoseconds per request and peak RSS; big-8x also runs the hand-written tight loop of the
same model (tests/bench/tight_loop.cpp) in the same invocation and prints the ratio. The
README's performance table is this script's output. Figures are wall-clock: run on an idle
machine, and compare builds with the same script rather than across machines.

Every process runs on core N (default 0; taskset on the script itself does not choose it,
since each run is pinned here). big-8x and the tight loop run alternately K times (default
3), each a whole process: a virtual machine's speed drifts within seconds, and one run of
each, a second apart, gave ratios from 0.34 to 0.50 for one binary. The ratio printed is
the median of the K pairs' ratios (the upper middle one of an even count), with their range;
the big-8x row is its median run.
Every other row is the median of R runs by wall time (default 1), their range beside it.

--instructions counts instructions instead of time (valgrind's callgrind, which a
machine's load does not move): big-8x and the tight loop each run for 200 and 400
simulated seconds, and the difference of instructions over the difference of requests is
printed, so that start-up, warm-up and the reports cancel out. About 10 seconds.
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


def client_requests(summary):
    """Requests the run's clients sent (summary.json as a dict)."""
    return sum(c.get("sent", 0) for c in summary["components"].values() if c["type"] == "client")


def run_archsim(cmd, pin, cls, name):
    """One archsim run on the pinned core: its figures as a table row."""
    # /usr/bin/time -f %M gives the peak RSS of this one process.
    timed = ["/usr/bin/time", "-f", "%M"] + cmd if os.path.exists("/usr/bin/time") else cmd
    p = subprocess.run(pin + timed, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr}")
    rss_mb = float(p.stderr.strip().splitlines()[-1]) / 1024 if timed[0] != cmd[0] else float("nan")
    s = json.loads(p.stdout)
    requests = client_requests(s)
    wall = s["run"]["wall_time_s"]
    return {"class": cls, "name": name, "requests": requests, "wall_s": wall,
            "requests_per_s": requests / wall, "ns_per_request": wall / requests * 1e9,
            "events_per_request": s["run"]["events"] / requests, "peak_rss_mb": rss_mb}


def callgrind_total(cmd, pin, out_file):
    """Instructions callgrind counts for one run of `cmd`, and the run's standard output."""
    p = subprocess.run(pin + ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}"] + cmd,
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"failed under callgrind: {' '.join(cmd)}\n{p.stderr[-2000:]}")
    with open(out_file) as f:
        for line in f:
            if line.startswith("totals:") or line.startswith("summary:"):
                return int(line.split()[1]), p.stdout
    sys.exit(f"no instruction total in {out_file}")


def instructions_per_request(archsim, tight, pin, out_dir):
    """big-8x's and the tight loop's instructions per request (the README's method)."""
    if not shutil.which("valgrind"):
        sys.exit("--instructions needs valgrind (Debian package valgrind)")
    counts = {}
    for seconds in (200, 400):
        # A new folder per run: archsim refuses one holding files it did not write, and a
        # folder a run already wrote would add the clearing of its files to the count.
        cmd = [str(archsim), "run", str(ROOT / "scenarios/basics/big-8x.json"), "--json", "--quiet", "--no-report",
               "--out", os.path.join(out_dir, f"run{seconds}"), "--set", f"duration={seconds}s"]
        ir, out = callgrind_total(cmd, pin, os.path.join(out_dir, f"big-8x.{seconds}.cg"))
        counts[("big-8x", seconds)] = (ir, client_requests(json.loads(out)))
        ir, out = callgrind_total([str(tight), str(seconds)], pin, os.path.join(out_dir, f"tight.{seconds}.cg"))
        counts[("tight loop", seconds)] = (ir, json.loads(out)["requests"])
    per = {}
    for name in ("big-8x", "tight loop"):
        (ir1, n1), (ir2, n2) = counts[(name, 200)], counts[(name, 400)]
        per[name] = (ir2 - ir1) / (n2 - n1)
        print(f"{name:10s} {ir1:>13,} and {ir2:>13,} instructions for {int(n1):>9,} and {int(n2):>9,} requests: "
              f"{per[name]:,.1f} per request", flush=True)
    print(f"big-8x takes {per['big-8x'] / per['tight loop']:.2f}x the tight loop's instructions per request")


def middle(items, key=lambda x: x):
    """The median item by key (the upper one of an even count) and the range of the keys."""
    ranked = sorted(items, key=key)
    return ranked[len(ranked) // 2], (key(ranked[0]), key(ranked[-1]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=str(ROOT / "build/release"))
    ap.add_argument("--only", nargs="*", default=[])
    ap.add_argument("--core", type=int, default=0)
    ap.add_argument("--pairs", type=int)  # 3 when not given
    ap.add_argument("--repeat", type=int)  # 1 when not given
    ap.add_argument("--instructions", action="store_true")
    a = ap.parse_args()
    if a.instructions and (a.only or a.pairs is not None or a.repeat is not None):
        sys.exit("--instructions counts big-8x and the tight loop only: without --only, --pairs or --repeat")
    a.pairs = 3 if a.pairs is None else a.pairs
    a.repeat = 1 if a.repeat is None else a.repeat
    if a.pairs < 1 or a.repeat < 1:
        sys.exit("--pairs and --repeat must be at least 1")
    pin = ["taskset", "-c", str(a.core)] if shutil.which("taskset") else []
    archsim = pathlib.Path(a.build) / "archsim"
    tight = pathlib.Path(a.build) / "tight_loop"
    out_dir = tempfile.mkdtemp(prefix="archsim-bench-")
    if a.instructions:
        instructions_per_request(archsim, tight, pin, out_dir)
        shutil.rmtree(out_dir, ignore_errors=True)
        return
    rows = []
    for name, cls, scenario, sets in RUNS:
        if a.only and not any(o in name for o in a.only):
            continue
        cmd = [str(archsim), "run", str(ROOT / scenario), "--json", "--quiet", "--no-report", "--out", out_dir]
        for s in sets:
            cmd += ["--set", s]
        pairs = a.pairs if name == "big-8x" and tight.exists() else 0
        if not pairs:
            row, wall_range = middle([run_archsim(cmd, pin, cls, name) for _ in range(a.repeat)],
                                     key=lambda r: r["wall_s"])
            row["wall_range"] = wall_range
        else:
            # Alternating, so that both sides of each pair see the machine in the same phase.
            runs, loops = [], []
            for _ in range(pairs):
                runs.append(run_archsim(cmd, pin, cls, name))
                t = subprocess.run(pin + [str(tight)], capture_output=True, text=True, check=True)
                loops.append(json.loads(t.stdout)["requests_per_s"])
            row, _ = middle(runs, key=lambda r: r["wall_s"])
            row["tight_loop_requests_per_s"], _ = middle(loops)
            row["ratio_to_tight_loop"], row["ratio_range"] = middle([r["requests_per_s"] / l for r, l in zip(runs, loops)])
        rows.append(row)
        extra = ""
        if a.repeat > 1 and "wall_range" in row:
            extra = f"  (median of {a.repeat} runs, {row['wall_range'][0]:.2f} to {row['wall_range'][1]:.2f} s)"
        if "ratio_to_tight_loop" in row:
            lo, hi = row["ratio_range"]
            extra = (f"  tight loop {row['tight_loop_requests_per_s'] / 1e6:.2f} M/s, ratio {row['ratio_to_tight_loop']:.2f}"
                     f" (median of {a.pairs} alternating pairs, {lo:.2f} to {hi:.2f})")
        print(f"({cls}) {name:40s} {row['requests'] / 1e6:8.2f} M req  {row['wall_s']:7.2f} s  "
              f"{row['requests_per_s'] / 1e6:6.2f} M req/s  {row['ns_per_request']:6.0f} ns/req  "
              f"{row['events_per_request']:5.2f} ev/req  {row['peak_rss_mb']:7.1f} MB{extra}",
              flush=True)
    shutil.rmtree(out_dir, ignore_errors=True)
    by = {r["name"]: r for r in rows}
    a_, b_ = by.get("balancer-8x"), by.get("balancer-8x, no client timeout")
    if a_ and b_:
        print(f"client timeouts cost {a_['ns_per_request'] / b_['ns_per_request']:.2f}x per request on topology (b)")


if __name__ == "__main__":
    main()
