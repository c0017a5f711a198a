// html_figures.h -- the charts of a report page: each chart's gnuplot script installed in
// DIR/charts (a student's edited copy kept), drawn to SVG and PNG when gnuplot is on PATH,
// and described for the page's data (the static SVG inline, the interactive panels read
// from the same data files). Knows the chart files, not the models.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/html_interactive.h"

namespace archsim::reports::figures {

struct Chart {
  std::string name;     // base name of the script and of its outputs
  std::string title;    // heading on the page
  std::string caption;  // what is drawn and what to look for
  std::vector<std::string> data_files;
  nlohmann::json panels = nlohmann::json::array();  // interactive graphs built by the caller; empty: read from data_files
  // Panels described by the writer (a file each, in data_files too): the page reads them as
  // described, and the static chart is drawn by the generic tools/charts/panels.gp through a
  // NAME.gp that archsim writes (script_for), not by a template of the chart's own. Empty:
  // the chart has its template (tools/charts/NAME.gp) and interactive::panel_for reads it.
  std::vector<interactive::Panel> declared = {};
  // The component whose declared section this chart draws (html_declared_charts.h): the page
  // shows it in that component's section, beside the interactive panels its script draws from
  // the page's own series, so the chart carries no interactive panels of its own. "" for none.
  std::string component = {};
};

// The gnuplot script of a chart with declared panels: its title and each panel's file,
// subtitle, axis labels and options as variables, then `load "panels.gp"`.
std::string script_for(const Chart& chart);

struct Drawing {
  bool gnuplot_found = false;
  bool scripts_found = false;
  int drawn = 0;
  std::vector<std::string> failed;
  std::vector<std::string> kept_edits;
};

// Removes outputs of an earlier report so that a chart the data no longer calls for does not
// linger on the page. Only the names given are touched (and charts/gnuplot.log).
void remove_stale(const std::filesystem::path& charts, const std::vector<std::string>& names,
                  const std::vector<std::string>& data_files);

// Installs the chart scripts from `templates` (tools/charts; a chart with declared panels gets
// script_for's script and panels.gp) and, when `run`, draws each chart with gnuplot. A script
// the student edited (it differs from what was installed last) is kept. A script that fails leaves no SVG or PNG behind.
Drawing draw(const std::filesystem::path& charts, const std::filesystem::path& templates,
             const std::vector<Chart>& list, bool run = true);

// What the page says about the static charts ({"kind": "no_gnuplot" | "no_scripts" |
// "failed" | "", "failed": [...], "kept_edits": [...], "redo": "archsim report DIR"}) and,
// in `message`, the one line for the terminal.
nlohmann::json notice(const std::filesystem::path& dir, const Drawing& d, std::string& message);

// The charts as the page's data: per chart {"name", "title", "caption", "files", "svg"
// (the static chart inline, null when not drawn), "panels"} with the interactive panels read
// from the data files (time divided by `x_div`) when `interactive`. The static charts are
// inlined up to `inline_budget` bytes in all, in the list's order; past it, a chart that is
// also drawn interactively keeps its static chart in its file only ("svg" null,
// "svg_linked" true): a long run's gnuplot charts, drawn point by point, would otherwise
// make the page too large to mail. Without interactive charts every static chart is inlined.
constexpr std::size_t kInlineSvgBudget = 1'000'000;
// The budget the pages use: kInlineSvgBudget, or the environment's ARCHSIM_INLINE_SVG_BYTES
// (a whole number of bytes), which lets the suite's browser check open a linked page without
// a day-long run.
std::size_t inline_svg_budget();
nlohmann::json describe(const std::filesystem::path& charts, const std::vector<Chart>& list, bool interactive,
                        double x_div, std::size_t inline_budget = kInlineSvgBudget);

}  // namespace archsim::reports::figures
