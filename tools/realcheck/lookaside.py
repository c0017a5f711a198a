"""The look-aside cache cases of the real check: memcached in front of MariaDB.

The architecture of the OSDI 2022 metastability artifact ("Metastable Failures in the Wild",
its look-aside cache experiment; scenarios/metastability/lookaside-cache.json), small enough
for two cores: a web tier of WORKERS workers (lookload.py; the artifact's PHP-FPM) reads Zipf
keys from memcached 1.6 and, on a miss, runs MISS_SQL on MariaDB 10.11 and sets the key.
memcached holds every key it is given (64 MB for KEYS keys of 32 bytes: it never evicts,
which the run checks), warmed with the PRELOAD hottest. A request waits in the web tier's
FIFO queue for a worker and is dropped unstarted once its client's deadline (1 s) passed.

The miss: a primary-key SELECT of the key's row, then SLEEP(0.05), standing for the
artifact's chain of queries (about 23 ms of MySQL CPU each, which two shared cores cannot
spare: a CPU-bound miss would put the machine's other load into every figure). What places
the boundary is the time a miss holds a worker in MariaDB, and that is measured, never
assumed: each miss's round trip as the worker saw it (protocol, the SELECT, the sleep's
overshoot, the wake-up of a thread on a busy machine), and memcached's get and set likewise.

- lookaside-miss-cost: cache-aside reads at a few loads; the hit ratio and the latency
  (from its arrival in the web tier's queue to its answer) beside archsim's, given the
  measured miss cost, cache operations and the worker's own time per request. Mechanism
  off: no limit of workers (no queue in the web tier).
- lookaside-boundary (full run only): the metastability grid, GRID_LOADS x DROPS: at each load,
  the hottest k keys are deleted from memcached (flush_all for "all") after the baseline and
  the run is followed for SPAN_S; every real cell is judged by the rule of `archsim
  metastability` (verdict.py) on its 1 s windows of goodput in deadline, and the same grid
  is drawn by `archsim metastability` with the costs measured in those runs. The port of
  the rule is checked on archsim's own series (rule_check).
"""
import asyncio
import json
import math
import os
import statistics
import subprocess

from dbservers import MariaDB
import mywire
from procs import Procs, free_port, python, wait_listening
from stats import percentile, quantiles
import verdict

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS, ZIPF, PRELOAD, WORKERS, TIMEOUT_S = 100000, 0.99, 20000, 2, 1.0
MISS_SQL = "SELECT v FROM rc.kv WHERE k = {key}; DO SLEEP(0.05)"
LOADS = (100, 150, 200)  # lookaside-miss-cost, requests/s
GRID_LOADS, DROPS = (100, 150, 200), (300, 1000, "all")  # lookaside-boundary
BASELINE_S, SPAN_S, GRID_REPLICATIONS = 10, 20, 5  # seconds after the warm-up; archsim replications


def _case(name, setup, quick, about, off, seconds=60):
    return {"name": name, "kind": "lookaside", "setup": setup, "quick": quick, "about": about,
            "quick_seconds": 20, "full_seconds": seconds,
            "variants": [{"label": "archsim", "set": {}}] + ([{"label": "mechanism off", "set": off}] if off else [])}


CASES = [
    _case("lookaside-miss-cost", "miss", True, off={"workers": None},
          about=f"memcached 1.6 (never evicting, warmed with the {PRELOAD:,} hottest of {KEYS:,} Zipf({ZIPF}) keys) "
                f"in front of MariaDB 10.11, a web tier of {WORKERS} workers doing cache-aside reads (get; on a miss "
                f"a primary-key SELECT and SLEEP(0.05), then set) at {', '.join(map(str, LOADS))}/s. archsim: the "
                "same with the measured miss cost, cache operations and worker time. Mechanism off: no worker limit."),
    _case("lookaside-boundary", "boundary", False, off=None, seconds=BASELINE_S + SPAN_S,  # per cell
          about=f"The same system's metastability boundary: at {', '.join(map(str, GRID_LOADS))}/s the hottest "
                f"{', '.join(f'{d:,}' if d != 'all' else 'all' for d in DROPS)} keys are deleted after a "
                f"{BASELINE_S} s baseline and the run followed for {SPAN_S} s; each real cell judged by archsim "
                "metastability's rule, beside archsim metastability's grid with the measured costs."),
]


