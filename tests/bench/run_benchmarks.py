#!/usr/bin/env python3
"""Whole-simulator benchmarks, one per topology class, on one core (taskset when present).

    python3 tests/bench/run_benchmarks.py [--build build/release] [--only NAME ...]
                                          [--core N] [--pairs K] [--repeat R] [--markdown]
    python3 tests/bench/run_benchmarks.py --instructions [--build build/release]

For each run it prints simulated requests, scheduler events per request, the process's CPU
time (user + system) and wall time per request, and peak RSS; big-8x also runs the
hand-written tight loop of the same model (tests/bench/tight_loop.cpp) in the same
invocation and prints the ratio. --markdown ends with the rows as the table of
docs/speed.md, each with the command that reproduces it. CPU time is the figure to quote on
a shared machine (wall time counts the time other processes held the core); still, compare
builds with the same script rather than across machines.

Peers, run when installed: big-8x written for ns-3's event core (tests/bench/peers/
big8x_ns3.cc, built here against Debian's libns3-dev) and for SimPy (tests/bench/peers/
big8x_simpy.py, with Debian's python3-simpy or a pip simpy). SimPy runs 2 simulated minutes
instead of 2 hours (per-request figures compare; its whole run would take minutes).

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
import argparse, json, os, pathlib, resource, shutil, subprocess, sys, tempfile, time

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

# Peers: (name, class, how to find or build the command, simulated seconds).
PEERS = [
    ("big-8x on ns-3 (MapScheduler)", "a", "ns3", 7200),
    ("big-8x on SimPy", "a", "simpy", 120),
]


def cpu_of_children(run):
    """Runs `run()`; returns its result and the CPU seconds (user + system) of the children it waited for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = run()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return out, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def ns3_peer(build):
    """The ns-3 peer's command, built under BUILD/peers when Debian's libns3-dev is there."""
    src = ROOT / "tests/bench/peers/big8x_ns3.cc"
    if not pathlib.Path("/usr/include/ns3/core-module.h").exists():
        return None
    exe = pathlib.Path(build) / "peers" / "big8x_ns3"
    if not exe.exists() or exe.stat().st_mtime < src.stat().st_mtime:
        exe.parent.mkdir(parents=True, exist_ok=True)
        cxx = os.environ.get("CXX", "g++")
        # Only the core module is needed; the .so finds its own dependencies.
        p = subprocess.run([cxx, "-O2", "-std=c++17", str(src), "-o", str(exe), "-lns3-core"],
                           capture_output=True, text=True)
        if p.returncode != 0:
            print(f"ns-3 peer not built: {p.stderr[-500:]}", file=sys.stderr)
            return None
    return [str(exe)]


def simpy_peer():
    """The SimPy peer's command: this interpreter when it has SimPy, else Debian's python3."""
    for py in (sys.executable, "/usr/bin/python3"):
        if py and os.path.exists(py):
            probe = "import importlib.util as u, sys; sys.exit(0 if u.find_spec('simpy') or u.find_spec('SimPy') else 1)"
            if subprocess.run([py, "-c", probe]).returncode == 0:
                return [py, str(ROOT / "tests/bench/peers/big8x_simpy.py")]
    return None


def run_peer(cmd, pin, cls, name, seconds):
    """One run of a peer model: its figures as a table row."""
    p, cpu = cpu_of_children(lambda: subprocess.run(pin + cmd, capture_output=True, text=True))
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr}")
    s = json.loads(p.stdout.strip().splitlines()[-1])
    n = s["requests"]
    return {"class": cls, "name": name, "requests": n, "wall_s": s["wall_s"], "cpu_s": cpu,
            "requests_per_s": n / s["wall_s"], "ns_per_request": s["wall_s"] / n * 1e9,
            "cpu_ns_per_request": cpu / n * 1e9, "events_per_request": float("nan"), "peak_rss_mb": float("nan"),
            "mean_latency_ms": s["mean_latency_ms"]}


def client_requests(summary):
    """Requests the run's clients sent (summary.json as a dict)."""
    return sum(c.get("sent", 0) for c in summary["components"].values() if c["type"] == "client")


