#include "reports/html_series.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <utility>

#include "reports/html_json.h"

namespace archsim::reports::series {

using nlohmann::json;

bool is_data_tier(const std::string& type) {
  return type == "cache" || type == "database" || type == "queue" || type == "cdn";
}

json for_page(const data::TimeSeries& ts, const json& summary, double x_div) {
  std::set<std::pair<std::string, std::string>> wanted;
  std::set<std::string> whole;  // components taken with every series
  if (summary.contains("components") && summary["components"].is_object())
    for (const auto& [id, c] : summary["components"].items())
      if (is_data_tier(js::str_at(c, "type"))) whole.insert(id);
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
  json t = json::array(), by = json::object();
  for (double x : times) t.push_back(x / x_div);
  for (const auto& [key, p] : kept) {
    json values = json::array();
    auto it = p->begin();
    for (double x : times) {
      if (it != p->end() && it->first == x) {
        values.push_back(std::isfinite(it->second) ? json(it->second) : json(nullptr));
        ++it;
      } else {
        values.push_back(nullptr);
      }
    }
    by[key.first][key.second] = std::move(values);
  }
  return {{"t", std::move(t)}, {"by", std::move(by)}};
}

}  // namespace archsim::reports::series
