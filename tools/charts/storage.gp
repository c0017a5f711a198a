# storage.gp -- each database's storage engine: buffer-pool misses (page reads) and page splits per second.
#
# Run in DIR/charts:  gnuplot storage.gp   (writes storage.svg, storage.png)
# Reads storage.dat: time_s, then two columns per database: "<id> page reads", "<id> page splits".
load "style.gp"
chart = "storage"
file = "storage.dat"
stats file nooutput
ncols = STATS_columns
set title "Storage engine"
eval load_marks
set ylabel "pages / s"
set yrange [0:*]
do for [fmt in formats] {
  eval open_output
  plot for [i=2:ncols] file using ($1/time_div):i with lines lt ((i-2)/2+1) dt 1+(i-2)%2 title columnheader(i)
}
