#!/usr/bin/env python3
"""Rewrites the golden fingerprints of tests/golden/fingerprints.json from a build of archsim.

Run only in a commit that means to change behaviour, and say why in its message:
    python3 tests/golden/update_fingerprints.py build/release/archsim
Each entry runs `archsim run <scenario> --set duration=<duration> [--set <each of "set">]
--json --quiet --no-report` and keeps summary.json's run.fingerprint. Every shipped scenario must have an entry (the
e2e test checks it); a new scenario is added here with a duration short enough to run in
about a second.
"""
import json, pathlib, subprocess, sys

root = pathlib.Path(__file__).resolve().parents[2]
golden = root / "tests/golden/fingerprints.json"
binary = sys.argv[1] if len(sys.argv) > 1 else str(root / "build/release/archsim")
entries = json.loads(golden.read_text())
only = set(sys.argv[2:])
for scenario, e in entries.items():
    if only and scenario not in only:
        continue
    cmd = [binary, "run", str(root / scenario), "--set", "duration=" + e["duration"]]
    for s in e.get("set", []):
        cmd += ["--set", s]
    out = subprocess.run(cmd + ["--json", "--quiet", "--no-report"], check=True, capture_output=True, text=True).stdout
    fp = json.loads(out)["run"]["fingerprint"]
    if fp != e.get("fingerprint"):
        print(f"{scenario}: {e.get('fingerprint')} -> {fp}")
    e["fingerprint"] = fp
golden.write_text(json.dumps(entries, indent=2) + "\n")
