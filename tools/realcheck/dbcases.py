"""The data tier's cases of the real check: PostgreSQL, PgBouncer and MariaDB on loopback.

- pgbouncer-pool: PgBouncer in transaction mode, a pool of 4 server connections, each
  transaction `SELECT pg_sleep(0.05)` (80 transactions/s of capacity), 68/s offered: clients
  wait for a server connection (an M/D/4 queue). Its scenario: a client, a service with one
  call step through a `pool` of 4 (archsim's connection pool), a database whose query takes
  the time a server connection was really held.
- pgbouncer-timeout: the same at 100/s, past the pool's capacity, with query_wait_timeout 1 s:
  PgBouncer disconnects a client that waited 1 s; the model's pool `acquire_timeout`.
- postgres-max-connections: clients without a pool, each request its own connection
  (`SELECT pg_sleep(0.04)`), to a PostgreSQL of max_connections 8: a start past it is refused
  ("sorry, too many clients already", SQLSTATE 53300), an M/G/8/8 loss system (Erlang B,
  which depends on the hold time's mean only). The model's database `max_connections`.
- postgres-hot-row: `UPDATE hot SET n = n + 1 WHERE id = 1`, then `pg_sleep(0.01)`, then
  COMMIT, from 120 sessions at 70/s: the row's lock lets one transaction through at a time,
  an M/D/1 queue. The model's database `row_locks`.
- mariadb-deadlock: MariaDB's InnoDB, two transactions drawn equally, rows 1 then 2 or 2 then
  1, each UPDATE followed by SLEEP(0.01): opposite orders deadlock and InnoDB rolls a victim
  back at once (1213). The model's `transactions` with `deadlock_detect`.

What the scenario is given is measured, never fitted: each query returns the server's clocks
(statement_timestamp() when PostgreSQL received it, clock_timestamp() when the row lock was
granted and when the sleep ended, pg_backend_pid()), which give every transaction's time on
its server connection or under its lock, and the hand-off (the gap from one transaction's end
to the next one's start on the same connection, or under the same lock, when the next was
waiting: PgBouncer giving the connection to the next client, the COMMIT and the wake-up of
the next waiter). The scenario's query time is their sum (`hold_ms`). A request's wait is its
latency less its own statement time and the client's overhead measured at idle (pool), or the
time from its receipt to the lock's grant (hot row). PostgreSQL logs each session's length
(log_disconnections): their mean is the max_connections scenario's hold time.
"""
import asyncio
import json
import os
import re
import statistics
import subprocess

from dbservers import Cluster, MariaDB
import mywire
from pgwire import Connection
from procs import Procs, python
import replica
from stats import percentile

HERE = os.path.dirname(os.path.abspath(__file__))

POOL_SQL = ("SELECT pg_sleep({s}), pg_backend_pid(), extract(epoch from statement_timestamp()), "
            "extract(epoch from clock_timestamp())")
HOT_SQL = ("BEGIN; UPDATE hot SET n = n + 1 WHERE id = 1 RETURNING extract(epoch from statement_timestamp()), "
           "extract(epoch from clock_timestamp()); SELECT pg_sleep({s}), extract(epoch from clock_timestamp()); COMMIT")
CONNECT_SQL = "SELECT pg_sleep({s})"
# MariaDB: rows {a} then {b}, each UPDATE followed by a sleep; the server's clock around the
# second row's sleep gives a row's cost (SYSDATE is the time of the call, NOW the statement's).
DEADLOCK_SQL = ("BEGIN; UPDATE rc.t SET n = n + 1 WHERE id = {a}; DO SLEEP({s}); UPDATE rc.t SET n = n + 1 WHERE id = {b}; "
                "SELECT UNIX_TIMESTAMP(SYSDATE(6)); DO SLEEP({s}); SELECT UNIX_TIMESTAMP(SYSDATE(6)); COMMIT")
WAITED_MS = 0.5


