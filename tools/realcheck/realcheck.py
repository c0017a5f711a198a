#!/usr/bin/env python3
"""archsim beside the real systems it models: NGINX, HAProxy, Redis, PostgreSQL, PgBouncer, MariaDB,
memcached.

For each case (cases.py) it starts the real processes, measures them as a user would,
writes the equivalent archsim scenario, runs it with replications and compares: p50, p90,
p99 and mean latency and each backend's share for the balancers, the hit ratio for Redis,
waits, timeouts, refusals and deadlocks for the data tier (dbcases.py), replication lag and stale reads
for a streaming replica (replica.py), the hit ratio, latency and metastability boundary of a
look-aside memcached in front of MariaDB (lookaside.py).
Writes OUT/realcheck.json, OUT/index.html (a table per case) and, per case, the real
measurements, the scenario and the processes' logs.

    realcheck.py [--quick] [--out DIR] [--archsim PATH] [--cases a,b] [--seed N] [--check] [--resim]

--quick runs the cases marked quick, shorter, and exits 1 when a figure leaves its tolerance
(a case out of tolerance is measured once more first, and says so). The full run reports
and exits 0 unless something could not run (exit 2) or --check is given.

Bounded: every real measurement has a fixed length and every process is stopped by its PID
on every way out (procs.py); each subprocess has a timeout.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import cases as C  # noqa: E402
import dbcases as DB  # noqa: E402
import lookaside as LA  # noqa: E402
import page  # noqa: E402
from procs import Procs, exit_on_signals, free_port, python, wait_listening  # noqa: E402
from proxies import start_proxy, start_redis  # noqa: E402
from stats import sim_figure, compare, latency_stats, quantiles, sim_figures, ENV_SPREAD, SPREAD_SIGMAS, TOLERANCES  # noqa: E402

ALL_CASES = C.CASES + DB.CASES + LA.CASES
# The commands each kind of case needs (tools/realcheck.sh installs their packages).
TOOLS = {"balancer": ("nginx", "haproxy"), "cache": ("redis-server",), "db": ("pgbouncer", "setpriv", "mariadbd", "mariadb-install-db"),
         "lookaside": ("memcached", "mariadbd", "mariadb-install-db")}

MODES = {
    # measured seconds, warm-up seconds, overhead seconds, replications
    "quick": {"seconds": 30, "warmup": 5, "overhead": 8, "replications": 10},
    "full": {"seconds": 90, "warmup": 10, "overhead": 20, "replications": 20},
}


def priority_prefix():
    """Real-time round-robin priority 1 when allowed (the processes mostly sleep: they take
    little CPU, but a sleeper woken late on a busy machine adds its wait to every figure),
    else a nice of -10, else nothing."""
    for prefix, label in ((["chrt", "-r", "1"], "SCHED_RR 1"), (["nice", "-n", "-10"], "nice -10")):
        try:
            if subprocess.run(prefix + ["true"], capture_output=True, timeout=5).returncode == 0:
                return prefix, label
        except (OSError, subprocess.TimeoutExpired):
            pass
    return [], "normal"


def last_json_line(path):
    try:
        with open(path) as f:
            lines = [ln for ln in f.read().splitlines() if ln.startswith("{")]
        return json.loads(lines[-1]) if lines else None
    except (OSError, ValueError):
        return None


def start_backends(procs, prefix, folder, means_ms, seed, max_seconds):
    ports = []
    for i, mean in enumerate(means_ms):
        port = free_port()
        p = procs.start(f"backend-s{i + 1}", prefix + [python(), os.path.join(HERE, "backend.py"), "--port", str(port),
                                                       "--name", f"s{i + 1}", "--mean-ms", str(mean),
                                                       "--seed", str(seed * 100 + i + 1),
                                                       "--max-seconds", str(max_seconds)])
        if not wait_listening(port, 10, p):
            raise RuntimeError(f"backend s{i + 1} did not start (see {folder})")
        ports.append(port)
    return ports


def measure_balancer(case, folder, prefix, rate, seconds, warmup, means_ms, seed):
    """One real measurement: backends, the proxy, the load; everything stopped after."""
    os.makedirs(folder, exist_ok=True)
    procs = Procs(folder, prefix)
    out = os.path.join(folder, "requests.json")
    try:
        ports = start_backends(procs, prefix, folder, means_ms, seed, warmup + seconds + 120)
        port = start_proxy(procs, folder, case, ports)
        cmd = prefix + [python(), os.path.join(HERE, "loadgen.py"), "--port", str(port), "--rate", str(rate),
                        "--seconds", str(warmup + seconds), "--seed", str(seed), "--out", out]
        subprocess.run(cmd, check=True, timeout=warmup + seconds + 90, stdin=subprocess.DEVNULL)
    finally:
        procs.stop()
    with open(out) as f:
        requests = json.load(f)["requests"]
    backends = [last_json_line(os.path.join(folder, f"backend-s{i + 1}.log")) for i in range(len(means_ms))]
    workers = None
    log = os.path.join(folder, "nginx-access.log")
    if os.path.exists(log):
        # The log is written as requests end; NGINX's connection serial number (a counter all
        # workers share) gives the order in which the workers accepted them.
        with open(log) as f:
            rows = sorted((int(ln.split()[1]), ln.split()[0]) for ln in f if len(ln.split()) >= 2)
        pids = [pid for _, pid in rows]
        workers = {"connections_per_worker": sorted((pids.count(p) for p in set(pids)), reverse=True),
                   "mean_run_length": len(pids) / max(1, 1 + sum(a != b for a, b in zip(pids, pids[1:])))}
    return requests, backends, workers


def measure_overhead(case, folder, prefix, rate, seconds, seed):
    """The proxy's own latency: the same proxy in front of backends that answer at once."""
    zero = dict(case, method={"nginx": "round_robin", "haproxy": "roundrobin"}[case["proxy"]], maxconn=None, workers=1)
    requests, _, _ = measure_balancer(zero, folder, prefix, rate, seconds, 1, [0.0] * C.BACKENDS, seed)
    lat = [r[2] for r in requests if r[0] >= 1 and r[4]]
    if len(lat) < 50:
        raise RuntimeError(f"overhead measurement of {case['proxy']} got {len(lat)} answers (see {folder})")
    return lat


