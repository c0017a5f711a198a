#!/usr/bin/env bash
# The studies (docs/studies/*.md) and the learn pages (docs/learn/*.md) stay true to what
# archsim does:
#  1. every image a page shows exists in the repository, and the page's own commands draw
#     it again under out/ (in the scratch copy below, from which the images were removed),
#     writing nothing under docs/;
#  2. every ```sh block of every page runs (exit 0), in a scratch copy of the repository's
#     scenarios and pages, with every `archsim run` and `archsim compare` shortened to a few
#     simulated minutes: the commands, flags, --set paths, jq filters and chart scripts are
#     checked, not the figures (tests/e2e/test_covid.cpp checks the study's).
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
pages=0
for folder in studies learn; do
  cp -r "$src/docs/$folder" "$scratch/docs/$folder"
  # The scratch copy's images are removed, so that each must be drawn again by the commands.
  find "$scratch/docs/$folder" \( -name '*.svg' -o -name '*.png' \) -delete
  for md in "$src"/docs/$folder/*.md; do
    rel="docs/$folder/$(basename "$md")"
    images=$(grep -o '!\[[^]]*\]([^)]*)' "$md" | sed 's/.*](\(.*\))/\1/' || true)
    # An index page without commands or images is not a study.
    grep -q '^```sh' "$md" || { [ -z "$images" ] && continue; }
    pages=$((pages + 1))
    # 1. images: ![...](path) relative to the page's folder.
    for img in $images; do
      [ -f "$src/docs/$folder/$img" ] || { echo "$rel: shows $img, which does not exist"; fail=1; }
    done
    # 2. every block runs, shortened.
    if ! python3 "$src/tools/study/run_blocks.py" "$md" "$bin" "$scratch" --append --set duration=3m >"$scratch/log" 2>&1; then
      tail -40 "$scratch/log"; fail=1
    fi
    # ... and drew every image the page shows, under out/ (docs/<folder>/PATH is drawn as
    # out/<folder>/PATH), writing nothing under docs/.
    for img in $images; do
      [ -s "$scratch/out/$folder/$img" ] || { echo "$rel: its commands did not draw out/$folder/$img"; fail=1; }
      if [ -e "$scratch/docs/$folder/$img" ]; then echo "$rel: its commands wrote docs/$folder/$img (only out/ may be written)"; fail=1; fi
    done
  done
done
[ "$fail" = 0 ] && echo "studies and learn pages ($pages): every image exists and every command runs"
exit "$fail"