def start_servers(procs, folder, db):
    """memcached and MariaDB (`db`, a dbservers.MariaDB the caller closes) on free ports, MariaDB
    with the table of KEYS rows the misses read."""
    mc = free_port()
    user = ["-u", "memcache"] if os.geteuid() == 0 else []
    p = procs.start("memcached", ["memcached", "-l", "127.0.0.1", "-p", str(mc), "-U", "0", "-m", "64", "-t", "2",
                                  "-c", "1024"] + user)
    if not wait_listening(mc, 10, p):
        raise RuntimeError(f"memcached did not start (see {folder}/memcached.log)")
    port = db.start()

    async def create():
        conn = await mywire.Connection.open(port)
        try:
            await conn.query("CREATE DATABASE rc; USE rc; CREATE TABLE kv (k INT PRIMARY KEY, v BIGINT NOT NULL) "
                             f"ENGINE=InnoDB; INSERT INTO rc.kv SELECT seq, seq FROM seq_0_to_{KEYS - 1}")
        finally:
            conn.close()
    asyncio.run(create())
    return mc, port


def run_load(prefix, folder, name, ports, rate, seconds, seed, drop_at=0.0, drop_keys=None):
    out = os.path.join(folder, name + ".json")
    cmd = prefix + [python(), os.path.join(HERE, "lookload.py"), "--mc-port", str(ports[0]), "--db-port", str(ports[1]),
                    "--keys", str(KEYS), "--zipf", str(ZIPF), "--preload", str(PRELOAD), "--workers", str(WORKERS),
                    "--miss-sql", MISS_SQL, "--rate", str(rate), "--seconds", str(seconds),
                    "--timeout", str(TIMEOUT_S), "--seed", str(seed), "--out", out]
    if drop_keys is not None:
        cmd += ["--drop-at", str(drop_at), "--drop-keys", str(drop_keys)]
    subprocess.run(cmd, check=True, timeout=seconds + 120, stdin=subprocess.DEVNULL)
    with open(out) as f:
        data = json.load(f)
    if data["stats"].get("evictions"):
        raise RuntimeError(f"memcached evicted {data['stats']['evictions']} keys (see {out}): the case needs it to hold all")
    return data


def costs(runs, warmup):
    """The measured costs, pooled over runs (request rows of lookload.py): a miss's time in MariaDB,
    a memcached get or set, and the worker's own time per request beside them (ms)."""
    db, ops, own = [], [], []
    for data in runs:
        for r in data["requests"]:
            if r[3] is None or r[0] < warmup:
                continue
            ops.append(r[5])
            if r[4] == 0:
                db.append(r[6])
                ops.append(r[7])
            own.append(1000 * (r[3] - r[2]) - r[5] - (r[6] or 0) - (r[7] or 0))
    if len(db) < 50:
        raise RuntimeError(f"only {len(db)} misses measured: too few for the miss cost")
    sdb = sorted(db)
    return {"miss_ms": {"mean": statistics.mean(db), "p50": percentile(sdb, 0.5), "p99": percentile(sdb, 0.99),
                        "count": len(db)},
            "cache_op_ms": {"mean": statistics.mean(ops), "p50": percentile(sorted(ops), 0.5)},
            "worker_own_ms": statistics.mean(own),
            "miss_values_us": quantiles(db, 200), "cache_op_values_us": quantiles(ops, 200)}