def run_archsim(archsim, scenario, folder, replications):
    path = os.path.join(folder, "scenario-" + scenario["_label"].replace(" ", "-") + ".json")
    doc = {k: v for k, v in scenario.items() if k != "_label"}
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
    res = subprocess.run([archsim, "run", path, "--replications", str(replications), "--json", "--quiet",
                          "--out", os.path.join(folder, "sim-" + scenario["_label"].replace(" ", "-"))],
                         capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL)
    if res.returncode != 0:
        raise RuntimeError(f"archsim failed on {path}: {res.stderr.strip()}")
    return json.loads(res.stdout)


def settings(case, mode):
    """The mode's settings, with a case's own length where it has one (the mechanism cases run
    longer in the full run, so that one real run's scatter is small beside the gap they show;
    the data tier's run shorter in the quick one, so that they add under 4 minutes to CI)."""
    m = dict(MODES[mode])
    if case.get(mode + "_seconds"):
        m["seconds"] = case[mode + "_seconds"]
    return m


def balancer_case(case, args, mode, prefix, overheads, folder, attempt):
    m = settings(case, mode)
    requests, backends, workers = measure_balancer(case, os.path.join(folder, f"real-{attempt}"), prefix, case["rate"],
                                                   m["seconds"], m["warmup"], case["means_ms"], args.seed + attempt)
    real = latency_stats(requests, m["warmup"], C.BACKENDS)
    # Each backend slept a little longer than asked (timer slack, wake-up): the scenario's mean
    # service time is the nominal one plus the overshoot that backend measured.
    means = []
    for nominal, b in zip(case["means_ms"], backends):
        over = (b["service_mean_ms"] - b["asked_mean_ms"]) if b and b.get("served") else 0.0
        means.append(nominal + over)
    real["service_overshoot_ms"] = [round(x - n, 3) for x, n in zip(means, case["means_ms"])]
    if workers:
        real["nginx_workers"] = workers
    return real


def simulate(case, real, args, mode, overheads, folder):
    """archsim's figures for every variant of the case, from what the real run measured."""
    m = settings(case, mode)
    if case["kind"] == "lookaside":
        return LA.simulate(case, real, args.archsim, m, folder, run_archsim, sim_figure)
    sims = {}
    for v in case["variants"]:
        if case["kind"] == "db":
            sc = DB.scenario(case, v, m["seconds"], m["warmup"], real)
            sc["_label"] = v["label"]
            sims[v["label"]] = DB.sim_figures(case, run_archsim(args.archsim, sc, folder, m["replications"]), real,
                                              sim_figure)
            continue
        if case["kind"] == "balancer":
            means = [n + o for n, o in zip(case["means_ms"], real["service_overshoot_ms"])]
            sc = C.balancer_scenario(case, v, m["seconds"], m["warmup"], overheads[case["proxy"]], means)
        else:
            sc = C.cache_scenario(case, v, m["seconds"], m["warmup"], real["achieved_rate"], real["capacity_used_keys"])
        sc["_label"] = v["label"]
        sims[v["label"]] = sim_figures(run_archsim(args.archsim, sc, folder, m["replications"]), case["kind"], C.BACKENDS)
    return sims


