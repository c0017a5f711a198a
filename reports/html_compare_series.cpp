#include "reports/html_compare_series.h"

#include "reports/html_data.h"

namespace archsim::reports::compare_series {

std::vector<std::string> write_data(const std::filesystem::path& charts, const std::vector<VariantFolder>& variants) {
  // The loaded series must outlive the writes (data::Column points into them).
  std::vector<data::TimeSeries> loaded;
  loaded.reserve(variants.size());
  std::vector<data::Column> p99, rps;
  for (const VariantFolder& v : variants) {
    loaded.push_back(data::TimeSeries::load(v.dir / "timeseries.csv"));
    const data::TimeSeries& ts = loaded.back();
    std::string who = "all";
    if (ts.find(who, "latency_p99_ms") == nullptr) {
      const auto with = ts.components_with("latency_p99_ms");
      if (with.empty()) continue;
      who = with.front();
    }
    p99.push_back({v.label, ts.find(who, "latency_p99_ms")});
    rps.push_back({v.label, ts.find(who, "throughput_rps")});
  }
  std::vector<std::string> written;
  if (data::write_wide(charts / "variants_p99.dat", "time_s", p99)) written.push_back("variants_p99.dat");
  if (data::write_wide(charts / "variants_throughput.dat", "time_s", rps)) written.push_back("variants_throughput.dat");
  return written;
}

}  // namespace archsim::reports::compare_series
