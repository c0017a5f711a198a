#!/usr/bin/env bash
# Redraws every chart of the studies (docs/studies/*.md) and of the learn pages
# (docs/learn/*.md) with the commands written in them, so that a page stays true when the
# models change:
#   tools/study/charts.sh [build/release/archsim]
# Each chart is a ```sh block of the page that runs archsim into out/... and then gnuplot
# with a script (from docs/studies/<study>/, or the run's own charts/) that writes the image
# under out/ (a reader following a page changes nothing under docs/); this script then copies
# each image a page shows from there: docs/<folder>/PATH is drawn as out/<folder>/PATH. The runs are the pages' own (full length), so this takes as long as the
# runs do (the March 2020 study's, tens of minutes).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${1:-$root/build/release/archsim}"
[ -x "$bin" ] || { echo "charts.sh: no archsim binary at $bin (build it, or pass its path)" >&2; exit 2; }
command -v gnuplot >/dev/null || { echo "charts.sh: gnuplot is needed (tools/setup.sh installs it)" >&2; exit 2; }
command -v jq >/dev/null || { echo "charts.sh: jq is needed (tools/setup.sh installs it)" >&2; exit 2; }
cd "$root"
for md in docs/studies/*.md docs/learn/*.md; do
  grep -q '^```sh' "$md" || continue
  python3 tools/study/run_blocks.py "$md" "$bin" "$root" --only-charts
  folder="$(basename "$(dirname "$md")")"
  for img in $(grep -o '!\[[^]]*\]([^)]*)' "$md" | sed 's/.*](\(.*\))/\1/'); do
    if [ -f "out/$folder/$img" ]; then cp "out/$folder/$img" "docs/$folder/$img"; fi
  done
done
