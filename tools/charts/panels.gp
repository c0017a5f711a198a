# panels.gp -- draws a chart of stacked panels over time, one data file each, as the chart's
# own script (NAME.gp, written by archsim from what the chart declares) describes them:
#   chart, chart_title, npanels, and per panel N = 1..npanels:
#   pN_file     the wide data file: time_s, then one column per series (header = legend)
#   pN_title    what the panel shows ("" for none)
#   pN_ylabel   the left axis
#   pN_y2       1: the last column on the right axis (grey, dotted), labelled pN_y2label
#   pN_slo      1: the scenario's p99 objective (slo_p99_ms, annotations.gp) as a red line:
#               only on the panel of the population the objective judges
#   pN_percent  1: fractions drawn as percentages (0-100)
#   pN_logy     1: a log y axis
#   pN_step     1: a state drawn as steps
# Edit NAME.gp to change a title or an option and run `gnuplot NAME.gp` again.
if (!exists("panel_height")) panel_height = 300
if (!exists("chart_height")) chart_height = 70 + npanels * (panel_height + 40)
load "style.gp"
eval load_marks
# Room for a log axis's labels (100000) and the axis title beside them.
set lmargin at screen 0.12
set ytics nomirror
# A legend below each panel keeps the right side for a right axis; left and right edges stay
# where the other charts have theirs.
set key outside below center horizontal
# Columns per panel, counted before drawing (stats does not run inside a multiplot).
do for [k=1:npanels] {
  stats value(sprintf("p%d_file", k)) nooutput
  eval sprintf("p%d_columns = %d", k, STATS_columns)
}
do for [fmt in formats] {
  eval open_output
  set multiplot layout npanels,1 title chart_title font ",13"
  do for [k=1:npanels] {
    f = value(sprintf("p%d_file", k))
    n = value(sprintf("p%d_columns", k))
    y2 = value(sprintf("p%d_y2", k)) && n >= 3
    pct = value(sprintf("p%d_percent", k))
    slo = value(sprintf("p%d_slo", k)) && exists("slo_p99_ms")
    last = y2 ? n - 1 : n
    style = value(sprintf("p%d_step", k)) ? "steps" : "lines"
    # The alerts' numbers are named once, in the first panel (annotations.gp's alert_legend).
    if (exists("alert_legend")) { if (k == 1) { eval alert_legend } else { unset label 9999 } }
    set title value(sprintf("p%d_title", k)) textcolor rgb "#222222"
    set ylabel value(sprintf("p%d_ylabel", k)) . (pct ? " (%)" : "")
    if (value(sprintf("p%d_logy", k))) { set logscale y; set yrange [*:*] } else { unset logscale y; set yrange [0:*] }
    if (y2) { set y2tics; set y2range [0:*]; set y2label value(sprintf("p%d_y2label", k)) } else { unset y2tics; unset y2label }
    # The plot command is put together as text: a right axis or an objective only when there is one.
    cmd = "plot for [i=2:last] f using ($1/time_div):(pct ? 100*column(i) : column(i)) with " . style . " lt (i-1) title columnheader(i)"
    if (y2) { cmd = cmd . ", f using ($1/time_div):n axes x1y2 with lines lc rgb '#888888' lw 1.5 dt 3 title columnheader(n)" }
    if (slo) { cmd = cmd . ", slo_p99_ms with lines lc rgb '#C00000' lw 1.5 dt 4 title sprintf('SLO: p99 <= %g ms', slo_p99_ms)" }
    eval cmd
  }
  unset multiplot
}
