# connections.gp -- long-lived connections: open per service, on its busiest instance and on
# each of its first instances (top); opened, refused, dropped and reconnected per second
# (bottom), where a reconnect storm is one tall window.
#
# Run in DIR/charts:  gnuplot connections.gp   (writes connections.svg, connections.png)
# Reads connections.dat: time_s, then per service "svc open", "svc busiest instance" and one
#   "svc instance N" per instance series, means over each window.
# Reads connection_churn.dat when it exists: time_s, then per service "svc opened",
#   "svc refused", "svc dropped", then per connection client "c reconnects", per second.
load "style.gp"
chart = "connections"
has_churn = system("test -s connection_churn.dat && echo 1 || echo 0") eq "1"
stats "connections.dat" nooutput
nc = STATS_columns
if (has_churn) { stats "connection_churn.dat" nooutput; nr = STATS_columns; chart_height = 560 }
eval load_marks
do for [fmt in formats] {
  eval open_output
  if (has_churn) { set multiplot layout 2,1 title "Long-lived connections" }
  set title (has_churn ? "" : "Long-lived connections")
  set ylabel "open connections"
  set yrange [0:*]
  plot for [i=2:nc] "connections.dat" using ($1/time_div):i with lines lt (i-1) dt 1+(i>3) title columnheader(i)
  if (has_churn) {
    set ylabel "per second"
    set yrange [0:*]
    plot for [i=2:nr] "connection_churn.dat" using ($1/time_div):i with lines lt (i-1) title columnheader(i)
    unset multiplot
  }
}
