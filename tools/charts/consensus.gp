# consensus.gp -- consensus groups: writes committed, failed and lost per second (top), and the
# members acting as leader (bottom).
#
# Run in DIR/charts:  gnuplot consensus.gp   (writes consensus.svg, consensus.png)
# Reads consensus.dat: time_s, then three columns per group ("g committed", "g failed",
#   "g lost"), per second.
# Reads consensus_leaders.dat when it exists: time_s, then one column per group ("g leaders"),
#   means over each window.
load "style.gp"
chart = "consensus"
has_leaders = system("test -s consensus_leaders.dat && echo 1 || echo 0") eq "1"
stats "consensus.dat" nooutput
nc = STATS_columns
if (has_leaders) { stats "consensus_leaders.dat" nooutput; nl = STATS_columns; chart_height = 560 }
eval load_marks
do for [fmt in formats] {
  eval open_output
  if (has_leaders) { set multiplot layout 2,1 title "Consensus groups" }
  set title (has_leaders ? "" : "Consensus groups")
  set ylabel "writes / s"
  set yrange [0:*]
  plot for [i=2:nc] "consensus.dat" using ($1/time_div):i with lines lt ((i-2)/3+1) dt 1+(i-2)%3 title columnheader(i)
  if (has_leaders) {
    set ylabel "members leading"
    set yrange [0:*]
    plot for [i=2:nl] "consensus_leaders.dat" using ($1/time_div):i with fsteps lt (i-1) title columnheader(i)
    unset multiplot
  }
}