def _case(name, setup, rate, sleep_ms, about, off, quick=True, **kw):
    return dict({"name": name, "kind": "db", "setup": setup, "rate": rate, "sleep_ms": sleep_ms, "quick": quick,
                 "about": about, "full_seconds": 120, "quick_seconds": 25,
                 "variants": [{"label": "archsim", "set": {}}, {"label": "mechanism off", "set": off}]}, **kw)


CASES = [
    _case("pgbouncer-pool", "pool", 68, 50, pool_size=4, query_wait_timeout_s=0, off={"pool": None},
          about="PgBouncer 1.18, pool_mode transaction, default_pool_size 4, in front of PostgreSQL 15; each transaction "
                "SELECT pg_sleep(0.05); 68/s offered to 80/s of capacity: clients wait for a server connection, FIFO. "
                "archsim: a pool of 4 (acquire_timeout far away, as query_wait_timeout 0). Mechanism off: no pool."),
    _case("pgbouncer-timeout", "pool", 100, 50, pool_size=4, query_wait_timeout_s=1, off={"acquire_timeout": "600s"},
          about="The same pool at 100/s, past its 80/s, with query_wait_timeout 1 s: a client that waited 1 s is "
                "disconnected (08P01). archsim: the pool's acquire_timeout 1s. Mechanism off: no timeout."),
    _case("postgres-max-connections", "connect", 130, 40, max_connections=8, off={"max_connections": 100000},
          about="PostgreSQL with max_connections 8 (superuser_reserved_connections 0), every request its own "
                "connection running SELECT pg_sleep(0.04): a start past 8 sessions is refused (53300), Erlang B. "
                "archsim: the database's max_connections 8. Mechanism off: no limit."),
    _case("postgres-hot-row", "hotrow", 70, 10, off={"row_locks": False},
          about="UPDATE hot SET n = n + 1 WHERE id = 1, then pg_sleep(0.01), then COMMIT, at 70/s from 120 sessions: "
                "the row lock passes one transaction at a time (M/D/1). archsim: row_locks. Mechanism off: none."),
    _case("mariadb-deadlock", "deadlock", 20, 10, off={"deadlock_detect": False},
          about="MariaDB 10.11 (InnoDB), two transactions drawn equally at 20/s from 40 sessions: rows 1 then 2, or 2 "
                "then 1, each UPDATE followed by SLEEP(0.01): opposite orders deadlock, and InnoDB's detection rolls a "
                "victim back at once (1213). archsim: transactions ascending and descending with deadlock_detect. "
                "Mechanism off: no detection (a deadlock lasts to innodb_lock_wait_timeout, 50 s)."),
    replica.CASE,  # postgres-replica-lag (replica.py)
]


async def _mysql(port, sql):
    conn = await mywire.Connection.open(port)
    try:
        return await conn.query(sql)
    finally:
        conn.close()


async def _idle_overhead(port, sql, n=30):
    """The client's own time per query at idle: its latency less the statement's time on the server."""
    conn = await Connection.open(port)
    out = []
    try:
        loop = asyncio.get_running_loop()
        for _ in range(n):
            t = loop.time()
            vals = [float(v) for v in (await conn.query(sql))[0] if v not in (None, "")]
            out.append(1000 * (loop.time() - t) - 1000 * (vals[2] - vals[1]))
    finally:
        conn.close()
    return statistics.median(out)


def _handoff(pairs):
    """Median gap (ms) between one holder's end and the next one's start, over back-to-back pairs."""
    gaps = [1000 * (nxt - end) for end, nxt in pairs if 0 <= nxt - end < 0.005]
    return (statistics.median(gaps) if gaps else 0.0), len(gaps)


def _session_times_ms(log):
    out = []
    with open(log, errors="replace") as f:
        for line in f:
            m = re.search(r"disconnection: session time: (\d+):(\d+):([\d.]+)", line)
            if m:
                out.append(1000 * (3600 * int(m.group(1)) + 60 * int(m.group(2)) + float(m.group(3))))
    return out


