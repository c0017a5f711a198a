// Local (in-process) caches: one copy per instance of the calling service, made on its first
// call and started cold by each new life of the instance; and the check of whether two live
// copies would answer the same read differently.
#include "models/cache/cache_impl.h"
#include "models/contracts/caller_instance.h"

namespace archsim::cache {

// The copy of the calling instance (its pool slot), made on its first call; a new life of
// the slot (a restart or a new instance) starts it cold. kNone for a caller that names no
// instance (connect() lets only services call, and they always do).
std::uint32_t Cache::local_node(Context& ctx, CallId call) {
  const std::uint32_t from = ctx.caller_instance(call);
  if (from == kNoInstance) return kNone;
  const std::uint32_t n = caller_instance::slot(from), life = caller_instance::life(from);
  while (nodes_.size() <= n) {
    Node& nd = nodes_.emplace_back();
    nd.inst.resize(1);
    nd.inst[0].store = std::make_unique<CacheStore>(local_config_, mix64(local_seed_, nodes_.size() - 1));
  }
  Node& nd = nodes_[n];
  if (nd.life != life) {
    if (nd.life != kNone) {
      ctx.metrics().add(cold_starts_c_);
      const double entries = static_cast<double>(nd.store().size()), bytes = static_cast<double>(nd.store().bytes());
      nd.store().clear();
      size_changed(ctx, -entries, -bytes);
    }
    nd.life = life;
  }
  return n;
}

// Whether another instance's live copy of `key` is on the other side of its latest write
// (`written`) from this one (`current`: this copy was read after it): two pods would answer
// the same read differently. Two copies both older than the latest write count as agreeing
// (only the latest write's time is kept). O(instances) per hit on a written key.
bool Cache::disagrees(std::uint32_t n, std::uint64_t key, bool current, Time written, Time now) const {
  for (std::uint32_t m = 0; m < nodes_.size(); ++m) {
    if (m == n) continue;
    const CacheStore& st = *nodes_[m].inst[0].store;
    const std::uint32_t slot = st.find(key);
    if (slot == kNone) continue;
    const Entry& e = st.at(slot);
    if (now < e.expiry && (e.read_at >= written) != current) return true;
  }
  return false;
}

}  // namespace archsim::cache
