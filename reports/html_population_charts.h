// html_population_charts.h -- the run page's charts that speak of one population each: the
// latency of each client, and of the requests the SLO judges, on panels of their own (a client
// whose requests take seconds and one whose take milliseconds each keep a readable axis), with
// the p99 objective drawn only on the panel of the population it judges; a latency
// distribution per client (its whole histogram) beside the run's whole curve; and the users
// online of closed-loop and session clients. Read from timeseries.csv, latency_cdf.csv and
// summary.json (its slo.population); names no model.
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

// The latency distributions the run page draws, from latency_cdf.csv's curves (`loaded`):
// first the run's whole curves ("all", "every request"), then, when there is more than one
// population to tell apart (two clients or more, or an SLO scope that is not one whole client),
// each client's own distribution and that of the SLO's requests (series "slo"), each from its
// curve in the file: the cumulative shares of its whole-run histogram, one point per bucket.
// A population whose curve the file lacks (a folder written before the file had them, or by
// hand) is drawn through its percentiles in summary.json instead (p50, p90, p95, p99, p99.9
// and the maximum), named "<who> (percentiles)". With one client the whole curve is its own.
struct Distributions {
  std::vector<data::Cdf> curves;  // the whole run's, then the populations'
  std::size_t populations = 0;    // the populations' curves drawn (the last ones)
  std::size_t from_percentiles = 0;  // of which through the summary's percentiles
};
Distributions distributions(const nlohmann::json& summary, const std::vector<std::string>& clients, const std::vector<data::Cdf>& loaded);

}  // namespace archsim::reports::population_charts
