#!/usr/bin/env bash
# Quick start, step two: install what is missing, build the dev preset (warnings are
# errors) and run the whole test suite: unit tests, end-to-end tests of the CLI, the
# sanitizer build's tests and bounded fuzzing, the browser check of report.html, and the
# quick check against real NGINX, HAProxy and Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh --deps
cmake --preset dev >/dev/null
cmake --build --preset dev -j "$(nproc)"
ctest --preset dev -j 2
# A passing test's output is only in ctest's log: say when the MPI test needed its second attempt.
grep -h -B 2 'note: an mpirun hung' build/dev/Testing/Temporary/LastTest.log || true
echo "== tools/test.sh: dev build and tests done at ${SECONDS} s"

# Sanitizers and fuzzing (clang from Debian; tools/fuzz.sh, tests/fuzz/README.md): the unit
# suite and a shortened end-to-end subset under AddressSanitizer + UBSan (float-cast-overflow
# included) with asserts on, then the kept crash inputs replayed and each fuzz target run
# for a bounded time. The subset leaves out the two tests that cap the process's memory,
# which ASan's shadow memory cannot run under. e2e_sanitizer_tests is built from the files
# that hold these cases (CMakeLists.txt), and checked below to hold all of them.
bash tools/install_packages.sh clang libclang-rt-14-dev
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$(nproc)" --target unit_tests e2e_sanitizer_tests archsim fuzz_scenario fuzz_set fuzz_model \
  fuzz_import_compose fuzz_import_k8s fuzz_import_jaeger fuzz_import_zipkin fuzz_import_otlp
# The unit suite and the e2e subset run side by side (about a minute each under ASan); the
# unit suite's output is printed when it ends.
ASAN_OPTIONS=detect_leaks=1 build/asan/unit_tests --no-intro >build/asan/unit_tests.log 2>&1 &
unit_pid=$!
SANITIZER_CASES=(-tc='bad input*,hardening*,watchdog*,conservation*,determinism*' -tce='*out of memory*,*exhaust memory*')
e2e_failed=0 unit_failed=0
(cd build/asan && ./e2e_sanitizer_tests --no-intro "${SANITIZER_CASES[@]}") || e2e_failed=1
wait "$unit_pid" || unit_failed=1
if [ "$unit_failed" = 1 ]; then cat build/asan/unit_tests.log >&2; else tail -n 4 build/asan/unit_tests.log; fi
[ "$e2e_failed$unit_failed" = 00 ] || { echo "tests under the sanitizers failed (e2e $e2e_failed, unit $unit_failed)" >&2; exit 1; }
# Every case of the whole suite under those names is in the sanitizer target's files.
whole=$(build/dev/e2e_tests --no-intro --count "${SANITIZER_CASES[@]}" | grep 'test cases')
subset=$(build/asan/e2e_sanitizer_tests --no-intro --count "${SANITIZER_CASES[@]}" | grep 'test cases')
[ "$whole" = "$subset" ] || { echo "e2e_sanitizer_tests misses cases the sanitizer stage selects: whole suite '$whole', target '$subset' (CMakeLists.txt lists its files)" >&2; exit 1; }
echo "== tools/test.sh: sanitizer build and tests done at ${SECONDS} s"
bash tools/fuzz.sh --seconds "${ARCHSIM_FUZZ_SECONDS:-45}" --import-seconds "${ARCHSIM_FUZZ_IMPORT_SECONDS:-30}"
echo "== tools/test.sh: fuzzing done at ${SECONDS} s"

# Browser check: open a real run's report.html in headless Chromium (Debian's package,
# installed here when absent: only the tests need it) and check that it renders its charts.
bash tools/install_packages.sh chromium imagemagick
rm -rf build/browser-check
build/dev/archsim run scenarios/basics/web-tier.json --set duration=10m --out build/browser-check --quiet >/dev/null
# web-tier draws four charts (latency, throughput, utilization, CDF) and the architecture
# diagram: the page must show all five, and the interactive charts drawn from the same data.
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check 5
# A failure run: the availability section and the marks of the fault and the alert are on
# the page (latency, throughput, utilization, replicas, CDF, and the architecture diagram).
rm -rf build/browser-check-failure
build/dev/archsim run scenarios/failures/zone-outage-single-zone.json --set duration=20m --out build/browser-check-failure --quiet >/dev/null
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-failure 6 'id="availability"' 'zone_outage a</text>' 'HighErrorRate</text>' \
  'of 117 windows' '<td>zone_outage a</td><td class="num">5 min</td><td class="num">15 min</td>' 'id="ichart-alert-1-0"'
