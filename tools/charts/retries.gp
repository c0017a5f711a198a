# retries.gp -- attempts and retries per second of each caller with a retry policy.
#
# Run in DIR/charts:  gnuplot retries.gp   (writes retries.svg, retries.png)
# Reads retries.dat: time_s, then per caller "<id> attempts" (every try sent, per second),
#   "<id> retries" (the tries that were retries) and, for a client, "<id> offered" (the
#   requests its users made). Attempts over offered is the amplification a retry storm adds.
load "style.gp"
chart = "retries"
file = "retries.dat"
stats file nooutput
ncols = STATS_columns
set title "Attempts and retries per second"
set ylabel "per second"
set yrange [0:*]
eval load_marks
do for [fmt in formats] {
  eval open_output
  plot for [i=2:ncols] file using ($1/time_div):i with lines lt (i-1) title columnheader(i)
}
