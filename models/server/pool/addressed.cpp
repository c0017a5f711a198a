// Server pool: the addressed use, for nodes that are not interchangeable replicas
// (models/server/pool/server_pool.h: PoolNodes, configure, crash_node, withdraw).
#include <string>

#include "models/server/instance_types.h"
#include "models/server/pool/server_pool.h"

namespace archsim {

void ServerPool::configure(Params& p, BuildContext& bc, const PoolNodes& spec) {
  id_ = bc.id();
  take_tags(p, bc);
  addressed_ = true;
  initial_replicas_ = spec.nodes;
  concurrency_ = std::max<std::uint32_t>(1, spec.workers);
  cores_ = spec.cores ? std::min(spec.cores, concurrency_) : concurrency_;
  queue_capacity_ = spec.queue_capacity < 0 ? UINT64_MAX : static_cast<std::uint64_t>(spec.queue_capacity);
  const InstanceTypeSpec* itype = read_instance_type(p, bc, spec.type_field);
  speed_ = spec.speed > 0 ? spec.speed : itype ? itype->speed : 1.0;
  startup_ = spec.startup;
  restart_ = spec.restart;
  ready_at_restart_ = spec.ready_at_restart && spec.startup.is_constant_zero();
  // No memory limit unless the owner gives one: a database node is not OOMKilled by its type.
  memory_limit_mb_ = spec.memory_limit_mb;
  memory_base_mb_ = spec.memory_base_mb;
  memory_per_request_mb_ = spec.memory_per_request_mb;
  zones_ = spec.zones;
  if (zones_.empty()) zones_.push_back(bc.zone());
  zone_of_ = spec.zone_of;
  for (std::uint32_t& z : zone_of_) z = std::min<std::uint32_t>(z, static_cast<std::uint32_t>(zones_.size() - 1));
}

bool ServerPool::crash_node(Context& ctx, std::uint32_t slot, bool replaced) {
  Context::ActingAs as(ctx, self_->index());
  if (slot >= instances_.size()) return false;
  const Instance::State st = instances_[slot].state;
  if (st != Instance::Ready && st != Instance::Unready && st != Instance::Starting) return false;
  go_down(ctx, slot, replaced);
  note_crash(slot, ctx.now());
  update_counts(ctx);
  return true;
}

void ServerPool::withdraw(Context& ctx, std::uint32_t slot, std::uint32_t j) {
  Instance& in = instances_[slot];
  const std::size_t n = in.queue.size();
  bool found = false;
  for (std::size_t k = 0; k < n; ++k) {  // rotate once, leaving `j` out: FIFO order kept
    const std::uint32_t x = in.queue.pop();
    if (x == j && !found) found = true;
    else in.queue.push(x);
  }
  if (!found) return;
  ctx.metrics().add(queued_g_, -1, ctx.now());
  if (backends_[slot].active) --backends_[slot].active;
  ctx.metrics().add(in_system_g_, -1, ctx.now());
}

}  // namespace archsim
