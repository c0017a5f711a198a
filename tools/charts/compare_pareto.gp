# compare_pareto.gp -- cost of the run against p99 latency, one point per variant; the red
# line joins the Pareto front: the variants no other variant beats on both (as cheap or
# cheaper and as fast or faster). A variant off the front pays for latency it does not get.
#
# Run in DIR/charts:  gnuplot compare_pareto.gp  (writes compare_pareto.svg, compare_pareto.png)
# Reads pareto.dat: label, p99_ms, cost_usd, on_front (1 on the front), sorted by p99: block 0
#   every variant, block 1 (two blank lines on) the front's variants alone.
# Reads pareto_axis.gp: slo_p99_ms when the scenario has a p99 objective (a vertical line).
load "style.gp"
chart = "compare_pareto"
file = "pareto.dat"
load "pareto_axis.gp"
set title "Cost against p99 latency (red: the Pareto front)"
set xlabel "p99 latency (ms)"
set ylabel "cost of the run (USD)"
set yrange [0:*]
set xrange [0:*]
set offsets graph 0.02, graph 0.08, graph 0.12, 0
set key inside top right opaque box lc rgb "#dddddd"
set rmargin at screen 0.97
if (exists("slo_p99_ms")) { set arrow from first slo_p99_ms, graph 0 to first slo_p99_ms, graph 1 nohead lc rgb "#C00000" lw 1.5 dt 4 front; set label sprintf("SLO %g ms", slo_p99_ms) at first slo_p99_ms, graph 0.95 offset 0.5,0 textcolor rgb "#C00000" front }
do for [fmt in formats] {
  eval open_output
  plot file index 0 using 2:3 with points pt 7 ps 1.0 lc rgb "#0072B2" title "variants", \
       file index 1 using 2:3 with linespoints pt 6 ps 1.6 lw 1.5 lc rgb "#C00000" title "Pareto front", \
       file index 1 using 2:3:1 with labels offset 0,1.1 font ",9" textcolor rgb "#C00000" notitle
}