def measure(case, folder, prefix, seconds, warmup, seed):
    """One real run of a case; its figures and the measured inputs of its scenario."""
    if case["setup"] == "replica":
        return replica.measure(case, folder, prefix, seconds, warmup, seed)
    os.makedirs(folder, exist_ok=True)
    procs = Procs(folder, prefix)
    cluster = MariaDB(procs, folder) if case["setup"] == "deadlock" else Cluster(procs, folder)
    s = case["sleep_ms"] / 1000
    out = os.path.join(folder, "requests.json")
    proto = "pg"
    try:
        if case["setup"] == "deadlock":
            port, conns, overhead, proto = cluster.start(), 40, 0.0, "mysql"
            asyncio.run(_mysql(port, "CREATE DATABASE rc; CREATE TABLE rc.t (id INT PRIMARY KEY, n BIGINT NOT NULL) "
                                     "ENGINE=InnoDB; INSERT INTO rc.t VALUES (1, 0), (2, 0)"))
            sql = [DEADLOCK_SQL.format(a=1, b=2, s=s), DEADLOCK_SQL.format(a=2, b=1, s=s)]
        else:
            cluster.start_postgres(max_connections=case.get("max_connections", 300))
        if case["setup"] == "pool":
            port = cluster.start_pgbouncer(case["pool_size"], case["query_wait_timeout_s"])
            sql, conns = POOL_SQL.format(s=s), 250
            overhead = asyncio.run(_idle_overhead(port, sql))
        elif case["setup"] == "hotrow":
            port = cluster.port
            cluster.sql("CREATE TABLE hot (id int PRIMARY KEY, n bigint NOT NULL); INSERT INTO hot VALUES (1, 0)")
            sql, conns, overhead = HOT_SQL.format(s=s), 120, 0.0
        elif case["setup"] == "connect":
            port, sql, conns, overhead = cluster.port, CONNECT_SQL.format(s=s), 0, 0.0
        cmd = prefix + [python(), os.path.join(HERE, "dbload.py"), "--port", str(port), "--rate", str(case["rate"]),
                        "--seconds", str(warmup + seconds), "--seed", str(seed), "--conns", str(conns),
                        "--protocol", proto, "--out", out]
        for text in (sql if isinstance(sql, list) else [sql]):
            cmd += ["--sql", text]
        subprocess.run(cmd, check=True, timeout=warmup + seconds + 120, stdin=subprocess.DEVNULL)
    finally:
        procs.stop()
        cluster.close()
    with open(os.path.join(folder, "setup.json"), "w") as f:
        json.dump({"idle_overhead_ms": overhead}, f)
    return analyze(case, folder, warmup)


