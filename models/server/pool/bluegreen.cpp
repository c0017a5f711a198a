// Server pool: the blue-green strategy of the deployment controller (rollout.h says what it
// follows: Argo Rollouts' BlueGreen with its active service, autoPromotionSeconds and
// scaleDownDelaySeconds). The new set ("green") is started beside the old one ("blue"),
// parked: ready but out of the endpoints; once all of it is ready the switch moves every
// instance's place in the endpoints at once, and the old set is removed scale_down_delay later.
// A rollback is the same play towards the stable version: while its set is still there it is
// all ready, and the switch back happens at once.
#include <algorithm>

#include "models/server/pool/server_pool.h"

namespace archsim {

// One sync: start the missing new instances; when all are ready, schedule the switch; after
// it, and once scale_down_delay has passed, remove the old set.
bool ServerPool::sync_blue_green(Context& ctx) {
  PoolDeployment& d = *deploy_;
  const VersionCounts c = d.index.counts(d.target);
  const std::int64_t new_total = c.new_total, new_ready = c.new_ready;
  if (new_total < d.desired) {
    for (std::int64_t n = new_total; n < d.desired; ++n) launch(ctx, false);  // parked until the switch
    return true;
  }
  if (new_total > d.desired) {  // scaled in during the rollout
    for (std::int64_t n = new_total - d.desired; n > 0; --n) retire(ctx, static_cast<std::uint32_t>(pick_victim_of(true, false)));
    return true;
  }
  if (!d.switched) {
    if (new_ready < d.desired || d.switch_pending) return false;
    const Rollout& ro = d.spec.rollouts[d.current];
    Time at = ctx.now();
    if (!d.rolling_back) {
      d.records[d.current].green_ready = ctx.now();
      at += d.spec.switch_delay;
      at = std::max(at, ro.switch_at);
    }
    if (at == ctx.now()) {
      blue_green_switch(ctx);
      return true;
    }
    d.switch_pending = true;
    ctx.schedule(at - ctx.now(), kSwitch, d.switch_gen);
    return false;
  }
  if (!d.scale_down_due) return false;
  bool changed = false;
  for (int v; (v = pick_victim_of(false, false)) >= 0; changed = true) retire(ctx, static_cast<std::uint32_t>(v));
  return changed;
}

// The active service's selector moves to the target's set: every instance of it enters the
// endpoints, every other one leaves them (it keeps running, without traffic).
void ServerPool::blue_green_switch(Context& ctx) {
  PoolDeployment& d = *deploy_;
  d.switched = true;
  d.switch_pending = false;
  if (!d.rolling_back) d.records[d.current].switched = ctx.now();
  for (std::uint32_t i = 0; i < instances_.size(); ++i)
    if (instances_[i].state != Instance::Gone) set_parked(ctx, i, instances_[i].version != d.target);
  ctx.schedule(d.spec.scale_down_delay, kScaleDown, d.switch_gen);
}

// The switch timer: the new set may have lost an instance since (a crash): then the switch
// waits until it is all ready again (the next sync schedules it anew).
void ServerPool::blue_green_timer(Context& ctx, std::uint16_t tag, std::uint64_t gen) {
  PoolDeployment& d = *deploy_;
  if (gen != d.switch_gen || !d.in_progress) return;
  if (tag == kScaleDown) {
    d.scale_down_due = true;
  } else {
    d.switch_pending = false;
    if (d.index.counts(d.target).new_ready >= d.desired) blue_green_switch(ctx);
  }
  run_rollout(ctx);
}

// In or out of the endpoints while ready (callers learn it as a readiness change).
void ServerPool::set_parked(Context& ctx, std::uint32_t i, bool parked) {
  Instance& in = instances_[i];
  if (in.parked == parked) return;
  in.parked = parked;
  if (in.state != Instance::Ready) return;
  if (discovery_delay_) endpoint_changed(ctx, i, !parked);
  else backends_[i].eligible = !parked;
}

}  // namespace archsim