# A run of more windows than a chart draws (web-tier for 2 hours in 5 s windows: 1,440): each of
# 600 columns of time drawn as its lowest and highest window, said in the caption, charts drawn.
rm -rf build/browser-check-long
build/dev/archsim run scenarios/basics/web-tier.json --set duration=2h --set window=5s --out build/browser-check-long --quiet >/dev/null
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-long 5 \
  'columns of time drawn from its lowest to its highest window (1440 windows'
# A plan page: one inline chart (cost against p99), the answer named (web-tier needs 3 web
# replicas for p99 200 ms at 2 minutes, 2 replications).
rm -rf build/browser-check-plan
build/dev/archsim plan scenarios/basics/web-tier.json --set duration=2m --slo p99=200ms,availability=0.99 \
  --search web.replicas=1..8 --replications 2 --quiet --out build/browser-check-plan >/dev/null
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-plan 1 'id="cheapest"' 'web.replicas=3</strong>'
# A metastability page: two maps side by side (no mitigation, no retries), each with its cells
# (data-points), and the boundary cells' goodput over time drawn. The retry experiment's
# 10 s cut, a 4-cell map at 20 s simulated each.
rm -rf build/browser-check-metastability
build/dev/archsim metastability scenarios/metastability/retry-storm.json --trigger cpu-drop --set duration=40s \
  --vary client.arrivals.rate=10000,13333 --vary cpu-drop.factor=0.2,0.3 \
  --mitigation no-retries:client.retry.max_attempts=1 --quiet --out build/browser-check-metastability >/dev/null
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-metastability 0 'id="map-1"' 'class="cell stays_failed"' \
  'id="ichart-cell-'
# A run that wastes work (the retry storm's primary, busy with inserts whose clients have
# timed out): the service's wasted work, as its family declares it in the Resilience section,
# drawn both ways, with the callers' retries table under the same title.
rm -rf build/browser-check-wasted
build/dev/archsim run scenarios/metastability/retry-storm.json --set duration=40s --out build/browser-check-wasted --quiet >/dev/null
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-wasted '' 'id="section-resilience"' 'id="tier-primary"' \
  'Wasted work' 'id="ichart-tier-primary-1-0"' 'data-static-files="tier_1_1.dat"' '×</strong>'
# A serverless burst: the function's panels, as its family declared them in the page's
# Functions section (rates, environments), both ways (the static chart's two data files).
rm -rf build/browser-check-function
build/dev/archsim run scenarios/serverless/cold-starts.json --out build/browser-check-function --quiet >/dev/null
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-function '' 'id="section-functions"' '>Functions</h2>' \
  'id="tier-fn"' 'Invocations, cold starts and throttled requests' 'id="ichart-tier-fn-1-0"' 'id="ichart-tier-fn-2-0"' \
  'data-static-files="tier_1_1.dat tier_1_2.dat"'
# A handler stopped at Lambda's timeout and retried asynchronously (its function's panels and
# the 202s' latency distribution), and a JVM's collector pauses (every chart of the page drawn).
for s in serverless/handler-timeout metastability/gc-pauses; do
  rm -rf "build/browser-check-${s##*/}"
  build/dev/archsim run "scenarios/$s.json" --out "build/browser-check-${s##*/}" --quiet >/dev/null
done
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-handler-timeout '' 'id="section-functions"' \
  'id="ichart-tier-fn-1-0"' 'id="ichart-cdf-0"'
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-gc-pauses
# A VPA's recommendation against the pods' request and usage, and its HPA's metric against
# the target, as the autoscaler family declared them in the Autoscaling section (both ways:
# the static chart's data file), with the autoscalers' table under the same title; and a
# consensus group's section: its writes and its leaders (two in a split brain with quorum off).
rm -rf build/browser-check-vpa build/browser-check-consensus
build/dev/archsim run scenarios/autoscaling/vpa-rightsizing.json --set duration=10m --out build/browser-check-vpa --quiet >/dev/null
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-vpa '' 'id="section-autoscaling"' '>Autoscaling</h2>' \
  'id="tier-api-vpa"' 'CPU per pod: recommendation, request and usage' 'id="ichart-tier-api-vpa-1-0"' \
  'id="tier-api-hpa"' 'id="ichart-tier-api-hpa-1-0"' 'held by stabilization'
