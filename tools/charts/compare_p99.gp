# compare_p99.gp -- p99 end-to-end latency per variant, with 95% confidence intervals.
#
# Run in DIR/charts:  gnuplot compare_p99.gp (writes compare_p99.svg, compare_p99.png)
# Reads compare.dat, one row per variant, columns:
#   1 label  2 p99_ms  3 p99_lo  4 p99_hi  5 availability_pct  6 availability_lo
#   7 availability_hi  8 cost_usd  9 slo_p99_ms  10 slo_availability_pct
# lo/hi are the 95% confidence interval across replications (equal to the value when
# the run had one replication). NaN in 9 means the scenario has no latency SLO.
load "style.gp"
chart = "compare_p99"
file = "compare.dat"
stats file using 2 nooutput
n = STATS_records
# The SLO column is NaN when the scenario has none; `stats` on an all-NaN column fails,
# so the value is picked up row by row instead.
slo = NaN
stats file using (slo = (column(9) == column(9) ? column(9) : slo), 0) nooutput
set title "p99 latency per variant (bars: mean, whiskers: 95% CI)"
set ylabel "p99 latency (ms)"
set yrange [0:*]
set boxwidth 0.6
set rmargin at screen 0.97
set bmargin 6
set xtics rotate by -20 left
set xrange [-0.6:n-0.4]
set key inside top right
if (slo == slo) { set arrow from graph 0, first slo to graph 1, first slo nohead lc rgb "#D55E00" lw 1.5 dt 2 front; set label sprintf("SLO %g ms", slo) at graph 0.01, first slo offset 0,0.6 textcolor rgb "#D55E00" front }
do for [fmt in formats] {
  eval open_output
  plot file using 0:2:xtic(1) with boxes lc rgb "#0072B2" notitle, \
       file using 0:2:3:4 with yerrorbars lc rgb "#222222" pt 7 ps 0.4 lw 1.5 notitle
}
