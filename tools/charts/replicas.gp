# replicas.gp -- replicas asked for (solid) and replicas ready to serve (dashed) over time.
#
# fsteps: the value written at a window's end holds over that window.
# Run in DIR/charts:  gnuplot replicas.gp    (writes replicas.svg, replicas.png)
# Reads replicas.dat: time_s, then two columns per scaled component:
#   "<id> replicas" (desired, what the autoscaler decided) and "<id> ready" (started and
#   passing readiness). The gap between the two is the start-up time a scale-up costs.
load "style.gp"
chart = "replicas"
file = "replicas.dat"
stats file nooutput
ncols = STATS_columns
set title "Replicas: desired and ready"
eval load_marks
set ylabel "replicas"
set yrange [0:*]
set ytics 1
set mytics 1
do for [fmt in formats] {
  eval open_output
  plot for [i=2:ncols] file using ($1/time_div):i with fsteps lt ((i-2)/2+1) dt 1+(i-2)%2 title columnheader(i)
}
