// Server pool: what faults do to its instances (crashes, random failures, zone outages) and
// the history of how many were ready (models/common/server_pool/server_pool.h).
#include "models/common/server_pool/server_pool.h"

namespace archsim {

std::uint32_t ServerPool::crash(Context& ctx, std::uint32_t count) {
  Context::ActingAs as(ctx, self_->index());  // timers and metrics it sets are the owner's, whoever calls
  std::uint32_t n = 0;
  for (std::uint32_t i = 0; i < instances_.size() && n < count; ++i) {
    Instance::State st = instances_[i].state;
    if (st != Instance::Ready && st != Instance::Unready && st != Instance::Starting) continue;
    go_down(ctx, i);
    ++n;
  }
  update_counts(ctx);
  return n;
}

bool ServerPool::fail_instance(Context& ctx, std::uint32_t slot) {
  Context::ActingAs as(ctx, self_->index());
  if (slot >= instances_.size()) return false;
  Instance& in = instances_[slot];
  if (in.state == Instance::Gone || in.state == Instance::Draining) return false;
  if (in.state != Instance::Down) {
    drop(ctx, slot);
    set_state(ctx, slot, Instance::Down);
  }
  ++instances_[slot].timer_gen;  // no restart until repaired
  return true;
}

void ServerPool::repair_instance(Context& ctx, std::uint32_t slot) {
  Context::ActingAs as(ctx, self_->index());
  if (slot >= instances_.size()) return;
  Instance& in = instances_[slot];
  if (in.state == Instance::Down && !in.zone_down) begin_startup(ctx, slot);
}

void ServerPool::fail_zone(Context& ctx, const std::string& zone) {
  Context::ActingAs as(ctx, self_->index());
  for (std::uint32_t i = 0; i < instances_.size(); ++i) {
    Instance& in = instances_[i];
    if (zones_[in.zone] != zone || in.state == Instance::Gone) continue;
    in.zone_down = true;
    if (in.state == Instance::Draining) {
      drop(ctx, i);
      set_state(ctx, i, Instance::Gone);
    } else if (in.state != Instance::Down) {
      go_down(ctx, i);
    }
  }
  update_counts(ctx);
}

void ServerPool::restore_zone(Context& ctx, const std::string& zone) {
  Context::ActingAs as(ctx, self_->index());
  for (std::uint32_t i = 0; i < instances_.size(); ++i) {
    Instance& in = instances_[i];
    if (zones_[in.zone] != zone || !in.zone_down) continue;
    in.zone_down = false;
    if (in.state == Instance::Down) begin_startup(ctx, i);
  }
  update_counts(ctx);
}

// Time at each ready level and outages (no ready instance) for the availability report;
// update_counts runs after every change of ready_. A pool scaled to zero is not down.
void ServerPool::track_ready(const Context& ctx) { ready_ledger_.set(ctx.now(), ctx.warmup(), ready_, replicas_ > 0); }

Crashable::ReadyHistory ServerPool::ready_history(Time now, Time warmup) const {
  ReadyHistory h = ready_ledger_.history(now, warmup);
  h.oom_kills = oom_kills_;
  return h;
}

}  // namespace archsim
