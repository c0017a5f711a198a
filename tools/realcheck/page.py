"""The real check's page: one static HTML file, a table per case (no script, opens from disk)."""
import html

STYLE = """body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:68em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.bad{background:#fdd}.ok{background:#efe}
.note{color:#555;max-width:60em}code{background:#f4f4f4;padding:0 .2em}"""


def _fmt(x, relative):
    if x is None:
        return "-"
    return f"{x:.2f}" if relative else f"{x:.4f}"


def _diff(d, relative):
    return f"{100 * d:+.1f} %" if relative else f"{d:+.4f}"


def _case(c):
    out = [f"<h2 id='{html.escape(c['name'])}'>{html.escape(c['name'])} "
           f"<small>({c.get('measured_seconds', '?')} s measured)</small></h2>",
           f"<p class='note'>{html.escape(c.get('about', ''))}</p>"]
    others = [label for label in c["sim"] if label != "archsim"]
    head = ["figure", "real", "archsim (mean ± sd of one replication)", "difference", "tolerance", ""]
    for label in others:
        head += [html.escape(label), "difference"]
    out.append("<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>")
    for row in c["checks"]:
        rel = row["relative"]
        key = row["figure"].replace("share ", "share.").replace("hit ratio", "hit_ratio")
        cells = [html.escape(row["figure"] + (" (ms)" if rel else "")), _fmt(row["real"], rel),
                 f"{_fmt(row['sim'], rel)} ± {_fmt(row['sim_sd'], rel)}", _diff(row["diff"], rel),
                 ("±" + _diff(row["tolerance"], rel)[1:]), "ok" if row["ok"] else "OUT"]
        for label in others:
            s = c["sim"][label].get(row["figure"], c["sim"][label].get(key))
            if s and s["mean"] is not None and row["real"]:
                d = (s["mean"] - row["real"]) / row["real"] if rel else s["mean"] - row["real"]
                cells += [f"{_fmt(s['mean'], rel)} ± {_fmt(s['sd'], rel)}", _diff(d, rel)]
            else:
                cells += ["-", "-"]
        cls = "ok" if row["ok"] else "bad"
        out.append(f"<tr class='{cls}'>" + "".join(f"<td>{x}</td>" for x in cells) + "</tr>")
    out.append("</table>")
    real = c["real"]
    notes = []
    if c["kind"] == "balancer":
        notes.append(f"{real['ok']} of {real['requests']} requests answered after the warm-up; load generator lag "
                     f"p99 {real['sender_lag_ms']['p99']:.2f} ms; backends slept longer than asked by "
                     f"{', '.join(f'{x:.2f}' for x in real['service_overshoot_ms'])} ms on average.")
        if real.get("nginx_workers") and len(real["nginx_workers"]["connections_per_worker"]) > 1:
            w = real["nginx_workers"]
            notes.append(f"NGINX workers: connections per worker {w['connections_per_worker']}, mean run of "
                         f"connections accepted in a row by one worker {w['mean_run_length']:.2f}.")
    elif c["kind"] == "db":
        measured = {"pool": f"a server connection held {real.get('hold_ms', 0):.2f} ms per transaction (statement "
                            f"{real.get('statement_ms', 0):.2f} ms, hand-off {real.get('handoff_ms', 0):.2f} ms over "
                            f"{real.get('handoff_pairs', 0)} back-to-back pairs); client overhead at idle "
                            f"{real.get('idle_overhead_ms', 0):.2f} ms",
                    "hotrow": f"the row lock held {real.get('hold_ms', 0):.2f} ms per transaction (sleep and statement "
                              f"{real.get('held_ms', 0):.2f} ms, commit and hand-off {real.get('handoff_ms', 0):.2f} ms "
                              f"over {real.get('handoff_pairs', 0)} back-to-back pairs)",
                    "connect": f"{real.get('sessions', 0)} sessions of {real.get('hold_ms', 0):.2f} ms on average "
                               f"(PostgreSQL's log_disconnections)",
                    "deadlock": f"a row's statement and sleep took {real.get('hold_ms', 0):.2f} ms; deadlock victims "
                                f"by order (1 then 2, 2 then 1): {real.get('victims_by_order')}"}.get(c["setup"])
        if c["setup"] == "replica":
            measured = (f"a write took {real['write_ms']:.3f} ms on the primary; the client read {real['gap_ms']['mean']:.2f} ms "
                        f"after a write's end (mean; p50 {real['gap_ms']['p50']:.2f}) and {real['reads_per_write']:.2f} "
                        f"times until it saw it; the monitor sampled every {real['monitor_poll_ms']['p50']:.2f} ms (p50); "
                        f"real lag p99 {real['lag_ms']['p99']:.2f} ms: the write time, lags and gaps given to archsim")
            real = dict(real, codes=None)
        notes.append(f"{real['ok']} of {real['requests']} requests answered after the warm-up (failures by SQLSTATE: "
                     f"{real['codes'] or 'none'}); {measured}, given to archsim as the query's time; load generator lag "
                     f"p99 {real['sender_lag_ms']['p99']:.2f} ms.")
    elif c["kind"] == "lookaside":
        co = real["costs"]
        notes.append(f"Measured and given to archsim: a miss held a worker {co['miss_ms']['mean']:.2f} ms in MariaDB "
                     f"(p50 {co['miss_ms']['p50']:.2f}, p99 {co['miss_ms']['p99']:.2f}, {co['miss_ms']['count']} misses); "
                     f"a memcached get or set {co['cache_op_ms']['mean']:.3f} ms; the worker's own time "
                     f"{co['worker_own_ms']:.3f} ms per request.")
        if c.get("grid"):
            out.append(f"<pre>{html.escape(c['grid'])}</pre>")
    else:
        notes.append(f"{real['bytes_per_key']:.1f} bytes of Redis memory per key; maxmemory {real['maxmemory']} bytes "
                     f"held {real['keys_held_mean']:.1f} keys on average ({real['keys_held_min']}..{real['keys_held_max']}), "
                     f"the capacity given to archsim ({real['capacity_used_keys']}); {real['requests']} requests at "
                     f"{real['achieved_rate']:.0f}/s (client lag at most {real['lag_max_ms']:.1f} ms).")
    if c.get("attempts", 1) > 1:
        notes.append(f"Measured {c['attempts']} times: the first measurement was out of tolerance.")
    out += [f"<p class='note'>{html.escape(n)}</p>" for n in notes]
    return "\n".join(out)


