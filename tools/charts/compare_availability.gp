# compare_availability.gp -- availability per variant (percent ok), with 95% confidence intervals.
#
# Run in DIR/charts:  gnuplot compare_availability.gp
# Reads compare.dat (columns listed in compare_p99.gp). The y axis starts just below the
# lowest interval so that 99.9% and 99.99% do not look alike; the dashed line is the SLO.
load "style.gp"
chart = "compare_availability"
file = "compare.dat"
stats file using 6 nooutput
lo = STATS_min
n = STATS_records
# The SLO column is NaN when the scenario has none; `stats` on an all-NaN column fails,
# so the value is picked up row by row instead.
slo = NaN
stats file using (slo = (column(10) == column(10) ? column(10) : slo), 0) nooutput
floor = lo
if (slo == slo && slo < floor) floor = slo
floor = floor - (100.0 - floor) * 0.5 - 0.001
if (floor < 0) floor = 0
set title "Availability per variant (bars: mean, whiskers: 95% CI)"
set ylabel "requests ok (%)"
set yrange [floor:100]
set boxwidth 0.6
set rmargin at screen 0.97
set bmargin 6
set xtics rotate by -20 left
set xrange [-0.6:n-0.4]
set key inside top right
if (slo == slo) { set arrow from graph 0, first slo to graph 1, first slo nohead lc rgb "#D55E00" lw 1.5 dt 2 front; set label sprintf("SLO %g%%", slo) at graph 0.01, first slo offset 0,0.6 textcolor rgb "#D55E00" front }
do for [fmt in formats] {
  eval open_output
  plot file using 0:5:xtic(1) with boxes lc rgb "#009E73" notitle, \
       file using 0:5:6:7 with yerrorbars lc rgb "#222222" pt 7 ps 0.4 lw 1.5 notitle
}