def analyze(case, folder, warmup):
    """A case's real figures from what its run left in `folder` (requests, logs)."""
    with open(os.path.join(folder, "setup.json")) as f:
        overhead = json.load(f)["idle_overhead_ms"]
    with open(os.path.join(folder, "requests.json")) as f:
        data = json.load(f)
    for r in data["requests"]:  # [due, lag, latency, ok, code, [sql index, values...]] -> values apart
        r.append(r[5][0])
        r[5] = r[5][1:]
    rows = [r for r in data["requests"] if r[0] >= warmup]
    real = {"requests": len(rows), "ok": sum(1 for r in rows if r[3]), "opened": data["opened"],
            "codes": {c: sum(1 for r in rows if r[4] == c) for c in sorted({r[4] for r in rows if not r[3]})},
            "sender_lag_ms": {"p99": percentile(sorted(r[1] for r in rows), 0.99)}}
    ok = [r for r in data["requests"] if r[3]]
    if case["setup"] == "pool":
        # values: pid, start, end
        by_pid = {}
        for r in ok:
            by_pid.setdefault(r[5][0], []).append((r[5][1], r[5][2]))
        pairs = []
        for seq in by_pid.values():
            seq.sort()
            pairs += [(a[1], b[0]) for a, b in zip(seq, seq[1:])]
        handoff, n = _handoff(pairs)
        stmt = statistics.mean(1000 * (r[5][2] - r[5][1]) for r in ok)
        waits = [r[2] - 1000 * (r[5][2] - r[5][1]) - overhead for r in rows if r[3]]
        real.update({"idle_overhead_ms": overhead, "statement_ms": stmt, "handoff_ms": handoff, "handoff_pairs": n,
                     "hold_ms": stmt + handoff,
                     "timeouts": real["codes"].get("08P01", 0)})
    elif case["setup"] == "hotrow":
        # values: received, lock granted, sleep ended
        seq = sorted((r[5][1], r[5][0], r[5][2]) for r in ok)
        pairs = [(a[2], b[0]) for a, b in zip(seq, seq[1:]) if b[1] < a[2]]  # the next was waiting
        handoff, n = _handoff(pairs)
        held = statistics.mean(1000 * (r[5][2] - r[5][1]) for r in ok)
        # From its receipt to the lock's grant a transaction that finds the row free still takes
        # its BEGIN and the UPDATE's parse, plan and index probe (0.3 to 0.45 ms here): the
        # median of those under 1 ms, left out of every wait as the pool's idle overhead is.
        raw = [1000 * (r[5][1] - r[5][0]) for r in rows if r[3]]
        free = [w for w in raw if w < 1.0]
        base = statistics.median(free) if free else 0.0
        waits = [w - base for w in raw]
        real.update({"held_ms": held, "handoff_ms": handoff, "handoff_pairs": n, "hold_ms": held + handoff,
                     "before_lock_ms": base})
    elif case["setup"] == "deadlock":
        # values: the clock before and after the second row's sleep
        real.update({"hold_ms": statistics.mean(1000 * (r[5][1] - r[5][0]) for r in ok),
                     "deadlocks": real["codes"].get("1213", 0), "lock_timeouts": real["codes"].get("1205", 0),
                     "victims_by_order": [sum(1 for r in rows if r[4] == "1213" and r[6] == i) for i in (0, 1)]})
        waits = []
    else:
        sessions = _session_times_ms(os.path.join(folder, "postgres.log"))
        real.update({"sessions": len(sessions), "hold_ms": statistics.mean(sessions) if sessions else float("nan"),
                     "refused": real["codes"].get("53300", 0)})
        waits = []
    waits.sort()
    real["wait_ms"] = {"mean": statistics.mean(waits) if waits else 0.0, "p50": percentile(waits, 0.5),
                       "p90": percentile(waits, 0.9), "p99": percentile(waits, 0.99)}
    # A wait under 0.5 ms is not told from the client's own variation; in M/D/1 at 0.7 about one
    # request in a hundred waits that little, which this share misses.
    real["waited_share"] = sum(1 for w in waits if w > WAITED_MS) / max(1, len(waits))
    real["figures"] = real_figures(case, real)
    return real


def real_figures(case, real):
    if case["setup"] == "deadlock":
        return {"deadlock share": real["deadlocks"] / max(1, real["requests"])}
    if case["setup"] == "connect":
        return {"refused share": real["refused"] / max(1, real["requests"])}
    out = {"wait mean": real["wait_ms"]["mean"], "wait p90": real["wait_ms"]["p90"], "wait p99": real["wait_ms"]["p99"]}
    if case["setup"] == "pool" and case["query_wait_timeout_s"]:
        out = {"wait mean": real["wait_ms"]["mean"], "wait p50": real["wait_ms"]["p50"],
               "timeout share": real["timeouts"] / max(1, real["requests"])}
    else:
        out["waited share"] = real["waited_share"]
    return out


