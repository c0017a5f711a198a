#!/usr/bin/env bash
# The MPI executor end to end (tools/cli/mpi_executor.h), under a real mpirun:
#  1. a small compare on 3 ranks (oversubscribed on a small machine) writes files
#     byte-identical outside "run" to the thread executor's;
#  2. ranks that read different scenario files stop with one error from rank 0, exit 2;
#  3. under mpirun --enable-recovery, a worker rank stopped from outside mid-sweep (SIGTERM)
#     loses only its job: rank 0 runs it again elsewhere, names the rank and the job, and the
#     files are byte-identical to the threads' (exit 0) — the stopped rank's cut-short job is
#     never taken for its result;
#  4. under a plain mpirun a rank killed (SIGKILL) ends the MPI job; the jobs finished before are kept
#     and the same command with --resume runs only the missing ones, to the same files;
#  5. a scenario no rank can read, or a bad plan --search: rank 0's error alone, exit 2;
#  6. plan writes the same plan.json on 3 ranks as on 2 threads;
#  7. run --replications writes the same files on 3 ranks as on 2 threads;
#  8. commands other than run, compare and plan refuse to run on several ranks (exit 2);
#  9. a mistake on the command line is said once, not once per rank (exit 2);
# 10. under mpirun --enable-recovery, a worker that dies before it has answered rank 0 at the
#     start (here: blocked reading its scenario from a FIFO, then killed) is left out after
#     20 s and the sweep runs on the other ranks to the same files (exit 0);
# 11. a rank running another archsim build (so that --resume's build check on rank 0 holds
#     for every rank): one line from rank 0, exit 2;
# 12. Ctrl-C on mpirun mid-sweep (Open MPI stops every rank with SIGTERM): non-zero exit, the
#     jobs finished before are kept, no compare.json, and rank 0 says how to resume; --resume
#     then runs only the missing ones, to the same files.
#   bash tests/tools/mpi_sweep_test.sh ARCHSIM_BIN SOURCE_DIR MPIEXEC
set -euo pipefail
bin=$1 src=$2 mpiexec=$3
# An mpirun that never ends (seen once in CI, in a run of this test that did not print where,
# and never in many runs here) fails the attempt with 124; the test then runs once more, and
# fails if the second attempt fails for any reason. Any other failure is final at once.
if [ -z "${ARCHSIM_MPI_ATTEMPT:-}" ]; then
  rc=0
  ARCHSIM_MPI_ATTEMPT=1 bash "$0" "$@" || rc=$?
  [ "$rc" -eq 124 ] || exit "$rc"
  echo "note: an mpirun hung in the first attempt (its section is named above); running the test once more"
  ARCHSIM_MPI_ATTEMPT=2 exec bash "$0" "$@"
fi
# The launcher alone first: where mpirun cannot start two plain processes within 60 s (a
# sandbox whose network Open MPI cannot use), nothing here can test archsim's executor, and
# the test is skipped (77) rather than failed; archsim's own hangs are caught below.
if [ "${ARCHSIM_MPI_ATTEMPT}" = 1 ]; then
  launch=0
  root=()
  [ "$(id -u)" -eq 0 ] && root=(--allow-run-as-root)
  timeout --foreground -k 5 60 "$mpiexec" -n 2 --oversubscribe "${root[@]}" true || launch=$?
  if [ "$launch" -eq 124 ] || [ "$launch" -eq 137 ]; then
    echo "skipped: mpirun could not start 2 processes running 'true' within 60 s here; the MPI executor is not tested"
    exit 77
  fi
fi
work=$(mktemp -d)
# Every mpirun is bounded: a launch that hangs fails its section (exit 124 from timeout,
# named below) instead of holding the suite until CI's own limit. --foreground: signals sent
# to timeout (section 12's Ctrl-C) reach mpirun alone, which hands them to the ranks. The
# longest takes about 10 s alone; 180 s leaves room for a busy machine.
mpi=(timeout --foreground -k 10 "${ARCHSIM_MPI_TIMEOUT:-180}" "$mpiexec" -n 3 --oversubscribe)
[ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root)
section=""
trap 'rc=$?; rm -rf "$work"; [ "$rc" -eq 0 ] || echo "FAIL: section \"$section\" exited $rc (124: mpirun did not end within ${ARCHSIM_MPI_TIMEOUT:-180} s)"' EXIT
# A background mpirun's exit code $1 must not be timeout's (124; a 137 may be Open MPI's own,
# for a rank killed on purpose).
not_hung() {
  [ "$1" -ne 124 ] || { echo "FAIL: section \"$section\": mpirun did not end within ${ARCHSIM_MPI_TIMEOUT:-180} s"; exit 124; }
}
args=(compare "$src/scenarios/basics/mm1.json" --set duration=2m --vary users.arrivals.rate=40,60,80
      --replications 2 --quiet --no-report)

