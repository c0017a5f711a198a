// Service: what it does for its server pool (models/server/pool/server_pool.h):
// dropping the requests of an instance that goes away, and its per-instance state.
#include "models/service/service_impl.h"

#include "models/contracts/caller_instance.h"

namespace archsim::service_internal {

// Answers every request the instance holds with Status::Dropped (connection reset).
void Service::drop_jobs(Context& ctx, std::uint32_t slot) {
  for (std::uint32_t j = 0; j < jobs_.size(); ++j) {
    Job& job = jobs_[j];
    if (!jobs_.live(j) || job.instance != slot) continue;
    ctx.metrics().add(dropped_c_);
    job.status = Status::Dropped;
    finish_job(ctx, j);
  }
  drop_connections(ctx, slot);  // after its jobs: a connection still in set-up is one of them
  if (slot < ps_.size()) ps_clear(ps_[slot]);
  if (slot < lives_.size()) ++lives_[slot];  // its process ends: a local cache of it starts cold
}

// A new instance in `slot`: its cores share nothing yet.
void Service::slot_launched(std::uint32_t slot) {
  if (lives_.size() <= slot) lives_.resize(slot + 1, 0);
  ++lives_[slot];
  if (!pool_.shared_cores()) return;
  if (ps_.size() <= slot) ps_.resize(slot + 1);
  ps_[slot] = PsState{};
}

// Calls carry the calling instance (models/contracts/caller_instance.h): a callee keeping state
// per instance (a local cache) tells the instances, and their restarts, apart.
std::uint32_t Service::from_instance(std::uint32_t slot) const {
  return caller_instance::pack(slot, slot < lives_.size() ? lives_[slot] : 0);
}

}  // namespace archsim::service_internal
