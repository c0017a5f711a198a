# business.gp -- the business counters a scenario's routes define, per second in each window.
#
# Run in DIR/charts:  gnuplot business.gp   (writes business.svg, business.png)
# Reads business.dat: time_s, then one column per counter (header = "<client> <counter>").
if (!exists("chart_height")) chart_height = 330
load "style.gp"
chart = "business"
file = "business.dat"
stats file nooutput
ncols = STATS_columns
set title "Business counters"
eval load_marks
set ylabel "per second"
set yrange [0:*]
do for [fmt in formats] {
  eval open_output
  plot for [i=2:ncols] file using ($1/time_div):i with lines lt (i-1) title columnheader(i)
}
