# alarms.gp -- the four alarms of the monolith's Monday morning, each the series its alert
# rule watches, with the rule's threshold (dashed), against the users online.
# Run from the repository root, after the study's
#   archsim run scenarios/covid-2020/monday-morning.json --out out/mm
# as  gnuplot -e "dir='out/mm'" docs/studies/covid-2020/alarms.gp   (writes alarms.svg here)
if (!exists("dir")) dir = "out/mm"
csv = dir . "/timeseries.csv"
# One series of the long-format timeseries.csv (time_s,component,metric,value), as "t v".
series(c, m) = sprintf("< awk -F, '$2==\"%s\" && $3==\"%s\" {print $1/60, $4}' %s", c, m, csv)
set terminal svg size 900,900 dynamic font "sans,11" background "white"
set output "out/studies/covid-2020/alarms.svg"
set datafile separator whitespace
set multiplot layout 5,1 title "monday-morning.json: the four alarms (dashed: the alert rule's threshold)"
set lmargin 12
set grid ytics
unset key
set xrange [0:*]
set format x ""
set ylabel "users online"
plot series("users", "active_users") with lines lw 2 lc rgb "#555555"
set ylabel "pool waiters"
set title "Database connection pool exhausted: threads waiting for a connection, all instances" offset 0,-0.8
plot series("monolith->pool", "pool_waiting") with lines lw 2 lc rgb "#1f77b4", 100 with lines dt 2 lc rgb "black"
set ylabel "timeouts /s"
set title "API response time 30,000 ms (timeout): requests the users gave up on, per second"
plot series("all", "errors_timeout_rps") with lines lw 2 lc rgb "#d62728", 1 with lines dt 2 lc rgb "black"
set ylabel "ready"
set title "Video streaming server crashed: ready instances of the streaming server (of 2)"
set yrange [0:2.5]
plot series("video-server", "ready_replicas") with steps lw 2 lc rgb "#9467bd", 1.5 with lines dt 2 lc rgb "black"
set yrange [*:*]
set ylabel "MB"
set title "Memory usage 98%: the largest monolith instance's memory (limit 4,096 MB)"
set format x "%g"
set xlabel "minutes into the morning"
plot series("monolith", "memory_mb") with lines lw 2 lc rgb "#ff7f0e", 4014 with lines dt 2 lc rgb "black"
unset multiplot
