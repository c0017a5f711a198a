#!/usr/bin/env bash
# Quick start, step one: install what is missing (Debian packages only), build a release
# archsim, and run a shipped scenario. Safe to run again.
#   bash tools/setup.sh            install + build + run scenarios/basics/mm1.json
#   bash tools/setup.sh --deps     only install the packages
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(build-essential cmake libboost-graph-dev nlohmann-json3-dev libcli11-dev libeigen3-dev
          doctest-dev libbenchmark-dev gnuplot-nox graphviz libjs-dygraphs python3 python3-jsonschema
          openmpi-bin libopenmpi-dev jq libyaml-cpp-dev)
bash tools/install_packages.sh "${PACKAGES[@]}"
[ "${1:-}" = "--deps" ] && exit 0

cmake --preset release >/dev/null
# Only what it runs: the test and benchmark binaries are the test step's (tools/test.sh) and
# the benchmarks' (`cmake --build --preset release` builds them all).
cmake --build --preset release -j "$(nproc)" --target archsim
./build/release/archsim run scenarios/basics/mm1.json --out out/mm1
