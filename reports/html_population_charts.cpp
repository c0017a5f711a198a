#include "reports/html_population_charts.h"

#include <algorithm>
#include <cmath>

#include "reports/html_json.h"

namespace archsim::reports::population_charts {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::vector<std::string> strings_at(const json& j, const char* key) {
  std::vector<std::string> out;
  if (j.is_object() && j.contains(key) && j[key].is_array())
    for (const auto& v : j[key])
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

std::string panel_file(std::size_t k) { return "latency_" + std::to_string(k) + ".dat"; }

// The share of a population's requests that failed in each window, in %: errors / (ok + errors).
data::Points failed_share(const data::TimeSeries& ts, const std::string& who) {
  data::Points share;
  const data::Points* ok = ts.find(who, "throughput_rps");
  const data::Points* err = ts.find(who, "errors_rps");
  if (ok == nullptr) return share;
  for (const auto& [x, v] : *ok) {
    const double f = err != nullptr && err->count(x) ? err->at(x) : 0;
    if (v + f > 0) share[x] = 100 * f / (v + f);
  }
  return share;
}

}  // namespace

std::vector<Population> populations(const json& summary, const data::TimeSeries& ts, const std::vector<std::string>& clients) {
  std::vector<Population> out;
  const json slo = summary.contains("slo") && summary["slo"].is_object() ? summary["slo"] : json::object();
  const bool has_slo = !slo.empty();
  const json pop = slo.contains("population") && slo["population"].is_object() ? slo["population"] : json::object();
  const bool scoped = pop.value("scoped", false);
  const auto scope_clients = strings_at(pop, "clients");
  const bool scope_routes = !strings_at(pop, "routes").empty();
  // The client the SLO judges whole, if it judges exactly one whole client.
  std::string whole_client;
  if (has_slo && scoped && !scope_routes && scope_clients.size() == 1) whole_client = scope_clients[0];
  if (has_slo && !scoped && clients.size() == 1) whole_client = clients[0];
  const bool whole_is_drawn = std::find(clients.begin(), clients.end(), whole_client) != clients.end();
  if (has_slo && !whole_is_drawn) {
    const char* series = scoped ? "slo" : "all";
    if (ts.find(series, "latency_p99_ms") != nullptr) {
      const std::string label = scoped ? js::str_at(pop, "label") : std::string("every client");
      out.push_back({series, "the SLO's requests (" + (label.empty() ? std::string("its scope") : label) + ")", true});
    }
  }
  for (const auto& c : clients) {
    if (out.size() >= kMaxPanels) break;
    if (c == whole_client) out.push_back({c, c + ", the SLO's requests", true});
    else out.push_back({c, c, false});
  }
  // The judged population first: it is what the verdict above the charts is about.
  std::stable_partition(out.begin(), out.end(), [](const Population& p) { return p.judged; });
  return out;
}

std::vector<std::string> data_files() {
  std::vector<std::string> out;
  for (std::size_t k = 1; k <= kMaxPanels + 1; ++k) out.push_back(panel_file(k));
  out.push_back("users.dat");
  return out;
}

bool latency_chart(const fs::path& charts, const json& summary, const data::TimeSeries& ts, const std::vector<std::string>& clients,
                   bool every_request, figures::Chart& out) {
  const auto pops = populations(summary, ts, clients);
  out = figures::Chart{"latency", "Latency over time, per population", "", {}};
  bool any_judged = false, any_failed = false;
  for (const auto& p : pops) {
    std::vector<data::Column> cols;
    for (const char* q : {"p50", "p95", "p99"}) cols.push_back({p.series + " " + q, ts.find(p.series, std::string("latency_") + q + "_ms")});
    if (std::all_of(cols.begin(), cols.end(), [](const data::Column& c) { return c.values == nullptr; })) continue;
    // A population whose latency spans more than 100x over the run (96 ms before a pool runs
    // out, 16 s after) gets a log axis: on a linear one its quiet hours lie flat on zero.
    double lo = INFINITY, hi = 0;
    for (const auto& col : cols)
      if (col.values != nullptr)
        for (const auto& [x, v] : *col.values)
          if (v > 0) lo = std::min(lo, v), hi = std::max(hi, v);
    const bool logy = hi > 100 * lo;
    const data::Points share = failed_share(ts, p.series);
    any_failed = any_failed || std::any_of(share.begin(), share.end(), [](const auto& kv) { return kv.second > 0; });
    cols.push_back({p.series + " failed (%)", &share});
    const std::string file = panel_file(out.declared.size() + 1);
    if (!data::write_wide(charts / file, "time_s", cols)) continue;
    interactive::Panel panel;
    panel.file = file;
    panel.subtitle = p.label;
    panel.ylabel = "latency (ms)";
    panel.y2_last = true;
    panel.y2label = "failed (%)";
    panel.slo = p.judged;
    panel.logy = logy;
    any_judged = any_judged || p.judged;
    out.declared.push_back(panel);
    out.data_files.push_back(file);
  }
  if (out.declared.empty()) return false;
  out.caption = "End-to-end p50, p95 and p99 of the successful requests per window, one panel per population, each on its own "
                "scale: a client whose requests take seconds (a video download) and one whose take milliseconds (an API "
                "call) are not drawn on one axis. The dotted grey line (right axis) is the share of that population's "
                "requests that failed (%). A panel whose latency spans more than 100-fold over the run has a log axis.";
  if (any_judged)
    out.caption += " The SLO judges the first panel's requests: its p99 objective (the red dash-dot line) is drawn there and "
                   "nowhere else, since the other populations are not held to it.";
  if (every_request) {
    interactive::Panel all;
    all.file = "latency_all.dat";
    all.subtitle = "Every request counted (a failed one when it failed) beside the successful p99, and the share failed";
    all.ylabel = "latency (ms)";
    all.y2_last = true;
    all.y2label = "failed (%)";
    out.declared.push_back(all);
    out.data_files.push_back(all.file);
    out.caption += " Last, every request counted: the p50 and p99 of all finished requests (a failed one at the time it failed) "
                   "beside the successful requests' p99, per client, and the share that failed: a latency that falls while "
                   "requests fail is survivor bias, not an improvement.";
  } else if (!any_failed) {
    out.caption += " No request failed.";
  }
  return true;
}

bool users_chart(const fs::path& charts, const data::TimeSeries& ts, figures::Chart& out) {
  std::vector<data::Column> cols;
  for (const auto& c : ts.components_with("active_users")) cols.push_back({c, ts.find(c, "active_users")});
  if (cols.empty() || !data::write_wide(charts / "users.dat", "time_s", cols)) return false;
  interactive::Panel panel;
  panel.file = "users.dat";
  panel.ylabel = "users online";
  out = figures::Chart{"users", "Users online",
                       "Users online at each closed-loop or session client (means over each window): each one sends a "
                       "request, waits for its answer, thinks, and sends the next, so the load follows the users online "
                       "and slows down when answers do.",
                       {"users.dat"}};
  out.declared.push_back(panel);
  return true;
}

Distributions distributions(const json& summary, const std::vector<std::string>& clients, const std::vector<data::Cdf>& loaded) {
  const std::string slo_series = "slo";  // the SLO scope's series (populations above)
  auto is_client = [&](const std::string& name) { return std::find(clients.begin(), clients.end(), name) != clients.end(); };
  auto curve_of = [&](const std::string& name) -> const data::Cdf* {
    for (const auto& c : loaded)
      if (c.name == name) return &c;
    return nullptr;
  };
  Distributions out;
  for (const auto& c : loaded)
    if (c.name != slo_series && !is_client(c.name)) out.curves.push_back(c);

  const json comps = summary.contains("components") && summary["components"].is_object() ? summary["components"] : json::object();
  auto percentiles = [](const json& lat) {
    std::vector<std::pair<double, double>> points;
    const std::pair<const char*, double> at[] = {{"p50", 0.5}, {"p90", 0.9}, {"p95", 0.95}, {"p99", 0.99}, {"p999", 0.999}, {"max", 1.0}};
    for (const auto& [key, f] : at) {
      const double v = js::num_at(lat, key);
      if (v > 0 && (points.empty() || v >= points.back().first)) points.emplace_back(v, f);
    }
    return points;
  };
  // Its curve in the file, else through its percentiles (at least two of them), else none.
  auto add = [&](const std::string& series, const std::string& name, const json& lat) {
    if (const data::Cdf* c = curve_of(series); c != nullptr && !c->points.empty()) {
      out.curves.push_back({name, c->points});
    } else if (auto points = percentiles(lat); points.size() >= 2) {
      out.curves.push_back({name + " (percentiles)", std::move(points)});
      ++out.from_percentiles;
    } else {
      return;
    }
    ++out.populations;
  };
  // Only when there is more than one population to tell apart: one client's curve is the run's.
  std::vector<std::string> drawn;
  for (const auto& c : clients)
    if (curve_of(c) != nullptr || (comps.contains(c) && comps[c].contains("latency_ms"))) drawn.push_back(c);
  const json* pop = nullptr;
  if (summary.contains("slo") && summary["slo"].is_object() && summary["slo"].contains("population") &&
      summary["slo"]["population"].is_object() && summary["slo"]["population"].value("scoped", false))
    pop = &summary["slo"]["population"];
  const bool pop_is_a_client = pop != nullptr && strings_at(*pop, "routes").empty() && strings_at(*pop, "clients").size() == 1;
  if (drawn.size() < 2 && (pop == nullptr || pop_is_a_client)) return out;
  if (pop != nullptr && !pop_is_a_client) add(slo_series, "the SLO's requests", pop->value("latency_ms", json::object()));
  // With one client its curve is the whole run's, drawn already.
  if (drawn.size() >= 2)
    for (const auto& c : drawn) add(c, c, comps.contains(c) ? comps[c].value("latency_ms", json::object()) : json::object());
  return out;
}

}  // namespace archsim::reports::population_charts
