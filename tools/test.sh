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
# Asked of dpkg, not of PATH: a machine may carry a stand-in `convert` that is not ImageMagick.
browser_pkgs=()
for p in chromium imagemagick; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || browser_pkgs+=("$p")
done
if ((${#browser_pkgs[@]})); then
  echo "test: installing ${browser_pkgs[*]} for the browser check"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${browser_pkgs[@]}" >/dev/null
fi
rm -rf build/browser-check
build/dev/archsim run scenarios/basics/web-tier.json --set duration=10m --out build/browser-check --quiet >/dev/null
# web-tier draws four charts (latency, throughput, utilization, CDF): the page must show all four.
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/browser-check 4
