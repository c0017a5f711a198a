# week.gp -- the microservices' week (week.json), Monday to Sunday: the users online, the
# API requests answered per second and the API's p99 against the story's 50 ms, hour by hour;
# then, day by day, the video egress against the story's 450 TB and the daily active users
# against its 1.2 million.
# Run from the repository root, after the study's
#   archsim run scenarios/covid-2020/week.json --out out/week --quiet
# as  gnuplot -e "dir='out/week'" docs/studies/covid-2020/week.gp
# which writes docs/studies/covid-2020/week.svg and week-days.svg.
if (!exists("dir")) dir = "out/week"
csv = dir . "/timeseries.csv"
# One series of the long-format timeseries.csv (time_s,component,metric,value), as "t v", the
# time in days, each point the mean (or the max) of an hour of the 1-min windows.
hourly(c, m, how) = sprintf("< awk -F, '$2==\"%s\" && $3==\"%s\" {b=int(($1-1)/3600); s[b]+=$4; n[b]++; if (!(b in x) || $4>x[b]) x[b]=$4} END {for (b in s) print (b+1)/24, (\"%s\"==\"max\" ? x[b] : s[b]/n[b])}' %s | sort -g", c, m, how, csv)
# The day-by-day figures (days.awk) and the daily active users of summary.json, as "day v".
days = sprintf("< awk -F, -v segment_mb=10 -f docs/studies/covid-2020/days.awk %s", csv)
dau = sprintf("< jq -r '.components.users | to_entries[] | select(.key|test(\"^daily_active_users_day\")) | \"\\(.key|ltrimstr(\"daily_active_users_day\")) \\(.value)\"' %s/summary.json", dir)
set terminal svg size 900,760 dynamic font "sans,11" background "white"
set output "out/studies/covid-2020/week.svg"
set datafile separator whitespace
set multiplot layout 3,1 title "week.json: the microservices from Monday 16 to Sunday 22 March (hourly)"
set lmargin 12
set grid xtics ytics
set xrange [0:7]
set xtics 1
set format x ""
set key top right
set ylabel "users online"
plot hourly("users", "active_users", "mean") with lines lw 2 lc rgb "#555555" title "users online"
set ylabel "API requests / s"
plot hourly("users", "throughput_rps", "mean") with lines lw 1.5 lc rgb "#2ca02c" title "answered", \
     hourly("users", "errors_rps", "mean") with lines lw 1.5 lc rgb "#d62728" title "failed"
set ylabel "API p99 (ms)"
set yrange [0:100]
set format x "%g"
set xlabel "days from Monday 0:00"
plot hourly("users", "latency_p99_ms", "max") with lines lw 1 lc rgb "#aec7e8" title "the hour's worst 1-min p99", \
     hourly("users", "latency_p99_ms", "mean") with lines lw 2 lc rgb "#1f77b4" title "the hour's mean 1-min p99", \
     50 with lines dt 2 lw 2 lc rgb "black" title "the story's 50 ms"
unset multiplot
set output "out/studies/covid-2020/week-days.svg"
set terminal svg size 900,360 dynamic font "sans,11" background "white"
set multiplot layout 1,2 title "week.json day by day (1 = Monday)"
set yrange [0:*]
set xrange [0.4:7.6]
set xlabel "day"
set format x "%g"
set style fill solid 0.6 border -1
set boxwidth 0.7
set key top right
set ylabel "video egress (TB)"
plot days using 1:4 every ::1 with boxes lc rgb "#9467bd" title "simulated", \
     450 with lines dt 2 lw 2 lc rgb "black" title "the story's 450 TB/day"
set ylabel "daily active users (millions)"
plot dau using 1:($2/1e6) with boxes lc rgb "#ff7f0e" title "simulated", \
     1.2 with lines dt 2 lw 2 lc rgb "black" title "the story's 1.2 M"
unset multiplot
