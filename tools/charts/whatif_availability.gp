# whatif_availability.gp -- availability against the numeric --vary of a comparison, one
# line per combination of the other varied values, a band for the 95% confidence interval.
#
# Run in DIR/charts:  gnuplot whatif_availability.gp  (writes whatif_availability.svg, .png)
# Reads whatif.dat and whatif_axis.gp (columns in whatif_p99.gp).
load "style.gp"
chart = "whatif_availability"
file = "whatif.dat"
load "whatif_axis.gp"
stats file using 1 nooutput
nblocks = STATS_blocks
set title "Availability against ".x_name." (band: 95% CI across replications)"
set xlabel x_name
set ylabel "requests served (%)"
set yrange [*:100]
if (exists("slo_availability_pct")) { set arrow from graph 0, first slo_availability_pct to graph 1, first slo_availability_pct nohead lc rgb "#C00000" lw 1.5 dt 4 front; set label sprintf("SLO %g%%", slo_availability_pct) at graph 0.01, first slo_availability_pct offset 0,-0.8 textcolor rgb "#C00000" front }
do for [fmt in formats] {
  eval open_output
  plot for [b=0:nblocks-1] file index b using 1:6:7 with filledcurves lt (b+1) fillstyle transparent solid 0.18 noborder notitle, \
       for [b=0:nblocks-1] file index b using 1:5 with linespoints lt (b+1) pt 7 ps 0.7 title columnheader(2)
}
