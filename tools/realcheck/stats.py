"""Figures of a real measurement and of archsim's replications, and how they are compared.

Real latencies are exact nearest-rank percentiles of every answered request due after the
warm-up. archsim's figures are the means over its replications; their spread is the
standard deviation of one replication (each replication is a run as long as the real one,
so that spread is what one real run is expected to scatter by), recovered from the 95%
interval archsim prints: sd = half width / t(0.975, n-1) x sqrt(n).

A figure passes when |archsim - real| is within its tolerance: the larger of a fixed part
(TOLERANCES, relative for latencies, absolute for shares and hit ratios: what the model may
miss by) and SPREAD_SIGMAS standard deviations of the difference a right model still shows.
That difference has two parts: the real run is one draw of a random figure (its standard
deviation is one replication's: with 30 s of measurement a p99 scatters by 10 to 15 %), and
the machine adds its own noise from one run to the next with the same seeds (ENV_SPREAD,
measured over ten repeats of the quick run on a busy 2-core machine).
"""
import math

# Fixed parts, set from the run-to-run spread of ten repeats of the quick run on a busy
# 2-core machine (docs/validation.md): relative for latencies and waits, absolute for the rest.
TOLERANCES = {"p50": 0.06, "p90": 0.08, "p99": 0.15, "mean": 0.06, "share": 0.02, "hit_ratio": 0.01,
              "wait_mean": 0.10, "wait_p90": 0.10, "wait_p99": 0.15, "db_share": 0.02,
              "lag_mean": 0.10, "lag_p50": 0.10, "lag_p90": 0.10, "stale_share": 0.02}
# Run-to-run standard deviation of the real figures with the same seeds (the largest over
# the quick cases of ten repeats; for the data tier's waits and shares, over three repeats,
# rounded up; for the replica's lag and stale share, the spread of three full runs):
# relative for latencies, waits and lags, absolute for the rest.
ENV_SPREAD = {"p50": 0.027, "p90": 0.035, "p99": 0.09, "mean": 0.03, "share": 0.003, "hit_ratio": 0.001,
              "wait_mean": 0.02, "wait_p90": 0.04, "wait_p99": 0.12, "db_share": 0.004,
              "lag_mean": 0.12, "lag_p50": 0.04, "lag_p90": 0.11, "stale_share": 0.013}
# The data tier's figures (tools/realcheck/dbcases.py): tolerance kind, relative or absolute.
DB_FIGURES = {"wait mean": ("wait_mean", True), "wait p50": ("wait_mean", True), "wait p90": ("wait_p90", True),
              "wait p99": ("wait_p99", True), "waited share": ("db_share", False),
              "timeout share": ("db_share", False), "refused share": ("db_share", False),
              "deadlock share": ("db_share", False), "lag mean": ("lag_mean", True), "lag p50": ("lag_p50", True),
              "lag p90": ("lag_p90", True), "stale share": ("stale_share", False)}
# The look-aside case's figures (tools/realcheck/lookaside.py), named "<figure> @<load>/s".
LOOKASIDE_FIGURES = {"hit ratio": ("hit_ratio", False), "mean": ("mean", True), "p90": ("p90", True),
                     "p99": ("p99", True)}
SPREAD_SIGMAS = 3.0

_T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


def t95(df):
    return _T95[df - 1] if 1 <= df <= len(_T95) else 1.96


def percentile(sorted_xs, q):
    if not sorted_xs:
        return float("nan")
    return sorted_xs[min(len(sorted_xs) - 1, max(0, math.ceil(q * len(sorted_xs)) - 1))]


def quantiles(xs, n):
    """n values at the (i + 0.5)/n quantiles of xs (ms), in microseconds: an empirical distribution."""
    s = sorted(xs)
    return [1000 * s[min(len(s) - 1, int((i + 0.5) / n * len(s)))] for i in range(n)]


def latency_stats(requests, warmup, backends):
    """requests: [due_s, lag_ms, latency_ms, backend, ok]; those due before `warmup` are left out."""
    rows = [r for r in requests if r[0] >= warmup]
    ok = sorted(r[2] for r in rows if r[4])
    names = [r[3] for r in rows if r[4]]
    lags = sorted(r[1] for r in rows)
    out = {"requests": len(rows), "ok": len(ok), "failed": len(rows) - len(ok),
           "latency_ms": {"p50": percentile(ok, 0.5), "p90": percentile(ok, 0.9), "p99": percentile(ok, 0.99),
                          "mean": sum(ok) / len(ok) if ok else float("nan")},
           "sender_lag_ms": {"p50": percentile(lags, 0.5), "p99": percentile(lags, 0.99)}}
    if backends:
        out["shares"] = {f"s{i + 1}": names.count(f"s{i + 1}") / max(1, len(names)) for i in range(backends)}
    return out


def _at(doc, path):
    cur = doc
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def sim_figure(summary, path):
    mean = _at(summary, path)
    n = summary.get("replications", 1)
    ci = summary.get("ci95", {}).get(path)
    sd = ci["half_width"] / t95(n - 1) * math.sqrt(n) if ci and n > 1 else 0.0
    return {"mean": mean, "sd": sd}


def sim_figures(summary, kind, backends):
    if kind == "balancer":
        out = {q: sim_figure(summary, "latency_ms." + q) for q in ("p50", "p90", "p99", "mean")}
        for i in range(backends):
            out[f"share.s{i + 1}"] = sim_figure(summary, f"components.lb.share.s{i + 1}")
        out["failed"] = sim_figure(summary, "requests.failed")
        return out
    return {"hit_ratio": sim_figure(summary, "components.cache.hit_ratio")}


def compare(kind, real, sim, backends):
    """One row per judged figure: real, archsim (mean and spread), difference, tolerance, ok."""
    rows = []

    def row(name, r, s, relative, kind):
        diff = (s["mean"] - r) / r if relative else s["mean"] - r
        spread = (s["sd"] / r if relative else s["sd"]) if r else 0.0
        tol = max(TOLERANCES[kind], SPREAD_SIGMAS * math.hypot(spread, ENV_SPREAD[kind]))
        rows.append({"figure": name, "real": r, "sim": s["mean"], "sim_sd": s["sd"], "diff": diff,
                     "relative": relative, "tolerance": tol, "ok": abs(diff) <= tol})

    if kind == "db":
        for name, value in real["figures"].items():
            tol_kind, relative = DB_FIGURES[name]
            row(name, value, sim[name], relative, tol_kind)
    elif kind == "lookaside":
        for name, value in real["figures"].items():
            tol_kind, relative = LOOKASIDE_FIGURES[name.split(" @")[0]]
            row(name, value, sim[name], relative, tol_kind)
    elif kind == "balancer":
        for q in ("p50", "p90", "p99", "mean"):
            row(q, real["latency_ms"][q], sim[q], True, q)
        for i in range(backends):
            name = f"s{i + 1}"
            row("share " + name, real["shares"][name], sim["share." + name], False, "share")
    else:
        row("hit ratio", real["hit_ratio"], sim["hit_ratio"], False, "hit_ratio")
    return rows
