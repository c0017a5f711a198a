#!/usr/bin/env bash
# Draws the README's picture again, docs/images/report.png: the screenshot the browser check
# (tools/browser_check.sh, as tools/test.sh runs it) takes of a real run's report.html in
# headless Chromium, once the page has passed the check; the top of the page, scaled down
# and reduced to 256 colours so that the committed file stays small. Run it after the page
# (reports/page/) changes:
#   bash tools/docs_images.sh [ARCHSIM]        (default build/release/archsim, else build/dev/archsim)
# The run is the browser check's zone outage, 20 minutes: the top of its page shows the
# SLO verdict, the headline figures, the availability report and the fault's detection.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bin="${1:-}"
if [ -z "$bin" ]; then
  for b in build/release/archsim build/dev/archsim; do [ -x "$b" ] && { bin=$b; break; }; done
fi
[ -n "$bin" ] && [ -x "$bin" ] || { echo "docs_images.sh: no archsim binary (build one, or pass its path)" >&2; exit 2; }
bash tools/install_packages.sh chromium imagemagick

work="build/docs-images"
rm -rf "$work"
mkdir -p docs/images
"$bin" run scenarios/failures/zone-outage-single-zone.json --set duration=20m --out "$work" --quiet >/dev/null
# The picture is only taken from a page the check passes (charts drawn, no console error).
ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh "$work" '' 'id="availability"' >"$work/check.txt" ||
  { cat "$work/check.txt" >&2; echo "docs_images.sh: the page failed the browser check" >&2; exit 1; }
convert "$work/report-screenshot.png" -crop 1280x1500+0+0 +repage -resize 900x -colors 256 -strip \
  "PNG8:docs/images/report.png"
echo "docs/images/report.png: $(identify -format '%wx%h' docs/images/report.png), $(stat -c %s docs/images/report.png) bytes"
