// html_interactive.h -- what report.html is assembled from: the page's own files
// (reports/page/, embedded at build time: page_assets.h), one JSON block of data, and the
// charting library. The page's script draws every section from the data; its interactive
// charts (zoom, values under the mouse, series switched on and off) are drawn by dygraphs
// (Debian's libjs-dygraphs, installed by tools/setup.sh), read when the report is written
// and inlined, so the page opens offline and fetches nothing.
//
// Each interactive chart draws the same data file the static gnuplot chart draws
// (DIR/charts/*.dat), with the same marks (html_marks.h): warm-up and fault bands, alert
// firings and scale events, the p99 objective on the latency chart, time in the unit that
// fits the run, and a gap where a window has no value. The static SVG is in the data too:
// without the library the page shows it in place of the interactive chart.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/html_marks.h"

namespace archsim::reports::interactive {

// Where the library is read from: $ARCHSIM_DYGRAPHS_JS when set (a path; empty or missing
// turns the interactive charts off, which is how the tests check the fallback), else the
// build's default (CMake ARCHSIM_DYGRAPHS_JS, /usr/share/javascript/dygraphs/dygraph.min.js).
std::filesystem::path library_path();

struct Library {
  std::filesystem::path path;
  std::string js;   // the minified library, made safe to sit inside <script>
  std::string css;  // dygraph.min.css beside it, when present
};
// Reads the library; nothing when the file is missing, unreadable or does not define Dygraph.
std::optional<Library> load_library();

// One graph of a figure: a data file of DIR/charts and how to draw it.
struct Panel {
  std::string file;                 // "latency.dat"
  std::string ylabel;
  std::string subtitle;             // what the panel shows, above it ("" for none)
  bool time_x = true;               // x is time_s (shown in the run's unit) with the marks
  bool blocks = false;              // gnuplot data blocks (the CDF files), merged on x
  bool logx = false;
  bool logy = false;                // a log y axis (series 100x apart on one panel)
  bool y2_last = false;             // the last column on a right axis labelled y2label
  std::string y2label;
  bool slo = false;                 // draw the p99 objective
  bool percent = false;             // fractions shown as percentages
  double y_top_at_least = 0;        // the y axis reaches at least this (a near-zero queue is not blown up)
  bool step = false;                // a state: drawn as steps
  std::vector<std::string> states;  // names of the values 0, 1, 2 ... of a state series
};

// How the run report draws a data file it wrote (html_report.cpp's chart data files);
// nothing for a file it does not know (annotations.gp).
std::optional<Panel> panel_for(const std::string& data_file);

// The graphs of one figure, read from its data files in `charts` (time in the unit whose
// seconds are `x_div`): one panel per file that has data, as the page's script draws it
// ({"labels", "rows", "ylabel", "time_x", "logx", "logy", "slo", "percent", "step", "y_top",
// "y2", "states", "subtitle"}). A chart can also carry panels its writer built (a comparison's what-if lines,
// its cost-vs-p99 scatter) with further options the script reads: "xlabel" and "xunit",
// "dots", "slo_x" and "slo_x_label", "bars" (cells [lo, value, hi]), "points" (series drawn
// as dots), "colors", "connect" and "point_labels" (reports/page/charts.js).
nlohmann::json read_panels(const std::filesystem::path& charts, const std::vector<Panel>& panels, double x_div);

// What every time chart shares: {"time": {"unit", "div", "end"}, "slo_p99_ms", "marks"}.
nlohmann::json marks_json(const marks::Marks& marks);

// The whole page: the skeleton (reports/page/skeleton.html) with `title`, the style sheet
// (the library's and the page's), the library when given, `data` as one JSON block
// (<script type="application/json" id="archsim-page-data">) and the page's script, which
// draws every section from that block (reports/page/main.js). Text inside <script> and
// <style> is made safe: nothing in it can end the element early.
std::string render(const std::string& title, const nlohmann::json& data, const Library* lib);

}  // namespace archsim::reports::interactive
