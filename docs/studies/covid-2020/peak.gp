# peak.gp -- the microservices at the peak: the users' (API) p99 latency per window against
# the story's 50 ms, and the API requests per second, for the runs at 80,000 and 100,000 users.
# Run from the repository root, after the study's peak runs (--out out/peak80000 and
# out/peak100000), as
#   gnuplot docs/studies/covid-2020/peak.gp        (writes docs/studies/covid-2020/peak.svg)
csv(n) = sprintf("out/peak%d/timeseries.csv", n)
series(n, c, m) = sprintf("< awk -F, '$2==\"%s\" && $3==\"%s\" {print $1/60, $4}' %s", c, m, csv(n))
set terminal svg size 900,560 dynamic font "sans,11" background "white"
set output "out/studies/covid-2020/peak.svg"
set datafile separator whitespace
set multiplot layout 2,1 title "microservices.json at the peak: the API's p99 per 5-s window (the first 2 minutes are the ramp)"
set lmargin 12
set grid xtics ytics
set xrange [0:*]
set format x ""
set key bottom right
set ylabel "API requests / s"
plot series(80000, "users", "throughput_rps") with lines lw 2 lc rgb "#1f77b4" title "80,000", \
     series(100000, "users", "throughput_rps") with lines lw 2 lc rgb "#ff7f0e" title "100,000"
set ylabel "API p99 (ms)"
set yrange [0:80]
set format x "%g"
set xlabel "minutes"
set key top right
plot series(80000, "users", "latency_p99_ms") with lines lw 1.5 lc rgb "#1f77b4" title "80,000 users", \
     series(100000, "users", "latency_p99_ms") with lines lw 1.5 lc rgb "#ff7f0e" title "100,000 users", \
     50 with lines dt 2 lw 2 lc rgb "black" title "the story's 50 ms"
unset multiplot
