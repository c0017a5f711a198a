"""The read-replica case of the real check: a PostgreSQL primary and its streaming replica.

postgres-replica-lag: a primary and a hot standby made from it with pg_basebackup, streaming
on loopback (asynchronous; the primary's synchronous_commit on, so that each commit's WAL is
flushed, and sent, at once: with it off the walwriter flushes every wal_writer_delay, 200 ms,
and the lag is that). Writes of ours at Poisson times on the primary, each read back on the
replica at once by the client that wrote it (replload.py): its first read is stale when the
replica has not applied the write yet. Meanwhile two connections read the replica's last
replayed commit time back to back, interleaved (pg_last_xact_replay_timestamp, about every
0.1 ms): a write is applied between the first sample that shows its commit and the one
before, and its lag is the midpoint less the write's end on the primary (one host, one clock).

The scenario is given what the run measured, per transaction, never fitted: the write's
statement time on the primary (the `write` query's cost, which the replica's apply also
takes), the lags of the writes that found the stream empty (their predecessor applied
before they committed) less that apply as `replication_lag` (an empirical distribution:
archsim's ordered stream delays a write behind a late predecessor itself, so a lag taken
whole would count that wait twice), and the client's gap from the write's end to its read's
arrival on the replica (a `work` step between the two calls). It then predicts the
stale-read share: a read is stale when it lands before the write's apply, as archsim's
replicas count it. The lag figures check the model's ordered stream and applier against the
lags of every write.
Mechanism off: `replication: sync` (PostgreSQL's synchronous_commit remote_apply): the write
is acknowledged once the replica applied it, and no read is stale.
"""
import bisect
import json
import os
import statistics
import subprocess

from dbservers import Cluster
from procs import Procs, python
from stats import percentile, quantiles

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = 1000
MONITORS = 2
CASE = {"name": "postgres-replica-lag", "kind": "db", "setup": "replica", "rate": 100, "quick": False,
        "full_seconds": 60, "quick_seconds": 25,
        "about": "PostgreSQL 15, a primary and a streaming replica (pg_basebackup -R, asynchronous, hot standby) on "
                 "loopback. 100 writes/s (UPDATE of one of 1000 rows), each read back on the replica at once by the "
                 "client that wrote it: stale when the replica has not applied it. The replica's last replayed commit "
                 "time, sampled back to back, gives each write's lag. archsim: read_from replicas, the measured write "
                 "time, lags and client gap. Mechanism off: replication sync (remote_apply): no stale read.",
        "variants": [{"label": "archsim", "set": {}}, {"label": "mechanism off", "set": {"replication": "sync"}}]}


def measure(case, folder, prefix, seconds, warmup, seed):
    os.makedirs(folder, exist_ok=True)
    procs = Procs(folder, prefix)
    cluster = Cluster(procs, folder)
    out = os.path.join(folder, "requests.json")
    try:
        cluster.start_postgres(extra={"synchronous_commit": "on"})
        cluster.sql("CREATE TABLE kv (id int PRIMARY KEY, v bigint NOT NULL); "
                    f"INSERT INTO kv SELECT g, 0 FROM generate_series(0, {KEYS - 1}) g")
        replica = cluster.start_replica()
        cmd = prefix + [python(), os.path.join(HERE, "replload.py"), "--primary", str(cluster.port),
                        "--replica", str(replica), "--rate", str(case["rate"]), "--seconds", str(warmup + seconds),
                        "--seed", str(seed), "--keys", str(KEYS), "--monitor", str(MONITORS), "--out", out]
        subprocess.run(cmd, check=True, timeout=warmup + seconds + 120, stdin=subprocess.DEVNULL)
    finally:
        procs.stop()
        cluster.close()
    return analyze(case, folder, warmup)