def load_figures(data, warmup):
    """Hit ratio and latency (ms, from arrival to answer) of the requests that arrived after the warm-up."""
    rows = [r for r in data["requests"] if r[0] >= warmup]
    served = [r for r in rows if r[3] is not None]
    lat = sorted(1000 * (r[3] - r[0]) for r in served)
    hits = sum(1 for r in served if r[4] == 1)
    return {"requests": len(rows), "served": len(served), "hit_ratio": hits / max(1, len(served)),
            "latency_ms": {"mean": statistics.mean(lat) if lat else math.nan, "p50": percentile(lat, 0.5),
                           "p90": percentile(lat, 0.9), "p99": percentile(lat, 0.99)},
            "late": sum(1 for x in lat if x > 1000 * TIMEOUT_S), "dropped": len(rows) - len(served),
            "sender_lag_ms_p99": percentile(sorted(r[1] for r in rows), 0.99)}


def measure(case, folder, prefix, seconds, warmup, seed):
    """One real run of a case: the servers once, then a load generator per load (or per cell)."""
    os.makedirs(folder, exist_ok=True)
    procs = Procs(folder, prefix)
    db = MariaDB(procs, folder)
    try:
        mc, port = start_servers(procs, folder, db)
        if case["setup"] == "boundary":
            return measure_grid(folder, prefix, (mc, port), warmup, seed)
        per_load, runs = {}, []
        for i, rate in enumerate(LOADS):
            data = run_load(prefix, folder, f"load-{rate}", (mc, port), rate, warmup + seconds, seed + i)
            runs.append(data)
            per_load[str(rate)] = load_figures(data, warmup)
    finally:
        procs.stop()
        db.close()
    real = {"loads": per_load, "costs": costs(runs, warmup)}
    real["figures"] = {}
    for rate, f in per_load.items():
        real["figures"][f"hit ratio @{rate}/s"] = f["hit_ratio"]
        for q in ("mean", "p90", "p99"):
            real["figures"][f"{q} @{rate}/s"] = f["latency_ms"][q]
    return real


