#!/bin/sh
# browser_check.sh -- opens an archsim report.html in headless Chromium and checks that it
# really renders: the screenshot is not blank, the page's script drew the page, the DOM
# holds one <svg> per chart file, every interactive chart the page placed was drawn with
# points (data-points="N", N > 0), every static chart's data file has rows, and the console
# shows no error.
#
#   tools/browser_check.sh DIR [EXPECTED_SVG_COUNT [TEXT...]]
#
# DIR holds report.html (from `archsim run --out DIR`, `archsim compare --out DIR` -- whose
# variant-N folders hold pages of their own, with interactive charts only -- or
# `archsim report DIR`). EXPECTED_SVG_COUNT defaults to the number of DIR/charts/*.svg plus
# DIR/topology.svg (the architecture diagram), less the static charts the page links instead
# of carrying (reports/html_figures.h); give '' for that default when TEXTs follow.
# Each TEXT must occur in the DOM the browser built (e.g. 'id="availability"' for the
# availability section, 'id="alert-charts"' for the charts of the alert rules).
# Leaves DIR/report-screenshot.png for a person to look at, and DIR/report-dom.html (the DOM
# the browser built, scripts left out) for checks of their own, such as the points each series
# of a chart was drawn with (data-series-points="name=N; ..."). Exit 0 when all checks pass,
# 1 when one fails, 77 (skip) when no Chromium is installed and ARCHSIM_REQUIRE_BROWSER
# is unset. Install it with: apt-get install -y chromium  (Debian).
#
# In .ci/run, after the unit tests (which can keep their rendered sample):
#   ARCHSIM_TEST_REPORT_OUT=build/report_sample build/unit_tests -tc='run report*'
#   ARCHSIM_REQUIRE_BROWSER=1 tools/browser_check.sh build/report_sample
# and for a real run: build/archsim run scenarios/... --out build/out/x && tools/browser_check.sh build/out/x
set -eu

dir=${1:?usage: browser_check.sh DIR [EXPECTED_SVG_COUNT]}
page="$dir/report.html"
[ -f "$page" ] || { echo "browser_check: $page does not exist" >&2; exit 1; }

browser=""
for b in chromium chromium-browser google-chrome; do
  if command -v "$b" >/dev/null 2>&1; then browser=$b; break; fi
done
if [ -z "$browser" ]; then
  echo "browser_check: no chromium on PATH (apt-get install -y chromium)" >&2
  [ -n "${ARCHSIM_REQUIRE_BROWSER:-}" ] && exit 1
  exit 77
fi