def analyze(case, folder, warmup):
    with open(os.path.join(folder, "requests.json")) as f:
        data = json.load(f)
    samples = data["replayed"]  # in the replica's clock order; the pollers' answers may cross
    replayed, top = [], 0.0
    for s in samples:
        top = max(top, s[0])
        replayed.append(top)
    rows = [r for r in data["requests"] if r[0] >= warmup]
    ok = [r for r in rows if r[2]]
    applied = {}  # write end -> when the replica applied it (the midpoint of its sampling interval)
    for r in data["requests"]:
        if r[2]:
            i = bisect.bisect_left(replayed, r[3])  # the first sample that shows the write applied
            if 0 < i < len(samples):
                applied[r[3]] = (samples[i][1] + samples[i - 1][1]) / 2
    write_ms = statistics.mean(1000 * r[8] for r in ok)
    # A write applied after its predecessor's apply began waits in the ordered stream; one
    # whose predecessor was applied before it committed shows the delay alone: those are the
    # model's replication_lag (its stream then orders them as the real one did).
    alone, prev = [], None
    for end in sorted(applied):
        if prev is not None and applied[prev] < end:
            alone.append(max(0.0, 1000 * (applied[end] - end) - write_ms))
        prev = end
    lags = sorted(1000 * (applied[r[3]] - r[3]) for r in ok if r[3] in applied)
    if not lags or not alone:
        raise RuntimeError(f"the replica's monitor saw no write applied (see {folder})")
    gaps = [1000 * (r[4] - r[3]) for r in ok]
    polls = sorted(1000 * (b[1] - a[1]) for a, b in zip(samples, samples[1:]))
    real = {"requests": len(rows), "ok": len(ok), "lagged_writes": len(lags), "writes_alone": len(alone),
            "write_ms": write_ms, "monitor_poll_ms": {"p50": percentile(polls, 0.5), "p99": percentile(polls, 0.99)},
            "lag_ms": {"mean": statistics.mean(lags), "p50": percentile(lags, 0.5), "p90": percentile(lags, 0.9),
                       "p99": percentile(lags, 0.99)},
            "gap_ms": {"mean": statistics.mean(gaps), "p50": percentile(sorted(gaps), 0.5)},
            "stale_share": sum(1 for r in ok if r[5]) / max(1, len(ok)),
            "reads_per_write": statistics.mean(r[7] for r in ok),
            "sender_lag_ms": {"p99": percentile(sorted(r[1] for r in rows), 0.99)},
            # the scenario's inputs: 1000 quantiles each (a stall of the machine is rarer than 1 in 200), in microseconds
            "lag_values_us": quantiles(alone, 1000),
            "gap_values_us": quantiles(gaps, 1000)}
    real["figures"] = {"lag mean": real["lag_ms"]["mean"], "lag p50": real["lag_ms"]["p50"],
                       "lag p90": real["lag_ms"]["p90"], "stale share": real["stale_share"]}
    return real


def _empirical(values_us):
    return {"dist": "empirical", "values": [f"{v:.1f}us" for v in values_us]}


def scenario(case, variant, seconds, warmup, real):
    write = {"dist": "constant", "value": f"{real['write_ms'] * 1000:.1f}us"}
    db = {"id": "db", "type": "database", "cores": 512, "max_connections": 100000, "replicas": 1,
          "replication": "async", "read_from": "replicas", "rows": KEYS,
          "replication_lag": _empirical(real["lag_values_us"]),
          # the stale check is at the read's end: the read itself costs next to nothing, its
          # arrival on the replica is the gap's end
          "queries": {"read": {"dist": "constant", "value": "1us"}, "write": write}}
    db.update(variant["set"])
    steps = [{"call": "db", "route": "write", "timeout": "600s"}, {"work": _empirical(real["gap_values_us"])},
             {"call": "db", "route": "read", "timeout": "600s"}]
    return {"name": f"realcheck-{case['name']}", "seed": 1, "duration": f"{warmup + seconds}s", "warmup": f"{warmup}s",
            "components": [{"id": "users", "type": "client", "target": "app", "timeout": "600s",
                            "arrivals": {"process": "poisson", "rate": case["rate"]},
                            "routes": [{"name": "rw", "keys": {"count": KEYS}}]},
                           {"id": "app", "type": "service", "concurrency": 1000000, "routes": {"rw": steps}}, db]}


def sim_figures(case, summary, real, figure):
    out = {}
    for q in ("mean", "p50", "p90"):
        f = figure(summary, "components.db.replication_lag_ms." + q)
        out["lag " + q] = {"mean": f["mean"] or 0.0, "sd": f["sd"]}
    stale, total = figure(summary, "components.db.stale_reads"), figure(summary, "requests.total")["mean"] or 1
    out["stale share"] = {"mean": (stale["mean"] or 0) / total, "sd": stale["sd"] / total}
    return out