def windows(data, end_s, window_s=1.0):
    """Per window (its end): goodput in deadline (answers within TIMEOUT_S of arrival, by the
    answer's time), offered load (arrivals) and memcached's hit ratio (gets, by their start)."""
    n = int(round(end_s / window_s))
    good, offered, hits, gets = [0] * n, [0] * n, [0] * n, [0] * n
    for r in data["requests"]:
        i = int(r[0] // window_s)
        if i < n:
            offered[i] += 1
        if r[3] is not None and r[3] - r[0] <= TIMEOUT_S and int(r[3] // window_s) < n:
            good[int(r[3] // window_s)] += 1
        if r[4] is not None and int(r[2] // window_s) < n:
            gets[int(r[2] // window_s)] += 1
            hits[int(r[2] // window_s)] += r[4]
    t = [window_s * (i + 1) for i in range(n)]
    return {"t": t, "goodput": [g / window_s for g in good], "offered": [o / window_s for o in offered],
            "hit_ratio": [h / g if g else math.nan for h, g in zip(hits, gets)]}


def measure_grid(folder, prefix, ports, warmup, seed):
    drop_at, cells, runs = warmup + BASELINE_S, [], []
    for i, rate in enumerate(GRID_LOADS):
        for j, keys in enumerate(DROPS):
            data = run_load(prefix, folder, f"cell-{rate}-{keys}", ports, rate, drop_at + SPAN_S, seed + 10 * i + j,
                            drop_at=drop_at, drop_keys=keys)
            runs.append(data)
            w = windows(data, drop_at + SPAN_S)
            # The trigger lasts as long as its deletes took (tens of ms): judged from the drop's start,
            # as archsim's instantaneous cache_flush.
            j_ = verdict.judge(w["t"], w["goodput"], w["offered"], {"hit_ratio memcached": w["hit_ratio"]},
                               warmup, drop_at, drop_at, SPAN_S)
            cells.append({"rate": rate, "keys": keys, "drop_s": data["drop"], "windows": w, **j_})
            print(f"realcheck: lookaside-boundary: {rate}/s, drop {keys}: {j_['verdict']}"
                  + (f" {j_['recovery_s']:.0f}s" if j_["recovery_s"] is not None else ""), flush=True)
    return {"cells": cells, "costs": costs(runs, warmup), "drop_at_s": drop_at, "figures": {}}


def scenario(real, rate, seconds, warmup, variant=None, drop_at=None):
    """The archsim scenario of the web tier, memcached and MariaDB, from the costs a real run measured."""
    c = real["costs"]
    web_steps = [{"call": "memcached", "route": "get",
                  "on_miss": [{"call": "db", "route": "read"}, {"call": "memcached", "route": "set"}]}]
    if c["worker_own_ms"] > 0.001:
        web_steps.insert(0, {"work": f"{1000 * c['worker_own_ms']:.1f}us"})
    web = {"id": "web", "type": "service", "concurrency": WORKERS, "queue": {"drop_expired": True},
           "routes": {"get": web_steps}}
    if variant and "workers" in variant["set"] and variant["set"]["workers"] is None:
        web["concurrency"] = 100000
    doc = {"name": "realcheck-lookaside", "seed": 1, "duration": f"{warmup + seconds}s", "warmup": f"{warmup}s",
           "window": "1s",
           "components": [
               {"id": "users", "type": "client", "target": "web", "timeout": f"{TIMEOUT_S:g}s",
                "arrivals": {"process": "poisson", "rate": rate},
                "routes": [{"name": "get", "keys": {"count": KEYS, "zipf": ZIPF}}]},
               web,
               {"id": "memcached", "type": "cache", "capacity": KEYS, "preload": PRELOAD, "concurrency": 64,
                "latency": {"dist": "empirical", "values": [f"{v:.1f}us" for v in c["cache_op_values_us"]]}},
               {"id": "db", "type": "service", "concurrency": 1000,
                "service_time": {"dist": "empirical", "values": [f"{v:.1f}us" for v in c["miss_values_us"]]}}]}
    if drop_at is not None:
        doc["duration"] = f"{drop_at + seconds}s"
        doc["faults"] = [{"name": "drop", "at": f"{drop_at}s", "kind": "cache_flush", "target": "memcached",
                          "keys": DROPS[0]}]
    return doc


def simulate(case, real, archsim, m, folder, run_archsim, sim_figure):
    """archsim's figures for every variant of a case. `run_archsim(archsim, scenario, folder, replications)`
    runs one scenario (realcheck.py); `sim_figure(summary, path)` reads a figure with its spread."""
    if case["setup"] == "boundary":
        return {"archsim": simulate_grid(real, archsim, m, folder)}
    sims = {}
    for v in case["variants"]:
        out = {}
        for rate in LOADS:
            sc = scenario(real, rate, m["seconds"], m["warmup"], v)
            sc["_label"] = f"{v['label']} {rate}"
            summary = run_archsim(archsim, sc, folder, m["replications"])
            out[f"hit ratio @{rate}/s"] = sim_figure(summary, "components.memcached.hit_ratio")
            for q in ("mean", "p90", "p99"):
                out[f"{q} @{rate}/s"] = sim_figure(summary, "latency_ms." + q)
        sims[v["label"]] = out
    return sims


def simulate_grid(real, archsim, m, folder):
    """`archsim metastability` over the real grid, with the costs the real cells measured."""
    sc = scenario(real, GRID_LOADS[0], SPAN_S, m["warmup"], drop_at=real["drop_at_s"])
    path = os.path.join(folder, "scenario-boundary.json")
    with open(path, "w") as f:
        json.dump(sc, f, indent=1)
    out = os.path.join(folder, "sim-boundary")
    cmd = [archsim, "metastability", path, "--trigger", "drop", "--vary",
           "users.arrivals.rate=" + ",".join(map(str, GRID_LOADS)), "--vary", "drop.keys=" + ",".join(map(str, DROPS)),
           "--replications", str(GRID_REPLICATIONS), "--window", f"{SPAN_S}s", "--out", out, "--quiet"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, stdin=subprocess.DEVNULL)
    if res.returncode != 0:
        raise RuntimeError(f"archsim metastability failed on {path}: {res.stderr.strip()}")
    with open(os.path.join(out, "metastability.json")) as f:
        doc = json.load(f)
    cells = {}
    for c in doc["cells"]:
        if c.get("mitigation") not in (None, "none"):
            continue
        rate, keys = (str(x) for x in c["values"][:2])
        reps = c["replications"]
        times = [r["recovery_s"] for r in reps if r["verdict"] == c["verdict"] and r["recovery_s"] is not None]
        cells[f"{rate}/{keys}"] = {"verdict": c["verdict"], "share": c["share"],
                                   "recovery_s": statistics.mean(times) if times else None,
                                   "recovered": sum(1 for r in reps if r["verdict"] == "recovers") / len(reps),
                                   "verdicts": [r["verdict"] for r in reps]}
    return {"cells": cells, "command": " ".join(cmd[1:]), "rule_check": rule_check(doc, m["warmup"])}


def rule_check(doc, warmup):
    """verdict.py against archsim's own judgement, on the series of the cells archsim's map drew
    (their first replication): the same recovery, at the same time, from the same goodput."""
    out = []
    for c in doc["cells"]:
        if "series" not in c:
            continue
        s, r = c["series"], c["replications"][0]
        j = verdict.judge(s["time_s"], s["goodput_in_deadline_rps"], s["offered_rps"], {}, warmup,
                          c["trigger"]["start_s"], c["trigger"]["end_s"], c["window"]["end_s"] - c["window"]["start_s"])
        same = (j["verdict"] == "recovers") == (r["verdict"] == "recovers") and (
            r["verdict"] != "recovers" or abs(j["recovery_s"] - r["recovery_s"]) < 1e-6)
        out.append({"cell": "/".join(c["values"][:2]), "archsim": [r["verdict"], r["recovery_s"]],
                    "verdict.py": [j["verdict"], j["recovery_s"]], "same": same})
    return out


def grid_checks(real, sim):
    """One row per cell: recovered within the span (1) or not (0), real against the share of
    archsim's replications that did; a cell agrees when the majority does."""
    rows = []
    for c in real["cells"]:
        s = sim["cells"][f"{c['rate']}/{c['keys']}"]
        r = 1.0 if c["verdict"] == "recovers" else 0.0
        rows.append({"figure": f"recovers @{c['rate']}/s drop {c['keys']}", "real": r, "sim": s["recovered"],
                     "sim_sd": 0.0, "diff": s["recovered"] - r, "relative": False, "tolerance": 0.5,
                     "ok": abs(s["recovered"] - r) < 0.5})
    for c in sim["rule_check"]:  # the real cells' rule is archsim's: checked on archsim's own series
        rows.append({"figure": f"rule as archsim's @{c['cell']}", "real": 1.0, "sim": float(c["same"]), "sim_sd": 0.0,
                     "diff": float(c["same"]) - 1, "relative": False, "tolerance": 0.0, "ok": c["same"]})
    return rows


def grid_text(real, sim):
    """Both grids side by side, as `archsim metastability` prints a map (ok Ns, slow ~Ns, FAILED)."""
    def cell(verdict_, rec):
        if verdict_ == "recovers":
            return f"ok {rec:.0f}s"
        if verdict_ == "recovers_slowly":
            return f"slow ~{rec:.0f}s"
        return {"stays_failed": "FAILED", "failed_before": "over"}.get(verdict_, verdict_)
    lines = ["load \\ drop   " + "".join(f"{str(k):>26}" for k in DROPS), " " * 14 + "".join(
        f"{'real | archsim':>26}" for _ in DROPS)]
    for rate in GRID_LOADS:
        row = f"{rate:<14}"
        for keys in DROPS:
            c = next(x for x in real["cells"] if x["rate"] == rate and x["keys"] == keys)
            s = sim["cells"][f"{rate}/{keys}"]
            row += f"{cell(c['verdict'], c['recovery_s']) + ' | ' + cell(s['verdict'], s['recovery_s']):>26}"
        lines.append(row)
    return "\n".join(lines)
