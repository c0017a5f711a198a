# style.gp -- the look shared by every archsim chart; each chart script loads it first.
#
# Every chart script runs in the folder that holds its data (DIR/charts/ after
# `archsim run ... --out DIR` or `archsim report DIR`) and reads and writes fixed names
# there, so a student can edit a copy and re-run it:
#     cd DIR/charts && gnuplot latency.gp           # -> latency.svg and latency.png
#     gnuplot -e "formats='png'" latency.gp          # only the PNG
#     gnuplot -e "chart_width=1400" latency.gp       # wider
# The .dat files are comma separated with one header line; NaN marks a window with no value.
# NaN is left undefined on purpose (no `set datafile missing`): a line then breaks at it, so
# a stretch where nothing was served shows as a gap, not as a line drawn across it.
# Multi-series files are "wide": column 1 is the x value, each further column one series,
# named by its header (which becomes the legend entry).

set datafile separator comma
set datafile columnheaders
set termoption noenhanced          # component ids such as web_v2 are not sub-scripted

if (!exists("formats")) formats = "svg png"
if (!exists("chart_width")) chart_width = 960
if (!exists("chart_height")) chart_height = 420

# pngcairo draws smoother lines; gnuplot-nox only has libgd's png.
png_terminal = (strstrt(GPVAL_TERMINALS, " pngcairo ") > 0) ? "pngcairo" : "png"

# Colours: a colour-blind-safe qualitative palette (Okabe & Ito) for series 1..8.
set linetype 1 lc rgb "#0072B2" lw 2
set linetype 2 lc rgb "#E69F00" lw 2
set linetype 3 lc rgb "#D55E00" lw 2
set linetype 4 lc rgb "#009E73" lw 2
set linetype 5 lc rgb "#CC79A7" lw 2
set linetype 6 lc rgb "#56B4E9" lw 2
set linetype 7 lc rgb "#8C6D00" lw 2
set linetype 8 lc rgb "#444444" lw 2
set linetype cycle 8

set border 3 lc rgb "#555555"
set tics nomirror textcolor rgb "#333333"
set grid xtics ytics lc rgb "#dddddd" lw 1 dt 1
set key outside right top vertical Left reverse noautotitle samplen 2 spacing 1.1 textcolor rgb "#333333"
set style fill solid 0.85 border -1
# Fixed left and right margins line the time axes of all charts up on the page; the
# legend sits in the space to the right. A script with a right axis moves rmargin in.
set lmargin at screen 0.085
set rmargin at screen 0.80

# open_output(name, fmt): choose the terminal for fmt ("svg" or "png") and the output file.
# gnuplot has no procedures; this string is run with `eval open_output` inside a
# `do for [fmt in formats]` loop, after the script has set `chart` (the base file name).
open_output = 'if (fmt eq "svg") { set terminal svg size chart_width,chart_height font "Helvetica,12" background rgb "white" noenhanced } else { eval sprintf("set terminal %s size %d,%d font \"DejaVuSans,10\" background rgb \"white\" noenhanced", png_terminal, chart_width, chart_height) }; set output chart.".".fmt'

# Time axes: annotations.gp, written by archsim beside the data from ../summary.json, sets
# time_div and time_unit (seconds per unit: 1 "s", 60 "min", 3600 "h", 86400 "days") and the
# x range of the run, and marks the warm-up, fault windows (shaded), alerts firing (red
# dashed lines) and scale events (purple ticks). A time chart runs `eval load_marks` after
# its own settings and plots x as ($1/time_div). Without the file, time stays in seconds.
time_div = 1
time_unit = "s"
load_marks = 'if (system("test -s annotations.gp && echo 1 || echo 0") eq "1") { load "annotations.gp" }; set xlabel sprintf("time (%s)", time_unit)'
