#include "reports/html_series.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <utility>

#include "reports/html_json.h"

namespace archsim::reports::series {

using nlohmann::json;

json for_page(const data::TimeSeries& ts, const json& summary, double x_div) {
  std::set<std::pair<std::string, std::string>> wanted;
  std::set<std::string> whole;  // components taken with every series
  if (summary.contains("components") && summary["components"].is_object())
    for (const auto& [id, c] : summary["components"].items())
      if (c.is_object() && c.contains("page")) whole.insert(id);
  for (const auto& c : ts.components())
    if (c.find("->") != std::string::npos) whole.insert(c);
  for (const auto& c : whole)
    for (const auto& m : ts.metrics_of(c)) wanted.insert({c, m});
  const json* rules = nullptr;
  if (summary.contains("availability_report") && summary["availability_report"].contains("alert_rules"))
    rules = &summary["availability_report"]["alert_rules"];
  if (rules != nullptr && rules->is_array())
    for (const json& r : *rules) {
      const std::string metric = js::str_at(r, "metric");
      const auto dot = metric.rfind('.');
      if (dot == std::string::npos) continue;
      const std::string c = metric.substr(0, dot), m = metric.substr(dot + 1);
      wanted.insert({c, m});
      if (m == "availability") {
        wanted.insert({c, "throughput_rps"});
        wanted.insert({c, "errors_rps"});
      }
    }
  static const char* const kAnywhere[] = {"memory_mb", "memory_limit_mb", "oom_kills", "failed_fraction",
                                          "latency_all_p50_ms", "latency_all_p95_ms", "latency_all_p99_ms"};
  for (const char* m : kAnywhere)
    for (const auto& c : ts.components_with(m)) wanted.insert({c, m});

  // One time axis for all: the union of the windows' end times.
  std::set<double> times;
  std::vector<std::pair<std::pair<std::string, std::string>, const data::Points*>> kept;
  for (const auto& [c, m] : wanted) {
    const data::Points* p = ts.find(c, m);
    if (p == nullptr || p->empty() || m.find("transitions") != std::string::npos) continue;
    kept.push_back({{c, m}, p});
    for (const auto& [t, v] : *p) times.insert(t);
  }
  // A long run is drawn per column of time (data::kPageColumns, as the charts' data files
  // are): each column's first and last windows, with every series' lowest and highest value.
  std::vector<std::pair<std::size_t, std::size_t>> spans;  // [first, last] indices into `axis`
  const std::vector<double> axis(times.begin(), times.end());
  if (axis.size() > 2 * data::kPageColumns) {
    const double x0 = axis.front(), width = (axis.back() - x0) / data::kPageColumns;
    for (std::size_t i = 0; i < axis.size();) {
      const auto column = std::min<std::size_t>(data::kPageColumns - 1, static_cast<std::size_t>((axis[i] - x0) / width));
      const double column_end = x0 + width * static_cast<double>(column + 1);
      std::size_t j = i;
      while (j + 1 < axis.size() && (axis[j + 1] < column_end || column + 1 == data::kPageColumns)) ++j;
      spans.push_back({i, j});
      i = j + 1;
    }
  } else {
    for (std::size_t i = 0; i < axis.size(); ++i) spans.push_back({i, i});
  }
  json t = json::array(), by = json::object();
  for (const auto& [a, b] : spans) {
    t.push_back(axis[a] / x_div);
    if (b != a) t.push_back(axis[b] / x_div);
  }
  std::vector<double> dense(axis.size());
  for (const auto& [key, p] : kept) {
    std::fill(dense.begin(), dense.end(), std::nan(""));
    for (std::size_t i = 0; const auto& [x, v] : *p) {
      while (i < axis.size() && axis[i] < x) ++i;
      if (i < axis.size() && axis[i] == x && std::isfinite(v)) dense[i] = v;
    }
    json values = json::array();
    auto put = [&](double v) { values.push_back(std::isnan(v) ? json(nullptr) : json(v)); };
    for (const auto& [a, b] : spans) {
      if (a == b) {
        put(dense[a]);
        continue;
      }
      double lo = std::nan(""), hi = std::nan("");
      for (std::size_t i = a; i <= b; ++i)
        if (!std::isnan(dense[i])) {
          lo = std::isnan(lo) ? dense[i] : std::min(lo, dense[i]);
          hi = std::isnan(hi) ? dense[i] : std::max(hi, dense[i]);
        }
      put(lo);
      put(hi);
    }
    by[key.first][key.second] = std::move(values);
  }
  return {{"t", std::move(t)}, {"by", std::move(by)}};
}

}  // namespace archsim::reports::series
