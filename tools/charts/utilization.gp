# utilization.gp -- per-component utilization (top) and queue length (bottom) over time.
#
# Run in DIR/charts:  gnuplot utilization.gp (writes utilization.svg, utilization.png)
# Reads utilization.dat: time_s, one column per component, busy fraction 0..1.
# Reads queue.dat when it exists: time_s, one column per component, requests waiting.
# A line that stays near 1.0 marks the bottleneck; queues grow once it is reached.
load "style.gp"
chart = "utilization"
has_queue = system("test -s queue.dat && echo 1 || echo 0") eq "1"
stats "utilization.dat" nooutput
nu = STATS_columns
if (has_queue) { stats "queue.dat" nooutput; nq = STATS_columns; chart_height = 560 }
eval load_marks
do for [fmt in formats] {
  eval open_output
  if (has_queue) { set multiplot layout 2,1 title "Utilization and queue length per component" }
  set title (has_queue ? "" : "Utilization per component")
  set ylabel "utilization"
  set yrange [0:105]
  set format y "%.0f%%"
  plot for [i=2:nu] "utilization.dat" using ($1/time_div):(100*column(i)) with lines lt (i-1) title columnheader(i)
  if (has_queue) {
    set format y "%g"
    # At least 0..1: a queue that is all but empty reads as empty, not as a scale of 0.0003.
    set yrange [0:1<*]
    set ylabel "requests waiting"
    plot for [i=2:nq] "queue.dat" using ($1/time_div):i with lines lt (i-1) title columnheader(i)
    unset multiplot
  }
}
