# latency.gp -- end-to-end latency percentiles over time, offered load on the right axis.
#
# Run in DIR/charts:  gnuplot latency.gp     (writes latency.svg, latency.png)
# Reads latency.dat (written by archsim from ../timeseries.csv):
#   column 1            time_s, the end of each metrics window
#   columns 2..N-1      per client, three columns: p50, p95, p99 latency in ms
#   column N            load on the right axis: offered requests/s summed over clients
# Colour is the percentile (p50 blue, p95 orange, p99 red); dash style is the client.
# The dark red dash-dot line is the scenario's p99 objective (slo_p99_ms, from annotations.gp).
# Try: set logscale y   (tails are easier to compare on a log axis)
load "style.gp"
chart = "latency"
file = "latency.dat"
stats file nooutput
ncols = STATS_columns
set title "End-to-end latency percentiles and offered load" textcolor rgb "#222222"
eval load_marks
set ylabel "latency (ms)"
set y2label "requests / s"
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
# The right axis takes the space where the other charts keep their legend, so the
# legend goes below the plot; the plot's left and right edges still line up with theirs.
set key outside below center horizontal
chart_height = chart_height + 40
do for [fmt in formats] {
  eval open_output
  plot for [i=2:ncols-1] file using ($1/time_div):i with lines lt ((i-2)%3+1) dt 1+(i-2)/3 title columnheader(i), \
       file using ($1/time_div):ncols axes x1y2 with lines lc rgb "#888888" lw 1.5 dt 3 title columnheader(ncols), \
       (exists("slo_p99_ms") ? slo_p99_ms : NaN) with lines lc rgb "#C00000" lw 1.5 dt 4 \
         title (exists("slo_p99_ms") ? sprintf("SLO: p99 <= %g ms", slo_p99_ms) : "")
}
