#include "lib/health/health_tracker.h"

#include <algorithm>

namespace archsim::health {

HealthTracker::HealthTracker(std::size_t members, const ActiveCheckParams& active, const OutlierParams& outlier)
    : active_(active), outlier_(outlier), members_(members) {}

bool HealthTracker::probe_result(std::uint32_t m, bool ok) {
  Member& x = members_[m];
  const bool was = eligible(m);
  if (ok) {
    x.fail_streak = 0;
    ++x.ok_streak;
    if (!x.checks_ok && x.ok_streak >= active_.healthy_threshold) x.checks_ok = true;
  } else {
    x.ok_streak = 0;
    ++x.fail_streak;
    if (x.checks_ok && x.fail_streak >= active_.unhealthy_threshold) x.checks_ok = false;
  }
  return eligible(m) != was;
}

bool HealthTracker::request_result(std::uint32_t m, Outcome outcome, Time now) {
  if (!outlier_.on) return false;
  Member& x = members_[m];
  if (outcome == Outcome::success) {
    x.consecutive_failures = 0;
    return false;
  }
  if (outcome == Outcome::neutral) return false;
  if (++x.consecutive_failures < outlier_.consecutive_failures || x.ejected) return false;
  const bool was = eligible(m);
  return try_eject(m, now) && eligible(m) != was;
}

bool HealthTracker::try_eject(std::uint32_t m, Time now) {
  std::size_t ejected = 0;
  for (const Member& o : members_) ejected += o.ejected ? 1 : 0;
  const double after = 100.0 * static_cast<double>(ejected + 1) / static_cast<double>(members_.size());
  if (ejected > 0 && after > outlier_.max_ejection_percent) return false;  // Envoy: at least one, then the cap
  Member& x = members_[m];
  x.ejected = true;
  x.ejected_at = now;
  x.consecutive_failures = 0;
  ++x.times_ejected;
  return true;
}

Time HealthTracker::ejection_span(std::uint32_t m) const {
  return std::min(outlier_.max_ejection, outlier_.base_ejection * static_cast<Time>(members_[m].times_ejected));
}

}  // namespace archsim::health