def judge(case, entry, real, sims):
    """The checks of a case; the look-aside boundary's grid, real beside archsim, goes in `entry` and is printed."""
    if case["kind"] == "lookaside" and case["setup"] == "boundary":
        entry["grid"] = LA.grid_text(real, sims["archsim"])
        print(f"realcheck: {case['name']}: real | archsim metastability\n{entry['grid']}", flush=True)
        return LA.grid_checks(real, sims["archsim"])
    return compare(case["kind"], real, sims["archsim"], C.BACKENDS)


def cache_case(case, args, mode, prefix, folder, attempt):
    m = settings(case, mode)
    sub = os.path.join(folder, f"real-{attempt}")
    os.makedirs(sub, exist_ok=True)
    procs = Procs(sub, prefix)
    out = os.path.join(sub, "cache.json")
    try:
        port = start_redis(procs, case["policy"])
        cmd = prefix + [python(), os.path.join(HERE, "cacheclient.py"), "--port", str(port), "--keys", str(case["keys"]),
                        "--zipf", str(case["zipf"]), "--capacity", str(case["capacity"]), "--rate", str(case["rate"]),
                        "--seconds", str(m["warmup"] + m["seconds"]), "--warmup", str(m["warmup"]),
                        "--seed", str(args.seed + attempt), "--out", out]
        subprocess.run(cmd, check=True, timeout=m["warmup"] + m["seconds"] + 120, stdin=subprocess.DEVNULL)
    finally:
        procs.stop()
    with open(out) as f:
        real = json.load(f)
    real["capacity_used_keys"] = max(1, round(real["keys_held_mean"]))
    return real


def finish(report, args, check):
    report["passed"] = all(c["passed"] for c in report["cases"])
    with open(os.path.join(args.out, "realcheck.json"), "w") as f:
        json.dump(report, f, indent=1)
    page.write(os.path.join(args.out, "index.html"), report)
    with open(os.path.join(args.out, "realcheck.md"), "w") as f:
        f.write(page.summary_markdown(report) + "\n" + page.markdown(report))
    print(f"realcheck: {len(report['cases'])} cases; {args.out}/index.html", flush=True)
    if check and not report["passed"]:
        print("realcheck: FAILED: a figure stayed out of tolerance after a second measurement", file=sys.stderr)
        return 1
    return 0