# Every merged file of two compare folders of $3 variants (default 3), "run" blocks aside,
# must be equal.
same() {
  python3 - "$1" "$2" "${3:-3}" <<'EOF'
import json, sys, pathlib
a, b = map(pathlib.Path, sys.argv[1:3])
n = int(sys.argv[3])
def strip(p):
    j = json.loads(p.read_text())
    j.pop("run", None)
    for v in j.get("variants", []):
        v["summary"].pop("run", None)
    return json.dumps(j)
files = ["compare.json"] + [f"variant-{i}/{f}" for i in range(1, n + 1)
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
section="1. 3 ranks vs 2 threads"
"$bin" "${args[@]}" --threads 2 --out "$work/threads"
"${mpi[@]}" "$bin" "${args[@]}" --out "$work/mpi" 2>"$work/mpi.err"
same "$work/threads" "$work/mpi"
[ "$(ls "$work/mpi/jobs" | grep -c '\.job$')" -eq 6 ] || { echo "FAIL: expected 6 kept jobs"; exit 1; }

echo "== 1b. metastability: the same map on 3 ranks as on 2 threads"
section="1b. metastability: the same map on 3 ranks as on 2 threads"
meta=(metastability "$src/scenarios/metastability/retry-storm.json" --trigger cpu-drop --set duration=30s
      --set cpu-drop.at=10s --vary cpu-drop.duration=2s,10s --quiet --no-report)
"$bin" "${meta[@]}" --threads 2 --out "$work/meta-threads"
"${mpi[@]}" "$bin" "${meta[@]}" --out "$work/meta-mpi" 2>"$work/meta-mpi.err"
python3 - "$work/meta-threads/metastability.json" "$work/meta-mpi/metastability.json" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for j in (a, b):
    j.pop("run", None)
if a != b or len(a["cells"]) != 2:
    sys.exit("FAIL: metastability.json differs between 2 threads and 3 MPI ranks")
print("ok: metastability.json identical outside \"run\"")
EOF

echo "== 2. ranks reading different scenario files"
section="2. ranks reading different scenario files"
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

# The pid of MPI rank $2 among the children of mpirun, itself the child of timeout $1 (empty
# until it has started).
rank_pid() {
  local p
  for p in $(pgrep -P "$(pgrep -P "$1" | head -n 1)" || true); do
    if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$2"; then echo "$p"; return; fi
  done
}
# Runs a longer compare (8 jobs of about a second) under mpirun with the extra options "$@"
# after the first, and sends rank 1 the signal $1 (KILL: a crashed node; TERM: a rank stopped
# from outside, which must die as a lost rank and never hand in its cut-short job as a result)
# once the first job is kept, while jobs remain to hand out so that every rank holds one; sets
# $code. Output folder $out, stderr $out.err.
kill_rank_1() {
  local sig=$1 pid r1="" waited=0
  shift
  set +e
  "${mpi[@]}" "$@" "$bin" "${long[@]}" --out "$out" >/dev/null 2>"$out.err" &
  pid=$!
  while [ "$waited" -lt 600 ]; do
    if ls "$out/jobs" 2>/dev/null | grep -q '\.job$'; then
      r1=$(rank_pid "$pid" 1)
      [ -n "$r1" ] && break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  local before
  before=$(ls "$out/jobs" 2>/dev/null | grep -c '\.job$' || true)
  [ -n "$r1" ] && kill -"$sig" "$r1"
  wait "$pid"
  code=$?
  set -e
  not_hung "$code"
  [ -n "$r1" ] || { echo "FAIL: no job kept, or no rank 1 found, within 60 s"; cat "$out.err"; exit 1; }
  echo "sent rank 1 (pid $r1) SIG$sig when $before jobs were kept; mpirun exit $code"
}
# Long enough that a signal sent when the first job is kept lands mid-sweep (Ctrl-C reaches
# the ranks through mpirun, not at once). 12 simulated hours were once enough; since the
# run loop's pop stopped stalling (a1306a5) the 8 jobs of 12 h take 1.3 s in all (2
# threads) and section 12's sweep finished before the signal landed. So the length follows
# this build's speed: at least 48 h, and as many hours as make the busiest job last about
# 1.5 s (a faster engine must not make the test pass or fail by luck).
t0=$(date +%s%N)
"$bin" run "$src/scenarios/basics/mm1.json" --set duration=12h --set users.arrivals.rate=60 --quiet --no-report --json >/dev/null
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
hours=$(( 12 * 1500 / (ms > 0 ? ms : 1) ))
[ "$hours" -ge 48 ] || hours=48
echo "long sweep: ${hours} simulated hours per job (12 h took ${ms} ms)"
long=(compare "$src/scenarios/basics/mm1.json" --set duration=${hours}h --vary users.arrivals.rate=30,40,50,60
      --replications 2 --quiet --no-report)
"$bin" "${long[@]}" --threads 2 --out "$work/long-threads"

echo "== 3. mpirun --enable-recovery: rank 1 dies mid-sweep; its job runs again elsewhere and the sweep completes"
section="3. mpirun --enable-recovery: rank 1 dies mid-sweep; its job runs again elsewhere and the sweep completes"
out=$work/recover
kill_rank_1 TERM --enable-recovery
[ "$code" -eq 0 ] || { echo "FAIL: the sweep that lost rank 1 exited $code"; cat "$out.err"; exit 1; }
grep -Eq "MPI rank 1 was lost during users.arrivals.rate=[0-9]+ seed [0-9]+, which ran again on rank [02]" "$out.err" ||
  { echo "FAIL: rank 0 did not name the lost rank and its job"; cat "$out.err"; exit 1; }
[ "$(grep -c "was lost during" "$out.err")" -eq 1 ] || { echo "FAIL: expected one lost job"; cat "$out.err"; exit 1; }
grep "MPI rank 1" "$out.err"
same "$work/long-threads" "$out" 4
[ "$(ls "$out/jobs" | grep -c '\.job$')" -eq 8 ] || { echo "FAIL: expected 8 kept jobs"; exit 1; }

echo "== 4. plain mpirun: rank 1 dies, Open MPI ends the job; --resume finishes it"
section="4. plain mpirun: rank 1 dies, Open MPI ends the job; --resume finishes it"
out=$work/resume
kill_rank_1 KILL
[ "$code" -ne 0 ] || { echo "FAIL: the killed sweep exited 0 without --enable-recovery"; exit 1; }
# Rank 0's line is written from its SIGTERM handler; mpirun may be past forwarding output by
# then, so its absence is only noted (mpirun itself names the rank that died).
grep -q "the MPI job was stopped" "$out.err" || echo "note: rank 0's stop line did not come through mpirun"
[ ! -e "$out/compare.json" ] || { echo "FAIL: a killed sweep wrote compare.json"; exit 1; }
kept=$(ls "$out/jobs" 2>/dev/null | grep -c '\.job$' || true)
echo "killed sweep: exit $code, $kept of 8 jobs kept"
[ "$kept" -lt 8 ] || { echo "FAIL: every job finished although one rank died"; exit 1; }
"${mpi[@]}" "$bin" "${long[@]}" --out "$out" --resume 2>"$work/resume.err"
grep -q "$kept of 8 jobs reused" "$work/resume.err" || { echo "FAIL: --resume did not reuse the $kept jobs"; cat "$work/resume.err"; exit 1; }
same "$work/long-threads" "$out" 4

echo "== 5. a scenario no rank can read: one error line (rank 0's), exit 2"
section="5. a scenario no rank can read: one error line (rank 0's), exit 2"
set +e
"${mpi[@]}" "$bin" compare "$work/missing.json" --vary web.replicas=1,2 --quiet --no-report --out "$work/missing" >/dev/null 2>"$work/missing.err"
code=$?
set -e
[ "$code" -eq 2 ] || { echo "FAIL: unreadable scenario: exit $code, expected 2"; cat "$work/missing.err"; exit 1; }
[ "$(grep -c "missing.json" "$work/missing.err")" -eq 1 ] || { echo "FAIL: expected one error line"; cat "$work/missing.err"; exit 1; }
echo "ok: exit 2, one line"
set +e
"${mpi[@]}" "$bin" plan "$src/scenarios/basics/mmc.json" --slo p99=60ms --search web.concurrency=5..3 --quiet --out "$work/badplan" >/dev/null 2>"$work/badplan.err"
code=$?
set -e
[ "$code" -eq 2 ] && [ "$(grep -c "empty range" "$work/badplan.err")" -eq 1 ] || { echo "FAIL: plan, empty range under MPI: exit $code"; cat "$work/badplan.err"; exit 1; }
echo "ok: plan's bad --search under MPI: exit 2, one line"

echo "== 6. plan: 3 ranks vs 2 threads, plan.json byte-identical"
section="6. plan: 3 ranks vs 2 threads, plan.json byte-identical"
plan=(plan "$src/scenarios/basics/mmc.json" --set duration=2m --slo p99=60ms --search web.concurrency=1..16 --quiet)
"$bin" "${plan[@]}" --threads 2 --out "$work/plan-threads" >/dev/null
"${mpi[@]}" "$bin" "${plan[@]}" --out "$work/plan-mpi" >/dev/null
cmp "$work/plan-threads/plan.json" "$work/plan-mpi/plan.json" || { echo "FAIL: plan.json differs"; exit 1; }
echo "ok: plan.json identical"

echo "== 7. run --replications: 3 ranks vs 2 threads, the same files"
section="7. run --replications: 3 ranks vs 2 threads, the same files"
runargs=(run "$src/scenarios/basics/mm1.json" --set duration=10m --replications 5 --quiet --no-report --json)
"$bin" "${runargs[@]}" --threads 2 --out "$work/run-threads" >/dev/null
"${mpi[@]}" "$bin" "${runargs[@]}" --out "$work/run-mpi" >/dev/null
python3 - "$work/run-threads" "$work/run-mpi" <<'EOF'
import json, sys, pathlib
a, b = map(pathlib.Path, sys.argv[1:])
def strip(p):
    j = json.loads(p.read_text()); j.pop("run", None); return json.dumps(j)
assert json.loads((a / "summary.json").read_text())["replications"] == 5
for f in ("summary.json", "analysis.json", "timeseries.csv", "latency_cdf.csv"):
    x, y = a / f, b / f
    same = strip(x) == strip(y) if f == "summary.json" else x.read_bytes() == y.read_bytes()
    if not same or len(x.read_bytes()) < 40:
        sys.exit(f"FAIL: {f} differs between {a} and {b}")
print("ok: 4 files identical outside \"run\"")
EOF

echo "== 8. other commands refuse MPI ranks"
section="8. other commands refuse MPI ranks"
set +e
"${mpi[@]}" "$bin" validate "$src/scenarios/basics/mm1.json" >/dev/null 2>"$work/validate.err"
code=$?
set -e
[ "$code" -eq 2 ] && grep -q "only run, compare, plan and metastability run over MPI ranks" "$work/validate.err" || { echo "FAIL: validate under mpirun: exit $code"; exit 1; }

echo "== 9. a bad flag under MPI: one line, exit 2"
section="9. a bad flag under MPI: one line, exit 2"
set +e
"${mpi[@]}" "$bin" compare "$src/scenarios/basics/mm1.json" --vary web.replicas=1,2 --replications 0 >/dev/null 2>"$work/flag.err"
code=$?
set -e
[ "$code" -eq 2 ] && [ "$(grep -c "replications" "$work/flag.err")" -eq 1 ] || { echo "FAIL: bad flag under MPI: exit $code"; cat "$work/flag.err"; exit 1; }
echo "ok: exit 2, one line"

echo "== 10. --enable-recovery: a worker dies before it answers at the start; the others finish the sweep"
section="10. --enable-recovery: a worker dies before it answers at the start; the others finish the sweep"
mkfifo "$work/never.json"
set +e
"${mpi[@]}" --enable-recovery sh -c 'f=$1; [ "$OMPI_COMM_WORLD_RANK" = 2 ] && f=$2; shift 2; exec "$0" compare "$f" "$@"' \
  "$bin" "$src/scenarios/basics/mm1.json" "$work/never.json" "${args[@]:2}" --out "$work/startloss" >/dev/null 2>"$work/startloss.err" &
pid=$!
r2="" waited=0
# Rank 2 has passed MPI_Init and blocks opening the FIFO: the kernel's wait_for_partner, or
# fifo_open where a kernel build inlines it.
wchan=""
while [ "$waited" -lt 600 ]; do
  r2=$(rank_pid "$pid" 2)
  wchan=$([ -n "$r2" ] && cat "/proc/$r2/wchan" 2>/dev/null || true)
  case "$wchan" in wait_for_partner | fifo_open) break ;; esac
  r2=""
  sleep 0.1
  waited=$((waited + 1))
done
# Rank 2 never seen blocked: the sweep cannot end by itself (rank 2 waits on the FIFO forever),
# so it is stopped before the failure is reported.
if [ -n "$r2" ]; then kill -9 "$r2"; else kill -TERM "$pid"; fi
wait "$pid"
code=$?
set -e
[ -n "$r2" ] || { echo "FAIL: rank 2 never blocked on its FIFO (last wchan: '${wchan}')"; cat "$work/startloss.err"; exit 1; }
not_hung "$code"
[ "$code" -eq 0 ] || { echo "FAIL: the sweep that lost rank 2 at the start exited $code"; cat "$work/startloss.err"; exit 1; }
grep -q "MPI rank 2 said nothing for 20 s at the start" "$work/startloss.err" || { echo "FAIL: rank 2 not named"; cat "$work/startloss.err"; exit 1; }
same "$work/threads" "$work/startloss"

echo "== 11. a rank running another build: one line, exit 2"
section="11. a rank running another build: one line, exit 2"
cp "$bin" "$work/other-build"
printf 'x' >>"$work/other-build"  # bytes after the ELF image: it runs the same, hashes differently
set +e
"${mpi[@]}" sh -c 'b=$0; [ "$OMPI_COMM_WORLD_RANK" = 1 ] && b=$1; shift; exec "$b" "$@"' \
  "$bin" "$work/other-build" "${args[@]}" --out "$work/otherbuild" >/dev/null 2>"$work/otherbuild.err"
code=$?
set -e
[ "$code" -eq 2 ] && [ "$(grep -c "MPI rank 1 runs another archsim build" "$work/otherbuild.err")" -eq 1 ] ||
  { echo "FAIL: another build under MPI: exit $code"; cat "$work/otherbuild.err"; exit 1; }
echo "ok: exit 2, one line"

echo "== 12. Ctrl-C on mpirun mid-sweep: the finished jobs kept, --resume finishes"
section="12. Ctrl-C on mpirun mid-sweep: the finished jobs kept, --resume finishes"
out=$work/interrupted
set +e
"${mpi[@]}" "$bin" "${long[@]}" --out "$out" >/dev/null 2>"$out.err" &
pid=$!
waited=0
while [ "$waited" -lt 600 ] && ! ls "$out/jobs" 2>/dev/null | grep -q '\.job$'; do
  sleep 0.1
  waited=$((waited + 1))
done
kill -INT "$pid"
wait "$pid"
code=$?
set -e
not_hung "$code"
[ "$code" -ne 0 ] || { echo "FAIL: an interrupted sweep exited 0"; exit 1; }
[ ! -e "$out/compare.json" ] || { echo "FAIL: an interrupted sweep wrote compare.json"; exit 1; }
kept=$(ls "$out/jobs" 2>/dev/null | grep -c '\.job$' || true)
[ "$kept" -ge 1 ] && [ "$kept" -lt 8 ] || { echo "FAIL: $kept of 8 jobs kept after Ctrl-C"; cat "$out.err"; exit 1; }
grep -q "the MPI job was stopped" "$out.err" || echo "note: rank 0's stop line did not come through mpirun"
echo "interrupted sweep: exit $code, $kept of 8 jobs kept"
"${mpi[@]}" "$bin" "${long[@]}" --out "$out" --resume 2>"$work/interrupted-resume.err"
grep -q "$kept of 8 jobs reused" "$work/interrupted-resume.err" ||
  { echo "FAIL: --resume did not reuse the $kept jobs"; cat "$work/interrupted-resume.err"; exit 1; }
same "$work/long-threads" "$out" 4
echo "PASS"
