# whatif_p99.gp -- p99 latency against the numeric --vary of a comparison, one line per
# combination of the other varied values, a band for the 95% confidence interval when the
# comparison ran replications (JMT's what-if plot).
#
# Run in DIR/charts:  gnuplot whatif_p99.gp  (writes whatif_p99.svg, whatif_p99.png)
# Reads whatif.dat: one block per line (two blank lines apart), each with a header
#   "<x path>,<line label>,p99_lo,p99_hi,availability_pct,availability_lo,availability_hi"
#   and one row per variant sorted by x: x, p99_ms, p99_lo, p99_hi, availability %, lo, hi.
# Reads whatif_axis.gp: x_name (the varied path) and the SLO targets when the scenario has them.
# Try: set logscale y    (near saturation the p99 grows like 1/(1 - utilization))
load "style.gp"
chart = "whatif_p99"
file = "whatif.dat"
load "whatif_axis.gp"
stats file using 1 nooutput
nblocks = STATS_blocks
set title "p99 latency against ".x_name." (band: 95% CI across replications)"
set xlabel x_name
set ylabel "p99 latency (ms)"
set yrange [0:*]
if (exists("slo_p99_ms")) { set arrow from graph 0, first slo_p99_ms to graph 1, first slo_p99_ms nohead lc rgb "#C00000" lw 1.5 dt 4 front; set label sprintf("SLO %g ms", slo_p99_ms) at graph 0.01, first slo_p99_ms offset 0,0.6 textcolor rgb "#C00000" front }
do for [fmt in formats] {
  eval open_output
  plot for [b=0:nblocks-1] file index b using 1:3:4 with filledcurves lt (b+1) fillstyle transparent solid 0.18 noborder notitle, \
       for [b=0:nblocks-1] file index b using 1:2 with linespoints lt (b+1) pt 7 ps 0.7 title columnheader(2)
}
