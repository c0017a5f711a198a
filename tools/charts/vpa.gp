# vpa.gp -- each Vertical Pod Autoscaler's recommendation against the pods' request and usage.
#
# Run in DIR/charts:  gnuplot vpa.gp    (writes vpa.svg, vpa.png)
# Reads vpa.dat: time_s, then five columns per VPA, in cores per pod: "<id> target",
#   "<id> lower bound", "<id> upper bound", "<id> request", "<id> usage".
# fsteps: a recommendation holds until the next sync. Per VPA: the target solid and its bounds
# dotted in one colour, the request and the usage solid in two others.
load "style.gp"
chart = "vpa"
file = "vpa.dat"
stats file nooutput
ncols = STATS_columns
set title "Vertical Pod Autoscaler"
eval load_marks
set ylabel "cores per pod"
set yrange [0:*]
role(i) = (i-2)%5
vpa_lt(i) = 3*((i-2)/5) + (role(i) <= 2 ? 1 : role(i) - 1)
vpa_dt(i) = role(i) == 1 || role(i) == 2 ? 3 : 1
do for [fmt in formats] {
  eval open_output
  plot for [i=2:ncols] file using ($1/time_div):i with fsteps lt vpa_lt(i) dt vpa_dt(i) title columnheader(i)
}
