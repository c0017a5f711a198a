// html_whatif.h -- what-if plots of a comparison, as JMT draws them: when a --vary takes
// numbers (arrival rates, replicas, timeouts in ms), the comparison is a curve of a metric
// against that number, not a row of unordered bars.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace archsim::reports::whatif {

struct Plot {
  bool drawn = false;      // data written: a numeric axis was found
  std::string x_path;      // the --vary path on the x axis ("users.arrivals.rate")
  int series = 0;          // one line per combination of the other varied values
  bool bands = false;      // replications: 95% CI bands around the lines
  bool availability_varies = false;  // some variant's availability differs from another's
  // The p99 and availability are the SLO's population's (slo.population): its label; "" when
  // they are every request's (no SLO, or one on every request).
  std::string population;
  // The same lines for the page's interactive charts (panels: html_interactive.h read_panels()): a p99
  // panel and, when availability_varies, an availability panel; rows merged on x, a cell
  // [lo, value, hi] when bands, null where a line has no point at that x.
  nlohmann::json p99_panels = nlohmann::json::array();
  nlohmann::json availability_panels = nlohmann::json::array();
};

// Picks the x axis among the varied paths of compare.json's variants ("set": {path: value}):
// the path whose values are numbers in every variant, with the most distinct values (at
// least 2). Writes charts/whatif.dat -- one block per series (two blank lines apart), each
// with a header "<x path>,<series label>,p99_lo,p99_hi,availability_pct,availability_lo,
// availability_hi" and rows sorted by x -- and charts/whatif_axis.gp (x_name, slo_p99_ms,
// slo_availability_pct). Writes nothing and returns drawn = false when no path is numeric.
Plot write_data(const std::filesystem::path& charts, const nlohmann::json& variants);

}  // namespace archsim::reports::whatif
