// Autoscaler: the vertical mode (instance-type sizes, a resize by rolling update).
#include <string>
#include <vector>

#include "models/autoscaler/autoscaler_impl.h"
#include "models/server/instance_types.h"
#include "sim/text_list.h"

namespace archsim::autoscaler_internal {

void Autoscaler::read_vertical(Params& p, const BuildContext& bc) {
  sizes_pointer_ = p.path("sizes");
  const std::vector<std::string> catalogue = instance_type_names(bc);
  for (Params& sp : p.objects("sizes")) {
    Size s;
    s.type = sp.string("instance_type");
    // A size may name only a type of the scenario's "instance_types" and take its speed
    // from there; an explicit speed wins. With a catalogue, every size must be in it.
    const InstanceTypeSpec* spec = instance_type(bc, s.type);
    if (!spec && !catalogue.empty())
      sp.fail("instance_type", "unknown instance type \"" + s.type + "\"" + did_you_mean(s.type, catalogue) +
                                   " (not in the scenario's instance_types)");
    if (!spec && !sp.has("speed"))
      sp.fail("speed", "is required: the scenario has no instance_types catalogue to take it from");
    s.speed = sp.number("speed", spec ? spec->speed : 1.0, 1e-6, 1e6);
    if (!sizes_.empty() && s.speed <= sizes_.back().speed)
      sp.fail("speed", "sizes go from small to large: each speed must exceed the previous one");
    sizes_.push_back(s);
  }
  if (sizes_.size() < 2) p.fail("sizes", "needs at least two sizes [{\"instance_type\", \"speed\"}, ...]");
  up_above_ = p.number("scale_up_above", 0.8, 0.0, 1.0);
  down_below_ = p.number("scale_down_below", 0.3, 0.0, 1.0);
  if (down_below_ >= up_above_) p.fail("scale_down_below", "must be below scale_up_above");
  window_ = p.duration("window", 2 * kMinute, 0, kDay);
  cooldown_ = p.duration("cooldown", 5 * kMinute, 0, kDay);
}

void Autoscaler::vertical_sync(Context& ctx) {
  const Time now = ctx.now();
  ++syncs_;
  MetricSpec cpu;
  double sum = 0;
  int n = 0;
  for (const InstanceStat& s : stats_) {
    if (!s.ready) continue;
    if (auto v = sample(cpu, s, now)) {
      sum += *v;
      ++n;
    }
  }
  if (n == 0 || rolling_) return;
  double util = sum / n;
  if (util > up_above_) {
    if (above_since_ < 0) above_since_ = last_sync_;
  } else {
    above_since_ = -1;
  }
  if (util < down_below_) {
    if (below_since_ < 0) below_since_ = last_sync_;
  } else {
    below_since_ = -1;
  }
  bool cooled = last_change_ < 0 || now - last_change_ >= cooldown_;
  int step = 0;
  if (above_since_ >= 0 && now - above_since_ >= window_ && size_ + 1 < sizes_.size()) step = +1;
  if (below_since_ >= 0 && now - below_since_ >= window_ && size_ > 0) step = -1;
  if (step == 0 || !cooled) return;
  size_ = static_cast<std::size_t>(static_cast<long>(size_) + step);
  resizable_->set_instance_type(sizes_[size_].type, sizes_[size_].speed);
  last_reason_ = (step > 0 ? "ScaleUp to " : "ScaleDown to ") + sizes_[size_].type;
  ++resizes_;
  last_change_ = now;
  above_since_ = below_since_ = -1;
  rolling_ = true;
  ctx.metrics().set(speed_g_, sizes_[size_].speed, now);
  rollout_step(ctx);
}

// A Deployment RollingUpdate with maxSurge 1, maxUnavailable 0: one new instance at a time;
// when it is ready, one outdated instance is retired and the next new one launched.
void Autoscaler::rollout_step(Context& ctx) {
  scalable_->instance_stats(ctx.now(), rollout_stats_);
  bool new_starting = false;
  std::uint32_t outdated = 0;
  for (const InstanceStat& s : rollout_stats_) {
    if (s.outdated) ++outdated;
    else if (!s.ready) new_starting = true;
  }
  if (!new_starting) {
    if (surged_ && outdated > 0) {
      resizable_->retire_outdated(ctx);
      --outdated;
      surged_ = false;
    }
    if (outdated == 0) {
      rolling_ = false;
      return;
    }
    resizable_->surge(ctx);
    surged_ = true;
  }
  ctx.schedule(kSecond, kRollout);
}

}  // namespace archsim::autoscaler_internal