def run_archsim(cmd, pin, cls, name):
    """One archsim run on the pinned core: its figures as a table row."""
    # /usr/bin/time -f %M gives the peak RSS of this one process.
    timed = ["/usr/bin/time", "-f", "%M"] + cmd if os.path.exists("/usr/bin/time") else cmd
    p, cpu = cpu_of_children(lambda: subprocess.run(pin + timed, capture_output=True, text=True))
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr}")
    rss_mb = float(p.stderr.strip().splitlines()[-1]) / 1024 if timed[0] != cmd[0] else float("nan")
    s = json.loads(p.stdout)
    requests = client_requests(s)
    wall = s["run"]["wall_time_s"]
    return {"class": cls, "name": name, "requests": requests, "wall_s": wall, "cpu_s": cpu,
            "requests_per_s": requests / wall, "ns_per_request": wall / requests * 1e9,
            "cpu_ns_per_request": cpu / requests * 1e9,
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
    """big-8x's and the tight loop's instructions per request (docs/speed.md's method)."""
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


def selected(name, only):
    """--only NAME: the row of that exact name when there is one, else every row containing it."""
    names = [r[0] for r in RUNS] + [p[0] for p in PEERS]
    return any(o == name if o in names else o in name for o in only)


def print_row(row, extra):
    print(f"({row['class']}) {row['name']:40s} {row['requests'] / 1e6:8.2f} M req  {row['wall_s']:7.2f} s  "
          f"{row['cpu_ns_per_request']:6.0f} CPU ns/req  {row['ns_per_request']:6.0f} wall ns/req  "
          f"{row['events_per_request']:5.2f} ev/req  {row['peak_rss_mb']:7.1f} MB{extra}", flush=True)


def command_of(name, a):
    """The command that reproduces one row (the same options, that row only)."""
    cmd = f"run_benchmarks.py --only '{name}'"
    if a.repeat > 1:
        cmd += f" --repeat {a.repeat}"
    if name == "big-8x" and a.pairs != 3:
        cmd += f" --pairs {a.pairs}"
    return cmd


def print_markdown(rows, a):
    """The rows as the table of docs/speed.md."""
    runs = f"median of {a.repeat} runs" if a.repeat > 1 else "one run"
    print(f"\n| class | run | requests | events / request | CPU ns / request ({runs}) | peak RSS | command |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        ev = "-" if r["events_per_request"] != r["events_per_request"] else f"{r['events_per_request']:.1f}"
        rss = "-" if r["peak_rss_mb"] != r["peak_rss_mb"] else f"{r['peak_rss_mb']:.0f} MB"
        name = r["name"]
        if "ratio_to_tight_loop" in r:
            name += f" ({r['ratio_to_tight_loop']:.2f} of the tight loop's speed)"
        n = r["requests"]
        req = f"{n / 1e6:.1f} M" if n >= 1e5 else f"{n / 1e3:.0f} k"
        print(f"| ({r['class']}) | {name} | {req} | {ev} | {r['cpu_ns_per_request']:,.0f} | {rss} | `{r['command']}` |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=str(ROOT / "build/release"))
    ap.add_argument("--only", nargs="*", default=[])
    ap.add_argument("--core", type=int, default=0)
    ap.add_argument("--pairs", type=int)  # 3 when not given
    ap.add_argument("--repeat", type=int)  # 1 when not given
    ap.add_argument("--instructions", action="store_true")
    ap.add_argument("--markdown", action="store_true", help="end with the rows as a markdown table")
    ap.add_argument("--no-peers", action="store_true", help="leave out the ns-3 and SimPy models")
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
        if a.only and not selected(name, a.only):
            continue
        cmd = [str(archsim), "run", str(ROOT / scenario), "--json", "--quiet", "--no-report", "--out", out_dir]
        for s in sets:
            cmd += ["--set", s]
        pairs = a.pairs if name == "big-8x" and tight.exists() else 0
        if not pairs:
            row, wall_range = middle([run_archsim(cmd, pin, cls, name) for _ in range(a.repeat)],
                                     key=lambda r: r["cpu_s"])
            row["wall_range"] = wall_range
        else:
            # Alternating, so that both sides of each pair see the machine in the same phase.
            runs, loops = [], []
            for _ in range(pairs):
                runs.append(run_archsim(cmd, pin, cls, name))
                t, cpu = cpu_of_children(lambda: subprocess.run(pin + [str(tight)], capture_output=True, text=True,
                                                                check=True))
                loops.append(json.loads(t.stdout)["requests"] / cpu)  # requests per CPU second
            row, _ = middle(runs, key=lambda r: r["cpu_s"])
            row["tight_loop_requests_per_s"], _ = middle(loops)
            # Each pair's ratio of speeds, in CPU time: a shared core's waits count in neither.
            row["ratio_to_tight_loop"], row["ratio_range"] = middle(
                [r["requests"] / r["cpu_s"] / l for r, l in zip(runs, loops)])
        row["command"] = command_of(name, a)
        rows.append(row)
        extra = ""
        if a.repeat > 1 and "wall_range" in row:
            extra = f"  (median of {a.repeat} runs by CPU time, {row['wall_range'][0]:.2f} to {row['wall_range'][1]:.2f} s)"
        if "ratio_to_tight_loop" in row:
            lo, hi = row["ratio_range"]
            extra = (f"  tight loop {row['tight_loop_requests_per_s'] / 1e6:.2f} M/s, ratio {row['ratio_to_tight_loop']:.2f}"
                     f" (median of {a.pairs} alternating pairs, {lo:.2f} to {hi:.2f})")
        print_row(row, extra)
    for name, cls, kind, seconds in ([] if a.no_peers else PEERS):
        if a.only and not selected(name, a.only):
            continue
        cmd = ns3_peer(a.build) if kind == "ns3" else simpy_peer()
        if cmd is None:
            print(f"({cls}) {name:40s} not installed (Debian: {'libns3-dev' if kind == 'ns3' else 'python3-simpy'})")
            continue
        cmd = cmd + ([f"--seconds={seconds}"] if kind == "ns3" else [str(seconds)])
        row, wall_range = middle([run_peer(cmd, pin, cls, name, seconds) for _ in range(a.repeat)],
                                 key=lambda r: r["cpu_s"])
        row["command"] = command_of(name, a)
        rows.append(row)
        print_row(row, f"  mean latency {row['mean_latency_ms']:.1f} ms, {seconds:g} simulated s")
    shutil.rmtree(out_dir, ignore_errors=True)
    if a.markdown:
        print_markdown(rows, a)
    by = {r["name"]: r for r in rows}
    a_, b_ = by.get("balancer-8x"), by.get("balancer-8x, no client timeout")
    if a_ and b_:
        print(f"client timeouts cost {a_['cpu_ns_per_request'] / b_['cpu_ns_per_request']:.2f}x CPU per request on topology (b)")


if __name__ == "__main__":
    main()
