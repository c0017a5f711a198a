// html_population_charts.h -- the run page's charts that speak of one population each: the
// latency of each client, and of the requests the SLO judges, on panels of their own (a client
// whose requests take seconds and one whose take milliseconds each keep a readable axis), with
// the p99 objective drawn only on the panel of the population it judges; a latency
// distribution per client beside the run's whole curve; and the users online of closed-loop
// and session clients. Read from timeseries.csv and summary.json (its slo.population); names
// no model.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/html_data.h"
#include "reports/html_figures.h"

namespace archsim::reports::population_charts {

// A population a latency panel draws: the series component ("users", "slo", "all"), what the
// panel calls it, and whether the scenario's SLO judges exactly these requests.
struct Population {
  std::string series, label;
  bool judged = false;
};

// The populations of the run, judged first: the SLO's scope when it is not one whole client
// (series "slo"), every request when an unscoped SLO judges several clients (series "all"),
// then each client (judged when it is the SLO's whole population). At most kMaxPanels.
inline constexpr std::size_t kMaxPanels = 12;
std::vector<Population> populations(const nlohmann::json& summary, const data::TimeSeries& ts,
                                    const std::vector<std::string>& clients);

// The data files the charts below may write (to clear stale ones).
std::vector<std::string> data_files();

// "latency": one panel per population (latency_<k>.dat: p50, p95, p99 of its successful
// requests, and on the right axis the share of its requests that failed, %), and below them
// every request counted (latency_all.dat, when written by `every_request`). Nothing when no
// population recorded a latency.
bool latency_chart(const std::filesystem::path& charts, const nlohmann::json& summary, const data::TimeSeries& ts,
                   const std::vector<std::string>& clients, bool every_request, figures::Chart& out);

// "users": the users online (active_users) of each client that has them. False when none does.
bool users_chart(const std::filesystem::path& charts, const data::TimeSeries& ts, figures::Chart& out);

// The latency distribution of each client (and of the SLO's population when it is not one
// client) through its percentiles in summary.json (p50, p90, p95, p99, p99.9 and the maximum,
// each a point of its CDF), appended to `cdfs` after the run's whole curves.
void add_percentile_cdfs(const nlohmann::json& summary, const std::vector<std::string>& clients, std::vector<data::Cdf>& cdfs);

}  // namespace archsim::reports::population_charts
