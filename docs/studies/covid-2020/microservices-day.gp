# microservices-day.gp -- the microservices' Monday beside the monolith's: users online, the
# API's p99 against the story's 50 ms, the share of requests answered, and the share of the
# application's instances ready, every point 5 minutes of the 5-s windows. (The monolith's
# users' requests include the video segments it proxies, seconds each; the microservices'
# users are the API only, the segments being the players' downloads from object storage.)
# Run from the repository root, after the study's
#   archsim run scenarios/covid-2020/monolith.json --out out/m
#   archsim run scenarios/covid-2020/microservices.json --out out/ms
# as  gnuplot -e "dir='out/ms'; monodir='out/m'" docs/studies/covid-2020/microservices-day.gp
# which writes docs/studies/covid-2020/microservices-day.svg.
if (!exists("dir")) dir = "out/ms"
if (!exists("monodir")) monodir = "out/m"
# One series of a run's long-format timeseries.csv (time_s,component,metric,value), as "t v",
# the time in hours, each point the mean (how = "mean") or the largest window (how = "max")
# of 5 minutes of windows.
series(d, c, m, how) = sprintf("< awk -F, '$2==\"%s\" && $3==\"%s\" {b=int(($1-1)/300); s[b]+=$4; n[b]++; if (!(b in x) || $4>x[b]) x[b]=$4} END {for (b in s) print (b+1)*300/3600, (\"%s\"==\"max\" ? x[b] : s[b]/n[b])}' %s/timeseries.csv | sort -g", c, m, how, d)
# The instances ready over the instances asked for, summed over the services whose ids match
# the regular expression `ids`, per window; each point the least of 5 minutes of windows.
ready(d, ids) = sprintf("< awk -F, '$2 ~ /^(%s)$/ && $3==\"ready_replicas\" {r[$1]+=$4} $2 ~ /^(%s)$/ && $3==\"replicas\" {n[$1]+=$4} END {for (t in r) if (n[t] > 0) {b=int((t-1)/300); v=r[t]/n[t]; if (!(b in m) || v<m[b]) m[b]=v} for (b in m) print (b+1)*300/3600, m[b]}' %s/timeseries.csv | sort -g", ids, ids, d)
mono_ids = "monolith|video-server"
ms_ids = "gateway|auth|course|video|payment|analytics"
set terminal svg size 900,900 dynamic font "sans,11" background "white"
set output "out/studies/covid-2020/microservices-day.svg"
set datafile separator whitespace
set multiplot layout 4,1 title "The same Monday: microservices.json (blue) and monolith.json (red), 5-min points"
set lmargin 12
set grid xtics ytics
set xrange [0:24]
set xtics 2
set format x ""
set key top left
set ylabel "users online"
plot series(dir, "users", "active_users", "mean") with lines lw 2 lc rgb "#1f77b4" title "microservices", \
     series(monodir, "users", "active_users", "mean") with lines lw 1 dt 3 lc rgb "#d62728" title "monolith"
set ylabel "API p99 (ms)"
set logscale y
set yrange [5:100000]
set key top right
plot series(dir, "users", "latency_p99_ms", "max") with lines lw 1.5 lc rgb "#1f77b4" title "microservices (worst 5-s window)", \
     series(monodir, "users", "latency_p99_ms", "max") with lines lw 1 lc rgb "#d62728" title "monolith (worst 5-s window; with the video it proxies)", \
     50 with lines dt 2 lw 2 lc rgb "black" title "the story's 50 ms"
unset logscale y
set ylabel "answered (%)"
set yrange [0:105]
set key bottom left
plot series(dir, "all", "availability", "mean") using 1:($2*100) with lines lw 2 lc rgb "#1f77b4" title "microservices", \
     series(monodir, "all", "availability", "mean") using 1:($2*100) with lines lw 1.5 lc rgb "#d62728" title "monolith", \
     99.9 with lines dt 2 lw 1 lc rgb "black" title "99.9%"
set ylabel "instances ready (%)"
set format x "%g"
set xlabel "hour of the day"
plot ready(dir, ms_ids) using 1:($2*100) with lines lw 2 lc rgb "#1f77b4" title "microservices: the six services' 93 instances (least 5-s window)", \
     ready(monodir, mono_ids) using 1:($2*100) with lines lw 1.5 lc rgb "#d62728" title "monolith: its 20 instances and the 2 video servers"
unset multiplot
