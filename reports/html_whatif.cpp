#include "reports/html_whatif.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <vector>

#include "reports/html_data.h"
#include "reports/html_json.h"
#include "reports/write_file.h"
#include "sim/text_list.h"

namespace archsim::reports::whatif {

using nlohmann::json;
using js::num_at;

namespace {

std::string g(double v) {
  if (std::isnan(v)) return "NaN";
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

std::string value_text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// The bound of a confidence interval, or the value itself when the run had one replication.
double bound(const json& s, const char* key, double value, const char* end) {
  const double b = js::ci_bound(s, key, end);
  return std::isnan(b) ? value : b;
}

// The summary paths of the p99 and availability a what-if plots: those of the requests the SLO
// judges (slo.population) when its scope is not every request, since the plot carries the
// objective's line; the run's own otherwise. Returns the prefix ("slo.population." or "").
std::string judged(const json& s) {
  return s.contains("slo") && s["slo"].is_object() && s["slo"].contains("population") && s["slo"]["population"].is_object() &&
                 s["slo"]["population"].value("scoped", false)
             ? "slo.population."
             : "";
}

}  // namespace

Plot write_data(const std::filesystem::path& charts, const json& variants) {
  Plot plot;
  if (!variants.is_array() || variants.size() < 2) return plot;
  // Candidate axes: paths set in every variant with a number every time.
  std::vector<std::string> paths;
  const json first = variants[0].value("set", json::object());
  for (const auto& [path, v] : first.items()) paths.push_back(path);
  std::size_t best_distinct = 1;
  for (const std::string& p : paths) {
    std::set<double> distinct;
    bool numeric = true;
    for (const json& v : variants) {
      const json set = v.value("set", json::object());
      if (!set.contains(p) || !set[p].is_number()) {
        numeric = false;
        break;
      }
      distinct.insert(set[p].get<double>());
    }
    if (numeric && distinct.size() > best_distinct) {
      best_distinct = distinct.size();
      plot.x_path = p;
    }
  }
  if (plot.x_path.empty()) return plot;

  // One series per combination of the other varied values, in first-seen order.
  struct Point {
    double x;
    const json* summary;
  };
  std::vector<std::string> order;
  std::map<std::string, std::vector<Point>> series;
  for (const json& v : variants) {
    const json set = v.value("set", json::object());
    std::string label;
    for (const auto& [path, value] : set.items())
      if (path != plot.x_path) append_item(label, " ", path + "=" + value_text(value));
    if (label.empty()) label = "all variants";
    if (!series.count(label)) order.push_back(label);
    series[label].push_back({set[plot.x_path].get<double>(), &v["summary"]});
  }
  std::string dat;
  double slo_p99 = NAN, slo_av = NAN, av_min = INFINITY, av_max = -INFINITY;
  for (const std::string& label : order) {
    auto& pts = series[label];
    std::stable_sort(pts.begin(), pts.end(), [](const Point& a, const Point& b) { return a.x < b.x; });
    if (!dat.empty()) dat += "\n\n";
    dat += data::safe_name(plot.x_path) + "," + data::safe_name(label) +
           ",p99_lo,p99_hi,availability_pct,availability_lo,availability_hi\n";
    for (const Point& p : pts) {
      const json& s = *p.summary;
      const std::string k99 = judged(s) + "latency_ms.p99", kav = judged(s) + "availability";
      const double p99 = num_at(s, k99), av = num_at(s, kav);
      const double lo = bound(s, k99.c_str(), p99, "lo"), hi = bound(s, k99.c_str(), p99, "hi");
      plot.bands = plot.bands || lo != hi || bound(s, kav.c_str(), av, "lo") != bound(s, kav.c_str(), av, "hi");
      dat += g(p.x) + "," + g(p99) + "," + g(lo) + "," + g(hi) + "," + g(av * 100) + "," +
             g(bound(s, kav.c_str(), av, "lo") * 100) + "," + g(bound(s, kav.c_str(), av, "hi") * 100) + "\n";
      if (!std::isnan(av)) {
        av_min = std::min(av_min, av);
        av_max = std::max(av_max, av);
      }
      if (!judged(s).empty() && plot.population.empty()) {
        plot.population = js::str_at(s["slo"]["population"], "label");
        if (plot.population.empty()) plot.population = "its scope";
      }
      if (std::isnan(slo_p99)) slo_p99 = num_at(s, "slo.latency_p99_ms");
      if (std::isnan(slo_av)) slo_av = num_at(s, "slo.availability");
    }
  }
  plot.series = static_cast<int>(order.size());
  plot.availability_varies = av_min < av_max;
  // The interactive form: one table on x, a column per series.
  std::map<double, std::vector<std::pair<json, json>>> table;  // x -> (p99 cell, availability cell) per series
  for (std::size_t k = 0; k < order.size(); ++k)
    for (const Point& p : series[order[k]]) {
      auto& row = table[p.x];
      row.resize(order.size(), {json(nullptr), json(nullptr)});
      const json& s = *p.summary;
      const std::string k99 = judged(s) + "latency_ms.p99", kav = judged(s) + "availability";
      const double p99 = num_at(s, k99), av = num_at(s, kav) * 100;
      auto cell = [&](const char* key, double v, double scale) {
        if (std::isnan(v)) return json(nullptr);
        if (!plot.bands) return json(v);
        return json::array({bound(s, key, v / scale, "lo") * scale, v, bound(s, key, v / scale, "hi") * scale});
      };
      row[k] = {cell(k99.c_str(), p99, 1), cell(kav.c_str(), av, 100)};
    }
  json labels = json::array({plot.x_path});
  for (const std::string& l : order) labels.push_back(l);
  json p99_rows = json::array(), av_rows = json::array();
  for (auto& [x, cells] : table) {
    cells.resize(order.size(), {json(nullptr), json(nullptr)});
    json a = json::array({x}), b = json::array({x});
    for (const auto& [c99, cav] : cells) {
      a.push_back(c99);
      b.push_back(cav);
    }
    p99_rows.push_back(std::move(a));
    av_rows.push_back(std::move(b));
  }
  const json common = {{"labels", labels}, {"time_x", false}, {"xlabel", plot.x_path}, {"xunit", ""},
                       {"bars", plot.bands}, {"dots", true}, {"connect", true}};
  json p99_panel = common, av_panel = common;
  p99_panel.update({{"rows", std::move(p99_rows)}, {"ylabel", "p99 latency (ms)"}, {"slo", true}});
  av_panel.update({{"rows", std::move(av_rows)}, {"ylabel", "availability (%)"}});
  plot.p99_panels.push_back(std::move(p99_panel));
  if (plot.availability_varies) plot.availability_panels.push_back(std::move(av_panel));
  write_file(charts / "whatif.dat", dat);
  std::string axis = "# whatif_axis.gp -- written by archsim from ../compare.json for whatif_*.gp\n";
  std::string name;
  for (char c : plot.x_path) name += c == '\'' ? std::string("''") : std::string(1, c);
  axis += "x_name = '" + name + "'\n";
  if (!std::isnan(slo_p99)) axis += "slo_p99_ms = " + g(slo_p99) + "\n";
  if (!std::isnan(slo_av)) axis += "slo_availability_pct = " + g(slo_av * 100) + "\n";
  write_file(charts / "whatif_axis.gp", axis);
  plot.drawn = true;
  return plot;
}

}  // namespace archsim::reports::whatif
