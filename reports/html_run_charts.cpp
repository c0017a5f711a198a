#include "reports/html_run_charts.h"

#include <algorithm>
#include <cmath>

#include "reports/html_json.h"
#include "reports/html_population_charts.h"

namespace archsim::reports::run_charts {
namespace fs = std::filesystem;
using nlohmann::json;
using figures::Chart;
using js::num_at;
using js::str_at;

const std::vector<std::string> kCharts = {"latency", "users", "throughput", "utilization", "replicas", "cdf", "retries",
                                             "circuit_state"};
const std::vector<std::string> kDataFiles = {"latency.dat", "latency_all.dat", "throughput.dat", "errors.dat", "utilization.dat",
                                           "queue.dat", "replicas.dat", "cdf.dat",
                                           "circuit_state.dat", "retries.dat", "annotations.gp"};
// Those of the charts drawn per population (html_population_charts.h), beside kDataFiles.
const std::vector<std::string> kPopulationFiles = population_charts::data_files();

std::vector<std::string> client_ids(const json& summary, const data::TimeSeries& ts) {
  std::vector<std::string> clients;
  if (summary.contains("components") && summary["components"].is_object()) {
    for (const auto& [id, c] : summary["components"].items()) {
      // A client that sends requests; one whose users only hold connections has no request
      // series (its own chart is the connections').
      if (str_at(c, "type") == "client" && ts.find(id, "throughput_rps") != nullptr) clients.push_back(id);
    }
  }
  // summary.json objects come back sorted by key; the time series keeps the engine's order.
  const auto& order = ts.components();
  auto rank = [&](const std::string& id) { return std::find(order.begin(), order.end(), id) - order.begin(); };
  std::stable_sort(clients.begin(), clients.end(), [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
  if (clients.empty()) {
    // No typed clients: the end-to-end series are those of components the summary does
    // not describe as anything else.
    for (const auto& c : ts.components_with("latency_p99_ms")) {
      if (!summary.contains("components") || !summary["components"].contains(c)) clients.push_back(c);
    }
  }
  return clients;
}

// Splits the time series into the per-chart files; returns the charts that have data.
namespace {

// latency_all.dat: per client the p50 and p99 of every finished request (latency_all_*_ms,
// when the run recorded them) and the p99 of the successful ones, and last the share of the
// clients' requests that failed, in % (errors / (completed + errors) per window). Written
// when a window had a failure or the all-request series exist; false when not written.
bool write_every_request(const fs::path& charts, const std::vector<std::string>& clients, const data::TimeSeries& ts) {
  std::vector<data::Column> cols;
  bool have_all = false, any_failure = false;
  data::Points ok, failed, share;
  for (const auto& c : clients) {
    const auto* all99 = ts.find(c, "latency_all_p99_ms");
    have_all = have_all || all99 != nullptr;
    if (all99 != nullptr) {
      cols.push_back({c + " p50 of every request", ts.find(c, "latency_all_p50_ms")});
      cols.push_back({c + " p99 of every request", all99});
    }
    cols.push_back({c + " p99 of successful requests", ts.find(c, "latency_p99_ms")});
    if (const auto* t = ts.find(c, "throughput_rps")) for (const auto& [x, v] : *t) ok[x] += v;
    if (const auto* e = ts.find(c, "errors_rps"))
      for (const auto& [x, v] : *e) {
        failed[x] += v;
        any_failure = any_failure || v > 0;
      }
  }
  if (!have_all && !any_failure) return false;
  for (const auto& [x, v] : ok) {
    const double f = failed.count(x) ? failed.at(x) : 0;
    if (v + f > 0) share[x] = 100 * f / (v + f);
  }
  cols.push_back({"failed (% of requests)", &share});
  return data::write_wide(charts / "latency_all.dat", "time_s", cols);
}

}  // namespace

std::vector<Chart> prepare(const fs::path& charts, const json& summary, const data::TimeSeries& ts,
                                      const std::vector<data::Cdf>& cdfs) {
  std::vector<Chart> list;
  const auto clients = client_ids(summary, ts);

  // Latency per population (the SLO's first), every request counted below them.
  {
    const bool every = write_every_request(charts, clients, ts);
    Chart chart;
    if (population_charts::latency_chart(charts, summary, ts, clients, every, chart)) list.push_back(chart);
  }

  // Throughput and errors (total and by cause) per client.
  std::vector<data::Column> cols;
  for (const auto& c : clients) cols.push_back({c, ts.find(c, "throughput_rps")});
  if (data::write_wide(charts / "throughput.dat", "time_s", cols)) {
    std::vector<data::Column> errs;
    std::vector<std::string> with_causes = clients;
    with_causes.push_back("all");  // the engine's end-to-end ledger holds errors by cause
    for (const auto& c : with_causes) {
      if (c != "all")
        if (const auto* e = ts.find(c, "errors_rps")) errs.push_back({c + " errors", e});
      for (const auto& m : ts.metrics_of(c)) {
        const std::string pre = "errors_", post = "_rps";
        if (m != "errors_rps" && m.size() > pre.size() + post.size() && m.rfind(pre, 0) == 0 &&
            m.compare(m.size() - post.size(), post.size(), post) == 0)
          errs.push_back({c + " " + m.substr(pre.size(), m.size() - pre.size() - post.size()), ts.find(c, m)});
      }
    }
    Chart chart{"throughput", "Throughput and errors over time",
                "Requests completed per second at each client (top) and failed requests per second, in total "
                "and by cause (bottom).",
                {"throughput.dat"}};
    if (data::write_wide(charts / "errors.dat", "time_s", errs)) chart.data_files.push_back("errors.dat");
    list.push_back(chart);
  }
  if (Chart users; population_charts::users_chart(charts, ts, users)) list.push_back(users);

  // Utilization and queue length of the non-client components.
  auto non_clients = [&](const std::string& metric) {
    std::vector<data::Column> out;
    for (const auto& c : ts.components_with(metric)) {
      if (std::find(clients.begin(), clients.end(), c) == clients.end()) out.push_back({c, ts.find(c, metric)});
    }
    return out;
  };
  if (data::write_wide(charts / "utilization.dat", "time_s", non_clients("utilization"))) {
    Chart chart{"utilization", "Utilization and queue length per component",
                "Busy fraction of each component's workers (top) and requests waiting in its queues (bottom). "
                "The component that reaches 100% first is the bottleneck.",
                {"utilization.dat"}};
    if (data::write_wide(charts / "queue.dat", "time_s", non_clients("queue_length"))) chart.data_files.push_back("queue.dat");
    list.push_back(chart);
  }

  // Replicas: every service records them, but a chart of flat lines says nothing; draw
  // the components whose counts change (an autoscaler, a crash, a zone outage), or all
  // of them when the scenario has an autoscaler.
  bool has_autoscaler = false;
  if (summary.contains("components") && summary["components"].is_object())
    for (const auto& [id, c] : summary["components"].items()) has_autoscaler = has_autoscaler || str_at(c, "type") == "autoscaler";
  auto varies = [](const data::Points* p) {
    if (p == nullptr || p->empty()) return false;
    const double first = p->begin()->second;
    return std::any_of(p->begin(), p->end(), [&](const auto& kv) { return kv.second != first; });
  };
  cols.clear();
  for (const auto& c : ts.components()) {
    const auto* r = ts.find(c, "replicas");
    const auto* ready = ts.find(c, "ready_replicas");
    if (r == nullptr && ready == nullptr) continue;
    if (!has_autoscaler && !varies(r) && !varies(ready)) continue;
    cols.push_back({c + " replicas", r});
    cols.push_back({c + " ready", ready});
  }
  if (!cols.empty() && data::write_wide(charts / "replicas.dat", "time_s", cols))
    list.push_back({"replicas", "Replicas over time",
                    "Replicas the autoscaler asked for (solid) and those started and ready (dashed). The gap is the "
                    "start-up time every scale-up pays while the load is already there.",
                    {"replicas.dat"}});

  const population_charts::Distributions dists = population_charts::distributions(summary, clients, cdfs);
  if (data::write_cdf_blocks(charts / "cdf.dat", dists.curves)) {
    Chart chart{"cdf", "Latency distribution",
                "Cumulative fraction of successful requests finished within a latency (log scale); when some "
                "failed, \"every request\" is the same over every request that ended, a failed one at the time it "
                "failed. Where a curve crosses 0.99 is its p99; a long flat tail means a few very slow requests.",
                {"cdf.dat"}};
    if (dists.populations > 0)
      chart.caption += " The curves of all clients together mix their populations (a plateau where one client's requests end "
                       "and another's begin); each client's own distribution, and that of the SLO's requests, is drawn "
                       "beside them from its whole histogram.";
    if (dists.from_percentiles > 0)
      chart.caption += " A curve marked \"(percentiles)\" is drawn through its percentiles only (p50, p90, p95, p99, p99.9 "
                       "and the slowest request): this folder's latency_cdf.csv has no curve of its own for it.";
    list.push_back(chart);
  }

  // Retries: attempts (every try) and retries per second of each caller that records them.
  cols.clear();
  for (const auto& c : ts.components_with("attempts_rps")) {
    cols.push_back({c + " attempts", ts.find(c, "attempts_rps")});
    if (const auto* r = ts.find(c, "retries_rps")) cols.push_back({c + " retries", r});
    if (const auto* o = ts.find(c, "offered_rps")) cols.push_back({c + " offered", o});
  }
  if (!cols.empty() && data::write_wide(charts / "retries.dat", "time_s", cols))
    list.push_back({"retries", "Attempts and retries over time",
                    "Attempts each caller sent per second (first tries and retries), its retries, and for a client the "
                    "requests it was offered. Attempts well above the offered load are a retry storm: the callee "
                    "sees several times the load the users asked for.",
                    {"retries.dat"}});

  // Circuit breakers: their state at every transition (a state, sim/metrics.h), drawn as
  // steps that change at the exact times, not the windows' means (which are no state).
  cols.clear();
  for (const auto& c : ts.components_with("circuit_state_transitions"))
    cols.push_back({c, ts.find(c, "circuit_state_transitions")});
  double end = num_at(summary, "run.simulated_s");
  if (std::isnan(end)) end = num_at(summary, "ended_s");
  if (std::isnan(end)) end = num_at(summary, "duration_s");
  if (!cols.empty() && data::write_steps(charts / "circuit_state.dat", "time_s", cols, std::isnan(end) ? 0 : end))
    list.push_back({"circuit_state", "Circuit breaker state",
                    "Each breaker's state at every transition, at its exact time: closed lets calls through, open "
                    "fails them fast, half-open lets a few trial calls test the callee (Resilience4j's states; "
                    "disabled, forced open and metrics only are an operator's).",
                    {"circuit_state.dat"}});
  return list;
}

}  // namespace archsim::reports::run_charts
