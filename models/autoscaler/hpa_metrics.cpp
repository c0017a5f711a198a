// Autoscaler: what the horizontal controller observes of its target's instances each sync
// (per-pod samples from cumulative figures, groupPods' CPU readiness rule).
#include <algorithm>
#include <optional>

#include "models/autoscaler/autoscaler_impl.h"

namespace archsim::autoscaler_internal {

const Prev* Autoscaler::prev_of(std::uint64_t serial) const {
  auto it = std::lower_bound(prev_.begin(), prev_.end(), serial,
                             [](const Prev& a, std::uint64_t s) { return a.serial < s; });
  return it != prev_.end() && it->serial == serial ? &*it : nullptr;
}

// The window an instance's differences cover: since the last sync (or its launch). CPU is
// measured over the whole window as the metrics pipeline does, including any part spent
// not ready (cpu_sample_unready decides whether such a sample counts); the other per-pod
// rates cover only the time since the instance became ready.
double Autoscaler::window_ns(const InstanceStat& s, Time now, bool whole, const Prev*& prev) const {
  prev = prev_of(s.serial);
  Time from = prev ? last_sync_ : s.launched;
  if (!whole) from = std::max(s.ready_since, from);
  return static_cast<double>(now - from);
}

// groupPods' CPU rule for one instance sampled now over the sync period. An instance's Ready
// condition exists from its launch (False while it starts), so it always has one.
bool Autoscaler::cpu_unready(const InstanceStat& s, Time now) const {
  PodReadiness pod;
  pod.ready = s.ready;
  pod.started = s.launched;
  pod.transition = s.readiness_changed;
  pod.sample_at = now;
  pod.window = sync_period_;
  return cpu_sample_unready(pod, now, cpu_rule_);
}

std::optional<double> Autoscaler::sample(const MetricSpec& ms, const InstanceStat& s, Time now) const {
  const Prev* prev = nullptr;
  double dt = window_ns(s, now, ms.source == Source::Cpu, prev);
  double conc = static_cast<double>(scalable_->concurrency());
  switch (ms.source) {
    case Source::Cpu:
      if (dt <= 0) return std::nullopt;
      return (s.cpu_area - (prev ? prev->cpu_area : 0)) / (conc * dt);
    case Source::Utilization:
      if (dt <= 0) return std::nullopt;
      return (s.busy_area - (prev ? prev->busy_area : 0)) / (conc * dt);
    case Source::BusyWorkers:
      if (dt <= 0) return std::nullopt;
      return (s.busy_area - (prev ? prev->busy_area : 0)) / dt;
    case Source::Rps:
      if (dt <= 0) return std::nullopt;
      return static_cast<double>(s.completed - (prev ? prev->completed : 0)) / (dt / 1e9);
    case Source::Memory: return s.memory_mb / scalable_->memory_limit_mb();
    case Source::QueueLength: return static_cast<double>(s.queued);
    case Source::InFlight: return static_cast<double>(s.busy + s.queued);
    case Source::Gauge: return std::nullopt;  // one value for the target, read in sync()
  }
  return std::nullopt;
}

void Autoscaler::remember(Time now) {
  prev_.clear();
  for (const InstanceStat& s : stats_) prev_.push_back(Prev{s.serial, s.cpu_area, s.busy_area, s.completed});
  std::sort(prev_.begin(), prev_.end(), [](const Prev& a, const Prev& b) { return a.serial < b.serial; });
  last_sync_ = now;
}

}  // namespace archsim::autoscaler_internal
