// Resharding as Vitess's Reshard + SwitchTraffic: the new shards are provisioned from t = 0;
// at reshard.at the moved rows are copied at reshard.copy_rate rows/s (a read on the source
// primary and a write on the destination's), and routing switches to the new map when the
// copy ends.
#include <algorithm>

#include "models/database/database_impl.h"
#include "sim/results.h"

namespace archsim::database {

// The new map and the rows it moves (every key of [0, rows) whose shard changes).
void Database::plan_reshard(std::uint32_t to) {
  new_map_ = std::make_unique<ShardMap>(map_->resharded(to));
  keys_moved_ = ShardMap::moved_fraction(*map_, *new_map_, p_.rows);
  for (std::uint64_t k = 0; k < p_.rows; ++k) {
    std::uint32_t a = map_->shard_of(k), b = new_map_->shard_of(k);
    if (a != b) moves_.push_back({a, b});
  }
}

void Database::reshard_start(Context& ctx) {
  reshard_started_ = ctx.now();
  if (moves_.empty()) cutover(ctx);
  else arm(ctx, 0, kCopy);
}

void Database::copy_one(Context& ctx) {
  if (copied_ >= moves_.size()) return;
  auto [from, to] = moves_[copied_];
  ++copied_;
  ctx.metrics().add(copied_c_);
  internal_job(ctx, from, read_query());
  internal_job(ctx, to, write_query());
  if (copied_ == moves_.size()) cutover(ctx);
  else arm(ctx, std::max<Time>(1, from_seconds(1.0 / p_.copy_rate)), kCopy);
}

// A query of the copy itself on shard s's primary: it holds a connection and a core, and
// answers nobody.
void Database::internal_job(Context& ctx, std::uint32_t s, std::uint32_t q) {
  Shard& sh = shard_[s];
  if (!sh.has_primary) return;
  std::uint32_t j = alloc_job();
  Job& job = jobs_[j];
  job.internal = true;
  job.node = sh.primary;
  job.query = q;
  job.req = RequestInfo{};
  job.gather = -1;
  job.part = 0;
  job.arrived = ctx.now();
  ++nodes_[sh.primary].conns;
  ctx.metrics().add(conns_g_, 1, ctx.now());
  to_cores(ctx, j);
}

void Database::cutover(Context& ctx) {
  cutover_at_ = ctx.now();
  map_ = std::move(new_map_);
}

void Database::report_reshard(ComponentReport& r) const {
  r.add("keys_moved_fraction", keys_moved_);
  r.add("reshard_rows_to_move", static_cast<double>(moves_.size()));
  r.add("reshard_copied_rows", static_cast<double>(copied_));
  if (cutover_at_ >= 0) r.add("reshard_copy_s", to_seconds(cutover_at_ - reshard_started_));
}

}  // namespace archsim::database
