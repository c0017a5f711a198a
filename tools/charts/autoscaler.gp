# autoscaler.gp -- each autoscaler's metric (per ready replica, as read at its syncs) against its target.
#
# Run in DIR/charts:  gnuplot autoscaler.gp    (writes autoscaler.svg, autoscaler.png)
# Reads autoscaler.dat: time_s, then two columns per metric of each autoscaler:
#   "<id> <metric>" (what the controller read, solid) and "<id> <metric> target" (dashed).
# fsteps: the value written at a window's end holds over that window.
load "style.gp"
chart = "autoscaler"
file = "autoscaler.dat"
stats file nooutput
ncols = STATS_columns
set title "Autoscaler metric against its target"
eval load_marks
set ylabel "metric per replica"
set yrange [0:*]
do for [fmt in formats] {
  eval open_output
  plot for [i=2:ncols] file using ($1/time_div):i with fsteps lt ((i-2)/2+1) dt 1+(i-2)%2 title columnheader(i)
}
