// CallPolicy: a service mesh's sidecar under the application's policy (CallPolicy::Mesh says
// what it follows): the timeout of each try, and the back-off before the mesh's next one.
#include <algorithm>

#include "models/server/call_policy/call_policy.h"
#include "sim/context.h"

namespace archsim {

Time CallPolicy::mesh_try_timeout(Time now, Slot& sl) const {
  Time left = kTimeMax;  // until the application's attempt or the mesh's route gives up
  sl.cut = MeshCut::App;
  if (sl.timeout > 0) left = app_start(sl) + sl.timeout - now;
  if (mesh_.timeout > 0 && sl.attempt_start + mesh_.timeout - now < left) {
    left = sl.attempt_start + mesh_.timeout - now;
    sl.cut = MeshCut::Route;
  }
  if (mesh_.per_try_timeout > 0 && mesh_.per_try_timeout < left) {
    sl.cut = MeshCut::PerTry;
    return mesh_.per_try_timeout;
  }
  return left == kTimeMax ? 0 : std::max<Time>(left, 1);
}

Time CallPolicy::mesh_backoff(Time now, const Slot& sl) const {
  if (mesh_.backoff <= 0) return 0;
  const int retry = std::min(sl.mesh_tries - 1, 30);  // 1 for the first retry
  const Time span = std::min<Time>(((Time{1} << retry) - 1) * mesh_.backoff, kTimeMax / 2);
  Rng rng = Context::keyed_rng(stream_, sl.req.id, 0x3e5700ULL + static_cast<std::uint64_t>(sl.req.attempt) * 64 + sl.retries * 16 + sl.mesh_tries);
  Time wait = std::min<Time>(static_cast<Time>(rng.below(static_cast<std::uint64_t>(span))), mesh_.backoff_max);
  // Not past the attempt's end (the application's timeout or the route's): the try then
  // cannot go, and the attempt ends there.
  if (sl.timeout > 0) wait = std::min(wait, app_start(sl) + sl.timeout - now);
  if (mesh_.timeout > 0) wait = std::min(wait, sl.attempt_start + mesh_.timeout - now);
  return wait;
}

}  // namespace archsim
