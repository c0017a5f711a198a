// html_compare_series.h -- the time series of a comparison's variants side by side: the
// end-to-end p99 latency and throughput of every variant over the run, one line per variant,
// read from each variant folder's timeseries.csv (replication 1 when the comparison ran
// replications: those files hold that replication's windows only).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace archsim::reports::compare_series {

struct VariantFolder {
  std::string label;
  std::filesystem::path dir;  // holds timeseries.csv
};

// Writes charts/variants_p99.dat and charts/variants_throughput.dat (time_s, then one column
// per variant named by its label; NaN where a window has no value) from each folder's
// end-to-end series: component "all" (the engine's ledger over every client), else the first
// component that records latency_p99_ms; the latencies and the failed share are the SLO's
// population's (component "slo") when the SLO is scoped, since the p99 panel carries the
// objective's line and the objective judges those requests only (`slo_population` says so);
// then variants_p99_all.dat (the p99 of every finished
// request, latency_all_p99_ms) when a variant recorded it, and variants_failed.dat (the
// failed share of the finished requests per window, %) when any variant had a failure, so
// that a p99 that falls while requests fail is seen beside them. Returns the files written,
// in that order; none when no variant has a time series.
std::vector<std::string> write_data(const std::filesystem::path& charts, const std::vector<VariantFolder>& variants,
                                    bool& slo_population);

}  // namespace archsim::reports::compare_series
