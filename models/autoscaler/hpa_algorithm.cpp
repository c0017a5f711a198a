#include "models/autoscaler/hpa_algorithm.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <utility>

namespace archsim {
namespace {

// The metrics API serves milli-quantities; converting first keeps the controller's integer
// averages (and makes 0.3 + 0.5 + 0.7 sum to exactly 1500m, not 1.4999...).
long long to_milli(double v) {
  constexpr double kLimit = 9e15;  // far from int64 overflow even when summed over pods
  const double m = std::clamp(v * 1000.0, -kLimit, kLimit);
  return std::llround(m);
}

int ceil_replicas(double x) {
  if (!(x < static_cast<double>(INT_MAX))) return INT_MAX;  // also catches +inf
  if (!(x > 0)) return 0;                                      // NaN, zero, negative
  return static_cast<int>(std::ceil(x));
}

int clamp_int(long long v) {
  return static_cast<int>(std::clamp<long long>(v, INT_MIN, INT_MAX));
}

// Each pod's request is 1000m, so a utilization fraction f is a usage of f*1000 milli.
constexpr long long kRequestMilli = 1000;

// GetResourceReplicas and calcPlainMetricReplicas: one algorithm, two ways of turning the
// samples into a usage ratio.
MetricProposal per_pod_replicas(const MetricObservation& m, int current, HpaTolerances tol) {
  const bool utilization = m.type == MetricObservation::Type::Utilization;
  // targetUtilization is an int32 percent in the API; targetUsage an int64 milli-value.
  const long long target = utilization ? std::max<long long>(1, std::llround(m.target * 100.0))
                                       : std::max<long long>(1, to_milli(m.target));

  long long sum = 0;
  int ready = 0, missing = 0, unready = 0;
  for (const PodSample& p : m.pods) {
    if (!p.ready) {
      ++unready;
    } else if (!p.value) {
      ++missing;
    } else {
      sum += to_milli(*p.value);
      ++ready;
    }
  }
  MetricProposal out;
  if (ready == 0) return out;  // "did not receive metrics for targeted pods"
  out.valid = true;

  auto ratio_of = [&](long long total, int n) {
    if (utilization) {
      const long long percent = (total * 100) / (static_cast<long long>(n) * kRequestMilli);
      return static_cast<double>(percent) / static_cast<double>(target);
    }
    return static_cast<double>(total / n) / static_cast<double>(target);
  };

  const double ratio = ratio_of(sum, ready);
  out.usage_ratio = ratio;
  const bool scale_up_with_unready = unready > 0 && ratio > 1.0;
  if (!scale_up_with_unready && missing == 0) {
    out.replicas = tol.within(ratio) ? current : ceil_replicas(ratio * ready);
    return out;
  }

  // Second pass: assume the unknown pods would damp the move, then only act if the move
  // survives that assumption.
  int n = ready;
  if (missing > 0) {
    if (ratio < 1.0) {
      // Scale-down: missing pods use their whole request (or the target if that is higher).
      const long long fallback =
          utilization ? kRequestMilli * std::max<long long>(100, target) / 100 : target;
      sum += fallback * missing;
      n += missing;
    } else if (ratio > 1.0) {
      n += missing;  // scale-up: missing pods use nothing
    }
  }
  if (scale_up_with_unready) n += unready;  // unready pods use nothing

  const double new_ratio = ratio_of(sum, n);
  if (tol.within(new_ratio) || (ratio < 1.0 && new_ratio > 1.0) ||
      (ratio > 1.0 && new_ratio < 1.0)) {
    out.replicas = current;
    return out;
  }
  const int proposed = ceil_replicas(new_ratio * n);
  if ((new_ratio < 1.0 && proposed > current) || (new_ratio > 1.0 && proposed < current)) {
    out.replicas = current;
    return out;
  }
  out.replicas = proposed;
  return out;
}

}  // namespace

bool cpu_sample_unready(const PodReadiness& pod, Time now, CpuReadinessRule rule) {
  if (!pod.has_ready_condition) return true;
  if (after(pod.started, rule.cpu_initialization_period) > now)
    return !pod.ready || pod.sample_at < after(pod.transition, pod.window);
  return !pod.ready && after(pod.started, rule.initial_readiness_delay) > pod.transition;
}

HpaRules default_scale_up_rules() {
  HpaRules r;
  r.stabilization_window = 0;
  r.policies = {{HpaPolicy::Type::Pods, 4, 15 * kSecond},
                {HpaPolicy::Type::Percent, 100, 15 * kSecond}};
  r.select = HpaRules::Select::Max;
  return r;
}

HpaRules default_scale_down_rules(Time window) {
  HpaRules r;
  r.stabilization_window = window;
  r.policies = {{HpaPolicy::Type::Percent, 100, 15 * kSecond}};
  r.select = HpaRules::Select::Max;
  return r;
}

HpaBehavior default_behavior() { return {default_scale_up_rules(), default_scale_down_rules()}; }

std::string validate_hpa_spec(const HpaSpec& spec) {
  if (spec.min_replicas < 0) return "min_replicas must be >= 0";
  if (spec.max_replicas < 1) return "max_replicas must be >= 1";
  if (spec.min_replicas > spec.max_replicas) return "min_replicas must be <= max_replicas";
  if (!(spec.tolerance >= 0)) return "tolerance must be >= 0";
  if (spec.downscale_stabilization < 0) return "downscale_stabilization must be >= 0";
  if (!spec.behavior) return "";
  const std::pair<const char*, const HpaRules*> sides[] = {
      {"behavior.scale_up", &spec.behavior->scale_up},
      {"behavior.scale_down", &spec.behavior->scale_down}};
  for (const auto& [name, rules] : sides) {
    const std::string prefix = name;
    if (rules->stabilization_window < 0 || rules->stabilization_window > kHour)
      return prefix + ".stabilization_window must be in [0s, 1h]";
    if (rules->tolerance && !(*rules->tolerance >= 0)) return prefix + ".tolerance must be >= 0";
    if (rules->policies.empty() && rules->select != HpaRules::Select::Disabled)
      return prefix + ".policies must not be empty unless select_policy is disabled";
    for (std::size_t i = 0; i < rules->policies.size(); ++i) {
      const HpaPolicy& p = rules->policies[i];
      const std::string at = prefix + ".policies[" + std::to_string(i) + "]";
      if (p.value <= 0) return at + ".value must be > 0";
      if (p.period <= 0 || p.period > 30 * kMinute) return at + ".period must be in (0s, 30m]";
    }
  }
  return "";
}

MetricProposal propose_replicas(const MetricObservation& m, int current, HpaTolerances tol) {
  using T = MetricObservation::Type;
  if (m.type == T::Utilization || m.type == T::AverageValue) {
    if (m.pods.empty()) return {};  // "no pods returned by selector"
    return per_pod_replicas(m, current, tol);
  }

  const long long usage = to_milli(m.value);
  const long long target = std::max<long long>(1, to_milli(m.target));
  MetricProposal out;
  if (m.type == T::Value) {
    // getUsageRatioReplicaCount: from zero replicas, ceil(ratio) without tolerance, so an
    // HPA with min_replicas 0 can wake its target up.
    const double ratio = static_cast<double>(usage) / static_cast<double>(target);
    out.usage_ratio = ratio;
    if (current == 0) {
      out.valid = true;
      out.replicas = ceil_replicas(ratio);
      return out;
    }
    if (m.pods.empty()) return out;  // the ready-pod count needs the pod list
    out.valid = true;
    if (tol.within(ratio)) {
      out.replicas = current;
      return out;
    }
    const auto ready = std::count_if(m.pods.begin(), m.pods.end(),
                                     [](const PodSample& p) { return p.ready; });
    out.replicas = ceil_replicas(ratio * static_cast<double>(ready));
    return out;
  }

  // TotalAverageValue (GetExternalPerPodMetricReplicas): divided over the pods that exist
  // (scale.status.replicas), whatever their readiness.
  out.valid = true;
  const auto status = static_cast<long long>(m.pods.size());
  out.replicas = static_cast<int>(status);
  const double ratio =
      status > 0 ? static_cast<double>(usage) / (static_cast<double>(target) * status) : 0.0;
  out.usage_ratio = ratio;
  if (status == 0 || !tol.within(ratio))
    out.replicas = ceil_replicas(static_cast<double>(usage) / static_cast<double>(target));
  return out;
}

const char* to_string(HpaReason reason) {
  switch (reason) {
    case HpaReason::ScalingDisabled: return "ScalingDisabled";
    case HpaReason::AboveMax: return "AboveMax";
    case HpaReason::BelowMin: return "BelowMin";
    case HpaReason::InvalidMetrics: return "InvalidMetrics";
    case HpaReason::DesiredWithinRange: return "DesiredWithinRange";
    case HpaReason::ScaleUpLimit: return "ScaleUpLimit";
    case HpaReason::ScaleDownLimit: return "ScaleDownLimit";
    case HpaReason::TooManyReplicas: return "TooManyReplicas";
    case HpaReason::TooFewReplicas: return "TooFewReplicas";
  }
  return "?";
}

HpaController::HpaController(HpaSpec spec) : spec_(std::move(spec)) {
  tolerances_.down = tolerances_.up = spec_.tolerance;
  if (spec_.behavior) {
    if (spec_.behavior->scale_up.tolerance) tolerances_.up = *spec_.behavior->scale_up.tolerance;
    if (spec_.behavior->scale_down.tolerance)
      tolerances_.down = *spec_.behavior->scale_down.tolerance;
  }
}

HpaDecision HpaController::reconcile(Time now, int current,
                                     std::span<const MetricObservation> metrics) {
  // recordInitialRecommendation: the size found at the first sync counts as a recommendation,
  // so a fresh HPA does not scale down before one window has passed.
  if (recommendations_.empty()) recommendations_.push_back({now, current});

  HpaDecision out;
  int desired = 0;
  if (current == 0 && spec_.min_replicas != 0) {
    out.replicas = 0;
    out.reason = HpaReason::ScalingDisabled;
    return out;  // the controller neither recommends nor rescales
  }
  if (current > spec_.max_replicas) {
    desired = spec_.max_replicas;
    out.reason = HpaReason::AboveMax;
  } else if (current < spec_.min_replicas) {
    desired = spec_.min_replicas;
    out.reason = HpaReason::BelowMin;
  } else {
    // computeReplicasForMetrics. No metric at all counts as all invalid here (the API
    // would have defaulted to cpu 80%).
    int proposal = 0;
    std::size_t invalid = 0;
    for (const MetricObservation& m : metrics) {
      const MetricProposal p = propose_replicas(m, current, tolerances_);
      if (!p.valid) {
        ++invalid;
        continue;
      }
      if (proposal == 0 || p.replicas > proposal) proposal = p.replicas;
    }
    if (invalid >= metrics.size() || (invalid > 0 && proposal < current)) {
      out.replicas = current;
      out.reason = HpaReason::InvalidMetrics;
      return out;  // returns before normalization: nothing is recorded
    }
    out.metric_proposal = proposal;
    desired = proposal;
    desired = spec_.behavior ? normalize_with_behaviors(now, current, desired, out)
                             : normalize_legacy(now, current, desired, out);
  }

  if (desired != current) store_scale_event(now, current, desired);
  out.replicas = desired;
  return out;
}

int HpaController::normalize_with_behaviors(Time now, int current, int desired,
                                            HpaDecision& out) {
  const HpaBehavior& b = *spec_.behavior;
  // stabilizeRecommendationWithBehaviors: for scale-up the lowest recommendation of the up
  // window, for scale-down the highest of the down window; current size in between.
  const Time up_cutoff = now - b.scale_up.stabilization_window;
  const Time down_cutoff = now - b.scale_down.stabilization_window;
  int up = desired, down = desired;
  std::size_t old_index = 0;
  bool found_old = false;
  for (std::size_t i = 0; i < recommendations_.size(); ++i) {
    const Recommendation& r = recommendations_[i];
    if (r.at > up_cutoff) up = std::min(up, r.replicas);
    if (r.at > down_cutoff) down = std::max(down, r.replicas);
    if (r.at < up_cutoff && r.at < down_cutoff) {
      found_old = true;
      old_index = i;
    }
  }
  int stabilized = current;
  if (stabilized < up) stabilized = up;
  if (stabilized > down) stabilized = down;
  if (found_old)
    recommendations_[old_index] = {now, desired};
  else
    recommendations_.push_back({now, desired});
  out.stabilized = stabilized;
  out.stabilization_held = stabilized != desired;

  // convertDesiredReplicasWithBehaviorRate.
  out.reason = HpaReason::DesiredWithinRange;
  if (stabilized > current) {
    const long long limit = std::max<long long>(scale_up_limit(now, current), current);
    long long allowed = spec_.max_replicas;
    HpaReason why = HpaReason::TooManyReplicas;
    if (allowed > limit) {
      allowed = limit;
      why = HpaReason::ScaleUpLimit;
    }
    if (stabilized > allowed) {
      out.reason = why;
      return clamp_int(allowed);
    }
  } else if (stabilized < current) {
    const long long limit = std::min<long long>(scale_down_limit(now, current), current);
    long long allowed = spec_.min_replicas;
    HpaReason why = HpaReason::TooFewReplicas;
    if (allowed < limit) {
      allowed = limit;
      why = HpaReason::ScaleDownLimit;
    }
    if (stabilized < allowed) {
      out.reason = why;
      return clamp_int(allowed);
    }
  }
  return stabilized;
}

int HpaController::normalize_legacy(Time now, int current, int desired, HpaDecision& out) {
  // stabilizeRecommendation: highest recommendation not older than the window. Unlike the
  // behavior path, a recommendation exactly at the cutoff still counts.
  const Time cutoff = now - spec_.downscale_stabilization;
  int stabilized = desired;
  std::size_t old_index = 0;
  bool found_old = false;
  for (std::size_t i = 0; i < recommendations_.size(); ++i) {
    const Recommendation& r = recommendations_[i];
    if (r.at < cutoff) {
      found_old = true;
      old_index = i;
    } else if (r.replicas > stabilized) {
      stabilized = r.replicas;
    }
  }
  if (found_old)
    recommendations_[old_index] = {now, desired};
  else
    recommendations_.push_back({now, desired});
  out.stabilized = stabilized;
  out.stabilization_held = stabilized != desired;

  // convertDesiredReplicasWithRules: scaleUpLimitFactor 2, scaleUpLimitMinimum 4, per sync.
  const int limit = static_cast<int>(std::max(2.0 * current, 4.0));
  int allowed = spec_.max_replicas;
  HpaReason why = HpaReason::TooManyReplicas;
  if (allowed > limit) {
    allowed = limit;
    why = HpaReason::ScaleUpLimit;
  }
  out.reason = HpaReason::DesiredWithinRange;
  if (stabilized < spec_.min_replicas) {
    out.reason = HpaReason::TooFewReplicas;
    return spec_.min_replicas;
  }
  if (stabilized > allowed) {
    out.reason = why;
    return allowed;
  }
  return stabilized;
}

// getReplicasChangePerPeriod: the net change of events strictly newer than now - period.
long long HpaController::change_in_period(const std::vector<ScaleEvent>& events, Time now,
                                          Time period) {
  const Time cutoff = now - period;
  long long sum = 0;
  for (const ScaleEvent& e : events)
    if (e.at > cutoff) sum += e.change;
  return sum;
}

// calculateScaleUpLimitWithScalingRules: each policy measures from the size the target had
// when its period began (current - added + removed within the period).
long long HpaController::scale_up_limit(Time now, int current) const {
  const HpaRules& r = spec_.behavior->scale_up;
  if (r.select == HpaRules::Select::Disabled) return current;
  const bool pick_min = r.select == HpaRules::Select::Min;
  long long result = pick_min ? LLONG_MAX : LLONG_MIN;
  for (const HpaPolicy& p : r.policies) {
    const long long start = current - change_in_period(scale_up_events_, now, p.period) +
                            change_in_period(scale_down_events_, now, p.period);
    long long proposed = 0;
    if (p.type == HpaPolicy::Type::Pods) {
      proposed = start + p.value;
    } else {
      // Rounded up, or a small percent of a small target would never add a pod.
      proposed = static_cast<long long>(
          std::ceil(static_cast<double>(start) * (1 + static_cast<double>(p.value) / 100)));
    }
    result = pick_min ? std::min(result, proposed) : std::max(result, proposed);
  }
  return result;
}

// calculateScaleDownLimitWithBehaviors: the lowest size allowed; "Max" means the largest
// change, hence the smallest size.
long long HpaController::scale_down_limit(Time now, int current) const {
  const HpaRules& r = spec_.behavior->scale_down;
  if (r.select == HpaRules::Select::Disabled) return current;
  const bool pick_min_change = r.select == HpaRules::Select::Min;
  long long result = pick_min_change ? LLONG_MIN : LLONG_MAX;
  for (const HpaPolicy& p : r.policies) {
    const long long start = current - change_in_period(scale_up_events_, now, p.period) +
                            change_in_period(scale_down_events_, now, p.period);
    long long proposed = 0;
    if (p.type == HpaPolicy::Type::Pods) {
      proposed = start - p.value;
    } else {
      // Truncated toward zero, as the controller's int32 conversion does.
      proposed = static_cast<long long>(static_cast<double>(start) *
                                        (1 - static_cast<double>(p.value) / 100));
    }
    result = pick_min_change ? std::max(result, proposed) : std::min(result, proposed);
  }
  return result;
}

// storeScaleEvent: events older than the direction's longest policy period are marked
// outdated and one of them is reused; the rest stay (and still count for the other
// direction's periods), exactly as in the controller.
void HpaController::store_scale_event(Time now, int previous, int next) {
  if (!spec_.behavior) return;  // the legacy path keeps no events
  const bool up = next > previous;
  const HpaRules& rules = up ? spec_.behavior->scale_up : spec_.behavior->scale_down;
  std::vector<ScaleEvent>& events = up ? scale_up_events_ : scale_down_events_;
  Time longest = 0;
  for (const HpaPolicy& p : rules.policies) longest = std::max(longest, p.period);
  const Time cutoff = now - longest;
  bool found_old = false;
  std::size_t old_index = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (events[i].at < cutoff) events[i].outdated = true;
    if (events[i].outdated) {
      found_old = true;
      old_index = i;
    }
  }
  const ScaleEvent e{now, up ? next - previous : previous - next, false};
  if (found_old)
    events[old_index] = e;
  else
    events.push_back(e);
}

}  // namespace archsim
