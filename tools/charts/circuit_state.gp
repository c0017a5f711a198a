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
# The engine writes 0 = closed, 1 = open, 2 = half-open (Resilience4j state names) per
# window; a window that saw more than one state holds their time-weighted mean, which is no
# state at all. So the line is drawn only through windows spent in one state (fsteps: the
# value at a window's end holds over that window), and a window where the state changed is
# a hollow circle at its mean, with a gap in the line.
pure(v) = (v == 0 || v == 1 || v == 2) ? v : NaN
mixed(v) = (v == v && v != 0 && v != 1 && v != 2) ? v : NaN
do for [fmt in formats] {
  eval open_output
  plot for [i=2:ncols] file using ($1/time_div):(pure(column(i))) with fsteps lt (i-1) title columnheader(i), \
       for [i=2:ncols] file using ($1/time_div):(mixed(column(i))) with points lt (i-1) pt 6 ps 0.8 \
         title (i == 2 ? "state changed within the window" : "")
}