def scenario(case, variant, seconds, warmup, real):
    """The archsim scenario of a case, from what its real run measured."""
    if case["setup"] == "replica":
        return replica.scenario(case, variant, seconds, warmup, real)
    hold = {"dist": "constant", "value": f"{real['hold_ms'] * 1000:.1f}us"}
    setup = case["setup"]
    db = {"id": "db", "type": "database", "cores": 512, "max_connections": case.get("max_connections", 100000),
          "queries": {"read": hold, "write": hold}}
    client = {"id": "users", "type": "client", "arrivals": {"process": "poisson", "rate": case["rate"]}, "timeout": "600s"}
    comps = [client]
    if setup == "pool":
        pool = {"size": case["pool_size"], "acquire_timeout": f"{case['query_wait_timeout_s'] or 600}s",
                "max_waiting": 100000}
        step = {"call": "db", "route": "read", "timeout": "600s", "pool": pool}
        if "pool" in variant["set"] and variant["set"]["pool"] is None:
            del step["pool"]
        elif variant["set"].get("acquire_timeout"):
            pool["acquire_timeout"] = variant["set"]["acquire_timeout"]
        client.update({"target": "bouncer", "routes": [{"name": "q"}]})
        comps += [{"id": "bouncer", "type": "service", "concurrency": 1000000, "routes": {"q": [step]}}, db]
    elif setup == "deadlock":
        client.update({"target": "db", "routes": [{"name": n, "weight": 1, "keys": {"count": 1}} for n in ("ab", "ba")]})
        db.update({"lock_wait_timeout": "50s", "deadlock_detect": True,
                   "transactions": {"ab": {"rows": 2, "order": "ascending", "row_cost": hold},
                                    "ba": {"rows": 2, "order": "descending", "row_cost": hold}}})
        db.update(variant["set"])
        comps.append(db)
    else:
        client.update({"target": "db", "routes": [{"name": "write" if setup == "hotrow" else "read", "keys": {"count": 1}}]})
        if setup == "hotrow":
            db["row_locks"] = True
        db.update({k: v for k, v in variant["set"].items()})
        comps.append(db)
    return {"name": f"realcheck-{case['name']}", "seed": 1, "duration": f"{warmup + seconds}s", "warmup": f"{warmup}s",
            "components": comps}


def sim_figures(case, summary, real, figure):
    """archsim's figures of a case (mean and one replication's sd), named as real_figures names them.
    `figure(summary, path)` reads one figure with its spread (stats.sim_figure)."""
    setup = case["setup"]
    if setup == "replica":
        return replica.sim_figures(case, summary, real, figure)
    out = {}
    total = figure(summary, "requests.total")["mean"] or 1
    if setup == "deadlock":
        f = figure(summary, "requests.by_cause.deadlock")
        return {"deadlock share": {"mean": (f["mean"] or 0) / total, "sd": f["sd"] / total}}
    if setup == "connect":
        f = figure(summary, "requests.by_cause.too_many_connections")
        return {"refused share": {"mean": (f["mean"] or 0) / total, "sd": f["sd"] / total}}
    if setup == "hotrow":
        for q in ("mean", "p90", "p99"):  # absent without row locks: no lock, no wait
            f = figure(summary, "components.db.row_lock_wait_ms." + q)
            out["wait " + q] = {"mean": f["mean"] or 0.0, "sd": f["sd"]}
        waits, taken = figure(summary, "components.db.row_lock_waits"), figure(summary, "components.db.row_lock_wait_ms.count")
        out["waited share"] = {"mean": (waits["mean"] or 0) / max(1, taken["mean"] or 0),
                               "sd": waits["sd"] / max(1, taken["mean"] or 0)}
        return out
    # pool: a request's latency is its wait for a connection plus the (constant) hold
    for q in ("mean", "p50", "p90", "p99"):
        f = figure(summary, "latency_ms." + q)
        out["wait " + q] = {"mean": (f["mean"] or 0) - real["hold_ms"], "sd": f["sd"]}
    waited = figure(summary, "components.bouncer.calls.db.pool_waited")
    out["waited share"] = {"mean": (waited["mean"] or 0) / total, "sd": waited["sd"] / total}
    t = figure(summary, "requests.by_cause.pool_timeout")
    out["timeout share"] = {"mean": (t["mean"] or 0) / total, "sd": t["sd"] / total}
    return out
