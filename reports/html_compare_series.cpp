#include "reports/html_compare_series.h"

#include "reports/html_data.h"

namespace archsim::reports::compare_series {

std::vector<std::string> write_data(const std::filesystem::path& charts, const std::vector<VariantFolder>& variants,
                                    bool& slo_population) {
  slo_population = false;
  // The loaded series must outlive the writes (data::Column points into them).
  std::vector<data::TimeSeries> loaded;
  loaded.reserve(variants.size());
  std::vector<data::Points> failed(variants.size());
  std::vector<data::Column> p99, p99_all, rps, share;
  bool any_failure = false;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    const VariantFolder& v = variants[i];
    loaded.push_back(data::TimeSeries::load(v.dir / "timeseries.csv"));
    const data::TimeSeries& ts = loaded.back();
    std::string who = "all";
    if (ts.find(who, "latency_p99_ms") == nullptr) {
      const auto with = ts.components_with("latency_p99_ms");
      if (with.empty()) continue;
      who = with.front();
    }
    rps.push_back({v.label, ts.find(who, "throughput_rps")});
    if (ts.find("slo", "latency_p99_ms") != nullptr) {
      who = "slo";
      slo_population = true;
    }
    p99.push_back({v.label, ts.find(who, "latency_p99_ms")});
    if (const auto* all = ts.find(who, "latency_all_p99_ms")) p99_all.push_back({v.label, all});
    // The failed share of the finished requests per window, in %.
    const auto* ok = ts.find(who, "throughput_rps");
    const auto* bad = ts.find(who, "errors_rps");
    if (ok != nullptr && bad != nullptr) {
      for (const auto& [t, good] : *ok) {
        const auto it = bad->find(t);
        const double f = it == bad->end() ? 0 : it->second;
        any_failure = any_failure || f > 0;
        if (good + f > 0) failed[i][t] = 100 * f / (good + f);
      }
      share.push_back({v.label, &failed[i]});
    }
  }
  std::vector<std::string> written;
  if (data::write_wide(charts / "variants_p99.dat", "time_s", p99)) written.push_back("variants_p99.dat");
  if (data::write_wide(charts / "variants_throughput.dat", "time_s", rps)) written.push_back("variants_throughput.dat");
  if (!p99_all.empty() && data::write_wide(charts / "variants_p99_all.dat", "time_s", p99_all))
    written.push_back("variants_p99_all.dat");
  if (any_failure && data::write_wide(charts / "variants_failed.dat", "time_s", share)) written.push_back("variants_failed.dat");
  return written;
}

}  // namespace archsim::reports::compare_series
