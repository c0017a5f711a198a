# replication_lag_ms.gp -- how far each database replica trails its primary; reads from it may be stale by this much.
#
# Run in DIR/charts:  gnuplot replication_lag_ms.gp   (writes replication_lag_ms.svg, replication_lag_ms.png)
# Reads replication_lag_ms.dat: time_s, then one column per component that records replication_lag_ms (header = id).
if (!exists("chart_height")) chart_height = 330
load "style.gp"
chart = "replication_lag_ms"
file = "replication_lag_ms.dat"
stats file nooutput
ncols = STATS_columns
set title "Replication lag"
eval load_marks
set ylabel "lag (ms)"
set yrange [0:*]
do for [fmt in formats] {
  eval open_output
  plot for [i=2:ncols] file using ($1/time_div):i with lines lt (i-1) title columnheader(i)
}
