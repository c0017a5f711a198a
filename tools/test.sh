#!/usr/bin/env bash
# Quick start, step two: install what is missing, build the dev preset (warnings are
# errors) and run the whole test suite: unit tests, end-to-end tests of the CLI, and the
# browser check of report.html.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh --deps
cmake --preset dev >/dev/null
cmake --build --preset dev -j "$(nproc)"
ctest --preset dev -j 2

# Browser check: open a real run's report.html in headless Chromium (Debian's package,
# installed here when absent: only the tests need it) and check that it renders its charts.
bash tools/install_packages.sh chromium imagemagick
rm -rf build/browser-check
build/dev/archsim run scenarios/basics/web-tier.json --set duration=10m --out build/browser-check --quiet >/dev/null
# web-tier draws four charts (latency, throughput, utilization, CDF): the page must show all four.
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check 4
# A failure run: the availability section and the marks of the fault and the alert are on
# the page (latency, throughput, utilization, replicas, CDF).
rm -rf build/browser-check-failure
build/dev/archsim run scenarios/failures/zone-outage-single-zone.json --set duration=20m --out build/browser-check-failure --quiet >/dev/null
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check-failure 5 'id="availability"' 'zone_outage a</text>' 'HighErrorRate</text>'
