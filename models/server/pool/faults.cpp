// Server pool: what faults do to its instances (crashes, random failures, zone outages) and
// the history of how many were ready (models/server/pool/server_pool.h).
#include "models/server/pool/server_pool.h"

namespace archsim {

std::uint32_t ServerPool::crash(Context& ctx, std::uint32_t count) {
  Context::ActingAs as(ctx, self_->index());  // timers and metrics it sets are the owner's, whoever calls
  std::uint32_t n = 0;
  for (std::uint32_t i = 0; i < instances_.size() && n < count; ++i) {
    Instance::State st = instances_[i].state;
    if (st != Instance::Ready && st != Instance::Unready && st != Instance::Starting) continue;
    go_down(ctx, i);
    note_crash(i, ctx.now());
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

// A crash took instance i down: it counts in the record of this instant until it is back.
void ServerPool::note_crash(std::uint32_t i, Time now) {
  if (crashes_.empty() || crashes_.back().at != now) crashes_.push_back(CrashRecord{now, -1, 0});
  Instance& in = instances_[i];
  if (in.crash_record != ~0u && in.crash_record != crashes_.size() - 1) {
    // Crashed again before it was back: the earlier crash lasted until now.
    CrashRecord& before = crashes_[in.crash_record];
    if (--before.down == 0) before.over = now;
  }
  if (in.crash_record != crashes_.size() - 1) ++crashes_.back().down;
  in.crash_record = static_cast<std::uint32_t>(crashes_.size() - 1);
}

void ServerPool::instance_back(std::uint32_t i, Time now) {
  Instance& in = instances_[i];
  if (in.oom_record != ~0u) ooms_[in.oom_record].over = now;
  if (in.crash_record != ~0u) {
    CrashRecord& c = crashes_[in.crash_record];
    if (--c.down == 0) c.over = now;
  }
  in.oom_record = in.crash_record = ~0u;
}

Time ServerPool::crash_over(Time at, Time now) const {
  for (auto it = crashes_.rbegin(); it != crashes_.rend(); ++it)
    if (it->at == at) return it->down > 0 ? now : it->over;
  return at;
}

Crashable::ReadyHistory ServerPool::ready_history(Time now, Time warmup) const {
  ReadyHistory h = ready_ledger_.history(now, warmup);
  h.oom_kills = oom_kills_;
  return h;
}

}  // namespace archsim
