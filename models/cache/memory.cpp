// A cache node's process memory and its container limit ("memory" of a shared cache): the
// data set, a baseline and a leak, and the OOM kill when they pass memory.limit_mb.
//
// Follows Redis's memory accounting (redis.io/docs/management/optimization/memory-optimization
// and INFO MEMORY: used_memory is what the allocator gave the data set, used_memory_rss what
// the process holds; src/evict.c performEvictions compares used_memory alone with maxmemory)
// and the kubelet's container memory limit (Kubernetes, "Resource Management for Pods and
// Containers": a container above its limit is OOM-killed and restarted per its restart
// policy). A memory_leak fault grows the RSS, not used_memory: maxmemory ("capacity_bytes",
// memory_bytes) never evicts for it, and the node runs on until data set + base_mb + leak
// passes limit_mb, when the kernel kills it. The kill is the server pool's
// (models/server/pool/memory.cpp): counted in oom_kills, restarted after restart_time
// with the kubelet's CrashLoopBackOff, the leak gone. The restart is a crash's: empty, or
// loaded from RDB/AOF when the node persists (durability.cpp).
// Simplifications: memory is sampled every 100 ms while a leak is active (the kill comes up
// to 100 ms after the sample that would have seen it); a MiB is 1,048,576 bytes of the store's
// bytes (values and key_overhead_bytes), with no allocator fragmentation; the data set alone
// is not watched without a leak (a maxmemory that fits under the limit is required instead).
#include <cstdio>
#include <string>

#include "models/cache/cache_impl.h"

namespace archsim::cache {

namespace {
constexpr double kMiB = 1024.0 * 1024.0;
}

void read_cache_memory(Params& p, CacheParams& c, std::optional<std::int64_t> capacity_bytes) {
  std::optional<Params> m = p.object_opt("memory");
  if (!m) return;
  if (c.local)
    p.fail("memory", "a local (in-process) cache's memory is its calling service's: give memory.limit_mb to that service");
  c.memory_limit_mb = m->require_number("limit_mb", 0.0, 1e9);
  c.memory_base_mb = m->number("base_mb", 0.0, 0.0, 1e9);
  if (!(c.memory_limit_mb > 0)) m->fail("limit_mb", "must be positive: the container memory a node is OOM-killed above");
  if (c.memory_base_mb >= c.memory_limit_mb)
    m->fail("base_mb", "must be below limit_mb (a node would be killed at start)");
  // Redis's maxmemory must leave room under the container's limit, as its documentation
  // advises: a node whose data set alone can pass the limit is a misconfiguration.
  if (capacity_bytes) {
    const double per_node = static_cast<double>((*capacity_bytes + c.nodes - 1) / c.nodes) / kMiB;
    if (per_node + c.memory_base_mb >= c.memory_limit_mb)
    {
      char mib[32];
      std::snprintf(mib, sizeof mib, "%.1f", per_node);
      m->fail("limit_mb", std::string("is not above a node's maxmemory (capacity_bytes / nodes = ") + mib +
                              " MiB) plus base_mb: the data set alone would get the node OOM-killed");
    }
  }
}

// The data set a process holds, in MiB (its store's bytes: what used_memory counts).
double Cache::data_mb(std::uint32_t slot) const {
  const Instance& in = nodes_[slot / per_node_].inst[slot % per_node_];
  return in.up ? static_cast<double>(in.store->bytes()) / kMiB : 0.0;
}

}  // namespace archsim::cache
