# consumer_lag.gp -- messages published but not yet consumed; a growing line means consumers cannot keep up.
#
# Run in DIR/charts:  gnuplot consumer_lag.gp   (writes consumer_lag.svg, consumer_lag.png)
# Reads consumer_lag.dat: time_s, then one column per component that records consumer_lag (header = id).
if (!exists("chart_height")) chart_height = 330
load "style.gp"
chart = "consumer_lag"
file = "consumer_lag.dat"
stats file nooutput
ncols = STATS_columns
set title "Queue consumer lag"
eval load_marks
set ylabel "messages not yet consumed"
set yrange [0:*]
do for [fmt in formats] {
  eval open_output
  plot for [i=2:ncols] file using ($1/time_div):i with lines lt (i-1) title columnheader(i)
}
