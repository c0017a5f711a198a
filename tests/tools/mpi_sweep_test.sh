#!/usr/bin/env bash
# The MPI executor end to end (tools/cli/mpi_executor.h), under a real mpirun:
#  1. a small compare on 3 ranks (oversubscribed on a small machine) writes files
#     byte-identical outside "run" to the thread executor's;
#  2. ranks that read different scenario files stop with one error from rank 0, exit 2;
#  3. a rank killed at its job ends the MPI job; the jobs finished before are kept and the
#     same command with --resume runs only the missing ones, to the same files;
#  4. plan writes the same plan.json on 3 ranks as on 2 threads;
#  5. commands other than compare and plan refuse to run on several ranks (exit 2).
#   bash tests/tools/mpi_sweep_test.sh ARCHSIM_BIN SOURCE_DIR MPIEXEC
set -euo pipefail
bin=$1 src=$2 mpiexec=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mpi=("$mpiexec" -n 3 --oversubscribe)
[ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root)
args=(compare "$src/scenarios/basics/mm1.json" --set duration=2m --vary users.arrivals.rate=40,60,80
      --replications 2 --quiet --no-report)

# Every merged file of two compare folders, "run" blocks aside, must be equal.
same() {
  python3 - "$1" "$2" <<'EOF'
import json, sys, pathlib
a, b = map(pathlib.Path, sys.argv[1:])
def strip(p):
    j = json.loads(p.read_text())
    j.pop("run", None)
    for v in j.get("variants", []):
        v["summary"].pop("run", None)
    return json.dumps(j)
files = ["compare.json"] + [f"variant-{i}/{f}" for i in (1, 2, 3)
                            for f in ("summary.json", "timeseries.csv", "latency_cdf.csv")]
for f in files:
    x, y = a / f, b / f
    same = strip(x) == strip(y) if f.endswith(".json") else x.read_bytes() == y.read_bytes()
    if not same or len(x.read_bytes()) < 40:
        sys.exit(f"FAIL: {f} differs between {a} and {b}")
print(f"ok: {len(files)} files identical outside \"run\"")
EOF
}

echo "== 1. 3 ranks vs 2 threads"
"$bin" "${args[@]}" --threads 2 --out "$work/threads"
"${mpi[@]}" "$bin" "${args[@]}" --out "$work/mpi" 2>"$work/mpi.err"
same "$work/threads" "$work/mpi"
[ "$(ls "$work/mpi/jobs" | wc -l)" -eq 6 ] || { echo "FAIL: expected 6 kept jobs"; exit 1; }

echo "== 2. ranks reading different scenario files"
python3 - "$src/scenarios/basics/mm1.json" "$work" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
json.dump(doc, open(sys.argv[2] + "/a.json", "w"))
doc["components"][0]["arrivals"]["rate"] = 81
json.dump(doc, open(sys.argv[2] + "/b.json", "w"))
EOF
set +e
"${mpi[@]}" sh -c 'f=a; [ "$OMPI_COMM_WORLD_RANK" = 2 ] && f=b; exec "$0" compare "$1/$f.json" --vary web.replicas=1,2 --quiet --no-report --out "$1/mismatch"' "$bin" "$work" >"$work/mismatch.out" 2>"$work/mismatch.err"
code=$?
set -e
grep -q "MPI rank 2 reads a different scenario" "$work/mismatch.err" || { echo "FAIL: no mismatch error"; cat "$work/mismatch.err"; exit 1; }
[ "$code" -eq 2 ] || { echo "FAIL: mismatch exit $code, expected 2"; exit 1; }
[ "$(grep -c "reads a different scenario" "$work/mismatch.err")" -eq 1 ] || { echo "FAIL: more than one error line"; exit 1; }
echo "ok: exit 2, one line"

echo "== 3. a rank dies at job 3; --resume finishes the sweep"
set +e
"${mpi[@]}" -x ARCHSIM_FAULT_KILL_JOB=3 "$bin" "${args[@]}" --out "$work/resume" >/dev/null 2>"$work/kill.err"
code=$?
set -e
[ "$code" -ne 0 ] || { echo "FAIL: the killed sweep exited 0"; exit 1; }
grep -q "the MPI job was stopped" "$work/kill.err" || { echo "FAIL: rank 0 did not report the stop"; cat "$work/kill.err"; exit 1; }
[ ! -e "$work/resume/compare.json" ] || { echo "FAIL: a killed sweep wrote compare.json"; exit 1; }
kept=$(ls "$work/resume/jobs" 2>/dev/null | grep -c '\.job$' || true)
echo "killed sweep: exit $code, $kept of 6 jobs kept"
[ "$kept" -lt 6 ] || { echo "FAIL: every job finished although one rank died"; exit 1; }
"${mpi[@]}" "$bin" "${args[@]}" --out "$work/resume" --resume 2>"$work/resume.err"
grep -q "$kept of 6 jobs reused" "$work/resume.err" || { echo "FAIL: --resume did not reuse the $kept jobs"; cat "$work/resume.err"; exit 1; }
same "$work/threads" "$work/resume"
echo "== 4. plan: 3 ranks vs 2 threads, plan.json byte-identical"
plan=(plan "$src/scenarios/basics/mmc.json" --set duration=2m --slo p99=60ms --search web.concurrency=1..16 --quiet)
"$bin" "${plan[@]}" --threads 2 --out "$work/plan-threads" >/dev/null
"${mpi[@]}" "$bin" "${plan[@]}" --out "$work/plan-mpi" >/dev/null
cmp "$work/plan-threads/plan.json" "$work/plan-mpi/plan.json" || { echo "FAIL: plan.json differs"; exit 1; }
echo "ok: plan.json identical"

echo "== 5. other commands refuse MPI ranks"
set +e
"${mpi[@]}" "$bin" run "$src/scenarios/basics/mm1.json" --quiet --out "$work/run" >/dev/null 2>"$work/run.err"
code=$?
set -e
[ "$code" -eq 2 ] && grep -q "only compare and plan run over MPI ranks" "$work/run.err" || { echo "FAIL: run under mpirun: exit $code"; exit 1; }
echo "PASS"
