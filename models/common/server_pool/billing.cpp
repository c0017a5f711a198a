// Server pool: instance lifetimes as billing figures (models/common/server_pool/server_pool.h).
// The one place where a pool's owner emits what billing reads.
#include "models/common/server_pool/server_pool.h"

#include "sim/results.h"

namespace archsim {

void ServerPool::report_billing(Context& ctx, ComponentReport& r) const {
  const Time now = ctx.end_time();
  // Every instance from launch to termination, over the whole run.
  r.add("instance_seconds", (instance_area_ + alive_ * static_cast<double>(now - alive_last_)) / 1e9);
  if (!instance_type_.empty()) r.add_text("instance_type", instance_type_);
  // One "@bill:<type>" figure per instance ever launched: its life in seconds. The
  // engine's billing turns them into dollars (per-type price, minimum billed time) and
  // leaves them out of summary.json.
  for (const auto& [type, seconds] : bills_) r.add("@bill:" + types_[type], seconds);
  for (const Instance& in : instances_)
    if (in.state != Instance::Gone) r.add("@bill:" + types_[in.type], to_seconds(now - in.launched));
}

}  // namespace archsim
