#include "reports/html_slo_windows.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "reports/html_json.h"

namespace archsim::reports::slo_windows {
using nlohmann::json;
using js::num_at;

json for_page(const json& summary, const data::TimeSeries& ts) {
  if (!summary.contains("availability_report") || !summary["availability_report"].contains("slo")) return nullptr;
  const json& a = summary["availability_report"];
  const double target = num_at(a, "slo.availability"), p99_target = num_at(a, "slo.latency_p99_ms");
  const bool scoped = summary.contains("slo") && summary["slo"].is_object() && summary["slo"].contains("population") &&
                      summary["slo"]["population"].is_object() && summary["slo"]["population"].value("scoped", false);
  const std::string who = scoped ? "slo" : "all";
  const data::Points* ok = ts.find(who, "throughput_rps");
  const data::Points* bad = ts.find(who, "errors_rps");
  const data::Points* p99 = ts.find(who, "latency_p99_ms");
  if (ok == nullptr || ok->size() < 2 || std::isnan(target)) return nullptr;
  const double window = std::next(ok->begin())->first - ok->begin()->first;
  if (!(window > 0)) return nullptr;
  const double warmup = std::isnan(num_at(summary, "warmup_s")) ? 0 : num_at(summary, "warmup_s");
  const double end = ok->rbegin()->first;
  // Periods: the shortest of these that cuts the run into at most 48.
  double period = 86400;
  for (double p : {60.0, 300.0, 900.0, 3600.0, 6 * 3600.0})
    if (p >= window && (end - warmup) / p <= 48) {
      period = p;
      break;
    }
  // A window with fewer requests than this says little: fewer than 10 above its p99, or one
  // failure breaks the availability target.
  const double small_below = std::max(1000.0, target < 1 ? std::ceil(1 / (1 - target)) : 1000.0);
  struct Period {
    int windows = 0, missed = 0, p99_over = 0, availability_under = 0, small = 0;
    double requests = 0;
  };
  std::map<long, Period> periods;
  int windows = 0, met = 0;
  for (const auto& [t, good_rps] : *ok) {
    if (t <= warmup) continue;
    const double bad_rps = bad != nullptr && bad->count(t) ? bad->at(t) : 0;
    const double n = (good_rps + bad_rps) * window;
    const bool av_miss = good_rps + bad_rps > 0 && good_rps / (good_rps + bad_rps) < target;
    const double q = p99 != nullptr && p99->count(t) ? p99->at(t) : NAN;
    const bool p99_miss = p99_target > 0 && !std::isnan(q) && q > p99_target;
    Period& p = periods[static_cast<long>(std::floor((t - window) / period))];
    ++windows;
    ++p.windows;
    p.requests += n;
    if (!av_miss && !p99_miss) {
      ++met;
      continue;
    }
    ++p.missed;
    p.p99_over += p99_miss;
    p.availability_under += av_miss;
    p.small += n < small_below;
  }
  json list = json::array();
  for (const auto& [k, p] : periods) {
    if (p.missed == 0) continue;
    list.push_back({{"from_s", static_cast<double>(k) * period}, {"to_s", static_cast<double>(k + 1) * period},
                    {"windows", p.windows}, {"missed", p.missed}, {"p99_over", p.p99_over},
                    {"availability_under", p.availability_under}, {"small", p.small},
                    {"requests_per_window", p.windows ? p.requests / p.windows : 0}});
  }
  return {{"series", who}, {"window_s", window}, {"windows", windows}, {"met", met}, {"small_below", small_below},
          {"period_s", period}, {"periods", std::move(list)}};
}

}  // namespace archsim::reports::slo_windows