if [ $# -ge 2 ] && [ -n "$2" ]; then
  expected=$2
  shift 2
else
  # An empty EXPECTED_SVG_COUNT ('') takes the default and lets TEXTs follow.
  if [ $# -ge 2 ]; then shift 2; else shift 1; fi
  expected=$(find "$dir/charts" -maxdepth 1 -name '*.svg' 2>/dev/null | wc -l)
  [ -f "$dir/topology.svg" ] && expected=$((expected + 1))  # the architecture diagram
  # Static charts the page links instead of carrying (past its inline budget: a long run's).
  linked=$(grep -o '"svg_linked":true' "$page" | wc -l)
  expected=$((expected - linked))
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
abs_page=$(cd "$dir" && pwd)/report.html
shot="$dir/report-screenshot.png"
dom_copy="$dir/report-dom.html"
rm -f "$shot" "$dom_copy"

# Everything that could reach the network is off: the page must render from disk alone.
run_browser() {
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --disable-default-apps --disable-extensions --hide-scrollbars \
    --user-data-dir="$work/profile" --window-size=1280,2000 "$@" "file://$abs_page"
}

run_browser --screenshot="$shot" >"$work/shot.out" 2>"$work/shot.err" || true
run_browser --enable-logging=stderr --v=0 --dump-dom >"$work/dom-full.html" 2>"$work/dom.err" || true
# The checks read the DOM the script built, not the scripts' own text (the page's script
# holds the words it may show): <script> elements are left out.
perl -0pe 's{<script\b[^>]*>.*?</script>}{}gs' "$work/dom-full.html" >"$work/dom.html" 2>/dev/null || true
cp "$work/dom.html" "$dom_copy" 2>/dev/null || true

fail=0
check() {  # check CONDITION-OK MESSAGE
  if [ "$1" = 1 ]; then echo "ok   $2"; else echo "FAIL $2"; fail=1; fi
}

# 1. The screenshot exists and is not blank: many colours, and a fair share of the
#    pixels are not the background.
if [ -s "$shot" ]; then
  colours=$(convert "$shot" -format '%k' info:)
  # Mean of the image after turning every pixel that is not near-white into black:
  # 1.0 would be a blank white page.
  nonwhite=$(convert "$shot" -colorspace Gray -threshold 97% -format '%[fx:1-mean]' info:)
  check "$( [ "$colours" -ge 64 ] && echo 1 || echo 0)" "screenshot has $colours distinct colours (>= 64)"
  check "$(awk -v f="$nonwhite" 'BEGIN { print (f >= 0.03) ? 1 : 0 }')" "screenshot is $nonwhite non-white (>= 0.03)"
else
  check 0 "screenshot written ($(tail -n 3 "$work/shot.err" | tr '\n' ' '))"
fi

# 2. The DOM as the browser built it holds one <svg> per chart.
if [ -s "$work/dom.html" ]; then
  svgs=$(grep -o '<svg' "$work/dom.html" | wc -l)
  check "$( [ "$svgs" -eq "$expected" ] && echo 1 || echo 0)" "DOM has $svgs <svg> elements (expected $expected)"
  check "$(grep -q '</html>' "$work/dom.html" && echo 1 || echo 0)" "DOM is complete"
else
  check 0 "DOM dumped ($(tail -n 3 "$work/dom.err" | tr '\n' ' '))"
fi

# 2a. The page's script drew the page (data-page-drawn on <body>) and every chart it placed:
#     each chart holder (class "ichart") carries data-points="N", the points it plotted over
#     all its series, and data-chart-ready="1" once dygraphs drew it on a <canvas>; a chart
#     with N = 0 is a failure (an empty chart is not a drawn one). The <body> carries
#     data-interactive-charts, the number drawn. Without the library the page must say so
#     (and its static charts are then all there is).
if grep -q 'id="archsim-page-data"' "$page"; then  # a plan page is drawn without a script
  check "$(grep -q 'data-page-drawn="1"' "$work/dom.html" 2>/dev/null && echo 1 || echo 0)" "the page's script drew the page"
fi
placed=$(grep -oE '<div class="ichart( small)?"' "$work/dom.html" 2>/dev/null | wc -l)
if grep -q 'id="archsim-page-data"' "$page" && ! grep -q 'Interactive charts are off' "$work/dom.html" 2>/dev/null; then
  ready=$(grep -o 'data-chart-ready="1"' "$work/dom.html" 2>/dev/null | wc -l)
  canvases=$(grep -o '<canvas' "$work/dom.html" 2>/dev/null | wc -l)
  empty=$(grep -oE '<div class="ichart( small)?" id="[^"]*" data-points="0"' "$work/dom.html" 2>/dev/null | sed 's/.*id="\([^"]*\)".*/\1/' | tr '\n' ' ')
  unmarked=$(grep -oE '<div class="ichart( small)?" id="[^"]*"[^>]*>' "$work/dom.html" 2>/dev/null | grep -vc 'data-points="' || true)
  if [ "$placed" -gt 0 ]; then
    check "$( [ "$ready" -eq "$placed" ] && echo 1 || echo 0)" "interactive charts drawn: $ready of $placed"
  else
    echo "note this page has no interactive charts"
  fi
  check "$(grep -q "data-interactive-charts=\"$ready\"" "$work/dom.html" 2>/dev/null && echo 1 || echo 0)" "page script counted $ready charts"
  check "$( [ "$canvases" -ge "$placed" ] && echo 1 || echo 0)" "DOM has $canvases <canvas> elements (>= $placed)"
  check "$( [ -z "$empty" ] && echo 1 || echo 0)" "every chart has points${empty:+ (empty: $empty)}"
  check "$( [ "$unmarked" -eq 0 ] && echo 1 || echo 0)" "every chart says how many points it drew ($unmarked without data-points)"
elif grep -q 'Interactive charts are off' "$work/dom.html" 2>/dev/null; then
  echo "ok   no interactive charts: the page says the library was missing"
else
  echo "note this page has no interactive charts (a plan page draws its one chart statically)"
fi

# 2c. Every static chart on the page names its data files (data-static-files); each must hold
#     a header and at least one row: a chart drawn from an empty file shows nothing.
for f in $(grep -o 'data-static-files="[^"]*"' "$work/dom.html" 2>/dev/null | sed 's/data-static-files="//; s/"$//' | tr ' ' '\n' | sort -u); do
  rows=$(grep -cv '^[[:space:]]*$' "$dir/charts/$f" 2>/dev/null || echo 0)
  check "$( [ "$rows" -ge 2 ] && echo 1 || echo 0)" "static chart data charts/$f has rows ($rows lines)"
done

# 2b. The texts asked for are in the DOM.
for text in "$@"; do
  check "$(grep -qF -- "$text" "$work/dom.html" 2>/dev/null && echo 1 || echo 0)" "DOM contains $text"
done

# 3. No console errors while loading the page.
errors=$(grep -E 'Uncaught|ERROR:CONSOLE|CONSOLE\(.*\)] "(Uncaught|Error|Failed)' "$work/dom.err" "$work/shot.err" || true)
check "$( [ -z "$errors" ] && echo 1 || echo 0)" "no console errors"
[ -n "$errors" ] && echo "$errors" | head -n 20

# 4. Nothing was requested from outside the folder (the page only names local files).
external=$(grep -oE '(src|href)="[a-z]+://[^"]*"' "$work/dom.html" | grep -v 'file://' || true)
check "$( [ -z "$external" ] && echo 1 || echo 0)" "no external references in the DOM"

echo "screenshot: $shot"
exit $fail
