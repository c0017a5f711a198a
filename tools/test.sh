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
