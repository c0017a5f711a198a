// html_report.h -- the study report: report.html with tables and charts, written from the
// data files of an output folder alone (summary.json, timeseries.csv, latency_cdf.csv,
// analysis.json, trace.json; compare.json for comparisons). It knows those file formats and
// nothing of the models that produced them.
//
// What a call leaves in DIR:
//   report.html        one self-contained page: the page's own skeleton, style sheet and
//                      script (reports/page/, embedded in archsim at build time), the
//                      interactive charts' library (dygraphs, read from Debian's package) and
//                      one JSON block of data the script draws every section from: the
//                      summary, the charts' panels and static SVGs, the window series the
//                      alert and data-tier sections need, the architecture diagram
//                      (html_topology.h); no script, font, stylesheet or image fetched.
//   charts/*.dat       the data of each chart, split out of the CSV files (wide format).
//   charts/*.gp        the chart scripts used, copied from `chart_script_dir`, so a student
//                      can edit one and re-run it there (`cd DIR/charts && gnuplot latency.gp`).
//                      A copy that already exists and differs from the template is the
//                      student's edit: it is kept and used, and the page says so.
//   charts/*.svg,*.png the charts, when gnuplot is on PATH; its output goes to charts/gnuplot.log.
// Without gnuplot (or without the templates) the data and the page are still written and
// the page says how to get the charts; that is not an error.
#pragma once

#include <filesystem>
#include <string>

namespace archsim::reports {

struct ReportResult {
  bool charts_drawn = false;  // every chart the data called for was drawn
  std::string message;        // one line for the terminal: what was written, what is missing
};

// How a run page is written when it is one variant of a comparison.
struct RunPageOptions {
  bool static_charts = true;  // run gnuplot; off, the page has its interactive charts and says
                              // how to draw the static ones (`archsim report DIR`)
  std::string context_html;   // a line under the title (the variant, a link back), trusted HTML
};

// Writes DIR/report.html for a run folder. Throws std::runtime_error naming the file when
// DIR/summary.json is missing or not valid JSON; timeseries.csv and latency_cdf.csv are
// optional (their charts are left out).
ReportResult write_run_report(const std::filesystem::path& dir,
                              const std::filesystem::path& chart_script_dir, const RunPageOptions& options = {});

// Writes DIR/report.html for `archsim compare`: reads DIR/compare.json
// ({"variants": [{"label", "dir", "set": {path: value}, "summary": {...}}]}) and, when
// present, each variant folder's (DIR/<dir>, else DIR/<label>) latency_cdf.csv and
// timeseries.csv. Charts: with a numeric --vary, p99 and availability against it (a line per
// other value, 95% CI bands with replications; html_whatif.h), else p99 and availability
// per variant with CI whiskers; cost against p99 with the Pareto front (html_pareto.h); every
// variant's p99 and throughput over time (html_compare_series.h); overlaid latency CDFs; cost
// per variant. Charts equal in every variant are left out and said to be. Each variant folder
// gets its own run page (interactive charts only, linked from the table). Throws like
// write_run_report.
ReportResult write_compare_report(const std::filesystem::path& dir,
                                  const std::filesystem::path& chart_script_dir);

}  // namespace archsim::reports
