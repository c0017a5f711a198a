// Server pool: instance lifetimes as usage for the cost ledger (models/server/pool/server_pool.h).
// The one place where a pool's owner hands over what billing reads.
#include "models/server/pool/server_pool.h"

#include "sim/results.h"

namespace archsim {

void ServerPool::report_billing(Context& ctx, ComponentReport& r) const {
  const Time now = ctx.end_time();
  // Every instance from launch to termination, over the whole run.
  r.add("instance_seconds", (instance_area_ + alive_ * static_cast<double>(now - alive_last_)) / 1e9, {Stitch::Span});
  if (!instance_type_.empty()) r.add_text("instance_type", instance_type_);
  // Every instance ever launched, with its life in seconds, for the cost ledger (per-type
  // price, minimum billed time); and the replica counts it sums over pools.
  Usage& u = r.usage();
  for (const auto& [type, seconds] : bills_) u.instances.push_back({types_[type], seconds});
  for (const Instance& in : instances_)
    if (in.state != Instance::Gone) u.instances.push_back({types_[in.type], to_seconds(now - in.launched)});
  if (addressed_) return;  // nodes are not the replica counts the ledger sums over services
  u.has_replicas = true;
  u.peak_replicas = peak_replicas_;
  u.mean_replicas = ctx.metrics().average(replicas_g_, now);
}

}  // namespace archsim
