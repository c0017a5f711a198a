// Nodes going down and coming back (the Crashable capability the scenario's faults use),
// and the hints kept for them. See kv_store.h.
#include <algorithm>

#include "models/kv_store/store.h"

namespace archsim::kv_store {

void Store::start(Context& ctx) { ctx.metrics().set(up_g_, static_cast<double>(up_), ctx.now()); }

// Time at the current number of nodes up, from the warm-up (ready_history).
void Store::note_up_count(Context& ctx) {
  const Time from = std::max(up_count_since_, ctx.warmup());
  if (ctx.now() > from) seconds_at_[up_] += to_seconds(ctx.now() - from);
  up_count_since_ = ctx.now();
}

void Store::take_down(Context& ctx, std::uint32_t node) {
  Node& n = nodes_[node];
  note_up_count(ctx);
  n.up = false;
  n.down_since = ctx.now();
  ++n.gen;
  --up_;
  if (up_ == 0 && ctx.now() >= ctx.warmup()) ++outages_;
  ctx.metrics().set(up_g_, static_cast<double>(up_), ctx.now());
}

void Store::bring_up(Context& ctx, std::uint32_t node) {
  Node& n = nodes_[node];
  note_up_count(ctx);
  n.up = true;
  ++n.gen;
  ++up_;
  ctx.metrics().set(up_g_, static_cast<double>(up_), ctx.now());
  // Gossip tells the coordinators it is back; they send its hints, which apply one hop and
  // one write later (all at once: the replay's throttle is not modelled).
  if (!n.hints.empty())
    ctx.schedule(net() + p_.write_time.sample_time(rng_), kHintReplay, node | std::uint64_t{n.gen} << 8);
}

// A mutation for a replica that is down: kept while the node has been down less than the
// hint window (StorageProxy.shouldHint), else missed until a read repair brings it.
void Store::hint(Context& ctx, std::uint32_t node, std::uint32_t key, std::uint32_t pos, std::uint64_t version) {
  Node& n = nodes_[node];
  if (!p_.hinted_handoff || ctx.now() - n.down_since >= p_.max_hint_window) {
    ctx.metrics().add(dropped_c_);
    return;
  }
  n.hints.push_back({key, static_cast<std::uint8_t>(pos), version});
  ctx.metrics().add(hints_c_);
}

void Store::replay_hints(Context& ctx, std::uint32_t node, std::uint32_t gen) {
  Node& n = nodes_[node];
  if (n.gen != gen || !n.up) return;  // down again: the hints wait for its next return
  for (const Hint& h : n.hints) apply(h.key, h.pos, h.version);
  ctx.metrics().add(replayed_c_, n.hints.size());
  n.hints.clear();
}

std::uint32_t Store::crash(Context& ctx, std::uint32_t count) {
  Context::ActingAs as(ctx, self_);
  std::uint32_t crashed = 0;
  for (std::uint32_t node = 0; node < p_.nodes && crashed < count; ++node) {
    if (!nodes_[node].up) continue;
    take_down(ctx, node);
    ctx.schedule(p_.restart_time, kRestart, node | std::uint64_t{nodes_[node].gen} << 8);
    ++crashed;
  }
  crashes_.emplace_back(ctx.now(), crashed > 0 ? ctx.now() + p_.restart_time : ctx.now());
  return crashed;
}

bool Store::fail_instance(Context& ctx, std::uint32_t slot) {
  if (slot >= p_.nodes || !nodes_[slot].up) return false;
  Context::ActingAs as(ctx, self_);
  take_down(ctx, slot);
  return true;
}

void Store::repair_instance(Context& ctx, std::uint32_t slot) {
  if (slot >= p_.nodes || nodes_[slot].up) return;
  Context::ActingAs as(ctx, self_);
  bring_up(ctx, slot);
}

Crashable::ReadyHistory Store::ready_history(Time now, Time warmup) const {
  ReadyHistory h;
  h.seconds_at = seconds_at_;
  const Time from = std::max(up_count_since_, warmup);
  if (now > from) h.seconds_at[up_] += to_seconds(now - from);
  h.outage_seconds = h.seconds_at[0];
  h.outages = outages_;
  return h;
}

Time Store::crash_over(Time at, Time now) const {
  for (const auto& [when, back] : crashes_)
    if (when == at) return std::min(back, now);
  return at;
}

}  // namespace archsim::kv_store
