# day.gp -- a Monday of the study: the users online (from the session arrivals), and the
# requests per second that were answered and that failed (all clients).
# Run from the repository root, after the study's `archsim run ... --out DIR`, as
#   gnuplot -e "dir='DIR'; name='NAME'; what='TITLE'" docs/studies/covid-2020/day.gp
# which writes docs/studies/covid-2020/NAME.svg.
if (!exists("dir")) dir = "out/m"
if (!exists("name")) name = "monolith-day"
if (!exists("what")) what = name
csv = dir . "/timeseries.csv"
# One series of the long-format timeseries.csv (time_s,component,metric,value), as "t v",
# the time in hours, each point the mean of 5 minutes of windows (a day of 5-s windows is
# 17,280 points, more than a page's chart shows).
series(c, m) = sprintf("< awk -F, '$2==\"%s\" && $3==\"%s\" {b=int(($1-1)/300); s[b]+=$4; n[b]++} END {for (b in s) print (b+1)*300/3600, s[b]/n[b]}' %s | sort -g", c, m, csv)
set terminal svg size 900,560 dynamic font "sans,11" background "white"
set output "out/studies/covid-2020/" . name . ".svg"
set datafile separator whitespace
set multiplot layout 2,1 title what
set lmargin 12
set grid xtics ytics
set xrange [0:*]
set xtics 2
set format x ""
set key top left
set ylabel "users online"
plot series("users", "active_users") with lines lw 2 lc rgb "#555555" title "users online"
set ylabel "requests / s"
set format x "%g"
set xlabel "hour of the day"
set key top right
plot series("all", "throughput_rps") with lines lw 1.5 lc rgb "#2ca02c" title "answered", \
     series("all", "errors_rps") with lines lw 1.5 lc rgb "#d62728" title "failed"
unset multiplot
