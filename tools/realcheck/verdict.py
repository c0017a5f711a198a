"""The metastability verdict of `archsim metastability` (tools/cli/metastability_verdict.cpp,
docs/learn/metastability.md "The verdict"), applied to a real run's windows, so that a real
cell and a simulated one are judged by one rule.

Given per window (its end time t, all windows of one length): goodput in deadline (answers
within the client's deadline), offered load, and the effects measured on the real side (a
cache's hit ratio, the web tier's queue):
- the baseline B and offered load O are the means from the warm-up's end to the trigger;
  failed before when B < fraction x O;
- recovers at the first window from the trigger's end whose goodput, and the mean from it to
  the span's end, are both at least fraction x B, with a hold of max(5 windows, span / 10)
  after it;
- else, over the span's last half (at least 5 windows), a least-squares line through goodput,
  and through each effect that moved by half again or more in the direction that hurts: one
  moving back by more than 3 standard errors of its slope means it recovers slowly (the
  time projected where the line meets the bar or the effect's level before the trigger; the
  slowest decides); nothing moving back means it stays failed.
"""
import math

EPS = 1e-9


def _inside(t, w, lo, hi):
    return [i for i in range(len(t)) if t[i] - w >= lo - EPS and t[i] <= hi + EPS]


def _mean(v, idx):
    xs = [v[i] for i in idx if v[i] is not None and not math.isnan(v[i])]
    return sum(xs) / len(xs) if xs else float("nan")


def _fit(t, v, idx):
    """(a, b, se, n): v = a + b t through the windows idx, b's standard error se."""
    pts = [(t[i], v[i]) for i in idx if v[i] is not None and not math.isnan(v[i])]
    n = len(pts)
    if n < 3:
        return 0.0, 0.0, math.inf, n
    mt = sum(p[0] for p in pts) / n
    mv = sum(p[1] for p in pts) / n
    stt = sum((p[0] - mt) ** 2 for p in pts)
    if stt <= 0:
        return 0.0, 0.0, math.inf, n
    b = sum((p[0] - mt) * (p[1] - mv) for p in pts) / stt
    a = mv - b * mt
    rss = sum((p[1] - a - b * p[0]) ** 2 for p in pts)
    return a, b, math.sqrt(rss / (n - 2) / stt), n


def _t_stat(b, se):
    return b / se if se > 0 else (math.inf if b > 0 else -math.inf if b < 0 else 0.0)


def _harm(name, before, after):
    if name.startswith("hit_ratio"):
        return (1 - after + 0.01) / (1 - before + 0.01)
    return (after + 1) / (before + 1)


def judge(t, goodput, offered, effects, warmup_s, trigger_start_s, trigger_end_s, span_s, fraction=0.9):
    """{"verdict", "recovery_s", "moving", "baseline_goodput_rps", "baseline_offered_rps", "late_goodput_rps"}."""
    w = t[1] - t[0] if len(t) > 1 else t[0]
    base_idx = _inside(t, w, warmup_s, trigger_start_s)
    b, o = _mean(goodput, base_idx), _mean(offered, base_idx)
    t1, e = trigger_end_s, trigger_end_s + span_s
    horizon_from = max(t1, e - max(span_s / 2, 5 * w))
    late_idx = _inside(t, w, horizon_from, e)
    out = {"verdict": "stays_failed", "recovery_s": None, "moving": None, "baseline_goodput_rps": b,
           "baseline_offered_rps": o, "late_goodput_rps": _mean(goodput, late_idx)}
    if not b >= fraction * o:
        out["verdict"] = "failed_before"
        return out
    bar = fraction * b
    hold = max(5 * w, span_s / 10)
    span = _inside(t, w, t1, e)
    for k, i in enumerate(span):
        start = t[i] - w
        if start > e - hold + EPS:
            break
        rest = [goodput[j] for j in span[k:]]
        if goodput[i] >= bar and sum(rest) / len(rest) >= bar:
            out.update(verdict="recovers", recovery_s=max(0.0, start - t1))
            return out
    a, slope, se, n = _fit(t, goodput, late_idx)
    if n >= 3 and _t_stat(slope, se) > 3:
        out.update(verdict="recovers_slowly", moving="goodput",
                   recovery_s=(e - t1) + max(0.0, (bar - (a + slope * e)) / slope))
        return out
    for name, v in effects.items():
        before, after = _mean(v, base_idx), _mean(v, late_idx)
        if math.isnan(before) or math.isnan(after) or _harm(name, before, after) < 1.5:
            continue
        a, slope, se, n = _fit(t, v, late_idx)
        sign = 1 if name.startswith("hit_ratio") else -1
        if n < 3 or sign * _t_stat(slope, se) <= 3:
            continue
        when = (e - t1) + max(0.0, (before - (a + slope * e)) / slope)
        if out["moving"] is None or when > out["recovery_s"]:
            out.update(verdict="recovers_slowly", moving=name, recovery_s=when)
    return out
