// Service: what it does for its server pool (models/common/server_pool/server_pool.h):
// dropping the requests of an instance that goes away, and its per-instance state.
#include "models/service/service_impl.h"

namespace archsim::service_internal {

// Answers every request the instance holds with Status::Dropped (connection reset).
void Service::drop_jobs(Context& ctx, std::uint32_t slot) {
  for (std::uint32_t j = 0; j < jobs_.size(); ++j) {
    Job& job = jobs_[j];
    if (!job.live || job.instance != slot) continue;
    ctx.metrics().add(dropped_c_);
    job.status = Status::Dropped;
    finish_job(ctx, j);
  }
  if (slot < ps_.size()) ps_clear(ps_[slot]);
}

// A new instance in `slot`: its cores share nothing yet.
void Service::slot_launched(std::uint32_t slot) {
  if (!pool_.shared_cores()) return;
  if (ps_.size() <= slot) ps_.resize(slot + 1);
  ps_[slot] = PsState{};
}

}  // namespace archsim::service_internal
