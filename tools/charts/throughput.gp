# throughput.gp -- completed requests/s (top) and failed requests/s by cause (bottom) over time.
#
# Run in DIR/charts:  gnuplot throughput.gp  (writes throughput.svg, throughput.png)
# Reads throughput.dat: time_s, then one column per client (end-to-end throughput, rps).
# Reads errors.dat when it exists: time_s, then one column per client and cause
#   ("<client> errors" is the total, "<client> <cause>" each cause), in failures/s.
load "style.gp"
chart = "throughput"
has_errors = system("test -s errors.dat && echo 1 || echo 0") eq "1"
stats "throughput.dat" nooutput
nt = STATS_columns
if (has_errors) { stats "errors.dat" nooutput; ne = STATS_columns; chart_height = 560 }
eval load_marks
set yrange [0:*]
do for [fmt in formats] {
  eval open_output
  if (has_errors) { set multiplot layout 2,1 title "Throughput and errors (end to end, per client)" }
  set title (has_errors ? "" : "Throughput (end to end, per client)")
  set ylabel "completed / s"
  plot for [i=2:nt] "throughput.dat" using ($1/time_div):i with lines lt (i-1) title columnheader(i)
  if (has_errors) {
    set ylabel "failed / s"
    plot for [i=2:ne] "errors.dat" using ($1/time_div):i with lines lt (i-1) title columnheader(i)
    unset multiplot
  }
}
