# balancer.gp -- requests per second each balancer sends to each backend (top) and the
# number of backends it considers healthy (bottom).
#
# Run in DIR/charts:  gnuplot balancer.gp   (writes balancer.svg, balancer.png)
# Reads balancer.dat: time_s, then one column per balancer and backend ("lb → s1"), rps.
# Reads healthy.dat when it exists: time_s, one column per balancer, healthy backends.
load "style.gp"
chart = "balancer"
has_healthy = system("test -s healthy.dat && echo 1 || echo 0") eq "1"
stats "balancer.dat" nooutput
nb = STATS_columns
if (has_healthy) { stats "healthy.dat" nooutput; nh = STATS_columns; chart_height = 560 }
eval load_marks
do for [fmt in formats] {
  eval open_output
  if (has_healthy) { set multiplot layout 2,1 title "Requests per backend and healthy backends" }
  set title (has_healthy ? "" : "Requests per backend")
  set ylabel "requests / s"
  set yrange [0:*]
  set ytics autofreq   # the healthy panel of the previous format set ytics 1
  plot for [i=2:nb] "balancer.dat" using ($1/time_div):i with lines lt (i-1) title columnheader(i)
  if (has_healthy) {
    set ylabel "healthy backends"
    set yrange [0:*]
    set ytics 1
    plot for [i=2:nh] "healthy.dat" using ($1/time_div):i with steps lt (i-1) title columnheader(i)
    unset multiplot
  }
}
