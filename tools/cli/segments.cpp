#include "tools/cli/segments.h"

#include <algorithm>
#include <cmath>

#include "scenario/describe.h"
#include "sim/simulation.h"

namespace archsim::cli {

std::vector<std::pair<double, double>> total_load(const Simulation& sim) {
  std::vector<std::vector<std::pair<double, double>>> profiles;
  for (const auto& c : sim.components()) {
    Description d;
    c->describe(d);
    if (d.kind != Description::Kind::Source) continue;
    if (!d.load_profile.empty()) profiles.push_back(d.load_profile);
    else if (d.mean_load > 0) profiles.push_back({{0.0, d.peak_rate_rps > 0 ? d.mean_load : d.mean_load / std::max(d.think_mean_s, 1e-3)}});
  }
  if (profiles.empty()) return {};
  // The sum is linear between the union of every profile's points.
  std::vector<double> times;
  for (const auto& p : profiles)
    for (const auto& pt : p) times.push_back(pt.first);
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  std::vector<std::pair<double, double>> out;
  for (double t : times) {
    double sum = 0;
    for (const auto& p : profiles) sum += load_at(p, t);
    out.emplace_back(t, sum);
  }
  return out;
}

Time slowest_state(const Simulation& sim) {
  double longest = 0;
  for (const auto& c : sim.components()) {
    Description d;
    c->describe(d);
    longest = std::max({longest, d.memory_s, d.is_cache ? d.cache_ttl_s : 0.0});
  }
  return from_seconds_saturated(longest);
}

Time default_segment_warmup(const Simulation& sim, Time window) {
  const Time s = slowest_state(sim);
  return std::max<Time>(window, (s + window - 1) / window * window);
}

}  // namespace archsim::cli