def write(path, report):
    status = "passed" if report["passed"] else "FAILED"
    head = [f"<h1>archsim beside the real systems ({html.escape(report['mode'])} run: {status})</h1>",
            f"<p class='note'>Made by <code>{html.escape(report['command'])}</code> in {report['wall_seconds']:.0f} s; "
            f"real processes at priority {html.escape(report['priority'])}; load average "
            f"{report['load_average_start'][0]:.1f} at the start, {report['load_average_end'][0]:.1f} at the end. "
            f"Each archsim figure is the mean of {report['settings']['replications']} replications as long as the "
            f"real run (measured after {report['settings']['warmup']} s of warm-up); ± is one replication's standard "
            f"deviation. A figure passes within the larger of its fixed "
            f"tolerance and three standard deviations of one replication and of the run-to-run noise combined "
            f"(docs/validation.md).</p>"]
    for proxy, o in report.get("overhead_ms", {}).items():
        head.append(f"<p class='note'>{html.escape(proxy)} overhead (backends answering at once), given to archsim as "
                    f"the balancer's latency: p50 {o['p50']:.2f} ms, p99 {o['p99']:.2f} ms, mean {o['mean']:.2f} ms.</p>")
    body = "\n".join(head + [_case(c) for c in report["cases"]])
    with open(path, "w") as f:
        f.write(f"<!doctype html><html><head><meta charset='utf-8'><title>archsim real check</title>"
                f"<style>{STYLE}</style></head><body>\n{body}\n</body></html>\n")


def markdown(report):
    """The same tables in Markdown (realcheck.md), for docs/validation.md."""
    lines = []
    for c in report["cases"]:
        others = [label for label in c["sim"] if label != "archsim"]
        head = ["figure", "real", "archsim", "diff", "tol"] + [x for label in others for x in (label, "diff")]
        lines += [f"**{c['name']}** ({c.get('measured_seconds', report['settings']['seconds'])} s measured)", "",
                  "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for row in c["checks"]:
            rel = row["relative"]
            key = row["figure"].replace("share ", "share.").replace("hit ratio", "hit_ratio")
            cells = [row["figure"] + (" ms" if rel else ""), _fmt(row["real"], rel),
                     f"{_fmt(row['sim'], rel)} ± {_fmt(row['sim_sd'], rel)}", _diff(row["diff"], rel),
                     _diff(row["tolerance"], rel).lstrip("+") + ("" if row["ok"] else " OUT")]
            for label in others:
                s = c["sim"][label].get(row["figure"], c["sim"][label].get(key))
                d = (s["mean"] - row["real"]) / row["real"] if rel else s["mean"] - row["real"]
                cells += [f"{_fmt(s['mean'], rel)} ± {_fmt(s['sd'], rel)}", _diff(d, rel)]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
        if c.get("grid"):  # the look-aside boundary: both maps side by side
            lines += ["```text", c["grid"], "```", ""]
    return "\n".join(lines)


def summary_markdown(report):
    """One table for the whole run: latencies per case, the largest share difference, hit
    ratios; archsim as judged and, where the case has one, with its mechanism off."""
    lines = ["| case | figure | real | archsim | diff | tolerance | mechanism off | diff |", "|---|---|---|---|---|---|---|---|"]
    for c in report["cases"]:
        off = c["sim"].get("mechanism off")
        name = c["name"]
        shares = [r for r in c["checks"] if r["figure"].startswith("share ")]
        for row in c["checks"]:
            if row["figure"].startswith("share "):
                continue
            rel = row["relative"]
            key = row["figure"].replace("hit ratio", "hit_ratio")
            cells = [name, row["figure"] + (" ms" if rel else ""), _fmt(row["real"], rel),
                     f"{_fmt(row['sim'], rel)} ± {_fmt(row['sim_sd'], rel)}", _diff(row["diff"], rel),
                     _diff(row["tolerance"], rel).lstrip("+") + ("" if row["ok"] else " OUT")]
            if off:
                s = off.get(row["figure"], off.get(key))
                d = (s["mean"] - row["real"]) / row["real"] if rel else s["mean"] - row["real"]
                cells += [f"{_fmt(s['mean'], rel)} ± {_fmt(s['sd'], rel)}", _diff(d, rel)]
            else:
                cells += ["", ""]
            lines.append("| " + " | ".join(cells) + " |")
            name = ""
        if shares:
            worst = max(shares, key=lambda r: abs(r["diff"]))
            cells = ["", "shares (largest diff)", f"{worst['figure'][6:]} {worst['real']:.3f}", f"{worst['sim']:.3f}",
                     _diff(worst["diff"], False), _diff(worst["tolerance"], False).lstrip("+") + ("" if worst["ok"] else " OUT")]
            if off:
                d = max((off["share." + r["figure"][6:]]["mean"] - r["real"] for r in shares), key=abs)
                cells += ["", f"{d:+.4f}"]
            else:
                cells += ["", ""]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