def resimulate(args, check):
    """--resim: the stored real measurements against the current archsim."""
    with open(os.path.join(args.out, "realcheck.json")) as f:
        report = json.load(f)
    known = {c["name"]: c for c in ALL_CASES}
    for entry in report["cases"]:
        case = known[entry["name"]]
        folder = os.path.join(args.out, case["name"])
        sims = simulate(case, entry["real"], args, report["mode"], report.get("overhead_values_us", {}), folder)
        entry["sim"], entry["variants"] = sims, case["variants"]
        entry["checks"] = judge(case, entry, entry["real"], sims)
        entry["passed"] = all(c["ok"] for c in entry["checks"])
        print(f"realcheck: {case['name']}: " + ("within tolerance" if entry["passed"] else "OUT of tolerance"), flush=True)
    report["tolerances"] = {"fixed": TOLERANCES, "run_to_run": ENV_SPREAD, "sigmas": SPREAD_SIGMAS}
    return finish(report, args, check)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default=None)
    ap.add_argument("--archsim", default=None)
    ap.add_argument("--cases", default=None, help="comma-separated case names (default: the mode's)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--check", action="store_true", help="exit 1 when a figure leaves its tolerance (on with --quick)")
    ap.add_argument("--resim", action="store_true",
                    help="keep OUT's real measurements and run only the simulations again (after a change to archsim)")
    args = ap.parse_args()
    exit_on_signals()
    root = os.path.dirname(os.path.dirname(HERE))
    mode = "quick" if args.quick else "full"
    args.archsim = args.archsim or os.path.join(root, "build", "dev", "archsim")
    args.out = args.out or os.path.join(root, "build", "realcheck-" + mode)
    check = args.check or args.quick
    if not os.access(args.archsim, os.X_OK):
        print(f"realcheck: {args.archsim} not found (bash tools/realcheck.sh builds it)", file=sys.stderr)
        return 2
    if args.resim:
        return resimulate(args, check)
    chosen = [c for c in ALL_CASES if (c["name"] in args.cases.split(",") if args.cases else (c["quick"] or mode == "full"))]
    if not chosen:
        print("realcheck: no such case; known: " + ", ".join(c["name"] for c in ALL_CASES), file=sys.stderr)
        return 2
    for tool in sorted({t for c in chosen for t in TOOLS[c["kind"]]}):
        if not shutil.which(tool):
            print(f"realcheck: {tool} not found (bash tools/realcheck.sh installs the packages)", file=sys.stderr)
            return 2
    if os.path.isdir(args.out) and not args.resim:
        shutil.rmtree(args.out)
    os.makedirs(args.out)
    prefix, priority = priority_prefix()
    started = time.time()
    report = {"mode": mode, "command": "bash tools/realcheck.sh" + (" --quick" if args.quick else ""),
              "priority": priority, "load_average_start": os.getloadavg(),
              "tolerances": {"fixed": TOLERANCES, "run_to_run": ENV_SPREAD, "sigmas": SPREAD_SIGMAS},
              "settings": MODES[mode], "cases": []}
    overheads = {}
    m = MODES[mode]
    for proxy in sorted({c["proxy"] for c in chosen if c["kind"] == "balancer"}):
        rate = max(c["rate"] for c in chosen if c.get("proxy") == proxy)
        lat = measure_overhead({"proxy": proxy}, os.path.join(args.out, "overhead-" + proxy), prefix, rate,
                               m["overhead"], args.seed)
        overheads[proxy] = quantiles(lat, 200)
        report.setdefault("overhead_values_us", {})[proxy] = overheads[proxy]
        report.setdefault("overhead_ms", {})[proxy] = {k: round(v, 3) for k, v in latency_stats(
            [[1, 0, x, "s1", True] for x in lat], 0, 1)["latency_ms"].items()}
        print(f"realcheck: {proxy} overhead p50 {report['overhead_ms'][proxy]['p50']:.2f} ms, "
              f"p99 {report['overhead_ms'][proxy]['p99']:.2f} ms", flush=True)
    for case in chosen:
        folder = os.path.join(args.out, case["name"])
        os.makedirs(folder, exist_ok=True)
        entry = {k: case[k] for k in case if k not in ("quick",)}
        for attempt in (1, 2):
            t0 = time.time()
            if case["kind"] == "balancer":
                real = balancer_case(case, args, mode, prefix, overheads, folder, attempt)
            elif case["kind"] == "lookaside":
                m = settings(case, mode)
                real = LA.measure(case, os.path.join(folder, f"real-{attempt}"), prefix, m["seconds"], m["warmup"],
                                  args.seed + attempt)
            elif case["kind"] == "db":
                m = settings(case, mode)
                real = DB.measure(case, os.path.join(folder, f"real-{attempt}"), prefix, m["seconds"], m["warmup"],
                                  args.seed + attempt)
            else:
                real = cache_case(case, args, mode, prefix, folder, attempt)
            sims = simulate(case, real, args, mode, overheads, folder)
            checks = judge(case, entry, real, sims)
            ok = all(c["ok"] for c in checks)
            entry.update({"real": real, "sim": sims, "checks": checks, "attempts": attempt, "passed": ok,
                          "measured_seconds": settings(case, mode)["seconds"], "seconds": round(time.time() - t0, 1)})
            bad = [c["figure"] for c in checks if not c["ok"]]
            print(f"realcheck: {case['name']}: " + ("within tolerance" if ok else "OUT of tolerance: " + ", ".join(bad))
                  + (f" (measured again, attempt {attempt})" if attempt > 1 else ""), flush=True)
            if ok or not check:
                break
            print(f"realcheck: {case['name']}: measuring once more before failing", flush=True)
        report["cases"].append(entry)
    report["load_average_end"] = os.getloadavg()
    report["wall_seconds"] = round(time.time() - started, 1)
    return finish(report, args, check)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:  # a process that would not run
        print(f"realcheck: {e}", file=sys.stderr)
        sys.exit(2)
