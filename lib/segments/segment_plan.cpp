#include "lib/segments/segment_plan.h"

#include <algorithm>
#include <cmath>

namespace archsim {

double load_at(const std::vector<std::pair<double, double>>& load, double t) {
  if (t <= load.front().first) return load.front().second;
  if (t >= load.back().first) return load.back().second;
  auto it = std::upper_bound(load.begin(), load.end(), t, [](double x, const auto& q) { return x < q.first; });
  const auto& [t1, v1] = *it;
  const auto& [t0, v0] = *(it - 1);
  return v0 + (v1 - v0) * (t - t0) / (t1 - t0);
}

std::optional<SegmentPlan> plan_segments(const std::vector<std::pair<double, double>>& load, Time duration,
                                         Time window, int n, Time warmup, std::string* why, double balance) {
  const std::size_t windows = static_cast<std::size_t>(duration / window);
  if (load.empty()) {
    *why = "no component describes the load it offers, so there is no quiet point to cut at";
    return std::nullopt;
  }
  // The load at the end of each window (its grid point) and the work before it.
  std::vector<double> rate(windows + 1), work(windows + 1, 0);
  const double w_s = to_seconds(window);
  for (std::size_t i = 0; i <= windows; ++i) {
    rate[i] = load_at(load, static_cast<double>(i) * w_s);
    if (i > 0) work[i] = work[i - 1] + (rate[i - 1] + rate[i]) / 2 * w_s;
  }
  const auto [lo, hi] = std::minmax_element(rate.begin(), rate.end());
  if (*hi - *lo <= 1e-9 * std::max(1.0, *hi)) {
    *why = "its load never changes, so no instant is quieter than another";
    return std::nullopt;
  }
  const double total = work[windows];
  const std::size_t gap = static_cast<std::size_t>((warmup + window - 1) / window);
  SegmentPlan plan;
  plan.warmup = warmup;
  plan.cuts.push_back(0);
  std::size_t prev = 0;
  for (int k = 1; k < n; ++k) {
    const double target = total * k / n, slack = total * balance;
    std::size_t best = 0;
    for (std::size_t i = prev + std::max<std::size_t>(gap, 1); i + std::max<std::size_t>(gap, 1) <= windows; ++i) {
      if (std::fabs(work[i] - target) > slack) continue;
      if (best == 0 || rate[i] < rate[best] ||
          (rate[i] == rate[best] && std::fabs(work[i] - target) < std::fabs(work[best] - target)))
        best = i;
    }
    if (best == 0) {
      *why = "there is no room for " + std::to_string(n) + " segments of about equal work, each longer than its warm-up";
      return std::nullopt;
    }
    plan.cuts.push_back(static_cast<Time>(best) * window);
    prev = best;
  }
  plan.cuts.push_back(duration);
  return plan;
}

}  // namespace archsim
