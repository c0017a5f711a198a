# compare_timeseries.gp -- every variant of a comparison over the run: end-to-end p99 latency
# per window (top) and requests completed per second (bottom), one line per variant.
#
# Run in DIR/charts:  gnuplot compare_timeseries.gp  (writes compare_timeseries.svg, .png)
# Reads variants_p99.dat and variants_throughput.dat: time_s, then one column per variant
#   (named by its label; NaN where a window had nothing to report). With replications these
#   are replication 1's windows (each variant's timeseries.csv holds that replication).
# Reads annotations.gp: the time unit, the run's x range, the warm-up band, the p99 objective.
load "style.gp"
chart = "compare_timeseries"
has_rps = system("test -s variants_throughput.dat && echo 1 || echo 0") eq "1"
stats "variants_p99.dat" nooutput
np = STATS_columns
if (has_rps) { stats "variants_throughput.dat" nooutput; nr = STATS_columns; chart_height = 620 }
eval load_marks
set yrange [0:*]
do for [fmt in formats] {
  eval open_output
  if (has_rps) { set multiplot layout 2,1 title "Each variant over time (end to end)" }
  set title (has_rps ? "" : "p99 latency of each variant over time")
  set ylabel "p99 latency (ms)"
  plot for [i=2:np] "variants_p99.dat" using ($1/time_div):i with lines lt (i-1) dt 1+((i-2)/8)%4 title columnheader(i), \
       (exists("slo_p99_ms") ? slo_p99_ms : NaN) with lines lc rgb "#C00000" lw 1.5 dt 4 \
         title (exists("slo_p99_ms") ? sprintf("SLO: p99 <= %g ms", slo_p99_ms) : "")
  if (has_rps) {
    set ylabel "completed / s"
    plot for [i=2:nr] "variants_throughput.dat" using ($1/time_div):i with lines lt (i-1) dt 1+((i-2)/8)%4 title columnheader(i)
    unset multiplot
  }
}
