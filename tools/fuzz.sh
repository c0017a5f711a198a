#!/usr/bin/env bash
# Fuzzing with libFuzzer (clang, the asan preset: address + undefined-behaviour sanitizers).
#   bash tools/fuzz.sh                     every target for 10 minutes: the scenario targets at
#                                          once, then the importer's at once
#   bash tools/fuzz.sh --seconds N         both waves N seconds each
#   bash tools/fuzz.sh --import-seconds M  the importer's wave M seconds (CI: 45 then 30)
#   bash tools/fuzz.sh --replay            only replay the kept crash inputs (CI does this, then fuzzes briefly)
# Seeds: every shipped scenario, the bad-input scenarios of the e2e tests and
# tests/fuzz/set_seeds (for --set); for the importer's targets, the Compose files, Kubernetes
# manifests and traces of scenarios/import and tests/data/import. An input that crashes is
# written to tests/fuzz/regressions/<target>/: commit it with the fix; it is replayed on every run.
# Assumes the asan preset is built (tools/test.sh builds it; or
# `cmake --preset asan && cmake --build --preset asan --target $targets`, the lists below).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=600
import_seconds=
replay_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --import-seconds) import_seconds="$2"; shift 2 ;;
    --replay) replay_only=1; shift ;;
    *) echo "usage: tools/fuzz.sh [--seconds N] [--import-seconds M] [--replay]" >&2; exit 2 ;;
  esac
done
import_seconds=${import_seconds:-$seconds}
bin=build/asan
work=build/fuzz-work
mkdir -p "$work"
# Refusals print nothing; a crash prints the sanitizer's report. Leaks are checked by the
# unit tests under ASan; the fuzzers keep to crashes, hangs and broken laws.
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# Two waves, each with the machine's cores to itself: the scenario targets, then the importer's
# (Compose files, Kubernetes manifests, the three trace formats).
targets="fuzz_scenario fuzz_set fuzz_model"
import_targets="fuzz_import_compose fuzz_import_k8s fuzz_import_jaeger fuzz_import_zipkin fuzz_import_otlp"

# The importer's seeds, by target: the files of its kind (a folder each, made afresh).
import_seeds() {
  local dir="$work/$1-import-seeds"
  # Left out: the bad input that copies a large base past a million values through extends
  # (seconds under the fuzzers' instrumentation; its mutants are slow, not new).
  rm -rf "$dir" && mkdir -p "$dir"
  case "$1" in
    fuzz_import_compose) find scenarios/import tests/data/import \( -name '*.yaml' -o -name '*.yml' \) -exec grep -l '^services:' {} + ;;
    fuzz_import_k8s) find scenarios/import tests/data/import \( -name '*.yaml' -o -name '*.yml' \) -exec grep -l '^kind:' {} + ;;
    fuzz_import_jaeger) grep -rl '"processes"' tests/data/import --include='*.json' ;;
    fuzz_import_zipkin) grep -rl '"localEndpoint"' tests/data/import --include='*.json' ;;
    fuzz_import_otlp) grep -rl '"resourceSpans"' tests/data/import --include='*.json' ;;
  esac | sort -u | grep -v 'bad/extends-copies.yaml' | while read -r f; do cp "$f" "$dir/$(echo "$f" | tr / _)"; done
  echo "$dir"
}

# Memory: past this an input is a finding. The limit is ASan's (hard_rss_limit_mb: the target
# stops as on a crash and libFuzzer writes the input at once), not libFuzzer's -rss_limit_mb,
# which first prints a heap profile that under ASan did not end in minutes, so that the input
# was never written. A manifest or a trace file needs far less than the importer's 2 GB.
limit_mb() { [[ "$1" == fuzz_import_* ]] && echo 2048 || echo 4096; }

status=0
# Replay the kept inputs first, one target after another: each must now be answered
# without a crash.
for target in $targets $import_targets; do
  kept=tests/fuzz/regressions/$target
  if compgen -G "$kept/*" >/dev/null; then
    echo "== $target: replaying $(ls "$kept" | wc -l) kept inputs"
    ASAN_OPTIONS="$ASAN_OPTIONS:hard_rss_limit_mb=$(limit_mb "$target")" "$bin/$target" -rss_limit_mb=0 -timeout=60 \
      "$kept"/* >"$work/$target-replay.log" 2>&1 ||
      { echo "$target: a kept input crashes again (log: $work/$target-replay.log)"; tail -30 "$work/$target-replay.log"; status=1; }
  fi
done
[ "$replay_only" = 1 ] && exit $status

# Then fuzz, in two waves.
fuzz_one() {
  local target=$1 seconds=$2 kept=tests/fuzz/regressions/$1
  local seeds=("$work/$target-corpus")
  mkdir -p "${seeds[0]}" "$kept"  # libFuzzer refuses to start without the folder it writes a crash to
  if [ "$target" = fuzz_set ]; then seeds+=(tests/fuzz/set_seeds)
  elif [[ "$target" == fuzz_import_* ]]; then seeds+=("$(import_seeds "$target")")
  else
    # Left out of the model fuzzer: the three scenarios whose caches of millions of entries
    # are allocated at their first insert (seconds each, a minute under the sanitizers); a
    # fuzzer mutates hundreds a minute. Building them allocates nothing: the scenario fuzzer
    # takes them.
    rm -rf "$work/$target-scenario-seeds" && mkdir -p "$work/$target-scenario-seeds"
    skip=()
    [ "$target" = fuzz_model ] && skip=(! -path '*/covid-2020/week.json' ! -path '*/covid-2020/microservices.json'
                                       ! -path '*/edge/video-cdn.json')
    find scenarios tests/e2e/bad -name '*.json' ! -name schema.json "${skip[@]}" -exec cp {} "$work/$target-scenario-seeds/" \;
    seeds+=("$work/$target-scenario-seeds")
  fi
  # fuzz_model runs every input for two simulated seconds (what it schedules moved into them,
  # tests/fuzz/scenario_mutator.h): a scenario with a million users or a million requests a
  # second takes long, and 120 s without an answer is a finding.
  local mb
  mb=$(limit_mb "$target")
  ASAN_OPTIONS="$ASAN_OPTIONS:hard_rss_limit_mb=$mb" "$bin/$target" -max_total_time="$seconds" -rss_limit_mb=0 \
    -malloc_limit_mb="$mb" -timeout=120 -report_slow_units=120 -max_len=65536 -artifact_prefix="$kept/" \
    -print_final_stats=1 "${seeds[@]}" >"$work/$target.log" 2>&1
}
# One wave: its targets at once, each for the given seconds of wall time, so that every core
# works (the machine's cores are shared among them).
wave() {
  local seconds=$1 target
  shift
  declare -A pids
  for target in "$@"; do
    echo "== $target: ${seconds} s"
    fuzz_one "$target" "$seconds" & pids[$target]=$!
  done
  for target in "$@"; do
    if ! wait "${pids[$target]}"; then
      echo "$target: found a crash (kept in tests/fuzz/regressions/$target; log: $work/$target.log)"
      tail -40 "$work/$target.log"
      status=1
    fi
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$work/$target.log" | sed "s/^/  $target /" || true
  done
}
wave "$seconds" $targets
wave "$import_seconds" $import_targets
exit $status
