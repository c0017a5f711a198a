// html_run_charts.h -- the charts of a run page, split out of the run's timeseries.csv and
// latency_cdf.csv into one wide data file per chart (DIR/charts/*.dat, read by the gnuplot
// templates of tools/charts and by the page's interactive charts). Series are found by
// their metric names in timeseries.csv; nothing here knows the models that wrote them.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/html_data.h"
#include "reports/html_figures.h"

namespace archsim::reports::run_charts {

// The charts a run page may draw and the data files they write (to clear stale ones).
extern const std::vector<std::string> kCharts;
extern const std::vector<std::string> kDataFiles;
extern const std::vector<std::string> kPopulationFiles;

// The clients of the run (summary.json components of type "client", in the series' order);
// without typed clients, the components recording latency_p99_ms that the summary does not
// describe as anything else.
std::vector<std::string> client_ids(const nlohmann::json& summary, const data::TimeSeries& ts);

// Writes each chart's data files into `charts` and returns the charts that have data, in
// page order: latency per population (html_population_charts.h; every request with the
// failed share when the run had failures), throughput and errors, users online, utilization
// and queues, replicas, the autoscalers' metric, the latency distribution (with each client's
// own, population_charts::distributions), retries, balancers, wasted work, functions, connections, VPAs,
// consensus groups, business counters and circuit breaker states. What a component declared
// of itself is charted apart (html_declared_charts.h).
std::vector<figures::Chart> prepare(const std::filesystem::path& charts, const nlohmann::json& summary,
                                    const data::TimeSeries& ts, const std::vector<data::Cdf>& cdfs);

}  // namespace archsim::reports::run_charts
