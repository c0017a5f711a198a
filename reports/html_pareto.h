// html_pareto.h -- the cost against p99 latency of a comparison's variants, with the Pareto
// front marked: the variants no other variant beats on both (as cheap or cheaper and as fast
// or faster, strictly better on one). A design off the front pays for latency it does not
// get; choosing among those on it is the trade-off the comparison is about.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace archsim::reports::pareto {

struct Point {
  std::string label;
  double p99_ms = 0;
  double cost_usd = 0;
};

// For each point, whether it is on the front. Points with a NaN figure are never on it
// and dominate nothing; two equal points are both on it (neither is strictly better).
std::vector<bool> front(const std::vector<Point>& points);

struct Plot {
  bool drawn = false;  // at least two variants with both figures
  int on_front = 0;
  nlohmann::json panels = nlohmann::json::array();  // the interactive scatter (a chart panel: html_interactive.h read_panels())
};

// Reads p99 (latency_ms.p99) and cost (cost.total_usd) of compare.json's variants. Writes
// charts/pareto.dat -- "label,p99_ms,cost_usd,on_front", one row per variant sorted by p99,
// then (two blank lines apart, same header) the front's rows alone -- and charts/pareto_axis.gp (slo_p99_ms when the scenario has a p99 objective) for
// tools/charts/compare_pareto.gp. Writes nothing when fewer than two variants have both.
Plot write_data(const std::filesystem::path& charts, const nlohmann::json& variants);

}  // namespace archsim::reports::pareto
