# circuit_state.gp -- circuit breaker state per window (Resilience4j states: closed, open, half-open).
#
# Run in DIR/charts:  gnuplot circuit_state.gp   (writes circuit_state.svg, circuit_state.png)
# Reads circuit_state.dat: time_s, then one column per component that records circuit_state (header = id).
if (!exists("chart_height")) chart_height = 330
load "style.gp"
chart = "circuit_state"
file = "circuit_state.dat"
stats file nooutput
ncols = STATS_columns
set title "Circuit breaker state"
eval load_marks
set ylabel "state"
set yrange [-0.2:2.2]
set ytics ("closed" 0, "open" 1, "half-open" 2)
# The engine writes 0 = closed, 1 = open, 2 = half-open (Resilience4j state names);
# a window that saw more than one state shows the time-weighted mean.
do for [fmt in formats] {
  eval open_output
  plot for [i=2:ncols] file using ($1/time_div):i with steps lt (i-1) title columnheader(i)
}