build/dev/archsim run scenarios/consensus/raft-partition.json --set group.quorum=false --out build/browser-check-consensus \
  --quiet >/dev/null
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-consensus '' 'id="tier-group"' \
  'id="ichart-tier-group-1-0"' 'id="ichart-tier-group-2-0"' 'Members acting as leader'
# A database's storage engine: its page reads and splits, the database's declared panel in the data tier.
rm -rf build/browser-check-storage
build/dev/archsim run scenarios/databases/uuid-v4-vs-v7.json --out build/browser-check-storage --quiet >/dev/null
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-storage '' 'Storage engine: pages read from disk, leaf pages split' 'id="ichart-tier-db-4-0"'
# Long-lived connections: open per instance and the set-ups at the service, and the clients'
# reconnect storm, as their families declare them in the Long-lived connections section.
rm -rf build/browser-check-connections
build/dev/archsim run scenarios/realtime/websocket-reconnect-storm.json --out build/browser-check-connections --quiet >/dev/null
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-connections '' 'id="section-connections"' \
  '>Long-lived connections</h2>' 'id="tier-chat"' 'id="ichart-tier-chat-1-0"' 'id="ichart-tier-chat-2-0"' \
  'id="tier-browsers"' 'Sessions started, reconnects and lost connections' 'id="ichart-tier-browsers-1-0"'
# Without the charting library (libjs-dygraphs) the same page keeps its static charts and says so.
ARCHSIM_DYGRAPHS_JS=/nonexistent build/dev/archsim report build/browser-check-failure >/dev/null
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-failure 6 'Interactive charts are off'
# An autoscaling and a balancing run: every chart (scale-event ticks, per-backend shares and
# healthy backends among them) drawn both ways; and a compare page (static charts only).
for s in autoscaling/step-load balancing/backend-failure; do
  rm -rf "build/browser-check-${s%%/*}"
  build/dev/archsim run "scenarios/$s.json" --set duration=10m --out "build/browser-check-${s%%/*}" --quiet >/dev/null
  ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh "build/browser-check-${s%%/*}"
done
# The autoscaler's metric against its target is one of the autoscaling page's panels.
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-autoscaling '' 'id="section-autoscaling"' \
  'Metric against its target' 'id="ichart-tier-api-hpa-1-0"'
# A run with request traces: the page links trace.json and lists the slowest traced requests.
rm -rf build/browser-check-trace
build/dev/archsim run scenarios/failures/cascade-protected.json --trace 10 --out build/browser-check-trace --quiet >/dev/null
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-trace '' 'id="traces"' 'href="trace.json"' 'id="ichart-circuit_state-0"'
# A run with an access log and business counters: the counters' panel, as the client family
# declares it in the Business counters section, drawn with points, and the log beside it.
rm -rf build/browser-check-business
build/dev/archsim run scenarios/operations/access-log-counters.json --out build/browser-check-business --quiet >/dev/null
test -s build/browser-check-business/access-users.log
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-business '' 'id="section-business"' 'id="tier-users"' \
  'Counters per second' 'id="ichart-tier-users-1-0"'

# Compare pages: a numeric --vary drawn as interactive lines (a line per concurrency), every
# variant over time, and each variant's own page (interactive charts only, no static SVG).
rm -rf build/browser-check-compare
build/dev/archsim compare scenarios/basics/mm1.json --set duration=3m --vary users.arrivals.rate=50,70,90 \
  --vary web.concurrency=1,2 --out build/browser-check-compare --quiet >/dev/null
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-compare '' 'id="ichart-whatif_p99-0"' \
  'id="ichart-compare_timeseries-1"' 'href="variant-3/report.html"'
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-compare/variant-3 0 'back to the comparison'
# A data store's declared headline figures plotted against the varied number (the cache's hit ratio).
rm -rf build/browser-check-compare-cache
build/dev/archsim compare scenarios/caching/stampede.json --set duration=60s --set warmup=10s \
  --vary users.arrivals.rate=1000,2000,4000 --out build/browser-check-compare-cache --quiet >/dev/null
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-compare-cache '' 'id="ichart-whatif-cache-0-0"' \
  'cache: hit ratio against'
# With replications and a cost that differs: confidence bands, and cost against p99 with the Pareto front.
rm -rf build/browser-check-compare-reps
build/dev/archsim compare scenarios/basics/web-tier.json --set duration=2m --vary web.replicas=1,2,3,4 \
  --replications 3 --out build/browser-check-compare-reps --quiet >/dev/null
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-compare-reps '' 'id="ichart-compare_pareto-0"' \
  'id="ichart-whatif_availability-0"' 'the band is the 95% confidence interval'
