# functions.gp -- serverless functions: invocations, cold starts and throttles per second
# (top), and execution environments alive and busy (bottom).
#
# Run in DIR/charts:  gnuplot functions.gp   (writes functions.svg, functions.png)
# Reads functions.dat: time_s, then three columns per function ("fn invocations",
#   "fn cold starts", "fn throttled"), per second.
# Reads function_envs.dat when it exists: time_s, then two columns per function
#   ("fn environments", "fn concurrent"), means over each window.
load "style.gp"
chart = "functions"
has_envs = system("test -s function_envs.dat && echo 1 || echo 0") eq "1"
stats "functions.dat" nooutput
nf = STATS_columns
if (has_envs) { stats "function_envs.dat" nooutput; ne = STATS_columns; chart_height = 560 }
eval load_marks
do for [fmt in formats] {
  eval open_output
  if (has_envs) { set multiplot layout 2,1 title "Serverless functions" }
  set title (has_envs ? "" : "Serverless functions")
  set ylabel "per second"
  set yrange [0:*]
  plot for [i=2:nf] "functions.dat" using ($1/time_div):i with lines lt ((i-2)/3+1) dt 1+(i-2)%3 title columnheader(i)
  if (has_envs) {
    set ylabel "environments"
    set yrange [0:*]
    plot for [i=2:ne] "function_envs.dat" using ($1/time_div):i with lines lt ((i-2)/2+1) dt 1+(i-2)%2 title columnheader(i)
    unset multiplot
  }
}
