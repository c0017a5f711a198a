# compare_cost.gp -- total cost of the run per variant (USD).
#
# Run in DIR/charts:  gnuplot compare_cost.gp
# Reads compare.dat (columns listed in compare_p99.gp); column 8 is the cost.
load "style.gp"
chart = "compare_cost"
file = "compare.dat"
stats file using 8 nooutput
n = STATS_records
set title "Cost per variant"
set ylabel "cost of the run (USD)"
set yrange [0:*]
set boxwidth 0.6
set rmargin at screen 0.97
set bmargin 6
set xtics rotate by -20 left
set xrange [-0.6:n-0.4]
do for [fmt in formats] {
  eval open_output
  plot file using 0:8:xtic(1) with boxes lc rgb "#E69F00" notitle, \
       file using 0:8:(sprintf("$%.4g", $8)) with labels offset 0,0.8 notitle
}
