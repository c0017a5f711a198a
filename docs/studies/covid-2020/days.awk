# days.awk -- the week's figures day by day, from a run's timeseries.csv (long format:
# time_s,component,metric,value; time_s is the end of its window). For the study's week:
#   awk -F, -v segment_mb=10 -v usd_per_gb=0.05 -v instances_usd_per_day=N -f docs/studies/covid-2020/days.awk out/week/timeseries.csv
# prints one line per simulated day:
#   day  api_M  segments_M  egress_TB  failed  availability  api_p99_worst_ms  users_peak  usd
# api_M, segments_M: API requests (client `users`) and video segments (client `players`)
#   answered, in millions: the clients' throughput_rps x the window's length (the time since
#   the series' previous point: a run cut short ends on a shorter window), summed over the day;
# egress_TB: the segments answered x segment_mb (each answered segment is one object of that
#   size sent to a viewer: what the cost ledger bills as egress);
# failed, availability: all clients' failed requests (errors_rps x the window's length) and answered /
#   (answered + failed) over the day;
# api_p99_worst_ms: the largest p99 of the users' windows in the day among the windows that
#   answered at least `busy` API requests a second (default 1000, about 30,000 users online:
#   the class hours; a quiet night window's p99 is its slowest few requests, not a tail);
# users_peak: the most users online at a window's end;
# usd: the day's bill, instances_usd_per_day (every instance of the week's scenarios runs all
#   day, so the cost ledger's instances_usd / days) + the day's egress x usd_per_gb.
BEGIN { if (busy == "") busy = 1000 }
NR == 1 { next }
{
  d = int(($1 - 1) / 86400) + 1
  if (d > days) days = d
  key = $2 "," $3
  window = $1 - last[key]; last[key] = $1
  if (key == "users,throughput_rps") { api[d] += $4 * window; rate[$1] = $4 }
  else if (key == "players,throughput_rps") seg[d] += $4 * window
  else if (key == "all,throughput_rps") ok[d] += $4 * window
  else if (key == "all,errors_rps") err[d] += $4 * window
  else if (key == "users,latency_p99_ms") { p99[$1] = $4; day_of[$1] = d }
  else if (key == "users,active_users" && $4 > peak[d]) peak[d] = $4
}
END {
  for (t in p99)
    if (rate[t] >= busy && p99[t] > worst[day_of[t]]) worst[day_of[t]] = p99[t]
  print "day", "api_M", "segments_M", "egress_TB", "failed", "availability", "api_p99_worst_ms", "users_peak", "usd"
  for (d = 1; d <= days; d++) {
    a = ok[d] + err[d]
    gb = seg[d] * segment_mb / 1000
    printf "%d %.2f %.2f %.1f %d %.6f %.1f %d %.0f\n", d, api[d] / 1e6, seg[d] / 1e6, gb / 1000, err[d] + 0.5,
           (a > 0 ? ok[d] / a : 1), worst[d], peak[d], instances_usd_per_day + gb * usd_per_gb
  }
}
