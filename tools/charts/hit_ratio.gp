# hit_ratio.gp -- cache hit ratio per window; a cold cache starts low and warms up.
#
# Run in DIR/charts:  gnuplot hit_ratio.gp   (writes hit_ratio.svg, hit_ratio.png)
# Reads hit_ratio.dat: time_s, then one column per component that records hit_ratio (header = id).
if (!exists("chart_height")) chart_height = 330
load "style.gp"
chart = "hit_ratio"
file = "hit_ratio.dat"
stats file nooutput
ncols = STATS_columns
set title "Cache hit ratio"
eval load_marks
set ylabel "hits / lookups"
set yrange [0:1.02]
do for [fmt in formats] {
  eval open_output
  plot for [i=2:ncols] file using ($1/time_div):i with lines lt (i-1) title columnheader(i)
}
