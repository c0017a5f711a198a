# latency.gp -- end-to-end latency percentiles over time, offered load on the right axis.
#
# Run in DIR/charts:  gnuplot latency.gp     (writes latency.svg, latency.png)
# Reads latency.dat (written by archsim from ../timeseries.csv):
#   column 1            time_s, the end of each metrics window
#   columns 2..N-1      per client, three columns: p50, p95, p99 latency in ms
#   column N            load on the right axis: offered requests/s summed over clients
# Colour is the percentile (p50 blue, p95 orange, p99 red); dash style is the client.
# The dark red dash-dot line is the scenario's p99 objective (slo_p99_ms, from annotations.gp).
# Reads latency_all.dat when it exists (a run with failures, or with every-request series):
#   column 1            time_s
#   columns 2..M-1      per client, p50 and p99 of every finished request (a failed one at the
#                       time it failed), then the p99 of the successful ones
#   column M            failed share of the clients' requests, % (right axis)
# and draws it in a second plot below: a success-only p99 that falls while requests fail is
# survivor bias, and this plot shows it beside the p99 of every request.
# Try: set logscale y   (tails are easier to compare on a log axis)
load "style.gp"
chart = "latency"
file = "latency.dat"
stats file nooutput
ncols = STATS_columns
has_all = system("test -s latency_all.dat && echo 1 || echo 0") eq "1"
if (has_all) { stats "latency_all.dat" nooutput; na = STATS_columns }
eval load_marks
set ytics nomirror
set y2tics
set yrange [0:*]
# The right axis takes the space where the other charts keep their legend, so the
# legend goes below the plot; the plot's left and right edges still line up with theirs.
set key outside below center horizontal
chart_height = chart_height + 40 + (has_all ? 380 : 0)
do for [fmt in formats] {
  eval open_output
  if (has_all) { set multiplot layout 2,1 }
  set title "End-to-end latency percentiles and offered load" textcolor rgb "#222222"
  set ylabel "latency (ms)"
  set y2label "requests / s"
  set y2range [0:*]
  plot for [i=2:ncols-1] file using ($1/time_div):i with lines lt ((i-2)%3+1) dt 1+(i-2)/3 title columnheader(i), \
       file using ($1/time_div):ncols axes x1y2 with lines lc rgb "#888888" lw 1.5 dt 3 title columnheader(ncols), \
       (exists("slo_p99_ms") ? slo_p99_ms : NaN) with lines lc rgb "#C00000" lw 1.5 dt 4 \
         title (exists("slo_p99_ms") ? sprintf("SLO: p99 <= %g ms", slo_p99_ms) : "")
  if (has_all) {
    # Every request counted: solid lines every finished request (p50 blue, p99 red), dotted
    # the successful requests' p99, the failed share on the right axis.
    set title "Every request counted: all finished requests against the successful ones" textcolor rgb "#222222"
    set ylabel "latency (ms)"
    set y2label "failed (% of requests)"
    set y2range [0:100]
    plot for [i=2:na-1] "latency_all.dat" using ($1/time_div):i with lines \
           lt ((i-2)%3 == 0 ? 1 : 3) dt 1+2*((i-2)%3 == 2) title columnheader(i), \
         "latency_all.dat" using ($1/time_div):na axes x1y2 with lines lc rgb "#555555" lw 1.5 dt 2 title columnheader(na)
    unset multiplot
  }
}
