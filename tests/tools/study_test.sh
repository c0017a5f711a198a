#!/usr/bin/env bash
# The studies (docs/studies/*.md) stay true to what archsim does:
#  1. every image a study shows exists in the repository, and the study's own commands draw
#     it again (in the scratch copy below, from which the images were removed);
#  2. every ```sh block of every study runs (exit 0), in a scratch copy of the repository's
#     scenarios and study scripts, with every `archsim run` and `archsim compare` shortened
#     to a few simulated minutes: the commands, flags, --set paths, jq filters and chart
#     scripts are checked, not the figures (tests/e2e/test_covid.cpp checks those).
# Usage: study_test.sh ARCHSIM_BIN SOURCE_DIR
set -euo pipefail
bin="$1"; src="$2"
for tool in gnuplot jq; do
  command -v "$tool" >/dev/null || { echo "skipped: $tool is not installed (tools/setup.sh installs it)"; exit 77; }
done
fail=0
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
ln -s "$src/scenarios" "$scratch/scenarios"
mkdir -p "$scratch/docs"
cp -r "$src/docs/studies" "$scratch/docs/studies"
# The scratch copy's images are removed, so that each must be drawn again by the commands.
find "$scratch/docs/studies" -name '*.svg' -delete
for md in "$src"/docs/studies/*.md; do
  rel="docs/studies/$(basename "$md")"
  # 1. images: ![...](path) relative to the study's folder.
  while IFS= read -r img; do
    [ -n "$img" ] || continue
    if [ ! -f "$src/docs/studies/$img" ]; then
      echo "$rel: shows $img, which does not exist"; fail=1
    fi
  done < <(grep -o '!\[[^]]*\]([^)]*)' "$md" | sed 's/.*](\(.*\))/\1/')
  # 2. every block runs, shortened.
  if ! python3 "$src/tools/study/run_blocks.py" "$md" "$bin" "$scratch" --append --set duration=3m >"$scratch/log" 2>&1; then
    tail -40 "$scratch/log"; fail=1
  fi
  # ... and drew every image the study shows.
  while IFS= read -r img; do
    [ -n "$img" ] || continue
    [ -s "$scratch/docs/studies/$img" ] || { echo "$rel: its commands did not draw $img"; fail=1; }
  done < <(grep -o '!\[[^]]*\]([^)]*)' "$md" | sed 's/.*](\(.*\))/\1/')
done
[ "$fail" = 0 ] && echo "studies: every image exists and every command runs"
exit "$fail"
