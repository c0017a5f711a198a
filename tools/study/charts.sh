#!/usr/bin/env bash
# Redraws every chart of the studies (docs/studies/*.md) with the commands written in them,
# so that a study stays true when the models change:
#   tools/study/charts.sh [build/release/archsim]
# Each chart is a ```sh block of the study that runs archsim into out/... and then gnuplot
# with a script from docs/studies/<study>/ that writes the image beside it. The runs are the
# study's own (full length), so this takes as long as the study's runs do.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${1:-$root/build/release/archsim}"
[ -x "$bin" ] || { echo "charts.sh: no archsim binary at $bin (build it, or pass its path)" >&2; exit 2; }
command -v gnuplot >/dev/null || { echo "charts.sh: gnuplot is needed (tools/setup.sh installs it)" >&2; exit 2; }
command -v jq >/dev/null || { echo "charts.sh: jq is needed (tools/setup.sh installs it)" >&2; exit 2; }
cd "$root"
for md in docs/studies/*.md; do
  python3 tools/study/run_blocks.py "$md" "$bin" "$root" --only-charts
done
