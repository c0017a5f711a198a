#!/usr/bin/env bash
# Draws the README's picture again, docs/images/report.png: a real run's report.html opened
# in headless Chromium (as tools/browser_check.sh opens it), the top of the page, scaled
# down and reduced to 256 colours so that the committed file stays small. Run it after the
# page changes:
#   bash tools/docs_images.sh [ARCHSIM]        (default build/release/archsim, else build/dev/archsim)
# The run is a zone outage shortened to 20 minutes: the top of its page shows the SLO
# verdict, the headline figures, the availability report and the fault's detection.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bin="${1:-}"
if [ -z "$bin" ]; then
  for b in build/release/archsim build/dev/archsim; do [ -x "$b" ] && { bin=$b; break; }; done
fi
[ -n "$bin" ] && [ -x "$bin" ] || { echo "docs_images.sh: no archsim binary (build one, or pass its path)" >&2; exit 2; }
bash tools/install_packages.sh chromium imagemagick
browser=""
for b in chromium chromium-browser google-chrome; do command -v "$b" >/dev/null && { browser=$b; break; }; done
[ -n "$browser" ] || { echo "docs_images.sh: no chromium on PATH" >&2; exit 2; }

work="build/docs-images"
rm -rf "$work"
mkdir -p "$work" docs/images
"$bin" run scenarios/failures/zone-outage-single-zone.json --set duration=20m --out "$work/run" --quiet >/dev/null
# The page draws its interactive charts with its inlined script: give it virtual time to.
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions \
  --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
  --user-data-dir="$work/profile" --window-size=1280,1600 --virtual-time-budget=5000 \
  --screenshot="$work/shot.png" "file://$root/$work/run/report.html" >/dev/null 2>&1 || true
[ -s "$work/shot.png" ] || { echo "docs_images.sh: Chromium wrote no screenshot" >&2; exit 1; }
convert "$work/shot.png" -resize 900x -colors 256 -strip "PNG8:docs/images/report.png"
echo "docs/images/report.png: $(identify -format '%wx%h' docs/images/report.png), $(stat -c %s docs/images/report.png) bytes"
