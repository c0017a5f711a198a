# circuit_state.gp -- circuit breaker state at every transition (Resilience4j states).
#
# Run in DIR/charts:  gnuplot circuit_state.gp   (writes circuit_state.svg, circuit_state.png)
# Reads circuit_state.dat: time_s, then one column per breaker (header = its call site). Each
# row is a moment at which some breaker changed state, at its exact time, and each column
# holds its state from that row until the next (the last row is the end of the run).
if (!exists("chart_height")) chart_height = 330
load "style.gp"
chart = "circuit_state"
file = "circuit_state.dat"
stats file nooutput
ncols = STATS_columns
set title "Circuit breaker state"
eval load_marks
set ylabel "state"
# The operator's states (3..5) only get room when some breaker entered one.
top = 2
do for [i=2:ncols] {
  stats file using i nooutput
  if (STATS_max > top) { top = STATS_max }
}
set yrange [-0.2:top + 0.2]
set lmargin 14
# The engine's numbers, Resilience4j's State order: 0 closed, 1 open, 2 half-open, then the
# operator's states.
set ytics ("closed" 0, "open" 1, "half-open" 2, "disabled" 3, "forced open" 4, "metrics only" 5)
# steps: a value holds until the next row, then the line jumps: a transition is drawn where
# it happened.
do for [fmt in formats] {
  eval open_output
  plot for [i=2:ncols] file using ($1/time_div):(column(i)) with steps lt (i-1) lw 2 title columnheader(i)
}
