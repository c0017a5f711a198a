# wasted_cpu_s.gp -- CPU-seconds spent per window on requests whose caller had given up.
#
# Run in DIR/charts:  gnuplot wasted_cpu_s.gp   (writes wasted_cpu_s.svg, wasted_cpu_s.png)
# Reads wasted_cpu_s.dat: time_s, then one column per component that wasted work (header = id).
if (!exists("chart_height")) chart_height = 330
load "style.gp"
chart = "wasted_cpu_s"
file = "wasted_cpu_s.dat"
stats file nooutput
ncols = STATS_columns
set title "Wasted work"
eval load_marks
set ylabel "CPU-seconds per window"
set yrange [0:*]
do for [fmt in formats] {
  eval open_output
  plot for [i=2:ncols] file using ($1/time_div):i with lines lt (i-1) title columnheader(i)
}
