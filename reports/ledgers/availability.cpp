#include "reports/ledgers/availability.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>
#include <unordered_map>

namespace archsim::ledgers {

namespace {
const Series* find(const std::vector<Series>& series, const std::string& comp, const std::string& metric) {
  for (const Series& x : series)
    if (x.component == comp && x.metric == metric) return &x;
  return nullptr;
}
}  // namespace

std::vector<Series> derived_availability(const std::vector<Series>& series) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<Series> derived;
  // Each component's answered series by name, found in one pass: a search per component made
  // a run of 100,000 services spend hours here.
  std::unordered_map<std::string_view, const Series*> answered;
  for (const Series& x : series)
    if (x.metric == "throughput_rps") answered.emplace(x.component, &x);
  for (const Series& x : series) {
    if (x.metric != "errors_rps") continue;
    const auto it = answered.find(x.component);
    if (it == answered.end()) continue;
    const Series* good = it->second;
    Series d{x.component, "availability", {}};
    for (std::size_t w = 0; w < x.values.size() && w < good->values.size(); ++w) {
      double g = good->values[w], b = x.values[w];
      d.values.push_back(g + b > 0 ? g / (g + b) : nan);
    }
    derived.push_back(std::move(d));
  }
  return derived;
}

AvailabilityResult availability_ledger(const SloSettings& slo, const RunResult& r) {
  AvailabilityResult a;
  for (const ComponentResult& c : r.sections) {
    for (const auto& [k, v] : c.report.figures()) a.figures.emplace_back(k, v);
    for (const auto& iv : c.report.intervals()) {
      AvailabilityResult::Fault f;
      f.label = iv.label;
      f.start_s = to_seconds(iv.start);
      f.end_s = to_seconds(iv.end);
      a.faults.push_back(std::move(f));
    }
  }
  // OOM kills apart from the other episodes: they are many, and the charts mark them apart.
  for (const ComponentResult& c : r.components)
    for (const auto& iv : c.report.intervals())
      (iv.kind == kOomKillKind ? a.oom_kills : a.episodes)
          .push_back({c.id, iv.kind, iv.label, to_seconds(iv.start), to_seconds(iv.end)});
  // The SLO's population: every request, or its scope's (slo.h).
  const SloFigures fig = slo_figures(slo, r);
  const OutcomeCounts& outcomes = *fig.outcomes;
  std::uint64_t total = outcomes.total();
  // NaN (null in summary.json) for a run with no request: not a perfect availability.
  a.requests = total ? static_cast<double>(outcomes.ok()) / static_cast<double>(total) : std::nan("");
  a.slo_assumed = !slo.availability && !slo.latency_p99;
  a.slo_availability = slo.availability.value_or(a.slo_assumed ? 0.999 : 0.0);
  a.slo_latency_p99_ms = slo.latency_p99 ? to_millis(*slo.latency_p99) : 0;
  a.budget_allowed = (1.0 - a.slo_availability) * static_cast<double>(total);
  a.budget_used = static_cast<double>(outcomes.failed());

  const std::vector<Time>& ends = r.window_ends;
  const Series* ok = find(r.series, fig.series, "throughput_rps");
  const Series* failed = find(r.series, fig.series, "errors_rps");
  const Series* p99 = find(r.series, fig.series, "latency_p99_ms");
  std::vector<char> met(ends.size(), 1);
  for (std::size_t w = 0; w < ends.size(); ++w) {
    double g = ok->values[w], b = failed->values[w];
    bool good = g + b <= 0 || g / (g + b) >= a.slo_availability;
    if (a.slo_latency_p99_ms > 0 && !std::isnan(p99->values[w]) && p99->values[w] > a.slo_latency_p99_ms) good = false;
    met[w] = good;
    if (ends[w] <= r.warmup) continue;
    ++a.windows;
    if (good) ++a.windows_met;
  }
  a.time = a.windows ? static_cast<double>(a.windows_met) / static_cast<double>(a.windows) : 1.0;
  for (AvailabilityResult::Fault& f : a.faults) {
    Time start = from_seconds(f.start_s), end = from_seconds(f.end_s);
    std::size_t w = 0;
    while (w < ends.size() && (ends[w] <= start || met[w])) ++w;
    if (w == ends.size()) continue;
    f.detected = true;
    f.detect_s = to_seconds(ends[w] - start);
    Time after = std::max(end, ends[w]);
    std::size_t v = w;
    while (v < ends.size() && (ends[v] <= after || !met[v])) ++v;
    if (v == ends.size()) continue;
    f.recovered = true;
    f.recover_s = to_seconds(ends[v] - end);
  }
  return a;
}

}  // namespace archsim::ledgers
