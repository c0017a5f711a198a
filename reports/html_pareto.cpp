#include "reports/html_pareto.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "reports/html_data.h"
#include "reports/html_json.h"
#include "reports/write_file.h"

namespace archsim::reports::pareto {

using nlohmann::json;

namespace {

std::string g(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

}  // namespace

std::vector<bool> front(const std::vector<Point>& points) {
  std::vector<bool> on(points.size(), false);
  auto usable = [](const Point& p) { return !std::isnan(p.p99_ms) && !std::isnan(p.cost_usd); };
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (!usable(points[i])) continue;
    bool dominated = false;
    for (std::size_t j = 0; j < points.size() && !dominated; ++j) {
      if (j == i || !usable(points[j])) continue;
      const Point &a = points[i], &b = points[j];
      dominated = b.p99_ms <= a.p99_ms && b.cost_usd <= a.cost_usd && (b.p99_ms < a.p99_ms || b.cost_usd < a.cost_usd);
    }
    on[i] = !dominated;
  }
  return on;
}

Plot write_data(const std::filesystem::path& charts, const json& variants) {
  Plot plot;
  std::vector<Point> points;
  double slo_p99 = NAN;
  if (variants.is_array())
    for (const json& v : variants) {
      const json& s = v.contains("summary") ? v["summary"] : json::object();
      Point p{js::str_at(v, "label"), js::num_at(s, "latency_ms.p99"), js::num_at(s, "cost.total_usd")};
      if (std::isnan(p.p99_ms) || std::isnan(p.cost_usd)) continue;
      if (std::isnan(slo_p99)) slo_p99 = js::num_at(s, "slo.latency_p99_ms");
      points.push_back(std::move(p));
    }
  if (points.size() < 2) return plot;
  std::stable_sort(points.begin(), points.end(), [](const Point& a, const Point& b) { return a.p99_ms < b.p99_ms; });
  const std::vector<bool> on = front(points);
  std::string dat = "label,p99_ms,cost_usd,on_front\n";
  json rows = json::array(), labels = json::array();
  for (std::size_t i = 0; i < points.size(); ++i) {
    const Point& p = points[i];
    dat += data::safe_name(p.label) + "," + g(p.p99_ms) + "," + g(p.cost_usd) + "," + (on[i] ? "1" : "0") + "\n";
    rows.push_back(json::array({p.p99_ms, p.cost_usd, on[i] ? json(p.cost_usd) : json(nullptr)}));
    labels.push_back(p.label);
    plot.on_front += on[i] ? 1 : 0;
  }
  // The front again as its own block: gnuplot joins its points without the others between.
  dat += "\n\nlabel,p99_ms,cost_usd,on_front\n";
  for (std::size_t i = 0; i < points.size(); ++i)
    if (on[i]) dat += data::safe_name(points[i].label) + "," + g(points[i].p99_ms) + "," + g(points[i].cost_usd) + ",1\n";
  write_file(charts / "pareto.dat", dat);
  std::string axis = "# pareto_axis.gp -- written by archsim from ../compare.json for compare_pareto.gp\n";
  if (!std::isnan(slo_p99)) axis += "slo_p99_ms = " + g(slo_p99) + "\n";
  write_file(charts / "pareto_axis.gp", axis);
  json panel = {{"labels", {"p99 latency (ms)", "variants", "Pareto front"}},
                {"rows", std::move(rows)},
                {"time_x", false},
                {"xlabel", "p99 latency (ms)"},
                {"xunit", " ms"},
                {"ylabel", "cost of the run (USD)"},
                {"points", {"variants"}},
                {"colors", {"#0072B2", "#C00000"}},
                {"connect", true},
                {"point_labels", std::move(labels)}};
  if (!std::isnan(slo_p99)) panel.update({{"slo_x", slo_p99}, {"slo_x_label", "SLO: p99 \u2264 " + g(slo_p99) + " ms"}});
  plot.panels.push_back(std::move(panel));
  plot.drawn = true;
  return plot;
}

}  // namespace archsim::reports::pareto
