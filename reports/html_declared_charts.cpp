#include "reports/html_declared_charts.h"

#include <algorithm>
#include <regex>
#include <string>
#include <system_error>

#include "reports/html_json.h"

namespace archsim::reports::declared_charts {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The series of `component` a declared spec names: exactly, or every one a /regex/ matches,
// in the order asked, without those that stayed at zero (datatier.js pick()).
std::vector<std::string> pick(const data::TimeSeries& ts, const std::string& component, const json& specs) {
  std::vector<std::string> out;
  const auto metrics = ts.metrics_of(component);
  for (const auto& spec : specs) {
    if (!spec.is_string()) continue;
    const std::string s = spec.get<std::string>();
    const bool pattern = s.size() >= 2 && s.front() == '/' && s.back() == '/';
    std::regex re;
    if (pattern) {
      try {
        re = std::regex(s.substr(1, s.size() - 2), std::regex::ECMAScript);
      } catch (const std::regex_error&) {
        continue;
      }
    }
    for (const auto& m : metrics) {
      if (pattern ? !std::regex_search(m, re) : m != s) continue;
      if (std::find(out.begin(), out.end(), m) != out.end()) continue;
      const data::Points* p = ts.find(component, m);
      if (p != nullptr && std::any_of(p->begin(), p->end(), [](const auto& kv) { return kv.second != 0 && kv.second == kv.second; }))
        out.push_back(m);
    }
  }
  return out;
}

bool varies(const data::Points& p) {
  return !p.empty() && std::any_of(p.begin(), p.end(), [&](const auto& kv) { return kv.second != p.begin()->second; });
}

}  // namespace

std::vector<figures::Chart> prepare(const fs::path& charts, const json& summary, const data::TimeSeries& ts) {
  std::vector<figures::Chart> out;
  if (!summary.contains("components") || !summary["components"].is_object()) return out;
  const json& comps = summary["components"];
  for (const auto& id : ts.components()) {
    if (!comps.contains(id) || !comps[id].is_object() || !comps[id].contains("page")) continue;
    const json& page = comps[id]["page"];
    if (!page.contains("panels") || !page["panels"].is_array()) continue;
    const std::string name = "tier_" + std::to_string(out.size() + 1);
    figures::Chart chart{name, id + " (" + js::str_at(comps[id], "type") + ")", "", {}};
    chart.component = id;
    std::string captions;
    for (const json& panel : page["panels"]) {
      const auto metrics = pick(ts, id, panel.value("series", json::array()));
      if (metrics.empty()) continue;
      if (panel.value("varies", false) &&
          std::none_of(metrics.begin(), metrics.end(), [&](const std::string& m) { return varies(*ts.find(id, m)); }))
        continue;
      std::vector<data::Column> cols;
      for (const auto& m : metrics) cols.push_back({m, ts.find(id, m)});
      const std::string file = name + "_" + std::to_string(chart.declared.size() + 1) + ".dat";
      if (!data::write_wide(charts / file, "time_s", cols)) continue;
      interactive::Panel p;
      p.file = file;
      p.subtitle = js::str_at(panel, "title");
      p.ylabel = js::str_at(panel, "ylabel");
      p.percent = panel.value("percent", false);
      chart.declared.push_back(p);
      chart.data_files.push_back(file);
      const std::string caption = js::str_at(panel, "caption");
      if (!caption.empty()) captions += (captions.empty() ? "" : " ") + caption;
    }
    if (chart.declared.empty()) continue;
    chart.caption = "What " + id + " declared of itself, one panel per mechanism, per window." +
                    (captions.empty() ? std::string() : " " + captions);
    out.push_back(std::move(chart));
  }
  return out;
}

void remove_stale(const fs::path& charts) {
  std::error_code ec;
  if (!fs::is_directory(charts, ec)) return;
  std::vector<fs::path> stale;
  for (const auto& e : fs::directory_iterator(charts, ec)) {
    const std::string f = e.path().filename().string(), ext = e.path().extension().string();
    if (f.rfind("tier_", 0) == 0 && (ext == ".svg" || ext == ".png" || ext == ".dat")) stale.push_back(e.path());
  }
  for (const auto& p : stale) fs::remove(p, ec);
}

}  // namespace archsim::reports::declared_charts
