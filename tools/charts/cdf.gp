# cdf.gp -- distribution of end-to-end latency (cumulative fraction, log x), per client.
#
# Run in DIR/charts:  gnuplot cdf.gp          (writes cdf.svg, cdf.png)
# Reads cdf.dat: one block per client, blocks separated by two blank lines; each block has
#   a header "latency_ms,<client>" and rows latency_ms,cumulative_fraction.
# Read a percentile off the chart: p99 is where a curve crosses 0.99.
load "style.gp"
chart = "cdf"
file = "cdf.dat"
stats file nooutput
nblocks = STATS_blocks
# "all" is the successful requests; "every request" (when some failed) every request that
# ended, a failed one at the time it failed.
set title (nblocks > 1 ? "Latency distribution (end to end)" : "Latency distribution (successful requests, end to end)")
set xlabel "latency (ms, log scale)"
set ylabel "fraction of requests at or below"
set logscale x
# The axis starts at the fastest 0.1% (a few near-zero answers, cache hits say, would stretch
# it over decades no one reads) and labels plain numbers, not six decimals.
set format x "%g"
set autoscale xfix     # end the axis at the slowest request, not at the next decade
set yrange [0:1.02]
set ytics 0.1
set arrow from graph 0, first 0.99 to graph 1, first 0.99 nohead lc rgb "#bbbbbb" dt 2
set label "p99" at graph 0.01, first 0.975 textcolor rgb "#888888"
set arrow from graph 0, first 0.5 to graph 1, first 0.5 nohead lc rgb "#bbbbbb" dt 2
set label "p50" at graph 0.01, first 0.485 textcolor rgb "#888888"
do for [fmt in formats] {
  eval open_output
  plot for [b=0:nblocks-1] file index b using ($1 > 0 && $2 >= 0.001 ? $1 : NaN):2 with steps lt (b+1) title columnheader(2)
}