# A run with replications says its charts are replication 1's.
rm -rf build/browser-check-reps
build/dev/archsim run scenarios/basics/web-tier.json --set duration=2m --replications 3 --out build/browser-check-reps \
  --quiet >/dev/null
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-reps 5 'The charts show replication 1' \
  'mean count over 3 replications'
# The unit tests' sample report (tests/data/report_sample): the sections its summary calls for,
# as the page's script draws them from the data block (text escaped, SLO, causes, routes,
# autoscaler, balancer, cost), and the sections components declared: the stores in the data
# tier, the balancer in the "Load balancing" section its page names, with its own sentence.
rm -rf build/report_sample
ARCHSIM_TEST_REPORT_OUT=build/report_sample build/dev/unit_tests --no-intro -tc='run report*' >/dev/null
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/report_sample '' '<h1>web-tier-autoscale</h1>' 'seed 42' \
  'slows down at 440 s &amp; the breaker opens &lt;briefly&gt;.' 'SLO missed' 'failed: timeout' '>checkout<' '>web-hpa<' \
  'least_connections' 'per million requests' 'data-static-files="tier_1_1.dat"' 'data-static-files="tier_2_1.dat"' \
  'id="section-data-tier"' 'id="tier-cache"' 'id="section-balancing"' '>Load balancing</h2>' 'How each balancer spread its requests.' \
  'id="tier-lb"' 'id="ichart-tier-lb-1-0"'
# The March 2020 morning (covid-2020/monday-morning.json, whole: its four alarms fire by 30
# minutes): each alert rule's series with its threshold and firing windows, numbered markers
# on the time charts, the database and its callers' pools in the data-tier section.
rm -rf build/browser-check-covid
build/dev/archsim run scenarios/covid-2020/monday-morning.json --out build/browser-check-covid --quiet >/dev/null
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-covid '' 'id="alert-charts"' 'id="ichart-alert-1-0"' \
  'id="ichart-alert-2-0"' 'id="ichart-alert-3-0"' 'id="ichart-alert-4-0"' 'class="marker-legend"' 'id="tier-db"' 'id="tier-pools"' \
  'id="ichart-latency-1"' 'of 480 windows' 'id="ichart-users-0"' "the SLO's requests (client users; routes course" \
  'Whole run, and window by window.' '155 of 480 windows'
# The microservices at their peak (the study's command at 20,000 users): the API's latency on
# its own panel with the SLO's line, the players' segment downloads on another, a
# distribution per client, and the users online of both closed-loop clients (0 to 20,000).
rm -rf build/browser-check-covid-ms
build/dev/archsim run scenarios/covid-2020/microservices.json --set users.sessions=null --set 'users.users=[["0s",0],["2m",20000]]' \
  --set players.sessions=null --set 'players.users=[["0s",0],["2m",20000]]' --set duration=5m --set warmup=2m \
  --out build/browser-check-covid-ms --quiet >/dev/null
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-covid-ms '' "users, the SLO's requests" 'id="ichart-latency-1"' \
  'id="ichart-cdf-0"' 'id="ichart-users-0"' 'Users online'
# Each client's distribution is drawn from its whole histogram (a point per bucket: dozens),
# not through its six percentiles.
for who in users players; do
  n=$(CHART=ichart-cdf-0 WHO=$who perl -ne 'if (/id="\Q$ENV{CHART}\E"[^>]*data-series-points="(?:[^"]*; )?\Q$ENV{WHO}\E=(\d+)/) { print "$1\n"; exit }' \
      build/browser-check-covid-ms/report-dom.html)
  [ "${n:-0}" -ge 30 ] || { echo "FAIL the latency distribution of $who has ${n:-no} points (>= 30 expected)"; exit 1; }
  echo "ok   the latency distribution of $who has $n points"
done
# The same page with a small inline budget for its static charts: past it, the charts it also
# draws interactively are linked, not carried (a long run's page: reports/html_figures.h).
rm -rf build/browser-check-linked && cp -r build/browser-check-covid-ms build/browser-check-linked
ARCHSIM_INLINE_SVG_BYTES=200000 build/dev/archsim report build/browser-check-linked >/dev/null
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-linked '' \
  'not inlined: the page keeps its static charts to about a megabyte' 'href="charts/utilization.svg"'
