// html_interactive.h -- the interactive charts of report.html: zoom (drag; double-click
// resets), values under the mouse, series switched on and off, drawn in the browser by
// dygraphs (Debian's libjs-dygraphs, installed by tools/setup.sh), a library made for time
// series. The library is read when the report is written and inlined into the page, so the
// page opens offline and fetches nothing.
//
// Each interactive chart draws the same data file the static gnuplot chart draws
// (DIR/charts/*.dat), with the same marks (html_marks.h): warm-up and fault bands,
// alert and scale-event lines, the p99 objective on the latency chart, time in the unit
// that fits the run, and a gap where a window has no value. The static SVG stays on the
// page under it (collapsed once the interactive chart is drawn): without the library, or
// with scripts off, the page is complete with the static charts alone.
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
  bool time_x = true;               // x is time_s (shown in the run's unit) with the marks
  bool blocks = false;              // gnuplot data blocks (the CDF files), merged on x
  bool logx = false;
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

// The graphs of one figure, to be placed in it: one <div> per panel with the data read
// from `charts`. Adds the chart to `payload` (see script()). Returns "" when no panel had data.
std::string placeholder(const std::filesystem::path& charts, const std::string& chart_name,
                        const std::vector<Panel>& panels, nlohmann::json& payload);

// A figure whose graphs the caller built (a comparison's what-if lines, its cost-vs-p99
// scatter): each panel is {"labels": [x name, series...], "rows": [[x, y...]...], "ylabel"}
// plus any of the options the page's script reads: "xlabel" and "xunit" (the x axis name
// and the unit its hover value shows), "time_x", "percent", "y_top", "slo" (p99 objective as
// a horizontal line), "dots" (points drawn on the lines), "slo_x" (a vertical line at that x, "slo_x_label" its text), "bars"
// (each y cell is [lo, value, hi] or null: drawn as a line with a band), "points" (series
// names drawn as dots without a line), "colors" (one per series), "connect" (lines join across missing values), and
// "point_labels" (one text per row, shown with the hovered values). Adds them to `payload`
// and returns the placeholders ("" when `panels` is empty).
std::string place(const std::string& chart_name, nlohmann::json panels, nlohmann::json& payload);

// The payload every chart shares: the marks and the time unit. Charts are added by placeholder().
nlohmann::json new_payload(const marks::Marks& marks);

// The end of the page: the library's style and code, the payload as JSON and the script
// that draws every placeholder. Each drawn graph gets data-chart-ready="1"; the <body> gets
// data-interactive-charts="N", the number drawn (the browser check reads both).
std::string scripts(const Library& lib, const nlohmann::json& payload);

// The one line the page shows when the library is missing.
std::string missing_notice(const std::filesystem::path& path);

}  // namespace archsim::reports::interactive