# A failure run where most requests fail (a retry storm): the latency chart's second panel
# counts every request and the failed share; the retries' amplification is on the page.
rm -rf build/browser-check-storm
build/dev/archsim run scenarios/failures/retry-storm.json --set duration=5m --out build/browser-check-storm --quiet >/dev/null
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-storm '' 'id="ichart-latency-1"' 'id="resilience"' '×</strong>'
# A leaderless store's declared section (models/kv_store/page.cpp): its stale reads and
# refusals, the latency of its consistency levels, and the stale share among its headlines.
rm -rf build/browser-check-kv
build/dev/archsim run scenarios/consensus/consistency-levels.json --out build/browser-check-kv --quiet >/dev/null
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-kv '' 'id="tier-store"' 'Stale reads and refusals' \
  'Latency at the consistency levels' 'stale share'
# The replay's page: the queue's panel draws the rate a reset re-reads (reprocessed) beside the
# produced and consumed ones, and the lag the reset hands the group.
rm -rf build/browser-check-replay
build/dev/archsim run scenarios/queues/replay.json --out build/browser-check-replay --quiet >/dev/null
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-replay '' 'id="tier-orders"' \
  'id="ichart-tier-orders-1-0"' 'Produced and consumed' '>reprocessed_rps<' 'Consumer lag'
# A data-tier page per family: each store's section with its mechanism over time, as the
# family declared it (its page.cpp: sim/page_section.h).
for s in caching/stampede:tier-cache databases/failover:tier-db queues/consumer-lag:tier-jobs edge/video-cdn:tier-cdn; do
  name=${s%%:*}
  out="build/browser-check-${name##*/}"
  rm -rf "$out"
  build/dev/archsim run "scenarios/$name.json" --set duration=150s --set warmup=30s --out "$out" --quiet >/dev/null
  ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh "$out" '' "id=\"${s##*:}\"" "id=\"ichart-${s##*:}-1-0\"" \
    'data-static-files="tier_1_1.dat'  # the same declared panels drawn by gnuplot
done
# A balancing comparison keeps the share and imbalance columns (round robin splits evenly),
# and a comparison with alert rules lists which alarms fired in each variant.
rm -rf build/browser-check-compare-lb
build/dev/archsim compare scenarios/balancing/slow-server.json --set duration=2m \
  --vary lb.algorithm=round_robin,least_connections --out build/browser-check-compare-lb --quiet >/dev/null
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-compare-lb '' 'share % lb → s1/s2/s3/s4' \
  'imbalance (CV)' '>25/25/25/25<'
# The stampede comparison of README use 4: the varied cache's own figures per protection, as a
# table and a chart each (the database reads: 10,394 without protection, 2,000 with a lock).
rm -rf build/browser-check-compare-stampede
build/dev/archsim compare scenarios/caching/stampede.json --vary cache.stampede=none,lock,coalesce,early_refresh,ttl_jitter \
  --out build/browser-check-compare-stampede --quiet >/dev/null
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-compare-stampede '' 'id="varied"' '>cache backend reads<' \
  '>10,394<' '>2000<' 'id="ichart-varied-2-0"'
# The March morning's what-if on the database (the study's): the variants table has the SLO's
# population (the API routes) and the users client apart, says which one the verdict is about,
# and shows the varied database's figures.
rm -rf build/browser-check-compare-whatif
build/dev/archsim compare scenarios/covid-2020/monday-morning.json --set duration=20m --vary db.cores=16,32,64 \
  --out build/browser-check-compare-whatif --quiet >/dev/null
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-compare-whatif '' '<small>(judged)</small>' 'failed, users' \
  'id="varied"' 'numbered in the order they first fired'
rm -rf build/browser-check-compare-alarms
build/dev/archsim compare scenarios/failures/zone-outage-single-zone.json --set duration=20m --vary users.arrivals.rate=200,400 \
  --out build/browser-check-compare-alarms --quiet >/dev/null
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-compare-alarms '' 'id="alarms"' 'HighErrorRate' \
  'id="ichart-whatif-failed-0"'
echo "== tools/test.sh: browser checks done at ${SECONDS} s"

# archsim beside the real systems (tools/realcheck.sh, docs/validation.md): NGINX, HAProxy,
# Redis, PostgreSQL, PgBouncer, MariaDB and memcached from Debian's packages on loopback, the
# mechanism cases, shorter (8-9 minutes). It fails when a figure leaves its tolerance in two measurements.
bash tools/realcheck.sh --quick
echo "== tools/test.sh: real check done at ${SECONDS} s"
